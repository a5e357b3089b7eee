// SPDX-License-Identifier: GPL-2.0
/*
 * Small helpers shared by the filesystem files: credentials, whiteout and
 * opaque tests, real paths, lower-stack entries, the work directory.
 */
#include <linux/cred.h>
#include <linux/fs.h>
#include <linux/mount.h>
#include <linux/namei.h>
#include <linux/slab.h>
#include <linux/xattr.h>

#include "layerfs.h"

/*
 * Everything done on the real filesystems is done with the credentials of
 * whoever mounted the view; the caller was checked against the view inode.
 */
const struct cred *layerfs_override_creds(struct super_block *sb)
{
	return override_creds(LAYERFS_V(sb)->creator_cred);
}

bool layerfs_is_whiteout(const struct dentry *dentry)
{
	struct inode *inode = d_inode(dentry);

	return inode && IS_WHITEOUT(inode);
}

/* A directory hiding everything below it.  Called with mounter creds. */
bool layerfs_is_opaque_dir(struct dentry *dentry)
{
	char val;
	ssize_t n;

	if (!d_is_dir(dentry))
		return false;
	n = layerfs_vfs_getxattr(dentry, LAYERFS_XATTR_OPAQUE, &val, 1);
	return n == 1 && val == 'y';
}

/* Names no user may see or set through a view. */
bool layerfs_is_private_xattr(const char *name)
{
	return !strncmp(name, LAYERFS_XATTR_PREFIX,
			sizeof(LAYERFS_XATTR_PREFIX) - 1) ||
	       !strncmp(name, LAYERFS_XATTR_OWN_PREFIX,
			sizeof(LAYERFS_XATTR_OWN_PREFIX) - 1);
}

/* The writable upper object of a view dentry; path->dentry NULL if none. */
void layerfs_path_upper(struct dentry *dentry, struct path *path)
{
	path->mnt = LAYERFS_V(dentry->d_sb)->upper_mnt;
	path->dentry = layerfs_inode_upper(d_inode(dentry));
}

/* The mount through which objects of layer index @layer are reached. */
struct vfsmount *layerfs_lower_mnt(struct layerfs_view *view,
				   unsigned int layer)
{
	if (layerfs_layer_committed(layer))
		return view->upper_mnt;
	return view->layers[layer]->path.mnt;
}

/*
 * The object that holds the data now: the newest upper (writable, or in a
 * layer this view committed), else the topmost lower, found first if the
 * lookup did not (layerfs_resolve()).  0 or -errno.  May sleep.
 */
int layerfs_path_real(struct dentry *dentry, struct path *path)
{
	struct inode *inode = d_inode(dentry);
	struct layerfs_inode *li = LAYERFS_I(inode);
	struct layerfs_view *view = LAYERFS_V(dentry->d_sb);
	struct layerfs_upper *u = layerfs_upper_rec(inode);
	int err;

	if (u) {
		path->mnt = view->upper_mnt;
		path->dentry = u->dentry;
		return 0;
	}
	err = layerfs_resolve(inode);
	if (err)
		return err;
	path->mnt = layerfs_lower_mnt(view, li->lower_layer);
	path->dentry = layerfs_inode_lower(inode);
	return 0;
}

/*
 * Whether a directory merges anything below its writable upper: lower
 * directories, or uppers of committed generations.
 */
bool layerfs_dir_has_lower(struct dentry *dir)
{
	struct layerfs_upper *u;

	if (LAYERFS_E(dir)->numlower)
		return true;
	u = layerfs_upper_rec(d_inode(dir));
	if (!u)
		return false;
	return !layerfs_upper_current(u, dir->d_sb) || u->prev;
}

/*
 * Whether something below the view's writable upper backs the name of
 * @dentry, so that removing or renaming it needs a whiteout: the name is
 * looked up in the parent's directories below the upper, as overlayfs
 * does, because a dentry moved by rename keeps the state of its old name.
 * The caller holds the parent's lock.  An error answers yes: a needless
 * whiteout is harmless, a missing one shows a removed name again.
 */
bool layerfs_has_lower(struct dentry *dentry)
{
	struct layerfs_dir_iter it;
	const struct cred *old_cred;
	struct dentry *this;
	unsigned int layer;
	struct path path;
	bool upper, found = false;

	old_cred = layerfs_override_creds(dentry->d_sb);
	layerfs_dir_iter_init(&it, dentry->d_parent);
	while (layerfs_dir_iter_next(&it, &path, &layer, &upper)) {
		if (upper)
			continue;
		this = layerfs_lookup_one_unlocked(dentry->d_name.name,
						   path.dentry,
						   dentry->d_name.len);
		if (IS_ERR(this)) {
			found = true;
			break;
		}
		if (d_is_positive(this)) {
			found = !layerfs_is_whiteout(this);
			dput(this);
			break;
		}
		dput(this);
	}
	if (it.index && !found) {
		struct layerfs_index_entry e;
		u32 dir;

		found = layerfs_vindex_dir(it.vi, dentry->d_parent, &dir) ||
			(dir != LAYERFS_INDEX_NONE &&
			 layerfs_index_find(it.vi->ix, dir, dentry->d_name.name,
					    dentry->d_name.len, &e) != 0);
	}
	revert_creds(old_cred);
	return found;
}

void layerfs_dir_iter_init(struct layerfs_dir_iter *it, struct dentry *dentry)
{
	it->dentry = dentry;
	it->rec = layerfs_upper_rec(d_inode(dentry));
	it->next = 0;
	it->started = false;
	it->stop = false;
	it->index = false;
	it->vi = layerfs_view_vindex(LAYERFS_V(dentry->d_sb));
}

/*
 * Whether @dentry's merge has more than one directory (layerfs_dir_iter_max()
 * > 1), without walking the record chain, which grows with every commit.
 */
bool layerfs_dir_merged(struct dentry *dentry)
{
	struct layerfs_upper *u = layerfs_upper_rec(d_inode(dentry));
	unsigned int n = LAYERFS_E(dentry)->numlower;

	return n > 1 || layerfs_idx_merged(dentry) ||
	       (u && (n || u->prev));
}

/*
 * At most how many directories layerfs_dir_iter_next() yields for @it,
 * which has not started: the record chain it walks and the index it stops
 * at were fixed by layerfs_dir_iter_init(), so a copy-up or commit
 * meanwhile cannot make the walk longer than this.  Like the walk, the
 * count stops at the first record after the first that the index covers:
 * a directory's chain holds one record per commit, and the records the
 * index covers must cost nothing, however many commits made them.
 */
unsigned int layerfs_dir_iter_max(const struct layerfs_dir_iter *it)
{
	struct layerfs_upper *u;
	unsigned int n = 0;

	for (u = it->rec; u; u = u->prev) {
		if (n && it->vi && u->gen < it->vi->gen)
			return n;
		n++;
	}
	return n + LAYERFS_E(it->dentry)->numlower;
}

/*
 * The next real directory of the merge, with its layer number
 * (LAYERFS_LAYER_COMMITTED + generation for committed uppers) and whether
 * it is the writable upper.  Stops where the index loaded at init holds
 * the rest of the merge (it->index): at the first directory of a layer it
 * covers.  Records are immutable and live as long as the inode, so the
 * walk needs no lock; a concurrent copy-up, commit or change of index is
 * seen either before or after, all of which show the same tree.
 */
bool layerfs_dir_iter_next(struct layerfs_dir_iter *it, struct path *path,
			   unsigned int *layer, bool *upper)
{
	struct layerfs_view *view = LAYERFS_V(it->dentry->d_sb);
	struct layerfs_entry *entry = LAYERFS_E(it->dentry);
	struct layerfs_upper *u = it->rec;
	bool cur;

	if (it->stop)
		return false;
	if (u) {
		cur = !it->started &&
			  layerfs_upper_current(u, it->dentry->d_sb);
		/* Records are newest first: the rest is in the index too. */
		if (!cur && it->vi && u->gen < it->vi->gen)
			goto index;
		*upper = cur;
		it->started = true;
		it->rec = u->prev;
		it->gen = u->gen;
		path->mnt = view->upper_mnt;
		path->dentry = u->dentry;
		*layer = LAYERFS_LAYER_COMMITTED + u->gen;
		return true;
	}
	it->started = true;
	if (entry->opaque || it->next >= entry->numlower) {
		it->stop = true;
		return false;
	}
	*layer = entry->lower[it->next].layer;
	if (it->vi && layerfs_vindex_covers(it->vi, *layer))
		goto index;
	*upper = false;
	path->mnt = layerfs_lower_mnt(view, *layer);
	path->dentry = entry->lower[it->next].dentry;
	it->next++;
	return true;

index:
	/* The index holds the whole rest of the merge. */
	it->started = true;
	it->rec = NULL;
	it->stop = true;
	it->index = true;
	return false;
}

struct layerfs_entry *layerfs_entry_alloc(unsigned int numlower)
{
	struct layerfs_entry *entry;

	/* Up to 16 bytes per layer: a view of thousands needs vmalloc. */
	entry = kvzalloc(struct_size(entry, lower, numlower), GFP_KERNEL);
	if (entry)
		entry->numlower = numlower;
	return entry;
}

void layerfs_entry_free(struct layerfs_entry *entry)
{
	unsigned int i;

	if (!entry)
		return;
	for (i = 0; i < entry->numlower; i++)
		dput(entry->lower[i].dentry);
	kvfree(entry);
}

struct layerfs_names_ctx {
	struct dir_context ctx;
	struct list_head *names;
	int err;
};

static bool layerfs_names_actor(struct dir_context *ctx, const char *name,
				int len, loff_t pos, u64 ino, unsigned int type)
{
	struct layerfs_names_ctx *c = container_of(ctx, struct layerfs_names_ctx,
						   ctx);
	struct layerfs_name *n;

	if ((len == 1 && name[0] == '.') ||
	    (len == 2 && name[0] == '.' && name[1] == '.'))
		return true;
	n = kmalloc(struct_size(n, name, len + 1), GFP_KERNEL);
	if (!n) {
		c->err = -ENOMEM;
		return false;
	}
	memcpy(n->name, name, len);
	n->name[len] = '\0';
	n->len = len;
	n->type = type;
	list_add_tail(&n->node, c->names);
	return true;
}

/*
 * @path of a layer opened for reading (@flags: O_RDONLY and the like) with
 * the current credentials, once they may read it: dentry_open() checks
 * nothing, and a mounter must not read through a view what it may not
 * read itself (as overlayfs, ovl_path_open()).
 */
struct file *layerfs_open_lower(const struct path *path, int flags)
{
	int err;

	err = layerfs_inode_permission(d_inode(path->dentry),
				       MAY_READ | MAY_OPEN);
	if (err)
		return ERR_PTR(err);
	return dentry_open(path, flags, current_cred());
}

/*
 * The names in real directory @dir on @mnt (without "." and ".."),
 * appended to @names; free them with layerfs_free_names() also on error.
 * The caller must not hold the directory's lock.
 */
int layerfs_read_names(struct vfsmount *mnt, struct dentry *dir,
		       struct list_head *names)
{
	struct layerfs_names_ctx c = {
		.ctx.actor = layerfs_names_actor,
		.names = names,
	};
	struct path path = { .mnt = mnt, .dentry = dir };
	struct file *file;
	int err;

	file = dentry_open(&path, O_RDONLY | O_DIRECTORY | O_LARGEFILE,
			   current_cred());
	if (IS_ERR(file))
		return PTR_ERR(file);
	err = iterate_dir(file, &c.ctx);
	fput(file);
	return err ?: c.err;
}

struct layerfs_dtype_ctx {
	struct dir_context ctx;
	bool d_type;
};

static bool layerfs_dtype_actor(struct dir_context *ctx, const char *name,
				int len, loff_t pos, u64 ino, unsigned int type)
{
	struct layerfs_dtype_ctx *c = container_of(ctx, struct layerfs_dtype_ctx,
						   ctx);

	if (type != DT_UNKNOWN)
		c->d_type = true;
	return !c->d_type;
}

/*
 * Does the filesystem of @dir report file types in readdir?  Without them
 * every whiteout would cost a lookup, and overlayfs refuses such uppers.
 */
int layerfs_check_d_type(const struct path *dir)
{
	struct layerfs_dtype_ctx c = { .ctx.actor = layerfs_dtype_actor };
	struct file *file;
	int err;

	file = dentry_open(dir, O_RDONLY | O_DIRECTORY, current_cred());
	if (IS_ERR(file))
		return PTR_ERR(file);
	err = iterate_dir(file, &c.ctx);
	fput(file);
	if (err)
		return err;
	return c.d_type ? 0 : -EOPNOTSUPP;
}

void layerfs_free_names(struct list_head *names)
{
	struct layerfs_name *n, *tmp;

	list_for_each_entry_safe(n, tmp, names, node)
		kfree(n);
	INIT_LIST_HEAD(names);
}

/*
 * Remove the whiteouts in upper directory @dir so that it can be removed;
 * -ENOTEMPTY if it holds anything else.  Caller has write access to the
 * mount and does not hold @dir's lock.
 */
int layerfs_clear_whiteouts(struct vfsmount *mnt, struct dentry *dir)
{
	struct inode *inode = d_inode(dir);
	struct layerfs_name *n;
	LIST_HEAD(names);
	int err;

	err = layerfs_read_names(mnt, dir, &names);
	if (err)
		goto out_free;

	inode_lock_nested(inode, I_MUTEX_CHILD);
	list_for_each_entry(n, &names, node) {
		struct dentry *child;

		child = lookup_one_len(n->name, dir, n->len);
		if (IS_ERR(child)) {
			err = PTR_ERR(child);
			break;
		}
		if (layerfs_is_whiteout(child))
			err = layerfs_vfs_unlink(inode, child);
		else if (d_is_positive(child))
			err = -ENOTEMPTY;
		dput(child);
		if (err)
			break;
	}
	inode_unlock(inode);
out_free:
	layerfs_free_names(&names);
	return err;
}

/*
 * Empty the work directory left by an earlier mount.  It only ever holds
 * objects being prepared: files, whiteouts, empty directories, and
 * directories being removed that hold only whiteouts; anything else is
 * refused rather than deleted.  Caller holds the work base directory's
 * lock and write access to the upper mount.
 */
int layerfs_workdir_clean(struct layerfs_view *view, struct dentry *work)
{
	struct inode *dir = d_inode(work);
	struct layerfs_name *n;
	LIST_HEAD(names);
	int err;

	err = layerfs_read_names(view->upper_mnt, work, &names);
	if (err)
		goto out_free;

	list_for_each_entry(n, &names, node) {
		struct dentry *child;

		inode_lock_nested(dir, I_MUTEX_CHILD);
		child = lookup_one_len(n->name, work, n->len);
		inode_unlock(dir);
		if (IS_ERR(child)) {
			err = PTR_ERR(child);
			break;
		}
		if (d_is_dir(child))
			err = layerfs_clear_whiteouts(view->upper_mnt, child);
		if (!err) {
			inode_lock_nested(dir, I_MUTEX_CHILD);
			if (d_is_dir(child))
				err = layerfs_vfs_rmdir(dir, child);
			else if (d_is_positive(child))
				err = layerfs_vfs_unlink(dir, child);
			inode_unlock(dir);
		}
		dput(child);
		if (err)
			break;
	}
out_free:
	layerfs_free_names(&names);
	return err;
}
