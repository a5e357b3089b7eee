/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The store's temporary directories (tmpdir.c): push, pull, save and
 * load work in ROOT/.push-*, .pull-*, .save-* and .load-*
 * (lfs_reg_tmpdir() makes them) and hold a shared flock() on each for as
 * long as they run; prune deletes one only if it can lock it exclusively
 * (no running command holds it) and it has not changed for
 * LFS_TMPDIR_MIN_AGE seconds (not one being made this moment, before its
 * maker has locked it).  A pull's partial downloads (pullpart.h) follow
 * the same rule, file by file.
 */
#ifndef LAYERCTL_TMPDIR_H
#define LAYERCTL_TMPDIR_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "strv.h"

#define LFS_TMPDIR_MIN_AGE	60

/* 1 if @name is a temporary directory's name (".push-X", ...).  Pure. */
int lfs_tmpdir_name(const char *name);

/* Holds a shared lock on directory @path until lfs_tmpdir_release(). */
void lfs_tmpdir_hold(const char *path);
void lfs_tmpdir_release(const char *path);

/*
 * The stale temporary directories of the store root @rootfd (unlocked,
 * unchanged since @now - @min_age): their names into @gone, their
 * bytes and files added to *@size and *@files; deleted unless @dry.
 * 0 or -errno (of listing the root; a failed deletion sets *@failed).
 */
int lfs_tmpdir_prune(int rootfd, time_t now, time_t min_age, int dry,
		     struct lfs_strv *gone, uint64_t *size, uint64_t *files,
		     int *failed);

#endif /* LAYERCTL_TMPDIR_H */
