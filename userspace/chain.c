// SPDX-License-Identifier: GPL-2.0
/*
 * An image's layers from the kernel's registry (the Images rule of
 * include/uapi/linux/layerfs.h): save and the index builder walk it.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <linux/layerfs.h>

#include "chain.h"
#include "err.h"
#include "layerinfo.h"
#include "nl.h"
#include "parse.h"

void lfs_chain_free(struct lfs_chain *c)
{
	size_t i;

	for (i = 0; i < c->n; i++)
		free(c->v[i]);
	free(c->v);
	c->v = NULL;
	c->n = 0;
}

static int lfs_chain_push(struct lfs_chain *c, struct lfs_layer *l)
{
	struct lfs_layer **nv = realloc(c->v, (c->n + 1) * sizeof(*nv));

	if (!nv)
		return -ENOMEM;
	c->v = nv;
	c->v[c->n++] = l;
	return 0;
}

/* Appends the BASE layers of @l (the whole stack below it) to @c. */
static int lfs_image_chain_base(struct lfs_nl *nl, const char *ref,
			      const struct lfs_layer *l, struct lfs_chain *c,
			      struct lfs_err *e)
{
	struct lfs_layer bk = { 0 }, *b;
	uint32_t i;
	int rc;

	for (i = 0; i < l->nbase; i++) {
		bk.has = LFS_HAS_ID;
		bk.id = lfs_layer_base_id(l, i);
		rc = lfs_nl_layer_lookup(nl, &bk, &b, e);
		if (rc < 0) {
			lfs_err_prefix(e, rc, "BASE layer %llu of '%s'",
				       (unsigned long long)bk.id, l->name);
			return lfs_err_prefix(e, rc, "image '%s'", ref);
		}
		if (lfs_chain_push(c, b)) {
			free(b);
			return lfs_err_set(e, -ENOMEM, "image '%s'", ref);
		}
	}
	return 0;
}

int lfs_image_chain(struct lfs_nl *nl, const char *ref, struct lfs_chain *c,
		  struct lfs_err *e)
{
	struct lfs_layer key = { 0 }, *l = NULL;
	int rc;

	c->v = NULL;
	c->n = 0;
	key.name = ref;
	for (;;) {
		rc = lfs_nl_layer_lookup(nl, &key, &l, e);
		if (rc < 0) {
			lfs_err_prefix(e, rc, "layer '%s'", key.name);
			break;
		}
		if (c->n >= LAYERFS_LAYERS_MAX) {
			free(l);
			rc = lfs_err_named(e, -ELOOP, "the parent chain does not end",
					   "image '%s'", ref);
			break;
		}
		if (lfs_chain_push(c, l)) {
			free(l);
			rc = lfs_err_set(e, -ENOMEM, "image '%s'", ref);
			break;
		}
		if (l->nbase) {
			rc = lfs_image_chain_base(nl, ref, l, c, e);
			break;
		}
		if (!l->parent)
			return 0;
		key.name = l->parent;
	}
	if (rc)
		lfs_chain_free(c);
	return rc;
}

int lfs_layer_registered(struct lfs_nl *nl, const char *name,
			 struct lfs_err *e)
{
	struct lfs_layer key = { 0 }, *l = NULL;
	int rc;

	key.name = name;
	rc = lfs_nl_layer_lookup(nl, &key, &l, e);
	free(l);
	if (rc == -ENOENT) {
		lfs_err_clear(e);
		return 0;
	}
	return rc < 0 ? rc : 1;
}

int lfs_ref_resolve_nl(struct lfs_nl *nl, const char *ref, char **name,
		       struct lfs_err *e)
{
	char latest[LFS_REF_BUF];
	int rc;

	*name = NULL;
	if (!lfs_ref_has_tag(ref)) {
		rc = lfs_layer_registered(nl, ref, e);
		if (rc < 0)
			return lfs_err_prefix(e, rc, "layer '%s'", ref);
		if (!rc && !lfs_ref_latest(ref, latest, sizeof(latest)) &&
		    lfs_layer_registered(nl, latest, NULL) > 0)
			ref = latest;
	}
	*name = strdup(ref);
	return *name ? 0 : lfs_err_named(e, -ENOMEM, "cannot resolve it",
					 "image '%s'", ref);
}
