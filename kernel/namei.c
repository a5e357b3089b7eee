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
 * Real lookups run with the mounter's credentials.  Layers never change
 * under a view, and its upper changes only through the view, so results
 * are cached in the dcache without revalidation.
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

const struct dentry_operations layerfs_dentry_ops = {
	.d_release = layerfs_d_release,
};

/* A real lookup: a positive or negative dentry, or an ERR_PTR. */
static struct dentry *layerfs_lookup_real(struct dentry *base,
					  const struct qstr *name)
{
	return lookup_one_unlocked(&init_user_ns, name->name, base, name->len);
}

struct layerfs_found {
	struct dentry *upper;
	bool opaque;
	unsigned int n;
	struct layerfs_lower *stack;	/* parent's numlower entries */
};

/* Look @name up in the parent's upper directory, if it has one. */
static int layerfs_lookup_upper(struct dentry *udir, const struct qstr *name,
				struct layerfs_found *f, bool *stop)
{
	struct dentry *this;

	this = layerfs_lookup_real(udir, name);
	if (IS_ERR(this))
		return PTR_ERR(this);
	if (d_is_negative(this)) {
		dput(this);
		return 0;
	}
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

/* Fall through the parent's lower stack, collecting what is visible. */
static int layerfs_lookup_lower(struct layerfs_entry *pe,
				const struct qstr *name,
				struct layerfs_found *f)
{
	struct dentry *this;
	unsigned int i;

	for (i = 0; i < pe->numlower; i++) {
		this = layerfs_lookup_real(pe->lower[i].dentry, name);
		if (IS_ERR(this))
			return PTR_ERR(this);
		if (d_is_negative(this)) {
			dput(this);
			continue;
		}
		if (layerfs_is_whiteout(this)) {
			dput(this);
			break;
		}
		/* Below a directory only directories merge. */
		if ((f->upper || f->n) && !d_is_dir(this)) {
			dput(this);
			break;
		}
		f->stack[f->n].dentry = this;
		f->stack[f->n].layer = pe->lower[i].layer;
		f->n++;
		if (!d_is_dir(this) || layerfs_is_opaque_dir(this))
			break;
	}
	return 0;
}

struct dentry *layerfs_lookup(struct inode *dir, struct dentry *dentry,
			      unsigned int flags)
{
	struct layerfs_entry *pe = LAYERFS_E(dentry->d_parent);
	struct dentry *udir = layerfs_inode_upper(dir);
	struct layerfs_found f = {};
	struct layerfs_entry *entry;
	const struct cred *old_cred;
	struct inode *inode = NULL;
	struct dentry *real;
	bool stop = false;
	unsigned int i;
	int err = 0;

	if (dentry->d_name.len > NAME_MAX)
		return ERR_PTR(-ENAMETOOLONG);

	if (pe->numlower) {
		f.stack = kvcalloc(pe->numlower, sizeof(*f.stack), GFP_KERNEL);
		if (!f.stack)
			return ERR_PTR(-ENOMEM);
	}

	old_cred = layerfs_override_creds(dentry->d_sb);
	if (udir)
		err = layerfs_lookup_upper(udir, &dentry->d_name, &f, &stop);
	if (!err && !stop && !pe->opaque)
		err = layerfs_lookup_lower(pe, &dentry->d_name, &f);
	revert_creds(old_cred);
	if (err)
		goto out_put;

	err = -ENOMEM;
	entry = layerfs_entry_alloc(f.n);
	if (!entry)
		goto out_put;
	entry->opaque = f.opaque;
	for (i = 0; i < f.n; i++)
		entry->lower[i] = f.stack[i];
	f.n = 0;	/* the entry owns the lower dentries now */

	real = f.upper ?: (entry->numlower ? entry->lower[0].dentry : NULL);
	if (real) {
		inode = layerfs_get_inode(dentry->d_sb, d_inode(real)->i_mode,
					  f.upper,
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
	dput(f.upper);
	for (i = 0; i < f.n; i++)
		dput(f.stack[i].dentry);
	kvfree(f.stack);
	return ERR_PTR(err);
}
