// SPDX-License-Identifier: GPL-2.0
/* layerctl layer show NAME [--json] */
#include <stdlib.h>

#include "cmd.h"
#include "format.h"
#include "jsonout.h"
#include "layerinfo.h"
#include "nl.h"
#include "parse.h"

static const char lfs_usage_show[] =
	"Usage: layerctl layer show NAME [--json]\n"
	"\n"
	"Show the layer NAME: id, name, path, parent, author, message,\n"
	"creation time, flags, and how many views and child layers use it.\n"
	"\n"
	"Options:\n"
	"  -j, --json  print one JSON object\n"
	"  -h, --help  show this help\n";

int cmd_layer_show(struct lfs_ctx *ctx, int argc, char **argv)
{
	struct lfs_buf out = LFS_BUF_INIT;
	struct lfs_layer key = { 0 };
	struct lfs_layer *layer = NULL;
	struct lfs_err e = LFS_ERR_INIT;
	struct lfs_nl *nl;
	int rc, json = 0;

	rc = lfs_parse_common_opts(ctx, "layer show", lfs_usage_show, argc,
				   argv, &json);
	if (rc != LFS_PARSED)
		return rc;
	if (argc - optind < 1)
		return lfs_usage_error(ctx, "layer show", lfs_usage_show,
				       "missing NAME");
	if (argc - optind > 1)
		return lfs_usage_error(ctx, "layer show", lfs_usage_show,
				       "unexpected argument '%s'", argv[optind + 1]);
	key.name = argv[optind];
	if (lfs_check_name(ctx, "layer", key.name))
		return 1;
	if (lfs_ctx_nl(ctx, &nl, &e))
		return lfs_err_report(ctx, &e);
	rc = lfs_nl_layer_lookup(nl, &key, &layer, &e);
	if (rc < 0) {
		lfs_err_prefix(&e, rc, "layer '%s'", key.name);
		return lfs_err_report(ctx, &e);
	}

	if (json) {
		struct lfs_json j;

		lfs_json_init(&j, &out);
		lfs_json_layer(&j, layer);
		lfs_buf_putc(&out, '\n');
	} else {
		lfs_fmt_show(&out, layer);
	}
	rc = lfs_emit(ctx, "layer show", &out);
	lfs_buf_free(&out);
	free(layer);
	return rc;
}
