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
	n = vfs_getxattr(&init_user_ns, dentry, LAYERFS_XATTR_OPAQUE, &val, 1);
	return n == 1 && val == 'y';
}

/* The upper object of a view dentry; path->dentry is NULL if none. */
void layerfs_path_upper(struct dentry *dentry, struct path *path)
{
	path->mnt = LAYERFS_V(dentry->d_sb)->upper_mnt;
	path->dentry = layerfs_inode_upper(d_inode(dentry));
}

/* The object that holds the data now: upper if copied up, else lower. */
void layerfs_path_real(struct dentry *dentry, struct path *path)
{
	struct inode *inode = d_inode(dentry);
	struct layerfs_inode *li = LAYERFS_I(inode);
	struct layerfs_view *view = LAYERFS_V(dentry->d_sb);

	layerfs_path_upper(dentry, path);
	if (path->dentry)
		return;
	path->mnt = view->layers[li->lower_layer]->path.mnt;
	path->dentry = li->lower;
}

struct layerfs_entry *layerfs_entry_alloc(unsigned int numlower)
{
	struct layerfs_entry *entry;

	entry = kzalloc(struct_size(entry, lower, numlower), GFP_KERNEL);
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
	kfree(entry);
}

struct layerfs_clean_ctx {
	struct dir_context ctx;
	struct list_head names;
	int err;
};

struct layerfs_clean_name {
	struct list_head node;
	int len;
	char name[];
};

static bool layerfs_clean_actor(struct dir_context *ctx, const char *name,
				int len, loff_t pos, u64 ino, unsigned int type)
{
	struct layerfs_clean_ctx *c = container_of(ctx, struct layerfs_clean_ctx,
						   ctx);
	struct layerfs_clean_name *n;

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
	list_add_tail(&n->node, &c->names);
	return true;
}

/*
 * Empty the work directory left by an earlier mount.  It only ever holds
 * files, whiteouts and empty directories being prepared, so one level is
 * enough; anything else is refused rather than deleted.  Caller holds the
 * work base directory's lock and write access to the upper mount.
 */
int layerfs_workdir_clean(struct layerfs_view *view, struct dentry *work)
{
	struct layerfs_clean_ctx c = {
		.ctx.actor = layerfs_clean_actor,
		.names = LIST_HEAD_INIT(c.names),
	};
	struct layerfs_clean_name *n, *tmp;
	struct path path = { .mnt = view->upper_mnt, .dentry = work };
	struct inode *dir = d_inode(work);
	struct file *file;
	int err;

	file = dentry_open(&path, O_RDONLY | O_DIRECTORY, current_cred());
	if (IS_ERR(file))
		return PTR_ERR(file);
	err = iterate_dir(file, &c.ctx);
	fput(file);
	if (!err)
		err = c.err;

	inode_lock_nested(dir, I_MUTEX_CHILD);
	list_for_each_entry(n, &c.names, node) {
		struct dentry *child;

		if (err)
			break;
		child = lookup_one_len(n->name, work, n->len);
		if (IS_ERR(child)) {
			err = PTR_ERR(child);
			break;
		}
		if (d_is_dir(child))
			err = vfs_rmdir(&init_user_ns, dir, child);
		else if (d_is_positive(child))
			err = vfs_unlink(&init_user_ns, dir, child, NULL);
		dput(child);
	}
	inode_unlock(dir);

	list_for_each_entry_safe(n, tmp, &c.names, node)
		kfree(n);
	return err;
}
