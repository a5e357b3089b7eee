// SPDX-License-Identifier: GPL-2.0
/* layerctl umount [--lazy] MNT */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "cmd.h"
#include "format.h"
#include "msg.h"
#include "nl.h"
#include "parse.h"
#include "store.h"
#include "store_reg.h"
#include "sys.h"

static const char lfs_usage_umount[] =
	"Usage: layerctl umount [--lazy] MNT\n"
	"\n"
	"Unmount the view mounted at MNT.  Refuses anything that is not the\n"
	"mount point of a layerfs view, and a symbolic link at MNT itself;\n"
	"what is checked is what is unmounted, whatever MNT's path names\n"
	"meanwhile.  The upper directory keeps the changes.\n"
	"A view mounted with `layerctl mount REF MNT` also gives back its store\n"
	"directories once it is gone: its work directory and record, and its\n"
	"upper if nothing was changed since the last commit.  It waits for a\n"
	"`layerctl commit` of the view that is running to finish first.\n"
	"\n"
	"Options:\n"
	"  -l, --lazy  detach the view now even if it is in use; it goes away\n"
	"              when its last user does (umount2 MNT_DETACH)\n"
	"  -h, --help  show this help\n";

/* The store view about to be unmounted at @mnt. */
struct lfs_umount_store {
	struct lfs_store st;
	struct lfs_view_meta vm;
	uint64_t id;
	uint32_t dev;		/* its device, as found at @mnt */
	int found;
};

/* The views, without reporting anything: 0 or a negative errno. */
static int lfs_umount_views(struct lfs_ctx *ctx, struct lfs_view_list *l)
{
	struct lfs_err e = LFS_ERR_INIT;
	struct lfs_nl *nl;
	int rc;

	rc = lfs_ctx_nl(ctx, &nl, &e);
	return rc ? rc : lfs_ctx_views(nl, l, &e);
}

/* The id of the view whose st_dev is @dev in @l, or 0. */
static uint64_t lfs_umount_view_id(const struct lfs_view_list *l, uint32_t dev,
				   const char **work)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (l->v[i].dev == dev) {
			*work = l->v[i].work;
			return l->v[i].id;
		}
	return 0;
}

/* Before the unmount: is @mnt a store view?  Silent, best effort. */
static void lfs_umount_prepare(struct lfs_ctx *ctx, const char *mnt,
			       struct lfs_umount_store *u)
{
	struct lfs_view_list views = LFS_VIEW_LIST_INIT;
	struct lfs_err e = LFS_ERR_INIT;
	const char *work = NULL;
	struct stat sb;

	u->found = 0;
	if (stat(mnt, &sb) || lfs_ctx_store(ctx, &u->st, 0, &e))
		return;
	if (lfs_umount_views(ctx, &views))
		goto out;
	u->dev = lfs_dev_encode(major(sb.st_dev), minor(sb.st_dev));
	u->id = lfs_umount_view_id(&views, u->dev, &work);
	if (u->id && work && !lfs_store_view_find(&u->st, work, &u->vm))
		u->found = 1;
out:
	lfs_views_free(&views);
}

/*
 * Before the unmount of the store view found: the lock of the upper its
 * record names (lfs_store_layer_lock()), once the record, read again
 * under it, still names that upper; a descriptor, or -1 (none held).
 *
 * A `layerctl commit` of the view holds that lock from before the
 * kernel's commit until it has written the layer's record and the
 * view's (naming the new upper): the unmount waits for it, then locks
 * the new upper.  Unmounted during the kernel's commit instead, the view
 * would stay listed until that commit returned (it keeps the superblock
 * active), and lfs_umount_cleanup() would leave the view's record, work
 * and new upper to prune.  A commit that comes after waits for this
 * lock, then finds the view gone (the kernel refuses it).
 *
 * A view whose record keeps moving on (other commits) is unmounted
 * unlocked after a few tries: nothing is lost then, at worst left to
 * prune.
 */
static int lfs_umount_lock(struct lfs_umount_store *u)
{
	char key[LFS_KEY_LEN + 1];
	struct lfs_view_meta now;
	int fd, tries, same;

	if (!u->found || !u->vm.upper_key)
		return -1;
	snprintf(key, sizeof(key), "%s", u->vm.upper_key);
	for (tries = 0; tries < 8; tries++) {
		fd = lfs_store_layer_lock(&u->st, key);
		if (fd < 0)
			return -1;
		if (lfs_store_view_read(&u->st, u->vm.key, &now)) {
			lfs_store_layer_unlock(fd);
			return -1;
		}
		same = now.upper_key && !strcmp(now.upper_key, key);
		if (!same && now.upper_key)
			snprintf(key, sizeof(key), "%s", now.upper_key);
		lfs_view_meta_free(&now);
		if (same)
			return fd;
		lfs_store_layer_unlock(fd);
	}
	return -1;
}

/*
 * After it: if the view is gone, its work, record and empty upper too:
 * the upper its record names now (a commit made meanwhile moved the view
 * to a new one, and made the old one a layer, which stays).  Only if the
 * view unmounted (of device @dev) is the one found before: MNT may name
 * another by then (its path changed meanwhile).
 *
 * The upper first, the record after: a commit that made the upper a
 * layer just before the unmount holds it (lfs_store_layer_lock()) until
 * it has written the layer's record and the view's, which names the new
 * upper then; the discard waits for it, finds the record and keeps the
 * layer, and the new upper the view's record names now goes instead.
 */
static void lfs_umount_cleanup(struct lfs_ctx *ctx, struct lfs_umount_store *u,
			       uint32_t dev)
{
	struct lfs_view_list views = LFS_VIEW_LIST_INIT;
	struct lfs_view_meta now;
	char *gone = NULL;
	size_t i;
	int tries;

	if (!u->found || dev != u->dev || lfs_umount_views(ctx, &views))
		goto out;
	for (i = 0; i < views.n; i++)
		if (views.v[i].id == u->id)
			goto out;	/* still mounted elsewhere */
	for (tries = 0; tries < 8; tries++) {
		if (lfs_store_view_read(&u->st, u->vm.key, &now))
			goto out;
		if (gone && !strcmp(gone, now.upper_key))
			break;		/* kept: changed, or a layer */
		free(gone);
		gone = now.upper_key;
		now.upper_key = NULL;
		lfs_view_meta_free(&now);
		/*
		 * If empty.  Kept (-ENOTEMPTY): changed, or a layer now,
		 * whose commit moved the record on to the new upper: again.
		 */
		if (lfs_store_layer_discard(&u->st, gone) != -ENOTEMPTY)
			goto remove;
	}
	lfs_view_meta_free(&now);
remove:
	lfs_store_view_remove(&u->st, u->vm.key);
out:
	free(gone);
	lfs_views_free(&views);
}

int cmd_umount(struct lfs_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "lazy", no_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct lfs_umount_store u = { LFS_STORE_INIT, { 0 }, 0, 0, 0 };
	struct lfs_err e = LFS_ERR_INIT;
	int c, rc, lazy = 0, lockfd = -1;
	uint32_t dev;

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
	if (!lazy) {
		lfs_umount_prepare(ctx, argv[optind], &u);
		lockfd = lfs_umount_lock(&u);
	}
	rc = lfs_sys_umount(argv[optind], lazy, &dev, &e);
	/* Before the cleanup, whose discard takes the lock itself. */
	lfs_store_layer_unlock(lockfd);
	if (!rc)
		lfs_umount_cleanup(ctx, &u, dev);
	lfs_view_meta_free(&u.vm);
	lfs_store_close(&u.st);
	if (!rc)
		return 0;
	lfs_err_prefix(&e, rc, "view '%s'", argv[optind]);
	return lfs_err_report(ctx, &e);
}
