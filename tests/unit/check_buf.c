// SPDX-License-Identifier: GPL-2.0
/* Tests for userspace/buf.c. */
#include <errno.h>
#include <string.h>

#include "buf.h"
#include "suites.h"

START_TEST(test_buf_empty)
{
	struct lfs_buf b = LFS_BUF_INIT;

	ck_assert_str_eq(lfs_buf_str(&b), "");
	ck_assert_uint_eq(b.len, 0);
	ck_assert_int_eq(lfs_buf_error(&b), 0);
	lfs_buf_free(&b);
}
END_TEST

START_TEST(test_buf_append)
{
	struct lfs_buf b = LFS_BUF_INIT;

	lfs_buf_puts(&b, "ab");
	lfs_buf_putc(&b, 'c');
	lfs_buf_put(&b, "dexx", 2);
	lfs_buf_pad(&b, '.', 3);
	lfs_buf_printf(&b, "%d-%s", 42, "z");
	ck_assert_str_eq(lfs_buf_str(&b), "abcde...42-z");
	ck_assert_uint_eq(b.len, strlen("abcde...42-z"));
	lfs_buf_reset(&b);
	ck_assert_str_eq(lfs_buf_str(&b), "");
	lfs_buf_puts(&b, "again");
	ck_assert_str_eq(lfs_buf_str(&b), "again");
	lfs_buf_free(&b);
	ck_assert_ptr_null(b.data);
}
END_TEST

START_TEST(test_buf_grows)
{
	struct lfs_buf b = LFS_BUF_INIT;
	size_t i;

	for (i = 0; i < 10000; i++)
		lfs_buf_printf(&b, "%zu,", i % 10);
	ck_assert_uint_eq(b.len, 20000);
	ck_assert_uint_ge(b.cap, b.len + 1);
	ck_assert_int_eq(b.data[b.len], '\0');
	ck_assert_int_eq(memcmp(b.data, "0,1,2,", 6), 0);
	lfs_buf_free(&b);
}
END_TEST

START_TEST(test_buf_failed_sticks)
{
	struct lfs_buf b = LFS_BUF_INIT;

	lfs_buf_puts(&b, "x");
	b.failed = 1;
	lfs_buf_puts(&b, "more");
	ck_assert_int_eq(lfs_buf_error(&b), -ENOMEM);
	ck_assert_str_eq(lfs_buf_str(&b), "");
	lfs_buf_free(&b);
}
END_TEST

START_TEST(test_buf_huge_request_fails)
{
	struct lfs_buf b = LFS_BUF_INIT;

	lfs_buf_puts(&b, "x");
	lfs_buf_pad(&b, ' ', (size_t)-1);
	ck_assert_int_eq(lfs_buf_error(&b), -ENOMEM);
	lfs_buf_free(&b);
}
END_TEST

Suite *buf_suite(void)
{
	Suite *s = suite_create("buf");
	TCase *tc = tcase_create("buf");

	tcase_add_test(tc, test_buf_empty);
	tcase_add_test(tc, test_buf_append);
	tcase_add_test(tc, test_buf_grows);
	tcase_add_test(tc, test_buf_failed_sticks);
	tcase_add_test(tc, test_buf_huge_request_fails);
	suite_add_tcase(s, tc);
	return s;
}
