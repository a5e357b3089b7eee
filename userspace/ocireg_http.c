// SPDX-License-Identifier: GPL-2.0
/*
 * The registry client's HTTP transport, with libcurl: the only file that
 * uses it.  See ocireg_http.h.  The unit tests link fake_http.c instead;
 * the bodies' callbacks are ocireg_xfer.c's, which both run.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "ocireg_http.h"
#include "ocireg_xfer.h"

#ifndef LAYERCTL_VERSION
#define LAYERCTL_VERSION "0.1.0"
#endif

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

struct lfs_http {
	CURL *curl;
	struct lfs_http_opts o;
};

/* One transfer's state, shared by the callbacks: the bodies' is @b's. */
struct lfs_xfer {
	struct lfs_http *h;
	struct lfs_http_xfer b;
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
	struct lfs_http_resp *rs = x->b.rs;
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
	long code = 0;

	curl_easy_getinfo(x->h->curl, CURLINFO_RESPONSE_CODE, &code);
	return lfs_http_xfer_write(&x->b, code, p, size * nmemb);
}

static size_t lfs_read_cb(char *p, size_t size, size_t nmemb, void *arg)
{
	struct lfs_xfer *x = arg;
	size_t n = lfs_http_xfer_read(&x->b, p, size * nmemb);

	return n == LFS_HTTP_XFER_ABORT ? CURL_READFUNC_ABORT : n;
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
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, x->b.rs->err);
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
	struct lfs_xfer x = { .h = h, .b = { .rq = rq, .rs = rs } };
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
		snprintf(rs->err, sizeof(rs->err), "cannot set up the request");
		rs->err_what = 1;
		return rc;
	}
	cc = curl_easy_perform(h->curl);
	curl_slist_free_all(hl);
	curl_easy_setopt(h->curl, CURLOPT_ERRORBUFFER, NULL);
	if (x.b.err) {
		/* what stopped it here, unless libcurl's words are of another failure */
		if (!rs->err[0] || cc == CURLE_WRITE_ERROR ||
		    cc == CURLE_ABORTED_BY_CALLBACK || cc == CURLE_READ_ERROR)
			return lfs_http_xfer_fail(&x.b);
		lfs_http_resp_free(rs);
		return x.b.err;
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
