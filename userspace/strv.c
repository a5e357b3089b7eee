// SPDX-License-Identifier: GPL-2.0
/* A growable vector of owned strings (see strv.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "strv.h"

int lfs_strv_pushn(struct lfs_strv *sv, const char *s, size_t n)
{
	char *copy;

	if (sv->n == sv->cap) {
		size_t cap = sv->cap ? 2 * sv->cap : 8;
		char **v = realloc(sv->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		sv->v = v;
		sv->cap = cap;
	}
	copy = malloc(n + 1);
	if (!copy)
		return -ENOMEM;
	memcpy(copy, s, n);
	copy[n] = '\0';
	sv->v[sv->n++] = copy;
	return 0;
}

int lfs_strv_push(struct lfs_strv *sv, const char *s)
{
	return lfs_strv_pushn(sv, s, strlen(s));
}

void lfs_strv_free(struct lfs_strv *sv)
{
	size_t i;

	for (i = 0; i < sv->n; i++)
		free(sv->v[i]);
	free(sv->v);
	sv->v = NULL;
	sv->n = sv->cap = 0;
}

int lfs_strv_has(const struct lfs_strv *sv, const char *s)
{
	size_t i;

	for (i = 0; i < sv->n; i++)
		if (!strcmp(sv->v[i], s))
			return 1;
	return 0;
}
