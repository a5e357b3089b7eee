// SPDX-License-Identifier: GPL-2.0
/*
 * The list of mounted views, for listing them and for refusing to give one
 * upper (or work) directory to two views at once.
 *
 * Locking: layerfs_views and layerfs_next_view_id are protected by
 * layerfs_registry_lock, which also orders views against layer removal.
 * A view is on the list from the middle of fill_super, where it claims its
 * upper and work directories, until kill_sb; it is listed to userspace
 * only once fill_super has built it completely (@live).  What the list
 * readers use of a live view (id, names, layers, superblock) is fixed
 * before it is published, or changed by commit under the same lock.
 */
#include <linux/fs_context.h>
#include <linux/list.h>
#include <linux/mutex.h>

#include "layerfs.h"

static LIST_HEAD(layerfs_views);
static u64 layerfs_next_view_id = 1;

/*
 * Why @dentry may not become an upper, work or layer directory: it is the
 * upper or work directory of a view (-EBUSY: in use), or lies inside or
 * around one (-ELOOP, as overlayfs refuses overlapping layers: writes
 * through one would change the other behind its back).  Views still being
 * built count: their directories are claimed.  Sets *@other to the view.
 * Caller holds layerfs_registry_lock.
 */
int layerfs_view_overlap(struct dentry *dentry, struct layerfs_view **other)
{
	struct layerfs_view *view;

	lockdep_assert_held(&layerfs_registry_lock);
	list_for_each_entry(view, &layerfs_views, node) {
		struct dentry *dirs[2] = { view->upper_root,
					   view->work_orig.dentry };
		unsigned int i;

		for (i = 0; i < ARRAY_SIZE(dirs); i++) {
			if (!dirs[i])
				continue;
			*other = view;
			if (dirs[i] == dentry)
				return -EBUSY;
			if (layerfs_dir_within(dentry, dirs[i]) ||
			    layerfs_dir_within(dirs[i], dentry))
				return -ELOOP;
		}
	}
	return 0;
}

/* Checks one of a new view's writable directories; see layerfs_view_claim(). */
static int layerfs_view_check_dir(struct fs_context *fc, const char *what,
				  struct dentry *dentry)
{
	struct layerfs_layer *layer;
	struct layerfs_view *other;
	int err;

	err = layerfs_layer_overlap(dentry, &layer);
	if (err == -EBUSY) {
		/* A committed upper is a frozen layer now: never written. */
		errorfc(fc, "%s is a registered layer", what);
		return err;
	}
	if (err) {
		errorfc(fc, "%s overlaps layer '%s'", what, layer->name);
		return err;
	}
	err = layerfs_view_overlap(dentry, &other);
	if (err == -EBUSY)
		errorfc(fc, "upper or work is in use by view %llu", other->id);
	else if (err)
		errorfc(fc, "%s overlaps the upper or work of view %llu", what,
			other->id);
	return err;
}

/*
 * Give @view its id and put it on the list, claiming its upper and work
 * directories: -EBUSY or -ELOOP if they are, contain or lie inside another
 * view's, or a registered layer's.  The view is not listed to userspace
 * (layerfs_view_next()) until layerfs_view_publish().
 */
int layerfs_view_claim(struct fs_context *fc, struct layerfs_view *view)
{
	int err = 0;

	mutex_lock(&layerfs_registry_lock);
	if (view->upper_root) {
		err = layerfs_view_check_dir(fc, "upper", view->upper_root);
		if (!err)
			err = layerfs_view_check_dir(fc, "work",
						     view->work_orig.dentry);
		if (err)
			goto out_unlock;
	}
	view->id = layerfs_next_view_id++;
	list_add_tail(&view->node, &layerfs_views);
out_unlock:
	mutex_unlock(&layerfs_registry_lock);
	return err;
}

/* The view is fully built: list it (netlink dumps, commit). */
void layerfs_view_publish(struct layerfs_view *view)
{
	mutex_lock(&layerfs_registry_lock);
	view->live = true;
	mutex_unlock(&layerfs_registry_lock);
}

void layerfs_view_unpublish(struct layerfs_view *view)
{
	mutex_lock(&layerfs_registry_lock);
	if (!list_empty(&view->node))
		list_del_init(&view->node);
	mutex_unlock(&layerfs_registry_lock);
}

/*
 * The published view with the lowest id >= *@id, or NULL; sets *@id.  The
 * list is in id order.  Views still being built (or torn down after a
 * failed fill_super) are skipped: their fields are not all set.  Caller
 * holds layerfs_registry_lock.
 */
struct layerfs_view *layerfs_view_next(u64 *id)
{
	struct layerfs_view *view;

	lockdep_assert_held(&layerfs_registry_lock);
	list_for_each_entry(view, &layerfs_views, node) {
		if (view->live && view->id >= *id) {
			*id = view->id;
			return view;
		}
	}
	return NULL;
}

/*
 * The view's whole stack, top first: the layers it committed, newest
 * first, then the layers it was mounted with.  Caller holds
 * layerfs_registry_lock (or has the view frozen), so that a commit does
 * not change it meanwhile.
 */
unsigned int layerfs_view_nstack(const struct layerfs_view *view)
{
	return view->ncommitted + view->nlayers;
}

struct layerfs_layer *layerfs_view_stack(const struct layerfs_view *view,
					 unsigned int i)
{
	if (i < view->ncommitted)
		return view->committed[view->ncommitted - 1 - i];
	return view->layers[i - view->ncommitted];
}

/*
 * @layer has just got its index: every view whose stack (now, or at an
 * earlier generation) is that layer's image starts using it.  Caller
 * holds layerfs_registry_lock.  Views being built are skipped: fill_super
 * looks for an index itself.
 */
void layerfs_views_adopt(struct layerfs_layer *layer)
{
	struct layerfs_view *view;

	lockdep_assert_held(&layerfs_registry_lock);
	list_for_each_entry(view, &layerfs_views, node)
		if (view->live)
			layerfs_vindex_adopt(view, layer);
}
