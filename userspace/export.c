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
#include "jsonout.h"
#include "nl.h"
#include "oci_cmd.h"
#include "parse.h"

static const char lfs_usage_export[] =
	"Usage: layerctl export REF [-o FILE] [--gzip|--zstd] [--json]\n"
	"       layerctl export --dir DIR [-o FILE] [--gzip|--zstd] [--json]\n"
	"\n"
	"Write the one layer REF (its directory as the kernel registry has it,\n"
	"so in-place overlay2 layers too; without what is mounted inside it,\n"
	"which views do not show either) as an OCI layer tarball: PAX tar, 0/0\n"
	"character devices as .wh.NAME whiteouts, opaque directories followed\n"
	"by .wh..wh..opq, hard links inside the layer as tar hard links, xattrs\n"
	"as SCHILY.xattr records (never trusted.overlay.* or trusted.layerfs.*),\n"
	"append-only and immutable flags (real, or trusted.overlay.protattr,\n"
	"where a view keeps those of its copies) as SCHILY.fflags sappnd, schg,\n"
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
	rc = lfs_emit(ctx, "export", &out);
	lfs_buf_free(&out);
	return rc;
}

/* What the command line asks for. */
struct lfs_export_args {
	enum lfs_compress comp;
	const char *out;	/* -o FILE, or NULL: standard output */
	const char *dir;	/* --dir DIR, or NULL: the layer REF */
	const char *ref;
	int json;
};

static int lfs_export_opts(struct lfs_ctx *ctx, int argc, char **argv,
			   struct lfs_export_args *a)
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
	int c;

	lfs_opt_reset();
	while ((c = getopt_long(argc, argv, ":o:zZd:jh", opts, NULL)) != -1) {
		switch (c) {
		case 'o':
			a->out = optarg;
			break;
		case 'z':
		case 'Z':
			if (a->comp != LFS_COMPRESS_NONE)
				return lfs_usage_error(ctx, "export",
						       lfs_usage_export,
						       "--gzip and --zstd exclude each other");
			a->comp = c == 'z' ? LFS_COMPRESS_GZIP : LFS_COMPRESS_ZSTD;
			break;
		case 'd':
			a->dir = optarg;
			break;
		case 'j':
			a->json = 1;
			break;
		case 'h':
			return lfs_usage(ctx, lfs_usage_export, 0);
		default:
			return lfs_usage_opt(ctx, "export", lfs_usage_export, c,
					     argv, opts);
		}
	}
	return LFS_PARSED;
}

static int lfs_export_parse(struct lfs_ctx *ctx, int argc, char **argv,
			    struct lfs_export_args *a)
{
	int rc = lfs_export_opts(ctx, argc, argv, a);

	if (rc != LFS_PARSED)
		return rc;
	if (!a->dir && argc - optind < 1)
		return lfs_usage_error(ctx, "export", lfs_usage_export,
				       "missing REF");
	if (argc - optind > (a->dir ? 0 : 1))
		return lfs_usage_error(ctx, "export", lfs_usage_export,
				       "unexpected argument '%s'",
				       argv[optind + (a->dir ? 0 : 1)]);
	if (a->json && !a->out)
		return lfs_usage_error(ctx, "export", lfs_usage_export,
				       "--json needs -o FILE (the tarball goes to standard output otherwise)");
	if (!a->out && isatty(1))
		return lfs_errorf(ctx, "export: refusing to write a tarball to a terminal: use -o FILE or a pipe");
	if (a->dir)
		return LFS_PARSED;
	a->ref = argv[optind];
	return lfs_check_name(ctx, "layer", a->ref) ? 1 : LFS_PARSED;
}

/*
 * A file written atomically: a temporary file beside @path, renamed into
 * place once complete.  Without a path, standard output.
 */
struct lfs_outfile {
	const char *path;
	char *tmp;
	int fd;
};

static int lfs_outfile_open(struct lfs_outfile *o, struct lfs_err *e)
{
	o->fd = 1;
	if (!o->path)
		return 0;
	if (asprintf(&o->tmp, "%s.tmp-XXXXXX", o->path) < 0) {
		o->tmp = NULL;
		return lfs_err_named(e, -ENOMEM, "cannot create it",
				     "file '%s'", o->path);
	}
	o->fd = mkostemp(o->tmp, O_CLOEXEC);
	if (o->fd < 0) {
		lfs_err_named(e, -errno, "cannot create it",
			      "file '%s'", o->path);
		free(o->tmp);
		o->tmp = NULL;
		return e->code;
	}
	if (fchmod(o->fd, 0644))
		return lfs_err_named(e, -errno, "cannot create it",
				     "file '%s'", o->path);
	return 0;
}

static int lfs_outfile_commit(struct lfs_outfile *o, struct lfs_err *e)
{
	int rc;

	if (!o->path)
		return 0;
	rc = fsync(o->fd) || close(o->fd) ? -errno : 0;
	o->fd = -1;
	if (rc)
		return lfs_err_named(e, rc, "cannot write it",
				     "file '%s'", o->path);
	if (rename(o->tmp, o->path))
		return lfs_err_named(e, -errno, "cannot put it in place",
				     "file '%s'", o->path);
	free(o->tmp);
	o->tmp = NULL;
	return 0;
}

/* Closes and removes what lfs_outfile_commit() did not complete. */
static void lfs_outfile_abort(struct lfs_outfile *o)
{
	if (o->path && o->fd >= 0)
		close(o->fd);
	if (o->tmp) {
		unlink(o->tmp);
		free(o->tmp);
	}
}

/* The directory of layer @ref, as the registry has it, into *@layer. */
static int lfs_export_layer(struct lfs_nl *nl, const char *ref,
			    struct lfs_layer **layer, struct lfs_err *e)
{
	struct lfs_layer key = { 0 };
	int rc;

	key.name = ref;
	rc = lfs_nl_layer_lookup(nl, &key, layer, e);
	return rc < 0 ? lfs_err_prefix(e, rc, "layer '%s'", ref) : 0;
}

int cmd_export(struct lfs_ctx *ctx, int argc, char **argv)
{
	struct lfs_export_args a = { LFS_COMPRESS_NONE, NULL, NULL, NULL, 0 };
	struct lfs_err e = LFS_ERR_INIT;
	struct lfs_layer *layer = NULL;
	struct lfs_outfile o = { NULL, NULL, -1 };
	struct lfs_tar_digests d;
	struct lfs_nl *nl;
	int rc, dirfd;

	rc = lfs_export_parse(ctx, argc, argv, &a);
	if (rc != LFS_PARSED)
		return rc;
	if (!a.dir) {
		if (lfs_ctx_nl(ctx, &nl, &e))
			return lfs_err_report(ctx, &e);
		if (lfs_export_layer(nl, a.ref, &layer, &e))
			return lfs_err_report(ctx, &e);
		a.dir = layer->path;
	}
	o.path = a.out;
	/* the subject names a --dir directory: the text need not again */
	dirfd = open(a.dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0 && a.ref)
		rc = lfs_err_set(&e, -errno, "cannot open directory '%s'", a.dir);
	else if (dirfd < 0)
		rc = lfs_err_set(&e, -errno, "cannot open the directory");
	else
		rc = lfs_outfile_open(&o, &e);
	if (!rc)
		rc = lfs_tar_export_at(dirfd, o.fd, a.comp, &d, &e);
	if (dirfd >= 0)
		close(dirfd);
	if (!rc)
		rc = lfs_outfile_commit(&o, &e);
	if (rc) {
		lfs_err_prefix(&e, rc, "export '%s'", a.ref ? a.ref : a.dir);
		rc = lfs_err_report(ctx, &e);
	} else if (a.json) {
		rc = lfs_export_json(ctx, &d, a.comp);
	} else {
		rc = fprintf(ctx->err, "diff_id %s\ndigest %s\n", d.diff_id,
			     d.digest) < 0;
	}
	lfs_outfile_abort(&o);
	free(layer);
	return rc;
}
