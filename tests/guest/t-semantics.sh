#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Semantics, differentially: every case of tests/tools/lfs-semantics (an
# operation, often after a set-up such as a copy-up or a file created in
# the upper) runs on overlayfs and on layerfs over the same three lower
# layers, each with a fresh upper; results, merged trees and the uppers as
# overlayfs reads them must match.  Differences listed in
# semantics-differences.txt (with a reason each) are allowed, on a 6.12
# kernel also those in semantics-differences-6.12.txt (where overlayfs
# changed since 6.1 and layerfs did not); any other fails the test.  The driver prints one "ok N - CASE" / "not ok N - CASE:
# overlayfs=..., layerfs=..." line per case and a summary.
#
# LAYERFS_SEMANTICS_ARGS: extra driver options, e.g. "-k 'rename*' -v",
# "--rdisk" (also layerfs reading the overlayfs upper), "--full" (read every
# object through the mounts).  LAYERFS_SEMANTICS_BUDGET: seconds after which
# no new case starts (default 240, under run.sh's 300 s per test); cases not
# run are reported as skipped.
# shellcheck source=lib.sh source-path=SCRIPTDIR
. "$(dirname "$0")/lib.sh"

TOOL=$ROOT/tests/tools/lfs-semantics
ALLOW=$ROOT/tests/guest/semantics-differences.txt
ALLOW_612=$ROOT/tests/guest/semantics-differences-6.12.txt
[ -x "$TOOL" ] || { echo "Bail out! $TOOL not built (make tools)"; exit 1; }
modprobe overlay || { echo "Bail out! no overlayfs"; exit 1; }
load_module

d=$scratch/sem
expect_ok "$TOOL" mkfixture "$d"
cat >"$scratch/layers" <<EOT
layer add sem-bot $d/l3
layer add sem-mid $d/l2 --parent sem-bot
layer add sem:top $d/l1 --parent sem-mid
EOT
expect_ok "$LAYERCTL" --batch "$scratch/layers"

start=$(date +%s)
eval "set -- ${LAYERFS_SEMANTICS_ARGS:-}"
case $(uname -r) in
6.12.*)
	diag "kernel $(uname -r): also allowing $ALLOW_612"
	set -- -a "$ALLOW_612" "$@"
	;;
esac
{
	"$TOOL" run "$d" 'sem\:top:sem-mid:sem-bot' -a "$ALLOW" \
		--budget "${LAYERFS_SEMANTICS_BUDGET:-240}" "$@" 2>&1
	echo $? >"$scratch/rc"
} | tee "$scratch/semantics.out"
rc=$(cat "$scratch/rc")
summary=$(grep '^# semantics:' "$scratch/semantics.out")
diag "time: $(($(date +%s) - start)) s"
if [ "$rc" = 0 ]; then
	pass "layerfs matches overlayfs (${summary#\# semantics: })"
else
	fail "layerfs matches overlayfs (driver exit status $rc)" \
		"${summary:-no summary: the driver died}" \
		"$(grep '^not ok' "$scratch/semantics.out" | head -n 40)"
fi

# Overlay-private names stay refused on every kernel, whatever the
# overlayfs it is compared with does (semantics-differences-6.12.txt).
v=$scratch/priv
mkdir -p "$v/upper" "$v/work" "$v/mnt"
expect_ok mount -t layerfs -o 'layers=sem\:top:sem-mid:sem-bot' \
	-o "upper=$v/upper,work=$v/work" sem "$v/mnt"
expect_fail 'not supported' setfattr -n trusted.overlay.foo -v 1 "$v/mnt/f_low"
expect_fail 'not supported' getfattr -n trusted.overlay.opaque "$v/mnt/d_opq"
expect_fail 'not supported' setfattr -x trusted.overlay.opaque "$v/mnt/d_opq"
expect_ok umount "$v/mnt"

expect_ok "$LAYERCTL" layer rm sem:top
expect_ok "$LAYERCTL" layer rm sem-mid
expect_ok "$LAYERCTL" layer rm sem-bot
expect_ok unload_module
done_testing
