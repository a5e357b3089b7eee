// SPDX-License-Identifier: GPL-2.0
/* What export, import, save and load share: see oci_cmd.h. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <linux/layerfs.h>

#include "format.h"
#include "index_store.h"
#include "layerdg.h"
#include "nl.h"
#include "oci_cmd.h"

int lfs_oci_store(struct lfs_ctx *ctx, struct lfs_store *st)
{
	struct lfs_err e = LFS_ERR_INIT;

	if (lfs_ctx_store(ctx, st, 1, &e))
		return lfs_err_report(ctx, &e);
	return 0;
}

int lfs_oci_name_not_tag(const struct lfs_store *st, const char *name,
			 struct lfs_err *e)
{
	struct lfs_meta_list l = LFS_META_LIST_INIT;
	struct lfs_err ignored = LFS_ERR_INIT;
	long i = -1;
	int rc = 0;

	if (!lfs_store_layer_list(st, &l, &ignored))
		i = lfs_meta_find_tag(l.v, l.n, name, NULL);
	if (i >= 0) {
		lfs_err_set(e, -EEXIST, "a tag of that name exists, of '%s'",
			    l.v[i]->ref);
		rc = lfs_err_prefix(e, -EEXIST, "layer '%s'", name);
	}
	lfs_meta_list_free(&l);
	return rc;
}

void lfs_oci_unimport(struct lfs_store *st, struct lfs_nl *nl,
		      const char *ref, const char *key)
{
	struct lfs_layer k = { 0 };

	k.name = ref;
	if (nl && ref)
		lfs_nl_layer_del(nl, &k, NULL);
	if (key && *key)
		lfs_store_layer_remove(st, key, NULL);
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

int lfs_oci_platform(struct lfs_ctx *ctx, const char *opt,
		     struct lfs_platform *p)
{
	struct utsname u;

	if (opt) {
		if (!lfs_platform_parse(opt, p))
			return 0;
		return lfs_errorf(ctx, "platform '%s': not os/arch[/variant], lower-case, e.g. linux/arm64/v8",
				  opt);
	}
	if (uname(&u) || lfs_platform_from_machine("linux", u.machine, p))
		return lfs_errorf(ctx, "cannot tell this machine's platform: give --platform");
	return 0;
}

int lfs_oci_layer_history(const struct lfs_layer *l, struct lfs_oci_layer *ol,
			  struct lfs_err *e)
{
	char *by = NULL;

	if (asprintf(&by, "layerfs layer %s", l->name) < 0)
		return lfs_err_set(e, -ENOMEM, "layer '%s'", l->name);
	ol->created_ns = l->has & LFS_HAS_CREATED ? l->created : 0;
	ol->author = l->author;
	ol->comment = l->message;
	ol->created_by = by;
	return 0;
}

int lfs_oci_layer_blob(const struct lfs_layer *l, int fd,
		       enum lfs_compress comp, struct lfs_oci_layer *ol,
		       struct lfs_err *e)
{
	struct lfs_tar_digests d;
	int rc = lfs_tar_export(l->path, fd, comp, &d, e);

	if (rc)
		return lfs_err_prefix(e, rc, "layer '%s'", l->name);
	memcpy(ol->digest, d.digest, LFS_DIGEST_LEN);
	memcpy(ol->diff_id, d.diff_id, LFS_DIGEST_LEN);
	ol->size = d.blob_size;
	ol->media_type = lfs_oci_layer_media_type(comp);
	return lfs_oci_layer_history(l, ol, e);
}

int lfs_oci_image_docs(const struct lfs_oci_layer *ol, size_t n,
		       const struct lfs_platform *plat, char **cfg,
		       char *cfg_digest, char **man, char *man_digest,
		       struct lfs_err *e)
{
	*man = NULL;
	*cfg = lfs_oci_config_json(ol, n, plat);
	if (!*cfg)
		return lfs_err_set(e, -ENOMEM, "config");
	lfs_oci_sha256_digest(*cfg, strlen(*cfg), cfg_digest);
	*man = lfs_oci_manifest_json(cfg_digest, strlen(*cfg), ol, n, NULL);
	if (!*man)
		return lfs_err_set(e, -ENOMEM, "manifest");
	lfs_oci_sha256_digest(*man, strlen(*man), man_digest);
	return 0;
}

/* Refuses early what registration would refuse anyway. */
static int lfs_import_check_names(struct lfs_nl *nl, const struct lfs_import *im,
				  struct lfs_err *e)
{
	struct lfs_layer lk = { 0 }, *got = NULL;
	int rc;

	lk.name = im->ref;
	rc = lfs_nl_layer_lookup(nl, &lk, &got, e);
	free(got);
	if (!rc) {
		return lfs_err_named(e, -EEXIST, "a layer of that name exists",
				     "layer '%s'", im->ref);
	}
	if (rc != -ENOENT)
		return lfs_err_prefix(e, rc, "layer '%s'", im->ref);
	lfs_err_clear(e);
	if (!im->parent)
		return 0;
	lk.name = im->parent;
	rc = lfs_nl_layer_lookup(nl, &lk, &got, e);
	free(got);
	if (rc == -ENOENT)
		lfs_err_set(e, rc, "not registered");
	return rc ? lfs_err_prefix(e, rc, "parent layer '%s'", im->parent) : 0;
}

/* The digests of the extracted layer @d against those @im expects. */
static int lfs_import_verify(const struct lfs_import *im,
			     const struct lfs_tar_digests *d, struct lfs_err *e)
{
	if (im->digest && strcmp(im->digest, d->digest) &&
	    strcmp(im->digest, d->diff_id))
		lfs_err_set(e, 0, "digest mismatch: want %s, the blob is %s and its diff_id %s",
			    im->digest, d->digest, d->diff_id);
	else if (im->blob && strcmp(im->blob, d->digest))
		lfs_err_set(e, 0, "digest mismatch: the manifest says %s, the blob is %s",
			    im->blob, d->digest);
	else if (im->diff_id && strcmp(im->diff_id, d->diff_id))
		lfs_err_set(e, 0, "diff_id mismatch: the config says %s, the layer is %s",
			    im->diff_id, d->diff_id);
	else
		return 0;
	return -EINVAL;
}

int lfs_oci_extract(const struct lfs_import *im, const char *diff, int sync,
		    struct lfs_tar_import_stats *ist, struct lfs_err *e)
{
	struct lfs_tar_import_opts opts = {
		.set_owner = geteuid() == 0,
		.allow_devices = geteuid() == 0,
		.blob_checked = im->blob_checked,
		.diff_id_checked = im->diff_id != NULL,
		.limits = im->limits,
		.feed = im->feed,
		.writeback = sync,
	};
	int rootfd, rc;

	rootfd = open(diff, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return lfs_err_set(e, -errno, "%s", diff);
	rc = lfs_tar_import(im->fd, NULL, 0, rootfd, &opts, ist, e);
	if (!rc)
		rc = lfs_import_verify(im, &ist->d, e);
	if (!rc && sync && syncfs(rootfd))
		rc = lfs_err_set(e, -errno, "sync");
	close(rootfd);
	return rc;
}

/* The store record of the imported layer, then its registration. */
static int lfs_import_record(struct lfs_store *st, struct lfs_nl *nl,
			     const struct lfs_import *im, struct lfs_meta *m,
			     struct lfs_err *e)
{
	struct lfs_layer add = { 0 };
	int rc;

	rc = lfs_store_layer_write_meta(st, m, e);
	if (rc)
		return lfs_err_prefix(e, rc, "store");
	add.name = im->ref;
	add.path = m->diff;
	add.parent = im->parent;
	add.author = im->author;
	add.message = im->message;
	add.has = LFS_HAS_CREATED | LFS_HAS_FLAGS;
	add.created = m->created;
	add.flags = LAYERFS_LAYER_F_FROZEN;
	rc = lfs_nl_layer_add(nl, &add, NULL, e);
	return rc < 0 ? lfs_err_prefix(e, rc, "layer '%s'", im->ref) : 0;
}

int lfs_oci_register_layer(struct lfs_ctx *ctx, struct lfs_store *st,
			   struct lfs_nl *nl, const struct lfs_import *im,
			   char *key, const char *diff,
			   const struct lfs_tar_import_stats *ist,
			   struct lfs_err *e)
{
	struct lfs_meta m = { 0 };
	int rc;

	m.ref = (char *)im->ref;
	m.key = key;
	m.parent = (char *)im->parent;
	m.author = (char *)im->author;
	m.message = (char *)im->message;
	m.created = im->created ? im->created : lfs_ctx_now(ctx);
	m.flags = LAYERFS_LAYER_F_FROZEN;
	m.diff = (char *)diff;
	m.has_usage = 1;
	m.size = ist->size;
	m.files = ist->files;
	m.origin = (char *)im->origin;
	rc = lfs_import_record(st, nl, im, &m, e);
	if (!rc)
		lfs_layer_index_try(ctx, nl, st, im->ref, key);
	return rc;
}

int lfs_oci_import_layer(struct lfs_ctx *ctx, struct lfs_store *st,
			 struct lfs_nl *nl, const struct lfs_import *im,
			 char *key, struct lfs_tar_digests *d,
			 struct lfs_err *e)
{
	struct lfs_tar_import_stats ist;
	char *diff = NULL;
	int rc;

	key[0] = '\0';
	rc = lfs_import_check_names(nl, im, e);
	if (rc)
		return rc;
	rc = lfs_store_layer_create_new(st, key, &diff, e);
	if (rc)
		return lfs_err_prefix(e, rc, "store");
	/* the contents are on disk before the record that names them */
	rc = lfs_oci_extract(im, diff, 1, &ist, e);
	if (rc) {
		lfs_err_prefix(e, rc, "import '%s'", im->what);
	} else {
		*d = ist.d;
		rc = lfs_store_layer_publish(st, key, &diff, e);
		if (!rc)
			rc = lfs_oci_register_layer(ctx, st, nl, im, key, diff,
						    &ist, e);
	}
	if (rc) {
		lfs_store_layer_remove(st, key, NULL);
		key[0] = '\0';
	}
	free(diff);
	return rc;
}

int lfs_oci_layer_record(struct lfs_nl *nl, const char *name,
			 const char *diff_id, const struct lfs_oci_desc *d,
			 struct lfs_layerdg *dg)
{
	struct lfs_layer k = { 0 }, *got = NULL;
	int rc;

	k.name = name;
	dg->key[0] = '\0';
	rc = lfs_nl_layer_lookup(nl, &k, &got, NULL);
	if (rc)
		return rc < 0 ? rc : -ENOENT;
	rc = lfs_layerdg_key(got->path, got->created, dg->key);
	free(got);
	if (rc)
		return rc;
	snprintf(dg->diff_id, sizeof(dg->diff_id), "%s", diff_id);
	memcpy(dg->digest, d->digest, sizeof(dg->digest));
	dg->size = d->size;
	snprintf(dg->media_type, sizeof(dg->media_type), "%s", d->media_type);
	return 0;
}
