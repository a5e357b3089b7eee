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
# The three layers are frozen and indexed, and the cases run twice: on
# views that use the index, and on views mounted noindex that walk the
# layers (each within its own budget).
#
# LAYERFS_SEMANTICS_ARGS: extra driver options, e.g. "-k 'rename*' -v",
# "--rdisk" (also layerfs reading the overlayfs upper), "--full" (read every
# object through the mounts).  LAYERFS_SEMANTICS_BUDGET: seconds after which
# no new case starts, per run (default 240); cases not run are reported as
# skipped.
# guest-timeout: 700
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
layer add --frozen sem-bot $d/l3
layer add --frozen sem-mid $d/l2 --parent sem-bot
layer add --frozen sem:top $d/l1 --parent sem-mid
layer index sem:top -o $scratch/sem.index
EOT
expect_ok "$LAYERCTL" --batch "$scratch/layers"

eval "set -- ${LAYERFS_SEMANTICS_ARGS:-}"
case $(uname -r) in
6.12.*)
	diag "kernel $(uname -r): also allowing $ALLOW_612"
	set -- -a "$ALLOW_612" "$@"
	;;
esac
# One run of every case: $mode names it, $LFS_LAYERFS_OPTS (read by the
# driver's mounts) gives layerfs's extra options; "$@": driver options.
run_cases() {
	start=$(date +%s)
	{
		"$TOOL" run "$d" 'sem\:top:sem-mid:sem-bot' -a "$ALLOW" \
			--budget "${LAYERFS_SEMANTICS_BUDGET:-240}" "$@" 2>&1
		echo $? >"$scratch/rc"
	} | tee "$scratch/semantics.out"
	rc=$(cat "$scratch/rc")
	summary=$(grep '^# semantics:' "$scratch/semantics.out")
	diag "$mode: time: $(($(date +%s) - start)) s"
	if [ "$rc" = 0 ]; then
		pass "$mode: layerfs matches overlayfs (${summary#\# semantics: })"
	else
		fail "$mode: layerfs matches overlayfs (driver exit status $rc)" \
			"${summary:-no summary: the driver died}" \
			"$(grep '^not ok' "$scratch/semantics.out" | head -n 40)"
	fi
}
export LFS_LAYERFS_OPTS
mode=indexed
LFS_LAYERFS_OPTS=
run_cases "$@"
mode=walked
LFS_LAYERFS_OPTS=noindex
run_cases "$@"
LFS_LAYERFS_OPTS=

# Overlay-private names stay refused on every kernel, whatever the
# overlayfs it is compared with does (semantics-differences-6.12.txt).
v=$scratch/priv
mkdir -p "$v/upper" "$v/work" "$v/mnt"
expect_ok mount -t layerfs -o 'layers=sem\:top:sem-mid:sem-bot' \
	-o "upper=$v/upper,work=$v/work" sem "$v/mnt"
expect_match "$("$LAYERCTL" view ls --json)" '"indexed":true' \
	"a view of the frozen, indexed chain uses the index"
expect_fail 'not supported' setfattr -n trusted.overlay.foo -v 1 "$v/mnt/f_low"
expect_fail 'not supported' getfattr -n trusted.overlay.opaque "$v/mnt/d_opq"
expect_fail 'not supported' setfattr -x trusted.overlay.opaque "$v/mnt/d_opq"
expect_ok umount "$v/mnt"

expect_ok "$LAYERCTL" layer rm sem:top
expect_ok "$LAYERCTL" layer rm sem-mid
expect_ok "$LAYERCTL" layer rm sem-bot
expect_ok unload_module
done_testing
