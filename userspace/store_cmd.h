/* SPDX-License-Identifier: GPL-2.0 */
/* Helpers of the store commands and view ls (store_cmd.c). */
#ifndef LAYERCTL_STORE_CMD_H
#define LAYERCTL_STORE_CMD_H

#include "cmd.h"
#include "store.h"
#include "viewinfo.h"

/*
 * Opens the store of @ctx (--store, $LAYERFS_STORE or the default).
 * 0; 1 after reporting "layerctl: store: WHY"; without @create, -ENOENT
 * (unreported) if there is no store there: a missing path or an empty
 * directory (one that holds anything else is reported as not a store).
 */
int lfs_ctx_store(struct lfs_ctx *ctx, struct lfs_store *st, int create);

/*
 * The mounted views (a VIEW_GET dump) into @l; 0, or 1 after reporting
 * (and @l is then empty).  Free @l with lfs_views_free().
 */
int lfs_ctx_views(struct lfs_ctx *ctx, struct lfs_nl *nl,
		  struct lfs_view_list *l);

/*
 * "layerctl: KIND 'NAME': WHY (STRERROR)" (WHY: the kernel's extended
 * ack, layerctl's reason, or NULL).  Returns 1.
 */
int lfs_fail_obj(struct lfs_ctx *ctx, const char *kind, const char *name,
		 int err, const char *why);

/*
 * Unregisters the layer @name (LAYER_DEL).  0, also when no layer has that
 * name if @missing_ok; else 1 after reporting "layerctl: layer 'NAME':
 * WHY (STRERROR)" (or why the netlink connection failed).
 */
int lfs_layer_unregister(struct lfs_ctx *ctx, const char *name,
			 int missing_ok);

/* The refs of @l's BASE ids, in order, appended to @out (a layer dump). */
int lfs_store_base_refs(struct lfs_nl *nl, const struct lfs_layer *l,
			struct lfs_strv *out);

/*
 * Writes a store record for the registered layer @l (its contents stay at
 * l->path): in ROOT/layers/KEY when l->path is ROOT/layers/KEY/diff
 * without a record, else in a new ROOT/layers/KEY.  0 or a negative
 * errno with the reason in @why.
 */
int lfs_store_record_layer(struct lfs_store *st, struct lfs_nl *nl,
			   const struct lfs_layer *l, char *why, size_t whylen);

/*
 * Records every layer below @top (its parents and BASE layers, and
 * theirs) that the store does not know yet, from the registry.
 */
int lfs_store_record_ancestors(struct lfs_store *st, struct lfs_nl *nl,
			       const struct lfs_meta *top, char *why,
			       size_t whylen);

#endif /* LAYERCTL_STORE_CMD_H */
