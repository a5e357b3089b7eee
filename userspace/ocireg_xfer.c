// SPDX-License-Identifier: GPL-2.0
/*
 * One HTTP transfer's bodies, without libcurl (see ocireg_xfer.h): the
 * callbacks of ocireg_http.c, run by the unit tests' fake transport too.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ocireg_xfer.h"

#define LFS_HTTP_MAX_BODY	(4U << 20)
#define LFS_HTTP_ERR_BODY	(64U << 10)

/* Fails the transfer with @err for @why; returns @ret. */
static size_t lfs_http_xfer_stop(struct lfs_http_xfer *x, int err,
				 enum lfs_http_xfer_why why, size_t ret)
{
	x->err = err;
	x->why = why;
	return ret;
}

size_t lfs_http_xfer_read(struct lfs_http_xfer *x, char *p, size_t n)
{
	const struct lfs_http_req *rq = x->rq;
	uint64_t total = rq->body_fd >= 0 ? rq->body_fd_len : rq->body_len;
	ssize_t r;

	if (rq->body_stream) {
		do
			r = read(rq->body_fd, p, n);
		while (r < 0 && errno == EINTR);
		if (r < 0)
			return lfs_http_xfer_stop(x, -errno, LFS_HTTP_XFER_READ,
						  LFS_HTTP_XFER_ABORT);
		n = (size_t)r;
		goto done;
	}
	if (n > total - x->sent)
		n = (size_t)(total - x->sent);
	if (!n)
		return 0;
	if (rq->body_fd < 0) {
		memcpy(p, (const char *)rq->body + x->sent, n);
	} else {
		do
			r = pread(rq->body_fd, p, n,
				  (off_t)(rq->body_fd_off + x->sent));
		while (r < 0 && errno == EINTR);
		if (r <= 0)
			return lfs_http_xfer_stop(x, r < 0 ? -errno : -EIO,
						  LFS_HTTP_XFER_READ,
						  LFS_HTTP_XFER_ABORT);
		n = (size_t)r;
	}
done:
	x->sent += n;
	if (rq->progress)
		rq->progress(rq->progress_arg, x->sent);
	return n;
}

size_t lfs_http_xfer_write(struct lfs_http_xfer *x, long status,
			   const char *p, size_t n)
{
	const struct lfs_http_req *rq = x->rq;
	struct lfs_http_resp *rs = x->rs;
	int ok = status >= 200 && status < 300;
	size_t len = n, max;
	char *nb;

	if (ok && rq->sink) {
		rs->status = status;
		x->err = rq->sink(rq->sink_arg, rs, p, n);
		x->why = LFS_HTTP_XFER_SINK;
		return x->err ? 0 : n;
	}
	max = ok ? (rq->max_body ? rq->max_body : LFS_HTTP_MAX_BODY) :
	      LFS_HTTP_ERR_BODY;
	if (rs->body_len + len > max) {
		if (ok)
			return lfs_http_xfer_stop(x, -EFBIG, LFS_HTTP_XFER_BIG, 0);
		len = max - rs->body_len;	/* an error body: keep its start */
		if (!len)
			return n;
	}
	if (rs->body_len + len + 1 > x->cap) {
		size_t cap = (rs->body_len + len + 1) * 2;

		nb = realloc(rs->body, cap);
		if (!nb)
			return lfs_http_xfer_stop(x, -ENOMEM, LFS_HTTP_XFER_NOMEM,
						  0);
		rs->body = nb;
		x->cap = cap;
	}
	memcpy(rs->body + rs->body_len, p, len);
	rs->body_len += len;
	rs->body[rs->body_len] = '\0';
	return n;
}

int lfs_http_xfer_fail(struct lfs_http_xfer *x)
{
	static const char *const what[] = {
		[LFS_HTTP_XFER_SINK] = "cannot pass on the response",
		[LFS_HTTP_XFER_READ] = "cannot read the data to upload",
		[LFS_HTTP_XFER_NOMEM] = "cannot keep the response in memory",
		[LFS_HTTP_XFER_BIG] = "response too large",
	};
	struct lfs_http_resp *rs = x->rs;

	/* "response too large" says it all; the others are what was done */
	snprintf(rs->err, sizeof(rs->err), "%s", what[x->why]);
	rs->err_what = x->why != LFS_HTTP_XFER_BIG;
	lfs_http_resp_free(rs);
	return x->err;
}
