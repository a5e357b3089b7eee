/* SPDX-License-Identifier: GPL-2.0 */
/* Loading the layerfs module with libkmod. */
#ifndef LAYERCTL_KMOD_H
#define LAYERCTL_KMOD_H

#include "err.h"

/*
 * Loads the layerfs module: the file @path if not NULL (insmod-like; a
 * module already loaded is fine), else "layerfs" through the module index
 * of the running kernel with its dependencies (modprobe-like).  Returns 0
 * or a negative errno with what failed in @e:
 *   "cannot load module 'layerfs': <reason>"
 *   "cannot load module '<path>': <reason>"
 */
int lfs_kmod_load(const char *path, struct lfs_err *e);

#endif /* LAYERCTL_KMOD_H */
