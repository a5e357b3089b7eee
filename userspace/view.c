// SPDX-License-Identifier: GPL-2.0
/* "layerctl view ...": the view command group. */
#include "cmd.h"

/* One line per command; each lives in its own view_*.c. */
static const struct lfs_cmd lfs_view_commands[] = {
	{ "ls", cmd_view_ls, "List the mounted views" },
	{ NULL, NULL, NULL }
};

static const char lfs_view_usage[] =
	"Usage: layerctl view COMMAND [ARGS...]\n"
	"       layerctl view COMMAND --help\n"
	"\n"
	"Inspect the mounted views (layerctl mount and umount make them).\n";

int cmd_view(struct lfs_ctx *ctx, int argc, char **argv)
{
	return lfs_dispatch(ctx, "view ", lfs_view_usage, lfs_view_commands,
			    NULL, argc, argv);
}
