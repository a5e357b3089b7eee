/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One HTTP transfer's bodies, without libcurl: the request's body read
 * out to be sent, the response's kept in memory or passed to the
 * request's sink, and what failed in them put in the response.
 * ocireg_http.c's libcurl callbacks are these; they are apart from it so
 * that the unit tests run them too (tests/unit/fake_http.c sends and
 * answers through them).
 */
#ifndef LAYERCTL_OCIREG_XFER_H
#define LAYERCTL_OCIREG_XFER_H

#include <stddef.h>
#include <stdint.h>

#include "ocireg_http.h"

/* What stopped a transfer on our side (lfs_http_xfer_fail()). */
enum lfs_http_xfer_why {
	LFS_HTTP_XFER_SINK,	/* the request's sink refused the body */
	LFS_HTTP_XFER_READ,	/* the request's body could not be read */
	LFS_HTTP_XFER_NOMEM,	/* the response's body could not be kept */
	LFS_HTTP_XFER_BIG,	/* the response's body is over max_body */
};

/* One transfer's state: zeroed but for @rq and @rs at its start. */
struct lfs_http_xfer {
	const struct lfs_http_req *rq;
	struct lfs_http_resp *rs;
	uint64_t sent;		/* body bytes read so far */
	size_t cap;		/* of rs->body */
	int err;		/* 0, or the negative errno that stopped it */
	enum lfs_http_xfer_why why;	/* with @err */
};

/* lfs_http_xfer_read() failed: the transfer is to be aborted. */
#define LFS_HTTP_XFER_ABORT ((size_t)-1)

/*
 * Up to @n bytes of the request's body into @p, told to rq->progress:
 * how many, 0 at its end, or LFS_HTTP_XFER_ABORT with x->err set (a
 * file that cannot be read, or that ends before body_fd_len: -EIO).
 */
size_t lfs_http_xfer_read(struct lfs_http_xfer *x, char *p, size_t n);

/*
 * @n bytes of the response's body, its status @status: a 2xx's to
 * rq->sink if there is one, else kept in rs->body (NUL-terminated; at
 * most max_body, or the first 64 KiB of an error's).  Returns @n, or 0
 * with x->err set: the transfer is to be aborted.
 */
size_t lfs_http_xfer_write(struct lfs_http_xfer *x, long status,
			   const char *p, size_t n);

/*
 * Ends a transfer that x->err stopped: rs->err and rs->err_what say
 * what failed (ocireg_http.h), the body is freed.  Returns x->err.
 */
int lfs_http_xfer_fail(struct lfs_http_xfer *x);

#endif /* LAYERCTL_OCIREG_XFER_H */
