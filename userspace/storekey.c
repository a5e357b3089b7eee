// SPDX-License-Identifier: GPL-2.0
/* Store keys and the store paths that hold them (see storemeta.h). */
#include <errno.h>
#include <string.h>

#include <layerfs/refname.h>

#include "storemeta.h"

void lfs_key_format(const unsigned char bytes[16], char *out)
{
	static const char hex[] = "0123456789abcdef";
	int i;

	for (i = 0; i < 16; i++) {
		out[2 * i] = hex[bytes[i] >> 4];
		out[2 * i + 1] = hex[bytes[i] & 15];
	}
	out[LFS_KEY_LEN] = '\0';
}

int lfs_key_valid(const char *s)
{
	size_t i;

	if (!s)
		return 0;
	for (i = 0; i < LFS_KEY_LEN; i++)
		if (!((s[i] >= '0' && s[i] <= '9') ||
		      (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return s[LFS_KEY_LEN] == '\0';
}

int lfs_ref_file_name(const char *ref, char *out, size_t len)
{
	size_t i, n = strlen(ref);

	if (layerfs_ref_check(ref) || n >= len)
		return -EINVAL;
	for (i = 0; i <= n; i++)
		out[i] = ref[i] == '/' ? '+' : ref[i];
	return 0;
}

int lfs_store_path_key(const char *root, const char *path, char *key)
{
	size_t rl = strlen(root);
	const char *p;

	/* "/" as root: paths are "/layers/..." */
	if (rl == 1 && root[0] == '/')
		rl = 0;
	if (strncmp(path, root, rl) || strncmp(path + rl, "/layers/", 8))
		return 0;
	p = path + rl + 8;
	if (strlen(p) != LFS_KEY_LEN + 5 || strcmp(p + LFS_KEY_LEN, "/diff"))
		return 0;
	memcpy(key, p, LFS_KEY_LEN);
	key[LFS_KEY_LEN] = '\0';
	return lfs_key_valid(key);
}

int lfs_store_path_entry(const char *root, const char *path, const char *sub,
			 char *key)
{
	size_t rl = strlen(root), sl = strlen(sub);
	const char *p;

	if (rl == 1 && root[0] == '/')
		rl = 0;
	if (strncmp(path, root, rl) || path[rl] != '/' ||
	    strncmp(path + rl + 1, sub, sl) || path[rl + 1 + sl] != '/')
		return 0;
	p = path + rl + sl + 2;
	if (strlen(p) < LFS_KEY_LEN ||
	    (p[LFS_KEY_LEN] && p[LFS_KEY_LEN] != '/'))
		return 0;
	memcpy(key, p, LFS_KEY_LEN);
	key[LFS_KEY_LEN] = '\0';
	return lfs_key_valid(key);
}

int lfs_store_path_keys(const char *path, const char *sub,
			struct lfs_strv *keys)
{
	char key[LFS_KEY_LEN + 1];
	const char *p;
	int rc = 0;

	for (p = strchr(path, '/'); p && !rc; p = strchr(p + 1, '/'))
		if (lfs_store_path_entry("/", p, sub, key))
			rc = lfs_strv_push(keys, key);
	return rc;
}
