// SPDX-License-Identifier: GPL-2.0
/*
 * layerctl mount --layers TOP:...:BOTTOM [--upper DIR --work DIR] [--name SOURCE] MNT
 * layerctl mount REF MNT [--upper DIR --work DIR] [--name SOURCE]
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <linux/layerfs.h>

#include "chain.h"
#include "cmd.h"
#include "format.h"
#include "mount_trust.h"
#include "parse.h"
#include "store.h"
#include "store_reg.h"
#include "sys.h"
#include "viewinfo.h"

static const char lfs_usage_mount[] =
	"Usage: layerctl mount --layers TOP:...:BOTTOM [--upper DIR --work DIR] [--name SOURCE] [-o FLAGS] MNT\n"
	"       layerctl mount --layer TOP [--layer NAME]... [--upper DIR --work DIR] [--name SOURCE] [-o FLAGS] MNT\n"
	"       layerctl mount REF MNT [--ro | --upper DIR --work DIR | --persist] [--name SOURCE] [-o FLAGS]\n"
	"\n"
	"Mount a view on the directory MNT: registered layers merged into one\n"
	"tree, the first on top.  With REF, the image REF: that layer and its\n"
	"chain of parents (or BASE stack), REF on top.  With --upper and --work\n"
	"the view is writable and changes go to the upper directory; a --layers\n"
	"view without them is read-only.  An image view without them is\n"
	"writable too, on a fresh upper in the store (ROOT/layers/KEY/diff, work\n"
	"ROOT/views/VKEY/work; see --store), ready for `layerctl commit`,\n"
	"unless --ro is given.  --persist records such a view to be mounted again\n"
	"by `layerctl restore --views` (at boot: layerfs-views.service), on MNT\n"
	"with its upper as it is, -o flags and all, until `layerctl umount`.\n"
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
	"  -p, --persist       a store view (REF, no --upper/--ro): mount it\n"
	"                      again at boot (other views: an fstab entry)\n"
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

/* "view 'MNT': KIND 'VALUE': REASON" into @e; returns -EINVAL. */
static int lfs_mount_refuse(const char *mnt, const char *kind,
			    const char *value, const char *reason,
			    struct lfs_err *e)
{
	lfs_err_set(e, 0, "view '%s': %s '%s': %s", mnt, kind, value, reason);
	return -EINVAL;
}

/* Upper and work: absolute, and short enough for fsconfig(2). */
static int lfs_mount_check_dir(const char *mnt, const char *kind,
			       const char *dir, struct lfs_err *e)
{
	if (!dir)
		return 0;
	if (dir[0] != '/')
		return lfs_mount_refuse(mnt, kind, dir, "not an absolute path",
					e);
	if (strlen(dir) > LFS_FSCONFIG_STR_MAX)
		return lfs_mount_refuse(mnt, kind, dir,
					"longer than 255 bytes, the most fsconfig(2) takes",
					e);
	return 0;
}

/* The upper and work directories, and the name (mount source). */
static int lfs_mount_check_spec(const struct lfs_mount_spec *spec,
				struct lfs_err *e)
{
	const char *name = spec->source;

	if (lfs_mount_check_dir(spec->target, "upper", spec->upper, e) ||
	    lfs_mount_check_dir(spec->target, "work", spec->work, e))
		return -EINVAL;
	if (name && (!*name || strlen(name) > LFS_FSCONFIG_STR_MAX))
		return lfs_mount_refuse(spec->target, "name", name, *name ?
					"longer than 255 bytes, the most fsconfig(2) takes" :
					"empty", e);
	return 0;
}

/* The store view of a mount: its upper's and its work's keys. */
struct lfs_mount_store {
	struct lfs_store st;
	char key[LFS_KEY_LEN + 1];	/* ROOT/layers/KEY/diff: the upper */
	char vkey[LFS_KEY_LEN + 1];	/* ROOT/views/VKEY: work, view.json */
	char *upper, *work;
};

/* Undoes lfs_mount_store() (a failed mount). */
static void lfs_mount_unstore(struct lfs_mount_store *ms)
{
	if (!ms->key[0])
		return;
	lfs_store_layer_discard(&ms->st, ms->key);
	lfs_store_view_remove(&ms->st, ms->vkey);
	ms->key[0] = '\0';
}

/*
 * A store view: a fresh ROOT/layers/KEY/diff as upper, ROOT/views/VKEY/work
 * as work, and ROOT/views/VKEY/view.json, with @persist and @options (the
 * -o flags as given, or NULL) for `restore --views`.  0 or a negative
 * errno in @e.
 */
static int lfs_mount_store(struct lfs_ctx *ctx, struct lfs_mount_store *ms,
			   struct lfs_mount_spec *spec, int persist,
			   const char *options, struct lfs_err *e)
{
	struct lfs_view_meta vm = { 0 };
	char mnt[PATH_MAX];
	int rc;

	/* restore --views mounts it again from /: record an absolute path. */
	if (persist && !realpath(spec->target, mnt)) {
		return lfs_err_named(e, -errno,
				     "cannot find the mount point's absolute path",
				     "view '%s'", spec->target);
	}
	rc = lfs_ctx_store(ctx, &ms->st, 1, e);
	if (rc)
		return rc;
	rc = lfs_store_layer_create(&ms->st, ms->key, &ms->upper, e);
	if (rc)
		return lfs_err_prefix(e, rc, "store");
	rc = lfs_store_view_create(&ms->st, ms->vkey, &ms->work, e);
	if (!rc) {
		vm.key = ms->vkey;
		vm.mountpoint = persist ? mnt : (char *)spec->target;
		vm.image = (char *)spec->image;
		vm.upper_key = ms->key;
		vm.created = lfs_ctx_now(ctx);
		vm.persist = persist;
		vm.options = (char *)options;
		rc = lfs_store_view_write_meta(&ms->st, &vm, e);
	}
	if (rc) {
		lfs_store_layer_discard(&ms->st, ms->key);
		lfs_store_view_remove(&ms->st, ms->vkey);
		ms->key[0] = '\0';
		return lfs_err_prefix(e, rc, "store");
	}
	spec->upper = ms->upper;
	spec->work = ms->work;
	rc = lfs_mount_check_spec(spec, e);
	if (rc)
		lfs_mount_unstore(ms);
	return rc;
}

/* The positional arguments and option combinations; 0, or 1 after usage. */
static int lfs_mount_usage_check(struct lfs_ctx *ctx, int npos, char **pos,
				 int given, int ro, int persist,
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
	if (persist && (ro || spec->upper || given))
		return lfs_usage_error(ctx, "mount", lfs_usage_mount,
				       "--persist goes with an image REF and no --upper or --ro (for other views, an fstab entry)");
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

/* What the command line asks for. */
struct lfs_mount_args {
	struct lfs_mount_trust trust;
	struct lfs_mount_spec spec;
	struct lfs_strv layers;
	int given;		/* --layers or --layer */
	int ro;
	int persist;		/* --persist */
	struct lfs_buf options;	/* the -o lists as given, joined by ',' */
};

/* One option of getopt code @c; LFS_PARSED, or an exit status. */
static int lfs_mount_opt(struct lfs_ctx *ctx, int c, char **argv,
			 const struct option *opts, struct lfs_mount_args *a)
{
	switch (c) {
	case 'L':
	case 'l':
		a->given = 1;
		if ((c == 'L' ? lfs_layers_split(optarg, &a->layers) :
		     lfs_strv_push(&a->layers, optarg)) < 0)
			return lfs_nomem(ctx, "cannot keep it",
					 "mount: option '--%s %s'",
					 c == 'L' ? "layers" : "layer", optarg);
		return LFS_PARSED;
	case 'u':
		a->spec.upper = optarg;
		return LFS_PARSED;
	case 'w':
		a->spec.work = optarg;
		return LFS_PARSED;
	case 'n':
		a->spec.source = optarg;
		return LFS_PARSED;
	case 'r':
		a->ro = 1;
		return LFS_PARSED;
	case 'p':
		a->persist = 1;
		return LFS_PARSED;
	case 'o':
		if (lfs_mount_opt_o(ctx, optarg, &a->trust.opts))
			return LFS_EXIT_USAGE;
		/* As given, for the record of a persisted view. */
		if (a->options.len)
			lfs_buf_putc(&a->options, ',');
		lfs_buf_puts(&a->options, optarg);
		if (lfs_buf_error(&a->options))
			return lfs_nomem(ctx, "cannot keep it",
					 "mount: option '-o %s'", optarg);
		return LFS_PARSED;
	case 'h':
		return lfs_usage(ctx, lfs_usage_mount, 0);
	default:
		return lfs_usage_opt(ctx, "mount", lfs_usage_mount, c, argv,
				     opts);
	}
}

/* The image or the layers, checked. */
static int lfs_mount_check_names(struct lfs_ctx *ctx,
				 struct lfs_mount_args *a)
{
	size_t i;

	if (!a->given)
		return lfs_check_name(ctx, "image", a->spec.image) ? 1 :
		       LFS_PARSED;
	if (a->layers.n > LAYERFS_LAYERS_MAX)
		return lfs_errorf(ctx, "mount: %zu layers, more than %d",
				  a->layers.n, LAYERFS_LAYERS_MAX);
	for (i = 0; i < a->layers.n; i++)
		if (lfs_check_name(ctx, "layer", a->layers.v[i]))
			return 1;
	a->spec.layers = a->layers.v;
	a->spec.nlayers = a->layers.n;
	return LFS_PARSED;
}

static int lfs_mount_parse(struct lfs_ctx *ctx, int argc, char **argv,
			   struct lfs_mount_args *a)
{
	static const struct option opts[] = {
		{ "layers", required_argument, NULL, 'L' },
		{ "layer", required_argument, NULL, 'l' },
		{ "upper", required_argument, NULL, 'u' },
		{ "work", required_argument, NULL, 'w' },
		{ "name", required_argument, NULL, 'n' },
		{ "ro", no_argument, NULL, 'r' },
		{ "persist", no_argument, NULL, 'p' },
		{ "options", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	int c, rc;

	lfs_opt_reset();
	while ((c = getopt_long(argc, argv, ":L:l:u:w:n:rpo:h", opts, NULL)) != -1) {
		rc = lfs_mount_opt(ctx, c, argv, opts, a);
		if (rc != LFS_PARSED)
			return rc;
	}
	rc = lfs_mount_usage_check(ctx, argc - optind, argv + optind,
				   a->given, a->ro, a->persist, &a->spec);
	if (rc)
		return rc;
	a->spec.target = argv[argc - 1];
	if (!a->given)
		a->spec.image = argv[optind];
	return lfs_mount_check_names(ctx, a);
}

/*
 * The layer an image REF names (lfs_ref_resolve(): a tag, REF:latest;
 * *@image: the name, to free).  0 or a negative errno in @e.
 */
static int lfs_mount_resolve(struct lfs_ctx *ctx, struct lfs_mount_spec *spec,
			     char **image, struct lfs_err *e)
{
	struct lfs_nl *nl;
	int rc;

	if (!spec->image)
		return 0;
	rc = lfs_ctx_nl(ctx, &nl, e);
	if (!rc)
		rc = lfs_ref_resolve(ctx, nl, spec->image, image, e);
	if (!rc)
		spec->image = *image;
	return rc;
}

int cmd_mount(struct lfs_ctx *ctx, int argc, char **argv)
{
	struct lfs_mount_args a = { .layers = LFS_STRV_INIT,
				    .options = LFS_BUF_INIT };
	struct lfs_mount_store ms = { .st = LFS_STORE_INIT };
	struct lfs_err e = LFS_ERR_INIT;
	char *image = NULL;
	int rc;

	a.trust.ctx = ctx;
	a.spec.attrs = lfs_mount_trust_attrs;
	a.spec.attrs_arg = &a.trust;
	rc = lfs_mount_parse(ctx, argc, argv, &a);
	if (rc != LFS_PARSED)
		goto out;
	rc = lfs_mount_resolve(ctx, &a.spec, &image, &e);
	if (!rc)
		rc = lfs_mount_check_spec(&a.spec, &e);
	/* An image without --upper or --ro: a writable store view. */
	if (!rc && !a.given && !a.spec.upper && !a.ro)
		rc = lfs_mount_store(ctx, &ms, &a.spec, a.persist,
				     a.options.len ? lfs_buf_str(&a.options) :
				     NULL, &e);
	if (!rc) {
		rc = lfs_sys_mount(&a.spec, ctx->module, &e);
		if (rc < 0) {
			lfs_mount_unstore(&ms);
			lfs_err_prefix(&e, rc, "view '%s'", a.spec.target);
		}
	}
	if (rc)
		rc = lfs_err_report(ctx, &e);
out:
	free(image);
	free(ms.upper);
	free(ms.work);
	lfs_store_close(&ms.st);
	lfs_strv_free(&a.layers);
	lfs_buf_free(&a.options);
	return rc;
}
