// SPDX-License-Identifier: GPL-2.0
/*
 * Reading a layer directory into a tree (struct lfs_ldir) for the index:
 * an fstatat and a name_to_handle_at per entry, a getxattr more in
 * "impure" directories.  That is all system calls (a commit of 100,000
 * files spends its time there), so a few threads read several
 * directories at once.
 *
 * The work: a queue of directories still to read, each with its open fd
 * and the lfs_ldir to fill.  A worker takes one, reads it whole, and
 * queues each subdirectory it meets; while the queue holds
 * LFS_WALK_QUEUE_MAX directories (as many open fds) it reads the
 * subdirectory itself, recursively, as the one-thread reader does (one
 * fd per level), so that no tree can exhaust the process's fds.  With
 * one thread nothing is queued: that is the plain recursive reader.
 * A directory more than LFS_INDEX_DEPTH_MAX levels below the root is
 * refused, queued or not: the recursion's stack (some 700 bytes a level)
 * and fds are bounded whatever the tree, which a user of a view can nest
 * as deep as they like.
 *
 * Locking:
 * - struct lfs_walk's lock guards the queue, queued, busy, err and *e.
 * - An lfs_ldir is written, without the lock, by the one thread reading
 *   its directory: the parent's thread hands it over through the queue
 *   and does not touch it again.  Its address stays valid while the
 *   parent's thread goes on adding entries (lfs_ldir_add() callocs
 *   every subdirectory's lfs_ldir: a realloc of the parent's entries
 *   array moves the entry, not the lfs_ldir).  A subdirectory's entry
 *   itself (opaque, origin) is written by the parent's thread, before
 *   it queues the subdirectory, and not after.
 * - The first failure is kept (err, *e); "failed" is then set, which
 *   the others read without the lock between names to stop early.
 * - lfs_layer_read_jobs() joins every thread before it looks at the
 *   tree, and sorts it (lfs_ldir_sort()): neither the order the threads
 *   ran in nor the order of the names on disk shows in the result.
 */
#define _GNU_SOURCE	/* name_to_handle_at() */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>

#include "fsdir.h"
#include "index_build.h"

#define LFS_XATTR_OPAQUE	"trusted.overlay.opaque"
#define LFS_XATTR_ORIGIN	"trusted.layerfs.origin"
#define LFS_XATTR_IMPURE	"trusted.layerfs.impure"

/* Threads by default: one per online CPU, at most this many. */
#define LFS_WALK_JOBS_MAX	8
/* Directories (open fds) the queue may hold. */
#define LFS_WALK_QUEUE_MAX	64

/* A directory to read: open as @fd, into @d, @depth levels below the root. */
struct lfs_wdir {
	struct lfs_wdir *next;
	int fd;
	unsigned int depth;
	struct lfs_ldir *d;
};

struct lfs_walk {
	pthread_mutex_t lock;
	pthread_cond_t cond;	/* queue grown, or work over */
	struct lfs_wdir *queue;
	unsigned int queued;	/* in the queue */
	unsigned int max;	/* queued at most (0: one thread) */
	unsigned int busy;	/* threads reading a directory */
	int err;		/* the first failure, its text in *e */
	struct lfs_err *e;
	atomic_int failed;	/* err is set: read without the lock */
};

static unsigned int lfs_mode_dtype(mode_t mode)
{
	switch (mode & S_IFMT) {
	case S_IFIFO: return LAYERFS_INDEX_DT_FIFO;
	case S_IFCHR: return LAYERFS_INDEX_DT_CHR;
	case S_IFDIR: return LAYERFS_INDEX_DT_DIR;
	case S_IFBLK: return LAYERFS_INDEX_DT_BLK;
	case S_IFREG: return LAYERFS_INDEX_DT_REG;
	case S_IFLNK: return LAYERFS_INDEX_DT_LNK;
	case S_IFSOCK: return LAYERFS_INDEX_DT_SOCK;
	}
	return 0;
}

/* The copy-up origin of @e, read with getxattr (@fd >= 0) or by path. */
static void lfs_read_origin(struct lfs_lent *e, int fd, int dirfd)
{
	unsigned char v[16];
	char path[LFS_FD_PATH_MAX];
	ssize_t n;
	uint64_t ino;

	if (fd >= 0)
		n = fgetxattr(fd, LFS_XATTR_ORIGIN, v, sizeof(v));
	else if (!lfs_fd_path(path, sizeof(path), dirfd, e->name))
		n = lgetxattr(path, LFS_XATTR_ORIGIN, v, sizeof(v));
	else
		return;
	if (n != sizeof(v))
		return;
	memcpy(&ino, v, sizeof(ino));
	ino = lfsx_le64(ino);
	if (ino) {
		e->ino = ino;
		e->origin = 1;
	}
}

/*
 * The file handle of non-directory @e of @dirfd, if its filesystem gives
 * one that fits the format (a hint for the kernel: none is fine).
 */
static int lfs_read_fh(struct lfs_lent *e, int dirfd)
{
	struct {
		struct file_handle fh;
		unsigned char bytes[LAYERFS_INDEX_FH_MAX];
	} h;
	int mnt_id, err;

	h.fh.handle_bytes = LAYERFS_INDEX_FH_MAX;
	if (name_to_handle_at(dirfd, e->name, &h.fh, &mnt_id, 0))
		return 0;
	if (h.fh.handle_type < 0 || h.fh.handle_type > 254 ||
	    !h.fh.handle_bytes || h.fh.handle_bytes % 4)
		return 0;
	err = lfs_lent_set_fh(e, h.fh.handle_type, h.fh.f_handle,
			      h.fh.handle_bytes);
	return err == -ENOMEM ? err : 0;
}

static int lfs_read_dir(struct lfs_walk *w, int dirfd, struct lfs_ldir *d,
			unsigned int depth, struct lfs_err *e);

/*
 * Subdirectory @ent of @dirfd, @depth levels below the root: its opaque
 * mark and origin now; its contents queued, or read now if the queue is
 * full.
 */
static int lfs_read_subdir(struct lfs_walk *w, int dirfd,
			   struct lfs_lent *ent, unsigned int depth,
			   struct lfs_err *e)
{
	struct lfs_wdir *q;
	char v[2];
	int fd, err;

	if (depth > LFS_INDEX_DEPTH_MAX) {
		lfs_err_set(e, 0, "a directory of the layer is nested deeper than %u levels",
			    LFS_INDEX_DEPTH_MAX);
		return -ELOOP;
	}
	fd = openat(dirfd, ent->name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
		    O_CLOEXEC);
	if (fd < 0)
		return lfs_err_set(e, -errno,
				   "cannot open a directory of the layer");
	ent->opaque = fgetxattr(fd, LFS_XATTR_OPAQUE, v, sizeof(v)) == 1 &&
		      v[0] == 'y';
	lfs_read_origin(ent, fd, -1);
	q = w->max ? malloc(sizeof(*q)) : NULL;	/* none: read it now */
	if (q) {
		q->fd = fd;
		q->depth = depth;
		q->d = ent->dir;
		pthread_mutex_lock(&w->lock);
		if (w->queued < w->max) {
			q->next = w->queue;
			w->queue = q;
			w->queued++;
			pthread_cond_signal(&w->cond);
			q = NULL;
			fd = -1;
		}
		pthread_mutex_unlock(&w->lock);
		free(q);
		if (fd < 0)
			return 0;
	}
	err = lfs_read_dir(w, fd, ent->dir, depth, e);
	close(fd);
	return err;
}

/* One name of directory @dirfd, @depth levels below the root. */
static int lfs_read_one(struct lfs_walk *w, int dirfd, struct lfs_ldir *d,
			unsigned int depth, const char *name, int impure,
			struct lfs_err *e)
{
	struct layerfs_index_stat rec;
	struct lfs_lent *ent;
	unsigned int type;
	struct stat st;
	const char *why;

	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW))
		return lfs_err_set(e, -errno,
				   "cannot stat an entry of the layer");
	type = lfs_mode_dtype(st.st_mode);
	if (S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0))
		type = LFS_LENT_WHITEOUT;
	ent = lfs_ldir_add(d, name, type, st.st_ino);
	if (!ent) {
		why = layerfs_index_name_check(name, strlen(name));
		return why ? lfs_err_set(e, -EINVAL, "%s", why) :
			     lfs_err_set(e, -ENOMEM,
					 "cannot index an entry of the layer");
	}
	if (type == LAYERFS_INDEX_DT_DIR)
		return lfs_read_subdir(w, dirfd, ent, depth + 1, e);
	if (type == LFS_LENT_WHITEOUT)
		return 0;
	if (impure)
		lfs_read_origin(ent, -1, dirfd);
	/* (An origin number is not the object's: the kernel could not check
	 * what a handle gives against it, nor use its stat record.) */
	if (ent->origin)
		return 0;
	lfs_index_stat_from(&rec, &st);
	if (lfs_read_fh(ent, dirfd) || lfs_lent_set_stat(ent, &rec) == -ENOMEM)
		return lfs_err_set(e, -ENOMEM,
				   "cannot index an entry of the layer");
	return 0;
}

/* A directory's names as listed, to be visited in inode order. */
struct lfs_dlist {
	struct lfs_dname {
		ino_t ino;
		size_t off;		/* of the name in @names */
	} *v;
	size_t n, cap;
	char *names;
	size_t len, size;
};

static int lfs_dlist_add(struct lfs_dlist *l, ino_t ino, const char *name)
{
	size_t k = strlen(name) + 1;
	void *p;

	if (l->n == l->cap) {
		p = reallocarray(l->v, l->cap ? 2 * l->cap : 64, sizeof(*l->v));
		if (!p)
			return -ENOMEM;
		l->v = p;
		l->cap = l->cap ? 2 * l->cap : 64;
	}
	if (l->len + k > l->size) {
		p = realloc(l->names, 2 * (l->len + k) + 1024);
		if (!p)
			return -ENOMEM;
		l->names = p;
		l->size = 2 * (l->len + k) + 1024;
	}
	memcpy(l->names + l->len, name, k);
	l->v[l->n].ino = ino;
	l->v[l->n++].off = l->len;
	l->len += k;
	return 0;
}

static int lfs_dname_cmp(const void *a, const void *b)
{
	const struct lfs_dname *x = a, *y = b;

	return x->ino < y->ino ? -1 : x->ino > y->ino;
}

/* The names of @dirfd but "." and "..", in @l. */
static int lfs_dlist_read(int dirfd, struct lfs_dlist *l, struct lfs_err *e)
{
	struct dirent *de;
	int fd, err = 0;
	DIR *dir;

	fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	dir = fd < 0 ? NULL : fdopendir(fd);
	if (!dir) {
		err = lfs_err_set(e, -errno,
				  "cannot read a directory of the layer");
		if (fd >= 0)
			close(fd);
		return err;
	}
	while (!err) {
		errno = 0;
		de = readdir(dir);
		if (!de) {
			if (errno)
				err = lfs_err_set(e, -errno,
						  "cannot read a directory of the layer");
			break;
		}
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..") &&
		    lfs_dlist_add(l, de->d_ino, de->d_name))
			err = lfs_err_set(e, -ENOMEM,
					  "cannot read a directory of the layer");
	}
	closedir(dir);
	return err;
}

/*
 * Directory @dirfd, @depth levels below the root, into @d.  The names are
 * stat'ed in inode-number order, not in the directory's (hash) order: on
 * a cold cache that reads the inode table front to back (ext4 and xfs
 * allocate a directory's inodes together and read ahead), instead of one
 * random read per name.
 * Stops (-ECANCELED, not recorded) once another thread has failed.
 */
static int lfs_read_dir(struct lfs_walk *w, int dirfd, struct lfs_ldir *d,
			unsigned int depth, struct lfs_err *e)
{
	struct lfs_dlist l = { 0 };
	char v[1];
	int err, impure;
	size_t i;

	impure = fgetxattr(dirfd, LFS_XATTR_IMPURE, v, sizeof(v)) >= 0 ||
		 errno == ERANGE;
	err = lfs_dlist_read(dirfd, &l, e);
	if (!err)
		qsort(l.v, l.n, sizeof(*l.v), lfs_dname_cmp);
	for (i = 0; !err && i < l.n; i++) {
		if (atomic_load_explicit(&w->failed, memory_order_relaxed))
			err = -ECANCELED;
		else
			err = lfs_read_one(w, dirfd, d, depth,
					   l.names + l.v[i].off, impure, e);
	}
	free(l.v);
	free(l.names);
	return err;
}

/*
 * Reads directory @fd (@depth levels below the root) into @d for a thread
 * counted in w->busy: called and returns with w->lock held, which it
 * drops while it reads.
 */
static void lfs_walk_read(struct lfs_walk *w, int fd, unsigned int depth,
			  struct lfs_ldir *d)
{
	struct lfs_err e = LFS_ERR_INIT;
	int err;

	pthread_mutex_unlock(&w->lock);
	err = lfs_read_dir(w, fd, d, depth, &e);
	pthread_mutex_lock(&w->lock);
	w->busy--;
	if (err && !w->err) {
		w->err = err;
		if (w->e)
			*w->e = e;
		atomic_store(&w->failed, 1);
	}
	if (w->err || (!w->queue && !w->busy))
		pthread_cond_broadcast(&w->cond);
}

/*
 * A worker: reads queued directories until one read has failed, or the
 * queue is empty with no thread reading (none can queue more).
 */
static void *lfs_walk_thread(void *arg)
{
	struct lfs_walk *w = arg;
	struct lfs_wdir *q;

	pthread_mutex_lock(&w->lock);
	for (;;) {
		while (!w->queue && w->busy && !w->err)
			pthread_cond_wait(&w->cond, &w->lock);
		q = w->err ? NULL : w->queue;
		if (!q)
			break;
		w->queue = q->next;
		w->queued--;
		w->busy++;
		lfs_walk_read(w, q->fd, q->depth, q->d);
		close(q->fd);
		free(q);
	}
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

static unsigned int lfs_walk_jobs(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n < 1 ? 1 : n > LFS_WALK_JOBS_MAX ? LFS_WALK_JOBS_MAX : n;
}

int lfs_layer_read_jobs(int dirfd, struct lfs_ldir *d, unsigned int jobs,
			struct lfs_err *e)
{
	pthread_t tid[LFS_WALK_JOBS_MAX - 1];
	struct lfs_walk w = {
		.lock = PTHREAD_MUTEX_INITIALIZER,
		.cond = PTHREAD_COND_INITIALIZER,
		.busy = 1,	/* this thread, reading @dirfd */
		.e = e,
	};
	unsigned int i, started = 0;
	struct lfs_wdir *q;
	int err;

	if (!jobs)
		jobs = lfs_walk_jobs();
	if (jobs > LFS_WALK_JOBS_MAX)
		jobs = LFS_WALK_JOBS_MAX;
	if (jobs > 1)
		w.max = LFS_WALK_QUEUE_MAX;
	memset(d, 0, sizeof(*d));
	/* Fewer threads than asked if some cannot start: it only runs
	 * slower (this one does the work alone at worst). */
	for (i = 0; i + 1 < jobs; i++)
		if (!pthread_create(&tid[started], NULL, lfs_walk_thread, &w))
			started++;
	pthread_mutex_lock(&w.lock);
	lfs_walk_read(&w, dirfd, 0, d);
	pthread_mutex_unlock(&w.lock);
	lfs_walk_thread(&w);
	for (i = 0; i < started; i++)
		pthread_join(tid[i], NULL);
	/* After a failure, what was queued and not read. */
	while ((q = w.queue)) {
		w.queue = q->next;
		close(q->fd);
		free(q);
	}
	err = w.err;
	if (!err) {
		err = lfs_ldir_sort(d);
		if (err)
			lfs_err_set(e, err, "a directory lists a name twice");
	}
	if (err)
		lfs_ldir_free(d);
	pthread_mutex_destroy(&w.lock);
	pthread_cond_destroy(&w.cond);
	return err;
}

int lfs_layer_read(int dirfd, struct lfs_ldir *d, struct lfs_err *e)
{
	return lfs_layer_read_jobs(dirfd, d, 0, e);
}
