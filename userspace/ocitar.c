// SPDX-License-Identifier: GPL-2.0
/*
 * OCI layer tarballs <-> layer directories: see ocitar.h.
 *
 * Export: one libarchive writer in PAX format whose output callback hashes
 * the tar (diff_id) and, when compressing, feeds a second writer (format
 * "raw", filter gzip/zstd) whose callback hashes the blob and writes it.
 *
 * Import: one libarchive reader (format "raw", filters gzip/zstd) whose
 * input callback hashes the blob, feeding a second reader (format tar)
 * whose input callback hashes the decompressed tar.  Entries are created
 * with *at() calls relative to directory fds opened with openat2() beneath
 * the layer root.
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
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/types.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <linux/openat2.h>

#include <archive.h>
#include <archive_entry.h>
#include <openssl/evp.h>
#include <zlib.h>

#include "ocitar.h"

/*
 * Reads and pipeline slots of 64 KiB: a buffer that stays in the CPU's
 * cache between the read(2) that fills it and the write(2), hash or
 * compression that drains it.  With 1 MiB buffers the kernel's copies
 * missed the cache: import spent 0.3 s more in the kernel per GiB.
 */
#define LFS_IO_CHUNK	(64 * 1024)
#define LFS_OPQ_XATTR	"trusted.overlay.opaque"

static void lfs_seterr(char *err, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void lfs_seterr(char *err, size_t len, const char *fmt, ...)
{
	va_list ap;

	if (!len)
		return;
	va_start(ap, fmt);
	vsnprintf(err, len, fmt, ap);
	va_end(ap);
}

/*
 * Tar names are UTF-8 (PAX): let libarchive convert them as UTF-8 rather
 * than refuse every non-ASCII name in the "C" locale.
 */
static void lfs_utf8_locale(void)
{
	const char *cur = setlocale(LC_CTYPE, NULL);

	if (!cur || !strcmp(cur, "C") || !strcmp(cur, "POSIX"))
		setlocale(LC_CTYPE, "C.UTF-8");
}

static int lfs_write_all(int fd, const void *p, size_t n)
{
	const char *c = p;
	ssize_t w;

	while (n) {
		w = write(fd, c, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		c += w;
		n -= (size_t)w;
	}
	return 0;
}

static void lfs_md_final(EVP_MD_CTX *md, char out[LFS_DIGEST_LEN])
{
	unsigned char h[LFS_SHA256_LEN];
	unsigned int n = 0;

	if (!EVP_DigestFinal_ex(md, h, &n))
		memset(h, 0, sizeof(h));
	lfs_oci_digest_format(h, out);
}

static EVP_MD_CTX *lfs_md_new(void)
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();

	if (md && !EVP_DigestInit_ex(md, EVP_sha256(), NULL)) {
		EVP_MD_CTX_free(md);
		md = NULL;
	}
	return md;
}

/* ======================== pipeline ======================== */

/*
 * A bounded queue of LFS_PIPE_CHUNK buffers between two threads, so that
 * compression (export) or decompression (import) and the hashing of the
 * blob run beside the tar work, as `tar | zstd | sha256sum` runs three
 * processes.  One producer, one consumer.
 */
#define LFS_PIPE_SLOTS 16
#define LFS_PIPE_CHUNK (64 * 1024)

struct lfs_pipe {
	pthread_t thr;
	int started;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	unsigned char *buf[LFS_PIPE_SLOTS];
	size_t len[LFS_PIPE_SLOTS];
	unsigned int head, count;	/* filled: [head, head + count) */
	int held;		/* the consumer holds buf[head] */
	size_t fill;		/* export: bytes in the slot being filled */
	int eof;		/* the producer is done */
	int cancel;		/* the consumer gave up */
	int err;		/* the worker failed (errno) */
};

static int lfs_pipe_init(struct lfs_pipe *p)
{
	int i;

	memset(p, 0, sizeof(*p));
	for (i = 0; i < LFS_PIPE_SLOTS; i++) {
		p->buf[i] = malloc(LFS_PIPE_CHUNK);
		if (!p->buf[i]) {
			while (i--)
				free(p->buf[i]);
			return -ENOMEM;
		}
	}
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->cv, NULL);
	return 0;
}

/* Stops the worker (if it still runs) and frees everything. */
static void lfs_pipe_destroy(struct lfs_pipe *p)
{
	int i;

	if (p->started) {
		pthread_mutex_lock(&p->mu);
		p->cancel = 1;
		p->eof = 1;
		pthread_cond_broadcast(&p->cv);
		pthread_mutex_unlock(&p->mu);
		pthread_join(p->thr, NULL);
		p->started = 0;
	}
	if (!p->buf[0])
		return;
	for (i = 0; i < LFS_PIPE_SLOTS; i++)
		free(p->buf[i]);
	p->buf[0] = NULL;
	pthread_mutex_destroy(&p->mu);
	pthread_cond_destroy(&p->cv);
}

/*
 * Producer: a free slot to fill (its index), or -1 if the consumer
 * cancelled.  The slot is not published until lfs_pipe_push().
 */
static int lfs_pipe_slot(struct lfs_pipe *p)
{
	int slot = -1;

	pthread_mutex_lock(&p->mu);
	while (p->count == LFS_PIPE_SLOTS && !p->cancel)
		pthread_cond_wait(&p->cv, &p->mu);
	if (!p->cancel)
		slot = (int)((p->head + p->count) % LFS_PIPE_SLOTS);
	pthread_mutex_unlock(&p->mu);
	return slot;
}

static void lfs_pipe_push(struct lfs_pipe *p, int slot, size_t len)
{
	pthread_mutex_lock(&p->mu);
	p->len[slot] = len;
	p->count++;
	pthread_cond_broadcast(&p->cv);
	pthread_mutex_unlock(&p->mu);
}

/* Producer: done (@err: failed with that errno). */
static void lfs_pipe_close(struct lfs_pipe *p, int err)
{
	pthread_mutex_lock(&p->mu);
	p->eof = 1;
	if (err && !p->err)
		p->err = err;
	pthread_cond_broadcast(&p->cv);
	pthread_mutex_unlock(&p->mu);
}

/*
 * Consumer: releases the slot it held and waits for the next one.  Its
 * index, or -1 at the end (p->err set if the producer failed).
 */
static int lfs_pipe_pop(struct lfs_pipe *p)
{
	int slot = -1;

	pthread_mutex_lock(&p->mu);
	if (p->held) {
		p->held = 0;
		p->head = (p->head + 1) % LFS_PIPE_SLOTS;
		p->count--;
		pthread_cond_broadcast(&p->cv);
	}
	while (!p->count && !p->eof)
		pthread_cond_wait(&p->cv, &p->mu);
	if (p->count && !p->cancel) {
		slot = (int)p->head;
		p->held = 1;
	}
	pthread_mutex_unlock(&p->mu);
	return slot;
}

/* Consumer: gives up; the producer stops at its next slot. */
static void lfs_pipe_cancel(struct lfs_pipe *p, int err)
{
	pthread_mutex_lock(&p->mu);
	p->cancel = 1;
	if (err && !p->err)
		p->err = err;
	pthread_cond_broadcast(&p->cv);
	pthread_mutex_unlock(&p->mu);
}

/* ======================== export ======================== */

struct lfs_hl {			/* a hard-linked inode seen before */
	dev_t dev;
	ino_t ino;
	char *path;
};

struct lfs_exp {
	struct archive *tar;	/* PAX writer */
	struct archive *z;	/* raw + compression filter, or NULL */
	EVP_MD_CTX *md_tar, *md_blob;
	int outfd;
	int io_err;		/* errno of a failed output write */
	struct lfs_pipe pipe;	/* to the compressing thread, if x->z */
	int slot;		/* the slot being filled, or -1 */
	uint64_t tar_size, blob_size;
	char *root;		/* root path, for l*xattr() */
	struct lfs_hl *hl;	/* hash table, see lfs_hl_slot() */
	size_t n_hl, cap_hl;
	char *buf;		/* LFS_IO_CHUNK */
	char *err;
	size_t errlen;
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
	return (la_ssize_t)n;
}

static la_ssize_t lfs_exp_tar_cb(struct archive *a, void *arg,
				 const void *buf, size_t n)
{
	struct lfs_exp *x = arg;

	const char *c = buf;
	size_t k, left = n;

	(void)a;
	EVP_DigestUpdate(x->md_tar, buf, n);
	x->tar_size += n;
	if (!x->z)
		return lfs_exp_blob_cb(a, arg, buf, n);
	/* into the queue of the compressing thread, a chunk at a time */
	while (left) {
		if (x->slot < 0) {
			x->slot = lfs_pipe_slot(&x->pipe);
			if (x->slot < 0)
				return -1;
			x->pipe.fill = 0;
		}
		k = LFS_PIPE_CHUNK - x->pipe.fill;
		if (k > left)
			k = left;
		memcpy(x->pipe.buf[x->slot] + x->pipe.fill, c, k);
		x->pipe.fill += k;
		c += k;
		left -= k;
		if (x->pipe.fill == LFS_PIPE_CHUNK) {
			lfs_pipe_push(&x->pipe, x->slot, x->pipe.fill);
			x->slot = -1;
		}
	}
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

static int lfs_cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The sorted names in @dirfd (not "." or ".."); free each and the array. */
static int lfs_read_names(int dirfd, char ***names, size_t *n)
{
	DIR *d;
	struct dirent *de;
	char **v = NULL, **nv;
	size_t cnt = 0, cap = 0;
	int fd = dup(dirfd), rc = 0;

	*names = NULL;
	*n = 0;
	if (fd < 0)
		return -errno;
	d = fdopendir(fd);
	if (!d) {
		rc = -errno;
		close(fd);
		return rc;
	}
	rewinddir(d);
	for (;;) {
		errno = 0;
		de = readdir(d);
		if (!de) {
			rc = -errno;
			break;
		}
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (cnt == cap) {
			cap = cap ? cap * 2 : 16;
			nv = realloc(v, cap * sizeof(*v));
			if (!nv) {
				rc = -ENOMEM;
				break;
			}
			v = nv;
		}
		v[cnt] = strdup(de->d_name);
		if (!v[cnt]) {
			rc = -ENOMEM;
			break;
		}
		cnt++;
	}
	closedir(d);
	if (rc) {
		while (cnt)
			free(v[--cnt]);
		free(v);
		return rc;
	}
	if (cnt)
		qsort(v, cnt, sizeof(*v), lfs_cmp_str);
	*names = v;
	*n = cnt;
	return 0;
}

/* Adds the exportable xattrs of @path, sorted by name, to @e. */
static int lfs_exp_xattrs(struct lfs_exp *x, const char *path,
			  struct archive_entry *e)
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
	for (p = list; p < list + len; p += strlen(p) + 1)
		if (*p && !lfs_oci_xattr_private(p))
			names[n++] = p;
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
			rc = -errno;
			lfs_seterr(x->err, x->errlen, "'%s': xattr '%s': %s",
				   path, names[i], strerror(errno));
			goto out;
		}
		archive_entry_xattr_add_entry(e, names[i], val, (size_t)vl);
	}
out:
	free(val);
	free(names);
	free(list);
	return rc;
}

static int lfs_is_opaque(const char *path)
{
	char v[4];
	ssize_t n = lgetxattr(path, LFS_OPQ_XATTR, v, sizeof(v));

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

static int lfs_exp_header(struct lfs_exp *x, struct archive_entry *e,
			  const char *rel)
{
	/* ARCHIVE_WARN: a name that is not UTF-8, written as binary */
	if (archive_write_header(x->tar, e) < ARCHIVE_WARN) {
		lfs_seterr(x->err, x->errlen, "'%s': %s", rel,
			   x->io_err ? strerror(x->io_err) :
			   archive_error_string(x->tar));
		return x->io_err ? -x->io_err : -EIO;
	}
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
 * Opens regular file @name of @dirfd for reading (O_NOATIME when allowed);
 * the fd, or -errno with the reason in x->err.
 */
static int lfs_exp_open(struct lfs_exp *x, int dirfd, const char *name,
			const char *rel)
{
	int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC |
			O_NOATIME);

	if (fd < 0 && errno == EPERM)
		fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		fd = -errno;
		lfs_seterr(x->err, x->errlen, "'%s': %s", rel, strerror(errno));
	}
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
		if (data < 0 && errno == ENXIO)
			data = size;	/* a hole to the end */
		else if (data < 0)
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
	if (data < 0 && errno != EINVAL && errno != ENXIO) {
		lfs_seterr(x->err, x->errlen, "'%s': seeking data: %s", rel,
			   strerror(errno));
		return -errno;
	}
	if (data < 0 || !holes) {
		archive_entry_sparse_clear(e);
		return 0;
	}
	/* A hole to the end, or only holes: an empty region at the end. */
	archive_entry_sparse_add_entry(e, size, 0);
	return 0;
}

/* Passes @len bytes of a hole to libarchive, which skips them unread. */
static int lfs_exp_hole(struct lfs_exp *x, off_t len, const char *rel)
{
	static const char zero[LFS_IO_CHUNK];
	size_t n;

	for (; len > 0; len -= (off_t)n) {
		n = len > LFS_IO_CHUNK ? LFS_IO_CHUNK : (size_t)len;
		if (archive_write_data(x->tar, zero, n) != (la_ssize_t)n) {
			lfs_seterr(x->err, x->errlen, "'%s': %s", rel,
				   x->io_err ? strerror(x->io_err) :
				   archive_error_string(x->tar));
			return x->io_err ? -x->io_err : -EIO;
		}
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
		if (r <= 0) {
			lfs_seterr(x->err, x->errlen, "'%s': %s", rel,
				   r ? strerror(errno) : "file shrank while being read");
			return r ? -errno : -EIO;
		}
		if (archive_write_data(x->tar, x->buf, (size_t)r) != r) {
			lfs_seterr(x->err, x->errlen, "'%s': %s", rel,
				   x->io_err ? strerror(x->io_err) :
				   archive_error_string(x->tar));
			return x->io_err ? -x->io_err : -EIO;
		}
		off += r;
		len -= r;
	}
	return 0;
}

/*
 * The data of a regular file: its regions per @e's sparse map (the holes
 * between them passed as holes, never read), or all of it.
 */
static int lfs_exp_data(struct lfs_exp *x, int fd, off_t size,
			struct archive_entry *e, const char *rel)
{
	la_int64_t off, len;
	off_t at = 0;
	int rc = 0;

	if (!archive_entry_sparse_reset(e))
		return lfs_exp_region(x, fd, 0, size, rel);
	while (!rc && archive_entry_sparse_next(e, &off, &len) == ARCHIVE_OK) {
		rc = lfs_exp_hole(x, off - at, rel);
		if (!rc)
			rc = lfs_exp_region(x, fd, off, len, rel);
		at = off + len;
	}
	return rc ? rc : lfs_exp_hole(x, size - at, rel);
}

/* A regular file with data: its header (sparse map included), its data. */
static int lfs_exp_file(struct lfs_exp *x, int dirfd, const char *name,
			const char *rel, off_t size, struct archive_entry *e)
{
	int fd = lfs_exp_open(x, dirfd, name, rel), rc;

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
	lfs_seterr(x->err, x->errlen,
		   "'%s%s': names starting with '%s' are reserved for whiteouts by the OCI layer format (import would not read it back)",
		   prefix, name, LFS_WH_PREFIX);
	return 1;
}

static int lfs_exp_dir(struct lfs_exp *x, int dirfd, const char *prefix);

static int lfs_exp_one(struct lfs_exp *x, int dirfd, const char *prefix,
		       const char *name)
{
	struct archive_entry *e = NULL;
	struct stat st;
	char *rel = NULL, *path = NULL, *wh = NULL, *lnk = NULL;
	const char *first;
	int rc, sub;
	ssize_t ll;

	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW)) {
		rc = -errno;
		lfs_seterr(x->err, x->errlen, "'%s%s': %s", prefix, name,
			   strerror(errno));
		return rc;
	}
	if (lfs_exp_reserved(x, prefix, name))
		return -EINVAL;
	if (asprintf(&rel, "%s%s", prefix, name) < 0 ||
	    asprintf(&path, "%s/%s", x->root, rel) < 0) {
		rel = NULL;
		rc = -ENOMEM;
		goto out;
	}
	if (S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0)) {
		if (asprintf(&wh, "%s%s%s", prefix, LFS_WH_PREFIX, name) < 0) {
			wh = NULL;
			rc = -ENOMEM;
			goto out;
		}
		rc = lfs_exp_marker(x, wh, &st);
		goto out;
	}
	if (S_ISSOCK(st.st_mode)) {	/* tar cannot hold sockets */
		rc = 0;
		goto out;
	}
	e = archive_entry_new();
	if (!e) {
		rc = -ENOMEM;
		goto out;
	}
	archive_entry_set_pathname(e, rel);
	archive_entry_set_mode(e, st.st_mode);
	archive_entry_set_uid(e, st.st_uid);
	archive_entry_set_gid(e, st.st_gid);
	archive_entry_set_mtime(e, st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
	archive_entry_set_size(e, 0);
	rc = lfs_exp_xattrs(x, path, e);
	if (rc) {
		if (!*x->err)
			lfs_seterr(x->err, x->errlen, "'%s': xattrs: %s", rel,
				   strerror(-rc));
		goto out;
	}
	if (S_ISLNK(st.st_mode)) {
		lnk = malloc(PATH_MAX + 1);
		if (!lnk) {
			rc = -ENOMEM;
			goto out;
		}
		ll = readlinkat(dirfd, name, lnk, PATH_MAX);
		if (ll < 0) {
			rc = -errno;
			lfs_seterr(x->err, x->errlen, "'%s': %s", rel,
				   strerror(errno));
			goto out;
		}
		lnk[ll] = '\0';
		archive_entry_set_symlink(e, lnk);
	} else if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)) {
		archive_entry_set_rdevmajor(e, major(st.st_rdev));
		archive_entry_set_rdevminor(e, minor(st.st_rdev));
	}
	if (!S_ISDIR(st.st_mode) && st.st_nlink > 1) {
		first = lfs_hl_find(x, &st);
		if (first) {
			archive_entry_set_hardlink(e, first);
			archive_entry_set_size(e, 0);
			rc = lfs_exp_header(x, e, rel);
			goto out;
		}
		rc = lfs_hl_add(x, &st, rel);
		if (rc)
			goto out;
	}
	if (S_ISREG(st.st_mode))
		archive_entry_set_size(e, st.st_size);
	if (S_ISREG(st.st_mode) && st.st_size) {
		rc = lfs_exp_file(x, dirfd, name, rel, st.st_size, e);
		goto out;
	}
	rc = lfs_exp_header(x, e, rel);
	if (rc)
		goto out;
	if (!S_ISDIR(st.st_mode))
		goto out;

	if (lfs_is_opaque(path)) {
		if (asprintf(&wh, "%s/%s", rel, LFS_WH_OPAQUE) < 0) {
			wh = NULL;
			rc = -ENOMEM;
			goto out;
		}
		rc = lfs_exp_marker(x, wh, &st);
		if (rc)
			goto out;
	}
	sub = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
		     O_CLOEXEC);
	if (sub < 0) {
		rc = -errno;
		lfs_seterr(x->err, x->errlen, "'%s': %s", rel, strerror(errno));
		goto out;
	}
	free(wh);
	wh = NULL;
	if (asprintf(&wh, "%s/", rel) < 0) {
		wh = NULL;
		close(sub);
		rc = -ENOMEM;
		goto out;
	}
	rc = lfs_exp_dir(x, sub, wh);
	close(sub);
out:
	archive_entry_free(e);
	free(lnk);
	free(wh);
	free(path);
	free(rel);
	return rc;
}

static int lfs_exp_dir(struct lfs_exp *x, int dirfd, const char *prefix)
{
	char **names;
	size_t n, i;
	int rc;

	rc = lfs_read_names(dirfd, &names, &n);
	if (rc) {
		lfs_seterr(x->err, x->errlen, "'%s': %s", *prefix ? prefix : ".",
			   strerror(-rc));
		return rc;
	}
	for (i = 0; i < n && !rc; i++)
		rc = lfs_exp_one(x, dirfd, prefix, names[i]);
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return rc;
}

int lfs_tar_export(const char *root, int outfd, enum lfs_compress c,
		   struct lfs_tar_digests *d, char *err, size_t errlen)
{
	struct lfs_exp x = {
		.outfd = outfd, .err = err, .errlen = errlen, .slot = -1,
	};
	struct archive_entry *ze = NULL;
	int rootfd = -1, rc = -ENOMEM;
	size_t i;

	if (errlen)
		err[0] = '\0';
	lfs_utf8_locale();
	memset(d, 0, sizeof(*d));
	x.root = strdup(root);
	x.buf = malloc(LFS_IO_CHUNK);
	x.md_tar = lfs_md_new();
	x.md_blob = lfs_md_new();
	if (!x.root || !x.buf || !x.md_tar || !x.md_blob)
		goto out;
	rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0) {
		rc = -errno;
		lfs_seterr(err, errlen, "%s", strerror(errno));
		goto out;
	}
	rc = -EIO;
	if (c != LFS_COMPRESS_NONE) {
		x.z = archive_write_new();
		ze = archive_entry_new();
		if (!x.z || !ze) {
			rc = -ENOMEM;
			goto out;
		}
		if ((c == LFS_COMPRESS_GZIP ?
		     archive_write_add_filter_gzip(x.z) :
		     archive_write_add_filter_zstd(x.z)) != ARCHIVE_OK ||
		    (c == LFS_COMPRESS_GZIP &&
		     archive_write_set_filter_option(x.z, "gzip", "timestamp",
						     NULL) != ARCHIVE_OK) ||
		    archive_write_set_format_raw(x.z) != ARCHIVE_OK ||
		    archive_write_set_bytes_per_block(x.z, 0) != ARCHIVE_OK ||
		    archive_write_open(x.z, &x, NULL, lfs_exp_blob_cb,
				       NULL) != ARCHIVE_OK) {
			lfs_seterr(err, errlen, "compressor: %s",
				   archive_error_string(x.z));
			goto out;
		}
		archive_entry_set_filetype(ze, AE_IFREG);
		archive_entry_set_pathname(ze, "layer.tar");
		if (archive_write_header(x.z, ze) != ARCHIVE_OK) {
			lfs_seterr(err, errlen, "compressor: %s",
				   archive_error_string(x.z));
			goto out;
		}
		if (lfs_pipe_init(&x.pipe)) {
			rc = -ENOMEM;
			goto out;
		}
		if (pthread_create(&x.pipe.thr, NULL, lfs_exp_worker, &x)) {
			lfs_seterr(err, errlen, "cannot start a thread");
			goto out;
		}
		x.pipe.started = 1;
	}
	x.tar = archive_write_new();
	if (!x.tar) {
		rc = -ENOMEM;
		goto out;
	}
	if (archive_write_set_format_pax(x.tar) != ARCHIVE_OK ||
	    archive_write_set_format_option(x.tar, "pax", "xattrheader",
					    "SCHILY") != ARCHIVE_OK ||
	    archive_write_add_filter_none(x.tar) != ARCHIVE_OK ||
	    archive_write_set_bytes_in_last_block(x.tar, 1) != ARCHIVE_OK ||
	    archive_write_open(x.tar, &x, NULL, lfs_exp_tar_cb,
			       NULL) != ARCHIVE_OK) {
		lfs_seterr(err, errlen, "tar writer: %s",
			   archive_error_string(x.tar));
		goto out;
	}
	rc = lfs_exp_dir(&x, rootfd, "");
	if (rc)
		goto out;
	if (archive_write_close(x.tar) != ARCHIVE_OK) {
		rc = x.pipe.err ? -x.pipe.err : x.io_err ? -x.io_err : -EIO;
		lfs_seterr(err, errlen, "%s", x.pipe.err || x.io_err ?
			   strerror(-rc) : archive_error_string(x.tar));
		goto out;
	}
	if (x.z) {
		/* the last chunk, then wait for the compressing thread */
		if (x.slot >= 0 && x.pipe.fill)
			lfs_pipe_push(&x.pipe, x.slot, x.pipe.fill);
		x.slot = -1;
		lfs_pipe_close(&x.pipe, 0);
		pthread_join(x.pipe.thr, NULL);
		x.pipe.started = 0;
		if (x.pipe.err || archive_write_close(x.z) != ARCHIVE_OK) {
			rc = x.pipe.err ? -x.pipe.err : x.io_err ? -x.io_err : -EIO;
			lfs_seterr(err, errlen, "%s", x.pipe.err || x.io_err ?
				   strerror(-rc) : archive_error_string(x.z));
			goto out;
		}
	}
	lfs_md_final(x.md_tar, d->diff_id);
	if (x.z)
		lfs_md_final(x.md_blob, d->digest);
	else
		memcpy(d->digest, d->diff_id, LFS_DIGEST_LEN);
	d->tar_size = x.tar_size;
	d->blob_size = x.blob_size;
	rc = 0;
out:
	if (rc && errlen && !err[0])
		lfs_seterr(err, errlen, "%s", strerror(-rc));
	/* before the archives: the worker may still use x.z */
	lfs_pipe_destroy(&x.pipe);
	if (x.tar)
		archive_write_free(x.tar);
	if (x.z)
		archive_write_free(x.z);
	archive_entry_free(ze);
	if (rootfd >= 0)
		close(rootfd);
	for (i = 0; i < x.cap_hl; i++)
		free(x.hl[i].path);
	free(x.hl);
	EVP_MD_CTX_free(x.md_tar);
	EVP_MD_CTX_free(x.md_blob);
	free(x.buf);
	free(x.root);
	return rc;
}

/* ======================== import ======================== */

/* A set of names seen in the archive, with what they were. */
enum { SEEN_DIR = 1, SEEN_FILE, SEEN_OTHER, SEEN_WHITEOUT, SEEN_OPQ };

struct lfs_seen_ent {
	char *name;
	int kind;
};

struct lfs_seen {
	struct lfs_seen_ent *v;
	size_t n, cap;		/* cap: power of two */
};

static uint64_t lfs_hash(const char *s)
{
	uint64_t h = 1469598103934665603ULL;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 1099511628211ULL;
	return h;
}

static struct lfs_seen_ent *lfs_seen_find(struct lfs_seen *s, const char *n)
{
	size_t i;

	if (!s->cap)
		return NULL;
	for (i = lfs_hash(n) & (s->cap - 1); s->v[i].name;
	     i = (i + 1) & (s->cap - 1))
		if (!strcmp(s->v[i].name, n))
			return &s->v[i];
	return NULL;
}

/* 0, -EEXIST if present, -ENOMEM. */
static int lfs_seen_add(struct lfs_seen *s, const char *n, int kind)
{
	struct lfs_seen_ent *nv;
	size_t i, j, ncap;

	if (lfs_seen_find(s, n))
		return -EEXIST;
	if ((s->n + 1) * 2 > s->cap) {
		ncap = s->cap ? s->cap * 2 : 64;
		nv = calloc(ncap, sizeof(*nv));
		if (!nv)
			return -ENOMEM;
		for (i = 0; i < s->cap; i++) {
			if (!s->v[i].name)
				continue;
			for (j = lfs_hash(s->v[i].name) & (ncap - 1); nv[j].name;
			     j = (j + 1) & (ncap - 1))
				;
			nv[j] = s->v[i];
		}
		free(s->v);
		s->v = nv;
		s->cap = ncap;
	}
	for (i = lfs_hash(n) & (s->cap - 1); s->v[i].name;
	     i = (i + 1) & (s->cap - 1))
		;
	s->v[i].name = strdup(n);
	if (!s->v[i].name)
		return -ENOMEM;
	s->v[i].kind = kind;
	s->n++;
	return 0;
}

static void lfs_seen_free(struct lfs_seen *s)
{
	size_t i;

	for (i = 0; i < s->cap; i++)
		free(s->v[i].name);
	free(s->v);
	s->v = NULL;
	s->n = s->cap = 0;
}

struct lfs_dirmeta {		/* applied to directories at the end */
	char *rel;		/* "" for the root */
	mode_t mode;
	uid_t uid;
	gid_t gid;
	struct timespec ts[2];
};

struct lfs_imp {
	/* input */
	int fd;
	const unsigned char *mem;
	size_t memlen, memoff;
	unsigned char *inbuf;	/* LFS_IO_CHUNK, for fd input */
	struct archive *raw;	/* decompressor */
	struct archive *tar;
	EVP_MD_CTX *md_blob, *md_tar;
	uint64_t blob_size, tar_size;
	int in_err;		/* errno of a failed read */
	char raw_err[256];	/* why the decompressing thread stopped */
	struct lfs_pipe pipe;	/* from the decompressing thread */
	unsigned char tail[8];	/* the last 8 bytes of input (gzip trailer) */
	uLong crc;		/* CRC-32 of the decompressed stream */
	int filter;		/* ARCHIVE_FILTER_NONE, _GZIP or _ZSTD */

	int rootfd;
	const struct lfs_tar_import_opts *opts;
	struct lfs_tar_import_stats *st;
	struct lfs_seen seen;
	struct lfs_dirmeta *dirs;
	size_t n_dirs, cap_dirs;
	uint64_t entries, declared;	/* so far, against opts->limits */
	uint64_t stream_max;		/* lfs_tar_stream_max(), 0: none */
	char *pcache;		/* parent path whose fd is pcache_fd */
	int pcache_fd;
	char *err;
	size_t errlen;
};

static void lfs_imp_tail(struct lfs_imp *m, const void *p, size_t n)
{
	if (n >= 8) {
		memcpy(m->tail, (const unsigned char *)p + n - 8, 8);
	} else if (n) {
		memmove(m->tail, m->tail + n, 8 - n);
		memcpy(m->tail + 8 - n, p, n);
	}
}

/*
 * The decompressed stream so far: its size, its digest unless it is the
 * input itself (then the blob digest is the diff_id), its CRC-32 for gzip.
 */
static void lfs_imp_mid(struct lfs_imp *m, const unsigned char *p, size_t n)
{
	m->tar_size += n;
	if (m->filter == ARCHIVE_FILTER_NONE)
		return;
	EVP_DigestUpdate(m->md_tar, p, n);
	if (m->filter == ARCHIVE_FILTER_GZIP)
		m->crc = crc32(m->crc, p, (uInt)n);
}

static la_ssize_t lfs_imp_raw_cb(struct archive *a, void *arg,
				 const void **buf)
{
	struct lfs_imp *m = arg;
	ssize_t r;
	size_t n;

	(void)a;
	if (m->fd < 0) {
		n = m->memlen - m->memoff;
		if (n > LFS_IO_CHUNK)
			n = LFS_IO_CHUNK;
		*buf = m->mem + m->memoff;
		m->memoff += n;
		r = (ssize_t)n;
	} else {
		do
			r = read(m->fd, m->inbuf, LFS_IO_CHUNK);
		while (r < 0 && errno == EINTR);
		if (r < 0) {
			m->in_err = errno;
			archive_set_error(a, errno, "read: %s", strerror(errno));
			return -1;
		}
		*buf = m->inbuf;
	}
	lfs_imp_tail(m, *buf, (size_t)r);
	EVP_DigestUpdate(m->md_blob, *buf, (size_t)r);
	m->blob_size += (uint64_t)r;
	return r;
}

/*
 * The decompressing thread: reads (and hashes) the input, decompresses it
 * and queues the result for the tar reader, to the end of the stream (the
 * tar's end-of-archive blocks and padding included).  The tar reader's
 * thread hashes what it takes from the queue.
 */
static void *lfs_imp_worker(void *arg)
{
	struct lfs_imp *m = arg;
	la_ssize_t r;
	int slot;

	for (;;) {
		slot = lfs_pipe_slot(&m->pipe);
		if (slot < 0)
			return NULL;
		r = archive_read_data(m->raw, m->pipe.buf[slot], LFS_PIPE_CHUNK);
		if (r < 0) {
			snprintf(m->raw_err, sizeof(m->raw_err), "%s",
				 archive_error_string(m->raw) ?
				 archive_error_string(m->raw) : "read error");
			lfs_pipe_close(&m->pipe, m->in_err ? m->in_err : EIO);
			return NULL;
		}
		if (r == 0) {
			lfs_pipe_close(&m->pipe, 0);
			return NULL;
		}
		lfs_pipe_push(&m->pipe, slot, (size_t)r);
	}
}

/* 1 (with the reason in m->err) if the stream is longer than allowed. */
static int lfs_imp_stream_over(struct lfs_imp *m)
{
	if (!m->stream_max || m->tar_size <= m->stream_max)
		return 0;
	lfs_seterr(m->err, m->errlen,
		   "more than %llu bytes uncompressed, more than the limits allow (--max-size, --max-entries)",
		   (unsigned long long)m->stream_max);
	return 1;
}

/*
 * The limits, at each header, before anything of the entry is written:
 * the count, the entry's size and the sizes so far.  0 or -EFBIG.
 */
static int lfs_imp_limits(struct lfs_imp *m, struct archive_entry *e)
{
	const struct lfs_tar_limits *l = &m->opts->limits;
	const char *name = archive_entry_pathname(e);
	int64_t size = archive_entry_size(e);
	uint64_t sz = size > 0 ? (uint64_t)size : 0;

	if (!name)
		name = "?";
	m->entries++;
	if (l->max_entries && m->entries > l->max_entries) {
		lfs_seterr(m->err, m->errlen,
			   "entry '%s': more than %llu entries (--max-entries)",
			   name, (unsigned long long)l->max_entries);
		return -EFBIG;
	}
	if (l->max_entry_size && sz > l->max_entry_size) {
		lfs_seterr(m->err, m->errlen,
			   "entry '%s': %llu bytes, more than %llu (--max-entry-size)",
			   name, (unsigned long long)sz,
			   (unsigned long long)l->max_entry_size);
		return -EFBIG;
	}
	m->declared += sz;
	if (l->max_size && (m->declared > l->max_size || m->declared < sz)) {
		lfs_seterr(m->err, m->errlen,
			   "entry '%s': the layer would hold more than %llu bytes (--max-size)",
			   name, (unsigned long long)l->max_size);
		return -EFBIG;
	}
	return 0;
}

static la_ssize_t lfs_imp_tar_cb(struct archive *a, void *arg,
				 const void **buf)
{
	struct lfs_imp *m = arg;
	int slot = lfs_pipe_pop(&m->pipe);

	if (slot < 0) {
		if (!m->pipe.err)
			return 0;
		archive_set_error(a, m->pipe.err, "%s", m->raw_err);
		return -1;
	}
	lfs_imp_mid(m, m->pipe.buf[slot], m->pipe.len[slot]);
	if (lfs_imp_stream_over(m)) {
		archive_set_error(a, EFBIG, "%s", m->err);
		return -1;
	}
	*buf = m->pipe.buf[slot];
	return (la_ssize_t)m->pipe.len[slot];
}

/*
 * Without openat2() (kernels before 5.6, valgrind): the same walk one
 * component at a time with O_NOFOLLOW, so any symlink on the way is
 * refused (-ELOOP), which is stricter than RESOLVE_BENEATH.
 */
static int lfs_open_nofollow(int dirfd, const char *path, int flags)
{
	char *p = strdup(path), *c, *next;
	int fd, nfd, rc = 0;

	if (!p)
		return -ENOMEM;
	fd = dup(dirfd);
	if (fd < 0) {
		free(p);
		return -errno;
	}
	for (c = p; c; c = next) {
		next = strchr(c, '/');
		if (next)
			*next++ = '\0';
		if (!*c || !strcmp(c, "."))
			continue;
		if (!strcmp(c, "..")) {
			rc = -EXDEV;
			break;
		}
		nfd = openat(fd, c, (next ? O_RDONLY | O_DIRECTORY : flags) |
			     O_NOFOLLOW | O_CLOEXEC);
		if (nfd < 0) {
			rc = errno == ENOTDIR && next ? -ENOTDIR : -errno;
			/* a symlink as the last component, opened O_DIRECTORY */
			if (rc == -ENOTDIR) {
				struct stat st;

				if (!fstatat(fd, c, &st, AT_SYMLINK_NOFOLLOW) &&
				    S_ISLNK(st.st_mode))
					rc = -ELOOP;
			}
			break;
		}
		close(fd);
		fd = nfd;
	}
	free(p);
	if (rc) {
		close(fd);
		return rc;
	}
	return fd;
}

static int lfs_openat2(int dirfd, const char *path, int flags)
{
	static int no_openat2;
	struct open_how how = {
		.flags = (uint64_t)(flags | O_CLOEXEC),
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS,
	};
	long fd;

	if (no_openat2)
		return lfs_open_nofollow(dirfd, path, flags);
	do
		fd = syscall(SYS_openat2, dirfd, path, &how, sizeof(how));
	while (fd < 0 && (errno == EAGAIN || errno == EINTR));
	if (fd < 0 && errno == ENOSYS) {
		no_openat2 = 1;
		return lfs_open_nofollow(dirfd, path, flags);
	}
	return fd < 0 ? -errno : (int)fd;
}

#define LFS_DIRFLAGS (O_RDONLY | O_DIRECTORY)

/*
 * An fd of directory @rel (beneath the root), creating missing components
 * as 0755 directories if @create.  The fd belongs to the cache: do not
 * close it.
 */
static int lfs_imp_parent(struct lfs_imp *m, const char *rel, int create,
			  const char *what)
{
	char *p, *s;
	int fd, pfd, rc;

	if (!*rel)
		return m->rootfd;
	if (m->pcache && !strcmp(m->pcache, rel))
		return m->pcache_fd;
	fd = lfs_openat2(m->rootfd, rel, LFS_DIRFLAGS);
	if (fd == -ENOENT && create) {
		p = strdup(rel);
		if (!p)
			return -ENOMEM;
		/* create each missing component, resolved beneath the root */
		for (s = p;; s++) {
			if (*s != '/' && *s)
				continue;
			char c = *s;

			*s = '\0';
			fd = lfs_openat2(m->rootfd, p, LFS_DIRFLAGS);
			if (fd == -ENOENT) {
				char *slash = strrchr(p, '/');

				if (slash) {
					*slash = '\0';
					pfd = lfs_openat2(m->rootfd, p,
							  LFS_DIRFLAGS);
					*slash = '/';
				} else {
					pfd = dup(m->rootfd);
					if (pfd < 0)
						pfd = -errno;
				}
				if (pfd < 0) {
					fd = pfd;
				} else {
					rc = mkdirat(pfd, slash ? slash + 1 : p,
						     0755);
					close(pfd);
					fd = rc && errno != EEXIST ? -errno :
						lfs_openat2(m->rootfd, p,
							    LFS_DIRFLAGS);
				}
			}
			*s = c;
			if (fd < 0 || !c)
				break;
			close(fd);
		}
		free(p);
	}
	if (fd < 0) {
		if (fd == -EXDEV)
			lfs_seterr(m->err, m->errlen,
				   "entry '%s': path goes through a symlink that leaves the layer",
				   what);
		else if (fd == -ELOOP)
			lfs_seterr(m->err, m->errlen,
				   "entry '%s': path goes through a symlink (without openat2 none is followed)",
				   what);
		else if (fd == -ENOTDIR)
			lfs_seterr(m->err, m->errlen,
				   "entry '%s': a parent is not a directory",
				   what);
		else
			lfs_seterr(m->err, m->errlen, "entry '%s': %s", what,
				   strerror(-fd));
		return fd;
	}
	if (m->pcache_fd >= 0)
		close(m->pcache_fd);
	free(m->pcache);
	m->pcache = strdup(rel);
	if (!m->pcache) {
		close(fd);
		m->pcache_fd = -1;
		return -ENOMEM;
	}
	m->pcache_fd = fd;
	return fd;
}

/* Sets the entry's xattrs on (@fd) or on @name in @pfd. */
static int lfs_imp_xattrs(struct lfs_imp *m, struct archive_entry *e,
			  int fd, int pfd, const char *name, const char *what)
{
	const char *xn;
	const void *xv;
	size_t xl;
	char path[64 + NAME_MAX + 2];
	int r;

	archive_entry_xattr_reset(e);
	while (archive_entry_xattr_next(e, &xn, &xv, &xl) == ARCHIVE_OK) {
		if (fd >= 0) {
			r = fsetxattr(fd, xn, xv, xl, 0);
		} else {
			snprintf(path, sizeof(path), "/proc/self/fd/%d/%s",
				 pfd, name);
			r = lsetxattr(path, xn, xv, xl, 0);
		}
		if (r) {
			r = -errno;
			lfs_seterr(m->err, m->errlen,
				   "entry '%s': xattr '%s': %s", what, xn,
				   strerror(errno));
			return r;
		}
	}
	return 0;
}

/* Checks the entry's xattrs before anything is created. */
static int lfs_imp_check_xattrs(struct lfs_imp *m, struct archive_entry *e,
				const char *what)
{
	const char *xn;
	const void *xv;
	size_t xl;

	archive_entry_xattr_reset(e);
	while (archive_entry_xattr_next(e, &xn, &xv, &xl) == ARCHIVE_OK) {
		if (!xn || !*xn) {
			lfs_seterr(m->err, m->errlen,
				   "entry '%s': empty xattr name", what);
			return -EINVAL;
		}
		if (lfs_oci_xattr_private(xn)) {
			lfs_seterr(m->err, m->errlen,
				   "entry '%s': carries the layer-private xattr '%s'",
				   what, xn);
			return -EINVAL;
		}
	}
	return 0;
}

static void lfs_entry_times(struct archive_entry *e, struct timespec ts[2])
{
	ts[1].tv_sec = archive_entry_mtime(e);
	ts[1].tv_nsec = archive_entry_mtime_nsec(e);
	if (archive_entry_atime_is_set(e)) {
		ts[0].tv_sec = archive_entry_atime(e);
		ts[0].tv_nsec = archive_entry_atime_nsec(e);
	} else {
		ts[0] = ts[1];
	}
	if (ts[0].tv_nsec < 0 || ts[0].tv_nsec > 999999999)
		ts[0].tv_nsec = 0;
	if (ts[1].tv_nsec < 0 || ts[1].tv_nsec > 999999999)
		ts[1].tv_nsec = 0;
}

/*
 * Owner (before the xattrs: chown drops security.capability), then mode
 * and times (after them) of the non-directory @name in @pfd, or of @fd.
 */
static int lfs_imp_owner(struct lfs_imp *m, struct archive_entry *e, int fd,
			 int pfd, const char *name, const char *what)
{
	int r;

	if (!m->opts->set_owner)
		return 0;
	r = fd >= 0 ? fchown(fd, archive_entry_uid(e), archive_entry_gid(e)) :
		fchownat(pfd, name, archive_entry_uid(e), archive_entry_gid(e),
			 AT_SYMLINK_NOFOLLOW);
	if (!r)
		return 0;
	r = -errno;
	lfs_seterr(m->err, m->errlen, "entry '%s': %s", what, strerror(errno));
	return r;
}

static int lfs_imp_mode_times(struct lfs_imp *m, struct archive_entry *e,
			      int fd, int pfd, const char *name, int is_link,
			      const char *what)
{
	struct timespec ts[2];
	mode_t mode = archive_entry_perm(e) & 07777;
	int r;

	if (!is_link) {
		r = fd >= 0 ? fchmod(fd, mode) : fchmodat(pfd, name, mode, 0);
		if (r)
			goto fail;
	}
	lfs_entry_times(e, ts);
	r = fd >= 0 ? futimens(fd, ts) :
		utimensat(pfd, name, ts, AT_SYMLINK_NOFOLLOW);
	if (r)
		goto fail;
	return 0;
fail:
	r = -errno;
	lfs_seterr(m->err, m->errlen, "entry '%s': %s", what, strerror(errno));
	return r;
}

/* All three, in that order. */
static int lfs_imp_meta(struct lfs_imp *m, struct archive_entry *e, int fd,
			int pfd, const char *name, int is_link, int xattrs,
			const char *what)
{
	int rc = lfs_imp_owner(m, e, fd, pfd, name, what);

	if (!rc && xattrs)
		rc = lfs_imp_xattrs(m, e, fd, pfd, name, what);
	if (!rc)
		rc = lfs_imp_mode_times(m, e, fd, pfd, name, is_link, what);
	return rc;
}

static int lfs_imp_file(struct lfs_imp *m, struct archive_entry *e, int pfd,
			const char *name, const char *what)
{
	const void *blk;
	size_t len;
	la_int64_t off, end = 0;
	int fd, r, rc = 0;
	int64_t size = archive_entry_size(e);

	fd = openat(pfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
		    O_CLOEXEC, 0600);
	if (fd < 0) {
		rc = -errno;
		lfs_seterr(m->err, m->errlen, "entry '%s': %s", what,
			   errno == EEXIST ?
			   "conflicts with an earlier entry" : strerror(errno));
		return rc;
	}
	for (;;) {
		r = archive_read_data_block(m->tar, &blk, &len, &off);
		if (r == ARCHIVE_EOF)
			break;
		if (r != ARCHIVE_OK) {
			rc = -EIO;
			if (lfs_imp_stream_over(m))
				rc = -EFBIG;
			else
				lfs_seterr(m->err, m->errlen,
					   "entry '%s': corrupt or truncated archive: %s",
					   what, archive_error_string(m->tar));
			goto out;
		}
		if (off < 0 || (size >= 0 && (int64_t)len > size - off)) {
			rc = -EINVAL;
			lfs_seterr(m->err, m->errlen,
				   "entry '%s': data beyond the entry's size",
				   what);
			goto out;
		}
		while (len) {
			ssize_t w = pwrite(fd, blk, len, off);

			if (w < 0 && errno == EINTR)
				continue;
			if (w < 0) {
				rc = -errno;
				lfs_seterr(m->err, m->errlen, "entry '%s': %s",
					   what, strerror(errno));
				goto out;
			}
			blk = (const char *)blk + w;
			len -= (size_t)w;
			off += w;
		}
		if (off > end)
			end = off;
	}
	/* A sparse entry may end in a hole: only then is the size short. */
	if (size > 0 && end < size && ftruncate(fd, size)) {
		rc = -errno;
		lfs_seterr(m->err, m->errlen, "entry '%s': %s", what,
			   strerror(errno));
		goto out;
	}
	if (size > 0)
		m->st->size += (uint64_t)size;
	rc = lfs_imp_meta(m, e, fd, -1, NULL, 0, 1, what);
out:
	close(fd);
	return rc;
}

static int lfs_imp_dirmeta(struct lfs_imp *m, struct archive_entry *e,
			   const char *rel)
{
	struct lfs_dirmeta *nd, *d;

	if (m->n_dirs == m->cap_dirs) {
		m->cap_dirs = m->cap_dirs ? m->cap_dirs * 2 : 64;
		nd = realloc(m->dirs, m->cap_dirs * sizeof(*nd));
		if (!nd)
			return -ENOMEM;
		m->dirs = nd;
	}
	d = &m->dirs[m->n_dirs];
	d->rel = strdup(rel);
	if (!d->rel)
		return -ENOMEM;
	d->mode = archive_entry_perm(e) & 07777;
	d->uid = archive_entry_uid(e);
	d->gid = archive_entry_gid(e);
	lfs_entry_times(e, d->ts);
	m->n_dirs++;
	return 0;
}

static int lfs_imp_dir(struct lfs_imp *m, struct archive_entry *e, int pfd,
		       const char *name, const char *rel)
{
	struct stat st;
	int fd, rc;

	if (*rel) {
		if (mkdirat(pfd, name, 0700) && errno != EEXIST) {
			rc = -errno;
			lfs_seterr(m->err, m->errlen, "entry '%s': %s", rel,
				   strerror(errno));
			return rc;
		}
		/* An existing one must be a directory made for a child. */
		if (fstatat(pfd, name, &st, AT_SYMLINK_NOFOLLOW) ||
		    !S_ISDIR(st.st_mode)) {
			lfs_seterr(m->err, m->errlen,
				   "entry '%s': conflicts with an earlier entry",
				   rel);
			return -EEXIST;
		}
		fd = openat(pfd, name, LFS_DIRFLAGS | O_NOFOLLOW | O_CLOEXEC);
	} else {
		fd = dup(m->rootfd);
	}
	if (fd < 0) {
		rc = -errno;
		lfs_seterr(m->err, m->errlen, "entry '%s': %s", rel,
			   strerror(errno));
		return rc;
	}
	rc = lfs_imp_xattrs(m, e, fd, -1, NULL, *rel ? rel : ".");
	close(fd);
	if (!rc)
		rc = lfs_imp_dirmeta(m, e, rel);
	return rc;
}

static int lfs_imp_apply_dirs(struct lfs_imp *m)
{
	struct lfs_dirmeta *d;
	size_t i;
	int fd, rc = 0;

	for (i = m->n_dirs; i-- > 0 && !rc;) {
		d = &m->dirs[i];
		fd = *d->rel ? lfs_openat2(m->rootfd, d->rel,
					   LFS_DIRFLAGS | O_NOFOLLOW) :
			dup(m->rootfd);
		if (fd < 0) {
			rc = *d->rel ? fd : -errno;
			lfs_seterr(m->err, m->errlen, "entry '%s': %s", d->rel,
				   strerror(-rc));
			break;
		}
		if ((m->opts->set_owner && fchown(fd, d->uid, d->gid)) ||
		    fchmod(fd, d->mode) || futimens(fd, d->ts)) {
			rc = -errno;
			lfs_seterr(m->err, m->errlen, "entry '%s': %s",
				   *d->rel ? d->rel : ".", strerror(errno));
		}
		close(fd);
	}
	return rc;
}

static int lfs_imp_entry(struct lfs_imp *m, struct archive_entry *e)
{
	const char *raw = archive_entry_pathname(e), *why = "", *target;
	const char *hl = archive_entry_hardlink(e);
	char rel[PATH_MAX], hrel[PATH_MAX], key[PATH_MAX + 16];
	char *base, *slash;
	char parent[PATH_MAX];
	mode_t type = archive_entry_filetype(e);
	enum lfs_wh_kind wk;
	int pfd, tpfd, rc, kind;
	struct lfs_seen_ent *se;

	if (!raw) {
		lfs_seterr(m->err, m->errlen, "entry with an unreadable name");
		return -EINVAL;
	}
	rc = lfs_oci_clean_path(raw, rel, sizeof(rel), &why);
	if (rc) {
		lfs_seterr(m->err, m->errlen, "entry '%s': %s", raw,
			   rc == -ENAMETOOLONG ? "name too long" : why);
		return rc;
	}
	rc = lfs_imp_check_xattrs(m, e, rel);
	if (rc)
		return rc;
	slash = strrchr(rel, '/');
	if (slash) {
		memcpy(parent, rel, (size_t)(slash - rel));
		parent[slash - rel] = '\0';
		base = slash + 1;
	} else {
		parent[0] = '\0';
		base = rel;
	}
	if (strlen(base) > NAME_MAX) {
		lfs_seterr(m->err, m->errlen, "entry '%s': name too long", rel);
		return -ENAMETOOLONG;
	}

	/* The root directory itself ("./"). */
	if (!*rel) {
		if (type != AE_IFDIR || hl) {
			lfs_seterr(m->err, m->errlen,
				   "entry '%s': the root must be a directory",
				   raw);
			return -EINVAL;
		}
		rc = lfs_seen_add(&m->seen, "", SEEN_DIR);
		if (rc == -EEXIST)
			lfs_seterr(m->err, m->errlen,
				   "entry '%s': duplicate entry", raw);
		if (rc)
			return rc;
		return lfs_imp_dir(m, e, m->rootfd, ".", "");
	}

	wk = lfs_oci_whiteout_kind(base, &target);
	if (wk == LFS_WH_BAD) {
		lfs_seterr(m->err, m->errlen,
			   "entry '%s': malformed whiteout name", rel);
		return -EINVAL;
	}
	if (wk == LFS_WH_FILE) {
		snprintf(key, sizeof(key), "%s%s%s", parent, *parent ? "/" : "",
			 target);
		kind = SEEN_WHITEOUT;
	} else {
		snprintf(key, sizeof(key), "%s", rel);
		kind = wk == LFS_WH_OPQ ? SEEN_OPQ :
			type == AE_IFDIR ? SEEN_DIR :
			type == AE_IFREG && !hl ? SEEN_FILE : SEEN_OTHER;
	}
	if (wk == LFS_WH_NONE && type != AE_IFDIR && type != AE_IFREG &&
	    type != AE_IFLNK && type != AE_IFIFO && type != AE_IFCHR &&
	    type != AE_IFBLK && !hl) {
		lfs_seterr(m->err, m->errlen,
			   "entry '%s': unsupported entry type", rel);
		return -EINVAL;
	}
	if (wk == LFS_WH_NONE && !hl && (type == AE_IFCHR || type == AE_IFBLK)) {
		if (type == AE_IFCHR && archive_entry_rdev(e) == 0) {
			lfs_seterr(m->err, m->errlen,
				   "entry '%s': a 0/0 character device is the layer's own whiteout format (a tarball says .wh.NAME)",
				   rel);
			return -EINVAL;
		}
		if (!m->opts->allow_devices) {
			lfs_seterr(m->err, m->errlen,
				   "entry '%s': device node, and the caller is not root",
				   rel);
			return -EPERM;
		}
	}
	rc = lfs_seen_add(&m->seen, key, kind);
	if (rc == -EEXIST)
		lfs_seterr(m->err, m->errlen, "entry '%s': duplicate entry",
			   rel);
	if (rc)
		return rc;

	pfd = lfs_imp_parent(m, parent, 1, rel);
	if (pfd < 0)
		return pfd;
	if (wk != LFS_WH_OPQ && (type != AE_IFDIR || hl))
		m->st->files++;

	if (wk == LFS_WH_OPQ) {
		if (fsetxattr(pfd, LFS_OPQ_XATTR, "y", 1, 0)) {
			rc = -errno;
			lfs_seterr(m->err, m->errlen,
				   "entry '%s': cannot mark the directory opaque: %s",
				   rel, strerror(errno));
		}
		return rc;
	}
	if (wk == LFS_WH_FILE) {
		if (mknodat(pfd, target, S_IFCHR, makedev(0, 0))) {
			rc = -errno;
			lfs_seterr(m->err, m->errlen, "entry '%s': %s", rel,
				   errno == EEXIST ?
				   "conflicts with an earlier entry" :
				   strerror(errno));
			return rc;
		}
		return lfs_imp_meta(m, e, -1, pfd, target, 0, 0, rel);
	}
	if (hl) {
		rc = lfs_oci_clean_path(hl, hrel, sizeof(hrel), &why);
		if (rc) {
			lfs_seterr(m->err, m->errlen,
				   "entry '%s': hard link target '%s': %s", rel,
				   hl, rc == -ENAMETOOLONG ? "name too long" : why);
			return rc;
		}
		se = lfs_seen_find(&m->seen, hrel);
		if (!se || (se->kind != SEEN_FILE && se->kind != SEEN_OTHER) ||
		    !strcmp(hrel, rel)) {
			lfs_seterr(m->err, m->errlen,
				   "entry '%s': hard link to '%s', which is not an earlier file of the layer",
				   rel, hrel);
			return -EINVAL;
		}
		slash = strrchr(hrel, '/');
		if (slash)
			*slash = '\0';
		tpfd = slash ? lfs_openat2(m->rootfd, hrel, LFS_DIRFLAGS) :
			dup(m->rootfd);
		if (tpfd < 0) {
			rc = slash ? tpfd : -errno;
			lfs_seterr(m->err, m->errlen,
				   "entry '%s': hard link target: %s", rel,
				   strerror(-rc));
			return rc;
		}
		rc = linkat(tpfd, slash ? slash + 1 : hrel, pfd, base, 0);
		if (rc) {
			rc = -errno;
			lfs_seterr(m->err, m->errlen, "entry '%s': %s", rel,
				   errno == EEXIST ?
				   "conflicts with an earlier entry" :
				   strerror(errno));
		}
		close(tpfd);
		return rc;
	}
	switch (type) {
	case AE_IFREG:
		return lfs_imp_file(m, e, pfd, base, rel);
	case AE_IFDIR:
		return lfs_imp_dir(m, e, pfd, base, rel);
	case AE_IFLNK:
		target = archive_entry_symlink(e);
		if (!target || !*target) {
			lfs_seterr(m->err, m->errlen,
				   "entry '%s': symlink without a target", rel);
			return -EINVAL;
		}
		rc = symlinkat(target, pfd, base);
		m->st->size += strlen(target);
		break;
	default:	/* fifo, char, block */
		rc = mknodat(pfd, base, type | 0600, archive_entry_rdev(e));
		break;
	}
	if (rc) {
		rc = -errno;
		lfs_seterr(m->err, m->errlen, "entry '%s': %s", rel,
			   errno == EEXIST ? "conflicts with an earlier entry" :
			   strerror(errno));
		return rc;
	}
	return lfs_imp_meta(m, e, -1, pfd, base, type == AE_IFLNK, 1, rel);
}

/* The rest of the stream (tar padding): hashed, and within the limits. */
static int lfs_imp_drain(struct lfs_imp *m)
{
	int slot;

	while ((slot = lfs_pipe_pop(&m->pipe)) >= 0) {
		lfs_imp_mid(m, m->pipe.buf[slot], m->pipe.len[slot]);
		if (lfs_imp_stream_over(m))
			return -EFBIG;
	}
	return 0;
}

int lfs_tar_import(int fd, const void *mem, size_t memlen, int rootfd,
		   const struct lfs_tar_import_opts *opts,
		   struct lfs_tar_import_stats *st, char *err, size_t errlen)
{
	struct lfs_imp m = {
		.fd = fd, .mem = mem, .memlen = memlen, .rootfd = rootfd,
		.opts = opts, .st = st, .pcache_fd = -1,
		.err = err, .errlen = errlen,
	};
	struct archive_entry *e;
	la_ssize_t r;
	size_t i;
	int rc = -ENOMEM;

	if (errlen)
		err[0] = '\0';
	lfs_utf8_locale();
	memset(st, 0, sizeof(*st));
	m.stream_max = lfs_tar_stream_max(&opts->limits);
	m.crc = crc32(0L, Z_NULL, 0);
	m.inbuf = fd >= 0 ? malloc(LFS_IO_CHUNK) : NULL;
	m.md_blob = lfs_md_new();
	m.md_tar = lfs_md_new();
	m.raw = archive_read_new();
	m.tar = archive_read_new();
	if ((fd >= 0 && !m.inbuf) || !m.md_blob || !m.md_tar ||
	    !m.raw || !m.tar || lfs_pipe_init(&m.pipe))
		goto out;
	rc = -EINVAL;
	if (archive_read_support_filter_gzip(m.raw) != ARCHIVE_OK ||
	    archive_read_support_filter_zstd(m.raw) != ARCHIVE_OK ||
	    archive_read_support_format_raw(m.raw) != ARCHIVE_OK ||
	    archive_read_open(m.raw, &m, NULL, lfs_imp_raw_cb,
			      NULL) != ARCHIVE_OK ||
	    archive_read_next_header(m.raw, &e) != ARCHIVE_OK) {
		lfs_seterr(err, errlen, "not a tar, tar.gz or tar.zst stream: %s",
			   m.in_err ? strerror(m.in_err) :
			   archive_error_string(m.raw) ?
			   archive_error_string(m.raw) : "empty input");
		rc = m.in_err ? -m.in_err : -EINVAL;
		goto out;
	}
	m.filter = archive_filter_code(m.raw, 0);
	if (pthread_create(&m.pipe.thr, NULL, lfs_imp_worker, &m)) {
		lfs_seterr(err, errlen, "cannot start a thread");
		goto out;
	}
	m.pipe.started = 1;
	if (archive_read_support_format_tar(m.tar) != ARCHIVE_OK ||
	    archive_read_open(m.tar, &m, NULL, lfs_imp_tar_cb,
			      NULL) != ARCHIVE_OK) {
		lfs_seterr(err, errlen, "not a tar archive: %s",
			   archive_error_string(m.tar) ?
			   archive_error_string(m.tar) : "empty input");
		goto out;
	}
	for (;;) {
		r = archive_read_next_header(m.tar, &e);
		if (r == ARCHIVE_EOF)
			break;
		if (r != ARCHIVE_OK && r != ARCHIVE_WARN) {
			rc = m.in_err ? -m.in_err : -EINVAL;
			if (lfs_imp_stream_over(&m))
				rc = -EFBIG;
			else
				lfs_seterr(err, errlen, "corrupt or truncated archive: %s",
					   archive_error_string(m.tar) ?
					   archive_error_string(m.tar) : "read error");
			goto out;
		}
		rc = lfs_imp_limits(&m, e);
		if (!rc)
			rc = lfs_imp_entry(&m, e);
		if (rc)
			goto out;
	}
	rc = lfs_imp_drain(&m);
	if (rc)
		goto out;
	pthread_join(m.pipe.thr, NULL);
	m.pipe.started = 0;
	if (m.pipe.err) {
		lfs_seterr(err, errlen, "corrupt or truncated archive: %s",
			   m.raw_err);
		rc = -EINVAL;
		goto out;
	}
	/* and the rest of the input after the compressed stream */
	if (m.fd >= 0) {
		do {
			r = read(m.fd, m.inbuf, LFS_IO_CHUNK);
			if (r > 0) {
				lfs_imp_tail(&m, m.inbuf, (size_t)r);
				EVP_DigestUpdate(m.md_blob, m.inbuf, (size_t)r);
				m.blob_size += (uint64_t)r;
			}
		} while (r > 0 || (r < 0 && errno == EINTR));
		if (r < 0) {
			rc = -errno;
			lfs_seterr(err, errlen, "read: %s", strerror(errno));
			goto out;
		}
	} else if (m.memoff < m.memlen) {
		lfs_imp_tail(&m, m.mem + m.memoff, m.memlen - m.memoff);
		EVP_DigestUpdate(m.md_blob, m.mem + m.memoff,
				 m.memlen - m.memoff);
		m.blob_size += m.memlen - m.memoff;
	}
	/*
	 * libarchive does not check the gzip trailer: compare its CRC-32 and
	 * length with the stream's (a single-member gzip file, as every OCI
	 * tool writes; a multi-member one is refused here).
	 */
	if (m.filter == ARCHIVE_FILTER_GZIP &&
	    (m.tail[0] != (m.crc & 0xff) || m.tail[1] != ((m.crc >> 8) & 0xff) ||
	     m.tail[2] != ((m.crc >> 16) & 0xff) || m.tail[3] != (m.crc >> 24) ||
	     m.tail[4] != (m.tar_size & 0xff) ||
	     m.tail[5] != ((m.tar_size >> 8) & 0xff) ||
	     m.tail[6] != ((m.tar_size >> 16) & 0xff) ||
	     m.tail[7] != ((m.tar_size >> 24) & 0xff))) {
		lfs_seterr(err, errlen,
			   "corrupt archive: the gzip CRC-32 or length does not match the data");
		rc = -EINVAL;
		goto out;
	}
	rc = lfs_imp_apply_dirs(&m);
	if (rc)
		goto out;
	lfs_md_final(m.md_blob, st->d.digest);
	if (m.filter != ARCHIVE_FILTER_NONE) {
		lfs_md_final(m.md_tar, st->d.diff_id);
	} else if (m.tar_size == m.blob_size) {
		memcpy(st->d.diff_id, st->d.digest, LFS_DIGEST_LEN);
	} else {
		lfs_seterr(err, errlen, "read %llu bytes but passed on %llu",
			   (unsigned long long)m.blob_size,
			   (unsigned long long)m.tar_size);
		rc = -EIO;
		goto out;
	}
	st->d.tar_size = m.tar_size;
	st->d.blob_size = m.blob_size;
	rc = 0;
out:
	if (rc && errlen && !err[0])
		lfs_seterr(err, errlen, "%s", strerror(-rc));
	/* stop the decompressing thread before freeing what it uses */
	lfs_pipe_destroy(&m.pipe);
	if (m.tar)
		archive_read_free(m.tar);
	if (m.raw)
		archive_read_free(m.raw);
	EVP_MD_CTX_free(m.md_blob);
	EVP_MD_CTX_free(m.md_tar);
	lfs_seen_free(&m.seen);
	for (i = 0; i < m.n_dirs; i++)
		free(m.dirs[i].rel);
	free(m.dirs);
	if (m.pcache_fd >= 0)
		close(m.pcache_fd);
	free(m.pcache);
	free(m.inbuf);
	return rc;
}

/* ======================== removal ======================== */

static int lfs_rm_rf_dir(int fd, dev_t dev)
{
	char **names;
	size_t n, i;
	struct stat st;
	int sub, rc, r = 0;

	rc = lfs_read_names(fd, &names, &n);
	if (rc)
		return rc;
	for (i = 0; i < n; i++) {
		if (!r && fstatat(fd, names[i], &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    S_ISDIR(st.st_mode)) {
			if (st.st_dev != dev) {
				r = -EXDEV;
			} else {
				sub = openat(fd, names[i], O_RDONLY | O_DIRECTORY |
					     O_NOFOLLOW | O_CLOEXEC);
				if (sub < 0 && errno == EACCES &&
				    !fchmodat(fd, names[i], 0700, 0))
					sub = openat(fd, names[i], O_RDONLY |
						     O_DIRECTORY | O_NOFOLLOW |
						     O_CLOEXEC);
				if (sub < 0) {
					r = -errno;
				} else {
					r = lfs_rm_rf_dir(sub, dev);
					close(sub);
				}
				if (!r && unlinkat(fd, names[i], AT_REMOVEDIR))
					r = -errno;
			}
		} else if (!r && unlinkat(fd, names[i], 0) && errno != ENOENT) {
			r = -errno;
		}
		free(names[i]);
	}
	free(names);
	return r;
}

int lfs_rm_rf_at(int dirfd, const char *name)
{
	struct stat st;
	int fd, rc;

	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW))
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISDIR(st.st_mode))
		return unlinkat(dirfd, name, 0) ? -errno : 0;
	fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
		    O_CLOEXEC);
	if (fd < 0 && errno == EACCES && !fchmodat(dirfd, name, 0700, 0))
		fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
			    O_CLOEXEC);
	if (fd < 0)
		return -errno;
	rc = lfs_rm_rf_dir(fd, st.st_dev);
	close(fd);
	if (!rc && unlinkat(dirfd, name, AT_REMOVEDIR))
		rc = -errno;
	return rc;
}
