#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# login's password prompt on a terminal (run by `make unit`):
#
#   tests/unit/login-tty.sh [LAYERCTL]
#
# layerctl login turns the terminal's echo off to read the password.  A
# Ctrl-C (SIGINT from the terminal) or a SIGTERM at the prompt must end
# it with the echo on again, as the shell had it: the terminal must not
# be left echoing nothing.  Runs layerctl on a pseudo-terminal (python3's
# pty), waits for "Password: ", interrupts it, and reads the terminal's
# flags after it exited.  Exits 1 on any problem.
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
lc=${1:-$root/userspace/layerctl}
[ -x "$lc" ] || { echo "login-tty: no $lc (build it first)"; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

python3 - "$lc" "$tmp/auth.json" <<'PY'
import os, pty, signal, sys, termios, time

lc, auth = sys.argv[1], sys.argv[2]
bad = 0
for how in ("ctrl-c", "sigterm"):
    pid, fd = pty.fork()
    if pid == 0:
        os.environ["REGISTRY_AUTH_FILE"] = auth
        os.execv(lc, [lc, "login", "127.0.0.1:9", "-u", "alice"])
    out, end = b"", time.time() + 10
    while b"Password: " not in out and time.time() < end:
        try:
            out += os.read(fd, 1024)
        except OSError:
            break
    if b"Password: " not in out:
        print("login-tty: %s: no prompt: %r" % (how, out))
        bad = 1
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        continue
    time.sleep(0.2)
    if how == "ctrl-c":
        os.write(fd, b"\x03")
    else:
        os.kill(pid, signal.SIGTERM)
    _, st = os.waitpid(pid, 0)
    lflag = termios.tcgetattr(fd)[3]
    sig = os.WTERMSIG(st) if os.WIFSIGNALED(st) else None
    want = signal.SIGINT if how == "ctrl-c" else signal.SIGTERM
    if sig != want:
        print("login-tty: %s: ended with status %r, not killed by %s" % (how, st, want.name))
        bad = 1
    if not lflag & termios.ECHO:
        print("login-tty: %s at the password prompt left the terminal's echo off" % how)
        bad = 1
    os.close(fd)
if os.path.exists(auth):
    print("login-tty: an interrupted login wrote the auth file")
    bad = 1
sys.exit(bad)
PY
rc=$?
[ $rc = 0 ] && echo "login-tty: ok"
exit $rc
