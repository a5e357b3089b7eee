# SPDX-License-Identifier: GPL-2.0
#
# Helper of tests/guest/t-hostile.sh: layers with hostile contents, and
# what a view of them shows.  One process per step (every exec costs
# ~150 ms under TCG).
#
#   hostile.py mkfixture BOT MID TOP [BIG] [DEPTH]
#       fill three layer directories (see mkfixture below); BIG entries in
#       the huge directory (default 50000), DEPTH levels in the deep tree
#       (default 2000)
#   hostile.py walk MNT
#       walk the tree below MNT through directory file descriptors (no
#       path length limit), printing for each object its path (names of
#       more than 40 bytes abbreviated with their length), type, mode,
#       size, device number, symlink target, the hash of small file
#       contents, or the errno of the step that failed; directories of
#       more than 1,000 entries are summarised (count and hash of the
#       sorted names, d_type, and the attributes of every 10th name);
#       symlinks are followed once (stat),
#       so cycles show as ELOOP
#   hostile.py modify MNT
#       change the tree through the view: writes (copy-up) of files below
#       whiteouts, opaque directories and 255-byte names, a file at the
#       bottom of the deep tree, mkdir over whiteouts, renames to and from
#       255-byte names, removals in the huge directory, opens through
#       symlink cycles; prints "OP PATH RESULT" lines
import errno
import hashlib
import os
import resource
import stat
import sys

N255 = "n" * 255
U255 = "\u00e9" * 127 + "x"        # 255 bytes of UTF-8


def err(e):
    return errno.errorcode.get(e.errno, str(e.errno))


def whiteout(path):
    os.mknod(path, stat.S_IFCHR | 0o000, os.makedev(0, 0))


def opaque(path, value):
    os.setxattr(path, "trusted.overlay.opaque", value)


def write(path, data):
    with open(path, "w") as f:
        f.write(data)


def mkdeep(top, depth, leaf=None):
    """A chain top/d/d/.../d of depth levels, by file descriptors."""
    fd = os.open(top, os.O_RDONLY | os.O_DIRECTORY)
    for _ in range(depth):
        try:
            os.mkdir("d", dir_fd=fd)
        except FileExistsError:
            pass
        nfd = os.open("d", os.O_RDONLY | os.O_DIRECTORY, dir_fd=fd)
        os.close(fd)
        fd = nfd
    if leaf:
        f = os.open(leaf, os.O_CREAT | os.O_WRONLY, 0o644, dir_fd=fd)
        os.write(f, leaf.encode())
        os.close(f)
    os.close(fd)


def mkfixture(bot, mid, top, big=50000, depth=2000):
    # --- bottom: ordinary content that the others hide or merge with -------
    for n in ("a", "b", "c", "hidden", "dup", N255, U255):
        write(os.path.join(bot, n), "bot " + n[:8] + "\n")
    for d in ("d", "e", "wd", "odd", "keep"):
        os.makedirs(os.path.join(bot, d, "sub"), exist_ok=True)
        write(os.path.join(bot, d, "f"), "bot " + d + "/f\n")
    for v in ("y", "n", "empty", "yy", "Y", "big", "file"):
        os.makedirs(os.path.join(bot, "op-" + v), exist_ok=True)
        write(os.path.join(bot, "op-" + v, "below"), "below\n")
    os.makedirs(os.path.join(bot, "big"), exist_ok=True)
    for i in range(big):
        os.mknod(os.path.join(bot, "big", "f%05d" % i), stat.S_IFREG | 0o644)
    os.makedirs(os.path.join(bot, "deep"))
    mkdeep(os.path.join(bot, "deep"), depth, "bottom-leaf")
    os.makedirs(os.path.join(bot, "long", N255), exist_ok=True)
    write(os.path.join(bot, "long", N255, "f"), "long dir file\n")
    # A whiteout in the lowest layer hides nothing.
    whiteout(os.path.join(bot, "lonely-whiteout"))
    # A real character device that is not a whiteout (1:3, /dev/null).
    os.mknod(os.path.join(bot, "chardev"), stat.S_IFCHR | 0o644,
             os.makedev(1, 3))

    # --- middle: whiteouts in odd places ------------------------------------
    whiteout(os.path.join(mid, "a"))            # root-level file
    whiteout(os.path.join(mid, "d"))            # root-level directory
    whiteout(os.path.join(mid, "dup"))          # whiteout under a whiteout
    whiteout(os.path.join(mid, N255))           # 255-byte name
    os.makedirs(os.path.join(mid, "wd"))        # a dir of whiteouts only
    whiteout(os.path.join(mid, "wd", "f"))
    whiteout(os.path.join(mid, "wd", "sub"))
    whiteout(os.path.join(mid, "wd", "never-existed"))
    # A whiteout inside an opaque directory (nothing below to hide).
    os.makedirs(os.path.join(mid, "e"))
    opaque(os.path.join(mid, "e"), b"y")
    whiteout(os.path.join(mid, "e", "f"))
    write(os.path.join(mid, "e", "new"), "mid e/new\n")
    # Opaque xattrs with odd values; only exactly "y" means opaque.
    values = {"y": b"y", "n": b"n", "empty": b"", "yy": b"yy", "Y": b"Y",
              "big": b"y" * 4096}
    for v, val in values.items():
        d = os.path.join(mid, "op-" + v)
        os.makedirs(d)
        opaque(d, val)
        write(os.path.join(d, "above"), "above\n")
    write(os.path.join(mid, "op-file"), "a file with an opaque xattr\n")
    opaque(os.path.join(mid, "op-file"), b"y")
    # Half the huge directory deleted, new names added.
    os.makedirs(os.path.join(mid, "big"))
    for i in range(0, min(big, 2000), 2):
        whiteout(os.path.join(mid, "big", "f%05d" % i))
    for i in range(1000):
        os.close(os.open(os.path.join(mid, "big", "m%04d" % i),
                         os.O_CREAT | os.O_WRONLY, 0o644))
    # The deep tree merges at every level down to half its depth.
    os.makedirs(os.path.join(mid, "deep"))
    mkdeep(os.path.join(mid, "deep"), depth // 2, "middle-leaf")
    # 255-byte names: a file, a dir, a whiteout of a lower 255-byte dir.
    write(os.path.join(mid, "m" * 255), "mid 255\n")
    os.makedirs(os.path.join(mid, "long"))
    write(os.path.join(mid, "long", "x" * 255), "mid long/x255\n")
    # Symlink cycles.
    os.symlink("cycle-b", os.path.join(mid, "cycle-a"))
    os.symlink("cycle-a", os.path.join(mid, "cycle-b"))
    os.symlink("self", os.path.join(mid, "self"))
    os.symlink("cyc2", os.path.join(mid, "cyc1"))
    os.symlink("cyc1", os.path.join(mid, "cyc2"))
    os.symlink(".", os.path.join(mid, "dot"))
    os.symlink("loopdir/loopdir", os.path.join(mid, "loopdir"))
    os.symlink("/" + "x/" * 2000, os.path.join(mid, "longtarget"))

    # --- top: above the whiteouts --------------------------------------------
    os.makedirs(os.path.join(top, "a"))          # dir over whiteout over file
    write(os.path.join(top, "a", "inside"), "top a/inside\n")
    whiteout(os.path.join(top, "dup"))           # whiteout over whiteout
    whiteout(os.path.join(top, "cycle-b"))       # break a cycle from above
    write(os.path.join(top, "d"), "top file over a whited-out dir\n")
    os.makedirs(os.path.join(top, "wd"))
    opaque(os.path.join(top, "wd"), b"y")        # opaque over whiteouts
    os.makedirs(os.path.join(top, "op-n"))
    write(os.path.join(top, "op-n", "top"), "top\n")


def typ(m):
    for f, c in ((stat.S_ISDIR, "d"), (stat.S_ISREG, "f"), (stat.S_ISLNK, "l"),
                 (stat.S_ISCHR, "c"), (stat.S_ISBLK, "b"), (stat.S_ISFIFO, "p"),
                 (stat.S_ISSOCK, "s")):
        if f(m):
            return c
    return "?"


def show(name):
    return name if len(name.encode()) <= 40 else \
        "%s...[%d]" % (name[:8], len(name.encode()))


def describe(dfd, name):
    """One line of attributes of name in directory dfd."""
    try:
        st = os.stat(name, dir_fd=dfd, follow_symlinks=False)
    except OSError as e:
        return "lstat " + err(e), None
    t = typ(st.st_mode)
    out = "%s %o size=%d" % (t, stat.S_IMODE(st.st_mode),
                             st.st_size if t in "fl" else 0)
    if t in "cb":
        out += " rdev=%d:%d" % (os.major(st.st_rdev), os.minor(st.st_rdev))
    if t == "l":
        tgt = os.readlink(name, dir_fd=dfd)
        out += " -> " + (tgt if len(tgt) < 60 else "[%d bytes]" % len(tgt))
        try:
            os.stat(name, dir_fd=dfd)
            out += " (resolves)"
        except OSError as e:
            out += " (stat " + err(e) + ")"
    if t == "f" and st.st_size < 65536:
        try:
            fd = os.open(name, os.O_RDONLY, dir_fd=dfd)
            out += " sha1=" + hashlib.sha1(os.read(fd, 65536)).hexdigest()[:12]
            os.close(fd)
        except OSError as e:
            out += " read " + err(e)
    return out, t


def walk(mnt):
    resource.setrlimit(resource.RLIMIT_NOFILE, (16384, 16384))
    sys.setrecursionlimit(20000)
    root = os.open(mnt, os.O_RDONLY | os.O_DIRECTORY)
    lines = []
    # Explicit stack: (dirfd, display path, depth in a d/d/d chain).  A
    # chain below "deep" shows as deep/d{N}.
    stack = [(root, ".", 0)]
    while stack:
        dfd, base, chain = stack.pop()
        path = base if not chain else "%s/d{%d}" % (base, chain)
        try:
            names = sorted(os.listdir(dfd))
        except OSError as e:
            lines.append("%s/ listdir %s" % (path, err(e)))
            os.close(dfd)
            continue
        if len(names) != len(set(names)):
            lines.append("%s/ DUPLICATE NAMES" % path)
        subdirs = []
        if len(names) > 1000:
            h = hashlib.sha1()
            # Attributes only, of every 10th name and of directories
            # (readdir's d_type): the cost is the lookups.
            types = {e.name: e.is_dir(follow_symlinks=False)
                     for e in os.scandir(dfd)}
            for i, n in enumerate(names):
                if i % 10 and not types.get(n):
                    h.update((n + " -\n").encode())
                    continue
                try:
                    st = os.stat(n, dir_fd=dfd, follow_symlinks=False)
                    d = "%s %o %d" % (typ(st.st_mode), st.st_mode, st.st_size)
                except OSError as e:
                    d = "lstat " + err(e)
                h.update((n + " " + d + "\n").encode())
                if d.startswith("d "):
                    subdirs.append(n)
            lines.append("%s/ %d entries, hash %s" %
                         (path, len(names), h.hexdigest()[:12]))
        else:
            for n in names:
                d, t = describe(dfd, n)
                lines.append("%s/%s %s" % (path, show(n), d))
                if t == "d":
                    subdirs.append(n)
        for n in reversed(subdirs):
            try:
                cfd = os.open(n, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW,
                              dir_fd=dfd)
            except OSError as e:
                lines.append("%s/%s open %s" % (path, show(n), err(e)))
                continue
            if n == "d" and (chain or base.endswith("/deep")):
                stack.append((cfd, base, chain + 1))
            else:
                stack.append((cfd, path + "/" + show(n), 0))
        os.close(dfd)
    print("\n".join(lines))


def op(name, fn):
    try:
        r = fn()
        print("%s %s" % (name, "ok" if r is None else "ok " + str(r)))
    except OSError as e:
        print("%s %s" % (name, err(e)))


def deep_fd(mnt, depth):
    fd = os.open(os.path.join(mnt, "deep"), os.O_RDONLY | os.O_DIRECTORY)
    for _ in range(depth):
        nfd = os.open("d", os.O_RDONLY | os.O_DIRECTORY, dir_fd=fd)
        os.close(fd)
        fd = nfd
    return fd


def modify(mnt, depth=2000):
    resource.setrlimit(resource.RLIMIT_NOFILE, (16384, 16384))
    j = lambda *p: os.path.join(mnt, *p)
    op("append a/inside", lambda: write(j("a", "inside"), "more\n"))
    op("create dup", lambda: write(j("dup"), "over two whiteouts\n"))
    op("mkdir wd/f", lambda: os.mkdir(j("wd", "f")))
    op("listdir wd", lambda: sorted(os.listdir(j("wd"))))
    op("mkdir lonely-whiteout", lambda: os.mkdir(j("lonely-whiteout")))
    op("create e/f", lambda: write(j("e", "f"), "e/f again\n"))
    for v in ("y", "n", "empty", "yy", "Y", "big"):
        op("append op-%s/below" % v,
           lambda v=v: write(j("op-" + v, "below"), "changed\n"))
        op("listdir op-" + v, lambda v=v: sorted(os.listdir(j("op-" + v))))
    op("append op-file", lambda: write(j("op-file"), "changed\n"))
    op("append 255", lambda: write(j("m" * 255), "changed\n"))
    op("append unicode-255", lambda: write(j(U255), "changed\n"))
    op("rename 255 -> 255", lambda: os.rename(j("m" * 255), j("r" * 255)))
    op("rename 255 -> 256", lambda: os.rename(j("r" * 255), j("r" * 256)))
    op("create 256", lambda: write(j("z" * 256), "x"))
    op("append long/255/f", lambda: write(j("long", N255, "f"), "changed\n"))
    op("rename long/x255 -> b", lambda: os.rename(j("long", "x" * 255), j("b")))
    op("unlink unicode-255", lambda: os.unlink(j(U255)))
    op("rmdir long/255", lambda: os.rmdir(j("long", N255)))
    op("rm long/255/f", lambda: os.unlink(j("long", N255, "f")))
    op("rmdir long/255 (empty)", lambda: os.rmdir(j("long", N255)))
    op("chmod chardev", lambda: os.chmod(j("chardev"), 0o600))
    op("stat cycle-a", lambda: os.stat(j("cycle-a")) and None)
    op("stat cyc1", lambda: os.stat(j("cyc1")) and None)
    op("open cyc1/x", lambda: os.open(j("cyc1", "x"), os.O_RDONLY))
    op("stat self", lambda: os.stat(j("self")) and None)
    op("open self/x", lambda: os.open(j("self", "x"), os.O_RDONLY))
    op("create via cycle-a", lambda: write(j("cycle-a"), "x"))
    op("stat loopdir/x", lambda: os.stat(j("loopdir", "x")) and None)
    op("stat dot/dot/dot/b", lambda: os.stat(j("dot", "dot", "dot", "b")).st_size)
    op("stat longtarget", lambda: os.stat(j("longtarget")) and None)
    op("replace cycle-a", lambda: (os.unlink(j("cycle-a")),
                                   os.symlink("b", j("cycle-a")))[0])
    op("stat cycle-a again", lambda: os.stat(j("cycle-a")).st_size)

    # Renames that move a dentry between a name with a lower object and
    # one without: removing the name afterwards must leave the lower
    # object hidden, and no whiteout is needed where nothing is below.
    op("create y-new", lambda: write(j("y-new"), "upper only\n"))
    op("rename y-new -> b (b in a lower layer)", lambda: os.rename(j("y-new"), j("b")))
    op("unlink b", lambda: os.unlink(j("b")))
    op("stat b after unlink", lambda: os.stat(j("b")).st_size)
    op("rename c -> c2", lambda: os.rename(j("c"), j("c2")))
    op("rename c2 -> c", lambda: os.rename(j("c2"), j("c")))
    op("stat c2", lambda: os.stat(j("c2")).st_size)
    op("unlink c", lambda: os.unlink(j("c")))
    op("stat c after unlink", lambda: os.stat(j("c")).st_size)
    op("create hidden2", lambda: write(j("hidden2"), "x\n"))
    op("rename hidden2 -> hidden", lambda: os.rename(j("hidden2"), j("hidden")))
    op("rename hidden -> hidden3", lambda: os.rename(j("hidden"), j("hidden3")))
    op("stat hidden", lambda: os.stat(j("hidden")).st_size)

    def big_rm():
        for i in range(1, 400, 2):
            os.unlink(j("big", "f%05d" % i))
        for i in range(0, 200, 2):
            write(j("big", "f%05d" % i), "back\n")
    op("big: remove 200, recreate 100", big_rm)
    op("big: count", lambda: len(os.listdir(j("big"))))

    def deep_leaf():
        fd = deep_fd(mnt, depth)
        f = os.open("new-leaf", os.O_CREAT | os.O_WRONLY, 0o644, dir_fd=fd)
        os.write(f, b"at the bottom\n")
        os.close(f)
        r = sorted(os.listdir(fd))
        os.close(fd)
        return r
    op("deep: create at depth %d" % depth, deep_leaf)

    def deep_mid():
        fd = deep_fd(mnt, depth // 2)
        f = os.open("middle-leaf", os.O_WRONLY | os.O_APPEND, dir_fd=fd)
        os.write(f, b"appended\n")
        os.close(f)
        r = sorted(os.listdir(fd))
        os.close(fd)
        return r
    op("deep: append at depth %d" % (depth // 2), deep_mid)

    def deep_rename():
        fd = deep_fd(mnt, depth - 1)
        os.rename("d", "e", src_dir_fd=fd, dst_dir_fd=fd)
        os.close(fd)
    op("deep: rename a lower dir at depth %d" % (depth - 1), deep_rename)


def main():
    cmd = sys.argv[1]
    if cmd == "mkfixture":
        args = sys.argv[2:5]
        big = int(sys.argv[5]) if len(sys.argv) > 5 else 50000
        depth = int(sys.argv[6]) if len(sys.argv) > 6 else 2000
        mkfixture(*args, big=big, depth=depth)
    elif cmd == "walk":
        walk(sys.argv[2])
    elif cmd == "modify":
        modify(sys.argv[2], int(sys.argv[3]) if len(sys.argv) > 3 else 2000)
    else:
        sys.exit("usage: hostile.py mkfixture|walk|modify ...")


main()
