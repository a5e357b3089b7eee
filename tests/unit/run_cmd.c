// SPDX-License-Identifier: GPL-2.0
/* The unit tests' one harness for a run of layerctl (run_cmd.h). */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "fake_alloc.h"
#include "run_cmd.h"

unsigned long run_fail_alloc;
unsigned long run_nomem_max;

void run_layerctl(struct run_result *r, struct lfs_ctx *ctx,
		  const char *const *args)
{
	char **argv;
	FILE *out, *err;
	int argc = 0;

	while (args[argc])
		argc++;
	argv = calloc((size_t)argc + 2, sizeof(*argv));
	ck_assert_ptr_nonnull(argv);
	argv[0] = (char *)"layerctl";
	memcpy(argv + 1, args, (size_t)argc * sizeof(*argv));
	free(r->out);
	free(r->err);
	r->out = r->err = NULL;
	out = open_memstream(&r->out, &r->out_len);
	err = open_memstream(&r->err, &r->err_len);
	ck_assert_ptr_nonnull(out);
	ck_assert_ptr_nonnull(err);
	ctx->out = out;
	ctx->err = err;
	if (run_fail_alloc)
		fake_alloc_fail(run_fail_alloc);
	r->rc = layerctl_run(ctx, argc + 1, argv);
	fake_alloc.fail_at = 0;
	lfs_ctx_close(ctx);
	if (ctx->in)
		fclose(ctx->in);
	ctx->in = NULL;
	fclose(out);
	fclose(err);
	free(argv);
}

FILE *input_of(const char *p, size_t len)
{
	FILE *in = fmemopen((void *)(len ? p : "\n"), len ? len : 1, "r");

	ck_assert_ptr_nonnull(in);
	if (!len)
		fgetc(in);
	return in;
}

void run_result_free(struct run_result *r)
{
	free(r->out);
	free(r->err);
	memset(r, 0, sizeof(*r));
}

size_t run_nomem_sweep(void (*run)(const char *const *args),
		       const char *const *args, struct run_result *r,
		       char **lines)
{
	size_t runs = 0, len = 0;
	FILE *f = open_memstream(lines, &len);
	char *line, *next, *seen = NULL;
	size_t seen_len = 0;

	ck_assert_ptr_nonnull(f);
	for (run_fail_alloc = 1; run_fail_alloc < 20000; run_fail_alloc++) {
		run(args);
		runs++;
		if (!fake_alloc.failed ||
		    (run_nomem_max && runs >= run_nomem_max))
			break;
		for (line = r->err; line && *line; line = next) {
			next = strchr(line, '\n');
			next = next ? next + 1 : line + strlen(line);
			if (!memmem(line, (size_t)(next - line),
				    "Cannot allocate memory", 22) &&
			    !memmem(line, (size_t)(next - line),
				    "out of memory", 13))
				continue;
			fflush(f);
			seen = *lines;
			seen_len = len;
			if (seen && memmem(seen, seen_len, line,
					   (size_t)(next - line)))
				continue;
			fwrite(line, 1, (size_t)(next - line), f);
			if (next[-1] != '\n')
				fputc('\n', f);
		}
	}
	run_fail_alloc = 0;
	fclose(f);
	return runs;
}

void run_nomem_lines(void (*run)(const char *const *args),
		     struct run_result *r, const char *const *args,
		     char **lines)
{
	char *line, *next, *p;
	int quoted, slash;
	size_t n;

	ck_assert_uint_gt(run_nomem_sweep(run, args, r, lines), 1);
	for (line = *lines; *line; line = next) {
		next = strchr(line, '\n') + 1;
		n = (size_t)(next - line);
		slash = 0;
		for (p = line, quoted = 0; p < next; p++)
			if (*p == '\'')
				quoted = !quoted;
			else if (*p == '/' && !quoted)
				slash = 1;
		ck_assert_msg(!strncmp(line, "layerctl: ", 10) && !slash &&
			      !memmem(line, n, "out of memory", 13) &&
			      ((n > 36 && !strncmp(next - 26, " (Cannot allocate memory)\n", 26) &&
				memmem(line + 10, n - 36, ": ", 2)) ||
			       (n > 25 && !strncmp(next - 25, ": Cannot allocate memory\n", 25) &&
				memchr(line, '\'', n))),
			      "%s: %.*s", args[0], (int)n, line);
	}
}

int run_lines_have(const char *lines, const char *want)
{
	const char *p;
	size_t n = strlen(want);

	for (p = lines; (p = strstr(p, want)); p++)
		if ((p == lines || p[-1] == '\n') && p[n] == '\n')
			return 1;
	return 0;
}

void run_nomem_want(void (*run)(const char *const *args),
		    struct run_result *r, const char *const *args,
		    const char *const *wants)
{
	char *lines;

	run_nomem_lines(run, r, args, &lines);
	for (; *wants; wants++)
		ck_assert_msg(run_lines_have(lines, *wants), "%s: want %s in:\n%s",
			      args[0], *wants, lines);
	free(lines);
}

size_t nomem_sweep_call(int (*fn)(void *arg, struct lfs_err *e), void *arg,
			size_t max)
{
	char line[LFS_ERR_MAX + 64];
	size_t n;
	int rc, failed;

	for (n = 1; n <= max; n++) {
		struct lfs_err e = LFS_ERR_INIT;

		fake_alloc_fail(n);
		rc = fn(arg, &e);
		failed = fake_alloc.failed;
		fake_alloc_fail(0);
		if (!failed)
			break;
		if (!rc)
			continue;	/* the failure was coped with */
		lfs_err_str(&e, line, sizeof(line));
		ck_assert_msg(!strstr(line, "out of memory") && e.msg[0] &&
			      (rc != -ENOMEM || e.code == -ENOMEM),
			      "allocation %zu failing: rc %d: %s", n, rc, line);
	}
	ck_assert_msg(n > 1 && n <= max, "%zu calls", n);
	return n;
}
