// SPDX-License-Identifier: GPL-2.0
/*
 * Online commit: a view's upper directory becomes a registered, frozen
 * layer, and the view carries on at once on a fresh empty upper above it.
 *
 * Nothing is copied.  Every in-core view object keeps its real objects;
 * what changes is which of them are writable.  An upper object carries the
 * generation it was made in (struct layerfs_upper); commit bumps view->gen,
 * so every upper object from before is read-only from then on and is
 * copied up again, into the new upper, before its next change.  Lookups
 * and readdir merge the older uppers like lower layers
 * (layerfs_dir_iter_next()), so the tree is the same before and after;
 * the new upper's root takes the old one's attributes for the same reason
 * (layerfs_commit_copy_root()).
 *
 * Locking and ordering: the commits of one view are serialised by
 * view->commit_lock, which nothing else takes (the netlink family is
 * parallel_ops: a commit waiting on its upper filesystem, e.g. a frozen
 * one, must not hold genetlink's global genl_mutex, which every generic
 * netlink family without parallel_ops, nlctrl among them, runs under).
 * Commits of different views meet only under layerfs_registry_lock, where
 * the switch checks the new upper and publishes the layer.  The
 * superblock is frozen for the switch:
 * freeze_super() waits for every writer of the view (namespace operations,
 * setattr, xattr changes, opens for write and write(2) all hold write
 * access to it) and syncs the upper filesystem, so what was written before
 * the commit is on disk in the new layer.  The switch itself runs under
 * layerfs_registry_lock, which the readers of the view's stack and upper
 * names take.  A shared writable mapping writes the real file behind the
 * view's back, so commit refuses while one exists, and layerfs_mmap()
 * refuses new ones on committed files; view->commit_sem orders the two.
 * It is taken only with the superblock frozen, never while waiting for
 * writers, because mmap holds mmap_lock while it waits for it, and
 * nothing under it takes write access to the upper filesystem
 * (sb_writers ranks above mmap_lock: see layerfs_commit()).
 */
#include <linux/fs.h>
#include <linux/mount.h>
#include <linux/namei.h>
#include <linux/netlink.h>
#include <linux/slab.h>

#include "layerfs.h"

/* An extended ACK message naming @dentry by its path on its filesystem. */
static void layerfs_set_msg_path(struct netlink_ext_ack *extack,
				 const char *what, struct dentry *dentry)
{
	char *buf, *p;

	buf = kmalloc(PATH_MAX, GFP_KERNEL);
	p = buf ? dentry_path_raw(dentry, buf, PATH_MAX) : ERR_PTR(-ENOMEM);
	layerfs_nl_msg(extack, "%s: %s", what,
		       IS_ERR(p) ? "(path unknown)" : p);
	kfree(buf);
}

/*
 * The view with id @id, with an active reference on its superblock so
 * that it cannot be unmounted under the commit.
 */
static struct layerfs_view *layerfs_commit_get_view(u64 id,
						    struct netlink_ext_ack *extack)
{
	struct layerfs_view *view;
	u64 found = id;

	mutex_lock(&layerfs_registry_lock);
	view = layerfs_view_next(&found);
	if (view && (found != id || !view->sb ||
		     !atomic_inc_not_zero(&view->sb->s_active)))
		view = NULL;
	mutex_unlock(&layerfs_registry_lock);
	if (!view) {
		NL_SET_ERR_MSG(extack, "no such view");
		return ERR_PTR(-ENOENT);
	}
	if (!(READ_ONCE(view->sb->s_flags) & SB_BORN)) {
		deactivate_super(view->sb);
		NL_SET_ERR_MSG(extack, "no such view");
		return ERR_PTR(-ENOENT);
	}
	return view;
}

/* Whether @a and @b are on one filesystem and one contains the other. */
static bool layerfs_commit_overlap(struct dentry *a, struct dentry *b)
{
	return a->d_sb == b->d_sb && (is_subdir(a, b) || is_subdir(b, a));
}

/* Resolve and check NEW_UPPER, apart from the registry checks. */
static int layerfs_commit_new_upper(struct layerfs_view *view,
				    const char *name, struct path *path,
				    struct netlink_ext_ack *extack)
{
	LIST_HEAD(names);
	unsigned int i;
	int err;

	if (name[0] != '/') {
		NL_SET_ERR_MSG(extack, "new upper must be an absolute path");
		return -EINVAL;
	}
	err = kern_path(name, LOOKUP_FOLLOW | LOOKUP_DIRECTORY, path);
	if (err == -ENOENT)
		NL_SET_ERR_MSG(extack, "new upper does not exist");
	else if (err == -ENOTDIR)
		NL_SET_ERR_MSG(extack, "new upper is not a directory");
	else if (err)
		NL_SET_ERR_MSG(extack, "cannot resolve new upper");
	if (err)
		return err;

	err = -ENOTDIR;
	if (!d_is_dir(path->dentry)) {
		NL_SET_ERR_MSG(extack, "new upper is not a directory");
		goto out_put;
	}
	err = -EINVAL;
	if (is_idmapped_mnt(path->mnt)) {
		NL_SET_ERR_MSG(extack,
			       "new upper is on an idmapped mount (not supported)");
		goto out_put;
	}
	/* Without them, so that a refused commit can take the root's off. */
	err = -EPERM;
	if (IS_APPEND(d_inode(path->dentry)) ||
	    IS_IMMUTABLE(d_inode(path->dentry))) {
		NL_SET_ERR_MSG(extack, "new upper is append-only or immutable");
		goto out_put;
	}
	err = -EXDEV;
	/* (upper_mnt is rooted at the first upper: compare with work's.) */
	if (path->dentry->d_sb != view->work_orig.mnt->mnt_sb ||
	    !is_subdir(path->dentry, view->work_orig.mnt->mnt_root)) {
		NL_SET_ERR_MSG(extack,
			       "new upper is not on the work directory's mount");
		goto out_put;
	}
	err = -EBUSY;
	if (layerfs_commit_overlap(path->dentry, view->upper_root) ||
	    layerfs_commit_overlap(path->dentry, view->work_orig.dentry)) {
		NL_SET_ERR_MSG(extack,
			       "new upper overlaps the view's upper or work directory");
		goto out_put;
	}
	for (i = 0; i < layerfs_view_nstack(view); i++) {
		if (layerfs_commit_overlap(path->dentry,
					   layerfs_view_stack(view, i)->path.dentry)) {
			NL_SET_ERR_MSG(extack,
				       "new upper overlaps a layer of the view");
			goto out_put;
		}
	}
	err = layerfs_read_names(path->mnt, path->dentry, &names);
	if (!err && !list_empty(&names))
		err = -ENOTEMPTY;
	layerfs_free_names(&names);
	if (err == -ENOTEMPTY)
		NL_SET_ERR_MSG(extack, "new upper is not empty");
	else if (err)
		NL_SET_ERR_MSG(extack, "cannot read new upper");
	if (err)
		goto out_put;
	return 0;

out_put:
	path_put(path);
	return err;
}

/*
 * Refuse while a file of the view is mapped shared and writable: those
 * writes bypass the view and would land in the committed layer.  Only
 * inodes layerfs_mmap() listed can be (a mapping made on the real upper
 * file directly is outside the view, like any other write behind its
 * back).  Called with the superblock frozen and view->commit_sem held for
 * write, so no mapping of the view is being made meanwhile.
 */
static int layerfs_commit_check_maps(struct layerfs_view *view,
				     struct netlink_ext_ack *extack)
{
	struct super_block *sb = view->sb;
	struct layerfs_inode *li, *next;
	struct inode *found = NULL;
	struct dentry *alias;

	spin_lock(&view->wmap_lock);
	list_for_each_entry_safe(li, next, &view->wmapped, wmap_node) {
		struct inode *inode = &li->vfs_inode;
		struct layerfs_upper *u = layerfs_upper_rec(inode);

		if (!layerfs_upper_current(u, sb) ||
		    !mapping_writably_mapped(d_inode(u->dentry)->i_mapping)) {
			/* Mapped again later: layerfs_mmap() relists it. */
			list_del_init(&li->wmap_node);
			continue;
		}
		spin_lock(&inode->i_lock);
		if (!(inode->i_state & (I_NEW | I_FREEING | I_WILL_FREE))) {
			__iget(inode);
			found = inode;
		}
		spin_unlock(&inode->i_lock);
		if (found)
			break;
	}
	spin_unlock(&view->wmap_lock);
	if (!found)
		return 0;

	alias = d_find_any_alias(found);
	if (alias) {
		layerfs_set_msg_path(extack,
				     "a file is mapped shared and writable",
				     alias);
		dput(alias);
	} else {
		NL_SET_ERR_MSG(extack, "a file is mapped shared and writable");
	}
	iput(found);
	return -EBUSY;
}

/*
 * The stack the new layer sits on, for its BASE: empty when it is the
 * image of the view's top layer (then the parent link says it all), else
 * the whole stack as ids.  The stack only changes by commit.
 */
static int layerfs_commit_base(struct layerfs_view *view,
			       struct layerfs_layer_spec *spec, u64 **idsp,
			       struct netlink_ext_ack *extack)
{
	unsigned int n = layerfs_view_nstack(view), i;
	struct layerfs_layer **image;
	bool same;
	u64 *ids;

	image = kvcalloc(n, sizeof(*image), GFP_KERNEL);
	if (!image)
		return -ENOMEM;
	same = layerfs_image_stack(layerfs_view_stack(view, 0), image, n) == n;
	for (i = 0; same && i < n; i++)
		same = image[i] == layerfs_view_stack(view, i);
	kvfree(image);
	if (same)
		return 0;
	if (n > LAYERFS_BASE_MAX) {
		NL_SET_ERR_MSG(extack,
			       "stack too deep to record as a BASE (LAYERFS_BASE_MAX)");
		return -E2BIG;
	}

	ids = kvcalloc(n, sizeof(*ids), GFP_KERNEL);
	if (!ids)
		return -ENOMEM;
	for (i = 0; i < n; i++)
		ids[i] = layerfs_view_stack(view, i)->id;
	spec->base_ids = ids;
	spec->nbase = n;
	*idsp = ids;
	return 0;
}

/* Room for one more committed layer; the old array is freed on success. */
static struct layerfs_layer **layerfs_commit_grow(struct layerfs_view *view,
						  unsigned int *cap)
{
	struct layerfs_layer **arr;

	*cap = view->committed_cap;
	if (view->ncommitted < *cap)
		return view->committed;
	*cap = max(4U, *cap * 2);
	arr = kvcalloc(*cap, sizeof(*arr), GFP_KERNEL);
	if (arr && view->ncommitted)
		memcpy(arr, view->committed,
		       view->ncommitted * sizeof(*arr));
	return arr;
}

/*
 * The new upper's root takes the old one's owner, mode, times, xattrs
 * (ACLs among them) and append-only and immutable flags (@protp: those,
 * for the view's root inode), so that the view's root looks the same
 * after the commit as before.  Not a copy-up: no LSM is asked to leave
 * any xattr behind (layerfs_copy_xattrs()), the root keeps its labels.
 * Called with the superblock frozen: nothing changes the old root
 * meanwhile.  On failure the caller removes the new upper; nothing of the
 * view has changed.
 */
static int layerfs_commit_copy_root(struct layerfs_view *view,
				    struct dentry *new, unsigned int *protp,
				    struct netlink_ext_ack *extack)
{
	struct path old = { .mnt = view->upper_mnt, .dentry = view->upper_root };
	const struct cred *old_cred;
	unsigned int prot = 0;
	struct kstat stat;
	int err;

	/* The new upper is on the same filesystem as upper_mnt. */
	err = mnt_want_write(view->upper_mnt);
	if (err)
		goto out;
	old_cred = layerfs_override_creds(view->sb);
	err = vfs_getattr(&old, &stat, STATX_BASIC_STATS,
			  AT_STATX_SYNC_AS_STAT);
	if (!err)
		err = layerfs_copy_xattrs(old.dentry, new, false);
	if (!err)
		err = layerfs_copy_attrs(new, &stat);
	/* As copy-up keeps them: in the xattr, not in the real inode. */
	if (!err)
		err = layerfs_real_protflags(old.dentry, &prot);
	if (!err && prot)
		err = layerfs_write_protattr(new, prot);
	*protp = prot;
	revert_creds(old_cred);
	mnt_drop_write(view->upper_mnt);
out:
	if (err)
		NL_SET_ERR_MSG(extack,
			       "cannot give the new upper the attributes of the view's root");
	return err;
}

struct layerfs_commit_new {
	struct layerfs_layer *layer;	/* prepared, unpublished */
	struct path upper;		/* NEW_UPPER */
	char *upper_name;
	struct layerfs_upper *root;	/* the root's new upper record */
	unsigned int root_prot;		/* its LAYERFS_PROT_FLAGS */
	struct layerfs_layer **committed;
	unsigned int cap;
	struct layerfs_retired_arr *retired;	/* for the array it replaces */
};

/*
 * The switch.  Called with the superblock frozen, view->commit_sem held
 * for write and layerfs_registry_lock held; nothing here can fail after
 * the layer is published.  Takes over what @n holds.
 */
static int layerfs_commit_switch(struct layerfs_view *view,
				 struct layerfs_commit_new *n,
				 struct layerfs_layer_spec *spec,
				 struct netlink_ext_ack *extack)
{
	struct layerfs_inode *root = LAYERFS_I(d_inode(view->sb->s_root));
	struct dentry *old_root = view->upper_root;
	struct path old_upper = view->upper_orig;
	char *old_name = view->upper_name;
	struct layerfs_layer *layer;
	struct layerfs_view *other;
	int err;

	lockdep_assert_held(&layerfs_registry_lock);
	err = layerfs_layer_overlap(n->upper.dentry, &layer);
	if (!err)
		err = layerfs_view_overlap(n->upper.dentry, &other);
	if (err == -EBUSY)
		NL_SET_ERR_MSG(extack,
			       "new upper is used by another view or a layer");
	else if (err)
		NL_SET_ERR_MSG(extack,
			       "new upper overlaps a layer, or the upper or work directory of a view");
	if (err)
		return err;
	err = layerfs_layer_publish(n->layer, spec, extack);
	if (err)
		return err;

	layerfs_layer_use(n->layer);
	if (n->committed != view->committed) {
		/* Lock-free readers may hold the old one: see viewindex.c. */
		if (view->committed)
			layerfs_retire(view, n->retired, view->committed);
		else
			kfree(n->retired);
		n->retired = NULL;
		view->committed = n->committed;
		view->committed_cap = n->cap;
	}
	view->committed[view->ncommitted++] = n->layer;

	view->upper_orig = n->upper;
	view->upper_name = n->upper_name;
	view->upper_root = dget(n->upper.dentry);
	/* The root keeps its inode number: its first upper's (as copy-up). */
	if (!root->origin_ino) {
		root->origin_dev = old_root->d_sb->s_dev;
		WRITE_ONCE(root->origin_ino, d_inode(old_root)->i_ino);
	}
	n->root->prev = root->upper;
	WRITE_ONCE(root->upper_prot, n->root_prot);
	/* Pairs with layerfs_upper_rec(); readers see either record. */
	smp_store_release(&root->upper, n->root);
	WRITE_ONCE(view->gen, view->gen + 1);

	dput(old_root);
	path_put(&old_upper);
	kfree(old_name);
	return 0;
}

/*
 * What the switch allocates, taken before the freeze so that nothing
 * under it fails for memory.
 */
static int layerfs_commit_alloc(struct layerfs_view *view,
				struct layerfs_commit_new *n)
{
	n->upper_name = layerfs_path_string(&n->upper);
	n->root = layerfs_upper_alloc(dget(n->upper.dentry),
				      READ_ONCE(view->gen) + 1, NULL);
	n->committed = layerfs_commit_grow(view, &n->cap);
	if (n->committed != view->committed)
		n->retired = kmalloc(sizeof(*n->retired), GFP_KERNEL);
	if (!n->upper_name || !n->root || !n->committed ||
	    (n->committed != view->committed && !n->retired))
		return -ENOMEM;
	return 0;
}

/* Releases what @n holds when the switch did not take it over. */
static void layerfs_commit_free(struct layerfs_view *view,
				struct layerfs_commit_new *n)
{
	if (n->committed != view->committed)
		kvfree(n->committed);
	kfree(n->retired);
	layerfs_upper_free(n->root);
	kfree(n->upper_name);
	path_put(&n->upper);
}

/*
 * Freeze the view and switch it to the new upper, publishing the old one
 * as the prepared layer @n->layer (with a reference for the caller).  On
 * error nothing of the view has changed and the caller still owns @n.
 */
static int layerfs_commit_frozen(struct layerfs_view *view,
				 struct layerfs_commit_new *n,
				 struct layerfs_layer_spec *spec,
				 struct netlink_ext_ack *extack)
{
	struct super_block *sb = view->sb;
	int err;

	/*
	 * What is dirty now is written back before the freeze, so that the
	 * frozen window (freeze_super() syncs the upper again) only writes
	 * what arrived meanwhile.
	 */
	err = layerfs_sync_upper(view);
	if (err) {
		NL_SET_ERR_MSG(extack, "cannot sync the upper filesystem");
		return err;
	}
	err = layerfs_freeze_super(sb);
	if (err) {
		NL_SET_ERR_MSG(extack, "view is frozen");
		return err;
	}
	/*
	 * Not under commit_sem: writing the upper takes its sb_writers, which
	 * ranks above mmap_lock (fsetxattr() copies from user memory with
	 * write access held), and mmap_lock ranks above commit_sem
	 * (layerfs_mmap()).  The frozen view is enough: nothing changes the
	 * old root meanwhile.
	 */
	err = layerfs_commit_copy_root(view, n->upper.dentry, &n->root_prot,
				       extack);
	if (err)
		goto out_thaw;
	/*
	 * 6.1's emergency thaw (sysrq j) thaws every superblock with
	 * thaw_super_locked(), past ->thaw_super: the view may have been
	 * thawed since freeze_super(), and writers let in, whose changes to
	 * the old upper would then go on through the switch into the
	 * published layer.  The thaw takes s_umount for write: with it held
	 * for read, the view stays as this check finds it until the switch
	 * is done.  Nothing under it waits for the upper filesystem.
	 */
	down_read(&sb->s_umount);
	if (READ_ONCE(sb->s_writers.frozen) != SB_FREEZE_COMPLETE) {
		NL_SET_ERR_MSG(extack,
			       "view was thawed during the commit (emergency thaw?)");
		err = -EBUSY;
		goto out_umount;
	}
	down_write(&view->commit_sem);
	err = layerfs_commit_check_maps(view, extack);
	if (!err) {
		mutex_lock(&layerfs_registry_lock);
		err = layerfs_commit_switch(view, n, spec, extack);
		if (!err)
			layerfs_layer_get(n->layer);
		mutex_unlock(&layerfs_registry_lock);
	}
	if (!err)
		layerfs_copyattr(d_inode(sb->s_root));
	up_write(&view->commit_sem);
out_umount:
	up_read(&sb->s_umount);
out_thaw:
	layerfs_thaw_super(sb);
	return err;
}

/*
 * Commit the view req->view_id.  Returns the new layer with a reference
 * for the caller, or an ERR_PTR with a message in @extack; on error
 * nothing has changed.
 */
struct layerfs_layer *layerfs_commit(const struct layerfs_commit_req *req,
				     struct netlink_ext_ack *extack)
{
	struct layerfs_layer_spec spec = req->spec;
	struct layerfs_commit_new n = {};
	struct layerfs_view *view;
	struct super_block *sb;
	u64 *base_ids = NULL;
	int err;

	view = layerfs_commit_get_view(req->view_id, extack);
	if (IS_ERR(view))
		return ERR_CAST(view);
	sb = view->sb;
	/* What is read of the view below changes only by its commits. */
	err = mutex_lock_killable(&view->commit_lock);
	if (err) {
		deactivate_super(sb);
		return ERR_PTR(err);
	}
	err = -EROFS;
	if (!view->upper_mnt || sb_rdonly(sb)) {
		NL_SET_ERR_MSG(extack, "view is read-only");
		goto out_unlock;
	}
	/* The new upper's root must take the old root's attributes. */
	if (sb_rdonly(view->upper_mnt->mnt_sb)) {
		NL_SET_ERR_MSG(extack, "the upper filesystem is read-only");
		goto out_unlock;
	}
	err = layerfs_commit_new_upper(view, req->new_upper, &n.upper,
				       extack);
	if (err)
		goto out_unlock;

	err = layerfs_commit_alloc(view, &n);
	if (!err)
		err = layerfs_commit_base(view, &spec, &base_ids, extack);
	if (err)
		goto out_free;
	spec.parent = NULL;
	spec.parent_id = layerfs_view_stack(view, 0)->id;
	spec.flags = LAYERFS_LAYER_F_FROZEN;
	spec.dir = &view->upper_orig;
	err = layerfs_layer_prepare(&n.layer, &spec, extack);
	if (err)
		goto out_free;

	err = layerfs_commit_frozen(view, &n, &spec, extack);
	if (err)
		goto out_discard;
	kvfree(base_ids);
	mutex_unlock(&view->commit_lock);
	deactivate_super(sb);
	return n.layer;

out_discard:
	layerfs_layer_discard(n.layer);
out_free:
	kvfree(base_ids);
	layerfs_commit_free(view, &n);
out_unlock:
	mutex_unlock(&view->commit_lock);
	deactivate_super(sb);
	return ERR_PTR(err);
}
