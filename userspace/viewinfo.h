/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Mounted views as layerctl sees them, and the pure helpers around them:
 * assembling a view from the messages of a LAYERFS_CMD_VIEW_GET dump (a
 * long stack spans several, see include/uapi/linux/layerfs.h), finding its
 * mountpoints in /proc/self/mountinfo text, splitting a --layers list.  No
 * I/O: the callers read the socket and the file.
 */
#ifndef LAYERCTL_VIEWINFO_H
#define LAYERCTL_VIEWINFO_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "strv.h"

/* The filesystem type of views, in fsopen(2) and mountinfo. */
#define LFS_FSTYPE "layerfs"

/*
 * Sets @e (may be NULL) to -EBADMSG and "malformed reply: " and the
 * formatted reason, and returns -EBADMSG: how the reply parsers here and
 * in msg.c refuse a message.
 */
int lfs_malformed(struct lfs_err *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * Appends the layer names of a --layers list, TOP:...:BOTTOM, to @out.
 * The syntax is the kernel's layers= option: ':' separates names, and a
 * backslash makes the next character literal ("gakki/app\:1.1:base" is
 * "gakki/app:1.1" and "base"; a backslash at the very end is kept).  Names
 * are not checked here (lfs_name_check() does that; an empty one, as in
 * "a::b", is passed on for it to refuse).  0 or -ENOMEM.
 */
int lfs_layers_split(const char *list, struct lfs_strv *out);

/*
 * One message of a LAYERFS_CMD_VIEW_GET dump, decoded (msg.c).  Strings
 * are borrowed (NULL when absent); @names holds @nnames layer names of the
 * stack from index @first on, top first.
 */
struct lfs_view_part {
	uint64_t id;
	uint32_t dev;		/* new_encode_dev() encoding */
	uint32_t flags;		/* LAYERFS_VIEW_F_* */
	uint32_t nlayers;	/* in the whole stack */
	uint32_t first;		/* stack index of names[0] */
	uint32_t commits;	/* LAYERFS_VIEW_A_COMMITS, 0 when absent */
	const char *source;
	const char *image;
	const char *upper;
	const char *work;
	const char **names;
	uint32_t nnames;
};

/* A whole view, owning its strings. */
struct lfs_view {
	uint64_t id;
	uint32_t dev;
	uint32_t flags;
	uint32_t nlayers;	/* the stack's length... */
	uint32_t have;		/* ...and how much of it arrived */
	char *source;
	char *image;		/* NULL if not mounted as an image */
	char *upper;		/* NULL if read-only */
	char *work;
	char **layers;		/* [nlayers], top first */
	struct lfs_strv mountpoints;	/* in mountinfo order */
	struct lfs_strv mount_options;	/* the per-mount options of the
					 * first: "rw", "nosuid", ... */
};

/* The views of one dump, in the order they came (ascending id). */
struct lfs_view_list {
	struct lfs_view *v;
	size_t n, cap;
	int open;		/* v[n - 1] still awaits layer names */
	size_t dropped;		/* views unmounted while the dump ran */
};

#define LFS_VIEW_LIST_INIT { NULL, 0, 0, 0, 0 }

/*
 * Adds one dump message.  A message with FIRST 0 starts a view; one with
 * FIRST > 0 must continue the view before it: same ID, DEV, SOURCE,
 * NLAYERS and FLAGS, FIRST equal to the names received so far, and no more
 * names than NLAYERS.  A view that was still incomplete when the next one
 * starts was unmounted during the dump (the kernel then moves on to the
 * next view): it is dropped and counted in @dropped.  0, -ENOMEM, or
 * -EBADMSG with the reason in @e ("malformed reply: ...").
 */
int lfs_views_add(struct lfs_view_list *l, const struct lfs_view_part *p,
		  struct lfs_err *e);

/* Ends the dump: drops a last view left incomplete (see above). */
void lfs_views_finish(struct lfs_view_list *l);

void lfs_views_free(struct lfs_view_list *l);

/* new_encode_dev() decoding, as the kernel's MAJOR()/MINOR(). */
static inline unsigned int lfs_dev_major(uint32_t dev)
{
	return (dev & 0xfff00U) >> 8;
}

static inline unsigned int lfs_dev_minor(uint32_t dev)
{
	return (dev & 0xffU) | ((dev >> 12) & 0xfff00U);
}

static inline uint32_t lfs_dev_encode(unsigned int major, unsigned int minor)
{
	return (minor & 0xffU) | (major << 8) | ((minor & ~0xffU) << 12);
}

/* One line of /proc/self/mountinfo, split (see proc(5)). */
struct lfs_mountinfo {
	unsigned int major, minor;	/* field 3, "major:minor" */
	const char *root;		/* field 4, unescaped */
	const char *mountpoint;		/* field 5, unescaped */
	const char *options;		/* field 6, per-mount options */
	const char *fstype;		/* first field after " - " */
	const char *source;		/* the one after it, unescaped */
};

/*
 * Splits @line (one line, no newline; rewritten in place, the results
 * point into it) and undoes the kernel's octal escapes ("\040" for a
 * space, "\011", "\012", "\134").  0, or -EINVAL if the line is malformed.
 */
int lfs_mountinfo_parse(char *line, struct lfs_mountinfo *mi);

/*
 * Gives each view the mountpoints of the layerfs mounts in @text (the
 * contents of /proc/self/mountinfo) whose device is the view's DEV, and
 * the per-mount options of the first of them, split at ','.
 * Malformed lines are skipped.  0 or -ENOMEM.
 */
int lfs_views_set_mountpoints(struct lfs_view_list *l, const char *text);

#endif /* LAYERCTL_VIEWINFO_H */
