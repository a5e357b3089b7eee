/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the store knows of its frozen layers' blobs (layerdg.c), as docker
 * remembers its layers' compressed digests: push, pull and save (gzip)
 * record, in the store's file "layer-digests", one line "KEY DIFF_ID
 * DIGEST SIZE MEDIATYPE" per layer they exported or extracted (the most
 * recent last, at most LFS_LAYERDG_MAX_LINES), KEY naming the layer as
 * it is now
 * (lfs_layerdg_key(): its directory, creation time, and the inode, size,
 * mode, owner, link count, mtime and ctime of every entry in it: a file
 * that changed, by any means, has a new ctime, hence the layer a new
 * key).  With it push knows a layer's blob before compressing anything,
 * and asks the registry (HEAD, or a mount from the repository blobsrc.h
 * names) before it uploads, then uploads the blob the store keeps
 * (blobkeep.h); save puts that kept blob into its layout.  A layer
 * without a line, or whose blob is neither in the registry nor kept, is
 * compressed.  A cache: a lost line costs a compression.
 */
#ifndef LAYERCTL_LAYERDG_H
#define LAYERCTL_LAYERDG_H

#include <stddef.h>
#include <stdint.h>

#include "oci.h"

#define LFS_LAYERDG_FILE	"layer-digests"
#define LFS_LAYERDG_MAX_LINES	4096
#define LFS_LAYERDG_KEY_LEN	64

struct lfs_layerdg {
	char key[LFS_LAYERDG_KEY_LEN + 1];
	char diff_id[LFS_DIGEST_LEN];
	char digest[LFS_DIGEST_LEN];
	uint64_t size;
	char media_type[128];
};

/*
 * The key of the layer in directory @path created at @created (ns), as
 * its tree is now (a walk with fstatat()).  0 or -errno (@key "").
 */
int lfs_layerdg_key(const char *path, uint64_t created,
		    char key[LFS_LAYERDG_KEY_LEN + 1]);

/* The last well-formed line of @text for @key into @r: 0 or -ENOENT. */
int lfs_layerdg_find(const char *text, const char *key, struct lfs_layerdg *r);

/*
 * The OCI layer media type of a record's @mt (docker's names too: a
 * "zstd" one is zstd, a "gzip" one gzip, any other a plain tar).  Pure.
 */
const char *lfs_layerdg_media_type(const char *mt);

/* Record @r's blob (digest, diff_id, size, media type) into @ol.  Pure. */
void lfs_layerdg_to_layer(const struct lfs_layerdg *r,
			  struct lfs_oci_layer *ol);

/* @ol's blob into record @r (its key stays).  Pure. */
void lfs_layerdg_from_layer(struct lfs_layerdg *r,
			    const struct lfs_oci_layer *ol);

/* @r as a line (with its newline) into @buf; 0 or -ENAMETOOLONG. */
int lfs_layerdg_line(const struct lfs_layerdg *r, char *buf, size_t len);

/*
 * @old (NULL: empty) with the lines of @add appended, the same lines
 * dropped from before, and only the last @max kept.  malloc()ed, or
 * NULL.  (Pure; blobsrc.c's merge too.)
 */
char *lfs_lines_merge(const char *old, const char *add, size_t max);

/* Records @n lines @r in @root's file (best effort). */
void lfs_layerdg_record(const char *root, const struct lfs_layerdg *r,
			size_t n);

/* lfs_layerdg_find() on @root's file. */
int lfs_layerdg_lookup(const char *root, const char *key,
		       struct lfs_layerdg *r);

#endif /* LAYERCTL_LAYERDG_H */
