// SPDX-License-Identifier: GPL-2.0
/*
 * One layer of layerctl pull: its blob downloaded into a feed (ocitar.h:
 * the extraction's own buffers) that a thread extracts from as the bytes
 * arrive (gunzip, untar) into the
 * layer's staging directory in the store; the download checks the blob's
 * digest and size, the extraction the diff_id.  What arrives is kept
 * in the store too (pullpart.h) until the blob is verified, so that a
 * pull that breaks off is resumed by the next one; once verified and
 * extracted, that file becomes the blob the store keeps (blobkeep.h).
 * Nothing is registered here: pull.c does that once every layer is in.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "blobkeep.h"
#include "oci_cmd.h"
#include "pull.h"
#include "pullpart.h"

/* The extracting thread's work. */
struct lfs_pull_x {
	struct lfs_import im;
	const char *diff;
	struct lfs_tar_import_stats *ist;
	struct lfs_err e;
	int rc;
	pthread_t thr;
};

static void *lfs_pull_x_thread(void *arg)
{
	struct lfs_pull_x *x = arg;

	x->rc = lfs_oci_extract(&x->im, x->diff, 1, x->ist, &x->e);
	/* what comes now is dropped: the download goes on to its digest */
	lfs_tar_feed_stop(x->im.feed);
	return NULL;
}

static int lfs_pull_feed(void *arg, const void *p, size_t n)
{
	lfs_tar_feed_write(arg, p, n);
	return 0;
}

/* The extraction of layer @i from a new feed. */
static int lfs_pull_x_start(struct lfs_pull *p, size_t i, struct lfs_pull_x *x,
			    struct lfs_err *e)
{
	struct lfs_pull_layer *l = &p->L[i];

	x->im.fd = -1;
	x->im.feed = lfs_tar_feed_new();
	if (!x->im.feed)
		return lfs_err_set(e, -ENOMEM, "cannot make the extraction's buffers");
	x->im.what = p->man.layers[i].digest;
	x->im.limits = p->limits;
	/* the download checks the blob's digest: not hashed twice */
	x->im.blob_checked = 1;
	x->im.diff_id = p->cfg.diff_ids[i];
	x->diff = l->diff;
	x->ist = &l->ist;
	if (pthread_create(&x->thr, NULL, lfs_pull_x_thread, x)) {
		lfs_tar_feed_free(x->im.feed);
		return lfs_err_set(e, -EAGAIN, "cannot start a thread");
	}
	return 0;
}

/*
 * The download's failure first (a blob that does not match its digest
 * says more than the tar error it caused), then the extraction's.
 */
static int lfs_pull_outcome(struct lfs_reg *reg, int rc, struct lfs_pull_x *x,
			    const char *name, struct lfs_err *e)
{
	if (rc) {
		*e = reg->err;
		return rc;
	}
	if (x->rc) {
		*e = x->e;
		return lfs_err_prefix(e, x->rc, "layer '%s'", name);
	}
	return 0;
}

/* Tells in @e's text, after ': ', that @kept bytes stay for the next pull. */
static void lfs_pull_kept(struct lfs_err *e, const char *root, uint64_t kept)
{
	size_t n = strlen(e->msg);

	snprintf(e->msg + n, sizeof(e->msg) - n,
		 ": %llu bytes of it kept in '%s/" LFS_PART_DIR
		 "' for the next pull to resume",
		 (unsigned long long)kept, root);
}

int lfs_pull_layer(void *arg, size_t i, struct lfs_reg *reg,
		   struct lfs_err *e)
{
	struct lfs_pull *p = arg;
	size_t li = p->todo[i];
	const struct lfs_oci_desc *d = &p->man.layers[li];
	struct lfs_xv_ref ref = { &p->view, p->L[li].row };
	struct lfs_pull_x x = { 0 };
	struct lfs_reg_part part;
	uint64_t have = 0, kept;
	int rc;

	rc = lfs_pull_x_start(p, li, &x, e);
	if (rc)
		return rc;
	/* none (another pull holds it, the store is read-only): no copy */
	lfs_part_open(p->st.fd, d->digest, &part);
	lfs_xv_set(&p->view, ref.row, "Downloading", d->size, 1);
	reg->progress = lfs_xv_hook;
	reg->progress_arg = &ref;
	rc = lfs_reg_blob_stream_to(reg, d->digest, d->size, lfs_pull_feed,
				    x.im.feed, &part, &have);
	reg->progress = NULL;
	/* a download that failed: the extraction fails at the break */
	lfs_tar_feed_close(x.im.feed, rc ? EIO : 0);
	pthread_join(x.thr, NULL);
	lfs_tar_feed_free(x.im.feed);
	rc = lfs_pull_outcome(reg, rc, &x, p->L[li].name, e);
	/* the blob, verified and extracted: kept (best effort) */
	if (rc || p->o.no_keep || !part.whole ||
	    lfs_keep_partial(p->st.fd, d->digest, &part))
		kept = lfs_part_close(p->st.fd, d->digest, &part);
	else
		kept = 0;
	if (rc && kept)
		lfs_pull_kept(e, p->st.root, kept);
	if (rc)
		return rc;
	if (part.fed)
		lfs_xv_end(&p->view, ref.row, "Download complete",
			   "%s downloaded %llu bytes (resumed at %llu)",
			   d->digest, (unsigned long long)d->size,
			   (unsigned long long)part.fed);
	else
		lfs_xv_end(&p->view, ref.row, "Download complete",
			   "%s downloaded %llu bytes", d->digest,
			   (unsigned long long)d->size);
	__atomic_add_fetch(&p->fetched, 1, __ATOMIC_RELAXED);
	return 0;
}
