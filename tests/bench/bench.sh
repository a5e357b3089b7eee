#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `make bench`: boot one guest (scripts/guest-run.sh) with a fresh ext4 disk
# image and run tests/bench/guest.sh there; print its table and targets and
# copy the results back as build/bench.json (and bench.tsv, the raw lines,
# and bench.txt, the table).
#
#   tests/bench/bench.sh [--kver K]
#
# Environment:
#   BENCH_QUICK=1       smoke run (depths 1, 8 and 64, small fixtures, 3 reps)
#   BENCH_REPS=N        repetitions per measurement (default 5; 3 if quick)
#   BENCH_DEPTHS="..."  stack depths (default "1 8 64 500 4096"; "1 8 64" if
#                       quick); overlayfs is n/a above 500
#   BENCH_FS="..."      backing filesystems (default "tmpfs ext4")
#   BENCH_WORKLOADS="..."  workloads (default all; see guest.sh)
#   BENCH_MEM=MB        guest memory (default 4096)
#   BENCH_TIMEOUT=S     guest timeout (default 10800, quick 1800)
#
# Exits with guest-run.sh's status: non-zero if the guest failed, timed out
# or logged a kernel problem (e.g. a layerfs oops); unmet targets do not
# make it fail.
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
kver_args=()
while [ $# -gt 0 ]; do
	case $1 in
	--kver) [ -z "$2" ] || kver_args=(--kver "$2"); shift 2 ;;
	*) echo "bench.sh: unknown argument '$1'" >&2; exit 2 ;;
	esac
done

quick=${BENCH_QUICK:-0}
args=()
[ "$quick" != 1 ] || args+=(--quick)
[ -z "${BENCH_REPS:-}" ] || args+=(--reps "$BENCH_REPS")
[ -z "${BENCH_DEPTHS:-}" ] || args+=(--depths "$BENCH_DEPTHS")
[ -z "${BENCH_FS:-}" ] || args+=(--fs "$BENCH_FS")
[ -z "${BENCH_WORKLOADS:-}" ] || args+=(--workloads "$BENCH_WORKLOADS")
mem=${BENCH_MEM:-4096}
if [ "$quick" = 1 ]; then timeout=${BENCH_TIMEOUT:-1800}; else timeout=${BENCH_TIMEOUT:-10800}; fi

bench=$root/tests/bench/lfsbench
[ -x "$bench" ] || { echo "bench.sh: build $bench first (make -C tests/bench)" >&2; exit 2; }
mkdir -p "$root/build"
# guest-run.sh makes its run directory under $TMPDIR; --keep leaves it
# there for us to collect $LAYERFS_OUT (run/out) from.
tmp=$(mktemp -d "$root/build/bench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
# One inode per 4 KiB (1M inodes): every depth's fixture stays on the disk
# (4096 layers alone take ~215,000 directories).  Inode tables and journal
# written now, so the guest's ext4lazyinit thread does not write during
# the timings.
truncate -s 4G "$tmp/disk.img"
mkfs.ext4 -q -F -i 4096 -E lazy_itable_init=0,lazy_journal_init=0 "$tmp/disk.img"

start=$(date +%s)
rc=0
TMPDIR=$tmp "$root/scripts/guest-run.sh" "${kver_args[@]}" --mem "$mem" \
	--timeout "$timeout" --disk "$tmp/disk.img" --keep -- \
	tests/bench/guest.sh "${args[@]}" 2> >(grep -v '^guest-run: kept ' >&2) || rc=$?
wall=$(($(date +%s) - start))

out=$(find "$tmp" -maxdepth 2 -type d -name out -path '*/layerfs-guest.*/out' | head -n 1)
rm -f "$root/build/bench.json" "$root/build/bench.tsv" "$root/build/bench.txt"
if [ -n "$out" ] && [ -s "$out/bench.tsv" ]; then
	printf 'I\twall_seconds\t%s\n' "$wall" >>"$out/bench.tsv"
	cp "$out/bench.tsv" "$root/build/bench.tsv"
	if [ -s "$out/bench.json" ]; then
		# The guest printed the table; add the host's wall time to the JSON.
		"$bench" report "$root/build/bench.tsv" "$root/build/bench.json" >"$root/build/bench.txt"
	else
		echo "bench: the guest did not finish; results so far:"
		"$bench" report "$root/build/bench.tsv" "$root/build/bench.json" | tee "$root/build/bench.txt"
	fi
	echo "bench: wall time ${wall}s; results in build/bench.json (raw: build/bench.tsv, table: build/bench.txt)"
else
	echo "bench: no results came back from the guest (wall time ${wall}s)" >&2
	[ "$rc" != 0 ] || rc=1
fi
exit "$rc"
