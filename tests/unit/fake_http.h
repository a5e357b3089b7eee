/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A stand-in for userspace/ocireg_http.c (libcurl) in the unit tests:
 * a queue of scripted responses, and the requests as they were sent.
 */
#ifndef LAYERCTL_FAKE_HTTP_H
#define LAYERCTL_FAKE_HTTP_H

#include <stddef.h>
#include <stdint.h>

#define FAKE_HTTP_MAX 16

/* One scripted answer. */
struct fake_http_resp {
	long status;
	const char *www_authenticate;
	const char *location;
	const char *content_type;
	const char *docker_digest;
	const char *range;		/* the Range header (an upload's status) */
	const char *content_range;	/* Content-Range (a 206) */
	const char *body;		/* NULL: none */
	size_t body_len;		/* 0: strlen(body) */
	/*
	 * With @fail_err: deliver only the first @fail_after bytes of the
	 * body, then fail the transfer with @fail_err (-EIO: it broke).
	 */
	int fail_err;
	size_t fail_after;
	const char *fail_text;		/* its text; NULL: "fake: connection reset" */
	int has_length;
	uint64_t length;
	/* where the answer came from (redirects followed); NULL: the request */
	const char *url;
};

/* One request as the transport saw it. */
struct fake_http_seen {
	char method[8];
	char url[4096];
	char headers[8][2048];
	size_t n_headers;
	char *body;			/* the whole body, read from memory or fd */
	size_t body_len;
};

void fake_http_reset(void);
void fake_http_push(const struct fake_http_resp *r);
size_t fake_http_nseen(void);
const struct fake_http_seen *fake_http_seen(size_t i);
/* The value of header @name in request @i, or NULL. */
const char *fake_http_header(size_t i, const char *name);
/* Responses left unanswered in the queue. */
size_t fake_http_left(void);

#endif /* LAYERCTL_FAKE_HTTP_H */
