/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The compressed layer blobs the store keeps (blobkeep.c), as containerd's
 * content store keeps them: ROOT/blobs/sha256/HEX (blobname.h), so that a
 * later save or push of the layer copies or uploads the blob instead of
 * compressing the layer again.  save keeps what it writes (a hard link
 * to the layout's file when on the same filesystem), push what it
 * compresses (a copy of the stream it uploads), pull what it downloads
 * (the partial download, renamed once verified), load the layout's blobs
 * of the layers it adds (a hard link, or a copy).  Which blob a layer is
 * comes from the store's record (layerdg.h); a kept blob is used only if
 * its size is the record's, and its SHA-256 is computed while it is used:
 * one that does not match is deleted and the layer compressed again.
 *
 * Writes are crash-safe: a temporary file in the same directory
 * (LFS_KEEP_TMP_PREFIX), fsynced, renamed into place, the directory
 * fsynced.  Commands that keep or read blobs hold the store's shared lock
 * (store.h) meanwhile, so prune (which takes it exclusively) sees no blob
 * half written and none kept but not yet recorded.
 */
#ifndef LAYERCTL_BLOBKEEP_H
#define LAYERCTL_BLOBKEEP_H

#include <stdint.h>

#include "blobname.h"
#include "nl.h"
#include "oci.h"
#include "ocireg_client.h"
#include "strv.h"

/* ROOT/blobs/sha256 of the store root @rootfd, made if @create: fd or -errno. */
int lfs_keep_dir(int rootfd, int create);

/*
 * Opens kept blob @digest for reading if it is @size bytes long: an fd;
 * -ENOENT if none is kept; -EBADMSG if it has another size (then it is
 * deleted: not that blob).
 */
int lfs_keep_open(int rootfd, const char *digest, uint64_t size);

/*
 * Reads @fd from its start to its end, writing each piece to @out too
 * unless @out is -1: its SHA-256 into @digest, its length into *@size.
 * 0 or -errno (a failed read or write).
 */
int lfs_keep_stream(int fd, int out, char digest[LFS_DIGEST_LEN],
		    uint64_t *size);

/* Deletes kept blob @digest (found not to match it). */
void lfs_keep_drop(int rootfd, const char *digest);

/* A blob being kept: written to w->fd, a temporary file. */
struct lfs_keep_w {
	int dfd;		/* ROOT/blobs/sha256 */
	int fd;			/* -1: none */
	char tmp[48];
};

/* Starts one: w->fd open for writing.  0 or -errno (w->fd -1). */
int lfs_keep_w_start(int rootfd, struct lfs_keep_w *w);

/*
 * The file complete: kept as blob @digest (fsync, rename, fsync of the
 * directory).  0 or -errno; either way @w is closed.
 */
int lfs_keep_w_commit(struct lfs_keep_w *w, const char *digest);

/* Abandons it (the temporary file deleted); closes @w. */
void lfs_keep_w_abort(struct lfs_keep_w *w);

/*
 * Keeps the complete file @name of @dirfd (synced by its writer) as blob
 * @digest: a hard link when on the store's filesystem and the caller's
 * own file, else a copy.  Only a regular file (not a symlink's target):
 * else -EINVAL or -ELOOP.  0 or -errno.
 */
int lfs_keep_file(int rootfd, int dirfd, const char *name, const char *digest);

/*
 * Kept blob @digest of @size bytes as the file @name of @dirfd (a hard
 * link when on the same filesystem, else a copy through a new temporary
 * file beside it, lfs_tmp_create(): O_EXCL, fsynced and renamed), once
 * its SHA-256 is found to be @digest.  0; -ENOENT if none is kept;
 * -EBADMSG if the kept one is not that blob (deleted); another -errno.
 */
int lfs_keep_place(int rootfd, const char *digest, uint64_t size, int dirfd,
		   const char *name);

/*
 * Keeps pull's partial download of blob @digest (pullpart.h), which
 * part->whole says holds the whole blob, verified, as the kept blob:
 * fsynced, made readable like save's blobs (0644), renamed into
 * ROOT/blobs/sha256.  0 (part->fd closed), or -errno (then the caller
 * closes it: lfs_part_close()).
 */
int lfs_keep_partial(int rootfd, const char *digest, struct lfs_reg_part *part);

/*
 * For prune, store @st locked exclusively: deletes (unless @dry) the
 * kept blobs that no layer recorded in the store or registered in @nl is
 * recorded as (blobname.h: lfs_blob_live() over the keys of those layers
 * as they are now) and the temporary files of writers that did not
 * finish.  Their digests (or names) into @gone, their bytes added to
 * *@size; a failed deletion sets *@failed.  0 or -errno.
 */
struct lfs_store;
int lfs_keep_prune(const struct lfs_store *st, struct lfs_nl *nl, int dry,
		   struct lfs_strv *gone, uint64_t *size, int *failed);

#endif /* LAYERCTL_BLOBKEEP_H */
