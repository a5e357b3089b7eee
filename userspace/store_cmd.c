// SPDX-License-Identifier: GPL-2.0
/* What the store commands share: opening the store, listing views. */
#include <errno.h>
#include <string.h>

#include "cmd.h"
#include "format.h"
#include "msg.h"
#include "nl.h"
#include "store.h"
#include "store_cmd.h"

int lfs_ctx_store(struct lfs_ctx *ctx, struct lfs_store *st, int create)
{
	char why[LFS_STORE_WHY_MAX];
	const char *root = lfs_store_root(ctx->store);
	int rc;

	rc = lfs_store_open(st, root, create, why, sizeof(why));
	if (!rc)
		return 0;
	if (!create && rc == -ENOENT)
		return -ENOENT;	/* the caller decides */
	return lfs_errorf(ctx, "store: %s", why);
}

struct lfs_view_dump {
	struct lfs_view_list *list;
	char why[LFS_MSG_WHY_MAX];
};

static int lfs_view_collect(const struct lfs_view_part *part, void *arg)
{
	struct lfs_view_dump *d = arg;

	return lfs_views_add(d->list, part, d->why, sizeof(d->why));
}

int lfs_ctx_views(struct lfs_ctx *ctx, struct lfs_nl *nl,
		  struct lfs_view_list *l)
{
	struct lfs_view_dump dump = { l, "" };
	int rc;

	rc = lfs_nl_view_dump(nl, lfs_view_collect, &dump);
	if (rc < 0)
		return lfs_fail_why(ctx, "cannot list views", rc,
				    dump.why[0] ? dump.why : lfs_nl_extack(nl));
	lfs_views_finish(l);
	return 0;
}

int lfs_fail_obj(struct lfs_ctx *ctx, const char *kind, const char *name,
		 int err, const char *why)
{
	struct lfs_buf what = LFS_BUF_INIT;
	int rc;

	lfs_buf_printf(&what, "%s '", kind);
	lfs_fmt_escaped(&what, name);
	lfs_buf_putc(&what, '\'');
	rc = lfs_fail_why(ctx, lfs_buf_error(&what) ? kind : lfs_buf_str(&what),
			  err, why);
	lfs_buf_free(&what);
	return rc;
}
