// SPDX-License-Identifier: GPL-2.0
/* Size limits of import and load (see tarlimits.h). */
#include <errno.h>
#include <strings.h>

#include "tarlimits.h"

int lfs_size_parse(const char *s, uint64_t *out)
{
	static const char units[] = "KMGTPE";
	uint64_t v = 0, mul = 1;
	const char *p = s;
	int i;

	if (*p < '0' || *p > '9')
		return -EINVAL;
	for (; *p >= '0' && *p <= '9'; p++) {
		if (v > (UINT64_MAX - (uint64_t)(*p - '0')) / 10)
			return -EINVAL;
		v = v * 10 + (uint64_t)(*p - '0');
	}
	if (*p) {
		for (i = 0; units[i] && (*p & ~0x20) != units[i]; i++)
			;
		if (!units[i] || (p[1] && strcasecmp(p + 1, "iB")))
			return -EINVAL;
		mul = 1ULL << (10 * (i + 1));
		if (v > UINT64_MAX / mul)
			return -EINVAL;
	}
	*out = v * mul;
	return 0;
}

uint64_t lfs_tar_stream_max(const struct lfs_tar_limits *l)
{
	uint64_t heads;

	if (!l->max_size || !l->max_entries)
		return 0;
	if (l->max_entries > (UINT64_MAX - 10240) / LFS_TAR_ENTRY_OVERHEAD)
		return UINT64_MAX;
	heads = l->max_entries * LFS_TAR_ENTRY_OVERHEAD + 10240;
	return l->max_size > UINT64_MAX - heads ? UINT64_MAX : l->max_size + heads;
}

uint64_t lfs_tar_blob_max(const struct lfs_tar_limits *l)
{
	uint64_t s = lfs_tar_stream_max(l);

	if (!s)
		return 0;
	if (s > UINT64_MAX - s / 128 - LFS_TAR_BLOB_SLACK)
		return UINT64_MAX;
	return s + s / 128 + LFS_TAR_BLOB_SLACK;
}
