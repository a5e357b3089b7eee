/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The flags of a new view's mount (mount_trust.c): -o flags, plus
 * nosuid,nodev when a layer of the view came from import or load.
 */
#ifndef LAYERCTL_MOUNT_TRUST_H
#define LAYERCTL_MOUNT_TRUST_H

#include <stddef.h>
#include <stdint.h>

#include "cmd.h"
#include "mountopt.h"

struct lfs_mount_trust {
	struct lfs_ctx *ctx;
	struct lfs_mount_opts opts;	/* what -o asked for */
	char foreign[256];		/* the first imported layer found */
};

/*
 * A struct lfs_mount_spec ->attrs callback (@arg: a struct
 * lfs_mount_trust): finds the view of device @dev among the mounted views
 * and its layers in the store; any layer recorded with an origin makes
 * the view untrusted (see lfs_mount_opts_final()).  Not looked up when -o
 * named both suid/nosuid and dev/nodev.  A store that does not exist has
 * no imported layers.  0, or a negative errno in @e.
 */
int lfs_mount_trust_attrs(void *arg, uint32_t dev, uint64_t *set,
			  uint64_t *clr, struct lfs_err *e);

#endif /* LAYERCTL_MOUNT_TRUST_H */
