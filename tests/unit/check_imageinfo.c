// SPDX-License-Identifier: GPL-2.0
/* Tests for userspace/imageinfo.c and the ':latest' rule of parse.c. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "imageinfo.h"
#include "jsonout.h"
#include "parse.h"
#include "suites.h"

#define D(c) "sha256:" c c c c c c c c c c c c c c c c \
		 c c c c c c c c c c c c c c c c \
		 c c c c c c c c c c c c c c c c \
		 c c c c c c c c c c c c c c c c

START_TEST(test_ref_latest)
{
	static const struct { const char *in, *out; } cases[] = {
		{ "app", "app:latest" },
		{ "gakki/mytomcat", "gakki/mytomcat:latest" },
		{ "gakki/mytomcat:1.1", "gakki/mytomcat:1.1" },
		{ "a.b/c-d:latest", "a.b/c-d:latest" },
		{ "x:Y_1", "x:Y_1" },
	};
	char s[LFS_REF_BUF], longest[256];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ck_assert_int_eq(lfs_ref_latest(cases[i].in, s, sizeof(s)), 0);
		ck_assert_str_eq(s, cases[i].out);
		ck_assert_ptr_null(lfs_name_check(s));
		ck_assert_int_eq(lfs_ref_has_tag(s), 1);
	}
	ck_assert_int_eq(lfs_ref_has_tag("app"), 0);
	ck_assert_int_eq(lfs_ref_has_tag("a/b.c"), 0);
	/* the longest valid name still fits LFS_REF_BUF with ':latest' */
	memset(longest, 'a', 255);
	longest[255] = '\0';
	ck_assert_ptr_null(lfs_name_check(longest));
	ck_assert_int_eq(lfs_ref_latest(longest, s, sizeof(s)), 0);
	ck_assert_uint_eq(strlen(s), 255 + 7);
	ck_assert_ptr_nonnull(lfs_name_check(s));
	ck_assert_int_eq(lfs_ref_latest("app", s, 8), -ENAMETOOLONG);
	ck_assert_int_eq(lfs_ref_latest("app", s, 11), 0);
	ck_assert_str_eq(s, "app:latest");
}
END_TEST

static const struct lfs_oci_layer two[] = {
	{ .digest = D("1"), .diff_id = D("a"), .size = 10,
	  .media_type = "application/vnd.oci.image.layer.v1.tar+gzip" },
	{ .digest = D("2"), .diff_id = D("b"), .size = 20,
	  .media_type = "application/vnd.oci.image.layer.v1.tar+gzip" },
};
static const char *const two_names[] = { "base:1", "app:1" };
static const char *const two_paths[] = { "/l/base", NULL };

START_TEST(test_inspect_json)
{
	struct lfs_inspect in = {
		"app:1", D("c"), 123, D("d"),
		"{\"architecture\":\"amd64\",\"history\":[{\"comment\":\"x\"}]}",
		two, two_names, two_paths, 2
	};
	struct lfs_buf b = LFS_BUF_INIT;
	struct lfs_err e = LFS_ERR_INIT;
	char chain[LFS_DIGEST_LEN], want[2048];
	struct lfs_json j;

	ck_assert_int_eq(lfs_oci_chain_id(D("a"), D("b"), chain), 0);
	lfs_json_init(&j, &b);
	ck_assert_int_eq(lfs_inspect_json(&j, &in, &e), 0);
	ck_assert_int_eq(lfs_json_error(&j), 0);
	snprintf(want, sizeof(want),
		 "{\"ref\":\"app:1\",\"digest\":\"%s\",\"manifest_size\":123,"
		 "\"id\":\"%s\",\"chain_id\":\"%s\","
		 "\"diff_ids\":[\"%s\",\"%s\"],\"layers\":["
		 "{\"ref\":\"base:1\",\"path\":\"/l/base\",\"digest\":\"%s\","
		 "\"diff_id\":\"%s\",\"chain_id\":\"%s\",\"size\":10,"
		 "\"media_type\":\"application/vnd.oci.image.layer.v1.tar+gzip\"},"
		 "{\"ref\":\"app:1\",\"digest\":\"%s\",\"diff_id\":\"%s\","
		 "\"chain_id\":\"%s\",\"size\":20,"
		 "\"media_type\":\"application/vnd.oci.image.layer.v1.tar+gzip\"}],"
		 "\"config\":{\"architecture\":\"amd64\",\"history\":[{\"comment\":\"x\"}]},"
		 "\"history\":[{\"comment\":\"x\"}]}",
		 D("c"), D("d"), chain, D("a"), D("b"), D("1"), D("a"), D("a"),
		 D("2"), D("b"), chain);
	ck_assert_str_eq(lfs_buf_str(&b), want);
	lfs_json_free(&j);
	lfs_buf_free(&b);

	/* a config without history: null */
	in.config = "{}";
	lfs_json_init(&j, &b);
	ck_assert_int_eq(lfs_inspect_json(&j, &in, &e), 0);
	ck_assert_msg(strstr(lfs_buf_str(&b), "\"config\":{},\"history\":null}"),
		      "%s", lfs_buf_str(&b));
	lfs_json_free(&j);
	lfs_buf_free(&b);

	/* refused: a config that is not JSON, a bad diff_id, no layers */
	in.config = "{not json";
	lfs_json_init(&j, &b);
	ck_assert_int_eq(lfs_inspect_json(&j, &in, &e), -EINVAL);
	ck_assert_str_eq(e.msg, "the config is not JSON");
	lfs_json_free(&j);
	lfs_buf_free(&b);
	in.config = "{}";
	in.n = 0;
	lfs_json_init(&j, &b);
	ck_assert_int_eq(lfs_inspect_json(&j, &in, &e), -EINVAL);
	ck_assert_str_eq(e.msg, "an image without layers");
	lfs_json_free(&j);
	lfs_buf_free(&b);
}
END_TEST

START_TEST(test_inspect_bad_diff_id)
{
	struct lfs_oci_layer l[1] = { { .digest = D("1"), .diff_id = "md5:x" } };
	const char *names[] = { "x:1" };
	struct lfs_inspect in = { "x:1", D("c"), 1, D("d"), "{}", l, names,
				  NULL, 1 };
	struct lfs_buf b = LFS_BUF_INIT;
	struct lfs_err e = LFS_ERR_INIT;
	struct lfs_json j;

	lfs_json_init(&j, &b);
	ck_assert_int_eq(lfs_inspect_json(&j, &in, &e), -EINVAL);
	ck_assert_str_eq(e.msg, "layer 'x:1': bad diff_id 'md5:x'");
	ck_assert_str_eq(lfs_buf_str(&b), "");
	lfs_json_free(&j);
	lfs_buf_free(&b);
}
END_TEST

START_TEST(test_changes)
{
	struct lfs_changes c = LFS_CHANGES_INIT;
	struct lfs_buf b = LFS_BUF_INIT;

	ck_assert_int_eq(lfs_change_kind(1, 1), 'D');
	ck_assert_int_eq(lfs_change_kind(1, 0), 'D');
	ck_assert_int_eq(lfs_change_kind(0, 1), 'C');
	ck_assert_int_eq(lfs_change_kind(0, 0), 'A');

	lfs_fmt_changes(&b, &c, 0);
	ck_assert_str_eq(lfs_buf_str(&b), "");
	lfs_fmt_changes(&b, &c, 1);
	ck_assert_str_eq(lfs_buf_str(&b), "[]\n");
	lfs_buf_free(&b);

	ck_assert_int_eq(lfs_changes_add(&c, 'A', "/usr/b"), 0);
	ck_assert_int_eq(lfs_changes_add(&c, 'C', "/usr"), 0);
	ck_assert_int_eq(lfs_changes_add(&c, 'D', "/etc/x\ny"), 0);
	ck_assert_int_eq(lfs_changes_add(&c, 'A', "/usr/a"), 0);
	lfs_fmt_changes(&b, &c, 0);
	ck_assert_str_eq(lfs_buf_str(&b),
			 "D /etc/x\\ny\nC /usr\nA /usr/a\nA /usr/b\n");
	lfs_buf_free(&b);
	lfs_fmt_changes(&b, &c, 1);
	ck_assert_str_eq(lfs_buf_str(&b),
			 "[{\"kind\":\"D\",\"path\":\"/etc/x\\ny\"},"
			 "{\"kind\":\"C\",\"path\":\"/usr\"},"
			 "{\"kind\":\"A\",\"path\":\"/usr/a\"},"
			 "{\"kind\":\"A\",\"path\":\"/usr/b\"}]\n");
	lfs_buf_free(&b);
	lfs_changes_free(&c);
	ck_assert_uint_eq(c.n, 0);
}
END_TEST

START_TEST(test_json_text)
{
	struct lfs_buf b = LFS_BUF_INIT;
	struct lfs_json j;

	lfs_json_init(&j, &b);
	lfs_json_object_begin(&j);
	lfs_json_key(&j, "a");
	ck_assert_int_eq(lfs_json_text(&j, "[1, {\"x\": true}]", NULL), 0);
	lfs_json_key(&j, "b");
	ck_assert_int_eq(lfs_json_text(&j, "{\"h\": [2]}", "h"), 0);
	lfs_json_key(&j, "c");
	ck_assert_int_eq(lfs_json_text(&j, "[3]", "h"), 0);
	lfs_json_key(&j, "d");
	ck_assert_int_eq(lfs_json_text(&j, "{oops", NULL), -EINVAL);
	lfs_json_null(&j);
	/* Strings must be UTF-8 (RFC 8259): the output stays valid. */
	lfs_json_key(&j, "e");
	ck_assert_int_eq(lfs_json_text(&j, "{\"m\": \"caf\xe9\"}", NULL),
			 -EINVAL);
	lfs_json_null(&j);
	lfs_json_key(&j, "f");
	ck_assert_int_eq(lfs_json_text(&j, "{\"\xff\": 1}", NULL), -EINVAL);
	lfs_json_null(&j);
	lfs_json_key(&j, "g");
	ck_assert_int_eq(lfs_json_text(&j, "{\"m\": \"caf\xc3\xa9 \\u001b\"}",
				       "m"), 0);
	lfs_json_object_end(&j);
	ck_assert_int_eq(lfs_json_error(&j), 0);
	ck_assert_str_eq(lfs_buf_str(&b),
			 "{\"a\":[1,{\"x\":true}],\"b\":[2],\"c\":null,\"d\":null,"
			 "\"e\":null,\"f\":null,\"g\":\"caf\xc3\xa9 \\u001b\"}");
	lfs_json_free(&j);
	lfs_buf_free(&b);
}
END_TEST

Suite *imageinfo_suite(void)
{
	Suite *s = suite_create("imageinfo");
	TCase *tc = tcase_create("pure");

	tcase_add_test(tc, test_ref_latest);
	tcase_add_test(tc, test_inspect_json);
	tcase_add_test(tc, test_inspect_bad_diff_id);
	tcase_add_test(tc, test_changes);
	tcase_add_test(tc, test_json_text);
	suite_add_tcase(s, tc);
	return s;
}
