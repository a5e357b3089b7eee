// SPDX-License-Identifier: GPL-2.0
/*
 * The list of mounted views, for listing them and for refusing to give one
 * upper (or work) directory to two views at once.
 *
 * Locking: layerfs_views and layerfs_next_view_id are protected by
 * layerfs_registry_lock, which also orders views against layer removal.
 * A view is on the list from the middle of fill_super until kill_sb; what
 * the list readers use of it (id, names, layers, superblock) is fixed
 * before it is published, or changed by commit under the same lock.
 */
#include <linux/fs_context.h>
#include <linux/list.h>
#include <linux/mutex.h>

#include "layerfs.h"

static LIST_HEAD(layerfs_views);
static u64 layerfs_next_view_id = 1;

/*
 * Give @view its id and publish it, claiming its upper and work
 * directories; -EBUSY if another view has either, or the upper is a
 * registered layer.
 */
int layerfs_view_publish(struct fs_context *fc, struct layerfs_view *view)
{
	struct layerfs_view *other;
	int err = 0;

	mutex_lock(&layerfs_registry_lock);
	if (view->upper_root && layerfs_dir_is_layer(view->upper_root)) {
		/* A committed upper is a frozen layer now: never written. */
		errorfc(fc, "upper is a registered layer");
		err = -EBUSY;
		goto out_unlock;
	}
	if (view->upper_root) {
		list_for_each_entry(other, &layerfs_views, node) {
			if (!other->upper_root)
				continue;
			if (other->upper_root == view->upper_root ||
			    other->work_orig.dentry == view->work_orig.dentry) {
				errorfc(fc, "upper or work is in use by view %llu",
					other->id);
				err = -EBUSY;
				goto out_unlock;
			}
		}
	}
	view->id = layerfs_next_view_id++;
	list_add_tail(&view->node, &layerfs_views);
out_unlock:
	mutex_unlock(&layerfs_registry_lock);
	return err;
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
 * list is in id order.  Caller holds layerfs_registry_lock.
 */
struct layerfs_view *layerfs_view_next(u64 *id)
{
	struct layerfs_view *view;

	lockdep_assert_held(&layerfs_registry_lock);
	list_for_each_entry(view, &layerfs_views, node) {
		if (view->id >= *id) {
			*id = view->id;
			return view;
		}
	}
	return NULL;
}

/*
 * Whether @dentry is the upper or work directory of a mounted view.
 * Caller holds layerfs_registry_lock.
 */
bool layerfs_dir_is_upper(const struct dentry *dentry)
{
	struct layerfs_view *view;

	lockdep_assert_held(&layerfs_registry_lock);
	list_for_each_entry(view, &layerfs_views, node)
		if (view->upper_root == dentry ||
		    view->work_orig.dentry == dentry)
			return true;
	return false;
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
