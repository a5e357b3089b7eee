// SPDX-License-Identifier: GPL-2.0
/* Tests for userspace/parse.c: names, getopt errors, times. */
#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <layerfs/refname.h>

#include "parse.h"
#include "suites.h"

/* ---- layer names: the rule of include/layerfs/refname.h ---- */

static const char *const valid_names[] = {
	"a", "0", "base", "base1", "9lives",
	"gakki/mytomcat", "my-app", "a.b__c", "a---b", "a_b", "a__b",
	"a.b.c", "a-b.c_d__e", "ns/sub/name", "x/y/z/w",
	"base:latest", "base:V1.0_rc-2", "base:_x", "a:A", "a:0",
	"gakki/mytomcat:8.5-jre", "a:x.y-z_w", "a:x..", "a:x--",
};

START_TEST(test_name_valid)
{
	const char *name = valid_names[_i];

	ck_assert_msg(lfs_name_check(name) == NULL, "'%s' refused: %s",
		      name, lfs_name_check(name));
}
END_TEST

struct bad_name {
	const char *name;
	const char *reason;
};

#define R_EMPTY		"empty name"
#define R_LONG		"longer than 255 bytes"
#define R_COMP		"each component must start with [a-z0-9]"
#define R_SEP		"separators '.', '_', '__', '-' must sit between [a-z0-9]"
#define R_CHARS		"only [a-z0-9._-] and '/' may appear before the tag"
#define R_TAG_EMPTY	"empty tag"
#define R_TAG_START	"tag must start with [A-Za-z0-9_]"
#define R_TAG_CHARS	"tag may only contain [A-Za-z0-9_.-]"
#define R_TAG_LONG	"tag longer than 128 characters"

static const struct bad_name bad_names[] = {
	{ "", R_EMPTY },
	{ "Bad", R_COMP },
	{ "/a", R_COMP },
	{ "a/", R_COMP },
	{ "a//b", R_COMP },
	{ ".a", R_COMP },
	{ "-a", R_COMP },
	{ "_a", R_COMP },
	{ ":tag", R_COMP },
	{ "a/B", R_COMP },
	{ "a.", R_SEP },
	{ "a-", R_SEP },
	{ "a_", R_SEP },
	{ "a..b", R_SEP },
	{ "a___b", R_SEP },
	{ "a._b", R_SEP },
	{ "a-.b", R_SEP },
	{ "a.-b", R_SEP },
	{ "a-/b", R_SEP },
	{ "a.:t", R_SEP },
	{ "aB", R_CHARS },
	{ "a b", R_CHARS },
	{ "a@b", R_CHARS },
	{ "a\tb", R_CHARS },
	{ "\xc3\xa9t\xc3\xa9", R_COMP },
	{ "caf\xc3\xa9", R_CHARS },
	{ "a:", R_TAG_EMPTY },
	{ "a/b:", R_TAG_EMPTY },
	{ "a:.x", R_TAG_START },
	{ "a:-x", R_TAG_START },
	{ "a:x/y", R_TAG_CHARS },
	{ "a:x:y", R_TAG_CHARS },
	{ "a:x y", R_TAG_CHARS },
	{ "a:x\xc3\xa9", R_TAG_CHARS },
};

START_TEST(test_name_invalid)
{
	const struct bad_name *t = &bad_names[_i];
	const char *why = lfs_name_check(t->name);

	ck_assert_msg(why != NULL, "'%s' accepted", t->name);
	ck_assert_str_eq(why, t->reason);
}
END_TEST

static void fill(char *buf, char c, size_t n)
{
	memset(buf, c, n);
	buf[n] = '\0';
}

START_TEST(test_name_length_boundary)
{
	char name[LAYERFS_REF_NAME_MAX + 2];

	fill(name, 'a', 255);
	ck_assert_ptr_null(lfs_name_check(name));
	fill(name, 'a', 256);
	ck_assert_str_eq(lfs_name_check(name), R_LONG);
	/* The length is checked first, whatever else is wrong. */
	fill(name, 'A', 256);
	ck_assert_str_eq(lfs_name_check(name), R_LONG);
	fill(name, 'A', 255);
	ck_assert_str_eq(lfs_name_check(name), R_COMP);
	/* 255 bytes made of components, separators and a tag. */
	fill(name, 'b', 255);
	name[1] = '/';
	name[3] = '-';
	name[4] = '-';
	name[10] = '.';
	name[20] = '_';
	name[21] = '_';
	name[200] = ':';
	name[201] = 'T';
	ck_assert_ptr_null(lfs_name_check(name));
	name[200] = 'b';
	name[201] = 'b';
	ck_assert_ptr_null(lfs_name_check(name));
	name[254] = '-';
	ck_assert_str_eq(lfs_name_check(name), R_SEP);
}
END_TEST

START_TEST(test_name_tag_boundary)
{
	char name[LAYERFS_REF_NAME_MAX + 2];

	strcpy(name, "a:");
	fill(name + 2, 'T', 128);
	ck_assert_uint_eq(strlen(name), 130);
	ck_assert_ptr_null(lfs_name_check(name));
	fill(name + 2, 'T', 129);
	ck_assert_str_eq(lfs_name_check(name), R_TAG_LONG);
	/* Tag limit and name limit together: 126 + ':' + 128 = 255. */
	fill(name, 'n', 126);
	name[126] = ':';
	fill(name + 127, '_', 128);
	ck_assert_uint_eq(strlen(name), 255);
	ck_assert_ptr_null(lfs_name_check(name));
	/* A 129-character tag in a 255-byte name: the tag is refused. */
	fill(name, 'n', 125);
	name[125] = ':';
	fill(name + 126, '9', 129);
	ck_assert_uint_eq(strlen(name), 255);
	ck_assert_str_eq(lfs_name_check(name), R_TAG_LONG);
}
END_TEST

START_TEST(test_name_same_as_shared_rule)
{
	size_t i;

	for (i = 0; i < sizeof(bad_names) / sizeof(bad_names[0]); i++)
		ck_assert_ptr_eq(lfs_name_check(bad_names[i].name),
				 layerfs_ref_check(bad_names[i].name));
}
END_TEST

/* ---- getopt error texts ---- */

static const struct option test_opts[] = {
	{ "json", no_argument, NULL, 'j' },
	{ "message", required_argument, NULL, 'm' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 }
};

struct opt_case {
	const char *args[4];
	const char *text;
};

static const struct opt_case opt_cases[] = {
	{ { "--bogus" }, "unknown option '--bogus'" },
	{ { "--bogus=1" }, "unknown option '--bogus'" },
	{ { "-z" }, "unknown option '-z'" },
	{ { "-jz" }, "unknown option '-z'" },
	{ { "--json", "-z" }, "unknown option '-z'" },
	{ { "x", "-z", "y" }, "unknown option '-z'" },
	{ { "-m" }, "option '-m' requires an argument" },
	{ { "-jm" }, "option '-m' requires an argument" },
	{ { "--message" }, "option '--message' requires an argument" },
	{ { "name", "--message" }, "option '--message' requires an argument" },
	{ { "--json=1" }, "option '--json' doesn't allow an argument" },
	{ { "--help=x" }, "option '--help' doesn't allow an argument" },
};

START_TEST(test_opt_error)
{
	const struct opt_case *t = &opt_cases[_i];
	char *argv[6] = { (char *)"cmd" };
	char text[128];
	int argc = 1, c;

	while (argc - 1 < 4 && t->args[argc - 1]) {
		argv[argc] = (char *)t->args[argc - 1];
		argc++;
	}
	argv[argc] = NULL;
	lfs_opt_reset();
	while ((c = getopt_long(argc, argv, ":jm:h", test_opts, NULL)) != -1)
		if (c == '?' || c == ':')
			break;
	ck_assert_msg(c == '?' || c == ':', "no error for case %d", _i);
	lfs_opt_error(text, sizeof(text), c, argv, test_opts);
	ck_assert_str_eq(text, t->text);
}
END_TEST

START_TEST(test_opt_reset_rescans)
{
	char *argv1[] = { (char *)"a", (char *)"-j", (char *)"x", NULL };
	char *argv2[] = { (char *)"b", (char *)"pos", (char *)"-m", (char *)"v", NULL };
	int c, seen = 0;

	lfs_opt_reset();
	while ((c = getopt_long(3, argv1, ":jm:h", test_opts, NULL)) != -1)
		seen += c == 'j';
	ck_assert_int_eq(seen, 1);
	ck_assert_int_eq(optind, 2);
	ck_assert_str_eq(argv1[optind], "x");

	/* Options after positionals are found; positionals move to the end. */
	lfs_opt_reset();
	seen = 0;
	while ((c = getopt_long(4, argv2, ":jm:h", test_opts, NULL)) != -1) {
		ck_assert_int_eq(c, 'm');
		ck_assert_str_eq(optarg, "v");
		seen++;
	}
	ck_assert_int_eq(seen, 1);
	ck_assert_int_eq(optind, 3);
	ck_assert_str_eq(argv2[optind], "pos");
}
END_TEST

/* ---- time formatting ---- */

#define NS 1000000000ULL

START_TEST(test_time_rfc3339)
{
	char buf[LFS_TIME_RFC3339_MAX];

	ck_assert_int_eq(lfs_time_rfc3339(0, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "1970-01-01T00:00:00.000000000Z");
	ck_assert_int_eq(lfs_time_rfc3339(1, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "1970-01-01T00:00:00.000000001Z");
	ck_assert_int_eq(lfs_time_rfc3339(1800000000123456789ULL, buf,
					  sizeof(buf)), 0);
	ck_assert_str_eq(buf, "2027-01-15T08:00:00.123456789Z");
	/* Leap day, end of a day. */
	ck_assert_int_eq(lfs_time_rfc3339(951868799ULL * NS + 999999999ULL,
					  buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "2000-02-29T23:59:59.999999999Z");
	ck_assert_int_eq(lfs_time_rfc3339(UINT64_MAX, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "2554-07-21T23:34:33.709551615Z");
}
END_TEST

START_TEST(test_time_rfc3339_small_buffer)
{
	char buf[31];

	ck_assert_int_eq(lfs_time_rfc3339(0, buf, sizeof(buf)), 0);
	ck_assert_int_eq(lfs_time_rfc3339(0, buf, 30), -ENOSPC);
	ck_assert_str_eq(buf, "");
	ck_assert_int_eq(lfs_time_rfc3339(0, buf, 0), -ENOSPC);
}
END_TEST

struct ago_case {
	uint64_t age_s;		/* then = now - age */
	const char *text;
};

static const struct ago_case ago_cases[] = {
	{ 0, "Less than a second ago" },
	{ 1, "1 second ago" },
	{ 2, "2 seconds ago" },
	{ 59, "59 seconds ago" },
	{ 60, "About a minute ago" },
	{ 119, "About a minute ago" },
	{ 120, "2 minutes ago" },
	{ 59 * 60 + 59, "59 minutes ago" },
	{ 60 * 60, "About an hour ago" },
	{ 89 * 60, "About an hour ago" },
	{ 90 * 60, "2 hours ago" },
	{ 47 * 3600, "47 hours ago" },
	{ 48 * 3600, "2 days ago" },
	{ 13 * 86400, "13 days ago" },
	{ 14 * 86400, "2 weeks ago" },
	{ 59 * 86400, "8 weeks ago" },
	{ 60 * 86400, "2 months ago" },
	{ 729 * 86400, "24 months ago" },
	{ 730 * 86400, "2 years ago" },
	{ 3650 * 86400, "10 years ago" },
};

START_TEST(test_time_ago)
{
	const uint64_t now = 2000000000ULL * NS;
	const struct ago_case *t = &ago_cases[_i];
	char buf[64];

	ck_assert_int_eq(lfs_time_ago(now - t->age_s * NS, now, buf,
				      sizeof(buf)), 0);
	ck_assert_str_eq(buf, t->text);
}
END_TEST

START_TEST(test_time_ago_edges)
{
	const uint64_t now = 2000000000ULL * NS;
	char buf[64];

	ck_assert_int_eq(lfs_time_ago(now - NS / 2, now, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "Less than a second ago");
	ck_assert_int_eq(lfs_time_ago(now + NS / 2, now, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "Less than a second ago");
	ck_assert_int_eq(lfs_time_ago(now + 5 * NS, now, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "In the future");
	ck_assert_int_eq(lfs_time_ago(0, UINT64_MAX, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "584 years ago");
	ck_assert_int_eq(lfs_time_ago(now - 2 * NS, now, buf, 5), -ENOSPC);
	ck_assert_str_eq(buf, "");
}
END_TEST

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))

/* ---- lfs_path_last(): umount's parent directory and last name ---- */

static const struct {
	const char *path, *parent, *name;	/* parent NULL: -EINVAL */
} path_cases[] = {
	{ "/mnt/v", "/mnt", "v" }, { "/mnt/v/", "/mnt", "v" },
	{ "/mnt//v//", "/mnt", "v" }, { "/v", "/", "v" }, { "//v", "/", "v" },
	{ "v", ".", "v" }, { "v/", ".", "v" }, { "a/b/c", "a/b", "c" },
	{ "./v", ".", "v" }, { "../v", "..", "v" }, { ".v", ".", ".v" },
	{ "/a/...", "/a", "..." },
	{ "", NULL, NULL }, { "/", NULL, NULL }, { "//", NULL, NULL },
	{ ".", NULL, NULL }, { "..", NULL, NULL }, { "/mnt/v/.", NULL, NULL },
	{ "/mnt/..", NULL, NULL }, { "../", NULL, NULL },
};

START_TEST(test_path_last)
{
	char parent[64], name[64];
	int rc = lfs_path_last(path_cases[_i].path, parent, sizeof(parent),
			       name, sizeof(name));

	if (!path_cases[_i].parent) {
		ck_assert_msg(rc == -EINVAL, "'%s': %d", path_cases[_i].path, rc);
		return;
	}
	ck_assert_msg(rc == 0, "'%s': %d", path_cases[_i].path, rc);
	ck_assert_str_eq(parent, path_cases[_i].parent);
	ck_assert_str_eq(name, path_cases[_i].name);
}
END_TEST

START_TEST(test_path_last_long)
{
	char parent[8], name[300], path[600];

	memset(path, 'a', 256);
	snprintf(path + 256, sizeof(path) - 256, "/b");
	ck_assert_int_eq(lfs_path_last(path, parent, sizeof(parent), name,
				       sizeof(name)), -ENAMETOOLONG);
	snprintf(path, sizeof(path), "/x/");
	memset(path + 3, 'n', 256);
	path[259] = '\0';	/* a name of 256 bytes: more than NAME_MAX */
	ck_assert_int_eq(lfs_path_last(path, parent, sizeof(parent), name,
				       sizeof(name)), -ENAMETOOLONG);
	path[258] = '\0';	/* 255: fits */
	ck_assert_int_eq(lfs_path_last(path, parent, sizeof(parent), name,
				       sizeof(name)), 0);
	ck_assert_str_eq(parent, "/x");
	ck_assert_uint_eq(strlen(name), 255);
}
END_TEST

Suite *parse_suite(void)
{
	Suite *s = suite_create("parse");
	TCase *names = tcase_create("names");
	TCase *opts = tcase_create("options");
	TCase *times = tcase_create("times");
	TCase *paths = tcase_create("paths");

	tcase_add_loop_test(names, test_name_valid, 0, N(valid_names));
	tcase_add_loop_test(names, test_name_invalid, 0, N(bad_names));
	tcase_add_test(names, test_name_length_boundary);
	tcase_add_test(names, test_name_tag_boundary);
	tcase_add_test(names, test_name_same_as_shared_rule);
	suite_add_tcase(s, names);

	tcase_add_loop_test(opts, test_opt_error, 0, N(opt_cases));
	tcase_add_test(opts, test_opt_reset_rescans);
	suite_add_tcase(s, opts);

	tcase_add_test(times, test_time_rfc3339);
	tcase_add_test(times, test_time_rfc3339_small_buffer);
	tcase_add_loop_test(times, test_time_ago, 0, N(ago_cases));
	tcase_add_test(times, test_time_ago_edges);
	suite_add_tcase(s, times);

	tcase_add_loop_test(paths, test_path_last, 0, N(path_cases));
	tcase_add_test(paths, test_path_last_long);
	suite_add_tcase(s, paths);
	return s;
}
