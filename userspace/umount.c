// SPDX-License-Identifier: GPL-2.0
/* layerctl umount [--lazy] MNT */
#include "cmd.h"
#include "format.h"
#include "parse.h"
#include "sys.h"

static const char lfs_usage_umount[] =
	"Usage: layerctl umount [--lazy] MNT\n"
	"\n"
	"Unmount the view mounted at MNT.  Refuses anything that is not the\n"
	"mount point of a layerfs view.  The upper directory keeps the changes.\n"
	"\n"
	"Options:\n"
	"  -l, --lazy  detach the view now even if it is in use; it goes away\n"
	"              when its last user does (umount2 MNT_DETACH)\n"
	"  -h, --help  show this help\n";

int cmd_umount(struct lfs_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "lazy", no_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct lfs_buf what = LFS_BUF_INIT;
	char why[LFS_SYS_WHY_MAX];
	int c, rc, lazy = 0;

	lfs_opt_reset();
	while ((c = getopt_long(argc, argv, ":lh", opts, NULL)) != -1) {
		switch (c) {
		case 'l':
			lazy = 1;
			break;
		case 'h':
			return lfs_usage(ctx, lfs_usage_umount, 0);
		default:
			return lfs_usage_opt(ctx, "umount", lfs_usage_umount, c,
					     argv, opts);
		}
	}
	if (argc - optind < 1)
		return lfs_usage_error(ctx, "umount", lfs_usage_umount,
				       "missing MNT");
	if (argc - optind > 1)
		return lfs_usage_error(ctx, "umount", lfs_usage_umount,
				       "unexpected argument '%s'", argv[optind + 1]);
	rc = lfs_sys_umount(argv[optind], lazy, why, sizeof(why));
	if (!rc)
		return 0;
	lfs_buf_puts(&what, "umount ");
	lfs_fmt_escaped(&what, argv[optind]);
	rc = lfs_fail_why(ctx, lfs_buf_error(&what) ? "umount" :
			  lfs_buf_str(&what), rc, why);
	lfs_buf_free(&what);
	return rc;
}
