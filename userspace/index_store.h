/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Indexes of store layers (index_store.c): ROOT/layers/KEY/index, built
 * with index_build.c and given to the kernel (LAYERFS_CMD_LAYER_INDEX).
 */
#ifndef LAYERCTL_INDEX_STORE_H
#define LAYERCTL_INDEX_STORE_H

#include <stddef.h>

struct lfs_nl;
struct lfs_store;

/*
 * Gives the registered frozen layer @ref, whose store record is
 * ROOT/layers/@key, its index: the existing ROOT/layers/KEY/index if the
 * kernel accepts it, else one built now (over the index of the layer
 * below when the store has it).  0 if the layer has an index afterwards;
 * 1 if a layer of its image is not frozen (nothing may index it, as for
 * layers registered with plain `layer add`), or a negative errno; the
 * reason in @why.
 */
int lfs_layer_index_store(struct lfs_nl *nl, struct lfs_store *st,
			  const char *ref, const char *key, char *why,
			  size_t whylen);

/*
 * The same with the index kept as @file in directory @dirfd; @st (for
 * the index of the layer below) and @key (recorded in the index) may be
 * NULL.
 */
int lfs_layer_index_at(struct lfs_nl *nl, const struct lfs_store *st,
		       const char *ref, const char *key, int dirfd,
		       const char *file, char *why, size_t whylen);

/*
 * lfs_layer_index_store(), reporting a failure as a warning on stderr: a
 * layer without an index works, views of it walk its layers.
 */
void lfs_layer_index_try(struct lfs_nl *nl, struct lfs_store *st,
			 const char *ref, const char *key);

/* The same for @ref, finding its store record. */
int lfs_layer_index_ref(struct lfs_nl *nl, struct lfs_store *st,
			const char *ref, char *why, size_t whylen);

#endif /* LAYERCTL_INDEX_STORE_H */
