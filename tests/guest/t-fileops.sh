#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# File operations, differentially: fsync/fdatasync/syncfs, posix_fallocate
# and fallocate (KEEP_SIZE, PUNCH_HOLE), SEEK_DATA/SEEK_HOLE on a sparse
# file before and after copy-up, O_DIRECT, splice, copy_file_range,
# sendfile, POSIX locks and flock from two processes, mmap MAP_SHARED,
# statfs (the view reports its upper's values), st_dev/st_ino across
# copy-up, ftruncate, O_APPEND, pread/pwrite past EOF, and the lazy real
# open of read-only descriptors (each operation above, fadvise, llseek,
# ioctls and close as a descriptor's first use; a descriptor opened before
# another one's write copies the file up; two threads' first reads at
# once, and racing a copy-up; a first read by a process that has dropped
# to uid 65534, of a mode 0600 file; a first read after the name is
# unlinked or renamed) -- each on a lower
# file (so copy-up is involved) and on an upper file, on an overlayfs mount
# and on a layerfs view of the same two lower directories, each with its
# own upper; results (return values, errno, resulting data) must match.
# Two pairs: uppers on the tmpfs scratch, and uppers on ext4 on a loop
# device (so O_DIRECT can succeed).  The cases are in fileops.py, run in
# one python3 process (FILEOPS_VERBOSE=1 prints every result).
# shellcheck source=lib.sh source-path=SCRIPTDIR
. "$(dirname "$0")/lib.sh"

PY=/usr/bin/python3
HELPER=$ROOT/tests/guest/fileops.py
modprobe overlay || { echo "Bail out! no overlayfs"; exit 1; }
load_module

s=$scratch
mkdir -p "$s/l1" "$s/l2" "$s/tmp" "$s/u1" "$s/w1" "$s/u2" "$s/w2" "$s/m1" "$s/m2"
$PY "$HELPER" mkfixture "$s/l1" "$s/l2" || { echo "Bail out! fixture"; exit 1; }
# A frozen, indexed chain: the views below look names up in the index.
expect_ok "$LAYERCTL" layer add --frozen fops2 "$s/l2"
expect_ok "$LAYERCTL" layer add --frozen fops1 "$s/l1" --parent fops2
expect_ok "$LAYERCTL" layer index fops1 -o "$s/fops1.index"

expect_ok mount -t overlay o -o "lowerdir=$s/l1:$s/l2,upperdir=$s/u1,workdir=$s/w1" "$s/m1"
expect_ok mount -t layerfs -o "layers=fops1:fops2,upper=$s/u2,work=$s/w2" v "$s/m2"
expect_match "$("$LAYERCTL" view ls --json)" '"indexed":true' "the layerfs view is indexed"
pairs="tmpfs-upper:$s/m1:$s/m2:$s/u1:$s/u2"

# The same on an ext4 upper (loop device on a file of the scratch tmpfs).
modprobe loop 2>/dev/null
dev=
e=$s/ext4
mkdir -p "$e" "$s/m3" "$s/m4"
truncate -s 128M "$s/ext4.img"
if ! mkfs.ext4 -q -F -E lazy_itable_init=0,lazy_journal_init=0 "$s/ext4.img" >"$s/mkfs.out" 2>&1; then
	skip "ext4 upper" "mkfs.ext4 failed: $(cat "$s/mkfs.out")"
elif ! dev=$(losetup -f --show "$s/ext4.img" 2>"$s/losetup.err"); then
	dev=
	skip "ext4 upper" "no loop device: $(cat "$s/losetup.err")"
elif expect_ok mount -t ext4 "$dev" "$e"; then
	mkdir -p "$e/u3" "$e/w3" "$e/u4" "$e/w4"
	expect_ok mount -t overlay o -o "lowerdir=$s/l1:$s/l2,upperdir=$e/u3,workdir=$e/w3" "$s/m3" &&
		expect_ok mount -t layerfs -o "layers=fops1:fops2,upper=$e/u4,work=$e/w4" v "$s/m4" &&
		pairs="$pairs ext4-upper:$s/m3:$s/m4:$e/u3:$e/u4"
fi

start=$(date +%s)
# shellcheck disable=SC2086 # $pairs is a list
$PY "$HELPER" run "$s/tmp" $pairs >"$s/out" 2>&1
rc=$?
relay_checks "$s/out"
expect_eq "$rc" 0 "fileops.py exit status"
diag "time: $(($(date +%s) - start)) s"

for m in m4 m3 m2 m1; do
	if grep -q " $s/$m " /proc/mounts; then
		expect_ok umount "$s/$m"
	fi
done
if [ -n "$dev" ]; then
	grep -q " $e " /proc/mounts && expect_ok umount "$e"
	expect_ok losetup -d "$dev"
fi
expect_ok "$LAYERCTL" layer rm fops1
expect_ok "$LAYERCTL" layer rm fops2
expect_ok unload_module
done_testing
