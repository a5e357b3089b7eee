// SPDX-License-Identifier: GPL-2.0
/* `images` and `history` output from the store's records (see format.h). */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "format.h"
#include "jsonout.h"
#include "parse.h"
#include "table.h"

void lfs_fmt_size(struct lfs_buf *b, uint64_t bytes)
{
	static const char *const unit[] = { "kB", "MB", "GB", "TB", "PB", "EB" };
	double v = (double)bytes;
	int u = -1;

	if (bytes < 1000) {
		lfs_buf_printf(b, "%" PRIu64 "B", bytes);
		return;
	}
	while (v >= 1000.0 && u < 5) {
		v /= 1000.0;
		u++;
	}
	/* Three significant digits, as docker's units.HumanSize. */
	if (v < 10.0)
		lfs_buf_printf(b, "%.3g%s", v, unit[u]);
	else
		lfs_buf_printf(b, "%.4g%s", v, unit[u]);
}

static int lfs_cmp_ref(const void *a, const void *b)
{
	const struct lfs_meta *x = *(struct lfs_meta *const *)a;
	const struct lfs_meta *y = *(struct lfs_meta *const *)b;

	return strcmp(x->ref, y->ref);
}

static void lfs_json_meta(struct lfs_json *j, const struct lfs_meta *m)
{
	lfs_json_object_begin(j);
	lfs_json_key(j, "ref");
	lfs_json_string(j, m->ref);
	lfs_json_key(j, "key");
	lfs_json_string(j, m->key);
	lfs_json_key(j, "parent");
	if (m->parent)
		lfs_json_string(j, m->parent);
	else
		lfs_json_null(j);
	if (m->base.n)
		lfs_json_strings(j, "base", m->base.v, m->base.n);
	if (m->tags.n)
		lfs_json_strings(j, "tags", m->tags.v, m->tags.n);
	lfs_json_opt_string(j, "author", m->author);
	lfs_json_opt_string(j, "message", m->message);
	lfs_json_created(j, m->created);
	if (m->has_usage) {
		lfs_json_key(j, "size");
		lfs_json_u64(j, m->size);
		lfs_json_key(j, "files");
		lfs_json_u64(j, m->files);
	}
	lfs_json_key(j, "diff");
	lfs_json_string(j, m->diff);
	lfs_json_object_end(j);
}

/* A JSON array of the records @m[idx[0..n)] (@idx NULL: @m[0..n)). */
static void lfs_json_metas(struct lfs_buf *b, struct lfs_meta *const *m,
			   const size_t *idx, size_t n)
{
	struct lfs_json j;
	size_t i;

	lfs_json_init(&j, b);
	lfs_json_array_begin(&j);
	for (i = 0; i < n; i++)
		lfs_json_meta(&j, m[idx ? idx[i] : i]);
	lfs_json_array_end(&j);
	lfs_buf_putc(b, '\n');
}

/* The CREATED cell: relative to @now_ns, "" if it cannot be said. */
static void lfs_fmt_ago(struct lfs_buf *b, uint64_t ns, uint64_t now_ns)
{
	char when[64];

	if (!lfs_time_ago(ns, now_ns, when, sizeof(when)))
		lfs_buf_puts(b, when);
}

/* A SIZE cell: the layer's size for humans, "-" if unknown. */
static void lfs_fmt_usage_size(struct lfs_buf *b, const struct lfs_meta *l)
{
	if (l->has_usage)
		lfs_fmt_size(b, l->size);
	else
		lfs_buf_putc(b, '-');
}

/* An escaped text cell, "-" if @s is NULL or empty. */
static void lfs_fmt_text_cell(struct lfs_buf *b, const char *s)
{
	lfs_fmt_escaped(b, s && *s ? s : "-");
}

/* One `images` row: the layer @l under the name @name. */
static void lfs_images_row(struct lfs_table *t, const struct lfs_meta *l,
			   const char *name, uint64_t now_ns)
{
	lfs_fmt_escaped(lfs_table_cell(t), name);
	lfs_table_next(t);
	lfs_buf_printf(lfs_table_cell(t), "%.12s", l->key);
	lfs_table_next(t);
	lfs_fmt_escaped(lfs_table_cell(t), l->parent ? l->parent : "-");
	lfs_table_next(t);
	lfs_fmt_ago(lfs_table_cell(t), l->created, now_ns);
	lfs_table_next(t);
	lfs_fmt_usage_size(lfs_table_cell(t), l);
	lfs_table_next(t);
	if (l->has_usage)
		lfs_buf_printf(lfs_table_cell(t), "%" PRIu64, l->files);
	else
		lfs_buf_putc(lfs_table_cell(t), '-');
	lfs_table_next(t);
}

void lfs_fmt_images(struct lfs_buf *b, struct lfs_meta *const *m, size_t n,
		    uint64_t now_ns, int json)
{
	static const char *const head[] = {
		"REF", "KEY", "PARENT", "CREATED", "SIZE", "FILES"
	};
	struct lfs_meta **s;
	struct lfs_table t;
	size_t i, k;

	s = malloc((n ? n : 1) * sizeof(*s));
	if (!s) {
		b->failed = 1;
		return;
	}
	if (n)
		memcpy(s, m, n * sizeof(*s));
	qsort(s, n, sizeof(*s), lfs_cmp_ref);
	if (json) {
		lfs_json_metas(b, s, NULL, n);
		free(s);
		return;
	}
	lfs_table_init(&t, 6, head);
	for (i = 0; i < n; i++) {
		lfs_images_row(&t, s[i], s[i]->ref, now_ns);
		for (k = 0; k < s[i]->tags.n; k++)
			lfs_images_row(&t, s[i], s[i]->tags.v[k], now_ns);
	}
	lfs_table_print(&t, b);
	lfs_table_free(&t);
	free(s);
}

static void lfs_history_row(struct lfs_table *t, const struct lfs_meta *l,
			    uint64_t now_ns)
{
	lfs_buf_printf(lfs_table_cell(t), "%.12s", l->key);
	lfs_table_next(t);
	lfs_fmt_escaped(lfs_table_cell(t), l->ref);
	lfs_table_next(t);
	lfs_fmt_ago(lfs_table_cell(t), l->created, now_ns);
	lfs_table_next(t);
	lfs_fmt_text_cell(lfs_table_cell(t), l->author);
	lfs_table_next(t);
	lfs_fmt_usage_size(lfs_table_cell(t), l);
	lfs_table_next(t);
	lfs_fmt_text_cell(lfs_table_cell(t), l->message);
	lfs_table_next(t);
}

void lfs_fmt_history(struct lfs_buf *b, struct lfs_meta *const *m,
		     const size_t *chain, size_t nchain, uint64_t now_ns,
		     int json)
{
	static const char *const head[] = {
		"LAYER", "REF", "CREATED", "AUTHOR", "SIZE", "MESSAGE"
	};
	struct lfs_table t;
	size_t i;

	if (json) {
		lfs_json_metas(b, m, chain, nchain);
		return;
	}
	lfs_table_init(&t, 6, head);
	for (i = 0; i < nchain; i++)
		lfs_history_row(&t, m[chain[i]], now_ns);
	lfs_table_print(&t, b);
	lfs_table_free(&t);
}
