/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The store and the kernel registry (store_reg.c): the code that speaks
 * netlink on the store's behalf.  Registering a stored layer (restore,
 * load), recording a registered layer in the store (commit, layer add),
 * naming a layer's BASE layers by their refs.
 */
#ifndef LAYERCTL_STORE_REG_H
#define LAYERCTL_STORE_REG_H

#include "err.h"
#include "layerinfo.h"
#include "store.h"
#include "strv.h"

struct lfs_nl;

/*
 * Fills @m's ref, key (@key), parent, author, message, created, flags and
 * diff from the registered layer @l, borrowed: free only m->base.
 */
void lfs_meta_borrow_layer(struct lfs_meta *m, const struct lfs_layer *l,
			   char *key);

/* The refs of @l's BASE ids, in order, appended to @out (a layer dump). */
int lfs_store_base_refs(struct lfs_nl *nl, const struct lfs_layer *l,
			struct lfs_strv *out);

/*
 * Writes a store record for the registered layer @l (its contents stay at
 * l->path): in ROOT/layers/KEY when l->path is ROOT/layers/KEY/diff
 * without a record, else in a new ROOT/layers/KEY.  0 or a negative
 * errno with the reason in @e.
 */
int lfs_store_record_layer(struct lfs_store *st, struct lfs_nl *nl,
			   const struct lfs_layer *l, struct lfs_err *e);

/*
 * Records every layer below @top (its parents and BASE layers, and
 * theirs) that the store does not know yet, from the registry: each name
 * met is looked up once (a refs/ entry, then a GET if not recorded), and
 * all their BASE layers are named from one registry dump, made only if
 * some layer is not recorded yet.
 */
int lfs_store_record_ancestors(struct lfs_store *st, struct lfs_nl *nl,
			       const struct lfs_meta *top, struct lfs_err *e);

/* Records @l's ancestors the store lacks, then @l itself (one dump). */
int lfs_store_record_chain(struct lfs_store *st, struct lfs_nl *nl,
			   const struct lfs_layer *l, struct lfs_err *e);

/*
 * Registers the stored layer @m in the kernel: LAYERFS_CMD_LAYER_ADD with
 * NAME, PATH (m->diff), PARENT, BASE (its refs looked up to ids), AUTHOR,
 * MESSAGE, CREATED and FLAGS.  If a layer of that name is registered
 * already: 0 with *@skipped = 1 when its path is m->diff (the same
 * directory), else -EEXIST with the reason in @e.  Other failures
 * leave the kernel's extended ack (if any) in @e.
 */
int lfs_store_register_layer(struct lfs_nl *nl, const struct lfs_meta *m,
			     int *skipped, struct lfs_err *e);

#endif /* LAYERCTL_STORE_REG_H */
