/* SPDX-License-Identifier: GPL-2.0 */
/*
 * JSON output (jsonout.c) into a struct lfs_buf, compact, written with
 * json-c (the one JSON library: storemeta.c and oci.c read and write
 * records with it too).  Pure: no I/O.  Named jsonout.h because json-c's
 * include directory has a json.h of its own.
 *
 * The calls describe a document in order (begin, key, value, ..., end);
 * it is written when its outermost container closes.  Strings are written
 * as UTF-8, escaped by json-c ('"', '\\', control characters); each byte
 * that is not part of a valid UTF-8 sequence becomes U+FFFD first, so the
 * output is always valid JSON even for arbitrary file names.
 */
#ifndef LAYERCTL_JSONOUT_H
#define LAYERCTL_JSONOUT_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "layerinfo.h"
#include "viewinfo.h"

#define LFS_JSON_DEPTH_MAX 32

struct json_object;

struct lfs_json {
	struct lfs_buf *b;
	struct json_object *stack[LFS_JSON_DEPTH_MAX];	/* open containers */
	unsigned int depth;
	char *key;		/* a key awaiting its value */
	int failed;		/* nesting error */
	int nomem;		/* an allocation failed */
};

void lfs_json_init(struct lfs_json *j, struct lfs_buf *b);
/* Frees what a document left unfinished holds (nothing once it closed). */
void lfs_json_free(struct lfs_json *j);
void lfs_json_object_begin(struct lfs_json *j);
void lfs_json_object_end(struct lfs_json *j);
void lfs_json_array_begin(struct lfs_json *j);
void lfs_json_array_end(struct lfs_json *j);
void lfs_json_key(struct lfs_json *j, const char *key);
void lfs_json_string(struct lfs_json *j, const char *s);
void lfs_json_u64(struct lfs_json *j, uint64_t v);
void lfs_json_bool(struct lfs_json *j, int v);
void lfs_json_null(struct lfs_json *j);

/* The member @key: @s, if @s is not NULL (else no member). */
void lfs_json_opt_string(struct lfs_json *j, const char *key, const char *s);
/* The member @key: the array of the strings @v[0..n). */
void lfs_json_strings(struct lfs_json *j, const char *key, char *const *v,
		      size_t n);
/*
 * The members "created" (RFC 3339, if @ns can be written so) and
 * "created_ns" (@ns).
 */
void lfs_json_created(struct lfs_json *j, uint64_t ns);

/*
 * Adds the JSON document @text as a value, or with @member (not NULL)
 * the value of that member of the object @text is (null if it has none).
 * 0, or -EINVAL if @text is not JSON or has a string that is not UTF-8,
 * or -ENOMEM (nothing is added).
 */
int lfs_json_text(struct lfs_json *j, const char *text, const char *member);
/* 0, -ENOMEM (buffer) or -EINVAL (unbalanced or too deep nesting). */
int lfs_json_error(const struct lfs_json *j);

/* Appends @s as a quoted, escaped JSON string. */
void lfs_json_escape(struct lfs_buf *b, const char *s);

/*
 * One layer as an object:
 *   {"id":1,"name":"base","path":"/x","parent":"p","parent_id":3,
 *    "author":"...","message":"...","created":"2026-11-28T23:00:00.123456789Z",
 *    "created_ns":...,"flags":["frozen"],"views":0,"children":0,
 *    "base_ids":[3,1]}
 * Members the layer lacks are omitted (base_ids: only with a BASE).
 * Unknown flag bits are written as "0x..." strings.
 */
void lfs_json_layer(struct lfs_json *j, const struct lfs_layer *l);

/*
 * One view as an object:
 *   {"id":1,"dev":"0:52","source":"layerfs","mountpoints":["/mnt"],
 *    "image":"app:1","layers":["app:1","base"],"upper":"/u","work":"/w",
 *    "readonly":false}
 * "image", "upper" and "work" are omitted when the view lacks them;
 * "mountpoints" is [] when it has none in this mount namespace.
 */
void lfs_json_view(struct lfs_json *j, const struct lfs_view *v);

#endif /* LAYERCTL_JSONOUT_H */
