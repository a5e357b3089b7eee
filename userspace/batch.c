// SPDX-License-Identifier: GPL-2.0
/*
 * layerctl --batch FILE [--force]: many commands in one process.
 *
 * Every line of FILE is one command as it would follow "layerctl" (e.g.
 * "layer add base /srv/base -m 'the base'"), split into words by
 * lfs_split_words() (parse.c: sh-like quoting, '#' comment lines).  All
 * lines share the context, so the netlink socket is opened (and the module
 * loaded) once, by the first line that needs it.  While a line runs,
 * ctx->batch_line holds its number, and errors read "layerctl: batch line
 * N: ...".  Lines name commands only: global options (--batch included)
 * are refused, so batches cannot nest.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "parse.h"

/* Runs line @lineno, @line (NUL-terminated, rewritten).  0, or 1 on failure. */
static int lfs_batch_line(struct lfs_ctx *ctx, char *line, size_t len,
			  unsigned long lineno, int *ran)
{
	char *argv[LFS_WORDS_MAX + 2];
	const char *why = NULL;
	int n, rc;

	*ran = 0;
	ctx->batch_line = lineno;
	/* The line end is no part of the last word (nor escaped by '\\'). */
	if (len && line[len - 1] == '\n')
		line[--len] = '\0';
	if (len && line[len - 1] == '\r')
		line[--len] = '\0';
	if (strlen(line) != len) {
		rc = lfs_errorf(ctx, "NUL byte in line");
		goto out;
	}
	argv[0] = (char *)"layerctl";
	n = lfs_split_words(line, argv + 1, &why);
	if (n < 0) {
		rc = lfs_errorf(ctx, "%s", why);
		goto out;
	}
	rc = 0;
	if (n == 0)
		goto out;	/* blank or comment */
	*ran = 1;
	if (argv[1][0] == '-') {
		rc = lfs_errorf(ctx,
				"'%s': a batch line must start with a command: global options go on the command line",
				argv[1]);
		goto out;
	}
	rc = layerctl_command(ctx, n + 1, argv) ? 1 : 0;
	/* Keep results and errors in order when both go to one file. */
	fflush(ctx->out);
out:
	ctx->batch_line = 0;
	return rc;
}

/* "batch file 'NAME': WHAT (STRERROR)" reported; returns 1. */
static int lfs_batch_fail(struct lfs_ctx *ctx, const char *name,
			  const char *what, int err)
{
	struct lfs_err e = LFS_ERR_INIT;

	lfs_err_named(&e, -err, what, "batch file '%s'", name);
	return lfs_err_report(ctx, &e);
}

int lfs_batch_stream(struct lfs_ctx *ctx, FILE *in, const char *name,
		     int force)
{
	unsigned long lineno = 0, commands = 0, failed = 0;
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	int ran, rc = 0;

	if (ctx->batch_line)
		return lfs_errorf(ctx, "batches do not nest");
	while ((len = getline(&line, &cap, in)) >= 0) {
		lineno++;
		if (!lfs_batch_line(ctx, line, (size_t)len, lineno, &ran)) {
			commands += ran;
			continue;
		}
		commands++;
		failed++;
		if (!force)
			break;
	}
	if (ferror(in))
		rc = lfs_batch_fail(ctx, name, "cannot read", errno);
	free(line);
	if (failed && force)
		lfs_errorf(ctx, "batch: %lu of %lu commands failed", failed,
			   commands);
	return failed ? 1 : rc;
}

int lfs_batch_run(struct lfs_ctx *ctx, const char *path, int force)
{
	FILE *in;
	int rc;

	if (!strcmp(path, "-"))
		return lfs_batch_stream(ctx, ctx->in ? ctx->in : stdin,
					"-", force);
	in = fopen(path, "re");
	if (!in)
		return lfs_batch_fail(ctx, path, "cannot open", errno);
	rc = lfs_batch_stream(ctx, in, path, force);
	fclose(in);
	return rc;
}
