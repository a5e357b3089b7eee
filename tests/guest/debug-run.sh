#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The guest side of `make check-debug` (scripts/check-debug.sh), as root in
# the guest booted on the debug kernel:
#
#   tests/guest/debug-run.sh [all | NAME...]
#
# Runs tests/guest/run.sh with the arguments, then has kmemleak scan twice
# (objects younger than 5 s are never reported, hence the pause) and fails
# if it suspects any leak, layerfs's or not, printing the reports (all of
# them go to $LAYERFS_OUT/kmemleak.txt; a report counts as layerfs's when
# its backtrace names layerfs or a module address, the only module loaded).
# Prints "PASS kmemleak" or "FAIL kmemleak: N suspected leaks" and exits
# non-zero if the tests or the scan failed.
set -u

here=$(cd "$(dirname "$0")" && pwd)
kml=/sys/kernel/debug/kmemleak
out=${LAYERFS_OUT:-/tmp/layerfs}
mkdir -p "$out"

if [ ! -w "$kml" ]; then
	echo "FAIL kmemleak: no $kml (is this the debug kernel?)"
	exit 1
fi
echo "debug-run: kernel $(uname -r), $(nproc) CPUs, layerfs module ${LAYERFS_KO:-kernel/layerfs.ko}"

rc=0
"$here/run.sh" "$@" || rc=$?

t0=$(date +%s)
echo scan >"$kml"
sleep 6
echo scan >"$kml"
cp "$kml" "$out/kmemleak.txt"
n=$(grep -c '^unreferenced object' "$out/kmemleak.txt")
echo "debug-run: kmemleak scans took $(($(date +%s) - t0)) s"
if [ "$n" = 0 ]; then
	echo "PASS kmemleak"
else
	ours=$(awk '/^unreferenced object/ { if (o) n++; o = 0 } /layerfs|] 0xffffffffc/ { o = 1 } END { if (o) n++; print n + 0 }' "$out/kmemleak.txt")
	echo "FAIL kmemleak: $n suspected leaks ($ours with layerfs or a module address in the trace)"
	head -n 300 "$out/kmemleak.txt"
	rc=1
fi
exit "$rc"
