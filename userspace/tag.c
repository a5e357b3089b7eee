// SPDX-License-Identifier: GPL-2.0
/*
 * layerctl tag SRC DST: another name for the image SRC names, without
 * copying.  The kernel registers a directory under one name only, so a
 * tag is layerctl's: it is kept in the store record of SRC's layer
 * ("tags" in meta.json) and the commands that look an image up resolve
 * it (lfs_ref_resolve(), lfs_meta_lookup()).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "chain.h"
#include "cmd.h"
#include "nl.h"
#include "parse.h"
#include "store.h"

static const char lfs_usage_tag[] =
	"Usage: layerctl tag SRC DST\n"
	"\n"
	"Give the image SRC (a stored layer, by name or tag) the name DST as\n"
	"well, as `docker tag` does, without copying anything.  DST without a\n"
	"tag is DST:latest.  A tag is kept in the store record of the layer\n"
	"(the kernel knows the layer by its own name): mount, save, push,\n"
	"inspect, history and images take it; the layer commands and --layers\n"
	"do not.  DST must not name a registered layer or another tag.\n"
	"`layerctl rmi DST` removes it again.\n"
	"\n"
	"Options:\n"
	"  -h, --help  show this help\n";

static int lfs_tag_parse(struct lfs_ctx *ctx, int argc, char **argv,
			 char *dst, size_t len)
{
	int rc;

	rc = lfs_parse_common_opts(ctx, "tag", lfs_usage_tag, argc, argv, NULL);
	if (rc != LFS_PARSED)
		return rc;
	if (argc - optind < 2)
		return lfs_usage_error(ctx, "tag", lfs_usage_tag, "missing %s",
				       argc == optind ? "SRC and DST" : "DST");
	if (argc - optind > 2)
		return lfs_usage_error(ctx, "tag", lfs_usage_tag,
				       "unexpected argument '%s'", argv[optind + 2]);
	if (lfs_check_name(ctx, "image", argv[optind]) ||
	    lfs_check_new_ref(ctx, "image", argv[optind + 1], dst, len) ||
	    lfs_check_not_chain(ctx, "image", dst))
		return 1;
	return LFS_PARSED;
}

/* DST is free: no record has it as name or tag, no layer is registered so. */
static int lfs_tag_free(struct lfs_ctx *ctx, const struct lfs_meta_list *l,
			const char *dst, struct lfs_err *e)
{
	struct lfs_nl *nl;
	long i;
	int rc;

	i = lfs_meta_find(l->v, l->n, dst);
	if (i < 0)
		i = lfs_meta_find_tag(l->v, l->n, dst, NULL);
	if (i >= 0)
		return lfs_err_set(e, -EEXIST, "already names layer '%s'",
				   l->v[i]->ref);
	rc = lfs_ctx_nl(ctx, &nl, e);
	if (rc)
		return rc;
	rc = lfs_layer_registered(nl, dst, e);
	if (rc < 0)
		return rc;
	return rc ? lfs_err_set(e, -EEXIST, "a layer of that name exists") : 0;
}

int cmd_tag(struct lfs_ctx *ctx, int argc, char **argv)
{
	struct lfs_meta_list l = LFS_META_LIST_INIT;
	struct lfs_store st = LFS_STORE_INIT;
	struct lfs_err e = LFS_ERR_INIT;
	char dst[LFS_REF_BUF];
	const char *src;
	long at = -1;
	int rc, lockfd = -1;

	rc = lfs_tag_parse(ctx, argc, argv, dst, sizeof(dst));
	if (rc != LFS_PARSED)
		return rc;
	src = argv[optind];
	rc = lfs_ctx_store(ctx, &st, 0, &e);
	/* From the reading of the records to the writing of the one. */
	if (!rc)
		lockfd = lfs_store_records_lock(&st);
	if (!rc)
		rc = lfs_store_layer_list(&st, &l, &e);
	if (rc == -ENOENT || (!rc && (at = lfs_meta_lookup(l.v, l.n, src)) < 0))
		rc = lfs_err_named(&e, -ENOENT, "not in the store",
				   "image '%s'", src);
	if (rc)
		goto out;
	rc = lfs_tag_free(ctx, &l, dst, &e);
	if (rc > 0)
		goto out;	/* reported */
	if (rc)
		lfs_err_prefix(&e, rc, "tag '%s'", dst);
	if (!rc)
		rc = lfs_strv_push(&l.v[at]->tags, dst) ?
		     lfs_err_set(&e, -ENOMEM, "%s", "") :
		     lfs_store_layer_write_meta(&st, l.v[at], &e);
	if (!rc)
		fprintf(ctx->out, "%s: %s\n", dst, l.v[at]->ref);
out:
	lfs_store_records_unlock(lockfd);
	if (rc < 0)
		rc = lfs_err_report(ctx, &e);
	lfs_meta_list_free(&l);
	lfs_store_close(&st);
	return rc ? 1 : 0;
}
