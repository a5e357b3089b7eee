// SPDX-License-Identifier: GPL-2.0
/* Human-readable output (see format.h). */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <linux/layerfs.h>

#include "format.h"
#include "parse.h"
#include "table.h"

/*
 * Appends what starts at the byte >= 0x80 at @s (@n bytes left) and
 * returns how many bytes it took: a UTF-8 sequence as it is, but a C1
 * control (U+0080..U+009F, 0xc2 0x80..0x9f: 0xc2 0x9b is the 8-bit CSI)
 * as its bytes escaped, and a byte that starts no valid sequence as \xNN.
 */
static size_t lfs_fmt_escaped_high(struct lfs_buf *b, const unsigned char *s,
				   size_t n)
{
	size_t len = lfs_utf8_len((const char *)s, n), i;

	if (len && !(s[0] == 0xc2 && s[1] <= 0x9f)) {
		lfs_buf_put(b, s, len);
		return len;
	}
	len = len ? len : 1;
	for (i = 0; i < len; i++)
		lfs_buf_printf(b, "\\x%02x", s[i]);
	return len;
}

void lfs_fmt_escapedn(struct lfs_buf *b, const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t len;

	for (; n; n -= len, s += len) {
		len = 1;
		if (*s >= 0x80) {
			len = lfs_fmt_escaped_high(b, s, n);
			continue;
		}
		switch (*s) {
		case '\\':
			lfs_buf_puts(b, "\\\\");
			break;
		case '\n':
			lfs_buf_puts(b, "\\n");
			break;
		case '\t':
			lfs_buf_puts(b, "\\t");
			break;
		case '\r':
			lfs_buf_puts(b, "\\r");
			break;
		default:
			if (*s < 0x20 || *s == 0x7f)
				lfs_buf_printf(b, "\\x%02x", *s);
			else
				lfs_buf_putc(b, (char)*s);
		}
	}
}

void lfs_fmt_escaped(struct lfs_buf *b, const char *s)
{
	lfs_fmt_escapedn(b, s, strlen(s));
}

void lfs_fmt_flags(struct lfs_buf *b, uint32_t flags, const char *sep)
{
	char hex[LFS_FLAG_STR_MAX];
	uint32_t bit;
	int first = 1;

	if (!flags) {
		lfs_buf_putc(b, '-');
		return;
	}
	for (bit = 1; bit; bit <<= 1) {
		if (!(flags & bit))
			continue;
		if (!first)
			lfs_buf_puts(b, sep);
		first = 0;
		lfs_buf_puts(b, lfs_layer_flag_str(bit, hex));
	}
}

/* "key:" padded so that every value starts in the same column. */
#define LFS_SHOW_COL 10

static void lfs_show_key(struct lfs_buf *b, const char *key)
{
	size_t n = strlen(key) + 1;

	lfs_buf_puts(b, key);
	lfs_buf_putc(b, ':');
	lfs_buf_pad(b, ' ', n < LFS_SHOW_COL ? LFS_SHOW_COL - n : 1);
}

static void lfs_show_str(struct lfs_buf *b, const char *key, const char *v)
{
	lfs_show_key(b, key);
	if (v && *v)
		lfs_fmt_escaped(b, v);
	else
		lfs_buf_putc(b, '-');
	lfs_buf_putc(b, '\n');
}

static void lfs_show_u64(struct lfs_buf *b, const char *key, int has,
			 uint64_t v)
{
	lfs_show_key(b, key);
	if (has)
		lfs_buf_printf(b, "%" PRIu64 "\n", v);
	else
		lfs_buf_puts(b, "-\n");
}

/* A message: one line per line of text, continuation lines indented. */
static void lfs_show_text(struct lfs_buf *b, const char *key, const char *v)
{
	if (!v || !*v) {
		lfs_show_str(b, key, NULL);
		return;
	}
	lfs_show_key(b, key);
	for (;;) {
		const char *nl = strchr(v, '\n');
		size_t n = nl ? (size_t)(nl - v) : strlen(v);

		lfs_fmt_escapedn(b, v, n);
		lfs_buf_putc(b, '\n');
		if (!nl || !nl[1])
			break;	/* a final newline ends the text */
		v = nl + 1;
		if (*v != '\n')
			lfs_buf_pad(b, ' ', LFS_SHOW_COL);	/* no trailing blanks */
	}
}

void lfs_fmt_show(struct lfs_buf *b, const struct lfs_layer *l)
{
	char when[LFS_TIME_RFC3339_MAX];

	lfs_show_u64(b, "id", l->has & LFS_HAS_ID, l->id);
	lfs_show_str(b, "name", l->name);
	lfs_show_str(b, "path", l->path);
	if (!l->parent && (l->has & LFS_HAS_PARENT_ID)) {
		lfs_show_key(b, "parent");
		lfs_buf_printf(b, "#%" PRIu64 "\n", l->parent_id);
	} else {
		lfs_show_str(b, "parent", l->parent);
	}
	lfs_show_str(b, "author", l->author);
	lfs_show_text(b, "message", l->message);
	if ((l->has & LFS_HAS_CREATED) &&
	    !lfs_time_rfc3339(l->created, when, sizeof(when)))
		lfs_show_str(b, "created", when);
	else
		lfs_show_str(b, "created", NULL);
	lfs_show_key(b, "flags");
	lfs_fmt_flags(b, l->has & LFS_HAS_FLAGS ? l->flags : 0, ",");
	lfs_buf_putc(b, '\n');
	lfs_show_u64(b, "views", l->has & LFS_HAS_VIEWS, l->views);
	lfs_show_u64(b, "children", l->has & LFS_HAS_CHILDREN, l->children);
}

enum {
	COL_ID,
	COL_NAME,
	COL_PARENT,
	COL_VIEWS,
	COL_CHILDREN,
	COL_CREATED,
	COL_PATH,
	COL_COUNT
};

static const char *const lfs_table_header[COL_COUNT] = {
	"ID", "NAME", "PARENT", "VIEWS", "CHILDREN", "CREATED", "PATH",
};

/* Appends the cell of column @col for layer @l to @b. */
static void lfs_table_cell_layer(struct lfs_buf *b, const struct lfs_layer *l,
				 int col, uint64_t now_ns)
{
	char when[64];

	switch (col) {
	case COL_ID:
		if (l->has & LFS_HAS_ID)
			lfs_buf_printf(b, "%" PRIu64, l->id);
		else
			lfs_buf_putc(b, '-');
		break;
	case COL_NAME:
		lfs_fmt_escaped(b, l->name ? l->name : "-");
		break;
	case COL_PARENT:
		if (l->parent)
			lfs_fmt_escaped(b, l->parent);
		else if (l->has & LFS_HAS_PARENT_ID)
			lfs_buf_printf(b, "#%" PRIu64, l->parent_id);
		else
			lfs_buf_putc(b, '-');
		break;
	case COL_VIEWS:
		if (l->has & LFS_HAS_VIEWS)
			lfs_buf_printf(b, "%" PRIu32, l->views);
		else
			lfs_buf_putc(b, '-');
		break;
	case COL_CHILDREN:
		if (l->has & LFS_HAS_CHILDREN)
			lfs_buf_printf(b, "%" PRIu32, l->children);
		else
			lfs_buf_putc(b, '-');
		break;
	case COL_CREATED:
		if ((l->has & LFS_HAS_CREATED) &&
		    !lfs_time_ago(l->created, now_ns, when, sizeof(when)))
			lfs_buf_puts(b, when);
		else
			lfs_buf_putc(b, '-');
		break;
	case COL_PATH:
		lfs_fmt_escaped(b, l->path ? l->path : "-");
		break;
	}
}

void lfs_fmt_table(struct lfs_buf *b, struct lfs_layer *const *layers,
		   size_t n, uint64_t now_ns)
{
	struct lfs_table t;
	size_t i;
	int col;

	lfs_table_init(&t, COL_COUNT, lfs_table_header);
	for (i = 0; i < n; i++) {
		for (col = 0; col < COL_COUNT; col++) {
			lfs_table_cell_layer(lfs_table_cell(&t), layers[i], col,
					     now_ns);
			lfs_table_next(&t);
		}
	}
	lfs_table_print(&t, b);
	lfs_table_free(&t);
}

void lfs_fmt_layer_name(struct lfs_buf *b, const char *name)
{
	for (; *name; name++) {
		if (*name == ':')
			lfs_buf_puts(b, "\\:");
		else
			lfs_fmt_escapedn(b, name, 1);
	}
}

void lfs_fmt_view_layers(struct lfs_buf *b, const struct lfs_view *v)
{
	size_t start = b->len;
	uint32_t i;

	for (i = 0; i < v->have; i++) {
		if (i)
			lfs_buf_putc(b, ':');
		lfs_fmt_layer_name(b, v->layers[i]);
	}
	if (v->have <= 2 || lfs_buf_error(b) ||
	    lfs_text_width(b->data + start) <= LFS_FMT_LAYERS_WIDTH)
		return;
	/* Too wide: the top, the bottom and the count. */
	b->len = start;
	b->data[start] = '\0';
	lfs_fmt_layer_name(b, v->layers[0]);
	lfs_buf_puts(b, ":...:");
	lfs_fmt_layer_name(b, v->layers[v->have - 1]);
	lfs_buf_printf(b, " (%" PRIu32 ")", v->nlayers);
}

/*
 * "ro" or "rw" (the view), then the flags of its first mount here that are
 * not the defaults ("rw,nosuid,nodev": a writable view mounted nosuid,
 * nodev; "rw,ro": a writable view on a read-only mount).
 */
static void lfs_fmt_view_mode(struct lfs_buf *b, const struct lfs_view *v)
{
	int ro = !!(v->flags & LAYERFS_VIEW_F_RDONLY);
	const char *o;
	size_t i;

	lfs_buf_puts(b, ro ? "ro" : "rw");
	for (i = 0; i < v->mount_options.n; i++) {
		o = v->mount_options.v[i];
		if (!strcmp(o, "rw") || !strcmp(o, "relatime") ||
		    (ro && !strcmp(o, "ro")))
			continue;
		lfs_buf_putc(b, ',');
		lfs_buf_puts(b, o);
	}
}

enum {
	VCOL_ID,
	VCOL_MOUNTPOINT,
	VCOL_LAYERS,
	VCOL_UPPER,
	VCOL_MODE,
	VCOL_COUNT
};

static const char *const lfs_view_header[VCOL_COUNT] = {
	"ID", "MOUNTPOINT", "LAYERS", "UPPER", "MODE",
};

/* Appends the cell of column @col for view @v to @b. */
static void lfs_table_cell_view(struct lfs_buf *b, const struct lfs_view *v,
				int col)
{
	size_t i;

	switch (col) {
	case VCOL_ID:
		lfs_buf_printf(b, "%" PRIu64, v->id);
		break;
	case VCOL_MOUNTPOINT:
		for (i = 0; i < v->mountpoints.n; i++) {
			if (i)
				lfs_buf_putc(b, ',');
			lfs_fmt_escaped(b, v->mountpoints.v[i]);
		}
		if (!v->mountpoints.n)
			lfs_buf_putc(b, '-');
		break;
	case VCOL_LAYERS:
		lfs_fmt_view_layers(b, v);
		break;
	case VCOL_UPPER:
		lfs_fmt_escaped(b, v->upper ? v->upper : "-");
		break;
	case VCOL_MODE:
		lfs_fmt_view_mode(b, v);
		break;
	}
}

void lfs_fmt_views(struct lfs_buf *b, const struct lfs_view *views, size_t n)
{
	struct lfs_table t;
	size_t i;
	int col;

	lfs_table_init(&t, VCOL_COUNT, lfs_view_header);
	for (i = 0; i < n; i++) {
		for (col = 0; col < VCOL_COUNT; col++) {
			lfs_table_cell_view(lfs_table_cell(&t), &views[i], col);
			lfs_table_next(&t);
		}
	}
	lfs_table_print(&t, b);
	lfs_table_free(&t);
}
