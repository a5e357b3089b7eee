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
	const char *name;
	int rc;

	rc = lfs_parse_common_opts(ctx, "layer rm", lfs_usage_rm, argc,
				   argv, NULL);
	if (rc != LFS_PARSED)
		return rc;
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
