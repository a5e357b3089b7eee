// SPDX-License-Identifier: GPL-2.0
/*
 * mountopt.c (-o flags as MOUNT_ATTR_* bits, the trust default) and the
 * "origin" of store records (storemeta.c) that decides it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>

#include "mountopt.h"
#include "storemeta.h"
#include "suites.h"

static int parse(const char *list, struct lfs_mount_opts *o, char *bad)
{
	return lfs_mount_opts_parse(list, o, bad, 64);
}

START_TEST(test_parse_each)
{
	static const struct {
		const char *flag;
		uint64_t set, clr;
	} t[] = {
		{ "ro", MOUNT_ATTR_RDONLY, 0 },
		{ "rw", 0, MOUNT_ATTR_RDONLY },
		{ "nosuid", MOUNT_ATTR_NOSUID, 0 },
		{ "suid", 0, MOUNT_ATTR_NOSUID },
		{ "nodev", MOUNT_ATTR_NODEV, 0 },
		{ "dev", 0, MOUNT_ATTR_NODEV },
		{ "noexec", MOUNT_ATTR_NOEXEC, 0 },
		{ "exec", 0, MOUNT_ATTR_NOEXEC },
		{ "noatime", MOUNT_ATTR_NOATIME, MOUNT_ATTR__ATIME },
		{ "relatime", MOUNT_ATTR_RELATIME, MOUNT_ATTR__ATIME },
		{ "strictatime", MOUNT_ATTR_STRICTATIME, MOUNT_ATTR__ATIME },
		{ "nodiratime", MOUNT_ATTR_NODIRATIME, 0 },
		{ "diratime", 0, MOUNT_ATTR_NODIRATIME },
		{ "nosymfollow", MOUNT_ATTR_NOSYMFOLLOW, 0 },
		{ "symfollow", 0, MOUNT_ATTR_NOSYMFOLLOW },
		{ "defaults", 0, 0 },
	};
	size_t i;
	char bad[64];

	for (i = 0; i < sizeof(t) / sizeof(*t); i++) {
		struct lfs_mount_opts o = LFS_MOUNT_OPTS_INIT;

		ck_assert_int_eq(parse(t[i].flag, &o, bad), 0);
		ck_assert_msg(o.set == t[i].set && o.clr == t[i].clr,
			      "%s: set %#llx clr %#llx", t[i].flag,
			      (unsigned long long)o.set,
			      (unsigned long long)o.clr);
		ck_assert_int_eq(o.suid_given, !!strstr(t[i].flag, "suid"));
		ck_assert_int_eq(o.dev_given, !strcmp(t[i].flag, "dev") ||
				 !strcmp(t[i].flag, "nodev"));
	}
}
END_TEST

START_TEST(test_parse_combine)
{
	struct lfs_mount_opts o = LFS_MOUNT_OPTS_INIT;
	char bad[64] = "";

	/* Later flags override earlier ones, across -o options too. */
	ck_assert_int_eq(parse("ro,nosuid,noatime", &o, bad), 0);
	ck_assert_int_eq(parse("rw,suid,strictatime", &o, bad), 0);
	ck_assert_uint_eq(o.set, MOUNT_ATTR_STRICTATIME);
	ck_assert_uint_eq(o.clr, MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID |
			  MOUNT_ATTR__ATIME);
	ck_assert_int_eq(parse("relatime,nodev", &o, bad), 0);
	ck_assert_uint_eq(o.set, MOUNT_ATTR_NODEV | MOUNT_ATTR_RELATIME);
	ck_assert_int_eq(o.suid_given && o.dev_given, 1);

	/* Unknown and empty flags: the first is named. */
	ck_assert_int_eq(parse("nosuid,bogus,x", &o, bad), -EINVAL);
	ck_assert_str_eq(bad, "bogus");
	ck_assert_int_eq(parse("ro,", &o, bad), -EINVAL);
	ck_assert_str_eq(bad, "");
	ck_assert_int_eq(parse("", &o, bad), -EINVAL);
	ck_assert_int_eq(parse("nosuid=1", &o, bad), -EINVAL);
	ck_assert_str_eq(bad, "nosuid=1");
	ck_assert_int_eq(parse("NOSUID", &o, bad), -EINVAL);
}
END_TEST

START_TEST(test_final)
{
	struct lfs_mount_opts o = LFS_MOUNT_OPTS_INIT;
	uint64_t set, clr;
	char bad[64];

	lfs_mount_opts_final(&o, 0, &set, &clr);
	ck_assert_uint_eq(set, 0);
	ck_assert_uint_eq(clr, 0);
	lfs_mount_opts_final(&o, 1, &set, &clr);
	ck_assert_uint_eq(set, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV);
	ck_assert_int_eq(parse("noexec,dev", &o, bad), 0);
	lfs_mount_opts_final(&o, 1, &set, &clr);
	ck_assert_uint_eq(set, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC);
	ck_assert_uint_eq(clr, MOUNT_ATTR_NODEV);
	ck_assert_int_eq(parse("suid", &o, bad), 0);
	lfs_mount_opts_final(&o, 1, &set, &clr);
	ck_assert_uint_eq(set, MOUNT_ATTR_NOEXEC);
	ck_assert_uint_eq(clr, MOUNT_ATTR_NODEV | MOUNT_ATTR_NOSUID);
	/* "defaults" is not an opt-out. */
	o = (struct lfs_mount_opts)LFS_MOUNT_OPTS_INIT;
	ck_assert_int_eq(parse("defaults", &o, bad), 0);
	lfs_mount_opts_final(&o, 1, &set, &clr);
	ck_assert_uint_eq(set, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV);
}
END_TEST

#define REC(extra)							\
	"{\"version\":1,\"ref\":\"img:1\",\"key\":\"0123456789abcdef0123456789abcdef\"," \
	"\"parent\":null,\"created_ns\":5,\"flags\":[\"frozen\"],"	\
	"\"diff\":\"/s/layers/0123456789abcdef0123456789abcdef/diff\"" extra "}"

START_TEST(test_origin_record)
{
	struct lfs_meta m, back, *v[1];
	struct lfs_buf b = LFS_BUF_INIT;
	struct lfs_err why = LFS_ERR_INIT;
	char *refs[] = { (char *)"top", (char *)"img:1" };

	/* A record written before "origin" existed: none. */
	ck_assert_int_eq(lfs_meta_from_json(REC(""), &m, &why), 0);
	ck_assert_ptr_null(m.origin);
	lfs_buf_reset(&b);
	ck_assert_int_eq(lfs_meta_to_json(&m, &b), 0);
	ck_assert_ptr_null(strstr(lfs_buf_str(&b), "origin"));
	lfs_meta_free(&m);

	ck_assert_int_eq(lfs_meta_from_json(REC(",\"origin\":\"import\""), &m,
					    &why), 0);
	ck_assert_str_eq(m.origin, "import");
	lfs_buf_reset(&b);
	ck_assert_int_eq(lfs_meta_to_json(&m, &b), 0);
	ck_assert_int_eq(lfs_meta_from_json(lfs_buf_str(&b), &back, &why), 0);
	ck_assert_str_eq(back.origin, "import");

	/* lfs_meta_foreign(): the first ref whose record has an origin. */
	v[0] = &m;
	ck_assert_str_eq(lfs_meta_foreign(v, 1, refs, 2), "img:1");
	ck_assert_ptr_null(lfs_meta_foreign(v, 1, refs, 1));
	free(m.origin);
	m.origin = NULL;
	ck_assert_ptr_null(lfs_meta_foreign(v, 1, refs, 2));
	v[0] = &back;
	ck_assert_str_eq(lfs_meta_foreign(v, 1, refs, 2), "img:1");
	lfs_meta_free(&m);
	lfs_meta_free(&back);

	ck_assert_int_eq(lfs_meta_from_json(REC(",\"origin\":7"), &m, &why), -EINVAL);
	ck_assert_str_eq(why.msg, "\"origin\" is not a string");
	lfs_meta_free(&m);
	ck_assert_int_eq(lfs_meta_from_json(REC(",\"origin\":\"\""), &m, &why), -EINVAL);
	ck_assert_str_eq(why.msg, "\"origin\" is empty");
	lfs_meta_free(&m);
	lfs_buf_free(&b);
}
END_TEST

Suite *mountopt_suite(void)
{
	Suite *s = suite_create("mountopt");
	TCase *tc = tcase_create("mountopt");

	tcase_add_test(tc, test_parse_each);
	tcase_add_test(tc, test_parse_combine);
	tcase_add_test(tc, test_final);
	tcase_add_test(tc, test_origin_record);
	suite_add_tcase(s, tc);
	return s;
}
