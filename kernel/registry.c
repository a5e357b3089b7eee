// SPDX-License-Identifier: GPL-2.0
/*
 * The layer registry: named, pinned, read-only layer directories.
 *
 * Locking: layerfs_registry_lock (a mutex: lookups resolve paths and may
 * sleep) protects layerfs_layers, both hash tables, layerfs_nr_layers,
 * layerfs_next_id and every layer's @views and @children counters.  A
 * layer's other fields never change after it is published, and its memory
 * lives as long as its reference count; see struct layerfs_layer.
 *
 * Invariants, under the lock: a layer is in layerfs_layers iff it is in both
 * hash tables; a parent, and every layer in another's BASE, is registered
 * as long as it has children; a layer always has a higher id than its
 * parent and the layers of its BASE, so neither can form a cycle.
 */
#include <linux/fs.h>
#include <linux/hashtable.h>
#include <linux/magic.h>
#include <linux/mount.h>
#include <linux/namei.h>
#include <linux/netlink.h>
#include <linux/slab.h>
#include <linux/stringhash.h>
#include <linux/timekeeping.h>
#include <linux/xarray.h>

#include <linux/layerfs.h>
#include <layerfs/refname.h>

#include "layerfs.h"

DEFINE_MUTEX(layerfs_registry_lock);

/* All layers by id; also the dump order. */
static DEFINE_XARRAY(layerfs_layers);
static DEFINE_HASHTABLE(layerfs_names, 12);
static DEFINE_HASHTABLE(layerfs_dirs, 12);
static unsigned int layerfs_nr_layers;
static u64 layerfs_next_id = 1;

static u32 layerfs_name_hash(const char *name)
{
	return full_name_hash(NULL, name, strlen(name));
}

/* Frees an unreferenced layer; the references it holds are the caller's. */
static void layerfs_layer_free(struct layerfs_layer *layer)
{
	layerfs_index_release(layer);
	path_put(&layer->path);
	kfree(layer->name);
	kfree(layer->path_name);
	kfree(layer->author);
	kfree(layer->message);
	kvfree(layer->base);
	kfree(layer);
}

void layerfs_layer_get(struct layerfs_layer *layer)
{
	kref_get(&layer->ref);
}

/* Queue @layer on @todo if this drops its last reference. */
static void layerfs_layer_put_one(struct layerfs_layer *layer,
				  struct list_head *todo)
{
	if (layer && refcount_dec_and_test(&layer->ref.refcount))
		list_add_tail(&layer->free_node, todo);
}

/*
 * Drop a reference.  Freeing a layer drops the references it holds on its
 * parent and its BASE; that is done with a work list, not by recursion, so
 * that releasing a long chain of layers cannot overflow the kernel stack.
 * May sleep.
 */
void layerfs_layer_put(struct layerfs_layer *layer)
{
	LIST_HEAD(todo);
	unsigned int i;

	layerfs_layer_put_one(layer, &todo);
	while (!list_empty(&todo)) {
		layer = list_first_entry(&todo, struct layerfs_layer,
					 free_node);
		list_del(&layer->free_node);
		layerfs_layer_put_one(layer->parent, &todo);
		for (i = 0; i < layer->nbase; i++)
			layerfs_layer_put_one(layer->base[i], &todo);
		layerfs_layer_free(layer);
	}
}

/*
 * The image @top names, top first: @top, then its BASE if it has one,
 * else its parent's image.  Fills at most @max entries of @out and returns
 * the full length.  Layers are immutable and hold what they point to, so
 * no lock is needed while the caller holds @top.
 */
int layerfs_image_stack(struct layerfs_layer *top,
			struct layerfs_layer **out, unsigned int max)
{
	unsigned int n = 0, i;

	while (top) {
		if (n < max)
			out[n] = top;
		n++;
		if (top->nbase) {
			for (i = 0; i < top->nbase; i++, n++)
				if (n < max)
					out[n] = top->base[i];
			break;
		}
		top = top->parent;
	}
	return n;
}

static struct layerfs_layer *layerfs_find_name(const char *name)
{
	struct layerfs_layer *layer;

	hash_for_each_possible(layerfs_names, layer, name_node,
			       layerfs_name_hash(name))
		if (!strcmp(layer->name, name))
			return layer;
	return NULL;
}

static struct layerfs_layer *layerfs_find_dir(const struct dentry *dentry)
{
	struct layerfs_layer *layer;

	hash_for_each_possible(layerfs_dirs, layer, dir_node,
			       hash_ptr(dentry, 32))
		if (layer->path.dentry == dentry)
			return layer;
	return NULL;
}

/*
 * Look a layer up by name, or by id when @name is NULL.  The caller holds
 * layerfs_registry_lock; the result is valid until it drops it.
 */
struct layerfs_layer *layerfs_layer_find(const char *name, u64 id)
{
	lockdep_assert_held(&layerfs_registry_lock);
	if (name)
		return layerfs_find_name(name);
	return xa_load(&layerfs_layers, id);
}

/*
 * The registered layer with the lowest id >= *@id, or NULL; *@id is set to
 * that layer's id.  The caller holds layerfs_registry_lock.
 */
struct layerfs_layer *layerfs_layer_next(u64 *id)
{
	unsigned long index = *id;
	struct layerfs_layer *layer;

	lockdep_assert_held(&layerfs_registry_lock);
	layer = xa_find(&layerfs_layers, &index, ULONG_MAX, XA_PRESENT);
	if (layer)
		*id = index;
	return layer;
}

/* Filesystems whose directories are views of kernel state, not files. */
static bool layerfs_pseudo_fs(const struct super_block *sb)
{
	switch (sb->s_magic) {
	case PROC_SUPER_MAGIC:
	case SYSFS_MAGIC:
	case DEBUGFS_MAGIC:
	case TRACEFS_MAGIC:
	case SECURITYFS_MAGIC:
	case CGROUP_SUPER_MAGIC:
	case CGROUP2_SUPER_MAGIC:
	case BPF_FS_MAGIC:
	case DEVPTS_SUPER_MAGIC:
	case PSTOREFS_MAGIC:
	case EFIVARFS_MAGIC:
	case NSFS_MAGIC:
		return true;
	}
	return false;
}

/* Resolve and check the layer directory; on success @path is pinned. */
static int layerfs_resolve_dir(const char *name, struct path *path,
			       struct netlink_ext_ack *extack)
{
	int err;

	if (name[0] != '/') {
		NL_SET_ERR_MSG(extack, "layer path must be absolute");
		return -EINVAL;
	}
	err = kern_path(name, LOOKUP_FOLLOW | LOOKUP_DIRECTORY, path);
	if (err == -ENOENT)
		NL_SET_ERR_MSG(extack, "layer path does not exist");
	else if (err == -ENOTDIR)
		NL_SET_ERR_MSG(extack, "layer path is not a directory");
	else if (err)
		NL_SET_ERR_MSG(extack, "cannot resolve layer path");
	if (err)
		return err;

	err = -ENOTDIR;
	if (!d_is_dir(path->dentry)) {
		NL_SET_ERR_MSG(extack, "layer path is not a directory");
		goto out_put_path;
	}
	/* Real calls use the identity idmap (compat.h): no idmapped layers. */
	err = -EINVAL;
	if (is_idmapped_mnt(path->mnt)) {
		NL_SET_ERR_MSG(extack,
			       "layer path is on an idmapped mount (not supported)");
		goto out_put_path;
	}
	err = -EOPNOTSUPP;
	if (layerfs_pseudo_fs(path->dentry->d_sb)) {
		NL_SET_ERR_MSG(extack,
			       "layer path is on a pseudo filesystem (proc, sysfs, ...)");
		goto out_put_path;
	}
	/* A view on this layer sits one level above the layer's own fs. */
	err = -ELOOP;
	if (path->dentry->d_sb->s_stack_depth >= FILESYSTEM_MAX_STACK_DEPTH) {
		NL_SET_ERR_MSG(extack,
			       "layer path is stacked too deep (FILESYSTEM_MAX_STACK_DEPTH)");
		goto out_put_path;
	}
	return 0;

out_put_path:
	path_put(path);
	return err;
}

char *layerfs_path_string(const struct path *path)
{
	char *buf, *p, *res;

	buf = kmalloc(PATH_MAX, GFP_KERNEL);
	if (!buf)
		return NULL;
	p = d_path(path, buf, PATH_MAX);
	res = IS_ERR(p) ? NULL : kstrdup(p, GFP_KERNEL);
	kfree(buf);
	return res;
}

/*
 * Why @dentry may not become an upper, work or layer directory because of
 * a registered layer: it is one (-EBUSY), or lies inside or around one
 * (-ELOOP); *@layerp is set to that layer.  Registry lock.
 */
int layerfs_layer_overlap(struct dentry *dentry,
			  struct layerfs_layer **layerp)
{
	struct layerfs_layer *layer;
	unsigned long id;

	lockdep_assert_held(&layerfs_registry_lock);
	layer = layerfs_find_dir(dentry);
	if (layer) {
		*layerp = layer;
		return -EBUSY;
	}
	xa_for_each(&layerfs_layers, id, layer) {
		if (layerfs_dir_within(layer->path.dentry, dentry) ||
		    layerfs_dir_within(dentry, layer->path.dentry)) {
			*layerp = layer;
			return -ELOOP;
		}
	}
	return 0;
}

/* Resolve spec->base_ids into layer->base (no references yet). */
static int layerfs_layer_find_base(struct layerfs_layer *layer,
				   const struct layerfs_layer_spec *spec,
				   struct netlink_ext_ack *extack)
{
	unsigned int i;

	for (i = 0; i < spec->nbase; i++) {
		layer->base[i] = xa_load(&layerfs_layers, spec->base_ids[i]);
		if (!layer->base[i]) {
			NL_SET_ERR_MSG(extack, "no such layer in BASE");
			return -ENOENT;
		}
	}
	return 0;
}

/*
 * Checks that need the registry, then publication.  Called with
 * layerfs_registry_lock held; on success the registry owns the initial
 * reference of @layer, and @layer holds its parent and BASE.
 */
int layerfs_layer_publish(struct layerfs_layer *layer,
			  const struct layerfs_layer_spec *spec,
			  struct netlink_ext_ack *extack)
{
	struct layerfs_layer *parent = NULL;
	unsigned int i;
	int err;

	lockdep_assert_held(&layerfs_registry_lock);
	if (layerfs_nr_layers >= LAYERFS_LAYERS_MAX) {
		NL_SET_ERR_MSG(extack, "registry is full (LAYERFS_LAYERS_MAX)");
		return -ENOSPC;
	}
	if (layerfs_find_name(layer->name)) {
		NL_SET_ERR_MSG(extack, "a layer of that name exists");
		return -EEXIST;
	}
	if (layerfs_find_dir(layer->path.dentry)) {
		NL_SET_ERR_MSG(extack,
			       "directory is already registered as another layer");
		return -EEXIST;
	}
	if (spec->parent || spec->parent_id) {
		parent = layerfs_layer_find(spec->parent, spec->parent_id);
		if (!parent) {
			NL_SET_ERR_MSG(extack, "no such parent layer");
			return -ENOENT;
		}
	}
	err = layerfs_layer_find_base(layer, spec, extack);
	if (err)
		return err;

	err = xa_insert(&layerfs_layers, layerfs_next_id, layer, GFP_KERNEL);
	if (err) {
		NL_SET_ERR_MSG(extack, "cannot index layer");
		return err == -EBUSY ? -ENOSPC : err;
	}
	layer->id = layerfs_next_id++;
	if (parent) {
		layerfs_layer_get(parent);
		parent->children++;
		layer->parent = parent;
	}
	layer->nbase = spec->nbase;
	for (i = 0; i < layer->nbase; i++) {
		layerfs_layer_get(layer->base[i]);
		layer->base[i]->children++;
	}
	hash_add(layerfs_names, &layer->name_node,
		 layerfs_name_hash(layer->name));
	hash_add(layerfs_dirs, &layer->dir_node,
		 hash_ptr(layer->path.dentry, 32));
	layerfs_nr_layers++;
	return 0;
}

/* Frees a layer that layerfs_layer_prepare() made and nobody published. */
void layerfs_layer_discard(struct layerfs_layer *layer)
{
	layerfs_layer_free(layer);
}

/*
 * Build the layer @spec describes, unpublished: name checked, directory
 * resolved and pinned (spec->dir, or spec->path), strings copied.  Does
 * not take layerfs_registry_lock.
 */
int layerfs_layer_prepare(struct layerfs_layer **layerp,
			  const struct layerfs_layer_spec *spec,
			  struct netlink_ext_ack *extack)
{
	struct layerfs_layer *layer;
	const char *why;
	int err;

	why = layerfs_ref_check(spec->name);
	if (why) {
		/* @why points to a string literal: static storage. */
		extack->_msg = why;
		return -EINVAL;
	}
	if ((spec->parent && !strcmp(spec->parent, spec->name))) {
		NL_SET_ERR_MSG(extack, "a layer cannot be its own parent");
		return -ELOOP;
	}

	layer = kzalloc(sizeof(*layer), GFP_KERNEL);
	if (!layer)
		return -ENOMEM;
	kref_init(&layer->ref);
	INIT_LIST_HEAD(&layer->free_node);

	if (spec->dir) {
		layer->path = *spec->dir;
		path_get(&layer->path);
	} else {
		err = layerfs_resolve_dir(spec->path, &layer->path, extack);
		if (err)
			goto out_free_layer;
	}

	err = -ENOMEM;
	layer->name = kstrdup(spec->name, GFP_KERNEL);
	layer->path_name = layerfs_path_string(&layer->path);
	if (!layer->name || !layer->path_name)
		goto out_free_strings;
	if (spec->author) {
		layer->author = kstrdup(spec->author, GFP_KERNEL);
		if (!layer->author)
			goto out_free_strings;
	}
	if (spec->message) {
		layer->message = kstrdup(spec->message, GFP_KERNEL);
		if (!layer->message)
			goto out_free_strings;
	}
	layer->created_ns = spec->created_ns ?: ktime_get_real_ns();
	layer->flags = spec->flags;
	if (spec->nbase) {
		layer->base = kvcalloc(spec->nbase, sizeof(*layer->base),
				       GFP_KERNEL);
		if (!layer->base)
			goto out_free_strings;
	}
	*layerp = layer;
	return 0;

out_free_strings:
	kfree(layer->name);
	kfree(layer->path_name);
	kfree(layer->author);
	kfree(layer->message);
	path_put(&layer->path);
out_free_layer:
	kfree(layer);
	return err;
}

/*
 * Register a layer described by @spec.  Returns the layer with a reference
 * for the caller, or an ERR_PTR with a message in @extack.
 */
struct layerfs_layer *layerfs_layer_add(const struct layerfs_layer_spec *spec,
					struct netlink_ext_ack *extack)
{
	struct layerfs_layer *layer;
	struct layerfs_view *view;
	int err;

	err = layerfs_layer_prepare(&layer, spec, extack);
	if (err)
		return ERR_PTR(err);
	mutex_lock(&layerfs_registry_lock);
	/* (Commit registers an upper, but only after the switch.) */
	err = layerfs_view_overlap(layer->path.dentry, &view);
	if (err == -EBUSY)
		NL_SET_ERR_MSG(extack,
			       "directory is the upper or work directory of a mounted view");
	else if (err)
		NL_SET_ERR_MSG(extack,
			       "directory overlaps the upper or work directory of a mounted view");
	else
		err = layerfs_layer_publish(layer, spec, extack);
	if (!err)
		layerfs_layer_get(layer);
	mutex_unlock(&layerfs_registry_lock);
	if (err) {
		layerfs_layer_discard(layer);
		return ERR_PTR(err);
	}
	return layer;
}

/* Caller holds layerfs_registry_lock; drops the registry's reference. */
static void layerfs_layer_unpublish(struct layerfs_layer *layer)
{
	unsigned int i;

	lockdep_assert_held(&layerfs_registry_lock);
	xa_erase(&layerfs_layers, layer->id);
	hash_del(&layer->name_node);
	hash_del(&layer->dir_node);
	if (layer->parent)
		layer->parent->children--;
	for (i = 0; i < layer->nbase; i++)
		layer->base[i]->children--;
	layerfs_nr_layers--;
}

/* Unregister the layer named @name (or with id @id if @name is NULL). */
int layerfs_layer_del(const char *name, u64 id, struct netlink_ext_ack *extack)
{
	struct layerfs_layer *layer;
	int err = 0;

	mutex_lock(&layerfs_registry_lock);
	layer = layerfs_layer_find(name, id);
	if (!layer) {
		NL_SET_ERR_MSG(extack, "no such layer");
		err = -ENOENT;
	} else if (layer->views) {
		NL_SET_ERR_MSG(extack, "layer is used by a mounted view");
		err = -EBUSY;
	} else if (layer->children) {
		NL_SET_ERR_MSG(extack,
			       "layer is the parent or in the base of another layer");
		err = -EBUSY;
	} else {
		layerfs_layer_unpublish(layer);
	}
	mutex_unlock(&layerfs_registry_lock);
	if (!err)
		layerfs_layer_put(layer);
	return err;
}

/*
 * A mounted view starts using @layer: it cannot be removed until the view
 * calls layerfs_layer_unuse().  Caller holds layerfs_registry_lock.
 */
void layerfs_layer_use(struct layerfs_layer *layer)
{
	lockdep_assert_held(&layerfs_registry_lock);
	layerfs_layer_get(layer);
	layer->views++;
}

void layerfs_layer_unuse(struct layerfs_layer *layer)
{
	mutex_lock(&layerfs_registry_lock);
	layer->views--;
	mutex_unlock(&layerfs_registry_lock);
	layerfs_layer_put(layer);
}

int layerfs_registry_init(void)
{
	return 0;
}

/*
 * Module exit: the netlink family and the filesystem type are gone, so
 * nothing can look layers up any more; release them all.
 */
void layerfs_registry_exit(void)
{
	struct layerfs_layer *layer;
	unsigned long id;

	mutex_lock(&layerfs_registry_lock);
	xa_for_each(&layerfs_layers, id, layer) {
		WARN_ON_ONCE(layer->views);
		layerfs_layer_unpublish(layer);
		layerfs_layer_put(layer);
	}
	mutex_unlock(&layerfs_registry_lock);
	xa_destroy(&layerfs_layers);
}
