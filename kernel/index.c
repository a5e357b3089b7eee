// SPDX-License-Identifier: GPL-2.0
/*
 * Flattened indexes of frozen layer chains (the format and its validator:
 * include/layerfs/index.h).
 *
 * A layer gets at most one index, once (LAYERFS_CMD_LAYER_INDEX), and
 * keeps it until it is freed.  Attaching validates the whole file (every
 * rule of the format and its CRC), checks that its layer table names the
 * layer's image, top first, and that every layer of that image is frozen,
 * and denies write access to the file for as long as the layer holds it:
 * the index then describes the image for the index's whole life.  Reads go
 * through the file's page cache (layerfs_index_src_read()), shared by every
 * view of the image, and every read and every number read is checked again,
 * so even an index changed behind our back (deny_write_access() guards the
 * inode we were given, not, for a file of a stacked filesystem, the real
 * one below it) gives wrong names, never an out-of-bounds access, an
 * unknown file type or a name no directory may hold.
 *
 * Which index a view uses, and how its layers map to the view's: see
 * viewindex.c.
 */
#include <linux/crc32.h>
#include <linux/exportfs.h>
#include <linux/fadvise.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/highmem.h>
#include <linux/pagemap.h>
#include <linux/namei.h>
#include <linux/netlink.h>
#include <linux/slab.h>

#include <layerfs/index.h>

#include "layerfs.h"

struct layerfs_index {
	struct file *file;
	u64 size;
	struct layerfs_index_header h;	/* validated */
	u32 nlayers, ndirs, nentries;
};

/*
 * Reads go straight to the file's page cache when the page is there: a
 * search step then costs a page-cache lookup and a copy, not a whole
 * read(2) (permission hooks, fsnotify, atime).  The format keeps every
 * record and name within one 4 KiB block, so a search never straddles
 * pages.  A page not in the cache is read with kernel_read(), which
 * brings it in with readahead.
 */
static int layerfs_index_src_read(const struct layerfs_index_src *src,
				  __u64 off, void *dst, __u32 len)
{
	const struct layerfs_index *ix = src->priv;
	size_t in = offset_in_page(off);
	struct page *page = NULL;
	loff_t pos = off;
	ssize_t n;

	if (off > ix->size || len > ix->size - off)
		return -EIO;
	if (in + len <= PAGE_SIZE)
		page = find_get_page(ix->file->f_mapping, off >> PAGE_SHIFT);
	if (page && PageUptodate(page)) {
		memcpy_from_page(dst, page, in, len);
		put_page(page);
		return 0;
	}
	if (page)
		put_page(page);
	n = kernel_read(ix->file, dst, len, &pos);
	if (n < 0)
		return n;
	return n == len ? 0 : -EIO;
}

static void layerfs_index_src(const struct layerfs_index *ix,
			      struct layerfs_index_src *src)
{
	src->read = layerfs_index_src_read;
	src->priv = ix;
	src->len = ix->size;
}

/* CRC-32C of bytes [16, size) as the format defines it. */
static int layerfs_index_crc(struct layerfs_index *ix, u32 *crcp)
{
	const size_t chunk = 64 * 1024;
	u32 crc = 0xffffffffU;
	loff_t pos = 16;
	u8 *buf;
	ssize_t n;
	int err = 0;

	buf = kvmalloc(chunk, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	while (pos < ix->size) {
		n = kernel_read(ix->file, buf, min_t(u64, chunk, ix->size - pos),
				&pos);
		if (n <= 0) {
			err = n ?: -EIO;
			break;
		}
		crc = __crc32c_le(crc, buf, n);
		cond_resched();
	}
	kvfree(buf);
	*crcp = crc ^ 0xffffffffU;
	return err;
}

/*
 * Does layer record @l name the directory of @layer?  Compared with what
 * stat(2) says, as userspace recorded it (btrfs subvolumes and stacked
 * filesystems report another st_dev or st_ino than the inode's own).
 */
static int layerfs_index_layer_is(const struct layerfs_index_layer *l,
				  const struct layerfs_layer *layer)
{
	struct kstat st;
	int err;

	err = vfs_getattr(&layer->path, &st, STATX_INO,
			  AT_STATX_SYNC_AS_STAT);
	if (err)
		return err;
	if (le64_to_cpu(l->ino) != st.ino ||
	    le32_to_cpu(l->dev_major) != MAJOR(st.dev) ||
	    le32_to_cpu(l->dev_minor) != MINOR(st.dev))
		return 0;
	return !(le32_to_cpu(l->flags) & LAYERFS_INDEX_LAYER_GEN) ||
	       le32_to_cpu(l->gen) == d_inode(layer->path.dentry)->i_generation;
}

/* The layer table names @chain (@n layers, top first), every one frozen. */
static int layerfs_index_check_chain(struct layerfs_index *ix,
				     struct layerfs_layer **chain,
				     unsigned int n,
				     struct netlink_ext_ack *extack)
{
	struct layerfs_index_layer l;
	struct layerfs_index_src src;
	unsigned int i;
	int err;

	if (ix->nlayers != n) {
		layerfs_nl_msg(extack,
				   "index is for %u layers, the image has %u",
				   ix->nlayers, n);
		return -ESTALE;
	}
	layerfs_index_src(ix, &src);
	for (i = 0; i < n; i++) {
		if (!(chain[i]->flags & LAYERFS_LAYER_F_FROZEN)) {
			layerfs_nl_msg(extack,
					   "layer '%s' of the image is not frozen",
					   chain[i]->name);
			return -EINVAL;
		}
		err = src.read(&src, LAYERFS_INDEX_HEADER_SIZE + 64ULL * i,
			       &l, sizeof(l));
		if (err)
			return err;
		err = layerfs_index_layer_is(&l, chain[i]);
		if (err < 0)
			return err;
		if (!err) {
			layerfs_nl_msg(extack,
					   "index layer %u is not the directory of layer '%s'",
					   i, chain[i]->name);
			return -ESTALE;
		}
	}
	return 0;
}

/* Validates the whole file: every rule of the format, then the CRC. */
/*
 * A reader for scans (validation, listings): like layerfs_index_src_read(),
 * but it keeps references on the last few pages it read from.  A scan goes
 * through a few sections of the file in turns (the directory table, the
 * entry table, the names area), a few records of each at a time, so it
 * costs a page-cache lookup per page and section, not one per record.
 */
#define LAYERFS_VSRC_PAGES 4

struct layerfs_index_vsrc {
	struct layerfs_index_src src;
	const struct layerfs_index *ix;
	struct page *page[LAYERFS_VSRC_PAGES];	/* uptodate, referenced */
	pgoff_t index[LAYERFS_VSRC_PAGES];
	unsigned int next;			/* slot to replace */
};

static int layerfs_index_vsrc_read(const struct layerfs_index_src *src,
				   __u64 off, void *dst, __u32 len)
{
	struct layerfs_index_vsrc *v = (struct layerfs_index_vsrc *)
		container_of(src, struct layerfs_index_vsrc, src);
	size_t in = offset_in_page(off);
	pgoff_t index = off >> PAGE_SHIFT;
	struct page *page;
	unsigned int i;

	if (off > v->ix->size || len > v->ix->size - off)
		return -EIO;
	if (in + len > PAGE_SIZE)
		return layerfs_index_src_read(&v->src, off, dst, len);
	for (i = 0; i < LAYERFS_VSRC_PAGES; i++) {
		if (v->page[i] && v->index[i] == index) {
			memcpy_from_page(dst, v->page[i], in, len);
			return 0;
		}
	}
	/* A scan may read a whole index of gigabytes: yield per new page. */
	cond_resched();
	page = find_get_page(v->ix->file->f_mapping, index);
	if (!page || !PageUptodate(page)) {
		if (page)
			put_page(page);
		/* Brings the page in (with readahead) for the next read. */
		return layerfs_index_src_read(&v->src, off, dst, len);
	}
	memcpy_from_page(dst, page, in, len);
	i = v->next++ % LAYERFS_VSRC_PAGES;
	if (v->page[i])
		put_page(v->page[i]);
	v->page[i] = page;
	v->index[i] = index;
	return 0;
}

static void layerfs_index_vsrc_init(struct layerfs_index_vsrc *v,
				    const struct layerfs_index *ix)
{
	memset(v, 0, sizeof(*v));
	layerfs_index_src(ix, &v->src);
	v->src.read = layerfs_index_vsrc_read;
	v->ix = ix;
}

static void layerfs_index_vsrc_done(struct layerfs_index_vsrc *v)
{
	unsigned int i;

	for (i = 0; i < LAYERFS_VSRC_PAGES; i++)
		if (v->page[i])
			put_page(v->page[i]);
}

static int layerfs_index_validate(struct layerfs_index *ix,
				  struct netlink_ext_ack *extack)
{
	struct layerfs_index_vsrc v;
	struct layerfs_index_walk *w;
	const char *why;
	u32 crc;
	int err;

	w = kmalloc(sizeof(*w), GFP_KERNEL);
	if (!w)
		return -ENOMEM;
	layerfs_index_vsrc_init(&v, ix);
	why = layerfs_index_check_src(w, &v.src);
	layerfs_index_vsrc_done(&v);
	err = w->err;
	if (!why) {
		ix->h = w->h;
		ix->nlayers = w->nlayers;
		ix->ndirs = w->ndirs;
		ix->nentries = w->nentries;
	}
	kfree(w);
	if (why) {
		layerfs_nl_msg(extack, "bad index: %s", why);
		return err ?: -EINVAL;
	}
	err = layerfs_index_crc(ix, &crc);
	if (err)
		return err;
	if (crc != le32_to_cpu(ix->h.crc)) {
		NL_SET_ERR_MSG(extack, "bad index: checksum mismatch");
		return -EINVAL;
	}
	return 0;
}

static void layerfs_index_free(struct layerfs_index *ix)
{
	allow_write_access(ix->file);
	fput(ix->file);
	kfree(ix);
}

/* Frees @layer's index, if any, with the layer. */
void layerfs_index_release(struct layerfs_layer *layer)
{
	if (layer->index)
		layerfs_index_free(layer->index);
}

/*
 * Gives @layer the index in @file (the caller's reference is borrowed).
 * Runs the validation without locks (the image of a referenced layer
 * never changes), then publishes under layerfs_registry_lock.
 */
int layerfs_index_attach(struct layerfs_layer *layer, struct file *file,
			 struct netlink_ext_ack *extack)
{
	struct layerfs_layer **chain;
	struct layerfs_index *ix;
	unsigned int n;
	int err;

	if (!S_ISREG(file_inode(file)->i_mode) ||
	    !(file->f_mode & FMODE_READ)) {
		NL_SET_ERR_MSG(extack, "index must be a regular file open for reading");
		return -EINVAL;
	}
	if (READ_ONCE(layer->index)) {
		NL_SET_ERR_MSG(extack, "layer already has an index");
		return -EEXIST;
	}
	ix = kzalloc(sizeof(*ix), GFP_KERNEL);
	if (!ix)
		return -ENOMEM;
	ix->file = get_file(file);
	err = deny_write_access(ix->file);
	if (err) {
		NL_SET_ERR_MSG(extack, "index file is open for writing");
		goto out_fput;
	}
	ix->size = i_size_read(file_inode(file));

	err = layerfs_index_validate(ix, extack);
	if (err)
		goto out_allow;

	n = layerfs_image_stack(layer, NULL, 0);
	chain = kvmalloc_array(n, sizeof(*chain), GFP_KERNEL);
	err = -ENOMEM;
	if (!chain)
		goto out_allow;
	layerfs_image_stack(layer, chain, n);
	err = layerfs_index_check_chain(ix, chain, n, extack);
	kvfree(chain);
	if (err)
		goto out_allow;

	mutex_lock(&layerfs_registry_lock);
	if (layer->index) {
		err = -EEXIST;
		NL_SET_ERR_MSG(extack, "layer already has an index");
	} else {
		/* Pairs with READ_ONCE() readers outside the lock. */
		WRITE_ONCE(layer->index, ix);
		layerfs_views_adopt(layer);
	}
	mutex_unlock(&layerfs_registry_lock);
	if (err)
		goto out_allow;
	return 0;

out_allow:
	allow_write_access(ix->file);
out_fput:
	fput(ix->file);
	kfree(ix);
	return err;
}

unsigned int layerfs_index_nlayers(const struct layerfs_index *ix)
{
	return ix->nlayers;
}

/*
 * Looks @name up in directory @dir of @ix: 1 and the entry in @out, 0 if
 * absent, or a negative errno.  The entry's numbers are checked against
 * the index's bounds again here, so that a file changed since validation
 * cannot send a caller out of bounds or give an unknown type.
 */
int layerfs_index_find(const struct layerfs_index *ix, u32 dir,
		       const char *name, unsigned int len,
		       struct layerfs_index_entry *out)
{
	struct layerfs_index_vsrc v;
	u32 idx;
	int ret;

	/*
	 * The search's last probes fall in the same page of entries and of
	 * names: the vsrc looks each page up once.
	 */
	layerfs_index_vsrc_init(&v, ix);
	ret = layerfs_index_lookup(&v.src, &ix->h, dir, name, len, out, &idx);
	layerfs_index_vsrc_done(&v);
	if (ret <= 0)
		return ret;
	if (!layerfs_index_type_ok(out->type) ||
	    le32_to_cpu(out->layer) >= ix->nlayers ||
	    le32_to_cpu(out->bottom) >= ix->nlayers ||
	    (out->type == DT_DIR && le32_to_cpu(out->dir) >= ix->ndirs))
		return -EIO;
	return 1;
}

/*
 * The entries [*@first, *@first + *@count) of directory @dir of @ix,
 * checked against the index's bounds again.  0 or a negative errno.
 */
static int layerfs_index_dir_span(const struct layerfs_index *ix, u32 dir,
				  u32 *first, u32 *count)
{
	struct layerfs_index_src src;
	struct layerfs_index_dir d;
	int err;

	if (dir >= ix->ndirs)
		return -EIO;
	layerfs_index_src(ix, &src);
	err = src.read(&src, le64_to_cpu(ix->h.dirs_off) + 16ULL * dir,
		       &d, sizeof(d));
	if (err)
		return err;
	*first = le32_to_cpu(d.first);
	*count = le32_to_cpu(d.count);
	if (*first > ix->nentries || *count > ix->nentries - *first)
		return -EIO;
	return 0;
}

/* The number of entries of directory @dir of @ix into @count. */
int layerfs_index_count(const struct layerfs_index *ix, u32 dir, u32 *count)
{
	u32 first;

	return layerfs_index_dir_span(ix, dir, &first, count);
}

/*
 * A listing of entries [@first, @first + @count) reads two runs of the
 * file, its entries and their records in the names area, in turns; the
 * file's readahead, which sees one stream jumping between them, would
 * read both a few pages at a time.  Large listings ask for both runs up
 * front instead.  Only a hint: errors are the reads' to report.
 */
static void layerfs_index_willneed(const struct layerfs_index *ix,
				   u32 first, u32 count)
{
	u64 eoff = le64_to_cpu(ix->h.entries_off);
	u64 noff = le64_to_cpu(ix->h.names_off);
	struct layerfs_index_entry a, b;
	struct layerfs_index_src src;
	u64 from, to;

	if (count * sizeof(a) < 2 * PAGE_SIZE)
		return;
	vfs_fadvise(ix->file, eoff + sizeof(a) * first, sizeof(a) * count,
		    POSIX_FADV_WILLNEED);
	layerfs_index_src(ix, &src);
	if (src.read(&src, eoff + sizeof(a) * first, &a, sizeof(a)) ||
	    src.read(&src, eoff + sizeof(b) * (first + count - 1), &b,
		     sizeof(b)))
		return;
	from = noff + le32_to_cpu(a.name_off);
	to = noff + le32_to_cpu(b.name_off) + PAGE_SIZE;
	if (from < to)
		vfs_fadvise(ix->file, from, to - from, POSIX_FADV_WILLNEED);
}

/*
 * Calls @actor for each entry of directory @dir of @ix, in name order,
 * until it returns false.  0 or a negative errno.  The entry table and
 * the names area are read in turns through one scan reader.
 */
int layerfs_index_list(const struct layerfs_index *ix, u32 dir,
		       bool (*actor)(void *ctx, const char *name,
				     unsigned int len, u64 ino,
				     unsigned int type),
		       void *ctx)
{
	struct layerfs_index_vsrc v;
	struct layerfs_index_entry e;
	u64 eoff = le64_to_cpu(ix->h.entries_off);
	u64 noff = le64_to_cpu(ix->h.names_off);
	char *name;
	u32 i, first, count;
	int err;

	err = layerfs_index_dir_span(ix, dir, &first, &count);
	if (err)
		return err;
	layerfs_index_willneed(ix, first, count);
	name = kmalloc(LAYERFS_INDEX_NAME_MAX, GFP_KERNEL);
	if (!name)
		return -ENOMEM;
	layerfs_index_vsrc_init(&v, ix);
	for (i = first; i < first + count; i++) {
		err = v.src.read(&v.src, eoff + 32ULL * i, &e, sizeof(e));
		if (!err)
			err = v.src.read(&v.src, noff + le32_to_cpu(e.name_off),
					 name, e.name_len);
		if (err)
			break;
		/*
		 * As validated, or the file changed since: then no name a
		 * directory may not hold ('/', NUL, "." or "..") and no
		 * unknown type may reach the listing.
		 */
		if (layerfs_index_name_check(name, e.name_len) ||
		    !layerfs_index_type_ok(e.type)) {
			err = -EIO;
			break;
		}
		if (!actor(ctx, name, e.name_len, le64_to_cpu(e.ino), e.type))
			break;
		if (!(i % 256))
			cond_resched();
	}
	layerfs_index_vsrc_done(&v);
	kfree(name);
	return err;
}

/*
 * The real directory of index directory @dir in the layer whose root is
 * @root, looked up by its path from there: one real lookup per path
 * component (cached by the layer's dcache), whatever the stack's depth.
 * A dentry with a reference, or an ERR_PTR (-EIO if the layer does not
 * hold the directory the index says it does).  Caller runs with the
 * mounter's credentials.
 */
struct dentry *layerfs_index_dir_in(const struct layerfs_index *ix, u32 dir,
				    struct dentry *root)
{
	struct layerfs_index_src src;
	struct layerfs_index_entry e;
	struct layerfs_index_dir d;
	struct dentry *cur, *next;
	u32 *ids, id, depth = 0, k;
	char *name;
	int err;

	layerfs_index_src(ix, &src);
	/* Count the path's components: parents have smaller ids. */
	for (id = dir; id; id = le32_to_cpu(d.parent), depth++) {
		if (id >= ix->ndirs)
			return ERR_PTR(-EIO);
		err = src.read(&src, le64_to_cpu(ix->h.dirs_off) + 16ULL * id,
			       &d, sizeof(d));
		if (err)
			return ERR_PTR(err);
		if (le32_to_cpu(d.parent) >= id)
			return ERR_PTR(-EIO);
	}
	ids = kvmalloc_array(max(depth, 1U), sizeof(*ids), GFP_KERNEL);
	name = kmalloc(LAYERFS_INDEX_NAME_MAX, GFP_KERNEL);
	cur = ERR_PTR(-ENOMEM);
	if (!ids || !name)
		goto out_free;
	for (id = dir, k = depth; id; ) {
		if (!k) {	/* the file changed under us */
			cur = ERR_PTR(-EIO);
			goto out_free;
		}
		ids[--k] = id;
		err = src.read(&src, le64_to_cpu(ix->h.dirs_off) + 16ULL * id,
			       &d, sizeof(d));
		if (err) {
			cur = ERR_PTR(err);
			goto out_free;
		}
		id = le32_to_cpu(d.parent);
	}
	if (k) {	/* shorter than counted: the file changed under us */
		cur = ERR_PTR(-EIO);
		goto out_free;
	}

	cur = dget(root);
	for (k = 0; k < depth; k++) {
		err = src.read(&src, le64_to_cpu(ix->h.dirs_off) + 16ULL * ids[k],
			       &d, sizeof(d));
		if (!err)
			err = src.read(&src, le64_to_cpu(ix->h.entries_off) +
				       32ULL * le32_to_cpu(d.pentry), &e,
				       sizeof(e));
		if (!err)
			err = src.read(&src, le64_to_cpu(ix->h.names_off) +
				       le32_to_cpu(e.name_off), name,
				       e.name_len);
		if (err) {
			dput(cur);
			cur = ERR_PTR(err);
			goto out_free;
		}
		next = layerfs_lookup_one_unlocked(name, cur, e.name_len);
		dput(cur);
		if (!IS_ERR(next) && (!d_is_dir(next) ||
				      layerfs_is_whiteout(next))) {
			dput(next);
			next = ERR_PTR(-EIO);
		}
		cur = next;
		if (IS_ERR(cur))
			goto out_free;
	}
out_free:
	kfree(name);
	kvfree(ids);
	return cur;
}

/*
 * exportfs_decode_fh()'s acceptance test: a hashed dentry below the
 * layer's directory @root.  A handle names its object wherever the object
 * is linked now: one moved out of the layer since the index was built (or
 * left linked only elsewhere) must not stand in for the layer's file.  An
 * object known only by a disconnected dentry (not in the dcache under any
 * directory: a cold inode of a disk filesystem) cannot be placed, so it is
 * not accepted either, and the caller walks the path.
 */
static int layerfs_index_acceptable(void *root, struct dentry *dentry)
{
	return !d_unhashed(dentry) && is_subdir(dentry, root);
}

/*
 * Non-directory entry @e's object in the layer whose directory is @root on
 * the filesystem of @mnt, by the file handle the index keeps for it: a
 * dentry with a reference, connected below @root
 * (layerfs_index_acceptable()), NULL if the entry has no handle or the
 * handle does not give that object (the filesystem cannot decode it, it
 * is stale, what it gives is not in the dcache below @root, or is not a
 * linked non-directory of the entry's type and inode number; an entry
 * whose number is a copy-up origin is not checked by handle at all), or
 * an ERR_PTR if the index cannot be read.  On NULL the caller walks the
 * path.  Caller runs with the mounter's credentials.
 */
struct dentry *layerfs_index_object(const struct layerfs_index *ix,
				    const struct layerfs_index_entry *e,
				    struct vfsmount *mnt, struct dentry *root)
{
	u32 fh[LAYERFS_INDEX_FH_MAX / 4];
	struct layerfs_index_src src;
	struct dentry *this;
	struct inode *inode;
	int err;

	/* An origin number is not the object's: nothing to check it by. */
	if (!e->fh_len || e->fh_len % 4 || e->fh_len > sizeof(fh) ||
	    e->type == DT_DIR || e->flags & LAYERFS_INDEX_E_ORIGIN)
		return NULL;
	layerfs_index_src(ix, &src);
	err = src.read(&src, le64_to_cpu(ix->h.names_off) +
		       le32_to_cpu(e->name_off) + e->name_len, fh, e->fh_len);
	if (err)
		return ERR_PTR(err);
	this = exportfs_decode_fh(mnt, (struct fid *)fh, e->fh_len / 4,
				  le32_to_cpu(e->fh_type),
				  layerfs_index_acceptable, root);
	if (IS_ERR_OR_NULL(this))
		return NULL;
	inode = d_inode(this);
	if (!inode || d_is_dir(this) || !inode->i_nlink ||
	    S_DT(inode->i_mode) != e->type ||
	    layerfs_is_whiteout(this) || inode->i_ino != le64_to_cpu(e->ino)) {
		dput(this);
		return NULL;
	}
	return this;
}

/*
 * The stat record of entry @e (found in @ix) in *@st: 0, -ENODATA if it
 * has none, or -EIO if it is no longer valid (the file changed).
 */
int layerfs_index_stat(const struct layerfs_index *ix,
		       const struct layerfs_index_entry *e,
		       struct layerfs_index_stat *st)
{
	struct layerfs_index_src src;
	int err;

	if (!(e->flags & LAYERFS_INDEX_E_STAT))
		return -ENODATA;
	layerfs_index_src(ix, &src);
	err = src.read(&src, le64_to_cpu(ix->h.names_off) +
		       le32_to_cpu(e->name_off) + e->name_len + e->fh_len,
		       st, sizeof(*st));
	if (err)
		return err;
	return layerfs_index_check_stat(st, e->type) ? -EIO : 0;
}
