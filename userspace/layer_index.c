// SPDX-License-Identifier: GPL-2.0
/* layerctl layer index NAME [-o FILE] */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "index_store.h"
#include "nl.h"
#include "parse.h"
#include "store.h"

static const char lfs_usage_index[] =
	"Usage: layerctl layer index NAME [-o FILE]\n"
	"\n"
	"Give the frozen layer NAME its flattened index: the merged tree of\n"
	"its image, which views of that image then read instead of walking\n"
	"its layers, so that a lookup or a listing costs the same at any\n"
	"depth.  The index is kept beside the layer in the store\n"
	"(ROOT/layers/KEY/index) and built over the index of the layer below\n"
	"when it has one.  Commit, import, load and restore do this by\n"
	"themselves; this command is for layers that lack one.  Views of the\n"
	"image mounted before take the index up too.\n"
	"\n"
	"Options:\n"
	"  -o, --output=FILE  keep the index in FILE instead (a layer added\n"
	"                     in place without a store); it must stay there\n"
	"                     and is read-only while the layer is registered\n"
	"  -h, --help         show this help\n";

/* Indexes @ref into the file @path. */
static int lfs_index_to_file(struct lfs_ctx *ctx, struct lfs_nl *nl,
			     const char *ref, const char *path)
{
	char *d = strdup(path), *b = strdup(path);
	struct lfs_err e = LFS_ERR_INIT;
	int dirfd, rc;

	if (!d || !b) {
		free(d);
		free(b);
		return lfs_nomem(ctx, "cannot find its directory",
				 "index file '%s'", path);
	}
	dirfd = open(dirname(d), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0) {
		lfs_err_named(&e, -errno, "cannot open its directory",
			      "index file '%s'", path);
		rc = lfs_err_report(ctx, &e);
	} else {
		rc = lfs_layer_index_at(nl, NULL, ref, NULL, dirfd, basename(b),
					&e);
		close(dirfd);
		if (rc) {
			lfs_err_prefix(&e, rc, "layer '%s': cannot index", ref);
			rc = lfs_err_report(ctx, &e);
		}
	}
	free(d);
	free(b);
	return rc;
}

int cmd_layer_index(struct lfs_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct lfs_err e = LFS_ERR_INIT;
	struct lfs_store st = LFS_STORE_INIT;
	const char *output = NULL;
	struct lfs_nl *nl;
	int c, rc;

	lfs_opt_reset();
	while ((c = getopt_long(argc, argv, ":o:h", opts, NULL)) != -1) {
		if (c == 'o') {
			output = optarg;
			continue;
		}
		if (c == 'h')
			return lfs_usage(ctx, lfs_usage_index, 0);
		return lfs_usage_opt(ctx, "layer index", lfs_usage_index, c,
				     argv, opts);
	}
	if (argc - optind < 1)
		return lfs_usage_error(ctx, "layer index", lfs_usage_index,
				       "missing NAME");
	if (argc - optind > 1)
		return lfs_usage_error(ctx, "layer index", lfs_usage_index,
				       "unexpected argument '%s'", argv[optind + 1]);
	if (lfs_check_name(ctx, "layer", argv[optind]))
		return 1;
	if (lfs_ctx_nl(ctx, &nl, &e))
		return lfs_err_report(ctx, &e);
	if (output)
		return lfs_index_to_file(ctx, nl, argv[optind], output);
	rc = lfs_ctx_store(ctx, &st, 0, &e);
	if (rc == -ENOENT)
		return lfs_errorf(ctx, "layer '%s': no layer store to keep its index in: use -o FILE",
				  argv[optind]);
	if (rc)
		return lfs_err_report(ctx, &e);
	rc = lfs_layer_index_ref(nl, &st, argv[optind], &e);
	lfs_store_close(&st);
	if (rc) {
		lfs_err_prefix(&e, rc, "layer '%s': cannot index", argv[optind]);
		return lfs_err_report(ctx, &e);
	}
	return 0;
}
