/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The names of the store's kept blobs (blobname.c, pure; the files are
 * blobkeep.c's): ROOT/blobs/sha256/HEX holds the compressed layer blob of
 * digest sha256:HEX, as an OCI layout names its blobs (containerd's
 * content store does the same); ROOT/blobs/sha256/.tmp-* are blobs being
 * written.  A kept blob is live while the store's record of a registered
 * layer (layerdg.h, the line of the layer's current key) names it.
 */
#ifndef LAYERCTL_BLOBNAME_H
#define LAYERCTL_BLOBNAME_H

#include <stddef.h>

#include "strv.h"

#define LFS_KEEP_DIR		"blobs/sha256"
#define LFS_KEEP_TMP_PREFIX	".tmp-"

/* The file name of blob @digest ("sha256:HEX": "HEX"); -EINVAL if not one. */
int lfs_blob_name(const char *digest, char *out, size_t len);

/* The digest "sha256:HEX" file name @name is for; -EINVAL if none. */
int lfs_blob_name_digest(const char *name, char *out, size_t len);

/* 1 if @name is a blob being written (LFS_KEEP_TMP_PREFIX...). */
int lfs_blob_name_tmp(const char *name);

/*
 * The digests that the records @text (layer-digests' lines) give for the
 * @n @keys (the last line of each key; a key without one gives none),
 * appended to @out without repeats.  0 or -ENOMEM.
 */
int lfs_blob_live(const char *text, const char *const *keys, size_t n,
		  struct lfs_strv *out);

#endif /* LAYERCTL_BLOBNAME_H */
