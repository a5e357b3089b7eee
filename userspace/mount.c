// SPDX-License-Identifier: GPL-2.0
/*
 * layerctl mount --layers TOP:...:BOTTOM [--upper DIR --work DIR] [--name SOURCE] MNT
 * layerctl mount REF MNT [--upper DIR --work DIR] [--name SOURCE]
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <linux/layerfs.h>

#include "cmd.h"
#include "format.h"
#include "mount_trust.h"
#include "parse.h"
#include "store.h"
#include "store_cmd.h"
#include "sys.h"
#include "viewinfo.h"

static const char lfs_usage_mount[] =
	"Usage: layerctl mount --layers TOP:...:BOTTOM [--upper DIR --work DIR] [--name SOURCE] [-o FLAGS] MNT\n"
	"       layerctl mount --layer TOP [--layer NAME]... [--upper DIR --work DIR] [--name SOURCE] [-o FLAGS] MNT\n"
	"       layerctl mount REF MNT [--ro | --upper DIR --work DIR] [--name SOURCE] [-o FLAGS]\n"
	"\n"
	"Mount a view on the directory MNT: registered layers merged into one\n"
	"tree, the first on top.  With REF, the image REF: that layer and its\n"
	"chain of parents (or BASE stack), REF on top.  With --upper and --work\n"
	"the view is writable and changes go to the upper directory; a --layers\n"
	"view without them is read-only.  An image view without them is\n"
	"writable too, on a fresh upper in the store (ROOT/layers/KEY/diff, work\n"
	"ROOT/views/VKEY/work; see --store), ready for `layerctl commit`,\n"
	"unless --ro is given.\n"
	"\n"
	"A view any of whose layers came from `layerctl import` or `layerctl\n"
	"load` (its store record says so) is mounted nosuid,nodev: setuid and\n"
	"setgid bits and file capabilities of the image are ignored and its\n"
	"device nodes cannot be opened.  -o suid,dev opts out (for an image\n"
	"you trust as much as root).\n"
	"\n"
	"Options:\n"
	"  -L, --layers=LIST   the stack, top first, names separated by ':'; a ':'\n"
	"                      in a name (before a tag) is written '\\:', e.g.\n"
	"                      --layers 'gakki/mytomcat\\:1.1:tomcat\\:9'\n"
	"  -l, --layer=NAME    one layer below those given before (repeat it for\n"
	"                      each layer; no escaping needed)\n"
	"  -u, --upper=DIR     the writable upper directory (an absolute path)\n"
	"  -w, --work=DIR      its work directory: an absolute path on the same\n"
	"                      filesystem, neither inside DIR nor containing it\n"
	"  -r, --ro            an image view without upper: read-only\n"
	"  -n, --name=SOURCE   the mount source, as /proc/mounts shows it\n"
	"                      (default 'layerfs')\n"
	"  -o, --options=FLAGS mount flags, comma-separated as in mount(8), set\n"
	"                      on the view's mount (not the layers): ro, rw,\n"
	"                      nosuid, suid, nodev, dev, noexec, exec, noatime,\n"
	"                      relatime (the default), strictatime, nodiratime,\n"
	"                      diratime, nosymfollow, symfollow, defaults (no\n"
	"                      change); a later flag overrides an earlier one;\n"
	"                      -o may be repeated.  suid and dev lift the\n"
	"                      nosuid,nodev default of imported images\n"
	"  -h, --help          show this help\n";

/* The longest string fsconfig(2) passes (256 bytes with the NUL). */
#define LFS_FSCONFIG_STR_MAX 255

/* "layerctl: mount MNT: KIND 'VALUE': REASON"; returns 1. */
static int lfs_mount_refuse(struct lfs_ctx *ctx, const char *mnt,
			    const char *kind, const char *value,
			    const char *reason)
{
	struct lfs_buf m = LFS_BUF_INIT, v = LFS_BUF_INIT;

	lfs_fmt_escaped(&m, mnt);
	lfs_fmt_escaped(&v, value);
	lfs_errorf(ctx, "mount %s: %s '%s': %s", lfs_buf_str(&m), kind,
		   lfs_buf_str(&v), reason);
	lfs_buf_free(&m);
	lfs_buf_free(&v);
	return 1;
}

/* Upper and work: absolute, and short enough for fsconfig(2). */
static int lfs_mount_check_dir(struct lfs_ctx *ctx, const char *mnt,
			       const char *kind, const char *dir)
{
	if (!dir)
		return 0;
	if (dir[0] != '/')
		return lfs_mount_refuse(ctx, mnt, kind, dir,
					"not an absolute path");
	if (strlen(dir) > LFS_FSCONFIG_STR_MAX)
		return lfs_mount_refuse(ctx, mnt, kind, dir,
					"longer than 255 bytes, the most fsconfig(2) takes");
	return 0;
}

/*
 * A store view: a fresh ROOT/layers/KEY/diff as upper, ROOT/views/VKEY/work
 * as work, and ROOT/views/VKEY/view.json.  0, or 1 after reporting.
 */
static int lfs_mount_store(struct lfs_ctx *ctx, struct lfs_store *st,
			   struct lfs_mount_spec *spec, char *key, char *vkey,
			   char **upper, char **work)
{
	char why[LFS_STORE_WHY_MAX];
	struct lfs_view_meta vm = { 0 };
	int rc;

	if (lfs_ctx_store(ctx, st, 1))
		return 1;
	rc = lfs_store_layer_create(st, key, upper, why, sizeof(why));
	if (rc)
		return lfs_errorf(ctx, "store: %s", why);
	rc = lfs_store_view_create(st, vkey, work, why, sizeof(why));
	if (!rc) {
		vm.key = vkey;
		vm.mountpoint = (char *)spec->target;
		vm.image = (char *)spec->image;
		vm.upper_key = key;
		vm.created = lfs_ctx_now(ctx);
		rc = lfs_store_view_write_meta(st, &vm, why, sizeof(why));
		if (rc)
			lfs_store_view_remove(st, vkey);
	}
	if (rc) {
		lfs_store_layer_discard(st, key);
		key[0] = '\0';
		return lfs_errorf(ctx, "store: %s", why);
	}
	spec->upper = *upper;
	spec->work = *work;
	if (lfs_mount_check_dir(ctx, spec->target, "upper", spec->upper) ||
	    lfs_mount_check_dir(ctx, spec->target, "work", spec->work)) {
		lfs_store_layer_discard(st, key);
		lfs_store_view_remove(st, vkey);
		key[0] = '\0';
		return 1;
	}
	return 0;
}

/* The positional arguments and option combinations; 0, or 1 after usage. */
static int lfs_mount_usage_check(struct lfs_ctx *ctx, int npos, char **pos,
				 int given, int ro,
				 const struct lfs_mount_spec *spec)
{
	if (given && npos > 1)
		return lfs_usage_error(ctx, "mount", lfs_usage_mount,
				       "unexpected argument '%s' (give either --layers/--layer or an image REF)",
				       pos[1]);
	if (!given && npos > 2)
		return lfs_usage_error(ctx, "mount", lfs_usage_mount,
				       "unexpected argument '%s'", pos[2]);
	if (npos == 0 || (!given && npos == 1))
		return lfs_usage_error(ctx, "mount", lfs_usage_mount,
				       npos ? "one argument: give REF MNT, or --layers/--layer and MNT" :
				       given ? "missing MNT" :
				       "missing the layers (--layers, --layer or REF) and MNT");
	if (!!spec->upper != !!spec->work)
		return lfs_usage_error(ctx, "mount", lfs_usage_mount,
				       "--upper and --work go together");
	if (ro && (spec->upper || given))
		return lfs_usage_error(ctx, "mount", lfs_usage_mount,
				       "--ro goes with an image REF and no --upper");
	return 0;
}

/* -o LIST: adds its flags to @o.  0, or LFS_EXIT_USAGE after reporting. */
static int lfs_mount_opt_o(struct lfs_ctx *ctx, const char *list,
			   struct lfs_mount_opts *o)
{
	char bad[64];

	if (!lfs_mount_opts_parse(list, o, bad, sizeof(bad)))
		return 0;
	return lfs_usage_error(ctx, "mount", lfs_usage_mount,
			       "mount option '%s': %s", bad, *bad ?
			       "unknown (see the list of -o flags)" : "empty");
}

int cmd_mount(struct lfs_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "layers", required_argument, NULL, 'L' },
		{ "layer", required_argument, NULL, 'l' },
		{ "upper", required_argument, NULL, 'u' },
		{ "work", required_argument, NULL, 'w' },
		{ "name", required_argument, NULL, 'n' },
		{ "ro", no_argument, NULL, 'r' },
		{ "options", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct lfs_mount_trust trust = { .ctx = ctx };
	struct lfs_mount_spec spec = {
		.attrs = lfs_mount_trust_attrs,
		.attrs_arg = &trust,
	};
	struct lfs_strv layers = LFS_STRV_INIT;
	char why[LFS_SYS_WHY_MAX];
	struct lfs_buf what = LFS_BUF_INIT;
	int c, rc = 1, given = 0, ro = 0;
	struct lfs_store st = LFS_STORE_INIT;
	char key[LFS_KEY_LEN + 1] = "", vkey[LFS_KEY_LEN + 1] = "";
	char *upper = NULL, *work = NULL;
	size_t i;

	lfs_opt_reset();
	while ((c = getopt_long(argc, argv, ":L:l:u:w:n:ro:h", opts, NULL)) != -1) {
		switch (c) {
		case 'L':
			given = 1;
			if (lfs_layers_split(optarg, &layers) < 0) {
				lfs_errorf(ctx, "%s", strerror(ENOMEM));
				goto out;
			}
			break;
		case 'l':
			given = 1;
			if (lfs_strv_push(&layers, optarg) < 0) {
				lfs_errorf(ctx, "%s", strerror(ENOMEM));
				goto out;
			}
			break;
		case 'u':
			spec.upper = optarg;
			break;
		case 'w':
			spec.work = optarg;
			break;
		case 'n':
			spec.source = optarg;
			break;
		case 'r':
			ro = 1;
			break;
		case 'o':
			rc = lfs_mount_opt_o(ctx, optarg, &trust.opts);
			if (rc)
				goto out;
			break;
		case 'h':
			rc = lfs_usage(ctx, lfs_usage_mount, 0);
			goto out;
		default:
			rc = lfs_usage_opt(ctx, "mount", lfs_usage_mount, c, argv,
					   opts);
			goto out;
		}
	}
	rc = lfs_mount_usage_check(ctx, argc - optind, argv + optind, given,
				   ro, &spec);
	if (rc)
		goto out;
	rc = 1;
	spec.target = argv[argc - 1];
	if (!given) {
		spec.image = argv[optind];
		if (lfs_check_name(ctx, "image", spec.image))
			goto out;
	} else {
		if (layers.n > LAYERFS_LAYERS_MAX) {
			lfs_errorf(ctx, "mount: %zu layers, more than %d",
				   layers.n, LAYERFS_LAYERS_MAX);
			goto out;
		}
		for (i = 0; i < layers.n; i++)
			if (lfs_check_name(ctx, "layer", layers.v[i]))
				goto out;
		spec.layers = layers.v;
		spec.nlayers = layers.n;
	}
	if (lfs_mount_check_dir(ctx, spec.target, "upper", spec.upper) ||
	    lfs_mount_check_dir(ctx, spec.target, "work", spec.work))
		goto out;
	if (spec.source && (!*spec.source ||
			    strlen(spec.source) > LFS_FSCONFIG_STR_MAX)) {
		lfs_mount_refuse(ctx, spec.target, "name", spec.source,
				 *spec.source ? "longer than 255 bytes, the most fsconfig(2) takes" :
				 "empty");
		goto out;
	}

	if (!given && !spec.upper && !ro) {
		rc = lfs_mount_store(ctx, &st, &spec, key, vkey, &upper, &work);
		if (rc)
			goto out;
	}
	rc = lfs_sys_mount(&spec, ctx->module, why, sizeof(why));
	if (rc < 0 && key[0]) {
		lfs_store_layer_discard(&st, key);
		lfs_store_view_remove(&st, vkey);
	}
	if (rc < 0) {
		lfs_buf_puts(&what, "mount ");
		lfs_fmt_escaped(&what, spec.target);
		rc = lfs_fail_why(ctx, lfs_buf_error(&what) ? "mount" :
				  lfs_buf_str(&what), rc, why);
	}
out:
	free(upper);
	free(work);
	lfs_store_close(&st);
	lfs_buf_free(&what);
	lfs_strv_free(&layers);
	return rc;
}
