// SPDX-License-Identifier: GPL-2.0
/*
 * layerctl diff MOUNTPOINT|VIEWID [--json]: docker diff's list of a
 * view's uncommitted changes, from its upper directory and the layers
 * below it (overlayfs format: a whiteout is a 0/0 character device, an
 * opaque directory has trusted.overlay.opaque "y").  The upper, which the
 * view's users change while it is read, is walked by directory fds
 * opened O_NOFOLLOW, never by paths; the layers below (no view writes
 * them) by paths.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "cmd.h"
#include "fsdir.h"
#include "imageinfo.h"
#include "layerinfo.h"
#include "nl.h"
#include "parse.h"
#include "strv.h"
#include "viewinfo.h"

#define LFS_DIFF_OPQ_XATTR "trusted.overlay.opaque"

static const char lfs_usage_diff[] =
	"Usage: layerctl diff MOUNTPOINT|VIEWID [--json]\n"
	"\n"
	"List the changes of a writable view that are not committed yet, as\n"
	"`docker diff` does, one per line sorted by path: 'A PATH' added, 'C\n"
	"PATH' changed (the path exists in the layers below too; a directory\n"
	"holding a change is one), 'D PATH' deleted.  They are read from the\n"
	"view's upper directory and the layers of its stack.  Below an\n"
	"opaque directory (removed and made again) every entry is added and\n"
	"what the layers below had there is listed as deleted.\n"
	"\n"
	"Options:\n"
	"  -j, --json  print a JSON array of {\"kind\":\"A\"|\"C\"|\"D\",\"path\"}\n"
	"  -h, --help  show this help\n";

/* The walk: the changes so far and the path buffer. */
struct lfs_diff {
	struct lfs_changes ch;
	struct lfs_err *e;
};

static int lfs_is_whiteout(const struct stat *st)
{
	return S_ISCHR(st->st_mode) && st->st_rdev == 0;
}

/* The directory at @path (@fd < 0), or open as @fd, is marked opaque. */
static int lfs_is_opaque(const char *path, int fd)
{
	char v[4];
	ssize_t n = fd < 0 ? lgetxattr(path, LFS_DIFF_OPQ_XATTR, v, sizeof(v)) :
		    fgetxattr(fd, LFS_DIFF_OPQ_XATTR, v, sizeof(v));

	return n == 1 && v[0] == 'y';
}

/*
 * What the directories @lower (top first) show at @name: 1 and its stat
 * in @st if an entry, 0 if nothing or a whiteout.  -errno on failure.
 */
static int lfs_diff_below(const struct lfs_strv *lower, const char *name,
			  struct stat *st, size_t *where)
{
	char *p;
	size_t i;
	int rc;

	for (i = 0; i < lower->n; i++) {
		if (asprintf(&p, "%s/%s", lower->v[i], name) < 0)
			return -ENOMEM;
		rc = lstat(p, st);
		free(p);
		if (rc && errno != ENOENT && errno != ENOTDIR)
			return -errno;
		if (!rc) {
			*where = i;
			return !lfs_is_whiteout(st);
		}
	}
	return 0;
}

/*
 * The directories below that a directory @name of the view merges, top
 * first, given those of its parent @lower: each layer's @name while it
 * is a directory, down to the first opaque one.
 */
static int lfs_diff_lower_dirs(const struct lfs_strv *lower, const char *name,
			       struct lfs_strv *out)
{
	struct stat st;
	size_t i;
	char *p;
	int rc;

	for (i = 0; i < lower->n; i++) {
		if (asprintf(&p, "%s/%s", lower->v[i], name) < 0)
			return -ENOMEM;
		if (lstat(p, &st)) {
			rc = errno;
			free(p);
			if (rc == ENOENT || rc == ENOTDIR)
				continue;
			return -rc;
		}
		if (!S_ISDIR(st.st_mode)) {
			free(p);
			break;
		}
		rc = lfs_strv_push(out, p);
		if (!rc && lfs_is_opaque(p, -1))
			rc = 1;
		free(p);
		if (rc)
			return rc < 0 ? rc : 0;
	}
	return 0;
}

/* Lists the names of directory @path (sorted) into @names. */
static int lfs_diff_names(const char *path, char ***names, size_t *n)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC), rc;

	if (fd < 0)
		return -errno;
	rc = lfs_dir_names(fd, names, n);
	close(fd);
	return rc;
}

static void lfs_names_free(char **names, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

static int lfs_has_name(char **names, size_t n, const char *name)
{
	return bsearch(&name, names, n, sizeof(*names), lfs_cmp_str) != NULL;
}

/*
 * An opaque directory @rel of the upper (names @unames) hides what the
 * layers below merge there (@lower): each such entry that the upper does
 * not have again is deleted.
 */
static int lfs_diff_hidden(struct lfs_diff *d, const char *rel,
			   const struct lfs_strv *lower, char **unames,
			   size_t un)
{
	struct lfs_strv seen = LFS_STRV_INIT;
	char **names = NULL, *p = NULL, *path;
	size_t i, k, n = 0;
	struct stat st;
	int rc = 0;

	for (i = 0; i < lower->n && !rc; i++) {
		rc = lfs_diff_names(lower->v[i], &names, &n);
		for (k = 0; !rc && k < n; k++) {
			if (lfs_strv_has(&seen, names[k]))
				continue;
			rc = lfs_strv_push(&seen, names[k]);
			if (rc || asprintf(&p, "%s/%s", lower->v[i], names[k]) < 0) {
				rc = rc ? rc : -ENOMEM;
				break;
			}
			if (!lstat(p, &st) && !lfs_is_whiteout(&st) &&
			    !lfs_has_name(unames, un, names[k])) {
				if (asprintf(&path, "%s/%s", rel, names[k]) < 0) {
					rc = -ENOMEM;
				} else {
					rc = lfs_changes_add(&d->ch, LFS_CHANGE_DELETED, path);
					free(path);
				}
			}
			free(p);
			p = NULL;
		}
		lfs_names_free(names, n);
		names = NULL;
		n = 0;
	}
	lfs_strv_free(&seen);
	return rc;
}

static int lfs_diff_dir(struct lfs_diff *d, int upfd, const char *upper,
			const char *rel, const struct lfs_strv *lower);

/*
 * One entry @name of the upper directory open as @upfd (at @upper, which
 * only messages name: the upper is the view's, its users change it as
 * diff reads it, and a directory of it that became a symlink must not
 * lead out of it), view path @rel.
 */
static int lfs_diff_entry(struct lfs_diff *d, int upfd, const char *upper,
			  const char *rel, const struct lfs_strv *lower,
			  const char *name)
{
	struct lfs_strv sub = LFS_STRV_INIT;
	char *up = NULL, *path = NULL;
	struct stat st, bst;
	size_t where = 0;
	int rc, below, wh, subfd = -1;

	if (asprintf(&up, "%s/%s", upper, name) < 0 ||
	    asprintf(&path, "%s/%s", rel, name) < 0) {
		rc = -ENOMEM;
		goto out;
	}
	if (fstatat(upfd, name, &st, AT_SYMLINK_NOFOLLOW)) {
		rc = lfs_err_set(d->e, -errno, "upper '%s'", up);
		goto out;
	}
	below = lfs_diff_below(lower, name, &bst, &where);
	if (below < 0) {
		rc = lfs_err_set(d->e, below, "the layers below, at '%s'", path);
		goto out;
	}
	wh = lfs_is_whiteout(&st);
	rc = 0;
	if (!wh || below)
		rc = lfs_changes_add(&d->ch, lfs_change_kind(wh, below), path);
	if (rc || !S_ISDIR(st.st_mode))
		goto out;
	rc = lfs_diff_lower_dirs(lower, name, &sub);
	if (rc) {
		rc = lfs_err_set(d->e, rc, "the layers below, at '%s'", path);
		goto out;
	}
	subfd = openat(upfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
		       O_CLOEXEC);
	if (subfd < 0)
		rc = lfs_err_set(d->e, -errno, "upper '%s'", up);
	else
		rc = lfs_diff_dir(d, subfd, up, path, &sub);
out:
	if (subfd >= 0)
		close(subfd);
	lfs_strv_free(&sub);
	free(up);
	free(path);
	return rc;
}

/*
 * The upper directory open as @upfd (at @upper, for messages), the view's
 * directory @rel ("" for the root).
 */
static int lfs_diff_dir(struct lfs_diff *d, int upfd, const char *upper,
			const char *rel, const struct lfs_strv *lower)
{
	static const struct lfs_strv none = LFS_STRV_INIT;
	int opaque = lfs_is_opaque(NULL, upfd);
	char **names = NULL;
	size_t n = 0, i;
	int rc;

	rc = lfs_dir_names(upfd, &names, &n);
	if (rc)
		return lfs_err_set(d->e, rc, "upper '%s'", upper);
	if (opaque && lower->n)
		rc = lfs_diff_hidden(d, rel, lower, names, n);
	if (rc && !d->e->code)
		lfs_err_set(d->e, rc, "the layers below, at '%s/'", rel);
	for (i = 0; i < n && !rc; i++)
		rc = lfs_diff_entry(d, upfd, upper, rel,
				    opaque ? &none : lower, names[i]);
	if (rc && !d->e->code)
		lfs_err_set(d->e, rc, "%s", "");
	lfs_names_free(names, n);
	return rc;
}

/* The directories of @v's layers, top first, into @lower. */
static int lfs_diff_layers(struct lfs_nl *nl, const struct lfs_view *v,
			   struct lfs_strv *lower, struct lfs_err *e)
{
	struct lfs_layer key = { 0 }, *l;
	uint32_t i;
	int rc;

	for (i = 0; i < v->nlayers; i++) {
		key.name = v->layers[i];
		rc = lfs_nl_layer_lookup(nl, &key, &l, e);
		if (rc < 0)
			return lfs_err_prefix(e, rc, "layer '%s'",
					      v->layers[i]);
		rc = l->path ? lfs_strv_push(lower, l->path) : 0;
		free(l);
		if (rc)
			return lfs_err_set(e, rc, "%s", "");
	}
	return 0;
}

static int lfs_diff_parse(struct lfs_ctx *ctx, int argc, char **argv,
			  int *json)
{
	int rc;

	rc = lfs_parse_common_opts(ctx, "diff", lfs_usage_diff, argc, argv,
				   json);
	if (rc != LFS_PARSED)
		return rc;
	if (argc - optind < 1)
		return lfs_usage_error(ctx, "diff", lfs_usage_diff,
				       "missing MOUNTPOINT or VIEWID");
	if (argc - optind > 1)
		return lfs_usage_error(ctx, "diff", lfs_usage_diff,
				       "unexpected argument '%s'", argv[optind + 1]);
	return LFS_PARSED;
}

/* The changes of the view @arg into @d. */
static int lfs_diff_view(struct lfs_nl *nl, const char *arg,
			 struct lfs_diff *d, struct lfs_err *e)
{
	struct lfs_view_list views = LFS_VIEW_LIST_INIT;
	struct lfs_strv lower = LFS_STRV_INIT;
	const struct lfs_view *v = NULL;
	int rc, upfd;

	rc = lfs_ctx_views(nl, &views, e);
	if (rc)
		return rc;
	rc = lfs_view_find(&views, arg, &v, e);
	if (!rc && !v->upper)
		rc = lfs_err_set(e, -EROFS, "read-only view, no changes");
	if (!rc)
		rc = lfs_diff_layers(nl, v, &lower, e);
	if (!rc) {
		upfd = open(v->upper, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		rc = upfd < 0 ? lfs_err_set(e, -errno, "upper '%s'", v->upper) :
		     lfs_diff_dir(d, upfd, v->upper, "", &lower);
		if (upfd >= 0)
			close(upfd);
	}
	if (rc)
		lfs_err_prefix(e, rc, "view '%s'", arg);
	lfs_strv_free(&lower);
	lfs_views_free(&views);
	return rc;
}

int cmd_diff(struct lfs_ctx *ctx, int argc, char **argv)
{
	struct lfs_buf out = LFS_BUF_INIT;
	struct lfs_err e = LFS_ERR_INIT;
	struct lfs_diff d = { LFS_CHANGES_INIT, &e };
	struct lfs_nl *nl;
	int rc, json = 0;

	rc = lfs_diff_parse(ctx, argc, argv, &json);
	if (rc != LFS_PARSED)
		return rc;
	if (lfs_ctx_nl(ctx, &nl, &e))
		return lfs_err_report(ctx, &e);
	rc = lfs_diff_view(nl, argv[optind], &d, &e);
	if (rc) {
		rc = lfs_err_report(ctx, &e);
	} else {
		lfs_fmt_changes(&out, &d.ch, json);
		rc = lfs_emit(ctx, "diff", &out);
	}
	lfs_changes_free(&d.ch);
	lfs_buf_free(&out);
	return rc;
}
