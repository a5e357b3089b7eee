// SPDX-License-Identifier: GPL-2.0
/* layerctl inspect REF... [--platform OS/ARCH[/VARIANT]] */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "imageinfo.h"
#include "jsonout.h"
#include "nl.h"
#include "oci.h"
#include "oci_cmd.h"
#include "parse.h"

static const char lfs_usage_inspect[] =
	"Usage: layerctl inspect REF... [--platform OS/ARCH[/VARIANT]]\n"
	"\n"
	"Print a JSON array with one object per image REF, as `layerctl save`\n"
	"would write it: the manifest's digest (\"digest\") and size, the\n"
	"config's digest (\"id\"), the top chain id, the diff_ids, the layers\n"
	"bottom first (ref, path, blob digest, diff_id, chain id, size, media\n"
	"type), the config itself and its history.  REF may be a tag (layerctl\n"
	"tag); one without a tag that names no layer means REF:latest.  Every\n"
	"layer is read to compute its digests (gzip blobs, as save's default),\n"
	"which takes as long as `layerctl save` without writing anything.\n"
	"\n"
	"Options:\n"
	"  -P, --platform=OS/ARCH[/VARIANT]  the platform in the config\n"
	"                      (default: this machine's, as for save)\n"
	"  -h, --help          show this help\n";

/* The digests of the layers of @chain (bottom first into @ol). */
static int lfs_inspect_layers(const struct lfs_chain *chain,
			      struct lfs_oci_layer *ol, struct lfs_err *e)
{
	size_t i, n = chain->n;
	int fd, rc = 0;

	fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return lfs_err_set(e, -errno, "/dev/null");
	for (i = 0; i < n && !rc; i++)
		rc = lfs_oci_layer_blob(chain->v[n - 1 - i], fd,
					LFS_COMPRESS_GZIP, &ol[i], e);
	close(fd);
	return rc;
}

/* Adds the object of image @ref to @j. */
static int lfs_inspect_one(struct lfs_ctx *ctx, struct lfs_nl *nl,
			   const char *ref,
			   const struct lfs_platform *plat, struct lfs_json *j,
			   struct lfs_err *e)
{
	char cfg_digest[LFS_DIGEST_LEN], man_digest[LFS_DIGEST_LEN];
	struct lfs_chain chain = { NULL, 0 };
	struct lfs_oci_layer *ol = NULL;
	const char **names = NULL, **paths = NULL;
	char *cfg = NULL, *man = NULL, *name = NULL;
	struct lfs_inspect in;
	size_t i, n;
	int rc;

	rc = lfs_ref_resolve(ctx, nl, ref, &name, e);
	if (rc)
		return rc;
	rc = lfs_image_chain(nl, name, &chain, e);
	if (rc)
		goto out;
	n = chain.n;
	ol = calloc(n, sizeof(*ol));
	names = calloc(n, sizeof(*names));
	paths = calloc(n, sizeof(*paths));
	if (!ol || !names || !paths) {
		rc = lfs_err_set(e, -ENOMEM, "image '%s'", name);
		goto out;
	}
	rc = lfs_inspect_layers(&chain, ol, e);
	if (!rc)
		rc = lfs_oci_image_docs(ol, n, plat, &cfg, cfg_digest, &man,
					man_digest, e);
	if (rc) {
		lfs_err_prefix(e, rc, "image '%s'", name);
		goto out;
	}
	for (i = 0; i < n; i++) {
		names[i] = chain.v[n - 1 - i]->name;
		paths[i] = chain.v[n - 1 - i]->path;
	}
	in = (struct lfs_inspect){ name, man_digest, strlen(man), cfg_digest,
				   cfg, ol, names, paths, n };
	rc = lfs_inspect_json(j, &in, e);
	if (rc)
		lfs_err_prefix(e, rc, "image '%s'", name);
out:
	for (i = 0; ol && i < chain.n; i++)
		free((char *)ol[i].created_by);
	free(ol);
	free(names);
	free(paths);
	free(cfg);
	free(man);
	free(name);
	lfs_chain_free(&chain);
	return rc;
}

static int lfs_inspect_parse(struct lfs_ctx *ctx, int argc, char **argv,
			     struct lfs_platform *plat)
{
	static const struct option opts[] = {
		{ "platform", required_argument, NULL, 'P' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *platform = NULL;
	int c, i;

	lfs_opt_reset();
	while ((c = getopt_long(argc, argv, ":P:h", opts, NULL)) != -1) {
		switch (c) {
		case 'P':
			platform = optarg;
			break;
		case 'h':
			return lfs_usage(ctx, lfs_usage_inspect, 0);
		default:
			return lfs_usage_opt(ctx, "inspect", lfs_usage_inspect,
					     c, argv, opts);
		}
	}
	if (argc - optind < 1)
		return lfs_usage_error(ctx, "inspect", lfs_usage_inspect,
				       "missing REF");
	for (i = optind; i < argc; i++)
		if (lfs_check_name(ctx, "image", argv[i]))
			return 1;
	if (lfs_oci_platform(ctx, platform, plat))
		return 1;
	return LFS_PARSED;
}

int cmd_inspect(struct lfs_ctx *ctx, int argc, char **argv)
{
	struct lfs_buf out = LFS_BUF_INIT;
	struct lfs_err e = LFS_ERR_INIT;
	struct lfs_platform plat;
	struct lfs_json j;
	struct lfs_nl *nl;
	int i, rc;

	rc = lfs_inspect_parse(ctx, argc, argv, &plat);
	if (rc != LFS_PARSED)
		return rc;
	if (lfs_ctx_nl(ctx, &nl, &e))
		return lfs_err_report(ctx, &e);
	lfs_json_init(&j, &out);
	lfs_json_array_begin(&j);
	for (i = optind, rc = 0; i < argc && !rc; i++)
		rc = lfs_inspect_one(ctx, nl, argv[i], &plat, &j, &e);
	if (!rc) {
		lfs_json_array_end(&j);
		rc = lfs_json_error(&j);
		if (rc)
			lfs_err_set(&e, rc, "cannot format the output");
	}
	lfs_json_free(&j);
	if (rc) {
		rc = lfs_err_report(ctx, &e);
	} else {
		lfs_buf_putc(&out, '\n');
		rc = lfs_emit(ctx, "inspect", &out);
	}
	lfs_buf_free(&out);
	return rc;
}
