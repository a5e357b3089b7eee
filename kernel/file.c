// SPDX-License-Identifier: GPL-2.0
/*
 * Regular files: every open view file holds an open real file, and I/O,
 * mmap, fsync and the rest go straight to it, so the data lives once, in
 * the real inode's page cache, shared by every view of the same layer.
 *
 * Opening for write copies the file up first.  A file opened before a
 * copy-up (or, open for writing, before a commit: its next write copies it
 * up again) still holds the old real file; each operation checks whether
 * the real inode moved and then swaps in a file opened on the new one, so
 * later operations see the upper's data.
 */
#include <linux/cred.h>
#include <linux/fadvise.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/mount.h>
#include <linux/splice.h>
#include <linux/uio.h>

#include "layerfs.h"

/* No access-time changes or fsnotify events on the real files. */
#define LAYERFS_OPEN_FLAGS	(O_NOATIME | FMODE_NONOTIFY)

/*
 * Checks that the mounter may open @realpath as @file asks and opens it,
 * or with @check_only returns NULL once checked.  An ERR_PTR if refused.
 */
static struct file *layerfs_open_real(const struct file *file,
				      const struct path *realpath,
				      bool check_only)
{
	struct inode *realinode = d_inode(realpath->dentry);
	int flags = file->f_flags | LAYERFS_OPEN_FLAGS;
	int acc_mode = ACC_MODE(flags);
	const struct cred *old_cred;
	struct file *realfile;
	int err;

	if (flags & O_APPEND)
		acc_mode |= MAY_APPEND;
	old_cred = layerfs_override_creds(file_inode(file)->i_sb);
	err = layerfs_inode_permission(realinode, MAY_OPEN | acc_mode);
	if (err) {
		realfile = ERR_PTR(err);
	} else if (check_only) {
		realfile = NULL;
	} else {
		if (!layerfs_inode_owner_or_capable(realinode))
			flags &= ~O_NOATIME;
		/* The real file reports the view's path (e.g. in maps). */
		realfile = layerfs_open_backing(file, flags, realpath,
						current_cred());
	}
	revert_creds(old_cred);
	return realfile;
}

/* Status flags that fcntl(F_SETFL) may change on the view file. */
#define LAYERFS_SETFL_MASK	(O_APPEND | O_NONBLOCK | O_NDELAY | O_DIRECT)

/* Carry the view file's F_SETFL flags over to the real file. */
static int layerfs_sync_flags(struct file *file, struct file *realfile)
{
	unsigned int flags = file->f_flags & LAYERFS_SETFL_MASK;
	int err;

	if (((flags ^ realfile->f_flags) & O_APPEND) &&
	    IS_APPEND(file_inode(realfile)))
		return -EPERM;
	if ((flags & O_DIRECT) && !(realfile->f_mode & FMODE_CAN_ODIRECT))
		return -EINVAL;
	if (realfile->f_op->check_flags) {
		err = realfile->f_op->check_flags(flags);
		if (err)
			return err;
	}
	spin_lock(&realfile->f_lock);
	realfile->f_flags = (realfile->f_flags & ~LAYERFS_SETFL_MASK) | flags;
	realfile->f_iocb_flags = iocb_flags(realfile);
	spin_unlock(&realfile->f_lock);
	return 0;
}

/*
 * private_data of an open view file (made by layerfs_open(), or for a
 * read-only open by the first operation that needs the real file:
 * layerfs_file_data()).  @real is the real file in use, or NULL until the
 * first operation that needs one.  When the view inode's real object moves
 * (copy-up, or copy-up again after a commit) the first operation to
 * notice opens the new one and swaps it in; the one it replaces may still
 * be in use by an operation that loaded it before, so it is kept on
 * @retired until the view file is released.
 */
struct layerfs_file {
	struct file *real;		/* smp_load_acquire; set under @lock */
	spinlock_t lock;
	struct layerfs_retired *retired;	/* under @lock */
};

struct layerfs_retired {
	struct file *file;
	struct layerfs_retired *next;
};

/* Swap @newfile in for @old unless another operation already moved on. */
static struct file *layerfs_swap_real(struct layerfs_file *lf,
				      struct file *old, struct file *newfile)
{
	struct layerfs_retired *r;
	struct file *realfile;

	r = kmalloc(sizeof(*r), GFP_KERNEL);
	if (!r) {
		fput(newfile);
		return ERR_PTR(-ENOMEM);
	}
	spin_lock(&lf->lock);
	if (lf->real == old) {
		if (old) {
			r->file = old;
			r->next = lf->retired;
			lf->retired = r;
			r = NULL;
		}
		/* Pairs with smp_load_acquire() in layerfs_get_real(). */
		smp_store_release(&lf->real, newfile);
		newfile = NULL;
	}
	realfile = lf->real;
	spin_unlock(&lf->lock);
	kfree(r);
	if (newfile)
		fput(newfile);
	return realfile;
}

/*
 * file_dentry() without the ->d_real() call for the usual case, a file
 * opened on the view itself (not a real file of a view stacked on it,
 * whose path is the upper view's): once per read or write.
 */
static struct dentry *layerfs_file_dentry(const struct file *file)
{
	struct dentry *dentry = file->f_path.dentry;

	if (likely(d_inode(dentry) == file_inode(file)))
		return dentry;
	return file_dentry(file);
}

static struct layerfs_file *layerfs_file_alloc(void)
{
	struct layerfs_file *lf = kzalloc(sizeof(*lf), GFP_KERNEL);

	if (lf)
		spin_lock_init(&lf->lock);
	return lf;
}

/*
 * The file's struct layerfs_file, made by the first operation that needs
 * one if the open did not (a read-only open does not: see layerfs_open()).
 */
static struct layerfs_file *layerfs_file_data(struct file *file)
{
	struct layerfs_file *lf, *other;

	/* Pairs with cmpxchg_release() below. */
	lf = smp_load_acquire(&file->private_data);
	if (likely(lf))
		return lf;
	lf = layerfs_file_alloc();
	if (!lf)
		return ERR_PTR(-ENOMEM);
	other = cmpxchg_release(&file->private_data, NULL, lf);
	if (other) {
		kfree(lf);
		return other;
	}
	return lf;
}

/*
 * The real file to use now: the one in use, or, if the file was copied up
 * since, one newly opened on the upper.  Its status flags are the view
 * file's.  The result stays valid until the view file is released.
 */
static struct file *layerfs_get_real(struct file *file)
{
	struct layerfs_file *lf = layerfs_file_data(file);
	struct file *realfile;
	struct path realpath;
	int err;

	if (IS_ERR(lf))
		return ERR_CAST(lf);
	/* Pairs with smp_store_release() in layerfs_swap_real(). */
	realfile = smp_load_acquire(&lf->real);
	err = layerfs_path_real(layerfs_file_dentry(file), &realpath);
	if (unlikely(err))
		return ERR_PTR(err);
	if (unlikely(!realfile ||
		     file_inode(realfile) != d_inode(realpath.dentry))) {
		/* Upper dentries of view inodes stay positive; see dir.c. */
		if (WARN_ON_ONCE(d_is_negative(realpath.dentry)))
			return ERR_PTR(-EIO);
		realfile = layerfs_open_real(file, &realpath, false);
		if (IS_ERR(realfile))
			return realfile;
		realfile = layerfs_swap_real(lf, lf->real, realfile);
		if (IS_ERR(realfile))
			return realfile;
	}
	if (unlikely((file->f_flags ^ realfile->f_flags) &
		     LAYERFS_SETFL_MASK)) {
		err = layerfs_sync_flags(file, realfile);
		if (err)
			return ERR_PTR(err);
	}
	return realfile;
}

/*
 * Copy up a file opened for writing.  Copy-up needs write access to the
 * view, so that a commit cannot freeze the upper under it; the VFS holds
 * that across ->open() only when it is about to truncate (do_open()),
 * and taking it again there could deadlock against a waiting freeze.
 * It truncates only a file the open did not create: one it created
 * (FMODE_CREATED; O_TRUNC stays in f_flags) can need a copy-up too, when
 * a commit ran between the create and the open.
 */
static int layerfs_open_copy_up(struct file *file)
{
	struct super_block *sb = file_inode(file)->i_sb;
	bool held = (file->f_flags & O_TRUNC) &&
		    !(file->f_mode & FMODE_CREATED);
	int err;

	if (!held)
		sb_start_write(sb);
	err = layerfs_copy_up(file_dentry(file));
	if (!held)
		sb_end_write(sb);
	return err;
}

/*
 * Whether open(2) checked this read-only open on the real inode already:
 * may_open() asked the view inode's ->permission (layerfs_permission())
 * for MAY_OPEN and the file's access, which asked the real inode for the
 * same with the mounter's credentials.  Not so for an exec (it asks
 * MAY_EXEC), a creating open (it asks nothing more than MAY_OPEN), or a
 * kernel caller's dentry_open() that checks nothing (fanotify's, marked
 * FMODE_NONOTIFY, as are the real opens of a view stacked on this one).
 */
static bool layerfs_open_checked(const struct file *file)
{
	return !(file->f_flags & (__FMODE_EXEC | __FMODE_NONOTIFY)) &&
	       !(file->f_mode & FMODE_CREATED);
}

static int layerfs_open(struct inode *inode, struct file *file)
{
	struct layerfs_file *lf;
	bool copied_up = false, check_only;
	struct file *realfile;
	struct path realpath;
	int err;

	if (((file->f_flags & O_ACCMODE) != O_RDONLY ||
	     (file->f_flags & O_TRUNC)) && !layerfs_inode_upper(inode)) {
		err = layerfs_open_copy_up(file);
		if (err)
			return err;
		copied_up = true;
	}
	/* Done by the VFS on the view file; not again on the real one. */
	file->f_flags &= ~(O_CREAT | O_EXCL | O_NOCTTY | O_TRUNC);

	/*
	 * A read-only open checks access to the real file now and opens it
	 * when an operation first needs it (layerfs_get_real()), with its
	 * struct layerfs_file: an open and close that reads nothing (a
	 * probe, a lock file) then costs no second file.  Opens for writing,
	 * and O_DIRECT ones, which the real filesystem may refuse at open,
	 * open it now.
	 */
	check_only = (file->f_flags & O_ACCMODE) == O_RDONLY &&
		     !(file->f_flags & O_DIRECT);
	/*
	 * Not twice when open(2) has just made the check, unless this open
	 * moved the real inode (copy-up).  The real open, if any operation
	 * needs it, checks again (layerfs_open_real()).
	 */
	if (check_only && !copied_up && layerfs_open_checked(file))
		return 0;

	err = layerfs_path_real(file_dentry(file), &realpath);
	if (err)
		return err;
	realfile = layerfs_open_real(file, &realpath, check_only);
	if (IS_ERR(realfile))
		return PTR_ERR(realfile);
	if (check_only)
		return 0;
	lf = layerfs_file_alloc();
	if (!lf) {
		fput(realfile);
		return -ENOMEM;
	}
	lf->real = realfile;
	file->private_data = lf;
	return 0;
}

static int layerfs_release(struct inode *inode, struct file *file)
{
	struct layerfs_file *lf = file->private_data;
	struct layerfs_retired *r;

	if (!lf)
		return 0;
	if (lf->real)
		fput(lf->real);
	while ((r = lf->retired)) {
		lf->retired = r->next;
		fput(r->file);
		kfree(r);
	}
	kfree(lf);
	return 0;
}

static rwf_t layerfs_iocb_to_rwf(int ifl)
{
	rwf_t flags = 0;

	if (ifl & IOCB_NOWAIT)
		flags |= RWF_NOWAIT;
	if (ifl & IOCB_HIPRI)
		flags |= RWF_HIPRI;
	if (ifl & IOCB_DSYNC)
		flags |= RWF_DSYNC;
	if (ifl & IOCB_SYNC)
		flags |= RWF_SYNC;
	return flags;
}

static ssize_t layerfs_read_iter(struct kiocb *iocb, struct iov_iter *iter)
{
	struct file *file = iocb->ki_filp;
	const struct cred *old_cred;
	struct file *realfile;
	ssize_t ret;

	if (!iov_iter_count(iter))
		return 0;
	realfile = layerfs_get_real(file);
	if (IS_ERR(realfile))
		return PTR_ERR(realfile);
	if ((iocb->ki_flags & IOCB_DIRECT) &&
	    !(realfile->f_mode & FMODE_CAN_ODIRECT))
		return -EINVAL;

	/* The open view file keeps the view, and so creator_cred, alive. */
	old_cred = layerfs_override_creds_light(file_inode(file)->i_sb);
	ret = vfs_iter_read(realfile, iter, &iocb->ki_pos,
			    layerfs_iocb_to_rwf(iocb->ki_flags));
	layerfs_revert_creds_light(old_cred);
	/*
	 * A lower file's access time never changes (the real file is open
	 * O_NOATIME; layers are read-only), so, as overlayfs, only a file
	 * with an upper goes through the view's atime policy: not a call
	 * per read of an image's files.
	 */
	if (layerfs_inode_upper(file_inode(file)))
		touch_atime(&file->f_path);
	return ret;
}

/*
 * A file open for writing whose upper a commit has since frozen: copy it
 * up into the view's new upper before it changes.  Callers hold write
 * access to the view (file_start_write() or the like), so no commit runs
 * until they are done.
 */
static int layerfs_prepare_write(struct file *file)
{
	if (likely(layerfs_inode_upper(file_inode(file))))
		return 0;
	return layerfs_copy_up(file_dentry(file));
}

/*
 * Start changing the data of @file: copy it up if a commit froze it, lock
 * the view inode, clear set-id bits and capabilities as a write by anyone
 * must (with the caller's credentials: CAP_FSETID is the caller's), find
 * the real file and take the mounter's credentials to change it.  On
 * success the caller finishes with layerfs_end_change(@file, *@old_cred).
 */
static struct file *layerfs_begin_change(struct file *file,
					 const struct cred **old_cred)
{
	struct inode *inode = file_inode(file);
	struct file *realfile;
	int err;

	err = layerfs_prepare_write(file);
	if (err)
		return ERR_PTR(err);
	inode_lock(inode);
	layerfs_copyattr(inode);
	err = file_remove_privs(file);
	realfile = err ? ERR_PTR(err) : layerfs_get_real(file);
	if (IS_ERR(realfile)) {
		inode_unlock(inode);
		return realfile;
	}
	*old_cred = layerfs_override_creds(inode->i_sb);
	return realfile;
}

static void layerfs_end_change(struct file *file, const struct cred *old_cred)
{
	revert_creds(old_cred);
	layerfs_copyattr(file_inode(file));
	inode_unlock(file_inode(file));
}

static ssize_t layerfs_write_iter(struct kiocb *iocb, struct iov_iter *iter)
{
	struct file *file = iocb->ki_filp;
	int ifl = iocb->ki_flags;
	const struct cred *old_cred;
	struct file *realfile;
	ssize_t ret;

	if (!iov_iter_count(iter))
		return 0;
	realfile = layerfs_begin_change(file, &old_cred);
	if (IS_ERR(realfile))
		return PTR_ERR(realfile);
	ret = -EINVAL;
	if ((ifl & IOCB_DIRECT) && !(realfile->f_mode & FMODE_CAN_ODIRECT))
		goto out_end;
	/* The real file has the view file's O_APPEND (layerfs_get_real). */
	ifl &= ~IOCB_APPEND;

	ret = layerfs_iter_write(realfile, iter, &iocb->ki_pos,
				 layerfs_iocb_to_rwf(ifl));
out_end:
	layerfs_end_change(file, old_cred);
	return ret;
}

/*
 * splice(2) into a view file, in write(2)'s lock order: the view inode,
 * then the upper's freeze protection, then the pipe (which
 * iter_file_splice_write() on the real file locks).  The generic
 * iter_file_splice_write() on the view file would lock the pipe first and
 * the view inode inside ->write_iter(): the reverse, which lockdep reports
 * against any splice into a file of the upper's filesystem.  The caller
 * (do_splice) holds write access to the view.
 */
static ssize_t layerfs_splice_write(struct pipe_inode_info *pipe,
				    struct file *out, loff_t *ppos, size_t len,
				    unsigned int flags)
{
	const struct cred *old_cred;
	struct file *realfile;
	ssize_t ret;

	realfile = layerfs_begin_change(out, &old_cred);
	if (IS_ERR(realfile))
		return PTR_ERR(realfile);
	file_start_write(realfile);
	ret = iter_file_splice_write(pipe, realfile, ppos, len, flags);
	file_end_write(realfile);
	layerfs_end_change(out, old_cred);
	return ret;
}

static loff_t layerfs_llseek(struct file *file, loff_t offset, int whence)
{
	struct inode *inode = file_inode(file);
	const struct cred *old_cred;
	struct file *realfile;
	loff_t ret;

	/* Position-only seeks need not reach the real file. */
	if (offset == 0) {
		if (whence == SEEK_CUR)
			return file->f_pos;
		if (whence == SEEK_SET)
			return vfs_setpos(file, 0, 0);
	}

	realfile = layerfs_get_real(file);
	if (IS_ERR(realfile))
		return PTR_ERR(realfile);

	/*
	 * The real file's position is only ever this file's: sync them,
	 * under the copy-up lock as overlayfs does, not the inode lock: a
	 * view stacked on this one seeks here during its copy-up, with its
	 * upper's freeze protection held, and write(2) takes that protection
	 * under the inode lock.
	 */
	mutex_lock(&LAYERFS_I(inode)->lock);
	realfile->f_pos = file->f_pos;
	old_cred = layerfs_override_creds(inode->i_sb);
	ret = vfs_llseek(realfile, offset, whence);
	revert_creds(old_cred);
	file->f_pos = realfile->f_pos;
	mutex_unlock(&LAYERFS_I(inode)->lock);

	return ret;
}

/*
 * Remember that @inode has been mapped shared and writable, for commit's
 * check (layerfs_commit_check_maps()), so that the check looks at these
 * inodes only, not at every inode of the view.  An inode stays listed
 * until it is evicted or a commit finds it no longer mapped so.
 */
static void layerfs_track_wmap(struct layerfs_view *view, struct inode *inode)
{
	struct layerfs_inode *li = LAYERFS_I(inode);

	spin_lock(&view->wmap_lock);
	if (list_empty(&li->wmap_node))
		list_add_tail(&li->wmap_node, &view->wmapped);
	spin_unlock(&view->wmap_lock);
}

static int layerfs_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct layerfs_view *view = LAYERFS_V(file_inode(file)->i_sb);
	bool shared = vma->vm_flags & VM_SHARED;
	const struct cred *old_cred;
	struct file *realfile;
	struct dentry *upper;
	int ret;

	if (WARN_ON(file != vma->vm_file))
		return -EIO;
	/*
	 * A shared mapping of a file open for writing writes the real file
	 * directly: it must be the view's writable upper, not a file a
	 * commit has frozen since (the mapping cannot copy it up: copy-up
	 * takes locks that rank above mmap_lock).  commit_sem keeps a commit
	 * from starting between the check and the mapping.
	 */
	if (shared) {
		down_read(&view->commit_sem);
		ret = -EBUSY;
		if (!layerfs_inode_upper(file_inode(file)))
			goto out_unlock;
	}
	realfile = layerfs_get_real(file);
	if (IS_ERR(realfile)) {
		ret = PTR_ERR(realfile);
		goto out_unlock;
	}
	upper = layerfs_inode_upper(file_inode(file));
	ret = -EBUSY;
	if (shared && d_inode(upper) != file_inode(realfile))
		goto out_unlock;
	ret = -ENODEV;
	if (!realfile->f_op->mmap)
		goto out_unlock;

	/* The mapping is the real file's: one page cache for every view. */
	vma_set_file(vma, realfile);
	old_cred = layerfs_override_creds(file_inode(file)->i_sb);
	ret = call_mmap(vma->vm_file, vma);
	revert_creds(old_cred);
	if (!ret && shared && (vma->vm_flags & VM_MAYWRITE))
		layerfs_track_wmap(view, file_inode(file));
out_unlock:
	if (shared)
		up_read(&view->commit_sem);
	return ret;
}

static int layerfs_fsync(struct file *file, loff_t start, loff_t end,
			 int datasync)
{
	const struct cred *old_cred;
	struct file *realfile;
	int ret;

	/* Lower files are never written: only an upper file has dirt. */
	if (!layerfs_inode_upper(file_inode(file)))
		return 0;
	realfile = layerfs_get_real(file);
	if (IS_ERR(realfile))
		return PTR_ERR(realfile);
	old_cred = layerfs_override_creds(file_inode(file)->i_sb);
	ret = vfs_fsync_range(realfile, start, end, datasync);
	revert_creds(old_cred);
	return ret;
}

static long layerfs_fallocate(struct file *file, int mode, loff_t offset,
			      loff_t len)
{
	const struct cred *old_cred;
	struct file *realfile;
	long ret;

	realfile = layerfs_begin_change(file, &old_cred);
	if (IS_ERR(realfile))
		return PTR_ERR(realfile);
	ret = vfs_fallocate(realfile, mode, offset, len);
	layerfs_end_change(file, old_cred);
	return ret;
}

static int layerfs_fadvise(struct file *file, loff_t offset, loff_t len,
			   int advice)
{
	const struct cred *old_cred;
	struct file *realfile;
	int ret;

	realfile = layerfs_get_real(file);
	if (IS_ERR(realfile))
		return PTR_ERR(realfile);
	old_cred = layerfs_override_creds(file_inode(file)->i_sb);
	ret = vfs_fadvise(realfile, offset, len, advice);
	revert_creds(old_cred);
	return ret;
}

static int layerfs_flush(struct file *file, fl_owner_t id)
{
	struct layerfs_file *lf;
	const struct cred *old_cred;
	struct file *realfile;
	int ret = 0;

	/* Pairs with cmpxchg_release() in layerfs_file_data(). */
	lf = smp_load_acquire(&file->private_data);
	if (!lf)
		return 0;
	/* Pairs with smp_store_release() in layerfs_swap_real(). */
	realfile = smp_load_acquire(&lf->real);

	if (realfile && realfile->f_op->flush) {
		old_cred = layerfs_override_creds(file_inode(file)->i_sb);
		ret = realfile->f_op->flush(realfile, id);
		revert_creds(old_cred);
	}
	return ret;
}

/*
 * Copy between two view files: the real files' copy_file_range (reflink or
 * in-filesystem copy where the upper offers one), else a splice copy.
 */
static ssize_t layerfs_copy_file_range(struct file *file_in, loff_t pos_in,
				       struct file *file_out, loff_t pos_out,
				       size_t len, unsigned int flags)
{
	struct file *real_in, *real_out;
	const struct cred *old_cred;
	ssize_t ret;

	real_out = layerfs_begin_change(file_out, &old_cred);
	if (IS_ERR(real_out))
		return PTR_ERR(real_out);
	real_in = layerfs_get_real(file_in);
	if (IS_ERR(real_in))
		ret = PTR_ERR(real_in);
	else
		ret = vfs_copy_file_range(real_in, pos_in, real_out, pos_out,
					  len, flags);
	layerfs_end_change(file_out, old_cred);
	/* Real files on two filesystems: copy through the view files. */
	if (ret == -EXDEV || ret == -EOPNOTSUPP)
		ret = layerfs_splice_copy_range(file_in, pos_in, file_out,
						pos_out, len, flags);
	return ret;
}

const struct file_operations layerfs_file_ops = {
	.open = layerfs_open,
	.release = layerfs_release,
	.llseek = layerfs_llseek,
	.read_iter = layerfs_read_iter,
	.write_iter = layerfs_write_iter,
	.fsync = layerfs_fsync,
	.mmap = layerfs_mmap,
	.fallocate = layerfs_fallocate,
	.fadvise = layerfs_fadvise,
	.flush = layerfs_flush,
	.splice_read = layerfs_splice_read,
	.splice_write = layerfs_splice_write,
	.copy_file_range = layerfs_copy_file_range,
};

/* O_DIRECT opens are checked against this; the real file does the I/O. */
const struct address_space_operations layerfs_aops = {
	.direct_IO = noop_direct_IO,
};
