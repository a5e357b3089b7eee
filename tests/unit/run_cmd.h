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

/*
 * The run's allocation of this number (from 1) fails (fake_alloc.h), if
 * not 0.
 */
extern unsigned long run_fail_alloc;

/*
 * Runs @run(@args) (a test's runner, leaving its result in @r) with its
 * first allocation failing, then its second, and so on until a run gets
 * through all of them (or run_nomem_max runs, if not 0); into *@lines
 * (free() it) the distinct lines of standard error of those runs that say
 * "Cannot allocate memory" or "out of memory".  Returns the number of runs.
 */
extern unsigned long run_nomem_max;
size_t run_nomem_sweep(void (*run)(const char *const *args),
		       const char *const *args, struct run_result *r,
		       char **lines);

/*
 * run_nomem_sweep(), then checks that every line it gives names what
 * failed (err.h): "layerctl: SUBJECT: REASON (Cannot allocate memory)",
 * or "layerctl: ...'NAME'...: Cannot allocate memory", no path outside
 * quotes; never a bare "layerctl: Cannot allocate memory", never "out of
 * memory" (the errno's text in the error's, not its code).
 */
void run_nomem_lines(void (*run)(const char *const *args),
		     struct run_result *r, const char *const *args,
		     char **lines);

/* Whether the lines @lines hold the whole line @want. */
int run_lines_have(const char *lines, const char *want);

/*
 * run_nomem_lines(), and asserts that its lines hold each whole line of
 * the NULL-terminated @wants.
 */
void run_nomem_want(void (*run)(const char *const *args),
		    struct run_result *r, const char *const *args,
		    const char *const *wants);

/*
 * Calls @fn(@arg, @e) with its first allocation failing, then its second,
 * and so on until a call gets through all of them (at most @max calls,
 * and more than one); a call that fails after its allocation failed must
 * leave in @e what it was doing, -ENOMEM as the code if it returned that,
 * and never "out of memory" (err.h: the errno's text is the printer's).
 * Returns the number of calls.
 */
size_t nomem_sweep_call(int (*fn)(void *arg, struct lfs_err *e), void *arg,
			size_t max);

/* Frees what @r holds and zeroes it. */
void run_result_free(struct run_result *r);

#endif /* LAYERCTL_TEST_RUN_CMD_H */
