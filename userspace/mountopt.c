// SPDX-License-Identifier: GPL-2.0
/* mount(8)-style -o flags as MOUNT_ATTR_* bits (see mountopt.h). */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>

#include "mountopt.h"

/* One flag: the bits it sets and clears, and what it decides. */
struct lfs_mount_flag {
	const char *name;
	uint64_t set, clr;
	int suid, dev;		/* 1: decides suid / dev */
};

static const struct lfs_mount_flag lfs_mount_flags[] = {
	{ "defaults", 0, 0, 0, 0 },
	{ "ro", MOUNT_ATTR_RDONLY, 0, 0, 0 },
	{ "rw", 0, MOUNT_ATTR_RDONLY, 0, 0 },
	{ "nosuid", MOUNT_ATTR_NOSUID, 0, 1, 0 },
	{ "suid", 0, MOUNT_ATTR_NOSUID, 1, 0 },
	{ "nodev", MOUNT_ATTR_NODEV, 0, 0, 1 },
	{ "dev", 0, MOUNT_ATTR_NODEV, 0, 1 },
	{ "noexec", MOUNT_ATTR_NOEXEC, 0, 0, 0 },
	{ "exec", 0, MOUNT_ATTR_NOEXEC, 0, 0 },
	{ "noatime", MOUNT_ATTR_NOATIME, MOUNT_ATTR__ATIME, 0, 0 },
	{ "relatime", MOUNT_ATTR_RELATIME, MOUNT_ATTR__ATIME, 0, 0 },
	{ "strictatime", MOUNT_ATTR_STRICTATIME, MOUNT_ATTR__ATIME, 0, 0 },
	{ "nodiratime", MOUNT_ATTR_NODIRATIME, 0, 0, 0 },
	{ "diratime", 0, MOUNT_ATTR_NODIRATIME, 0, 0 },
	{ "nosymfollow", MOUNT_ATTR_NOSYMFOLLOW, 0, 0, 0 },
	{ "symfollow", 0, MOUNT_ATTR_NOSYMFOLLOW, 0, 0 },
};

static const struct lfs_mount_flag *lfs_mount_flag_find(const char *s,
							size_t n)
{
	size_t i;

	for (i = 0; i < sizeof(lfs_mount_flags) / sizeof(*lfs_mount_flags); i++)
		if (strlen(lfs_mount_flags[i].name) == n &&
		    !strncmp(lfs_mount_flags[i].name, s, n))
			return &lfs_mount_flags[i];
	return NULL;
}

/* Applies @f to @o: a later flag undoes an earlier opposite one. */
static void lfs_mount_flag_apply(struct lfs_mount_opts *o,
				 const struct lfs_mount_flag *f)
{
	if (f->clr & MOUNT_ATTR__ATIME) {
		o->set &= ~(uint64_t)MOUNT_ATTR__ATIME;
		o->clr |= MOUNT_ATTR__ATIME;
	} else {
		o->set &= ~f->clr;
		o->clr |= f->clr;
	}
	o->set |= f->set;
	o->clr &= ~(f->set & ~(uint64_t)MOUNT_ATTR__ATIME);
	o->suid_given |= f->suid;
	o->dev_given |= f->dev;
}

int lfs_mount_opts_parse(const char *list, struct lfs_mount_opts *o,
			 char *bad, size_t badlen)
{
	const char *p = list;

	for (;;) {
		size_t n = strcspn(p, ",");
		const struct lfs_mount_flag *f = lfs_mount_flag_find(p, n);

		if (!f) {
			if (bad && badlen)
				snprintf(bad, badlen, "%.*s", (int)n, p);
			return -EINVAL;
		}
		lfs_mount_flag_apply(o, f);
		if (!p[n])
			return 0;
		p += n + 1;
	}
}

void lfs_mount_opts_final(const struct lfs_mount_opts *o, int untrusted,
			  uint64_t *set, uint64_t *clr)
{
	*set = o->set;
	*clr = o->clr;
	if (untrusted && !o->suid_given)
		*set |= MOUNT_ATTR_NOSUID;
	if (untrusted && !o->dev_given)
		*set |= MOUNT_ATTR_NODEV;
}
