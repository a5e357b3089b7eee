// SPDX-License-Identifier: GPL-2.0
/* Minimal JSON writer (see json.h). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <linux/layerfs.h>

#include "json.h"
#include "parse.h"

void lfs_json_init(struct lfs_json *j, struct lfs_buf *b)
{
	memset(j, 0, sizeof(*j));
	j->b = b;
}

/* Writes the separator due before a value (or a key). */
static void lfs_json_sep(struct lfs_json *j)
{
	if (j->after_key) {
		j->after_key = 0;
		return;
	}
	if (!j->depth)
		return;
	/* A flag, not a counter: an unsigned char would wrap at 256. */
	if (j->count[j->depth - 1])
		lfs_buf_putc(j->b, ',');
	j->count[j->depth - 1] = 1;
}

static void lfs_json_open(struct lfs_json *j, char c)
{
	lfs_json_sep(j);
	if (j->depth >= LFS_JSON_DEPTH_MAX) {
		j->failed = 1;
		return;
	}
	j->count[j->depth++] = 0;
	lfs_buf_putc(j->b, c);
}

static void lfs_json_close(struct lfs_json *j, char c)
{
	if (!j->depth || j->after_key) {
		j->failed = 1;
		return;
	}
	j->depth--;
	lfs_buf_putc(j->b, c);
}

void lfs_json_object_begin(struct lfs_json *j)
{
	lfs_json_open(j, '{');
}

void lfs_json_object_end(struct lfs_json *j)
{
	lfs_json_close(j, '}');
}

void lfs_json_array_begin(struct lfs_json *j)
{
	lfs_json_open(j, '[');
}

void lfs_json_array_end(struct lfs_json *j)
{
	lfs_json_close(j, ']');
}

void lfs_json_key(struct lfs_json *j, const char *key)
{
	if (!j->depth || j->after_key) {
		j->failed = 1;
		return;
	}
	lfs_json_sep(j);
	lfs_json_escape(j->b, key);
	lfs_buf_putc(j->b, ':');
	j->after_key = 1;
}

void lfs_json_string(struct lfs_json *j, const char *s)
{
	lfs_json_sep(j);
	lfs_json_escape(j->b, s);
}

void lfs_json_u64(struct lfs_json *j, uint64_t v)
{
	lfs_json_sep(j);
	lfs_buf_printf(j->b, "%" PRIu64, v);
}

void lfs_json_bool(struct lfs_json *j, int v)
{
	lfs_json_sep(j);
	lfs_buf_puts(j->b, v ? "true" : "false");
}

void lfs_json_null(struct lfs_json *j)
{
	lfs_json_sep(j);
	lfs_buf_puts(j->b, "null");
}

int lfs_json_error(const struct lfs_json *j)
{
	if (lfs_buf_error(j->b))
		return -ENOMEM;
	return j->failed ? -EINVAL : 0;
}

/*
 * Length of the valid UTF-8 sequence at @s (1..4), or 0 if the bytes there
 * do not form one (overlong forms, surrogates and code points above
 * U+10FFFF are invalid).
 */
static size_t lfs_utf8_len(const unsigned char *s)
{
	unsigned char c = s[0];

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		return (s[1] & 0xc0) == 0x80 ? 2 : 0;
	if (c >= 0xe0 && c <= 0xef) {
		if ((s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80)
			return 0;
		if (c == 0xe0 && s[1] < 0xa0)
			return 0;	/* overlong */
		if (c == 0xed && s[1] > 0x9f)
			return 0;	/* surrogate */
		return 3;
	}
	if (c >= 0xf0 && c <= 0xf4) {
		if ((s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80 ||
		    (s[3] & 0xc0) != 0x80)
			return 0;
		if (c == 0xf0 && s[1] < 0x90)
			return 0;	/* overlong */
		if (c == 0xf4 && s[1] > 0x8f)
			return 0;	/* above U+10FFFF */
		return 4;
	}
	return 0;
}

void lfs_json_escape(struct lfs_buf *b, const char *str)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t n;

	lfs_buf_putc(b, '"');
	while (*s) {
		if (*s == '"' || *s == '\\') {
			lfs_buf_putc(b, '\\');
			lfs_buf_putc(b, (char)*s++);
		} else if (*s < 0x20 || *s == 0x7f) {
			lfs_buf_printf(b, "\\u%04x", *s++);
		} else if ((n = lfs_utf8_len(s)) != 0) {
			/* A NUL ends the sequence check early, never read past it. */
			lfs_buf_put(b, s, n);
			s += n;
		} else {
			lfs_buf_puts(b, "\\ufffd");
			s++;
		}
	}
	lfs_buf_putc(b, '"');
}

void lfs_json_layer(struct lfs_json *j, const struct lfs_layer *l)
{
	uint32_t bit;

	lfs_json_object_begin(j);
	if (l->has & LFS_HAS_ID) {
		lfs_json_key(j, "id");
		lfs_json_u64(j, l->id);
	}
	if (l->name) {
		lfs_json_key(j, "name");
		lfs_json_string(j, l->name);
	}
	if (l->path) {
		lfs_json_key(j, "path");
		lfs_json_string(j, l->path);
	}
	if (l->parent) {
		lfs_json_key(j, "parent");
		lfs_json_string(j, l->parent);
	}
	if (l->has & LFS_HAS_PARENT_ID) {
		lfs_json_key(j, "parent_id");
		lfs_json_u64(j, l->parent_id);
	}
	if (l->author) {
		lfs_json_key(j, "author");
		lfs_json_string(j, l->author);
	}
	if (l->message) {
		lfs_json_key(j, "message");
		lfs_json_string(j, l->message);
	}
	if (l->has & LFS_HAS_CREATED) {
		char when[LFS_TIME_RFC3339_MAX];

		if (!lfs_time_rfc3339(l->created, when, sizeof(when))) {
			lfs_json_key(j, "created");
			lfs_json_string(j, when);
		}
		lfs_json_key(j, "created_ns");
		lfs_json_u64(j, l->created);
	}
	if (l->has & LFS_HAS_FLAGS) {
		lfs_json_key(j, "flags");
		lfs_json_array_begin(j);
		for (bit = 1; bit; bit <<= 1) {
			const char *name;
			char hex[16];

			if (!(l->flags & bit))
				continue;
			name = lfs_layer_flag_name(bit);
			if (!name) {
				snprintf(hex, sizeof(hex), "0x%" PRIx32, bit);
				name = hex;
			}
			lfs_json_string(j, name);
		}
		lfs_json_array_end(j);
	}
	if (l->has & LFS_HAS_VIEWS) {
		lfs_json_key(j, "views");
		lfs_json_u64(j, l->views);
	}
	if (l->has & LFS_HAS_CHILDREN) {
		lfs_json_key(j, "children");
		lfs_json_u64(j, l->children);
	}
	if (l->nbase) {
		uint32_t i;

		lfs_json_key(j, "base_ids");
		lfs_json_array_begin(j);
		for (i = 0; i < l->nbase; i++)
			lfs_json_u64(j, lfs_layer_base_id(l, i));
		lfs_json_array_end(j);
	}
	lfs_json_object_end(j);
}

static void lfs_json_opt_string(struct lfs_json *j, const char *key,
				const char *s)
{
	if (!s)
		return;
	lfs_json_key(j, key);
	lfs_json_string(j, s);
}

void lfs_json_view(struct lfs_json *j, const struct lfs_view *v)
{
	char dev[32];
	size_t i;

	lfs_json_object_begin(j);
	lfs_json_key(j, "id");
	lfs_json_u64(j, v->id);
	snprintf(dev, sizeof(dev), "%u:%u", lfs_dev_major(v->dev),
		 lfs_dev_minor(v->dev));
	lfs_json_key(j, "dev");
	lfs_json_string(j, dev);
	lfs_json_opt_string(j, "source", v->source);
	lfs_json_key(j, "mountpoints");
	lfs_json_array_begin(j);
	for (i = 0; i < v->mountpoints.n; i++)
		lfs_json_string(j, v->mountpoints.v[i]);
	lfs_json_array_end(j);
	lfs_json_opt_string(j, "image", v->image);
	lfs_json_key(j, "layers");
	lfs_json_array_begin(j);
	for (i = 0; i < v->have; i++)
		lfs_json_string(j, v->layers[i]);
	lfs_json_array_end(j);
	lfs_json_opt_string(j, "upper", v->upper);
	lfs_json_opt_string(j, "work", v->work);
	lfs_json_key(j, "readonly");
	lfs_json_bool(j, !!(v->flags & LAYERFS_VIEW_F_RDONLY));
	lfs_json_key(j, "indexed");
	lfs_json_bool(j, !!(v->flags & LAYERFS_VIEW_F_INDEXED));
	lfs_json_key(j, "mount_options");
	lfs_json_array_begin(j);
	for (i = 0; i < v->mount_options.n; i++)
		lfs_json_string(j, v->mount_options.v[i]);
	lfs_json_array_end(j);
	lfs_json_object_end(j);
}
