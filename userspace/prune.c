// SPDX-License-Identifier: GPL-2.0
/*
 * layerctl prune [-n] [--json]: delete what the store keeps for views that
 * are no longer mounted.
 *
 * `layerctl umount` deletes a store view's record, work directory and
 * upper when the upper is empty; an upper with uncommitted changes is
 * kept, and a reboot or a crash leaves every record behind.  prune
 * collects them:
 *
 *   ROOT/views/VKEY     whose VKEY/work is no mounted view's work directory
 *   ROOT/layers/KEY     without meta.json (an uncommitted upper, or the
 *                       new upper of a commit that did not complete),
 *                       unless a mounted view or a registered layer uses
 *                       a path inside it
 *   ROOT/layers/.rm-KEY a removal that was interrupted
 *   ROOT/layers/.new-KEY
 *                       an import, load or pull that was interrupted
 *                       while it extracted the layer (store.h)
 *   ROOT/.push-*, .pull-*, .save-*, .load-*
 *                       what a push, pull, save or load that crashed left,
 *                       unless a running one holds it (tmpdir.h's rule)
 *   ROOT/.partial/sha256-HEX.partial
 *                       a partial download a pull kept for the next to
 *                       resume, unless a pull holds it or it changed in
 *                       the last minute (pullpart.h)
 *   ROOT/blobs/sha256/HEX
 *                       a compressed blob save, push, pull or load kept
 *                       (blobkeep.h) that the record of no registered
 *                       layer, as the layer is now, names; and .tmp-*
 *                       there, what a writer that crashed left (writers
 *                       hold the store's shared lock)
 *
 * "In use" is decided by device and inode (inuse.h): the upper and work
 * paths the kernel reports for each view, and each registered layer's
 * path, are resolved and recorded with every directory above them, and a
 * store directory is kept if it is one of those, however the path reached
 * it (a bind mount of the store, a symlink).  A path that cannot be
 * resolved here (a view mounted in another mount namespace or a chroot)
 * still keeps any store entry it names as .../layers/KEY or .../views/VKEY.
 *
 * Committed layers (those with meta.json) are never touched: `layerctl rm`
 * removes those.  An upper that holds anything (changes never committed)
 * is deleted only with --force or after a "y" on a terminal; otherwise
 * prune lists those uppers, deletes nothing and fails.  The store is locked exclusively first, so no mount,
 * commit or import is half-way through making its directories, and the
 * mounted views and registered layers are read under that lock.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cmd.h"
#include "format.h"
#include "inuse.h"
#include "jsonout.h"
#include "nl.h"
#include "parse.h"
#include "pullpart.h"
#ifndef LAYERCTL_NO_OCI
#include "blobkeep.h"
#endif
#include "store.h"
#include "store_reg.h"
#include "tmpdir.h"

static const char lfs_usage_prune[] =
	"Usage: layerctl prune [-n] [-f] [--json]\n"
	"\n"
	"Delete from the store what views that are no longer mounted left\n"
	"behind: their records and work directories, and their uppers with\n"
	"the changes that were never committed.  Also deletes the new upper\n"
	"of a commit that did not complete, what an interrupted `layerctl\n"
	"rm` left, the layer directory an import, load or pull killed while\n"
	"it extracted left (layers/.new-KEY), the temporary directories of a\n"
	"push, pull, save or load\n"
	"that did not complete (.push-*, .pull-*, .save-*, .load-*), and the\n"
	"partial downloads a pull that broke off kept for the next to resume\n"
	"(.partial/*): those no running command holds (each holds a lock on\n"
	"its own) and that have not changed for a minute.  Deletes the\n"
	"compressed layer blobs save, push, pull and load kept (blobs/sha256/*)\n"
	"that no layer recorded in the store or registered, as it is now, is\n"
	"recorded as (the store's file layer-digests).  Committed and\n"
	"registered layers are kept, and so is anything a mounted view or a\n"
	"registered layer uses.  Run it after a reboot (after `layerctl\n"
	"restore`) or after unmounting views whose changes are not wanted.\n"
	"\n"
	"Uncommitted changes are not deleted without asking: if an upper to\n"
	"delete holds anything, prune lists those uppers and, on a terminal,\n"
	"asks; otherwise (or on any answer but y) it deletes nothing and\n"
	"fails, unless --force is given.\n"
	"\n"
	"Prints one line per view and per upper deleted, then the total.\n"
	"\n"
	"Options:\n"
	"  -n, --dry-run  print what would be deleted, delete nothing\n"
	"  -f, --force    delete uncommitted changes without asking\n"
	"  -j, --json     print the result as a JSON object\n"
	"  -h, --help     show this help\n";

/* A deleted layer directory and what it held. */
struct lfs_prune_upper {
	char *key;
	uint64_t size, files;
};

/* What prune found: keys to keep and what it deleted. */
struct lfs_prune {
	struct lfs_store *st;
	struct lfs_inuse inuse;		/* directories in use */
	struct lfs_strv keep_layers;	/* keys named by paths in use */
	struct lfs_strv keep_views;
	struct lfs_strv views;		/* deleted views: "VKEY" */
	struct lfs_strv mnts;		/* ...their recorded mountpoints */
	struct lfs_strv tmps;		/* deleted temporary directories */
	struct lfs_strv parts;		/* deleted partial downloads: digests */
	struct lfs_strv blobs;		/* deleted kept blobs: digests */
	struct lfs_prune_upper *uppers;	/* deleted layer directories */
	size_t nuppers;
	uint64_t size, nfiles;		/* totals */
	int dry;
	int failed;
	struct lfs_err e;		/* the last failed deletion */
};

/* Keeps the store directories that @path (a path in use) lies in. */
static int lfs_prune_keep_path(struct lfs_prune *p, const char *path)
{
	int rc;

	if (!path)
		return 0;
	rc = lfs_inuse_add_path(&p->inuse, path);
	if (!rc)
		rc = lfs_store_path_keys(path, "layers", &p->keep_layers);
	if (!rc)
		rc = lfs_store_path_keys(path, "views", &p->keep_views);
	return rc;
}

static int lfs_prune_keep_layer(const struct lfs_layer *l, void *arg)
{
	return lfs_prune_keep_path(arg, l->path);
}

/* Everything the mounted views and the registered layers use. */
static int lfs_prune_in_use(struct lfs_ctx *ctx, struct lfs_nl *nl,
			    struct lfs_prune *p)
{
	struct lfs_view_list views = LFS_VIEW_LIST_INIT;
	struct lfs_err e = LFS_ERR_INIT;
	size_t i;
	int rc;

	if (lfs_ctx_views(nl, &views, &e)) {
		lfs_err_prefix(&e, e.code, "prune");
		return lfs_err_report(ctx, &e);
	}
	for (i = 0; i < views.n; i++) {
		if (lfs_prune_keep_path(p, views.v[i].upper) ||
		    lfs_prune_keep_path(p, views.v[i].work)) {
			rc = lfs_nomem(ctx, "cannot note its directories",
				       "prune: view '%llu'",
				       (unsigned long long)views.v[i].id);
			lfs_views_free(&views);
			return rc;
		}
	}
	lfs_views_free(&views);
	rc = lfs_nl_layer_dump(nl, lfs_prune_keep_layer, p, &e);
	if (rc) {
		lfs_err_prefix(&e, rc, "prune: the registered layers");
		return lfs_err_report(ctx, &e);
	}
	lfs_inuse_sort(&p->inuse);
	return 0;
}

static int lfs_prune_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * Sorted names of @dirfd's entries that are keys (or ".rm-KEY" and
 * ".new-KEY" with @rm: lfs_store_hidden_key()).
 */
static int lfs_prune_list(int dirfd, int rm, struct lfs_strv *out)
{
	struct dirent *de;
	DIR *d;
	int fd, rc = 0;

	fd = dup(dirfd);
	if (fd < 0)
		return -errno;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return -errno;
	}
	/* The dup shares @dirfd's offset: an earlier listing left it at the end. */
	rewinddir(d);
	while ((de = readdir(d))) {
		const char *hidden = rm ? lfs_store_hidden_key(de->d_name) : NULL;
		const char *key = hidden ? hidden : de->d_name;

		if (!lfs_key_valid(key))
			continue;
		rc = lfs_strv_push(out, de->d_name);
		if (rc)
			break;
	}
	closedir(d);
	if (!rc && out->n)
		qsort(out->v, out->n, sizeof(*out->v), lfs_prune_cmp);
	return rc;
}

/* Deletes the views no mounted view uses; their uppers become candidates. */
static int lfs_prune_views(struct lfs_prune *p)
{
	struct lfs_strv names = LFS_STRV_INIT;
	size_t i;
	int rc, r;

	rc = lfs_prune_list(p->st->views_fd, 0, &names);
	for (i = 0; !rc && i < names.n; i++) {
		struct lfs_view_meta vm;

		if (lfs_strv_has(&p->keep_views, names.v[i]) ||
		    lfs_inuse_has(&p->inuse, p->st->views_fd, names.v[i]))
			continue;
		/* A record that cannot be read still goes. */
		lfs_store_view_read(p->st, names.v[i], &vm);
		rc = lfs_strv_push(&p->views, names.v[i]);
		if (!rc)
			rc = lfs_strv_push(&p->mnts, vm.mountpoint ?
					   vm.mountpoint : "");
		lfs_view_meta_free(&vm);
		if (rc || p->dry)
			continue;
		r = lfs_store_view_remove(p->st, names.v[i]);
		if (r) {
			lfs_err_set(&p->e, r, "cannot delete '%s/views/%s'",
				    p->st->root, names.v[i]);
			p->failed = 1;
		}
	}
	lfs_strv_free(&names);
	return rc;
}

static int lfs_prune_has_meta(struct lfs_prune *p, const char *key)
{
	struct stat sb;
	char name[LFS_KEY_LEN + 16];

	snprintf(name, sizeof(name), "%s/meta.json", key);
	return !fstatat(p->st->layers_fd, name, &sb, AT_SYMLINK_NOFOLLOW);
}

/* Whether ROOT/layers/@name is to be deleted: no record, nothing uses it. */
static int lfs_prune_layer_goes(struct lfs_prune *p, const char *name)
{
	return name[0] == '.' || !(lfs_strv_has(&p->keep_layers, name) ||
				   lfs_inuse_has(&p->inuse, p->st->layers_fd,
						 name) ||
				   lfs_prune_has_meta(p, name));
}

/* Whether the upper ROOT/layers/@key/diff holds anything (or is unreadable). */
static int lfs_prune_upper_changed(struct lfs_prune *p, const char *key)
{
	char name[LFS_KEY_LEN + 16];
	struct dirent *de;
	int fd, changed = 0;
	DIR *d;

	snprintf(name, sizeof(name), "%s/diff", key);
	fd = openat(p->st->layers_fd, name,
		    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return errno != ENOENT;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return 1;
	}
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..")) {
			changed = 1;
			break;
		}
	closedir(d);
	return changed;
}

/*
 * Before deleting (without --force): the uppers to delete that hold
 * changes are listed, and on a terminal the user is asked.  0 to go on;
 * 1 (reported) to delete nothing.
 */
static int lfs_prune_confirm(struct lfs_ctx *ctx, struct lfs_prune *p)
{
	struct lfs_strv names = LFS_STRV_INIT, changed = LFS_STRV_INIT;
	char line[16] = "";
	size_t i;
	int rc;

	rc = lfs_prune_list(p->st->layers_fd, 0, &names);
	for (i = 0; !rc && i < names.n; i++)
		if (lfs_prune_layer_goes(p, names.v[i]) &&
		    lfs_prune_upper_changed(p, names.v[i]))
			rc = lfs_strv_push(&changed, names.v[i]);
	lfs_strv_free(&names);
	if (rc) {
		lfs_strv_free(&changed);
		lfs_err_named(&p->e, rc, "cannot list the changed uppers",
			      "prune: store '%s'", p->st->root);
		return lfs_err_report(ctx, &p->e);
	}
	if (!changed.n)
		return 0;
	lfs_errorf(ctx, "prune: %zu %s changes that were never committed:",
		   changed.n, changed.n == 1 ? "upper holds" : "uppers hold");
	for (i = 0; i < changed.n; i++) {
		struct lfs_buf b = LFS_BUF_INIT;
		uint64_t size = 0, files = 0;
		char *path = NULL;

		if (asprintf(&path, "%s/layers/%s/diff", p->st->root,
			     changed.v[i]) < 0)
			path = NULL;
		if (path)
			lfs_store_usage(path, &size, &files);
		lfs_fmt_size(&b, size);
		fprintf(ctx->err, "  %s: %llu files, %s\n", path ? path : changed.v[i],
			(unsigned long long)files,
			lfs_buf_error(&b) ? "?" : lfs_buf_str(&b));
		lfs_buf_free(&b);
		free(path);
	}
	lfs_strv_free(&changed);
	if (ctx->interactive && !ctx->batch_line) {
		fputs("Delete them? [y/N] ", ctx->err);
		fflush(ctx->err);
		if (fgets(line, sizeof(line), ctx->in ? ctx->in : stdin) &&
		    (!strcmp(line, "y\n") || !strcmp(line, "yes\n")))
			return 0;
		return lfs_errorf(ctx, "prune: nothing deleted");
	}
	return lfs_errorf(ctx, "prune: nothing deleted: --force deletes them, -n lists all prune would delete");
}

/* Deletes the layer directories without a record that nothing uses. */
static int lfs_prune_layers(struct lfs_prune *p)
{
	struct lfs_strv names = LFS_STRV_INIT;
	size_t i;
	int rc;

	rc = lfs_prune_list(p->st->layers_fd, 1, &names);
	for (i = 0; !rc && i < names.n; i++) {
		const char *name = names.v[i];
		struct lfs_prune_upper *u;
		char *path = NULL;

		if (!lfs_prune_layer_goes(p, name))
			continue;
		if (asprintf(&path, "%s/layers/%s", p->st->root, name) < 0) {
			rc = -ENOMEM;
			break;
		}
		u = realloc(p->uppers, (p->nuppers + 1) * sizeof(*u));
		if (u)
			p->uppers = u;
		if (u) {
			u += p->nuppers;
			*u = (struct lfs_prune_upper){ .key = strdup(name) };
		}
		if (!u || !u->key) {
			free(path);
			rc = -ENOMEM;
			break;
		}
		p->nuppers++;
		lfs_store_usage(path, &u->size, &u->files);
		free(path);
		p->size += u->size;
		p->nfiles += u->files;
		if (p->dry)
			continue;
		if (name[0] == '.')
			rc = lfs_store_remove_hidden(p->st, name);
		else
			rc = lfs_store_layer_remove(p->st, name, &p->e);
		if (rc) {
			p->failed = 1;
			rc = 0;
		}
	}
	lfs_strv_free(&names);
	return rc;
}

/*
 * The temporary directories of crashed commands (tmpdir.h), their age
 * against @now (seconds since the epoch).
 */
static int lfs_prune_tmps(struct lfs_prune *p, time_t now)
{
	int failed = 0, rc;

	rc = lfs_tmpdir_prune(p->st->fd, now, LFS_TMPDIR_MIN_AGE,
			      p->dry, &p->tmps, &p->size, &p->nfiles, &failed);
	if (!rc)
		rc = lfs_part_prune(p->st->fd, now, LFS_PART_MIN_AGE,
				    p->dry, &p->parts, &p->size, &failed);
	p->nfiles += p->parts.n;
	if (failed) {
		p->failed = 1;
		lfs_err_set(&p->e, -EIO, "cannot delete a temporary directory or partial download of '%s'",
			    p->st->root);
	}
	return rc;
}

/* The kept blobs no recorded or registered layer is (blobkeep.h). */
static int lfs_prune_blobs(struct lfs_prune *p, struct lfs_nl *nl)
{
#ifndef LAYERCTL_NO_OCI
	int failed = 0, rc;

	rc = lfs_keep_prune(p->st, nl, p->dry, &p->blobs, &p->size,
			    &failed);
	p->nfiles += p->blobs.n;
	if (failed) {
		p->failed = 1;
		lfs_err_set(&p->e, -EIO, "cannot delete a kept blob of '%s'",
			    p->st->root);
	}
	return rc;
#else
	(void)p;
	(void)nl;
	return 0;
#endif
}

static void lfs_prune_text(const struct lfs_prune *p, struct lfs_buf *out)
{
	const char *verb = p->dry ? "would delete" : "deleted";
	size_t i;

	for (i = 0; i < p->views.n; i++) {
		lfs_buf_printf(out, "%s view %s", verb, p->views.v[i]);
		if (p->mnts.v[i][0]) {
			lfs_buf_puts(out, " (mounted at ");
			lfs_fmt_escaped(out, p->mnts.v[i]);
			lfs_buf_putc(out, ')');
		}
		lfs_buf_putc(out, '\n');
	}
	for (i = 0; i < p->nuppers; i++) {
		lfs_buf_printf(out, "%s upper %s: %llu files, ", verb,
			       p->uppers[i].key,
			       (unsigned long long)p->uppers[i].files);
		lfs_fmt_size(out, p->uppers[i].size);
		lfs_buf_putc(out, '\n');
	}
	for (i = 0; i < p->tmps.n; i++) {
		/* ".pull-" and whatever followed, as found in the store */
		lfs_buf_printf(out, "%s temporary directory ", verb);
		lfs_fmt_escaped(out, p->tmps.v[i]);
		lfs_buf_putc(out, '\n');
	}
	for (i = 0; i < p->parts.n; i++)
		lfs_buf_printf(out, "%s partial download %s\n", verb,
			       p->parts.v[i]);
	for (i = 0; i < p->blobs.n; i++)
		lfs_buf_printf(out, "%s kept blob %s\n", verb, p->blobs.v[i]);
	if (p->blobs.n)
		lfs_buf_printf(out, "%s %zu views, %zu uppers, %zu temporary directories, %zu partial downloads and %zu kept blobs: %llu files, ",
			       p->dry ? "would free" : "freed", p->views.n,
			       p->nuppers, p->tmps.n, p->parts.n, p->blobs.n,
			       (unsigned long long)p->nfiles);
	else if (p->parts.n)
		lfs_buf_printf(out, "%s %zu views, %zu uppers, %zu temporary directories and %zu partial downloads: %llu files, ",
			       p->dry ? "would free" : "freed", p->views.n,
			       p->nuppers, p->tmps.n, p->parts.n,
			       (unsigned long long)p->nfiles);
	else if (p->tmps.n)
		lfs_buf_printf(out, "%s %zu views, %zu uppers and %zu temporary directories: %llu files, ",
			       p->dry ? "would free" : "freed", p->views.n,
			       p->nuppers, p->tmps.n,
			       (unsigned long long)p->nfiles);
	else
		lfs_buf_printf(out, "%s %zu views and %zu uppers: %llu files, ",
			       p->dry ? "would free" : "freed", p->views.n,
			       p->nuppers, (unsigned long long)p->nfiles);
	lfs_fmt_size(out, p->size);
	lfs_buf_putc(out, '\n');
}

static void lfs_prune_json(const struct lfs_prune *p, struct lfs_buf *out)
{
	struct lfs_json j;
	size_t i;

	lfs_json_init(&j, out);
	lfs_json_object_begin(&j);
	lfs_json_key(&j, "dry_run");
	lfs_json_bool(&j, p->dry);
	lfs_json_key(&j, "views");
	lfs_json_array_begin(&j);
	for (i = 0; i < p->views.n; i++) {
		lfs_json_object_begin(&j);
		lfs_json_key(&j, "key");
		lfs_json_string(&j, p->views.v[i]);
		lfs_json_key(&j, "mountpoint");
		if (p->mnts.v[i][0])
			lfs_json_string(&j, p->mnts.v[i]);
		else
			lfs_json_null(&j);
		lfs_json_object_end(&j);
	}
	lfs_json_array_end(&j);
	lfs_json_key(&j, "uppers");
	lfs_json_array_begin(&j);
	for (i = 0; i < p->nuppers; i++) {
		lfs_json_object_begin(&j);
		lfs_json_key(&j, "key");
		lfs_json_string(&j, p->uppers[i].key);
		lfs_json_key(&j, "size");
		lfs_json_u64(&j, p->uppers[i].size);
		lfs_json_key(&j, "files");
		lfs_json_u64(&j, p->uppers[i].files);
		lfs_json_object_end(&j);
	}
	lfs_json_array_end(&j);
	lfs_json_key(&j, "temporary");
	lfs_json_array_begin(&j);
	for (i = 0; i < p->tmps.n; i++)
		lfs_json_string(&j, p->tmps.v[i]);
	lfs_json_array_end(&j);
	lfs_json_key(&j, "partial_downloads");
	lfs_json_array_begin(&j);
	for (i = 0; i < p->parts.n; i++)
		lfs_json_string(&j, p->parts.v[i]);
	lfs_json_array_end(&j);
	lfs_json_key(&j, "kept_blobs");
	lfs_json_array_begin(&j);
	for (i = 0; i < p->blobs.n; i++)
		lfs_json_string(&j, p->blobs.v[i]);
	lfs_json_array_end(&j);
	lfs_json_key(&j, "size");
	lfs_json_u64(&j, p->size);
	lfs_json_key(&j, "files");
	lfs_json_u64(&j, p->nfiles);
	lfs_json_object_end(&j);
	lfs_buf_putc(out, '\n');
}

static int lfs_prune_parse(struct lfs_ctx *ctx, int argc, char **argv,
			   struct lfs_prune *p, int *force, int *json)
{
	static const struct option opts[] = {
		{ "dry-run", no_argument, NULL, 'n' },
		{ "force", no_argument, NULL, 'f' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	int c;

	lfs_opt_reset();
	while ((c = getopt_long(argc, argv, ":nfjh", opts, NULL)) != -1) {
		switch (c) {
		case 'n':
			p->dry = 1;
			break;
		case 'f':
			*force = 1;
			break;
		case 'j':
			*json = 1;
			break;
		case 'h':
			return lfs_usage(ctx, lfs_usage_prune, 0);
		default:
			return lfs_usage_opt(ctx, "prune", lfs_usage_prune, c,
					     argv, opts);
		}
	}
	if (argc > optind)
		return lfs_usage_error(ctx, "prune", lfs_usage_prune,
				       "unexpected argument '%s'", argv[optind]);
	return LFS_PARSED;
}

/*
 * With the store locked: what is in use, the question (unless --force or
 * --dry-run), then the deletions.  0, or 1 after reporting.
 */
static int lfs_prune_run(struct lfs_ctx *ctx, struct lfs_prune *p, int force)
{
	struct lfs_nl *nl;
	int rc;

	rc = lfs_store_lock_exclusive(p->st);
	if (rc) {
		lfs_err_set(&p->e, rc, "prune: cannot lock the store");
		return lfs_err_report(ctx, &p->e);
	}
	if (lfs_ctx_nl(ctx, &nl, &p->e))
		return lfs_err_report(ctx, &p->e);
	if (lfs_prune_in_use(ctx, nl, p))
		return 1;
	if (!p->dry && !force && lfs_prune_confirm(ctx, p))
		return 1;
	rc = lfs_prune_views(p);
	if (!rc)
		rc = lfs_prune_layers(p);
	if (!rc)
		rc = lfs_prune_tmps(p, (time_t)(lfs_ctx_now(ctx) / 1000000000ULL));
	if (!rc)
		rc = lfs_prune_blobs(p, nl);
	if (rc) {
		lfs_err_named(&p->e, rc, "cannot list what to delete",
			      "prune: store '%s'", p->st->root);
		return lfs_err_report(ctx, &p->e);
	}
	return 0;
}

static void lfs_prune_free(struct lfs_prune *p)
{
	size_t i;

	lfs_inuse_free(&p->inuse);
	lfs_strv_free(&p->keep_layers);
	lfs_strv_free(&p->keep_views);
	lfs_strv_free(&p->views);
	lfs_strv_free(&p->mnts);
	lfs_strv_free(&p->tmps);
	lfs_strv_free(&p->parts);
	lfs_strv_free(&p->blobs);
	for (i = 0; i < p->nuppers; i++)
		free(p->uppers[i].key);
	free(p->uppers);
}

int cmd_prune(struct lfs_ctx *ctx, int argc, char **argv)
{
	struct lfs_store st = LFS_STORE_INIT;
	struct lfs_prune p = { 0 };
	struct lfs_buf out = LFS_BUF_INIT;
	int rc, json = 0, force = 0;

	rc = lfs_prune_parse(ctx, argc, argv, &p, &force, &json);
	if (rc != LFS_PARSED)
		return rc;
	p.st = &st;
	/* No store: nothing to prune, an empty report. */
	rc = lfs_ctx_store(ctx, &st, 0, &p.e);
	if (rc && rc != -ENOENT)
		return lfs_err_report(ctx, &p.e);
	lfs_err_clear(&p.e);
	rc = rc ? 0 : lfs_prune_run(ctx, &p, force);
	if (!rc) {
		if (json)
			lfs_prune_json(&p, &out);
		else
			lfs_prune_text(&p, &out);
		rc = lfs_emit(ctx, "prune", &out);
	}
	if (!rc && p.failed) {
		lfs_err_prefix(&p.e, p.e.code, "prune");
		rc = lfs_err_report(ctx, &p.e);
	}
	lfs_buf_free(&out);
	lfs_prune_free(&p);
	lfs_store_close(&st);
	return rc;
}
