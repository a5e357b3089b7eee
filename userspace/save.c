// SPDX-License-Identifier: GPL-2.0
/* layerctl save REF -o DIR [--gzip|--zstd|--uncompressed] */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd.h"
#include "nl.h"
#include "oci.h"
#include "oci_cmd.h"
#include "ocitar.h"
#include "parse.h"

static const char lfs_usage_save[] =
	"Usage: layerctl save REF -o DIR [--gzip|--zstd|--uncompressed]\n"
	"                     [--platform OS/ARCH[/VARIANT]]\n"
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
	"Options:\n"
	"  -o, --output=DIR    the layout directory (required)\n"
	"  -z, --gzip          gzip layers (the default)\n"
	"  -Z, --zstd          zstd layers\n"
	"  -u, --uncompressed  plain tar layers\n"
	"  -P, --platform=OS/ARCH[/VARIANT]  the platform the config and the\n"
	"                      index say the image is for (default: this\n"
	"                      machine's, as OCI names it: linux/amd64 on\n"
	"                      x86_64, linux/arm64/v8 on aarch64, linux/arm/v7\n"
	"                      on armv7l, linux/386 on i686, ...)\n"
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

/* Exports @l as a blob; fills @ol. */
static int lfs_save_layer(int blobfd, const struct lfs_layer *l,
			  enum lfs_compress comp, struct lfs_oci_layer *ol,
			  struct lfs_err *e)
{
	struct lfs_tar_digests d;
	const char *tmp = ".tmp-layer";
	int fd, rc;

	fd = openat(blobfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return lfs_err_set(e, -errno, "cannot write a blob");
	rc = lfs_tar_export(l->path, fd, comp, &d, e);
	if (!rc && (fsync(fd) | close(fd) ||
		    renameat(blobfd, tmp, blobfd, lfs_digest_hex(d.digest))))
		rc = lfs_err_set(e, -errno, "%s", "");
	else if (rc)
		close(fd);
	if (rc) {
		unlinkat(blobfd, tmp, 0);
		return lfs_err_prefix(e, rc, "layer '%s'", l->name);
	}
	memcpy(ol->digest, d.digest, LFS_DIGEST_LEN);
	memcpy(ol->diff_id, d.diff_id, LFS_DIGEST_LEN);
	ol->size = d.blob_size;
	ol->media_type = lfs_oci_layer_media_type(comp);
	ol->created_ns = l->has & LFS_HAS_CREATED ? l->created : 0;
	ol->author = l->author;
	ol->comment = l->message;
	return 0;
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

/*
 * Creates @dir (*@created = 1) or accepts an existing empty directory
 * (*@ours = 1 either way: save may remove what it writes there), and
 * opens it and its blobs/sha256 (made if missing).
 */
static int lfs_save_mkdir(const char *dir, int *created, int *ours,
			  int *dirfd, int *blobfd, struct lfs_err *e)
{
	struct stat st;
	int rc;

	*created = mkdir(dir, 0755) == 0;
	*ours = 0;
	if (!*created && (errno != EEXIST || stat(dir, &st) ||
			  !S_ISDIR(st.st_mode)))
		return lfs_err_set(e, errno ? -errno : -ENOTDIR, "%s", dir);
	*dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (*dirfd < 0)
		return lfs_err_set(e, -errno, "%s", dir);
	rc = *created ? 0 : lfs_save_empty(*dirfd);
	if (rc == -ENOTEMPTY)
		return lfs_err_set(e, rc, "%s is not empty", dir);
	if (rc)
		return lfs_err_set(e, rc, "%s", dir);
	*ours = 1;
	if ((mkdirat(*dirfd, "blobs", 0755) && errno != EEXIST) ||
	    (mkdirat(*dirfd, LFS_BLOB_DIR, 0755) && errno != EEXIST) ||
	    (*blobfd = openat(*dirfd, LFS_BLOB_DIR, O_RDONLY | O_DIRECTORY |
			      O_CLOEXEC)) < 0)
		return lfs_err_set(e, -errno, "%s", dir);
	return 0;
}

/* What the command line asks for. */
struct lfs_save_args {
	const char *ref;
	const char *dir;
	enum lfs_compress comp;
	struct lfs_platform plat;
};

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
		case 'h':
			return lfs_usage(ctx, lfs_usage_save, 0);
		default:
			return lfs_usage_opt(ctx, "save", lfs_usage_save, c,
					     argv, opts);
		}
	}
	return LFS_PARSED;
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
	if (!a->dir)
		return lfs_usage_error(ctx, "save", lfs_usage_save,
				       "missing -o DIR");
	if (ncomp > 1)
		return lfs_usage_error(ctx, "save", lfs_usage_save,
				       "--gzip, --zstd and --uncompressed exclude each other");
	a->ref = argv[optind];
	if (lfs_oci_platform(ctx, "save", platform, &a->plat) ||
	    lfs_check_name(ctx, "layer", a->ref))
		return 1;
	return LFS_PARSED;
}

/* The layers of @chain as blobs, bottom first, into @ol. */
static int lfs_save_layers(int blobfd, const struct lfs_chain *chain,
			   enum lfs_compress comp, struct lfs_oci_layer *ol,
			   struct lfs_err *e)
{
	size_t i, n = chain->n;
	int rc;

	for (i = 0; i < n; i++) {
		const struct lfs_layer *l = chain->v[n - 1 - i];
		char *by = NULL;

		rc = lfs_save_layer(blobfd, l, comp, &ol[i], e);
		if (rc)
			return rc;
		if (asprintf(&by, "layerfs layer %s", l->name) < 0)
			return lfs_err_set(e, -ENOMEM, "%s", "");
		ol[i].created_by = by;
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
	char *cfg, *man = NULL, *idx = NULL;
	int rc;

	cfg = lfs_oci_config_json(ol, n, &a->plat);
	rc = cfg ? lfs_save_blob(blobfd, cfg, cfg_digest, e) :
		   lfs_err_set(e, -ENOMEM, "config");
	if (!rc) {
		man = lfs_oci_manifest_json(cfg_digest, strlen(cfg), ol, n, NULL);
		rc = man ? lfs_save_blob(blobfd, man, man_digest, e) :
			   lfs_err_set(e, -ENOMEM, "manifest");
	}
	if (!rc) {
		idx = lfs_oci_index_json(man_digest, strlen(man), a->ref,
					 &a->plat);
		rc = idx ? 0 : lfs_err_set(e, -ENOMEM, "index");
	}
	if (!rc)
		rc = lfs_save_file(dirfd, "oci-layout", lfs_oci_layout_json(), e);
	if (!rc)
		rc = lfs_save_file(dirfd, "index.json", idx, e);
	free(cfg);
	free(man);
	free(idx);
	return rc;
}

/* Writes the image of @chain into a->dir; on failure leaves it as it was. */
static int lfs_save_write(struct lfs_ctx *ctx, const struct lfs_save_args *a,
			  const struct lfs_chain *chain,
			  struct lfs_oci_layer *ol, struct lfs_err *e)
{
	char cfg_digest[LFS_DIGEST_LEN], man_digest[LFS_DIGEST_LEN];
	int dirfd = -1, blobfd = -1, created = 0, ours = 0, rc;
	size_t i, n = chain->n;

	rc = lfs_save_mkdir(a->dir, &created, &ours, &dirfd, &blobfd, e);
	if (!rc)
		rc = lfs_save_layers(blobfd, chain, a->comp, ol, e);
	if (!rc)
		rc = lfs_save_image(dirfd, blobfd, a, ol, n, cfg_digest,
				    man_digest, e);
	if (!rc) {
		fprintf(ctx->err, "manifest %s\nconfig %s\n", man_digest,
			cfg_digest);
		for (i = 0; i < n; i++)
			fprintf(ctx->err, "layer %s diff_id %s %s\n",
				ol[i].digest, ol[i].diff_id,
				chain->v[n - 1 - i]->name);
	} else if (ours) {
		/* leave DIR as it was */
		unlinkat(dirfd, "index.json", 0);
		unlinkat(dirfd, "oci-layout", 0);
		lfs_rm_rf_at(dirfd, "blobs");
	}
	if (rc && created)
		rmdir(a->dir);
	if (blobfd >= 0)
		close(blobfd);
	if (dirfd >= 0)
		close(dirfd);
	return rc;
}

int cmd_save(struct lfs_ctx *ctx, int argc, char **argv)
{
	struct lfs_save_args a = { .comp = LFS_COMPRESS_GZIP };
	struct lfs_chain chain = { NULL, 0 };
	struct lfs_err e = LFS_ERR_INIT;
	struct lfs_oci_layer *ol = NULL;
	struct lfs_nl *nl;
	size_t i;
	int rc;

	rc = lfs_save_parse(ctx, argc, argv, &a);
	if (rc != LFS_PARSED)
		return rc;
	if (lfs_ctx_nl(ctx, &nl, &e))
		return lfs_err_report(ctx, &e);
	if (lfs_image_chain(nl, a.ref, &chain, &e))
		return lfs_err_report(ctx, &e);
	ol = calloc(chain.n, sizeof(*ol));
	rc = ol ? lfs_save_write(ctx, &a, &chain, ol, &e) :
		  lfs_err_set(&e, -ENOMEM, "%s", "");
	if (rc) {
		lfs_err_prefix(&e, rc, "save '%s'", a.ref);
		rc = lfs_err_report(ctx, &e);
	}
	for (i = 0; ol && i < chain.n; i++)
		free((char *)ol[i].created_by);
	free(ol);
	lfs_chain_free(&chain);
	return rc;
}
