// SPDX-License-Identifier: GPL-2.0
/*
 * OCI layer tarball -> layer directory (lfs_tar_import(), see ocitar.h):
 * a decompressing thread (zlib's inflate() for gzip, straight into the
 * queue's slots; else one libarchive reader, format "raw", filter zstd)
 * whose input hashes the blob, feeding a tar reader (libarchive, format
 * tar) and a third thread, the queue's tap, which hashes the
 * decompressed tar while the tar reader extracts it.  Entries
 * are created with *at() calls relative to directory fds opened with
 * openat2() beneath the layer root.
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

#include "fsdir.h"
#include "ocitar.h"
#include "tarpriv.h"

/*
 * A set of names seen in the archive, with what they were.  A name is
 * kept as its SHA-256 truncated to 128 bits, not as itself, so that the
 * set takes 24 bytes a slot (32-64 bytes an entry, at a load of 3/8 to
 * 3/4) whatever the length of the paths: a hostile layer within
 * the limits (10 million entries of 4 KB paths by default) would
 * otherwise hold 40 GB here.  Two names are taken as the same if their
 * digests are: a chance of about 2^-82 for 10 million names, and even a
 * forged collision would only refuse a layer ("duplicate entry") or let a
 * hard link be attempted, which linkat() then resolves beneath the root.
 */
enum { SEEN_DIR = 1, SEEN_FILE, SEEN_OTHER, SEEN_WHITEOUT, SEEN_OPQ };

#define LFS_SEEN_KEY 16

struct lfs_seen_ent {
	unsigned char key[LFS_SEEN_KEY];
	uint32_t kind;			/* 0: a free slot */
	uint32_t dir;			/* SEEN_DIR: its lfs_imp.dirs[] */
};

struct lfs_seen {
	struct lfs_seen_ent *v;
	size_t n, cap;		/* cap: power of two */
	EVP_MD_CTX *md;
	EVP_MD *sha;		/* fetched once: 3 times faster a name */
};

/* @n's key into @key; 0 or -ENOMEM. */
static int lfs_seen_key(struct lfs_seen *s, const char *n,
			unsigned char key[LFS_SEEN_KEY])
{
	unsigned char h[EVP_MAX_MD_SIZE];
	unsigned int hl = 0;

	if (!s->md) {
		s->md = EVP_MD_CTX_new();
		s->sha = EVP_MD_fetch(NULL, "SHA256", NULL);
		if (!s->md || !s->sha) {
			EVP_MD_CTX_free(s->md);
			EVP_MD_free(s->sha);
			s->md = NULL;
			s->sha = NULL;
			return -ENOMEM;
		}
	}
	if (!EVP_DigestInit_ex2(s->md, s->sha, NULL) ||
	    !EVP_DigestUpdate(s->md, n, strlen(n)) ||
	    !EVP_DigestFinal_ex(s->md, h, &hl) || hl < LFS_SEEN_KEY)
		return -ENOMEM;
	memcpy(key, h, LFS_SEEN_KEY);
	return 0;
}

/* The first slot of @key's probe sequence: the digest is uniform. */
static size_t lfs_seen_slot(const struct lfs_seen *s,
			    const unsigned char *key)
{
	uint64_t h;

	memcpy(&h, key, sizeof(h));
	return (size_t)h & (s->cap - 1);
}

static struct lfs_seen_ent *lfs_seen_lookup(struct lfs_seen *s,
					    const unsigned char *key)
{
	size_t i;

	if (!s->cap)
		return NULL;
	for (i = lfs_seen_slot(s, key); s->v[i].kind;
	     i = (i + 1) & (s->cap - 1))
		if (!memcmp(s->v[i].key, key, LFS_SEEN_KEY))
			return &s->v[i];
	return NULL;
}

/* The entry of name @n, or NULL (also if out of memory). */
static struct lfs_seen_ent *lfs_seen_find(struct lfs_seen *s, const char *n)
{
	unsigned char key[LFS_SEEN_KEY];

	if (!s->cap || lfs_seen_key(s, n, key))
		return NULL;
	return lfs_seen_lookup(s, key);
}

/* 0, -EEXIST if present, -ENOMEM. */
static int lfs_seen_add(struct lfs_seen *s, const char *n, int kind)
{
	unsigned char key[LFS_SEEN_KEY];
	struct lfs_seen_ent *nv;
	size_t i, j, ncap;

	if (lfs_seen_key(s, n, key))
		return -ENOMEM;
	if (lfs_seen_lookup(s, key))
		return -EEXIST;
	if ((s->n + 1) * 4 > s->cap * 3) {
		ncap = s->cap ? s->cap * 2 : 64;
		nv = calloc(ncap, sizeof(*nv));
		if (!nv)
			return -ENOMEM;
		s->cap = ncap;
		for (i = 0; i < ncap / 2 && s->v; i++) {
			if (!s->v[i].kind)
				continue;
			for (j = lfs_seen_slot(s, s->v[i].key); nv[j].kind;
			     j = (j + 1) & (ncap - 1))
				;
			nv[j] = s->v[i];
		}
		free(s->v);
		s->v = nv;
	}
	for (i = lfs_seen_slot(s, key); s->v[i].kind;
	     i = (i + 1) & (s->cap - 1))
		;
	memcpy(s->v[i].key, key, LFS_SEEN_KEY);
	s->v[i].kind = (uint32_t)kind;
	s->n++;
	return 0;
}

static void lfs_seen_free(struct lfs_seen *s)
{
	free(s->v);
	EVP_MD_CTX_free(s->md);
	EVP_MD_free(s->sha);
	s->v = NULL;
	s->md = NULL;
	s->sha = NULL;
	s->n = s->cap = 0;
}

/*
 * Applied to the directories at the end, found by a walk of the tree
 * (lfs_imp_apply_dirs()): their paths are not kept either.
 */
struct lfs_dirmeta {
	mode_t mode;
	uid_t uid;
	gid_t gid;
	struct timespec ts[2];
};

/*
 * A directory entry whose path goes through a symlink of the layer
 * ("l/x", l -> d): the walk finds it by another path (d/x), so it is
 * found by its inode, and its name is kept for errors (a rare case: a
 * hostile layer's many such entries cost their names, within the limits
 * on entries and header sizes).
 */
struct lfs_linkdir {
	dev_t dev;
	ino_t ino;
	uint32_t dir;		/* index into lfs_imp.dirs */
	int done;		/* applied by the walk */
	char *rel;		/* the entry's name */
};

struct lfs_imp {
	/* input */
	struct lfs_tar_feed *feed;	/* from it if not NULL */
	int fd;
	const unsigned char *mem;
	size_t memlen, memoff;
	unsigned char *inbuf;	/* LFS_IO_CHUNK, for fd input */
	const void *peek;	/* the first piece, read to tell gzip ... */
	ssize_t peek_len;	/* ... its length; -1: handed on */
	struct archive *raw;	/* decompressor, but for gzip */
	z_stream zs;		/* gzip's, if zs_on */
	int zs_on;
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
	struct lfs_linkdir *ldirs;	/* sorted by inode, then dir */
	size_t n_ldirs, cap_ldirs;
	uint64_t entries, declared;	/* so far, against opts->limits */
	uint64_t stream_max;		/* lfs_tar_stream_max(), 0: none */
	struct lfs_tar_hdr hdr;		/* the headers read, by tar_size */
	char *pcache;		/* parent path whose fd is pcache_fd */
	int pcache_fd;
	int pcache_link;	/* that path goes through a symlink */
	int parent_link;	/* so does the last lfs_imp_parent()'s */
	struct lfs_err *err;	/* the caller's; may be NULL */
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
 * The tap's thread: the decompressed stream's digest unless it is the
 * input itself (then the blob digest is the diff_id), and its CRC-32 for
 * gzip, beside the extraction (hashing 1 GiB costs about what writing it
 * does).  Its results are read after it is joined.
 */
static void *lfs_imp_hasher(void *arg)
{
	struct lfs_imp *m = arg;
	int slot;

	while ((slot = lfs_pipe_tap_pop(&m->pipe)) >= 0) {
		EVP_DigestUpdate(m->md_tar, m->pipe.buf[slot],
				 m->pipe.len[slot]);
		if (m->filter == ARCHIVE_FILTER_GZIP &&
		    !m->opts->diff_id_checked)
			m->crc = crc32(m->crc, m->pipe.buf[slot],
				       (uInt)m->pipe.len[slot]);
	}
	return NULL;
}

/*
 * The next piece of the feed into *@buf (valid until the next call), its
 * length, 0 at its end, or -1 (m->in_err set) if it broke off.
 */
static ssize_t lfs_imp_feed_next(struct lfs_imp *m, const void **buf)
{
	struct lfs_pipe *q = &m->feed->q;
	int slot = lfs_pipe_pop(q);

	*buf = NULL;
	if (slot >= 0) {
		*buf = q->buf[slot];
		return (ssize_t)q->len[slot];
	}
	if (!q->err)
		return 0;
	m->in_err = q->err;
	return -1;
}

/* The input into the blob's digest, unless the caller checks it. */
static void lfs_imp_blob(struct lfs_imp *m, const void *p, size_t n)
{
	/* before the filter is known it is NONE: hashed */
	if (!m->opts->blob_checked || m->filter == ARCHIVE_FILTER_NONE)
		EVP_DigestUpdate(m->md_blob, p, n);
}

/*
 * The next piece of the input into *@buf (valid until the next call),
 * hashed into the blob's digest and counted: its length, 0 at the end,
 * or -1 (m->in_err set).
 */
static ssize_t lfs_imp_in(struct lfs_imp *m, const void **buf)
{
	ssize_t r;
	size_t n;

	if (m->feed) {
		r = lfs_imp_feed_next(m, buf);
		if (r < 0)
			return -1;
	} else if (m->fd < 0) {
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
			return -1;
		}
		*buf = m->inbuf;
	}
	lfs_imp_tail(m, *buf, (size_t)r);
	lfs_imp_blob(m, *buf, (size_t)r);
	m->blob_size += (uint64_t)r;
	return r;
}

/* libarchive's input: the piece read first, then the rest. */
static la_ssize_t lfs_imp_raw_cb(struct archive *a, void *arg,
				 const void **buf)
{
	struct lfs_imp *m = arg;
	ssize_t r = m->peek_len;

	if (r >= 0) {
		*buf = m->peek;
		m->peek_len = -1;
		return r;
	}
	r = lfs_imp_in(m, buf);
	if (r < 0)
		archive_set_error(a, m->in_err, "read: %s", strerror(m->in_err));
	return r;
}

/*
 * The decompressing thread: reads (and hashes) the input, decompresses it
 * and queues the result for the tar reader, to the end of the stream (the
 * tar's end-of-archive blocks and padding included).  The tar reader's
 * thread extracts what it takes from the queue, the tap's hashes it.
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

/*
 * The decompressing thread for gzip: inflates the input into the queue's
 * slots (no copy between the two) to the end of the first gzip member.
 * The trailer is read, not checked: lfs_imp_gzip_trailer() does that with
 * the tap's CRC-32, as for any input.  What follows the member is left to
 * lfs_imp_finish(), which hashes it with the blob and refuses it: an OCI
 * layer is one gzip member, and a tool that reads on into a second one
 * would see another layer than this one.
 */
static void *lfs_imp_inflater(void *arg)
{
	struct lfs_imp *m = arg;
	z_stream *z = &m->zs;
	int slot, zr = Z_OK, err = 0;
	const void *p;
	ssize_t r;

	while (!err && zr != Z_STREAM_END) {
		slot = lfs_pipe_slot(&m->pipe);
		if (slot < 0)
			return NULL;
		z->next_out = m->pipe.buf[slot];
		z->avail_out = LFS_PIPE_CHUNK;
		while (!err && z->avail_out && zr != Z_STREAM_END) {
			if (!z->avail_in) {
				r = lfs_imp_in(m, &p);
				if (r <= 0) {
					err = m->in_err ? m->in_err : EIO;
					snprintf(m->raw_err, sizeof(m->raw_err),
						 "truncated gzip input");
					break;
				}
				z->next_in = (Bytef *)p;
				z->avail_in = (uInt)r;
			}
			zr = inflate(z, Z_NO_FLUSH);
			if (zr != Z_OK && zr != Z_STREAM_END) {
				err = EIO;
				snprintf(m->raw_err, sizeof(m->raw_err),
					 "gzip decompression failed: %s",
					 z->msg ? z->msg : "no progress");
			}
		}
		/*
		 * Not what came before a break (as libarchive's reader); none:
		 * the trailer alone (the tar reader takes 0 for the end)
		 */
		if (!err && z->avail_out < LFS_PIPE_CHUNK)
			lfs_pipe_push(&m->pipe, slot,
				      LFS_PIPE_CHUNK - z->avail_out);
	}
	lfs_pipe_close(&m->pipe, err);
	return NULL;
}

/*
 * A gzip member's start, as libarchive's gzip reader tells it: magic,
 * method deflate, no reserved flag.
 */
static int lfs_imp_is_gzip(const unsigned char *p, ssize_t n)
{
	return n >= 4 && p[0] == 0x1f && p[1] == 0x8b && p[2] == 8 &&
	       !(p[3] & 0xe0);
}

/*
 * The first piece of the input read: gzip is inflated by
 * lfs_imp_inflater(), anything else by libarchive's raw reader (zstd,
 * plain tar, or refused).  0 or an error.
 */
static int lfs_imp_open_gzip(struct lfs_imp *m, int *gzip)
{
	m->peek_len = lfs_imp_in(m, &m->peek);
	if (m->peek_len < 0)
		return lfs_err_set(m->err, -m->in_err, "cannot read the input");
	*gzip = lfs_imp_is_gzip(m->peek, m->peek_len);
	if (!*gzip)
		return 0;
	/* gzip only (15 + 16); the trailer is lfs_imp_gzip_trailer()'s */
	if (inflateInit2(&m->zs, 15 + 16) != Z_OK)
		return lfs_err_set(m->err, -ENOMEM, "cannot make the extraction's buffers");
	m->zs_on = 1;
	inflateValidate(&m->zs, 0);
	m->zs.next_in = (Bytef *)m->peek;
	m->zs.avail_in = (uInt)m->peek_len;
	m->peek_len = -1;
	m->filter = ARCHIVE_FILTER_GZIP;
	return 0;
}

/* 1 (with the reason in m->err) if the stream is longer than allowed. */
static int lfs_imp_stream_over(struct lfs_imp *m)
{
	if (!m->stream_max || m->tar_size <= m->stream_max)
		return 0;
	lfs_err_set(m->err, 0,
		   "more than %llu bytes uncompressed, more than the limits allow: see --max-size and --max-entries",
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
		lfs_err_set(m->err, 0,
			   "entry '%s': more than %llu entries: see --max-entries",
			   name, (unsigned long long)l->max_entries);
		return -EFBIG;
	}
	if (l->max_entry_size && sz > l->max_entry_size) {
		lfs_err_set(m->err, 0,
			   "entry '%s': %llu bytes, more than %llu: see --max-entry-size",
			   name, (unsigned long long)sz,
			   (unsigned long long)l->max_entry_size);
		return -EFBIG;
	}
	m->declared += sz;
	if (l->max_size && (m->declared > l->max_size || m->declared < sz)) {
		lfs_err_set(m->err, 0,
			   "entry '%s': the layer would hold more than %llu bytes: see --max-size",
			   name, (unsigned long long)l->max_size);
		return -EFBIG;
	}
	return 0;
}

/*
 * 1 (with the reason in m->err) if the header being read has taken more
 * of the stream than LFS_TAR_HEADER_MAX: libarchive holds all of it in
 * memory (a GNU sparse map, 50 bytes for every 4 of the stream).
 */
static int lfs_imp_header_over(struct lfs_imp *m)
{
	if (!lfs_tar_hdr_check(&m->hdr, m->tar_size))
		return 0;
	lfs_err_set(m->err, 0,
		    "entry %llu of the archive: its headers (PAX records, long names, sparse map) take more than %llu bytes",
		    (unsigned long long)m->entries + 1,
		    (unsigned long long)LFS_TAR_HEADER_MAX);
	return 1;
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
	m->tar_size += m->pipe.len[slot];
	if (lfs_imp_stream_over(m) || lfs_imp_header_over(m)) {
		archive_set_error(a, EFBIG, "%s", m->err ? m->err->msg : "");
		return -1;
	}
	*buf = m->pipe.buf[slot];
	return (la_ssize_t)m->pipe.len[slot];
}

/*
 * A failed create of entry @rel (errno set): the conflict, a text that
 * says it all, or errno's reason.
 */
static int lfs_imp_create_err(struct lfs_imp *m, const char *rel)
{
	if (errno == EEXIST) {
		lfs_err_set(m->err, 0, "entry '%s': conflicts with an earlier entry",
			    rel);
		return -EEXIST;
	}
	return lfs_tar_errno(m->err, -errno, "entry", rel, "cannot create it");
}

/*
 * The tar reader failed, in entry @what's data or (@what NULL) at a
 * header: the stream went over the limits (-EFBIG), the input could not
 * be read (its errno), or the archive is corrupt or truncated (@rc).
 */
static int lfs_imp_read_err(struct lfs_imp *m, const char *what, int rc)
{
	const char *why = archive_error_string(m->tar);

	if (lfs_imp_stream_over(m) || m->hdr.over)
		return -EFBIG;
	if (m->in_err)
		rc = lfs_err_set(m->err, -m->in_err, "cannot read the input");
	else
		lfs_err_set(m->err, 0, "corrupt or truncated archive: %s",
			    why ? why : "read error");
	if (what)
		lfs_err_prefix(m->err, rc, "entry '%s'", what);
	return rc;
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

/* openat2() failed with ENOSYS once: lfs_open_nofollow() from then on. */
static int lfs_no_openat2;

/* @resolve: RESOLVE_* flags on top of beneath and no magic links. */
static int lfs_openat2_res(int dirfd, const char *path, int flags,
			   uint64_t resolve)
{
	struct open_how how = {
		.flags = (uint64_t)(flags | O_CLOEXEC),
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS | resolve,
	};
	long fd;

	if (lfs_no_openat2)
		return lfs_open_nofollow(dirfd, path, flags);
	do
		fd = syscall(SYS_openat2, dirfd, path, &how, sizeof(how));
	while (fd < 0 && (errno == EAGAIN || errno == EINTR));
	if (fd < 0 && errno == ENOSYS) {
		lfs_no_openat2 = 1;
		return lfs_open_nofollow(dirfd, path, flags);
	}
	return fd < 0 ? -errno : (int)fd;
}

static int lfs_openat2(int dirfd, const char *path, int flags)
{
	return lfs_openat2_res(dirfd, path, flags, 0);
}

#define LFS_DIRFLAGS (O_RDONLY | O_DIRECTORY)

/*
 * An fd of directory @rel (beneath the root), creating missing components
 * as 0755 directories if @create; m->parent_link set if @rel goes
 * through a symlink.  The fd belongs to the cache: do not close it.
 */
static int lfs_imp_parent(struct lfs_imp *m, const char *rel, int create,
			  const char *what)
{
	char *p, *s;
	int fd, pfd, rc, link = 0;

	m->parent_link = 0;
	if (!*rel)
		return m->rootfd;
	if (m->pcache && !strcmp(m->pcache, rel)) {
		m->parent_link = m->pcache_link;
		return m->pcache_fd;
	}
	/* no symlink on the way, the common case: one lookup */
	fd = lfs_openat2_res(m->rootfd, rel, LFS_DIRFLAGS, RESOLVE_NO_SYMLINKS);
	if (fd == -ELOOP && !lfs_no_openat2) {
		link = 1;
		fd = lfs_openat2(m->rootfd, rel, LFS_DIRFLAGS);
	}
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
			lfs_err_set(m->err, 0,
				   "entry '%s': path goes through a symlink that leaves the layer",
				   what);
		else if (fd == -ELOOP && lfs_no_openat2)
			lfs_err_set(m->err, 0,
				   "entry '%s': path goes through a symlink, and without openat2 none is followed",
				   what);
		else if (fd == -ELOOP)	/* openat2 follows 40 at most */
			lfs_err_set(m->err, 0,
				   "entry '%s': path goes through symlinks that loop or nest more than 40 deep",
				   what);
		else if (fd == -ENOTDIR)
			lfs_err_set(m->err, 0,
				   "entry '%s': a parent is not a directory",
				   what);
		else
			lfs_tar_errno(m->err, fd, "entry", what,
				      "cannot open its directory");
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
	m->pcache_link = m->parent_link = link;
	return fd;
}

/* Sets xattr @xn to @xv (@xl bytes) on @fd, or on @name in @pfd. */
static int lfs_imp_setxattr(struct lfs_imp *m, int fd, int pfd,
			    const char *name, const char *what,
			    const char *xn, const void *xv, size_t xl)
{
	char path[LFS_FD_PATH_MAX];
	int r;

	if (fd >= 0) {
		r = fsetxattr(fd, xn, xv, xl, 0) ? -errno : 0;
	} else {
		r = lfs_fd_path(path, sizeof(path), pfd, name);
		if (!r && lsetxattr(path, xn, xv, xl, 0))
			r = -errno;
	}
	if (r)
		lfs_tar_errno(m->err, r, "entry", what, "cannot set xattr '%s'",
			      xn);
	return r;
}

/*
 * Sets the entry's xattrs on (@fd) or on @name in @pfd; and, when run as
 * root (the owners too), the append-only and immutable flags of a file or
 * directory entry (SCHILY.fflags) as LFS_PROTATTR_XATTR, which a view
 * reads as it reads the real flags, and which, unlike them, forbids
 * nothing here (the directory's entries still to come, its times).
 */
static int lfs_imp_xattrs(struct lfs_imp *m, struct archive_entry *e,
			  int fd, int pfd, const char *name, const char *what)
{
	unsigned long set, clear;
	const char *xn;
	const void *xv;
	char prot[2];
	size_t xl;
	int r;

	archive_entry_xattr_reset(e);
	while (archive_entry_xattr_next(e, &xn, &xv, &xl) == ARCHIVE_OK) {
		r = lfs_imp_setxattr(m, fd, pfd, name, what, xn, xv, xl);
		if (r)
			return r;
	}
	if (!m->opts->set_owner || (archive_entry_filetype(e) != AE_IFREG &&
				    archive_entry_filetype(e) != AE_IFDIR))
		return 0;
	archive_entry_fflags(e, &set, &clear);
	xl = lfs_oci_protattr(set, prot);
	if (!xl)
		return 0;
	return lfs_imp_setxattr(m, fd, pfd, name, what, LFS_PROTATTR_XATTR,
				prot, xl);
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
			lfs_err_set(m->err, 0,
				   "entry '%s': empty xattr name", what);
			return -EINVAL;
		}
		if (lfs_oci_xattr_private(xn)) {
			lfs_err_set(m->err, 0,
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
	return lfs_tar_errno(m->err, -errno, "entry", what,
			     "cannot set its owner");
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
			return lfs_tar_errno(m->err, -errno, "entry", what,
					     "cannot set its mode");
	}
	lfs_entry_times(e, ts);
	r = fd >= 0 ? futimens(fd, ts) :
		utimensat(pfd, name, ts, AT_SYMLINK_NOFOLLOW);
	if (r)
		return lfs_tar_errno(m->err, -errno, "entry", what,
				     "cannot set its times");
	return 0;
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
	if (fd < 0)
		return lfs_imp_create_err(m, what);
	for (;;) {
		r = archive_read_data_block(m->tar, &blk, &len, &off);
		if (r == ARCHIVE_EOF)
			break;
		if (r != ARCHIVE_OK) {
			rc = lfs_imp_read_err(m, what, -EIO);
			goto out;
		}
		if (off < 0 || (size >= 0 && (int64_t)len > size - off)) {
			rc = -EINVAL;
			lfs_err_set(m->err, 0,
				   "entry '%s': data beyond the entry's size",
				   what);
			goto out;
		}
		while (len) {
			ssize_t w = pwrite(fd, blk, len, off);

			if (w < 0 && errno == EINTR)
				continue;
			if (w < 0) {
				rc = lfs_tar_errno(m->err, -errno, "entry",
						   what, "cannot write it");
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
		rc = lfs_tar_errno(m->err, -errno, "entry", what,
				   "cannot set its size");
		goto out;
	}
	if (size > 0)
		m->st->size += (uint64_t)size;
	rc = lfs_imp_meta(m, e, fd, -1, NULL, 0, 1, what);
	/* its data on the way to the disk now, not all at the final sync */
	if (!rc && size > 0 && m->opts->writeback)
		sync_file_range(fd, 0, 0, SYNC_FILE_RANGE_WRITE);
out:
	close(fd);
	return rc;
}

/*
 * Array @v (*@cap elements of @size bytes, @n used) with room for one
 * more: the array (moved, *@cap updated), or NULL (out of memory, @v
 * left as it was).
 */
static void *lfs_imp_grow(void *v, size_t *cap, size_t n, size_t size)
{
	size_t ncap;

	if (n < *cap)
		return v;
	ncap = *cap ? *cap * 2 : 64;
	v = realloc(v, ncap * size);
	if (v)
		*cap = ncap;
	return v;
}

static int lfs_imp_dirmeta(struct lfs_imp *m, struct archive_entry *e,
			   const char *rel)
{
	struct lfs_seen_ent *se = lfs_seen_find(&m->seen, rel);
	struct lfs_dirmeta *nd, *d;

	if (!se || se->kind != SEEN_DIR || m->n_dirs >= UINT32_MAX)
		return -ENOMEM;
	nd = lfs_imp_grow(m->dirs, &m->cap_dirs, m->n_dirs, sizeof(*nd));
	if (!nd)
		return -ENOMEM;
	m->dirs = nd;
	d = &m->dirs[m->n_dirs];
	d->mode = archive_entry_perm(e) & 07777;
	d->uid = archive_entry_uid(e);
	d->gid = archive_entry_gid(e);
	lfs_entry_times(e, d->ts);
	se->dir = (uint32_t)m->n_dirs++;
	return 0;
}

/* Directory @rel (open as @fd), just recorded, by its inode. */
static int lfs_imp_linkdir(struct lfs_imp *m, int fd, const char *rel)
{
	struct lfs_linkdir *nl, *l;
	struct stat st;

	if (fstat(fd, &st))
		return lfs_tar_errno(m->err, -errno, "entry", rel,
				     "cannot read its attributes");
	nl = lfs_imp_grow(m->ldirs, &m->cap_ldirs, m->n_ldirs, sizeof(*nl));
	if (!nl)
		return -ENOMEM;
	m->ldirs = nl;
	l = &m->ldirs[m->n_ldirs];
	l->rel = strdup(rel);
	if (!l->rel)
		return -ENOMEM;
	l->dev = st.st_dev;
	l->ino = st.st_ino;
	l->dir = (uint32_t)(m->n_dirs - 1);
	l->done = 0;
	m->n_ldirs++;
	return 0;
}

static int lfs_imp_dir(struct lfs_imp *m, struct archive_entry *e, int pfd,
		       const char *name, const char *rel)
{
	struct stat st;
	int fd, rc;

	if (*rel) {
		if (mkdirat(pfd, name, 0700) && errno != EEXIST)
			return lfs_tar_errno(m->err, -errno, "entry", rel,
					     "cannot create it");
		/* An existing one must be a directory made for a child. */
		if (fstatat(pfd, name, &st, AT_SYMLINK_NOFOLLOW) ||
		    !S_ISDIR(st.st_mode)) {
			lfs_err_set(m->err, 0,
				   "entry '%s': conflicts with an earlier entry",
				   rel);
			return -EEXIST;
		}
		fd = openat(pfd, name, LFS_DIRFLAGS | O_NOFOLLOW | O_CLOEXEC);
	} else {
		fd = dup(m->rootfd);
	}
	if (fd < 0)
		return lfs_tar_errno(m->err, -errno, "entry", *rel ? rel : ".",
				     "cannot open it");
	rc = lfs_imp_xattrs(m, e, fd, -1, NULL, *rel ? rel : ".");
	if (!rc)
		rc = lfs_imp_dirmeta(m, e, rel);
	if (!rc && *rel && m->parent_link)
		rc = lfs_imp_linkdir(m, fd, rel);
	close(fd);
	return rc;
}

/* Sets directory @fd as entry @rel's record @dir says. */
static int lfs_imp_dir_set(struct lfs_imp *m, int fd, uint32_t dir,
			   const char *rel)
{
	struct lfs_dirmeta *d = &m->dirs[dir];

	if ((m->opts->set_owner && fchown(fd, d->uid, d->gid)) ||
	    fchmod(fd, d->mode) || futimens(fd, d->ts))
		return lfs_tar_errno(m->err, -errno, "entry",
				     *rel ? rel : ".",
				     "cannot set its owner, mode or times");
	return 0;
}

static int lfs_linkdir_cmp(const void *a, const void *b)
{
	const struct lfs_linkdir *x = a, *y = b;

	if (x->dev != y->dev)
		return x->dev < y->dev ? -1 : 1;
	if (x->ino != y->ino)
		return x->ino < y->ino ? -1 : 1;
	return x->dir < y->dir ? -1 : x->dir > y->dir;
}

/*
 * Sets directory @rel (open as @fd) as the layer says, if it is an entry
 * by that path or by a path through a symlink: its records in the order
 * of the entries, so that the last one's attributes stay.
 */
static int lfs_imp_dir_apply(struct lfs_imp *m, int fd, const char *rel,
			     size_t *applied)
{
	struct lfs_seen_ent *se = lfs_seen_find(&m->seen, rel);
	struct lfs_linkdir *l = NULL, *end = NULL;
	size_t lo = 0, hi = m->n_ldirs, mid;
	int has_path = se && se->kind == SEEN_DIR, rc;
	struct stat st;

	if (m->n_ldirs) {
		if (fstat(fd, &st))
			return lfs_tar_errno(m->err, -errno, "entry",
					     *rel ? rel : ".",
					     "cannot read its attributes");
		/* the first of this inode's records */
		while (lo < hi) {
			mid = lo + (hi - lo) / 2;
			if (m->ldirs[mid].dev < st.st_dev ||
			    (m->ldirs[mid].dev == st.st_dev &&
			     m->ldirs[mid].ino < st.st_ino))
				lo = mid + 1;
			else
				hi = mid;
		}
		l = end = &m->ldirs[lo];
		while (end < m->ldirs + m->n_ldirs && end->dev == st.st_dev &&
		       end->ino == st.st_ino)
			end++;
	}
	for (;;) {
		/* the path's record before a later one through a symlink */
		if (has_path && (l == end || se->dir < l->dir)) {
			rc = lfs_imp_dir_set(m, fd, se->dir, rel);
			has_path = 0;
		} else if (l != end) {
			rc = lfs_imp_dir_set(m, fd, l->dir, l->rel);
			l->done = 1;
			l++;
		} else {
			return 0;	/* made for a child (0755), or done */
		}
		if (rc)
			return rc;
		(*applied)++;
	}
}

/*
 * Directories keep an fd and their own buffer of entries each down to
 * this depth of the walk (64 x 32 KiB at most), so that coming back to
 * one after a subdirectory reads on where it was; deeper, a directory is
 * reopened by its path after each of its subdirectories and its entries
 * read again from the position saved (a path of PATH_MAX may have 2048
 * components).
 */
#define LFS_WALK_FDS 64
#define LFS_WALK_BUF 32768

struct lfs_walk_lvl {
	int fd;			/* -1: closed, reopen by path */
	off_t pos;		/* where to read its entries on */
	size_t len;		/* of its path */
	char *buf;		/* its own at depths < LFS_WALK_FDS, else NULL */
	long n, off;		/* bytes in the buffer, of them consumed */
	int at_pos;		/* the fd's offset is pos: no lseek() */
};

/*
 * The next subdirectory in level @l's entries (read into @buf when all
 * consumed): 1 and *@dep, 0 when there is none left, -errno.
 */
static int lfs_walk_next(struct lfs_walk_lvl *l, char *buf,
			 struct dirent64 **dep)
{
	struct dirent64 *de;
	struct stat st;
	int isdir;

	for (;;) {
		if (l->off >= l->n) {
			l->n = -1;
			if (l->at_pos || lseek(l->fd, l->pos, SEEK_SET) >= 0)
				l->n = syscall(SYS_getdents64, l->fd, buf,
					       LFS_WALK_BUF);
			l->off = 0;
			l->at_pos = 1;
			if (l->n < 0) {
				l->n = 0;
				return -errno;
			}
			if (!l->n)
				return 0;
		}
		de = (struct dirent64 *)(buf + l->off);
		l->off += de->d_reclen;
		l->pos = de->d_off;
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		isdir = de->d_type == DT_DIR;
		if (de->d_type == DT_UNKNOWN)
			isdir = !fstatat(l->fd, de->d_name, &st,
					 AT_SYMLINK_NOFOLLOW) &&
				S_ISDIR(st.st_mode);
		if (isdir) {
			*dep = de;
			return 1;
		}
	}
}

/*
 * The directories' modes, owners and times, set at the end so that their
 * entries could be created and their times stay: a walk of the tree,
 * each directory after its subdirectories (then a mode that forbids
 * entering it is set once nothing below is left to do), a directory's
 * metadata found by its path in the seen set.  The walk keeps a path
 * and a position a level, not the names of the directories: memory does
 * not grow with the number of entries or their length.
 */
static int lfs_imp_apply_dirs(struct lfs_imp *m)
{
	struct lfs_walk_lvl *lv;
	char *buf;
	char path[PATH_MAX];
	size_t depth = 0, maxd = PATH_MAX / 2 + 2, applied = 0, nl, i;
	int rc = 0, fd;

	if (!m->n_dirs)
		return 0;
	if (m->n_ldirs)
		qsort(m->ldirs, m->n_ldirs, sizeof(*m->ldirs), lfs_linkdir_cmp);
	lv = calloc(maxd, sizeof(*lv));
	buf = malloc(LFS_WALK_BUF);
	if (!lv || !buf) {
		free(lv);
		free(buf);
		return -ENOMEM;
	}
	path[0] = '\0';
	lv[0].buf = malloc(LFS_WALK_BUF);
	lv[0].fd = lv[0].buf ? dup(m->rootfd) : -1;
	if (lv[0].fd < 0) {
		rc = lv[0].buf ? -errno : -ENOMEM;
		free(lv[0].buf);
		free(lv);
		free(buf);
		return rc;
	}
	for (;;) {
		struct lfs_walk_lvl *l = &lv[depth];
		struct dirent64 *de = NULL;

		if (l->fd < 0) {
			l->at_pos = 0;
			l->fd = lfs_openat2(m->rootfd, path,
					    LFS_DIRFLAGS | O_NOFOLLOW);
			if (l->fd < 0) {
				rc = lfs_tar_errno(m->err, l->fd, "entry",
						   *path ? path : ".",
						   "cannot open it");
				break;
			}
		}
		rc = lfs_walk_next(l, l->buf ? l->buf : buf, &de);
		if (rc < 0) {
			lfs_tar_errno(m->err, rc, "entry", *path ? path : ".",
				      "cannot read it");
			break;
		}
		if (rc) {
			rc = 0;
			nl = strlen(de->d_name);
			if (depth + 1 >= maxd ||
			    l->len + !!l->len + nl >= sizeof(path)) {
				rc = lfs_err_set(m->err, -ENAMETOOLONG,
						 "cannot walk below it");
				lfs_err_prefix(m->err, rc, "entry '%s/%s'", path,
					       de->d_name);
				break;
			}
			fd = openat(l->fd, de->d_name,
				    LFS_DIRFLAGS | O_NOFOLLOW | O_CLOEXEC);
			if (l->len)
				path[l->len] = '/';
			memcpy(path + l->len + !!l->len, de->d_name, nl + 1);
			if (fd < 0) {
				rc = lfs_tar_errno(m->err, -errno, "entry",
						   path, "cannot open it");
				break;
			}
			if (!l->buf) {
				/* the shared buffer is the child's now */
				close(l->fd);
				l->fd = -1;
				l->n = l->off = 0;
			}
			l = &lv[++depth];
			if (depth < LFS_WALK_FDS && !l->buf)
				l->buf = malloc(LFS_WALK_BUF);
			l->fd = fd;
			l->at_pos = 1;
			l->pos = 0;
			l->len = lv[depth - 1].len + !!lv[depth - 1].len + nl;
			l->n = l->off = 0;
			if (depth < LFS_WALK_FDS && !l->buf) {
				rc = lfs_tar_errno(m->err, -ENOMEM, "entry",
						   path, "cannot read it");
				break;
			}
			continue;
		}
		/* all its subdirectories done: the directory itself */
		rc = lfs_imp_dir_apply(m, l->fd, path, &applied);
		close(l->fd);
		l->fd = -1;
		if (rc || !depth)
			break;
		depth--;
		path[lv[depth].len] = '\0';
	}
	for (i = 0; i <= depth; i++)
		if (lv[i].fd >= 0)
			close(lv[i].fd);
	for (i = 0; i < LFS_WALK_FDS; i++)
		free(lv[i].buf);
	free(lv);
	free(buf);
	if (!rc && applied != m->n_dirs) {
		for (i = 0; i < m->n_ldirs && m->ldirs[i].done; i++)
			;
		if (i < m->n_ldirs)
			lfs_err_set(m->err, 0,
				    "entry '%s': its directory was not found at the end, to set its owner, mode and times",
				    m->ldirs[i].rel);
		else
			lfs_err_set(m->err, 0,
				    "%zu directories of the layer were not found at the end",
				    m->n_dirs - applied);
		rc = -EIO;
	}
	return rc;
}


/* An entry's name, cleaned: REL, its PARENT and its last component. */
struct lfs_imp_name {
	char rel[PATH_MAX];
	char parent[PATH_MAX];
	const char *base;
};

/*
 * The directories on @n's path: none may have a whiteout's name (".wh.*"),
 * which a layer cannot hold as a directory (export, save and push refuse
 * it; other tools would read it back as a whiteout), and which the
 * entry's parents would otherwise be made with.
 */
static int lfs_imp_name_dirs(struct lfs_imp *m, const struct lfs_imp_name *n)
{
	const char *c = n->parent;
	size_t len;

	while (*c) {
		len = strcspn(c, "/");
		if (!strncmp(c, LFS_WH_PREFIX, strlen(LFS_WH_PREFIX))) {
			lfs_err_set(m->err, 0,
				    "entry '%s': its directory '%.*s' has a name reserved for whiteouts by the OCI layer format (%s*)",
				    n->rel, (int)len, c, LFS_WH_PREFIX);
			return -EINVAL;
		}
		c += len;
		c += *c == '/';
	}
	return 0;
}

static int lfs_imp_name(struct lfs_imp *m, const char *raw,
			struct lfs_imp_name *n)
{
	struct lfs_err pe = LFS_ERR_INIT;
	char *slash;
	int rc;

	if (!raw) {
		lfs_err_set(m->err, 0, "entry with an unreadable name");
		return -EINVAL;
	}
	rc = lfs_oci_clean_path(raw, n->rel, sizeof(n->rel), &pe);
	if (rc) {
		lfs_err_set(m->err, 0, "entry '%s': %s", raw,
			    rc == -ENAMETOOLONG ? "name too long" : pe.msg);
		return rc;
	}
	slash = strrchr(n->rel, '/');
	if (slash) {
		memcpy(n->parent, n->rel, (size_t)(slash - n->rel));
		n->parent[slash - n->rel] = '\0';
		n->base = slash + 1;
	} else {
		n->parent[0] = '\0';
		n->base = n->rel;
	}
	if (strlen(n->base) > NAME_MAX) {
		lfs_err_set(m->err, 0, "entry '%s': name too long", n->rel);
		return -ENAMETOOLONG;
	}
	return lfs_imp_name_dirs(m, n);
}

/* The root directory itself ("./"). */
static int lfs_imp_root(struct lfs_imp *m, struct archive_entry *e,
			const char *raw)
{
	int rc;

	if (archive_entry_filetype(e) != AE_IFDIR ||
	    archive_entry_hardlink(e)) {
		lfs_err_set(m->err, 0, "entry '%s': the root must be a directory",
			    raw);
		return -EINVAL;
	}
	rc = lfs_seen_add(&m->seen, "", SEEN_DIR);
	if (rc == -EEXIST)
		lfs_err_set(m->err, 0, "entry '%s': duplicate entry", raw);
	if (rc)
		return rc;
	return lfs_imp_dir(m, e, m->rootfd, ".", "");
}

/* Refuses the entry types a layer cannot hold. */
static int lfs_imp_check_type(struct lfs_imp *m, struct archive_entry *e,
			      const char *rel)
{
	mode_t type = archive_entry_filetype(e);

	if (type != AE_IFDIR && type != AE_IFREG && type != AE_IFLNK &&
	    type != AE_IFIFO && type != AE_IFCHR && type != AE_IFBLK) {
		lfs_err_set(m->err, 0, "entry '%s': unsupported entry type", rel);
		return -EINVAL;
	}
	if (type != AE_IFCHR && type != AE_IFBLK)
		return 0;
	if (type == AE_IFCHR && archive_entry_rdev(e) == 0) {
		lfs_err_set(m->err, 0,
			    "entry '%s': a 0/0 character device is the layer's own whiteout format: a tarball says .wh.NAME",
			    rel);
		return -EINVAL;
	}
	if (!m->opts->allow_devices) {
		lfs_err_set(m->err, 0,
			    "entry '%s': device node, and the caller is not root",
			    rel);
		return -EPERM;
	}
	return 0;
}

/*
 * What the entry is (a whiteout, an opaque marker, or a node: *@wk, the
 * whiteout's *@target), checked and recorded as seen, so that a name
 * comes once.
 */
static int lfs_imp_classify(struct lfs_imp *m, struct archive_entry *e,
			    const struct lfs_imp_name *n,
			    enum lfs_wh_kind *wk, const char **target)
{
	mode_t type = archive_entry_filetype(e);
	int hl = archive_entry_hardlink(e) != NULL, kind, rc;
	char key[PATH_MAX + 16];

	*wk = lfs_oci_whiteout_kind(n->base, target);
	if (*wk == LFS_WH_BAD) {
		lfs_err_set(m->err, 0, "entry '%s': malformed whiteout name",
			    n->rel);
		return -EINVAL;
	}
	if (*wk == LFS_WH_FILE) {
		snprintf(key, sizeof(key), "%s%s%s", n->parent,
			 *n->parent ? "/" : "", *target);
		kind = SEEN_WHITEOUT;
	} else {
		snprintf(key, sizeof(key), "%s", n->rel);
		kind = *wk == LFS_WH_OPQ ? SEEN_OPQ :
			type == AE_IFDIR ? SEEN_DIR :
			type == AE_IFREG && !hl ? SEEN_FILE : SEEN_OTHER;
	}
	if (*wk == LFS_WH_NONE && !hl) {
		rc = lfs_imp_check_type(m, e, n->rel);
		if (rc)
			return rc;
	}
	rc = lfs_seen_add(&m->seen, key, kind);
	if (rc == -EEXIST)
		lfs_err_set(m->err, 0, "entry '%s': duplicate entry", n->rel);
	return rc;
}

/* A whiteout (a 0/0 character device) or an opaque marker (an xattr). */
static int lfs_imp_whiteout(struct lfs_imp *m, struct archive_entry *e,
			    int pfd, enum lfs_wh_kind wk, const char *target,
			    const char *rel)
{
	int rc = 0;

	if (wk == LFS_WH_OPQ) {
		if (fsetxattr(pfd, LFS_OPQ_XATTR, "y", 1, 0))
			rc = lfs_tar_errno(m->err, -errno, "entry", rel,
					   "cannot mark its directory opaque");
		return rc;
	}
	if (mknodat(pfd, target, S_IFCHR, makedev(0, 0)))
		return lfs_imp_create_err(m, rel);
	return lfs_imp_meta(m, e, -1, pfd, target, 0, 0, rel);
}

/* A hard link to @hl, an earlier file of the layer. */
static int lfs_imp_hardlink(struct lfs_imp *m, int pfd,
			    const struct lfs_imp_name *n, const char *hl)
{
	struct lfs_err pe = LFS_ERR_INIT;
	struct lfs_seen_ent *se;
	char hrel[PATH_MAX], *slash;
	int tpfd, rc;

	rc = lfs_oci_clean_path(hl, hrel, sizeof(hrel), &pe);
	if (rc) {
		lfs_err_set(m->err, 0, "entry '%s': hard link target '%s': %s",
			    n->rel, hl,
			    rc == -ENAMETOOLONG ? "name too long" : pe.msg);
		return rc;
	}
	se = lfs_seen_find(&m->seen, hrel);
	if (!se || (se->kind != SEEN_FILE && se->kind != SEEN_OTHER) ||
	    !strcmp(hrel, n->rel)) {
		lfs_err_set(m->err, 0,
			    "entry '%s': hard link to '%s', which is not an earlier file of the layer",
			    n->rel, hrel);
		return -EINVAL;
	}
	slash = strrchr(hrel, '/');
	if (slash)
		*slash = '\0';
	tpfd = slash ? lfs_openat2(m->rootfd, hrel, LFS_DIRFLAGS) :
		dup(m->rootfd);
	if (tpfd < 0)
		return lfs_tar_errno(m->err, slash ? tpfd : -errno, "entry",
				     n->rel,
				     "cannot open the directory of its hard link's target");
	rc = linkat(tpfd, slash ? slash + 1 : hrel, pfd, n->base, 0);
	if (rc)
		rc = lfs_imp_create_err(m, n->rel);
	close(tpfd);
	return rc;
}

/* A file, directory, symlink, fifo or device node. */
static int lfs_imp_node(struct lfs_imp *m, struct archive_entry *e, int pfd,
			const struct lfs_imp_name *n)
{
	mode_t type = archive_entry_filetype(e);
	const char *target;
	int rc;

	switch (type) {
	case AE_IFREG:
		return lfs_imp_file(m, e, pfd, n->base, n->rel);
	case AE_IFDIR:
		return lfs_imp_dir(m, e, pfd, n->base, n->rel);
	case AE_IFLNK:
		target = archive_entry_symlink(e);
		if (!target || !*target) {
			lfs_err_set(m->err, 0,
				    "entry '%s': symlink without a target", n->rel);
			return -EINVAL;
		}
		rc = symlinkat(target, pfd, n->base);
		m->st->size += strlen(target);
		break;
	default:	/* fifo, char, block */
		rc = mknodat(pfd, n->base, type | 0600, archive_entry_rdev(e));
		break;
	}
	if (rc)
		return lfs_imp_create_err(m, n->rel);
	return lfs_imp_meta(m, e, -1, pfd, n->base, type == AE_IFLNK, 1,
			    n->rel);
}

static int lfs_imp_entry(struct lfs_imp *m, struct archive_entry *e)
{
	const char *raw = archive_entry_pathname(e), *target = NULL;
	const char *hl = archive_entry_hardlink(e);
	struct lfs_imp_name n;
	enum lfs_wh_kind wk;
	int pfd, rc;

	rc = lfs_imp_name(m, raw, &n);
	if (!rc)
		rc = lfs_imp_check_xattrs(m, e, n.rel);
	if (rc)
		return rc;
	if (!*n.rel)
		return lfs_imp_root(m, e, raw);
	rc = lfs_imp_classify(m, e, &n, &wk, &target);
	if (rc)
		return rc;
	pfd = lfs_imp_parent(m, n.parent, 1, n.rel);
	if (pfd < 0)
		return pfd;
	if (wk != LFS_WH_OPQ && (archive_entry_filetype(e) != AE_IFDIR || hl))
		m->st->files++;
	if (wk != LFS_WH_NONE)
		return lfs_imp_whiteout(m, e, pfd, wk, target, n.rel);
	if (hl)
		return lfs_imp_hardlink(m, pfd, &n, hl);
	return lfs_imp_node(m, e, pfd, &n);
}

/* The rest of the stream (tar padding): hashed, and within the limits. */
static int lfs_imp_drain(struct lfs_imp *m)
{
	int slot;

	while ((slot = lfs_pipe_pop(&m->pipe)) >= 0) {
		m->tar_size += m->pipe.len[slot];
		if (lfs_imp_stream_over(m))
			return -EFBIG;
	}
	return 0;
}

/*
 * The readers: the decompressing one on its own thread (format "raw",
 * filters gzip/zstd), and the tar reader fed by it.
 */
static int lfs_imp_open(struct lfs_imp *m)
{
	struct archive_entry *e;
	int rc, gzip = 0;

	m->crc = crc32(0L, Z_NULL, 0);
	m->inbuf = m->fd >= 0 ? malloc(LFS_IO_CHUNK) : NULL;
	m->md_blob = lfs_md_new();
	m->md_tar = lfs_md_new();
	m->raw = archive_read_new();
	m->tar = archive_read_new();
	if ((m->fd >= 0 && !m->inbuf) || !m->md_blob || !m->md_tar ||
	    !m->raw || !m->tar || lfs_pipe_init(&m->pipe))
		return -ENOMEM;
	rc = lfs_imp_open_gzip(m, &gzip);
	if (rc)
		return rc;
	if (gzip)
		goto threads;
	if (archive_read_support_filter_gzip(m->raw) != ARCHIVE_OK ||
	    archive_read_support_filter_zstd(m->raw) != ARCHIVE_OK ||
	    archive_read_support_format_raw(m->raw) != ARCHIVE_OK ||
	    archive_read_open(m->raw, m, NULL, lfs_imp_raw_cb,
			      NULL) != ARCHIVE_OK ||
	    archive_read_next_header(m->raw, &e) != ARCHIVE_OK) {
		if (m->in_err)
			return lfs_err_set(m->err, -m->in_err,
					   "cannot read the input");
		lfs_err_set(m->err, 0, "not a tar, tar.gz or tar.zst stream: %s",
			    archive_error_string(m->raw) ?
			    archive_error_string(m->raw) : "empty input");
		return -EINVAL;
	}
	m->filter = archive_filter_code(m->raw, 0);
threads:
	m->pipe.tap = m->filter != ARCHIVE_FILTER_NONE;
	rc = pthread_create(&m->pipe.thr, NULL,
			    gzip ? lfs_imp_inflater : lfs_imp_worker, m);
	if (rc)
		return lfs_err_set(m->err, -rc, "cannot start a thread");
	m->pipe.started = 1;
	if (m->pipe.tap) {
		rc = pthread_create(&m->pipe.tap_thr, NULL, lfs_imp_hasher, m);
		if (rc)
			return lfs_err_set(m->err, -rc, "cannot start a thread");
		m->pipe.tap_started = 1;
	}
	if (archive_read_support_format_tar(m->tar) != ARCHIVE_OK ||
	    archive_read_open(m->tar, m, NULL, lfs_imp_tar_cb,
			      NULL) != ARCHIVE_OK) {
		lfs_err_set(m->err, 0, "not a tar archive: %s",
			    archive_error_string(m->tar) ?
			    archive_error_string(m->tar) : "empty input");
		return -EINVAL;
	}
	return 0;
}

/* Every entry of the tar, within the limits. */
static int lfs_imp_entries(struct lfs_imp *m)
{
	struct archive_entry *e;
	la_ssize_t r;
	int rc;

	for (;;) {
		/* only the headers: what is left of the last entry is read */
		lfs_tar_hdr_begin(&m->hdr, m->tar_size);
		r = archive_read_next_header(m->tar, &e);
		lfs_tar_hdr_end(&m->hdr);
		if (r == ARCHIVE_EOF)
			return 0;
		if (r != ARCHIVE_OK && r != ARCHIVE_WARN)
			return lfs_imp_read_err(m, NULL, -EINVAL);
		rc = lfs_imp_limits(m, e);
		if (!rc)
			rc = lfs_imp_entry(m, e);
		/* data not extracted (a hard link's), within the limits */
		if (!rc && archive_read_data_skip(m->tar) != ARCHIVE_OK)
			rc = lfs_imp_read_err(m, archive_entry_pathname(e),
					      -EIO);
		if (rc)
			return rc;
	}
}

/*
 * libarchive does not check the gzip trailer: compare its CRC-32 (unless
 * the caller checks the diff_id, a stronger check) and length with the
 * stream's (a single-member gzip file, as every OCI tool
 * writes; a multi-member one is refused here).
 */
static int lfs_imp_gzip_trailer(struct lfs_imp *m)
{
	int crc_ok = m->opts->diff_id_checked ||
		     (m->tail[0] == (m->crc & 0xff) &&
		      m->tail[1] == ((m->crc >> 8) & 0xff) &&
		      m->tail[2] == ((m->crc >> 16) & 0xff) &&
		      m->tail[3] == (m->crc >> 24));

	if (m->filter != ARCHIVE_FILTER_GZIP ||
	    (crc_ok &&
	     m->tail[4] == (m->tar_size & 0xff) &&
	     m->tail[5] == ((m->tar_size >> 8) & 0xff) &&
	     m->tail[6] == ((m->tar_size >> 16) & 0xff) &&
	     m->tail[7] == ((m->tar_size >> 24) & 0xff)))
		return 0;
	lfs_err_set(m->err, 0,
		    "corrupt archive: the gzip CRC-32 or length does not match the data");
	return -EINVAL;
}

/*
 * After the last entry: the tar padding, the decompressing thread's end,
 * the rest of the input after the compressed stream (hashed with the
 * blob; none after a gzip stream inflated here), the gzip trailer.
 */
static int lfs_imp_finish(struct lfs_imp *m)
{
	uint64_t after;
	const void *p;
	ssize_t r;
	int rc;

	rc = lfs_imp_drain(m);
	if (rc)
		return rc;
	pthread_join(m->pipe.thr, NULL);
	m->pipe.started = 0;
	if (m->pipe.tap_started) {
		pthread_join(m->pipe.tap_thr, NULL);
		m->pipe.tap_started = 0;
	}
	if (m->pipe.err) {
		if (m->in_err)
			return lfs_err_set(m->err, -m->in_err,
					   "cannot read the input");
		lfs_err_set(m->err, 0, "corrupt or truncated archive: %s",
			    m->raw_err);
		return -EINVAL;
	}
	after = m->zs_on ? m->zs.avail_in : 0;
	do {
		r = lfs_imp_in(m, &p);
		if (r > 0)
			after += (uint64_t)r;
	} while (r > 0);
	if (r < 0)
		return lfs_err_set(m->err, -m->in_err, "cannot read the input");
	if (m->zs_on && after) {
		lfs_err_set(m->err, 0,
			    "corrupt archive: %llu bytes after the end of the gzip stream",
			    (unsigned long long)after);
		return -EINVAL;
	}
	return lfs_imp_gzip_trailer(m);
}

/* The digests and sizes into st->d. */
static int lfs_imp_digests(struct lfs_imp *m)
{
	struct lfs_tar_digests *d = &m->st->d;

	lfs_md_final(m->md_blob, d->digest);
	if (m->opts->blob_checked && m->filter != ARCHIVE_FILTER_NONE)
		d->digest[0] = '\0';	/* not computed: the caller's */
	if (m->filter != ARCHIVE_FILTER_NONE) {
		lfs_md_final(m->md_tar, d->diff_id);
	} else if (m->tar_size == m->blob_size) {
		memcpy(d->diff_id, d->digest, LFS_DIGEST_LEN);
	} else {
		lfs_err_set(m->err, 0, "read %llu bytes but passed on %llu",
			    (unsigned long long)m->blob_size,
			    (unsigned long long)m->tar_size);
		return -EIO;
	}
	d->tar_size = m->tar_size;
	d->blob_size = m->blob_size;
	return 0;
}

static void lfs_imp_free(struct lfs_imp *m)
{
	/* stop the decompressing thread before freeing what it uses */
	lfs_pipe_destroy(&m->pipe);
	if (m->tar)
		archive_read_free(m->tar);
	if (m->raw)
		archive_read_free(m->raw);
	if (m->zs_on)
		inflateEnd(&m->zs);
	EVP_MD_CTX_free(m->md_blob);
	EVP_MD_CTX_free(m->md_tar);
	lfs_seen_free(&m->seen);
	free(m->dirs);
	while (m->n_ldirs)
		free(m->ldirs[--m->n_ldirs].rel);
	free(m->ldirs);
	if (m->pcache_fd >= 0)
		close(m->pcache_fd);
	free(m->pcache);
	free(m->inbuf);
}

int lfs_tar_import(int fd, const void *mem, size_t memlen, int rootfd,
		   const struct lfs_tar_import_opts *opts,
		   struct lfs_tar_import_stats *st, struct lfs_err *err)
{
	struct lfs_imp m = {
		.feed = opts->feed, .fd = opts->feed ? -1 : fd,
		.mem = mem, .memlen = memlen, .rootfd = rootfd,
		.opts = opts, .st = st, .pcache_fd = -1,
		.err = err, .peek_len = -1,
	};
	int rc;

	if (err)
		lfs_err_clear(err);
	lfs_utf8_locale();
	memset(st, 0, sizeof(*st));
	m.stream_max = lfs_tar_stream_max(&opts->limits);
	rc = lfs_imp_open(&m);
	if (!rc)
		rc = lfs_imp_entries(&m);
	if (!rc)
		rc = lfs_imp_finish(&m);
	if (!rc)
		rc = lfs_imp_apply_dirs(&m);
	if (!rc)
		rc = lfs_imp_digests(&m);
	if (rc && err && !err->msg[0])
		lfs_err_set(err, rc, "%s", "");
	lfs_imp_free(&m);
	return rc;
}
