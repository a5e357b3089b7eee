/* SPDX-License-Identifier: GPL-2.0 */
/*
 * OCI layer tarballs <-> layer directories (overlayfs format), with
 * libarchive and OpenSSL's SHA-256: the file I/O behind export, import,
 * save, load and tests/fuzz/fuzz_import.c.  No netlink.  Export is in
 * tar_export.c, import in tar_import.c (with tar_import_in.c,
 * tar_import_dirs.c and tar_seen.c: tarimp.h), what they share in
 * tar_common.c (tarpriv.h); lfs_rm_rf_at() is in fsdir.h.
 *
 * Errors: functions return 0 or a negative errno and put into @err (see
 * err.h) one line that says it all (code 0; e.g. "entry 'a/../b': '..'
 * component", "entry 'a': 10 bytes, more than 9: see --max-entry-size"),
 * or what failed with the errno as the code (e.g. "entry 'a': cannot set
 * xattr 'foo.bar'", "file 'b': cannot open it", "cannot write the
 * tarball", "cannot read the input"; the reporter adds the errno's text),
 * or only the errno when there is nothing to add.
 */
#ifndef LAYERCTL_OCITAR_H
#define LAYERCTL_OCITAR_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "fsdir.h"
#include "oci.h"
#include "tarlimits.h"

struct lfs_tar_digests {
	char diff_id[LFS_DIGEST_LEN];	/* sha256 of the uncompressed tar */
	char digest[LFS_DIGEST_LEN];	/* sha256 of the blob as stored */
	uint64_t tar_size;		/* uncompressed bytes */
	uint64_t blob_size;		/* blob bytes */
};

/*
 * Writes the layer directory @root (an absolute or relative path) as an OCI
 * layer tarball to @outfd, compressed as @c, in one pass: entries in
 * byte-wise sorted order, parents before children; 0/0 character devices
 * become ".wh.NAME", an opaque directory (trusted.overlay.opaque=y) is
 * followed at once by its ".wh..wh..opq"; hard links inside the layer
 * become tar hard links to the first name (in that order); xattrs other
 * than trusted.overlay.* and trusted.layerfs.* travel as SCHILY.xattr PAX
 * records; numeric owners, modes and mtimes (ns) exact, no user names, no
 * atime/ctime, so that the same tree always gives the same bytes.  The
 * layer's root directory itself is not an entry.  @d receives both digests
 * and sizes, computed while writing.
 */
int lfs_tar_export(const char *root, int outfd, enum lfs_compress c,
		   struct lfs_tar_digests *d, struct lfs_err *err);

/*
 * lfs_tar_export() of the directory open at @dirfd (left open), for a
 * caller that names it: no error names the directory itself ("cannot
 * make the tar", "file 'a/b': ...").
 */
int lfs_tar_export_at(int dirfd, int outfd, enum lfs_compress c,
		      struct lfs_tar_digests *d, struct lfs_err *err);

/*
 * lfs_tar_export(), the blob also written to @teefd as it is made (push
 * keeps what it uploads: blobkeep.h).  A write to @teefd that fails stops
 * the copy, not the export: *@tee_err (if not NULL) receives its errno,
 * else 0.
 */
int lfs_tar_export_tee(const char *root, int outfd, int teefd,
		       enum lfs_compress c, struct lfs_tar_digests *d,
		       int *tee_err, struct lfs_err *err);

struct lfs_tar_import_opts {
	int set_owner;		/* chown entries to the tar's uid/gid (root) */
	int allow_devices;	/* create device nodes (root only) */
	/*
	 * the caller checks the blob's digest itself (pull, as it downloads
	 * it): a compressed blob is not hashed again, and st->d.digest is ""
	 */
	int blob_checked;
	/*
	 * the caller compares st->d.diff_id with the one it expects (the
	 * image config's): the gzip trailer's CRC-32 would tell nothing
	 * more, and is not computed (its length is still checked)
	 */
	int diff_id_checked;
	struct lfs_tar_limits limits;	/* checked while extracting */
	/*
	 * the caller syncs the filesystem once it is done (pull, load,
	 * import into the store): each file's writeback is started as soon
	 * as it is written, so that the sync has little left to wait for
	 */
	int writeback;
	/* the input, if not NULL (then @fd and @mem are not used) */
	struct lfs_tar_feed *feed;
};

struct lfs_tar_import_stats {
	struct lfs_tar_digests d;
	uint64_t size;		/* bytes in regular files and symlinks */
	uint64_t files;		/* non-directory entries, whiteouts included */
};

/*
 * A stream handed to lfs_tar_import() by another thread (pull: as the
 * blob arrives), in place of a pipe: the producer's bytes are copied once,
 * into the buffers the import decompresses from, where a pipe copies them
 * into the kernel and out again.  One producer, the import the consumer.
 */
struct lfs_tar_feed;

/* A new feed, or NULL (out of memory). */
struct lfs_tar_feed *lfs_tar_feed_new(void);
/*
 * Producer: @n bytes at @p, in order; waits while the import is behind.
 * Once the consumer has stopped (lfs_tar_feed_stop()) they are dropped:
 * the producer goes on to its own end (pull checks the blob's digest).
 */
void lfs_tar_feed_write(struct lfs_tar_feed *f, const void *p, size_t n);
/*
 * Consumer: done with it (the import returned, or never started): the
 * producer no longer waits.
 */
void lfs_tar_feed_stop(struct lfs_tar_feed *f);
/*
 * Producer: the end of the stream; @err: an errno, the stream broke off
 * (the import fails reading it), or 0.
 */
void lfs_tar_feed_close(struct lfs_tar_feed *f, int err);
/* Once both sides are done with it. */
void lfs_tar_feed_free(struct lfs_tar_feed *f);

/*
 * Extracts the tarball (plain, gzip or zstd: detected) read from
 * opts->feed, else from @fd, or from @mem/@memlen if @fd < 0, into the
 * empty directory @rootfd, in one pass: ".wh.NAME" becomes a 0/0
 * character device, ".wh..wh..opq" the xattr trusted.overlay.opaque=y on
 * its directory.  Every name is resolved
 * beneath @rootfd (openat2 RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS), last
 * components are never followed, and an entry is refused (-EINVAL, or the
 * errno of the failed call) for: an absolute path, a '..' component, a
 * path through a symlink that leaves the directory, a duplicate name, a
 * hard link to a name not extracted before, a device node unless
 * allow_devices, an overlay-private xattr, a malformed whiteout name;
 * truncated or corrupt input fails too (-EINVAL); so does (-EFBIG) an
 * entry beyond opts->limits, checked at each header before anything of
 * the entry is written: more than max_entries entries, an entry whose
 * size (a sparse one's holes included) is over max_entry_size, entries
 * whose sizes add up to more than max_size; and an uncompressed stream
 * longer than those limits allow (lfs_tar_stream_max(): a compressed
 * bomb stops there).  Sparse entries are written as holes (pwrite at
 * the data's offsets, ftruncate for a final hole).  On failure the directory holds a
 * partial tree: the caller removes it (lfs_rm_rf_at).  Directory modes,
 * owners and times are applied at the end, deepest first.
 */
int lfs_tar_import(int fd, const void *mem, size_t memlen, int rootfd,
		   const struct lfs_tar_import_opts *opts,
		   struct lfs_tar_import_stats *st, struct lfs_err *err);

#endif /* LAYERCTL_OCITAR_H */
