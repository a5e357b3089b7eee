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
# The layers are frozen and indexed: the seeds run on views that use the
# index, then LAYERFS_RANDOM_WALK_SEEDS (default 9-12) on views mounted
# noindex, which walk the layers.
#
# LAYERFS_RANDOM_SEEDS: N (seeds 1..N), A-B or A,B,... (default 1-8)
# LAYERFS_RANDOM_STEPS: operations per seed (default 50)
# LAYERFS_RANDOM_BUDGET: seconds after which no new seed starts (default
# 200; the walked run gets half)
# guest-timeout: 600
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
layer add --frozen rnd-bot $d/r3
layer add --frozen rnd-mid $d/r2 --parent rnd-bot
layer add --frozen rnd-top $d/r1 --parent rnd-mid
layer index rnd-top -o $scratch/rnd.index
EOT
expect_ok "$LAYERCTL" --batch "$scratch/layers"

eval "set -- ${LAYERFS_RANDOM_ARGS:-}"
# One run: $mode names it, $LFS_LAYERFS_OPTS (read by the driver's
# mounts) gives layerfs's extra options; $1 the seeds, $2 the budget.
run_seeds() {
	start=$(date +%s)
	seeds=$1 budget=$2
	shift 2
	{
		"$TOOL" run "$d" rnd-top:rnd-mid:rnd-bot --seeds "$seeds" \
			--steps "$STEPS" --budget "$budget" "$@" 2>&1
		echo $? >"$scratch/rc"
	} | tee "$scratch/random.out"
	rc=$(cat "$scratch/rc")
	summary=$(grep '^# random:' "$scratch/random.out")
	diag "$mode: time: $(($(date +%s) - start)) s"
	if [ "$rc" = 0 ]; then
		pass "$mode: random sequences match (${summary#\# random: })"
	else
		fail "$mode: random sequences match (driver exit status $rc)" \
			"${summary:-no summary: the driver died}"
	fi
}
budget=${LAYERFS_RANDOM_BUDGET:-200}
export LFS_LAYERFS_OPTS
mode=indexed
LFS_LAYERFS_OPTS=
run_seeds "$SEEDS" "$budget" "$@"
mode=walked
LFS_LAYERFS_OPTS=noindex
run_seeds "${LAYERFS_RANDOM_WALK_SEEDS:-9-12}" $((budget / 2)) "$@"
LFS_LAYERFS_OPTS=

expect_ok "$LAYERCTL" layer rm rnd-top
expect_ok "$LAYERCTL" layer rm rnd-mid
expect_ok "$LAYERCTL" layer rm rnd-bot
expect_ok unload_module
done_testing
