/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The registry's layer names by id (regnames.c), filled from one dump of
 * the registry, so that every BASE of a walk over N layers is named from
 * that one dump instead of one dump per layer.  Pure.
 */
#ifndef LAYERCTL_REGNAMES_H
#define LAYERCTL_REGNAMES_H

#include <stddef.h>
#include <stdint.h>

#include "layerinfo.h"
#include "strv.h"

struct lfs_id_name {
	uint64_t id;
	size_t pos;		/* the order added: the first of an id wins */
	char *name;
};

struct lfs_reg_names {
	struct lfs_id_name *v;
	size_t n, cap;
	int sorted;		/* v is sorted by id, pos */
};

#define LFS_REG_NAMES_INIT { NULL, 0, 0, 0 }

/* Adds the layer @id named @name: 0 or -ENOMEM. */
int lfs_reg_names_add(struct lfs_reg_names *rn, uint64_t id, const char *name);

/* The name of the layer @id (the first added), or NULL. */
const char *lfs_reg_names_get(struct lfs_reg_names *rn, uint64_t id);

/*
 * The names of @l's BASE ids, top first, appended to @out: 0, -ENOENT if
 * an id has no name (@out then holds those before it), or -ENOMEM.
 */
int lfs_reg_names_base(struct lfs_reg_names *rn, const struct lfs_layer *l,
		       struct lfs_strv *out);

void lfs_reg_names_free(struct lfs_reg_names *rn);

#endif /* LAYERCTL_REGNAMES_H */
