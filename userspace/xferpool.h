/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Several blobs in flight at once (xferpool.c): up to N threads, each
 * with its own connection to the registry (a clone of the command's
 * client, lfs_reg_clone()), taking the next item until none is left or
 * one has failed.
 */
#ifndef LAYERCTL_XFERPOOL_H
#define LAYERCTL_XFERPOOL_H

#include <stddef.h>

#include "err.h"
#include "ocireg_client.h"

/* The default and the limit of --jobs (docker: 3 downloads, 5 uploads). */
#define LFS_POOL_JOBS		3
#define LFS_POOL_JOBS_MAX	16

/*
 * Item @i on client @reg.  0, or a negative errno with why in @e (a
 * whole sentence: the caller puts only the command in front).
 */
typedef int (*lfs_pool_fn)(void *arg, size_t i, struct lfs_reg *reg,
			   struct lfs_err *e);

/*
 * Runs @fn for the items 0 .. @n - 1 on min(@jobs, @n) threads (one:
 * on @reg, in this thread).  Items are taken in order; after a failure
 * no new one is started.  0, or the first failure's errno with its
 * sentence in @e.
 */
int lfs_pool_run(struct lfs_reg *reg, unsigned int jobs, size_t n,
		 lfs_pool_fn fn, void *arg, struct lfs_err *e);

#endif /* LAYERCTL_XFERPOOL_H */
