// SPDX-License-Identifier: GPL-2.0
/*
 * The layerfs superblock: building a view from registered layers and an
 * optional upper directory, and tearing it down.
 *
 * Views are kept on layerfs_views, under layerfs_registry_lock, so that the
 * registry can list them and refuse to hand one upper to two views.
 */
#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/fs_context.h>
#include <linux/module.h>
#include <linux/mount.h>
#include <linux/namei.h>
#include <linux/posix_acl_xattr.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/statfs.h>
#include <linux/xattr.h>

#include <linux/layerfs.h>

#include "layerfs.h"

static struct kmem_cache *layerfs_inode_cachep;

static struct inode *layerfs_alloc_inode(struct super_block *sb)
{
	struct layerfs_inode *li;

	li = alloc_inode_sb(sb, layerfs_inode_cachep, GFP_KERNEL);
	if (!li)
		return NULL;
	li->upper = NULL;
	li->lower = NULL;
	li->lazy = NULL;
	li->lower_layer = 0;
	li->cache = NULL;
	li->dir_version = 0;
	INIT_LIST_HEAD(&li->wmap_node);
	spin_lock_init(&li->cache_lock);
	mutex_init(&li->lock);
	return &li->vfs_inode;
}

static void layerfs_free_inode(struct inode *inode)
{
	kmem_cache_free(layerfs_inode_cachep, LAYERFS_I(inode));
}

static void layerfs_destroy_inode(struct inode *inode)
{
	struct layerfs_inode *li = LAYERFS_I(inode);
	struct layerfs_view *view = LAYERFS_V(inode->i_sb);

	if (!list_empty(&li->wmap_node)) {
		spin_lock(&view->wmap_lock);
		list_del_init(&li->wmap_node);
		spin_unlock(&view->wmap_lock);
	}

	layerfs_upper_free(li->upper);
	dput(li->lower);
	if (li->lazy)
		mutex_destroy(&li->lazy->lock);
	kfree(li->lazy);
	layerfs_dir_cache_free(li);
	mutex_destroy(&li->lock);
}

/* Releases everything a view holds; safe on a partly built view. */
static void layerfs_view_free(struct layerfs_view *view)
{
	unsigned int i;

	layerfs_view_unpublish(view);

	for (i = 0; i < view->nlayers; i++)
		layerfs_layer_unuse(view->layers[i]);
	kvfree(view->layers);
	for (i = 0; i < view->ncommitted; i++)
		layerfs_layer_unuse(view->committed[i]);
	kvfree(view->committed);
	layerfs_vindex_free(view);
	dput(view->workdir);
	dput(view->upper_root);
	kern_unmount(view->upper_mnt);
	path_put(&view->upper_orig);
	path_put(&view->work_orig);
	if (view->creator_cred)
		put_cred(view->creator_cred);
	kfree(view->image);
	kfree(view->source);
	kfree(view->upper_name);
	kfree(view->work_name);
	mutex_destroy(&view->commit_lock);
	kfree(view);
}

/* Write back and sync the upper's filesystem (the view's changes). */
int layerfs_sync_upper(struct layerfs_view *view)
{
	struct super_block *upper_sb;
	int err;

	if (!view->upper_mnt)
		return 0;
	upper_sb = view->upper_mnt->mnt_sb;
	down_read(&upper_sb->s_umount);
	err = sync_filesystem(upper_sb);
	up_read(&upper_sb->s_umount);
	return err;
}

static int layerfs_sync_fs(struct super_block *sb, int wait)
{
	return wait ? layerfs_sync_upper(LAYERFS_V(sb)) : 0;
}

/* statfs is the upper's (where new data goes), else the top layer's. */
static int layerfs_statfs(struct dentry *dentry, struct kstatfs *buf)
{
	struct layerfs_view *view = LAYERFS_V(dentry->d_sb);
	struct path path;
	int err;

	if (view->upper_mnt) {
		path.mnt = view->upper_mnt;
		path.dentry = view->upper_root;
	} else {
		path = view->layers[0]->path;
	}
	err = vfs_statfs(&path, buf);
	if (!err) {
		buf->f_namelen = min_t(long, buf->f_namelen, NAME_MAX);
		buf->f_type = LAYERFS_SUPER_MAGIC;
	}
	return err;
}

static void layerfs_show_name(struct seq_file *m, const char *name)
{
	for (; *name; name++) {
		if (*name == ':' || *name == '\\')
			seq_putc(m, '\\');
		seq_putc(m, *name);
	}
}

/*
 * Options in a form that mounts the same view again: the image if it was
 * mounted as one, else the explicit stack, ':' in names escaped.
 */
static int layerfs_show_options(struct seq_file *m, struct dentry *root)
{
	struct layerfs_view *view = LAYERFS_V(root->d_sb);
	unsigned int i;

	/* A commit changes the stack and the upper: see commit.c. */
	mutex_lock(&layerfs_registry_lock);
	if (view->ncommitted) {
		/* The top layer was committed here: its image is the stack. */
		seq_puts(m, ",image=");
		seq_escape(m, layerfs_view_stack(view, 0)->name, ", \t\n\\");
	} else if (view->image) {
		seq_puts(m, ",image=");
		seq_escape(m, view->image, ", \t\n\\");
	} else {
		seq_puts(m, ",layers=");
		for (i = 0; i < view->nlayers; i++) {
			if (i)
				seq_putc(m, ':');
			layerfs_show_name(m, view->layers[i]->name);
		}
	}
	if (view->upper_mnt) {
		seq_puts(m, ",upper=");
		seq_path(m, &view->upper_orig, ", \t\n\\");
		seq_puts(m, ",work=");
		seq_path(m, &view->work_orig, ", \t\n\\");
	}
	if (view->noindex)
		seq_puts(m, ",noindex");
	mutex_unlock(&layerfs_registry_lock);
	return 0;
}

static const struct super_operations layerfs_super_ops = {
	.alloc_inode = layerfs_alloc_inode,
	.free_inode = layerfs_free_inode,
	.destroy_inode = layerfs_destroy_inode,
	.drop_inode = generic_delete_inode,
	.sync_fs = layerfs_sync_fs,
	.statfs = layerfs_statfs,
	.show_options = layerfs_show_options,
	.thaw_super = layerfs_thaw_super_ioctl,	/* FITHAW: compat.h */
};

static int layerfs_cmp_ptr(const void *a, const void *b)
{
	const void *x = *(const void * const *)a, *y = *(const void * const *)b;

	return x < y ? -1 : x > y;
}

/*
 * Resolve the requested layers against the registry and take them; on
 * error the layers taken so far stay in @view for layerfs_view_free().
 */
static int layerfs_view_take_layers(struct fs_context *fc,
				    struct layerfs_view *view)
{
	struct layerfs_fs_ctx *ctx = fc->fs_private;
	struct layerfs_layer *layer, **sorted;
	unsigned int n, i;
	int err = 0;

	if (!!ctx->image == !!ctx->nnames)
		return invalfc(fc, "give either layers= (or layer=) or image=");

	mutex_lock(&layerfs_registry_lock);
	if (ctx->image) {
		layer = layerfs_layer_find(ctx->image, 0);
		if (!layer) {
			errorfc(fc, "unknown image '%s'", ctx->image);
			err = -ENOENT;
			goto out_unlock;
		}
		/* The Images rule: the layer, then its BASE or parent's image. */
		n = layerfs_image_stack(layer, NULL, 0);
	} else {
		n = ctx->nnames;
	}
	view->layers = kvcalloc(n, sizeof(*view->layers), GFP_KERNEL);
	if (!view->layers) {
		err = -ENOMEM;
		goto out_unlock;
	}

	if (ctx->image)
		layerfs_image_stack(layerfs_layer_find(ctx->image, 0),
				    view->layers, n);
	for (i = 0; i < n; i++) {
		layer = view->layers[i];
		if (!ctx->image) {
			layer = layerfs_layer_find(ctx->names[i], 0);
			if (!layer) {
				errorfc(fc, "unknown layer '%s'", ctx->names[i]);
				err = -ENOENT;
				goto out_unlock;
			}
		}
		layerfs_layer_use(layer);
		view->layers[view->nlayers++] = layer;
	}
	/*
	 * An index answers lookups and listings without the mounter's search
	 * and read permission on the lower directories it covers (it was
	 * built by someone who could read them all): only a mounter who may
	 * read and search everything uses one; others walk, and each real
	 * directory is checked as overlayfs checks it.
	 */
	view->noindex = ctx->noindex ||
			!has_capability_noaudit(current, CAP_DAC_READ_SEARCH);
	if (view->nlayers)
		layerfs_vindex_adopt(view, view->layers[0]);
out_unlock:
	mutex_unlock(&layerfs_registry_lock);
	if (err)
		return err;

	/* The same layer twice would merge a directory with itself. */
	sorted = kvmalloc_array(n, sizeof(*sorted), GFP_KERNEL);
	if (!sorted)
		return -ENOMEM;
	memcpy(sorted, view->layers, n * sizeof(*sorted));
	sort(sorted, n, sizeof(*sorted), layerfs_cmp_ptr, NULL);
	for (i = 1; i < n; i++) {
		if (sorted[i] == sorted[i - 1]) {
			errorfc(fc, "layer '%s' appears twice in the stack",
				sorted[i]->name);
			err = -EINVAL;
			break;
		}
	}
	kvfree(sorted);
	return err;
}

/* Is @a inside @b (or equal), both dentries on one filesystem? */
bool layerfs_dir_within(struct dentry *a, struct dentry *b)
{
	return a->d_sb == b->d_sb && is_subdir(a, b);
}

/* The upper and work directories: checks, then the private mount. */
static int layerfs_view_take_upper(struct fs_context *fc,
				   struct layerfs_view *view)
{
	struct layerfs_fs_ctx *ctx = fc->fs_private;

	if (!ctx->upper.dentry && !ctx->work.dentry)
		return 0;
	if (!ctx->upper.dentry || !ctx->work.dentry)
		return invalfc(fc, "upper= and work= go together");

	/* The view owns the resolved paths from here on. */
	swap(view->upper_orig, ctx->upper);
	swap(view->work_orig, ctx->work);
	if (view->upper_orig.mnt != view->work_orig.mnt)
		return invalfc(fc, "upper and work must be on the same mount");
	if (layerfs_dir_within(view->upper_orig.dentry, view->work_orig.dentry) ||
	    layerfs_dir_within(view->work_orig.dentry, view->upper_orig.dentry))
		return invalfc(fc, "upper and work must not contain each other");
	if (__mnt_is_readonly(view->upper_orig.mnt) ||
	    sb_rdonly(view->upper_orig.mnt->mnt_sb)) {
		errorfc(fc, "upper is on a read-only mount");
		return -EROFS;
	}
	if (view->upper_orig.dentry->d_sb->s_stack_depth >=
	    FILESYSTEM_MAX_STACK_DEPTH) {
		errorfc(fc, "upper is stacked too deep");
		return -ELOOP;
	}
	/* Real calls use the identity idmap (compat.h): no idmapped upper. */
	if (is_idmapped_mnt(view->upper_orig.mnt)) {
		errorfc(fc, "upper is on an idmapped mount (not supported)");
		return -EINVAL;
	}
	/* Overlaps with layers and other views: layerfs_view_claim(). */

	view->upper_root = dget(view->upper_orig.dentry);
	view->upper_name = layerfs_path_string(&view->upper_orig);
	view->work_name = layerfs_path_string(&view->work_orig);
	if (!view->upper_name || !view->work_name)
		return -ENOMEM;
	return 0;
}

static int layerfs_view_mount_upper(struct fs_context *fc,
				    struct layerfs_view *view)
{
	int err;

	if (!view->upper_root)
		return 0;
	view->upper_mnt = clone_private_mount(&view->upper_orig);
	if (IS_ERR(view->upper_mnt)) {
		err = PTR_ERR(view->upper_mnt);
		view->upper_mnt = NULL;
		errorfc(fc, "cannot clone the upper mount (%d)", err);
		return err;
	}
	/* Never change the access time of upper files behind the user. */
	view->upper_mnt->mnt_flags |= MNT_NOATIME;
	return 0;
}

/*
 * Remove the POSIX ACLs of the work directory @work: everything made there
 * (copies, objects made over whiteouts) is renamed into the upper, and a
 * default ACL that work/layerfs.work inherited from work/ would go along,
 * giving the users it names access to every copied-up file (overlayfs
 * removes them from its work directory too).  Caller holds write access
 * to the upper mount.
 */
static int layerfs_workdir_drop_acls(struct dentry *work)
{
	static const char *const names[] = {
		XATTR_NAME_POSIX_ACL_DEFAULT, XATTR_NAME_POSIX_ACL_ACCESS,
	};
	unsigned int i;
	int err;

	for (i = 0; i < ARRAY_SIZE(names); i++) {
		err = layerfs_vfs_removexattr(work, names[i]);
		if (err && err != -ENODATA && err != -EOPNOTSUPP)
			return err;
	}
	return 0;
}

/*
 * work/layerfs.work: an empty directory where copy-up and whiteouts are
 * prepared before being renamed into place, reachable by no one but an
 * admin: made anew at every mount, mode 0 and the mounter's, without ACLs
 * (layerfs_workdir_drop_acls()).  One left by an earlier mount is emptied
 * and removed first, as overlayfs's ovl_workdir_create() does with its
 * own, rather than reused: its mode, owner and ACLs may be anyone's (a
 * directory left 0777, or owned by whoever had it before), and its owner
 * could chmod it back after a mere chmod and chown; removing it also cuts
 * off descriptors opened to it earlier.  Caller runs with the mounter's
 * credentials and holds no lock.
 */
static int layerfs_make_workdir(struct fs_context *fc,
				struct layerfs_view *view)
{
	struct inode *dir = d_inode(view->work_orig.dentry);
	struct iattr attr = {
		.ia_valid = ATTR_MODE,
		.ia_mode = S_IFDIR | 0,
	};
	bool removed = false;
	struct dentry *work;
	int err;

	err = mnt_want_write(view->upper_mnt);
	if (err)
		return err;
	inode_lock_nested(dir, I_MUTEX_PARENT);
lookup:
	work = lookup_one_len(LAYERFS_WORKDIR_NAME, view->work_orig.dentry,
			      strlen(LAYERFS_WORKDIR_NAME));
	if (IS_ERR(work)) {
		err = PTR_ERR(work);
		goto out_unlock;
	}
	if (d_is_positive(work)) {
		/*
		 * Not opened unless a directory: a FIFO's open would wait
		 * for a writer, a device's would open the device.  Found
		 * again after removing it (with @dir locked): refused.
		 */
		err = -ENOTDIR;
		if (!d_is_dir(work))
			goto out_dput;
		err = -EEXIST;
		if (removed)
			goto out_dput;
		err = layerfs_workdir_clean(view, work);
		if (err)
			goto out_dput;
		err = layerfs_vfs_rmdir(dir, work);
		if (err)
			goto out_dput;
		dput(work);
		removed = true;
		goto lookup;
	}
	err = layerfs_vfs_mkdir(dir, work, 0);
	if (err)
		goto out_dput;
	if (d_unhashed(work) || d_is_negative(work)) {
		err = -EINVAL;
		goto out_dput;
	}
	if (!d_is_dir(work)) {
		err = -ENOTDIR;
		goto out_dput;
	}
	err = layerfs_workdir_drop_acls(work);
	if (err)
		goto out_dput;
	/*
	 * Mode 0 whatever mkdir kept: a set-group-ID work/ passes S_ISGID
	 * on, which would give its group to every object made here
	 * (layerfs_create_temp_like() counts on a work directory without).
	 */
	inode_lock(d_inode(work));
	err = layerfs_notify_change(work, &attr);
	inode_unlock(d_inode(work));
	if (err)
		goto out_dput;
	/* The upper must hold trusted.* xattrs: whiteouts need opaque dirs. */
	err = layerfs_vfs_setxattr(work, LAYERFS_XATTR_OPAQUE, "y", 1, 0);
	if (err) {
		errorfc(fc, "upper filesystem does not support trusted.* xattrs (%d)",
			err);
		err = -EOPNOTSUPP;
		goto out_dput;
	}
	layerfs_vfs_removexattr(work, LAYERFS_XATTR_OPAQUE);
	err = layerfs_check_d_type(&(struct path){ .mnt = view->upper_mnt,
						   .dentry = work });
	if (err) {
		errorfc(fc, "upper filesystem does not report d_type (%d)", err);
		goto out_dput;
	}
	view->workdir = work;
	inode_unlock(dir);
	mnt_drop_write(view->upper_mnt);
	return 0;

out_dput:
	dput(work);
out_unlock:
	inode_unlock(dir);
	mnt_drop_write(view->upper_mnt);
	errorfc(fc, "cannot prepare the work directory (%d)", err);
	return err;
}

static struct dentry *layerfs_make_root(struct super_block *sb,
					struct layerfs_view *view)
{
	struct layerfs_entry *entry;
	struct dentry *upper = NULL;
	struct inode *inode;
	struct dentry *root;
	unsigned int i;

	entry = layerfs_entry_alloc(view->nlayers);
	if (!entry)
		return ERR_PTR(-ENOMEM);
	for (i = 0; i < view->nlayers; i++) {
		entry->lower[i].dentry = dget(view->layers[i]->path.dentry);
		entry->lower[i].layer = i;
	}
	if (view->upper_root)
		upper = dget(view->upper_root);
	inode = layerfs_get_inode(sb, S_IFDIR, upper, 0,
				  dget(entry->lower[0].dentry), 0);
	if (IS_ERR(inode)) {
		layerfs_entry_free(entry);
		return ERR_CAST(inode);
	}
	root = d_make_root(inode);
	if (!root) {
		layerfs_entry_free(entry);
		return ERR_PTR(-ENOMEM);
	}
	root->d_fsdata = entry;
	return root;
}

static int layerfs_fill_super(struct super_block *sb, struct fs_context *fc)
{
	struct layerfs_fs_ctx *ctx = fc->fs_private;
	struct layerfs_view *view;
	struct dentry *root;
	struct cred *cred;
	unsigned int i;
	int depth = 0;
	int err;

	view = kzalloc(sizeof(*view), GFP_KERNEL);
	if (!view)
		return -ENOMEM;
	INIT_LIST_HEAD(&view->node);
	mutex_init(&view->commit_lock);
	init_rwsem(&view->commit_sem);
	spin_lock_init(&view->wmap_lock);
	INIT_LIST_HEAD(&view->wmapped);
	view->dev = sb->s_dev;
	view->sb = sb;
	sb->s_fs_info = view;

	err = layerfs_view_take_layers(fc, view);
	if (err)
		return err;	/* layerfs_kill_sb() frees the view */
	err = layerfs_view_take_upper(fc, view);
	if (err)
		return err;
	err = layerfs_view_claim(fc, view);
	if (err)
		return err;
	err = layerfs_view_mount_upper(fc, view);
	if (err)
		return err;
	view->image = ctx->image;
	ctx->image = NULL;
	view->source = kstrdup(fc->source ?: "layerfs", GFP_KERNEL);
	if (!view->source)
		return -ENOMEM;

	view->samefs = true;
	for (i = 0; i < view->nlayers; i++) {
		struct super_block *lsb = view->layers[i]->path.dentry->d_sb;

		depth = max(depth, lsb->s_stack_depth);
		if (lsb != view->layers[0]->path.dentry->d_sb)
			view->samefs = false;
	}
	if (view->upper_root) {
		struct super_block *usb = view->upper_root->d_sb;

		depth = max(depth, usb->s_stack_depth);
		if (usb != view->layers[0]->path.dentry->d_sb)
			view->samefs = false;
	}
	sb->s_stack_depth = depth + 1;
	if (sb->s_stack_depth > FILESYSTEM_MAX_STACK_DEPTH) {
		errorfc(fc, "maximum filesystem stacking depth exceeded");
		return -ELOOP;
	}

	cred = prepare_creds();
	if (!cred)
		return -ENOMEM;
	/*
	 * The real objects are changed with these credentials on the
	 * caller's behalf: as overlayfs, without CAP_SYS_RESOURCE, which
	 * would lift the caller's disk quota (the upper's objects are the
	 * caller's) and let a file's owner set what a filesystem keeps for
	 * it (ext4's data-journaling flag).
	 */
	cap_lower(cred->cap_effective, CAP_SYS_RESOURCE);
	view->creator_cred = cred;

	if (view->upper_mnt) {
		err = layerfs_make_workdir(fc, view);
		if (err)
			return err;
	} else {
		sb->s_flags |= SB_RDONLY;
	}

	sb->s_magic = LAYERFS_SUPER_MAGIC;
	sb->s_op = &layerfs_super_ops;
	sb->s_xattr = layerfs_xattr_handlers;
	sb->s_d_op = &layerfs_dentry_ops;
	sb->s_maxbytes = MAX_LFS_FILESIZE;
	sb->s_time_gran = 1;
	/* ACLs are the real files'; see layerfs_get_acl(). */
	sb->s_flags |= SB_POSIXACL;
	sb->s_iflags |= SB_I_SKIP_SYNC;

	root = layerfs_make_root(sb, view);
	if (IS_ERR(root))
		return PTR_ERR(root);
	sb->s_root = root;
	layerfs_view_publish(view);
	return 0;
}

int layerfs_get_tree(struct fs_context *fc)
{
	return get_tree_nodev(fc, layerfs_fill_super);
}

/*
 * The view is freed here, after every inode and dentry of the superblock
 * is gone, whether fill_super succeeded or failed part way.
 */
static void layerfs_kill_sb(struct super_block *sb)
{
	struct layerfs_view *view = LAYERFS_V(sb);

	kill_anon_super(sb);
	if (view)
		layerfs_view_free(view);
}

struct file_system_type layerfs_fs_type = {
	.owner = THIS_MODULE,
	.name = "layerfs",
	.init_fs_context = layerfs_init_fs_context,
	.parameters = layerfs_param_spec,
	.kill_sb = layerfs_kill_sb,
};
MODULE_ALIAS_FS("layerfs");

static void layerfs_inode_init_once(void *foo)
{
	struct layerfs_inode *li = foo;

	inode_init_once(&li->vfs_inode);
}

int __init layerfs_super_init(void)
{
	int err;

	layerfs_inode_cachep = kmem_cache_create("layerfs_inode",
						 sizeof(struct layerfs_inode), 0,
						 SLAB_RECLAIM_ACCOUNT |
						 SLAB_ACCOUNT,
						 layerfs_inode_init_once);
	if (!layerfs_inode_cachep)
		return -ENOMEM;
	err = register_filesystem(&layerfs_fs_type);
	if (err)
		goto out_destroy_cache;
	return 0;

out_destroy_cache:
	kmem_cache_destroy(layerfs_inode_cachep);
	return err;
}

void layerfs_super_exit(void)
{
	unregister_filesystem(&layerfs_fs_type);
	/* Inodes are freed through RCU: wait before destroying the cache. */
	rcu_barrier();
	kmem_cache_destroy(layerfs_inode_cachep);
}
