#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Random layer chains and strict tree comparison, for t-index.sh.

  index_tree.py gen DIR NLAYERS SEED
      makes DIR/l0 (bottom) .. DIR/l<N-1> (top): each layer adds files,
      directories, symlinks and fifos over a small pool of names (so that
      names collide across layers), whiteouts (0/0 character devices) of
      names below, opaque directories (trusted.overlay.opaque=y), and
      replaces directories by files and files by directories.

  index_tree.py compare A B [--ino] [--probe NAMES]
      walks the two merged trees side by side and prints every difference:
      the names of each directory and their d_type, lstat (type, mode,
      owner, size, link count of non-directories), contents or link
      targets, and the result of looking up names that may be absent (the
      whole name pool, plus "absent-name"), so that negative lookups are
      compared too.  --ino also compares st_ino and each readdir d_ino
      (two views of one chain must agree).  Exit status 1 on a difference.
"""
import hashlib
import os
import random
import stat
import sys

POOL = ["a", "b", "c", "dir", "etc", "f1", "f2", "lib", "usr", "x", "y",
        "zz"]


def whiteout(path):
    os.mknod(path, stat.S_IFCHR | 0o600, os.makedev(0, 0))


def gen_dir(rng, path, depth, below):
    """Fills layer directory @path; @below: the merged names under it."""
    for name in rng.sample(POOL, rng.randint(1, 5)):
        p = os.path.join(path, name)
        r = rng.random()
        if name in below and r < 0.15:
            whiteout(p)
        elif r < 0.45 and depth < 3:
            os.mkdir(p)
            if name in below and rng.random() < 0.15:
                os.setxattr(p, "trusted.overlay.opaque", b"y")
            sub = below.get(name) if isinstance(below.get(name), dict) else {}
            gen_dir(rng, p, depth + 1, sub)
        elif r < 0.75:
            with open(p, "wb") as f:
                f.write(("%s %d\n" % (p, rng.randint(0, 1 << 30))).encode())
        elif r < 0.9:
            os.symlink("target-" + name, p)
        else:
            os.mkfifo(p)


def merged(layers_top_first):
    """The merged name tree of real layer directories (dicts of dicts)."""
    def merge(dirs):
        out = {}
        for d in dirs:
            try:
                names = os.listdir(d)
            except OSError:
                continue
            for n in names:
                if n in out:
                    continue
                p = os.path.join(d, n)
                st = os.lstat(p)
                if stat.S_ISCHR(st.st_mode) and st.st_rdev == 0:
                    out[n] = None
                elif stat.S_ISDIR(st.st_mode):
                    out[n] = (d,)
                else:
                    out[n] = 0
        res = {}
        for n, v in out.items():
            if v is None:
                continue
            if v == 0:
                res[n] = 0
                continue
            sub = []
            for d in dirs[dirs.index(v[0]):]:
                p = os.path.join(d, n)
                if os.path.lexists(p):
                    st = os.lstat(p)
                    if not stat.S_ISDIR(st.st_mode):
                        break
                    sub.append(p)
                    try:
                        if os.getxattr(p, "trusted.overlay.opaque") == b"y":
                            break
                    except OSError:
                        pass
            res[n] = merge(sub)
        return res
    return merge(layers_top_first)


def gen(top, n, seed):
    rng = random.Random(seed)
    os.makedirs(top, exist_ok=True)
    done = []
    for i in range(n):
        d = os.path.join(top, "l%d" % i)
        os.mkdir(d)
        below = merged(list(reversed(done))) if done and rng.random() < 0.8 \
            else {}
        gen_dir(rng, d, 0, below)
        done.append(d)


def describe(path):
    st = os.lstat(path)
    m = st.st_mode
    what = "mode=%o own=%d:%d mtime=%d ctime=%d blocks=%d blksize=%d" % (
        m, st.st_uid, st.st_gid, st.st_mtime_ns, st.st_ctime_ns,
        st.st_blocks, st.st_blksize)
    if stat.S_ISREG(m):
        with open(path, "rb") as f:
            what += " size=%d sha=%s" % (
                st.st_size, hashlib.sha256(f.read()).hexdigest()[:16])
    elif stat.S_ISLNK(m):
        what += " ->" + os.readlink(path)
    if not stat.S_ISDIR(m):
        what += " nlink=%d" % st.st_nlink
    return st, what


def compare(a, b, ino, probes):
    diffs = []
    stack = [""]
    dirs = 0
    while stack:
        rel = stack.pop()
        pa, pb = os.path.join(a, rel), os.path.join(b, rel)
        ea = {e.name: e for e in os.scandir(pa)}
        eb = {e.name: e for e in os.scandir(pb)}
        dirs += 1
        if sorted(ea) != sorted(eb):
            diffs.append("%s/: names %s vs %s" % (rel, sorted(ea), sorted(eb)))
        for name in sorted(set(probes) | {"absent-name"}):
            ra = os.path.lexists(os.path.join(pa, name))
            rb = os.path.lexists(os.path.join(pb, name))
            if ra != rb:
                diffs.append("%s: lookup %s vs %s" % (
                    os.path.join(rel, name), ra, rb))
        for name in sorted(set(ea) & set(eb)):
            r = os.path.join(rel, name)
            sa, wa = describe(os.path.join(a, r))
            sb, wb = describe(os.path.join(b, r))
            if wa != wb:
                diffs.append("%s: %s vs %s" % (r, wa, wb))
            if ea[name].is_dir(follow_symlinks=False) != \
                    eb[name].is_dir(follow_symlinks=False) or \
                    ea[name].is_symlink() != eb[name].is_symlink():
                diffs.append("%s: d_type differs" % r)
            if ino and (sa.st_ino != sb.st_ino or
                        ea[name].inode() != eb[name].inode()):
                diffs.append("%s: ino %d/%d vs %d/%d" % (
                    r, sa.st_ino, ea[name].inode(), sb.st_ino,
                    eb[name].inode()))
            if ino and not stat.S_ISDIR(sa.st_mode) and \
                    ea[name].inode() != sa.st_ino:
                diffs.append("%s: d_ino %d but st_ino %d" % (
                    r, ea[name].inode(), sa.st_ino))
            if stat.S_ISDIR(sa.st_mode) and stat.S_ISDIR(sb.st_mode):
                stack.append(r)
    for d in diffs[:40]:
        print("# diff: " + d)
    print("# compared %d directories, %d differences" % (dirs, len(diffs)))
    return 1 if diffs else 0


def walk(top):
    names = errors = 0
    stack = [top]
    while stack:
        path = stack.pop()
        try:
            found = [e.path for e in os.scandir(path)]
        except OSError:
            errors += 1
            continue
        for name in POOL:
            os.path.lexists(os.path.join(path, name))
        for p in found:
            names += 1
            try:
                st = os.lstat(p)
                if stat.S_ISDIR(st.st_mode):
                    stack.append(p)
                elif stat.S_ISREG(st.st_mode):
                    with open(p, "rb") as f:
                        f.read()
                elif stat.S_ISLNK(st.st_mode):
                    os.readlink(p)
            except OSError:
                errors += 1
    print("# walked %d names, %d errors" % (names, errors))
    return 0


def main():
    args = sys.argv[1:]
    if len(args) == 4 and args[0] == "gen":
        gen(args[1], int(args[2]), int(args[3]))
        return 0
    if len(args) >= 3 and args[0] == "compare":
        ino = "--ino" in args
        return compare(args[1], args[2], ino, POOL)
    if len(args) == 2 and args[0] == "walk":
        return walk(args[1])
    sys.exit(__doc__)


if __name__ == "__main__":
    sys.exit(main())
