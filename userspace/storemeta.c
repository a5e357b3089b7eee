// SPDX-License-Identifier: GPL-2.0
/*
 * The store's records as JSON text: meta.json and view.json, written and
 * read with json-c (see storemeta.h).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include <linux/layerfs.h>

#include "jsonbuild.h"
#include "layerinfo.h"
#include "parse.h"
#include "storemeta.h"

void lfs_meta_free(struct lfs_meta *m)
{
	free(m->ref);
	free(m->key);
	free(m->parent);
	lfs_strv_free(&m->base);
	lfs_strv_free(&m->tags);
	free(m->author);
	free(m->origin);
	free(m->message);
	free(m->diff);
	memset(m, 0, sizeof(*m));
}

void lfs_view_meta_free(struct lfs_view_meta *v)
{
	free(v->key);
	free(v->mountpoint);
	free(v->image);
	free(v->upper_key);
	free(v->options);
	memset(v, 0, sizeof(*v));
}

/* json-c members beyond jsonbuild.h's: every add checks its allocation. */
static int lfs_jadd_u64(struct json_object *o, const char *k, uint64_t v)
{
	return lfs_jadd(o, k, json_object_new_uint64(v));
}

/* @s, or null if @s is NULL. */
static int lfs_jadd_str_or_null(struct json_object *o, const char *k,
				const char *s)
{
	if (s)
		return lfs_jadd_str(o, k, s);
	return json_object_object_add(o, k, NULL) ? -ENOMEM : 0;
}

/* "created" (RFC 3339, "" if it cannot be formatted) and "created_ns". */
static int lfs_jadd_created(struct json_object *o, uint64_t ns)
{
	char when[LFS_TIME_RFC3339_MAX];
	int rc;

	if (lfs_time_rfc3339(ns, when, sizeof(when)))
		when[0] = '\0';
	rc = lfs_jadd_str(o, "created", when);
	if (!rc)
		rc = lfs_jadd_u64(o, "created_ns", ns);
	return rc;
}

static int lfs_jadd_strv(struct json_object *o, const char *k,
			 const struct lfs_strv *sv)
{
	struct json_object *a = json_object_new_array();
	size_t i;

	if (!a)
		return -ENOMEM;
	for (i = 0; i < sv->n; i++) {
		if (lfs_jappend(a, json_object_new_string(sv->v[i]))) {
			json_object_put(a);
			return -ENOMEM;
		}
	}
	return lfs_jadd(o, k, a);
}

static int lfs_jadd_flags(struct json_object *o, const char *k, uint32_t flags)
{
	struct json_object *a = json_object_new_array();
	uint32_t bit;

	if (!a)
		return -ENOMEM;
	for (bit = 1; bit; bit <<= 1) {
		char hex[LFS_FLAG_STR_MAX];
		const char *name = lfs_layer_flag_str(bit, hex);

		if (!(flags & bit))
			continue;
		if (lfs_jappend(a, json_object_new_string(name))) {
			json_object_put(a);
			return -ENOMEM;
		}
	}
	return lfs_jadd(o, k, a);
}

/* A new record object with its "version"; 0 or -ENOMEM (*op may be NULL). */
static int lfs_jrecord_new(struct json_object **op)
{
	*op = json_object_new_object();
	if (!*op)
		return -ENOMEM;
	return lfs_jadd_u64(*op, "version", LFS_META_VERSION);
}

static int lfs_jemit(struct json_object *o, struct lfs_buf *out)
{
	const char *s;

	s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
					   JSON_C_TO_STRING_SPACED |
					   JSON_C_TO_STRING_NOSLASHESCAPE);
	if (!s)
		return -ENOMEM;
	lfs_buf_puts(out, s);
	lfs_buf_putc(out, '\n');
	return lfs_buf_error(out);
}

/* Unless @rc is set, appends record @o to @out; frees @o.  Returns rc. */
static int lfs_jrecord_end(struct json_object *o, int rc, struct lfs_buf *out)
{
	if (!rc)
		rc = lfs_jemit(o, out);
	json_object_put(o);
	return rc;
}

int lfs_meta_to_json(const struct lfs_meta *m, struct lfs_buf *out)
{
	struct json_object *o;
	int rc;

	rc = lfs_jrecord_new(&o);
	if (!rc)
		rc = lfs_jadd_str(o, "ref", m->ref);
	if (!rc)
		rc = lfs_jadd_str(o, "key", m->key);
	if (!rc)
		rc = lfs_jadd_str_or_null(o, "parent", m->parent);
	if (!rc && m->base.n)
		rc = lfs_jadd_strv(o, "base", &m->base);
	if (!rc && m->author)
		rc = lfs_jadd_str(o, "author", m->author);
	if (!rc && m->message)
		rc = lfs_jadd_str(o, "message", m->message);
	if (!rc)
		rc = lfs_jadd_created(o, m->created);
	if (!rc)
		rc = lfs_jadd_flags(o, "flags", m->flags);
	if (!rc)
		rc = lfs_jadd_str(o, "diff", m->diff);
	if (!rc && m->has_usage)
		rc = lfs_jadd_u64(o, "size", m->size);
	if (!rc && m->has_usage)
		rc = lfs_jadd_u64(o, "files", m->files);
	if (!rc && m->origin)
		rc = lfs_jadd_str(o, "origin", m->origin);
	if (!rc && m->tags.n)
		rc = lfs_jadd_strv(o, "tags", &m->tags);
	return lfs_jrecord_end(o, rc, out);
}

int lfs_view_meta_to_json(const struct lfs_view_meta *v, struct lfs_buf *out)
{
	struct json_object *o;
	int rc;

	rc = lfs_jrecord_new(&o);
	if (!rc)
		rc = lfs_jadd_str(o, "key", v->key);
	if (!rc)
		rc = lfs_jadd_str_or_null(o, "mountpoint", v->mountpoint);
	if (!rc)
		rc = lfs_jadd_str_or_null(o, "image", v->image);
	if (!rc)
		rc = lfs_jadd_str(o, "upper_key", v->upper_key);
	if (!rc)
		rc = lfs_jadd_created(o, v->created);
	if (!rc)
		rc = lfs_jadd_u64(o, "commits", v->commits);
	if (!rc && v->persist)
		rc = lfs_jadd(o, "persist", json_object_new_boolean(1));
	if (!rc && v->options)
		rc = lfs_jadd_str(o, "options", v->options);
	return lfs_jrecord_end(o, rc, out);
}

/* Reading: a field of the wanted type, or absent/null. */
static int lfs_jget_str(struct json_object *o, const char *k, int required,
			char **dst, struct lfs_err *e)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, k, &v) || !v) {
		if (required)
			return lfs_err_set(e, -EINVAL,
				       "missing \"%s\"", k);
		return 0;
	}
	if (!json_object_is_type(v, json_type_string))
		return lfs_err_set(e, -EINVAL, "\"%s\" is not a string",
			       k);
	if (strlen(json_object_get_string(v)) !=
	    (size_t)json_object_get_string_len(v))
		return lfs_err_set(e, -EINVAL,
			       "\"%s\" has an embedded NUL", k);
	*dst = strdup(json_object_get_string(v));
	return *dst ? 0 : -ENOMEM;
}

static int lfs_jget_u64(struct json_object *o, const char *k, int required,
			uint64_t *dst, int *present, struct lfs_err *e)
{
	struct json_object *v;

	if (present)
		*present = 0;
	if (!json_object_object_get_ex(o, k, &v) || !v) {
		if (required)
			return lfs_err_set(e, -EINVAL,
				       "missing \"%s\"", k);
		return 0;
	}
	if (!json_object_is_type(v, json_type_int) ||
	    json_object_get_int64(v) < 0)
		return lfs_err_set(e, -EINVAL,
			       "\"%s\" is not a non-negative integer", k);
	*dst = json_object_get_uint64(v);
	if (present)
		*present = 1;
	return 0;
}

static int lfs_jcheck_version(struct json_object *o, struct lfs_err *e)
{
	uint64_t version = 0;
	int rc;

	rc = lfs_jget_u64(o, "version", 1, &version, NULL, e);
	if (rc)
		return rc;
	if (version != LFS_META_VERSION)
		return lfs_err_set(e, -EINVAL,
			       "version %" PRIu64 ", this layerctl reads %d",
			       version, LFS_META_VERSION);
	return 0;
}

/*
 * A record's text as a JSON object of this version, or NULL (-EINVAL, the
 * reason in @e).
 */
static struct json_object *lfs_jparse(const char *text, struct lfs_err *e)
{
	enum json_tokener_error jerr = json_tokener_success;
	struct json_object *o;

	o = json_tokener_parse_verbose(text, &jerr);
	if (!o) {
		lfs_err_set(e, -EINVAL, "not JSON: %s",
			json_tokener_error_desc(jerr));
		return NULL;
	}
	if (!json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		lfs_err_set(e, -EINVAL, "not a JSON object");
		return NULL;
	}
	if (lfs_jcheck_version(o, e)) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

/* A required string that is a store key (32 hex digits). */
static int lfs_jget_key(struct json_object *o, const char *k, char **dst,
			struct lfs_err *e)
{
	int rc = lfs_jget_str(o, k, 1, dst, e);

	if (!rc && !lfs_key_valid(*dst))
		rc = lfs_err_set(e, -EINVAL, "\"%s\" is not a key", k);
	return rc;
}

static int lfs_jget_flags(struct json_object *o, uint32_t *flags, struct lfs_err *e)
{
	struct json_object *a;
	size_t i;

	*flags = 0;
	if (!json_object_object_get_ex(o, "flags", &a) || !a)
		return 0;
	if (!json_object_is_type(a, json_type_array))
		return lfs_err_set(e, -EINVAL, "\"flags\" is not an array");
	for (i = 0; i < json_object_array_length(a); i++) {
		struct json_object *f = json_object_array_get_idx(a, i);
		uint32_t bit;

		if (!json_object_is_type(f, json_type_string))
			return lfs_err_set(e, -EINVAL,
				       "\"flags\" holds a non-string");
		for (bit = 1; bit; bit <<= 1) {
			const char *name = lfs_layer_flag_name(bit);

			if (name && !strcmp(name, json_object_get_string(f)))
				break;
		}
		if (!bit)
			return lfs_err_set(e, -EINVAL,
				       "unknown flag \"%s\"",
				       json_object_get_string(f));
		*flags |= bit;
	}
	return 0;
}

/* An optional array of layer names, @key ("base", "tags"). */
static int lfs_jget_names(struct json_object *o, const char *key,
			  struct lfs_strv *base, struct lfs_err *e)
{
	struct json_object *a;
	size_t i;

	if (!json_object_object_get_ex(o, key, &a) || !a)
		return 0;
	if (!json_object_is_type(a, json_type_array))
		return lfs_err_set(e, -EINVAL, "\"%s\" is not an array", key);
	for (i = 0; i < json_object_array_length(a); i++) {
		struct json_object *s = json_object_array_get_idx(a, i);

		if (!json_object_is_type(s, json_type_string) ||
		    lfs_name_check(json_object_get_string(s)))
			return lfs_err_set(e, -EINVAL,
				       "\"%s\" holds an invalid layer name", key);
		if (lfs_strv_push(base, json_object_get_string(s)) < 0)
			return -ENOMEM;
	}
	return 0;
}

int lfs_meta_from_json(const char *text, struct lfs_meta *m, struct lfs_err *e)
{
	struct json_object *o;
	uint64_t v;
	int rc, has_size, has_files;

	memset(m, 0, sizeof(*m));
	o = lfs_jparse(text, e);
	if (!o)
		return -EINVAL;
	rc = lfs_jget_str(o, "ref", 1, &m->ref, e);
	if (!rc && lfs_name_check(m->ref))
		rc = lfs_err_set(e, -EINVAL, "\"ref\" is not a valid layer name: %s",
			     lfs_name_check(m->ref));
	if (!rc)
		rc = lfs_jget_key(o, "key", &m->key, e);
	if (!rc)
		rc = lfs_jget_str(o, "parent", 0, &m->parent, e);
	if (!rc && m->parent && lfs_name_check(m->parent))
		rc = lfs_err_set(e, -EINVAL,
			     "\"parent\" is not a valid layer name");
	if (!rc)
		rc = lfs_jget_names(o, "base", &m->base, e);
	if (!rc)
		rc = lfs_jget_names(o, "tags", &m->tags, e);
	if (!rc)
		rc = lfs_jget_str(o, "author", 0, &m->author, e);
	if (!rc)
		rc = lfs_jget_str(o, "message", 0, &m->message, e);
	if (!rc)
		rc = lfs_jget_u64(o, "created_ns", 1, &m->created, NULL, e);
	if (!rc)
		rc = lfs_jget_flags(o, &m->flags, e);
	if (!rc)
		rc = lfs_jget_str(o, "diff", 1, &m->diff, e);
	if (!rc && m->diff[0] != '/')
		rc = lfs_err_set(e, -EINVAL,
			     "\"diff\" is not an absolute path");
	if (!rc)
		rc = lfs_jget_u64(o, "size", 0, &m->size, &has_size, e);
	if (!rc)
		rc = lfs_jget_u64(o, "files", 0, &v, &has_files, e);
	if (!rc) {
		m->files = v;
		m->has_usage = has_size && has_files;
		rc = lfs_jget_str(o, "origin", 0, &m->origin, e);
	}
	if (!rc && m->origin && !*m->origin)
		rc = lfs_err_set(e, -EINVAL, "\"origin\" is empty");
	json_object_put(o);
	return rc;
}

/* "persist": true, false, or absent (false). */
static int lfs_jget_persist(struct json_object *o, int *persist,
			    struct lfs_err *e)
{
	struct json_object *v;

	*persist = 0;
	if (!json_object_object_get_ex(o, "persist", &v) || !v)
		return 0;
	if (!json_object_is_type(v, json_type_boolean))
		return lfs_err_set(e, -EINVAL,
				   "\"persist\" is not true or false");
	*persist = json_object_get_boolean(v);
	return 0;
}

int lfs_view_meta_from_json(const char *text, struct lfs_view_meta *vm,
			    struct lfs_err *e)
{
	struct json_object *o;
	uint64_t v = 0;
	int rc;

	memset(vm, 0, sizeof(*vm));
	o = lfs_jparse(text, e);
	if (!o)
		return -EINVAL;
	rc = lfs_jget_key(o, "key", &vm->key, e);
	if (!rc)
		rc = lfs_jget_str(o, "mountpoint", 0, &vm->mountpoint, e);
	if (!rc)
		rc = lfs_jget_str(o, "image", 0, &vm->image, e);
	if (!rc)
		rc = lfs_jget_key(o, "upper_key", &vm->upper_key, e);
	if (!rc)
		rc = lfs_jget_u64(o, "created_ns", 0, &vm->created, NULL, e);
	if (!rc)
		rc = lfs_jget_u64(o, "commits", 0, &v, NULL, e);
	if (!rc)
		vm->commits = v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
	if (!rc)
		rc = lfs_jget_persist(o, &vm->persist, e);
	if (!rc)
		rc = lfs_jget_str(o, "options", 0, &vm->options, e);
	json_object_put(o);
	return rc;
}
