/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Directories in use, by device and inode (inuse.c): what `layerctl
 * prune` must keep.  A path that mounted views or registered layers use
 * is resolved here and recorded with every directory above it, so that a
 * store directory is recognised however the path reached it (the store's
 * own path, a bind mount of it, a symlink).
 */
#ifndef LAYERCTL_INUSE_H
#define LAYERCTL_INUSE_H

#include <stddef.h>
#include <sys/types.h>

struct lfs_inuse_id {
	dev_t dev;
	ino_t ino;
};

struct lfs_inuse {
	struct lfs_inuse_id *v;
	size_t n, cap;
};

#define LFS_INUSE_INIT { NULL, 0, 0 }

/*
 * Records the directory or file @path and each directory above it (by
 * "..", so through the mounts the path crossed, up to the root).  A path
 * that cannot be resolved here (another mount namespace, a chroot, gone)
 * adds nothing: 0.  0 or -ENOMEM.
 */
int lfs_inuse_add_path(struct lfs_inuse *u, const char *path);

/* Sorts the records: call once they are all added, before lfs_inuse_has(). */
void lfs_inuse_sort(struct lfs_inuse *u);

/* 1 if @name in directory @dirfd (not followed) is recorded, else 0. */
int lfs_inuse_has(const struct lfs_inuse *u, int dirfd, const char *name);

void lfs_inuse_free(struct lfs_inuse *u);

#endif /* LAYERCTL_INUSE_H */
