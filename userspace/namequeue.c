// SPDX-License-Identifier: GPL-2.0
/* A queue of distinct names (see namequeue.h). */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "namequeue.h"

/* FNV-1a. */
static size_t lfs_nameq_hash(const char *s)
{
	uint32_t h = 2166136261U;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619U;
	return h;
}

/* The slot of @name: the one holding it, or the free one it would take. */
static size_t *lfs_nameq_slot(const struct lfs_nameq *q, const char *name)
{
	size_t mask = q->nslot - 1, i = lfs_nameq_hash(name) & mask;

	while (q->slot[i] && strcmp(q->ent[q->slot[i] - 1].name, name))
		i = (i + 1) & mask;
	return &q->slot[i];
}

/* Room for one more entry, the table kept at most half full. */
static int lfs_nameq_grow(struct lfs_nameq *q)
{
	size_t i, nslot, *slot, *old = q->slot, oldn = q->nslot;

	if (q->n == q->cap) {
		size_t cap = q->cap ? 2 * q->cap : 16;
		struct lfs_nameq_ent *ent = realloc(q->ent, cap * sizeof(*ent));

		if (!ent)
			return -ENOMEM;
		q->ent = ent;
		q->cap = cap;
	}
	if (2 * (q->n + 1) < q->nslot)
		return 0;
	nslot = q->nslot ? 2 * q->nslot : 32;
	slot = calloc(nslot, sizeof(*slot));
	if (!slot)
		return -ENOMEM;
	q->slot = slot;
	q->nslot = nslot;
	for (i = 0; i < oldn; i++)
		if (old[i])
			*lfs_nameq_slot(q, q->ent[old[i] - 1].name) = old[i];
	free(old);
	return 0;
}

/* The entry of @name, added (neither queued nor done) if new; NULL: ENOMEM. */
static struct lfs_nameq_ent *lfs_nameq_get(struct lfs_nameq *q,
					   const char *name, int *added)
{
	struct lfs_nameq_ent *ent;
	size_t *slot;

	*added = 0;
	if (q->nslot) {
		slot = lfs_nameq_slot(q, name);
		if (*slot)
			return &q->ent[*slot - 1];
	}
	if (lfs_nameq_grow(q))
		return NULL;
	ent = &q->ent[q->n];
	ent->name = strdup(name);
	if (!ent->name)
		return NULL;
	ent->queued = ent->done = 0;
	slot = lfs_nameq_slot(q, name);
	*slot = ++q->n;
	*added = 1;
	return ent;
}

int lfs_nameq_push(struct lfs_nameq *q, const char *name)
{
	struct lfs_nameq_ent *ent;
	int added;

	ent = lfs_nameq_get(q, name, &added);
	if (!ent)
		return -ENOMEM;
	if (!added)
		return 0;
	ent->queued = 1;
	return 1;
}

int lfs_nameq_done(struct lfs_nameq *q, const char *name)
{
	struct lfs_nameq_ent *ent;
	int added;

	ent = lfs_nameq_get(q, name, &added);
	if (!ent)
		return -ENOMEM;
	ent->done = 1;
	return 0;
}

int lfs_nameq_met(const struct lfs_nameq *q, const char *name)
{
	return q->nslot && *lfs_nameq_slot(q, name);
}

const char *lfs_nameq_next(struct lfs_nameq *q)
{
	while (q->head < q->n) {
		const struct lfs_nameq_ent *ent = &q->ent[q->head++];

		if (ent->queued && !ent->done)
			return ent->name;
	}
	return NULL;
}

void lfs_nameq_free(struct lfs_nameq *q)
{
	size_t i;

	for (i = 0; i < q->n; i++)
		free(q->ent[i].name);
	free(q->ent);
	free(q->slot);
	memset(q, 0, sizeof(*q));
}
