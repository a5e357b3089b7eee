// SPDX-License-Identifier: GPL-2.0
/* Tests for userspace/jsonout.c. */
#include <errno.h>
#include <stdint.h>

#include <linux/layerfs.h>

#include "jsonout.h"
#include "suites.h"

struct esc_case {
	const char *in;
	const char *out;
};

static const struct esc_case esc_cases[] = {
	{ "", "\"\"" },
	{ "plain /path", "\"plain /path\"" },
	{ "say \"hi\"", "\"say \\\"hi\\\"\"" },
	{ "C:\\dir\\", "\"C:\\\\dir\\\\\"" },
	/* json-c's escapes: the short ones where JSON has them. */
	{ "a\nb", "\"a\\nb\"" },
	{ "\t\r\b\f", "\"\\t\\r\\b\\f\"" },
	{ "\x01\x1f", "\"\\u0001\\u001f\"" },
	{ "del\x7f", "\"del\x7f\"" },
	{ "\x1b[31mred", "\"\\u001b[31mred\"" },
	{ "/", "\"/\"" },
	/* Valid UTF-8 passes through. */
	{ "caf\xc3\xa9", "\"caf\xc3\xa9\"" },
	{ "\xe6\x97\xa5\xe6\x9c\xac", "\"\xe6\x97\xa5\xe6\x9c\xac\"" },
	{ "\xf0\x9f\x90\xb3", "\"\xf0\x9f\x90\xb3\"" },
	{ "\xef\xbf\xbf", "\"\xef\xbf\xbf\"" },
	{ "\xf4\x8f\xbf\xbf", "\"\xf4\x8f\xbf\xbf\"" },
	/* Invalid UTF-8: each stray byte becomes U+FFFD (as UTF-8). */
	{ "\x80", "\"\xef\xbf\xbd\"" },
	{ "a\xc3", "\"a\xef\xbf\xbd\"" },
	{ "\xc3(", "\"\xef\xbf\xbd(\"" },
	{ "\xc0\xaf", "\"\xef\xbf\xbd\xef\xbf\xbd\"" },
	{ "\xe0\x80\xaf", "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"" },
	{ "\xed\xa0\x80", "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"" },
	{ "\xf0\x80\x80\xaf", "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"" },
	{ "\xf4\x90\x80\x80", "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"" },
	{ "\xf5\x80", "\"\xef\xbf\xbd\xef\xbf\xbd\"" },
	{ "\xff", "\"\xef\xbf\xbd\"" },
	{ "\xe6\x97", "\"\xef\xbf\xbd\xef\xbf\xbd\"" },
};

START_TEST(test_json_escape)
{
	struct lfs_buf b = LFS_BUF_INIT;

	lfs_json_escape(&b, esc_cases[_i].in);
	ck_assert_str_eq(lfs_buf_str(&b), esc_cases[_i].out);
	lfs_buf_free(&b);
}
END_TEST

START_TEST(test_json_writer)
{
	struct lfs_buf b = LFS_BUF_INIT;
	struct lfs_json j;

	lfs_json_init(&j, &b);
	lfs_json_object_begin(&j);
	lfs_json_key(&j, "a");
	lfs_json_u64(&j, 0);
	lfs_json_key(&j, "big");
	lfs_json_u64(&j, UINT64_MAX);
	lfs_json_key(&j, "list");
	lfs_json_array_begin(&j);
	lfs_json_string(&j, "x");
	lfs_json_bool(&j, 1);
	lfs_json_bool(&j, 0);
	lfs_json_null(&j);
	lfs_json_array_begin(&j);
	lfs_json_array_end(&j);
	lfs_json_object_begin(&j);
	lfs_json_object_end(&j);
	lfs_json_array_end(&j);
	lfs_json_key(&j, "k\"");
	lfs_json_string(&j, "v");
	lfs_json_object_end(&j);
	ck_assert_int_eq(lfs_json_error(&j), 0);
	ck_assert_str_eq(lfs_buf_str(&b),
			 "{\"a\":0,\"big\":18446744073709551615,"
			 "\"list\":[\"x\",true,false,null,[],{}],\"k\\\"\":\"v\"}");
	lfs_buf_free(&b);
}
END_TEST

START_TEST(test_json_empty_array)
{
	struct lfs_buf b = LFS_BUF_INIT;
	struct lfs_json j;

	lfs_json_init(&j, &b);
	lfs_json_array_begin(&j);
	lfs_json_array_end(&j);
	ck_assert_int_eq(lfs_json_error(&j), 0);
	ck_assert_str_eq(lfs_buf_str(&b), "[]");
	lfs_buf_free(&b);
}
END_TEST

/* Every separator of a long array (a view of thousands of layers). */
START_TEST(test_json_long_array)
{
	struct lfs_buf b = LFS_BUF_INIT, want = LFS_BUF_INIT;
	struct lfs_json j;
	unsigned int i;

	lfs_json_init(&j, &b);
	lfs_json_object_begin(&j);
	lfs_json_key(&j, "a");
	lfs_json_array_begin(&j);
	lfs_buf_puts(&want, "{\"a\":[");
	for (i = 0; i < 1000; i++) {
		lfs_json_u64(&j, i);
		lfs_buf_printf(&want, "%s%u", i ? "," : "", i);
	}
	lfs_json_array_end(&j);
	lfs_json_key(&j, "b");
	lfs_json_bool(&j, 1);
	lfs_json_object_end(&j);
	lfs_buf_puts(&want, "],\"b\":true}");
	ck_assert_int_eq(lfs_json_error(&j), 0);
	ck_assert_str_eq(lfs_buf_str(&b), lfs_buf_str(&want));
	lfs_buf_free(&b);
	lfs_buf_free(&want);
}
END_TEST

START_TEST(test_json_misuse)
{
	struct lfs_buf b = LFS_BUF_INIT;
	struct lfs_json j;
	int i;

	lfs_json_init(&j, &b);
	lfs_json_array_end(&j);
	ck_assert_int_eq(lfs_json_error(&j), -EINVAL);

	lfs_buf_reset(&b);
	lfs_json_init(&j, &b);
	lfs_json_key(&j, "top-level key");
	ck_assert_int_eq(lfs_json_error(&j), -EINVAL);

	lfs_buf_reset(&b);
	lfs_json_init(&j, &b);
	lfs_json_object_begin(&j);
	lfs_json_key(&j, "dangling");
	lfs_json_object_end(&j);
	ck_assert_int_eq(lfs_json_error(&j), -EINVAL);
	lfs_json_free(&j);

	lfs_buf_reset(&b);
	lfs_json_init(&j, &b);
	for (i = 0; i < LFS_JSON_DEPTH_MAX; i++)
		lfs_json_array_begin(&j);
	ck_assert_int_eq(lfs_json_error(&j), 0);
	lfs_json_array_begin(&j);
	ck_assert_int_eq(lfs_json_error(&j), -EINVAL);
	lfs_json_free(&j);

	lfs_buf_reset(&b);
	lfs_json_init(&j, &b);
	b.failed = 1;
	lfs_json_null(&j);
	ck_assert_int_eq(lfs_json_error(&j), -ENOMEM);
	lfs_buf_free(&b);
}
END_TEST

START_TEST(test_json_layer_full)
{
	struct lfs_layer l = {
		.has = LFS_HAS_ID | LFS_HAS_PARENT_ID | LFS_HAS_CREATED |
		       LFS_HAS_FLAGS | LFS_HAS_VIEWS | LFS_HAS_CHILDREN,
		.id = 1,
		.name = "base",
		.path = "/x",
		.parent = "p",
		.parent_id = 3,
		.author = "Jane \"J\" Doe",
		.message = "line 1\nline 2",
		.created = 1800000000123456789ULL,
		.flags = LAYERFS_LAYER_F_FROZEN,
		.views = 0,
		.children = 2,
	};
	struct lfs_buf b = LFS_BUF_INIT;
	struct lfs_json j;

	lfs_json_init(&j, &b);
	lfs_json_layer(&j, &l);
	ck_assert_int_eq(lfs_json_error(&j), 0);
	ck_assert_str_eq(lfs_buf_str(&b),
			 "{\"id\":1,\"name\":\"base\",\"path\":\"/x\","
			 "\"parent\":\"p\",\"parent_id\":3,"
			 "\"author\":\"Jane \\\"J\\\" Doe\","
			 "\"message\":\"line 1\\nline 2\","
			 "\"created\":\"2027-01-15T08:00:00.123456789Z\","
			 "\"created_ns\":1800000000123456789,"
			 "\"flags\":[\"frozen\"],\"views\":0,\"children\":2}");
	lfs_buf_free(&b);
}
END_TEST

START_TEST(test_json_layer_minimal)
{
	struct lfs_layer l = {
		.has = LFS_HAS_ID | LFS_HAS_FLAGS | LFS_HAS_VIEWS |
		       LFS_HAS_CHILDREN | LFS_HAS_CREATED,
		.id = 18446744073709551615ULL,
		.name = "a",
		.path = "/p\xff",
	};
	struct lfs_buf b = LFS_BUF_INIT;
	struct lfs_json j;

	lfs_json_init(&j, &b);
	lfs_json_layer(&j, &l);
	ck_assert_int_eq(lfs_json_error(&j), 0);
	ck_assert_str_eq(lfs_buf_str(&b),
			 "{\"id\":18446744073709551615,\"name\":\"a\","
			 "\"path\":\"/p\xef\xbf\xbd\","
			 "\"created\":\"1970-01-01T00:00:00.000000000Z\","
			 "\"created_ns\":0,\"flags\":[],\"views\":0,\"children\":0}");
	lfs_buf_free(&b);
}
END_TEST

START_TEST(test_json_layer_unknown_flags)
{
	struct lfs_layer l = {
		.has = LFS_HAS_ID | LFS_HAS_FLAGS,
		.id = 2,
		.name = "n",
		.path = "/p",
		.flags = LAYERFS_LAYER_F_FROZEN | 0x80 | 0x80000000U,
	};
	struct lfs_buf b = LFS_BUF_INIT;
	struct lfs_json j;

	lfs_json_init(&j, &b);
	lfs_json_layer(&j, &l);
	ck_assert_str_eq(lfs_buf_str(&b),
			 "{\"id\":2,\"name\":\"n\",\"path\":\"/p\","
			 "\"flags\":[\"frozen\",\"0x80\",\"0x80000000\"]}");
	lfs_buf_free(&b);
}
END_TEST

START_TEST(test_json_layer_array)
{
	struct lfs_layer a = { .has = LFS_HAS_ID, .id = 1, .name = "a", .path = "/a" };
	struct lfs_layer c = { .has = LFS_HAS_ID, .id = 2, .name = "c", .path = "/c",
			       .parent = "a", };
	struct lfs_buf b = LFS_BUF_INIT;
	struct lfs_json j;

	lfs_json_init(&j, &b);
	lfs_json_array_begin(&j);
	lfs_json_layer(&j, &a);
	lfs_json_layer(&j, &c);
	lfs_json_array_end(&j);
	ck_assert_int_eq(lfs_json_error(&j), 0);
	ck_assert_str_eq(lfs_buf_str(&b),
			 "[{\"id\":1,\"name\":\"a\",\"path\":\"/a\"},"
			 "{\"id\":2,\"name\":\"c\",\"path\":\"/c\",\"parent\":\"a\"}]");
	lfs_buf_free(&b);
}
END_TEST

Suite *json_suite(void)
{
	Suite *s = suite_create("json");
	TCase *esc = tcase_create("escape");
	TCase *wr = tcase_create("writer");

	tcase_add_loop_test(esc, test_json_escape, 0,
			    (int)(sizeof(esc_cases) / sizeof(esc_cases[0])));
	suite_add_tcase(s, esc);
	tcase_add_test(wr, test_json_writer);
	tcase_add_test(wr, test_json_empty_array);
	tcase_add_test(wr, test_json_long_array);
	tcase_add_test(wr, test_json_misuse);
	tcase_add_test(wr, test_json_layer_full);
	tcase_add_test(wr, test_json_layer_minimal);
	tcase_add_test(wr, test_json_layer_unknown_flags);
	tcase_add_test(wr, test_json_layer_array);
	suite_add_tcase(s, wr);
	return s;
}
