/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Where blobs came from (blobsrc.c), for cross-repository mounts: pull and
 * push record, in the store's file "registry-sources", one line
 * "DIGEST HOST/REPOSITORY" per blob they moved (the most recent last, at
 * most LFS_BLOBSRC_MAX_LINES); push asks the destination registry to
 * mount a blob it lacks from another repository of the same host that
 * had it, instead of uploading it.  A cache: lost or stale lines cost an
 * upload, never correctness (the registry checks the mount).
 */
#ifndef LAYERCTL_BLOBSRC_H
#define LAYERCTL_BLOBSRC_H

#include <stddef.h>

#define LFS_BLOBSRC_FILE	"registry-sources"
#define LFS_BLOBSRC_MAX_LINES	4096

/*
 * The repository of the last line of @text for blob @digest on @host,
 * other than @not_repo, into @repo.  0, or -ENOENT.  (Pure.)
 */
int lfs_blobsrc_find(const char *text, const char *digest, const char *host,
		     const char *not_repo, char *repo, size_t len);

/*
 * @old (NULL: empty) with a line for each of the @n @digests at
 * HOST/@repo appended, the same lines dropped from before, and only the
 * last @max lines kept.  malloc()ed, or NULL.  (Pure.)
 */
char *lfs_blobsrc_merge(const char *old, const char *const *digests,
			size_t n, const char *host, const char *repo,
			size_t max);

/* Records @digests at @host/@repo in @root's file (best effort). */
void lfs_blobsrc_record(const char *root, const char *host, const char *repo,
			const char *const *digests, size_t n);

/* lfs_blobsrc_find() on @root's file. */
int lfs_blobsrc_lookup(const char *root, const char *digest, const char *host,
		       const char *not_repo, char *repo, size_t len);

#endif /* LAYERCTL_BLOBSRC_H */
