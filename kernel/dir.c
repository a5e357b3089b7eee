// SPDX-License-Identifier: GPL-2.0
/*
 * Directory inode operations: lookup and attributes for now; namespace
 * changes (create, mkdir, unlink, rename, ...) with whiteouts follow.
 */
#include <linux/fs.h>

#include "layerfs.h"

const struct inode_operations layerfs_dir_inode_ops = {
	.lookup = layerfs_lookup,
	.permission = layerfs_permission,
	.getattr = layerfs_getattr,
	.setattr = layerfs_setattr,
	.listxattr = layerfs_listxattr,
};
