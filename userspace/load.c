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

#include "cmd.h"
#include "nl.h"
#include "oci.h"
#include "oci_cmd.h"
#include "parse.h"

static const char lfs_usage_load[] =
	"Usage: layerctl load DIR [REF] [--platform OS/ARCH[/VARIANT]] [LIMITS]\n"
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
	"registered already is used as it is.  Every blob is checked against\n"
	"its digest and size, and every layer against its config diff_id.  On\n"
	"failure the layers this load added are removed again.  Each layer is\n"
	"extracted as `layerctl import` does, within the limits (LIMITS, per\n"
	"layer).\n"
	"\n"
	"Options:\n"
	"  -P, --platform=OS/ARCH[/VARIANT]  the platform to load, as OCI names\n"
	"              it (linux/amd64, linux/arm64/v8, linux/arm/v7, ...);\n"
	"              default: this machine's (uname -m: x86_64 is amd64,\n"
	"              aarch64 arm64/v8, armv7l arm/v7, i686 386, ...)\n"
	LFS_OCI_LIMIT_HELP
	"  -h, --help  show this help\n";

#define LFS_JSON_BLOB_MAX (4U << 20)
#define LFS_NAME_BUF (LAYERFS_NAME_MAX + 1)

/* Reads blob @digest of at most LFS_JSON_BLOB_MAX bytes, checked. */
static int lfs_load_json_blob(struct lfs_ctx *ctx, int dirfd, const char *dir,
			      const struct lfs_oci_desc *desc, char **out)
{
	char path[128], got[LFS_DIGEST_LEN], *buf;
	struct stat st;
	ssize_t r;
	size_t len = 0;
	int fd;

	*out = NULL;
	snprintf(path, sizeof(path), "blobs/sha256/%s", desc->digest + 7);
	fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return lfs_oci_fail(ctx, "load", dir, errno, "%s", path);
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) ||
	    (uint64_t)st.st_size != desc->size ||
	    desc->size > LFS_JSON_BLOB_MAX) {
		close(fd);
		return lfs_oci_fail(ctx, "load", dir, 0,
				    "%s: not a regular file of the size its descriptor gives (%llu bytes, at most 4 MiB)",
				    path, (unsigned long long)desc->size);
	}
	buf = malloc(desc->size + 1);
	if (!buf) {
		close(fd);
		return lfs_oci_fail(ctx, "load", dir, ENOMEM, "%s", path);
	}
	while (len < desc->size) {
		r = read(fd, buf + len, desc->size - len);
		if (r <= 0) {
			if (r < 0 && errno == EINTR)
				continue;
			close(fd);
			free(buf);
			return lfs_oci_fail(ctx, "load", dir, r ? errno : EIO,
					    "%s", path);
		}
		len += (size_t)r;
	}
	close(fd);
	buf[len] = '\0';
	lfs_oci_sha256_digest(buf, len, got);
	if (strcmp(got, desc->digest)) {
		free(buf);
		return lfs_oci_fail(ctx, "load", dir, 0,
				    "%s: digest mismatch (the content is %s)",
				    path, got);
	}
	if (strlen(buf) != len) {
		free(buf);
		return lfs_oci_fail(ctx, "load", dir, 0, "%s: NUL byte in JSON",
				    path);
	}
	*out = buf;
	return 0;
}

/* Reads a small file of the layout (oci-layout, index.json). */
static int lfs_load_file(struct lfs_ctx *ctx, int dirfd, const char *dir,
			 const char *name, char **out)
{
	struct stat st;
	int fd, rc;
	char *text;

	*out = NULL;
	fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return lfs_oci_fail(ctx, "load", dir, errno, "%s", name);
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) ||
	    st.st_size > (off_t)LFS_JSON_BLOB_MAX) {
		close(fd);
		return lfs_oci_fail(ctx, "load", dir, 0,
				    "%s: not a regular file of at most 4 MiB", name);
	}
	text = malloc((size_t)st.st_size + 1);
	if (!text) {
		close(fd);
		return lfs_oci_fail(ctx, "load", dir, ENOMEM, "%s", name);
	}
	rc = read(fd, text, (size_t)st.st_size) != st.st_size;
	close(fd);
	if (rc) {
		free(text);
		return lfs_oci_fail(ctx, "load", dir, EIO, "%s", name);
	}
	text[st.st_size] = '\0';
	*out = text;
	return 0;
}

/*
 * The manifest descriptor of DIR's index.json for @w (ref, platform),
 * through one nested index.  *@ref_name: the top index's annotation.
 * 0, or 1 after reporting.
 */
static int lfs_load_pick(struct lfs_ctx *ctx, int dirfd, const char *dir,
			 struct lfs_oci_want *w, struct lfs_oci_desc *mdesc,
			 char **ref_name)
{
	char *index = NULL, *nested = NULL, *rn2 = NULL, plat[96];
	const char *why = "", *where = "index.json";
	int rc = 1;

	if (lfs_load_file(ctx, dirfd, dir, "index.json", &index))
		return 1;
	if (lfs_oci_parse_index(index, w, mdesc, ref_name, &why))
		goto fail;
	if (!strcmp(mdesc->media_type, LFS_MT_INDEX) ||
	    !strcmp(mdesc->media_type, LFS_MT_DOCKER_LIST)) {
		where = "nested index";
		if (lfs_load_json_blob(ctx, dirfd, dir, mdesc, &nested))
			goto out;
		if (lfs_oci_parse_index(nested, w, mdesc, &rn2, &why))
			goto fail;
	}
	rc = 0;
	goto out;
fail:
	lfs_platform_format(w->plat, plat, sizeof(plat));
	if (w->have[0])
		lfs_oci_fail(ctx, "load", dir, 0, "%s: no manifest for %s (it has %s; see --platform)",
			     where, plat, w->have);
	else
		lfs_oci_fail(ctx, "load", dir, 0, "%s: %s", where, why);
out:
	free(rn2);
	free(nested);
	free(index);
	return rc;
}

int cmd_load(struct lfs_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "platform", required_argument, NULL, 'P' },
		LFS_OCI_LIMIT_OPTIONS,
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct lfs_platform plat;
	struct lfs_oci_want want = { .plat = &plat };
	struct lfs_tar_limits limits = LFS_TAR_LIMITS_DEFAULT;
	const char *platform = NULL;
	struct lfs_oci_manifest man = { 0 };
	struct lfs_oci_config cfg = { 0 };
	struct lfs_oci_desc mdesc;
	struct lfs_store st = LFS_STORE_INIT;
	struct lfs_tar_digests d;
	char *layout = NULL, *mtext = NULL, *ctext = NULL;
	char *ref_name = NULL;
	char (*names)[LFS_NAME_BUF] = NULL;
	char (*keys)[LFS_KEY_LEN + 1] = NULL;
	char chain[LFS_DIGEST_LEN], prev[LFS_DIGEST_LEN];
	const char *dir, *ref = NULL, *why = "";
	struct lfs_nl *nl;
	int c, dirfd = -1, ret = 1, rc;
	size_t i, n = 0, done = 0;

	lfs_opt_reset();
	while ((c = getopt_long(argc, argv, ":P:h", opts, NULL)) != -1) {
		switch (c) {
		case 'P':
			platform = optarg;
			break;
		case LFS_OPT_MAX_SIZE:
		case LFS_OPT_MAX_ENTRY_SIZE:
		case LFS_OPT_MAX_ENTRIES:
			if (lfs_oci_limit_opt(ctx, "load", lfs_usage_load, c,
					      optarg, &limits))
				return LFS_EXIT_USAGE;
			break;
		case 'h':
			return lfs_usage(ctx, lfs_usage_load, 0);
		default:
			return lfs_usage_opt(ctx, "load", lfs_usage_load, c,
					     argv, opts);
		}
	}
	if (argc - optind < 1)
		return lfs_usage_error(ctx, "load", lfs_usage_load, "missing DIR");
	if (argc - optind > 2)
		return lfs_usage_error(ctx, "load", lfs_usage_load,
				       "unexpected argument '%s'", argv[optind + 2]);
	dir = argv[optind];
	if (argc - optind == 2) {
		ref = argv[optind + 1];
		if (lfs_check_name(ctx, "layer", ref))
			return 1;
	}
	if (lfs_oci_platform(ctx, "load", platform, &plat))
		return 1;
	want.ref = ref;
	dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0)
		return lfs_oci_fail(ctx, "load", dir, errno, "%s", "");
	if (lfs_load_file(ctx, dirfd, dir, "oci-layout", &layout))
		goto out;
	if (lfs_oci_parse_layout(layout, &why)) {
		lfs_oci_fail(ctx, "load", dir, 0, "oci-layout: %s", why);
		goto out;
	}
	if (lfs_load_pick(ctx, dirfd, dir, &want, &mdesc, &ref_name))
		goto out;
	if (!ref)
		ref = ref_name;
	if (!ref) {
		lfs_oci_fail(ctx, "load", dir, 0,
			     "the manifest has no org.opencontainers.image.ref.name: give REF");
		goto out;
	}
	if (lfs_name_check(ref)) {
		lfs_oci_fail(ctx, "load", dir, 0,
			     "the manifest's name '%s' is not a valid layer name (%s): give REF",
			     ref, lfs_name_check(ref));
		goto out;
	}
	if (lfs_load_json_blob(ctx, dirfd, dir, &mdesc, &mtext))
		goto out;
	if (lfs_oci_parse_manifest(mtext, &man, &why)) {
		lfs_oci_fail(ctx, "load", dir, 0, "manifest %s: %s",
			     mdesc.digest, why);
		goto out;
	}
	if (lfs_load_json_blob(ctx, dirfd, dir, &man.config, &ctext))
		goto out;
	if (lfs_oci_parse_config(ctext, &cfg, &why)) {
		lfs_oci_fail(ctx, "load", dir, 0, "config %s: %s",
			     man.config.digest, why);
		goto out;
	}
	n = man.n_layers;
	if (!n || cfg.n_diff_ids != n) {
		lfs_oci_fail(ctx, "load", dir, 0,
			     "the manifest lists %zu layers, the config %zu diff_ids",
			     n, cfg.n_diff_ids);
		goto out;
	}
	names = calloc(n, sizeof(*names));
	keys = calloc(n, sizeof(*keys));
	if (!names || !keys) {
		lfs_oci_fail(ctx, "load", dir, ENOMEM, "%s", "");
		goto out;
	}
	if (lfs_ctx_nl(ctx, &nl) || lfs_oci_store(ctx, &st))
		goto out;
	{
		struct lfs_layer k = { 0 }, *got = NULL;

		k.name = ref;
		rc = lfs_nl_layer_get(nl, &k, &got);
		free(got);
		if (!rc) {
			lfs_oci_fail(ctx, "layer", ref, EEXIST,
				     "a layer of that name exists");
			goto out;
		}
	}
	for (i = 0; i < n; i++) {
		struct lfs_import im = { 0 };
		struct lfs_layer k = { 0 }, *got = NULL;
		char path[128];

		if (lfs_oci_chain_id(i ? prev : NULL, cfg.diff_ids[i], chain)) {
			lfs_oci_fail(ctx, "load", dir, 0, "bad diff_id");
			goto fail;
		}
		memcpy(prev, chain, sizeof(prev));
		if (i + 1 == n)
			snprintf(names[i], sizeof(names[i]), "%s", ref);
		else
			snprintf(names[i], sizeof(names[i]), "oci/chain:%s",
				 chain + 7);
		if (i + 1 < n) {
			k.name = names[i];
			if (!lfs_nl_layer_get(nl, &k, &got)) {
				free(got);
				continue;	/* shared with an earlier load */
			}
		}
		snprintf(path, sizeof(path), "blobs/sha256/%s",
			 man.layers[i].digest + 7);
		im.fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
		if (im.fd < 0) {
			lfs_oci_fail(ctx, "load", dir, errno, "%s", path);
			goto fail;
		}
		im.what = path;
		im.origin = "load";
		im.limits = limits;
		im.ref = names[i];
		im.parent = i ? names[i - 1] : NULL;
		im.author = cfg.hist[i].author;
		im.message = cfg.hist[i].comment;
		im.created = cfg.hist[i].created_ns;
		im.blob = man.layers[i].digest;
		im.diff_id = cfg.diff_ids[i];
		if (im.message && strlen(im.message) > 4095)
			im.message = NULL;
		if (im.author && strlen(im.author) > 4095)
			im.author = NULL;
		rc = lfs_oci_import_layer(ctx, &st, nl, &im, keys[i], &d);
		close(im.fd);
		if (rc)
			goto fail;
		if (d.blob_size != man.layers[i].size) {
			lfs_oci_fail(ctx, "load", dir, 0,
				     "%s: %llu bytes, the manifest says %llu",
				     path, (unsigned long long)d.blob_size,
				     (unsigned long long)man.layers[i].size);
			lfs_oci_unimport(&st, nl, names[i], keys[i]);
			keys[i][0] = '\0';
			goto fail;
		}
		done = i + 1;
		fprintf(ctx->err, "layer %s %s\n", names[i], d.diff_id);
	}
	ret = 0;
	goto out;
fail:
	/* undo this load's layers, top first */
	for (i = done; i-- > 0;)
		if (keys[i][0])
			lfs_oci_unimport(&st, nl, names[i], keys[i]);
out:
	if (dirfd >= 0)
		close(dirfd);
	lfs_store_close(&st);
	lfs_oci_manifest_free(&man);
	lfs_oci_config_free(&cfg);
	free(names);
	free(keys);
	free(layout);
	free(mtext);
	free(ctext);
	free(ref_name);
	return ret;
}
