#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# import --dir killed half-way (run by `make unit`):
#
#   tests/unit/import-signal.sh [LAYERCTL]
#
# `layerctl import FILE --dir DIR` promises that DIR is gone when the
# import does not complete.  This interrupts one that has written the
# first file of a tar whose second file never finishes arriving (FILE is
# a FIFO held open; the first file is made, though not all its bytes may
# have passed the extraction's queue): by Ctrl-C on its terminal (SIGINT to the whole
# foreground process group, through python3's pty), SIGTERM, SIGHUP and
# SIGKILL.  Each time DIR must be gone within a few seconds of layerctl's
# death; and after an import that completes, DIR must still hold the
# whole tree a second later.  Exits 1 on any problem.
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
lc=${1:-$root/userspace/layerctl}
[ -x "$lc" ] || { echo "import-signal: no $lc (build it first)"; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

mkdir "$tmp/src"
head -c 300000 /dev/urandom >"$tmp/src/one"
head -c 300000 /dev/urandom >"$tmp/src/two"
tar -C "$tmp/src" -cf "$tmp/in.tar" one two

python3 - "$lc" "$tmp" <<'PY'
import os, pty, signal, sys, time

lc, tmp = sys.argv[1], sys.argv[2]
data = open(os.path.join(tmp, "in.tar"), "rb").read()
bad = 0

def wait_for(cond, secs):
    end = time.time() + secs
    while time.time() < end:
        if cond():
            return True
        time.sleep(0.05)
    return cond()

def start(how, fifo, out):
    argv = [lc, "import", fifo, "--dir", out]
    if how == "ctrl-c":
        pid, fd = pty.fork()
        if pid == 0:
            os.execv(lc, argv)
        return pid, fd
    pid = os.fork()
    if pid == 0:
        os.setsid()
        log = os.open(out + ".log", os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
        os.dup2(log, 1)
        os.dup2(log, 2)
        os.execv(lc, argv)
    return pid, None

for how in ("ctrl-c", "sigterm", "sighup", "sigkill", "complete"):
    fifo = os.path.join(tmp, "fifo-" + how)
    out = os.path.join(tmp, "out-" + how)
    os.mkfifo(fifo)
    pid, fd = start(how, fifo, out)
    w = os.open(fifo, os.O_WRONLY)
    if how == "complete":
        os.write(w, data)
        os.close(w)
        _, st = os.waitpid(pid, 0)
        time.sleep(1)
        have = sorted(os.listdir(out)) if os.path.isdir(out) else None
        if st != 0 or have != ["one", "two"]:
            print("import-signal: a complete import: status %r, DIR holds %r: %s"
                  % (st, have, open(out + ".log").read()))
            bad = 1
        continue
    # the first file and the second's first bytes; the rest never
    os.write(w, data[:400000])
    one = os.path.join(out, "one")
    if not wait_for(lambda: os.path.isfile(one), 20):
        print("import-signal: %s: the first file never appeared" % how)
        bad = 1
    time.sleep(0.2)
    if how == "ctrl-c":
        os.write(fd, b"\x03")
    else:
        os.kill(pid, {"sigterm": signal.SIGTERM, "sighup": signal.SIGHUP,
                      "sigkill": signal.SIGKILL}[how])
    _, st = os.waitpid(pid, 0)
    os.close(w)
    if not os.WIFSIGNALED(st):
        print("import-signal: %s: layerctl ended with status %r, not by its signal"
              % (how, st))
        bad = 1
    if not wait_for(lambda: not os.path.lexists(out), 5):
        print("import-signal: %s half-way through import --dir left DIR: %r"
              % (how, sorted(os.listdir(out))))
        bad = 1
    if fd is not None:
        os.close(fd)
sys.exit(bad)
PY
rc=$?
[ $rc = 0 ] && echo "import-signal: ok"
exit $rc
