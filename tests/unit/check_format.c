// SPDX-License-Identifier: GPL-2.0
/* Tests for userspace/format.c. */
#include <errno.h>

#include <linux/layerfs.h>

#include "format.h"
#include "suites.h"

#define NS 1000000000ULL
#define NOW (2000000000ULL * NS)

START_TEST(test_escaped)
{
	struct lfs_buf b = LFS_BUF_INIT;

	lfs_fmt_escaped(&b, "a\\b\n\t\r\x01\x1b[0m\x7f caf\xc3\xa9");
	ck_assert_str_eq(lfs_buf_str(&b),
			 "a\\\\b\\n\\t\\r\\x01\\x1b[0m\\x7f caf\xc3\xa9");
	lfs_buf_reset(&b);
	lfs_fmt_escapedn(&b, "ab\0cd", 5);
	ck_assert_str_eq(lfs_buf_str(&b), "ab\\x00cd");
	lfs_buf_free(&b);
}
END_TEST

/*
 * Bytes >= 0x80: valid UTF-8 passes through, but a C1 control (U+0080 to
 * U+009F: 0xc2 0x9b is the 8-bit CSI, which terminals honour as ESC '[')
 * is shown as its two bytes, and each byte that is not part of valid
 * UTF-8 as \xNN, as ls and git do: neither reaches the terminal raw, and
 * two names that differ in such bytes stay apart.
 */
START_TEST(test_escaped_c1_invalid)
{
	static const struct { const char *in, *out; } cases[] = {
		{ "\xc2\x9b" "2J", "\\xc2\\x9b" "2J" },
		{ "a\xc2\x85" "b\xc2\x80\xc2\x9f", "a\\xc2\\x85" "b\\xc2\\x80\\xc2\\x9f" },
		{ "\xc2\xa0\xc2\xa9 caf\xc3\xa9 \xe6\x97\xa5 \xf0\x9f\x90\xb3",
		  "\xc2\xa0\xc2\xa9 caf\xc3\xa9 \xe6\x97\xa5 \xf0\x9f\x90\xb3" },
		{ "\x9b" "31m", "\\x9b" "31m" },
		{ "\xff\xfe", "\\xff\\xfe" },
		{ "a\xc3", "a\\xc3" },
		{ "\xc3(", "\\xc3(" },
		{ "\xc0\xaf", "\\xc0\\xaf" },
		{ "\xed\xa0\x80", "\\xed\\xa0\\x80" },
		{ "\xf4\x90\x80\x80", "\\xf4\\x90\\x80\\x80" },
		{ "\xe6\x97", "\\xe6\\x97" },
	};
	struct lfs_buf b = LFS_BUF_INIT;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		lfs_buf_reset(&b);
		lfs_fmt_escaped(&b, cases[i].in);
		ck_assert_str_eq(lfs_buf_str(&b), cases[i].out);
	}
	/* The counted form: a NUL inside, and a sequence cut by the count. */
	lfs_buf_reset(&b);
	lfs_fmt_escapedn(&b, "\xc3\xa9\0\xc3\xa9", 4);
	ck_assert_str_eq(lfs_buf_str(&b), "\xc3\xa9\\x00\\xc3");
	lfs_buf_free(&b);
}
END_TEST

START_TEST(test_flags)
{
	struct lfs_buf b = LFS_BUF_INIT;

	lfs_fmt_flags(&b, 0, ",");
	ck_assert_str_eq(lfs_buf_str(&b), "-");
	lfs_buf_reset(&b);
	lfs_fmt_flags(&b, LAYERFS_LAYER_F_FROZEN, ",");
	ck_assert_str_eq(lfs_buf_str(&b), "frozen");
	lfs_buf_reset(&b);
	lfs_fmt_flags(&b, LAYERFS_LAYER_F_FROZEN | 0x4 | 0x80000000U, ", ");
	ck_assert_str_eq(lfs_buf_str(&b), "frozen, 0x4, 0x80000000");
	lfs_buf_free(&b);
}
END_TEST

START_TEST(test_show_full)
{
	struct lfs_layer l = {
		.has = LFS_HAS_ID | LFS_HAS_PARENT_ID | LFS_HAS_CREATED |
		       LFS_HAS_FLAGS | LFS_HAS_VIEWS | LFS_HAS_CHILDREN,
		.id = 12,
		.name = "gakki/mytomcat:8.5",
		.path = "/srv/layers/tomcat",
		.parent = "base",
		.parent_id = 3,
		.author = "Jane Doe <jane@example.org>",
		.message = "Add tomcat\n\nWith the default config.\n",
		.created = 1800000000123456789ULL,
		.flags = LAYERFS_LAYER_F_FROZEN,
		.views = 2,
		.children = 0,
	};
	struct lfs_buf b = LFS_BUF_INIT;

	lfs_fmt_show(&b, &l);
	ck_assert_int_eq(lfs_buf_error(&b), 0);
	ck_assert_str_eq(lfs_buf_str(&b),
			 "id:       12\n"
			 "name:     gakki/mytomcat:8.5\n"
			 "path:     /srv/layers/tomcat\n"
			 "parent:   base\n"
			 "author:   Jane Doe <jane@example.org>\n"
			 "message:  Add tomcat\n"
			 "\n"
			 "          With the default config.\n"
			 "created:  2027-01-15T08:00:00.123456789Z\n"
			 "flags:    frozen\n"
			 "views:    2\n"
			 "children: 0\n");
	lfs_buf_free(&b);
}
END_TEST

START_TEST(test_show_minimal)
{
	struct lfs_layer l = {
		.has = LFS_HAS_ID,
		.id = 1,
		.name = "base",
		.path = "/srv/base",
	};
	struct lfs_buf b = LFS_BUF_INIT;

	lfs_fmt_show(&b, &l);
	ck_assert_str_eq(lfs_buf_str(&b),
			 "id:       1\n"
			 "name:     base\n"
			 "path:     /srv/base\n"
			 "parent:   -\n"
			 "author:   -\n"
			 "message:  -\n"
			 "created:  -\n"
			 "flags:    -\n"
			 "views:    -\n"
			 "children: -\n");
	lfs_buf_free(&b);
}
END_TEST

START_TEST(test_show_escapes)
{
	struct lfs_layer l = {
		.has = LFS_HAS_ID | LFS_HAS_PARENT_ID | LFS_HAS_FLAGS,
		.id = 1,
		.name = "x",
		.path = "/tmp/evil\n\x1b[2Jname",
		.parent_id = 9,
		.author = "",
		.message = "tab\there",
		.flags = 0x10,
	};
	struct lfs_buf b = LFS_BUF_INIT;

	lfs_fmt_show(&b, &l);
	ck_assert_str_eq(lfs_buf_str(&b),
			 "id:       1\n"
			 "name:     x\n"
			 "path:     /tmp/evil\\n\\x1b[2Jname\n"
			 "parent:   #9\n"
			 "author:   -\n"
			 "message:  tab\\there\n"
			 "created:  -\n"
			 "flags:    0x10\n"
			 "views:    -\n"
			 "children: -\n");
	lfs_buf_free(&b);
}
END_TEST

static const char table_header[] =
	"ID   NAME   PARENT   VIEWS   CHILDREN   CREATED   PATH\n";

START_TEST(test_table_empty)
{
	struct lfs_buf b = LFS_BUF_INIT;

	lfs_fmt_table(&b, NULL, 0, NOW);
	ck_assert_str_eq(lfs_buf_str(&b), table_header);
	lfs_buf_free(&b);
}
END_TEST

START_TEST(test_table_rows)
{
	struct lfs_layer base = {
		.has = LFS_HAS_ID | LFS_HAS_CREATED | LFS_HAS_FLAGS |
		       LFS_HAS_VIEWS | LFS_HAS_CHILDREN,
		.id = 1, .name = "base", .path = "/srv/base",
		.created = NOW - 120 * NS, .views = 0, .children = 1,
	};
	struct lfs_layer app = {
		.has = LFS_HAS_ID | LFS_HAS_PARENT_ID | LFS_HAS_CREATED |
		       LFS_HAS_FLAGS | LFS_HAS_VIEWS | LFS_HAS_CHILDREN,
		.id = 12, .name = "gakki/mytomcat:8.5", .path = "/srv/t\xc3\xa9st",
		.parent = "base", .parent_id = 1,
		.created = NOW - 3 * 3600 * NS, .views = 2, .children = 0,
	};
	struct lfs_layer odd = {
		.has = LFS_HAS_ID,
		.id = 100, .name = "odd", .path = "/a\nb",
	};
	struct lfs_layer *v[] = { &base, &app, &odd };
	struct lfs_buf b = LFS_BUF_INIT;

	lfs_fmt_table(&b, v, 3, NOW);
	ck_assert_int_eq(lfs_buf_error(&b), 0);
	ck_assert_str_eq(lfs_buf_str(&b),
		"ID    NAME                 PARENT   VIEWS   CHILDREN   CREATED         PATH\n"
		"1     base                 -        0       1          2 minutes ago   /srv/base\n"
		"12    gakki/mytomcat:8.5   base     2       0          3 hours ago     /srv/t\xc3\xa9st\n"
		"100   odd                  -        -       -          -               /a\\nb\n");
	lfs_buf_free(&b);
}
END_TEST

START_TEST(test_table_wide_utf8_column)
{
	/* A padded column holding UTF-8 counts code points, not bytes. */
	struct lfs_layer a = {
		.has = LFS_HAS_ID, .id = 1, .name = "a", .path = "/p",
		.parent = "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9",
	};
	struct lfs_layer *v[] = { &a };
	struct lfs_buf b = LFS_BUF_INIT;

	lfs_fmt_table(&b, v, 1, NOW);
	ck_assert_str_eq(lfs_buf_str(&b),
		"ID   NAME   PARENT    VIEWS   CHILDREN   CREATED   PATH\n"
		"1    a      \xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9   -       -          -         /p\n");
	lfs_buf_free(&b);
}
END_TEST

Suite *format_suite(void)
{
	Suite *s = suite_create("format");
	TCase *basic = tcase_create("basic");
	TCase *show = tcase_create("show");
	TCase *table = tcase_create("table");

	tcase_add_test(basic, test_escaped);
	tcase_add_test(basic, test_escaped_c1_invalid);
	tcase_add_test(basic, test_flags);
	suite_add_tcase(s, basic);
	tcase_add_test(show, test_show_full);
	tcase_add_test(show, test_show_minimal);
	tcase_add_test(show, test_show_escapes);
	suite_add_tcase(s, show);
	tcase_add_test(table, test_table_empty);
	tcase_add_test(table, test_table_rows);
	tcase_add_test(table, test_table_wide_utf8_column);
	suite_add_tcase(s, table);
	return s;
}
