#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `make bench-commit`: how long `layerctl commit` takes for an upper of
# 1 MiB in 100 files and of 1 GiB in 100,000 files, beside `tar -c |
# sha256sum` of the same upper (what `docker commit` does), in one guest on
# ext4 on a virtio disk image.  Prints the table and the ratios and writes
# build/bench-commit.json.  Targets (issue 4): commit time independent of
# size (ratio 1 GiB / 1 MiB <= 1.5) and >= 100x faster than tar at 1 GiB.
#
#   tests/bench/commit.sh [--kver K]       (BENCH_REPS=N: small-upper reps)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
kver_args=()
[ "${1:-}" != --kver ] || [ -z "${2:-}" ] || kver_args=(--kver "$2")
img=$root/build/bench-commit.img
out=$root/build/bench-commit.out
mkdir -p "$root/build"
rm -f "$img"
truncate -s 3G "$img"
mkfs.ext4 -q -F "$img"
status=0
"$root/scripts/guest-run.sh" "${kver_args[@]}" --mem 2048 --timeout 3600 \
	--disk "$img" --env "BENCH_REPS=${BENCH_REPS:-5}" -- \
	tests/bench/commit-guest.sh | tee "$out" || status=$?
rm -f "$img"
sed -n 's/^BENCH-JSON //p' "$out" >"$root/build/bench-commit.json"
[ -s "$root/build/bench-commit.json" ] && echo "bench-commit: wrote build/bench-commit.json"
exit "$status"
