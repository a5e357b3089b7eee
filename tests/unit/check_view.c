// SPDX-License-Identifier: GPL-2.0
/*
 * Tests for the pure view code: --layers splitting and view assembly
 * (userspace/viewinfo.c), view-dump messages (userspace/msg.c, from
 * hand-made byte buffers, host byte order as netlink is), mountinfo
 * parsing, the `view ls` table (format.c) and JSON (jsonout.c).
 */
#include <endian.h>
#include <errno.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <linux/layerfs.h>
#include <linux/netlink.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>

#include "buf.h"
#include "format.h"
#include "jsonout.h"
#include "msg.h"
#include "suites.h"
#include "viewinfo.h"

#if __BYTE_ORDER != __LITTLE_ENDIAN
#error "the canned messages below are little-endian"
#endif

#define FAMILY 0x1c
#define N(a) (sizeof(a) / sizeof((a)[0]))

/* ---- --layers lists ---- */

struct split_case {
	const char *list;
	size_t n;
	const char *names[4];
};

static const struct split_case split_cases[] = {
	{ "base", 1, { "base" } },
	{ "app:mid:base", 3, { "app", "mid", "base" } },
	{ "gakki/mytomcat\\:1.1:tomcat\\:9", 2, { "gakki/mytomcat:1.1", "tomcat:9" } },
	{ "a\\\\b:c", 2, { "a\\b", "c" } },	/* "\\" is a backslash */
	{ "\\x\\y", 1, { "xy" } },		/* any character may be escaped */
	{ "a\\", 1, { "a\\" } },		/* a final backslash is kept */
	{ "a::b", 3, { "a", "", "b" } },	/* empty names pass through */
	{ "a:", 2, { "a", "" } },
	{ ":a", 2, { "", "a" } },
	{ "", 1, { "" } },
	{ "a\\::b", 2, { "a:", "b" } },
};

START_TEST(test_split)
{
	const struct split_case *c = &split_cases[_i];
	struct lfs_strv sv = LFS_STRV_INIT;
	size_t i;

	ck_assert_int_eq(lfs_layers_split(c->list, &sv), 0);
	ck_assert_uint_eq(sv.n, c->n);
	for (i = 0; i < c->n; i++)
		ck_assert_str_eq(sv.v[i], c->names[i]);
	lfs_strv_free(&sv);
	ck_assert_ptr_null(sv.v);
	ck_assert_uint_eq(sv.n, 0);
}
END_TEST

/* Lists append: --layers a:b --layers c is a, b, c. */
START_TEST(test_split_appends)
{
	struct lfs_strv sv = LFS_STRV_INIT;
	char name[16];
	size_t i;

	ck_assert_int_eq(lfs_layers_split("a:b", &sv), 0);
	ck_assert_int_eq(lfs_strv_push(&sv, "x:1"), 0);
	ck_assert_int_eq(lfs_layers_split("c", &sv), 0);
	ck_assert_uint_eq(sv.n, 4);
	ck_assert_str_eq(sv.v[0], "a");
	ck_assert_str_eq(sv.v[1], "b");
	ck_assert_str_eq(sv.v[2], "x:1");
	ck_assert_str_eq(sv.v[3], "c");
	lfs_strv_free(&sv);

	/* Growth past the first allocations. */
	for (i = 0; i < 1000; i++) {
		snprintf(name, sizeof(name), "l%zu", i);
		ck_assert_int_eq(lfs_strv_push(&sv, name), 0);
	}
	ck_assert_uint_eq(sv.n, 1000);
	ck_assert_str_eq(sv.v[999], "l999");
	ck_assert_int_eq(lfs_strv_pushn(&sv, "abcdef", 3), 0);
	ck_assert_str_eq(sv.v[1000], "abc");
	lfs_strv_free(&sv);
}
END_TEST

/* ---- device numbers ---- */

START_TEST(test_dev)
{
	/* new_encode_dev(): minor low byte, major, then the minor's rest. */
	ck_assert_uint_eq(lfs_dev_encode(0, 45), 45);
	ck_assert_uint_eq(lfs_dev_encode(8, 1), 0x801);
	ck_assert_uint_eq(lfs_dev_encode(0, 300), 0x10002c);
	ck_assert_uint_eq(lfs_dev_encode(0xfff, 0xfffff), 0xffffffff);
	ck_assert_uint_eq(lfs_dev_major(0x801), 8);
	ck_assert_uint_eq(lfs_dev_minor(0x801), 1);
	ck_assert_uint_eq(lfs_dev_major(0x10002c), 0);
	ck_assert_uint_eq(lfs_dev_minor(0x10002c), 300);
	ck_assert_uint_eq(lfs_dev_major(0xffffffff), 0xfff);
	ck_assert_uint_eq(lfs_dev_minor(0xffffffff), 0xfffff);
	ck_assert_uint_eq(lfs_dev_encode(lfs_dev_major(0x12345678),
					 lfs_dev_minor(0x12345678)), 0x12345678);
}
END_TEST

/* ---- view-dump messages ---- */

/*
 * View 1, first message: source "web" on dev 0:45, image "app:1",
 * upper /u, work /w; 3 layers, "app:1" and "mid" in this message.  A PAD
 * attribute first, as nla_put_u64_64bit() may emit.
 */
static const uint8_t view1_part1[] = {
	/* nlmsghdr: len 132, type FAMILY, flags NLM_F_MULTI, seq 5, port 0 */
	0x84, 0x00, 0x00, 0x00, 0x1c, 0x00, 0x02, 0x00,
	0x05, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	/* genlmsghdr: cmd VIEW_GET, version 1 */
	0x04, 0x01, 0x00, 0x00,
	/* [20] LAYERFS_A_VIEW | NLA_F_NESTED, len 112 */
	0x70, 0x00, 0x02, 0x80,
	/* [24] PAD, len 4 */
	0x04, 0x00, 0x0b, 0x00,
	/* [28] ID = 1 */
	0x0c, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00,
	/* [40] DEV = 45 */
	0x08, 0x00, 0x02, 0x00, 0x2d, 0x00, 0x00, 0x00,
	/* [48] SOURCE = "web", len 8 */
	0x08, 0x00, 0x03, 0x00, 0x77, 0x65, 0x62, 0x00,
	/* [56] NLAYERS = 3 */
	0x08, 0x00, 0x08, 0x00, 0x03, 0x00, 0x00, 0x00,
	/* [64] FIRST = 0 */
	0x08, 0x00, 0x09, 0x00, 0x00, 0x00, 0x00, 0x00,
	/* [72] FLAGS = 0 */
	0x08, 0x00, 0x07, 0x00, 0x00, 0x00, 0x00, 0x00,
	/* [80] IMAGE = "app:1", len 10 + 2 */
	0x0a, 0x00, 0x04, 0x00, 0x61, 0x70, 0x70, 0x3a,
	0x31, 0x00, 0x00, 0x00,
	/* [92] UPPER = "/u", len 7 + 1 */
	0x07, 0x00, 0x05, 0x00, 0x2f, 0x75, 0x00, 0x00,
	/* [100] WORK = "/w", len 7 + 1 */
	0x07, 0x00, 0x06, 0x00, 0x2f, 0x77, 0x00, 0x00,
	/* [108] LAYERS | NLA_F_NESTED, len 24 */
	0x18, 0x00, 0x0a, 0x80,
	/* [112] NAME = "app:1", len 10 + 2 */
	0x0a, 0x00, 0x01, 0x00, 0x61, 0x70, 0x70, 0x3a,
	0x31, 0x00, 0x00, 0x00,
	/* [124] NAME = "mid", len 8 */
	0x08, 0x00, 0x01, 0x00, 0x6d, 0x69, 0x64, 0x00,
};

/*
 * View 1, second message: FIRST 2, the bottom layer "base".
 */
static const uint8_t view1_part2[] = {
	/* nlmsghdr: len 92, type FAMILY, flags NLM_F_MULTI, seq 5, port 0 */
	0x5c, 0x00, 0x00, 0x00, 0x1c, 0x00, 0x02, 0x00,
	0x05, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	/* genlmsghdr: cmd VIEW_GET, version 1 */
	0x04, 0x01, 0x00, 0x00,
	/* [20] LAYERFS_A_VIEW | NLA_F_NESTED, len 72 */
	0x48, 0x00, 0x02, 0x80,
	/* [24] ID = 1 */
	0x0c, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00,
	/* [36] DEV = 45 */
	0x08, 0x00, 0x02, 0x00, 0x2d, 0x00, 0x00, 0x00,
	/* [44] SOURCE = "web", len 8 */
	0x08, 0x00, 0x03, 0x00, 0x77, 0x65, 0x62, 0x00,
	/* [52] NLAYERS = 3 */
	0x08, 0x00, 0x08, 0x00, 0x03, 0x00, 0x00, 0x00,
	/* [60] FIRST = 2 */
	0x08, 0x00, 0x09, 0x00, 0x02, 0x00, 0x00, 0x00,
	/* [68] FLAGS = 0 */
	0x08, 0x00, 0x07, 0x00, 0x00, 0x00, 0x00, 0x00,
	/* [76] LAYERS | NLA_F_NESTED, len 16 */
	0x10, 0x00, 0x0a, 0x80,
	/* [80] NAME = "base", len 9 + 3 */
	0x09, 0x00, 0x01, 0x00, 0x62, 0x61, 0x73, 0x65,
	0x00, 0x00, 0x00, 0x00,
};

#define P1_CMD		16
#define P1_VIEW		22	/* type of LAYERFS_A_VIEW */
#define P1_DEV_TYPE	42
#define P1_NLAYERS	56	/* length of NLAYERS */
#define P1_LAYERS_LEN	108
#define P1_MID_NUL	131
#define P1_MID_LEN	124	/* length of the NAME "mid" */
#define P1_PAD_TYPE	26

static uint8_t work[512];

static struct nlmsghdr *copy(const uint8_t *msg, size_t len)
{
	ck_assert_uint_le(len, sizeof(work));
	memcpy(work, msg, len);
	return (struct nlmsghdr *)work;
}

static void set_u16(size_t off, uint16_t v)
{
	memcpy(work + off, &v, sizeof(v));
}

static void set_u32(size_t off, uint32_t v)
{
	memcpy(work + off, &v, sizeof(v));
}

START_TEST(test_parse_first_part)
{
	struct lfs_view_part p;
	struct lfs_err why = LFS_ERR_INIT;

	ck_assert_int_eq(lfs_msg_parse_view((const struct nlmsghdr *)view1_part1,
					    FAMILY, LAYERFS_CMD_VIEW_GET, &p,
					    &why), 0);
	ck_assert_str_eq(why.msg, "");
	ck_assert_uint_eq(p.id, 1);
	ck_assert_uint_eq(p.dev, 45);
	ck_assert_uint_eq(p.flags, 0);
	ck_assert_uint_eq(p.nlayers, 3);
	ck_assert_uint_eq(p.first, 0);
	ck_assert_str_eq(p.source, "web");
	ck_assert_str_eq(p.image, "app:1");
	ck_assert_str_eq(p.upper, "/u");
	ck_assert_str_eq(p.work, "/w");
	ck_assert_uint_eq(p.nnames, 2);
	ck_assert_str_eq(p.names[0], "app:1");
	ck_assert_str_eq(p.names[1], "mid");
	lfs_msg_view_part_release(&p);
	ck_assert_ptr_null(p.names);
}
END_TEST

START_TEST(test_parse_second_part)
{
	struct lfs_view_part p;

	/* Any family and command when not asked to check them. */
	ck_assert_int_eq(lfs_msg_parse_view((const struct nlmsghdr *)view1_part2,
					    -1, 0, &p, NULL), 0);
	ck_assert_uint_eq(p.id, 1);
	ck_assert_uint_eq(p.first, 2);
	ck_assert_uint_eq(p.nlayers, 3);
	ck_assert_str_eq(p.source, "web");
	ck_assert_ptr_null(p.image);
	ck_assert_ptr_null(p.upper);
	ck_assert_ptr_null(p.work);
	ck_assert_uint_eq(p.nnames, 1);
	ck_assert_str_eq(p.names[0], "base");
	lfs_msg_view_part_release(&p);
}
END_TEST

struct bad_case {
	size_t off;		/* patch at */
	int size;		/* 1, 2 or 4 bytes */
	uint32_t value;
	size_t off2;		/* and a byte here, if not 0 */
	uint8_t value2;
	const char *why;
};

static const struct bad_case bad_cases[] = {
	{ P1_CMD, 1, LAYERFS_CMD_LAYER_GET, 0, 0,
	  "malformed reply: unexpected command 3" },
	{ 4, 2, FAMILY + 1, 0, 0, "malformed reply: unexpected message type 29" },
	{ P1_VIEW, 2, 0x8000 | LAYERFS_A_LAYER, 0, 0,
	  "malformed reply: missing attribute VIEW" },
	{ P1_DEV_TYPE, 2, 0x30, 0, 0, "malformed reply: missing attribute DEV" },
	{ P1_NLAYERS, 2, 7, 0, 0,
	  "malformed reply: attribute NLAYERS has 3 bytes, not 4" },
	{ P1_MID_NUL, 1, 'x', 0, 0,
	  "malformed reply: layer name 1 in LAYERS is not NUL-terminated" },
	{ P1_MID_LEN, 2, 5, P1_MID_LEN + 4, 0,
	  "malformed reply: layer name 1 in LAYERS is empty or longer than 255 bytes" },
	{ P1_MID_LEN + 5, 1, 0, 0, 0,
	  "malformed reply: layer name 1 in LAYERS has an embedded NUL" },
	{ P1_LAYERS_LEN, 2, 22, 0, 0,
	  "malformed reply: truncated attribute in LAYERS (6 bytes left)" },
	{ 0, 4, 19, 0, 0,
	  "malformed reply: message of 19 bytes is shorter than its headers" },
};

START_TEST(test_parse_malformed)
{
	const struct bad_case *c = &bad_cases[_i];
	struct nlmsghdr *nlh = copy(view1_part1, sizeof(view1_part1));
	struct lfs_view_part p;
	struct lfs_err why = LFS_ERR_INIT;

	if (c->size == 1)
		work[c->off] = (uint8_t)c->value;
	else if (c->size == 2)
		set_u16(c->off, (uint16_t)c->value);
	else
		set_u32(c->off, c->value);
	if (c->off2)
		work[c->off2] = c->value2;
	ck_assert_int_eq(lfs_msg_parse_view(nlh, FAMILY, LAYERFS_CMD_VIEW_GET,
					    &p, &why), -EBADMSG);
	ck_assert_str_eq(why.msg, c->why);
	ck_assert_ptr_null(p.names);
}
END_TEST

/* Unknown attributes (a newer kernel's) are ignored, also inside LAYERS. */
START_TEST(test_parse_unknown_ignored)
{
	struct nlmsghdr *nlh = copy(view1_part1, sizeof(view1_part1));
	struct lfs_view_part p;

	set_u16(P1_MID_LEN + 2, 9);	/* "mid" */
	set_u16(P1_PAD_TYPE, 0x31);	/* the PAD */
	ck_assert_int_eq(lfs_msg_parse_view(nlh, FAMILY, LAYERFS_CMD_VIEW_GET,
					    &p, NULL), 0);
	ck_assert_uint_eq(p.nnames, 1);
	ck_assert_str_eq(p.names[0], "app:1");
	ck_assert_str_eq(p.source, "web");
	lfs_msg_view_part_release(&p);
}
END_TEST

/* A view-dump message built with libnl: @nnames names "l<first + i>". */
static struct nl_msg *build_part(uint64_t id, uint32_t nlayers, uint32_t first,
				 uint32_t nnames)
{
	struct nl_msg *msg = nlmsg_alloc_size(65536);
	struct nlattr *view, *layers;
	char name[32];
	uint32_t i;

	ck_assert_ptr_nonnull(msg);
	ck_assert_ptr_nonnull(genlmsg_put(msg, 0, 1, FAMILY, 0, NLM_F_MULTI,
					  LAYERFS_CMD_VIEW_GET, 1));
	view = nla_nest_start(msg, LAYERFS_A_VIEW | NLA_F_NESTED);
	ck_assert_ptr_nonnull(view);
	ck_assert_int_eq(nla_put_u64(msg, LAYERFS_VIEW_A_ID, id), 0);
	ck_assert_int_eq(nla_put_u32(msg, LAYERFS_VIEW_A_DEV, 46), 0);
	ck_assert_int_eq(nla_put_string(msg, LAYERFS_VIEW_A_SOURCE, "big"), 0);
	ck_assert_int_eq(nla_put_u32(msg, LAYERFS_VIEW_A_NLAYERS, nlayers), 0);
	ck_assert_int_eq(nla_put_u32(msg, LAYERFS_VIEW_A_FIRST, first), 0);
	ck_assert_int_eq(nla_put_u32(msg, LAYERFS_VIEW_A_FLAGS,
				     LAYERFS_VIEW_F_RDONLY), 0);
	layers = nla_nest_start(msg, LAYERFS_VIEW_A_LAYERS | NLA_F_NESTED);
	ck_assert_ptr_nonnull(layers);
	for (i = 0; i < nnames; i++) {
		snprintf(name, sizeof(name), "l%04u", (unsigned int)(first + i + 1));
		ck_assert_int_eq(nla_put_string(msg, LAYERFS_VIEW_LAYER_A_NAME,
						name), 0);
	}
	nla_nest_end(msg, layers);
	nla_nest_end(msg, view);
	return msg;
}

/* Parses @msg and adds it to @l; returns lfs_views_add()'s result. */
static int add_msg(struct lfs_view_list *l, const struct nlmsghdr *nlh,
		   struct lfs_err *why)
{
	struct lfs_view_part p;
	int rc;

	ck_assert_int_eq(lfs_msg_parse_view(nlh, FAMILY, LAYERFS_CMD_VIEW_GET,
					    &p, why), 0);
	rc = lfs_views_add(l, &p, why);
	lfs_msg_view_part_release(&p);
	return rc;
}

/* ---- assembly ---- */

START_TEST(test_assemble_split_view)
{
	struct lfs_view_list l = LFS_VIEW_LIST_INIT;
	struct lfs_err why = LFS_ERR_INIT;
	const struct lfs_view *v;

	ck_assert_int_eq(add_msg(&l, (const struct nlmsghdr *)view1_part1, &why), 0);
	ck_assert_uint_eq(l.n, 1);
	ck_assert_int_eq(l.open, 1);
	ck_assert_int_eq(add_msg(&l, (const struct nlmsghdr *)view1_part2, &why), 0);
	ck_assert_int_eq(l.open, 0);
	lfs_views_finish(&l);
	ck_assert_uint_eq(l.n, 1);
	ck_assert_uint_eq(l.dropped, 0);
	v = &l.v[0];
	ck_assert_uint_eq(v->id, 1);
	ck_assert_uint_eq(v->dev, 45);
	ck_assert_uint_eq(v->nlayers, 3);
	ck_assert_uint_eq(v->have, 3);
	ck_assert_str_eq(v->source, "web");
	ck_assert_str_eq(v->image, "app:1");
	ck_assert_str_eq(v->upper, "/u");
	ck_assert_str_eq(v->work, "/w");
	ck_assert_str_eq(v->layers[0], "app:1");
	ck_assert_str_eq(v->layers[1], "mid");
	ck_assert_str_eq(v->layers[2], "base");
	ck_assert_uint_eq(v->mountpoints.n, 0);
	lfs_views_free(&l);
}
END_TEST

/* 4,096 layers over three messages, then a second view. */
START_TEST(test_assemble_big_view)
{
	struct lfs_view_list l = LFS_VIEW_LIST_INIT;
	struct lfs_err why = LFS_ERR_INIT;
	struct nl_msg *m;
	uint32_t runs[][2] = { { 0, 1500 }, { 1500, 1500 }, { 3000, 1096 } };
	size_t i;

	for (i = 0; i < N(runs); i++) {
		m = build_part(9, 4096, runs[i][0], runs[i][1]);
		ck_assert_int_eq(add_msg(&l, nlmsg_hdr(m), &why), 0);
		nlmsg_free(m);
	}
	m = build_part(10, 1, 0, 1);
	ck_assert_int_eq(add_msg(&l, nlmsg_hdr(m), &why), 0);
	nlmsg_free(m);
	lfs_views_finish(&l);
	ck_assert_uint_eq(l.n, 2);
	ck_assert_uint_eq(l.v[0].have, 4096);
	ck_assert_str_eq(l.v[0].layers[0], "l0001");
	ck_assert_str_eq(l.v[0].layers[1500], "l1501");
	ck_assert_str_eq(l.v[0].layers[4095], "l4096");
	ck_assert_uint_eq(l.v[0].flags, LAYERFS_VIEW_F_RDONLY);
	ck_assert_ptr_null(l.v[0].upper);
	ck_assert_uint_eq(l.v[1].id, 10);
	ck_assert_uint_eq(l.v[1].have, 1);
	lfs_views_free(&l);
}
END_TEST

static const char *part_names[] = { "a", "b", "c", "d" };

/* A part of view @id (dev 45, source "s") with @n names. */
static struct lfs_view_part part(uint64_t id, uint32_t nlayers, uint32_t first,
				 uint32_t n)
{
	struct lfs_view_part p = {
		.id = id, .dev = 45, .nlayers = nlayers, .first = first,
		.source = "s", .names = part_names, .nnames = n,
	};
	return p;
}

/* A view unmounted while the dump ran: dropped, the rest kept. */
START_TEST(test_assemble_vanished)
{
	struct lfs_view_list l = LFS_VIEW_LIST_INIT;
	struct lfs_view_part p;
	struct lfs_err why = LFS_ERR_INIT;

	p = part(1, 3, 0, 2);
	ck_assert_int_eq(lfs_views_add(&l, &p, &why), 0);
	p = part(2, 1, 0, 1);	/* view 1 never finished */
	ck_assert_int_eq(lfs_views_add(&l, &p, &why), 0);
	ck_assert_uint_eq(l.n, 1);
	ck_assert_uint_eq(l.v[0].id, 2);
	ck_assert_uint_eq(l.dropped, 1);
	p = part(3, 4, 0, 3);	/* nor does view 3 */
	ck_assert_int_eq(lfs_views_add(&l, &p, &why), 0);
	ck_assert_uint_eq(l.n, 2);
	lfs_views_finish(&l);
	ck_assert_uint_eq(l.n, 1);
	ck_assert_uint_eq(l.dropped, 2);
	lfs_views_free(&l);

	/* An empty dump. */
	lfs_views_finish(&l);
	ck_assert_uint_eq(l.n, 0);
	lfs_views_free(&l);
}
END_TEST

struct seq_case {
	struct lfs_view_part first;	/* added first, must succeed */
	struct lfs_view_part next;	/* then this, which must fail */
	const char *why;
};

#define PART(id_, nl_, first_, n_) \
	{ .id = (id_), .dev = 45, .nlayers = (nl_), .first = (first_), \
	  .source = "s", .names = part_names, .nnames = (n_) }

static const struct seq_case seq_cases[] = {
	{ PART(1, 3, 0, 3), PART(1, 3, 3, 1),
	  "malformed reply: view 1 continues at layer 3 without its start" },
	{ PART(1, 3, 0, 1), PART(2, 3, 1, 1),
	  "malformed reply: view 2 continues at layer 1 without its start" },
	{ PART(1, 4, 0, 1), PART(1, 4, 2, 1),
	  "malformed reply: view 1 continues at layer 2, expected 1" },
	{ PART(1, 4, 0, 1), PART(1, 3, 1, 1),
	  "malformed reply: view 1 changes between messages" },
	{ PART(1, 4, 0, 1), { .id = 1, .dev = 46, .nlayers = 4, .first = 1,
			      .source = "s", .names = part_names, .nnames = 1 },
	  "malformed reply: view 1 changes between messages" },
	{ PART(1, 4, 0, 1), { .id = 1, .dev = 45, .nlayers = 4, .first = 1,
			      .source = "t", .names = part_names, .nnames = 1 },
	  "malformed reply: view 1 changes between messages" },
	{ PART(1, 4, 0, 1), { .id = 1, .dev = 45, .nlayers = 4, .first = 1,
			      .flags = 1, .source = "s", .names = part_names,
			      .nnames = 1 },
	  "malformed reply: view 1 changes between messages" },
	{ PART(1, 4, 0, 2), PART(1, 4, 2, 3),
	  "malformed reply: view 1 has more than its 4 layers" },
	{ PART(1, 4, 0, 2), PART(1, 4, 2, 0),
	  "malformed reply: a message of view 1 has no layer names" },
	{ PART(1, 1, 0, 1), PART(2, 0, 0, 0),
	  "malformed reply: view 2 has no layers" },
	{ PART(1, 1, 0, 1), PART(2, LAYERFS_LAYERS_MAX + 1, 0, 1),
	  "malformed reply: view 2 has 65537 layers, more than 65536" },
	{ PART(1, 1, 0, 1), PART(2, 2, 0, 3),
	  "malformed reply: view 2 has more than its 2 layers" },
	{ PART(1, 1, 0, 1), { .id = 2, .dev = 45, .nlayers = 1,
			      .names = part_names, .nnames = 1 },
	  "malformed reply: view 2 has no SOURCE" },
};

START_TEST(test_assemble_malformed)
{
	const struct seq_case *c = &seq_cases[_i];
	struct lfs_view_list l = LFS_VIEW_LIST_INIT;
	struct lfs_err why = LFS_ERR_INIT;

	ck_assert_int_eq(lfs_views_add(&l, &c->first, &why), 0);
	ck_assert_str_eq(why.msg, "");
	ck_assert_int_eq(lfs_views_add(&l, &c->next, &why), -EBADMSG);
	ck_assert_str_eq(why.msg, c->why);
	lfs_views_free(&l);
}
END_TEST

/* ---- mountinfo ---- */

/*
 * A mount table: view 0:45 at two places and bind-mounted from a
 * subdirectory, view 0:46 once, a tmpfs with an escaped mountpoint, a
 * device with a minor above 255, optional fields and a malformed line.
 */
static const char mountinfo[] =
	"22 1 0:21 / / rw,relatime shared:1 - tmpfs rootfs rw,size=100k\n"
	"35 22 0:45 / /mnt/web rw,relatime shared:12 master:3 - layerfs web rw,image=app:1,upper=/u,work=/w\n"
	"36 22 0:47 / /tmp/with\\040space rw - tmpfs none rw\n"
	"37 22 0:45 / /srv/web\\040two\\011tab rw - layerfs web rw,image=app:1,upper=/u,work=/w\n"
	"38 22 0:46 / /ro ro,relatime - layerfs layerfs ro,layers=base\n"
	"this line is not a mountinfo line\n"
	"39 22 0:45 /sub /bind rw - layerfs web rw\n"
	"40 22 8:1 / /data rw - ext4 /dev/sda1 rw\n"
	"41 22 0:300 / /big\\134minor rw - layerfs x ro";	/* no newline */

START_TEST(test_mountinfo_parse)
{
	char line[] = "35 22 0:45 /sub /mnt/a\\040b rw,relatime shared:12 master:3 - layerfs my\\040src rw,layers=a";
	char bad1[] = "35 22 0:45 / /mnt rw";		/* no " - " */
	char bad2[] = "35 22 045 / /mnt rw - layerfs x rw";
	char bad3[] = "35 22 0:45 / /mnt rw -";
	char bad4[] = "35 22";
	char bad5[] = "35 22 0:x / /mnt rw - layerfs x rw";
	char bad6[] = "35 22 4096:1 / /mnt rw - layerfs x rw";
	struct lfs_mountinfo mi;

	ck_assert_int_eq(lfs_mountinfo_parse(line, &mi), 0);
	ck_assert_uint_eq(mi.major, 0);
	ck_assert_uint_eq(mi.minor, 45);
	ck_assert_str_eq(mi.root, "/sub");
	ck_assert_str_eq(mi.mountpoint, "/mnt/a b");
	ck_assert_str_eq(mi.fstype, "layerfs");
	ck_assert_str_eq(mi.source, "my src");
	ck_assert_int_eq(lfs_mountinfo_parse(bad1, &mi), -EINVAL);
	ck_assert_int_eq(lfs_mountinfo_parse(bad2, &mi), -EINVAL);
	ck_assert_int_eq(lfs_mountinfo_parse(bad3, &mi), -EINVAL);
	ck_assert_int_eq(lfs_mountinfo_parse(bad4, &mi), -EINVAL);
	ck_assert_int_eq(lfs_mountinfo_parse(bad5, &mi), -EINVAL);
	ck_assert_int_eq(lfs_mountinfo_parse(bad6, &mi), -EINVAL);
}
END_TEST

START_TEST(test_mountinfo_views)
{
	struct lfs_view_list l = LFS_VIEW_LIST_INIT;
	struct lfs_view_part p;
	const uint32_t devs[] = { 45, 46, 0x10002c, 47, 99 };
	size_t i;

	for (i = 0; i < N(devs); i++) {
		p = part(i + 1, 1, 0, 1);
		p.dev = devs[i];
		ck_assert_int_eq(lfs_views_add(&l, &p, NULL), 0);
	}
	ck_assert_int_eq(lfs_views_set_mountpoints(&l, mountinfo), 0);
	ck_assert_uint_eq(l.v[0].mountpoints.n, 3);
	ck_assert_str_eq(l.v[0].mountpoints.v[0], "/mnt/web");
	ck_assert_str_eq(l.v[0].mountpoints.v[1], "/srv/web two\ttab");
	ck_assert_str_eq(l.v[0].mountpoints.v[2], "/bind");
	ck_assert_uint_eq(l.v[1].mountpoints.n, 1);
	ck_assert_str_eq(l.v[1].mountpoints.v[0], "/ro");
	ck_assert_uint_eq(l.v[2].mountpoints.n, 1);
	ck_assert_str_eq(l.v[2].mountpoints.v[0], "/big\\minor");
	/* 0:47 is a tmpfs, not a view; 99 is mounted nowhere here. */
	ck_assert_uint_eq(l.v[3].mountpoints.n, 0);
	ck_assert_uint_eq(l.v[4].mountpoints.n, 0);
	ck_assert_int_eq(lfs_views_set_mountpoints(&l, ""), 0);
	ck_assert_uint_eq(l.v[0].mountpoints.n, 3);
	lfs_views_free(&l);
}
END_TEST

/* ---- table and JSON ---- */

/* Views as `view ls` gets them: assembled, with mountpoints. */
static void sample_views(struct lfs_view_list *l)
{
	static const char *ro_names[] = { "base" };
	struct lfs_view_part p = {
		.id = 2, .dev = 46, .nlayers = 1, .flags = LAYERFS_VIEW_F_RDONLY,
		.source = "layerfs", .names = ro_names, .nnames = 1,
	};

	ck_assert_int_eq(add_msg(l, (const struct nlmsghdr *)view1_part1, NULL), 0);
	ck_assert_int_eq(add_msg(l, (const struct nlmsghdr *)view1_part2, NULL), 0);
	ck_assert_int_eq(lfs_views_add(l, &p, NULL), 0);
	p.id = 3;
	p.dev = 99;
	ck_assert_int_eq(lfs_views_add(l, &p, NULL), 0);
	lfs_views_finish(l);
	ck_assert_int_eq(lfs_views_set_mountpoints(l, mountinfo), 0);
}

START_TEST(test_table)
{
	struct lfs_view_list l = LFS_VIEW_LIST_INIT;
	struct lfs_buf b = LFS_BUF_INIT;

	lfs_fmt_views(&b, NULL, 0);
	ck_assert_str_eq(lfs_buf_str(&b), "ID   MOUNTPOINT   LAYERS   UPPER   MODE\n");
	lfs_buf_reset(&b);
	sample_views(&l);
	lfs_fmt_views(&b, l.v, l.n);
	ck_assert_str_eq(lfs_buf_str(&b),
		"ID   MOUNTPOINT                         LAYERS            UPPER   MODE\n"
		"1    /mnt/web,/srv/web two\\ttab,/bind   app\\:1:mid:base   /u      rw\n"
		"2    /ro                                base              -       ro\n"
		"3    -                                  base              -       ro\n");
	ck_assert_int_eq(lfs_buf_error(&b), 0);
	lfs_buf_free(&b);
	lfs_views_free(&l);
}
END_TEST

/* A view of @n layers "l0001"... (or @names), for the LAYERS cell. */
static void stack_cell(struct lfs_buf *b, uint32_t n, const char **names)
{
	struct lfs_view v = { .id = 1, .nlayers = n, .have = n };
	char **layers = calloc(n, sizeof(*layers));
	uint32_t i;

	ck_assert_ptr_nonnull(layers);
	for (i = 0; i < n; i++) {
		layers[i] = malloc(32);
		ck_assert_ptr_nonnull(layers[i]);
		if (names)
			snprintf(layers[i], 32, "%s", names[i]);
		else
			snprintf(layers[i], 32, "l%04u", (unsigned int)i + 1);
	}
	v.layers = layers;
	lfs_buf_reset(b);
	lfs_fmt_view_layers(b, &v);
	for (i = 0; i < n; i++)
		free(layers[i]);
	free(layers);
}

START_TEST(test_layers_cell)
{
	const char *tags[] = { "gakki/mytomcat:1.1", "tomcat:9" };
	/* 31 columns each */
	const char *longs[] = { "aaaaaaaaaaaaaaaaaaaaaaa/aaaaaaa",
				"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb", "c" };
	struct lfs_buf b = LFS_BUF_INIT;

	stack_cell(&b, 1, NULL);
	ck_assert_str_eq(lfs_buf_str(&b), "l0001");
	stack_cell(&b, 2, tags);
	ck_assert_str_eq(lfs_buf_str(&b), "gakki/mytomcat\\:1.1:tomcat\\:9");
	/* 8 layers: 47 columns, shown in full; 9: 53, shortened. */
	stack_cell(&b, 8, NULL);
	ck_assert_str_eq(lfs_buf_str(&b),
			 "l0001:l0002:l0003:l0004:l0005:l0006:l0007:l0008");
	stack_cell(&b, 9, NULL);
	ck_assert_str_eq(lfs_buf_str(&b), "l0001:...:l0009 (9)");
	stack_cell(&b, 4096, NULL);
	ck_assert_str_eq(lfs_buf_str(&b), "l0001:...:l4096 (4096)");
	/* Two long names stay: shortening would not make them shorter. */
	stack_cell(&b, 2, longs);
	ck_assert_str_eq(lfs_buf_str(&b),
			 "aaaaaaaaaaaaaaaaaaaaaaa/aaaaaaa:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb");
	stack_cell(&b, 3, longs);
	ck_assert_str_eq(lfs_buf_str(&b),
			 "aaaaaaaaaaaaaaaaaaaaaaa/aaaaaaa:...:c (3)");
	lfs_buf_free(&b);
}
END_TEST

START_TEST(test_json)
{
	struct lfs_view_list l = LFS_VIEW_LIST_INIT;
	struct lfs_buf b = LFS_BUF_INIT;
	struct lfs_json j;
	size_t i;

	sample_views(&l);
	lfs_json_init(&j, &b);
	lfs_json_array_begin(&j);
	for (i = 0; i < l.n; i++)
		lfs_json_view(&j, &l.v[i]);
	lfs_json_array_end(&j);
	ck_assert_int_eq(lfs_json_error(&j), 0);
	ck_assert_str_eq(lfs_buf_str(&b),
		"[{\"id\":1,\"dev\":\"0:45\",\"source\":\"web\","
		"\"mountpoints\":[\"/mnt/web\",\"/srv/web two\\ttab\",\"/bind\"],"
		"\"image\":\"app:1\",\"layers\":[\"app:1\",\"mid\",\"base\"],"
		"\"upper\":\"/u\",\"work\":\"/w\",\"readonly\":false,\"indexed\":false,"
		"\"mount_options\":[\"rw\",\"relatime\"]},"
		"{\"id\":2,\"dev\":\"0:46\",\"source\":\"layerfs\","
		"\"mountpoints\":[\"/ro\"],\"layers\":[\"base\"],\"readonly\":true,\"indexed\":false,"
		"\"mount_options\":[\"ro\",\"relatime\"]},"
		"{\"id\":3,\"dev\":\"0:99\",\"source\":\"layerfs\","
		"\"mountpoints\":[],\"layers\":[\"base\"],\"readonly\":true,\"indexed\":false,"
		"\"mount_options\":[]}]");
	lfs_buf_free(&b);
	lfs_views_free(&l);
}
END_TEST

Suite *view_suite(void)
{
	Suite *s = suite_create("view");
	TCase *split = tcase_create("split");
	TCase *msg = tcase_create("msg");
	TCase *assemble = tcase_create("assemble");
	TCase *mi = tcase_create("mountinfo");
	TCase *out = tcase_create("output");

	tcase_add_loop_test(split, test_split, 0, (int)N(split_cases));
	tcase_add_test(split, test_split_appends);
	tcase_add_test(split, test_dev);

	tcase_add_test(msg, test_parse_first_part);
	tcase_add_test(msg, test_parse_second_part);
	tcase_add_loop_test(msg, test_parse_malformed, 0, (int)N(bad_cases));
	tcase_add_test(msg, test_parse_unknown_ignored);

	tcase_add_test(assemble, test_assemble_split_view);
	tcase_add_test(assemble, test_assemble_big_view);
	tcase_add_test(assemble, test_assemble_vanished);
	tcase_add_loop_test(assemble, test_assemble_malformed, 0,
			    (int)N(seq_cases));

	tcase_add_test(mi, test_mountinfo_parse);
	tcase_add_test(mi, test_mountinfo_views);

	tcase_add_test(out, test_table);
	tcase_add_test(out, test_layers_cell);
	tcase_add_test(out, test_json);

	suite_add_tcase(s, split);
	suite_add_tcase(s, msg);
	suite_add_tcase(s, assemble);
	suite_add_tcase(s, mi);
	suite_add_tcase(s, out);
	return s;
}
