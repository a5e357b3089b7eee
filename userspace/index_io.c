// SPDX-License-Identifier: GPL-2.0
/*
 * The I/O of the flattened index: a layer's identity, and reading and
 * crash-safely writing index files.  Reading a layer directory into a
 * tree is index_walk.c's; the merge itself is pure (index_build.c).
 */
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

#include "buf.h"
#include "fsdir.h"
#include "index_build.h"
#include "sys.h"
#include "store.h"

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
	fd = lfs_open_regular(dirfd, name, 0, &st);
	if (fd < 0 && fd != -EINVAL)
		return lfs_err_set(e, fd, "cannot open the index");
	if (fd < 0 || st.st_size < LAYERFS_INDEX_HEADER_SIZE) {
		if (fd >= 0)
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
	int err, cfd;

	err = lfs_layer_identity(layerfd, key, &id);
	if (err)
		return lfs_err_set(e, err, "cannot identify the layer directory");
	/*
	 * Read as the kernel sees the layer: its lookups do not cross mount
	 * points, so what is mounted inside the directory is not part of it
	 * (read through, its names would be listed and its files' handles
	 * decoded on the layer's filesystem).  Without a clone (no
	 * CAP_SYS_ADMIN: nothing could attach the index anyway) the
	 * directory as it is.
	 */
	cfd = lfs_sys_open_tree_clone(layerfd);
	err = lfs_layer_read(cfd >= 0 ? cfd : layerfd, &top, e);
	if (cfd >= 0)
		close(cfd);
	if (err)
		return err;
	err = lfs_index_merge(&t, &top, &id, parent);
	if (!err) {
		err = lfs_mtree_serialize(&t, buf, len);
		lfs_mtree_free(&t);
	}
	if (err)
		lfs_err_set(e, err, "%s", err == -ENOMEM ?
			    "cannot build the index" :
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
			err = paths ?
			      lfs_err_set(e, -errno,
					  "cannot open layer directory '%s'",
					  paths[i]) :
			      lfs_err_set(e, -EBADF,
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
