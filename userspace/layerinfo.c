// SPDX-License-Identifier: GPL-2.0
/* Layer record helpers (see layerinfo.h). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/layerfs.h>

#include "layerinfo.h"

static size_t lfs_strsize(const char *s)
{
	return s ? strlen(s) + 1 : 0;
}

static const char *lfs_strcopy(char **pos, const char *s)
{
	char *d = *pos;
	size_t n;

	if (!s)
		return NULL;
	n = strlen(s) + 1;
	memcpy(d, s, n);
	*pos = d + n;
	return d;
}

struct lfs_layer *lfs_layer_dup(const struct lfs_layer *l)
{
	size_t size = sizeof(*l);
	struct lfs_layer *d;
	char *pos;

	/* BASE first, right behind the struct: 8-byte aligned. */
	size += (size_t)l->nbase * sizeof(uint64_t);
	size += lfs_strsize(l->name) + lfs_strsize(l->path) +
		lfs_strsize(l->parent) + lfs_strsize(l->author) +
		lfs_strsize(l->message);
	d = malloc(size);
	if (!d)
		return NULL;
	*d = *l;
	pos = (char *)(d + 1);
	if (l->nbase) {
		memcpy(pos, l->base, (size_t)l->nbase * sizeof(uint64_t));
		d->base = pos;
		pos += (size_t)l->nbase * sizeof(uint64_t);
	} else {
		d->base = NULL;
	}
	d->name = lfs_strcopy(&pos, l->name);
	d->path = lfs_strcopy(&pos, l->path);
	d->parent = lfs_strcopy(&pos, l->parent);
	d->author = lfs_strcopy(&pos, l->author);
	d->message = lfs_strcopy(&pos, l->message);
	return d;
}

uint64_t lfs_layer_base_id(const struct lfs_layer *l, uint32_t i)
{
	uint64_t v;

	memcpy(&v, (const char *)l->base + (size_t)i * sizeof(v), sizeof(v));
	return v;
}

const char *lfs_layer_flag_name(uint32_t bit)
{
	switch (bit) {
	case LAYERFS_LAYER_F_FROZEN:
		return "frozen";
	case LAYERFS_LAYER_F_INDEXED:
		return "indexed";
	default:
		return NULL;
	}
}

const char *lfs_layer_flag_str(uint32_t bit, char *buf)
{
	const char *name = lfs_layer_flag_name(bit);

	if (name)
		return name;
	snprintf(buf, LFS_FLAG_STR_MAX, "0x%" PRIx32, bit);
	return buf;
}
