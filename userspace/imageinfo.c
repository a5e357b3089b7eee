// SPDX-License-Identifier: GPL-2.0
/* The pure parts of inspect and diff: see imageinfo.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "format.h"
#include "imageinfo.h"
#include "jsonout.h"

#ifndef LAYERCTL_NO_OCI		/* the chain ids are oci.c's */
/* One entry of "layers"; @chain is its chain id. */
static void lfs_inspect_layer(struct lfs_json *j, const struct lfs_inspect *in,
			      size_t i, const char *chain)
{
	const struct lfs_oci_layer *l = &in->layers[i];

	lfs_json_object_begin(j);
	lfs_json_key(j, "ref");
	lfs_json_string(j, in->names[i]);
	if (in->paths && in->paths[i]) {
		lfs_json_key(j, "path");
		lfs_json_string(j, in->paths[i]);
	}
	lfs_json_key(j, "digest");
	lfs_json_string(j, l->digest);
	lfs_json_key(j, "diff_id");
	lfs_json_string(j, l->diff_id);
	lfs_json_key(j, "chain_id");
	lfs_json_string(j, chain);
	lfs_json_key(j, "size");
	lfs_json_u64(j, l->size);
	lfs_json_key(j, "media_type");
	lfs_json_string(j, l->media_type ? l->media_type : "");
	lfs_json_object_end(j);
}

/* The chain ids of the layers, bottom first, into @chains[n]. */
static int lfs_inspect_chains(const struct lfs_inspect *in,
			      char (*chains)[LFS_DIGEST_LEN], struct lfs_err *e)
{
	size_t i;

	for (i = 0; i < in->n; i++)
		if (lfs_oci_chain_id(i ? chains[i - 1] : NULL,
				     in->layers[i].diff_id, chains[i]))
			return lfs_err_prefix(e, lfs_err_set(e, -EINVAL, "bad diff_id '%s'",
							     in->layers[i].diff_id),
					      "layer '%s'", in->names[i]);
	return 0;
}

int lfs_inspect_json(struct lfs_json *j, const struct lfs_inspect *in,
		     struct lfs_err *e)
{
	char (*chains)[LFS_DIGEST_LEN];
	size_t i;
	int rc;

	if (!in->n)
		return lfs_err_set(e, -EINVAL, "an image without layers");
	chains = calloc(in->n, sizeof(*chains));
	if (!chains)
		return lfs_err_set(e, -ENOMEM, "%s", "");
	rc = lfs_inspect_chains(in, chains, e);
	if (rc)
		goto out;
	lfs_json_object_begin(j);
	lfs_json_key(j, "ref");
	lfs_json_string(j, in->ref);
	lfs_json_key(j, "digest");
	lfs_json_string(j, in->manifest_digest);
	lfs_json_key(j, "manifest_size");
	lfs_json_u64(j, in->manifest_size);
	lfs_json_key(j, "id");
	lfs_json_string(j, in->config_digest);
	lfs_json_key(j, "chain_id");
	lfs_json_string(j, chains[in->n - 1]);
	lfs_json_key(j, "diff_ids");
	lfs_json_array_begin(j);
	for (i = 0; i < in->n; i++)
		lfs_json_string(j, in->layers[i].diff_id);
	lfs_json_array_end(j);
	lfs_json_key(j, "layers");
	lfs_json_array_begin(j);
	for (i = 0; i < in->n; i++)
		lfs_inspect_layer(j, in, i, chains[i]);
	lfs_json_array_end(j);
	lfs_json_key(j, "config");
	rc = lfs_json_text(j, in->config, NULL);
	if (!rc) {
		lfs_json_key(j, "history");
		rc = lfs_json_text(j, in->config, "history");
	}
	if (rc) {
		/* close what is open: the caller drops the document */
		lfs_json_null(j);
		lfs_err_set(e, rc, "the config is not JSON");
	}
	lfs_json_object_end(j);
out:
	free(chains);
	return rc;
}
#endif

int lfs_changes_add(struct lfs_changes *c, char kind, const char *path)
{
	char *p;

	if (c->n == c->cap) {
		size_t cap = c->cap ? 2 * c->cap : 16;
		struct lfs_change *nv = realloc(c->v, cap * sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		c->v = nv;
		c->cap = cap;
	}
	p = strdup(path);
	if (!p)
		return -ENOMEM;
	c->v[c->n].kind = kind;
	c->v[c->n].path = p;
	c->n++;
	return 0;
}

void lfs_changes_free(struct lfs_changes *c)
{
	size_t i;

	for (i = 0; i < c->n; i++)
		free(c->v[i].path);
	free(c->v);
	c->v = NULL;
	c->n = c->cap = 0;
}

char lfs_change_kind(int whiteout, int below)
{
	if (whiteout)
		return LFS_CHANGE_DELETED;
	return below ? LFS_CHANGE_MODIFIED : LFS_CHANGE_ADDED;
}

static int lfs_change_cmp(const void *a, const void *b)
{
	const struct lfs_change *x = a, *y = b;

	return strcmp(x->path, y->path);
}

void lfs_fmt_changes(struct lfs_buf *b, struct lfs_changes *c, int json)
{
	struct lfs_json j;
	char kind[2] = "";
	size_t i;

	if (c->n)
		qsort(c->v, c->n, sizeof(*c->v), lfs_change_cmp);
	if (!json) {
		for (i = 0; i < c->n; i++) {
			lfs_buf_printf(b, "%c ", c->v[i].kind);
			lfs_fmt_escaped(b, c->v[i].path);
			lfs_buf_putc(b, '\n');
		}
		return;
	}
	lfs_json_init(&j, b);
	lfs_json_array_begin(&j);
	for (i = 0; i < c->n; i++) {
		kind[0] = c->v[i].kind;
		lfs_json_object_begin(&j);
		lfs_json_key(&j, "kind");
		lfs_json_string(&j, kind);
		lfs_json_key(&j, "path");
		lfs_json_string(&j, c->v[i].path);
		lfs_json_object_end(&j);
	}
	lfs_json_array_end(&j);
	lfs_json_free(&j);
	lfs_buf_putc(b, '\n');
}
