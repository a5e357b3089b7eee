// SPDX-License-Identifier: GPL-2.0
/*
 * The OCI distribution API over the HTTP transport: authentication,
 * blobs and manifests.  See ocireg_client.h.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "fsdir.h"
#include "ocireg_client.h"

#define LFS_REG_TOKEN_MAX	8192
#define LFS_REG_RESUMES		3
#define LFS_REG_MANIFEST_MAX	(4U << 20)

static int lfs_reg_vfail(struct lfs_reg *reg, int err, int code,
			 const char *fmt, va_list ap)
{
	char text[LFS_ERR_MAX];

	vsnprintf(text, sizeof(text), fmt, ap);
	lfs_err_set(&reg->err, code, "%s", text);
	return err;
}

static int lfs_reg_fail(struct lfs_reg *reg, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * Fails with @err, a sentence that says it all (it has the registry's
 * reason): code 0.
 */
static int lfs_reg_fail(struct lfs_reg *reg, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	lfs_reg_vfail(reg, err, 0, fmt, ap);
	va_end(ap);
	return err;
}

static int lfs_reg_fail_code(struct lfs_reg *reg, int err, int code,
			     const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/*
 * Fails with @err, what was being done in the text and errno @code as the
 * error's code (0: the text says it all), so that the reporter appends
 * its strerror once (err.h).
 */
static int lfs_reg_fail_code(struct lfs_reg *reg, int err, int code,
			     const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	lfs_reg_vfail(reg, err, code, fmt, ap);
	va_end(ap);
	return err;
}

/*
 * The transport's failure @rc of the request @what: its words, and @hint
 * after them; the errno as the code when the words are what it was doing
 * (rs->err_what: reading the data to upload, keeping the response), so
 * that the reporter appends its strerror once.
 */
static int lfs_reg_fail_transport(struct lfs_reg *reg, int rc,
				  const struct lfs_http_resp *rs,
				  const char *what, const char *hint)
{
	return lfs_reg_fail_code(reg, rc, rs->err_what ? rc : 0, "%s: %s%s",
				 what, rs->err, hint);
}

/*
 * "HTTP 404, BLOB_UNKNOWN: blob unknown to registry" for @rs: the status,
 * then what the registry says, if anything (no parentheses: the error
 * model keeps them for the errno's text).
 */
static void lfs_reg_status_text(const struct lfs_http_resp *rs, char *out,
				size_t len)
{
	char etext[512];

	lfs_reg_error_text(rs->body, etext, sizeof(etext));
	snprintf(out, len, "HTTP %ld%s%s", rs->status, etext[0] ? ", " : "",
		 etext);
}

/* An unexpected status as an error: -ENOENT for 404, else -EPROTO. */
static int lfs_reg_bad_status(struct lfs_reg *reg, const char *what,
			      const struct lfs_http_resp *rs)
{
	char st[600];

	lfs_reg_status_text(rs, st, sizeof(st));
	if (rs->status == 404)
		return lfs_reg_fail(reg, -ENOENT, "%s: not found in %s/%s: %s",
				    what, reg->host, reg->repo, st);
	if (rs->status == 403)
		return lfs_reg_fail(reg, -EACCES, "%s: access denied: %s",
				    what, st);
	return lfs_reg_fail(reg, -EPROTO, "%s: %s", what, st);
}

int lfs_reg_open(struct lfs_reg *reg, const char *host, const char *repo,
		 int insecure, const char *ca_file, const char *actions,
		 const struct lfs_reg_cred *cred)
{
	struct lfs_http_opts o = { .ca_file = ca_file, .allow_http = insecure };
	int rc;

	memset(reg, 0, sizeof(*reg));
	snprintf(reg->host, sizeof(reg->host), "%s", host);
	snprintf(reg->repo, sizeof(reg->repo), "%s", repo ? repo : "");
	reg->actions = actions;
	reg->insecure = insecure;
	snprintf(reg->ca_file, sizeof(reg->ca_file), "%s", ca_file ? ca_file : "");
	if (cred) {
		reg->cred = *cred;
		reg->has_cred = 1;
	}
	if (lfs_reg_url_base(host, insecure, reg->base, sizeof(reg->base)))
		return lfs_reg_fail(reg, -ENAMETOOLONG, "host name too long");
	rc = lfs_http_open(&reg->http, &o);
	if (rc)
		return lfs_reg_fail_code(reg, rc, rc, "cannot set up HTTP");
	return 0;
}

int lfs_reg_clone(struct lfs_reg *dst, const struct lfs_reg *src)
{
	int rc;

	rc = lfs_reg_open(dst, src->host, src->repo, src->insecure,
			  src->ca_file[0] ? src->ca_file : NULL, src->actions,
			  src->has_cred ? &src->cred : NULL);
	if (!rc && src->authz) {
		dst->authz = strdup(src->authz);
		dst->authz_basic = src->authz_basic;
		if (!dst->authz)
			rc = lfs_reg_fail_code(dst, -ENOMEM, -ENOMEM,
					       "cannot copy the authorization");
	}
	return rc;
}

void lfs_reg_close(struct lfs_reg *reg)
{
	lfs_http_close(reg->http);
	reg->http = NULL;
	if (reg->authz) {
		explicit_bzero(reg->authz, strlen(reg->authz));
		free(reg->authz);
		reg->authz = NULL;
	}
	explicit_bzero(&reg->cred, sizeof(reg->cred));
}

static int lfs_reg_set_authz(struct lfs_reg *reg, const char *line, int basic)
{
	char *a = strdup(line);

	if (!a)
		return lfs_reg_fail_code(reg, -ENOMEM, -ENOMEM,
					 "cannot keep the authorization");
	if (reg->authz) {
		explicit_bzero(reg->authz, strlen(reg->authz));
		free(reg->authz);
	}
	reg->authz = a;
	reg->authz_basic = basic;
	return 0;
}

/*
 * Fetches a Bearer token for challenge @c, for the request on @what;
 * sets reg->authz.
 */
static int lfs_reg_token(struct lfs_reg *reg, const char *what,
			 const struct lfs_reg_challenge *c)
{
	struct lfs_http_req rq = LFS_HTTP_REQ_INIT;
	struct lfs_http_resp rs;
	char url[LFS_REG_URL_MAX], scope[LFS_REG_REPO_MAX + 32];
	char basic[2048], svc[LFS_ERR_MAX + sizeof(c->realm)], *tok, *line;
	struct lfs_err e = LFS_ERR_INIT;
	int rc;

	if (reg->actions && reg->repo[0])
		snprintf(scope, sizeof(scope), "repository:%s:%s", reg->repo,
			 reg->actions);
	else
		scope[0] = '\0';
	if (lfs_reg_url_token(c, scope, url, sizeof(url)))
		return lfs_reg_fail(reg, -EPROTO,
				    "%s: unusable token realm '%s' in the challenge",
				    what, c->realm);
	/*
	 * The password crosses the network in clear over plain HTTP: only to
	 * the registry's own origin, which the user marked insecure.
	 */
	if (reg->has_cred && !strncmp(c->realm, "http://", 7) &&
	    !lfs_reg_url_same_origin(reg->base, c->realm))
		return lfs_reg_fail(reg, -EACCES,
				    "%s: token realm '%s' is plain HTTP on another host: credentials not sent",
				    what, c->realm);
	snprintf(svc, sizeof(svc), "%s: token service '%s'", what, c->realm);
	rq.method = "GET";
	rq.url = url;
	if (reg->has_cred) {
		if (lfs_reg_basic_header(&reg->cred, basic, sizeof(basic)))
			return lfs_reg_fail(reg, -EINVAL, "%s: credentials too long",
					    what);
		rq.headers[0] = basic;
	}
	rc = lfs_http_do(reg->http, &rq, &rs);
	explicit_bzero(basic, sizeof(basic));
	if (rc)
		return lfs_reg_fail_transport(reg, rc, &rs, svc, "");
	if (rs.status == 401 || rs.status == 403) {
		lfs_http_resp_free(&rs);
		if (reg->has_cred)
			return lfs_reg_fail(reg, -EACCES,
					    "%s: user '%s': wrong user name or password: HTTP %ld",
					    svc, reg->cred.user, rs.status);
		return lfs_reg_fail(reg, -EACCES,
				    "%s: needs a login: HTTP %ld: run 'layerctl login %s'",
				    svc, rs.status, reg->host);
	}
	if (rs.status != 200) {
		rc = lfs_reg_bad_status(reg, svc, &rs);
		lfs_http_resp_free(&rs);
		return rc;
	}
	tok = malloc(LFS_REG_TOKEN_MAX);
	line = malloc(LFS_REG_TOKEN_MAX + 32);
	if (!tok || !line) {
		rc = lfs_reg_fail_code(reg, -ENOMEM, -ENOMEM,
				       "%s: cannot hold the token", svc);
	} else if (lfs_reg_token_parse(rs.body, tok, LFS_REG_TOKEN_MAX, &e)) {
		rc = lfs_reg_fail(reg, -EPROTO, "%s: %s", svc, e.msg);
	} else {
		snprintf(line, LFS_REG_TOKEN_MAX + 32, "Authorization: Bearer %s",
			 tok);
		rc = lfs_reg_set_authz(reg, line, 0);
	}
	lfs_http_resp_free(&rs);
	free(tok);
	free(line);
	return rc;
}

/* Answers the challenge of 401 response @rs: new credentials in authz. */
static int lfs_reg_authenticate(struct lfs_reg *reg, const char *what,
				const struct lfs_http_resp *rs)
{
	struct lfs_reg_challenge c;
	char basic[2048];
	struct lfs_err e = LFS_ERR_INIT;
	int rc;

	if (!rs->www_authenticate[0])
		return lfs_reg_fail(reg, -EACCES,
				    "%s: HTTP 401 without a WWW-Authenticate challenge",
				    what);
	if (lfs_reg_challenge_parse(rs->www_authenticate, &c, &e))
		return lfs_reg_fail(reg, -EPROTO, "%s: %s: '%s'", what, e.msg,
				    rs->www_authenticate);
	if (c.scheme == LFS_REG_AUTH_BEARER) {
		if (reg->authz && !reg->authz_basic && strcmp(c.error, "insufficient_scope"))
			return lfs_reg_fail(reg, -EACCES,
					    "%s: the registry refused the token: HTTP 401",
					    what);
		return lfs_reg_token(reg, what, &c);
	}
	if (!reg->has_cred)
		return lfs_reg_fail(reg, -EACCES,
				    "%s: the registry needs a login: HTTP 401, Basic realm '%s': run 'layerctl login %s'",
				    what, c.realm, reg->host);
	if (reg->authz_basic)
		return lfs_reg_fail(reg, -EACCES,
				    "%s: user '%s': wrong user name or password: HTTP 401",
				    what, reg->cred.user);
	rc = lfs_reg_basic_header(&reg->cred, basic, sizeof(basic));
	if (!rc)
		rc = lfs_reg_set_authz(reg, basic, 1);
	explicit_bzero(basic, sizeof(basic));
	return rc ? lfs_reg_fail(reg, rc, "%s: credentials too long", what) : 0;
}

/* A hint for a TLS failure that looks like plain HTTP on the port. */
static const char *lfs_reg_hint(const struct lfs_reg *reg, const char *err)
{
	if (strncmp(reg->base, "https:", 6) || !strstr(err, "wrong version number"))
		return "";
	return ": a plain-HTTP registry? only a host marked with --insecure is reached without TLS";
}

/*
 * A 401 from @url, not the registry's origin (an upload Location on
 * another host, or where a redirect led): its challenge is not answered
 * with the registry's credentials, which would send them (or, for a
 * Bearer challenge, the user's password to a token service of that
 * host's choosing) there.
 */
static int lfs_reg_foreign_401(struct lfs_reg *reg, const char *what,
			       const char *url, struct lfs_http_resp *rs)
{
	size_t n = lfs_reg_url_origin_len(url);

	lfs_http_resp_free(rs);
	return lfs_reg_fail(reg, -EACCES,
			    "%s: host '%.*s' asks for credentials: HTTP 401: the registry's are not sent to another host",
			    what, (int)(n ? n : strlen(url)), url);
}

/*
 * Sends @rq with the current credentials, if it goes to the registry's
 * origin (none elsewhere); on 401 from the registry (not from where a
 * redirect led, if that is another origin) answers the challenge
 * and sends it again (twice at most).  0 with @rs filled, whatever its
 * status other than 401, or an error in reg->err.
 */
static int lfs_reg_send(struct lfs_reg *reg, struct lfs_http_req *rq,
			struct lfs_http_resp *rs, const char *what)
{
	int own = lfs_reg_url_same_origin(reg->base, rq->url);
	size_t slot;
	int tries, rc;

	for (slot = 0; rq->headers[slot]; slot++)
		;
	if (slot + 1 >= sizeof(rq->headers) / sizeof(rq->headers[0]))
		return lfs_reg_fail(reg, -E2BIG, "%s: too many headers", what);
	for (tries = 0;; tries++) {
		rq->headers[slot] = own ? reg->authz : NULL;
		rc = lfs_http_do(reg->http, rq, rs);
		rq->headers[slot] = NULL;
		if (rc)
			return lfs_reg_fail_transport(reg, rc, rs, what,
						      lfs_reg_hint(reg, rs->err));
		if (rs->status != 401)
			return 0;
		if (!own || !lfs_reg_url_same_origin(reg->base, rs->url))
			return lfs_reg_foreign_401(reg, what,
						   own ? rs->url : rq->url, rs);
		if (tries == 2) {
			lfs_http_resp_free(rs);
			return lfs_reg_fail(reg, -EACCES,
					    "%s: the registry refused the credentials: HTTP 401",
					    what);
		}
		rc = lfs_reg_authenticate(reg, what, rs);
		lfs_http_resp_free(rs);
		if (rc)
			return rc;
		/* a streamed body is gone: the caller starts over */
		if (rq->body_stream)
			return lfs_reg_fail(reg, -EAGAIN,
					    "%s: the registry asked for credentials again during a streamed upload",
					    what);
	}
}

int lfs_reg_ping(struct lfs_reg *reg)
{
	struct lfs_http_req rq = LFS_HTTP_REQ_INIT;
	struct lfs_http_resp rs;
	char url[LFS_REG_URL_MAX];
	int rc;

	snprintf(url, sizeof(url), "%s/v2/", reg->base);
	rq.method = "GET";
	rq.url = url;
	rc = lfs_reg_send(reg, &rq, &rs, "GET /v2/");
	if (rc)
		return rc;
	if (rs.status != 200)
		rc = lfs_reg_bad_status(reg, "GET /v2/", &rs);
	lfs_http_resp_free(&rs);
	return rc;
}

int lfs_reg_blob_exists(struct lfs_reg *reg, const char *digest,
			uint64_t size, int *exists)
{
	struct lfs_http_req rq = LFS_HTTP_REQ_INIT;
	struct lfs_http_resp rs;
	char url[LFS_REG_URL_MAX], what[LFS_DIGEST_LEN + 8];
	int rc;

	*exists = 0;
	snprintf(what, sizeof(what), "blob '%s'", digest);
	if (lfs_reg_url_blob(reg->base, reg->repo, digest, url, sizeof(url)))
		return lfs_reg_fail(reg, -ENAMETOOLONG, "%s: URL too long", what);
	rq.method = "HEAD";
	rq.url = url;
	rc = lfs_reg_send(reg, &rq, &rs, what);
	if (rc)
		return rc;
	if (rs.status == 200) {
		if (rs.has_length && rs.content_length != size)
			rc = lfs_reg_fail(reg, -EBADMSG,
					  "%s: the registry has %llu bytes, the manifest says %llu",
					  what,
					  (unsigned long long)rs.content_length,
					  (unsigned long long)size);
		*exists = !rc;
	} else if (rs.status != 404) {
		rc = lfs_reg_bad_status(reg, what, &rs);
	}
	lfs_http_resp_free(&rs);
	return rc;
}

int lfs_reg_upload_start(struct lfs_reg *reg, const char *digest,
			 const char *from, int *mounted, char *loc)
{
	struct lfs_http_req rq = LFS_HTTP_REQ_INIT;
	struct lfs_http_resp rs;
	char url[LFS_REG_URL_MAX], what[LFS_DIGEST_LEN + 8];
	int rc;

	*mounted = 0;
	snprintf(what, sizeof(what), "blob '%s'", digest);
	rc = from ? lfs_reg_url_mount(reg->base, reg->repo, digest, from, url,
				      sizeof(url)) :
		    lfs_reg_url_uploads(reg->base, reg->repo, url, sizeof(url));
	if (rc)
		return lfs_reg_fail(reg, -ENAMETOOLONG, "%s: URL too long", what);
	rq.method = "POST";
	rq.url = url;
	rc = lfs_reg_send(reg, &rq, &rs, what);
	if (rc)
		return rc;
	if (from && rs.status == 201) {
		*mounted = 1;
	} else if (rs.status != 202) {
		rc = lfs_reg_bad_status(reg, what, &rs);
	} else if (lfs_reg_url_resolve(reg->base, rs.location, loc,
				       LFS_REG_URL_MAX)) {
		rc = lfs_reg_fail(reg, -EPROTO,
				  "%s: unusable upload location '%s'", what,
				  rs.location);
	}
	lfs_http_resp_free(&rs);
	return rc;
}

/* Where a response leaves an upload: its new Location, if it gives one. */
static int lfs_reg_next_loc(struct lfs_reg *reg, const char *what,
			    const struct lfs_http_resp *rs, char *loc)
{
	if (!rs->location[0])
		return 0;
	if (lfs_reg_url_resolve(reg->base, rs->location, loc, LFS_REG_URL_MAX))
		return lfs_reg_fail(reg, -EPROTO,
				    "%s: unusable upload location '%s'", what,
				    rs->location);
	return 0;
}

/* The offset the registry has of upload @loc (GET, 204, Range). */
static int lfs_reg_upload_status(struct lfs_reg *reg, const char *what,
				 char *loc, uint64_t *off)
{
	struct lfs_http_req rq = LFS_HTTP_REQ_INIT;
	struct lfs_http_resp rs;
	int rc;

	rq.method = "GET";
	rq.url = loc;
	rc = lfs_reg_send(reg, &rq, &rs, what);
	if (rc)
		return rc;
	if (rs.status != 204 && rs.status != 200)
		rc = lfs_reg_bad_status(reg, what, &rs);
	else if (lfs_reg_range_next(rs.range, off))
		rc = lfs_reg_fail(reg, -EPROTO, "%s: upload status without a usable Range: '%s'",
				  what, rs.range);
	if (!rc)
		rc = lfs_reg_next_loc(reg, what, &rs, loc);
	lfs_http_resp_free(&rs);
	return rc;
}

static void lfs_reg_body_progress(void *arg, uint64_t sent)
{
	struct lfs_reg *reg = arg;

	reg->sent_done = reg->sent_base + sent;
	if (reg->progress)
		reg->progress(reg->progress_arg, reg->sent_done);
}

/*
 * One PATCH of bytes @off to @off + @n - 1, @rq's body (set by the
 * caller); @n 0: a streamed body, without Content-Range.
 */
static int lfs_reg_patch(struct lfs_reg *reg, const char *what, char *loc,
			 struct lfs_http_req *rq, uint64_t off, uint64_t n)
{
	struct lfs_http_resp rs;
	char cr[64];
	int rc;

	snprintf(cr, sizeof(cr), "Content-Range: %llu-%llu",
		 (unsigned long long)off, (unsigned long long)(off + n - 1));
	rq->method = "PATCH";
	rq->url = loc;
	rq->headers[0] = "Content-Type: application/octet-stream";
	rq->headers[1] = n ? cr : NULL;
	rq->progress = lfs_reg_body_progress;
	rq->progress_arg = reg;
	reg->sent_base = off;
	rc = lfs_reg_send(reg, rq, &rs, what);
	if (rc)
		return rc;
	if (rs.status != 202 && rs.status != 204)
		rc = lfs_reg_bad_status(reg, what, &rs);
	if (!rc)
		rc = lfs_reg_next_loc(reg, what, &rs, loc);
	lfs_http_resp_free(&rs);
	return rc;
}

/*
 * After a PATCH of bytes from @before failed with @rc: -EIO (the
 * transfer broke) asks the registry how much it has, into *@off (at most
 * @end), for another try, unless *@stuck says that failed too often.
 */
static int lfs_reg_patch_resume(struct lfs_reg *reg, const char *what,
				char *loc, int rc, uint64_t before,
				uint64_t end, uint64_t *off, int *stuck)
{
	if (rc != -EIO || (*stuck)++ >= LFS_REG_RESUMES)
		return rc;
	rc = lfs_reg_upload_status(reg, what, loc, off);
	if (rc)
		return rc;
	if (*off > end || *off < before)
		return lfs_reg_fail(reg, -EPROTO, "%s: the registry has %llu bytes, %llu sent",
				    what, (unsigned long long)*off,
				    (unsigned long long)end);
	if (*off > before)
		*stuck = 0;
	return 0;
}

/* The chunks of @fd from offset 0, resumed where the registry says. */
static int lfs_reg_patch_all(struct lfs_reg *reg, const char *what, char *loc,
			     int fd, uint64_t size, uint64_t chunk)
{
	uint64_t off = 0, n;
	int rc, stuck = 0;

	while (off < size) {
		struct lfs_http_req rq = LFS_HTTP_REQ_INIT;

		n = size - off < chunk ? size - off : chunk;
		rq.body_fd = fd;
		rq.body_fd_off = off;
		rq.body_fd_len = n;
		rc = lfs_reg_patch(reg, what, loc, &rq, off, n);
		if (!rc)
			off += n;
		else if ((rc = lfs_reg_patch_resume(reg, what, loc, rc, off,
						    size, &off, &stuck)))
			return rc;
	}
	return 0;
}

/* PUT ?digest=: the upload @loc is blob @digest, with @rq's body if any. */
static int lfs_reg_upload_put(struct lfs_reg *reg, const char *what,
			      const char *loc, const char *digest,
			      struct lfs_http_req *rq)
{
	struct lfs_http_resp rs;
	char url[LFS_REG_URL_MAX];
	int rc;

	if (lfs_reg_url_upload_done(reg->base, loc, digest, url, sizeof(url)))
		return lfs_reg_fail(reg, -EPROTO,
				    "%s: unusable upload location '%s'", what, loc);
	rq->method = "PUT";
	rq->url = url;
	rq->headers[0] = "Content-Type: application/octet-stream";
	if (rq->body_fd < 0 && !rq->body)
		rq->body = "";
	rc = lfs_reg_send(reg, rq, &rs, what);
	if (rc)
		return rc;
	if (rs.status != 201 && rs.status != 204 && rs.status != 200)
		rc = lfs_reg_bad_status(reg, what, &rs);
	lfs_http_resp_free(&rs);
	return rc;
}

int lfs_reg_upload_send(struct lfs_reg *reg, char *loc, const char *digest,
			int fd, uint64_t size, uint64_t chunk)
{
	struct lfs_http_req rq = LFS_HTTP_REQ_INIT;
	char what[LFS_DIGEST_LEN + 8];
	int rc;

	snprintf(what, sizeof(what), "blob '%s'", digest);
	if (chunk && chunk < size) {
		rc = lfs_reg_patch_all(reg, what, loc, fd, size, chunk);
		return rc ? rc : lfs_reg_upload_put(reg, what, loc, digest, &rq);
	}
	rq.body_fd = fd;
	rq.body_fd_len = size;
	rq.progress = lfs_reg_body_progress;
	rq.progress_arg = reg;
	reg->sent_base = 0;
	return lfs_reg_upload_put(reg, what, loc, digest, &rq);
}

/* Up to @n bytes of @fd into @buf (short only at its end). */
static ssize_t lfs_reg_read_full(int fd, char *buf, size_t n)
{
	size_t got = 0;
	ssize_t r;

	while (got < n) {
		r = read(fd, buf + got, n - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (!r)
			break;
		got += (size_t)r;
	}
	return (ssize_t)got;
}

/* The stream @fd in PATCHes of @chunk bytes, each resumed if it breaks. */
static int lfs_reg_stream_chunks(struct lfs_reg *reg, const char *what,
				 char *loc, int fd, uint64_t chunk,
				 uint64_t *sent)
{
	char *buf = malloc(chunk);
	uint64_t off = 0, at;
	ssize_t n = 1;
	int rc = buf ? 0 : lfs_reg_fail_code(reg, -ENOMEM, -ENOMEM,
					     "%s: cannot hold a chunk to upload",
					     what);
	int stuck = 0;

	while (!rc && n > 0) {
		n = lfs_reg_read_full(fd, buf, chunk);
		if (n < 0)
			rc = lfs_reg_fail_code(reg, (int)n, (int)n,
					       "%s: cannot read the data to upload",
					       what);
		for (at = off; !rc && at < off + (uint64_t)n;) {
			struct lfs_http_req rq = LFS_HTTP_REQ_INIT;

			rq.body = buf + (at - off);
			rq.body_len = off + (uint64_t)n - at;
			rc = lfs_reg_patch(reg, what, loc, &rq, at, rq.body_len);
			if (!rc)
				at += rq.body_len;
			else
				rc = lfs_reg_patch_resume(reg, what, loc, rc, at,
							  off + (uint64_t)n,
							  &at, &stuck);
		}
		off += n > 0 ? (uint64_t)n : 0;
	}
	free(buf);
	*sent = off;
	return rc;
}

int lfs_reg_upload_stream(struct lfs_reg *reg, char *loc, const char *what,
			  int fd, uint64_t chunk, uint64_t *sent)
{
	struct lfs_http_req rq = LFS_HTTP_REQ_INIT;
	int rc;

	if (chunk)
		return lfs_reg_stream_chunks(reg, what, loc, fd, chunk, sent);
	rq.body_fd = fd;
	rq.body_stream = 1;
	reg->sent_done = 0;
	rc = lfs_reg_patch(reg, what, loc, &rq, 0, 0);
	*sent = reg->sent_done;
	return rc;
}

int lfs_reg_upload_finish(struct lfs_reg *reg, const char *loc,
			  const char *what, const char *digest)
{
	struct lfs_http_req rq = LFS_HTTP_REQ_INIT;

	return lfs_reg_upload_put(reg, what, loc, digest, &rq);
}

int lfs_reg_blob_upload(struct lfs_reg *reg, const char *digest, int fd,
			uint64_t size)
{
	char loc[LFS_REG_URL_MAX];
	int mounted, rc;

	rc = lfs_reg_upload_start(reg, digest, NULL, &mounted, loc);
	return rc ? rc : lfs_reg_upload_send(reg, loc, digest, fd, size, 0);
}

/* A download's state: the file, the running hash, what it holds. */
struct lfs_fetch {
	struct lfs_reg *reg;
	int fd;
	EVP_MD_CTX *md;
	uint64_t have, size, start;	/* start: the range asked for */
	int stream;			/* passed on in order, to @out */
	lfs_reg_out_fn out;
	void *out_arg;
	int begun;			/* this answer's body has begun */
	/* stream: the copy kept for a later pull; NULL: none */
	struct lfs_reg_part *part;
	int tee;			/* part is written to */
	uint64_t pending;		/* bytes of part not fed yet */
	char why[192];			/* a sink's fatal error, or "" */
	int why_code;			/* its errno, or 0: why says it all */
};

/* The blob's offset of the next byte to arrive. */
static uint64_t lfs_fetch_at(const struct lfs_fetch *f)
{
	return f->have + f->pending;
}

/* The kept copy cannot be written: it goes, the download goes on. */
static void lfs_fetch_untee(struct lfs_fetch *f)
{
	f->tee = 0;
	f->part->drop = 1;
}

static int lfs_fetch_reset(struct lfs_fetch *f)
{
	if (f->stream) {	/* what was passed on stays there */
		if (f->have)
			return -ESPIPE;
		f->pending = 0;		/* the kept bytes are of no use */
		if (f->tee && ftruncate(f->part->fd, 0))
			lfs_fetch_untee(f);
		return 0;
	}
	f->have = 0;
	if (ftruncate(f->fd, 0))
		return -errno;
	if (!EVP_DigestInit_ex(f->md, EVP_sha256(), NULL))
		return -EIO;
	return 0;
}

/* The stream into the pipe @arg (an fd): written whole. */
static int lfs_fetch_fd_out(void *arg, const void *p, size_t n)
{
	return lfs_write_all(*(int *)arg, p, n);
}

/* Hashes @n bytes at @p and passes them on, or writes them at f->have. */
static int lfs_fetch_put(struct lfs_fetch *f, const char *s, size_t n)
{
	ssize_t w;
	int rc;

	if (!EVP_DigestUpdate(f->md, s, n))
		return -EIO;
	if (f->stream) {
		rc = f->out(f->out_arg, s, n);
		if (!rc)
			f->have += n;
		return rc;
	}
	while (n) {
		w = pwrite(f->fd, s, n, (off_t)f->have);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return w < 0 ? -errno : -EIO;
		s += w;
		n -= (size_t)w;
		f->have += (uint64_t)w;
	}
	return 0;
}

/*
 * Feeds the f->pending bytes of the kept copy (an earlier pull's) to the
 * hash and the pipe, in order, before the rest arrives.
 */
static int lfs_fetch_feed(struct lfs_fetch *f)
{
	char buf[65536];
	uint64_t n = f->pending;
	ssize_t r;
	int rc;

	f->pending = 0;
	while (f->have < n) {
		size_t k = n - f->have < sizeof(buf) ? n - f->have : sizeof(buf);

		r = pread(f->part->fd, buf, k, (off_t)f->have);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			f->part->drop = 1;
			f->why_code = r < 0 ? -errno : 0;
			snprintf(f->why, sizeof(f->why),
				 "cannot read the partial download an earlier pull left%s",
				 r < 0 ? "" : ": it is shorter than it was");
			return -EIO;
		}
		rc = lfs_fetch_put(f, buf, (size_t)r);
		if (rc)
			return rc;
	}
	f->part->fed = n;
	if (f->reg->progress)
		f->reg->progress(f->reg->progress_arg, f->have);
	return 0;
}

/*
 * The start of an answer's body: a 200 to a range restarts the blob; a
 * 206 must be the range asked for (Content-Range), and the kept bytes
 * before it are fed first.
 */
static int lfs_fetch_begin(struct lfs_fetch *f, const struct lfs_http_resp *rs)
{
	uint64_t first, last, total;

	f->begun = 1;
	if (rs->status == 200 && f->start && lfs_fetch_reset(f)) {
		snprintf(f->why, sizeof(f->why),
			 "the registry answered a range with the whole blob, HTTP 200, and the %llu bytes before are gone down the extraction",
			 (unsigned long long)f->have);
		return -ESPIPE;
	}
	if (rs->status == 200)	/* the whole blob: from its start */
		return 0;
	if (!f->start) {
		snprintf(f->why, sizeof(f->why),
			 "a partial answer, HTTP 206, to a whole request");
		return -EPROTO;
	}
	if (lfs_reg_content_range(rs->content_range, &first, &last, &total) ||
	    first != f->start ||
	    (total != UINT64_MAX && total != f->size)) {
		if (f->part)	/* a registry that cannot resume it */
			f->part->drop = 1;
		snprintf(f->why, sizeof(f->why),
			 "a partial answer, HTTP 206, with Content-Range '%s' to a request for bytes %llu- of %llu",
			 rs->content_range, (unsigned long long)f->start,
			 (unsigned long long)f->size);
		return -EPROTO;
	}
	return f->pending ? lfs_fetch_feed(f) : 0;
}

static int lfs_fetch_sink_do(struct lfs_fetch *f,
			     const struct lfs_http_resp *rs, const void *p,
			     size_t n)
{
	ssize_t w;
	size_t k;
	int rc;

	if (!f->begun) {
		rc = lfs_fetch_begin(f, rs);
		if (rc)
			return rc;
	}
	if (n > f->size - f->have) {
		snprintf(f->why, sizeof(f->why),
			 "more bytes than the manifest's size, %llu",
			 (unsigned long long)f->size);
		return -EBADMSG;
	}
	/* the copy kept for a later pull: one write per piece */
	for (k = 0; f->tee && k < n;) {
		w = pwrite(f->part->fd, (const char *)p + k, n - k,
			   (off_t)(f->have + k));
		if (w > 0)
			k += (size_t)w;
		else if (w == 0 || errno != EINTR)
			lfs_fetch_untee(f);
	}
	rc = lfs_fetch_put(f, p, n);
	if (rc)
		return rc;
	if (f->reg->progress)
		f->reg->progress(f->reg->progress_arg, f->have);
	return 0;
}

/*
 * The transport's sink: a failure without a reason of its own is a
 * write that failed, its errno the code (not the transport's text).
 */
static int lfs_fetch_sink(void *arg, const struct lfs_http_resp *rs,
			  const void *p, size_t n)
{
	struct lfs_fetch *f = arg;
	int rc = lfs_fetch_sink_do(f, rs, p, n);

	if (rc && !f->why[0]) {
		f->why_code = rc;
		snprintf(f->why, sizeof(f->why), "cannot write the download");
	}
	return rc;
}

/* Hashes the first f->have bytes of f->fd (an earlier partial download). */
static int lfs_fetch_rehash(struct lfs_fetch *f)
{
	char buf[65536];
	uint64_t off = 0;
	ssize_t r;

	if (f->have > f->size)
		return lfs_fetch_reset(f);
	while (off < f->have) {
		size_t n = f->have - off < sizeof(buf) ? f->have - off : sizeof(buf);

		r = pread(f->fd, buf, n, (off_t)off);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return lfs_fetch_reset(f);
		EVP_DigestUpdate(f->md, buf, (size_t)r);
		off += (uint64_t)r;
	}
	return 0;
}

/* One GET of the rest of the blob.  1: try again (resume), 0, or error. */
static int lfs_fetch_once(struct lfs_reg *reg, struct lfs_fetch *f,
			  const char *url, const char *what)
{
	struct lfs_http_req rq = LFS_HTTP_REQ_INIT;
	struct lfs_http_resp rs;
	char range[64];
	int rc;

	rq.method = "GET";
	rq.url = url;
	rq.sink = lfs_fetch_sink;
	rq.sink_arg = f;
	f->start = lfs_fetch_at(f);
	f->begun = 0;
	if (f->start) {
		snprintf(range, sizeof(range), "Range: bytes=%llu-",
			 (unsigned long long)f->start);
		rq.headers[0] = range;
	}
	rc = lfs_reg_send(reg, &rq, &rs, what);
	if (rc && f->why[0])
		return lfs_reg_fail_code(reg, rc, f->why_code, "%s: %s", what,
					 f->why);
	if (rc == -EIO)		/* the transfer broke: resume */
		return 1;
	if (rc)
		return rc;
	if (rs.status == 416 && f->start) {
		/* the range does not fit the blob: start over */
		lfs_http_resp_free(&rs);
		rc = lfs_fetch_reset(f);
		return rc ? lfs_reg_fail_code(reg, -EIO, rc,
					      "%s: HTTP 416 to bytes %llu-, and the download cannot start over",
					      what, (unsigned long long)f->start) : 1;
	}
	if (rs.status != 200 && rs.status != 206) {
		rc = lfs_reg_bad_status(reg, what, &rs);
		lfs_http_resp_free(&rs);
		return rc;
	}
	lfs_http_resp_free(&rs);
	if (rs.status == 206 && !f->start)
		return lfs_reg_fail(reg, -EPROTO, "%s: a partial answer, HTTP 206, to a whole request",
				    what);
	return f->have < f->size ? 1 : 0;
}

/* The digest of what arrived: @digest, or -EBADMSG. */
static int lfs_fetch_check(struct lfs_reg *reg, struct lfs_fetch *f,
			   const char *digest, const char *what)
{
	unsigned char md[LFS_SHA256_LEN];
	char got[LFS_DIGEST_LEN];
	unsigned int mdlen;
	int rc;

	if (!EVP_DigestFinal_ex(f->md, md, &mdlen))
		return lfs_reg_fail(reg, -EIO, "%s: hashing failed", what);
	lfs_oci_digest_format(md, got);
	if (f->have == f->size && !strcmp(got, digest))
		return 0;
	if (f->part && f->part->fed)
		rc = lfs_reg_fail(reg, -EBADMSG,
				  "%s: the download does not match its digest: got %s, %llu bytes, the first %llu of them from the partial download an earlier pull left, deleted now: pull again to download it whole",
				  what, got, (unsigned long long)f->have,
				  (unsigned long long)f->part->fed);
	else
		rc = lfs_reg_fail(reg, -EBADMSG,
				  "%s: the download does not match its digest: got %s, %llu bytes",
				  what, got, (unsigned long long)f->have);
	lfs_fetch_reset(f);
	return rc;
}

static int lfs_reg_fetch(struct lfs_reg *reg, const char *digest,
			 uint64_t size, int fd, uint64_t *have,
			 struct lfs_reg_part *part, lfs_reg_out_fn out,
			 void *out_arg)
{
	struct lfs_fetch f = { .reg = reg, .fd = fd, .size = size,
				.have = *have, .out = out, .out_arg = out_arg };
	char url[LFS_REG_URL_MAX], what[LFS_DIGEST_LEN + 8];
	int rc = 0, tries;

	snprintf(what, sizeof(what), "blob '%s'", digest);
	if (lfs_reg_url_blob(reg->base, reg->repo, digest, url, sizeof(url)))
		return lfs_reg_fail(reg, -ENAMETOOLONG, "%s: URL too long", what);
	f.md = EVP_MD_CTX_new();
	if (!f.md || !EVP_DigestInit_ex(f.md, EVP_sha256(), NULL)) {
		EVP_MD_CTX_free(f.md);
		return lfs_reg_fail(reg, -ENOMEM, "%s: cannot start its SHA-256", what);
	}
	if (part) {		/* a stream, with a kept copy */
		f.stream = 1;
		f.have = 0;
		part->fed = 0;
		part->drop = 0;
		part->whole = 0;
		if (part->fd >= 0) {
			f.part = part;
			f.tee = 1;
			f.pending = part->len;
			if (f.pending > size)	/* not this blob's */
				lfs_fetch_reset(&f);
			else if (f.pending == size)	/* all of it */
				rc = lfs_fetch_feed(&f);
		}
	} else if (lfs_fetch_rehash(&f)) {
		rc = lfs_reg_fail(reg, -EIO, "%s: cannot read the partial download",
				  what);
		goto out;
	}
	if (rc && f.why[0]) {
		lfs_reg_fail_code(reg, rc, f.why_code, "%s: %s", what, f.why);
		goto out;
	}
	if (rc) {	/* the kept bytes could not be passed on */
		lfs_reg_fail_code(reg, rc, rc,
				  "%s: cannot pass on the partial download an earlier pull left",
				  what);
		goto out;
	}
	for (tries = 0; f.have < size; tries++) {
		uint64_t before = f.have;

		rc = lfs_fetch_once(reg, &f, url, what);
		if (rc <= 0)
			break;
		if (f.have == before && tries >= LFS_REG_RESUMES) {
			char last[LFS_ERR_MAX];
			const char *l = last;
			size_t wl = strlen(what);

			memcpy(last, reg->err.msg, sizeof(last));
			/* the last failure without its subject, this blob */
			if (!strncmp(l, what, wl) && !strncmp(l + wl, ": ", 2))
				l += wl + 2;
			rc = lfs_reg_fail(reg, -EIO,
					  "%s: the transfer broke off at %llu of %llu bytes: %s",
					  what, (unsigned long long)lfs_fetch_at(&f),
					  (unsigned long long)size, l);
			break;
		}
		rc = 0;
	}
	if (!rc)
		rc = lfs_fetch_check(reg, &f, digest, what);
out:
	if (!rc)	/* a broken transfer that was resumed is no error */
		lfs_err_clear(&reg->err);
	/* verified, or not this blob's bytes: the kept copy goes */
	if (f.part && (!rc || rc == -EBADMSG))
		part->drop = 1;
	/* ... verified and whole: the pull may keep it as the blob */
	if (f.part && !rc && f.tee)
		part->whole = 1;
	*have = f.have;
	EVP_MD_CTX_free(f.md);
	return rc;
}

int lfs_reg_blob_fetch(struct lfs_reg *reg, const char *digest, uint64_t size,
		       int fd, uint64_t *have)
{
	return lfs_reg_fetch(reg, digest, size, fd, have, NULL, NULL, NULL);
}

int lfs_reg_blob_stream_to(struct lfs_reg *reg, const char *digest,
			   uint64_t size, lfs_reg_out_fn out, void *arg,
			   struct lfs_reg_part *part, uint64_t *have)
{
	struct lfs_reg_part none = { .fd = -1 };

	*have = 0;
	return lfs_reg_fetch(reg, digest, size, -1, have, part ? part : &none,
			     out, arg);
}

int lfs_reg_blob_stream(struct lfs_reg *reg, const char *digest,
			uint64_t size, int fd, struct lfs_reg_part *part,
			uint64_t *have)
{
	return lfs_reg_blob_stream_to(reg, digest, size, lfs_fetch_fd_out, &fd,
				      part, have);
}

int lfs_reg_manifest_get(struct lfs_reg *reg, const char *ref, char **body,
			 size_t *len, char content_type[128],
			 char digest[LFS_DIGEST_LEN])
{
	struct lfs_http_req rq = LFS_HTTP_REQ_INIT;
	struct lfs_http_resp rs;
	char url[LFS_REG_URL_MAX], what[LFS_REG_TAG_MAX + 80];
	int rc;

	*body = NULL;
	snprintf(what, sizeof(what), "manifest '%s'", ref);
	if (lfs_reg_url_manifest(reg->base, reg->repo, ref, url, sizeof(url)))
		return lfs_reg_fail(reg, -ENAMETOOLONG, "%s: URL too long", what);
	rq.method = "GET";
	rq.url = url;
	rq.headers[0] = LFS_REG_ACCEPT;
	rq.max_body = LFS_REG_MANIFEST_MAX;
	rc = lfs_reg_send(reg, &rq, &rs, what);
	if (rc)
		return rc;
	if (rs.status != 200) {
		rc = lfs_reg_bad_status(reg, what, &rs);
		lfs_http_resp_free(&rs);
		return rc;
	}
	if (!rs.body) {
		rs.body = strdup("");
		if (!rs.body)
			return lfs_reg_fail_code(reg, -ENOMEM, -ENOMEM,
						 "%s: cannot keep it", what);
	}
	lfs_oci_sha256_digest(rs.body, rs.body_len, digest);
	if ((!lfs_oci_digest_parse(ref, NULL) && strcmp(ref, digest)) ||
	    (rs.docker_digest[0] && strcmp(rs.docker_digest, digest))) {
		rc = lfs_reg_fail(reg, -EBADMSG,
				  "%s: the content's digest is %s, the registry says %s",
				  what, digest,
				  rs.docker_digest[0] ? rs.docker_digest : ref);
		lfs_http_resp_free(&rs);
		return rc;
	}
	if (strlen(rs.body) != rs.body_len) {
		lfs_http_resp_free(&rs);
		return lfs_reg_fail(reg, -EPROTO, "%s: NUL byte in JSON", what);
	}
	snprintf(content_type, 128, "%s", rs.content_type);
	*body = rs.body;
	*len = rs.body_len;
	return 0;
}

int lfs_reg_manifest_put(struct lfs_reg *reg, const char *ref,
			 const char *media_type, const char *body, size_t len)
{
	struct lfs_http_req rq = LFS_HTTP_REQ_INIT;
	struct lfs_http_resp rs;
	char url[LFS_REG_URL_MAX], ct[160], what[LFS_REG_TAG_MAX + 80];
	int rc;

	snprintf(what, sizeof(what), "manifest '%s'", ref);
	if (lfs_reg_url_manifest(reg->base, reg->repo, ref, url, sizeof(url)))
		return lfs_reg_fail(reg, -ENAMETOOLONG, "%s: URL too long", what);
	snprintf(ct, sizeof(ct), "Content-Type: %s", media_type);
	rq.method = "PUT";
	rq.url = url;
	rq.headers[0] = ct;
	rq.body = body;
	rq.body_len = len;
	rc = lfs_reg_send(reg, &rq, &rs, what);
	if (rc)
		return rc;
	if (rs.status != 201 && rs.status != 200)
		rc = lfs_reg_bad_status(reg, what, &rs);
	lfs_http_resp_free(&rs);
	return rc;
}
