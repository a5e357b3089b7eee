// SPDX-License-Identifier: GPL-2.0
/*
 * OCI registries, pure: image references (docker's defaults) and the
 * distribution API's endpoint URLs.  See ocireg.h.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <layerfs/refname.h>

#include "ocireg.h"

/* snprintf into @out; -ENAMETOOLONG if it does not fit. */
static int lfs_fmt(char *out, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int lfs_fmt(char *out, size_t len, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(out, len, fmt, ap);
	va_end(ap);
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

/* host[:port] or [IPv6][:port]; @n bytes of @s. */
static int lfs_host_ok(const char *s, size_t n)
{
	size_t i = 0;

	if (!n || n >= LFS_REG_HOST_MAX)
		return 0;
	if (s[0] == '[') {
		for (i = 1; i < n && s[i] != ']'; i++)
			if (!strchr("0123456789abcdefABCDEF:.", s[i]))
				return 0;
		if (i >= n || i == 1)
			return 0;
		i++;
	} else {
		for (; i < n && s[i] != ':'; i++)
			if (!((s[i] >= 'a' && s[i] <= 'z') ||
			      (s[i] >= 'A' && s[i] <= 'Z') ||
			      (s[i] >= '0' && s[i] <= '9') ||
			      s[i] == '.' || s[i] == '-'))
				return 0;
		if (!i || s[0] == '-' || s[0] == '.' || s[i - 1] == '-' ||
		    s[i - 1] == '.')
			return 0;
	}
	if (i == n)
		return 1;
	if (s[i] != ':' || i + 1 == n || n - i - 1 > 5)
		return 0;
	for (i++; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return 1;
}

static int lfs_tag_ok(const char *t)
{
	size_t i;

	if (!*t || strlen(t) >= LFS_REG_TAG_MAX)
		return 0;
	if (!layerfs_ref_is_tag_char(t[0]) || t[0] == '.' || t[0] == '-')
		return 0;
	for (i = 1; t[i]; i++)
		if (!layerfs_ref_is_tag_char(t[i]))
			return 0;
	return 1;
}

/* The first component is a host: it has '.' or ':', or is localhost. */
static int lfs_is_host(const char *s, size_t n)
{
	return memchr(s, '.', n) || memchr(s, ':', n) ||
	       (n == 9 && !memcmp(s, "localhost", 9)) ||
	       (n && s[0] == '[');
}

int lfs_reg_ref_parse(const char *s, struct lfs_reg_ref *r, struct lfs_err *e)
{
	char name[LFS_REG_HOST_MAX + LFS_REG_REPO_MAX];
	const char *at, *slash, *path, *colon;
	size_t n;

	memset(r, 0, sizeof(*r));
	if (!*s) {
		lfs_err_set(e, 0, "empty reference");
		return -EINVAL;
	}
	at = strchr(s, '@');
	if (at) {
		if (lfs_oci_digest_parse(at + 1, NULL)) {
			lfs_err_set(e, 0, "the digest after '@' is not sha256:<64 lower-case hex>");
			return -EINVAL;
		}
		memcpy(r->digest, at + 1, LFS_DIGEST_LEN);
		n = (size_t)(at - s);
	} else {
		n = strlen(s);
	}
	if (n >= sizeof(name)) {
		lfs_err_set(e, 0, "reference too long");
		return -EINVAL;
	}
	memcpy(name, s, n);
	name[n] = '\0';
	slash = strchr(name, '/');
	if (slash && lfs_is_host(name, (size_t)(slash - name))) {
		if (!lfs_host_ok(name, (size_t)(slash - name))) {
			lfs_err_set(e, 0, "invalid registry host: host[:port] or [IPv6][:port]");
			return -EINVAL;
		}
		memcpy(r->host, name, (size_t)(slash - name));
		path = slash + 1;
	} else {
		strcpy(r->host, LFS_REG_DOCKER_HOST);
		path = name;
	}
	/* a tag is a ':' after the last '/' */
	slash = strrchr(path, '/');
	colon = strrchr(slash ? slash : path, ':');
	if (colon) {
		if (!lfs_tag_ok(colon + 1)) {
			lfs_err_set(e, 0, "invalid tag: [A-Za-z0-9_][A-Za-z0-9_.-]*, at most 128 characters");
			return -EINVAL;
		}
		strcpy(r->tag, colon + 1);
		n = (size_t)(colon - path);
	} else {
		n = strlen(path);
		if (!r->digest[0])
			strcpy(r->tag, LFS_REG_DEFAULT_TAG);
	}
	if (!strcmp(r->host, LFS_REG_DOCKER_HOST) && !memchr(path, '/', n)) {
		if (lfs_fmt(r->repo, sizeof(r->repo), "library/%.*s", (int)n,
			    path))
			goto toolong;
	} else if (lfs_fmt(r->repo, sizeof(r->repo), "%.*s", (int)n, path)) {
		goto toolong;
	}
	if (!n || layerfs_ref_check(r->repo) || strchr(r->repo, ':')) {
		lfs_err_set(e, 0, "invalid repository: [a-z0-9] components joined by '.', '_', '__' or '-', separated by '/'");
		return -EINVAL;
	}
	return 0;
toolong:
	lfs_err_set(e, 0, "repository too long");
	return -EINVAL;
}

const char *lfs_reg_ref_target(const struct lfs_reg_ref *r)
{
	return r->digest[0] ? r->digest : r->tag;
}

void lfs_reg_ref_format(const struct lfs_reg_ref *r, char *out, size_t len)
{
	snprintf(out, len, "%s/%s%s%s%s%s", r->host, r->repo,
		 r->tag[0] ? ":" : "", r->tag, r->digest[0] ? "@" : "",
		 r->digest);
}

int lfs_reg_local_name(const struct lfs_reg_ref *r, char *out, size_t len)
{
	const char *repo = r->repo;

	if (!r->tag[0])
		return -EINVAL;
	if (!strcmp(r->host, LFS_REG_DOCKER_HOST) &&
	    !strncmp(repo, "library/", 8))
		repo += 8;
	if (lfs_fmt(out, len, "%s:%s", repo, r->tag))
		return -ENAMETOOLONG;
	return layerfs_ref_check(out) ? -EINVAL : 0;
}

const char *lfs_reg_api_host(const char *host)
{
	if (!strcmp(host, LFS_REG_DOCKER_HOST) ||
	    !strcmp(host, "index.docker.io"))
		return LFS_REG_DOCKER_API;
	return host;
}

int lfs_reg_host_listed(const char *list, const char *host)
{
	const char *p = list, *e;
	const char *h = lfs_reg_api_host(host);
	size_t n;

	while (p && *p) {
		p += strspn(p, ", \t");
		e = p + strcspn(p, ", \t");
		n = (size_t)(e - p);
		if (n && ((strlen(host) == n && !strncasecmp(p, host, n)) ||
			  (strlen(h) == n && !strncasecmp(p, h, n))))
			return 1;
		p = e;
	}
	return 0;
}

int lfs_reg_url_base(const char *host, int insecure, char *out, size_t len)
{
	return lfs_fmt(out, len, "%s://%s", insecure ? "http" : "https",
		       lfs_reg_api_host(host));
}

int lfs_reg_url_manifest(const char *base, const char *repo, const char *ref,
			 char *out, size_t len)
{
	return lfs_fmt(out, len, "%s/v2/%s/manifests/%s", base, repo, ref);
}

int lfs_reg_url_blob(const char *base, const char *repo, const char *digest,
		     char *out, size_t len)
{
	return lfs_fmt(out, len, "%s/v2/%s/blobs/%s", base, repo, digest);
}

int lfs_reg_url_uploads(const char *base, const char *repo, char *out,
			size_t len)
{
	return lfs_fmt(out, len, "%s/v2/%s/blobs/uploads/", base, repo);
}

int lfs_reg_url_escape(const char *in, char *out, size_t len)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t o = 0;

	for (; *in; in++) {
		unsigned char c = (unsigned char)*in;

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || strchr("-._~", c)) {
			if (o + 1 >= len)
				return -ENAMETOOLONG;
			out[o++] = (char)c;
		} else {
			if (o + 3 >= len)
				return -ENAMETOOLONG;
			out[o++] = '%';
			out[o++] = hex[c >> 4];
			out[o++] = hex[c & 15];
		}
	}
	if (o >= len)
		return -ENAMETOOLONG;
	out[o] = '\0';
	return 0;
}

size_t lfs_reg_url_origin_len(const char *url)
{
	const char *p = strstr(url, "://");

	if (!p || strcspn(url, ":/?#") != (size_t)(p - url))
		return 0;
	p += 3;
	return (size_t)(p - url) + strcspn(p, "/?#");
}

int lfs_reg_url_resolve(const char *base, const char *location, char *out,
			size_t len)
{
	size_t olen = lfs_reg_url_origin_len(base);

	if (!*location || !olen)
		return -EINVAL;
	if (lfs_reg_url_origin_len(location)) {
		/* the same scheme as the registry's */
		if (strncmp(location, base, strcspn(base, ":") + 1))
			return -EINVAL;
		return lfs_fmt(out, len, "%s", location);
	}
	if (location[0] != '/')
		return -EINVAL;
	return lfs_fmt(out, len, "%.*s%s", (int)olen, base, location);
}

/*
 * Splits origin @o (@n bytes of "scheme://authority") into its scheme's
 * length, host (*@host, *@hlen) and port (the scheme's default if none).
 * -EINVAL for a user part, an empty host, a bad port, an unknown scheme.
 */
static int lfs_url_origin_split(const char *o, size_t n, size_t *slen,
				const char **host, size_t *hlen,
				unsigned long *port)
{
	const char *a = strstr(o, "://"), *end = o + n, *p;

	*slen = (size_t)(a - o);
	if (*slen == 5 && !strncasecmp(o, "https", 5))
		*port = 443;
	else if (*slen == 4 && !strncasecmp(o, "http", 4))
		*port = 80;
	else
		return -EINVAL;
	a += 3;
	if (memchr(a, '@', (size_t)(end - a)))
		return -EINVAL;
	if (*a == '[') {
		p = memchr(a, ']', (size_t)(end - a));
		if (!p)
			return -EINVAL;
		p++;
	} else {
		p = memchr(a, ':', (size_t)(end - a));
		if (!p)
			p = end;
	}
	*host = a;
	*hlen = (size_t)(p - a);
	if (!*hlen)
		return -EINVAL;
	if (p == end)
		return 0;
	if (*p != ':' || end - p < 2 || end - p > 6)
		return -EINVAL;
	*port = 0;
	for (p++; p < end; p++) {
		if (*p < '0' || *p > '9')
			return -EINVAL;
		*port = *port * 10 + (unsigned long)(*p - '0');
	}
	return 0;
}

int lfs_reg_url_same_origin(const char *base, const char *url)
{
	size_t bn = lfs_reg_url_origin_len(base), un = lfs_reg_url_origin_len(url);
	size_t bs, us, bh, uh;
	const char *bhost, *uhost;
	unsigned long bp, up;

	if (!bn || !un ||
	    lfs_url_origin_split(base, bn, &bs, &bhost, &bh, &bp) ||
	    lfs_url_origin_split(url, un, &us, &uhost, &uh, &up))
		return 0;
	return bs == us && !strncasecmp(base, url, bs) && bh == uh &&
	       !strncasecmp(bhost, uhost, bh) && bp == up;
}

int lfs_reg_url_upload_done(const char *base, const char *location,
			    const char *digest, char *out, size_t len)
{
	char d[3 * LFS_DIGEST_LEN], url[LFS_REG_URL_MAX];
	int rc;

	rc = lfs_reg_url_resolve(base, location, url, sizeof(url));
	if (!rc)
		rc = lfs_reg_url_escape(digest, d, sizeof(d));
	if (rc)
		return rc;
	return lfs_fmt(out, len, "%s%sdigest=%s", url,
		       strchr(url, '?') ? "&" : "?", d);
}

int lfs_reg_url_mount(const char *base, const char *repo, const char *digest,
		      const char *from, char *out, size_t len)
{
	char d[3 * LFS_DIGEST_LEN], f[3 * LFS_REG_REPO_MAX];
	int rc;

	rc = lfs_reg_url_escape(digest, d, sizeof(d));
	if (!rc)
		rc = lfs_reg_url_escape(from, f, sizeof(f));
	if (rc)
		return rc;
	return lfs_fmt(out, len, "%s/v2/%s/blobs/uploads/?mount=%s&from=%s",
		       base, repo, d, f);
}

int lfs_reg_parse_size(const char *s, uint64_t *out)
{
	unsigned long long v;
	unsigned int shift = 0;
	char *end;

	if (!isdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno)
		return -EINVAL;
	switch (*end) {
	case 'k': case 'K': shift = 10; end++; break;
	case 'm': case 'M': shift = 20; end++; break;
	case 'g': case 'G': shift = 30; end++; break;
	}
	if (shift && (*end == 'i' || *end == 'I'))
		end++;
	if (shift && (*end == 'b' || *end == 'B'))
		end++;
	if (*end || (shift && v > (~0ULL >> shift)))
		return -EINVAL;
	*out = (uint64_t)v << shift;
	return 0;
}

int lfs_reg_range_next(const char *range, uint64_t *next)
{
	unsigned long long a, b;
	int n = 0;

	if (!strncmp(range, "bytes=", 6))
		range += 6;
	if (sscanf(range, "%llu-%llu%n", &a, &b, &n) != 2 || range[n] ||
	    a != 0 || !isdigit((unsigned char)range[0]))
		return -EINVAL;
	/* distribution says "0-0" for an empty upload */
	*next = b ? (uint64_t)b + 1 : 0;
	return 0;
}

/* A decimal number of at most 19 digits at *@s (moved past it). */
static int lfs_reg_decimal(const char **s, uint64_t *v)
{
	const char *p = *s;

	*v = 0;
	if (!isdigit((unsigned char)*p))
		return -EINVAL;
	for (; isdigit((unsigned char)*p); p++) {
		if (p - *s >= 19)
			return -EINVAL;
		*v = *v * 10 + (uint64_t)(*p - '0');
	}
	*s = p;
	return 0;
}

int lfs_reg_content_range(const char *value, uint64_t *first, uint64_t *last,
			  uint64_t *total)
{
	const char *s = value;

	if (strncasecmp(s, "bytes ", 6))
		return -EINVAL;
	s += 6;
	while (*s == ' ')
		s++;
	if (lfs_reg_decimal(&s, first) || *s++ != '-' ||
	    lfs_reg_decimal(&s, last) || *s++ != '/' || *last < *first)
		return -EINVAL;
	if (*s == '*' && !s[1]) {
		*total = UINT64_MAX;
		return 0;
	}
	if (lfs_reg_decimal(&s, total) || *s || *last >= *total)
		return -EINVAL;
	return 0;
}

/*
 * "&scope=S" for each space-separated scope of @scopes (a challenge names
 * several for a cross-repository mount; the token API takes one parameter
 * per scope), escaped, at @out; "" if there is none.
 */
static int lfs_reg_scope_params(const char *scopes, char *out, size_t len)
{
	char one[LFS_REG_SCOPE_MAX], esc[3 * LFS_REG_SCOPE_MAX];
	size_t n, used = 0;
	int rc;

	out[0] = '\0';
	for (const char *p = scopes; *p; p += n) {
		p += strspn(p, " ");
		n = strcspn(p, " ");
		if (!n)
			break;
		if (n >= sizeof(one))
			return -ENAMETOOLONG;
		memcpy(one, p, n);
		one[n] = '\0';
		rc = lfs_reg_url_escape(one, esc, sizeof(esc));
		if (!rc)
			rc = lfs_fmt(out + used, len - used, "&scope=%s", esc);
		if (rc)
			return rc;
		used += strlen(out + used);
	}
	return 0;
}

int lfs_reg_url_token(const struct lfs_reg_challenge *c, const char *scope,
		      char *out, size_t len)
{
	char svc[3 * sizeof(c->service)], sc[4 * sizeof(c->scope)];
	const char *use = c->scope[0] ? c->scope : scope;
	const char *sep = strchr(c->realm, '?') ? "&" : "?";
	int rc;

	if (strncmp(c->realm, "https://", 8) && strncmp(c->realm, "http://", 7))
		return -EINVAL;
	rc = lfs_reg_url_escape(c->service, svc, sizeof(svc));
	if (!rc)
		rc = lfs_reg_scope_params(use ? use : "", sc, sizeof(sc));
	if (rc)
		return rc;
	if (!svc[0] && !sc[0])
		return lfs_fmt(out, len, "%s", c->realm);
	if (!svc[0])	/* sc starts with '&' */
		return lfs_fmt(out, len, "%s%s%s", c->realm, sep, sc + 1);
	return lfs_fmt(out, len, "%s%sservice=%s%s", c->realm, sep, svc, sc);
}
