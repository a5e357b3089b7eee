// SPDX-License-Identifier: GPL-2.0
/*
 * The importer's directories (tarimp.h): made as their entries come,
 * mode 0700, their attributes recorded (not their paths) and set by a
 * walk of the tree once every entry is in, so that a read-only directory
 * can still receive its later entries and no directory's times are
 * changed by them.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "tarimp.h"

/*
 * Array @v (*@cap elements of @size bytes, @n used) with room for one
 * more: the array (moved, *@cap updated), or NULL (out of memory, @v
 * left as it was).
 */
static void *lfs_imp_grow(void *v, size_t *cap, size_t n, size_t size)
{
	size_t ncap;

	if (n < *cap)
		return v;
	ncap = *cap ? *cap * 2 : 64;
	v = realloc(v, ncap * size);
	if (v)
		*cap = ncap;
	return v;
}

static int lfs_imp_dirmeta(struct lfs_imp *m, struct archive_entry *e,
			   const char *rel)
{
	struct lfs_seen_ent *se = lfs_seen_find(&m->seen, rel);
	struct lfs_dirmeta *nd, *d;

	if (!se || se->kind != SEEN_DIR || m->n_dirs >= UINT32_MAX)
		return -ENOMEM;
	nd = lfs_imp_grow(m->dirs, &m->cap_dirs, m->n_dirs, sizeof(*nd));
	if (!nd)
		return -ENOMEM;
	m->dirs = nd;
	d = &m->dirs[m->n_dirs];
	d->mode = archive_entry_perm(e) & 07777;
	d->uid = archive_entry_uid(e);
	d->gid = archive_entry_gid(e);
	lfs_entry_times(e, d->ts);
	se->dir = (uint32_t)m->n_dirs++;
	return 0;
}

/* Directory @rel (open as @fd), just recorded, by its inode. */
static int lfs_imp_linkdir(struct lfs_imp *m, int fd, const char *rel)
{
	struct lfs_linkdir *nl, *l;
	struct stat st;

	if (fstat(fd, &st))
		return lfs_tar_errno(m->err, -errno, "entry", rel,
				     "cannot read its attributes");
	nl = lfs_imp_grow(m->ldirs, &m->cap_ldirs, m->n_ldirs, sizeof(*nl));
	if (!nl)
		return -ENOMEM;
	m->ldirs = nl;
	l = &m->ldirs[m->n_ldirs];
	l->rel = strdup(rel);
	if (!l->rel)
		return -ENOMEM;
	l->dev = st.st_dev;
	l->ino = st.st_ino;
	l->dir = (uint32_t)(m->n_dirs - 1);
	l->done = 0;
	m->n_ldirs++;
	return 0;
}

int lfs_imp_dir(struct lfs_imp *m, struct archive_entry *e, int pfd,
		       const char *name, const char *rel)
{
	struct stat st;
	int fd, rc;

	if (*rel) {
		if (mkdirat(pfd, name, 0700) && errno != EEXIST)
			return lfs_tar_errno(m->err, -errno, "entry", rel,
					     "cannot create it");
		/* An existing one must be a directory made for a child. */
		if (fstatat(pfd, name, &st, AT_SYMLINK_NOFOLLOW) ||
		    !S_ISDIR(st.st_mode)) {
			lfs_err_set(m->err, 0,
				   "entry '%s': conflicts with an earlier entry",
				   rel);
			return -EEXIST;
		}
		fd = openat(pfd, name, LFS_DIRFLAGS | O_NOFOLLOW | O_CLOEXEC);
	} else {
		fd = dup(m->rootfd);
	}
	if (fd < 0)
		return lfs_tar_errno(m->err, -errno, "entry", *rel ? rel : ".",
				     "cannot open it");
	rc = lfs_imp_xattrs(m, e, fd, -1, NULL, *rel ? rel : ".");
	if (!rc)
		rc = lfs_imp_dirmeta(m, e, rel);
	if (!rc && *rel && m->parent_link)
		rc = lfs_imp_linkdir(m, fd, rel);
	close(fd);
	return rc;
}

/* Sets directory @fd as entry @rel's record @dir says. */
static int lfs_imp_dir_set(struct lfs_imp *m, int fd, uint32_t dir,
			   const char *rel)
{
	struct lfs_dirmeta *d = &m->dirs[dir];

	if ((m->opts->set_owner && fchown(fd, d->uid, d->gid)) ||
	    fchmod(fd, d->mode) || futimens(fd, d->ts))
		return lfs_tar_errno(m->err, -errno, "entry",
				     *rel ? rel : ".",
				     "cannot set its owner, mode or times");
	return 0;
}

static int lfs_linkdir_cmp(const void *a, const void *b)
{
	const struct lfs_linkdir *x = a, *y = b;

	if (x->dev != y->dev)
		return x->dev < y->dev ? -1 : 1;
	if (x->ino != y->ino)
		return x->ino < y->ino ? -1 : 1;
	return x->dir < y->dir ? -1 : x->dir > y->dir;
}

/*
 * Sets directory @rel (open as @fd) as the layer says, if it is an entry
 * by that path or by a path through a symlink: its records in the order
 * of the entries, so that the last one's attributes stay.
 */
static int lfs_imp_dir_apply(struct lfs_imp *m, int fd, const char *rel,
			     size_t *applied)
{
	struct lfs_seen_ent *se = lfs_seen_find(&m->seen, rel);
	struct lfs_linkdir *l = NULL, *end = NULL;
	size_t lo = 0, hi = m->n_ldirs, mid;
	int has_path = se && se->kind == SEEN_DIR, rc;
	struct stat st;

	if (m->n_ldirs) {
		if (fstat(fd, &st))
			return lfs_tar_errno(m->err, -errno, "entry",
					     *rel ? rel : ".",
					     "cannot read its attributes");
		/* the first of this inode's records */
		while (lo < hi) {
			mid = lo + (hi - lo) / 2;
			if (m->ldirs[mid].dev < st.st_dev ||
			    (m->ldirs[mid].dev == st.st_dev &&
			     m->ldirs[mid].ino < st.st_ino))
				lo = mid + 1;
			else
				hi = mid;
		}
		l = end = &m->ldirs[lo];
		while (end < m->ldirs + m->n_ldirs && end->dev == st.st_dev &&
		       end->ino == st.st_ino)
			end++;
	}
	for (;;) {
		/* the path's record before a later one through a symlink */
		if (has_path && (l == end || se->dir < l->dir)) {
			rc = lfs_imp_dir_set(m, fd, se->dir, rel);
			has_path = 0;
		} else if (l != end) {
			rc = lfs_imp_dir_set(m, fd, l->dir, l->rel);
			l->done = 1;
			l++;
		} else {
			return 0;	/* made for a child (0755), or done */
		}
		if (rc)
			return rc;
		(*applied)++;
	}
}

/*
 * Directories keep an fd and their own buffer of entries each down to
 * this depth of the walk (64 x 32 KiB at most), so that coming back to
 * one after a subdirectory reads on where it was; deeper, a directory is
 * reopened by its path after each of its subdirectories and its entries
 * read again from the position saved (a path of PATH_MAX may have 2048
 * components).
 */
#define LFS_WALK_FDS 64
#define LFS_WALK_BUF 32768

struct lfs_walk_lvl {
	int fd;			/* -1: closed, reopen by path */
	off_t pos;		/* where to read its entries on */
	size_t len;		/* of its path */
	char *buf;		/* its own at depths < LFS_WALK_FDS, else NULL */
	long n, off;		/* bytes in the buffer, of them consumed */
	int at_pos;		/* the fd's offset is pos: no lseek() */
};

/*
 * The next subdirectory in level @l's entries (read into @buf when all
 * consumed): 1 and *@dep, 0 when there is none left, -errno.
 */
static int lfs_walk_next(struct lfs_walk_lvl *l, char *buf,
			 struct dirent64 **dep)
{
	struct dirent64 *de;
	struct stat st;
	int isdir;

	for (;;) {
		if (l->off >= l->n) {
			l->n = -1;
			if (l->at_pos || lseek(l->fd, l->pos, SEEK_SET) >= 0)
				l->n = syscall(SYS_getdents64, l->fd, buf,
					       LFS_WALK_BUF);
			l->off = 0;
			l->at_pos = 1;
			if (l->n < 0) {
				l->n = 0;
				return -errno;
			}
			if (!l->n)
				return 0;
		}
		de = (struct dirent64 *)(buf + l->off);
		l->off += de->d_reclen;
		l->pos = de->d_off;
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		isdir = de->d_type == DT_DIR;
		if (de->d_type == DT_UNKNOWN)
			isdir = !fstatat(l->fd, de->d_name, &st,
					 AT_SYMLINK_NOFOLLOW) &&
				S_ISDIR(st.st_mode);
		if (isdir) {
			*dep = de;
			return 1;
		}
	}
}

/*
 * The directories' modes, owners and times, set at the end so that their
 * entries could be created and their times stay: a walk of the tree,
 * each directory after its subdirectories (then a mode that forbids
 * entering it is set once nothing below is left to do), a directory's
 * metadata found by its path in the seen set.  The walk keeps a path
 * and a position a level, not the names of the directories: memory does
 * not grow with the number of entries or their length.
 */
int lfs_imp_apply_dirs(struct lfs_imp *m)
{
	struct lfs_walk_lvl *lv;
	char *buf;
	char path[PATH_MAX];
	size_t depth = 0, maxd = PATH_MAX / 2 + 2, applied = 0, nl, i;
	int rc = 0, fd;

	if (!m->n_dirs)
		return 0;
	if (m->n_ldirs)
		qsort(m->ldirs, m->n_ldirs, sizeof(*m->ldirs), lfs_linkdir_cmp);
	lv = calloc(maxd, sizeof(*lv));
	buf = malloc(LFS_WALK_BUF);
	if (!lv || !buf) {
		free(lv);
		free(buf);
		return -ENOMEM;
	}
	path[0] = '\0';
	lv[0].buf = malloc(LFS_WALK_BUF);
	lv[0].fd = lv[0].buf ? dup(m->rootfd) : -1;
	if (lv[0].fd < 0) {
		rc = lv[0].buf ? -errno : -ENOMEM;
		free(lv[0].buf);
		free(lv);
		free(buf);
		return rc;
	}
	for (;;) {
		struct lfs_walk_lvl *l = &lv[depth];
		struct dirent64 *de = NULL;

		if (l->fd < 0) {
			l->at_pos = 0;
			l->fd = lfs_openat2(m->rootfd, path,
					    LFS_DIRFLAGS | O_NOFOLLOW);
			if (l->fd < 0) {
				rc = lfs_tar_errno(m->err, l->fd, "entry",
						   *path ? path : ".",
						   "cannot open it");
				break;
			}
		}
		rc = lfs_walk_next(l, l->buf ? l->buf : buf, &de);
		if (rc < 0) {
			lfs_tar_errno(m->err, rc, "entry", *path ? path : ".",
				      "cannot read it");
			break;
		}
		if (rc) {
			rc = 0;
			nl = strlen(de->d_name);
			if (depth + 1 >= maxd ||
			    l->len + !!l->len + nl >= sizeof(path)) {
				rc = lfs_err_set(m->err, -ENAMETOOLONG,
						 "cannot walk below it");
				lfs_err_prefix(m->err, rc, "entry '%s/%s'", path,
					       de->d_name);
				break;
			}
			fd = openat(l->fd, de->d_name,
				    LFS_DIRFLAGS | O_NOFOLLOW | O_CLOEXEC);
			if (l->len)
				path[l->len] = '/';
			memcpy(path + l->len + !!l->len, de->d_name, nl + 1);
			if (fd < 0) {
				rc = lfs_tar_errno(m->err, -errno, "entry",
						   path, "cannot open it");
				break;
			}
			if (!l->buf) {
				/* the shared buffer is the child's now */
				close(l->fd);
				l->fd = -1;
				l->n = l->off = 0;
			}
			l = &lv[++depth];
			if (depth < LFS_WALK_FDS && !l->buf)
				l->buf = malloc(LFS_WALK_BUF);
			l->fd = fd;
			l->at_pos = 1;
			l->pos = 0;
			l->len = lv[depth - 1].len + !!lv[depth - 1].len + nl;
			l->n = l->off = 0;
			if (depth < LFS_WALK_FDS && !l->buf) {
				rc = lfs_tar_errno(m->err, -ENOMEM, "entry",
						   path, "cannot read it");
				break;
			}
			continue;
		}
		/* all its subdirectories done: the directory itself */
		rc = lfs_imp_dir_apply(m, l->fd, path, &applied);
		close(l->fd);
		l->fd = -1;
		if (rc || !depth)
			break;
		depth--;
		path[lv[depth].len] = '\0';
	}
	for (i = 0; i <= depth; i++)
		if (lv[i].fd >= 0)
			close(lv[i].fd);
	for (i = 0; i < LFS_WALK_FDS; i++)
		free(lv[i].buf);
	free(lv);
	free(buf);
	if (!rc && applied != m->n_dirs) {
		for (i = 0; i < m->n_ldirs && m->ldirs[i].done; i++)
			;
		if (i < m->n_ldirs)
			lfs_err_set(m->err, 0,
				    "entry '%s': its directory was not found at the end, to set its owner, mode and times",
				    m->ldirs[i].rel);
		else
			lfs_err_set(m->err, 0,
				    "%zu directories of the layer were not found at the end",
				    m->n_dirs - applied);
		rc = -EIO;
	}
	return rc;
}
