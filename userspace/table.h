/* SPDX-License-Identifier: GPL-2.0 */
/*
 * layerctl's one table printer: `layer ls`, `view ls`, `images` and
 * `history` fill a struct lfs_table cell by cell and print it.  Pure: no
 * I/O, so unit tests compare strings (tests/unit/check_table.c).
 *
 * A table is a header row and rows of cells.  Each column is as wide as
 * its widest cell, counted in UTF-8 code points, columns are separated by
 * at least LFS_TABLE_GAP spaces, every row ends in a newline and no row
 * has trailing blanks.  Cells are printed as written: escaping control
 * characters is the caller's (lfs_fmt_escaped(), format.h).
 *
 *   struct lfs_table t;
 *
 *   lfs_table_init(&t, 2, (const char *const[]){ "ID", "NAME" });
 *   lfs_buf_printf(lfs_table_cell(&t), "%d", 1);
 *   lfs_table_next(&t);
 *   lfs_fmt_escaped(lfs_table_cell(&t), name);
 *   lfs_table_next(&t);
 *   lfs_table_print(&t, out);
 *   lfs_table_free(&t);
 */
#ifndef LAYERCTL_TABLE_H
#define LAYERCTL_TABLE_H

#include <stddef.h>

#include "buf.h"
#include "strv.h"

/* Spaces between two columns, at the least. */
#define LFS_TABLE_GAP 3

struct lfs_table {
	size_t ncols;
	struct lfs_strv cells;	/* row by row, the header first */
	struct lfs_buf cell;	/* the cell being written */
	int failed;		/* an allocation failed */
};

/* An empty table of @ncols (> 0) columns headed @head[0..ncols). */
void lfs_table_init(struct lfs_table *t, size_t ncols,
		    const char *const *head);

/* The cell being written: append its text, then call lfs_table_next(). */
struct lfs_buf *lfs_table_cell(struct lfs_table *t);

/* Ends the cell being written; rows fill left to right, top to bottom. */
void lfs_table_next(struct lfs_table *t);

/*
 * Appends the table to @out.  A last row left short is printed with its
 * missing cells empty; empty cells at the end of a row leave no blanks.
 * If an allocation failed (here or in a cell), @out is put in the failed
 * state (lfs_buf_error()) instead.
 */
void lfs_table_print(const struct lfs_table *t, struct lfs_buf *out);

void lfs_table_free(struct lfs_table *t);

/* Display width of @s: its UTF-8 code points (continuation bytes: none). */
size_t lfs_text_width(const char *s);

#endif /* LAYERCTL_TABLE_H */
