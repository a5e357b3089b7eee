// SPDX-License-Identifier: GPL-2.0
/* Trust of a new view: where its layers came from (see mount_trust.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "mount_trust.h"
#include "store.h"
#include "store_reg.h"
#include "storemeta.h"
#include "viewinfo.h"

/* 1 if a layer of @v is recorded in the store as imported, else 0. */
static int lfs_trust_view(struct lfs_mount_trust *t, const struct lfs_view *v,
			  struct lfs_err *e)
{
	struct lfs_store st = LFS_STORE_INIT;
	struct lfs_meta_list l = LFS_META_LIST_INIT;
	const char *ref;
	int rc;

	rc = lfs_ctx_store(t->ctx, &st, 0, e);
	if (rc == -ENOENT) {
		lfs_err_clear(e);
		return 0;	/* no store: nothing was imported */
	}
	if (rc)
		return rc;
	rc = lfs_store_layer_list(&st, &l, e);
	if (!rc) {
		ref = lfs_meta_foreign(l.v, l.n, v->layers, v->have);
		if (ref)
			snprintf(t->foreign, sizeof(t->foreign), "%s", ref);
		rc = !!ref;
	}
	lfs_meta_list_free(&l);
	lfs_store_close(&st);
	return rc;
}

int lfs_mount_trust_attrs(void *arg, uint32_t dev, uint64_t *set,
			  uint64_t *clr, struct lfs_err *e)
{
	struct lfs_mount_trust *t = arg;
	struct lfs_view_list views = LFS_VIEW_LIST_INIT;
	struct lfs_nl *nl;
	int untrusted = 0, rc;
	size_t i;

	if (!t->opts.suid_given || !t->opts.dev_given) {
		rc = lfs_ctx_nl(t->ctx, &nl, e);
		if (!rc)
			rc = lfs_ctx_views(nl, &views, e);
		if (rc)
			return rc;
		/* Not found (cannot happen: we hold it): untrusted. */
		untrusted = 1;
		for (i = 0; i < views.n; i++)
			if (views.v[i].dev == dev)
				untrusted = lfs_trust_view(t, &views.v[i], e);
		lfs_views_free(&views);
		if (untrusted < 0)
			return untrusted;
	}
	lfs_mount_opts_final(&t->opts, untrusted, set, clr);
	return 0;
}
