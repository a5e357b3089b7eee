// SPDX-License-Identifier: GPL-2.0
/*
 * Mount options, through the fs_context API:
 *
 *   layers=TOP:...:BOTTOM   the stack, replacing any given before; a ':' inside
 *                           a name (a tag) is written '\:', a '\' as '\\'
 *   layer=NAME              appends one layer below those given before (for
 *                           fsconfig(2), whose strings are short, and for
 *                           stacks longer than a page of options)
 *   image=REF               REF and its chain of parents, REF on top
 *   upper=DIR,work=DIR      the writable upper directory and its work
 *                           directory, on one filesystem; without them the
 *                           view is read-only.  Resolved when given (a
 *                           relative path against the caller's cwd), as
 *                           strings or through FSCONFIG_SET_PATH
 *   noindex                 walk the layers even where the image has an
 *                           index (kernel/index.c): for comparisons
 *
 * Layer names are checked here for syntax only; fill_super resolves them
 * against the registry.
 */
#include <linux/capability.h>
#include <linux/fs_context.h>
#include <linux/fs_parser.h>
#include <linux/namei.h>
#include <linux/slab.h>

#include <linux/layerfs.h>
#include <layerfs/refname.h>

#include "layerfs.h"

enum layerfs_opt {
	Opt_layers,
	Opt_layer,
	Opt_image,
	Opt_upper,
	Opt_work,
	Opt_noindex,
};

const struct fs_parameter_spec layerfs_param_spec[] = {
	fsparam_string("layers", Opt_layers),
	fsparam_string("layer", Opt_layer),
	fsparam_string("image", Opt_image),
	fsparam_path("upper", Opt_upper),
	fsparam_path("work", Opt_work),
	fsparam_flag("noindex", Opt_noindex),
	{}
};

static void layerfs_ctx_clear_names(struct layerfs_fs_ctx *ctx)
{
	unsigned int i;

	for (i = 0; i < ctx->nnames; i++)
		kfree(ctx->names[i]);
	ctx->nnames = 0;
}

/* Appends a layer name, taking ownership of @name. */
static int layerfs_ctx_add_name(struct fs_context *fc, char *name)
{
	struct layerfs_fs_ctx *ctx = fc->fs_private;
	const char *why;
	char **names;

	why = layerfs_ref_check(name);
	if (why) {
		errorfc(fc, "invalid layer name '%s': %s", name, why);
		kfree(name);
		return -EINVAL;
	}
	if (ctx->nnames == ctx->capacity) {
		unsigned int cap = ctx->capacity ? 2 * ctx->capacity : 8;

		if (cap > LAYERFS_LAYERS_MAX) {
			kfree(name);
			errorfc(fc, "more than %u layers", LAYERFS_LAYERS_MAX);
			return -EINVAL;
		}
		names = krealloc_array(ctx->names, cap, sizeof(*names),
				       GFP_KERNEL_ACCOUNT);
		if (!names) {
			kfree(name);
			return -ENOMEM;
		}
		ctx->names = names;
		ctx->capacity = cap;
	}
	ctx->names[ctx->nnames++] = name;
	return 0;
}

/* Splits "a\:1:b" into "a:1" and "b". */
static int layerfs_ctx_set_layers(struct fs_context *fc, const char *list)
{
	const char *p = list;
	char *name, *q;
	int err;

	layerfs_ctx_clear_names(fc->fs_private);
	if (!*p)
		return invalfc(fc, "empty layers=");
	for (;;) {
		name = kmalloc(strlen(p) + 1, GFP_KERNEL_ACCOUNT);
		if (!name)
			return -ENOMEM;
		for (q = name; *p && *p != ':'; p++) {
			if (*p == '\\' && p[1])
				p++;
			*q++ = *p;
		}
		*q = '\0';
		err = layerfs_ctx_add_name(fc, name);
		if (err)
			return err;
		if (!*p)
			return 0;
		p++;
	}
}

/* Resolves upper= or work= into @path, replacing an earlier value. */
static int layerfs_ctx_set_dir(struct fs_context *fc,
			       struct fs_parameter *param, struct path *path)
{
	struct path new;
	int err;

	if (param->type == fs_value_is_string) {
		err = kern_path(param->string, LOOKUP_FOLLOW, &new);
		if (err) {
			errorfc(fc, "%s '%s': cannot resolve", param->key,
				param->string);
			return err;
		}
	} else {
		/* FSCONFIG_SET_PATH; fs_lookup_param() reports failures. */
		err = fs_lookup_param(fc, param, false, LOOKUP_FOLLOW, &new);
		if (err)
			return err;
	}
	if (!d_is_dir(new.dentry)) {
		errorfc(fc, "%s: not a directory", param->key);
		path_put(&new);
		return -ENOTDIR;
	}
	path_put(path);
	*path = new;
	return 0;
}

static int layerfs_parse_param(struct fs_context *fc,
			       struct fs_parameter *param)
{
	struct layerfs_fs_ctx *ctx = fc->fs_private;
	struct fs_parse_result result;
	int opt;

	/*
	 * mount(8) repeats a view's options on "mount -o remount,ro" (and
	 * so does systemd-shutdown): a remount through mount(2) ignores them,
	 * as overlayfs does, since nothing of them can change.  Through
	 * fsconfig(2) they are refused (layerfs_reconfigure()).
	 */
	if (fc->purpose == FS_CONTEXT_FOR_RECONFIGURE && fc->oldapi)
		return 0;
	opt = fs_parse(fc, layerfs_param_spec, param, &result);
	if (opt < 0)
		return opt;

	switch (opt) {
	case Opt_layers:
		return layerfs_ctx_set_layers(fc, param->string);
	case Opt_layer:
		/* Ownership of the string moves to the context. */
		opt = layerfs_ctx_add_name(fc, param->string);
		param->string = NULL;
		return opt;
	case Opt_image:
		if (layerfs_ref_check(param->string))
			return invalfc(fc, "invalid image name '%s': %s",
				       param->string,
				       layerfs_ref_check(param->string));
		swap(ctx->image, param->string);
		return 0;
	case Opt_upper:
		return layerfs_ctx_set_dir(fc, param, &ctx->upper);
	case Opt_work:
		return layerfs_ctx_set_dir(fc, param, &ctx->work);
	case Opt_noindex:
		ctx->noindex = true;
		return 0;
	}
	return -EINVAL;
}

static void layerfs_free_fc(struct fs_context *fc)
{
	struct layerfs_fs_ctx *ctx = fc->fs_private;

	if (!ctx)
		return;
	layerfs_ctx_clear_names(ctx);
	kfree(ctx->names);
	kfree(ctx->image);
	path_put(&ctx->upper);
	path_put(&ctx->work);
	kfree(ctx);
}

/*
 * A view's stack and upper are fixed for its lifetime.  A view turning
 * read-only writes its upper back, as overlayfs does: from then on
 * syncfs() and unmount sync nothing (sync_filesystem() skips a read-only
 * superblock).  The VFS has already stopped the view's writers.
 */
static int layerfs_reconfigure(struct fs_context *fc)
{
	struct layerfs_fs_ctx *ctx = fc->fs_private;
	struct super_block *sb = fc->root->d_sb;

	if (ctx->nnames || ctx->image || ctx->upper.dentry || ctx->work.dentry)
		return invalfc(fc, "layers, image, upper and work cannot change on remount");
	if (!(fc->sb_flags & SB_RDONLY) && !LAYERFS_V(sb)->upper_mnt)
		return invalfc(fc, "a view without upper is read-only");
	if ((fc->sb_flags_mask & SB_RDONLY) && (fc->sb_flags & SB_RDONLY) &&
	    !sb_rdonly(sb))
		return layerfs_sync_upper(LAYERFS_V(sb));
	return 0;
}

static const struct fs_context_operations layerfs_context_ops = {
	.parse_param = layerfs_parse_param,
	.get_tree = layerfs_get_tree,
	.reconfigure = layerfs_reconfigure,
	.free = layerfs_free_fc,
};

/*
 * Only the initial namespace's administrator may configure a view: the
 * filesystem is not FS_USERNS_MOUNT, and refusing here, rather than at
 * FSCONFIG_CMD_CREATE, keeps other users from queueing parameters (up to
 * LAYERFS_LAYERS_MAX names) in contexts they can never use.  What a
 * context holds is charged to the caller's memory cgroup.
 */
int layerfs_init_fs_context(struct fs_context *fc)
{
	struct layerfs_fs_ctx *ctx;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	ctx = kzalloc(sizeof(*ctx), GFP_KERNEL_ACCOUNT);
	if (!ctx)
		return -ENOMEM;
	fc->fs_private = ctx;
	fc->ops = &layerfs_context_ops;
	return 0;
}
