// SPDX-License-Identifier: GPL-2.0
/* What the store commands (and view ls) share: opening the store, listing views. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cmd.h"
#include "format.h"
#include "msg.h"
#include "nl.h"
#include "store.h"
#include "store_cmd.h"

/*
 * Whether @root exists but is not a store: anything but a missing path, an
 * empty directory, or one holding only layers/, views/ and .lock (a store
 * half made).
 */
static int lfs_store_dir_foreign(const char *root)
{
	struct dirent *e;
	struct stat sb;
	int foreign = 0;
	DIR *d;

	if (stat(root, &sb))
		return errno != ENOENT;
	if (!S_ISDIR(sb.st_mode))
		return 1;
	d = opendir(root);
	if (!d)
		return 1;
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..") ||
		    !strcmp(e->d_name, "layers") || !strcmp(e->d_name, "views") ||
		    !strcmp(e->d_name, ".lock"))
			continue;
		foreign = 1;
		break;
	}
	closedir(d);
	return foreign;
}

int lfs_ctx_store(struct lfs_ctx *ctx, struct lfs_store *st, int create)
{
	char why[LFS_STORE_WHY_MAX];
	const char *root = lfs_store_root(ctx->store);
	int rc;

	rc = lfs_store_open(st, root, create, why, sizeof(why));
	if (!rc)
		return 0;
	/*
	 * No store: the caller decides (an empty listing, nothing to
	 * restore).  But a directory that exists and holds something else
	 * is not an empty store: say so rather than list nothing.
	 */
	if (!create && rc == -ENOENT && !lfs_store_dir_foreign(root))
		return -ENOENT;
	if (!create && rc == -ENOENT)
		return lfs_errorf(ctx, "store: %s: not a layerfs store (no layers/ and views/ directories)",
				  root);
	return lfs_errorf(ctx, "store: %s", why);
}

struct lfs_view_dump {
	struct lfs_view_list *list;
	char why[LFS_MSG_WHY_MAX];
};

static int lfs_view_collect(const struct lfs_view_part *part, void *arg)
{
	struct lfs_view_dump *d = arg;

	return lfs_views_add(d->list, part, d->why, sizeof(d->why));
}

int lfs_ctx_views(struct lfs_ctx *ctx, struct lfs_nl *nl,
		  struct lfs_view_list *l)
{
	struct lfs_view_dump dump = { l, "" };
	int rc;

	rc = lfs_nl_view_dump(nl, lfs_view_collect, &dump);
	if (rc < 0) {
		lfs_views_free(l);
		/* A defect found while assembling is ours to explain. */
		return lfs_fail_why(ctx, "cannot list views", rc,
				    dump.why[0] ? dump.why : lfs_nl_extack(nl));
	}
	lfs_views_finish(l);
	return 0;
}

int lfs_fail_obj(struct lfs_ctx *ctx, const char *kind, const char *name,
		 int err, const char *why)
{
	struct lfs_buf what = LFS_BUF_INIT;
	int rc;

	lfs_buf_printf(&what, "%s '", kind);
	lfs_fmt_escaped(&what, name);
	lfs_buf_putc(&what, '\'');
	rc = lfs_fail_why(ctx, lfs_buf_error(&what) ? kind : lfs_buf_str(&what),
			  err, why);
	lfs_buf_free(&what);
	return rc;
}

int lfs_layer_unregister(struct lfs_ctx *ctx, const char *name,
			 int missing_ok)
{
	struct lfs_layer key = { 0 };
	struct lfs_nl *nl;
	int rc;

	if (lfs_ctx_nl(ctx, &nl))
		return 1;
	key.name = name;
	rc = lfs_nl_layer_del(nl, &key);
	if (rc == -ENOENT && missing_ok)
		return 0;
	if (rc < 0)
		return lfs_fail_obj(ctx, "layer", name, rc, lfs_nl_extack(nl));
	return 0;
}

struct lfs_id_names {
	const struct lfs_layer *want;
	struct lfs_strv *out;
	char **names;
};

static int lfs_collect_base(const struct lfs_layer *l, void *arg)
{
	struct lfs_id_names *d = arg;
	uint32_t i;

	for (i = 0; i < d->want->nbase; i++)
		if (lfs_layer_base_id(d->want, i) == l->id && !d->names[i]) {
			d->names[i] = strdup(l->name);
			if (!d->names[i])
				return -ENOMEM;
		}
	return 0;
}

int lfs_store_base_refs(struct lfs_nl *nl, const struct lfs_layer *l,
			 struct lfs_strv *out)
{
	struct lfs_id_names d = { l, out, NULL };
	uint32_t i;
	int rc;

	if (!l->nbase)
		return 0;
	d.names = calloc(l->nbase, sizeof(*d.names));
	if (!d.names)
		return -ENOMEM;
	rc = lfs_nl_layer_dump(nl, lfs_collect_base, &d);
	for (i = 0; i < l->nbase && !rc; i++)
		rc = d.names[i] ? lfs_strv_push(out, d.names[i]) : -ENOENT;
	for (i = 0; i < l->nbase; i++)
		free(d.names[i]);
	free(d.names);
	return rc;
}

int lfs_store_record_layer(struct lfs_store *st, struct lfs_nl *nl,
			   const struct lfs_layer *l, char *why, size_t whylen)
{
	struct lfs_meta m = { 0 };
	char key[LFS_KEY_LEN + 1];
	int rc;

	if (!lfs_store_path_key(st->root, l->path, key) ||
	    !lfs_store_layer_read_meta(st, key, &m, NULL, 0)) {
		lfs_meta_free(&m);
		rc = lfs_store_layer_create_bare(st, key, why, whylen);
		if (rc)
			return rc;
	}
	rc = lfs_store_base_refs(nl, l, &m.base);
	if (rc) {
		snprintf(why, whylen, "cannot name its BASE layers");
		goto out;
	}
	m.ref = (char *)l->name;
	m.key = key;
	m.parent = (char *)l->parent;
	m.author = (char *)l->author;
	m.message = (char *)l->message;
	m.created = l->created;
	m.flags = l->flags;
	m.diff = (char *)l->path;
	rc = lfs_store_layer_write_meta(st, &m, why, whylen);
out:
	lfs_strv_free(&m.base);
	return rc;
}

int lfs_store_record_ancestors(struct lfs_store *st, struct lfs_nl *nl,
			       const struct lfs_meta *top, char *why,
			       size_t whylen)
{
	struct lfs_meta_list list = LFS_META_LIST_INIT;
	struct lfs_strv todo = LFS_STRV_INIT, done = LFS_STRV_INIT;
	struct lfs_layer key = { 0 }, *l = NULL;
	size_t i, j;
	int rc;

	rc = lfs_store_layer_list(st, &list, why, whylen);
	if (rc)
		return rc;
	if (top->parent)
		rc = lfs_strv_push(&todo, top->parent);
	for (i = 0; i < top->base.n && !rc; i++)
		rc = lfs_strv_push(&todo, top->base.v[i]);
	for (i = 0; i < todo.n && !rc; i++) {
		const char *ref = todo.v[i];
		struct lfs_strv base = LFS_STRV_INIT;

		if (lfs_meta_find(list.v, list.n, ref) >= 0)
			continue;
		for (j = 0; j < done.n && strcmp(done.v[j], ref); j++)
			;
		if (j < done.n)
			continue;
		key.name = ref;
		rc = lfs_nl_layer_get(nl, &key, &l);
		if (rc) {
			snprintf(why, whylen, "cannot record layer '%s' below it: %s",
				 ref, lfs_nl_extack(nl) ? lfs_nl_extack(nl) :
				 strerror(-rc));
			break;
		}
		rc = lfs_store_record_layer(st, nl, l, why, whylen);
		if (!rc)
			rc = lfs_strv_push(&done, ref);
		if (!rc && l->parent)
			rc = lfs_strv_push(&todo, l->parent);
		if (!rc)
			rc = lfs_store_base_refs(nl, l, &base);
		for (j = 0; j < base.n && !rc; j++)
			rc = lfs_strv_push(&todo, base.v[j]);
		lfs_strv_free(&base);
		free(l);
		l = NULL;
	}
	lfs_strv_free(&todo);
	lfs_strv_free(&done);
	lfs_meta_list_free(&list);
	return rc;
}
