// SPDX-License-Identifier: GPL-2.0
/*
 * The fake HTTP transport (see fake_http.h): answers lfs_http_do() from
 * a queue, bodies in 7-byte pieces so that the client's streaming code
 * sees many calls.  The bodies go through the real transport's code
 * (ocireg_xfer.c): the request's read out as libcurl would, the answer's
 * kept or passed on, their failures worded as the real ones.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "fake_alloc.h"
#include "fake_http.h"
#include "ocireg_http.h"
#include "ocireg_xfer.h"

struct lfs_http {
	int dummy;
};

static struct fake_http_resp queue[FAKE_HTTP_MAX];
static size_t q_head, q_tail;
static struct fake_http_seen seen[FAKE_HTTP_MAX];
static size_t n_seen;

void fake_http_reset(void)
{
	size_t i;

	for (i = 0; i < n_seen; i++)
		free(seen[i].body);
	memset(seen, 0, sizeof(seen));
	n_seen = 0;
	q_head = q_tail = 0;
}

void fake_http_push(const struct fake_http_resp *r)
{
	if (q_tail < FAKE_HTTP_MAX)
		queue[q_tail++] = *r;
}

size_t fake_http_nseen(void)
{
	return n_seen;
}

const struct fake_http_seen *fake_http_seen(size_t i)
{
	return i < n_seen ? &seen[i] : NULL;
}

const char *fake_http_header(size_t i, const char *name)
{
	size_t k, n = strlen(name);

	if (i >= n_seen)
		return NULL;
	for (k = 0; k < seen[i].n_headers; k++)
		if (!strncasecmp(seen[i].headers[k], name, n) &&
		    seen[i].headers[k][n] == ':')
			return seen[i].headers[k] + n + 2;
	return NULL;
}

size_t fake_http_left(void)
{
	return q_tail - q_head;
}

int lfs_http_open(struct lfs_http **h, const struct lfs_http_opts *o)
{
	(void)o;
	*h = calloc(1, sizeof(**h));
	return *h ? 0 : -ENOMEM;
}

void lfs_http_close(struct lfs_http *h)
{
	free(h);
}

void lfs_http_resp_free(struct lfs_http_resp *rs)
{
	free(rs->body);
	rs->body = NULL;
	rs->body_len = 0;
}

/*
 * Records @rq, its body read out through @x as the real transport reads
 * it (ocireg_xfer.c): 0, or LFS_HTTP_XFER_ABORT with x->err.
 */
static size_t fake_record(const struct lfs_http_req *rq,
			  struct lfs_http_xfer *x)
{
	struct fake_http_seen *s = NULL, scratch;
	char buf[4096];
	size_t i, n;
	char *nb;

	if (n_seen < FAKE_HTTP_MAX)
		s = &seen[n_seen++];
	else
		s = memset(&scratch, 0, sizeof(scratch));
	snprintf(s->method, sizeof(s->method), "%s", rq->method);
	snprintf(s->url, sizeof(s->url), "%s", rq->url);
	for (i = 0; i < 8 && rq->headers[i]; i++)
		snprintf(s->headers[s->n_headers++], sizeof(s->headers[0]), "%s",
			 rq->headers[i]);
	if (rq->body_fd < 0 && !rq->body)
		return 0;
	/* the record's allocations are the fake's, not layerctl's */
	fake_alloc.paused++;
	s->body = calloc(1, 1);
	fake_alloc.paused--;
	while ((n = lfs_http_xfer_read(x, buf, sizeof(buf))) &&
	       n != LFS_HTTP_XFER_ABORT) {
		fake_alloc.paused++;
		nb = s->body ? realloc(s->body, s->body_len + n + 1) : NULL;
		fake_alloc.paused--;
		if (!nb)
			continue;
		s->body = nb;
		memcpy(s->body + s->body_len, buf, n);
		s->body_len += n;
		s->body[s->body_len] = '\0';
	}
	if (s == &scratch)
		free(s->body);
	return n;
}

int lfs_http_do(struct lfs_http *h, const struct lfs_http_req *rq,
		struct lfs_http_resp *rs)
{
	struct lfs_http_xfer x = { .rq = rq, .rs = rs };
	const struct fake_http_resp *r;
	size_t len, off, n;

	(void)h;
	memset(rs, 0, sizeof(*rs));
	/* the body, sent before any answer */
	if (fake_record(rq, &x))
		return lfs_http_xfer_fail(&x);
	if (q_head == q_tail) {
		snprintf(rs->err, sizeof(rs->err), "fake: no scripted response");
		return -EIO;
	}
	r = &queue[q_head++];
	rs->status = r->status;
	snprintf(rs->www_authenticate, sizeof(rs->www_authenticate), "%s",
		 r->www_authenticate ? r->www_authenticate : "");
	snprintf(rs->location, sizeof(rs->location), "%s",
		 r->location ? r->location : "");
	snprintf(rs->content_type, sizeof(rs->content_type), "%s",
		 r->content_type ? r->content_type : "");
	snprintf(rs->docker_digest, sizeof(rs->docker_digest), "%s",
		 r->docker_digest ? r->docker_digest : "");
	snprintf(rs->range, sizeof(rs->range), "%s", r->range ? r->range : "");
	snprintf(rs->content_range, sizeof(rs->content_range), "%s",
		 r->content_range ? r->content_range : "");
	snprintf(rs->url, sizeof(rs->url), "%s", r->url ? r->url : rq->url);
	rs->has_length = r->has_length;
	rs->content_length = r->length;
	len = r->body ? (r->body_len ? r->body_len : strlen(r->body)) : 0;
	if (r->fail_err && r->fail_after < len)
		len = r->fail_after;
	/*
	 * The body as the real transport takes it (ocireg_xfer.c): a 2xx's
	 * to the request's sink in 7-byte pieces, any other kept whole.
	 */
	for (off = 0; off < len; off += n) {
		n = r->status >= 200 && r->status < 300 && rq->sink &&
		    len - off > 7 ? 7 : len - off;
		if (lfs_http_xfer_write(&x, r->status, r->body + off, n) != n)
			return lfs_http_xfer_fail(&x);
	}
	if (r->fail_err) {
		lfs_http_resp_free(rs);
		snprintf(rs->err, sizeof(rs->err), "%s",
			 r->fail_text ? r->fail_text : "fake: connection reset");
		return r->fail_err;
	}
	return 0;
}
