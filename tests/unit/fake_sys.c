// SPDX-License-Identifier: GPL-2.0
/* Scripted stand-in for userspace/sys.c (see fake_sys.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "fake_nl.h"
#include "fake_alloc.h"
#include "fake_sys.h"
#include "sys.h"

struct fake_sys fake_sys;

static char *fake_dup(const char *s)
{
	return s ? strdup(s) : NULL;
}

void fake_sys_reset(void)
{
	free(fake_sys.target);
	free(fake_sys.source);
	free(fake_sys.image);
	free(fake_sys.upper);
	free(fake_sys.work);
	free(fake_sys.umount_target);
	lfs_strv_free(&fake_sys.layers);
	memset(&fake_sys, 0, sizeof(fake_sys));
}

/* As sys.c: the errno, and the kernel's explanation if any. */
static void fake_why(struct lfs_err *e, int err, const char *text)
{
	lfs_err_set(e, err, "%s", text ? text : "");
}

int lfs_sys_mount(const struct lfs_mount_spec *spec, const char *module_path,
		  struct lfs_err *e)
{
	size_t i;

	fake_sys.mounts++;
	fake_alloc.paused++;	/* the record, not the mount, allocates */
	free(fake_sys.target);
	free(fake_sys.source);
	free(fake_sys.image);
	free(fake_sys.upper);
	free(fake_sys.work);
	lfs_strv_free(&fake_sys.layers);
	fake_sys.target = fake_dup(spec->target);
	fake_sys.source = fake_dup(spec->source);
	fake_sys.image = fake_dup(spec->image);
	fake_sys.upper = fake_dup(spec->upper);
	fake_sys.work = fake_dup(spec->work);
	fake_sys.target_nofollow = spec->target_nofollow;
	for (i = 0; i < spec->nlayers; i++)
		if (lfs_strv_push(&fake_sys.layers, spec->layers[i]))
			abort();
	fake_sys.module = module_path;
	fake_alloc.paused--;
	fake_why(e, fake_sys.mount_err, fake_sys.mount_err ? fake_sys.mount_why : NULL);
	if (fake_sys.mount_err || !spec->attrs)
		return fake_sys.mount_err;
	/* As sys.c: once the view is built, before it is attached. */
	fake_sys.attrs_called = 1;
	fake_sys.attr_set = fake_sys.attr_clr = 0;
	return spec->attrs(spec->attrs_arg, fake_sys.mount_dev,
			   &fake_sys.attr_set, &fake_sys.attr_clr, e);
}

int lfs_sys_umount(const char *target, int lazy, uint32_t *dev,
		   struct lfs_err *e)
{
	struct stat st;

	/* as sys.c: the device of what is checked and unmounted */
	*dev = fake_sys.umount_dev;
	if (!*dev && !stat(target, &st))
		*dev = lfs_dev_encode(major(st.st_dev), minor(st.st_dev));
	fake_sys.umounts++;
	if (fake_sys.umount_hook)
		fake_sys.umount_hook();
	free(fake_sys.umount_target);
	fake_sys.umount_target = fake_dup(target);
	fake_sys.lazy = lazy;
	fake_why(e, fake_sys.umount_err,
		 fake_sys.umount_err ? fake_sys.umount_why : NULL);
	if (!fake_sys.umount_err && fake_sys.umount_clears_views)
		fake_nl.n_view_parts = 0;	/* the view is gone */
	return fake_sys.umount_err;
}

/* The unit tests' trees have no mounts inside: the directory itself. */
int lfs_sys_open_tree_clone(int dirfd)
{
	int fd = fcntl(dirfd, F_DUPFD_CLOEXEC, 0);

	return fd < 0 ? -errno : fd;
}

int lfs_sys_mountinfo(struct lfs_buf *out)
{
	fake_sys.mountinfo_reads++;
	if (fake_sys.mountinfo_err)
		return fake_sys.mountinfo_err;
	lfs_buf_puts(out, fake_sys.mountinfo ? fake_sys.mountinfo : "");
	return lfs_buf_error(out);
}
