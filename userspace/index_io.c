// SPDX-License-Identifier: GPL-2.0
/*
 * The I/O of the flattened index: reading a layer directory into a tree,
 * a layer's identity, and reading and crash-safely writing index files.
 * The merge itself is pure (index_build.c).
 */
#define _GNU_SOURCE	/* name_to_handle_at() */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>

#include "buf.h"
#include "index_build.h"
#include "store.h"

#define LFS_XATTR_OPAQUE	"trusted.overlay.opaque"
#define LFS_XATTR_ORIGIN	"trusted.layerfs.origin"
#define LFS_XATTR_IMPURE	"trusted.layerfs.impure"

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
	char path[64 + 256];
	ssize_t n;
	uint64_t ino;

	if (fd >= 0) {
		n = fgetxattr(fd, LFS_XATTR_ORIGIN, v, sizeof(v));
	} else {
		snprintf(path, sizeof(path), "/proc/self/fd/%d/%s", dirfd,
			 e->name);
		n = lgetxattr(path, LFS_XATTR_ORIGIN, v, sizeof(v));
	}
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

static int lfs_read_dir(int dirfd, struct lfs_ldir *d, struct lfs_err *e);

/* Subdirectory @ent of @dirfd: opaque mark, origin, contents. */
static int lfs_read_subdir(int dirfd, struct lfs_lent *ent, struct lfs_err *e)
{
	char v[2];
	int fd, err;

	fd = openat(dirfd, ent->name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
		    O_CLOEXEC);
	if (fd < 0)
		return lfs_err_set(e, -errno,
				   "cannot open a directory of the layer");
	ent->opaque = fgetxattr(fd, LFS_XATTR_OPAQUE, v, sizeof(v)) == 1 &&
		      v[0] == 'y';
	lfs_read_origin(ent, fd, -1);
	err = lfs_read_dir(fd, ent->dir, e);
	close(fd);
	return err;
}

/* One name of directory @dirfd. */
static int lfs_read_one(int dirfd, struct lfs_ldir *d, const char *name,
			int impure, struct lfs_err *e)
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
			     lfs_err_set(e, -ENOMEM, "out of memory");
	}
	if (type == LAYERFS_INDEX_DT_DIR)
		return lfs_read_subdir(dirfd, ent, e);
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
		return lfs_err_set(e, -ENOMEM, "out of memory");
	return 0;
}

static int lfs_read_dir(int dirfd, struct lfs_ldir *d, struct lfs_err *e)
{
	struct dirent *de;
	char v[1];
	int fd, err = 0, impure;
	DIR *dir;

	impure = fgetxattr(dirfd, LFS_XATTR_IMPURE, v, sizeof(v)) >= 0 ||
		 errno == ERANGE;
	fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	dir = fd < 0 ? NULL : fdopendir(fd);
	if (!dir) {
		err = -errno;
		if (fd >= 0)
			close(fd);
		return lfs_err_set(e, err, "cannot read a directory of the layer");
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
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		err = lfs_read_one(dirfd, d, de->d_name, impure, e);
	}
	closedir(dir);
	return err;
}

int lfs_layer_read(int dirfd, struct lfs_ldir *d, struct lfs_err *e)
{
	int err;

	memset(d, 0, sizeof(*d));
	err = lfs_read_dir(dirfd, d, e);
	if (!err) {
		err = lfs_ldir_sort(d);
		if (err)
			lfs_err_set(e, err, "a directory lists a name twice");
	}
	if (err)
		lfs_ldir_free(d);
	return err;
}

int lfs_layer_identity(int dirfd, const char *key,
		       struct layerfs_index_layer *id)
{
	struct stat st;
	int gen;

	memset(id, 0, sizeof(*id));
	if (fstat(dirfd, &st))
		return -errno;
	id->ino = lfsx_cpu64(st.st_ino);
	id->dev_major = lfsx_cpu32(major(st.st_dev));
	id->dev_minor = lfsx_cpu32(minor(st.st_dev));
	if (!ioctl(dirfd, FS_IOC_GETVERSION, &gen)) {
		id->gen = lfsx_cpu32((uint32_t)gen);
		id->flags |= LAYERFS_INDEX_LAYER_GEN;
	}
	if (key) {
		if (strlen(key) != LAYERFS_INDEX_KEY_LEN ||
		    strspn(key, "0123456789abcdef") != LAYERFS_INDEX_KEY_LEN)
			return -EINVAL;
		memcpy(id->key, key, LAYERFS_INDEX_KEY_LEN);
		id->flags |= LAYERFS_INDEX_LAYER_KEY;
	}
	id->flags = lfsx_cpu32(id->flags);
	return 0;
}

static void lfs_index_unmap(struct lfs_index *ix)
{
	munmap((void *)ix->buf, ix->len);
}

int lfs_index_read_file(int dirfd, const char *name, struct lfs_index *ix,
			struct lfs_err *e)
{
	struct stat st;
	void *buf;
	int fd, err;

	memset(ix, 0, sizeof(*ix));
	fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return lfs_err_set(e, -errno, "cannot open the index");
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) ||
	    st.st_size < LAYERFS_INDEX_HEADER_SIZE) {
		close(fd);
		return lfs_err_set(e, -EINVAL, "not an index file");
	}
	buf = mmap(NULL, st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	err = buf == MAP_FAILED ? -errno : 0;
	close(fd);
	if (err)
		return lfs_err_set(e, err, "cannot map the index");
	err = lfs_index_parse(ix, buf, st.st_size, e);
	if (err) {
		munmap(buf, st.st_size);
		return err;
	}
	ix->release = lfs_index_unmap;
	return 0;
}

int lfs_index_write_file(int dirfd, const char *name, const void *buf,
			 size_t len)
{
	/* Borrowed, not owned: lfs_store_write_atomic() only reads it. */
	struct lfs_buf data = { (char *)buf, len, len, 0 };

	return lfs_store_write_atomic(dirfd, name, &data);
}

/* The index of layer @layerfd over @parent, in *@buf. */
static int lfs_index_build_buf(int layerfd, const char *key,
			       const struct lfs_index *parent, void **buf,
			       size_t *len, struct lfs_err *e)
{
	struct layerfs_index_layer id;
	struct lfs_mtree t;
	struct lfs_ldir top;
	int err;

	err = lfs_layer_identity(layerfd, key, &id);
	if (err)
		return lfs_err_set(e, err, "cannot identify the layer directory");
	err = lfs_layer_read(layerfd, &top, e);
	if (err)
		return err;
	err = lfs_index_merge(&t, &top, &id, parent);
	if (!err) {
		err = lfs_mtree_serialize(&t, buf, len);
		lfs_mtree_free(&t);
	}
	if (err)
		lfs_err_set(e, err, "%s", err == -ENOMEM ? "out of memory" :
			    "the chain exceeds the index format's limits");
	lfs_ldir_free(&top);
	return err;
}

/*
 * The chain's index bottom up, layer i's directory being @layerfds[i], or
 * @paths[i] opened only for its own step (an image can have more layers
 * than a process may hold open files).
 */
static int lfs_index_build_from(const int *layerfds, const char *const *paths,
				const char *const *keys, uint32_t n,
				void **buf, size_t *len, struct lfs_err *e)
{
	struct lfs_err broke = LFS_ERR_INIT;
	struct lfs_index parent = { 0 };
	void *pbuf = NULL;
	uint32_t i;
	int err = 0, fd;

	if (!n)
		return lfs_err_set(e, -EINVAL, "empty chain");
	for (i = n; !err && i-- > 0;) {
		fd = layerfds ? layerfds[i] :
		     open(paths[i], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0) {
			err = lfs_err_set(e, -errno,
					  "cannot open a layer directory");
			break;
		}
		err = lfs_index_build_buf(fd, keys ? keys[i] : NULL,
					  pbuf ? &parent : NULL, buf, len, e);
		if (!layerfds)
			close(fd);
		free(pbuf);
		pbuf = NULL;
		if (!err && i) {
			pbuf = *buf;
			/* The builder broke the format. */
			if (lfs_index_parse(&parent, pbuf, *len, &broke))
				err = lfs_err_set(e, -EIO, "%s", broke.msg);
		}
	}
	if (err)
		free(pbuf);
	return err;
}

int lfs_index_build_chain(const int *layerfds, const char *const *keys,
			  uint32_t n, void **buf, size_t *len,
			  struct lfs_err *e)
{
	return lfs_index_build_from(layerfds, NULL, keys, n, buf, len, e);
}

int lfs_index_build_paths(const char *const *paths, const char *const *keys,
			  uint32_t n, void **buf, size_t *len,
			  struct lfs_err *e)
{
	return lfs_index_build_from(NULL, paths, keys, n, buf, len, e);
}

int lfs_index_build(int layerfd, const char *key,
		    const struct lfs_index *parent, int outfd,
		    const char *name, struct lfs_err *e)
{
	size_t len;
	void *buf;
	int err;

	err = lfs_index_build_buf(layerfd, key, parent, &buf, &len, e);
	if (err)
		return err;
	err = lfs_index_write_file(outfd, name, buf, len);
	if (err)
		lfs_err_set(e, err, "cannot write the index");
	free(buf);
	return err;
}
