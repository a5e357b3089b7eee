/* SPDX-License-Identifier: GPL-2.0 */
/* An image's layers, from the kernel (chain.c). */
#ifndef LAYERCTL_CHAIN_H
#define LAYERCTL_CHAIN_H

#include <stddef.h>

struct lfs_err;
struct lfs_layer;
struct lfs_nl;

/* An image's layers, top first (each from lfs_nl_layer_lookup(): free()). */
struct lfs_chain {
	struct lfs_layer **v;
	size_t n;
};

/*
 * The image @ref names, per the Images rule of the protocol: the layer,
 * then its BASE layers if it has a BASE, else its parent's image.  0, or
 * a negative errno in @e ("layer 'X': ...", "image 'REF': ...").
 */
int lfs_image_chain(struct lfs_nl *nl, const char *ref, struct lfs_chain *c,
		    struct lfs_err *e);
void lfs_chain_free(struct lfs_chain *c);

/*
 * 1 if a layer named @name is registered, 0 if not, or a negative errno
 * in @e (the kernel's reason: put the subject in front).
 */
int lfs_layer_registered(struct lfs_nl *nl, const char *name,
			 struct lfs_err *e);

/*
 * The registered layer @ref names (lfs_ref_latest()): @ref itself if a
 * layer has that name, else, if @ref has no tag and REF:latest is
 * registered, REF:latest.  *@name receives a malloc()ed copy (@ref when
 * neither is registered: the caller's lookup then says so).  0, or a
 * negative errno in @e.
 */
int lfs_ref_resolve_nl(struct lfs_nl *nl, const char *ref, char **name,
		       struct lfs_err *e);

#endif /* LAYERCTL_CHAIN_H */
