#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Readdir snapshots are reclaimable (issue 13): a view directory keeps the
# merged listing it built for the next opener, and those snapshots must
# go when memory is reclaimed, even while the directories stay in the
# dcache.  Pins 120 merged directories of 300 entries each (O_PATH file
# descriptors keep their dentries and inodes), lists each once, then
# reclaims (drop_caches, which runs the shrinkers): the kmalloc memory the
# listings took must come back.  The listing's memory is measured first,
# so that the test cannot pass by building nothing.
# shellcheck source=lib.sh source-path=SCRIPTDIR
. "$(dirname "$0")/lib.sh"

s=$scratch
PY=/usr/bin/python3
load_module

# Two layers, each with half of every directory's names: merged dirs.
merged_dirs shrink 120 300 31

# A process holding O_PATH descriptors on every directory (no snapshot
# is built by O_PATH opens); it lists them when told to, then sleeps.
fifo=$s/go
mkfifo "$fifo"
$PY - "$s/m" "$fifo" >"$s/pin.out" 2>&1 <<'EOF' &
import os, sys, time
m, fifo = sys.argv[1], sys.argv[2]
fds = [os.open("%s/d%03d" % (m, d), os.O_PATH) for d in range(120)]
print("pinned", len(fds), flush=True)
with open(fifo) as f:
    f.read()
n = sum(len(os.listdir("%s/d%03d" % (m, d))) for d in range(120))
print("listed", n, flush=True)
time.sleep(600)
EOF
pin=$!
i=0
while ! grep -q pinned "$s/pin.out" && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done

before=$(kmalloc_settled)
echo go >"$fifo"
i=0
while ! grep -q listed "$s/pin.out" && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
expect_match "$(cat "$s/pin.out")" "listed 36000" "every merged directory listed (36,000 entries)"
built=$(_lib_kmalloc_bytes)
after=$(kmalloc_settled)
diag "kmalloc bytes: $before pinned, $built after listing, $after after reclaim"

grew=$((built - before))
kept=$((after - before))
if [ "$grew" -ge 2000000 ]; then
	pass "the listings took memory ($grew bytes)"
else
	fail "the listings took memory" "only $grew bytes: the test measures nothing"
fi
if [ "$kept" -le $((grew / 4)) ]; then
	pass "reclaim gave back the snapshots ($kept of $grew bytes kept)"
else
	fail "reclaim gave back the snapshots" "$kept of $grew bytes still in use"
fi
# The directories still list correctly after their snapshots went.
expect_eq "$(ls "$s/m/d007" | wc -l)" 300 "a listing after reclaim is complete"

# What the shrinker says it freed (the vmscan:mm_shrink_slab_end
# tracepoint's return value): the snapshots it freed, not the ones it only
# took from their inodes while an open directory file still reads them
# (freed at its close), nor those it skipped as busy.  40 directories are
# listed through descriptors kept open, then reclaimed: 0 freed; closed,
# then listed again (by processes that exit) and reclaimed: 40 freed.
T=/sys/kernel/tracing
[ -e "$T/trace" ] || mount -t tracefs tracefs "$T" || fail "mount tracefs"
ev=$T/events/vmscan/mm_shrink_slab_end/enable
# reclaim_traced: drop_caches, and the sum of what the layerfs shrinker
# returned ("-" if it did not run).
reclaim_traced() {
	echo 1 >"$ev" && echo >"$T/trace" || return 1
	echo 2 >/proc/sys/vm/drop_caches
	echo 0 >"$ev"
	awk '/layerfs_dir_shrink_scan/ { n++; v += $NF } END { print n ? v : "-" }' "$T/trace"
}
echo 2 >/proc/sys/vm/drop_caches	# no snapshot left from above
hold=$s/hold
mkfifo "$hold"
$PY - "$s/m" "$hold" >"$s/hold.out" 2>&1 <<'EOF' &
import os, sys
m, fifo = sys.argv[1], sys.argv[2]
fds = [os.open("%s/d%03d" % (m, d), os.O_RDONLY | os.O_DIRECTORY)
       for d in range(40)]
print("held", sum(len(os.listdir(fd)) for fd in fds), flush=True)
with open(fifo) as f:
    f.read()
EOF
holder=$!
i=0
while ! grep -q held "$s/hold.out" && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
expect_eq "$(cat "$s/hold.out")" "held 12000" "40 directories listed, their files kept open"
expect_eq "$(reclaim_traced)" 0 "reclaim with the files open: the shrinker reports 0 freed"
echo go >"$hold"
wait "$holder"
expect_eq "$(for d in $(seq 0 39); do ls "$s/m/$(printf d%03d "$d")"; done | wc -l)" 12000 \
	"the 40 directories listed again, by processes that exit"
expect_eq "$(reclaim_traced)" 40 "reclaim with no file open: the shrinker reports 40 freed"

kill "$pin"
wait "$pin" 2>/dev/null
expect_ok umount "$s/m"
expect_ok "$LAYERCTL" layer rm shrink/a
expect_ok "$LAYERCTL" layer rm shrink/b
expect_ok unload_module
done_testing
