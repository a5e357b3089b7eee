#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make check-debug: the guest test suite on the debug kernel (KASAN, lockdep,
# kmemleak, DEBUG_LIST, failslab; scripts/build-debug-kernel.sh).
#
#   scripts/check-debug.sh [all | NAME...]
#
# 1. builds the debug kernel, or reuses the cached build;
# 2. builds layerfs.ko against it in build/debug/ (a copy of Kbuild, kernel/
#    and include/: the normal build's kernel/layerfs.ko is left alone);
# 3. boots it (scripts/guest-run.sh --kernel-image) and runs
#    tests/guest/debug-run.sh: the tests (tests/guest/run.sh), then a
#    kmemleak scan that fails on any suspected leak.
# KASAN reports, lockdep splats, WARNs etc. fail the tests through
# tests/guest/klog-check.sh as on the packaged kernel.
#
# Environment:
#   LAYERFS_DEBUG_SLOWDOWN  factor for the per-test timeout (300 s), the
#                           guest's (1500 s) and the hung-task timeout (120 s);
#                           default 6 (TCG + KASAN + lockdep)
#   LAYERFS_DEBUG_MEM       guest memory in MB (default 3072)
#   LAYERFS_DEBUG_APPEND    extra kernel command-line arguments
#   LAYERFS_DEBUG_KEEP=1    keep the guest's run directory (guest-run.sh --keep:
#                           per-test logs, kmsg.log, kmemleak.txt)
#   LAYERFS_DEBUG_FULL=1    keep the tests' default extra; otherwise the
#                           fuzzers and the big-directory case run a fifth
#                           (NLFUZZ_COUNT 20000, FSFUZZ_COUNT 600,
#                           HOSTILE_BIG 10000): every path still runs, but
#                           KASAN + lockdep under TCG is several times slower
# and those of build-debug-kernel.sh and guest-run.sh.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
slow=${LAYERFS_DEBUG_SLOWDOWN:-6}
mem=${LAYERFS_DEBUG_MEM:-3072}
start=$(date +%s)

kdir=$(scripts/build-debug-kernel.sh)
tree=$kdir/linux
release=$(cat "$kdir/release")

# layerfs.ko against the debug tree, from a copy of the sources (Kbuild
# writes its objects next to them).  cp -p keeps mtimes, so an unchanged
# file is not rebuilt.
out=$root/build/debug
src=$out/src
"$root/scripts/module-src.sh" "$src"
echo "check-debug: building layerfs.ko against $release"
nice -n 19 make -C "$tree" M="$src" -j"${LAYERFS_DEBUG_JOBS:-2}" modules
ko=$src/kernel/layerfs.ko
vermagic=$(modinfo -F vermagic "$ko")
case $vermagic in
"$release "*) ;;
*) echo "check-debug: $ko has vermagic '$vermagic', not for $release" >&2; exit 1 ;;
esac

tests/guest/klog-check-selftest.sh >/dev/null

extra=()
[ "${LAYERFS_DEBUG_KEEP:-0}" != 1 ] || extra+=(--keep)
if [ "${LAYERFS_DEBUG_FULL:-0}" != 1 ]; then
	extra+=(--env NLFUZZ_COUNT="${NLFUZZ_COUNT:-20000}"
		--env FSFUZZ_COUNT="${FSFUZZ_COUNT:-600}"
		--env HOSTILE_BIG="${HOSTILE_BIG:-10000}")
fi

rc=0
scripts/guest-run.sh --kernel-image "$kdir/bzImage" --mem "$mem" \
	--timeout $((1500 * slow)) \
	--append "kasan_multi_shot sysctl.kernel.hung_task_timeout_secs=$((120 * slow)) ${LAYERFS_DEBUG_APPEND:-}" \
	--env "LAYERFS_KO=$ko" \
	--env "LAYERFS_TEST_TIMEOUT=$((300 * slow))" "${extra[@]}" \
	-- tests/guest/debug-run.sh "$@" || rc=$?
end=$(date +%s)
echo "check-debug: kernel $release (built in $(cat "$kdir/build-time")), wall time $(((end - start) / 60))m$(((end - start) % 60))s, status $rc"
exit "$rc"
