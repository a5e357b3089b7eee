/* SPDX-License-Identifier: GPL-2.0 */
/*
 * layerfs private header: shared structures and prototypes, grouped by the
 * file that defines them.  Every external symbol starts with layerfs_.
 */
#ifndef _LAYERFS_H
#define _LAYERFS_H

#include <linux/kref.h>
#include <linux/list.h>
#include <linux/path.h>
#include <linux/types.h>

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
	const char *author;		/* NULL if not given */
	const char *message;		/* NULL if not given */
	u64 created_ns;			/* CLOCK_REALTIME */
	u32 flags;			/* LAYERFS_LAYER_F_* */
	unsigned int views;		/* under layerfs_registry_lock */
	unsigned int children;		/* under layerfs_registry_lock */
	struct hlist_node name_node;	/* layerfs_names, keyed by name */
	struct hlist_node dir_node;	/* layerfs_dirs, keyed by dentry */
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
};

/* registry.c */
extern struct mutex layerfs_registry_lock;
int layerfs_registry_init(void);
void layerfs_registry_exit(void);
struct layerfs_layer *layerfs_layer_add(const struct layerfs_layer_spec *spec,
					struct netlink_ext_ack *extack);
int layerfs_layer_del(const char *name, u64 id,
		      struct netlink_ext_ack *extack);
struct layerfs_layer *layerfs_layer_find(const char *name, u64 id);
struct layerfs_layer *layerfs_layer_next(u64 *id);
void layerfs_layer_get(struct layerfs_layer *layer);
void layerfs_layer_put(struct layerfs_layer *layer);

/* netlink.c */
int layerfs_netlink_init(void);
void layerfs_netlink_exit(void);

#endif /* _LAYERFS_H */
