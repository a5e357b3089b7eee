// SPDX-License-Identifier: GPL-2.0
/*
 * Layer directory -> OCI layer tarball (lfs_tar_export(), see ocitar.h):
 * one libarchive writer in PAX format whose output callback hashes the
 * tar (diff_id) and, when compressing, feeds either the parallel gzip
 * compressor (pgzip.h: gzip on every CPU) or, for zstd, a second writer
 * (format "raw", filter zstd) on its own thread (tarpriv.h's pipeline);
 * the compressed bytes are hashed (the blob's digest) and written.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/types.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <linux/fs.h>
#include <linux/openat2.h>

#include <archive.h>
#include <archive_entry.h>
#include <openssl/evp.h>
#include <zlib.h>

#include "fsdir.h"
#include "ocitar.h"
#include "pgzip.h"
#include "sys.h"
#include "tarpriv.h"

/* The most bytes of a hole passed to libarchive at once (it takes INT_MAX). */
#define LFS_HOLE_STEP	(1 << 30)

struct lfs_hl {			/* a hard-linked inode seen before */
	dev_t dev;
	ino_t ino;
	char *path;
};

struct lfs_exp {
	struct archive *tar;	/* PAX writer */
	struct archive *z;	/* raw + zstd filter, or NULL */
	struct lfs_pgz *gz;	/* or the parallel gzip compressor */
	struct archive_entry *ze;	/* its one entry */
	EVP_MD_CTX *md_tar, *md_blob;
	int outfd;
	int io_err;		/* errno of a failed output write */
	int teefd;		/* a copy of the blob, or -1 */
	int tee_err;		/* errno of a failed copy write */
	struct lfs_pipe pipe;	/* to the compressing thread, if x->z */
	int slot;		/* the slot being filled, or -1 */
	uint64_t tar_size, blob_size;
	struct lfs_hl *hl;	/* hash table, see lfs_hl_slot() */
	size_t n_hl, cap_hl;
	char *buf;		/* LFS_IO_CHUNK */
	const char *zeros;	/* LFS_HOLE_STEP bytes, mapped read-only */
	struct lfs_err *err;	/* the caller's; may be NULL */
};

static la_ssize_t lfs_exp_blob_cb(struct archive *a, void *arg,
				  const void *buf, size_t n)
{
	struct lfs_exp *x = arg;
	int rc;

	(void)a;
	EVP_DigestUpdate(x->md_blob, buf, n);
	x->blob_size += n;
	rc = lfs_write_all(x->outfd, buf, n);
	if (rc) {
		x->io_err = -rc;
		return -1;
	}
	/* a copy that cannot be written stops, not the export */
	if (x->teefd >= 0) {
		rc = lfs_write_all(x->teefd, buf, n);
		if (rc) {
			x->tee_err = -rc;
			x->teefd = -1;
		}
	}
	return (la_ssize_t)n;
}

/* The parallel compressor's output: as the zstd writer's. */
static int lfs_exp_gz_out(void *arg, const void *p, size_t n)
{
	struct lfs_exp *x = arg;

	return lfs_exp_blob_cb(NULL, x, p, n) < 0 ? x->io_err : 0;
}

static la_ssize_t lfs_exp_tar_cb(struct archive *a, void *arg,
				 const void *buf, size_t n)
{
	struct lfs_exp *x = arg;

	(void)a;
	EVP_DigestUpdate(x->md_tar, buf, n);
	x->tar_size += n;
	if (x->gz)
		return lfs_pgz_write(x->gz, buf, n) ? -1 : (la_ssize_t)n;
	if (!x->z)
		return lfs_exp_blob_cb(a, arg, buf, n);
	/* into the queue of the compressing thread, a chunk at a time */
	if (lfs_pipe_write(&x->pipe, &x->slot, buf, n))
		return -1;
	return (la_ssize_t)n;
}

/* The compressing thread: compresses, hashes and writes each chunk. */
static void *lfs_exp_worker(void *arg)
{
	struct lfs_exp *x = arg;
	int slot;

	while ((slot = lfs_pipe_pop(&x->pipe)) >= 0) {
		if (archive_write_data(x->z, x->pipe.buf[slot],
				       x->pipe.len[slot]) !=
		    (la_ssize_t)x->pipe.len[slot]) {
			lfs_pipe_cancel(&x->pipe, x->io_err ? x->io_err : EIO);
			break;
		}
	}
	return NULL;
}

/*
 * Adds the exportable xattrs of @path (entry @rel), sorted by name, to @e;
 * the value of LFS_PROTATTR_XATTR, which is not one of them, to @prot
 * (@protlen: its length, 0 without one).
 */
static int lfs_exp_xattrs(struct lfs_exp *x, const char *path,
			  const char *rel, struct archive_entry *e,
			  char prot[8], size_t *protlen)
{
	char *list = NULL, **names = NULL, *p, *val = NULL;
	ssize_t len, vl;
	size_t n = 0, i;
	int rc = 0;

	len = llistxattr(path, NULL, 0);
	if (len < 0)
		return (errno == ENOTSUP || errno == EOPNOTSUPP) ? 0 : -errno;
	if (!len)
		return 0;
	list = malloc((size_t)len + 1);
	if (!list)
		return -ENOMEM;
	len = llistxattr(path, list, (size_t)len);
	if (len < 0) {
		rc = -errno;
		goto out;
	}
	list[len] = '\0';
	names = calloc((size_t)len, sizeof(*names));
	if (!names) {
		rc = -ENOMEM;
		goto out;
	}
	for (p = list; p < list + len; p += strlen(p) + 1) {
		if (*p && !lfs_oci_xattr_private(p))
			names[n++] = p;
		if (strcmp(p, LFS_PROTATTR_XATTR))
			continue;
		vl = lgetxattr(path, p, prot, 8);
		if (vl > 0)
			*protlen = (size_t)vl;
		else if (vl < 0 && errno == ERANGE)
			*protlen = 0;	/* not a value the kernel reads */
		else if (vl < 0 && errno != ENODATA)
			goto out_errno;
	}
	if (n)
		qsort(names, n, sizeof(*names), lfs_cmp_str);
	val = malloc(65536);
	if (!val) {
		rc = -ENOMEM;
		goto out;
	}
	for (i = 0; i < n; i++) {
		vl = lgetxattr(path, names[i], val, 65536);
		if (vl < 0) {
			if (errno == ENODATA)
				continue;
			rc = lfs_tar_errno(x->err, -errno, "file", rel,
					   "cannot read its xattr '%s'",
					   names[i]);
			goto out;
		}
		archive_entry_xattr_add_entry(e, names[i], val, (size_t)vl);
	}
	goto out;
out_errno:
	rc = lfs_tar_errno(x->err, -errno, "file", rel,
			   "cannot read its xattr '%s'", LFS_PROTATTR_XATTR);
out:
	free(val);
	free(names);
	free(list);
	return rc;
}

/* Directory @fd is marked opaque. */
static int lfs_is_opaque(int fd)
{
	char v[4];
	ssize_t n = fgetxattr(fd, LFS_OPQ_XATTR, v, sizeof(v));

	return n == 1 && v[0] == 'y';
}

/*
 * Hard-linked inodes seen so far: an open-addressing hash table on
 * (dev, ino), cap_hl a power of two, a NULL path marking a free slot.
 */
static size_t lfs_hl_slot(const struct lfs_exp *x, dev_t dev, ino_t ino)
{
	uint64_t h = ((uint64_t)dev * 0x9e3779b97f4a7c15ULL) ^
		     ((uint64_t)ino * 0xc2b2ae3d27d4eb4fULL);

	return (size_t)(h ^ (h >> 29)) & (x->cap_hl - 1);
}

static const char *lfs_hl_find(struct lfs_exp *x, const struct stat *st)
{
	size_t i;

	if (!x->cap_hl)
		return NULL;
	for (i = lfs_hl_slot(x, st->st_dev, st->st_ino); x->hl[i].path;
	     i = (i + 1) & (x->cap_hl - 1))
		if (x->hl[i].dev == st->st_dev && x->hl[i].ino == st->st_ino)
			return x->hl[i].path;
	return NULL;
}

static int lfs_hl_add(struct lfs_exp *x, const struct stat *st,
		      const char *rel)
{
	struct lfs_hl *old = x->hl, *nh;
	size_t i, j, ocap = x->cap_hl;

	if ((x->n_hl + 1) * 2 > x->cap_hl) {
		x->cap_hl = x->cap_hl ? x->cap_hl * 2 : 64;
		nh = calloc(x->cap_hl, sizeof(*nh));
		if (!nh) {
			x->cap_hl = ocap;
			return -ENOMEM;
		}
		x->hl = nh;
		for (i = 0; i < ocap; i++) {
			if (!old[i].path)
				continue;
			for (j = lfs_hl_slot(x, old[i].dev, old[i].ino);
			     nh[j].path; j = (j + 1) & (x->cap_hl - 1))
				;
			nh[j] = old[i];
		}
		free(old);
	}
	for (i = lfs_hl_slot(x, st->st_dev, st->st_ino); x->hl[i].path;
	     i = (i + 1) & (x->cap_hl - 1))
		;
	x->hl[i].path = strdup(rel);
	if (!x->hl[i].path)
		return -ENOMEM;
	x->hl[i].dev = st->st_dev;
	x->hl[i].ino = st->st_ino;
	x->n_hl++;
	return 0;
}

/*
 * Writing to @a failed while @rel (NULL: at the end) was written: the
 * output's errno, the tarball's and not @rel's failure, else libarchive's
 * reason, about @rel.  Returns the negative errno (-EIO for the latter).
 */
static int lfs_exp_write_err(struct lfs_exp *x, const char *rel,
			     struct archive *a)
{
	int err = x->pipe.err ? x->pipe.err : x->io_err;
	const char *why = archive_error_string(a);

	if (err)
		return lfs_err_set(x->err, -err, "cannot write the tarball");
	if (!why)
		why = "write error";
	if (rel)
		lfs_err_set(x->err, 0, "file '%s': %s", rel, why);
	else
		lfs_err_set(x->err, 0, "%s", why);
	return -EIO;
}

/*
 * Refuses a member whose path import would refuse: longer than the
 * PATH_MAX - 1 bytes its cleaned path may have (trailing slashes do not
 * count).  The path is named by its start and its end.
 */
static int lfs_exp_path_fits(struct lfs_exp *x, const char *name)
{
	size_t len = name ? strlen(name) : 0;

	while (len > 1 && name[len - 1] == '/')
		len--;
	if (len < PATH_MAX)
		return 0;
	lfs_err_set(x->err, 0,
		    "file '%.60s...%s': %zu bytes, longer than the %d bytes import takes",
		    name, name + len - 100, len, PATH_MAX - 1);
	return -ENAMETOOLONG;
}

static int lfs_exp_header(struct lfs_exp *x, struct archive_entry *e,
			  const char *rel)
{
	int rc = lfs_exp_path_fits(x, archive_entry_pathname(e));

	if (rc)
		return rc;
	/* ARCHIVE_WARN: a name that is not UTF-8, written as binary */
	if (archive_write_header(x->tar, e) < ARCHIVE_WARN)
		return lfs_exp_write_err(x, rel, x->tar);
	return 0;
}

/* A regular empty entry @name with @st's owner, permissions and mtime. */
static int lfs_exp_marker(struct lfs_exp *x, const char *name,
			  const struct stat *st)
{
	struct archive_entry *e = archive_entry_new();
	int rc;

	if (!e)
		return -ENOMEM;
	archive_entry_set_pathname(e, name);
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, st->st_mode & 07777);
	archive_entry_set_uid(e, st->st_uid);
	archive_entry_set_gid(e, st->st_gid);
	archive_entry_set_mtime(e, st->st_mtim.tv_sec, st->st_mtim.tv_nsec);
	archive_entry_set_size(e, 0);
	rc = lfs_exp_header(x, e, name);
	archive_entry_free(e);
	return rc;
}

/*
 * Opens regular file @name of @dirfd, listed as @st, for reading
 * (O_NOATIME when allowed); the fd, or -errno with the reason in x->err.
 * lfs_open_regular() opens only a regular file, and this one only if it
 * is still @st's inode: a FIFO or a device put in the file's place since
 * it was listed (a layer directory its owner can change) would have
 * blocked the export forever, or been opened as the device.
 */
static int lfs_exp_open(struct lfs_exp *x, int dirfd, const char *name,
			const char *rel, const struct stat *st)
{
	struct stat now;
	int fd;

	fd = lfs_open_regular(dirfd, name, O_NOATIME, &now);
	if (fd == -EINVAL || fd == -ELOOP ||
	    (fd >= 0 && (now.st_dev != st->st_dev ||
			 now.st_ino != st->st_ino))) {
		if (fd >= 0)
			close(fd);
		lfs_err_set(x->err, 0, "file '%s': replaced while being read",
			    rel);
		return -EIO;
	}
	if (fd < 0)
		lfs_tar_errno(x->err, fd, "file", rel, "cannot open it");
	return fd;
}

/*
 * The data regions of @fd (SEEK_DATA/SEEK_HOLE) as @e's sparse map, when
 * the file has a hole: libarchive then writes the entry as a PAX sparse
 * file (GNU sparse 1.0) holding only the data.  A file without holes, or
 * on a filesystem without SEEK_HOLE, gets no map.  0 or -errno.
 */
static int lfs_exp_sparse(struct lfs_exp *x, int fd, off_t size,
			  struct archive_entry *e, const char *rel)
{
	off_t data = 0, hole;
	int holes = 0;

	while (data < size) {
		data = lseek(fd, data, SEEK_DATA);
		if (data < 0 && errno == ENXIO) {
			data = size;	/* a hole to the end (the whole file?) */
			holes = 1;
		} else if (data < 0)
			break;
		if (data >= size)
			break;
		hole = lseek(fd, data, SEEK_HOLE);
		if (hole < 0) {
			data = -1;
			break;
		}
		if (hole > size)
			hole = size;
		holes |= data > 0 || hole < size;
		archive_entry_sparse_add_entry(e, data, hole - data);
		data = hole;
	}
	if (data < 0 && errno != EINVAL && errno != ENXIO)
		return lfs_tar_errno(x->err, -errno, "file", rel,
				     "cannot find its data");
	if (data < 0 || !holes) {
		archive_entry_sparse_clear(e);
		return 0;
	}
	/* A hole to the end, or only holes: an empty region at the end. */
	archive_entry_sparse_add_entry(e, size, 0);
	return 0;
}

/*
 * Passes @len bytes of a hole to libarchive, which skips them unread, a
 * LFS_HOLE_STEP at a time from x->zeros (64 KiB at a time if it could not
 * be mapped): a hole of 4 EiB (tmpfs, xfs and btrfs files can be that
 * large) costs 4 billion calls, not 70 trillion.
 */
static int lfs_exp_hole(struct lfs_exp *x, off_t len, const char *rel)
{
	static const char zero[LFS_IO_CHUNK];
	const char *z = x->zeros ? x->zeros : zero;
	size_t n, step = x->zeros ? LFS_HOLE_STEP : LFS_IO_CHUNK;

	for (; len > 0; len -= (off_t)n) {
		n = (uint64_t)len > step ? step : (size_t)len;
		if (archive_write_data(x->tar, z, n) != (la_ssize_t)n)
			return lfs_exp_write_err(x, rel, x->tar);
	}
	return 0;
}

/* Writes @len bytes of @fd from @off, read in chunks. */
static int lfs_exp_region(struct lfs_exp *x, int fd, off_t off, off_t len,
			  const char *rel)
{
	ssize_t r;

	while (len > 0) {
		r = pread(fd, x->buf, len > LFS_IO_CHUNK ? LFS_IO_CHUNK :
			  (size_t)len, off);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return lfs_tar_errno(x->err, -errno, "file", rel,
					     "cannot read it");
		if (!r) {
			lfs_err_set(x->err, 0,
				    "file '%s': shrank while being read", rel);
			return -EIO;
		}
		if (archive_write_data(x->tar, x->buf, (size_t)r) != r)
			return lfs_exp_write_err(x, rel, x->tar);
		off += r;
		len -= r;
	}
	return 0;
}

/*
 * The data of a regular file: its regions per @e's sparse map (the holes
 * between them passed as holes, never read), or all of it.  The hole
 * before the map's last region, the empty one at the end of the file, is
 * not passed at all: the entry ends there, and libarchive's pax writer
 * ends a sparse entry with the data it lacks, never with its holes (its
 * finish_entry), so a file that is a hole of exabytes, or ends with one,
 * costs nothing.  (Its first write, of no bytes here, puts the map out.)
 */
static int lfs_exp_data(struct lfs_exp *x, int fd, off_t size,
			struct archive_entry *e, const char *rel)
{
	la_int64_t off, len;
	off_t at = 0;
	int rc = 0;

	if (!archive_entry_sparse_reset(e))
		return lfs_exp_region(x, fd, 0, size, rel);
	/* No byte yet: the sparse map, which leads the entry's data. */
	if (archive_write_data(x->tar, x->buf, 0))
		return lfs_exp_write_err(x, rel, x->tar);
	while (!rc && archive_entry_sparse_next(e, &off, &len) == ARCHIVE_OK) {
		if (!len && off == size)
			break;
		rc = lfs_exp_hole(x, off - at, rel);
		if (!rc)
			rc = lfs_exp_region(x, fd, off, len, rel);
		at = off + len;
	}
	return rc;
}

/* A regular file with data: its header (sparse map included), its data. */
static int lfs_exp_file(struct lfs_exp *x, int dirfd, const char *name,
			const char *rel, const struct stat *st,
			struct archive_entry *e)
{
	int fd = lfs_exp_open(x, dirfd, name, rel, st), rc;
	off_t size = st->st_size;

	if (fd < 0)
		return fd;
	rc = lfs_exp_sparse(x, fd, size, e, rel);
	if (!rc)
		rc = lfs_exp_header(x, e, rel);
	if (!rc)
		rc = lfs_exp_data(x, fd, size, e, rel);
	close(fd);
	return rc;
}

/*
 * 1 (explained) if @name is reserved by the OCI layer format: an entry
 * named ".wh.*" would come back from import as a whiteout or be refused.
 */
static int lfs_exp_reserved(struct lfs_exp *x, const char *prefix,
			    const char *name)
{
	if (lfs_oci_whiteout_kind(name, NULL) == LFS_WH_NONE)
		return 0;
	lfs_err_set(x->err, 0,
		   "file '%s%s': names starting with '%s' are reserved for whiteouts by the OCI layer format: import would not read it back",
		   prefix, name, LFS_WH_PREFIX);
	return 1;
}

static int lfs_exp_dir(struct lfs_exp *x, int dirfd, const char *prefix);

/*
 * fstatat(2) of @name in @dirfd, not following it, made with statx(2),
 * which gives with the same call the append-only and immutable flags
 * (FS_APPEND_FL, FS_IMMUTABLE_FL) of the object, in @fl.  -1 and errno
 * on failure.
 */
static int lfs_exp_stat(int dirfd, const char *name, struct stat *st,
			unsigned long *fl)
{
	struct statx stx;
	__u64 attr;

	if (statx(dirfd, name, AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS, &stx))
		return -1;
	memset(st, 0, sizeof(*st));
	st->st_dev = makedev(stx.stx_dev_major, stx.stx_dev_minor);
	st->st_ino = stx.stx_ino;
	st->st_mode = stx.stx_mode;
	st->st_nlink = stx.stx_nlink;
	st->st_uid = stx.stx_uid;
	st->st_gid = stx.stx_gid;
	st->st_rdev = makedev(stx.stx_rdev_major, stx.stx_rdev_minor);
	st->st_size = (off_t)stx.stx_size;
	st->st_blksize = stx.stx_blksize;
	st->st_blocks = (blkcnt_t)stx.stx_blocks;
	st->st_atim.tv_sec = stx.stx_atime.tv_sec;
	st->st_atim.tv_nsec = stx.stx_atime.tv_nsec;
	st->st_mtim.tv_sec = stx.stx_mtime.tv_sec;
	st->st_mtim.tv_nsec = stx.stx_mtime.tv_nsec;
	st->st_ctim.tv_sec = stx.stx_ctime.tv_sec;
	st->st_ctim.tv_nsec = stx.stx_ctime.tv_nsec;
	attr = stx.stx_attributes & stx.stx_attributes_mask;
	*fl = (attr & STATX_ATTR_APPEND ? FS_APPEND_FL : 0) |
	      (attr & STATX_ATTR_IMMUTABLE ? FS_IMMUTABLE_FL : 0);
	return 0;
}

/*
 * The header of the entry @rel (@path: its /proc/self/fd path) from @st
 * and @fl (lfs_exp_stat()): owner, mode, mtime, xattrs, a file's or
 * directory's flags, a symlink's target, a device's numbers.
 */
static int lfs_exp_entry_fill(struct lfs_exp *x, struct archive_entry *e,
			      const struct stat *st, unsigned long fl,
			      int dirfd, const char *name, const char *rel,
			      const char *path)
{
	size_t protlen = 0;
	char *lnk, prot[8];
	ssize_t ll;
	int rc;

	archive_entry_set_pathname(e, rel);
	archive_entry_set_mode(e, st->st_mode);
	archive_entry_set_uid(e, st->st_uid);
	archive_entry_set_gid(e, st->st_gid);
	archive_entry_set_mtime(e, st->st_mtim.tv_sec, st->st_mtim.tv_nsec);
	archive_entry_set_size(e, 0);
	rc = lfs_exp_xattrs(x, path, rel, e, prot, &protlen);
	if (rc) {
		if (!x->err || !x->err->msg[0])
			lfs_tar_errno(x->err, rc, "file", rel,
				      "cannot read its xattrs");
		return rc;
	}
	/*
	 * The append-only and immutable flags: real (@fl), or kept by a view
	 * in LFS_PROTATTR_XATTR; the pax writer records them as
	 * SCHILY.fflags.
	 */
	fl = lfs_oci_protflags(fl, prot, protlen);
	if (fl && (S_ISREG(st->st_mode) || S_ISDIR(st->st_mode)))
		archive_entry_set_fflags(e, fl, 0);
	if (S_ISLNK(st->st_mode)) {
		/* On the heap: this frame may stay on the recursion's stack. */
		lnk = malloc(PATH_MAX + 1);
		if (!lnk)
			return -ENOMEM;
		ll = readlinkat(dirfd, name, lnk, PATH_MAX);
		if (ll < 0) {
			rc = lfs_tar_errno(x->err, -errno, "file", rel,
					   "cannot read its target");
			free(lnk);
			return rc;
		}
		lnk[ll] = '\0';
		archive_entry_set_symlink(e, lnk);
		free(lnk);
	} else if (S_ISCHR(st->st_mode) || S_ISBLK(st->st_mode)) {
		archive_entry_set_rdevmajor(e, major(st->st_rdev));
		archive_entry_set_rdevminor(e, minor(st->st_rdev));
	}
	return 0;
}

/*
 * After a directory's own entry: its opaque marker, if it is opaque, then
 * its contents, both of the directory opened here.
 */
static int lfs_exp_subdir(struct lfs_exp *x, int dirfd, const char *name,
			  const char *rel, const struct stat *st)
{
	char *sub_prefix = NULL;
	int rc, sub;

	sub = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
		     O_CLOEXEC);
	if (sub < 0)
		return lfs_tar_errno(x->err, -errno, "file", rel,
				     "cannot open it");
	if (lfs_is_opaque(sub)) {
		if (asprintf(&sub_prefix, "%s/%s", rel, LFS_WH_OPAQUE) < 0) {
			close(sub);
			return -ENOMEM;
		}
		rc = lfs_exp_marker(x, sub_prefix, st);
		free(sub_prefix);
		if (rc) {
			close(sub);
			return rc;
		}
	}
	if (asprintf(&sub_prefix, "%s/", rel) < 0) {
		close(sub);
		return -ENOMEM;
	}
	rc = lfs_exp_dir(x, sub, sub_prefix);
	close(sub);
	free(sub_prefix);
	return rc;
}

/* A node that is not a whiteout: its entry, data, and what is below it. */
static int lfs_exp_node(struct lfs_exp *x, int dirfd, const char *name,
			const char *rel, const char *path,
			const struct stat *st, unsigned long fl)
{
	struct archive_entry *e = archive_entry_new();
	const char *first;
	int rc;

	if (!e)
		return -ENOMEM;
	rc = lfs_exp_entry_fill(x, e, st, fl, dirfd, name, rel, path);
	if (!rc && !S_ISDIR(st->st_mode) && st->st_nlink > 1) {
		first = lfs_hl_find(x, st);
		if (first) {
			archive_entry_set_hardlink(e, first);
			archive_entry_set_size(e, 0);
			rc = lfs_exp_header(x, e, rel);
			goto out;
		}
		rc = lfs_hl_add(x, st, rel);
	}
	if (rc)
		goto out;
	if (S_ISREG(st->st_mode))
		archive_entry_set_size(e, st->st_size);
	if (S_ISREG(st->st_mode) && st->st_size)
		rc = lfs_exp_file(x, dirfd, name, rel, st, e);
	else
		rc = lfs_exp_header(x, e, rel);
	if (!rc && S_ISDIR(st->st_mode))
		rc = lfs_exp_subdir(x, dirfd, name, rel, st);
out:
	archive_entry_free(e);
	return rc;
}

static int lfs_exp_one(struct lfs_exp *x, int dirfd, const char *prefix,
		       const char *name)
{
	char *rel = NULL, *path = NULL, *wh = NULL;
	unsigned long fl;
	struct stat st;
	int rc;

	if (lfs_exp_stat(dirfd, name, &st, &fl)) {
		return lfs_err_named(x->err, -errno, "cannot read its attributes",
				     "file '%s%s'", prefix, name);
	}
	if (lfs_exp_reserved(x, prefix, name))
		return -EINVAL;
	if (S_ISSOCK(st.st_mode))	/* tar cannot hold sockets */
		return 0;
	if (S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0)) {
		if (asprintf(&wh, "%s%s%s", prefix, LFS_WH_PREFIX, name) < 0)
			return -ENOMEM;
		rc = lfs_exp_marker(x, wh, &st);
		free(wh);
		return rc;
	}
	if (asprintf(&rel, "%s%s", prefix, name) < 0)
		return -ENOMEM;
	/* Never a path from the root: an entry of @dirfd, whatever the
	 * directories above it are by now (renamed, or made symlinks to
	 * another tree by a layer's owner), and of any depth. */
	path = malloc(LFS_FD_PATH_MAX);	/* not on the recursion's stack */
	rc = path ? lfs_fd_path(path, LFS_FD_PATH_MAX, dirfd, name) : -ENOMEM;
	if (rc == -ENAMETOOLONG)
		lfs_tar_errno(x->err, rc, "file", rel, "cannot open it");
	if (!rc)
		rc = lfs_exp_node(x, dirfd, name, rel, path, &st, fl);
	free(path);
	free(rel);
	return rc;
}

static int lfs_exp_dir(struct lfs_exp *x, int dirfd, const char *prefix)
{
	char **names;
	size_t n, i;
	int rc;

	rc = lfs_dir_names(dirfd, &names, &n);
	if (rc)
		return lfs_tar_errno(x->err, rc, "file", *prefix ? prefix : ".",
				     "cannot list it");
	for (i = 0; i < n && !rc; i++)
		rc = lfs_exp_one(x, dirfd, prefix, names[i]);
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return rc;
}

/*
 * With compression: the second writer (format "raw", filter gzip/zstd)
 * and the thread that feeds it.
 */
static int lfs_exp_open_z(struct lfs_exp *x, enum lfs_compress c)
{
	int rc;

	if (c == LFS_COMPRESS_GZIP) {
		x->gz = lfs_pgz_new(LFS_PGZ_LEVEL, 0, lfs_exp_gz_out, x);
		return x->gz ? 0 : -ENOMEM;
	}
	x->z = archive_write_new();
	x->ze = archive_entry_new();
	if (!x->z || !x->ze)
		return -ENOMEM;
	if (archive_write_add_filter_zstd(x->z) != ARCHIVE_OK ||
	    archive_write_set_format_raw(x->z) != ARCHIVE_OK ||
	    archive_write_set_bytes_per_block(x->z, 0) != ARCHIVE_OK ||
	    archive_write_open(x->z, x, NULL, lfs_exp_blob_cb,
			       NULL) != ARCHIVE_OK) {
		lfs_err_set(x->err, 0, "compressor: %s",
			    archive_error_string(x->z));
		return -EIO;
	}
	archive_entry_set_filetype(x->ze, AE_IFREG);
	archive_entry_set_pathname(x->ze, "layer.tar");
	if (archive_write_header(x->z, x->ze) != ARCHIVE_OK) {
		lfs_err_set(x->err, 0, "compressor: %s",
			    archive_error_string(x->z));
		return -EIO;
	}
	if (lfs_pipe_init(&x->pipe))
		return -ENOMEM;
	rc = pthread_create(&x->pipe.thr, NULL, lfs_exp_worker, x);
	if (rc)
		return lfs_err_set(x->err, -rc, "cannot start a thread");
	x->pipe.started = 1;
	return 0;
}

/* The PAX writer. */
static int lfs_exp_open_tar(struct lfs_exp *x)
{
	x->tar = archive_write_new();
	if (!x->tar)
		return -ENOMEM;
	if (archive_write_set_format_pax(x->tar) != ARCHIVE_OK ||
	    archive_write_set_format_option(x->tar, "pax", "xattrheader",
					    "SCHILY") != ARCHIVE_OK ||
	    archive_write_add_filter_none(x->tar) != ARCHIVE_OK ||
	    archive_write_set_bytes_in_last_block(x->tar, 1) != ARCHIVE_OK ||
	    archive_write_open(x->tar, x, NULL, lfs_exp_tar_cb,
			       NULL) != ARCHIVE_OK) {
		lfs_err_set(x->err, 0, "tar writer: %s",
			    archive_error_string(x->tar));
		return -EIO;
	}
	return 0;
}

/* Ends the tar, then the compressed stream after its last chunk. */
static int lfs_exp_close(struct lfs_exp *x)
{
	int rc;

	if (archive_write_close(x->tar) != ARCHIVE_OK)
		return lfs_exp_write_err(x, NULL, x->tar);
	rc = x->gz ? lfs_pgz_close(x->gz) : 0;
	if (rc)
		return lfs_err_set(x->err, -(x->io_err ? x->io_err : rc),
				   "cannot write the tarball");
	if (!x->z)
		return 0;
	lfs_pipe_end(&x->pipe, &x->slot, 0);
	pthread_join(x->pipe.thr, NULL);
	x->pipe.started = 0;
	if (x->pipe.err || archive_write_close(x->z) != ARCHIVE_OK)
		return lfs_exp_write_err(x, NULL, x->z);
	return 0;
}

static void lfs_exp_free(struct lfs_exp *x)
{
	size_t i;

	/* before the archives: the worker may still use x->z */
	lfs_pipe_destroy(&x->pipe);
	if (x->tar)
		archive_write_free(x->tar);
	/* after the tar writer, which may flush into it as it is freed */
	lfs_pgz_free(x->gz);
	x->gz = NULL;
	if (x->z)
		archive_write_free(x->z);
	archive_entry_free(x->ze);
	for (i = 0; i < x->cap_hl; i++)
		free(x->hl[i].path);
	free(x->hl);
	EVP_MD_CTX_free(x->md_tar);
	EVP_MD_CTX_free(x->md_blob);
	free(x->buf);
	if (x->zeros)
		munmap((void *)x->zeros, LFS_HOLE_STEP);
}

/*
 * The tar of the directory open at @rootfd (left open), as
 * lfs_tar_export_tee() makes it; an error without a text of its own
 * leaves @err empty.
 */
static int lfs_exp_run(int rootfd, int outfd, int teefd, enum lfs_compress c,
		       struct lfs_tar_digests *d, int *tee_err,
		       struct lfs_err *err)
{
	struct lfs_exp x = {
		.outfd = outfd, .err = err, .slot = -1, .teefd = teefd,
	};
	int cfd = -1, rc = -ENOMEM;

	if (err)
		lfs_err_clear(err);
	lfs_utf8_locale();
	memset(d, 0, sizeof(*d));
	x.buf = malloc(LFS_IO_CHUNK);
	/* Zeros that cost no memory: an anonymous read-only mapping. */
	x.zeros = mmap(NULL, LFS_HOLE_STEP, PROT_READ, MAP_PRIVATE |
		       MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (x.zeros == MAP_FAILED)
		x.zeros = NULL;
	x.md_tar = lfs_md_new();
	x.md_blob = lfs_md_new();
	if (x.buf && x.md_tar && x.md_blob)
		rc = 0;
	/*
	 * The layer as views see it (their lookups do not cross mount
	 * points): through a clone of its mount alone, nothing mounted
	 * inside it is exported.  Without one (no CAP_SYS_ADMIN) the
	 * directory as it is.
	 */
	if (!rc)
		cfd = lfs_sys_open_tree_clone(rootfd);
	if (!rc && c != LFS_COMPRESS_NONE)
		rc = lfs_exp_open_z(&x, c);
	if (!rc)
		rc = lfs_exp_open_tar(&x);
	if (!rc)
		rc = lfs_exp_dir(&x, cfd >= 0 ? cfd : rootfd, "");
	if (!rc)
		rc = lfs_exp_close(&x);
	if (!rc) {
		lfs_md_final(x.md_tar, d->diff_id);
		if (x.z || x.gz)
			lfs_md_final(x.md_blob, d->digest);
		else
			memcpy(d->digest, d->diff_id, LFS_DIGEST_LEN);
		d->tar_size = x.tar_size;
		d->blob_size = x.blob_size;
	}
	if (tee_err)
		*tee_err = x.tee_err;
	if (cfd >= 0)
		close(cfd);
	lfs_exp_free(&x);
	return rc;
}

int lfs_tar_export(const char *root, int outfd, enum lfs_compress c,
		   struct lfs_tar_digests *d, struct lfs_err *err)
{
	return lfs_tar_export_tee(root, outfd, -1, c, d, NULL, err);
}

int lfs_tar_export_tee(const char *root, int outfd, int teefd,
		       enum lfs_compress c, struct lfs_tar_digests *d,
		       int *tee_err, struct lfs_err *err)
{
	int rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC), rc;

	if (rootfd < 0) {
		rc = lfs_err_set(err, -errno, "cannot open directory '%s'", root);
		memset(d, 0, sizeof(*d));
		if (tee_err)
			*tee_err = 0;
		return rc;
	}
	rc = lfs_exp_run(rootfd, outfd, teefd, c, d, tee_err, err);
	if (rc && err && !err->msg[0])
		lfs_err_set(err, rc, "cannot make the tar of '%s'", root);
	close(rootfd);
	return rc;
}

int lfs_tar_export_at(int dirfd, int outfd, enum lfs_compress c,
		      struct lfs_tar_digests *d, struct lfs_err *err)
{
	int rc = lfs_exp_run(dirfd, outfd, -1, c, d, NULL, err);

	if (rc && err && !err->msg[0])
		lfs_err_set(err, rc, "cannot make the tar");
	return rc;
}
