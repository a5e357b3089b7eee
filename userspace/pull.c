// SPDX-License-Identifier: GPL-2.0
/*
 * layerctl pull SOURCE [REF]: the manifest for the platform, the config,
 * then the layers the store lacks, each downloaded straight into its
 * extraction (pull_layer.c) and into a partial download for a later pull
 * to resume from (pullpart.h), several at once; once all are in and
 * checked, they are registered, bottom first.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/layerfs.h>

#include "blobsrc.h"
#include "cmd.h"
#include "layerdg.h"
#include "layerinfo.h"
#include "nl.h"
#include "oci_cmd.h"
#include "parse.h"
#include "pull.h"
#include "xferpool.h"

static const char lfs_usage_pull[] =
	"Usage: layerctl pull SOURCE [REF] [--platform OS/ARCH[/VARIANT]]\n"
	"                     [--quiet] [--jobs N] [--no-keep-blob]\n"
	"                     [--insecure] [--ca-file FILE]\n"
	"                     [--max-size SIZE] [--max-entry-size SIZE]\n"
	"                     [--max-entries N]\n"
	"\n"
	"Download the image SOURCE (HOST[:PORT]/REPOSITORY[:TAG|@sha256:HEX];\n"
	"without a host docker.io, where a one-word repository is library/NAME;\n"
	"without tag or digest ':latest') from its OCI registry and load it into\n"
	"the store as 'layerctl load' does, its top layer named REF (default:\n"
	"REPOSITORY:TAG, without docker.io's 'library/').  From an index (a\n"
	"multi-platform image) the manifest for the platform is taken (see\n"
	"--platform).  Layers below the top that the store has already (the\n"
	"layer oci/chain:HEX of the same chain id) are not downloaded (REF\n"
	"oci/chain:HEX is refused unless it is the image's own top chain id);\n"
	"the others are downloaded several at once (see --jobs), each straight\n"
	"into its extraction (gunzip, untar) in a new directory of the store,\n"
	"within the limits (see --max-*; a layer whose manifest size is larger\n"
	"than a layer within them can be compressed to is refused before it\n"
	"is downloaded), and into a partial download in the\n"
	"store (.partial/sha256-HEX.partial) until the blob is verified.  Every\n"
	"blob is checked against its digest and size while it arrives, and\n"
	"every layer against its config diff_id; only once all of them are in\n"
	"and checked are the layers registered, bottom first.  A broken\n"
	"transfer is resumed with HTTP ranges; a failed pull registers nothing\n"
	"and keeps only the partial downloads, from which the next pull of the\n"
	"same blobs resumes (their bytes, then the rest with a range; a\n"
	"partial download that turns out wrong fails that pull and is deleted;\n"
	"'layerctl prune' deletes those left unused).  A partial download\n"
	"that turned out whole and right becomes the blob the store keeps\n"
	"(blobs/sha256/HEX; unless --no-keep-blob), which a later push or save\n"
	"of the layer uses as it is.  Prints one line per blob (on a terminal\n"
	"a progress display instead) and the image's digest.\n"
	"\n"
	LFS_REG_AUTH_HELP
	"\n"
	"Options:\n"
	"  -P, --platform=OS/ARCH[/VARIANT]  the platform to pull (default:\n"
	"                         this machine's, as for load)\n"
	LFS_REG_XFER_HELP
	LFS_OCI_LIMIT_HELP
	LFS_REG_CONN_HELP
	"  -h, --help             show this help\n";

#define LFS_CONFIG_MAX (4U << 20)	/* as load reads it */

static int lfs_pull_parse(struct lfs_ctx *ctx, int argc, char **argv,
			  struct lfs_pull *p)
{
	int rc, i;

	p->o.limits_ok = 1;
	rc = lfs_reg_parse_opts(ctx, "pull", lfs_usage_pull, argc, argv, &p->o);
	if (rc != LFS_PARSED)
		return rc;
	for (i = 0; i < 3; i++)
		if (p->o.limit[i] &&
		    lfs_oci_limit_opt(ctx, "pull", lfs_usage_pull,
				      LFS_OPT_MAX_SIZE + i, p->o.limit[i],
				      &p->limits))
			return LFS_EXIT_USAGE;
	if (argc - optind < 1)
		return lfs_usage_error(ctx, "pull", lfs_usage_pull,
				       "missing SOURCE");
	if (argc - optind > 2)
		return lfs_usage_error(ctx, "pull", lfs_usage_pull,
				       "unexpected argument '%s'", argv[optind + 2]);
	p->source = argv[optind];
	p->ref = argc - optind == 2 ? argv[optind + 1] : NULL;
	return LFS_PARSED;
}

/* 1 if layer @name is registered. */
static int lfs_pull_registered(struct lfs_pull *p, const char *name)
{
	struct lfs_layer k = { 0 }, *got = NULL;
	int rc;

	k.name = name;
	rc = lfs_nl_layer_lookup(p->nl, &k, &got, NULL);
	free(got);
	return !rc;
}

/* SOURCE, the name, the platform; the name must be free.  0 or 1. */
static int lfs_pull_check(struct lfs_ctx *ctx, struct lfs_pull *p)
{
	struct lfs_err e = LFS_ERR_INIT;
	int rc;

	rc = lfs_reg_ref_parse(p->source, &p->from, &e);
	if (rc) {
		lfs_err_prefix(&e, rc, "source '%s'", p->source);
		return lfs_err_report(ctx, &e);
	}
	if (p->ref) {
		if (lfs_check_new_ref(ctx, "layer", p->ref, p->name,
				      sizeof(p->name)))
			return 1;
	} else if (lfs_reg_local_name(&p->from, p->name, sizeof(p->name)))
		return lfs_errorf(ctx, "source '%s': cannot name the image after it: give REF",
				  p->source);
	if (lfs_check_name(ctx, "layer", p->name) ||
	    lfs_oci_platform(ctx, p->o.platform, &p->plat))
		return 1;
	if (lfs_ctx_nl(ctx, &p->nl, &e))
		return lfs_err_report(ctx, &e);
	if (lfs_pull_registered(p, p->name)) {
		lfs_err_named(&e, -EEXIST, "a layer of that name exists",
			      "layer '%s'", p->name);
		return lfs_err_report(ctx, &e);
	}
	return 0;
}

/* The image manifest: SOURCE's, or its index's entry for the platform. */
static int lfs_pull_manifest(struct lfs_ctx *ctx, struct lfs_pull *p)
{
	struct lfs_oci_want w = { .plat = &p->plat };
	struct lfs_err e = LFS_ERR_INIT;
	char ct[128], plat[96];
	int rc;

	if (lfs_reg_connect(ctx, "source", p->source, &p->from, &p->o.conn,
			    "pull", &p->reg))
		return 1;
	if (lfs_reg_manifest_get(&p->reg, lfs_reg_ref_target(&p->from),
				 &p->mtext, &p->mlen, ct, p->mdesc.digest))
		return lfs_reg_report(ctx, "source", p->source, &p->reg, -EIO);
	rc = lfs_reg_pick(ct, p->mtext, &w, &p->mdesc, &e);
	if (rc == 1) {
		char want[LFS_DIGEST_LEN];

		memcpy(want, p->mdesc.digest, sizeof(want));
		free(p->mtext);
		p->mtext = NULL;
		if (lfs_reg_manifest_get(&p->reg, want, &p->mtext, &p->mlen,
					 ct, p->mdesc.digest))
			return lfs_reg_report(ctx, "source", p->source,
					      &p->reg, -EIO);
		if (p->mlen != p->mdesc.size)
			return lfs_errorf(ctx, "manifest '%s': %zu bytes, the index says %llu",
					  p->mdesc.digest, p->mlen,
					  (unsigned long long)p->mdesc.size);
		rc = lfs_reg_pick(ct, p->mtext, &w, &p->mdesc, &e);
		if (rc == 1) {
			lfs_err_set(&e, 0, "the index names another index");
			rc = -EINVAL;
		}
	}
	/*
	 * The registry's text (the index's platforms) through the reporter,
	 * which escapes control characters, as every error of it is.
	 */
	if (rc < 0) {
		lfs_platform_format(&p->plat, plat, sizeof(plat));
		if (w.have[0])
			lfs_err_set(&e, 0, "no manifest for %s, it has %s: see --platform",
				    plat, w.have);
		/* The reason alone: the source names what it is about. */
		lfs_err_prefix(&e, 0, "source '%s'", p->source);
		return lfs_err_report(ctx, &e);
	}
	p->mdesc.size = p->mlen;
	if (lfs_oci_parse_manifest(p->mtext, &p->man, &e)) {
		lfs_err_prefix(&e, 0, "manifest '%s'", p->mdesc.digest);
		return lfs_err_report(ctx, &e);
	}
	return 0;
}

/* The config: downloaded (into memory) and parsed. */
static int lfs_pull_config(struct lfs_ctx *ctx, struct lfs_pull *p)
{
	const struct lfs_oci_desc *c = &p->man.config;
	struct lfs_err e = LFS_ERR_INIT;
	uint64_t have = 0;
	char *text = NULL;
	size_t row;
	int fd, rc;

	if (c->size > LFS_CONFIG_MAX)
		return lfs_errorf(ctx, "config '%s': %llu bytes, more than 4 MiB",
				  c->digest, (unsigned long long)c->size);
	row = lfs_xv_add(&p->view, c->digest, "Downloading", c->size, 1);
	fd = memfd_create("config", MFD_CLOEXEC);
	if (fd < 0) {
		lfs_err_named(&e, -errno, "cannot make a memory file for it",
			      "config '%s'", c->digest);
		return lfs_err_report(ctx, &e);
	}
	rc = lfs_reg_blob_fetch(&p->reg, c->digest, c->size, fd, &have);
	if (rc) {
		close(fd);
		lfs_xv_finish(&p->view);
		return lfs_reg_report(ctx, "source", p->source, &p->reg, rc);
	}
	text = calloc(1, c->size + 1);
	rc = !text ? -ENOMEM :
	     pread(fd, text, c->size, 0) == (ssize_t)c->size ? 0 : -EIO;
	close(fd);
	if (!rc && lfs_oci_parse_config(text, &p->cfg, &e))
		rc = -EINVAL;
	free(text);
	if (rc) {
		/* a parse error says it all; else the read's errno */
		if (rc != -EINVAL)
			lfs_err_set(&e, rc, "cannot read it");
		lfs_err_prefix(&e, rc, "config '%s'", c->digest);
		return lfs_err_report(ctx, &e);
	}
	lfs_xv_end(&p->view, row, "Download complete", "%s downloaded %llu bytes",
		   c->digest, (unsigned long long)c->size);
	p->fetched++;
	return 0;
}

/*
 * Layer @i's name (the top: REF; below: its chain id's) and whether it
 * is registered already (then it is used as it is, not downloaded).
 */
static int lfs_pull_name(struct lfs_ctx *ctx, struct lfs_pull *p, size_t i,
			 char *chain)
{
	struct lfs_pull_layer *l = &p->L[i];
	char prev[LFS_DIGEST_LEN];

	memcpy(prev, chain, sizeof(prev));
	if (lfs_oci_chain_id(i ? prev : NULL, p->cfg.diff_ids[i], chain))
		return lfs_errorf(ctx, "config '%s': bad diff_id",
				  p->man.config.digest);
	if (i + 1 == p->man.n_layers) {
		snprintf(l->name, sizeof(l->name), "%s", p->name);
		return 0;
	}
	snprintf(l->name, sizeof(l->name), LFS_CHAIN_PREFIX "%s",
		 lfs_digest_hex(chain));
	l->shared = lfs_pull_registered(p, l->name);
	return 0;
}

/*
 * Layer @i: a row, and a staging directory unless it is shared; one
 * larger than a layer within the limits can be is refused before
 * anything of it is downloaded or written (tarlimits.h).
 */
static int lfs_pull_stage(struct lfs_ctx *ctx, struct lfs_pull *p, size_t i)
{
	struct lfs_pull_layer *l = &p->L[i];
	const char *dg = p->man.layers[i].digest;
	uint64_t max = lfs_tar_blob_max(&p->limits);
	struct lfs_err e = LFS_ERR_INIT;

	if (!l->shared && max && p->man.layers[i].size > max)
		return lfs_errorf(ctx, "layer '%s': %llu bytes, more than the %llu a layer within --max-size and --max-entries can be",
				  dg, (unsigned long long)p->man.layers[i].size,
				  (unsigned long long)max);
	if (l->shared) {
		l->row = lfs_xv_add(&p->view, dg, "", 0, 0);
		lfs_xv_end(&p->view, l->row, "Already in the store",
			   "%s in the store (%s)", dg, l->name);
		p->skipped++;
		return 0;
	}
	if (lfs_store_layer_create_new(&p->st, l->key, &l->diff, &e)) {
		lfs_err_prefix(&e, e.code, "store '%s'", p->st.root);
		return lfs_err_report(ctx, &e);
	}
	l->row = lfs_xv_add(&p->view, dg, "Waiting", p->man.layers[i].size, 0);
	p->todo[p->n_todo++] = i;
	return 0;
}

/* The config, then what each layer is called and where it goes. */
static int lfs_pull_plan(struct lfs_ctx *ctx, struct lfs_pull *p)
{
	struct lfs_err e = LFS_ERR_INIT;
	char chain[LFS_DIGEST_LEN] = "", top[LFS_DIGEST_LEN];
	size_t i, n = p->man.n_layers;
	int rc;

	p->L = calloc(n ? n : 1, sizeof(*p->L));
	p->todo = calloc(n ? n : 1, sizeof(*p->todo));
	if (!p->L || !p->todo ||
	    lfs_xv_init(&p->view, ctx->out,
			lfs_xv_mode_for(ctx->out, p->o.quiet), n + 1))
		return lfs_nomem(ctx, "cannot plan its layers", "source '%s'",
				 p->source);
	if (lfs_ctx_store(ctx, &p->st, 1, &e))
		return lfs_err_report(ctx, &e);
	if (lfs_oci_name_not_tag(&p->st, p->name, &e))
		return lfs_err_report(ctx, &e);
	if (lfs_pull_config(ctx, p))
		return 1;
	if (!n || p->cfg.n_diff_ids != n)
		return lfs_errorf(ctx, "manifest '%s': it lists %zu layers, its config %zu diff_ids",
				  p->mdesc.digest, n, p->cfg.n_diff_ids);
	rc = lfs_oci_chain_name_check(p->name, &p->cfg, top, &e);
	if (rc) {
		if (rc != -EPERM)
			lfs_err_prefix(&e, rc, "config '%s'",
				       p->man.config.digest);
		return lfs_err_report(ctx, &e);
	}
	for (i = 0; i < n; i++)
		if (lfs_pull_name(ctx, p, i, chain) || lfs_pull_stage(ctx, p, i))
			return 1;
	return 0;
}

/* The layers to download, several at once.  0 or 1. */
static int lfs_pull_run(struct lfs_ctx *ctx, struct lfs_pull *p)
{
	struct lfs_err e = LFS_ERR_INIT;
	int rc;

	rc = lfs_pool_run(&p->reg, p->o.jobs, p->n_todo, lfs_pull_layer, p, &e);
	lfs_xv_finish(&p->view);
	if (!rc)
		return 0;
	lfs_err_prefix(&e, rc, "source '%s'", p->source);
	return lfs_err_report(ctx, &e);
}

/* Registers layer @i (extracted and checked), its parent in already. */
static int lfs_pull_register_one(struct lfs_ctx *ctx, struct lfs_pull *p,
				 size_t i, struct lfs_err *e)
{
	const struct lfs_oci_hist *h = &p->cfg.hist[i];
	struct lfs_pull_layer *l = &p->L[i];
	struct lfs_import im = { 0 };
	int rc;

	im.what = p->man.layers[i].digest;
	im.origin = "pull";
	im.ref = l->name;
	im.parent = i ? p->L[i - 1].name : NULL;
	/* A history text too long for a layer is left out. */
	im.author = lfs_text_fits(h->author) ? h->author : NULL;
	im.message = lfs_text_fits(h->comment) ? h->comment : NULL;
	im.created = h->created_ns;
	rc = lfs_store_layer_publish(&p->st, l->key, &l->diff, e);
	if (!rc)
		rc = lfs_oci_register_layer(ctx, &p->st, p->nl, &im, l->key,
					    l->diff, &l->ist, e);
	if (!rc)
		l->registered = 1;
	return rc;
}

/* Every new layer, bottom first; on failure this pull's undone. */
static int lfs_pull_register(struct lfs_ctx *ctx, struct lfs_pull *p)
{
	struct lfs_err e = LFS_ERR_INIT;
	size_t i, n = p->man.n_layers;
	int rc = 0;

	for (i = 0; i < n && !rc; i++)
		if (!p->L[i].shared)
			rc = lfs_pull_register_one(ctx, p, i, &e);
	if (!rc)
		return 0;
	for (i = n; i-- > 0;) {
		if (!p->L[i].registered)
			continue;
		lfs_oci_unimport(&p->st, p->nl, p->L[i].name, p->L[i].key);
		p->L[i].key[0] = '\0';
	}
	lfs_err_prefix(&e, rc, "source '%s'", p->source);
	return lfs_err_report(ctx, &e);
}

/* Where the blobs came from, for later mounts: blobsrc.h. */
static void lfs_pull_record(struct lfs_ctx *ctx, struct lfs_pull *p)
{
	const char **dg;
	size_t i, n = p->man.n_layers;

	dg = calloc(n + 1, sizeof(*dg));
	if (!dg)
		return;
	for (i = 0; i < n; i++)
		dg[i] = p->man.layers[i].digest;
	dg[n] = p->man.config.digest;
	lfs_blobsrc_record(lfs_store_root(ctx->store), p->from.host,
			   p->from.repo, dg, n + 1);
	free(dg);
}

/* Which blob each layer came from, for a later push (layerdg.h). */
static void lfs_pull_record_layers(struct lfs_ctx *ctx, struct lfs_pull *p)
{
	size_t i, n = p->man.n_layers;
	struct lfs_layerdg *dg = calloc(n, sizeof(*dg));

	for (i = 0; dg && i < n; i++)
		lfs_oci_layer_record(p->nl, p->L[i].name, p->cfg.diff_ids[i],
				     &p->man.layers[i], &dg[i]);
	if (dg)
		lfs_layerdg_record(lfs_store_root(ctx->store), dg, n);
	free(dg);
}

static void lfs_pull_cleanup(struct lfs_pull *p)
{
	size_t i;

	for (i = 0; p->L && i < p->man.n_layers; i++) {
		if (p->L[i].key[0] && !p->L[i].registered)
			lfs_store_layer_remove(&p->st, p->L[i].key, NULL);
		free(p->L[i].diff);
	}
	lfs_store_close(&p->st);
	lfs_reg_close(&p->reg);
	lfs_xv_free(&p->view);
	free(p->L);
	free(p->todo);
	lfs_oci_manifest_free(&p->man);
	lfs_oci_config_free(&p->cfg);
	free(p->mtext);
}

int cmd_pull(struct lfs_ctx *ctx, int argc, char **argv)
{
	struct lfs_pull p = { .limits = LFS_TAR_LIMITS_DEFAULT,
			      .st = LFS_STORE_INIT };
	int rc;

	rc = lfs_pull_parse(ctx, argc, argv, &p);
	if (rc != LFS_PARSED)
		return rc;
	rc = lfs_pull_check(ctx, &p) || lfs_pull_manifest(ctx, &p) ||
	     lfs_pull_plan(ctx, &p) || lfs_pull_run(ctx, &p) ||
	     lfs_pull_register(ctx, &p);
	if (!rc) {
		lfs_pull_record(ctx, &p);
		lfs_pull_record_layers(ctx, &p);
		fprintf(ctx->out, "%s: %s (%u blobs downloaded, %u layers in the store)\n",
			p.name, p.mdesc.digest, p.fetched, p.skipped);
	}
	lfs_pull_cleanup(&p);
	return rc;
}
