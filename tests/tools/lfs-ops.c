// SPDX-License-Identifier: GPL-2.0
/*
 * Operations of the differential tests; see lfs-ops.h.
 */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "lfs-ops.h"

#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE (1 << 0)
#endif
#ifndef RENAME_EXCHANGE
#define RENAME_EXCHANGE (1 << 1)
#endif
#ifndef RENAME_WHITEOUT
#define RENAME_WHITEOUT (1 << 2)
#endif

void lfs_opctx_init(struct lfs_opctx *ctx)
{
	int i;

	for (i = 0; i < LFS_FD_SLOTS; i++)
		ctx->fd[i] = -1;
}

void lfs_opctx_close(struct lfs_opctx *ctx)
{
	int i;

	for (i = 0; i < LFS_FD_SLOTS; i++) {
		if (ctx->fd[i] >= 0)
			close(ctx->fd[i]);
		ctx->fd[i] = -1;
	}
}

static void lfs_err(struct lfs_sb *out, int err)
{
	lfs_sb_printf(out, "%s", lfs_errname(err));
}

/* Bytes as text, non-printables escaped. */
static void lfs_sb_data(struct lfs_sb *out, const char *buf, size_t n)
{
	size_t i;

	lfs_sb_printf(out, "'");
	for (i = 0; i < n; i++) {
		unsigned char c = buf[i];

		if (c >= 0x20 && c < 0x7f && c != '\'' && c != '\\')
			lfs_sb_printf(out, "%c", c);
		else if (c == '\n')
			lfs_sb_printf(out, "\\n");
		else
			lfs_sb_printf(out, "\\x%02x", c);
	}
	lfs_sb_printf(out, "'");
}

static int lfs_str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static char lfs_dtype_char(unsigned char t)
{
	switch (t) {
	case DT_REG: return 'f';
	case DT_DIR: return 'd';
	case DT_LNK: return 'l';
	case DT_FIFO: return 'p';
	case DT_CHR: return 'c';
	case DT_BLK: return 'b';
	case DT_SOCK: return 's';
	case DT_UNKNOWN: return '?';
	}
	return '!';
}

static char lfs_mode_char(mode_t m)
{
	switch (m & S_IFMT) {
	case S_IFREG: return 'f';
	case S_IFDIR: return 'd';
	case S_IFLNK: return 'l';
	case S_IFIFO: return 'p';
	case S_IFCHR: return 'c';
	case S_IFBLK: return 'b';
	case S_IFSOCK: return 's';
	}
	return '?';
}

/* Sorted "name:type" list; !ino / !type where d_ino / d_type disagree with lstat. */
static void lfs_readdir(const char *path, struct lfs_sb *out)
{
	char **items = NULL;
	size_t n = 0, cap = 0, i;
	struct dirent *d;
	DIR *dir;

	dir = opendir(path);
	if (!dir) {
		lfs_err(out, errno);
		return;
	}
	errno = 0;
	while ((d = readdir(dir))) {
		struct stat st;
		char t = lfs_dtype_char(d->d_type);
		const char *flag = "";

		if (!strcmp(d->d_name, ".") || !strcmp(d->d_name, ".."))
			continue;
		if (fstatat(dirfd(dir), d->d_name, &st, AT_SYMLINK_NOFOLLOW))
			flag = "!stat";
		else if (st.st_ino != d->d_ino)
			flag = "!ino";
		else if (t != '?' && t != lfs_mode_char(st.st_mode))
			flag = "!type";
		if (n == cap) {
			cap = cap ? 2 * cap : 32;
			items = realloc(items, cap * sizeof(*items));
			if (!items)
				lfs_die("out of memory");
		}
		items[n++] = lfs_printf("%s:%c%s", d->d_name, t, flag);
		errno = 0;
	}
	if (errno) {
		lfs_err(out, errno);
		closedir(dir);
		for (i = 0; i < n; i++)
			free(items[i]);
		free(items);
		return;
	}
	closedir(dir);
	qsort(items, n, sizeof(*items), lfs_str_cmp);
	lfs_sb_printf(out, "ok n=%zu", n);
	for (i = 0; i < n; i++) {
		lfs_sb_printf(out, " %s", items[i]);
		free(items[i]);
	}
	free(items);
}

static void lfs_inspect(const char *path, struct lfs_sb *out)
{
	struct lfs_entry e = {};
	struct stat st;
	char *s;

	if (lstat(path, &st)) {
		lfs_err(out, errno);
		return;
	}
	lfs_describe(path, &st, &e, false);
	/* Inode numbers, mtimes and blocks: the tree comparison shows them. */
	s = lfs_entry_str(&e, LFS_FIELDS_ALL & ~(1u << LFS_F_INO | 1u << LFS_F_MTIME |
						 1u << LFS_F_BLOCKS));
	lfs_sb_printf(out, "ok %s", s);
	free(s);
	lfs_entry_free(&e);
	if (S_ISDIR(st.st_mode)) {
		lfs_sb_printf(out, " readdir=");
		lfs_readdir(path, out);
	}
}

/* Removes everything below @path; the first error stops it. */
static int lfs_empty(const char *path, struct lfs_sb *out)
{
	char **names = NULL;
	size_t n = 0, cap = 0, i;
	struct dirent *d;
	int err = 0;
	DIR *dir;

	dir = opendir(path);
	if (!dir) {
		lfs_sb_printf(out, "opendir %s", lfs_errname(errno));
		return -1;
	}
	while ((d = readdir(dir))) {
		if (!strcmp(d->d_name, ".") || !strcmp(d->d_name, ".."))
			continue;
		if (n == cap) {
			cap = cap ? 2 * cap : 32;
			names = realloc(names, cap * sizeof(*names));
			if (!names)
				lfs_die("out of memory");
		}
		names[n++] = lfs_strdup(d->d_name);
	}
	closedir(dir);
	qsort(names, n, sizeof(*names), lfs_str_cmp);
	for (i = 0; i < n; i++) {
		char *child = lfs_printf("%s/%s", path, names[i]);
		struct stat st;

		if (!err) {
			if (lstat(child, &st)) {
				lfs_sb_printf(out, "lstat %s %s", names[i], lfs_errname(errno));
				err = -1;
			} else if (S_ISDIR(st.st_mode)) {
				err = lfs_empty(child, out);
				if (!err && rmdir(child)) {
					lfs_sb_printf(out, "rmdir %s %s", names[i],
						      lfs_errname(errno));
					err = -1;
				}
			} else if (unlink(child)) {
				lfs_sb_printf(out, "unlink %s %s", names[i],
					      lfs_errname(errno));
				err = -1;
			}
		}
		free(child);
		free(names[i]);
	}
	free(names);
	return err;
}

static int lfs_copyup(const char *path)
{
	struct stat st;
	int fd;

	if (lstat(path, &st))
		return errno;
	if (S_ISREG(st.st_mode)) {
		fd = open(path, O_WRONLY | O_NONBLOCK | O_NOFOLLOW);
		if (fd < 0)
			return errno;
		close(fd);
		return 0;
	}
	return lchown(path, -1, -1) ? errno : 0;
}

static void lfs_oldfd(const char *path, struct lfs_sb *out)
{
	char buf[64];
	char *map = MAP_FAILED;
	struct stat st;
	ssize_t n;
	int fd1, fd2;

	fd1 = open(path, O_RDONLY);
	if (fd1 < 0) {
		lfs_err(out, errno);
		return;
	}
	if (!fstat(fd1, &st) && st.st_size > 0)
		map = mmap(NULL, st.st_size, PROT_READ, MAP_SHARED, fd1, 0);
	n = pread(fd1, buf, sizeof(buf), 0);
	lfs_sb_printf(out, "ok before=");
	if (n < 0)
		lfs_err(out, errno);
	else
		lfs_sb_data(out, buf, n);
	fd2 = open(path, O_WRONLY);
	if (fd2 < 0) {
		lfs_sb_printf(out, " open-for-write=");
		lfs_err(out, errno);
	} else {
		if (pwrite(fd2, "NEW", 3, 0) != 3) {
			lfs_sb_printf(out, " write=");
			lfs_err(out, errno);
		}
		close(fd2);
	}
	n = pread(fd1, buf, sizeof(buf), 0);
	lfs_sb_printf(out, " after=");
	if (n < 0)
		lfs_err(out, errno);
	else
		lfs_sb_data(out, buf, n);
	if (map != MAP_FAILED) {
		lfs_sb_printf(out, " mapped=");
		lfs_sb_data(out, map, st.st_size < 16 ? st.st_size : 16);
		munmap(map, st.st_size);
	}
	close(fd1);
}

static void lfs_mmapw(const char *path, const struct lfs_op *op,
		      struct lfs_sb *out)
{
	size_t len = strlen(op->s);
	struct stat st;
	char *map;
	int fd;

	fd = open(path, O_RDWR);
	if (fd < 0) {
		lfs_err(out, errno);
		return;
	}
	if (fstat(fd, &st) || st.st_size < op->off + (off_t)len) {
		lfs_sb_printf(out, "file too short");
		close(fd);
		return;
	}
	map = mmap(NULL, st.st_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED) {
		lfs_err(out, errno);
		close(fd);
		return;
	}
	memcpy(map + op->off, op->s, len);
	if (msync(map, st.st_size, MS_SYNC)) {
		lfs_err(out, errno);
	} else {
		lfs_sb_printf(out, "ok");
	}
	munmap(map, st.st_size);
	close(fd);
}

static int lfs_slot(const struct lfs_op *op)
{
	if (op->off < 0 || op->off >= LFS_FD_SLOTS)
		lfs_die("bad fd slot %ld", op->off);
	return op->off;
}

void lfs_op_run(struct lfs_opctx *ctx, const char *root,
		const struct lfs_op *op, struct lfs_sb *out)
{
	char *a = op->a ? lfs_printf("%s/%s", root, op->a) : NULL;
	char *b = op->b ? lfs_printf("%s/%s", root, op->b) : NULL;
	struct timespec ts[2];
	struct stat st1, st2;
	char buf[4096];
	uint64_t h;
	off_t len;
	ssize_t n;
	int fd, r = 0, slot;

	switch (op->k) {
	case LFS_OP_NONE:
		lfs_sb_printf(out, "ok");
		break;
	case LFS_OP_INSPECT:
		lfs_inspect(a, out);
		break;
	case LFS_OP_READDIR:
		lfs_readdir(a, out);
		break;
	case LFS_OP_READ:
		r = lfs_hash_file(a, &h, &len);
		if (r)
			lfs_err(out, -r);
		else
			lfs_sb_printf(out, "ok len=%lld #%016llx", (long long)len,
				      (unsigned long long)h);
		break;
	case LFS_OP_GETX:
		n = lgetxattr(a, op->b, buf, sizeof(buf));
		if (n < 0) {
			lfs_err(out, errno);
		} else {
			lfs_sb_printf(out, "ok ");
			lfs_sb_data(out, buf, n);
		}
		break;
	case LFS_OP_LISTX: {
		char *names[256], *p;
		size_t cnt = 0, i;

		n = llistxattr(a, buf, sizeof(buf));
		if (n < 0) {
			lfs_err(out, errno);
			break;
		}
		for (p = buf; p < buf + n && cnt < LFS_ARRAY_SIZE(names); p += strlen(p) + 1)
			names[cnt++] = p;
		qsort(names, cnt, sizeof(*names), lfs_str_cmp);
		lfs_sb_printf(out, "ok");
		for (i = 0; i < cnt; i++)
			lfs_sb_printf(out, " %s", names[i]);
		break;
	}
	case LFS_OP_OPEN:
		fd = open(a, op->n, 0640);
		if (fd < 0) {
			lfs_err(out, errno);
		} else {
			lfs_sb_printf(out, "ok");
			close(fd);
		}
		break;
	case LFS_OP_WRITE:
		fd = open(a, op->n, 0640);
		if (fd < 0) {
			lfs_err(out, errno);
			break;
		}
		if (op->off >= 0)
			n = pwrite(fd, op->s, strlen(op->s), op->off);
		else
			n = write(fd, op->s, strlen(op->s));
		if (n < 0)
			lfs_err(out, errno);
		else
			lfs_sb_printf(out, "ok wrote=%zd", n);
		close(fd);
		break;
	case LFS_OP_MMAPW:
		lfs_mmapw(a, op, out);
		break;
	case LFS_OP_TRUNC:
		r = truncate(a, op->n);
		break;
	case LFS_OP_CHMOD:
		r = chmod(a, op->n);
		break;
	case LFS_OP_CHOWN:
		r = chown(a, op->n, op->off);
		break;
	case LFS_OP_LCHOWN:
		r = lchown(a, op->n, op->off);
		break;
	case LFS_OP_UTIMES:
		ts[0].tv_sec = op->n;
		ts[0].tv_nsec = 123;
		ts[1].tv_sec = op->off;
		ts[1].tv_nsec = 456;
		r = utimensat(AT_FDCWD, a, ts, AT_SYMLINK_NOFOLLOW);
		break;
	case LFS_OP_SETX:
		r = lsetxattr(a, op->b, op->s, strlen(op->s), op->n);
		break;
	case LFS_OP_REMOVEX:
		r = lremovexattr(a, op->b);
		break;
	case LFS_OP_LINK:
		r = link(a, b);
		break;
	case LFS_OP_SYMLINK:
		r = symlink(op->s, a);
		break;
	case LFS_OP_MKDIR:
		r = mkdir(a, op->n);
		break;
	case LFS_OP_MKNOD:
		r = mknod(a, op->n, op->off);
		break;
	case LFS_OP_UNLINK:
		r = unlink(a);
		break;
	case LFS_OP_RMDIR:
		r = rmdir(a);
		break;
	case LFS_OP_RENAME:
		r = syscall(SYS_renameat2, AT_FDCWD, a, AT_FDCWD, b,
			    (unsigned int)op->n);
		break;
	case LFS_OP_OLDFD:
		lfs_oldfd(a, out);
		break;
	case LFS_OP_INOCU:
		if (lstat(a, &st1)) {
			lfs_err(out, errno);
			break;
		}
		r = lfs_copyup(a);
		if (r) {
			lfs_sb_printf(out, "copy-up ");
			lfs_err(out, r);
			r = 0;
			break;
		}
		if (lstat(a, &st2)) {
			lfs_err(out, errno);
			break;
		}
		lfs_sb_printf(out, "ok ino %s", st1.st_ino == st2.st_ino ?
			      "unchanged" : "changed");
		break;
	case LFS_OP_COPYUP:
		r = lfs_copyup(a);
		if (r) {
			lfs_err(out, r);
			r = 0;
		} else {
			lfs_sb_printf(out, "ok");
		}
		break;
	case LFS_OP_EMPTY:
		if (!lfs_empty(a, out))
			lfs_sb_printf(out, "ok");
		break;
	case LFS_OP_OPENFD:
		slot = lfs_slot(op);
		if (ctx->fd[slot] >= 0)
			close(ctx->fd[slot]);
		ctx->fd[slot] = open(a, op->n, 0640);
		if (ctx->fd[slot] < 0)
			lfs_err(out, errno);
		else
			lfs_sb_printf(out, "ok");
		break;
	case LFS_OP_FDWRITE:
		slot = lfs_slot(op);
		if (ctx->fd[slot] < 0) {
			lfs_sb_printf(out, "not open");
			break;
		}
		n = pwrite(ctx->fd[slot], op->s, strlen(op->s), op->n);
		if (n < 0)
			lfs_err(out, errno);
		else
			lfs_sb_printf(out, "ok wrote=%zd", n);
		break;
	case LFS_OP_FDREAD:
		slot = lfs_slot(op);
		if (ctx->fd[slot] < 0) {
			lfs_sb_printf(out, "not open");
			break;
		}
		n = pread(ctx->fd[slot], buf, 64, 0);
		if (n < 0) {
			lfs_err(out, errno);
		} else {
			lfs_sb_printf(out, "ok ");
			lfs_sb_data(out, buf, n);
		}
		break;
	case LFS_OP_CLOSEFD:
		slot = lfs_slot(op);
		if (ctx->fd[slot] < 0) {
			lfs_sb_printf(out, "not open");
			break;
		}
		r = close(ctx->fd[slot]);
		ctx->fd[slot] = -1;
		break;
	default:
		lfs_die("unknown operation %d", op->k);
	}

	switch (op->k) {
	case LFS_OP_TRUNC:
	case LFS_OP_CHMOD:
	case LFS_OP_CHOWN:
	case LFS_OP_LCHOWN:
	case LFS_OP_UTIMES:
	case LFS_OP_SETX:
	case LFS_OP_REMOVEX:
	case LFS_OP_LINK:
	case LFS_OP_SYMLINK:
	case LFS_OP_MKDIR:
	case LFS_OP_MKNOD:
	case LFS_OP_UNLINK:
	case LFS_OP_RMDIR:
	case LFS_OP_RENAME:
	case LFS_OP_CLOSEFD:
		if (r)
			lfs_err(out, errno);
		else
			lfs_sb_printf(out, "ok");
		break;
	default:
		break;
	}
	free(a);
	free(b);
}

static void lfs_open_flags(long fl, struct lfs_sb *out)
{
	static const struct { long f; const char *n; } names[] = {
		{ O_CREAT, "CREAT" }, { O_EXCL, "EXCL" }, { O_TRUNC, "TRUNC" },
		{ O_APPEND, "APPEND" }, { O_NONBLOCK, "NONBLOCK" },
		{ O_DIRECTORY, "DIRECTORY" }, { O_NOFOLLOW, "NOFOLLOW" },
	};
	size_t i;

	switch (fl & O_ACCMODE) {
	case O_RDONLY: lfs_sb_printf(out, "RDONLY"); break;
	case O_WRONLY: lfs_sb_printf(out, "WRONLY"); break;
	default: lfs_sb_printf(out, "RDWR"); break;
	}
	for (i = 0; i < LFS_ARRAY_SIZE(names); i++)
		if (fl & names[i].f)
			lfs_sb_printf(out, "|%s", names[i].n);
}

void lfs_op_name(const struct lfs_op *op, struct lfs_sb *out)
{
	switch (op->k) {
	case LFS_OP_NONE:
		lfs_sb_printf(out, "nothing");
		break;
	case LFS_OP_INSPECT:
		lfs_sb_printf(out, "inspect %s", op->a);
		break;
	case LFS_OP_READDIR:
		lfs_sb_printf(out, "readdir %s", op->a);
		break;
	case LFS_OP_READ:
		lfs_sb_printf(out, "read %s", op->a);
		break;
	case LFS_OP_GETX:
		lfs_sb_printf(out, "getxattr %s %s", op->a, op->b);
		break;
	case LFS_OP_LISTX:
		lfs_sb_printf(out, "listxattr %s", op->a);
		break;
	case LFS_OP_OPEN:
		lfs_sb_printf(out, "open %s ", op->a);
		lfs_open_flags(op->n, out);
		break;
	case LFS_OP_WRITE:
		lfs_sb_printf(out, "write %s ", op->a);
		lfs_open_flags(op->n, out);
		if (op->off >= 0)
			lfs_sb_printf(out, " at %ld", op->off);
		lfs_sb_printf(out, " %zu bytes", strlen(op->s));
		break;
	case LFS_OP_MMAPW:
		lfs_sb_printf(out, "mmap-write %s at %ld", op->a, op->off);
		break;
	case LFS_OP_TRUNC:
		lfs_sb_printf(out, "truncate %s %ld", op->a, op->n);
		break;
	case LFS_OP_CHMOD:
		lfs_sb_printf(out, "chmod %04lo %s", op->n, op->a);
		break;
	case LFS_OP_CHOWN:
		lfs_sb_printf(out, "chown %ld:%ld %s", op->n, op->off, op->a);
		break;
	case LFS_OP_LCHOWN:
		lfs_sb_printf(out, "lchown %ld:%ld %s", op->n, op->off, op->a);
		break;
	case LFS_OP_UTIMES:
		lfs_sb_printf(out, "utimensat %s", op->a);
		break;
	case LFS_OP_SETX:
		lfs_sb_printf(out, "setxattr %s %s=%s%s", op->a, op->b, op->s,
			      op->n == XATTR_CREATE ? " CREATE" :
			      op->n == XATTR_REPLACE ? " REPLACE" : "");
		break;
	case LFS_OP_REMOVEX:
		lfs_sb_printf(out, "removexattr %s %s", op->a, op->b);
		break;
	case LFS_OP_LINK:
		lfs_sb_printf(out, "link %s %s", op->a, op->b);
		break;
	case LFS_OP_SYMLINK:
		lfs_sb_printf(out, "symlink %s -> %s", op->a, op->s);
		break;
	case LFS_OP_MKDIR:
		lfs_sb_printf(out, "mkdir %s", op->a);
		break;
	case LFS_OP_MKNOD:
		lfs_sb_printf(out, "mknod %s %s %u:%u", op->a,
			      S_ISFIFO(op->n) ? "fifo" : S_ISCHR(op->n) ? "chr" : "other",
			      major(op->off), minor(op->off));
		break;
	case LFS_OP_UNLINK:
		lfs_sb_printf(out, "unlink %s", op->a);
		break;
	case LFS_OP_RMDIR:
		lfs_sb_printf(out, "rmdir %s", op->a);
		break;
	case LFS_OP_RENAME:
		lfs_sb_printf(out, "rename %s %s%s", op->a, op->b,
			      op->n == RENAME_NOREPLACE ? " NOREPLACE" :
			      op->n == RENAME_EXCHANGE ? " EXCHANGE" :
			      op->n == RENAME_WHITEOUT ? " WHITEOUT" : "");
		break;
	case LFS_OP_OLDFD:
		lfs_sb_printf(out, "read %s through an fd opened before a write", op->a);
		break;
	case LFS_OP_INOCU:
		lfs_sb_printf(out, "st_ino across copy-up of %s", op->a);
		break;
	case LFS_OP_COPYUP:
		lfs_sb_printf(out, "copy-up %s", op->a);
		break;
	case LFS_OP_EMPTY:
		lfs_sb_printf(out, "empty %s", op->a);
		break;
	case LFS_OP_OPENFD:
		lfs_sb_printf(out, "fd%ld = open %s ", op->off, op->a);
		lfs_open_flags(op->n, out);
		break;
	case LFS_OP_FDWRITE:
		lfs_sb_printf(out, "pwrite fd%ld at %ld %zu bytes", op->off, op->n,
			      strlen(op->s));
		break;
	case LFS_OP_FDREAD:
		lfs_sb_printf(out, "pread fd%ld", op->off);
		break;
	case LFS_OP_CLOSEFD:
		lfs_sb_printf(out, "close fd%ld", op->off);
		break;
	default:
		lfs_sb_printf(out, "op%d", op->k);
	}
}
