/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Indexes of store layers (index_store.c): ROOT/layers/KEY/index, built
 * with index_build.c and given to the kernel (LAYERFS_CMD_LAYER_INDEX).
 */
#ifndef LAYERCTL_INDEX_STORE_H
#define LAYERCTL_INDEX_STORE_H

#include <errno.h>
#include <stddef.h>

#include "err.h"

struct lfs_nl;
struct lfs_store;

/*
 * What indexing returns when a layer of the image is not frozen: nothing
 * may index it, as for layers registered with plain `layer add`.  An
 * errno neither the kernel nor the file system gives here, so that
 * callers that index by themselves can tell it from a failure.
 */
#define LFS_INDEX_UNFROZEN (-EMEDIUMTYPE)

/*
 * Gives the registered frozen layer @ref, whose store record is
 * ROOT/layers/@key, its index: the existing ROOT/layers/KEY/index if the
 * kernel accepts it, else one built now (over the index of the layer
 * below when the store has it).  0 if the layer has an index afterwards,
 * else a negative errno (LFS_INDEX_UNFROZEN if a layer of its image is
 * not frozen) with the reason in @e, one text for the caller's subject to
 * lead ("layer 'REF': cannot index: REASON").
 */
int lfs_layer_index_store(struct lfs_nl *nl, struct lfs_store *st,
			  const char *ref, const char *key, struct lfs_err *e);

/*
 * The same with the index kept as @file in directory @dirfd; @st (for
 * the index of the layer below) and @key (recorded in the index) may be
 * NULL.
 */
int lfs_layer_index_at(struct lfs_nl *nl, const struct lfs_store *st,
		       const char *ref, const char *key, int dirfd,
		       const char *file, struct lfs_err *e);

/*
 * lfs_layer_index_store() for @ref, finding its store record, under the
 * index lock (after an index being built in the background).
 */
int lfs_layer_index_ref(struct lfs_nl *nl, struct lfs_store *st,
			const char *ref, struct lfs_err *e);

/*
 * lfs_layer_index_store() (lfs_layer_index_ref() if @key is NULL) for the
 * commands that index by themselves: if it fails, but for
 * LFS_INDEX_UNFROZEN, a warning that @ref has no index and why (a layer
 * without one works: views of it walk its layers), reported on ctx->err
 * as errors are (lfs_err_report()).
 */
struct lfs_ctx;
void lfs_layer_index_try(struct lfs_ctx *ctx, struct lfs_nl *nl,
			 struct lfs_store *st, const char *ref,
			 const char *key);

/*
 * Puts "layer 'REF': not indexed, views walk its layers" in front of
 * @e, the reason indexing failed: the warning of lfs_layer_index_try()
 * and of the detached build (syslog).
 */
void lfs_layer_index_why(const char *ref, struct lfs_err *e);

/*
 * The index of the layer @l a commit just made (store key @key), as
 * lfs_layer_index_try() does, before returning if its directory holds at
 * most LFS_INDEX_FG_ENTRIES entries, else in a detached process
 * (index_bg.c): a commit takes a time independent of the size of what
 * it froze.  The detached build goes after the one before it; its
 * failures go to syslog; lfs_layer_index_ref() (`layerctl layer index
 * REF`) waits for it and reports its own.
 */
#define LFS_INDEX_FG_ENTRIES 4096
/*
 * Whether the tree at directory @dir holds at most @limit entries (itself
 * apart), reading at most @limit + 1 of them; 0 if it cannot be read.
 */
int lfs_tree_within(const char *dir, size_t limit);
struct lfs_layer;
void lfs_layer_index_commit(struct lfs_ctx *ctx, struct lfs_nl *nl,
			    struct lfs_store *st, const struct lfs_layer *l,
			    const char *key);

#endif /* LAYERCTL_INDEX_STORE_H */
