// SPDX-License-Identifier: GPL-2.0
/*
 * OCI registries, pure: the WWW-Authenticate challenge, token and error
 * bodies, base64, the docker/podman auth file, and the manifest-or-index
 * choice.  See ocireg.h.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <json-c/json.h>

#include "ocireg.h"
#include "strv.h"

static int lfs_is_space(char c)
{
	return c == ' ' || c == '\t';
}

static int lfs_is_token(char c)
{
	return c && !lfs_is_space(c) && !strchr("=,\"", c);
}

/*
 * Reads one auth-param value at *@p (a token or a quoted string) into
 * @out, truncating silently is not allowed: -EINVAL if it does not fit.
 */
static int lfs_chal_value(const char **p, char *out, size_t len)
{
	const char *s = *p;
	size_t o = 0;

	if (*s == '"') {
		for (s++; *s && *s != '"'; s++) {
			if (*s == '\\' && s[1])
				s++;
			if (o + 1 >= len)
				return -EINVAL;
			out[o++] = *s;
		}
		if (*s != '"')
			return -EINVAL;
		s++;
	} else {
		for (; lfs_is_token(*s); s++) {
			if (o + 1 >= len)
				return -EINVAL;
			out[o++] = *s;
		}
	}
	out[o] = '\0';
	*p = s;
	return 0;
}

/* Where a parameter of that name goes, or NULL (ignored). */
static char *lfs_chal_slot(struct lfs_reg_challenge *c, const char *name,
			   size_t n, size_t *len)
{
	static const struct { const char *name; size_t off, len; } slots[] = {
		{ "realm", offsetof(struct lfs_reg_challenge, realm),
		  sizeof(((struct lfs_reg_challenge *)0)->realm) },
		{ "service", offsetof(struct lfs_reg_challenge, service),
		  sizeof(((struct lfs_reg_challenge *)0)->service) },
		{ "scope", offsetof(struct lfs_reg_challenge, scope),
		  sizeof(((struct lfs_reg_challenge *)0)->scope) },
		{ "error", offsetof(struct lfs_reg_challenge, error),
		  sizeof(((struct lfs_reg_challenge *)0)->error) },
	};
	size_t i;

	for (i = 0; i < sizeof(slots) / sizeof(slots[0]); i++)
		if (strlen(slots[i].name) == n &&
		    !strncasecmp(slots[i].name, name, n)) {
			*len = slots[i].len;
			return (char *)c + slots[i].off;
		}
	return NULL;
}

/* Skips separators at *@s, then a token: its start in *@name, its length. */
static size_t lfs_chal_token(const char **s, const char **name)
{
	while (lfs_is_space(**s) || **s == ',')
		(*s)++;
	*name = *s;
	while (lfs_is_token(**s))
		(*s)++;
	return (size_t)(*s - *name);
}

/*
 * Parses one challenge at *@p: SCHEME [param=value {, param=value}].
 * Stops before the next challenge's scheme.  *@scheme: its kind.
 */
static int lfs_chal_one(const char **p, struct lfs_reg_challenge *c,
			enum lfs_reg_scheme *scheme)
{
	char junk[1024], *slot;
	const char *s = *p, *name;
	size_t n, len;

	n = lfs_chal_token(&s, &name);
	if (!n)
		return -EINVAL;
	*scheme = LFS_REG_AUTH_NONE;
	if (n == 5 && !strncasecmp(name, "Basic", 5))
		*scheme = LFS_REG_AUTH_BASIC;
	else if (n == 6 && !strncasecmp(name, "Bearer", 6))
		*scheme = LFS_REG_AUTH_BEARER;
	for (;;) {
		const char *save = s;

		n = lfs_chal_token(&s, &name);
		while (lfs_is_space(*s))
			s++;
		if (!n || *s != '=') {
			/* the end, or the next challenge's scheme */
			*p = n ? save : s;
			return 0;
		}
		s++;
		while (lfs_is_space(*s))
			s++;
		slot = lfs_chal_slot(c, name, n, &len);
		if (!slot || *scheme == LFS_REG_AUTH_NONE) {
			slot = junk;
			len = sizeof(junk);
		}
		if (lfs_chal_value(&s, slot, len))
			return -EINVAL;
	}
}

int lfs_reg_challenge_parse(const char *hdr, struct lfs_reg_challenge *c,
			    struct lfs_err *e)
{
	struct lfs_reg_challenge one, basic;
	enum lfs_reg_scheme scheme;
	const char *p = hdr;
	int have_basic = 0;

	memset(c, 0, sizeof(*c));
	while (*p) {
		memset(&one, 0, sizeof(one));
		if (lfs_chal_one(&p, &one, &scheme)) {
			lfs_err_set(e, 0, "malformed WWW-Authenticate header");
			return -EINVAL;
		}
		one.scheme = scheme;
		if (scheme == LFS_REG_AUTH_BEARER) {
			if (!one.realm[0]) {
				lfs_err_set(e, 0, "Bearer challenge without a realm");
				return -EINVAL;
			}
			*c = one;
			return 0;
		}
		if (scheme == LFS_REG_AUTH_BASIC && !have_basic) {
			basic = one;
			have_basic = 1;
		}
		while (lfs_is_space(*p) || *p == ',')
			p++;
	}
	if (!have_basic) {
		lfs_err_set(e, 0, "no Basic or Bearer challenge in WWW-Authenticate");
		return -EINVAL;
	}
	*c = basic;
	return 0;
}

static struct json_object *lfs_jparse_obj(const char *json)
{
	struct json_object *o = json ? json_tokener_parse(json) : NULL;

	if (o && !json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

static const char *lfs_jstr_of(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!o || !json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

int lfs_reg_token_parse(const char *json, char *out, size_t len,
			struct lfs_err *e)
{
	struct json_object *o = lfs_jparse_obj(json);
	const char *t = lfs_jstr_of(o, "token");
	int rc = 0;

	if (!t || !*t)
		t = lfs_jstr_of(o, "access_token");
	if (!o)
		lfs_err_set(e, 0, "the token response is not a JSON object");
	else if (!t || !*t)
		lfs_err_set(e, 0, "the token response has no token");
	else if (strlen(t) >= len || strpbrk(t, "\r\n"))
		lfs_err_set(e, 0, "the token is too long or has a line break");
	else
		snprintf(out, len, "%s", t);
	if (!o || !t || !*t || strlen(t) >= len || strpbrk(t, "\r\n"))
		rc = -EINVAL;
	json_object_put(o);
	return rc;
}

void lfs_reg_error_text(const char *json, char *out, size_t len)
{
	struct json_object *o = lfs_jparse_obj(json), *arr, *e;
	size_t i, n, used = 0;

	out[0] = '\0';
	if (!o || !json_object_object_get_ex(o, "errors", &arr) ||
	    !json_object_is_type(arr, json_type_array)) {
		json_object_put(o);
		return;
	}
	n = json_object_array_length(arr);
	for (i = 0; i < n && used + 1 < len; i++) {
		const char *code, *msg;

		e = json_object_array_get_idx(arr, i);
		code = lfs_jstr_of(e, "code");
		msg = lfs_jstr_of(e, "message");
		if (!code && !msg)
			continue;
		snprintf(out + used, len - used, "%s%s%s%s", used ? "; " : "",
			 code ? code : "", code && msg ? ": " : "",
			 msg ? msg : "");
		used = strlen(out);
	}
	json_object_put(o);
}

static const char lfs_b64[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int lfs_base64_encode(const void *in, size_t n, char *out, size_t len)
{
	const unsigned char *s = in;
	size_t i, o = 0;

	if ((n + 2) / 3 * 4 + 1 > len)
		return -ENAMETOOLONG;
	for (i = 0; i < n; i += 3) {
		unsigned long v = (unsigned long)s[i] << 16;

		if (i + 1 < n)
			v |= (unsigned long)s[i + 1] << 8;
		if (i + 2 < n)
			v |= s[i + 2];
		out[o++] = lfs_b64[(v >> 18) & 63];
		out[o++] = lfs_b64[(v >> 12) & 63];
		out[o++] = i + 1 < n ? lfs_b64[(v >> 6) & 63] : '=';
		out[o++] = i + 2 < n ? lfs_b64[v & 63] : '=';
	}
	out[o] = '\0';
	return 0;
}

int lfs_base64_decode(const char *in, unsigned char *out, size_t len,
		      size_t *n)
{
	size_t i, o = 0, l = strlen(in), pad = 0;
	unsigned long v = 0;

	if (l % 4)
		return -EINVAL;
	if (l && in[l - 1] == '=')
		pad++;
	if (l > 1 && in[l - 2] == '=')
		pad++;
	for (i = 0; i < l; i++) {
		const char *c = strchr(lfs_b64, in[i]);
		unsigned long d;

		if (in[i] == '=' && i >= l - pad)
			d = 0;
		else if (!c || !in[i])
			return -EINVAL;
		else
			d = (unsigned long)(c - lfs_b64);
		v = v << 6 | d;
		if (i % 4 == 3) {
			unsigned char b[3] = { v >> 16, v >> 8, v };
			size_t k, take = i + 1 == l ? 3 - pad : 3;

			for (k = 0; k < take; k++) {
				if (o >= len)
					return -ENAMETOOLONG;
				out[o++] = b[k];
			}
			v = 0;
		}
	}
	*n = o;
	return 0;
}

/*
 * An auth file key as a host[:port]: the scheme and any path dropped,
 * docker.io's aliases made docker.io.
 */
static void lfs_auth_key_host(const char *key, char *out, size_t len)
{
	const char *p = strstr(key, "://");
	size_t n;

	p = p ? p + 3 : key;
	n = strcspn(p, "/");
	snprintf(out, len, "%.*s", (int)n, p);
	if (!strcmp(out, "index.docker.io") ||
	    !strcmp(out, LFS_REG_DOCKER_API))
		snprintf(out, len, "%s", LFS_REG_DOCKER_HOST);
}

static int lfs_auth_decode(const char *b64, struct lfs_reg_cred *c,
			   struct lfs_err *e)
{
	unsigned char buf[sizeof(c->user) + sizeof(c->pass) + 1];
	size_t n;
	char *colon;

	if (lfs_base64_decode(b64, buf, sizeof(buf) - 1, &n)) {
		lfs_err_set(e, 0, "an auth entry is not base64 of user:password");
		return -EINVAL;
	}
	buf[n] = '\0';
	colon = strchr((char *)buf, ':');
	if (!colon || strlen((char *)buf) != n ||
	    (size_t)(colon - (char *)buf) >= sizeof(c->user) ||
	    strlen(colon + 1) >= sizeof(c->pass)) {
		lfs_err_set(e, 0, "an auth entry is not base64 of user:password");
		return -EINVAL;
	}
	*colon = '\0';
	snprintf(c->user, sizeof(c->user), "%s", (char *)buf);
	snprintf(c->pass, sizeof(c->pass), "%s", colon + 1);
	return 0;
}

int lfs_reg_auth_lookup(const char *json, const char *host,
			struct lfs_reg_cred *c, struct lfs_err *e)
{
	struct json_object *o = lfs_jparse_obj(json), *auths;
	char want[LFS_REG_HOST_MAX], have[LFS_REG_HOST_MAX];
	const char *b64 = NULL;
	int rc = -ENOENT;

	memset(c, 0, sizeof(*c));
	if (!o) {
		lfs_err_set(e, 0, "not a JSON object");
		return -EINVAL;
	}
	lfs_auth_key_host(host, want, sizeof(want));
	if (json_object_object_get_ex(o, "auths", &auths) &&
	    json_object_is_type(auths, json_type_object)) {
		json_object_object_foreach(auths, key, val) {
			lfs_auth_key_host(key, have, sizeof(have));
			if (strcasecmp(have, want))
				continue;
			b64 = lfs_jstr_of(val, "auth");
			/* an exact key wins over an alias */
			if (!strcmp(key, host))
				break;
		}
	}
	if (b64 && *b64)
		rc = lfs_auth_decode(b64, c, e);
	else
		lfs_err_set(e, 0, "no entry");
	json_object_put(o);
	return rc;
}

/* A helper name: docker-credential-NAME, NAME of [A-Za-z0-9._-]. */
static int lfs_helper_name_ok(const char *n)
{
	return *n && strlen(n) < 64 && n[0] != '.' &&
	       strspn(n, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			 "0123456789._-") == strlen(n);
}

int lfs_reg_auth_helper(const char *json, const char *host, char *name,
			size_t len, struct lfs_err *e)
{
	struct json_object *o = lfs_jparse_obj(json), *helpers;
	char want[LFS_REG_HOST_MAX], have[LFS_REG_HOST_MAX];
	const char *n = NULL;
	int rc = 0;

	if (!o)
		return lfs_err_set(e, -EINVAL, "not a JSON object");
	lfs_auth_key_host(host, want, sizeof(want));
	if (json_object_object_get_ex(o, "credHelpers", &helpers) &&
	    json_object_is_type(helpers, json_type_object)) {
		json_object_object_foreach(helpers, key, val) {
			lfs_auth_key_host(key, have, sizeof(have));
			if (!strcasecmp(have, want) &&
			    json_object_is_type(val, json_type_string))
				n = json_object_get_string(val);
		}
	}
	if (!n) {
		if (json_object_object_get_ex(o, "credsStore", &helpers) &&
		    json_object_is_type(helpers, json_type_string))
			n = json_object_get_string(helpers);
	}
	if (!n || !*n)
		rc = lfs_err_set(e, -ENOENT, "no credential helper");
	else if (!lfs_helper_name_ok(n) || strlen(n) >= len)
		rc = lfs_err_named(e, -EINVAL, "not a plain name",
				   "credential helper name '%s'", n);
	else
		snprintf(name, len, "%s", n);
	json_object_put(o);
	return rc;
}

char *lfs_reg_helper_store_json(const char *host, const struct lfs_reg_cred *c)
{
	struct json_object *o = json_object_new_object();
	char *text = NULL;

	if (!o)
		return NULL;
	json_object_object_add(o, "ServerURL",
			       json_object_new_string(lfs_reg_helper_server(host)));
	json_object_object_add(o, "Username", json_object_new_string(c->user));
	json_object_object_add(o, "Secret", json_object_new_string(c->pass));
	text = strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
						     JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
	return text;
}

const char *lfs_reg_helper_server(const char *host)
{
	return strcmp(host, LFS_REG_DOCKER_HOST) ? host :
	       "https://index.docker.io/v1/";
}

int lfs_reg_helper_parse(const char *json, struct lfs_reg_cred *c,
			 struct lfs_err *e)
{
	struct json_object *o = lfs_jparse_obj(json);
	const char *u, *s;
	int rc = 0;

	memset(c, 0, sizeof(*c));
	if (!o)
		return lfs_err_set(e, -EINVAL, "its answer is not a JSON object");
	u = lfs_jstr_of(o, "Username");
	s = lfs_jstr_of(o, "Secret");
	if (!u || !s)
		rc = lfs_err_set(e, -EINVAL, "its answer lacks Username or Secret");
	else if (!strcmp(u, "<token>"))
		rc = lfs_err_set(e, -ENOTSUP, "it gives an identity token, which layerctl does not use");
	else if (strlen(u) >= sizeof(c->user) || strlen(s) >= sizeof(c->pass) ||
		 strchr(u, ':'))
		rc = lfs_err_set(e, -EINVAL, "its user name or secret is too long or has a ':'");
	else {
		snprintf(c->user, sizeof(c->user), "%s", u);
		snprintf(c->pass, sizeof(c->pass), "%s", s);
	}
	json_object_put(o);
	return rc;
}

char *lfs_reg_auth_store(const char *json, const char *host,
			 const struct lfs_reg_cred *c, struct lfs_err *e)
{
	struct json_object *o, *auths, *entry;
	char plain[sizeof(c->user) + sizeof(c->pass) + 1];
	char b64[(sizeof(plain) + 2) / 3 * 4 + 1];
	char *out = NULL;

	if (json && *json) {
		o = lfs_jparse_obj(json);
		if (!o) {
			lfs_err_set(e, 0, "not a JSON object");
			return NULL;
		}
	} else {
		o = json_object_new_object();
	}
	if (!o) {
		lfs_err_set(e, -ENOMEM, "cannot add the credentials to it");
		return NULL;
	}
	if (!json_object_object_get_ex(o, "auths", &auths) ||
	    !json_object_is_type(auths, json_type_object)) {
		auths = json_object_new_object();
		if (!auths || json_object_object_add(o, "auths", auths))
			goto out;
	}
	snprintf(plain, sizeof(plain), "%s:%s", c->user, c->pass);
	if (lfs_base64_encode(plain, strlen(plain), b64, sizeof(b64)))
		goto out;
	entry = json_object_new_object();
	if (!entry || json_object_object_add(entry, "auth",
					     json_object_new_string(b64)) ||
	    json_object_object_add(auths, host, entry))
		goto out;
	out = strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
						    JSON_C_TO_STRING_NOSLASHESCAPE));
out:
	if (!out)
		lfs_err_set(e, -ENOMEM, "cannot add the credentials to it");
	explicit_bzero(plain, sizeof(plain));
	explicit_bzero(b64, sizeof(b64));
	json_object_put(o);
	return out;
}

char *lfs_reg_auth_remove(const char *json, const char *host, int *removed,
			  struct lfs_err *e)
{
	char want[LFS_REG_HOST_MAX], have[LFS_REG_HOST_MAX];
	struct json_object *o = lfs_jparse_obj(json), *auths;
	struct lfs_strv gone = LFS_STRV_INIT;
	char *out = NULL;
	size_t i;

	*removed = 0;
	if (!o) {
		lfs_err_set(e, -EINVAL, "not a JSON object");
		return NULL;
	}
	lfs_auth_key_host(host, want, sizeof(want));
	if (json_object_object_get_ex(o, "auths", &auths) &&
	    json_object_is_type(auths, json_type_object)) {
		/* not deleted inside the walk: that frees the walk's entry */
		json_object_object_foreach(auths, key, val) {
			(void)val;
			lfs_auth_key_host(key, have, sizeof(have));
			if (!strcasecmp(have, want) && lfs_strv_push(&gone, key))
				goto out;
		}
		for (i = 0; i < gone.n; i++)
			json_object_object_del(auths, gone.v[i]);
	}
	*removed = (int)gone.n;
	out = strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
						    JSON_C_TO_STRING_NOSLASHESCAPE));
out:
	if (!out)
		lfs_err_set(e, -ENOMEM, "cannot remove the credentials from it");
	lfs_strv_free(&gone);
	json_object_put(o);
	return out;
}

int lfs_reg_basic_header(const struct lfs_reg_cred *c, char *out, size_t len)
{
	char plain[sizeof(c->user) + sizeof(c->pass) + 1];
	char b64[(sizeof(plain) + 2) / 3 * 4 + 1];
	int rc;

	snprintf(plain, sizeof(plain), "%s:%s", c->user, c->pass);
	rc = lfs_base64_encode(plain, strlen(plain), b64, sizeof(b64));
	if (!rc && (size_t)snprintf(out, len, "Authorization: Basic %s", b64) >= len)
		rc = -ENAMETOOLONG;
	explicit_bzero(plain, sizeof(plain));
	explicit_bzero(b64, sizeof(b64));
	return rc;
}

static int lfs_mt_is_index(const char *mt)
{
	return mt && (!strcmp(mt, LFS_MT_INDEX) || !strcmp(mt, LFS_MT_DOCKER_LIST));
}

static int lfs_mt_is_manifest(const char *mt)
{
	return mt && (!strcmp(mt, LFS_MT_MANIFEST) ||
		      !strcmp(mt, LFS_MT_DOCKER_MANIFEST));
}

int lfs_reg_pick(const char *content_type, const char *body,
		 struct lfs_oci_want *w, struct lfs_oci_desc *next,
		 struct lfs_err *e)
{
	struct json_object *o = lfs_jparse_obj(body), *v;
	char ct[128] = "", *rn = NULL;
	const char *mt;
	int index, rc;

	w->have[0] = '\0';
	if (!o) {
		lfs_err_set(e, 0, "the manifest is not a JSON object");
		return -EINVAL;
	}
	if (content_type)
		snprintf(ct, sizeof(ct), "%.*s",
			 (int)strcspn(content_type, "; \t"), content_type);
	mt = lfs_jstr_of(o, "mediaType");
	if (!mt || !*mt)
		mt = ct;
	if (lfs_mt_is_index(mt))
		index = 1;
	else if (lfs_mt_is_manifest(mt))
		index = 0;
	else if (!*mt)	/* neither says: an index has "manifests" */
		index = json_object_object_get_ex(o, "manifests", &v);
	else
		index = -1;
	if (!index)	/* the manifest's own media type */
		snprintf(next->media_type, sizeof(next->media_type), "%s",
			 *mt ? mt : LFS_MT_MANIFEST);
	if (index < 0)	/* before o goes: mt may be its */
		lfs_err_set(e, 0, "unsupported manifest media type '%s': not an OCI or Docker v2 manifest or index",
			    mt);
	json_object_put(o);
	if (index < 0)
		return -EINVAL;
	if (!index)
		return 0;
	rc = lfs_oci_parse_index(body, w, next, &rn, e);
	free(rn);
	if (rc)
		return rc;
	if (!lfs_mt_is_manifest(next->media_type)) {
		lfs_err_set(e, 0, "the index entry for the platform is not an image manifest");
		return -EINVAL;
	}
	return 1;
}
