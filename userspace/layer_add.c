// SPDX-License-Identifier: GPL-2.0
/* layerctl layer add NAME PATH [--parent REF] [--frozen] [-a AUTHOR] [-m MESSAGE] */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/layerfs.h>

#include "cmd.h"
#include "index_store.h"
#include "layerinfo.h"
#include "nl.h"
#include "parse.h"
#include "store.h"
#include "store_reg.h"
#include "storeref.h"

static const char lfs_usage_add[] =
	"Usage: layerctl layer add NAME PATH [--parent REF] [--frozen] [-a AUTHOR] [-m MESSAGE]\n"
	"\n"
	"Register the directory PATH as the read-only layer NAME.  NAME is an\n"
	"image reference, [namespace/]name[:tag] (e.g. \"base\", \"gakki/app:1.0\").\n"
	"PATH is passed to the kernel as given and must be absolute; the\n"
	"directory is used in place (an overlayfs or Docker overlay2 layer\n"
	"directory works as it is).  If a layer store exists (see --store),\n"
	"the layer is also recorded there, so that `layerctl restore`\n"
	"registers it again after a reboot; no store is needed otherwise.\n"
	"\n"
	"Options:\n"
	"  -p, --parent=REF       the layer this one builds on (by name)\n"
	"  -f, --frozen           promise that PATH never changes again: the\n"
	"                         layer can then get an index (with a store,\n"
	"                         at once; see `layerctl layer index`)\n"
	"  -a, --author=AUTHOR    who made the layer\n"
	"  -m, --message=MESSAGE  what the layer holds\n"
	"  -h, --help             show this help\n";

/*
 * Records the registered layer @l in the store, if there is one and it
 * has no record of that name yet.  0, or 1 after reporting.
 */
static int lfs_layer_add_record(struct lfs_ctx *ctx, struct lfs_nl *nl,
				const struct lfs_layer *l)
{
	struct lfs_store st = LFS_STORE_INIT;
	struct lfs_err e = LFS_ERR_INIT;
	char key[LFS_KEY_LEN + 1];
	int rc, lockfd;

	rc = lfs_ctx_store(ctx, &st, 0, &e);
	if (rc == -ENOENT)
		return 0;	/* no store: nothing to record */
	if (rc)
		return lfs_err_report(ctx, &e);
	/*
	 * Recorded already: restore registered it from its record.  Under
	 * the records lock, from the look to the records: layers added at
	 * once on one unrecorded parent would each record it.
	 */
	lockfd = lfs_store_records_lock(&st);
	rc = lfs_store_ref_find(&st, l->name, key, &e);
	if (!rc)
		rc = lfs_store_record_chain(&st, nl, l, &e);
	else if (rc > 0)
		rc = 0;
	lfs_store_records_unlock(lockfd);
	if (!rc && (l->flags & LAYERFS_LAYER_F_FROZEN))
		lfs_layer_index_try(ctx, nl, &st, l->name, NULL);
	lfs_store_close(&st);
	if (!rc)
		return 0;
	lfs_err_prefix(&e, rc, "layer '%s': registered, but not recorded in the store",
		       l->name);
	return lfs_err_report(ctx, &e);
}

/*
 * The options and arguments of layer add into @layer (borrowing @argv);
 * LFS_PARSED, or the exit status after --help or a usage error.
 */
static int lfs_layer_add_parse(struct lfs_ctx *ctx, int argc, char **argv,
			       struct lfs_layer *layer)
{
	static const struct option opts[] = {
		{ "parent", required_argument, NULL, 'p' },
		{ "frozen", no_argument, NULL, 'f' },
		{ "author", required_argument, NULL, 'a' },
		{ "message", required_argument, NULL, 'm' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	int c;

	lfs_opt_reset();
	while ((c = getopt_long(argc, argv, ":p:fa:m:h", opts, NULL)) != -1) {
		switch (c) {
		case 'p':
			layer->parent = optarg;
			break;
		case 'f':
			layer->has |= LFS_HAS_FLAGS;
			layer->flags = LAYERFS_LAYER_F_FROZEN;
			break;
		case 'a':
			layer->author = optarg;
			break;
		case 'm':
			layer->message = optarg;
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
	layer->name = argv[optind];
	layer->path = argv[optind + 1];
	return LFS_PARSED;
}

int cmd_layer_add(struct lfs_ctx *ctx, int argc, char **argv)
{
	struct lfs_layer layer = { 0 };
	struct lfs_layer *created = NULL;
	struct lfs_err e = LFS_ERR_INIT;
	struct lfs_nl *nl;
	int rc;

	rc = lfs_layer_add_parse(ctx, argc, argv, &layer);
	if (rc != LFS_PARSED)
		return rc;
	if (lfs_check_name(ctx, "layer", layer.name) ||
	    lfs_check_not_chain(ctx, "layer", layer.name) ||
	    (layer.parent && lfs_check_name(ctx, "parent layer", layer.parent)))
		return 1;
	if (lfs_check_texts(layer.name, layer.author, layer.message, &e))
		return lfs_err_report(ctx, &e);
	if (lfs_ctx_nl(ctx, &nl, &e))
		return lfs_err_report(ctx, &e);
	rc = lfs_nl_layer_add(nl, &layer, &created, &e);
	if (rc < 0) {
		lfs_err_prefix(&e, rc, "layer '%s'", layer.name);
		return lfs_err_report(ctx, &e);
	}
	rc = lfs_layer_add_record(ctx, nl, created);
	free(created);
	return rc;
}
