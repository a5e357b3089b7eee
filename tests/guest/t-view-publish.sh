#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# VIEW_GET never sees a half-built view (issue 12, item 4).  For ~20 s
# (LAYERFS_PUBLISH_SECONDS), a python loop mounts views whose upper is on an
# unbindable mount, so clone_private_mount() fails after the view was
# published (on the unfixed module), while two loops dump the views with
# `layerctl view ls --json` (in batches of 200).  Pass: every mount failed with EINVAL, every
# view ls succeeded and listed only the one good view, no process hung, and
# (run.sh) no oops.  A view published before its source was set made
# VIEW_GET dereference NULL (oops in layerfs_nl_view_dump(), with
# layerfs_registry_lock held): if a loop hangs, the test prints its output
# on the console and reboots the guest, as no unmount could finish.
# shellcheck source=lib.sh source-path=SCRIPTDIR
. "$(dirname "$0")/lib.sh"

SECS=${LAYERFS_PUBLISH_SECONDS:-20}
load_module
d=$scratch
mkdir -p "$d/base" "$d/ubsrc" "$d/ub" "$d/gu" "$d/gw" "$d/gm" "$d/m"
echo base >"$d/base/f"
expect_ok "$LAYERCTL" layer add pub/base "$d/base"
expect_ok "$LAYERCTL" mount --layers pub/base --upper "$d/gu" --work "$d/gw" "$d/gm"
expect_ok mount --bind "$d/ubsrc" "$d/ub"
expect_ok mount --make-unbindable "$d/ub"
mkdir -p "$d/ub/u" "$d/ub/w"
expect_fail 'Invalid argument' "$LAYERCTL" mount --layers pub/base \
	--upper "$d/ub/u" --work "$d/ub/w" "$d/m"

# Mounts through mount(2), as fast as python goes; prints "N tries, N
# EINVAL, N other: ...".
cat >"$d/mounter.py" <<'EOF'
import ctypes, errno, os, sys, time
libc = ctypes.CDLL(None, use_errno=True)
d, secs = sys.argv[1], float(sys.argv[2])
opts = ("layers=pub/base,upper=%s/ub/u,work=%s/ub/w" % (d, d)).encode()
n = einval = 0
other = {}
end = time.monotonic() + secs
while time.monotonic() < end:
    n += 1
    if libc.mount(b"pub", (d + "/m").encode(), b"layerfs", 0, opts) == 0:
        other["mounted"] = other.get("mounted", 0) + 1
        libc.umount2((d + "/m").encode(), 0)
        continue
    e = ctypes.get_errno()
    if e == errno.EINVAL:
        einval += 1
    else:
        k = errno.errorcode.get(e, str(e))
        other[k] = other.get(k, 0) + 1
print("%d tries, %d EINVAL, %d other: %s" % (n, einval, sum(other.values()), other))
EOF
# `layerctl view ls --json`, 200 at a time in one process (--batch: an exec
# per dump is too slow under TCG to meet the window); prints "N dumps,
# N bad".  A batch stops at its first failure.
yes 'view ls --json' | head -n 200 >"$d/dumps.batch"
dumper() {
	_n=0 _bad=0
	_end=$(($(date +%s) + SECS))
	while [ "$(date +%s)" -lt "$_end" ]; do
		_out=$(timeout 60 "$LAYERCTL" -b "$d/dumps.batch" 2>"$d/dump.err.$1")
		_rc=$?
		_ok=$(printf '%s\n' "$_out" | jq -s '[.[] | select(length == 1)] | length' 2>&1)
		_n=$((_n + 200))
		if [ "$_rc" != 0 ] || [ "$_ok" != 200 ]; then
			_bad=$((_bad + 1))
			[ "$_bad" -gt 3 ] || echo "# batch of 200 view ls: status $_rc, $_ok listed the good view alone: $(head -c 300 "$d/dump.err.$1")"
		fi
	done
	echo "$_n dumps, $_bad bad batches"
}

python3 "$d/mounter.py" "$d" "$SECS" >"$d/mounter.out" 2>&1 &
mp=$!
dumper 1 >"$d/dump1.out" 2>&1 &
d1=$!
dumper 2 >"$d/dump2.out" 2>&1 &
d2=$!
# Wait, but not for ever: a process stuck on a lock an oops left held
# cannot be killed.
i=0
while [ $i -lt $((SECS + 60)) ] && { kill -0 $mp || kill -0 $d1 || kill -0 $d2; } 2>/dev/null; do
	sleep 1
	i=$((i + 1))
done
hung=''
for p in $mp $d1 $d2; do
	kill -0 "$p" 2>/dev/null && hung="$hung $p"
done
expect_eq "$hung" "" "the mount and dump loops finished (none hung)"
if [ -n "$hung" ]; then
	# Stuck on a lock an oops left held: unmounting the views (our clean-up,
	# then run.sh's) would hang too, until the guest's time limit.  Show
	# what we have on the console and end the guest now.
	# (No sync: it would wait for the stuck mount's superblock.)
	msg="t-view-publish: not ok: loops hung (pids$hung): the kernel is wedged; rebooting the guest"
	for f in mounter.out dump1.out dump2.out; do
		msg="$msg
t-view-publish: $f: $(head -c 500 "$d/$f" 2>&1)"
	done
	diag "$msg"
	printf '%s\n' "$msg" >/dev/console 2>&1
	echo b >/proc/sysrq-trigger
	sleep 60
fi
wait

out=$(cat "$d/mounter.out")
diag "mounts: $out"
expect_match "$out" '^[1-9][0-9]* tries, [1-9][0-9]* EINVAL, 0 other' \
	"every mount on the unbindable upper failed with EINVAL"
for f in "$d/dump1.out" "$d/dump2.out"; do
	out=$(cat "$f")
	diag "$out"
	expect_match "$out" '^[1-9][0-9]* dumps, 0 bad batches$' "every view ls succeeded, listing the good view"
done

if [ -z "$hung" ]; then
	expect_eq "$("$LAYERCTL" view ls --json | jq -c '[.[].mountpoints]')" "[[\"$d/gm\"]]" \
		"only the good view is left"
	expect_eq "$(cat "$d/gm/f")" base "the good view works"
	expect_ok "$LAYERCTL" umount "$d/gm"
	expect_ok umount "$d/ub"
	expect_ok "$LAYERCTL" layer rm pub/base
	expect_ok unload_module
fi
done_testing
