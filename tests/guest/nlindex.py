#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Raw LAYERFS_CMD_LAYER_INDEX requests and hostile index files, for
t-index.sh, independent of layerctl.

  nlindex.py give NAME FILE [--rw | --wronly | --closed]
      offers FILE (opened read-only; with --rw, also held open for
      writing meanwhile; with --wronly, opened for writing only; with
      --closed, the number of a descriptor closed before the request) as
      the index of layer NAME; prints "OK" or
      "ERR <errno name> <extended ack>".
  nlindex.py corrupt IN OUT NAME COUNT LAYERCTL DIR PARENT MI MN
      for each seed 0..COUNT-1: copies index IN to OUT with 1-3 bytes
      changed in one section (header, layer table, directory table,
      entries, names area: each as likely), recomputes the CRC, offers OUT
      to layer NAME as give does, and prints "SEED CLASS WHERE ANSWER":
      what the kernel must make of it, where the bytes fell, what it made
      of it.  NAME must be without an index; one that NAME accepts gives
      it one, so NAME is then removed and added again (LAYERCTL layer add
      --frozen NAME DIR --parent PARENT; if that fails, "SEED readd -
      ERR ..." and the seeds stop).  Before that, a seed of a free class
      that was accepted has its view checked: NAME mounted on MI, and
      noindex on MN, the first must be indexed, and its whole tree walk
      (free-any: index_tree.py walk) or, caches dropped, equal the walked
      view inode numbers included (free-exact: index_tree.py compare
      --ino); ANSWER is then "OK" or "OK, but the view: WHAT IS WRONG".
      (One process for all: under an emulator each python3 start and
      import costs seconds.)  CLASS is one of
  nlindex.py crcflip IN OUT
      copies IN with one byte flipped and the CRC left as it was.
  nlindex.py handleswap IN OUT
      copies index IN to OUT with the file handles of its non-directories
      rotated by one among the entries of the same handle type and length
      (each then names another object of the layer's filesystem), and the
      CRC recomputed: a valid index whose handles are all wrong.  Prints
      how many entries it changed.
"""
import errno
import os
import random
import socket
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import nlcommit  # noqa: E402  (the genetlink helpers)

LAYERFS_CMD_LAYER_INDEX = 6
LAYERFS_LAYER_A_INDEX_FD = 14


def give(name, path, rw=False, mode=""):
    held = os.open(path, os.O_RDWR) if rw else -1
    fd = os.open(path, os.O_WRONLY if mode == "--wronly" else os.O_RDONLY)
    sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW,
                         nlcommit.NETLINK_GENERIC)
    if mode == "--closed":
        os.close(fd)    # after the socket, which would reuse the number
    try:
        sock.setsockopt(270, nlcommit.NETLINK_EXT_ACK, 1)
        fam = nlcommit.family_id(sock)
        layer = nlcommit.string(nlcommit.LAYERFS_LAYER_A_NAME, name) + \
            nlcommit.attr(LAYERFS_LAYER_A_INDEX_FD, struct.pack("I", fd))
        payload = nlcommit.attr(nlcommit.LAYERFS_A_LAYER |
                                nlcommit.NLA_F_NESTED, layer)
        err, text, _ = nlcommit.request(sock, fam, LAYERFS_CMD_LAYER_INDEX,
                                        payload, 2)
    finally:
        sock.close()
        if mode != "--closed":
            os.close(fd)
        if held >= 0:
            os.close(held)
    if err:
        return "ERR %s %s" % (errno.errorcode.get(-err, str(-err)), text)
    return "OK"


def crc32c(data):
    crc = 0xffffffff
    table = crc32c.table
    for b in data:
        crc = table[(crc ^ b) & 0xff] ^ (crc >> 8)
    return crc ^ 0xffffffff


def _table():
    t = []
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ (0x82f63b78 if c & 1 else 0)
        t.append(c)
    return t


crc32c.table = _table()


LAYER = struct.Struct("<QIIII32sQ")     # struct layerfs_index_layer
ENTRY = struct.Struct("<QIIIIBBBBI")     # struct layerfs_index_entry
STAT = struct.Struct("<8I2Q3q4I")         # struct layerfs_index_stat
LAYER_GEN, LAYER_KEY = 0x1, 0x2
E_MERGED, E_OPAQUE, E_ORIGIN, E_STAT = 0x1, 0x2, 0x4, 0x8
DT_DIR = 4
DT_ALL = (1, 2, 4, 6, 8, 10, 12)
HEX = b"0123456789abcdef"
# Strongest first: a mutation's class is that of its strongest byte.
CLASSES = ("structural", "identity", "free-any", "free-exact")


class Index:
    """The sections and records of an index file (include/layerfs/index.h)."""

    def __init__(self, data):
        self.data = data
        self.nlayers, self.ndirs, self.nentries = \
            struct.unpack_from("<III", data, 24)
        self.dirs_off, self.entries_off, self.names_off = \
            struct.unpack_from("<QQQ", data, 40)

    def sections(self):
        """(name, offsets a mutation may change): the CRC field is not one."""
        return [("header", [o for o in range(128) if not 12 <= o < 16]),
                ("layers", range(128, self.dirs_off)),
                ("dirs", range(self.dirs_off, self.entries_off)),
                ("entries", range(self.entries_off, self.names_off)),
                ("names", range(self.names_off, len(self.data)))]

    def layer(self, i):
        return LAYER.unpack_from(self.data, 128 + 64 * i)

    def entry(self, i):
        return ENTRY.unpack_from(self.data, self.entries_off + 32 * i)

    def records(self):
        """(entry, start of its name, of its handle, of its stat record,
        end) in file offsets."""
        for i in range(self.nentries):
            e = self.entry(i)
            name = self.names_off + e[1]
            st = name + e[5] + e[8]
            yield i, name, name + e[5], st, \
                st + (STAT.size if e[7] & E_STAT else 0)


def layer_class(old, new):
    """Class and field of a changed layer record (old, new: LAYER tuples)."""
    ino, dmaj, dmin, gen, flags, key, rsv = new
    if flags & ~(LAYER_GEN | LAYER_KEY) or rsv or \
            (not flags & LAYER_GEN and gen) or \
            any(c not in HEX if flags & LAYER_KEY else c for c in key):
        return "structural", "record"
    if old[:5] != new[:5]:
        return "identity", "directory"
    return "free-exact", "key"


def entry_class(old, new, nlayers):
    """Class and field of a changed entry (old, new: ENTRY tuples)."""
    ino, name_off, layer, bottom, child, name_len, typ, flags, fh_len, \
        fh_type = new
    isdir = typ == DT_DIR
    if (name_off, child, name_len, fh_len) != \
            (old[1], old[4], old[5], old[8]) or \
            typ not in DT_ALL or isdir != (old[6] == DT_DIR) or \
            (flags ^ old[7]) & E_STAT or flags >= 0x10 or \
            (typ != old[6] and flags & E_STAT) or \
            (fh_type > 254 if fh_len else fh_type) or \
            not layer <= bottom < nlayers or \
            (bool(flags & E_MERGED) != (layer != bottom) if isdir else
             layer != bottom or flags & (E_MERGED | E_OPAQUE)):
        return "structural", "record"
    if (layer, bottom, typ, ino) != (old[2], old[3], old[6], old[0]) or \
            (flags ^ old[7]) & (E_OPAQUE | E_ORIGIN):
        return "free-any", "ino/layers/type/flags"
    return "free-exact", "handle type"


def stat_class(old, new):
    """Class of a changed stat record (old, new: STAT tuples)."""
    mode, nlink = new[0], new[1]
    if mode >> 12 != old[0] >> 12 or not nlink or new[7] or new[16] or \
            max(new[13:16]) > 999999999:
        return "structural"
    return "free-any"


def name_class(ix, mx, off):
    """Class and field of a changed byte of the names area."""
    for i, name, fh, st, end in ix.records():
        if name <= off < fh:
            new = mx.data[name:fh]
            if b"/" in new or b"\0" in new or new in (b".", b".."):
                return "structural", "entry %d name" % i
            return "free-any", "entry %d name" % i
        if fh <= off < st:
            return "free-exact", "entry %d handle" % i
        if st <= off < end:
            return stat_class(STAT.unpack_from(ix.data, st),
                              STAT.unpack_from(mx.data, st)), \
                "entry %d stat" % i
    return "structural", "padding"


def byte_class(ix, mx, off):
    """Class of changed byte @off of index @ix (@mx: the changed copy), and
    where it is."""
    if off < 128:
        return "structural", "header+%d" % off
    if off < ix.dirs_off:
        i = (off - 128) // 64
        cls, what = layer_class(ix.layer(i), mx.layer(i))
        return cls, "layer %d %s" % (i, what)
    if off < ix.entries_off:
        return "structural", "dir %d" % ((off - ix.dirs_off) // 16)
    if off < ix.names_off:
        i = (off - ix.entries_off) // 32
        cls, what = entry_class(ix.entry(i), mx.entry(i), ix.nlayers)
        return cls, "entry %d %s" % (i, what)
    return name_class(ix, mx, off)


def mutate(data, ix, dst, seed):
    """Writes a mutation of index @data (parsed: @ix) to @dst: its class
    and where, as "CLASS WHERE"."""
    rng = random.Random(seed)
    name, offsets = rng.choice([s for s in ix.sections() if len(s[1])])
    mut = bytearray(data)
    at = sorted(rng.sample(offsets, min(rng.randint(1, 3), len(offsets))))
    for i in at:
        mut[i] ^= 1 << rng.randrange(8) if rng.random() < 0.5 else \
            rng.randrange(1, 256)
    set_crc(mut)
    open(dst, "wb").write(mut)
    found = [byte_class(ix, Index(bytes(mut)), i) for i in at]
    cls = min((c for c, _ in found), key=CLASSES.index)
    return "%s %s:%s" % (cls, name, ",".join(w.replace(" ", "_")
                                                for _, w in found))


# corrupt's own imports, not paid by the other commands (each import is
# slow in an emulator).
# pylint: disable=import-outside-toplevel


def run(*cmd):
    """Runs @cmd: None, or what went wrong."""
    import subprocess
    r = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, check=False)
    if r.returncode == 0:
        return None
    out = r.stdout.decode(errors="replace").strip().splitlines()
    return "%s: status %d%s" % (" ".join(cmd[:3]), r.returncode,
                                ": " + out[-1] if out else "")


def indexed(layerctl, mnt):
    """Whether the view mounted at @mnt uses an index, as t-index.sh's
    view_indexed says it: "true", "false" or ""."""
    import json
    import subprocess
    try:
        out = subprocess.run([layerctl, "view", "ls", "--json"],
                             stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                             check=False).stdout
        return " ".join(str(v["indexed"]).lower() for v in json.loads(out)
                        if mnt in v.get("mountpoints", []))
    except (OSError, ValueError, KeyError, TypeError):
        return ""


def accepted_view(cls, name, layerctl, mi, mn):
    """Empty if the view of @name (whose index, of class @cls, was just
    accepted) is as the class says, else what is wrong."""
    import contextlib
    import io
    import traceback
    import index_tree  # walk and compare
    if run("mount", "-t", "layerfs", "-o", "image=" + name, "mi", mi):
        return "no view"
    wrong = []
    if run("mount", "-t", "layerfs", "-o", "image=%s,noindex" % name, "mn",
           mn):
        wrong.append("no walked view")
    if indexed(layerctl, mi) != "true":
        wrong.append("not indexed")
    out = io.StringIO()
    try:
        with contextlib.redirect_stdout(out):
            if cls == "free-exact":
                # cold: handles are used when a directory is not at hand
                with open("/proc/sys/vm/drop_caches", "w") as f:
                    f.write("3\n")
                rc = index_tree.compare(mi, mn, True, index_tree.POOL)
            else:
                rc = index_tree.walk(mi)
    except Exception:  # pylint: disable=broad-except
        out.write(traceback.format_exc())
        rc = 1
    if rc:
        wrong += out.getvalue().strip().splitlines()[-3:]
    for m in (mi, mn):
        err = run("umount", m)
        if err:
            wrong.append(err)
    return " ".join(wrong)


def corrupt(src, dst, name, count, layerctl, layer_dir, parent, mi, mn):
    data = open(src, "rb").read()
    ix = Index(data)
    for seed in range(count):
        what = mutate(data, ix, dst, seed)
        out = give(name, dst)
        if out != "OK":
            print(seed, what, out, flush=True)
            continue
        if what.startswith("free-"):
            wrong = accepted_view(what.split()[0], name, layerctl, mi, mn)
            if wrong:
                out = "OK, but the view: " + wrong
        print(seed, what, out, flush=True)
        err = run(layerctl, "layer", "rm", name) or \
            run(layerctl, "layer", "add", "--frozen", name, layer_dir,
                "--parent", parent)
        if err:
            print(seed, "readd - ERR", err, flush=True)
            return


def set_crc(data):
    struct.pack_into("<I", data, 12, crc32c(bytes(data[16:])))


def crcflip(src, dst):
    data = bytearray(open(src, "rb").read())
    data[len(data) // 2] ^= 0x40
    open(dst, "wb").write(data)


def handleswap(src, dst):
    data = bytearray(open(src, "rb").read())
    ix = Index(bytes(data))
    groups = {}
    for i, _, fh, st, _ in ix.records():
        fh_type = ix.entry(i)[9]
        if st > fh:
            groups.setdefault((fh_type, st - fh), []).append(fh)
    changed = 0
    for (_, n), ats in groups.items():
        if len(ats) < 2:
            continue
        fhs = [bytes(data[a:a + n]) for a in ats]
        for k, a in enumerate(ats):
            data[a:a + n] = fhs[(k + 1) % len(ats)]
        changed += len(ats)
    set_crc(data)
    open(dst, "wb").write(data)
    print(changed)


def main():
    a = sys.argv[1:]
    if len(a) >= 3 and a[0] == "give":
        mode = next((m for m in a[3:] if m in ("--wronly", "--closed")), "")
        print(give(a[1], a[2], "--rw" in a[3:], mode))
    elif len(a) == 10 and a[0] == "corrupt":
        corrupt(a[1], a[2], a[3], int(a[4]), a[5], a[6], a[7], a[8], a[9])
    elif len(a) == 3 and a[0] == "crcflip":
        crcflip(a[1], a[2])
    elif len(a) == 3 and a[0] == "handleswap":
        handleswap(a[1], a[2])
    else:
        sys.exit(__doc__)


main()
