// SPDX-License-Identifier: GPL-2.0
/* layerctl's table printer (table.c). */
#include "suites.h"
#include "table.h"

/* Fills @t with @n cells of @cells, then prints it into a string. */
static const char *print(struct lfs_table *t, const char *const *cells,
			 size_t n)
{
	static struct lfs_buf b = LFS_BUF_INIT;
	size_t i;

	for (i = 0; i < n; i++) {
		lfs_buf_puts(lfs_table_cell(t), cells[i]);
		lfs_table_next(t);
	}
	lfs_buf_reset(&b);
	lfs_table_print(t, &b);
	lfs_table_free(t);
	return lfs_buf_error(&b) ? NULL : lfs_buf_str(&b);
}

static const char *const head3[] = { "ID", "NAME", "PATH" };

START_TEST(test_header_only)
{
	struct lfs_table t;

	lfs_table_init(&t, 3, head3);
	ck_assert_str_eq(print(&t, NULL, 0), "ID   NAME   PATH\n");
}
END_TEST

START_TEST(test_columns_widest_cell)
{
	static const char *const cells[] = {
		"1", "base", "/srv/base",
		"1234567", "x", "/p",
	};
	struct lfs_table t;

	lfs_table_init(&t, 3, head3);
	/* Each column as wide as its widest cell, header included; 3 spaces. */
	ck_assert_str_eq(print(&t, cells, 6),
			 "ID        NAME   PATH\n"
			 "1         base   /srv/base\n"
			 "1234567   x      /p\n");
}
END_TEST

START_TEST(test_utf8_code_points)
{
	/* "é" is two bytes and one column; "ä" likewise. */
	static const char *const cells[] = {
		"\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9", "a", "/p",
		"x", "\xc3\xa4", "/q",
	};
	struct lfs_table t;

	lfs_table_init(&t, 3, head3);
	ck_assert_str_eq(print(&t, cells, 6),
			 "ID      NAME   PATH\n"
			 "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9   a      /p\n"
			 "x       \xc3\xa4      /q\n");
	ck_assert_uint_eq(lfs_text_width("caf\xc3\xa9"), 4);
	ck_assert_uint_eq(lfs_text_width(""), 0);
}
END_TEST

START_TEST(test_no_trailing_blanks)
{
	/* Empty cells at a row's end leave no blanks; inner ones are padded. */
	static const char *const cells[] = {
		"1", "", "",
		"2", "", "/p",
		"", "n", "",
	};
	struct lfs_table t;

	lfs_table_init(&t, 3, head3);
	ck_assert_str_eq(print(&t, cells, 9),
			 "ID   NAME   PATH\n"
			 "1\n"
			 "2           /p\n"
			 "     n\n");
}
END_TEST

START_TEST(test_short_last_row)
{
	static const char *const cells[] = { "1", "a", "/p", "22" };
	struct lfs_table t;

	lfs_table_init(&t, 3, head3);
	ck_assert_str_eq(print(&t, cells, 4),
			 "ID   NAME   PATH\n"
			 "1    a      /p\n"
			 "22\n");
}
END_TEST

START_TEST(test_one_column)
{
	static const char *const head[] = { "REF" };
	static const char *const cells[] = { "a", "longer" };
	struct lfs_table t;

	lfs_table_init(&t, 1, head);
	ck_assert_str_eq(print(&t, cells, 2), "REF\na\nlonger\n");
}
END_TEST

START_TEST(test_cells_as_written)
{
	/* The printer neither escapes nor trims: that is the caller's. */
	static const char *const cells[] = { " x", "a\tb", "c " };
	struct lfs_table t;

	lfs_table_init(&t, 3, head3);
	ck_assert_str_eq(print(&t, cells, 3),
			 "ID   NAME   PATH\n"
			 " x   a\tb    c \n");
}
END_TEST

START_TEST(test_failed_cell_fails_output)
{
	struct lfs_buf out = LFS_BUF_INIT;
	struct lfs_table t;

	lfs_table_init(&t, 3, head3);
	lfs_buf_puts(lfs_table_cell(&t), "1");
	lfs_table_next(&t);
	/* A cell whose buffer failed (out of memory) fails the whole table. */
	lfs_table_cell(&t)->failed = 1;
	lfs_table_next(&t);
	lfs_buf_puts(lfs_table_cell(&t), "/p");
	lfs_table_next(&t);
	lfs_table_print(&t, &out);
	ck_assert_int_ne(lfs_buf_error(&out), 0);
	lfs_table_free(&t);
	lfs_buf_free(&out);
}
END_TEST

Suite *table_suite(void)
{
	Suite *s = suite_create("table");
	TCase *tc = tcase_create("table");

	tcase_add_test(tc, test_header_only);
	tcase_add_test(tc, test_columns_widest_cell);
	tcase_add_test(tc, test_utf8_code_points);
	tcase_add_test(tc, test_no_trailing_blanks);
	tcase_add_test(tc, test_short_last_row);
	tcase_add_test(tc, test_one_column);
	tcase_add_test(tc, test_cells_as_written);
	tcase_add_test(tc, test_failed_cell_fails_output);
	suite_add_tcase(s, tc);
	return s;
}
