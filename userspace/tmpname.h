/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The names of the store's temporary files (tmpname.c, pure; the files
 * are fsdir.c's lfs_tmp_create()): ".BASE.XXXXXXXX.tmp" beside the file
 * BASE they will replace, XXXXXXXX eight random lower-case hex digits,
 * BASE cut so that the name fits NAME_MAX.  A crash between a temporary
 * file's creation and its rename leaves one behind; whoever removes the
 * directory may remove those names too, and only those.
 */
#ifndef LAYERCTL_TMPNAME_H
#define LAYERCTL_TMPNAME_H

#include <stddef.h>

/*
 * The temporary name for @name (a name, or a path: the name of its last
 * component, in the same directory) with random value @r into @out: 0, or
 * -ENAMETOOLONG if it does not fit @size.
 */
int lfs_tmp_name_make(char *out, size_t size, const char *name, unsigned int r);

/* 1 if @name (one component) is such a temporary name, else 0. */
int lfs_tmp_name_is(const char *name);

#endif /* LAYERCTL_TMPNAME_H */
