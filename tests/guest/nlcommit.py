#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Raw LAYERFS_CMD_VIEW_COMMIT requests, for kernel tests independent of
layerctl: send one commit and print "OK <layer id> <ms the request took>" or "ERR <errno name>
<extended ack message>".

    nlcommit.py VIEW_ID NEW_UPPER NAME [--author A] [--message M]
                [--extra-layer-attr TYPE:HEX]... [--no-view-id]
"""
import argparse
import errno
import os
import socket
import struct
import sys
import time

NETLINK_GENERIC = 16
GENL_ID_CTRL = 0x10
CTRL_CMD_GETFAMILY = 3
CTRL_ATTR_FAMILY_ID = 1
CTRL_ATTR_FAMILY_NAME = 2
NLM_F_REQUEST = 1
NLM_F_ACK = 4
NLMSG_ERROR = 2
NLMSGERR_ATTR_MSG = 1
NETLINK_EXT_ACK = 11
NLA_F_NESTED = 0x8000

# include/uapi/linux/layerfs.h
LAYERFS_CMD_VIEW_COMMIT = 5
LAYERFS_A_LAYER = 1
LAYERFS_A_VIEW = 2
LAYERFS_LAYER_A_ID = 1
LAYERFS_LAYER_A_NAME = 2
LAYERFS_LAYER_A_AUTHOR = 6
LAYERFS_LAYER_A_MESSAGE = 7
LAYERFS_VIEW_A_ID = 1
LAYERFS_VIEW_A_NEW_UPPER = 12


def attr(typ, data):
    pad = (4 - len(data) % 4) % 4
    return struct.pack("HH", 4 + len(data), typ) + data + b"\0" * pad


def string(typ, s):
    return attr(typ, s.encode() + b"\0")


def request(sock, family, cmd, payload, seq):
    body = struct.pack("BBH", cmd, 1, 0) + payload
    hdr = struct.pack("IHHII", 16 + len(body), family,
                      NLM_F_REQUEST | NLM_F_ACK, seq, 0)
    sock.send(hdr + body)
    replies = []
    while True:
        data = sock.recv(65536)
        off = 0
        while off < len(data):
            length, typ, flags, rseq, pid = struct.unpack_from("IHHII", data,
                                                               off)
            msg = data[off:off + length]
            off += (length + 3) & ~3
            if typ == NLMSG_ERROR:
                err = struct.unpack_from("i", msg, 16)[0]
                text = ""
                # struct nlmsgerr: error, then the request header, then
                # (with NLM_F_CAPPED) TLVs.
                tlv = 16 + 4 + 16
                if not err:
                    return 0, "", replies
                if flags & 0x100:  # NLM_F_CAPPED
                    pass
                else:
                    olen = struct.unpack_from("I", msg, 20)[0]
                    tlv = 16 + 4 + ((olen + 3) & ~3)
                if flags & 0x200:  # NLM_F_ACK_TLVS
                    while tlv + 4 <= len(msg):
                        alen, atyp = struct.unpack_from("HH", msg, tlv)
                        if alen < 4:
                            break
                        if atyp == NLMSGERR_ATTR_MSG:
                            text = msg[tlv + 4:tlv + alen].split(b"\0")[0]
                            text = text.decode(errors="replace")
                        tlv += (alen + 3) & ~3
                return err, text, replies
            replies.append(msg)


def family_id(sock):
    err, text, replies = request(sock, GENL_ID_CTRL, CTRL_CMD_GETFAMILY,
                                 string(CTRL_ATTR_FAMILY_NAME, "layerfs"), 1)
    if err:
        raise OSError(-err, "layerfs family: " + os.strerror(-err))
    msg = replies[0]
    off = 20
    while off < len(msg):
        alen, atyp = struct.unpack_from("HH", msg, off)
        if atyp == CTRL_ATTR_FAMILY_ID:
            return struct.unpack_from("H", msg, off + 4)[0]
        off += (alen + 3) & ~3
    sys.exit("no family id")


def commit(view_id, new_upper, name, author=None, message=None,
           extra_layer_attrs=(), with_view_id=True):
    """One LAYERFS_CMD_VIEW_COMMIT: ("OK <id> <ms> ms") or ("ERR ...")."""
    sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_GENERIC)
    try:
        sock.setsockopt(270, NETLINK_EXT_ACK, 1)  # SOL_NETLINK
        fam = family_id(sock)
        view = b""
        if with_view_id:
            view += attr(LAYERFS_VIEW_A_ID, struct.pack("Q", view_id))
        view += string(LAYERFS_VIEW_A_NEW_UPPER, new_upper)
        layer = string(LAYERFS_LAYER_A_NAME, name)
        if author:
            layer += string(LAYERFS_LAYER_A_AUTHOR, author)
        if message:
            layer += string(LAYERFS_LAYER_A_MESSAGE, message)
        for extra in extra_layer_attrs:
            typ, hexdata = extra.split(":")
            layer += attr(int(typ), bytes.fromhex(hexdata))
        payload = attr(LAYERFS_A_VIEW | NLA_F_NESTED, view) + \
            attr(LAYERFS_A_LAYER | NLA_F_NESTED, layer)
        t0 = time.monotonic()
        err, text, replies = request(sock, fam, LAYERFS_CMD_VIEW_COMMIT,
                                     payload, 2)
        ms = (time.monotonic() - t0) * 1000
    finally:
        sock.close()
    if err:
        return "ERR %s %s" % (errno.errorcode.get(-err, str(-err)), text)
    lid = 0
    for msg in replies:
        off = 20
        while off < len(msg):
            alen, atyp = struct.unpack_from("HH", msg, off)
            if atyp & 0x7fff == LAYERFS_A_LAYER:
                inner = off + 4
                while inner < off + alen:
                    ilen, ityp = struct.unpack_from("HH", msg, inner)
                    if ityp == LAYERFS_LAYER_A_ID:
                        lid = struct.unpack_from("Q", msg, inner + 4)[0]
                    inner += (ilen + 3) & ~3
            off += (alen + 3) & ~3
    return "OK %d %.1f ms" % (lid, ms)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("view_id", type=int)
    ap.add_argument("new_upper")
    ap.add_argument("name")
    ap.add_argument("--author")
    ap.add_argument("--message")
    ap.add_argument("--extra-layer-attr", action="append", default=[])
    ap.add_argument("--no-view-id", action="store_true")
    a = ap.parse_args()
    out = commit(a.view_id, a.new_upper, a.name, a.author, a.message,
                 a.extra_layer_attr, not a.no_view_id)
    print(out)
    return 0 if out.startswith("OK") else 1


if __name__ == "__main__":
    sys.exit(main())
