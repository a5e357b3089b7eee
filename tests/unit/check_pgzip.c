// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the parallel gzip compressor (pgzip.c): its output is one
 * gzip member that zlib inflates back to the input, for sizes around the
 * block size, random and repetitive data, and the same bytes whatever the
 * number of threads.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "pgzip.h"
#include "suites.h"

struct sink {
	unsigned char *p;
	size_t n, cap;
	int fail_after;		/* fail the nth call (0: never) */
	int calls;
};

static int sink_out(void *arg, const void *p, size_t n)
{
	struct sink *s = arg;

	if (s->fail_after && ++s->calls >= s->fail_after)
		return ENOSPC;
	if (s->n + n > s->cap) {
		s->cap = (s->n + n) * 2;
		s->p = realloc(s->p, s->cap);
		ck_assert_ptr_nonnull(s->p);
	}
	memcpy(s->p + s->n, p, n);
	s->n += n;
	return 0;
}

/* @n bytes of text, or (@mixed) text and random bytes in 100 kB runs. */
static unsigned char *make_data(size_t n, int mixed)
{
	static const char text[] = "the quick brown fox jumps over the lazy dog\n";
	unsigned char *d = malloc(n ? n : 1);
	unsigned int seed = 42;
	size_t i;

	ck_assert_ptr_nonnull(d);
	for (i = 0; i < n; i++) {
		if (mixed && (i / 100000) % 2) {
			seed = seed * 1103515245u + 12345u;
			d[i] = (unsigned char)(seed >> 16);
		} else {
			d[i] = (unsigned char)text[i % (sizeof(text) - 1)];
		}
	}
	return d;
}

/* Compresses @d (@n bytes, written in @step pieces) on @threads threads. */
static void pgz_all(const unsigned char *d, size_t n, size_t step,
		     unsigned int threads, struct sink *out)
{
	struct lfs_pgz *z = lfs_pgz_new(LFS_PGZ_LEVEL, threads, sink_out, out);
	size_t off, k;

	ck_assert_ptr_nonnull(z);
	for (off = 0; off < n; off += k) {
		k = n - off < step ? n - off : step;
		ck_assert_int_eq(lfs_pgz_write(z, d + off, k), 0);
	}
	ck_assert_int_eq(lfs_pgz_close(z), 0);
	lfs_pgz_free(z);
}

/* Inflates @gz as gzip: one member, nothing after it; equal to @d. */
static void check_gunzip(const struct sink *gz, const unsigned char *d,
			 size_t n)
{
	unsigned char *back = malloc(n + 16);
	z_stream s = { 0 };

	ck_assert_ptr_nonnull(back);
	ck_assert_int_eq(inflateInit2(&s, 16 + 15), Z_OK);
	s.next_in = gz->p;
	s.avail_in = (uInt)gz->n;
	s.next_out = back;
	s.avail_out = (uInt)(n + 16);
	ck_assert_int_eq(inflate(&s, Z_FINISH), Z_STREAM_END);
	ck_assert_uint_eq(s.avail_in, 0);
	ck_assert_uint_eq(s.total_out, n);
	ck_assert(!memcmp(back, d, n));
	inflateEnd(&s);
	free(back);
}

static const size_t sizes[] = {
	0, 1, 1000, LFS_PGZ_BLOCK - 1, LFS_PGZ_BLOCK, LFS_PGZ_BLOCK + 1,
	3 * LFS_PGZ_BLOCK + 777, 2000000,
};

START_TEST(test_roundtrip)
{
	size_t n = sizes[_i % 8];
	int mixed = _i >= 8;
	unsigned char *d = make_data(n, mixed);
	struct sink a = { 0 }, b = { 0 };

	pgz_all(d, n, 4096, 1, &a);
	check_gunzip(&a, d, n);
	/* another thread count and write size: the same bytes */
	pgz_all(d, n, 100003, 4, &b);
	ck_assert_uint_eq(a.n, b.n);
	ck_assert(!memcmp(a.p, b.p, a.n));
	free(a.p);
	free(b.p);
	free(d);
}
END_TEST

START_TEST(test_ratio)
{
	size_t n = 2000000;
	unsigned char *d = make_data(n, 0), *r = make_data(n, 1);
	struct sink a = { 0 }, b = { 0 };

	/*
	 * text deflates; of the mix (100 kB runs), the text deflates too: a
	 * block is stored only if it is random from its start to its end
	 */
	pgz_all(d, n, 65536, 2, &a);
	ck_assert_uint_lt(a.n, n / 50);
	pgz_all(r, n, 65536, 2, &b);
	ck_assert_uint_lt(b.n, n / 2 + n / 20);
	check_gunzip(&b, r, n);
	free(a.p);
	free(b.p);
	free(d);
	free(r);
}
END_TEST

START_TEST(test_out_error)
{
	unsigned char *d = make_data(1000000, 1);
	struct sink a = { .fail_after = 3 };
	struct lfs_pgz *z = lfs_pgz_new(LFS_PGZ_LEVEL, 2, sink_out, &a);
	int rc;

	ck_assert_ptr_nonnull(z);
	rc = lfs_pgz_write(z, d, 1000000);
	if (!rc)
		rc = lfs_pgz_close(z);
	ck_assert_int_eq(rc, ENOSPC);
	/* and it stays failed */
	ck_assert_int_eq(lfs_pgz_write(z, d, 10), ENOSPC);
	lfs_pgz_free(z);
	free(a.p);
	free(d);
}
END_TEST

Suite *pgzip_suite(void)
{
	Suite *s = suite_create("pgzip");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_roundtrip, 0, 16);
	tcase_add_test(tc, test_ratio);
	tcase_add_test(tc, test_out_error);
	suite_add_tcase(s, tc);
	return s;
}
