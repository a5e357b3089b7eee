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

#include "cmd.h"
#include "oci.h"
#include "oci_cmd.h"
#include "parse.h"
#include "regcmd.h"

static const char lfs_usage_push[] =
	"Usage: layerctl push REF DEST [--platform OS/ARCH[/VARIANT]]\n"
	"                     [--insecure] [--ca-file FILE]\n"
	"\n"
	"Upload the image REF to the OCI registry reference DEST\n"
	"(HOST[:PORT]/REPOSITORY[:TAG]; without a host docker.io, where a\n"
	"one-word repository is library/NAME; without a tag ':latest'), over\n"
	"HTTPS with the OCI distribution API.  The image is written as 'layerctl\n"
	"save' writes it (gzip layers), into a temporary layout in the store\n"
	"that is removed afterwards.  Blobs the repository has already are not\n"
	"uploaded again; the others are uploaded whole (POST, then PUT), and\n"
	"the manifest last, so the tag names the image only once all of it is\n"
	"there.  Prints one line per blob (uploaded or exists) and the\n"
	"manifest's digest.\n"
	"\n"
	LFS_REG_AUTH_HELP
	"\n"
	"Options:\n"
	"  -P, --platform=OS/ARCH[/VARIANT]  the platform the image is for\n"
	"                         (default: this machine's, as for save)\n"
	LFS_REG_CONN_HELP
	"  -h, --help             show this help\n";

struct lfs_push {
	const char *ref;		/* the local image */
	const char *dest;
	const char *platform;		/* --platform or NULL */
	struct lfs_reg_conn conn;
	struct lfs_reg_ref to;
	struct lfs_platform plat;
	char *dir;			/* temporary layout */
	int dirfd;
	char *mtext;			/* the manifest */
	size_t mlen;
	struct lfs_oci_desc mdesc;
	struct lfs_oci_manifest man;
	struct lfs_reg reg;
	unsigned int uploaded, present;
};

/* Options and arguments.  LFS_PARSED, or the exit status. */
static int lfs_push_parse(struct lfs_ctx *ctx, int argc, char **argv,
			  struct lfs_push *p)
{
	int rc;

	rc = lfs_reg_parse_opts(ctx, "push", lfs_usage_push, argc, argv,
				&p->conn, &p->platform);
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
	    lfs_oci_platform(ctx, "push", p->platform, &p->plat))
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

/* One blob of the layout, unless the repository has it. */
static int lfs_push_blob(struct lfs_ctx *ctx, struct lfs_push *p,
			 const struct lfs_oci_desc *d)
{
	char path[128];
	int exists, fd, rc;

	rc = lfs_reg_blob_exists(&p->reg, d->digest, d->size, &exists);
	if (rc)
		return lfs_reg_report(ctx, "push", &p->reg, rc);
	if (exists) {
		fprintf(ctx->out, "%s exists\n", d->digest);
		p->present++;
		return 0;
	}
	snprintf(path, sizeof(path), "blobs/sha256/%s", d->digest + 7);
	fd = openat(p->dirfd, path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return lfs_errorf(ctx, "push: %s: %s", path, strerror(errno));
	rc = lfs_reg_blob_upload(&p->reg, d->digest, fd, d->size);
	close(fd);
	if (rc)
		return lfs_reg_report(ctx, "push", &p->reg, rc);
	fprintf(ctx->out, "%s uploaded %llu bytes\n", d->digest,
		(unsigned long long)d->size);
	p->uploaded++;
	return 0;
}

/* The layers, the config, then the manifest under the tag. */
static int lfs_push_upload(struct lfs_ctx *ctx, struct lfs_push *p)
{
	char where[LFS_REG_HOST_MAX + LFS_REG_REPO_MAX + LFS_REG_TAG_MAX];
	size_t i;

	if (lfs_reg_connect(ctx, "push", &p->to, &p->conn, "pull,push", &p->reg))
		return 1;
	for (i = 0; i < p->man.n_layers; i++)
		if (lfs_push_blob(ctx, p, &p->man.layers[i]))
			return 1;
	if (lfs_push_blob(ctx, p, &p->man.config))
		return 1;
	if (lfs_reg_manifest_put(&p->reg, p->to.tag, LFS_MT_MANIFEST, p->mtext,
				 p->mlen))
		return lfs_reg_report(ctx, "push", &p->reg, -EIO);
	lfs_reg_ref_format(&p->to, where, sizeof(where));
	fprintf(ctx->out, "%s: digest %s size %zu (%u blobs uploaded, %u present)\n",
		where, p->mdesc.digest, p->mlen, p->uploaded, p->present);
	return 0;
}

static void lfs_push_cleanup(struct lfs_push *p)
{
	if (p->dirfd >= 0)
		close(p->dirfd);
	if (p->dir)
		lfs_reg_tmpdir_remove(p->dir);
	lfs_reg_close(&p->reg);
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
