/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A queue of distinct names (namequeue.c), for a walk over layers by
 * name: a name is queued once however often it is pushed, in the order
 * first pushed, and a name marked done is never handed out, whether it
 * was queued before or after.  Membership is a hash lookup, so a walk
 * that meets each of N layers' BASE names (N^2 pushes for an image of N
 * layers each listing the stack below it) hands out N names.  Pure.
 */
#ifndef LAYERCTL_NAMEQUEUE_H
#define LAYERCTL_NAMEQUEUE_H

#include <stddef.h>

struct lfs_nameq_ent {
	char *name;
	unsigned char queued;	/* pushed (handed out in turn) */
	unsigned char done;	/* marked: never handed out */
};

struct lfs_nameq {
	struct lfs_nameq_ent *ent;	/* every name met, first met first */
	size_t n, cap;
	size_t head;			/* where lfs_nameq_next() looks */
	size_t *slot;			/* entry index + 1 by hash, 0: free */
	size_t nslot;			/* 0 or a power of two > 2 n */
};

#define LFS_NAMEQ_INIT { NULL, 0, 0, 0, NULL, 0 }

/* Queues @name unless it was met before: 1 if queued, 0 if not, -ENOMEM. */
int lfs_nameq_push(struct lfs_nameq *q, const char *name);

/* Marks @name done (met, never handed out): 0 or -ENOMEM. */
int lfs_nameq_done(struct lfs_nameq *q, const char *name);

/* 1 if @name was pushed or marked, else 0. */
int lfs_nameq_met(const struct lfs_nameq *q, const char *name);

/*
 * The next queued name not marked done (valid until lfs_nameq_free()), or
 * NULL when there is none.  Names pushed meanwhile come after.
 */
const char *lfs_nameq_next(struct lfs_nameq *q);

void lfs_nameq_free(struct lfs_nameq *q);

#endif /* LAYERCTL_NAMEQUEUE_H */
