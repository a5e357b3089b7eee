// SPDX-License-Identifier: GPL-2.0
/*
 * layerctl push REF DEST: 'layerctl save' into a temporary layout in the
 * store, then its blobs (those the registry lacks) and its manifest up.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "blobsrc.h"
#include "cmd.h"
#include "oci.h"
#include "oci_cmd.h"
#include "parse.h"
#include "regcmd.h"
#include "store.h"
#include "xferpool.h"
#include "xferview.h"

static const char lfs_usage_push[] =
	"Usage: layerctl push REF DEST [--platform OS/ARCH[/VARIANT]] [--quiet]\n"
	"                     [--jobs N] [--chunk-size SIZE]\n"
	"                     [--insecure] [--ca-file FILE]\n"
	"\n"
	"Upload the image REF to the OCI registry reference DEST\n"
	"(HOST[:PORT]/REPOSITORY[:TAG]; without a host docker.io, where a\n"
	"one-word repository is library/NAME; without a tag ':latest'), over\n"
	"HTTPS with the OCI distribution API.  The image is written as 'layerctl\n"
	"save' writes it (gzip layers), into a temporary layout in the store\n"
	"that is removed afterwards.  Blobs the repository has already are not\n"
	"uploaded again; one that another repository of the same registry has\n"
	"(as the store recorded when it pulled or pushed it there) is mounted\n"
	"from there (POST ?mount=DIGEST&from=REPO), if the registry allows; the\n"
	"others are uploaded, several at once (see --jobs), whole (POST, then\n"
	"PUT) or in chunks (see --chunk-size).  The manifest goes last, so the\n"
	"tag names the image only once all of it is there.  Prints one line per\n"
	"blob (uploaded, mounted or exists; on a terminal a progress display\n"
	"instead) and the manifest's digest.\n"
	"\n"
	LFS_REG_AUTH_HELP
	"\n"
	"Options:\n"
	"  -P, --platform=OS/ARCH[/VARIANT]  the platform the image is for\n"
	"                         (default: this machine's, as for save)\n"
	LFS_REG_XFER_HELP
	"      --chunk-size=SIZE  upload each blob larger than SIZE (N, NK, NM,\n"
	"                         NG; at least 4K) in PATCH requests of SIZE\n"
	"                         bytes, a broken one resumed where the registry\n"
	"                         says it stopped (for proxies that limit the\n"
	"                         request size); default 0: in one request\n"
	LFS_REG_CONN_HELP
	"  -h, --help             show this help\n";

struct lfs_push {
	const char *ref;		/* the local image */
	const char *dest;
	struct lfs_reg_xfer_opts o;
	struct lfs_reg_ref to;
	struct lfs_platform plat;
	char *dir;			/* temporary layout */
	int dirfd;
	char *mtext;			/* the manifest */
	size_t mlen;
	struct lfs_oci_desc mdesc;
	struct lfs_oci_manifest man;
	struct lfs_reg reg;
	struct lfs_xv view;
	const char *root;		/* the store's, for blobsrc.h */
	unsigned int uploaded, present, mounted;
};

/* Options and arguments.  LFS_PARSED, or the exit status. */
static int lfs_push_parse(struct lfs_ctx *ctx, int argc, char **argv,
			  struct lfs_push *p)
{
	int rc;

	p->o.chunk_ok = 1;
	rc = lfs_reg_parse_opts(ctx, "push", lfs_usage_push, argc, argv, &p->o);
	if (rc != LFS_PARSED)
		return rc;
	if (argc - optind < 2)
		return lfs_usage_error(ctx, "push", lfs_usage_push, "missing %s",
				       argc - optind ? "DEST" : "REF and DEST");
	if (argc - optind > 2)
		return lfs_usage_error(ctx, "push", lfs_usage_push,
				       "unexpected argument '%s'", argv[optind + 2]);
	p->ref = argv[optind];
	p->dest = argv[optind + 1];
	return LFS_PARSED;
}

/* DEST parsed, REF a layer name, the platform known.  0 or 1. */
static int lfs_push_check(struct lfs_ctx *ctx, struct lfs_push *p)
{
	struct lfs_err e = LFS_ERR_INIT;
	int rc;

	if (lfs_check_name(ctx, "layer", p->ref) ||
	    lfs_oci_platform(ctx, "push", p->o.platform, &p->plat))
		return 1;
	rc = lfs_reg_ref_parse(p->dest, &p->to, &e);
	if (rc) {
		lfs_err_prefix(&e, rc, "push: destination '%s'", p->dest);
		return lfs_err_report(ctx, &e);
	}
	if (!p->to.tag[0])
		return lfs_errorf(ctx, "push: destination '%s': give a tag (a digest names content, it cannot be pushed to)",
				  p->dest);
	return 0;
}

/* 'layerctl save' into a new temporary directory of the store. */
static int lfs_push_save(struct lfs_ctx *ctx, struct lfs_push *p)
{
	char plat[96], *out;
	int rc;

	p->dir = lfs_reg_tmpdir(ctx, "push", ".push-", NULL);
	if (!p->dir)
		return 1;
	if (asprintf(&out, "%s/layout", p->dir) < 0)
		return lfs_errorf(ctx, "push: out of memory");
	lfs_platform_format(&p->plat, plat, sizeof(plat));
	{
		char *argv[] = { (char *)"layerctl", (char *)"save",
				 (char *)p->ref, (char *)"-o", out,
				 (char *)"--platform", plat, NULL };

		rc = lfs_reg_run(ctx, argv, 1);
	}
	if (!rc) {
		p->dirfd = open(out, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (p->dirfd < 0)
			rc = lfs_errorf(ctx, "push: %s: %s", out, strerror(errno));
	}
	free(out);
	return rc ? 1 : 0;
}

/* The manifest of the saved layout: index.json, then the manifest blob. */
static int lfs_push_read_manifest(struct lfs_ctx *ctx, struct lfs_push *p)
{
	struct lfs_oci_want w = { .ref = p->ref, .plat = &p->plat };
	char path[128], *index = NULL, *rn = NULL;
	struct lfs_err e = LFS_ERR_INIT;
	int rc;

	rc = lfs_reg_read_file(p->dirfd, "index.json", &index, NULL);
	if (!rc && lfs_oci_parse_index(index, &w, &p->mdesc, &rn, &e))
		rc = -EINVAL;
	free(index);
	free(rn);
	if (rc)
		return lfs_errorf(ctx, "push: the saved index.json: %s",
				  rc == -EINVAL ? e.msg : strerror(-rc));
	snprintf(path, sizeof(path), "blobs/sha256/%s", p->mdesc.digest + 7);
	rc = lfs_reg_read_file(p->dirfd, path, &p->mtext, &p->mlen);
	if (!rc && lfs_oci_parse_manifest(p->mtext, &p->man, &e))
		rc = -EINVAL;
	if (rc)
		return lfs_errorf(ctx, "push: the saved manifest: %s",
				  rc == -EINVAL ? e.msg : strerror(-rc));
	return 0;
}

/* The blob of item @i: the layers, then the config. */
static const struct lfs_oci_desc *lfs_push_desc(struct lfs_push *p, size_t i)
{
	return i < p->man.n_layers ? &p->man.layers[i] : &p->man.config;
}

/*
 * Mounts blob @d from the repository the store says has it, if any: 1
 * mounted, 0 with the upload's URL in @loc (started by the registry in
 * place of the mount, or by a plain POST), or an error.
 */
static int lfs_push_start(struct lfs_push *p, struct lfs_reg *reg,
			  const struct lfs_oci_desc *d, char *from, char *loc)
{
	int mounted = 0, rc = -ENOENT;

	if (p->root && !lfs_blobsrc_lookup(p->root, d->digest, p->to.host,
					    p->to.repo, from, LFS_REG_REPO_MAX))
		rc = lfs_reg_upload_start(reg, d->digest, from, &mounted, loc);
	/* a refused mount is an ordinary upload (docker does the same) */
	if (rc && rc != -EIO)
		rc = lfs_reg_upload_start(reg, d->digest, NULL, &mounted, loc);
	return rc ? rc : mounted;
}

/* Uploads blob @d (the repository lacks it) on @reg, row @row. */
static int lfs_push_send(struct lfs_push *p, struct lfs_reg *reg,
			 const struct lfs_oci_desc *d, size_t row,
			 struct lfs_err *e)
{
	char path[128], from[LFS_REG_REPO_MAX], loc[LFS_REG_URL_MAX];
	struct lfs_xv_ref ref = { &p->view, row };
	int fd, rc;

	rc = lfs_push_start(p, reg, d, from, loc);
	if (rc == 1) {
		char st[LFS_XV_STATUS_MAX];

		snprintf(st, sizeof(st), "Mounted from %.34s", from);
		__atomic_add_fetch(&p->mounted, 1, __ATOMIC_RELAXED);
		lfs_xv_end(&p->view, row, st, "%s mounted from %s", d->digest,
			   from);
		return 0;
	}
	if (rc)
		goto fail;
	snprintf(path, sizeof(path), "blobs/sha256/%s", d->digest + 7);
	fd = openat(p->dirfd, path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return lfs_err_set(e, -errno, "%s", path);
	lfs_xv_set(&p->view, row, "Pushing", d->size, 1);
	reg->progress = lfs_xv_hook;
	reg->progress_arg = &ref;
	rc = lfs_reg_upload_send(reg, loc, d->digest, fd, d->size, p->o.chunk);
	reg->progress = NULL;
	close(fd);
	if (rc)
		goto fail;
	__atomic_add_fetch(&p->uploaded, 1, __ATOMIC_RELAXED);
	lfs_xv_end(&p->view, row, "Pushed", "%s uploaded %llu bytes",
		   d->digest, (unsigned long long)d->size);
	return 0;
fail:
	*e = reg->err;
	return rc;
}

/* Item @i of the pool: one blob, unless the repository has it. */
static int lfs_push_blob(void *arg, size_t i, struct lfs_reg *reg,
			 struct lfs_err *e)
{
	struct lfs_push *p = arg;
	const struct lfs_oci_desc *d = lfs_push_desc(p, i);
	int exists, rc;

	rc = lfs_reg_blob_exists(reg, d->digest, d->size, &exists);
	if (rc) {
		*e = reg->err;
		return rc;
	}
	if (!exists)
		return lfs_push_send(p, reg, d, i, e);
	__atomic_add_fetch(&p->present, 1, __ATOMIC_RELAXED);
	lfs_xv_end(&p->view, i, "Layer already exists", "%s exists", d->digest);
	return 0;
}

/* Where the blobs are now, for later mounts: blobsrc.h. */
static void lfs_push_record(struct lfs_push *p)
{
	const char **dg;
	size_t i, n = p->man.n_layers + 1;

	dg = calloc(n, sizeof(*dg));
	if (!dg || !p->root)
		goto out;
	for (i = 0; i < n; i++)
		dg[i] = lfs_push_desc(p, i)->digest;
	lfs_blobsrc_record(p->root, p->to.host, p->to.repo, dg, n);
out:
	free(dg);
}

/* The layers and the config (in parallel), then the manifest under the tag. */
static int lfs_push_upload(struct lfs_ctx *ctx, struct lfs_push *p)
{
	char where[LFS_REG_HOST_MAX + LFS_REG_REPO_MAX + LFS_REG_TAG_MAX];
	struct lfs_err e = LFS_ERR_INIT;
	size_t i, n = p->man.n_layers + 1;
	int rc;

	if (lfs_reg_connect(ctx, "push", &p->to, &p->o.conn, "pull,push",
			    &p->reg))
		return 1;
	if (lfs_xv_init(&p->view, ctx->out, lfs_xv_mode_for(ctx->out, p->o.quiet),
			n))
		return lfs_errorf(ctx, "push: out of memory");
	p->root = lfs_store_root(ctx->store);
	for (i = 0; i < n; i++)
		lfs_xv_add(&p->view, lfs_push_desc(p, i)->digest, "Waiting",
			   0, 0);
	rc = lfs_pool_run(&p->reg, p->o.jobs, n, lfs_push_blob, p, &e);
	lfs_xv_finish(&p->view);
	if (rc) {
		lfs_err_prefix(&e, rc, "push");
		return lfs_err_report(ctx, &e);
	}
	if (lfs_reg_manifest_put(&p->reg, p->to.tag, LFS_MT_MANIFEST, p->mtext,
				 p->mlen))
		return lfs_reg_report(ctx, "push", &p->reg, -EIO);
	lfs_push_record(p);
	lfs_reg_ref_format(&p->to, where, sizeof(where));
	fprintf(ctx->out, "%s: digest %s size %zu (%u blobs uploaded, %u present, %u mounted)\n",
		where, p->mdesc.digest, p->mlen, p->uploaded, p->present,
		p->mounted);
	return 0;
}

static void lfs_push_cleanup(struct lfs_push *p)
{
	if (p->dirfd >= 0)
		close(p->dirfd);
	if (p->dir)
		lfs_reg_tmpdir_remove(p->dir);
	lfs_reg_close(&p->reg);
	lfs_xv_free(&p->view);
	lfs_oci_manifest_free(&p->man);
	free(p->mtext);
	free(p->dir);
}

int cmd_push(struct lfs_ctx *ctx, int argc, char **argv)
{
	struct lfs_push p = { .dirfd = -1 };
	int rc;

	rc = lfs_push_parse(ctx, argc, argv, &p);
	if (rc != LFS_PARSED)
		return rc;
	rc = lfs_push_check(ctx, &p) || lfs_push_save(ctx, &p) ||
	     lfs_push_read_manifest(ctx, &p) || lfs_push_upload(ctx, &p);
	lfs_push_cleanup(&p);
	return rc;
}
