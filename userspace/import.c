// SPDX-License-Identifier: GPL-2.0
/* layerctl import FILE REF [--parent REF] [--digest sha256:...] [-a] [-m] */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd.h"
#include "nl.h"
#include "oci.h"
#include "oci_cmd.h"
#include "ocitar.h"
#include "parse.h"

static const char lfs_usage_import[] =
	"Usage: layerctl import FILE REF [--parent REF] [--digest sha256:HEX]\n"
	"                      [-a AUTHOR] [-m MESSAGE] [LIMITS]\n"
	"       layerctl import FILE --dir DIR [--digest sha256:HEX] [LIMITS]\n"
	"\n"
	"Build the store layer REF from the OCI layer tarball FILE ('-':\n"
	"standard input), plain, gzip or zstd (detected), and register it,\n"
	"frozen: .wh.NAME becomes a 0/0 character device, .wh..wh..opq the\n"
	"xattr trusted.overlay.opaque=y on its directory; hard links, xattrs,\n"
	"owners (when run as root), modes and times are kept.  The layer goes to\n"
	"STORE/layers/KEY/diff with its record STORE/layers/KEY/meta.json.\n"
	"\n"
	"Refused, with nothing registered and the new directory removed:\n"
	"absolute paths, '..' components, paths through symlinks that leave\n"
	"the layer, duplicate entries, hard links to names not in the layer,\n"
	"device nodes unless run as root, trusted.overlay.*/trusted.layerfs.*\n"
	"xattrs, malformed whiteouts, truncated or corrupt input, a digest\n"
	"that does not match, and a tarball over the limits (LIMITS, checked\n"
	"at each entry before it is written: a sparse entry declaring a huge\n"
	"size or a compressed bomb stops there).  Holes of sparse entries are\n"
	"kept as holes.\n"
	"\n"
	"With --dir, the tarball is extracted the same way into the new\n"
	"directory DIR (which must not exist), without the store or the\n"
	"registry (no module needed; used by the benchmark); on failure DIR is\n"
	"removed.\n"
	"\n"
	"Options:\n"
	"  -p, --parent=REF       the layer this one builds on\n"
	"  -D, --digest=DIGEST    check the input: DIGEST (sha256:<64 hex>) must be\n"
	"                         the blob digest (sha256 of FILE as given, e.g.\n"
	"                         compressed) or the diff_id (sha256 of the\n"
	"                         uncompressed tar); either matches\n"
	"  -a, --author=AUTHOR    who made the layer\n"
	"  -m, --message=MESSAGE  what the layer holds\n"
	"  -d, --dir=DIR          extract into the new directory DIR only\n"
	LFS_OCI_LIMIT_HELP
	"  -h, --help             show this help\n";

/* import --dir: extract only. */
static int lfs_import_dir(struct lfs_ctx *ctx, const struct lfs_import *im,
			  const char *dir)
{
	struct lfs_tar_import_opts opts = {
		.set_owner = geteuid() == 0,
		.allow_devices = geteuid() == 0,
		.limits = im->limits,
	};
	struct lfs_tar_import_stats st;
	char err[1024];
	int fd, rc;

	if (mkdir(dir, 0755))
		return lfs_oci_fail(ctx, "import", im->what, errno,
				    "cannot create %s", dir);
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		rc = lfs_oci_fail(ctx, "import", im->what, errno, "%s", dir);
		rmdir(dir);
		return rc;
	}
	rc = lfs_tar_import(im->fd, NULL, 0, fd, &opts, &st, err, sizeof(err));
	close(fd);
	if (rc) {
		lfs_rm_rf_at(AT_FDCWD, dir);
		return lfs_oci_fail(ctx, "import", im->what, 0, "%s", err);
	}
	if (im->digest && strcmp(im->digest, st.d.digest) &&
	    strcmp(im->digest, st.d.diff_id)) {
		lfs_rm_rf_at(AT_FDCWD, dir);
		return lfs_oci_fail(ctx, "import", im->what, 0,
				    "digest mismatch: want %s, the blob is %s and its diff_id %s",
				    im->digest, st.d.digest, st.d.diff_id);
	}
	return fprintf(ctx->err, "diff_id %s\ndigest %s\n", st.d.diff_id,
		       st.d.digest) < 0;
}

/*
 * The names, digest, author and message of @im.  0, or the exit status
 * after reporting.
 */
static int lfs_import_check(struct lfs_ctx *ctx, const struct lfs_import *im,
			    const char *dir)
{
	if ((!dir && lfs_check_name(ctx, "layer", im->ref)) ||
	    (im->parent && lfs_check_name(ctx, "parent layer", im->parent)))
		return 1;
	if (im->digest && lfs_oci_digest_parse(im->digest, NULL))
		return lfs_usage_error(ctx, "import", lfs_usage_import,
				       "invalid digest '%s' (want sha256:<64 lower-case hex>)",
				       im->digest);
	if ((im->author && strlen(im->author) > 4095) ||
	    (im->message && strlen(im->message) > 4095))
		return lfs_oci_fail(ctx, "layer", im->ref, 0,
				    "author or message longer than 4095 bytes");
	return 0;
}

int cmd_import(struct lfs_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "parent", required_argument, NULL, 'p' },
		{ "digest", required_argument, NULL, 'D' },
		{ "author", required_argument, NULL, 'a' },
		{ "message", required_argument, NULL, 'm' },
		{ "dir", required_argument, NULL, 'd' },
		LFS_OCI_LIMIT_OPTIONS,
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct lfs_import im = { .limits = LFS_TAR_LIMITS_DEFAULT };
	struct lfs_store st = LFS_STORE_INIT;
	struct lfs_tar_digests d;
	char key[LFS_KEY_LEN + 1];
	struct lfs_nl *nl;
	const char *file, *dir = NULL;
	int c, rc;

	lfs_opt_reset();
	while ((c = getopt_long(argc, argv, ":p:D:a:m:d:h", opts, NULL)) != -1) {
		switch (c) {
		case 'p':
			im.parent = optarg;
			break;
		case 'D':
			im.digest = optarg;
			break;
		case 'a':
			im.author = optarg;
			break;
		case 'm':
			im.message = optarg;
			break;
		case 'd':
			dir = optarg;
			break;
		case LFS_OPT_MAX_SIZE:
		case LFS_OPT_MAX_ENTRY_SIZE:
		case LFS_OPT_MAX_ENTRIES:
			if (lfs_oci_limit_opt(ctx, "import", lfs_usage_import,
					      c, optarg, &im.limits))
				return LFS_EXIT_USAGE;
			break;
		case 'h':
			return lfs_usage(ctx, lfs_usage_import, 0);
		default:
			return lfs_usage_opt(ctx, "import", lfs_usage_import, c,
					     argv, opts);
		}
	}
	if (dir && (argc - optind != 1 || im.parent || im.author || im.message))
		return lfs_usage_error(ctx, "import", lfs_usage_import,
				       "--dir takes FILE only (no REF, --parent, -a, -m)");
	if (argc - optind < (dir ? 1 : 2))
		return lfs_usage_error(ctx, "import", lfs_usage_import,
				       "missing %s", argc == optind ?
				       "FILE and REF" : "REF");
	if (argc - optind > 2)
		return lfs_usage_error(ctx, "import", lfs_usage_import,
				       "unexpected argument '%s'",
				       argv[optind + 2]);
	file = argv[optind];
	im.ref = dir ? NULL : argv[optind + 1];
	im.what = file;
	im.origin = "import";
	rc = lfs_import_check(ctx, &im, dir);
	if (rc)
		return rc;

	if (!strcmp(file, "-")) {
		im.fd = 0;
	} else {
		im.fd = open(file, O_RDONLY | O_CLOEXEC);
		if (im.fd < 0)
			return lfs_oci_fail(ctx, "import", file, errno, "%s", "");
	}
	if (dir) {
		rc = lfs_import_dir(ctx, &im, dir);
		if (im.fd > 0)
			close(im.fd);
		return rc;
	}
	rc = lfs_ctx_nl(ctx, &nl) || lfs_oci_store(ctx, &st);
	if (!rc)
		rc = lfs_oci_import_layer(ctx, &st, nl, &im, key, &d);
	if (!rc)
		rc = fprintf(ctx->err, "diff_id %s\ndigest %s\n", d.diff_id,
			     d.digest) < 0;
	lfs_store_close(&st);
	if (im.fd > 0)
		close(im.fd);
	return rc;
}
