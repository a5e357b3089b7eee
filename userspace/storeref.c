// SPDX-License-Identifier: GPL-2.0
/* The store's records by name (see storeref.h). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/layerfs.h>

#include "storeref.h"

/* ROOT/refs, made if missing; an fd or a negative errno. */
static int lfs_refs_dir(const struct lfs_store *st)
{
	int fd;

	if (mkdirat(st->fd, LFS_REFS_DIR, 0700) == 0)
		fsync(st->fd);
	else if (errno != EEXIST)
		return -errno;
	fd = openat(st->fd, LFS_REFS_DIR, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

int lfs_store_ref_set(const struct lfs_store *st, const char *ref, const char *key,
		      struct lfs_err *e)
{
	char name[LAYERFS_NAME_MAX + 1];
	struct lfs_buf b = LFS_BUF_INIT;
	int fd, rc;

	if (lfs_ref_file_name(ref, name, sizeof(name)))
		return lfs_err_named(e, -EINVAL, "not a layer name",
				     "layer '%s'", ref);
	fd = lfs_refs_dir(st);
	if (fd < 0)
		return lfs_err_set(e, fd, "cannot open '%s/%s'", st->root,
				   LFS_REFS_DIR);
	lfs_buf_printf(&b, "%s\n", key);
	rc = lfs_store_write_atomic(fd, name, &b);
	lfs_buf_free(&b);
	close(fd);
	if (rc)
		return lfs_err_set(e, rc, "cannot write '%s/%s/%s'", st->root,
				   LFS_REFS_DIR, name);
	return 0;
}

/* The key entry @name of @dirfd holds into @key: 0, or a negative errno. */
static int lfs_refs_read(int dirfd, const char *name, char *key)
{
	char buf[LFS_KEY_LEN + 2];
	ssize_t n;
	int fd;

	fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf));
	close(fd);
	if (n != LFS_KEY_LEN + 1 || buf[LFS_KEY_LEN] != '\n')
		return -EINVAL;
	buf[LFS_KEY_LEN] = '\0';
	if (!lfs_key_valid(buf))
		return -EINVAL;
	memcpy(key, buf, LFS_KEY_LEN + 1);
	return 0;
}

/* 1 with the record in @m if ROOT/layers/@key/meta.json is named @ref. */
static int lfs_refs_confirm(const struct lfs_store *st, const char *key,
			    const char *ref, struct lfs_meta *m)
{
	if (lfs_store_layer_read_meta(st, key, m, NULL))
		return 0;
	if (m->ref && !strcmp(m->ref, ref))
		return 1;
	lfs_meta_free(m);
	return 0;
}

/*
 * A store without the marker (or whose ROOT/refs cannot be written:
 * @dirfd < 0): every record read once; where it can be, its entry written
 * (no fsync each: one syncfs() before the marker makes them all durable),
 * then the marker.  The answer for @ref comes from the records read; the
 * entries are only a cache of them, so failing to write one fails nothing.
 */
static int lfs_refs_rebuild(const struct lfs_store *st, int dirfd, const char *ref,
			    char *key, struct lfs_err *e)
{
	struct lfs_meta_list list = LFS_META_LIST_INIT;
	struct lfs_buf b = LFS_BUF_INIT;
	char name[LAYERFS_NAME_MAX + 1];
	int rc, found = 0, ok = dirfd >= 0;
	size_t i;

	rc = lfs_store_layer_list(st, &list, e);
	if (rc)
		return rc;
	for (i = 0; i < list.n; i++) {
		const struct lfs_meta *m = list.v[i];
		int fd;

		if (!strcmp(m->ref, ref) && !found) {
			memcpy(key, m->key, LFS_KEY_LEN + 1);
			found = 1;
		}
		if (!ok || lfs_ref_file_name(m->ref, name, sizeof(name)))
			continue;
		fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_TRUNC |
			    O_NOFOLLOW | O_CLOEXEC, 0644);
		if (fd < 0 || dprintf(fd, "%s\n", m->key) != LFS_KEY_LEN + 1)
			ok = 0;
		if (fd >= 0)
			close(fd);
	}
	lfs_meta_list_free(&list);
	if (ok && !syncfs(dirfd)) {
		lfs_buf_puts(&b, "1\n");
		lfs_store_write_atomic(dirfd, LFS_REFS_COMPLETE, &b);
		lfs_buf_free(&b);
	}
	return found;
}

int lfs_store_ref_get(const struct lfs_store *st, const char *ref,
		      struct lfs_meta *m, struct lfs_err *e)
{
	char name[LAYERFS_NAME_MAX + 1], key[LFS_KEY_LEN + 1];
	int fd, rc;

	memset(m, 0, sizeof(*m));
	if (lfs_ref_file_name(ref, name, sizeof(name)))
		return 0;	/* not a name: no record has it */
	fd = lfs_refs_dir(st);
	if (fd >= 0 && !lfs_refs_read(fd, name, key) &&
	    lfs_refs_confirm(st, key, ref, m))
		rc = 1;
	else if (fd >= 0 &&
		 !faccessat(fd, LFS_REFS_COMPLETE, F_OK, AT_SYMLINK_NOFOLLOW))
		rc = 0;
	else
		rc = lfs_refs_rebuild(st, fd, ref, key, e);
	if (fd >= 0)
		close(fd);
	/* The record, read again from the key the whole store gave. */
	if (rc == 1 && !m->ref && !lfs_refs_confirm(st, key, ref, m))
		rc = lfs_err_set(e, -EIO,
				 "layer record '%s/layers/%s/meta.json': unreadable",
				 st->root, key);
	return rc;
}

int lfs_store_ref_find(const struct lfs_store *st, const char *ref, char *key,
		       struct lfs_err *e)
{
	struct lfs_meta m;
	int rc;

	rc = lfs_store_ref_get(st, ref, &m, e);
	if (rc == 1)
		snprintf(key, LFS_KEY_LEN + 1, "%s", m.key);
	lfs_meta_free(&m);
	return rc;
}
