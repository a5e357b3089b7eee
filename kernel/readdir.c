// SPDX-License-Identifier: GPL-2.0
/*
 * Directory listing.  A view directory's sources (the upper directory, the
 * uppers of committed generations, then the lower stack, top first) are
 * read into one list of names, each name kept from the topmost source
 * that has it; whiteouts are kept in the list only to hide the names below
 * them, and are never shown.  Where the lower part of the merge is a
 * directory of the view's index, that part is read from the index, whose
 * entries are already merged: one source, whatever the stack's depth; a
 * directory with nothing above its index part takes the index's list as
 * it is (no name tree, no comparisons).  An open file reads a snapshot
 * taken at its first getdents or at rewind, so positions are stable list
 * indices under telldir/seekdir, as POSIX allows for entries added or
 * removed after opendir.
 *
 * Snapshots are cached on the inode and shared by every open file until
 * the directory changes: namespace operations and copy-up of an entry bump
 * li->dir_version, and a snapshot of an older version is not handed out
 * again (a bump racing with a build only makes the next open rebuild).
 * A commit changes no listing, so it leaves snapshots valid.
 * li->cache_lock guards li->cache; a snapshot itself
 * is immutable once built and freed with its last reference.
 *
 * Memory: snapshots are charged to the memory cgroup of the task that
 * built them, and a snapshot cached on an inode is on layerfs_dir_lru, a
 * list per memory cgroup and node (the cgroup it is charged to), oldest
 * first, so that the shrinker can drop snapshots no open file needs when
 * that cgroup reaches its limit as well as under global pressure.
 * Invariant: a snapshot is on the LRU iff it is its owner inode's
 * li->cache; both change together under li->cache_lock.  Lock order:
 * li->cache_lock, then the LRU's list lock; the shrinker, which goes the
 * other way, only trylocks li->cache_lock.  An inode cannot go away under
 * the shrinker: its teardown takes its snapshot off the LRU first.
 */
#include <linux/cred.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/mount.h>
#include <linux/namei.h>
#include <linux/rbtree.h>
#include <linux/slab.h>
#include <linux/xattr.h>

#include "layerfs.h"

struct layerfs_dirent {
	struct rb_node node;
	struct list_head check;		/* DT_CHR names to test for whiteout */
	u64 ino;
	unsigned int type;
	unsigned int src;		/* index of the source it came from */
	bool whiteout;
	int len;
	char name[];
};

struct layerfs_dir_cache {
	refcount_t ref;
	struct list_head lru;		/* on layerfs_dir_lru iff cached */
	struct layerfs_inode *owner;	/* the inode it is cached on */
	u64 version;			/* li->dir_version it was built at */
	unsigned int count;		/* visible entries */
	struct layerfs_dirent **ents;	/* visible entries, in list order */
	struct rb_root names;		/* all names, whiteouts too */
};

struct layerfs_fill_ctx {
	struct dir_context ctx;
	struct layerfs_dir_cache *od;
	struct list_head check;
	unsigned int added;
	unsigned int src;		/* index of the source being read */
	int err;
};

static struct layerfs_dirent *layerfs_dirent_find(struct rb_root *root,
						  const char *name, int len,
						  struct rb_node ***linkp,
						  struct rb_node **parentp)
{
	struct rb_node **link = &root->rb_node, *parent = NULL;

	while (*link) {
		struct layerfs_dirent *e = rb_entry(*link, struct layerfs_dirent,
						    node);
		int cmp = strncmp(name, e->name, len);

		if (!cmp)
			cmp = len - e->len;
		if (!cmp)
			return e;
		parent = *link;
		link = cmp < 0 ? &(*link)->rb_left : &(*link)->rb_right;
	}
	if (linkp) {
		*linkp = link;
		*parentp = parent;
	}
	return NULL;
}

/* A new list entry for @name from source @src, or NULL. */
static struct layerfs_dirent *layerfs_dirent_new(const char *name, int len,
						 u64 ino, unsigned int type,
						 unsigned int src)
{
	struct layerfs_dirent *e;

	e = kmalloc(struct_size(e, name, len + 1), GFP_KERNEL_ACCOUNT);
	if (!e)
		return NULL;
	memcpy(e->name, name, len);
	e->name[len] = '\0';
	e->len = len;
	e->ino = ino;
	e->type = type;
	e->src = src;
	e->whiteout = false;
	INIT_LIST_HEAD(&e->check);
	return e;
}

static bool layerfs_fill_actor(struct dir_context *ctx, const char *name,
			       int len, loff_t pos, u64 ino, unsigned int type)
{
	struct layerfs_fill_ctx *c = container_of(ctx, struct layerfs_fill_ctx,
						  ctx);
	struct rb_node **link, *parent;
	struct layerfs_dirent *e;

	if ((len == 1 && name[0] == '.') ||
	    (len == 2 && name[0] == '.' && name[1] == '.'))
		return true;
	if (layerfs_dirent_find(&c->od->names, name, len, &link, &parent))
		return true;	/* hidden by a higher source */

	e = layerfs_dirent_new(name, len, ino, type, c->src);
	if (!e) {
		c->err = -ENOMEM;
		return false;
	}
	if (type == DT_CHR)
		list_add_tail(&e->check, &c->check);
	rb_link_node(&e->node, parent, link);
	rb_insert_color(&e->node, &c->od->names);
	c->added++;
	return true;
}

/*
 * Reads one real directory into the list, then tests its new character
 * devices for whiteouts (a lookup cannot run inside iterate_dir).
 */
static int layerfs_read_source(struct layerfs_fill_ctx *c,
			       const struct path *realdir)
{
	struct layerfs_dirent *e, *tmp;
	struct file *file;
	int err;

	/* The mounter must be allowed to read every part of the merge. */
	file = layerfs_open_lower(realdir,
				  O_RDONLY | O_DIRECTORY | O_LARGEFILE);
	if (IS_ERR(file))
		return PTR_ERR(file);
	c->ctx.pos = 0;
	err = iterate_dir(file, &c->ctx);
	fput(file);
	if (!err)
		err = c->err;

	list_for_each_entry_safe(e, tmp, &c->check, check) {
		struct dentry *d;

		list_del_init(&e->check);
		if (err)
			continue;
		d = layerfs_lookup_one_unlocked(e->name, realdir->dentry,
						e->len);
		if (IS_ERR(d)) {
			err = PTR_ERR(d);
			continue;
		}
		e->whiteout = layerfs_is_whiteout(d);
		dput(d);
	}
	return err;
}

/*
 * In an impure directory on the upper's filesystem (the upper, or one of
 * a committed generation), entries copied up (or moved in) carry the inode
 * number of their origin: report that, as stat does.  Fixes the entries
 * that came from source @src, read from @upperdir.
 */
static int layerfs_fix_origins(struct layerfs_dir_cache *od,
			       struct dentry *upperdir, unsigned int src)
{
	struct layerfs_dirent *e;
	struct rb_node *node;
	char val;

	if (layerfs_vfs_getxattr(upperdir, LAYERFS_XATTR_IMPURE, &val, 1) != 1)
		return 0;
	for (node = rb_first(&od->names); node; node = rb_next(node)) {
		struct dentry *d;
		u64 origin;

		e = rb_entry(node, struct layerfs_dirent, node);
		if (e->src != src || e->whiteout)
			continue;
		d = layerfs_lookup_one_unlocked(e->name, upperdir, e->len);
		if (IS_ERR(d))
			return PTR_ERR(d);
		origin = d_is_positive(d) ? layerfs_read_origin(d, NULL) : 0;
		dput(d);
		if (origin)
			e->ino = origin;
	}
	return 0;
}

/*
 * The entries are in od->names, and od->ents points into it, unless the
 * snapshot was built from the index alone (layerfs_dir_build_index()):
 * then od->names is empty and od->ents owns them.
 */
static void layerfs_dir_file_clear(struct layerfs_dir_cache *od)
{
	struct layerfs_dirent *e, *tmp;
	unsigned int i;

	if (RB_EMPTY_ROOT(&od->names)) {
		for (i = 0; i < od->count; i++)
			kfree(od->ents[i]);
	}
	rbtree_postorder_for_each_entry_safe(e, tmp, &od->names, node)
		kfree(e);
	od->names = RB_ROOT;
	kvfree(od->ents);
	od->ents = NULL;
	od->count = 0;
}

/* An index entry: a visible name of the lower part, never a whiteout. */
static bool layerfs_fill_index_actor(void *ctx, const char *name,
				     unsigned int len, u64 ino,
				     unsigned int type)
{
	struct layerfs_fill_ctx *c = ctx;
	struct layerfs_dirent *e, *tmp;
	bool more;

	more = layerfs_fill_actor(&c->ctx, name, len, 0, ino, type);
	list_for_each_entry_safe(e, tmp, &c->check, check)
		list_del_init(&e->check);
	return more;
}

struct layerfs_fill_direct {
	struct layerfs_dir_cache *od;
	unsigned int max;
	int err;
};

static bool layerfs_fill_direct_actor(void *ctx, const char *name,
				      unsigned int len, u64 ino,
				      unsigned int type)
{
	struct layerfs_fill_direct *c = ctx;
	struct layerfs_dirent *e;

	if (c->od->count >= c->max) {
		c->err = -EIO;	/* the index disagrees with itself */
		return false;
	}
	e = layerfs_dirent_new(name, len, ino, type, 0);
	if (!e) {
		c->err = -ENOMEM;
		return false;
	}
	c->od->ents[c->od->count++] = e;
	return true;
}

/*
 * A directory whose only entries are those of index directory @dir: they
 * are merged, free of whiteouts and sorted already (the order of
 * layerfs_dirent_find(): bytes, then length), so the snapshot is the
 * index's list as it is, with no name tree.
 */
static int layerfs_dir_build_index(struct layerfs_dir_cache *od,
				   const struct layerfs_index *ix, u32 dir)
{
	struct layerfs_fill_direct c = { .od = od };
	u32 count;
	int err;

	err = layerfs_index_count(ix, dir, &count);
	if (err)
		return err;
	od->ents = kvcalloc(max(count, 1U), sizeof(*od->ents),
			    GFP_KERNEL_ACCOUNT);
	if (!od->ents)
		return -ENOMEM;
	c.max = count;
	err = layerfs_index_list(ix, dir, layerfs_fill_direct_actor, &c);
	return err ?: c.err;
}

/* The sources of @dentry, top first: upper, then the lower stack. */
static int layerfs_dir_build(struct dentry *dentry,
			     struct layerfs_dir_cache *od)
{
	struct layerfs_fill_ctx c = {
		.ctx.actor = layerfs_fill_actor,
		.od = od,
		.check = LIST_HEAD_INIT(c.check),
	};
	struct layerfs_dir_iter it;
	struct layerfs_dirent *e;
	const struct cred *old_cred;
	struct rb_node *node;
	unsigned int layer, n;
	struct path path;
	bool upper, direct = false;
	int err = 0;

	layerfs_dir_file_clear(od);
	old_cred = layerfs_override_creds(dentry->d_sb);
	layerfs_dir_iter_init(&it, dentry);
	while (!err && layerfs_dir_iter_next(&it, &path, &layer, &upper)) {
		err = layerfs_read_source(&c, &path);
		if (!err && (upper || layerfs_layer_committed(layer)))
			err = layerfs_fix_origins(od, path.dentry, c.src);
		c.src++;
	}
	if (!err && it.index) {
		u32 dir;

		err = layerfs_vindex_dir(it.vi, dentry, &dir);
		if (!err && dir != LAYERFS_INDEX_NONE &&
		    RB_EMPTY_ROOT(&od->names)) {
			err = layerfs_dir_build_index(od, it.vi->ix, dir);
			direct = true;
		} else if (!err && dir != LAYERFS_INDEX_NONE) {
			err = layerfs_index_list(it.vi->ix, dir,
						 layerfs_fill_index_actor, &c);
		}
		err = err ?: c.err;
	}
	revert_creds(old_cred);
	if (err)
		goto out_clear;
	if (direct)
		return 0;

	/* Visible entries, in name order: a stable, seekable sequence. */
	err = -ENOMEM;
	od->ents = kvcalloc(max(c.added, 1U), sizeof(*od->ents),
			    GFP_KERNEL_ACCOUNT);
	if (!od->ents)
		goto out_clear;
	n = 0;
	for (node = rb_first(&od->names); node; node = rb_next(node)) {
		e = rb_entry(node, struct layerfs_dirent, node);
		if (!e->whiteout)
			od->ents[n++] = e;
	}
	od->count = n;
	return 0;

out_clear:
	layerfs_dir_file_clear(od);
	return err;
}

/* 0 if directory @dentry shows no entries, -ENOTEMPTY if it does. */
int layerfs_dir_check_empty(struct dentry *dentry)
{
	struct layerfs_dir_cache od = { .names = RB_ROOT };
	int err;

	err = layerfs_dir_build(dentry, &od);
	if (!err && od.count)
		err = -ENOTEMPTY;
	layerfs_dir_file_clear(&od);
	return err;
}

static struct kmem_cache *layerfs_dir_cachep;
static struct list_lru layerfs_dir_lru;

/* Drops a reference to @c; true if that freed it. */
static bool layerfs_dir_cache_put(struct layerfs_dir_cache *c)
{
	if (c && refcount_dec_and_test(&c->ref)) {
		layerfs_dir_file_clear(c);
		kmem_cache_free(layerfs_dir_cachep, c);
		return true;
	}
	return false;
}

/*
 * Replace @li's snapshot by @c (NULL: none), keeping the LRU in step;
 * returns the old one for the caller to put, outside the locks.
 * Caller holds li->cache_lock.
 */
static struct layerfs_dir_cache *layerfs_dir_cache_set(struct layerfs_inode *li,
							struct layerfs_dir_cache *c)
{
	struct layerfs_dir_cache *old = li->cache;

	lockdep_assert_held(&li->cache_lock);
	li->cache = c;
	if (old)
		layerfs_lru_del_obj(&layerfs_dir_lru, &old->lru);
	if (c) {
		c->owner = li;
		layerfs_lru_add_obj(&layerfs_dir_lru, &c->lru);
	}
	return old;
}

/* Inode teardown: drop the cached snapshot. */
void layerfs_dir_cache_free(struct layerfs_inode *li)
{
	struct layerfs_dir_cache *old;

	spin_lock(&li->cache_lock);
	old = layerfs_dir_cache_set(li, NULL);
	spin_unlock(&li->cache_lock);
	layerfs_dir_cache_put(old);
}

static unsigned long layerfs_dir_shrink_count(struct shrinker *shrink,
					      struct shrink_control *sc)
{
	return list_lru_shrink_count(&layerfs_dir_lru, sc) ?: SHRINK_EMPTY;
}

struct layerfs_dir_shrink {
	struct list_head dispose;	/* taken from their inodes */
	unsigned long busy;		/* skipped: inode's cache_lock held */
};

/*
 * Under the LRU's list lock: take snapshot @item from its inode unless
 * the inode is busy.  The owner is alive: its teardown must take the
 * list lock to remove the snapshot.
 */
static enum lru_status layerfs_dir_isolate(struct list_head *item,
					   struct list_lru_one *list,
					   spinlock_t *lock, void *arg)
{
	struct layerfs_dir_cache *c = list_entry(item, typeof(*c), lru);
	struct layerfs_dir_shrink *ds = arg;
	struct layerfs_inode *li = c->owner;

	if (!spin_trylock(&li->cache_lock)) {
		ds->busy++;
		return LRU_SKIP;
	}
	WARN_ON_ONCE(li->cache != c);
	li->cache = NULL;
	list_lru_isolate_move(list, item, &ds->dispose);
	spin_unlock(&li->cache_lock);
	return LRU_REMOVED;
}

/*
 * Take up to sc->nr_to_scan of the oldest snapshots of sc's cgroup and
 * node from their inodes.  Returns how many were freed: not those whose
 * inode was busy (its cache_lock held: skipped, looked at again later),
 * nor those an open file still holds (freed at its last close; the next
 * opener builds a new one).  SHRINK_STOP if every one looked at was busy:
 * reclaim must not count on this cache for now.
 */
static unsigned long layerfs_dir_shrink_scan(struct shrinker *shrink,
					     struct shrink_control *sc)
{
	struct layerfs_dir_shrink ds = {
		.dispose = LIST_HEAD_INIT(ds.dispose),
	};
	struct layerfs_dir_cache *c, *next;
	unsigned long taken, freed = 0;

	taken = list_lru_shrink_walk(&layerfs_dir_lru, sc, layerfs_dir_isolate,
				     &ds);
	list_for_each_entry_safe(c, next, &ds.dispose, lru) {
		list_del_init(&c->lru);
		if (layerfs_dir_cache_put(c))
			freed++;
	}
	if (!taken && ds.busy)
		return SHRINK_STOP;
	return freed;
}

static struct shrinker *layerfs_dir_shrinker;

int __init layerfs_readdir_init(void)
{
	struct shrinker *s;

	layerfs_dir_cachep = KMEM_CACHE(layerfs_dir_cache, SLAB_ACCOUNT);
	if (!layerfs_dir_cachep)
		return -ENOMEM;
	s = layerfs_shrinker_create("layerfs-readdir", &layerfs_dir_lru,
				    layerfs_dir_shrink_count,
				    layerfs_dir_shrink_scan);
	if (IS_ERR(s)) {
		kmem_cache_destroy(layerfs_dir_cachep);
		return PTR_ERR(s);
	}
	layerfs_dir_shrinker = s;
	return 0;
}

void layerfs_readdir_exit(void)
{
	layerfs_shrinker_destroy(layerfs_dir_shrinker, &layerfs_dir_lru);
	kmem_cache_destroy(layerfs_dir_cachep);
}

/* A namespace change in directory @dir: cached snapshots are stale. */
void layerfs_dir_changed(struct inode *dir)
{
	struct layerfs_inode *li = LAYERFS_I(dir);

	WRITE_ONCE(li->dir_version, li->dir_version + 1);
}

/* A current snapshot of @dentry's listing, with a reference. */
static struct layerfs_dir_cache *layerfs_dir_cache_get(struct dentry *dentry)
{
	struct layerfs_inode *li = LAYERFS_I(d_inode(dentry));
	u64 version = READ_ONCE(li->dir_version);
	struct layerfs_dir_cache *c, *old;
	int err;

	spin_lock(&li->cache_lock);
	c = li->cache;
	if (c && c->version == version)
		refcount_inc(&c->ref);
	else
		c = NULL;
	spin_unlock(&li->cache_lock);
	if (c)
		return c;

	/* From the LRU's cache: its per-cgroup list exists for @c's cgroup. */
	c = kmem_cache_alloc_lru(layerfs_dir_cachep, &layerfs_dir_lru,
				 GFP_KERNEL | __GFP_ZERO);
	if (!c)
		return ERR_PTR(-ENOMEM);
	refcount_set(&c->ref, 1);
	INIT_LIST_HEAD(&c->lru);
	c->version = version;
	c->names = RB_ROOT;
	err = layerfs_dir_build(dentry, c);
	if (err) {
		kmem_cache_free(layerfs_dir_cachep, c);
		return ERR_PTR(err);
	}

	/* Keep it for the next opener; one reference is the inode's. */
	refcount_inc(&c->ref);
	spin_lock(&li->cache_lock);
	old = layerfs_dir_cache_set(li, c);
	spin_unlock(&li->cache_lock);
	layerfs_dir_cache_put(old);
	return c;
}

static int layerfs_iterate(struct file *file, struct dir_context *ctx)
{
	struct layerfs_dir_cache *c = file->private_data;
	struct layerfs_dirent *e;

	if (!dir_emit_dots(file, ctx))
		return 0;
	if (!c || ctx->pos == 2) {
		c = layerfs_dir_cache_get(file->f_path.dentry);
		if (IS_ERR(c))
			return PTR_ERR(c);
		layerfs_dir_cache_put(file->private_data);
		file->private_data = c;
	}
	while (ctx->pos - 2 < c->count) {
		e = c->ents[ctx->pos - 2];
		if (!dir_emit(ctx, e->name, e->len, e->ino, e->type))
			return 0;
		ctx->pos++;
	}
	return 0;
}

static loff_t layerfs_dir_llseek(struct file *file, loff_t offset, int whence)
{
	return generic_file_llseek_size(file, offset, whence, INT_MAX, INT_MAX);
}

static int layerfs_dir_open(struct inode *inode, struct file *file)
{
	file->private_data = NULL;	/* snapshot taken at first getdents */
	return 0;
}

static int layerfs_dir_release(struct inode *inode, struct file *file)
{
	layerfs_dir_cache_put(file->private_data);
	return 0;
}

static int layerfs_dir_fsync(struct file *file, loff_t start, loff_t end,
			     int datasync)
{
	const struct cred *old_cred;
	struct file *realfile;
	struct path upper;
	int err;

	layerfs_path_upper(file->f_path.dentry, &upper);
	if (!upper.dentry)
		return 0;
	old_cred = layerfs_override_creds(file_inode(file)->i_sb);
	realfile = dentry_open(&upper, O_RDONLY | O_DIRECTORY, current_cred());
	if (IS_ERR(realfile)) {
		err = PTR_ERR(realfile);
	} else {
		err = vfs_fsync_range(realfile, start, end, datasync);
		fput(realfile);
	}
	revert_creds(old_cred);
	return err;
}

const struct file_operations layerfs_dir_ops = {
	.open = layerfs_dir_open,
	.release = layerfs_dir_release,
	.read = generic_read_dir,
	.iterate_shared = layerfs_iterate,
	.llseek = layerfs_dir_llseek,
	.fsync = layerfs_dir_fsync,
};
