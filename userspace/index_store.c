// SPDX-License-Identifier: GPL-2.0
/*
 * Indexes of store layers: build a frozen layer's index beside it in the
 * store (ROOT/layers/KEY/index) and give it to the kernel
 * (LAYERFS_CMD_LAYER_INDEX).  Commit, import, load and restore call
 * lfs_layer_index_store() after registering a frozen layer;
 * `layerctl layer index NAME` (layer_index.c) does it by hand.
 *
 * The index is built incrementally over the index of the layer below
 * (the parent's, in the store) when there is one: O(the layer's entries
 * plus the directories it touches); otherwise from every layer of the
 * image, bottom up.  An existing index file of a layer in the store is
 * offered to the kernel first, and rebuilt if the kernel finds it stale
 * (after a reboot device numbers can change).  The kernel checks that an
 * index names the image's directories, not what they hold: a layer
 * outside the store (added in place, a committed external upper), whose
 * directory may have been changed while it was not registered, gets its
 * index built anew each time it is registered, and its index file serves
 * as the base of another layer's only while the kernel holds it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/layerfs.h>

#include "chain.h"
#include "cmd.h"
#include "index_build.h"
#include "index_store.h"
#include "layerinfo.h"
#include "nl.h"
#include "parse.h"
#include "store.h"
#include "storeref.h"

/* The index's file name in ROOT/layers/KEY. */
#define LFS_INDEX_FILE "index"

/*
 * LFS_INDEX_UNFROZEN with the reason in @e if a layer of the image @c is
 * not frozen (then nothing may index it), else 0.
 */
static int lfs_chain_soft(const struct lfs_chain *c, struct lfs_err *e)
{
	size_t i;

	for (i = 0; i < c->n; i++) {
		if (!(c->v[i]->flags & LAYERFS_LAYER_F_FROZEN)) {
			lfs_err_set(e, 0, "layer '%s' of its image is not frozen",
				    c->v[i]->name);
			return LFS_INDEX_UNFROZEN;
		}
	}
	return 0;
}

/* @key gets the store key of a layer whose directory is ROOT/layers/KEY/diff. */
static int lfs_store_key_of(const struct lfs_store *st, const char *path,
			    char *key)
{
	return lfs_store_path_key(st->root, path, key) ? 0 : -ENOENT;
}

/*
 * The index of registered layer @b from the store, if it has one: beside
 * its contents in the store, or beside its record for a layer outside it
 * (a committed external upper, a layer added in place).  With @nlayers,
 * only an index of that many layers.
 */
static int lfs_index_of(const struct lfs_store *st, const struct lfs_layer *b,
			uint32_t nlayers, struct lfs_index *ix)
{
	char key[LFS_KEY_LEN + 1], name[LFS_KEY_LEN + 16];
	int rc;

	if (!st)
		return -ENOENT;
	/* Outside the store: only the index this registration was given. */
	if (lfs_store_key_of(st, b->path, key) &&
	    (!(b->flags & LAYERFS_LAYER_F_INDEXED) ||
	     lfs_store_ref_find(st, b->name, key, NULL) != 1))
		return -ENOENT;
	snprintf(name, sizeof(name), "%s/%s", key, LFS_INDEX_FILE);
	rc = lfs_index_read_file(st->layers_fd, name, ix, NULL);
	if (rc)
		return rc;
	if (nlayers && ix->nlayers != nlayers) {
		lfs_index_close(ix);
		return -ESTALE;
	}
	return 0;
}

/* The index of the layer below the top, from the store, if it has one. */
static int lfs_index_below(const struct lfs_store *st,
			   const struct lfs_chain *c, struct lfs_index *ix)
{
	if (c->n < 2)
		return -ENOENT;
	return lfs_index_of(st, c->v[1], (uint32_t)(c->n - 1), ix);
}

/* The index of every layer of @c, bottom up, written as @dirfd/@file. */
static int lfs_index_scratch(const struct lfs_store *st,
			     const struct lfs_chain *c, int dirfd,
			     const char *file, struct lfs_err *e)
{
	char (*keys)[LFS_KEY_LEN + 1] = calloc(c->n, sizeof(*keys));
	const char **kp = calloc(c->n, sizeof(*kp));
	const char **paths = calloc(c->n, sizeof(*paths));
	size_t i, len;
	void *buf = NULL;
	int rc;

	if (!keys || !kp || !paths) {
		rc = lfs_err_set(e, -ENOMEM, "cannot list the chain's layers");
		goto out;
	}
	for (i = 0; i < c->n; i++) {
		kp[i] = !st || lfs_store_key_of(st, c->v[i]->path, keys[i]) ?
			NULL : keys[i];
		paths[i] = c->v[i]->path;
	}
	/* One directory open at a time: images can be 65,536 layers deep. */
	rc = lfs_index_build_paths(paths, kp, (uint32_t)c->n, &buf, &len, e);
	if (!rc) {
		rc = lfs_index_write_file(dirfd, file, buf, len);
		if (rc)
			lfs_err_set(e, rc, "cannot write the index");
	}
out:
	free(buf);
	free(paths);
	free(kp);
	free(keys);
	return rc;
}

/*
 * Builds @dirfd/@file for the image @c whose top has store key @key (or
 * NULL), over the store's index of the layer below when it has one.
 */
static int lfs_index_make(const struct lfs_store *st, const struct lfs_chain *c,
			  const char *key, int dirfd, const char *file,
			  struct lfs_err *e)
{
	struct lfs_index below;
	int rc, layerfd;

	if (lfs_index_below(st, c, &below))
		return lfs_index_scratch(st, c, dirfd, file, e);
	layerfd = open(c->v[0]->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (layerfd < 0) {
		rc = lfs_err_set(e, -errno, "cannot open layer directory '%s'",
				 c->v[0]->path);
		lfs_index_close(&below);
		return rc;
	}
	rc = lfs_index_build(layerfd, key, &below, dirfd, file, e);
	close(layerfd);
	lfs_index_close(&below);
	return rc;
}

/* The registered layer @ref in *@l (free() it), or -errno in @e. */
static int lfs_layer_get(struct lfs_nl *nl, const char *ref,
			 struct lfs_layer **l, struct lfs_err *e)
{
	struct lfs_layer k = { 0 };

	k.name = ref;
	return lfs_nl_layer_lookup(nl, &k, l, e);
}

/* Offers @dirfd/@file to the kernel for @l. */
static int lfs_index_give(struct lfs_nl *nl, const struct lfs_layer *l,
			  int dirfd, const char *file, struct lfs_err *e)
{
	struct lfs_layer key = { 0 };
	int fd, rc;

	fd = openat(dirfd, file, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return lfs_err_set(e, -errno, "cannot open index file '%s'",
				   file);
	key.has = LFS_HAS_ID;
	key.id = l->id;
	rc = lfs_nl_layer_index(nl, &key, fd, NULL, e);
	close(fd);
	return rc;
}

/*
 * The index of @l built over the store's index of the layer right below
 * it, found with one lookup, then given: a commit's index costs the
 * layer's own entries, not a lookup per layer of the image.  The kernel
 * checks the result's layer table against the image when it is given.
 * Non-zero (nothing said in @e) when that does not work out: the caller
 * then walks the image.
 */
static int lfs_index_quick(struct lfs_nl *nl, const struct lfs_store *st,
			   const struct lfs_layer *l, const char *key,
			   int dirfd, const char *file)
{
	struct lfs_layer bk = { 0 }, *b = NULL;
	struct lfs_index below;
	int rc, layerfd;

	if (l->nbase) {
		bk.has = LFS_HAS_ID;
		bk.id = lfs_layer_base_id(l, 0);
	} else if (l->parent) {
		bk.name = l->parent;
	} else {
		return -ENOENT;
	}
	if (lfs_nl_layer_lookup(nl, &bk, &b, NULL))
		return -ENOENT;
	rc = lfs_index_of(st, b, l->nbase, &below);
	free(b);
	if (rc)
		return rc;
	layerfd = open(l->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	rc = layerfd < 0 ? -errno :
	     lfs_index_build(layerfd, key, &below, dirfd, file, NULL);
	if (layerfd >= 0)
		close(layerfd);
	lfs_index_close(&below);
	return rc ? rc : lfs_index_give(nl, l, dirfd, file, NULL);
}

/* Builds the index of @l (registered as @ref) anew, then gives it. */
static int lfs_index_rebuild(struct lfs_nl *nl, const struct lfs_store *st,
			     const struct lfs_layer *l, const char *ref,
			     const char *key, int dirfd, const char *file,
			     struct lfs_err *e)
{
	struct lfs_chain c = { 0 };
	int rc;

	if (!lfs_index_quick(nl, st, l, key, dirfd, file))
		return 0;
	lfs_err_clear(e);
	rc = lfs_image_chain(nl, ref, &c, e);
	if (!rc)
		rc = lfs_chain_soft(&c, e);
	if (!rc)
		rc = lfs_index_make(st, &c, key, dirfd, file, e);
	if (!rc)
		rc = lfs_index_give(nl, l, dirfd, file, e);
	lfs_chain_free(&c);
	return rc;
}

/*
 * Gives the frozen layer @l (registered as @ref) the index @dirfd/@file:
 * the one there if the kernel takes it, else one built now.
 */
static int lfs_index_attach(struct lfs_nl *nl, const struct lfs_store *st,
			    const struct lfs_layer *l, const char *ref,
			    const char *key, int dirfd, const char *file,
			    struct lfs_err *e)
{
	char skey[LFS_KEY_LEN + 1];
	int rc = -ENOENT;

	/*
	 * An index left from before (a restore) of a layer in the store,
	 * whose directory only layerctl changes: the kernel checks that it
	 * names the image.  Not one of a layer outside the store, whose
	 * directory may have changed since (between a `layer rm` and a
	 * `layer add` of it again, or before a restore): the kernel would
	 * take it all the same.
	 */
	if (st && !lfs_store_key_of(st, l->path, skey))
		rc = lfs_index_give(nl, l, dirfd, file, e);
	if (rc == -ENOENT || rc == -ESTALE || rc == -EINVAL)
		rc = lfs_index_rebuild(nl, st, l, ref, key, dirfd, file, e);
	return rc;
}

int lfs_layer_index_at(struct lfs_nl *nl, const struct lfs_store *st,
		       const char *ref, const char *key, int dirfd,
		       const char *file, struct lfs_err *e)
{
	struct lfs_layer *l = NULL;
	int rc;

	rc = lfs_layer_get(nl, ref, &l, e);
	if (rc)
		return rc;
	if (l->flags & LAYERFS_LAYER_F_INDEXED) {
		rc = 0;
	} else if (!(l->flags & LAYERFS_LAYER_F_FROZEN)) {
		lfs_err_set(e, 0, "the layer is not frozen");
		rc = -EINVAL;
	} else {
		rc = lfs_index_attach(nl, st, l, ref, key, dirfd, file, e);
	}
	free(l);
	return rc;
}

int lfs_layer_index_store(struct lfs_nl *nl, struct lfs_store *st,
			  const char *ref, const char *key, struct lfs_err *e)
{
	int rc, keyfd;

	keyfd = openat(st->layers_fd, key, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (keyfd < 0) {
		rc = -errno;
		return lfs_err_set(e, rc, "cannot open its store directory");
	}
	rc = lfs_layer_index_at(nl, st, ref, key, keyfd, LFS_INDEX_FILE, e);
	close(keyfd);
	return rc;
}

/* The store key of registered layer @ref: from its path, else its record. */
static int lfs_store_key_ref(struct lfs_nl *nl, struct lfs_store *st,
			     const char *ref, char *key, struct lfs_err *e)
{
	struct lfs_layer *l = NULL;
	int rc;

	rc = lfs_layer_get(nl, ref, &l, e);
	if (rc)
		return rc;
	rc = lfs_store_key_of(st, l->path, key);
	free(l);
	if (!rc)
		return 0;
	rc = lfs_store_ref_find(st, ref, key, e);
	if (!rc) {
		lfs_err_set(e, 0, "not recorded in the store %s", st->root);
		rc = -ENOENT;
	}
	return rc < 0 ? rc : 0;
}

int lfs_layer_index_ref(struct lfs_nl *nl, struct lfs_store *st,
			const char *ref, struct lfs_err *e)
{
	char key[LFS_KEY_LEN + 1];
	int rc, lockfd;

	rc = lfs_store_key_ref(nl, st, ref, key, e);
	if (rc)
		return rc;
	/* After an index a commit left building: it is there then. */
	lockfd = lfs_store_index_lock(st);
	rc = lfs_layer_index_store(nl, st, ref, key, e);
	lfs_store_index_unlock(lockfd);
	return rc;
}

void lfs_layer_index_why(const char *ref, struct lfs_err *e)
{
	lfs_err_prefix(e, e->code,
		       "layer '%s': not indexed, views walk its layers", ref);
}

void lfs_layer_index_try(struct lfs_ctx *ctx, struct lfs_nl *nl,
			 struct lfs_store *st, const char *ref,
			 const char *key)
{
	struct lfs_err e = LFS_ERR_INIT;
	int rc, lockfd;

	if (key) {
		lockfd = lfs_store_index_lock(st);
		rc = lfs_layer_index_store(nl, st, ref, key, &e);
		lfs_store_index_unlock(lockfd);
	} else {
		rc = lfs_layer_index_ref(nl, st, ref, &e);
	}
	/* Not for a layer of the image that is not frozen (from layer add). */
	if (rc < 0 && rc != LFS_INDEX_UNFROZEN) {
		lfs_layer_index_why(ref, &e);
		lfs_err_report(ctx, &e);
	}
}
