// SPDX-License-Identifier: GPL-2.0
/*
 * layerctl images [--json]; and what history.c shares with it: the
 * options, loading the store's records (images.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "format.h"
#include "parse.h"
#include "images.h"

static const char lfs_usage_images[] =
	"Usage: layerctl images [--json]\n"
	"\n"
	"List the layers recorded in the store (committed with `layerctl\n"
	"commit`, or registered with `layerctl layer add` while a store\n"
	"exists): ref, key, parent, age, size and number of files.  Sizes are\n"
	"computed on first use and kept in the records of frozen layers.\n"
	"\n"
	"Options:\n"
	"  -j, --json  print a JSON array\n"
	"  -h, --help  show this help\n";

int lfs_images_load(struct lfs_ctx *ctx, struct lfs_store *st,
		    struct lfs_meta_list *l, int *have_store)
{
	struct lfs_err e = LFS_ERR_INIT;
	size_t i;
	int rc;

	*have_store = 0;
	rc = lfs_ctx_store(ctx, st, 0, &e);
	if (rc == -ENOENT)
		return 0;
	if (rc)
		return lfs_err_report(ctx, &e);
	*have_store = 1;
	rc = lfs_store_layer_list(st, l, &e);
	if (rc) {
		lfs_err_prefix(&e, rc, "store");
		return lfs_err_report(ctx, &e);
	}
	for (i = 0; i < l->bad.n; i++)
		lfs_errorf(ctx, "warning: store: %s", l->bad.v[i]);
	return 0;
}

int cmd_images(struct lfs_ctx *ctx, int argc, char **argv)
{
	struct lfs_meta_list l = LFS_META_LIST_INIT;
	struct lfs_store st = LFS_STORE_INIT;
	struct lfs_buf out = LFS_BUF_INIT;
	int rc, json = 0, have;
	size_t i;

	rc = lfs_parse_common_opts(ctx, "images", lfs_usage_images, argc,
				   argv, &json);
	if (rc != LFS_PARSED)
		return rc;
	if (argc > optind)
		return lfs_usage_error(ctx, "images", lfs_usage_images,
				       "unexpected argument '%s'", argv[optind]);
	rc = lfs_images_load(ctx, &st, &l, &have);
	if (!rc) {
		for (i = 0; i < l.n; i++)
			lfs_store_layer_usage(&st, l.v[i]);
		lfs_fmt_images(&out, l.v, l.n, lfs_ctx_now(ctx), json);
		rc = lfs_emit(ctx, &out);
	}
	lfs_buf_free(&out);
	lfs_meta_list_free(&l);
	lfs_store_close(&st);
	return rc;
}
