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
	"Usage: layerctl images [-a] [--json]\n"
	"\n"
	"List the layers recorded in the store (committed with `layerctl\n"
	"commit`, or registered with `layerctl layer add` while a store\n"
	"exists): ref, key, parent, age, size and number of files.  Sizes are\n"
	"computed on first use and kept in the records of frozen layers.\n"
	"The unnamed lower layers of loaded and pulled images (oci/chain:HEX)\n"
	"that another layer builds on are not listed without -a, as `docker\n"
	"images` hides intermediate images.\n"
	"\n"
	"Options:\n"
	"  -a, --all   list intermediate layers too\n"
	"  -j, --json  print a JSON array\n"
	"  -h, --help  show this help\n";

/* images' options: -a/--all, -j/--json, -h/--help. */
static int lfs_images_parse(struct lfs_ctx *ctx, int argc, char **argv,
			    int *json, int *all)
{
	static const struct option opts[] = {
		{ "all", no_argument, NULL, 'a' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	int c;

	lfs_opt_reset();
	while ((c = getopt_long(argc, argv, ":ajh", opts, NULL)) != -1) {
		if (c == 'a')
			*all = 1;
		else if (c == 'j')
			*json = 1;
		else if (c == 'h')
			return lfs_usage(ctx, lfs_usage_images, 0);
		else
			return lfs_usage_opt(ctx, "images", lfs_usage_images,
					     c, argv, opts);
	}
	return LFS_PARSED;
}

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
		lfs_errorf(ctx, "warning: %s", l->bad.v[i]);
	return 0;
}

int cmd_images(struct lfs_ctx *ctx, int argc, char **argv)
{
	struct lfs_meta_list l = LFS_META_LIST_INIT;
	struct lfs_store st = LFS_STORE_INIT;
	struct lfs_buf out = LFS_BUF_INIT;
	int rc, json = 0, all = 0, have;
	struct lfs_meta **shown = NULL;
	size_t i, n = 0;

	rc = lfs_images_parse(ctx, argc, argv, &json, &all);
	if (rc != LFS_PARSED)
		return rc;
	if (argc > optind)
		return lfs_usage_error(ctx, "images", lfs_usage_images,
				       "unexpected argument '%s'", argv[optind]);
	rc = lfs_images_load(ctx, &st, &l, &have);
	if (!rc) {
		shown = calloc(l.n ? l.n : 1, sizeof(*shown));
		if (!shown)
			rc = lfs_nomem(ctx, "cannot list its images",
				       "store '%s'", st.root);
	}
	if (!rc) {
		for (i = 0; i < l.n; i++) {
			if (!all && lfs_meta_intermediate(l.v, l.n, i))
				continue;
			lfs_store_layer_usage(&st, l.v[i]);
			shown[n++] = l.v[i];
		}
		lfs_fmt_images(&out, shown, n, lfs_ctx_now(ctx), json);
		rc = lfs_emit(ctx, "images", &out);
	}
	free(shown);
	lfs_buf_free(&out);
	lfs_meta_list_free(&l);
	lfs_store_close(&st);
	return rc;
}
