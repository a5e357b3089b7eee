// SPDX-License-Identifier: GPL-2.0
/* layerctl's table printer (see table.h). */
#include <stdlib.h>

#include "table.h"

void lfs_table_init(struct lfs_table *t, size_t ncols,
		    const char *const *head)
{
	size_t c;

	t->ncols = ncols;
	t->cells = (struct lfs_strv)LFS_STRV_INIT;
	t->cell = (struct lfs_buf)LFS_BUF_INIT;
	t->failed = 0;
	for (c = 0; c < ncols; c++) {
		lfs_buf_puts(&t->cell, head[c]);
		lfs_table_next(t);
	}
}

struct lfs_buf *lfs_table_cell(struct lfs_table *t)
{
	return &t->cell;
}

void lfs_table_next(struct lfs_table *t)
{
	if (lfs_buf_error(&t->cell) ||
	    lfs_strv_push(&t->cells, lfs_buf_str(&t->cell)) < 0)
		t->failed = 1;
	lfs_buf_reset(&t->cell);
}

size_t lfs_text_width(const char *s)
{
	size_t w = 0;

	for (; *s; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			w++;
	return w;
}

void lfs_table_print(const struct lfs_table *t, struct lfs_buf *out)
{
	size_t *width, i, c, w, pad;
	const char *s;

	width = t->failed ? NULL : calloc(t->ncols, sizeof(*width));
	if (!width) {
		out->failed = 1;
		return;
	}
	for (i = 0; i < t->cells.n; i++) {
		w = lfs_text_width(t->cells.v[i]);
		if (w > width[i % t->ncols])
			width[i % t->ncols] = w;
	}
	for (i = 0; i < t->cells.n; i += t->ncols) {
		/* A cell's padding is written only if text follows it. */
		for (c = 0, pad = 0; c < t->ncols && i + c < t->cells.n; c++) {
			s = t->cells.v[i + c];
			if (*s) {
				lfs_buf_pad(out, ' ', pad);
				lfs_buf_puts(out, s);
				pad = 0;
			}
			pad += width[c] - lfs_text_width(s) + LFS_TABLE_GAP;
		}
		lfs_buf_putc(out, '\n');
	}
	free(width);
}

void lfs_table_free(struct lfs_table *t)
{
	lfs_strv_free(&t->cells);
	lfs_buf_free(&t->cell);
}
