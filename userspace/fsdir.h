/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers on file descriptors (fsdir.c): the sorted names of a directory,
 * the one recursive removal layerctl uses (the store's layers and views, a
 * failed import's partial tree), the one full write, the one open of a
 * file that must be regular, the one /proc/self/fd path of an fd, and the
 * two ways to reach a directory by path (why two: see lfs_mkdir_p()).
 */
#ifndef LAYERCTL_FSDIR_H
#define LAYERCTL_FSDIR_H

#include <limits.h>
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
 * durably: a new unnamed file in its directory (O_TMPFILE), a full write,
 * fsync, a link under a temporary name beside it (random, never one
 * somebody planted nor one another writer of @name is writing), rename
 * over @name, fsync of the directory; where O_TMPFILE or /proc is
 * missing, a new temporary file beside it from the start
 * (lfs_tmp_create(): O_EXCL) instead.  On failure @name is as it was and
 * no temporary file is left; a signal that ends the process while it
 * writes or syncs leaves none either (with O_TMPFILE).  0 or a negative
 * errno.
 */
int lfs_write_file_atomic(int dirfd, const char *name, const void *p,
			  size_t len, mode_t mode);

/*
 * "/proc/self/fd/FD" (@name NULL) or "/proc/self/fd/FD/NAME" into @buf:
 * a path to the object open as @fd, or to the entry @name of the
 * directory open as @fd, that no change to the names above it redirects
 * (for the calls that take no fd: lgetxattr(), linkat() of an fd without
 * CAP_DAC_READ_SEARCH, a reopen).  LFS_FD_PATH_MAX holds any of them for
 * a @name of at most NAME_MAX bytes.  0, or -ENAMETOOLONG if it does not
 * fit @size (@buf then holds no usable path).
 */
#define LFS_FD_PATH_MAX (sizeof("/proc/self/fd//") + 10 + NAME_MAX)
int lfs_fd_path(char *buf, size_t size, int fd, const char *name);

/*
 * Opens @name in @dirfd (a name, or a path below it) for reading if it is
 * a regular file, and opens nothing else: @name is reached O_PATH, which
 * opens no object (no FIFO waited on or its writer woken, no device's
 * open run: a tape would rewind), following no symlink as its last
 * component; only a regular file is then opened, that same inode,
 * through its lfs_fd_path() (so /proc must be mounted).  @flags: 0, or
 * O_NOATIME (left out where the caller may not use it: not the file's
 * owner).  An fd with the file's stat in *@st; -ELOOP for a symlink,
 * -EINVAL for another non-regular type (*@st then tells which), or -errno.
 */
int lfs_open_regular(int dirfd, const char *name, int flags, struct stat *st);

/*
 * lfs_open_regular() that follows symlinks, the last component's too (a
 * file the user may keep as a link: ~/.docker/config.json), and still
 * opens nothing but the regular file they lead to: -EINVAL for another
 * type.
 */
int lfs_open_regular_follow(int dirfd, const char *name, int flags,
			    struct stat *st);

/*
 * Two ways to reach a directory by path, one component at a time from "/"
 * (or ".") with the same walk (lfs_path_next() in fsdir.c), because they
 * promise different things and one flag would have to change three rules
 * of the walk, in the function whose point is never to follow a link:
 * lfs_mkdir_p() goes where the path leads, as mkdir -p and the kernel do
 * (links, "." and "..", a relative path), makes but neither opens nor
 * checks its last component; lfs_open_dir_nofollow() refuses every link,
 * "." and "..", and returns the last component open, a directory.  The
 * first is for a path the caller chose (the store's root, which may lie
 * under a link); the second for one somebody else could have changed
 * since it was recorded (restore's mountpoints, made as root at boot).
 */

/*
 * mkdir -p @path (absolute or relative, shorter than PATH_MAX) with @mode
 * for what it makes, following links.  0, also if the last component is
 * there already as something else (what opens it next finds out), or a
 * negative errno: -ENOTDIR, -ENOENT (a dangling link) for one on the way.
 */
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
