// SPDX-License-Identifier: GPL-2.0
/*
 * layerctl push REF DEST: the layers (push_layer.c: each known and
 * present, mounted, or compressed while it streams up), then the config
 * and the manifest.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "blobsrc.h"
#include "cmd.h"
#include "oci_cmd.h"
#include "parse.h"
#include "push.h"
#include "store.h"
#include "xferpool.h"

static const char lfs_usage_push[] =
	"Usage: layerctl push REF DEST [--platform OS/ARCH[/VARIANT]] [--quiet]\n"
	"                     [--jobs N] [--chunk-size SIZE] [--no-keep-blob]\n"
	"                     [--insecure] [--ca-file FILE]\n"
	"\n"
	"Upload the image REF to the OCI registry reference DEST\n"
	"(HOST[:PORT]/REPOSITORY[:TAG]; without a host docker.io, where a\n"
	"one-word repository is library/NAME; without a tag ':latest'), over\n"
	"HTTPS with the OCI distribution API, as 'layerctl save' writes it (gzip\n"
	"layers, compressed on every CPU).  A layer whose blob the store knows\n"
	"(it pushed or pulled the layer, unchanged since: the store's file\n"
	"layer-digests) is not uploaded if the repository has that blob, or\n"
	"mounted (POST ?mount=DIGEST&from=REPO) if another repository of the\n"
	"same registry has it (as the store recorded when it pulled or pushed\n"
	"it there) and the registry allows; else, if the store keeps that\n"
	"blob (ROOT/blobs/sha256/: what save, push and pull compressed or\n"
	"downloaded, and load's blobs), the kept file is uploaded as it is, its SHA-256 checked\n"
	"as it goes (one that does not match is deleted and the layer\n"
	"compressed again).  Any other layer is compressed while it is\n"
	"uploaded (POST, PATCH as the bytes come, then PUT ?digest=), several\n"
	"at once (see --jobs), and the compressed blob is kept in the store\n"
	"for the next push or save (unless --no-keep-blob).\n"
	"The config goes after the layers, the manifest last, so the tag names\n"
	"the image only once all of it is there.  Prints one line per\n"
	"blob (uploaded, with \"(kept blob)\" when the store's file went up;\n"
	"mounted; or exists; on a terminal a progress display instead) and the\n"
	"manifest's digest.\n"
	"\n"
	LFS_REG_AUTH_HELP
	"\n"
	"Options:\n"
	"  -P, --platform=OS/ARCH[/VARIANT]  the platform the image is for\n"
	"                         (default: this machine's, as for save)\n"
	LFS_REG_XFER_HELP
	"      --chunk-size=SIZE  upload each layer in PATCH requests of SIZE\n"
	"                         bytes (N, NK, NM, NG; at least 4K), a broken\n"
	"                         one resumed where the registry says it stopped\n"
	"                         (for proxies that limit the request size);\n"
	"                         default 0: in one streamed (chunked) PATCH\n"
	LFS_REG_CONN_HELP
	"  -h, --help             show this help\n";

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
	    lfs_oci_platform(ctx, p->o.platform, &p->plat))
		return 1;
	rc = lfs_reg_ref_parse(p->dest, &p->to, &e);
	if (rc) {
		lfs_err_prefix(&e, rc, "destination '%s'", p->dest);
		return lfs_err_report(ctx, &e);
	}
	if (!p->to.tag[0])
		return lfs_errorf(ctx, "destination '%s': a digest names content, it cannot be pushed to: give a tag",
				  p->dest);
	return 0;
}

/* The image's layers, top first, and room for what is found out. */
static int lfs_push_chain(struct lfs_ctx *ctx, struct lfs_push *p)
{
	struct lfs_err e = LFS_ERR_INIT;
	struct lfs_nl *nl;

	if (lfs_ctx_nl(ctx, &nl, &e) ||
	    lfs_ref_resolve(ctx, nl, p->ref, &p->name, &e) ||
	    lfs_image_chain(nl, p->name, &p->chain, &e))
		return lfs_err_report(ctx, &e);
	p->ol = calloc(p->chain.n, sizeof(*p->ol));
	p->dg = calloc(p->chain.n, sizeof(*p->dg));
	if (!p->ol || !p->dg)
		return lfs_nomem(ctx, "cannot plan its layers", "image '%s'",
				 p->name);
	return 0;
}

/* The config (tiny, in memory) as blob @digest, unless present. */
static int lfs_push_config(struct lfs_push *p, const char *cfg,
			   const char *digest, size_t row)
{
	char loc[LFS_REG_URL_MAX];
	size_t len = strlen(cfg);
	int fd, rc, mounted;

	rc = lfs_push_known(p, &p->reg, row, digest, len, loc);
	if (rc > 0)
		__atomic_add_fetch(rc == 1 ? &p->present : &p->mounted, 1,
				   __ATOMIC_RELAXED);
	if (rc)
		return rc < 0 ? rc : 0;
	fd = memfd_create("config", MFD_CLOEXEC);
	if (fd < 0 || write(fd, cfg, len) != (ssize_t)len)
		rc = lfs_err_set(&p->reg.err, fd < 0 ? -errno : -EIO,
				 "config: cannot write it to a memory file");
	if (!rc && !loc[0])
		rc = lfs_reg_upload_start(&p->reg, digest, NULL, &mounted, loc);
	if (!rc)
		rc = lfs_reg_upload_send(&p->reg, loc, digest, fd, len, 0);
	if (fd >= 0)
		close(fd);
	if (rc)
		return rc;
	p->uploaded++;
	lfs_xv_end(&p->view, row, "Pushed", "%s uploaded %zu bytes", digest,
		   len);
	return 0;
}

/* The config and the manifest of the pushed layers, config uploaded. */
static int lfs_push_docs(struct lfs_ctx *ctx, struct lfs_push *p)
{
	struct lfs_err e = LFS_ERR_INIT;
	char *cfg = NULL;
	size_t n = p->chain.n;
	int rc;

	rc = lfs_oci_image_docs(p->ol, n, &p->plat, &cfg, p->cdigest, &p->mtext,
				p->mdigest, &e);
	if (rc) {
		free(cfg);
		lfs_err_prefix(&e, rc, "destination '%s'", p->dest);
		return lfs_err_report(ctx, &e);
	}
	rc = lfs_push_config(p, cfg, p->cdigest, n);
	free(cfg);
	if (rc)
		return lfs_reg_report(ctx, "destination", p->dest, &p->reg, rc);
	return 0;
}

/* Where the blobs are now, for later mounts (blobsrc.h), and layerdg.h. */
static void lfs_push_record(struct lfs_push *p)
{
	const char **dg;
	size_t i, n = p->chain.n;

	/* the records are the store's: made if missing (mode 0700) */
	if (!p->root || (mkdir(p->root, 0700) && errno != EEXIST))
		return;
	lfs_layerdg_record(p->root, p->dg, n);
	dg = calloc(n + 1, sizeof(*dg));
	if (!dg)
		return;
	for (i = 0; i < n; i++)
		dg[i] = p->ol[i].digest;
	dg[n] = p->cdigest;
	lfs_blobsrc_record(p->root, p->to.host, p->to.repo, dg, n + 1);
	free(dg);
}

/* The rows: the layers, bottom first, by name, then the config. */
static int lfs_push_view(struct lfs_ctx *ctx, struct lfs_push *p)
{
	size_t i, n = p->chain.n;

	if (lfs_xv_init(&p->view, ctx->out,
			lfs_xv_mode_for(ctx->out, p->o.quiet), n + 1))
		return lfs_nomem(ctx, "cannot show its progress",
				 "destination '%s'", p->dest);
	for (i = 0; i < n; i++)
		lfs_xv_add(&p->view, p->chain.v[n - 1 - i]->name, "Waiting", 0, 0);
	lfs_xv_add(&p->view, "config", "Waiting", 0, 0);
	return 0;
}

/* The layers (in parallel), the config, then the manifest under the tag. */
static int lfs_push_upload(struct lfs_ctx *ctx, struct lfs_push *p)
{
	char where[LFS_REG_HOST_MAX + LFS_REG_REPO_MAX + LFS_REG_TAG_MAX];
	struct lfs_err e = LFS_ERR_INIT;
	int rc;

	if (lfs_reg_connect(ctx, "destination", p->dest, &p->to, &p->o.conn,
			    "pull,push", &p->reg) || lfs_push_view(ctx, p))
		return 1;
	p->root = lfs_store_root(ctx->store);
	/*
	 * the store's kept blobs, under its shared lock (prune waits); no
	 * store (or none to make): nothing kept
	 */
	p->keep = !p->o.no_keep;
	p->rootfd = lfs_ctx_store(ctx, &p->st, p->keep, &e) ? -1 : p->st.fd;
	lfs_err_clear(&e);
	rc = lfs_pool_run(&p->reg, p->o.jobs, p->chain.n, lfs_push_layer, p, &e);
	if (rc) {
		lfs_xv_finish(&p->view);
		lfs_err_prefix(&e, rc, "destination '%s'", p->dest);
		return lfs_err_report(ctx, &e);
	}
	rc = lfs_push_docs(ctx, p);
	lfs_xv_finish(&p->view);
	if (rc)
		return rc;
	if (lfs_reg_manifest_put(&p->reg, p->to.tag, LFS_MT_MANIFEST, p->mtext,
				 strlen(p->mtext)))
		return lfs_reg_report(ctx, "destination", p->dest, &p->reg, -EIO);
	lfs_push_record(p);
	lfs_reg_ref_format(&p->to, where, sizeof(where));
	fprintf(ctx->out, "%s: digest %s size %zu (%u blobs uploaded, %u present, %u mounted)\n",
		where, p->mdigest, strlen(p->mtext), p->uploaded, p->present,
		p->mounted);
	return 0;
}

static void lfs_push_cleanup(struct lfs_push *p)
{
	size_t i;

	lfs_reg_close(&p->reg);
	lfs_store_close(&p->st);
	lfs_xv_free(&p->view);
	for (i = 0; p->ol && i < p->chain.n; i++)
		free((char *)p->ol[i].created_by);
	free(p->ol);
	free(p->dg);
	lfs_chain_free(&p->chain);
	free(p->name);
	free(p->mtext);
}

int cmd_push(struct lfs_ctx *ctx, int argc, char **argv)
{
	struct sigaction ign = { .sa_handler = SIG_IGN }, old;
	struct lfs_push p = { .st = LFS_STORE_INIT, .rootfd = -1 };
	int rc;

	rc = lfs_push_parse(ctx, argc, argv, &p);
	if (rc != LFS_PARSED)
		return rc;
	/* a failed upload closes the pipe an export writes to: EPIPE */
	sigaction(SIGPIPE, &ign, &old);
	rc = lfs_push_check(ctx, &p) || lfs_push_chain(ctx, &p) ||
	     lfs_push_upload(ctx, &p);
	sigaction(SIGPIPE, &old, NULL);
	lfs_push_cleanup(&p);
	return rc;
}
