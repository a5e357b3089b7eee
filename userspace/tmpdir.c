// SPDX-License-Identifier: GPL-2.0
/*
 * The store's temporary directories: their locks, and prune's rule.
 * See tmpdir.h.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fsdir.h"
#include "store.h"
#include "tmpdir.h"

int lfs_tmpdir_name(const char *name)
{
	static const char *const prefix[] = { ".push-", ".pull-", ".save-",
					      ".load-" };
	size_t i, n;

	for (i = 0; i < sizeof(prefix) / sizeof(prefix[0]); i++) {
		n = strlen(prefix[i]);
		if (!strncmp(name, prefix[i], n) && name[n] &&
		    !strchr(name, '/'))
			return 1;
	}
	return 0;
}

/* The directories this process holds: a few at most. */
#define LFS_TMPDIR_HELD 8
static struct {
	char *path;
	int fd;
} lfs_held[LFS_TMPDIR_HELD];
static pthread_mutex_t lfs_held_mu = PTHREAD_MUTEX_INITIALIZER;

void lfs_tmpdir_hold(const char *path)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC), i;

	if (fd < 0)
		return;
	if (flock(fd, LOCK_SH)) {
		close(fd);
		return;
	}
	pthread_mutex_lock(&lfs_held_mu);
	for (i = 0; i < LFS_TMPDIR_HELD && lfs_held[i].path; i++)
		;
	if (i < LFS_TMPDIR_HELD && (lfs_held[i].path = strdup(path)))
		lfs_held[i].fd = fd;
	else
		close(fd);	/* unlocked: then only its age protects it */
	pthread_mutex_unlock(&lfs_held_mu);
}

void lfs_tmpdir_release(const char *path)
{
	int i;

	pthread_mutex_lock(&lfs_held_mu);
	for (i = 0; i < LFS_TMPDIR_HELD; i++) {
		if (!lfs_held[i].path || strcmp(lfs_held[i].path, path))
			continue;
		close(lfs_held[i].fd);
		free(lfs_held[i].path);
		lfs_held[i].path = NULL;
	}
	pthread_mutex_unlock(&lfs_held_mu);
}

/*
 * Whether @name in @rootfd is stale: a directory, unchanged since
 * @now - @min_age, that no one holds (an exclusive lock, kept in *@lockfd
 * while it is deleted).
 */
static int lfs_tmpdir_stale(int rootfd, const char *name, time_t now,
			    time_t min_age, int *lockfd)
{
	struct stat st;
	int fd;

	*lockfd = -1;
	fd = openat(rootfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
		    O_CLOEXEC);
	if (fd < 0)
		return 0;
	if (fstat(fd, &st) || st.st_ctim.tv_sec > now - min_age ||
	    st.st_mtim.tv_sec > now - min_age ||
	    flock(fd, LOCK_EX | LOCK_NB)) {
		close(fd);
		return 0;
	}
	*lockfd = fd;
	return 1;
}

/* Counts and (unless @dry) deletes the stale directory @name. */
static int lfs_tmpdir_drop(int rootfd, const char *name, int dry,
			   uint64_t *size, uint64_t *files)
{
	char path[LFS_FD_PATH_MAX];
	uint64_t s = 0, f = 0;

	if (!lfs_fd_path(path, sizeof(path), rootfd, name) &&
	    !lfs_store_usage(path, &s, &f)) {
		*size += s;
		*files += f;
	}
	if (dry)
		return 0;
	return lfs_rm_rf_at(rootfd, name);
}

int lfs_tmpdir_prune(int rootfd, time_t now, time_t min_age, int dry,
		     struct lfs_strv *gone, uint64_t *size, uint64_t *files,
		     int *failed)
{
	char **names;
	size_t n, i;
	int rc, lockfd;

	rc = lfs_dir_names(rootfd, &names, &n);
	if (rc)
		return rc;
	for (i = 0; i < n; i++) {
		if (!rc && lfs_tmpdir_name(names[i]) &&
		    lfs_tmpdir_stale(rootfd, names[i], now, min_age, &lockfd)) {
			rc = lfs_strv_push(gone, names[i]);
			if (!rc && lfs_tmpdir_drop(rootfd, names[i], dry, size,
						   files))
				*failed = 1;
			close(lockfd);
		}
		free(names[i]);
	}
	free(names);
	return rc;
}
