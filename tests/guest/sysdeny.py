#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Run a command while one system call fails with an errno.

    sysdeny.py SYSCALL ERRNO -- CMD [ARGS...]

Installs a seccomp filter (x86_64 system call numbers; SYSCALL a name
known below or a number) that makes every call of SYSCALL fail with
ERRNO (a name such as EPERM, or a number) and lets every other call
through, then executes CMD: how a test reaches the error path of a
system call that does not fail by itself (mount_setattr(2) on a fresh
detached mount).  Only prctl(2) through ctypes: no libseccomp.
"""
import ctypes
import errno
import os
import struct
import sys

NR = {"mount_setattr": 442, "fsmount": 432, "move_mount": 429}
PR_SET_NO_NEW_PRIVS = 38
PR_SET_SECCOMP = 22
SECCOMP_MODE_FILTER = 2
SECCOMP_RET_ALLOW = 0x7FFF0000
SECCOMP_RET_ERRNO = 0x00050000
AUDIT_ARCH_X86_64 = 0xC000003E
# classic BPF: BPF_LD|BPF_W|BPF_ABS, BPF_JMP|BPF_JEQ|BPF_K, BPF_RET|BPF_K
LD_ABS, JEQ, RET = 0x20, 0x15, 0x06


def insn(code, jt, jf, k):
    return struct.pack("=HBBI", code, jt, jf, k)


def main(argv):
    if len(argv) < 5 or argv[3] != "--":
        sys.exit("usage: sysdeny.py SYSCALL ERRNO -- CMD [ARGS...]")
    nr = NR[argv[1]] if argv[1] in NR else int(argv[1])
    err = int(argv[2]) if argv[2].isdigit() else getattr(errno, argv[2])
    prog = b"".join([
        insn(LD_ABS, 0, 0, 4),                  # seccomp_data.arch
        insn(JEQ, 0, 3, AUDIT_ARCH_X86_64),
        insn(LD_ABS, 0, 0, 0),                  # seccomp_data.nr
        insn(JEQ, 0, 1, nr),
        insn(RET, 0, 0, SECCOMP_RET_ERRNO | err),
        insn(RET, 0, 0, SECCOMP_RET_ALLOW),
    ])
    buf = ctypes.create_string_buffer(prog, len(prog))
    fprog = struct.pack("=HxxxxxxQ", len(prog) // 8,
                        ctypes.addressof(buf))
    fbuf = ctypes.create_string_buffer(fprog, len(fprog))
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl.argtypes = [ctypes.c_int] + [ctypes.c_ulong] * 4
    if libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) or \
       libc.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER,
                  ctypes.addressof(fbuf), 0, 0):
        sys.exit("sysdeny: prctl: %s" % os.strerror(ctypes.get_errno()))
    os.execvp(argv[4], argv[4:])


if __name__ == "__main__":
    main(sys.argv)
