#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# A memory cgroup's own limit reclaims the listing snapshots charged to it.
# A snapshot is charged to the cgroup of the task that built it and stays
# cached on its directory's inode after the listing's file is closed; a
# cgroup that hits memory.max reclaims only through memory-cgroup-aware
# shrinkers, so a global shrinker leaves those snapshots in place and the
# cgroup's task is OOM-killed while the kernel holds memory it could drop.
#
# One task in a fresh cgroup pins 40 view directories (O_PATH descriptors:
# their dentries and inodes stay, no snapshot is built), lists each once
# (about 40,000 merged entries with 200-byte names: tens of MiB of
# snapshots, measured), then memory.max is set to what the cgroup uses
# plus 8 MiB and the task allocates as much anonymous memory as the
# snapshots took.  Without swap only the snapshots can make room: the task
# must live (memory.events: no oom_kill) and the directories still list
# completely.  overlayfs frees its listings at the last close: nothing to
# compare.
# shellcheck source=lib.sh source-path=SCRIPTDIR
. "$(dirname "$0")/lib.sh"

s=$scratch
PY=/usr/bin/python3
load_module

if [ "$(stat -f -c %T /sys/fs/cgroup 2>/dev/null)" = cgroup2fs ]; then
	cgroot=/sys/fs/cgroup
else
	cgroot=$s/cgroup
	mkdir -p "$cgroot"
	expect_ok mount -t cgroup2 none "$cgroot"
fi
if ! grep -qw memory "$cgroot/cgroup.controllers"; then
	skip "no memory controller in cgroup2 (cgroup.controllers: $(cat "$cgroot/cgroup.controllers"))"
	expect_ok unload_module
	done_testing
fi
echo +memory >"$cgroot/cgroup.subtree_control" 2>/dev/null
cg=$cgroot/layerfs-memcg.$$
mkdir "$cg"
expect_ok test -e "$cg/memory.max"
if [ "$(wc -l </proc/swaps)" -gt 1 ]; then
	swapoff -a
fi

# Two layers, each with half of every directory's names: merged dirs.
merged_dirs memcg 40 1000 195

# The task: joins the cgroup, pins, lists when told, reports what the
# listing charged, then (told again) allocates that much and touches it.
go=$s/go
mkfifo "$go"
$PY - "$s/m" "$go" "$cg" >"$s/task.out" 2>&1 <<'EOF' &
import os, sys, time
m, fifo, cg = sys.argv[1], sys.argv[2], sys.argv[3]
with open(cg + "/cgroup.procs", "w") as f:
    f.write(str(os.getpid()))
def current():
    with open(cg + "/memory.current") as f:
        return int(f.read())
fds = [os.open("%s/d%03d" % (m, d), os.O_PATH) for d in range(40)]
with open(fifo) as f:
    f.read()
before = current()
n = sum(len(os.listdir("%s/d%03d" % (m, d))) for d in range(40))
grew = current() - before
print("listed", n, "charged", grew, flush=True)
with open(fifo) as f:
    f.read()
chunks = []
for _ in range(grew >> 20):
    b = bytearray(1 << 20)
    for i in range(0, len(b), 4096):
        b[i] = 1
    chunks.append(b)
print("allocated", len(chunks), "MiB", flush=True)
time.sleep(600)
EOF
task=$!
sleep 1
echo go >"$go"
i=0
while ! grep -q listed "$s/task.out" && [ $i -lt 600 ]; do sleep 0.1; i=$((i + 1)); done
out=$(cat "$s/task.out")
expect_match "$out" "listed 40000 " "the task listed the 40 merged directories"
charged=$(echo "$out" | sed -n 's/.* charged \([0-9]*\)$/\1/p')
diag "the listings charged ${charged:-?} bytes to the cgroup"
if [ "${charged:-0}" -ge $((16 << 20)) ]; then
	pass "the snapshots are charged to the task's cgroup (${charged} bytes)"
else
	fail "the snapshots are charged to the task's cgroup" \
		"only ${charged:-0} bytes: the test measures nothing"
fi

# memory.max: what the cgroup holds now plus 8 MiB; the task then asks
# for as much as its snapshots took.
cur=$(cat "$cg/memory.current")
echo $((cur + (8 << 20))) >"$cg/memory.max"
diag "memory.max $((cur + (8 << 20))) (current $cur)"
echo go >"$go"
i=0
while ! grep -q allocated "$s/task.out" && kill -0 "$task" 2>/dev/null &&
	[ $i -lt 600 ]; do
	sleep 0.1
	i=$((i + 1))
done
oom=$(sed -n 's/^oom_kill //p' "$cg/memory.events")
diag "memory.events: $(tr '\n' ' ' <"$cg/memory.events")"
expect_match "$(cat "$s/task.out")" "allocated" \
	"the task got its memory: the cgroup's reclaim dropped the snapshots"
expect_eq "$oom" 0 "no OOM kill in the cgroup"

kill "$task" 2>/dev/null
wait "$task" 2>/dev/null
expect_eq "$(ls "$s/m/d007" | wc -l)" 1000 "a listing after the reclaim is complete"
rmdir "$cg"
expect_ok umount "$s/m"
expect_ok "$LAYERCTL" layer rm memcg/a
expect_ok "$LAYERCTL" layer rm memcg/b
expect_ok unload_module
done_testing
