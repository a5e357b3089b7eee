// SPDX-License-Identifier: GPL-2.0
/*
 * layerctl: control tool for the layerfs union filesystem.
 *
 *   layerctl [--module PATH] COMMAND ...
 *   layerctl [--module PATH] [--force] --batch FILE
 *
 * Global options, the top-level command table and main().
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include <linux/layerfs.h>

#include "cmd.h"
#include "parse.h"

#ifndef LAYERCTL_VERSION
#define LAYERCTL_VERSION "0.1.0"
#endif

/* Top-level commands: one line each, one file each. */
static const struct lfs_cmd lfs_commands[] = {
	{ "layer", cmd_layer, "Manage the layer registry (add, rm, ls, show)" },
	{ "mount", cmd_mount, "Mount a view of a stack of layers or an image" },
	{ "umount", cmd_umount, "Unmount a view" },
	{ "view", cmd_view, "Inspect the mounted views (ls)" },
	{ "commit", cmd_commit, "Turn a view's changes into a new image layer" },
	{ "images", cmd_images, "List the images in the store" },
	{ "history", cmd_history, "Show the layers of an image" },
#ifndef LAYERCTL_NO_OCI		/* inspect computes save's digests */
	{ "inspect", cmd_inspect, "Show an image's digests, config and history as JSON" },
#endif
	{ "diff", cmd_diff, "List the uncommitted changes of a view (A/C/D)" },
	{ "restore", cmd_restore, "Register every stored layer again" },
	{ "rm", cmd_rm, "Remove an image layer from the registry and the store" },
	{ "tag", cmd_tag, "Give an image another name (a tag)" },
	{ "rmi", cmd_rmi, "Remove an image name: a tag, or the image" },
	{ "prune", cmd_prune, "Delete what unmounted views left in the store" },
#ifndef LAYERCTL_NO_OCI		/* make LAYERCTL_OCI=0: no OCI commands */
	{ "export", cmd_export, "Write one layer as an OCI layer tarball" },
	{ "import", cmd_import, "Make a store layer from an OCI layer tarball" },
	{ "save", cmd_save, "Write an image as an OCI image layout" },
	{ "load", cmd_load, "Import an image from an OCI image layout" },
	{ "push", cmd_push, "Upload an image to an OCI registry" },
	{ "pull", cmd_pull, "Download an image from an OCI registry" },
	{ "login", cmd_login, "Store credentials for an OCI registry" },
	{ "logout", cmd_logout, "Forget the credentials for an OCI registry" },
#endif
	{ NULL, NULL, NULL }
};

static const char lfs_usage_head[] =
	"Usage: layerctl [--module PATH] COMMAND [ARGS...]\n"
	"       layerctl [--module PATH] [--force] --batch FILE\n"
	"       layerctl [--store DIR] COMMAND [ARGS...]\n"
	"       layerctl COMMAND --help\n"
	"       layerctl --version\n"
	"\n"
	"Control the layerfs union filesystem.\n";

static const char lfs_usage_tail[] =
	"Options:\n"
	"  -M, --module=PATH  load the layerfs module from PATH if it is not\n"
	"                     loaded (default: $LAYERFS_MODULE, else 'layerfs'\n"
	"                     from the module index)\n"
	"  -S, --store=DIR    the layer store (default: $LAYERFS_STORE, else\n"
	"                     /var/lib/layerfs)\n"
	"  -b, --batch=FILE   run the commands of FILE ('-': stdin), one per line\n"
	"                     as after 'layerctl' (no global options), in one\n"
	"                     process; stop at the first that fails.  Quoting as\n"
	"                     in sh: '...', \"...\", \\; '#' starts a comment line\n"
	"      --force        with --batch: run every line, then exit 1 if any\n"
	"                     failed\n"
	"  -h, --help         show this help\n"
	"  -V, --version      show the version\n";

/* The top-level hint, as bad usage: to ctx->err, returns 2. */
static int lfs_usage_top(struct lfs_ctx *ctx)
{
	return lfs_usage(ctx, lfs_usage_head, 1);
}

/*
 * The highest soft limit of open files to ask for when the hard limit is
 * unlimited (the kernel refuses more than fs.nr_open, 1M by default).
 */
#define LFS_NOFILE_MAX (1024 * 1024)

void lfs_nofile_raise(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) || rl.rlim_cur == rl.rlim_max)
		return;
	rl.rlim_cur = rl.rlim_max;
	if (!setrlimit(RLIMIT_NOFILE, &rl) || rl.rlim_max <= LFS_NOFILE_MAX)
		return;
	rl.rlim_cur = LFS_NOFILE_MAX;	/* above fs.nr_open */
	setrlimit(RLIMIT_NOFILE, &rl);
}

int layerctl_run(struct lfs_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "module", required_argument, NULL, 'M' },
		{ "store", required_argument, NULL, 'S' },
		{ "batch", required_argument, NULL, 'b' },
		{ "force", no_argument, NULL, 'F' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	char *help[] = { argv[0], (char *)"--help", NULL };
	const char *batch = NULL;
	char msg[256];
	int c, force = 0, version = 0;

	lfs_nofile_raise();
	lfs_opt_reset();
	/* '+': options end at the command, whose own options follow it. */
	while ((c = getopt_long(argc, argv, "+:M:S:b:hV", opts, NULL)) != -1) {
		switch (c) {
		case 'M':
			ctx->module = optarg;
			break;
		case 'S':
			ctx->store = optarg;
			break;
		case 'b':
			batch = optarg;
			break;
		case 'F':
			force = 1;
			break;
		case 'h':
			return lfs_dispatch(ctx, "", lfs_usage_head,
					    lfs_commands, lfs_usage_tail, 2, help);
		case 'V':
			version = 1;
			break;
		default:
			lfs_opt_error(msg, sizeof(msg), c, argv, opts);
			lfs_errorf(ctx, "%s", msg);
			return lfs_usage_top(ctx);
		}
	}
	if (version) {
		if (optind < argc) {
			lfs_errorf(ctx, "unexpected argument '%s' after --version",
				   argv[optind]);
			return lfs_usage_top(ctx);
		}
		fprintf(ctx->out, "layerctl %s (layerfs protocol %d)\n",
			LAYERCTL_VERSION, LAYERFS_GENL_VERSION);
		return 0;
	}
	if (ctx->module && !*ctx->module)
		ctx->module = NULL;
	if (batch) {
		if (optind < argc) {
			lfs_errorf(ctx, "unexpected argument '%s' after --batch",
				   argv[optind]);
			return lfs_usage_top(ctx);
		}
		return lfs_batch_run(ctx, batch, force);
	}
	if (force) {
		lfs_errorf(ctx, "option '--force' needs --batch");
		return lfs_usage_top(ctx);
	}
	/* lfs_dispatch() wants the command in argv[1]. */
	return lfs_dispatch(ctx, "", lfs_usage_head, lfs_commands,
			    lfs_usage_tail, argc - optind + 1, argv + optind - 1);
}

int layerctl_command(struct lfs_ctx *ctx, int argc, char **argv)
{
	return lfs_dispatch(ctx, "", lfs_usage_head, lfs_commands,
			    lfs_usage_tail, argc, argv);
}

#ifndef LAYERCTL_NO_MAIN
int main(int argc, char **argv)
{
	struct lfs_ctx ctx = {
		.out = stdout,
		.err = stderr,
		.module = getenv("LAYERFS_MODULE"),
		.interactive = isatty(STDIN_FILENO) && isatty(STDERR_FILENO),
	};
	int rc;

	rc = layerctl_run(&ctx, argc, argv);
	lfs_ctx_close(&ctx);
	if (fflush(stdout) || ferror(stdout)) {
		struct lfs_err e = LFS_ERR_INIT;

		lfs_err_named(&e, errno ? -errno : -EIO, "cannot write it",
			      "standard output");
		rc = lfs_err_report(&ctx, &e);
	}
	return rc;
}
#endif
