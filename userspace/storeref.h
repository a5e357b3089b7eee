/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The store's records by name: ROOT/refs/NAME holds the key of the record
 * whose "ref" is NAME (layout in storemeta.h), so that asking whether a
 * layer is recorded, and where, reads one entry and one record instead of
 * every record in the store: a commit or a `layer add` then costs the same
 * in a store of 10 layers as in one of 10,000.
 *
 * The record stays the truth.  An entry is written before its record
 * (lfs_store_layer_write_meta()), so a record never lacks its entry; an
 * entry whose record is gone or names another ref is stale and ignored.
 * ROOT/refs/.complete says that every record has its entry: a store made
 * before the index, or one whose marker was deleted, is read whole once,
 * its entries written, and the marker made.
 *
 * Records are closed under ancestry: a layer's parent and BASE layers are
 * recorded before the layer itself (lfs_store_record_ancestors(), which
 * commit and `layer add` call first), so a layer found recorded needs no
 * look at the layers below it.
 */
#ifndef LAYERCTL_STOREREF_H
#define LAYERCTL_STOREREF_H

#include "store.h"

/* The directory under the store root and its completeness marker. */
#define LFS_REFS_DIR		"refs"
#define LFS_REFS_COMPLETE	".complete"

/* Writes ROOT/refs/@ref = @key, durably (before the record itself). */
int lfs_store_ref_set(const struct lfs_store *st, const char *ref, const char *key,
		      struct lfs_err *e);

/*
 * The record named @ref into @m (free it with lfs_meta_free()): 1 if there
 * is one, 0 if not (@m empty), or a negative errno (with @e).
 */
int lfs_store_ref_get(const struct lfs_store *st, const char *ref,
		      struct lfs_meta *m, struct lfs_err *e);

/*
 * The key of the record named @ref into @key (LFS_KEY_LEN + 1 bytes):
 * 1 if there is one, 0 if not, or a negative errno (with @e).
 */
int lfs_store_ref_find(const struct lfs_store *st, const char *ref, char *key,
		       struct lfs_err *e);

#endif
