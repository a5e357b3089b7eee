/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Building json-c objects member by member (jsonbuild.c): the records
 * storemeta.c writes (meta.json, view.json) and the OCI documents oci.c
 * writes.  Each call takes over @v (even on failure, when it drops it) and
 * returns 0 or -ENOMEM; a NULL @v is an allocation that failed, so a call
 * can take json_object_new_*() directly:
 *
 *   if (lfs_jadd(o, "size", json_object_new_int64(n)) ||
 *       lfs_jadd_str(o, "author", author))
 *           goto fail;
 *
 * Pure: no I/O.  Writing a whole document out is jsonout.h's.
 */
#ifndef LAYERCTL_JSONBUILD_H
#define LAYERCTL_JSONBUILD_H

struct json_object;

/* Adds member @key: @v to object @o. */
int lfs_jadd(struct json_object *o, const char *key, struct json_object *v);

/* Adds member @key: the string @s, or nothing if @s is NULL. */
int lfs_jadd_str(struct json_object *o, const char *key, const char *s);

/*
 * A new json-c string of @s with each byte that is not part of valid
 * UTF-8 replaced by U+FFFD, so that the JSON written is valid (RFC 8259
 * wants UTF-8): for free text (authors, messages, file names).  NULL if
 * out of memory.
 */
struct json_object *lfs_jnew_utf8(const char *s);

/* Adds member @key: lfs_jnew_utf8(@s), or nothing if @s is NULL. */
int lfs_jadd_utf8(struct json_object *o, const char *key, const char *s);

/* Appends @v to array @a. */
int lfs_jappend(struct json_object *a, struct json_object *v);

#endif /* LAYERCTL_JSONBUILD_H */
