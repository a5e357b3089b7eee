// SPDX-License-Identifier: GPL-2.0
/* layerctl import FILE REF [--parent REF] [--digest sha256:...] [-a] [-m] */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd.h"
#include "dirguard.h"
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
	"owners and append-only and immutable flags (SCHILY.fflags, kept as\n"
	"trusted.overlay.protattr; both when run as root), modes and times are\n"
	"kept.  The layer goes to STORE/layers/KEY/diff with its record\n"
	"STORE/layers/KEY/meta.json; it is extracted in STORE/layers/.new-KEY,\n"
	"which a watcher process deletes if layerctl is killed half-way (what\n"
	"a crash leaves, 'layerctl prune' deletes).\n"
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
	"removed, also when layerctl is killed half-way (Ctrl-C, SIGTERM,\n"
	"SIGKILL: a watcher process removes it).\n"
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

/*
 * import --dir: extract only, into the new directory @dir, which goes
 * unless the import completes, even if layerctl dies of a signal
 * (dirguard.h).
 */
static int lfs_import_dir(const struct lfs_import *im, const char *dir,
			  struct lfs_tar_digests *d, struct lfs_err *e)
{
	struct lfs_dirguard g = LFS_DIRGUARD_INIT;
	struct lfs_tar_import_stats st;
	int rc;

	if (mkdir(dir, 0755))
		return lfs_err_set(e, -errno, "cannot create %s", dir);
	rc = lfs_dirguard_dir(&g, dir);
	if (rc)
		lfs_err_set(e, rc, "cannot watch %s", dir);
	else
		rc = lfs_oci_extract(im, dir, 0, &st, e);
	if (rc)
		lfs_rm_rf_at(AT_FDCWD, dir);
	else
		*d = st.d;
	lfs_dirguard_end(&g);
	return rc;
}

/*
 * The parent's name, the digest, author and message of @im (REF was
 * checked by lfs_check_new_ref()).  LFS_PARSED, or the exit
 * status after reporting.
 */
static int lfs_import_check(struct lfs_ctx *ctx, const struct lfs_import *im)
{
	struct lfs_err e = LFS_ERR_INIT;

	if ((im->parent && lfs_check_name(ctx, "parent layer", im->parent)))
		return 1;
	if (im->digest && lfs_oci_digest_parse(im->digest, NULL))
		return lfs_usage_error(ctx, "import", lfs_usage_import,
				       "invalid digest '%s' (want sha256:<64 lower-case hex>)",
				       im->digest);
	if (lfs_check_texts(im->ref, im->author, im->message, &e))
		return lfs_err_report(ctx, &e);
	return LFS_PARSED;
}

static int lfs_import_opts(struct lfs_ctx *ctx, int argc, char **argv,
			   struct lfs_import *im, const char **dir)
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
	int c;

	lfs_opt_reset();
	while ((c = getopt_long(argc, argv, ":p:D:a:m:d:h", opts, NULL)) != -1) {
		switch (c) {
		case 'p':
			im->parent = optarg;
			break;
		case 'D':
			im->digest = optarg;
			break;
		case 'a':
			im->author = optarg;
			break;
		case 'm':
			im->message = optarg;
			break;
		case 'd':
			*dir = optarg;
			break;
		case LFS_OPT_MAX_SIZE:
		case LFS_OPT_MAX_ENTRY_SIZE:
		case LFS_OPT_MAX_ENTRIES:
			if (lfs_oci_limit_opt(ctx, "import", lfs_usage_import,
					      c, optarg, &im->limits))
				return LFS_EXIT_USAGE;
			break;
		case 'h':
			return lfs_usage(ctx, lfs_usage_import, 0);
		default:
			return lfs_usage_opt(ctx, "import", lfs_usage_import, c,
					     argv, opts);
		}
	}
	return LFS_PARSED;
}

/* @ref: LFS_REF_BUF bytes for REF (':latest' added if untagged). */
static int lfs_import_parse(struct lfs_ctx *ctx, int argc, char **argv,
			    struct lfs_import *im, const char **dir, char *ref)
{
	int rc = lfs_import_opts(ctx, argc, argv, im, dir);

	if (rc != LFS_PARSED)
		return rc;
	if (*dir && (argc - optind != 1 || im->parent || im->author ||
		     im->message))
		return lfs_usage_error(ctx, "import", lfs_usage_import,
				       "--dir takes FILE only (no REF, --parent, -a, -m)");
	if (argc - optind < (*dir ? 1 : 2))
		return lfs_usage_error(ctx, "import", lfs_usage_import,
				       "missing %s", argc == optind ?
				       "FILE and REF" : "REF");
	if (argc - optind > 2)
		return lfs_usage_error(ctx, "import", lfs_usage_import,
				       "unexpected argument '%s'",
				       argv[optind + 2]);
	im->what = argv[optind];
	im->ref = NULL;
	if (!*dir) {
		if (lfs_check_new_ref(ctx, "layer", argv[optind + 1], ref,
				      LFS_REF_BUF) ||
		    lfs_check_not_chain(ctx, "layer", ref))
			return 1;
		im->ref = ref;
	}
	im->origin = "import";
	return lfs_import_check(ctx, im);
}

/* Into the store as the layer im->ref, registered. */
static int lfs_import_store(struct lfs_ctx *ctx, const struct lfs_import *im,
			    struct lfs_tar_digests *d, struct lfs_err *e)
{
	struct lfs_store st = LFS_STORE_INIT;
	char key[LFS_KEY_LEN + 1];
	struct lfs_nl *nl;
	int rc;

	rc = lfs_ctx_nl(ctx, &nl, e);
	if (rc)
		return rc;
	rc = lfs_ctx_store(ctx, &st, 1, e);
	if (!rc)
		rc = lfs_oci_name_not_tag(&st, im->ref, e);
	if (!rc)
		rc = lfs_oci_import_layer(ctx, &st, nl, im, key, d, e);
	lfs_store_close(&st);
	return rc;
}

int cmd_import(struct lfs_ctx *ctx, int argc, char **argv)
{
	struct lfs_import im = { .limits = LFS_TAR_LIMITS_DEFAULT };
	struct lfs_err e = LFS_ERR_INIT;
	char ref[LFS_REF_BUF];
	struct lfs_tar_digests d;
	const char *dir = NULL;
	int rc;

	rc = lfs_import_parse(ctx, argc, argv, &im, &dir, ref);
	if (rc != LFS_PARSED)
		return rc;
	im.fd = strcmp(im.what, "-") ? open(im.what, O_RDONLY | O_CLOEXEC) : 0;
	if (im.fd < 0) {
		lfs_err_set(&e, -errno, "import '%s'", im.what);
		return lfs_err_report(ctx, &e);
	}
	if (dir) {
		rc = lfs_import_dir(&im, dir, &d, &e);
		if (rc)
			lfs_err_prefix(&e, rc, "import '%s'", im.what);
	} else {
		rc = lfs_import_store(ctx, &im, &d, &e);
	}
	if (!rc)
		rc = fprintf(ctx->err, "diff_id %s\ndigest %s\n", d.diff_id,
			     d.digest) < 0;
	else if (e.msg[0] || e.code)
		rc = lfs_err_report(ctx, &e);
	else
		rc = 1;
	if (im.fd > 0)
		close(im.fd);
	return rc;
}
