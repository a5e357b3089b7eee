// SPDX-License-Identifier: GPL-2.0
/*
 * Mounting and unmounting views, reading the mount table (see sys.h).
 * glibc 2.36 wraps the new mount API (fsopen, fsconfig, fsmount,
 * move_mount, open_tree) in <sys/mount.h>.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <linux/layerfs.h>

#include "fsdir.h"
#include "kmod.h"
#include "parse.h"
#include "sys.h"
#include "viewinfo.h"

/* The longest fs_context message read(2) returns; longer ones are skipped. */
#define LFS_FCLOG_MAX 4096

/*
 * Appends the errors and warnings waiting in the fs_context log of @fd to
 * @e's text ("e layerfs: unknown layer 'x'" becomes "unknown layer 'x'"), which
 * empties the log.
 */
static void lfs_sys_fclog(int fd, struct lfs_err *e)
{
	static const char prefix[] = LFS_FSTYPE ": ";
	char msg[LFS_FCLOG_MAX];
	size_t used = strlen(e->msg), len;

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
		if (used + 1 >= sizeof(e->msg))
			continue;
		snprintf(e->msg + used, sizeof(e->msg) - used, "%s%s",
			 used ? "; " : "", level == 'w' ? "warning: " : "");
		used += strlen(e->msg + used);
		len = strnlen(text, sizeof(e->msg) - 1 - used);
		memcpy(e->msg + used, text, len);
		used += len;
		e->msg[used] = '\0';
	}
}

/* fsconfig(FSCONFIG_SET_STRING); on failure explains in @e. */
static int lfs_sys_set(int fd, const char *key, const char *value, struct lfs_err *e)
{
	int err;

	if (!fsconfig(fd, FSCONFIG_SET_STRING, key, value, 0))
		return 0;
	err = -errno;
	e->code = err;
	lfs_sys_fclog(fd, e);
	if (!e->msg[0])
		lfs_err_set(e, err, "cannot set option %s=%s", key, value);
	return err;
}

int lfs_sys_open_tree_clone(int dirfd)
{
	int tree, fd, err;

	tree = open_tree(dirfd, "", AT_EMPTY_PATH | OPEN_TREE_CLONE |
			 OPEN_TREE_CLOEXEC);
	if (tree < 0)
		return -errno;
	/*
	 * open_tree() gives an O_PATH fd, which cannot be read: a directory
	 * opened through it.  Closing @tree detaches the clone, which stays
	 * usable through @fd, as a lazily unmounted tree does.
	 */
	fd = openat(tree, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	err = fd < 0 ? -errno : 0;
	close(tree);
	return err ? err : fd;
}

/* fsopen("layerfs"), loading the module if the type is unknown. */
static int lfs_sys_fsopen(const char *module_path, struct lfs_err *e)
{
	int fd, rc;

	fd = fsopen(LFS_FSTYPE, FSOPEN_CLOEXEC);
	if (fd >= 0 || errno != ENODEV)
		return fd >= 0 ? fd : -errno;
	rc = lfs_kmod_load(module_path, e);
	if (rc < 0)
		return rc;
	fd = fsopen(LFS_FSTYPE, FSOPEN_CLOEXEC);
	if (fd >= 0)
		return fd;
	rc = -errno;
	if (rc == -ENODEV)
		lfs_err_named(e, rc, "still unknown after loading the module",
			      "filesystem type '%s'", LFS_FSTYPE);
	return rc;
}

/* Applies spec->attrs to the detached mount @mfd of the new view. */
static int lfs_sys_mount_attrs(const struct lfs_mount_spec *spec, int mfd,
			       struct lfs_err *e)
{
	struct mount_attr attr = { 0 };
	uint64_t set = 0, clr = 0;
	struct stat st;
	int rc;

	if (!spec->attrs)
		return 0;
	if (fstat(mfd, &st))
		return lfs_err_set(e, -errno, "cannot stat the new view");
	rc = spec->attrs(spec->attrs_arg,
			 lfs_dev_encode(major(st.st_dev), minor(st.st_dev)),
			 &set, &clr, e);
	if (rc || (!set && !clr))
		return rc;
	attr.attr_set = set;
	attr.attr_clr = clr;
	if (!mount_setattr(mfd, "", AT_EMPTY_PATH, &attr, sizeof(attr)))
		return 0;
	return lfs_err_set(e, -errno, "cannot set the mount flags");
}

/*
 * The mount point of @spec, checked before the view is built: -1 (a path
 * for move_mount(2)) or, with spec->target_nofollow, the directory opened
 * without following a link (lfs_open_dir_nofollow()); or a negative errno
 * in @e.
 */
static int lfs_sys_target(const struct lfs_mount_spec *spec, int *tfd,
			  struct lfs_err *e)
{
	struct stat st;
	int rc;

	*tfd = -1;
	if (spec->target_nofollow) {
		rc = lfs_open_dir_nofollow(spec->target, 0, 0);
		if (rc >= 0) {
			*tfd = rc;
			return 0;
		}
	} else if (stat(spec->target, &st)) {
		rc = -errno;
	} else {
		rc = S_ISDIR(st.st_mode) ? 0 : -ENOTDIR;
	}
	if (rc == -ENOENT)
		return lfs_err_set(e, rc, "mount point does not exist");
	if (rc == -ENOTDIR)
		return lfs_err_set(e, rc, "mount point is not a directory");
	if (rc == -ELOOP && spec->target_nofollow)
		return lfs_err_set(e, rc, "a symbolic link on the mount point's path");
	return rc ? lfs_err_set(e, rc, "cannot use the mount point") : 0;
}

/* Attaches the new view @mfd at the target (@tfd if >= 0). */
static int lfs_sys_attach(const struct lfs_mount_spec *spec, int mfd, int tfd)
{
	if (tfd >= 0)
		return move_mount(mfd, "", tfd, "", MOVE_MOUNT_F_EMPTY_PATH |
				  MOVE_MOUNT_T_EMPTY_PATH) ? -errno : 0;
	/* Like mount(2), follow a symbolic link at the mount point. */
	return move_mount(mfd, "", AT_FDCWD, spec->target,
			  MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_SYMLINKS) ?
	       -errno : 0;
}

int lfs_sys_mount(const struct lfs_mount_spec *spec, const char *module_path,
		  struct lfs_err *e)
{
	int fd, mfd, tfd, rc;
	size_t i;

	lfs_err_clear(e);
	/* Refuse a bad mount point before building the view. */
	rc = lfs_sys_target(spec, &tfd, e);
	if (rc)
		return rc;
	fd = lfs_sys_fsopen(module_path, e);
	if (fd < 0) {
		if (tfd >= 0)
			close(tfd);
		return fd;
	}
	rc = lfs_sys_set(fd, "source", spec->source ? spec->source : LFS_FSTYPE,
			 e);
	if (!rc && spec->image)
		rc = lfs_sys_set(fd, "image", spec->image, e);
	for (i = 0; !rc && !spec->image && i < spec->nlayers; i++)
		rc = lfs_sys_set(fd, "layer", spec->layers[i], e);
	if (!rc && spec->upper)
		rc = lfs_sys_set(fd, "upper", spec->upper, e);
	if (!rc && spec->work)
		rc = lfs_sys_set(fd, "work", spec->work, e);
	if (rc)
		goto out;
	if (fsconfig(fd, FSCONFIG_CMD_CREATE, NULL, NULL, 0)) {
		rc = lfs_err_set(e, -errno, "%s", "");
		lfs_sys_fclog(fd, e);
		goto out;
	}
	mfd = fsmount(fd, FSMOUNT_CLOEXEC, 0);
	if (mfd < 0) {
		rc = lfs_err_set(e, -errno, "%s", "");
		lfs_sys_fclog(fd, e);
		if (!e->msg[0])
			lfs_err_set(e, rc, "cannot make a mount of the view");
		goto out;
	}
	rc = lfs_sys_mount_attrs(spec, mfd, e);
	if (!rc) {
		rc = lfs_sys_attach(spec, mfd, tfd);
		if (rc)
			lfs_err_set(e, rc,
				    "cannot attach the view to the mount point");
	}
	close(mfd);
out:
	close(fd);
	if (tfd >= 0)
		close(tfd);
	return rc;
}

/*
 * The directory that holds the mount point @target, opened (O_PATH; links
 * on the way followed, once), and the mount point's name in it into
 * @name.  A last component "." or ".." names the directory @target
 * resolves to.  An fd or -errno (explained in @e).
 */
static int lfs_sys_umount_parent(const char *target, char *name, size_t len,
				 struct lfs_err *e)
{
	char parent[PATH_MAX], *real = NULL;
	int rc, fd;

	rc = lfs_path_last(target, parent, sizeof(parent), name, len);
	if (rc == -EINVAL) {
		real = realpath(target, NULL);
		if (!real)
			return lfs_err_set(e, -errno, "%s", "");
		rc = lfs_path_last(real, parent, sizeof(parent), name, len);
		free(real);
		if (rc == -EINVAL)	/* "/" */
			return lfs_err_set(e, rc, "not a layerfs view");
	}
	if (rc)
		return lfs_err_set(e, rc, "%s", "");
	fd = open(parent, O_PATH | O_DIRECTORY | O_CLOEXEC);
	return fd < 0 ? lfs_err_set(e, -errno, "%s", "") : fd;
}

/*
 * Whether @name in @pfd is the root of a layerfs mount, checked through
 * an fd of it (a symbolic link is not followed): 0 with its device in
 * *@dev, or -errno explained in @e.
 */
static int lfs_sys_umount_check(int pfd, const char *name, uint32_t *dev,
				struct lfs_err *e)
{
	struct statx stx;
	struct statfs sf;
	struct stat st;
	int fd, rc = 0;

	fd = openat(pfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return lfs_err_set(e, -errno, "%s", "");
	if (fstat(fd, &st) || fstatfs(fd, &sf))
		rc = lfs_err_set(e, -errno, "%s", "");
	else if (S_ISLNK(st.st_mode))
		rc = lfs_err_set(e, -ELOOP,
				 "a symbolic link: give the view's mount point itself");
	else if (sf.f_type != LAYERFS_SUPER_MAGIC)
		rc = lfs_err_set(e, -EINVAL, "not a layerfs view");
	else if (!statx(fd, "", AT_EMPTY_PATH | AT_NO_AUTOMOUNT, STATX_TYPE,
			&stx) &&
		 (stx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT) &&
		 !(stx.stx_attributes & STATX_ATTR_MOUNT_ROOT))
		rc = lfs_err_set(e, -EINVAL,
				 "not a mount point: a directory inside a layerfs view");
	*dev = lfs_dev_encode(major(st.st_dev), minor(st.st_dev));
	/* not held during the unmount: the view would be busy */
	close(fd);
	return rc;
}

int lfs_sys_umount(const char *target, int lazy, uint32_t *dev,
		   struct lfs_err *e)
{
	char name[NAME_MAX + 1], via[LFS_FD_PATH_MAX];
	int pfd, rc;

	lfs_err_clear(e);
	*dev = 0;
	pfd = lfs_sys_umount_parent(target, name, sizeof(name), e);
	if (pfd < 0)
		return pfd;
	rc = lfs_sys_umount_check(pfd, name, dev, e);
	if (rc)
		goto out;
	/*
	 * The mount checked, whatever the path names by now: its name in
	 * the directory held open (a mount point cannot be renamed), the
	 * name itself not followed.
	 */
	rc = lfs_fd_path(via, sizeof(via), pfd, name);
	if (!rc && !umount2(via, UMOUNT_NOFOLLOW | (lazy ? MNT_DETACH : 0)))
		goto out;
	rc = lfs_err_set(e, rc ? rc : -errno, "%s", "");
	if (rc == -EBUSY)
		lfs_err_set(e, rc,
			    "the view is in use: open files, working directories or mounts inside it: --lazy detaches it now and unmounts it when the last user goes");
out:
	close(pfd);
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
