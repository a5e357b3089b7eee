#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Unprivileged callers.  The permission matrix of tests/tools/lfs-perm (its
# top comment lists the fixture and the operations) runs on an overlayfs
# mount and on a layerfs view of the same lower directory, on ext4 (user.*
# xattrs and chattr), as uid 1000 and then as uid 1001 ("other"), and the
# results, line by line, must be identical; so must the merged trees and the
# two uppers afterwards (whiteouts over names no lower layer has are counted
# on their own).  Then: copy-up kept every object's owner; a write by
# a non-owner cleared setuid and setgid; immutable and append-only lower
# files refuse what they refuse on overlayfs and keep their flags; the unlink
# pass (sticky directories) agrees too; listxattr shows trusted.* names to
# root only; a copy-up onto a tmpfs upper without user.* xattrs (6.1) drops
# them and succeeds; the LSMs decide as on overlayfs which xattrs a copy
# keeps (EVM's security.evm on 6.12) and whether a copy-up may happen (a BPF
# LSM program failing inode_copy_up, tests/guest/lsmdeny.py), and whether a
# new object may be made (dentry_create_files_as); the mounter's
# credentials, with which the real objects change, lift no caller's disk
# quota and let no file owner set ext4's data-journaling flag (both need
# CAP_SYS_RESOURCE, which overlayfs drops from them); a default ACL
# on the work directory reaches no copied-up object (uid 1001, named in it,
# is still refused); an old work directory open to others is removed and
# made anew, mode 0 and the mounter's, as overlayfs's; a chmod through the view
# changes at once what a file's and a directory's ACL grant (its mask) to a
# user it names, who had used it before.  A view of an indexed image (inodes
# made from the index's stat records) refuses on its immutable and
# append-only files what the walked view of the same image refuses, and
# copies nothing up for it.  Immutable and append-only lower directories:
# their writable children can be written, and the copies keep the flags in
# trusted.overlay.protattr, as on overlayfs, across a new mount, a commit,
# a mounter without CAP_LINUX_IMMUTABLE and a copy-up that runs out of
# xattr space.  A mounter without CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH
# gets what overlayfs gives it: no listing of a directory it may not read,
# no name below one it may not search, with or without an index, and no
# copy-up of a file it may not read.  Last, layerctl's commands as an
# unprivileged user, and netlink and mount(2) from a user namespace's root,
# are refused with EPERM and change nothing, and fsopen("layerfs") from an
# unprivileged user's own user namespace fails with EPERM
# (tests/guest/t-registry.sh and t-nlfuzz.sh cover the raw messages).
# shellcheck source=lib.sh source-path=SCRIPTDIR
. "$(dirname "$0")/lib.sh"

TOOL=$ROOT/tests/tools/lfs-perm
[ -x "$TOOL" ] || { echo "Bail out! $TOOL not built (make tools)"; exit 1; }
modprobe overlay || { echo "Bail out! no overlayfs"; exit 1; }
load_module

as() { _u=$1; shift; setpriv --reuid "$_u" --regid "$_u" --clear-groups -- "$@"; }
now_ms() { echo $(($(date +%s%N) / 1000000)); }
took() {
	_ms=$(($(now_ms) - $1))
	diag "time: $2: $((_ms / 1000)).$(printf '%03d' $((_ms % 1000))) s"
}

# Compare two files; on a difference show the first lines of the diff.
expect_same() {
	if cmp -s "$1" "$2"; then
		pass "$3 ($(wc -l <"$1") lines)"
	else
		fail "$3" "$(diff -u "$1" "$2" | head -n 60)"
	fi
}

E=$scratch/e
chmod 755 "$scratch"	# mktemp -d made it 0700: the users must get through
mount_ext4 "$E" 96M
chmod 755 "$E"
mkdir -p "$E/lower" "$E/ou" "$E/ow" "$E/om" "$E/lu" "$E/lw" "$E/lm"
t=$(now_ms)
expect_ok "$TOOL" mkfixture "$E/lower"
took "$t" "fixture"
chattr +i "$E"/lower/imm/immutable-* && chattr +a "$E"/lower/imm/append-* ||
	fail "chattr +i / +a on ext4"
# Two world-readable files with a trusted.* and a user.* xattr (see
# "trusted.* names" below).
for f in tx tx-up; do
	{ echo x >"$E/lower/$f" && chmod 644 "$E/lower/$f" &&
		setfattr -n trusted.perm-secret -v s "$E/lower/$f" &&
		setfattr -n user.perm-pub -v p "$E/lower/$f"; } ||
		fail "xattrs on lower/$f"
done

expect_ok mount -t overlay perm-ovl \
	-o "lowerdir=$E/lower,upperdir=$E/ou,workdir=$E/ow" "$E/om"
expect_ok "$LAYERCTL" layer add perm-lower "$E/lower"
expect_ok "$LAYERCTL" mount --layers perm-lower --upper "$E/lu" --work "$E/lw" \
	--name perm "$E/lm"

R=$scratch/res
mkdir -p "$R"
# matrix om|lm: the copy-up, the matrix and the special files through that
# mount, into $R/$1.*.  The two mounts side by side (the guest has two
# CPUs): each has its own upper, and the tool works inside the mount only.
matrix() {
	_t=$(now_ms)
	"$TOOL" copyup "$E/$1" >"$R/$1.copyup" 2>&1 || echo "$1: copy-up as root" >"$R/$1.failed"
	took "$_t" "$1: copy-up"
	_t=$(now_ms)
	as 1000 "$TOOL" run "$E/$1" >"$R/$1.run.1000" 2>&1
	as 1001 "$TOOL" run "$E/$1" >"$R/$1.run.1001" 2>&1
	took "$_t" "$1: matrix, two users"
	"$TOOL" special "$E/$1" >"$R/$1.special.0" 2>&1
	as 1000 "$TOOL" special "$E/$1" >"$R/$1.special.1000" 2>&1
}
t=$(now_ms)
matrix om &
matrix lm &
wait
took "$t" "both matrices"
for m in om lm; do
	[ ! -e "$R/$m.failed" ] || fail "$(cat "$R/$m.failed")"
done
expect_same "$R/om.run.1000" "$R/lm.run.1000" "matrix as uid 1000: layerfs = overlayfs"
expect_same "$R/om.run.1001" "$R/lm.run.1001" "matrix as uid 1001: layerfs = overlayfs"
expect_same "$R/om.special.0" "$R/lm.special.0" "immutable/append-only as root: layerfs = overlayfs"
expect_same "$R/om.special.1000" "$R/lm.special.1000" \
	"immutable/append-only as uid 1000: layerfs = overlayfs"
n=$(grep -c ' ok' "$R/lm.run.1000")
diag "uid 1000: $n of $(wc -l <"$R/lm.run.1000") operations succeeded on layerfs"

# The matrix must have done something in both directions.
expect_match "$(cat "$R/lm.run.1000")" ' EACCES$' "some operations refused with EACCES"
expect_match "$(cat "$R/lm.run.1000")" ' EPERM$' "some operations refused with EPERM"
expect_match "$(cat "$R/lm.run.1000")" ' append ok ' "some appends succeeded"

# --- the trees afterwards ------------------------------------------------------
"$TOOL" snapshot "$E/om" >"$R/om.tree"
"$TOOL" snapshot "$E/lm" >"$R/lm.tree"
expect_same "$R/om.tree" "$R/lm.tree" "merged trees: layerfs = overlayfs"
"$TOOL" snapshot "$E/ou" >"$R/ou.tree"
"$TOOL" snapshot "$E/lu" >"$R/lu.tree"
"$TOOL" snapshot "$E/lower" >"$R/lower.tree"
# Whiteouts in the upper where no lower layer has the name hide nothing
# (overlayfs makes none); reported on their own, then left out so that the
# comparison of the uppers shows any other difference.
stray() {
	awk 'NR == FNR { low[$1] = 1; next }
		$2 == "20000" && $6 == "rdev=0:0" && !($1 in low) { print $1 }' \
		"$R/lower.tree" "$1"
}
expect_eq "$(stray "$R/ou.tree" | head -n 5)" "" "overlayfs upper: no whiteout over nothing"
s=$(stray "$R/lu.tree")
expect_eq "$(printf '%s\n' "$s" | head -n 5)" "" \
	"layerfs upper: no whiteout over nothing ($(printf '%s' "$s" | grep -c .) found)"
printf '%s\n' "$s" | awk 'NR == FNR { s[$1] = 1; next } !($1 in s)' - "$R/lu.tree" >"$R/lu.tree.f"
expect_same "$R/ou.tree" "$R/lu.tree.f" "uppers: layerfs = overlayfs (whiteouts over nothing left out)"

# Copy-up never changes ownership: no chown in the matrix could succeed (the
# users are not root; chgrp to one's own group is a no-op on the fixture).
# Whiteouts (root's character devices 0/0) are not copies.
bad=$(awk 'NR == FNR { o[$1] = $3 " " $4; next }
	($1 in o) && $2 != "20000" && o[$1] != $3 " " $4 {
		print $1 ": lower " o[$1] ", upper " $3 " " $4 }' \
	"$R/lower.tree" "$R/lu.tree")
expect_eq "$bad" "" "copied-up objects keep their owner and group"

# A write or truncate by a non-owner clears setuid, and setgid (group-exec).
for u in 1000 1001; do
	bad=$(awk -v u="$u" 'function oct(s,  v, i) {
		for (i = 1; i <= length(s); i++) v = v * 8 + substr(s, i, 1); return v }
		$2 ~ /^(append|truncate)$/ && $3 == "ok" {
		split($4, m, "="); split($5, o, "=")
		if (o[2] != u && oct(m[2]) % 4096 >= 1024) print }' "$R/lm.run.$u")
	expect_eq "$bad" "" "uid $u: writes to others' files cleared setuid/setgid"
	n=$(awk -v u="$u" '$2 == "append" && $3 == "ok" && $1 ~ /[46]7[0-9][0-9]$/ {
		split($5, o, "="); if (o[2] != u) n++ } END { print n + 0 }' "$R/lm.run.$u")
	[ "$n" -gt 0 ] && pass "uid $u: $n writes to others' setuid/setgid files seen" ||
		fail "uid $u: no write to another's setuid/setgid file happened"
done

# Immutable and append-only lower files keep their flags; the view shows them.
expect_eq "$(lsattr "$E"/lower/imm/ 2>&1 | awk '{ print substr($1, 5, 2) }' | sort | uniq -c |
	awk '{ printf "%s:%s ", $2, $1 }')" "-a:3 i-:3 " "lower flags intact (3 immutable, 3 append-only)"
expect_match "$(cat "$R/lm.special.0")" 'imm/immutable-root open-write EPERM' \
	"root cannot open an immutable file for writing"
expect_match "$(cat "$R/lm.special.0")" 'imm/append-root unlink EPERM' \
	"root cannot unlink an append-only file"

# --- the unlink pass: sticky directories ------------------------------------
t=$(now_ms)
for m in om lm; do
	as 1000 "$TOOL" unlink "$E/$m" >"$R/$m.unlink.1000" 2>&1
	as 1001 "$TOOL" unlink "$E/$m" >"$R/$m.unlink.1001" 2>&1
done
took "$t" "unlink passes"
expect_same "$R/om.unlink.1000" "$R/lm.unlink.1000" "unlink as uid 1000: layerfs = overlayfs"
expect_same "$R/om.unlink.1001" "$R/lm.unlink.1001" "unlink as uid 1001: layerfs = overlayfs"
"$TOOL" snapshot "$E/om" >"$R/om.tree2"
"$TOOL" snapshot "$E/lm" >"$R/lm.tree2"
expect_same "$R/om.tree2" "$R/lm.tree2" "merged trees after unlinks: layerfs = overlayfs"

# --- trusted.* names are the superuser's -------------------------------------
# listxattr(2) on ext4 and tmpfs lists trusted.* names only to callers with
# CAP_SYS_ADMIN.  A view lists the real object's names with the mounter's
# credentials, so it must leave them out for anyone else itself, as
# overlayfs does (ovl_can_list()): for a lower file, and for one copied up
# (root sets a user.* xattr through the mount).  Root still sees them.
lsx='import os, sys; print(" ".join(sorted(os.listxattr(sys.argv[1]))))'
for m in om lm; do
	setfattr -n user.perm-up -v u "$E/$m/tx-up" || fail "$m: setfattr on tx-up"
	for f in tx tx-up; do
		echo "$f root: $(/usr/bin/python3 -c "$lsx" "$E/$m/$f" 2>&1)"
		echo "$f 1000: $(as 1000 /usr/bin/python3 -c "$lsx" "$E/$m/$f" 2>&1)"
	done >"$R/$m.lsx"
done
expect_eq "$(cat "$R/lm.lsx")" "tx root: trusted.perm-secret user.perm-pub
tx 1000: user.perm-pub
tx-up root: trusted.perm-secret user.perm-pub user.perm-up
tx-up 1000: user.perm-pub user.perm-up" "layerfs: listxattr shows trusted.* names to root only"
expect_same "$R/om.lsx" "$R/lm.lsx" "listxattr as root and as uid 1000: layerfs = overlayfs"

# --- xattrs the upper cannot hold -------------------------------------------
# A lower file on ext4 with a user.* and a trusted.* xattr, uppers on tmpfs,
# which before 6.6 has no user.* xattrs.  Copy-up cannot keep the user.*
# name there: overlayfs drops it (ovl_copy_xattr() ignores EOPNOTSUPP but
# for ACLs and security.*) and the write succeeds; the view must do the
# same, not fail the write, and keep what the upper can hold.
X=$E/xattr-up
T=$scratch/xattr-up
mkdir -p "$X/lower" "$T/lu" "$T/lw" "$T/lm" "$T/ou" "$T/ow" "$T/om"
echo x >"$X/lower/ux"
{ setfattr -n user.lfs-u -v u "$X/lower/ux" && setfattr -n trusted.lfs-t -v t "$X/lower/ux"; } ||
	fail "xattrs on xattr-up/lower/ux"
expect_ok "$LAYERCTL" layer add perm-xattr-up "$X/lower"
expect_ok "$LAYERCTL" mount --layers perm-xattr-up --upper "$T/lu" --work "$T/lw" "$T/lm"
expect_ok mount -t overlay perm-xattr-ovl \
	-o "lowerdir=$X/lower,upperdir=$T/ou,workdir=$T/ow" "$T/om"
for m in om lm; do
	expect_ok sh -c "echo y >>'$T/$m/ux'"
done
expect_eq "$(paste -s -d ' ' "$T/lm/ux" 2>&1)" "x y" "layerfs: the write to ux went through"
xa() { getfattr --absolute-names -d -m '^(user|trusted)\.lfs-' "$1" 2>&1 | sed 1d; }
expect_eq "$(xa "$T/lu/ux")" "$(xa "$T/ou/ux")" \
	"xattrs of the copy on tmpfs: layerfs = overlayfs ($(xa "$T/lu/ux" | paste -s -d ' '))"
expect_ok "$LAYERCTL" umount "$T/lm"
expect_ok umount "$T/om"
expect_ok "$LAYERCTL" layer rm perm-xattr-up

# --- the LSMs' say in a copy-up ----------------------------------------------
# overlayfs asks the LSMs about each copy-up: security_inode_copy_up(),
# which may refuse it or give the creation of the copy other credentials
# (SELinux, Smack: the overlay object's label), and for each xattr
# security_inode_copy_up_xattr(), which may leave it behind.  The view
# must ask them too.  EVM (6.12; 6.1's has no such hook) leaves behind a
# security.evm signature of type 0x03 (EVM_IMA_XATTR_DIGSIG, made for the
# lower inode) and lets a portable one (0x05) go up; root may set both
# while EVM has no key.  Files evm3 and evm5 with those and a user.* xattr
# are appended to through both mounts: the copies' xattrs must be the
# same.  Then a BPF LSM program makes inode_copy_up fail with EPERM: an
# append to file cu that needs a copy-up must fail with EPERM on both and
# leave nothing in either upper; without the program, it succeeds.
V=$E/lsm
mkdir -p "$V/lower" "$V/lu" "$V/lw" "$V/lm" "$V/ou" "$V/ow" "$V/om"
for f in evm3:0x03 evm5:0x05 cu:; do
	n=${f%%:*} t=${f#*:}
	if ! echo x >"$V/lower/$n" || ! setfattr -n user.lsm-keep -v k "$V/lower/$n"; then
		fail "lower/$n"
	fi
	if [ -n "$t" ]; then
		setfattr -n security.evm -v "${t}0201020304" "$V/lower/$n" ||
			fail "setfattr -n security.evm -v ${t}... on lower/$n"
	fi
done
expect_ok "$LAYERCTL" layer add perm-lsm "$V/lower"
expect_ok "$LAYERCTL" mount --layers perm-lsm --upper "$V/lu" --work "$V/lw" "$V/lm"
expect_ok mount -t overlay perm-lsm-ovl \
	-o "lowerdir=$V/lower,upperdir=$V/ou,workdir=$V/ow" "$V/om"
for m in om lm; do
	expect_ok sh -c "echo y >>'$V/$m/evm3' && echo y >>'$V/$m/evm5'"
done
evmx() {
	for f in evm3 evm5; do
		printf '%s: %s\n' "$f" "$(getfattr --absolute-names -d -e hex \
			-m '^(security\.evm|user\.lsm-)' "$1/$f" 2>&1 | sed '1d;/^$/d' | sort |
			paste -s -d ' ')"
	done
}
evmx "$V/ou" >"$R/lsm.ou"
evmx "$V/lu" >"$R/lsm.lu"
diag "overlayfs copies: $(paste -s -d ';' "$R/lsm.ou")"
case $(uname -r) in
6.12.*)
	expect_eq "$(cat "$R/lsm.ou")" "evm3: user.lsm-keep=0x6b
evm5: security.evm=0x050201020304 user.lsm-keep=0x6b" \
		"overlayfs (6.12): EVM left the 0x03 signature behind, not the portable one"
	;;
esac
expect_same "$R/lsm.ou" "$R/lsm.lu" "xattrs of the copies (security.evm): layerfs = overlayfs"
# Values of growing sizes, listed in that order (the copy's buffer is too
# small for each next one: getxattr fails with ERANGE, is measured again
# and read again): each copy must have the lower's values, byte for byte.
echo x >"$V/lower/xs"
for n in 1:3 2:40 3:200 4:500; do
	setfattr -n "user.s${n%%:*}" -v "$(head -c "${n#*:}" /dev/zero | tr '\0' v)" \
		"$V/lower/xs" || fail "setfattr user.s${n%%:*} on lower/xs"
done
for m in om lm; do
	expect_ok sh -c "echo y >>'$V/$m/xs'"
done
xs() { getfattr --absolute-names -d -m '^user\.s' "$1/xs" 2>&1 | sed '1d;/^$/d' | sort | cksum; }
expect_eq "$(xs "$V/lu")" "$(xs "$V/lower")" "xattrs of growing sizes: the layerfs copy has the lower's"
expect_eq "$(xs "$V/ou")" "$(xs "$V/lower")" "...as the overlayfs copy has"
# What "append" (to file cu) or "create" (file new) gives through each
# mount: "om ok" or "om EPERM", one line per mount.
each='import errno, os, sys
for m in sys.argv[2:]:
    try:
        if sys.argv[1] == "append":
            with open(m + "/cu", "a") as f:
                f.write("y\n")
        else:
            os.close(os.open(m + "/new", os.O_WRONLY | os.O_CREAT | os.O_EXCL))
        print(m.rsplit("/", 1)[1], "ok")
    except OSError as e:
        print(m.rsplit("/", 1)[1], errno.errorcode.get(e.errno, e.errno))'
out=$(/usr/bin/python3 "$ROOT/tests/guest/lsmdeny.py" inode_copy_up EPERM -- \
	/usr/bin/python3 -c "$each" append "$V/om" "$V/lm" 2>&1)
expect_eq "$out" "om EPERM
lm EPERM" "inode_copy_up failing (BPF LSM): the copy-up fails with EPERM on both"
expect_eq "$(find "$V/ou" "$V/lu" -name cu)" "" "nothing copied up for cu"
expect_eq "$(ls -A "$V/lw/layerfs.work" 2>&1)" "" "nor left in the work directory"
expect_eq "$(/usr/bin/python3 -c "$each" append "$V/om" "$V/lm" 2>&1)" "om ok
lm ok" "without the program, the append to cu copies it up on both"
# New objects: overlayfs asks security_dentry_create_files_as() (SELinux
# and Smack label the object as the caller would have it); made to fail
# with EPERM, creating file new must fail on both and leave nothing.
out=$(/usr/bin/python3 "$ROOT/tests/guest/lsmdeny.py" dentry_create_files_as EPERM -- \
	/usr/bin/python3 -c "$each" create "$V/om" "$V/lm" 2>&1)
expect_eq "$out" "om EPERM
lm EPERM" "dentry_create_files_as failing (BPF LSM): a create fails with EPERM on both"
expect_eq "$(find "$V/ou" "$V/lu" -name new)" "" "nothing created in either upper"
expect_eq "$(/usr/bin/python3 -c "$each" create "$V/om" "$V/lm" 2>&1)" "om ok
lm ok" "without the program, the create succeeds on both"
expect_ok "$LAYERCTL" umount "$V/lm"
expect_ok umount "$V/om"
expect_ok "$LAYERCTL" layer rm perm-lsm

# --- the mounter's CAP_SYS_RESOURCE is not the caller's ---------------------
# The real objects are changed with the mounter's credentials, which must
# not lift the caller's disk quota or let a file's owner set what only
# CAP_SYS_RESOURCE may: overlayfs drops that capability from its saved
# credentials.  An ext4 with user quotas enforced; uid 1000 limited to
# 2 MiB and 24 inodes, with a directory qd and a file qd/own of its own in
# the lower.  Through each mount in turn (overlayfs, then the view) uid
# 1000 sets the data-journaling flag (chattr +j, which ext4 reserves to
# CAP_SYS_RESOURCE) on qd/own, writes 4 MiB and creates 48 files; each
# mount's copies are removed before the next, so both start from the same
# usage.  Each must refuse all three as ext4 itself does.
Q=$scratch/q
mkdir -p "$Q"
truncate -s 64M "$scratch/quota.img"
if ! mkfs.ext4 -q -F -O quota -E quotatype=usrquota "$scratch/quota.img" ||
   ! mount -o loop,usrquota "$scratch/quota.img" "$Q"; then
	echo "Bail out! cannot make and mount an ext4 image with user quotas"
	exit 1
fi
chmod 755 "$Q"
mkdir -p "$Q/lower/qd" "$Q/ou" "$Q/ow" "$Q/om" "$Q/lu" "$Q/lw" "$Q/lm"
echo own >"$Q/lower/qd/own"
chown -R 1000:1000 "$Q/lower/qd"
# quotactl_fd(2) Q_SETQUOTA for USRQUOTA: blocks (KiB) and inodes.
setq='import ctypes, os, struct, sys
libc = ctypes.CDLL(None, use_errno=True)
fd = os.open(sys.argv[1], os.O_RDONLY)
dq = ctypes.create_string_buffer(struct.pack("8QI4x", int(sys.argv[3]), 0, 0,
                                             int(sys.argv[4]), 0, 0, 0, 0, 1 | 4))
if libc.syscall(443, fd, ctypes.c_uint(0x800008 << 8), int(sys.argv[2]), dq) != 0:
    sys.exit("quotactl_fd: " + os.strerror(ctypes.get_errno()))'
expect_ok /usr/bin/python3 -c "$setq" "$Q" 1000 2048 24
# What uid 1000 gets through mount $1: "chattr +j" (first: its copy-up
# needs an inode of the quota), "write", "create", each with the first
# errno or "ok", one per line.
qops='import errno, fcntl, os, struct, sys
d = sys.argv[1] + "/qd"
def res(what, f):
    try:
        f()
        print(what, "ok")
    except OSError as e:
        print(what, errno.errorcode.get(e.errno, e.errno))
def write():
    fd = os.open(d + "/big", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        for _ in range(64):
            os.write(fd, b"q" * 65536)
        os.fsync(fd)
    finally:
        os.close(fd)
        os.unlink(d + "/big")
def create():
    for i in range(48):
        os.close(os.open("%s/f%02d" % (d, i), os.O_WRONLY | os.O_CREAT, 0o644))
def journal():
    fd = os.open(d + "/own", os.O_RDONLY)
    try:
        f = struct.unpack("i", fcntl.ioctl(fd, 0x80086601, b"\0" * 8)[:4])[0]
        fcntl.ioctl(fd, 0x40086602, struct.pack("i", f | 0x4000) + b"\0" * 4)
    finally:
        os.close(fd)
res("chattr +j", journal)
res("write", write)
res("create", create)'
expect_ok mount -t overlay perm-quota-ovl \
	-o "lowerdir=$Q/lower,upperdir=$Q/ou,workdir=$Q/ow" "$Q/om"
as 1000 /usr/bin/python3 -c "$qops" "$Q/om" >"$R/quota.om" 2>&1
expect_ok umount "$Q/om"
rm -rf "$Q/ou/qd"
expect_ok "$LAYERCTL" layer add perm-quota "$Q/lower"
expect_ok "$LAYERCTL" mount --layers perm-quota --upper "$Q/lu" --work "$Q/lw" "$Q/lm"
as 1000 /usr/bin/python3 -c "$qops" "$Q/lm" >"$R/quota.lm" 2>&1
expect_eq "$(cat "$R/quota.om")" "chattr +j EPERM
write EDQUOT
create EDQUOT" "overlayfs: uid 1000's quota and ext4's chattr +j rule hold"
expect_same "$R/quota.om" "$R/quota.lm" \
	"layerfs: uid 1000's quota and chattr +j rule hold as on overlayfs"
expect_ok "$LAYERCTL" umount "$Q/lm"
expect_ok "$LAYERCTL" layer rm perm-quota
expect_ok umount "$Q"

# --- the work directory's ACLs stay out of the upper ---------------------------
# Every copy-up is built in the work directory (work/layerfs.work) and
# renamed into place.  A default ACL on the work directory given at mount
# must not be inherited by the copies: it would give the users it names
# access to every file copied up (overlayfs removes the ACLs of its own
# work directory for this).  Lower: a file 0640 and a directory 0750 of
# root's; the work directories of both mounts grant uid 1001 rwx by
# default; root copies both up (touch); uid 1001 must still be refused,
# and the copies must have the lower's ACLs (none), on both.
A=$E/acl
mkdir -p "$A/lower/d" "$A/lu" "$A/lw" "$A/lm" "$A/ou" "$A/ow" "$A/om"
echo secret >"$A/lower/secret"
chmod 640 "$A/lower/secret"
chmod 750 "$A/lower/d"
expect_ok setfacl -d -m u:1001:rwx "$A/lw"
expect_ok setfacl -d -m u:1001:rwx "$A/ow"
expect_ok "$LAYERCTL" layer add perm-acl "$A/lower"
expect_ok "$LAYERCTL" mount --layers perm-acl --upper "$A/lu" --work "$A/lw" "$A/lm"
expect_ok mount -t overlay perm-acl-ovl \
	-o "lowerdir=$A/lower,upperdir=$A/ou,workdir=$A/ow" "$A/om"
for m in om lm; do
	if ! touch "$A/$m/secret" "$A/$m/d" || ! touch "$A/$m/d/new"; then
		fail "$m: copy-up by touch"
	fi
done
for m in om lm; do
	expect_fail 'Permission denied' as 1001 cat "$A/$m/secret"
	expect_fail 'Permission denied' as 1001 ls "$A/$m/d"
done
acls() { (cd "$1" && getfacl -n -p -c secret d d/new 2>&1); }
expect_eq "$(acls "$A/lu")" "$(acls "$A/ou")" "copied-up objects' ACLs: layerfs = overlayfs"
expect_eq "$(getfacl -n -p -c -s "$A/lu/secret" "$A/lu/d" "$A/lu/d/new" 2>&1)" "" \
	"no extended ACL on the copied-up file and directory, nor on a file made in the directory"
expect_ok "$LAYERCTL" umount "$A/lm"
expect_ok umount "$A/om"
expect_ok "$LAYERCTL" layer rm perm-acl

# --- an old work directory is made anew ---------------------------------------
# Copies are built in the work directory before they are renamed into
# place, so no one but the mounter may reach it.  One left by an earlier
# mount, or made by someone else, may be open to others: here mode 0777
# and set-group-ID, uid and gid 2000's, with a file of theirs in it, held
# open, in a set-group-ID work/ of group 3000 (whose S_ISGID mkdir passes
# on to a new directory).  Overlayfs removes its work/work at mount and
# makes a new one, mode 0, the mounter's (ovl_workdir_create()); a view
# must do as much with work/layerfs.work: afterwards both are empty,
# d--------- and root's (of group 3000, work/'s), uid 2000 can neither
# list them nor make anything in them, and the open descriptors lead to
# the removed directories.  An object made over a whiteout is built there
# too (layerfs_create_temp_like()), and must not take the group of a
# set-group-ID work directory: root's new g is of root's group.
O=$E/oldwork
mkdir -p "$O/lower" "$O/lu" "$O/lw/layerfs.work" "$O/lm" \
	"$O/ou" "$O/ow/work" "$O/om"
echo data >"$O/lower/f"
echo data >"$O/lower/g"
for d in "$O/lw/layerfs.work" "$O/ow/work"; do
	echo planted >"$d/planted"
	chown -R 2000:2000 "$d"
	chmod 2777 "$d"
done
chgrp 3000 "$O/lw" "$O/ow"
chmod g+s "$O/lw" "$O/ow"
sleep 60 3<"$O/lw/layerfs.work" 4<"$O/ow/work" &
holder=$!
expect_ok "$LAYERCTL" layer add perm-oldwork "$O/lower"
expect_ok "$LAYERCTL" mount --layers perm-oldwork --upper "$O/lu" --work "$O/lw" "$O/lm"
expect_ok mount -t overlay perm-oldwork-ovl \
	-o "lowerdir=$O/lower,upperdir=$O/ou,workdir=$O/ow" "$O/om"
# workstate DIR FD: mode and owner, entries, uid 2000's ls and touch in
# it, and where the holder's descriptor FD leads now (after DIR).
workstate() {
	stat -c '%A %u:%g' "$1"
	ls -A "$1"
	as 2000 ls -A "$1" 2>&1 | sed 's/.*: //'
	as 2000 touch "$1/x" 2>&1 | sed 's/.*: //'
	readlink "/proc/$holder/fd/$2" | sed "s|^$1||"
}
expect_eq "$(workstate "$O/ow/work" 4)" "d--------- 0:3000
Permission denied
Permission denied
 (deleted)" "overlayfs makes its old work directory anew: mode 0, root's, empty"
expect_eq "$(workstate "$O/lw/layerfs.work" 3)" "$(workstate "$O/ow/work" 4)" \
	"layerfs makes its old work directory anew as overlayfs does"
kill "$holder" 2>/dev/null
wait "$holder" 2>/dev/null
for m in om lm; do
	echo new >"$O/$m/f" || fail "$m: copy-up by write"
	if ! rm "$O/$m/g" || ! echo new >"$O/$m/g"; then
		fail "$m: g made again over a whiteout"
	fi
done
expect_eq "$(cat "$O/lu/f" "$O/ou/f" 2>&1)" "new
new" "both copy up through their new work directories"
expect_eq "$(stat -c '%u:%g' "$O/ou/g" "$O/lu/g" 2>&1)" "0:0
0:0" "a file made over a whiteout is the caller's, group too, on both"
expect_ok "$LAYERCTL" umount "$O/lm"
expect_ok umount "$O/om"
expect_ok "$LAYERCTL" layer rm perm-oldwork

# --- chmod narrows (and widens) what an ACL grants ----------------------------
# A chmod changes the ACL_MASK entry of an object with an ACL (the real
# filesystem's posix_acl_chmod()), which bounds what named users and groups
# get.  A view inode must not keep answering permission checks from an ACL
# it read before the chmod: uid 1001, named rw (rwx) in the ACL of a 0664
# file (0775 directory) of root's, writes (creates) once, which reads the
# ACL; root then chmods to 0644 (0755) through the mount, and uid 1001 must
# be refused, then chmods back to 0664 (0775), and uid 1001 must be let in.
M=$E/aclmask
mkdir -p "$M/lower/d" "$M/lu" "$M/lw" "$M/lm" "$M/ou" "$M/ow" "$M/om"
echo data >"$M/lower/f"
chmod 664 "$M/lower/f"
chmod 775 "$M/lower/d"
chmod 755 "$M/lower"
expect_ok setfacl -m u:1001:rw "$M/lower/f"
expect_ok setfacl -m u:1001:rwx "$M/lower/d"
expect_ok "$LAYERCTL" layer add perm-aclmask "$M/lower"
expect_ok "$LAYERCTL" mount --layers perm-aclmask --upper "$M/lu" --work "$M/lw" "$M/lm"
expect_ok mount -t overlay perm-aclmask-ovl \
	-o "lowerdir=$M/lower,upperdir=$M/ou,workdir=$M/ow" "$M/om"
chmod 755 "$M/lm" "$M/om"
for m in om lm; do
	expect_ok as 1001 sh -c "echo one >>'$M/$m/f'"
	expect_ok as 1001 touch "$M/$m/d/one"
	expect_ok chmod 644 "$M/$m/f"
	expect_ok chmod 755 "$M/$m/d"
	expect_fail 'Permission denied' as 1001 sh -c "echo two >>'$M/$m/f'"
	expect_fail 'Permission denied' as 1001 touch "$M/$m/d/two"
	expect_ok chmod 664 "$M/$m/f"
	expect_ok chmod 775 "$M/$m/d"
	expect_ok as 1001 sh -c "echo three >>'$M/$m/f'"
	expect_ok as 1001 touch "$M/$m/d/three"
done
expect_eq "$(cat "$M/lm/f")" "$(cat "$M/om/f")" "ACL mask: file contents layerfs = overlayfs"
expect_eq "$(ls "$M/lm/d")" "$(ls "$M/om/d")" "ACL mask: directory entries layerfs = overlayfs"
expect_ok "$LAYERCTL" umount "$M/lm"
expect_ok umount "$M/om"
expect_ok "$LAYERCTL" layer rm perm-aclmask

# --- immutable and append-only files of an indexed image --------------------
# A view of an indexed image makes the inode of a lower file from the
# index's stat record, without looking the file up (layerfs_lookup_lazy()),
# and the VFS checks append-only and immutable on that inode before it
# calls the filesystem (unlink, rename from and onto it, link, open for
# writing, truncate, chmod, utimes, setxattr):
# each must refuse there as it does in the walked view of the same image.
# Every operation gets a name nothing has looked up yet.
F=$E/fl
ops="unlink rename replace link write truncate chmod touch setxattr"
mkdir -p "$F" "$E/fiu" "$E/fiw" "$E/fi" "$E/fnu" "$E/fnw" "$E/fn"
for k in i a; do
	for op in $ops; do echo x >"$F/$k-$op"; done
done
if ! chattr +i "$F"/i-* || ! chattr +a "$F"/a-*; then
	fail "chattr +i / +a in the frozen layer"
fi
expect_ok "$LAYERCTL" layer add --frozen perm-frozen "$F"
expect_ok "$LAYERCTL" layer index perm-frozen -o "$E/fl.index"
expect_ok mount -t layerfs -o "image=perm-frozen,upper=$E/fiu,work=$E/fiw" ixv "$E/fi"
expect_ok mount -t layerfs -o "image=perm-frozen,noindex,upper=$E/fnu,work=$E/fnw" nov "$E/fn"
expect_match "$("$LAYERCTL" view ls --json)" '"indexed": *true' "the view of the frozen layer is indexed"
# Each operation on each file, as root: "KIND OP RESULT".
flagops() {
	# shellcheck disable=SC2086 # one argument per operation
	python3 - "$1" $ops <<'EOF'
import errno, os, sys
d = sys.argv[1]
for k in "ia":
    for op in sys.argv[2:]:
        p = "%s/%s-%s" % (d, k, op)
        try:
            if op == "unlink":
                os.unlink(p)
            elif op == "rename":
                os.rename(p, p + ".mv")
            elif op == "replace":
                open(p + ".new", "w").close()
                try:
                    os.rename(p + ".new", p)
                finally:
                    if os.path.lexists(p + ".new"):
                        os.unlink(p + ".new")
            elif op == "link":
                os.link(p, p + ".ln")
            elif op == "write":
                os.close(os.open(p, os.O_WRONLY))
            elif op == "truncate":
                os.truncate(p, 0)
            elif op == "chmod":
                os.chmod(p, 0o600)
            elif op == "touch":
                os.utime(p, None)
            elif op == "setxattr":
                os.setxattr(p, "user.t", b"v")
            r = "ok"
        except OSError as e:
            r = errno.errorcode.get(e.errno, str(e.errno))
        print(k, op, r)
EOF
}
flagops "$E/fn" >"$R/fn.flags" 2>&1
flagops "$E/fi" >"$R/fi.flags" 2>&1
expect_match "$(cat "$R/fn.flags")" 'i unlink EPERM' "walked view: an immutable file cannot be unlinked"
expect_same "$R/fn.flags" "$R/fi.flags" "immutable/append-only: indexed view = walked view"
expect_eq "$(find "$E/fi" -mindepth 1 | wc -l) $(find "$E/fn" -mindepth 1 | wc -l)" "18 18" "both views still show every file"
expect_eq "$(cd "$E/fiu" && find . | sort)" "$(cd "$E/fnu" && find . | sort)" \
	"the uppers of both views hold the same names (nothing copied up for a refused operation)"
umount "$E/fi" "$E/fn"
expect_ok "$LAYERCTL" layer rm perm-frozen
chattr -i "$F"/i-* 2>/dev/null
chattr -a "$F"/a-* 2>/dev/null

# --- append-only and immutable directories across copy-up -------------------
# overlayfs (5.15 on) keeps the append-only and immutable flags of a
# copied-up object in the xattr trusted.overlay.protattr, not in the real
# inode: a real immutable flag on the upper copy of a lower directory would
# refuse the copy-up of its children, so a writable file in an immutable
# lower directory could not be written through the view.  Lower: imd/
# immutable (a 0666 file w, a file u, an immutable file imf, a directory
# sub with a file f), apd/ append-only (w, u).  The same operations on both
# mounts (write w and sub/f; create, mkdir, unlink, rename in imd/; write
# imf; create and unlink in apd/; the flags each shows; chattr -i and +i of
# imf and imd through the mount) must give the same results, and again
# after both are mounted anew on their uppers; so must the real flags and
# the protattr xattrs of the uppers.  layerfs only, after that: a commit
# keeps the flags (a view of the committed layer refuses what the view
# did); a view mounted without CAP_LINUX_IMMUTABLE protects its copies as
# well (layerfs set the real flag once the copy was in place, and when
# that failed, left the copy unprotected); and a copy-up whose protattr
# does not fit in the upper (ENOSPC) is undone.
P=$E/pa
mkdir -p "$P/lower/imd/sub" "$P/lower/apd" "$P/lu" "$P/lw" "$P/lm" "$P/ou" "$P/ow" "$P/om"
for d in imd apd; do
	echo w >"$P/lower/$d/w" && chmod 666 "$P/lower/$d/w" && echo u >"$P/lower/$d/u" ||
		fail "lower/$d"
done
echo i >"$P/lower/imd/imf"
echo f >"$P/lower/imd/sub/f"
if ! chattr +i "$P/lower/imd/imf" "$P/lower/imd" || ! chattr +a "$P/lower/apd"; then
	fail "chattr +i / +a on the lower directories"
fi
# protops MNT KIND TAG: each operation of KIND (a: the first pass, b: the
# checks after it) as "KIND OP PATH [ARG] RESULT"; the names it creates in
# the b pass end in ".TAG", so that each b pass creates its own.
protops() {
	python3 - "$1" "$2" "$3" <<'PYEOF'
import errno, fcntl, os, struct, sys
d, phase, tag = sys.argv[1], sys.argv[2], sys.argv[3]
GET, SET = 0x80086601, 0x40086602      # FS_IOC_GETFLAGS, FS_IOC_SETFLAGS
A, I = 0x20, 0x10                      # FS_APPEND_FL, FS_IMMUTABLE_FL

def getflags(p):
    fd = os.open(p, os.O_RDONLY)
    try:
        return struct.unpack("i", fcntl.ioctl(fd, GET, b"\0" * 8)[:4])[0]
    finally:
        os.close(fd)

def do(op, rel, arg=None):
    p = os.path.join(d, rel)
    try:
        r = "ok"
        if op == "write":
            fd = os.open(p, os.O_WRONLY | os.O_APPEND)
            os.write(fd, b"x")
            os.close(fd)
        elif op == "create":
            if phase == "b":
                p += "." + tag
            os.close(os.open(p, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644))
        elif op == "mkdir":
            os.mkdir(p)
        elif op == "unlink":
            os.unlink(p)
        elif op == "rename":
            os.rename(p, p + ".mv")
        elif op == "flags":
            f = getflags(p)
            r = ("a" if f & A else "-") + ("i" if f & I else "-")
        elif op == "chattr":
            f = getflags(p)
            f = f | I if arg == "+i" else f & ~I
            fd = os.open(p, os.O_RDONLY)
            try:
                fcntl.ioctl(fd, SET, struct.pack("i", f) + b"\0" * 4)
            finally:
                os.close(fd)
        elif op == "read":
            with open(p) as f:
                r = "ok " + f.read().replace("\n", "|")
    except OSError as e:
        r = errno.errorcode.get(e.errno, str(e.errno))
    print(phase, op, rel, arg or "", r)

if phase == "a":
    do("write", "imd/w"); do("write", "imd/sub/f")
    do("create", "imd/new"); do("mkdir", "imd/nd")
    do("unlink", "imd/u"); do("rename", "imd/u"); do("write", "imd/imf")
    do("write", "apd/w"); do("create", "apd/new"); do("unlink", "apd/u")
    for p in ("imd", "imd/imf", "imd/w", "imd/sub", "apd", "apd/w"):
        do("flags", p)
    do("chattr", "imd/imf", "-i"); do("write", "imd/imf")
    do("chattr", "imd/imf", "+i"); do("write", "imd/imf")
    do("chattr", "imd", "-i"); do("create", "imd/new2")
    do("chattr", "imd", "+i"); do("create", "imd/new3")
    for p in ("imd", "imd/imf"):
        do("flags", p)
else:
    for p in ("imd", "imd/imf", "imd/w", "apd"):
        do("flags", p)
    do("write", "imd/w"); do("create", "imd/new"); do("unlink", "imd/w")
    do("mkdir", "imd/nd"); do("write", "imd/imf"); do("read", "imd/imf")
    do("create", "apd/new"); do("unlink", "apd/w"); do("read", "imd/w")
PYEOF
}
# upperflags UPPER: the real flags and protattr of the copied-up objects.
upperflags() {
	for f in imd imd/imf imd/w imd/sub apd apd/w; do
		printf '%s %s %s\n' "$f" "$(lsattr -d "$1/$f" 2>&1 | awk '{ print substr($1, 5, 2) }')" \
			"$(getfattr --only-values -n trusted.overlay.protattr "$1/$f" 2>/dev/null || echo none)"
	done
}
expect_ok "$LAYERCTL" layer add pa-lower "$P/lower"
pamount() {
	mount -t overlay pa-ovl -o "lowerdir=$P/lower,upperdir=$P/ou,workdir=$P/ow" "$P/om" ||
		fail "mount overlayfs on $P/om"
	"$LAYERCTL" mount --layers pa-lower --upper "$P/lu" --work "$P/lw" "$P/lm" ||
		fail "mount layerfs on $P/lm"
}
pamount
protops "$P/om" a - >"$R/pa.om.a" 2>&1
protops "$P/lm" a - >"$R/pa.lm.a" 2>&1
expect_match "$(cat "$R/pa.om.a")" '^a write imd/w  ok$' \
	"overlayfs: the writable file of an immutable directory can be written"
expect_same "$R/pa.om.a" "$R/pa.lm.a" "immutable/append-only directories: layerfs = overlayfs"
upperflags "$P/ou" >"$R/pa.ou.flags"
upperflags "$P/lu" >"$R/pa.lu.flags"
expect_same "$R/pa.ou.flags" "$R/pa.lu.flags" \
	"uppers' real flags and trusted.overlay.protattr: layerfs = overlayfs"
expect_match "$(cat "$R/pa.lu.flags")" '^imd -- i$' \
	"the upper copy of imd/ is not immutable itself, its protattr says it is"
# Mounted anew: the flags come back from the uppers.
umount "$P/om" "$P/lm" || fail "umount $P/om $P/lm"
pamount
protops "$P/om" b b >"$R/pa.om.b" 2>&1
protops "$P/lm" b b >"$R/pa.lm.b" 2>&1
expect_match "$(cat "$R/pa.lm.b")" '^b create imd/new  EPERM$' \
	"mounted anew: the copied-up immutable directory still refuses a new name"
expect_same "$R/pa.om.b" "$R/pa.lm.b" "mounted anew: layerfs = overlayfs"
umount "$P/om" || fail "umount $P/om"
# A commit: a view of the new layer still shows and enforces the flags.
expect_ok "$LAYERCTL" commit "$P/lm" pa-commit:1
mkdir -p "$P/cm"
expect_ok "$LAYERCTL" mount pa-commit:1 "$P/cm"
protops "$P/cm" b c >"$R/pa.cm.b" 2>&1
# (imd/w is one "x" longer: the b pass on the view wrote it before.)
sed 's/^\(b read imd\/w  ok w|xx\)$/\1x/' "$R/pa.lm.b" >"$R/pa.lm.c"
expect_same "$R/pa.lm.c" "$R/pa.cm.b" "a view of the committed layer: same flags, same refusals"
expect_ok "$LAYERCTL" umount "$P/cm"
expect_ok "$LAYERCTL" umount "$P/lm"
# Without CAP_LINUX_IMMUTABLE (the mounter's credentials do the copy-up):
# writing imd/w copies imd/ up, which must stay immutable, now and once
# mounted anew.
mkdir -p "$P/nu" "$P/nw" "$P/nm"
if setpriv --bounding-set -linux_immutable -- \
	mount -t layerfs -o "layers=pa-lower,upper=$P/nu,work=$P/nw" pa-nocap "$P/nm"; then
	protops "$P/nm" b n1 >"$R/pa.nm.b" 2>&1
	umount "$P/nm"
	mount -t layerfs -o "layers=pa-lower,upper=$P/nu,work=$P/nw" pa-nocap "$P/nm" ||
		fail "mount $P/nm again"
	protops "$P/nm" b n2 >"$R/pa.nm.b2" 2>&1
	umount "$P/nm"
	grep -v ' read ' "$R/pa.lm.b" >"$R/pa.lm.b.f"
	grep -v ' read ' "$R/pa.nm.b" >"$R/pa.nm.b.f"
	expect_same "$R/pa.lm.b.f" "$R/pa.nm.b.f" \
		"a view mounted without CAP_LINUX_IMMUTABLE: imd/ copied up, still immutable"
	grep -v ' read ' "$R/pa.nm.b2" >"$R/pa.nm.b2.f"
	expect_same "$R/pa.lm.b.f" "$R/pa.nm.b2.f" "...and once mounted anew"
else
	fail "mount layerfs without CAP_LINUX_IMMUTABLE"
fi
# A protattr that does not fit: xd/ immutable, with a user.* xattr so
# large that the copy's other xattrs (it and trusted.layerfs.origin) still
# fit on this filesystem but trusted.overlay.protattr does not.  Size found
# on a probe directory of the upper's filesystem, set in the same order.
# An ext4 of 128-byte inodes (no xattr in the inode) and 1 KiB blocks.
X=$P/x
mkdir -p "$X"
truncate -s 16M "$scratch/x128.img"
if ! mkfs.ext4 -q -F -I 128 -b 1024 "$scratch/x128.img" ||
   ! mount -o loop "$scratch/x128.img" "$X"; then
	echo "Bail out! cannot make and mount a small-inode ext4 image"
	exit 1
fi
n=
mkdir -p "$X/probe"
for s in $(seq 800 4 1000); do
	rmdir "$X/probe" && mkdir "$X/probe" || break
	v=$(head -c "$s" /dev/zero | tr '\0' v)
	setfattr -n user.big -v "$v" "$X/probe" 2>/dev/null || break
	setfattr -n trusted.layerfs.origin -v 0x00112233445566778899aabbccddeeff "$X/probe" 2>/dev/null ||
		break
	if ! setfattr -n trusted.overlay.protattr -v i "$X/probe" 2>/dev/null; then
		n=$s
		break
	fi
done
rmdir "$X/probe"
if [ -n "$n" ]; then
	mkdir -p "$P/xl/xd" "$X/xu" "$X/xw" "$P/xm"
	echo w >"$P/xl/xd/w"
	chmod 666 "$P/xl/xd/w"
	setfattr -n user.big -v "$(head -c "$n" /dev/zero | tr '\0' v)" "$P/xl/xd" &&
		chattr +i "$P/xl/xd" || fail "lower xd/"
	expect_ok "$LAYERCTL" layer add pa-xl "$P/xl"
	expect_ok mount -t layerfs -o "layers=pa-xl,upper=$X/xu,work=$X/xw" pa-xl "$P/xm"
	expect_fail 'No space left on device' sh -c "echo x >>'$P/xm/xd/w'"
	expect_eq "$(ls -A "$X/xu")" "" "the failed copy-up left nothing in the upper (user.big of $n bytes)"
	expect_eq "$(ls -A "$X/xw/layerfs.work" 2>&1)" "" "nor in the work directory"
	expect_fail 'Operation not permitted' touch "$P/xm/xd/new"
	expect_eq "$(lsattr -d "$P/xm/xd" | awk '{ print substr($1, 5, 1) }')" i \
		"xd/ is still immutable in the view"
	umount "$P/xm"
	expect_ok "$LAYERCTL" layer rm pa-xl
	chattr -i "$P/xl/xd"
else
	fail "no user.* xattr size leaves room for the origin but not for protattr"
fi
umount "$X"
expect_ok "$LAYERCTL" layer rm pa-commit:1
expect_ok "$LAYERCTL" layer rm pa-lower
chattr -i "$P/lower/imd/imf" "$P/lower/imd" 2>/dev/null
chattr -a "$P/lower/apd" 2>/dev/null

# --- a mounter without CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH --------------
# The mounter's credentials read the layers, so what they may not read must
# not be read for any caller: overlayfs checks them on every real directory
# it lists (ovl_path_open(), its half of the fix of CVE-2020-16120) and on
# every directory it searches.  Lower l0 has d/ (0700, uid 2000: such a
# mounter can neither read nor search it) below l1's d/ (0755).  Root, with
# every capability, lists d/ and reads d/pub and d/secret through overlayfs,
# a walked view and a view of the same image with an index (built by root,
# who could read it all), all read-only (overlayfs cannot make its work
# directory for such a mounter): the answers must be overlayfs's, which are
# written out here so that this cannot pass with the capabilities held.
D=$scratch/dac
mkdir -p "$D"/l0/d "$D"/l1/d "$D"/om "$D"/lm "$D"/im "$D"/fm
echo secret >"$D/l0/d/secret"
echo pub >"$D/l1/d/pub"
chown -R 2000:2000 "$D/l0/d"
chmod 600 "$D/l0/d/secret"
chmod 700 "$D/l0/d"
cp -a "$D/l0" "$D/i0"
cp -a "$D/l1" "$D/i1"
# dacops MNT: one line per operation, "ok ..." or the error's reason.
dacops() {
	for op in "ls $1/d" "cat $1/d/pub" "cat $1/d/secret"; do
		if out=$($op 2>&1); then
			echo "${op%% *} ${op##*/}: ok" $out
		else
			echo "${op%% *} ${op##*/}: ${out##*: }"
		fi
	done
}
nodac() { setpriv --bounding-set -dac_override,-dac_read_search -- "$@"; }
expect_ok nodac mount -t overlay -o "lowerdir=$D/l1:$D/l0" dac "$D/om"
dacops "$D/om" >"$D/o.out"
expect_eq "$(cat "$D/o.out")" "ls d: Permission denied
cat pub: ok pub
cat secret: Permission denied" "overlayfs mounted without DAC capabilities: refuses what its mounter cannot read"
expect_ok "$LAYERCTL" layer add dac-l0 "$D/l0"
expect_ok "$LAYERCTL" layer add dac-l1 "$D/l1" --parent dac-l0
expect_ok nodac mount -t layerfs -o layers=dac-l1:dac-l0 dac "$D/lm"
dacops "$D/lm" >"$D/l.out"
expect_same "$D/o.out" "$D/l.out" "a walked view mounted without DAC capabilities: as overlayfs"
expect_ok "$LAYERCTL" layer add --frozen dac-i0 "$D/i0"
expect_ok "$LAYERCTL" layer add --frozen dac-i1 "$D/i1" --parent dac-i0
expect_ok "$LAYERCTL" layer index dac-i1 -o "$D/i1.index"
expect_ok nodac mount -t layerfs -o image=dac-i1 dac "$D/im"
dacops "$D/im" >"$D/i.out"
expect_same "$D/o.out" "$D/i.out" "a view of an indexed image mounted without DAC capabilities: as overlayfs"
# It walks the layers: its index would answer for the mounter's search
# and read permissions on every lower directory without asking.  A mounter
# who may read everything uses the index.
expect_eq "$(view_indexed "$D/im")" false "...which does not use the index"
expect_match "$(grep " $D/im " /proc/mounts)" noindex "...and says so in its mount options"
expect_ok mount -t layerfs -o image=dac-i1 dac "$D/fm"
expect_eq "$(view_indexed "$D/fm")" true "a view of it mounted with them uses the index"
for m in om lm im fm; do expect_ok umount "$D/$m"; done
# A writable view, same mounter: a copy-up reads its source with the
# mounter's credentials, so it must not copy what they may not read
# (ovl_path_open() again, on overlayfs's copy-up source).  l0/nr is 0600,
# uid 2000, in a directory anyone may search.  Such a mounter can copy up
# only through a work directory it may write, and both overlayfs and a
# view make theirs anew at every mount, mode 0 (see "an old work directory
# is made anew" above): root, with every capability, opens the view's
# work/layerfs.work to its owner, the mounter, after the mount (0700).
# Root then changes nr's mode (setattr asks no read permission: a copy
# made so would then be read through the view), links it and renames it:
# each copies nr up, and each must fail as reading it does, leaving
# nothing behind.
echo not-readable >"$D/l0/nr"
chown 2000:2000 "$D/l0/nr"
chmod 600 "$D/l0/nr"
mkdir -p "$D/u" "$D/w" "$D/wm"
expect_ok nodac mount -t layerfs -o "layers=dac-l1:dac-l0,upper=$D/u,work=$D/w" dac "$D/wm"
expect_eq "$(stat -c '%a %u' "$D/w/layerfs.work" 2>&1)" "0 0" \
	"the view made its work directory: mode 0, the mounter's"
expect_ok chmod 700 "$D/w/layerfs.work"
for op in "chmod 644 $D/wm/nr" "cat $D/wm/nr" "ln $D/wm/nr $D/wm/nr2" \
	"mv $D/wm/nr $D/wm/nr3"; do
	if out=$($op 2>&1); then
		echo "${op%% *}: ok" $out
	else
		echo "${op%% *}: ${out##*: }"
	fi
done >"$D/cu.out"
expect_eq "$(cat "$D/cu.out")" "chmod: Permission denied
cat: Permission denied
ln: Permission denied
mv: Permission denied" \
	"a writable view mounted without DAC capabilities copies up nothing its mounter cannot read"
expect_eq "$(ls -A "$D/u" "$D/w/layerfs.work" 2>&1)" "$D/u:

$D/w/layerfs.work:" "...and leaves nothing in its upper and work directories"
expect_ok umount "$D/wm"
for l in dac-l1 dac-l0 dac-i1 dac-i0; do expect_ok "$LAYERCTL" layer rm "$l"; done

# --- control commands as an unprivileged user --------------------------------
before=$("$LAYERCTL" layer ls --json)
views=$("$LAYERCTL" view ls --json)
mkdir -p "$scratch/x" "$scratch/xm"
chmod 777 "$scratch/x" "$scratch/xm"
expect_fail 'Operation not permitted' as 1000 "$LAYERCTL" view ls
expect_fail 'Operation not permitted' as 1000 "$LAYERCTL" layer ls --json
expect_fail 'Operation not permitted' as 1000 "$LAYERCTL" layer add x "$scratch/x"
expect_fail 'Operation not permitted' as 1000 "$LAYERCTL" layer rm perm-lower
expect_fail 'Operation not permitted|Permission denied' \
	as 1000 "$LAYERCTL" mount perm-lower "$scratch/xm"
expect_fail 'Operation not permitted|Permission denied' \
	as 1000 "$LAYERCTL" umount "$E/lm"
# Root of a user namespace: CAP_SYS_ADMIN there is not enough.  The guest
# has user namespaces: unshare failing is a failure, and each refusal must
# come from the command run inside (its own "layerctl:"/"mount:" message),
# not from unshare.
expect_eq "$(unshare -Ur id -u 2>&1)" 0 "unshare -Ur works (uid 0 in a new user namespace)"
expect_fail '^layerctl: .*Operation not permitted' unshare -Ur "$LAYERCTL" layer ls
expect_fail '^layerctl: .*Operation not permitted' unshare -Ur "$LAYERCTL" layer add y "$scratch/x"
expect_fail '^mount: .*(Operation not permitted|permission denied|must be superuser)' \
	unshare -Urm mount -t layerfs -o layers=perm-lower y "$scratch/xm"

# An unprivileged user in its own user namespace cannot even open a layerfs
# fs context (fsopen(2) would autoload the module and let it queue up
# unaccounted layer= strings before FSCONFIG_CMD_CREATE checks anything):
# EPERM at fsopen, so no fsconfig(2) parameter is ever queued.  The probe
# prints where it runs, so that unshare failing cannot pass.
probe='
import ctypes, errno, os
libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
print("uid %d in userns (uid_map %s)" % (os.getuid(),
      " ".join(open("/proc/self/uid_map").read().split())))
fd = libc.syscall(430, b"layerfs", 0)            # fsopen
if fd < 0:
    print("fsopen: %s" % errno.errorcode.get(ctypes.get_errno(), "?"))
else:
    n = 0
    for i in range(64):                          # FSCONFIG_SET_STRING
        if libc.syscall(431, fd, 1, b"layer", b"probe%d" % i, 0) != 0:
            break
        n += 1
    print("fsopen: ok, fsconfig queued %d layer= strings" % n)
'
for u in 65534 1000; do
	out=$(as "$u" unshare -Urm /usr/bin/python3 -c "$probe" 2>&1)
	expect_eq "$out" "uid 0 in userns (uid_map 0 $u 1)
fsopen: EPERM" "uid $u in its own user namespace: fsopen(\"layerfs\") fails with EPERM"
done
expect_eq "$("$LAYERCTL" layer ls --json)" "$before" "registry unchanged"
expect_eq "$("$LAYERCTL" view ls --json)" "$views" "views unchanged"
expect_eq "$(awk -v m="$scratch/xm" '$2 == m' /proc/self/mounts)" "" "nothing mounted"

expect_ok "$LAYERCTL" umount "$E/lm"
expect_ok umount "$E/om"
expect_ok "$LAYERCTL" layer rm perm-lower
chattr -i "$E"/lower/imm/immutable-* 2>/dev/null
chattr -a "$E"/lower/imm/append-* 2>/dev/null
expect_ok umount "$E"
expect_ok unload_module
done_testing
