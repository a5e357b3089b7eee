/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The HTTP transport of the registry client: one request, one response.
 * ocireg_http.c implements it with libcurl (the only file that uses it);
 * tests/unit/fake_http.c stands in for it with scripted responses.  No
 * protocol knowledge here: authentication, retries and digests are
 * ocireg_client.c's.
 */
#ifndef LAYERCTL_OCIREG_HTTP_H
#define LAYERCTL_OCIREG_HTTP_H

#include <stddef.h>
#include <stdint.h>

struct lfs_http;

/* Connection settings, fixed for a handle's life. */
struct lfs_http_opts {
	const char *ca_file;	/* PEM CA bundle to trust, or NULL: the system's */
	int allow_http;		/* plain HTTP allowed (an insecure host) */
	long timeout_s;		/* connect timeout; 0: 30 s */
};

struct lfs_http_resp;

/*
 * Receives a 2xx response's body (nothing else does); @rs is the
 * response so far: its status (200 or 206 matter to a ranged GET) and
 * headers (a 206's Content-Range), its body not kept.  Returns 0, or a
 * negative errno that aborts the transfer and is returned by
 * lfs_http_do().
 */
typedef int (*lfs_http_sink)(void *arg, const struct lfs_http_resp *rs,
			     const void *p, size_t n);

/* Told the body bytes sent so far, as an upload goes (a progress display). */
typedef void (*lfs_http_progress)(void *arg, uint64_t sent);

struct lfs_http_req {
	const char *method;		/* "GET", "HEAD", "PUT", "POST", "PATCH" */
	const char *url;
	const char *headers[8];		/* "Name: value" lines; NULL ends */
	/* the body: @body_len bytes at @body, or of @body_fd from @body_fd_off */
	const void *body;
	size_t body_len;
	int body_fd;			/* -1: none */
	uint64_t body_fd_len;
	uint64_t body_fd_off;
	/* with body_fd: read(2) to its end (a pipe), sent chunked */
	int body_stream;
	lfs_http_progress progress;	/* NULL: none */
	void *progress_arg;
	lfs_http_sink sink;		/* NULL: keep the body in memory */
	void *sink_arg;
	size_t max_body;		/* in memory at most; 0: 4 MiB */
};

#define LFS_HTTP_REQ_INIT { .body_fd = -1 }

struct lfs_http_resp {
	long status;
	char content_type[128];
	char location[4096];
	char www_authenticate[2048];
	char docker_digest[80];		/* Docker-Content-Digest */
	char range[64];			/* Range (an upload's status) */
	char content_range[96];		/* Content-Range (a 206) */
	uint64_t content_length;	/* with @has_length */
	int has_length;
	char *body;			/* NUL-terminated; free() */
	size_t body_len;
	/*
	 * A failure: the transport's words for it (libcurl's, which say it
	 * all), or, with @err_what, what it was doing ("cannot read the data
	 * to upload"), the errno returned being the reason.
	 */
	char err[256];
	int err_what;
	/* the URL that answered: the request's, or where redirects led */
	char url[4096];
};

/* 0 or -ENOMEM. */
int lfs_http_open(struct lfs_http **h, const struct lfs_http_opts *o);
void lfs_http_close(struct lfs_http *h);

/*
 * Sends @rq and fills @rs (free its body with lfs_http_resp_free()).
 * 0 when a response arrived, whatever its status; else a negative errno
 * with rs->err: -EIO (connection, TLS: the transport's words), -EFBIG (a
 * body over max_body), -EPERM (a plain-HTTP URL without allow_http), or,
 * with rs->err_what, the errno of what failed on our side: the sink's
 * error, a read of the body to send, an allocation.  Redirects of GET and HEAD are followed (HTTPS only,
 * unless allow_http), without the Authorization header on another host;
 * rs->url tells where they led.
 */
int lfs_http_do(struct lfs_http *h, const struct lfs_http_req *rq,
		struct lfs_http_resp *rs);
void lfs_http_resp_free(struct lfs_http_resp *rs);

#endif /* LAYERCTL_OCIREG_HTTP_H */
