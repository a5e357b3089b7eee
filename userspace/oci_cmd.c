// SPDX-License-Identifier: GPL-2.0
/* What export, import, save and load share: see oci_cmd.h. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <linux/layerfs.h>

#include "format.h"
#include "index_store.h"
#include "nl.h"
#include "oci_cmd.h"

int lfs_oci_fail(struct lfs_ctx *ctx, const char *kind, const char *name,
		 int err, const char *fmt, ...)
{
	struct lfs_buf what = LFS_BUF_INIT, why = LFS_BUF_INIT;
	va_list ap;
	char *s = NULL;
	int rc;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	lfs_buf_printf(&what, "%s '", kind);
	lfs_fmt_escaped(&what, name);
	lfs_buf_putc(&what, '\'');
	lfs_buf_puts(&why, s ? s : "");
	if (err)
		rc = lfs_fail_why(ctx, lfs_buf_error(&what) ? kind :
				  lfs_buf_str(&what), err, lfs_buf_str(&why));
	else
		rc = lfs_errorf(ctx, "%s: %s", lfs_buf_error(&what) ? kind :
				lfs_buf_str(&what), lfs_buf_str(&why));
	lfs_buf_free(&what);
	lfs_buf_free(&why);
	free(s);
	return rc;
}

int lfs_oci_store(struct lfs_ctx *ctx, struct lfs_store *st)
{
	char why[LFS_STORE_WHY_MAX];
	int rc;

	rc = lfs_store_open(st, lfs_store_root(ctx->store), 1, why, sizeof(why));
	if (rc)
		return lfs_errorf(ctx, "store: %s", why);
	return 0;
}

void lfs_chain_free(struct lfs_chain *c)
{
	size_t i;

	for (i = 0; i < c->n; i++)
		free(c->v[i]);
	free(c->v);
	c->v = NULL;
	c->n = 0;
}

static int lfs_chain_push(struct lfs_chain *c, struct lfs_layer *l)
{
	struct lfs_layer **nv = realloc(c->v, (c->n + 1) * sizeof(*nv));

	if (!nv)
		return -ENOMEM;
	c->v = nv;
	c->v[c->n++] = l;
	return 0;
}

int lfs_oci_chain(struct lfs_ctx *ctx, struct lfs_nl *nl, const char *ref,
		  struct lfs_chain *c)
{
	struct lfs_layer key = { 0 }, *l = NULL, *b;
	uint32_t i;
	int rc;

	c->v = NULL;
	c->n = 0;
	key.name = ref;
	for (;;) {
		rc = lfs_nl_layer_get(nl, &key, &l);
		if (rc < 0) {
			lfs_fail_layer(ctx, key.name ? key.name : ref, rc);
			goto fail;
		}
		if (c->n >= LAYERFS_LAYERS_MAX) {
			free(l);
			lfs_oci_fail(ctx, "image", ref, ELOOP,
				     "the parent chain does not end");
			goto fail;
		}
		if (lfs_chain_push(c, l)) {
			free(l);
			lfs_oci_fail(ctx, "image", ref, ENOMEM, "%s", "");
			goto fail;
		}
		if (l->nbase) {
			/* BASE: the whole stack below, top first */
			for (i = 0; i < l->nbase; i++) {
				struct lfs_layer bk = { 0 };

				bk.has = LFS_HAS_ID;
				bk.id = lfs_layer_base_id(l, i);
				rc = lfs_nl_layer_get(nl, &bk, &b);
				if (rc < 0) {
					lfs_oci_fail(ctx, "image", ref, -rc,
						     "BASE layer %llu of '%s'",
						     (unsigned long long)bk.id,
						     l->name);
					goto fail;
				}
				if (lfs_chain_push(c, b)) {
					free(b);
					lfs_oci_fail(ctx, "image", ref, ENOMEM,
						     "%s", "");
					goto fail;
				}
			}
			return 0;
		}
		if (!l->parent)
			return 0;
		key.name = l->parent;
	}
fail:
	lfs_chain_free(c);
	return 1;
}

void lfs_oci_unimport(struct lfs_store *st, struct lfs_nl *nl,
		      const char *ref, const char *key)
{
	struct lfs_layer k = { 0 };
	char why[LFS_STORE_WHY_MAX];

	k.name = ref;
	if (nl && ref)
		lfs_nl_layer_del(nl, &k);
	if (key && *key)
		lfs_store_layer_remove(st, key, why, sizeof(why));
}

int lfs_oci_limit_opt(struct lfs_ctx *ctx, const char *cmd, const char *usage,
		      int c, const char *arg, struct lfs_tar_limits *l)
{
	uint64_t v;

	if (lfs_size_parse(arg, &v))
		return lfs_usage_error(ctx, cmd, usage,
				       "invalid size '%s' (digits, then K, M, G, T, P or E)",
				       arg);
	if (c == LFS_OPT_MAX_SIZE)
		l->max_size = v;
	else if (c == LFS_OPT_MAX_ENTRY_SIZE)
		l->max_entry_size = v;
	else
		l->max_entries = v;
	return 0;
}

int lfs_oci_platform(struct lfs_ctx *ctx, const char *cmd, const char *opt,
		     struct lfs_platform *p)
{
	struct utsname u;

	if (opt) {
		if (!lfs_platform_parse(opt, p))
			return 0;
		return lfs_errorf(ctx, "%s: platform '%s': not os/arch[/variant] (lower-case, e.g. linux/arm64/v8)",
				  cmd, opt);
	}
	if (uname(&u) || lfs_platform_from_machine("linux", u.machine, p))
		return lfs_errorf(ctx, "%s: cannot tell this machine's platform: give --platform",
				  cmd);
	return 0;
}

int lfs_oci_import_layer(struct lfs_ctx *ctx, struct lfs_store *st,
			 struct lfs_nl *nl, const struct lfs_import *im,
			 char *key, struct lfs_tar_digests *d)
{
	struct lfs_tar_import_opts opts = {
		.set_owner = geteuid() == 0,
		.allow_devices = geteuid() == 0,
		.limits = im->limits,
	};
	struct lfs_tar_import_stats ist;
	struct lfs_layer lk = { 0 }, add = { 0 }, *got = NULL;
	struct lfs_meta m = { 0 };
	char why[LFS_STORE_WHY_MAX], err[1024];
	char *diff = NULL;
	int rootfd = -1, rc, ret = 1;

	key[0] = '\0';
	/* refuse early what registration would refuse anyway */
	lk.name = im->ref;
	rc = lfs_nl_layer_get(nl, &lk, &got);
	free(got);
	got = NULL;
	if (!rc)
		return lfs_oci_fail(ctx, "layer", im->ref, EEXIST,
				    "a layer of that name exists");
	if (rc != -ENOENT)
		return lfs_fail_layer(ctx, im->ref, rc);
	if (im->parent) {
		lk.name = im->parent;
		rc = lfs_nl_layer_get(nl, &lk, &got);
		free(got);
		if (rc)
			return lfs_oci_fail(ctx, "parent layer", im->parent,
					    -rc, "%s", rc == -ENOENT ?
					    "not registered" : "");
	}

	rc = lfs_store_layer_create(st, key, &diff, why, sizeof(why));
	if (rc) {
		key[0] = '\0';
		return lfs_errorf(ctx, "store: %s", why);
	}
	rootfd = open(diff, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0) {
		lfs_oci_fail(ctx, "import", im->what, errno, "%s", diff);
		goto out;
	}
	rc = lfs_tar_import(im->fd, NULL, 0, rootfd, &opts, &ist, err,
			    sizeof(err));
	if (rc) {
		lfs_oci_fail(ctx, "import", im->what, 0, "%s", err);
		goto out;
	}
	*d = ist.d;
	if (im->digest && strcmp(im->digest, d->digest) &&
	    strcmp(im->digest, d->diff_id)) {
		lfs_oci_fail(ctx, "import", im->what, 0,
			     "digest mismatch: want %s, the blob is %s and its diff_id %s",
			     im->digest, d->digest, d->diff_id);
		goto out;
	}
	if (im->blob && strcmp(im->blob, d->digest)) {
		lfs_oci_fail(ctx, "import", im->what, 0,
			     "digest mismatch: the manifest says %s, the blob is %s",
			     im->blob, d->digest);
		goto out;
	}
	if (im->diff_id && strcmp(im->diff_id, d->diff_id)) {
		lfs_oci_fail(ctx, "import", im->what, 0,
			     "diff_id mismatch: the config says %s, the layer is %s",
			     im->diff_id, d->diff_id);
		goto out;
	}
	/* the contents are on disk before the record that names them */
	if (syncfs(rootfd)) {
		lfs_oci_fail(ctx, "import", im->what, errno, "sync");
		goto out;
	}
	m.ref = (char *)im->ref;
	m.key = key;
	m.parent = (char *)im->parent;
	m.author = (char *)im->author;
	m.message = (char *)im->message;
	m.created = im->created ? im->created : lfs_ctx_now(ctx);
	m.flags = LAYERFS_LAYER_F_FROZEN;
	m.diff = diff;
	m.has_usage = 1;
	m.size = ist.size;
	m.files = ist.files;
	m.origin = (char *)im->origin;
	rc = lfs_store_layer_write_meta(st, &m, why, sizeof(why));
	if (rc) {
		lfs_errorf(ctx, "store: %s", why);
		goto out;
	}
	add.name = im->ref;
	add.path = diff;
	add.parent = im->parent;
	add.author = im->author;
	add.message = im->message;
	add.has = LFS_HAS_CREATED | LFS_HAS_FLAGS;
	add.created = m.created;
	add.flags = LAYERFS_LAYER_F_FROZEN;
	rc = lfs_nl_layer_add(nl, &add, NULL);
	if (rc < 0) {
		lfs_fail_layer(ctx, im->ref, rc);
		goto out;
	}
	lfs_layer_index_try(nl, st, im->ref, key);
	ret = 0;
out:
	if (rootfd >= 0)
		close(rootfd);
	if (ret && key[0]) {
		lfs_store_layer_remove(st, key, why, sizeof(why));
		key[0] = '\0';
	}
	free(diff);
	return ret;
}
