// SPDX-License-Identifier: GPL-2.0
/* layerctl's error value (err.c): setting, subjects, rendering. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "err.h"
#include "suites.h"

static const char *render(const struct lfs_err *e)
{
	static char line[LFS_ERR_MAX + 64];

	return lfs_err_str(e, line, sizeof(line));
}

START_TEST(test_set_returns_code)
{
	struct lfs_err e = LFS_ERR_INIT;

	ck_assert_int_eq(lfs_err_set(&e, -ENOENT, "layer '%s'", "x"), -ENOENT);
	ck_assert_int_eq(e.code, -ENOENT);
	ck_assert_str_eq(render(&e), "layer 'x': No such file or directory");
	ck_assert_int_eq(lfs_err_set(NULL, -EIO, "ignored"), -EIO);
}
END_TEST

START_TEST(test_subject_before_reason)
{
	struct lfs_err e = LFS_ERR_INIT;

	lfs_err_set(&e, -EBUSY, "layer is used by %d views", 2);
	ck_assert_int_eq(lfs_err_prefix(&e, -EINVAL, "layer '%s'", "base"),
			 -EINVAL);
	/* The code stays the one of the failure. */
	ck_assert_int_eq(e.code, -EBUSY);
	ck_assert_str_eq(render(&e),
			 "layer 'base': layer is used by 2 views (Device or resource busy)");
	lfs_err_prefix(&e, 0, "batch");
	ck_assert_str_eq(render(&e),
			 "batch: layer 'base': layer is used by 2 views (Device or resource busy)");
}
END_TEST

/* lfs_err_named(): "KIND 'NAME': REASON (STRERROR)" in one call. */
START_TEST(test_named)
{
	struct lfs_err e = LFS_ERR_INIT;
	char line[LFS_ERR_MAX + 64];

	ck_assert_int_eq(lfs_err_named(&e, -ENOENT, "cannot create it",
				       "archive '%s'", "/x/a.tar"), -ENOENT);
	ck_assert_str_eq(lfs_err_str(&e, line, sizeof(line)),
			 "archive '/x/a.tar': cannot create it (No such file or directory)");
	lfs_err_prefix(&e, e.code, "save '%s'", "app:1");
	ck_assert_str_eq(lfs_err_str(&e, line, sizeof(line)),
			 "save 'app:1': archive '/x/a.tar': cannot create it (No such file or directory)");
	ck_assert_int_eq(lfs_err_named(NULL, -EIO, "r", "s"), -EIO);
}
END_TEST

/*
 * lfs_err_named() is lfs_err_prefix(e, lfs_err_set(e, code, reason), ...)
 * in one call, whatever the code (0 too) and whatever @e held: the same
 * code, reason flag and text, so that the sites spelling out the pair
 * can call it and keep their texts.
 */
START_TEST(test_named_is_prefix_set)
{
	static const int codes[] = { 0, -EINVAL, -ENOENT, -ENOMEM };
	size_t i, held;

	for (i = 0; i < sizeof(codes) / sizeof(codes[0]); i++)
		for (held = 0; held < 2; held++) {
			struct lfs_err a = LFS_ERR_INIT, b = LFS_ERR_INIT;
			int ra, rb;

			if (held) {
				lfs_err_set(&a, -EIO, "earlier");
				lfs_err_set(&b, -EIO, "earlier");
			}
			ra = lfs_err_named(&a, codes[i], "not in the store",
					   "image '%s'", "app:1");
			rb = lfs_err_prefix(&b, lfs_err_set(&b, codes[i],
							    "not in the store"),
					    "image '%s'", "app:1");
			ck_assert_int_eq(ra, rb);
			ck_assert_int_eq(a.code, b.code);
			ck_assert_int_eq(a.reason, b.reason);
			ck_assert_str_eq(a.msg, b.msg);
		}
}
END_TEST

START_TEST(test_subject_alone)
{
	struct lfs_err e = LFS_ERR_INIT;

	/* Nothing set below: the subject and its code. */
	lfs_err_prefix(&e, -EPERM, "cannot list layers");
	ck_assert_str_eq(render(&e), "cannot list layers: Operation not permitted");
	/* A code without a text: the subject, then strerror. */
	lfs_err_set(&e, -EACCES, "%s", "");
	lfs_err_prefix(&e, -EACCES, "import '%s'", "a.tar");
	ck_assert_str_eq(render(&e), "import 'a.tar': Permission denied");
}
END_TEST

START_TEST(test_text_says_it_all)
{
	struct lfs_err e = LFS_ERR_INIT;

	lfs_err_set(&e, 0, "digest mismatch: want %s", "sha256:0");
	lfs_err_prefix(&e, -EINVAL, "import 'a.tar'");
	ck_assert_int_eq(e.code, 0);
	ck_assert_str_eq(render(&e), "import 'a.tar': digest mismatch: want sha256:0");
	lfs_err_clear(&e);
	ck_assert_int_eq(e.code, 0);
	ck_assert_str_eq(e.msg, "");
}
END_TEST

START_TEST(test_long_text_is_cut)
{
	struct lfs_err e = LFS_ERR_INIT;
	char big[3 * LFS_ERR_MAX];

	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	lfs_err_set(&e, -EINVAL, "%s", big);
	ck_assert_uint_eq(strlen(e.msg), LFS_ERR_MAX - 1);
	lfs_err_prefix(&e, -EINVAL, "%s", big);
	ck_assert_uint_eq(strlen(e.msg), LFS_ERR_MAX - 1);
	ck_assert_int_eq(e.code, -EINVAL);
}
END_TEST

/*
 * The kernel's extended ack as the reason (as nl.c leaves it), the
 * subject before it (as its callers put it).
 */
static int extack(struct lfs_err *e, int code, const char *text,
		  const char *subject)
{
	lfs_err_set(e, code, "%s", text);
	return subject ? lfs_err_prefix(e, code, "%s", subject) : code;
}

START_TEST(test_extack)
{
	struct lfs_err e = LFS_ERR_INIT;

	ck_assert_int_eq(extack(&e, -ENOENT, "no such layer", "layer 'base'"),
			 -ENOENT);
	ck_assert_str_eq(render(&e),
			 "layer 'base': no such layer (No such file or directory)");
	/* No extack: the subject, then strerror. */
	extack(&e, -EBUSY, "", "layer 'base'");
	ck_assert_str_eq(render(&e), "layer 'base': Device or resource busy");
	extack(&e, -EPERM, "", "cannot list layers");
	ck_assert_str_eq(render(&e), "cannot list layers: Operation not permitted");
	/* A positive errno is taken as its negative. */
	extack(&e, EEXIST, "layer exists", "layer 'x'");
	ck_assert_str_eq(render(&e), "layer 'x': layer exists (File exists)");
	/* Without a subject: the extack and strerror, for a caller to prefix. */
	extack(&e, -EINVAL, "bad upper", NULL);
	ck_assert_str_eq(render(&e), "bad upper: Invalid argument");
	lfs_err_prefix(&e, -EINVAL, "view '%s'", "v");
	ck_assert_str_eq(render(&e), "view 'v': bad upper (Invalid argument)");
}
END_TEST

/* The reporter escapes control characters in an extack. */
START_TEST(test_report_escapes)
{
	struct lfs_err e = LFS_ERR_INIT;
	struct lfs_ctx ctx = { 0 };
	char *text = NULL;
	size_t len = 0;

	ctx.err = open_memstream(&text, &len);
	ck_assert_ptr_nonnull(ctx.err);
	extack(&e, -EINVAL, "bad\nthing", "layer 'a'");
	ck_assert_int_eq(lfs_err_report(&ctx, &e), 1);
	fclose(ctx.err);
	ck_assert_str_eq(text,
			 "layerctl: layer 'a': bad\\nthing (Invalid argument)\n");
	free(text);
}
END_TEST

Suite *err_suite(void)
{
	Suite *s = suite_create("err");
	TCase *tc = tcase_create("err");

	tcase_add_test(tc, test_set_returns_code);
	tcase_add_test(tc, test_subject_before_reason);
	tcase_add_test(tc, test_named);
	tcase_add_test(tc, test_named_is_prefix_set);
	tcase_add_test(tc, test_subject_alone);
	tcase_add_test(tc, test_text_says_it_all);
	tcase_add_test(tc, test_long_text_is_cut);
	tcase_add_test(tc, test_extack);
	tcase_add_test(tc, test_report_escapes);
	suite_add_tcase(s, tc);
	return s;
}
