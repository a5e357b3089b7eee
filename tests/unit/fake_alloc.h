/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Allocation failures on demand in the unit tests: the runner is linked
 * with --wrap for malloc, calloc, realloc, strdup, strndup and asprintf
 * (Makefile), so that every call of those in layerctl's code (and the
 * tests' and fakes') goes through fake_alloc.c, which can fail one of
 * them.  Allocations inside the C library (open_memstream(), realpath(),
 * ...) are not counted.
 */
#ifndef LAYERCTL_FAKE_ALLOC_H
#define LAYERCTL_FAKE_ALLOC_H

struct fake_alloc {
	unsigned long fail_at;	/* script: the Nth call from now fails
				 * (ENOMEM), once; 0: none fails */
	unsigned long calls;	/* record: calls since fail_at was set */
	int failed;		/* record: the failure happened */
	int paused;		/* > 0: calls neither counted nor failed
				 * (a fake's own records) */
};

extern struct fake_alloc fake_alloc;

/* Arms the failure of the @nth call from now (0: disarms). */
void fake_alloc_fail(unsigned long nth);

#endif /* LAYERCTL_FAKE_ALLOC_H */
