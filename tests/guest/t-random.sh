#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Random operations, differentially: tests/tools/lfs-random applies the
# same seeded random sequence of operations (create, write, append,
# truncate, unlink, mkdir, rmdir, rename with flags, link, symlink, mknod,
# chmod, chown, xattrs, reads, writes through held descriptors) to an
# overlayfs mount and a layerfs view of the same three lower layers and
# compares results and both merged trees after every step, the trees again
# after remounting, and the uppers as overlayfs reads them.  On a mismatch
# it prints the seed, the step and the difference, the shortest failing
# prefix (replayed on fresh mounts) and a shrunk reproducer.
#
# LAYERFS_RANDOM_SEEDS: N (seeds 1..N), A-B or A,B,... (default 1-8)
# LAYERFS_RANDOM_STEPS: operations per seed (default 50)
# LAYERFS_RANDOM_BUDGET: seconds after which no new seed starts (default 200)
# LAYERFS_RANDOM_ARGS: extra driver options, e.g. "--avoid hl1,hl2 -v"
# shellcheck source=lib.sh source-path=SCRIPTDIR
. "$(dirname "$0")/lib.sh"

TOOL=$ROOT/tests/tools/lfs-random
SEEDS=${LAYERFS_RANDOM_SEEDS:-1-8}
STEPS=${LAYERFS_RANDOM_STEPS:-50}
[ -x "$TOOL" ] || { echo "Bail out! $TOOL not built (make tools)"; exit 1; }
modprobe overlay || { echo "Bail out! no overlayfs"; exit 1; }
load_module

d=$scratch/rnd
expect_ok "$TOOL" mkfixture "$d"
cat >"$scratch/layers" <<EOT
layer add rnd-bot $d/r3
layer add rnd-mid $d/r2 --parent rnd-bot
layer add rnd-top $d/r1 --parent rnd-mid
EOT
expect_ok "$LAYERCTL" --batch "$scratch/layers"

start=$(date +%s)
eval "set -- ${LAYERFS_RANDOM_ARGS:-}"
{
	"$TOOL" run "$d" rnd-top:rnd-mid:rnd-bot --seeds "$SEEDS" --steps "$STEPS" \
		--budget "${LAYERFS_RANDOM_BUDGET:-200}" "$@" 2>&1
	echo $? >"$scratch/rc"
} | tee "$scratch/random.out"
rc=$(cat "$scratch/rc")
summary=$(grep '^# random:' "$scratch/random.out")
diag "time: $(($(date +%s) - start)) s"
if [ "$rc" = 0 ]; then
	pass "random sequences match (${summary#\# random: })"
else
	fail "random sequences match (driver exit status $rc)" \
		"${summary:-no summary: the driver died}"
fi

expect_ok "$LAYERCTL" layer rm rnd-top
expect_ok "$LAYERCTL" layer rm rnd-mid
expect_ok "$LAYERCTL" layer rm rnd-bot
expect_ok unload_module
done_testing
