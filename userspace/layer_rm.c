// SPDX-License-Identifier: GPL-2.0
/* layerctl layer rm NAME */
#include "cmd.h"
#include "parse.h"
#include "store_reg.h"

static const char lfs_usage_rm[] =
	"Usage: layerctl layer rm NAME\n"
	"\n"
	"Unregister the layer NAME.  Its directory and files are left alone.\n"
	"Fails while a mounted view or a child layer uses it.\n"
	"\n"
	"Options:\n"
	"  -h, --help  show this help\n";

int cmd_layer_rm(struct lfs_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *name;
	int c;

	lfs_opt_reset();
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			return lfs_usage(ctx, lfs_usage_rm, 0);
		default:
			return lfs_usage_opt(ctx, "layer rm", lfs_usage_rm, c,
					     argv, opts);
		}
	}
	if (argc - optind < 1)
		return lfs_usage_error(ctx, "layer rm", lfs_usage_rm,
				       "missing NAME");
	if (argc - optind > 1)
		return lfs_usage_error(ctx, "layer rm", lfs_usage_rm,
				       "unexpected argument '%s'", argv[optind + 1]);
	name = argv[optind];
	if (lfs_check_name(ctx, "layer", name))
		return 1;
	return lfs_layer_unregister(ctx, name, 0);
}
