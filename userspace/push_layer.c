// SPDX-License-Identifier: GPL-2.0
/*
 * One layer of layerctl push: a layer whose blob the store recorded
 * (layerdg.h) is asked for first (HEAD; a mount from the repository
 * blobsrc.h names); any other is exported as gzip on a thread and
 * streamed into the upload as it is produced (POST, PATCH, then PUT
 * ?digest= once the export knows it).
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

#include "blobsrc.h"
#include "layerinfo.h"
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

/* The export thread: the layer as gzip into the pipe. */
struct lfs_push_exp {
	const struct lfs_layer *l;
	int fd;				/* the pipe's write end */
	struct lfs_oci_layer *ol;
	struct lfs_err e;
	int rc;
	pthread_t thr;
};

static void *lfs_push_exp_thread(void *arg)
{
	struct lfs_push_exp *x = arg;
	struct lfs_tar_digests d;

	x->rc = lfs_tar_export(x->l->path, x->fd, LFS_COMPRESS_GZIP, &d, &x->e);
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
	if (x->rc) {
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

/* Layer @l compressed and streamed up, as row @row; fills @ol. */
static int lfs_push_stream(struct lfs_push *p, struct lfs_reg *reg,
			   const struct lfs_layer *l, size_t row, char *loc,
			   struct lfs_oci_layer *ol, struct lfs_err *e)
{
	struct lfs_push_exp x = { .l = l, .ol = ol, .fd = -1 };
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
	rc = lfs_push_exp_start(&x, &rfd, e);
	if (rc)
		return rc;
	lfs_xv_set(&p->view, row, "Pushing", 0, 1);
	reg->progress = lfs_xv_hook;
	reg->progress_arg = &ref;
	rc = lfs_push_stream_send(p, reg, &x, rfd, loc, what, e);
	reg->progress = NULL;
	if (rc)
		return rc;
	__atomic_add_fetch(&p->uploaded, 1, __ATOMIC_RELAXED);
	lfs_xv_end(&p->view, row, "Pushed", "%s uploaded %llu bytes",
		   ol->digest, (unsigned long long)ol->size);
	return 0;
}

/* A media type of the record, as an OCI layer's. */
static const char *lfs_push_mt(const char *mt)
{
	if (strstr(mt, "zstd"))
		return LFS_MT_LAYER_ZSTD;
	return strstr(mt, "gzip") ? LFS_MT_LAYER_GZIP : LFS_MT_LAYER;
}

/* The history of layer @l into @ol (the blob's fields come later). */
static int lfs_push_history(const struct lfs_layer *l,
			    struct lfs_oci_layer *ol, struct lfs_err *e)
{
	char *by = NULL;

	if (asprintf(&by, "layerfs layer %s", l->name) < 0)
		return lfs_err_set(e, -ENOMEM, "layer '%s'", l->name);
	ol->created_ns = l->has & LFS_HAS_CREATED ? l->created : 0;
	ol->author = l->author;
	ol->comment = l->message;
	ol->created_by = by;
	return 0;
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
	memcpy(ol->digest, r.digest, sizeof(ol->digest));
	memcpy(ol->diff_id, r.diff_id, sizeof(ol->diff_id));
	ol->size = r.size;
	ol->media_type = lfs_push_mt(r.media_type);
	return 1;
}

int lfs_push_layer(void *arg, size_t i, struct lfs_reg *reg,
		   struct lfs_err *e)
{
	struct lfs_push *p = arg;
	const struct lfs_layer *l = p->chain.v[p->chain.n - 1 - i];
	struct lfs_oci_layer *ol = &p->ol[i];
	char loc[LFS_REG_URL_MAX] = "";
	int rc;

	rc = lfs_push_history(l, ol, e);
	if (!rc && lfs_push_recorded(p, l, ol, &p->dg[i])) {
		rc = lfs_push_known(p, reg, i, ol->digest, ol->size, loc);
		if (rc > 0) {
			__atomic_add_fetch(rc == 1 ? &p->present : &p->mounted,
					   1, __ATOMIC_RELAXED);
			return 0;
		}
		if (rc)
			*e = reg->err;
	}
	if (rc)
		return rc;
	rc = lfs_push_stream(p, reg, l, i, loc, ol, e);
	if (rc == -EAGAIN) {
		/* credentials asked for again mid-stream: once more, anew */
		loc[0] = '\0';
		rc = lfs_push_stream(p, reg, l, i, loc, ol, e);
	}
	if (!rc && p->dg[i].key[0]) {
		memcpy(p->dg[i].digest, ol->digest, sizeof(ol->digest));
		memcpy(p->dg[i].diff_id, ol->diff_id, sizeof(ol->diff_id));
		p->dg[i].size = ol->size;
		snprintf(p->dg[i].media_type, sizeof(p->dg[i].media_type),
			 "%s", ol->media_type);
	}
	return rc;
}
