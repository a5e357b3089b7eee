// SPDX-License-Identifier: GPL-2.0
/*
 * Lookup: a name falls through the upper directory and then the lower
 * stack of its parent, top first, until something decides it:
 *
 *   - a whiteout (char device 0/0) hides the name: the result is negative;
 *   - a non-directory is the result; nothing below it is consulted;
 *   - a directory is merged with the directories of that name below it,
 *     until an opaque one (trusted.overlay.opaque=y) or a non-directory,
 *     which are hidden;
 *   - a negative result in one layer passes on to the next.
 *
 * The parent's directories are its writable upper, the uppers it had in
 * generations since committed (read-only layers now), and its lower stack
 * (layerfs_dir_iter_next()).  Where the parent's lower part is a
 * directory of the view's index (kernel/index.c), that part is one probe
 * of the index, then one real lookup in the one layer that holds the name
 * (none if the index does not have it), whatever the depth of the stack;
 * the index already applied whiteouts and opaque directories, as the walk
 * would.  Real lookups run with the mounter's
 * credentials.  Layers never change under a view, its upper changes only
 * through the view, and a commit changes no name's result, so results are
 * cached in the dcache without revalidation.
 */
#include <linux/cred.h>
#include <linux/fs.h>
#include <linux/namei.h>
#include <linux/slab.h>

#include "layerfs.h"

static void layerfs_d_release(struct dentry *dentry)
{
	layerfs_entry_free(dentry->d_fsdata);
}

/*
 * The real dentry of a regular file: the one holding the data now, or on
 * 6.1, when @want names an inode, that inode's.  6.1 asks the latter when
 * a real file was opened with the view's path (open_with_fake_path()):
 * file_dentry() of that file must be the real one, or a view stacked on a
 * view would find its own dentry again and recurse.  (6.12's real files
 * have their own path; see layerfs_open_backing().)
 */
static struct dentry *layerfs_d_real(struct dentry *dentry,
				     layerfs_d_real_arg want)
{
	const struct inode *inode = layerfs_d_real_inode(want);
	struct layerfs_inode *li;
	struct layerfs_upper *u;
	struct dentry *real, *lower;

	if (!d_is_reg(dentry) || (inode && d_inode(dentry) == inode))
		return dentry;
	li = LAYERFS_I(d_inode(dentry));
	u = layerfs_upper_rec(&li->vfs_inode);
	if (u && !inode)
		return d_real(u->dentry, want);
	for (; u; u = u->prev)
		if (d_inode(u->dentry) == inode)
			return u->dentry;
	lower = layerfs_inode_lower(&li->vfs_inode);
	if (!lower)	/* none, or not looked up yet (struct layerfs_lazy) */
		return dentry;
	/* The lower may itself be a stacked file: ask it in turn. */
	real = d_real(lower, want);
	if (!inode || d_inode(real) == inode)
		return real;
	return dentry;
}

const struct dentry_operations layerfs_dentry_ops = {
	.d_release = layerfs_d_release,
	.d_real = layerfs_d_real,
};

/* A real lookup: a positive dentry, NULL if absent, or an ERR_PTR. */
static struct dentry *layerfs_lookup_real(struct dentry *base,
					  const struct qstr *name)
{
	struct dentry *this;

	this = layerfs_lookup_one_unlocked(name->name, base, name->len);
	if (!IS_ERR(this) && d_is_negative(this)) {
		dput(this);
		return NULL;
	}
	return this;
}

struct layerfs_found {
	struct layerfs_lazy *lazy;	/* the result, from the index alone */
	struct dentry *upper;
	unsigned int upper_gen;
	bool opaque;
	const struct layerfs_vindex *vi; /* the child's index directory: */
	u32 idx_dir;			/* ...where it is in @vi's index */
	bool idx_merged;
	unsigned int n;
	unsigned int max;		/* room in @stack */
	struct layerfs_lower *stack;	/* room for every parent directory */
};

/* Look @name up in the parent's writable upper directory. */
static int layerfs_lookup_upper(struct dentry *udir, const struct qstr *name,
				struct layerfs_found *f, bool *stop)
{
	struct dentry *this;

	this = layerfs_lookup_real(udir, name);
	if (IS_ERR_OR_NULL(this))
		return PTR_ERR_OR_ZERO(this);
	if (layerfs_is_whiteout(this)) {
		dput(this);
		*stop = true;
		return 0;
	}
	f->upper = this;
	if (!d_is_dir(this)) {
		*stop = true;
	} else if (layerfs_is_opaque_dir(this)) {
		f->opaque = true;
		*stop = true;
	}
	return 0;
}

/* Look @name up in one read-only directory of the parent's merge. */
static int layerfs_lookup_lower(struct dentry *dir, unsigned int layer,
				const struct qstr *name,
				struct layerfs_found *f, bool *stop)
{
	struct dentry *this;

	this = layerfs_lookup_real(dir, name);
	if (IS_ERR_OR_NULL(this))
		return PTR_ERR_OR_ZERO(this);
	*stop = true;
	if (layerfs_is_whiteout(this)) {
		dput(this);
		return 0;
	}
	/* Below a directory only directories merge. */
	if ((f->upper || f->n) && !d_is_dir(this)) {
		dput(this);
		return 0;
	}
	/* The walk yields at most f->max directories: see the caller. */
	if (WARN_ON_ONCE(f->n >= f->max)) {
		dput(this);
		return -EIO;
	}
	f->stack[f->n].dentry = this;
	f->stack[f->n].layer = layer;
	f->n++;
	if (d_is_dir(this) && !layerfs_is_opaque_dir(this))
		*stop = false;
	return 0;
}

/*
 * A name whose whole result is lower non-directory @e of index layer
 * @ilayer (view layer @layer), found in directory @pdir: its stat record,
 * if the index has one the view may show without the real object, in
 * f->lazy.  0, -ENODATA if the object must be looked up now, or -errno.
 *
 * Only for objects with one link (a view inode of several names is
 * shared, found by its real inode), not reached through an origin number
 * (E_ORIGIN: the record is not the object's identity), not in a layer
 * this view committed (those may carry origins), not device nodes (whose
 * view inodes open the device the record names), and only in views on
 * one filesystem (st_dev is then the view's).
 */
static int layerfs_lookup_lazy(const struct layerfs_vindex *vi, u32 pdir,
			       const struct layerfs_index_entry *e, u32 ilayer,
			       unsigned int layer, const struct qstr *name,
			       struct layerfs_found *f)
{
	struct layerfs_lazy *lz;
	int err;

	if (e->type == DT_DIR || e->type == DT_CHR || e->type == DT_BLK ||
	    e->flags & LAYERFS_INDEX_E_ORIGIN ||
	    layerfs_layer_committed(layer))
		return -ENODATA;
	lz = kmalloc(struct_size(lz, name, name->len), GFP_KERNEL);
	if (!lz)
		return -ENOMEM;
	err = layerfs_index_stat(vi->ix, e, &lz->st);
	if (!err && le32_to_cpu(lz->st.nlink) != 1)
		err = -ENODATA;
	if (err) {
		kfree(lz);
		return err;
	}
	lz->vi = vi;
	lz->pdir = pdir;
	lz->ilayer = ilayer;
	lz->e = *e;
	lz->name_len = name->len;
	memcpy(lz->name, name->name, name->len);
	f->lazy = lz;
	return 0;
}

/*
 * The real object of entry @e, found in index directory @pdir: by the
 * handle the index keeps for a non-directory (one inode read, however
 * deep its path) when what it gives is in the dcache below the layer's
 * directory (layerfs_index_object()), else by the directory's path in the
 * layer.  NULL if the layer does not have it.
 */
static struct dentry *layerfs_index_real(struct layerfs_view *view,
					 const struct layerfs_vindex *vi,
					 u32 pdir, u32 ilayer,
					 const struct layerfs_index_entry *e,
					 const struct qstr *name)
{
	unsigned int layer = layerfs_vindex_layer(vi, ilayer);
	struct dentry *root, *dir, *this;

	root = layerfs_vindex_ilayer(view, vi, ilayer)->path.dentry;
	this = layerfs_index_object(vi->ix, e, layerfs_lower_mnt(view, layer),
				    root);
	if (this)
		return this;
	dir = layerfs_index_dir_in(vi->ix, pdir, root);
	if (IS_ERR(dir))
		return dir;
	this = layerfs_lookup_real(dir, name);
	dput(dir);
	return this;
}

/* Whether @this is what index entry @e says the layer holds. */
static bool layerfs_index_agrees(struct layerfs_view *view,
				 const struct layerfs_vindex *vi, u32 ilayer,
				 const struct layerfs_index_entry *e,
				 struct dentry *this)
{
	if (this && !layerfs_is_whiteout(this) &&
	    d_is_dir(this) == (e->type == DT_DIR))
		return true;
	pr_warn_ratelimited("index does not match the files of layer '%s'\n",
			    layerfs_vindex_ilayer(view, vi, ilayer)->name);
	return false;
}

/*
 * The rest of the parent's merge from the view's index: the entry for
 * @name in the parent's directory there, then its stat record (a lone
 * non-directory: layerfs_lookup_lazy()) or the real object in the layer
 * holding it.  A real tree that disagrees with the index gives -EIO.
 */
static int layerfs_lookup_index(const struct layerfs_dir_iter *it,
				const struct qstr *name,
				struct layerfs_found *f)
{
	struct dentry *parent = it->dentry;
	struct layerfs_view *view = LAYERFS_V(parent->d_sb);
	struct layerfs_entry *pe = LAYERFS_E(parent);
	const struct layerfs_vindex *vi = it->vi;
	struct layerfs_index_entry e;
	struct dentry *this;
	unsigned int layer, i;
	u32 pdir, ilayer;
	int ret;

	ret = layerfs_vindex_dir(vi, parent, &pdir);
	if (ret || pdir == LAYERFS_INDEX_NONE)
		return ret;
	ret = layerfs_index_find(vi->ix, pdir, name->name, name->len, &e);
	if (ret <= 0)
		return ret;
	/* Below a directory only directories merge. */
	if ((f->upper || f->n) && e.type != DT_DIR)
		return 0;
	ilayer = le32_to_cpu(e.layer);
	if (WARN_ON_ONCE(f->n >= f->max) ||
	    ilayer >= layerfs_index_nlayers(vi->ix))
		return -EIO;
	layer = layerfs_vindex_layer(vi, ilayer);
	if (!f->upper && !f->n && view->samefs) {
		ret = layerfs_lookup_lazy(vi, pdir, &e, ilayer, layer, name, f);
		if (ret != -ENODATA)
			return ret;
	}
	/*
	 * The parent's own lower directory if it is in that layer: the
	 * topmost directory of its index part, last in its stack, or for
	 * the root, which holds every layer's root at its own number, that
	 * one.  Else by handle or path (layerfs_index_real()).
	 */
	i = pe->numlower - 1;
	if (pe->numlower > 1 && !layerfs_layer_committed(layer) &&
	    layer < pe->numlower && pe->lower[layer].layer == layer)
		i = layer;
	if (pe->numlower && pe->lower[i].layer == layer)
		this = layerfs_lookup_real(pe->lower[i].dentry, name);
	else
		this = layerfs_index_real(view, vi, pdir, ilayer, &e, name);
	if (IS_ERR(this))
		return PTR_ERR(this);
	if (!layerfs_index_agrees(view, vi, ilayer, &e, this)) {
		dput(this);
		return -EIO;
	}
	f->stack[f->n].dentry = this;
	f->stack[f->n].layer = layer;
	f->n++;
	if (e.type == DT_DIR) {
		f->idx_dir = le32_to_cpu(e.dir);
		f->idx_merged = e.flags & LAYERFS_INDEX_E_MERGED;
		f->vi = vi;
	}
	return 0;
}

/*
 * Fall through the parent's directories, top first.  @f->stack has room
 * for every directory the walk can yield (layerfs_dir_iter_max() of the
 * same iterator).
 */
static int layerfs_lookup_all(struct layerfs_dir_iter *it,
			      const struct qstr *name, struct layerfs_found *f)
{
	unsigned int layer;
	struct path path;
	bool upper, stop = false;
	int err = 0;

	while (!err && !stop &&
	       layerfs_dir_iter_next(it, &path, &layer, &upper)) {
		if (upper) {
			f->upper_gen = it->gen;
			err = layerfs_lookup_upper(path.dentry, name, f, &stop);
		} else {
			err = layerfs_lookup_lower(path.dentry, layer, name, f,
						   &stop);
		}
	}
	if (!err && !stop && it->index)
		err = layerfs_lookup_index(it, name, f);
	return err;
}

/*
 * Finds the real object of @inode if a lookup made it from an index stat
 * record alone (struct layerfs_lazy), and makes the view inode show the
 * object's own attributes.  0 (at once if there is nothing to find), or
 * -EIO if the layer no longer matches its index.  May sleep: not in RCU
 * walk.
 *
 * Locking and ordering: lz->lock serialises the callers.  The first one
 * to take it finds the object, copies its attributes (inode flags
 * included) onto the view inode, and only then publishes it in li->lower
 * with smp_store_release(), which pairs with smp_load_acquire() in
 * layerfs_inode_lower(): whoever sees li->lower set sees the attributes,
 * and a caller that finds it unset waits on lz->lock until they are
 * there, then returns.  Nothing else writes the attributes while
 * li->lower is unset (a copy-up, which would, finds the lower object here
 * first), and nothing here writes them once it is set, so a copy-up's
 * are never overwritten.  lz->lock nests inside li->lock (copy-up calls
 * this holding it); nothing of this inode is locked inside it.
 */
int layerfs_resolve(struct inode *inode)
{
	struct layerfs_inode *li = LAYERFS_I(inode);
	struct layerfs_view *view = LAYERFS_V(inode->i_sb);
	struct layerfs_lazy *lz = li->lazy;
	const struct cred *old_cred;
	struct dentry *this;
	unsigned int prot;
	struct qstr name;
	int err;

	if (!lz || layerfs_inode_lower(inode))
		return 0;
	mutex_lock(&lz->lock);
	err = 0;
	if (li->lower)		/* a racer did it while we waited */
		goto out_unlock;
	name = (struct qstr)QSTR_INIT(lz->name, lz->name_len);
	old_cred = layerfs_override_creds(inode->i_sb);
	this = layerfs_index_real(view, lz->vi, lz->pdir, lz->ilayer, &lz->e,
				  &name);
	/*
	 * NULL: the layer no longer has the object (edited behind its
	 * index's back); layerfs_index_agrees() says so below.
	 */
	err = IS_ERR_OR_NULL(this) ? PTR_ERR(this) :
	      layerfs_read_protattr(this, &prot);
	revert_creds(old_cred);
	if (err)
		goto out_put;
	if (!layerfs_index_agrees(view, lz->vi, lz->ilayer, &lz->e, this) ||
	    S_DT(d_inode(this)->i_mode) != lz->e.type ||
	    d_inode(this)->i_ino != le64_to_cpu(lz->e.ino)) {
		err = -EIO;
		goto out_put;
	}
	WRITE_ONCE(li->lower_prot, prot);
	inode->i_generation = d_inode(this)->i_generation;
	set_nlink(inode, d_inode(this)->i_nlink);
	layerfs_copyattr_from(inode, d_inode(this), prot);
	/* Last: see above.  Pairs with layerfs_inode_lower(). */
	smp_store_release(&li->lower, this);
	mutex_unlock(&lz->lock);
	return 0;

out_put:
	if (!IS_ERR(this))
		dput(this);
out_unlock:
	mutex_unlock(&lz->lock);
	return err;
}

/*
 * The VFS checks append-only and immutable on the view inode before it
 * calls us (may_delete(), vfs_link(), notify_change(), xattr_permission(),
 * inode_permission()), but an inode made from an index stat record has no
 * flags until its object is looked up (the record has none), and that may
 * happen only later in the same operation (a permission check).  So the
 * operations the VFS guards call this with the flags (S_APPEND,
 * S_IMMUTABLE) it refuses them for: for an inode made from a record and
 * not copied up, the object is looked up if it was not yet
 * (layerfs_resolve()), and -EPERM returned if it has one of @flags, as the
 * VFS would have.  0 at once for every other inode, whose flags the VFS
 * read right (layerfs_copyattr()), or the lookup's error.
 */
int layerfs_check_lazy_flags(struct inode *inode, unsigned int flags)
{
	struct inode *real;
	int err;

	if (!LAYERFS_I(inode)->lazy || layerfs_inode_upper(inode))
		return 0;
	err = layerfs_resolve(inode);
	if (err)
		return err;
	real = d_inode(layerfs_inode_lower(inode));
	flags &= real->i_flags | READ_ONCE(LAYERFS_I(inode)->lower_prot);
	return flags ? -EPERM : 0;
}

struct dentry *layerfs_lookup(struct inode *dir, struct dentry *dentry,
			      unsigned int flags)
{
	struct layerfs_found f = {};
	struct layerfs_entry *entry;
	struct layerfs_dir_iter it;
	const struct cred *old_cred;
	struct inode *inode = NULL;
	struct dentry *real;
	unsigned int i;
	int err = 0;

	if (dentry->d_name.len > NAME_MAX)
		return ERR_PTR(-ENAMETOOLONG);

	layerfs_dir_iter_init(&it, dentry->d_parent);
	/* The index yields at most one more than the iterator. */
	f.max = layerfs_dir_iter_max(&it) + 1;
	f.stack = kvcalloc(f.max, sizeof(*f.stack), GFP_KERNEL);
	if (!f.stack)
		return ERR_PTR(-ENOMEM);

	old_cred = layerfs_override_creds(dentry->d_sb);
	err = layerfs_lookup_all(&it, &dentry->d_name, &f);
	revert_creds(old_cred);
	if (err)
		goto out_put;

	err = -ENOMEM;
	entry = layerfs_entry_alloc(f.n);
	if (!entry)
		goto out_put;
	entry->opaque = f.opaque;
	if (f.vi)
		layerfs_idx_set(entry, f.vi, f.idx_dir, f.idx_merged);
	for (i = 0; i < f.n; i++)
		entry->lower[i] = f.stack[i];
	f.n = 0;	/* the entry owns the lower dentries now */

	real = f.upper ?: (entry->numlower ? entry->lower[0].dentry : NULL);
	if (f.lazy) {
		inode = layerfs_get_lazy_inode(dentry->d_sb, f.lazy);
		f.lazy = NULL;	/* consumed */
		if (IS_ERR(inode)) {
			layerfs_entry_free(entry);
			err = PTR_ERR(inode);
			goto out_put;
		}
	} else if (real) {
		inode = layerfs_get_inode(dentry->d_sb, d_inode(real)->i_mode,
					  f.upper, f.upper_gen,
					  entry->numlower ?
					  dget(entry->lower[0].dentry) : NULL,
					  entry->numlower ?
					  entry->lower[0].layer : 0);
		f.upper = NULL;	/* consumed by layerfs_get_inode() */
		if (IS_ERR(inode)) {
			layerfs_entry_free(entry);
			err = PTR_ERR(inode);
			goto out_put;
		}
	}
	dentry->d_fsdata = entry;
	kvfree(f.stack);
	return d_splice_alias(inode, dentry);

out_put:
	kfree(f.lazy);
	dput(f.upper);
	for (i = 0; i < f.n; i++)
		dput(f.stack[i].dentry);
	kvfree(f.stack);
	return ERR_PTR(err);
}
