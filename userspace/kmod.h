/* SPDX-License-Identifier: GPL-2.0 */
/* Loading the layerfs module with libkmod. */
#ifndef LAYERCTL_KMOD_H
#define LAYERCTL_KMOD_H

#include "err.h"

/* The module's name: the subject of what layerctl asks of the kernel. */
#define LFS_MODULE_NAME "layerfs"

/*
 * Loads the layerfs module: the file @path if not NULL (insmod-like; a
 * module already loaded is fine), else "layerfs" through the module index
 * of the running kernel with its dependencies (modprobe-like).  Returns 0
 * or a negative errno with what failed in @e:
 *   "module 'layerfs': cannot load (STRERROR)"
 *   "module 'PATH': cannot load (STRERROR)"
 */
int lfs_kmod_load(const char *path, struct lfs_err *e);

#endif /* LAYERCTL_KMOD_H */
