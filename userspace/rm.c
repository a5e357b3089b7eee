// SPDX-License-Identifier: GPL-2.0
/* layerctl rm REF: unregister a stored layer and delete it from the store. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "format.h"
#include "parse.h"
#include "store.h"
#include "store_cmd.h"

static const char lfs_usage_rm[] =
	"Usage: layerctl rm REF\n"
	"\n"
	"Remove the layer REF: unregister it (refused while a mounted view or\n"
	"a child layer uses it), then delete its record and, if they are in\n"
	"the store, its files.  Contents outside the store (a layer added in\n"
	"place, a committed upper outside the store) are left alone.  Also\n"
	"refused while another stored layer names REF as parent or in its BASE.\n"
	"\n"
	"Options:\n"
	"  -h, --help  show this help\n";

int cmd_rm(struct lfs_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct lfs_meta_list l = LFS_META_LIST_INIT;
	struct lfs_store st = LFS_STORE_INIT;
	char why[LFS_STORE_WHY_MAX];
	const char *ref;
	size_t i, j;
	long at;
	int c, rc;

	lfs_opt_reset();
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			return lfs_usage(ctx, lfs_usage_rm, 0);
		default:
			return lfs_usage_opt(ctx, "rm", lfs_usage_rm, c, argv,
					     opts);
		}
	}
	if (argc - optind < 1)
		return lfs_usage_error(ctx, "rm", lfs_usage_rm, "missing REF");
	if (argc - optind > 1)
		return lfs_usage_error(ctx, "rm", lfs_usage_rm,
				       "unexpected argument '%s'", argv[optind + 1]);
	ref = argv[optind];
	if (lfs_check_name(ctx, "layer", ref))
		return 1;
	rc = lfs_ctx_store(ctx, &st, 0);
	if (rc == -ENOENT)
		return lfs_fail_obj(ctx, "layer", ref, -ENOENT, "not in the store");
	if (rc)
		return 1;
	rc = lfs_store_layer_list(&st, &l, why, sizeof(why));
	if (rc) {
		rc = lfs_errorf(ctx, "store: %s", why);
		goto out;
	}
	at = lfs_meta_find(l.v, l.n, ref);
	if (at < 0) {
		rc = lfs_fail_obj(ctx, "layer", ref, -ENOENT, "not in the store");
		goto out;
	}
	for (i = 0; i < l.n; i++) {
		int uses = l.v[i]->parent && !strcmp(l.v[i]->parent, ref);

		for (j = 0; j < l.v[i]->base.n; j++)
			uses |= !strcmp(l.v[i]->base.v[j], ref);
		if (uses) {
			snprintf(why, sizeof(why),
				 "stored layer '%s' builds on it", l.v[i]->ref);
			rc = lfs_fail_obj(ctx, "layer", ref, -EBUSY, why);
			goto out;
		}
	}
	/* Not registered (any more): only the record and files are left. */
	rc = lfs_layer_unregister(ctx, ref, 1);
	if (rc)
		goto out;
	rc = lfs_store_layer_remove(&st, l.v[at]->key, why, sizeof(why));
	if (rc) {
		rc = lfs_fail_obj(ctx, "layer", ref, rc, why);
		goto out;
	}
	rc = 0;
out:
	lfs_meta_list_free(&l);
	lfs_store_close(&st);
	return rc;
}
