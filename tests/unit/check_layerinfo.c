// SPDX-License-Identifier: GPL-2.0
/* Tests for userspace/layerinfo.c. */
#include <stdlib.h>

#include <linux/layerfs.h>

#include "layerinfo.h"
#include "suites.h"

START_TEST(test_dup_full)
{
	char name[] = "base", path[] = "/srv/base", parent[] = "root";
	char author[] = "me", message[] = "hello";
	struct lfs_layer l = {
		.has = LFS_HAS_ID | LFS_HAS_CREATED | LFS_HAS_VIEWS,
		.id = 7, .created = 99, .views = 2,
		.name = name, .path = path, .parent = parent,
		.author = author, .message = message,
	};
	struct lfs_layer *d = lfs_layer_dup(&l);

	ck_assert_ptr_nonnull(d);
	/* The copy owns its strings: change the originals. */
	name[0] = path[0] = parent[0] = author[0] = message[0] = 'X';
	ck_assert_uint_eq(d->has, l.has);
	ck_assert_uint_eq(d->id, 7);
	ck_assert_uint_eq(d->created, 99);
	ck_assert_uint_eq(d->views, 2);
	ck_assert_str_eq(d->name, "base");
	ck_assert_str_eq(d->path, "/srv/base");
	ck_assert_str_eq(d->parent, "root");
	ck_assert_str_eq(d->author, "me");
	ck_assert_str_eq(d->message, "hello");
	ck_assert_str_eq(name, "Xase");
	ck_assert_str_eq(message, "Xello");
	ck_assert_int_eq(path[0] + parent[0] + author[0], 3 * 'X');
	free(d);
}
END_TEST

START_TEST(test_dup_absent_strings)
{
	struct lfs_layer l = { .name = "a" };
	struct lfs_layer *d = lfs_layer_dup(&l);

	ck_assert_ptr_nonnull(d);
	ck_assert_str_eq(d->name, "a");
	ck_assert_ptr_null(d->path);
	ck_assert_ptr_null(d->parent);
	ck_assert_ptr_null(d->author);
	ck_assert_ptr_null(d->message);
	free(d);
}
END_TEST

START_TEST(test_flag_names)
{
	ck_assert_str_eq(lfs_layer_flag_name(LAYERFS_LAYER_F_FROZEN), "frozen");
	ck_assert_ptr_null(lfs_layer_flag_name(1U << 7));
	ck_assert_ptr_null(lfs_layer_flag_name(0));
}
END_TEST

Suite *layerinfo_suite(void)
{
	Suite *s = suite_create("layerinfo");
	TCase *tc = tcase_create("layerinfo");

	tcase_add_test(tc, test_dup_full);
	tcase_add_test(tc, test_dup_absent_strings);
	tcase_add_test(tc, test_flag_names);
	suite_add_tcase(s, tc);
	return s;
}
