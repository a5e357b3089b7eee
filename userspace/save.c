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

/* Writes @len bytes as a blob; @digest receives its digest. */
static int lfs_save_blob(struct lfs_ctx *ctx, int blobfd, const char *ref,
			 const char *data, size_t len, char *digest)
{
	char tmp[] = ".tmp-blob";
	int fd, rc;

	lfs_oci_sha256_digest(data, len, digest);
	fd = openat(blobfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return lfs_oci_fail(ctx, "save", ref, errno, "cannot write a blob");
	rc = (size_t)write(fd, data, len) != len;
	if (fsync(fd))
		rc = 1;
	if (close(fd))
		rc = 1;
	if (rc || renameat(blobfd, tmp, blobfd, digest + 7)) {
		unlinkat(blobfd, tmp, 0);
		return lfs_oci_fail(ctx, "save", ref, errno ? errno : EIO,
				    "cannot write blob %s", digest);
	}
	return 0;
}

static int lfs_save_file(struct lfs_ctx *ctx, int dirfd, const char *ref,
			 const char *name, const char *text)
{
	char tmp[64];
	size_t len = strlen(text);
	int fd, rc;

	snprintf(tmp, sizeof(tmp), ".%s.tmp", name);
	fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return lfs_oci_fail(ctx, "save", ref, errno, "cannot write %s",
				    name);
	rc = (size_t)write(fd, text, len) != len;
	if (fsync(fd))
		rc = 1;
	if (close(fd))
		rc = 1;
	if (rc || renameat(dirfd, tmp, dirfd, name)) {
		unlinkat(dirfd, tmp, 0);
		return lfs_oci_fail(ctx, "save", ref, errno ? errno : EIO,
				    "cannot write %s", name);
	}
	return 0;
}

/* Exports @l as a blob; fills @ol. */
static int lfs_save_layer(struct lfs_ctx *ctx, int blobfd, const char *ref,
			  const struct lfs_layer *l, enum lfs_compress comp,
			  struct lfs_oci_layer *ol)
{
	struct lfs_tar_digests d;
	char err[1024];
	const char *tmp = ".tmp-layer";
	int fd, rc;

	fd = openat(blobfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return lfs_oci_fail(ctx, "save", ref, errno, "cannot write a blob");
	rc = lfs_tar_export(l->path, fd, comp, &d, err, sizeof(err));
	if (rc) {
		close(fd);
		unlinkat(blobfd, tmp, 0);
		return lfs_oci_fail(ctx, "save", ref, 0, "layer '%s': %s",
				    l->name, err);
	}
	if (fsync(fd) | close(fd) ||
	    renameat(blobfd, tmp, blobfd, d.digest + 7)) {
		unlinkat(blobfd, tmp, 0);
		return lfs_oci_fail(ctx, "save", ref, errno, "layer '%s'",
				    l->name);
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

/*
 * Creates @dir (*@created = 1) or accepts an existing empty directory.
 * 0, or 1 after reporting.
 */
static int lfs_save_mkdir(struct lfs_ctx *ctx, const char *ref,
			  const char *dir, int *created)
{
	struct stat st;
	int fd;

	*created = 0;
	if (mkdir(dir, 0755) == 0) {
		*created = 1;
		return 0;
	}
	if (errno != EEXIST || stat(dir, &st) || !S_ISDIR(st.st_mode))
		return lfs_oci_fail(ctx, "save", ref, errno ? errno : ENOTDIR,
				    "%s", dir);
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return lfs_oci_fail(ctx, "save", ref, errno, "%s", dir);
	/* empty? */
	{
		DIR *dp = fdopendir(fd);
		struct dirent *de;
		int n = 0;

		if (!dp) {
			close(fd);
			return lfs_oci_fail(ctx, "save", ref, errno, "%s", dir);
		}
		while ((de = readdir(dp)))
			if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
				n++;
		closedir(dp);
		if (n)
			return lfs_oci_fail(ctx, "save", ref, ENOTEMPTY,
					    "%s is not empty", dir);
	}
	return 0;
}

/* The arguments: REF alone, -o DIR, one compression.  0 or the exit status. */
static int lfs_save_usage_check(struct lfs_ctx *ctx, int npos, char **pos,
				const char *dir, int ncomp)
{
	if (npos < 1)
		return lfs_usage_error(ctx, "save", lfs_usage_save, "missing REF");
	if (npos > 1)
		return lfs_usage_error(ctx, "save", lfs_usage_save,
				       "unexpected argument '%s'", pos[1]);
	if (!dir)
		return lfs_usage_error(ctx, "save", lfs_usage_save,
				       "missing -o DIR");
	if (ncomp > 1)
		return lfs_usage_error(ctx, "save", lfs_usage_save,
				       "--gzip, --zstd and --uncompressed exclude each other");
	return 0;
}

int cmd_save(struct lfs_ctx *ctx, int argc, char **argv)
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
	enum lfs_compress comp = LFS_COMPRESS_GZIP;
	struct lfs_chain chain = { NULL, 0 };
	struct lfs_oci_layer *ol = NULL;
	char *cfg = NULL, *man = NULL, *idx = NULL;
	char cfg_digest[LFS_DIGEST_LEN], man_digest[LFS_DIGEST_LEN];
	const char *dir = NULL, *ref, *platform = NULL;
	struct lfs_platform plat;
	struct lfs_nl *nl;
	int c, dirfd = -1, blobfd = -1, created = 0, ret = 1, ncomp = 0;
	size_t i, n;

	lfs_opt_reset();
	while ((c = getopt_long(argc, argv, ":o:zZuP:h", opts, NULL)) != -1) {
		switch (c) {
		case 'o':
			dir = optarg;
			break;
		case 'z':
			comp = LFS_COMPRESS_GZIP;
			ncomp++;
			break;
		case 'Z':
			comp = LFS_COMPRESS_ZSTD;
			ncomp++;
			break;
		case 'u':
			comp = LFS_COMPRESS_NONE;
			ncomp++;
			break;
		case 'P':
			platform = optarg;
			break;
		case 'h':
			return lfs_usage(ctx, lfs_usage_save, 0);
		default:
			return lfs_usage_opt(ctx, "save", lfs_usage_save, c,
					     argv, opts);
		}
	}
	c = lfs_save_usage_check(ctx, argc - optind, argv + optind, dir, ncomp);
	if (c)
		return c;
	ref = argv[optind];
	if (lfs_oci_platform(ctx, "save", platform, &plat) ||
	    lfs_check_name(ctx, "layer", ref) || lfs_ctx_nl(ctx, &nl) ||
	    lfs_oci_chain(ctx, nl, ref, &chain))
		return 1;
	n = chain.n;
	ol = calloc(n, sizeof(*ol));
	if (!ol) {
		lfs_oci_fail(ctx, "save", ref, ENOMEM, "%s", "");
		goto out;
	}
	if (lfs_save_mkdir(ctx, ref, dir, &created))
		goto out;
	dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0 ||
	    (mkdirat(dirfd, "blobs", 0755) && errno != EEXIST) ||
	    (mkdirat(dirfd, "blobs/sha256", 0755) && errno != EEXIST) ||
	    (blobfd = openat(dirfd, "blobs/sha256", O_RDONLY | O_DIRECTORY |
			     O_CLOEXEC)) < 0) {
		lfs_oci_fail(ctx, "save", ref, errno, "%s", dir);
		goto fail;
	}
	/* bottom layer first */
	for (i = 0; i < n; i++) {
		const struct lfs_layer *l = chain.v[n - 1 - i];
		char *by = NULL;

		if (lfs_save_layer(ctx, blobfd, ref, l, comp, &ol[i]))
			goto fail;
		if (asprintf(&by, "layerfs layer %s", l->name) < 0) {
			lfs_oci_fail(ctx, "save", ref, ENOMEM, "%s", "");
			goto fail;
		}
		ol[i].created_by = by;
	}
	cfg = lfs_oci_config_json(ol, n, &plat);
	if (!cfg) {
		lfs_oci_fail(ctx, "save", ref, ENOMEM, "config");
		goto fail;
	}
	if (lfs_save_blob(ctx, blobfd, ref, cfg, strlen(cfg), cfg_digest))
		goto fail;
	man = lfs_oci_manifest_json(cfg_digest, strlen(cfg), ol, n, NULL);
	if (!man) {
		lfs_oci_fail(ctx, "save", ref, ENOMEM, "manifest");
		goto fail;
	}
	if (lfs_save_blob(ctx, blobfd, ref, man, strlen(man), man_digest))
		goto fail;
	idx = lfs_oci_index_json(man_digest, strlen(man), ref, &plat);
	if (!idx) {
		lfs_oci_fail(ctx, "save", ref, ENOMEM, "index");
		goto fail;
	}
	if (lfs_save_file(ctx, dirfd, ref, "oci-layout", lfs_oci_layout_json()) ||
	    lfs_save_file(ctx, dirfd, ref, "index.json", idx))
		goto fail;
	fprintf(ctx->err, "manifest %s\nconfig %s\n", man_digest, cfg_digest);
	for (i = 0; i < n; i++)
		fprintf(ctx->err, "layer %s diff_id %s %s\n", ol[i].digest,
			ol[i].diff_id, chain.v[n - 1 - i]->name);
	ret = 0;
	goto out;
fail:
	/* leave DIR as it was */
	if (dirfd >= 0) {
		unlinkat(dirfd, "index.json", 0);
		unlinkat(dirfd, "oci-layout", 0);
		lfs_rm_rf_at(dirfd, "blobs");
	}
	if (created)
		rmdir(dir);
out:
	if (blobfd >= 0)
		close(blobfd);
	if (dirfd >= 0)
		close(dirfd);
	for (i = 0; ol && i < n; i++)
		free((char *)ol[i].created_by);
	free(ol);
	free(cfg);
	free(man);
	free(idx);
	lfs_chain_free(&chain);
	return ret;
}
