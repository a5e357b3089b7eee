// SPDX-License-Identifier: GPL-2.0
/* The unit tests' one harness for a run of layerctl (run_cmd.h). */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "run_cmd.h"


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
	r->rc = layerctl_run(ctx, argc + 1, argv);
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
