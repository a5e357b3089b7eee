/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Builder of the flattened index of a frozen layer chain (the format:
 * include/layerfs/index.h).
 *
 * index_build.c is the pure core: a layer's contents as an in-memory tree
 * (struct lfs_ldir), a parsed index (struct lfs_index), the merge of one
 * new top layer over the index of the chain below it (struct lfs_mtree),
 * and its serialization.  The merge touches only the directories the new
 * layer has: every other directory stays a reference into the parent's
 * index, and serialization copies those records with their layer numbers
 * shifted by one.
 *
 * index_io.c is the I/O: reading a layer directory into a tree (whiteouts,
 * opaque and origin xattrs), a layer directory's identity, and reading and
 * crash-safely writing index files.
 */
#ifndef LAYERCTL_INDEX_BUILD_H
#define LAYERCTL_INDEX_BUILD_H

#include <stddef.h>
#include <stdint.h>

#include <layerfs/index.h>

#include "err.h"

/* lfs_lent.type of a whiteout (a 0/0 character device). */
#define LFS_LENT_WHITEOUT	0xff

/* One object of a layer directory. */
struct lfs_lent {
	char *name;		/* NUL-terminated, owned */
	unsigned int len;
	unsigned char type;	/* LAYERFS_INDEX_DT_*, or LFS_LENT_WHITEOUT */
	unsigned char opaque;	/* directory marked trusted.overlay.opaque=y */
	unsigned char origin;	/* ino is a copy-up origin */
	unsigned char fh_len;	/* file handle: 0 (none), or its bytes */
	uint32_t fh_type;	/* ...follow the name's NUL */
	unsigned char stat;	/* a stat record follows the handle */
	uint64_t ino;
	struct lfs_ldir *dir;	/* directories: contents, owned */
};

/* The objects of one layer directory; sorted by lfs_ldir_sort(). */
struct lfs_ldir {
	size_t n, cap;
	struct lfs_lent *ents;
};

/*
 * Appends an object to @d; a directory gets an empty lfs_ldir.  Returns
 * the new object, or NULL (out of memory, or a name the format refuses).
 */
struct lfs_lent *lfs_ldir_add(struct lfs_ldir *d, const char *name,
			      unsigned int type, uint64_t ino);
/*
 * Gives non-directory @e the file handle @fh of @len bytes (a multiple of
 * 4, at most LAYERFS_INDEX_FH_MAX) and type @type (at most 254): 0, or
 * -EINVAL (refused as such) or -ENOMEM.
 */
int lfs_lent_set_fh(struct lfs_lent *e, uint32_t type, const void *fh,
		    unsigned int len);
/*
 * Gives non-directory @e, which has its handle if any, the stat record
 * @st (checked against its type): 0, -EINVAL or -ENOMEM.
 */
int lfs_lent_set_stat(struct lfs_lent *e, const struct layerfs_index_stat *st);
/* The stat record of lstat(2)'s result: mode, owner, size, times... */
struct stat;
void lfs_index_stat_from(struct layerfs_index_stat *st, const struct stat *sb);
/* Sorts every directory of the tree by name; -EEXIST on a duplicate. */
int lfs_ldir_sort(struct lfs_ldir *d);
void lfs_ldir_free(struct lfs_ldir *d);

/* A validated index in memory. */
struct lfs_index {
	const unsigned char *buf;
	size_t len;
	uint32_t nlayers, ndirs, nentries;
	const struct layerfs_index_layer *layers;
	const struct layerfs_index_dir *dirs;
	const struct layerfs_index_entry *ents;
	const char *names;
	void (*release)(struct lfs_index *ix);	/* frees buf, or NULL */
};

/*
 * Validates @len bytes at @buf (8-byte aligned) and fills @ix, which
 * borrows @buf.  0, or -EINVAL with why the index is refused in @e.
 */
int lfs_index_parse(struct lfs_index *ix, const void *buf, size_t len,
		    struct lfs_err *e);
/* Calls ix->release, if any. */
void lfs_index_close(struct lfs_index *ix);

/* One entry of a merged directory (the fields of the format's entries). */
struct lfs_ment {
	const char *name;	/* borrowed: from a layer tree or an index */
	unsigned int len;
	unsigned char type, flags;
	unsigned char fh_len;
	uint32_t fh_type;
	const unsigned char *fh;	/* borrowed like the name; the stat
					 * record (flags) follows it */
	uint32_t layer, bottom;
	uint64_t ino;
	struct lfs_mdir *dir;	/* a directory built in memory, or NULL: */
	uint32_t ref;		/* its id in the tree's base index */
};

struct lfs_mdir {
	size_t n;
	struct lfs_ment *ents;
};

/*
 * A merged tree: directories built in memory, and references to
 * directories of @base whose layer numbers are @shift lower than in this
 * tree.  Borrows @base and the names of the layer tree it was merged from.
 */
struct lfs_mtree {
	uint32_t nlayers;
	struct layerfs_index_layer *layers;	/* top first, owned */
	struct lfs_mdir *root;
	const struct lfs_index *base;
	uint32_t shift;
};

/*
 * Merges layer @top (sorted, identity @id) over the chain of index
 * @parent (NULL: @top is a base layer).  Costs O(entries of @top + entries
 * of the directories of @parent that @top has).  0 or -errno.
 */
int lfs_index_merge(struct lfs_mtree *t, const struct lfs_ldir *top,
		    const struct layerfs_index_layer *id,
		    const struct lfs_index *parent);
/* The whole tree of index @ix, every directory in memory.  0 or -errno. */
int lfs_mtree_load(struct lfs_mtree *t, const struct lfs_index *ix);
/*
 * The index file of @t: *@buf (free() it) of *@len bytes.  0, -ENOMEM, or
 * -EFBIG past the format's limits.
 */
int lfs_mtree_serialize(const struct lfs_mtree *t, void **buf, size_t *len);
void lfs_mtree_free(struct lfs_mtree *t);

/* CRC-32C as the format defines it, table-driven (same value). */
uint32_t lfs_index_crc32c(const void *data, size_t len);

/*
 * I/O (index_walk.c, index_io.c).  Errors: -errno, and in @e (may be
 * NULL) what failed ("cannot open the index"), which lfs_err_str()
 * completes with strerror.
 */

/*
 * Directories nested more levels below a layer's root are not indexed:
 * the path of a deeper one is longer than PATH_MAX ("d/d/...": two bytes
 * a level), so no tar of a layer carries one, and the reader recurses a
 * level per directory.  Every tree within it is read and merged in a few
 * MiB of stack.
 */
#define LFS_INDEX_DEPTH_MAX	2048

/*
 * Reads the layer directory @dirfd into @d (sorted), on @jobs threads
 * (0: one per online CPU, at most 8).  The result, and the error of a
 * tree with one fault, do not depend on @jobs.  A directory more than
 * LFS_INDEX_DEPTH_MAX levels below the root: -ELOOP, the text in @e.
 */
int lfs_layer_read_jobs(int dirfd, struct lfs_ldir *d, unsigned int jobs,
			struct lfs_err *e);
/* lfs_layer_read_jobs(@dirfd, @d, 0, @e). */
int lfs_layer_read(int dirfd, struct lfs_ldir *d, struct lfs_err *e);
/* The identity of layer directory @dirfd, with store key @key or NULL. */
int lfs_layer_identity(int dirfd, const char *key,
		       struct layerfs_index_layer *id);
/* Reads and validates index file @name in @dirfd into @ix (mapped). */
int lfs_index_read_file(int dirfd, const char *name, struct lfs_index *ix,
			struct lfs_err *e);
/*
 * Writes @buf as @name in @dirfd (lfs_store_write_atomic(): temp file,
 * fsync, rename, fsync of the directory).
 */
int lfs_index_write_file(int dirfd, const char *name, const void *buf,
			 size_t len);
/*
 * Builds index @name in @outfd for layer directory @layerfd (store key
 * @key or NULL) over the chain of @parent (NULL for a base layer).
 */
int lfs_index_build(int layerfd, const char *key,
		    const struct lfs_index *parent, int outfd,
		    const char *name, struct lfs_err *e);
/*
 * The index of the chain @layerfds[0..@n) (top first; store keys @keys or
 * NULL), built from scratch bottom up, in *@buf (free() it).
 */
int lfs_index_build_chain(const int *layerfds, const char *const *keys,
			  uint32_t n, void **buf, size_t *len,
			  struct lfs_err *e);

/* The same from the layers' directory paths, each opened for its step. */
int lfs_index_build_paths(const char *const *paths, const char *const *keys,
			  uint32_t n, void **buf, size_t *len,
			  struct lfs_err *e);

#endif /* LAYERCTL_INDEX_BUILD_H */
