// SPDX-License-Identifier: GPL-2.0
/* layerctl view ls [--json] */
#include <errno.h>
#include <string.h>

#include "cmd.h"
#include "format.h"
#include "jsonout.h"
#include "parse.h"
#include "store_reg.h"
#include "sys.h"
#include "viewinfo.h"

static const char lfs_usage_view_ls[] =
	"Usage: layerctl view ls [--json]\n"
	"\n"
	"List the mounted views in the order they were mounted, with their\n"
	"mountpoints in this mount namespace.  A long stack is shown as\n"
	"TOP:...:BOTTOM (N); --json lists every layer.\n"
	"\n"
	"Options:\n"
	"  -j, --json  print a JSON array of view objects\n"
	"  -h, --help  show this help\n";

/* The mounted views, each with its mountpoints in this namespace. */
static int lfs_view_ls_load(struct lfs_nl *nl, struct lfs_view_list *views,
			    struct lfs_err *e)
{
	struct lfs_buf mountinfo = LFS_BUF_INIT;
	int rc = lfs_ctx_views(nl, views, e);

	if (rc)
		return rc;
	rc = lfs_sys_mountinfo(&mountinfo);
	if (rc < 0) {
		lfs_err_named(e, rc, "cannot read it", "file '%s'",
			      "/proc/self/mountinfo");
	} else {
		rc = lfs_views_set_mountpoints(views, lfs_buf_str(&mountinfo));
		if (rc < 0)
			lfs_err_list(e, rc, "views");
	}
	lfs_buf_free(&mountinfo);
	return rc;
}

static void lfs_view_ls_print(struct lfs_buf *out,
			      const struct lfs_view_list *views, int json)
{
	struct lfs_json j;
	size_t i;

	if (!json) {
		lfs_fmt_views(out, views->v, views->n);
		return;
	}
	lfs_json_init(&j, out);
	lfs_json_array_begin(&j);
	for (i = 0; i < views->n; i++)
		lfs_json_view(&j, &views->v[i]);
	lfs_json_array_end(&j);
	lfs_buf_putc(out, '\n');
}

int cmd_view_ls(struct lfs_ctx *ctx, int argc, char **argv)
{
	struct lfs_err e = LFS_ERR_INIT;
	struct lfs_view_list views = LFS_VIEW_LIST_INIT;
	struct lfs_buf out = LFS_BUF_INIT;
	struct lfs_nl *nl;
	int rc, json = 0;

	rc = lfs_parse_common_opts(ctx, "view ls", lfs_usage_view_ls, argc,
				   argv, &json);
	if (rc != LFS_PARSED)
		return rc;
	if (argc > optind)
		return lfs_usage_error(ctx, "view ls", lfs_usage_view_ls,
				       "unexpected argument '%s'", argv[optind]);
	if (lfs_ctx_nl(ctx, &nl, &e))
		return lfs_err_report(ctx, &e);
	rc = lfs_view_ls_load(nl, &views, &e);
	if (rc) {
		rc = lfs_err_report(ctx, &e);
	} else {
		lfs_view_ls_print(&out, &views, json);
		rc = lfs_emit(ctx, "view ls", &out);
	}
	lfs_buf_free(&out);
	lfs_views_free(&views);
	return rc;
}
