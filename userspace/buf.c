// SPDX-License-Identifier: GPL-2.0
/* Growable text buffer (see buf.h). */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

void lfs_buf_init(struct lfs_buf *b)
{
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	b->failed = 0;
}

void lfs_buf_free(struct lfs_buf *b)
{
	free(b->data);
	lfs_buf_init(b);
}

void lfs_buf_reset(struct lfs_buf *b)
{
	b->len = 0;
	b->failed = 0;
	if (b->data)
		b->data[0] = '\0';
}

/* Makes room for n more bytes plus the NUL; 0 or -1. */
static int lfs_buf_grow(struct lfs_buf *b, size_t n)
{
	size_t need, cap;
	char *p;

	if (b->failed)
		return -1;
	if (n > SIZE_MAX - b->len - 1)
		goto fail;
	need = b->len + n + 1;
	if (need <= b->cap)
		return 0;
	cap = b->cap ? b->cap : 64;
	while (cap < need)
		cap = cap > SIZE_MAX / 2 ? need : cap * 2;
	p = realloc(b->data, cap);
	if (!p)
		goto fail;
	b->data = p;
	b->cap = cap;
	return 0;
fail:
	b->failed = 1;
	return -1;
}

void lfs_buf_put(struct lfs_buf *b, const void *p, size_t n)
{
	if (lfs_buf_grow(b, n))
		return;
	if (n)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
}

void lfs_buf_puts(struct lfs_buf *b, const char *s)
{
	lfs_buf_put(b, s, strlen(s));
}

void lfs_buf_putc(struct lfs_buf *b, char c)
{
	lfs_buf_put(b, &c, 1);
}

void lfs_buf_pad(struct lfs_buf *b, char c, size_t n)
{
	if (lfs_buf_grow(b, n))
		return;
	memset(b->data + b->len, c, n);
	b->len += n;
	b->data[b->len] = '\0';
}

void lfs_buf_printf(struct lfs_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0) {
		b->failed = 1;
		return;
	}
	if (lfs_buf_grow(b, (size_t)n))
		return;
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

const char *lfs_buf_str(const struct lfs_buf *b)
{
	return b->data && !b->failed ? b->data : "";
}

int lfs_buf_error(const struct lfs_buf *b)
{
	return b->failed ? -ENOMEM : 0;
}
