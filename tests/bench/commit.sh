#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `make bench-commit`: how long `layerctl commit` takes for an upper of
# 1 MiB in 100 files and of 1 GiB in 100,000 files, beside `tar -c |
# sha256sum` of the same upper (what `docker commit` does), against the
# number of layers already in the store (10, 1,000, 10,000) and against the
# number of earlier commits on the same view (1, 100, 1,000), in one guest
# on ext4 on a virtio disk image (tests/bench/commit-guest.sh).  Prints the
# tables and the ratios and writes build/bench-commit.json.  Targets:
# commit time independent of size (ratio 1 GiB / 1 MiB <= 1.5) and >= 100x
# faster than tar at 1 GiB (issue 4); commit time flat against the store's
# size and the view's earlier commits (issue 13; largest / smallest <= 1.5);
# cold lookups in a view committed E times at most 1.5x those in a view
# never committed of the same tree, and at most 2x native.
#
#   tests/bench/commit.sh [--kver K]
#
# Environment: BENCH_REPS=N repetitions (default 5, quick 3);
# BENCH_QUICK=1 a short run (store 10 and 1,000 layers, 1 and 100 earlier
# commits, a 64 MiB large upper; ~10 min under TCG); BENCH_COMMIT_STORE and
# BENCH_COMMIT_VIEW the counts; BENCH_TIMEOUT=S the guest timeout (default
# 7200, quick 2400).
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
quick=${BENCH_QUICK:-0}
if [ "$quick" = 1 ]; then timeout=${BENCH_TIMEOUT:-2400}; else timeout=${BENCH_TIMEOUT:-7200}; fi
envs=(--env "BENCH_QUICK=$quick")
[ -z "${BENCH_REPS:-}" ] || envs+=(--env "BENCH_REPS=$BENCH_REPS")
[ -z "${BENCH_COMMIT_STORE:-}" ] || envs+=(--env "BENCH_COMMIT_STORE=$BENCH_COMMIT_STORE")
[ -z "${BENCH_COMMIT_VIEW:-}" ] || envs+=(--env "BENCH_COMMIT_VIEW=$BENCH_COMMIT_VIEW")
"$root/scripts/guest-run.sh" "${kver_args[@]}" --mem 2048 --timeout "$timeout" \
	--disk "$img" "${envs[@]}" -- \
	tests/bench/commit-guest.sh | tee "$out" || status=$?
rm -f "$img"
sed -n 's/^BENCH-JSON //p' "$out" >"$root/build/bench-commit.json"
[ -s "$root/build/bench-commit.json" ] && echo "bench-commit: wrote build/bench-commit.json"
exit "$status"
