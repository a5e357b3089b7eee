/* SPDX-License-Identifier: GPL-2.0 */
/* What `images` and `history` share (images.c). */
#ifndef LAYERCTL_IMAGES_H
#define LAYERCTL_IMAGES_H

#include "cmd.h"
#include "store.h"

/*
 * The store's records into @l; an absent store has none (*@have_store
 * 0).  0, or 1 after reporting; unreadable records are reported as
 * warnings.
 */
int lfs_images_load(struct lfs_ctx *ctx, struct lfs_store *st,
		    struct lfs_meta_list *l, int *have_store);

#endif /* LAYERCTL_IMAGES_H */
