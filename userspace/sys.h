/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Mounting, unmounting and mount tables: the only code besides nl.c and
 * kmod.c that talks to the kernel (tests/unit/fake_sys.c stands in for it
 * in the unit tests).
 *
 * Every function returns 0 or a negative errno.  Where it takes @e, a
 * failure leaves there the kernel's explanation (the fs_context messages
 * of fsopen(2), "; "-joined, without their "e layerfs: " prefix) or
 * layerctl's own, or "" if there is none: the caller puts its subject in
 * front (err.h), "WHAT: WHY (STRERROR)".
 */
#ifndef LAYERCTL_SYS_H
#define LAYERCTL_SYS_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "err.h"

/* What to mount; strings are borrowed. */
struct lfs_mount_spec {
	const char *target;	/* the mount point */
	const char *source;	/* the mount source; NULL: "layerfs" */
	const char *image;	/* image=REF, or NULL for... */
	char *const *layers;	/* ...one layer=NAME each, top first */
	size_t nlayers;
	const char *upper;	/* NULL: read-only */
	const char *work;
	/*
	 * 1: @target is reached without following a symbolic link on any
	 * of its components (lfs_open_dir_nofollow(): -ELOOP) and the view
	 * is attached to the directory so opened, not to what the path
	 * names by then.  0: as mount(8), links are followed.
	 */
	int target_nofollow;
	/*
	 * Called once the view is built, before it is attached, with its
	 * device (new_encode_dev(), as LAYERFS_VIEW_A_DEV): fills the
	 * MOUNT_ATTR_* bits to set and to clear on the new mount.  0, or a
	 * negative errno (explained in @e) to give up.  NULL: no flags.
	 */
	int (*attrs)(void *arg, uint32_t dev, uint64_t *set, uint64_t *clr,
		     struct lfs_err *e);
	void *attrs_arg;
};

/*
 * Mounts a view with the new mount API: fsopen("layerfs"), fsconfig()
 * source, then image or one "layer" per layer, upper and work,
 * FSCONFIG_CMD_CREATE, fsmount(), the attributes of spec->attrs applied
 * with mount_setattr(2) while the mount is still detached, move_mount()
 * onto the target: the view is never reachable without its flags.  If the
 * filesystem type is unknown, loads the module first (from @module_path if
 * not NULL, else by name; see kmod.h).
 */
int lfs_sys_mount(const struct lfs_mount_spec *spec, const char *module_path,
		  struct lfs_err *e);

/*
 * Unmounts the view mounted at @target (umount2(), MNT_DETACH if @lazy),
 * after checking that @target is the root of a layerfs mount: -EINVAL
 * with a reason otherwise, -ELOOP if its last component is a symbolic
 * link.  The check and the unmount are of the same mount whatever the
 * path names meanwhile: the directory that holds the mount point is
 * opened once, the mount point checked through an fd opened in it, and
 * unmounted by its name in it (/proc/self/fd/N/NAME, UMOUNT_NOFOLLOW).
 * *@dev: the device of the view checked (lfs_dev_encode()), 0 if none.
 * EBUSY is explained.
 */
int lfs_sys_umount(const char *target, int lazy, uint32_t *dev,
		   struct lfs_err *e);

/*
 * A new fd (O_RDONLY) of directory @dirfd on a private clone of its mount
 * alone (open_tree(2), OPEN_TREE_CLONE without AT_RECURSIVE): nothing mounted
 * below the directory shows through it, just as the kernel's lookups in
 * a layer do not cross mount points.  The clone goes away with the last
 * fd opened through it.  A negative errno if it cannot be made (the
 * caller lacks CAP_SYS_ADMIN, the kernel has no open_tree()).
 */
int lfs_sys_open_tree_clone(int dirfd);

/* Appends the contents of /proc/self/mountinfo to @out. */
int lfs_sys_mountinfo(struct lfs_buf *out);

#endif /* LAYERCTL_SYS_H */
