/* SPDX-License-Identifier: GPL-2.0 */
/*
 * `layerctl mount -o FLAG,...`: mount(8)-style per-mount flags as the new
 * mount API's MOUNT_ATTR_* bits, and the trust default (views of images
 * that came from import or load are nosuid,nodev unless -o suid / -o dev
 * says otherwise).  Pure: no I/O; sys.c applies the result with
 * mount_setattr(2) before the view is attached.
 */
#ifndef LAYERCTL_MOUNTOPT_H
#define LAYERCTL_MOUNTOPT_H

#include <stddef.h>
#include <stdint.h>

/* What -o asked for, accumulated over every -o given. */
struct lfs_mount_opts {
	uint64_t set;		/* MOUNT_ATTR_* to set */
	uint64_t clr;		/* MOUNT_ATTR_* to clear (MOUNT_ATTR__ATIME:
				 * the atime mode in @set replaces it) */
	int suid_given;		/* "suid" or "nosuid" was given */
	int dev_given;		/* "dev" or "nodev" was given */
};

#define LFS_MOUNT_OPTS_INIT { 0, 0, 0, 0 }

/*
 * Adds the comma-separated flags of @list to @o, later ones overriding
 * earlier ones: ro, rw, nosuid, suid, nodev, dev, noexec, exec, noatime,
 * relatime, strictatime, nodiratime, diratime, nosymfollow, symfollow,
 * and "defaults" (changes nothing).  0, or -EINVAL with the first unknown
 * or empty flag copied into @bad (truncated to @badlen).
 */
int lfs_mount_opts_parse(const char *list, struct lfs_mount_opts *o,
			 char *bad, size_t badlen);

/*
 * The attributes to apply to a new view's mount: @o, plus nosuid and
 * nodev when @untrusted (a layer of the view came from import or load)
 * unless -o named suid/dev either way.
 */
void lfs_mount_opts_final(const struct lfs_mount_opts *o, int untrusted,
			  uint64_t *set, uint64_t *clr);

#endif /* LAYERCTL_MOUNTOPT_H */
