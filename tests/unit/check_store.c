// SPDX-License-Identifier: GPL-2.0
/*
 * The layer store: records and their JSON (storemeta.c), keys and store
 * paths (storekey.c), the restore order and image chains (metaset.c), the
 * `images` and `history` output (format_images.c), the store's files
 * in a temporary directory (store.c), the VIEW_COMMIT message and BASE
 * attribute (msg.c), and commit, images, history, restore, rm and
 * mount REF end to end with fake_nl.c and fake_sys.c.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/layerfs.h>
#include <netlink/attr.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>

#include "cmd.h"
#include "dirguard.h"
#include "fake_nl.h"
#include "fake_sys.h"
#include "format.h"
#include "fsdir.h"
#include "index_store.h"
#include "jsonout.h"
#include "msg.h"
#include "namequeue.h"
#include "parse.h"
#include "regnames.h"
#include "run_cmd.h"
#include "store.h"
#include "tmpname.h"
#include "storeref.h"
#include "store_reg.h"
#include "storemeta.h"
#include "suites.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define FAMILY 0x1c
#define K1 "0123456789abcdef0123456789abcdef"
#define K2 "fedcba9876543210fedcba9876543210"
#define K3 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"

/* ---- storemeta: JSON ---- */

static struct lfs_meta *meta_new(const char *ref, const char *key,
				 const char *parent, uint64_t created)
{
	struct lfs_meta *m = calloc(1, sizeof(*m));

	ck_assert_ptr_nonnull(m);
	m->ref = strdup(ref);
	m->key = strdup(key);
	m->parent = parent ? strdup(parent) : NULL;
	m->created = created;
	ck_assert_int_eq(asprintf(&m->diff, "/s/layers/%s/diff", key) > 0, 1);
	return m;
}

static void meta_del(struct lfs_meta *m)
{
	lfs_meta_free(m);
	free(m);
}

/* ':latest' for REFs looked up in the records; intermediate layers. */
START_TEST(test_find_ref_intermediate)
{
	struct lfs_meta *m[5];
	size_t i;

	m[0] = meta_new("app:latest", K1, LFS_CHAIN_PREFIX "aa", 1);
	m[1] = meta_new(LFS_CHAIN_PREFIX "aa", K2, LFS_CHAIN_PREFIX "bb", 1);
	m[2] = meta_new(LFS_CHAIN_PREFIX "bb", K3, NULL, 1);
	m[3] = meta_new(LFS_CHAIN_PREFIX "cc", K3, NULL, 1);
	m[4] = meta_new("base", K3, NULL, 1);
	ck_assert_int_eq(lfs_meta_lookup(m, 5, "app"), 0);
	ck_assert_int_eq(lfs_meta_lookup(m, 5, "app:latest"), 0);
	ck_assert_int_eq(lfs_meta_lookup(m, 5, "app:1"), -1);
	/* a name without a tag that is there is itself */
	ck_assert_int_eq(lfs_meta_lookup(m, 5, "base"), 4);
	ck_assert_int_eq(lfs_meta_lookup(m, 5, "nope"), -1);
	ck_assert_int_eq(lfs_meta_intermediate(m, 5, 0), 0);
	ck_assert_int_eq(lfs_meta_intermediate(m, 5, 1), 1);
	ck_assert_int_eq(lfs_meta_intermediate(m, 5, 2), 1);
	/* nothing builds on it: dangling, shown */
	ck_assert_int_eq(lfs_meta_intermediate(m, 5, 3), 0);
	ck_assert_int_eq(lfs_meta_intermediate(m, 5, 4), 0);
	/* tags: found by lfs_meta_lookup() and lfs_meta_find_tag() */
	ck_assert_int_eq(lfs_strv_push(&m[0]->tags, "other:2"), 0);
	ck_assert_int_eq(lfs_strv_push(&m[0]->tags, "short:latest"), 0);
	ck_assert_int_eq(lfs_meta_lookup(m, 5, "other:2"), 0);
	ck_assert_int_eq(lfs_meta_lookup(m, 5, "short"), 0);
	ck_assert_int_eq(lfs_meta_lookup(m, 5, "other"), -1);
	ck_assert_int_eq(lfs_meta_find_tag(m, 5, "short:latest", &i), 0);
	ck_assert_uint_eq(i, 1);
	ck_assert_int_eq(lfs_meta_find_tag(m, 5, "app:latest", NULL), -1);
	/* a BASE reference makes one intermediate too */
	ck_assert_int_eq(lfs_strv_push(&m[4]->base, LFS_CHAIN_PREFIX "cc"), 0);
	ck_assert_int_eq(lfs_meta_intermediate(m, 5, 3), 1);
	for (i = 0; i < 5; i++)
		meta_del(m[i]);
}
END_TEST


START_TEST(test_meta_round_trip)
{
	struct lfs_meta *m = meta_new("gakki/mytomcat:1.1", K1, "tomcat:9",
				      1800000000123456789ULL);
	struct lfs_buf b = LFS_BUF_INIT;
	struct lfs_meta back;
	struct lfs_err why = LFS_ERR_INIT;

	m->author = strdup("liuzhuo \"L\"");
	m->message = strdup("del tomcat docs\n/x");
	m->flags = LAYERFS_LAYER_F_FROZEN;
	m->has_usage = 1;
	m->size = 12345;
	m->files = 7;
	ck_assert_int_eq(lfs_strv_push(&m->base, "a:1"), 0);
	ck_assert_int_eq(lfs_strv_push(&m->base, "b"), 0);
	ck_assert_int_eq(lfs_strv_push(&m->tags, "web/app:latest"), 0);
	ck_assert_int_eq(lfs_meta_to_json(m, &b), 0);
	ck_assert_ptr_nonnull(strstr(lfs_buf_str(&b),
				     "\"created\": \"2027-01-15T08:00:00.123456789Z\""));
	ck_assert_ptr_nonnull(strstr(lfs_buf_str(&b), "\"flags\": [\n    \"frozen\"\n  ]"));
	ck_assert_ptr_nonnull(strstr(lfs_buf_str(&b), "\"message\": \"del tomcat docs\\n/x\""));
	ck_assert_int_eq(lfs_meta_from_json(lfs_buf_str(&b), &back, &why), 0);
	ck_assert_str_eq(back.ref, m->ref);
	ck_assert_str_eq(back.key, K1);
	ck_assert_str_eq(back.parent, "tomcat:9");
	ck_assert_str_eq(back.author, m->author);
	ck_assert_str_eq(back.message, m->message);
	ck_assert_str_eq(back.diff, m->diff);
	ck_assert_uint_eq(back.created, m->created);
	ck_assert_uint_eq(back.flags, LAYERFS_LAYER_F_FROZEN);
	ck_assert_int_eq(back.has_usage, 1);
	ck_assert_uint_eq(back.size, 12345);
	ck_assert_uint_eq(back.files, 7);
	ck_assert_uint_eq(back.base.n, 2);
	ck_assert_str_eq(back.base.v[0], "a:1");
	ck_assert_str_eq(back.base.v[1], "b");
	ck_assert_uint_eq(back.tags.n, 1);
	ck_assert_str_eq(back.tags.v[0], "web/app:latest");
	lfs_meta_free(&back);
	lfs_buf_free(&b);
	meta_del(m);
}
END_TEST

START_TEST(test_meta_minimal)
{
	struct lfs_meta *m = meta_new("solo", K1, NULL, 5);
	struct lfs_buf b = LFS_BUF_INIT;
	struct lfs_meta back;

	ck_assert_int_eq(lfs_meta_to_json(m, &b), 0);
	ck_assert_ptr_nonnull(strstr(lfs_buf_str(&b), "\"parent\": null"));
	ck_assert_ptr_null(strstr(lfs_buf_str(&b), "\"size\""));
	ck_assert_ptr_null(strstr(lfs_buf_str(&b), "\"base\""));
	ck_assert_int_eq(lfs_meta_from_json(lfs_buf_str(&b), &back, NULL), 0);
	ck_assert_ptr_null(back.parent);
	ck_assert_ptr_null(back.author);
	ck_assert_int_eq(back.has_usage, 0);
	ck_assert_uint_eq(back.base.n, 0);
	lfs_meta_free(&back);
	lfs_buf_free(&b);
	meta_del(m);
}
END_TEST

static const struct {
	const char *json, *why;
} bad_metas[] = {
	{ "", "not JSON: " },
	{ "[1]", "not a JSON object" },
	{ "{\"ref\":\"a\"}", "missing \"version\"" },
	{ "{\"version\":2}", "version 2, this layerctl reads 1" },
	{ "{\"version\":1,\"key\":\"" K1 "\"}", "missing \"ref\"" },
	{ "{\"version\":1,\"ref\":\"A\"}", "\"ref\" is not a valid layer name" },
	{ "{\"version\":1,\"ref\":5}", "\"ref\" is not a string" },
	{ "{\"version\":1,\"ref\":\"a\",\"key\":\"x\"}", "\"key\" is not a key" },
	{ "{\"version\":1,\"ref\":\"a\",\"key\":\"" K1 "\",\"parent\":\"B\"}",
	  "\"parent\" is not a valid layer name" },
	{ "{\"version\":1,\"ref\":\"a\",\"key\":\"" K1 "\",\"base\":[\"ok\",3]}",
	  "\"base\" holds an invalid layer name" },
	{ "{\"version\":1,\"ref\":\"a\",\"key\":\"" K1 "\"}", "missing \"created_ns\"" },
	{ "{\"version\":1,\"ref\":\"a\",\"key\":\"" K1 "\",\"created_ns\":-1}",
	  "\"created_ns\" is not a non-negative integer" },
	{ "{\"version\":1,\"ref\":\"a\",\"key\":\"" K1 "\",\"created_ns\":1,\"flags\":[\"hot\"]}",
	  "unknown flag \"hot\"" },
	{ "{\"version\":1,\"ref\":\"a\",\"key\":\"" K1 "\",\"created_ns\":1}",
	  "missing \"diff\"" },
	{ "{\"version\":1,\"ref\":\"a\",\"key\":\"" K1 "\",\"created_ns\":1,\"diff\":\"x\"}",
	  "\"diff\" is not an absolute path" },
	{ "{\"version\":1,\"ref\":\"a\",\"key\":\"" K1 "\",\"created_ns\":1,\"diff\":\"/x\",\"size\":\"1\"}",
	  "\"size\" is not a non-negative integer" },
};

START_TEST(test_meta_bad)
{
	struct lfs_meta m;
	struct lfs_err why = LFS_ERR_INIT;

	ck_assert_int_eq(lfs_meta_from_json(bad_metas[_i].json, &m, &why), -EINVAL);
	ck_assert_msg(!strncmp(why.msg, bad_metas[_i].why, strlen(bad_metas[_i].why)),
		      "%s: got '%s'", bad_metas[_i].json, why.msg);
	lfs_meta_free(&m);
}
END_TEST

START_TEST(test_view_meta_round_trip)
{
	struct lfs_view_meta v = { (char *)K2, (char *)"/mnt/web",
				   (char *)"tomcat:9", (char *)K1, 7, 3, 0, NULL };
	struct lfs_buf b = LFS_BUF_INIT;
	struct lfs_view_meta back;
	struct lfs_err why = LFS_ERR_INIT;

	ck_assert_int_eq(lfs_view_meta_to_json(&v, &b), 0);
	ck_assert_int_eq(lfs_view_meta_from_json(lfs_buf_str(&b), &back, &why), 0);
	ck_assert_str_eq(back.key, K2);
	ck_assert_str_eq(back.mountpoint, "/mnt/web");
	ck_assert_str_eq(back.image, "tomcat:9");
	ck_assert_str_eq(back.upper_key, K1);
	ck_assert_uint_eq(back.created, 7);
	ck_assert_uint_eq(back.commits, 3);
	ck_assert_int_eq(back.persist, 0);
	ck_assert_ptr_null(back.options);
	ck_assert_ptr_null(strstr(lfs_buf_str(&b), "persist"));
	lfs_view_meta_free(&back);
	/* A view of `mount --persist -o noexec`: both fields come back. */
	v.persist = 1;
	v.options = (char *)"noexec,nodev";
	lfs_buf_reset(&b);
	ck_assert_int_eq(lfs_view_meta_to_json(&v, &b), 0);
	ck_assert_int_eq(lfs_view_meta_from_json(lfs_buf_str(&b), &back, &why), 0);
	ck_assert_int_eq(back.persist, 1);
	ck_assert_str_eq(back.options, "noexec,nodev");
	lfs_view_meta_free(&back);
	ck_assert_int_eq(lfs_view_meta_from_json("{\"version\":1,\"key\":\"" K1
						 "\",\"upper_key\":\"" K2 "\",\"persist\":1}",
						 &back, &why), -EINVAL);
	ck_assert_str_eq(why.msg, "\"persist\" is not true or false");
	lfs_view_meta_free(&back);
	ck_assert_int_eq(lfs_view_meta_from_json("{\"version\":1,\"key\":\"" K1 "\"}",
						 &back, &why), -EINVAL);
	ck_assert_str_eq(why.msg, "missing \"upper_key\"");
	lfs_view_meta_free(&back);
	lfs_buf_free(&b);
}
END_TEST

/* Keys named by a path whatever comes before them (prune's fallback). */
START_TEST(test_path_keys)
{
	struct lfs_strv k = LFS_STRV_INIT;

	ck_assert_int_eq(lfs_store_path_keys("/ns/s/layers/" K1 "/diff", "layers", &k), 0);
	ck_assert_int_eq(lfs_store_path_keys("/chroot/x/views/" K2 "/work", "views", &k), 0);
	ck_assert_int_eq(lfs_store_path_keys("/layers/" K2, "layers", &k), 0);
	ck_assert_uint_eq(k.n, 3);
	ck_assert_str_eq(k.v[0], K1);
	ck_assert_str_eq(k.v[1], K2);
	ck_assert_str_eq(k.v[2], K2);
	/* Nested: each; not a key, not the component, a longer name: none. */
	ck_assert_int_eq(lfs_store_path_keys("/a/layers/" K1 "/diff/layers/" K2 "/x",
					     "layers", &k), 0);
	ck_assert_uint_eq(k.n, 5);
	ck_assert_str_eq(k.v[3], K1);
	ck_assert_str_eq(k.v[4], K2);
	ck_assert_int_eq(lfs_store_path_keys("/a/layers/0123/diff", "layers", &k), 0);
	ck_assert_int_eq(lfs_store_path_keys("/a/mylayers/" K1 "/diff", "layers", &k), 0);
	ck_assert_int_eq(lfs_store_path_keys("/a/layers/" K1 "0/diff", "layers", &k), 0);
	ck_assert_int_eq(lfs_store_path_keys("/a/views/" K1 "/work", "layers", &k), 0);
	ck_assert_uint_eq(k.n, 5);
	lfs_strv_free(&k);
}
END_TEST

START_TEST(test_keys)
{
	static const unsigned char bytes[16] = {
		0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef,
		0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef };
	char key[LFS_KEY_LEN + 1];

	lfs_key_format(bytes, key);
	ck_assert_str_eq(key, K1);
	ck_assert_int_eq(lfs_key_valid(K1), 1);
	ck_assert_int_eq(lfs_key_valid("0123456789ABCDEF0123456789abcdef"), 0);
	ck_assert_int_eq(lfs_key_valid(K1 "0"), 0);
	ck_assert_int_eq(lfs_key_valid("0123"), 0);
	ck_assert_int_eq(lfs_key_valid(".rm-0123456789abcdef0123456789ab"), 0);
	ck_assert_int_eq(lfs_key_valid(NULL), 0);

	ck_assert_int_eq(lfs_store_path_key("/s", "/s/layers/" K1 "/diff", key), 1);
	ck_assert_str_eq(key, K1);
	ck_assert_int_eq(lfs_store_path_key("/", "/layers/" K2 "/diff", key), 1);
	ck_assert_str_eq(key, K2);
	ck_assert_int_eq(lfs_store_path_key("/s", "/s/layers/" K1 "/diff/x", key), 0);
	ck_assert_int_eq(lfs_store_path_key("/s", "/s/views/" K1 "/diff", key), 0);
	ck_assert_int_eq(lfs_store_path_key("/s", "/st/layers/" K1 "/diff", key), 0);
	ck_assert_int_eq(lfs_store_path_key("/s", "/srv/u", key), 0);

	/* The directory a path in use lies in (prune keeps it). */
	ck_assert_int_eq(lfs_store_path_entry("/s", "/s/layers/" K1, "layers", key), 1);
	ck_assert_str_eq(key, K1);
	ck_assert_int_eq(lfs_store_path_entry("/s", "/s/layers/" K2 "/diff/a/b",
					      "layers", key), 1);
	ck_assert_str_eq(key, K2);
	ck_assert_int_eq(lfs_store_path_entry("/", "/views/" K1 "/work", "views", key), 1);
	ck_assert_str_eq(key, K1);
	ck_assert_int_eq(lfs_store_path_entry("/s", "/s/views/" K1 "/work", "layers", key), 0);
	ck_assert_int_eq(lfs_store_path_entry("/s", "/s/layers/" K1 "x", "layers", key), 0);
	ck_assert_int_eq(lfs_store_path_entry("/s", "/s/layers/.rm-" K1, "layers", key), 0);
	ck_assert_int_eq(lfs_store_path_entry("/s", "/s/layersx/" K1, "layers", key), 0);
	ck_assert_int_eq(lfs_store_path_entry("/s", "/st/layers/" K1, "layers", key), 0);
	ck_assert_int_eq(lfs_store_path_entry("/s", "/s/layers/0123", "layers", key), 0);
	ck_assert_int_eq(lfs_store_path_entry("/s", "/s", "layers", key), 0);
}
END_TEST

/* ---- storemeta: order, chains, output ---- */

START_TEST(test_order)
{
	struct lfs_meta *m[4];
	size_t order[4], i, pos[4];
	struct lfs_err why = LFS_ERR_INIT;

	m[0] = meta_new("top", K1, "mid", 3);
	m[1] = meta_new("mid", K2, "bottom", 2);
	m[2] = meta_new("bottom", K3, "elsewhere", 1);
	m[3] = meta_new("side", K3, NULL, 4);
	ck_assert_int_eq(lfs_strv_push(&m[3]->base, "top"), 0);
	ck_assert_int_eq(lfs_meta_order(m, 4, order, &why), 0);
	for (i = 0; i < 4; i++)
		pos[order[i]] = i;
	ck_assert_uint_lt(pos[2], pos[1]);
	ck_assert_uint_lt(pos[1], pos[0]);
	ck_assert_uint_lt(pos[0], pos[3]);

	free(m[2]->parent);
	m[2]->parent = strdup("top");	/* a cycle */
	ck_assert_int_eq(lfs_meta_order(m, 4, order, &why), -ELOOP);
	ck_assert_ptr_nonnull(strstr(why.msg, "a parent cycle in the store"));
	for (i = 0; i < 4; i++)
		meta_del(m[i]);
}
END_TEST

START_TEST(test_chain)
{
	struct lfs_meta *m[4];
	size_t chain[4], n;
	struct lfs_err why = LFS_ERR_INIT;

	m[0] = meta_new("app:2", K1, "app:1", 3);
	m[1] = meta_new("app:1", K2, "base", 2);
	m[2] = meta_new("base", K3, NULL, 1);
	m[3] = meta_new("mix", K3, "app:2", 4);
	ck_assert_int_eq(lfs_meta_chain(m, 4, "app:2", chain, &n, &why), 0);
	ck_assert_uint_eq(n, 3);
	ck_assert_uint_eq(chain[0], 0);
	ck_assert_uint_eq(chain[1], 1);
	ck_assert_uint_eq(chain[2], 2);

	/* BASE replaces the parent's image: the Images rule. */
	ck_assert_int_eq(lfs_strv_push(&m[3]->base, "app:2"), 0);
	ck_assert_int_eq(lfs_strv_push(&m[3]->base, "base"), 0);
	ck_assert_int_eq(lfs_meta_chain(m, 4, "mix", chain, &n, &why), 0);
	ck_assert_uint_eq(n, 3);
	ck_assert_uint_eq(chain[0], 3);
	ck_assert_uint_eq(chain[1], 0);
	ck_assert_uint_eq(chain[2], 2);

	ck_assert_int_eq(lfs_meta_chain(m, 4, "nope", chain, &n, &why), -ENOENT);
	ck_assert_str_eq(why.msg, "not in the store");
	free(m[1]->parent);
	m[1]->parent = strdup("gone");
	ck_assert_int_eq(lfs_meta_chain(m, 4, "app:2", chain, &n, &why), -ENOENT);
	ck_assert_str_eq(why.msg, "layer 'gone' is not in the store");
	free(m[1]->parent);
	m[1]->parent = strdup("app:2");
	ck_assert_int_eq(lfs_meta_chain(m, 4, "app:2", chain, &n, &why), -ELOOP);
	ck_assert_str_eq(why.msg, "a parent cycle through 'app:2'");
	for (n = 0; n < 4; n++)
		meta_del(m[n]);
}
END_TEST

START_TEST(test_fmt_size)
{
	static const struct {
		uint64_t v;
		const char *s;
	} cases[] = {
		{ 0, "0B" }, { 999, "999B" }, { 1000, "1kB" }, { 1500, "1.5kB" },
		{ 12345678, "12.35MB" }, { 1073741824, "1.07GB" },
	};
	size_t i;

	for (i = 0; i < N(cases); i++) {
		struct lfs_buf b = LFS_BUF_INIT;

		lfs_fmt_size(&b, cases[i].v);
		ck_assert_str_eq(lfs_buf_str(&b), cases[i].s);
		lfs_buf_free(&b);
	}
}
END_TEST

#define NOW 1800000000000000000ULL
#define MIN 60000000000ULL

START_TEST(test_fmt_images_history)
{
	struct lfs_meta *m[2];
	struct lfs_buf b = LFS_BUF_INIT;
	size_t chain[2] = { 1, 0 };

	m[0] = meta_new("tomcat:9", K2, NULL, NOW - 120 * MIN);
	m[1] = meta_new("gakki/mytomcat:1.1", K1, "tomcat:9", NOW - 2 * MIN);
	m[0]->has_usage = 1;
	m[0]->size = 1500;
	m[0]->files = 3;
	m[0]->author = strdup("apache");
	m[1]->author = strdup("liuzhuo");
	m[1]->message = strdup("del tomcat docs");
	lfs_fmt_images(&b, m, 2, NOW, 0);
	ck_assert_str_eq(lfs_buf_str(&b),
		"REF                  KEY            PARENT     CREATED         SIZE    FILES\n"
		"gakki/mytomcat:1.1   0123456789ab   tomcat:9   2 minutes ago   -       -\n"
		"tomcat:9             fedcba987654   -          2 hours ago     1.5kB   3\n");
	lfs_buf_reset(&b);
	lfs_fmt_history(&b, m, chain, 2, NOW, 0);
	ck_assert_str_eq(lfs_buf_str(&b),
		"LAYER          REF                  CREATED         AUTHOR    SIZE    MESSAGE\n"
		"0123456789ab   gakki/mytomcat:1.1   2 minutes ago   liuzhuo   -       del tomcat docs\n"
		"fedcba987654   tomcat:9             2 hours ago     apache    1.5kB   -\n");
	/* An author in UTF-8 takes a column per code point, as `layer ls`. */
	free(m[1]->author);
	m[1]->author = strdup("J\xc3\xa9r\xc3\xb4me");
	lfs_buf_reset(&b);
	lfs_fmt_history(&b, m, chain, 2, NOW, 0);
	ck_assert_str_eq(lfs_buf_str(&b),
		"LAYER          REF                  CREATED         AUTHOR   SIZE    MESSAGE\n"
		"0123456789ab   gakki/mytomcat:1.1   2 minutes ago   J\xc3\xa9r\xc3\xb4me   -       del tomcat docs\n"
		"fedcba987654   tomcat:9             2 hours ago     apache   1.5kB   -\n");
	free(m[1]->author);
	m[1]->author = strdup("liuzhuo");
	lfs_buf_reset(&b);
	lfs_fmt_history(&b, m, chain, 2, NOW, 1);
	ck_assert_msg(!strncmp(lfs_buf_str(&b),
			       "[{\"ref\":\"gakki/mytomcat:1.1\",\"key\":\"" K1
			       "\",\"parent\":\"tomcat:9\",\"author\":\"liuzhuo\"", 60),
		      "%s", lfs_buf_str(&b));
	lfs_buf_reset(&b);
	lfs_fmt_images(&b, m, 0, NOW, 1);
	ck_assert_str_eq(lfs_buf_str(&b), "[]\n");
	lfs_buf_free(&b);
	meta_del(m[0]);
	meta_del(m[1]);
}
END_TEST

/*
 * history with an author and a message an image brought (load, pull):
 * quotes, backslashes, C0 and C1 controls and a byte that is not UTF-8.
 * The table escapes them (one line per layer, nothing raw for the
 * terminal); the JSON escapes them as RFC 8259 says, the stray byte as
 * U+FFFD.  Whole outputs.
 */
START_TEST(test_fmt_history_hostile)
{
	struct lfs_meta *m[1];
	struct lfs_buf b = LFS_BUF_INIT;
	size_t chain[1] = { 0 };

	m[0] = meta_new("app:1", K1, NULL, NOW - 2 * MIN);
	m[0]->author = strdup("Eve \"x\" \\ \x1b[31m\xc2\x9b\xff");
	m[0]->message = strdup("one\r\ntwo\t\x07\x7f");
	lfs_fmt_history(&b, m, chain, 1, NOW, 0);
	ck_assert_str_eq(lfs_buf_str(&b),
		"LAYER          REF     CREATED         AUTHOR                            SIZE   MESSAGE\n"
		"0123456789ab   app:1   2 minutes ago   Eve \"x\" \\\\ \\x1b[31m\\xc2\\x9b\\xff   -      one\\r\\ntwo\\t\\x07\\x7f\n");
	lfs_buf_reset(&b);
	lfs_fmt_history(&b, m, chain, 1, NOW, 1);
	/* RFC 8259 escapes U+0000..U+001F; DEL and C1 may stay. */
	ck_assert_str_eq(lfs_buf_str(&b),
		"[{\"ref\":\"app:1\",\"key\":\"" K1 "\",\"parent\":null,"
		"\"author\":\"Eve \\\"x\\\" \\\\ \\u001b[31m\xc2\x9b\xef\xbf\xbd\","
		"\"message\":\"one\\r\\ntwo\\t\\u0007\x7f\","
		"\"created\":\"2027-01-15T07:58:00.000000000Z\","
		"\"created_ns\":1799999880000000000,"
		"\"diff\":\"/s/layers/" K1 "/diff\"}]\n");
	lfs_buf_free(&b);
	meta_del(m[0]);
}
END_TEST

/* ---- namequeue.c, regnames.c: an ancestor walk's names ---- */

/* Each name handed out once, first pushed first; done names never. */
START_TEST(test_nameq)
{
	struct lfs_nameq q = LFS_NAMEQ_INIT;
	char name[32];
	size_t i, k;

	ck_assert_ptr_null(lfs_nameq_next(&q));
	ck_assert_int_eq(lfs_nameq_met(&q, "a"), 0);
	ck_assert_int_eq(lfs_nameq_push(&q, "b"), 1);
	ck_assert_int_eq(lfs_nameq_push(&q, "a"), 1);
	ck_assert_int_eq(lfs_nameq_push(&q, "b"), 0);
	ck_assert_int_eq(lfs_nameq_done(&q, "c"), 0);	/* before a push */
	ck_assert_int_eq(lfs_nameq_push(&q, "c"), 0);
	ck_assert_int_eq(lfs_nameq_met(&q, "c"), 1);
	ck_assert_str_eq(lfs_nameq_next(&q), "b");
	ck_assert_int_eq(lfs_nameq_push(&q, "d"), 1);
	ck_assert_int_eq(lfs_nameq_done(&q, "d"), 0);	/* queued, not out */
	ck_assert_int_eq(lfs_nameq_push(&q, "b"), 0);	/* handed out once */
	ck_assert_int_eq(lfs_nameq_push(&q, "e"), 1);
	ck_assert_str_eq(lfs_nameq_next(&q), "a");
	ck_assert_str_eq(lfs_nameq_next(&q), "e");
	ck_assert_ptr_null(lfs_nameq_next(&q));
	ck_assert_int_eq(lfs_nameq_push(&q, "f"), 1);	/* after the end */
	ck_assert_str_eq(lfs_nameq_next(&q), "f");
	ck_assert_ptr_null(lfs_nameq_next(&q));
	lfs_nameq_free(&q);

	/*
	 * An image of 300 layers, each listing the stack below it: 45,150
	 * pushes, each name handed out once, in order.
	 */
	for (i = 300; i-- > 0;)
		for (k = i + 1; k-- > 0;) {
			snprintf(name, sizeof(name), "l%zu", k);
			ck_assert_int_eq(lfs_nameq_push(&q, name), i == 299);
		}
	for (i = 300; i-- > 0;) {
		snprintf(name, sizeof(name), "l%zu", i);
		ck_assert_str_eq(lfs_nameq_next(&q), name);
	}
	ck_assert_ptr_null(lfs_nameq_next(&q));
	ck_assert_uint_eq(q.n, 300);
	lfs_nameq_free(&q);
}
END_TEST

START_TEST(test_reg_names)
{
	struct lfs_reg_names rn = LFS_REG_NAMES_INIT;
	struct lfs_strv sv = LFS_STRV_INIT;
	uint64_t base[3] = { 7, 3, 9 };
	struct lfs_layer l = { .name = "top", .base = base, .nbase = 3 };
	char name[32];
	uint64_t i;

	ck_assert_ptr_null(lfs_reg_names_get(&rn, 1));
	ck_assert_int_eq(lfs_reg_names_add(&rn, 9, "nine"), 0);
	ck_assert_int_eq(lfs_reg_names_add(&rn, 3, "three"), 0);
	ck_assert_int_eq(lfs_reg_names_add(&rn, 7, "seven"), 0);
	ck_assert_int_eq(lfs_reg_names_add(&rn, 3, "again"), 0);
	ck_assert_str_eq(lfs_reg_names_get(&rn, 3), "three");	/* the first */
	ck_assert_ptr_null(lfs_reg_names_get(&rn, 4));
	ck_assert_int_eq(lfs_reg_names_base(&rn, &l, &sv), 0);
	ck_assert_uint_eq(sv.n, 3);
	ck_assert_str_eq(sv.v[0], "seven");
	ck_assert_str_eq(sv.v[1], "three");
	ck_assert_str_eq(sv.v[2], "nine");
	lfs_strv_free(&sv);
	base[1] = 4;			/* not registered */
	ck_assert_int_eq(lfs_reg_names_base(&rn, &l, &sv), -ENOENT);
	lfs_strv_free(&sv);
	/* added after a lookup: found too */
	for (i = 100; i < 400; i++) {
		snprintf(name, sizeof(name), "n%" PRIu64, i);
		ck_assert_int_eq(lfs_reg_names_add(&rn, 500 - i, name), 0);
	}
	ck_assert_str_eq(lfs_reg_names_get(&rn, 200), "n300");
	ck_assert_str_eq(lfs_reg_names_get(&rn, 9), "nine");
	lfs_reg_names_free(&rn);
}
END_TEST

/*
 * Registering a store layer whose BASE layer the kernel refuses to look up
 * for a reason other than "no such layer": the kernel's extended ack is
 * the reason shown.
 */
START_TEST(test_register_base_extack)
{
	struct lfs_meta m = { 0 };
	struct lfs_err e = LFS_ERR_INIT;
	char buf[LFS_ERR_MAX + 64];
	int skipped = -1;

	m.ref = (char *)"top:1";
	m.diff = (char *)"/nonexistent/diff";
	ck_assert_int_eq(lfs_strv_push(&m.base, "b:1"), 0);
	fake_nl.get_fail_name = "b:1";
	fake_nl.get_err = -EPERM;
	fake_nl.get_extack = "denied by the policy";
	ck_assert_int_eq(lfs_store_register_layer(NULL, &m, &skipped, &e),
			 -EPERM);
	ck_assert_str_eq(lfs_err_str(&e, buf, sizeof(buf)),
			 "BASE layer 'b:1': denied by the policy (Operation not permitted)");
	/* ENOENT still says it in the project's words */
	fake_nl.get_err = -ENOENT;
	fake_nl.get_extack = "no such layer";
	ck_assert_int_eq(lfs_store_register_layer(NULL, &m, &skipped, &e),
			 -ENOENT);
	ck_assert_str_eq(lfs_err_str(&e, buf, sizeof(buf)),
			 "BASE layer 'b:1': not registered (No such file or directory)");
	ck_assert_int_eq(fake_nl.n_layers, 0);
	ck_assert_int_eq(fake_nl.added.n, 0);
	lfs_strv_free(&m.base);
}
END_TEST

/* ---- store.c on a temporary directory ---- */

static char tmp[64];

static void tmp_setup(void)
{
	fake_nl_reset();
	fake_sys_reset();
	snprintf(tmp, sizeof(tmp), "/tmp/check-store.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmp));
}

static void tmp_teardown(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp);
	ck_assert_int_eq(system(cmd), 0);
	fake_nl_reset();
	fake_sys_reset();
}

static int exists(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int exists(const char *fmt, ...)
{
	char path[512];
	struct stat st;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(path, sizeof(path), fmt, ap);
	va_end(ap);
	return !lstat(path, &st);
}

/* fsdir.c: a directory reached, and made, without following a link. */
START_TEST(test_open_dir_nofollow)
{
	char base[PATH_MAX], path[PATH_MAX + 64];
	struct stat st;
	mode_t mask;
	int fd;

	ck_assert_ptr_nonnull(realpath(tmp, base));
	ck_assert_int_lt(strlen(base), 200);
	snprintf(path, sizeof(path), "%s/a/b/c", base);
	ck_assert_int_eq(lfs_open_dir_nofollow(path, 0, 0), -ENOENT);
	fd = lfs_open_dir_nofollow(path, 1, 0750);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(fstat(fd, &st), 0);
	ck_assert(S_ISDIR(st.st_mode));
	mask = umask(0);
	umask(mask);
	ck_assert_int_eq(st.st_mode & 07777, 0750 & ~mask);
	close(fd);
	fd = lfs_open_dir_nofollow(path, 0, 0);		/* there now */
	ck_assert_int_ge(fd, 0);
	close(fd);
	snprintf(path, sizeof(path), "%s//a/b/c/", base);	/* slashes */
	fd = lfs_open_dir_nofollow(path, 0, 0);
	ck_assert_int_ge(fd, 0);
	close(fd);
	ck_assert_int_eq(lfs_open_dir_nofollow("a/b", 1, 0755), -EINVAL);
	snprintf(path, sizeof(path), "%s/a/../a/b", base);
	ck_assert_int_eq(lfs_open_dir_nofollow(path, 1, 0755), -EINVAL);
	snprintf(path, sizeof(path), "%s/a/./b", base);
	ck_assert_int_eq(lfs_open_dir_nofollow(path, 1, 0755), -EINVAL);

	/* Links: refused in the middle and at the end, nothing made. */
	snprintf(path, sizeof(path), "%s/l", base);
	ck_assert_int_eq(symlink("a/b", path), 0);
	ck_assert_int_eq(lfs_open_dir_nofollow(path, 1, 0755), -ELOOP);
	snprintf(path, sizeof(path), "%s/l/new", base);
	ck_assert_int_eq(lfs_open_dir_nofollow(path, 1, 0755), -ELOOP);
	ck_assert_int_eq(exists("%s/a/b/new", base), 0);
	snprintf(path, sizeof(path), "%s/l/c", base);
	ck_assert_int_eq(lfs_open_dir_nofollow(path, 0, 0), -ELOOP);

	/* A file on the way. */
	snprintf(path, sizeof(path), "%s/f", base);
	fd = open(path, O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
	ck_assert_int_ge(fd, 0);
	close(fd);
	ck_assert_int_eq(lfs_open_dir_nofollow(path, 1, 0755), -ENOTDIR);
	snprintf(path, sizeof(path), "%s/f/x", base);
	ck_assert_int_eq(lfs_open_dir_nofollow(path, 1, 0755), -ENOTDIR);
}
END_TEST

/*
 * fsdir.c: mkdir -p, through links (the store's root may lie under
 * one), each component made if missing; what it gives when something
 * else is on the way.
 */
/*
 * The index of a layer whose store directory is gone: the errno is the
 * code, not glued into the text, so that a subject put in front reads
 * "SUBJECT: REASON (STRERROR)".
 */
START_TEST(test_index_store_dir_gone)
{
	struct lfs_store st = LFS_STORE_INIT;
	struct lfs_err e = LFS_ERR_INIT;
	char line[LFS_ERR_MAX + 64];
	int rc;

	ck_assert_int_eq(lfs_store_open(&st, tmp, 1, NULL), 0);
	rc = lfs_layer_index_store(NULL, &st, "x:1", K1, &e);
	ck_assert_int_eq(rc, -ENOENT);
	lfs_err_prefix(&e, rc, "layer 'x:1'");
	ck_assert_str_eq(lfs_err_str(&e, line, sizeof(line)),
			 "layer 'x:1': cannot open its store directory (No such file or directory)");
	lfs_store_close(&st);
}
END_TEST

START_TEST(test_mkdir_p)
{
	char base[PATH_MAX], path[PATH_MAX + 64], *longp;
	struct stat st;
	mode_t mask;
	int cwd, fd;

	ck_assert_ptr_nonnull(realpath(tmp, base));
	ck_assert_int_lt(strlen(base), 200);
	mask = umask(0);
	umask(mask);
	snprintf(path, sizeof(path), "%s/m/a/b", base);
	ck_assert_int_eq(lfs_mkdir_p(path, 0750), 0);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert(S_ISDIR(st.st_mode));
	ck_assert_int_eq(st.st_mode & 07777, 0750 & ~mask);
	snprintf(path, sizeof(path), "%s/m", base);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_mode & 07777, 0750 & ~mask);
	/* there already, extra slashes, "." and "..": as the kernel walks */
	snprintf(path, sizeof(path), "%s/m/a/b", base);
	ck_assert_int_eq(lfs_mkdir_p(path, 0755), 0);
	snprintf(path, sizeof(path), "%s//m//a/b/", base);
	ck_assert_int_eq(lfs_mkdir_p(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/m/../n/./o", base);
	ck_assert_int_eq(lfs_mkdir_p(path, 0755), 0);
	ck_assert_int_eq(exists("%s/n/o", base), 1);
	ck_assert_int_eq(lfs_mkdir_p("", 0755), 0);
	/* a relative path, from the working directory */
	cwd = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	ck_assert_int_ge(cwd, 0);
	ck_assert_int_eq(chdir(base), 0);
	ck_assert_int_eq(lfs_mkdir_p("r/s", 0755), 0);
	ck_assert_int_eq(fchdir(cwd), 0);
	close(cwd);
	ck_assert_int_eq(exists("%s/r/s", base), 1);

	/* links followed, on the way and at the end */
	snprintf(path, sizeof(path), "%s/ln", base);
	ck_assert_int_eq(symlink("m/a", path), 0);
	ck_assert_int_eq(lfs_mkdir_p(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/ln/x/y", base);
	ck_assert_int_eq(lfs_mkdir_p(path, 0755), 0);
	ck_assert_int_eq(exists("%s/m/a/x/y", base), 1);
	snprintf(path, sizeof(path), "%s/ln/../z", base);	/* m/z */
	ck_assert_int_eq(lfs_mkdir_p(path, 0755), 0);
	ck_assert_int_eq(exists("%s/m/z", base), 1);
	/* a dangling one on the way: -ENOENT; as the last: left as it is */
	snprintf(path, sizeof(path), "%s/dang", base);
	ck_assert_int_eq(symlink("nowhere", path), 0);
	ck_assert_int_eq(lfs_mkdir_p(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/dang/x", base);
	ck_assert_int_eq(lfs_mkdir_p(path, 0755), -ENOENT);
	ck_assert_int_eq(exists("%s/nowhere", base), 0);

	/*
	 * A file on the way: -ENOTDIR; as the last component it is left as
	 * it is, with 0, as it always was (lfs_store_open() then finds it
	 * is no directory when it opens it).
	 */
	snprintf(path, sizeof(path), "%s/f", base);
	fd = open(path, O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
	ck_assert_int_ge(fd, 0);
	close(fd);
	ck_assert_int_eq(lfs_mkdir_p(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/f/x", base);
	ck_assert_int_eq(lfs_mkdir_p(path, 0755), -ENOTDIR);

	/* too long: a component, or the whole path (nothing made) */
	longp = malloc(PATH_MAX + 1);
	ck_assert_ptr_nonnull(longp);
	snprintf(longp, PATH_MAX + 1, "%s/", base);
	memset(longp + strlen(longp), 'c', NAME_MAX + 1);
	longp[strlen(base) + 1 + NAME_MAX + 1] = '\0';
	ck_assert_int_eq(lfs_mkdir_p(longp, 0755), -ENAMETOOLONG);
	snprintf(longp, PATH_MAX + 1, "%s/big/", base);
	memset(longp + strlen(longp), 'd', PATH_MAX - strlen(longp));
	longp[PATH_MAX] = '\0';
	ck_assert_int_eq(lfs_mkdir_p(longp, 0755), -ENAMETOOLONG);
	ck_assert_int_eq(exists("%s/big", base), 0);
	free(longp);
}
END_TEST

/* Writes the file ROOT/layers/@key/@name. */
static void put_at(const char *root, const char *key, const char *name)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/layers/%s/%s", root, key, name);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs("{", f);
	fclose(f);
}

/* tmpname.h: the names lfs_tmp_create() makes, and only those, are its. */
START_TEST(test_tmp_names)
{
	static const char *const not_tmp[] = {
		".meta.json.tmp", ".meta.json.0BADF00D.tmp",
		"meta.json.0badf00d.tmp", "..0badf00d.tmp", ".a.0badf00.tmp",
		".a.0badf00d.tmpx", ".a.0badf00d0.tmp", ".a-0badf00d.tmp",
		".a.0badf00g.tmp", "meta.json", ".tmp-layer", "",
	};
	char name[300], longname[300];
	size_t i;

	ck_assert_int_eq(lfs_tmp_name_make(name, sizeof(name), "meta.json",
					   0x0badf00d), 0);
	ck_assert_str_eq(name, ".meta.json.0badf00d.tmp");
	ck_assert_int_eq(lfs_tmp_name_is(name), 1);
	ck_assert_int_eq(lfs_tmp_name_make(name, sizeof(name), "a/b/view.json",
					   0), 0);
	ck_assert_str_eq(name, "a/b/.view.json.00000000.tmp");
	ck_assert_int_eq(lfs_tmp_name_is(name + 4), 1);
	ck_assert_int_eq(lfs_tmp_name_is(name), 0);	/* a path */
	memset(longname, 'x', 255);
	longname[255] = '\0';
	ck_assert_int_eq(lfs_tmp_name_make(name, sizeof(name), longname,
					   0xffffffff), 0);
	ck_assert_uint_eq(strlen(name), 255);	/* cut to fit NAME_MAX */
	ck_assert_int_eq(lfs_tmp_name_is(name), 1);
	ck_assert_int_eq(lfs_tmp_name_make(name, 20, longname, 1),
			 -ENAMETOOLONG);
	for (i = 0; i < N(not_tmp); i++)
		ck_assert_msg(!lfs_tmp_name_is(not_tmp[i]), "%s", not_tmp[i]);
}
END_TEST

/*
 * A crash between the temporary file of a record and its rename leaves
 * it in ROOT/layers/KEY; the discard of an unchanged upper (umount, a
 * failed commit or mount) removed diff and then failed on the directory
 * (ENOTEMPTY) until prune.  Now the store's own temporary names go with
 * it, and only those: any other name keeps the directory.
 */
START_TEST(test_discard_tmp_leftover)
{
	struct lfs_store st = LFS_STORE_INIT;
	struct lfs_err why = LFS_ERR_INIT;
	char root[128], key[LFS_KEY_LEN + 1], k2[LFS_KEY_LEN + 1];
	char name[64], *diff = NULL, *d2 = NULL;

	snprintf(root, sizeof(root), "%s/s", tmp);
	ck_assert_int_eq(lfs_store_open(&st, root, 1, &why), 0);
	ck_assert_int_eq(lfs_store_layer_create(&st, key, &diff, &why), 0);
	ck_assert_int_eq(lfs_tmp_name_make(name, sizeof(name), "meta.json",
					   0x12345678), 0);
	put_at(root, key, name);
	ck_assert_int_eq(lfs_store_layer_discard(&st, key), 0);
	ck_assert_int_eq(exists("%s/layers/%s", root, key), 0);

	ck_assert_int_eq(lfs_store_layer_create(&st, k2, &d2, &why), 0);
	put_at(root, k2, name);
	put_at(root, k2, ".meta.json.tmp");	/* not the helper's */
	ck_assert_int_eq(lfs_store_layer_discard(&st, k2), -ENOTEMPTY);
	ck_assert_int_eq(exists("%s/layers/%s/.meta.json.tmp", root, k2), 1);
	free(diff);
	free(d2);
	lfs_store_close(&st);
}
END_TEST

/*
 * import, load and pull extract into ROOT/layers/.new-KEY and rename it
 * KEY only once the files are all there: a KEY without a record is an
 * upper whose changes prune keeps without -f, a .new-KEY is garbage.
 */
START_TEST(test_store_layer_new_publish)
{
	struct lfs_store st = LFS_STORE_INIT;
	struct lfs_err why = LFS_ERR_INIT;
	char root[128], want[256], key[LFS_KEY_LEN + 1], k2[LFS_KEY_LEN + 1];
	char *diff = NULL, *d2 = NULL;

	snprintf(root, sizeof(root), "%s/n", tmp);
	ck_assert_int_eq(lfs_store_open(&st, root, 1, &why), 0);
	ck_assert_int_eq(lfs_store_layer_create_new(&st, key, &diff, &why), 0);
	ck_assert_int_eq(lfs_key_valid(key), 1);
	snprintf(want, sizeof(want), "%s/layers/.new-%s/diff", root, key);
	ck_assert_str_eq(diff, want);
	ck_assert_int_eq(exists("%s/layers/.new-%s/diff", root, key), 1);
	ck_assert_int_eq(exists("%s/layers/%s", root, key), 0);
	snprintf(want, sizeof(want), ".new-%s", key);
	put_at(root, want, "f");	/* a file: it moves with the directory */

	ck_assert_int_eq(lfs_store_layer_publish(&st, key, &diff, &why), 0);
	snprintf(want, sizeof(want), "%s/layers/%s/diff", root, key);
	ck_assert_str_eq(diff, want);
	ck_assert_int_eq(exists("%s/layers/%s/diff", root, key), 1);
	ck_assert_int_eq(exists("%s/layers/%s/f", root, key), 1);
	ck_assert_int_eq(exists("%s/layers/.new-%s", root, key), 0);
	/* not twice */
	ck_assert_int_eq(lfs_store_layer_publish(&st, key, &diff, &why), -ENOENT);

	/* one never published: removed by its KEY */
	ck_assert_int_eq(lfs_store_layer_create_new(&st, k2, &d2, &why), 0);
	ck_assert_int_eq(lfs_store_layer_remove(&st, k2, &why), 0);
	ck_assert_int_eq(exists("%s/layers/.new-%s", root, k2), 0);
	ck_assert_int_eq(lfs_store_layer_remove(&st, key, &why), 0);
	ck_assert_int_eq(exists("%s/layers/%s", root, key), 0);

	ck_assert_str_eq(lfs_store_hidden_key(".new-0123456789abcdef0123456789abcdef"),
			 "0123456789abcdef0123456789abcdef");
	ck_assert_str_eq(lfs_store_hidden_key(".rm-0123456789abcdef0123456789abcdef"),
			 "0123456789abcdef0123456789abcdef");
	ck_assert_ptr_null(lfs_store_hidden_key("0123456789abcdef0123456789abcdef"));
	ck_assert_ptr_null(lfs_store_hidden_key(".new-x"));
	ck_assert_ptr_null(lfs_store_hidden_key(".old-0123456789abcdef0123456789abcdef"));
	free(diff);
	free(d2);
	lfs_store_close(&st);
}
END_TEST

/*
 * dirguard.c: what the watcher deletes when its caller dies (its socket
 * closed without the end): the names still guarded that are still the
 * directories they were; nothing once the caller ended the watch.
 */
START_TEST(test_dirguard)
{
	struct lfs_dirguard g = LFS_DIRGUARD_INIT;
	char base[256];
	int dfd, st;

	snprintf(base, sizeof(base), "%s/g", tmp);
	ck_assert_int_eq(mkdir(base, 0700), 0);
	dfd = open(base, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	ck_assert_int_ge(dfd, 0);
	ck_assert_int_eq(mkdirat(dfd, "a", 0700), 0);
	ck_assert_int_eq(mkdirat(dfd, "a/sub", 0700), 0);
	ck_assert_int_eq(mkdirat(dfd, "b", 0700), 0);
	ck_assert_int_eq(mkdirat(dfd, "c", 0700), 0);
	ck_assert_int_eq(mkdirat(dfd, "d\nx", 0700), 0);

	ck_assert_int_eq(lfs_dirguard_start(&g, dfd, -1), 0);
	ck_assert_int_eq(lfs_dirguard_add(&g, "a"), 0);
	ck_assert_int_eq(lfs_dirguard_add(&g, "b"), 0);
	ck_assert_int_eq(lfs_dirguard_add(&g, "c"), 0);
	ck_assert_int_eq(lfs_dirguard_add(&g, "d\nx"), 0);
	ck_assert_int_eq(lfs_dirguard_add(&g, "a/sub"), -EINVAL);
	lfs_dirguard_let_go(&g, "b");
	/* c is another directory now (both live at once: another inode) */
	ck_assert_int_eq(mkdirat(dfd, "x", 0700), 0);
	ck_assert_int_eq(renameat(dfd, "x", dfd, "c"), 0);
	/* the caller "dies": its end closed without the end message */
	close(g.fd);
	ck_assert_int_eq(waitpid(g.pid, &st, 0), g.pid);
	ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	g.fd = -1;
	g.pid = -1;
	lfs_dirguard_end(&g);		/* its dup of the directory */
	ck_assert_int_eq(exists("%s/a", base), 0);
	ck_assert_int_eq(exists("%s/d\nx", base), 0);
	ck_assert_int_eq(exists("%s/b", base), 1);
	ck_assert_int_eq(exists("%s/c", base), 1);

	/* ended: nothing deleted */
	ck_assert_int_eq(lfs_dirguard_start(&g, dfd, -1), 0);
	ck_assert_int_eq(lfs_dirguard_add(&g, "b"), 0);
	lfs_dirguard_end(&g);
	ck_assert_int_eq(g.pid, -1);
	ck_assert_int_eq(exists("%s/b", base), 1);
	lfs_dirguard_end(&g);		/* twice: nothing */
	close(dfd);
}
END_TEST

START_TEST(test_store_files)
{
	struct lfs_store st = LFS_STORE_INIT;
	struct lfs_meta_list l = LFS_META_LIST_INIT;
	struct lfs_meta *m, back;
	struct lfs_view_meta vm = { 0 }, vback;
	char root[128], path[1024];
	struct lfs_err why = LFS_ERR_INIT;
	char key[LFS_KEY_LEN + 1], k2[LFS_KEY_LEN + 1], vkey[LFS_KEY_LEN + 1];
	char *diff = NULL, *d2 = NULL, *work = NULL;
	uint64_t size, files;
	FILE *f;

	snprintf(root, sizeof(root), "%s/a/b", tmp);
	ck_assert_int_eq(lfs_store_open(&st, root, 0, &why), -ENOENT);
	ck_assert_int_eq(lfs_store_open(&st, "rel", 1, &why), -EINVAL);
	ck_assert_str_eq(why.msg, "not an absolute path");
	ck_assert_int_eq(lfs_store_open(&st, root, 1, &why), 0);
	ck_assert_str_eq(st.root, root);

	ck_assert_int_eq(lfs_store_layer_create(&st, key, &diff, &why), 0);
	ck_assert_int_eq(lfs_key_valid(key), 1);
	ck_assert_int_eq(exists("%s/layers/%s/diff", root, key), 1);
	ck_assert_int_eq(lfs_store_layer_create(&st, k2, &d2, &why), 0);
	ck_assert_str_ne(key, k2);

	/* Contents, for the usage count. */
	f = fopen(strcat(strcpy(path, diff), "/f"), "w");
	ck_assert_ptr_nonnull(f);
	fputs("hello", f);
	fclose(f);
	ck_assert_int_eq(mkdir(strcat(strcpy(path, diff), "/d"), 0755), 0);
	ck_assert_int_eq(symlink("f", strcat(strcpy(path, diff), "/d/l")), 0);
	ck_assert_int_eq(lfs_store_usage(diff, &size, &files), 0);
	ck_assert_uint_eq(size, 6);
	ck_assert_uint_eq(files, 2);

	/* Only a layer with meta.json is listed. */
	m = meta_new("app:1", key, NULL, 10);
	free(m->diff);
	m->diff = strdup(diff);
	m->flags = LAYERFS_LAYER_F_FROZEN;
	ck_assert_int_eq(lfs_store_layer_write_meta(&st, m, &why), 0);
	/* No temporary file left: diff and the record only. */
	{
		char **names;
		size_t n;
		int kfd = openat(st.layers_fd, key, O_RDONLY | O_DIRECTORY |
				 O_CLOEXEC);

		ck_assert_int_ge(kfd, 0);
		ck_assert_int_eq(lfs_dir_names(kfd, &names, &n), 0);
		close(kfd);
		ck_assert_uint_eq(n, 2);
		ck_assert_str_eq(names[0], "diff");
		ck_assert_str_eq(names[1], "meta.json");
		free(names[0]);
		free(names[1]);
		free(names);
	}
	ck_assert_int_eq(lfs_store_layer_read_meta(&st, key, &back, &why), 0);
	ck_assert_str_eq(back.ref, "app:1");
	lfs_meta_free(&back);
	ck_assert_int_eq(lfs_store_layer_read_meta(&st, k2, &back, &why), -ENOENT);
	ck_assert_int_eq(lfs_store_layer_list(&st, &l, &why), 0);
	ck_assert_uint_eq(l.n, 1);
	ck_assert_uint_eq(l.bad.n, 0);
	/* Usage is computed once and cached for a frozen layer. */
	ck_assert_int_eq(lfs_store_layer_usage(&st, l.v[0]), 0);
	ck_assert_uint_eq(l.v[0]->size, 6);
	lfs_meta_list_free(&l);
	ck_assert_int_eq(lfs_store_layer_read_meta(&st, key, &back, &why), 0);
	ck_assert_int_eq(back.has_usage, 1);
	ck_assert_uint_eq(back.files, 2);
	lfs_meta_free(&back);

	/* A broken record is reported, not fatal. */
	f = fopen(strcat(strcat(strcat(strcat(strcpy(path, root), "/layers/"), k2), "/"),
		  "meta.json"), "w");
	ck_assert_ptr_nonnull(f);
	fputs("{", f);
	fclose(f);
	ck_assert_int_eq(lfs_store_layer_list(&st, &l, &why), 0);
	ck_assert_uint_eq(l.n, 1);
	ck_assert_uint_eq(l.bad.n, 1);
	lfs_meta_list_free(&l);

	/* Views. */
	ck_assert_int_eq(lfs_store_view_create(&st, vkey, &work, &why), 0);
	ck_assert_int_eq(exists("%s/views/%s/work", root, vkey), 1);
	vm.key = vkey;
	vm.upper_key = k2;
	vm.mountpoint = (char *)"/mnt";
	ck_assert_int_eq(lfs_store_view_write_meta(&st, &vm, &why), 0);
	ck_assert_int_eq(lfs_store_view_find(&st, work, &vback), 0);
	ck_assert_str_eq(vback.upper_key, k2);
	lfs_view_meta_free(&vback);
	ck_assert_int_eq(lfs_store_view_find(&st, "/elsewhere/work", &vback), -ENOENT);
	ck_assert_int_eq(lfs_store_view_remove(&st, vkey), 0);
	ck_assert_int_eq(exists("%s/views/%s", root, vkey), 0);

	/* Removal takes the record and the files. */
	ck_assert_int_eq(lfs_store_layer_remove(&st, key, &why), 0);
	ck_assert_int_eq(exists("%s/layers/%s", root, key), 0);
	ck_assert_int_eq(exists("%s/layers/.rm-%s", root, key), 0);
	/* Discard only takes an empty new layer. */
	ck_assert_int_eq(lfs_store_layer_discard(&st, k2), -ENOTEMPTY);
	ck_assert_int_eq(unlink(strcat(strcat(strcat(strcpy(path, root), "/layers/"), k2),
				       "/meta.json")), 0);
	ck_assert_int_eq(lfs_store_layer_discard(&st, k2), 0);
	ck_assert_int_eq(exists("%s/layers/%s", root, k2), 0);

	meta_del(m);
	free(diff);
	free(d2);
	free(work);
	lfs_store_close(&st);
}
END_TEST

/* ---- msg.c: VIEW_COMMIT and BASE ---- */

START_TEST(test_msg_commit_request)
{
	const struct lfs_layer l = { .name = "gakki/mytomcat:1.1",
				     .author = "liuzhuo", .message = "m" };
	struct nlattr *top[LAYERFS_A_MAX + 1];
	struct nlattr *vt[LAYERFS_VIEW_A_MAX + 1];
	struct nlattr *lt[LAYERFS_LAYER_A_MAX + 1];
	struct genlmsghdr *gh;
	struct nl_msg *msg;

	msg = lfs_msg_view_commit(FAMILY, 9, "/s/layers/x/diff", &l);
	ck_assert_ptr_nonnull(msg);
	gh = nlmsg_data(nlmsg_hdr(msg));
	ck_assert_uint_eq(gh->cmd, LAYERFS_CMD_VIEW_COMMIT);
	ck_assert_uint_eq(nlmsg_hdr(msg)->nlmsg_flags & NLM_F_DUMP, 0);
	ck_assert_int_eq(genlmsg_parse(nlmsg_hdr(msg), 0, top, LAYERFS_A_MAX,
				       NULL), 0);
	ck_assert_ptr_nonnull(top[LAYERFS_A_VIEW]);
	ck_assert_uint_ne(top[LAYERFS_A_VIEW]->nla_type & NLA_F_NESTED, 0);
	ck_assert_int_eq(nla_parse_nested(vt, LAYERFS_VIEW_A_MAX,
					  top[LAYERFS_A_VIEW], NULL), 0);
	ck_assert_uint_eq(nla_get_u64(vt[LAYERFS_VIEW_A_ID]), 9);
	ck_assert_str_eq(nla_data(vt[LAYERFS_VIEW_A_NEW_UPPER]), "/s/layers/x/diff");
	ck_assert_ptr_null(vt[LAYERFS_VIEW_A_UPPER]);
	ck_assert_int_eq(nla_parse_nested(lt, LAYERFS_LAYER_A_MAX,
					  top[LAYERFS_A_LAYER], NULL), 0);
	ck_assert_str_eq(nla_data(lt[LAYERFS_LAYER_A_NAME]), "gakki/mytomcat:1.1");
	ck_assert_str_eq(nla_data(lt[LAYERFS_LAYER_A_AUTHOR]), "liuzhuo");
	ck_assert_ptr_null(lt[LAYERFS_LAYER_A_PATH]);
	ck_assert_ptr_null(lt[LAYERFS_LAYER_A_BASE]);
	ck_assert_ptr_null(lt[LAYERFS_LAYER_A_FLAGS]);
	nlmsg_free(msg);
}
END_TEST

START_TEST(test_msg_base_round_trip)
{
	const uint64_t ids[3] = { 7, 1ULL << 40, 3 };
	struct lfs_layer in = { .has = LFS_HAS_ID, .id = 8, .name = "n",
				.path = "/p", .base = ids, .nbase = 3 };
	struct lfs_layer out, *dup;
	struct lfs_err why = LFS_ERR_INIT;
	struct nl_msg *msg;

	msg = lfs_msg_request(FAMILY, LAYERFS_CMD_VIEW_COMMIT, 0, &in);
	ck_assert_ptr_nonnull(msg);
	ck_assert_int_eq(lfs_msg_parse_layer(nlmsg_hdr(msg), FAMILY,
					     LAYERFS_CMD_VIEW_COMMIT, &out, &why), 0);
	ck_assert_uint_eq(out.nbase, 3);
	ck_assert_uint_eq(lfs_layer_base_id(&out, 0), 7);
	ck_assert_uint_eq(lfs_layer_base_id(&out, 1), 1ULL << 40);
	ck_assert_uint_eq(lfs_layer_base_id(&out, 2), 3);
	{
		struct lfs_buf b = LFS_BUF_INIT;
		struct lfs_json j;

		lfs_json_init(&j, &b);
		lfs_json_layer(&j, &out);
		ck_assert_ptr_nonnull(strstr(lfs_buf_str(&b),
					     ",\"base_ids\":[7,1099511627776,3]}"));
		lfs_buf_free(&b);
	}
	dup = lfs_layer_dup(&out);
	nlmsg_free(msg);	/* the copy owns its BASE */
	ck_assert_ptr_nonnull(dup);
	ck_assert_uint_eq(dup->nbase, 3);
	ck_assert_uint_eq(lfs_layer_base_id(dup, 1), 1ULL << 40);
	ck_assert_str_eq(dup->name, "n");
	free(dup);
}
END_TEST

START_TEST(test_msg_base_bad_length)
{
	struct lfs_layer in = { .has = LFS_HAS_ID, .id = 8, .name = "n",
				.path = "/p" };
	struct nlattr *nest;
	struct lfs_layer out;
	struct lfs_err why = LFS_ERR_INIT;
	struct nl_msg *msg;

	msg = nlmsg_alloc();
	ck_assert_ptr_nonnull(genlmsg_put(msg, 0, 0, FAMILY, 0, 0,
					  LAYERFS_CMD_LAYER_GET, 1));
	nest = nla_nest_start(msg, LAYERFS_A_LAYER | NLA_F_NESTED);
	nla_put_u64(msg, LAYERFS_LAYER_A_ID, in.id);
	nla_put_string(msg, LAYERFS_LAYER_A_NAME, in.name);
	nla_put_string(msg, LAYERFS_LAYER_A_PATH, in.path);
	nla_put(msg, LAYERFS_LAYER_A_BASE, 12, "123456789012");
	nla_nest_end(msg, nest);
	ck_assert_int_eq(lfs_msg_parse_layer(nlmsg_hdr(msg), FAMILY, 0, &out,
					     &why), -EBADMSG);
	ck_assert_ptr_nonnull(strstr(why.msg, "attribute BASE has 12 bytes"));
	nlmsg_free(msg);
}
END_TEST

/* ---- commands end to end ---- */

static struct run_result r;
static int run_interactive;		/* ctx.interactive */
static const char *run_input;		/* ctx.in, if set */
static uint64_t run_now;		/* ctx.now_ns, if set (else NOW) */

/* Runs layerctl --store TMP with the NULL-terminated @args. */
static void run(const char *const *args)
{
	const char *argv[32] = { "--store", tmp };
	struct lfs_ctx ctx = { .now_ns = run_now ? run_now : NOW,
			       .interactive = run_interactive };
	int argc = 2;

	while (*args) {
		ck_assert_int_lt(argc, 31);
		argv[argc++] = *args++;
	}
	argv[argc] = NULL;
	fake_nl.opens = fake_nl.requests = 0;
	fake_sys.mounts = 0;
	if (run_input)
		ctx.in = input_of(run_input, strlen(run_input) + 1);
	run_layerctl(&r, &ctx, argv);
}

#define RUN(...) run((const char *const[]){ __VA_ARGS__, NULL })

static void cmd_teardown(void)
{
	tmp_teardown();
	run_result_free(&r);
	run_interactive = 0;
	run_input = NULL;
}

/* A stored upper and its view, as `layerctl mount REF MNT` leaves them. */
static char upper[256], work[256];
static const char *tomcat[] = { "tomcat:9" };

static void store_view(struct lfs_view_part *p)
{
	struct lfs_store st = LFS_STORE_INIT;
	char key[LFS_KEY_LEN + 1], vkey[LFS_KEY_LEN + 1], *u, *w;

	ck_assert_int_eq(lfs_store_open(&st, tmp, 1, NULL), 0);
	ck_assert_int_eq(lfs_store_layer_create(&st, key, &u, NULL), 0);
	ck_assert_int_eq(lfs_store_view_create(&st, vkey, &w, NULL), 0);
	{
		struct lfs_view_meta vm = { vkey, (char *)"/mnt", (char *)"tomcat:9",
					    key, 1, 0, 0, NULL };

		ck_assert_int_eq(lfs_store_view_write_meta(&st, &vm, NULL), 0);
	}
	snprintf(upper, sizeof(upper), "%s", u);
	snprintf(work, sizeof(work), "%s", w);
	free(u);
	free(w);
	lfs_store_close(&st);
	memset(p, 0, sizeof(*p));
	p->id = 4;
	p->dev = 1;
	p->source = "layerfs";
	p->image = "tomcat:9";
	p->upper = upper;
	p->work = work;
	p->nlayers = 1;
	p->names = tomcat;
	p->nnames = 1;
}

/*
 * store_view() as `layerctl umount TMP` finds it: mounted on the store's
 * filesystem (its dev), the one view the module lists; with @gone, the
 * umount takes it off that list.
 */
static void umount_view(struct lfs_view_part *p, int gone)
{
	struct stat sb;

	store_view(p);
	ck_assert_int_eq(stat(tmp, &sb), 0);
	p->dev = lfs_dev_encode(major(sb.st_dev), minor(sb.st_dev));
	fake_nl.view_parts[0] = p;
	fake_nl.n_view_parts = 1;
	fake_sys.umount_clears_views = gone;
}

static size_t count_layers(void)
{
	struct lfs_store st = LFS_STORE_INIT;
	struct lfs_meta_list l = LFS_META_LIST_INIT;
	size_t n;

	ck_assert_int_eq(lfs_store_open(&st, tmp, 0, NULL), 0);
	ck_assert_int_eq(lfs_store_layer_list(&st, &l, NULL), 0);
	n = l.n;
	lfs_meta_list_free(&l);
	lfs_store_close(&st);
	return n;
}

static size_t count_dirs(void)
{
	char cmd[128];
	FILE *p;
	size_t n = 0;
	int c;

	snprintf(cmd, sizeof(cmd), "ls -A '%s/layers' 2>/dev/null", tmp);
	p = popen(cmd, "r");
	while ((c = fgetc(p)) != EOF)
		n += c == '\n';
	pclose(p);
	return n;
}

START_TEST(test_commit_store_view)
{
	struct lfs_view_part p;
	struct lfs_store st = LFS_STORE_INIT;
	struct lfs_meta m;
	char key[LFS_KEY_LEN + 1];

	static const struct lfs_layer tomcat9 = {
		.has = LFS_HAS_ID | LFS_HAS_CREATED, .id = 1, .created = 5,
		.name = "tomcat:9", .path = "/srv/tomcat", .author = "apache" };

	store_view(&p);
	fake_nl.view_parts[0] = &p;
	fake_nl.n_view_parts = 1;
	fake_nl.commit_path = upper;
	fake_nl.commit_parent = "tomcat:9";
	fake_nl.layers[0] = &tomcat9;
	fake_nl.n_layers = 1;
	RUN("commit", "4", "gakki/mytomcat:1.1", "-a", "liuzhuo", "-m",
	    "del tomcat docs");
	ck_assert_msg(r.rc == 0, "%s", r.err);
	/* The fake kernel does not know the new layer: no index for it. */
	ck_assert_str_eq(r.err, "layerctl: layer 'gakki/mytomcat:1.1': not indexed, views walk its layers: no such layer (No such file or directory)\n");
	ck_assert_int_eq(fake_nl.commits, 1);
	ck_assert_uint_eq(fake_nl.commit_view, 4);
	ck_assert_str_eq(fake_nl.commit_req->name, "gakki/mytomcat:1.1");
	ck_assert_str_eq(fake_nl.commit_req->author, "liuzhuo");
	ck_assert_ptr_null(fake_nl.commit_req->path);
	/* The new upper is a fresh store layer directory. */
	ck_assert_ptr_nonnull(fake_nl.commit_new_upper);
	ck_assert_int_eq(lfs_store_path_key(tmp, fake_nl.commit_new_upper, key), 1);
	ck_assert_int_eq(exists("%s", fake_nl.commit_new_upper), 1);
	/* The old upper's directory got its record. */
	ck_assert_int_eq(lfs_store_path_key(tmp, upper, key), 1);
	ck_assert_int_eq(lfs_store_open(&st, tmp, 0, NULL), 0);
	ck_assert_int_eq(lfs_store_layer_read_meta(&st, key, &m, NULL), 0);
	ck_assert_str_eq(m.ref, "gakki/mytomcat:1.1");
	ck_assert_str_eq(m.parent, "tomcat:9");
	ck_assert_str_eq(m.diff, upper);
	ck_assert_str_eq(m.message, "del tomcat docs");
	ck_assert_uint_eq(m.flags, LAYERFS_LAYER_F_FROZEN);
	lfs_meta_free(&m);
	lfs_store_close(&st);
	ck_assert_ptr_nonnull(strstr(r.out, key));

	/* images and history read the record back. */
	RUN("images");
	ck_assert_int_eq(r.rc, 0);
	ck_assert_ptr_nonnull(strstr(r.out, "gakki/mytomcat:1.1"));
	ck_assert_ptr_nonnull(strstr(r.out, "0B"));
	/* The parent, added in place before, was recorded by the commit. */
	RUN("history", "gakki/mytomcat:1.1", "--json");
	ck_assert_msg(r.rc == 0, "%s", r.err);
	ck_assert_ptr_nonnull(strstr(r.out, "\"ref\":\"tomcat:9\",\"key\":"));
	ck_assert_ptr_nonnull(strstr(r.out, "\"author\":\"apache\""));
	ck_assert_ptr_nonnull(strstr(r.out, "\"diff\":\"/srv/tomcat\""));
	ck_assert_uint_eq(count_layers(), 2);
	/* A parent the store does not have and the registry neither. */
	fake_nl.n_layers = 0;
	RUN("rm", "gakki/mytomcat:1.1");
	ck_assert_msg(r.rc == 0, "%s", r.err);
	RUN("rm", "tomcat:9");
	ck_assert_msg(r.rc == 0, "%s", r.err);
	ck_assert_uint_eq(count_layers(), 0);
	RUN("history", "nope");
	ck_assert_str_eq(r.err, "layerctl: image 'nope': not in the store (No such file or directory)\n");
}
END_TEST

/* The parent layer of the views the commit and umount tests make. */
static const struct lfs_layer store_tomcat9 = {
	.has = LFS_HAS_ID | LFS_HAS_CREATED, .id = 1, .created = 5,
	.name = "tomcat:9", .path = "/srv/tomcat" };

/*
 * A commit whose layer cannot be indexed says so where errors go (in a
 * batch after "batch line N: "), in the error model: the reason, then
 * the errno's text once, and goes on.  Here the fake kernel does not
 * know the new layer.
 */
/* Commits store view 4 of tomcat:9 (store_view()) as app:1. */
static void commit_app1(struct lfs_view_part *p)
{
	store_view(p);
	fake_nl.view_parts[0] = p;
	fake_nl.n_view_parts = 1;
	fake_nl.commit_path = upper;
	fake_nl.commit_parent = "tomcat:9";
	fake_nl.layers[0] = &store_tomcat9;
	fake_nl.n_layers = 1;
	RUN("commit", "4", "app:1");
	ck_assert_msg(r.rc == 0, "%s", r.err);
}

START_TEST(test_commit_index_warning)
{
	struct lfs_view_part p;

	commit_app1(&p);
	ck_assert_str_eq(r.err, "layerctl: layer 'app:1': not indexed, views walk its layers: no such layer (No such file or directory)\n");
}
END_TEST

/*
 * A failed allocation in the store's commands, at each allocation in
 * turn (run_nomem_lines()), and the errors it gives.
 */
START_TEST(test_store_nomem)
{
	static const char *const images[] = { "images", NULL };
	static const char *const history[] = { "history", "app:1", NULL };
	static const char *const restore[] = { "restore", "--views", NULL };
	static const char *const mount[] = { "mount", "-o", "nodev", "--layer",
					     "tomcat:9", "/mnt/x", NULL };
	static const char *const prune[] = { "prune", NULL };
	static const char *const view[] = { "mount", "tomcat:9", "/mnt/y",
					    NULL };
	static const char *const commit[] = { "commit", "4", "app:9", NULL };
	char want[PATH_MAX + 128], want2[PATH_MAX + 128];
	struct lfs_view_part p;

	commit_app1(&p);
	snprintf(want, sizeof(want),
		 "layerctl: store '%s': cannot list its images (Cannot allocate memory)",
		 tmp);
	run_nomem_want(run, &r, images, (const char *const[]){ want,
		"layerctl: command 'images': cannot make its output (Cannot allocate memory)",
		NULL });
	run_nomem_want(run, &r, history, (const char *const[]){
		"layerctl: image 'app:1': cannot read its history (Cannot allocate memory)",
		NULL });
	snprintf(want2, sizeof(want2),
		 "layerctl: store '%s': cannot order its layers (Cannot allocate memory)",
		 tmp);
	run_nomem_want(run, &r, restore, (const char *const[]){ want2, NULL });
	run_nomem_want(run, &r, mount, (const char *const[]){
		"layerctl: mount: option '-o nodev': cannot keep it (Cannot allocate memory)",
		"layerctl: mount: option '--layer tomcat:9': cannot keep it (Cannot allocate memory)",
		NULL });
	/* (a store view: its upper's name is random, the model is checked) */
	run_nomem_want(run, &r, view, (const char *const[]){ NULL });
	snprintf(want, sizeof(want),
		 "layerctl: layer 'app:9': cannot write '%s/refs/app:9' (Cannot allocate memory)",
		 tmp);
	run_nomem_want(run, &r, commit, (const char *const[]){ want, NULL });
	run_nomem_want(run, &r, prune, (const char *const[]){
		"layerctl: prune: view '4': cannot note its directories (Cannot allocate memory)",
		NULL });
}
END_TEST

/*
 * Another commit of the same store view, right after this one in the
 * kernel (the view's upper moves on to a third directory and its image to
 * that commit's layer), whose process wrote the view's record first.
 */
static struct lfs_view_part *after_view;
static char after_upper[256];

static void commit_after(void)
{
	struct lfs_store st = LFS_STORE_INIT;
	struct lfs_view_meta vm;
	char key[LFS_KEY_LEN + 1], *nu;

	ck_assert_int_eq(lfs_store_open(&st, tmp, 0, NULL), 0);
	ck_assert_int_eq(lfs_store_layer_create(&st, key, &nu, NULL), 0);
	snprintf(after_upper, sizeof(after_upper), "%s", nu);
	free(nu);
	after_view->upper = after_upper;
	after_view->image = "other:2";
	ck_assert_int_eq(lfs_store_view_find(&st, work, &vm), 0);
	free(vm.upper_key);
	vm.upper_key = strdup(key);
	free(vm.image);
	vm.image = strdup("other:2");
	vm.commits++;
	ck_assert_int_eq(lfs_store_view_write_meta(&st, &vm, NULL), 0);
	lfs_view_meta_free(&vm);
	lfs_store_close(&st);
}

/*
 * Commits of one view run one after the other in the kernel, but their
 * processes write the view's record in either order: it must name the
 * upper and the image the view has then (restore --views mounts the view
 * again from it; umount gives back the upper it names).
 */
START_TEST(test_commit_view_record_order)
{
	struct lfs_view_part p;
	struct lfs_store st = LFS_STORE_INIT;
	struct lfs_view_meta vm;
	char key[LFS_KEY_LEN + 1];

	store_view(&p);
	after_view = &p;
	fake_nl.view_parts[0] = &p;
	fake_nl.n_view_parts = 1;
	fake_nl.commit_path = upper;
	fake_nl.commit_parent = "tomcat:9";
	fake_nl.layers[0] = &store_tomcat9;
	fake_nl.n_layers = 1;
	fake_nl.commit_hook = commit_after;
	RUN("commit", "4", "app:1");
	ck_assert_msg(r.rc == 0, "%s", r.err);
	ck_assert_int_eq(lfs_store_open(&st, tmp, 0, NULL), 0);
	ck_assert_int_eq(lfs_store_view_find(&st, work, &vm), 0);
	ck_assert_int_eq(lfs_store_path_key(tmp, after_upper, key), 1);
	ck_assert_str_eq(vm.upper_key, key);
	ck_assert_str_eq(vm.image, "other:2");
	ck_assert_uint_eq(vm.commits, 2);
	lfs_view_meta_free(&vm);
	lfs_store_close(&st);
}
END_TEST

START_TEST(test_commit_refused)
{
	struct lfs_view_part p;
	size_t before;

	store_view(&p);
	fake_nl.view_parts[0] = &p;
	fake_nl.n_view_parts = 1;
	before = count_dirs();
	fake_nl.commit_err = -EEXIST;
	fake_nl.commit_extack = "a layer of that name exists";
	RUN("commit", "4", "dup:1");
	ck_assert_int_eq(r.rc, 1);
	ck_assert_str_eq(r.err, "layerctl: view '4': a layer of that name exists (File exists)\n");
	ck_assert_str_eq(r.out, "");
	/* The new upper is gone again; nothing was recorded. */
	ck_assert_uint_eq(count_dirs(), before);
	ck_assert_uint_eq(count_layers(), 0);

	fake_nl.commit_err = 0;
	RUN("commit", "5", "x:1");
	ck_assert_str_eq(r.err, "layerctl: view '5': no such view (No such file or directory)\n");
	ck_assert_int_eq(fake_nl.commits, 1);
	RUN("commit", tmp, "x:1");
	ck_assert_int_eq(r.rc, 1);
	ck_assert_ptr_nonnull(strstr(r.err, "': not a layerfs view (Invalid argument)\n"));
	RUN("commit", "4", "Bad");
	ck_assert_ptr_nonnull(strstr(r.err, "layerctl: layer 'Bad': invalid name"));
	RUN("commit", "4");
	ck_assert_ptr_nonnull(strstr(r.err, "layerctl: commit: missing REF\n"));
	ck_assert_int_eq(fake_nl.commits, 1);
	p.upper = p.work = NULL;
	RUN("commit", "4", "x:1");
	ck_assert_str_eq(r.err, "layerctl: view '4': read-only view, nothing to commit (Read-only file system)\n");
	ck_assert_int_eq(fake_nl.commits, 1);
	RUN("commit", "--help");
	ck_assert_int_eq(r.rc, 0);
	ck_assert_ptr_nonnull(strstr(r.out, "Usage: layerctl commit MOUNTPOINT|VIEWID REF"));
}
END_TEST

START_TEST(test_commit_external_upper)
{
	struct lfs_view_part p = { .id = 2, .dev = 1, .source = "s",
				   .nlayers = 1, .names = tomcat, .nnames = 1 };
	char u[256], w[256], sib[300];
	struct stat st;

	snprintf(u, sizeof(u), "%s/u", tmp);
	snprintf(w, sizeof(w), "%s/w", tmp);
	ck_assert_int_eq(mkdir(u, 0755), 0);
	ck_assert_int_eq(mkdir(w, 0755), 0);
	p.upper = u;
	p.work = w;
	fake_nl.view_parts[0] = &p;
	fake_nl.n_view_parts = 1;
	fake_nl.commit_path = u;
	RUN("commit", "2", "app:1", "--json");
	ck_assert_msg(r.rc == 0, "%s", r.err);
	ck_assert_ptr_nonnull(fake_nl.commit_new_upper);
	snprintf(sib, sizeof(sib), "%s/u@", tmp);
	ck_assert_msg(!strncmp(fake_nl.commit_new_upper, sib, strlen(sib)) &&
		      strlen(fake_nl.commit_new_upper) == strlen(sib) + 8,
		      "%s", fake_nl.commit_new_upper);
	ck_assert_int_eq(stat(fake_nl.commit_new_upper, &st), 0);
	ck_assert_ptr_nonnull(strstr(r.out, "\"new_upper\":\""));
	ck_assert_uint_eq(count_layers(), 1);
	/* The next commit of that view names its upper after "u" again. */
	p.upper = fake_nl.commit_new_upper;
	RUN("commit", "2", "app:2");
	ck_assert_msg(r.rc == 0, "%s", r.err);
	ck_assert_msg(!strncmp(fake_nl.commit_new_upper, sib, strlen(sib)),
		      "%s", fake_nl.commit_new_upper);
}
END_TEST

/* Writes a record as commit would. */
static void put_meta_origin(const char *ref, const char *parent,
			    const char *base, uint64_t created,
			    const char *origin)
{
	struct lfs_store st = LFS_STORE_INIT;
	char key[LFS_KEY_LEN + 1], *diff;
	struct lfs_meta *m;

	ck_assert_int_eq(lfs_store_open(&st, tmp, 1, NULL), 0);
	ck_assert_int_eq(lfs_store_layer_create(&st, key, &diff, NULL), 0);
	m = meta_new(ref, key, parent, created);
	free(m->diff);
	m->diff = diff;
	m->flags = LAYERFS_LAYER_F_FROZEN;
	if (base)
		ck_assert_int_eq(lfs_strv_push(&m->base, base), 0);
	m->origin = origin ? strdup(origin) : NULL;
	ck_assert_int_eq(lfs_store_layer_write_meta(&st, m, NULL), 0);
	meta_del(m);
	lfs_store_close(&st);
}

static void put_meta(const char *ref, const char *parent, const char *base,
		     uint64_t created)
{
	put_meta_origin(ref, parent, base, created, NULL);
}

/*
 * A layer name may have LAYERFS_NAME_MAX bytes; its record's entry in
 * ROOT/refs is a file of that name, written through a temporary file whose
 * name must fit NAME_MAX too.
 */
START_TEST(test_store_refs_long_name)
{
	struct lfs_store st = LFS_STORE_INIT;
	struct lfs_err why = LFS_ERR_INIT;
	char ref[LAYERFS_NAME_MAX + 1], key[LFS_KEY_LEN + 1];

	memset(ref, 'a', sizeof(ref) - 1);
	ref[sizeof(ref) - 1] = '\0';
	memcpy(ref + sizeof(ref) - 3, ":1", 2);
	ck_assert_ptr_null(lfs_name_check(ref));
	put_meta(ref, NULL, NULL, 1);
	ck_assert_int_eq(lfs_store_open(&st, tmp, 0, NULL), 0);
	ck_assert_int_eq(lfs_store_ref_find(&st, ref, key, &why), 1);
	ck_assert_int_eq(lfs_key_valid(key), 1);
	lfs_store_close(&st);
}
END_TEST

/*
 * ROOT/refs: one entry per record, written before it; a miss is trusted
 * only once the store has been read whole (the marker); a stale entry is
 * not believed.
 */
START_TEST(test_store_refs)
{
	struct lfs_store st = LFS_STORE_INIT;
	char name[LAYERFS_NAME_MAX + 1], key[LFS_KEY_LEN + 1];
	char akey[LFS_KEY_LEN + 1], path[1024];
	struct lfs_meta m;
	FILE *f;

	ck_assert_int_eq(lfs_ref_file_name("lib/app:1.0", name, sizeof(name)), 0);
	ck_assert_str_eq(name, "lib+app:1.0");
	ck_assert_int_eq(lfs_ref_file_name("a+b", name, sizeof(name)), -EINVAL);
	ck_assert_int_eq(lfs_ref_file_name("../x", name, sizeof(name)), -EINVAL);
	ck_assert_int_eq(lfs_ref_file_name("", name, sizeof(name)), -EINVAL);
	ck_assert_int_eq(lfs_ref_file_name("abc", name, 3), -EINVAL);

	put_meta("lib/app:1", NULL, NULL, 1);
	put_meta("b:1", "lib/app:1", "lib/app:1", 2);
	ck_assert_int_eq(exists("%s/refs/lib+app:1", tmp), 1);
	ck_assert_int_eq(exists("%s/refs/b:1", tmp), 1);
	ck_assert_int_eq(lfs_store_open(&st, tmp, 0, NULL), 0);
	ck_assert_int_eq(lfs_store_ref_get(&st, "lib/app:1", &m, NULL), 1);
	ck_assert_str_eq(m.ref, "lib/app:1");
	snprintf(akey, sizeof(akey), "%s", m.key);
	lfs_meta_free(&m);
	ck_assert_int_eq(lfs_store_ref_find(&st, "b:1", key, NULL), 1);
	ck_assert_str_ne(key, akey);

	/* No marker yet: a miss reads the whole store, then makes it. */
	ck_assert_int_eq(exists("%s/refs/.complete", tmp), 0);
	ck_assert_int_eq(lfs_store_ref_find(&st, "none:1", key, NULL), 0);
	ck_assert_int_eq(exists("%s/refs/.complete", tmp), 1);

	/* With the marker a miss is believed: no entry, no record. */
	snprintf(path, sizeof(path), "%s/refs/b:1", tmp);
	ck_assert_int_eq(unlink(path), 0);
	ck_assert_int_eq(lfs_store_ref_find(&st, "b:1", key, NULL), 0);
	/* Without it the store is read again and the entry comes back. */
	snprintf(path, sizeof(path), "%s/refs/.complete", tmp);
	ck_assert_int_eq(unlink(path), 0);
	ck_assert_int_eq(lfs_store_ref_find(&st, "b:1", key, NULL), 1);
	ck_assert_int_eq(exists("%s/refs/b:1", tmp), 1);
	ck_assert_int_eq(exists("%s/refs/.complete", tmp), 1);

	/* A stale entry (its record names another layer) is not believed. */
	snprintf(path, sizeof(path), "%s/refs/c:1", tmp);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fprintf(f, "%s\n", akey);
	fclose(f);
	ck_assert_int_eq(lfs_store_ref_find(&st, "c:1", key, NULL), 0);
	/* Nor a malformed one. */
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fprintf(f, "%.31s\n", akey);
	fclose(f);
	ck_assert_int_eq(lfs_store_ref_find(&st, "c:1", key, NULL), 0);
	lfs_store_close(&st);
}
END_TEST

START_TEST(test_restore_order)
{
	/* Written children first: restore must still add parents first. */
	put_meta("c:1", "b:1", NULL, 3);
	put_meta("d:1", "c:1", NULL, 0);
	put_meta("b:1", "a:1", NULL, 2);
	put_meta("a:1", NULL, NULL, 1);
	RUN("restore");
	ck_assert_msg(r.rc == 0, "%s", r.err);
	ck_assert_uint_eq(fake_nl.added.n, 4);
	ck_assert_str_eq(fake_nl.added.v[0], "a:1");
	ck_assert_str_eq(fake_nl.added.v[1], "b:1");
	ck_assert_str_eq(fake_nl.added.v[2], "c:1");
	ck_assert_str_eq(fake_nl.added.v[3], "d:1");
	ck_assert_ptr_nonnull(strstr(r.out, "restored 4 layers (0 already registered)\n"));
	/* Restoring again with nothing registered repeats the same order. */
	RUN("restore", "extra");
	ck_assert_ptr_nonnull(strstr(r.err, "unexpected argument 'extra'"));
}
END_TEST

START_TEST(test_restore_skip_and_fail)
{
	struct lfs_layer c = { .has = LFS_HAS_ID, .id = 3, .name = "c:1" };
	struct lfs_layer b = { .has = LFS_HAS_ID, .id = 2, .name = "b:1",
			       .path = "/elsewhere" };
	struct lfs_meta_list l = LFS_META_LIST_INIT;
	struct lfs_store st = LFS_STORE_INIT;

	put_meta("c:1", NULL, NULL, 3);
	put_meta("b:1", NULL, NULL, 2);
	put_meta("d:1", "c:1", "c:1", 4);
	ck_assert_int_eq(lfs_store_open(&st, tmp, 0, NULL), 0);
	ck_assert_int_eq(lfs_store_layer_list(&st, &l, NULL), 0);
	c.path = l.v[lfs_meta_find(l.v, l.n, "c:1")]->diff;
	fake_nl.layers[0] = &c;
	fake_nl.layers[1] = &b;
	fake_nl.n_layers = 2;
	RUN("restore");
	ck_assert_int_eq(r.rc, 1);
	ck_assert_ptr_nonnull(strstr(r.err, "layerctl: layer 'b:1': registered already, with the directory /elsewhere (File exists)\n"));
	ck_assert_ptr_nonnull(strstr(r.out, "c:1: already registered\n"));
	ck_assert_ptr_nonnull(strstr(r.out, "d:1: registered\n"));
	ck_assert_uint_eq(fake_nl.added.n, 1);
	/* d:1's BASE went to the kernel as c:1's id. */
	ck_assert_uint_eq(fake_nl.add_req->nbase, 1);
	ck_assert_uint_eq(lfs_layer_base_id(fake_nl.add_req, 0), 3);
	ck_assert_uint_eq(fake_nl.add_req->created, 4);
	ck_assert_uint_eq(fake_nl.add_req->flags, LAYERFS_LAYER_F_FROZEN);
	ck_assert_str_eq(fake_nl.add_req->parent, "c:1");
	lfs_meta_list_free(&l);
	lfs_store_close(&st);
}
END_TEST

/*
 * restore's complaints about the store name it as their subject, as
 * every other store error does: "store 'ROOT': REASON".
 */
START_TEST(test_restore_store_subject)
{
	struct lfs_store st = LFS_STORE_INIT;
	char key[LFS_KEY_LEN + 1], vkey[LFS_KEY_LEN + 1], *u, *w, want[512];
	int fd;

	ck_assert_int_eq(lfs_store_open(&st, tmp, 1, NULL), 0);
	ck_assert_int_eq(lfs_store_layer_create(&st, key, &u, NULL), 0);
	fd = openat(st.layers_fd, key, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	ck_assert_int_ge(fd, 0);
	{
		int mf = openat(fd, "meta.json", O_WRONLY | O_CREAT | O_CLOEXEC,
				0644);

		ck_assert_int_ge(mf, 0);
		ck_assert_int_eq(write(mf, "{", 1), 1);
		close(mf);
	}
	close(fd);
	ck_assert_int_eq(lfs_store_view_create(&st, vkey, &w, NULL), 0);
	{
		struct lfs_view_meta vm = { vkey, NULL, (char *)"tomcat:9",
					    key, 1, 0, 1, NULL };

		ck_assert_int_eq(lfs_store_view_write_meta(&st, &vm, NULL), 0);
	}
	free(u);
	free(w);
	lfs_store_close(&st);
	RUN("restore", "--views");
	ck_assert_int_eq(r.rc, 1);
	snprintf(want, sizeof(want),
		 "layerctl: layer record '%s/layers/%s/meta.json': not JSON: unexpected end of data (Invalid argument)\n"
		 "layerctl: view record '%s/views/%s/view.json': persisted without an absolute mountpoint\n",
		 tmp, key, tmp, vkey);
	ck_assert_str_eq(r.err, want);
}
END_TEST

START_TEST(test_rm)
{
	struct lfs_layer a = { .has = LFS_HAS_ID, .id = 1, .name = "a:1",
			       .path = "/x" };

	put_meta("a:1", NULL, NULL, 1);
	put_meta("b:1", "a:1", NULL, 2);
	RUN("rm", "a:1");
	ck_assert_int_eq(r.rc, 1);
	ck_assert_str_eq(r.err, "layerctl: layer 'a:1': stored layer 'b:1' builds on it (Device or resource busy)\n");
	ck_assert_int_eq(fake_nl.requests, 0);
	RUN("rm", "b:1");	/* not registered: only the store */
	ck_assert_msg(r.rc == 0, "%s", r.err);
	ck_assert_uint_eq(count_layers(), 1);
	fake_nl.layers[0] = &a;
	fake_nl.n_layers = 1;
	fake_nl.err = -EBUSY;
	fake_nl.extack = "layer is used by a mounted view";
	RUN("rm", "a:1");
	ck_assert_str_eq(r.err, "layerctl: layer 'a:1': layer is used by a mounted view (Device or resource busy)\n");
	ck_assert_uint_eq(count_layers(), 1);
	fake_nl.err = 0;
	RUN("rm", "a:1");
	ck_assert_msg(r.rc == 0, "%s", r.err);
	ck_assert_int_eq(fake_nl.cmd, LAYERFS_CMD_LAYER_DEL);
	ck_assert_uint_eq(count_layers(), 0);
	ck_assert_uint_eq(count_dirs(), 0);
	RUN("rm", "a:1");
	ck_assert_str_eq(r.err, "layerctl: layer 'a:1': not in the store (No such file or directory)\n");
}
END_TEST

START_TEST(test_mount_ref_store)
{
	struct lfs_store st = LFS_STORE_INIT;
	struct lfs_view_meta vm;
	char key[LFS_KEY_LEN + 1];

	RUN("mount", "tomcat:9", "/mnt/web");
	ck_assert_msg(r.rc == 0, "%s", r.err);
	ck_assert_int_eq(fake_sys.mounts, 1);
	ck_assert_str_eq(fake_sys.image, "tomcat:9");
	ck_assert_int_eq(lfs_store_path_key(tmp, fake_sys.upper, key), 1);
	ck_assert_int_eq(lfs_store_open(&st, tmp, 0, NULL), 0);
	ck_assert_int_eq(lfs_store_view_find(&st, fake_sys.work, &vm), 0);
	ck_assert_str_eq(vm.upper_key, key);
	ck_assert_str_eq(vm.image, "tomcat:9");
	ck_assert_str_eq(vm.mountpoint, "/mnt/web");
	lfs_view_meta_free(&vm);
	lfs_store_close(&st);

	/* A failed mount leaves nothing behind. */
	fake_sys.mount_err = -ENOENT;
	fake_sys.mount_why = "unknown image 'nope:1'";
	RUN("mount", "nope:1", "/mnt/x");
	ck_assert_str_eq(r.err, "layerctl: view '/mnt/x': unknown image 'nope:1' (No such file or directory)\n");
	ck_assert_uint_eq(count_dirs(), 1);

	/* --ro: read-only, no store. */
	fake_sys.mount_err = 0;
	RUN("mount", "--ro", "tomcat:9", "/mnt/ro");
	ck_assert_msg(r.rc == 0, "%s", r.err);
	ck_assert_ptr_null(fake_sys.upper);
	ck_assert_uint_eq(count_dirs(), 1);
	RUN("mount", "--ro", "tomcat:9", "/mnt/ro", "-u", "/u", "-w", "/w");
	ck_assert_ptr_nonnull(strstr(r.err, "--ro goes with an image REF and no --upper"));
}
END_TEST

/*
 * mount --persist records the view (with its -o flags as given); restore
 * --views mounts it again, on its upper and work, unless a mounted view
 * uses its work directory; views without --persist stay unmounted.
 */
START_TEST(test_restore_views)
{
	static const char *stack[] = { "tomcat:9" };
	struct lfs_view_part live = { .id = 4, .dev = 78, .source = "layerfs",
				      .nlayers = 1, .names = stack, .nnames = 1 };
	char mnt[PATH_MAX], mnt2[PATH_MAX], *upper, *work;
	struct lfs_store st = LFS_STORE_INIT;
	struct lfs_view_meta vm;
	struct stat sb;

	snprintf(mnt2, sizeof(mnt2), "%s/mnt/q", tmp);
	/* The mountpoint must exist: its absolute path is recorded. */
	RUN("mount", "--persist", "tomcat:9", mnt2);
	ck_assert_int_eq(r.rc, 1);
	/* what failed, the errno as the code: its text once (err.h) */
	{
		char want[2 * PATH_MAX + 128];

		snprintf(want, sizeof(want),
			 "layerctl: view '%s': cannot find the mount point's absolute path (No such file or directory)\n",
			 mnt2);
		ck_assert_str_eq(r.err, want);
	}
	snprintf(mnt, sizeof(mnt), "%s/mnt", tmp);
	ck_assert_int_eq(mkdir(mnt, 0755), 0);
	ck_assert_ptr_nonnull(realpath(mnt, mnt2));	/* tmp may be a symlink */
	ck_assert_int_lt(strlen(mnt2), 100);
	strcpy(mnt, mnt2);
	strcat(mnt, "/p");
	strcat(mnt2, "/q");
	ck_assert_int_eq(mkdir(mnt, 0755), 0);
	RUN("mount", "--persist", "-o", "noexec", "-o", "nodev", "tomcat:9", mnt);
	ck_assert_msg(r.rc == 0, "%s", r.err);
	ck_assert_int_eq(rmdir(mnt), 0);	/* restore makes it again */
	upper = strdup(fake_sys.upper);
	work = strdup(fake_sys.work);
	ck_assert_int_eq(lfs_store_open(&st, tmp, 0, NULL), 0);
	ck_assert_int_eq(lfs_store_view_find(&st, work, &vm), 0);
	ck_assert_int_eq(vm.persist, 1);
	ck_assert_str_eq(vm.options, "noexec,nodev");
	ck_assert_str_eq(vm.mountpoint, mnt);
	lfs_view_meta_free(&vm);
	lfs_store_close(&st);
	RUN("mount", "tomcat:9", mnt2);		/* not persisted */
	ck_assert_msg(r.rc == 0, "%s", r.err);
	RUN("mount", "--persist", "--ro", "tomcat:9", mnt2);
	ck_assert_int_eq(r.rc, 2);
	ck_assert_ptr_nonnull(strstr(r.err, "--persist goes with an image REF"));
	RUN("mount", "--persist", "-u", "/u", "-w", "/w", "tomcat:9", mnt2);
	ck_assert_int_eq(r.rc, 2);

	/* After a reboot: mounted again, its mountpoint made. */
	fake_sys.mounts = 0;
	RUN("restore", "--views");
	ck_assert_msg(r.rc == 0, "%s", r.err);
	ck_assert_int_eq(fake_sys.mounts, 1);
	ck_assert_str_eq(fake_sys.target, mnt);
	ck_assert_str_eq(fake_sys.image, "tomcat:9");
	ck_assert_str_eq(fake_sys.upper, upper);
	ck_assert_str_eq(fake_sys.work, work);
	ck_assert(fake_sys.attr_set & MOUNT_ATTR_NOEXEC);
	ck_assert(fake_sys.attr_set & MOUNT_ATTR_NODEV);
	ck_assert_int_eq(stat(mnt, &sb), 0);
	ck_assert_ptr_nonnull(strstr(r.out, ": image tomcat:9: mounted\n"));
	ck_assert_ptr_nonnull(strstr(r.out, "restored 1 views (0 mounted already)\n"));

	/* A mounted view uses its work directory: left alone. */
	live.work = work;
	fake_nl.view_parts[0] = &live;
	fake_nl.n_view_parts = 1;
	fake_sys.mounts = 0;
	RUN("restore", "--views");
	ck_assert_msg(r.rc == 0, "%s", r.err);
	ck_assert_int_eq(fake_sys.mounts, 0);
	ck_assert_ptr_nonnull(strstr(r.out, "restored 0 views (1 mounted already)\n"));

	/* A failed mount is reported and makes restore fail. */
	fake_nl.n_view_parts = 0;
	fake_sys.mount_err = -ENOENT;
	fake_sys.mount_why = "unknown image 'tomcat:9'";
	RUN("restore", "--views");
	ck_assert_int_eq(r.rc, 1);
	snprintf(mnt2, sizeof(mnt2),
		 "layerctl: view '%s': unknown image 'tomcat:9' (No such file or directory)\n",
		 mnt);
	ck_assert_str_eq(r.err, mnt2);
	ck_assert_ptr_nonnull(strstr(r.out, "restored 0 views (0 mounted already)\n"));
	free(upper);
	free(work);
}
END_TEST

/*
 * restore --views runs as root at boot on a mountpoint recorded as a path
 * without symbolic links (realpath at `mount --persist`).  A directory on
 * that path may belong to a user, who can replace what follows with a
 * symbolic link to anywhere (/etc/cron.d): restore must then neither make
 * directories through the link nor mount there.
 */
START_TEST(test_restore_views_symlink)
{
	char home[PATH_MAX], mnt[PATH_MAX], old[PATH_MAX + 8];
	char victim[PATH_MAX], path[PATH_MAX + 64], want[PATH_MAX + 256];

	snprintf(path, sizeof(path), "%s/home", tmp);
	ck_assert_int_eq(mkdir(path, 0755), 0);
	ck_assert_ptr_nonnull(realpath(path, home));	/* tmp may be a symlink */
	ck_assert_int_lt(strlen(home), 200);
	snprintf(victim, sizeof(victim), "%s/victim", home);
	ck_assert_int_eq(mkdir(victim, 0755), 0);
	snprintf(path, sizeof(path), "%s/alice", home);
	ck_assert_int_eq(mkdir(path, 0755), 0);
	snprintf(mnt, sizeof(mnt), "%s/alice/view", home);
	ck_assert_int_eq(mkdir(mnt, 0755), 0);
	RUN("mount", "--persist", "tomcat:9", mnt);
	ck_assert_msg(r.rc == 0, "%s", r.err);
	ck_assert_int_eq(fake_sys.target_nofollow, 0);	/* mount: as mount(8) */

	/* The recorded path, untouched: mounted, reached without links. */
	fake_sys.mounts = 0;
	RUN("restore", "--views");
	ck_assert_msg(r.rc == 0, "%s", r.err);
	ck_assert_int_eq(fake_sys.mounts, 1);
	ck_assert_str_eq(fake_sys.target, mnt);
	ck_assert_int_eq(fake_sys.target_nofollow, 1);

	/* alice's directory swapped for a link; the view's directory gone. */
	snprintf(old, sizeof(old), "%s/alice.old", home);
	ck_assert_int_eq(rename(path, old), 0);
	ck_assert_int_eq(symlink(victim, path), 0);
	fake_sys.mounts = 0;
	RUN("restore", "--views");
	ck_assert_int_eq(r.rc, 1);
	ck_assert_int_eq(fake_sys.mounts, 0);
	ck_assert_int_eq(exists("%s/view", victim), 0);
	snprintf(want, sizeof(want),
		 "layerctl: view '%s': cannot make the mountpoint: a symbolic link on its path (Too many levels of symbolic links)\n",
		 mnt);
	ck_assert_str_eq(r.err, want);

	/* Also when the directory exists beyond the link. */
	snprintf(path, sizeof(path), "%s/view", victim);
	ck_assert_int_eq(mkdir(path, 0755), 0);
	RUN("restore", "--views");
	ck_assert_int_eq(r.rc, 1);
	ck_assert_int_eq(fake_sys.mounts, 0);
	ck_assert_str_eq(r.err, want);
}
END_TEST

/* Views of imported layers are nosuid,nodev unless -o says otherwise. */
START_TEST(test_mount_trust)
{
	static const char *img[] = { "app:1", "img:1" }, *loc[] = { "a:1" };
	struct lfs_view_part p = {
		.id = 3, .dev = 77, .source = "layerfs", .nlayers = 2,
		.names = img, .nnames = 2,
	};

	put_meta("a:1", NULL, NULL, 1);
	put_meta("app:1", "img:1", NULL, 3);
	put_meta_origin("img:1", NULL, NULL, 2, "import");
	fake_nl.view_parts[0] = &p;
	fake_nl.n_view_parts = 1;
	fake_sys.mount_dev = 77;

	/* app:1 (made here) on img:1 (imported): untrusted. */
	RUN("mount", "--ro", "app:1", "/mnt");
	ck_assert_msg(r.rc == 0, "%s", r.err);
	ck_assert_uint_eq(fake_sys.attr_set, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV);
	/* The opt-out, one flag at a time. */
	RUN("mount", "--ro", "app:1", "/mnt", "-o", "suid");
	ck_assert_uint_eq(fake_sys.attr_set, MOUNT_ATTR_NODEV);
	ck_assert_uint_eq(fake_sys.attr_clr, MOUNT_ATTR_NOSUID);
	RUN("mount", "--ro", "app:1", "/mnt", "-o", "suid,dev");
	ck_assert_uint_eq(fake_sys.attr_set, 0);
	ck_assert_uint_eq(fake_sys.attr_clr, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV);

	/* Only local layers: trusted, -o still applies. */
	p.names = loc;
	p.nlayers = p.nnames = 1;
	RUN("mount", "--ro", "a:1", "/mnt");
	ck_assert_msg(r.rc == 0, "%s", r.err);
	ck_assert_int_eq(fake_sys.attrs_called, 1);
	ck_assert_uint_eq(fake_sys.attr_set, 0);
	RUN("mount", "--ro", "a:1", "/mnt", "-o", "nodev");
	ck_assert_uint_eq(fake_sys.attr_set, MOUNT_ATTR_NODEV);

	/* The new view not found among the views: untrusted. */
	fake_sys.mount_dev = 78;
	RUN("mount", "--ro", "a:1", "/mnt");
	ck_assert_uint_eq(fake_sys.attr_set, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV);
}
END_TEST

START_TEST(test_umount_store_view)
{
	struct lfs_view_part p;
	char key[LFS_KEY_LEN + 1];

	umount_view(&p, 0);
	ck_assert_int_eq(lfs_store_path_key(tmp, upper, key), 1);
	/* Still mounted elsewhere after the umount: nothing is removed. */
	RUN("umount", tmp);
	ck_assert_msg(r.rc == 0, "%s", r.err);
	ck_assert_int_eq(fake_sys.umounts, 1);
	ck_assert_int_eq(exists("%s", work), 1);
	/* Gone, with changes in its upper: the upper stays. */
	fake_sys.umount_clears_views = 1;
	{
		char f[300];

		snprintf(f, sizeof(f), "%s/changed", upper);
		ck_assert_int_eq(mkdir(f, 0755), 0);
		RUN("umount", tmp);
		ck_assert_msg(r.rc == 0, "%s", r.err);
		ck_assert_int_eq(exists("%s", work), 0);
		ck_assert_int_eq(exists("%s", upper), 1);
		ck_assert_int_eq(rmdir(f), 0);
	}
	ck_assert_str_eq(r.err, "");
}
END_TEST

START_TEST(test_umount_store_view_empty)
{
	struct lfs_view_part p;

	umount_view(&p, 1);
	RUN("umount", tmp);
	ck_assert_msg(r.rc == 0, "%s", r.err);
	ck_assert_str_eq(r.err, "");
	/* Nothing changed since the mount: upper, work and record go. */
	ck_assert_int_eq(exists("%s", work), 0);
	ck_assert_int_eq(exists("%s", upper), 0);
	ck_assert_uint_eq(count_dirs(), 0);
	/* --lazy leaves the store alone (the view may live on). */
	umount_view(&p, 1);
	RUN("umount", "--lazy", tmp);
	ck_assert_int_eq(exists("%s", work), 1);
}
END_TEST

/*
 * What umount found a store view at before the unmount is not what the
 * kernel side checked and unmounted (MNT's path changed meanwhile, by
 * whoever owns a directory on it): the store is left alone, the record
 * and directories of the view found before stay.
 */
START_TEST(test_umount_other_view)
{
	struct lfs_view_part p;

	umount_view(&p, 1);
	fake_sys.umount_dev = p.dev + 1;	/* another view */
	RUN("umount", tmp);
	ck_assert_msg(r.rc == 0, "%s", r.err);
	ck_assert_msg(exists("%s", work), "the view found before lost its work");
	ck_assert_msg(exists("%s", upper), "the view found before lost its upper");
}
END_TEST

/*
 * What a `layerctl commit` of the view of store_view() does to the store
 * while a `layerctl umount` of it runs: its upper, unchanged, becomes the
 * layer app:2 (a record, the empty diff), the view goes on on a new
 * upper, and its record says so.
 */
static void commit_meanwhile(void)
{
	struct lfs_store st = LFS_STORE_INIT;
	struct lfs_view_meta vm;
	char key[LFS_KEY_LEN + 1], nkey[LFS_KEY_LEN + 1], *nu;
	struct lfs_meta *m;

	ck_assert_int_eq(lfs_store_open(&st, tmp, 0, NULL), 0);
	ck_assert_int_eq(lfs_store_path_key(st.root, upper, key), 1);
	m = meta_new("app:2", key, NULL, 5);
	free(m->diff);
	m->diff = strdup(upper);
	ck_assert_int_eq(lfs_store_layer_write_meta(&st, m, NULL), 0);
	meta_del(m);
	ck_assert_int_eq(lfs_store_layer_create(&st, nkey, &nu, NULL), 0);
	ck_assert_int_eq(lfs_store_view_find(&st, work, &vm), 0);
	free(vm.upper_key);
	vm.upper_key = strdup(nkey);
	ck_assert_int_eq(lfs_store_view_write_meta(&st, &vm, NULL), 0);
	lfs_view_meta_free(&vm);
	snprintf(upper, sizeof(upper), "%s", nu);	/* the view's now */
	free(nu);
	lfs_store_close(&st);
}

/*
 * umount gives back the empty upper of the store view it unmounted: the
 * one its record names once the view is gone, and only while it is no
 * layer (a commit made meanwhile made the old one a layer).
 */
START_TEST(test_umount_commit_meanwhile)
{
	struct lfs_view_part p;
	char first[256];

	umount_view(&p, 1);
	snprintf(first, sizeof(first), "%s", upper);
	fake_sys.umount_hook = commit_meanwhile;
	RUN("umount", tmp);
	ck_assert_msg(r.rc == 0, "%s", r.err);
	/* The committed layer keeps its (empty) contents. */
	ck_assert_msg(exists("%s", first), "the diff of layer app:2 was removed");
	ck_assert_int_eq(exists("%s/../meta.json", first), 1);
	/* The view's last upper, empty, goes with the view. */
	ck_assert_int_eq(exists("%s", upper), 0);
	ck_assert_int_eq(exists("%s", work), 0);
}
END_TEST

/*
 * A `layerctl umount` of the store view of a `layerctl commit` that runs
 * while the commit is between the kernel's commit (the upper, unchanged,
 * is the layer app:1 now, the view on its new upper) and the layer's
 * record: a process of its own, forked from the kernel's commit; it is
 * done at once unless it waits for the commit (then it goes on once the
 * commit is done).
 */
static struct lfs_view_part *race_view;
static char race_upper[256];
static pid_t race_pid;
static int race_status;

static void umount_now(void)
{
	const char *args[] = { "--store", tmp, "umount", tmp, NULL };
	struct lfs_ctx c = { .now_ns = NOW };
	struct run_result cr = { 0 };

	run_layerctl(&cr, &c, args);
	if (cr.rc)
		fputs(cr.err, stderr);
	_exit(cr.rc ? 1 : 0);
}

static void umount_during_commit(void)
{
	int i;

	/* The kernel has the view on the new upper now. */
	snprintf(race_upper, sizeof(race_upper), "%s",
		 fake_nl.commit_new_upper);
	race_view->upper = race_upper;
	race_pid = fork();
	ck_assert_int_ge(race_pid, 0);
	if (!race_pid)
		umount_now();
	for (i = 0; i < 100; i++) {
		if (waitpid(race_pid, &race_status, WNOHANG) == race_pid) {
			race_pid = 0;
			return;
		}
		usleep(10000);
	}
}

/*
 * The umount's discard of the upper it finds in the view's record, still
 * the old one, and the commit's making of it a layer exclude each other:
 * the layer keeps its diff and gets its record, and the umount gives back
 * the view's new upper, empty, with its work directory.
 */
START_TEST(test_commit_umount_race)
{
	struct lfs_view_part p;
	char first[256];

	umount_view(&p, 1);
	snprintf(first, sizeof(first), "%s", upper);
	race_view = &p;
	race_pid = 0;
	fake_nl.commit_path = first;
	fake_nl.commit_parent = "tomcat:9";
	fake_nl.layers[0] = &store_tomcat9;
	fake_nl.n_layers = 1;
	fake_nl.commit_hook = umount_during_commit;
	RUN("commit", "4", "app:1");
	if (race_pid)
		ck_assert_int_eq(waitpid(race_pid, &race_status, 0), race_pid);
	ck_assert_msg(r.rc == 0, "%s", r.err);
	ck_assert_msg(WIFEXITED(race_status) && !WEXITSTATUS(race_status),
		      "umount: status %d", race_status);
	ck_assert_msg(exists("%s", first), "the diff of layer app:1 was removed");
	ck_assert_int_eq(exists("%s/../meta.json", first), 1);
	ck_assert_uint_eq(count_layers(), 2);
	/* The view's new upper, empty, and its work went with the view. */
	ck_assert_msg(!exists("%s", race_upper), "the view's new upper stayed");
	ck_assert_int_eq(exists("%s", work), 0);
	ck_assert_uint_eq(count_dirs(), 2);	/* app:1's, tomcat:9's */
}
END_TEST

/*
 * A `layerctl umount` of the store view while the kernel's commit of it
 * runs: the commit holds the superblock active, so the view stays listed
 * after the unmount until the kernel's commit returns (then it goes).
 * Modelled by a marker file, there while the kernel commits: the umount,
 * a process of its own forked from the kernel's commit, sees the view
 * still listed after its unmount while the marker is there.
 */
static char kc_marker[300];

static void umount_sees_kernel_commit(void)
{
	fake_sys.umount_clears_views = access(kc_marker, F_OK) != 0;
}

static void umount_in_kernel_commit(void)
{
	int fd, i;

	snprintf(race_upper, sizeof(race_upper), "%s",
		 fake_nl.commit_new_upper);
	race_view->upper = race_upper;
	fd = open(kc_marker, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	ck_assert_int_ge(fd, 0);
	close(fd);
	race_pid = fork();
	ck_assert_int_ge(race_pid, 0);
	if (!race_pid)
		umount_now();
	for (i = 0; i < 100 && race_pid; i++) {
		if (waitpid(race_pid, &race_status, WNOHANG) == race_pid)
			race_pid = 0;
		else
			usleep(10000);
	}
	/* The kernel's commit returns; an unmounted view goes with it. */
	unlink(kc_marker);
	if (!race_pid)
		fake_nl.n_view_parts = 0;
}

/*
 * Such a umount gives back the view's store directories all the same
 * (its record, its work and its upper, the commit's new one, empty),
 * not leaving them to prune; the layer keeps its diff and record.
 */
START_TEST(test_umount_during_kernel_commit)
{
	struct lfs_store st = LFS_STORE_INIT;
	struct lfs_view_meta vm;
	struct lfs_view_part p;
	char first[256];
	int found;

	umount_view(&p, 1);
	snprintf(first, sizeof(first), "%s", upper);
	snprintf(kc_marker, sizeof(kc_marker), "%s.in-commit", tmp);
	race_view = &p;
	race_pid = 0;
	race_status = 0;
	fake_sys.umount_hook = umount_sees_kernel_commit;
	fake_nl.commit_path = first;
	fake_nl.commit_parent = "tomcat:9";
	fake_nl.layers[0] = &store_tomcat9;
	fake_nl.n_layers = 1;
	fake_nl.commit_hook = umount_in_kernel_commit;
	RUN("commit", "4", "app:1");
	if (race_pid)
		ck_assert_int_eq(waitpid(race_pid, &race_status, 0), race_pid);
	unlink(kc_marker);
	ck_assert_msg(r.rc == 0, "%s", r.err);
	ck_assert_msg(WIFEXITED(race_status) && !WEXITSTATUS(race_status),
		      "umount: status %d", race_status);
	ck_assert_msg(exists("%s", first), "the diff of layer app:1 was removed");
	ck_assert_int_eq(exists("%s/../meta.json", first), 1);
	ck_assert_msg(!exists("%s", race_upper), "the view's new upper stayed");
	ck_assert_msg(!exists("%s", work), "the view's work stayed");
	ck_assert_int_eq(lfs_store_open(&st, tmp, 0, NULL), 0);
	found = !lfs_store_view_find(&st, work, &vm);
	if (found)
		lfs_view_meta_free(&vm);
	lfs_store_close(&st);
	ck_assert_msg(!found, "the view's record stayed");
	ck_assert_uint_eq(count_dirs(), 2);	/* app:1's, tomcat:9's */
}
END_TEST

/*
 * A commit that listed the view of store_view() before another commit of
 * it (app:1, whose record is written; the view is on the upper NEW now)
 * made the upper a layer: the kernel commits NEW.  Its record goes into
 * NEW, not over app:1's, and NEW is the upper it holds locked (against a
 * discard by umount) while the kernel commits.
 */
static char stale_key[LFS_KEY_LEN + 1], stale_upper[256], stale_new[256];
static int stale_locked = -1;

static void stale_listing(int nth)
{
	race_view->upper = nth == 1 ? stale_upper : stale_new;
}

static void stale_commit_probe(void)
{
	char dir[300];
	int fd;

	snprintf(dir, sizeof(dir), "%s/..", stale_new);
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	ck_assert_int_ge(fd, 0);
	stale_locked = flock(fd, LOCK_EX | LOCK_NB) && errno == EWOULDBLOCK;
	close(fd);
}

/*
 * The stale-listing tests' run: view @p committed once meanwhile (app:2
 * of its old upper, the view on NEW), listed through @hook, then
 * `commit 4 app:3`; checks app:2's record is still under the old key and
 * app:3's under NEW's, whose key goes into @key.
 */
static void stale_commit_run(struct lfs_view_part *p, void (*hook)(int),
			     char key[LFS_KEY_LEN + 1])
{
	struct lfs_store st = LFS_STORE_INIT;
	struct lfs_meta m;

	umount_view(p, 1);
	snprintf(stale_upper, sizeof(stale_upper), "%s", upper);
	ck_assert_int_eq(lfs_store_path_key(tmp, stale_upper, stale_key), 1);
	commit_meanwhile();
	snprintf(stale_new, sizeof(stale_new), "%s", upper);
	race_view = p;
	fake_nl.view_dump_hook = hook;
	fake_nl.commit_path = stale_new;
	fake_nl.commit_parent = "app:2";
	fake_nl.layers[0] = &store_tomcat9;
	fake_nl.n_layers = 1;
	RUN("commit", "4", "app:3");
	ck_assert_msg(r.rc == 0, "%s", r.err);
	ck_assert_int_eq(lfs_store_open(&st, tmp, 0, NULL), 0);
	ck_assert_int_eq(lfs_store_layer_read_meta(&st, stale_key, &m, NULL), 0);
	ck_assert_msg(!strcmp(m.ref, "app:2"), "app:2's record is %s's now",
		      m.ref);
	lfs_meta_free(&m);
	ck_assert_int_eq(lfs_store_path_key(tmp, stale_new, key), 1);
	ck_assert_int_eq(lfs_store_layer_read_meta(&st, key, &m, NULL), 0);
	ck_assert_str_eq(m.ref, "app:3");
	ck_assert_str_eq(m.diff, stale_new);
	lfs_meta_free(&m);
	lfs_store_close(&st);
}

START_TEST(test_commit_stale_listing)
{
	struct lfs_view_part p;
	char key[LFS_KEY_LEN + 1];

	stale_locked = -1;
	fake_nl.commit_hook = stale_commit_probe;
	stale_commit_run(&p, stale_listing, key);
	ck_assert_msg(stale_locked == 1, "NEW was not locked during the commit");
}
END_TEST

/*
 * The same, the view still on the old upper when the commit looks under
 * the lock, and moved on before its kernel commit (by a commit not made
 * with layerctl, which takes no lock): the record still goes to the key
 * of the upper the kernel committed.
 */
static void stale_always(int nth)
{
	(void)nth;
	race_view->upper = stale_upper;
}

START_TEST(test_commit_record_key_kernels)
{
	struct lfs_view_part p;
	char key[LFS_KEY_LEN + 1];

	stale_commit_run(&p, stale_always, key);
	ck_assert_ptr_nonnull(strstr(r.out, key));
}
END_TEST

/*
 * The same, the view moved meanwhile (by a commit not made with
 * layerctl) to an upper outside the store, which the kernel commits: its
 * record goes into a directory of its own, as a commit of a view whose
 * upper is outside the store does, not over app:2's (the key locked).
 */
START_TEST(test_commit_record_key_outside)
{
	struct lfs_store st = LFS_STORE_INIT;
	struct lfs_meta_list l = LFS_META_LIST_INIT;
	struct lfs_view_part p;
	struct lfs_meta m;
	char outside[300];
	long at;

	umount_view(&p, 1);
	snprintf(stale_upper, sizeof(stale_upper), "%s", upper);
	ck_assert_int_eq(lfs_store_path_key(tmp, stale_upper, stale_key), 1);
	commit_meanwhile();		/* app:2 of the old upper */
	snprintf(outside, sizeof(outside), "%s.outside", tmp);
	ck_assert_int_eq(mkdir(outside, 0755), 0);
	race_view = &p;
	fake_nl.view_dump_hook = stale_always;
	fake_nl.commit_path = outside;
	fake_nl.commit_parent = "app:2";
	fake_nl.layers[0] = &store_tomcat9;
	fake_nl.n_layers = 1;
	RUN("commit", "4", "app:3");
	rmdir(outside);
	ck_assert_msg(r.rc == 0, "%s", r.err);
	ck_assert_int_eq(lfs_store_open(&st, tmp, 0, NULL), 0);
	ck_assert_int_eq(lfs_store_layer_read_meta(&st, stale_key, &m, NULL), 0);
	ck_assert_msg(!strcmp(m.ref, "app:2"), "app:2's record is %s's now",
		      m.ref);
	lfs_meta_free(&m);
	ck_assert_int_eq(lfs_store_layer_list(&st, &l, NULL), 0);
	at = lfs_meta_find(l.v, l.n, "app:3");
	ck_assert_int_ge(at, 0);
	ck_assert_str_eq(l.v[at]->diff, outside);
	ck_assert_str_ne(l.v[at]->key, stale_key);
	lfs_meta_list_free(&l);
	lfs_store_close(&st);
}
END_TEST

/*
 * Other commits of the view keep moving it on to a new store upper each
 * time the commit looks (under the lock of the upper it listed before):
 * the commit never gets to hold the lock of the upper the view is on.
 * It must give up, before the kernel's commit and with nothing left in
 * the store, rather than commit unlocked (where a umount's discard could
 * remove the diff of the layer before its record is written).
 */
static char moving_upper[16][256];

static void moving_listing(int nth)
{
	struct lfs_store st = LFS_STORE_INIT;
	char key[LFS_KEY_LEN + 1], *nu;

	if (nth < 2)
		return;
	ck_assert_int_lt(nth, (int)N(moving_upper));
	ck_assert_int_eq(lfs_store_open(&st, tmp, 0, NULL), 0);
	ck_assert_int_eq(lfs_store_layer_create(&st, key, &nu, NULL), 0);
	snprintf(moving_upper[nth], sizeof(moving_upper[nth]), "%s", nu);
	free(nu);
	lfs_store_close(&st);
	race_view->upper = moving_upper[nth];
}

START_TEST(test_commit_upper_keeps_moving)
{
	struct lfs_view_part p;
	size_t dirs;

	umount_view(&p, 1);
	race_view = &p;
	fake_nl.view_dump_hook = moving_listing;
	fake_nl.commit_path = upper;
	fake_nl.commit_parent = "tomcat:9";
	RUN("commit", "4", "app:1");
	dirs = count_dirs();
	ck_assert_msg(fake_nl.commits == 0, "committed without the lock of "
		      "the view's upper");
	ck_assert_int_ne(r.rc, 0);
	ck_assert_str_eq(r.err, "layerctl: view '4': its upper keeps moving, "
			 "other commits of it run: try again (Resource "
			 "temporarily unavailable)\n");
	/* The view's upper (the last one listed) and each moved-to one. */
	ck_assert_uint_eq(dirs, (size_t)fake_nl.view_dumps);
	ck_assert_uint_eq(count_layers(), 0);
}
END_TEST

/*
 * A view record whose key is not its directory's (copied, or corrupt)
 * makes umount remove nothing but what that directory holds.
 */
START_TEST(test_umount_record_key_mismatch)
{
	struct lfs_view_part p, other;
	struct lfs_store st = LFS_STORE_INIT;
	struct lfs_view_meta vm;
	char key[LFS_KEY_LEN + 1], owork[256], oupper[256];

	store_view(&other);		/* another view's directories */
	snprintf(owork, sizeof(owork), "%s", work);
	snprintf(oupper, sizeof(oupper), "%s", upper);
	umount_view(&p, 1);
	ck_assert_int_eq(lfs_store_open(&st, tmp, 0, NULL), 0);
	ck_assert_int_eq(lfs_store_view_find(&st, owork, &vm), 0);
	snprintf(key, sizeof(key), "%s", vm.key);
	lfs_view_meta_free(&vm);
	ck_assert_int_eq(lfs_store_view_find(&st, work, &vm), 0);
	free(vm.key);
	vm.key = strdup(key);			/* names the other view */
	ck_assert_int_eq(lfs_store_path_key(st.root, oupper, key), 1);
	free(vm.upper_key);
	vm.upper_key = strdup(key);		/* and its upper */
	{
		/* written into this view's directory */
		struct lfs_buf b = LFS_BUF_INIT;
		char dir[300];
		int fd;

		snprintf(dir, sizeof(dir), "%s/..", work);
		fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		ck_assert_int_ge(fd, 0);
		ck_assert_int_eq(lfs_view_meta_to_json(&vm, &b), 0);
		ck_assert_int_eq(lfs_store_write_atomic(fd, "view.json", &b), 0);
		close(fd);
		lfs_buf_free(&b);
	}
	lfs_view_meta_free(&vm);
	lfs_store_close(&st);
	RUN("umount", tmp);
	ck_assert_msg(r.rc == 0, "%s", r.err);
	ck_assert_msg(exists("%s", owork), "the other view's work was removed");
	ck_assert_msg(exists("%s", oupper), "the other view's upper was removed");
}
END_TEST

/* Writes @name (a file) under ROOT/@dir. */
static void put_file(const char *dir, const char *name)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s/%s", tmp, dir, name);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs("0123456789", f);
	fclose(f);
}

/*
 * prune names the temporary directories it deletes as it found them in
 * the store (".pull-" and anything): escaped, as every name it prints.
 * Their age is taken against the command's "now" (ctx->now_ns, the clock
 * when 0), here an hour after the clock.
 */
START_TEST(test_prune_tmp_name_escaped)
{
	char path[512];

	put_meta("a:1", NULL, NULL, 1);
	snprintf(path, sizeof(path), "%s/.pull-\x1b[2J\xc2\x9b" "0m", tmp);
	ck_assert_int_eq(mkdir(path, 0700), 0);
	run_now = ((uint64_t)time(NULL) + 3600) * 1000000000ULL;
	RUN("prune", "--dry-run", "--json");
	run_now = 0;
	ck_assert_msg(r.rc == 0, "%s", r.err);
	ck_assert_str_eq(r.out,
			 "{\"dry_run\":true,\"views\":[],\"uppers\":[],"
			 "\"temporary\":[\".pull-\\u001b[2J\xc2\x9b" "0m\"],"
			 "\"partial_downloads\":[],\"kept_blobs\":[],\"size\":0,"
			 "\"files\":0}\n");
	run_now = ((uint64_t)time(NULL) + 3600) * 1000000000ULL;
	RUN("prune", "--dry-run");
	run_now = 0;
	ck_assert_msg(r.rc == 0, "%s", r.err);
	ck_assert_str_eq(r.out,
			 "would delete temporary directory .pull-\\x1b[2J\\xc2\\x9b0m\n"
			 "would free 0 views, 0 uppers and 1 temporary directories: 0 files, 0B\n");
	ck_assert_int_eq(exists("%s", path), 1);
}
END_TEST

START_TEST(test_prune)
{
	static const char *used[] = { "a:1" };
	struct lfs_view_part live, gone;
	struct lfs_layer reg = { 0 };
	char live_upper[256], live_work[256], gone_upper[256], gone_work[256];
	char reg_key[LFS_KEY_LEN + 1], path[512], rm_dir[512];
	struct stat sb;

	/* No store: nothing to do, nothing created. */
	RUN("prune");
	ck_assert_msg(r.rc == 0, "%s", r.err);
	ck_assert_int_eq(exists("%s/layers", tmp), 0);

	put_meta("a:1", NULL, NULL, 1);		/* committed: kept */
	store_view(&live);			/* mounted: kept */
	snprintf(live_upper, sizeof(live_upper), "%s", upper);
	snprintf(live_work, sizeof(live_work), "%s", work);
	live.names = used;
	store_view(&gone);			/* not mounted: pruned */
	snprintf(gone_upper, sizeof(gone_upper), "%s", upper);
	snprintf(gone_work, sizeof(gone_work), "%s", work);
	live.upper = live_upper;
	live.work = live_work;
	fake_nl.view_parts[0] = &live;
	fake_nl.n_view_parts = 1;
	snprintf(path, sizeof(path), "%s/f", gone_upper);
	ck_assert_int_eq(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/f/data", gone_upper);
	{
		FILE *f = fopen(path, "w");

		ck_assert_ptr_nonnull(f);
		fputs("uncommitted", f);
		fclose(f);
	}
	/* An upper without a view (a commit that never completed)... */
	{
		struct lfs_store st = LFS_STORE_INIT;
		char key[LFS_KEY_LEN + 1], *d;

		ck_assert_int_eq(lfs_store_open(&st, tmp, 1, NULL), 0);
		ck_assert_int_eq(lfs_store_layer_create(&st, key, &d, NULL), 0);
		free(d);
		/* ...and one registered in place without a record: kept. */
		ck_assert_int_eq(lfs_store_layer_create(&st, reg_key, &d, NULL), 0);
		reg.name = "inplace";
		reg.path = d;
		reg.has = LFS_HAS_ID;
		reg.id = 9;
		fake_nl.layers[0] = &reg;
		fake_nl.n_layers = 1;
		lfs_store_close(&st);
	}
	/* What an interrupted rm leaves. */
	snprintf(rm_dir, sizeof(rm_dir), "%s/layers/.rm-" K1, tmp);
	ck_assert_int_eq(mkdir(rm_dir, 0700), 0);
	put_file("layers/.rm-" K1, "x");
	ck_assert_uint_eq(count_dirs(), 6);

	RUN("prune", "--dry-run");
	ck_assert_msg(r.rc == 0, "%s", r.err);
	ck_assert_uint_eq(count_dirs(), 6);
	ck_assert_ptr_nonnull(strstr(r.out, "would delete view "));
	ck_assert_ptr_nonnull(strstr(r.out, "(mounted at /mnt)"));
	ck_assert_ptr_nonnull(strstr(r.out, "would free 1 views and 3 uppers: 2 files, 21B\n"));

	/*
	 * The unmounted view's upper holds changes never committed: without
	 * --force (and not on a terminal) prune lists it, deletes nothing
	 * and fails; on a terminal it asks, and only "y" deletes.
	 */
	RUN("prune", "--json");
	ck_assert_int_eq(r.rc, 1);
	ck_assert_str_eq(r.out, "");
	ck_assert_msg(strstr(r.err, "layerctl: prune: 1 upper holds changes that were never committed:\n"),
		      "%s", r.err);
	ck_assert_msg(strstr(r.err, gone_upper), "%s", r.err);
	ck_assert_msg(strstr(r.err, "/diff: 1 files, 11B\n"), "%s", r.err);
	ck_assert_msg(strstr(r.err, "\nlayerctl: prune: nothing deleted: --force deletes them, -n lists all prune would delete\n"),
		      "%s", r.err);
	ck_assert_uint_eq(count_dirs(), 6);
	ck_assert_int_eq(exists("%s", rm_dir), 1);
	run_interactive = 1;
	run_input = "n\n";
	RUN("prune");
	ck_assert_int_eq(r.rc, 1);
	ck_assert_msg(strstr(r.err, "Delete them? [y/N] "), "%s", r.err);
	ck_assert_msg(strstr(r.err, "layerctl: prune: nothing deleted\n"), "%s", r.err);
	ck_assert_uint_eq(count_dirs(), 6);
	run_input = "";			/* end of input: no */
	RUN("prune");
	ck_assert_int_eq(r.rc, 1);
	ck_assert_uint_eq(count_dirs(), 6);
	run_interactive = 0;
	run_input = NULL;

	RUN("prune", "--json", "--force");
	ck_assert_msg(r.rc == 0, "%s", r.err);
	ck_assert_str_eq(r.err, "");
	ck_assert_ptr_nonnull(strstr(r.out, "\"dry_run\":false"));
	ck_assert_ptr_nonnull(strstr(r.out, "\"size\":21,\"files\":2}"));
	ck_assert_uint_eq(count_dirs(), 3);
	ck_assert_int_eq(exists("%s", gone_work), 0);
	ck_assert_int_eq(exists("%s", gone_upper), 0);
	ck_assert_int_eq(exists("%s", rm_dir), 0);
	ck_assert_int_eq(exists("%s", live_work), 1);
	ck_assert_int_eq(exists("%s", live_upper), 1);
	ck_assert_int_eq(exists("%s", reg.path), 1);
	ck_assert_uint_eq(count_layers(), 1);

	/* Again: nothing left to do. */
	RUN("prune");
	ck_assert_msg(r.rc == 0, "%s", r.err);
	ck_assert_str_eq(r.out, "freed 0 views and 0 uppers: 0 files, 0B\n");
	ck_assert_int_eq(stat(tmp, &sb), 0);

	/* Unmounted, the live view goes too; the in-place layer stays. */
	fake_nl.n_view_parts = 0;
	RUN("prune");
	ck_assert_msg(r.rc == 0, "%s", r.err);
	ck_assert_int_eq(exists("%s", live_work), 0);
	ck_assert_uint_eq(count_dirs(), 2);
	fake_nl.n_layers = 0;
	free((char *)reg.path);

	RUN("prune", "extra");
	ck_assert_int_eq(r.rc, 2);
	ck_assert_ptr_nonnull(strstr(r.err, "unexpected argument 'extra'"));
}
END_TEST

/*
 * Views whose upper and work the kernel reports through other paths than
 * the store's own (issue 12 item 10): through a symlink to the store
 * (like a bind mount: the same directories, other names), and through a
 * path that does not exist here (another mount namespace).  Both are kept.
 */
START_TEST(test_prune_other_paths)
{
	struct lfs_view_part a, b, gone;
	char a_upper[512], a_work[512], b_upper[512], b_work[512];
	char alias[128], gone_upper[256], key[LFS_KEY_LEN + 1];
	const char *rel;

	/* a: the store's directories through a symlink to the store. */
	snprintf(alias, sizeof(alias), "%s-alias", tmp);
	unlink(alias);
	ck_assert_int_eq(symlink(tmp, alias), 0);
	store_view(&a);
	rel = upper + strlen(tmp);
	snprintf(a_upper, sizeof(a_upper), "%s%s", alias, rel);
	rel = work + strlen(tmp);
	snprintf(a_work, sizeof(a_work), "%s%s", alias, rel);
	a.upper = a_upper;
	a.work = a_work;
	/* b: the store as another mount namespace reaches it. */
	store_view(&b);
	rel = upper + strlen(tmp);
	snprintf(b_upper, sizeof(b_upper), "/nonexistent/ns/store%s", rel);
	rel = work + strlen(tmp);
	snprintf(b_work, sizeof(b_work), "/nonexistent/ns/store%s", rel);
	b.upper = b_upper;
	b.work = b_work;
	b.id = 5;
	b.dev = 2;
	store_view(&gone);
	snprintf(gone_upper, sizeof(gone_upper), "%s", upper);
	fake_nl.view_parts[0] = &a;
	fake_nl.view_parts[1] = &b;
	fake_nl.n_view_parts = 2;

	RUN("prune");
	ck_assert_msg(r.rc == 0, "%s", r.err);
	ck_assert_msg(exists("%s", a_upper), "the symlinked view's upper was deleted");
	ck_assert_msg(exists("%s", a_work), "the symlinked view's work was deleted");
	ck_assert_msg(exists("%s%s", tmp, b_upper + strlen("/nonexistent/ns/store")),
		      "the other namespace's upper was deleted");
	ck_assert_msg(exists("%s%s", tmp, b_work + strlen("/nonexistent/ns/store")),
		      "the other namespace's work was deleted");
	ck_assert_msg(!exists("%s", gone_upper), "the unmounted view's upper was kept");
	ck_assert_int_eq(lfs_store_path_key(tmp, gone_upper, key), 1);
	ck_assert_int_eq(unlink(alias), 0);
}
END_TEST

/*
 * An image of six layers never recorded (each one's BASE the stack below
 * it, as import and pull make them): recording the top records all six,
 * with one registry dump and one GET per layer below, not a dump per
 * layer (twice) and a refs/ lookup per BASE entry.  Once recorded, the
 * layer below the top answers for all the others.
 */
static const struct lfs_layer *chain_layers(void)
{
	static uint64_t base[6][5];
	static char names[6][8], paths[6][16];
	static struct lfs_layer l[6];
	size_t i, k;

	for (i = 0; i < 6; i++) {
		snprintf(names[i], sizeof(names[i]), "l%zu:1", i + 1);
		snprintf(paths[i], sizeof(paths[i]), "/srv/l%zu", i + 1);
		for (k = 0; k < i; k++)
			base[i][k] = i - k;	/* top first: i, ..., 1 */
		memset(&l[i], 0, sizeof(l[i]));
		l[i].has = LFS_HAS_ID | LFS_HAS_CREATED;
		l[i].id = i + 1;
		l[i].created = i + 1;
		l[i].name = names[i];
		l[i].path = paths[i];
		l[i].parent = i ? names[i - 1] : NULL;
		l[i].base = i ? base[i] : NULL;
		l[i].nbase = (uint32_t)i;
		fake_nl.layers[i] = &l[i];
	}
	fake_nl.n_layers = 6;
	return l;
}

START_TEST(test_record_chain_once)
{
	const struct lfs_layer *l = chain_layers();
	struct lfs_store st = LFS_STORE_INIT;
	struct lfs_err e = LFS_ERR_INIT;
	struct lfs_meta top = { 0 }, m;
	size_t i, k;

	ck_assert_int_eq(lfs_store_open(&st, tmp, 1, NULL), 0);
	/* the lower three first: l3 and below recorded */
	ck_assert_msg(lfs_store_record_chain(&st, NULL, &l[2], &e) == 0, "%s", e.msg);
	ck_assert_int_eq(fake_nl.dumps, 1);
	ck_assert_int_eq(fake_nl.lookups, 2);
	ck_assert_uint_eq(count_layers(), 3);
	/* then the top: l5 and l4 looked up, l3 answers for l2 and l1 */
	fake_nl.dumps = fake_nl.lookups = 0;
	ck_assert_msg(lfs_store_record_chain(&st, NULL, &l[5], &e) == 0, "%s", e.msg);
	ck_assert_int_eq(fake_nl.dumps, 1);
	ck_assert_int_eq(fake_nl.lookups, 2);
	ck_assert_uint_eq(count_layers(), 6);
	for (i = 0; i < 6; i++) {
		ck_assert_int_eq(lfs_store_ref_get(&st, l[i].name, &m, NULL), 1);
		ck_assert_str_eq(m.diff, l[i].path);
		ck_assert_uint_eq(m.created, i + 1);
		if (i)
			ck_assert_str_eq(m.parent, l[i - 1].name);
		else
			ck_assert_ptr_null(m.parent);
		ck_assert_uint_eq(m.base.n, i);
		for (k = 0; k < i; k++)
			ck_assert_str_eq(m.base.v[k], l[i - 1 - k].name);
		lfs_meta_free(&m);
	}
	/*
	 * A commit on the recorded image: its parent's record answers for
	 * every layer of its BASE; nothing looked up, no dump.
	 */
	fake_nl.dumps = fake_nl.lookups = 0;
	top.parent = (char *)l[5].name;
	for (i = 6; i-- > 0;)
		ck_assert_int_eq(lfs_strv_push(&top.base, l[i].name), 0);
	ck_assert_msg(lfs_store_record_ancestors(&st, NULL, &top, &e) == 0, "%s", e.msg);
	ck_assert_int_eq(fake_nl.dumps, 0);
	ck_assert_int_eq(fake_nl.lookups, 0);
	ck_assert_uint_eq(count_layers(), 6);
	lfs_strv_free(&top.base);
	lfs_store_close(&st);
}
END_TEST

/* None recorded: the whole image from one dump, five GETs. */
START_TEST(test_record_ancestors_once)
{
	const struct lfs_layer *l = chain_layers();
	struct lfs_store st = LFS_STORE_INIT;
	struct lfs_err e = LFS_ERR_INIT;
	struct lfs_meta top = { 0 }, m;
	size_t i;

	ck_assert_int_eq(lfs_store_open(&st, tmp, 1, NULL), 0);
	top.parent = (char *)l[5].name;
	for (i = 6; i-- > 0;)
		ck_assert_int_eq(lfs_strv_push(&top.base, l[i].name), 0);
	ck_assert_msg(lfs_store_record_ancestors(&st, NULL, &top, &e) == 0, "%s", e.msg);
	ck_assert_int_eq(fake_nl.dumps, 1);
	ck_assert_int_eq(fake_nl.lookups, 6);
	ck_assert_uint_eq(count_layers(), 6);
	ck_assert_int_eq(lfs_store_ref_get(&st, "l6:1", &m, NULL), 1);
	ck_assert_uint_eq(m.base.n, 5);
	ck_assert_str_eq(m.base.v[4], "l1:1");
	lfs_meta_free(&m);
	/* a BASE layer the registry lacks: not recorded, and said so */
	fake_nl.n_layers = 0;
	ck_assert_int_eq(lfs_strv_push(&top.base, "gone:1"), 0);
	ck_assert_int_eq(lfs_store_record_ancestors(&st, NULL, &top, &e), -ENOENT);
	ck_assert_msg(strstr(e.msg, "cannot record layer 'gone:1' below it"), "%s", e.msg);
	lfs_strv_free(&top.base);
	lfs_store_close(&st);
}
END_TEST

START_TEST(test_layer_add_records)
{
	RUN("layer", "add", "base", "/srv/base", "-a", "me");
	ck_assert_msg(r.rc == 0, "%s", r.err);
	ck_assert_uint_eq(count_dirs(), 0);	/* no store yet: nothing */
	put_meta("a:1", NULL, NULL, 1);
	RUN("layer", "add", "base", "/srv/base", "-a", "me");
	ck_assert_msg(r.rc == 0, "%s", r.err);
	ck_assert_uint_eq(count_layers(), 2);
	RUN("images", "--json");
	ck_assert_ptr_nonnull(strstr(r.out, "\"ref\":\"base\",\"key\":"));
	ck_assert_ptr_nonnull(strstr(r.out, "\"diff\":\"/srv/base\""));
	/* Once recorded, not again. */
	RUN("layer", "add", "base", "/srv/base");
	ck_assert_uint_eq(count_layers(), 2);
}
END_TEST

/*
 * Layers added at once on one parent that has no record yet (added in
 * place before the store existed): each records the parent first
 * (records are closed under ancestry), and it must get one record, not
 * one per process (`rm` would remove one and restore bring the layer
 * back from another).
 */
START_TEST(test_record_ancestors_concurrent)
{
	enum { PROCS = 8 };
	static const struct lfs_layer base = {
		.has = LFS_HAS_ID | LFS_HAS_CREATED, .id = 1, .created = 5,
		.name = "base:1", .path = "/srv/base" };
	struct lfs_store st = LFS_STORE_INIT;
	struct lfs_meta_list l = LFS_META_LIST_INIT;
	char name[32], path[32];
	int i, status, failed = 0;
	pid_t pid[PROCS];
	size_t k, nbase = 0;

	put_meta("a:1", NULL, NULL, 1);		/* a store */
	fake_nl.layers[0] = &base;
	fake_nl.n_layers = 1;
	for (i = 0; i < PROCS; i++) {
		pid[i] = fork();
		ck_assert_int_ge(pid[i], 0);
		if (pid[i])
			continue;
		snprintf(name, sizeof(name), "c%d:1", i);
		snprintf(path, sizeof(path), "/srv/c%d", i);
		RUN("layer", "add", name, path, "--parent", "base:1");
		if (r.rc)
			fprintf(stderr, "layer add %s: %s", name, r.err);
		_exit(!!r.rc);
	}
	for (i = 0; i < PROCS; i++) {
		ck_assert_int_eq(waitpid(pid[i], &status, 0), pid[i]);
		failed += !WIFEXITED(status) || WEXITSTATUS(status);
	}
	ck_assert_int_eq(failed, 0);
	ck_assert_int_eq(lfs_store_open(&st, tmp, 0, NULL), 0);
	ck_assert_int_eq(lfs_store_layer_list(&st, &l, NULL), 0);
	for (k = 0; k < l.n; k++)
		nbase += !strcmp(l.v[k]->ref, "base:1");
	ck_assert_uint_eq(l.n, 1 + PROCS + nbase);
	ck_assert_msg(nbase == 1, "%zu records of base:1", nbase);
	lfs_meta_list_free(&l);
	lfs_store_close(&st);
}
END_TEST

/*
 * images hides the unnamed lower layers others build on unless -a;
 * history and rm take REF for REF:latest.
 */
START_TEST(test_images_all_latest)
{
	put_meta(LFS_CHAIN_PREFIX "bb", NULL, NULL, 1);
	put_meta("app:latest", LFS_CHAIN_PREFIX "bb", NULL, 2);
	put_meta(LFS_CHAIN_PREFIX "dd", NULL, NULL, 3);
	RUN("images");
	ck_assert_msg(r.rc == 0, "%s", r.err);
	ck_assert_ptr_nonnull(strstr(r.out, "app:latest"));
	ck_assert_ptr_nonnull(strstr(r.out, LFS_CHAIN_PREFIX "dd"));
	ck_assert_msg(!strstr(r.out, "\n" LFS_CHAIN_PREFIX "bb"), "%s", r.out);
	RUN("images", "-a", "--json");
	ck_assert_msg(r.rc == 0, "%s", r.err);
	ck_assert_ptr_nonnull(strstr(r.out, "\"ref\":\"" LFS_CHAIN_PREFIX "bb\""));
	RUN("history", "-a", "app");
	ck_assert_int_eq(r.rc, 2);
	ck_assert_msg(strstr(r.err, "history: unknown option '-a'"), "%s", r.err);
	RUN("history", "app");
	ck_assert_msg(r.rc == 0, "%s", r.err);
	ck_assert_ptr_nonnull(strstr(r.out, "app:latest"));
	ck_assert_ptr_nonnull(strstr(r.out, LFS_CHAIN_PREFIX "bb"));
	RUN("rm", "app:1");
	ck_assert_int_eq(r.rc, 1);
	ck_assert_msg(strstr(r.err, "layer 'app:1': not in the store"), "%s", r.err);
	RUN("rm", "app");
	ck_assert_msg(r.rc == 0, "%s", r.err);
	ck_assert_int_eq(fake_nl.cmd, LAYERFS_CMD_LAYER_DEL);
	ck_assert_str_eq(fake_nl.req->name, "app:latest");
	RUN("images");
	ck_assert_msg(!strstr(r.out, "app:latest"), "%s", r.out);
	/* nothing builds on it any more: shown */
	ck_assert_ptr_nonnull(strstr(r.out, "\n" LFS_CHAIN_PREFIX "bb"));
}
END_TEST

/*
 * A record images cannot read is a warning that quotes what it found (an
 * unknown flag): escaped as every error line is, so that a record (a
 * store another user can write, --store) cannot put control sequences on
 * the terminal.  The whole line.
 */
START_TEST(test_images_bad_record_escaped)
{
	struct lfs_store st = LFS_STORE_INIT;
	char key[LFS_KEY_LEN + 1], *diff, path[PATH_MAX], want[PATH_MAX + 256];
	FILE *f;

	put_meta("app:1", NULL, NULL, 1);
	ck_assert_int_eq(lfs_store_open(&st, tmp, 1, NULL), 0);
	ck_assert_int_eq(lfs_store_layer_create(&st, key, &diff, NULL), 0);
	snprintf(path, sizeof(path), "%s/layers/%s/meta.json", tmp, key);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fprintf(f, "{\"version\":1,\"ref\":\"app:2\",\"key\":\"%s\","
		"\"created_ns\":1,\"flags\":[\"\\u001b]0;owned\\u0007\\u001b[2J\"],"
		"\"diff\":\"%s\"}", key, diff);
	fclose(f);
	free(diff);
	lfs_store_close(&st);
	RUN("images");
	ck_assert_msg(r.rc == 0, "%s", r.err);
	snprintf(want, sizeof(want),
		 "layerctl: warning: layer record '%s/layers/%s/meta.json': "
		 "unknown flag \"\\x1b]0;owned\\x07\\x1b[2J\" (Invalid argument)\n",
		 tmp, key);
	ck_assert_str_eq(r.err, want);
	ck_assert_ptr_nonnull(strstr(r.out, "app:1"));
}
END_TEST


/*
 * tag SRC DST: a name in the record; images lists it, history and rm
 * take it; rmi removes a tag, then the layer and its unnamed lower
 * layers nothing else uses.
 */
START_TEST(test_tag_rmi)
{
	struct lfs_layer kbase = { 0 }, kapp = { 0 };

	put_meta(LFS_CHAIN_PREFIX "bb", NULL, NULL, 1);
	put_meta("app:1", LFS_CHAIN_PREFIX "bb", NULL, 2);
	put_meta("other:1", NULL, NULL, 3);
	kbase.name = LFS_CHAIN_PREFIX "bb";
	kbase.has = LFS_HAS_VIEWS | LFS_HAS_CHILDREN;
	kapp.name = "app:1";
	fake_nl.layers[0] = &kbase;
	fake_nl.layers[1] = &kapp;
	fake_nl.n_layers = 2;

	RUN("tag", "app:1", "app");
	ck_assert_msg(r.rc == 0, "%s", r.err);
	ck_assert_str_eq(r.out, "app:latest: app:1\n");
	RUN("tag", "app", "web/app:2");
	ck_assert_msg(r.rc == 0, "%s", r.err);
	RUN("images", "--json");
	ck_assert_msg(strstr(r.out, "\"tags\":[\"app:latest\",\"web/app:2\"]"), "%s", r.out);
	RUN("images");
	ck_assert_msg(strstr(r.out, "\napp:latest ") && strstr(r.out, "\nweb/app:2 "), "%s", r.out);
	RUN("history", "web/app:2");
	ck_assert_msg(r.rc == 0 && strstr(r.out, "app:1"), "%s", r.err);
	/* taken names */
	RUN("tag", "app:1", "other:1");
	ck_assert_int_eq(r.rc, 1);
	ck_assert_str_eq(r.err, "layerctl: tag 'other:1': already names layer 'other:1' (File exists)\n");
	RUN("tag", "other:1", "app");
	ck_assert_int_eq(r.rc, 1);
	ck_assert_msg(strstr(r.err, "tag 'app:latest': already names layer 'app:1'"), "%s", r.err);
	RUN("tag", "other:1", LFS_CHAIN_PREFIX "bb");
	ck_assert_int_eq(r.rc, 1);
	/* the one error model: SUBJECT: REASON (STRERROR), as history's */
	RUN("tag", "nope:1", "x:1");
	ck_assert_int_eq(r.rc, 1);
	ck_assert_str_eq(r.err, "layerctl: image 'nope:1': not in the store (No such file or directory)\n");
	RUN("tag", "app:1");
	ck_assert_int_eq(r.rc, 2);
	ck_assert_msg(strstr(r.err, "tag: missing DST"), "%s", r.err);
	/* rm refuses a tagged layer; rmi removes tags, then the layer */
	RUN("rm", "app:1");
	ck_assert_int_eq(r.rc, 1);
	/* the hint after ': ', the line without parentheses (err.h) */
	ck_assert_str_eq(r.err, "layerctl: layer 'app:1': tagged 'app:latest' too: run 'layerctl rmi app:latest' first\n");
	RUN("rmi", "app", "web/app:2");
	ck_assert_msg(r.rc == 0, "%s", r.err);
	ck_assert_str_eq(r.out, "Untagged: app:latest\nUntagged: web/app:2\n");
	RUN("images", "--json");
	ck_assert_msg(!strstr(r.out, "\"tags\""), "%s", r.out);
	RUN("rmi", "app:1");
	ck_assert_msg(r.rc == 0, "%s", r.err);
	ck_assert_str_eq(r.out, "Deleted: app:1\nDeleted: " LFS_CHAIN_PREFIX "bb\n");
	ck_assert_uint_eq(count_layers(), 1);
	/* an image name, as tag and history call it */
	RUN("rmi", "nope:1");
	ck_assert_int_eq(r.rc, 1);
	ck_assert_str_eq(r.err, "layerctl: image 'nope:1': not in the store (No such file or directory)\n");
}
END_TEST

/*
 * Commands that change a record read it, change it and write it whole:
 * two at once must not lose either change.  Processes tag one layer at
 * the same time: every tag they were told was made is in the record.
 */
START_TEST(test_tag_concurrent)
{
	enum { PROCS = 4, EACH = 12 };
	struct lfs_store st = LFS_STORE_INIT;
	struct lfs_meta m;
	char name[32];
	int i, k, status, failed = 0;
	pid_t pid[PROCS];

	put_meta("app:1", NULL, NULL, 1);
	for (i = 0; i < PROCS; i++) {
		pid[i] = fork();
		ck_assert_int_ge(pid[i], 0);
		if (pid[i])
			continue;
		for (k = 0; k < EACH; k++) {
			snprintf(name, sizeof(name), "t%d/n:%d", i, k);
			RUN("tag", "app:1", name);
			if (r.rc) {
				fprintf(stderr, "tag %s: %s", name, r.err);
				_exit(1);
			}
		}
		_exit(0);
	}
	for (i = 0; i < PROCS; i++) {
		ck_assert_int_eq(waitpid(pid[i], &status, 0), pid[i]);
		failed += !WIFEXITED(status) || WEXITSTATUS(status);
	}
	ck_assert_int_eq(failed, 0);
	ck_assert_int_eq(lfs_store_open(&st, tmp, 0, NULL), 0);
	ck_assert_int_eq(lfs_store_ref_get(&st, "app:1", &m, NULL), 1);
	ck_assert_uint_eq(m.tags.n, PROCS * EACH);
	lfs_meta_free(&m);
	lfs_store_close(&st);
}
END_TEST

/*
 * `images` caches a frozen layer's size in its record, from the record it
 * listed: a tag made since (or removed since) must stay as it is now.
 */
START_TEST(test_usage_keeps_tags)
{
	struct lfs_store st = LFS_STORE_INIT;
	struct lfs_meta_list l = LFS_META_LIST_INIT;
	struct lfs_meta m;

	put_meta("app:1", NULL, NULL, 1);
	ck_assert_int_eq(lfs_store_open(&st, tmp, 0, NULL), 0);
	ck_assert_int_eq(lfs_store_layer_list(&st, &l, NULL), 0);
	ck_assert_uint_eq(l.n, 1);
	ck_assert_int_eq(l.v[0]->has_usage, 0);
	RUN("tag", "app:1", "web:1");		/* meanwhile */
	ck_assert_msg(r.rc == 0, "%s", r.err);
	ck_assert_int_eq(lfs_store_layer_usage(&st, l.v[0]), 0);
	ck_assert_int_eq(lfs_store_ref_get(&st, "app:1", &m, NULL), 1);
	ck_assert_int_eq(m.has_usage, 1);	/* cached */
	ck_assert_uint_eq(m.tags.n, 1);		/* and the tag kept */
	ck_assert_str_eq(m.tags.v[0], "web:1");
	lfs_meta_free(&m);
	lfs_meta_list_free(&l);
	lfs_store_close(&st);
}
END_TEST

/* rmi keeps an unnamed lower layer another image or a view uses. */
START_TEST(test_rmi_keeps_used)
{
	struct lfs_layer kbase = { 0 };

	put_meta(LFS_CHAIN_PREFIX "bb", NULL, NULL, 1);
	put_meta("app:1", LFS_CHAIN_PREFIX "bb", NULL, 2);
	put_meta("app:2", LFS_CHAIN_PREFIX "bb", NULL, 2);
	kbase.name = LFS_CHAIN_PREFIX "bb";
	fake_nl.layers[0] = &kbase;
	fake_nl.n_layers = 1;
	RUN("rmi", "app:1");
	ck_assert_msg(r.rc == 0, "%s", r.err);
	ck_assert_str_eq(r.out, "Deleted: app:1\n");
	ck_assert_uint_eq(count_layers(), 2);
	/* the last image goes, but a view still uses the lower layer */
	kbase.has = LFS_HAS_VIEWS;
	kbase.views = 1;
	RUN("rmi", "app:2");
	ck_assert_msg(r.rc == 0, "%s", r.err);
	ck_assert_str_eq(r.out, "Deleted: app:2\n");
	ck_assert_uint_eq(count_layers(), 1);
}
END_TEST


Suite *store_suite(void)
{
	Suite *s = suite_create("store");
	TCase *meta = tcase_create("meta");
	TCase *files = tcase_create("files");
	TCase *msg = tcase_create("msg");
	TCase *cmds = tcase_create("commands");

	tcase_add_test(meta, test_meta_round_trip);
	tcase_add_test(meta, test_meta_minimal);
	tcase_add_loop_test(meta, test_meta_bad, 0, (int)N(bad_metas));
	tcase_add_test(meta, test_view_meta_round_trip);
	tcase_add_test(meta, test_keys);
	tcase_add_test(meta, test_path_keys);
	tcase_add_test(meta, test_order);
	tcase_add_test(meta, test_chain);
	tcase_add_test(meta, test_fmt_size);
	tcase_add_test(meta, test_fmt_images_history);
	tcase_add_test(meta, test_fmt_history_hostile);
	tcase_add_test(meta, test_find_ref_intermediate);
	tcase_add_test(meta, test_nameq);
	tcase_add_test(meta, test_reg_names);
	tcase_add_test(meta, test_tmp_names);
	suite_add_tcase(s, meta);

	tcase_add_checked_fixture(files, tmp_setup, tmp_teardown);
	tcase_add_test(files, test_store_files);
	tcase_add_test(files, test_register_base_extack);
	tcase_add_test(files, test_discard_tmp_leftover);
	tcase_add_test(files, test_store_layer_new_publish);
	tcase_add_test(files, test_dirguard);
	tcase_add_test(files, test_open_dir_nofollow);
	tcase_add_test(files, test_mkdir_p);
	tcase_add_test(files, test_index_store_dir_gone);
	suite_add_tcase(s, files);

	tcase_add_test(msg, test_msg_commit_request);
	tcase_add_test(msg, test_msg_base_round_trip);
	tcase_add_test(msg, test_msg_base_bad_length);
	suite_add_tcase(s, msg);

	/*
	 * Check's 4 s default is short for these tests (fsynced records,
	 * several processes at once) on a machine a guest loads:
	 * test_commit_store_view overran it so, old code and new alike.
	 */
	tcase_set_timeout(cmds, 60);
	tcase_add_checked_fixture(cmds, tmp_setup, cmd_teardown);
	tcase_add_test(cmds, test_commit_store_view);
	tcase_add_test(cmds, test_commit_index_warning);
	tcase_add_test(cmds, test_store_nomem);
	tcase_add_test(cmds, test_commit_view_record_order);
	tcase_add_test(cmds, test_commit_refused);
	tcase_add_test(cmds, test_commit_external_upper);
	tcase_add_test(cmds, test_store_refs);
	tcase_add_test(cmds, test_store_refs_long_name);
	tcase_add_test(cmds, test_restore_order);
	tcase_add_test(cmds, test_restore_skip_and_fail);
	tcase_add_test(cmds, test_restore_store_subject);
	tcase_add_test(cmds, test_rm);
	tcase_add_test(cmds, test_images_all_latest);
	tcase_add_test(cmds, test_images_bad_record_escaped);
	tcase_add_test(cmds, test_tag_rmi);
	tcase_add_test(cmds, test_tag_concurrent);
	tcase_add_test(cmds, test_usage_keeps_tags);
	tcase_add_test(cmds, test_rmi_keeps_used);
	tcase_add_test(cmds, test_mount_ref_store);
	tcase_add_test(cmds, test_restore_views);
	tcase_add_test(cmds, test_restore_views_symlink);
	tcase_add_test(cmds, test_mount_trust);
	tcase_add_test(cmds, test_layer_add_records);
	tcase_add_test(cmds, test_record_ancestors_concurrent);
	tcase_add_test(cmds, test_record_chain_once);
	tcase_add_test(cmds, test_record_ancestors_once);
	tcase_add_test(cmds, test_umount_store_view);
	tcase_add_test(cmds, test_umount_store_view_empty);
	tcase_add_test(cmds, test_umount_other_view);
	tcase_add_test(cmds, test_umount_commit_meanwhile);
	tcase_add_test(cmds, test_commit_umount_race);
	tcase_add_test(cmds, test_commit_stale_listing);
	tcase_add_test(cmds, test_commit_record_key_kernels);
	tcase_add_test(cmds, test_commit_record_key_outside);
	tcase_add_test(cmds, test_commit_upper_keeps_moving);
	tcase_add_test(cmds, test_umount_during_kernel_commit);
	tcase_add_test(cmds, test_umount_record_key_mismatch);
	tcase_add_test(cmds, test_prune);
	tcase_add_test(cmds, test_prune_tmp_name_escaped);
	tcase_add_test(cmds, test_prune_other_paths);
	suite_add_tcase(s, cmds);
	return s;
}
