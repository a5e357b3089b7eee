// SPDX-License-Identifier: GPL-2.0
/* The names of the store's kept blobs.  See blobname.h.  Pure. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "blobname.h"
#include "layerdg.h"
#include "oci.h"

int lfs_blob_name(const char *digest, char *out, size_t len)
{
	int n;

	if (lfs_oci_digest_parse(digest, NULL))
		return -EINVAL;
	n = snprintf(out, len, "%s", lfs_digest_hex(digest));
	return n < 0 || (size_t)n >= len ? -EINVAL : 0;
}

int lfs_blob_name_digest(const char *name, char *out, size_t len)
{
	int n = snprintf(out, len, LFS_DIGEST_PREFIX "%s", name);

	if (n < 0 || (size_t)n >= len || lfs_oci_digest_parse(out, NULL)) {
		if (len)
			out[0] = '\0';
		return -EINVAL;
	}
	return 0;
}

int lfs_blob_name_tmp(const char *name)
{
	return !strncmp(name, LFS_KEEP_TMP_PREFIX,
			sizeof(LFS_KEEP_TMP_PREFIX) - 1);
}

int lfs_blob_live(const char *text, const char *const *keys, size_t n,
		  struct lfs_strv *out)
{
	struct lfs_layerdg r;
	size_t i;
	int rc;

	for (i = 0; text && i < n; i++) {
		if (lfs_layerdg_find(text, keys[i], &r) ||
		    lfs_strv_has(out, r.digest))
			continue;
		rc = lfs_strv_push(out, r.digest);
		if (rc)
			return rc;
	}
	return 0;
}
