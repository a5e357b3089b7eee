/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One layer as layerctl sees it: the decoded form of a LAYERFS_A_LAYER nest
 * (see include/uapi/linux/layerfs.h).  Pure: no I/O.
 *
 * Strings are borrowed (NULL when absent): a layer built from command-line
 * arguments points into argv, a layer parsed from a netlink message points
 * into the message.  lfs_layer_dup() makes a self-contained copy.
 */
#ifndef LAYERCTL_LAYERINFO_H
#define LAYERCTL_LAYERINFO_H

#include <stdint.h>

/* Which numeric members of struct lfs_layer are present. */
enum {
	LFS_HAS_ID		= 1U << 0,
	LFS_HAS_PARENT_ID	= 1U << 1,
	LFS_HAS_CREATED		= 1U << 2,
	LFS_HAS_FLAGS		= 1U << 3,
	LFS_HAS_VIEWS		= 1U << 4,
	LFS_HAS_CHILDREN	= 1U << 5,
	LFS_HAS_INDEX_FD	= 1U << 6,	/* requests only */
};

struct lfs_layer {
	unsigned int has;	/* LFS_HAS_* */
	uint64_t id;
	uint64_t parent_id;
	uint64_t created;	/* ns since the epoch, CLOCK_REALTIME */
	uint32_t flags;		/* LAYERFS_LAYER_F_* */
	uint32_t views;
	uint32_t children;
	const char *name;
	const char *path;
	const char *parent;
	const char *author;
	const char *message;
	/*
	 * LAYERFS_LAYER_A_BASE: @nbase layer ids, top first, as raw
	 * native-endian __u64s (possibly unaligned when borrowed from a
	 * message: read them with lfs_layer_base_id()).  NULL/0 when absent.
	 */
	const void *base;
	uint32_t nbase;
	int index_fd;		/* LAYERFS_LAYER_A_INDEX_FD (LFS_HAS_INDEX_FD) */
};

/* The @i-th id of @l's BASE. */
uint64_t lfs_layer_base_id(const struct lfs_layer *l, uint32_t i);

/*
 * A copy of @l in a single allocation (the strings live behind the struct):
 * release it with free().  NULL if out of memory.
 */
struct lfs_layer *lfs_layer_dup(const struct lfs_layer *l);

/*
 * Name of one LAYERFS_LAYER_F_* bit ("frozen"), or NULL for a bit this
 * version of layerctl does not know.
 */
const char *lfs_layer_flag_name(uint32_t bit);

/* Room for the text lfs_layer_flag_str() writes for an unknown bit. */
#define LFS_FLAG_STR_MAX 16

/*
 * The text of one flag bit: its name, or "0x..." (written into @buf of
 * LFS_FLAG_STR_MAX bytes) for a bit without one.
 */
const char *lfs_layer_flag_str(uint32_t bit, char *buf);

#endif /* LAYERCTL_LAYERINFO_H */
