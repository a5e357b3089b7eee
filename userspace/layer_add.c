// SPDX-License-Identifier: GPL-2.0
/* layerctl layer add NAME PATH [--parent REF] [-a AUTHOR] [-m MESSAGE] */
#include <string.h>

#include <linux/layerfs.h>

#include "cmd.h"
#include "layerinfo.h"
#include "nl.h"
#include "parse.h"

static const char lfs_usage_add[] =
	"Usage: layerctl layer add NAME PATH [--parent REF] [-a AUTHOR] [-m MESSAGE]\n"
	"\n"
	"Register the directory PATH as the read-only layer NAME.  NAME is an\n"
	"image reference, [namespace/]name[:tag] (e.g. \"base\", \"gakki/app:1.0\").\n"
	"PATH is passed to the kernel as given and must be absolute.\n"
	"\n"
	"Options:\n"
	"  -p, --parent=REF       the layer this one builds on (by name)\n"
	"  -a, --author=AUTHOR    who made the layer\n"
	"  -m, --message=MESSAGE  what the layer holds\n"
	"  -h, --help             show this help\n";

static int lfs_check_text(struct lfs_ctx *ctx, const char *name,
			  const char *what, const char *text)
{
	if (!text || strlen(text) <= LAYERFS_TEXT_MAX)
		return 0;
	return lfs_errorf(ctx, "layer '%s': %s is longer than %d bytes", name,
			  what, LAYERFS_TEXT_MAX);
}

int cmd_layer_add(struct lfs_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "parent", required_argument, NULL, 'p' },
		{ "author", required_argument, NULL, 'a' },
		{ "message", required_argument, NULL, 'm' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct lfs_layer layer = { 0 };
	struct lfs_nl *nl;
	int c, rc;

	lfs_opt_reset();
	while ((c = getopt_long(argc, argv, ":p:a:m:h", opts, NULL)) != -1) {
		switch (c) {
		case 'p':
			layer.parent = optarg;
			break;
		case 'a':
			layer.author = optarg;
			break;
		case 'm':
			layer.message = optarg;
			break;
		case 'h':
			return lfs_usage(ctx, lfs_usage_add, 0);
		default:
			return lfs_usage_opt(ctx, "layer add", lfs_usage_add, c,
					     argv, opts);
		}
	}
	if (argc - optind < 2)
		return lfs_usage_error(ctx, "layer add", lfs_usage_add,
				       "missing %s", argc == optind ? "NAME and PATH" : "PATH");
	if (argc - optind > 2)
		return lfs_usage_error(ctx, "layer add", lfs_usage_add,
				       "unexpected argument '%s'", argv[optind + 2]);
	layer.name = argv[optind];
	layer.path = argv[optind + 1];

	if (lfs_check_name(ctx, "layer", layer.name) ||
	    (layer.parent && lfs_check_name(ctx, "parent layer", layer.parent)) ||
	    lfs_check_text(ctx, layer.name, "author", layer.author) ||
	    lfs_check_text(ctx, layer.name, "message", layer.message))
		return 1;
	if (lfs_ctx_nl(ctx, &nl))
		return 1;
	rc = lfs_nl_layer_add(nl, &layer, NULL);
	if (rc < 0)
		return lfs_fail_layer(ctx, layer.name, rc);
	return 0;
}
