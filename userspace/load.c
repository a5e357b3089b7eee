// SPDX-License-Identifier: GPL-2.0
/* layerctl load DIR [REF] */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/layerfs.h>

#include "blobkeep.h"
#include "cmd.h"
#include "fsdir.h"
#include "layerdg.h"
#include "nl.h"
#include "oci.h"
#include "oci_cmd.h"
#include "layout_tar.h"
#include "parse.h"
#include "regcmd.h"

static const char lfs_usage_load[] =
	"Usage: layerctl load DIR|FILE.tar|- [REF] [--platform OS/ARCH[/VARIANT]]\n"
	"                     [--no-keep-blob] [LIMITS]\n"
	"       layerctl load [-i FILE.tar] [REF] [OPTIONS]\n"
	"\n"
	"Import the image of the OCI image layout DIR (as written by\n"
	"'layerctl save', skopeo, umoci, buildah, ...) into the store and\n"
	"register its layers, each the parent of the next, with the creation\n"
	"time, author and comment of its config history entry.  The manifest\n"
	"is the first for the platform (see --platform) among those annotated\n"
	"org.opencontainers.image.ref.name=REF (all of them if none is), in\n"
	"the index or a nested index; a manifest without a platform is taken\n"
	"only if it is the only one.  Without one for the platform, load fails\n"
	"and lists the platforms the index has.  The top layer is named REF,\n"
	"or the manifest's ref.name annotation when REF is not given (it must\n"
	"then be a valid layer name).  The layers below are\n"
	"named oci/chain:HEX after their OCI chain id and shared: one that is\n"
	"registered already is used as it is; so the top layer may be named\n"
	"oci/chain:HEX only after its own chain id.  Every blob is checked against\n"
	"its digest and size, and every layer against its config diff_id.  On\n"
	"failure the layers this load added are removed again.  Each layer is\n"
	"extracted as `layerctl import` does, within the limits (LIMITS, per\n"
	"layer).\n"
	"\n"
	"The compressed blob of each layer this load adds is kept in the store\n"
	"(blobs/sha256/HEX: a hard link when the layout is on the store's\n"
	"filesystem and the file is the caller's, as an archive's always is,\n"
	"else a copy; unless --no-keep-blob) and recorded as that layer's\n"
	"blob, so that a later push or save sends it as it came instead of\n"
	"compressing the layer again.\n"
	"\n"
	"The layout may come in one tar archive (plain, gzip, bzip2, xz or zstd), as\n"
	"`layerctl save` without a directory and `docker save` write it: a\n"
	"regular FILE, -i FILE, or standard input ('-', or neither DIR nor -i;\n"
	"refused on a terminal).  Its layout members (oci-layout, index.json,\n"
	"manifest.json, blobs/sha256/HEX) are extracted into a temporary\n"
	"directory of the store, within --max-entry-size and --max-entries,\n"
	"and within --max-size all together (they are written before their\n"
	"digests are checked); other members are skipped and an unsafe path\n"
	"refuses the archive, as does an xz archive whose decoder needs more\n"
	"than 256 MiB of memory.\n"
	"\n"
	"Options:\n"
	"  -i, --input=FILE  read the archive FILE ('-': standard input)\n"
	"  -P, --platform=OS/ARCH[/VARIANT]  the platform to load, as OCI names\n"
	"              it (linux/amd64, linux/arm64/v8, linux/arm/v7, ...);\n"
	"              default: this machine's (uname -m: x86_64 is amd64,\n"
	"              aarch64 arm64/v8, armv7l arm/v7, i686 386, ...)\n"
	"      --no-keep-blob  keep no compressed layer blob in the store\n"
	LFS_OCI_LIMIT_HELP
	"  -h, --help  show this help\n";

#define LFS_JSON_BLOB_MAX (4U << 20)
#define LFS_NAME_BUF (LAYERFS_NAME_MAX + 1)

/* What the command line asks for, and what load works out on the way. */
struct lfs_load {
	const char *dir;		/* the layout */
	const char *what;		/* for messages: DIR or the archive */
	const char *archive;		/* -i FILE, FILE, "-", or NULL */
	int afd;			/* the archive FILE, opened; or -1 */
	char *tmp;			/* the archive's layout, in the store */
	const char *ref;		/* REF, or the manifest's name */
	const char *platform;		/* --platform, or NULL */
	struct lfs_tar_limits limits;
	struct lfs_platform plat;
	struct lfs_oci_want want;
	int dirfd;
	struct lfs_oci_desc mdesc;	/* the manifest's descriptor */
	struct lfs_oci_manifest man;
	struct lfs_oci_config cfg;
	char *ref_name;			/* the index's name for it */
	char name[LFS_REF_BUF];		/* ref, ':latest' if untagged */
	size_t n;			/* layers, bottom first */
	char (*names)[LFS_NAME_BUF];	/* their refs */
	char (*keys)[LFS_KEY_LEN + 1];	/* their store keys, "" if none */
	size_t done;			/* imported by this load so far */
	int no_keep;			/* --no-keep-blob */
};

/* "blobs/sha256/HEX" of @digest into @path. */
static void lfs_load_blob_path(char *path, size_t len, const char *digest)
{
	snprintf(path, len, "%s/%s", LFS_BLOB_DIR, lfs_digest_hex(digest));
}

/*
 * Reads the file @name in @dirfd: a regular file of *@size bytes if @size
 * is not NULL, and of at most LFS_JSON_BLOB_MAX.  *@out: NUL-terminated.
 */
static int lfs_load_read(int dirfd, const char *name, const uint64_t *size,
			 char **out, size_t *outlen, struct lfs_err *e)
{
	struct stat st;
	size_t len = 0;
	char *buf;
	ssize_t r = 0;
	int fd;

	*out = NULL;
	fd = lfs_open_regular(dirfd, name, 0, &st);
	if (fd < 0 && fd != -EINVAL)
		return lfs_err_set(e, fd, "file '%s'", name);
	if (fd < 0 || (size && (uint64_t)st.st_size != *size) ||
	    st.st_size > (off_t)LFS_JSON_BLOB_MAX) {
		if (fd >= 0)
			close(fd);
		if (size)
			lfs_err_set(e, 0, "file '%s': not a regular file of the size its descriptor gives: %llu bytes, at most 4 MiB",
				    name, (unsigned long long)*size);
		else
			lfs_err_set(e, 0, "file '%s': not a regular file of at most 4 MiB",
				    name);
		return -EINVAL;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		close(fd);
		return lfs_err_set(e, -ENOMEM, "file '%s'", name);
	}
	while (len < (size_t)st.st_size) {
		r = read(fd, buf + len, (size_t)st.st_size - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		len += (size_t)r;
	}
	if (len < (size_t)st.st_size)
		lfs_err_set(e, r < 0 ? -errno : -EIO, "file '%s'", name);
	close(fd);
	if (len < (size_t)st.st_size) {
		free(buf);
		return e->code;
	}
	buf[len] = '\0';
	*out = buf;
	*outlen = len;
	return 0;
}

/* Reads the JSON blob @desc names, its digest checked. */
static int lfs_load_json_blob(int dirfd, const struct lfs_oci_desc *desc,
			      char **out, struct lfs_err *e)
{
	char path[128], got[LFS_DIGEST_LEN];
	size_t len;
	int rc;

	lfs_load_blob_path(path, sizeof(path), desc->digest);
	rc = lfs_load_read(dirfd, path, &desc->size, out, &len, e);
	if (rc)
		return rc;
	lfs_oci_sha256_digest(*out, len, got);
	if (strcmp(got, desc->digest))
		lfs_err_set(e, 0, "file '%s': digest mismatch, the content is %s",
			    path, got);
	else if (strlen(*out) != len)
		lfs_err_set(e, 0, "file '%s': NUL byte in JSON", path);
	else
		return 0;
	free(*out);
	*out = NULL;
	return -EINVAL;
}

/*
 * The manifest descriptor of DIR's index.json for L->want (ref,
 * platform), through one nested index.  L->ref_name: the top index's
 * annotation.
 */
static int lfs_load_pick(struct lfs_load *L, struct lfs_err *e)
{
	struct lfs_oci_want *w = &L->want;
	char *index = NULL, *nested = NULL, *rn2 = NULL, plat[96];
	char where[LFS_DIGEST_LEN + 16] = "file 'index.json'";
	size_t len;
	int rc;

	rc = lfs_load_read(L->dirfd, "index.json", NULL, &index, &len, e);
	if (rc)
		return rc;
	rc = lfs_oci_parse_index(index, w, &L->mdesc, &L->ref_name, e);
	if (!rc && (!strcmp(L->mdesc.media_type, LFS_MT_INDEX) ||
		    !strcmp(L->mdesc.media_type, LFS_MT_DOCKER_LIST))) {
		snprintf(where, sizeof(where), "index '%s'", L->mdesc.digest);
		rc = lfs_load_json_blob(L->dirfd, &L->mdesc, &nested, e);
		if (!rc)
			rc = lfs_oci_parse_index(nested, w, &L->mdesc, &rn2, e);
		else
			where[0] = '\0';	/* its own message */
	}
	if (rc && where[0]) {
		lfs_platform_format(w->plat, plat, sizeof(plat));
		if (w->have[0])
			lfs_err_set(e, 0, "%s: no manifest for %s, it has %s: see --platform",
				    where, plat, w->have);
		else
			lfs_err_prefix(e, rc, "%s", where);
	}
	free(rn2);
	free(nested);
	free(index);
	return rc;
}

/*
 * The image's name: REF (already with ':latest' if untagged), else the
 * index's, which gets ':latest' here if it has no tag; a valid layer name.
 */
static int lfs_load_name(struct lfs_load *L, struct lfs_err *e)
{
	const char *why;

	if (L->ref)
		return 0;
	if (!L->ref_name) {
		lfs_err_set(e, 0, "the manifest has no org.opencontainers.image.ref.name: give REF");
		return -EINVAL;
	}
	why = lfs_name_check(L->ref_name);
	if (!why && (lfs_ref_latest(L->ref_name, L->name, sizeof(L->name)) ||
		     lfs_name_check(L->name)))
		why = "longer than 255 bytes with ':latest'";
	if (why) {
		lfs_err_set(e, 0, "the manifest's name '%s' is not a valid layer name: %s: give REF",
			    L->ref_name, why);
		return -EINVAL;
	}
	L->ref = L->name;
	return 0;
}

/* The manifest and the config, and room for the layers' names and keys. */
static int lfs_load_manifest(struct lfs_load *L, struct lfs_err *e)
{
	char *mtext = NULL, *ctext = NULL, chain[LFS_DIGEST_LEN];
	int rc;

	rc = lfs_load_json_blob(L->dirfd, &L->mdesc, &mtext, e);
	if (!rc && lfs_oci_parse_manifest(mtext, &L->man, e))
		rc = lfs_err_prefix(e, -EINVAL, "manifest '%s'",
				    L->mdesc.digest);
	if (!rc)
		rc = lfs_load_json_blob(L->dirfd, &L->man.config, &ctext, e);
	if (!rc && lfs_oci_parse_config(ctext, &L->cfg, e))
		rc = lfs_err_prefix(e, -EINVAL, "config '%s'",
				    L->man.config.digest);
	free(mtext);
	free(ctext);
	if (rc)
		return rc;
	L->n = L->man.n_layers;
	if (!L->n || L->cfg.n_diff_ids != L->n) {
		lfs_err_set(e, 0, "the manifest lists %zu layers, the config %zu diff_ids",
			    L->n, L->cfg.n_diff_ids);
		return -EINVAL;
	}
	rc = lfs_oci_chain_name_check(L->ref, &L->cfg, chain, e);
	if (rc == -EPERM && !L->want.ref)	/* the layout named it */
		lfs_err_prefix(e, 0, "the manifest's ref.name annotation");
	if (rc)
		return rc;
	L->names = calloc(L->n, sizeof(*L->names));
	L->keys = calloc(L->n, sizeof(*L->keys));
	if (!L->names || !L->keys)
		return lfs_err_set(e, -ENOMEM, "cannot note its %zu layers",
				   L->n);
	return 0;
}

/* Reads the layout: what to load, and under which names. */
static int lfs_load_plan(struct lfs_load *L, struct lfs_err *e)
{
	char *layout = NULL;
	size_t len;
	int rc;

	L->dirfd = open(L->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (L->dirfd < 0)
		return lfs_err_set(e, -errno, "%s", "");
	rc = lfs_load_read(L->dirfd, "oci-layout", NULL, &layout, &len, e);
	if (!rc && lfs_oci_parse_layout(layout, e))
		rc = lfs_err_prefix(e, -EINVAL, "file 'oci-layout'");
	free(layout);
	if (!rc)
		rc = lfs_load_pick(L, e);
	if (!rc)
		rc = lfs_load_name(L, e);
	if (!rc)
		rc = lfs_load_manifest(L, e);
	return rc;
}

/*
 * Layer @i's name: REF for the top, else "oci/chain:HEX" of its chain id
 * (the same lower layers, loaded twice, are one layer).  *@shared: such a
 * layer is registered already.
 */
static int lfs_load_layer_name(struct lfs_nl *nl, struct lfs_load *L,
			       size_t i, char *chain, int *shared,
			       struct lfs_err *e)
{
	struct lfs_layer k = { 0 }, *got = NULL;
	char prev[LFS_DIGEST_LEN];

	memcpy(prev, chain, sizeof(prev));
	*shared = 0;
	if (lfs_oci_chain_id(i ? prev : NULL, L->cfg.diff_ids[i], chain)) {
		lfs_err_set(e, 0, "bad diff_id");
		return -EINVAL;
	}
	if (i + 1 == L->n) {
		snprintf(L->names[i], sizeof(L->names[i]), "%s", L->ref);
		return 0;
	}
	snprintf(L->names[i], sizeof(L->names[i]), LFS_CHAIN_PREFIX "%s",
		 lfs_digest_hex(chain));
	k.name = L->names[i];
	if (!lfs_nl_layer_lookup(nl, &k, &got, NULL)) {
		free(got);
		*shared = 1;
	}
	return 0;
}

/* Imports layer @i of the image (its name set). */
static int lfs_load_one(struct lfs_ctx *ctx, struct lfs_store *st,
			struct lfs_nl *nl, struct lfs_load *L, size_t i,
			struct lfs_err *e)
{
	const struct lfs_oci_hist *h = &L->cfg.hist[i];
	struct lfs_import im = { 0 };
	struct lfs_tar_digests d;
	char path[128];
	struct stat sb;
	int rc;

	lfs_load_blob_path(path, sizeof(path), L->man.layers[i].digest);
	im.fd = lfs_open_regular(L->dirfd, path, 0, &sb);
	if (im.fd == -EINVAL) {
		lfs_err_set(e, 0, "file '%s': not a regular file", path);
		return lfs_err_prefix(e, -EINVAL, "load '%s'", L->what);
	}
	if (im.fd < 0) {
		lfs_err_set(e, im.fd, "file '%s'", path);
		return lfs_err_prefix(e, e->code, "load '%s'", L->what);
	}
	im.what = path;
	im.origin = "load";
	im.limits = L->limits;
	im.ref = L->names[i];
	im.parent = i ? L->names[i - 1] : NULL;
	/* A history text too long for a layer is left out. */
	im.author = lfs_text_fits(h->author) ? h->author : NULL;
	im.message = lfs_text_fits(h->comment) ? h->comment : NULL;
	im.created = h->created_ns;
	im.blob = L->man.layers[i].digest;
	im.diff_id = L->cfg.diff_ids[i];
	rc = lfs_oci_import_layer(ctx, st, nl, &im, L->keys[i], &d, e);
	close(im.fd);
	if (rc)
		return rc;
	if (d.blob_size != L->man.layers[i].size) {
		lfs_oci_unimport(st, nl, L->names[i], L->keys[i]);
		L->keys[i][0] = '\0';
		lfs_err_set(e, 0, "load '%s': file '%s': %llu bytes, the manifest says %llu",
			    L->what, path, (unsigned long long)d.blob_size,
			    (unsigned long long)L->man.layers[i].size);
		return -EINVAL;
	}
	fprintf(ctx->err, "layer %s %s\n", L->names[i], d.diff_id);
	return 0;
}

/*
 * Imports the layers, bottom first, skipping lower ones an earlier load
 * registered; on failure undoes this load's layers, top first.
 */
static int lfs_load_layers(struct lfs_ctx *ctx, struct lfs_store *st,
			   struct lfs_nl *nl, struct lfs_load *L,
			   struct lfs_err *e)
{
	struct lfs_layer k = { 0 }, *got = NULL;
	char chain[LFS_DIGEST_LEN] = "";
	int rc = 0, shared;
	size_t i;

	k.name = L->ref;
	if (!lfs_nl_layer_lookup(nl, &k, &got, NULL)) {
		free(got);
		return lfs_err_named(e, -EEXIST, "a layer of that name exists",
				     "layer '%s'", L->ref);
	}
	rc = lfs_oci_name_not_tag(st, L->ref, e);
	if (rc)
		return rc;
	for (i = 0; i < L->n && !rc; i++) {
		rc = lfs_load_layer_name(nl, L, i, chain, &shared, e);
		if (rc)
			lfs_err_prefix(e, rc, "load '%s'", L->what);
		else if (!shared)
			rc = lfs_load_one(ctx, st, nl, L, i, e);
		if (!rc)
			L->done = i + 1;
	}
	if (rc)
		for (i = L->done; i-- > 0;)
			if (L->keys[i][0])
				lfs_oci_unimport(st, nl, L->names[i], L->keys[i]);
	return rc;
}

/*
 * Layer @i, added by this load, as its blob's layer (layerdg.h) in @dg,
 * and that blob kept (blobkeep.h) unless --no-keep-blob.  Best effort:
 * a cache; @dg->key stays "" if the layer's key cannot be had.
 */
static void lfs_load_keep_one(struct lfs_store *st, struct lfs_nl *nl,
			      struct lfs_load *L, size_t i,
			      struct lfs_layerdg *dg)
{
	const struct lfs_oci_desc *d = &L->man.layers[i];
	char path[128];

	if (lfs_oci_layer_record(nl, L->names[i], L->cfg.diff_ids[i], d, dg) ||
	    L->no_keep)
		return;
	lfs_load_blob_path(path, sizeof(path), d->digest);
	lfs_keep_file(st->fd, L->dirfd, path, d->digest);
}

/* The blobs of the layers this load added: kept and recorded. */
static void lfs_load_keep(struct lfs_store *st, struct lfs_nl *nl,
			  struct lfs_load *L)
{
	struct lfs_layerdg *dg = calloc(L->n, sizeof(*dg));
	size_t i, n = 0;

	if (!dg)
		return;
	for (i = 0; i < L->n; i++) {
		if (!L->keys[i][0])
			continue;	/* registered before: not this load's */
		lfs_load_keep_one(st, nl, L, i, &dg[n]);
		if (dg[n].key[0])
			n++;
	}
	if (n)
		lfs_layerdg_record(st->root, dg, n);
	free(dg);
}

/* Whether @path is a regular file (an archive), not a layout directory. */
static int lfs_load_is_file(const char *path)
{
	struct stat st;

	return !stat(path, &st) && S_ISREG(st.st_mode);
}

/*
 * The archive's layout members into a new temporary directory of the
 * store, which becomes L->dir.  0, 1 after reporting, or a negative errno
 * in @e.
 */
static int lfs_load_unpack(struct lfs_ctx *ctx, struct lfs_load *L,
			   struct lfs_err *e)
{
	FILE *in = L->afd < 0 ? (ctx->in ? ctx->in : stdin) : NULL;
	int dirfd, rc;

	L->tmp = lfs_reg_tmpdir(ctx, ".load-", NULL);
	if (!L->tmp)
		return 1;
	dirfd = open(L->tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0)
		rc = lfs_err_set(e, -errno,
				 "cannot open the temporary directory '%s'",
				 L->tmp);
	else
		rc = lfs_layout_tar_read(in, L->afd, dirfd, &L->limits, e);
	if (dirfd >= 0)
		close(dirfd);
	L->dir = L->tmp;
	return rc;
}

static int lfs_load_parse(struct lfs_ctx *ctx, int argc, char **argv,
			  struct lfs_load *L)
{
	static const struct option opts[] = {
		{ "platform", required_argument, NULL, 'P' },
		{ "input", required_argument, NULL, 'i' },
		{ "no-keep-blob", no_argument, NULL, LFS_OPT_NO_KEEP },
		LFS_OCI_LIMIT_OPTIONS,
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	int c, npos;

	lfs_opt_reset();
	while ((c = getopt_long(argc, argv, ":P:i:h", opts, NULL)) != -1) {
		switch (c) {
		case 'P':
			L->platform = optarg;
			break;
		case 'i':
			L->archive = optarg;
			break;
		case LFS_OPT_NO_KEEP:
			L->no_keep = 1;
			break;
		case LFS_OPT_MAX_SIZE:
		case LFS_OPT_MAX_ENTRY_SIZE:
		case LFS_OPT_MAX_ENTRIES:
			if (lfs_oci_limit_opt(ctx, "load", lfs_usage_load, c,
					      optarg, &L->limits))
				return LFS_EXIT_USAGE;
			break;
		case 'h':
			return lfs_usage(ctx, lfs_usage_load, 0);
		default:
			return lfs_usage_opt(ctx, "load", lfs_usage_load, c,
					     argv, opts);
		}
	}
	npos = argc - optind;
	if (npos > (L->archive ? 1 : 2))
		return lfs_usage_error(ctx, "load", lfs_usage_load,
				       "unexpected argument '%s'",
				       argv[argc - 1]);
	if (!L->archive && npos)
		L->dir = argv[optind++];
	L->ref = optind < argc ? argv[optind] : NULL;
	if (!L->archive && (!L->dir || !strcmp(L->dir, "-") ||
			    lfs_load_is_file(L->dir))) {
		L->archive = L->dir ? L->dir : "-";
		L->dir = NULL;
	}
	L->what = L->archive ? L->archive : L->dir;
	if (L->archive && !strcmp(L->archive, "-")) {
		L->what = "standard input";
		if (!ctx->in && isatty(STDIN_FILENO))
			return lfs_errorf(ctx, "load: refusing to read an archive from a terminal: give DIR, -i FILE.tar or redirect standard input");
	}
	if (L->ref && lfs_check_new_ref(ctx, "layer", L->ref, L->name,
					sizeof(L->name)))
		return 1;
	if (lfs_oci_platform(ctx, L->platform, &L->plat))
		return 1;
	L->want.plat = &L->plat;
	/* the manifest annotated REF as given, if any is */
	L->want.ref = L->ref;
	if (L->ref)
		L->ref = L->name;
	return LFS_PARSED;
}

int cmd_load(struct lfs_ctx *ctx, int argc, char **argv)
{
	struct lfs_load L = { .limits = LFS_TAR_LIMITS_DEFAULT, .dirfd = -1,
			      .afd = -1 };
	struct lfs_store st = LFS_STORE_INIT;
	struct lfs_err e = LFS_ERR_INIT;
	struct lfs_nl *nl;
	int rc;

	rc = lfs_load_parse(ctx, argc, argv, &L);
	if (rc != LFS_PARSED)
		return rc;
	/*
	 * The archive FILE opened before anything is made (a missing one
	 * leaves no store behind); then the store: it is unpacked in it.
	 */
	rc = 0;
	if (L.archive && strcmp(L.archive, "-")) {
		L.afd = open(L.archive, O_RDONLY | O_CLOEXEC);
		if (L.afd < 0)
			rc = lfs_err_set(&e, -errno, "%s", "");
	}
	if (!rc && L.archive)
		rc = lfs_ctx_store(ctx, &st, 1, &e);
	if (!rc && L.archive)
		rc = lfs_load_unpack(ctx, &L, &e);
	if (rc > 0)
		goto out;	/* reported */
	if (!rc)
		rc = lfs_load_plan(&L, &e);
	if (rc)
		rc = lfs_err_prefix(&e, rc, "load '%s'", L.what);
	if (!rc)
		rc = lfs_ctx_nl(ctx, &nl, &e);
	if (!rc && !st.root)
		rc = lfs_ctx_store(ctx, &st, 1, &e);
	if (!rc)
		rc = lfs_load_layers(ctx, &st, nl, &L, &e);
	if (!rc)
		lfs_load_keep(&st, nl, &L);
	if (rc && (e.code || e.msg[0]))
		lfs_err_report(ctx, &e);
out:
	if (L.tmp) {
		lfs_reg_tmpdir_remove(L.tmp);
		free(L.tmp);
	}
	if (L.dirfd >= 0)
		close(L.dirfd);
	if (L.afd >= 0)
		close(L.afd);
	lfs_store_close(&st);
	lfs_oci_manifest_free(&L.man);
	lfs_oci_config_free(&L.cfg);
	free(L.names);
	free(L.keys);
	free(L.ref_name);
	return rc ? 1 : 0;
}
