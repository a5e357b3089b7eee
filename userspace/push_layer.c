// SPDX-License-Identifier: GPL-2.0
/*
 * One layer of layerctl push: a layer whose blob the store recorded
 * (layerdg.h) is asked for first (HEAD; a mount from the repository
 * blobsrc.h names), then uploaded from the blob the store keeps
 * (blobkeep.h), hashed as it goes; any other is exported as gzip on a
 * thread and streamed into the upload as it is produced (POST, PATCH,
 * then PUT ?digest= once the export knows it), and kept.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/layerfs.h>

#include "blobkeep.h"
#include "blobsrc.h"
#include "layerinfo.h"
#include "oci_cmd.h"
#include "ocitar.h"
#include "push.h"

#define LFS_PUSH_PIPE (1 << 20)

int lfs_push_known(struct lfs_push *p, struct lfs_reg *reg, size_t row,
		   const char *digest, uint64_t size, char *loc)
{
	char from[LFS_REG_REPO_MAX], st[LFS_XV_STATUS_MAX];
	int exists, mounted = 0, rc;

	loc[0] = '\0';
	rc = lfs_reg_blob_exists(reg, digest, size, &exists);
	if (rc || exists) {
		if (!rc)
			lfs_xv_end(&p->view, row, "Layer already exists",
				   "%s exists", digest);
		return rc ? rc : 1;
	}
	if (!p->root || lfs_blobsrc_lookup(p->root, digest, p->to.host,
					   p->to.repo, from, sizeof(from)))
		return 0;
	rc = lfs_reg_upload_start(reg, digest, from, &mounted, loc);
	if (rc == -EIO)
		return rc;
	/* a refused mount is an ordinary upload (docker does the same) */
	if (rc)
		loc[0] = '\0';
	if (rc || !mounted)
		return 0;
	snprintf(st, sizeof(st), "Mounted from %.34s", from);
	lfs_xv_end(&p->view, row, st, "%s mounted from %s", digest, from);
	return 2;
}

/*
 * The export thread: the layer as gzip into the pipe (and into the blob
 * the store keeps, if any); or a kept blob, hashed as it goes.
 */
struct lfs_push_exp {
	const struct lfs_layer *l;
	int fd;				/* the pipe's write end */
	int src;			/* the kept blob to send, or -1 */
	int teefd;			/* the export's copy to keep, or -1 */
	int tee_err;
	int mismatch;			/* the kept blob is not its digest's */
	struct lfs_oci_layer *ol;
	struct lfs_err e;
	int rc;
	pthread_t thr;
};

/*
 * The kept blob x->src into the pipe, hashed: its digest and size must be
 * the record's (x->ol), else x->mismatch (and the upload is not finished).
 */
static void lfs_push_exp_kept(struct lfs_push_exp *x)
{
	char got[LFS_DIGEST_LEN];
	uint64_t size;

	x->rc = lfs_keep_stream(x->src, x->fd, got, &size);
	if (!x->rc)
		x->mismatch = size != x->ol->size || strcmp(got, x->ol->digest);
	if (x->mismatch)
		x->rc = lfs_err_set(&x->e, -EBADMSG,
				    "the kept blob %s is not that blob (%llu bytes, %s)",
				    x->ol->digest, (unsigned long long)size, got);
	else if (x->rc)
		lfs_err_set(&x->e, x->rc, "the kept blob %s", x->ol->digest);
}

static void *lfs_push_exp_thread(void *arg)
{
	struct lfs_push_exp *x = arg;
	struct lfs_tar_digests d;

	if (x->src >= 0) {
		lfs_push_exp_kept(x);
		if (x->rc)
			lfs_err_prefix(&x->e, x->rc, "layer '%s'", x->l->name);
		close(x->fd);
		x->fd = -1;
		return NULL;
	}
	x->rc = lfs_tar_export_tee(x->l->path, x->fd, x->teefd,
				   LFS_COMPRESS_GZIP, &d, &x->tee_err, &x->e);
	if (x->rc) {
		lfs_err_prefix(&x->e, x->rc, "layer '%s'", x->l->name);
	} else {
		memcpy(x->ol->digest, d.digest, LFS_DIGEST_LEN);
		memcpy(x->ol->diff_id, d.diff_id, LFS_DIGEST_LEN);
		x->ol->size = d.blob_size;
		x->ol->media_type = LFS_MT_LAYER_GZIP;
	}
	close(x->fd);
	x->fd = -1;
	return NULL;
}

/* Starts the export of @x->l into a new pipe; its read end in @rfd. */
static int lfs_push_exp_start(struct lfs_push_exp *x, int *rfd,
			      struct lfs_err *e)
{
	int fds[2];

	if (pipe2(fds, O_CLOEXEC))
		return lfs_err_set(e, -errno, "pipe");
	fcntl(fds[1], F_SETPIPE_SZ, LFS_PUSH_PIPE);	/* best effort */
	x->fd = fds[1];
	*rfd = fds[0];
	if (pthread_create(&x->thr, NULL, lfs_push_exp_thread, x)) {
		close(fds[0]);
		close(fds[1]);
		return lfs_err_set(e, -EAGAIN, "cannot start a thread");
	}
	return 0;
}

/* The upload of the stream @rfd; then the export's end. */
static int lfs_push_stream_send(struct lfs_push *p, struct lfs_reg *reg,
				struct lfs_push_exp *x, int rfd, char *loc,
				const char *what, struct lfs_err *e)
{
	uint64_t sent = 0;
	int rc;

	rc = lfs_reg_upload_stream(reg, loc, what, rfd, p->o.chunk, &sent);
	/* a failed upload: the export stops at its next write (EPIPE) */
	close(rfd);
	pthread_join(x->thr, NULL);
	if (x->rc && !(rc && x->rc == -EPIPE)) {
		*e = x->e;
		return lfs_err_prefix(e, x->rc, "push");
	}
	if (rc) {
		*e = reg->err;
		return rc;
	}
	if (sent != x->ol->size)
		return lfs_err_set(e, -EIO, "%s: %llu bytes sent of %llu", what,
				   (unsigned long long)sent,
				   (unsigned long long)x->ol->size);
	rc = lfs_reg_upload_finish(reg, loc, what, x->ol->digest);
	if (rc)
		*e = reg->err;
	return rc;
}

/*
 * Layer @l streamed up as row @row: the kept blob @src (-1: none), whose
 * record is in @ol, or the layer compressed as it goes, into @ol (and
 * kept, unless --no-keep-blob).  @note ends the blob's line.  A kept
 * blob that is not its digest's sets *@mismatch (the upload not
 * finished).
 */
static int lfs_push_stream(struct lfs_push *p, struct lfs_reg *reg,
			   const struct lfs_layer *l, size_t row, char *loc,
			   int src, const char *note, int *mismatch,
			   struct lfs_oci_layer *ol, struct lfs_err *e)
{
	struct lfs_push_exp x = { .l = l, .ol = ol, .fd = -1, .src = src,
				  .teefd = -1 };
	struct lfs_keep_w w = { .dfd = -1, .fd = -1 };
	struct lfs_xv_ref ref = { &p->view, row };
	char what[LAYERFS_NAME_MAX + 32];
	int mounted, rfd = -1, rc;

	snprintf(what, sizeof(what), "layer '%s'", l->name);
	if (!loc[0]) {
		rc = lfs_reg_upload_start(reg, what, NULL, &mounted, loc);
		if (rc) {
			*e = reg->err;
			return rc;
		}
	}
	/* what is compressed is kept too (best effort: a cache) */
	if (src < 0 && p->keep && p->rootfd >= 0 &&
	    !lfs_keep_w_start(p->rootfd, &w))
		x.teefd = w.fd;
	rc = lfs_push_exp_start(&x, &rfd, e);
	if (rc) {
		lfs_keep_w_abort(&w);
		return rc;
	}
	lfs_xv_set(&p->view, row, "Pushing", 0, 1);
	reg->progress = lfs_xv_hook;
	reg->progress_arg = &ref;
	rc = lfs_push_stream_send(p, reg, &x, rfd, loc, what, e);
	reg->progress = NULL;
	if (!rc && x.teefd >= 0 && !x.tee_err)
		lfs_keep_w_commit(&w, ol->digest);
	else
		lfs_keep_w_abort(&w);
	if (mismatch)
		*mismatch = x.mismatch;
	if (rc)
		return rc;
	__atomic_add_fetch(&p->uploaded, 1, __ATOMIC_RELAXED);
	lfs_xv_end(&p->view, row, "Pushed", "%s uploaded %llu bytes%s",
		   ol->digest, (unsigned long long)ol->size, note);
	return 0;
}

/*
 * Layer @l (recorded: @ol) from the blob the store keeps, if it keeps it:
 * 0 uploaded; 1 none kept, or the kept one was not that blob (then it is
 * deleted, *@bad set, and @loc a new upload's); or an error.
 */
static int lfs_push_kept(struct lfs_push *p, struct lfs_reg *reg,
			 const struct lfs_layer *l, size_t row, char *loc,
			 struct lfs_oci_layer *ol, int *bad, struct lfs_err *e)
{
	int src, rc, mismatch = 0;

	*bad = 0;
	src = p->rootfd >= 0 ? lfs_keep_open(p->rootfd, ol->digest, ol->size) :
			       -ENOENT;
	if (src == -EBADMSG)
		*bad = 1;	/* deleted: another size than the record's */
	if (src < 0)
		return 1;
	rc = lfs_push_stream(p, reg, l, row, loc, src, " (kept blob)",
			     &mismatch, ol, e);
	if (rc == -EAGAIN && !mismatch) {
		/* credentials asked for again mid-stream: once more, anew */
		loc[0] = '\0';
		rc = lfs_push_stream(p, reg, l, row, loc, src, " (kept blob)",
				     &mismatch, ol, e);
	}
	close(src);
	if (!mismatch)
		return rc;
	lfs_keep_drop(p->rootfd, ol->digest);
	lfs_err_clear(e);
	*bad = 1;
	loc[0] = '\0';		/* that upload is not finished: a new one */
	return 1;
}

/*
 * The record of layer @l as it is now, if the store has one: 1 with its
 * blob in @ol; else 0 with the key to record in @dg (or "").
 */
static int lfs_push_recorded(struct lfs_push *p, const struct lfs_layer *l,
			     struct lfs_oci_layer *ol, struct lfs_layerdg *dg)
{
	struct lfs_layerdg r;

	dg->key[0] = '\0';
	if (!p->root || lfs_layerdg_key(l->path, l->created, dg->key) ||
	    lfs_layerdg_lookup(p->root, dg->key, &r))
		return 0;
	*dg = r;	/* recorded again: the most recent line */
	lfs_layerdg_to_layer(&r, ol);
	return 1;
}

int lfs_push_layer(void *arg, size_t i, struct lfs_reg *reg,
		   struct lfs_err *e)
{
	struct lfs_push *p = arg;
	const struct lfs_layer *l = p->chain.v[p->chain.n - 1 - i];
	struct lfs_oci_layer *ol = &p->ol[i];
	char loc[LFS_REG_URL_MAX] = "";
	const char *note = "";
	int rc, bad = 0;

	rc = lfs_oci_layer_history(l, ol, e);
	if (!rc && lfs_push_recorded(p, l, ol, &p->dg[i])) {
		rc = lfs_push_known(p, reg, i, ol->digest, ol->size, loc);
		if (rc > 0) {
			__atomic_add_fetch(rc == 1 ? &p->present : &p->mounted,
					   1, __ATOMIC_RELAXED);
			return 0;
		}
		if (rc)
			*e = reg->err;
		if (!rc)
			rc = lfs_push_kept(p, reg, l, i, loc, ol, &bad, e);
		if (rc <= 0)
			return rc;
		rc = 0;
		if (bad)
			note = " (the kept blob was not that blob: deleted, compressed again)";
	}
	if (rc)
		return rc;
	rc = lfs_push_stream(p, reg, l, i, loc, -1, note, NULL, ol, e);
	if (rc == -EAGAIN) {
		/* credentials asked for again mid-stream: once more, anew */
		loc[0] = '\0';
		rc = lfs_push_stream(p, reg, l, i, loc, -1, note, NULL, ol, e);
	}
	if (!rc && p->dg[i].key[0])
		lfs_layerdg_from_layer(&p->dg[i], ol);
	return rc;
}
