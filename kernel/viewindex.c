// SPDX-License-Identifier: GPL-2.0
/*
 * Which index a view uses, and where its directories are in it.
 *
 * A view uses the index of the top layer of its stack when that stack is
 * exactly the layer's image.  At mount that is the top lower layer's.
 * After a commit it is the committed layer's, once userspace attaches one
 * (LAYERFS_CMD_LAYER_INDEX): that index covers every upper the view
 * committed as well as the layers it was mounted with, so a view that
 * has been committed N times looks names up as one that never was: its
 * writable upper, the committed uppers newer than the index (none once
 * the index of the last commit is in), then one probe of the index.
 *
 * Locking: a struct layerfs_vindex is immutable once published and lives
 * as long as the view, and so do the indexes it names (each held by a
 * layer the view uses) and the committed arrays it reads (a commit that
 * replaces view->committed retires the old one instead of freeing it).
 * Readers load view->vindex once per operation (layerfs_view_vindex())
 * and use what they loaded throughout, without locks.  Publication runs
 * under layerfs_registry_lock, which orders it against commit.
 *
 * A view dentry caches where its directory is in the index it was last
 * resolved against (layerfs_entry.idx); after the view moves to a newer
 * index, the position is found again by the dentry's path, one index
 * probe per component, and cached.  Directories with a part in an index
 * cannot be renamed (EXDEV), so those paths are stable; a directory that
 * can be renamed has no part in any index its view may use.
 */
#include <linux/dcache.h>
#include <linux/slab.h>

#include "layerfs.h"

#define LAYERFS_IDX_VER_SHIFT	33
#define LAYERFS_IDX_MERGED	(1ULL << 32)

static u64 layerfs_idx_pack(const struct layerfs_vindex *vi, u32 dir,
			    bool merged)
{
	return ((u64)vi->ver << LAYERFS_IDX_VER_SHIFT) |
	       (merged ? LAYERFS_IDX_MERGED : 0) | dir;
}

void layerfs_idx_set(struct layerfs_entry *entry,
		     const struct layerfs_vindex *vi, u32 dir, bool merged)
{
	atomic64_set(&entry->idx, layerfs_idx_pack(vi, dir, merged));
}

/* Whether the directory's part in the index it was last resolved in merges. */
bool layerfs_idx_merged(struct dentry *dentry)
{
	return atomic64_read(&LAYERFS_E(dentry)->idx) & LAYERFS_IDX_MERGED;
}

/* The view layer number (struct layerfs_lower.layer) of index layer @i. */
unsigned int layerfs_vindex_layer(const struct layerfs_vindex *vi, u32 i)
{
	if (i < vi->gen)
		return LAYERFS_LAYER_COMMITTED + (vi->gen - 1 - i);
	return i - vi->gen;
}

/* Whether @vi's index holds what lies in view layer @layer. */
bool layerfs_vindex_covers(const struct layerfs_vindex *vi, unsigned int layer)
{
	return !layerfs_layer_committed(layer) ||
	       layer - LAYERFS_LAYER_COMMITTED < vi->gen;
}

/* Index layer @i < the index's nlayers (no reference taken). */
struct layerfs_layer *layerfs_vindex_ilayer(struct layerfs_view *view,
					    const struct layerfs_vindex *vi,
					    u32 i)
{
	if (i < vi->gen)
		return vi->committed[vi->gen - 1 - i];
	return view->layers[i - vi->gen];
}

/* Whether @dentry's position in @vi's index is cached; sets *@dir. */
static bool layerfs_idx_known(const struct layerfs_vindex *vi,
			      struct dentry *dentry, u32 *dir)
{
	u64 v = atomic64_read(&LAYERFS_E(dentry)->idx);

	if ((v >> LAYERFS_IDX_VER_SHIFT) != vi->ver)
		return false;
	*dir = (u32)v;
	return true;
}

/*
 * Resolves and caches one directory from its parent's position @pdir
 * (LAYERFS_INDEX_NONE: the parent has no directory there); sets *@dir.
 */
static int layerfs_vindex_child(const struct layerfs_vindex *vi,
				struct dentry *dentry, u32 pdir, u32 *dir)
{
	struct layerfs_index_entry e;
	struct name_snapshot name;
	bool merged = false;
	int ret = 0;

	*dir = LAYERFS_INDEX_NONE;
	if (pdir != LAYERFS_INDEX_NONE) {
		take_dentry_name_snapshot(&name, dentry);
		ret = layerfs_index_find(vi->ix, pdir, name.name.name,
					 name.name.len, &e);
		release_dentry_name_snapshot(&name);
		if (ret < 0)
			return ret;
		if (ret && e.type == DT_DIR) {
			*dir = le32_to_cpu(e.dir);
			merged = e.flags & LAYERFS_INDEX_E_MERGED;
		}
	}
	layerfs_idx_set(LAYERFS_E(dentry), vi, *dir, merged);
	return 0;
}

/*
 * The levels of @dentry's path not yet known for @vi, bottom first, with
 * references, and the position of the known ancestor (or root) above
 * them in *@pdir; -EAGAIN if the path changed between the two walks.
 */
static int layerfs_vindex_chain(const struct layerfs_vindex *vi,
				struct dentry *dentry, struct dentry ***chainp,
				unsigned int *np, u32 *pdir)
{
	struct dentry **chain, *d, *p;
	unsigned int n = 0, i;
	int err = 0;

	d = dget(dentry);
	while (!IS_ROOT(d) && !layerfs_idx_known(vi, d, pdir)) {
		n++;
		p = dget_parent(d);
		dput(d);
		d = p;
	}
	dput(d);
	chain = kmalloc_array(max(n, 1U), sizeof(*chain), GFP_KERNEL);
	if (!chain)
		return -ENOMEM;
	d = dget(dentry);
	for (i = 0; i < n; i++) {
		chain[i] = d;
		d = dget_parent(d);
	}
	if (IS_ROOT(d)) {
		*pdir = 0;
		layerfs_idx_set(LAYERFS_E(d), vi, 0,
				layerfs_index_nlayers(vi->ix) > 1);
	} else if (!layerfs_idx_known(vi, d, pdir)) {
		err = -EAGAIN;
	}
	dput(d);
	if (err) {
		while (i--)
			dput(chain[i]);
		kfree(chain);
		return err;
	}
	*chainp = chain;
	*np = n;
	return 0;
}

/*
 * Where directory @dentry is in @vi's index: *@dir, LAYERFS_INDEX_NONE
 * if nothing of its path is a directory there.  Known at once unless the
 * view has moved to a newer index since the dentry was resolved; then
 * its unknown ancestors are resolved top down and cached.
 */
int layerfs_vindex_dir(const struct layerfs_vindex *vi, struct dentry *dentry,
		       u32 *dir)
{
	struct dentry **chain;
	unsigned int n, i, tries = 0;
	int err;

	if (layerfs_idx_known(vi, dentry, dir))
		return 0;
	do {
		err = layerfs_vindex_chain(vi, dentry, &chain, &n, dir);
	} while (err == -EAGAIN && ++tries < 3);
	if (err)
		return err == -EAGAIN ? -ESTALE : err;
	for (i = n; !err && i-- > 0; )
		err = layerfs_vindex_child(vi, chain[i], *dir, dir);
	for (i = 0; i < n; i++)
		dput(chain[i]);
	kfree(chain);
	return err;
}

/*
 * Makes @view use @layer's index if some generation of its stack is that
 * layer's image and the view does not use a newer one.  Caller holds
 * layerfs_registry_lock.  A failure to allocate leaves the view on the
 * index it had: lookups stay right, only slower.
 */
void layerfs_vindex_adopt(struct layerfs_view *view, struct layerfs_layer *layer)
{
	struct layerfs_vindex *cur = view->vindex, *vi;
	struct layerfs_index *ix = READ_ONCE(layer->index);
	struct layerfs_layer **image;
	unsigned int k, n, i;
	bool same = false;

	lockdep_assert_held(&layerfs_registry_lock);
	if (view->noindex || !ix || !view->nlayers)
		return;
	/*
	 * Generation k's stack is the view's stack from its entry
	 * ncommitted - k on (layerfs_view_stack()): find the k whose top
	 * is @layer, newer than the index the view uses.
	 */
	for (k = view->ncommitted + 1; k-- > (cur ? cur->gen + 1 : 0); )
		if (layerfs_view_stack(view, view->ncommitted - k) == layer)
			break;
	if (k == UINT_MAX || (cur && k <= cur->gen))
		return;
	n = k + view->nlayers;
	if (layerfs_index_nlayers(ix) != n ||
	    layerfs_image_stack(layer, NULL, 0) != n)
		return;
	image = kvmalloc_array(n, sizeof(*image), GFP_KERNEL);
	if (!image)
		return;
	layerfs_image_stack(layer, image, n);
	for (i = 0, same = true; same && i < n; i++)
		same = image[i] == layerfs_view_stack(view,
						      view->ncommitted - k + i);
	kvfree(image);
	if (!same)
		return;

	vi = kzalloc(sizeof(*vi), GFP_KERNEL);
	if (!vi)
		return;
	vi->ix = ix;
	vi->gen = k;
	vi->ver = cur ? cur->ver + 1 : 1;
	vi->committed = view->committed;
	vi->prev = cur;
	/* Pairs with layerfs_view_vindex(). */
	smp_store_release(&view->vindex, vi);
}

/*
 * Keeps @ptr (a kvmalloc'd array a commit replaced) in @r until the view
 * is freed, for readers that loaded it.  Caller holds
 * layerfs_registry_lock with the view frozen (commit).
 */
void layerfs_retire(struct layerfs_view *view, struct layerfs_retired_arr *r,
		    void *ptr)
{
	r->ptr = ptr;
	r->next = view->retired;
	view->retired = r;
}

/* Frees the view's index uses and retired arrays; the view is dying. */
void layerfs_vindex_free(struct layerfs_view *view)
{
	struct layerfs_vindex *vi, *prev;
	struct layerfs_retired_arr *r, *next;

	for (vi = view->vindex; vi; vi = prev) {
		prev = vi->prev;
		kfree(vi);
	}
	view->vindex = NULL;
	for (r = view->retired; r; r = next) {
		next = r->next;
		kvfree(r->ptr);
		kfree(r);
	}
	view->retired = NULL;
}
