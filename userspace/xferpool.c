// SPDX-License-Identifier: GPL-2.0
/*
 * A small thread pool for blob transfers.  See xferpool.h.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "xferpool.h"

struct lfs_pool {
	pthread_mutex_t mu;
	struct lfs_reg *reg;
	size_t next, n;
	lfs_pool_fn fn;
	void *arg;
	int rc;			/* the first failure */
	struct lfs_err err;
};

/* The next item, or -1 when none is left or one has failed. */
static long lfs_pool_take(struct lfs_pool *p)
{
	long i = -1;

	pthread_mutex_lock(&p->mu);
	if (!p->rc && p->next < p->n)
		i = (long)p->next++;
	pthread_mutex_unlock(&p->mu);
	return i;
}

static void lfs_pool_failed(struct lfs_pool *p, int rc,
			    const struct lfs_err *e)
{
	pthread_mutex_lock(&p->mu);
	if (!p->rc) {
		p->rc = rc;
		p->err = *e;
	}
	pthread_mutex_unlock(&p->mu);
}

/* One worker: items on @reg until there are none. */
static void lfs_pool_loop(struct lfs_pool *p, struct lfs_reg *reg)
{
	struct lfs_err e;
	long i;
	int rc;

	while ((i = lfs_pool_take(p)) >= 0) {
		lfs_err_clear(&e);
		rc = p->fn(p->arg, (size_t)i, reg, &e);
		if (rc)
			lfs_pool_failed(p, rc, &e);
	}
}

struct lfs_pool_worker {
	struct lfs_pool *p;
	struct lfs_reg reg;
};

static void *lfs_pool_thread(void *arg)
{
	struct lfs_pool_worker *w = arg;

	lfs_pool_loop(w->p, &w->reg);
	return NULL;
}

int lfs_pool_run(struct lfs_reg *reg, unsigned int jobs, size_t n,
		 lfs_pool_fn fn, void *arg, struct lfs_err *e)
{
	struct lfs_pool p = { .reg = reg, .n = n, .fn = fn, .arg = arg };
	struct lfs_pool_worker *w;
	pthread_t tid[LFS_POOL_JOBS_MAX];
	unsigned int i, cloned = 0, started = 0;

	if (jobs > LFS_POOL_JOBS_MAX)
		jobs = LFS_POOL_JOBS_MAX;
	if (jobs > n)
		jobs = (unsigned int)n;
	w = calloc(jobs ? jobs : 1, sizeof(*w));
	if (!w)
		return lfs_err_set(e, -ENOMEM, "cannot start the transfers");
	pthread_mutex_init(&p.mu, NULL);
	/* the clones before any thread runs: @reg changes as it is used */
	for (i = 1; i < jobs; i++, cloned++) {
		w[cloned].p = &p;
		if (lfs_reg_clone(&w[cloned].reg, reg)) {
			lfs_reg_close(&w[cloned].reg);
			break;	/* fewer threads: still correct */
		}
	}
	for (i = 0; i < cloned; i++) {
		if (pthread_create(&tid[started], NULL, lfs_pool_thread, &w[i]))
			break;
		started++;
	}
	/* this thread is a worker too, on the command's own client */
	lfs_pool_loop(&p, reg);
	for (i = 0; i < started; i++)
		pthread_join(tid[i], NULL);
	for (i = 0; i < cloned; i++)
		lfs_reg_close(&w[i].reg);
	free(w);
	pthread_mutex_destroy(&p.mu);
	if (p.rc)
		*e = p.err;
	return p.rc;
}
