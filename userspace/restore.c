// SPDX-License-Identifier: GPL-2.0
/* layerctl restore: register every stored layer again. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/layerfs.h>

#include "cmd.h"
#include "format.h"
#include "index_store.h"
#include "nl.h"
#include "parse.h"
#include "store.h"
#include "store_reg.h"

static const char lfs_usage_restore[] =
	"Usage: layerctl restore\n"
	"\n"
	"Register every layer recorded in the store again, parents and BASE\n"
	"layers first, with its recorded creation time, author, message and\n"
	"flags: after a reboot or a reload of the module.  A layer already\n"
	"registered with the same directory is skipped, so restore can run any\n"
	"number of times.  Prints one line per layer; exits 1 if any failed.\n"
	"\n"
	"Options:\n"
	"  -h, --help  show this help\n";

/*
 * Registers the records of @l in their order (parents and BASE layers
 * first), one output line each, into @out.  A layer that fails is
 * reported and the others are still tried.  0, or 1 if any failed.
 */
static int lfs_restore_layers(struct lfs_ctx *ctx, struct lfs_nl *nl,
			      struct lfs_store *st,
			      const struct lfs_meta_list *l,
			      const size_t *order, struct lfs_buf *out)
{
	struct lfs_err e = LFS_ERR_INIT;
	size_t i, done = 0, skipped = 0;
	int rc, skip, failed = 0;

	for (i = 0; i < l->n; i++) {
		const struct lfs_meta *m = l->v[order[i]];

		rc = lfs_store_register_layer(nl, m, &skip, &e);
		if (rc) {
			lfs_err_prefix(&e, rc, "layer '%s'", m->ref);
			failed = lfs_err_report(ctx, &e);
			lfs_err_clear(&e);
			continue;
		}
		if (m->flags & LAYERFS_LAYER_F_FROZEN)
			lfs_layer_index_try(nl, st, m->ref, m->key);
		lfs_fmt_escaped(out, m->ref);
		lfs_buf_puts(out, skip ? ": already registered\n" :
			     ": registered\n");
		if (skip)
			skipped++;
		else
			done++;
	}
	lfs_buf_printf(out, "restored %zu layers (%zu already registered)\n",
		       done, skipped);
	return failed;
}

/* The store's records and their order.  0, or 1 after reporting. */
static int lfs_restore_plan(struct lfs_ctx *ctx, struct lfs_store *st,
			    struct lfs_meta_list *l, size_t **order,
			    int *failed)
{
	struct lfs_err e = LFS_ERR_INIT;
	size_t i;
	int rc;

	rc = lfs_store_layer_list(st, l, &e);
	if (rc) {
		lfs_err_prefix(&e, rc, "store");
		return lfs_err_report(ctx, &e);
	}
	for (i = 0; i < l->bad.n; i++) {
		lfs_errorf(ctx, "store: %s", l->bad.v[i]);
		*failed = 1;
	}
	*order = calloc(l->n ? l->n : 1, sizeof(**order));
	if (!*order)
		return lfs_errorf(ctx, "%s", strerror(ENOMEM));
	rc = lfs_meta_order(l->v, l->n, *order, &e);
	return rc ? lfs_err_report(ctx, &e) : 0;
}

int cmd_restore(struct lfs_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct lfs_meta_list l = LFS_META_LIST_INIT;
	struct lfs_store st = LFS_STORE_INIT;
	struct lfs_buf out = LFS_BUF_INIT;
	struct lfs_err e = LFS_ERR_INIT;
	size_t *order = NULL;
	struct lfs_nl *nl = NULL;
	int c, rc, failed = 0;

	lfs_opt_reset();
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			return lfs_usage(ctx, lfs_usage_restore, 0);
		default:
			return lfs_usage_opt(ctx, "restore", lfs_usage_restore,
					     c, argv, opts);
		}
	}
	if (argc > optind)
		return lfs_usage_error(ctx, "restore", lfs_usage_restore,
				       "unexpected argument '%s'", argv[optind]);
	rc = lfs_ctx_store(ctx, &st, 0, &e);
	if (rc == -ENOENT) {
		fprintf(ctx->out, "restored 0 layers (no store at %s)\n",
			lfs_store_root(ctx->store));
		return 0;
	}
	if (rc)
		return lfs_err_report(ctx, &e);
	rc = lfs_restore_plan(ctx, &st, &l, &order, &failed);
	if (!rc && l.n && lfs_ctx_nl(ctx, &nl))
		rc = 1;
	if (!rc) {
		failed |= lfs_restore_layers(ctx, nl, &st, &l, order, &out);
		rc = lfs_emit(ctx, &out) || failed;
	}
	free(order);
	lfs_buf_free(&out);
	lfs_meta_list_free(&l);
	lfs_store_close(&st);
	return rc;
}
