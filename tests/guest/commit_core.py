# SPDX-License-Identifier: GPL-2.0
#
# Helper of tests/guest/t-commit-core.sh: the kernel side of online commit,
# driven by raw LAYERFS_CMD_VIEW_COMMIT requests (nlcommit.py), independent
# of layerctl's store.  One process: every exec costs ~150 ms under TCG.
#
#   commit_core.py SCRATCH LAYERCTL NLCOMMIT
#
# SCRATCH has base/ (a registered layer "cc/base:1") and the test mounts
# its own views.  Prints "ok DESC" / "not ok DESC: detail" lines and "# ..."
# comments; exits 0 (failures are in the output).
import errno
import hashlib
import mmap
import os
import stat
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import nlcommit  # noqa: E402

S, LAYERCTL, NLCOMMIT = sys.argv[1:4]
results = []


def check(cond, desc, detail=""):
    print(("ok %s" % desc) if cond else ("not ok %s: %s" % (desc, detail)))
    sys.stdout.flush()


def run(*args):
    p = subprocess.run(list(args), capture_output=True, text=True)
    return p.returncode, (p.stdout + p.stderr).strip()


def xattrs(p):
    """Every xattr (ACLs included) as (name, value) pairs, sorted."""
    try:
        names = os.listxattr(p, follow_symlinks=False)
    except OSError as e:
        return ["listxattr: %s" % errno.errorcode.get(e.errno, e.errno)]
    out = []
    for n in sorted(names):
        try:
            out.append((n, os.getxattr(p, n, follow_symlinks=False).hex()))
        except OSError as e:
            out.append((n, "getxattr: %s" % errno.errorcode.get(e.errno,
                                                                 e.errno)))
    return out


def tree(root, ino=True):
    """Every object, the root included: type, mode, owner, group, mtime,
    xattrs, size and content hash, link target, inode number; what a commit
    must keep (not atime, ctime or link counts)."""
    out = {}

    def entry(p, rel):
        st = os.lstat(p)
        item = [stat.S_IFMT(st.st_mode), stat.S_IMODE(st.st_mode),
                st.st_uid, st.st_gid, st.st_mtime_ns, xattrs(p)]
        if stat.S_ISREG(st.st_mode):
            with open(p, 'rb') as f:
                item += [st.st_size, hashlib.sha256(f.read()).hexdigest()]
        elif stat.S_ISLNK(st.st_mode):
            item.append(os.readlink(p))
        if ino:
            item.append(st.st_ino)
        out[rel] = item

    entry(root, ".")
    for dirpath, dirs, files in os.walk(root):
        dirs.sort()
        for name in sorted(dirs + files):
            p = os.path.join(dirpath, name)
            entry(p, os.path.relpath(p, root))
    return out


def diff(a, b):
    keys = sorted(set(a) | set(b))
    d = [k for k in keys if a.get(k) != b.get(k)]
    return "; ".join("%s: %s != %s" % (k, a.get(k), b.get(k)) for k in d[:5])


def commit(view, upper, name, *extra):
    """nlcommit.py's options, in process (python3 starts slowly in TCG)."""
    kw = {}
    args = list(extra)
    while args:
        opt, val = args.pop(0), args.pop(0)
        if opt == "--author":
            kw["author"] = val
        elif opt == "--message":
            kw["message"] = val
        elif opt == "--extra-layer-attr":
            kw["extra_layer_attrs"] = [val]
    try:
        return nlcommit.commit(view, upper, name, **kw)
    except OSError as e:
        return "ERR %s" % e


def view_id(mnt):
    """The id of the view mounted at mnt, from layerctl view ls --json."""
    import json
    rc, out = run(LAYERCTL, "view", "ls", "--json")
    for v in json.loads(out):
        if v.get("mountpoint") == mnt or mnt in v.get("mountpoints", []):
            return v["id"]
    raise SystemExit("no view at %s: %s" % (mnt, out))


def sys_mount(source, target, fstype, data, flags=0):
    """mount(2) itself: mount(8) takes "a/b:1" in options for a device."""
    import ctypes
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.mount(source.encode(), target.encode(), fstype.encode(), flags,
                  data.encode()) != 0:
        return 1, os.strerror(ctypes.get_errno())
    return 0, ""


def mount_opts(mnt):
    with open("/proc/self/mounts") as f:
        for line in f:
            fields = line.split()
            if fields[1] == mnt:
                return fields[3]
    return ""


def adopt_index(m, layer, before, what, ino=True, keep=()):
    """Give the committed layer its index: the live view must take it up
    (view ls "indexed") and show the same tree, warm and after the caches
    are dropped (cold lookups then go through the index).  The names in
    keep stay open across the drop: a hard link in a committed layer is
    one view file only while its names are cached (as a lower hard link
    in overlayfs without index=on), and a later check needs that."""
    import json
    rc, out = run(LAYERCTL, "layer", "index", layer,
                  "-o", os.path.join(S, layer.replace("/", "_") + ".index"))
    check(rc == 0, "%s: the committed layer gets its index" % what, out)
    rc, out = run(LAYERCTL, "view", "ls", "--json")
    views = [v for v in json.loads(out) if m in v.get("mountpoints", [])]
    check(len(views) == 1 and views[0].get("indexed") is True,
          "%s: the live view uses the committed layer's index" % what, out)
    check(tree(m, ino) == before, "%s: tree unchanged, warm" % what,
          diff(tree(m, ino), before))
    fds = [os.open(os.path.join(m, k), os.O_RDONLY) for k in keep]
    os.sync()
    with open("/proc/sys/vm/drop_caches", "w") as f:
        f.write("2\n")
    check(tree(m, ino) == before, "%s: tree unchanged, cold" % what,
          diff(tree(m, ino), before))
    for fd in fds:
        os.close(fd)


def whiteout(path):
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return False
    return stat.S_ISCHR(st.st_mode) and st.st_rdev == 0


def main():
    m = os.path.join(S, "m")
    u = [os.path.join(S, "u%d" % i) for i in range(6)]
    w = os.path.join(S, "w")
    for d in [m, w] + u:
        os.makedirs(d, exist_ok=True)
    rc, out = sys_mount("cc", m, "layerfs",
                        "layers=cc/base\\:1,upper=%s,work=%s" % (u[0], w))
    check(rc == 0, "mount a writable view", out)
    vid = view_id(m)

    # Gen 0: changes of every kind in the upper.
    with open(os.path.join(m, "etc/os"), "a") as f:
        f.write("changed\n")                       # copy-up of a lower file
    os.unlink(os.path.join(m, "etc/hosts"))         # whiteout
    os.makedirs(os.path.join(m, "new/dir"))         # upper-only dirs
    with open(os.path.join(m, "new/dir/f"), "w") as f:
        f.write("gen0\n")
    os.symlink("etc/os", os.path.join(m, "link"))
    os.rename(os.path.join(m, "bin/sh"), os.path.join(m, "bin/sh.moved"))
    os.chmod(os.path.join(m, "bin/ls"), 0o700)      # metadata copy-up
    for d in ("hl/a", "hl/b", "hl/c"):              # a hard link across dirs
        os.makedirs(os.path.join(m, d))
    with open(os.path.join(m, "hl/a/x"), "w") as f:
        f.write("linked\n")
    os.link(os.path.join(m, "hl/a/x"), os.path.join(m, "hl/b/y"))
    with open(os.path.join(m, "log"), "w") as f:
        f.write("before\n")

    # A file open for writing, unlinked, in a directory since removed.
    os.makedirs(os.path.join(m, "gone"))
    gfd = os.open(os.path.join(m, "gone/f"), os.O_RDWR | os.O_CREAT, 0o644)
    os.write(gfd, b"g0\n")
    os.unlink(os.path.join(m, "gone/f"))
    os.rmdir(os.path.join(m, "gone"))

    # Open descriptors that live across the commit.
    wfd = os.open(os.path.join(m, "log"), os.O_RDWR | os.O_APPEND)
    rfd = os.open(os.path.join(m, "etc/os"), os.O_RDONLY)
    dfd = os.open(os.path.join(m, "new"), os.O_RDONLY | os.O_DIRECTORY)
    os.chdir(os.path.join(m, "new/dir"))
    before = tree(m)

    # A shared writable mapping refuses the commit and changes nothing.
    mfd = os.open(os.path.join(m, "etc/os"), os.O_RDWR)
    mp = mmap.mmap(mfd, 4096 if os.fstat(mfd).st_size >= 4096 else
                   os.fstat(mfd).st_size, mmap.MAP_SHARED,
                   mmap.PROT_READ | mmap.PROT_WRITE)
    out = commit(vid, u[1], "cc/app:1")
    check(out.startswith("ERR EBUSY") and "/etc/os" in out,
          "shared writable mmap: commit refused, the path named", out)
    rc, out2 = run(LAYERCTL, "layer", "show", "cc/app:1")
    check(rc != 0, "refused commit registered nothing", out2)
    check(tree(m) == before, "refused commit changed nothing",
          diff(tree(m), before))
    mp.close()
    os.close(mfd)

    # Refusals, each leaving everything as it was.
    os.makedirs(os.path.join(S, "full"), exist_ok=True)
    open(os.path.join(S, "full/x"), "w").close()
    cases = [
        ((vid + 1000, u[1], "cc/app:1"), "ERR ENOENT", "unknown view"),
        ((vid, os.path.join(S, "full"), "cc/app:1"), "ERR ENOTEMPTY",
         "non-empty new upper"),
        ((vid, os.path.join(S, "nope"), "cc/app:1"), "ERR ENOENT",
         "missing new upper"),
        ((vid, "relative", "cc/app:1"), "ERR EINVAL", "relative new upper"),
        ((vid, u[1], "Bad Name"), "ERR EINVAL", "invalid name"),
        ((vid, u[1], "cc/base:1"), "ERR EEXIST", "duplicate name"),
        ((vid, os.path.join(S, "base"), "cc/app:1"), "ERR EBUSY",
         "new upper is a layer"),
        ((vid, u[0], "cc/app:1"), "ERR EBUSY", "new upper is the upper"),
        ((vid, os.path.join(w, "x"), "cc/app:1"), "ERR ENOENT",
         "new upper inside work (missing)"),
        ((vid, "/dev", "cc/app:1"), "ERR EXDEV", "new upper on another fs"),
    ]
    for args, want, desc in cases:
        out = commit(*args)
        check(out.startswith(want), "refused: %s (%s)" % (desc, want), out)
    out = commit(vid, u[1], "cc/app:1", "--extra-layer-attr", "3:2f746d7000")
    check(out.startswith("ERR EINVAL"), "refused: PATH given", out)
    check(tree(m) == before, "refusals changed nothing", diff(tree(m), before))

    # The commit itself.
    out = commit(vid, u[1], "cc/app:1", "--author", "liuzhuo",
                 "--message", "first")
    check(out.startswith("OK "), "commit succeeds", out)
    after = tree(m)
    check(after == before, "merged tree (inode numbers included) unchanged",
          diff(after, before))
    adopt_index(m, "cc/app:1", before, "first commit",
                keep=("hl/a/x", "hl/b/y"))
    check(os.listdir(u[1]) == [], "new upper still empty after commit",
          str(os.listdir(u[1])))
    rc, out = run(LAYERCTL, "layer", "show", "cc/app:1")
    check(rc == 0 and "liuzhuo" in out and "first" in out,
          "the layer is registered with author and message", out)
    check("image=cc/app:1" in mount_opts(m) and u[1] in mount_opts(m),
          "mount options show the new image and upper", mount_opts(m))

    # The committed upper is a frozen layer; the live upper is not a layer.
    os.makedirs(os.path.join(S, "mx"), exist_ok=True)
    os.makedirs(os.path.join(S, "wx"), exist_ok=True)
    rc, out = sys_mount("cx", os.path.join(S, "mx"), "layerfs",
                        "layers=cc/base\\:1,upper=%s,work=%s" %
                        (u[0], os.path.join(S, "wx")))
    check(rc != 0 and "busy" in out, "a committed upper cannot be an upper",
          out or "mounted")
    if rc == 0:
        run("umount", os.path.join(S, "mx"))
    rc, out = run(LAYERCTL, "layer", "add", "cc/live:1", u[1])
    check(rc != 0 and "upper or work directory of a mounted view" in out,
          "a live upper cannot be registered as a layer", out)

    # Descriptors from before the commit.
    os.write(wfd, b"after\n")
    with open(os.path.join(u[1], "log")) as f:
        got = f.read()
    check(got == "before\nafter\n",
          "write through an fd opened before commit lands in the new upper",
          repr(got))
    with open(os.path.join(u[0], "log")) as f:
        got = f.read()
    check(got == "before\n", "the committed layer keeps the old content",
          repr(got))
    check(os.pread(rfd, 100, 0) == open(os.path.join(u[0], "etc/os"),
                                        "rb").read(),
          "read through an fd opened before commit")
    check(sorted(os.listdir(dfd)) == ["dir"], "readdir of a dir fd from before",
          str(os.listdir(dfd)))
    # Its next write copies up the removed directory and the file, neither
    # under a name (they have none), as native filesystems allow.
    try:
        os.write(gfd, b"g1\n")
        got = os.pread(gfd, 100, 0)
    except OSError as e:
        got = "write: " + errno.errorcode.get(e.errno, str(e.errno))
    check(got == b"g0\ng1\n",
          "write after commit to an unlinked file in a removed directory",
          repr(got))
    os.close(gfd)
    check("gone" not in os.listdir(m) and
          not os.path.lexists(os.path.join(u[1], "gone")) and
          os.listdir(os.path.join(w, "layerfs.work")) == [],
          "the removed directory stays removed, nothing left in work",
          "view: %s, upper: %s, work: %s" % (
              sorted(os.listdir(m)), sorted(os.listdir(u[1])),
              os.listdir(os.path.join(w, "layerfs.work"))))
    with open("f", "a") as f:                       # cwd from before
        f.write("gen1\n")
    with open(os.path.join(u[1], "new/dir/f")) as f:
        got = f.read()
    check(got == "gen0\ngen1\n", "relative write from an old cwd copies up",
          repr(got))

    # A file open for writing across the next commit, mapped after it.
    datafd = os.open(os.path.join(m, "data"), os.O_RDWR | os.O_CREAT)
    os.write(datafd, b"x" * 4096)

    # Namespace changes to pre-commit objects, in the new generation.
    os.unlink(os.path.join(m, "new/dir/f"))
    check(whiteout(os.path.join(u[1], "new/dir/f")),
          "unlink of a committed upper file leaves a whiteout")
    check(os.path.exists(os.path.join(u[0], "new/dir/f")),
          "the committed layer still has it")
    os.rmdir(os.path.join(m, "new/dir"))
    check(whiteout(os.path.join(u[1], "new/dir")),
          "rmdir of a committed upper dir leaves a whiteout")
    try:
        os.rename(os.path.join(m, "new"), os.path.join(m, "new2"))
        err = 0
    except OSError as e:
        err = e.errno
    check(err == errno.EXDEV, "rename of a committed dir is EXDEV",
          os.strerror(err) if err else "no error")
    os.rename(os.path.join(m, "link"), os.path.join(m, "link2"))
    check(whiteout(os.path.join(u[1], "link")) and
          os.path.islink(os.path.join(u[1], "link2")),
          "rename of a committed symlink: whiteout and new name")
    with open(os.path.join(m, "etc/os"), "w") as f:
        f.write("gen1\n")
    check(open(os.path.join(u[0], "etc/os")).read().endswith("changed\n"),
          "overwrite after commit leaves the committed copy alone")
    os.mkdir(os.path.join(m, "etc/hosts"))
    check(os.path.isdir(os.path.join(u[1], "etc/hosts")),
          "mkdir over a name whited out in the committed layer")

    # Directory link counts: the real one where one directory backs a view
    # directory, 1 where several merge (as overlayfs says for merged dirs).
    solo = os.path.join(m, "solo")
    os.makedirs(os.path.join(solo, "a"))
    os.mkdir(os.path.join(solo, "b"))
    n = os.stat(solo).st_nlink
    check(n == 4, "nlink of a dir only in the upper is its own", str(n))
    n = os.stat(os.path.join(m, "etc")).st_nlink
    check(n == 1, "nlink of a dir in a layer and the upper is 1", str(n))

    # Second commit, on a stack that now has a committed layer.
    gen1 = tree(m, ino=False)
    out = commit(vid, u[2], "cc/app:2", "--message", "second")
    check(out.startswith("OK "), "second commit", out)
    check(tree(m, ino=False) == gen1, "tree unchanged by the second commit",
          diff(tree(m, ino=False), gen1))
    adopt_index(m, "cc/app:2", gen1, "second commit", ino=False,
                keep=("hl/a/x", "hl/b/y"))
    try:
        mmap.mmap(datafd, 4096, mmap.MAP_SHARED,
                  mmap.PROT_READ | mmap.PROT_WRITE).close()
        err = 0
    except OSError as e:
        err = e.errno
    check(err == errno.EBUSY,
          "shared mapping of a committed file open for writing: EBUSY",
          os.strerror(err) if err else "mapped")
    os.pwrite(datafd, b"y", 0)
    mp = mmap.mmap(datafd, 4096, mmap.MAP_SHARED,
                   mmap.PROT_READ | mmap.PROT_WRITE)
    mp[1:2] = b"z"
    mp.flush()
    mp.close()
    with open(os.path.join(u[2], "data"), "rb") as f:
        got = f.read(3)
    check(got == b"yzx", "after a write it maps the new upper", repr(got))
    os.close(datafd)
    n = os.stat(solo).st_nlink
    check(n == 4, "nlink of a dir only in a committed upper is its own",
          str(n))
    open(os.path.join(solo, "c"), "w").close()
    n = os.stat(solo).st_nlink
    check(n == 1, "nlink of a dir in two generations is 1", str(n))
    # Both names of a committed hard link in use, the file copied up
    # through one (its directory with it), then renamed through the other
    # into a third directory: the other's directory must be copied up too
    # (it was not: rename locked a NULL upper directory, an oops).
    x, y = os.path.join(m, "hl/a/x"), os.path.join(m, "hl/b/y")
    check(os.stat(x).st_ino == os.stat(y).st_ino, "a committed hard link")
    with open(x, "a") as f:
        f.write("more\n")
    z = os.path.join(m, "hl/c/z")
    os.rename(y, z)
    check(open(z).read() == "linked\nmore\n" and not os.path.exists(y),
          "rename through the other name of a copied-up hard link",
          repr(open(z).read()))
    check(os.stat(x).st_ino == os.stat(z).st_ino and os.stat(z).st_nlink == 2,
          "the names stay one file", "%r %r" % (os.stat(x), os.stat(z)))
    check(sorted(os.listdir(os.path.join(u[2], "hl/c"))) == ["z"] and
          os.stat(os.path.join(u[2], "hl/c/z")).st_ino ==
          os.stat(os.path.join(u[2], "hl/a/x")).st_ino,
          "in the upper, one file at hl/a/x and hl/c/z")

    rc, out = run(LAYERCTL, "view", "ls")
    check("cc/app\\:2:cc/app\\:1:cc/base\\:1" in out,
          "view ls shows the whole stack", out)

    # A new view of the committed image shows the same tree.
    m2 = os.path.join(S, "m2")
    os.makedirs(m2, exist_ok=True)
    rc, out = sys_mount("cc2", m2, "layerfs", "image=cc/app:2", 1)
    check(rc == 0, "mount image=cc/app:2 read-only", out)
    check(tree(m2, ino=False) == gen1, "it shows the committed tree",
          diff(tree(m2, ino=False), gen1))
    rc, out = run(LAYERCTL, "layer", "rm", "cc/app:1")
    check(rc != 0 and "Device or resource busy" in out,
          "a committed layer in use cannot be removed", out)
    out = commit(view_id(m2), u[3], "cc/ro:1")
    check(out.startswith("ERR EROFS"), "commit of a read-only view", out)
    run("umount", m2)

    os.close(wfd)
    os.close(rfd)
    os.close(dfd)
    os.chdir("/")
    rc, out = run("umount", m)
    check(rc == 0, "umount the committed view", out)
    for name in ("cc/app:2", "cc/app:1"):
        rc, out = run(LAYERCTL, "layer", "rm", name)
        check(rc == 0, "remove %s after umount" % name, out)


main()
