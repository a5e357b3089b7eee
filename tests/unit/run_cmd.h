/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One run of layerctl in the unit tests, as main() runs it, with its
 * output caught: the harness check_batch.c, check_cli.c, check_mount.c,
 * check_oci.c, check_ocireg.c and check_store.c share (each sets what
 * its commands need in the context, and resets its fakes' counters).
 */
#ifndef LAYERCTL_TEST_RUN_CMD_H
#define LAYERCTL_TEST_RUN_CMD_H

#include <stdio.h>

#include "cmd.h"

/* What a run gave. */
struct run_result {
	int rc;			/* layerctl_run()'s exit status */
	char *out, *err;	/* standard output and error, NUL-terminated */
	size_t out_len, err_len;
};

/*
 * Runs layerctl_run() on "layerctl" and the NULL-terminated @args, in
 * @ctx: out and err are set here, to streams caught into @r (what @r held
 * is freed first); the rest is the caller's (in, module, now_ns...).
 * After the run, @ctx is closed (lfs_ctx_close()), and so is ctx->in if
 * set; the caller may still look at its other fields (batch_line).
 */
void run_layerctl(struct run_result *r, struct lfs_ctx *ctx,
		  const char *const *args);

/*
 * A standard input holding the @len bytes at @p (a stream at its end for
 * none: fmemopen() refuses a zero size), for ctx->in.
 */
FILE *input_of(const char *p, size_t len);

/* Frees what @r holds and zeroes it. */
void run_result_free(struct run_result *r);

#endif /* LAYERCTL_TEST_RUN_CMD_H */
