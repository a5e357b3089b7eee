// SPDX-License-Identifier: GPL-2.0
/*
 * Copy-up: before anything changes a lower object, a copy of it (data,
 * mode, owner, times, xattrs) is made in the upper directory.  The copy is
 * built under a temporary name in the work directory and renamed into
 * place, so a crash leaves either no upper object or a complete one; the
 * work directory is emptied at the next mount.
 *
 * Locking: li->lock serialises copy-up of one inode, and holds it off
 * while a removal or a rename takes the object's name away (dir.c);
 * parents are copied up first, each under its own lock, never holding a
 * child's.  The rename into place takes lock_rename(workdir, upper
 * parent) as any rename does.
 */
#include <linux/atomic.h>
#include <linux/cred.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/mount.h>
#include <linux/namei.h>
#include <linux/posix_acl_xattr.h>
#include <linux/security.h>
#include <linux/slab.h>
#include <linux/splice.h>
#include <linux/xattr.h>

#include "layerfs.h"

/* Chunk per splice, so a fatal signal stops a huge copy-up quickly. */
#define LAYERFS_COPY_CHUNK	(1 << 20)

static atomic_long_t layerfs_temp_counter = ATOMIC_LONG_INIT(0);

/* A fresh negative dentry in the work directory.  Caller holds its lock. */
struct dentry *layerfs_lookup_temp(struct dentry *workdir)
{
	char name[24];
	int len;

	len = snprintf(name, sizeof(name), "#%lx",
		       atomic_long_inc_return(&layerfs_temp_counter));
	return lookup_one_len(name, workdir, len);
}

/*
 * Whether copy-up must fail when the upper cannot hold xattr @name at all
 * (EOPNOTSUPP): for ACLs, which restrict access.  Any other name is left
 * behind, as overlayfs does (a lower user.* xattr and a tmpfs upper
 * before 6.6); security.* ones too: the upper's LSM labels the copy.
 */
static bool layerfs_must_copy_xattr(const char *name)
{
	return !strcmp(name, XATTR_NAME_POSIX_ACL_ACCESS) ||
	       !strcmp(name, XATTR_NAME_POSIX_ACL_DEFAULT);
}

/* Makes *@value, of *@vsize bytes, hold at least @size bytes. */
static int layerfs_xattr_buf_grow(char **value, ssize_t *vsize, ssize_t size)
{
	if (size <= *vsize)
		return 0;
	kvfree(*value);
	*value = kvmalloc(size, GFP_KERNEL);
	*vsize = *value ? size : 0;
	return *value ? 0 : -ENOMEM;
}

/*
 * Copies every xattr but the overlay-private ones from @old to @new.  For
 * a copy-up (@copy_up), also but those an LSM discards, as overlayfs asks
 * them (security_inode_copy_up_xattr()): EVM's security.evm signatures
 * and HMACs bound to the lower inode (6.12), SELinux's and Smack's labels
 * (the copy was labelled at creation, layerfs_copy_make_temp()).
 */
int layerfs_copy_xattrs(struct dentry *old, struct dentry *new, bool copy_up)
{
	ssize_t list_size, size, vsize = 0;
	char *buf, *name, *value = NULL;
	unsigned int tries;
	bool measured;
	size_t slen;
	int err = 0;

	if (!(d_inode(old)->i_opflags & IOP_XATTR) ||
	    !(d_inode(new)->i_opflags & IOP_XATTR))
		return 0;

	list_size = vfs_listxattr(old, NULL, 0);
	if (list_size <= 0)
		return list_size == -EOPNOTSUPP ? 0 : list_size;
	buf = kvzalloc(list_size, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	list_size = vfs_listxattr(old, buf, list_size);
	if (list_size <= 0) {
		err = list_size;
		goto out_free;
	}

	for (name = buf; list_size > 0; name += slen) {
		slen = strnlen(name, list_size) + 1;
		/* A name without its NUL: the lower filesystem is broken. */
		if (WARN_ON_ONCE(slen > list_size)) {
			err = -EIO;
			break;
		}
		list_size -= slen;
		if (layerfs_is_private_xattr(name))
			continue;
		if (copy_up) {
			err = layerfs_security_copy_up_xattr(old, name);
			if (err < 0)
				break;
			if (err) {
				err = 0;
				continue;	/* an LSM discards it */
			}
		}
		tries = 0;
retry:
		/* Without a buffer yet, the call only measures. */
		measured = !value;
		size = layerfs_vfs_getxattr(old, name, value, vsize);
		if (size == -ERANGE && tries++ < 8) {
			/*
			 * It grew since it was measured: measure it and read
			 * it again, also if it fits now (it shrank meanwhile):
			 * the buffer still holds the previous xattr's value.
			 */
			measured = true;
			size = layerfs_vfs_getxattr(old, name, NULL, 0);
		}
		if (size < 0) {
			err = size;
			break;
		}
		/* (A measured 0 with no buffer: nothing to read.) */
		if (measured && (size || value)) {
			err = layerfs_xattr_buf_grow(&value, &vsize, size);
			if (err)
				break;
			goto retry;
		}
		err = layerfs_vfs_setxattr(new, name, value, size, 0);
		if (err == -EOPNOTSUPP && !layerfs_must_copy_xattr(name))
			err = 0;
		if (err)
			break;
	}
	kvfree(value);
out_free:
	kvfree(buf);
	return err;
}

/* Data of a regular file: reflink if possible, else copy, keeping holes. */
static int layerfs_copy_data(const struct path *lower, struct file *new_file,
			     loff_t len)
{
	struct file *old_file;
	loff_t pos = 0, data, hole, end;
	bool seek = true;
	int err = 0;

	old_file = layerfs_open_lower(lower, O_RDONLY | O_LARGEFILE);
	if (IS_ERR(old_file))
		return PTR_ERR(old_file);

	if (len && layerfs_clone_range(old_file, new_file, len) == len)
		goto out_fput;

	while (pos < len) {
		if (fatal_signal_pending(current)) {
			err = -EINTR;
			break;
		}
		data = pos;
		end = len;
		if (seek) {
			data = vfs_llseek(old_file, pos, SEEK_DATA);
			if (data == -ENXIO)
				break;		/* a hole to the end */
			if (data < 0) {
				seek = false;	/* copy everything */
				data = pos;
			} else {
				hole = vfs_llseek(old_file, data, SEEK_HOLE);
				if (hole > data)
					end = min(hole, len);
			}
		}
		pos = data;
		while (pos < end) {
			loff_t out = pos;
			ssize_t n;

			n = do_splice_direct(old_file, &pos, new_file, &out,
					     min_t(loff_t, end - pos,
						   LAYERFS_COPY_CHUNK),
					     SPLICE_F_MOVE);
			if (n <= 0) {
				err = n ?: -EIO;
				goto out_fput;
			}
			if (fatal_signal_pending(current)) {
				err = -EINTR;
				goto out_fput;
			}
		}
	}
out_fput:
	fput(old_file);
	return err;
}

/* Owner, then mode (chown clears set-id bits), then times. */
int layerfs_copy_attrs(struct dentry *new, const struct kstat *stat)
{
	struct iattr attr = {
		.ia_valid = ATTR_UID | ATTR_GID,
		.ia_vfsuid = VFSUIDT_INIT(stat->uid),
		.ia_vfsgid = VFSGIDT_INIT(stat->gid),
	};
	int err;

	inode_lock(d_inode(new));
	err = layerfs_notify_change(new, &attr);
	if (!err && !S_ISLNK(stat->mode)) {
		attr.ia_valid = ATTR_MODE;
		attr.ia_mode = stat->mode;
		err = layerfs_notify_change(new, &attr);
	}
	if (!err) {
		attr.ia_valid = ATTR_ATIME | ATTR_MTIME | ATTR_ATIME_SET |
				ATTR_MTIME_SET;
		attr.ia_atime = stat->atime;
		attr.ia_mtime = stat->mtime;
		err = layerfs_notify_change(new, &attr);
	}
	inode_unlock(d_inode(new));
	return err;
}

/*
 * Mark upper directory @upperdir as holding entries with an origin, so
 * that readdir reports their origin inode numbers.  Caller does not hold
 * the directory's lock.
 */
int layerfs_set_impure(struct dentry *upperdir)
{
	return layerfs_vfs_setxattr(upperdir, LAYERFS_XATTR_IMPURE, "y", 1, 0);
}

/*
 * Put back the times of upper directory @dir after an entry was added or
 * removed on the view's own behalf (copy-up, not the user).
 */
void layerfs_restore_times(struct dentry *dir, const struct kstat *stat)
{
	struct iattr attr = {
		.ia_valid = ATTR_ATIME | ATTR_MTIME | ATTR_ATIME_SET |
			    ATTR_MTIME_SET,
		.ia_atime = stat->atime,
		.ia_mtime = stat->mtime,
	};

	inode_lock(d_inode(dir));
	layerfs_notify_change(dir, &attr);
	inode_unlock(d_inode(dir));
}

/* Creates the temporary copy of @lower in the work directory. */
static int layerfs_create_temp(struct layerfs_view *view,
			       const struct path *lower,
			       const struct kstat *stat, struct dentry *temp)
{
	struct inode *wdir = d_inode(view->workdir);
	struct delayed_call done;
	const char *link;
	int err;

	switch (stat->mode & S_IFMT) {
	case S_IFREG:
		return layerfs_vfs_create(wdir, temp, stat->mode & 0600);
	case S_IFDIR:
		return layerfs_vfs_mkdir(wdir, temp, 0700);
	case S_IFLNK:
		link = vfs_get_link(lower->dentry, &done);
		if (IS_ERR(link))
			return PTR_ERR(link);
		err = layerfs_vfs_symlink(wdir, temp, link);
		do_delayed_call(&done);
		return err;
	default:
		return layerfs_vfs_mknod(wdir, temp, stat->mode & (S_IFMT | 0600),
					 stat->rdev);
	}
}

/*
 * One copy-up in progress (layerfs_copy_up_one()): what it copies, where
 * to, and the temporary object it builds in the work directory.
 */
struct layerfs_copy {
	struct dentry *dentry;		/* the view object */
	struct layerfs_view *view;
	struct layerfs_upper *parent;	/* the parent's current upper */
	struct path lower;		/* the source: topmost real object */
	struct kstat stat;		/* of the source */
	struct kstat pstat;		/* times of the parent's upper */
	u64 origin_ino;			/* identity to keep, or 0 */
	dev_t origin_dev;
	unsigned int prot;		/* the source's LAYERFS_PROT_FLAGS */
	struct dentry *temp;		/* the copy, in the work directory */
};

/*
 * Step 1: the source, its attributes and the identity the copy keeps.
 * The copy belongs to the generation of the directory it goes into.
 * Callers hold write access to the view, so no commit ends that
 * generation before the copy is published.
 */
static int layerfs_copy_prepare(struct layerfs_copy *c)
{
	struct layerfs_inode *li = LAYERFS_I(d_inode(c->dentry));
	int err;

	c->view = LAYERFS_V(c->dentry->d_sb);
	c->parent = layerfs_upper_rec(d_inode(c->dentry->d_parent));
	if (WARN_ON_ONCE(!layerfs_upper_current(c->parent, c->dentry->d_sb)))
		return -EIO;
	err = layerfs_path_real(c->dentry, &c->lower);
	if (err)
		return err;
	err = vfs_getattr(&c->lower, &c->stat, STATX_BASIC_STATS,
			  AT_STATX_SYNC_AS_STAT);
	if (err)
		return err;
	/*
	 * The source's flags: its real inode's, and those of its
	 * LAYERFS_XATTR_PROTATTR, which the view inode holds already (read
	 * at lookup or layerfs_resolve(), which layerfs_path_real() ran).
	 */
	c->prot = layerfs_inode_protattr(d_inode(c->dentry)) |
		  (d_inode(c->lower.dentry)->i_flags & LAYERFS_PROT_FLAGS);
	/* A committed upper keeps the identity it already carried. */
	if (li->origin_ino) {
		c->origin_ino = li->origin_ino;
		c->origin_dev = li->origin_dev;
	} else if (S_ISDIR(c->stat.mode) || c->stat.nlink == 1) {
		/* A hard-linked file has no single origin (as in overlayfs). */
		c->origin_ino = c->stat.ino;
		c->origin_dev = c->stat.dev;
	}
	return 0;
}

/*
 * Step 2: the empty temporary object in the work directory, created with
 * the credentials an LSM asks for (security_inode_copy_up(), as overlayfs:
 * SELinux and Smack give the copy the view object's label), else the
 * mounter's.
 */
static int layerfs_copy_make_temp(struct layerfs_copy *c)
{
	struct inode *wdir = d_inode(c->view->workdir);
	const struct cred *old_cred = NULL;
	struct cred *cu_cred = NULL;
	int err;

	err = security_inode_copy_up(c->dentry, &cu_cred);
	if (err < 0)
		return err;
	if (cu_cred)
		old_cred = override_creds(cu_cred);
	inode_lock_nested(wdir, I_MUTEX_PARENT);
	c->temp = layerfs_lookup_temp(c->view->workdir);
	if (IS_ERR(c->temp)) {
		err = PTR_ERR(c->temp);
		c->temp = NULL;
	} else {
		err = layerfs_create_temp(c->view, &c->lower, &c->stat,
					  c->temp);
	}
	inode_unlock(wdir);
	if (cu_cred) {
		revert_creds(old_cred);
		put_cred(cu_cred);
	}
	return err;
}

/* Step 3: a regular file's data and size, on disk before it is named. */
static int layerfs_copy_file_data(struct layerfs_copy *c)
{
	struct path tpath = { .mnt = c->view->upper_mnt, .dentry = c->temp };
	struct iattr attr = { .ia_valid = ATTR_SIZE, .ia_size = c->stat.size };
	struct file *file;
	int err;

	if (!S_ISREG(c->stat.mode))
		return 0;
	file = dentry_open(&tpath, O_WRONLY | O_LARGEFILE, current_cred());
	if (IS_ERR(file))
		return PTR_ERR(file);
	layerfs_copy_data_begin(file);
	err = layerfs_copy_data(&c->lower, file, c->stat.size);
	layerfs_copy_data_end(file);
	if (!err) {
		inode_lock(d_inode(c->temp));
		err = layerfs_notify_change(c->temp, &attr);
		inode_unlock(d_inode(c->temp));
	}
	if (!err)
		err = vfs_fsync(file, 0);
	fput(file);
	return err;
}

/*
 * Step 4: xattrs, owner, mode, times, origin and append-only and
 * immutable flags of the copy; the times of the parent's upper, which the
 * rename must not change (they are the user's).  The flags go to
 * LAYERFS_XATTR_PROTATTR, as in overlayfs, not to the real inode: so the
 * copy is protected before it has a name (a real immutable flag would
 * make the rename fail), and an immutable directory's children can still
 * be copied up into it.
 */
static int layerfs_copy_meta(struct layerfs_copy *c)
{
	struct path pupper = { .mnt = c->view->upper_mnt,
			       .dentry = c->parent->dentry };
	struct layerfs_origin origin;
	int err;

	err = layerfs_copy_xattrs(c->lower.dentry, c->temp, true);
	if (!err)
		err = layerfs_copy_attrs(c->temp, &c->stat);
	if (!err && c->origin_ino) {
		origin.ino = cpu_to_le64(c->origin_ino);
		origin.dev = cpu_to_le64(huge_encode_dev(c->origin_dev));
		err = layerfs_vfs_setxattr(c->temp, LAYERFS_XATTR_ORIGIN,
					   &origin, sizeof(origin), 0);
		if (!err)
			err = layerfs_set_impure(c->parent->dentry);
	}
	if (!err && c->prot)
		err = layerfs_write_protattr(c->temp, c->prot);
	if (!err)
		err = vfs_getattr(&pupper, &c->pstat, STATX_ATIME | STATX_MTIME,
				  AT_STATX_SYNC_AS_STAT);
	return err;
}

/*
 * Step 5, the point of no return: rename the copy into the parent's
 * upper.  If the name is gone meanwhile (unlinked or replaced;
 * layerfs_do_remove() drops it under li->lock), the copy only serves an
 * open file, or a removed directory still in use (an open file's parent,
 * a cwd), and must not bring the name back: it is removed from the work
 * directory instead, kept positive by the record's reference.
 */
static int layerfs_copy_move(struct layerfs_copy *c)
{
	struct dentry *workdir = c->view->workdir, *upperdir = c->parent->dentry;
	struct dentry *target, *trap;
	int err;

	if (d_unhashed(c->dentry)) {
		inode_lock_nested(d_inode(workdir), I_MUTEX_PARENT);
		if (d_is_dir(c->temp))
			err = layerfs_vfs_rmdir(d_inode(workdir), c->temp);
		else
			err = layerfs_vfs_unlink(d_inode(workdir), c->temp);
		inode_unlock(d_inode(workdir));
		return err;
	}

	trap = lock_rename(workdir, upperdir);
	/* The work directory is never an ancestor of an upper dir. */
	err = -EIO;
	if (trap)
		goto out_unlock;
	target = lookup_one_len(c->dentry->d_name.name, upperdir,
				c->dentry->d_name.len);
	err = PTR_ERR(target);
	if (IS_ERR(target))
		goto out_unlock;
	err = -EEXIST;
	if (d_is_negative(target))
		err = layerfs_vfs_rename(d_inode(workdir), c->temp,
					 d_inode(upperdir), target, 0);
	dput(target);
out_unlock:
	unlock_rename(workdir, upperdir);
	if (!err)
		layerfs_restore_times(upperdir, &c->pstat);
	return err;
}

/* Step 6: the view inode starts using the copy, @rec. */
static void layerfs_copy_publish(struct layerfs_copy *c,
				 struct layerfs_upper *rec)
{
	struct inode *inode = d_inode(c->dentry);
	struct layerfs_inode *li = LAYERFS_I(inode);

	li->origin_ino = c->origin_ino;
	li->origin_dev = c->origin_dev;
	WRITE_ONCE(li->upper_prot, c->prot);
	rec->prev = li->upper;
	/* Publish, origin first: pairs with layerfs_upper_rec(). */
	smp_store_release(&li->upper, rec);
	/* The parent's listing now comes partly from the upper. */
	layerfs_dir_changed(d_inode(c->dentry->d_parent));
	if (!S_ISDIR(c->stat.mode)) {
		/* Hash by the real inode lookups will find from now on. */
		remove_inode_hash(inode);
		__insert_inode_hash(inode, (unsigned long)d_inode(c->temp));
	}
	layerfs_copyattr(inode);
}

/* Undo steps 2-4: remove the temporary object. */
static void layerfs_copy_cleanup(struct layerfs_copy *c)
{
	struct inode *wdir = d_inode(c->view->workdir);

	inode_lock_nested(wdir, I_MUTEX_PARENT);
	if (d_is_dir(c->temp))
		layerfs_vfs_rmdir(wdir, c->temp);
	else if (d_is_positive(c->temp))
		layerfs_vfs_unlink(wdir, c->temp);
	inode_unlock(wdir);
}

/*
 * Copy one object whose parent already has a current upper, as overlayfs
 * splits ovl_copy_up_one(): prepare, temporary object, data, metadata,
 * move into place, publish.  The source is the object's topmost real one:
 * a lower object, or its upper from a committed generation.  Called with
 * the mounter's credentials, write access to the view and to the upper
 * mount, and li->lock.
 */
static int layerfs_copy_up_one(struct dentry *dentry)
{
	struct layerfs_copy c = { .dentry = dentry };
	struct layerfs_upper *rec;
	int err;

	err = layerfs_copy_prepare(&c);
	if (err)
		return err;
	err = layerfs_copy_make_temp(&c);
	if (!err)
		err = layerfs_copy_file_data(&c);
	if (!err)
		err = layerfs_copy_meta(&c);
	if (err)
		goto out_cleanup;

	/* Allocated before the move, which is the point of no return. */
	err = -ENOMEM;
	rec = layerfs_upper_alloc(dget(c.temp), c.parent->gen, NULL);
	if (!rec)
		goto out_cleanup;
	err = layerfs_copy_move(&c);
	if (err) {
		layerfs_upper_free(rec);
		goto out_cleanup;
	}
	layerfs_copy_publish(&c, rec);
	goto out_dput_temp;

out_cleanup:
	if (c.temp)
		layerfs_copy_cleanup(&c);
out_dput_temp:
	dput(c.temp);
	return err;
}

/* Copy up @dentry alone; its parent must already be in the upper. */
static int layerfs_copy_up_locked(struct dentry *dentry)
{
	struct layerfs_inode *li = LAYERFS_I(d_inode(dentry));
	int err = 0;

	mutex_lock(&li->lock);
	if (!layerfs_inode_upper(&li->vfs_inode))
		err = layerfs_copy_up_one(dentry);
	mutex_unlock(&li->lock);
	return err;
}

/*
 * Make sure @dentry has an upper object, copying up its ancestors first.
 * Returns -EROFS for a view without upper.  The caller holds write access
 * to the view (sb_start_write() or mnt_want_write() on it), which keeps a
 * commit from freezing the upper while the copy is made.
 */
int layerfs_copy_up(struct dentry *dentry)
{
	struct layerfs_view *view = LAYERFS_V(dentry->d_sb);
	const struct cred *old_cred;
	int err = 0;

	if (layerfs_inode_upper(d_inode(dentry)))
		return 0;
	if (!view->upper_mnt)
		return -EROFS;

	err = mnt_want_write(view->upper_mnt);
	if (err)
		return err;
	old_cred = layerfs_override_creds(dentry->d_sb);
	while (!err && !layerfs_inode_upper(d_inode(dentry))) {
		struct dentry *next = dget(dentry), *parent;

		/* Find the topmost ancestor still without an upper. */
		for (;;) {
			parent = dget_parent(next);
			if (layerfs_inode_upper(d_inode(parent))) {
				dput(parent);
				break;
			}
			dput(next);
			next = parent;
		}
		err = layerfs_copy_up_locked(next);
		dput(next);
	}
	revert_creds(old_cred);
	mnt_drop_write(view->upper_mnt);
	return err;
}
