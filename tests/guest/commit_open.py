# SPDX-License-Identifier: GPL-2.0
#
# Helper of tests/guest/t-commit-open.sh: an open(O_CREAT | O_TRUNC) whose
# file a commit froze between the create and the open must copy the file
# up with write access to the view, as every other copy-up does, so that
# a second commit freezing the view waits for it (or it for the commit).
# The VFS holds that access across ->open() only to truncate a file the
# open did not create (do_open()).
#
#   commit_open.py VIEW_ID MOUNTPOINT UPPER1 UPPER2
#
# The view's current upper is the one it was mounted with; UPPER1 and
# UPPER2 are empty directories for two commits.  A fanotify FAN_OPEN_PERM
# listener on the view's mount holds the opener between the create and
# the view's ->open() (the permission event comes in between); meanwhile
# commit 1 runs; a splice from an empty pipe into a view file holds write
# access to the view, so that commit 2 waits in its freeze; then the
# opener is let go.  While commit 2 waits, the opener's copy-up must wait
# too: nothing may appear in UPPER1, the upper commit 2 is freezing.
# Prints "ok DESC" / "not ok DESC: detail" lines (tap.py).
import ctypes
import os
import select
import struct
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import nlcommit  # noqa: E402
from tap import check, failed  # noqa: E402

VID, M, U1, U2 = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
FAN_CLASS_CONTENT = 0x4
FAN_CLOEXEC = 0x1
FAN_MARK_ADD = 0x1
FAN_MARK_MOUNT = 0x10
FAN_OPEN_PERM = 0x10000
FAN_ALLOW = 0x1
AT_FDCWD = -100
EVENT = struct.Struct("IBBHQii")   # struct fanotify_event_metadata
libc = ctypes.CDLL(None, use_errno=True)
libc.fanotify_mark.argtypes = [ctypes.c_int, ctypes.c_uint, ctypes.c_uint64,
                               ctypes.c_int, ctypes.c_char_p]


def readable(fd, timeout):
    return bool(select.select([fd], [], [], timeout)[0])


class Listener(threading.Thread):
    """Allows every open on the mount at once, except those of @pid,
    which wait until release()."""

    def __init__(self, mnt, pid):
        super().__init__(daemon=True)
        self.fd = libc.fanotify_init(FAN_CLASS_CONTENT | FAN_CLOEXEC,
                                     os.O_RDONLY | os.O_LARGEFILE)
        if self.fd < 0:
            raise OSError(ctypes.get_errno(), "fanotify_init")
        if libc.fanotify_mark(self.fd, FAN_MARK_ADD | FAN_MARK_MOUNT,
                              FAN_OPEN_PERM, AT_FDCWD, mnt.encode()) != 0:
            raise OSError(ctypes.get_errno(), "fanotify_mark")
        self.pid = pid
        self.held = []
        self.holding = threading.Event()
        self.lock = threading.Lock()
        self.let_go = False

    def answer(self, fd):
        os.write(self.fd, struct.pack("iI", fd, FAN_ALLOW))
        os.close(fd)

    def run(self):
        while True:
            buf = os.read(self.fd, 4096)
            off = 0
            while off + EVENT.size <= len(buf):
                elen, _, _, _, _, fd, pid = EVENT.unpack_from(buf, off)
                off += elen
                with self.lock:
                    if pid == self.pid and not self.let_go:
                        self.held.append(fd)
                        self.holding.set()
                        continue
                self.answer(fd)

    def release(self):
        with self.lock:
            self.let_go = True
            for fd in self.held:
                self.answer(fd)
            self.held = []


def opener(go, done):
    """Child: open newfile O_CREAT | O_TRUNC when told, report, write."""
    os.read(go, 1)
    try:
        fd = os.open(os.path.join(M, "newfile"),
                     os.O_CREAT | os.O_TRUNC | os.O_WRONLY, 0o644)
    except OSError as e:
        os.write(done, ("ERR %s\n" % e).encode())
        os._exit(1)
    os.write(done, b"OPEN\n")
    os.write(fd, b"data\n")
    os.close(fd)
    os._exit(0)


def main():
    go_r, go_w = os.pipe()
    done_r, done_w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(go_w)
        os.close(done_r)
        opener(go_r, done_w)
    os.close(go_r)
    os.close(done_w)

    listener = Listener(M, pid)
    listener.start()
    os.write(go_w, b"g")
    check(listener.holding.wait(30), "the opener's open waits on fanotify")
    check(os.path.exists(os.path.join(M, "newfile")) and
          not readable(done_r, 0),
          "newfile created, its open not done")

    out = nlcommit.commit(VID, U1, "co/img:1")
    check(out.startswith("OK "), "commit 1 between the create and the open",
          out)

    # Write access to the view, held by a splice waiting for its pipe.
    hold = os.open(os.path.join(M, "hold"), os.O_CREAT | os.O_WRONLY, 0o644)
    pr, pw = os.pipe()
    splicer = threading.Thread(target=os.splice, args=(pr, hold, 1),
                               daemon=True)
    splicer.start()
    time.sleep(0.5)
    check(splicer.is_alive(), "a splice from an empty pipe waits")

    res = []
    committer = threading.Thread(
        target=lambda: res.append(nlcommit.commit(VID, U2, "co/img:2")))
    committer.start()
    time.sleep(1.5)
    check(committer.is_alive(), "commit 2 waits for the splice to finish")

    listener.release()
    early = readable(done_r, 2)
    before = sorted(os.listdir(U1))
    check(not early, "the open waits while commit 2 freezes the view",
          "it returned first")
    check("newfile" not in before,
          "no copy-up into the upper commit 2 is freezing",
          "%s holds %s" % (U1, before))

    os.write(pw, b"x")
    splicer.join(30)
    committer.join(120)
    check(res and res[0].startswith("OK "), "commit 2 succeeds",
          res[0] if res else "no answer")
    check(readable(done_r, 60) and os.read(done_r, 100) == b"OPEN\n",
          "the open succeeds after the commit")
    _, status = os.waitpid(pid, 0)
    check(status == 0, "the opener wrote its file", "status %d" % status)
    after = sorted(os.listdir(U1))
    check(after == before, "committed upper unchanged after commit 2",
          "%s then %s" % (before, after))
    with open(os.path.join(M, "newfile")) as f:
        got = f.read()
    check(got == "data\n", "newfile holds the data", repr(got))
    check(os.path.exists(os.path.join(U2, "newfile")),
          "the data went to the new upper")
    os.close(hold)
    return 1 if failed() else 0


if __name__ == "__main__":
    sys.exit(main())
