/* SPDX-License-Identifier: GPL-2.0 */
/*
 * layerfs private header: shared structures and prototypes, grouped by the
 * file that defines them.  Every external symbol starts with layerfs_.
 */
#ifndef _LAYERFS_H
#define _LAYERFS_H

#include <linux/cred.h>
#include <linux/fs.h>
#include <linux/fs_parser.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/path.h>
#include <linux/rwsem.h>
#include <linux/types.h>

#include <linux/layerfs.h>
#include <layerfs/index.h>

#include "compat.h"

/* On-disk format: overlayfs's, so layers move between the two. */
#define LAYERFS_XATTR_PREFIX	"trusted.overlay."
#define LAYERFS_XATTR_OPAQUE	LAYERFS_XATTR_PREFIX "opaque"
/*
 * The append-only ('a') and immutable ('i') flags of an upper object, kept
 * here instead of in its real inode flags, as overlayfs does since 5.15:
 * a real immutable flag would keep a copy from being renamed into place
 * and an immutable directory's children from being copied up into it.
 * Read on every real object, so a committed layer keeps its flags.
 */
#define LAYERFS_XATTR_PROTATTR	LAYERFS_XATTR_PREFIX "protattr"
#define LAYERFS_PROT_FLAGS	(S_APPEND | S_IMMUTABLE)
/*
 * layerfs's own metadata, ignored by overlayfs: the inode number and
 * device of the lower object an upper object was copied up from (struct
 * layerfs_origin), so that st_ino and st_dev do not change on copy-up.
 */
#define LAYERFS_XATTR_OWN_PREFIX "trusted.layerfs."
#define LAYERFS_XATTR_ORIGIN	LAYERFS_XATTR_OWN_PREFIX "origin"
/* On an upper directory: some entries carry an origin (readdir must look). */
#define LAYERFS_XATTR_IMPURE	LAYERFS_XATTR_OWN_PREFIX "impure"
/* Name of layerfs's private directory inside the work directory. */
#define LAYERFS_WORKDIR_NAME	"layerfs.work"

struct netlink_ext_ack;

/*
 * A registered read-only layer: a pinned directory plus image metadata.
 *
 * Lifetime: @ref counts the registry's own reference (dropped on removal),
 * one per child layer (through @parent) and one per user that looked the
 * layer up.  Everything but the counters is immutable after registration,
 * so a referenced layer can be read without locks.  @views and @children
 * are protected by layerfs_registry_lock and make removal fail with -EBUSY
 * while non-zero; @ref only keeps the memory alive.
 */
struct layerfs_layer {
	struct kref ref;
	u64 id;
	const char *name;
	const char *path_name;		/* d_path() at registration */
	struct path path;		/* pinned layer root */
	struct layerfs_layer *parent;	/* holds a reference, or NULL */
	struct layerfs_layer **base;	/* LAYERFS_LAYER_A_BASE, each held */
	unsigned int nbase;
	const char *author;		/* NULL if not given */
	const char *message;		/* NULL if not given */
	u64 created_ns;			/* CLOCK_REALTIME */
	u32 flags;			/* LAYERFS_LAYER_F_* */
	struct layerfs_index *index;	/* set once (index.c), or NULL */
	unsigned int views;		/* under layerfs_registry_lock */
	unsigned int children;		/* under layerfs_registry_lock */
	struct hlist_node name_node;	/* layerfs_names, keyed by name */
	struct hlist_node dir_node;	/* layerfs_dirs, keyed by dentry */
	struct list_head free_node;	/* layerfs_layer_put()'s work list */
};

/* What a LAYERFS_CMD_LAYER_ADD request asks for; strings are borrowed. */
struct layerfs_layer_spec {
	const char *name;
	const char *path;
	const char *parent;		/* by name, or NULL */
	u64 parent_id;			/* by id, or 0 */
	const char *author;
	const char *message;
	u64 created_ns;			/* 0: now */
	u32 flags;
	const u64 *base_ids;		/* LAYERFS_LAYER_A_BASE, or NULL */
	unsigned int nbase;
	const struct path *dir;		/* instead of @path (commit) */
};

/*
 * A mounted view: sb->s_fs_info.  Immutable after fill_super except where
 * noted.  Every layer in @layers and @committed holds a reference and
 * counts in its @views, both dropped when the superblock dies.
 *
 * Commit (commit.c) changes the fields marked "commit": it runs with the
 * superblock frozen, so no writer of the view runs meanwhile, and under
 * layerfs_registry_lock, which readers of those fields that are not
 * writers (the netlink dump, show_options) take.  @gen is read without
 * locks: an upper object created in an older generation belongs to a
 * committed layer and is read-only for the view (struct layerfs_upper).
 * Commits of one view are serialised by @commit_lock.
 */
struct layerfs_view {
	u64 id;
	dev_t dev;			/* the superblock's s_dev */
	struct super_block *sb;
	struct list_head node;		/* layerfs_views, registry lock */
	bool live;			/* registry lock: built, listed */
	unsigned int nlayers;
	struct layerfs_layer **layers;	/* [0] is the top; fixed at mount */
	unsigned int ncommitted;	/* commit */
	unsigned int committed_cap;	/* commit */
	struct layerfs_layer **committed; /* commit: oldest first, above @layers */
	unsigned int gen;		/* commit: READ_ONCE, == ncommitted */
	const char *image;		/* image=REF, or NULL */
	const char *source;		/* mount source name */
	char *upper_name;		/* commit: d_path of upper, or NULL */
	char *work_name;		/* d_path of work, or NULL */
	struct vfsmount *upper_mnt;	/* private clone, or NULL: read-only */
	struct dentry *upper_root;	/* commit */
	struct dentry *workdir;		/* work/layerfs.work, or NULL */
	struct path upper_orig;		/* commit: upper as the mounter named it */
	struct path work_orig;
	const struct cred *creator_cred;
	struct mutex commit_lock;	/* one commit of the view at a time */
	struct rw_semaphore commit_sem;	/* commit vs shared writable mmap */
	spinlock_t wmap_lock;		/* @wmapped */
	struct list_head wmapped;	/* inodes mapped shared-writable */
	bool samefs;			/* all layers and upper on one sb */
	/*
	 * The index lookups use, or NULL (viewindex.c): set at mount, then
	 * replaced by a newer one (registry lock, smp_store_release) when the
	 * layer a commit made gets its index.  Every one it replaced stays
	 * until the view is freed, and so does every @committed array a
	 * commit replaced (@retired), so a reader may use what it loaded.
	 */
	struct layerfs_vindex *vindex;
	struct layerfs_retired_arr *retired;
	bool noindex;			/* mounted with noindex */
};

/*
 * A view's use of one index: index layer i is layerfs_view_stack(view, i)
 * as it was at generation @gen, the layers this view committed in
 * generations before @gen (newest first: @committed[gen - 1 - i]) and
 * then view->layers.  Immutable once published.
 */
struct layerfs_vindex {
	struct layerfs_index *ix;	/* held by its layer, which the view uses */
	unsigned int gen;		/* covers the committed uppers of gens < @gen */
	unsigned int ver;		/* 1, 2, ...: see layerfs_entry.idx */
	struct layerfs_layer **committed;	/* [0, @gen) valid */
	struct layerfs_vindex *prev;	/* the one this replaced */
};

/* An array replaced by a commit, kept for readers until the view dies. */
struct layerfs_retired_arr {
	void *ptr;
	struct layerfs_retired_arr *next;
};

/*
 * layerfs_lower.layer of an object in the upper this view committed in
 * generation g is LAYERFS_LAYER_COMMITTED + g: it lives on the upper's
 * filesystem, reached through view->upper_mnt.  Smaller values index
 * view->layers.
 */
#define LAYERFS_LAYER_COMMITTED	0x80000000U

static inline bool layerfs_layer_committed(unsigned int layer)
{
	return layer >= LAYERFS_LAYER_COMMITTED;
}

/* One real directory or file below a view dentry. */
struct layerfs_lower {
	struct dentry *dentry;
	unsigned int layer;		/* see LAYERFS_LAYER_COMMITTED */
};

/*
 * dentry->d_fsdata of every view dentry: the lower stack of this name,
 * topmost first.  For a non-directory it has at most one entry (the object
 * itself); for a directory, every lower directory merged into it.  Set
 * before the dentry is instantiated and never changed.
 */
struct layerfs_entry {
	bool opaque;			/* upper dir is opaque */
	/*
	 * Where a directory is in the index of a struct layerfs_vindex,
	 * cached (viewindex.c): ver << 33 | merged << 32 | dir, or 0 when
	 * not known; dir LAYERFS_INDEX_NONE when no directory of this path
	 * is in it.  Whoever resolves it stores it; every value stored is
	 * right for its ver.  Where the index of view->vindex covers part
	 * of the merge, @lower holds only what lies above that part and its
	 * topmost directory (the root: every layer's root), and the rest of
	 * the merge is read from the index.  merged: that part has more
	 * than one directory.
	 */
	atomic64_t idx;
	unsigned int numlower;
	struct layerfs_lower lower[];
};

/*
 * An upper object of a view inode.  Immutable once published.  @gen is
 * the view generation the object was made in: while it equals view->gen
 * the object is the view's writable upper; after a commit it is part of
 * the committed layer, read-only, and the next change copies it up again,
 * the new record pointing back at this one through @prev.  Records live
 * until the inode is evicted, so a reader may use any record it loaded.
 */
struct layerfs_upper {
	struct dentry *dentry;
	unsigned int gen;
	struct layerfs_upper *prev;	/* the record this one replaced */
};

/*
 * A lower non-directory whose lookup the index answered with its stat
 * record alone (namei.c): the view inode shows the record until something
 * needs the real object; layerfs_resolve() then finds it in its layer (by
 * handle, else by path), copies its attributes and sets
 * layerfs_inode.lower, under @lock.  Immutable but for @lock; freed with
 * the inode.
 */
struct layerfs_lazy {
	struct mutex lock;		/* layerfs_resolve()'s only */
	const struct layerfs_vindex *vi;	/* lives as long as the view */
	u32 pdir;			/* the parent's directory in vi's index */
	u32 ilayer;			/* the index layer holding the object */
	struct layerfs_index_entry e;
	struct layerfs_index_stat st;
	unsigned int name_len;
	char name[];
};

/*
 * A view inode.  @upper is published with smp_store_release under @lock
 * (copy-up) or with the superblock frozen (commit, for the root) and is
 * never cleared; readers use layerfs_upper_rec() or layerfs_inode_upper().
 * @lower is the topmost lower object, fixed at creation, except for an
 * inode made from an index stat record (@lazy set): NULL until
 * layerfs_resolve() sets it, once, under @lazy->lock and after the
 * object's attributes are on the inode (release; read it with
 * layerfs_inode_lower(), which then sees them), then fixed.
 */
struct layerfs_inode {
	struct inode vfs_inode;
	struct layerfs_upper *upper;
	struct dentry *lower;
	struct layerfs_lazy *lazy;	/* or NULL: see struct layerfs_lazy */
	unsigned int lower_layer;
	u64 origin_ino;			/* copied up from this ino, or 0 */
	dev_t origin_dev;		/* ...on this device */
	/*
	 * The LAYERFS_PROT_FLAGS that LAYERFS_XATTR_PROTATTR gives the
	 * newest upper object (the record @upper holds: set before it is
	 * published, and by FS_IOC_SETFLAGS under the inode lock) and the
	 * lower one (set before @lower is, and not changed).  READ_ONCE.
	 */
	unsigned int upper_prot;
	unsigned int lower_prot;
	struct mutex lock;		/* copy-up; llseek's position sync */
	spinlock_t cache_lock;		/* @cache */
	struct layerfs_dir_cache *cache;	/* readdir snapshot, or NULL */
	u64 dir_version;		/* bumped by namespace changes */
	struct list_head wmap_node;	/* view->wmapped, under wmap_lock */
};

static inline struct layerfs_inode *LAYERFS_I(struct inode *inode)
{
	return container_of(inode, struct layerfs_inode, vfs_inode);
}

static inline struct layerfs_view *LAYERFS_V(struct super_block *sb)
{
	return sb->s_fs_info;
}

static inline struct layerfs_entry *LAYERFS_E(const struct dentry *dentry)
{
	return dentry->d_fsdata;
}

/* The lower object of @inode; NULL if none, or not resolved yet. */
static inline struct dentry *layerfs_inode_lower(struct inode *inode)
{
	/* Pairs with smp_store_release() in layerfs_resolve(). */
	return smp_load_acquire(&LAYERFS_I(inode)->lower);
}

/* The newest upper record of @inode, current or committed, or NULL. */
static inline struct layerfs_upper *layerfs_upper_rec(struct inode *inode)
{
	/* Pairs with smp_store_release() in copy-up and commit. */
	return smp_load_acquire(&LAYERFS_I(inode)->upper);
}

/* Whether @u is the writable upper of a view at generation @gen. */
static inline bool layerfs_upper_current(const struct layerfs_upper *u,
					 struct super_block *sb)
{
	return u && u->gen == READ_ONCE(LAYERFS_V(sb)->gen);
}

/*
 * The writable upper object of @inode, or NULL if it has none in the
 * current generation (never copied up, or only into committed layers).
 * Writers hold write access to the view, which commit excludes, so the
 * answer holds until they drop it.
 */
static inline struct dentry *layerfs_inode_upper(struct inode *inode)
{
	struct layerfs_upper *u = layerfs_upper_rec(inode);

	return layerfs_upper_current(u, inode->i_sb) ? u->dentry : NULL;
}

/* registry.c */
int layerfs_image_stack(struct layerfs_layer *top,
			struct layerfs_layer **out, unsigned int max);
extern struct mutex layerfs_registry_lock;
int layerfs_registry_init(void);
void layerfs_registry_exit(void);
struct layerfs_layer *layerfs_layer_add(const struct layerfs_layer_spec *spec,
					struct netlink_ext_ack *extack);
int layerfs_layer_prepare(struct layerfs_layer **layerp,
			  const struct layerfs_layer_spec *spec,
			  struct netlink_ext_ack *extack);
int layerfs_layer_publish(struct layerfs_layer *layer,
			  const struct layerfs_layer_spec *spec,
			  struct netlink_ext_ack *extack);
void layerfs_layer_discard(struct layerfs_layer *layer);
int layerfs_layer_overlap(struct dentry *dentry,
			  struct layerfs_layer **layerp);
int layerfs_layer_del(const char *name, u64 id,
		      struct netlink_ext_ack *extack);
struct layerfs_layer *layerfs_layer_find(const char *name, u64 id);
struct layerfs_layer *layerfs_layer_next(u64 *id);
void layerfs_layer_get(struct layerfs_layer *layer);
void layerfs_layer_put(struct layerfs_layer *layer);

char *layerfs_path_string(const struct path *path);
void layerfs_layer_use(struct layerfs_layer *layer);
void layerfs_layer_unuse(struct layerfs_layer *layer);

/* index.c */
struct layerfs_index;
struct layerfs_index_entry;
int layerfs_index_attach(struct layerfs_layer *layer, struct file *file,
			 struct netlink_ext_ack *extack);
void layerfs_index_release(struct layerfs_layer *layer);
unsigned int layerfs_index_nlayers(const struct layerfs_index *ix);
int layerfs_index_find(const struct layerfs_index *ix, u32 dir,
		       const char *name, unsigned int len,
		       struct layerfs_index_entry *out);
int layerfs_index_count(const struct layerfs_index *ix, u32 dir, u32 *count);
int layerfs_index_list(const struct layerfs_index *ix, u32 dir,
		       bool (*actor)(void *ctx, const char *name,
				     unsigned int len, u64 ino,
				     unsigned int type),
		       void *ctx);
int layerfs_index_stat(const struct layerfs_index *ix,
		       const struct layerfs_index_entry *e,
		       struct layerfs_index_stat *st);
struct dentry *layerfs_index_object(const struct layerfs_index *ix,
				    const struct layerfs_index_entry *e,
				    struct vfsmount *mnt, struct dentry *root);
struct dentry *layerfs_index_dir_in(const struct layerfs_index *ix, u32 dir,
				    struct dentry *root);

/* viewindex.c */
static inline const struct layerfs_vindex *
layerfs_view_vindex(const struct layerfs_view *view)
{
	/* Pairs with smp_store_release() in layerfs_vindex_adopt(). */
	return smp_load_acquire(&view->vindex);
}

void layerfs_vindex_adopt(struct layerfs_view *view,
			  struct layerfs_layer *layer);
void layerfs_vindex_free(struct layerfs_view *view);
void layerfs_retire(struct layerfs_view *view, struct layerfs_retired_arr *r,
		    void *ptr);
void layerfs_idx_set(struct layerfs_entry *entry,
		     const struct layerfs_vindex *vi, u32 dir, bool merged);
bool layerfs_idx_merged(struct dentry *dentry);
int layerfs_vindex_dir(const struct layerfs_vindex *vi, struct dentry *dentry,
		       u32 *dir);
unsigned int layerfs_vindex_layer(const struct layerfs_vindex *vi, u32 i);
struct layerfs_layer *layerfs_vindex_ilayer(struct layerfs_view *view,
					    const struct layerfs_vindex *vi,
					    u32 i);
bool layerfs_vindex_covers(const struct layerfs_vindex *vi,
			   unsigned int layer);

/* params.c: what the mount options asked for, before resolution. */
struct layerfs_fs_ctx {
	char **names;			/* layer names, top first */
	unsigned int nnames;
	unsigned int capacity;
	char *image;
	struct path upper;		/* resolved upper=, or empty */
	struct path work;		/* resolved work=, or empty */
	bool noindex;			/* noindex */
};

int layerfs_init_fs_context(struct fs_context *fc);
extern const struct fs_parameter_spec layerfs_param_spec[];

/* super.c */
extern struct file_system_type layerfs_fs_type;
int layerfs_sync_upper(struct layerfs_view *view);
bool layerfs_dir_within(struct dentry *a, struct dentry *b);
int layerfs_get_tree(struct fs_context *fc);
int layerfs_super_init(void);
void layerfs_super_exit(void);

/* A name read from a real directory (util.c). */
struct layerfs_name {
	struct list_head node;
	int len;
	unsigned int type;
	char name[];
};

/* view.c */
int layerfs_view_claim(struct fs_context *fc, struct layerfs_view *view);
void layerfs_view_publish(struct layerfs_view *view);
void layerfs_view_unpublish(struct layerfs_view *view);
struct layerfs_view *layerfs_view_next(u64 *id);
int layerfs_view_overlap(struct dentry *dentry, struct layerfs_view **other);
void layerfs_views_adopt(struct layerfs_layer *layer);
unsigned int layerfs_view_nstack(const struct layerfs_view *view);
struct layerfs_layer *layerfs_view_stack(const struct layerfs_view *view,
					 unsigned int i);

/* commit.c */
struct layerfs_commit_req {
	u64 view_id;
	const char *new_upper;
	struct layerfs_layer_spec spec;	/* name, author, message, created */
};

struct layerfs_layer *layerfs_commit(const struct layerfs_commit_req *req,
				     struct netlink_ext_ack *extack);

/* util.c */
const struct cred *layerfs_override_creds(struct super_block *sb);

/*
 * The mounter's credentials for a short check on a real inode, with no
 * reference taken or dropped: the view holds creator_cred until kill_sb,
 * after every path walk through the mount, RCU ones included, is done.
 * 6.13's override_creds_light() (overlayfs's since).  For checks that
 * keep no credentials and change none (permission, getattr, read_iter):
 * end with layerfs_revert_creds_light().
 */
static inline const struct cred *
layerfs_override_creds_light(struct super_block *sb)
{
#ifdef CONFIG_DEBUG_CREDENTIALS
	return layerfs_override_creds(sb);
#else
	const struct cred *old = current->cred;

	rcu_assign_pointer(current->cred, LAYERFS_V(sb)->creator_cred);
	return old;
#endif
}

static inline void layerfs_revert_creds_light(const struct cred *old)
{
#ifdef CONFIG_DEBUG_CREDENTIALS
	revert_creds(old);
#else
	rcu_assign_pointer(current->cred, old);
#endif
}

bool layerfs_is_whiteout(const struct dentry *dentry);
bool layerfs_is_opaque_dir(struct dentry *dentry);
bool layerfs_is_private_xattr(const char *name);
void layerfs_path_upper(struct dentry *dentry, struct path *path);
int layerfs_path_real(struct dentry *dentry, struct path *path);
struct vfsmount *layerfs_lower_mnt(struct layerfs_view *view,
				   unsigned int layer);
bool layerfs_has_lower(struct dentry *dentry);
bool layerfs_dir_has_lower(struct dentry *dir);

/*
 * The real directories merged into a view directory, top first: its
 * writable upper (if any), then the uppers it had in committed
 * generations, then its lower stack, stopping below an opaque one.
 */
struct layerfs_dir_iter {
	struct dentry *dentry;
	struct layerfs_upper *rec;	/* next committed record to visit */
	unsigned int next;		/* next index into the lower stack */
	unsigned int gen;		/* generation of the last upper visited */
	bool started, stop;
	bool index;	/* stopped where the index holds the rest */
	const struct layerfs_vindex *vi;	/* loaded at init, or NULL */
};

void layerfs_dir_iter_init(struct layerfs_dir_iter *it, struct dentry *dentry);
bool layerfs_dir_merged(struct dentry *dentry);
unsigned int layerfs_dir_iter_max(const struct layerfs_dir_iter *it);
bool layerfs_dir_iter_next(struct layerfs_dir_iter *it, struct path *path,
			   unsigned int *layer, bool *upper);
struct layerfs_entry *layerfs_entry_alloc(unsigned int numlower);
void layerfs_entry_free(struct layerfs_entry *entry);
struct file *layerfs_open_lower(const struct path *path, int flags);
int layerfs_read_names(struct vfsmount *mnt, struct dentry *dir,
		       struct list_head *names);
void layerfs_free_names(struct list_head *names);
int layerfs_check_d_type(const struct path *dir);
int layerfs_clear_whiteouts(struct vfsmount *mnt, struct dentry *dir);
int layerfs_workdir_clean(struct layerfs_view *view, struct dentry *work);

/* namei.c */
struct dentry *layerfs_lookup(struct inode *dir, struct dentry *dentry,
			      unsigned int flags);
int layerfs_resolve(struct inode *inode);
int layerfs_check_lazy_flags(struct inode *inode, unsigned int flags);
extern const struct dentry_operations layerfs_dentry_ops;

/* inode.c */
struct inode *layerfs_get_lazy_inode(struct super_block *sb,
				     struct layerfs_lazy *lz);
struct inode *layerfs_get_inode(struct super_block *sb, umode_t mode,
				struct dentry *upper, unsigned int upper_gen,
				struct dentry *lower, unsigned int lower_layer);
struct layerfs_upper *layerfs_upper_alloc(struct dentry *dentry,
					  unsigned int gen,
					  struct layerfs_upper *prev);
void layerfs_upper_free(struct layerfs_upper *u);
/* The value of LAYERFS_XATTR_ORIGIN. */
struct layerfs_origin {
	__le64 ino;
	__le64 dev;			/* huge_encode_dev() */
} __packed;

u64 layerfs_read_origin(struct dentry *upper, dev_t *devp);
int layerfs_read_protattr(struct dentry *real, unsigned int *flags);
int layerfs_real_protflags(struct dentry *real, unsigned int *flags);
unsigned int layerfs_inode_protattr(struct inode *inode);
int layerfs_write_protattr(struct dentry *upper, unsigned int flags);
u64 layerfs_ino(struct inode *inode, u64 real_ino);
void layerfs_copyattr_from(struct inode *inode, struct inode *real,
			   unsigned int prot);
void layerfs_copyattr(struct inode *inode);
int layerfs_permission(struct layerfs_idmap *idmap, struct inode *inode,
		       int mask);
struct posix_acl *layerfs_get_acl(struct inode *inode, int type, bool rcu);
int layerfs_set_acl(struct layerfs_idmap *idmap, struct dentry *dentry,
		    struct posix_acl *acl, int type);
int layerfs_getattr(struct layerfs_idmap *idmap, const struct path *path,
		    struct kstat *stat, u32 request_mask, unsigned int flags);
int layerfs_setattr(struct layerfs_idmap *idmap, struct dentry *dentry,
		    struct iattr *attr);
ssize_t layerfs_listxattr(struct dentry *dentry, char *list, size_t size);
struct fileattr;
int layerfs_fileattr_get(struct dentry *dentry, struct fileattr *fa);
int layerfs_fileattr_set(struct layerfs_idmap *idmap,
			 struct dentry *dentry, struct fileattr *fa);
extern const struct inode_operations layerfs_file_inode_ops;
extern const struct inode_operations layerfs_symlink_inode_ops;
extern const struct inode_operations layerfs_special_inode_ops;
extern const struct xattr_handler *layerfs_xattr_handlers[];

/* dir.c */
extern const struct inode_operations layerfs_dir_inode_ops;

/* copy_up.c */
int layerfs_copy_up(struct dentry *dentry);
struct dentry *layerfs_lookup_temp(struct dentry *workdir);
int layerfs_copy_xattrs(struct dentry *old, struct dentry *new, bool copy_up);
int layerfs_copy_attrs(struct dentry *new, const struct kstat *stat);
void layerfs_restore_times(struct dentry *dir, const struct kstat *stat);
int layerfs_set_impure(struct dentry *upperdir);

/* readdir.c */
extern const struct file_operations layerfs_dir_ops;
void layerfs_dir_cache_free(struct layerfs_inode *li);
int layerfs_readdir_init(void);
void layerfs_readdir_exit(void);
void layerfs_dir_changed(struct inode *dir);
int layerfs_dir_check_empty(struct dentry *dentry);

/* file.c */
extern const struct file_operations layerfs_file_ops;
extern const struct address_space_operations layerfs_aops;

/* netlink.c */
__printf(2, 3)
void layerfs_nl_msg(struct netlink_ext_ack *extack, const char *fmt, ...);
int layerfs_netlink_init(void);
void layerfs_netlink_exit(void);

#endif /* _LAYERFS_H */
