// SPDX-License-Identifier: GPL-2.0
/*
 * layerctl pull SOURCE [REF]: the manifest for the platform, then the
 * config and the layers the store lacks, each verified while it streams,
 * into a temporary layout in the store; then 'layerctl load' of it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/layerfs.h>

#include "blobsrc.h"
#include "cmd.h"
#include "layerdg.h"
#include "layerinfo.h"
#include "nl.h"
#include "oci.h"
#include "oci_cmd.h"
#include "parse.h"
#include "regcmd.h"
#include "store.h"
#include "xferpool.h"
#include "xferview.h"

static const char lfs_usage_pull[] =
	"Usage: layerctl pull SOURCE [REF] [--platform OS/ARCH[/VARIANT]]\n"
	"                     [--quiet] [--jobs N] [--insecure] [--ca-file FILE]\n"
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
	"layer oci/chain:HEX of the same chain id) are not downloaded; the\n"
	"others are downloaded several at once (see --jobs).  Every\n"
	"blob is checked against its digest and size while it arrives, and\n"
	"again by load, which extracts each layer within the limits (see\n"
	"--max-*); a broken transfer is resumed with HTTP ranges, and a\n"
	"pull that fails on the network keeps what it downloaded (in the\n"
	"store's .pull-HEX directory) for the next pull of the same image to\n"
	"resume.  A failed pull registers nothing.  Prints one line per blob\n"
	"(on a terminal a progress display instead) and the image's digest.\n"
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

#define LFS_NAME_BUF (LAYERFS_NAME_MAX + 1)
#define LFS_CONFIG_MAX (4U << 20)	/* as load reads it */

struct lfs_pull {
	const char *source;
	const char *ref;		/* REF, or NULL: name */
	struct lfs_reg_xfer_opts o;
	struct lfs_reg_ref from;
	struct lfs_platform plat;
	char name[LFS_NAME_BUF];	/* the top layer's name */
	int from_index;			/* the manifest came from an index */
	struct lfs_reg reg;
	struct lfs_nl *nl;
	char *mtext;
	size_t mlen;
	struct lfs_oci_desc mdesc;
	struct lfs_oci_manifest man;
	struct lfs_oci_config cfg;
	char *dir;
	int dirfd;
	int keep;			/* a network failure: keep dir */
	unsigned int fetched, skipped;
	struct lfs_xv view;
	const struct lfs_oci_desc **todo;	/* the blobs to download */
	size_t *rows;			/* their rows in view */
	size_t n_todo;
};

static int lfs_pull_parse(struct lfs_ctx *ctx, int argc, char **argv,
			  struct lfs_pull *p)
{
	int rc;

	p->o.limits_ok = 1;
	rc = lfs_reg_parse_opts(ctx, "pull", lfs_usage_pull, argc, argv, &p->o);
	if (rc != LFS_PARSED)
		return rc;
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
		lfs_err_prefix(&e, rc, "pull: source '%s'", p->source);
		return lfs_err_report(ctx, &e);
	}
	if (p->ref) {
		if (lfs_check_new_ref(ctx, "layer", p->ref, p->name,
				      sizeof(p->name)))
			return 1;
	} else if (lfs_reg_local_name(&p->from, p->name, sizeof(p->name)))
		return lfs_errorf(ctx, "pull: source '%s': cannot name the image after it: give REF",
				  p->source);
	if (lfs_check_name(ctx, "layer", p->name) ||
	    lfs_oci_platform(ctx, "pull", p->o.platform, &p->plat))
		return 1;
	if (lfs_ctx_nl(ctx, &p->nl, &e))
		return lfs_err_report(ctx, &e);
	if (lfs_pull_registered(p, p->name))
		return lfs_errorf(ctx, "pull: layer '%s': a layer of that name exists (File exists)",
				  p->name);
	return 0;
}

/* The image manifest: SOURCE's, or its index's entry for the platform. */
static int lfs_pull_manifest(struct lfs_ctx *ctx, struct lfs_pull *p)
{
	struct lfs_oci_want w = { .plat = &p->plat };
	struct lfs_err e = LFS_ERR_INIT;
	char ct[128], plat[96];
	int rc;

	if (lfs_reg_connect(ctx, "pull", &p->from, &p->o.conn, "pull", &p->reg))
		return 1;
	if (lfs_reg_manifest_get(&p->reg, lfs_reg_ref_target(&p->from),
				 &p->mtext, &p->mlen, ct, p->mdesc.digest))
		return lfs_reg_report(ctx, "pull", &p->reg, -EIO);
	rc = lfs_reg_pick(ct, p->mtext, &w, &p->mdesc, &e);
	if (rc == 1) {
		char want[LFS_DIGEST_LEN];

		memcpy(want, p->mdesc.digest, sizeof(want));
		p->from_index = 1;
		free(p->mtext);
		p->mtext = NULL;
		if (lfs_reg_manifest_get(&p->reg, want, &p->mtext, &p->mlen,
					 ct, p->mdesc.digest))
			return lfs_reg_report(ctx, "pull", &p->reg, -EIO);
		if (p->mlen != p->mdesc.size)
			return lfs_errorf(ctx, "pull: manifest %s: %zu bytes, the index says %llu",
					  p->mdesc.digest, p->mlen,
					  (unsigned long long)p->mdesc.size);
		rc = lfs_reg_pick(ct, p->mtext, &w, &p->mdesc, &e);
		if (rc == 1)
			rc = lfs_err_set(&e, -EINVAL, "the index names another index");
	}
	if (rc < 0) {
		lfs_platform_format(&p->plat, plat, sizeof(plat));
		if (w.have[0])
			return lfs_errorf(ctx, "pull: %s: no manifest for %s (it has %s; see --platform)",
					  p->source, plat, w.have);
		/* The reason alone: the source names what it is about. */
		return lfs_errorf(ctx, "pull: %s: %s", p->source, e.msg);
	}
	p->mdesc.size = p->mlen;
	if (lfs_oci_parse_manifest(p->mtext, &p->man, &e))
		return lfs_errorf(ctx, "pull: manifest %s: %s", p->mdesc.digest,
				  e.msg);
	return 0;
}

/* The temporary layout, named after the manifest (a later pull resumes). */
static int lfs_pull_layout(struct lfs_ctx *ctx, struct lfs_pull *p)
{
	int rc;

	p->dir = lfs_reg_tmpdir(ctx, "pull", ".pull-", p->mdesc.digest + 7);
	if (!p->dir)
		return 1;
	p->dirfd = open(p->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (p->dirfd < 0 ||
	    (mkdirat(p->dirfd, "blobs", 0700) && errno != EEXIST) ||
	    (mkdirat(p->dirfd, "blobs/sha256", 0700) && errno != EEXIST))
		return lfs_errorf(ctx, "pull: %s: %s", p->dir, strerror(errno));
	rc = lfs_reg_write_file(p->dirfd, "oci-layout", lfs_oci_layout_json(),
				strlen(lfs_oci_layout_json()), 0600);
	if (!rc) {
		char path[128];

		snprintf(path, sizeof(path), "blobs/sha256/%s",
			 p->mdesc.digest + 7);
		rc = lfs_reg_write_file(p->dirfd, path, p->mtext, p->mlen, 0600);
	}
	if (rc)
		return lfs_errorf(ctx, "pull: %s: %s", p->dir, strerror(-rc));
	return 0;
}

/* Item @i of the pool: blob todo[i] into the layout, from BLOB.part. */
static int lfs_pull_blob(void *arg, size_t i, struct lfs_reg *reg,
			 struct lfs_err *e)
{
	struct lfs_pull *p = arg;
	const struct lfs_oci_desc *d = p->todo[i];
	struct lfs_xv_ref ref = { &p->view, p->rows[i] };
	char path[128], part[136];
	uint64_t have = 0, had;
	struct stat st;
	int fd, rc;

	snprintf(path, sizeof(path), "blobs/sha256/%s", d->digest + 7);
	snprintf(part, sizeof(part), "%s.part", path);
	if (!fstatat(p->dirfd, path, &st, AT_SYMLINK_NOFOLLOW) &&
	    S_ISREG(st.st_mode) && (uint64_t)st.st_size == d->size) {
		/* whole from an earlier pull; load checks it */
		lfs_xv_end(&p->view, ref.row, "Already downloaded",
			   "%s downloaded before", d->digest);
		return 0;
	}
	fd = openat(p->dirfd, part, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW,
		    0600);
	if (fd < 0 || fstat(fd, &st)) {
		rc = lfs_err_set(e, -errno, "%s/%s", p->dir, part);
		if (fd >= 0)
			close(fd);
		return rc;
	}
	had = have = (uint64_t)st.st_size;
	lfs_xv_set(&p->view, ref.row, "Downloading", d->size, 1);
	reg->progress = lfs_xv_hook;
	reg->progress_arg = &ref;
	rc = lfs_reg_blob_fetch(reg, d->digest, d->size, fd, &have);
	reg->progress = NULL;
	if (!rc && fsync(fd))
		rc = lfs_err_set(&reg->err, -errno, "%s/%s", p->dir, part);
	close(fd);
	if (!rc && renameat(p->dirfd, part, p->dirfd, path))
		rc = lfs_err_set(&reg->err, -errno, "%s/%s", p->dir, path);
	if (rc) {
		if (rc == -EIO && have > 0)
			__atomic_store_n(&p->keep, 1, __ATOMIC_RELAXED);
		else
			unlinkat(p->dirfd, part, 0);
		*e = reg->err;
		return rc;
	}
	if (had && had < d->size)
		lfs_xv_end(&p->view, ref.row, "Download complete",
			   "%s downloaded %llu bytes (resumed at %llu)",
			   d->digest, (unsigned long long)d->size,
			   (unsigned long long)had);
	else
		lfs_xv_end(&p->view, ref.row, "Download complete",
			   "%s downloaded %llu bytes", d->digest,
			   (unsigned long long)d->size);
	__atomic_add_fetch(&p->fetched, 1, __ATOMIC_RELAXED);
	return 0;
}

/* Downloads todo[0 .. n_todo - 1], several at once.  0 or 1. */
static int lfs_pull_run(struct lfs_ctx *ctx, struct lfs_pull *p)
{
	struct lfs_err e = LFS_ERR_INIT;
	int rc;

	rc = lfs_pool_run(&p->reg, p->o.jobs, p->n_todo, lfs_pull_blob, p, &e);
	p->n_todo = 0;
	if (!rc)
		return 0;
	lfs_xv_finish(&p->view);
	lfs_err_prefix(&e, rc, "pull");
	return lfs_err_report(ctx, &e);
}

/* Blob @d to download next, in row @row. */
static void lfs_pull_want(struct lfs_pull *p, const struct lfs_oci_desc *d)
{
	p->rows[p->n_todo] = lfs_xv_add(&p->view, d->digest, "Waiting", d->size,
					0);
	p->todo[p->n_todo++] = d;
}

/* The config: downloaded and parsed. */
static int lfs_pull_config(struct lfs_ctx *ctx, struct lfs_pull *p)
{
	struct lfs_err e = LFS_ERR_INIT;
	char path[128], *text = NULL;
	size_t n = p->man.n_layers;
	int rc;

	if (p->man.config.size > LFS_CONFIG_MAX)
		return lfs_errorf(ctx, "pull: config %s: %llu bytes (at most 4 MiB)",
				  p->man.config.digest,
				  (unsigned long long)p->man.config.size);
	p->todo = calloc(n + 1, sizeof(*p->todo));
	p->rows = calloc(n + 1, sizeof(*p->rows));
	if (!p->todo || !p->rows ||
	    lfs_xv_init(&p->view, ctx->out,
			lfs_xv_mode_for(ctx->out, p->o.quiet), n + 1))
		return lfs_errorf(ctx, "pull: out of memory");
	lfs_pull_want(p, &p->man.config);
	if (lfs_pull_run(ctx, p))
		return 1;
	snprintf(path, sizeof(path), "blobs/sha256/%s", p->man.config.digest + 7);
	rc = lfs_reg_read_file(p->dirfd, path, &text, NULL);
	if (!rc && lfs_oci_parse_config(text, &p->cfg, &e))
		rc = -EINVAL;
	free(text);
	if (rc)
		return lfs_errorf(ctx, "pull: config %s: %s", p->man.config.digest,
				  rc == -EINVAL ? e.msg : strerror(-rc));
	if (!n || p->cfg.n_diff_ids != n)
		return lfs_errorf(ctx, "pull: the manifest lists %zu layers, the config %zu diff_ids",
				  n, p->cfg.n_diff_ids);
	return 0;
}

/* The config, then each layer the store does not have yet. */
static int lfs_pull_blobs(struct lfs_ctx *ctx, struct lfs_pull *p)
{
	char chain[LFS_DIGEST_LEN], prev[LFS_DIGEST_LEN], lname[LFS_NAME_BUF];
	size_t i, n = p->man.n_layers, row;

	if (lfs_pull_config(ctx, p))
		return 1;
	for (i = 0; i < n; i++) {
		if (lfs_oci_chain_id(i ? prev : NULL, p->cfg.diff_ids[i], chain))
			return lfs_errorf(ctx, "pull: config %s: bad diff_id",
					  p->man.config.digest);
		memcpy(prev, chain, sizeof(prev));
		snprintf(lname, sizeof(lname), LFS_CHAIN_PREFIX "%s", lfs_digest_hex(chain));
		/* load uses a registered lower layer as it is */
		if (i + 1 < n && lfs_pull_registered(p, lname)) {
			row = lfs_xv_add(&p->view, p->man.layers[i].digest, "",
					 0, 0);
			lfs_xv_end(&p->view, row, "Already in the store",
				   "%s in the store (%s)",
				   p->man.layers[i].digest, lname);
			p->skipped++;
			continue;
		}
		lfs_pull_want(p, &p->man.layers[i]);
	}
	if (lfs_pull_run(ctx, p))
		return 1;
	lfs_xv_finish(&p->view);
	return 0;
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

/* Layer @i's record (layerdg.h): the registered layer @name's key. */
static void lfs_pull_dg(struct lfs_pull *p, size_t i, const char *name,
			struct lfs_layerdg *dg)
{
	struct lfs_layer k = { 0 }, *got = NULL;
	const struct lfs_oci_desc *d = &p->man.layers[i];

	k.name = name;
	dg->key[0] = '\0';
	if (lfs_nl_layer_lookup(p->nl, &k, &got, NULL))
		return;
	if (!lfs_layerdg_key(got->path, got->created, dg->key)) {
		snprintf(dg->diff_id, sizeof(dg->diff_id), "%s",
			 p->cfg.diff_ids[i]);
		memcpy(dg->digest, d->digest, sizeof(dg->digest));
		dg->size = d->size;
		snprintf(dg->media_type, sizeof(dg->media_type), "%s",
			 d->media_type);
	}
	free(got);
}

/* Which blob each layer came from, for a later push (layerdg.h). */
static void lfs_pull_record_layers(struct lfs_ctx *ctx, struct lfs_pull *p)
{
	char chain[LFS_DIGEST_LEN], prev[LFS_DIGEST_LEN], lname[LFS_NAME_BUF];
	size_t i, n = p->man.n_layers;
	struct lfs_layerdg *dg = calloc(n, sizeof(*dg));

	for (i = 0; dg && i < n; i++) {
		if (lfs_oci_chain_id(i ? prev : NULL, p->cfg.diff_ids[i], chain))
			break;
		memcpy(prev, chain, sizeof(prev));
		snprintf(lname, sizeof(lname), LFS_CHAIN_PREFIX "%s",
			 lfs_digest_hex(chain));
		lfs_pull_dg(p, i, i + 1 < n ? lname : p->name, &dg[i]);
	}
	if (dg)
		lfs_layerdg_record(lfs_store_root(ctx->store), dg, n);
	free(dg);
}

/* index.json, then 'layerctl load DIR NAME'. */
static int lfs_pull_load(struct lfs_ctx *ctx, struct lfs_pull *p)
{
	char plat[96], *idx;
	int rc;

	idx = lfs_reg_layout_index(&p->mdesc, p->name,
				   p->from_index ? &p->plat : NULL);
	if (!idx)
		return lfs_errorf(ctx, "pull: out of memory");
	rc = lfs_reg_write_file(p->dirfd, "index.json", idx, strlen(idx), 0600);
	free(idx);
	if (rc)
		return lfs_errorf(ctx, "pull: %s/index.json: %s", p->dir,
				  strerror(-rc));
	lfs_platform_format(&p->plat, plat, sizeof(plat));
	{
		static const char *const lim[] = { "--max-size",
			"--max-entry-size", "--max-entries" };
		char *argv[13] = { (char *)"layerctl", (char *)"load", p->dir,
				   p->name, (char *)"--platform", plat };
		int i, n = 6;

		/* pull's limits, as given, for load's extraction */
		for (i = 0; i < 3; i++) {
			if (!p->o.limit[i])
				continue;
			argv[n++] = (char *)lim[i];
			argv[n++] = (char *)p->o.limit[i];
		}
		rc = lfs_reg_run(ctx, argv, 0);
	}
	if (rc)
		return 1;
	lfs_pull_record(ctx, p);
	lfs_pull_record_layers(ctx, p);
	fprintf(ctx->out, "%s: %s (%u blobs downloaded, %u layers in the store)\n",
		p->name, p->mdesc.digest, p->fetched, p->skipped);
	return 0;
}

static void lfs_pull_cleanup(struct lfs_ctx *ctx, struct lfs_pull *p)
{
	if (p->dirfd >= 0)
		close(p->dirfd);
	if (p->dir && p->keep)
		fprintf(ctx->err, "layerctl: pull: the partial download stays in %s; pull again to resume\n",
			p->dir);
	else if (p->dir)
		lfs_reg_tmpdir_remove(p->dir);
	lfs_reg_close(&p->reg);
	lfs_xv_free(&p->view);
	free(p->todo);
	free(p->rows);
	lfs_oci_manifest_free(&p->man);
	lfs_oci_config_free(&p->cfg);
	free(p->mtext);
	free(p->dir);
}

int cmd_pull(struct lfs_ctx *ctx, int argc, char **argv)
{
	struct lfs_pull p = { .dirfd = -1 };
	int rc;

	rc = lfs_pull_parse(ctx, argc, argv, &p);
	if (rc != LFS_PARSED)
		return rc;
	rc = lfs_pull_check(ctx, &p) || lfs_pull_manifest(ctx, &p) ||
	     lfs_pull_layout(ctx, &p) || lfs_pull_blobs(ctx, &p) ||
	     lfs_pull_load(ctx, &p);
	lfs_pull_cleanup(ctx, &p);
	return rc;
}
