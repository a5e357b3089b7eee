// SPDX-License-Identifier: GPL-2.0
/*
 * The importer's stream (tarimp.h): the input (a file descriptor, memory
 * or a pull's feed) read and hashed into the blob digest; gzip inflated
 * by zlib straight into the queue's slots, anything else through one
 * libarchive reader (format "raw", filter zstd), on the decompressing
 * thread; the tap's thread hashing the decompressed tar (the diff_id);
 * the tar reader's input from the queue, within the limits; and, after
 * the last entry, the rest of the stream and the digests.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tarimp.h"

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
int lfs_imp_stream_over(struct lfs_imp *m)
{
	if (!m->stream_max || m->tar_size <= m->stream_max)
		return 0;
	lfs_err_set(m->err, 0,
		   "more than %llu bytes uncompressed, more than the limits allow: see --max-size and --max-entries",
		   (unsigned long long)m->stream_max);
	return 1;
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
int lfs_imp_open(struct lfs_imp *m)
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
int lfs_imp_finish(struct lfs_imp *m)
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
int lfs_imp_digests(struct lfs_imp *m)
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
