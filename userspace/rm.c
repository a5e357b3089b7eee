// SPDX-License-Identifier: GPL-2.0
/* layerctl rm REF: unregister a stored layer and delete it from the store. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "format.h"
#include "parse.h"
#include "store.h"
#include "store_reg.h"

static const char lfs_usage_rm[] =
	"Usage: layerctl rm REF\n"
	"\n"
	"Remove the layer REF: unregister it (refused while a mounted view or\n"
	"a child layer uses it), then delete its record and, if they are in\n"
	"the store, its files.  Contents outside the store (a layer added in\n"
	"place, a committed upper outside the store) are left alone.  Also\n"
	"refused while another stored layer names REF as parent or in its BASE.\n"
	"A REF without a tag that names no stored layer means REF:latest; a\n"
	"tag (layerctl tag) names its layer, which rm refuses while it has tags.\n"
	"\n"
	"Options:\n"
	"  -h, --help  show this help\n";

/*
 * Whether the stored layer @ref may go: it is in the store (its index in
 * @l into *@at) and no other record names it as parent or BASE layer.
 * 0, or a negative errno in @e.
 */
static int lfs_rm_check(const struct lfs_meta_list *l, const char *ref,
			long *at, struct lfs_err *e)
{
	long i;

	*at = lfs_meta_lookup(l->v, l->n, ref);
	if (*at < 0)
		return lfs_err_set(e, -ENOENT, "not in the store");
	ref = l->v[*at]->ref;
	if (l->v[*at]->tags.n) {	/* the line says it all: code 0 */
		lfs_err_set(e, 0, "tagged '%s' too: run 'layerctl rmi %s' first",
			    l->v[*at]->tags.v[0], l->v[*at]->tags.v[0]);
		return -EBUSY;
	}
	i = lfs_meta_child(l->v, l->n, ref);
	if (i >= 0)
		return lfs_err_set(e, -EBUSY, "stored layer '%s' builds on it",
				   l->v[i]->ref);
	return 0;
}

static int lfs_rm_parse(struct lfs_ctx *ctx, int argc, char **argv)
{
	int rc;

	rc = lfs_parse_common_opts(ctx, "rm", lfs_usage_rm, argc,
				   argv, NULL);
	if (rc != LFS_PARSED)
		return rc;
	if (argc - optind < 1)
		return lfs_usage_error(ctx, "rm", lfs_usage_rm, "missing REF");
	if (argc - optind > 1)
		return lfs_usage_error(ctx, "rm", lfs_usage_rm,
				       "unexpected argument '%s'", argv[optind + 1]);
	return lfs_check_name(ctx, "layer", argv[optind]) ? 1 : LFS_PARSED;
}

int cmd_rm(struct lfs_ctx *ctx, int argc, char **argv)
{
	struct lfs_meta_list l = LFS_META_LIST_INIT;
	struct lfs_store st = LFS_STORE_INIT;
	struct lfs_err e = LFS_ERR_INIT;
	const char *ref;
	long at = -1;
	int rc, lockfd = -1;

	rc = lfs_rm_parse(ctx, argc, argv);
	if (rc != LFS_PARSED)
		return rc;
	ref = argv[optind];
	/* No store: an empty list, where @ref is not. */
	rc = lfs_ctx_store(ctx, &st, 0, &e);
	if (rc && rc != -ENOENT)
		return lfs_err_report(ctx, &e);
	/* No tag may come to the layer between the check and the removal. */
	if (!rc)
		lockfd = lfs_store_records_lock(&st);
	if (!rc && lfs_store_layer_list(&st, &l, &e)) {
		lfs_err_prefix(&e, e.code, "store");
		rc = lfs_err_report(ctx, &e);
		goto out;
	}
	lfs_err_clear(&e);
	rc = lfs_rm_check(&l, ref, &at, &e);
	if (rc) {
		lfs_err_prefix(&e, rc, "layer '%s'", at < 0 ? ref : l.v[at]->ref);
		rc = lfs_err_report(ctx, &e);
		goto out;
	}
	ref = l.v[at]->ref;
	/* Not registered (any more): only the record and files are left. */
	rc = lfs_layer_unregister(ctx, ref, 1);
	if (!rc && lfs_store_layer_remove(&st, l.v[at]->key, &e)) {
		lfs_err_prefix(&e, e.code, "layer '%s'", ref);
		rc = lfs_err_report(ctx, &e);
	}
out:
	lfs_store_records_unlock(lockfd);
	lfs_meta_list_free(&l);
	lfs_store_close(&st);
	return rc;
}
