#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Print a canonical listing of a directory tree, one line per entry, sorted:
path, type, mode, uid:gid, mtime (ns), size, content sha256 or symlink
target or device numbers, xattrs (name=hex, sorted), and a hard-link group
(the first path of the inode).  Two trees are "the same" when their
listings are equal.  Used by tests/guest/t-oci.sh.

  treelist.py DIR [--no-root] [--no-times DIRS] [--skip-xattr PREFIX]...
              [--whiteouts-as-oci]

--whiteouts-as-oci maps a 0/0 character device NAME to a regular empty
file .wh.NAME and trusted.overlay.opaque=y to an entry DIR/.wh..wh..opq, so
that a layer directory can be compared with a tree unpacked by an OCI tool
that leaves whiteouts as files.
"""
import hashlib
import os
import stat
import sys


def xattrs(path, skip):
    out = []
    try:
        names = os.listxattr(path, follow_symlinks=False)
    except OSError:
        return out
    for n in sorted(names):
        if any(n.startswith(p) for p in skip):
            continue
        try:
            v = os.getxattr(path, n, follow_symlinks=False)
        except OSError:
            continue
        out.append("%s=%s" % (n, v.hex()))
    return out


def main():
    args = sys.argv[1:]
    root = args.pop(0)
    skip = []
    no_root = False
    no_dir_times = False
    while args:
        a = args.pop(0)
        if a == "--skip-xattr":
            skip.append(args.pop(0))
        elif a == "--no-root":
            no_root = True
        elif a == "--no-dir-times":
            no_dir_times = True
        else:
            sys.exit("treelist.py: unknown option " + a)
    first = {}
    lines = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for name in sorted(dirnames + filenames) + ([""] if dirpath == root else []):
            path = os.path.join(dirpath, name) if name else dirpath
            rel = os.path.relpath(path, root)
            if rel == "." and no_root:
                continue
            st = os.lstat(path)
            m = st.st_mode
            if stat.S_ISREG(m):
                h = hashlib.sha256()
                with open(path, "rb") as f:
                    for chunk in iter(lambda: f.read(1 << 20), b""):
                        h.update(chunk)
                what = "f size=%d sha=%s" % (st.st_size, h.hexdigest()[:16])
            elif stat.S_ISDIR(m):
                what = "d"
            elif stat.S_ISLNK(m):
                what = "l ->%s" % os.readlink(path)
            elif stat.S_ISCHR(m):
                what = "c %d:%d" % (os.major(st.st_rdev), os.minor(st.st_rdev))
            elif stat.S_ISBLK(m):
                what = "b %d:%d" % (os.major(st.st_rdev), os.minor(st.st_rdev))
            elif stat.S_ISFIFO(m):
                what = "p"
            else:
                what = "?"
            link = ""
            if not stat.S_ISDIR(m) and st.st_nlink > 1:
                key = (st.st_dev, st.st_ino)
                if key in first:
                    link = " link=" + first[key]
                else:
                    first[key] = rel
            mt = "" if (stat.S_ISDIR(m) and no_dir_times) else " mtime=%d" % st.st_mtime_ns
            lines.append("%s %s mode=%04o own=%d:%d%s%s%s %s" % (
                rel, what, stat.S_IMODE(m), st.st_uid, st.st_gid, mt, link,
                "", " ".join(xattrs(path, skip))))
    for l in sorted(lines):
        print(l)


main()
