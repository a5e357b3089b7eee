/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kernel interfaces that differ between the two kernels layerfs
 * supports, Debian 12's 6.1 LTS and its 6.12 LTS, behind one set of
 * layerfs_* names.  This is the only file that tests LINUX_VERSION_CODE.
 *
 * - idmaps: 6.3 replaced the struct user_namespace * argument of the
 *   vfs_* calls and inode operations by a struct mnt_idmap *.  layerfs
 *   never acts through an idmapped mount (the real objects are reached
 *   through the layers' and the upper's own mounts, with the mounter's
 *   credentials), so the wrappers pass the identity mapping; operations
 *   layerfs implements take a struct layerfs_idmap *.
 * - timestamps: 6.6 hid the inode's times behind accessors.
 * - ->getattr(): 6.8 passes AT_GETATTR_NOSEC, which vfs_getattr() refuses.
 * - freeze_super()/thaw_super(): 6.6 added the holder; commit freezes as
 *   the kernel, and refuses a view userspace froze on both kernels.
 * - generic netlink: 6.2 gave pre_doit the split ops.
 * - ->d_real(): 6.8 asks for the data or metadata dentry instead of the
 *   dentry of an inode (no file has a "fake" path any more).
 * - the real file of a view file: 6.8 replaced open_with_fake_path() by
 *   backing files (f_path is the real path; the view's is shown in maps).
 * - freeze protection: 6.8 moved file_start_write() into vfs_iter_write(),
 *   do_splice_direct() and vfs_clone_file_range(); callers must not hold
 *   it already (copy-up lets go of it around the data copy, as overlayfs).
 * - shrinkers: 6.7 allocates them; 6.8 renamed list_lru_add() of an object.
 * - removed helpers: do_clone_file_range(), generic_file_splice_read(),
 *   generic_copy_file_range(), vfs_set_acl_prepare().
 * - POSIX ACLs: since 6.2 the VFS hands ACLs to ->set_acl() and
 *   ->get_inode_acl() rather than to xattr handlers, and vfs_getxattr()
 *   and friends refuse ACL names: the xattr wrappers below route them to
 *   vfs_get_acl()/vfs_set_acl()/vfs_remove_acl(), converting to and from
 *   the xattr form, so layerfs code handles ACLs as xattrs on both.
 * - security_inode_copy_up_xattr(): 6.12 passes the source dentry too, and
 *   an LSM discards an xattr with -ECANCELED where 6.1's returned 1.
 */
#ifndef _LAYERFS_COMPAT_H
#define _LAYERFS_COMPAT_H

#include <linux/capability.h>
#include <linux/fileattr.h>
#include <linux/fs.h>
#include <linux/namei.h>
#include <linux/posix_acl.h>
#include <linux/posix_acl_xattr.h>
#include <linux/security.h>
#include <linux/list_lru.h>
#include <linux/shrinker.h>
#include <linux/slab.h>
#include <linux/splice.h>
#include <linux/version.h>
#include <linux/xattr.h>

/* LAYERFS_612: the 6.12 interfaces, else 6.1's; nothing else is known. */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 12, 0) && \
	LINUX_VERSION_CODE < KERNEL_VERSION(6, 13, 0)
#define LAYERFS_612 1
#include <linux/backing-file.h>
#elif LINUX_VERSION_CODE >= KERNEL_VERSION(6, 1, 0) && \
	LINUX_VERSION_CODE < KERNEL_VERSION(6, 2, 0)
#define LAYERFS_612 0
#else
#error "layerfs supports the 6.1 and 6.12 LTS kernels only"
#endif

/* Idmaps */

#if LAYERFS_612
#define layerfs_idmap		mnt_idmap
#define LAYERFS_NOP_IDMAP	(&nop_mnt_idmap)
#else
#define layerfs_idmap		user_namespace
#define LAYERFS_NOP_IDMAP	(&init_user_ns)
#endif

static inline struct dentry *layerfs_lookup_one_unlocked(const char *name,
							 struct dentry *base,
							 int len)
{
	return lookup_one_unlocked(LAYERFS_NOP_IDMAP, name, base, len);
}

static inline int layerfs_inode_permission(struct inode *inode, int mask)
{
	return inode_permission(LAYERFS_NOP_IDMAP, inode, mask);
}

static inline int layerfs_generic_permission(struct inode *inode, int mask)
{
	return generic_permission(LAYERFS_NOP_IDMAP, inode, mask);
}

static inline bool layerfs_inode_owner_or_capable(const struct inode *inode)
{
	return inode_owner_or_capable(LAYERFS_NOP_IDMAP, inode);
}

static inline bool layerfs_capable_wrt_inode(const struct inode *inode,
					     int cap)
{
	return capable_wrt_inode_uidgid(LAYERFS_NOP_IDMAP, inode, cap);
}

static inline int layerfs_setattr_prepare(struct dentry *dentry,
					  struct iattr *attr)
{
	return setattr_prepare(LAYERFS_NOP_IDMAP, dentry, attr);
}

/* The caller holds the inode lock of @dentry. */
static inline int layerfs_notify_change(struct dentry *dentry,
					struct iattr *attr)
{
	return notify_change(LAYERFS_NOP_IDMAP, dentry, attr, NULL);
}

static inline int layerfs_vfs_create(struct inode *dir, struct dentry *dentry,
				     umode_t mode)
{
	return vfs_create(LAYERFS_NOP_IDMAP, dir, dentry, mode, true);
}

static inline int layerfs_vfs_mkdir(struct inode *dir, struct dentry *dentry,
				    umode_t mode)
{
	return vfs_mkdir(LAYERFS_NOP_IDMAP, dir, dentry, mode);
}

static inline int layerfs_vfs_mknod(struct inode *dir, struct dentry *dentry,
				    umode_t mode, dev_t rdev)
{
	return vfs_mknod(LAYERFS_NOP_IDMAP, dir, dentry, mode, rdev);
}

static inline int layerfs_vfs_symlink(struct inode *dir, struct dentry *dentry,
				      const char *target)
{
	return vfs_symlink(LAYERFS_NOP_IDMAP, dir, dentry, target);
}

static inline int layerfs_vfs_whiteout(struct inode *dir, struct dentry *dentry)
{
	return vfs_whiteout(LAYERFS_NOP_IDMAP, dir, dentry);
}

static inline int layerfs_vfs_link(struct dentry *old, struct inode *dir,
				   struct dentry *new)
{
	return vfs_link(old, LAYERFS_NOP_IDMAP, dir, new, NULL);
}

static inline int layerfs_vfs_unlink(struct inode *dir, struct dentry *dentry)
{
	return vfs_unlink(LAYERFS_NOP_IDMAP, dir, dentry, NULL);
}

static inline int layerfs_vfs_rmdir(struct inode *dir, struct dentry *dentry)
{
	return vfs_rmdir(LAYERFS_NOP_IDMAP, dir, dentry);
}

/* The caller holds lock_rename() of both directories. */
static inline int layerfs_vfs_rename(struct inode *old_dir,
				     struct dentry *old_dentry,
				     struct inode *new_dir,
				     struct dentry *new_dentry,
				     unsigned int flags)
{
	struct renamedata rd = {
#if LAYERFS_612
		.old_mnt_idmap = LAYERFS_NOP_IDMAP,
		.new_mnt_idmap = LAYERFS_NOP_IDMAP,
#else
		.old_mnt_userns = LAYERFS_NOP_IDMAP,
		.new_mnt_userns = LAYERFS_NOP_IDMAP,
#endif
		.old_dir = old_dir,
		.old_dentry = old_dentry,
		.new_dir = new_dir,
		.new_dentry = new_dentry,
		.flags = flags,
	};

	return vfs_rename(&rd);
}

/*
 * getattr of a real object, for ->getattr(): 6.12 passes it
 * AT_GETATTR_NOSEC (the LSM checked the view's path), which vfs_getattr()
 * refuses; the real object is then read without a second check.
 */
static inline int layerfs_vfs_getattr(const struct path *path,
				      struct kstat *stat, u32 request_mask,
				      unsigned int flags)
{
#if LAYERFS_612
	if (flags & AT_GETATTR_NOSEC)
		return vfs_getattr_nosec(path, stat, request_mask, flags);
#endif
	return vfs_getattr(path, stat, request_mask, flags);
}

static inline int layerfs_vfs_fileattr_set(struct dentry *dentry,
					   struct fileattr *fa)
{
	return vfs_fileattr_set(LAYERFS_NOP_IDMAP, dentry, fa);
}

/* Xattrs, ACL names included (see the top of this file) */

static inline bool layerfs_is_acl_xattr(const char *name)
{
	return !strcmp(name, XATTR_NAME_POSIX_ACL_ACCESS) ||
	       !strcmp(name, XATTR_NAME_POSIX_ACL_DEFAULT);
}

static inline ssize_t layerfs_vfs_getxattr(struct dentry *dentry,
					   const char *name, void *value,
					   size_t size)
{
#if LAYERFS_612
	struct posix_acl *acl;
	ssize_t ret;

	if (layerfs_is_acl_xattr(name)) {
		acl = vfs_get_acl(LAYERFS_NOP_IDMAP, dentry, name);
		if (IS_ERR(acl))
			return PTR_ERR(acl);
		ret = posix_acl_to_xattr(&init_user_ns, acl,
					 size ? value : NULL, size);
		posix_acl_release(acl);
		return ret;
	}
#endif
	return vfs_getxattr(LAYERFS_NOP_IDMAP, dentry, name, value, size);
}

static inline int layerfs_vfs_setxattr(struct dentry *dentry, const char *name,
				       const void *value, size_t size,
				       int flags)
{
#if LAYERFS_612
	struct posix_acl *acl;
	int err;

	if (layerfs_is_acl_xattr(name)) {
		acl = posix_acl_from_xattr(&init_user_ns, value, size);
		if (IS_ERR(acl))
			return PTR_ERR(acl);
		err = vfs_set_acl(LAYERFS_NOP_IDMAP, dentry, name, acl);
		posix_acl_release(acl);
		return err;
	}
#endif
	return vfs_setxattr(LAYERFS_NOP_IDMAP, dentry, name, value, size,
			    flags);
}

static inline int layerfs_vfs_removexattr(struct dentry *dentry,
					  const char *name)
{
#if LAYERFS_612
	if (layerfs_is_acl_xattr(name))
		return vfs_remove_acl(LAYERFS_NOP_IDMAP, dentry, name);
#endif
	return vfs_removexattr(LAYERFS_NOP_IDMAP, dentry, name);
}

/*
 * What the LSMs (SELinux, Smack, EVM) say of copying xattr @name of @src,
 * a real lower object, up: 1 to leave it behind, 0 to copy it, or an error
 * that fails the copy-up; as overlayfs reads security_inode_copy_up_xattr()
 * on each kernel (6.12: discard is -ECANCELED, and 1 copies; 6.1: discard
 * is 1).  -EOPNOTSUPP: no LSM knows the name, copy it.
 */
static inline int layerfs_security_copy_up_xattr(struct dentry *src,
						 const char *name)
{
	int err;

#if LAYERFS_612
	err = security_inode_copy_up_xattr(src, name);
	if (err == -ECANCELED)
		return 1;
	if (err > 0)
		err = 0;
#else
	err = security_inode_copy_up_xattr(name);
#endif
	return err == -EOPNOTSUPP ? 0 : err;
}

/* 0 if @value (@size bytes) is a valid ACL in its xattr form. */
static inline int layerfs_acl_xattr_valid(const void *value, size_t size)
{
	struct posix_acl *acl;
	int err = 0;

#if LAYERFS_612
	acl = posix_acl_from_xattr(&init_user_ns, value, size);
	if (!IS_ERR_OR_NULL(acl))
		err = posix_acl_valid(&init_user_ns, acl);
#else
	acl = vfs_set_acl_prepare(&init_user_ns, &init_user_ns, value, size);
#endif
	if (IS_ERR(acl))
		return PTR_ERR(acl);
	posix_acl_release(acl);
	return err;
}

/* The ACL of a real inode for permission checks (NULL: none). */
static inline struct posix_acl *layerfs_get_inode_acl(struct inode *inode,
						      int type)
{
#if LAYERFS_612
	return get_inode_acl(inode, type);
#else
	return get_acl(inode, type);
#endif
}

/*
 * Where the VFS reaches a view's ACLs: inode operations (set_acl on 6.12
 * only) and, on 6.1, xattr handlers (the entries of the handler list).
 */
#if LAYERFS_612
#define LAYERFS_ACL_IOPS		\
	.get_inode_acl = layerfs_get_acl, .set_acl = layerfs_set_acl
#define LAYERFS_ACL_XATTR_HANDLERS
#else
#define LAYERFS_ACL_IOPS		.get_acl = layerfs_get_acl
#define LAYERFS_ACL_XATTR_HANDLERS	\
	&layerfs_acl_access_xattr_handler, &layerfs_acl_default_xattr_handler,
#endif

/*
 * Shrinkers: 6.7 allocates them (shrinker_alloc()); 6.1 registers a
 * struct the caller provides, allocated here.  The shrinker is memory-
 * cgroup and NUMA aware, and @lru is initialised as its per-cgroup list
 * (list_lru_init_memcg() needs the shrinker's id: after allocation,
 * before registration).  An ERR_PTR on failure, @lru untouched then.
 * 6.8 renamed list_lru_add()/list_lru_del() of an object (the cgroup and
 * node taken from the slab object holding @item) to the _obj forms.
 */
static inline struct shrinker *
layerfs_shrinker_create(const char *name, struct list_lru *lru,
			unsigned long (*count)(struct shrinker *,
					       struct shrink_control *),
			unsigned long (*scan)(struct shrinker *,
					      struct shrink_control *))
{
	struct shrinker *s;
	int err;

#if LAYERFS_612
	s = shrinker_alloc(SHRINKER_MEMCG_AWARE | SHRINKER_NUMA_AWARE, "%s",
			   name);
	if (!s)
		return ERR_PTR(-ENOMEM);
	s->count_objects = count;
	s->scan_objects = scan;
	s->seeks = DEFAULT_SEEKS;
	err = list_lru_init_memcg(lru, s);
	if (err) {
		shrinker_free(s);
		return ERR_PTR(err);
	}
	shrinker_register(s);
#else
	s = kzalloc(sizeof(*s), GFP_KERNEL);
	if (!s)
		return ERR_PTR(-ENOMEM);
	s->count_objects = count;
	s->scan_objects = scan;
	s->seeks = DEFAULT_SEEKS;
	s->flags = SHRINKER_MEMCG_AWARE | SHRINKER_NUMA_AWARE;
	/*
	 * 6.1 exports no way to get the id before the shrinker is live, so
	 * the LRU starts without one and gets it once registered: nothing
	 * is added to @lru before module init returns, and the id only
	 * tells list_lru_add() which cgroup bit to set.
	 */
	err = list_lru_init_memcg(lru, NULL);
	if (err)
		goto out_free;
	err = register_shrinker(s, "%s", name);
	if (err)
		goto out_lru_destroy;
#ifdef CONFIG_MEMCG_KMEM
	lru->shrinker_id = s->id;
#endif
#endif
	return s;

#if !LAYERFS_612
out_lru_destroy:
	list_lru_destroy(lru);
out_free:
	kfree(s);
	return ERR_PTR(err);
#endif
}

/* Unregisters @s, then destroys its (empty) @lru. */
static inline void layerfs_shrinker_destroy(struct shrinker *s,
					    struct list_lru *lru)
{
#if LAYERFS_612
	shrinker_free(s);
#else
	unregister_shrinker(s);
	kfree(s);
#endif
	list_lru_destroy(lru);
}

#if LAYERFS_612
#define layerfs_lru_add_obj(lru, item)	list_lru_add_obj(lru, item)
#define layerfs_lru_del_obj(lru, item)	list_lru_del_obj(lru, item)
#else
#define layerfs_lru_add_obj(lru, item)	list_lru_add(lru, item)
#define layerfs_lru_del_obj(lru, item)	list_lru_del(lru, item)
#endif

/* Times */

static inline void layerfs_copy_times(struct inode *inode,
				      const struct inode *real)
{
#if LAYERFS_612
	inode_set_atime_to_ts(inode, inode_get_atime(real));
	inode_set_mtime_to_ts(inode, inode_get_mtime(real));
	inode_set_ctime_to_ts(inode, inode_get_ctime(real));
#else
	inode->i_atime = real->i_atime;
	inode->i_mtime = real->i_mtime;
	inode->i_ctime = real->i_ctime;
#endif
}

static inline void layerfs_set_times(struct inode *inode,
				     struct timespec64 atime,
				     struct timespec64 mtime,
				     struct timespec64 ctime)
{
#if LAYERFS_612
	inode_set_atime_to_ts(inode, atime);
	inode_set_mtime_to_ts(inode, mtime);
	inode_set_ctime_to_ts(inode, ctime);
#else
	inode->i_atime = atime;
	inode->i_mtime = mtime;
	inode->i_ctime = ctime;
#endif
}

/* Freezing a view (commit) */

/*
 * Freeze a view for a commit; -EBUSY if it is frozen already.  (6.12 would
 * share a freeze userspace made (FIFREEZE); 6.1 refuses, and so does
 * layerfs on both, short of a freeze that races with this check.)
 */
static inline int layerfs_freeze_super(struct super_block *sb)
{
#if LAYERFS_612
	if (READ_ONCE(sb->s_writers.frozen) != SB_UNFROZEN)
		return -EBUSY;
	return freeze_super(sb, FREEZE_HOLDER_KERNEL);
#else
	return freeze_super(sb);
#endif
}

static inline int layerfs_thaw_super(struct super_block *sb)
{
#if LAYERFS_612
	return thaw_super(sb, FREEZE_HOLDER_KERNEL);
#else
	return thaw_super(sb);
#endif
}

/*
 * FITHAW of a view (super_operations.thaw_super).  A view cannot be frozen
 * from userspace (it has no freeze_fs, so FIFREEZE fails), only by a
 * commit, which thaws it itself with thaw_super(): a thaw from userspace
 * is refused.  6.1's thaw_super() has no holder and would thaw the view
 * in the middle of its commit.  Emergency thaw (sysrq j) does not come
 * this way: 6.1's thaws the view all the same, and the commit then fails
 * (layerfs_commit_frozen()); 6.12's leaves a kernel holder's freeze alone.
 */
#if LAYERFS_612
static inline int layerfs_thaw_super_ioctl(struct super_block *sb,
					   enum freeze_holder who)
#else
static inline int layerfs_thaw_super_ioctl(struct super_block *sb)
#endif
{
	return READ_ONCE(sb->s_writers.frozen) == SB_UNFROZEN ? -EINVAL : -EBUSY;
}

/* Generic netlink: the ops pre_doit is given. */
#if LAYERFS_612
#define layerfs_genl_split_ops	genl_split_ops
#else
#define layerfs_genl_split_ops	genl_ops
#endif

/*
 * ->d_real(): what it is asked for (layerfs_d_real_arg), and the inode
 * whose dentry is wanted, if that is the question (6.1), else NULL (the
 * dentry that holds the data now).
 */
#if LAYERFS_612
#define layerfs_d_real_arg	enum d_real_type

static inline const struct inode *layerfs_d_real_inode(enum d_real_type want)
{
	return NULL;
}
#else
#define layerfs_d_real_arg	const struct inode *

static inline const struct inode *layerfs_d_real_inode(const struct inode *want)
{
	return want;
}
#endif

/* Real files */

/*
 * Open the real file @realpath for the view file @file: its status flags
 * are @flags, and /proc/PID/maps shows the view's path.
 */
static inline struct file *layerfs_open_backing(const struct file *file,
						int flags,
						const struct path *realpath,
						const struct cred *cred)
{
#if LAYERFS_612 && LINUX_VERSION_CODE >= KERNEL_VERSION(6, 12, 88)
	/* (6.12.88 or slightly earlier: a stable backport) */
	return backing_file_open(file, flags, realpath, cred);
#elif LAYERFS_612
	return backing_file_open(&file->f_path, flags, realpath, cred);
#else
	return open_with_fake_path(&file->f_path, flags,
				   d_inode(realpath->dentry), cred);
#endif
}

/* Write to a real file; takes its freeze protection. */
static inline ssize_t layerfs_iter_write(struct file *file,
					 struct iov_iter *iter, loff_t *ppos,
					 rwf_t flags)
{
#if LAYERFS_612
	return vfs_iter_write(file, iter, ppos, flags);
#else
	ssize_t ret;

	file_start_write(file);
	ret = vfs_iter_write(file, iter, ppos, flags);
	file_end_write(file);
	return ret;
#endif
}

/*
 * Copy-up's data copy (layerfs_clone_range() and do_splice_direct()) runs
 * between these two, with the caller's write access to the upper mount.
 * On 6.12 both take the upper's freeze protection themselves, which must
 * not nest: the caller's is let go meanwhile (the mount stays writable).
 */
static inline void layerfs_copy_data_begin(struct file *new_file)
{
#if LAYERFS_612
	sb_end_write(file_inode(new_file)->i_sb);
#endif
}

static inline void layerfs_copy_data_end(struct file *new_file)
{
#if LAYERFS_612
	sb_start_write(file_inode(new_file)->i_sb);
#endif
}

/* Reflink @len bytes from the start of @in to the start of @out. */
static inline loff_t layerfs_clone_range(struct file *in, struct file *out,
					 loff_t len)
{
#if LAYERFS_612
	return vfs_clone_file_range(in, 0, out, 0, len, 0);
#else
	return do_clone_file_range(in, 0, out, 0, len, 0);
#endif
}

/* ->splice_read() of a file whose data comes from its ->read_iter(). */
#if LAYERFS_612
#define layerfs_splice_read	copy_splice_read
#else
#define layerfs_splice_read	generic_file_splice_read
#endif

/*
 * copy_file_range() by splicing, for ->copy_file_range() (the caller of
 * which holds the freeze protection of @out).
 */
static inline ssize_t layerfs_splice_copy_range(struct file *in, loff_t pos_in,
						struct file *out,
						loff_t pos_out, size_t len,
						unsigned int flags)
{
#if LAYERFS_612
	return splice_copy_file_range(in, pos_in, out, pos_out, len);
#else
	return generic_copy_file_range(in, pos_in, out, pos_out, len, flags);
#endif
}

#endif /* _LAYERFS_COMPAT_H */
