#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Run a command while a BPF LSM program makes one LSM hook fail.

    lsmdeny.py HOOK ERRNO -- CMD [ARGS...]

Loads a BPF_PROG_TYPE_LSM program on bpf_lsm_HOOK (e.g. inode_copy_up)
that returns -ERRNO (a name such as EPERM, or a number) for every call,
attaches it, runs CMD, detaches it, and exits with CMD's status.  Only the
bpf(2) system call and the kernel's BTF (/sys/kernel/btf/vmlinux) are
used: no libbpf, bpftool or compiler.  Prints "lsmdeny: ..." and exits 77
if the kernel cannot run such a program (no BPF LSM, no BTF, a disabled
hook), 1 on another error.
"""
import ctypes
import errno
import os
import struct
import subprocess
import sys

BPF_PROG_LOAD = 5
BPF_RAW_TRACEPOINT_OPEN = 17
BPF_PROG_TYPE_LSM = 29
BPF_LSM_MAC = 27
BTF_KIND_FUNC = 12
NR_BPF = 321                    # x86_64

libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long


def die(code, msg):
    print("lsmdeny: %s" % msg, file=sys.stderr)
    sys.exit(code)


def btf_func_id(name):
    """The BTF type id of function @name in vmlinux's BTF, or None."""
    with open("/sys/kernel/btf/vmlinux", "rb") as f:
        data = f.read()
    magic, _ver, _flags, hdr_len = struct.unpack_from("<HBBI", data, 0)
    if magic != 0xEB9F:
        die(77, "vmlinux BTF: bad magic")
    type_off, type_len, str_off, _str_len = struct.unpack_from("<IIII", data, 8)
    types = hdr_len + type_off
    strs = hdr_len + str_off
    want = name.encode()
    # Bytes each kind has after its 12-byte struct btf_type (vlen: members).
    extra = {1: lambda v: 4, 3: lambda v: 12, 4: lambda v: 12 * v,
             5: lambda v: 12 * v, 6: lambda v: 8 * v, 13: lambda v: 8 * v,
             14: lambda v: 4, 15: lambda v: 12 * v, 17: lambda v: 4,
             19: lambda v: 12 * v}
    off, end, tid = types, types + type_len, 1
    while off < end:
        name_off, info, _size = struct.unpack_from("<III", data, off)
        kind, vlen = (info >> 24) & 0x1F, info & 0xFFFF
        if kind == BTF_KIND_FUNC:
            s = strs + name_off
            if data[s:data.index(b"\0", s)] == want:
                return tid
        off += 12 + extra.get(kind, lambda v: 0)(vlen)
        tid += 1
    return None


def insn(code, dst=0, src=0, off=0, imm=0):
    return struct.pack("<BBhi", code, (src << 4) | dst, off, imm)


def bpf(cmd, attr):
    buf = ctypes.create_string_buffer(attr, len(attr))
    r = libc.syscall(NR_BPF, cmd, buf, len(attr))
    return r, ctypes.get_errno()


def main():
    args = sys.argv[1:]
    if len(args) < 4 or args[2] != "--":
        die(2, "usage: lsmdeny.py HOOK ERRNO -- CMD [ARGS...]")
    hook, err = args[0], args[1]
    err = int(err) if err.isdigit() else getattr(errno, err, None)
    if not err:
        die(2, "unknown errno '%s'" % args[1])
    tid = btf_func_id("bpf_lsm_" + hook)
    if tid is None:
        die(77, "no BTF function bpf_lsm_%s" % hook)

    # r0 = -err; exit
    prog = insn(0xB7, dst=0, imm=-err) + insn(0x95)
    insns = ctypes.create_string_buffer(prog, len(prog))
    lic = ctypes.create_string_buffer(b"GPL")
    log = ctypes.create_string_buffer(65536)
    attr = bytearray(128)
    struct.pack_into("<IIQQIIQ", attr, 0, BPF_PROG_TYPE_LSM, len(prog) // 8,
                     ctypes.addressof(insns), ctypes.addressof(lic),
                     1, len(log), ctypes.addressof(log))
    attr[48:48 + 8] = b"lsmdeny\0"
    struct.pack_into("<I", attr, 68, BPF_LSM_MAC)
    struct.pack_into("<I", attr, 108, tid)
    pfd, e = bpf(BPF_PROG_LOAD, bytes(attr))
    if pfd < 0:
        die(77, "BPF_PROG_LOAD on bpf_lsm_%s: %s\n%s" %
            (hook, os.strerror(e), log.value.decode(errors="replace")))
    attr = bytearray(16)
    struct.pack_into("<QI", attr, 0, 0, pfd)
    lfd, e = bpf(BPF_RAW_TRACEPOINT_OPEN, bytes(attr))
    if lfd < 0:
        die(77, "attach to bpf_lsm_%s: %s" % (hook, os.strerror(e)))
    try:
        rc = subprocess.call(args[3:])
    finally:
        os.close(lfd)
        os.close(pfd)
    sys.exit(rc)


if __name__ == "__main__":
    main()
