/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Growable text buffer.  Pure: no I/O.  Once an allocation fails the buffer
 * stays in the failed state and every later append is a no-op, so callers
 * may build a whole text and check lfs_buf_error() once at the end.
 */
#ifndef LAYERCTL_BUF_H
#define LAYERCTL_BUF_H

#include <stddef.h>

struct lfs_buf {
	char *data;	/* NUL-terminated once anything was appended */
	size_t len;	/* bytes used, excluding the NUL */
	size_t cap;	/* bytes allocated */
	int failed;	/* an allocation failed */
};

#define LFS_BUF_INIT { NULL, 0, 0, 0 }

void lfs_buf_init(struct lfs_buf *b);
void lfs_buf_free(struct lfs_buf *b);
/* Empties the buffer but keeps its memory (and clears the failed state). */
void lfs_buf_reset(struct lfs_buf *b);

void lfs_buf_put(struct lfs_buf *b, const void *p, size_t n);
void lfs_buf_puts(struct lfs_buf *b, const char *s);
void lfs_buf_putc(struct lfs_buf *b, char c);
/* Appends n copies of c. */
void lfs_buf_pad(struct lfs_buf *b, char c, size_t n);
void lfs_buf_printf(struct lfs_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* The text so far; "" for an empty or failed buffer, never NULL. */
const char *lfs_buf_str(const struct lfs_buf *b);
/* 0, or -ENOMEM if an append failed. */
int lfs_buf_error(const struct lfs_buf *b);

#endif /* LAYERCTL_BUF_H */
