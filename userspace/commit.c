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
 * A store upper's KEY is locked (lfs_store_layer_lock()) from before
 * step 3 to the end of step 4, once the view is seen to be on it under
 * the lock: a umount's discard of the upper waits for its record, and so
 * does another commit of the view (which then finds the view on the new
 * upper).  The record goes to the key of the upper the kernel committed.
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
#include "jsonout.h"
#include "nl.h"
#include "parse.h"
#include "store.h"
#include "store_reg.h"

static const char lfs_usage_commit[] =
	"Usage: layerctl commit MOUNTPOINT|VIEWID REF [-a AUTHOR] [-m MESSAGE] [--json]\n"
	"\n"
	"Turn the changes of a mounted, writable view into the new read-only\n"
	"layer REF, whose parent is the view's top layer, and continue the view\n"
	"on a fresh empty upper directory above it.  No file data is copied;\n"
	"the view's tree stays the same.  The layer is recorded in the store\n"
	"(ROOT/layers/KEY/meta.json) so that `layerctl restore` registers it\n"
	"again after a reboot.  A REF without a tag is REF:latest.\n"
	"\n"
	"The new upper is ROOT/layers/NEW/diff when the view's upper is in the\n"
	"store (views mounted with `layerctl mount REF MNT`); otherwise it is\n"
	"a new directory beside the old upper, named after it: UPPER@XXXXXXXX.\n"
	"\n"
	"The new layer gets its flattened index (see `layerctl layer index`)\n"
	"before commit returns if the upper holds at most 4096 entries; a\n"
	"larger upper's is built after, by a process of its own, so that a\n"
	"commit takes the same time however much the upper holds.  The view\n"
	"and the layer work without it until it is there (they walk the\n"
	"layers).  `layerctl layer index REF` waits for it; a failure of the\n"
	"detached build is logged to syslog.\n"
	"\n"
	"Options:\n"
	"  -a, --author=AUTHOR    who made the layer\n"
	"  -m, --message=MESSAGE  what the change was\n"
	"  -j, --json             print the new layer as a JSON object\n"
	"  -h, --help             show this help\n";

/* Where the new upper goes and what to undo if the commit fails. */
struct lfs_commit_plan {
	char key[LFS_KEY_LEN + 1];	/* the committed layer's record */
	int key_new;			/* ROOT/layers/KEY made for it */
	char new_key[LFS_KEY_LEN + 1];	/* ROOT/layers/NEW, if in the store */
	char *new_upper;
	int lockfd;			/* ROOT/layers/KEY, locked, or -1 */
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

/* Whether @upper is ROOT/layers/KEY/diff: then its KEY into @key. */
static int lfs_commit_upper_key(const struct lfs_store *st, const char *upper,
				char *key)
{
	char real[PATH_MAX];

	return upper && realpath(upper, real) &&
	       lfs_store_path_key(st->root, real, key);
}

/*
 * The view @id's upper as the kernel has it now (a copy), or NULL if it
 * cannot be listed or is gone (then the kernel refuses the commit).
 */
static char *lfs_commit_upper_now(struct lfs_nl *nl, uint64_t id)
{
	struct lfs_view_list views = LFS_VIEW_LIST_INIT;
	struct lfs_err e = LFS_ERR_INIT;
	char *upper = NULL;
	size_t i;

	if (lfs_ctx_views(nl, &views, &e))
		return NULL;
	for (i = 0; i < views.n; i++)
		if (views.v[i].id == id && views.v[i].upper)
			upper = strdup(views.v[i].upper);
	lfs_views_free(&views);
	return upper;
}

/*
 * Locks @p->key, the key of the view's store upper as listed, and sees
 * under the lock whether the view is still on it: a commit that came
 * between the listing and the lock moved it on to a new upper, whose
 * key is then the one to lock.  Tried a few times: a view that other
 * commits keep moving on is not committed (-EAGAIN), unlocked it would
 * be open to a umount's discard of its upper.  Whatever the view is on
 * when the kernel commits, the record goes to the key of the upper
 * committed (lfs_commit_got_key()).
 */
static int lfs_commit_lock_upper(struct lfs_store *st, struct lfs_nl *nl,
				 const struct lfs_view *v,
				 struct lfs_commit_plan *p, struct lfs_err *e)
{
	char key[LFS_KEY_LEN + 1];
	char *now;
	int tries, fd;

	for (tries = 0; tries < 8; tries++) {
		fd = lfs_store_layer_lock(st, p->key);
		if (fd < 0)
			return lfs_err_set(e, fd, "cannot lock %s/layers/%s",
					   st->root, p->key);
		now = lfs_commit_upper_now(nl, v->id);
		if (!now || !lfs_commit_upper_key(st, now, key) ||
		    !strcmp(key, p->key)) {
			free(now);
			p->lockfd = fd;
			return 0;
		}
		free(now);
		lfs_store_layer_unlock(fd);
		memcpy(p->key, key, sizeof(key));
	}
	return lfs_err_set(e, -EAGAIN,
			   "its upper keeps moving, other commits of it run: try again");
}

static int lfs_commit_prepare(struct lfs_store *st, struct lfs_nl *nl,
			      const struct lfs_view *v,
			      struct lfs_commit_plan *p, struct lfs_err *e)
{
	int rc;

	if (lfs_commit_upper_key(st, v->upper, p->key)) {
		rc = lfs_commit_lock_upper(st, nl, v, p, e);
		return rc ? rc : lfs_store_layer_create(st, p->new_key,
							&p->new_upper, e);
	}
	rc = lfs_commit_sibling(v->upper, v->work, &p->new_upper);
	if (rc)
		return lfs_err_set(e, rc, "cannot create the new upper directory");
	rc = lfs_store_layer_create_bare(st, p->key, e);
	if (rc) {
		rmdir(p->new_upper);
		return rc;
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

/*
 * After the kernel's commit: the key of the store upper it made the layer
 * @got, into @p->key, if it is not the one listed and locked (a commit
 * not made by layerctl moved the view on meanwhile): the record is that
 * upper's.  If what it committed is outside the store (moved there by
 * such a commit), a directory of its own for the record, as for a view
 * whose upper is outside the store, never the listed key's (another
 * layer's record may be there).
 */
static int lfs_commit_got_key(struct lfs_store *st,
			      const struct lfs_layer *got,
			      struct lfs_commit_plan *p, struct lfs_err *e)
{
	char key[LFS_KEY_LEN + 1];
	int rc;

	if (p->key_new)
		return 0;
	if (lfs_commit_upper_key(st, got->path, key)) {
		memcpy(p->key, key, sizeof(key));
		return 0;
	}
	rc = lfs_store_layer_create_bare(st, key, e);
	if (rc)
		return lfs_err_prefix(e, rc, "layer '%s': committed, but not recorded",
				      got->name);
	memcpy(p->key, key, sizeof(key));
	p->key_new = 1;
	return 0;
}

/* What the command line asks for. */
struct lfs_commit_args {
	const char *view;		/* MOUNTPOINT or VIEWID */
	struct lfs_layer req;		/* NAME, AUTHOR, MESSAGE */
	char name[LFS_REF_BUF];		/* REF, ':latest' if untagged */
	int json;
};

static int lfs_commit_parse(struct lfs_ctx *ctx, int argc, char **argv,
			    struct lfs_commit_args *a)
{
	static const struct option opts[] = {
		{ "author", required_argument, NULL, 'a' },
		{ "message", required_argument, NULL, 'm' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	int c;

	lfs_opt_reset();
	while ((c = getopt_long(argc, argv, ":a:m:jh", opts, NULL)) != -1) {
		switch (c) {
		case 'a':
			a->req.author = optarg;
			break;
		case 'm':
			a->req.message = optarg;
			break;
		case 'j':
			a->json = 1;
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
	a->view = argv[optind];
	a->req.name = a->name;
	return lfs_check_new_ref(ctx, "layer", argv[optind + 1], a->name,
				 sizeof(a->name)) ||
	       lfs_check_not_chain(ctx, "layer", a->name) ? 1 : LFS_PARSED;
}

/*
 * Records the committed layer @got in the store (ROOT/layers/KEY/
 * meta.json), and the layers below it the store does not know yet (added
 * in place before a store existed), so that restore can bring the whole
 * image back.
 */
static int lfs_commit_record(struct lfs_store *st, struct lfs_nl *nl,
			     const struct lfs_view *v,
			     const struct lfs_layer *got, char *key,
			     struct lfs_err *e)
{
	struct lfs_meta meta = { 0 };
	uint32_t i;
	int rc = 0, lockfd;

	/* The kernel synced the upper; make sure the store's fs is too. */
	syncfs(st->fd);
	lfs_meta_borrow_layer(&meta, got, key);
	/*
	 * BASE is the view's stack as it was just before the commit: the
	 * names the view listed, unless another commit came in between (a
	 * commit only ever adds a layer).  Else from the registry.
	 */
	if (v->have == v->nlayers && got->nbase == v->nlayers) {
		for (i = 0; i < v->nlayers && !rc; i++)
			rc = lfs_strv_push(&meta.base, v->layers[i]);
	} else {
		rc = lfs_store_base_refs(nl, got, &meta.base);
	}
	if (rc < 0)
		lfs_err_set(e, rc, "committed, but its BASE layers cannot be named");
	/*
	 * Ancestors first: records are closed under ancestry (storeref.h).
	 * Under the records lock: two commits on one unrecorded image would
	 * each find its layers unrecorded and record them twice.
	 */
	lockfd = lfs_store_records_lock(st);
	if (!rc)
		rc = lfs_store_record_ancestors(st, nl, &meta, e);
	if (!rc)
		rc = lfs_store_layer_write_meta(st, &meta, e);
	lfs_store_records_unlock(lockfd);
	lfs_strv_free(&meta.base);
	return rc;
}

/*
 * The view's own record, if it is a store view (best effort): its upper
 * and image as the kernel has them now, read under the records lock, not
 * this commit's: the commits of a view run one after the other in the
 * kernel, but another one that came after this one may have written the
 * record first (restore --views mounts the view from it, umount gives
 * back the upper it names).
 */
static void lfs_commit_view_record(struct lfs_store *st, struct lfs_nl *nl,
				   const struct lfs_view *v,
				   const struct lfs_commit_plan *p,
				   const struct lfs_layer *got)
{
	struct lfs_view_list views = LFS_VIEW_LIST_INIT;
	struct lfs_err e = LFS_ERR_INIT;
	const char *upper = p->new_upper, *image = got->name;
	char real[PATH_MAX], key[LFS_KEY_LEN + 1];
	struct lfs_view_meta vm;
	size_t i;
	int lockfd;

	lockfd = lfs_store_records_lock(st);
	if (lfs_store_view_find(st, v->work, &vm))
		goto out;
	if (!lfs_ctx_views(nl, &views, &e)) {
		for (i = 0; i < views.n; i++) {
			if (views.v[i].id != v->id)
				continue;
			upper = views.v[i].upper;
			if (views.v[i].image)
				image = views.v[i].image;
		}
	}
	if (p->new_key[0]) {
		if (!upper || !realpath(upper, real) ||
		    !lfs_store_path_key(st->root, real, key))
			snprintf(key, sizeof(key), "%s", p->new_key);
		free(vm.upper_key);
		vm.upper_key = strdup(key);
	}
	/* The view now shows the new image (see the protocol). */
	free(vm.image);
	vm.image = strdup(image);
	vm.commits++;
	if (vm.upper_key)
		lfs_store_view_write_meta(st, &vm, NULL);
	lfs_view_meta_free(&vm);
out:
	lfs_views_free(&views);
	lfs_store_records_unlock(lockfd);
}

static int lfs_commit_print(struct lfs_ctx *ctx, const struct lfs_commit_plan *p,
			    const struct lfs_layer *got, int json)
{
	struct lfs_buf out = LFS_BUF_INIT;
	int rc;

	if (json) {
		struct lfs_json j;

		lfs_json_init(&j, &out);
		lfs_json_object_begin(&j);
		lfs_json_key(&j, "key");
		lfs_json_string(&j, p->key);
		lfs_json_key(&j, "new_upper");
		lfs_json_string(&j, p->new_upper);
		lfs_json_key(&j, "layer");
		lfs_json_layer(&j, got);
		lfs_json_object_end(&j);
		lfs_buf_putc(&out, '\n');
	} else {
		lfs_fmt_escaped(&out, got->name);
		lfs_buf_printf(&out, " %s\n", p->key);
	}
	rc = lfs_emit(ctx, "commit", &out);
	lfs_buf_free(&out);
	return rc;
}

/* Step 1: the view a->view names, writable. */
static int lfs_commit_target(struct lfs_nl *nl, const char *arg,
			     struct lfs_view_list *views,
			     const struct lfs_view **v, struct lfs_err *e)
{
	int rc = lfs_ctx_views(nl, views, e);

	if (!rc)
		rc = lfs_view_find(views, arg, v, e);
	if (!rc && (!(*v)->upper || !(*v)->work))
		rc = lfs_err_set(e, -EROFS, "read-only view, nothing to commit");
	return rc ? lfs_err_prefix(e, rc, "view '%s'", arg) : 0;
}

/* Steps 2 and 3: the new upper, then the kernel's commit into *@got. */
static int lfs_commit_kernel(struct lfs_nl *nl, struct lfs_store *st,
			     const struct lfs_view *v,
			     const struct lfs_commit_args *a,
			     struct lfs_commit_plan *p, struct lfs_layer **got,
			     struct lfs_err *e)
{
	int rc = lfs_commit_prepare(st, nl, v, p, e);

	if (!rc) {
		rc = lfs_nl_view_commit(nl, v->id, p->new_upper, &a->req, got,
					e);
		if (rc < 0) {
			lfs_commit_undo(st, p);
		} else {
			rc = lfs_commit_got_key(st, *got, p, e);
			if (rc)
				return rc;
		}
	}
	return rc ? lfs_err_prefix(e, rc, "view '%s'", a->view) : 0;
}

int cmd_commit(struct lfs_ctx *ctx, int argc, char **argv)
{
	struct lfs_commit_args a = { 0 };
	struct lfs_view_list views = LFS_VIEW_LIST_INIT;
	struct lfs_store st = LFS_STORE_INIT;
	struct lfs_commit_plan plan = { "", 0, "", NULL, -1 };
	struct lfs_err e = LFS_ERR_INIT;
	struct lfs_layer *got = NULL;
	const struct lfs_view *v = NULL;
	struct lfs_nl *nl;
	int rc;

	rc = lfs_commit_parse(ctx, argc, argv, &a);
	if (rc != LFS_PARSED)
		return rc;
	if (lfs_check_texts(a.req.name, a.req.author, a.req.message, &e))
		return lfs_err_report(ctx, &e);
	if (lfs_ctx_nl(ctx, &nl, &e))
		return lfs_err_report(ctx, &e);
	rc = lfs_commit_target(nl, a.view, &views, &v, &e);
	if (!rc)
		rc = lfs_ctx_store(ctx, &st, 1, &e);
	if (!rc)
		rc = lfs_commit_kernel(nl, &st, v, &a, &plan, &got, &e);
	if (!rc) {
		rc = lfs_commit_record(&st, nl, v, got, plan.key, &e);
		if (rc)
			lfs_err_prefix(&e, rc, "layer '%s'", got->name);
	}
	if (!rc)
		lfs_commit_view_record(&st, nl, v, &plan, got);
	/* Recorded (or failed): a discard of the upper may look now. */
	lfs_store_layer_unlock(plan.lockfd);
	if (!rc) {
		rc = lfs_commit_print(ctx, &plan, got, a.json);
		lfs_layer_index_commit(ctx, nl, &st, got, plan.key);
	} else {
		rc = lfs_err_report(ctx, &e);
	}
	free(got);
	free(plan.new_upper);
	lfs_store_close(&st);
	lfs_views_free(&views);
	return rc;
}
