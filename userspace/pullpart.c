// SPDX-License-Identifier: GPL-2.0
/*
 * A pull's partial downloads, kept for a later pull to resume from: their
 * names, locks, and prune's rule.  See pullpart.h.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fsdir.h"
#include "pullpart.h"

/* 1 if @s is 64 lower-case hex digits and nothing else. */
static int lfs_part_hex(const char *s)
{
	size_t i;

	for (i = 0; i < 64; i++)
		if (!s[i] || !strchr("0123456789abcdef", s[i]))
			return 0;
	return !s[64];
}

int lfs_part_name(const char *digest, char *out, size_t len)
{
	int n;

	if (strncmp(digest, "sha256:", 7) || !lfs_part_hex(digest + 7))
		return -EINVAL;
	n = snprintf(out, len, "sha256-%s" LFS_PART_SUFFIX, digest + 7);
	return n < 0 || (size_t)n >= len ? -EINVAL : 0;
}

int lfs_part_digest(const char *name, char *out, size_t len)
{
	size_t n = strlen(name), k = strlen(LFS_PART_SUFFIX);
	int w;

	if (n != 7 + 64 + k || strncmp(name, "sha256-", 7) ||
	    strcmp(name + n - k, LFS_PART_SUFFIX))
		return -EINVAL;
	w = snprintf(out, len, "sha256:%.64s", name + 7);
	if (w < 0 || (size_t)w >= len || !lfs_part_hex(out + 7))
		return -EINVAL;
	return 0;
}

/* ROOT/.partial, opened (made if missing). */
static int lfs_part_dir(int rootfd)
{
	int fd;

	if (mkdirat(rootfd, LFS_PART_DIR, 0700) && errno != EEXIST)
		return -errno;
	fd = openat(rootfd, LFS_PART_DIR, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
		    O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

/*
 * Opens and locks @name in @dfd; 1: try again (the file was deleted
 * between the open and the lock: prune's or another pull's).
 */
static int lfs_part_try(int dfd, const char *name, struct lfs_reg_part *part)
{
	struct stat st, now;
	int fd, rc;

	fd = openat(dfd, name, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return errno == ENOENT ? 1 : -errno;
	if (flock(fd, LOCK_EX | LOCK_NB)) {
		rc = errno == EWOULDBLOCK ? -EBUSY : -errno;
		close(fd);
		return rc;
	}
	/* still the file of that name: only a holder of the lock deletes it */
	if (fstat(fd, &st) || fstatat(dfd, name, &now, AT_SYMLINK_NOFOLLOW) ||
	    st.st_ino != now.st_ino || st.st_dev != now.st_dev) {
		close(fd);
		return 1;
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return -EINVAL;
	}
	part->fd = fd;
	part->len = (uint64_t)st.st_size;
	return 0;
}

int lfs_part_open(int rootfd, const char *digest, struct lfs_reg_part *part)
{
	char name[128];
	int dfd, rc = 1, i;

	part->fd = -1;
	part->len = part->fed = 0;
	part->drop = 0;
	if (lfs_part_name(digest, name, sizeof(name)))
		return -EINVAL;
	for (i = 0; rc == 1 && i < 5; i++) {
		dfd = lfs_part_dir(rootfd);	/* again: prune may rmdir it */
		if (dfd == -ENOENT)
			continue;
		if (dfd < 0)
			return dfd;
		rc = lfs_part_try(dfd, name, part);
		close(dfd);
	}
	return rc == 1 ? -EAGAIN : rc;
}

uint64_t lfs_part_close(int rootfd, const char *digest,
			struct lfs_reg_part *part)
{
	uint64_t kept = 0;
	char name[128];
	struct stat st;
	int dfd;

	if (part->fd < 0)
		return 0;
	if (!part->drop && !fstat(part->fd, &st))
		kept = (uint64_t)st.st_size;
	if (!kept && !lfs_part_name(digest, name, sizeof(name))) {
		dfd = openat(rootfd, LFS_PART_DIR, O_RDONLY | O_DIRECTORY |
			     O_NOFOLLOW | O_CLOEXEC);
		if (dfd >= 0) {
			/* locked: the name is still this file's */
			unlinkat(dfd, name, 0);
			close(dfd);
			unlinkat(rootfd, LFS_PART_DIR, AT_REMOVEDIR);	/* if empty */
		}
	}
	close(part->fd);
	part->fd = -1;
	return kept;
}

/*
 * Deletes (unless @dry) @name in @dfd if no pull holds it and it has not
 * changed since @now - @min_age; 1 if it was stale, 0 if kept.
 */
static int lfs_part_stale(int dfd, const char *name, time_t now,
			  time_t min_age, int dry, uint64_t *size, int *failed)
{
	struct stat st, cur;
	int fd, stale = 0;

	fd = lfs_open_regular(dfd, name, 0, &st);
	if (fd < 0)
		return 0;
	if (st.st_mtim.tv_sec <= now - min_age &&
	    st.st_ctim.tv_sec <= now - min_age &&
	    !flock(fd, LOCK_EX | LOCK_NB) &&
	    !fstatat(dfd, name, &cur, AT_SYMLINK_NOFOLLOW) &&
	    cur.st_ino == st.st_ino && cur.st_dev == st.st_dev) {
		stale = 1;
		*size += (uint64_t)st.st_size;
		if (!dry && unlinkat(dfd, name, 0))
			*failed = 1;
	}
	close(fd);
	return stale;
}

int lfs_part_prune(int rootfd, time_t now, time_t min_age, int dry,
		   struct lfs_strv *gone, uint64_t *size, int *failed)
{
	char **names, dg[80];
	size_t n, i;
	int dfd, rc;

	dfd = openat(rootfd, LFS_PART_DIR, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
		     O_CLOEXEC);
	if (dfd < 0)
		return errno == ENOENT ? 0 : -errno;
	rc = lfs_dir_names(dfd, &names, &n);
	if (rc) {
		close(dfd);
		return rc;
	}
	for (i = 0; i < n; i++) {
		/* another name there is not ours: left alone */
		if (!rc && !lfs_part_digest(names[i], dg, sizeof(dg)) &&
		    lfs_part_stale(dfd, names[i], now, min_age, dry, size,
				   failed))
			rc = lfs_strv_push(gone, dg);
		free(names[i]);
	}
	free(names);
	close(dfd);
	if (!dry)
		unlinkat(rootfd, LFS_PART_DIR, AT_REMOVEDIR);	/* if empty */
	return rc;
}
