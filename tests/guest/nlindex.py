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
  nlindex.py mutate IN OUT SEED
      copies index IN to OUT with a few random bytes changed after the
      header's CRC field, then recomputes the CRC, so that the kernel's
      structural checks (not only the checksum) must refuse it.
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


def mutate(src, dst, seed):
    rng = random.Random(seed)
    data = bytearray(open(src, "rb").read())
    for _ in range(rng.randint(1, 3)):
        i = rng.randrange(16, len(data))
        data[i] = rng.randrange(256) if rng.random() < 0.5 else data[i] ^ \
            (1 << rng.randrange(8))
    struct.pack_into("<I", data, 12, crc32c(bytes(data[16:])))
    open(dst, "wb").write(data)


def crcflip(src, dst):
    data = bytearray(open(src, "rb").read())
    data[len(data) // 2] ^= 0x40
    open(dst, "wb").write(data)


def handleswap(src, dst):
    data = bytearray(open(src, "rb").read())
    nentries, = struct.unpack_from("<I", data, 32)
    entries_off, names_off = struct.unpack_from("<QQ", data, 48)
    groups = {}
    for i in range(nentries):
        e = entries_off + 32 * i
        name_off, = struct.unpack_from("<I", data, e + 8)
        name_len, fh_len = data[e + 24], data[e + 27]
        fh_type, = struct.unpack_from("<I", data, e + 28)
        if fh_len:
            at = names_off + name_off + name_len
            groups.setdefault((fh_type, fh_len), []).append(at)
    changed = 0
    for (_, n), ats in groups.items():
        if len(ats) < 2:
            continue
        fhs = [bytes(data[a:a + n]) for a in ats]
        for k, a in enumerate(ats):
            data[a:a + n] = fhs[(k + 1) % len(ats)]
        changed += len(ats)
    struct.pack_into("<I", data, 12, crc32c(bytes(data[16:])))
    open(dst, "wb").write(data)
    print(changed)


def main():
    a = sys.argv[1:]
    if len(a) >= 3 and a[0] == "give":
        mode = next((m for m in a[3:] if m in ("--wronly", "--closed")), "")
        print(give(a[1], a[2], "--rw" in a[3:], mode))
    elif len(a) == 4 and a[0] == "mutate":
        mutate(a[1], a[2], int(a[3]))
    elif len(a) == 3 and a[0] == "crcflip":
        crcflip(a[1], a[2])
    elif len(a) == 3 and a[0] == "handleswap":
        handleswap(a[1], a[2])
    else:
        sys.exit(__doc__)


main()
