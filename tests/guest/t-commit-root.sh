#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# A commit keeps the view's root (issue 12, item 1).  In a writable view on
# ext4 (user.* xattrs and ACLs), the root is chmod'ed 1770, chown'ed
# 1000:1000, given a trusted.* and a user.* xattr, a POSIX access ACL and a
# default ACL, and a fixed mtime; then `layerctl commit`, twice.  Through
# the view, the root's mode, owner, group, mtime, xattrs and ACLs must be
# the same before and after each commit (each property its own check), and
# a read-only view of the committed image shows the same root.  Files below
# the root are covered by t-commit-core.sh's tree comparison.
# shellcheck source=lib.sh source-path=SCRIPTDIR
. "$(dirname "$0")/lib.sh"

load_module

E=$scratch/e
mount_ext4 "$E" 64M
mkdir -p "$E/base/etc" "$E/u" "$E/w" "$E/m" "$E/ro"
echo base >"$E/base/etc/os"
expect_ok "$LAYERCTL" layer add cr/base:1 "$E/base"
expect_ok "$LAYERCTL" mount --layers 'cr/base\:1' --upper "$E/u" --work "$E/w" \
	--name cr "$E/m"
M=$E/m

# The root's attributes, one property a line (names kept out of values).
attrs() {
	echo "mode $(stat -c %a "$1")"
	echo "owner $(stat -c %u:%g "$1")"
	echo "mtime $(stat -c %.9Y "$1")"
	echo "xattrs $(getfattr --absolute-names -h -d -m - -e hex "$1" 2>&1 |
		grep -v '^#' | grep -v '^$' | sort | paste -s -d ' ')"
	echo "acl $(getfacl -n -p "$1" 2>&1 | grep -v '^#' | grep -v '^$' | paste -s -d ' ')"
}
# Compare property $2 of snapshots $1 (before) and $3 (after).
same() {
	expect_eq "$(grep "^$2 " "$3")" "$(grep "^$2 " "$1")" "$4: root $2 unchanged"
}

echo hello >"$M/hello"	# something to commit
expect_ok chmod 1770 "$M"
expect_ok chown 1000:1000 "$M"
expect_ok setfattr -n trusted.cr -v tvalue "$M"
expect_ok setfattr -n user.cr -v uvalue "$M"
expect_ok setfacl -m u:1001:rwx,g:1002:rx "$M"
expect_ok setfacl -d -m u:1001:rx "$M"
expect_ok touch -m -d '2020-01-02 03:04:05.123456789' "$M"
attrs "$M" >"$scratch/before"
diag "root before the commit:"
sed 's/^/#   /' "$scratch/before"
# The set-up took effect (else the comparisons below prove nothing).
expect_eq "$(grep '^mode ' "$scratch/before")" "mode 1770" "root mode set to 1770"
expect_eq "$(grep '^owner ' "$scratch/before")" "owner 1000:1000" "root owner set to 1000:1000"
expect_match "$(cat "$scratch/before")" '^xattrs .*trusted\.cr=0x747661' "root trusted.cr set"
expect_match "$(cat "$scratch/before")" '^xattrs .*user\.cr=0x757661' "root user.cr set"
expect_match "$(cat "$scratch/before")" '^acl .*user:1001:rwx.*default:user:1001:r-x' \
	"root access and default ACLs set"

expect_ok "$LAYERCTL" commit "$M" cr/img:1
attrs "$M" >"$scratch/after1"
for p in mode owner mtime xattrs acl; do
	same "$scratch/before" "$p" "$scratch/after1" "first commit"
done

echo again >"$M/again"	# the root's mtime changes with this: take it anew
attrs "$M" >"$scratch/before2"
expect_ok "$LAYERCTL" commit "$M" cr/img:2
attrs "$M" >"$scratch/after2"
for p in mode owner mtime xattrs acl; do
	same "$scratch/before2" "$p" "$scratch/after2" "second commit"
done

# A new read-only view of the committed image has the same root.
expect_ok "$LAYERCTL" mount --ro cr/img:2 "$E/ro"
attrs "$E/ro" >"$scratch/ro"
for p in mode owner mtime xattrs acl; do
	same "$scratch/before2" "$p" "$scratch/ro" "view of the committed image"
done
expect_eq "$(cat "$E/ro/hello" "$E/ro/again" 2>&1)" "hello
again" "the committed image has the files"

expect_ok "$LAYERCTL" umount "$E/ro"
expect_ok "$LAYERCTL" umount "$M"
expect_ok "$LAYERCTL" layer rm cr/img:2
expect_ok "$LAYERCTL" layer rm cr/img:1
expect_ok "$LAYERCTL" layer rm cr/base:1
expect_ok umount "$E"
expect_ok unload_module
done_testing
