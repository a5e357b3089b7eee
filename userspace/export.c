// SPDX-License-Identifier: GPL-2.0
/* layerctl export REF [-o FILE] [--gzip|--zstd] [--json] */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd.h"
#include "json.h"
#include "nl.h"
#include "oci_cmd.h"
#include "parse.h"

static const char lfs_usage_export[] =
	"Usage: layerctl export REF [-o FILE] [--gzip|--zstd] [--json]\n"
	"       layerctl export --dir DIR [-o FILE] [--gzip|--zstd] [--json]\n"
	"\n"
	"Write the one layer REF (its directory as the kernel registry has it,\n"
	"so in-place overlay2 layers too) as an OCI layer tarball: PAX tar, 0/0\n"
	"character devices as .wh.NAME whiteouts, opaque directories followed\n"
	"by .wh..wh..opq, hard links inside the layer as tar hard links, xattrs\n"
	"as SCHILY.xattr records (never trusted.overlay.* or trusted.layerfs.*),\n"
	"numeric owners, exact modes and mtimes, entries in sorted order: the\n"
	"same tree always gives the same bytes, so the same digests.\n"
	"\n"
	"Prints the diff_id (sha256 of the uncompressed tar) and the blob\n"
	"digest (sha256 of what was written) on standard error, computed while\n"
	"writing.  --dir exports any directory in the layer format without the\n"
	"registry (no module needed; used by the benchmark).\n"
	"\n"
	"Options:\n"
	"  -o, --output=FILE  write to FILE (atomically: a temporary file renamed\n"
	"                     into place) instead of standard output\n"
	"  -z, --gzip         gzip-compress (media type ...tar+gzip)\n"
	"  -Z, --zstd         zstd-compress (media type ...tar+zstd)\n"
	"  -d, --dir=DIR      export the directory DIR instead of a layer\n"
	"  -j, --json         with -o: print {\"diff_id\",\"digest\",\"size\",\n"
	"                     \"tar_size\",\"media_type\"} on standard output\n"
	"  -h, --help         show this help\n";

static int lfs_export_json(struct lfs_ctx *ctx, const struct lfs_tar_digests *d,
			   enum lfs_compress c)
{
	struct lfs_buf out = LFS_BUF_INIT;
	struct lfs_json j;
	int rc;

	lfs_json_init(&j, &out);
	lfs_json_object_begin(&j);
	lfs_json_key(&j, "diff_id");
	lfs_json_string(&j, d->diff_id);
	lfs_json_key(&j, "digest");
	lfs_json_string(&j, d->digest);
	lfs_json_key(&j, "size");
	lfs_json_u64(&j, d->blob_size);
	lfs_json_key(&j, "tar_size");
	lfs_json_u64(&j, d->tar_size);
	lfs_json_key(&j, "media_type");
	lfs_json_string(&j, lfs_oci_layer_media_type(c));
	lfs_json_object_end(&j);
	lfs_buf_putc(&out, '\n');
	rc = lfs_emit(ctx, &out);
	lfs_buf_free(&out);
	return rc;
}

int cmd_export(struct lfs_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "gzip", no_argument, NULL, 'z' },
		{ "zstd", no_argument, NULL, 'Z' },
		{ "dir", required_argument, NULL, 'd' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	enum lfs_compress comp = LFS_COMPRESS_NONE;
	const char *out = NULL, *dir = NULL, *ref = NULL, *what;
	struct lfs_layer key = { 0 }, *layer = NULL;
	struct lfs_tar_digests d;
	char err[1024], *tmp = NULL;
	struct lfs_nl *nl;
	int c, rc, fd = 1, json = 0, ret = 1;

	lfs_opt_reset();
	while ((c = getopt_long(argc, argv, ":o:zZd:jh", opts, NULL)) != -1) {
		switch (c) {
		case 'o':
			out = optarg;
			break;
		case 'z':
		case 'Z':
			if (comp != LFS_COMPRESS_NONE)
				return lfs_usage_error(ctx, "export",
						       lfs_usage_export,
						       "--gzip and --zstd exclude each other");
			comp = c == 'z' ? LFS_COMPRESS_GZIP : LFS_COMPRESS_ZSTD;
			break;
		case 'd':
			dir = optarg;
			break;
		case 'j':
			json = 1;
			break;
		case 'h':
			return lfs_usage(ctx, lfs_usage_export, 0);
		default:
			return lfs_usage_opt(ctx, "export", lfs_usage_export, c,
					     argv, opts);
		}
	}
	if (!dir && argc - optind < 1)
		return lfs_usage_error(ctx, "export", lfs_usage_export,
				       "missing REF");
	if (argc - optind > (dir ? 0 : 1))
		return lfs_usage_error(ctx, "export", lfs_usage_export,
				       "unexpected argument '%s'",
				       argv[optind + (dir ? 0 : 1)]);
	if (json && !out)
		return lfs_usage_error(ctx, "export", lfs_usage_export,
				       "--json needs -o FILE (the tarball goes to standard output otherwise)");
	if (!out && isatty(1))
		return lfs_errorf(ctx, "export: refusing to write a tarball to a terminal (use -o FILE or a pipe)");

	if (dir) {
		what = dir;
	} else {
		ref = argv[optind];
		if (lfs_check_name(ctx, "layer", ref) || lfs_ctx_nl(ctx, &nl))
			return 1;
		key.name = ref;
		rc = lfs_nl_layer_get(nl, &key, &layer);
		if (rc < 0)
			return lfs_fail_layer(ctx, ref, rc);
		dir = layer->path;
		what = ref;
	}
	if (out) {
		if (asprintf(&tmp, "%s.tmp-XXXXXX", out) < 0) {
			tmp = NULL;
			lfs_oci_fail(ctx, "export", what, ENOMEM, "%s", "");
			goto done;
		}
		fd = mkostemp(tmp, O_CLOEXEC);
		if (fd < 0) {
			lfs_oci_fail(ctx, "export", what, errno, "cannot create %s",
				     tmp);
			free(tmp);
			tmp = NULL;
			goto done;
		}
		if (fchmod(fd, 0644)) {
			lfs_oci_fail(ctx, "export", what, errno, "%s", tmp);
			goto done;
		}
	}
	rc = lfs_tar_export(dir, fd, comp, &d, err, sizeof(err));
	if (rc) {
		lfs_oci_fail(ctx, "export", what, 0, "%s", err);
		goto done;
	}
	if (out) {
		if (fsync(fd) || close(fd)) {
			fd = -1;
			lfs_oci_fail(ctx, "export", what, errno, "%s", out);
			goto done;
		}
		fd = -1;
		if (rename(tmp, out)) {
			lfs_oci_fail(ctx, "export", what, errno, "cannot rename to %s",
				     out);
			goto done;
		}
		free(tmp);
		tmp = NULL;
	}
	if (json)
		ret = lfs_export_json(ctx, &d, comp);
	else
		ret = fprintf(ctx->err, "diff_id %s\ndigest %s\n", d.diff_id,
			      d.digest) < 0;
done:
	if (out && fd >= 0)
		close(fd);
	if (tmp) {
		unlink(tmp);
		free(tmp);
	}
	free(layer);
	return ret;
}
