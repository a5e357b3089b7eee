// SPDX-License-Identifier: GPL-2.0
/*
 * layerfs: a union filesystem of named, registered read-only layers.
 *
 * Module init and exit only.  The netlink family is registered last, so
 * userspace cannot reach a half-initialised module, and everything is torn
 * down in exactly the reverse order.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <net/genetlink.h>

#include "layerfs.h"

static int __init layerfs_init(void)
{
	int err;

	err = layerfs_registry_init();
	if (err)
		return err;
	err = layerfs_readdir_init();
	if (err)
		goto out_registry_exit;
	err = layerfs_super_init();
	if (err)
		goto out_readdir_exit;
	err = layerfs_netlink_init();
	if (err)
		goto out_super_exit;
	pr_info("loaded\n");
	return 0;

out_super_exit:
	layerfs_super_exit();
out_readdir_exit:
	layerfs_readdir_exit();
out_registry_exit:
	layerfs_registry_exit();
	return err;
}

static void __exit layerfs_exit(void)
{
	layerfs_netlink_exit();
	layerfs_super_exit();
	layerfs_readdir_exit();
	layerfs_registry_exit();
}

module_init(layerfs_init);
module_exit(layerfs_exit);

MODULE_DESCRIPTION("layerfs: union filesystem of registered read-only layers");
MODULE_AUTHOR("The layerfs developers");
MODULE_LICENSE("GPL");
MODULE_ALIAS_GENL_FAMILY("layerfs");
