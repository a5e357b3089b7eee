/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A stand-in for userspace/sys.c (mounting, unmounting, the mount table)
 * in the unit tests: scripted results, recorded requests.
 */
#ifndef LAYERCTL_FAKE_SYS_H
#define LAYERCTL_FAKE_SYS_H

#include <stdint.h>

#include "viewinfo.h"

struct fake_sys {
	/* Script. */
	int mount_err;			/* lfs_sys_mount() fails with this... */
	const char *mount_why;		/* ...and this explanation */
	int umount_err;			/* the same for lfs_sys_umount() */
	const char *umount_why;
	int umount_clears_views;	/* a successful umount empties
					 * fake_nl's view dump */
	void (*umount_hook)(void);	/* called by lfs_sys_umount(): what
					 * another process does meanwhile */
	uint32_t umount_dev;		/* the device of the view it checked
					 * and unmounted (0: the target's) */
	uint32_t mount_dev;		/* the new view's device, given to
					 * spec->attrs */
	const char *mountinfo;		/* lfs_sys_mountinfo()'s text... */
	int mountinfo_err;		/* ...or its error */

	/* Record (copies, freed by fake_sys_reset()). */
	int mounts;			/* lfs_sys_mount() calls */
	char *target, *source, *image, *upper, *work;
	int target_nofollow;		/* spec->target_nofollow */
	struct lfs_strv layers;		/* spec->layers of the last call */
	const char *module;		/* module path it was given */
	int attrs_called;		/* spec->attrs was called... */
	uint64_t attr_set, attr_clr;	/* ...and gave these */
	int umounts;			/* lfs_sys_umount() calls */
	char *umount_target;
	int lazy;
	int mountinfo_reads;
};

extern struct fake_sys fake_sys;

/* Forgets script and record. */
void fake_sys_reset(void);

#endif /* LAYERCTL_FAKE_SYS_H */
