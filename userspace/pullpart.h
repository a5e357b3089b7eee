/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What a pull keeps of each blob it downloads, for a later pull of the
 * same blob to resume from (pullpart.c): ROOT/.partial/sha256-HEX.partial,
 * the first bytes of the blob, written as they arrive (no fsync: the
 * digest is checked at the end anyway).  Never taken for a blob: a pull
 * feeds the bytes to the extraction and the hash, asks the registry for
 * the rest with a Range, and the whole must match the digest.  A pull
 * holds an exclusive flock() on the file while it downloads; a second
 * pull of the same blob meanwhile downloads without one.  The file goes
 * when the blob is verified or does not match; prune deletes one that no
 * pull holds and that has not changed for LFS_PART_MIN_AGE seconds.
 */
#ifndef LAYERCTL_PULLPART_H
#define LAYERCTL_PULLPART_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "ocireg_client.h"
#include "strv.h"

#define LFS_PART_DIR		".partial"
#define LFS_PART_SUFFIX		".partial"
#define LFS_PART_MIN_AGE	60

/*
 * The file name of blob @digest's partial download, "sha256-HEX.partial",
 * into @out (@len bytes); -EINVAL if @digest is not a sha256 digest.  Pure.
 */
int lfs_part_name(const char *digest, char *out, size_t len);

/* The digest "sha256:HEX" that file name @name is for; -EINVAL if none. */
int lfs_part_digest(const char *name, char *out, size_t len);

/*
 * Opens blob @digest's partial download in the store root @rootfd,
 * making it (and ROOT/.partial) if there is none, and locks it
 * exclusively without waiting: part->fd and part->len (its size).
 * -EBUSY: another pull holds it.  Other errors: -errno.  On error
 * part->fd is -1 (the pull downloads without a copy).
 */
int lfs_part_open(int rootfd, const char *digest, struct lfs_reg_part *part);

/*
 * Closes part->fd; the file is deleted first if part->drop or it is
 * empty (and ROOT/.partial with it if that leaves it empty).  Returns
 * the bytes kept (0: none).
 */
uint64_t lfs_part_close(int rootfd, const char *digest,
			struct lfs_reg_part *part);

/*
 * The stale partial downloads of the store root @rootfd (no pull holds
 * them, unchanged since @now - @min_age): their digests into @gone, their
 * bytes added to *@size; deleted unless @dry.  0 or -errno (of listing
 * ROOT/.partial; a failed deletion sets *@failed).
 */
int lfs_part_prune(int rootfd, time_t now, time_t min_age, int dry,
		   struct lfs_strv *gone, uint64_t *size, int *failed);

#endif /* LAYERCTL_PULLPART_H */
