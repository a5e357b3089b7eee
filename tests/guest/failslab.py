#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Fault-injection driver for tests/guest/t-failslab.sh (debug kernel only).

Runs layerfs operations with failslab enabled for this process only
(/proc/self/make-it-fail, failslab task-filter) and checks that every
failure is a clean errno and that the view and its upper stay consistent
once fault injection is off again.  Prints TAP-like lines that the shell
test turns into checks:

  ok WHAT / not ok WHAT / # diagnostics

  failslab.py mount-loop   LAYERS UPPER WORK MNT ITER
  failslab.py copy-up      LAYERS UPPER WORK MNT ITER
  failslab.py layerctl     LOADER MODULE DIR ITER [COMMIT_MNT]
                           (LOADER: ld.so beside layerctl and its libraries)

The probability cycles through PROBS; the failslab knobs other than
probability are set by the shell test.
"""

import collections
import ctypes
import errno
import heapq  # noqa: F401 (Counter.most_common imports it lazily)
import os
import random
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import nlcommit  # noqa: E402 (raw LAYERFS_CMD_VIEW_COMMIT requests)

FAILSLAB = "/sys/kernel/debug/failslab"
PROBS = [2, 5, 10, 25, 50]
# errnos that point at a broken kernel path rather than a refused allocation
SUSPICIOUS = {errno.EIO, errno.EUCLEAN, errno.ESTALE, errno.EFAULT}

libc = ctypes.CDLL(None, use_errno=True)
libc.mount.argtypes = [ctypes.c_char_p] * 3 + [ctypes.c_ulong, ctypes.c_char_p]
libc.umount2.argtypes = [ctypes.c_char_p, ctypes.c_int]

failures = 0


def say(line):
    print(line, flush=True)


def ok(what):
    say("ok - " + what)


def not_ok(what, *detail):
    global failures
    failures += 1
    say("not ok - " + what)
    for d in detail:
        for line in str(d).splitlines():
            say("#   " + line)


def diag(msg):
    say("# " + msg)


_self_fd = None


def make_it_fail(pid, on):
    """Set /proc/PID/make-it-fail; for "self" through an fd opened once, as
    opening it again with injection on may itself fail."""
    global _self_fd
    if pid != "self":
        with open("/proc/%s/make-it-fail" % pid, "w") as f:
            f.write("1" if on else "0")
        return
    if _self_fd is None:
        _self_fd = os.open("/proc/self/make-it-fail", os.O_WRONLY)
    os.lseek(_self_fd, 0, os.SEEK_SET)
    os.write(_self_fd, b"1" if on else b"0")


def set_prob(p):
    """Set the failslab probability (with injection off for this task)."""
    make_it_fail("self", False)
    with open(FAILSLAB + "/probability", "w") as f:
        f.write(str(p))


class Inject:
    """with Inject(p): failslab at probability p for this process; the
    probability is 0 outside such a block."""

    def __init__(self, prob):
        self.prob = prob

    def __enter__(self):
        set_prob(self.prob)
        make_it_fail("self", True)

    def __exit__(self, *exc):
        make_it_fail("self", False)
        set_prob(0)
        return False


def sys_mount(src, tgt, fstype, data):
    r = libc.mount(src.encode(), tgt.encode(), fstype.encode(), 0,
                   data.encode() if data is not None else None)
    return 0 if r == 0 else ctypes.get_errno()


def sys_umount(tgt):
    r = libc.umount2(tgt.encode(), 0)
    return 0 if r == 0 else ctypes.get_errno()


def is_mounted(path):
    with open("/proc/self/mounts") as f:
        return any(line.split()[1] == path for line in f)


def umount_retry(mnt):
    for _ in range(100):
        if not is_mounted(mnt):
            return 0
        e = sys_umount(mnt)
        if e == 0:
            return 0
    return e


class Errnos:
    def __init__(self):
        self.c = collections.Counter()
        self.calls = 0
        self.suspicious = []

    def add(self, op, e, path=""):
        self.calls += 1
        if e:
            self.c[errno.errorcode.get(e, str(e))] += 1
            if e in SUSPICIOUS:
                self.suspicious.append("%s %s: %s" % (op, path, os.strerror(e)))

    def summary(self):
        fails = sum(self.c.values())
        return "%d calls, %d failed (%s)" % (
            self.calls, fails,
            ", ".join("%s %d" % kv for kv in sorted(self.c.items())) or "none")

    def check(self, what):
        diag("%s: %s" % (what, self.summary()))
        if self.suspicious:
            not_ok(what + ": failures are clean errnos", *self.suspicious[:20])
        else:
            ok(what + ": failures are clean errnos (%s)" % self.summary())


def mount_opts(layers, upper, work):
    o = "layers=" + layers
    if upper:
        o += ",upper=%s,work=%s" % (upper, work)
    return o


def read_tree(top):
    """{relative path: content bytes or 'DIR'} of a tree, symlinks as such."""
    out = {}
    for dirpath, dirnames, filenames in os.walk(top):
        rel = os.path.relpath(dirpath, top)
        for d in dirnames:
            out[os.path.normpath(os.path.join(rel, d))] = "DIR"
        for n in filenames:
            p = os.path.join(dirpath, n)
            r = os.path.normpath(os.path.join(rel, n))
            st = os.lstat(p)
            if os.path.stat.S_ISREG(st.st_mode):
                with open(p, "rb") as f:
                    out[r] = f.read()
            else:
                out[r] = "mode %o rdev %d" % (st.st_mode, st.st_rdev)
    return out


def tree_diff(got, want):
    lines = []
    for k in sorted(set(got) | set(want)):
        if k not in got:
            lines.append("missing: " + k)
        elif k not in want:
            lines.append("unexpected: %s = %r" % (k, got[k]))
        elif got[k] != want[k]:
            lines.append("differs: %s: %r, expected %r" % (k, got[k], want[k]))
    return lines


def mount_loop(layers, upper, work, mnt, iters):
    """Mount and unmount a writable view under failslab, with lookups."""
    errs = Errnos()
    opts = mount_opts(layers, upper, work)
    mounted = 0
    for i in range(iters):
        prob = PROBS[i % len(PROBS)]
        with Inject(prob):
            e = sys_mount("fsview", mnt, "layerfs", opts)
            errs.add("mount", e, mnt)
            if e == 0:
                for p in ("", "dir", "dir/sub", "file0", "dir/file1", "nope"):
                    try:
                        os.stat(os.path.join(mnt, p))
                        errs.calls += 1
                    except OSError as x:
                        if x.errno != errno.ENOENT or p != "nope":
                            errs.add("stat", x.errno, p)
        if e == 0:
            mounted += 1
            e = umount_retry(mnt)
            if e:
                not_ok("umount %s after an injected-failure run" % mnt,
                       os.strerror(e))
                return
    diag("mount-loop: %d of %d mounts succeeded" % (mounted, iters))
    errs.check("mount under failslab")
    if is_mounted(mnt):
        not_ok("no view left mounted at " + mnt)
    # without injection the view mounts and unmounts
    e = sys_mount("fsview", mnt, "layerfs", opts)
    if e:
        not_ok("view mounts after fault injection", os.strerror(e))
    else:
        ok("view mounts after fault injection")
        umount_retry(mnt)


def drop_caches():
    with open("/proc/sys/vm/drop_caches", "w") as f:
        f.write("2")


def copy_up(layers, upper, work, mnt, iters):
    """Lookups, readdir, reads and copy-up (append) under failslab."""
    opts = mount_opts(layers, upper, work)
    e = sys_mount("fsview", mnt, "layerfs", opts)
    if e:
        not_ok("mount the view", os.strerror(e))
        return
    base = read_tree(mnt)
    files = sorted(k for k, v in base.items() if v != "DIR")
    dirs = [""] + sorted(k for k, v in base.items() if v == "DIR")
    appends = collections.Counter()
    errs = Errnos()
    rnd = random.Random(1234)
    partial = []
    for i in range(iters):
        prob = PROBS[i % len(PROBS)]
        # each round: many operations at one probability
        ops = [rnd.randrange(4) for _ in range(40)]
        targets = [rnd.choice(files) for _ in ops]
        dtargets = [rnd.choice(dirs) for _ in ops]
        drop_caches()  # so that lookups allocate again
        with Inject(prob):
            for op, f, d in zip(ops, targets, dtargets):
                p = os.path.join(mnt, f)
                try:
                    if op == 0:
                        os.stat(p)
                    elif op == 1:
                        os.listdir(os.path.join(mnt, d))
                    elif op == 2:
                        with open(p, "rb") as fh:
                            fh.read()
                    else:
                        fd = os.open(p, os.O_WRONLY | os.O_APPEND)
                        try:
                            n = os.write(fd, b"+\n")
                            if n == 2:
                                appends[f] += 1
                            else:
                                partial.append("%s: short write %d" % (f, n))
                        finally:
                            os.close(fd)
                    errs.add("op%d" % op, 0)
                except OSError as x:
                    errs.add(["stat", "readdir", "read", "copy-up/append"][op],
                             x.errno, f)
    errs.check("lookup, readdir, read, copy-up under failslab")
    if partial:
        not_ok("no short writes", *partial)
    diag("copy-up: %d files appended to, %d appends" %
         (len(appends), sum(appends.values())))

    want = dict(base)
    for f, n in appends.items():
        want[f] = base[f] + b"+\n" * n
    # the same mount (dentry/inode caches as fault injection left them)
    got = read_tree(mnt)
    d = tree_diff(got, want)
    if d:
        not_ok("view tree as expected after failslab (same mount)", *d[:40])
    else:
        ok("view tree as expected after failslab (same mount)")
    e = umount_retry(mnt)
    if e:
        not_ok("umount", os.strerror(e))
        return
    # the upper holds complete copies only, of files written to
    up = read_tree(upper)
    bad = []
    for k, v in up.items():
        if k not in want:
            bad.append("unexpected in upper: %s = %r" % (k, v))
        elif v != want[k] and not (v == "DIR" and want[k] == "DIR"):
            bad.append("partial copy in upper: %s = %r, expected %r" %
                       (k, v, want[k]))
    for f in appends:
        if f not in up:
            bad.append("appended-to file not in upper: " + f)
    if bad:
        not_ok("upper holds complete copy-ups only", *bad[:40])
    else:
        ok("upper holds complete copy-ups only (%d entries)" % len(up))
    wk = os.path.join(work, "layerfs.work")
    if os.path.isdir(wk) and os.listdir(wk):
        diag("left in %s: %s" % (wk, " ".join(sorted(os.listdir(wk))[:20])))
    # a fresh mount shows the same tree
    e = sys_mount("fsview", mnt, "layerfs", opts)
    if e:
        not_ok("view mounts again", os.strerror(e))
        return
    got = read_tree(mnt)
    d = tree_diff(got, want)
    if d:
        not_ok("view tree as expected after failslab (fresh mount)", *d[:40])
    else:
        ok("view tree as expected after failslab (fresh mount, %d entries)"
           % len(got))
    umount_retry(mnt)


def wait_reading(pid):
    """Wait until PID sits in read(0, ...): loaded, at its batch input."""
    for _ in range(3000):
        try:
            with open("/proc/%d/syscall" % pid) as f:
                w = f.read().split()
            if len(w) > 1 and w[0] == "0" and int(w[1], 16) == 0:
                return
        except OSError:
            pass
        time.sleep(0.01)


def batch(iters, dirs, mnt, commit_mnt, r):
    """The commands of batch r."""
    lines = []
    for i in range(iters):
        a, b = "fsx%d" % (i % 4), "fsy%d" % (i % 4)
        lines += [
            "layer add %s %s" % (a, dirs[i % 4]),
            "layer add %s %s --parent %s -a fuzz -m 'under failslab'" %
            (b, dirs[(i + 1) % 4], a),
            "layer ls",
            "layer show %s --json" % b,
            "mount --layers %s:%s %s" % (b, a, mnt),
            "view ls --json",
            "umount %s" % mnt,
            "layer rm %s" % b,
            "layer rm %s" % a,
        ]
        if commit_mnt:
            lines.append("commit %s fsc/c%d:%d -m 'under failslab'" %
                         (commit_mnt, r, i))
    return lines


def layerctl(ctl, module, top, iters, commit_mnt=None):
    """layerctl commands in batch processes under failslab."""
    dirs = []
    for i in range(4):
        d = os.path.join(top, "l%d" % i)
        os.makedirs(os.path.join(d, "sub"), exist_ok=True)
        with open(os.path.join(d, "sub", "f"), "w") as f:
            f.write("layer %d\n" % i)
        dirs.append(d)
    mnt = os.path.join(top, "mnt")
    os.makedirs(mnt, exist_ok=True)
    before = commit_mnt and read_tree(commit_mnt)
    total = 0
    status = []
    errs = []
    # No rseq: the kernel kills a task with SIGSEGV, silently, when it
    # cannot update the rseq area (a page fault whose allocation failed).
    env = dict(os.environ, GLIBC_TUNABLES="glibc.pthread.rseq=0")
    for r in range(len(PROBS)):
        lines = batch(iters, dirs, mnt, commit_mnt, r)
        p = subprocess.Popen([ctl, "--library-path", os.path.dirname(ctl),
                              os.path.join(os.path.dirname(ctl), "layerctl"),
                              "--module", module, "--force", "-b", "-"],
                             stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE, env=env)
        wait_reading(p.pid)
        make_it_fail(p.pid, True)
        set_prob(PROBS[r])
        _, err = p.communicate("\n".join(lines).encode() + b"\n")
        set_prob(0)
        total += len(lines)
        status.append(p.returncode)
        errs += err.decode(errors="replace").splitlines()
        # after a failed umount the view may still be there
        umount_retry(mnt)
    diag("layerctl: %d commands in %d batches, %d error lines, exit %s" %
         (total, len(PROBS), len(errs), status))
    msgs = collections.Counter()
    for line in errs:
        k = line.rsplit("(", 1)[-1].rstrip(")") if line.endswith(")") else line
        msgs[k] += 1
    for k, n in msgs.most_common(12):
        diag("  %5d  %s" % (n, k))
    killed = [s for s in status if s < 0 or s > 128]
    if killed:
        not_ok("layerctl exits normally under failslab", "status %s" % status)
    else:
        ok("layerctl exits normally under failslab")
    odd = [line for line in errs if not line.startswith("layerctl")]
    if odd:
        not_ok("every layerctl failure is a layerctl error message", *odd[:20])
    else:
        ok("every layerctl failure is a layerctl error message")
    if commit_mnt:
        d = tree_diff(read_tree(commit_mnt), before)
        if d:
            not_ok("view tree unchanged by commits under failslab", *d[:40])
        else:
            ok("view tree unchanged by commits under failslab")


def layer_registered(name):
    """LAYERFS_CMD_LAYER_GET of @name: True, False (ENOENT), or raises."""
    sock = nlcommit.socket.socket(nlcommit.socket.AF_NETLINK,
                                  nlcommit.socket.SOCK_RAW,
                                  nlcommit.NETLINK_GENERIC)
    try:
        fam = nlcommit.family_id(sock)
        layer = nlcommit.string(nlcommit.LAYERFS_LAYER_A_NAME, name)
        err, text, _ = nlcommit.request(
            sock, fam, 3,  # LAYERFS_CMD_LAYER_GET
            nlcommit.attr(nlcommit.LAYERFS_A_LAYER | nlcommit.NLA_F_NESTED,
                          layer), 3)
    finally:
        sock.close()
    if err == -errno.ENOENT:
        return False
    if err:
        raise OSError(-err, "layer get %s: %s" % (name, text))
    return True


def commit_loop(view_id, mnt, top, iters):
    """LAYERFS_CMD_VIEW_COMMIT of the writable view @view_id (mounted at
    @mnt) under failslab, each time onto a new empty upper TOP/nuN.  After
    every attempt, without injection: the view's tree is unchanged, and the
    commit happened entirely or not at all: a file written to the view
    lands in TOP/nuN exactly when the layer fsc/n:N is registered (the
    kernel keeps a commit whose reply could not be sent, as for LAYER_ADD:
    then the request fails but both are true), and always when the request
    succeeded."""
    errs = Errnos()
    want = read_tree(mnt)
    done = bad = 0
    for i in range(iters):
        nu = os.path.join(top, "nu%d" % i)
        os.mkdir(nu)
        name = "fsc/n:%d" % i
        prob = PROBS[i % len(PROBS)]
        res = None
        with Inject(prob):
            try:
                res = nlcommit.commit(view_id, nu, name)
            except OSError as x:
                errs.add("commit (socket)", x.errno, name)
        if res is not None:
            e = 0
            if res.startswith("ERR "):
                code = res.split()[1]
                e = getattr(errno, code, None)
                if e is None:
                    e = int(code) if code.isdigit() else errno.EIO
            errs.add("commit", e, name + (" (" + res + ")" if e else ""))
        probe = os.path.join(mnt, "probe%d" % i)
        with open(probe, "w") as f:
            f.write("probe")
        switched = os.path.exists(os.path.join(nu, "probe%d" % i))
        registered = layer_registered(name)
        os.unlink(probe)
        got = read_tree(mnt)
        if switched != registered or \
                ((res or "").startswith("OK") and not switched):
            bad += 1
            not_ok("commit %s all or nothing" % name,
                   "reply %r, new upper in use %s, layer registered %s" %
                   (res, switched, registered))
        if got != want:
            bad += 1
            not_ok("view tree unchanged by commit %s" % name,
                   *tree_diff(got, want)[:20])
        if switched:
            done += 1
        else:
            os.rmdir(nu)
    diag("commit-loop: %d of %d commits happened" % (done, iters))
    errs.check("commit under failslab")
    if not bad:
        ok("every commit under failslab happened entirely or not at all, "
           "the tree unchanged (%d attempts)" % iters)
    # without injection a commit succeeds
    nu = os.path.join(top, "nu-final")
    os.mkdir(nu)
    res = nlcommit.commit(view_id, nu, "fsc/n:final")
    if res.startswith("OK"):
        ok("commit succeeds after fault injection")
    else:
        not_ok("commit succeeds after fault injection", res)


def main(argv):
    cmd = argv[1]
    # Everything this process runs is resident: no page fault reaches the
    # 9p root (the guest's /) while allocations fail.
    libc.mlockall(3)  # MCL_CURRENT | MCL_FUTURE
    if cmd == "mount-loop":
        mount_loop(argv[2], argv[3], argv[4], argv[5], int(argv[6]))
    elif cmd == "copy-up":
        copy_up(argv[2], argv[3], argv[4], argv[5], int(argv[6]))
    elif cmd == "commit-loop":
        commit_loop(int(argv[2]), argv[3], argv[4], int(argv[5]))
    elif cmd == "layerctl":
        layerctl(argv[2], argv[3], argv[4], int(argv[5]),
                 argv[6] if len(argv) > 6 else None)
    else:
        sys.exit("failslab.py: unknown command " + cmd)
    make_it_fail("self", False)
    return 1 if failures else 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv))
    finally:
        try:
            make_it_fail("self", False)
        except OSError:
            pass
