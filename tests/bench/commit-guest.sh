#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The guest side of tests/bench/commit.sh: /dev/vda is an empty ext4 disk.
# For each upper size: fill an upper directory on the disk, mount a view
# of an empty base layer with it, sync, drop caches, time
# `tar -c | sha256sum` of the upper, drop caches, time `layerctl commit`
# (after loading the timed programs again: the data is cold, not the tools).
# The small upper is measured BENCH_REPS times (each on a fresh upper),
# the large one once.  Last line: "BENCH-JSON {...}".
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
L=$root/userspace/layerctl
reps=${BENCH_REPS:-5}
d=/tmp/bench-disk
mkdir -p "$d"
mount -t ext4 /dev/vda "$d"
insmod "$root/kernel/layerfs.ko"
export LAYERFS_STORE=$d/store
mkdir -p "$d/base" "$LAYERFS_STORE/layers" "$LAYERFS_STORE/views" /tmp/bench-m
"$L" layer add bench/base "$d/base"
n=0

now() { date +%s%N; }
ms() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", (b - a) / 1e6 }'; }

# fill DIR FILES BYTES: FILES files of BYTES bytes, 1000 per directory.
fill() {
	python3 - "$@" <<'PY'
import os, sys
top, files, size = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
data = os.urandom(size)
for i in range(files):
    sub = os.path.join(top, "d%03d" % (i // 1000))
    if i % 1000 == 0:
        os.makedirs(sub, exist_ok=True)
    with open(os.path.join(sub, "f%05d" % i), "wb") as f:
        f.write(data[i % 64:] + data[:i % 64])
PY
}

# The programs timed, loaded again after drop_caches (the guest reads them
# over 9p): the upper's data is cold, the tools are not.
warm() {
	tar --version >/dev/null
	sha256sum --version >/dev/null
	"$L" images >/dev/null
}

# one LABEL FILES BYTES: appends "LABEL TAR_MS COMMIT_MS" to $res.
one() {
	n=$((n + 1))
	u=$d/u$n w=$d/w$n
	mkdir -p "$u" "$w"
	t0=$(now); fill "$u" "$2" "$3"; t1=$(now)
	echo "# $1: filled $2 files of $3 bytes in $(ms "$t0" "$t1") ms" >&2
	"$L" mount --layers bench/base --upper "$u" --work "$w" /tmp/bench-m
	sync
	echo 3 >/proc/sys/vm/drop_caches
	warm
	t0=$(now); tar -C "$u" -cf - . | sha256sum >/dev/null; t1=$(now)
	tar_ms=$(ms "$t0" "$t1")
	sync
	echo 3 >/proc/sys/vm/drop_caches
	warm
	t0=$(now); "$L" commit /tmp/bench-m "bench/c:$n" >/dev/null; t1=$(now)
	commit_ms=$(ms "$t0" "$t1")
	"$L" umount /tmp/bench-m
	echo "$1 $tar_ms $commit_ms" >>"$res"
}

median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

res=/tmp/bench-commit.res
: >"$res"
for _ in $(seq "$reps"); do
	one small 100 10485
done
one big 100000 10737
mapfile -t small < <(grep '^small ' "$res")
big=$(grep '^big ' "$res")
s_tar=$(printf '%s\n' "${small[@]}" | awk '{ print $2 }' | median)
s_com=$(printf '%s\n' "${small[@]}" | awk '{ print $3 }' | median)
b_tar=$(echo "$big" | awk '{ print $2 }')
b_com=$(echo "$big" | awk '{ print $3 }')
size_ratio=$(awk -v a="$b_com" -v b="$s_com" 'BEGIN { printf "%.2f", a / b }')
tar_ratio=$(awk -v a="$b_tar" -v b="$b_com" 'BEGIN { printf "%.1f", a / b }')
s_tar_ratio=$(awk -v a="$s_tar" -v b="$s_com" 'BEGIN { printf "%.1f", a / b }')
printf '%-22s %12s %12s %10s\n' upper "tar|sha256 ms" "commit ms" "tar/commit"
printf '%-22s %12s %12s %10s\n' "1 MiB, 100 files" "$s_tar" "$s_com" "$s_tar_ratio"
printf '%-22s %12s %12s %10s\n' "1 GiB, 100,000 files" "$b_tar" "$b_com" "$tar_ratio"
echo "commit time 1 GiB / 1 MiB: $size_ratio (target <= 1.5: $(awk -v r="$size_ratio" 'BEGIN { print (r <= 1.5) ? "met" : "NOT met" }'))"
echo "tar / commit at 1 GiB: ${tar_ratio}x (target >= 100x: $(awk -v r="$tar_ratio" 'BEGIN { print (r >= 100) ? "met" : "NOT met" }'))"
echo "small reps (label tar_ms commit_ms): ${small[*]}"
printf 'BENCH-JSON {"kernel":"%s","reps_small":%s,"small":{"bytes":1048500,"files":100,"tar_sha256_ms":%s,"commit_ms":%s,"runs":"%s"},"big":{"bytes":1073700000,"files":100000,"tar_sha256_ms":%s,"commit_ms":%s},"commit_ratio_big_small":%s,"tar_over_commit_big":%s}\n' \
	"$(uname -r)" "$reps" "$s_tar" "$s_com" "${small[*]}" "$b_tar" "$b_com" "$size_ratio" "$tar_ratio"
rmmod layerfs
umount "$d"
