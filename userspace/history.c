// SPDX-License-Identifier: GPL-2.0
/* layerctl history REF [--json] */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "format.h"
#include "images.h"
#include "parse.h"

static const char lfs_usage_history[] =
	"Usage: layerctl history REF [--json]\n"
	"\n"
	"Show the layers of the image REF, top first, as `docker history`\n"
	"does: the layer, then its BASE stack if it was committed on an\n"
	"explicit stack, else its parent's image.  A REF without a tag that\n"
	"names no layer means REF:latest.\n"
	"\n"
	"Options:\n"
	"  -j, --json  print a JSON array\n"
	"  -h, --help  show this help\n";

int cmd_history(struct lfs_ctx *ctx, int argc, char **argv)
{
	struct lfs_meta_list l = LFS_META_LIST_INIT;
	struct lfs_store st = LFS_STORE_INIT;
	struct lfs_buf out = LFS_BUF_INIT;
	struct lfs_err e = LFS_ERR_INIT;
	size_t *chain = NULL, n = 0, i;
	int rc, json = 0, have;
	const char *ref;
	long at;

	rc = lfs_parse_common_opts(ctx, "history", lfs_usage_history, argc,
				   argv, &json);
	if (rc != LFS_PARSED)
		return rc;
	if (argc - optind < 1)
		return lfs_usage_error(ctx, "history", lfs_usage_history,
				       "missing REF");
	if (argc - optind > 1)
		return lfs_usage_error(ctx, "history", lfs_usage_history,
				       "unexpected argument '%s'", argv[optind + 1]);
	ref = argv[optind];
	if (lfs_check_name(ctx, "image", ref))
		return 1;
	rc = lfs_images_load(ctx, &st, &l, &have);
	if (rc)
		goto out;
	chain = calloc(l.n ? l.n : 1, sizeof(*chain));
	if (!chain) {
		rc = lfs_nomem(ctx, "cannot read its history", "image '%s'",
			       ref);
		goto out;
	}
	at = lfs_meta_lookup(l.v, l.n, ref);
	if (at >= 0)
		ref = l.v[at]->ref;
	rc = lfs_meta_chain(l.v, l.n, ref, chain, &n, &e);
	if (rc) {
		lfs_err_prefix(&e, rc, "image '%s'", ref);
		rc = lfs_err_report(ctx, &e);
		goto out;
	}
	for (i = 0; i < n; i++)
		lfs_store_layer_usage(&st, l.v[chain[i]]);
	lfs_fmt_history(&out, l.v, chain, n, lfs_ctx_now(ctx), json);
	rc = lfs_emit(ctx, "history", &out);
out:
	free(chain);
	lfs_buf_free(&out);
	lfs_meta_list_free(&l);
	lfs_store_close(&st);
	return rc;
}
