// SPDX-License-Identifier: GPL-2.0
/*
 * Tests for the OCI interop: userspace/oci.c (pure: paths, whiteouts,
 * digests, chain ids, image-layout JSON), userspace/tar_export.c, tar_import.c (export and
 * import in a temporary directory, malformed input, no device nodes for
 * other callers) and the export/import commands end to end with fake_nl.c.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <archive.h>
#include <json-c/json.h>
#include <archive_entry.h>

#include <linux/fs.h>
#include <linux/openat2.h>
#include <linux/layerfs.h>

#include "blobkeep.h"
#include "cmd.h"
#include "fake_nl.h"
#include "fsdir.h"
#include "layout_tar.h"
#include "platform.h"
#include "layout_tar.h"
#include "save.h"
#include "oci.h"
#include "ocitar.h"
#include "parse.h"
#include "run_cmd.h"
#include "suites.h"

/* ---- paths ---- */

static const char *const clean_ok[][2] = {
	{ "a", "a" }, { "./a", "a" }, { "a/", "a" }, { "a//b", "a/b" },
	{ "./a/./b/", "a/b" }, { ".", "" }, { "./", "" }, { "././", "" },
	{ "a/.wh.b", "a/.wh.b" }, { "...", "..." }, { "..a/b..", "..a/b.." },
};

START_TEST(test_clean_ok)
{
	char out[64];
	struct lfs_err why = LFS_ERR_INIT;

	ck_assert_int_eq(lfs_oci_clean_path(clean_ok[_i][0], out, sizeof(out),
					    &why), 0);
	ck_assert_str_eq(out, clean_ok[_i][1]);
}
END_TEST

static const char *const clean_bad[][2] = {
	{ "", "empty path" }, { "/a", "absolute path" }, { "/", "absolute path" },
	{ "..", "'..' component" }, { "a/../b", "'..' component" },
	{ "./..", "'..' component" }, { "a/..", "'..' component" },
	{ "../../etc/passwd", "'..' component" },
};

START_TEST(test_clean_bad)
{
	char out[64] = "x";
	struct lfs_err why = LFS_ERR_INIT;

	ck_assert_int_eq(lfs_oci_clean_path(clean_bad[_i][0], out, sizeof(out),
					    &why), -EINVAL);
	ck_assert_str_eq(why.msg, clean_bad[_i][1]);
	ck_assert_str_eq(out, "");
}
END_TEST

START_TEST(test_clean_long)
{
	char out[4];
	struct lfs_err why = LFS_ERR_INIT;

	ck_assert_int_eq(lfs_oci_clean_path("abc", out, sizeof(out), &why), 0);
	ck_assert_int_eq(lfs_oci_clean_path("abcd", out, sizeof(out), &why),
			 -ENAMETOOLONG);
	ck_assert_int_eq(lfs_oci_clean_path("a/bc", out, sizeof(out), &why),
			 -ENAMETOOLONG);
}
END_TEST

/* ---- whiteouts, xattrs ---- */

START_TEST(test_whiteouts)
{
	const char *t = NULL;
	char out[16];

	ck_assert_int_eq(lfs_oci_whiteout_kind("a", &t), LFS_WH_NONE);
	ck_assert_int_eq(lfs_oci_whiteout_kind(".wh", &t), LFS_WH_NONE);
	ck_assert_int_eq(lfs_oci_whiteout_kind(".whx", &t), LFS_WH_NONE);
	ck_assert_int_eq(lfs_oci_whiteout_kind(".wh.a", &t), LFS_WH_FILE);
	ck_assert_str_eq(t, "a");
	ck_assert_int_eq(lfs_oci_whiteout_kind(".wh..a", &t), LFS_WH_FILE);
	ck_assert_str_eq(t, ".a");
	ck_assert_int_eq(lfs_oci_whiteout_kind(".wh..wh..opq", &t), LFS_WH_OPQ);
	ck_assert_int_eq(lfs_oci_whiteout_kind(".wh.", &t), LFS_WH_BAD);
	ck_assert_int_eq(lfs_oci_whiteout_kind(".wh..", &t), LFS_WH_BAD);
	ck_assert_int_eq(lfs_oci_whiteout_kind(".wh...", &t), LFS_WH_BAD);
	ck_assert_int_eq(lfs_oci_whiteout_kind(".wh..wh.plnk", &t), LFS_WH_BAD);
	ck_assert_int_eq(lfs_oci_whiteout_kind(".wh..wh..opqx", &t), LFS_WH_BAD);

	ck_assert_int_eq(lfs_oci_whiteout_name("abc", out, sizeof(out)), 0);
	ck_assert_str_eq(out, ".wh.abc");
	ck_assert_int_eq(lfs_oci_whiteout_name("0123456789ab", out, sizeof(out)),
			 -ENAMETOOLONG);
	ck_assert_str_eq(out, "");

	ck_assert_int_eq(lfs_oci_xattr_private("trusted.overlay.opaque"), 1);
	ck_assert_int_eq(lfs_oci_xattr_private("trusted.overlay.origin"), 1);
	ck_assert_int_eq(lfs_oci_xattr_private("trusted.layerfs.origin"), 1);
	ck_assert_int_eq(lfs_oci_xattr_private("trusted.overlayx"), 0);
	ck_assert_int_eq(lfs_oci_xattr_private("user.overlay.opaque"), 0);
	ck_assert_int_eq(lfs_oci_xattr_private("security.capability"), 0);
}
END_TEST

/* Append-only and immutable: real flags and trusted.overlay.protattr. */
START_TEST(test_protflags)
{
	const unsigned long a = FS_APPEND_FL, i = FS_IMMUTABLE_FL;
	char v[2];

	ck_assert_str_eq(LFS_PROTATTR_XATTR, "trusted.overlay.protattr");
	ck_assert_int_eq(lfs_oci_xattr_private(LFS_PROTATTR_XATTR), 1);
	ck_assert_uint_eq(lfs_oci_protflags(0, NULL, 0), 0);
	ck_assert_uint_eq(lfs_oci_protflags(0, "a", 1), a);
	ck_assert_uint_eq(lfs_oci_protflags(0, "i", 1), i);
	ck_assert_uint_eq(lfs_oci_protflags(0, "ai", 2), a | i);
	ck_assert_uint_eq(lfs_oci_protflags(0, "ia", 2), a | i);
	/* Real flags count; others than these two do not. */
	ck_assert_uint_eq(lfs_oci_protflags(i | FS_NODUMP_FL, "a", 1), a | i);
	ck_assert_uint_eq(lfs_oci_protflags(FS_NODUMP_FL, NULL, 0), 0);
	/* A value the kernel does not understand is no flag at all. */
	ck_assert_uint_eq(lfs_oci_protflags(0, "ix", 2), 0);
	ck_assert_uint_eq(lfs_oci_protflags(a, "i\0", 2), a);

	ck_assert_uint_eq(lfs_oci_protattr(0, v), 0);
	ck_assert_uint_eq(lfs_oci_protattr(FS_NODUMP_FL, v), 0);
	ck_assert_uint_eq(lfs_oci_protattr(a, v), 1);
	ck_assert_int_eq(v[0], 'a');
	ck_assert_uint_eq(lfs_oci_protattr(i, v), 1);
	ck_assert_int_eq(v[0], 'i');
	ck_assert_uint_eq(lfs_oci_protattr(a | i | FS_NODUMP_FL, v), 2);
	ck_assert(v[0] == 'a' && v[1] == 'i');
}
END_TEST

/* ---- digests ---- */

#define EMPTY_SHA "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
#define ABC_SHA "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"

START_TEST(test_digests)
{
	unsigned char md[LFS_SHA256_LEN];
	char s[LFS_DIGEST_LEN], c[LFS_DIGEST_LEN];

	lfs_oci_sha256_digest("", 0, s);
	ck_assert_str_eq(s, EMPTY_SHA);
	lfs_oci_sha256_digest("abc", 3, s);
	ck_assert_str_eq(s, ABC_SHA);
	ck_assert_int_eq(lfs_oci_digest_parse(ABC_SHA, md), 0);
	ck_assert_uint_eq(md[0], 0xba);
	ck_assert_uint_eq(md[31], 0xad);
	lfs_oci_digest_format(md, s);
	ck_assert_str_eq(s, ABC_SHA);
	ck_assert_int_eq(lfs_oci_digest_parse("sha256:", NULL), -EINVAL);
	ck_assert_int_eq(lfs_oci_digest_parse("sha512:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", NULL), -EINVAL);
	ck_assert_int_eq(lfs_oci_digest_parse("sha256:BA7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", NULL), -EINVAL);
	ck_assert_int_eq(lfs_oci_digest_parse(ABC_SHA "0", NULL), -EINVAL);
	ck_assert_int_eq(lfs_oci_digest_parse(NULL, NULL), -EINVAL);

	/* chain ids: the bottom's is its diff_id, then sha256("P D") */
	ck_assert_int_eq(lfs_oci_chain_id(NULL, ABC_SHA, c), 0);
	ck_assert_str_eq(c, ABC_SHA);
	ck_assert_int_eq(lfs_oci_chain_id(ABC_SHA, EMPTY_SHA, c), 0);
	lfs_oci_sha256_digest(ABC_SHA " " EMPTY_SHA,
			      strlen(ABC_SHA " " EMPTY_SHA), s);
	ck_assert_str_eq(c, s);
	ck_assert_int_eq(lfs_oci_chain_id(ABC_SHA, "sha256:x", c), -EINVAL);
}
END_TEST

/* ---- times ---- */

START_TEST(test_time_parse)
{
	uint64_t ns = 0;

	ck_assert_int_eq(lfs_oci_time_parse("1970-01-01T00:00:00Z", &ns), 0);
	ck_assert_uint_eq(ns, 0);
	ck_assert_int_eq(lfs_oci_time_parse("2026-11-28T23:00:00.123456789Z", &ns), 0);
	ck_assert_uint_eq(ns, 1795906800123456789ULL);
	ck_assert_int_eq(lfs_oci_time_parse("2026-11-29T00:00:00.5+01:00", &ns), 0);
	ck_assert_uint_eq(ns, 1795906800500000000ULL);
	ck_assert_int_eq(lfs_oci_time_parse("2026-11-28T22:00:00-01:00", &ns), 0);
	ck_assert_uint_eq(ns, 1795906800000000000ULL);
	ck_assert_int_eq(lfs_oci_time_parse("2026-11-28", &ns), -EINVAL);
	ck_assert_int_eq(lfs_oci_time_parse("2026-13-28T00:00:00Z", &ns), -EINVAL);
	ck_assert_int_eq(lfs_oci_time_parse("2026-11-28T00:00:00", &ns), -EINVAL);
	ck_assert_int_eq(lfs_oci_time_parse("2026-11-28T00:00:00Zx", &ns), -EINVAL);
	ck_assert_int_eq(lfs_oci_time_parse("2026-11-28T00:00:00.Z", &ns), -EINVAL);
	ck_assert_int_eq(lfs_oci_time_parse(NULL, &ns), -EINVAL);
}
END_TEST

/* ---- image layout JSON ---- */

static void two_layers(struct lfs_oci_layer l[2])
{
	memset(l, 0, 2 * sizeof(*l));
	memcpy(l[0].digest, ABC_SHA, LFS_DIGEST_LEN);
	memcpy(l[0].diff_id, EMPTY_SHA, LFS_DIGEST_LEN);
	l[0].size = 100;
	l[0].media_type = LFS_MT_LAYER_GZIP;
	l[0].created_ns = 1795906800123456789ULL;
	l[0].author = "alice";
	l[0].comment = "the base";
	l[0].created_by = "layerfs layer base:1";
	memcpy(l[1].digest, EMPTY_SHA, LFS_DIGEST_LEN);
	memcpy(l[1].diff_id, ABC_SHA, LFS_DIGEST_LEN);
	l[1].size = 7;
	l[1].media_type = LFS_MT_LAYER_ZSTD;
	l[1].created_ns = 1795906801000000000ULL;
	l[1].author = "bob \"quoted\"/x";
	l[1].comment = NULL;
}

static const struct lfs_platform amd64 = { "linux", "amd64", "" };
static const struct lfs_platform arm64 = { "linux", "arm64", "v8" };

/* lfs_oci_parse_index() for @ref and @plat. */
static int pick(const char *json, const char *ref,
		const struct lfs_platform *plat, struct lfs_oci_desc *d,
		char **rn, struct lfs_err *why)
{
	struct lfs_oci_want w = { .ref = ref, .plat = plat };

	return lfs_oci_parse_index(json, &w, d, rn, why);
}

START_TEST(test_config_roundtrip)
{
	struct lfs_oci_layer l[2];
	struct lfs_oci_config c;
	struct lfs_err why = LFS_ERR_INIT;
	char *cfg;

	two_layers(l);
	cfg = lfs_oci_config_json(l, 2, &amd64);
	ck_assert_ptr_nonnull(cfg);
	ck_assert_str_eq(cfg,
		"{\"created\":\"2026-11-28T23:00:01.000000000Z\",\"author\":\"bob \\\"quoted\\\"/x\","
		"\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{},"
		"\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"" EMPTY_SHA "\",\"" ABC_SHA "\"]},"
		"\"history\":[{\"created\":\"2026-11-28T23:00:00.123456789Z\","
		"\"created_by\":\"layerfs layer base:1\",\"author\":\"alice\",\"comment\":\"the base\"},"
		"{\"created\":\"2026-11-28T23:00:01.000000000Z\",\"author\":\"bob \\\"quoted\\\"/x\"}]}");
	ck_assert_int_eq(lfs_oci_parse_config(cfg, &c, &why), 0);
	ck_assert_uint_eq(c.n_diff_ids, 2);
	ck_assert_str_eq(c.diff_ids[0], EMPTY_SHA);
	ck_assert_str_eq(c.diff_ids[1], ABC_SHA);
	ck_assert_uint_eq(c.hist[0].created_ns, 1795906800123456789ULL);
	ck_assert_str_eq(c.hist[0].author, "alice");
	ck_assert_str_eq(c.hist[0].comment, "the base");
	ck_assert_str_eq(c.hist[1].author, "bob \"quoted\"/x");
	ck_assert_ptr_null(c.hist[1].comment);
	lfs_oci_config_free(&c);
	free(cfg);
}
END_TEST

START_TEST(test_config_parse)
{
	struct lfs_oci_config c;
	struct lfs_err why = LFS_ERR_INIT;

	/* empty_layer history entries do not count */
	ck_assert_int_eq(lfs_oci_parse_config(
		"{\"rootfs\":{\"diff_ids\":[\"" ABC_SHA "\"]},\"history\":["
		"{\"created_by\":\"ENV x\",\"empty_layer\":true},"
		"{\"created_by\":\"ADD .\",\"created\":\"2020-01-01T00:00:00Z\"}]}",
		&c, &why), 0);
	ck_assert_str_eq(c.hist[0].comment, "ADD .");
	ck_assert_uint_eq(c.hist[0].created_ns, 1577836800000000000ULL);
	lfs_oci_config_free(&c);
	ck_assert_int_eq(lfs_oci_parse_config("{}", &c, &why), -EINVAL);
	ck_assert_str_eq(why.msg, "config lacks rootfs.diff_ids");
	ck_assert_int_eq(lfs_oci_parse_config("{\"rootfs\":{\"diff_ids\":[\"md5:1\"]}}",
					      &c, &why), -EINVAL);
	ck_assert_str_eq(why.msg, "config diff_id is not sha256:<64 hex>");
	ck_assert_int_eq(lfs_oci_parse_config("[1]", &c, &why), -EINVAL);
	ck_assert_int_eq(lfs_oci_parse_config("{\"rootfs\":", &c, &why), -EINVAL);
	ck_assert_str_eq(why.msg, "not valid JSON");
}
END_TEST

START_TEST(test_manifest_index)
{
	struct lfs_oci_layer l[2];
	struct lfs_oci_manifest m;
	struct lfs_oci_desc d;
	struct lfs_err why = LFS_ERR_INIT;
	char *man, *idx, *rn = NULL;

	two_layers(l);
	man = lfs_oci_manifest_json(ABC_SHA, 123, l, 2, NULL);
	ck_assert_ptr_nonnull(man);
	ck_assert_str_eq(man,
		"{\"schemaVersion\":2,\"mediaType\":\"" LFS_MT_MANIFEST "\","
		"\"config\":{\"mediaType\":\"" LFS_MT_CONFIG "\",\"digest\":\"" ABC_SHA "\",\"size\":123},"
		"\"layers\":[{\"mediaType\":\"" LFS_MT_LAYER_GZIP "\",\"digest\":\"" ABC_SHA "\",\"size\":100},"
		"{\"mediaType\":\"" LFS_MT_LAYER_ZSTD "\",\"digest\":\"" EMPTY_SHA "\",\"size\":7}]}");
	ck_assert_int_eq(lfs_oci_parse_manifest(man, &m, &why), 0);
	ck_assert_str_eq(m.config.digest, ABC_SHA);
	ck_assert_uint_eq(m.config.size, 123);
	ck_assert_uint_eq(m.n_layers, 2);
	ck_assert_str_eq(m.layers[1].digest, EMPTY_SHA);
	ck_assert_str_eq(m.layers[1].media_type, LFS_MT_LAYER_ZSTD);
	lfs_oci_manifest_free(&m);

	idx = lfs_oci_index_json(EMPTY_SHA, 456, "gakki/app:1.1", &arm64);
	ck_assert_str_eq(idx,
		"{\"schemaVersion\":2,\"mediaType\":\"" LFS_MT_INDEX "\",\"manifests\":["
		"{\"mediaType\":\"" LFS_MT_MANIFEST "\",\"digest\":\"" EMPTY_SHA "\",\"size\":456,"
		"\"platform\":{\"architecture\":\"arm64\",\"os\":\"linux\",\"variant\":\"v8\"},"
		"\"annotations\":{\"" LFS_ANNOT_REF_NAME "\":\"gakki/app:1.1\"}}]}");
	ck_assert_int_eq(pick(idx, NULL, &arm64, &d, &rn, &why), 0);
	ck_assert_str_eq(d.digest, EMPTY_SHA);
	ck_assert_uint_eq(d.size, 456);
	ck_assert_str_eq(rn, "gakki/app:1.1");
	free(rn);
	ck_assert_int_eq(lfs_oci_parse_layout(lfs_oci_layout_json(), &why), 0);
	ck_assert_int_eq(lfs_oci_parse_layout("{\"imageLayoutVersion\":\"2.0\"}", &why),
			 -EINVAL);
	/* what it has, then what it wants, after ': ' (err.h) */
	ck_assert_str_eq(why.msg, "unsupported imageLayoutVersion '2.0': want 1.x");
	ck_assert_int_eq(why.code, 0);
	/* the file is the caller's subject (file 'oci-layout'): not again */
	ck_assert_int_eq(lfs_oci_parse_layout("{}", &why), -EINVAL);
	ck_assert_str_eq(why.msg, "no imageLayoutVersion");
	free(man);
	free(idx);
}
END_TEST

/* What test_parse_nomem() parses: an index's pick, a manifest, a config. */
struct parse_case {
	enum { PARSE_INDEX, PARSE_MANIFEST, PARSE_CONFIG } kind;
	const char *json;
};

/* @arg's document parsed, allocations failing one by one. */
static int parse_nomem(void *arg, struct lfs_err *e)
{
	const struct parse_case *pc = arg;
	struct lfs_oci_manifest m;
	struct lfs_oci_config c;
	struct lfs_oci_desc d;
	char *rn = NULL;
	int rc;

	switch (pc->kind) {
	case PARSE_INDEX:
		rc = pick(pc->json, "a", &amd64, &d, &rn, e);
		free(rn);
		break;
	case PARSE_MANIFEST:
		rc = lfs_oci_parse_manifest(pc->json, &m, e);
		if (!rc)
			lfs_oci_manifest_free(&m);
		break;
	default:
		rc = lfs_oci_parse_config(pc->json, &c, e);
		if (!rc)
			lfs_oci_config_free(&c);
	}
	return rc;
}

/*
 * The parsers' allocations: what was being done, the errno as the code,
 * never "out of memory" with code 0 (nomem_sweep_call()).
 */
START_TEST(test_parse_nomem)
{
	static const char idx[] =
		"{\"manifests\":[{\"mediaType\":\"m\",\"digest\":\"" ABC_SHA
		"\",\"size\":1,\"annotations\":{\"" LFS_ANNOT_REF_NAME "\":\"a\"}}]}";
	static const char cfg[] =
		"{\"rootfs\":{\"diff_ids\":[\"" ABC_SHA "\",\"" EMPTY_SHA "\"]},"
		"\"history\":[{\"author\":\"alice\",\"comment\":\"the base\"},"
		"{\"created_by\":\"layerfs layer app:1\"}]}";
	static const char man[] =
		"{\"schemaVersion\":2,\"config\":{\"mediaType\":\"c\",\"digest\":\""
		ABC_SHA "\",\"size\":1},\"layers\":[{\"mediaType\":\"l\","
		"\"digest\":\"" EMPTY_SHA "\",\"size\":2}]}";
	struct parse_case cases[] = {
		{ PARSE_INDEX, idx }, { PARSE_MANIFEST, man }, { PARSE_CONFIG, cfg },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		nomem_sweep_call(parse_nomem, &cases[i], 50);
}
END_TEST

START_TEST(test_index_pick)
{
	static const char two[] =
		"{\"manifests\":["
		"{\"mediaType\":\"m\",\"digest\":\"" ABC_SHA "\",\"size\":1,"
		"\"annotations\":{\"" LFS_ANNOT_REF_NAME "\":\"a\"}},"
		"{\"mediaType\":\"m\",\"digest\":\"" EMPTY_SHA "\",\"size\":2,"
		"\"platform\":{\"os\":\"linux\",\"architecture\":\"amd64\"},"
		"\"annotations\":{\"" LFS_ANNOT_REF_NAME "\":\"b\"}}]}";
	struct lfs_oci_manifest m;
	struct lfs_oci_desc d;
	struct lfs_err why = LFS_ERR_INIT;
	char *rn = NULL;

	ck_assert_int_eq(pick(two, "a", &amd64, &d, &rn, &why), 0);
	ck_assert_str_eq(d.digest, ABC_SHA);
	ck_assert_str_eq(rn, "a");
	free(rn);
	ck_assert_int_eq(pick(two, "b", &amd64, &d, &rn, &why), 0);
	ck_assert_str_eq(d.digest, EMPTY_SHA);
	free(rn);
	/* no name: the linux/amd64 one */
	ck_assert_int_eq(pick(two, NULL, &amd64, &d, &rn, &why), 0);
	ck_assert_str_eq(d.digest, EMPTY_SHA);
	free(rn);
	ck_assert_int_eq(pick("{\"manifests\":[]}", NULL, &amd64, &d, &rn,
					     &why), -ENOENT);
	ck_assert_int_eq(pick("{}", NULL, &amd64, &d, &rn, &why), -EINVAL);
	ck_assert_int_eq(pick(
		"{\"manifests\":[{\"digest\":\"sha256:12\",\"size\":1}]}", NULL,
		&amd64, &d, &rn, &why), -EINVAL);
	ck_assert_str_eq(why.msg, "descriptor digest is not sha256:<64 hex>");
	ck_assert_int_eq(pick(
		"{\"manifests\":[{\"digest\":\"" ABC_SHA "\",\"size\":-1}]}", NULL,
		&amd64, &d, &rn, &why), -EINVAL);
	ck_assert_int_eq(lfs_oci_parse_manifest(
		"{\"schemaVersion\":2,\"config\":{\"digest\":\"" ABC_SHA "\",\"size\":1},"
		"\"layers\":[{\"mediaType\":\"text/plain\",\"digest\":\"" ABC_SHA "\",\"size\":1}]}",
		&m, &why), -EINVAL);
	ck_assert_str_eq(why.msg, "unsupported layer media type");
	ck_assert_int_eq(lfs_oci_parse_manifest("{\"schemaVersion\":1}", &m, &why),
			 -EINVAL);
}
END_TEST


/* uname -m to the OCI platform, --platform, and the matching rule. */
START_TEST(test_platform)
{
	static const struct {
		const char *machine, *want;
	} m[] = {
		{ "x86_64", "linux/amd64" }, { "aarch64", "linux/arm64/v8" },
		{ "armv7l", "linux/arm/v7" }, { "armv6l", "linux/arm/v6" },
		{ "i686", "linux/386" }, { "i386", "linux/386" },
		{ "ppc64le", "linux/ppc64le" }, { "s390x", "linux/s390x" },
		{ "riscv64", "linux/riscv64" }, { "loongarch64", "linux/loong64" },
		{ "mips64", "linux/mips64" }, { "sparc64", "linux/sparc64" },
	};
	struct lfs_platform p;
	char out[96];
	size_t i;

	for (i = 0; i < sizeof(m) / sizeof(*m); i++) {
		ck_assert_int_eq(lfs_platform_from_machine("linux", m[i].machine, &p), 0);
		lfs_platform_format(&p, out, sizeof(out));
		ck_assert_str_eq(out, m[i].want);
	}
	ck_assert_int_eq(lfs_platform_parse("linux/arm64/v8", &p), 0);
	ck_assert_str_eq(p.os, "linux");
	ck_assert_str_eq(p.arch, "arm64");
	ck_assert_str_eq(p.variant, "v8");
	ck_assert_int_eq(lfs_platform_parse("windows/amd64", &p), 0);
	ck_assert_str_eq(p.variant, "");
	ck_assert_int_eq(lfs_platform_parse("linux", &p), -EINVAL);
	ck_assert_int_eq(lfs_platform_parse("linux/", &p), -EINVAL);
	ck_assert_int_eq(lfs_platform_parse("/amd64", &p), -EINVAL);
	ck_assert_int_eq(lfs_platform_parse("linux/arm/v7/x", &p), -EINVAL);
	ck_assert_int_eq(lfs_platform_parse("Linux/AMD64", &p), -EINVAL);
	ck_assert_int_eq(lfs_platform_parse("linux/amd 64", &p), -EINVAL);

	/* Matching: os and arch; the variant when asked, absent ones normalised. */
	ck_assert_int_eq(lfs_platform_match(&amd64, "linux", "amd64", NULL), 1);
	ck_assert_int_eq(lfs_platform_match(&amd64, "linux", "arm64", NULL), 0);
	ck_assert_int_eq(lfs_platform_match(&amd64, "windows", "amd64", NULL), 0);
	ck_assert_int_eq(lfs_platform_match(&amd64, NULL, "amd64", NULL), 0);
	ck_assert_int_eq(lfs_platform_match(&arm64, "linux", "arm64", NULL), 1);
	ck_assert_int_eq(lfs_platform_match(&arm64, "linux", "arm64", "v8"), 1);
	ck_assert_int_eq(lfs_platform_match(&arm64, "linux", "arm64", "v9"), 0);
	ck_assert_int_eq(lfs_platform_parse("linux/arm/v7", &p), 0);
	ck_assert_int_eq(lfs_platform_match(&p, "linux", "arm", ""), 1);
	ck_assert_int_eq(lfs_platform_match(&p, "linux", "arm", "v6"), 0);
	ck_assert_int_eq(lfs_platform_parse("linux/arm", &p), 0);
	ck_assert_int_eq(lfs_platform_match(&p, "linux", "arm", "v6"), 1);
}
END_TEST

/* A multi-architecture index: the machine's manifest, or a clear refusal. */
START_TEST(test_index_platform)
{
	static const char multi[] =
		"{\"manifests\":["
		"{\"mediaType\":\"m\",\"digest\":\"" ABC_SHA "\",\"size\":1,"
		"\"platform\":{\"os\":\"linux\",\"architecture\":\"amd64\"}},"
		"{\"mediaType\":\"m\",\"digest\":\"" EMPTY_SHA "\",\"size\":2,"
		"\"platform\":{\"os\":\"linux\",\"architecture\":\"arm64\",\"variant\":\"v8\"}},"
		"{\"mediaType\":\"m\",\"digest\":\"" ABC_SHA "\",\"size\":3,"
		"\"platform\":{\"os\":\"linux\",\"architecture\":\"arm\",\"variant\":\"v7\"}}]}";
	static const char one_arm[] =
		"{\"manifests\":[{\"mediaType\":\"m\",\"digest\":\"" ABC_SHA "\",\"size\":1,"
		"\"platform\":{\"os\":\"linux\",\"architecture\":\"arm64\"}}]}";
	struct lfs_oci_want w = { .plat = &arm64 };
	struct lfs_platform p;
	struct lfs_oci_desc d;
	struct lfs_err why = LFS_ERR_INIT;
	char *rn = NULL;

	ck_assert_int_eq(lfs_oci_parse_index(multi, &w, &d, &rn, &why), 0);
	ck_assert_uint_eq(d.size, 2);
	ck_assert_int_eq(pick(multi, NULL, &amd64, &d, &rn, &why), 0);
	ck_assert_uint_eq(d.size, 1);
	ck_assert_int_eq(lfs_platform_parse("linux/arm/v7", &p), 0);
	w.plat = &p;
	ck_assert_int_eq(lfs_oci_parse_index(multi, &w, &d, &rn, &why), 0);
	ck_assert_uint_eq(d.size, 3);
	/* None for s390x: refused, the platforms listed. */
	ck_assert_int_eq(lfs_platform_parse("linux/s390x", &p), 0);
	ck_assert_int_eq(lfs_oci_parse_index(multi, &w, &d, &rn, &why), -ENOENT);
	ck_assert_str_eq(why.msg, "no manifest for the platform");
	ck_assert_str_eq(w.have, "linux/amd64, linux/arm64/v8, linux/arm/v7");
	/* The only manifest is not taken when its platform differs. */
	w.plat = &amd64;
	ck_assert_int_eq(lfs_oci_parse_index(one_arm, &w, &d, &rn, &why), -ENOENT);
	ck_assert_str_eq(w.have, "linux/arm64");
	w.plat = &arm64;
	ck_assert_int_eq(lfs_oci_parse_index(one_arm, &w, &d, &rn, &why), 0);
	ck_assert_ptr_null(rn);
}
END_TEST

/* Which members of an image archive load takes; docker's manifest.json. */
START_TEST(test_layout_member)
{
	static const struct {
		const char *in;
		int kind;
		const char *clean;
	} cases[] = {
		{ "oci-layout", LFS_MEMBER_FILE, "oci-layout" },
		{ "./index.json", LFS_MEMBER_FILE, "index.json" },
		{ "manifest.json", LFS_MEMBER_FILE, "manifest.json" },
		{ "repositories", LFS_MEMBER_FILE, "repositories" },
		{ "./", LFS_MEMBER_DIR, "" },
		{ "blobs/", LFS_MEMBER_DIR, "blobs" },
		{ "blobs/sha256/", LFS_MEMBER_DIR, "blobs/sha256" },
		{ "blobs/sha256/" "0123456789abcdef0123456789abcdef"
		  "0123456789abcdef0123456789abcdef", LFS_MEMBER_FILE, NULL },
		{ "blobs/sha256/0123", LFS_MEMBER_OTHER, NULL },
		{ "blobs/sha256/" "0123456789ABCDEF0123456789abcdef"
		  "0123456789abcdef0123456789abcdef", LFS_MEMBER_OTHER, NULL },
		{ "blobs/sha512/aa", LFS_MEMBER_OTHER, NULL },
		{ "abc123/layer.tar", LFS_MEMBER_OTHER, NULL },
		{ "../index.json", LFS_MEMBER_BAD, NULL },
		{ "/index.json", LFS_MEMBER_BAD, NULL },
		{ "blobs/../../x", LFS_MEMBER_BAD, NULL },
	};
	char out[512];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ck_assert_msg((int)lfs_oci_layout_member(cases[i].in, out, sizeof(out)) ==
			      cases[i].kind, "%s", cases[i].in);
		if (cases[i].clean)
			ck_assert_str_eq(out, cases[i].clean);
	}
}
END_TEST

START_TEST(test_docker_manifest)
{
	struct lfs_oci_layer l[2] = { { .digest = "sha256:" "aaaaaaaaaaaaaaaa"
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" },
		{ .digest = "sha256:" "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
		  "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb" } };
	const char *cfg = "sha256:" "cccccccccccccccccccccccccccccccc"
			  "cccccccccccccccccccccccccccccccc";
	char *j = lfs_oci_docker_manifest_json(cfg, l, 2, "gakki/app:1.1");

	ck_assert_ptr_nonnull(j);
	ck_assert_str_eq(j, "[{\"Config\":\"blobs/sha256/cccccccccccccccccccccccccccccccc"
			 "cccccccccccccccccccccccccccccccc\",\"RepoTags\":[\"gakki/app:1.1\"],"
			 "\"Layers\":[\"blobs/sha256/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
			 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\",\"blobs/sha256/"
			 "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb\"]}]");
	free(j);
	j = lfs_oci_docker_manifest_json(cfg, l, 0, NULL);
	ck_assert_msg(strstr(j, "\"RepoTags\":[],\"Layers\":[]"), "%s", j);
	free(j);
}
END_TEST


/* ---- the tar engine, in a temporary directory ---- */

static char tmpdir[64];

static void tmp_setup(void)
{
	fake_nl_reset();
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/check-oci.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static void tmp_teardown(void)
{
	lfs_rm_rf_at(AT_FDCWD, tmpdir);
	fake_nl_reset();
}

static void put(const char *rel, const char *text)
{
	char p[256];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", tmpdir, rel);
	f = fopen(p, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
}

static void mk(const char *rel)
{
	char p[256];

	snprintf(p, sizeof(p), "%s/%s", tmpdir, rel);
	ck_assert_int_eq(mkdir(p, 0755), 0);
}

/*
 * The layout as one tar (layout_tar.c): a file it lacks or cannot take
 * is named with what it is, the errno the code (err.h), never a bare
 * name as the whole text.
 */
START_TEST(test_layout_tar_names)
{
	struct lfs_err e = LFS_ERR_INIT;
	char line[LFS_ERR_MAX + 64];
	int dirfd, outfd;

	dirfd = open(tmpdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	outfd = open("/dev/null", O_WRONLY | O_CLOEXEC);
	ck_assert_int_ge(dirfd, 0);
	ck_assert_int_ge(outfd, 0);
	ck_assert_int_eq(lfs_layout_tar_write(dirfd, NULL, outfd, &e), -ENOENT);
	ck_assert_str_eq(lfs_err_str(&e, line, sizeof(line)),
			 "file 'oci-layout': cannot read it (No such file or directory)");
	put("oci-layout", "{}");
	mk("index.json");
	lfs_err_clear(&e);
	ck_assert_int_eq(lfs_layout_tar_write(dirfd, NULL, outfd, &e), -EINVAL);
	ck_assert_str_eq(lfs_err_str(&e, line, sizeof(line)),
			 "file 'index.json': not a regular file (Invalid argument)");
	ck_assert_int_eq(unlinkat(dirfd, "index.json", AT_REMOVEDIR), 0);
	put("index.json", "{}");
	lfs_err_clear(&e);
	ck_assert_int_eq(lfs_layout_tar_write(dirfd, NULL, outfd, &e), -ENOENT);
	ck_assert_str_eq(lfs_err_str(&e, line, sizeof(line)),
			 "directory 'blobs/sha256': cannot read it (No such file or directory)");
	close(outfd);
	close(dirfd);
}
END_TEST

/* A tarball of the entries (path, type, data-or-link) into memory. */
struct tent {
	const char *path;
	mode_t type;
	const char *data;	/* content; link target for AE_IFLNK/hardlink */
	int hardlink;
	unsigned int rdev_major;
};

static size_t mktar(const struct tent *e, size_t n, char *buf, size_t cap)
{
	struct archive *a = archive_write_new();
	struct archive_entry *ae;
	size_t used = 0, i;

	ck_assert_int_eq(archive_write_set_format_pax(a), ARCHIVE_OK);
	ck_assert_int_eq(archive_write_open_memory(a, buf, cap, &used), ARCHIVE_OK);
	for (i = 0; i < n; i++) {
		ae = archive_entry_new();
		archive_entry_set_pathname(ae, e[i].path);
		archive_entry_set_filetype(ae, e[i].type);
		archive_entry_set_perm(ae, 0644);
		if (e[i].hardlink)
			archive_entry_set_hardlink(ae, e[i].data);
		else if (e[i].type == AE_IFLNK)
			archive_entry_set_symlink(ae, e[i].data);
		else if (e[i].type == AE_IFREG && e[i].data)
			archive_entry_set_size(ae, (la_int64_t)strlen(e[i].data));
		if (e[i].type == AE_IFCHR)
			archive_entry_set_rdev(ae, makedev(e[i].rdev_major, 3));
		ck_assert_int_eq(archive_write_header(a, ae), ARCHIVE_OK);
		if (e[i].type == AE_IFREG && e[i].data && !e[i].hardlink)
			archive_write_data(a, e[i].data, strlen(e[i].data));
		archive_entry_free(ae);
	}
	ck_assert_int_eq(archive_write_close(a), ARCHIVE_OK);
	archive_write_free(a);
	return used;
}

/* Imports @buf into TMP/@name (created); returns the result. */
static int import_mem(const char *buf, size_t len, const char *name,
		      int devices, struct lfs_err *err)
{
	struct lfs_tar_import_opts o = { .set_owner = 0, .allow_devices = devices };
	struct lfs_tar_import_stats st;
	char p[256];
	int fd, rc;

	snprintf(p, sizeof(p), "%s/%s", tmpdir, name);
	ck_assert_int_eq(mkdir(p, 0755), 0);
	fd = open(p, O_RDONLY | O_DIRECTORY);
	ck_assert_int_ge(fd, 0);
	rc = lfs_tar_import(-1, buf, len, fd, &o, &st, err);
	close(fd);
	return rc;
}

static char tarbuf[8 << 20];

START_TEST(test_roundtrip)
{
	struct lfs_tar_digests d1, d2, d3;
	char src[128], dst[128], path[256];
	struct lfs_err err = LFS_ERR_INIT;
	struct stat a, b;
	int fd;
	size_t len;
	FILE *f;

	if (geteuid() != 0)	/* trusted.* xattrs */
		return;
	mk("src");
	mk("src/d");
	mk("src/opq");
	put("src/d/f", "hello\n");
	put("src/opq/x", "x");
	snprintf(path, sizeof(path), "%s/src/d/f", tmpdir);
	snprintf(src, sizeof(src), "%s/src/hl", tmpdir);
	ck_assert_int_eq(link(path, src), 0);
	snprintf(path, sizeof(path), "%s/src/d/gone", tmpdir);
	ck_assert_int_eq(mknod(path, S_IFCHR | 0600, makedev(0, 0)), 0);
	snprintf(path, sizeof(path), "%s/src/opq", tmpdir);
	ck_assert_int_eq(setxattr(path, "trusted.overlay.opaque", "y", 1, 0), 0);
	snprintf(path, sizeof(path), "%s/src/lnk", tmpdir);
	ck_assert_int_eq(symlink("d/f", path), 0);

	snprintf(src, sizeof(src), "%s/src", tmpdir);
	snprintf(path, sizeof(path), "%s/a.tar.zst", tmpdir);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	ck_assert_int_eq(lfs_tar_export(src, fd, LFS_COMPRESS_ZSTD, &d1, &err), 0);
	close(fd);
	fd = open("/dev/null", O_WRONLY);
	ck_assert_int_eq(lfs_tar_export(src, fd, LFS_COMPRESS_NONE, &d2, &err), 0);
	close(fd);
	ck_assert_str_eq(d1.diff_id, d2.diff_id);
	ck_assert_str_eq(d2.diff_id, d2.digest);
	ck_assert_str_ne(d1.digest, d1.diff_id);

	f = fopen(path, "r");
	len = fread(tarbuf, 1, sizeof(tarbuf), f);
	fclose(f);
	ck_assert_int_eq(import_mem(tarbuf, len, "dst", 1, &err), 0);
	snprintf(dst, sizeof(dst), "%s/dst", tmpdir);
	fd = open("/dev/null", O_WRONLY);
	ck_assert_int_eq(lfs_tar_export(dst, fd, LFS_COMPRESS_NONE, &d3, &err), 0);
	close(fd);
	ck_assert_str_eq(d3.diff_id, d1.diff_id);

	snprintf(path, sizeof(path), "%s/dst/d/gone", tmpdir);
	ck_assert_int_eq(lstat(path, &a), 0);
	ck_assert(S_ISCHR(a.st_mode) && a.st_rdev == makedev(0, 0));
	snprintf(path, sizeof(path), "%s/dst/d/f", tmpdir);
	ck_assert_int_eq(lstat(path, &a), 0);
	snprintf(path, sizeof(path), "%s/dst/hl", tmpdir);
	ck_assert_int_eq(lstat(path, &b), 0);
	ck_assert_uint_eq(a.st_ino, b.st_ino);
	snprintf(path, sizeof(path), "%s/dst/opq", tmpdir);
	ck_assert_int_eq(getxattr(path, "trusted.overlay.opaque", err.msg, 4), 1);
}
END_TEST

/*
 * The append-only and immutable flags a view keeps in
 * trusted.overlay.protattr of a layer's objects travel in the tarball as
 * SCHILY.fflags (the private xattr itself never does), and come back from
 * import as that xattr (run as root), so the same tree gives the same
 * bytes again.  Such a layer was exported without its flags before.
 */
START_TEST(test_protattr_roundtrip)
{
	struct lfs_tar_import_opts o = { .set_owner = 1 };
	struct lfs_err err = LFS_ERR_INIT;
	struct lfs_tar_import_stats st;
	struct lfs_tar_digests d1, d2;
	char src[128], path[256], v[8], *p;
	size_t len;
	FILE *f;
	int fd, n;

	if (geteuid() != 0)	/* trusted.* xattrs */
		return;
	mk("src");
	mk("src/imd");
	mk("src/plain");
	put("src/imd/w", "w\n");
	put("src/apf", "a\n");
	put("src/plain/f", "f\n");
	snprintf(path, sizeof(path), "%s/src/imd", tmpdir);
	ck_assert_int_eq(setxattr(path, LFS_PROTATTR_XATTR, "i", 1, 0), 0);
	snprintf(path, sizeof(path), "%s/src/apf", tmpdir);
	ck_assert_int_eq(setxattr(path, LFS_PROTATTR_XATTR, "a", 1, 0), 0);
	/* Not a value the kernel reads: no flag. */
	snprintf(path, sizeof(path), "%s/src/plain/f", tmpdir);
	ck_assert_int_eq(setxattr(path, LFS_PROTATTR_XATTR, "x", 1, 0), 0);

	snprintf(src, sizeof(src), "%s/src", tmpdir);
	snprintf(path, sizeof(path), "%s/p.tar", tmpdir);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	ck_assert_int_eq(lfs_tar_export(src, fd, LFS_COMPRESS_NONE, &d1, &err), 0);
	close(fd);
	f = fopen(path, "r");
	len = fread(tarbuf, 1, sizeof(tarbuf), f);
	fclose(f);
	ck_assert_ptr_nonnull(memmem(tarbuf, len, "SCHILY.fflags=schg\n", 19));
	ck_assert_ptr_nonnull(memmem(tarbuf, len, "SCHILY.fflags=sappnd\n", 21));
	ck_assert_ptr_null(memmem(tarbuf, len, "protattr", 8));
	/* Two flagged entries, no more. */
	for (n = 0, p = tarbuf; (p = memmem(p, len - (size_t)(p - tarbuf),
					    "SCHILY.fflags=", 14)); p++)
		n++;
	ck_assert_int_eq(n, 2);

	snprintf(path, sizeof(path), "%s/dst", tmpdir);
	ck_assert_int_eq(mkdir(path, 0755), 0);
	fd = open(path, O_RDONLY | O_DIRECTORY);
	ck_assert_int_eq(lfs_tar_import(-1, tarbuf, len, fd, &o, &st, &err), 0);
	close(fd);
	snprintf(path, sizeof(path), "%s/dst/imd", tmpdir);
	ck_assert_int_eq(getxattr(path, LFS_PROTATTR_XATTR, v, sizeof(v)), 1);
	ck_assert_int_eq(v[0], 'i');
	snprintf(path, sizeof(path), "%s/dst/apf", tmpdir);
	ck_assert_int_eq(getxattr(path, LFS_PROTATTR_XATTR, v, sizeof(v)), 1);
	ck_assert_int_eq(v[0], 'a');
	/* The xattr forbids nothing outside a view: the import wrote into imd. */
	snprintf(path, sizeof(path), "%s/dst/imd/w", tmpdir);
	ck_assert_int_eq(access(path, F_OK), 0);
	snprintf(path, sizeof(path), "%s/dst/plain/f", tmpdir);
	ck_assert_int_eq(getxattr(path, LFS_PROTATTR_XATTR, v, sizeof(v)), -1);
	ck_assert_int_eq(errno, ENODATA);

	snprintf(path, sizeof(path), "%s/dst", tmpdir);
	fd = open("/dev/null", O_WRONLY);
	ck_assert_int_eq(lfs_tar_export(path, fd, LFS_COMPRESS_NONE, &d2, &err), 0);
	close(fd);
	ck_assert_str_eq(d2.diff_id, d1.diff_id);
}
END_TEST

/* TMP/src exported as @comp through the file TMP/@name into tarbuf: its length. */
static size_t export_src(const char *name, enum lfs_compress comp,
			 struct lfs_tar_digests *d)
{
	struct lfs_err err = LFS_ERR_INIT;
	char src[128], path[256];
	size_t len;
	FILE *f;
	int fd;

	snprintf(src, sizeof(src), "%s/src", tmpdir);
	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	ck_assert_int_eq(lfs_tar_export(src, fd, comp, d, &err), 0);
	close(fd);
	f = fopen(path, "r");
	len = fread(tarbuf, 1, sizeof(tarbuf), f);
	fclose(f);
	return len;
}

/* blob_checked: a compressed blob is not hashed (pull's download checks it). */
START_TEST(test_import_blob_checked)
{
	struct lfs_tar_import_opts o = { .blob_checked = 1 };
	struct lfs_tar_import_stats st;
	struct lfs_tar_digests d;
	struct lfs_err err = LFS_ERR_INIT;
	char name[8], path[256];
	size_t len;
	int fd, c;

	mk("src");
	put("src/f", "hello\n");
	for (c = 0; c < 2; c++) {
		snprintf(name, sizeof(name), "b%d", c);
		len = export_src(name, c ? LFS_COMPRESS_NONE : LFS_COMPRESS_GZIP,
				 &d);
		snprintf(path, sizeof(path), "%s/d%d", tmpdir, c);
		ck_assert_int_eq(mkdir(path, 0755), 0);
		fd = open(path, O_RDONLY | O_DIRECTORY);
		ck_assert_int_eq(lfs_tar_import(-1, tarbuf, len, fd, &o, &st, &err), 0);
		close(fd);
		ck_assert_str_eq(st.d.diff_id, d.diff_id);
		/* gzip: not hashed; plain: the blob is the tar, its diff_id */
		ck_assert_str_eq(st.d.digest, c ? d.digest : "");
		ck_assert_uint_eq(st.d.blob_size, len);
	}
}
END_TEST

static const char *put_bytes(const char *name, const void *buf, size_t len);

/* @n bytes of xorshift32 from *@x into @buf, each taken modulo @mod (0: none). */
static void fill_xorshift(char *buf, size_t n, uint32_t *x, unsigned int mod)
{
	size_t i;

	for (i = 0; i < n; i++) {
		*x ^= *x << 13;
		*x ^= *x >> 17;
		*x ^= *x << 5;
		buf[i] = mod ? (char)('a' + *x % mod) : (char)*x;
	}
}

/* A producer thread: tarbuf[0..len) into a feed in pieces of 1000 bytes. */
struct feed_arg {
	struct lfs_tar_feed *f;
	size_t len;
	int err;	/* closed with it */
};

static void *feed_thread(void *arg)
{
	struct feed_arg *a = arg;
	size_t off, k;

	for (off = 0; off < a->len; off += k) {
		k = a->len - off < 1000 ? a->len - off : 1000;
		lfs_tar_feed_write(a->f, tarbuf + off, k);
	}
	lfs_tar_feed_close(a->f, a->err);
	return NULL;
}

/*
 * A feed (pull's input): what another thread writes is extracted as a
 * file would be; a feed closed with an error fails the import; once the
 * consumer stopped, the producer's writes are dropped, not waited on.
 */
START_TEST(test_import_feed)
{
	struct lfs_tar_import_opts o = { 0 };
	struct lfs_tar_import_stats st;
	struct lfs_tar_digests d;
	struct lfs_err err = LFS_ERR_INIT;
	struct feed_arg a = { 0 };
	char path[256], got[8192];
	static char big[640][8192];
	uint32_t x = 1;
	pthread_t thr;
	size_t len, i;
	int fd, c, rc;

	mk("src");
	/* incompressible: more than the feed holds (4 MiB) */
	for (i = 0; i < 640; i++) {
		fill_xorshift(big[i], sizeof(big[i]), &x, 0);
		snprintf(path, sizeof(path), "src/f%03zu", i);
		put_bytes(path, big[i], sizeof(big[i]));
	}
	len = export_src("feed.gz", LFS_COMPRESS_GZIP, &d);
	ck_assert_uint_gt(len, 5 << 20);
	/* c: 0 whole, 1 broken off at half (EIO), 2 not read at all */
	for (c = 0; c < 3; c++) {
		a.f = lfs_tar_feed_new();
		ck_assert_ptr_nonnull(a.f);
		a.len = c == 1 ? len / 2 : len;
		a.err = c == 1 ? EIO : 0;
		o.feed = a.f;
		snprintf(path, sizeof(path), "%s/feed%d", tmpdir, c);
		ck_assert_int_eq(mkdir(path, 0755), 0);
		fd = open(path, O_RDONLY | O_DIRECTORY);
		ck_assert_int_eq(pthread_create(&thr, NULL, feed_thread, &a), 0);
		rc = c == 2 ? 0 : lfs_tar_import(-1, NULL, 0, fd, &o, &st, &err);
		lfs_tar_feed_stop(a.f);
		ck_assert_int_eq(pthread_join(thr, NULL), 0);
		lfs_tar_feed_free(a.f);
		close(fd);
		if (c == 0) {
			ck_assert_int_eq(rc, 0);
			ck_assert_str_eq(st.d.diff_id, d.diff_id);
			ck_assert_str_eq(st.d.digest, d.digest);
			ck_assert_uint_eq(st.d.blob_size, len);
			snprintf(path, sizeof(path), "%s/feed0/f639", tmpdir);
			fd = open(path, O_RDONLY);
			ck_assert_int_eq(read(fd, got, sizeof(got)), sizeof(got));
			close(fd);
			ck_assert_int_eq(memcmp(got, big[639], sizeof(got)), 0);
		} else if (c == 1) {
			ck_assert_int_eq(rc, -EIO);
			/*
			 * the break, half-way, is in the data of f319 or so;
			 * the tar reader stops at the end of the last whole
			 * slot of the queue (256 KiB) before it
			 */
			ck_assert_str_eq(err.msg, "entry 'f296': cannot read the input");
		}
	}
}
END_TEST

/*
 * The gzip trailer: a wrong CRC-32 is refused unless the caller checks
 * the diff_id (diff_id_checked); a wrong length is refused either way.
 */
START_TEST(test_import_gzip_trailer)
{
	struct lfs_tar_import_stats st;
	struct lfs_tar_digests d;
	struct lfs_err err = LFS_ERR_INIT;
	char path[256];
	size_t len;
	int fd, c, rc;

	mk("src");
	put("src/f", "hello\n");
	len = export_src("t.gz", LFS_COMPRESS_GZIP, &d);
	ck_assert_uint_gt(len, 8);
	/* c: 0 CRC unchecked, 1 CRC checked, 2 and 3 the length, both ways */
	for (c = 0; c < 4; c++) {
		struct lfs_tar_import_opts o = { .diff_id_checked = !(c & 1) };

		tarbuf[len - (c < 2 ? 8 : 4)] ^= 1;
		snprintf(path, sizeof(path), "%s/g%d", tmpdir, c);
		ck_assert_int_eq(mkdir(path, 0755), 0);
		fd = open(path, O_RDONLY | O_DIRECTORY);
		rc = lfs_tar_import(-1, tarbuf, len, fd, &o, &st, &err);
		close(fd);
		tarbuf[len - (c < 2 ? 8 : 4)] ^= 1;
		if (c == 0) {
			ck_assert_int_eq(rc, 0);
			ck_assert_str_eq(st.d.diff_id, d.diff_id);
		} else {
			ck_assert_int_eq(rc, -EINVAL);
			ck_assert_str_eq(err.msg,
					 "corrupt archive: the gzip CRC-32 or length does not match the data");
		}
	}
}
END_TEST

/* A producer thread: tarbuf[3..len) into a pipe, once the import has begun. */
struct pipe_arg {
	int fd;
	size_t len;
};

static void *pipe_thread(void *arg)
{
	struct pipe_arg *a = arg;
	size_t off;
	ssize_t w;

	usleep(100 * 1000);
	for (off = 3; off < a->len; off += (size_t)w) {
		w = write(a->fd, tarbuf + off, a->len - off);
		if (w <= 0)
			break;
	}
	close(a->fd);
	return NULL;
}

/* lfs_tar_import() of tarbuf[0..len) from a pipe whose first read is 3 bytes. */
static int import_pipe(size_t len, int rootfd, const struct lfs_tar_import_opts *o,
		       struct lfs_tar_import_stats *st, struct lfs_err *err)
{
	struct pipe_arg a = { .len = len };
	pthread_t thr;
	int p[2], rc;

	ck_assert_int_eq(pipe(p), 0);
	ck_assert_int_eq(write(p[1], tarbuf, 3), 3);
	a.fd = p[1];
	ck_assert_int_eq(pthread_create(&thr, NULL, pipe_thread, &a), 0);
	rc = lfs_tar_import(p[0], NULL, 0, rootfd, o, st, err);
	pthread_join(thr, NULL);
	close(p[0]);
	return rc;
}

/*
 * How a gzip stream ends: cut short, it fails at the cut (in the entry
 * being extracted); a second gzip member after the first is refused
 * (OCI blobs are one member); a first read of 3 bytes (a pipe) is still
 * told from the rest and extracted.
 */
START_TEST(test_import_gzip_ends)
{
	struct lfs_tar_import_opts o = { .diff_id_checked = 1 };
	struct lfs_tar_import_stats st;
	struct lfs_tar_digests d;
	struct lfs_err err = LFS_ERR_INIT;
	static char big[1 << 20];
	char path[256];
	uint32_t x = 1;
	size_t len;
	int fd, c, rc;

	mk("src");
	/* letters: a text file, compressed, 1 MiB */
	fill_xorshift(big, sizeof(big) - 1, &x, 26);
	put("src/f", big);
	len = export_src("e.gz", LFS_COMPRESS_GZIP, &d);
	/* the second member: the first again */
	memcpy(tarbuf + len, tarbuf, len);
	for (c = 0; c < 3; c++) {
		snprintf(path, sizeof(path), "%s/e%d", tmpdir, c);
		ck_assert_int_eq(mkdir(path, 0755), 0);
		fd = open(path, O_RDONLY | O_DIRECTORY);
		if (c == 2)
			rc = import_pipe(len, fd, &o, &st, &err);
		else
			rc = lfs_tar_import(-1, tarbuf, c ? 2 * len : len / 2,
					    fd, &o, &st, &err);
		close(fd);
		if (c == 0) {
			ck_assert_int_eq(rc, -EIO);
			ck_assert_str_eq(err.msg,
					 "entry 'f': corrupt or truncated archive: truncated gzip input");
		} else if (c == 1) {
			ck_assert_int_eq(rc, -EINVAL);
			snprintf(path, sizeof(path),
				 "corrupt archive: %zu bytes after the end of the gzip stream",
				 len);
			ck_assert_str_eq(err.msg, path);
		} else {
			ck_assert_int_eq(rc, 0);
			ck_assert_str_eq(st.d.diff_id, d.diff_id);
			ck_assert_str_eq(st.d.digest, d.digest);
		}
	}
}
END_TEST

struct bad_case {
	const char *name;
	struct tent e[3];
	size_t n;
	const char *msg;
	int devices;
};

static const struct bad_case bad_cases[] = {
	{ "abs", { { "/etc/x", AE_IFREG, "x", 0, 0 } }, 1,
	  "entry '/etc/x': absolute path", 1 },
	{ "dotdot", { { "a/../../x", AE_IFREG, "x", 0, 0 } }, 1,
	  "entry 'a/../../x': '..' component", 1 },
	{ "symlink", { { "l", AE_IFLNK, "/tmp", 0, 0 },
		       { "l/x", AE_IFREG, "x", 0, 0 } }, 2,
	  "entry 'l/x': path goes through a symlink that leaves the layer", 1 },
	{ "symlink-up", { { "l", AE_IFLNK, "..", 0, 0 },
			  { "l/x", AE_IFREG, "x", 0, 0 } }, 2,
	  "entry 'l/x': path goes through a symlink that leaves the layer", 1 },
	{ "symlink-loop", { { "l1", AE_IFLNK, "l2", 0, 0 },
			    { "l2", AE_IFLNK, "l1", 0, 0 },
			    { "l1/x", AE_IFREG, "x", 0, 0 } }, 3,
	  "entry 'l1/x': path goes through symlinks that loop or nest more than 40 deep", 1 },
	{ "dup", { { "a", AE_IFREG, "1", 0, 0 }, { "./a", AE_IFREG, "2", 0, 0 } }, 2,
	  "entry 'a': duplicate entry", 1 },
	{ "hardlink", { { "a", AE_IFREG, "nope", 1, 0 } }, 1,
	  "entry 'a': hard link to 'nope', which is not an earlier file of the layer", 1 },
	{ "hardlink-dir", { { "d", AE_IFDIR, NULL, 0, 0 }, { "a", AE_IFREG, "d", 1, 0 } }, 2,
	  "entry 'a': hard link to 'd', which is not an earlier file of the layer", 1 },
	{ "device", { { "null", AE_IFCHR, NULL, 0, 1 } }, 1,
	  "entry 'null': device node, and the caller is not root", 0 },
	{ "whiteout-dev", { { "w", AE_IFCHR, NULL, 0, 0 } }, 1,
	  "entry 'w': a 0/0 character device is the layer's own whiteout format: a tarball says .wh.NAME", 1 },
	{ "wh", { { ".wh..wh..plnk", AE_IFREG, "", 0, 0 } }, 1,
	  "entry '.wh..wh..plnk': malformed whiteout name", 1 },
	/*
	 * A whiteout name as a directory on the path would make a directory
	 * of that name, which export (save, push) then refuses, and which
	 * other tools read back as a whiteout.
	 */
	{ "wh-dir", { { "a/.wh.x/y", AE_IFREG, "y", 0, 0 } }, 1,
	  "entry 'a/.wh.x/y': its directory '.wh.x' has a name reserved for whiteouts by the OCI layer format (.wh.*)", 1 },
	{ "opq-dir", { { ".wh..wh..opq/y", AE_IFREG, "y", 0, 0 } }, 1,
	  "entry '.wh..wh..opq/y': its directory '.wh..wh..opq' has a name reserved for whiteouts by the OCI layer format (.wh.*)", 1 },
	{ "wh-dir-hardlink", { { "f", AE_IFREG, "f", 0, 0 },
			       { "d/.wh.x/h", AE_IFREG, "f", 1, 0 } }, 2,
	  "entry 'd/.wh.x/h': its directory '.wh.x' has a name reserved for whiteouts by the OCI layer format (.wh.*)", 1 },
};

/* Whether this process has openat2() (valgrind does not know it). */
static int have_openat2(void)
{
	struct open_how how = { .flags = O_RDONLY | O_CLOEXEC };
	long fd = syscall(SYS_openat2, AT_FDCWD, "/", &how, sizeof(how));

	if (fd >= 0)
		close((int)fd);
	return fd >= 0;
}

START_TEST(test_bad)
{
	const struct bad_case *c = &bad_cases[_i];
	struct tent e[3];
	struct lfs_err err = LFS_ERR_INIT;
	size_t len, i;

	/* the rdev field carries the major number here */
	for (i = 0; i < c->n; i++)
		e[i] = c->e[i];
	if (!strcmp(c->name, "whiteout-dev")) {
		struct archive *a = archive_write_new();
		struct archive_entry *ae = archive_entry_new();
		size_t used = 0;

		archive_write_set_format_pax(a);
		archive_write_open_memory(a, tarbuf, sizeof(tarbuf), &used);
		archive_entry_set_pathname(ae, "w");
		archive_entry_set_filetype(ae, AE_IFCHR);
		archive_entry_set_perm(ae, 0);
		archive_entry_set_rdev(ae, 0);
		archive_write_header(a, ae);
		archive_entry_free(ae);
		archive_write_close(a);
		archive_write_free(a);
		len = used;
	} else {
		len = mktar(e, c->n, tarbuf, sizeof(tarbuf));
	}
	ck_assert_int_ne(import_mem(tarbuf, len, "t", c->devices, &err), 0);
	/* without openat2 (valgrind) a symlink on the way is refused as such */
	if (strstr(c->msg, "path goes through ") && !have_openat2())
		ck_assert_msg(!strncmp(err.msg, c->msg,
				       (size_t)(strstr(c->msg, "through ") - c->msg)),
			      "%s", err.msg);
	else
		ck_assert_str_eq(err.msg, c->msg);
}
END_TEST

/*
 * The memory an import holds for each entry must not grow with the
 * entry's path: a hostile layer of 10 million entries (the default limit)
 * with 4 KB paths is small once compressed, and paths kept whole would
 * take 40 GB.  An import of N entries under a deep directory (paths of
 * about 3.5 KB) against one of N entries with short paths, each in a
 * fresh child: the difference of their peak RSS, per entry.  Loop 0:
 * regular files; 1: directories.
 */
#define MEM_N 10000

static size_t mktar_gz_file(const char *file, int longpaths, int dirs)
{
	struct archive *a = archive_write_new();
	struct archive_entry *ae;
	char deep[4096], path[4096 + 32], p[300];
	size_t i, off = 0;
	struct stat st;

	deep[0] = '\0';
	/* 14 components of 250 bytes: 3514 bytes */
	for (i = 0; longpaths && i < 14; i++)
		off += (size_t)snprintf(deep + off, sizeof(deep) - off,
					"%s%0250zu", i ? "/" : "", i);
	snprintf(p, sizeof(p), "%s/%s", tmpdir, file);
	ck_assert_int_eq(archive_write_set_format_pax(a), ARCHIVE_OK);
	ck_assert_int_eq(archive_write_add_filter_gzip(a), ARCHIVE_OK);
	ck_assert_int_eq(archive_write_open_filename(a, p), ARCHIVE_OK);
	for (i = 0; i < MEM_N; i++) {
		ae = archive_entry_new();
		snprintf(path, sizeof(path), "%s%s%c%06zu", deep,
			 *deep ? "/" : "", dirs ? 'd' : 'f', i);
		archive_entry_set_pathname(ae, path);
		archive_entry_set_filetype(ae, dirs ? AE_IFDIR : AE_IFREG);
		archive_entry_set_perm(ae, dirs ? 0755 : 0644);
		ck_assert_int_eq(archive_write_header(a, ae), ARCHIVE_OK);
		archive_entry_free(ae);
	}
	ck_assert_int_eq(archive_write_close(a), ARCHIVE_OK);
	archive_write_free(a);
	ck_assert_int_eq(stat(p, &st), 0);
	return (size_t)st.st_size;
}

/* In a child: the import's peak RSS above the RSS before it, in bytes. */
static long import_peak(const char *file, const char *name)
{
	int pfd[2], status;
	long r = -1;
	pid_t pid;

	ck_assert_int_eq(pipe(pfd), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (!pid) {
		struct lfs_tar_import_opts o = { 0 };
		struct lfs_tar_import_stats st;
		struct lfs_err err = LFS_ERR_INIT;
		long pages = 0, res = 0;
		struct rusage ru;
		char p[300];
		FILE *f;
		int fd, dfd;

		snprintf(p, sizeof(p), "%s/%s", tmpdir, file);
		fd = open(p, O_RDONLY);
		snprintf(p, sizeof(p), "%s/%s", tmpdir, name);
		if (fd < 0 || mkdir(p, 0755))
			_exit(1);
		dfd = open(p, O_RDONLY | O_DIRECTORY);
		f = fopen("/proc/self/statm", "r");
		if (dfd < 0 || !f || fscanf(f, "%ld %ld", &pages, &res) != 2)
			_exit(1);
		fclose(f);
		if (lfs_tar_import(fd, NULL, 0, dfd, &o, &st, &err)) {
			fprintf(stderr, "import: %s\n", err.msg);
			_exit(1);
		}
		getrusage(RUSAGE_SELF, &ru);
		r = ru.ru_maxrss * 1024 - res * sysconf(_SC_PAGESIZE);
		if (write(pfd[1], &r, sizeof(r)) != sizeof(r))
			_exit(1);
		_exit(0);
	}
	close(pfd[1]);
	ck_assert_int_eq(read(pfd[0], &r, sizeof(r)), sizeof(r));
	close(pfd[0]);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	return r;
}

START_TEST(test_import_mem_per_entry)
{
	long shortp, longp;

	mktar_gz_file("short.tgz", 0, _i);
	mktar_gz_file("long.tgz", 1, _i);
	shortp = import_peak("short.tgz", "s");
	longp = import_peak("long.tgz", "l");
	ck_assert_msg(longp - shortp < MEM_N * 256L,
		      "%s: peak %ld bytes with short paths, %ld with 3.5 KB paths: %ld more per entry",
		      _i ? "directories" : "files", shortp, longp,
		      (longp - shortp) / MEM_N);
}
END_TEST

/*
 * Directories' modes and times are set at the end by a walk of the tree
 * that keeps an fd a level only down to a depth, then reopens them by
 * path: a chain of 150 directories (each after its child in the tar for
 * the lower half), with 40 subdirectories and files at depth 120, all
 * get their own mode and time.
 */
START_TEST(test_import_dirmeta_deep)
{
	struct archive *a = archive_write_new();
	struct archive_entry *ae;
	struct lfs_err err = LFS_ERR_INIT;
	char path[1024], p[1400];
	size_t used = 0, i, k, c, len;
	struct stat st;
	int order;

	ck_assert_int_eq(archive_write_set_format_pax(a), ARCHIVE_OK);
	ck_assert_int_eq(archive_write_open_memory(a, tarbuf, sizeof(tarbuf), &used),
			 ARCHIVE_OK);
	/* order 0: levels 0-74 parent first; 1: 149 down to 75 */
	for (order = 0; order < 2; order++)
		for (k = 0; k < 75; k++) {
			i = order ? 149 - k : k;
			for (len = 0, c = 0; c <= i; c++)
				len += (size_t)snprintf(path + len, sizeof(path) - len,
							"%sd", len ? "/" : "");
			ae = archive_entry_new();
			archive_entry_set_pathname(ae, path);
			archive_entry_set_filetype(ae, AE_IFDIR);
			archive_entry_set_perm(ae, i % 2 ? 0750 : 0705);
			archive_entry_set_mtime(ae, 100000 + (time_t)i, 0);
			ck_assert_int_eq(archive_write_header(a, ae), ARCHIVE_OK);
			archive_entry_free(ae);
			if (i != 120)
				continue;
			for (c = 0; c < 40; c++) {
				ae = archive_entry_new();
				snprintf(p, sizeof(p), "%s/s%zu%s", path, c,
					 c % 2 ? "/f" : "");
				archive_entry_set_pathname(ae, p);
				archive_entry_set_filetype(ae, c % 2 ? AE_IFREG : AE_IFDIR);
				archive_entry_set_perm(ae, 0711);
				archive_entry_set_mtime(ae, 200000 + (time_t)c, 0);
				ck_assert_int_eq(archive_write_header(a, ae), ARCHIVE_OK);
				archive_entry_free(ae);
			}
		}
	ck_assert_int_eq(archive_write_close(a), ARCHIVE_OK);
	archive_write_free(a);
	ck_assert_int_eq(import_mem(tarbuf, used, "t", 1, &err), 0);
	for (i = 0; i < 150; i++) {
		snprintf(p, sizeof(p), "%s/t", tmpdir);
		for (k = 0; k <= i; k++)
			strcat(p, "/d");
		ck_assert_int_eq(lstat(p, &st), 0);
		ck_assert_msg((st.st_mode & 07777) == (i % 2 ? 0750u : 0705u),
			      "level %zu: mode %o", i, st.st_mode & 07777);
		ck_assert_int_eq(st.st_mtime, 100000 + (time_t)i);
		if (i != 120)
			continue;
		len = strlen(p);
		for (k = 0; k < 40; k++) {
			snprintf(p + len, sizeof(p) - len, "/s%zu", k);
			ck_assert_int_eq(lstat(p, &st), 0);
			ck_assert_msg((st.st_mode & 07777) == (k % 2 ? 0755u : 0711u),
				      "s%zu: mode %o", k, st.st_mode & 07777);
			if (k % 2 == 0)
				ck_assert_int_eq(st.st_mtime, 200000 + (time_t)k);
		}
		p[len] = '\0';
	}
}
END_TEST

/*
 * A directory entry whose path goes through a symlink of the layer that
 * stays inside it ("l/x/", l -> d) is made where the path resolves
 * (d/x), as a file on such a path is, and as containerd and docker
 * resolve it: its mode and times are set at the end there, even though
 * the walk that sets them finds it by another path.  The same directory
 * named twice (through a symlink, then plainly; through two symlinks)
 * gets the attributes of its last entry.
 */
struct dirlink_ent {
	const char *path;
	mode_t type;		/* AE_IFDIR, AE_IFLNK, AE_IFREG */
	const char *target;	/* AE_IFLNK */
	mode_t perm;
	time_t mtime;
};

static const struct dirlink_ent dirlink_ents[] = {
	{ "d", AE_IFDIR, NULL, 0755, 100 },
	{ "l", AE_IFLNK, "d", 0777, 100 },
	{ "l/x", AE_IFDIR, NULL, 0710, 200 },
	{ "l/x/f", AE_IFREG, NULL, 0644, 200 },
	{ "l/x/z", AE_IFDIR, NULL, 0750, 300 },
	{ "l2", AE_IFLNK, "d/x", 0777, 100 },
	{ "l2/z", AE_IFDIR, NULL, 0705, 400 },
	{ "l/w", AE_IFDIR, NULL, 0711, 500 },
	{ "d/w", AE_IFDIR, NULL, 0701, 600 },
	{ "l2/z/g", AE_IFREG, NULL, 0644, 200 },
};

START_TEST(test_import_dir_via_symlink)
{
	static const struct { const char *path; mode_t mode; time_t mtime; }
	want[] = {
		{ "d/x", 0710, 200 }, { "d/x/z", 0705, 400 },
		{ "d/w", 0701, 600 }, { "d", 0755, 100 },
	};
	struct archive *a = archive_write_new();
	struct archive_entry *ae;
	struct lfs_err err = LFS_ERR_INIT;
	char p[512], line[512];
	size_t used = 0, i;
	struct stat st;
	int rc;

	ck_assert_int_eq(archive_write_set_format_pax(a), ARCHIVE_OK);
	ck_assert_int_eq(archive_write_open_memory(a, tarbuf, sizeof(tarbuf), &used),
			 ARCHIVE_OK);
	for (i = 0; i < sizeof(dirlink_ents) / sizeof(dirlink_ents[0]); i++) {
		ae = archive_entry_new();
		archive_entry_set_pathname(ae, dirlink_ents[i].path);
		archive_entry_set_filetype(ae, dirlink_ents[i].type);
		archive_entry_set_perm(ae, dirlink_ents[i].perm);
		archive_entry_set_mtime(ae, dirlink_ents[i].mtime, 0);
		if (dirlink_ents[i].target)
			archive_entry_set_symlink(ae, dirlink_ents[i].target);
		ck_assert_int_eq(archive_write_header(a, ae), ARCHIVE_OK);
		archive_entry_free(ae);
	}
	ck_assert_int_eq(archive_write_close(a), ARCHIVE_OK);
	archive_write_free(a);
	rc = import_mem(tarbuf, used, "t", 1, &err);
	if (!have_openat2()) {
		/* without openat2 (valgrind) no symlink on the way is followed */
		ck_assert_str_eq(lfs_err_str(&err, line, sizeof(line)),
				 "entry 'l/x': path goes through a symlink, and without openat2 none is followed");
		return;
	}
	ck_assert_msg(rc == 0, "%s", lfs_err_str(&err, line, sizeof(line)));
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		snprintf(p, sizeof(p), "%s/t/%s", tmpdir, want[i].path);
		ck_assert_int_eq(lstat(p, &st), 0);
		ck_assert_msg(S_ISDIR(st.st_mode) &&
			      (st.st_mode & 07777) == want[i].mode &&
			      st.st_mtime == want[i].mtime,
			      "%s: mode %o mtime %lld, want %o %lld", want[i].path,
			      st.st_mode & 07777, (long long)st.st_mtime,
			      want[i].mode, (long long)want[i].mtime);
	}
}
END_TEST

/*
 * The walk that sets directories' metadata reads a directory's entries
 * 32 KiB at a time and goes down into each subdirectory in between: a
 * directory whose entries fill several such reads, at depth 1 (its fd
 * and buffer kept while below) and at depth 100 (reopened and read again
 * from the saved position after each subdirectory, whose own entries
 * take the shared buffer meanwhile), with files between the
 * subdirectories, gets every subdirectory's mode and time.
 */
#define WIDE_N 400
START_TEST(test_import_dirmeta_wide)
{
	struct archive *a = archive_write_new();
	struct archive_entry *ae;
	struct lfs_err err = LFS_ERR_INIT;
	char path[1024], p[1400], pad[151];
	size_t used = 0, bufsz = 24 << 20, len, c, k;
	char *big = malloc(bufsz);
	struct stat st;
	int w;

	ck_assert_ptr_nonnull(big);
	memset(pad, 'x', sizeof(pad) - 1);
	pad[sizeof(pad) - 1] = '\0';
	ck_assert_int_eq(archive_write_set_format_pax(a), ARCHIVE_OK);
	ck_assert_int_eq(archive_write_open_memory(a, big, bufsz, &used),
			 ARCHIVE_OK);
	for (w = 0; w < 2; w++) {
		/* w 0: "w1"; 1: "c/d/.../d", 100 levels down */
		len = (size_t)snprintf(path, sizeof(path), "%s", w ? "c" : "w1");
		for (k = 0; k < (w ? 100u : 1u); k++) {
			if (k)
				len += (size_t)snprintf(path + len,
							sizeof(path) - len, "/d");
			ae = archive_entry_new();
			archive_entry_set_pathname(ae, path);
			archive_entry_set_filetype(ae, AE_IFDIR);
			archive_entry_set_perm(ae, 0755);
			ck_assert_int_eq(archive_write_header(a, ae), ARCHIVE_OK);
			archive_entry_free(ae);
		}
		for (c = 0; c < 2 * WIDE_N; c++) {
			ae = archive_entry_new();
			snprintf(p, sizeof(p), "%s/%c%04zu%s", path,
				 c % 2 ? 'f' : 's', c / 2, pad);
			archive_entry_set_pathname(ae, p);
			archive_entry_set_filetype(ae, c % 2 ? AE_IFREG : AE_IFDIR);
			archive_entry_set_perm(ae, c % 4 ? 0750 : 0705);
			archive_entry_set_mtime(ae, 300000 + (time_t)c, 0);
			ck_assert_int_eq(archive_write_header(a, ae), ARCHIVE_OK);
			archive_entry_free(ae);
			/* entries of its own, read between its parent's */
			for (k = 0; c % 2 == 0 && k < 8; k++) {
				ae = archive_entry_new();
				snprintf(p, sizeof(p), "%s/s%04zu%s/g%zu%s", path,
					 c / 2, pad, k, pad);
				archive_entry_set_pathname(ae, p);
				archive_entry_set_filetype(ae, AE_IFREG);
				archive_entry_set_perm(ae, 0644);
				ck_assert_int_eq(archive_write_header(a, ae),
						 ARCHIVE_OK);
				archive_entry_free(ae);
			}
		}
	}
	ck_assert_int_eq(archive_write_close(a), ARCHIVE_OK);
	archive_write_free(a);
	ck_assert_int_eq(import_mem(big, used, "t", 1, &err), 0);
	free(big);
	for (w = 0; w < 2; w++) {
		len = (size_t)snprintf(path, sizeof(path), "%s/t/%s", tmpdir,
				       w ? "c" : "w1");
		for (k = 1; k < (w ? 100u : 1u); k++)
			len += (size_t)snprintf(path + len, sizeof(path) - len,
						"/d");
		for (c = 0; c < 2 * WIDE_N; c += 2) {
			snprintf(p, sizeof(p), "%s/s%04zu%s", path, c / 2, pad);
			ck_assert_int_eq(lstat(p, &st), 0);
			ck_assert_msg((st.st_mode & 07777) == (c % 4 ? 0750u : 0705u),
				      "%s s%zu: mode %o", w ? "deep" : "top",
				      c / 2, st.st_mode & 07777);
			ck_assert_msg(st.st_mtime == 300000 + (time_t)c,
				      "%s s%zu: mtime %ld", w ? "deep" : "top",
				      c / 2, (long)st.st_mtime);
		}
	}
}
END_TEST

START_TEST(test_truncated)
{
	struct tent e[1] = { { "f", AE_IFREG, NULL, 0, 0 } };
	char data[4000];
	struct lfs_err err = LFS_ERR_INIT;
	size_t len;

	memset(data, 'x', sizeof(data) - 1);
	data[sizeof(data) - 1] = '\0';
	e[0].data = data;
	len = mktar(e, 1, tarbuf, sizeof(tarbuf));
	ck_assert_int_ne(import_mem(tarbuf, 1500, "t1", 1, &err), 0);
	ck_assert_msg(strstr(err.msg, "truncated") || strstr(err.msg, "corrupt"), "%s",
		      err.msg);
	ck_assert_int_ne(import_mem("", 0, "t2", 1, &err), 0);
	ck_assert_int_ne(import_mem("garbage", 7, "t3", 1, &err), 0);
	ck_assert_int_eq(import_mem(tarbuf, len, "t4", 1, &err), 0);
}
END_TEST

/*
 * A process exchanging TMP/@a and TMP/@b (renameat2 RENAME_EXCHANGE) as
 * fast as it can, as the owner of a layer directory may while root
 * exports it; kill it with swapper_stop().
 */
static pid_t swapper_start(const char *a, const char *b)
{
	char pa[256], pb[256];
	pid_t pid;

	snprintf(pa, sizeof(pa), "%s/%s", tmpdir, a);
	snprintf(pb, sizeof(pb), "%s/%s", tmpdir, b);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (!pid)
		for (;;)
			if (renameat2(AT_FDCWD, pa, AT_FDCWD, pb, RENAME_EXCHANGE))
				_exit(1);
	return pid;
}

static void swapper_stop(pid_t pid)
{
	int status;

	kill(pid, SIGKILL);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(WIFSIGNALED(status), "the swapper failed");
}

/*
 * @rounds exports of TMP/src, each into TMP/race.tar, in a child given
 * @secs seconds: into @out, "ok N replaced N other N found N" (exports
 * that succeeded, failed with "replaced while being read", failed
 * otherwise (the first reason follows), wrote a tar holding @needle), or
 * "hung" if the child had not finished by then.
 */
static void export_rounds(unsigned int rounds, const char *needle, int secs,
			  char *out, size_t len)
{
	unsigned int ok = 0, replaced = 0, other = 0, found = 0, i;
	char src[256], path[256], first[LFS_ERR_MAX] = "";
	struct pollfd pfd;
	ssize_t n, got = 0;
	int p[2], fd, status;
	pid_t pid;

	ck_assert_int_eq(pipe(p), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (!pid) {
		snprintf(src, sizeof(src), "%s/src", tmpdir);
		snprintf(path, sizeof(path), "%s/race.tar", tmpdir);
		for (i = 0; i < rounds; i++) {
			struct lfs_err err = LFS_ERR_INIT;
			struct lfs_tar_digests d;
			static char tar[1 << 16];
			ssize_t k;
			int rc;

			fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
			if (fd < 0)
				_exit(2);
			rc = lfs_tar_export(src, fd, LFS_COMPRESS_NONE, &d,
					    &err);
			k = pread(fd, tar, sizeof(tar), 0);
			close(fd);
			if (!rc)
				ok++;
			else if (strstr(err.msg, "replaced while being read"))
				replaced++;
			else if (!other++)
				snprintf(first, sizeof(first), " (%s)", err.msg);
			if (!rc && k > 0 && memmem(tar, k, needle, strlen(needle)))
				found++;
		}
		dprintf(p[1], "ok %u replaced %u other %u found %u%s", ok,
			replaced, other, found, first);
		_exit(0);
	}
	close(p[1]);
	pfd.fd = p[0];
	pfd.events = POLLIN;
	while (poll(&pfd, 1, secs * 1000) == 1 &&
	       (n = read(p[0], out + got, len - 1 - got)) > 0)
		got += n;
	out[got] = 0;
	close(p[0]);
	if (!got) {
		snprintf(out, len, "hung");
		kill(pid, SIGKILL);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
}

/*
 * An export whose output cannot be written (/dev/full): the errno is the
 * code, after what failed, not glued into a text of code 0 (the caller's
 * subject then read "export 'x': No space left on device"), whatever the
 * compression and wherever the write fails: at the end (a small tree) or
 * in the middle of a file's data (1 MiB that does not compress).
 */
START_TEST(test_export_write_errno)
{
	static const enum lfs_compress comp[] = {
		LFS_COMPRESS_NONE, LFS_COMPRESS_GZIP, LFS_COMPRESS_ZSTD };
	static const char *const trees[] = { "small", "big" };
	struct lfs_err err = LFS_ERR_INIT;
	struct lfs_tar_digests d;
	char src[128], line[LFS_ERR_MAX + 64], want[256];
	size_t i, t;
	int fd, rnd, rc;

	mk("small");
	put("small/f", "hello\n");
	mk("big");
	snprintf(src, sizeof(src), "%s/big/f", tmpdir);
	rnd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
	ck_assert_int_ge(rnd, 0);
	fd = open(src, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	ck_assert_int_ge(fd, 0);
	for (i = 0; i < 16; i++) {
		ck_assert_int_eq(read(rnd, tarbuf, 65536), 65536);
		ck_assert_int_eq(write(fd, tarbuf, 65536), 65536);
	}
	close(fd);
	close(rnd);
	fd = open("/dev/full", O_WRONLY | O_CLOEXEC);
	ck_assert_int_ge(fd, 0);
	for (t = 0; t < 2; t++) {
		snprintf(src, sizeof(src), "%s/%s", tmpdir, trees[t]);
		for (i = 0; i < 3; i++) {
			rc = lfs_tar_export(src, fd, comp[i], &d, &err);
			ck_assert_msg(rc == -ENOSPC, "%s, compression %zu: %d %s",
				      trees[t], i, rc, err.msg);
			lfs_err_prefix(&err, rc, "export '%s'", trees[t]);
			snprintf(want, sizeof(want),
				 "export '%s': cannot write the tarball (No space left on device)",
				 trees[t]);
			ck_assert_str_eq(lfs_err_str(&err, line, sizeof(line)),
					 want);
		}
	}
	close(fd);
}
END_TEST

/*
 * A regular file of the layer exchanged with a FIFO while the layer is
 * exported: the export says so or gets one or the other whole, and never
 * waits on the FIFO for a writer (it opened the name listed as a regular
 * file for reading, whatever was there by then).
 */
START_TEST(test_export_fifo_swapped)
{
	char report[LFS_ERR_MAX + 64], path[256];
	pid_t pid;

	mk("src");
	put("src/f", "the file's data\n");
	snprintf(path, sizeof(path), "%s/fifo", tmpdir);
	ck_assert_int_eq(mkfifo(path, 0644), 0);
	pid = swapper_start("src/f", "fifo");

	export_rounds(3000, "the file's data", 20, report, sizeof(report));
	swapper_stop(pid);
	printf("export: a regular file exchanged with a FIFO 3000 times "
	       "over: %s\n", report);
	ck_assert_msg(strcmp(report, "hung") && strstr(report, " other 0 "),
		      "%s", report);
}
END_TEST

/*
 * A directory of the layer exchanged with a symlink to a tree outside it
 * while the layer is exported: the xattrs of what is outside never get
 * into the tar (they were read by a path from the layer's root, through
 * whatever its directories had become).  The user.* namespace stands for
 * the trusted.* and security.* ones only root reads.
 */
START_TEST(test_export_dir_swapped)
{
	char report[LFS_ERR_MAX + 64], path[256];
	pid_t pid;

	mk("src");
	mk("src/a");
	put("src/a/x", "inside\n");
	mk("outside");
	put("outside/x", "outside\n");
	snprintf(path, sizeof(path), "%s/outside/x", tmpdir);
	if (setxattr(path, "user.secret", "not-the-layer's", 15, 0)) {
		printf("export: no user xattrs in %s: not checked\n", tmpdir);
		return;
	}
	snprintf(path, sizeof(path), "%s/outside", tmpdir);
	snprintf(report, sizeof(report), "%s/lnk", tmpdir);
	ck_assert_int_eq(symlink(path, report), 0);
	pid = swapper_start("src/a", "lnk");
	export_rounds(3000, "not-the-layer's", 20, report, sizeof(report));
	swapper_stop(pid);
	printf("export: a directory exchanged with a symlink out of the "
	       "layer 3000 times over: %s\n", report);
	ck_assert_msg(strcmp(report, "hung") && strstr(report, " found 0"),
		      "%s", report);
}
END_TEST

START_TEST(test_rm_rf)
{
	char p[256];

	mk("r");
	mk("r/a");
	mk("r/a/b");
	put("r/a/b/f", "x");
	snprintf(p, sizeof(p), "%s/r/a/l", tmpdir);
	ck_assert_int_eq(symlink(tmpdir, p), 0);
	snprintf(p, sizeof(p), "%s/r/a/b", tmpdir);
	ck_assert_int_eq(chmod(p, 0), 0);
	snprintf(p, sizeof(p), "%s/r", tmpdir);
	ck_assert_int_eq(lfs_rm_rf_at(AT_FDCWD, p), 0);
	ck_assert_int_ne(access(p, F_OK), 0);
	ck_assert_int_eq(access(tmpdir, F_OK), 0);
	ck_assert_int_eq(lfs_rm_rf_at(AT_FDCWD, p), 0);
}
END_TEST

/* ---- commands, with fake_nl ---- */

static const char *slurp(const char *path);

/* Whether directory @dir holds a name starting with @prefix. */
static int exists_prefix(const char *dir, const char *prefix)
{
	struct dirent *de;
	DIR *d = opendir(dir);
	int found = 0;

	ck_assert_ptr_nonnull(d);
	while ((de = readdir(d)))
		found |= !strncmp(de->d_name, prefix, strlen(prefix));
	closedir(d);
	return found;
}

static struct run_result r;

static void run(const char *const *args)
{
	struct lfs_ctx ctx = { .now_ns = 2000000000ULL * 1000000000ULL };

	run_layerctl(&r, &ctx, args);
}

#define RUN(...) run((const char *const[]){ __VA_ARGS__, NULL })

static void cmd_teardown(void)
{
	run_result_free(&r);
	tmp_teardown();
}

/*
 * import --dir removes DIR on failure, also for a caller without
 * CAP_DAC_OVERRIDE (--dir needs no module, so any user runs it): a
 * layer's read-only directory (0555, as many images have) with an entry
 * in it could not be emptied, and DIR stayed, half made.  The import
 * fails at the end (a --digest that does not match), after the
 * directories got their modes.  Run as user 65534 when run as root.
 */
START_TEST(test_cmd_import_dir_readonly)
{
	struct archive *a = archive_write_new();
	struct archive_entry *ae;
	char base[160], tar[200], out[200];
	size_t used = 0;
	int status;
	pid_t pid;
	FILE *f;

	snprintf(base, sizeof(base), "%s/nr", tmpdir);
	ck_assert_int_eq(mkdir(base, 0755), 0);
	ck_assert_int_eq(chmod(tmpdir, 0711), 0);
	if (geteuid() == 0)
		ck_assert_int_eq(chown(base, 65534, 65534), 0);
	ck_assert_int_eq(archive_write_set_format_pax(a), ARCHIVE_OK);
	ck_assert_int_eq(archive_write_open_memory(a, tarbuf, sizeof(tarbuf),
						   &used), ARCHIVE_OK);
	ae = archive_entry_new();
	archive_entry_set_pathname(ae, "d");
	archive_entry_set_filetype(ae, AE_IFDIR);
	archive_entry_set_perm(ae, 0555);
	ck_assert_int_eq(archive_write_header(a, ae), ARCHIVE_OK);
	archive_entry_clear(ae);
	archive_entry_set_pathname(ae, "d/f");
	archive_entry_set_filetype(ae, AE_IFREG);
	archive_entry_set_perm(ae, 0444);
	archive_entry_set_size(ae, 1);
	ck_assert_int_eq(archive_write_header(a, ae), ARCHIVE_OK);
	ck_assert_int_eq(archive_write_data(a, "x", 1), 1);
	archive_entry_free(ae);
	ck_assert_int_eq(archive_write_close(a), ARCHIVE_OK);
	archive_write_free(a);
	snprintf(tar, sizeof(tar), "%s/ro.tar", base);
	f = fopen(tar, "w");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(tarbuf, 1, used, f), used);
	fclose(f);
	snprintf(out, sizeof(out), "%s/out", base);

	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (!pid) {
		if (geteuid() == 0 &&
		    (setgroups(0, NULL) || setgid(65534) || setuid(65534)))
			_exit(3);
		RUN("import", tar, "--dir", out, "--digest",
		    "sha256:0000000000000000000000000000000000000000000000000000000000000000");
		if (r.rc != 1 || !strstr(r.err, "digest mismatch")) {
			fprintf(stderr, "import: %d: %s", r.rc, r.err);
			_exit(2);
		}
		if (!access(out, F_OK)) {
			fprintf(stderr, "import --dir failed and left '%s'\n", out);
			_exit(1);
		}
		_exit(0);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		      "child: status %d (1: the directory was left)", status);
}
END_TEST

START_TEST(test_cmd_help)
{
	static const char *const cmds[] = { "export", "import", "save", "load",
					    "inspect", "diff" };
	size_t i;

	for (i = 0; i < 6; i++) {
		RUN(cmds[i], "--help");
		ck_assert_int_eq(r.rc, 0);
		ck_assert_msg(!strncmp(r.out, "Usage: layerctl ", 16), "%s", r.out);
	}
	RUN("import", "x.tar");
	ck_assert_int_eq(r.rc, 2);
	ck_assert_msg(!strncmp(r.err, "layerctl: import: missing REF\n", 30), "%s", r.err);
	RUN("import", "x.tar", "a:1", "--digest", "sha256:00");
	ck_assert_int_eq(r.rc, 2);
	ck_assert_msg(strstr(r.err, "invalid digest 'sha256:00'"), "%s", r.err);
	RUN("export", "--gzip", "--zstd", "a:1");
	ck_assert_int_eq(r.rc, 2);
	ck_assert_msg(strstr(r.err, "--gzip and --zstd exclude each other"), "%s", r.err);
	/* without -o, save writes an archive to standard output */
	RUN("save");
	ck_assert_int_eq(r.rc, 2);
	ck_assert_msg(strstr(r.err, "save: missing REF"), "%s", r.err);
	RUN("load", "-i", "x.tar", "a:1", "b:1");
	ck_assert_int_eq(r.rc, 2);
	ck_assert_msg(strstr(r.err, "load: unexpected argument 'b:1'"), "%s", r.err);
	RUN("import", "x.tar", "Bad");
	ck_assert_int_eq(r.rc, 1);
	ck_assert_msg(strstr(r.err, "layer 'Bad': invalid name"), "%s", r.err);
	ck_assert_int_eq(fake_nl.requests, 0);
}
END_TEST

START_TEST(test_cmd_export_import)
{
	struct lfs_layer l = { 0 };
	char src[128], out[160], store[160], meta[512], tar[200];
	struct stat st;
	DIR *d;
	struct dirent *de;
	int n = 0;

	mk("src");
	put("src/a", "a");
	snprintf(src, sizeof(src), "%s/src", tmpdir);
	snprintf(out, sizeof(out), "%s/a.tar", tmpdir);
	snprintf(store, sizeof(store), "%s/store", tmpdir);
	l.name = "base:1";
	l.path = src;
	fake_nl.layers[0] = &l;
	fake_nl.n_layers = 1;
	RUN("export", "base:1", "-o", out, "--json");
	ck_assert_msg(r.rc == 0, "%s", r.err);
	ck_assert_msg(!strncmp(r.out, "{\"diff_id\":\"sha256:", 19), "%s", r.out);
	ck_assert_int_eq(stat(out, &st), 0);

	RUN("--store", store, "import", out, "copy:1", "--parent", "base:1",
	    "-a", "me");
	ck_assert_msg(r.rc == 0, "%s", r.err);
	/* the fake kernel does not know the new layer: no index for it */
	ck_assert_msg(!strncmp(r.err, "layerctl: layer 'copy:1': not indexed, views walk its layers: no such layer (No such file or directory)\ndiff_id sha256:", 119), "%s", r.err);
	ck_assert_uint_eq(fake_nl.added.n, 1);
	ck_assert_str_eq(fake_nl.added.v[0], "copy:1");
	ck_assert_str_eq(fake_nl.add_req->parent, "base:1");
	ck_assert_str_eq(fake_nl.add_req->author, "me");
	ck_assert(fake_nl.add_req->flags & LAYERFS_LAYER_F_FROZEN);
	snprintf(meta, sizeof(meta), "%s/layers", store);
	d = opendir(meta);
	ck_assert_ptr_nonnull(d);
	while ((de = readdir(d)))
		if (de->d_name[0] != '.') {
			n++;
			snprintf(meta, sizeof(meta), "%s/layers/%s/diff/a",
				 store, de->d_name);
		}
	closedir(d);
	ck_assert_int_eq(n, 1);
	ck_assert_int_eq(stat(meta, &st), 0);

	/* a bad digest: refused, nothing added to the store */
	RUN("--store", store, "import", out, "copy:2", "--digest",
	    "sha256:0000000000000000000000000000000000000000000000000000000000000000");
	ck_assert_int_eq(r.rc, 1);
	ck_assert_msg(strstr(r.err, "digest mismatch"), "%s", r.err);
	ck_assert_uint_eq(fake_nl.added.n, 1);
	snprintf(meta, sizeof(meta), "%s/layers", store);
	d = opendir(meta);
	n = 0;
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			n++;
	closedir(d);
	ck_assert_int_eq(n, 1);

	/* an escaping tarball: refused with the entry named */
	{
		struct tent e[2] = { { "l", AE_IFLNK, "/", 0, 0 },
				     { "l/x", AE_IFREG, "x", 0, 0 } };
		size_t len = mktar(e, 2, tarbuf, sizeof(tarbuf));
		FILE *f;

		snprintf(tar, sizeof(tar), "%s/bad.tar", tmpdir);
		f = fopen(tar, "w");
		fwrite(tarbuf, 1, len, f);
		fclose(f);
	}
	RUN("--store", store, "import", tar, "copy:3");
	ck_assert_int_eq(r.rc, 1);
	ck_assert_msg(strstr(r.err, "layerctl: import '") &&
		      strstr(r.err, "bad.tar': entry 'l/x': path goes through a symlink"),
		      "%s", r.err);
	ck_assert_uint_eq(fake_nl.added.n, 1);

	/* an existing name: refused before any work */
	RUN("--store", store, "import", out, "base:1");
	ck_assert_int_eq(r.rc, 1);
	ck_assert_msg(strstr(r.err, "layerctl: layer 'base:1': a layer of that name exists"),
		      "%s", r.err);

	/* a new image named without a tag is REF:latest, as in docker */
	RUN("--store", store, "import", out, "copy");
	ck_assert_msg(r.rc == 0, "%s", r.err);
	ck_assert_uint_eq(fake_nl.added.n, 2);
	ck_assert_str_eq(fake_nl.added.v[1], "copy:latest");
	snprintf(tar, sizeof(tar), "%s/layers", store);
	d = opendir(tar);
	n = 0;
	while ((de = readdir(d)))
		if (de->d_name[0] != '.') {
			snprintf(meta, sizeof(meta), "%s/layers/%.32s/meta.json",
				 store, de->d_name);
			if (strstr(slurp(meta), "\"ref\": \"copy:latest\""))
				n++;
		}
	closedir(d);
	ck_assert_int_eq(n, 1);
}
END_TEST

/*
 * Names starting with ".wh." are the OCI layer format's whiteouts: export
 * refuses a layer holding one as an ordinary entry (issue 12 item 11),
 * names it, and leaves no output file.
 */
START_TEST(test_cmd_export_reserved)
{
	char src[128], out[160], path[256];
	struct stat st;
	DIR *d;
	struct dirent *de;
	int n = 0;

	mk("src");
	mk("src/d");
	put("src/d/.wh.foo", "a regular file named like a whiteout");
	snprintf(path, sizeof(path), "%s/src/d/foo", tmpdir);
	if (geteuid() == 0)	/* the whiteout of foo beside it */
		ck_assert_int_eq(mknod(path, S_IFCHR | 0600, makedev(0, 0)), 0);
	snprintf(src, sizeof(src), "%s/src", tmpdir);
	snprintf(out, sizeof(out), "%s/out.tar", tmpdir);
	RUN("export", "--dir", src, "-o", out);
	ck_assert_int_eq(r.rc, 1);
	ck_assert_msg(strstr(r.err, "'d/.wh.foo': names starting with '.wh.' are reserved for whiteouts"),
		      "%s", r.err);
	ck_assert_int_ne(stat(out, &st), 0);

	/* A lone .wh.x (import would make it a whiteout of x). */
	snprintf(path, sizeof(path), "%s/src/d", tmpdir);
	ck_assert_int_eq(lfs_rm_rf_at(AT_FDCWD, path), 0);
	put("src/.wh.x", "x");
	RUN("export", "--dir", src, "-o", out, "--gzip");
	ck_assert_int_eq(r.rc, 1);
	ck_assert_msg(strstr(r.err, "'.wh.x': names starting with '.wh.'"), "%s", r.err);
	ck_assert_int_ne(stat(out, &st), 0);
	/* A directory named so, too. */
	snprintf(path, sizeof(path), "%s/src/.wh.x", tmpdir);
	ck_assert_int_eq(unlink(path), 0);
	mk("src/.wh..wh..opq");
	RUN("export", "--dir", src, "-o", out);
	ck_assert_int_eq(r.rc, 1);
	ck_assert_msg(strstr(r.err, "'.wh..wh..opq': names starting"), "%s", r.err);
	/* Nothing left behind: no output, no temporary file. */
	d = opendir(tmpdir);
	ck_assert_ptr_nonnull(d);
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			n++;
	closedir(d);
	ck_assert_int_eq(n, 1);	/* src */
}
END_TEST

/* The layer "base:1": TMP/base holding the file a; @dir receives its path. */
static void base_layer(struct lfs_layer *l, char *dir, size_t len)
{
	mk("base");
	put("base/a", "a");
	snprintf(dir, len, "%s/base", tmpdir);
	l->name = "base:1";
	l->path = dir;
}

/* Reads @path (at most 64 KiB) into a static buffer. */
static const char *slurp(const char *path)
{
	static char buf[65536];
	FILE *f = fopen(path, "r");
	size_t n;

	ck_assert_ptr_nonnull(f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	return buf;
}

static void assert_err_line(const char *cmd, const char *file,
			    const char *rest);

/*
 * base:1 (base_layer(), in the fake kernel) saved as the layout TMP/oci,
 * its path into @oci: its index.json, parsed (the caller puts it).
 */
static struct json_object *saved_base(struct lfs_layer *base, char *bdir,
				      size_t blen, char *oci, size_t olen)
{
	struct json_object *idx;
	char path[256];

	base_layer(base, bdir, blen);
	fake_nl.layers[0] = base;
	fake_nl.n_layers = 1;
	snprintf(oci, olen, "%s/oci", tmpdir);
	RUN("save", "base:1", "-o", oci);
	ck_assert_msg(r.rc == 0, "%s", r.err);
	snprintf(path, sizeof(path), "%s/index.json", oci);
	idx = json_tokener_parse(slurp(path));
	ck_assert_ptr_nonnull(idx);
	return idx;
}

/*
 * The platform is the machine's or --platform's, not always amd64 (issue
 * 12 item 12): save records it in the config and the index; load refuses
 * an index without a manifest for it (also a single one), listing what the
 * index has, and takes it with --platform.
 */
START_TEST(test_cmd_platform)
{
	struct lfs_layer base = { 0 };
	char bdir[128], oci[128], oci2[128], store[128], path[256], want[96];
	struct json_object *idx, *plat;
	struct lfs_platform mine;
	struct utsname u;
	const char *other;

	ck_assert_int_eq(uname(&u), 0);
	other = strcmp(u.machine, "s390x") ? "s390x" : "riscv64";
	idx = saved_base(&base, bdir, sizeof(bdir), oci, sizeof(oci));
	snprintf(oci2, sizeof(oci2), "%s/oci2", tmpdir);
	snprintf(store, sizeof(store), "%s/store", tmpdir);

	/* The only manifest is for another architecture. */
	snprintf(path, sizeof(path), "%s/index.json", oci);
	plat = json_object_new_object();
	json_object_object_add(plat, "architecture", json_object_new_string(other));
	json_object_object_add(plat, "os", json_object_new_string("linux"));
	json_object_object_add(json_object_array_get_idx(
		json_object_object_get(idx, "manifests"), 0), "platform", plat);
	ck_assert_int_eq(json_object_to_file(path, idx), 0);
	json_object_put(idx);
	RUN("--store", store, "load", oci, "copy:1");
	ck_assert_int_eq(r.rc, 1);
	/* what it has before the hint, no parentheses (err.h) */
	ck_assert_int_eq(lfs_platform_from_machine("linux", u.machine, &mine), 0);
	lfs_platform_format(&mine, want, sizeof(want));
	snprintf(path, sizeof(path),
		 "file 'index.json': no manifest for %s, it has linux/%s: see --platform",
		 want, other);
	assert_err_line("load", oci, path);
	ck_assert_uint_eq(fake_nl.added.n, 0);
	/* --platform takes it (the fake registry then fails the rest). */
	snprintf(path, sizeof(path), "linux/%s", other);
	RUN("--store", store, "load", "--platform", path, oci, "copy:1");
	ck_assert_msg(!strstr(r.err, "no manifest"), "%s", r.err);
	ck_assert_uint_eq(fake_nl.added.n, 1);
	RUN("load", "--platform", "linux", oci);
	ck_assert_int_eq(r.rc, 1);
	ck_assert_msg(strstr(r.err, "platform 'linux': not os/arch[/variant]"), "%s", r.err);

	/* save --platform: the config and the index say so. */
	RUN("save", "base:1", "-o", oci2, "--platform", "linux/arm64/v8");
	ck_assert_msg(r.rc == 0, "%s", r.err);
	snprintf(path, sizeof(path), "%s/index.json", oci2);
	ck_assert_msg(strstr(slurp(path), "\"platform\":{\"architecture\":\"arm64\",\"os\":\"linux\",\"variant\":\"v8\"}"),
		      "%s", slurp(path));
	snprintf(path, sizeof(path), "find %s/blobs -type f | xargs grep -l '\"rootfs\"' | xargs grep -c '\"architecture\":\"arm64\",\"os\":\"linux\",\"variant\":\"v8\"'",
		 oci2);
	ck_assert_int_eq(system(path), 0);
}
END_TEST

/* Writes @len bytes of @buf to TMP/@name; returns its path (static). */
static const char *put_bytes(const char *name, const void *buf, size_t len)
{
	static char p[256];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", tmpdir, name);
	f = fopen(p, "w");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(buf, 1, len, f), len);
	fclose(f);
	return p;
}

/*
 * A tarball of one sparse entry "big" declaring @size bytes: 4 bytes of
 * data at 0, then a hole (GNU sparse 1.0 in PAX, as GNU tar --sparse).
 */
static size_t mktar_sparse(int64_t size, char *buf, size_t cap)
{
	struct archive *a = archive_write_new();
	struct archive_entry *ae = archive_entry_new();
	static const char zero[16];
	size_t used = 0;
	int64_t left = size - 4;

	ck_assert_int_eq(archive_write_set_format_pax(a), ARCHIVE_OK);
	ck_assert_int_eq(archive_write_open_memory(a, buf, cap, &used), ARCHIVE_OK);
	archive_entry_set_pathname(ae, "big");
	archive_entry_set_filetype(ae, AE_IFREG);
	archive_entry_set_perm(ae, 0644);
	archive_entry_set_size(ae, size);
	archive_entry_sparse_add_entry(ae, 0, 4);
	ck_assert_int_eq(archive_write_header(a, ae), ARCHIVE_OK);
	ck_assert_int_eq(archive_write_data(a, "data", 4), 4);
	/* the final hole: libarchive's PAX writer skips it unread */
	while (left > 0) {
		la_ssize_t n = left > (1LL << 30) ? (1LL << 30) : left;

		ck_assert_int_eq(archive_write_data(a, zero, (size_t)n), n);
		left -= n;
	}
	archive_entry_free(ae);
	ck_assert_int_eq(archive_write_close(a), ARCHIVE_OK);
	archive_write_free(a);
	return used;
}

/* stderr is the one line "layerctl: CMD 'FILE': REST". */
static void assert_err_line(const char *cmd, const char *file,
			    const char *rest)
{
	char want[1024];

	snprintf(want, sizeof(want), "layerctl: %s '%s': %s\n", cmd, file,
		 rest);
	ck_assert_str_eq(r.err, want);
}

/* The last line of @text, "\n" included. */
static const char *last_line(const char *text)
{
	size_t n = strlen(text);

	if (n)
		n--;
	while (n && text[n - 1] != '\n')
		n--;
	return text + n;
}

/*
 * save base:1 -o TMP/@rel fails with "layerctl: save 'base:1': " and
 * @why, its %s the path.
 */
static void save_fails(const char *rel, const char *why)
{
	char out[256], text[600], want[700];

	snprintf(out, sizeof(out), "%s/%s", tmpdir, rel);
	RUN("save", "base:1", "-o", out);
	ck_assert_int_eq(r.rc, 1);
	snprintf(text, sizeof(text), why, out);
	snprintf(want, sizeof(want), "layerctl: save 'base:1': %s\n", text);
	ck_assert_str_eq(r.err, want);
}

/*
 * save and export name the directory, archive or file they could not
 * make, with what it is and the errno as the code (err.h), not the bare
 * path as the text.
 */
START_TEST(test_save_names_target)
{
	struct lfs_layer base = { 0 };
	char bdir[160];

	base_layer(&base, bdir, sizeof(bdir));
	fake_nl.layers[0] = &base;
	fake_nl.n_layers = 1;
	/* the layout is made first (its digests on stderr), then the tar */
	RUN("save", "base:1", "-o", "/nonexistent/layerctl-unit/x.tar");
	ck_assert_int_eq(r.rc, 1);
	ck_assert_str_eq(last_line(r.err), "layerctl: save 'base:1': archive '/nonexistent/layerctl-unit/x.tar': cannot create it (No such file or directory)\n");
	RUN("save", "base:1", "-o", "/nonexistent/layerctl-unit/oci");
	ck_assert_int_eq(r.rc, 1);
	ck_assert_str_eq(r.err, "layerctl: save 'base:1': directory '/nonexistent/layerctl-unit/oci': cannot create it (No such file or directory)\n");
	/* a layer whose directory is gone */
	base.path = "/nonexistent/layerctl-unit/base";
	RUN("export", "base:1", "-o", "/dev/null");
	ck_assert_int_eq(r.rc, 1);
	ck_assert_str_eq(r.err, "layerctl: export 'base:1': cannot open directory '/nonexistent/layerctl-unit/base' (No such file or directory)\n");
	/* a store that is a file: its path named once, by the subject */
	{
		char store[128], out[128], want[256];

		put("store-file", "x");
		snprintf(store, sizeof(store), "%s/store-file", tmpdir);
		snprintf(out, sizeof(out), "%s/saved.tar", tmpdir);
		RUN("--store", store, "save", "base:1", "-o", out);
		ck_assert_int_eq(r.rc, 1);
		snprintf(want, sizeof(want),
			 "layerctl: store '%s': cannot create a temporary directory in it (Not a directory)\n",
			 store);
		ck_assert_str_eq(last_line(r.err), want);
	}
	/* export --dir of one that is not there: the subject names it once */
	RUN("export", "--dir", "/nonexistent/layerctl-unit/base", "-o", "/dev/null");
	ck_assert_int_eq(r.rc, 1);
	ck_assert_str_eq(r.err, "layerctl: export '/nonexistent/layerctl-unit/base': cannot open the directory (No such file or directory)\n");
	base.path = bdir;
	/* export -o FILE in a directory that is not there */
	RUN("export", "base:1", "-o", "/nonexistent/layerctl-unit/x.tar");
	ck_assert_int_eq(r.rc, 1);
	ck_assert_str_eq(r.err, "layerctl: export 'base:1': file '/nonexistent/layerctl-unit/x.tar': cannot create it (No such file or directory)\n");
	/* a file where the directory should be */
	put("file", "x");
	save_fails("file", "directory '%s': not a directory (File exists)");
	/* a directory that holds something */
	mk("full");
	put("full/x", "x");
	save_fails("full", "directory '%s' is not empty (Directory not empty)");
}
END_TEST

/* A terminal (the slave of a new pseudo-terminal), its master in *@master. */
static int open_tty(int *master)
{
	int fd;

	*master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	ck_assert_int_ge(*master, 0);
	ck_assert_int_eq(grantpt(*master), 0);
	ck_assert_int_eq(unlockpt(*master), 0);
	fd = open(ptsname(*master), O_RDWR | O_NOCTTY | O_CLOEXEC);
	ck_assert_int_ge(fd, 0);
	return fd;
}

/*
 * save and load refuse an archive to or from a terminal, naming the
 * command as export does, the hint after ': '.
 */
START_TEST(test_archive_terminal)
{
	static const char *const save[] = { "layerctl", "save", "base:1", NULL };
	struct lfs_ctx ctx = { 0 };
	char *err = NULL;
	size_t len = 0;
	int master, tty, saved;
	FILE *out;

	tty = open_tty(&master);
	out = fdopen(tty, "w");
	ck_assert_ptr_nonnull(out);
	ctx.out = out;
	ctx.err = open_memstream(&err, &len);
	ck_assert_int_eq(layerctl_run(&ctx, 3, (char **)save), 1);
	fclose(ctx.err);
	ck_assert_str_eq(err, "layerctl: save 'base:1': refusing to write an archive to a terminal: give -o FILE.tar or redirect standard output\n");
	free(err);
	fclose(out);
	close(master);

	/* load from standard input, a terminal */
	tty = open_tty(&master);
	saved = dup(STDIN_FILENO);
	ck_assert_int_eq(dup2(tty, STDIN_FILENO), STDIN_FILENO);
	RUN("load");
	dup2(saved, STDIN_FILENO);
	close(saved);
	close(tty);
	close(master);
	ck_assert_int_eq(r.rc, 1);
	ck_assert_str_eq(r.err, "layerctl: load: refusing to read an archive from a terminal: give DIR, -i FILE.tar or redirect standard input\n");
}
END_TEST

/*
 * save -o FILE.tar with an allocation failing, each in turn
 * (run_nomem_want()): what was being done and to which object.
 */
START_TEST(test_save_nomem)
{
	static const char *save[] = { "--store", NULL, "save", "base:1", "-o",
				      NULL, NULL };
	struct lfs_layer base = { 0 };
	char bdir[160], out[256], store[256], want[600];

	base_layer(&base, bdir, sizeof(bdir));
	fake_nl.layers[0] = &base;
	fake_nl.n_layers = 1;
	snprintf(store, sizeof(store), "%s/store", tmpdir);
	snprintf(out, sizeof(out), "%s/x.tar", tmpdir);
	save[1] = store;
	save[5] = out;
	snprintf(want, sizeof(want),
		 "layerctl: store '%s': cannot name a temporary directory in it (Cannot allocate memory)",
		 store);
	run_nomem_want(run, &r, save, (const char *const[]){ want, NULL });
	ck_assert_msg(r.rc == 0, "%s", r.err);
}
END_TEST

/*
 * Size limits while extracting (issue 12 item 9): a sparse entry declaring
 * 1 TiB is refused by default (the 64 GiB --max-entry-size), before
 * anything is written, and the new directory is removed; --max-entries
 * and --max-size stop a tarball at the entry that goes over.
 */
START_TEST(test_cmd_import_limits)
{
	char dir[160];
	const char *tar;
	struct stat st;
	size_t len;
	struct tent e[3] = { { "a", AE_IFREG, "0123456789", 0, 0 },
			     { "b", AE_IFREG, "0123456789", 0, 0 },
			     { "c", AE_IFREG, "0123456789", 0, 0 } };

	len = mktar_sparse(1LL << 40, tarbuf, sizeof(tarbuf));
	ck_assert_uint_lt(len, 64 << 10);
	tar = put_bytes("sparse.tar", tarbuf, len);
	snprintf(dir, sizeof(dir), "%s/x", tmpdir);
	RUN("import", tar, "--dir", dir);
	ck_assert_int_eq(r.rc, 1);
	assert_err_line("import", tar, "entry 'big': 1099511627776 bytes, more than 68719476736: see --max-entry-size");
	ck_assert_int_ne(stat(dir, &st), 0);

	len = mktar(e, 3, tarbuf, sizeof(tarbuf));
	tar = put_bytes("three.tar", tarbuf, len);
	RUN("import", tar, "--dir", dir, "--max-entries", "2");
	ck_assert_int_eq(r.rc, 1);
	assert_err_line("import", tar, "entry 'c': more than 2 entries: see --max-entries");
	ck_assert_int_ne(stat(dir, &st), 0);
	RUN("import", tar, "--dir", dir, "--max-size", "25");
	ck_assert_int_eq(r.rc, 1);
	assert_err_line("import", tar, "entry 'c': the layer would hold more than 25 bytes: see --max-size");
	ck_assert_int_ne(stat(dir, &st), 0);
	RUN("import", tar, "--dir", dir, "--max-size", "30", "--max-entries=3",
	    "--max-entry-size", "10");
	ck_assert_msg(r.rc == 0, "%s", r.err);
	ck_assert_int_eq(lfs_rm_rf_at(AT_FDCWD, dir), 0);
	RUN("import", tar, "--dir", dir, "--max-entry-size", "9");
	assert_err_line("import", tar, "entry 'a': 10 bytes, more than 9: see --max-entry-size");
	RUN("import", tar, "--dir", dir, "--max-size", "1X");
	ck_assert_int_eq(r.rc, 2);
	ck_assert_msg(strstr(r.err, "invalid size '1X'"), "%s", r.err);
}
END_TEST

/*
 * An import that fails on a system call: the entry is the subject, what
 * failed the reason, the errno's text last, in parentheses (err.h), not
 * glued into a text of code 0 ("entry 'a': xattr 'foo.bar': Operation
 * not supported").  Both reached as root: an xattr of a namespace no
 * filesystem has, an input that cannot be read (a directory).
 */
START_TEST(test_cmd_import_errno)
{
	struct archive *a = archive_write_new();
	struct archive_entry *ae = archive_entry_new();
	char dir[160], in[160];
	const char *tar;
	size_t used = 0;

	ck_assert_int_eq(archive_write_set_format_pax(a), ARCHIVE_OK);
	ck_assert_int_eq(archive_write_open_memory(a, tarbuf, sizeof(tarbuf),
						   &used), ARCHIVE_OK);
	archive_entry_set_pathname(ae, "a");
	archive_entry_set_filetype(ae, AE_IFREG);
	archive_entry_set_perm(ae, 0644);
	archive_entry_set_size(ae, 0);
	archive_entry_xattr_add_entry(ae, "foo.bar", "v", 1);
	ck_assert_int_eq(archive_write_header(a, ae), ARCHIVE_OK);
	ck_assert_int_eq(archive_write_close(a), ARCHIVE_OK);
	archive_write_free(a);
	archive_entry_free(ae);
	tar = put_bytes("xattr.tar", tarbuf, used);
	snprintf(dir, sizeof(dir), "%s/x", tmpdir);
	RUN("import", tar, "--dir", dir);
	ck_assert_int_eq(r.rc, 1);
	assert_err_line("import", tar, "entry 'a': cannot set xattr 'foo.bar' (Operation not supported)");

	mk("in");
	snprintf(in, sizeof(in), "%s/in", tmpdir);
	RUN("import", in, "--dir", dir);
	ck_assert_int_eq(r.rc, 1);
	assert_err_line("import", in, "cannot read the input (Is a directory)");
}
END_TEST

/*
 * Holes are kept both ways: export stores a sparse file's data only (a
 * 1 GiB hole makes no 1 GiB tarball), import writes the holes back as
 * holes.
 */
/*
 * Files that are holes, all or mostly: a file of 256 MiB without data
 * is exported as a sparse entry of no data (it was written whole, 256 MiB
 * of zeros) and imported back as a hole; on tmpfs (files of up to 8 EiB),
 * a 4 EiB hole and a 4 EiB file with 4 bytes at 1 TiB are exported in
 * seconds (the zeros of the hole at the end were passed to libarchive
 * 64 KiB at a time, or read: years).
 */
START_TEST(test_cmd_sparse_hollow)
{
	char report[LFS_ERR_MAX + 64], path[256], shm[] = "/dev/shm/check-sparse-XXXXXX";
	char got[2 * sizeof(report) + 64];
	struct statfs sfs;
	struct stat st;
	int fd;

	mk("src");
	snprintf(path, sizeof(path), "%s/src/hollow", tmpdir);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(ftruncate(fd, 256 << 20), 0);
	if (lseek(fd, 0, SEEK_DATA) >= 0 || errno != ENXIO) {
		close(fd);
		printf("export: %s does not report holes: not checked\n",
		       tmpdir);
		snprintf(got, sizeof(got), "a 256 MiB hole: ok 1 replaced 0 other 0 found 1, a tar under 1 MiB");
		goto exabytes;
	}
	close(fd);
	export_rounds(1, "GNU.sparse.realsize=268435456", 30, report,
		      sizeof(report));
	snprintf(path, sizeof(path), "%s/race.tar", tmpdir);
	ck_assert_int_eq(stat(path, &st), 0);
	snprintf(got, sizeof(got), "a 256 MiB hole: %s, %s", report,
		 st.st_size < (1 << 20) ? "a tar under 1 MiB" : "a tar of 256 MiB or more");
	printf("export: %s\n", got);
	if (strcmp(got, "a 256 MiB hole: ok 1 replaced 0 other 0 found 1, a tar under 1 MiB")) {
		/* what the exabyte holes do too, before failing */
		goto exabytes;
	}
	snprintf(report, sizeof(report), "%s/back", tmpdir);
	RUN("import", path, "--dir", report);
	ck_assert_msg(r.rc == 0, "%s", r.err);
	snprintf(path, sizeof(path), "%s/back/hollow", tmpdir);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_size, 256 << 20);
	ck_assert_msg(st.st_blocks < 1024, "%lld blocks", (long long)st.st_blocks);

exabytes:
	if (statfs("/dev/shm", &sfs) || sfs.f_type != 0x01021994 ||
	    !mkdtemp(shm)) {
		printf("export: no tmpfs at /dev/shm: exabyte holes not checked\n");
		ck_assert_str_eq(got, "a 256 MiB hole: ok 1 replaced 0 other 0 found 1, a tar under 1 MiB");
		return;
	}
	snprintf(path, sizeof(path), "%s/vast", shm);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(ftruncate(fd, 1LL << 62), 0);
	close(fd);
	snprintf(path, sizeof(path), "%s/far", shm);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(pwrite(fd, "tail", 4, 1LL << 40), 4);
	ck_assert_int_eq(ftruncate(fd, 1LL << 62), 0);
	close(fd);
	snprintf(path, sizeof(path), "%s/src", tmpdir);
	ck_assert_int_eq(lfs_rm_rf_at(AT_FDCWD, path), 0);
	ck_assert_int_eq(symlink(shm, path), 0);
	export_rounds(1, "tail", 20, report, sizeof(report));
	lfs_rm_rf_at(AT_FDCWD, shm);
	printf("export: a 4 EiB hole and a 4 EiB file with 4 bytes at 1 TiB "
	       "on tmpfs: %s\n", report);
	strcat(got, "; 4 EiB on tmpfs: ");
	strcat(got, report);
	ck_assert_str_eq(got, "a 256 MiB hole: ok 1 replaced 0 other 0 found 1, a tar under 1 MiB; 4 EiB on tmpfs: ok 1 replaced 0 other 0 found 1");
}
END_TEST

START_TEST(test_cmd_sparse_export)
{
	char src[128], out[160], dir[160], path[256], buf[8];
	struct stat st;
	int fd;

	mk("src");
	snprintf(path, sizeof(path), "%s/src/sparse", tmpdir);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(pwrite(fd, "head", 4, 0), 4);
	ck_assert_int_eq(pwrite(fd, "tail", 4, 1LL << 30), 4);
	close(fd);
	snprintf(src, sizeof(src), "%s/src", tmpdir);
	snprintf(out, sizeof(out), "%s/s.tar", tmpdir);
	RUN("export", "--dir", src, "-o", out);
	ck_assert_msg(r.rc == 0, "%s", r.err);
	ck_assert_int_eq(stat(out, &st), 0);
	ck_assert_msg(st.st_size < (1 << 20), "a %lld-byte tarball for 8 bytes of data",
		      (long long)st.st_size);
	snprintf(dir, sizeof(dir), "%s/back", tmpdir);
	RUN("import", out, "--dir", dir);
	ck_assert_msg(r.rc == 0, "%s", r.err);
	snprintf(path, sizeof(path), "%s/back/sparse", tmpdir);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_size, (1LL << 30) + 4);
	ck_assert_msg(st.st_blocks < 1024, "%lld blocks", (long long)st.st_blocks);
	fd = open(path, O_RDONLY);
	ck_assert_int_eq(pread(fd, buf, 4, 1LL << 30), 4);
	ck_assert_int_eq(memcmp(buf, "tail", 4), 0);
	ck_assert_int_eq(pread(fd, buf, 4, 0), 4);
	ck_assert_int_eq(memcmp(buf, "head", 4), 0);
	ck_assert_int_eq(pread(fd, buf, 4, 1 << 20), 4);
	ck_assert_int_eq(memcmp(buf, "\0\0\0\0", 4), 0);
	close(fd);
}
END_TEST

START_TEST(test_cmd_save_load)
{
	struct lfs_layer base = { 0 }, top = { 0 };
	char bdir[128], tdir[128], oci[128], store[128], path[256];
	struct stat st;

	base_layer(&base, bdir, sizeof(bdir));
	mk("top");
	put("top/b", "b");
	snprintf(tdir, sizeof(tdir), "%s/top", tmpdir);
	snprintf(oci, sizeof(oci), "%s/oci", tmpdir);
	snprintf(store, sizeof(store), "%s/store", tmpdir);
	base.author = "alice";
	base.has = LFS_HAS_CREATED;
	base.created = 1795906800000000000ULL;
	top.name = "app:1";
	top.path = tdir;
	top.parent = "base:1";
	top.message = "the app";
	fake_nl.layers[0] = &base;
	fake_nl.layers[1] = &top;
	fake_nl.n_layers = 2;
	RUN("save", "app:1", "-o", oci);
	ck_assert_msg(r.rc == 0, "%s", r.err);
	snprintf(path, sizeof(path), "%s/index.json", oci);
	ck_assert_int_eq(stat(path, &st), 0);
	snprintf(path, sizeof(path), "%s/oci-layout", oci);
	ck_assert_int_eq(stat(path, &st), 0);
	/* DIR is not empty now */
	RUN("save", "app:1", "-o", oci);
	ck_assert_int_eq(r.rc, 1);
	ck_assert_msg(strstr(r.err, "is not empty"), "%s", r.err);

	/* the annotation names an existing layer */
	RUN("--store", store, "load", oci);
	ck_assert_int_eq(r.rc, 1);
	ck_assert_msg(strstr(r.err, "layerctl: layer 'app:1': a layer of that name exists"),
		      "%s", r.err);
	/*
	 * The fake registry does not hold what is added: the top layer's
	 * parent, just added as oci/chain:HEX, is "not registered", and load
	 * undoes the chain layer.
	 */
	RUN("--store", store, "load", oci, "copy/app:2");
	ck_assert_int_eq(r.rc, 1);
	ck_assert_msg(strstr(r.err, "not registered"), "%s", r.err);
	ck_assert_uint_eq(fake_nl.added.n, 1);
	ck_assert_msg(!strncmp(fake_nl.added.v[0], "oci/chain:", 10), "%s",
		      fake_nl.added.v[0]);
	ck_assert_int_eq(fake_nl.cmd, LAYERFS_CMD_LAYER_DEL);
	ck_assert_str_eq(fake_nl.req->name, fake_nl.added.v[0]);
	snprintf(path, sizeof(path), "%s/layers", store);
	{
		DIR *d = opendir(path);
		struct dirent *de;
		int n = 0;

		ck_assert_ptr_nonnull(d);
		while ((de = readdir(d)))
			if (de->d_name[0] != '.')
				n++;
		closedir(d);
		ck_assert_int_eq(n, 0);
	}
	/* registered, the chain layer is shared: only the top is imported */
	{
		struct lfs_layer chain = { 0 };
		char name[128];

		snprintf(name, sizeof(name), "%s", fake_nl.added.v[0]);
		chain.name = name;
		chain.path = bdir;
		fake_nl.layers[2] = &chain;
		fake_nl.n_layers = 3;
		RUN("--store", store, "load", oci, "copy/app:2");
		ck_assert_msg(r.rc == 0, "%s", r.err);
		ck_assert_uint_eq(fake_nl.added.n, 2);
		ck_assert_str_eq(fake_nl.added.v[1], "copy/app:2");
		ck_assert_str_eq(fake_nl.add_req->parent, name);
		ck_assert_str_eq(fake_nl.add_req->message, "the app");
		ck_assert(fake_nl.add_req->flags & LAYERFS_LAYER_F_FROZEN);
		fake_nl.n_layers = 2;
	}

	/* the file quoted, the errno's text once (err.h) */
	RUN("load", tmpdir);
	ck_assert_int_eq(r.rc, 1);
	assert_err_line("load", tmpdir,
			"file 'oci-layout' (No such file or directory)");
}
END_TEST

/* ---- save into a directory its owner changes after the emptiness check ---- */

/* The number of entries in @path (not "." or ".."). */
static int count_entries(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *de;
	int n = 0;

	ck_assert_ptr_nonnull(d);
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

/*
 * lfs_save_layout() of "base:1" into TMP/@dir (made empty, then @plant
 * run in it, as the directory's owner would between save's emptiness
 * check and its writes): its result.  @a: the store to keep blobs in, or
 * none.
 */
static int save_planted(const char *dir, void (*plant)(const char *dir),
			struct lfs_save_args *a, struct lfs_layer *l)
{
	struct lfs_layer *v[1] = { l };
	struct lfs_chain chain = { v, 1 };
	struct lfs_oci_layer ol[1];
	struct lfs_layerdg dg[1];
	struct lfs_err e = LFS_ERR_INIT;
	char path[256], cfg[LFS_DIGEST_LEN], man[LFS_DIGEST_LEN];
	int fd, rc;

	memset(ol, 0, sizeof(ol));
	memset(dg, 0, sizeof(dg));
	a->dg = dg;
	snprintf(path, sizeof(path), "%s/%s", tmpdir, dir);
	ck_assert_int_eq(mkdir(path, 0755), 0);
	plant(path);
	fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	ck_assert_int_ge(fd, 0);
	rc = lfs_save_layout(fd, a, &chain, ol, cfg, man, &e);
	close(fd);
	if (!rc && a->rootfd >= 0)
		lfs_layerdg_record(a->root, dg, 1);
	free((char *)ol[0].created_by);
	return rc;
}

/* TMP/out: what save must not touch; TMP/out/victim a file in it. */
static char out_dir[128], victim[160];

static void plant_nothing(const char *dir)
{
	(void)dir;
}

static void plant_blobs_link(const char *dir)
{
	char p[256];

	snprintf(p, sizeof(p), "%s/blobs", dir);
	ck_assert_int_eq(symlink(out_dir, p), 0);
}

static void plant_sha256_link(const char *dir)
{
	char p[256];

	snprintf(p, sizeof(p), "%s/blobs", dir);
	ck_assert_int_eq(mkdir(p, 0755), 0);
	snprintf(p, sizeof(p), "%s/blobs/sha256", dir);
	ck_assert_int_eq(symlink(out_dir, p), 0);
}

/*
 * blobs/sha256/.tmp-layer: a symbolic link to the victim (@hard 0), or a
 * hard link to it.
 */
static void plant_tmp(const char *dir, int hard)
{
	char p[256];

	snprintf(p, sizeof(p), "%s/blobs", dir);
	ck_assert_int_eq(mkdir(p, 0755), 0);
	snprintf(p, sizeof(p), "%s/blobs/sha256", dir);
	ck_assert_int_eq(mkdir(p, 0755), 0);
	snprintf(p, sizeof(p), "%s/blobs/sha256/.tmp-layer", dir);
	ck_assert_int_eq(hard ? link(victim, p) : symlink(victim, p), 0);
}

static void plant_tmp_links(const char *dir)
{
	plant_tmp(dir, 0);
}

static void plant_tmp_hardlink(const char *dir)
{
	plant_tmp(dir, 1);
}

/* TMP/out holds the victim only, unchanged. */
static void assert_out_untouched(const char *what)
{
	ck_assert_msg(count_entries(out_dir) == 1,
		      "%s: save wrote %d entries into %s", what,
		      count_entries(out_dir) - 1, out_dir);
	ck_assert_msg(!strcmp(slurp(victim), "precious"),
		      "%s: save wrote into %s", what, victim);
}

/*
 * `layerctl save -o DIR` into an existing empty directory that another
 * user owns: that user can plant links after save's emptiness check.
 * blobs or blobs/sha256 as a symbolic link is refused; the temporary
 * files are new (O_EXCL, random names): a link planted at a name save
 * once used is neither followed nor written through.  Also for the kept
 * blob copied in from a store on another filesystem (lfs_keep_place()).
 */
START_TEST(test_save_planted_links)
{
	struct lfs_save_args a = { .ref = "base:1", .comp = LFS_COMPRESS_NONE,
				   .rootfd = -1 };
	struct lfs_layer base = { 0 };
	char bdir[128], store[64];
	struct stat s1, s2;
	int fd, rc;

	base_layer(&base, bdir, sizeof(bdir));
	ck_assert_int_eq(lfs_platform_parse("linux/amd64", &a.plat), 0);
	mk("out");
	snprintf(out_dir, sizeof(out_dir), "%s/out", tmpdir);
	snprintf(victim, sizeof(victim), "%s/victim", out_dir);
	put("out/victim", "precious");

	rc = save_planted("l1", plant_blobs_link, &a, &base);
	assert_out_untouched("blobs -> OUT");
	ck_assert_int_eq(rc, -ELOOP);
	rc = save_planted("l2", plant_sha256_link, &a, &base);
	assert_out_untouched("blobs/sha256 -> OUT");
	ck_assert_int_eq(rc, -ELOOP);
	rc = save_planted("l3", plant_tmp_links, &a, &base);
	assert_out_untouched("blobs/sha256/.tmp-layer -> OUT/victim");
	ck_assert_int_eq(rc, 0);
	rc = save_planted("l4", plant_tmp_hardlink, &a, &base);
	assert_out_untouched("blobs/sha256/.tmp-layer, a hard link to OUT/victim");
	ck_assert_int_eq(rc, 0);

	/* the kept blob, copied (another filesystem) through a temporary */
	snprintf(store, sizeof(store), "/dev/shm/check-save.XXXXXX");
	if (stat("/dev/shm", &s1) || stat(tmpdir, &s2) ||
	    s1.st_dev == s2.st_dev || !mkdtemp(store))
		return;		/* no second filesystem to copy across */
	a.root = store;
	a.rootfd = open(store, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	ck_assert_int_ge(a.rootfd, 0);
	a.comp = LFS_COMPRESS_GZIP;
	rc = save_planted("k1", plant_nothing, &a, &base);	/* kept */
	ck_assert_int_eq(rc, 0);
	fd = lfs_keep_dir(a.rootfd, 0);
	ck_assert_int_ge(fd, 0);
	close(fd);
	rc = save_planted("k2", plant_tmp_hardlink, &a, &base);	/* placed */
	close(a.rootfd);
	lfs_rm_rf_at(AT_FDCWD, store);
	assert_out_untouched("a kept blob's copy through .tmp-layer");
	ck_assert_int_eq(rc, 0);
}
END_TEST

/*
 * Member paths up to PATH_MAX - 1 bytes (what import's path buffer
 * holds): a tree with one of 4,095 bytes exports and imports; one of
 * 4,096 (16 directories of 250 bytes and a file of 80) used to be
 * exported, an archive import then refused ("name too long"): export
 * refuses it, naming it.  A whiteout's ".wh." counts too.
 */
/*
 * export's refusal of test_cmd_export_path_max's path of 4,096 bytes (16
 * directories of 250 'd's) ending in "/@last", on one line: named by its
 * first 60 bytes and its last 100.
 */
static void assert_export_too_long(const char *last)
{
	char head[61], tail[320], want[768];

	memset(head, 'd', 60);
	head[60] = '\0';
	memset(tail, 'd', 19);
	snprintf(tail + 19, sizeof(tail) - 19, "/%s", last);
	snprintf(want, sizeof(want),
		 "layerctl: export 'long:1': file '%s...%s': 4096 bytes, longer than the 4095 bytes import takes\n",
		 head, tail);
	ck_assert_str_eq(r.err, want);
}

START_TEST(test_cmd_export_path_max)
{
	struct lfs_layer l = { 0 };
	char src[128], out[128], store[128], name[256], wh[300];
	int fd, next, i;

	mk("long");
	snprintf(src, sizeof(src), "%s/long", tmpdir);
	snprintf(out, sizeof(out), "%s/long.tar", tmpdir);
	snprintf(store, sizeof(store), "%s/store", tmpdir);
	fd = open(src, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	ck_assert_int_ge(fd, 0);
	memset(name, 'd', 250);
	name[250] = '\0';
	for (i = 0; i < 16; i++) {	/* 16 * 251 - 1 = 4,015 bytes */
		ck_assert_int_eq(mkdirat(fd, name, 0755), 0);
		next = openat(fd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		ck_assert_int_ge(next, 0);
		close(fd);
		fd = next;
	}
	memset(name, 'f', 79);		/* 4,015 + 1 + 79 = 4,095 */
	name[79] = '\0';
	next = openat(fd, name, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	ck_assert_int_ge(next, 0);
	close(next);
	l.name = "long:1";
	l.path = src;
	fake_nl.layers[0] = &l;
	fake_nl.n_layers = 1;
	RUN("export", "long:1", "-o", out);
	ck_assert_msg(r.rc == 0, "%s", r.err);
	RUN("--store", store, "import", out, "copy:1");
	ck_assert_msg(r.rc == 0, "%s", r.err);

	/* 4,096 bytes: refused by export, the path named */
	ck_assert_int_eq(unlinkat(fd, name, 0), 0);
	name[79] = 'g';
	name[80] = '\0';
	next = openat(fd, name, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	ck_assert_int_ge(next, 0);
	close(next);
	unlink(out);
	RUN("export", "long:1", "-o", out);
	ck_assert_msg(r.rc == 1, "exported: %s", r.err);
	assert_export_too_long(name);
	ck_assert_int_eq(access(out, F_OK), -1);

	/* a whiteout ".wh.NAME" of 4,096 bytes, NAME of 4,092 */
	ck_assert_int_eq(unlinkat(fd, name, 0), 0);
	name[76] = '\0';
	ck_assert_int_eq(mknodat(fd, name, S_IFCHR | 0600, makedev(0, 0)), 0);
	RUN("export", "long:1", "-o", out);
	ck_assert_msg(r.rc == 1, "exported: %s", r.err);
	snprintf(wh, sizeof(wh), ".wh.%s", name);
	assert_export_too_long(wh);
	close(fd);
}
END_TEST

/*
 * A tree deeper than the soft limit of open files: walking it holds a
 * descriptor per level (export, the index reader, diff), so trees about
 * 1,000 levels deep failed with EMFILE under the usual 1,024.  layerctl
 * raises the soft limit to the hard one first, as systemd's tools do.
 * Here the soft limit is 64 and the tree 100 levels deep.
 */
START_TEST(test_cmd_export_deep)
{
	struct lfs_layer l = { 0 };
	struct rlimit was, low;
	char src[128], out[128];
	int fd, next, i;

	ck_assert_int_eq(getrlimit(RLIMIT_NOFILE, &was), 0);
	if (was.rlim_max != RLIM_INFINITY && was.rlim_max < 1024)
		return;		/* no room above 64 to raise it to */
	mk("deep");
	snprintf(src, sizeof(src), "%s/deep", tmpdir);
	snprintf(out, sizeof(out), "%s/deep.tar", tmpdir);
	fd = open(src, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	ck_assert_int_ge(fd, 0);
	for (i = 0; i < 100; i++) {
		ck_assert_int_eq(mkdirat(fd, "d", 0755), 0);
		next = openat(fd, "d", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		ck_assert_int_ge(next, 0);
		close(fd);
		fd = next;
	}
	next = openat(fd, "f", O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	ck_assert_int_ge(next, 0);
	close(next);
	close(fd);
	l.name = "deep:1";
	l.path = src;
	fake_nl.layers[0] = &l;
	fake_nl.n_layers = 1;
	low = was;
	low.rlim_cur = 64;
	ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &low), 0);
	RUN("export", "deep:1", "-o", out);
	ck_assert_int_eq(getrlimit(RLIMIT_NOFILE, &low), 0);
	setrlimit(RLIMIT_NOFILE, &was);
	ck_assert_msg(r.rc == 0, "%s", r.err);
	ck_assert_msg(low.rlim_cur == low.rlim_max ||
		      low.rlim_cur >= 1024 * 1024,
		      "soft limit %llu, hard %llu",
		      (unsigned long long)low.rlim_cur,
		      (unsigned long long)low.rlim_max);
}
END_TEST

/*
 * inspect: the digests are those save writes (the manifest digest in
 * index.json, the config digest in the manifest), the diff_ids and chain
 * ids bottom first, the config and its history; REF without a tag is
 * REF:latest when no layer has the bare name.
 */
/*
 * A lookup the kernel refuses for a reason other than "no such layer":
 * its extended ack is the reason shown (a BASE layer of an image, the
 * parent of an import).
 */
START_TEST(test_cmd_lookup_extack)
{
	static uint64_t base_ids[1] = { 7 };
	struct lfs_layer l = { 0 }, top = { 0 };
	char src[128], out[160], store[160];

	mk("src");
	put("src/a", "a");
	snprintf(src, sizeof(src), "%s/src", tmpdir);
	snprintf(out, sizeof(out), "%s/a.tar", tmpdir);
	snprintf(store, sizeof(store), "%s/store", tmpdir);
	l.name = "base:1";
	l.path = src;
	top.name = "app:1";
	top.path = src;
	top.base = base_ids;
	top.nbase = 1;
	fake_nl.layers[0] = &l;
	fake_nl.layers[1] = &top;
	fake_nl.n_layers = 2;
	RUN("export", "base:1", "-o", out);
	ck_assert_msg(r.rc == 0, "%s", r.err);

	fake_nl.get_fail_id = 7;
	fake_nl.get_err = -EPERM;
	fake_nl.get_extack = "denied by the policy";
	RUN("inspect", "app:1");
	ck_assert_int_eq(r.rc, 1);
	ck_assert_str_eq(r.err,
			 "layerctl: image 'app:1': BASE layer 7 of 'app:1': "
			 "denied by the policy (Operation not permitted)\n");

	fake_nl.get_fail_id = 0;
	fake_nl.get_fail_name = "base:1";
	fake_nl.get_err = -EACCES;
	fake_nl.get_extack = "no access to the layer";
	RUN("--store", store, "import", out, "copy:1", "--parent", "base:1");
	ck_assert_int_eq(r.rc, 1);
	ck_assert_str_eq(r.err,
			 "layerctl: parent layer 'base:1': no access to the layer "
			 "(Permission denied)\n");
	ck_assert_uint_eq(fake_nl.added.n, 0);
}
END_TEST

/*
 * A parent chain that never ends (a layer its own parent, as a broken
 * registry would answer): the image is named with the reason, whole line.
 */
START_TEST(test_cmd_chain_no_end)
{
	struct lfs_layer loop = { 0 };
	char dir[128];

	base_layer(&loop, dir, sizeof(dir));
	loop.name = "loop:1";
	loop.parent = "loop:1";
	fake_nl.layers[0] = &loop;
	fake_nl.n_layers = 1;
	RUN("inspect", "loop:1");
	ck_assert_int_eq(r.rc, 1);
	ck_assert_str_eq(r.err, "layerctl: image 'loop:1': the parent chain does "
			 "not end (Too many levels of symbolic links)\n");
}
END_TEST

START_TEST(test_cmd_inspect)
{
	struct lfs_layer base = { 0 }, top = { 0 };
	char bdir[128], tdir[128], oci[128], path[256], want[128];
	struct json_object *doc, *img, *v, *idx;
	const char *man;

	base_layer(&base, bdir, sizeof(bdir));
	mk("top");
	put("top/b", "b");
	snprintf(tdir, sizeof(tdir), "%s/top", tmpdir);
	snprintf(oci, sizeof(oci), "%s/oci", tmpdir);
	top.name = "app:latest";
	top.path = tdir;
	top.parent = "base:1";
	top.message = "the app";
	fake_nl.layers[0] = &base;
	fake_nl.layers[1] = &top;
	fake_nl.n_layers = 2;
	RUN("save", "app:latest", "-o", oci, "--platform", "linux/amd64");
	ck_assert_msg(r.rc == 0, "%s", r.err);
	snprintf(path, sizeof(path), "%s/index.json", oci);
	idx = json_tokener_parse(slurp(path));
	ck_assert_ptr_nonnull(idx);
	man = json_object_get_string(json_object_object_get(
		json_object_array_get_idx(json_object_object_get(idx, "manifests"), 0),
		"digest"));

	RUN("inspect", "app", "--platform", "linux/amd64");
	ck_assert_msg(r.rc == 0, "%s", r.err);
	doc = json_tokener_parse(r.out);
	ck_assert_ptr_nonnull(doc);
	ck_assert_int_eq(json_object_array_length(doc), 1);
	img = json_object_array_get_idx(doc, 0);
	ck_assert_str_eq(json_object_get_string(json_object_object_get(img, "ref")),
			 "app:latest");
	ck_assert_str_eq(json_object_get_string(json_object_object_get(img, "digest")),
			 man);
	snprintf(path, sizeof(path), "%s/blobs/sha256/%s", oci,
		 man + strlen("sha256:"));
	snprintf(want, sizeof(want), "\"digest\":\"%s\"",
		 json_object_get_string(json_object_object_get(img, "id")));
	ck_assert_msg(strstr(slurp(path), want), "%s", want);
	v = json_object_object_get(img, "diff_ids");
	ck_assert_int_eq(json_object_array_length(v), 2);
	v = json_object_object_get(img, "layers");
	ck_assert_int_eq(json_object_array_length(v), 2);
	ck_assert_str_eq(json_object_get_string(json_object_object_get(
		json_object_array_get_idx(v, 0), "ref")), "base:1");
	/* the bottom layer's chain id is its diff_id */
	ck_assert_str_eq(json_object_get_string(json_object_object_get(
		json_object_array_get_idx(v, 0), "chain_id")),
		json_object_get_string(json_object_array_get_idx(
			json_object_object_get(img, "diff_ids"), 0)));
	ck_assert_str_eq(json_object_get_string(json_object_object_get(img, "chain_id")),
			 json_object_get_string(json_object_object_get(
				json_object_array_get_idx(v, 1), "chain_id")));
	v = json_object_object_get(img, "config");
	ck_assert_str_eq(json_object_get_string(json_object_object_get(v, "architecture")),
			 "amd64");
	v = json_object_object_get(img, "history");
	ck_assert_int_eq(json_object_array_length(v), 2);
	ck_assert_str_eq(json_object_get_string(json_object_object_get(
		json_object_array_get_idx(v, 1), "comment")), "the app");
	json_object_put(doc);
	json_object_put(idx);

	/* several REFs, one array; a missing one names itself */
	RUN("inspect", "app:latest", "base:1");
	ck_assert_msg(r.rc == 0, "%s", r.err);
	doc = json_tokener_parse(r.out);
	ck_assert_int_eq(json_object_array_length(doc), 2);
	json_object_put(doc);
	RUN("inspect", "nope");
	ck_assert_int_eq(r.rc, 1);
	ck_assert_msg(strstr(r.err, "layerctl: image 'nope'") || strstr(r.err, "layer 'nope'"),
		      "%s", r.err);
	ck_assert_str_eq(r.out, "");
	RUN("inspect");
	ck_assert_int_eq(r.rc, 2);
	ck_assert_msg(strstr(r.err, "layerctl: inspect: missing REF"), "%s", r.err);
	RUN("inspect", "Bad");
	ck_assert_int_eq(r.rc, 1);
	ck_assert_msg(strstr(r.err, "image 'Bad': invalid name"), "%s", r.err);
}
END_TEST

/* Whether the @n bytes at @s are valid UTF-8 throughout. */
static int utf8_valid(const char *s, size_t n)
{
	size_t k;

	while (n) {
		k = lfs_utf8_len(s, n);
		if (!k)
			return 0;
		s += k;
		n -= k;
	}
	return 1;
}

/*
 * An author or a message that is not UTF-8 (commit -m takes any bytes; a
 * loaded image's history too): the config save writes and inspect prints
 * is valid JSON (RFC 8259: UTF-8) with each stray byte as U+FFFD, as
 * every other string of layerctl's JSON output; control characters are
 * escaped by the JSON writer.
 */
START_TEST(test_cmd_inspect_utf8)
{
	struct lfs_layer base = { 0 };
	struct json_object *doc, *h, *idx, *man;
	char bdir[128], oci[128], path[256];
	const char *text;

	base_layer(&base, bdir, sizeof(bdir));
	base.author = "Jos\xe9 \xff";
	base.message = "caf\xe9\n\x1b[1mbold";
	fake_nl.layers[0] = &base;
	fake_nl.n_layers = 1;
	RUN("inspect", "base:1", "--platform", "linux/amd64");
	ck_assert_msg(r.rc == 0, "%s", r.err);
	ck_assert_msg(utf8_valid(r.out, r.out_len), "not UTF-8: %s", r.out);
	ck_assert_msg(!strchr(r.out, '\x1b'), "%s", r.out);
	doc = json_tokener_parse(r.out);
	ck_assert_ptr_nonnull(doc);
	h = json_object_array_get_idx(json_object_object_get(
		json_object_array_get_idx(doc, 0), "history"), 0);
	ck_assert_str_eq(json_object_get_string(json_object_object_get(h, "author")),
			 "Jos\xef\xbf\xbd \xef\xbf\xbd");
	ck_assert_str_eq(json_object_get_string(json_object_object_get(h, "comment")),
			 "caf\xef\xbf\xbd\n\x1b[1mbold");
	json_object_put(doc);

	snprintf(oci, sizeof(oci), "%s/oci", tmpdir);
	RUN("save", "base:1", "-o", oci, "--platform", "linux/amd64");
	ck_assert_msg(r.rc == 0, "%s", r.err);
	snprintf(path, sizeof(path), "%s/index.json", oci);
	idx = json_tokener_parse(slurp(path));
	ck_assert_ptr_nonnull(idx);
	snprintf(path, sizeof(path), "%s/blobs/sha256/%s", oci,
		 json_object_get_string(json_object_object_get(
			json_object_array_get_idx(json_object_object_get(idx, "manifests"), 0),
			"digest")) + strlen("sha256:"));
	man = json_tokener_parse(slurp(path));
	ck_assert_ptr_nonnull(man);
	snprintf(path, sizeof(path), "%s/blobs/sha256/%s", oci,
		 json_object_get_string(json_object_object_get(
			json_object_object_get(man, "config"), "digest")) +
		 strlen("sha256:"));
	text = slurp(path);
	ck_assert_msg(utf8_valid(text, strlen(text)), "config not UTF-8: %s", text);
	ck_assert_msg(strstr(text, "\"author\":\"Jos\xef\xbf\xbd \xef\xbf\xbd\""),
		      "%s", text);
	json_object_put(man);
	json_object_put(idx);
}
END_TEST

/*
 * diff: the view's upper against its layers: a file only in the upper is
 * A, one the layers have too is C (and so is its directory), a whiteout
 * of a file below is D, one of nothing is not listed; an opaque
 * directory lists what it hides as D.
 */
/*
 * A directory of a view's upper exchanged with a symlink to a tree
 * outside it while the view's changes are listed (a user of the view can
 * do that through it): diff never names what is outside, in its listing
 * or in an error (it walked the upper by paths, through whatever its
 * directories had become).
 */
START_TEST(test_cmd_diff_swapped)
{
	static struct lfs_layer base[FAKE_NL_LAYERS_MAX];
	static char bdir[FAKE_NL_LAYERS_MAX][128], bname[FAKE_NL_LAYERS_MAX][16];
	const char *names[FAKE_NL_LAYERS_MAX];
	struct lfs_view_part vp = { 0 };
	unsigned int i, ok = 0, failed = 0, found = 0;
	char up[128], p[256], q[256], first[256] = "";
	pid_t pid;

	/* As many layers below as the fake registry holds: diff looks for
	 * each upper name in each before it opens the upper directory. */
	for (i = 0; i < FAKE_NL_LAYERS_MAX; i++) {
		snprintf(bname[i], sizeof(bname[i]), "b%u:1", i);
		snprintf(bdir[i], sizeof(bdir[i]), "%s/b%u", tmpdir, i);
		ck_assert_int_eq(mkdir(bdir[i], 0755), 0);
		base[i].name = bname[i];
		base[i].path = bdir[i];
		names[i] = bname[i];
		fake_nl.layers[i] = &base[i];
	}
	fake_nl.n_layers = FAKE_NL_LAYERS_MAX;
	mk("up");
	mk("up/d");
	put("up/d/x", "x");
	mk("outside");
	put("outside/secret-name", "s");
	snprintf(p, sizeof(p), "%s/outside", tmpdir);
	snprintf(q, sizeof(q), "%s/lnk", tmpdir);
	ck_assert_int_eq(symlink(p, q), 0);
	snprintf(up, sizeof(up), "%s/up", tmpdir);
	vp.id = 7;
	vp.nlayers = FAKE_NL_LAYERS_MAX;
	vp.source = "layerfs";
	vp.upper = up;
	vp.work = up;
	vp.names = names;
	vp.nnames = FAKE_NL_LAYERS_MAX;
	fake_nl.view_parts[0] = &vp;
	fake_nl.n_view_parts = 1;

	pid = swapper_start("up/d", "lnk");
	for (i = 0; i < 2000; i++) {
		RUN("diff", "7");
		if (r.rc && !failed++)
			snprintf(first, sizeof(first), " (%.*s)",
				 (int)strcspn(r.err, "\n"), r.err);
		ok += !r.rc;
		found += strstr(r.out, "secret-name") ||
			 strstr(r.err, "secret-name");
	}
	swapper_stop(pid);
	printf("diff: an upper directory exchanged with a symlink out of it "
	       "2000 times over: ok %u failed %u found %u%s\n", ok, failed,
	       found, first);
	ck_assert_msg(!found, "%u listings of what is outside the upper", found);
}
END_TEST

/*
 * The view diff looks at: ID 7, upper (and work) @up, one layer, @base
 * (named @names[0]), registered in the fake kernel.
 */
static void diff_view(struct lfs_layer *base, struct lfs_view_part *vp,
		      const char **names, char *up)
{
	fake_nl.layers[0] = base;
	fake_nl.n_layers = 1;
	vp->id = 7;
	vp->nlayers = 1;
	vp->source = "layerfs";
	vp->upper = up;
	vp->work = up;
	vp->names = names;
	vp->nnames = 1;
	fake_nl.view_parts[0] = vp;
	fake_nl.n_view_parts = 1;
}

/*
 * diff's output for file names a user of the view chose: in the listing,
 * control characters (C0, DEL, and C1 such as 0xc2 0x9b, the 8-bit CSI)
 * and bytes that are not UTF-8 are escaped, so that no name reaches the
 * terminal raw or splits a line; with --json, every string is valid JSON
 * (RFC 8259: control characters as \uXXXX, '"' and '\' escaped, bytes
 * that are not UTF-8 as U+FFFD).  Whole outputs.
 */
START_TEST(test_cmd_diff_names)
{
	struct lfs_layer base = { 0 };
	const char *names[] = { "base:1" };
	struct lfs_view_part vp = { 0 };
	char bdir[128], up[128];

	base_layer(&base, bdir, sizeof(bdir));
	mk("up");
	put("up/csi\xc2\x9b" "2J", "x");
	put("up/esc\x1b]0;t\x07", "x");
	put("up/nl\nA fake", "x");
	put("up/q\"b\\s", "x");
	put("up/raw\xff\x9b", "x");
	put("up/caf\xc3\xa9", "x");
	snprintf(up, sizeof(up), "%s/up", tmpdir);
	diff_view(&base, &vp, names, up);

	RUN("diff", "7");
	ck_assert_msg(r.rc == 0, "%s", r.err);
	ck_assert_str_eq(r.out,
			 "A /caf\xc3\xa9\n"
			 "A /csi\\xc2\\x9b" "2J\n"
			 "A /esc\\x1b]0;t\\x07\n"
			 "A /nl\\nA fake\n"
			 "A /q\"b\\\\s\n"
			 "A /raw\\xff\\x9b\n");
	ck_assert_str_eq(r.err, "");
	RUN("diff", "--json", "7");
	ck_assert_msg(r.rc == 0, "%s", r.err);
	ck_assert_str_eq(r.out,
			 "[{\"kind\":\"A\",\"path\":\"/caf\xc3\xa9\"},"
			 "{\"kind\":\"A\",\"path\":\"/csi\xc2\x9b" "2J\"},"
			 "{\"kind\":\"A\",\"path\":\"/esc\\u001b]0;t\\u0007\"},"
			 "{\"kind\":\"A\",\"path\":\"/nl\\nA fake\"},"
			 "{\"kind\":\"A\",\"path\":\"/q\\\"b\\\\s\"},"
			 "{\"kind\":\"A\",\"path\":\"/raw\xef\xbf\xbd\xef\xbf\xbd\"}]\n");
}
END_TEST

START_TEST(test_cmd_diff)
{
	struct lfs_layer base = { 0 };
	const char *names[] = { "base:1" };
	struct lfs_view_part vp = { 0 };
	char bdir[128], up[128], p[256], msg[400];
	int wh;

	base_layer(&base, bdir, sizeof(bdir));
	mk("base/etc");
	put("base/etc/passwd", "root");
	put("base/etc/group", "root");
	mk("base/var");
	put("base/var/log", "x");
	put("base/var/old", "x");
	mk("up");
	mk("up/etc");
	put("up/etc/passwd", "root2");
	put("up/etc/new", "n");
	put("up/z", "z");
	mk("up/var");
	put("up/var/log", "y");
	snprintf(up, sizeof(up), "%s/up", tmpdir);
	snprintf(p, sizeof(p), "%s/up/a", tmpdir);
	wh = mknod(p, S_IFCHR | 0600, 0) == 0;
	snprintf(p, sizeof(p), "%s/up/etc/group", tmpdir);
	wh = wh && mknod(p, S_IFCHR | 0600, 0) == 0;
	snprintf(p, sizeof(p), "%s/up/nothing", tmpdir);
	wh = wh && mknod(p, S_IFCHR | 0600, 0) == 0;
	snprintf(p, sizeof(p), "%s/up/var", tmpdir);
	wh = wh && setxattr(p, "trusted.overlay.opaque", "y", 1, 0) == 0;
	diff_view(&base, &vp, names, up);

	RUN("diff", "7");
	ck_assert_msg(r.rc == 0, "%s", r.err);
	if (wh)
		ck_assert_str_eq(r.out,
				 "D /a\n"
				 "C /etc\n"
				 "D /etc/group\n"
				 "A /etc/new\n"
				 "C /etc/passwd\n"
				 "C /var\n"
				 "A /var/log\n"
				 "D /var/old\n"
				 "A /z\n");
	else
		ck_assert_str_eq(r.out,
				 "C /etc\n"
				 "A /etc/new\n"
				 "C /etc/passwd\n"
				 "C /var\n"
				 "C /var/log\n"
				 "A /z\n");
	RUN("diff", "--json", "7");
	ck_assert_msg(r.rc == 0, "%s", r.err);
	ck_assert_msg(strstr(r.out, "{\"kind\":\"A\",\"path\":\"/z\"}]\n"), "%s", r.out);

	RUN("diff", "8");
	ck_assert_int_eq(r.rc, 1);
	ck_assert_str_eq(r.err, "layerctl: view '8': no such view (No such file or directory)\n");
	snprintf(p, sizeof(p), "%s", tmpdir);
	RUN("diff", p);
	ck_assert_int_eq(r.rc, 1);
	ck_assert_msg(strstr(r.err, "not a layerfs view"), "%s", r.err);
	/* The upper is gone: named, with the reason. */
	snprintf(p, sizeof(p), "%s/gone", tmpdir);
	vp.upper = p;
	RUN("diff", "7");
	ck_assert_int_eq(r.rc, 1);
	snprintf(msg, sizeof(msg),
		 "layerctl: view '7': upper '%s/gone' (No such file or directory)\n",
		 tmpdir);
	ck_assert_str_eq(r.err, msg);
	vp.upper = NULL;
	RUN("diff", "7");
	ck_assert_int_eq(r.rc, 1);
	ck_assert_msg(strstr(r.err, "view '7': read-only view, no changes"), "%s", r.err);
	RUN("diff");
	ck_assert_int_eq(r.rc, 2);
	ck_assert_msg(strstr(r.err, "missing MOUNTPOINT or VIEWID"), "%s", r.err);
}
END_TEST

/* The names of the members of the tar archive at @path, ' '-separated. */
static const char *tar_names(const char *path)
{
	static char names[4096];
	struct archive *a = archive_read_new();
	struct archive_entry *ae;

	names[0] = '\0';
	archive_read_support_format_tar(a);
	ck_assert_int_eq(archive_read_open_filename(a, path, 10240), ARCHIVE_OK);
	while (archive_read_next_header(a, &ae) == ARCHIVE_OK) {
		const char *n = archive_entry_pathname(ae);

		/* blobs by their first 4 digits */
		if (!strncmp(n, "blobs/sha256/", 13) && strlen(n) > 13)
			snprintf(names + strlen(names), sizeof(names) - strlen(names),
				 "blob ");
		else
			snprintf(names + strlen(names), sizeof(names) - strlen(names),
				 "%s ", n);
	}
	archive_read_free(a);
	return names;
}

/*
 * save -o FILE.tar and -o -: the layout in one tar, with docker's
 * manifest.json; load FILE.tar and load -i FILE.tar read it; an unsafe
 * member refuses the archive and adds nothing.
 */
/*
 * The names load and pull give lower layers, oci/chain:HEX, say which
 * content a layer has: a later load or pull of any image with that chain
 * uses the layer of that name as it is, without downloading or checking
 * it.  So an image's top layer may take such a name only if it is its own
 * chain id: neither a layout's ref.name annotation (a hostile image's
 * choice, when load is given no REF) nor REF may claim another.
 */
START_TEST(test_cmd_load_chain_name)
{
	struct lfs_layer evil = { 0 };
	char edir[128], oci[128], store[128], path[256], chain[128];
	char want[128], *idx, *at;
	const char *dg;
	FILE *f;

	mk("evil");
	put("evil/bin-sh", "a backdoor");
	snprintf(edir, sizeof(edir), "%s/evil", tmpdir);
	evil.name = "evil:1";
	evil.path = edir;
	fake_nl.layers[0] = &evil;
	fake_nl.n_layers = 1;
	snprintf(oci, sizeof(oci), "%s/oci", tmpdir);
	snprintf(store, sizeof(store), "%s/store", tmpdir);
	RUN("save", "evil:1", "-o", oci);
	ck_assert_msg(r.rc == 0, "%s", r.err);
	fake_nl.n_layers = 0;

	/* the layer's own chain id (one layer: its diff_id), as load says */
	RUN("--store", store, "load", oci, "probe:1");
	ck_assert_msg(r.rc == 0, "%s", r.err);
	dg = strstr(r.err, "layer probe:1 sha256:");
	ck_assert_ptr_nonnull(dg);
	snprintf(want, sizeof(want), "oci/chain:%.64s", dg + strlen("layer probe:1 sha256:"));

	/* a ref.name annotation claiming another image's lower layer */
	snprintf(chain, sizeof(chain), "oci/chain:%064d", 7);
	snprintf(path, sizeof(path), "%s/index.json", oci);
	idx = strdup(slurp(path));
	at = strstr(idx, "\"evil:1\"");
	ck_assert_ptr_nonnull(at);
	*at = '\0';
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fprintf(f, "%s\"%s\"%s", idx, chain, at + strlen("\"evil:1\""));
	fclose(f);
	lfs_strv_free(&fake_nl.added);
	RUN("--store", store, "load", oci);
	ck_assert_int_eq(r.rc, 1);
	ck_assert_uint_eq(fake_nl.added.n, 0);
	ck_assert_msg(strstr(r.err, chain) && strstr(r.err, want) &&
		      strstr(r.err, "reserved"), "%s", r.err);
	/* the same as REF */
	RUN("--store", store, "load", oci, chain);
	ck_assert_int_eq(r.rc, 1);
	ck_assert_uint_eq(fake_nl.added.n, 0);
	ck_assert_msg(strstr(r.err, "reserved"), "%s", r.err);
	RUN("--store", store, "load", oci, "oci/chain");
	ck_assert_int_eq(r.rc, 1);
	ck_assert_msg(strstr(r.err, "reserved"), "%s", r.err);
	/* its own chain id is its name (a saved intermediate layer loaded back) */
	RUN("--store", store, "load", oci, want);
	ck_assert_msg(r.rc == 0, "%s", r.err);
	ck_assert_uint_eq(fake_nl.added.n, 1);
	ck_assert_str_eq(fake_nl.added.v[0], want);
	free(idx);
}
END_TEST

/*
 * load and pull use a registered oci/chain:HEX layer as that chain id's,
 * unchecked (test_cmd_load_chain_name): no other command may give a
 * layer or an image such a name, or a later pull or load of an image
 * with that chain would build on whatever it holds.  import, commit,
 * layer add and tag refuse it before any work (no netlink request), the
 * name given with or without a tag.
 */
START_TEST(test_cmd_chain_name_reserved)
{
	struct lfs_layer base = { 0 };
	char src[128], out[160], store[160], chain[80], want[300], path[200];
	FILE *f;

	mk("src");
	put("src/a", "a");
	snprintf(src, sizeof(src), "%s/src", tmpdir);
	snprintf(out, sizeof(out), "%s/a.tar", tmpdir);
	snprintf(store, sizeof(store), "%s/store", tmpdir);
	snprintf(path, sizeof(path), "%s/x.tar", tmpdir);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fclose(f);
	base.name = "base:1";
	base.path = src;
	fake_nl.layers[0] = &base;
	fake_nl.n_layers = 1;
	RUN("export", "base:1", "-o", out);
	ck_assert_msg(r.rc == 0, "%s", r.err);
	snprintf(chain, sizeof(chain), "oci/chain:%064d", 7);
	snprintf(want, sizeof(want),
		 "layerctl: layer '%s': names oci/chain:HEX are reserved for the layers load and pull name after their OCI chain id\n",
		 chain);
	fake_nl.requests = 0;
	RUN("--store", store, "import", out, chain);
	ck_assert_int_eq(r.rc, 1);
	ck_assert_str_eq(r.err, want);
	RUN("--store", store, "import", out, "oci/chain");
	ck_assert_int_eq(r.rc, 1);
	ck_assert_str_eq(r.err, "layerctl: layer 'oci/chain:latest': names oci/chain:HEX are reserved for the layers load and pull name after their OCI chain id\n");
	RUN("--store", store, "commit", "/mnt", chain);
	ck_assert_int_eq(r.rc, 1);
	ck_assert_str_eq(r.err, want);
	RUN("layer", "add", chain, src);
	ck_assert_int_eq(r.rc, 1);
	ck_assert_str_eq(r.err, want);
	RUN("--store", store, "tag", "base:1", chain);
	ck_assert_int_eq(r.rc, 1);
	snprintf(want, sizeof(want),
		 "layerctl: image '%s': names oci/chain:HEX are reserved for the layers load and pull name after their OCI chain id\n",
		 chain);
	ck_assert_str_eq(r.err, want);
	ck_assert_int_eq(fake_nl.requests, 0);
	ck_assert_uint_eq(fake_nl.added.n, 0);
}
END_TEST

/*
 * A tag (layerctl tag) is a name too: load must not register a layer
 * under it, as it does not under a registered layer's name; a layer of
 * that name would take the tag's place wherever the name is looked up
 * (a registered name wins), so a layout's ref.name annotation (when load
 * is given no REF) could take over an image name the user relies on.
 */
START_TEST(test_cmd_load_tag_name)
{
	struct lfs_layer img = { 0 };
	char idir[128], oci[128], store[128];

	mk("img");
	put("img/f", "f");
	snprintf(idir, sizeof(idir), "%s/img", tmpdir);
	img.name = "web:prod";
	img.path = idir;
	fake_nl.layers[0] = &img;
	fake_nl.n_layers = 1;
	snprintf(oci, sizeof(oci), "%s/oci", tmpdir);
	snprintf(store, sizeof(store), "%s/store", tmpdir);
	RUN("save", "web:prod", "-o", oci);
	ck_assert_msg(r.rc == 0, "%s", r.err);
	fake_nl.n_layers = 0;

	/* the user's image, and its tag web:prod */
	RUN("--store", store, "load", oci, "web:1");
	ck_assert_msg(r.rc == 0, "%s", r.err);
	RUN("--store", store, "tag", "web:1", "web:prod");
	ck_assert_msg(r.rc == 0, "%s", r.err);
	lfs_strv_free(&fake_nl.added);

	/* the layout's annotation, then REF, name the tag: refused */
	RUN("--store", store, "load", oci);
	ck_assert_int_eq(r.rc, 1);
	ck_assert_str_eq(r.err, "layerctl: layer 'web:prod': a tag of that name exists, of 'web:1' (File exists)\n");
	ck_assert_uint_eq(fake_nl.added.n, 0);
	RUN("--store", store, "load", oci, "web:prod");
	ck_assert_int_eq(r.rc, 1);
	ck_assert_msg(strstr(r.err, "a tag of that name exists"), "%s", r.err);
	ck_assert_uint_eq(fake_nl.added.n, 0);
	/* an untagged REF that is a tag with :latest */
	RUN("--store", store, "tag", "web:1", "site");
	ck_assert_msg(r.rc == 0, "%s", r.err);
	RUN("--store", store, "load", oci, "site");
	ck_assert_int_eq(r.rc, 1);
	ck_assert_msg(strstr(r.err, "layer 'site:latest': a tag of that name exists"),
		      "%s", r.err);
	ck_assert_uint_eq(fake_nl.added.n, 0);
	/* import: the same, before the file is read */
	RUN("--store", store, "import", oci, "web:prod");
	ck_assert_int_eq(r.rc, 1);
	ck_assert_str_eq(r.err, "layerctl: layer 'web:prod': a tag of that name exists, of 'web:1' (File exists)\n");
	ck_assert_uint_eq(fake_nl.added.n, 0);
}
END_TEST


/*
 * The owner of DIR's parent moves it away while a save that made DIR
 * runs, and puts a link to another directory in its place that holds an
 * empty directory of DIR's name.  Here save is held at its open of the
 * store's layer-digests after it made DIR, by a write lease this child
 * holds on that file (a FIFO held it once: lfs_reg_read_file() now
 * refuses one without opening it), until that is done and the layer it
 * saves is gone (so that it fails).  The child writes a byte to @ready
 * once it holds the lease.
 */
static void swap_parent_during_save(const char *x, const char *dg,
				    const char *layer, int ready)
{
	char out[300], moved[300], victim[256];
	struct stat st;
	int i, fd;

	signal(SIGIO, SIG_IGN);		/* the lease break's notice */
	fd = open(dg, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || fcntl(fd, F_SETLEASE, F_WRLCK) ||
	    write(ready, "", 1) != 1)
		_exit(2);
	close(ready);
	snprintf(out, sizeof(out), "%s/out", x);
	snprintf(moved, sizeof(moved), "%s.moved", x);
	snprintf(victim, sizeof(victim), "%s/victim", tmpdir);
	for (i = 0; i < 1000 && stat(out, &st); i++)
		usleep(10000);
	if (!rename(x, moved) && !symlink(victim, x))
		lfs_rm_rf_at(AT_FDCWD, layer);
	fcntl(fd, F_SETLEASE, F_UNLCK);
	close(fd);
	_exit(i < 1000 ? 0 : 1);
}

/*
 * A save that made DIR and fails removes that directory, through the
 * parent it made it in, not whatever DIR's path names by then.
 */
START_TEST(test_cmd_save_fail_removes_own_dir)
{
	char bdir[256], x[256], out[300], store[256], dg[300], path[300];
	struct lfs_layer base = { 0 };
	int status, p[2];
	char c;
	pid_t pid;

	base_layer(&base, bdir, sizeof(bdir));
	fake_nl.layers[0] = &base;
	fake_nl.n_layers = 1;
	mk("x");
	mk("victim");
	mk("victim/out");
	mk("store");
	snprintf(x, sizeof(x), "%s/x", tmpdir);
	snprintf(out, sizeof(out), "%s/out", x);
	snprintf(store, sizeof(store), "%s/store", tmpdir);
	snprintf(dg, sizeof(dg), "%s/layer-digests", store);
	ck_assert_int_eq(pipe2(p, O_CLOEXEC), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (!pid) {
		close(p[0]);
		swap_parent_during_save(x, dg, bdir, p[1]);
	}
	close(p[1]);
	ck_assert_int_eq(read(p[0], &c, 1), 1);	/* the lease is held */
	close(p[0]);
	RUN("--store", store, "save", "base:1", "-o", out);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(WIFEXITED(status) && !WEXITSTATUS(status),
		      "save never made DIR: %d", status);
	ck_assert_msg(r.rc == 1, "save did not fail: %s", r.err);
	snprintf(path, sizeof(path), "%s/victim/out", tmpdir);
	ck_assert_msg(!access(path, F_OK),
		      "save removed the directory DIR's path names now: %s", r.err);
	snprintf(path, sizeof(path), "%s/x.moved/out", tmpdir);
	ck_assert_msg(access(path, F_OK),
		      "save left the directory it made behind");
}
END_TEST

/*
 * Loads @tar, rewritten as lzop's magic bytes and a header, with a fake
 * lzop on PATH that leaves a mark: 1 if it ran, 0 if not.
 */
static int lzop_archive_runs(const char *store, const char *tar)
{
	static const char lzo[] = "\x89LZO\0\r\n\x1a\n\x10\x30\x20\xa0\x09\x40";
	char bin[160], prog[192], mark[192], *path, *old;
	struct stat st;
	FILE *f;
	int ran;

	snprintf(bin, sizeof(bin), "%s/fakebin", tmpdir);
	snprintf(prog, sizeof(prog), "%s/lzop", bin);
	snprintf(mark, sizeof(mark), "%s/lzop-ran", tmpdir);
	ck_assert_int_eq(mkdir(bin, 0755), 0);
	f = fopen(prog, "w");
	ck_assert_ptr_nonnull(f);
	fprintf(f, "#!/bin/sh\ntouch '%s'\ncat >/dev/null\n", mark);
	fclose(f);
	ck_assert_int_eq(chmod(prog, 0755), 0);
	f = fopen(tar, "w");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(lzo, 1, sizeof(lzo) - 1, f), sizeof(lzo) - 1);
	for (int i = 0; i < 512; i++)
		fputc(0, f);
	fclose(f);
	old = strdup(getenv("PATH") ? getenv("PATH") : "/usr/bin:/bin");
	ck_assert_int_ge(asprintf(&path, "%s:%s", bin, old), 0);
	setenv("PATH", path, 1);
	RUN("--store", store, "load", "-i", tar, "evil:1");
	setenv("PATH", old, 1);
	free(path);
	free(old);
	ran = stat(mark, &st) == 0;
	return ran;
}

START_TEST(test_cmd_save_load_archive)
{
	struct lfs_layer base = { 0 };
	char bdir[128], tar[128], tar2[128], store[128];
	char tarbuf[16384];
	struct tent evil[] = {
		{ "oci-layout", AE_IFREG, "{\"imageLayoutVersion\":\"1.0.0\"}", 0, 0 },
		{ "../escape", AE_IFREG, "x", 0, 0 },
	};
	struct stat st;
	size_t len;
	FILE *f;

	base_layer(&base, bdir, sizeof(bdir));
	fake_nl.layers[0] = &base;
	fake_nl.n_layers = 1;
	snprintf(tar, sizeof(tar), "%s/img.tar", tmpdir);
	snprintf(tar2, sizeof(tar2), "%s/img2.tar", tmpdir);
	snprintf(store, sizeof(store), "%s/store", tmpdir);
	RUN("--store", store, "save", "base:1", "-o", tar);
	ck_assert_msg(r.rc == 0, "%s", r.err);
	ck_assert_str_eq(tar_names(tar),
			 "oci-layout index.json manifest.json blobs/ blobs/sha256/ blob blob blob ");
	/* nothing left behind in the store */
	ck_assert_msg(!exists_prefix(store, ".save-"), "a .save- directory is left");
	/* the same bytes again, to standard output */
	RUN("--store", store, "save", "base:1", "-o", "-");
	ck_assert_msg(r.rc == 0, "%s", r.err);
	ck_assert_int_eq(stat(tar, &st), 0);
	ck_assert_uint_eq(r.out_len, (size_t)st.st_size);
	f = fopen(tar, "r");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fread(tarbuf, 1, sizeof(tarbuf), f), r.out_len);
	fclose(f);
	ck_assert_int_eq(memcmp(tarbuf, r.out, r.out_len), 0);

	/* load FILE.tar and load -i FILE.tar */
	RUN("--store", store, "load", tar, "copy:1");
	ck_assert_msg(r.rc == 0, "%s", r.err);
	ck_assert_uint_eq(fake_nl.added.n, 1);
	ck_assert_str_eq(fake_nl.added.v[0], "copy:1");
	RUN("--store", store, "load", "-i", tar, "copy2");
	ck_assert_msg(r.rc == 0, "%s", r.err);
	ck_assert_uint_eq(fake_nl.added.n, 2);
	ck_assert_str_eq(fake_nl.added.v[1], "copy2:latest");
	ck_assert_msg(!exists_prefix(store, ".load-"), "a .load- directory is left");
	RUN("--store", store, "load", "-i", tar, "a:1", "b:1");
	ck_assert_int_eq(r.rc, 2);
	ck_assert_msg(strstr(r.err, "unexpected argument 'b:1'"), "%s", r.err);

	/* an unsafe member: refused, nothing added */
	len = mktar(evil, 2, tarbuf, sizeof(tarbuf));
	f = fopen(tar2, "w");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(tarbuf, 1, len, f), len);
	fclose(f);
	RUN("--store", store, "load", "-i", tar2, "evil:1");
	ck_assert_int_eq(r.rc, 1);
	ck_assert_msg(strstr(r.err, "load '") && strstr(r.err, "img2.tar': member '../escape': unsafe path"),
		      "%s", r.err);
	ck_assert_uint_eq(fake_nl.added.n, 2);
	ck_assert_msg(!exists_prefix(store, ".load-"), "a .load- directory is left");
	/* not a tar */
	f = fopen(tar2, "w");
	fputs("not a tar at all", f);
	fclose(f);
	RUN("--store", store, "load", tar2, "evil:1");
	ck_assert_int_eq(r.rc, 1);
	ck_assert_msg(strstr(r.err, "img2.tar': not a tar archive"), "%s", r.err);
	ck_assert_uint_eq(fake_nl.added.n, 2);
	/* a missing archive: refused before the store is made */
	{
		char nostore[PATH_MAX], missing[PATH_MAX], want[2 * PATH_MAX];
		struct stat nst;

		snprintf(nostore, sizeof(nostore), "%s/no-store", tmpdir);
		snprintf(missing, sizeof(missing), "%s/missing.tar", tmpdir);
		RUN("--store", nostore, "load", "-i", missing, "m:1");
		ck_assert_int_eq(r.rc, 1);
		snprintf(want, sizeof(want),
			 "layerctl: load '%s': No such file or directory\n", missing);
		ck_assert_str_eq(r.err, want);
		ck_assert_msg(stat(nostore, &nst) && errno == ENOENT,
			      "load of a missing archive made the store %s", nostore);
	}
	/*
	 * Compressed with what only an outside program reads (lzop here):
	 * refused without running the program an archive's first bytes name.
	 */
	ck_assert_int_eq(lzop_archive_runs(store, tar2), 0);
	ck_assert_int_eq(r.rc, 1);
	ck_assert_msg(strstr(r.err, "img2.tar': not a tar archive"), "%s", r.err);
	ck_assert_uint_eq(fake_nl.added.n, 2);
}
END_TEST

/*
 * load's errors about the layout's JSON blobs, on the error model: a blob
 * whose content is not its digest (the content's digest after ', ', not
 * in parentheses), a manifest that is not JSON (its digest quoted as the
 * subject).
 */
/*
 * @bytes as a blob of layout @oci, named by @m (the first of @idx's
 * manifests: its digest, size, and @media_type unless NULL), index.json
 * written; its digest in @got.
 */
static void layout_names_blob(struct json_object *idx, struct json_object *m,
			      const char *oci, const char *bytes,
			      const char *media_type, char *got)
{
	char path[512], tmp[256];
	size_t len = strlen(bytes);

	lfs_oci_sha256_digest(bytes, len, got);
	snprintf(path, sizeof(path), "%s/blobs/sha256/%s", oci, got + 7);
	put_bytes("blob", bytes, len);
	snprintf(tmp, sizeof(tmp), "%s/blob", tmpdir);
	ck_assert_int_eq(rename(tmp, path), 0);
	if (media_type)
		json_object_object_add(m, "mediaType",
				       json_object_new_string(media_type));
	json_object_object_add(m, "digest", json_object_new_string(got));
	json_object_object_add(m, "size", json_object_new_int((int)len));
	snprintf(path, sizeof(path), "%s/index.json", oci);
	ck_assert_int_eq(json_object_to_file(path, idx), 0);
}

START_TEST(test_cmd_load_json_blobs)
{
	struct lfs_layer base = { 0 };
	char bdir[128], oci[128], store[128], path[512], text[512];
	char man[LFS_DIGEST_LEN], cfg[LFS_DIGEST_LEN], got[LFS_DIGEST_LEN];
	char lay[LFS_DIGEST_LEN];
	struct json_object *idx, *m, *o;
	char *body;
	size_t len;

	idx = saved_base(&base, bdir, sizeof(bdir), oci, sizeof(oci));
	snprintf(store, sizeof(store), "%s/store", tmpdir);
	m = json_object_array_get_idx(json_object_object_get(idx, "manifests"), 0);
	snprintf(man, sizeof(man), "%s",
		 json_object_get_string(json_object_object_get(m, "digest")));
	snprintf(path, sizeof(path), "%s/blobs/sha256/%s", oci, man + 7);
	o = json_tokener_parse(slurp(path));
	ck_assert_ptr_nonnull(o);
	snprintf(cfg, sizeof(cfg), "%s", json_object_get_string(
		json_object_object_get(json_object_object_get(o, "config"),
				       "digest")));
	snprintf(lay, sizeof(lay), "%s", json_object_get_string(
		json_object_object_get(json_object_array_get_idx(
			json_object_object_get(o, "layers"), 0), "digest")));
	json_object_put(o);

	/* a ref.name that is no layer name: why, then the hint, after ': ' */
	o = json_object_new_object();
	json_object_object_add(o, "org.opencontainers.image.ref.name",
			       json_object_new_string("Bad:1"));
	json_object_object_add(m, "annotations", o);
	snprintf(path, sizeof(path), "%s/index.json", oci);
	ck_assert_int_eq(json_object_to_file(path, idx), 0);
	RUN("--store", store, "load", oci);
	ck_assert_int_eq(r.rc, 1);
	snprintf(text, sizeof(text),
		 "the manifest's name 'Bad:1' is not a valid layer name: %s: give REF",
		 lfs_name_check("Bad:1"));
	assert_err_line("load", oci, text);

	/* the layer's blob a FIFO: the file quoted (err.h), not opened */
	snprintf(path, sizeof(path), "%s/blobs/sha256/%s", oci, lay + 7);
	snprintf(text, sizeof(text), "%s/lay", tmpdir);
	ck_assert_int_eq(rename(path, text), 0);
	ck_assert_int_eq(mkfifo(path, 0644), 0);
	RUN("--store", store, "load", oci, "copy:1");
	ck_assert_int_eq(r.rc, 1);
	ck_assert_int_eq(unlink(path), 0);
	ck_assert_int_eq(rename(text, path), 0);
	snprintf(text, sizeof(text),
		 "file 'blobs/sha256/%s': not a regular file", lay + 7);
	assert_err_line("load", oci, text);

	/* the config's first byte changed, its size kept */
	snprintf(path, sizeof(path), "%s/blobs/sha256/%s", oci, cfg + 7);
	body = strdup(slurp(path));
	ck_assert_ptr_nonnull(body);
	len = strlen(body);
	body[0] = ' ';
	lfs_oci_sha256_digest(body, len, got);
	put_bytes("cfg", body, len);
	free(body);
	snprintf(text, sizeof(text), "%s/cfg", tmpdir);
	ck_assert_int_eq(rename(text, path), 0);
	RUN("--store", store, "load", oci, "copy:1");
	ck_assert_int_eq(r.rc, 1);
	snprintf(text, sizeof(text),
		 "file 'blobs/sha256/%s': digest mismatch, the content is %s",
		 cfg + 7, got);
	assert_err_line("load", oci, text);

	/* a manifest that is not JSON, index.json naming it */
	layout_names_blob(idx, m, oci, "{", NULL, got);
	RUN("--store", store, "load", oci, "copy:1");
	ck_assert_int_eq(r.rc, 1);
	snprintf(text, sizeof(text),
		 "manifest '%s': not valid JSON",
		 got);
	assert_err_line("load", oci, text);

	/* a nested index without manifests: the index named by its digest */
	layout_names_blob(idx, m, oci, "{}", LFS_MT_INDEX, got);
	RUN("--store", store, "load", oci, "copy:1");
	ck_assert_int_eq(r.rc, 1);
	snprintf(text, sizeof(text), "index '%s': index has no manifests array",
		 got);
	assert_err_line("load", oci, text);
	json_object_put(idx);
	ck_assert_uint_eq(fake_nl.added.n, 0);
}
END_TEST

/*
 * An archive's members are extracted before any digest is checked: each
 * within --max-entry-size, and all of them together within --max-size,
 * or an archive of many members each under the first could fill the
 * store's filesystem (blobs no manifest names included).
 */
START_TEST(test_cmd_load_archive_total)
{
	static char blob[3001];
	char tar[128], store[128], tarbuf[16384];
	struct tent big[] = {
		{ "oci-layout", AE_IFREG, "{\"imageLayoutVersion\":\"1.0.0\"}", 0, 0 },
		{ "blobs/sha256/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", AE_IFREG, blob, 0, 0 },
		{ "blobs/sha256/bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb", AE_IFREG, blob, 0, 0 },
	};
	size_t len;
	FILE *f;

	memset(blob, 'x', sizeof(blob) - 1);
	snprintf(tar, sizeof(tar), "%s/big.tar", tmpdir);
	snprintf(store, sizeof(store), "%s/store", tmpdir);
	len = mktar(big, 3, tarbuf, sizeof(tarbuf));
	f = fopen(tar, "w");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(tarbuf, 1, len, f), len);
	fclose(f);
	RUN("--store", store, "load", "-i", tar, "big:1",
	    "--max-entry-size", "4000", "--max-size", "5000");
	ck_assert_int_eq(r.rc, 1);
	assert_err_line("load", tar, "member 'blobs/sha256/bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb': the archive's members add up to more than 5000 bytes: see --max-size");
	ck_assert_uint_eq(fake_nl.added.n, 0);
	ck_assert_msg(!exists_prefix(store, ".load-"), "a .load- directory is left");
	/* the other two limits, on the same model */
	RUN("--store", store, "load", "-i", tar, "big:1",
	    "--max-entry-size", "2000");
	ck_assert_int_eq(r.rc, 1);
	assert_err_line("load", tar, "member 'blobs/sha256/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa': larger than 2000 bytes: see --max-entry-size");
	RUN("--store", store, "load", "-i", tar, "big:1", "--max-entries", "2");
	ck_assert_int_eq(r.rc, 1);
	assert_err_line("load", tar, "more than 2 members: see --max-entries");
	ck_assert_uint_eq(fake_nl.added.n, 0);
}
END_TEST


/*
 * load's archive in each compression it reads (libarchive's filters;
 * xz decoded by liblzma in layout_tar.c with its memory limit): the
 * layout member comes out whole, other members are skipped; an xz
 * archive cut short is refused.
 */
START_TEST(test_layout_tar_compressions)
{
	static const char *const names[] = { "none", "gzip", "bzip2", "xz", "zstd" };
	struct lfs_tar_limits lim = LFS_TAR_LIMITS_DEFAULT;
	struct lfs_err err = LFS_ERR_INIT;
	struct archive *a = archive_write_new();
	struct archive_entry *ae;
	char dir[256], path[300], got[64];
	static char json[] = "{\"schemaVersion\":2,\"manifests\":[]}";
	static char junk[200000];
	size_t used = 0, i;
	int fd, dfd, cut;
	FILE *f;

	ck_assert_int_eq(archive_write_set_format_pax_restricted(a), ARCHIVE_OK);
	ck_assert_int_eq(_i == 0 ? ARCHIVE_OK :
			 archive_write_add_filter_by_name(a, names[_i]), ARCHIVE_OK);
	ck_assert_int_eq(archive_write_open_memory(a, tarbuf, sizeof(tarbuf),
						   &used), ARCHIVE_OK);
	for (i = 0; i < 2; i++) {
		ae = archive_entry_new();
		archive_entry_set_pathname(ae, i ? "index.json" : "junk");
		archive_entry_set_filetype(ae, AE_IFREG);
		archive_entry_set_perm(ae, 0644);
		archive_entry_set_size(ae, i ? (la_int64_t)strlen(json) :
				       (la_int64_t)sizeof(junk));
		ck_assert_int_eq(archive_write_header(a, ae), ARCHIVE_OK);
		archive_write_data(a, i ? json : junk, i ? strlen(json) : sizeof(junk));
		archive_entry_free(ae);
	}
	ck_assert_int_eq(archive_write_close(a), ARCHIVE_OK);
	archive_write_free(a);
	for (cut = 0; cut < (_i == 3 ? 2 : 1); cut++) {
		snprintf(dir, sizeof(dir), "%s/l%d", tmpdir, cut);
		ck_assert_int_eq(mkdir(dir, 0755), 0);
		dfd = open(dir, O_RDONLY | O_DIRECTORY);
		fd = memfd_create("archive", 0);
		ck_assert_int_ge(fd, 0);
		ck_assert_int_eq(write(fd, tarbuf, used - (cut ? 40 : 0)),
				 (ssize_t)(used - (cut ? 40 : 0)));
		ck_assert_int_eq(lseek(fd, 0, SEEK_SET), 0);
		if (cut) {
			ck_assert_int_ne(lfs_layout_tar_read(NULL, fd, dfd, &lim, &err), 0);
			ck_assert_msg(strstr(err.msg, "xz: truncated input"), "%s", err.msg);
		} else {
			ck_assert_int_eq(lfs_layout_tar_read(NULL, fd, dfd, &lim, &err), 0);
			snprintf(path, sizeof(path), "%s/index.json", dir);
			f = fopen(path, "r");
			ck_assert_ptr_nonnull(f);
			memset(got, 0, sizeof(got));
			ck_assert_uint_eq(fread(got, 1, sizeof(got) - 1, f), strlen(json));
			fclose(f);
			ck_assert_str_eq(got, json);
			snprintf(path, sizeof(path), "%s/junk", dir);
			ck_assert_int_eq(access(path, F_OK), -1);
		}
		close(fd);
		close(dfd);
	}
}
END_TEST

Suite *oci_suite(void)
{
	Suite *s = suite_create("oci");
	TCase *tc;

	tc = tcase_create("pure");
	tcase_add_loop_test(tc, test_clean_ok, 0,
			    sizeof(clean_ok) / sizeof(clean_ok[0]));
	tcase_add_loop_test(tc, test_clean_bad, 0,
			    sizeof(clean_bad) / sizeof(clean_bad[0]));
	tcase_add_test(tc, test_clean_long);
	tcase_add_test(tc, test_whiteouts);
	tcase_add_test(tc, test_protflags);
	tcase_add_test(tc, test_digests);
	tcase_add_test(tc, test_time_parse);
	tcase_add_test(tc, test_config_roundtrip);
	tcase_add_test(tc, test_config_parse);
	tcase_add_test(tc, test_parse_nomem);
	tcase_add_test(tc, test_manifest_index);
	tcase_add_test(tc, test_index_pick);
	tcase_add_test(tc, test_platform);
	tcase_add_test(tc, test_index_platform);
	tcase_add_test(tc, test_layout_member);
	tcase_add_test(tc, test_docker_manifest);
	suite_add_tcase(s, tc);

	/* 2 x 2 imports of 10000 entries: seconds on a slow disk */
	tc = tcase_create("tar-mem");
	tcase_add_checked_fixture(tc, tmp_setup, tmp_teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_loop_test(tc, test_import_mem_per_entry, 0, 2);
	suite_add_tcase(s, tc);

	tc = tcase_create("tar");
	tcase_add_checked_fixture(tc, tmp_setup, tmp_teardown);
	/* (the dirmeta tests write thousands of entries: not 4 s on a busy machine) */
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_roundtrip);
	tcase_add_test(tc, test_layout_tar_names);
	tcase_add_test(tc, test_protattr_roundtrip);
	tcase_add_test(tc, test_import_blob_checked);
	tcase_add_test(tc, test_import_feed);
	tcase_add_test(tc, test_import_gzip_trailer);
	tcase_add_test(tc, test_import_gzip_ends);
	tcase_add_loop_test(tc, test_layout_tar_compressions, 0, 5);
	tcase_add_loop_test(tc, test_bad, 0,
			    sizeof(bad_cases) / sizeof(bad_cases[0]));
	tcase_add_test(tc, test_truncated);
	tcase_add_test(tc, test_import_dirmeta_deep);
	tcase_add_test(tc, test_import_dirmeta_wide);
	tcase_add_test(tc, test_import_dir_via_symlink);
	tcase_add_test(tc, test_rm_rf);
	suite_add_tcase(s, tc);

	/* exports of a layer its owner changes meanwhile */
	tc = tcase_create("race");
	tcase_add_checked_fixture(tc, tmp_setup, cmd_teardown);
	tcase_add_test(tc, test_export_write_errno);
	tcase_add_test(tc, test_export_fifo_swapped);
	tcase_add_test(tc, test_export_dir_swapped);
	tcase_add_test(tc, test_cmd_diff_swapped);
	tcase_set_timeout(tc, 120);
	suite_add_tcase(s, tc);

	/* files that are (mostly) holes, of up to exabytes */
	tc = tcase_create("sparse");
	tcase_add_checked_fixture(tc, tmp_setup, cmd_teardown);
	tcase_add_test(tc, test_cmd_sparse_hollow);
	tcase_set_timeout(tc, 120);
	suite_add_tcase(s, tc);

	tc = tcase_create("commands");
	tcase_add_checked_fixture(tc, tmp_setup, cmd_teardown);
	tcase_add_test(tc, test_cmd_help);
	tcase_add_test(tc, test_cmd_export_import);
	tcase_add_test(tc, test_cmd_export_reserved);
	tcase_add_test(tc, test_cmd_save_load);
	tcase_add_test(tc, test_save_planted_links);
	tcase_add_test(tc, test_cmd_import_limits);
	tcase_add_test(tc, test_save_names_target);
	tcase_add_test(tc, test_save_nomem);
	tcase_add_test(tc, test_archive_terminal);
	tcase_add_test(tc, test_cmd_import_errno);
	tcase_add_test(tc, test_cmd_import_dir_readonly);
	tcase_add_test(tc, test_cmd_sparse_export);
	tcase_add_test(tc, test_cmd_export_deep);
	tcase_add_test(tc, test_cmd_export_path_max);
	tcase_add_test(tc, test_cmd_platform);
	tcase_add_test(tc, test_cmd_inspect);
	tcase_add_test(tc, test_cmd_chain_no_end);
	tcase_add_test(tc, test_cmd_inspect_utf8);
	tcase_add_test(tc, test_cmd_lookup_extack);
	tcase_add_test(tc, test_cmd_save_load_archive);
	tcase_add_test(tc, test_cmd_save_fail_removes_own_dir);
	tcase_add_test(tc, test_cmd_load_archive_total);
	tcase_add_test(tc, test_cmd_load_json_blobs);
	tcase_add_test(tc, test_cmd_load_chain_name);
	tcase_add_test(tc, test_cmd_load_tag_name);
	tcase_add_test(tc, test_cmd_chain_name_reserved);
	tcase_add_test(tc, test_cmd_diff);
	tcase_add_test(tc, test_cmd_diff_names);
	suite_add_tcase(s, tc);
	return s;
}
