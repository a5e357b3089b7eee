// SPDX-License-Identifier: GPL-2.0
/* Small gzip'ed tarballs for the tests (see tar_fixture.h). */
#include <stdlib.h>

#include <archive.h>
#include <archive_entry.h>
#include <check.h>
#include <zlib.h>

#include "tar_fixture.h"

size_t tarfix_one_file(char *buf, size_t cap, const char *data, size_t len)
{
	struct archive *a = archive_write_new();
	struct archive_entry *e = archive_entry_new();
	size_t used = 0;

	ck_assert_ptr_nonnull(a);
	ck_assert_ptr_nonnull(e);
	ck_assert_int_eq(archive_write_set_format_pax_restricted(a), ARCHIVE_OK);
	ck_assert_int_eq(archive_write_open_memory(a, buf, cap, &used),
			 ARCHIVE_OK);
	archive_entry_set_pathname(e, "a");
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 0644);
	archive_entry_set_size(e, (la_int64_t)len);
	ck_assert_int_eq(archive_write_header(a, e), ARCHIVE_OK);
	ck_assert_int_eq(archive_write_data(a, data, len), (la_ssize_t)len);
	ck_assert_int_eq(archive_write_close(a), ARCHIVE_OK);
	archive_write_free(a);
	archive_entry_free(e);
	return used;
}

unsigned char *tarfix_gzip(const void *in, size_t len, size_t zeros,
			   size_t room, size_t *out_len)
{
	/* deflate makes of zeros less than 1/256 of them */
	size_t cap = len + (zeros >> 8) + room + (1 << 16);
	unsigned char *out = malloc(cap), *z = calloc(1, 1 << 16);
	z_stream s = { 0 };

	ck_assert_ptr_nonnull(out);
	ck_assert_ptr_nonnull(z);
	ck_assert_int_eq(deflateInit2(&s, 9, Z_DEFLATED, 31, 9,
				      Z_DEFAULT_STRATEGY), Z_OK);
	s.next_out = out;
	s.avail_out = (uInt)(cap - room);
	s.next_in = (unsigned char *)in;
	s.avail_in = (uInt)len;
	ck_assert_int_eq(deflate(&s, Z_NO_FLUSH), Z_OK);
	while (zeros) {
		size_t n = zeros > (1 << 16) ? (1 << 16) : zeros;

		s.next_in = z;
		s.avail_in = (uInt)n;
		ck_assert_int_eq(deflate(&s, Z_NO_FLUSH), Z_OK);
		zeros -= n;
	}
	ck_assert_int_eq(deflate(&s, Z_FINISH), Z_STREAM_END);
	*out_len = cap - room - s.avail_out;
	deflateEnd(&s);
	free(z);
	return out;
}
