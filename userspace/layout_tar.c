// SPDX-License-Identifier: GPL-2.0
/* An OCI image layout in one tar: see layout_tar.h. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>
#include <lzma.h>

#include "fsdir.h"
#include "layout_tar.h"
#include "oci.h"
#include "tarpriv.h"

/*
 * libarchive's failure with its text in @e: -errno for a system error,
 * else (a malformed archive: libarchive says EILSEQ) -EINVAL with no
 * errno text.
 */
static int lfs_ltar_error(struct archive *a, struct lfs_err *e,
			  const char *what)
{
	const char *text = archive_error_string(a);
	int err = archive_errno(a);

	if (!text)
		text = "tar error";
	if (err <= 0 || err == EILSEQ) {
		lfs_err_set(e, 0, "%s: %s", what, text);
		return -EINVAL;
	}
	return lfs_err_set(e, -err, "%s: %s", what, text);
}

/* One header: @name, a directory if @size is negative. */
static int lfs_ltar_header(struct archive *a, const char *name, int64_t size,
			   struct lfs_err *e)
{
	struct archive_entry *ent = archive_entry_new();
	int rc = 0;

	if (!ent)
		return lfs_err_named(e, -ENOMEM, "cannot make its header",
				     "member '%s'", name);
	archive_entry_set_pathname(ent, name);
	archive_entry_set_filetype(ent, size < 0 ? AE_IFDIR : AE_IFREG);
	archive_entry_set_perm(ent, size < 0 ? 0755 : 0644);
	archive_entry_set_size(ent, size < 0 ? 0 : size);
	archive_entry_set_uid(ent, 0);
	archive_entry_set_gid(ent, 0);
	archive_entry_set_mtime(ent, 0, 0);
	if (archive_write_header(a, ent) != ARCHIVE_OK)
		rc = lfs_ltar_error(a, e, name);
	archive_entry_free(ent);
	return rc;
}

/*
 * The file @name of @dirfd as the member @name (missing: -ENOENT, said
 * in @e as every failure).
 */
static int lfs_ltar_file(struct archive *a, int dirfd, const char *name,
			 struct lfs_err *e)
{
	static char buf[LFS_IO_CHUNK];
	struct stat st;
	ssize_t n;
	int fd, rc;

	fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return lfs_err_named(e, -errno, "cannot read it",
				     "file '%s'", name);
	if (fstat(fd, &st)) {
		rc = lfs_err_named(e, -errno, "cannot read it",
				   "file '%s'", name);
		close(fd);
		return rc;
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return lfs_err_named(e, -EINVAL, "not a regular file",
				     "file '%s'", name);
	}
	rc = lfs_ltar_header(a, name, st.st_size, e);
	while (!rc && (n = read(fd, buf, sizeof(buf))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			rc = lfs_err_named(e, -errno, "cannot read it",
					   "file '%s'", name);
		else if (archive_write_data(a, buf, (size_t)n) != n)
			rc = lfs_ltar_error(a, e, name);
	}
	close(fd);
	return rc;
}

/* The blobs, in name order. */
static int lfs_ltar_blobs(struct archive *a, int dirfd, struct lfs_err *e)
{
	char **names = NULL, path[sizeof(LFS_BLOB_DIR) + 300];
	size_t n = 0, i;
	int fd, rc;

	fd = openat(dirfd, LFS_BLOB_DIR, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return lfs_err_named(e, -errno, "cannot read it",
				     "directory '%s'", LFS_BLOB_DIR);
	rc = lfs_dir_names(fd, &names, &n);
	close(fd);
	if (rc)
		return lfs_err_named(e, rc, "cannot read it",
				     "directory '%s'", LFS_BLOB_DIR);
	rc = lfs_ltar_header(a, "blobs/", -1, e);
	if (!rc)
		rc = lfs_ltar_header(a, LFS_BLOB_DIR "/", -1, e);
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), LFS_BLOB_DIR "/%s", names[i]);
		if (!rc && names[i][0] != '.')
			rc = lfs_ltar_file(a, dirfd, path, e);
		free(names[i]);
	}
	free(names);
	return rc;
}

int lfs_layout_tar_write(int dirfd, FILE *out, int outfd, struct lfs_err *e)
{
	static const char *const top[] = {
		"oci-layout", "index.json", "manifest.json",
	};
	struct archive *a = archive_write_new();
	size_t i;
	int rc;

	if (!a)
		return lfs_err_set(e, -ENOMEM, "tar");
	lfs_utf8_locale();
	/* no padding to 10 KiB blocks: a file and a pipe get the same bytes */
	if (archive_write_set_format_pax_restricted(a) != ARCHIVE_OK ||
	    archive_write_set_bytes_in_last_block(a, 1) != ARCHIVE_OK ||
	    (out ? archive_write_open_FILE(a, out) :
		   archive_write_open_fd(a, outfd)) != ARCHIVE_OK) {
		rc = lfs_ltar_error(a, e, "tar");
		archive_write_free(a);
		return rc;
	}
	for (i = 0, rc = 0; i < sizeof(top) / sizeof(top[0]) && !rc; i++) {
		rc = lfs_ltar_file(a, dirfd, top[i], e);
		/* manifest.json is optional */
		if (rc == -ENOENT && i == 2) {
			lfs_err_clear(e);
			rc = 0;
		}
	}
	if (!rc)
		rc = lfs_ltar_blobs(a, dirfd, e);
	if (archive_write_close(a) != ARCHIVE_OK && !rc)
		rc = lfs_ltar_error(a, e, "tar");
	archive_write_free(a);
	return rc;
}

/*
 * The error of a member that takes the archive's members past --max-size:
 * a text that says it all (code 0), -EFBIG returned.
 */
static int lfs_ltar_too_big(const char *name, const struct lfs_tar_limits *lim,
			    struct lfs_err *e)
{
	lfs_err_set(e, 0,
		    "member '%s': the archive's members add up to more than %llu bytes: see --max-size",
		    name, (unsigned long long)lim->max_size);
	return -EFBIG;
}

/*
 * Writes the data of the current member into @fd, adding it to @total,
 * which stays within @lim->max_size (when set) whatever the header said.
 */
static int lfs_ltar_copy(struct archive *a, int fd, const char *name,
			 const struct lfs_tar_limits *lim, uint64_t *total,
			 struct lfs_err *e)
{
	static char buf[LFS_IO_CHUNK];
	la_ssize_t n;
	int rc;

	while ((n = archive_read_data(a, buf, sizeof(buf))) > 0) {
		*total += (uint64_t)n;
		if (lim->max_size && *total > lim->max_size)
			return lfs_ltar_too_big(name, lim, e);
		rc = lfs_write_all(fd, buf, (size_t)n);
		if (rc)
			return lfs_err_set(e, rc, "member '%s'", name);
	}
	return n < 0 ? lfs_ltar_error(a, e, name) : 0;
}

/* One layout member @clean of type @kind. */
static int lfs_ltar_member(struct archive *a, struct archive_entry *ent,
			   int dirfd, const char *clean, int kind,
			   const struct lfs_tar_limits *lim, uint64_t *total,
			   struct lfs_err *e)
{
	mode_t type = archive_entry_filetype(ent);
	int fd, rc;

	if (kind == LFS_MEMBER_DIR) {
		if (type != AE_IFDIR)
			return lfs_err_named(e, -EINVAL, "not a directory",
					     "member '%s'", clean);
		if (*clean && mkdirat(dirfd, clean, 0755) && errno != EEXIST)
			return lfs_err_set(e, -errno, "member '%s'", clean);
		return 0;
	}
	if (type != AE_IFREG)
		return lfs_err_named(e, -EINVAL, "not a regular file",
				     "member '%s'", clean);
	if (lim->max_entry_size && archive_entry_size_is_set(ent) &&
	    (uint64_t)archive_entry_size(ent) > lim->max_entry_size) {
		lfs_err_set(e, 0, "member '%s': larger than %llu bytes: see --max-entry-size",
			    clean, (unsigned long long)lim->max_entry_size);
		return -EFBIG;
	}
	if (lim->max_size && archive_entry_size_is_set(ent) &&
	    (uint64_t)archive_entry_size(ent) > lim->max_size - *total)
		return lfs_ltar_too_big(clean, lim, e);
	if (!strncmp(clean, LFS_BLOB_DIR "/", sizeof(LFS_BLOB_DIR)) &&
	    ((mkdirat(dirfd, "blobs", 0755) && errno != EEXIST) ||
	     (mkdirat(dirfd, LFS_BLOB_DIR, 0755) && errno != EEXIST)))
		return lfs_err_set(e, -errno, "member '%s'", clean);
	fd = openat(dirfd, clean, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
		    O_CLOEXEC, 0644);
	if (fd < 0)
		return lfs_err_set(e, -errno, "member '%s'%s", clean,
				   errno == EEXIST ? ": given twice" : "");
	rc = lfs_ltar_copy(a, fd, clean, lim, total, e);
	if (close(fd) && !rc)
		rc = lfs_err_set(e, -errno, "member '%s'", clean);
	return rc;
}

/*
 * The memory the xz decoder may take: the dictionary an xz header names
 * (xz -9 uses 64 MiB; a header may name 4 GiB), which it fills as the
 * data comes out.
 */
#define LFS_LTAR_XZ_MEMLIMIT	(256ULL << 20)

/*
 * The archive is read in two: its decompression (format "raw", and xz
 * here, with liblzma's memory limit, which libarchive does not set), and
 * the tar of what that gives, fed by lfs_ltar_in_cb(), which counts what
 * reading one member's headers takes of the tar stream: libarchive holds
 * all of it in memory (a GNU sparse map, LFS_TAR_HEADER_MAX).
 */
struct lfs_ltar_in {
	struct archive *raw;
	int xz;			/* raw gives xz, decoded into buf by lz */
	lzma_stream lz;
	size_t pending;		/* raw bytes in xzbuf not yet handed on */
	int raw_eof;
	int xz_end;		/* lz has decoded it all */
	uint64_t xz_need;	/* memory the xz stream needs, over the limit */
	char buf[LFS_IO_CHUNK];
	unsigned char xzbuf[LFS_IO_CHUNK];	/* what raw gave */
	uint64_t pos;		/* tar bytes passed on */
	struct lfs_tar_hdr hdr;	/* the headers read, by pos */
};

/* Some of the xz stream decoded into in->buf: its length, 0 at the end. */
static la_ssize_t lfs_ltar_xz(struct archive *a, struct lfs_ltar_in *in)
{
	lzma_ret r = LZMA_OK;
	la_ssize_t n;

	in->lz.next_out = (uint8_t *)in->buf;
	in->lz.avail_out = sizeof(in->buf);
	while (in->lz.avail_out == sizeof(in->buf) && !in->xz_end) {
		if (!in->lz.avail_in && !in->raw_eof) {
			n = archive_read_data(in->raw, in->xzbuf,
					      sizeof(in->xzbuf));
			if (n < 0) {
				archive_copy_error(a, in->raw);
				return -1;
			}
			in->raw_eof = !n;
			in->lz.next_in = in->xzbuf;
			in->lz.avail_in = (size_t)n;
		}
		r = lzma_code(&in->lz, in->raw_eof ? LZMA_FINISH : LZMA_RUN);
		in->xz_end = r == LZMA_STREAM_END;
		if (r == LZMA_MEMLIMIT_ERROR) {
			in->xz_need = lzma_memusage(&in->lz);
			archive_set_error(a, EFBIG, "xz: memory limit");
			return -1;
		}
		if (r != LZMA_OK && r != LZMA_STREAM_END) {
			archive_set_error(a, EILSEQ, "xz: %s",
					  r == LZMA_BUF_ERROR ? "truncated input" :
					  "corrupt data");
			return -1;
		}
	}
	return (la_ssize_t)(sizeof(in->buf) - in->lz.avail_out);
}

static la_ssize_t lfs_ltar_in_cb(struct archive *a, void *arg,
				 const void **buf)
{
	struct lfs_ltar_in *in = arg;
	la_ssize_t n;

	if (in->xz) {
		n = lfs_ltar_xz(a, in);
	} else if (in->pending) {	/* what was read to tell xz */
		memcpy(in->buf, in->xzbuf, in->pending);
		n = (la_ssize_t)in->pending;
		in->pending = 0;
	} else {
		n = archive_read_data(in->raw, in->buf, sizeof(in->buf));
		if (n < 0)
			archive_copy_error(a, in->raw);
	}
	if (n < 0)
		return -1;
	in->pos += (uint64_t)n;
	if (lfs_tar_hdr_check(&in->hdr, in->pos)) {
		archive_set_error(a, EFBIG, "headers too large");
		return -1;
	}
	*buf = in->buf;
	return n;
}

/*
 * The first bytes that libarchive passes on as they are: an xz stream
 * (its magic) is decoded by lfs_ltar_xz(), anything else handed to the
 * tar reader as it is.
 */
static int lfs_ltar_sniff(struct lfs_ltar_in *li, struct lfs_err *e)
{
	static const unsigned char magic[6] = { 0xfd, '7', 'z', 'X', 'Z', 0 };
	la_ssize_t n;

	if (archive_filter_code(li->raw, 0) != ARCHIVE_FILTER_NONE)
		return 0;
	n = archive_read_data(li->raw, li->xzbuf, sizeof(li->xzbuf));
	if (n < 0)
		return lfs_ltar_error(li->raw, e, "not a tar archive");
	li->pending = (size_t)n;
	if (li->pending < sizeof(magic) ||
	    memcmp(li->xzbuf, magic, sizeof(magic)))
		return 0;
	if (lzma_stream_decoder(&li->lz, LFS_LTAR_XZ_MEMLIMIT,
				LZMA_CONCATENATED) != LZMA_OK)
		return lfs_err_set(e, -ENOMEM, "xz");
	li->xz = 1;
	li->lz.next_in = li->xzbuf;
	li->lz.avail_in = li->pending;
	li->pending = 0;
	return 0;
}

/* 1 with the error in @e if the xz stream wanted more memory than allowed. */
static int lfs_ltar_xz_over(const struct lfs_ltar_in *li, struct lfs_err *e)
{
	if (!li->xz_need)
		return 0;
	lfs_err_set(e, 0, "xz stream: decompressing it takes %llu MiB of memory, more than %llu MiB",
		    (unsigned long long)((li->xz_need + (1 << 20) - 1) >> 20),
		    (unsigned long long)(LFS_LTAR_XZ_MEMLIMIT >> 20));
	return 1;
}

/* The decompressing reader of @in or @infd, then the tar reader @a on it. */
static int lfs_ltar_open(struct archive *a, struct lfs_ltar_in *li, FILE *in,
			 int infd, struct lfs_err *e)
{
	struct archive_entry *ent;
	struct archive *raw = li->raw;
	int rc;

	/*
	 * Only the compressions docker load reads, all in-process: "all"
	 * would hand an archive that names lzop, lrzip or grzip to that
	 * program, found on PATH.  xz: lfs_ltar_sniff().
	 */
	if (archive_read_support_filter_gzip(raw) != ARCHIVE_OK ||
	    archive_read_support_filter_bzip2(raw) != ARCHIVE_OK ||
	    archive_read_support_filter_zstd(raw) != ARCHIVE_OK ||
	    archive_read_support_format_raw(raw) != ARCHIVE_OK)
		return lfs_ltar_error(raw, e, "tar");
	if ((in ? archive_read_open_FILE(raw, in) :
		  archive_read_open_fd(raw, infd, LFS_IO_CHUNK)) != ARCHIVE_OK ||
	    archive_read_next_header(raw, &ent) != ARCHIVE_OK)
		return lfs_ltar_error(raw, e, "not a tar archive");
	rc = lfs_ltar_sniff(li, e);
	if (rc)
		return rc;
	archive_read_support_format_tar(a);
	if (archive_read_open(a, li, NULL, lfs_ltar_in_cb, NULL) != ARCHIVE_OK)
		return lfs_ltar_error(a, e, "not a tar archive");
	return 0;
}

int lfs_layout_tar_read(FILE *in, int infd, int dirfd,
			const struct lfs_tar_limits *lim, struct lfs_err *e)
{
	struct archive *a = archive_read_new();
	struct lfs_ltar_in *li = calloc(1, sizeof(*li));
	struct archive_entry *ent;
	char clean[512];
	uint64_t count = 0, total = 0;
	int rc = 0, r, kind;

	if (li) {
		li->lz = (lzma_stream)LZMA_STREAM_INIT;
		li->raw = archive_read_new();
	}
	if (!a || !li || !li->raw) {
		if (a)
			archive_read_free(a);
		if (li && li->raw)
			archive_read_free(li->raw);
		free(li);
		return lfs_err_set(e, -ENOMEM, "tar");
	}
	lfs_utf8_locale();
	rc = lfs_ltar_open(a, li, in, infd, e);
	while (!rc) {
		/* only the headers: what is left of the last member is read */
		lfs_tar_hdr_begin(&li->hdr, li->pos);
		r = archive_read_next_header(a, &ent);
		lfs_tar_hdr_end(&li->hdr);
		if (r == ARCHIVE_EOF)
			break;
		if (li->hdr.over) {
			lfs_err_set(e, 0, "member %llu of the archive: its headers (PAX records, long names, sparse map) take more than %llu bytes",
				    (unsigned long long)count + 1,
				    (unsigned long long)LFS_TAR_HEADER_MAX);
			rc = -EFBIG;
			break;
		}
		if (r != ARCHIVE_OK && r != ARCHIVE_WARN) {
			rc = lfs_ltar_error(a, e, count ? "tar" : "not a tar archive");
			break;
		}
		if (lim->max_entries && ++count > lim->max_entries) {
			lfs_err_set(e, 0, "more than %llu members: see --max-entries",
				    (unsigned long long)lim->max_entries);
			rc = -EFBIG;
			break;
		}
		kind = lfs_oci_layout_member(archive_entry_pathname(ent), clean,
					     sizeof(clean));
		if (kind == LFS_MEMBER_BAD)
			rc = lfs_err_named(e, -EINVAL, "unsafe path",
					   "member '%s'",
					   archive_entry_pathname(ent));
		else if (kind != LFS_MEMBER_OTHER)	/* others: skipped */
			rc = lfs_ltar_member(a, ent, dirfd, clean, kind, lim,
					     &total, e);
		if (!rc && archive_read_data_skip(a) != ARCHIVE_OK)
			rc = lfs_ltar_error(a, e, "tar");
	}
	/* wherever the decoder stopped (a header, a member's data) */
	if (rc && lfs_ltar_xz_over(li, e))
		rc = -EFBIG;
	archive_read_free(a);
	archive_read_free(li->raw);
	if (li->xz)
		lzma_end(&li->lz);
	free(li);
	return rc;
}
