// SPDX-License-Identifier: GPL-2.0
/* Directories in use, by device and inode (see inuse.h). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "inuse.h"

/* Deeper than any path (PATH_MAX / 2 one-letter components). */
#define LFS_INUSE_DEPTH 2048

static int lfs_inuse_push(struct lfs_inuse *u, const struct stat *st)
{
	if (u->n == u->cap) {
		size_t cap = u->cap ? 2 * u->cap : 16;
		struct lfs_inuse_id *v = realloc(u->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		u->v = v;
		u->cap = cap;
	}
	u->v[u->n].dev = st->st_dev;
	u->v[u->n].ino = st->st_ino;
	u->n++;
	return 0;
}

int lfs_inuse_add_path(struct lfs_inuse *u, const char *path)
{
	struct stat st, up;
	int fd, parent, rc = 0, depth;

	fd = open(path, O_PATH | O_CLOEXEC);
	if (fd < 0)
		return 0;	/* not reachable from here */
	if (fstat(fd, &st)) {
		close(fd);
		return 0;
	}
	for (depth = 0; !rc && depth < LFS_INUSE_DEPTH; depth++) {
		rc = lfs_inuse_push(u, &st);
		parent = openat(fd, "..", O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (parent < 0 || fstat(parent, &up) ||
		    (up.st_dev == st.st_dev && up.st_ino == st.st_ino)) {
			if (parent >= 0)
				close(parent);
			break;	/* the root (or a file's ".." failed) */
		}
		close(fd);
		fd = parent;
		st = up;
	}
	close(fd);
	return rc;
}

static int lfs_inuse_cmp(const void *a, const void *b)
{
	const struct lfs_inuse_id *x = a, *y = b;

	if (x->dev != y->dev)
		return x->dev < y->dev ? -1 : 1;
	return x->ino < y->ino ? -1 : x->ino > y->ino;
}

void lfs_inuse_sort(struct lfs_inuse *u)
{
	if (u->n)
		qsort(u->v, u->n, sizeof(*u->v), lfs_inuse_cmp);
}

int lfs_inuse_has(const struct lfs_inuse *u, int dirfd, const char *name)
{
	struct lfs_inuse_id id;
	struct stat st;

	if (!u->n || fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW))
		return 0;
	id.dev = st.st_dev;
	id.ino = st.st_ino;
	return !!bsearch(&id, u->v, u->n, sizeof(*u->v), lfs_inuse_cmp);
}

void lfs_inuse_free(struct lfs_inuse *u)
{
	free(u->v);
	u->v = NULL;
	u->n = u->cap = 0;
}
