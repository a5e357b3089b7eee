// SPDX-License-Identifier: GPL-2.0
/*
 * Import size limits (tarlimits.c, and their checks in tar_import.c's
 * lfs_tar_import()): sizes as options give them, the bound on the
 * uncompressed stream, and a compressed bomb stopped by it; the bound
 * on one entry's headers (a sparse map of empty regions), for import and
 * for load's archives.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>
#include <zlib.h>

#include "layout_tar.h"
#include "ocitar.h"
#include "suites.h"
#include "tar_fixture.h"
#include "tarlimits.h"

START_TEST(test_size_parse)
{
	uint64_t v;

	ck_assert_int_eq(lfs_size_parse("0", &v), 0);
	ck_assert_uint_eq(v, 0);
	ck_assert_int_eq(lfs_size_parse("25", &v), 0);
	ck_assert_uint_eq(v, 25);
	ck_assert_int_eq(lfs_size_parse("64G", &v), 0);
	ck_assert_uint_eq(v, 64ULL << 30);
	ck_assert_int_eq(lfs_size_parse("3k", &v), 0);
	ck_assert_uint_eq(v, 3072);
	ck_assert_int_eq(lfs_size_parse("2MiB", &v), 0);
	ck_assert_uint_eq(v, 2 << 20);
	ck_assert_int_eq(lfs_size_parse("1tib", &v), 0);
	ck_assert_uint_eq(v, 1ULL << 40);
	ck_assert_int_eq(lfs_size_parse("15E", &v), 0);
	ck_assert_uint_eq(v, 15ULL << 60);
	ck_assert_int_eq(lfs_size_parse("16E", &v), -EINVAL);	/* 2^64 */
	ck_assert_int_eq(lfs_size_parse("18446744073709551615", &v), 0);
	ck_assert_uint_eq(v, UINT64_MAX);
	ck_assert_int_eq(lfs_size_parse("18446744073709551616", &v), -EINVAL);
	ck_assert_int_eq(lfs_size_parse("", &v), -EINVAL);
	ck_assert_int_eq(lfs_size_parse("G", &v), -EINVAL);
	ck_assert_int_eq(lfs_size_parse("-1", &v), -EINVAL);
	ck_assert_int_eq(lfs_size_parse("1X", &v), -EINVAL);
	ck_assert_int_eq(lfs_size_parse("1GB", &v), -EINVAL);
	ck_assert_int_eq(lfs_size_parse("1 G", &v), -EINVAL);
	ck_assert_int_eq(lfs_size_parse("1Gi", &v), -EINVAL);
}
END_TEST

START_TEST(test_stream_max)
{
	struct lfs_tar_limits l = LFS_TAR_LIMITS_DEFAULT;

	ck_assert_uint_eq(lfs_tar_stream_max(&l), (64ULL << 30) +
			  10000000ULL * LFS_TAR_ENTRY_OVERHEAD + 10240);
	l.max_entries = 0;
	ck_assert_uint_eq(lfs_tar_stream_max(&l), 0);
	l.max_entries = 1;
	l.max_size = 0;
	ck_assert_uint_eq(lfs_tar_stream_max(&l), 0);
	l.max_size = UINT64_MAX - 5;
	ck_assert_uint_eq(lfs_tar_stream_max(&l), UINT64_MAX);
	l.max_size = 1;
	l.max_entries = UINT64_MAX;
	ck_assert_uint_eq(lfs_tar_stream_max(&l), UINT64_MAX);
}
END_TEST

/* The largest blob pull takes within the limits: the stream's, 1/128 more, 64 KiB. */
START_TEST(test_blob_max)
{
	struct lfs_tar_limits l = { 1024, 1024, 4 };

	ck_assert_uint_eq(lfs_tar_blob_max(&l), 273408 + 273408 / 128 + 65536);
	l.max_size = 0;
	ck_assert_uint_eq(lfs_tar_blob_max(&l), 0);
	l.max_size = 1;
	l.max_entries = 0;
	ck_assert_uint_eq(lfs_tar_blob_max(&l), 0);
	l.max_entries = UINT64_MAX;
	ck_assert_uint_eq(lfs_tar_blob_max(&l), UINT64_MAX);
	/* no wrap near the top: saturated */
	l.max_entries = 1;
	l.max_size = UINT64_MAX - (1ULL << 40) - 65536 - 10240;
	ck_assert_uint_eq(lfs_tar_blob_max(&l), UINT64_MAX);
	l.max_size = 1ULL << 56;
	ck_assert_uint_eq(lfs_tar_blob_max(&l), (1ULL << 56) + 75776 +
			  ((1ULL << 56) + 75776) / 128 + 65536);
}
END_TEST

/*
 * Imports the @len bytes at @buf within @lim into a new directory made
 * from the template @dir (which becomes its name); the import's result.
 */
static int import_tmp(const void *buf, size_t len,
		      const struct lfs_tar_limits *lim, char *dir,
		      struct lfs_tar_import_stats *st, struct lfs_err *err)
{
	struct lfs_tar_import_opts o = { .limits = *lim };
	int fd, rc;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	fd = open(dir, O_RDONLY | O_DIRECTORY);
	ck_assert_int_ge(fd, 0);
	rc = lfs_tar_import(-1, buf, len, fd, &o, st, err);
	close(fd);
	return rc;
}

/*
 * A compressed bomb: 256 MiB of zeros after a one-file tar, some 250 KiB
 * of gzip.  Within limits that allow 1 MiB and 4 entries, the stream stops
 * at lfs_tar_stream_max(); without limits it is read to the end.
 */
START_TEST(test_bomb)
{
	struct lfs_tar_limits lim = { 1 << 20, 1 << 20, 4 }, none = { 0 };
	struct lfs_tar_import_stats st;
	char dir[] = "/tmp/check-bomb.XXXXXX";
	struct lfs_err err = LFS_ERR_INIT;
	static char tar[16384];
	unsigned char *gz;
	size_t len;

	len = tarfix_one_file(tar, sizeof(tar), "a", 1);
	gz = tarfix_gzip(tar, len, 256 << 20, 0, &len);
	ck_assert_uint_lt(len, 1 << 20);
	ck_assert_int_eq(import_tmp(gz, len, &lim, dir, &st, &err), -EFBIG);
	ck_assert_str_eq(err.msg, "more than 1320960 bytes uncompressed, more than the limits allow: see --max-size and --max-entries");
	ck_assert_int_eq(lfs_rm_rf_at(AT_FDCWD, dir), 0);
	strcpy(dir, "/tmp/check-bomb.XXXXXX");
	ck_assert_int_eq(import_tmp(gz, len, &none, dir, &st, &err), 0);
	ck_assert_uint_gt(st.d.tar_size, 256 << 20);
	ck_assert_int_eq(lfs_rm_rf_at(AT_FDCWD, dir), 0);
	free(gz);
}
END_TEST

/*
 * A sparse map of empty regions, 20 MiB of them in the tar: libarchive
 * reads a map whole, with the entry's header, into some 50 bytes of
 * memory for each 4 bytes ("0\n0\n"), a thousandfold compressed: 20 KiB
 * of gzip held 250 MiB, and a few MiB would hold all the memory there
 * is, whatever the limits.  An entry's headers may take LFS_TAR_HEADER_MAX
 * of the stream.  _i 0: GNU sparse 1.0 (the map leads the data, as
 * libarchive and GNU tar write it); 1: an old GNU 'S' entry (the map in
 * extension blocks).
 */
START_TEST(test_sparse_map)
{
	struct lfs_tar_limits lim = LFS_TAR_LIMITS_DEFAULT;
	struct lfs_tar_import_stats st;
	char dir[] = "/tmp/check-sparse.XXXXXX";
	struct lfs_err err = LFS_ERR_INIT;
	size_t regions = _i ? (20 << 20) / 512 * 21 : (20 << 20) / 4, len;
	char *tar;

	tar = tarfix_sparse_map(regions, _i, &len);
	ck_assert_uint_gt(len, 20 << 20);
	ck_assert_int_eq(import_tmp(tar, len, &lim, dir, &st, &err), -EFBIG);
	ck_assert_str_eq(err.msg, "entry 1 of the archive: its headers (PAX records, long names, sparse map) take more than 16777216 bytes");
	free(tar);
	ck_assert_int_eq(lfs_rm_rf_at(AT_FDCWD, dir), 0);
}
END_TEST

/*
 * What an entry carries but the import does not extract (a PAX hard
 * link's data, 20 MiB here) is skipped as its data, within the limits,
 * not taken for the headers of the entry after it.
 */
START_TEST(test_header_after_skip)
{
	struct lfs_tar_limits lim = LFS_TAR_LIMITS_DEFAULT;
	struct lfs_tar_import_stats st;
	char dir[] = "/tmp/check-hlskip.XXXXXX", path[64];
	struct lfs_err err = LFS_ERR_INIT;
	struct stat sa, sb;
	size_t len;
	char *tar;

	tar = tarfix_hardlink_data(20 << 20, &len);
	ck_assert_int_eq(import_tmp(tar, len, &lim, dir, &st, &err), 0);
	free(tar);
	snprintf(path, sizeof(path), "%s/a", dir);
	ck_assert_int_eq(stat(path, &sa), 0);
	snprintf(path, sizeof(path), "%s/b", dir);
	ck_assert_int_eq(stat(path, &sb), 0);
	ck_assert_uint_eq(sa.st_ino, sb.st_ino);
	ck_assert_int_eq(sb.st_size, 1);
	snprintf(path, sizeof(path), "%s/c", dir);
	ck_assert_int_eq(access(path, F_OK), 0);
	ck_assert_int_eq(lfs_rm_rf_at(AT_FDCWD, dir), 0);
}
END_TEST

/*
 * lfs_layout_tar_read() of the @len bytes at @archive, from a memory
 * file, within the default limits, into a temporary directory removed
 * after; its result.
 */
static int layout_read_tmp(const void *archive, size_t len,
			   struct lfs_err *err)
{
	struct lfs_tar_limits lim = LFS_TAR_LIMITS_DEFAULT;
	char dir[] = "/tmp/check-ltar.XXXXXX";
	int fd, dfd, rc;

	fd = memfd_create("archive", 0);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, archive, len), (ssize_t)len);
	ck_assert_int_eq(lseek(fd, 0, SEEK_SET), 0);
	ck_assert_ptr_nonnull(mkdtemp(dir));
	dfd = open(dir, O_RDONLY | O_DIRECTORY);
	ck_assert_int_ge(dfd, 0);
	rc = lfs_layout_tar_read(NULL, fd, dfd, &lim, err);
	close(dfd);
	close(fd);
	ck_assert_int_eq(lfs_rm_rf_at(AT_FDCWD, dir), 0);
	return rc;
}

/*
 * load of an archive reads each member's headers through libarchive as
 * import does: the same map, gzip'ed (some 20 KiB), is refused at
 * LFS_TAR_HEADER_MAX of the decompressed stream, before the member.
 */
START_TEST(test_layout_sparse_map)
{
	struct lfs_err err = LFS_ERR_INIT;
	unsigned char *gz;
	size_t len;
	char *tar;

	tar = tarfix_sparse_map((20 << 20) / 4, 0, &len);
	gz = tarfix_gzip(tar, len, 0, 0, &len);
	free(tar);
	ck_assert_uint_lt(len, 64 << 10);
	ck_assert_int_eq(layout_read_tmp(gz, len, &err), -EFBIG);
	ck_assert_str_eq(err.msg, "member 1 of the archive: its headers (PAX records, long names, sparse map) take more than 16777216 bytes");
	free(gz);
}
END_TEST

/*
 * load of an xz archive: the decoder allocates the dictionary its block
 * header names and fills it as the data comes out: a 30 KiB archive
 * naming 4 GiB held 200 MiB for 200 MiB of zeros, and would hold 4 GiB
 * for 4 GiB of them (liblzma through libarchive had no memory limit).
 * A tar of a member 'a' of 3 MiB (skipped: not a layout member): read
 * with the 1 MiB dictionary it was compressed with, refused when its
 * header names 4 GiB - 1.
 */
START_TEST(test_layout_xz_memory)
{
	struct lfs_err err = LFS_ERR_INIT;
	size_t n = 3 << 20, cap = n + 16384, tlen, len;
	char *tar = malloc(cap), *zeros = calloc(1, n);
	unsigned char *xz;

	ck_assert_ptr_nonnull(tar);
	ck_assert_ptr_nonnull(zeros);
	tlen = tarfix_one_file(tar, cap, zeros, n);
	free(zeros);
	xz = tarfix_xz(tar, tlen, 0, &len);
	ck_assert_int_eq(layout_read_tmp(xz, len, &err), 0);
	free(xz);
	xz = tarfix_xz(tar, tlen, 40, &len);
	ck_assert_int_eq(layout_read_tmp(xz, len, &err), -EFBIG);
	ck_assert_str_eq(err.msg, "xz stream: decompressing it takes 4097 MiB of memory, more than 256 MiB");
	free(xz);
	free(tar);
}
END_TEST

Suite *tarlimits_suite(void)
{
	Suite *s = suite_create("tarlimits");
	TCase *tc = tcase_create("tarlimits");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_size_parse);
	tcase_add_test(tc, test_stream_max);
	tcase_add_test(tc, test_blob_max);
	tcase_add_test(tc, test_bomb);
	tcase_add_loop_test(tc, test_sparse_map, 0, 2);
	tcase_add_test(tc, test_header_after_skip);
	tcase_add_test(tc, test_layout_sparse_map);
	tcase_add_test(tc, test_layout_xz_memory);
	suite_add_tcase(s, tc);
	return s;
}
