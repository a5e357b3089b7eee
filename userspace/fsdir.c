// SPDX-License-Identifier: GPL-2.0
/* File helpers: sorted names, recursive removal, full writes, regular opens, fd paths (fsdir.h). */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fsdir.h"
#include "tmpname.h"

int lfs_cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int lfs_dir_names(int dirfd, char ***names, size_t *n)
{
	DIR *d;
	struct dirent *de;
	char **v = NULL, **nv;
	size_t cnt = 0, cap = 0;
	int fd = dup(dirfd), rc = 0;

	*names = NULL;
	*n = 0;
	if (fd < 0)
		return -errno;
	d = fdopendir(fd);
	if (!d) {
		rc = -errno;
		close(fd);
		return rc;
	}
	rewinddir(d);
	for (;;) {
		errno = 0;
		de = readdir(d);
		if (!de) {
			rc = -errno;
			break;
		}
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (cnt == cap) {
			cap = cap ? cap * 2 : 16;
			nv = realloc(v, cap * sizeof(*v));
			if (!nv) {
				rc = -ENOMEM;
				break;
			}
			v = nv;
		}
		v[cnt] = strdup(de->d_name);
		if (!v[cnt]) {
			rc = -ENOMEM;
			break;
		}
		cnt++;
	}
	closedir(d);
	if (rc) {
		while (cnt)
			free(v[--cnt]);
		free(v);
		return rc;
	}
	if (cnt)
		qsort(v, cnt, sizeof(*v), lfs_cmp_str);
	*names = v;
	*n = cnt;
	return 0;
}

static int lfs_rm_rf_dir(int fd, dev_t dev)
{
	char **names;
	size_t n, i;
	struct stat st;
	int sub, rc, r = 0;

	/*
	 * Its entries go only if it may be written and searched: a layer's
	 * read-only directory (0555) of a caller without CAP_DAC_OVERRIDE
	 * is made 0700 first (its owner may; it goes anyway).
	 */
	if (!fstat(fd, &st) && (st.st_mode & S_IRWXU) != S_IRWXU)
		fchmod(fd, (st.st_mode & 07777) | S_IRWXU);
	rc = lfs_dir_names(fd, &names, &n);
	if (rc)
		return rc;
	for (i = 0; i < n; i++) {
		if (!r && fstatat(fd, names[i], &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    S_ISDIR(st.st_mode)) {
			if (st.st_dev != dev) {
				r = -EXDEV;
			} else {
				sub = openat(fd, names[i], O_RDONLY | O_DIRECTORY |
					     O_NOFOLLOW | O_CLOEXEC);
				if (sub < 0 && errno == EACCES &&
				    !fchmodat(fd, names[i], 0700, 0))
					sub = openat(fd, names[i], O_RDONLY |
						     O_DIRECTORY | O_NOFOLLOW |
						     O_CLOEXEC);
				if (sub < 0) {
					r = -errno;
				} else {
					r = lfs_rm_rf_dir(sub, dev);
					close(sub);
				}
				if (!r && unlinkat(fd, names[i], AT_REMOVEDIR))
					r = -errno;
			}
		} else if (!r && unlinkat(fd, names[i], 0) && errno != ENOENT) {
			r = -errno;
		}
		free(names[i]);
	}
	free(names);
	return r;
}

int lfs_rm_rf_at(int dirfd, const char *name)
{
	struct stat st;
	int fd, rc;

	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW))
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISDIR(st.st_mode))
		return unlinkat(dirfd, name, 0) ? -errno : 0;
	fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
		    O_CLOEXEC);
	if (fd < 0 && errno == EACCES && !fchmodat(dirfd, name, 0700, 0))
		fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
			    O_CLOEXEC);
	if (fd < 0)
		return -errno;
	rc = lfs_rm_rf_dir(fd, st.st_dev);
	close(fd);
	if (!rc && unlinkat(dirfd, name, AT_REMOVEDIR))
		rc = -errno;
	return rc;
}

int lfs_write_all(int fd, const void *p, size_t n)
{
	const char *c = p;
	ssize_t w;

	while (n) {
		w = write(fd, c, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return w < 0 ? -errno : -EIO;
		c += w;
		n -= (size_t)w;
	}
	return 0;
}

/*
 * The component walk both directory makers share: the next component of
 * the path at *@p (slashes before it skipped) into @name, *@p moved past
 * it.  Its length, 0 at the end of the path, or -ENAMETOOLONG.
 */
static int lfs_path_next(const char **p, char name[NAME_MAX + 1])
{
	size_t n;

	*p += strspn(*p, "/");
	n = strcspn(*p, "/");
	if (n > NAME_MAX)
		return -ENAMETOOLONG;
	memcpy(name, *p, n);
	name[n] = '\0';
	*p += n;
	return (int)n;
}

/* The start of @path's walk: "/" or, for a relative @path, ".". */
static int lfs_path_start(const char *path)
{
	int fd = open(path[0] == '/' ? "/" : ".",
		      O_PATH | O_DIRECTORY | O_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

int lfs_mkdir_p(const char *path, mode_t mode)
{
	char name[NAME_MAX + 1];
	const char *p = path;
	int fd, next, n;

	if (strlen(path) >= PATH_MAX)
		return -ENAMETOOLONG;
	fd = lfs_path_start(path);
	if (fd < 0)
		return fd;
	while ((n = lfs_path_next(&p, name)) > 0) {
		if (mkdirat(fd, name, mode) && errno != EEXIST) {
			n = -errno;
			break;
		}
		if (!p[strspn(p, "/")])		/* the last: made, not entered */
			break;
		next = openat(fd, name, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (next < 0) {
			n = -errno;
			break;
		}
		close(fd);
		fd = next;
	}
	close(fd);
	return n < 0 ? n : 0;
}

/* The component @name of @dirfd, opened; made first if missing and @create. */
static int lfs_open_component(int dirfd, const char *name, int create,
			      mode_t mode)
{
	struct stat st;
	int fd;

	fd = openat(dirfd, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT && create) {
		if (mkdirat(dirfd, name, mode) && errno != EEXIST)
			return -errno;
		fd = openat(dirfd, name,
			    O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	}
	if (fd >= 0)
		return fd;
	if (errno != ENOTDIR)
		return -errno;
	/* O_NOFOLLOW with O_PATH opens a link itself: O_DIRECTORY refuses it. */
	if (!fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) &&
	    S_ISLNK(st.st_mode))
		return -ELOOP;
	return -ENOTDIR;
}

int lfs_open_dir_nofollow(const char *path, int create, mode_t mode)
{
	char name[NAME_MAX + 1];
	const char *p = path;
	int fd, next, n;

	if (path[0] != '/')
		return -EINVAL;
	fd = lfs_path_start(path);
	if (fd < 0)
		return fd;
	while ((n = lfs_path_next(&p, name)) > 0) {
		if (!strcmp(name, ".") || !strcmp(name, "..")) {
			n = -EINVAL;
			break;
		}
		next = lfs_open_component(fd, name, create, mode);
		if (next < 0) {
			n = next;
			break;
		}
		close(fd);
		fd = next;
	}
	if (!n)
		return fd;
	close(fd);
	return n;
}

/*
 * A random temporary name for @name (tmpname.h) into @tmp, given to
 * @place(@dirfd, @tmp, @arg), which makes the entry: its result (>= 0, or
 * a negative errno), another name after -EEXIST, up to 100 of them.
 */
static int lfs_tmp_place(int dirfd, const char *name, char *tmp, size_t size,
			 int (*place)(int dirfd, const char *tmp, void *arg),
			 void *arg)
{
	unsigned int tries, r;
	int rc;

	for (tries = 0; tries < 100; tries++) {
		if (getrandom(&r, sizeof(r), 0) != sizeof(r))
			r = (unsigned int)getpid() * 2654435761u + tries;
		rc = lfs_tmp_name_make(tmp, size, name, r);
		if (!rc)
			rc = place(dirfd, tmp, arg);
		if (rc != -EEXIST)
			return rc;
	}
	return -EEXIST;
}

/* lfs_tmp_create()'s: a new file of mode *@arg, open for writing. */
static int lfs_tmp_open(int dirfd, const char *tmp, void *arg)
{
	int fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC |
			O_NOFOLLOW, *(int *)arg);

	return fd >= 0 ? fd : -errno;
}

int lfs_tmp_create(int dirfd, const char *name, char *tmp, size_t size,
		   int mode)
{
	return lfs_tmp_place(dirfd, name, tmp, size, lfs_tmp_open, &mode);
}

/* The directory of @name ("." for a bare name) into @dir (PATH_MAX). */
static int lfs_name_dir(const char *name, char *dir)
{
	const char *slash = strrchr(name, '/');

	if (!slash)
		strcpy(dir, ".");
	else if (slash == name)
		strcpy(dir, "/");
	else if (snprintf(dir, PATH_MAX, "%.*s", (int)(slash - name),
			  name) >= PATH_MAX)
		return -ENAMETOOLONG;
	return 0;
}

/* fsync of the directory that holds @name in @dirfd. */
static int lfs_fsync_parent(int dirfd, const char *name)
{
	char dir[PATH_MAX];
	int fd, rc;

	if (!strchr(name, '/') && dirfd != AT_FDCWD)	/* the store's records */
		return fsync(dirfd) ? -errno : 0;
	rc = lfs_name_dir(name, dir);
	if (rc)
		return rc;
	fd = openat(dirfd, dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fsync(fd))
		rc = -errno;
	close(fd);
	return rc;
}

/* The contents of a new file: mode exactly @mode, @len bytes, synced. */
static int lfs_fill_synced(int fd, const void *p, size_t len, mode_t mode)
{
	int rc = fchmod(fd, mode) ? -errno : 0;	/* not the umask's */

	if (!rc)
		rc = lfs_write_all(fd, p, len);
	if (!rc && fsync(fd))
		rc = -errno;
	return rc;
}

/* lfs_write_tmpfile()'s: the unnamed file (/proc/self/fd/N: @arg) named. */
static int lfs_tmp_link(int dirfd, const char *tmp, void *arg)
{
	return linkat(AT_FDCWD, arg, dirfd, tmp, AT_SYMLINK_FOLLOW) ? -errno : 0;
}

/*
 * The new contents in an unnamed file (O_TMPFILE) in @name's directory,
 * named (a temporary name, through /proc/self/fd: linkat()'s
 * AT_EMPTY_PATH needs CAP_DAC_READ_SEARCH) only once written and synced,
 * then renamed over @name: a signal that ends the process while it writes
 * or syncs leaves nothing.  -EOPNOTSUPP if the filesystem, the kernel or
 * a missing /proc cannot do it before anything is written, for the caller
 * to use a named temporary file.
 */
static int lfs_write_tmpfile(int dirfd, const char *name, const void *p,
			     size_t len, mode_t mode)
{
	char dir[PATH_MAX], tmp[PATH_MAX], proc[LFS_FD_PATH_MAX];
	int fd, rc;

	rc = lfs_name_dir(name, dir);
	if (rc)
		return rc;
	fd = openat(dirfd, dir, O_TMPFILE | O_WRONLY | O_CLOEXEC, mode);
	if (fd < 0)
		return errno == EOPNOTSUPP || errno == EISDIR ||
		       errno == EINVAL ? -EOPNOTSUPP : -errno;
	rc = lfs_fd_path(proc, sizeof(proc), fd, NULL);
	if (!rc && access(proc, F_OK))
		rc = -EOPNOTSUPP;		/* no /proc */
	if (!rc)
		rc = lfs_fill_synced(fd, p, len, mode);
	if (!rc)
		rc = lfs_tmp_place(dirfd, name, tmp, sizeof(tmp), lfs_tmp_link,
				   proc);
	if (close(fd) && !rc)
		rc = -errno;
	if (!rc && renameat(dirfd, tmp, dirfd, name)) {
		rc = -errno;
		unlinkat(dirfd, tmp, 0);
	}
	return rc;
}

int lfs_write_file_atomic(int dirfd, const char *name, const void *p,
			  size_t len, mode_t mode)
{
	char tmp[PATH_MAX];
	int fd, rc;

	rc = lfs_write_tmpfile(dirfd, name, p, len, mode);
	if (!rc)
		return lfs_fsync_parent(dirfd, name);
	if (rc != -EOPNOTSUPP)
		return rc;
	fd = lfs_tmp_create(dirfd, name, tmp, sizeof(tmp), (int)mode);
	if (fd < 0)
		return fd;
	rc = lfs_fill_synced(fd, p, len, mode);
	if (close(fd) && !rc)
		rc = -errno;
	if (!rc && renameat(dirfd, tmp, dirfd, name))
		rc = -errno;
	if (rc) {
		unlinkat(dirfd, tmp, 0);
		return rc;
	}
	return lfs_fsync_parent(dirfd, name);
}

int lfs_fd_path(char *buf, size_t size, int fd, const char *name)
{
	int n;

	if (name)
		n = snprintf(buf, size, "/proc/self/fd/%d/%s", fd, name);
	else
		n = snprintf(buf, size, "/proc/self/fd/%d", fd);
	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

/* lfs_open_regular(), @nofollow O_NOFOLLOW or 0 */
static int lfs_open_regular_at(int dirfd, const char *name, int nofollow,
			       int flags, struct stat *st)
{
	char proc[LFS_FD_PATH_MAX];
	int pfd, rc;

	/* O_PATH opens nothing: no FIFO waited on, no driver's open run */
	pfd = openat(dirfd, name, O_PATH | nofollow | O_CLOEXEC);
	if (pfd < 0)
		return -errno;
	if (fstat(pfd, st))
		rc = -errno;
	else if (S_ISLNK(st->st_mode))	/* O_PATH | O_NOFOLLOW: the link */
		rc = -ELOOP;
	else if (!S_ISREG(st->st_mode))
		rc = -EINVAL;
	else
		rc = lfs_fd_path(proc, sizeof(proc), pfd, NULL);
	if (!rc) {
		/* that inode, whatever @name holds by now */
		rc = open(proc, O_RDONLY | O_CLOEXEC | flags);
		if (rc < 0 && errno == EPERM && (flags & O_NOATIME))
			rc = open(proc, O_RDONLY | O_CLOEXEC |
				  (flags & ~O_NOATIME));
		if (rc < 0)
			rc = -errno;
	}
	close(pfd);
	return rc;
}

int lfs_open_regular(int dirfd, const char *name, int flags, struct stat *st)
{
	return lfs_open_regular_at(dirfd, name, O_NOFOLLOW, flags, st);
}

int lfs_open_regular_follow(int dirfd, const char *name, int flags,
			    struct stat *st)
{
	return lfs_open_regular_at(dirfd, name, 0, flags, st);
}
