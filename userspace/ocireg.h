/* SPDX-License-Identifier: GPL-2.0 */
/*
 * OCI registries (the distribution API that push and pull speak), the
 * pure part: no I/O.  Image references as docker writes them, the
 * endpoint URLs, the WWW-Authenticate challenge, token and error bodies,
 * the docker/podman auth file, and the choice between a manifest and an
 * index.  ocireg_client.c speaks the protocol over ocireg_http.h's
 * transport; tests/unit/check_ocireg.c tests both (with a fake transport).
 *
 * Functions return 0 or a negative errno; where they take @e it then says
 * why, one text for the caller's subject to lead ("pull: source 'x':
 * empty reference").
 */
#ifndef LAYERCTL_OCIREG_H
#define LAYERCTL_OCIREG_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "oci.h"
#include "platform.h"

#define LFS_REG_HOST_MAX	256	/* host[:port] + NUL */
#define LFS_REG_REPO_MAX	256
#define LFS_REG_TAG_MAX		129
#define LFS_REG_URL_MAX		4096
/* a challenge's scope list, and one scope of it */
#define LFS_REG_SCOPE_MAX	512
#define LFS_REG_DOCKER_HOST	"docker.io"
#define LFS_REG_DOCKER_API	"registry-1.docker.io"
#define LFS_REG_DEFAULT_TAG	"latest"

/* A parsed reference: host[:port]/repo[:tag][@sha256:HEX]. */
struct lfs_reg_ref {
	char host[LFS_REG_HOST_MAX];	/* "docker.io" for a bare name */
	char repo[LFS_REG_REPO_MAX];	/* "library/busybox", "app/web" */
	char tag[LFS_REG_TAG_MAX];	/* "latest" when neither is given */
	char digest[LFS_DIGEST_LEN];	/* "" unless @sha256:... is given */
};

/*
 * Parses @s as docker does: the first component is the host when it has
 * a '.' or a ':' or is "localhost", else the host is docker.io; on
 * docker.io a one-component repository is under "library/"; without tag
 * and digest the tag is "latest".  The repository's components follow
 * the layer name rule (lower case), the tag [A-Za-z0-9_][A-Za-z0-9_.-]*
 * (at most 128), the host [A-Za-z0-9.-] or a [bracketed IPv6 address],
 * with an optional port.
 */
int lfs_reg_ref_parse(const char *s, struct lfs_reg_ref *r, struct lfs_err *e);

/* The manifest reference to fetch: the digest if given, else the tag. */
const char *lfs_reg_ref_target(const struct lfs_reg_ref *r);

/* "host/repo:tag" (and "@digest" if given) into @out. */
void lfs_reg_ref_format(const struct lfs_reg_ref *r, char *out, size_t len);

/*
 * The layer name pull gives the image when no REF is given: "repo:tag"
 * ("library/" dropped on docker.io).  -EINVAL when there is no tag (a
 * digest only) or the result is not a valid layer name.
 */
int lfs_reg_local_name(const struct lfs_reg_ref *r, char *out, size_t len);

/* The host the API is served from: registry-1.docker.io for docker.io. */
const char *lfs_reg_api_host(const char *host);

/*
 * 1 if @host (host[:port]) is in @list: names separated by ',' or
 * spaces, compared without case (docker.io aliases included).
 */
int lfs_reg_host_listed(const char *list, const char *host);

/* The endpoint URLs (-ENAMETOOLONG if @len is too short). */
int lfs_reg_url_base(const char *host, int insecure, char *out, size_t len);
int lfs_reg_url_manifest(const char *base, const char *repo, const char *ref,
			 char *out, size_t len);
int lfs_reg_url_blob(const char *base, const char *repo, const char *digest,
		     char *out, size_t len);
int lfs_reg_url_uploads(const char *base, const char *repo, char *out,
			size_t len);

/*
 * The URL that completes a monolithic upload: the upload's @location (an
 * absolute URL, or a path resolved against @base) with "digest=DIGEST"
 * added to its query.  -EINVAL if @location is empty or an absolute URL
 * of another scheme than @base's (a plain-HTTP location from an HTTPS
 * registry is refused); another host is allowed, as registries behind
 * proxies hand those out (it gets no credentials: see
 * lfs_reg_url_same_origin()).  -ENAMETOOLONG.
 */
int lfs_reg_url_upload_done(const char *base, const char *location,
			    const char *digest, char *out, size_t len);

/*
 * An upload's @location (absolute, or a path resolved against @base), as
 * a URL; the same checks as lfs_reg_url_upload_done().
 */
int lfs_reg_url_resolve(const char *base, const char *location, char *out,
			size_t len);

/*
 * The length of "scheme://host[:port]" at the start of @url, or 0 if
 * @url does not start so.
 */
size_t lfs_reg_url_origin_len(const char *url);

/*
 * 1 if absolute URL @url is on the origin of @base (as lfs_reg_url_base()
 * writes it): the same scheme, host and port, case aside, a missing port
 * being the scheme's (https 443, http 80).  0 otherwise, also for a host
 * with a user part ("reg.io@other.io") or a URL that is not absolute: the
 * registry's credentials go only where this says 1.
 */
int lfs_reg_url_same_origin(const char *base, const char *url);

/* POST .../blobs/uploads/?mount=DIGEST&from=REPO: a cross-repository mount. */
int lfs_reg_url_mount(const char *base, const char *repo, const char *digest,
		      const char *from, char *out, size_t len);

/*
 * The offset an upload continues at, from its status's Range header
 * "0-LAST" (or "bytes=0-LAST"): LAST + 1; "0-0" is taken as an empty
 * upload (distribution's answer for one).  -EINVAL otherwise.
 */
int lfs_reg_range_next(const char *range, uint64_t *next);

/*
 * A 206 answer's Content-Range, "bytes FIRST-LAST/TOTAL" (TOTAL may be
 * "*": *@total is then UINT64_MAX), LAST >= FIRST and LAST < TOTAL.
 * -EINVAL otherwise (another unit, several ranges, "*" for the range).
 */
int lfs_reg_content_range(const char *value, uint64_t *first, uint64_t *last,
			  uint64_t *total);

/* The smallest --chunk-size (the registries' own minimum is larger). */
#define LFS_REG_CHUNK_MIN	4096

/* "N", "NK", "NM", "NG" (also "NKiB", "NMB"...: 1024s) into @out. */
int lfs_reg_parse_size(const char *s, uint64_t *out);

/* Percent-encodes @in for a query value (unreserved characters kept). */
int lfs_reg_url_escape(const char *in, char *out, size_t len);

/* A WWW-Authenticate challenge. */
enum lfs_reg_scheme {
	LFS_REG_AUTH_NONE,
	LFS_REG_AUTH_BASIC,
	LFS_REG_AUTH_BEARER,
};

struct lfs_reg_challenge {
	enum lfs_reg_scheme scheme;
	char realm[1024];
	char service[256];
	char scope[LFS_REG_SCOPE_MAX];
	char error[64];		/* error="insufficient_scope", ... */
};

/*
 * Parses a WWW-Authenticate value: "Basic realm=..." or "Bearer
 * realm=...,service=...,scope=..." (quoted strings with backslash
 * escapes, or tokens; parameter names without case).  Of several
 * challenges, Bearer wins over Basic; unknown schemes are skipped.
 * -EINVAL when none is known or Bearer lacks a realm.
 */
int lfs_reg_challenge_parse(const char *hdr, struct lfs_reg_challenge *c,
			    struct lfs_err *e);

/*
 * The token request URL: REALM?service=SERVICE&scope=SCOPE (each only if
 * set; @scope overrides the challenge's when the challenge has none).
 * -EINVAL unless the realm is an http(s) URL.
 */
int lfs_reg_url_token(const struct lfs_reg_challenge *c, const char *scope,
		      char *out, size_t len);

/* The token of a token response: "token", else "access_token". */
int lfs_reg_token_parse(const char *json, char *out, size_t len,
			struct lfs_err *e);

/*
 * The text of a registry error body {"errors":[{"code","message"}]}:
 * "CODE: message; CODE2: ..." into @out; "" if the body is not one.
 */
void lfs_reg_error_text(const char *json, char *out, size_t len);

/* RFC 4648 base64 with padding.  -ENAMETOOLONG / -EINVAL. */
int lfs_base64_encode(const void *in, size_t n, char *out, size_t len);
int lfs_base64_decode(const char *in, unsigned char *out, size_t len,
		      size_t *n);

/* Credentials for one registry. */
struct lfs_reg_cred {
	char user[256];
	char pass[1024];
};

/*
 * Looks @host up in a docker config.json or containers auth.json text:
 * auths.KEY.auth = base64("user:password"), KEY being host[:port] or a
 * URL of it ("https://index.docker.io/v1/" for docker.io).  0, -ENOENT
 * (no entry: anonymous), -EINVAL (a malformed file or entry).
 */
int lfs_reg_auth_lookup(const char *json, const char *host,
			struct lfs_reg_cred *c, struct lfs_err *e);

/*
 * The auth file @json (NULL or "": a new one) with auths.HOST.auth set to
 * @c, everything else kept.  malloc()ed text, or NULL with why in @e.
 */
char *lfs_reg_auth_store(const char *json, const char *host,
			 const struct lfs_reg_cred *c, struct lfs_err *e);

/*
 * The auth file @json without any auths entry for @host (keys compared
 * as for lookups: scheme and path dropped, docker.io's aliases as
 * docker.io), everything else kept; how many went in *@removed.
 * malloc()ed text, or NULL with why in @e (-EINVAL: not a JSON object).
 */
char *lfs_reg_auth_remove(const char *json, const char *host, int *removed,
			  struct lfs_err *e);

/*
 * The credential helper for @host in a docker config.json: credHelpers
 * HOST (keys as for auths), else credsStore; its NAME (docker-credential-
 * NAME) into @name.  0, -ENOENT (none), -EINVAL (not a plain name).
 */
int lfs_reg_auth_helper(const char *json, const char *host, char *name,
			size_t len, struct lfs_err *e);

/* What a helper is asked for @host ("https://index.docker.io/v1/"...). */
const char *lfs_reg_helper_server(const char *host);

/*
 * A helper's answer to 'get': {"ServerURL","Username","Secret"}.
 * -ENOTSUP for an identity token (Username "<token>"), -EINVAL.
 */
int lfs_reg_helper_parse(const char *json, struct lfs_reg_cred *c,
			 struct lfs_err *e);

/*
 * What a helper's 'store' is given for @host: {"ServerURL","Username",
 * "Secret"}.  malloc()ed, or NULL.
 */
char *lfs_reg_helper_store_json(const char *host, const struct lfs_reg_cred *c);

/* The "Authorization: Basic ..." header line for @c. */
int lfs_reg_basic_header(const struct lfs_reg_cred *c, char *out, size_t len);

/* Media types a registry answers a manifest request with. */
#define LFS_REG_ACCEPT							\
	"Accept: " LFS_MT_MANIFEST ", " LFS_MT_INDEX ", "		\
	LFS_MT_DOCKER_MANIFEST ", " LFS_MT_DOCKER_LIST

/*
 * Whether the manifest document @body (served as @content_type, may be
 * NULL) is an image manifest (0, and next->media_type is its media type)
 * or an index / manifest list (1, and *@next is the manifest for @w as
 * lfs_oci_parse_index() picks it).
 * -EINVAL / -ENOENT with why in @e (w->have lists the index's platforms when
 * none matched).  The mediaType inside wins over the content type.
 */
int lfs_reg_pick(const char *content_type, const char *body,
		 struct lfs_oci_want *w, struct lfs_oci_desc *next,
		 struct lfs_err *e);


#endif /* LAYERCTL_OCIREG_H */
