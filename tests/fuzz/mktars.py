#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Write OCI layer tarballs, valid and malformed, into DIR, for the import
tests (tests/guest/t-oci.sh) and as the seed corpus of
tests/fuzz/fuzz_import.c:

  mktars.py DIR

Valid ones are named ok-*.tar[.gz|.zst]; malformed ones bad-NAME.tar, and
DIR/bad.txt lists "NAME<TAB>grep -E pattern of the expected error".
"""
import gzip
import io
import os
import subprocess
import sys
import tarfile

out = sys.argv[1]
os.makedirs(out, exist_ok=True)


def info(name, typ=tarfile.REGTYPE, data=b"", **kw):
    ti = tarfile.TarInfo(name)
    ti.type = typ
    ti.size = len(data) if typ == tarfile.REGTYPE else 0
    ti.mtime = kw.pop("mtime", 1600000000)
    ti.mode = kw.pop("mode", 0o644 if typ != tarfile.DIRTYPE else 0o755)
    for k, v in kw.items():
        setattr(ti, k, v)
    return ti, data


def tarbytes(entries, fmt=tarfile.PAX_FORMAT):
    b = io.BytesIO()
    with tarfile.open(fileobj=b, mode="w", format=fmt) as t:
        for ti, data in entries:
            t.addfile(ti, io.BytesIO(data) if ti.type == tarfile.REGTYPE else None)
    return b.getvalue()


def write(name, data):
    with open(os.path.join(out, name), "wb") as f:
        f.write(data)


ok = [
    info("etc", tarfile.DIRTYPE),
    info("etc/hosts", data=b"127.0.0.1 localhost\n", uid=0, gid=0),
    info("etc/.wh.passwd"),
    info("var", tarfile.DIRTYPE, mode=0o1777),
    info("var/.wh..wh..opq"),
    info("var/log", tarfile.DIRTYPE),
    info("var/log/x", data=b"x" * 5000, pax_headers={"SCHILY.xattr.trusted.k": "v"}),
    info("bin", tarfile.SYMTYPE, linkname="usr/bin"),
    info("usr/bin/tool", data=b"#!/bin/sh\n", mode=0o4755),
    info("usr/bin/tool2", tarfile.LNKTYPE, linkname="usr/bin/tool"),
    info("fifo", tarfile.FIFOTYPE),
    info("deep/a/b/c/d/e", data=b"deep"),
]
plain = tarbytes(ok)
write("ok-layer.tar", plain)
write("ok-layer.tar.gz", gzip.compress(plain, mtime=0))
try:
    z = subprocess.run(["zstd", "-q", "-c"], input=plain, stdout=subprocess.PIPE,
                       check=True).stdout
    write("ok-layer.tar.zst", z)
except (OSError, subprocess.CalledProcessError):
    pass
write("ok-empty.tar", tarbytes([]))
write("ok-gnu.tar", tarbytes(ok[:3], fmt=tarfile.GNU_FORMAT))
write("ok-root.tar", tarbytes([info("./", tarfile.DIRTYPE, mode=0o700), info("./a", data=b"a")]))

bad = {
    "absolute": ([info("/etc/evil", data=b"x")], "absolute path"),
    "dotdot": ([info("a/../../evil", data=b"x")], r"'\.\.' component"),
    "dotdot-link": ([info("a", tarfile.LNKTYPE, linkname="../evil")], r"'\.\.' component"),
    "symlink-abs": ([info("l", tarfile.SYMTYPE, linkname="/tmp"),
                     info("l/evil", data=b"x")], "symlink that leaves the layer"),
    "symlink-up": ([info("d", tarfile.DIRTYPE),
                    info("d/l", tarfile.SYMTYPE, linkname="../.."),
                    info("d/l/evil", data=b"x")], "symlink that leaves the layer"),
    "symlink-over": ([info("l", tarfile.SYMTYPE, linkname="/tmp/evil"),
                      info("l", data=b"x")], "duplicate entry"),
    "duplicate": ([info("a", data=b"1"), info("a", data=b"2")], "duplicate entry"),
    "duplicate-dir": ([info("d", tarfile.DIRTYPE), info("d/", tarfile.DIRTYPE)], "duplicate entry"),
    "whiteout-and-file": ([info(".wh.a"), info("a", data=b"2")], "duplicate entry"),
    "file-as-parent": ([info("a", data=b"1"), info("a/b", data=b"2")], "not a directory"),
    "hardlink-missing": ([info("a", tarfile.LNKTYPE, linkname="nope")], "not an earlier file"),
    "hardlink-abs": ([info("a", tarfile.LNKTYPE, linkname="/etc/passwd")], "absolute path"),
    "chardev": ([info("dev", tarfile.CHRTYPE, devmajor=1, devminor=3)], "device node|Operation not permitted"),
    "whiteout-dev": ([info("w", tarfile.CHRTYPE, devmajor=0, devminor=0)], "whiteout format"),
    "bad-whiteout": ([info(".wh..wh.plnk")], "malformed whiteout"),
    # a whiteout's name as a directory: the layer would hold a directory
    # '.wh.x', which export refuses and other tools read as a whiteout
    "whiteout-dir": ([info("a/.wh.x/y", data=b"y")], "reserved for whiteouts"),
    "opaque-dir": ([info(".wh..wh..opq/y", data=b"y")], "reserved for whiteouts"),
    "private-xattr": ([info("a", data=b"", pax_headers={"SCHILY.xattr.trusted.overlay.opaque": "y"})],
                      "layer-private xattr"),
    # a PAX sparse entry (GNU 0.1) of 4 data bytes declaring 1 TiB: over
    # the default --max-entry-size (64 GiB), refused before it is written
    "sparse-huge": ([info("big", data=b"data", pax_headers={
        "GNU.sparse.size": str(1 << 40), "GNU.sparse.numblocks": "1",
        "GNU.sparse.map": "0,4"})], r"--max-entry-size"),
}
with open(os.path.join(out, "bad.txt"), "w") as idx:
    for name, (entries, pat) in sorted(bad.items()):
        write("bad-%s.tar" % name, tarbytes(entries))
        idx.write("%s\t%s\n" % (name, pat))
    big = tarbytes([info("f", data=os.urandom(200000))])
    write("bad-truncated.tar", big[:150000])
    idx.write("truncated\ttruncated|corrupt\n")
    g = gzip.compress(big, mtime=0)
    write("bad-truncated-gz.tar", g[: len(g) // 2])
    idx.write("truncated-gz\ttruncated|corrupt\n")
    # compressible data, so that the flipped bytes break the deflate stream
    # (libarchive does not check the gzip CRC: --digest is the check)
    c = bytearray(gzip.compress(tarbytes([info("f", data=b"0123456789abcdef" * 20000)]), mtime=0))
    for i in range(len(c) // 3, len(c) // 3 + 64):
        c[i] ^= 0x55
    write("bad-corrupt-gz.tar", bytes(c))
    idx.write("corrupt-gz\ttruncated|corrupt|not a tar\n")
    h = bytearray(plain)
    h[148:156] = b"0000000\0"    # header checksum
    write("bad-checksum.tar", bytes(h))
    idx.write("checksum\ttruncated|corrupt|not a tar\n")
    write("bad-garbage.tar", os.urandom(4096))
    idx.write("garbage\ttruncated|corrupt|not a tar\n")
