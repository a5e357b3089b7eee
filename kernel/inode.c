// SPDX-License-Identifier: GPL-2.0
/*
 * View inodes: creation, attributes, permission, symlinks and xattrs.
 *
 * A view inode mirrors its real object (upper if copied up, else the
 * topmost lower).  Non-directories are hashed by their real inode, so two
 * dentries of one hard-linked real file share one view inode; directories
 * get a fresh inode per lookup.  Attributes are copied from the real inode
 * at creation and after every change made through the view.
 */
#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/fs.h>
#include <linux/fileattr.h>
#include <linux/mount.h>
#include <linux/namei.h>
#include <linux/posix_acl.h>
#include <linux/posix_acl_xattr.h>
#include <linux/slab.h>
#include <linux/xattr.h>

#include "layerfs.h"

/*
 * What LAYERFS_XATTR_PROTATTR of the real object layerfs_real_inode()
 * finds gives @inode: read when that object was looked up or made, and
 * kept in step with the changes made through the view.
 */
unsigned int layerfs_inode_protattr(struct inode *inode)
{
	struct layerfs_inode *li = LAYERFS_I(inode);

	/* Pairs with the release that published the upper or the lower. */
	if (layerfs_upper_rec(inode))
		return READ_ONCE(li->upper_prot);
	return layerfs_inode_lower(inode) ? READ_ONCE(li->lower_prot) : 0;
}

/* The real inode whose attributes the view inode shows. */
static struct inode *layerfs_real_inode(struct inode *inode)
{
	struct layerfs_upper *u = layerfs_upper_rec(inode);
	struct dentry *lower;

	if (u)
		return d_inode(u->dentry);
	lower = layerfs_inode_lower(inode);
	return lower ? d_inode(lower) : NULL;
}

/* Frees record @u and every record it replaced. */
void layerfs_upper_free(struct layerfs_upper *u)
{
	while (u) {
		struct layerfs_upper *prev = u->prev;

		dput(u->dentry);
		kfree(u);
		u = prev;
	}
}

/* A new upper record holding @dentry (consumed); NULL if out of memory. */
struct layerfs_upper *layerfs_upper_alloc(struct dentry *dentry,
					  unsigned int gen,
					  struct layerfs_upper *prev)
{
	struct layerfs_upper *u;

	u = kmalloc(sizeof(*u), GFP_KERNEL);
	if (!u) {
		dput(dentry);
		return NULL;
	}
	u->dentry = dentry;
	u->gen = gen;
	u->prev = prev;
	return u;
}

/*
 * Shows the attributes of @real, whose LAYERFS_XATTR_PROTATTR gives
 * @prot, on @inode: for an object not yet published in the view inode
 * (layerfs_resolve()).
 */
void layerfs_copyattr_from(struct inode *inode, struct inode *real,
			   unsigned int prot)
{
	inode->i_uid = real->i_uid;
	inode->i_gid = real->i_gid;
	inode->i_mode = real->i_mode;
	layerfs_copy_times(inode, real);
	/* The real flags (a layer made without layerfs), and the xattr's. */
	inode->i_flags = (inode->i_flags & ~LAYERFS_PROT_FLAGS) |
			 (real->i_flags & LAYERFS_PROT_FLAGS) | prot;
	i_size_write(inode, i_size_read(real));
}

void layerfs_copyattr(struct inode *inode)
{
	struct inode *real = layerfs_real_inode(inode);

	if (real)
		layerfs_copyattr_from(inode, real,
				      layerfs_inode_protattr(inode));
}

static int layerfs_inode_test(struct inode *inode, void *data)
{
	return layerfs_real_inode(inode) == data;
}

static int layerfs_inode_set(struct inode *inode, void *data)
{
	return 0;
}

static void layerfs_init_ops(struct inode *inode, umode_t mode, dev_t rdev)
{
	inode->i_mode = mode;
#ifdef CONFIG_FS_POSIX_ACL
	/*
	 * ACLs are the real inode's, which a chmod changes (its mask entry)
	 * without telling the view: the VFS must ask layerfs_get_acl() every
	 * time rather than keep a copy on the view inode, as for overlayfs.
	 * Not for symlinks, which have no ACLs and no ->get_acl() to ask
	 * (the RCU walk would call it unchecked).
	 */
	if (!S_ISLNK(mode)) {
		inode->i_acl = ACL_DONT_CACHE;
		inode->i_default_acl = ACL_DONT_CACHE;
	}
#endif
	switch (mode & S_IFMT) {
	case S_IFREG:
		inode->i_op = &layerfs_file_inode_ops;
		inode->i_fop = &layerfs_file_ops;
		break;
	case S_IFDIR:
		inode->i_op = &layerfs_dir_inode_ops;
		inode->i_fop = &layerfs_dir_ops;
		break;
	case S_IFLNK:
		inode->i_op = &layerfs_symlink_inode_ops;
		break;
	default:
		inode->i_op = &layerfs_special_inode_ops;
		init_special_inode(inode, mode, rdev);
		break;
	}
}

/*
 * Origin inode number recorded on upper object @upper at copy-up, or 0.
 * Called with the mounter's credentials.
 */
u64 layerfs_read_origin(struct dentry *upper, dev_t *devp)
{
	struct layerfs_origin origin;

	if (layerfs_vfs_getxattr(upper, LAYERFS_XATTR_ORIGIN, &origin,
				 sizeof(origin)) != sizeof(origin))
		return 0;
	if (devp)
		*devp = huge_decode_dev(le64_to_cpu(origin.dev));
	return le64_to_cpu(origin.ino);
}

/*
 * The flags (LAYERFS_PROT_FLAGS) that LAYERFS_XATTR_PROTATTR of real
 * object @real gives, in @flags: none without one, nor, as in overlayfs,
 * for a value other than letters 'a' (append-only) and 'i' (immutable),
 * which is warned about.  0, or the error reading it.  Called with the
 * mounter's credentials.
 */
int layerfs_read_protattr(struct dentry *real, unsigned int *flags)
{
	char buf[32];
	ssize_t n, i;

	*flags = 0;
	n = layerfs_vfs_getxattr(real, LAYERFS_XATTR_PROTATTR, buf,
				 sizeof(buf));
	if (n == -ENODATA || n == -EOPNOTSUPP)
		return 0;
	if (n < 0 && n != -ERANGE)
		return n;
	for (i = 0; i < n; i++) {
		if (buf[i] == 'a')
			*flags |= S_APPEND;
		else if (buf[i] == 'i')
			*flags |= S_IMMUTABLE;
		else
			break;
	}
	if (n <= 0 || i < n) {
		pr_warn_ratelimited("layerfs: %pd2: %s value not understood (%zd bytes), ignored\n",
				    real, LAYERFS_XATTR_PROTATTR, n);
		*flags = 0;
	}
	return 0;
}

/*
 * The append-only and immutable flags of real object @real, in @flags:
 * its real inode's and its LAYERFS_XATTR_PROTATTR's.  0 or -errno.
 * Called with the mounter's credentials.
 */
int layerfs_real_protflags(struct dentry *real, unsigned int *flags)
{
	int err = layerfs_read_protattr(real, flags);

	*flags |= d_inode(real)->i_flags & LAYERFS_PROT_FLAGS;
	return err;
}

/*
 * Records @flags (LAYERFS_PROT_FLAGS) on upper object @upper in
 * LAYERFS_XATTR_PROTATTR, as overlayfs writes it ('a', 'i'), removing it
 * for none.  Called with the mounter's credentials.
 */
int layerfs_write_protattr(struct dentry *upper, unsigned int flags)
{
	char buf[2];
	int len = 0, err;

	if (flags & S_APPEND)
		buf[len++] = 'a';
	if (flags & S_IMMUTABLE)
		buf[len++] = 'i';
	if (len)
		return layerfs_vfs_setxattr(upper, LAYERFS_XATTR_PROTATTR, buf,
					    len, 0);
	err = layerfs_vfs_removexattr(upper, LAYERFS_XATTR_PROTATTR);
	return err == -ENODATA ? 0 : err;
}

/*
 * The inode number a view shows for @inode whose real one is @real_ino:
 * an upper object keeps the number of the lower object it was copied up
 * from, so st_ino and d_ino survive copy-up.
 */
u64 layerfs_ino(struct inode *inode, u64 real_ino)
{
	return LAYERFS_I(inode)->origin_ino ?: real_ino;
}

/*
 * Whether the view inode of this object is shared by every name of it.
 * A lower file with several links is copied up per name, each name then
 * being its own file (overlayfs without index does the same): its names
 * must not share a view inode.
 */
static bool layerfs_hash_inode(struct super_block *sb, struct dentry *upper,
			       struct dentry *lower)
{
	if (upper || !lower || !LAYERFS_V(sb)->upper_mnt)
		return true;
	return d_inode(lower)->i_nlink <= 1;
}

/*
 * A view whose layer is another view takes its own inode's lock, then, in
 * lookup, copy-up or layerfs_resolve(), the lock of an inode of the view
 * below: the same lock class to lockdep, which would report recursive
 * locking.  Each stacking depth gets its own classes, as overlayfs does;
 * the depth is at most FILESYSTEM_MAX_STACK_DEPTH (layerfs_fill_super
 * refuses deeper).
 */
static void layerfs_lockdep_annotate(struct inode *inode, umode_t mode)
{
#ifdef CONFIG_LOCKDEP
	static struct lock_class_key dir_key[FILESYSTEM_MAX_STACK_DEPTH];
	static struct lock_class_key file_key[FILESYSTEM_MAX_STACK_DEPTH];
	static struct lock_class_key copy_up_key[FILESYSTEM_MAX_STACK_DEPTH];
	static struct lock_class_key resolve_key[FILESYSTEM_MAX_STACK_DEPTH];
	int depth = inode->i_sb->s_stack_depth - 1;

	if (depth < 0 || depth >= FILESYSTEM_MAX_STACK_DEPTH)
		depth = 0;
	if (S_ISDIR(mode))
		lockdep_set_class(&inode->i_rwsem, &dir_key[depth]);
	else
		lockdep_set_class(&inode->i_rwsem, &file_key[depth]);
	lockdep_set_class(&LAYERFS_I(inode)->lock, &copy_up_key[depth]);
	if (LAYERFS_I(inode)->lazy)
		lockdep_set_class(&LAYERFS_I(inode)->lazy->lock,
				  &resolve_key[depth]);
#endif
}

/*
 * The view inode for a real @upper (made in generation @upper_gen) and/or
 * @lower (from layer @lower_layer).  Consumes both references, on success
 * and on failure.  Reads the origin of an object on the upper's
 * filesystem with the mounter's credentials.
 */
struct inode *layerfs_get_inode(struct super_block *sb, umode_t mode,
				struct dentry *upper, unsigned int upper_gen,
				struct dentry *lower, unsigned int lower_layer)
{
	struct inode *real = d_inode(upper ?: lower);
	struct layerfs_upper *rec = NULL;
	const struct cred *old_cred;
	struct layerfs_inode *li;
	unsigned int prot;
	struct inode *inode;
	int err;

	old_cred = layerfs_override_creds_light(sb);
	err = layerfs_read_protattr(upper ?: lower, &prot);
	layerfs_revert_creds_light(old_cred);
	if (err) {
		dput(upper);
		dput(lower);
		return ERR_PTR(err);
	}
	if (upper) {
		rec = layerfs_upper_alloc(upper, upper_gen, NULL);
		if (!rec) {
			dput(lower);
			return ERR_PTR(-ENOMEM);
		}
	}

	if (S_ISDIR(mode) || !layerfs_hash_inode(sb, upper, lower)) {
		inode = new_inode(sb);
		if (!inode)
			goto out_nomem;
	} else {
		inode = iget5_locked(sb, (unsigned long)real, layerfs_inode_test,
				     layerfs_inode_set, real);
		if (!inode)
			goto out_nomem;
		if (!(inode->i_state & I_NEW)) {
			/* Another alias of the same real file. */
			layerfs_upper_free(rec);
			dput(lower);
			return inode;
		}
	}

	layerfs_lockdep_annotate(inode, real->i_mode);
	li = LAYERFS_I(inode);
	li->upper = rec;
	li->lower = lower;
	li->lower_layer = lower_layer;
	li->upper_prot = upper ? prot : 0;
	li->lower_prot = upper ? 0 : prot;
	li->origin_ino = 0;
	if (upper || layerfs_layer_committed(lower_layer)) {
		old_cred = layerfs_override_creds(sb);
		li->origin_ino = layerfs_read_origin(upper ?: lower,
						     &li->origin_dev);
		revert_creds(old_cred);
	}
	inode->i_ino = layerfs_ino(inode, real->i_ino);
	inode->i_generation = real->i_generation;
	set_nlink(inode, real->i_nlink);
	inode->i_mapping->a_ops = &layerfs_aops;
	layerfs_init_ops(inode, real->i_mode, real->i_rdev);
	layerfs_copyattr(inode);
	if (inode->i_state & I_NEW)
		unlock_new_inode(inode);
	return inode;

out_nomem:
	layerfs_upper_free(rec);
	dput(lower);
	return ERR_PTR(-ENOMEM);
}

static struct timespec64 layerfs_ts(__le64 sec, __le32 nsec)
{
	return (struct timespec64){ .tv_sec = (s64)le64_to_cpu(sec),
				    .tv_nsec = le32_to_cpu(nsec) };
}

/*
 * The view inode of a lower non-directory a lookup found only in the
 * index, from its stat record @lz (consumed): see struct layerfs_lazy.
 * Not hashed: the object has one link, hence one name and at most one
 * view dentry.
 */
struct inode *layerfs_get_lazy_inode(struct super_block *sb,
				     struct layerfs_lazy *lz)
{
	const struct layerfs_index_stat *st = &lz->st;
	umode_t mode = le32_to_cpu(st->mode);
	struct layerfs_inode *li;
	struct inode *inode;

	inode = new_inode(sb);
	if (!inode) {
		kfree(lz);
		return ERR_PTR(-ENOMEM);
	}
	li = LAYERFS_I(inode);
	mutex_init(&lz->lock);
	li->lazy = lz;
	layerfs_lockdep_annotate(inode, mode);
	li->lower_layer = layerfs_vindex_layer(lz->vi, lz->ilayer);
	li->upper_prot = 0;
	li->lower_prot = 0;
	li->origin_ino = 0;
	inode->i_ino = le64_to_cpu(lz->e.ino);
	set_nlink(inode, le32_to_cpu(st->nlink));
	inode->i_mapping->a_ops = &layerfs_aops;
	/* No device nodes here (layerfs_lookup_lazy()): no rdev to give. */
	layerfs_init_ops(inode, mode, 0);
	inode->i_uid = make_kuid(&init_user_ns, le32_to_cpu(st->uid));
	inode->i_gid = make_kgid(&init_user_ns, le32_to_cpu(st->gid));
	layerfs_set_times(inode, layerfs_ts(st->atime, st->atime_nsec),
			  layerfs_ts(st->mtime, st->mtime_nsec),
			  layerfs_ts(st->ctime, st->ctime_nsec));
	i_size_write(inode, le64_to_cpu(st->size));
	inode->i_blocks = le64_to_cpu(st->blocks);
	return inode;
}

/*
 * stat(2) of an inode still known only by its index stat record: true if
 * answered from the record (the basic fields only; anything more looks
 * the object up).  The view is on one filesystem (layerfs_lookup_lazy()),
 * so the device is the view's.
 */
static bool layerfs_getattr_lazy(struct inode *inode, struct kstat *stat,
				 u32 request_mask)
{
	const struct layerfs_lazy *lz = LAYERFS_I(inode)->lazy;
	const struct layerfs_index_stat *st;

	if (!lz || layerfs_inode_lower(inode) || layerfs_upper_rec(inode) ||
	    request_mask & ~STATX_BASIC_STATS)
		return false;
	st = &lz->st;
	memset(stat, 0, sizeof(*stat));
	stat->result_mask = STATX_BASIC_STATS;
	stat->dev = inode->i_sb->s_dev;
	stat->ino = inode->i_ino;
	stat->mode = inode->i_mode;
	stat->nlink = inode->i_nlink;
	stat->uid = inode->i_uid;
	stat->gid = inode->i_gid;
	stat->size = i_size_read(inode);
	stat->atime = layerfs_ts(st->atime, st->atime_nsec);
	stat->mtime = layerfs_ts(st->mtime, st->mtime_nsec);
	stat->ctime = layerfs_ts(st->ctime, st->ctime_nsec);
	stat->blksize = le32_to_cpu(st->blksize);
	stat->blocks = le64_to_cpu(st->blocks);
	return true;
}

int layerfs_getattr(struct layerfs_idmap *idmap,
		    const struct path *path, struct kstat *stat,
		    u32 request_mask, unsigned int flags)
{
	struct dentry *dentry = path->dentry;
	struct layerfs_view *view = LAYERFS_V(dentry->d_sb);
	struct inode *inode = d_inode(dentry);
	const struct cred *old_cred;
	struct path realpath;
	int err;

	if (layerfs_getattr_lazy(inode, stat, request_mask))
		return 0;
	err = layerfs_path_real(dentry, &realpath);
	if (err)
		return err;
	old_cred = layerfs_override_creds_light(dentry->d_sb);
	err = layerfs_vfs_getattr(&realpath, stat, request_mask, flags);
	layerfs_revert_creds_light(old_cred);
	if (err)
		return err;

	/*
	 * With every layer on one filesystem, real inode numbers are unique:
	 * show them with the view's device.  Otherwise keep the real (or for
	 * a copied-up file, the origin's) device and number for
	 * non-directories, and give directories the view's device and inode
	 * number so that find -xdev stays inside the view.
	 */
	if (view->samefs) {
		stat->dev = dentry->d_sb->s_dev;
		stat->ino = layerfs_ino(inode, stat->ino);
	} else if (S_ISDIR(inode->i_mode)) {
		stat->dev = dentry->d_sb->s_dev;
		stat->ino = inode->i_ino;
	} else if (LAYERFS_I(inode)->origin_ino) {
		/* A copied-up file keeps its lower identity, as overlayfs. */
		stat->dev = LAYERFS_I(inode)->origin_dev;
		stat->ino = LAYERFS_I(inode)->origin_ino;
	}
	/* A merged directory's link count means nothing: say so as btrfs does. */
	if (S_ISDIR(inode->i_mode) && LAYERFS_E(dentry) &&
	    layerfs_dir_merged(dentry))
		stat->nlink = 1;
	return 0;
}

int layerfs_permission(struct layerfs_idmap *idmap, struct inode *inode,
		       int mask)
{
	struct inode *upper_inode = NULL, *real;
	struct dentry *upper = layerfs_inode_upper(inode);
	const struct cred *old_cred;
	int err;

	if (upper)
		upper_inode = d_inode(upper);
	real = layerfs_real_inode(inode);
	if (!real && LAYERFS_I(inode)->lazy && !(mask & MAY_NOT_BLOCK)) {
		/* Looks the object up. */
		err = layerfs_resolve(inode);
		if (err)
			return err;
		real = layerfs_real_inode(inode);
	}
	if (!real)
		return -ECHILD;
	/*
	 * inode_permission() refused writes to an immutable inode before it
	 * called us, but an inode made from an index stat record has its
	 * flags only once layerfs_resolve() has run, which may have been
	 * after that check (here, or in a racer): check them again.  @real
	 * was loaded with acquire, after which they are set.
	 */
	if ((mask & MAY_WRITE) && LAYERFS_I(inode)->lazy && IS_IMMUTABLE(inode))
		return -EPERM;

	/* The caller against the view inode... */
	err = layerfs_generic_permission(inode, mask);
	if (err)
		return err;

	/* ...and the mounter against the real one. */
	old_cred = layerfs_override_creds_light(inode->i_sb);
	if (!upper_inode && !special_file(real->i_mode) && (mask & MAY_WRITE)) {
		/* A write copies up: the mounter only needs to read it. */
		mask &= ~(MAY_WRITE | MAY_APPEND);
		mask |= MAY_READ;
	}
	err = layerfs_inode_permission(real, mask);
	layerfs_revert_creds_light(old_cred);
	return err;
}

/* ACLs are the real inode's, read each time (no copy on the view inode). */
struct posix_acl *layerfs_get_acl(struct inode *inode, int type, bool rcu)
{
	const struct cred *old_cred;
	struct posix_acl *acl;
	struct inode *real;
	int err;

	if (!rcu) {
		err = layerfs_resolve(inode);
		if (err)
			return ERR_PTR(err);
	}
	real = layerfs_real_inode(inode);
	if (!real)
		return rcu ? ERR_PTR(-ECHILD) : NULL;
	if (!IS_POSIXACL(real))
		return NULL;
	if (rcu)
		return get_cached_acl_rcu(real, type);
	old_cred = layerfs_override_creds(inode->i_sb);
	acl = layerfs_get_inode_acl(real, type);
	revert_creds(old_cred);
	return acl;
}

static const char *layerfs_get_link(struct dentry *dentry, struct inode *inode,
				    struct delayed_call *done)
{
	const struct cred *old_cred;
	struct path realpath;
	const char *p;
	int err;

	if (!dentry)
		return ERR_PTR(-ECHILD);
	err = layerfs_path_real(dentry, &realpath);
	if (err)
		return ERR_PTR(err);
	old_cred = layerfs_override_creds(dentry->d_sb);
	p = vfs_get_link(realpath.dentry, done);
	revert_creds(old_cred);
	return p;
}

/*
 * Whether listxattr() on a view shows name @s of the real object: never an
 * overlay-private one, and a trusted.* one only to a caller who could list
 * it on the real filesystem (CAP_SYS_ADMIN, @trusted).  The real list is
 * made with the mounter's credentials, which may list them all.
 */
static bool layerfs_can_list(const char *s, bool trusted)
{
	if (layerfs_is_private_xattr(s))
		return false;
	return trusted || strncmp(s, XATTR_TRUSTED_PREFIX,
				  XATTR_TRUSTED_PREFIX_LEN);
}

/* Lists the real object's xattrs the caller may see (layerfs_can_list()). */
ssize_t layerfs_listxattr(struct dentry *dentry, char *list, size_t size)
{
	bool trusted = ns_capable_noaudit(&init_user_ns, CAP_SYS_ADMIN);
	const struct cred *old_cred;
	struct path realpath;
	ssize_t res, len;
	char *s;

	res = layerfs_path_real(dentry, &realpath);
	if (res)
		return res;
	old_cred = layerfs_override_creds(dentry->d_sb);
	res = vfs_listxattr(realpath.dentry, list, size);
	revert_creds(old_cred);
	if (res <= 0 || !size)
		return res;

	for (s = list, len = res; len > 0;) {
		size_t slen = strnlen(s, len) + 1;

		if (WARN_ON_ONCE(slen > len))
			return -EIO;
		len -= slen;
		if (!layerfs_can_list(s, trusted)) {
			res -= slen;
			memmove(s, s + slen, len);
		} else {
			s += slen;
		}
	}
	return res;
}

static int layerfs_xattr_get(const struct xattr_handler *handler,
			     struct dentry *dentry, struct inode *inode,
			     const char *name, void *buffer, size_t size)
{
	const struct cred *old_cred;
	struct path realpath;
	int res;

	res = layerfs_path_real(dentry, &realpath);
	if (res)
		return res;
	old_cred = layerfs_override_creds(dentry->d_sb);
	res = layerfs_vfs_getxattr(realpath.dentry, name, buffer, size);
	revert_creds(old_cred);
	return res;
}

/* Sets (or with @value NULL removes) an xattr on the copied-up object. */
static int layerfs_xattr_change(struct dentry *dentry, struct inode *inode,
				const char *name, const void *value,
				size_t size, int flags)
{
	const struct cred *old_cred;
	struct dentry *upper;
	struct path realpath;
	int err;

	/* xattr_permission() refuses changes on append-only or immutable. */
	err = layerfs_check_lazy_flags(inode, S_APPEND | S_IMMUTABLE);
	if (err)
		return err;
	if (!value && !layerfs_inode_upper(inode)) {
		/* Removing what is not there copies nothing up. */
		err = layerfs_path_real(dentry, &realpath);
		if (err)
			return err;
		old_cred = layerfs_override_creds(dentry->d_sb);
		err = layerfs_vfs_getxattr(realpath.dentry, name, NULL, 0);
		revert_creds(old_cred);
		if (err < 0)
			return err;
	}
	err = layerfs_copy_up(dentry);
	if (err)
		return err;
	upper = layerfs_inode_upper(inode);
	err = mnt_want_write(LAYERFS_V(dentry->d_sb)->upper_mnt);
	if (err)
		return err;
	old_cred = layerfs_override_creds(dentry->d_sb);
	if (value)
		err = layerfs_vfs_setxattr(upper, name, value, size, flags);
	else
		err = layerfs_vfs_removexattr(upper, name);
	revert_creds(old_cred);
	mnt_drop_write(LAYERFS_V(dentry->d_sb)->upper_mnt);
	layerfs_copyattr(inode);
	return err;
}

static int layerfs_xattr_set(const struct xattr_handler *handler,
			     struct layerfs_idmap *idmap,
			     struct dentry *dentry, struct inode *inode,
			     const char *name, const void *value, size_t size,
			     int flags)
{
	return layerfs_xattr_change(dentry, inode, name, value, size, flags);
}

static int layerfs_acl_xattr_get(const struct xattr_handler *handler,
				 struct dentry *dentry, struct inode *inode,
				 const char *name, void *buffer, size_t size)
{
	return layerfs_xattr_get(handler, dentry, inode, handler->name, buffer,
				 size);
}

/*
 * Set (or with @value NULL remove) the ACL of @type, given in its xattr
 * form.  The real ACL change runs with the mounter's credentials, so the
 * checks a filesystem makes against its caller are made here, against the
 * view inode and the real caller: owner or CAP_FOWNER, and the set-group-ID
 * bit dropped when a non-member changes the access ACL.
 */
static int layerfs_acl_change(struct dentry *dentry, int type,
			      const void *value, size_t size, int flags)
{
	struct inode *inode = d_inode(dentry);
	int err;

	if (type == ACL_TYPE_DEFAULT && !S_ISDIR(inode->i_mode))
		return value ? -EACCES : 0;
	/* As xattr_permission() and may_write_xattr() on the view inode. */
	err = layerfs_check_lazy_flags(inode, S_APPEND | S_IMMUTABLE);
	if (err)
		return err;
	if (!layerfs_inode_owner_or_capable(inode))
		return -EPERM;
	if ((inode->i_mode & S_ISGID) && type == ACL_TYPE_ACCESS &&
	    !in_group_p(inode->i_gid) &&
	    !layerfs_capable_wrt_inode(inode, CAP_FSETID)) {
		struct iattr attr = { .ia_valid = ATTR_KILL_SGID };

		err = layerfs_setattr(LAYERFS_NOP_IDMAP, dentry, &attr);
		if (err)
			return err;
	}
	/* (Nothing to forget: view inodes cache no ACL, layerfs_init_ops().) */
	return layerfs_xattr_change(dentry, inode,
				    type == ACL_TYPE_ACCESS ?
				    XATTR_NAME_POSIX_ACL_ACCESS :
				    XATTR_NAME_POSIX_ACL_DEFAULT,
				    value, size, flags);
}

/* setxattr(2) of an ACL name on 6.1 (an xattr handler): a valid ACL. */
static int layerfs_acl_xattr_set(const struct xattr_handler *handler,
				 struct layerfs_idmap *idmap,
				 struct dentry *dentry, struct inode *inode,
				 const char *name, const void *value,
				 size_t size, int flags)
{
	int err;

	if (value) {
		err = layerfs_acl_xattr_valid(value, size);
		if (err)
			return err;
	}
	return layerfs_acl_change(dentry, handler->flags, value, size, flags);
}

/* ->set_acl() on 6.12: @acl (NULL: remove) the VFS found valid. */
int layerfs_set_acl(struct layerfs_idmap *idmap, struct dentry *dentry,
		    struct posix_acl *acl, int type)
{
	size_t size = 0;
	void *value = NULL;
	int err;

	if (acl) {
		size = posix_acl_xattr_size(acl->a_count);
		value = kmalloc(size, GFP_KERNEL);
		if (!value)
			return -ENOMEM;
		err = posix_acl_to_xattr(&init_user_ns, acl, value, size);
		if (err < 0)
			goto out_free;
	}
	err = layerfs_acl_change(dentry, type, value, size, 0);
out_free:
	kfree(value);
	return err;
}

/* ACLs go through xattr handlers on 6.1 only (LAYERFS_ACL_XATTR_HANDLERS). */
static const struct xattr_handler __maybe_unused
layerfs_acl_access_xattr_handler = {
	.name = XATTR_NAME_POSIX_ACL_ACCESS,
	.flags = ACL_TYPE_ACCESS,
	.get = layerfs_acl_xattr_get,
	.set = layerfs_acl_xattr_set,
};

static const struct xattr_handler __maybe_unused
layerfs_acl_default_xattr_handler = {
	.name = XATTR_NAME_POSIX_ACL_DEFAULT,
	.flags = ACL_TYPE_DEFAULT,
	.get = layerfs_acl_xattr_get,
	.set = layerfs_acl_xattr_set,
};

static int layerfs_private_xattr_get(const struct xattr_handler *handler,
				     struct dentry *dentry, struct inode *inode,
				     const char *name, void *buffer,
				     size_t size)
{
	return -EOPNOTSUPP;
}

static int layerfs_private_xattr_set(const struct xattr_handler *handler,
				     struct layerfs_idmap *idmap,
				     struct dentry *dentry, struct inode *inode,
				     const char *name, const void *value,
				     size_t size, int flags)
{
	return -EOPNOTSUPP;
}

/* Overlay-private xattrs are invisible and untouchable through a view. */
static const struct xattr_handler layerfs_private_xattr_handler = {
	.prefix = LAYERFS_XATTR_PREFIX,
	.get = layerfs_private_xattr_get,
	.set = layerfs_private_xattr_set,
};

static const struct xattr_handler layerfs_own_xattr_handler = {
	.prefix = LAYERFS_XATTR_OWN_PREFIX,
	.get = layerfs_private_xattr_get,
	.set = layerfs_private_xattr_set,
};

static const struct xattr_handler layerfs_other_xattr_handler = {
	.prefix = "",	/* every other name */
	.get = layerfs_xattr_get,
	.set = layerfs_xattr_set,
};

const struct xattr_handler *layerfs_xattr_handlers[] = {
	LAYERFS_ACL_XATTR_HANDLERS
	&layerfs_private_xattr_handler,
	&layerfs_own_xattr_handler,
	&layerfs_other_xattr_handler,
	NULL
};

int layerfs_setattr(struct layerfs_idmap *idmap,
		    struct dentry *dentry, struct iattr *attr)
{
	struct inode *inode = d_inode(dentry);
	unsigned int vfs_flags = 0;
	const struct cred *old_cred;
	struct dentry *upper;
	int err;

	/*
	 * What notify_change() refuses on an append-only or immutable inode
	 * (before a mode it sets itself to kill set-ID bits).
	 */
	if ((attr->ia_valid & (ATTR_UID | ATTR_GID | ATTR_TIMES_SET)) ||
	    (attr->ia_valid & (ATTR_MODE | ATTR_KILL_SUID | ATTR_KILL_SGID)) ==
	    ATTR_MODE)
		vfs_flags = S_APPEND | S_IMMUTABLE;
	else if (attr->ia_valid & ATTR_TOUCH)
		vfs_flags = S_IMMUTABLE;
	err = layerfs_check_lazy_flags(inode, vfs_flags);
	if (err)
		return err;
	/* The checks below read the real object's attributes. */
	err = layerfs_resolve(inode);
	if (err)
		return err;
	err = layerfs_setattr_prepare(dentry, attr);
	if (err)
		return err;
	err = layerfs_copy_up(dentry);
	if (err)
		return err;
	upper = layerfs_inode_upper(inode);

	/* The view's file, not the real one, is what the caller truncates. */
	if (attr->ia_valid & (ATTR_KILL_SUID | ATTR_KILL_SGID))
		attr->ia_valid &= ~ATTR_MODE;
	attr->ia_valid &= ~ATTR_FILE;

	err = mnt_want_write(LAYERFS_V(dentry->d_sb)->upper_mnt);
	if (err)
		return err;
	inode_lock(d_inode(upper));
	old_cred = layerfs_override_creds(dentry->d_sb);
	err = layerfs_notify_change(upper, attr);
	revert_creds(old_cred);
	if (!err)
		layerfs_copyattr(inode);
	inode_unlock(d_inode(upper));
	mnt_drop_write(LAYERFS_V(dentry->d_sb)->upper_mnt);
	return err;
}

/*
 * FS_IOC_GETFLAGS and FS_IOC_FSGETXATTR: the real object's, with the
 * view inode's append-only and immutable flags, which may be kept in
 * LAYERFS_XATTR_PROTATTR rather than in the real inode.
 */
int layerfs_fileattr_get(struct dentry *dentry, struct fileattr *fa)
{
	struct inode *inode = d_inode(dentry);
	const struct cred *old_cred;
	struct path realpath;
	int err;

	err = layerfs_path_real(dentry, &realpath);
	if (err)
		return err;
	old_cred = layerfs_override_creds(dentry->d_sb);
	err = vfs_fileattr_get(realpath.dentry, fa);
	revert_creds(old_cred);
	if (err)
		return err;
	if (IS_APPEND(inode)) {
		fa->flags |= FS_APPEND_FL;
		fa->fsx_xflags |= FS_XFLAG_APPEND;
	}
	if (IS_IMMUTABLE(inode)) {
		fa->flags |= FS_IMMUTABLE_FL;
		fa->fsx_xflags |= FS_XFLAG_IMMUTABLE;
	}
	return 0;
}

/*
 * The caller passed the VFS checks on the view inode: copy up, then set,
 * as overlayfs does: the append-only and immutable flags go to
 * LAYERFS_XATTR_PROTATTR (last: an upper with the real flags, which an
 * older layerfs set, refuses xattr changes until they are cleared), every
 * other flag to the real inode, which loses any real append-only or
 * immutable flag.  The flags change only if everything else did.
 */
int layerfs_fileattr_set(struct layerfs_idmap *idmap,
			 struct dentry *dentry, struct fileattr *fa)
{
	struct inode *inode = d_inode(dentry);
	const struct cred *old_cred;
	unsigned int prot = 0;
	struct dentry *upper;
	int err;

	if (fa->flags & FS_APPEND_FL)
		prot |= S_APPEND;
	if (fa->flags & FS_IMMUTABLE_FL)
		prot |= S_IMMUTABLE;
	fa->flags &= ~(FS_APPEND_FL | FS_IMMUTABLE_FL);
	fa->fsx_xflags &= ~(FS_XFLAG_APPEND | FS_XFLAG_IMMUTABLE);

	err = layerfs_copy_up(dentry);
	if (err)
		return err;
	upper = layerfs_inode_upper(inode);
	err = mnt_want_write(LAYERFS_V(dentry->d_sb)->upper_mnt);
	if (err)
		return err;
	old_cred = layerfs_override_creds(dentry->d_sb);
	err = layerfs_vfs_fileattr_set(upper, fa);
	if (!err)
		err = layerfs_write_protattr(upper, prot);
	revert_creds(old_cred);
	if (!err)
		WRITE_ONCE(LAYERFS_I(inode)->upper_prot, prot);
	mnt_drop_write(LAYERFS_V(dentry->d_sb)->upper_mnt);
	layerfs_copyattr(inode);
	return err;
}

const struct inode_operations layerfs_file_inode_ops = {
	.fileattr_get = layerfs_fileattr_get,
	.fileattr_set = layerfs_fileattr_set,
	.setattr = layerfs_setattr,
	.permission = layerfs_permission,
	LAYERFS_ACL_IOPS,
	.getattr = layerfs_getattr,
	.listxattr = layerfs_listxattr,
};

const struct inode_operations layerfs_symlink_inode_ops = {
	.setattr = layerfs_setattr,
	.get_link = layerfs_get_link,
	.getattr = layerfs_getattr,
	.listxattr = layerfs_listxattr,
};

const struct inode_operations layerfs_special_inode_ops = {
	.setattr = layerfs_setattr,
	.permission = layerfs_permission,
	LAYERFS_ACL_IOPS,
	.getattr = layerfs_getattr,
	.listxattr = layerfs_listxattr,
};
