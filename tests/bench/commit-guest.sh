#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The guest side of tests/bench/commit.sh: /dev/vda is an empty ext4 disk.
# Three series, each in its own store on the disk:
#
# size:  for each upper size: fill an upper directory on the disk, mount a
#        view of an empty base layer with it, sync, drop caches, time
#        `tar -c | sha256sum` of the upper, drop caches, time `layerctl
#        commit` (after loading the timed programs again: the data is cold,
#        not the tools).  The small upper is measured BENCH_REPS times (each
#        on a fresh upper), the large one once.
# store: commit time against the number of layers already in the store
#        (BENCH_COMMIT_STORE, default "10 1000 10000"): the store is filled
#        up to each count with copies of a real layer record (meta.json of
#        bench/base under new keys and names; records only, not registered
#        in the kernel), synced, then BENCH_REPS fresh views (one 4 KiB
#        file in the upper, caches warm) are committed and timed, and as
#        many `layerctl layer add` of an empty directory.
# view:  commit time against the number of earlier commits on the same view
#        (BENCH_COMMIT_VIEW, default "1 100 1000"): one view, committed
#        over and over (one new 4 KiB file before each commit, synced);
#        for each count E, the median of the BENCH_REPS commits made after
#        E .. E+BENCH_REPS-1 earlier ones.  Every commit also adds a record
#        to that store, so the store holds about E layers then too (the
#        store series shows what that costs alone).  At 0 and each E, 1,000
#        cold lookups of absent names in the root (median of BENCH_REPS),
#        beside the same in a view never committed that shows the same tree
#        (mounted on the last commit's layer) and in a native directory on
#        the disk given the same names: the root gains one name per commit,
#        which costs every filesystem something, so the commits' own cost
#        is committed / never committed (target <= 1.5 at every count; and
#        <= 2x native, make bench's cold target).
#
# BENCH_QUICK=1: short run (store "10 1000", view "1 100", 3 repetitions,
# the large upper 64 MiB in 6,400 files instead of 1 GiB in 100,000).
# Last line: "BENCH-JSON {...}".
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
L=$root/userspace/layerctl
quick=${BENCH_QUICK:-0}
[ "$quick" = 1 ] || quick=0
if [ "$quick" = 1 ]; then
	reps=${BENCH_REPS:-3}
	store_counts=${BENCH_COMMIT_STORE:-10 1000}
	view_counts=${BENCH_COMMIT_VIEW:-1 100}
	big_files=6400 big_label="64 MiB, 6,400 files"
else
	reps=${BENCH_REPS:-5}
	store_counts=${BENCH_COMMIT_STORE:-10 1000 10000}
	view_counts=${BENCH_COMMIT_VIEW:-1 100 1000}
	big_files=100000 big_label="1 GiB, 100,000 files"
fi
[ -n "$reps" ] && [ "$reps" -ge 1 ] || reps=5
# The view series: the largest count plus the repetitions, on one view.
# A commit's BASE lists every layer below it: at most LAYERFS_BASE_MAX
# (1024) ids, so one view takes at most ~1,020 commits.
last=0
for e in $view_counts; do if [ "$e" -gt "$last" ]; then last=$e; fi; done
total=$((last + reps))
if [ "$total" -gt 1020 ]; then
	echo "bench-commit: $total commits on one view: more than its BASE can hold (1024 layers); lower BENCH_COMMIT_VIEW or BENCH_REPS" >&2
	exit 2
fi
t_start=$(date +%s)
say() { echo "# [$(($(date +%s) - t_start))s] $*" >&2; }
d=/tmp/bench-disk
mkdir -p "$d"
mount -t ext4 /dev/vda "$d"
insmod "$root/kernel/layerfs.ko"
export LAYERFS_STORE=$d/store
mkdir -p "$d/base" "$LAYERFS_STORE/layers" "$LAYERFS_STORE/views" /tmp/bench-m
# Frozen and indexed, so that each commit's layer gets its index and the
# view switches to it (commits must not deepen the view: see the lookup
# column of the view series).
"$L" layer add --frozen bench/base "$d/base"
"$L" layer index bench/base -o "$d/base.index"
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
	# The index of an upper of more than 4096 entries is built after
	# commit returns (index_bg.c): until `layer index` (which waits for
	# it) returns, from the start of the commit.
	"$L" layer index "bench/c:$n"; t2=$(now)
	index_ms=$(ms "$t0" "$t2")
	"$L" umount /tmp/bench-m
	echo "$1 $tar_ms $commit_ms $index_ms" >>"$res"
}

median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

res=/tmp/bench-commit.res
: >"$res"
say "size series: $reps x 1 MiB, 1 x $big_label"
for _ in $(seq "$reps"); do
	one small 100 10485
done
one big "$big_files" 10737
mapfile -t small < <(grep '^small ' "$res")
big=$(grep '^big ' "$res")
s_tar=$(printf '%s\n' "${small[@]}" | awk '{ print $2 }' | median)
s_com=$(printf '%s\n' "${small[@]}" | awk '{ print $3 }' | median)
b_tar=$(echo "$big" | awk '{ print $2 }')
b_com=$(echo "$big" | awk '{ print $3 }')
s_ix=$(printf '%s\n' "${small[@]}" | awk '{ print $4 }' | median)
b_ix=$(echo "$big" | awk '{ print $4 }')
size_ratio=$(awk -v a="$b_com" -v b="$s_com" 'BEGIN { printf "%.2f", a / b }')
tar_ratio=$(awk -v a="$b_tar" -v b="$b_com" 'BEGIN { printf "%.1f", a / b }')
s_tar_ratio=$(awk -v a="$s_tar" -v b="$s_com" 'BEGIN { printf "%.1f", a / b }')
printf '%-22s %12s %12s %10s %16s\n' upper "tar|sha256 ms" "commit ms" "tar/commit" "index ready ms"
printf '%-22s %12s %12s %10s %16s\n' "1 MiB, 100 files" "$s_tar" "$s_com" "$s_tar_ratio" "$s_ix"
printf '%-22s %12s %12s %10s %16s\n' "$big_label" "$b_tar" "$b_com" "$tar_ratio" "$b_ix"
echo "(index ready: from the start of the commit until \`layer index\` returns; an upper of more than 4096 entries is indexed after commit returns)"
echo "commit time large / small upper: $size_ratio (target <= 1.5: $(awk -v r="$size_ratio" 'BEGIN { print (r <= 1.5) ? "met" : "NOT met" }'))"
echo "tar / commit at the large upper: ${tar_ratio}x (target >= 100x at 1 GiB: $(awk -v r="$tar_ratio" 'BEGIN { print (r >= 100) ? "met" : "NOT met" }')$([ "$quick" = 0 ] || echo '; quick run: 64 MiB, not the target size'))"
echo "small reps (label tar_ms commit_ms index_ms): ${small[*]}"

# ---- store series ----
# fill_store STORE COUNT TEMPLATE: adds copies of the record TEMPLATE
# (a meta.json) under new keys until STORE/layers holds COUNT records.
fill_store() {
	python3 - "$@" <<'PY'
import json, os, sys
store, count, template = sys.argv[1], int(sys.argv[2]), sys.argv[3]
layers = os.path.join(store, "layers")
have = sum(1 for k in os.listdir(layers)
           if os.path.exists(os.path.join(layers, k, "meta.json")))
with open(template) as f:
    rec = json.load(f)
i = have
while have < count:
    key = os.urandom(16).hex()
    rec["key"] = key
    rec["ref"] = "bench/filler:%d" % i
    os.mkdir(os.path.join(layers, key))
    with open(os.path.join(layers, key, "meta.json"), "w") as f:
        json.dump(rec, f)
    have += 1
    i += 1
print(have)
PY
}

# commit_fresh NAME: mounts a fresh view of bench/base with one 4 KiB
# file in its upper, commits it as NAME; prints the commit's ms.  (Runs
# in $(...): the directories are named after NAME, not a counter.)
commit_fresh() {
	local tag=${1//[^a-z0-9]/_} t0 t1
	local u=$d/fu-$tag w=$d/fw-$tag
	mkdir "$u" "$w" || return 1
	"$L" mount --layers bench/base --upper "$u" --work "$w" /tmp/bench-m >/dev/null || return 1
	head -c 4096 /dev/urandom >/tmp/bench-m/f || return 1
	sync
	t0=$(now); "$L" commit /tmp/bench-m "$1" >/dev/null || return 1; t1=$(now)
	"$L" umount /tmp/bench-m >/dev/null || return 1
	ms "$t0" "$t1"
}
# timed_commit NAME: commit_fresh, failing the run if it failed.
timed_commit() {
	local t
	t=$(commit_fresh "$1") && [ -n "$t" ] || { echo "bench-commit: commit $1 failed" >&2; exit 1; }
	echo "$t"
}

ratio_of() { printf '%s\n' "$@" | sort -g | awk 'NR == 1 { lo = $1 } { hi = $1 } END { if (lo > 0) printf "%.2f", hi / lo; else print "n/a" }'; }
# verdict R LIMIT: is the ratio R at most LIMIT?  A ratio over a time of
# 0 ms is n/a (ratio_of, div): no verdict, and not "NOT met".
verdict() { awk -v r="$1" -v l="$2" 'BEGIN { if (r == "n/a") print "n/a: a time of 0 ms"; else print (r + 0 <= l + 0) ? "met" : "NOT met" }'; }
flat() { verdict "$1" 1.5; }
# json_num R: R as a JSON number, null for n/a.
json_num() { if [ "$1" = n/a ]; then echo null; else echo "$1"; fi; }

export LAYERFS_STORE=$d/store-s
mkdir -p "$LAYERFS_STORE/layers" "$LAYERFS_STORE/views" "$d/adds"
# A record of bench/base in this store: the first commit records it (an
# ancestor the store does not know), and serves as the template.
timed_commit bench/s:seed >/dev/null
tmpl=$(python3 - "$LAYERFS_STORE/layers" <<'PY'
import json, os, sys
top, pick = sys.argv[1], None
for k in sorted(os.listdir(top)):
    p = os.path.join(top, k, "meta.json")
    if not os.path.exists(p):
        continue
    with open(p) as f:
        ref = json.load(f).get("ref", "")
    if ref.startswith("bench/base") or pick is None:
        pick = p
    if ref.startswith("bench/base"):
        break
print(pick or "")
PY
)
[ -n "$tmpl" ] || { echo "bench-commit: no record of bench/base in $LAYERFS_STORE" >&2; exit 1; }
store_json='' store_com=() store_rows=()
for count in $store_counts; do
	t0=$(now)
	have=$(fill_store "$LAYERFS_STORE" "$count" "$tmpl")
	sync
	say "store series: $have records in the store (filled in $(ms "$t0" "$(now)") ms)"
	say "store series: template record $tmpl"
	coms=() adds=()
	for r in $(seq "$reps"); do
		c=$(timed_commit "bench/s:$count-$r") || exit 1
		coms+=("$c")
		mkdir -p "$d/adds/$count-$r"
		t0=$(now); "$L" layer add "bench/a:$count-$r" "$d/adds/$count-$r" >/dev/null; t1=$(now)
		adds+=("$(ms "$t0" "$t1")")
	done
	c=$(printf '%s\n' "${coms[@]}" | median)
	a=$(printf '%s\n' "${adds[@]}" | median)
	store_com+=("$c")
	store_rows+=("$(printf '%-14s %12s %14s   %s' "$have" "$c" "$a" "${coms[*]}")")
	store_json+="${store_json:+,}{\"layers\":$have,\"commit_ms\":$c,\"layer_add_ms\":$a,\"commit_runs\":\"${coms[*]}\",\"add_runs\":\"${adds[*]}\"}"
done
store_ratio=$(ratio_of "${store_com[@]}")

# ---- view series ----
export LAYERFS_STORE=$d/store-v
mkdir -p "$LAYERFS_STORE/layers" "$LAYERFS_STORE/views" "$d/vu" "$d/vw"
"$L" mount --layers bench/base --upper "$d/vu" --work "$d/vw" /tmp/bench-m
# The native reference: a directory on the same disk given the same names.
mkdir -p "$d/vn" /tmp/bench-f
declare -A view_ms=() look_ms=() look_neg=() fresh_ms=() native_ms=()
# Cold lookups of $look_n absent names in directory $1 (caches dropped):
# "MS NEGATIVE", the time and the negative dentries they left.
look_n=1000
cold_absent() {
	sync
	echo 2 >/proc/sys/vm/drop_caches
	# Timed inside python, once it has started (its start-up reads
	# python itself back in after the drop).
	python3 -c '
import os, sys, time
def neg():
    with open("/proc/sys/fs/dentry-state") as f:
        return int(f.read().split()[4])
top, n = sys.argv[1], int(sys.argv[2])
b = neg()
t0 = time.perf_counter()
for i in range(n):
    try:
        os.stat("%s/absent-%d" % (top, i))
    except FileNotFoundError:
        pass
t1 = time.perf_counter()
print("%.3f %d" % ((t1 - t0) * 1000, neg() - b))' "$1" "$look_n"
}
# The median time of $reps such runs in $1 (one run is tens of ms: too
# short to stand alone on a shared machine), and the dentries the first
# left.
cold_absent_med() {
	local runs=() neg='' ms n
	for _ in $(seq "$reps"); do
		read -r ms n < <(cold_absent "$1")
		runs+=("$ms")
		[ -n "$neg" ] || neg=$n
	done
	echo "$(printf '%s\n' "${runs[@]}" | median) $neg"
}
# After $1 commits, cold absent lookups in: the committed view's root; the
# root of a view never committed showing the same tree (mounted on the
# last commit's layer, or on bench/base before the first); the native
# directory holding the same names.  The root gains a name per commit, and
# a lookup in a larger directory costs more everywhere (ext4 too): the
# commits' own cost is the committed view's time against the fresh one's.
lookups_at() {
	local e=$1 top=bench/base ms n
	[ "$e" = 0 ] || top="bench/v:$((e - 1))"
	read -r look_ms[$e] look_neg[$e] < <(cold_absent_med /tmp/bench-m)
	rm -rf "$d/fu" "$d/fw"
	mkdir -p "$d/fu" "$d/fw"
	"$L" mount --layer "$top" --upper "$d/fu" --work "$d/fw" /tmp/bench-f
	read -r ms n < <(cold_absent_med /tmp/bench-f)
	fresh_ms[$e]=$ms
	"$L" umount /tmp/bench-f
	read -r ms n < <(cold_absent_med "$d/vn")
	native_ms[$e]=$ms
}
say "view series: $total commits on one view"
for i in $(seq 0 $((total - 1))); do
	# i earlier commits on this view.
	case " 0 $view_counts " in
	*" $i "*) lookups_at "$i" ;;
	esac
	head -c 4096 /dev/urandom >"/tmp/bench-m/f$i"
	head -c 4096 /dev/urandom >"$d/vn/f$i"
	sync
	t0=$(now); "$L" commit /tmp/bench-m "bench/v:$i" >/dev/null; t1=$(now)
	view_ms[$i]=$(ms "$t0" "$t1")
	[ $((i % 100)) != 0 ] || say "view series: commit $((i + 1)) of $total: ${view_ms[$i]} ms"
done
"$L" umount /tmp/bench-m
view_json='' view_com=() view_rows=() view_look=() native_look=()
div() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }
# worst_of A B: the larger ratio; n/a if either is (one unmeasured count
# leaves the worst unknown).
worst_of() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "n/a" || b == "n/a") print "n/a"; else print (b + 0 > a + 0) ? b : a }'; }
# One row of the view table after E=$1 earlier commits, commit time $2.
look_row() {
	printf '%-9s %10s %11s %10s %10s %9s %9s %9s  ' "$1" "$2" "${look_ms[$1]}" \
		"${fresh_ms[$1]}" "${native_ms[$1]}" \
		"$(div "${look_ms[$1]}" "${fresh_ms[$1]}")" \
		"$(div "${look_ms[$1]}" "${native_ms[$1]}")" "${look_neg[$1]}"
}
look_json() {
	printf '"lookup_absent_cold_ms":%s,"lookup_fresh_view_ms":%s,"lookup_native_ms":%s,"lookup_negative_dentries":%s' \
		"${look_ms[$1]}" "${fresh_ms[$1]}" "${native_ms[$1]}" "${look_neg[$1]}"
}
for e in $view_counts; do
	runs=()
	for i in $(seq "$e" $((e + reps - 1))); do runs+=("${view_ms[$i]}"); done
	c=$(printf '%s\n' "${runs[@]}" | median)
	view_com+=("$c")
	view_rows+=("$(look_row "$e" "$c") ${runs[*]}")
	view_json+="${view_json:+,}{\"earlier_commits\":$e,\"commit_ms\":$c,$(look_json "$e"),\"runs\":\"${runs[*]}\"}"
	view_look+=("${look_ms[$e]}")
	native_look+=("${native_ms[$e]}")
done
view_ratio=$(ratio_of "${view_com[@]}")
look_ratio=$(ratio_of "${look_ms[0]}" "${view_look[@]}")
native_ratio=$(ratio_of "${native_ms[0]}" "${native_look[@]}")
# The targets, at every count, 0 included: committed <= 1.5x never
# committed (commits do not deepen the view), and <= 2x native (make
# bench's cold-lookup target).
worst_fresh=0 worst_native=0
for e in 0 $view_counts; do
	worst_fresh=$(worst_of "$worst_fresh" "$(div "${look_ms[$e]}" "${fresh_ms[$e]}")")
	worst_native=$(worst_of "$worst_native" "$(div "${look_ms[$e]}" "${native_ms[$e]}")")
done

echo
echo "commit time against the layers already in the store (median of $reps fresh views, ms; layer add of an empty directory beside it)"
printf '%-14s %12s %14s   %s\n' "store layers" "commit ms" "layer add ms" "commit runs"
printf '%s\n' "${store_rows[@]}"
echo "largest / smallest commit time: $store_ratio (flat = about 1; target <= 1.5: $(flat "$store_ratio"))"
echo
echo "commit time against earlier commits on the same view (median of the $reps commits after E .. E+$((reps - 1)) earlier ones, ms),"
echo "and $look_n cold lookups of absent names in the root after E commits (ms, median of $reps runs): of the committed view, of a"
echo "view never committed showing the same tree (on the last commit's layer), of a native directory with the same names"
echo "(the root gains a name per commit); negative dentries the committed view's first run left"
printf '%-9s %10s %11s %10s %10s %9s %9s %9s  %s\n' "commits" "commit ms" "committed" "fresh" "native" "/fresh" "/native" "negative" "commit runs"
printf '%s\n' "$(look_row 0 -)"
printf '%s\n' "${view_rows[@]}"
echo "largest / smallest commit time: $view_ratio (flat = about 1; target <= 1.5: $(flat "$view_ratio"))"
echo "cold absent lookups, committed / never committed, worst of every count: $worst_fresh (target <= 1.5: $(flat "$worst_fresh"))"
echo "cold absent lookups, committed / native, worst of every count: $worst_native (target <= 2: $(verdict "$worst_native" 2))"
echo "largest / smallest cold absent lookup time as the root grows: committed view $look_ratio, native $native_ratio (not a target)"
echo "bench-commit: guest time $(($(date +%s) - t_start)) s"
printf 'BENCH-JSON {"kernel":"%s","quick":%s,"reps":%s,"small":{"bytes":1048500,"files":100,"tar_sha256_ms":%s,"commit_ms":%s,"index_ready_ms":%s,"runs":"%s"},"big":{"bytes":%s,"files":%s,"tar_sha256_ms":%s,"commit_ms":%s,"index_ready_ms":%s},"commit_ratio_big_small":%s,"tar_over_commit_big":%s,"store_series":[%s],"store_ratio_max_min":%s,"view_series":[%s],"view_ratio_max_min":%s,"lookup_after_commits_ratio_max_min":%s,"lookup_committed_over_fresh_max":%s,"lookup_committed_over_native_max":%s,"lookup_native_ratio_max_min":%s}\n' \
	"$(uname -r)" "$quick" "$reps" "$s_tar" "$s_com" "$s_ix" "${small[*]}" "$((big_files * 10737))" "$big_files" "$b_tar" "$b_com" "$b_ix" "$size_ratio" "$tar_ratio" \
	"$store_json" "$(json_num "$store_ratio")" \
	"$view_json" "$(json_num "$view_ratio")" \
	"$(json_num "$look_ratio")" \
	"$(json_num "$worst_fresh")" "$(json_num "$worst_native")" "$(json_num "$native_ratio")"
rmmod layerfs
umount "$d"
