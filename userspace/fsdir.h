/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers on file descriptors (fsdir.c): the sorted names of a directory,
 * the one recursive removal layerctl uses (the store's layers and views, a
 * failed import's partial tree), the one full write, and the one open of
 * a file that must be regular.
 */
#ifndef LAYERCTL_FSDIR_H
#define LAYERCTL_FSDIR_H

#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>

/*
 * The names in @dirfd (not "." or ".."), sorted byte-wise, into *@names
 * (free each and the array) and *@n.  0 or -errno.
 */
int lfs_dir_names(int dirfd, char ***names, size_t *n);

/* Writes all @n bytes (retrying on EINTR); 0 or -errno (-EIO: no progress). */
int lfs_write_all(int fd, const void *p, size_t n);

/* qsort() comparison of two char *: strcmp() order. */
int lfs_cmp_str(const void *a, const void *b);

/*
 * Removes @name in directory @dirfd and everything below it, following no
 * symlink and crossing no mount (-EXDEV: stops at one); a directory it may
 * not open is made 0700 first.  0 (also if it did not exist) or -errno.
 */
int lfs_rm_rf_at(int dirfd, const char *name);

/*
 * Creates a new file beside @name (a name in @dirfd, or a path below it)
 * to be renamed over it: tmpname.h's ".BASE.XXXXXXXX.tmp", random,
 * O_EXCL|O_NOFOLLOW, mode @mode (and the umask), opened for writing.  One
 * this call made, never one somebody who can write the directory planted
 * (who would read what is written or own the file it becomes, or have it
 * written through a link), nor one another writer of @name is writing at
 * the same time.  Its name (as @name's path) in @tmp; the fd or a
 * negative errno.
 */
int lfs_tmp_create(int dirfd, const char *name, char *tmp, size_t size,
		   int mode);

/*
 * Replaces @name in @dirfd (a name, or a path below it whose directory
 * exists) with the @len bytes at @p, mode exactly @mode, atomically and
 * durably: a new temporary file beside it (lfs_tmp_create() in fsdir.c:
 * random name, O_EXCL, never one somebody planted nor one another writer
 * of @name is writing), a full write, fsync, rename over @name, fsync of
 * the directory.  On failure @name is as it was and no temporary file is
 * left.  0 or a negative errno.
 */
int lfs_write_file_atomic(int dirfd, const char *name, const void *p,
			  size_t len, mode_t mode);

/*
 * Opens @name in @dirfd for reading if it is a regular file, following no
 * symlink and waiting on no FIFO (O_NONBLOCK, which a regular file's reads
 * ignore): an fd with its stat in *@st, -EINVAL for another type, or
 * -errno.
 */
int lfs_open_regular(int dirfd, const char *name, struct stat *st);

/* mkdir -p @path with @mode for what it makes: 0 or a negative errno. */
int lfs_mkdir_p(const char *path, mode_t mode);

/*
 * Opens the directory @path, absolute, reaching each of its components
 * without following a symbolic link (as O_PATH, for *at() calls and
 * move_mount(2)); with @create, makes the missing ones (mode @mode) on
 * the way, never through a link.  An fd, or -ELOOP if a component is a
 * symbolic link, -ENOTDIR if it is another non-directory, -EINVAL for a
 * relative path or a "." or ".." component, or -errno.
 */
int lfs_open_dir_nofollow(const char *path, int create, mode_t mode);

#endif /* LAYERCTL_FSDIR_H */
