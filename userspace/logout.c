// SPDX-License-Identifier: GPL-2.0
/*
 * layerctl logout HOST: forgets the credentials login stored for HOST, in
 * the credential helper the auth file names and in the file itself.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "credhelper.h"
#include "fsdir.h"
#include "parse.h"
#include "regcmd.h"

static const char lfs_usage_logout[] =
	"Usage: layerctl logout HOST[:PORT]\n"
	"\n"
	"Forget the credentials stored for the OCI registry HOST, as docker\n"
	"logout does: the credential helper the auth file names for HOST\n"
	"(credHelpers.HOST, else credsStore) is told to erase them\n"
	"('docker-credential-NAME erase', given the server name on its\n"
	"standard input), and every auths entry of the auth file for HOST\n"
	"(keys compared as host[:port]: 'https://' and paths ignored) is\n"
	"removed, the file written again with mode 0600 (the rest of it kept).\n"
	"The auth file is login's.  With nothing stored for HOST it says so\n"
	"and exits 0, as docker does.\n"
	"\n"
	"Options:\n"
	"  -h, --help   show this help\n";

/*
 * The helper the auth file @text names for @host told to erase it: 1 if
 * it had credentials, 0 if it had none or none is named, -1 after
 * reporting a failure.
 */
static int lfs_logout_helper(struct lfs_ctx *ctx, const char *path,
			     const char *text, const char *host)
{
	struct lfs_err e = LFS_ERR_INIT;
	char name[64];
	int rc;

	rc = lfs_reg_auth_helper(text, host, name, sizeof(name), &e);
	if (rc == -ENOENT)
		return 0;
	if (!rc)
		rc = lfs_cred_helper_erase(name, host, &e);
	if (rc == -ENOENT)
		return 0;
	if (rc) {
		lfs_err_prefix(&e, rc, "auth file '%s'", path);
		lfs_err_report(ctx, &e);
		return -1;
	}
	fprintf(ctx->out, "%s: credentials erased by docker-credential-%s\n",
		host, name);
	return 1;
}

/*
 * HOST's auths entries removed from the auth file at @path (text @text):
 * 1 if there were any, 0 if none, -1 after reporting a failure.
 */
static int lfs_logout_file(struct lfs_ctx *ctx, const char *path,
			   const char *text, const char *host)
{
	struct lfs_err e = LFS_ERR_INIT;
	char *out, target[4096];
	int removed, rc;

	out = lfs_reg_auth_remove(text, host, &removed, &e);
	if (!out) {
		lfs_err_prefix(&e, e.code, "auth file '%s'", path);
		lfs_err_report(ctx, &e);
		return -1;
	}
	rc = removed ? lfs_write_file_atomic(AT_FDCWD,
					     lfs_reg_auth_target(path, target,
								 sizeof(target)),
					     out, strlen(out), 0600) : 0;
	explicit_bzero(out, strlen(out));
	free(out);
	if (rc) {
		lfs_err_named(&e, rc, "cannot write", "auth file '%s'", path);
		lfs_err_report(ctx, &e);
		return -1;
	}
	if (removed)
		fprintf(ctx->out, "%s: credentials removed from %s\n", host,
			path);
	return removed ? 1 : 0;
}

int cmd_logout(struct lfs_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct lfs_err e = LFS_ERR_INIT;
	int c, rc, by_helper, in_file;
	char path[4096], *text = NULL;
	const char *host;

	lfs_opt_reset();
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		if (c == 'h')
			return lfs_usage(ctx, lfs_usage_logout, 0);
		return lfs_usage_opt(ctx, "logout", lfs_usage_logout, c, argv,
				     opts);
	}
	if (argc - optind < 1)
		return lfs_usage_error(ctx, "logout", lfs_usage_logout,
				       "missing HOST");
	if (argc - optind > 1)
		return lfs_usage_error(ctx, "logout", lfs_usage_logout,
				       "unexpected argument '%s'", argv[optind + 1]);
	host = argv[optind];
	rc = lfs_reg_host_operand(ctx, "logout", lfs_usage_logout, host);
	if (rc)
		return rc;

	if (lfs_reg_auth_path(path, sizeof(path)))
		return lfs_errorf(ctx, "registry '%s': no auth file to remove the credentials from: set REGISTRY_AUTH_FILE or HOME",
				  host);
	rc = lfs_reg_read_file(AT_FDCWD, path, &text, NULL);
	if (rc == -ENOENT) {
		fprintf(ctx->out, "%s: not logged in\n", host);
		return 0;
	}
	if (rc) {
		lfs_err_named(&e, rc,
			      rc == -EINVAL ? "not a regular file" : "cannot read",
			      "auth file '%s'", path);
		return lfs_err_report(ctx, &e);
	}
	by_helper = lfs_logout_helper(ctx, path, text, host);
	in_file = by_helper < 0 ? -1 : lfs_logout_file(ctx, path, text, host);
	explicit_bzero(text, strlen(text));
	free(text);
	if (by_helper < 0 || in_file < 0)
		return 1;
	if (!by_helper && !in_file)
		fprintf(ctx->out, "%s: not logged in\n", host);
	return 0;
}
