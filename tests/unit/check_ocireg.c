// SPDX-License-Identifier: GPL-2.0
/*
 * The OCI registry client: references, URLs, challenges, auth files,
 * manifest-or-index (ocireg_ref.c, ocireg_auth.c, pure), and the
 * protocol (ocireg_client.c) over fake_http.c's scripted transport:
 * the token flow, Basic credentials, uploads, and downloads verified
 * while they stream and resumed with ranges.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>
#include <linux/layerfs.h>
#include <zlib.h>

#include "blobkeep.h"
#include "cmd.h"
#include "fsdir.h"
#include "layerdg.h"
#include "fake_alloc.h"
#include "fake_http.h"
#include "fake_nl.h"
#include "oci.h"
#include "ocireg.h"
#include "ocireg_client.h"
#include "ocitar.h"
#include "pullpart.h"
#include "regcmd.h"
#include "run_cmd.h"
#include "store.h"
#include "storemeta.h"
#include "suites.h"
#include "tar_fixture.h"

static const char *const D64 =
	"sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

static void check_ref(const char *in, const char *host, const char *repo,
		      const char *tag, const char *digest)
{
	struct lfs_reg_ref r;
	struct lfs_err why = LFS_ERR_INIT;

	ck_assert_msg(!lfs_reg_ref_parse(in, &r, &why), "%s: %s", in, why.msg);
	ck_assert_str_eq(r.host, host);
	ck_assert_str_eq(r.repo, repo);
	ck_assert_str_eq(r.tag, tag);
	ck_assert_str_eq(r.digest, digest);
}

START_TEST(test_ref_parse)
{
	char d[160];
	struct lfs_reg_ref r;
	struct lfs_err why = LFS_ERR_INIT;

	check_ref("busybox", "docker.io", "library/busybox", "latest", "");
	check_ref("busybox:1.36", "docker.io", "library/busybox", "1.36", "");
	check_ref("gakki/tomcat:9", "docker.io", "gakki/tomcat", "9", "");
	check_ref("localhost/app", "localhost", "app", "latest", "");
	check_ref("localhost:5000/app/web:1.1", "localhost:5000", "app/web",
		  "1.1", "");
	check_ref("Registry.Example.com/a/b/c:V_2", "Registry.Example.com",
		  "a/b/c", "V_2", "");
	check_ref("[::1]:5000/x:y", "[::1]:5000", "x", "y", "");
	snprintf(d, sizeof(d), "127.0.0.1:5000/app@%s", D64);
	check_ref(d, "127.0.0.1:5000", "app", "", D64);
	snprintf(d, sizeof(d), "127.0.0.1:5000/app:t@%s", D64);
	check_ref(d, "127.0.0.1:5000", "app", "t", D64);
	/* "localhost:5000" alone: a docker.io image with a tag, as docker */
	check_ref("localhost:5000", "docker.io", "library/localhost", "5000", "");

	ck_assert_int_eq(lfs_reg_ref_parse("", &r, &why), -EINVAL);
	ck_assert_str_eq(why.msg, "empty reference");
	ck_assert_int_eq(lfs_reg_ref_parse("host.io/x:.bad", &r, &why), -EINVAL);
	/* A syntax hint is no STRERROR: after ": ", never in parentheses. */
	ck_assert_str_eq(why.msg,
			 "invalid tag: [A-Za-z0-9_][A-Za-z0-9_.-]*, at most 128 characters");
	ck_assert_int_eq(lfs_reg_ref_parse("Upper/x", &r, &why), -EINVAL);
	ck_assert_str_eq(why.msg,
			 "invalid repository: [a-z0-9] components joined by '.', '_', '__' or '-', separated by '/'");
	ck_assert_int_eq(lfs_reg_ref_parse("host.io:99999x/a", &r, &why), -EINVAL);
	ck_assert_str_eq(why.msg,
			 "invalid registry host: host[:port] or [IPv6][:port]");
	ck_assert_int_eq(lfs_reg_ref_parse("host.io/x:.bad", &r, &why), -EINVAL);
	/* A reason, not an errno: the caller's subject leads it. */
	ck_assert_int_eq(why.code, 0);
	ck_assert_int_eq(lfs_reg_ref_parse("Upper/x", &r, &why), -EINVAL);
	ck_assert_int_eq(lfs_reg_ref_parse("host.io/x:", &r, &why), -EINVAL);
	ck_assert_int_eq(lfs_reg_ref_parse("host.io/x:.bad", &r, &why), -EINVAL);
	ck_assert_int_eq(lfs_reg_ref_parse("host.io/x:a b", &r, &why), -EINVAL);
	ck_assert_int_eq(lfs_reg_ref_parse("host.io/", &r, &why), -EINVAL);
	ck_assert_int_eq(lfs_reg_ref_parse("host.io/a//b", &r, &why), -EINVAL);
	ck_assert_int_eq(lfs_reg_ref_parse("host.io/a--", &r, &why), -EINVAL);
	ck_assert_int_eq(lfs_reg_ref_parse("-host.io/a", &r, &why), -EINVAL);
	ck_assert_int_eq(lfs_reg_ref_parse("host.io:99999x/a", &r, &why), -EINVAL);
	ck_assert_int_eq(lfs_reg_ref_parse("host.io/a@sha256:12", &r, &why),
			 -EINVAL);
	ck_assert_int_eq(lfs_reg_ref_parse("host.io/a@md5:12", &r, &why),
			 -EINVAL);
}
END_TEST

START_TEST(test_ref_names)
{
	struct lfs_reg_ref r;
	struct lfs_err why = LFS_ERR_INIT;
	char out[300];

	ck_assert_int_eq(lfs_reg_ref_parse("busybox", &r, &why), 0);
	ck_assert_str_eq(lfs_reg_ref_target(&r), "latest");
	ck_assert_int_eq(lfs_reg_local_name(&r, out, sizeof(out)), 0);
	ck_assert_str_eq(out, "busybox:latest");
	lfs_reg_ref_format(&r, out, sizeof(out));
	ck_assert_str_eq(out, "docker.io/library/busybox:latest");
	ck_assert_str_eq(lfs_reg_api_host(r.host), "registry-1.docker.io");

	ck_assert_int_eq(lfs_reg_ref_parse("localhost:5000/app/web:1", &r, &why), 0);
	ck_assert_int_eq(lfs_reg_local_name(&r, out, sizeof(out)), 0);
	ck_assert_str_eq(out, "app/web:1");
	ck_assert_str_eq(lfs_reg_api_host(r.host), "localhost:5000");
	/* tags that are not layer-name tags cannot name a local image */
	snprintf(out, sizeof(out), "localhost:5000/app@%s", D64);
	ck_assert_int_eq(lfs_reg_ref_parse(out, &r, &why), 0);
	ck_assert_str_eq(lfs_reg_ref_target(&r), D64);
	ck_assert_int_eq(lfs_reg_local_name(&r, out, sizeof(out)), -EINVAL);

	ck_assert_int_eq(lfs_reg_host_listed("a.io, localhost:5000", "localhost:5000"), 1);
	ck_assert_int_eq(lfs_reg_host_listed("a.io localhost:5000", "LOCALHOST:5000"), 1);
	ck_assert_int_eq(lfs_reg_host_listed("a.io,localhost:5000", "localhost"), 0);
	ck_assert_int_eq(lfs_reg_host_listed("localhost:50001", "localhost:5000"), 0);
	ck_assert_int_eq(lfs_reg_host_listed("", "a.io"), 0);
	ck_assert_int_eq(lfs_reg_host_listed("registry-1.docker.io", "docker.io"), 1);
}
END_TEST

START_TEST(test_urls)
{
	char base[64], url[512];
	struct lfs_reg_challenge c = { .scheme = LFS_REG_AUTH_BEARER };

	ck_assert_int_eq(lfs_reg_url_base("localhost:5000", 1, base, sizeof(base)), 0);
	ck_assert_str_eq(base, "http://localhost:5000");
	ck_assert_int_eq(lfs_reg_url_base("docker.io", 0, base, sizeof(base)), 0);
	ck_assert_str_eq(base, "https://registry-1.docker.io");
	ck_assert_int_eq(lfs_reg_url_base("h.io", 0, base, 8), -ENAMETOOLONG);

	lfs_reg_url_base("h.io:443", 0, base, sizeof(base));
	lfs_reg_url_manifest(base, "a/b", "v1", url, sizeof(url));
	ck_assert_str_eq(url, "https://h.io:443/v2/a/b/manifests/v1");
	lfs_reg_url_blob(base, "a/b", D64, url, sizeof(url));
	ck_assert_str_eq(url, "https://h.io:443/v2/a/b/blobs/sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
	lfs_reg_url_uploads(base, "a/b", url, sizeof(url));
	ck_assert_str_eq(url, "https://h.io:443/v2/a/b/blobs/uploads/");

	ck_assert_int_eq(lfs_reg_url_upload_done(base, "/v2/a/b/blobs/uploads/u1?_state=s%3D",
						 D64, url, sizeof(url)), 0);
	ck_assert_str_eq(url, "https://h.io:443/v2/a/b/blobs/uploads/u1?_state=s%3D&digest=sha256%3A0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
	ck_assert_int_eq(lfs_reg_url_upload_done(base, "https://cdn.io/up/u2",
						 D64, url, sizeof(url)), 0);
	ck_assert_str_eq(url, "https://cdn.io/up/u2?digest=sha256%3A0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
	/* no downgrade to plain HTTP, no relative nonsense, no empty one */
	ck_assert_int_eq(lfs_reg_url_upload_done(base, "http://h.io:443/v2/u",
						 D64, url, sizeof(url)), -EINVAL);
	ck_assert_int_eq(lfs_reg_url_upload_done(base, "u3", D64, url, sizeof(url)),
			 -EINVAL);
	ck_assert_int_eq(lfs_reg_url_upload_done(base, "", D64, url, sizeof(url)),
			 -EINVAL);
	ck_assert_int_eq(lfs_reg_url_upload_done(base, "/v2/u", D64, url, 40),
			 -ENAMETOOLONG);

	/* where the registry's credentials may go */
	ck_assert_int_eq(lfs_reg_url_same_origin(base, "https://h.io:443/v2/x"), 1);
	ck_assert_int_eq(lfs_reg_url_same_origin(base, "HTTPS://H.IO/v2/x"), 1);
	ck_assert_int_eq(lfs_reg_url_same_origin(base, "https://h.io?q"), 1);
	ck_assert_int_eq(lfs_reg_url_same_origin(base, "https://h.io:4443/v2/x"), 0);
	ck_assert_int_eq(lfs_reg_url_same_origin(base, "http://h.io:443/v2/x"), 0);
	ck_assert_int_eq(lfs_reg_url_same_origin(base, "https://h.io.evil.io/v2/x"), 0);
	ck_assert_int_eq(lfs_reg_url_same_origin(base, "https://h.io@evil.io/v2/x"), 0);
	ck_assert_int_eq(lfs_reg_url_same_origin(base, "https://evil.io#@h.io/"), 0);
	ck_assert_int_eq(lfs_reg_url_same_origin(base, "https://h.io:0443/"), 1);
	ck_assert_int_eq(lfs_reg_url_same_origin(base, "https://h.io:/"), 0);
	ck_assert_int_eq(lfs_reg_url_same_origin(base, "https://h.io:4x3/"), 0);
	ck_assert_int_eq(lfs_reg_url_same_origin(base, "/v2/x"), 0);
	ck_assert_int_eq(lfs_reg_url_same_origin(base, "ftp://h.io/"), 0);
	ck_assert_int_eq(lfs_reg_url_same_origin("http://[::1]:5000",
						 "http://[::1]:5000/v2/"), 1);
	ck_assert_int_eq(lfs_reg_url_same_origin("http://[::1]:5000",
						 "http://[::1]/v2/"), 0);
	ck_assert_int_eq(lfs_reg_url_same_origin("http://localhost",
						 "http://localhost:80/v2/"), 1);

	strcpy(c.realm, "https://auth.io/token");
	strcpy(c.service, "reg io");
	ck_assert_int_eq(lfs_reg_url_token(&c, "repository:a/b:pull,push", url,
					   sizeof(url)), 0);
	ck_assert_str_eq(url, "https://auth.io/token?service=reg%20io&scope=repository%3Aa%2Fb%3Apull%2Cpush");
	strcpy(c.scope, "repository:x:pull");	/* the challenge's scope wins */
	ck_assert_int_eq(lfs_reg_url_token(&c, "repository:a:pull", url,
					   sizeof(url)), 0);
	ck_assert_str_eq(url, "https://auth.io/token?service=reg%20io&scope=repository%3Ax%3Apull");
	/* several scopes (a cross-repository mount): one parameter each */
	strcpy(c.scope, "repository:a:pull,push repository:b/c:pull");
	ck_assert_int_eq(lfs_reg_url_token(&c, NULL, url, sizeof(url)), 0);
	ck_assert_str_eq(url, "https://auth.io/token?service=reg%20io&scope=repository%3Aa%3Apull%2Cpush&scope=repository%3Ab%2Fc%3Apull");
	strcpy(c.scope, " repository:a:pull  ");
	ck_assert_int_eq(lfs_reg_url_token(&c, NULL, url, sizeof(url)), 0);
	ck_assert_str_eq(url, "https://auth.io/token?service=reg%20io&scope=repository%3Aa%3Apull");
	c.scope[0] = c.service[0] = '\0';
	strcpy(c.realm, "https://auth.io/t?a=1");
	ck_assert_int_eq(lfs_reg_url_token(&c, "s", url, sizeof(url)), 0);
	ck_assert_str_eq(url, "https://auth.io/t?a=1&scope=s");
	ck_assert_int_eq(lfs_reg_url_token(&c, NULL, url, sizeof(url)), 0);
	ck_assert_str_eq(url, "https://auth.io/t?a=1");
	strcpy(c.realm, "file:///etc/passwd");
	ck_assert_int_eq(lfs_reg_url_token(&c, "s", url, sizeof(url)), -EINVAL);
}
END_TEST

START_TEST(test_challenge)
{
	struct lfs_reg_challenge c;
	struct lfs_err why = LFS_ERR_INIT;

	ck_assert_int_eq(lfs_reg_challenge_parse("Basic realm=\"Registry Realm\"",
						 &c, &why), 0);
	ck_assert_int_eq(c.scheme, LFS_REG_AUTH_BASIC);
	ck_assert_str_eq(c.realm, "Registry Realm");

	ck_assert_int_eq(lfs_reg_challenge_parse(
		"Bearer realm=\"https://auth.docker.io/token\",service=\"registry.docker.io\",scope=\"repository:samalba/my-app:pull,push\"",
		&c, &why), 0);
	ck_assert_int_eq(c.scheme, LFS_REG_AUTH_BEARER);
	ck_assert_str_eq(c.realm, "https://auth.docker.io/token");
	ck_assert_str_eq(c.service, "registry.docker.io");
	ck_assert_str_eq(c.scope, "repository:samalba/my-app:pull,push");

	/* tokens, spaces, case, escapes, an error parameter */
	ck_assert_int_eq(lfs_reg_challenge_parse(
		"bearer  REALM = https://a.io/t , service=\"a \\\"q\\\" b\", error=\"insufficient_scope\"",
		&c, &why), 0);
	ck_assert_int_eq(c.scheme, LFS_REG_AUTH_BEARER);
	ck_assert_str_eq(c.realm, "https://a.io/t");
	ck_assert_str_eq(c.service, "a \"q\" b");
	ck_assert_str_eq(c.error, "insufficient_scope");

	/* several challenges: Bearer wins, unknown ones are skipped */
	ck_assert_int_eq(lfs_reg_challenge_parse(
		"Negotiate, Basic realm=\"b\", Bearer realm=\"https://x/t\",service=s",
		&c, &why), 0);
	ck_assert_int_eq(c.scheme, LFS_REG_AUTH_BEARER);
	ck_assert_str_eq(c.realm, "https://x/t");
	ck_assert_str_eq(c.service, "s");
	ck_assert_int_eq(lfs_reg_challenge_parse(
		"Digest realm=\"d\", nonce=\"n\", Basic realm=\"b\"", &c, &why), 0);
	ck_assert_int_eq(c.scheme, LFS_REG_AUTH_BASIC);
	ck_assert_str_eq(c.realm, "b");

	ck_assert_int_eq(lfs_reg_challenge_parse("Bearer service=\"s\"", &c, &why),
			 -EINVAL);
	ck_assert_int_eq(lfs_reg_challenge_parse("Negotiate", &c, &why), -EINVAL);
	ck_assert_int_eq(lfs_reg_challenge_parse("", &c, &why), -EINVAL);
	ck_assert_int_eq(lfs_reg_challenge_parse("Basic realm=\"open", &c, &why),
			 -EINVAL);
}
END_TEST

START_TEST(test_token_error_base64)
{
	char tok[64], out[256];
	unsigned char raw[64];
	struct lfs_err why = LFS_ERR_INIT;
	size_t n;

	ck_assert_int_eq(lfs_reg_token_parse("{\"token\":\"T1\",\"access_token\":\"T2\"}",
					     tok, sizeof(tok), &why), 0);
	ck_assert_str_eq(tok, "T1");
	ck_assert_int_eq(lfs_reg_token_parse("{\"access_token\":\"T2\"}", tok,
					     sizeof(tok), &why), 0);
	ck_assert_str_eq(tok, "T2");
	ck_assert_int_eq(lfs_reg_token_parse("{\"x\":1}", tok, sizeof(tok), &why),
			 -EINVAL);
	ck_assert_int_eq(lfs_reg_token_parse("[]", tok, sizeof(tok), &why), -EINVAL);
	ck_assert_int_eq(lfs_reg_token_parse("{\"token\":\"a\\nb\"}", tok,
					     sizeof(tok), &why), -EINVAL);
	ck_assert_int_eq(lfs_reg_token_parse("{\"token\":\"0123456789\"}", tok, 5,
					     &why), -EINVAL);

	lfs_reg_error_text("{\"errors\":[{\"code\":\"NAME_UNKNOWN\",\"message\":\"repository name not known to registry\",\"detail\":{}},{\"code\":\"X\"}]}",
			   out, sizeof(out));
	ck_assert_str_eq(out, "NAME_UNKNOWN: repository name not known to registry; X");
	lfs_reg_error_text("<html>", out, sizeof(out));
	ck_assert_str_eq(out, "");
	lfs_reg_error_text(NULL, out, sizeof(out));
	ck_assert_str_eq(out, "");

	ck_assert_int_eq(lfs_base64_encode("alice:secret", 12, out, sizeof(out)), 0);
	ck_assert_str_eq(out, "YWxpY2U6c2VjcmV0");
	ck_assert_int_eq(lfs_base64_encode("ab", 2, out, sizeof(out)), 0);
	ck_assert_str_eq(out, "YWI=");
	ck_assert_int_eq(lfs_base64_encode("a", 1, out, sizeof(out)), 0);
	ck_assert_str_eq(out, "YQ==");
	ck_assert_int_eq(lfs_base64_encode("abc", 3, out, 4), -ENAMETOOLONG);
	ck_assert_int_eq(lfs_base64_decode("YWI=", raw, sizeof(raw), &n), 0);
	ck_assert_uint_eq(n, 2);
	ck_assert_int_eq(memcmp(raw, "ab", 2), 0);
	ck_assert_int_eq(lfs_base64_decode("YQ==", raw, sizeof(raw), &n), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(lfs_base64_decode("YWxpY2U6c2VjcmV0", raw, sizeof(raw), &n), 0);
	ck_assert_uint_eq(n, 12);
	ck_assert_int_eq(memcmp(raw, "alice:secret", 12), 0);
	ck_assert_int_eq(lfs_base64_decode("YW=I", raw, sizeof(raw), &n), -EINVAL);
	ck_assert_int_eq(lfs_base64_decode("YWI", raw, sizeof(raw), &n), -EINVAL);
	ck_assert_int_eq(lfs_base64_decode("Y!I=", raw, sizeof(raw), &n), -EINVAL);
	ck_assert_int_eq(lfs_base64_decode("YWxp", raw, 2, &n), -ENAMETOOLONG);
}
END_TEST

START_TEST(test_auth_file)
{
	static const char docker[] =
		"{\"auths\":{\"https://index.docker.io/v1/\":{\"auth\":\"dTE6cDE=\"},"
		"\"localhost:5000\":{\"auth\":\"YWxpY2U6czpl\"},"
		"\"bad.io\":{\"auth\":\"bm9jb2xvbg==\"},"
		"\"https://reg.io:8443/v2/\":{\"auth\":\"dTI6cDI=\"}},"
		"\"credHelpers\":{\"x.io\":\"pass\"}}";
	struct lfs_reg_cred c;
	struct lfs_err why = LFS_ERR_INIT;
	char *text;

	ck_assert_int_eq(lfs_reg_auth_lookup(docker, "docker.io", &c, &why), 0);
	ck_assert_str_eq(c.user, "u1");
	ck_assert_str_eq(c.pass, "p1");
	ck_assert_int_eq(lfs_reg_auth_lookup(docker, "localhost:5000", &c, &why), 0);
	ck_assert_str_eq(c.user, "alice");
	ck_assert_str_eq(c.pass, "s:e");	/* a ':' in the password */
	ck_assert_int_eq(lfs_reg_auth_lookup(docker, "reg.io:8443", &c, &why), 0);
	ck_assert_str_eq(c.user, "u2");
	ck_assert_int_eq(lfs_reg_auth_lookup(docker, "reg.io", &c, &why), -ENOENT);
	ck_assert_int_eq(lfs_reg_auth_lookup(docker, "localhost", &c, &why), -ENOENT);
	ck_assert_int_eq(lfs_reg_auth_lookup(docker, "bad.io", &c, &why), -EINVAL);
	ck_assert_int_eq(lfs_reg_auth_lookup("{}", "a.io", &c, &why), -ENOENT);
	ck_assert_int_eq(lfs_reg_auth_lookup("nope", "a.io", &c, &why), -EINVAL);
	ck_assert_str_eq(why.msg, "not a JSON object");

	/* store: the entry set, everything else kept */
	strcpy(c.user, "bob");
	strcpy(c.pass, "pw");
	text = lfs_reg_auth_store(docker, "localhost:5000", &c, &why);
	ck_assert_ptr_nonnull(text);
	ck_assert_ptr_nonnull(strstr(text, "credHelpers"));
	memset(&c, 0, sizeof(c));
	ck_assert_int_eq(lfs_reg_auth_lookup(text, "localhost:5000", &c, &why), 0);
	ck_assert_str_eq(c.user, "bob");
	ck_assert_str_eq(c.pass, "pw");
	ck_assert_int_eq(lfs_reg_auth_lookup(text, "docker.io", &c, &why), 0);
	ck_assert_str_eq(c.user, "u1");
	free(text);
	text = lfs_reg_auth_store(NULL, "h.io", &c, &why);
	ck_assert_ptr_nonnull(text);
	ck_assert_int_eq(lfs_reg_auth_lookup(text, "h.io", &c, &why), 0);
	ck_assert_str_eq(c.user, "u1");
	free(text);
	ck_assert_ptr_null(lfs_reg_auth_store("[1]", "h.io", &c, &why));
}
END_TEST

START_TEST(test_pick)
{
	static const char index[] =
		"{\"schemaVersion\":2,\"manifests\":["
		"{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"sha256:1111111111111111111111111111111111111111111111111111111111111111\",\"size\":10,\"platform\":{\"os\":\"linux\",\"architecture\":\"arm64\",\"variant\":\"v8\"}},"
		"{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"sha256:2222222222222222222222222222222222222222222222222222222222222222\",\"size\":20,\"platform\":{\"os\":\"linux\",\"architecture\":\"amd64\"}}]}";
	static const char manifest[] =
		"{\"schemaVersion\":2,\"mediaType\":\"application/vnd.docker.distribution.manifest.v2+json\",\"config\":{}}";
	struct lfs_platform amd64, s390x;
	struct lfs_oci_want w = { .plat = &amd64 };
	struct lfs_oci_desc d;
	struct lfs_err why = LFS_ERR_INIT;

	lfs_platform_parse("linux/amd64", &amd64);
	lfs_platform_parse("linux/s390x", &s390x);
	ck_assert_int_eq(lfs_reg_pick(LFS_MT_INDEX, index, &w, &d, &why), 1);
	ck_assert_str_eq(d.digest, "sha256:2222222222222222222222222222222222222222222222222222222222222222");
	ck_assert_uint_eq(d.size, 20);
	/* no mediaType inside: the content type tells, or "manifests" does */
	ck_assert_int_eq(lfs_reg_pick(NULL, index, &w, &d, &why), 1);
	w.plat = &s390x;
	ck_assert_int_eq(lfs_reg_pick(LFS_MT_DOCKER_LIST "; charset=utf-8", index,
				      &w, &d, &why), -ENOENT);
	ck_assert_str_eq(w.have, "linux/arm64/v8, linux/amd64");

	ck_assert_int_eq(lfs_reg_pick(LFS_MT_INDEX, manifest, &w, &d, &why), 0);
	ck_assert_str_eq(d.media_type, LFS_MT_DOCKER_MANIFEST);
	ck_assert_int_eq(lfs_reg_pick(LFS_MT_MANIFEST, "{\"schemaVersion\":2}", &w,
				      &d, &why), 0);
	ck_assert_str_eq(d.media_type, LFS_MT_MANIFEST);
	ck_assert_int_eq(lfs_reg_pick("text/html", "{}", &w, &d, &why), -EINVAL);
	/* the type quoted, why after ': ' (err.h) */
	ck_assert_str_eq(why.msg, "unsupported manifest media type 'text/html': not an OCI or Docker v2 manifest or index");
	ck_assert_int_eq(lfs_reg_pick(NULL, "{\"mediaType\":\"x/y\"}", &w, &d, &why),
			 -EINVAL);
	ck_assert_str_eq(why.msg, "unsupported manifest media type 'x/y': not an OCI or Docker v2 manifest or index");
	ck_assert_int_eq(lfs_reg_pick(NULL, "not json", &w, &d, &why), -EINVAL);

}
END_TEST

/*
 * @reg's error as pull reports it (regcmd.c, err.h), "source 'REF': "
 * and @want, a whole line: the errno's text once, in parentheses, if the
 * error has a code.
 */
static void assert_reg_err(const struct lfs_reg *reg, const char *want)
{
	struct lfs_err e = reg->err;
	char line[LFS_ERR_MAX + 64], full[LFS_ERR_MAX + 64];

	lfs_err_prefix(&e, e.code, "source 'reg.io/app/web:1'");
	snprintf(full, sizeof(full), "source 'reg.io/app/web:1': %s", want);
	ck_assert_str_eq(lfs_err_str(&e, line, sizeof(line)), full);
}

/* @fd opened again with @flags (O_RDONLY, O_WRONLY); @fd closed. */
static int reopen_as(int fd, int flags)
{
	char path[64];
	int nfd;

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	nfd = open(path, flags | O_CLOEXEC);
	ck_assert_int_ge(nfd, 0);
	close(fd);
	return nfd;
}

/* A client for app/web on reg.io, over the fake transport. */
static void open_reg(struct lfs_reg *reg, const struct lfs_reg_cred *cred)
{
	fake_http_reset();
	ck_assert_int_eq(lfs_reg_open(reg, "reg.io", "app/web", 0, NULL, "pull",
				      cred), 0);
}

START_TEST(test_client_bearer)
{
	static const char man[] = "{\"schemaVersion\":2}";
	struct lfs_reg_cred cred = { "alice", "secret" };
	struct lfs_reg reg;
	char *body, ct[128], dg[LFS_DIGEST_LEN], want[LFS_DIGEST_LEN];
	size_t len;

	lfs_oci_sha256_digest(man, strlen(man), want);
	open_reg(&reg, &cred);
	fake_http_push(&(struct fake_http_resp){ .status = 401,
		.www_authenticate = "Bearer realm=\"https://auth.io/token\",service=\"reg\"" });
	fake_http_push(&(struct fake_http_resp){ .status = 200,
		.body = "{\"token\":\"T1\"}" });
	fake_http_push(&(struct fake_http_resp){ .status = 200,
		.content_type = LFS_MT_MANIFEST, .body = man, .docker_digest = want });
	ck_assert_int_eq(lfs_reg_manifest_get(&reg, "v1", &body, &len, ct, dg), 0);
	ck_assert_str_eq(body, man);
	ck_assert_str_eq(dg, want);
	ck_assert_str_eq(ct, LFS_MT_MANIFEST);
	free(body);
	ck_assert_uint_eq(fake_http_nseen(), 3);
	ck_assert_str_eq(fake_http_seen(0)->url, "https://reg.io/v2/app/web/manifests/v1");
	ck_assert_ptr_null(fake_http_header(0, "Authorization"));
	ck_assert_ptr_nonnull(strstr(fake_http_header(0, "Accept"), LFS_MT_INDEX));
	ck_assert_str_eq(fake_http_seen(1)->url,
			 "https://auth.io/token?service=reg&scope=repository%3Aapp%2Fweb%3Apull");
	ck_assert_str_eq(fake_http_header(1, "Authorization"), "Basic YWxpY2U6c2VjcmV0");
	ck_assert_str_eq(fake_http_header(2, "Authorization"), "Bearer T1");

	/* the token is kept for the next request */
	fake_http_push(&(struct fake_http_resp){ .status = 404,
		.body = "{\"errors\":[{\"code\":\"MANIFEST_UNKNOWN\",\"message\":\"manifest unknown\"}]}" });
	ck_assert_int_eq(lfs_reg_manifest_get(&reg, "v2", &body, &len, ct, dg),
			 -ENOENT);
	ck_assert_str_eq(fake_http_header(3, "Authorization"), "Bearer T1");
	ck_assert_str_eq(reg.err.msg, "manifest 'v2': not found in reg.io/app/web: HTTP 404, MANIFEST_UNKNOWN: manifest unknown");

	/* a token the registry refuses again: no endless loop */
	fake_http_push(&(struct fake_http_resp){ .status = 401,
		.www_authenticate = "Bearer realm=\"https://auth.io/token\"" });
	ck_assert_int_eq(lfs_reg_manifest_get(&reg, "v3", &body, &len, ct, dg),
			 -EACCES);
	ck_assert_uint_eq(fake_http_left(), 0);
	/* the status after the reason, after ': ', not in parentheses */
	assert_reg_err(&reg, "manifest 'v3': the registry refused the token: HTTP 401");
	lfs_reg_close(&reg);

	/* anonymous: no Authorization to the token service; it refuses */
	open_reg(&reg, NULL);
	fake_http_push(&(struct fake_http_resp){ .status = 401,
		.www_authenticate = "Bearer realm=\"https://auth.io/token\"" });
	fake_http_push(&(struct fake_http_resp){ .status = 401 });
	ck_assert_int_eq(lfs_reg_manifest_get(&reg, "v1", &body, &len, ct, dg),
			 -EACCES);
	ck_assert_ptr_null(fake_http_header(1, "Authorization"));
	assert_reg_err(&reg, "manifest 'v1': token service 'https://auth.io/token': needs a login: HTTP 401: run 'layerctl login reg.io'");
	lfs_reg_close(&reg);

	/* the token service refuses the user: its status, as it is */
	open_reg(&reg, &cred);
	fake_http_push(&(struct fake_http_resp){ .status = 401,
		.www_authenticate = "Bearer realm=\"https://auth.io/token\"" });
	fake_http_push(&(struct fake_http_resp){ .status = 403 });
	ck_assert_int_eq(lfs_reg_manifest_get(&reg, "v1", &body, &len, ct, dg),
			 -EACCES);
	assert_reg_err(&reg, "manifest 'v1': token service 'https://auth.io/token': user 'alice': wrong user name or password: HTTP 403");
	lfs_reg_close(&reg);

	/* a token of too small a scope, twice: the third 401 ends it */
	open_reg(&reg, &cred);
	fake_http_push(&(struct fake_http_resp){ .status = 401,
		.www_authenticate = "Bearer realm=\"https://auth.io/token\"" });
	fake_http_push(&(struct fake_http_resp){ .status = 200,
		.body = "{\"token\":\"T1\"}" });
	fake_http_push(&(struct fake_http_resp){ .status = 401,
		.www_authenticate = "Bearer realm=\"https://auth.io/token\",error=\"insufficient_scope\"" });
	fake_http_push(&(struct fake_http_resp){ .status = 200,
		.body = "{\"token\":\"T2\"}" });
	fake_http_push(&(struct fake_http_resp){ .status = 401,
		.www_authenticate = "Bearer realm=\"https://auth.io/token\",error=\"insufficient_scope\"" });
	ck_assert_int_eq(lfs_reg_manifest_get(&reg, "v1", &body, &len, ct, dg),
			 -EACCES);
	ck_assert_uint_eq(fake_http_left(), 0);
	assert_reg_err(&reg, "manifest 'v1': the registry refused the credentials: HTTP 401");
	lfs_reg_close(&reg);
}
END_TEST

/*
 * A token realm in plain HTTP gets no password unless it is the
 * registry's own origin (a registry the user marked insecure): a
 * challenge naming http://elsewhere would have the Basic credentials
 * cross the network in clear.  Anonymous token requests may still go.
 */
START_TEST(test_client_http_realm)
{
	static const char man[] = "{\"schemaVersion\":2}";
	struct lfs_reg_cred cred = { "alice", "secret" };
	struct lfs_reg reg;
	char *body, ct[128], dg[LFS_DIGEST_LEN], want[LFS_DIGEST_LEN];
	size_t len, i;

	lfs_oci_sha256_digest(man, strlen(man), want);
	open_reg(&reg, &cred);
	fake_http_push(&(struct fake_http_resp){ .status = 401,
		.www_authenticate = "Bearer realm=\"http://auth.io/token\"" });
	fake_http_push(&(struct fake_http_resp){ .status = 200,
		.body = "{\"token\":\"T1\"}" });
	fake_http_push(&(struct fake_http_resp){ .status = 200,
		.content_type = LFS_MT_MANIFEST, .body = man, .docker_digest = want });
	ck_assert_int_eq(lfs_reg_manifest_get(&reg, "v1", &body, &len, ct, dg),
			 -EACCES);
	assert_reg_err(&reg, "manifest 'v1': token realm 'http://auth.io/token' is plain HTTP on another host: credentials not sent");
	for (i = 0; i < fake_http_nseen(); i++)
		ck_assert_msg(!fake_http_header(i, "Authorization"),
			      "request %zu to %s had credentials", i,
			      fake_http_seen(i)->url);
	ck_assert_uint_eq(fake_http_nseen(), 1);
	lfs_reg_close(&reg);

	/* an insecure registry's own origin: the token service is asked */
	fake_http_reset();
	ck_assert_int_eq(lfs_reg_open(&reg, "reg.io:5000", "app/web", 1, NULL,
				      "pull", &cred), 0);
	fake_http_push(&(struct fake_http_resp){ .status = 401,
		.www_authenticate = "Bearer realm=\"http://reg.io:5000/token\"" });
	fake_http_push(&(struct fake_http_resp){ .status = 200,
		.body = "{\"token\":\"T2\"}" });
	fake_http_push(&(struct fake_http_resp){ .status = 200,
		.content_type = LFS_MT_MANIFEST, .body = man, .docker_digest = want });
	ck_assert_int_eq(lfs_reg_manifest_get(&reg, "v1", &body, &len, ct, dg), 0);
	free(body);
	ck_assert_str_eq(fake_http_header(1, "Authorization"), "Basic YWxpY2U6c2VjcmV0");
	ck_assert_str_eq(fake_http_header(2, "Authorization"), "Bearer T2");
	lfs_reg_close(&reg);

	/* anonymous: an http realm elsewhere is asked, with nothing to leak */
	open_reg(&reg, NULL);
	fake_http_push(&(struct fake_http_resp){ .status = 401,
		.www_authenticate = "Bearer realm=\"http://auth.io/token\"" });
	fake_http_push(&(struct fake_http_resp){ .status = 200,
		.body = "{\"token\":\"T3\"}" });
	fake_http_push(&(struct fake_http_resp){ .status = 200,
		.content_type = LFS_MT_MANIFEST, .body = man, .docker_digest = want });
	ck_assert_int_eq(lfs_reg_manifest_get(&reg, "v1", &body, &len, ct, dg), 0);
	free(body);
	ck_assert_ptr_null(fake_http_header(1, "Authorization"));
	lfs_reg_close(&reg);
}
END_TEST

START_TEST(test_client_basic)
{
	struct lfs_reg_cred cred = { "alice", "wrong" };
	struct lfs_reg reg;
	char line[256];
	int exists = -1;

	/* no credentials for a Basic registry */
	open_reg(&reg, NULL);
	fake_http_push(&(struct fake_http_resp){ .status = 401,
		.www_authenticate = "Basic realm=\"r\"" });
	ck_assert_int_eq(lfs_reg_blob_exists(&reg, D64, 5, &exists), -EACCES);
	/* the realm after the status, the hint last, after ': ' */
	snprintf(line, sizeof(line),
		 "blob '%s': the registry needs a login: HTTP 401, Basic realm 'r': run 'layerctl login reg.io'",
		 D64);
	assert_reg_err(&reg, line);
	ck_assert_uint_eq(fake_http_nseen(), 1);
	lfs_reg_close(&reg);

	/* a wrong password: sent once, then refused */
	open_reg(&reg, &cred);
	fake_http_push(&(struct fake_http_resp){ .status = 401,
		.www_authenticate = "Basic realm=\"r\"" });
	fake_http_push(&(struct fake_http_resp){ .status = 401,
		.www_authenticate = "Basic realm=\"r\"" });
	ck_assert_int_eq(lfs_reg_blob_exists(&reg, D64, 5, &exists), -EACCES);
	snprintf(line, sizeof(line),
		 "blob '%s': user 'alice': wrong user name or password: HTTP 401",
		 D64);
	assert_reg_err(&reg, line);
	ck_assert_uint_eq(fake_http_nseen(), 2);
	ck_assert_str_eq(fake_http_header(1, "Authorization"), "Basic YWxpY2U6d3Jvbmc=");
	ck_assert_str_eq(fake_http_seen(1)->method, "HEAD");
	lfs_reg_close(&reg);

	/* the right one; then HEAD answers 200, 404 and a size mismatch */
	open_reg(&reg, &cred);
	fake_http_push(&(struct fake_http_resp){ .status = 401,
		.www_authenticate = "Basic realm=\"r\"" });
	fake_http_push(&(struct fake_http_resp){ .status = 200, .has_length = 1,
		.length = 5 });
	fake_http_push(&(struct fake_http_resp){ .status = 404 });
	fake_http_push(&(struct fake_http_resp){ .status = 200, .has_length = 1,
		.length = 6 });
	fake_http_push(&(struct fake_http_resp){ .status = 500,
		.body = "{\"errors\":[{\"code\":\"UNKNOWN\",\"message\":\"boom\"}]}" });
	ck_assert_int_eq(lfs_reg_blob_exists(&reg, D64, 5, &exists), 0);
	ck_assert_int_eq(exists, 1);
	ck_assert_int_eq(lfs_reg_blob_exists(&reg, D64, 5, &exists), 0);
	ck_assert_int_eq(exists, 0);
	ck_assert_str_eq(fake_http_header(2, "Authorization"), "Basic YWxpY2U6d3Jvbmc=");
	ck_assert_int_eq(lfs_reg_blob_exists(&reg, D64, 5, &exists), -EBADMSG);
	ck_assert_int_eq(exists, 0);
	ck_assert_int_eq(lfs_reg_blob_exists(&reg, D64, 5, &exists), -EPROTO);
	ck_assert_str_eq(reg.err.msg, "blob 'sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef': HTTP 500, UNKNOWN: boom");
	lfs_reg_close(&reg);
}
END_TEST

/*
 * A transport failure: what was asked, the transport's words; TLS to a
 * plain-HTTP port gets the hint after ': ', not in parentheses.
 */
START_TEST(test_client_transport)
{
	struct lfs_reg reg;

	open_reg(&reg, NULL);
	fake_http_push(&(struct fake_http_resp){ .fail_err = -EIO,
		.fail_text = "OpenSSL/3.0.11: error:0A00010B:SSL routines::wrong version number" });
	ck_assert_int_eq(lfs_reg_ping(&reg), -EIO);
	assert_reg_err(&reg, "GET /v2/: OpenSSL/3.0.11: error:0A00010B:SSL routines::wrong version number: a plain-HTTP registry? only a host marked with --insecure is reached without TLS");
	fake_http_push(&(struct fake_http_resp){ .fail_err = -EIO,
		.fail_text = "Connection refused" });
	ck_assert_int_eq(lfs_reg_ping(&reg), -EIO);
	assert_reg_err(&reg, "GET /v2/: Connection refused");
	lfs_reg_close(&reg);
}
END_TEST

/*
 * A failure on our side of the transport (ocireg_xfer.c, which the fake
 * runs as the real one does): what was being done, named with the
 * request, and the errno as the code, its text once (not glued into the
 * text with code 0).
 */
START_TEST(test_client_transport_ours)
{
	struct lfs_reg reg;
	char want[512];
	int dirfd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	ck_assert_int_ge(dirfd, 0);
	open_reg(&reg, NULL);
	/* the data to upload cannot be read */
	fake_http_push(&(struct fake_http_resp){ .status = 202, .location = "/u" });
	fake_http_push(&(struct fake_http_resp){ .status = 201 });
	ck_assert_int_eq(lfs_reg_blob_upload(&reg, D64, dirfd, 11), -EISDIR);
	snprintf(want, sizeof(want),
		 "blob '%s': cannot read the data to upload (Is a directory)", D64);
	assert_reg_err(&reg, want);
	/* ... nor the stream: no answer is waited for */
	fake_http_reset();
	{
		char loc[] = "https://reg.io/v2/app/web/blobs/uploads/u1";
		uint64_t sent = 1;

		ck_assert_int_eq(lfs_reg_upload_stream(&reg, loc, "layer 'base'",
						       dirfd, 0, &sent), -EISDIR);
		ck_assert_uint_eq(sent, 0);
	}
	assert_reg_err(&reg, "layer 'base': cannot read the data to upload (Is a directory)");
	/* the answer cannot be kept */
	fake_http_reset();
	fake_http_push(&(struct fake_http_resp){ .status = 200, .body = "{}" });
	fake_alloc_fail(1);
	ck_assert_int_eq(lfs_reg_ping(&reg), -ENOMEM);
	ck_assert(fake_alloc.failed);
	fake_alloc_fail(0);
	assert_reg_err(&reg, "GET /v2/: cannot keep the response in memory (Cannot allocate memory)");
	lfs_reg_close(&reg);
	close(dirfd);
}
END_TEST

static int tmpfile_with(const char *data, size_t len)
{
	char path[] = "/tmp/layerctl-ocireg.XXXXXX";
	int fd = mkstemp(path);

	ck_assert_int_ge(fd, 0);
	unlink(path);
	ck_assert_int_eq(write(fd, data, len), (ssize_t)len);
	return fd;
}

static uint64_t fd_size(int fd)
{
	struct stat st;

	ck_assert_int_eq(fstat(fd, &st), 0);
	return (uint64_t)st.st_size;
}

/*
 * The client's own allocations, failing one by one (nomem_sweep_call()):
 * a token flow (the token, the Authorization kept), an empty manifest,
 * a clone, a stream in chunks.  Each failure says what was being done,
 * the errno as the code, never "out of memory" with code 0.
 */
static int client_nomem_steps(void *arg, struct lfs_err *e)
{
	static const struct lfs_reg_cred cred = { "alice", "secret" };
	char loc[] = "https://reg.io/v2/app/web/blobs/uploads/u1";
	char *body = NULL, ct[128], dg[LFS_DIGEST_LEN];
	int fd = *(const int *)arg, rc;
	struct lfs_reg reg, dst;
	uint64_t sent;
	size_t len;

	fake_http_reset();
	rc = lfs_reg_open(&reg, "reg.io", "app/web", 0, NULL, "pull", &cred);
	fake_http_push(&(struct fake_http_resp){ .status = 401,
		.www_authenticate = "Bearer realm=\"https://auth.io/token\",service=\"reg\"" });
	fake_http_push(&(struct fake_http_resp){ .status = 200,
		.body = "{\"token\":\"T1\"}" });
	fake_http_push(&(struct fake_http_resp){ .status = 200,
		.content_type = LFS_MT_MANIFEST });
	if (!rc)
		rc = lfs_reg_manifest_get(&reg, "v1", &body, &len, ct, dg);
	free(body);
	if (!rc) {
		rc = lfs_reg_clone(&dst, &reg);
		if (rc)
			reg.err = dst.err;
		lfs_reg_close(&dst);
	}
	fake_http_reset();
	fake_http_push(&(struct fake_http_resp){ .status = 202, .location = loc });
	fake_http_push(&(struct fake_http_resp){ .status = 202, .location = loc });
	/* (no ck_assert() while allocations fail: it allocates) */
	if (!rc && lseek(fd, 0, SEEK_SET))
		rc = -errno;
	if (!rc)
		rc = lfs_reg_upload_stream(&reg, loc, "layer 'base'", fd, 4,
					   &sent);
	*e = reg.err;
	lfs_reg_close(&reg);
	return rc;
}

START_TEST(test_client_nomem)
{
	int fd = tmpfile_with("12345678", 8);

	ck_assert_int_eq(client_nomem_steps(&fd, &(struct lfs_err)LFS_ERR_INIT), 0);
	nomem_sweep_call(client_nomem_steps, &fd, 200);
	close(fd);
}
END_TEST

/* The auth file's new text, its allocations failing one by one. */
static int auth_store_nomem(void *arg, struct lfs_err *e)
{
	static const struct lfs_reg_cred cred = { "alice", "secret" };
	char *text = lfs_reg_auth_store(arg, "h.io", &cred, e);

	free(text);
	return text ? 0 : -ENOMEM;
}

START_TEST(test_auth_store_nomem)
{
	nomem_sweep_call(auth_store_nomem, "{\"auths\":{}}", 50);
}
END_TEST

/* logout's file half: every key naming the host goes, nothing else. */
START_TEST(test_auth_remove)
{
	static const char docker[] =
		"{\"auths\":{\"https://index.docker.io/v1/\":{\"auth\":\"dTE6cDE=\"},"
		"\"docker.io\":{\"auth\":\"dTE6cDE=\"},"
		"\"http://Reg.IO:5000/v2/\":{\"auth\":\"dTI6cDI=\"},"
		"\"reg.io:5000\":{\"auth\":\"dTI6cDI=\"},"
		"\"reg.io\":{\"auth\":\"dTM6cDM=\"}},"
		"\"credHelpers\":{\"x.io\":\"pass\"},\"psFormat\":\"t\"}";
	struct lfs_err why = LFS_ERR_INIT;
	struct lfs_reg_cred c;
	int removed = -1;
	char *text;

	text = lfs_reg_auth_remove(docker, "reg.io:5000", &removed, &why);
	ck_assert_ptr_nonnull(text);
	ck_assert_int_eq(removed, 2);
	ck_assert_int_eq(lfs_reg_auth_lookup(text, "reg.io:5000", &c, &why),
			 -ENOENT);
	ck_assert_int_eq(lfs_reg_auth_lookup(text, "reg.io", &c, &why), 0);
	ck_assert_str_eq(c.user, "u3");
	ck_assert_int_eq(lfs_reg_auth_lookup(text, "docker.io", &c, &why), 0);
	ck_assert_ptr_nonnull(strstr(text, "\"credHelpers\""));
	ck_assert_ptr_nonnull(strstr(text, "\"psFormat\""));
	free(text);
	/* docker.io's aliases go with it */
	text = lfs_reg_auth_remove(docker, "docker.io", &removed, &why);
	ck_assert_ptr_nonnull(text);
	ck_assert_int_eq(removed, 2);
	ck_assert_int_eq(lfs_reg_auth_lookup(text, "docker.io", &c, &why),
			 -ENOENT);
	ck_assert_int_eq(lfs_reg_auth_lookup(text, "reg.io", &c, &why), 0);
	free(text);
	/* none: the same entries, 0 removed */
	text = lfs_reg_auth_remove(docker, "other.io", &removed, &why);
	ck_assert_ptr_nonnull(text);
	ck_assert_int_eq(removed, 0);
	ck_assert_int_eq(lfs_reg_auth_lookup(text, "reg.io:5000", &c, &why), 0);
	free(text);
	text = lfs_reg_auth_remove("{}", "a.io", &removed, &why);
	ck_assert_ptr_nonnull(text);
	ck_assert_int_eq(removed, 0);
	free(text);
	ck_assert_ptr_null(lfs_reg_auth_remove("[1]", "a.io", &removed, &why));
	ck_assert_int_eq(why.code, -EINVAL);
	ck_assert_str_eq(why.msg, "not a JSON object");
}
END_TEST

/* The auth file's new text, its allocations failing one by one. */
static int auth_remove_nomem(void *arg, struct lfs_err *e)
{
	int removed;
	char *text = lfs_reg_auth_remove(arg, "h.io", &removed, e);

	free(text);
	return text ? 0 : -ENOMEM;
}

START_TEST(test_auth_remove_nomem)
{
	nomem_sweep_call(auth_remove_nomem,
			 "{\"auths\":{\"h.io\":{\"auth\":\"YTpi\"},\"https://h.io\":{}}}",
			 50);
}
END_TEST

START_TEST(test_client_upload)
{
	static const char blob[] = "layer bytes";
	struct lfs_reg reg;
	char dg[LFS_DIGEST_LEN], put[512];
	int fd = tmpfile_with(blob, strlen(blob));

	lfs_oci_sha256_digest(blob, strlen(blob), dg);
	open_reg(&reg, NULL);
	fake_http_push(&(struct fake_http_resp){ .status = 202,
		.location = "/v2/app/web/blobs/uploads/u1?_state=abc" });
	fake_http_push(&(struct fake_http_resp){ .status = 201 });
	ck_assert_int_eq(lfs_reg_blob_upload(&reg, dg, fd, strlen(blob)), 0);
	ck_assert_str_eq(fake_http_seen(0)->method, "POST");
	ck_assert_str_eq(fake_http_seen(0)->url, "https://reg.io/v2/app/web/blobs/uploads/");
	snprintf(put, sizeof(put),
		 "https://reg.io/v2/app/web/blobs/uploads/u1?_state=abc&digest=sha256%%3A%s",
		 dg + 7);
	ck_assert_str_eq(fake_http_seen(1)->method, "PUT");
	ck_assert_str_eq(fake_http_seen(1)->url, put);
	ck_assert_str_eq(fake_http_seen(1)->body, blob);
	ck_assert_str_eq(fake_http_header(1, "Content-Type"), "application/octet-stream");

	/* no Location, a refused PUT */
	fake_http_reset();
	fake_http_push(&(struct fake_http_resp){ .status = 202 });
	ck_assert_int_eq(lfs_reg_blob_upload(&reg, dg, fd, strlen(blob)), -EPROTO);
	fake_http_reset();
	fake_http_push(&(struct fake_http_resp){ .status = 202, .location = "/u" });
	fake_http_push(&(struct fake_http_resp){ .status = 400,
		.body = "{\"errors\":[{\"code\":\"DIGEST_INVALID\",\"message\":\"provided digest did not match uploaded content\"}]}" });
	ck_assert_int_eq(lfs_reg_blob_upload(&reg, dg, fd, strlen(blob)), -EPROTO);
	ck_assert_msg(strstr(reg.err.msg, "DIGEST_INVALID"), "%s", reg.err.msg);

	/* the manifest */
	fake_http_reset();
	fake_http_push(&(struct fake_http_resp){ .status = 201 });
	ck_assert_int_eq(lfs_reg_manifest_put(&reg, "v1", LFS_MT_MANIFEST, "{}", 2), 0);
	ck_assert_str_eq(fake_http_seen(0)->url, "https://reg.io/v2/app/web/manifests/v1");
	ck_assert_str_eq(fake_http_header(0, "Content-Type"), LFS_MT_MANIFEST);
	ck_assert_str_eq(fake_http_seen(0)->body, "{}");
	lfs_reg_close(&reg);
	close(fd);
}
END_TEST

/*
 * The registry's credentials go to the registry only: an upload Location
 * on another host (or port, or scheme) is sent to without them, and a 401
 * from there is not answered with them (a Bearer challenge would have the
 * user's password sent to a token service that host names).
 */
START_TEST(test_client_other_origin)
{
	static const char blob[] = "layer bytes";
	struct lfs_reg_cred cred = { "alice", "secret" };
	struct lfs_reg reg;
	char dg[LFS_DIGEST_LEN];
	int fd = tmpfile_with(blob, strlen(blob));
	size_t i;

	lfs_oci_sha256_digest(blob, strlen(blob), dg);
	open_reg(&reg, &cred);
	fake_http_push(&(struct fake_http_resp){ .status = 401,
		.www_authenticate = "Basic realm=\"r\"" });
	fake_http_push(&(struct fake_http_resp){ .status = 202,
		.location = "https://cdn.io/up/u1" });
	fake_http_push(&(struct fake_http_resp){ .status = 201 });
	ck_assert_int_eq(lfs_reg_blob_upload(&reg, dg, fd, strlen(blob)), 0);
	ck_assert_uint_eq(fake_http_nseen(), 3);
	ck_assert_str_eq(fake_http_header(1, "Authorization"), "Basic YWxpY2U6c2VjcmV0");
	ck_assert_str_eq(fake_http_seen(2)->method, "PUT");
	ck_assert_ptr_nonnull(strstr(fake_http_seen(2)->url, "https://cdn.io/up/u1?digest="));
	ck_assert_ptr_null(fake_http_header(2, "Authorization"));

	/* the same origin written otherwise keeps them */
	fake_http_reset();
	fake_http_push(&(struct fake_http_resp){ .status = 202,
		.location = "https://REG.io:443/v2/app/web/blobs/uploads/u2" });
	fake_http_push(&(struct fake_http_resp){ .status = 201 });
	ck_assert_int_eq(lfs_reg_blob_upload(&reg, dg, fd, strlen(blob)), 0);
	ck_assert_str_eq(fake_http_header(1, "Authorization"), "Basic YWxpY2U6c2VjcmV0");

	/* another port, or a name with a user part, is another host */
	fake_http_reset();
	fake_http_push(&(struct fake_http_resp){ .status = 202,
		.location = "https://reg.io:8443/up/u3" });
	fake_http_push(&(struct fake_http_resp){ .status = 201 });
	ck_assert_int_eq(lfs_reg_blob_upload(&reg, dg, fd, strlen(blob)), 0);
	ck_assert_ptr_null(fake_http_header(1, "Authorization"));
	fake_http_reset();
	fake_http_push(&(struct fake_http_resp){ .status = 202,
		.location = "https://reg.io@cdn.io/up/u4" });
	fake_http_push(&(struct fake_http_resp){ .status = 201 });
	ck_assert_int_eq(lfs_reg_blob_upload(&reg, dg, fd, strlen(blob)), 0);
	ck_assert_ptr_null(fake_http_header(1, "Authorization"));

	/* the other host asks for credentials: refused, nothing sent */
	fake_http_reset();
	fake_http_push(&(struct fake_http_resp){ .status = 202,
		.location = "https://cdn.io/up/u5" });
	fake_http_push(&(struct fake_http_resp){ .status = 401,
		.www_authenticate = "Bearer realm=\"https://evil.io/token\"" });
	fake_http_push(&(struct fake_http_resp){ .status = 200,
		.body = "{\"token\":\"T\"}" });
	fake_http_push(&(struct fake_http_resp){ .status = 201 });
	ck_assert_int_eq(lfs_reg_blob_upload(&reg, dg, fd, strlen(blob)), -EACCES);
	{
		char line[256];

		snprintf(line, sizeof(line),
			 "blob '%s': host 'https://cdn.io' asks for credentials: HTTP 401: the registry's are not sent to another host",
			 dg);
		assert_reg_err(&reg, line);
	}
	for (i = 0; i < fake_http_nseen(); i++)
		ck_assert_msg(!strstr(fake_http_seen(i)->url, "evil.io"),
			      "request %zu went to %s", i, fake_http_seen(i)->url);
	ck_assert_uint_eq(fake_http_nseen(), 2);
	lfs_reg_close(&reg);
	close(fd);
}
END_TEST

/*
 * A GET that redirects (curl follows it, dropping the Authorization line
 * on another host) to a host answering 401: its challenge is not
 * answered with the registry's credentials; a 401 after a redirect on
 * the registry's own origin still is.
 */
START_TEST(test_client_redirect_401)
{
	struct lfs_reg_cred cred = { "alice", "secret" };
	struct lfs_reg reg;
	char *body = NULL, ct[128], dg[LFS_DIGEST_LEN];
	size_t len, i;
	int exists;

	open_reg(&reg, &cred);
	fake_http_push(&(struct fake_http_resp){ .status = 401,
		.url = "https://cdn.io/v2/app/web/manifests/v1",
		.www_authenticate = "Bearer realm=\"https://evil.io/token\"" });
	fake_http_push(&(struct fake_http_resp){ .status = 200,
		.body = "{\"token\":\"T\"}" });
	ck_assert_int_eq(lfs_reg_manifest_get(&reg, "v1", &body, &len, ct, dg),
			 -EACCES);
	assert_reg_err(&reg, "manifest 'v1': host 'https://cdn.io' asks for credentials: HTTP 401: the registry's are not sent to another host");
	for (i = 0; i < fake_http_nseen(); i++)
		ck_assert_msg(!strstr(fake_http_seen(i)->url, "evil.io"),
			      "request %zu went to %s", i, fake_http_seen(i)->url);
	ck_assert_uint_eq(fake_http_nseen(), 1);

	/* Basic: not answered either */
	fake_http_reset();
	fake_http_push(&(struct fake_http_resp){ .status = 401,
		.url = "https://reg.io:444/x", .www_authenticate = "Basic realm=\"r\"" });
	fake_http_push(&(struct fake_http_resp){ .status = 200 });
	ck_assert_int_eq(lfs_reg_blob_exists(&reg, D64, 5, &exists), -EACCES);
	ck_assert_uint_eq(fake_http_nseen(), 1);

	/* redirected within the registry: answered */
	fake_http_reset();
	fake_http_push(&(struct fake_http_resp){ .status = 401,
		.url = "https://reg.io/v2/elsewhere", .www_authenticate = "Basic realm=\"r\"" });
	fake_http_push(&(struct fake_http_resp){ .status = 200 });
	ck_assert_int_eq(lfs_reg_blob_exists(&reg, D64, 5, &exists), 0);
	ck_assert_int_eq(exists, 1);
	ck_assert_str_eq(fake_http_header(1, "Authorization"), "Basic YWxpY2U6c2VjcmV0");
	lfs_reg_close(&reg);
}
END_TEST

START_TEST(test_client_fetch)
{
	static const char blob[] = "0123456789abcdefghijklmnopqrstuvwxyz";
	size_t len = strlen(blob);
	struct lfs_reg reg;
	char dg[LFS_DIGEST_LEN], got[64], want[256], bad[LFS_DIGEST_LEN];
	uint64_t have;
	int fd, ro, rc;

	lfs_oci_sha256_digest(blob, len, dg);
	open_reg(&reg, NULL);

	/* whole, in 7-byte pieces */
	fd = tmpfile_with("", 0);
	have = 0;
	fake_http_push(&(struct fake_http_resp){ .status = 200, .body = blob });
	ck_assert_int_eq(lfs_reg_blob_fetch(&reg, dg, len, fd, &have), 0);
	ck_assert_uint_eq(have, len);
	ck_assert_int_eq(pread(fd, got, sizeof(got), 0), (ssize_t)len);
	ck_assert_int_eq(memcmp(got, blob, len), 0);
	ck_assert_ptr_null(fake_http_header(0, "Range"));
	close(fd);

	/* it breaks after 10 bytes; resumed with a range, 206 */
	fake_http_reset();
	fd = tmpfile_with("", 0);
	have = 0;
	fake_http_push(&(struct fake_http_resp){ .status = 200, .body = blob,
		.fail_err = -EIO, .fail_after = 10 });
	fake_http_push(&(struct fake_http_resp){ .status = 206, .body = blob + 10,
		.content_range = "bytes 10-35/36" });
	ck_assert_int_eq(lfs_reg_blob_fetch(&reg, dg, len, fd, &have), 0);
	ck_assert_uint_eq(have, len);
	ck_assert_str_eq(fake_http_header(1, "Range"), "bytes=10-");
	ck_assert_int_eq(pread(fd, got, sizeof(got), 0), (ssize_t)len);
	ck_assert_int_eq(memcmp(got, blob, len), 0);
	close(fd);

	/* a partial file from an earlier pull; the server ignores the range */
	fake_http_reset();
	fd = tmpfile_with(blob, 20);
	have = 20;
	fake_http_push(&(struct fake_http_resp){ .status = 200, .body = blob });
	ck_assert_int_eq(lfs_reg_blob_fetch(&reg, dg, len, fd, &have), 0);
	ck_assert_str_eq(fake_http_header(0, "Range"), "bytes=20-");
	ck_assert_uint_eq(fd_size(fd), len);
	close(fd);

	/* ... and a partial file that is wrong: caught at the end */
	fake_http_reset();
	fd = tmpfile_with("XXXXXXXXXX", 10);
	have = 10;
	fake_http_push(&(struct fake_http_resp){ .status = 206, .body = blob + 10,
		.content_range = "bytes 10-35/*" });
	ck_assert_int_eq(lfs_reg_blob_fetch(&reg, dg, len, fd, &have), -EBADMSG);
	ck_assert_uint_eq(fd_size(fd), 0);
	close(fd);

	/* corrupt content, too much, too little, broken for good */
	fake_http_reset();
	fd = tmpfile_with("", 0);
	have = 0;
	fake_http_push(&(struct fake_http_resp){ .status = 200,
		.body = "0123456789abcdefghijklmnopqrstuvwxyZ" });
	ck_assert_int_eq(lfs_reg_blob_fetch(&reg, dg, len, fd, &have), -EBADMSG);
	/* what arrived after ': ', not in parentheses */
	lfs_oci_sha256_digest("0123456789abcdefghijklmnopqrstuvwxyZ", len, bad);
	snprintf(want, sizeof(want),
		 "blob '%s': the download does not match its digest: got %s, 36 bytes",
		 dg, bad);
	assert_reg_err(&reg, want);
	ck_assert_uint_eq(fd_size(fd), 0);
	fake_http_push(&(struct fake_http_resp){ .status = 200, .body = blob });
	have = 0;
	ck_assert_int_eq(lfs_reg_blob_fetch(&reg, dg, len - 1, fd, &have), -EBADMSG);
	snprintf(want, sizeof(want),
		 "blob '%s': more bytes than the manifest's size, 35", dg);
	assert_reg_err(&reg, want);
	fake_http_reset();
	ck_assert_int_eq(ftruncate(fd, 0), 0);
	have = 0;
	fake_http_push(&(struct fake_http_resp){ .status = 200, .body = blob,
		.fail_err = -EIO, .fail_after = 5 });
	fake_http_push(&(struct fake_http_resp){ .status = 206, .body = blob,
		.fail_err = -EIO, .fail_after = 0 });
	fake_http_push(&(struct fake_http_resp){ .status = 206, .body = blob,
		.fail_err = -EIO, .fail_after = 0 });
	fake_http_push(&(struct fake_http_resp){ .status = 206, .body = blob,
		.fail_err = -EIO, .fail_after = 0 });
	fake_http_push(&(struct fake_http_resp){ .status = 206, .body = blob,
		.fail_err = -EIO, .fail_after = 0 });
	ck_assert_int_eq(lfs_reg_blob_fetch(&reg, dg, len, fd, &have), -EIO);
	ck_assert_uint_eq(have, 5);	/* kept for a later resume */
	/* the last failure after ': ', without the blob named again */
	snprintf(want, sizeof(want),
		 "blob '%s': the transfer broke off at 5 of 36 bytes: fake: connection reset",
		 dg);
	assert_reg_err(&reg, want);
	fake_http_reset();
	fake_http_push(&(struct fake_http_resp){ .status = 404,
		.body = "{\"errors\":[{\"code\":\"BLOB_UNKNOWN\",\"message\":\"blob unknown to registry\"}]}" });
	ck_assert_int_eq(lfs_reg_blob_fetch(&reg, dg, len, fd, &have), -ENOENT);
	/* the subject quoted, the registry's code and message after ': ' */
	snprintf(want, sizeof(want),
		 "blob '%s': not found in reg.io/app/web: HTTP 404, BLOB_UNKNOWN: blob unknown to registry",
		 dg);
	ck_assert_str_eq(reg.err.msg, want);
	close(fd);

	/*
	 * 416 to a range, and the partial file cannot be emptied to start
	 * over: the errno as the code, its text once (err.h)
	 */
	fake_http_reset();
	ro = reopen_as(tmpfile_with(blob, 10), O_RDONLY);
	ck_assert_int_eq(ftruncate(ro, 0), -1);
	rc = errno;
	have = 10;
	fake_http_push(&(struct fake_http_resp){ .status = 416 });
	ck_assert_int_eq(lfs_reg_blob_fetch(&reg, dg, len, ro, &have), -EIO);
	snprintf(want, sizeof(want),
		 "blob '%s': HTTP 416 to bytes 10-, and the download cannot start over (%s)",
		 dg, strerror(rc));
	assert_reg_err(&reg, want);
	close(ro);
	lfs_reg_close(&reg);
}
END_TEST

START_TEST(test_content_range)
{
	uint64_t a, b, t;

	ck_assert_int_eq(lfs_reg_content_range("bytes 10-35/36", &a, &b, &t), 0);
	ck_assert_uint_eq(a, 10);
	ck_assert_uint_eq(b, 35);
	ck_assert_uint_eq(t, 36);
	ck_assert_int_eq(lfs_reg_content_range("bytes 0-0/1", &a, &b, &t), 0);
	ck_assert_uint_eq(t, 1);
	ck_assert_int_eq(lfs_reg_content_range("Bytes 5-9/*", &a, &b, &t), 0);
	ck_assert_uint_eq(a, 5);
	ck_assert_uint_eq(t, UINT64_MAX);
	ck_assert_int_eq(lfs_reg_content_range("bytes 9999999999999999999-9999999999999999999/*",
					       &a, &b, &t), 0);
	ck_assert_uint_eq(a, 9999999999999999999ULL);
	/* not a single byte range of a blob */
	ck_assert_int_eq(lfs_reg_content_range("", &a, &b, &t), -EINVAL);
	ck_assert_int_eq(lfs_reg_content_range("bytes */36", &a, &b, &t), -EINVAL);
	ck_assert_int_eq(lfs_reg_content_range("bytes 10-5/36", &a, &b, &t), -EINVAL);
	ck_assert_int_eq(lfs_reg_content_range("bytes 10-36/36", &a, &b, &t), -EINVAL);
	ck_assert_int_eq(lfs_reg_content_range("items 1-2/3", &a, &b, &t), -EINVAL);
	ck_assert_int_eq(lfs_reg_content_range("bytes=1-2/3", &a, &b, &t), -EINVAL);
	ck_assert_int_eq(lfs_reg_content_range("bytes 1-2/3,", &a, &b, &t), -EINVAL);
	ck_assert_int_eq(lfs_reg_content_range("bytes 1-2", &a, &b, &t), -EINVAL);
	ck_assert_int_eq(lfs_reg_content_range("bytes -1-2/3", &a, &b, &t), -EINVAL);
	ck_assert_int_eq(lfs_reg_content_range("bytes 1-2/*x", &a, &b, &t), -EINVAL);
	ck_assert_int_eq(lfs_reg_content_range("bytes 1-2/3 ", &a, &b, &t), -EINVAL);
	ck_assert_int_eq(lfs_reg_content_range("bytes 10000000000000000000-10000000000000000001/*",
					       &a, &b, &t), -EINVAL);
}
END_TEST

/* The @n bytes @fd holds equal @want. */
static void fd_holds(int fd, const char *want, size_t n)
{
	char got[128];

	ck_assert_uint_eq(fd_size(fd), n);
	ck_assert_int_eq(pread(fd, got, sizeof(got), 0), (ssize_t)n);
	ck_assert_int_eq(memcmp(got, want, n), 0);
}

/* A stream kept in a partial download (pullpart.h's, a plain file here). */
START_TEST(test_client_stream_part)
{
	static const char blob[] = "0123456789abcdefghijklmnopqrstuvwxyz";
	size_t len = strlen(blob);
	struct lfs_reg_part part;
	struct lfs_reg reg;
	char dg[LFS_DIGEST_LEN], bad[LFS_DIGEST_LEN], want[512];
	uint64_t have;
	int out, ro, i;

	lfs_oci_sha256_digest(blob, len, dg);
	open_reg(&reg, NULL);

	/* 10 bytes kept: the rest asked for; they go first once it is 206 */
	fake_http_reset();
	out = tmpfile_with("", 0);
	part = (struct lfs_reg_part){ .fd = tmpfile_with(blob, 10), .len = 10 };
	fake_http_push(&(struct fake_http_resp){ .status = 206, .body = blob + 10,
		.content_range = "bytes 10-35/36" });
	ck_assert_int_eq(lfs_reg_blob_stream(&reg, dg, len, out, &part, &have), 0);
	ck_assert_str_eq(fake_http_header(0, "Range"), "bytes=10-");
	ck_assert_uint_eq(have, len);
	ck_assert_uint_eq(part.fed, 10);
	ck_assert_int_eq(part.drop, 1);		/* verified: it goes */
	fd_holds(out, blob, len);
	fd_holds(part.fd, blob, len);		/* the rest written to it too */
	close(part.fd);
	close(out);

	/* the registry ignores the range (200): the kept bytes discarded */
	fake_http_reset();
	out = tmpfile_with("", 0);
	part = (struct lfs_reg_part){ .fd = tmpfile_with("XXXXXXXXXX", 10), .len = 10 };
	fake_http_push(&(struct fake_http_resp){ .status = 200, .body = blob });
	ck_assert_int_eq(lfs_reg_blob_stream(&reg, dg, len, out, &part, &have), 0);
	ck_assert_str_eq(fake_http_header(0, "Range"), "bytes=10-");
	ck_assert_uint_eq(part.fed, 0);
	fd_holds(out, blob, len);
	fd_holds(part.fd, blob, len);
	close(part.fd);
	close(out);

	/* kept bytes that are wrong: a digest error that says so, it goes */
	fake_http_reset();
	out = tmpfile_with("", 0);
	part = (struct lfs_reg_part){ .fd = tmpfile_with("XXXXXXXXXX", 10), .len = 10 };
	fake_http_push(&(struct fake_http_resp){ .status = 206, .body = blob + 10,
		.content_range = "bytes 10-35/36" });
	ck_assert_int_eq(lfs_reg_blob_stream(&reg, dg, len, out, &part, &have), -EBADMSG);
	lfs_oci_sha256_digest("XXXXXXXXXXabcdefghijklmnopqrstuvwxyz", len, bad);
	snprintf(want, sizeof(want),
		 "blob '%s': the download does not match its digest: got %s, 36 bytes, the first 10 of them from the partial download an earlier pull left, deleted now: pull again to download it whole",
		 dg, bad);
	assert_reg_err(&reg, want);
	ck_assert_int_eq(part.drop, 1);
	close(part.fd);
	close(out);

	/* it breaks for good after 10 bytes: they stay kept */
	fake_http_reset();
	out = tmpfile_with("", 0);
	part = (struct lfs_reg_part){ .fd = tmpfile_with("", 0) };
	fake_http_push(&(struct fake_http_resp){ .status = 200, .body = blob,
		.fail_err = -EIO, .fail_after = 10 });
	for (have = 0; have < 4; have++)
		fake_http_push(&(struct fake_http_resp){ .status = 206,
			.body = blob + 10, .content_range = "bytes 10-35/36",
			.fail_err = -EIO, .fail_after = 0 });
	ck_assert_int_eq(lfs_reg_blob_stream(&reg, dg, len, out, &part, &have), -EIO);
	snprintf(want, sizeof(want),
		 "blob '%s': the transfer broke off at 10 of 36 bytes: fake: connection reset",
		 dg);
	assert_reg_err(&reg, want);
	ck_assert_int_eq(part.drop, 0);
	fd_holds(part.fd, blob, 10);
	fd_holds(out, blob, 10);

	/* ... and the next one resumes from them */
	fake_http_reset();
	ck_assert_int_eq(ftruncate(out, 0), 0);
	ck_assert_int_eq(lseek(out, 0, SEEK_SET), 0);
	part.len = 10;
	fake_http_push(&(struct fake_http_resp){ .status = 206, .body = blob + 10,
		.content_range = "bytes 10-35/36" });
	ck_assert_int_eq(lfs_reg_blob_stream(&reg, dg, len, out, &part, &have), 0);
	ck_assert_uint_eq(part.fed, 10);
	fd_holds(out, blob, len);
	close(part.fd);
	close(out);

	/* a 206 for another range: refused before anything is fed */
	fake_http_reset();
	out = tmpfile_with("", 0);
	part = (struct lfs_reg_part){ .fd = tmpfile_with(blob, 10), .len = 10 };
	fake_http_push(&(struct fake_http_resp){ .status = 206, .body = blob,
		.content_range = "bytes 0-35/36" });
	ck_assert_int_eq(lfs_reg_blob_stream(&reg, dg, len, out, &part, &have), -EPROTO);
	snprintf(want, sizeof(want),
		 "blob '%s': a partial answer, HTTP 206, with Content-Range 'bytes 0-35/36' to a request for bytes 10- of 36",
		 dg);
	assert_reg_err(&reg, want);
	ck_assert_uint_eq(fd_size(out), 0);
	ck_assert_uint_eq(part.fed, 0);
	close(part.fd);
	close(out);

	/* ... or without one; or of another size */
	fake_http_reset();
	out = tmpfile_with("", 0);
	part = (struct lfs_reg_part){ .fd = tmpfile_with(blob, 10), .len = 10 };
	fake_http_push(&(struct fake_http_resp){ .status = 206, .body = blob + 10 });
	ck_assert_int_eq(lfs_reg_blob_stream(&reg, dg, len, out, &part, &have), -EPROTO);
	fake_http_push(&(struct fake_http_resp){ .status = 206, .body = blob + 10,
		.content_range = "bytes 10-35/37" });
	ck_assert_int_eq(lfs_reg_blob_stream(&reg, dg, len, out, &part, &have), -EPROTO);
	ck_assert_uint_eq(fd_size(out), 0);
	close(part.fd);
	close(out);

	/* all of it kept: nothing asked for */
	fake_http_reset();
	out = tmpfile_with("", 0);
	part = (struct lfs_reg_part){ .fd = tmpfile_with(blob, len), .len = len };
	ck_assert_int_eq(lfs_reg_blob_stream(&reg, dg, len, out, &part, &have), 0);
	ck_assert_uint_eq(fake_http_nseen(), 0);
	ck_assert_uint_eq(part.fed, len);
	fd_holds(out, blob, len);
	close(part.fd);
	close(out);

	/* more than the blob: not its bytes, a whole request */
	fake_http_reset();
	out = tmpfile_with("", 0);
	part = (struct lfs_reg_part){ .fd = tmpfile_with("0123456789abcdefghijklmnopqrstuvwxyz!!", 38),
				      .len = 38 };
	fake_http_push(&(struct fake_http_resp){ .status = 200, .body = blob });
	ck_assert_int_eq(lfs_reg_blob_stream(&reg, dg, len, out, &part, &have), 0);
	ck_assert_ptr_null(fake_http_header(0, "Range"));
	fd_holds(part.fd, blob, len);
	close(part.fd);
	close(out);

	/*
	 * a broken transfer, then the whole blob (200) or a 416: the bytes
	 * are gone, no start over; the 416's errno says why
	 */
	for (i = 0; i < 2; i++) {
		fake_http_reset();
		out = tmpfile_with("", 0);
		fake_http_push(&(struct fake_http_resp){ .status = 200,
			.body = blob, .fail_err = -EIO, .fail_after = 10 });
		fake_http_push(&(struct fake_http_resp){
			.status = i ? 416 : 200, .body = blob });
		ck_assert_int_eq(lfs_reg_blob_stream(&reg, dg, len, out, NULL,
						     &have), i ? -EIO : -ESPIPE);
		snprintf(want, sizeof(want), i ?
			 "blob '%s': HTTP 416 to bytes 10-, and the download cannot start over (Illegal seek)" :
			 "blob '%s': the registry answered a range with the whole blob, HTTP 200, and the 10 bytes before are gone down the extraction",
			 dg);
		assert_reg_err(&reg, want);
		close(out);
	}

	/*
	 * the kept copy cannot be read (open for writing only): the errno as
	 * the code, its text once, not glued into a text of code 0
	 */
	fake_http_reset();
	out = tmpfile_with("", 0);
	part = (struct lfs_reg_part){
		.fd = reopen_as(tmpfile_with(blob, len), O_WRONLY), .len = len };
	ck_assert_int_eq(lfs_reg_blob_stream(&reg, dg, len, out, &part, &have), -EIO);
	ck_assert_uint_eq(fake_http_nseen(), 0);
	snprintf(want, sizeof(want),
		 "blob '%s': cannot read the partial download an earlier pull left (Bad file descriptor)",
		 dg);
	assert_reg_err(&reg, want);
	close(part.fd);

	/* ... shorter than it was: that says it all, code 0 */
	fake_http_reset();
	part = (struct lfs_reg_part){ .fd = tmpfile_with(blob, 5), .len = 10 };
	fake_http_push(&(struct fake_http_resp){ .status = 206, .body = blob + 10,
		.content_range = "bytes 10-35/36" });
	ck_assert_int_eq(lfs_reg_blob_stream(&reg, dg, len, out, &part, &have), -EIO);
	snprintf(want, sizeof(want),
		 "blob '%s': cannot read the partial download an earlier pull left: it is shorter than it was",
		 dg);
	assert_reg_err(&reg, want);
	close(part.fd);
	close(out);

	/* ... read, but the stream cannot take it (open for reading only) */
	fake_http_reset();
	ro = reopen_as(tmpfile_with("", 0), O_RDONLY);
	part = (struct lfs_reg_part){ .fd = tmpfile_with(blob, len), .len = len };
	ck_assert_int_eq(lfs_reg_blob_stream(&reg, dg, len, ro, &part, &have), -EBADF);
	snprintf(want, sizeof(want),
		 "blob '%s': cannot pass on the partial download an earlier pull left (Bad file descriptor)",
		 dg);
	assert_reg_err(&reg, want);
	close(part.fd);

	/* the download itself cannot be written: the errno as the code */
	fake_http_reset();
	fake_http_push(&(struct fake_http_resp){ .status = 200, .body = blob });
	ck_assert_int_eq(lfs_reg_blob_stream(&reg, dg, len, ro, NULL, &have), -EBADF);
	snprintf(want, sizeof(want),
		 "blob '%s': cannot write the download (Bad file descriptor)", dg);
	assert_reg_err(&reg, want);
	close(ro);
	lfs_reg_close(&reg);
}
END_TEST

/* pullpart.c: the names, the lock, prune's rule. */
START_TEST(test_pull_part)
{
	static const char *const dg =
		"sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
	char dir[] = "/tmp/check-part.XXXXXX", name[128], back[80], p[256];
	struct lfs_reg_part a, b;
	struct lfs_strv gone = { 0 };
	uint64_t size = 0;
	int root, failed = 0;
	time_t now = time(NULL);

	ck_assert_int_eq(lfs_part_name(dg, name, sizeof(name)), 0);
	ck_assert_str_eq(name, "sha256-0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef.partial");
	ck_assert_int_eq(lfs_part_digest(name, back, sizeof(back)), 0);
	ck_assert_str_eq(back, dg);
	ck_assert_int_eq(lfs_part_name("sha256:0123", name, sizeof(name)), -EINVAL);
	ck_assert_int_eq(lfs_part_name("sha512:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
				       name, sizeof(name)), -EINVAL);
	ck_assert_int_eq(lfs_part_name("sha256:0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef",
				       name, sizeof(name)), -EINVAL);
	ck_assert_int_eq(lfs_part_name("sha256:../3456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
				       name, sizeof(name)), -EINVAL);
	ck_assert_int_eq(lfs_part_digest("sha256-0123.partial", back, sizeof(back)), -EINVAL);
	ck_assert_int_eq(lfs_part_digest("sha256-0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
					 back, sizeof(back)), -EINVAL);

	ck_assert_ptr_nonnull(mkdtemp(dir));
	root = open(dir, O_RDONLY | O_DIRECTORY);
	ck_assert_int_ge(root, 0);
	/* made, empty, locked: a second opener is told it is busy */
	ck_assert_int_eq(lfs_part_open(root, dg, &a), 0);
	ck_assert_uint_eq(a.len, 0);
	ck_assert_int_eq(lfs_part_open(root, dg, &b), -EBUSY);
	ck_assert_int_eq(b.fd, -1);
	ck_assert_int_eq(write(a.fd, "0123456789", 10), 10);
	/* held: prune leaves it, however old */
	ck_assert_int_eq(lfs_part_prune(root, now + 3600, LFS_PART_MIN_AGE, 0,
					&gone, &size, &failed), 0);
	ck_assert_uint_eq(gone.n, 0);
	ck_assert_uint_eq(lfs_part_close(root, dg, &a), 10);	/* kept */
	/* reopened: its bytes */
	ck_assert_int_eq(lfs_part_open(root, dg, &a), 0);
	ck_assert_uint_eq(a.len, 10);
	ck_assert_uint_eq(lfs_part_close(root, dg, &a), 10);
	/* unheld but young: kept; old: deleted (a dry run first) */
	ck_assert_int_eq(lfs_part_prune(root, now, LFS_PART_MIN_AGE, 0,
					&gone, &size, &failed), 0);
	ck_assert_uint_eq(gone.n, 0);
	ck_assert_int_eq(lfs_part_prune(root, now + 120, LFS_PART_MIN_AGE, 1,
					&gone, &size, &failed), 0);
	ck_assert_uint_eq(gone.n, 1);
	ck_assert_uint_eq(size, 10);
	snprintf(p, sizeof(p), "%s/" LFS_PART_DIR "/%s", dir, name);
	ck_assert_int_eq(access(p, F_OK), 0);
	lfs_strv_free(&gone);
	size = 0;
	ck_assert_int_eq(lfs_part_prune(root, now + 120, LFS_PART_MIN_AGE, 0,
					&gone, &size, &failed), 0);
	ck_assert_uint_eq(gone.n, 1);
	ck_assert_str_eq(gone.v[0], dg);
	ck_assert_int_eq(failed, 0);
	ck_assert_int_eq(access(p, F_OK), -1);
	snprintf(p, sizeof(p), "%s/" LFS_PART_DIR, dir);
	ck_assert_int_eq(access(p, F_OK), -1);	/* the empty directory too */
	lfs_strv_free(&gone);
	/* dropped (verified): deleted on close */
	ck_assert_int_eq(lfs_part_open(root, dg, &a), 0);
	ck_assert_int_eq(write(a.fd, "0123456789", 10), 10);
	a.drop = 1;
	ck_assert_uint_eq(lfs_part_close(root, dg, &a), 0);
	ck_assert_int_eq(access(p, F_OK), -1);
	close(root);
	ck_assert_int_eq(rmdir(dir), 0);
}
END_TEST

START_TEST(test_client_manifest_digest)
{
	static const char man[] = "{\"schemaVersion\":2}";
	struct lfs_reg reg;
	char *body = NULL, ct[128], dg[LFS_DIGEST_LEN], want[LFS_DIGEST_LEN];
	size_t len;

	lfs_oci_sha256_digest(man, strlen(man), want);
	open_reg(&reg, NULL);
	/* by digest: the content must have it */
	fake_http_push(&(struct fake_http_resp){ .status = 200, .body = man });
	ck_assert_int_eq(lfs_reg_manifest_get(&reg, D64, &body, &len, ct, dg),
			 -EBADMSG);
	ck_assert_ptr_null(body);
	fake_http_push(&(struct fake_http_resp){ .status = 200, .body = man });
	ck_assert_int_eq(lfs_reg_manifest_get(&reg, want, &body, &len, ct, dg), 0);
	free(body);
	/* by tag: Docker-Content-Digest, when given, must match */
	fake_http_push(&(struct fake_http_resp){ .status = 200, .body = man,
		.docker_digest = D64 });
	ck_assert_int_eq(lfs_reg_manifest_get(&reg, "v1", &body, &len, ct, dg),
			 -EBADMSG);
	lfs_reg_close(&reg);
}
END_TEST

/* push and pull end to end: fake_nl.c for the kernel, fake_http.c for
 * the registry, the real save, load and store. */
static struct run_result r;

static char tmpdir[64];

static void cmd_setup(void)
{
	fake_nl_reset();
	fake_http_reset();
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/check-ocireg.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static void cmd_teardown(void)
{
	run_result_free(&r);
	lfs_rm_rf_at(AT_FDCWD, tmpdir);
	fake_nl_reset();
	fake_http_reset();
}

static void run(const char *const *args)
{
	struct lfs_ctx ctx = { 0 };

	run_layerctl(&r, &ctx, args);
}

/* run() with @input as standard input (a stream, not a terminal). */
static void run_input(const char *input, const char *const *args)
{
	struct lfs_ctx ctx = { .in = input_of(input, strlen(input)) };

	run_layerctl(&r, &ctx, args);
}

#define RUN(...) run((const char *const[]){ __VA_ARGS__, NULL })

/* A copy of the body of request @i. */
static char *seen_body(size_t i, size_t *len)
{
	const struct fake_http_seen *s = fake_http_seen(i);
	char *b;

	ck_assert_ptr_nonnull(s);
	ck_assert_ptr_nonnull(s->body);
	b = malloc(s->body_len + 1);
	memcpy(b, s->body, s->body_len);
	b[s->body_len] = '\0';
	*len = s->body_len;
	return b;
}

/* The registry's next answers: a manifest, then its config. */
/* What pull_run() serves: an image pushed before. */
static struct {
	const char *manifest, *config, *layer;
	size_t mlen, clen, llen;
} pull_img;

static void fake_image(const char *manifest, size_t mlen, const char *config,
		       size_t clen);

/* run() with the fake registry serving pull_img anew. */
static void pull_run(const char *const *args)
{
	fake_image(pull_img.manifest, pull_img.mlen, pull_img.config,
		   pull_img.clen);
	fake_http_push(&(struct fake_http_resp){ .status = 200,
		.body = pull_img.layer, .body_len = pull_img.llen });
	run(args);
}

static void fake_image(const char *manifest, size_t mlen, const char *config,
		       size_t clen)
{
	fake_http_reset();
	fake_http_push(&(struct fake_http_resp){ .status = 200,
		.content_type = LFS_MT_MANIFEST, .body = manifest, .body_len = mlen });
	fake_http_push(&(struct fake_http_resp){ .status = 200, .body = config,
		.body_len = clen });
}

/* Entries of @dir other than . and .. (and those starting with @skip). */
static int entries(const char *dir)
{
	char cmd[256];
	FILE *f;
	int n = -1;

	snprintf(cmd, sizeof(cmd), "ls -A '%s' 2>/dev/null | wc -l", dir);
	f = popen(cmd, "r");
	if (f && fscanf(f, "%d", &n) != 1)
		n = -1;
	if (f)
		pclose(f);
	return n;
}

/* The file @path holds the @n bytes at @want. */
static void file_holds(const char *path, const char *want, size_t n)
{
	char *buf = malloc(n + 1);
	int fd = open(path, O_RDONLY);

	ck_assert_msg(fd >= 0, "%s: %s", path, strerror(errno));
	ck_assert_int_eq(read(fd, buf, n + 1), (ssize_t)n);
	ck_assert_int_eq(memcmp(buf, want, n), 0);
	close(fd);
	free(buf);
}

/* Changes one bit of byte @off of the file @path. */
static void flip_byte(const char *path, size_t off)
{
	unsigned char c;
	int fd = open(path, O_RDWR);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(pread(fd, &c, 1, (off_t)off), 1);
	c ^= 1;
	ck_assert_int_eq(pwrite(fd, &c, 1, (off_t)off), 1);
	close(fd);
}

/*
 * push with an allocation failing, each in turn (run_nomem_want()): the
 * image and destination are named, never a bare "out of memory".  The
 * fake registry answers nothing: a run that gets that far fails there.
 */
/*
 * login's password: the registry and the user are the subject, as of
 * every login error (README).
 */
START_TEST(test_cmd_login_password)
{
	static const char *const ask[] = { "login", "reg.io", "-u", "alice",
					   NULL };
	static const char *const piped[] = { "login", "reg.io", "-u", "alice",
					     "--password-stdin", NULL };
	char long_pw[1100];

	run_input("secret\n", ask);
	ck_assert_int_eq(r.rc, 1);
	ck_assert_str_eq(r.err, "layerctl: registry 'reg.io': user 'alice': no terminal to ask the password on: use --password-stdin\n");
	run_input("", piped);
	ck_assert_int_eq(r.rc, 1);
	ck_assert_str_eq(r.err, "layerctl: registry 'reg.io': user 'alice': no password on standard input\n");
	memset(long_pw, 'x', sizeof(long_pw) - 2);
	long_pw[sizeof(long_pw) - 2] = '\n';
	long_pw[sizeof(long_pw) - 1] = '\0';
	run_input(long_pw, piped);
	ck_assert_int_eq(r.rc, 1);
	ck_assert_str_eq(r.err, "layerctl: registry 'reg.io': user 'alice': password longer than 1022 bytes\n");
	ck_assert_uint_eq(fake_http_nseen(), 0);
}
END_TEST

/* Writes @text to @path with mode @mode. */
static void put_file(const char *path, const char *text, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
}

/*
 * logout: the host's entries leave the auth file (mode 0600, the rest
 * kept); a credential helper the file names is told to erase them; with
 * nothing stored it says so and succeeds, as docker logout.
 */
START_TEST(test_cmd_logout)
{
	char auth[128], bin[128], helper[192], seen[192], want[1024], path[4096];
	char real[160];
	const char *old_path = getenv("PATH");
	struct lfs_reg_cred c;
	struct lfs_err e = LFS_ERR_INIT;
	struct stat sb;
	char *text;

	snprintf(auth, sizeof(auth), "%s/auth.json", tmpdir);
	setenv("REGISTRY_AUTH_FILE", auth, 1);
	RUN("logout", "reg.io:5000");
	ck_assert_int_eq(r.rc, 0);
	ck_assert_str_eq(r.out, "reg.io:5000: not logged in\n");
	ck_assert_int_eq(access(auth, F_OK), -1);

	put_file(auth, "{\"auths\":{\"reg.io:5000\":{\"auth\":\"YTpi\"},"
		 "\"https://reg.io:5000/v1/\":{\"auth\":\"YTpi\"},"
		 "\"b.io\":{\"auth\":\"YzpkCg==\"}},\"x\":1}", 0644);
	RUN("logout", "reg.io:5000");
	ck_assert_int_eq(r.rc, 0);
	ck_assert_str_eq(r.err, "");
	snprintf(want, sizeof(want), "reg.io:5000: credentials removed from %s\n", auth);
	ck_assert_str_eq(r.out, want);
	ck_assert_int_eq(stat(auth, &sb), 0);
	ck_assert_int_eq(sb.st_mode & 07777, 0600);
	ck_assert_int_eq(lfs_reg_read_file(AT_FDCWD, auth, &text, NULL), 0);
	ck_assert_int_eq(lfs_reg_auth_lookup(text, "reg.io:5000", &c, &e), -ENOENT);
	ck_assert_ptr_nonnull(strstr(text, "\"b.io\""));
	ck_assert_ptr_nonnull(strstr(text, "\"x\""));
	free(text);
	RUN("logout", "reg.io:5000");
	ck_assert_int_eq(r.rc, 0);
	ck_assert_str_eq(r.out, "reg.io:5000: not logged in\n");

	/* an auth file that is a symbolic link stays one: its file changes */
	snprintf(real, sizeof(real), "%s/dotfiles", tmpdir);
	ck_assert_int_eq(mkdir(real, 0700), 0);
	snprintf(real, sizeof(real), "%s/dotfiles/auth.json", tmpdir);
	put_file(real, "{\"auths\":{\"reg.io:5000\":{\"auth\":\"YTpi\"}}}", 0600);
	ck_assert_int_eq(unlink(auth), 0);
	ck_assert_int_eq(symlink("dotfiles/auth.json", auth), 0);
	RUN("logout", "reg.io:5000");
	ck_assert_int_eq(r.rc, 0);
	ck_assert_int_eq(lstat(auth, &sb), 0);
	ck_assert_msg(S_ISLNK(sb.st_mode), "logout replaced the link %s", auth);
	ck_assert_int_eq(lfs_reg_read_file(AT_FDCWD, real, &text, NULL), 0);
	ck_assert_int_eq(lfs_reg_auth_lookup(text, "reg.io:5000", &c, &e), -ENOENT);
	free(text);

	/* a helper named by the file: told to erase, given the server */
	snprintf(bin, sizeof(bin), "%s/bin", tmpdir);
	ck_assert_int_eq(mkdir(bin, 0755), 0);
	snprintf(helper, sizeof(helper), "%s/docker-credential-lfsunit", bin);
	snprintf(seen, sizeof(seen), "%s/seen", tmpdir);
	snprintf(want, sizeof(want),
		 "#!/bin/sh\n{ echo \"$1\"; cat; } >'%s'\n"
		 "case $(cat '%s.mode' 2>/dev/null) in\n"
		 "none) echo 'credentials not found in native keychain'; exit 1;;\n"
		 "fail) echo 'the keyring is locked'; exit 3;;\nesac\n",
		 seen, seen);
	put_file(helper, want, 0755);
	snprintf(path, sizeof(path), "%s:%s", bin, old_path ? old_path : "/usr/bin:/bin");
	setenv("PATH", path, 1);
	put_file(auth, "{\"credHelpers\":{\"reg.io\":\"lfsunit\"},"
		 "\"auths\":{\"reg.io\":{\"auth\":\"YTpi\"}}}", 0600);
	RUN("logout", "reg.io");
	ck_assert_int_eq(r.rc, 0);
	snprintf(want, sizeof(want),
		 "reg.io: credentials erased by docker-credential-lfsunit\n"
		 "reg.io: credentials removed from %s\n", auth);
	ck_assert_str_eq(r.out, want);
	ck_assert_int_eq(lfs_reg_read_file(AT_FDCWD, seen, &text, NULL), 0);
	ck_assert_str_eq(text, "erase\nreg.io");
	free(text);
	snprintf(path, sizeof(path), "%s.mode", seen);
	put_file(path, "none", 0644);
	RUN("logout", "reg.io");
	ck_assert_int_eq(r.rc, 0);
	ck_assert_str_eq(r.out, "reg.io: not logged in\n");
	put_file(path, "fail", 0644);
	RUN("logout", "reg.io");
	ck_assert_int_eq(r.rc, 1);
	ck_assert_str_eq(r.out, "");
	snprintf(want, sizeof(want),
		 "layerctl: auth file '%s': credential helper 'docker-credential-lfsunit': failed with status 3: the keyring is locked\n",
		 auth);
	ck_assert_str_eq(r.err, want);
	setenv("PATH", old_path ? old_path : "/usr/bin:/bin", 1);

	/* not an auth file, or not a host */
	put_file(auth, "[1]", 0600);
	RUN("logout", "reg.io");
	ck_assert_int_eq(r.rc, 1);
	snprintf(want, sizeof(want), "layerctl: auth file '%s': not a JSON object (Invalid argument)\n", auth);
	ck_assert_str_eq(r.err, want);
	unsetenv("REGISTRY_AUTH_FILE");
	RUN("logout", "reg.io/x");
	ck_assert_int_eq(r.rc, LFS_EXIT_USAGE);
	RUN("logout");
	ck_assert_int_eq(r.rc, LFS_EXIT_USAGE);
	ck_assert_uint_eq(fake_http_nseen(), 0);
}
END_TEST

START_TEST(test_cmd_push_nomem)
{
	static const char *args[] = { "--store", NULL, "push", "--jobs", "1",
				      "base:1", "reg.io/app:1", NULL };
	struct lfs_layer l = { 0 };
	char src[128], store[128];

	snprintf(src, sizeof(src), "%s/src", tmpdir);
	ck_assert_int_eq(mkdir(src, 0755), 0);
	snprintf(store, sizeof(store), "%s/store", tmpdir);
	args[1] = store;
	l.name = "base:1";
	l.path = src;
	fake_nl.layers[0] = &l;
	fake_nl.n_layers = 1;
	run_nomem_want(run, &r, args, (const char *const[]){
		"layerctl: image 'base:1': cannot plan its layers (Cannot allocate memory)",
		"layerctl: destination 'reg.io/app:1': cannot show its progress (Cannot allocate memory)",
		NULL });
}
END_TEST

START_TEST(test_cmd_push_pull)
{
	struct lfs_layer l = { 0 };
	char src[128], store[128], store2[160], path[512], buf[8];
	char *layer, *config, *manifest, *bad, crange[64];
	char ldg[LFS_DIGEST_LEN], pname[128], wrong[20];
	size_t llen, clen, mlen, mlen2;
	FILE *f;
	int fd;

	snprintf(src, sizeof(src), "%s/src", tmpdir);
	ck_assert_int_eq(mkdir(src, 0755), 0);
	snprintf(path, sizeof(path), "%s/a", src);
	f = fopen(path, "w");
	fputs("a\n", f);
	fclose(f);
	snprintf(store, sizeof(store), "%s/store", tmpdir);
	l.name = "base:1";
	l.path = src;
	fake_nl.layers[0] = &l;
	fake_nl.n_layers = 1;

	/*
	 * push: the layer (unknown to the store) streamed up as it is
	 * compressed (POST, PATCH, PUT ?digest=), the config asked for, then
	 * uploaded, then the manifest
	 */
	fake_http_push(&(struct fake_http_resp){ .status = 202, .location = "/up/1" });
	fake_http_push(&(struct fake_http_resp){ .status = 202, .location = "/up/1b" });
	fake_http_push(&(struct fake_http_resp){ .status = 201 });
	fake_http_push(&(struct fake_http_resp){ .status = 404 });
	fake_http_push(&(struct fake_http_resp){ .status = 202, .location = "/up/2" });
	fake_http_push(&(struct fake_http_resp){ .status = 201 });
	fake_http_push(&(struct fake_http_resp){ .status = 201 });
	RUN("--store", store, "push", "--jobs", "1", "base:1", "reg.io/app:1", "--platform",
	    "linux/amd64");
	ck_assert_msg(r.rc == 0, "%s", r.err);
	ck_assert_msg(strstr(r.out, "reg.io/app:1: digest sha256:") &&
		      strstr(r.out, "(2 blobs uploaded, 0 present, 0 mounted)"), "%s", r.out);
	ck_assert_uint_eq(fake_http_left(), 0);
	ck_assert_str_eq(fake_http_seen(0)->method, "POST");
	ck_assert_str_eq(fake_http_seen(1)->method, "PATCH");
	ck_assert_ptr_null(fake_http_header(1, "Content-Range"));
	ck_assert_str_eq(fake_http_seen(2)->method, "PUT");
	ck_assert_ptr_nonnull(strstr(fake_http_seen(2)->url, "/up/1b?digest=sha256%3A"));
	ck_assert_uint_eq(fake_http_seen(2)->body_len, 0);
	ck_assert_str_eq(fake_http_seen(3)->method, "HEAD");
	ck_assert_str_eq(fake_http_seen(6)->url,
			 "https://reg.io/v2/app/manifests/1");
	layer = seen_body(1, &llen);
	config = seen_body(5, &clen);
	manifest = seen_body(6, &mlen);
	/* the layer's blob is one gzip member of the tar */
	ck_assert_uint_ge(llen, 20);
	ck_assert_int_eq((unsigned char)layer[0], 0x1f);
	ck_assert_int_eq((unsigned char)layer[1], 0x8b);
	ck_assert_ptr_nonnull(strstr(config, "\"architecture\":\"amd64\""));
	/*
	 * written: where the blobs went (blobsrc.h), which blob the layer
	 * is (layerdg.h), and that blob, kept (blobkeep.h)
	 */
	snprintf(path, sizeof(path), "grep -c ' reg.io/app$' %s/registry-sources", store);
	f = popen(path, "r");
	ck_assert_ptr_nonnull(fgets(buf, sizeof(buf), f));
	pclose(f);
	ck_assert_str_eq(buf, "2\n");
	lfs_oci_sha256_digest(layer, llen, ldg);
	snprintf(path, sizeof(path), "%s/blobs/sha256", store);
	ck_assert_int_eq(entries(path), 1);	/* no temporary file left */
	snprintf(path, sizeof(path), "%s/blobs/sha256/%s", store, ldg + 7);
	file_holds(path, layer, llen);

	/* again: the store knows the layer's blob; present, as the config */
	fake_http_reset();
	fake_http_push(&(struct fake_http_resp){ .status = 200 });
	fake_http_push(&(struct fake_http_resp){ .status = 200 });
	fake_http_push(&(struct fake_http_resp){ .status = 201 });
	RUN("--store", store, "push", "--jobs", "1", "base:1", "reg.io/app:1", "--platform",
	    "linux/amd64");
	ck_assert_msg(r.rc == 0, "%s", r.err);
	ck_assert_msg(strstr(r.out, "(0 blobs uploaded, 2 present, 0 mounted)"), "%s", r.out);
	ck_assert_uint_eq(fake_http_nseen(), 3);

	/*
	 * to another repository that lacks the blobs (the mounts declined):
	 * the kept blob uploaded as it is, not compressed again
	 */
	fake_http_reset();
	fake_http_push(&(struct fake_http_resp){ .status = 404 });
	fake_http_push(&(struct fake_http_resp){ .status = 202, .location = "/up/3" });
	fake_http_push(&(struct fake_http_resp){ .status = 202, .location = "/up/3b" });
	fake_http_push(&(struct fake_http_resp){ .status = 201 });
	fake_http_push(&(struct fake_http_resp){ .status = 404 });
	fake_http_push(&(struct fake_http_resp){ .status = 202, .location = "/up/4" });
	fake_http_push(&(struct fake_http_resp){ .status = 201 });
	fake_http_push(&(struct fake_http_resp){ .status = 201 });
	RUN("--store", store, "push", "--jobs", "1", "base:1", "reg.io/other:1",
	    "--platform", "linux/amd64");
	ck_assert_msg(r.rc == 0, "%s", r.err);
	ck_assert_msg(strstr(r.out, " uploaded ") && strstr(r.out, " bytes (kept blob)\n"),
		      "%s", r.out);
	ck_assert_uint_eq(fake_http_left(), 0);
	ck_assert_str_eq(fake_http_seen(2)->method, "PATCH");
	bad = seen_body(2, &mlen2);
	ck_assert_uint_eq(mlen2, llen);
	ck_assert_int_eq(memcmp(bad, layer, llen), 0);
	free(bad);
	ck_assert_ptr_nonnull(strstr(fake_http_seen(3)->url, "/up/3b?digest=sha256%3A"));

	/* ... unless it is not that blob (one bit changed): compressed again */
	snprintf(path, sizeof(path), "%s/blobs/sha256/%s", store, ldg + 7);
	flip_byte(path, llen / 2);
	fake_http_reset();
	fake_http_push(&(struct fake_http_resp){ .status = 404 });
	fake_http_push(&(struct fake_http_resp){ .status = 202, .location = "/up/5" });
	fake_http_push(&(struct fake_http_resp){ .status = 202, .location = "/up/5b" });
	fake_http_push(&(struct fake_http_resp){ .status = 202, .location = "/up/6" });
	fake_http_push(&(struct fake_http_resp){ .status = 202, .location = "/up/6b" });
	fake_http_push(&(struct fake_http_resp){ .status = 201 });
	fake_http_push(&(struct fake_http_resp){ .status = 404 });
	fake_http_push(&(struct fake_http_resp){ .status = 202, .location = "/up/7" });
	fake_http_push(&(struct fake_http_resp){ .status = 201 });
	fake_http_push(&(struct fake_http_resp){ .status = 201 });
	RUN("--store", store, "push", "--jobs", "1", "base:1", "reg.io/third:1",
	    "--platform", "linux/amd64");
	ck_assert_msg(r.rc == 0, "%s", r.err);
	ck_assert_msg(strstr(r.out, " bytes (the kept blob was not that blob: deleted, compressed again)\n"),
		      "%s", r.out);
	ck_assert_uint_eq(fake_http_left(), 0);
	/* the changed blob went up, but was not completed (no PUT) */
	ck_assert_str_eq(fake_http_seen(2)->method, "PATCH");
	ck_assert_str_eq(fake_http_seen(3)->method, "POST");
	ck_assert_str_eq(fake_http_seen(4)->method, "PATCH");
	bad = seen_body(4, &mlen2);
	ck_assert_uint_eq(mlen2, llen);
	ck_assert_int_eq(memcmp(bad, layer, llen), 0);
	free(bad);
	ck_assert_ptr_nonnull(strstr(fake_http_seen(5)->url, "/up/6b?digest=sha256%3A"));
	/* and the right blob is kept in its place */
	file_holds(path, layer, llen);

	/* --no-keep-blob: nothing kept */
	snprintf(path, sizeof(path), "%s/store-nokeep", tmpdir);
	fake_http_reset();
	fake_http_push(&(struct fake_http_resp){ .status = 202, .location = "/up/8" });
	fake_http_push(&(struct fake_http_resp){ .status = 202, .location = "/up/8b" });
	fake_http_push(&(struct fake_http_resp){ .status = 201 });
	fake_http_push(&(struct fake_http_resp){ .status = 200 });
	fake_http_push(&(struct fake_http_resp){ .status = 201 });
	RUN("--store", path, "push", "--jobs", "1", "base:1", "reg.io/app:1", "--platform",
	    "linux/amd64", "--no-keep-blob");
	ck_assert_msg(r.rc == 0, "%s", r.err);
	ck_assert_uint_eq(fake_http_left(), 0);
	snprintf(path, sizeof(path), "%s/store-nokeep/blobs", tmpdir);
	ck_assert_int_eq(access(path, F_OK), -1);

	/* pull into another store: registered, extracted, no layout left */
	snprintf(store2, sizeof(store2), "%s/store2", tmpdir);
	fake_image(manifest, mlen, config, clen);
	fake_http_push(&(struct fake_http_resp){ .status = 200, .body = layer,
		.body_len = llen });
	RUN("--store", store2, "pull", "--jobs", "1", "reg.io/app:1", "copy/app:1",
	    "--platform", "linux/amd64");
	ck_assert_msg(r.rc == 0, "%s", r.err);
	ck_assert_msg(strstr(r.out, "copy/app:1: sha256:") &&
		      strstr(r.out, "(2 blobs downloaded, 0 layers in the store)"),
		      "%s", r.out);
	ck_assert_uint_eq(fake_nl.added.n, 1);
	ck_assert_str_eq(fake_nl.added.v[0], "copy/app:1");
	ck_assert_str_eq(fake_http_seen(0)->url, "https://reg.io/v2/app/manifests/1");
	snprintf(path, sizeof(path), "cat %s/layers/*/diff/a", store2);
	f = popen(path, "r");
	ck_assert_ptr_nonnull(fgets(buf, sizeof(buf), f));
	pclose(f);
	ck_assert_str_eq(buf, "a\n");
	/* nothing but the store, its records and the kept blob: no .pull-* */
	snprintf(path, sizeof(path), "ls -A %s | grep -c '^\\.pull-\\|^\\.partial'", store2);
	f = popen(path, "r");
	ck_assert_ptr_nonnull(fgets(buf, sizeof(buf), f));
	pclose(f);
	ck_assert_str_eq(buf, "0\n");
	snprintf(path, sizeof(path), "%s/layers", store2);
	ck_assert_int_eq(entries(path), 1);
	snprintf(path, sizeof(path), "%s/blobs/sha256", store2);
	ck_assert_int_eq(entries(path), 1);
	snprintf(path, sizeof(path), "%s/blobs/sha256/%s", store2, ldg + 7);
	file_holds(path, layer, llen);

	/* REF a tag of the store: refused, as a registered layer's name is */
	RUN("--store", store2, "tag", "copy/app:1", "web:prod");
	ck_assert_msg(r.rc == 0, "%s", r.err);
	fake_image(manifest, mlen, config, clen);
	RUN("--store", store2, "pull", "--jobs", "1", "reg.io/app:1", "web:prod",
	    "--platform", "linux/amd64");
	ck_assert_int_eq(r.rc, 1);
	ck_assert_str_eq(r.err, "layerctl: layer 'web:prod': a tag of that name exists, of 'copy/app:1' (File exists)\n");
	ck_assert_uint_eq(fake_http_nseen(), 1);	/* the manifest only */

	/* a corrupt layer: refused while it streams, nothing registered */
	bad = malloc(llen);
	memcpy(bad, layer, llen);
	bad[llen / 2] ^= 1;
	snprintf(path, sizeof(path), "%s/store3", tmpdir);
	fake_image(manifest, mlen, config, clen);
	fake_http_push(&(struct fake_http_resp){ .status = 200, .body = bad,
		.body_len = llen });
	RUN("--store", path, "pull", "--jobs", "1", "reg.io/app:1", "bad/app:1",
	    "--platform", "linux/amd64");
	ck_assert_int_eq(r.rc, 1);
	ck_assert_msg(strstr(r.err, "does not match its digest"), "%s", r.err);
	ck_assert_uint_eq(fake_nl.added.n, 1);
	snprintf(path, sizeof(path), "%s/store3/layers", tmpdir);
	ck_assert_int_eq(entries(path), 0);	/* the staging removed */

	/*
	 * REF oci/chain:HEX of another chain: refused before any layer is
	 * downloaded (a later pull or load would take it for that chain's
	 * layer)
	 */
	fake_image(manifest, mlen, config, clen);
	snprintf(path, sizeof(path), "%s/store3", tmpdir);
	RUN("--store", path, "pull", "--jobs", "1", "reg.io/app:1",
	    "oci/chain:0000000000000000000000000000000000000000000000000000000000000007",
	    "--platform", "linux/amd64");
	ck_assert_int_eq(r.rc, 1);
	ck_assert_msg(strstr(r.err, "layerctl: layer name 'oci/chain:0000") &&
		      strstr(r.err, "are reserved for the layer of that OCI chain id"),
		      "%s", r.err);
	ck_assert_uint_eq(fake_nl.added.n, 1);
	ck_assert_uint_eq(fake_http_nseen(), 2);	/* manifest, config */

	/* a broken transfer: resumed with a range, into the same extraction */
	fake_image(manifest, mlen, config, clen);
	fake_http_push(&(struct fake_http_resp){ .status = 200, .body = layer,
		.body_len = llen, .fail_err = -EIO, .fail_after = 20 });
	snprintf(crange, sizeof(crange), "bytes 20-%zu/%zu", llen - 1, llen);
	fake_http_push(&(struct fake_http_resp){ .status = 206, .body = layer + 20,
		.body_len = llen - 20, .content_range = crange });
	snprintf(path, sizeof(path), "%s/store3", tmpdir);
	RUN("--store", path, "pull", "--jobs", "1", "reg.io/app:1", "res/app:1",
	    "--platform", "linux/amd64", "--no-keep-blob");
	ck_assert_msg(r.rc == 0, "%s", r.err);
	ck_assert_str_eq(fake_http_header(3, "Range"), "bytes=20-");
	ck_assert_uint_eq(fake_nl.added.n, 2);
	ck_assert_str_eq(fake_nl.added.v[1], "res/app:1");
	/* --no-keep-blob: the partial download deleted, no blob kept */
	snprintf(path, sizeof(path), "%s/store3/blobs", tmpdir);
	ck_assert_int_eq(access(path, F_OK), -1);
	snprintf(path, sizeof(path), "%s/store3/.partial", tmpdir);
	ck_assert_int_eq(access(path, F_OK), -1);

	/* one that keeps breaking: given up, nothing registered or left */
	fake_image(manifest, mlen, config, clen);
	fake_http_push(&(struct fake_http_resp){ .status = 200, .body = layer,
		.body_len = llen, .fail_err = -EIO, .fail_after = 20 });
	for (fd = 0; fd < 4; fd++)
		fake_http_push(&(struct fake_http_resp){ .status = 206,
			.body = layer, .fail_err = -EIO, .fail_after = 0 });
	snprintf(path, sizeof(path), "%s/store4", tmpdir);
	RUN("--store", path, "pull", "--jobs", "1", "reg.io/app:1", "res2/app:1",
	    "--platform", "linux/amd64");
	ck_assert_int_eq(r.rc, 1);
	/* the hint after ': ', not in parentheses; the directory quoted */
	snprintf(path, sizeof(path),
		 "layerctl: source 'reg.io/app:1': blob '%s': the transfer broke off at 20 of %zu bytes: fake: connection reset: 20 bytes of it kept in '%s/store4/.partial' for the next pull to resume\n",
		 ldg, llen, tmpdir);
	ck_assert_str_eq(r.err, path);
	ck_assert_uint_eq(fake_nl.added.n, 2);
	snprintf(path, sizeof(path), "%s/store4/layers", tmpdir);
	ck_assert_int_eq(entries(path), 0);
	/* only the partial download stays, of the 20 bytes */
	snprintf(path, sizeof(path), "%s/store4/.partial", tmpdir);
	ck_assert_int_eq(entries(path), 1);

	/* the next pull resumes from it: bytes=20- */
	fake_image(manifest, mlen, config, clen);
	fake_http_push(&(struct fake_http_resp){ .status = 206, .body = layer + 20,
		.body_len = llen - 20, .content_range = crange });
	snprintf(path, sizeof(path), "%s/store4", tmpdir);
	RUN("--store", path, "pull", "--jobs", "1", "reg.io/app:1", "res2/app:1",
	    "--platform", "linux/amd64");
	ck_assert_msg(r.rc == 0, "%s", r.err);
	ck_assert_str_eq(fake_http_header(2, "Range"), "bytes=20-");
	ck_assert_msg(strstr(r.out, "(resumed at 20)"), "%s", r.out);
	ck_assert_uint_eq(fake_nl.added.n, 3);
	snprintf(path, sizeof(path), "%s/store4/.partial", tmpdir);
	ck_assert_int_eq(access(path, F_OK), -1);	/* gone, verified */

	/* a partial download that is wrong: the pull fails, and it goes */
	lfs_oci_sha256_digest(layer, llen, ldg);
	ck_assert_int_eq(lfs_part_name(ldg, pname, sizeof(pname)), 0);
	snprintf(path, sizeof(path), "%s/store5", tmpdir);
	ck_assert_int_eq(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/store5/.partial", tmpdir);
	ck_assert_int_eq(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/store5/.partial/%s", tmpdir, pname);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	memcpy(wrong, layer, sizeof(wrong));
	wrong[10] ^= 1;			/* one bit of the 20 changed */
	ck_assert_uint_eq(fwrite(wrong, 1, sizeof(wrong), f), sizeof(wrong));
	fclose(f);
	fake_image(manifest, mlen, config, clen);
	fake_http_push(&(struct fake_http_resp){ .status = 206, .body = layer + 20,
		.body_len = llen - 20, .content_range = crange });
	snprintf(path, sizeof(path), "%s/store5", tmpdir);
	RUN("--store", path, "pull", "--jobs", "1", "reg.io/app:1", "res3/app:1",
	    "--platform", "linux/amd64");
	ck_assert_int_eq(r.rc, 1);
	ck_assert_msg(strstr(r.err, "does not match its digest") &&
		      strstr(r.err, "from the partial download an earlier pull left, deleted now"),
		      "%s", r.err);
	ck_assert_uint_eq(fake_nl.added.n, 3);
	snprintf(path, sizeof(path), "%s/store5/.partial", tmpdir);
	ck_assert_int_eq(access(path, F_OK), -1);
	snprintf(path, sizeof(path), "%s/store5/layers", tmpdir);
	ck_assert_int_eq(entries(path), 0);
	snprintf(path, sizeof(path), "%s/store3", tmpdir);

	/* an index without the platform */
	fake_http_reset();
	fake_http_push(&(struct fake_http_resp){ .status = 200,
		.content_type = LFS_MT_INDEX,
		.body = "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"sha256:1111111111111111111111111111111111111111111111111111111111111111\",\"size\":10,\"platform\":{\"os\":\"linux\",\"architecture\":\"s390x\"}}]}" });
	RUN("--store", path, "pull", "--jobs", "1", "reg.io/app:1", "idx/app:1",
	    "--platform", "linux/amd64");
	ck_assert_int_eq(r.rc, 1);
	ck_assert_str_eq(r.err, "layerctl: source 'reg.io/app:1': no manifest for linux/amd64, it has linux/s390x: see --platform\n");
	/*
	 * pull with an allocation failing, each in turn up to its plan
	 * (run_nomem_want()): the source is named, never "out of memory"
	 */
	{
		static const char *args[] = { "--store", NULL, "pull", "--jobs",
			"1", "reg.io/app:1", "nomem/app:1", "--platform",
			"linux/amd64", NULL };
		char nstore[160];

		pull_img.manifest = manifest;
		pull_img.mlen = mlen;
		pull_img.config = config;
		pull_img.clen = clen;
		pull_img.layer = layer;
		pull_img.llen = llen;
		snprintf(nstore, sizeof(nstore), "%s/store-nomem", tmpdir);
		args[1] = nstore;
		run_nomem_max = 100;
		run_nomem_want(pull_run, &r, args, (const char *const[]){
			"layerctl: source 'reg.io/app:1': cannot plan its layers (Cannot allocate memory)",
			NULL });
		run_nomem_max = 0;
	}
	free(bad);
	free(layer);
	free(config);
	free(manifest);
}
END_TEST

/*
 * A one-file layer as a registry serves it: the tar (for its diff_id)
 * and its gzip, followed by @junk zero bytes and a copy of the gzip
 * trailer (which the import compares with the last 8 bytes it reads).
 * Returns the blob; the tar's digest into @diff_id.
 */
static char *junk_layer(size_t junk, size_t *len, char diff_id[LFS_DIGEST_LEN])
{
	static char tar[16384];
	size_t used = tarfix_one_file(tar, sizeof(tar), "a\n", 2), glen;
	char *out;

	lfs_oci_sha256_digest(tar, used, diff_id);
	out = (char *)tarfix_gzip(tar, used, 0, junk + 8, &glen);
	if (junk) {
		memset(out + glen, 0, junk);
		memcpy(out + glen + junk, out + glen - 8, 8);
		glen += junk + 8;
	}
	*len = glen;
	return out;
}

/* The manifest and config of the one layer @blob (@blen bytes). */
static void junk_image(const char *blob, size_t blen, const char *diff_id,
		       char *manifest, size_t mcap, char *config, size_t ccap)
{
	char cdg[LFS_DIGEST_LEN], ldg[LFS_DIGEST_LEN];

	snprintf(config, ccap,
		 "{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"%s\"]}}",
		 diff_id);
	lfs_oci_sha256_digest(config, strlen(config), cdg);
	lfs_oci_sha256_digest(blob, blen, ldg);
	snprintf(manifest, mcap,
		 "{\"schemaVersion\":2,\"mediaType\":\"" LFS_MT_MANIFEST "\","
		 "\"config\":{\"mediaType\":\"" LFS_MT_CONFIG "\",\"digest\":\"%s\",\"size\":%zu},"
		 "\"layers\":[{\"mediaType\":\"" LFS_MT_LAYER_GZIP "\",\"digest\":\"%s\",\"size\":%zu}]}",
		 cdg, strlen(config), ldg, blen);
}

/*
 * The fake registry serves reg.io/app:1, an image of the one layer
 * junk_layer(@junk), for a pull.  Returns the blob, which the caller
 * frees after the pull.
 */
static char *serve_junk(size_t junk)
{
	static char manifest[1024], config[512];
	char diff_id[LFS_DIGEST_LEN], *blob;
	size_t blen;

	blob = junk_layer(junk, &blen, diff_id);
	junk_image(blob, blen, diff_id, manifest, sizeof(manifest), config,
		   sizeof(config));
	fake_image(manifest, strlen(manifest), config, strlen(config));
	fake_http_push(&(struct fake_http_resp){ .status = 200, .body = blob,
		.body_len = blen });
	return blob;
}

/* Pulls reg.io/app:1 into TMP/store within --max-size 1K, --max-entries 4. */
static void pull_junk_limited(void)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/store", tmpdir);
	RUN("--store", path, "pull", "--jobs", "1", "--max-size", "1K",
	    "--max-entries", "4", "reg.io/app:1", "junk/app:1",
	    "--platform", "linux/amd64");
}

/*
 * A hostile registry's layer blob larger than any layer within the
 * limits can be: a small gzip'ed tar and 512 KiB after it, its digest
 * and size right in the manifest, pulled with --max-size 1K and
 * --max-entries 4 (at most 273,408 bytes of tar).  Refused before it
 * is downloaded: nothing fetched but the manifest and the config,
 * nothing written to the store (pull wrote the manifest's size, however
 * large, to its partial download, and kept the blob).  The same layer
 * without the junk is pulled within those limits.
 */
START_TEST(test_cmd_pull_blob_limits)
{
	char path[512];
	char *blob;

	blob = serve_junk(512 << 10);
	pull_junk_limited();
	ck_assert_msg(r.rc == 1, "rc %d: %s%s", r.rc, r.out, r.err);
	ck_assert_msg(strstr(r.err, "layerctl: layer 'sha256:") &&
		      strstr(r.err, "': 524378 bytes, more than the 341080 a layer within --max-size and --max-entries can be\n"),
		      "%s", r.err);
	ck_assert_uint_eq(fake_http_nseen(), 2);	/* manifest, config */
	ck_assert_uint_eq(fake_nl.added.n, 0);
	snprintf(path, sizeof(path), "%s/store/layers", tmpdir);
	ck_assert_int_eq(entries(path), 0);
	snprintf(path, sizeof(path), "%s/store/.partial", tmpdir);
	ck_assert_int_eq(access(path, F_OK), -1);
	snprintf(path, sizeof(path), "%s/store/blobs", tmpdir);
	ck_assert_int_eq(access(path, F_OK), -1);
	free(blob);

	blob = serve_junk(0);
	pull_junk_limited();
	ck_assert_msg(r.rc == 0, "%s", r.err);
	ck_assert_uint_eq(fake_nl.added.n, 1);
	free(blob);

	/*
	 * Within the blob's limit but not the entry's: refused as it is
	 * extracted, the whole line on the error model (the hint after
	 * ': ', no parentheses), as t-registry-push-pull.sh matches it.
	 */
	blob = serve_junk(0);
	snprintf(path, sizeof(path), "%s/store2", tmpdir);
	RUN("--store", path, "pull", "--jobs", "1", "--max-entry-size", "1",
	    "reg.io/app:1", "junk/app:2", "--platform", "linux/amd64");
	ck_assert_msg(r.rc == 1, "%s", r.err);
	ck_assert_str_eq(r.err, "layerctl: source 'reg.io/app:1': layer 'junk/app:2': entry 'a': 2 bytes, more than 1: see --max-entry-size\n");
	free(blob);
}
END_TEST

/*
 * An index's platform strings, a hostile registry's text, reach the
 * terminal escaped like every other error text (they came out raw: an
 * escape sequence in "os" retitled, or worse, the user's terminal).
 */
START_TEST(test_cmd_pull_index_escaped)
{
	char path[512];

	fake_http_reset();
	fake_http_push(&(struct fake_http_resp){ .status = 200,
		.content_type = LFS_MT_INDEX,
		.body = "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"sha256:1111111111111111111111111111111111111111111111111111111111111111\",\"size\":10,\"platform\":{\"os\":\"linux\\u001b]0;owned\\u0007\",\"architecture\":\"s390x\\n\",\"variant\":\"v\\u001b[2J\"}}]}" });
	snprintf(path, sizeof(path), "%s/store", tmpdir);
	RUN("--store", path, "pull", "--jobs", "1", "reg.io/app:1", "idx/app:1",
	    "--platform", "linux/amd64");
	ck_assert_int_eq(r.rc, 1);
	ck_assert_msg(!strchr(r.err, '\x1b') && !strchr(r.err, '\x07'),
		      "raw control characters in: %s", r.err);
	ck_assert_str_eq(r.err, "layerctl: source 'reg.io/app:1': no manifest for linux/amd64, it has linux\\x1b]0;owned\\x07/s390x\\n/v\\x1b[2J: see --platform\n");
	ck_assert_uint_eq(strchr(r.err, '\n') - r.err + 1, strlen(r.err));
}
END_TEST

START_TEST(test_cmd_usage)
{
	char d[160], fifo[160], link[160], want[512];

	RUN("push", "base:1");
	ck_assert_int_eq(r.rc, LFS_EXIT_USAGE);
	ck_assert_msg(strstr(r.err, "missing DEST"), "%s", r.err);
	RUN("push", "base:1", "reg.io/Bad");
	ck_assert_int_eq(r.rc, 1);
	/* Registry commands: the subject first, no command name. */
	ck_assert_str_eq(r.err, "layerctl: destination 'reg.io/Bad': invalid repository: [a-z0-9] components joined by '.', '_', '__' or '-', separated by '/'\n");
	snprintf(d, sizeof(d), "reg.io/app@%s", D64);
	RUN("push", "base:1", d);
	ck_assert_int_eq(r.rc, 1);
	snprintf(want, sizeof(want), "layerctl: destination '%s': a digest names content, it cannot be pushed to: give a tag\n", d);
	ck_assert_str_eq(r.err, want);
	RUN("pull");
	ck_assert_int_eq(r.rc, LFS_EXIT_USAGE);
	RUN("pull", d);
	ck_assert_int_eq(r.rc, 1);
	snprintf(want, sizeof(want), "layerctl: source '%s': cannot name the image after it: give REF\n", d);
	ck_assert_str_eq(r.err, want);
	RUN("pull", "reg.io/app:.x", "x:1");
	ck_assert_int_eq(r.rc, 1);
	ck_assert_str_eq(r.err, "layerctl: source 'reg.io/app:.x': invalid tag: [A-Za-z0-9_][A-Za-z0-9_.-]*, at most 128 characters\n");
	RUN("login", "reg.io");
	ck_assert_int_eq(r.rc, LFS_EXIT_USAGE);
	ck_assert_msg(strstr(r.err, "missing -u USER"), "%s", r.err);
	RUN("login", "reg.io/x", "-u", "a");
	ck_assert_int_eq(r.rc, LFS_EXIT_USAGE);
	ck_assert_int_eq(fake_nl.requests, 0);
	ck_assert_uint_eq(fake_http_nseen(), 0);
	/* a taken name: the layer is the subject */
	{
		static const struct lfs_layer x1 = { .has = LFS_HAS_ID, .id = 3,
						     .name = "x:1", .path = "/x" };

		fake_nl.layers[0] = &x1;
		fake_nl.n_layers = 1;
		RUN("pull", "reg.io/app:1", "x:1");
		fake_nl.n_layers = 0;
		ck_assert_int_eq(r.rc, 1);
		ck_assert_str_eq(r.err, "layerctl: layer 'x:1': a layer of that name exists (File exists)\n");
	}
	/* what the registry says: the source is the subject */
	fake_http_push(&(struct fake_http_resp){ .status = 404,
		.body = "{\"errors\":[{\"code\":\"MANIFEST_UNKNOWN\",\"message\":\"manifest unknown\"}]}" });
	RUN("pull", "reg.io/app:1", "y:1");
	ck_assert_int_eq(r.rc, 1);
	ck_assert_str_eq(r.err, "layerctl: source 'reg.io/app:1': manifest '1': not found in reg.io/app: HTTP 404, MANIFEST_UNKNOWN: manifest unknown\n");
	fake_http_reset();
	/* an absent image: the line save prints, no "push: " in front */
	RUN("push", "nope:1", "reg.io/app:1");
	ck_assert_int_eq(r.rc, 1);
	ck_assert_str_eq(r.err, "layerctl: layer 'nope:1': no such layer (No such file or directory)\n");
	RUN("save", "nope:1", "-o", "-");
	ck_assert_int_eq(r.rc, 1);
	ck_assert_str_eq(r.err, "layerctl: layer 'nope:1': no such layer (No such file or directory)\n");
	/* an auth file that cannot be read: its subject, the reason, STRERROR */
	setenv("REGISTRY_AUTH_FILE", "/", 1);
	RUN("pull", "reg.io/app:1", "x:1");
	unsetenv("REGISTRY_AUTH_FILE");
	ck_assert_int_eq(r.rc, 1);
	ck_assert_str_eq(r.err, "layerctl: auth file '/': cannot read (Is a directory)\n");
	ck_assert_uint_eq(fake_http_nseen(), 0);
	/* a FIFO (here through a link) as the auth file: refused at once */
	snprintf(fifo, sizeof(fifo), "%s/fifo", tmpdir);
	snprintf(link, sizeof(link), "%s/auth.json", tmpdir);
	ck_assert_int_eq(mkfifo(fifo, 0600), 0);
	ck_assert_int_eq(symlink(fifo, link), 0);
	setenv("REGISTRY_AUTH_FILE", link, 1);
	RUN("pull", "reg.io/app:1", "x:1");
	unsetenv("REGISTRY_AUTH_FILE");
	ck_assert_int_eq(r.rc, 1);
	snprintf(want, sizeof(want),
		 "layerctl: auth file '%s': not a regular file (Invalid argument)\n",
		 link);
	ck_assert_str_eq(r.err, want);
	ck_assert_uint_eq(fake_http_nseen(), 0);
}
END_TEST

/* Makes directory @dir holding one file, @name. */
static void layer_dir(const char *dir, const char *name)
{
	char path[1024];
	int fd;

	ck_assert_int_eq(lfs_mkdir_p(dir, 0755), 0);
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0644);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, name, strlen(name)), (ssize_t)strlen(name));
	close(fd);
}

/*
 * prune's rule for kept blobs (lfs_keep_prune()): a blob stays while a
 * layer recorded in the store or registered is recorded as it
 * (layer-digests), so a prune before `layerctl restore` (nothing
 * registered yet) keeps the recorded layers' blobs; a blob no such layer
 * names goes.
 */
START_TEST(test_keep_prune_records)
{
	static const char ka[] = "0123456789abcdef0123456789abcdef";
	static const char *const name[3] = { "rec", "reg", "none" };
	char dir[3][256], path[1024], hex[3][65];
	struct lfs_store st = LFS_STORE_INIT;
	struct lfs_strv gone = LFS_STRV_INIT;
	struct lfs_layer reg = { 0 };
	struct lfs_meta m = { 0 };
	struct lfs_layerdg rec[3];
	struct lfs_nl *nl = NULL;
	uint64_t size = 0;
	int failed = 0, i, fd;

	ck_assert_int_eq(lfs_store_open(&st, tmpdir, 1, NULL), 0);
	snprintf(dir[0], sizeof(dir[0]), "%s/layers/%s/diff", tmpdir, ka);
	snprintf(dir[1], sizeof(dir[1]), "%s/outside/reg", tmpdir);
	snprintf(dir[2], sizeof(dir[2]), "%s/outside/none", tmpdir);
	memset(rec, 0, sizeof(rec));
	for (i = 0; i < 3; i++) {
		layer_dir(dir[i], name[i]);
		ck_assert_int_eq(lfs_layerdg_key(dir[i], 1000 * (i + 1),
						 rec[i].key), 0);
		memset(hex[i], "abc"[i], 64);
		hex[i][64] = 0;
		snprintf(rec[i].digest, sizeof(rec[i].digest), "sha256:%.64s",
			 hex[i]);
		snprintf(rec[i].diff_id, sizeof(rec[i].diff_id), "sha256:%.64s",
			 hex[i]);
		rec[i].size = 1;
		snprintf(rec[i].media_type, sizeof(rec[i].media_type), "%s",
			 "application/vnd.oci.image.layer.v1.tar+gzip");
		snprintf(path, sizeof(path), "%s/blobs/sha256", tmpdir);
		ck_assert_int_eq(lfs_mkdir_p(path, 0755), 0);
		snprintf(path, sizeof(path), "%s/blobs/sha256/%s", tmpdir,
			 hex[i]);
		fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0644);
		ck_assert_int_ge(fd, 0);
		ck_assert_int_eq(write(fd, "x", 1), 1);
		close(fd);
	}
	lfs_layerdg_record(tmpdir, rec, 3);
	/* "rec": a record in the store, not registered */
	m.ref = "rec:1";
	m.key = (char *)ka;
	m.diff = dir[0];
	m.created = 1000;
	m.flags = LAYERFS_LAYER_F_FROZEN;
	ck_assert_int_eq(lfs_store_layer_write_meta(&st, &m, NULL), 0);
	/* "reg": registered, no record */
	reg.name = "reg:1";
	reg.path = dir[1];
	reg.created = 2000;
	fake_nl.layers[0] = &reg;
	fake_nl.n_layers = 1;
	ck_assert_int_eq(lfs_nl_open(&nl, NULL, NULL), 0);

	ck_assert_int_eq(lfs_keep_prune(&st, nl, 0, &gone, &size, &failed), 0);
	ck_assert_int_eq(failed, 0);
	ck_assert_uint_eq(gone.n, 1);
	ck_assert_str_eq(gone.v[0], rec[2].digest);
	for (i = 0; i < 3; i++) {
		snprintf(path, sizeof(path), "%s/blobs/sha256/%s", tmpdir,
			 hex[i]);
		ck_assert_int_eq(access(path, F_OK) == 0, i < 2);
	}
	lfs_strv_free(&gone);
	lfs_nl_close(nl);
	lfs_store_close(&st);
}
END_TEST

Suite *ocireg_suite(void)
{
	Suite *s = suite_create("ocireg");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_ref_parse);
	tcase_add_test(tc, test_ref_names);
	tcase_add_test(tc, test_urls);
	tcase_add_test(tc, test_challenge);
	tcase_add_test(tc, test_token_error_base64);
	tcase_add_test(tc, test_auth_file);
	tcase_add_test(tc, test_pick);
	tcase_add_test(tc, test_client_bearer);
	tcase_add_test(tc, test_client_http_realm);
	tcase_add_test(tc, test_client_basic);
	tcase_add_test(tc, test_client_transport);
	tcase_add_test(tc, test_client_transport_ours);
	tcase_add_test(tc, test_client_nomem);
	tcase_add_test(tc, test_auth_store_nomem);
	tcase_add_test(tc, test_auth_remove);
	tcase_add_test(tc, test_auth_remove_nomem);
	tcase_add_test(tc, test_client_upload);
	tcase_add_test(tc, test_client_other_origin);
	tcase_add_test(tc, test_client_redirect_401);
	tcase_add_test(tc, test_client_fetch);
	tcase_add_test(tc, test_content_range);
	tcase_add_test(tc, test_client_stream_part);
	tcase_add_test(tc, test_pull_part);
	tcase_add_test(tc, test_client_manifest_digest);
	suite_add_tcase(s, tc);
	tc = tcase_create("commands");
	/* whole pushes and pulls: check's 4 s is too short on a busy host */
	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, cmd_setup, cmd_teardown);
	tcase_add_test(tc, test_cmd_push_pull);
	tcase_add_test(tc, test_cmd_push_nomem);
	tcase_add_test(tc, test_cmd_login_password);
	tcase_add_test(tc, test_cmd_logout);
	tcase_add_test(tc, test_cmd_pull_blob_limits);
	tcase_add_test(tc, test_cmd_pull_index_escaped);
	tcase_add_test(tc, test_cmd_usage);
	tcase_add_test(tc, test_keep_prune_records);
	suite_add_tcase(s, tc);
	return s;
}
