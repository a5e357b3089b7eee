// SPDX-License-Identifier: GPL-2.0
/* Module autoload through libkmod, the way systemd does it (see kmod.h). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>

#include <libkmod.h>

#include "kmod.h"

/* libkmod logs to stderr by default: keep quiet, errors are reported here. */
static void lfs_kmod_log(void *data, int priority, const char *file, int line,
			 const char *fn, const char *format, va_list args)
{
	(void)data;
	(void)priority;
	(void)file;
	(void)line;
	(void)fn;
	(void)format;
	(void)args;
}

/* "module 'WHAT': cannot load (STRERROR)" (err.h's one model). */
static int lfs_kmod_fail(struct lfs_err *e, const char *what, int rc)
{
	return lfs_err_named(e, rc, "cannot load", "module '%s'", what);
}

static int lfs_kmod_insert_path(struct kmod_ctx *ctx, const char *path,
				struct lfs_err *e)
{
	struct kmod_module *mod = NULL;
	int rc;

	rc = kmod_module_new_from_path(ctx, path, &mod);
	if (rc < 0)
		return lfs_kmod_fail(e, path, rc);
	rc = kmod_module_insert_module(mod, 0, NULL);
	kmod_module_unref(mod);
	if (rc == -EEXIST)
		rc = 0;	/* already loaded */
	if (rc < 0)
		return lfs_kmod_fail(e, path, rc);
	return 0;
}

static int lfs_kmod_probe(struct kmod_ctx *ctx, struct lfs_err *e)
{
	struct kmod_list *list = NULL, *it;
	int rc, found = 0;

	rc = kmod_load_resources(ctx);
	if (rc < 0) {
		lfs_err_set(e, rc,
			    "cannot read the module index in %s; give --module PATH or set LAYERFS_MODULE",
			    kmod_get_dirname(ctx));
		return lfs_err_prefix(e, rc, "module '%s'", LFS_MODULE_NAME);
	}
	rc = kmod_module_new_from_lookup(ctx, LFS_MODULE_NAME, &list);
	if (rc < 0)
		return lfs_kmod_fail(e, LFS_MODULE_NAME, rc);
	kmod_list_foreach(it, list) {
		struct kmod_module *mod = kmod_module_get_module(it);
		int state = kmod_module_get_initstate(mod);

		found = 1;
		if (state == KMOD_MODULE_BUILTIN || state == KMOD_MODULE_LIVE) {
			rc = 0;
		} else {
			rc = kmod_module_probe_insert_module(mod, 0, NULL, NULL,
							     NULL, NULL);
			if (rc > 0)
				rc = -EPERM;	/* blacklisted: not with flags 0 */
		}
		kmod_module_unref(mod);
		if (rc < 0)
			break;
	}
	kmod_module_unref_list(list);
	if (!found) {
		lfs_err_set(e, 0,
			    "not found in %s; give --module PATH or set LAYERFS_MODULE",
			    kmod_get_dirname(ctx));
		lfs_err_prefix(e, 0, "module '%s'", LFS_MODULE_NAME);
		return -ENOENT;
	}
	if (rc < 0)
		return lfs_kmod_fail(e, LFS_MODULE_NAME, rc);
	return 0;
}

int lfs_kmod_load(const char *path, struct lfs_err *e)
{
	struct kmod_ctx *ctx;
	int rc;

	ctx = kmod_new(NULL, NULL);
	if (!ctx)
		return lfs_kmod_fail(e, path ? path : LFS_MODULE_NAME, -ENOMEM);
	kmod_set_log_fn(ctx, lfs_kmod_log, NULL);
	if (path)
		rc = lfs_kmod_insert_path(ctx, path, e);
	else
		rc = lfs_kmod_probe(ctx, e);
	kmod_unref(ctx);
	return rc;
}
