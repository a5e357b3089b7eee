/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Indexes of store layers (index_store.c): ROOT/layers/KEY/index, built
 * with index_build.c and given to the kernel (LAYERFS_CMD_LAYER_INDEX).
 */
#ifndef LAYERCTL_INDEX_STORE_H
#define LAYERCTL_INDEX_STORE_H

#include "err.h"

struct lfs_nl;
struct lfs_store;

/*
 * Gives the registered frozen layer @ref, whose store record is
 * ROOT/layers/@key, its index: the existing ROOT/layers/KEY/index if the
 * kernel accepts it, else one built now (over the index of the layer
 * below when the store has it).  0 if the layer has an index afterwards;
 * 1 if a layer of its image is not frozen (nothing may index it, as for
 * layers registered with plain `layer add`), or a negative errno; the
 * reason in @e, one text for the caller's subject to lead ("layer 'REF':
 * cannot index: REASON").
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
 * Warns on stderr that @ref has no index, @e saying why: a layer without
 * an index works, views of it walk its layers.
 */
void lfs_layer_index_warn(const char *ref, struct lfs_err *e);

/* lfs_layer_index_store(), warning if it fails (lfs_layer_index_warn()). */
void lfs_layer_index_try(struct lfs_nl *nl, struct lfs_store *st,
			 const char *ref, const char *key);

/* The same for @ref, finding its store record. */
int lfs_layer_index_ref(struct lfs_nl *nl, struct lfs_store *st,
			const char *ref, struct lfs_err *e);

#endif /* LAYERCTL_INDEX_STORE_H */
