// SPDX-License-Identifier: GPL-2.0
/*
 * Mounting and unmounting views, reading the mount table (see sys.h).
 * glibc 2.36 wraps the new mount API (fsopen, fsconfig, fsmount,
 * move_mount) in <sys/mount.h>.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <linux/layerfs.h>

#include "kmod.h"
#include "sys.h"
#include "viewinfo.h"

/* The longest fs_context message read(2) returns; longer ones are skipped. */
#define LFS_FCLOG_MAX 4096

static void lfs_sys_why(char *why, size_t whylen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void lfs_sys_why(char *why, size_t whylen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, whylen, fmt, ap);
	va_end(ap);
}

/*
 * Appends the errors and warnings waiting in the fs_context log of @fd to
 * @why ("e layerfs: unknown layer 'x'" becomes "unknown layer 'x'"), which
 * empties the log.
 */
static void lfs_sys_fclog(int fd, char *why, size_t whylen)
{
	static const char prefix[] = LFS_FSTYPE ": ";
	char msg[LFS_FCLOG_MAX];
	size_t used = strlen(why);

	for (;;) {
		const char *text = msg;
		char level;
		ssize_t n = read(fd, msg, sizeof(msg) - 1);

		if (n < 0 && errno == EMSGSIZE)
			continue;	/* read() dropped it: the next one */
		if (n <= 0)
			break;		/* ENODATA: no more */
		msg[n] = '\0';
		if (msg[n - 1] == '\n')
			msg[--n] = '\0';
		level = msg[0];
		if (level != 'e' && level != 'w')
			continue;	/* 'i'nformation is not an explanation */
		if (msg[1] == ' ')
			text += 2;
		if (!strncmp(text, prefix, sizeof(prefix) - 1))
			text += sizeof(prefix) - 1;
		if (used + 1 >= whylen)
			continue;
		snprintf(why + used, whylen - used, "%s%s%s", used ? "; " : "",
			 level == 'w' ? "warning: " : "", text);
		used += strlen(why + used);
	}
}

/* fsconfig(FSCONFIG_SET_STRING); on failure explains in @why. */
static int lfs_sys_set(int fd, const char *key, const char *value, char *why,
		       size_t whylen)
{
	int err;

	if (!fsconfig(fd, FSCONFIG_SET_STRING, key, value, 0))
		return 0;
	err = -errno;
	lfs_sys_fclog(fd, why, whylen);
	if (!why[0])
		lfs_sys_why(why, whylen, "cannot set option %s=%s", key, value);
	return err;
}

/* fsopen("layerfs"), loading the module if the type is unknown. */
static int lfs_sys_fsopen(const char *module_path, char *why, size_t whylen)
{
	int fd, rc;

	fd = fsopen(LFS_FSTYPE, FSOPEN_CLOEXEC);
	if (fd >= 0 || errno != ENODEV)
		return fd >= 0 ? fd : -errno;
	rc = lfs_kmod_load(module_path, why, whylen);
	if (rc < 0)
		return rc;
	fd = fsopen(LFS_FSTYPE, FSOPEN_CLOEXEC);
	if (fd >= 0)
		return fd;
	rc = -errno;
	if (rc == -ENODEV)
		lfs_sys_why(why, whylen,
			    "filesystem type '%s' is still unknown after loading the module",
			    LFS_FSTYPE);
	return rc;
}

/* Applies spec->attrs to the detached mount @mfd of the new view. */
static int lfs_sys_mount_attrs(const struct lfs_mount_spec *spec, int mfd,
			       char *why, size_t whylen)
{
	struct mount_attr attr = { 0 };
	uint64_t set = 0, clr = 0;
	struct stat st;
	int rc;

	if (!spec->attrs)
		return 0;
	if (fstat(mfd, &st)) {
		rc = -errno;
		lfs_sys_why(why, whylen, "cannot stat the new view");
		return rc;
	}
	rc = spec->attrs(spec->attrs_arg,
			 lfs_dev_encode(major(st.st_dev), minor(st.st_dev)),
			 &set, &clr, why, whylen);
	if (rc || (!set && !clr))
		return rc;
	attr.attr_set = set;
	attr.attr_clr = clr;
	if (!mount_setattr(mfd, "", AT_EMPTY_PATH, &attr, sizeof(attr)))
		return 0;
	rc = -errno;
	lfs_sys_why(why, whylen, "cannot set the mount flags (mount_setattr)");
	return rc;
}

int lfs_sys_mount(const struct lfs_mount_spec *spec, const char *module_path,
		  char *why, size_t whylen)
{
	struct stat st;
	int fd, mfd, rc;
	size_t i;

	why[0] = '\0';
	/* Refuse a bad mount point before building the view. */
	if (stat(spec->target, &st)) {
		rc = -errno;
		lfs_sys_why(why, whylen, rc == -ENOENT ?
			    "mount point does not exist" :
			    "cannot use the mount point");
		return rc;
	}
	if (!S_ISDIR(st.st_mode)) {
		lfs_sys_why(why, whylen, "mount point is not a directory");
		return -ENOTDIR;
	}

	fd = lfs_sys_fsopen(module_path, why, whylen);
	if (fd < 0)
		return fd;
	rc = lfs_sys_set(fd, "source", spec->source ? spec->source : LFS_FSTYPE,
			 why, whylen);
	if (!rc && spec->image)
		rc = lfs_sys_set(fd, "image", spec->image, why, whylen);
	for (i = 0; !rc && !spec->image && i < spec->nlayers; i++)
		rc = lfs_sys_set(fd, "layer", spec->layers[i], why, whylen);
	if (!rc && spec->upper)
		rc = lfs_sys_set(fd, "upper", spec->upper, why, whylen);
	if (!rc && spec->work)
		rc = lfs_sys_set(fd, "work", spec->work, why, whylen);
	if (rc)
		goto out;
	if (fsconfig(fd, FSCONFIG_CMD_CREATE, NULL, NULL, 0)) {
		rc = -errno;
		lfs_sys_fclog(fd, why, whylen);
		goto out;
	}
	mfd = fsmount(fd, FSMOUNT_CLOEXEC, 0);
	if (mfd < 0) {
		rc = -errno;
		lfs_sys_fclog(fd, why, whylen);
		if (!why[0])
			lfs_sys_why(why, whylen, "cannot make a mount of the view");
		goto out;
	}
	rc = lfs_sys_mount_attrs(spec, mfd, why, whylen);
	/* Like mount(2), follow a symbolic link at the mount point. */
	if (!rc && move_mount(mfd, "", AT_FDCWD, spec->target,
			      MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_SYMLINKS)) {
		rc = -errno;
		lfs_sys_why(why, whylen, "cannot attach the view to the mount point");
	}
	close(mfd);
out:
	close(fd);
	return rc;
}

int lfs_sys_umount(const char *target, int lazy, char *why, size_t whylen)
{
	struct statx stx;
	struct statfs sf;
	int rc;

	why[0] = '\0';
	if (statfs(target, &sf))
		return -errno;
	if (sf.f_type != LAYERFS_SUPER_MAGIC) {
		lfs_sys_why(why, whylen, "not a layerfs view");
		return -EINVAL;
	}
	if (!statx(AT_FDCWD, target, AT_NO_AUTOMOUNT, STATX_TYPE, &stx) &&
	    (stx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT) &&
	    !(stx.stx_attributes & STATX_ATTR_MOUNT_ROOT)) {
		lfs_sys_why(why, whylen,
			    "not a mount point (a directory inside a layerfs view)");
		return -EINVAL;
	}
	if (!umount2(target, lazy ? MNT_DETACH : 0))
		return 0;
	rc = -errno;
	if (rc == -EBUSY)
		lfs_sys_why(why, whylen,
			    "the view is in use (open files, working directories or mounts inside it); --lazy detaches it now and unmounts it when the last user goes");
	return rc;
}

int lfs_sys_mountinfo(struct lfs_buf *out)
{
	char chunk[8192];
	ssize_t n;
	int fd, rc = 0;

	fd = open("/proc/self/mountinfo", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	while ((n = read(fd, chunk, sizeof(chunk))) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			rc = -errno;
			break;
		}
		lfs_buf_put(out, chunk, (size_t)n);
	}
	close(fd);
	return rc ? rc : lfs_buf_error(out);
}
