// SPDX-License-Identifier: GPL-2.0
/* The layer store's file I/O (see store.h). */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/layerfs.h>

#include "fsdir.h"
#include "store.h"
#include "tmpname.h"
#include "storeref.h"

const char *lfs_store_root(const char *opt)
{
	const char *env;

	if (opt && *opt)
		return opt;
	env = getenv(LFS_STORE_ENV);
	if (env && *env)
		return env;
	return LFS_STORE_DEFAULT;
}

static int lfs_fsync_fd(int fd)
{
	return fsync(fd) ? -errno : 0;
}

/* mkdirat() then fsync of the parent, so the new name is durable. */
static int lfs_mkdirat_sync(int dirfd, const char *name, mode_t mode)
{
	if (mkdirat(dirfd, name, mode))
		return -errno;
	return lfs_fsync_fd(dirfd);
}

int lfs_store_open(struct lfs_store *st, const char *root, int create,
		   struct lfs_err *e)
{
	char real[PATH_MAX];
	int rc;

	st->root = NULL;
	st->fd = st->layers_fd = st->views_fd = st->lock_fd = -1;
	st->guard = (struct lfs_dirguard)LFS_DIRGUARD_INIT;
	if (root[0] != '/') {
		lfs_err_set(e, 0, "not an absolute path");
		return -EINVAL;
	}
	if (create) {
		rc = lfs_mkdir_p(root, 0700);
		if (rc)
			return lfs_err_set(e, rc, "cannot create");
	}
	if (!realpath(root, real))
		return lfs_err_set(e, -errno, "%s", "");
	st->root = strdup(real);
	if (!st->root)
		return lfs_err_set(e, -ENOMEM, "%s", "");
	st->fd = open(real, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (st->fd < 0) {
		rc = lfs_err_set(e, -errno, "%s", "");
		goto fail;
	}
	if (create) {
		if ((mkdirat(st->fd, "layers", 0700) && errno != EEXIST) ||
		    (mkdirat(st->fd, "views", 0700) && errno != EEXIST)) {
			rc = lfs_err_set(e, -errno,
					 "cannot create layers/ and views/");
			goto fail;
		}
		lfs_fsync_fd(st->fd);
	}
	st->layers_fd = openat(st->fd, "layers",
			       O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (st->layers_fd < 0) {
		rc = lfs_err_set(e, -errno, "cannot open layers/");
		goto fail;
	}
	st->views_fd = openat(st->fd, "views", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (st->views_fd < 0) {
		rc = lfs_err_set(e, -errno, "cannot open views/");
		goto fail;
	}
	st->lock_fd = openat(st->fd, ".lock", O_RDWR | O_CREAT | O_CLOEXEC |
			     O_NOFOLLOW, 0600);
	if (st->lock_fd < 0)
		st->lock_fd = openat(st->fd, ".lock",
				     O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	while (st->lock_fd >= 0 && flock(st->lock_fd, LOCK_SH)) {
		if (errno == EINTR)
			continue;
		close(st->lock_fd);
		st->lock_fd = -1;
	}
	return 0;
fail:
	lfs_store_close(st);
	return rc;
}

void lfs_store_close(struct lfs_store *st)
{
	lfs_dirguard_end(&st->guard);
	if (st->lock_fd >= 0)
		close(st->lock_fd);
	if (st->views_fd >= 0)
		close(st->views_fd);
	if (st->layers_fd >= 0)
		close(st->layers_fd);
	if (st->fd >= 0)
		close(st->fd);
	free(st->root);
	st->root = NULL;
	st->fd = st->layers_fd = st->views_fd = st->lock_fd = -1;
}

int lfs_store_lock_exclusive(struct lfs_store *st)
{
	if (st->lock_fd < 0)
		return -ENOLCK;
	while (flock(st->lock_fd, LOCK_EX))
		if (errno != EINTR)
			return -errno;
	return 0;
}

int lfs_store_new_key(char *key)
{
	unsigned char bytes[16];
	size_t got = 0;

	while (got < sizeof(bytes)) {
		ssize_t n = getrandom(bytes + got, sizeof(bytes) - got, 0);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		got += (size_t)n;
	}
	lfs_key_format(bytes, key);
	return 0;
}

/* @key's directory name with @prefix ("", or LFS_NEW_PREFIX) into @out. */
static void lfs_store_key_name(char out[LFS_NEW_NAME_LEN], const char *prefix,
			       const char *key)
{
	snprintf(out, LFS_NEW_NAME_LEN, "%s%s", prefix, key);
}

/*
 * A new ROOT/SUB/PREFIXKEY directory (random KEY, retried on collision);
 * with a @prefix, KEY is free as a name of its own too, so that a rename
 * to KEY cannot fail.
 */
static int lfs_store_new_dir(int parent_fd, const char *prefix, char *key)
{
	char name[LFS_NEW_NAME_LEN];
	struct stat sb;
	int tries, rc;

	for (tries = 0; tries < 8; tries++) {
		rc = lfs_store_new_key(key);
		if (rc)
			return rc;
		if (*prefix &&
		    !fstatat(parent_fd, key, &sb, AT_SYMLINK_NOFOLLOW))
			continue;
		lfs_store_key_name(name, prefix, key);
		rc = lfs_mkdirat_sync(parent_fd, name, 0700);
		if (rc != -EEXIST)
			return rc;
	}
	return -EEXIST;
}

/* ROOT/SUB/PREFIXKEY/NAME: a new empty directory @name in a new KEY. */
static int lfs_store_new_pair(struct lfs_store *st, int parent_fd,
			      const char *sub, const char *prefix,
			      const char *name, mode_t mode, char *key,
			      char **path, struct lfs_err *e)
{
	char dname[LFS_NEW_NAME_LEN];
	int fd, rc;

	*path = NULL;
	rc = lfs_store_new_dir(parent_fd, prefix, key);
	if (rc)
		return lfs_err_set(e, rc, "cannot create a directory in '%s/%s'",
				   st->root, sub);
	lfs_store_key_name(dname, prefix, key);
	fd = openat(parent_fd, dname, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		rc = -errno;
		goto undo;
	}
	rc = lfs_mkdirat_sync(fd, name, mode);
	close(fd);
	if (rc)
		goto undo;
	if (asprintf(path, "%s/%s/%s/%s", st->root, sub, dname, name) < 0) {
		*path = NULL;
		rc = -ENOMEM;
		goto undo_all;
	}
	return 0;
undo_all:
	fd = openat(parent_fd, dname, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		unlinkat(fd, name, AT_REMOVEDIR);
		close(fd);
	}
undo:
	unlinkat(parent_fd, dname, AT_REMOVEDIR);
	return lfs_err_set(e, rc, "cannot create '%s/%s/%s/%s'", st->root,
			   sub, dname, name);
}

int lfs_store_layer_create(struct lfs_store *st, char *key, char **diff,
			   struct lfs_err *e)
{
	/* The diff is a layer's root directory: readable by all. */
	return lfs_store_new_pair(st, st->layers_fd, "layers", "", "diff",
				  0755, key, diff, e);
}

int lfs_store_layer_create_new(struct lfs_store *st, char *key, char **diff,
			       struct lfs_err *e)
{
	char name[LFS_NEW_NAME_LEN];
	int rc;

	rc = lfs_store_new_pair(st, st->layers_fd, "layers", LFS_NEW_PREFIX,
				"diff", 0755, key, diff, e);
	if (rc) {
		key[0] = '\0';
		return rc;
	}
	/* best effort: prune deletes what a kill leaves otherwise */
	if (st->guard.fd < 0)
		lfs_dirguard_start(&st->guard, st->layers_fd, st->lock_fd);
	lfs_store_key_name(name, LFS_NEW_PREFIX, key);
	lfs_dirguard_add(&st->guard, name);
	return 0;
}

int lfs_store_layer_publish(struct lfs_store *st, const char *key,
			    char **diff, struct lfs_err *e)
{
	char name[LFS_NEW_NAME_LEN];
	char *path;
	int rc;

	lfs_store_key_name(name, LFS_NEW_PREFIX, key);
	if (asprintf(&path, "%s/layers/%s/diff", st->root, key) < 0)
		return lfs_err_set(e, -ENOMEM, "cannot rename '%s/layers/%s'",
				   st->root, name);
	rc = renameat2(st->layers_fd, name, st->layers_fd, key,
		       RENAME_NOREPLACE) ? -errno : 0;
	if (rc == -EINVAL) {
		/* a filesystem without RENAME_NOREPLACE: KEY was free */
		struct stat sb;

		rc = -EEXIST;
		if (fstatat(st->layers_fd, key, &sb, AT_SYMLINK_NOFOLLOW))
			rc = renameat(st->layers_fd, name, st->layers_fd,
				      key) ? -errno : 0;
	}
	if (!rc)
		rc = lfs_fsync_fd(st->layers_fd);
	if (rc) {
		free(path);
		return lfs_err_set(e, rc, "cannot rename '%s/layers/%s' to '%s'",
				   st->root, name, key);
	}
	lfs_dirguard_let_go(&st->guard, name);
	free(*diff);
	*diff = path;
	return 0;
}

int lfs_store_layer_create_bare(struct lfs_store *st, char *key, struct lfs_err *e)
{
	int rc = lfs_store_new_dir(st->layers_fd, "", key);

	if (rc)
		return lfs_err_set(e, rc,
				   "cannot create a directory in '%s/layers'",
				   st->root);
	return 0;
}

/*
 * Deletes the store's own temporary files in @dirfd (tmpname.h: what a
 * crash between a record's temporary file and its rename left), and
 * nothing else.
 */
static void lfs_store_drop_tmps(int dirfd)
{
	char **names;
	size_t n, i;

	if (lfs_dir_names(dirfd, &names, &n))
		return;
	for (i = 0; i < n; i++) {
		if (lfs_tmp_name_is(names[i]))
			unlinkat(dirfd, names[i], 0);
		free(names[i]);
	}
	free(names);
}

/* flock(@fd, @op), again after a signal. */
static int lfs_flock(int fd, int op)
{
	while (flock(fd, op))
		if (errno != EINTR)
			return -errno;
	return 0;
}

int lfs_store_layer_lock(const struct lfs_store *st, const char *key)
{
	int fd, rc;

	if (!lfs_key_valid(key))
		return -EINVAL;
	fd = openat(st->layers_fd, key,
		    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	rc = lfs_flock(fd, LOCK_EX);
	if (rc) {
		close(fd);
		return rc;
	}
	return fd;
}

void lfs_store_layer_unlock(int lockfd)
{
	if (lockfd < 0)
		return;
	flock(lockfd, LOCK_UN);
	close(lockfd);
}

int lfs_store_layer_discard(struct lfs_store *st, const char *key)
{
	struct stat sb;
	int fd, rc = 0;

	/* KEY, locked: no commit of the upper in it is half-way. */
	fd = lfs_store_layer_lock(st, key);
	if (fd < 0)
		return fd;
	/* A layer's (empty) contents are not an unused upper's. */
	if (!fstatat(fd, "meta.json", &sb, AT_SYMLINK_NOFOLLOW) ||
	    errno != ENOENT)
		rc = -ENOTEMPTY;
	else if (unlinkat(fd, "diff", AT_REMOVEDIR) && errno != ENOENT)
		rc = -errno;
	if (!rc)
		lfs_store_drop_tmps(fd);
	if (!rc && unlinkat(st->layers_fd, key, AT_REMOVEDIR))
		rc = -errno;
	if (!rc)
		lfs_fsync_fd(st->layers_fd);
	lfs_store_layer_unlock(fd);
	return rc;
}

int lfs_store_write_atomic(int dirfd, const char *name,
			   const struct lfs_buf *data)
{
	if (lfs_buf_error(data))
		return -ENOMEM;
	return lfs_write_file_atomic(dirfd, name, data->data, data->len, 0644);
}

/* Reads the whole file @name of directory @dirfd, NUL-terminated. */
static int lfs_read_file(int dirfd, const char *name, struct lfs_buf *out)
{
	char chunk[4096];
	int fd, rc = 0;

	fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -errno;
	for (;;) {
		ssize_t n = read(fd, chunk, sizeof(chunk));

		if (n < 0) {
			if (errno == EINTR)
				continue;
			rc = -errno;
			break;
		}
		if (!n)
			break;
		if (out->len + (size_t)n > (1U << 20)) {
			rc = -EFBIG;	/* no record is that large */
			break;
		}
		lfs_buf_put(out, chunk, (size_t)n);
	}
	close(fd);
	if (!rc && !out->data)
		lfs_buf_puts(out, "");
	if (!rc && strlen(lfs_buf_str(out)) != out->len)
		rc = -EINVAL;	/* a NUL inside */
	return rc ? rc : lfs_buf_error(out);
}

int lfs_store_layer_write_meta(struct lfs_store *st, const struct lfs_meta *m,
			       struct lfs_err *e)
{
	struct lfs_buf b = LFS_BUF_INIT;
	int fd, rc;

	rc = lfs_meta_to_json(m, &b);
	if (rc) {
		lfs_buf_free(&b);
		return lfs_err_set(e, rc, "layer record '%s': cannot encode it",
				   m->key);
	}
	/* The entry by name first: a record never lacks one (storeref.h). */
	rc = m->ref ? lfs_store_ref_set(st, m->ref, m->key, e) : 0;
	if (rc) {
		lfs_buf_free(&b);
		return rc;
	}
	fd = openat(st->layers_fd, m->key, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		rc = -errno;
	} else {
		rc = lfs_store_write_atomic(fd, "meta.json", &b);
		close(fd);
	}
	lfs_buf_free(&b);
	if (rc)
		return lfs_err_set(e, rc, "cannot write '%s/layers/%s/meta.json'",
				   st->root, m->key);
	return 0;
}

int lfs_store_layer_read_meta(const struct lfs_store *st, const char *key,
			      struct lfs_meta *m, struct lfs_err *e)
{
	struct lfs_buf b = LFS_BUF_INIT;
	int fd, rc;

	memset(m, 0, sizeof(*m));
	fd = openat(st->layers_fd, key, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		rc = lfs_err_set(e, -errno, "cannot open its directory");
		goto out;
	}
	rc = lfs_read_file(fd, "meta.json", &b);
	close(fd);
	if (rc) {
		lfs_buf_free(&b);
		lfs_err_set(e, rc, rc == -ENOENT ? "missing" : "cannot read");
		goto out;
	}
	rc = lfs_meta_from_json(lfs_buf_str(&b), m, e);
	lfs_buf_free(&b);
	if (!rc && strcmp(m->key, key))
		rc = lfs_err_set(e, -EINVAL, "its key is %s", m->key);
	if (rc)
		lfs_meta_free(m);
out:
	/* The record is the subject: "layer record 'ROOT/layers/KEY/meta.json'". */
	if (rc)
		lfs_err_prefix(e, rc, "layer record '%s/layers/%s/meta.json'",
			       st->root, key);
	return rc;
}

void lfs_meta_list_free(struct lfs_meta_list *l)
{
	size_t i;

	for (i = 0; i < l->n; i++) {
		lfs_meta_free(l->v[i]);
		free(l->v[i]);
	}
	free(l->v);
	lfs_strv_free(&l->bad);
	l->v = NULL;
	l->n = l->cap = 0;
}

static int lfs_meta_list_push(struct lfs_meta_list *l, struct lfs_meta *m)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 16;
		struct lfs_meta **v = realloc(l->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n++] = m;
	return 0;
}

static int lfs_cmp_created(const void *a, const void *b)
{
	const struct lfs_meta *x = *(struct lfs_meta *const *)a;
	const struct lfs_meta *y = *(struct lfs_meta *const *)b;

	if (x->created != y->created)
		return x->created < y->created ? -1 : 1;
	return strcmp(x->ref, y->ref);
}

int lfs_store_layer_list(const struct lfs_store *st, struct lfs_meta_list *l,
			 struct lfs_err *e)
{
	struct dirent *de;
	DIR *d;
	int fd, rc = 0;

	fd = openat(st->layers_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return lfs_err_set(e, -errno,
				   "cannot read the layer records in '%s/layers'",
				   st->root);
	d = fdopendir(fd);
	if (!d) {
		rc = -errno;
		close(fd);
		return lfs_err_set(e, rc,
				   "cannot read the layer records in '%s/layers'",
				   st->root);
	}
	while ((de = readdir(d))) {
		char reason[LFS_ERR_MAX + 64];
		struct lfs_err me = LFS_ERR_INIT;
		struct lfs_meta *m;

		if (!lfs_key_valid(de->d_name))
			continue;	/* ".", "..", temporaries */
		m = calloc(1, sizeof(*m));
		if (!m) {
			rc = -ENOMEM;
			break;
		}
		rc = lfs_store_layer_read_meta(st, de->d_name, m, &me);
		if (rc == -ENOENT || rc == -ENOTDIR) {
			/* An uncommitted upper. */
			free(m);
			rc = 0;
			continue;
		}
		if (rc == -ENOMEM) {
			free(m);
			break;
		}
		if (rc) {
			free(m);
			rc = lfs_strv_push(&l->bad, lfs_err_str(&me, reason,
							      sizeof(reason)));
			if (rc)
				break;
			continue;
		}
		rc = lfs_meta_list_push(l, m);
		if (rc) {
			lfs_meta_free(m);
			free(m);
			break;
		}
	}
	closedir(d);
	if (rc)
		return lfs_err_set(e, rc,
				   "cannot read the layer records in '%s/layers'",
				   st->root);
	if (l->n)
		qsort(l->v, l->n, sizeof(*l->v), lfs_cmp_created);
	return 0;
}

/* ROOT/@name, flock()ed exclusively: an fd, or -1. */
static int lfs_store_flock(const struct lfs_store *st, const char *name)
{
	int fd;

	fd = openat(st->fd, name, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW,
		    0600);
	if (fd < 0)
		return -1;
	while (flock(fd, LOCK_EX)) {
		if (errno != EINTR) {
			close(fd);
			return -1;
		}
	}
	return fd;
}

int lfs_store_index_lock(const struct lfs_store *st)
{
	return lfs_store_flock(st, LFS_STORE_INDEX_LOCK);
}

void lfs_store_index_unlock(int lockfd)
{
	if (lockfd >= 0)
		close(lockfd);
}

int lfs_store_records_lock(const struct lfs_store *st)
{
	return lfs_store_flock(st, LFS_STORE_RECORDS_LOCK);
}

void lfs_store_records_unlock(int lockfd)
{
	if (lockfd >= 0)
		close(lockfd);
}

int lfs_store_layer_remove(struct lfs_store *st, const char *key, struct lfs_err *e)
{
	char gone[LFS_KEY_LEN + 8];
	int rc, lockfd;

	/* Not under an index being written into it (index_bg.c). */
	lockfd = lfs_store_index_lock(st);
	snprintf(gone, sizeof(gone), ".rm-%s", key);
	rc = renameat(st->layers_fd, key, st->layers_fd, gone) ? -errno : 0;
	if (rc == -ENOENT) {
		/* one that lfs_store_layer_create_new() made, not published */
		char name[LFS_NEW_NAME_LEN];

		lfs_store_key_name(name, LFS_NEW_PREFIX, key);
		rc = renameat(st->layers_fd, name, st->layers_fd, gone) ?
		     -errno : 0;
		if (!rc)
			lfs_dirguard_let_go(&st->guard, name);
	}
	lfs_store_index_unlock(lockfd);
	if (rc)
		return lfs_err_set(e, rc, "cannot remove '%s/layers/%s'",
				st->root, key);
	lfs_fsync_fd(st->layers_fd);
	rc = lfs_rm_rf_at(st->layers_fd, gone);
	if (rc)
		lfs_err_set(e, rc, "cannot delete '%s/layers/%s'",
			 st->root, gone);
	return rc;
}

const char *lfs_store_hidden_key(const char *name)
{
	static const char *const prefixes[] = { ".rm-", LFS_NEW_PREFIX };
	size_t i, n;

	for (i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
		n = strlen(prefixes[i]);
		if (!strncmp(name, prefixes[i], n) && lfs_key_valid(name + n))
			return name + n;
	}
	return NULL;
}

int lfs_store_remove_hidden(struct lfs_store *st, const char *name)
{
	const char *key = lfs_store_hidden_key(name);

	if (!key)
		return -EINVAL;
	return lfs_rm_rf_at(st->layers_fd, name);
}

static uint64_t lfs_usage_size, lfs_usage_files;

static int lfs_usage_one(const char *path, const struct stat *sb, int flag,
			 struct FTW *ftw)
{
	(void)path;
	if (!ftw->level)
		return 0;	/* the root */
	if (flag == FTW_D || flag == FTW_DP || flag == FTW_DNR)
		return 0;
	lfs_usage_files++;
	if (S_ISREG(sb->st_mode) || S_ISLNK(sb->st_mode))
		lfs_usage_size += (uint64_t)sb->st_size;
	return 0;
}

int lfs_store_usage(const char *dir, uint64_t *size, uint64_t *files)
{
	lfs_usage_size = lfs_usage_files = 0;
	if (nftw(dir, lfs_usage_one, 64, FTW_PHYS | FTW_MOUNT))
		return errno ? -errno : -EIO;
	*size = lfs_usage_size;
	*files = lfs_usage_files;
	return 0;
}

int lfs_store_layer_usage(struct lfs_store *st, struct lfs_meta *m)
{
	struct lfs_meta now;
	int rc, lockfd;

	if (m->has_usage)
		return 0;
	rc = lfs_store_usage(m->diff, &m->size, &m->files);
	if (rc)
		return rc;
	m->has_usage = 1;
	/* Only frozen contents keep their size: cache only those. */
	if (!(m->flags & LAYERFS_LAYER_F_FROZEN))
		return 0;
	/*
	 * Into the record as it is now, not as @m was read: a tag made or
	 * removed since stays so.
	 */
	lockfd = lfs_store_records_lock(st);
	if (!lfs_store_layer_read_meta(st, m->key, &now, NULL)) {
		if (!now.has_usage && !strcmp(now.ref, m->ref) &&
		    !strcmp(now.diff, m->diff)) {
			now.has_usage = 1;
			now.size = m->size;
			now.files = m->files;
			lfs_store_layer_write_meta(st, &now, NULL);
		}
		lfs_meta_free(&now);
	}
	lfs_store_records_unlock(lockfd);
	return 0;
}

int lfs_store_view_create(struct lfs_store *st, char *vkey, char **work,
			  struct lfs_err *e)
{
	return lfs_store_new_pair(st, st->views_fd, "views", "", "work", 0700,
				  vkey, work, e);
}

int lfs_store_view_remove(struct lfs_store *st, const char *vkey)
{
	int rc;

	if (!lfs_key_valid(vkey))
		return -EINVAL;
	rc = lfs_rm_rf_at(st->views_fd, vkey);
	if (!rc)
		lfs_fsync_fd(st->views_fd);
	return rc;
}

int lfs_store_view_write_meta(struct lfs_store *st,
			      const struct lfs_view_meta *v, struct lfs_err *e)
{
	struct lfs_buf b = LFS_BUF_INIT;
	int fd, rc;

	rc = lfs_view_meta_to_json(v, &b);
	if (!rc) {
		fd = openat(st->views_fd, v->key,
			    O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0) {
			rc = -errno;
		} else {
			rc = lfs_store_write_atomic(fd, "view.json", &b);
			close(fd);
		}
	}
	lfs_buf_free(&b);
	if (rc)
		return lfs_err_set(e, rc, "cannot write '%s/views/%s/view.json'",
				   st->root, v->key);
	return 0;
}

int lfs_store_view_find(struct lfs_store *st, const char *work,
			struct lfs_view_meta *v)
{
	char key[LFS_KEY_LEN + 1];
	char *want;
	int rc;

	memset(v, 0, sizeof(*v));
	if (!lfs_store_path_entry(st->root, work, "views", key))
		return -ENOENT;
	/* Only the work directory itself names the view. */
	if (asprintf(&want, "%s/views/%s/work", st->root, key) < 0)
		return -ENOMEM;
	rc = strcmp(want, work);
	free(want);
	if (rc)
		return -ENOENT;
	return lfs_store_view_read(st, key, v);
}

int lfs_store_view_read(struct lfs_store *st, const char *key,
			struct lfs_view_meta *v)
{
	struct lfs_buf b = LFS_BUF_INIT;
	int fd, rc;

	memset(v, 0, sizeof(*v));
	if (!lfs_key_valid(key))
		return -ENOENT;
	fd = openat(st->views_fd, key, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	rc = lfs_read_file(fd, "view.json", &b);
	close(fd);
	if (!rc)
		rc = lfs_view_meta_from_json(lfs_buf_str(&b), v, NULL);
	/* Another view's record (copied, corrupt) is not this one's. */
	if (!rc && strcmp(v->key, key))
		rc = -EINVAL;
	lfs_buf_free(&b);
	if (rc)
		lfs_view_meta_free(v);
	return rc;
}
