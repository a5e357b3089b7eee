#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Fault injection (debug kernel only, see `make check-debug`): slab
# allocations fail at random (failslab, for the test's own processes only:
# task-filter and /proc/PID/make-it-fail) while it mounts and unmounts a
# view, looks names up, reads directories, copies files up and commits a
# view (raw netlink: each commit happens entirely or not at all), and, with
# LAYERFS_FAILSLAB_LAYERCTL=1, runs layerctl layer add/show/ls/rm,
# mount/umount, view ls and commit in batches.  Every failure must be a clean errno (no
# EIO/EUCLEAN/ESTALE/EFAULT, no killed process, no oops or WARN: run.sh
# checks the log); once injection is off, the view shows exactly the
# expected tree (every append either happened or not), the upper holds only
# complete copies, the registry cleans up, and a kmemleak scan after rmmod
# finds nothing.  On a kernel without /sys/kernel/debug/failslab the test
# skips.  LAYERFS_FAILSLAB_ITER: rounds per phase (default 10);
# LAYERFS_FAILSLAB_LAYERCTL=1 adds the layerctl phase (see there).
# shellcheck source=lib.sh source-path=SCRIPTDIR
. "$(dirname "$0")/lib.sh"

fs=/sys/kernel/debug/failslab
kml=/sys/kernel/debug/kmemleak
ITER=${LAYERFS_FAILSLAB_ITER:-10}
py="python3 $ROOT/tests/guest/failslab.py"

if [ ! -d "$fs" ]; then
	skip "fault injection" "no $fs (not the debug kernel)"
	done_testing
fi

failslab_off() {
	echo 0 >"$fs/probability"
	echo 0 >/proc/self/make-it-fail
}
trap '_fs_rc=$?; failslab_off; _lib_exit $_fs_rc' EXIT

echo N >"$fs/ignore-gfp-wait"
echo N >"$fs/cache-filter" 2>/dev/null
echo Y >"$fs/task-filter"
echo 1 >"$fs/interval"
echo -1 >"$fs/times"
echo 0 >"$fs/space"
echo 1 >"$fs/verbose"
echo 0 >"$fs/probability"
diag "failslab: $(for f in probability interval times task-filter ignore-gfp-wait; do
	printf '%s=%s ' "$f" "$(cat "$fs/$f")"
done)"

# A shell that sets make-it-fail only fails its own children (subshell).
( echo 1 >/proc/self/make-it-fail && [ "$(cat /proc/self/make-it-fail)" = 1 ] )
expect_eq "$?:$(cat /proc/self/make-it-fail)" "0:0" "make-it-fail is per task"

d=$scratch
export LAYERFS_STORE=$d/store  # commit's records (the guest's / is read-only)
mkdir -p "$d/base/dir/sub" "$d/app/dir" "$d/m" "$d/u1" "$d/w1" "$d/u2" "$d/w2" \
	"$d/u3" "$d/w3" "$d/m3" "$d/ctl"
for i in 0 1 2 3 4 5 6 7; do
	printf 'base file%d\n' "$i" >"$d/base/file$i"
	printf 'base sub%d %0200d\n' "$i" 0 >"$d/base/dir/sub/s$i"
done
for i in 0 1 2 3; do
	printf 'app file%d\n' "$i" >"$d/app/dir/file$i"
done
printf 'app overrides\n' >"$d/app/file0"
head -c 300000 /dev/urandom >"$d/base/dir/big"
setfattr -n user.x -v 1 "$d/base/file1" 2>/dev/null
setfattr -n trusted.x -v 2 "$d/base/file2"

[ ! -w "$kml" ] || echo clear >"$kml"  # earlier reports are not this test's
load_module
expect_ok "$LAYERCTL" layer add fsbase "$d/base"
expect_ok "$LAYERCTL" layer add fsapp "$d/app" --parent fsbase

# 1. mount/umount, with a few lookups on each successful mount
$py mount-loop fsapp:fsbase "$d/u1" "$d/w1" "$d/m" "$((ITER * 3))" >"$scratch/out" 2>&1
rc=$?
cat "$scratch/out"
[ "$rc" = 0 ] && pass "mount phase" || fail "mount phase" "status $rc"

# 2. lookups, readdir, reads, copy-up
$py copy-up fsapp:fsbase "$d/u2" "$d/w2" "$d/m" "$ITER" >"$scratch/out" 2>&1
rc=$?
cat "$scratch/out"
[ "$rc" = 0 ] && pass "copy-up phase" || fail "copy-up phase" "status $rc"

# 3. commit of a mounted view (raw netlink requests from the test's own,
# memory-locked process: nothing of it touches the 9p root)
mkdir -p "$d/u4" "$d/w4" "$d/m4" "$d/nu"
if expect_ok "$LAYERCTL" mount --layers fsapp:fsbase --upper "$d/u4" --work "$d/w4" "$d/m4"; then
	echo changed >"$d/m4/file3"
	mkdir "$d/m4/newdir" && echo new >"$d/m4/newdir/new"
	rm "$d/m4/file2"
	vid=$("$LAYERCTL" view ls --json | jq -r --arg m "$d/m4" '.[] | select(.mountpoints | index($m)) | .id')
	$py commit-loop "$vid" "$d/m4" "$d/nu" "$((ITER * 2))" >"$scratch/out" 2>&1
	rc=$?
	cat "$scratch/out"
	[ "$rc" = 0 ] && pass "commit phase" || fail "commit phase" "status $rc"
fi

# 4. layerctl (and commit of a mounted view, if layerctl has it)
# Off unless LAYERFS_FAILSLAB_LAYERCTL=1: with it, the guest's 9p root
# answered every later open with EINVAL (the rest of a run then fails).
commit_mnt=
if [ "${LAYERFS_FAILSLAB_LAYERCTL:-0}" != 1 ]; then
	skip "layerctl phase" "set LAYERFS_FAILSLAB_LAYERCTL=1 (breaks the 9p root)"
else
	if "$LAYERCTL" commit --help >/dev/null 2>&1; then
		if "$LAYERCTL" mount --layers fsapp:fsbase --upper "$d/u3" --work "$d/w3" "$d/m3"; then
			echo changed >"$d/m3/file3"
			mkdir "$d/m3/newdir" && echo new >"$d/m3/newdir/new"
			commit_mnt=$d/m3
		fi
	else
		diag "layerctl has no commit command: commit not covered"
	fi
	# The batches run from a copy on tmpfs (layerctl, its libraries and the
	# loader): a process whose allocations fail must not touch the 9p root,
	# whose client does not survive that (EINVAL on later opens).
	mkdir -p "$d/bin"
	cp "$LAYERCTL" "$d/bin/"
	ldd "$LAYERCTL" | awk '$2 == "=>" { print $3 } $1 ~ /^\// { print $1 }' |
		while read -r lib; do cp "$lib" "$d/bin/"; done
	loader=$(ldd "$LAYERCTL" | awk '$1 ~ /^\// { print $1 }')
	$py layerctl "$d/bin/${loader##*/}" "$MODULE" "$d/ctl" "$ITER" $commit_mnt >"$scratch/out" 2>&1
	rc=$?
	cat "$scratch/out"
	[ "$rc" = 0 ] && pass "layerctl phase" || fail "layerctl phase" "status $rc"
fi
failslab_off

# Clean up without injection: every view unmounts, every layer goes.
awk -v d="$d" 'index($2, d "/") == 1 && $3 == "layerfs" { print $2 }' /proc/self/mounts |
	sort -r | while read -r m; do
	"$LAYERCTL" umount "$m" || umount "$m"
done
left=$(awk '$3 == "layerfs"' /proc/self/mounts)
expect_eq "$left" "" "no layerfs view left mounted"
# newest first: children before their parents
for round in 1 2 3 4 5 6 7 8; do
	names=$("$LAYERCTL" layer ls --json | jq -r '.[].name' | tac)
	[ -n "$names" ] || break
	for n in $names; do
		"$LAYERCTL" layer rm "$n" 2>/dev/null
	done
done
expect_eq "$("$LAYERCTL" layer ls --json | jq -r '.[].name')" "" "every layer removed"
expect_ok unload_module

# kmemleak: two scans (objects must be older than 5 s to be reported).
if [ -w "$kml" ]; then
	echo scan >"$kml"
	sleep 6
	echo scan >"$kml"
	if [ -s "$kml" ]; then
		fail "kmemleak finds no leak after fault injection" \
			"$(grep -c 'unreferenced object' "$kml") suspected leaks:" "$(head -n 120 "$kml")"
	else
		pass "kmemleak finds no leak after fault injection"
	fi
else
	skip "kmemleak scan" "no $kml"
fi

done_testing
