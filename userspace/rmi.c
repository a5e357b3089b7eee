// SPDX-License-Identifier: GPL-2.0
/*
 * layerctl rmi REF...: remove a name, as `docker rmi` does.  A tag goes
 * from its layer's record; a layer's own name goes with the layer
 * (`layerctl rm`), and so do its unnamed lower layers (oci/chain:HEX)
 * that nothing else uses.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "chain.h"
#include "cmd.h"
#include "layerinfo.h"
#include "nl.h"
#include "parse.h"
#include "store.h"

static const char lfs_usage_rmi[] =
	"Usage: layerctl rmi REF...\n"
	"\n"
	"Remove the image name REF, as `docker rmi` does.  A tag (layerctl\n"
	"tag) is removed from its layer's record; the layer stays.  A layer's\n"
	"own name removes the layer as `layerctl rm` does (refused while it has\n"
	"tags, or a mounted view or another layer uses it), and then its\n"
	"unnamed lower layers (oci/chain:HEX, from load and pull) that no\n"
	"other stored layer, tag or view uses, bottom last.  A REF without a\n"
	"tag that names nothing means REF:latest.  Prints 'Untagged: NAME' and\n"
	"'Deleted: NAME' lines; stops at the first REF that fails.\n"
	"\n"
	"Options:\n"
	"  -h, --help  show this help\n";

/*
 * The store's records into @l (an absent store has none); with @lockfd,
 * read under the records lock, which *@lockfd then holds (-1 if none).
 */
static int lfs_rmi_list(struct lfs_ctx *ctx, struct lfs_store *st,
			struct lfs_meta_list *l, int *lockfd,
			struct lfs_err *e)
{
	int rc = lfs_ctx_store(ctx, st, 0, e);

	if (lockfd)
		*lockfd = -1;
	if (rc == -ENOENT) {
		lfs_err_clear(e);
		return 0;
	}
	if (!rc && lockfd)
		*lockfd = lfs_store_records_lock(st);
	return rc ? rc : lfs_store_layer_list(st, l, e);
}

/*
 * If @ref (or REF:latest) is a tag, removes it from its record: 1 done,
 * 0 not a tag, or a negative errno in @e.
 */
static int lfs_rmi_untag(struct lfs_ctx *ctx, const char *ref,
			 struct lfs_err *e)
{
	struct lfs_meta_list l = LFS_META_LIST_INIT;
	struct lfs_store st = LFS_STORE_INIT;
	char latest[LFS_REF_BUF], *tag = NULL;
	struct lfs_strv *tags;
	size_t k = 0;
	long at = -1;
	int rc, lockfd;

	rc = lfs_rmi_list(ctx, &st, &l, &lockfd, e);
	if (!rc) {
		at = lfs_meta_find_tag(l.v, l.n, ref, &k);
		if (at < 0 && lfs_meta_find(l.v, l.n, ref) < 0 &&
		    !lfs_ref_has_tag(ref) &&
		    !lfs_ref_latest(ref, latest, sizeof(latest)))
			at = lfs_meta_find_tag(l.v, l.n, latest, &k);
	}
	if (!rc && at >= 0) {
		tags = &l.v[at]->tags;
		tag = tags->v[k];
		memmove(&tags->v[k], &tags->v[k + 1],
			(tags->n - k - 1) * sizeof(*tags->v));
		tags->n--;
		rc = lfs_store_layer_write_meta(&st, l.v[at], e);
		if (!rc)
			fprintf(ctx->out, "Untagged: %s\n", tag);
		free(tag);
	}
	lfs_store_records_unlock(lockfd);
	lfs_meta_list_free(&l);
	lfs_store_close(&st);
	return rc ? rc : at >= 0;
}

/*
 * Whether the unnamed layer @name may go with the image above it: it has
 * a record without tags, no other record builds on it, and the kernel
 * says no view and no child layer uses it.  *@parent receives its parent
 * (malloc()ed) when it may.
 */
static int lfs_rmi_unused(struct lfs_ctx *ctx, const char *name,
			  char **parent)
{
	struct lfs_meta_list l = LFS_META_LIST_INIT;
	struct lfs_store st = LFS_STORE_INIT;
	struct lfs_err e = LFS_ERR_INIT;
	struct lfs_layer key = { 0 }, *got = NULL;
	struct lfs_nl *nl;
	long at = -1;
	int ok = 0;

	*parent = NULL;
	if (!lfs_is_chain_name(name) ||
	    lfs_rmi_list(ctx, &st, &l, NULL, &e) ||
	    (at = lfs_meta_find(l.v, l.n, name)) < 0 || l.v[at]->tags.n ||
	    lfs_meta_child(l.v, l.n, name) >= 0)
		goto out;
	key.name = name;
	if (lfs_ctx_nl(ctx, &nl, &e) || lfs_nl_layer_lookup(nl, &key, &got, NULL) < 0)
		goto out;
	ok = !((got->has & LFS_HAS_VIEWS) && got->views) &&
	     !((got->has & LFS_HAS_CHILDREN) && got->children);
	if (ok && l.v[at]->parent)
		*parent = strdup(l.v[at]->parent);
out:
	free(got);
	lfs_meta_list_free(&l);
	lfs_store_close(&st);
	return ok;
}

/* Removes the layer @name with `layerctl rm`; 0 or 1 after reporting. */
static int lfs_rmi_rm(struct lfs_ctx *ctx, const char *name)
{
	char *argv[] = { (char *)"rm", (char *)name, NULL };
	int rc = cmd_rm(ctx, 2, argv);

	if (!rc)
		fprintf(ctx->out, "Deleted: %s\n", name);
	return rc;
}

/* The layer @ref names, then its unused unnamed lower layers. */
static int lfs_rmi_layer(struct lfs_ctx *ctx, const char *ref)
{
	struct lfs_meta_list l = LFS_META_LIST_INIT;
	struct lfs_store st = LFS_STORE_INIT;
	struct lfs_err e = LFS_ERR_INIT;
	char *name = NULL, *parent = NULL, *next;
	long at = -1;
	int rc;

	rc = lfs_rmi_list(ctx, &st, &l, NULL, &e);
	if (!rc && (at = lfs_meta_lookup(l.v, l.n, ref)) >= 0) {
		name = strdup(l.v[at]->ref);
		parent = l.v[at]->parent ? strdup(l.v[at]->parent) : NULL;
	}
	lfs_meta_list_free(&l);
	lfs_store_close(&st);
	if (!rc && !name)
		rc = lfs_err_named(&e, -ENOENT, "not in the store",
				   "image '%s'", ref);
	if (rc)
		return lfs_err_report(ctx, &e);
	rc = lfs_rmi_rm(ctx, name);
	while (!rc && parent && lfs_rmi_unused(ctx, parent, &next)) {
		rc = lfs_rmi_rm(ctx, parent);
		free(parent);
		parent = next;
	}
	free(parent);
	free(name);
	return rc;
}

int cmd_rmi(struct lfs_ctx *ctx, int argc, char **argv)
{
	struct lfs_err e = LFS_ERR_INIT;
	int i, first, rc;

	rc = lfs_parse_common_opts(ctx, "rmi", lfs_usage_rmi, argc, argv,
				   NULL);
	if (rc != LFS_PARSED)
		return rc;
	rc = 0;
	if (argc - optind < 1)
		return lfs_usage_error(ctx, "rmi", lfs_usage_rmi, "missing REF");
	for (i = optind; i < argc; i++)
		if (lfs_check_name(ctx, "image", argv[i]))
			return 1;
	/* cmd_rm() parses its own arguments: optind changes */
	first = optind;
	for (i = first; i < argc && !rc; i++) {
		rc = lfs_rmi_untag(ctx, argv[i], &e);
		if (rc < 0)
			rc = lfs_err_report(ctx, &e);
		else
			rc = rc ? 0 : lfs_rmi_layer(ctx, argv[i]);
	}
	return rc;
}
