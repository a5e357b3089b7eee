# SPDX-License-Identifier: GPL-2.0
#
# Helper of tests/guest/t-commit-core.sh: writers against commits.  WRITERS
# processes append numbered records to their own file in the view (through
# one descriptor each, held across every commit), and a churn process
# creates, renames and removes files, while the parent commits the view
# COMMITS times, each onto a fresh upper.  Afterwards every record is in
# the merged file exactly once and in order, every layer's copy of a log
# is a prefix of the next one's (copy-up carries everything, nothing is
# doubled), and a new view of the last image shows the same tree.
#
#   commit_stress.py SCRATCH VIEW_ID MOUNTPOINT NLCOMMIT WRITERS COMMITS
#
# Prints "ok DESC" / "not ok DESC: detail" lines.
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import nlcommit  # noqa: E402

S, VID, M, NLCOMMIT = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
WRITERS, COMMITS = int(sys.argv[5]), int(sys.argv[6])


def check(cond, desc, detail=""):
    print(("ok %s" % desc) if cond else ("not ok %s: %s" % (desc, detail)))
    sys.stdout.flush()


def writer(i, stop):
    fd = os.open(os.path.join(M, "log%d" % i),
                 os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    n = 0
    while not os.path.exists(stop) or n < 50:
        os.write(fd, b"%d %08d\n" % (i, n))
        n += 1
        if n % 64 == 0:
            time.sleep(0.002)   # leave the commits some CPU under TCG
    os.close(fd)
    os._exit(0)


def churn(stop):
    n = 0
    while not os.path.exists(stop):
        p = os.path.join(M, "churn%d" % (n % 7))
        try:
            with open(p, "w") as f:
                f.write("%d\n" % n)
            os.rename(p, p + ".r")
            if n % 3:
                os.unlink(p + ".r")
        except OSError as e:
            print("# churn: %s" % e)
            os._exit(1)
        n += 1
    os._exit(0)


def main():
    stop = os.path.join(S, "stop")
    pids = []
    for i in range(WRITERS):
        pid = os.fork()
        if pid == 0:
            writer(i, stop)
        pids.append(pid)
    pid = os.fork()
    if pid == 0:
        churn(stop)
    pids.append(pid)

    uppers = []
    failed = []
    t0 = time.time()
    for c in range(COMMITS):
        time.sleep(0.5)
        up = os.path.join(S, "su%d" % (c + 1))
        os.mkdir(up)
        out = nlcommit.commit(VID, up, "st/img:%d" % (c + 1))
        if not out.startswith("OK"):
            failed.append(out)
        print("# commit %d at %.1f s: %s" % (c + 1, time.time() - t0, out))
        sys.stdout.flush()
        uppers.append(up)
    took = time.time() - t0
    open(stop, "w").close()
    codes = [os.waitpid(p, 0)[1] for p in pids]
    check(not failed, "%d commits under load" % COMMITS, "; ".join(failed))
    check(all(c == 0 for c in codes), "writers and churn exited cleanly",
          str(codes))
    print("# %d commits in %.1f s with %d writers" % (COMMITS, took, WRITERS))

    layers = [os.path.join(S, "su0")] + uppers
    for i in range(WRITERS):
        with open(os.path.join(M, "log%d" % i), "rb") as f:
            lines = f.read().splitlines()
        want = [b"%d %08d" % (i, n) for n in range(len(lines))]
        check(lines == want, "log%d: %d records, each once, in order" %
              (i, len(lines)),
              "first bad at %s" % next((k for k, (a, b) in
                                        enumerate(zip(lines, want)) if a != b),
                                       len(want)))
        prev = b""
        ok = True
        for d in layers:
            p = os.path.join(d, "log%d" % i)
            if os.path.isfile(p):
                cur = open(p, "rb").read()
                ok = ok and cur.startswith(prev)
                prev = cur
        check(ok, "log%d: each layer's copy extends the one below" % i)


main()
