// SPDX-License-Identifier: GPL-2.0
/*
 * JSON output with json-c (see jsonout.h): the calls build a json-c
 * tree, written compact into the buffer when its outermost container
 * closes.  Strings are made valid UTF-8 first.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>
#include <linux/layerfs.h>

#include "jsonbuild.h"
#include "jsonout.h"
#include "parse.h"

#define LFS_JSON_FLAGS (JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)

void lfs_json_init(struct lfs_json *j, struct lfs_buf *b)
{
	memset(j, 0, sizeof(*j));
	j->b = b;
}

void lfs_json_free(struct lfs_json *j)
{
	if (j->depth)
		json_object_put(j->stack[0]);
	j->depth = 0;
	free(j->key);
	j->key = NULL;
}

/* Appends @v, compact, to the buffer, and drops it. */
static void lfs_json_emit(struct lfs_json *j, struct json_object *v)
{
	const char *text = json_object_to_json_string_ext(v, LFS_JSON_FLAGS);

	if (text)
		lfs_buf_puts(j->b, text);
	else
		j->nomem = 1;
	json_object_put(v);
}

/*
 * Adds @v (NULL: null, if @null) where the document is: the value of the
 * pending key, the next item of an array, or the whole document.
 */
static void lfs_json_add(struct lfs_json *j, struct json_object *v, int null)
{
	struct json_object *top;

	if (!v && !null) {
		j->nomem = 1;
		return;
	}
	if (!j->depth) {
		lfs_json_emit(j, v);
		return;
	}
	top = j->stack[j->depth - 1];
	if (json_object_is_type(top, json_type_array) && !j->key) {
		if (json_object_array_add(top, v))
			j->nomem = 1;
	} else if (json_object_is_type(top, json_type_object) && j->key) {
		if (json_object_object_add(top, j->key, v))
			j->nomem = 1;
		free(j->key);
		j->key = NULL;
	} else {
		json_object_put(v);
		j->failed = 1;
	}
}

static void lfs_json_open(struct lfs_json *j, struct json_object *v)
{
	if (!v) {
		j->nomem = 1;
		return;
	}
	if (j->depth >= LFS_JSON_DEPTH_MAX) {
		json_object_put(v);
		j->failed = 1;
		return;
	}
	if (j->depth) {
		/* The parent holds it; the stack borrows it. */
		lfs_json_add(j, json_object_get(v), 0);
		json_object_put(v);
	}
	j->stack[j->depth++] = v;
}

static void lfs_json_close(struct lfs_json *j, enum json_type type)
{
	if (!j->depth || j->key ||
	    !json_object_is_type(j->stack[j->depth - 1], type)) {
		j->failed = 1;
		return;
	}
	if (--j->depth == 0)
		lfs_json_emit(j, j->stack[0]);
}

void lfs_json_object_begin(struct lfs_json *j)
{
	lfs_json_open(j, json_object_new_object());
}

void lfs_json_object_end(struct lfs_json *j)
{
	lfs_json_close(j, json_type_object);
}

void lfs_json_array_begin(struct lfs_json *j)
{
	lfs_json_open(j, json_object_new_array());
}

void lfs_json_array_end(struct lfs_json *j)
{
	lfs_json_close(j, json_type_array);
}

void lfs_json_key(struct lfs_json *j, const char *key)
{
	if (!j->depth || j->key ||
	    !json_object_is_type(j->stack[j->depth - 1], json_type_object)) {
		j->failed = 1;
		return;
	}
	j->key = strdup(key);
	if (!j->key)
		j->nomem = 1;
}

void lfs_json_string(struct lfs_json *j, const char *s)
{
	lfs_json_add(j, lfs_jnew_utf8(s), 0);
}

void lfs_json_u64(struct lfs_json *j, uint64_t v)
{
	lfs_json_add(j, json_object_new_uint64(v), 0);
}

void lfs_json_bool(struct lfs_json *j, int v)
{
	lfs_json_add(j, json_object_new_boolean(!!v), 0);
}

void lfs_json_null(struct lfs_json *j)
{
	lfs_json_add(j, NULL, 1);
}

/*
 * The JSON document @text, its strings checked to be UTF-8; NULL if it is
 * not such a document, or out of memory (*@nomem set).
 */
static struct json_object *lfs_json_parse_utf8(const char *text, int *nomem)
{
	struct json_tokener *tok = json_tokener_new();
	struct json_object *doc;

	if (!tok) {
		*nomem = 1;
		return NULL;
	}
	json_tokener_set_flags(tok, JSON_TOKENER_VALIDATE_UTF8);
	doc = json_tokener_parse_ex(tok, text, -1);
	if (json_tokener_get_error(tok) != json_tokener_success) {
		json_object_put(doc);
		doc = NULL;
	}
	json_tokener_free(tok);
	return doc;
}

int lfs_json_text(struct lfs_json *j, const char *text, const char *member)
{
	int nomem = 0;
	struct json_object *doc = lfs_json_parse_utf8(text, &nomem), *v = doc;

	if (!doc)
		return nomem ? -ENOMEM : -EINVAL;
	if (member) {
		if (!json_object_is_type(doc, json_type_object) ||
		    !json_object_object_get_ex(doc, member, &v)) {
			json_object_put(doc);
			lfs_json_null(j);
			return 0;
		}
		json_object_get(v);
		json_object_put(doc);
	}
	lfs_json_add(j, v, 0);
	return 0;
}

int lfs_json_error(const struct lfs_json *j)
{
	if (lfs_buf_error(j->b) || j->nomem)
		return -ENOMEM;
	return j->failed ? -EINVAL : 0;
}

void lfs_json_escape(struct lfs_buf *b, const char *s)
{
	struct lfs_json j;

	lfs_json_init(&j, b);
	lfs_json_string(&j, s);
	if (j.nomem)
		b->failed = 1;
}

void lfs_json_opt_string(struct lfs_json *j, const char *key, const char *s)
{
	if (!s)
		return;
	lfs_json_key(j, key);
	lfs_json_string(j, s);
}

void lfs_json_strings(struct lfs_json *j, const char *key, char *const *v,
		      size_t n)
{
	size_t i;

	lfs_json_key(j, key);
	lfs_json_array_begin(j);
	for (i = 0; i < n; i++)
		lfs_json_string(j, v[i]);
	lfs_json_array_end(j);
}

void lfs_json_created(struct lfs_json *j, uint64_t ns)
{
	char when[LFS_TIME_RFC3339_MAX];

	if (!lfs_time_rfc3339(ns, when, sizeof(when)))
		lfs_json_opt_string(j, "created", when);
	lfs_json_key(j, "created_ns");
	lfs_json_u64(j, ns);
}

/* The member @key: @v, if @has. */
static void lfs_json_opt_u64(struct lfs_json *j, const char *key, int has,
			     uint64_t v)
{
	if (!has)
		return;
	lfs_json_key(j, key);
	lfs_json_u64(j, v);
}

/* "flags": the names of the bits of @flags ("0x..." for unknown ones). */
static void lfs_json_layer_flags(struct lfs_json *j, uint32_t flags)
{
	char hex[LFS_FLAG_STR_MAX];
	uint32_t bit;

	lfs_json_key(j, "flags");
	lfs_json_array_begin(j);
	for (bit = 1; bit; bit <<= 1)
		if (flags & bit)
			lfs_json_string(j, lfs_layer_flag_str(bit, hex));
	lfs_json_array_end(j);
}

void lfs_json_layer(struct lfs_json *j, const struct lfs_layer *l)
{
	uint32_t i;

	lfs_json_object_begin(j);
	lfs_json_opt_u64(j, "id", l->has & LFS_HAS_ID, l->id);
	lfs_json_opt_string(j, "name", l->name);
	lfs_json_opt_string(j, "path", l->path);
	lfs_json_opt_string(j, "parent", l->parent);
	lfs_json_opt_u64(j, "parent_id", l->has & LFS_HAS_PARENT_ID,
			 l->parent_id);
	lfs_json_opt_string(j, "author", l->author);
	lfs_json_opt_string(j, "message", l->message);
	if (l->has & LFS_HAS_CREATED)
		lfs_json_created(j, l->created);
	if (l->has & LFS_HAS_FLAGS)
		lfs_json_layer_flags(j, l->flags);
	lfs_json_opt_u64(j, "views", l->has & LFS_HAS_VIEWS, l->views);
	lfs_json_opt_u64(j, "children", l->has & LFS_HAS_CHILDREN,
			 l->children);
	if (l->nbase) {
		lfs_json_key(j, "base_ids");
		lfs_json_array_begin(j);
		for (i = 0; i < l->nbase; i++)
			lfs_json_u64(j, lfs_layer_base_id(l, i));
		lfs_json_array_end(j);
	}
	lfs_json_object_end(j);
}

void lfs_json_view(struct lfs_json *j, const struct lfs_view *v)
{
	char dev[32];

	lfs_json_object_begin(j);
	lfs_json_key(j, "id");
	lfs_json_u64(j, v->id);
	snprintf(dev, sizeof(dev), "%u:%u", lfs_dev_major(v->dev),
		 lfs_dev_minor(v->dev));
	lfs_json_key(j, "dev");
	lfs_json_string(j, dev);
	lfs_json_opt_string(j, "source", v->source);
	lfs_json_strings(j, "mountpoints", v->mountpoints.v, v->mountpoints.n);
	lfs_json_opt_string(j, "image", v->image);
	lfs_json_strings(j, "layers", v->layers, v->have);
	lfs_json_opt_string(j, "upper", v->upper);
	lfs_json_opt_string(j, "work", v->work);
	lfs_json_key(j, "readonly");
	lfs_json_bool(j, !!(v->flags & LAYERFS_VIEW_F_RDONLY));
	lfs_json_key(j, "indexed");
	lfs_json_bool(j, !!(v->flags & LAYERFS_VIEW_F_INDEXED));
	lfs_json_strings(j, "mount_options", v->mount_options.v,
			 v->mount_options.n);
	lfs_json_object_end(j);
}
