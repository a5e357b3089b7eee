// SPDX-License-Identifier: GPL-2.0
/* layerctl layer ls [--json] */
#include <errno.h>
#include <stdlib.h>

#include "cmd.h"
#include "format.h"
#include "jsonout.h"
#include "layerinfo.h"
#include "nl.h"
#include "parse.h"

static const char lfs_usage_ls[] =
	"Usage: layerctl layer ls [--json]\n"
	"\n"
	"List the registered layers in the order they were added.\n"
	"\n"
	"Options:\n"
	"  -j, --json  print a JSON array of layer objects\n"
	"  -h, --help  show this help\n";

struct lfs_layer_list {
	struct lfs_layer **v;
	size_t n, cap;
};

static int lfs_list_add(const struct lfs_layer *layer, void *arg)
{
	struct lfs_layer_list *list = arg;
	struct lfs_layer **v;

	if (list->n == list->cap) {
		size_t cap = list->cap ? list->cap * 2 : 16;

		v = realloc(list->v, cap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		list->v = v;
		list->cap = cap;
	}
	list->v[list->n] = lfs_layer_dup(layer);
	if (!list->v[list->n])
		return -ENOMEM;
	list->n++;
	return 0;
}

static void lfs_list_free(struct lfs_layer_list *list)
{
	size_t i;

	for (i = 0; i < list->n; i++)
		free(list->v[i]);
	free(list->v);
}

int cmd_layer_ls(struct lfs_ctx *ctx, int argc, char **argv)
{
	struct lfs_layer_list list = { NULL, 0, 0 };
	struct lfs_buf out = LFS_BUF_INIT;
	struct lfs_err e = LFS_ERR_INIT;
	struct lfs_nl *nl;
	int rc, json = 0;

	rc = lfs_parse_common_opts(ctx, "layer ls", lfs_usage_ls, argc,
				   argv, &json);
	if (rc != LFS_PARSED)
		return rc;
	if (argc > optind)
		return lfs_usage_error(ctx, "layer ls", lfs_usage_ls,
				       "unexpected argument '%s'", argv[optind]);
	if (lfs_ctx_nl(ctx, &nl, &e))
		return lfs_err_report(ctx, &e);
	rc = lfs_nl_layer_dump(nl, lfs_list_add, &list, &e);
	if (rc < 0) {
		lfs_list_free(&list);
		lfs_err_list(&e, rc, "layers");
		return lfs_err_report(ctx, &e);
	}

	if (json) {
		struct lfs_json j;
		size_t i;

		lfs_json_init(&j, &out);
		lfs_json_array_begin(&j);
		for (i = 0; i < list.n; i++)
			lfs_json_layer(&j, list.v[i]);
		lfs_json_array_end(&j);
		lfs_buf_putc(&out, '\n');
	} else {
		lfs_fmt_table(&out, list.v, list.n, lfs_ctx_now(ctx));
	}
	rc = lfs_emit(ctx, "layer ls", &out);
	lfs_buf_free(&out);
	lfs_list_free(&list);
	return rc;
}
