#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Robustness around a view: rmmod while a view is mounted fails and the view
# keeps working; a view used as a layer of another view (registered through
# its mountpoint) reads correctly through both, and the inner view cannot go
# while the outer uses it; the upper's filesystem turning read-only makes
# writes fail with EROFS while reads go on, and a commit onto that
# filesystem is refused with EROFS and changes nothing;
# after remounting it read-write, writes work again; a commit waiting on
# a frozen upper filesystem keeps the rest of generic netlink answering;
# an emergency thaw (sysrq j) in the middle of a commit fails it cleanly;
# remounting a view read-only writes its upper back.
# (Busy and lazy unmounts are in t-view-cli.sh.)
# shellcheck source=lib.sh source-path=SCRIPTDIR
. "$(dirname "$0")/lib.sh"

PY=/usr/bin/python3
load_module
s=$scratch
mkdir -p "$s/base/etc" "$s/u1" "$s/w1" "$s/m1" "$s/m2" "$s/u2" "$s/w2" "$s/up"
echo base >"$s/base/etc/os"
expect_ok "$LAYERCTL" layer add rb/base:1 "$s/base"
expect_ok "$LAYERCTL" mount --layers 'rb/base\:1' --upper "$s/u1" --work "$s/w1" "$s/m1"
echo inner >"$s/m1/inner.txt"

# --- rmmod while mounted ------------------------------------------------------
expect_fail 'in use' rmmod layerfs
expect_ok test -d /sys/module/layerfs
expect_eq "$(cat "$s/m1/inner.txt")" inner "the view still works after a refused rmmod"

# --- a view as a layer of another view ----------------------------------------
expect_ok "$LAYERCTL" layer add rb/inner:1 "$s/m1"
expect_ok "$LAYERCTL" mount --layers 'rb/inner\:1' --upper "$s/u2" --work "$s/w2" "$s/m2"
expect_eq "$(cat "$s/m2/etc/os" 2>&1)" base "the outer view reads the inner view's lower file"
expect_eq "$(cat "$s/m2/inner.txt" 2>&1)" inner "the outer view reads the inner view's upper file"
echo outer >"$s/m2/etc/os"
expect_eq "$(cat "$s/u2/etc/os" 2>&1)" outer "the outer view copies up into its own upper"
expect_eq "$(cat "$s/m1/etc/os" 2>&1)" base "the inner view is unchanged"
expect_fail 'busy' umount "$s/m1"
expect_ok umount "$s/m2"
expect_ok "$LAYERCTL" layer rm rb/inner:1
expect_ok umount "$s/m1"

# --- the upper's filesystem turns read-only -------------------------------------
expect_ok mount -t tmpfs -o size=16m rbtmp "$s/up"
mkdir -p "$s/up/u" "$s/up/w" "$s/up/u2"
expect_ok "$LAYERCTL" mount --layers 'rb/base\:1' --upper "$s/up/u" --work "$s/up/w" "$s/m1"
echo before >"$s/m1/f"
expect_ok mount -o remount,ro "$s/up"
expect_fail 'Read-only file system' sh -c "echo x >'$s/m1/g'"
expect_fail 'Read-only file system' sh -c "echo x >>'$s/m1/etc/os'"
expect_eq "$(cat "$s/m1/f" 2>&1)" before "reads go on"
vid=$("$LAYERCTL" view ls --json | jq ".[] | select(.mountpoints[0] == \"$s/m1\") | .id")
nlayers=$("$LAYERCTL" layer ls --json | jq length)
# The new upper is on the read-only filesystem: the view could not write
# it, and a commit writes the view root's attributes into it (issue 12
# item 1).  Refused with EROFS, and then nothing may have changed.
out=$($PY "$ROOT/tests/guest/nlcommit.py" "$vid" "$s/up/u2" rb/ro:1)
expect_match "$out" "^ERR EROFS" "commit onto a read-only upper fs is refused with EROFS ($out)"
case $out in
OK*)
	# Accepted: then it must at least be a whole commit.
	expect_ok "$LAYERCTL" layer show rb/ro:1
	expect_match "$(awk -v m="$s/m1" '$2 == m { print $4 }' /proc/self/mounts)" \
		"upper=$s/up/u2," "the accepted commit switched the view to the new upper"
	;;
*)
	expect_fail 'No such' "$LAYERCTL" layer show rb/ro:1
	expect_eq "$("$LAYERCTL" layer ls --json | jq length)" "$nlayers" \
		"the refused commit registered no layer"
	expect_match "$(awk -v m="$s/m1" '$2 == m { print $4 }' /proc/self/mounts)" \
		"upper=$s/up/u," "the refused commit left the view on its upper"
	;;
esac
expect_ok mount -o remount,rw "$s/up"
echo after >"$s/m1/f"
expect_eq "$(cat "$s/m1/f" 2>&1)" after "writes work again after remount rw"
case $out in
OK*) ;;
*) expect_eq "$(cat "$s/up/u/f" 2>&1)" after "after the refused commit, writes still land in the old upper" ;;
esac
expect_ok umount "$s/m1"
"$LAYERCTL" layer rm rb/ro:1 >/dev/null 2>&1
expect_ok umount "$s/up"

# --- a commit that waits on its upper's filesystem ------------------------------
# The upper's ext4 is frozen (fsfreeze, as for a snapshot): a commit of the
# view waits in it until the thaw.  Meanwhile only that commit may wait:
# the layerfs family and every other generic netlink family (layerctl
# resolves the family through nlctrl first) must keep answering.  Before
# the fix the commit held genetlink's global genl_mutex while it waited,
# so `layer ls`, `view ls` and every genetlink client of the system (iw,
# ethtool, wireguard, ...) hung until the thaw.
mount_ext4 "$s/fz" 64M
mkdir -p "$s/fz/u" "$s/fz/w" "$s/fz/u2"
expect_ok "$LAYERCTL" mount --layers 'rb/base\:1' --upper "$s/fz/u" --work "$s/fz/w" "$s/m1"
echo frozen >"$s/m1/fz.txt"
vid=$("$LAYERCTL" view ls --json | jq ".[] | select(.mountpoints[0] == \"$s/m1\") | .id")
# Only a commit freezes a view: FIFREEZE of it is not supported.
expect_fail "Operation not supported" fsfreeze -f "$s/m1"
expect_ok fsfreeze -f "$s/fz"
$PY "$ROOT/tests/guest/nlcommit.py" "$vid" "$s/fz/u2" rb/fz:1 >"$s/fz-commit.out" 2>&1 &
cpid=$!
if wait_blocked "$cpid"; then
	pass "the commit waits while the upper's filesystem is frozen"
else
	fail "the commit waits while the upper's filesystem is frozen" \
		"it ended: $(cat "$s/fz-commit.out")"
fi
"$LAYERCTL" layer ls --json >"$s/fz-ls.out" 2>&1 &
lpid=$!
"$LAYERCTL" view ls --json >"$s/fz-vls.out" 2>&1 &
vpid=$!
i=0
while { kill -0 "$lpid" || kill -0 "$vpid"; } 2>/dev/null && [ "$i" -lt 40 ]; do
	sleep 0.5
	i=$((i + 1))
done
if kill -0 "$lpid" 2>/dev/null; then
	fail "layer ls answers while a commit waits on a frozen upper" \
		"still running after 20 s"
else
	expect_match "$(cat "$s/fz-ls.out")" '"rb/base:1"' \
		"layer ls answers while a commit waits on a frozen upper"
fi
if kill -0 "$vpid" 2>/dev/null; then
	fail "view ls answers while a commit waits on a frozen upper" \
		"still running after 20 s"
else
	expect_match "$(cat "$s/fz-vls.out")" "\"$s/m1\"" \
		"view ls answers while a commit waits on a frozen upper"
fi
# The view itself is frozen while the commit waits: an unlink in it waits
# for write access to the view (of an absent name: it would touch nothing
# of the frozen upper once let through).  FITHAW on the view (fsfreeze -u,
# root) must not thaw the commit's freeze: on 6.1, whose thaw_super() has
# no holder, it did, and the view took changes in the middle of its commit.
rm -f "$s/m1/no-such-file" &
ppid=$!
if wait_blocked "$ppid"; then
	pass "an unlink in the view waits while its commit holds it frozen"
else
	fail "an unlink in the view waits while its commit holds it frozen" "it ended"
fi
if fsfreeze -u "$s/m1" 2>"$s/fz-thaw.err"; then
	fail "FITHAW of the view is refused while a commit holds it frozen" \
		"fsfreeze -u succeeded"
else
	expect_match "$(cat "$s/fz-thaw.err")" "Device or resource busy" \
		"FITHAW of the view is refused (EBUSY) while a commit holds it frozen"
fi
if wait_blocked "$ppid"; then
	pass "after the FITHAW the view is still frozen (the unlink still waits)"
else
	fail "after the FITHAW the view is still frozen (the unlink still waits)" \
		"the unlink went through in the middle of the commit"
fi
expect_ok fsfreeze -u "$s/fz"
wait "$cpid"
wait "$lpid"
wait "$vpid"
wait "$ppid"
expect_match "$(cat "$s/fz-commit.out")" "^OK" "the commit completes after the thaw"
expect_eq "$(cat "$s/m1/fz.txt" 2>&1)" frozen "the view reads its file after the commit"
expect_ok umount "$s/m1"
expect_ok "$LAYERCTL" layer rm rb/fz:1
expect_ok umount "$s/fz"

# --- an emergency thaw in the middle of a commit ----------------------------
# sysrq j thaws every frozen filesystem.  On 6.1 it calls thaw_super_locked()
# itself, past the view's ->thaw_super (refusing FITHAW above), so it can
# thaw a view that its commit holds frozen: the writes waiting on the view
# then went into the upper the commit was turning into a layer, and the
# commit published it all the same.  sysrq j thaws the upper's filesystem
# first (the commit waits on it) and the view next, so the commit races the
# view's thaw: if the thaw comes first the commit must fail (EBUSY, nothing
# registered, the view stays on its upper, which has the writes); if the
# commit's switch comes first it completes, and the writes, let through
# only after it, are in the new upper, never in the layer.  6.12's
# emergency thaw thaws only userspace freezes: the commit completes.
mount_ext4 "$s/fz" 64M
mkdir -p "$s/fz/u" "$s/fz/w" "$s/fz/u2"
expect_ok "$LAYERCTL" mount --layers 'rb/base\:1' --upper "$s/fz/u" --work "$s/fz/w" "$s/m1"
echo frozen >"$s/m1/fz.txt"
vid=$("$LAYERCTL" view ls --json | jq ".[] | select(.mountpoints[0] == \"$s/m1\") | .id")
nlayers=$("$LAYERCTL" layer ls --json | jq length)
expect_ok fsfreeze -f "$s/fz"
$PY "$ROOT/tests/guest/nlcommit.py" "$vid" "$s/fz/u2" rb/et:1 >"$s/et-commit.out" 2>&1 &
cpid=$!
if wait_blocked "$cpid"; then
	pass "the commit waits while the upper's filesystem is frozen (emergency thaw)"
else
	fail "the commit waits while the upper's filesystem is frozen (emergency thaw)" \
		"it ended: $(cat "$s/et-commit.out")"
fi
# Writers waiting on the view's freeze, ready to go at its thaw.
wpids=
for i in 1 2 3 4 5 6 7 8; do
	sh -c 'echo mid >"$1"' sh "$s/m1/w$i.txt" 2>"$s/et-w$i.err" &
	wpids="$wpids $!"
done
# shellcheck disable=SC2086 # a list of pids
if wait_blocked $wpids; then
	pass "writes in the view wait while its commit holds it frozen"
else
	fail "writes in the view wait while its commit holds it frozen" "one ended"
fi
echo j >/proc/sysrq-trigger
wait "$cpid"
for p in $wpids; do
	wait "$p"
done
out=$(cat "$s/et-commit.out")
n_old=$(find "$s/fz/u" -maxdepth 1 -name 'w*.txt' | wc -l)
n_new=$(find "$s/fz/u2" -maxdepth 1 -name 'w*.txt' | wc -l)
diag "after sysrq j: commit: $out; writes in the old upper: $n_old, in the new: $n_new"
case $(uname -r) in
6.12.*)
	expect_match "$out" "^OK" "6.12: the commit completes, its freeze untouched by sysrq j"
	;;
esac
case $out in
OK*)
	expect_ok "$LAYERCTL" layer show rb/et:1
	expect_eq "$n_old" 0 "the committed layer holds none of the writes made after its freeze"
	expect_eq "$n_new" 8 "the writes let through after the commit are in the new upper"
	;;
*)
	expect_match "$out" "^ERR EBUSY .*thawed" \
		"the commit fails (EBUSY) when an emergency thaw thawed the view under it"
	expect_fail 'No such' "$LAYERCTL" layer show rb/et:1
	expect_eq "$("$LAYERCTL" layer ls --json | jq length)" "$nlayers" \
		"the commit thawed under registered no layer"
	expect_match "$(awk -v m="$s/m1" '$2 == m { print $4 }' /proc/self/mounts)" \
		"upper=$s/fz/u," "the commit thawed under left the view on its upper"
	expect_eq "$n_old" 8 "the writes let through by the thaw are in the view's upper"
	;;
esac
for i in 1 2 3 4 5 6 7 8; do
	expect_eq "$(cat "$s/m1/w$i.txt" 2>&1)" mid "the view reads write $i after sysrq j"
done
expect_eq "$(cat "$s/m1/fz.txt" 2>&1)" frozen "the view reads its file after sysrq j"
echo later >"$s/m1/later.txt"
expect_eq "$(cat "$s/m1/later.txt" 2>&1)" later "the view takes writes after sysrq j"
expect_ok umount "$s/m1"
"$LAYERCTL" layer rm rb/et:1 >/dev/null 2>&1
expect_ok umount "$s/fz"

# --- remount,ro writes the view's upper back ------------------------------------
# As overlayfs does: once the view is read-only, syncfs() and umount sync
# nothing (sync_filesystem() skips a read-only superblock), so what was
# written before must be written back when the view turns read-only.
# Periodic writeback is off meanwhile, so that only the remount can write
# the file: ext4 shows blocks not yet written as delalloc extents.
mount_ext4 "$s/fz" 64M
mkdir -p "$s/fz/u" "$s/fz/w"
expect_ok "$LAYERCTL" mount --layers 'rb/base\:1' --upper "$s/fz/u" --work "$s/fz/w" "$s/m1"
sync
wb=$(cat /proc/sys/vm/dirty_writeback_centisecs)
ex=$(cat /proc/sys/vm/dirty_expire_centisecs)
echo 0 >/proc/sys/vm/dirty_writeback_centisecs
echo 360000 >/proc/sys/vm/dirty_expire_centisecs
dd if=/dev/urandom of="$s/m1/late" bs=64k count=64 2>/dev/null
filefrag -v "$s/fz/u/late" >"$s/frag1" 2>&1
# mount(2) itself, without options (mount(8), which repeats the view's
# options, below).
remount_ro() {
	$PY -c 'import ctypes, sys
libc = ctypes.CDLL(None, use_errno=True)
MS_RDONLY, MS_REMOUNT = 1, 32
if libc.mount(None, sys.argv[1].encode(), None, MS_REMOUNT | MS_RDONLY, None):
    sys.exit("remount,ro: errno %d" % ctypes.get_errno())' "$1"
}
expect_ok remount_ro "$s/m1"
filefrag -v "$s/fz/u/late" >"$s/frag2" 2>&1
echo "$wb" >/proc/sys/vm/dirty_writeback_centisecs
echo "$ex" >/proc/sys/vm/dirty_expire_centisecs
if grep -q delalloc "$s/frag1"; then
	if grep -q delalloc "$s/frag2"; then
		fail "remount,ro of a view writes back what was written through it" \
			"the upper file still has delalloc extents:" "$(cat "$s/frag2")"
	else
		pass "remount,ro of a view writes back what was written through it"
	fi
else
	skip "remount,ro of a view writes back what was written through it" \
		"the upper file was written back before the remount"
fi
# mount(8), which repeats the view's options, and systemd-shutdown, which
# does too, remount it as overlayfs allows: the options are ignored.
expect_ok mount -o remount,rw "$s/m1"
expect_ok touch "$s/m1/rw-again"
expect_ok mount -o remount,ro "$s/m1"
expect_fail "Read-only file system" touch "$s/m1/ro-again"
expect_ok umount "$s/m1"
expect_ok umount "$s/fz"

expect_ok "$LAYERCTL" layer rm rb/base:1
expect_ok unload_module
done_testing
