# SPDX-License-Identifier: GPL-2.0
#
# Helper of tests/guest/t-stress.sh: random operations on a view while it is
# committed, listed, and while other views come and go.
#
#   stress.py SCRATCH VIEW_ID MOUNTPOINT LAYERCTL SECONDS WORKERS SEED
#
# WORKERS processes run random namespace and data operations (create,
# write, append, truncate, read, mmap, unlink, rename, mkdir, rmdir,
# symlink, link, chmod, setxattr, readdir) in a small shared name space of
# the view, so they collide; a committer commits the view every ~2 s onto a
# fresh upper; a lister lists layers and views through layerctl; a mounter
# mounts and unmounts read-only views of the committed images.  Expected
# errors (ENOENT, EEXIST, ENOTEMPTY, EXDEV, EISDIR, ENOTDIR, EBUSY on
# mmap of a committed file, ...) are counted; any other error, a crashed
# process or a failed commit is a failure.  Prints "ok ..."/"not ok ..."
# lines and "# ..." figures.
import errno
import mmap
import os
import random
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import nlcommit  # noqa: E402

S, VID, M, LAYERCTL = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
SECONDS, WORKERS, SEED = int(sys.argv[5]), int(sys.argv[6]), int(sys.argv[7])

EXPECTED = {errno.ENOENT, errno.EEXIST, errno.ENOTEMPTY, errno.EXDEV,
            errno.EISDIR, errno.ENOTDIR, errno.EBUSY, errno.EINVAL,
            errno.ENODATA, errno.EMLINK, errno.ELOOP}
NAMES = ["a", "b", "c", "d", "e", "f"]
DIRS = ["", "d1", "d2", "d1/d3"]


def path(rng):
    return os.path.join(M, rng.choice(DIRS), rng.choice(NAMES))


OPS = ["write", "append", "truncate", "read", "unlink", "rename", "mkdir",
       "rmdir", "symlink", "link", "chmod", "setxattr", "readdir", "mmap",
       "removexattr", "append-fd"]


def op(rng, i, last):
    p = path(rng)
    k = rng.randrange(16)
    if k == 9 and os.environ.get("STRESS_NO_LINKS"):
        k = 3
    last[0] = "%s %s" % (OPS[k], os.path.relpath(p, M))
    if k == 0:
        with open(p, "w") as f:
            f.write("x" * rng.randrange(1, 5000))
    elif k == 1:
        with open(p, "a") as f:
            f.write("y" * rng.randrange(1, 100))
    elif k == 2:
        os.truncate(p, rng.randrange(0, 10000))
    elif k == 3:
        with open(p, "rb") as f:
            f.read()
    elif k == 4:
        os.unlink(p)
    elif k == 5:
        os.rename(p, path(rng))
    elif k == 6:
        os.mkdir(p)
    elif k == 7:
        os.rmdir(p)
    elif k == 8:
        os.symlink(rng.choice(NAMES), p)
    elif k == 9:
        try:
            os.link(p, path(rng))
        except OSError as e:
            # link(2) gives EPERM for a directory; checking afterwards
            # races with the other workers, so take it as that.
            if e.errno == errno.EPERM:
                raise OSError(errno.EISDIR, "link of a directory")
            raise
    elif k == 10:
        os.chmod(p, rng.choice([0o644, 0o600, 0o755]))
    elif k == 11:
        # (tmpfs has no user.* xattrs in 6.1; trusted.* as root)
        os.setxattr(p, "trusted.k%d" % rng.randrange(3),
                    b"v" * rng.randrange(50))
    elif k == 12:
        os.listdir(os.path.dirname(p))
    elif k == 13:
        # A file of this worker's own: another's truncate would SIGBUS.
        p = os.path.join(M, "mm%d" % i)
        fd = os.open(p, os.O_RDWR | os.O_CREAT)
        try:
            if os.fstat(fd).st_size < 4096:
                os.write(fd, b"\0" * 4096)
            if os.fstat(fd).st_size:
                try:
                    mp = mmap.mmap(fd, 0, mmap.MAP_SHARED)
                except ValueError:
                    return      # truncated to 0 meanwhile
                try:
                    mp[0:1] = b"m"
                finally:
                    mp.close()
        finally:
            os.close(fd)
    elif k == 14:
        os.removexattr(p, "trusted.k%d" % rng.randrange(3))
    else:
        fd = os.open(p, os.O_WRONLY | os.O_APPEND)
        try:
            for _ in range(5):
                os.write(fd, b"z")
        finally:
            os.close(fd)


def worker(i, deadline):
    rng = random.Random(SEED * 1000 + i)
    n = bad = 0
    counts = {}
    last = [""]
    what = []
    while time.time() < deadline:
        try:
            op(rng, i, last)
        except OSError as e:
            counts[e.errno] = counts.get(e.errno, 0) + 1
            if e.errno not in EXPECTED:
                bad += 1
                if bad <= 3:
                    what.append("%s: %s" % (last[0],
                                            errno.errorcode[e.errno]))
        n += 1
    with open(os.path.join(S, "w%d.res" % i), "w") as f:
        f.write("%d %d %s %s\n" % (n, bad, counts, what))
    os._exit(1 if bad else 0)


def lister(deadline):
    n = bad = 0
    while time.time() < deadline:
        for args in (["layer", "ls", "--json"], ["view", "ls", "--json"]):
            p = subprocess.run([LAYERCTL] + args, capture_output=True)
            n += 1
            if p.returncode:
                bad += 1
                print("# lister: %s" % p.stderr.decode().strip())
    with open(os.path.join(S, "lister.res"), "w") as f:
        f.write("%d %d\n" % (n, bad))
    os._exit(1 if bad else 0)


def mounter(deadline):
    import ctypes
    libc = ctypes.CDLL(None, use_errno=True)
    mnt = os.path.join(S, "ro")
    os.makedirs(mnt, exist_ok=True)
    n = bad = 0
    while time.time() < deadline:
        imgs = sorted(f for f in os.listdir(S) if f.startswith("img-"))
        if not imgs:
            time.sleep(0.2)
            continue
        ref = "st/img:%s" % imgs[-1][4:]
        if libc.mount(b"ro", mnt.encode(), b"layerfs", 1,
                      ("image=" + ref).encode()) != 0:
            e = ctypes.get_errno()
            bad += 1
            print("# mounter: %s: %s" % (ref, os.strerror(e)))
            continue
        for dirpath, dirs, files in os.walk(mnt):
            for f in files:
                try:
                    with open(os.path.join(dirpath, f), "rb") as fh:
                        fh.read()
                except OSError as e:
                    if e.errno not in (errno.ENOENT, errno.ELOOP):
                        bad += 1
                        print("# mounter: %s" % e)
        if libc.umount2(mnt.encode(), 0) != 0:
            bad += 1
            print("# mounter: umount: %s" % os.strerror(ctypes.get_errno()))
        n += 1
    with open(os.path.join(S, "mounter.res"), "w") as f:
        f.write("%d %d\n" % (n, bad))
    os._exit(1 if bad else 0)


def main():
    for d in DIRS[1:]:
        os.makedirs(os.path.join(M, d), exist_ok=True)
    deadline = time.time() + SECONDS
    kids = {}
    for i in range(WORKERS):
        pid = os.fork()
        if pid == 0:
            worker(i, deadline)
        kids[pid] = "worker %d" % i
    for name, fn in (("lister", lister), ("mounter", mounter)):
        pid = os.fork()
        if pid == 0:
            fn(deadline)
        kids[pid] = name

    commits = failed = 0
    times = []
    while time.time() < deadline - 1:
        time.sleep(2)
        up = os.path.join(S, "up%d" % (commits + 1))
        os.mkdir(up)
        out = nlcommit.commit(VID, up, "st/img:%d" % (commits + 1))
        if out.startswith("OK"):
            commits += 1
            times.append(float(out.split()[2]))
            # Every other committed layer gets its index: the live view
            # takes it up while the workers run; between two, it walks
            # the upper committed since.
            if commits % 2:
                p = subprocess.run([LAYERCTL, "layer", "index",
                                    "st/img:%d" % commits, "-o",
                                    os.path.join(S, "index-%d" % commits)],
                                   capture_output=True)
                if p.returncode:
                    failed += 1
                    print("# layer index st/img:%d: %s" %
                          (commits, p.stderr.decode().strip()))
            open(os.path.join(S, "img-%d" % commits), "w").close()
        elif not out.startswith("ERR EBUSY"):
            failed += 1
            print("# commit: %s" % out)
        else:
            print("# commit refused (a shared writable mapping): %s" % out)
            os.rmdir(up)

    status = {}
    for pid, name in kids.items():
        status[name] = os.waitpid(pid, 0)[1]
    total = 0
    for i in range(WORKERS):
        try:
            with open(os.path.join(S, "w%d.res" % i)) as f:
                n, bad, counts = f.read().split(" ", 2)
        except FileNotFoundError:
            n, counts = "0", "(worker died)"
        total += int(n)
        print("# worker %d: %s operations, errors %s" % (i, n,
                                                          counts.strip()))
    print("# %d operations by %d workers in %d s; %d commits (%.0f-%.0f ms)"
          % (total, WORKERS, SECONDS, commits, min(times or [0]),
             max(times or [0])))
    for name in ("lister", "mounter"):
        try:
            with open(os.path.join(S, name + ".res")) as f:
                print("# %s: %s rounds, failures %s" %
                      ((name,) + tuple(f.read().split())))
        except FileNotFoundError:
            print("# %s died" % name)
    check = all(v == 0 for v in status.values())
    print(("ok" if check else "not ok") +
          " every process ended cleanly: %s" % status)
    print(("ok" if commits and not failed else "not ok") +
          " %d commits, %d failed" % (commits, failed))
    with open(os.path.join(S, "commits"), "w") as f:
        f.write("%d\n" % commits)


main()
