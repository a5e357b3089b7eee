// SPDX-License-Identifier: GPL-2.0
/* The names of the store's temporary files: see tmpname.h. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "tmpname.h"

/* ".BASE.XXXXXXXX.tmp": 14 bytes around BASE. */
#define LFS_TMP_EXTRA 14
#define LFS_TMP_SUFFIX ".tmp"

int lfs_tmp_name_make(char *out, size_t size, const char *name, unsigned int r)
{
	const char *base = strrchr(name, '/');
	size_t blen;

	base = base ? base + 1 : name;
	blen = strlen(base);
	if (blen > NAME_MAX - LFS_TMP_EXTRA)
		blen = NAME_MAX - LFS_TMP_EXTRA;
	if ((size_t)snprintf(out, size, "%.*s.%.*s.%08x" LFS_TMP_SUFFIX,
			     (int)(base - name), name, (int)blen, base,
			     r) >= size)
		return -ENAMETOOLONG;
	return 0;
}

int lfs_tmp_name_is(const char *name)
{
	size_t n = strlen(name), i;
	const char *x;

	/* ".", at least one byte of BASE, ".", 8 hex digits, ".tmp" */
	if (n < LFS_TMP_EXTRA + 1 || n > NAME_MAX || name[0] != '.' ||
	    strchr(name, '/') || strcmp(name + n - 4, LFS_TMP_SUFFIX))
		return 0;
	x = name + n - 4 - 8;
	if (x[-1] != '.')
		return 0;
	for (i = 0; i < 8; i++)
		if (!strchr("0123456789abcdef", x[i]) || !x[i])
			return 0;
	return 1;
}
