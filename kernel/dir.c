// SPDX-License-Identifier: GPL-2.0
/*
 * Namespace changes in a view: create, mkdir, mknod, symlink, link,
 * unlink, rmdir and rename.  Every change happens in the upper directory,
 * after the parent (and for link and rename, the object) is copied up.
 *
 * Where a name is backed by a lower object, removing it leaves a whiteout,
 * and a directory created or moved over a whiteout is made opaque, so the
 * lower object stays hidden.  Replacing an upper object by a whiteout, or
 * a whiteout by a new object, is one RENAME_EXCHANGE with an object
 * prepared in the work directory: a crash leaves the old state or the new.
 *
 * Locking: the VFS holds the view directories' locks; the real upper
 * directories are locked here, parent before child, and two at once only
 * through lock_rename().  New objects are owned by the caller's fsuid and
 * fsgid but created with the mounter's other credentials.
 */
#include <linux/cred.h>
#include <linux/fs.h>
#include <linux/mount.h>
#include <linux/namei.h>
#include <linux/posix_acl.h>
#include <linux/posix_acl_xattr.h>
#include <linux/security.h>
#include <linux/slab.h>
#include <linux/xattr.h>

#include "layerfs.h"

/* What to create: an object of @mode, or a hard link to @link. */
struct layerfs_cattr {
	umode_t mode;
	dev_t rdev;
	const char *symlink;
	struct dentry *link;		/* upper dentry to link to, or NULL */
};

/*
 * Switch to the mounter's credentials with the caller's fsuid and fsgid,
 * so that the new upper object for @dentry, of @mode, belongs to the
 * caller; and with what the LSMs make of the caller creating it
 * (security_dentry_create_files_as(), as overlayfs asks: SELinux and Smack
 * label the object as the caller's own, not as the mounter's), who may
 * also refuse it.
 */
static const struct cred *layerfs_creator_creds(struct dentry *dentry,
						umode_t mode)
{
	kuid_t fsuid = current_fsuid();
	kgid_t fsgid = current_fsgid();
	const struct cred *old_cred;
	struct cred *cred;
	int err;

	old_cred = layerfs_override_creds(dentry->d_sb);
	cred = prepare_creds();
	if (!cred) {
		revert_creds(old_cred);
		return ERR_PTR(-ENOMEM);
	}
	cred->fsuid = fsuid;
	cred->fsgid = fsgid;
	err = security_dentry_create_files_as(dentry, mode, &dentry->d_name,
					      old_cred, cred);
	if (err) {
		put_cred(cred);
		revert_creds(old_cred);
		return ERR_PTR(err);
	}
	put_cred(override_creds(cred));
	put_cred(cred);
	return old_cred;
}

static int layerfs_create_real(struct inode *dir, struct dentry *dentry,
			       const struct layerfs_cattr *attr)
{
	umode_t mode = attr->mode;
	int err;

	if (attr->link)
		return layerfs_vfs_link(attr->link, dir, dentry);
	/*
	 * The view has SB_POSIXACL, so the VFS left the umask to us: an
	 * upper without ACLs will not apply it either.
	 */
	if (!IS_POSIXACL(dir))
		mode &= ~current_umask();
	switch (mode & S_IFMT) {
	case S_IFREG:
		err = layerfs_vfs_create(dir, dentry, mode);
		break;
	case S_IFDIR:
		err = layerfs_vfs_mkdir(dir, dentry, mode);
		break;
	case S_IFLNK:
		err = layerfs_vfs_symlink(dir, dentry, attr->symlink);
		break;
	default:
		err = layerfs_vfs_mknod(dir, dentry, mode, attr->rdev);
		break;
	}
	/* Some filesystems leave the new dentry unhashed or negative. */
	if (!err && (d_unhashed(dentry) || d_is_negative(dentry)))
		err = -EIO;
	return err;
}

/* Set ACL xattr @name (system.posix_acl_*) of @dentry to @acl, if any. */
static int layerfs_set_acl_xattr(struct dentry *dentry, const char *name,
				 const struct posix_acl *acl)
{
	size_t size;
	void *value;
	int err;

	if (!acl)
		return 0;
	size = posix_acl_xattr_size(acl->a_count);
	value = kmalloc(size, GFP_KERNEL);
	if (!value)
		return -ENOMEM;
	err = posix_acl_to_xattr(&init_user_ns, acl, value, size);
	if (err >= 0)
		err = layerfs_vfs_setxattr(dentry, name, value, size, 0);
	kfree(value);
	return err;
}

/*
 * Make @temp in the work directory as @attr would be made in the upper
 * directory @udir: an object made over a whiteout there, which is built
 * in the work directory and exchanged with the whiteout.  The work
 * directory is not set-group-ID and has no ACLs, so what @udir would give
 * a new object is given here, as inode_init_owner() and
 * posix_acl_create() give it (overlayfs: ovl_create_over_whiteout()): a
 * set-group-ID @udir's group, and its set-group-ID bit to a directory; a
 * default ACL's access and default ACLs, with the mode it gives (no
 * umask).  A hard link is only linked.
 */
static int layerfs_create_temp_like(struct dentry *udir, struct inode *wdir,
				    struct dentry *temp,
				    const struct layerfs_cattr *attr)
{
	struct posix_acl *acl = NULL, *default_acl = NULL;
	struct inode *dir = d_inode(udir), *inode;
	struct layerfs_cattr a = *attr;
	bool sgid = dir->i_mode & S_ISGID;
	struct iattr ia = {};
	int err;

	if (attr->link)
		return layerfs_create_real(wdir, temp, attr);
	if (!IS_POSIXACL(dir))
		a.mode &= ~current_umask();
	err = posix_acl_create(dir, &a.mode, &default_acl, &acl);
	if (err)
		return err;
	if (sgid && S_ISDIR(a.mode))
		a.mode |= S_ISGID;
	err = layerfs_create_real(wdir, temp, &a);
	if (err)
		goto out_release;

	/* What the work directory's own rules made differently. */
	inode = d_inode(temp);
	if (sgid && !gid_eq(inode->i_gid, dir->i_gid)) {
		ia.ia_valid |= ATTR_GID;
		ia.ia_vfsgid = VFSGIDT_INIT(dir->i_gid);
	}
	if (!S_ISLNK(a.mode) && (inode->i_mode ^ a.mode) & 07777) {
		ia.ia_valid |= ATTR_MODE;
		ia.ia_mode = (inode->i_mode & S_IFMT) | (a.mode & 07777);
	}
	if (ia.ia_valid) {
		inode_lock(inode);
		err = layerfs_notify_change(temp, &ia);
		inode_unlock(inode);
	}
	if (!err)
		err = layerfs_set_acl_xattr(temp, XATTR_NAME_POSIX_ACL_ACCESS,
					    acl);
	if (!err)
		err = layerfs_set_acl_xattr(temp, XATTR_NAME_POSIX_ACL_DEFAULT,
					    default_acl);
out_release:
	posix_acl_release(acl);
	posix_acl_release(default_acl);
	return err;
}

static int layerfs_set_opaque(struct dentry *dentry)
{
	return layerfs_vfs_setxattr(dentry, LAYERFS_XATTR_OPAQUE, "y", 1, 0);
}

/*
 * Remove @old, moved into the work directory by an exchange.  An extra
 * reference keeps @old positive (unlink only unhashes a dentry in use):
 * a view inode may still name it as its upper for open files.
 */
static int layerfs_remove_work(struct layerfs_view *view, struct dentry *old)
{
	struct inode *wdir = d_inode(view->workdir);
	int err = 0;

	dget(old);

	if (d_is_dir(old))
		err = layerfs_clear_whiteouts(view->upper_mnt, old);
	inode_lock_nested(wdir, I_MUTEX_PARENT);
	if (!err && old->d_parent == view->workdir) {
		if (d_is_dir(old))
			err = layerfs_vfs_rmdir(wdir, old);
		else
			err = layerfs_vfs_unlink(wdir, old);
	}
	inode_unlock(wdir);
	dput(old);
	if (err)
		pr_warn_ratelimited("layerfs: cannot clean up work entry (%d)\n",
				    err);
	return 0;	/* the change itself is done; the rest is cleanup */
}

/*
 * Exchange the upper object named @name in @udir, which must be inode
 * @expect, with a new object made in the work directory from @attr (a
 * whiteout if @attr is NULL), made opaque if @opaque.  On success *@newp
 * is the new object, now at @name, and the old object, moved into the
 * work directory, is removed.
 */
static int layerfs_exchange_new(struct layerfs_view *view, struct dentry *udir,
				const struct qstr *name, struct inode *expect,
				const struct layerfs_cattr *attr, bool opaque,
				struct dentry **newp)
{
	struct inode *wdir = d_inode(view->workdir);
	struct dentry *temp, *cur, *trap;
	int err;

	trap = lock_rename(view->workdir, udir);
	err = -EIO;
	if (trap)
		goto out_unlock;
	cur = lookup_one_len(name->name, udir, name->len);
	err = PTR_ERR(cur);
	if (IS_ERR(cur))
		goto out_unlock;
	/* The name must still be what the caller saw. */
	err = -ESTALE;
	if (d_inode(cur) != expect)
		goto out_dput_cur;
	temp = layerfs_lookup_temp(view->workdir);
	err = PTR_ERR(temp);
	if (IS_ERR(temp))
		goto out_dput_cur;
	if (attr)
		err = layerfs_create_temp_like(udir, wdir, temp, attr);
	else
		err = layerfs_vfs_whiteout(wdir, temp);
	if (!err && opaque)
		err = layerfs_set_opaque(temp);
	if (!err)
		err = layerfs_vfs_rename(wdir, temp, d_inode(udir), cur,
					 RENAME_EXCHANGE);
	if (err && d_is_positive(temp)) {
		if (d_is_dir(temp))
			layerfs_vfs_rmdir(wdir, temp);
		else
			layerfs_vfs_unlink(wdir, temp);
	}
	if (err)
		dput(temp);
	else
		*newp = temp;	/* now at @name in @udir; @cur is in work */
	unlock_rename(view->workdir, udir);
	if (!err)
		layerfs_remove_work(view, cur);
	dput(cur);
	return err;

out_dput_cur:
	dput(cur);
out_unlock:
	unlock_rename(view->workdir, udir);
	return err;
}

/*
 * What a change of @dentry's name needs first: its parent copied up and
 * write access to the upper mount (dropped by the caller).
 */
static int layerfs_dirop_begin(struct dentry *dentry)
{
	int err = layerfs_copy_up(dentry->d_parent);

	return err ?: mnt_want_write(LAYERFS_V(dentry->d_sb)->upper_mnt);
}
/* Make the upper object for @dentry (negative in the view). */
static int layerfs_create_upper(struct dentry *dentry,
				const struct layerfs_cattr *attr,
				struct dentry **upperp)
{
	struct layerfs_view *view = LAYERFS_V(dentry->d_sb);
	struct dentry *udir = layerfs_inode_upper(d_inode(dentry->d_parent));
	struct inode *udir_inode = d_inode(udir);
	struct dentry *upper;
	int err;

	inode_lock_nested(udir_inode, I_MUTEX_PARENT);
	upper = lookup_one_len(dentry->d_name.name, udir, dentry->d_name.len);
	if (IS_ERR(upper)) {
		inode_unlock(udir_inode);
		return PTR_ERR(upper);
	}
	if (d_is_negative(upper)) {
		err = layerfs_create_real(udir_inode, upper, attr);
		/*
		 * A new directory in a merged one can have nothing below it:
		 * opaque spares later lookups the descent (as overlayfs does;
		 * failure is harmless).
		 */
		if (!err && d_is_dir(upper) && !attr->link &&
		    layerfs_dir_has_lower(dentry->d_parent))
			layerfs_set_opaque(upper);
		inode_unlock(udir_inode);
		if (err)
			dput(upper);
		else
			*upperp = upper;
		return err;
	}
	inode_unlock(udir_inode);
	if (!layerfs_is_whiteout(upper)) {
		dput(upper);
		return -EEXIST;
	}

	/* Over a whiteout: a directory must hide what the whiteout hid. */
	err = layerfs_exchange_new(view, udir, &dentry->d_name, d_inode(upper),
				   attr, S_ISDIR(attr->mode) && !attr->link,
				   upperp);
	dput(upper);
	return err;
}

static int layerfs_create_object(struct inode *dir, struct dentry *dentry,
				 const struct layerfs_cattr *attr)
{
	struct layerfs_view *view = LAYERFS_V(dentry->d_sb);
	const struct cred *old_cred;
	struct dentry *upper = NULL;
	struct inode *inode;
	int err;

	err = layerfs_dirop_begin(dentry);
	if (err)
		return err;
	old_cred = layerfs_creator_creds(dentry, attr->mode);
	if (IS_ERR(old_cred)) {
		err = PTR_ERR(old_cred);
		goto out_drop_write;
	}
	err = layerfs_create_upper(dentry, attr, &upper);
	revert_creds(old_cred);
	if (err)
		goto out_drop_write;

	/* The upper holds the new name now, whatever happens next. */
	layerfs_dir_changed(dir);
	inode = layerfs_get_inode(dentry->d_sb, d_inode(upper)->i_mode, upper,
				  READ_ONCE(view->gen), NULL, 0);
	if (IS_ERR(inode)) {
		err = PTR_ERR(inode);
		goto out_drop_write;
	}
	d_instantiate(dentry, inode);
	layerfs_copyattr(dir);
out_drop_write:
	mnt_drop_write(view->upper_mnt);
	return err;
}

static int layerfs_create(struct layerfs_idmap *idmap, struct inode *dir,
			  struct dentry *dentry, umode_t mode, bool excl)
{
	struct layerfs_cattr attr = { .mode = (mode & 07777) | S_IFREG };

	return layerfs_create_object(dir, dentry, &attr);
}

static int layerfs_mkdir(struct layerfs_idmap *idmap, struct inode *dir,
			 struct dentry *dentry, umode_t mode)
{
	struct layerfs_cattr attr = { .mode = (mode & 07777) | S_IFDIR };

	return layerfs_create_object(dir, dentry, &attr);
}

static int layerfs_mknod(struct layerfs_idmap *idmap, struct inode *dir,
			 struct dentry *dentry, umode_t mode, dev_t rdev)
{
	struct layerfs_cattr attr = { .mode = mode, .rdev = rdev };

	/* A 0/0 char device is a whiteout: say what overlayfs says. */
	if (S_ISCHR(mode) && rdev == WHITEOUT_DEV)
		return -EPERM;
	return layerfs_create_object(dir, dentry, &attr);
}

static int layerfs_symlink(struct layerfs_idmap *idmap, struct inode *dir,
			   struct dentry *dentry, const char *link)
{
	struct layerfs_cattr attr = { .mode = S_IFLNK | 0777, .symlink = link };

	return layerfs_create_object(dir, dentry, &attr);
}

static int layerfs_link(struct dentry *old, struct inode *dir,
			struct dentry *new)
{
	struct layerfs_view *view = LAYERFS_V(new->d_sb);
	struct inode *inode = d_inode(old);
	struct layerfs_cattr attr = { .mode = inode->i_mode };
	const struct cred *old_cred;
	struct dentry *upper = NULL;
	int err;

	err = layerfs_check_lazy_flags(inode, S_APPEND | S_IMMUTABLE);
	if (!err)
		err = layerfs_copy_up(old);
	if (!err)
		err = layerfs_copy_up(new->d_parent);
	if (err)
		return err;
	attr.link = layerfs_inode_upper(inode);

	err = mnt_want_write(view->upper_mnt);
	if (err)
		return err;
	old_cred = layerfs_override_creds(new->d_sb);
	err = layerfs_create_upper(new, &attr, &upper);
	revert_creds(old_cred);
	mnt_drop_write(view->upper_mnt);
	if (err)
		return err;
	dput(upper);

	/* Both names share the view inode of the one real inode. */
	ihold(inode);
	set_nlink(inode, d_inode(attr.link)->i_nlink);
	d_instantiate(new, inode);
	layerfs_copyattr(dir);
	layerfs_dir_changed(dir);
	return 0;
}

/*
 * Whether @name in upper directory @udir is @upper itself.  Names of a
 * file hard-linked in a committed layer share one view inode; once one of
 * them is copied up, the others have no upper object of their own.
 */
static bool layerfs_name_is_upper(struct dentry *udir,
				  const struct qstr *name, struct dentry *upper)
{
	struct dentry *d;
	bool ret;

	d = layerfs_lookup_one_unlocked(name->name, udir, name->len);
	if (IS_ERR(d))
		return false;
	ret = d_inode(d) == d_inode(upper);
	dput(d);
	return ret;
}

/*
 * Give @real (a negative name in a locked upper directory) the upper
 * object of @dentry's inode, as a hard link: a name without its own upper
 * (see layerfs_name_is_upper()) about to be renamed.
 */
static int layerfs_link_up(struct dentry *dentry, struct inode *udir,
			   struct dentry *real)
{
	struct dentry *upper = layerfs_inode_upper(d_inode(dentry));

	if (!upper || d_is_dir(dentry) || d_is_positive(real))
		return 0;
	return layerfs_vfs_link(upper, udir, real);
}

/*
 * Remove @dentry: from the upper alone if no lower object backs the name,
 * else by leaving a whiteout in its place.
 */
static int layerfs_do_remove(struct inode *dir, struct dentry *dentry,
			     bool is_dir)
{
	struct layerfs_view *view = LAYERFS_V(dentry->d_sb);
	struct inode *inode = d_inode(dentry);
	struct dentry *udir, *upper, *cur, *whiteout = NULL;
	const struct cred *old_cred;
	bool has_lower;
	int err;

	err = layerfs_check_lazy_flags(inode, S_APPEND | S_IMMUTABLE);
	if (err)
		return err;
	has_lower = layerfs_has_lower(dentry);
	err = layerfs_dirop_begin(dentry);
	if (err)
		return err;
	/* No copy-up of this object may run while its name goes away. */
	mutex_lock(&LAYERFS_I(inode)->lock);
	old_cred = layerfs_override_creds(dentry->d_sb);
	if (is_dir) {
		err = layerfs_dir_check_empty(dentry);
		if (err)
			goto out_revert;
	}
	udir = layerfs_inode_upper(dir);
	upper = layerfs_inode_upper(inode);
	if (upper && !is_dir &&
	    !layerfs_name_is_upper(udir, &dentry->d_name, upper))
		upper = NULL;	/* only the committed layer has this name */

	if (upper && has_lower) {
		/* Swap the upper object for a whiteout, then drop it. */
		err = layerfs_exchange_new(view, udir, &dentry->d_name,
					   d_inode(upper), NULL, false,
					   &whiteout);
		if (!err)
			dput(whiteout);
		goto out_revert;
	}

	if (upper && is_dir) {
		/* Whiteouts left in an upper-only directory go first. */
		err = layerfs_clear_whiteouts(view->upper_mnt, upper);
		if (err)
			goto out_revert;
	}
	inode_lock_nested(d_inode(udir), I_MUTEX_PARENT);
	cur = lookup_one_len(dentry->d_name.name, udir, dentry->d_name.len);
	if (IS_ERR(cur)) {
		err = PTR_ERR(cur);
	} else if (upper && d_inode(cur) != d_inode(upper)) {
		/* (A hard link's upper may be another name of the inode.) */
		err = -ESTALE;
	} else if (upper) {
		if (is_dir)
			err = layerfs_vfs_rmdir(d_inode(udir), cur);
		else
			err = layerfs_vfs_unlink(d_inode(udir), cur);
	} else if (d_is_negative(cur)) {
		err = layerfs_vfs_whiteout(d_inode(udir), cur);
	} else {
		err = -ESTALE;
	}
	if (!IS_ERR(cur))
		dput(cur);
	inode_unlock(d_inode(udir));

out_revert:
	revert_creds(old_cred);
	/*
	 * The name's lower stack is stale now: make the next lookup redo it.
	 * Dropped under li->lock, so that a copy-up for a file still open
	 * sees the name gone (see layerfs_copy_up_one()).
	 */
	if (!err)
		d_drop(dentry);
	mutex_unlock(&LAYERFS_I(inode)->lock);
	mnt_drop_write(view->upper_mnt);
	if (err)
		return err;

	if (is_dir)
		clear_nlink(inode);
	else if (inode->i_nlink)
		drop_nlink(inode);
	layerfs_copyattr(dir);
	layerfs_dir_changed(dir);
	return 0;
}

static int layerfs_unlink(struct inode *dir, struct dentry *dentry)
{
	return layerfs_do_remove(dir, dentry, false);
}

static int layerfs_rmdir(struct inode *dir, struct dentry *dentry)
{
	return layerfs_do_remove(dir, dentry, true);
}

/* One rename's two names, and the upper dentries it works on. */
struct layerfs_rename {
	struct dentry *old, *new;	/* the view's */
	struct dentry *uold, *unew;	/* the upper parents */
	struct dentry *olddentry, *newdentry;	/* their children, or NULL */
	bool exchange, old_lower, new_lower, old_is_dir, new_is_dir;
	bool new_replaced;	/* a non-directory at the new name goes */
	bool new_whiteout;	/* the upper holds a whiteout at the new name */
};

/*
 * Both parents and @old get an upper, and so does the object at the new
 * name if it stays (an exchange) or is a directory; a non-directory the
 * rename replaces is not copied up, as in overlayfs: its data would only
 * cost time and space the upper may not have (layerfs_rename() holds off
 * a copy-up of it meanwhile).  A directory about to be
 * replaced must look empty, and the whiteouts its upper may still hold
 * go first (the moved directory is made opaque later, so what they hid
 * stays hidden).  Copying up @old does not give its parent an upper when
 * @old's inode already has one through another name (a hard link whose
 * file was copied up from another directory): hence both parents.
 */
static int layerfs_rename_prepare(const struct layerfs_rename *r)
{
	struct layerfs_view *view = LAYERFS_V(r->old->d_sb);
	const struct cred *old_cred;
	struct dentry *upper;
	int err;

	err = layerfs_copy_up(r->old);
	if (!err)
		err = layerfs_copy_up(r->old->d_parent);
	if (!err && d_is_positive(r->new) && !r->new_replaced)
		err = layerfs_copy_up(r->new);
	if (!err)
		err = layerfs_copy_up(r->new->d_parent);
	if (err || r->exchange || !r->new_is_dir)
		return err;

	old_cred = layerfs_override_creds(r->old->d_sb);
	err = layerfs_dir_check_empty(r->new);
	upper = layerfs_inode_upper(d_inode(r->new));
	if (!err && upper) {
		err = mnt_want_write(view->upper_mnt);
		if (!err) {
			err = layerfs_clear_whiteouts(view->upper_mnt, upper);
			mnt_drop_write(view->upper_mnt);
		}
	}
	revert_creds(old_cred);
	return err;
}

/*
 * Whether @r->newdentry is what the view shows at the new name: the
 * name's upper, nothing, or a whiteout (noted in @r->new_whiteout); a
 * non-directory being replaced, or a name only a committed layer has, may
 * have no upper.  -ESTALE if the upper changed under the view.
 */
static int layerfs_rename_check_new(struct layerfs_rename *r)
{
	struct dentry *nd = r->newdentry, *upper;

	if (d_is_positive(r->new)) {
		if (d_is_negative(nd) && !r->new_is_dir)
			return 0;
		upper = layerfs_inode_upper(d_inode(r->new));
		return upper && d_inode(nd) == d_inode(upper) ? 0 : -ESTALE;
	}
	if (layerfs_is_whiteout(nd)) {
		r->new_whiteout = true;
		return 0;
	}
	return d_is_positive(nd) ? -ESTALE : 0;
}

/*
 * Look both names up in their upper parents and check them against the
 * view; @trap is what lock_rename() returned.  Caller holds the rename
 * lock.  On error the dentries taken are put and cleared.
 */
static int layerfs_rename_lookup(struct layerfs_rename *r,
				 struct dentry *trap)
{
	struct dentry *old = r->old, *new = r->new, *d;
	int err;

	d = lookup_one_len(old->d_name.name, r->uold, old->d_name.len);
	if (IS_ERR(d))
		return PTR_ERR(d);
	r->olddentry = d;
	err = layerfs_link_up(old, d_inode(r->uold), d);
	if (err)
		goto out_put;
	err = -ESTALE;
	if (d_inode(d) != d_inode(layerfs_inode_upper(d_inode(old))))
		goto out_put;
	d = lookup_one_len(new->d_name.name, r->unew, new->d_name.len);
	err = PTR_ERR(d);
	if (IS_ERR(d))
		goto out_put;
	r->newdentry = d;
	err = r->exchange ? layerfs_link_up(new, d_inode(r->unew), d) : 0;
	if (!err)
		err = layerfs_rename_check_new(r);
	/* Neither may be an ancestor of the other's parent. */
	if (!err && r->olddentry == trap)
		err = -EINVAL;
	if (!err && r->newdentry == trap)
		err = -ENOTEMPTY;
	if (!err)
		return 0;
out_put:
	dput(r->newdentry);
	dput(r->olddentry);
	r->newdentry = r->olddentry = NULL;
	return err;
}

/*
 * The real rename, under the rename lock, hiding what it must: a
 * directory moved onto a lower name is opaque; a source name backed by
 * a lower object is left as a whiteout (RENAME_WHITEOUT).  A directory
 * cannot replace the whiteout of a file: it is exchanged with it, as
 * overlayfs does; the whiteout then stands at the old name, which is
 * what a lower object there needs, or goes afterwards.  A crash or a
 * failure leaves the new name hidden, and a whiteout a failure leaves
 * hides nothing.
 */
static int layerfs_rename_real(const struct layerfs_rename *r)
{
	unsigned int flags = r->exchange ? RENAME_EXCHANGE : 0;
	bool cleanup_whiteout = false;
	int err;

	if (r->old_is_dir && (r->new_lower || r->new_whiteout)) {
		err = layerfs_set_opaque(r->olddentry);
		if (err)
			return err;
	}
	if (r->new_whiteout && r->old_is_dir) {
		flags |= RENAME_EXCHANGE;
		cleanup_whiteout = !r->old_lower;
	} else if (!r->exchange && r->old_lower) {
		flags |= RENAME_WHITEOUT;
	}
	if (r->exchange && r->new_is_dir && r->old_lower) {
		err = layerfs_set_opaque(r->newdentry);
		if (err)
			return err;
	}
	err = layerfs_vfs_rename(d_inode(r->uold), r->olddentry,
				 d_inode(r->unew), r->newdentry, flags);
	if (!err && cleanup_whiteout)
		layerfs_vfs_unlink(d_inode(r->uold), r->newdentry);
	return err;
}

/* The view after a rename: attributes, link counts, stale lookups. */
static void layerfs_rename_done(struct inode *olddir, struct inode *newdir,
				const struct layerfs_rename *r)
{
	struct inode *inode = d_inode(r->new);

	layerfs_copyattr(olddir);
	layerfs_copyattr(newdir);
	layerfs_dir_changed(olddir);
	layerfs_dir_changed(newdir);
	if (inode && !r->exchange) {
		/* (A hard link's view inode may count fewer names.) */
		if (r->new_is_dir)
			clear_nlink(inode);
		else if (inode->i_nlink)
			drop_nlink(inode);
	}
	/* Lower stacks of both names are stale: redo their lookups. */
	d_drop(r->old);
	d_drop(r->new);
}

/*
 * Rename in the upper.  Directories backed by a lower directory are not
 * moved (-EXDEV, as overlayfs without redirect_dir); userspace copies
 * them.
 */
static int layerfs_rename(struct layerfs_idmap *idmap,
			  struct inode *olddir, struct dentry *old,
			  struct inode *newdir, struct dentry *new,
			  unsigned int flags)
{
	struct layerfs_view *view = LAYERFS_V(old->d_sb);
	struct layerfs_rename r = {
		.old = old,
		.new = new,
		.exchange = flags & RENAME_EXCHANGE,
		.old_lower = layerfs_has_lower(old),
		.new_lower = layerfs_has_lower(new),
		.old_is_dir = d_is_dir(old),
		.new_is_dir = d_is_positive(new) && d_is_dir(new),
	};
	struct mutex *target_lock = NULL;
	const struct cred *old_cred;
	struct dentry *trap;
	int err;

	if (flags & ~(RENAME_EXCHANGE | RENAME_NOREPLACE))
		return -EINVAL;
	/* (RENAME_NOREPLACE: the VFS has checked it.) */
	err = layerfs_check_lazy_flags(d_inode(old), S_APPEND | S_IMMUTABLE);
	if (!err && d_is_positive(new))
		err = layerfs_check_lazy_flags(d_inode(new),
					       S_APPEND | S_IMMUTABLE);
	if (err)
		return err;
	r.new_replaced = d_is_positive(new) && !r.exchange && !r.new_is_dir;
	if ((r.old_is_dir && layerfs_dir_has_lower(old)) ||
	    (r.exchange && r.new_is_dir && layerfs_dir_has_lower(new)))
		return -EXDEV;
	err = layerfs_rename_prepare(&r);
	if (err)
		return err;

	err = mnt_want_write(view->upper_mnt);
	if (err)
		return err;
	/*
	 * A non-directory the rename replaces was not copied up.  Hold off a
	 * copy-up of it (an opener's) until its name is gone, under its
	 * copy-up lock as layerfs_do_remove() does, taken after the upper's
	 * write access and before the upper's directory locks, as in a
	 * copy-up: else the copy-up may have moved its copy into the upper
	 * without yet publishing it (the check below fails with -ESTALE), or
	 * find the name taken by the renamed file before the view's name is
	 * dropped (the copy-up fails with -EEXIST).
	 */
	if (r.new_replaced) {
		target_lock = &LAYERFS_I(d_inode(new))->lock;
		mutex_lock(target_lock);
	}
	old_cred = layerfs_override_creds(old->d_sb);
	r.uold = layerfs_inode_upper(olddir);
	r.unew = layerfs_inode_upper(newdir);
	err = -EIO;
	if (WARN_ON_ONCE(!r.uold || !r.unew))
		goto out_revert;
	/* Objects with an origin make their new directory impure. */
	if ((LAYERFS_I(d_inode(old))->origin_ino && r.uold != r.unew) ||
	    (r.exchange && LAYERFS_I(d_inode(new))->origin_ino)) {
		err = layerfs_set_impure(r.unew);
		if (!err && r.exchange)
			err = layerfs_set_impure(r.uold);
		if (err)
			goto out_revert;
	}

	trap = lock_rename(r.unew, r.uold);
	err = layerfs_rename_lookup(&r, trap);
	if (!err) {
		err = layerfs_rename_real(&r);
		dput(r.newdentry);
		dput(r.olddentry);
	}
	unlock_rename(r.unew, r.uold);
out_revert:
	revert_creds(old_cred);
	mnt_drop_write(view->upper_mnt);
	/* (It drops the new name: before a waiting copy-up goes on.) */
	if (!err)
		layerfs_rename_done(olddir, newdir, &r);
	if (target_lock)
		mutex_unlock(target_lock);
	return err;
}

const struct inode_operations layerfs_dir_inode_ops = {
	.lookup = layerfs_lookup,
	.create = layerfs_create,
	.mkdir = layerfs_mkdir,
	.mknod = layerfs_mknod,
	.symlink = layerfs_symlink,
	.link = layerfs_link,
	.unlink = layerfs_unlink,
	.rmdir = layerfs_rmdir,
	.rename = layerfs_rename,
	.permission = layerfs_permission,
	LAYERFS_ACL_IOPS,
	.getattr = layerfs_getattr,
	.setattr = layerfs_setattr,
	.listxattr = layerfs_listxattr,
	.fileattr_get = layerfs_fileattr_get,
	.fileattr_set = layerfs_fileattr_set,
};
