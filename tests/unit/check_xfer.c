// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the transfer machinery of push and pull: the progress
 * display (xferview.c), the record of where blobs came from (blobsrc.c),
 * the thread pool (xferpool.c), credential helpers (the pure part in
 * ocireg_auth.c, credhelper.c with a helper script), and the client's
 * chunked uploads and cross-repository mounts (fake transport).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include "blobkeep.h"
#include "blobname.h"
#include "blobsrc.h"
#include "credhelper.h"
#include "fake_http.h"
#include "fsdir.h"
#include "layerdg.h"
#include "oci.h"
#include "ocireg.h"
#include "ocireg_client.h"
#include "ocitar.h"
#include "pullpart.h"
#include "regcmd.h"
#include "run_cmd.h"
#include "store.h"
#include "suites.h"
#include "fake_nl.h"
#include "tmpdir.h"
#include "xferpool.h"
#include "xferview.h"

#define DG "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define DG2 "sha256:fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210"

START_TEST(test_human)
{
	char b[16];

	lfs_xv_human(0, b, sizeof(b));
	ck_assert_str_eq(b, "0B");
	lfs_xv_human(512, b, sizeof(b));
	ck_assert_str_eq(b, "512B");
	lfs_xv_human(4100, b, sizeof(b));
	ck_assert_str_eq(b, "4.1kB");
	lfs_xv_human(1234567, b, sizeof(b));
	ck_assert_str_eq(b, "1.23MB");
	lfs_xv_human(1073741824ULL, b, sizeof(b));
	ck_assert_str_eq(b, "1.07GB");
}
END_TEST

START_TEST(test_format_row)
{
	struct lfs_xv_row r = { .status = "Downloading", .done = 500,
				.total = 1000, .busy = 1 };
	char out[256];

	snprintf(r.id, sizeof(r.id), "%.19s", DG);
	lfs_xv_format_row(&r, 0, out, sizeof(out));
	ck_assert_str_eq(out, "sha256:0123456789ab: Downloading "
			 "[==============>               ] 500B/1kB");
	r.done = 1000;
	lfs_xv_format_row(&r, 0, out, sizeof(out));
	ck_assert_str_eq(out, "sha256:0123456789ab: Downloading "
			 "[==============================] 1kB/1kB");
	r.busy = 0;
	snprintf(r.status, sizeof(r.status), "Download complete");
	lfs_xv_format_row(&r, 0, out, sizeof(out));
	ck_assert_str_eq(out, "sha256:0123456789ab: Download complete");
	/* cut to the terminal's width, one column to spare */
	lfs_xv_format_row(&r, 20, out, sizeof(out));
	ck_assert_str_eq(out, "sha256:0123456789ab");
}
END_TEST

/* What the display wrote to a memory stream. */
static char *xv_run(enum lfs_xv_mode mode)
{
	struct lfs_xv v;
	char *text = NULL;
	size_t len = 0, a, b;
	FILE *f = open_memstream(&text, &len);

	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(lfs_xv_init(&v, f, mode, 2), 0);
	a = lfs_xv_add(&v, DG, "Waiting", 0, 0);
	b = lfs_xv_add(&v, DG2, "Waiting", 0, 0);
	ck_assert_uint_eq(a, 0);
	ck_assert_uint_eq(b, 1);
	lfs_xv_set(&v, a, "Pushing", 2000, 1);
	lfs_xv_progress(&v, a, 1000);
	lfs_xv_end(&v, a, "Pushed", "%s uploaded %d bytes", DG, 2000);
	lfs_xv_end(&v, b, "Layer already exists", "%s exists", DG2);
	lfs_xv_finish(&v);
	lfs_xv_free(&v);
	fclose(f);
	return text;
}

START_TEST(test_view_modes)
{
	char *t;

	t = xv_run(LFS_XV_LINES);
	ck_assert_str_eq(t, DG " uploaded 2000 bytes\n" DG2 " exists\n");
	free(t);
	t = xv_run(LFS_XV_QUIET);
	ck_assert_str_eq(t, "");
	free(t);
	t = xv_run(LFS_XV_TTY);
	/* redrawn in place: cursor up over the rows drawn before */
	ck_assert_ptr_nonnull(strstr(t, "\r\033[Ksha256:0123456789ab: Pushing ["));
	ck_assert_ptr_nonnull(strstr(t, "\033[2A\r\033[Ksha256:0123456789ab: Pushed\n"
				     "\r\033[Ksha256:fedcba987654: Layer already exists\n"));
	ck_assert_ptr_null(strstr(t, "uploaded 2000 bytes"));
	free(t);
	/* not a terminal, or --quiet */
	ck_assert_int_eq(lfs_xv_mode_for(stdin, 1), LFS_XV_QUIET);
	{
		FILE *f = tmpfile();

		ck_assert_int_eq(lfs_xv_mode_for(f, 0), LFS_XV_LINES);
		fclose(f);
	}
}
END_TEST

START_TEST(test_blobsrc)
{
	const char *d1[] = { DG, DG2 };
	char repo[64], *t, *t2;
	size_t i, n;

	t = lfs_blobsrc_merge(NULL, d1, 2, "reg.io", "a/b", 100);
	ck_assert_str_eq(t, DG " reg.io/a/b\n" DG2 " reg.io/a/b\n");
	/* the same lines again move to the end; another repository added */
	t2 = lfs_blobsrc_merge(t, d1, 1, "reg.io:5000", "c", 100);
	free(t);
	t = lfs_blobsrc_merge(t2, d1, 1, "reg.io", "a/b", 100);
	free(t2);
	ck_assert_str_eq(t, DG2 " reg.io/a/b\n" DG " reg.io:5000/c\n"
			 DG " reg.io/a/b\n");
	ck_assert_int_eq(lfs_blobsrc_find(t, DG, "reg.io", "x", repo,
					  sizeof(repo)), 0);
	ck_assert_str_eq(repo, "a/b");
	ck_assert_int_eq(lfs_blobsrc_find(t, DG, "reg.io:5000", "x", repo,
					  sizeof(repo)), 0);
	ck_assert_str_eq(repo, "c");
	/* not the destination itself, not another host */
	ck_assert_int_eq(lfs_blobsrc_find(t, DG, "reg.io", "a/b", repo,
					  sizeof(repo)), -ENOENT);
	ck_assert_int_eq(lfs_blobsrc_find(t, DG, "reg", "x", repo,
					  sizeof(repo)), -ENOENT);
	ck_assert_int_eq(lfs_blobsrc_find(t, DG "0", "reg.io", "x", repo,
					  sizeof(repo)), -ENOENT);
	ck_assert_int_eq(lfs_blobsrc_find("garbage\n\n", DG, "reg.io", "x",
					  repo, sizeof(repo)), -ENOENT);
	/* only the last @max lines are kept */
	t2 = lfs_blobsrc_merge(t, d1 + 1, 1, "h", "r", 2);
	ck_assert_str_eq(t2, DG " reg.io/a/b\n" DG2 " h/r\n");
	free(t2);
	free(t);
	for (i = n = 0, t = NULL; i < 10; i++) {
		t2 = lfs_blobsrc_merge(t, d1 + (i & 1), 1, "h", i < 5 ? "r" : "s", 3);
		free(t);
		t = t2;
	}
	for (i = 0; t[i]; i++)
		n += t[i] == '\n';
	ck_assert_uint_eq(n, 3);
	free(t);
}
END_TEST

START_TEST(test_size_range_mount_url)
{
	char url[512];
	uint64_t v;

	ck_assert_int_eq(lfs_reg_parse_size("0", &v), 0);
	ck_assert_uint_eq(v, 0);
	ck_assert_int_eq(lfs_reg_parse_size("4096", &v), 0);
	ck_assert_uint_eq(v, 4096);
	ck_assert_int_eq(lfs_reg_parse_size("64K", &v), 0);
	ck_assert_uint_eq(v, 65536);
	ck_assert_int_eq(lfs_reg_parse_size("5MiB", &v), 0);
	ck_assert_uint_eq(v, 5U << 20);
	ck_assert_int_eq(lfs_reg_parse_size("1g", &v), 0);
	ck_assert_uint_eq(v, 1U << 30);
	ck_assert_int_eq(lfs_reg_parse_size("", &v), -EINVAL);
	ck_assert_int_eq(lfs_reg_parse_size("-1", &v), -EINVAL);
	ck_assert_int_eq(lfs_reg_parse_size("5X", &v), -EINVAL);
	ck_assert_int_eq(lfs_reg_parse_size("99999999999999999999G", &v), -EINVAL);
	ck_assert_int_eq(lfs_reg_parse_size("17179869184G", &v), -EINVAL);

	ck_assert_int_eq(lfs_reg_range_next("0-99", &v), 0);
	ck_assert_uint_eq(v, 100);
	ck_assert_int_eq(lfs_reg_range_next("bytes=0-4095", &v), 0);
	ck_assert_uint_eq(v, 4096);
	ck_assert_int_eq(lfs_reg_range_next("0-0", &v), 0);
	ck_assert_uint_eq(v, 0);
	ck_assert_int_eq(lfs_reg_range_next("", &v), -EINVAL);
	ck_assert_int_eq(lfs_reg_range_next("5-9", &v), -EINVAL);
	ck_assert_int_eq(lfs_reg_range_next("0-9x", &v), -EINVAL);

	ck_assert_int_eq(lfs_reg_url_mount("https://r.io", "app/web", DG,
					   "lib/base", url, sizeof(url)), 0);
	ck_assert_str_eq(url, "https://r.io/v2/app/web/blobs/uploads/?mount=sha256%3A"
			 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
			 "&from=lib%2Fbase");
	ck_assert_int_eq(lfs_reg_url_resolve("https://r.io", "/v2/x/u?s=1", url,
					     sizeof(url)), 0);
	ck_assert_str_eq(url, "https://r.io/v2/x/u?s=1");
	ck_assert_int_eq(lfs_reg_url_resolve("https://r.io", "http://r.io/u", url,
					     sizeof(url)), -EINVAL);
	ck_assert_int_eq(lfs_reg_url_resolve("https://r.io", "u", url,
					     sizeof(url)), -EINVAL);
}
END_TEST

START_TEST(test_helper_config)
{
	struct lfs_err e = LFS_ERR_INIT;
	struct lfs_reg_cred c;
	char name[64];

	ck_assert_int_eq(lfs_reg_auth_helper("{\"credHelpers\":{\"r.io:5000\":\"pass\"},"
					     "\"credsStore\":\"desktop\"}",
					     "r.io:5000", name, sizeof(name), &e), 0);
	ck_assert_str_eq(name, "pass");
	ck_assert_int_eq(lfs_reg_auth_helper("{\"credHelpers\":{\"r.io:5000\":\"pass\"},"
					     "\"credsStore\":\"desktop\"}",
					     "other.io", name, sizeof(name), &e), 0);
	ck_assert_str_eq(name, "desktop");
	ck_assert_int_eq(lfs_reg_auth_helper("{\"credHelpers\":{\"https://index.docker.io/v1/\":\"hub\"}}",
					     "docker.io", name, sizeof(name), &e), 0);
	ck_assert_str_eq(name, "hub");
	ck_assert_int_eq(lfs_reg_auth_helper("{\"auths\":{}}", "r.io", name,
					     sizeof(name), &e), -ENOENT);
	ck_assert_int_eq(lfs_reg_auth_helper("{\"credsStore\":\"../../bin/sh\"}",
					     "r.io", name, sizeof(name), &e), -EINVAL);
	ck_assert_msg(strstr(e.msg, "not a plain name"), "%s", e.msg);
	ck_assert_int_eq(lfs_reg_auth_helper("[", "r.io", name, sizeof(name), &e),
			 -EINVAL);
	ck_assert_str_eq(lfs_reg_helper_server("docker.io"), "https://index.docker.io/v1/");
	ck_assert_str_eq(lfs_reg_helper_server("r.io:5000"), "r.io:5000");

	ck_assert_int_eq(lfs_reg_helper_parse("{\"ServerURL\":\"r.io\",\"Username\":\"bob\","
					      "\"Secret\":\"s:3\"}", &c, &e), 0);
	ck_assert_str_eq(c.user, "bob");
	ck_assert_str_eq(c.pass, "s:3");
	ck_assert_int_eq(lfs_reg_helper_parse("{\"Username\":\"<token>\",\"Secret\":\"t\"}",
					      &c, &e), -ENOTSUP);
	ck_assert_msg(strstr(e.msg, "identity token"), "%s", e.msg);
	ck_assert_int_eq(lfs_reg_helper_parse("{\"Username\":\"bob\"}", &c, &e), -EINVAL);
	ck_assert_int_eq(lfs_reg_helper_parse("nope", &c, &e), -EINVAL);
}
END_TEST

/* A helper script docker-credential-NAME in a temporary $PATH directory. */
static char helper_dir[] = "/tmp/layerctl-helper.XXXXXX";

static void write_helper(const char *name, const char *body)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/docker-credential-%s", helper_dir, name);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fprintf(f, "#!/bin/sh\n%s\n", body);
	fclose(f);
	ck_assert_int_eq(chmod(path, 0755), 0);
}

/* Asking a helper (none such), allocations failing one by one. */
static int helper_nomem(void *arg, struct lfs_err *e)
{
	static const struct lfs_reg_cred in = { "alice", "secret" };
	struct lfs_reg_cred c;

	return arg ? lfs_cred_helper_store("layerctl-none", "r.io", &in, e) :
		     lfs_cred_helper_get("layerctl-none", "r.io", &c, e);
}

/*
 * The helper's answer cannot be held: the helper named, the errno as the
 * code, never "out of memory" (nomem_sweep_call()).
 */
START_TEST(test_helper_nomem)
{
	nomem_sweep_call(helper_nomem, NULL, 20);
	nomem_sweep_call(helper_nomem, "store", 20);
}
END_TEST

START_TEST(test_helper_run)
{
	struct lfs_err e = LFS_ERR_INIT;
	struct lfs_reg_cred c;
	char *old = getenv("PATH") ? strdup(getenv("PATH")) : NULL, path[4096];
	char line[LFS_ERR_MAX + 64];

	ck_assert_ptr_nonnull(mkdtemp(helper_dir));
	snprintf(path, sizeof(path), "%s:%s", helper_dir, old ? old : "/bin:/usr/bin");
	setenv("PATH", path, 1);
	/* it reads the server name, answers with JSON */
	write_helper("ok", "[ \"$1\" = get ] || exit 3\nread -r s\n"
		     "printf '{\"ServerURL\":\"%s\",\"Username\":\"bob\",\"Secret\":\"pw-%s\"}' \"$s\" \"$s\"");
	ck_assert_msg(lfs_cred_helper_get("ok", "r.io:5000", &c, &e) == 0, "%s", e.msg);
	ck_assert_str_eq(c.user, "bob");
	ck_assert_str_eq(c.pass, "pw-r.io:5000");
	write_helper("none", "echo 'credentials not found in native keychain'; exit 1");
	ck_assert_int_eq(lfs_cred_helper_get("none", "r.io", &c, &e), -ENOENT);
	write_helper("bad", "echo 'the keyring is locked'; exit 4");
	ck_assert_int_eq(lfs_cred_helper_get("bad", "r.io", &c, &e), -EACCES);
	/* its status and its words after ': ', not in parentheses (err.h) */
	ck_assert_str_eq(lfs_err_str(&e, line, sizeof(line)),
			 "credential helper 'docker-credential-bad': failed with status 4: the keyring is locked");
	write_helper("sig", "kill -9 $$");
	ck_assert_int_eq(lfs_cred_helper_get("sig", "r.io", &c, &e), -EACCES);
	ck_assert_str_eq(lfs_err_str(&e, line, sizeof(line)),
			 "credential helper 'docker-credential-sig': killed by signal 9");
	ck_assert_int_eq(lfs_cred_helper_get("missing", "r.io", &c, &e), -ENOEXEC);
	ck_assert_str_eq(lfs_err_str(&e, line, sizeof(line)),
			 "credential helper 'docker-credential-missing': cannot run it (No such file or directory)");
	/* on $PATH but not executable: found, not run */
	write_helper("noexec", "exit 0");
	snprintf(path, sizeof(path), "%s/docker-credential-noexec", helper_dir);
	ck_assert_int_eq(chmod(path, 0644), 0);
	ck_assert_int_eq(lfs_cred_helper_get("noexec", "r.io", &c, &e), -EACCES);
	ck_assert_str_eq(lfs_err_str(&e, line, sizeof(line)),
			 "credential helper 'docker-credential-noexec': cannot run it (Permission denied)");
	/* store: the JSON on its standard input, success by its status */
	snprintf(c.user, sizeof(c.user), "al\"ice");
	snprintf(c.pass, sizeof(c.pass), "pw/1");
	snprintf(path, sizeof(path), "[ \"$1\" = store ] || exit 3\ncat >%s/stored",
		 helper_dir);
	write_helper("st", path);
	ck_assert_msg(lfs_cred_helper_store("st", "r.io:5000", &c, &e) == 0, "%s", e.msg);
	snprintf(path, sizeof(path), "%s/stored", helper_dir);
	{
		char got[256] = "";
		FILE *f = fopen(path, "r");

		ck_assert_ptr_nonnull(f);
		ck_assert_ptr_nonnull(fgets(got, sizeof(got), f));
		fclose(f);
		ck_assert_str_eq(got, "{\"ServerURL\":\"r.io:5000\",\"Username\":\"al\\\"ice\",\"Secret\":\"pw/1\"}");
	}
	ck_assert_int_eq(lfs_cred_helper_store("bad", "r.io", &c, &e), -EACCES);
	ck_assert_str_eq(lfs_err_str(&e, line, sizeof(line)),
			 "credential helper 'docker-credential-bad': failed with status 4: the keyring is locked");
	ck_assert_int_eq(lfs_cred_helper_store("missing", "r.io", &c, &e), -ENOEXEC);
	if (old)
		setenv("PATH", old, 1);
	free(old);
	ck_assert_int_eq(system("rm -rf /tmp/layerctl-helper.*"), 0);
}
END_TEST

static int pool_count(void *arg, size_t i, struct lfs_reg *reg,
		      struct lfs_err *e)
{
	int *seen = arg;

	(void)reg;
	__atomic_add_fetch(&seen[i], 1, __ATOMIC_RELAXED);
	if (i == 5)
		return lfs_err_set(e, -EIO, "item %zu failed", i);
	usleep(1000);
	return 0;
}

START_TEST(test_pool)
{
	struct lfs_err e = LFS_ERR_INIT;
	struct lfs_reg reg;
	int seen[40] = { 0 }, i, total = 0;

	fake_http_reset();
	ck_assert_int_eq(lfs_reg_open(&reg, "reg.io", "app", 0, NULL, "pull", NULL), 0);
	/* each item once; after the failure no new one starts */
	ck_assert_int_eq(lfs_pool_run(&reg, 4, 40, pool_count, seen, &e), -EIO);
	ck_assert_str_eq(e.msg, "item 5 failed");
	for (i = 0; i < 40; i++) {
		ck_assert_int_le(seen[i], 1);
		total += seen[i];
	}
	ck_assert_int_ge(total, 6);
	ck_assert_int_lt(total, 40);
	memset(seen, 0, sizeof(seen));
	ck_assert_int_eq(lfs_pool_run(&reg, 3, 5, pool_count, seen, &e), 0);
	for (i = 0; i < 5; i++)
		ck_assert_int_eq(seen[i], 1);
	ck_assert_int_eq(lfs_pool_run(&reg, 3, 0, pool_count, seen, &e), 0);
	lfs_reg_close(&reg);
}
END_TEST

static int tmpfile_of(const char *data, size_t len)
{
	FILE *f = tmpfile();
	int fd;

	ck_assert_ptr_nonnull(f);
	fd = dup(fileno(f));
	fclose(f);
	ck_assert_int_eq(pwrite(fd, data, len, 0), (ssize_t)len);
	return fd;
}

START_TEST(test_upload_chunks_mount)
{
	static const char blob[] = "0123456789abcdefghij";	/* 20 bytes */
	char dg[LFS_DIGEST_LEN], loc[LFS_REG_URL_MAX];
	struct lfs_reg reg;
	int fd = tmpfile_of(blob, 20), mounted;

	lfs_oci_sha256_digest(blob, 20, dg);
	fake_http_reset();
	ck_assert_int_eq(lfs_reg_open(&reg, "reg.io", "app/web", 0, NULL, "pull,push",
				      NULL), 0);
	/* mounted: nothing to upload */
	fake_http_push(&(struct fake_http_resp){ .status = 201,
		.location = "/v2/app/web/blobs/x" });
	ck_assert_int_eq(lfs_reg_upload_start(&reg, dg, "lib/base", &mounted, loc), 0);
	ck_assert_int_eq(mounted, 1);
	ck_assert_str_eq(fake_http_seen(0)->method, "POST");
	ck_assert_ptr_nonnull(strstr(fake_http_seen(0)->url, "?mount=sha256%3A"));
	ck_assert_ptr_nonnull(strstr(fake_http_seen(0)->url, "&from=lib%2Fbase"));
	/* declined: the registry started an upload instead */
	fake_http_reset();
	fake_http_push(&(struct fake_http_resp){ .status = 202, .location = "/up/1?s=a" });
	ck_assert_int_eq(lfs_reg_upload_start(&reg, dg, "lib/base", &mounted, loc), 0);
	ck_assert_int_eq(mounted, 0);
	ck_assert_str_eq(loc, "https://reg.io/up/1?s=a");

	/* chunks of 8: 0-7, 8-15, 16-19, each to the new Location, then PUT */
	fake_http_reset();
	fake_http_push(&(struct fake_http_resp){ .status = 202, .location = "/up/1?s=b",
		.range = "0-7" });
	fake_http_push(&(struct fake_http_resp){ .status = 202, .location = "/up/1?s=c" });
	fake_http_push(&(struct fake_http_resp){ .status = 202, .location = "/up/1?s=d" });
	fake_http_push(&(struct fake_http_resp){ .status = 201 });
	ck_assert_int_eq(lfs_reg_upload_send(&reg, loc, dg, fd, 20, 8), 0);
	ck_assert_uint_eq(fake_http_nseen(), 4);
	ck_assert_str_eq(fake_http_seen(0)->method, "PATCH");
	ck_assert_str_eq(fake_http_seen(0)->url, "https://reg.io/up/1?s=a");
	ck_assert_str_eq(fake_http_header(0, "Content-Range"), "0-7");
	ck_assert_str_eq(fake_http_seen(0)->body, "01234567");
	ck_assert_str_eq(fake_http_seen(1)->url, "https://reg.io/up/1?s=b");
	ck_assert_str_eq(fake_http_header(1, "Content-Range"), "8-15");
	ck_assert_str_eq(fake_http_seen(1)->body, "89abcdef");
	ck_assert_str_eq(fake_http_header(2, "Content-Range"), "16-19");
	ck_assert_str_eq(fake_http_seen(2)->body, "ghij");
	ck_assert_str_eq(fake_http_seen(3)->method, "PUT");
	ck_assert_ptr_nonnull(strstr(fake_http_seen(3)->url, "/up/1?s=d&digest=sha256%3A"));
	ck_assert_uint_eq(fake_http_seen(3)->body_len, 0);

	/* the second chunk breaks; the status says 12 bytes arrived */
	snprintf(loc, sizeof(loc), "https://reg.io/up/2");
	fake_http_reset();
	fake_http_push(&(struct fake_http_resp){ .status = 202 });
	fake_http_push(&(struct fake_http_resp){ .status = 202, .fail_err = -EIO });
	fake_http_push(&(struct fake_http_resp){ .status = 204, .range = "0-11",
		.location = "/up/2?s=z" });
	fake_http_push(&(struct fake_http_resp){ .status = 202 });
	fake_http_push(&(struct fake_http_resp){ .status = 201 });
	ck_assert_int_eq(lfs_reg_upload_send(&reg, loc, dg, fd, 20, 8), 0);
	ck_assert_str_eq(fake_http_seen(2)->method, "GET");
	ck_assert_str_eq(fake_http_header(3, "Content-Range"), "12-19");
	ck_assert_str_eq(fake_http_seen(3)->url, "https://reg.io/up/2?s=z");
	ck_assert_str_eq(fake_http_seen(3)->body, "cdefghij");
	ck_assert_str_eq(fake_http_seen(4)->method, "PUT");
	ck_assert_uint_eq(fake_http_left(), 0);

	/* it keeps breaking without progress: given up */
	fake_http_reset();
	for (mounted = 0; mounted < 5; mounted++) {
		fake_http_push(&(struct fake_http_resp){ .status = 202, .fail_err = -EIO });
		fake_http_push(&(struct fake_http_resp){ .status = 204, .range = "0-0" });
	}
	ck_assert_int_eq(lfs_reg_upload_send(&reg, loc, dg, fd, 20, 8), -EIO);
	/* a monolithic upload is one PUT with the body */
	fake_http_reset();
	fake_http_push(&(struct fake_http_resp){ .status = 201 });
	ck_assert_int_eq(lfs_reg_upload_send(&reg, loc, dg, fd, 20, 0), 0);
	ck_assert_str_eq(fake_http_seen(0)->method, "PUT");
	ck_assert_str_eq(fake_http_seen(0)->body, blob);
	lfs_reg_close(&reg);
	close(fd);
}
END_TEST

START_TEST(test_layerdg)
{
	struct lfs_layerdg r = { 0 }, got;
	char k1[LFS_LAYERDG_KEY_LEN + 1], k2[LFS_LAYERDG_KEY_LEN + 1];
	char line[512], *text, *t2, dir[] = "/tmp/layerdg-XXXXXX", f[64];
	FILE *fp;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(f, sizeof(f), "%s/sub", dir);
	ck_assert_int_eq(mkdir(f, 0755), 0);
	snprintf(f, sizeof(f), "%s/sub/file", dir);
	fp = fopen(f, "w");
	fputs("one", fp);
	fclose(fp);
	ck_assert_int_eq(lfs_layerdg_key(dir, 5, k1), 0);
	ck_assert_int_eq(lfs_layerdg_key(dir, 5, k2), 0);
	ck_assert_str_eq(k1, k2);
	ck_assert_int_eq(lfs_layerdg_key(dir, 6, k2), 0);
	ck_assert_str_ne(k1, k2);	/* another layer at the same path */
	/* a file deep inside changed (same size): another key */
	usleep(20000);
	fp = fopen(f, "r+");
	fputs("two", fp);
	fclose(fp);
	ck_assert_int_eq(lfs_layerdg_key(dir, 5, k2), 0);
	ck_assert_str_ne(k1, k2);
	ck_assert_uint_eq(strlen(k1), LFS_LAYERDG_KEY_LEN);
	ck_assert_int_eq(lfs_layerdg_key("/nonexistent-layerdg", 5, k2), -ENOENT);
	ck_assert_str_eq(k2, "");
	unlink(f);
	snprintf(f, sizeof(f), "%s/sub", dir);
	rmdir(f);
	rmdir(dir);
	memcpy(r.key, k1, sizeof(k1));
	snprintf(r.diff_id, sizeof(r.diff_id), "%s", DG);
	snprintf(r.digest, sizeof(r.digest), "%s", DG2);
	r.size = 1234;
	snprintf(r.media_type, sizeof(r.media_type), "%s", LFS_MT_LAYER_GZIP);
	ck_assert_int_eq(lfs_layerdg_line(&r, line, sizeof(line)), 0);
	text = lfs_lines_merge("junk line\n", line, 10);
	ck_assert_int_eq(lfs_layerdg_find(text, k1, &got), 0);
	ck_assert_str_eq(got.digest, DG2);
	ck_assert_str_eq(got.diff_id, DG);
	ck_assert_uint_eq(got.size, 1234);
	ck_assert_str_eq(got.media_type, LFS_MT_LAYER_GZIP);
	ck_assert_int_eq(lfs_layerdg_find(text, k2, &got), -ENOENT);
	/* the same line again is not kept twice; max drops the oldest */
	t2 = lfs_lines_merge(text, line, 10);
	ck_assert_str_eq(t2, text);
	free(t2);
	t2 = lfs_lines_merge(text, line, 1);
	ck_assert_str_eq(t2, line);
	free(t2);
	/* a malformed line for the key is skipped */
	t2 = lfs_lines_merge(text, "", 10);
	free(t2);
	free(text);
	snprintf(line, sizeof(line), "%s sha256:x %s 12 mt\n", k1, DG2);
	ck_assert_int_eq(lfs_layerdg_find(line, k1, &got), -ENOENT);
}
END_TEST

START_TEST(test_blobname)
{
	struct lfs_strv live = LFS_STRV_INIT;
	struct lfs_layerdg r = { 0 };
	char out[LFS_DIGEST_LEN + 8], line[512], *text, *t1;
	const char *keys[3];

	ck_assert_int_eq(lfs_blob_name(DG, out, sizeof(out)), 0);
	ck_assert_str_eq(out, DG + 7);
	ck_assert_int_eq(lfs_blob_name("sha256:0123", out, sizeof(out)), -EINVAL);
	ck_assert_int_eq(lfs_blob_name("md5:" DG, out, sizeof(out)), -EINVAL);
	ck_assert_int_eq(lfs_blob_name(DG, out, 10), -EINVAL);
	ck_assert_int_eq(lfs_blob_name_digest(DG + 7, out, sizeof(out)), 0);
	ck_assert_str_eq(out, DG);
	ck_assert_int_eq(lfs_blob_name_digest(".tmp-x", out, sizeof(out)), -EINVAL);
	ck_assert_int_eq(lfs_blob_name_digest("0123", out, sizeof(out)), -EINVAL);
	/* upper case is not a digest's */
	ck_assert_int_eq(lfs_blob_name_digest("0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef",
					      out, sizeof(out)), -EINVAL);
	ck_assert(lfs_blob_name_tmp(".tmp-0123"));
	ck_assert(!lfs_blob_name_tmp(DG + 7));
	ck_assert(!lfs_blob_name_tmp("tmp-0123"));

	/* the last line of each key names its blob */
	memset(r.key, 'a', LFS_LAYERDG_KEY_LEN);
	snprintf(r.diff_id, sizeof(r.diff_id), "%s", DG);
	snprintf(r.digest, sizeof(r.digest), "%s", DG);
	r.size = 10;
	snprintf(r.media_type, sizeof(r.media_type), "%s", LFS_MT_LAYER_GZIP);
	ck_assert_int_eq(lfs_layerdg_line(&r, line, sizeof(line)), 0);
	t1 = lfs_lines_merge(NULL, line, 10);
	snprintf(r.digest, sizeof(r.digest), "%s", DG2);
	ck_assert_int_eq(lfs_layerdg_line(&r, line, sizeof(line)), 0);
	text = lfs_lines_merge(t1, line, 10);
	free(t1);
	keys[0] = r.key;
	keys[1] = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";
	keys[2] = r.key;
	ck_assert_int_eq(lfs_blob_live(text, keys, 3, &live), 0);
	ck_assert_uint_eq(live.n, 1);
	ck_assert_str_eq(live.v[0], DG2);
	ck_assert_int_eq(lfs_blob_live(NULL, keys, 3, &live), 0);
	ck_assert_uint_eq(live.n, 1);
	lfs_strv_free(&live);
	free(text);

	ck_assert_str_eq(lfs_layerdg_media_type(LFS_MT_LAYER_GZIP), LFS_MT_LAYER_GZIP);
	ck_assert_str_eq(lfs_layerdg_media_type("application/vnd.docker.image.rootfs.diff.tar.gzip"),
			 LFS_MT_LAYER_GZIP);
	ck_assert_str_eq(lfs_layerdg_media_type(LFS_MT_LAYER_ZSTD), LFS_MT_LAYER_ZSTD);
	ck_assert_str_eq(lfs_layerdg_media_type(LFS_MT_LAYER), LFS_MT_LAYER);
}
END_TEST

/* The entries of directory @path (-1 if it cannot be read). */
static int entries_of(const char *path)
{
	char **names;
	size_t n, i;
	int fd = open(path, O_RDONLY | O_DIRECTORY), rc;

	if (fd < 0)
		return -1;
	rc = lfs_dir_names(fd, &names, &n);
	close(fd);
	if (rc)
		return -1;
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return (int)n;
}

/* Writes @len bytes of @data as @name in @dirfd. */
static void put_file(int dirfd, const char *name, const char *data, size_t len)
{
	int fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, data, len), (ssize_t)len);
	close(fd);
}

/* 1 if the file @name of @dirfd holds @want. */
static int file_is(int dirfd, const char *name, const char *want)
{
	char buf[256];
	ssize_t n;
	int fd = openat(dirfd, name, O_RDONLY);

	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf));
	close(fd);
	return n == (ssize_t)strlen(want) && !memcmp(buf, want, (size_t)n);
}

/*
 * The auth file and the store's records are written through a temporary
 * file that this call creates: one somebody else made beforehand (who
 * could write the directory, as in a shared REGISTRY_AUTH_FILE location)
 * must not receive the credentials nor become the file.
 */
/*
 * 1 if the inotify instance @in saw an open since last asked (its events
 * drained; an IN_IGNORED, a watched node's deletion, is no open).
 */
static int was_opened(int in)
{
	char buf[4096] __attribute__((aligned(8)));
	const struct inotify_event *ev;
	ssize_t n, at;
	int seen = 0;

	while ((n = read(in, buf, sizeof(buf))) > 0)
		for (at = 0; at < n; at += sizeof(*ev) + ev->len) {
			ev = (const struct inotify_event *)(buf + at);
			if (ev->mask & IN_OPEN)
				seen = 1;
		}
	return seen;
}

/* The node @name (@mode, @dev) made in @dirfd (path @dir), watched by @in. */
static void put_node(int in, int dirfd, const char *dir, const char *name,
		     mode_t mode, dev_t dev)
{
	char p[256];

	ck_assert_int_eq(mknodat(dirfd, name, mode, dev), 0);
	snprintf(p, sizeof(p), "%s/%s", dir, name);
	ck_assert_int_ge(inotify_add_watch(in, p, IN_OPEN), 0);
}

/*
 * A character major no driver has now (Documentation/admin-guide/
 * devices.txt: 60-63, 120-127 are for local use), or 0 if all have one.
 */
static unsigned int free_char_major(void)
{
	static const unsigned int local[] = { 60, 61, 62, 63, 120, 121, 122,
					      123, 124, 125, 126, 127 };
	unsigned int used[256] = { 0 }, m, i;
	char line[128];
	FILE *f = fopen("/proc/devices", "r");

	ck_assert_ptr_nonnull(f);
	while (fgets(line, sizeof(line), f) && strncmp(line, "Block", 5))
		if (sscanf(line, "%u", &m) == 1 && m < 256)
			used[m] = 1;
	fclose(f);
	for (i = 0; i < sizeof(local) / sizeof(local[0]); i++)
		if (!used[local[i]])
			return local[i];
	return 0;
}

/*
 * What stands where a regular file is expected (a kept blob, a layout's
 * file kept) is opened only if it is one: never a FIFO (its open wakes a
 * writer waiting on it), never a device (its open is the driver's to act
 * on: a tape rewinds), not even to find out what it is.
 */
/*
 * lfs_reg_read_file() (the auth file, a store's blobsrc and layerdg
 * records): it follows a symlink (~/.docker/config.json may be one), but
 * a FIFO, directly or through a link, is refused at once and not opened
 * (an open would wait for a writer: pull, push and login hung), as is a
 * directory.
 */
START_TEST(test_read_file_not_regular)
{
	char root[] = "/tmp/readfile-XXXXXX";
	char *text = NULL;
	size_t len = 0;
	int rootfd, in;

	ck_assert_ptr_nonnull(mkdtemp(root));
	rootfd = open(root, O_RDONLY | O_DIRECTORY);
	ck_assert_int_ge(rootfd, 0);
	in = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	ck_assert_int_ge(in, 0);
	put_node(in, rootfd, root, "fifo", S_IFIFO | 0644, 0);
	ck_assert_int_eq(symlinkat("fifo", rootfd, "to-fifo"), 0);
	put_file(rootfd, "file", "{}", 2);
	ck_assert_int_eq(symlinkat("file", rootfd, "to-file"), 0);
	ck_assert_int_eq(mkdirat(rootfd, "dir", 0755), 0);

	ck_assert_int_eq(lfs_reg_read_file(rootfd, "fifo", &text, &len), -EINVAL);
	ck_assert_ptr_null(text);
	ck_assert_int_eq(lfs_reg_read_file(rootfd, "to-fifo", &text, &len),
			 -EINVAL);
	ck_assert_ptr_null(text);
	ck_assert_msg(!was_opened(in), "the FIFO was opened");
	ck_assert_int_eq(lfs_reg_read_file(rootfd, "dir", &text, &len), -EISDIR);
	ck_assert_int_eq(lfs_reg_read_file(rootfd, "none", &text, &len), -ENOENT);
	ck_assert_int_eq(lfs_reg_read_file(rootfd, "to-file", &text, &len), 0);
	ck_assert_str_eq(text, "{}");
	ck_assert_uint_eq(len, 2);
	free(text);
	close(in);
	close(rootfd);
	lfs_rm_rf_at(AT_FDCWD, root);
}
END_TEST

START_TEST(test_open_regular_no_device)
{
	char root[] = "/tmp/openreg-XXXXXX", keep[160], lay[160];
	char dg[LFS_DIGEST_LEN], dg2[LFS_DIGEST_LEN];
	char buf[16];
	struct stat st;
	unsigned int maj;
	int rootfd, kfd, lfd, in, fd;

	ck_assert_ptr_nonnull(mkdtemp(root));
	rootfd = open(root, O_RDONLY | O_DIRECTORY);
	ck_assert_int_ge(rootfd, 0);
	kfd = lfs_keep_dir(rootfd, 1);
	ck_assert_int_ge(kfd, 0);
	snprintf(keep, sizeof(keep), "%s/%s", root, LFS_KEEP_DIR);
	snprintf(lay, sizeof(lay), "%s/layout", root);
	ck_assert_int_eq(mkdir(lay, 0755), 0);
	lfd = open(lay, O_RDONLY | O_DIRECTORY);
	ck_assert_int_ge(lfd, 0);
	in = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	ck_assert_int_ge(in, 0);
	lfs_oci_sha256_digest("hello", 5, dg);
	lfs_oci_sha256_digest("other", 5, dg2);

	/* a FIFO as the kept blob: not that blob (deleted), not opened */
	put_node(in, kfd, keep, dg + 7, S_IFIFO | 0644, 0);
	ck_assert_int_eq(lfs_keep_open(rootfd, dg, 5), -EBADMSG);
	ck_assert_msg(!was_opened(in), "the FIFO kept as a blob was opened");
	ck_assert_int_eq(faccessat(kfd, dg + 7, F_OK, 0), -1);
	/* a FIFO as a layout's blob to keep: refused, not opened */
	put_node(in, lfd, lay, "fifo", S_IFIFO | 0644, 0);
	ck_assert_int_eq(lfs_keep_file(rootfd, lfd, "fifo", dg), -EINVAL);
	ck_assert_msg(!was_opened(in), "the layout's FIFO was opened");

	if (geteuid() == 0) {
		/* a device node (/dev/null's numbers) as either: the same */
		put_node(in, kfd, keep, dg + 7, S_IFCHR | 0666, makedev(1, 3));
		ck_assert_int_eq(lfs_keep_open(rootfd, dg, 5), -EBADMSG);
		ck_assert_msg(!was_opened(in), "the device kept as a blob was opened");
		ck_assert_int_eq(faccessat(kfd, dg + 7, F_OK, 0), -1);
		put_node(in, lfd, lay, "null", S_IFCHR | 0666, makedev(1, 3));
		ck_assert_int_eq(lfs_keep_file(rootfd, lfd, "null", dg), -EINVAL);
		ck_assert_msg(!was_opened(in), "the layout's device was opened");
		/*
		 * A device no driver serves: refused as not a regular file
		 * (-EINVAL), not -ENXIO from an open that reached it.
		 */
		maj = free_char_major();
		if (maj) {
			put_node(in, lfd, lay, "nodrv", S_IFCHR | 0600,
				 makedev(maj, 0));
			ck_assert_int_eq(lfs_keep_file(rootfd, lfd, "nodrv", dg2),
					 -EINVAL);
			put_node(in, kfd, keep, dg2 + 7, S_IFCHR | 0600,
				 makedev(maj, 0));
			ck_assert_int_eq(lfs_keep_open(rootfd, dg2, 5), -EBADMSG);
		}
	}
	/* the helper itself: a symlink is not followed, a file is opened */
	put_file(lfd, "file", "hello", 5);
	ck_assert_int_eq(symlinkat("file", lfd, "sym"), 0);
	ck_assert_int_eq(lfs_open_regular(lfd, "sym", 0, &st), -ELOOP);
	ck_assert_int_eq(lfs_open_regular(lfd, "fifo", 0, &st), -EINVAL);
	ck_assert(S_ISFIFO(st.st_mode));
	ck_assert_int_eq(lfs_open_regular(lfd, "none", 0, &st), -ENOENT);
	fd = lfs_open_regular(lfd, "file", O_NOATIME, &st);
	ck_assert_int_ge(fd, 0);
	ck_assert(S_ISREG(st.st_mode));
	ck_assert_int_eq(read(fd, buf, sizeof(buf)), 5);
	ck_assert_int_eq(fcntl(fd, F_GETFD), FD_CLOEXEC);
	close(fd);
	ck_assert_int_eq(entries_of(keep), 0);
	close(in);
	close(lfd);
	close(kfd);
	close(rootfd);
	lfs_rm_rf_at(AT_FDCWD, root);
}
END_TEST

/* The one /proc/self/fd path: of an fd, of a name in it; never cut. */
START_TEST(test_fd_path)
{
	char buf[LFS_FD_PATH_MAX], name[NAME_MAX + 1], small[20], l[64];
	struct stat a, b;
	ssize_t n;
	int fd;

	ck_assert_int_eq(lfs_fd_path(buf, sizeof(buf), 7, NULL), 0);
	ck_assert_str_eq(buf, "/proc/self/fd/7");
	ck_assert_int_eq(lfs_fd_path(buf, sizeof(buf), 12, "a b"), 0);
	ck_assert_str_eq(buf, "/proc/self/fd/12/a b");
	/* any name of NAME_MAX bytes, of any fd, fits LFS_FD_PATH_MAX */
	memset(name, 'n', NAME_MAX);
	name[NAME_MAX] = '\0';
	ck_assert_int_eq(lfs_fd_path(buf, sizeof(buf), 2147483647, name), 0);
	ck_assert_uint_eq(strlen(buf), sizeof(buf) - 1);
	/* what does not fit is refused, not cut */
	ck_assert_int_eq(lfs_fd_path(small, sizeof(small), 12, "abcd"),
			 -ENAMETOOLONG);
	ck_assert_int_eq(lfs_fd_path(small, 15, 12, NULL), -ENAMETOOLONG);
	ck_assert_int_eq(lfs_fd_path(small, 17, 12, NULL), 0);
	/* and it names the fd's object, or an entry of the fd's directory */
	fd = open("/tmp", O_PATH | O_DIRECTORY);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(lfs_fd_path(buf, sizeof(buf), fd, NULL), 0);
	n = readlink(buf, l, sizeof(l) - 1);
	ck_assert_int_eq(n, 4);
	l[n] = '\0';
	ck_assert_str_eq(l, "/tmp");
	ck_assert_int_eq(lfs_fd_path(buf, sizeof(buf), fd, "."), 0);
	ck_assert_int_eq(stat(buf, &a), 0);
	ck_assert_int_eq(stat("/tmp", &b), 0);
	ck_assert_uint_eq(a.st_ino, b.st_ino);
	close(fd);
}
END_TEST

START_TEST(test_write_file_fresh)
{
	char dir[] = "/tmp/regwrite-XXXXXX", path[96], tmp[96], buf[16];
	struct stat pre, st;
	int pfd;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/auth.json", dir);
	snprintf(tmp, sizeof(tmp), "%s/.auth.json.tmp", dir);
	/* planted at the name the old code used, kept open for reading */
	pfd = open(tmp, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
	ck_assert_int_ge(pfd, 0);
	ck_assert_int_eq(fstat(pfd, &pre), 0);
	ck_assert_int_eq(lfs_write_file_atomic(AT_FDCWD, path, "secret", 6, 0600),
			 0);
	ck_assert_int_eq(pread(pfd, buf, sizeof(buf), 0), 0);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert(st.st_ino != pre.st_ino);
	ck_assert_uint_eq(st.st_mode & 07777, 0600);
	ck_assert_int_eq(st.st_size, 6);
	/* again over an existing file: replaced, one file besides the plant */
	ck_assert_int_eq(lfs_write_file_atomic(AT_FDCWD, path, "other!!", 7, 0600),
			 0);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_size, 7);
	ck_assert_int_eq(entries_of(dir), 2);
	close(pfd);
	lfs_rm_rf_at(AT_FDCWD, dir);
}
END_TEST

START_TEST(test_blobkeep)
{
	char root[] = "/tmp/blobkeep-XXXXXX", p[160], dg[LFS_DIGEST_LEN];
	char dg2[LFS_DIGEST_LEN], pname[128], lp[160];
	struct lfs_strv gone = LFS_STRV_INIT;
	struct lfs_store bare = LFS_STORE_INIT;
	struct lfs_keep_w w;
	struct lfs_reg_part part;
	struct lfs_layer l = { 0 };
	struct lfs_layerdg r = { 0 };
	struct stat a, b;
	uint64_t size = 0;
	int rootfd, lay, fd, failed = 0;

	ck_assert_ptr_nonnull(mkdtemp(root));
	rootfd = open(root, O_RDONLY | O_DIRECTORY);
	ck_assert_int_ge(rootfd, 0);
	lfs_oci_sha256_digest("hello", 5, dg);
	lfs_oci_sha256_digest("other", 5, dg2);

	/* none kept yet */
	ck_assert_int_eq(lfs_keep_open(rootfd, dg, 5), -ENOENT);
	/* written, then renamed into place: ROOT/blobs/sha256/HEX */
	ck_assert_int_eq(lfs_keep_w_start(rootfd, &w), 0);
	ck_assert(lfs_blob_name_tmp(w.tmp));
	ck_assert_int_eq(write(w.fd, "hello", 5), 5);
	ck_assert_int_eq(lfs_keep_w_commit(&w, dg), 0);
	snprintf(p, sizeof(p), "%s/blobs/sha256", root);
	ck_assert_int_eq(entries_of(p), 1);
	fd = lfs_keep_open(rootfd, dg, 5);
	ck_assert_int_ge(fd, 0);
	close(fd);
	/* another size than the record's: not that blob, deleted */
	ck_assert_int_eq(lfs_keep_open(rootfd, dg, 6), -EBADMSG);
	ck_assert_int_eq(lfs_keep_open(rootfd, dg, 5), -ENOENT);
	/* abandoned: nothing left */
	ck_assert_int_eq(lfs_keep_w_start(rootfd, &w), 0);
	lfs_keep_w_abort(&w);
	ck_assert_int_eq(entries_of(p), 0);

	/* a layout's file kept: a hard link on the same filesystem */
	snprintf(p, sizeof(p), "%s/layout", root);
	ck_assert_int_eq(mkdir(p, 0755), 0);
	lay = open(p, O_RDONLY | O_DIRECTORY);
	put_file(lay, dg + 7, "hello", 5);
	ck_assert_int_eq(lfs_keep_file(rootfd, lay, dg + 7, dg), 0);
	snprintf(p, sizeof(p), "%s/blobs/sha256/%s", root, dg + 7);
	ck_assert_int_eq(stat(p, &a), 0);
	snprintf(p, sizeof(p), "%s/layout/%s", root, dg + 7);
	ck_assert_int_eq(stat(p, &b), 0);
	ck_assert_uint_eq(a.st_ino, b.st_ino);
	/* kept again: still one name, no temporary one left */
	ck_assert_int_eq(lfs_keep_file(rootfd, lay, dg + 7, dg), 0);
	snprintf(p, sizeof(p), "%s/blobs/sha256", root);
	ck_assert_int_eq(entries_of(p), 1);

	/*
	 * Only a regular file is kept, never what a symlink names (a
	 * layout's blob swapped for one), and a hard link only to the
	 * caller's own file: another owner's is copied (its owner could
	 * change the kept blob at will).
	 */
	ck_assert_int_eq(symlinkat("/etc/passwd", lay, "sym"), 0);
	ck_assert_int_lt(lfs_keep_file(rootfd, lay, "sym", dg2), 0);
	ck_assert_int_eq(mkfifoat(lay, "fifo", 0644), 0);
	ck_assert_int_eq(lfs_keep_file(rootfd, lay, "fifo", dg2), -EINVAL);
	snprintf(p, sizeof(p), "%s/blobs/sha256", root);
	ck_assert_int_eq(entries_of(p), 1);
	if (geteuid() == 0) {
		put_file(lay, "theirs", "other", 5);
		ck_assert_int_eq(fchownat(lay, "theirs", 12345, 12345, 0), 0);
		ck_assert_int_eq(lfs_keep_file(rootfd, lay, "theirs", dg2), 0);
		snprintf(p, sizeof(p), "%s/blobs/sha256/%s", root, dg2 + 7);
		ck_assert_int_eq(stat(p, &a), 0);
		snprintf(p, sizeof(p), "%s/layout/theirs", root);
		ck_assert_int_eq(stat(p, &b), 0);
		ck_assert_uint_ne(a.st_ino, b.st_ino);
		ck_assert_uint_eq(a.st_uid, geteuid());
		lfs_keep_drop(rootfd, dg2);
	}
	/* a FIFO where a kept blob should be: not that blob, not waited on */
	snprintf(p, sizeof(p), "%s/blobs/sha256/%s", root, dg2 + 7);
	ck_assert_int_eq(mkfifo(p, 0644), 0);
	ck_assert_int_eq(lfs_keep_open(rootfd, dg2, 5), -EBADMSG);
	ck_assert_int_eq(access(p, F_OK), -1);

	/* placed into another layout after its hash is checked */
	ck_assert_int_eq(lfs_keep_place(rootfd, dg, 5, lay, "copy"), 0);
	ck_assert(file_is(lay, "copy", "hello"));
	ck_assert_int_eq(lfs_keep_place(rootfd, dg2, 5, lay, "x"), -ENOENT);
	/* a kept file changed (the same size): not placed, deleted */
	put_file(lay, "fake", "other", 5);
	ck_assert_int_eq(lfs_keep_file(rootfd, lay, "fake", dg), 0);
	ck_assert_int_eq(lfs_keep_place(rootfd, dg, 5, lay, "bad"), -EBADMSG);
	ck_assert_int_eq(faccessat(lay, "bad", F_OK, 0), -1);
	ck_assert_int_eq(lfs_keep_open(rootfd, dg, 5), -ENOENT);

	/* a pull's partial download, whole and verified, becomes the blob */
	ck_assert_int_eq(lfs_part_open(rootfd, dg2, &part), 0);
	ck_assert_int_eq(write(part.fd, "other", 5), 5);
	part.whole = 0;
	ck_assert_int_eq(lfs_keep_partial(rootfd, dg2, &part), -EINVAL);
	part.whole = 1;
	ck_assert_int_eq(lfs_keep_partial(rootfd, dg2, &part), 0);
	ck_assert_int_eq(part.fd, -1);
	ck_assert_int_eq(lfs_part_name(dg2, pname, sizeof(pname)), 0);
	snprintf(p, sizeof(p), "%s/.partial", root);
	ck_assert_int_eq(access(p, F_OK), -1);	/* emptied, removed */
	snprintf(p, sizeof(p), "%s/blobs/sha256/%s", root, dg2 + 7);
	ck_assert_int_eq(stat(p, &a), 0);
	ck_assert_uint_eq(a.st_mode & 07777, 0644);
	fd = lfs_keep_open(rootfd, dg2, 5);
	ck_assert_int_ge(fd, 0);
	close(fd);

	/*
	 * prune: the blob the record of a registered layer (as it is now)
	 * names stays; the others and a writer's leftover go (a directory
	 * with no layers/: no layer recorded in it; check_ocireg's
	 * test_keep_prune_records has those)
	 */
	bare.fd = rootfd;
	ck_assert_int_eq(lfs_keep_file(rootfd, lay, dg + 7, dg), 0);
	snprintf(p, sizeof(p), "%s/blobs/sha256/.tmp-left", root);
	put_file(AT_FDCWD, p, "x", 1);
	snprintf(lp, sizeof(lp), "%s/layout", root);
	l.name = "a:1";
	l.path = lp;
	l.created = 7;
	fake_nl_reset();
	fake_nl.layers[0] = &l;
	fake_nl.n_layers = 1;
	ck_assert_int_eq(lfs_layerdg_key(lp, 7, r.key), 0);
	snprintf(r.diff_id, sizeof(r.diff_id), "%s", dg2);
	snprintf(r.digest, sizeof(r.digest), "%s", dg2);
	r.size = 5;
	snprintf(r.media_type, sizeof(r.media_type), "%s", LFS_MT_LAYER_GZIP);
	lfs_layerdg_record(root, &r, 1);
	ck_assert_int_eq(lfs_keep_prune(&bare, NULL, 1, &gone, &size, &failed), 0);
	ck_assert_uint_eq(gone.n, 2);	/* -n: listed */
	ck_assert_uint_eq(size, 6);
	lfs_strv_free(&gone);
	snprintf(p, sizeof(p), "%s/blobs/sha256", root);
	ck_assert_int_eq(entries_of(p), 3);
	size = 0;
	ck_assert_int_eq(lfs_keep_prune(&bare, NULL, 0, &gone, &size, &failed), 0);
	ck_assert_int_eq(failed, 0);
	ck_assert_uint_eq(gone.n, 2);
	ck_assert(lfs_strv_has(&gone, dg));
	ck_assert(lfs_strv_has(&gone, ".tmp-left"));
	ck_assert_int_eq(entries_of(p), 1);
	fd = lfs_keep_open(rootfd, dg2, 5);
	ck_assert_int_ge(fd, 0);
	close(fd);
	lfs_strv_free(&gone);
	/* no layer registered: none live, the directories go too */
	fake_nl_reset();
	ck_assert_int_eq(lfs_keep_prune(&bare, NULL, 0, &gone, &size, &failed), 0);
	ck_assert_uint_eq(gone.n, 1);
	snprintf(p, sizeof(p), "%s/blobs", root);
	ck_assert_int_eq(access(p, F_OK), -1);
	lfs_strv_free(&gone);
	close(lay);
	close(rootfd);
	lfs_rm_rf_at(AT_FDCWD, root);
}
END_TEST

START_TEST(test_export_tee)
{
	char dir[] = "/tmp/exptee-XXXXXX", p[128], *a, *b;
	struct lfs_tar_digests d;
	struct lfs_err e = LFS_ERR_INIT;
	int out, tee, tee_err = -1;
	off_t na, nb;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(p, sizeof(p), "%s/layer", dir);
	ck_assert_int_eq(mkdir(p, 0755), 0);
	snprintf(p, sizeof(p), "%s/layer/f", dir);
	put_file(AT_FDCWD, p, "some data", 9);
	snprintf(p, sizeof(p), "%s/out", dir);
	out = open(p, O_RDWR | O_CREAT, 0644);
	snprintf(p, sizeof(p), "%s/tee", dir);
	tee = open(p, O_RDWR | O_CREAT, 0644);
	snprintf(p, sizeof(p), "%s/layer", dir);
	ck_assert_int_eq(lfs_tar_export_tee(p, out, tee, LFS_COMPRESS_GZIP, &d,
					    &tee_err, &e), 0);
	ck_assert_int_eq(tee_err, 0);
	na = lseek(out, 0, SEEK_END);
	nb = lseek(tee, 0, SEEK_END);
	ck_assert_int_eq(na, nb);
	ck_assert_uint_eq((uint64_t)na, d.blob_size);
	a = malloc((size_t)na);
	b = malloc((size_t)nb);
	ck_assert_int_eq(pread(out, a, (size_t)na, 0), na);
	ck_assert_int_eq(pread(tee, b, (size_t)nb, 0), nb);
	ck_assert_int_eq(memcmp(a, b, (size_t)na), 0);
	free(a);
	free(b);
	close(tee);
	/* a copy that cannot be written stops; the export goes on */
	ck_assert_int_eq(ftruncate(out, 0), 0);
	tee = open("/dev/full", O_WRONLY);
	ck_assert_int_ge(tee, 0);
	ck_assert_int_eq(lfs_tar_export_tee(p, out, tee, LFS_COMPRESS_GZIP, &d,
					    &tee_err, &e), 0);
	ck_assert_int_eq(tee_err, ENOSPC);
	close(tee);
	close(out);
	lfs_rm_rf_at(AT_FDCWD, dir);
}
END_TEST

START_TEST(test_tmpdir_prune)
{
	char root[] = "/tmp/tmpdir-XXXXXX", p[128];
	struct lfs_strv gone = LFS_STRV_INIT;
	uint64_t size = 0, files = 0;
	int fd, failed = 0;
	FILE *f;

	ck_assert(lfs_tmpdir_name(".pull-0123"));
	ck_assert(lfs_tmpdir_name(".push-x"));
	ck_assert(lfs_tmpdir_name(".save-x") && lfs_tmpdir_name(".load-x"));
	ck_assert(!lfs_tmpdir_name(".pull-"));
	ck_assert(!lfs_tmpdir_name("layers"));
	ck_assert(!lfs_tmpdir_name(".lock"));
	ck_assert_ptr_nonnull(mkdtemp(root));
	snprintf(p, sizeof(p), "%s/.pull-a", root);
	ck_assert_int_eq(mkdir(p, 0700), 0);
	snprintf(p, sizeof(p), "%s/.pull-a/blob.part", root);
	f = fopen(p, "w");
	fputs("12345", f);
	fclose(f);
	snprintf(p, sizeof(p), "%s/.push-b", root);
	ck_assert_int_eq(mkdir(p, 0700), 0);
	lfs_tmpdir_hold(p);		/* a running push */
	snprintf(p, sizeof(p), "%s/.save-c", root);	/* not a directory */
	f = fopen(p, "w");
	fclose(f);
	snprintf(p, sizeof(p), "%s/views", root);
	ck_assert_int_eq(mkdir(p, 0700), 0);
	fd = open(root, O_RDONLY | O_DIRECTORY);
	/* all changed just now: none is old enough */
	ck_assert_int_eq(lfs_tmpdir_prune(fd, time(NULL), 60, 0, &gone, &size,
					  &files, &failed), 0);
	ck_assert_uint_eq(gone.n, 0);
	/* a dry run lists the unlocked one, deletes nothing */
	ck_assert_int_eq(lfs_tmpdir_prune(fd, time(NULL) + 120, 60, 1, &gone,
					  &size, &files, &failed), 0);
	ck_assert_uint_eq(gone.n, 1);
	ck_assert_str_eq(gone.v[0], ".pull-a");
	ck_assert_uint_eq(size, 5);
	ck_assert_uint_eq(files, 1);
	ck_assert_int_eq(faccessat(fd, ".pull-a", F_OK, 0), 0);
	lfs_strv_free(&gone);
	ck_assert_int_eq(lfs_tmpdir_prune(fd, time(NULL) + 120, 60, 0, &gone,
					  &size, &files, &failed), 0);
	ck_assert_uint_eq(gone.n, 1);
	ck_assert_int_ne(faccessat(fd, ".pull-a", F_OK, 0), 0);
	ck_assert_int_eq(faccessat(fd, ".push-b", F_OK, 0), 0);
	ck_assert_int_eq(faccessat(fd, ".save-c", F_OK, 0), 0);
	ck_assert_int_eq(failed, 0);
	lfs_strv_free(&gone);
	/* released: the push's directory goes too */
	snprintf(p, sizeof(p), "%s/.push-b", root);
	lfs_tmpdir_release(p);
	ck_assert_int_eq(lfs_tmpdir_prune(fd, time(NULL) + 120, 60, 0, &gone,
					  &size, &files, &failed), 0);
	ck_assert_uint_eq(gone.n, 1);
	ck_assert_str_eq(gone.v[0], ".push-b");
	lfs_strv_free(&gone);
	unlinkat(fd, ".save-c", 0);
	unlinkat(fd, "views", AT_REMOVEDIR);
	close(fd);
	ck_assert_int_eq(rmdir(root), 0);
}
END_TEST

/* A pipe holding @n bytes of @p, its write end closed. */
static int pipe_of(const char *p, size_t n)
{
	int fds[2];

	ck_assert_int_eq(pipe(fds), 0);
	ck_assert_int_eq(write(fds[1], p, n), (ssize_t)n);
	close(fds[1]);
	return fds[0];
}

START_TEST(test_upload_stream)
{
	static const char blob[] = "0123456789abcdefghij";	/* 20 bytes */
	char dg[LFS_DIGEST_LEN], loc[LFS_REG_URL_MAX];
	struct lfs_reg reg;
	uint64_t sent = 0;
	int fd;

	lfs_oci_sha256_digest(blob, 20, dg);
	fake_http_reset();
	ck_assert_int_eq(lfs_reg_open(&reg, "reg.io", "app/web", 0, NULL,
				      "pull,push", NULL), 0);
	/* one streamed PATCH, no Content-Range; then PUT ?digest= empty */
	snprintf(loc, sizeof(loc), "https://reg.io/up/3");
	fd = pipe_of(blob, 20);
	fake_http_push(&(struct fake_http_resp){ .status = 202, .location = "/up/3?s=a" });
	fake_http_push(&(struct fake_http_resp){ .status = 201 });
	ck_assert_int_eq(lfs_reg_upload_stream(&reg, loc, "layer 'x'", fd, 0,
					       &sent), 0);
	ck_assert_uint_eq(sent, 20);
	ck_assert_int_eq(lfs_reg_upload_finish(&reg, loc, "layer 'x'", dg), 0);
	ck_assert_str_eq(fake_http_seen(0)->method, "PATCH");
	ck_assert_ptr_null(fake_http_header(0, "Content-Range"));
	ck_assert_str_eq(fake_http_seen(0)->body, blob);
	ck_assert_str_eq(fake_http_seen(1)->method, "PUT");
	ck_assert_ptr_nonnull(strstr(fake_http_seen(1)->url, "/up/3?s=a&digest=sha256%3A"));
	ck_assert_uint_eq(fake_http_seen(1)->body_len, 0);
	close(fd);

	/* chunks of 8 from memory; the second breaks at 12 and resumes */
	fake_http_reset();
	fd = pipe_of(blob, 20);
	fake_http_push(&(struct fake_http_resp){ .status = 202 });
	fake_http_push(&(struct fake_http_resp){ .status = 202, .fail_err = -EIO });
	fake_http_push(&(struct fake_http_resp){ .status = 204, .range = "0-11" });
	fake_http_push(&(struct fake_http_resp){ .status = 202 });
	fake_http_push(&(struct fake_http_resp){ .status = 202 });
	ck_assert_int_eq(lfs_reg_upload_stream(&reg, loc, "layer 'x'", fd, 8,
					       &sent), 0);
	ck_assert_uint_eq(sent, 20);
	ck_assert_str_eq(fake_http_header(0, "Content-Range"), "0-7");
	ck_assert_str_eq(fake_http_header(1, "Content-Range"), "8-15");
	ck_assert_str_eq(fake_http_seen(2)->method, "GET");
	ck_assert_str_eq(fake_http_header(3, "Content-Range"), "12-15");
	ck_assert_str_eq(fake_http_seen(3)->body, "cdef");
	ck_assert_str_eq(fake_http_header(4, "Content-Range"), "16-19");
	ck_assert_str_eq(fake_http_seen(4)->body, "ghij");
	ck_assert_uint_eq(fake_http_left(), 0);
	close(fd);

	/* a challenge to the streamed PATCH: answered, then start over */
	{
		struct lfs_reg_cred cred = { "bob", "pw" };
		struct lfs_reg creg;

		ck_assert_int_eq(lfs_reg_open(&creg, "reg.io", "app/web", 0,
					      NULL, "pull,push", &cred), 0);
		fake_http_reset();
		fd = pipe_of(blob, 20);
		fake_http_push(&(struct fake_http_resp){ .status = 401,
			.www_authenticate = "Basic realm=\"r\"" });
		ck_assert_int_eq(lfs_reg_upload_stream(&creg, loc, "layer 'x'",
						       fd, 0, &sent), -EAGAIN);
		ck_assert_msg(strstr(creg.err.msg, "asked for credentials again during a streamed upload"),
			      "%s", creg.err.msg);
		ck_assert_uint_eq(fake_http_nseen(), 1);
		close(fd);
		lfs_reg_close(&creg);
	}

	/*
	 * a stream that cannot be read: what failed, the errno as the code,
	 * so that its text comes once, in parentheses (err.h), not glued
	 * into a text of code 0
	 */
	{
		struct lfs_err e;
		char line[LFS_ERR_MAX + 64];

		fake_http_reset();
		fd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		ck_assert_int_ge(fd, 0);
		ck_assert_int_eq(lfs_reg_upload_stream(&reg, loc, "layer 'x'",
						       fd, 8, &sent), -EISDIR);
		ck_assert_uint_eq(fake_http_nseen(), 0);
		e = reg.err;
		lfs_err_prefix(&e, -EISDIR, "destination 'reg.io/app/web:1'");
		ck_assert_str_eq(lfs_err_str(&e, line, sizeof(line)),
				 "destination 'reg.io/app/web:1': layer 'x': cannot read the data to upload (Is a directory)");
		close(fd);
	}

	/* the registry says it has less than the chunk in memory holds */
	fake_http_reset();
	fd = pipe_of(blob, 20);
	fake_http_push(&(struct fake_http_resp){ .status = 202 });
	fake_http_push(&(struct fake_http_resp){ .status = 202, .fail_err = -EIO });
	fake_http_push(&(struct fake_http_resp){ .status = 204, .range = "0-3" });
	ck_assert_int_eq(lfs_reg_upload_stream(&reg, loc, "layer 'x'", fd, 8,
					       &sent), -EPROTO);
	close(fd);
	lfs_reg_close(&reg);
}
END_TEST

Suite *xfer_suite(void)
{
	Suite *s = suite_create("xfer");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_human);
	tcase_add_test(tc, test_format_row);
	tcase_add_test(tc, test_view_modes);
	tcase_add_test(tc, test_blobsrc);
	tcase_add_test(tc, test_size_range_mount_url);
	tcase_add_test(tc, test_helper_config);
	tcase_add_test(tc, test_helper_run);
	tcase_add_test(tc, test_helper_nomem);
	tcase_add_test(tc, test_pool);
	tcase_add_test(tc, test_upload_chunks_mount);
	tcase_add_test(tc, test_upload_stream);
	tcase_add_test(tc, test_layerdg);
	tcase_add_test(tc, test_blobname);
	tcase_add_test(tc, test_blobkeep);
	tcase_add_test(tc, test_open_regular_no_device);
	tcase_add_test(tc, test_read_file_not_regular);
	tcase_add_test(tc, test_fd_path);
	tcase_add_test(tc, test_write_file_fresh);
	tcase_add_test(tc, test_export_tee);
	tcase_add_test(tc, test_tmpdir_prune);
	suite_add_tcase(s, tc);
	return s;
}
