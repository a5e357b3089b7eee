// SPDX-License-Identifier: GPL-2.0
/*
 * layerctl save REF [-o DIR|FILE.tar|-] [--gzip|--zstd|--uncompressed]:
 * an OCI image layout in DIR, or the same layout in one tar (through a
 * temporary layout in the store).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "blobkeep.h"
#include "cmd.h"
#include "fsdir.h"
#include "layerdg.h"
#include "nl.h"
#include "oci.h"
#include "oci_cmd.h"
#include "ocitar.h"
#include "layout_tar.h"
#include "parse.h"
#include "regcmd.h"
#include "save.h"

static const char lfs_usage_save[] =
	"Usage: layerctl save REF -o DIR [--gzip|--zstd|--uncompressed]\n"
	"                     [--platform OS/ARCH[/VARIANT]] [--no-keep-blob]\n"
	"       layerctl save REF [-o FILE.tar|-] [OPTIONS]\n"
	"\n"
	"Write the image REF as an OCI image layout in DIR (created; it must be\n"
	"missing or empty): oci-layout, index.json (one manifest, annotated\n"
	"org.opencontainers.image.ref.name=REF), the manifest, the config\n"
	"(rootfs.diff_ids and one history entry per layer from its creation\n"
	"time, author and message) and blobs/sha256/.  The image is REF and,\n"
	"per the Images rule, its BASE layers if it has a BASE, else its\n"
	"parent's image; the bottom layer comes first.  Each layer is written\n"
	"as 'layerctl export' writes it.  Readable by skopeo (oci:DIR), umoci,\n"
	"podman and containerd.  On failure DIR is left as it was.\n"
	"\n"
	"A layer whose blob the store keeps (ROOT/blobs/sha256/HEX, for the\n"
	"layer as it is now: the store's file layer-digests says which blob\n"
	"that is), in the compression asked for, is not compressed again: the\n"
	"kept file goes into the layout (a hard link on the same filesystem,\n"
	"else a copy) once its size and SHA-256 are checked (one that does not\n"
	"match is deleted).  A gzip layer compressed here is kept in the store\n"
	"the same way (unless --no-keep-blob) and recorded in layer-digests,\n"
	"for the next save or push.\n"
	"\n"
	"With -o FILE.tar (a name ending in .tar), -o - or no -o, the same\n"
	"layout goes into one tar archive, with a manifest.json as `docker save`\n"
	"writes it, so that `docker load` and `layerctl load` read it: FILE.tar\n"
	"(replaced once complete), or standard output (-o -, or no -o, which\n"
	"is refused when standard output is a terminal, as docker does).  The\n"
	"layout is written in a temporary directory of the store first.\n"
	"\n"
	"Options:\n"
	"  -o, --output=DIR|FILE.tar|-  the layout directory, or the archive\n"
	"                      (default: an archive on standard output)\n"
	"  -z, --gzip          gzip layers (the default)\n"
	"  -Z, --zstd          zstd layers\n"
	"  -u, --uncompressed  plain tar layers\n"
	"  -P, --platform=OS/ARCH[/VARIANT]  the platform the config and the\n"
	"                      index say the image is for (default: this\n"
	"                      machine's, as OCI names it: linux/amd64 on\n"
	"                      x86_64, linux/arm64/v8 on aarch64, linux/arm/v7\n"
	"                      on armv7l, linux/386 on i686, ...)\n"
	"      --no-keep-blob  keep no new compressed layer blob in the store\n"
	"                      (blobs kept before are still used)\n"
	"  -h, --help          show this help\n";

/* Writes @text as the file @name of @dirfd, atomically. */
static int lfs_save_file(int dirfd, const char *name, const char *text,
			 struct lfs_err *e)
{
	/* A read-only view of @text. */
	const struct lfs_buf b = { (char *)text, strlen(text),
				   strlen(text) + 1, 0 };
	int rc = lfs_store_write_atomic(dirfd, name, &b);

	return rc ? lfs_err_set(e, rc, "cannot write %s", name) : 0;
}

/* Writes @text as a blob; @digest receives its digest. */
static int lfs_save_blob(int blobfd, const char *text, char *digest,
			 struct lfs_err *e)
{
	lfs_oci_sha256_digest(text, strlen(text), digest);
	if (lfs_save_file(blobfd, lfs_digest_hex(digest), text, e))
		return lfs_err_set(e, e->code, "cannot write blob %s", digest);
	return 0;
}

/*
 * Exports @l as a blob; fills @ol.  Through a new temporary file (never
 * one planted by whoever can write the layout directory).
 */
static int lfs_save_layer(int blobfd, const struct lfs_layer *l,
			  enum lfs_compress comp, struct lfs_oci_layer *ol,
			  struct lfs_err *e)
{
	char tmp[NAME_MAX + 1];
	int fd, rc;

	fd = lfs_tmp_create(blobfd, "layer", tmp, sizeof(tmp), 0644);
	if (fd < 0)
		return lfs_err_set(e, fd, "cannot write a blob");
	rc = lfs_oci_layer_blob(l, fd, comp, ol, e);
	if (!rc && (fsync(fd) | close(fd) ||
		    renameat(blobfd, tmp, blobfd, lfs_digest_hex(ol->digest)))) {
		rc = lfs_err_named(e, -errno, "cannot write its blob",
				   "layer '%s'", l->name);
	} else if (rc) {
		close(fd);
	}
	if (rc)
		unlinkat(blobfd, tmp, 0);
	return rc;
}

/* Whether the directory @dirfd is empty: 0, -ENOTEMPTY or -errno. */
static int lfs_save_empty(int dirfd)
{
	char **names;
	size_t n, i;
	int rc = lfs_dir_names(dirfd, &names, &n);

	if (rc)
		return rc;
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return n ? -ENOTEMPTY : 0;
}

/* DIR, as save made or found it. */
struct lfs_save_dir {
	int fd;			/* DIR, open */
	int parentfd;		/* the directory save made DIR in, or -1 */
	char *base;		/* DIR's name there */
	int ours;		/* save may remove what it writes in DIR */
};

#define LFS_SAVE_DIR_INIT { -1, -1, NULL, 0 }

/*
 * Makes @dir in its parent, held open in @d->parentfd, and opens it:
 * -errno if it cannot be made.  The parent stays the one DIR was made in
 * whatever its path names later (its owner may move it, or a directory
 * above it), so that a failed save removes the directory it made, not
 * another one of that name (lfs_save_unmake()).
 */
static int lfs_save_make(const char *dir, struct lfs_save_dir *d)
{
	char *p1 = strdup(dir), *p2 = strdup(dir);
	int rc = -ENOMEM;

	if (p1 && p2) {
		/* O_PATH: mkdir(2) needs no read permission on it. */
		d->parentfd = open(dirname(p1), O_PATH | O_DIRECTORY |
				   O_CLOEXEC);
		d->base = strdup(basename(p2));
		if (d->parentfd < 0)
			rc = -errno;
		else if (!d->base)
			rc = -ENOMEM;
		else
			rc = mkdirat(d->parentfd, d->base, 0755) ? -errno : 0;
	}
	free(p1);
	free(p2);
	if (!rc) {
		/* No link: the parent's owner could have put one there. */
		d->fd = openat(d->parentfd, d->base, O_RDONLY | O_DIRECTORY |
			       O_NOFOLLOW | O_CLOEXEC);
		return d->fd < 0 ? -errno : 0;
	}
	if (d->parentfd >= 0)
		close(d->parentfd);
	d->parentfd = -1;
	return rc;
}

/*
 * Removes the directory lfs_save_make() made, from the parent it made it
 * in, if that still holds it under its name (else it is left: moved, it
 * is its parent's owner's).
 */
static void lfs_save_unmake(const struct lfs_save_dir *d)
{
	struct stat made, now;

	if (d->parentfd < 0 || d->fd < 0 || fstat(d->fd, &made) ||
	    fstatat(d->parentfd, d->base, &now, AT_SYMLINK_NOFOLLOW) ||
	    made.st_dev != now.st_dev || made.st_ino != now.st_ino)
		return;
	unlinkat(d->parentfd, d->base, AT_REMOVEDIR);
}

static void lfs_save_dir_close(struct lfs_save_dir *d)
{
	if (d->fd >= 0)
		close(d->fd);
	if (d->parentfd >= 0)
		close(d->parentfd);
	free(d->base);
	d->fd = d->parentfd = -1;
	d->base = NULL;
}

/*
 * Creates @dir (lfs_save_make()) or accepts an existing empty directory
 * (@d->ours = 1 either way: save may remove what it writes there), and
 * opens it.  Either way it is found empty through the fd that save then
 * writes through.
 */
static int lfs_save_mkdir(const char *dir, struct lfs_save_dir *d,
			  struct lfs_err *e)
{
	struct stat st;
	int rc;

	rc = lfs_save_make(dir, d);
	if (rc && d->parentfd >= 0)	/* made, not opened */
		return lfs_err_named(e, rc, "cannot open it",
				     "directory '%s'", dir);
	if (rc && (rc != -EEXIST || stat(dir, &st)))
		return lfs_err_named(e, rc == -EEXIST ? -errno : rc,
				     "cannot create it", "directory '%s'", dir);
	if (rc && !S_ISDIR(st.st_mode))
		return lfs_err_named(e, -EEXIST, "not a directory",
				     "directory '%s'", dir);
	if (rc) {
		d->fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (d->fd < 0)
			return lfs_err_named(e, -errno, "cannot open it",
					     "directory '%s'", dir);
	}
	rc = lfs_save_empty(d->fd);
	if (rc == -ENOTEMPTY)
		return lfs_err_set(e, rc, "directory '%s' is not empty", dir);
	if (rc)
		return lfs_err_named(e, rc, "cannot read it",
				     "directory '%s'", dir);
	d->ours = 1;
	return 0;
}

/*
 * The directory @name of @dirfd, made if missing, opened without
 * following a link: an fd, -ELOOP for a link (planted by the owner of
 * the layout directory, who may be another user), or -errno.
 */
static int lfs_save_subdir(int dirfd, const char *name)
{
	struct stat st;
	int fd;

	if (mkdirat(dirfd, name, 0755) && errno != EEXIST)
		return -errno;
	fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
		    O_CLOEXEC);
	if (fd >= 0)
		return fd;
	/* O_DIRECTORY says ENOTDIR for a link too */
	if (errno == ENOTDIR &&
	    !fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) &&
	    S_ISLNK(st.st_mode))
		return -ELOOP;
	return -errno;
}

/* blobs/sha256 of the layout @dirfd, made if missing: fd or -errno. */
static int lfs_save_blobdir(int dirfd)
{
	int bfd = lfs_save_subdir(dirfd, "blobs"), fd;

	if (bfd < 0)
		return bfd;
	fd = lfs_save_subdir(bfd, "sha256");
	close(bfd);
	return fd;
}

static int lfs_save_opts(struct lfs_ctx *ctx, int argc, char **argv,
			 struct lfs_save_args *a, int *ncomp,
			 const char **platform)
{
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "gzip", no_argument, NULL, 'z' },
		{ "zstd", no_argument, NULL, 'Z' },
		{ "uncompressed", no_argument, NULL, 'u' },
		{ "platform", required_argument, NULL, 'P' },
		{ "no-keep-blob", no_argument, NULL, LFS_OPT_NO_KEEP },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	int c;

	lfs_opt_reset();
	while ((c = getopt_long(argc, argv, ":o:zZuP:h", opts, NULL)) != -1) {
		switch (c) {
		case 'o':
			a->dir = optarg;
			break;
		case 'z':
		case 'Z':
		case 'u':
			a->comp = c == 'z' ? LFS_COMPRESS_GZIP :
				  c == 'Z' ? LFS_COMPRESS_ZSTD : LFS_COMPRESS_NONE;
			(*ncomp)++;
			break;
		case 'P':
			*platform = optarg;
			break;
		case LFS_OPT_NO_KEEP:
			a->no_keep = 1;
			break;
		case 'h':
			return lfs_usage(ctx, lfs_usage_save, 0);
		default:
			return lfs_usage_opt(ctx, "save", lfs_usage_save, c,
					     argv, opts);
		}
	}
	return LFS_PARSED;
}

/* Whether -o names an archive: "NAME.tar". */
static int lfs_save_is_tar(const char *path)
{
	size_t n = strlen(path);

	return n > 4 && !strcmp(path + n - 4, ".tar");
}

static int lfs_save_parse(struct lfs_ctx *ctx, int argc, char **argv,
			  struct lfs_save_args *a)
{
	const char *platform = NULL;
	int ncomp = 0, npos;
	int rc = lfs_save_opts(ctx, argc, argv, a, &ncomp, &platform);

	if (rc != LFS_PARSED)
		return rc;
	npos = argc - optind;
	if (npos < 1)
		return lfs_usage_error(ctx, "save", lfs_usage_save, "missing REF");
	if (npos > 1)
		return lfs_usage_error(ctx, "save", lfs_usage_save,
				       "unexpected argument '%s'", argv[optind + 1]);
	if (!a->dir || !strcmp(a->dir, "-") || lfs_save_is_tar(a->dir)) {
		a->archive = a->dir ? a->dir : "-";
		a->dir = NULL;
	}
	if (a->archive && !strcmp(a->archive, "-") && isatty(fileno(ctx->out)))
		return lfs_errorf(ctx, "save '%s': refusing to write an archive to a terminal: give -o FILE.tar or redirect standard output",
				  argv[optind]);
	if (ncomp > 1)
		return lfs_usage_error(ctx, "save", lfs_usage_save,
				       "--gzip, --zstd and --uncompressed exclude each other");
	a->ref = argv[optind];
	if (lfs_oci_platform(ctx, platform, &a->plat) ||
	    lfs_check_name(ctx, "layer", a->ref))
		return 1;
	return LFS_PARSED;
}

/*
 * Layer @l from the blob the store keeps for it, if it keeps one in
 * @comp: 0 with @ol filled; 1 if none (@dg: its key, or ""); or an error.
 */
static int lfs_save_kept(int blobfd, const struct lfs_save_args *a,
			 const struct lfs_layer *l, struct lfs_oci_layer *ol,
			 struct lfs_layerdg *dg, struct lfs_err *e)
{
	const char *mt = lfs_oci_layer_media_type(a->comp);
	struct lfs_layerdg r;

	dg->key[0] = '\0';
	if (a->rootfd < 0 || lfs_layerdg_key(l->path, l->created, dg->key) ||
	    lfs_layerdg_lookup(a->root, dg->key, &r) ||
	    strcmp(lfs_layerdg_media_type(r.media_type), mt) ||
	    lfs_keep_place(a->rootfd, r.digest, r.size, blobfd,
			   lfs_digest_hex(r.digest)))
		return 1;
	lfs_layerdg_to_layer(&r, ol);	/* its media type is @mt */
	*dg = r;	/* recorded again: the most recent line */
	return lfs_oci_layer_history(l, ol, e);
}

/*
 * Layer @l as a blob into @ol: the kept one, else compressed (and, gzip,
 * kept and recorded in @dg).
 */
static int lfs_save_one(int blobfd, const struct lfs_save_args *a,
			const struct lfs_layer *l, struct lfs_oci_layer *ol,
			struct lfs_layerdg *dg, struct lfs_err *e)
{
	int rc = lfs_save_kept(blobfd, a, l, ol, dg, e);

	if (rc <= 0)
		return rc;
	rc = lfs_save_layer(blobfd, l, a->comp, ol, e);
	if (rc || !dg->key[0] || a->comp != LFS_COMPRESS_GZIP) {
		dg->key[0] = '\0';
		return rc;
	}
	lfs_layerdg_from_layer(dg, ol);
	/* best effort: a cache */
	if (!a->no_keep)
		lfs_keep_file(a->rootfd, blobfd, lfs_digest_hex(ol->digest),
			      ol->digest);
	return 0;
}

/* The layers of @chain as blobs, bottom first, into @ol. */
static int lfs_save_layers(int blobfd, const struct lfs_save_args *a,
			   const struct lfs_chain *chain,
			   struct lfs_oci_layer *ol, struct lfs_err *e)
{
	size_t i, n = chain->n;
	int rc;

	for (i = 0; i < n; i++) {
		rc = lfs_save_one(blobfd, a, chain->v[n - 1 - i], &ol[i],
				  &a->dg[i], e);
		if (rc)
			return rc;
	}
	return 0;
}

/*
 * The config and manifest blobs and the index of the saved layers @ol:
 * the digests into @cfg_digest and @man_digest.
 */
static int lfs_save_image(int dirfd, int blobfd, const struct lfs_save_args *a,
			  const struct lfs_oci_layer *ol, size_t n,
			  char *cfg_digest, char *man_digest,
			  struct lfs_err *e)
{
	char *cfg = NULL, *man = NULL, *idx = NULL, *docker = NULL;
	int rc;

	rc = lfs_oci_image_docs(ol, n, &a->plat, &cfg, cfg_digest, &man,
				man_digest, e);
	if (!rc)
		rc = lfs_save_blob(blobfd, cfg, cfg_digest, e);
	if (!rc)
		rc = lfs_save_blob(blobfd, man, man_digest, e);
	if (!rc) {
		idx = lfs_oci_index_json(man_digest, strlen(man), a->ref,
					 &a->plat);
		rc = idx ? 0 : lfs_err_set(e, -ENOMEM, "index");
	}
	if (!rc && a->archive) {
		free(docker);
		docker = lfs_oci_docker_manifest_json(cfg_digest, ol, n, a->ref);
		rc = docker ? lfs_save_file(dirfd, "manifest.json", docker, e) :
			      lfs_err_set(e, -ENOMEM, "manifest.json");
	}
	if (!rc)
		rc = lfs_save_file(dirfd, "oci-layout", lfs_oci_layout_json(), e);
	if (!rc)
		rc = lfs_save_file(dirfd, "index.json", idx, e);
	free(cfg);
	free(man);
	free(idx);
	free(docker);
	return rc;
}

int lfs_save_layout(int dirfd, const struct lfs_save_args *a,
		    const struct lfs_chain *chain, struct lfs_oci_layer *ol,
		    char *cfg_digest, char *man_digest, struct lfs_err *e)
{
	int blobfd = lfs_save_blobdir(dirfd), rc;

	if (blobfd < 0)
		return lfs_err_named(e, blobfd, "cannot create it",
				     "directory '%s'", LFS_BLOB_DIR);
	rc = lfs_save_layers(blobfd, a, chain, ol, e);
	if (!rc)
		rc = lfs_save_image(dirfd, blobfd, a, ol, chain->n, cfg_digest,
				    man_digest, e);
	close(blobfd);
	return rc;
}

/* Writes the image of @chain into a->dir; on failure leaves it as it was. */
static int lfs_save_write(struct lfs_ctx *ctx, const struct lfs_save_args *a,
			  const struct lfs_chain *chain,
			  struct lfs_oci_layer *ol, struct lfs_err *e)
{
	char cfg_digest[LFS_DIGEST_LEN], man_digest[LFS_DIGEST_LEN];
	struct lfs_save_dir d = LFS_SAVE_DIR_INIT;
	int dirfd, rc;
	size_t i, n = chain->n;

	rc = lfs_save_mkdir(a->dir, &d, e);
	dirfd = d.fd;
	if (!rc)
		rc = lfs_save_layout(dirfd, a, chain, ol, cfg_digest,
				     man_digest, e);
	if (!rc) {
		fprintf(ctx->err, "manifest %s\nconfig %s\n", man_digest,
			cfg_digest);
		for (i = 0; i < n; i++)
			fprintf(ctx->err, "layer %s diff_id %s %s\n",
				ol[i].digest, ol[i].diff_id,
				chain->v[n - 1 - i]->name);
	} else if (d.ours) {
		/* leave DIR as it was */
		unlinkat(dirfd, "index.json", 0);
		unlinkat(dirfd, "oci-layout", 0);
		unlinkat(dirfd, "manifest.json", 0);
		lfs_rm_rf_at(dirfd, "blobs");
	}
	if (rc)
		lfs_save_unmake(&d);
	lfs_save_dir_close(&d);
	return rc;
}

/* The layout in @dirfd as the archive @archive ("-": ctx->out). */
static int lfs_save_tar_out(struct lfs_ctx *ctx, const char *archive,
			    int dirfd, struct lfs_err *e)
{
	char *tmp = NULL;
	int fd, rc;

	if (!strcmp(archive, "-")) {
		rc = lfs_layout_tar_write(dirfd, ctx->out, -1, e);
		if (!rc && fflush(ctx->out))
			rc = lfs_err_set(e, -errno,
					 "cannot write the archive to standard output");
		return rc;
	}
	if (asprintf(&tmp, "%s.XXXXXX", archive) < 0)
		return lfs_err_named(e, -ENOMEM, "cannot create it",
				     "archive '%s'", archive);
	fd = mkstemp(tmp);
	if (fd < 0) {
		rc = lfs_err_named(e, -errno, "cannot create it",
				   "archive '%s'", archive);
		free(tmp);
		return rc;
	}
	rc = lfs_layout_tar_write(dirfd, NULL, fd, e);
	if (!rc && (fchmod(fd, 0644) || fsync(fd)))
		rc = lfs_err_named(e, -errno, "cannot write it",
				   "archive '%s'", archive);
	if (close(fd) && !rc)
		rc = lfs_err_named(e, -errno, "cannot write it",
				   "archive '%s'", archive);
	if (!rc && rename(tmp, archive))
		rc = lfs_err_named(e, -errno, "cannot put it in place",
				   "archive '%s'", archive);
	if (rc)
		unlink(tmp);
	free(tmp);
	return rc;
}

/*
 * The archive: the layout in a temporary directory of the store, then
 * that in one tar.  0, 1 after reporting, or a negative errno in @e.
 */
static int lfs_save_archive(struct lfs_ctx *ctx, struct lfs_save_args *a,
			    const struct lfs_chain *chain,
			    struct lfs_oci_layer *ol, struct lfs_err *e)
{
	char *tmp, *layout = NULL;
	int rc, dirfd = -1;

	tmp = lfs_reg_tmpdir(ctx, ".save-", NULL);
	if (!tmp)
		return 1;
	if (asprintf(&layout, "%s/layout", tmp) < 0) {
		rc = lfs_err_named(e, -ENOMEM, "cannot name the layout in it",
				   "temporary directory '%s'", tmp);
		goto out;
	}
	a->dir = layout;
	rc = lfs_save_write(ctx, a, chain, ol, e);
	if (!rc) {
		dirfd = open(layout, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (dirfd < 0)
			rc = lfs_err_named(e, -errno, "cannot open it",
					   "layout '%s'", layout);
	}
	if (!rc)
		rc = lfs_save_tar_out(ctx, a->archive, dirfd, e);
	if (dirfd >= 0)
		close(dirfd);
	a->dir = NULL;
out:
	lfs_reg_tmpdir_remove(tmp);
	free(tmp);
	free(layout);
	return rc;
}

int cmd_save(struct lfs_ctx *ctx, int argc, char **argv)
{
	struct lfs_save_args a = { .comp = LFS_COMPRESS_GZIP, .rootfd = -1 };
	struct lfs_store st = LFS_STORE_INIT;
	struct lfs_chain chain = { NULL, 0 };
	struct lfs_err e = LFS_ERR_INIT;
	struct lfs_oci_layer *ol = NULL;
	struct lfs_nl *nl;
	char *name = NULL;
	size_t i;
	int rc;

	rc = lfs_save_parse(ctx, argc, argv, &a);
	if (rc != LFS_PARSED)
		return rc;
	if (lfs_ctx_nl(ctx, &nl, &e))
		return lfs_err_report(ctx, &e);
	if (lfs_ref_resolve(ctx, nl, a.ref, &name, &e) ||
	    lfs_image_chain(nl, name, &chain, &e)) {
		free(name);
		return lfs_err_report(ctx, &e);
	}
	a.ref = name;
	/*
	 * the store's kept blobs and records, under its shared lock (prune
	 * waits); no store (or none to make): none used, none kept
	 */
	a.root = lfs_store_root(ctx->store);
	if (!lfs_ctx_store(ctx, &st, !a.no_keep, &e))
		a.rootfd = st.fd;
	lfs_err_clear(&e);
	ol = calloc(chain.n, sizeof(*ol));
	a.dg = calloc(chain.n, sizeof(*a.dg));
	if (!ol || !a.dg)
		rc = lfs_err_set(&e, -ENOMEM, "cannot note its %zu layers",
				 chain.n);
	else if (a.archive)
		rc = lfs_save_archive(ctx, &a, &chain, ol, &e);
	else
		rc = lfs_save_write(ctx, &a, &chain, ol, &e);
	if (rc > 0) {
		/* reported */
	} else if (rc) {
		lfs_err_prefix(&e, rc, "save '%s'", a.ref);
		rc = lfs_err_report(ctx, &e);
	} else if (a.rootfd >= 0) {
		/* which blob each layer is, for the next save or push */
		lfs_layerdg_record(a.root, a.dg, chain.n);
	}
	lfs_store_close(&st);
	for (i = 0; ol && i < chain.n; i++)
		free((char *)ol[i].created_by);
	free(a.dg);
	free(ol);
	free(name);
	lfs_chain_free(&chain);
	return rc;
}
