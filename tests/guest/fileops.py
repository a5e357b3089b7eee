# SPDX-License-Identifier: GPL-2.0
#
# Helper of tests/guest/t-fileops.sh: file operations (fsync, fallocate,
# SEEK_DATA/HOLE, O_DIRECT, splice, copy_file_range, sendfile, locks, mmap,
# statfs, st_ino across copy-up, truncate, O_APPEND, pread/pwrite past EOF,
# first uses of read-only descriptors: layerfs opens the real file then)
# run on an overlayfs mount and on a layerfs view of the same layers, results
# compared.  One process for everything: every exec costs ~150 ms under TCG.
#
#   fileops.py mkfixture TOPDIR BOTTOMDIR
#       fill the lower layers (pools of identical files, so that every case
#       gets a pristine lower file on each mount)
#   fileops.py run TMPDIR LABEL:OVLMNT:LFSMNT:OVLUPPER:LFSUPPER...
#       run every case on each pair; prints "ok CASE" or
#       "not ok CASE: overlayfs=..., layerfs=..." (t-fileops.sh numbers them)
#       and "# ..." comments; exits 0 (differences are in the output)
import ctypes
import errno
import fcntl
import hashlib
import mmap
import os
import sys
import time

NDATA = 120
NSPARSE = 40
NPRIV = 8
DSIZE = 65536
SSIZE = 8 << 20
SPARSE_EXTENTS = ((0, 4096, b'A'), (4 << 20, 8192, b'B'))


def data_bytes():
    return bytes(range(256)) * (DSIZE // 256)


def write_data(path):
    with open(path, 'wb') as f:
        f.write(data_bytes())


def write_sparse(path):
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    for off, ln, ch in SPARSE_EXTENTS:
        os.pwrite(fd, ch * ln, off)
    os.ftruncate(fd, SSIZE)
    os.close(fd)


def mkfixture(top, bottom):
    for i in range(NDATA):
        write_data(f'{bottom}/data.{i:03d}')
    for i in range(NSPARSE):
        write_sparse(f'{bottom}/sparse.{i:03d}')
    for i in range(NPRIV):
        write_data(f'{bottom}/private.{i:03d}')
        os.chmod(f'{bottom}/private.{i:03d}', 0o600)
    os.mkdir(f'{bottom}/dir')
    with open(f'{bottom}/dir/f', 'w') as f:
        f.write('in dir\n')
    with open(f'{top}/top.txt', 'w') as f:
        f.write('top\n')


libc = ctypes.CDLL(None, use_errno=True)
libc.fallocate.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_longlong,
                           ctypes.c_longlong]
libc.syncfs.argtypes = [ctypes.c_int]
FALLOC_FL_KEEP_SIZE = 1
FALLOC_FL_PUNCH_HOLE = 2


def _chk(r):
    if r != 0:
        e = ctypes.get_errno()
        raise OSError(e, os.strerror(e))
    return r


def fallocate(fd, mode, off, ln):
    return _chk(libc.fallocate(fd, mode, off, ln))


def syncfs(fd):
    return _chk(libc.syncfs(fd))


def E(e):
    return errno.errorcode.get(e.errno, 'errno%d' % e.errno)


def R(fn, *a, **kw):
    """Result of fn(*a, **kw), or its errno name."""
    try:
        return fn(*a, **kw)
    except OSError as e:
        return E(e)


def h(b):
    return f'{len(b)}:{hashlib.sha1(b).hexdigest()[:10]}'


def readall(path):
    with open(path, 'rb') as f:
        return f.read()


def fh(path):
    try:
        return h(readall(path))
    except OSError as e:
        return E(e)


def segments(fd):
    """[(data_start, hole_start)...] by SEEK_DATA/SEEK_HOLE."""
    out = []
    pos = 0
    while len(out) < 64:
        try:
            d = os.lseek(fd, pos, os.SEEK_DATA)
        except OSError as e:
            if e.errno == errno.ENXIO:
                break
            return out + [E(e)]
        hole = os.lseek(fd, d, os.SEEK_HOLE)
        out.append((d, hole))
        pos = hole
    return out


class Ctx:
    def __init__(self, mnt, upper, tmp):
        self.mnt, self.upper, self.tmp = mnt, upper, tmp
        self.n = {'data': 0, 'sparse': 0, 'private': 0, 'new': 0, 'tmp': 0}

    def lower(self, kind):
        i = self.n[kind]
        self.n[kind] += 1
        lim = {'data': NDATA, 'sparse': NSPARSE, 'private': NPRIV}[kind]
        if i >= lim:
            raise RuntimeError(f'fixture pool {kind} exhausted')
        return f'{self.mnt}/{kind}.{i:03d}'

    def new(self, kind):
        """A file created through the view (an upper file)."""
        i = self.n['new']
        self.n['new'] += 1
        p = f'{self.mnt}/new.{i:03d}'
        (write_sparse if kind == 'sparse' else write_data)(p)
        if kind == 'private':
            os.chmod(p, 0o600)
        return p

    def tmpfile(self, content=None):
        i = self.n['tmp']
        self.n['tmp'] += 1
        p = f'{self.tmp}/{os.path.basename(self.mnt)}.{i:03d}'
        with open(p, 'wb') as f:
            if content:
                f.write(content)
        return p

    def in_upper(self, path):
        return os.path.lexists(self.upper + path[len(self.mnt):])


# --- cases: fn(ctx, get) -> comparable result; get(ctx, kind) a file path ---

class Dirent(ctypes.Structure):
    _fields_ = [('d_ino', ctypes.c_uint64), ('d_off', ctypes.c_int64),
                ('d_reclen', ctypes.c_ushort), ('d_type', ctypes.c_ubyte),
                ('d_name', ctypes.c_char * 256)]


libc.opendir.restype = ctypes.c_void_p
libc.opendir.argtypes = [ctypes.c_char_p]
libc.readdir.restype = ctypes.POINTER(Dirent)
libc.readdir.argtypes = [ctypes.c_void_p]
libc.telldir.restype = ctypes.c_long
libc.telldir.argtypes = [ctypes.c_void_p]
libc.seekdir.argtypes = [ctypes.c_void_p, ctypes.c_long]
libc.rewinddir.argtypes = [ctypes.c_void_p]
libc.closedir.argtypes = [ctypes.c_void_p]


def dir_next(d):
    """The next name (str) from DIR* @d, or None at the end."""
    ent = libc.readdir(d)
    if not ent:
        return None
    return ent.contents.d_name.decode()


def c_seekdir(ctx, get):
    """telldir/seekdir/rewinddir on the merged root give back the same names."""
    d = libc.opendir(ctx.mnt.encode())
    if not d:
        return 'opendir ' + E(ctypes.get_errno())
    marks, names = [], []
    while True:
        pos = libc.telldir(d)
        name = dir_next(d)
        if name is None:
            break
        marks.append(pos)
        names.append(name)
    checks = []
    for k in (0, len(names) // 3, len(names) // 2, len(names) - 1):
        libc.seekdir(d, marks[k])
        checks.append(dir_next(d) == names[k])
    libc.rewinddir(d)
    again = []
    while True:
        name = dir_next(d)
        if name is None:
            break
        again.append(name)
    libc.closedir(d)
    return (len(names), len(set(names)) == len(names), checks,
            sorted(again) == sorted(names))


def c_readdir_change(ctx, get):
    """
    Entries added and removed while a directory is being read: every name
    present throughout is returned exactly once (POSIX); removed and added
    names at most once.
    """
    gone_upper = ctx.new('data')                 # an upper file, removed
    gone_lower = ctx.lower('data')               # a lower file, whited out
    d = libc.opendir(ctx.mnt.encode())
    if not d:
        return 'opendir ' + E(ctypes.get_errno())
    seen = []
    for _ in range(40):
        name = dir_next(d)
        if name is None:
            break
        seen.append(name)
    before = set(os.listdir(ctx.mnt))
    added = ctx.mnt + '/added.readdir'
    with open(added, 'w') as f:
        f.write('x')
    gone = {os.path.basename(gone_upper), os.path.basename(gone_lower)}
    for g in gone:
        os.unlink(ctx.mnt + '/' + g)
    while True:
        name = dir_next(d)
        if name is None:
            break
        seen.append(name)
    libc.closedir(d)
    seen = [n for n in seen if n not in ('.', '..')]
    stable = before - gone
    return (all(seen.count(n) == 1 for n in stable),
            all(seen.count(n) <= 1 for n in gone | {'added.readdir'}),
            set(seen) <= before | {'added.readdir'},
            sorted(os.listdir(ctx.mnt)) == sorted((before - gone) |
                                                  {'added.readdir'}))


def c_fsync(ctx, get, sync):
    p = get(ctx, 'data')
    fd = os.open(p, os.O_RDWR)
    os.pwrite(fd, b'fs', 10)
    r = R(sync, fd)
    os.close(fd)
    return r, fh(p), ctx.in_upper(p)


def c_fsync_ro(ctx, get, sync):
    p = get(ctx, 'data')
    fd = os.open(p, os.O_RDONLY)
    r = R(sync, fd)
    os.close(fd)
    return r, ctx.in_upper(p)


def c_fsync_dir(ctx, get, sync):
    p = ctx.mnt + '/dir'
    fd = os.open(p, os.O_RDONLY | os.O_DIRECTORY)
    r = R(sync, fd)
    os.close(fd)
    return r, ctx.in_upper(p)


def c_posix_fallocate(ctx, get):
    p = get(ctx, 'data')
    fd = os.open(p, os.O_RDWR)
    r = R(os.posix_fallocate, fd, 0, 4 * DSIZE)
    st = os.fstat(fd)
    os.close(fd)
    return r, st.st_size, st.st_blocks, fh(p)


def c_falloc_keep(ctx, get):
    p = get(ctx, 'data')
    fd = os.open(p, os.O_RDWR)
    r = R(fallocate, fd, FALLOC_FL_KEEP_SIZE, DSIZE, DSIZE)
    st = os.fstat(fd)
    os.close(fd)
    return r, st.st_size, st.st_blocks, fh(p)


def c_punch(ctx, get, kind, off, ln):
    p = get(ctx, kind)
    fd = os.open(p, os.O_RDWR)
    r = R(fallocate, fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, off, ln)
    st = os.fstat(fd)
    seg = segments(fd)
    os.close(fd)
    return r, st.st_size, seg, fh(p)


def c_punch_nokeep(ctx, get):
    p = get(ctx, 'data')
    fd = os.open(p, os.O_RDWR)
    r = R(fallocate, fd, FALLOC_FL_PUNCH_HOLE, 4096, 4096)
    os.close(fd)
    return r, fh(p)


def c_seek(ctx, get):
    p = get(ctx, 'sparse')
    fd = os.open(p, os.O_RDONLY)
    before = segments(fd)
    os.close(fd)
    up0 = ctx.in_upper(p)
    fd = os.open(p, os.O_WRONLY)  # copies a lower file up
    os.close(fd)
    fd = os.open(p, os.O_RDONLY)
    after = segments(fd)
    size = os.fstat(fd).st_size
    os.close(fd)
    return ('before', before, up0, 'after', after, ctx.in_upper(p), size,
            fh(p))


def c_seek_lower_eof(ctx, get):
    p = get(ctx, 'sparse')
    fd = os.open(p, os.O_RDONLY)
    r = (R(os.lseek, fd, SSIZE, os.SEEK_DATA),
         R(os.lseek, fd, SSIZE - 1, os.SEEK_HOLE),
         R(os.lseek, fd, SSIZE + 1, os.SEEK_HOLE),
         R(os.lseek, fd, 8192, os.SEEK_DATA))
    os.close(fd)
    return r


def c_odirect(ctx, get, flags):
    p = get(ctx, 'data')
    try:
        fd = os.open(p, flags | os.O_DIRECT)
    except OSError as e:
        return 'open', E(e), ctx.in_upper(p)
    buf = mmap.mmap(-1, 8192)
    rd = R(os.preadv, fd, [buf], 4096)
    got = h(bytes(buf))
    wr = None
    if flags & os.O_ACCMODE != os.O_RDONLY:
        buf[:] = b'D' * 8192
        wr = R(os.pwritev, fd, [buf], 8192)
        # unaligned: EINVAL
        wr2 = R(os.pwrite, fd, b'x' * 100, 1)
        wr = (wr, wr2)
    os.close(fd)
    buf.close()
    return rd, got, wr, fh(p), ctx.in_upper(p)


def c_splice_from(ctx, get):
    src = get(ctx, 'data')
    dst = ctx.tmpfile()
    fi = os.open(src, os.O_RDONLY)
    fo = os.open(dst, os.O_WRONLY)
    r, w = os.pipe()
    n1 = R(os.splice, fi, w, 32768, offset_src=1000)
    n2 = R(os.splice, r, fo, 32768, offset_dst=0)
    for fd in (fi, fo, r, w):
        os.close(fd)
    return n1, n2, fh(dst), ctx.in_upper(src)


def c_splice_to(ctx, get):
    dst = get(ctx, 'data')
    src = ctx.tmpfile(b'S' * 20000)
    fi = os.open(src, os.O_RDONLY)
    fo = os.open(dst, os.O_WRONLY)
    r, w = os.pipe()
    n1 = R(os.splice, fi, w, 20000, offset_src=0)
    n2 = R(os.splice, r, fo, 20000, offset_dst=DSIZE - 5000)
    for fd in (fi, fo, r, w):
        os.close(fd)
    return n1, n2, fh(dst), ctx.in_upper(dst)


def cfr_all(fi, fo, count, oi, oo):
    total = 0
    while total < count:
        n = os.copy_file_range(fi, fo, count - total, oi + total, oo + total)
        if n == 0:
            break
        total += n
    return total


def c_cfr(ctx, get, to):
    src = get(ctx, 'data')
    if to == 'view':
        dst = ctx.new('data')
    elif to == 'view-lower':
        dst = ctx.lower('data')
    else:
        dst = ctx.tmpfile()
    fi = os.open(src, os.O_RDONLY)
    fo = os.open(dst, os.O_WRONLY)
    n = R(cfr_all, fi, fo, DSIZE - 100, 100, 3000)
    os.close(fi)
    os.close(fo)
    return n, fh(dst), ctx.in_upper(src)


def c_cfr_tmp_to(ctx, get):
    dst = get(ctx, 'data')
    src = ctx.tmpfile(b'C' * 10000)
    fi = os.open(src, os.O_RDONLY)
    fo = os.open(dst, os.O_WRONLY)
    n = R(cfr_all, fi, fo, 10000, 0, DSIZE + 100)
    os.close(fi)
    os.close(fo)
    return n, fh(dst), ctx.in_upper(dst)


def c_cfr_same(ctx, get):
    p = get(ctx, 'data')
    fd = os.open(p, os.O_RDWR)
    n = R(cfr_all, fd, fd, 4096, 0, DSIZE)
    os.close(fd)
    return n, fh(p)


def c_sendfile(ctx, get, direction):
    if direction == 'from':
        src, dst = get(ctx, 'data'), ctx.tmpfile()
        off, cnt = 500, DSIZE
    else:
        src, dst = ctx.tmpfile(b'F' * 12345), get(ctx, 'data')
        off, cnt = 0, 12345
    fi = os.open(src, os.O_RDONLY)
    fo = os.open(dst, os.O_WRONLY)
    total = 0
    try:
        while True:
            n = os.sendfile(fo, fi, off + total, cnt - total)
            if n == 0:
                break
            total += n
    except OSError as e:
        total = (total, E(e))
    os.close(fi)
    os.close(fo)
    return total, fh(dst), ctx.in_upper(get_path(src, dst, direction))


def get_path(src, dst, direction):
    return src if direction == 'from' else dst


def in_child(fn):
    """Run fn() in a forked child; its repr'd result."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            os.close(r)
            try:
                res = repr(fn())
            except BaseException as e:  # noqa: B902 - report anything
                res = 'child raised ' + repr(e)
            os.write(w, res.encode())
        finally:
            os._exit(0)
    os.close(w)
    out = b''
    while True:
        b = os.read(r, 4096)
        if not b:
            break
        out += b
    os.close(r)
    os.waitpid(pid, 0)
    return out.decode()


def c_lockf(ctx, get, first):
    """Parent holds a POSIX lock (fcntl.lockf); a child tries others."""
    p = get(ctx, 'data')
    if first == 'ro':
        fd = os.open(p, os.O_RDONLY)
        mine = R(fcntl.lockf, fd, fcntl.LOCK_SH, 100, 0)
    else:
        fd = os.open(p, os.O_RDWR)
        mine = R(fcntl.lockf, fd, fcntl.LOCK_EX, 100, 0)
    up0 = ctx.in_upper(p)

    def child():
        cfd = os.open(p, os.O_RDWR)  # copies up if still lower
        out = (R(fcntl.lockf, cfd, fcntl.LOCK_EX | fcntl.LOCK_NB, 50, 0),
               R(fcntl.lockf, cfd, fcntl.LOCK_SH | fcntl.LOCK_NB, 50, 20),
               R(fcntl.lockf, cfd, fcntl.LOCK_EX | fcntl.LOCK_NB, 50, 200))
        os.close(cfd)
        return out
    res = in_child(child)
    os.close(fd)  # drops the parent's lock

    def child2():
        cfd = os.open(p, os.O_RDWR)
        return R(fcntl.lockf, cfd, fcntl.LOCK_EX | fcntl.LOCK_NB, 100, 0)
    res2 = in_child(child2)
    return mine, up0, res, 'after close', res2, ctx.in_upper(p)


def c_flock(ctx, get, first):
    p = get(ctx, 'data')
    fd = os.open(p, os.O_RDONLY if first == 'ro' else os.O_RDWR)
    mine = R(fcntl.flock, fd, fcntl.LOCK_EX)
    up0 = ctx.in_upper(p)

    def child():
        cfd = os.open(p, os.O_RDWR)  # copies up if still lower
        out = (R(fcntl.flock, cfd, fcntl.LOCK_SH | fcntl.LOCK_NB),
               R(fcntl.flock, cfd, fcntl.LOCK_EX | fcntl.LOCK_NB))
        os.close(cfd)
        return out
    res = in_child(child)
    un = R(fcntl.flock, fd, fcntl.LOCK_UN)

    def child2():
        cfd = os.open(p, os.O_RDONLY)
        return R(fcntl.flock, cfd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    res2 = in_child(child2)
    os.close(fd)
    return mine, up0, res, un, res2, ctx.in_upper(p)


def c_mmap(ctx, get):
    p = get(ctx, 'data')
    fd = os.open(p, os.O_RDWR)
    m = mmap.mmap(fd, 0, mmap.MAP_SHARED, mmap.PROT_READ | mmap.PROT_WRITE)
    m[100:110] = b'MMAPWRITE!'
    via_read = h(os.pread(fd, DSIZE, 0))
    m.flush()
    m.close()
    os.close(fd)
    return via_read, fh(p), ctx.in_upper(p)


def c_mmap_ro(ctx, get):
    """PROT_WRITE MAP_SHARED on an O_RDONLY fd: EACCES; MAP_PRIVATE ok."""
    p = get(ctx, 'data')
    fd = os.open(p, os.O_RDONLY)
    try:
        mmap.mmap(fd, 0, mmap.MAP_SHARED, mmap.PROT_READ | mmap.PROT_WRITE)
        shared = 'mapped'
    except OSError as e:
        shared = E(e)
    m = mmap.mmap(fd, 0, mmap.MAP_PRIVATE, mmap.PROT_READ | mmap.PROT_WRITE)
    m[0:4] = b'PRIV'
    priv = h(m[:])
    m.close()
    os.close(fd)
    return shared, priv, fh(p), ctx.in_upper(p)


def c_mmap_stale(ctx, get):
    """A lower file mapped read-only, then written through another fd."""
    p = get(ctx, 'data')
    fd = os.open(p, os.O_RDONLY)
    m = mmap.mmap(fd, 0, mmap.MAP_SHARED, mmap.PROT_READ)
    wfd = os.open(p, os.O_RDWR)
    os.pwrite(wfd, b'NEWDATA', 0)
    seen = bytes(m[0:7])
    rd = os.pread(fd, 7, 0)
    m.close()
    os.close(wfd)
    os.close(fd)
    return seen, rd, ctx.in_upper(p)


def c_statfs(ctx, get):
    p = get(ctx, 'data')
    fields = ('f_bsize', 'f_frsize', 'f_blocks', 'f_files', 'f_namemax')
    su = os.statvfs(ctx.upper)
    out = []
    for what in (ctx.mnt, p, ctx.mnt + '/dir'):
        sv = os.statvfs(what)
        out.append(tuple(f for f in fields
                         if getattr(sv, f) != getattr(su, f)))
    sv = os.statvfs(ctx.mnt)
    diag(f'  statvfs {ctx.mnt}: ' + ' '.join(
        f'{f}={getattr(sv, f)}/{getattr(su, f)}' for f in fields) +
        ' (view/upper)')
    return 'fields differing from the upper', out


def c_stino(ctx, get):
    p = get(ctx, 'data')
    st0 = os.stat(p)
    rfd = os.open(p, os.O_RDONLY)
    fd = os.open(p, os.O_WRONLY | os.O_APPEND)
    os.write(fd, b'+')
    os.close(fd)
    st1 = os.stat(p)
    fst = os.fstat(rfd)
    os.close(rfd)
    # the same after dropping the dentry: a new lookup
    st2 = os.stat(p)
    root = os.stat(ctx.mnt).st_dev
    diag(f'  {p}: st_dev {st0.st_dev:#x} -> {st1.st_dev:#x} (root '
         f'{root:#x}), st_ino {st0.st_ino} -> {st1.st_ino}')
    return ('dev as root', st0.st_dev == root, st1.st_dev == root,
            'dev', st0.st_dev == st1.st_dev, st0.st_dev == fst.st_dev,
            st0.st_dev == st2.st_dev,
            'ino', st0.st_ino == st1.st_ino, st0.st_ino == fst.st_ino,
            st0.st_ino == st2.st_ino, 'size', st1.st_size, fst.st_size,
            ctx.in_upper(p))


def c_truncate(ctx, get):
    p = get(ctx, 'data')
    ro = os.open(p, os.O_RDONLY)
    r0 = R(os.ftruncate, ro, 10)
    rw = os.open(p, os.O_RDWR)
    r1 = R(os.ftruncate, rw, 1000)
    s1 = (os.fstat(ro).st_size, os.fstat(rw).st_size)
    d1 = h(os.pread(ro, 2000, 0))
    r2 = R(os.ftruncate, rw, 100000)
    d2 = h(os.pread(ro, 200000, 0))
    s2 = os.fstat(ro).st_size
    os.close(rw)
    os.close(ro)
    return r0, r1, s1, d1, r2, s2, d2, fh(p), ctx.in_upper(p)


def c_append(ctx, get):
    p = get(ctx, 'data')
    fd = os.open(p, os.O_WRONLY | os.O_APPEND)
    w1 = os.write(fd, b'app1')
    pos1 = os.lseek(fd, 0, os.SEEK_CUR)
    w2 = R(os.pwrite, fd, b'pw', 0)  # Linux: appends with O_APPEND
    os.lseek(fd, 0, os.SEEK_SET)
    w3 = os.write(fd, b'w3')
    pos3 = os.lseek(fd, 0, os.SEEK_CUR)
    size = os.fstat(fd).st_size
    os.close(fd)
    # clearing O_APPEND with F_SETFL is refused only for append-only inodes
    fd = os.open(p, os.O_WRONLY | os.O_APPEND)
    fl = fcntl.fcntl(fd, fcntl.F_SETFL, 0)
    w4 = os.pwrite(fd, b'Z', 0)
    os.close(fd)
    return w1, pos1, w2, w3, pos3, size, fl, w4, fh(p), ctx.in_upper(p)


def c_past_eof(ctx, get, kind):
    p = get(ctx, kind)
    size = os.stat(p).st_size
    ro = os.open(p, os.O_RDONLY)
    r0 = h(os.pread(ro, 100, size + 100))
    r1 = R(os.pwrite, ro, b'x', size + 10)
    up0 = ctx.in_upper(p)
    fd = os.open(p, os.O_RDWR)
    r2 = h(os.pread(fd, 100, size + 100))
    w = os.pwrite(fd, b'z' * 10, size + 5000)
    st = os.fstat(fd)
    seg = segments(fd)
    r3 = h(os.pread(ro, 6000, size - 10))
    os.close(fd)
    os.close(ro)
    return r0, r1, up0, r2, w, st.st_size, seg, r3, fh(p), ctx.in_upper(p)


FIONREAD = 0x541B
FS_IOC_GETFLAGS = 0x80086601


def _ioctl_int(fd, req):
    buf = bytearray(8)
    fcntl.ioctl(fd, req, buf)
    return int.from_bytes(buf[:4], 'little')


def _first_ops(ctx):
    """(name, fn(fd)) for c_never_read: each is the fd's first use."""
    def splice(fd):
        r, w = os.pipe()
        try:
            return os.splice(fd, w, 1000, offset_src=10)
        finally:
            os.close(r)
            os.close(w)

    def to_tmp(how):
        def op(fd):
            t = os.open(ctx.tmpfile(), os.O_WRONLY)
            try:
                if how == 'cfr':
                    return os.copy_file_range(fd, t, 3000, 5, 0)
                return os.sendfile(t, fd, 7, 3000)
            finally:
                os.close(t)
        return op

    def mapped(fd):
        m = mmap.mmap(fd, 0, mmap.MAP_PRIVATE, mmap.PROT_READ)
        try:
            return h(m[:100])
        finally:
            m.close()
    return (('close', lambda fd: None),
            ('fsync', os.fsync), ('fdatasync', os.fdatasync),
            ('fadvise WILLNEED',
             lambda fd: os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_WILLNEED)),
            ('fadvise DONTNEED',
             lambda fd: os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)),
            ('SEEK_END', lambda fd: os.lseek(fd, 0, os.SEEK_END)),
            ('SEEK_SET', lambda fd: os.lseek(fd, 100, os.SEEK_SET)),
            ('SEEK_CUR', lambda fd: os.lseek(fd, 0, os.SEEK_CUR)),
            ('SEEK_DATA', lambda fd: os.lseek(fd, 0, os.SEEK_DATA)),
            ('SEEK_HOLE', lambda fd: os.lseek(fd, 0, os.SEEK_HOLE)),
            ('FIONREAD', lambda fd: _ioctl_int(fd, FIONREAD)),
            ('FS_IOC_GETFLAGS', lambda fd: _ioctl_int(fd, FS_IOC_GETFLAGS)),
            ('splice', splice), ('copy_file_range', to_tmp('cfr')),
            ('sendfile', to_tmp('sendfile')), ('mmap', mapped),
            ('fstat', lambda fd: os.fstat(fd).st_size))


def c_never_read(ctx, get):
    """
    Each operation as the first use of a fresh O_RDONLY fd (layerfs opens
    the real file only then), then a read of the whole file through it.
    """
    p = get(ctx, 'data')
    out = []
    for name, op in _first_ops(ctx):
        fd = os.open(p, os.O_RDONLY)
        try:
            out.append((name, R(op, fd), h(os.pread(fd, 2 * DSIZE, 0))))
        finally:
            os.close(fd)
    return out, ctx.in_upper(p)


def c_open_before_copy_up(ctx, get, read_first):
    """
    An O_RDONLY fd opened before another fd's write copies the file up
    (read from once before, or never): what it reads after, and where.
    """
    p = get(ctx, 'data')
    fd = os.open(p, os.O_RDONLY)
    before = h(os.read(fd, 4)) if read_first else None
    wfd = os.open(p, os.O_RDWR)
    os.pwrite(wfd, b'NEWDATA!', 0)
    os.pwrite(wfd, b'TAIL', DSIZE)
    os.close(wfd)
    after = (h(os.read(fd, 8)), os.lseek(fd, 0, os.SEEK_CUR),
             os.fstat(fd).st_size, h(os.pread(fd, 2 * DSIZE, 0)))
    os.close(fd)
    return before, after, ctx.in_upper(p)


def c_first_read_race(ctx, get):
    """
    Two threads' first reads of one fresh O_RDONLY fd at once (50 fds),
    then of fresh fds racing another fd's copy-up of the file.
    """
    import threading
    p = get(ctx, 'data')
    want = h(data_bytes())
    bad = []

    def reader(fd, res, i, bar):
        bar.wait()
        res[i] = R(lambda: h(os.pread(fd, DSIZE, 0)))

    for _ in range(50):
        fd = os.open(p, os.O_RDONLY)
        res, bar = [None, None], threading.Barrier(2)
        ts = [threading.Thread(target=reader, args=(fd, res, i, bar))
              for i in range(2)]
        for t in ts:
            t.start()
        for t in ts:
            t.join()
        os.close(fd)
        bad += [r for r in res if r != want]
    q = get(ctx, 'data')
    fds = [os.open(q, os.O_RDONLY) for _ in range(8)]
    res, bar = [None] * 9, threading.Barrier(9)

    def writer():
        bar.wait()
        wfd = os.open(q, os.O_RDWR)  # copies a lower file up
        os.pwrite(wfd, b'APPENDED', DSIZE)
        os.close(wfd)
        res[8] = 'written'
    ts = [threading.Thread(target=reader, args=(fds[i], res, i, bar))
          for i in range(8)] + [threading.Thread(target=writer)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    bad += [r for r in res[:8] if r != want]
    tails = {R(lambda: os.pread(fd, 100, DSIZE)) for fd in fds}
    for fd in fds:
        os.close(fd)
    return len(bad), bad[:3], res[8], tails, ctx.in_upper(q)


def c_first_read_other_creds(ctx, get):
    """
    A mode 0600 root file opened O_RDONLY by root, first read (and first
    seek) by a child that has become uid/gid 65534: the real file is
    opened with the mounter's credentials, as overlayfs opened it at open.
    """
    p = get(ctx, 'private')
    fd = os.open(p, os.O_RDONLY)
    fd2 = os.open(p, os.O_RDONLY)

    def child():
        os.setgroups([])
        os.setresgid(65534, 65534, 65534)
        os.setresuid(65534, 65534, 65534)
        return (R(lambda: h(os.pread(fd, DSIZE, 0))),
                R(os.lseek, fd2, 0, os.SEEK_END),
                R(lambda: h(os.read(fd2, 10))),
                R(os.open, p, os.O_RDONLY))
    res = in_child(child)
    os.close(fd)
    os.close(fd2)
    return res, oct(os.stat(p).st_mode), ctx.in_upper(p)


def c_gone_before_first_read(ctx, get, how):
    """
    An O_RDONLY fd, never read, whose name is then removed or renamed
    through the view (a lower file's rename copies it up): its first read
    and seek after that, and fstat.
    """
    p = get(ctx, 'data')
    fd = os.open(p, os.O_RDONLY)
    if how == 'unlink':
        os.unlink(p)
    else:
        os.rename(p, p + '.moved')
    out = (R(lambda: h(os.pread(fd, 2 * DSIZE, 0))),
           R(os.lseek, fd, 0, os.SEEK_END), os.fstat(fd).st_size,
           os.path.lexists(p), R(fh, p + '.moved'))
    os.close(fd)
    return out


def lower(ctx, kind):
    return ctx.lower(kind)


def upper(ctx, kind):
    return ctx.new(kind)


def cases():
    out = []
    for src, get in (('lower', lower), ('upper', upper)):
        def add(name, fn, *a):
            out.append((f'{name} ({src} file)', fn, get, a))
        add('fsync', c_fsync, os.fsync)
        add('fdatasync', c_fsync, os.fdatasync)
        add('syncfs', c_fsync, syncfs)
        add('fsync on O_RDONLY', c_fsync_ro, os.fsync)
        add('syncfs on O_RDONLY', c_fsync_ro, syncfs)
        add('posix_fallocate', c_posix_fallocate)
        add('fallocate KEEP_SIZE', c_falloc_keep)
        add('fallocate PUNCH_HOLE data', c_punch, 'data', 4096, 8192)
        add('fallocate PUNCH_HOLE sparse', c_punch, 'sparse', 2048, 4096)
        add('fallocate PUNCH_HOLE without KEEP_SIZE', c_punch_nokeep)
        add('SEEK_DATA/SEEK_HOLE before and after copy-up', c_seek)
        add('SEEK_DATA/SEEK_HOLE at EOF', c_seek_lower_eof)
        add('O_DIRECT O_RDONLY read', c_odirect, os.O_RDONLY)
        add('O_DIRECT O_RDWR read+write', c_odirect, os.O_RDWR)
        add('splice view -> pipe -> tmpfs', c_splice_from)
        add('splice tmpfs -> pipe -> view', c_splice_to)
        add('copy_file_range view -> new view file', c_cfr, 'view')
        add('copy_file_range view -> lower view file', c_cfr, 'view-lower')
        add('copy_file_range view -> tmpfs', c_cfr, 'tmp')
        add('copy_file_range tmpfs -> view', c_cfr_tmp_to)
        add('copy_file_range within one file', c_cfr_same)
        add('sendfile view -> tmpfs', c_sendfile, 'from')
        add('sendfile tmpfs -> view', c_sendfile, 'to')
        add('lockf two processes, O_RDWR first', c_lockf, 'rw')
        add('lockf two processes, O_RDONLY first', c_lockf, 'ro')
        add('flock two processes, O_RDWR first', c_flock, 'rw')
        add('flock two processes, O_RDONLY first', c_flock, 'ro')
        add('mmap MAP_SHARED write, read(), reopen', c_mmap)
        add('mmap of an O_RDONLY fd', c_mmap_ro)
        add('mmap O_RDONLY then write via another fd', c_mmap_stale)
        add('statfs reports the upper', c_statfs)
        add('st_dev/st_ino across append', c_stino)
        add('ftruncate O_RDONLY then O_RDWR', c_truncate)
        add('O_APPEND writes', c_append)
        add('pread/pwrite past EOF', c_past_eof, 'data')
        add('pread/pwrite past EOF sparse', c_past_eof, 'sparse')
        add('first use of an O_RDONLY fd: each operation', c_never_read)
        add('O_RDONLY fd opened before a copy-up, never read',
            c_open_before_copy_up, False)
        add('O_RDONLY fd opened before a copy-up, read before',
            c_open_before_copy_up, True)
        add('first reads of one fd racing, and racing a copy-up',
            c_first_read_race)
        add('first read by a process with other credentials',
            c_first_read_other_creds)
        add('first read after the name is unlinked',
            c_gone_before_first_read, 'unlink')
        add('first read after the name is renamed',
            c_gone_before_first_read, 'rename')
    out.append(('telldir/seekdir/rewinddir on the merged root', c_seekdir,
                lower, ()))
    out.append(('readdir while entries are added and removed',
                c_readdir_change, lower, ()))
    fsd = (('fsync', os.fsync), ('syncfs', syncfs))
    for name, fn in fsd:
        out.append((f'{name} on a lower directory', c_fsync_dir, lower, (fn,)))
    return out


def diag(msg):
    print('# ' + msg, flush=True)


def run_one(ctx, fn, get, a):
    try:
        return fn(ctx, get, *a)
    except Exception as e:  # noqa: B902 - any exception is a result
        return 'raised ' + repr(e)


def is_segs(v):
    return (isinstance(v, list) and
            all(isinstance(x, tuple) and len(x) == 2 for x in v))


def strip_segs(v):
    """The result with every SEEK_DATA/SEEK_HOLE segment list blanked."""
    if is_segs(v) and v:
        return 'SEGMENTS'
    if isinstance(v, tuple):
        return tuple(strip_segs(x) for x in v)
    return v


def all_segs(v):
    if is_segs(v):
        return [v]
    if isinstance(v, tuple):
        return [s for x in v for s in all_segs(x)]
    return []


def within(inner, outer):
    return all(any(o0 <= a and b <= o1 for o0, o1 in outer)
               for a, b in inner)


def holes_kept(ro, rl):
    """
    README, known differences: layerfs copy-up keeps holes exactly, where
    overlayfs 6.1 writes 1 MiB chunks.  Everything else must be the same,
    and every data segment layerfs reports must lie inside one of
    overlayfs's (same data, fewer allocated bytes).
    """
    if strip_segs(ro) != strip_segs(rl):
        return False
    so, sl = all_segs(ro), all_segs(rl)
    return len(so) == len(sl) and all(within(b, a) for a, b in zip(so, sl))


def cfr_across(ro, rl):
    """
    README, known differences: copy_file_range between view files whose
    real files are on two filesystems copies (by splice) where overlayfs
    returns EXDEV.  The copy must be whole: 3000 + DSIZE - 100 bytes.
    """
    return (isinstance(ro, tuple) and ro[0] == 'EXDEV' and
            isinstance(rl, tuple) and rl[0] == DSIZE - 100 and
            rl[1].startswith(f'{3000 + DSIZE - 100}:') and rl[2] == ro[2])


# Documented differences: (case-name substring, check on both results).
DOCUMENTED = (
    ('SEEK_DATA/SEEK_HOLE before and after copy-up (lower', holes_kept),
    ('PUNCH_HOLE sparse (lower', holes_kept),
    ('past EOF sparse (lower', holes_kept),
    ('copy_file_range view -> new view file (lower', cfr_across),
    ('copy_file_range view -> lower view file (lower', cfr_across),
)


def documented(name, ro, rl):
    for sub, check in DOCUMENTED:
        if sub in name and check(ro, rl):
            return sub
    return None


def run(tmp, pairs):
    for spec in pairs:
        label, om, lm, ou, lu = spec.split(':')
        t0 = time.monotonic()
        octx, lctx = Ctx(om, ou, tmp), Ctx(lm, lu, tmp)
        nok = nfail = 0
        for name, fn, get, a in cases():
            ro = run_one(octx, fn, get, a)
            rl = run_one(lctx, fn, get, a)
            raised = isinstance(ro, str) and ro.startswith('raised')
            doc = None if ro == rl else documented(name, ro, rl)
            if (ro == rl or doc) and not raised:
                nok += 1
                note = f' # documented difference: {doc}' if doc else ''
                print(f'ok {label}: {name}{note}', flush=True)
                if os.environ.get('FILEOPS_VERBOSE') or doc:
                    diag(f'  overlayfs={ro!r}')
                    if doc:
                        diag(f'  layerfs={rl!r}')
            else:
                nfail += 1
                print(f'not ok {label}: {name}: overlayfs={ro!r}, '
                      f'layerfs={rl!r}', flush=True)
        diag(f'{label}: {nok} same, {nfail} different, '
             f'{time.monotonic() - t0:.1f} s')


def main():
    if sys.argv[1] == 'mkfixture':
        mkfixture(sys.argv[2], sys.argv[3])
    elif sys.argv[1] == 'run':
        run(sys.argv[2], sys.argv[3:])
    else:
        sys.exit('usage: fileops.py mkfixture TOP BOTTOM | run TMP PAIR...')


if __name__ == '__main__':
    main()
