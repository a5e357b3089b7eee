/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Private to the tar importer (lfs_tar_import(), ocitar.h), which is
 * split by what each part does with one struct lfs_imp:
 *
 *   tar_import.c       the entries: names, parents, files, links, nodes,
 *                      whiteouts, xattrs, owners, modes, times; the driver
 *   tar_import_in.c    the stream: reading and hashing the input, the
 *                      decompressing thread, the tap's hashing thread, the
 *                      tar reader's input, the end of the stream, digests
 *   tar_import_dirs.c  directories: created as entries, their attributes
 *                      recorded and set by a walk of the tree at the end
 *   tar_seen.c         the set of names seen so far
 *
 * Threads: the decompressing thread and the tap's use only the input
 * fields (up to @filter) and the queue; everything else is the tar
 * reader's (the caller's thread).
 */
#ifndef LAYERCTL_TARIMP_H
#define LAYERCTL_TARIMP_H

#include <fcntl.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include <archive.h>
#include <archive_entry.h>
#include <openssl/evp.h>
#include <zlib.h>

#include "ocitar.h"
#include "tarpriv.h"

/*
 * A set of names seen in the archive, with what they were.  A name is
 * kept as its SHA-256 truncated to 128 bits, not as itself, so that the
 * set takes 24 bytes a slot (32-64 bytes an entry, at a load of 3/8 to
 * 3/4) whatever the length of the paths: a hostile layer within
 * the limits (10 million entries of 4 KB paths by default) would
 * otherwise hold 40 GB here.  Two names are taken as the same if their
 * digests are: a chance of about 2^-82 for 10 million names, and even a
 * forged collision would only refuse a layer ("duplicate entry") or let a
 * hard link be attempted, which linkat() then resolves beneath the root.
 */
enum { SEEN_DIR = 1, SEEN_FILE, SEEN_OTHER, SEEN_WHITEOUT, SEEN_OPQ };

#define LFS_SEEN_KEY 16

struct lfs_seen_ent {
	unsigned char key[LFS_SEEN_KEY];
	uint32_t kind;			/* 0: a free slot */
	uint32_t dir;			/* SEEN_DIR: its lfs_imp.dirs[] */
};

struct lfs_seen {
	struct lfs_seen_ent *v;
	size_t n, cap;		/* cap: power of two */
	EVP_MD_CTX *md;
	EVP_MD *sha;		/* fetched once: 3 times faster a name */
};

/*
 * Applied to the directories at the end, found by a walk of the tree
 * (lfs_imp_apply_dirs()): their paths are not kept either.
 */
struct lfs_dirmeta {
	mode_t mode;
	uid_t uid;
	gid_t gid;
	struct timespec ts[2];
};

/*
 * A directory entry whose path goes through a symlink of the layer
 * ("l/x", l -> d): the walk finds it by another path (d/x), so it is
 * found by its inode, and its name is kept for errors (a rare case: a
 * hostile layer's many such entries cost their names, within the limits
 * on entries and header sizes).
 */
struct lfs_linkdir {
	dev_t dev;
	ino_t ino;
	uint32_t dir;		/* index into lfs_imp.dirs */
	int done;		/* applied by the walk */
	char *rel;		/* the entry's name */
};

struct lfs_imp {
	/* input */
	struct lfs_tar_feed *feed;	/* from it if not NULL */
	int fd;
	const unsigned char *mem;
	size_t memlen, memoff;
	unsigned char *inbuf;	/* LFS_IO_CHUNK, for fd input */
	const void *peek;	/* the first piece, read to tell gzip ... */
	ssize_t peek_len;	/* ... its length; -1: handed on */
	struct archive *raw;	/* decompressor, but for gzip */
	z_stream zs;		/* gzip's, if zs_on */
	int zs_on;
	struct archive *tar;
	EVP_MD_CTX *md_blob, *md_tar;
	uint64_t blob_size, tar_size;
	int in_err;		/* errno of a failed read */
	char raw_err[256];	/* why the decompressing thread stopped */
	struct lfs_pipe pipe;	/* from the decompressing thread */
	unsigned char tail[8];	/* the last 8 bytes of input (gzip trailer) */
	uLong crc;		/* CRC-32 of the decompressed stream */
	int filter;		/* ARCHIVE_FILTER_NONE, _GZIP or _ZSTD */

	int rootfd;
	const struct lfs_tar_import_opts *opts;
	struct lfs_tar_import_stats *st;
	struct lfs_seen seen;
	struct lfs_dirmeta *dirs;
	size_t n_dirs, cap_dirs;
	struct lfs_linkdir *ldirs;	/* sorted by inode, then dir */
	size_t n_ldirs, cap_ldirs;
	uint64_t entries, declared;	/* so far, against opts->limits */
	uint64_t stream_max;		/* lfs_tar_stream_max(), 0: none */
	struct lfs_tar_hdr hdr;		/* the headers read, by tar_size */
	char *pcache;		/* parent path whose fd is pcache_fd */
	int pcache_fd;
	int pcache_link;	/* that path goes through a symlink */
	int parent_link;	/* so does the last lfs_imp_parent()'s */
	struct lfs_err *err;	/* the caller's; may be NULL */
};

#define LFS_DIRFLAGS (O_RDONLY | O_DIRECTORY)

/* tar_seen.c: the entry of name @n, or NULL (also if out of memory). */
struct lfs_seen_ent *lfs_seen_find(struct lfs_seen *s, const char *n);
/* tar_seen.c: 0, -EEXIST if present, -ENOMEM. */
int lfs_seen_add(struct lfs_seen *s, const char *n, int kind);
void lfs_seen_free(struct lfs_seen *s);

/* tar_import_in.c: the readers and threads, ready for the first header. */
int lfs_imp_open(struct lfs_imp *m);
/* tar_import_in.c: 1 (the reason in m->err) if the stream is too long. */
int lfs_imp_stream_over(struct lfs_imp *m);
/* tar_import_in.c: after the last entry, the rest of the stream checked. */
int lfs_imp_finish(struct lfs_imp *m);
/* tar_import_in.c: the digests and sizes into m->st->d. */
int lfs_imp_digests(struct lfs_imp *m);

/* tar_import_dirs.c: directory entry @rel, @name in @pfd ("" the root). */
int lfs_imp_dir(struct lfs_imp *m, struct archive_entry *e, int pfd,
		const char *name, const char *rel);
/* tar_import_dirs.c: every directory's attributes set, at the end. */
int lfs_imp_apply_dirs(struct lfs_imp *m);

/* tar_import.c: entry @e's xattrs onto @fd (see its comment). */
int lfs_imp_xattrs(struct lfs_imp *m, struct archive_entry *e, int fd,
		   int pfd, const char *name, const char *what);
/*
 * tar_import.c: @path opened beneath @dirfd (openat2() RESOLVE_BENEATH,
 * or one component at a time without symlinks): a descriptor or a
 * negative errno.
 */
int lfs_openat2(int dirfd, const char *path, int flags);
/* tar_import.c: entry @e's access and modification times. */
void lfs_entry_times(struct archive_entry *e, struct timespec ts[2]);

#endif
