/* SPDX-License-Identifier: GPL-2.0 */
/* Helpers of the store commands (store_cmd.c). */
#ifndef LAYERCTL_STORE_CMD_H
#define LAYERCTL_STORE_CMD_H

#include "cmd.h"
#include "store.h"
#include "viewinfo.h"

/*
 * Opens the store of @ctx (--store, $LAYERFS_STORE or the default).
 * 0; 1 after reporting "layerctl: store: WHY"; without @create, -ENOENT
 * (unreported) if there is no store there.
 */
int lfs_ctx_store(struct lfs_ctx *ctx, struct lfs_store *st, int create);

/* The mounted views (a VIEW_GET dump); 0, or 1 after reporting. */
int lfs_ctx_views(struct lfs_ctx *ctx, struct lfs_nl *nl,
		  struct lfs_view_list *l);

/*
 * "layerctl: KIND 'NAME': WHY (STRERROR)" (WHY: the kernel's extended
 * ack, layerctl's reason, or NULL).  Returns 1.
 */
int lfs_fail_obj(struct lfs_ctx *ctx, const char *kind, const char *name,
		 int err, const char *why);

#endif /* LAYERCTL_STORE_CMD_H */
