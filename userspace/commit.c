// SPDX-License-Identifier: GPL-2.0
/*
 * layerctl commit MOUNTPOINT|VIEWID REF [-a AUTHOR] [-m MESSAGE] [--json]
 *
 * 1. find the view (a number is a view id; a path must be a layerfs
 *    mount, matched to its view by st_dev);
 * 2. make the new upper, an empty directory on the work directory's
 *    filesystem: ROOT/layers/NEW/diff when the view's upper is
 *    ROOT/layers/KEY/diff, else UPPER's sibling "BASENAME@XXXXXXXX";
 * 3. LAYERFS_CMD_VIEW_COMMIT (the kernel freezes the old upper into the
 *    layer REF and switches the view, atomically, and syncs the upper);
 * 4. write ROOT/layers/KEY/meta.json (atomically) and the view's record.
 *
 * A crash before step 4 completes leaves the old upper without a record:
 * to the store it is still an uncommitted upper, as before.  If the
 * kernel refuses, the new upper is removed again.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <linux/layerfs.h>

#include "cmd.h"
#include "format.h"
#include "index_store.h"
#include "json.h"
#include "nl.h"
#include "parse.h"
#include "store.h"
#include "store_cmd.h"

static const char lfs_usage_commit[] =
	"Usage: layerctl commit MOUNTPOINT|VIEWID REF [-a AUTHOR] [-m MESSAGE] [--json]\n"
	"\n"
	"Turn the changes of a mounted, writable view into the new read-only\n"
	"layer REF, whose parent is the view's top layer, and continue the view\n"
	"on a fresh empty upper directory above it.  No file data is copied;\n"
	"the view's tree stays the same.  The layer is recorded in the store\n"
	"(ROOT/layers/KEY/meta.json) so that `layerctl restore` registers it\n"
	"again after a reboot.\n"
	"\n"
	"The new upper is ROOT/layers/NEW/diff when the view's upper is in the\n"
	"store (views mounted with `layerctl mount REF MNT`); otherwise it is\n"
	"a new directory beside the old upper, named after it: UPPER@XXXXXXXX.\n"
	"\n"
	"Options:\n"
	"  -a, --author=AUTHOR    who made the layer\n"
	"  -m, --message=MESSAGE  what the change was\n"
	"  -j, --json             print the new layer as a JSON object\n"
	"  -h, --help             show this help\n";

/* A view id: digits only. */
static int lfs_is_id(const char *s, uint64_t *id)
{
	char *end;

	if (!*s || strspn(s, "0123456789") != strlen(s))
		return 0;
	errno = 0;
	*id = strtoull(s, &end, 10);
	return !errno && !*end;
}

/* Finds the view @arg names in @l; NULL after reporting. */
static const struct lfs_view *lfs_commit_find(struct lfs_ctx *ctx,
					      const struct lfs_view_list *l,
					      const char *arg)
{
	struct statfs sfs;
	struct stat st;
	uint64_t id;
	uint32_t dev;
	size_t i;

	if (lfs_is_id(arg, &id)) {
		for (i = 0; i < l->n; i++)
			if (l->v[i].id == id)
				return &l->v[i];
		lfs_fail_obj(ctx, "view", arg, -ENOENT, "no such view");
		return NULL;
	}
	if (statfs(arg, &sfs) || stat(arg, &st)) {
		lfs_fail_obj(ctx, "view", arg, -errno, NULL);
		return NULL;
	}
	if ((unsigned long)sfs.f_type != LAYERFS_SUPER_MAGIC) {
		lfs_fail_obj(ctx, "view", arg, -EINVAL,
			     "not a layerfs view");
		return NULL;
	}
	dev = lfs_dev_encode(major(st.st_dev), minor(st.st_dev));
	for (i = 0; i < l->n; i++)
		if (l->v[i].dev == dev)
			return &l->v[i];
	lfs_fail_obj(ctx, "view", arg, -ENOENT, "no such view");
	return NULL;
}

/* Where the new upper goes and what to undo if the commit fails. */
struct lfs_commit_plan {
	char key[LFS_KEY_LEN + 1];	/* the committed layer's record */
	int key_new;			/* ROOT/layers/KEY made for it */
	char new_key[LFS_KEY_LEN + 1];	/* ROOT/layers/NEW, if in the store */
	char *new_upper;
};

/* A sibling of the upper outside the store: UPPER@XXXXXXXX. */
static int lfs_commit_sibling(const char *upper, const char *work,
			      char **out)
{
	char u1[PATH_MAX], u2[PATH_MAX], w[PATH_MAX], key[LFS_KEY_LEN + 1];
	struct stat su, sw;
	const char *dir, *base;
	size_t blen;
	int rc;

	if (strlen(upper) >= sizeof(u1) || strlen(work) >= sizeof(w))
		return -ENAMETOOLONG;
	strcpy(u1, upper);
	strcpy(u2, upper);
	strcpy(w, work);
	dir = dirname(u1);
	base = basename(u2);
	/* The upper's parent, unless it is on another mount than work. */
	if (stat(dir, &su) || stat(work, &sw))
		return -errno;
	if (su.st_dev != sw.st_dev)
		dir = dirname(w);
	blen = strcspn(base, "@");
	rc = lfs_store_new_key(key);
	if (rc)
		return rc;
	if (asprintf(out, "%s%s%.*s@%.8s", dir, strcmp(dir, "/") ? "/" : "",
		     (int)blen, base, key) < 0) {
		*out = NULL;
		return -ENOMEM;
	}
	if (mkdir(*out, 0755)) {
		rc = -errno;
		free(*out);
		*out = NULL;
		return rc;
	}
	return 0;
}

static int lfs_commit_prepare(struct lfs_ctx *ctx, struct lfs_store *st,
			      const struct lfs_view *v, const char *arg,
			      struct lfs_commit_plan *p)
{
	char why[LFS_STORE_WHY_MAX], real[PATH_MAX];
	int rc;

	if (realpath(v->upper, real) &&
	    lfs_store_path_key(st->root, real, p->key)) {
		rc = lfs_store_layer_create(st, p->new_key, &p->new_upper, why,
					    sizeof(why));
		if (rc)
			return lfs_fail_obj(ctx, "view", arg, rc, why);
		return 0;
	}
	rc = lfs_commit_sibling(v->upper, v->work, &p->new_upper);
	if (rc)
		return lfs_fail_obj(ctx, "view", arg, rc,
				    "cannot create the new upper directory");
	rc = lfs_store_layer_create_bare(st, p->key, why, sizeof(why));
	if (rc) {
		rmdir(p->new_upper);
		return lfs_fail_obj(ctx, "view", arg, rc, why);
	}
	p->key_new = 1;
	return 0;
}

/* Undoes lfs_commit_prepare() after a refused commit. */
static void lfs_commit_undo(struct lfs_store *st, struct lfs_commit_plan *p)
{
	if (p->new_key[0])
		lfs_store_layer_discard(st, p->new_key);
	else if (p->new_upper)
		rmdir(p->new_upper);
	if (p->key_new)
		lfs_store_layer_discard(st, p->key);
}

int cmd_commit(struct lfs_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "author", required_argument, NULL, 'a' },
		{ "message", required_argument, NULL, 'm' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct lfs_view_list views = LFS_VIEW_LIST_INIT;
	struct lfs_store st = LFS_STORE_INIT;
	struct lfs_commit_plan plan = { "", 0, "", NULL };
	struct lfs_layer req = { 0 }, *got = NULL;
	struct lfs_meta meta = { 0 };
	struct lfs_view_meta vm;
	struct lfs_buf out = LFS_BUF_INIT;
	char why[LFS_STORE_WHY_MAX];
	const struct lfs_view *v;
	const char *arg;
	struct lfs_nl *nl;
	int c, rc = 1, json = 0;

	lfs_opt_reset();
	while ((c = getopt_long(argc, argv, ":a:m:jh", opts, NULL)) != -1) {
		switch (c) {
		case 'a':
			req.author = optarg;
			break;
		case 'm':
			req.message = optarg;
			break;
		case 'j':
			json = 1;
			break;
		case 'h':
			return lfs_usage(ctx, lfs_usage_commit, 0);
		default:
			return lfs_usage_opt(ctx, "commit", lfs_usage_commit, c,
					     argv, opts);
		}
	}
	if (argc - optind < 2)
		return lfs_usage_error(ctx, "commit", lfs_usage_commit,
				       "missing %s", argc == optind ?
				       "MOUNTPOINT and REF" : "REF");
	if (argc - optind > 2)
		return lfs_usage_error(ctx, "commit", lfs_usage_commit,
				       "unexpected argument '%s'", argv[optind + 2]);
	arg = argv[optind];
	req.name = argv[optind + 1];
	if (lfs_check_name(ctx, "layer", req.name))
		return 1;
	if ((req.author && strlen(req.author) > LAYERFS_TEXT_MAX) ||
	    (req.message && strlen(req.message) > LAYERFS_TEXT_MAX))
		return lfs_errorf(ctx, "layer '%s': author and message are at most %d bytes",
				  req.name, LAYERFS_TEXT_MAX);

	if (lfs_ctx_nl(ctx, &nl) || lfs_ctx_views(ctx, nl, &views))
		goto out;
	v = lfs_commit_find(ctx, &views, arg);
	if (!v)
		goto out;
	if (!v->upper || !v->work) {
		lfs_fail_obj(ctx, "view", arg, -EROFS,
			     "read-only view, nothing to commit");
		goto out;
	}
	if (lfs_ctx_store(ctx, &st, 1))
		goto out;
	if (lfs_commit_prepare(ctx, &st, v, arg, &plan))
		goto out;

	rc = lfs_nl_view_commit(nl, v->id, plan.new_upper, &req, &got);
	if (rc < 0) {
		lfs_commit_undo(&st, &plan);
		rc = lfs_fail_obj(ctx, "view", arg, rc, lfs_nl_extack(nl));
		goto out;
	}
	rc = 1;

	/* The kernel synced the upper; make sure the store's fs is too. */
	syncfs(st.fd);
	meta.ref = strdup(got->name);
	meta.key = strdup(plan.key);
	meta.parent = got->parent ? strdup(got->parent) : NULL;
	meta.author = got->author ? strdup(got->author) : NULL;
	meta.message = got->message ? strdup(got->message) : NULL;
	meta.diff = strdup(got->path);
	meta.created = got->created;
	meta.flags = got->flags;
	if (!meta.ref || !meta.key || !meta.diff ||
	    (got->parent && !meta.parent) || (got->author && !meta.author) ||
	    (got->message && !meta.message)) {
		lfs_fail_obj(ctx, "layer", got->name, -ENOMEM,
			     "committed, but not recorded in the store");
		goto out;
	}
	rc = lfs_store_base_refs(nl, got, &meta.base);
	if (rc < 0) {
		rc = lfs_fail_obj(ctx, "layer", got->name, rc,
				  "committed, but its BASE layers cannot be named");
		goto out;
	}
	rc = lfs_store_layer_write_meta(&st, &meta, why, sizeof(why));
	if (rc < 0) {
		rc = lfs_fail_obj(ctx, "layer", got->name, rc, why);
		goto out;
	}
	/*
	 * Layers below it that the store does not know (added in place
	 * before a store existed) are recorded too, so that restore can
	 * bring the whole image back.
	 */
	rc = lfs_store_record_ancestors(&st, nl, &meta, why, sizeof(why));
	if (rc < 0) {
		rc = lfs_fail_obj(ctx, "layer", got->name, rc, why);
		goto out;
	}
	lfs_layer_index_try(nl, &st, got->name, plan.key);
	rc = 1;
	/* The view's own record, if it is a store view. */
	if (!lfs_store_view_find(&st, v->work, &vm)) {
		if (plan.new_key[0]) {
			free(vm.upper_key);
			vm.upper_key = strdup(plan.new_key);
		}
		/* The view now shows the new image (see the protocol). */
		free(vm.image);
		vm.image = strdup(got->name);
		vm.commits++;
		if (vm.upper_key)
			lfs_store_view_write_meta(&st, &vm, NULL, 0);
		lfs_view_meta_free(&vm);
	}

	if (json) {
		struct lfs_json j;

		lfs_json_init(&j, &out);
		lfs_json_object_begin(&j);
		lfs_json_key(&j, "key");
		lfs_json_string(&j, plan.key);
		lfs_json_key(&j, "new_upper");
		lfs_json_string(&j, plan.new_upper);
		lfs_json_key(&j, "layer");
		lfs_json_layer(&j, got);
		lfs_json_object_end(&j);
		lfs_buf_putc(&out, '\n');
	} else {
		lfs_fmt_escaped(&out, got->name);
		lfs_buf_printf(&out, " %s\n", plan.key);
	}
	rc = lfs_emit(ctx, &out);
out:
	lfs_buf_free(&out);
	lfs_meta_free(&meta);
	free(got);
	free(plan.new_upper);
	lfs_store_close(&st);
	lfs_views_free(&views);
	return rc;
}
