// SPDX-License-Identifier: GPL-2.0
/*
 * The registry client's HTTP transport, with libcurl: the only file that
 * uses it.  See ocireg_http.h.  The unit tests link fake_http.c instead.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <curl/curl.h>

#include "ocireg_http.h"

#ifndef LAYERCTL_VERSION
#define LAYERCTL_VERSION "0.1.0"
#endif

#define LFS_HTTP_MAX_BODY	(4U << 20)

/*
 * A transfer slower than LFS_HTTP_LOW_SPEED bytes a second (up or down)
 * for LFS_HTTP_LOW_SPEED_TIME seconds in a row fails ("Operation too
 * slow"): a registry that trickles bytes holds a request for a minute,
 * not for as long as it trickles (the floor was 1 byte a second, so a
 * byte a second kept pull, push or login running forever).  1 KiB/s is
 * below any link a layer could be pulled over.  The environment
 * variable LAYERCTL_TEST_LOW_SPEED_TIME (1 to 60 seconds) shortens the
 * window, for tests only (tests/unit/http-lowspeed.sh); it cannot
 * lengthen it.
 */
#define LFS_HTTP_LOW_SPEED	1024L
#define LFS_HTTP_LOW_SPEED_TIME	60L
#define LFS_HTTP_ERR_BODY	(64U << 10)

struct lfs_http {
	CURL *curl;
	struct lfs_http_opts o;
};

/* One transfer's state, shared by the callbacks. */
struct lfs_xfer {
	struct lfs_http *h;
	const struct lfs_http_req *rq;
	struct lfs_http_resp *rs;
	uint64_t sent;		/* body bytes read so far */
	size_t cap;		/* of rs->body */
	int sink_err;
};

int lfs_http_open(struct lfs_http **hp, const struct lfs_http_opts *o)
{
	static int inited;
	struct lfs_http *h;

	if (!inited) {
		if (curl_global_init(CURL_GLOBAL_DEFAULT))
			return -ENOMEM;
		inited = 1;
	}
	h = calloc(1, sizeof(*h));
	if (!h)
		return -ENOMEM;
	h->curl = curl_easy_init();
	if (!h->curl) {
		free(h);
		return -ENOMEM;
	}
	h->o = *o;
	*hp = h;
	return 0;
}

void lfs_http_close(struct lfs_http *h)
{
	if (!h)
		return;
	curl_easy_cleanup(h->curl);
	free(h);
}

void lfs_http_resp_free(struct lfs_http_resp *rs)
{
	free(rs->body);
	rs->body = NULL;
	rs->body_len = 0;
}

/* Copies the value of header line @p (@n bytes) named @name into @out. */
static int lfs_hdr_take(const char *p, size_t n, const char *name, char *out,
			size_t len)
{
	size_t k = strlen(name);

	if (n <= k || strncasecmp(p, name, k) || p[k] != ':')
		return 0;
	p += k + 1;
	n -= k + 1;
	while (n && (*p == ' ' || *p == '\t')) {
		p++;
		n--;
	}
	while (n && (p[n - 1] == '\r' || p[n - 1] == '\n' || p[n - 1] == ' '))
		n--;
	snprintf(out, len, "%.*s", (int)(n < len ? n : len - 1), p);
	return 1;
}

static size_t lfs_hdr_cb(char *p, size_t size, size_t nitems, void *arg)
{
	struct lfs_xfer *x = arg;
	struct lfs_http_resp *rs = x->rs;
	size_t n = size * nitems;
	char num[32];

	if (n > 5 && !strncmp(p, "HTTP/", 5)) {
		/* a new response (after a redirect or 100 Continue) */
		rs->content_type[0] = rs->location[0] = '\0';
		rs->www_authenticate[0] = rs->docker_digest[0] = '\0';
		rs->range[0] = rs->content_range[0] = '\0';
		rs->has_length = 0;
		return n;
	}
	lfs_hdr_take(p, n, "Content-Type", rs->content_type,
		     sizeof(rs->content_type));
	lfs_hdr_take(p, n, "Location", rs->location, sizeof(rs->location));
	lfs_hdr_take(p, n, "Docker-Content-Digest", rs->docker_digest,
		     sizeof(rs->docker_digest));
	lfs_hdr_take(p, n, "Range", rs->range, sizeof(rs->range));
	lfs_hdr_take(p, n, "Content-Range", rs->content_range,
		     sizeof(rs->content_range));
	/* the first challenge header; enough for the registries tested */
	if (!rs->www_authenticate[0])
		lfs_hdr_take(p, n, "WWW-Authenticate", rs->www_authenticate,
			     sizeof(rs->www_authenticate));
	if (lfs_hdr_take(p, n, "Content-Length", num, sizeof(num))) {
		char *end;

		rs->content_length = strtoull(num, &end, 10);
		rs->has_length = end != num && !*end;
	}
	return n;
}

static size_t lfs_write_cb(char *p, size_t size, size_t nmemb, void *arg)
{
	struct lfs_xfer *x = arg;
	const struct lfs_http_req *rq = x->rq;
	struct lfs_http_resp *rs = x->rs;
	size_t n = size * nmemb, max;
	long code = 0;
	char *nb;

	curl_easy_getinfo(x->h->curl, CURLINFO_RESPONSE_CODE, &code);
	if (code >= 200 && code < 300 && rq->sink) {
		rs->status = code;
		x->sink_err = rq->sink(rq->sink_arg, rs, p, n);
		return x->sink_err ? 0 : n;
	}
	max = code >= 200 && code < 300 ?
	      (rq->max_body ? rq->max_body : LFS_HTTP_MAX_BODY) :
	      LFS_HTTP_ERR_BODY;
	if (rs->body_len + n > max) {
		if (code >= 200 && code < 300) {
			x->sink_err = -EFBIG;
			return 0;
		}
		n = max - rs->body_len;	/* an error body: keep its start */
		if (!n)
			return size * nmemb;
	}
	if (rs->body_len + n + 1 > x->cap) {
		size_t cap = (rs->body_len + n + 1) * 2;

		nb = realloc(rs->body, cap);
		if (!nb) {
			x->sink_err = -ENOMEM;
			return 0;
		}
		rs->body = nb;
		x->cap = cap;
	}
	memcpy(rs->body + rs->body_len, p, n);
	rs->body_len += n;
	rs->body[rs->body_len] = '\0';
	return size * nmemb;
}

static size_t lfs_read_cb(char *p, size_t size, size_t nmemb, void *arg)
{
	struct lfs_xfer *x = arg;
	const struct lfs_http_req *rq = x->rq;
	size_t n = size * nmemb;
	uint64_t total = rq->body_fd >= 0 ? rq->body_fd_len : rq->body_len;
	ssize_t r;

	if (rq->body_stream) {
		do
			r = read(rq->body_fd, p, n);
		while (r < 0 && errno == EINTR);
		if (r < 0) {
			x->sink_err = -errno;
			return CURL_READFUNC_ABORT;
		}
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
		if (r <= 0) {
			x->sink_err = r < 0 ? -errno : -EIO;
			return CURL_READFUNC_ABORT;
		}
		n = (size_t)r;
	}
done:
	x->sent += n;
	if (rq->progress)
		rq->progress(rq->progress_arg, x->sent);
	return n;
}

#define LFS_HTTP_RECV_BUF (256 * 1024)

/* LFS_HTTP_LOW_SPEED_TIME, or the shorter window a test asks for. */
static long lfs_http_low_speed_time(void)
{
	const char *v = getenv("LAYERCTL_TEST_LOW_SPEED_TIME");
	char *end;
	long t;

	if (!v || !*v)
		return LFS_HTTP_LOW_SPEED_TIME;
	t = strtol(v, &end, 10);
	if (*end || t < 1 || t > LFS_HTTP_LOW_SPEED_TIME)
		return LFS_HTTP_LOW_SPEED_TIME;
	return t;
}

/* The easy handle's options for @rq; the header list in *@hl. */
static int lfs_http_setup(struct lfs_http *h, const struct lfs_http_req *rq,
			  struct lfs_xfer *x, struct curl_slist **hl)
{
	CURL *c = h->curl;
	const char *protos = h->o.allow_http ? "http,https" : "https";
	int get = !strcmp(rq->method, "GET") || !strcmp(rq->method, "HEAD");
	int has_body = rq->body_fd >= 0 || rq->body;
	uint64_t blen = rq->body_fd >= 0 ? rq->body_fd_len : rq->body_len;
	struct curl_slist *l = NULL, *t;
	size_t i;

	curl_easy_reset(c);
	/* "Expect:" off: no wait for 100 Continue before large bodies */
	t = curl_slist_append(l, "Expect:");
	if (t && rq->body_stream) {
		l = t;
		t = curl_slist_append(l, "Transfer-Encoding: chunked");
	}
	for (i = 0; t && i < sizeof(rq->headers) / sizeof(rq->headers[0]) &&
	     rq->headers[i]; i++) {
		l = t;
		t = curl_slist_append(l, rq->headers[i]);
	}
	if (!t) {
		curl_slist_free_all(l);
		return -ENOMEM;
	}
	*hl = l = t;
	curl_easy_setopt(c, CURLOPT_URL, rq->url);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, l);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "layerctl/" LAYERCTL_VERSION);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, protos);
	curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, protos);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT,
			 h->o.timeout_s ? h->o.timeout_s : 30L);
	curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, LFS_HTTP_LOW_SPEED);
	curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, lfs_http_low_speed_time());
	if (h->o.ca_file)
		curl_easy_setopt(c, CURLOPT_CAINFO, h->o.ca_file);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, lfs_hdr_cb);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, x);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, lfs_write_cb);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, x);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, x->rs->err);
	/*
	 * A blob's body in pieces of up to LFS_HTTP_RECV_BUF rather than
	 * curl's 16 KiB: a fraction of the system calls and callbacks
	 * (each piece is hashed, kept and passed on).
	 */
	if (rq->sink)
		curl_easy_setopt(c, CURLOPT_BUFFERSIZE, (long)LFS_HTTP_RECV_BUF);
	if (get) {
		curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
		curl_easy_setopt(c, CURLOPT_MAXREDIRS, 5L);
		if (!strcmp(rq->method, "HEAD"))
			curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
		return 0;
	}
	if (!strcmp(rq->method, "POST") && !has_body) {
		curl_easy_setopt(c, CURLOPT_POST, 1L);
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, "");
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, 0L);
		return 0;
	}
	curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, rq->method);
	if (!rq->body_stream)
		curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, (curl_off_t)blen);
	curl_easy_setopt(c, CURLOPT_READFUNCTION, lfs_read_cb);
	curl_easy_setopt(c, CURLOPT_READDATA, x);
	return 0;
}

int lfs_http_do(struct lfs_http *h, const struct lfs_http_req *rq,
		struct lfs_http_resp *rs)
{
	struct lfs_xfer x = { .h = h, .rq = rq, .rs = rs };
	struct curl_slist *hl = NULL;
	char *eff = NULL;
	CURLcode cc;
	int rc;

	memset(rs, 0, sizeof(*rs));
	if (!h->o.allow_http && !strncmp(rq->url, "http://", 7)) {
		snprintf(rs->err, sizeof(rs->err),
			 "plain HTTP to a host not marked insecure");
		return -EPERM;
	}
	rc = lfs_http_setup(h, rq, &x, &hl);
	if (rc) {
		snprintf(rs->err, sizeof(rs->err), "out of memory");
		return rc;
	}
	cc = curl_easy_perform(h->curl);
	curl_slist_free_all(hl);
	curl_easy_setopt(h->curl, CURLOPT_ERRORBUFFER, NULL);
	if (x.sink_err) {
		if (!rs->err[0] || cc == CURLE_WRITE_ERROR ||
		    cc == CURLE_ABORTED_BY_CALLBACK || cc == CURLE_READ_ERROR)
			snprintf(rs->err, sizeof(rs->err), "%s",
				 x.sink_err == -EFBIG ? "response too large" :
				 strerror(-x.sink_err));
		lfs_http_resp_free(rs);
		return x.sink_err;
	}
	if (cc != CURLE_OK) {
		if (!rs->err[0])
			snprintf(rs->err, sizeof(rs->err), "%s",
				 curl_easy_strerror(cc));
		lfs_http_resp_free(rs);
		return -EIO;
	}
	curl_easy_getinfo(h->curl, CURLINFO_RESPONSE_CODE, &rs->status);
	if (curl_easy_getinfo(h->curl, CURLINFO_EFFECTIVE_URL, &eff) ||
	    !eff)
		eff = (char *)rq->url;
	snprintf(rs->url, sizeof(rs->url), "%s", eff);
	return 0;
}
