// SPDX-License-Identifier: GPL-2.0
/* Command plumbing: dispatch, usage, error reporting (see cmd.h). */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd.h"
#include "format.h"
#include "nl.h"
#include "parse.h"

static void lfs_group_usage(struct lfs_buf *b, const char *head,
			    const struct lfs_cmd *cmds, const char *tail)
{
	const struct lfs_cmd *c;
	size_t w = 4;

	for (c = cmds; c->name; c++)
		if (strlen(c->name) > w)
			w = strlen(c->name);
	lfs_buf_puts(b, head);
	lfs_buf_puts(b, "\nCommands:\n");
	for (c = cmds; c->name; c++)
		lfs_buf_printf(b, "  %-*s  %s\n", (int)w, c->name, c->help);
	lfs_buf_printf(b, "  %-*s  %s\n", (int)w, "help",
		       "Show this help, or the help of COMMAND");
	if (tail) {
		lfs_buf_putc(b, '\n');
		lfs_buf_puts(b, tail);
	}
}

static int lfs_group_usage_print(struct lfs_ctx *ctx, const char *head,
				 const struct lfs_cmd *cmds, const char *tail,
				 int bad)
{
	struct lfs_buf b = LFS_BUF_INIT;
	int rc;

	lfs_group_usage(&b, head, cmds, tail);
	if (lfs_buf_error(&b))
		rc = lfs_errorf(ctx, "%s", strerror(ENOMEM));
	else
		rc = lfs_usage(ctx, lfs_buf_str(&b), bad);
	lfs_buf_free(&b);
	return rc;
}

/* "help A B" runs "A B --help". */
static int lfs_dispatch_help(struct lfs_ctx *ctx, const char *group,
			     const char *head, const struct lfs_cmd *cmds,
			     const char *tail, int argc, char **argv)
{
	char **av;
	int i, rc;

	av = calloc((size_t)argc + 2, sizeof(*av));
	if (!av)
		return lfs_errorf(ctx, "%s", strerror(ENOMEM));
	for (i = 0; i < argc; i++)
		av[i] = argv[i];
	av[argc] = (char *)"--help";
	rc = lfs_dispatch(ctx, group, head, cmds, tail, argc + 1, av);
	free(av);
	return rc;
}

int lfs_dispatch(struct lfs_ctx *ctx, const char *group, const char *head,
		 const struct lfs_cmd *cmds, const char *tail,
		 int argc, char **argv)
{
	const struct lfs_cmd *c;
	const char *name;

	if (argc < 2) {
		if (*group)
			lfs_errorf(ctx, "%.*s: missing command",
				   (int)strcspn(group, " "), group);
		else
			lfs_errorf(ctx, "missing command");
		return lfs_usage(ctx, head, 1);
	}
	name = argv[1];
	if (!strcmp(name, "--help") || !strcmp(name, "-h"))
		return lfs_group_usage_print(ctx, head, cmds, tail, 0);
	if (!strcmp(name, "help")) {
		if (argc == 2)
			return lfs_group_usage_print(ctx, head, cmds, tail, 0);
		return lfs_dispatch_help(ctx, group, head, cmds, tail,
					 argc - 1, argv + 1);
	}
	for (c = cmds; c->name; c++)
		if (!strcmp(c->name, name))
			return c->fn(ctx, argc - 1, argv + 1);
	if (name[0] == '-' && *group)
		lfs_errorf(ctx, "%.*s: unknown option '%s'",
			   (int)strcspn(group, " "), group, name);
	else if (name[0] == '-')
		lfs_errorf(ctx, "unknown option '%s'", name);
	else
		lfs_errorf(ctx, "unknown command '%s%s'", group, name);
	return lfs_usage(ctx, head, 1);
}

/*
 * The command a usage text is about: the words after "Usage: " up to the
 * first that is not a lower-case command word ("layerctl layer add" of
 * "Usage: layerctl layer add NAME PATH ...").  Into @cmd, at most @len.
 */
static void lfs_usage_command(const char *usage, char *cmd, size_t len)
{
	const char *p = usage, *end;
	size_t n = 0;

	if (!strncmp(p, "Usage: ", 7))
		p += 7;
	end = p;
	for (;;) {
		const char *w = end;

		while (*w == ' ')
			w++;
		if (!(*w >= 'a' && *w <= 'z'))
			break;
		while ((*w >= 'a' && *w <= 'z') || (*w >= '0' && *w <= '9') ||
		       *w == '-')
			w++;
		if (*w && *w != ' ' && *w != '\n')
			break;
		end = w;
	}
	n = (size_t)(end - p);
	if (!n) {
		p = "layerctl";
		n = strlen(p);
	}
	snprintf(cmd, len, "%.*s", (int)n, p);
}

int lfs_usage(struct lfs_ctx *ctx, const char *usage, int bad)
{
	char cmd[128];

	if (!bad) {
		fputs(usage, ctx->out);
		return 0;
	}
	/* A batch line's error said it all; otherwise one line of hint. */
	if (!ctx->batch_line) {
		lfs_usage_command(usage, cmd, sizeof(cmd));
		fprintf(ctx->err, "Try '%s --help'.\n", cmd);
	}
	return LFS_EXIT_USAGE;
}

/* "layerctl: ", and "batch line N: " while a batch line runs. */
static void lfs_report_prefix(struct lfs_ctx *ctx)
{
	fputs("layerctl: ", ctx->err);
	if (ctx->batch_line)
		fprintf(ctx->err, "batch line %lu: ", ctx->batch_line);
}

static void lfs_vreport(struct lfs_ctx *ctx, const char *fmt, va_list ap)
{
	lfs_report_prefix(ctx);
	vfprintf(ctx->err, fmt, ap);
	fputc('\n', ctx->err);
}

int lfs_errorf(struct lfs_ctx *ctx, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	lfs_vreport(ctx, fmt, ap);
	va_end(ap);
	return 1;
}

int lfs_usage_error(struct lfs_ctx *ctx, const char *command,
		    const char *usage, const char *fmt, ...)
{
	va_list ap;

	lfs_report_prefix(ctx);
	fprintf(ctx->err, "%s: ", command);
	va_start(ap, fmt);
	vfprintf(ctx->err, fmt, ap);
	va_end(ap);
	fputc('\n', ctx->err);
	return lfs_usage(ctx, usage, 1);
}

int lfs_usage_opt(struct lfs_ctx *ctx, const char *command, const char *usage,
		  int c, char **argv, const struct option *longopts)
{
	char msg[256];

	lfs_opt_error(msg, sizeof(msg), c, argv, longopts);
	return lfs_usage_error(ctx, command, usage, "%s", msg);
}

int lfs_fail(struct lfs_ctx *ctx, const char *what, int err)
{
	return lfs_fail_why(ctx, what, err,
			    ctx->nl ? lfs_nl_extack(ctx->nl) : NULL);
}

int lfs_fail_why(struct lfs_ctx *ctx, const char *what, int err,
		 const char *why)
{
	struct lfs_buf b = LFS_BUF_INIT, w = LFS_BUF_INIT;

	/* In a batch, the subject starts with the line number. */
	if (ctx->batch_line)
		lfs_buf_printf(&w, "batch line %lu: %s", ctx->batch_line, what);
	else
		lfs_buf_puts(&w, what);
	lfs_fmt_error(&b, lfs_buf_str(&w), err, why);
	if (lfs_buf_error(&w) || lfs_buf_error(&b)) {
		lfs_report_prefix(ctx);
		fprintf(ctx->err, "%s: %s\n", what, strerror(-err));
	} else {
		fputs(lfs_buf_str(&b), ctx->err);
	}
	lfs_buf_free(&b);
	lfs_buf_free(&w);
	return 1;
}

int lfs_fail_layer(struct lfs_ctx *ctx, const char *name, int err)
{
	struct lfs_buf what = LFS_BUF_INIT;
	int rc;

	lfs_buf_puts(&what, "layer '");
	lfs_fmt_escaped(&what, name);
	lfs_buf_putc(&what, '\'');
	rc = lfs_fail(ctx, lfs_buf_error(&what) ? "layer" : lfs_buf_str(&what),
		      err);
	lfs_buf_free(&what);
	return rc;
}

int lfs_check_name(struct lfs_ctx *ctx, const char *kind, const char *name)
{
	struct lfs_buf b = LFS_BUF_INIT;
	const char *why = lfs_name_check(name);

	if (!why)
		return 0;
	lfs_fmt_escaped(&b, name);
	lfs_errorf(ctx, "invalid %s name '%s': %s", kind, lfs_buf_str(&b), why);
	lfs_buf_free(&b);
	return 1;
}

int lfs_ctx_nl(struct lfs_ctx *ctx, struct lfs_nl **nlp)
{
	char err[512];

	if (!ctx->nl && lfs_nl_open(&ctx->nl, ctx->module, err, sizeof(err)) < 0) {
		ctx->nl = NULL;
		return lfs_errorf(ctx, "%s", err);
	}
	*nlp = ctx->nl;
	return 0;
}

void lfs_ctx_close(struct lfs_ctx *ctx)
{
	lfs_nl_close(ctx->nl);
	ctx->nl = NULL;
}

uint64_t lfs_ctx_now(const struct lfs_ctx *ctx)
{
	struct timespec ts;

	if (ctx->now_ns)
		return ctx->now_ns;
	if (clock_gettime(CLOCK_REALTIME, &ts))
		return 0;
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

int lfs_emit(struct lfs_ctx *ctx, const struct lfs_buf *b)
{
	if (lfs_buf_error(b))
		return lfs_errorf(ctx, "%s", strerror(ENOMEM));
	if (b->len && fwrite(b->data, 1, b->len, ctx->out) != b->len)
		return lfs_errorf(ctx, "write error: %s", strerror(errno));
	return 0;
}
