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
#include "store_cmd.h"

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

static void lfs_set_why(char *why, size_t whylen, const char *s)
{
	if (why && whylen)
		snprintf(why, whylen, "%s", s ? s : "");
}

int lfs_store_register_layer(struct lfs_nl *nl, const struct lfs_meta *m,
			     int *skipped, char *why, size_t whylen)
{
	struct lfs_layer key = { 0 }, add = { 0 }, *got = NULL;
	char real[PATH_MAX];
	uint64_t *ids = NULL;
	size_t i;
	int rc;

	*skipped = 0;
	lfs_set_why(why, whylen, NULL);
	key.name = m->ref;
	rc = lfs_nl_layer_get(nl, &key, &got);
	if (!rc) {
		const char *want = realpath(m->diff, real) ? real : m->diff;

		if (!strcmp(got->path, want)) {
			*skipped = 1;
		} else {
			if (why && whylen)
				snprintf(why, whylen,
					 "registered already, with the directory %s",
					 got->path);
			rc = -EEXIST;
		}
		free(got);
		return rc;
	}
	if (rc != -ENOENT) {
		lfs_set_why(why, whylen, lfs_nl_extack(nl));
		return rc;
	}
	if (m->base.n) {
		ids = calloc(m->base.n, sizeof(*ids));
		if (!ids)
			return -ENOMEM;
	}
	for (i = 0; i < m->base.n; i++) {
		key.name = m->base.v[i];
		rc = lfs_nl_layer_get(nl, &key, &got);
		if (rc) {
			if (why && whylen)
				snprintf(why, whylen, "BASE layer '%s': %s",
					 m->base.v[i], rc == -ENOENT ?
					 "not registered" : strerror(-rc));
			free(ids);
			return rc;
		}
		ids[i] = got->id;
		free(got);
	}
	add.name = m->ref;
	add.path = m->diff;
	add.parent = m->parent;
	add.author = m->author;
	add.message = m->message;
	add.has = LFS_HAS_CREATED;
	add.created = m->created;
	if (m->flags) {
		add.has |= LFS_HAS_FLAGS;
		add.flags = m->flags;
	}
	add.base = ids;
	add.nbase = (uint32_t)m->base.n;
	rc = lfs_nl_layer_add(nl, &add, NULL);
	if (rc)
		lfs_set_why(why, whylen, lfs_nl_extack(nl));
	free(ids);
	return rc;
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
	char why[LFS_STORE_WHY_MAX];
	size_t *order = NULL, i, done = 0, skipped = 0;
	struct lfs_nl *nl;
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
	rc = lfs_ctx_store(ctx, &st, 0);
	if (rc == -ENOENT) {
		fprintf(ctx->out, "restored 0 layers (no store at %s)\n",
			lfs_store_root(ctx->store));
		return 0;
	}
	if (rc)
		return 1;
	rc = lfs_store_layer_list(&st, &l, why, sizeof(why));
	if (rc) {
		rc = lfs_errorf(ctx, "store: %s", why);
		goto out;
	}
	for (i = 0; i < l.bad.n; i++) {
		lfs_errorf(ctx, "store: %s", l.bad.v[i]);
		failed = 1;
	}
	order = calloc(l.n ? l.n : 1, sizeof(*order));
	if (!order) {
		rc = lfs_errorf(ctx, "%s", strerror(ENOMEM));
		goto out;
	}
	rc = lfs_meta_order(l.v, l.n, order, why, sizeof(why));
	if (rc) {
		rc = lfs_fail_obj(ctx, "layer", why, rc,
				  rc == -ELOOP ? "a parent cycle in the store" : NULL);
		goto out;
	}
	if (l.n && lfs_ctx_nl(ctx, &nl)) {
		rc = 1;
		goto out;
	}
	for (i = 0; i < l.n; i++) {
		const struct lfs_meta *m = l.v[order[i]];
		int skip;

		rc = lfs_store_register_layer(nl, m, &skip, why, sizeof(why));
		if (rc) {
			lfs_fail_obj(ctx, "layer", m->ref, rc, why);
			failed = 1;
			continue;
		}
		if (m->flags & LAYERFS_LAYER_F_FROZEN)
			lfs_layer_index_try(nl, &st, m->ref, m->key);
		lfs_fmt_escaped(&out, m->ref);
		lfs_buf_puts(&out, skip ? ": already registered\n" :
			     ": registered\n");
		if (skip)
			skipped++;
		else
			done++;
	}
	lfs_buf_printf(&out, "restored %zu layers (%zu already registered)\n",
		       done, skipped);
	rc = lfs_emit(ctx, &out) || failed;
out:
	free(order);
	lfs_buf_free(&out);
	lfs_meta_list_free(&l);
	lfs_store_close(&st);
	return rc;
}
