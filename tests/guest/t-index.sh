#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Flattened indexes (kernel/index.c, LAYERFS_CMD_LAYER_INDEX):
#  - a random chain of 64 frozen layers (whiteouts, opaque directories,
#    directories replaced by files and back) gets an index; a view of it
#    reports itself indexed, and shows exactly what a noindex view of the
#    same chain shows (names, d_type, stat, contents, st_ino and d_ino,
#    absent names) and what overlayfs shows for the same 64 directories;
#    an index of a layer in the middle of the chain likewise;
#  - store commits index the committed layers by themselves, and a view
#    of a committed image is indexed;
#  - hostile or wrong index files are refused with a clear reason and
#    change nothing: a flipped byte (checksum), an index of another chain,
#    of a layer that is not frozen, a file open for writing; the file of
#    an attached index cannot be opened for writing; a second index is
#    refused;
#  - 150 random corruptions with a valid checksum (nlindex.py corrupt: 1-3
#    bytes of one section), each offered to a chain the unmutated index
#    fits and that has no index (hl15 removed and added again over the same
#    directory), so that only the structure checks can refuse them.  By
#    the fields the bytes fall in:
#      structural (the header; the directory table and its padding; the
#        padding of the names area; a layer record's flags, reserved field
#        and a store key that is no longer one; an entry's name offset and
#        length, child directory, handle length, type (its stat record
#        holds it too), flags against the rules, layers outside its own
#        rules; a name given a '/' or NUL; a stat record's file type,
#        link count 0, reserved fields, nanoseconds): refused, EINVAL "bad
#        index: <rule>";
#      identity (a layer's directory inode, device, generation): refused,
#        ESTALE, or EINVAL where a rule breaks too;
#      free-form, which may be accepted or refused by a rule (EINVAL):
#        file handle bytes and types, store key digits: the view is the
#        walked view, inode numbers and d_ino included (a wrong handle is
#        checked, then the path walked);
#        inode numbers, the origin flag (an object whose number is not
#        the index's gives EIO), names, a directory's layers or opaque
#        flag, a stat record's
#        other values (stat answers from it): the view's whole tree lists,
#        looks up, stats and reads, each name giving its object or an
#        error (run.sh checks the kernel log: no oops or warning);
#    a kernel whose validator lacks one of its checks fails this;
#  - an index whose file handles all name other files is accepted and the
#    view is still right (handles are checked hints);
#  - a layer edited behind its index's back (files moved out of it and
#    rewritten, replaced, deleted, linked elsewhere), on tmpfs and on ext4
#    with cold caches: a handle never brings in a file from outside the
#    layer, a name the layer no longer matches is EIO (no oops), the rest
#    reads as in overlayfs;
#  - a layer added in place, removed, changed and added again gets a new
#    index (the store's old one would be accepted by the kernel and show
#    the old tree), and a commit over it is indexed over the new one;
#  - stat(2) of a lower file is answered from the index's stat record
#    until the file is looked up for something else (its access time, the
#    one attribute that can drift, shows which), then from the file.
#    (compare's stat fields above: mode, owner, times, size, blocks.)
#  - a layer with a filesystem mounted on one of its directories and a
#    file bound over one of its files: its index and its export show what
#    the kernel's lookups (which do not cross mount points) and the walked
#    view show.
# guest-timeout: 900
# shellcheck source=lib.sh source-path=SCRIPTDIR
. "$(dirname "$0")/lib.sh"

PY=$ROOT/tests/guest/index_tree.py
NL=$ROOT/tests/guest/nlindex.py
modprobe overlay || { echo "Bail out! no overlayfs"; exit 1; }
load_module

d=$scratch
N=64

# --- a deep random chain ------------------------------------------------
expect_ok python3 "$PY" gen "$d/c" $N 7
{
	echo "layer add --frozen lay0 $d/c/l0"
	i=1
	while [ $i -lt $N ]; do
		echo "layer add --frozen lay$i $d/c/l$i --parent lay$((i - 1))"
		i=$((i + 1))
	done
} >"$d/batch"
# No store yet: the layers are not indexed by themselves.
expect_ok "$LAYERCTL" --batch "$d/batch"
top=lay$((N - 1))
out=$("$LAYERCTL" layer show "$top")
expect_match "$out" 'flags: +frozen$' "a frozen layer without a store has no index yet"

expect_ok "$LAYERCTL" layer index "$top" -o "$d/top.index"
out=$("$LAYERCTL" layer show "$top")
expect_match "$out" 'flags: +frozen,indexed' "layer index gives the layer an index"
expect_ok "$LAYERCTL" layer index "$top" -o "$d/top.index"

lowers=
i=0
while [ $i -lt $N ]; do
	lowers=$d/c/l$i${lowers:+:$lowers}
	i=$((i + 1))
done
mkdir -p "$d/ix" "$d/noix" "$d/ovl"
expect_ok mount -t layerfs -o "image=$top" deep "$d/ix"
expect_ok mount -t layerfs -o "image=$top,noindex" deep "$d/noix"
expect_ok mount -t overlay -o "lowerdir=$lowers" ovl "$d/ovl"
expect_eq "$(view_indexed "$d/ix")" true "a view of the indexed image uses the index"
expect_eq "$(view_indexed "$d/noix")" false "a view mounted noindex does not"
expect_match "$(grep " $d/noix " /proc/mounts)" 'noindex' "noindex shows in the mount options"

expect_eq "$(ls -A "$d/ix" | wc -l)" "$(ls -A "$d/ovl" | wc -l)" "the indexed view's root lists what overlayfs's does"
expect_ok test "$(ls -A "$d/ovl" | wc -l)" -gt 3
out=$(python3 "$PY" compare "$d/ix" "$d/noix" --ino 2>&1)
rc=$?
diag "$(printf '%s\n' "$out" | tail -n 1)"
expect_eq "$rc" 0 "indexed view = walked view of 64 layers (names, stat, ino, d_ino, absent names)" \
	"$out"
out=$(python3 "$PY" compare "$d/ix" "$d/ovl" 2>&1)
expect_eq "$?" 0 "indexed view = overlayfs of the same 64 layers" "$out"

# The index is built for the chain it names: a view of the middle layer
# has none, until that layer gets its own.
mid=lay$((N / 2))
mkdir -p "$d/mid" "$d/midovl"
expect_ok "$LAYERCTL" layer index "$mid" -o "$d/mid.index"
expect_ok mount -t layerfs -o "image=$mid" mid "$d/mid"
expect_eq "$(view_indexed "$d/mid")" true "a view of the middle layer uses its index"
mlowers=
i=0
while [ $i -le $((N / 2)) ]; do
	mlowers=$d/c/l$i${mlowers:+:$mlowers}
	i=$((i + 1))
done
expect_ok mount -t overlay -o "lowerdir=$mlowers" ovl "$d/midovl"
out=$(python3 "$PY" compare "$d/mid" "$d/midovl" 2>&1)
expect_eq "$?" 0 "index of a middle layer = overlayfs of its 33 layers" "$out"
umount "$d/mid" "$d/midovl"

# An explicit stack that is not the image (a layer left out) walks.
mkdir -p "$d/part"
expect_ok mount -t layerfs -o "layers=$top:lay$((N - 3))" part "$d/part"
expect_eq "$(view_indexed "$d/part")" false "a stack other than the image does not use the index"
umount "$d/part"

# --- stat records ----------------------------------------------------------
# Each file's access time is set in its layer after the index was built
# (as reads elsewhere would): a view shows the recorded time until the
# file is looked up in its layer (an xattr read here), then the file's.
mkdir -p "$d/sr/l0" "$d/sr/l1" "$d/sr/u" "$d/sr/w" "$d/srv"
echo base >"$d/sr/l0/f"
ln -s f "$d/sr/l0/s"
mkfifo "$d/sr/l0/p"
echo top >"$d/sr/l1/g"
touch -a -d '2020-02-02 02:02:02' "$d/sr/l0/f" "$d/sr/l1/g"
expect_ok "$LAYERCTL" layer add --frozen sr0 "$d/sr/l0"
expect_ok "$LAYERCTL" layer add --frozen sr1 "$d/sr/l1" --parent sr0
expect_ok "$LAYERCTL" layer index sr1 -o "$d/sr1.index"
touch -a -d '2001-01-01 01:01:01' "$d/sr/l0/f" "$d/sr/l1/g"
expect_ok mount -t layerfs -o "image=sr1,upper=$d/sr/u,work=$d/sr/w" sr "$d/srv"
expect_eq "$(view_indexed "$d/srv")" true "the stat-record view is indexed"
expect_eq "$(stat -c %X "$d/srv/f") $(stat -c %X "$d/srv/g")" \
	"$(date -d '2020-02-02 02:02:02' +%s) $(date -d '2020-02-02 02:02:02' +%s)" \
	"stat of a lower file is the index's record (the recorded access time)"
expect_eq "$(stat -c '%s %Y %a %h %u' "$d/srv/f")" \
	"$(stat -c '%s %Y %a %h %u' "$d/sr/l0/f")" "...which has the file's size, mtime, mode, links, owner"
expect_eq "$(readlink "$d/srv/s")" f "a symlink known by its record reads its target"
expect_eq "$(stat -c %F "$d/srv/p")" fifo "a fifo known by its record is a fifo"
expect_ok python3 -c 'import os, sys; os.listxattr(sys.argv[1])' "$d/srv/f"
expect_eq "$(stat -c %X "$d/srv/f")" "$(date -d '2001-01-01 01:01:01' +%s)" \
	"after an xattr read the view shows the file's own access time"
expect_eq "$(stat -c %X "$d/srv/g")" "$(date -d '2020-02-02 02:02:02' +%s)" \
	"...and only that file's"
expect_ok chmod 600 "$d/srv/g"
expect_eq "$(stat -c %a "$d/srv/g"):$(cat "$d/srv/g")" "600:top" \
	"chmod of a file known by its record copies it up"
expect_eq "$(stat -c %a "$d/sr/l1/g")" 644 "...and leaves its layer alone"
umount "$d/srv"

# --- mounts inside a layer directory ----------------------------------------
# The kernel looks names up in a layer without crossing mount points (as
# overlayfs does in its layers): a filesystem mounted on a directory of
# the layer, or a file bound over one of its files, is not part of it.
# The index must show the tree the walk shows: the names and files below
# the mounts, not the mounted ones.
mkdir -p "$d/mp/l0/sub" "$d/mpv" "$d/mpno"
echo under >"$d/mp/l0/sub/under"
echo file >"$d/mp/l0/f"
echo other-file >"$d/mp/other"
expect_ok mount -t tmpfs mpfs "$d/mp/l0/sub"
echo over >"$d/mp/l0/sub/over"
expect_ok mount --bind "$d/mp/other" "$d/mp/l0/f"
expect_ok "$LAYERCTL" layer add --frozen mp0 "$d/mp/l0"
expect_ok "$LAYERCTL" layer index mp0 -o "$d/mp0.index"
expect_ok mount -t layerfs -o image=mp0 mp "$d/mpv"
expect_ok mount -t layerfs -o image=mp0,noindex mpno "$d/mpno"
expect_eq "$(view_indexed "$d/mpv")" true "the view of a layer with mounts inside it is indexed"
expect_eq "$(ls "$d/mpv/sub" | tr '\n' ' ')" "under " \
	"its index lists the directory below a mount, not the mounted filesystem"
expect_eq "$(stat -c %s "$d/mpv/f"):$(cat "$d/mpv/f" "$d/mpv/sub/under" 2>&1 | tr '\n' ' ')" \
	"5:file under " "...and gives the files below the mounts, not the mounted ones"
out=$(python3 "$PY" compare "$d/mpv" "$d/mpno" --ino 2>&1)
expect_eq "$?" 0 "...as the walked view does" "$out"
# export (and so save and push) gives the layer as views show it too.
expect_ok "$LAYERCTL" export mp0 -o "$d/mp0.tar"
expect_eq "$(tar -tf "$d/mp0.tar" | sort | tr '\n' ' '):$(tar -xOf "$d/mp0.tar" f)" \
	"f sub/ sub/under :file" "export of the layer holds what is below the mounts"
umount "$d/mpv" "$d/mpno" "$d/mp/l0/f" "$d/mp/l0/sub"

# --- hostile and wrong index files ---------------------------------------
# The file of an attached index cannot be written, by anyone.
expect_fail 'Text file busy' sh -c "echo x >> '$d/top.index'"
out=$(python3 "$NL" give "$top" "$d/top.index")
expect_match "$out" '^ERR EEXIST .*already has an index' "a second index is refused (EEXIST)"

# A chain of 16 of its own (copies: a directory is one layer only).
mkdir -p "$d/h"
i=0
while [ $i -lt 16 ]; do
	cp -a "$d/c/l$i" "$d/h/l$i"
	if [ $i = 0 ]; then
		echo "layer add --frozen hl0 $d/h/l0"
	else
		echo "layer add --frozen hl$i $d/h/l$i --parent hl$((i - 1))"
	fi
	i=$((i + 1))
done >"$d/hbatch"
expect_ok "$LAYERCTL" --batch "$d/hbatch"
expect_ok "$LAYERCTL" layer index hl15 -o "$d/h15.ref"
# A copy is a good index of hl15's chain in a file nobody holds.
cp "$d/h15.ref" "$d/h15.copy"

out=$(python3 "$NL" give hl14 "$d/h15.copy")
expect_match "$out" '^ERR ESTALE .*index is for 16 layers, the image has 15' \
	"an index of another chain is refused (ESTALE)"
python3 "$NL" crcflip "$d/h15.copy" "$d/bad.crc"
out=$(python3 "$NL" give hl14 "$d/bad.crc")
expect_match "$out" '^ERR EINVAL bad index: ' "a flipped byte is refused (EINVAL, with the rule)"
out=$(python3 "$NL" give hl12 "$d/h15.copy" --rw)
expect_match "$out" '^ERR ETXTBSY .*open for writing' "a file open for writing is refused (ETXTBSY)"
out=$(python3 "$NL" give hl12 "$d/h15.copy" --closed)
expect_match "$out" '^ERR EBADF .*not an open file descriptor' "a closed descriptor is refused (EBADF)"
out=$(python3 "$NL" give hl12 "$d/h15.copy" --wronly)
expect_match "$out" '^ERR EINVAL .*regular file open for reading' "a descriptor open for writing only is refused (EINVAL)"
out=$(python3 "$NL" give hl12 "$d/h")
expect_match "$out" '^ERR EINVAL .*regular file open for reading' "a directory is refused (EINVAL)"

mkdir -p "$d/soft"
expect_ok "$LAYERCTL" layer add soft "$d/soft" --parent hl15
expect_fail 'not frozen' "$LAYERCTL" layer index soft -o "$d/soft.index"
out=$(python3 "$NL" give soft "$d/h15.copy")
expect_match "$out" '^ERR E' "the kernel refuses an index for a layer that is not frozen"
out=$("$LAYERCTL" layer show hl14)
expect_match "$out" 'flags: +frozen$' "refused indexes left nothing behind"
out=$(python3 "$NL" give hl15 "$d/h15.copy")
expect_match "$out" '^ERR EEXIST' "hl15 kept its own index"

# Random corruptions (classes: the header comment), each offered to hl15
# without an index: hl15 removed and added again over the same directory,
# as its index's layer table still names it.
# shellcheck disable=SC2317 # called through expect_ok
fresh_hl15() {
	"$LAYERCTL" layer rm hl15 >/dev/null &&
		"$LAYERCTL" layer add --frozen hl15 "$d/h/l15" --parent hl14 >/dev/null
}

mkdir -p "$d/mi" "$d/mn"
expect_ok "$LAYERCTL" layer rm soft
expect_ok fresh_hl15
expect_eq "$(python3 "$NL" give hl15 "$d/h15.copy")" OK \
	"the unmutated index fits hl15 added again over the same directory"
expect_ok fresh_hl15
# One process for the 150 seeds: it offers each corruption, checks the
# view of each accepted one of a free class (nlindex.py corrupt: "OK", or
# "OK, but the view: WHAT") and adds hl15 again after it.
# It runs in the background, beside the sections below (the guest has two
# CPUs; alone it was some 40% of this test's time), and its checks are
# made before the tear-down.  It touches only hl15, $d/mi and $d/mn, which
# nothing below uses, and its layerctl has a store of its own that is
# never made: hl15 added again must stay without an index (layer add
# indexes a frozen layer when there is a store, and the commits below
# make this test's).  Its free-exact seeds drop the caches: no check
# below depends on what is cached (the stat records above do, so it
# cannot start before them).
t0=$(date +%s)
(
	LAYERFS_STORE=$d/corrupt-store python3 "$NL" corrupt "$d/h15.copy" \
		"$d/mut.index" hl15 150 "$LAYERCTL" "$d/h/l15" hl14 "$d/mi" "$d/mn" \
		>"$d/muts" 2>"$d/muts.err"
	echo $(($(date +%s) - t0)) >"$d/muts.secs"
) &
corrupt_pid=$!

# File handles are hints: an index whose handles each name another file
# of the layer's filesystem (a valid index, with its CRC) is accepted, and
# the view it gives still shows every file as the walked view does: the
# kernel checks what a handle gives (type, inode number) and walks the
# path instead.
# Each layer has a file and a symlink in d/e, merged across all eight:
# every one below the top is reached by its handle.
i=0
while [ $i -lt 8 ]; do
	mkdir -p "$d/s/l$i/d/e"
	echo "$i" >"$d/s/l$i/d/e/f$i"
	ln -s "t$i" "$d/s/l$i/d/e/s$i"
	if [ $i = 0 ]; then
		echo "layer add --frozen hs0 $d/s/l0"
	else
		echo "layer add --frozen hs$i $d/s/l$i --parent hs$((i - 1))"
	fi
	i=$((i + 1))
done >"$d/sbatch"
expect_ok "$LAYERCTL" --batch "$d/sbatch"
expect_ok "$LAYERCTL" layer index hs7 -o "$d/hs.ref"
i=7
while [ $i -ge 0 ]; do
	"$LAYERCTL" layer rm "hs$i" || fail "layer rm hs$i"
	i=$((i - 1))
done
expect_ok "$LAYERCTL" --batch "$d/sbatch"
n=$(python3 "$NL" handleswap "$d/hs.ref" "$d/hs.swapped")
expect_eq "$n" 16 "every file and symlink has a handle, moved to another"
out=$(python3 "$NL" give hs7 "$d/hs.swapped")
expect_eq "$out" OK "an index with every handle wrong is accepted (handles are hints)"
mkdir -p "$d/sw" "$d/swno"
expect_ok mount -t layerfs -o image=hs7 sw "$d/sw"
expect_ok mount -t layerfs -o image=hs7,noindex swno "$d/swno"
expect_eq "$(view_indexed "$d/sw")" true "the view uses that index"
echo 3 >/proc/sys/vm/drop_caches
out=$(python3 "$PY" compare "$d/sw" "$d/swno" --ino 2>&1)
expect_eq "$?" 0 "wrong handles: the view is still the walked view (names, stat, ino, d_ino)" "$out"
expect_eq "$(cat "$d/sw/d/e/f3")" 3 "... and each file's contents its own"
umount "$d/sw" "$d/swno"

# A handle names its object wherever that object is linked now, not where
# it was when the index was built.  A frozen layer edited behind its
# index's back (as root on the backing filesystem: a file moved out of the
# layer and then rewritten, a file moved out and replaced by another)
# must not make a view show an object that is no longer in the layer:
# the name the index has is then an EIO (the walk finds nothing, or
# another object), never the outside file's contents.  A file deleted from
# the layer is an EIO too (its handle is stale and the walk finds
# nothing).  A file that is still in the layer and has gained a link
# elsewhere is still shown.  On
# the scratch tmpfs (its dentries are always connected) and on ext4 with
# the caches dropped after the edit (decoding gives a disconnected dentry).
# Layer $1-m0 holds d/e/{moved,replaced,linked,kept,gone}, $1-m1 has d/e too,
# so each of them is below its directory's topmost layer: the first open
# reaches it by its handle.
handle_confined() {
	b=$2
	mkdir -p "$b/l0/d/e" "$b/l1/d/e" "$b/out" "$b/ix" "$b/noix" "$b/ovl"
	for f in moved replaced linked kept gone; do
		echo "$f" >"$b/l0/d/e/$f"
	done
	echo top >"$b/l1/d/e/top"
	expect_ok "$LAYERCTL" layer add --frozen "$1-m0" "$b/l0"
	expect_ok "$LAYERCTL" layer add --frozen "$1-m1" "$b/l1" --parent "$1-m0"
	expect_ok "$LAYERCTL" layer index "$1-m1" -o "$b/m1.index"
	mv "$b/l0/d/e/moved" "$b/out/moved"
	echo OUTSIDE >"$b/out/moved"	# the same inode, rewritten
	mv "$b/l0/d/e/replaced" "$b/out/replaced"
	echo OUTSIDE >"$b/out/replaced"
	echo new >"$b/l0/d/e/replaced"
	ln "$b/l0/d/e/linked" "$b/out/linked"
	rm "$b/l0/d/e/gone"
	[ "$1" = tmpfs ] || { sync; echo 3 >/proc/sys/vm/drop_caches; }
	expect_ok mount -t layerfs -o "image=$1-m1" hc "$b/ix"
	expect_ok mount -t layerfs -o "image=$1-m1,noindex" hcno "$b/noix"
	expect_ok mount -t overlay -o "lowerdir=$b/l1:$b/l0" hcovl "$b/ovl"
	expect_eq "$(view_indexed "$b/ix")" true "$1: the view of the edited layer uses its index"
	for f in moved replaced; do
		out=$(cat "$b/ix/d/e/$f" 2>&1)
		expect_eq "$out" "cat: $b/ix/d/e/$f: Input/output error" \
			"$1: a file moved out of its layer is EIO, not the outside file ($f)"
	done
	for f in replaced linked kept top; do
		expect_eq "$(cat "$b/noix/d/e/$f")" "$(cat "$b/ovl/d/e/$f")" \
			"$1: the walked view shows $f as overlayfs does"
	done
	for f in linked kept top; do
		expect_eq "$(cat "$b/ix/d/e/$f")" "$(cat "$b/ovl/d/e/$f")" \
			"$1: the indexed view shows $f as overlayfs does"
	done
	expect_ok test ! -e "$b/ovl/d/e/moved"
	expect_ok test ! -e "$b/ovl/d/e/gone"
	out=$(cat "$b/ix/d/e/gone" 2>&1)
	expect_eq "$out" "cat: $b/ix/d/e/gone: Input/output error" \
		"$1: a file deleted from its layer is EIO"
	umount "$b/ix" "$b/noix" "$b/ovl"
	expect_ok "$LAYERCTL" layer rm "$1-m1"
	expect_ok "$LAYERCTL" layer rm "$1-m0"
}
handle_confined tmpfs "$d/hc"
mount_ext4 "$d/hce" 64M
handle_confined ext4 "$d/hce"
umount "$d/hce"

# --- store commits index their layers --------------------------------------
umount "$d/ix" "$d/noix" "$d/ovl"
mkdir -p "$d/base" "$d/cv"
echo base >"$d/base/f"
expect_ok "$LAYERCTL" layer add --frozen cbase "$d/base"
expect_ok "$LAYERCTL" mount cbase "$d/cv"
i=1
while [ $i -le 4 ]; do
	echo "$i" >"$d/cv/f$i"
	rm -f "$d/cv/f$((i - 1))"
	expect_ok "$LAYERCTL" commit "$d/cv" "cimg:$i"
	i=$((i + 1))
done
out=$("$LAYERCTL" layer show cimg:4)
expect_match "$out" 'flags: +frozen,indexed' "a committed layer is indexed by the commit"
n=$(find "$LAYERFS_STORE/layers" -name index | wc -l)
expect_eq "$n" 4 "each committed layer has an index in the store"
mkdir -p "$d/cimg"
expect_ok mount -t layerfs -o image=cimg:4 cimg "$d/cimg"
expect_eq "$(view_indexed "$d/cimg")" true "a view of the committed image is indexed"
expect_eq "$(ls "$d/cimg" | tr '\n' ' ')" "f f4 " "the committed image shows what was committed"
expect_eq "$(ls "$d/cv" | tr '\n' ' ')" "f f4 " "the live view shows the same"
umount "$d/cimg"

# An upper of more than 4096 entries (LFS_INDEX_FG_ENTRIES): commit
# returns and a detached process builds the index (index_bg.c); the
# command substitution returning shows it keeps no pipe of the caller's.
# The next commit's index is built after it, over it.
mkdir -p "$d/cv/many"
i=0
while [ $i -lt 5000 ]; do
	: >"$d/cv/many/m$i"
	i=$((i + 1))
done
out=$("$LAYERCTL" commit "$d/cv" cimg:5 2>&1)
expect_eq "$?" 0 "a commit of 5000 new files" "$out"
diag "right after that commit: $("$LAYERCTL" layer show cimg:5 | grep flags)"
i=0
until "$LAYERCTL" layer show cimg:5 | grep -q 'flags: *frozen,indexed'; do
	[ $i -lt 600 ] || break
	sleep 0.5
	i=$((i + 1))
done
expect_match "$("$LAYERCTL" layer show cimg:5)" 'flags: +frozen,indexed' \
	"the detached build gives the large layer its index"
expect_ok "$LAYERCTL" layer index cimg:5
echo after >"$d/cv/after"
expect_ok "$LAYERCTL" commit "$d/cv" cimg:6
expect_match "$("$LAYERCTL" layer show cimg:6)" 'flags: +frozen,indexed' \
	"a small commit after it is indexed when it returns"
expect_ok mount -t layerfs -o image=cimg:6 cimg "$d/cimg"
expect_eq "$(view_indexed "$d/cimg")" true "a view of the image over the large layer is indexed"
expect_eq "$(ls "$d/cimg/many" | wc -l) $(cat "$d/cimg/after")" "5000 after" \
	"and shows what both commits froze"
expect_eq "$(ls "$d/cv/many" | wc -l)" 5000 "so does the live view"
umount "$d/cimg"
expect_ok "$LAYERCTL" umount "$d/cv"

# A commit on a stack that is no image records it as BASE: its index
# follows BASE (the Images rule), and a view of it uses that index.
mkdir -p "$d/bv" "$d/bimg" "$d/bu" "$d/bw"
expect_ok "$LAYERCTL" mount --layers 'cimg\:4:cbase' --upper "$d/bu" --work "$d/bw" "$d/bv"
echo b >"$d/bv/bfile"
expect_ok "$LAYERCTL" commit "$d/bv" based:1
expect_match "$("$LAYERCTL" layer show based:1)" 'flags: +frozen,indexed' \
	"a layer committed with a BASE is indexed"
expect_ok mount -t layerfs -o image=based:1 bimg "$d/bimg"
expect_eq "$(view_indexed "$d/bimg")" true "a view of an image with a BASE is indexed"
expect_eq "$(ls "$d/bimg" | tr '\n' ' ')" "bfile f f4 " "and shows the committed tree"
umount "$d/bimg"
expect_ok "$LAYERCTL" umount "$d/bv"

# A layer added in place is recorded and indexed in the store.  Once it
# is removed (`layer rm` leaves its directory and its record alone) its
# directory is anyone's to change; added again, its index is built anew
# for what the directory holds now (the kernel, which checks only which
# directories an index names, would take the old one).
mkdir -p "$d/inpl/sub" "$d/inplv" "$d/inplno"
echo keep >"$d/inpl/sub/keep"
echo old >"$d/inpl/sub/old"
expect_ok "$LAYERCTL" layer add --frozen inpl "$d/inpl"
expect_match "$("$LAYERCTL" layer show inpl)" 'flags: +frozen,indexed' \
	"a layer added in place with a store is indexed"
expect_ok "$LAYERCTL" layer rm inpl
rm "$d/inpl/sub/old"
echo new >"$d/inpl/sub/new"
expect_ok "$LAYERCTL" layer add --frozen inpl "$d/inpl"
expect_match "$("$LAYERCTL" layer show inpl)" 'flags: +frozen,indexed' \
	"...and added again after a change, indexed again"
expect_ok mount -t layerfs -o image=inpl inpl "$d/inplv"
expect_ok mount -t layerfs -o image=inpl,noindex inplno "$d/inplno"
expect_eq "$(view_indexed "$d/inplv")" true "its view is indexed"
expect_eq "$(ls "$d/inplv/sub" | tr '\n' ' ')" "keep new " \
	"the view shows what the directory holds now, not what it held when first indexed"
expect_eq "$(cat "$d/inplv/sub/new" "$d/inplv/sub/keep" 2>&1)" "new
keep" "...and reads it"
out=$(python3 "$PY" compare "$d/inplv" "$d/inplno" --ino 2>&1)
expect_eq "$?" 0 "...as the walked view does" "$out"
# A layer committed over it is indexed over the new index, not the old.
mkdir -p "$d/inplc" "$d/inplci"
expect_ok "$LAYERCTL" mount inpl "$d/inplc"
echo c >"$d/inplc/sub/c"
expect_ok "$LAYERCTL" commit "$d/inplc" inplc:1
expect_ok mount -t layerfs -o image=inplc:1 inplci "$d/inplci"
expect_eq "$(view_indexed "$d/inplci"):$(ls "$d/inplci/sub" | tr '\n' ' ')" \
	"true:c keep new " "a commit over it is indexed and shows the new tree"
umount "$d/inplci" "$d/inplv" "$d/inplno"
expect_ok "$LAYERCTL" umount "$d/inplc"

# --- the corruptions' checks (started above) -------------------------------
wait "$corrupt_pid"
bad=
: >"$d/tally"
n=-1
while read -r seed cls where out; do
	n=$seed
	case $cls:$out in
	structural:"ERR EINVAL bad index: "* | identity:"ERR ESTALE "* | \
	identity:"ERR EINVAL bad index: "* | free-*:"ERR EINVAL bad index: "*)
		echo "$cls refused" >>"$d/tally" ;;
	free-*:OK)
		echo "$cls accepted" >>"$d/tally" ;;
	free-*:"OK, but the view: "*)
		echo "$cls accepted" >>"$d/tally"
		bad="$bad [$n $cls $where: view: ${out#OK, but the view: }]" ;;
	*)
		bad="$bad [$n $cls $where: $out]" ;;
	esac
done <"$d/muts"
[ "$n" = 149 ] || bad="$bad [corrupt stopped after seed $n: $(tail -n 3 "$d/muts.err")]"
diag "150 corruptions in $(cat "$d/muts.secs") s (beside the sections above):" \
	"$(sort "$d/tally" | uniq -c | tr -s ' \n' ' ')"
expect_eq "$bad" "" "150 corruptions: structural ones refused with the rule, identities ESTALE, free-form ones refused or giving a sane view"
expect_ok test "$(grep -c '^structural refused' "$d/tally")" -ge 50
expect_ok test "$(grep -c ' accepted' "$d/tally")" -ge 10
out=$("$LAYERCTL" layer show hl15)
expect_match "$out" 'flags: +frozen$' "refused corruptions left hl15 without an index"

# Tear down: every layer goes (the attached files are released with them).
for m in $(grep ' layerfs ' /proc/mounts | cut -d' ' -f2); do umount "$m"; done
expect_ok unload_module
expect_ok sh -c "echo x >> '$d/top.index'"
done_testing
