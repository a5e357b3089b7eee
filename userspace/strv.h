/* SPDX-License-Identifier: GPL-2.0 */
/* A growable vector of owned strings (strv.c).  Pure. */
#ifndef LAYERCTL_STRV_H
#define LAYERCTL_STRV_H

#include <stddef.h>

struct lfs_strv {
	char **v;
	size_t n, cap;
};

#define LFS_STRV_INIT { NULL, 0, 0 }

/* Appends a copy of @s (its first @n bytes); 0 or -ENOMEM. */
int lfs_strv_push(struct lfs_strv *sv, const char *s);
int lfs_strv_pushn(struct lfs_strv *sv, const char *s, size_t n);
void lfs_strv_free(struct lfs_strv *sv);
/* 1 if @sv holds @s, else 0. */
int lfs_strv_has(const struct lfs_strv *sv, const char *s);

#endif /* LAYERCTL_STRV_H */
