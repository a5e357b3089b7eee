# SPDX-License-Identifier: GPL-2.0
#
# Helper of tests/guest/t-commit-race.sh: copy-ups by open-for-write racing
# commits (issue 12, item 3).  A layer "race/base" holds NBIG large files
# (BIG_MIB MiB each), small files and a deep directory tree/a/b/c/d.  In
# rounds until SECONDS have passed: a fresh view over the layer; worker
# processes open lower files O_RDWR (files not yet copied up in this
# generation, so each open copies up) and write a few bytes at random
# offsets, create and remove files in tree/a/b/c (copying the directories
# up), while a lookup process stats and lists that tree; and COMMITS commits
# (raw VIEW_COMMIT, nlcommit.py), each started at a random moment while a
# racer thread's open(O_RDWR) is copying a large file up.  Right after each
# commit the committed layer's directory (its path from `layerctl layer
# show --json`) is hashed: names, types, modes, file contents.  The racer
# then writes through the descriptor it opened across the commit.  At the
# end of the round every committed layer is hashed again: each must be
# unchanged.  Then the view is unmounted and its layers removed (memory:
# tmpfs).
#
#   commit_race.py SCRATCH LAYERCTL SECONDS
#
# Prints "ok DESC" / "not ok DESC: detail" lines and "# ..." comments.
import ctypes
import errno
import hashlib
import json
import os
import random
import shutil
import stat
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import nlcommit  # noqa: E402
from tap import check  # noqa: E402

S, LAYERCTL, SECONDS = sys.argv[1], sys.argv[2], float(sys.argv[3])
NBIG = int(os.environ.get("RACE_NBIG", "8"))
BIG_MIB = int(os.environ.get("RACE_BIG_MIB", "16"))
COMMITS = int(os.environ.get("RACE_COMMITS", "4"))    # per round
WORKERS = int(os.environ.get("RACE_WORKERS", "2"))
RACER_FILES = 2                                        # big0, big1
libc = ctypes.CDLL(None, use_errno=True)


def diag(msg):
    print("# " + msg)
    sys.stdout.flush()


def run(*args):
    p = subprocess.run(list(args), capture_output=True, text=True)
    return p.returncode, (p.stdout + p.stderr).strip()


def sys_mount(source, target, fstype, data):
    if libc.mount(source.encode(), target.encode(), fstype.encode(), 0,
                  data.encode()) != 0:
        return os.strerror(ctypes.get_errno())
    return ""


def hash_tree(root):
    """Per object below root: type, mode and sha256 of the contents."""
    out = {}
    for dirpath, dirs, files in os.walk(root):
        dirs.sort()
        for name in sorted(dirs + files):
            p = os.path.join(dirpath, name)
            st = os.lstat(p)
            h = hashlib.sha256()
            if stat.S_ISREG(st.st_mode):
                with open(p, "rb") as f:
                    while True:
                        b = f.read(1 << 20)
                        if not b:
                            break
                        h.update(b)
            elif stat.S_ISLNK(st.st_mode):
                h.update(os.readlink(p).encode())
            out[os.path.relpath(p, root)] = "%o %d %s" % (
                st.st_mode, st.st_rdev, h.hexdigest()[:16])
    return out


def tree_diff(a, b):
    """What changed from a to b, in a few words."""
    d = []
    for k in sorted(set(a) | set(b)):
        if k not in a:
            d.append("%s appeared" % k)
        elif k not in b:
            d.append("%s vanished" % k)
        elif a[k] != b[k]:
            d.append("%s changed" % k)
    return ", ".join(d[:4]) + (" ..." if len(d) > 4 else "")


def make_lower(lower):
    os.makedirs(os.path.join(lower, "tree/a/b/c/d"))
    chunk = os.urandom(1 << 20)
    for i in range(NBIG):
        with open(os.path.join(lower, "big%d" % i), "wb") as f:
            for j in range(BIG_MIB):
                f.write(bytes([i, j]) + chunk[2:])
    for i in range(20):
        with open(os.path.join(lower, "s%d" % i), "w") as f:
            f.write("small %d\n" % i * 50)
    for i in range(10):
        with open(os.path.join(lower, "tree/a/b/c/d/f%d" % i), "w") as f:
            f.write("deep %d\n" % i)
        with open(os.path.join(lower, "tree/a/b/c/g%d" % i), "w") as f:
            f.write("c %d\n" % i)


def worker(m, stop, out, seed):
    """Random opens for write, writes, creates and unlinks until stop."""
    rnd = random.Random(seed)
    n = 0
    errs = {}
    mine = []
    bigsize = BIG_MIB << 20
    while not os.path.exists(stop):
        n += 1
        r = rnd.random()
        try:
            if r < 0.15:
                p = os.path.join(m, "big%d" % rnd.randrange(RACER_FILES, NBIG))
                fd = os.open(p, os.O_RDWR)
                os.pwrite(fd, b"w%d" % n, rnd.randrange(bigsize - 16))
                os.close(fd)
            elif r < 0.25:
                # Open for write only: a copy-up with nothing written.
                p = os.path.join(m, "big%d" % rnd.randrange(RACER_FILES, NBIG))
                os.close(os.open(p, os.O_RDWR))
            elif r < 0.6:
                p = os.path.join(m, "s%d" % rnd.randrange(20))
                fd = os.open(p, os.O_RDWR)
                os.pwrite(fd, b"x%d" % n, rnd.randrange(200))
                os.close(fd)
            elif r < 0.8:
                p = os.path.join(m, "tree/a/b/c/n%d-%d" % (seed, n))
                with open(p, "w") as f:
                    f.write("new\n")
                mine.append(p)
            elif mine:
                os.unlink(mine.pop(rnd.randrange(len(mine))))
        except OSError as e:
            k = errno.errorcode.get(e.errno, str(e.errno))
            errs[k] = errs.get(k, 0) + 1
        time.sleep(rnd.uniform(0.005, 0.05))
    with open(out, "w") as f:
        json.dump({"ops": n, "errors": errs}, f)


def looker(m, stop, out):
    """Lookups and listings of the tree while it is copied up and committed."""
    n = 0
    errs = {}
    while not os.path.exists(stop):
        n += 1
        try:
            for i in range(10):
                os.stat(os.path.join(m, "tree/a/b/c/d/f%d" % i))
            os.listdir(os.path.join(m, "tree/a/b/c"))
            os.listdir(os.path.join(m, "tree/a/b/c/d"))
            try:
                os.stat(os.path.join(m, "tree/a/b/c/d/absent%d" % n))
            except FileNotFoundError:
                pass
        except OSError as e:
            k = errno.errorcode.get(e.errno, str(e.errno))
            errs[k] = errs.get(k, 0) + 1
    with open(out, "w") as f:
        json.dump({"ops": n, "errors": errs}, f)


def spawn(fn, *args):
    pid = os.fork()
    if pid == 0:
        try:
            fn(*args)
        finally:
            os._exit(0)
    return pid


def view_id(mnt):
    rc, out = run(LAYERCTL, "view", "ls", "--json")
    for v in json.loads(out):
        if mnt in v.get("mountpoints", []):
            return v["id"]
    raise SystemExit("no view at %s: %s" % (mnt, out))


def layer_path(name):
    rc, out = run(LAYERCTL, "layer", "show", name, "--json")
    if rc:
        return None
    return json.loads(out).get("path")


def one_round(k, deadline, cu_time):
    """Returns (commits, races, copy-up seconds measured)."""
    rd = os.path.join(S, "r%d" % k)
    m, w = os.path.join(rd, "m"), os.path.join(rd, "w")
    uppers = [os.path.join(rd, "u0")]
    for d in (m, w, uppers[0]):
        os.makedirs(d)
    err = sys_mount("race", m, "layerfs", "layers=race/base,upper=%s,work=%s"
                    % (uppers[0], w))
    check(not err, "round %d: mount the view" % k, err)
    if err:
        return 0, 0, cu_time
    vid = view_id(m)
    if cu_time is None:
        t0 = time.monotonic()
        os.close(os.open(os.path.join(m, "big%d" % (NBIG - 1)), os.O_RDWR))
        cu_time = time.monotonic() - t0
        diag("copy-up of a %d MiB file by open(O_RDWR): %.3f s"
             % (BIG_MIB, cu_time))

    stop = os.path.join(rd, "stop")
    pids = [spawn(worker, m, stop, os.path.join(rd, "worker%d" % i),
                  k * 100 + i) for i in range(WORKERS)]
    pids.append(spawn(looker, m, stop, os.path.join(rd, "looker")))

    layers = []          # (name, path, hash right after its commit)
    bad_commits = []
    races = 0
    rnd = random.Random(k)
    for n in range(1, COMMITS + 1):
        if time.monotonic() > deadline and n > 1:
            break
        racer_file = os.path.join(m, "big%d" % (n % RACER_FILES))
        started = threading.Event()
        state = {}

        def racer():
            started.set()
            try:
                fd = os.open(racer_file, os.O_RDWR)    # copies up
                state["done"] = time.monotonic()
                os.pwrite(fd, b"before", rnd.randrange(BIG_MIB << 20))
                state["fd"] = fd
            except OSError as e:
                state["err"] = e

        t = threading.Thread(target=racer)
        t.start()
        started.wait()
        time.sleep(rnd.uniform(0, 1.3 * cu_time))
        new = os.path.join(rd, "u%d" % n)
        os.makedirs(new)
        name = "race/r%d:%d" % (k, n)
        t_commit = time.monotonic()
        try:
            out = nlcommit.commit(vid, new, name)
        except OSError as e:
            out = "ERR %s" % e
        if out.startswith("OK"):
            path = layer_path(name)
            if path != uppers[-1]:
                bad_commits.append("%s: path %s, expected %s"
                                   % (name, path, uppers[-1]))
            layers.append((name, uppers[-1], hash_tree(uppers[-1])))
            uppers.append(new)
        else:
            bad_commits.append("%s: %s" % (name, out))
        t.join()
        if "done" in state and state["done"] > t_commit:
            races += 1     # the copy-up was still running when commit began
        if "fd" in state:
            # Written through a descriptor opened across the commit.
            os.pwrite(state["fd"], b"after", rnd.randrange(BIG_MIB << 20))
            os.close(state["fd"])
        if "err" in state:
            bad_commits.append("racer open: %s" % state["err"])
        time.sleep(rnd.uniform(0.2, 0.5))

    open(stop, "w").close()
    for pid in pids:
        os.waitpid(pid, 0)
    check(not bad_commits, "round %d: %d commits, all accepted"
          % (k, len(layers)), "; ".join(bad_commits[:5]))
    changed = []
    for name, path, h in layers:
        now = hash_tree(path)
        if now != h:
            changed.append("%s (%s)" % (name, tree_diff(h, now)))
    check(not changed, "round %d: every committed layer unchanged since its "
          "commit (%d layers)" % (k, len(layers)), "changed: %s"
          % "; ".join(changed))
    for i in range(WORKERS):
        with open(os.path.join(rd, "worker%d" % i)) as f:
            res = json.load(f)
        errs = {e: c for e, c in res["errors"].items() if e != "ENOENT"}
        check(not errs, "round %d: writer %d: %d operations, no error"
              % (k, i, res["ops"]), str(res["errors"]))
    with open(os.path.join(rd, "looker")) as f:
        res = json.load(f)
    check(not res["errors"], "round %d: %d rounds of lookups in a tree being "
          "copied up and committed, no error" % (k, res["ops"]),
          str(res["errors"]))

    if libc.umount2(m.encode(), 0) != 0:
        check(False, "round %d: umount" % k,
              os.strerror(ctypes.get_errno()))
        return len(layers), races, cu_time
    for name, path, h in reversed(layers):
        rc, out = run(LAYERCTL, "layer", "rm", name)
        if rc:
            check(False, "round %d: remove %s" % (k, name), out)
    shutil.rmtree(rd)
    return len(layers), races, cu_time


def main():
    lower = os.path.join(S, "lower")
    t0 = time.monotonic()
    make_lower(lower)
    diag("lower layer: %d x %d MiB files made in %.1f s"
         % (NBIG, BIG_MIB, time.monotonic() - t0))
    rc, out = run(LAYERCTL, "layer", "add", "race/base", lower)
    check(rc == 0, "register the lower layer", out)
    if rc:
        return
    start = time.monotonic()
    deadline = start + SECONDS
    commits = races = 0
    cu_time = None
    k = 0
    # Rounds until SECONDS have passed and at least 4 commits ran (a
    # slow machine, or a debug kernel, may need another round for that),
    # but not past four times SECONDS.
    while ((time.monotonic() < deadline - 5 or k == 0 or commits < 4) and
           time.monotonic() < start + 4 * SECONDS):
        k += 1
        c, r, cu_time = one_round(k, deadline, cu_time)
        commits += c
        races += r
    diag("%d rounds, %d commits in %.0f s; %d commits began while the "
         "racer's copy-up was still running" % (k, commits,
                                                time.monotonic() - start,
                                                races))
    check(commits >= 4, "at least 4 commits ran (%d)" % commits)
    rc, out = run(LAYERCTL, "layer", "rm", "race/base")
    check(rc == 0, "remove the lower layer", out)


main()
