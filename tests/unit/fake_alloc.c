// SPDX-License-Identifier: GPL-2.0
/* Allocation failures on demand (see fake_alloc.h). */
#define _GNU_SOURCE	/* vasprintf() */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "fake_alloc.h"

void *__real_malloc(size_t size);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t size);
char *__real_strdup(const char *s);
void *__wrap_malloc(size_t size);
void *__wrap_calloc(size_t n, size_t size);
void *__wrap_realloc(void *p, size_t size);
char *__wrap_strdup(const char *s);
char *__real_strndup(const char *s, size_t n);
char *__wrap_strndup(const char *s, size_t n);
int __wrap_asprintf(char **out, const char *fmt, ...);

struct fake_alloc fake_alloc;

void fake_alloc_fail(unsigned long nth)
{
	fake_alloc.fail_at = nth;
	fake_alloc.calls = 0;
	fake_alloc.failed = 0;
}

/* Whether this call is the one to fail. */
static int fake_alloc_fails(void)
{
	if (!fake_alloc.fail_at || fake_alloc.failed || fake_alloc.paused)
		return 0;
	if (++fake_alloc.calls < fake_alloc.fail_at)
		return 0;
	fake_alloc.failed = 1;
	errno = ENOMEM;
	return 1;
}

void *__wrap_malloc(size_t size)
{
	return fake_alloc_fails() ? NULL : __real_malloc(size);
}

void *__wrap_calloc(size_t n, size_t size)
{
	return fake_alloc_fails() ? NULL : __real_calloc(n, size);
}

void *__wrap_realloc(void *p, size_t size)
{
	return fake_alloc_fails() ? NULL : __real_realloc(p, size);
}

char *__wrap_strdup(const char *s)
{
	return fake_alloc_fails() ? NULL : __real_strdup(s);
}

char *__wrap_strndup(const char *s, size_t n)
{
	return fake_alloc_fails() ? NULL : __real_strndup(s, n);
}

/* asprintf() as the C library's, through vasprintf() (not wrapped). */
int __wrap_asprintf(char **out, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (fake_alloc_fails())
		return -1;
	va_start(ap, fmt);
	n = vasprintf(out, fmt, ap);
	va_end(ap);
	return n;
}
