// SPDX-License-Identifier: GPL-2.0
/*
 * A set of the store's layer records: lookup, the restore order and image
 * chains (see storemeta.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "parse.h"
#include "storemeta.h"

long lfs_meta_find(struct lfs_meta *const *m, size_t n, const char *ref)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strcmp(m[i]->ref, ref))
			return (long)i;
	return -1;
}

long lfs_meta_child(struct lfs_meta *const *m, size_t n, const char *ref)
{
	size_t i;

	for (i = 0; i < n; i++)
		if ((m[i]->parent && !strcmp(m[i]->parent, ref)) ||
		    lfs_strv_has(&m[i]->base, ref))
			return (long)i;
	return -1;
}

const char *lfs_meta_foreign(struct lfs_meta *const *m, size_t n,
			     char *const *refs, size_t nrefs)
{
	size_t i;
	long k;

	for (i = 0; i < nrefs; i++) {
		k = lfs_meta_find(m, n, refs[i]);
		if (k >= 0 && m[k]->origin)
			return refs[i];
	}
	return NULL;
}

/* Depth-first: visit @i's dependencies, then @i. */
static int lfs_order_visit(struct lfs_meta *const *m, size_t n, size_t i,
			   unsigned char *state, size_t *order, size_t *k,
			   struct lfs_err *e)
{
	const struct lfs_meta *l = m[i];
	size_t j;
	long d;
	int rc;

	if (state[i] == 2)
		return 0;
	if (state[i] == 1) {
		return lfs_err_named(e, -ELOOP, "a parent cycle in the store",
				     "layer '%s'", l->ref);
	}
	state[i] = 1;
	if (l->parent) {
		d = lfs_meta_find(m, n, l->parent);
		if (d >= 0) {
			rc = lfs_order_visit(m, n, (size_t)d, state, order, k,
					     e);
			if (rc)
				return rc;
		}
	}
	for (j = 0; j < l->base.n; j++) {
		d = lfs_meta_find(m, n, l->base.v[j]);
		if (d < 0)
			continue;
		rc = lfs_order_visit(m, n, (size_t)d, state, order, k, e);
		if (rc)
			return rc;
	}
	state[i] = 2;
	order[(*k)++] = i;
	return 0;
}

int lfs_meta_order(struct lfs_meta *const *m, size_t n, size_t *order,
		   struct lfs_err *e)
{
	unsigned char *state;
	size_t i, k = 0;
	int rc = 0;

	if (!n)
		return 0;
	state = calloc(n, 1);
	if (!state)
		return -ENOMEM;
	/*
	 * Recursion depth is the chain length; chains are bounded by the
	 * registry (LAYERFS_LAYERS_MAX), and each frame is small.
	 */
	for (i = 0; i < n && !rc; i++)
		rc = lfs_order_visit(m, n, i, state, order, &k, e);
	free(state);
	return rc;
}

int lfs_meta_chain(struct lfs_meta *const *m, size_t n, const char *ref,
		   size_t *chain, size_t *nchain, struct lfs_err *e)
{
	const struct lfs_meta *l;
	size_t j;
	long i;

	*nchain = 0;
	i = lfs_meta_find(m, n, ref);
	if (i < 0)
		return lfs_err_set(e, -ENOENT, "not in the store");
	for (;;) {
		if (*nchain >= n)
			return lfs_err_set(e, -ELOOP, "a parent cycle through '%s'",
					   ref);
		chain[(*nchain)++] = (size_t)i;
		l = m[i];
		if (l->base.n) {
			/* BASE is the whole stack below: the chain ends. */
			for (j = 0; j < l->base.n; j++) {
				i = lfs_meta_find(m, n, l->base.v[j]);
				if (i < 0)
					return lfs_err_set(e, -ENOENT,
							   "layer '%s' is not in the store",
							   l->base.v[j]);
				if (*nchain >= n)
					return lfs_err_set(e, -ELOOP,
							   "a parent cycle through '%s'",
							   ref);
				chain[(*nchain)++] = (size_t)i;
			}
			return 0;
		}
		if (!l->parent)
			return 0;
		i = lfs_meta_find(m, n, l->parent);
		if (i < 0)
			return lfs_err_set(e, -ENOENT,
					   "layer '%s' is not in the store",
					   l->parent);
	}
}

long lfs_meta_find_tag(struct lfs_meta *const *m, size_t n, const char *name,
		       size_t *which)
{
	size_t i, k;

	for (i = 0; i < n; i++)
		for (k = 0; k < m[i]->tags.n; k++)
			if (!strcmp(m[i]->tags.v[k], name)) {
				if (which)
					*which = k;
				return (long)i;
			}
	return -1;
}

long lfs_meta_lookup(struct lfs_meta *const *m, size_t n, const char *ref)
{
	char latest[LFS_REF_BUF];
	long i = lfs_meta_find(m, n, ref);

	if (i < 0)
		i = lfs_meta_find_tag(m, n, ref, NULL);
	if (i < 0 && !lfs_ref_has_tag(ref) &&
	    !lfs_ref_latest(ref, latest, sizeof(latest))) {
		i = lfs_meta_find(m, n, latest);
		if (i < 0)
			i = lfs_meta_find_tag(m, n, latest, NULL);
	}
	return i;
}

int lfs_meta_intermediate(struct lfs_meta *const *m, size_t n, size_t i)
{
	const char *ref = m[i]->ref;
	size_t k, b;

	if (!lfs_is_chain_name(ref))
		return 0;
	for (k = 0; k < n; k++) {
		if (k == i)
			continue;
		if (m[k]->parent && !strcmp(m[k]->parent, ref))
			return 1;
		for (b = 0; b < m[k]->base.n; b++)
			if (!strcmp(m[k]->base.v[b], ref))
				return 1;
	}
	return 0;
}
