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
			return lfs_err_prefix(e, lfs_err_set(e, -EINVAL, "not a directory"),
					      "member '%s'", clean);
		if (*clean && mkdirat(dirfd, clean, 0755) && errno != EEXIST)
			return lfs_err_set(e, -errno, "member '%s'", clean);
		return 0;
	}
	if (type != AE_IFREG)
		return lfs_err_prefix(e, lfs_err_set(e, -EINVAL, "not a regular file"),
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

int lfs_layout_tar_read(FILE *in, int infd, int dirfd,
			const struct lfs_tar_limits *lim, struct lfs_err *e)
{
	struct archive *a = archive_read_new();
	struct archive_entry *ent;
	char clean[512];
	uint64_t count = 0, total = 0;
	int rc = 0, r, kind;

	if (!a)
		return lfs_err_set(e, -ENOMEM, "tar");
	lfs_utf8_locale();
	/*
	 * Only the compressions docker load reads, all in-process: "all"
	 * would hand an archive that names lzop, lrzip or grzip to that
	 * program, found on PATH.
	 */
	if (archive_read_support_filter_gzip(a) != ARCHIVE_OK ||
	    archive_read_support_filter_bzip2(a) != ARCHIVE_OK ||
	    archive_read_support_filter_xz(a) != ARCHIVE_OK ||
	    archive_read_support_filter_zstd(a) != ARCHIVE_OK) {
		rc = lfs_ltar_error(a, e, "tar");
		archive_read_free(a);
		return rc;
	}
	archive_read_support_format_tar(a);
	if ((in ? archive_read_open_FILE(a, in) :
		  archive_read_open_fd(a, infd, LFS_IO_CHUNK)) != ARCHIVE_OK) {
		rc = lfs_ltar_error(a, e, "not a tar archive");
		archive_read_free(a);
		return rc;
	}
	while (!rc && (r = archive_read_next_header(a, &ent)) != ARCHIVE_EOF) {
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
			rc = lfs_err_prefix(e, lfs_err_set(e, -EINVAL, "unsafe path"),
					    "member '%s'", archive_entry_pathname(ent));
		else if (kind == LFS_MEMBER_OTHER)
			archive_read_data_skip(a);
		else
			rc = lfs_ltar_member(a, ent, dirfd, clean, kind, lim,
					     &total, e);
	}
	archive_read_free(a);
	return rc;
}
