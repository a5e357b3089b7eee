/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The store's records, pure part, one file per job:
 *   storemeta.c  layer and view metadata as C structs and as JSON text
 *                (meta.json, view.json; json-c)
 *   storekey.c   store keys and the store paths that hold them
 *   metaset.c    a set of layer records: lookup, the restore order, image
 *                chains per the "Images" rule of include/uapi/linux/layerfs.h
 * The `images` and `history` output is format_images.c's (format.h).  No
 * I/O: store.c reads and writes the files.
 *
 * Store layout (root: --store DIR, else $LAYERFS_STORE, else
 * /var/lib/layerfs):
 *
 *   ROOT/layers/KEY/diff/       a layer's contents; also the upper of a
 *                               live view until that view is committed
 *   ROOT/layers/KEY/meta.json   only for committed or registered layers
 *                               (struct lfs_meta); its "diff" is where the
 *                               contents are: ROOT/layers/KEY/diff, or a
 *                               directory outside the store (a layer added
 *                               in place, a committed external upper)
 *   ROOT/views/VKEY/work/       a store view's work directory
 *   ROOT/views/VKEY/view.json   the view (struct lfs_view_meta)
 *   ROOT/refs/NAME              "KEY\n": the record named NAME (its
 *                               "ref"; '/' written '+') is the one in
 *                               ROOT/layers/KEY (storeref.h)
 *   ROOT/refs/.complete         every record has its ROOT/refs entry
 *
 * KEY and VKEY are 32 lower-case hex digits (128 random bits).  Names
 * starting with '.' are temporary (being written or being removed) and
 * are ignored by readers.
 */
#ifndef LAYERCTL_STOREMETA_H
#define LAYERCTL_STOREMETA_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "buf.h"
#include "err.h"
#include "strv.h"

/* The default store root. */
#define LFS_STORE_DEFAULT "/var/lib/layerfs"
/* The environment variable overriding it. */
#define LFS_STORE_ENV "LAYERFS_STORE"

/* A key: hex digits, without the NUL. */
#define LFS_KEY_LEN 32
/* Version written into every record. */
#define LFS_META_VERSION 1

/* One stored layer (meta.json).  Every string is owned. */
struct lfs_meta {
	char *ref;		/* the layer's name */
	char *key;		/* its directory in ROOT/layers */
	char *parent;		/* parent ref, or NULL */
	struct lfs_strv base;	/* BASE refs, top first (n == 0: none) */
	struct lfs_strv tags;	/* other names (`layerctl tag`): known to
				 * layerctl only, the kernel knows @ref */
	char *author;		/* NULL if none */
	char *message;		/* NULL if none */
	uint64_t created;	/* ns since the epoch */
	uint32_t flags;		/* LAYERFS_LAYER_F_* */
	char *diff;		/* absolute path of the contents */
	int has_usage;		/* size and files computed */
	uint64_t size;		/* bytes in regular files and symlinks */
	uint64_t files;		/* entries other than directories */
	char *origin;		/* "import" or "load": the contents came
				 * from outside (views of it are nosuid,
				 * nodev by default); NULL: made here */
};

/* One store view (view.json).  Every string is owned. */
struct lfs_view_meta {
	char *key;		/* its directory in ROOT/views */
	char *mountpoint;
	char *image;		/* image=REF, or NULL */
	char *upper_key;	/* ROOT/layers/UPPER_KEY/diff is its upper */
	uint64_t created;
	uint32_t commits;	/* commits made through layerctl */
	int persist;		/* mounted again by `restore --views` */
	char *options;		/* its -o flags as given ("a,b"), or NULL */
};

/* storemeta.c: the records as JSON text. */

void lfs_meta_free(struct lfs_meta *m);
void lfs_view_meta_free(struct lfs_view_meta *v);

/*
 * @m as JSON text (pretty, newline-terminated) appended to @out:
 *   {"version":1,"ref":...,"key":...,"parent":REF|null,"base":[REFS]
 *    (only if non-empty),"author":...,"message":... (only if set),
 *    "created":"RFC3339","created_ns":N,"flags":["frozen"],
 *    "diff":PATH,"size":N,"files":N (only if has_usage),
 *    "origin":"import"|"load" (only if set),"tags":[NAMES] (only if
 *    non-empty)}
 * 0 or -ENOMEM.
 */
int lfs_meta_to_json(const struct lfs_meta *m, struct lfs_buf *out);

/*
 * Parses meta.json text into @m (zeroed first; free with lfs_meta_free()
 * also on failure).  Requires version 1, ref (a valid layer name), key (a
 * valid key), diff (an absolute path) and created_ns; checks every type.
 * "origin" is optional (records written before it existed have none).
 * 0, -ENOMEM, or -EINVAL with the reason in @e.
 */
int lfs_meta_from_json(const char *text, struct lfs_meta *m, struct lfs_err *e);

/* The same for view.json: key, upper_key required; mountpoint, image;
 * "persist": true and "options" only when set. */
int lfs_view_meta_to_json(const struct lfs_view_meta *v, struct lfs_buf *out);
int lfs_view_meta_from_json(const char *text, struct lfs_view_meta *v,
			    struct lfs_err *e);

/* storekey.c: keys and store paths. */

/* Formats 16 random bytes as a key (@out: LFS_KEY_LEN + 1 bytes). */
void lfs_key_format(const unsigned char bytes[16], char *out);

/* 1 if @s is a key: exactly LFS_KEY_LEN lower-case hex digits. */
int lfs_key_valid(const char *s);

/*
 * The file name of @ref's entry in ROOT/refs: @ref with each '/' written
 * '+' (a character no layer name has, so the mapping is one to one).
 * -EINVAL unless @ref is a valid layer name; @out: LAYERFS_NAME_MAX + 1
 * bytes.
 */
int lfs_ref_file_name(const char *ref, char *out, size_t len);

/*
 * If @path is ROOT/layers/KEY/diff for store root @root (both absolute and
 * canonical, no trailing '/'), copies KEY into @key (LFS_KEY_LEN + 1
 * bytes) and returns 1; else 0.
 */
int lfs_store_path_key(const char *root, const char *path, char *key);

/*
 * If @path is ROOT/@sub/KEY or anything below it (@sub: "layers" or
 * "views"; paths absolute and canonical), copies KEY into @key
 * (LFS_KEY_LEN + 1 bytes) and returns 1; else 0.  `layerctl prune` keeps
 * the store directories that a mounted view or a registered layer uses.
 */
int lfs_store_path_entry(const char *root, const char *path, const char *sub,
			 char *key);

/*
 * Appends to @keys every KEY of @path that follows a component @sub
 * ("/anything/SUB/KEY" or "/anything/SUB/KEY/..."), whatever comes before
 * it: a store reached through another path (a bind mount, another mount
 * namespace, a chroot).  0 or -ENOMEM.
 */
int lfs_store_path_keys(const char *path, const char *sub,
			struct lfs_strv *keys);

/* metaset.c: a set of layer records. */

/* Index of the layer named @ref in @m[0..n), or -1. */
long lfs_meta_find(struct lfs_meta *const *m, size_t n, const char *ref);

/* Index of the first layer in @m[0..n) built on @ref (its parent or BASE), or -1. */
long lfs_meta_child(struct lfs_meta *const *m, size_t n, const char *ref);

/*
 * The first of @refs[0..nrefs) whose record in @m[0..n) has an origin
 * (it came from import or load), or NULL: views of such layers are
 * mounted nosuid,nodev by default.
 */
const char *lfs_meta_foreign(struct lfs_meta *const *m, size_t n,
			     char *const *refs, size_t nrefs);

/*
 * The record one of whose tags is @name (*@which: its index in the
 * tags), or -1.
 */
long lfs_meta_find_tag(struct lfs_meta *const *m, size_t n, const char *name,
		       size_t *which);

/*
 * The record an image REF the user gave names: a record named REF, one
 * tagged REF, then the same for REF:latest if REF has no tag; or -1.
 */
long lfs_meta_lookup(struct lfs_meta *const *m, size_t n, const char *ref);

/*
 * The name load and pull give an image's lower layers: LFS_CHAIN_PREFIX
 * and the hex of its OCI chain id.  Such a layer has no name of its own,
 * as docker's <none> intermediate images.
 */
#define LFS_CHAIN_PREFIX "oci/chain:"

/* 1 if @name is one of those (starts with LFS_CHAIN_PREFIX), else 0. */
static inline int lfs_is_chain_name(const char *name)
{
	return !strncmp(name, LFS_CHAIN_PREFIX, sizeof(LFS_CHAIN_PREFIX) - 1);
}

/*
 * 1 if @m[i] is an intermediate layer that `images` hides without -a:
 * unnamed (LFS_CHAIN_PREFIX) and the parent or a BASE layer of another
 * record of @m[0..n).  An unnamed layer nothing builds on (a dangling
 * one) is shown, as docker shows dangling images.
 */
int lfs_meta_intermediate(struct lfs_meta *const *m, size_t n, size_t i);

/*
 * The order in which to register @m[0..n): every layer after its parent
 * and its BASE layers when those are in @m too (others are expected to be
 * registered already).  @order receives n indices.  0, -ENOMEM, or -ELOOP
 * in @e ("layer 'REF': a parent cycle in the store").
 */
int lfs_meta_order(struct lfs_meta *const *m, size_t n, size_t *order,
		   struct lfs_err *e);

/*
 * The image @ref names, per the Images rule: the layer, then its BASE
 * layers if it has a BASE, else its parent's image.  @chain receives the
 * indices into @m, top first (at most @n), *@nchain their count.  0,
 * -ENOENT ("not in the store" for @ref itself, "layer 'P' is not in the
 * store" for a parent or a BASE layer not in @m) or -ELOOP ("a parent
 * cycle through 'REF'") in @e, for the caller to put "image 'REF'" before.
 */
int lfs_meta_chain(struct lfs_meta *const *m, size_t n, const char *ref,
		   size_t *chain, size_t *nchain, struct lfs_err *e);

#endif /* LAYERCTL_STOREMETA_H */
