// SPDX-License-Identifier: GPL-2.0
/* "layerctl layer ...": the layer command group. */
#include "cmd.h"

/* One line per command; each lives in its own layer_*.c. */
static const struct lfs_cmd lfs_layer_commands[] = {
	{ "add", cmd_layer_add, "Register a directory as a layer" },
	{ "rm", cmd_layer_rm, "Unregister a layer (its files are kept)" },
	{ "ls", cmd_layer_ls, "List the registered layers" },
	{ "show", cmd_layer_show, "Show one layer in detail" },
	{ "index", cmd_layer_index, "Give a frozen layer its flattened index" },
	{ NULL, NULL, NULL }
};

static const char lfs_layer_usage[] =
	"Usage: layerctl layer COMMAND [ARGS...]\n"
	"       layerctl layer COMMAND --help\n"
	"\n"
	"Manage the registry of named read-only layers in the kernel.\n";

int cmd_layer(struct lfs_ctx *ctx, int argc, char **argv)
{
	return lfs_dispatch(ctx, "layer ", lfs_layer_usage, lfs_layer_commands,
			    NULL, argc, argv);
}
