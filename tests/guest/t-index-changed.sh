#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# An index changed after it was attached.  Attaching validates the whole
# file (every name: 1..255 bytes, no '/' or NUL, not "." or "..") and
# denies write access to it, but that guards only the inode the kernel was
# given: an index read through a view is a view file, and the real file
# below it can still be written.  Every later read is checked again, and
# a listing must not hand userspace a name no directory may hold: here the
# index of a one-layer image is attached as a file of a read-only view
# (nlindex.py give), and three names in it are then changed through the
# real file, one to each kind of forbidden name ("a/", "..", "a" NUL); each
# directory holding one must fail to list (EIO), as a listing of a file
# that fails its checks does, and the others still list; an entry whose
# type was changed to none (and its stat record's, which would otherwise
# make the inode) must fail its lookup.  (The VFS refuses
# a '/' itself, in filldir; a NUL cut the name short, to one that is not
# there, and ".." was listed a second time.)
# shellcheck source=lib.sh source-path=SCRIPTDIR
. "$(dirname "$0")/lib.sh"

NL=$ROOT/tests/guest/nlindex.py
load_module

d=$scratch
mkdir -p "$d/l/ok" "$d/l/s1" "$d/l/s2" "$d/l/s3" "$d/l/s4" "$d/h" "$d/hv" "$d/v"
for s in ok s1 s2 s3 s4; do
	for n in aa ab ac; do echo "$n" >"$d/l/$s/$n"; done
done
expect_ok "$LAYERCTL" layer add --frozen chg "$d/l"
expect_ok "$LAYERCTL" layer index chg -o "$d/h/index"
# The same directory registered anew has no index yet: it gets that file,
# opened through a view of $d/h.
expect_ok "$LAYERCTL" layer rm chg
expect_ok "$LAYERCTL" layer add --frozen chg "$d/l"
expect_ok "$LAYERCTL" layer add host "$d/h"
expect_ok mount -t layerfs -o layers=host hostv "$d/hv"
expect_eq "$(python3 "$NL" give chg "$d/hv/index")" OK \
	"the index, opened through a view, is attached"
expect_ok mount -t layerfs -o image=chg chgv "$d/v"
expect_eq "$(view_indexed "$d/v")" true "the view of the image uses it"
expect_eq "$(ls "$d/v" | tr '\n' ' ')" "ok s1 s2 s3 s4 " "the view lists its root"

# Rename s1/ab to "a/", s2/ab to "..", s3/ab to "a\0" in the real file,
# and give s4/ab type 3 (no file type) in its entry and its stat record.
out=$(python3 - "$d/h/index" <<'PY'
import struct, sys
path = sys.argv[1]
b = bytearray(open(path, "rb").read())
ndirs, nentries = struct.unpack_from("<II", b, 28)
dirs_off, entries_off, names_off = struct.unpack_from("<QQQ", b, 40)
def entries(first, count):
    for i in range(first, first + count):
        e = entries_off + 32 * i
        name_off, = struct.unpack_from("<I", b, e + 8)
        n = b[e + 24]
        yield i, names_off + name_off, bytes(b[names_off + name_off:names_off + name_off + n])
def dir_of(name):
    first, count = struct.unpack_from("<II", b, dirs_off)
    for i, off, n in entries(first, count):
        if n == name:
            child, = struct.unpack_from("<I", b, entries_off + 32 * i + 20)
            return struct.unpack_from("<II", b, dirs_off + 16 * child)
    raise SystemExit("no directory " + name.decode())
done = []
for s, new in ((b"s1", b"a/"), (b"s2", b".."), (b"s3", b"a\0")):
    for i, off, n in entries(*dir_of(s)):
        if n == b"ab":
            with open(path, "r+b") as f:
                f.seek(off)
                f.write(new)
            done.append(s.decode())
for i, off, n in entries(*dir_of(b"s4")):
    e = entries_off + 32 * i
    if n == b"ab" and b[e + 26] & 8:
        st = off + len(n) + b[e + 27]
        mode, = struct.unpack_from("<I", b, st)
        with open(path, "r+b") as f:
            f.seek(e + 25)
            f.write(bytes([3]))
            f.seek(st)
            f.write(struct.pack("<I", (mode & 0o7777) | 3 << 12))
        done.append("s4")
print("changed in " + " ".join(done))
PY
)
expect_eq "$out" "changed in s1 s2 s3 s4" "three names and a type changed in the real file behind the view"
# listdir MNT/S: the names, or the error.
lsdir() {
	python3 -c '
import os, sys
try:
    print(" ".join(repr(n) for n in sorted(os.listdir(sys.argv[1]))))
except OSError as e:
    print(os.strerror(e.errno))' "$1"
}
expect_eq "$(lsdir "$d/v/ok")" "'aa' 'ab' 'ac'" "a directory the change left alone lists as before"
for s in s1 s2 s3; do
	expect_eq "$(lsdir "$d/v/$s")" "Input/output error" \
		"$s/: a forbidden name in the changed index fails the listing"
done
out=$(python3 -c '
import os, sys
try:
    print("mode %o" % os.lstat(sys.argv[1]).st_mode)
except OSError as e:
    print(os.strerror(e.errno))' "$d/v/s4/ab")
expect_eq "$out" "Input/output error" "s4/ab: an entry of no file type fails its lookup"

expect_ok umount "$d/v"
expect_ok "$LAYERCTL" layer rm chg
expect_ok umount "$d/hv"
expect_ok "$LAYERCTL" layer rm host
expect_ok unload_module
done_testing
