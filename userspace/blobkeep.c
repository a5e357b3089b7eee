// SPDX-License-Identifier: GPL-2.0
/* The store's kept blobs.  See blobkeep.h. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "blobkeep.h"
#include "fsdir.h"
#include "layerdg.h"
#include "pullpart.h"
#include "regcmd.h"
#include "store.h"

#define LFS_KEEP_IO (1 << 20)

int lfs_keep_dir(int rootfd, int create)
{
	int fd;

	if (create && ((mkdirat(rootfd, "blobs", 0700) && errno != EEXIST) ||
		       (mkdirat(rootfd, LFS_KEEP_DIR, 0700) && errno != EEXIST)))
		return -errno;
	fd = openat(rootfd, LFS_KEEP_DIR, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
		    O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

int lfs_keep_open(int rootfd, const char *digest, uint64_t size)
{
	char name[LFS_DIGEST_LEN];
	struct stat st;
	int dfd, fd, rc;

	if (lfs_blob_name(digest, name, sizeof(name)))
		return -EINVAL;
	dfd = lfs_keep_dir(rootfd, 0);
	if (dfd < 0)
		return dfd;
	fd = lfs_open_regular(dfd, name, 0, &st);
	rc = fd < 0 ? fd : 0;
	if (rc == -EINVAL || (!rc && (uint64_t)st.st_size != size)) {
		/* not that blob: it goes */
		rc = -EBADMSG;
		unlinkat(dfd, name, 0);
	}
	close(dfd);
	if (rc && fd >= 0)
		close(fd);
	return rc ? rc : fd;
}

void lfs_keep_drop(int rootfd, const char *digest)
{
	char name[LFS_DIGEST_LEN];
	int dfd;

	if (lfs_blob_name(digest, name, sizeof(name)))
		return;
	dfd = lfs_keep_dir(rootfd, 0);
	if (dfd < 0)
		return;
	unlinkat(dfd, name, 0);
	close(dfd);
}

/* A new temporary name for @w, "LFS_KEEP_TMP_PREFIX" + 32 random digits. */
static int lfs_keep_w_name(struct lfs_keep_w *w)
{
	char key[LFS_KEY_LEN + 1];
	int rc = lfs_store_new_key(key);

	if (!rc)
		snprintf(w->tmp, sizeof(w->tmp), LFS_KEEP_TMP_PREFIX "%.32s",
			 key);
	return rc;
}

/* A new temporary file in @w->dfd, as w->fd. */
static int lfs_keep_w_create(struct lfs_keep_w *w)
{
	int i, rc;

	for (i = 0; i < 8; i++) {
		rc = lfs_keep_w_name(w);
		if (rc)
			return rc;
		w->fd = openat(w->dfd, w->tmp, O_RDWR | O_CREAT | O_EXCL |
			       O_NOFOLLOW | O_CLOEXEC, 0644);
		if (w->fd >= 0)
			return 0;
		if (errno != EEXIST)
			return -errno;
	}
	return -EEXIST;
}

int lfs_keep_w_start(int rootfd, struct lfs_keep_w *w)
{
	int rc;

	w->fd = -1;
	w->tmp[0] = '\0';
	w->dfd = lfs_keep_dir(rootfd, 1);
	if (w->dfd < 0)
		return w->dfd;
	rc = lfs_keep_w_create(w);
	if (rc) {
		close(w->dfd);
		w->dfd = -1;
		w->tmp[0] = '\0';
	}
	return rc;
}

/* Closes @w's files (the temporary one stays). */
static void lfs_keep_w_close(struct lfs_keep_w *w)
{
	if (w->fd >= 0)
		close(w->fd);
	if (w->dfd >= 0)
		close(w->dfd);
	w->fd = w->dfd = -1;
}

/* Renames @w->tmp (complete and synced) to blob @digest; fsyncs the dir. */
static int lfs_keep_w_rename(struct lfs_keep_w *w, const char *digest)
{
	char name[LFS_DIGEST_LEN];
	int rc = 0;

	if (lfs_blob_name(digest, name, sizeof(name)))
		rc = -EINVAL;
	else if (renameat(w->dfd, w->tmp, w->dfd, name))
		rc = -errno;
	/*
	 * rename(2) of a name to another link of the same file does
	 * nothing: the temporary name would stay
	 */
	unlinkat(w->dfd, w->tmp, 0);
	if (!rc && fsync(w->dfd))
		rc = -errno;
	return rc;
}

int lfs_keep_w_commit(struct lfs_keep_w *w, const char *digest)
{
	int rc = 0;

	if (w->fd < 0)
		return -EBADF;
	if (fsync(w->fd))
		rc = -errno;
	if (!rc)
		rc = lfs_keep_w_rename(w, digest);
	else
		unlinkat(w->dfd, w->tmp, 0);
	lfs_keep_w_close(w);
	return rc;
}

void lfs_keep_w_abort(struct lfs_keep_w *w)
{
	if (w->dfd >= 0 && w->tmp[0])
		unlinkat(w->dfd, w->tmp, 0);
	lfs_keep_w_close(w);
}

/* The rest of @src (from offset 0) into @dst: copy_file_range, else read. */
static int lfs_keep_copy(int src, int dst)
{
	char *buf;
	ssize_t n;
	off_t in = 0, out = 0;
	int rc = 0;

	for (;;) {
		n = copy_file_range(src, &in, dst, &out, LFS_KEEP_IO, 0);
		if (n == 0)
			return 0;
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break;
	}
	if (in || (errno != EXDEV && errno != ENOSYS && errno != EINVAL &&
		   errno != EOPNOTSUPP))
		return -errno;
	buf = malloc(LFS_KEEP_IO);
	if (!buf)
		return -ENOMEM;
	while (!rc) {
		n = pread(src, buf, LFS_KEEP_IO, in);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			rc = n < 0 ? -errno : 0;
			break;
		}
		in += n;
		/* @dst's position is still 0: copy_file_range() kept to out */
		rc = lfs_write_all(dst, buf, (size_t)n);
	}
	free(buf);
	return rc;
}

/*
 * A second name in @w->dfd for the file open as @src (the inode itself,
 * not whatever its name holds by now): linkat() of the fd, which needs
 * CAP_DAC_READ_SEARCH, else of its /proc/self/fd link.  0 or -errno.
 */
static int lfs_keep_link(int src, struct lfs_keep_w *w)
{
	char proc[LFS_FD_PATH_MAX];
	int rc;

	if (!linkat(src, "", w->dfd, w->tmp, AT_EMPTY_PATH))
		return 0;
	rc = lfs_fd_path(proc, sizeof(proc), src, NULL);
	if (!rc && linkat(AT_FDCWD, proc, w->dfd, w->tmp, AT_SYMLINK_FOLLOW))
		rc = -errno;
	return rc;
}

int lfs_keep_file(int rootfd, int dirfd, const char *name, const char *digest)
{
	struct lfs_keep_w w = { .fd = -1 };
	struct stat sb;
	int src, rc;

	src = lfs_open_regular(dirfd, name, 0, &sb);
	if (src < 0)
		return src;
	w.dfd = lfs_keep_dir(rootfd, 1);
	if (w.dfd < 0) {
		close(src);
		return w.dfd;
	}
	/*
	 * A second name for the same file, nothing copied, if it is the
	 * caller's own: another owner could change the kept blob at will.
	 */
	rc = lfs_keep_w_name(&w);
	if (!rc && sb.st_uid == geteuid() && !lfs_keep_link(src, &w)) {
		close(src);
		rc = lfs_keep_w_rename(&w, digest);
		lfs_keep_w_close(&w);
		return rc;
	}
	/* another filesystem or owner (or no hard links there): a copy */
	w.tmp[0] = '\0';
	if (!rc)
		rc = lfs_keep_w_create(&w);
	if (!rc)
		rc = lfs_keep_copy(src, w.fd);
	close(src);
	if (rc) {
		lfs_keep_w_abort(&w);
		return rc;
	}
	return lfs_keep_w_commit(&w, digest);
}

int lfs_keep_stream(int fd, int out, char digest[LFS_DIGEST_LEN],
		    uint64_t *size)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned int len = 0;
	char *buf = malloc(LFS_KEEP_IO);
	ssize_t n;
	int rc = 0;

	*size = 0;
	if (!ctx || !buf || !EVP_DigestInit_ex(ctx, EVP_sha256(), NULL))
		rc = -ENOMEM;
	while (!rc) {
		n = pread(fd, buf, LFS_KEEP_IO, (off_t)*size);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			rc = n < 0 ? -errno : 0;
			break;
		}
		EVP_DigestUpdate(ctx, buf, (size_t)n);
		*size += (uint64_t)n;
		if (out >= 0)
			rc = lfs_write_all(out, buf, (size_t)n);
	}
	if (!rc && !EVP_DigestFinal_ex(ctx, md, &len))
		rc = -EIO;
	if (!rc)
		lfs_oci_digest_format(md, digest);
	EVP_MD_CTX_free(ctx);
	free(buf);
	return rc;
}

int lfs_keep_place(int rootfd, const char *digest, uint64_t size, int dirfd,
		   const char *name)
{
	char got[LFS_DIGEST_LEN], kname[LFS_DIGEST_LEN], tmp[NAME_MAX + 1];
	int fd, kdir, out, rc;
	uint64_t len;

	fd = lfs_keep_open(rootfd, digest, size);
	if (fd < 0)
		return fd;
	rc = lfs_keep_stream(fd, -1, got, &len);
	if (!rc && strcmp(got, digest)) {
		lfs_keep_drop(rootfd, digest);
		rc = -EBADMSG;
	}
	kdir = rc ? -1 : lfs_keep_dir(rootfd, 0);
	if (!rc && kdir < 0)
		rc = kdir;
	lfs_blob_name(digest, kname, sizeof(kname));
	if (!rc && linkat(kdir, kname, dirfd, name, 0) && errno != EEXIST) {
		/* a copy, through a new temporary file */
		out = lfs_tmp_create(dirfd, name, tmp, sizeof(tmp), 0644);
		rc = out < 0 ? out : lfs_keep_copy(fd, out);
		if (!rc && fsync(out))
			rc = -errno;
		if (out >= 0 && close(out) && !rc)
			rc = -errno;
		if (!rc && renameat(dirfd, tmp, dirfd, name))
			rc = -errno;
		if (rc && out >= 0)
			unlinkat(dirfd, tmp, 0);
	}
	if (kdir >= 0)
		close(kdir);
	close(fd);
	return rc;
}

int lfs_keep_partial(int rootfd, const char *digest, struct lfs_reg_part *part)
{
	char pname[128], name[LFS_DIGEST_LEN];
	int pdir, dfd, rc = 0;

	if (!part->whole || part->fd < 0 ||
	    lfs_part_name(digest, pname, sizeof(pname)) ||
	    lfs_blob_name(digest, name, sizeof(name)))
		return -EINVAL;
	if (fsync(part->fd) || fchmod(part->fd, 0644))
		return -errno;
	dfd = lfs_keep_dir(rootfd, 1);
	if (dfd < 0)
		return dfd;
	pdir = openat(rootfd, LFS_PART_DIR, O_RDONLY | O_DIRECTORY |
		      O_NOFOLLOW | O_CLOEXEC);
	/* locked by this pull: the name is still this file's */
	if (pdir < 0 || renameat(pdir, pname, dfd, name))
		rc = -errno;
	if (!rc && fsync(dfd))
		rc = -errno;
	if (pdir >= 0)
		close(pdir);
	close(dfd);
	if (rc)
		return rc;
	close(part->fd);
	part->fd = -1;
	unlinkat(rootfd, LFS_PART_DIR, AT_REMOVEDIR);	/* if empty */
	return 0;
}

/*
 * The layers' keys, as they are now (push's and save's lfs_layerdg_key()):
 * of every layer recorded in the store, and of every registered layer
 * whose directory and creation time no record has (a layer added in
 * place without a store, say).  @paths: the records' "CREATED PATH",
 * sorted, to tell them.
 */
struct lfs_keep_keys {
	struct lfs_strv keys;
	struct lfs_strv paths;
};

/* "CREATED PATH" of a layer, malloc()ed, or NULL. */
static char *lfs_keep_id(const char *path, uint64_t created)
{
	char *id;

	return asprintf(&id, "%llu %s", (unsigned long long)created,
			path) < 0 ? NULL : id;
}

static int lfs_keep_key_add(struct lfs_keep_keys *k, const char *path,
			    uint64_t created)
{
	char key[LFS_LAYERDG_KEY_LEN + 1];

	/* a layer whose tree cannot be walked names no blob */
	if (!path || lfs_layerdg_key(path, created, key))
		return 0;
	return lfs_strv_push(&k->keys, key);
}

static int lfs_keep_key_cb(const struct lfs_layer *l, void *arg)
{
	struct lfs_keep_keys *k = arg;
	char *id;
	int known;

	if (!l->path)
		return 0;
	id = lfs_keep_id(l->path, l->created);
	if (!id)
		return -ENOMEM;
	known = k->paths.n &&
		bsearch(&id, k->paths.v, k->paths.n, sizeof(*k->paths.v),
			lfs_cmp_str);
	free(id);
	return known ? 0 : lfs_keep_key_add(k, l->path, l->created);
}

/* The keys of the layers recorded in @st, their ids into k->paths. */
static int lfs_keep_records(const struct lfs_store *st,
			    struct lfs_keep_keys *k)
{
	struct lfs_meta_list l = LFS_META_LIST_INIT;
	size_t i;
	int rc;

	if (st->layers_fd < 0)	/* no layers directory: no records */
		return 0;
	rc = lfs_store_layer_list(st, &l, NULL);
	for (i = 0; !rc && i < l.n; i++) {
		char *id = lfs_keep_id(l.v[i]->diff ? l.v[i]->diff : "",
				       l.v[i]->created);

		rc = id ? lfs_strv_push(&k->paths, id) : -ENOMEM;
		free(id);
		if (!rc)
			rc = lfs_keep_key_add(k, l.v[i]->diff,
					      l.v[i]->created);
	}
	lfs_meta_list_free(&l);
	if (!rc && k->paths.n)
		qsort(k->paths.v, k->paths.n, sizeof(*k->paths.v),
		      lfs_cmp_str);
	return rc;
}

/*
 * The digests the layers recorded in the store or registered are
 * recorded as, into @live: a store not restored yet (nothing registered)
 * keeps its layers' blobs.
 */
static int lfs_keep_live(const struct lfs_store *st, struct lfs_nl *nl,
			 struct lfs_strv *live)
{
	struct lfs_keep_keys k = { LFS_STRV_INIT, LFS_STRV_INIT };
	char *text = NULL;
	int rc;

	rc = lfs_keep_records(st, &k);
	if (!rc)
		rc = lfs_nl_layer_dump(nl, lfs_keep_key_cb, &k, NULL);
	if (!rc && lfs_reg_read_file(st->fd, LFS_LAYERDG_FILE, &text, NULL))
		text = NULL;	/* no records: no blob is live */
	if (!rc)
		rc = lfs_blob_live(text, (const char *const *)k.keys.v,
				   k.keys.n, live);
	free(text);
	lfs_strv_free(&k.keys);
	lfs_strv_free(&k.paths);
	return rc;
}

/* Entry @name of @dfd, if it goes: 1 with its size added, else 0. */
static int lfs_keep_goes(int dfd, const char *name, const struct lfs_strv *live,
			 char *dg, size_t len, uint64_t *size)
{
	struct stat st;

	if (lfs_blob_name_tmp(name))
		snprintf(dg, len, "%s", name);
	else if (lfs_blob_name_digest(name, dg, len) || lfs_strv_has(live, dg))
		return 0;	/* live, or not a name of ours: left alone */
	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) || S_ISDIR(st.st_mode))
		return 0;
	*size += (uint64_t)st.st_size;
	return 1;
}

int lfs_keep_prune(const struct lfs_store *st, struct lfs_nl *nl, int dry,
		   struct lfs_strv *gone, uint64_t *size, int *failed)
{
	int rootfd = st->fd;
	struct lfs_strv live = LFS_STRV_INIT;
	char **names = NULL, dg[LFS_DIGEST_LEN + 64];
	size_t n = 0, i;
	int dfd, rc;

	dfd = lfs_keep_dir(rootfd, 0);
	if (dfd < 0)
		return dfd == -ENOENT ? 0 : dfd;
	rc = lfs_dir_names(dfd, &names, &n);
	/* the layers' keys walk their trees: only when there are blobs */
	if (!rc && n)
		rc = lfs_keep_live(st, nl, &live);
	for (i = 0; i < n; i++) {
		if (!rc && lfs_keep_goes(dfd, names[i], &live, dg, sizeof(dg),
					 size)) {
			rc = lfs_strv_push(gone, dg);
			if (!rc && !dry && unlinkat(dfd, names[i], 0))
				*failed = 1;
		}
		free(names[i]);
	}
	free(names);
	close(dfd);
	if (!dry) {	/* if empty */
		unlinkat(rootfd, LFS_KEEP_DIR, AT_REMOVEDIR);
		unlinkat(rootfd, "blobs", AT_REMOVEDIR);
	}
	lfs_strv_free(&live);
	return rc;
}
