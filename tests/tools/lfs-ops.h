/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Filesystem operations of the differential tests, run on a path below a
 * mount root, each producing a result string: "ok ..." (with what it
 * read, for reading operations) or the errno name.  The same operation on
 * overlayfs and on layerfs must give the same string.
 */
#ifndef LFS_OPS_H
#define LFS_OPS_H

#include "lfs-common.h"

enum lfs_opk {
	LFS_OP_NONE,
	LFS_OP_INSPECT,		/* lstat, content/readlink, xattrs, readdir */
	LFS_OP_READDIR,		/* names, d_type, d_ino vs st_ino */
	LFS_OP_READ,
	LFS_OP_GETX,		/* a, name b */
	LFS_OP_LISTX,
	LFS_OP_OPEN,		/* a, flags n (mode 0640) */
	LFS_OP_WRITE,		/* a, flags n, data s at off (-1: write()) */
	LFS_OP_MMAPW,		/* a, data s at off through a shared mapping */
	LFS_OP_TRUNC,		/* a, length n */
	LFS_OP_CHMOD,		/* a, mode n (follows symlinks) */
	LFS_OP_CHOWN,		/* a, uid n, gid off (follows) */
	LFS_OP_LCHOWN,		/* a, uid n, gid off */
	LFS_OP_UTIMES,		/* a, atime n, mtime off (no follow) */
	LFS_OP_SETX,		/* a, name b, value s, flags n */
	LFS_OP_REMOVEX,		/* a, name b */
	LFS_OP_LINK,		/* a -> new name b */
	LFS_OP_SYMLINK,		/* new name a with target s */
	LFS_OP_MKDIR,		/* a, mode n */
	LFS_OP_MKNOD,		/* a, mode n (with type), rdev off */
	LFS_OP_UNLINK,
	LFS_OP_RMDIR,
	LFS_OP_RENAME,		/* a -> b, renameat2 flags n */
	LFS_OP_OLDFD,		/* read a through an fd opened before a write */
	LFS_OP_INOCU,		/* is st_ino the same after copy-up? */
	LFS_OP_COPYUP,		/* copy a up without visible change */
	LFS_OP_EMPTY,		/* remove everything below directory a */
	LFS_OP_OPENFD,		/* keep a open in slot off, flags n */
	LFS_OP_FDWRITE,		/* write s at n through slot off */
	LFS_OP_FDREAD,		/* read slot off from 0 */
	LFS_OP_CLOSEFD,		/* close slot off */
	LFS_OP_COUNT
};

struct lfs_op {
	enum lfs_opk k;
	const char *a, *b;
	long n, off;
	const char *s;
};

#define LFS_FD_SLOTS 4

/* Per-mount state of a sequence of operations: held file descriptors. */
struct lfs_opctx {
	int fd[LFS_FD_SLOTS];
};

void lfs_opctx_init(struct lfs_opctx *ctx);
/* Closes every held fd; call before unmounting. */
void lfs_opctx_close(struct lfs_opctx *ctx);
/* Runs @op below @root, appending its result to @out. */
void lfs_op_run(struct lfs_opctx *ctx, const char *root,
		const struct lfs_op *op, struct lfs_sb *out);
/* A short readable description ("rename f_low -> new (NOREPLACE)"). */
void lfs_op_name(const struct lfs_op *op, struct lfs_sb *out);

#endif /* LFS_OPS_H */
