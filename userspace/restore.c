// SPDX-License-Identifier: GPL-2.0
/*
 * layerctl restore [--views]: register every stored layer again, and with
 * --views mount again the store views recorded with `mount --persist`.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include <linux/layerfs.h>

#include "cmd.h"
#include "format.h"
#include "fsdir.h"
#include "index_store.h"
#include "mount_trust.h"
#include "nl.h"
#include "parse.h"
#include "store.h"
#include "store_reg.h"
#include "sys.h"
#include "viewinfo.h"

static const char lfs_usage_restore[] =
	"Usage: layerctl restore [--views]\n"
	"\n"
	"Register every layer recorded in the store again, parents and BASE\n"
	"layers first, with its recorded creation time, author, message and\n"
	"flags: after a reboot or a reload of the module.  A layer already\n"
	"registered with the same directory is skipped, so restore can run any\n"
	"number of times.  Prints one line per layer; exits 1 if any failed.\n"
	"\n"
	"With --views, then mounts again each store view recorded with\n"
	"`layerctl mount --persist` that no mounted view uses: its image on its\n"
	"mountpoint (made if missing), its upper in the store with the changes\n"
	"it held, its -o flags.  A mountpoint whose path now holds a symbolic\n"
	"link (it was recorded without one) is refused.  layerfs-views.service\n"
	"runs it at boot, after the local filesystems.  Prints one line per view.\n"
	"\n"
	"Options:\n"
	"  -V, --views  also mount the persisted store views again\n"
	"  -h, --help   show this help\n";

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
			lfs_layer_index_try(ctx, nl, st, m->ref, m->key);
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
		lfs_err_prefix(&e, rc, "store '%s'", st->root);
		return lfs_err_report(ctx, &e);
	}
	for (i = 0; i < l->bad.n; i++) {
		lfs_errorf(ctx, "%s", l->bad.v[i]);
		*failed = 1;
	}
	*order = calloc(l->n ? l->n : 1, sizeof(**order));
	if (!*order)
		return lfs_nomem(ctx, "cannot order its layers", "store '%s'",
				 st->root);
	rc = lfs_meta_order(l->v, l->n, *order, &e);
	return rc ? lfs_err_report(ctx, &e) : 0;
}

/* The persisted store views' records, sorted by mountpoint (parents first). */
struct lfs_pviews {
	struct lfs_view_meta *v;
	size_t n;
};

static int lfs_pview_cmp(const void *a, const void *b)
{
	return strcmp(((const struct lfs_view_meta *)a)->mountpoint,
		      ((const struct lfs_view_meta *)b)->mountpoint);
}

/* Reads every ROOT/views/KEY/view.json with "persist".  0 or 1. */
static int lfs_pviews_read(struct lfs_ctx *ctx, struct lfs_store *st,
			   struct lfs_pviews *pv)
{
	struct lfs_view_meta vm, *nv;
	struct dirent *de;
	int fd, rc = 0;
	DIR *d;

	fd = dup(st->views_fd);
	d = fd < 0 ? NULL : fdopendir(fd);
	if (!d) {
		struct lfs_err e = LFS_ERR_INIT;

		lfs_err_set(&e, -errno, "cannot read its views directory");
		if (fd >= 0)
			close(fd);
		lfs_err_prefix(&e, e.code, "store '%s'", st->root);
		return lfs_err_report(ctx, &e);
	}
	while ((de = readdir(d))) {
		if (!lfs_key_valid(de->d_name) ||
		    lfs_store_view_read(st, de->d_name, &vm))
			continue;	/* no record yet: prune's business */
		if (!vm.persist) {
			lfs_view_meta_free(&vm);
			continue;
		}
		if (!vm.mountpoint || vm.mountpoint[0] != '/' || !vm.image) {
			rc = lfs_errorf(ctx, "view record '%s/views/%s/view.json': persisted without %s",
					st->root, de->d_name, vm.image ?
					"an absolute mountpoint" : "an image");
			lfs_view_meta_free(&vm);
			continue;
		}
		nv = realloc(pv->v, (pv->n + 1) * sizeof(*nv));
		if (!nv) {
			lfs_view_meta_free(&vm);
			rc = lfs_nomem(ctx, "cannot keep it",
				       "view record '%s/views/%s/view.json'",
				       st->root, de->d_name);
			break;
		}
		pv->v = nv;
		pv->v[pv->n++] = vm;
	}
	closedir(d);
	if (pv->n > 1)
		qsort(pv->v, pv->n, sizeof(*pv->v), lfs_pview_cmp);
	return rc;
}

/* 1 if a mounted view uses the directory @work. */
static int lfs_work_in_use(const struct lfs_view_list *views, const char *work)
{
	struct stat a, b;
	size_t i;

	if (stat(work, &a))
		return 0;
	for (i = 0; i < views->n; i++)
		if (views->v[i].work && !stat(views->v[i].work, &b) &&
		    a.st_dev == b.st_dev && a.st_ino == b.st_ino)
			return 1;
	return 0;
}

/* Mounts one persisted view again.  0, or a negative errno in @e. */
static int lfs_restore_view(struct lfs_ctx *ctx, struct lfs_store *st,
			    const struct lfs_view_meta *vm, struct lfs_err *e)
{
	struct lfs_mount_trust trust = { .ctx = ctx };
	struct lfs_mount_spec spec = {
		.target = vm->mountpoint,
		.image = vm->image,
		.attrs = lfs_mount_trust_attrs,
		.attrs_arg = &trust,
	};
	char upper[PATH_MAX], work[PATH_MAX], bad[64];
	int rc;

	snprintf(upper, sizeof(upper), "%s/layers/%s/diff", st->root,
		 vm->upper_key);
	snprintf(work, sizeof(work), "%s/views/%s/work", st->root, vm->key);
	spec.upper = upper;
	spec.work = work;
	if (vm->options &&
	    lfs_mount_opts_parse(vm->options, &trust.opts, bad, sizeof(bad)))
		return lfs_err_set(e, -EINVAL,
				   "its recorded -o flag '%s' is not valid",
				   bad);
	/*
	 * As root, at boot, on a path recorded without symbolic links (the
	 * realpath at `mount --persist`): a link on it now was put there
	 * since, by whoever can write a directory above the mountpoint, to
	 * have the view mounted elsewhere (/etc/cron.d).  Neither make
	 * directories nor mount through one.
	 */
	rc = lfs_open_dir_nofollow(vm->mountpoint, 1, 0755);
	if (rc < 0)
		return lfs_err_set(e, rc, "cannot make the mountpoint%s",
				   rc == -ELOOP ? ": a symbolic link on its path" :
				   "");
	close(rc);
	spec.target_nofollow = 1;
	return lfs_sys_mount(&spec, ctx->module, e);
}

/*
 * restore --views: each persisted store view that no mounted view uses is
 * mounted again; one line each, then a count.  0, or 1 if any failed.
 */
static int lfs_restore_views(struct lfs_ctx *ctx, struct lfs_store *st)
{
	struct lfs_view_list views = LFS_VIEW_LIST_INIT;
	struct lfs_pviews pv = { NULL, 0 };
	struct lfs_buf out = LFS_BUF_INIT;
	struct lfs_err e = LFS_ERR_INIT;
	char work[PATH_MAX];
	size_t i, done = 0, live = 0;
	struct lfs_nl *nl;
	int rc, failed;

	failed = lfs_pviews_read(ctx, st, &pv);
	if (pv.n && lfs_ctx_nl(ctx, &nl, &e)) {
		failed = lfs_err_report(ctx, &e);
		goto out;
	}
	if (pv.n && lfs_ctx_views(nl, &views, &e)) {
		failed = lfs_err_report(ctx, &e);
		goto out;
	}
	for (i = 0; i < pv.n; i++) {
		const struct lfs_view_meta *vm = &pv.v[i];
		const char *what = "mounted already";

		snprintf(work, sizeof(work), "%s/views/%s/work", st->root,
			 vm->key);
		if (!lfs_work_in_use(&views, work)) {
			rc = lfs_restore_view(ctx, st, vm, &e);
			if (rc) {
				lfs_err_prefix(&e, rc, "view '%s'",
					       vm->mountpoint);
				failed = lfs_err_report(ctx, &e);
				lfs_err_clear(&e);
				continue;
			}
			what = "mounted";
			done++;
		} else {
			live++;
		}
		lfs_fmt_escaped(&out, vm->mountpoint);
		lfs_buf_puts(&out, ": image ");
		lfs_fmt_escaped(&out, vm->image);
		lfs_buf_printf(&out, ": %s\n", what);
	}
	lfs_buf_printf(&out, "restored %zu views (%zu mounted already)\n",
		       done, live);
	failed = lfs_emit(ctx, "restore", &out) || failed;
out:
	for (i = 0; i < pv.n; i++)
		lfs_view_meta_free(&pv.v[i]);
	free(pv.v);
	lfs_views_free(&views);
	lfs_buf_free(&out);
	return failed;
}

int cmd_restore(struct lfs_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "views", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct lfs_meta_list l = LFS_META_LIST_INIT;
	struct lfs_store st = LFS_STORE_INIT;
	struct lfs_buf out = LFS_BUF_INIT;
	struct lfs_err e = LFS_ERR_INIT;
	size_t *order = NULL;
	struct lfs_nl *nl = NULL;
	int c, rc, failed = 0, views = 0;

	lfs_opt_reset();
	while ((c = getopt_long(argc, argv, ":Vh", opts, NULL)) != -1) {
		switch (c) {
		case 'V':
			views = 1;
			break;
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
		if (views)
			fprintf(ctx->out, "restored 0 views\n");
		return 0;
	}
	if (rc)
		return lfs_err_report(ctx, &e);
	rc = lfs_restore_plan(ctx, &st, &l, &order, &failed);
	if (!rc && l.n && lfs_ctx_nl(ctx, &nl, &e))
		rc = lfs_err_report(ctx, &e);
	if (!rc) {
		failed |= lfs_restore_layers(ctx, nl, &st, &l, order, &out);
		rc = lfs_emit(ctx, "restore", &out) || failed;
		/* After the layers: a view's image must be registered. */
		if (views && lfs_restore_views(ctx, &st))
			rc = 1;
	}
	free(order);
	lfs_buf_free(&out);
	lfs_meta_list_free(&l);
	lfs_store_close(&st);
	return rc;
}
