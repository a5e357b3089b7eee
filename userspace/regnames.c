// SPDX-License-Identifier: GPL-2.0
/* The registry's layer names by id (see regnames.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "regnames.h"

int lfs_reg_names_add(struct lfs_reg_names *rn, uint64_t id, const char *name)
{
	struct lfs_id_name *p;

	if (rn->n == rn->cap) {
		size_t cap = rn->cap ? 2 * rn->cap : 64;

		p = realloc(rn->v, cap * sizeof(*p));
		if (!p)
			return -ENOMEM;
		rn->v = p;
		rn->cap = cap;
	}
	p = &rn->v[rn->n];
	p->name = strdup(name);
	if (!p->name)
		return -ENOMEM;
	p->id = id;
	p->pos = rn->n++;
	rn->sorted = 0;
	return 0;
}

static int lfs_id_name_cmp(const void *a, const void *b)
{
	const struct lfs_id_name *x = a, *y = b;

	if (x->id != y->id)
		return x->id < y->id ? -1 : 1;
	return x->pos < y->pos ? -1 : x->pos > y->pos;
}

/* The lower-bound search: the first entry of @id (the first added). */
const char *lfs_reg_names_get(struct lfs_reg_names *rn, uint64_t id)
{
	size_t lo = 0, hi = rn->n;

	if (!rn->sorted && rn->n)
		qsort(rn->v, rn->n, sizeof(*rn->v), lfs_id_name_cmp);
	rn->sorted = 1;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (rn->v[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < rn->n && rn->v[lo].id == id ? rn->v[lo].name : NULL;
}

int lfs_reg_names_base(struct lfs_reg_names *rn, const struct lfs_layer *l,
		       struct lfs_strv *out)
{
	uint32_t i;
	int rc = 0;

	for (i = 0; i < l->nbase && !rc; i++) {
		const char *name = lfs_reg_names_get(rn, lfs_layer_base_id(l, i));

		rc = name ? lfs_strv_push(out, name) : -ENOENT;
	}
	return rc;
}

void lfs_reg_names_free(struct lfs_reg_names *rn)
{
	size_t i;

	for (i = 0; i < rn->n; i++)
		free(rn->v[i].name);
	free(rn->v);
	memset(rn, 0, sizeof(*rn));
}
