// SPDX-License-Identifier: GPL-2.0
/*
 * Tests for userspace/msg.c: requests built with libnl, replies parsed
 * from hand-made byte buffers (host byte order, as netlink is), malformed
 * replies, acks, errors with extended ACK, dump ends.
 */
#include <endian.h>
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include <linux/layerfs.h>
#include <linux/netlink.h>
#include <netlink/attr.h>
#include <netlink/errno.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>

#include "msg.h"
#include "suites.h"

#if __BYTE_ORDER != __LITTLE_ENDIAN
#error "the canned messages below are little-endian"
#endif

#define FAMILY 0x1c

/*
 * A LAYERFS_CMD_LAYER_GET reply as the kernel sends it: layer 7 "base" at
 * "/srv/base", created 2027-01-15T08:00:00.123456789Z, frozen, 2 views,
 * 3 children, with a PAD attribute as nla_put_u64_64bit() may emit.
 */
static const uint8_t reply_base[] = {
	/* nlmsghdr: len 104, type FAMILY, flags 0, seq 1, port 0 */
	0x68, 0x00, 0x00, 0x00, 0x1c, 0x00, 0x00, 0x00,
	0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	/* genlmsghdr: cmd LAYER_GET, version 1 */
	0x03, 0x01, 0x00, 0x00,
	/* [20] LAYERFS_A_LAYER | NLA_F_NESTED, len 84 */
	0x54, 0x00, 0x01, 0x80,
	/* [24] PAD, len 4 */
	0x04, 0x00, 0x0c, 0x00,
	/* [28] ID = 7 */
	0x0c, 0x00, 0x01, 0x00,
	0x07, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	/* [40] NAME = "base", len 9 + 3 padding */
	0x09, 0x00, 0x02, 0x00,
	'b', 'a', 's', 'e', 0x00, 0x00, 0x00, 0x00,
	/* [52] PATH = "/srv/base", len 14 + 2 padding */
	0x0e, 0x00, 0x03, 0x00,
	'/', 's', 'r', 'v', '/', 'b', 'a', 's', 'e', 0x00, 0x00, 0x00,
	/* [68] CREATED = 1800000000123456789 = 0x18fae2769b0fcd15 */
	0x0c, 0x00, 0x08, 0x00,
	0x15, 0xcd, 0x0f, 0x9b, 0x76, 0xe2, 0xfa, 0x18,
	/* [80] FLAGS = LAYERFS_LAYER_F_FROZEN */
	0x08, 0x00, 0x09, 0x00, 0x01, 0x00, 0x00, 0x00,
	/* [88] VIEWS = 2 */
	0x08, 0x00, 0x0a, 0x00, 0x02, 0x00, 0x00, 0x00,
	/* [96] CHILDREN = 3 */
	0x08, 0x00, 0x0b, 0x00, 0x03, 0x00, 0x00, 0x00,
};

#define OFF_CMD		16
#define OFF_ID		28
#define OFF_NAME	40
#define OFF_PATH	52
#define OFF_FLAGS	80
#define OFF_VIEWS	88

/*
 * A LAYERFS_CMD_LAYER_ADD reply with a parent, author and message, plus
 * attributes of types this layerctl does not know (a newer kernel's): one
 * at the top level, one inside the nest.  No PAD.
 */
static const uint8_t reply_child[] = {
	/* nlmsghdr: len 120, type FAMILY, flags 0, seq 9, port 0 */
	0x78, 0x00, 0x00, 0x00, 0x1c, 0x00, 0x00, 0x00,
	0x09, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	/* genlmsghdr: cmd LAYER_ADD, version 1 */
	0x01, 0x01, 0x00, 0x00,
	/* [20] unknown top-level attribute 5, u32 */
	0x08, 0x00, 0x05, 0x00, 0xaa, 0xbb, 0xcc, 0xdd,
	/* [28] LAYERFS_A_LAYER without NLA_F_NESTED, len 92 */
	0x5c, 0x00, 0x01, 0x00,
	/* [32] ID = 0x0102030405060708 */
	0x0c, 0x00, 0x01, 0x00,
	0x08, 0x07, 0x06, 0x05, 0x04, 0x03, 0x02, 0x01,
	/* [44] NAME = "app:v1", len 11 + 1 */
	0x0b, 0x00, 0x02, 0x00,
	'a', 'p', 'p', ':', 'v', '1', 0x00, 0x00,
	/* [56] PATH = "/l/app", len 11 + 1 */
	0x0b, 0x00, 0x03, 0x00,
	'/', 'l', '/', 'a', 'p', 'p', 0x00, 0x00,
	/* [68] PARENT = "base", len 9 + 3 */
	0x09, 0x00, 0x04, 0x00,
	'b', 'a', 's', 'e', 0x00, 0x00, 0x00, 0x00,
	/* [80] PARENT_ID = 7 */
	0x0c, 0x00, 0x05, 0x00,
	0x07, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	/* [92] AUTHOR = "", len 5 + 3 */
	0x05, 0x00, 0x06, 0x00, 0x00, 0x00, 0x00, 0x00,
	/* [100] MESSAGE = "hi\n", len 8 */
	0x08, 0x00, 0x07, 0x00, 'h', 'i', '\n', 0x00,
	/* [108] unknown nested attribute 77, 8 bytes */
	0x0c, 0x00, 0x4d, 0x00,
	0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08,
};

/* A writable copy of a canned message. */
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

START_TEST(test_canned_sizes)
{
	ck_assert_uint_eq(((const struct nlmsghdr *)reply_base)->nlmsg_len,
			  sizeof(reply_base));
	ck_assert_uint_eq(((const struct nlmsghdr *)reply_child)->nlmsg_len,
			  sizeof(reply_child));
}
END_TEST

START_TEST(test_parse_canned_base)
{
	struct lfs_err why = { 0, 0, "x" };
	struct lfs_layer l;
	struct nlmsghdr *nlh = copy(reply_base, sizeof(reply_base));

	ck_assert_int_eq(lfs_msg_parse_layer(nlh, FAMILY, LAYERFS_CMD_LAYER_GET,
					     &l, &why), 0);
	ck_assert_str_eq(why.msg, "");
	ck_assert_uint_eq(l.has, LFS_HAS_ID | LFS_HAS_CREATED | LFS_HAS_FLAGS |
				 LFS_HAS_VIEWS | LFS_HAS_CHILDREN);
	ck_assert_uint_eq(l.id, 7);
	ck_assert_str_eq(l.name, "base");
	ck_assert_str_eq(l.path, "/srv/base");
	ck_assert_ptr_null(l.parent);
	ck_assert_ptr_null(l.author);
	ck_assert_ptr_null(l.message);
	ck_assert_uint_eq(l.created, 1800000000123456789ULL);
	ck_assert_uint_eq(l.flags, LAYERFS_LAYER_F_FROZEN);
	ck_assert_uint_eq(l.views, 2);
	ck_assert_uint_eq(l.children, 3);
	/* Strings point into the message. */
	ck_assert_ptr_eq(l.name, (char *)work + OFF_NAME + 4);
}
END_TEST

START_TEST(test_parse_canned_child)
{
	struct lfs_layer l;
	struct nlmsghdr *nlh = copy(reply_child, sizeof(reply_child));

	ck_assert_int_eq(lfs_msg_parse_layer(nlh, FAMILY, LAYERFS_CMD_LAYER_ADD,
					     &l, NULL), 0);
	ck_assert_uint_eq(l.has, LFS_HAS_ID | LFS_HAS_PARENT_ID);
	ck_assert_uint_eq(l.id, 0x0102030405060708ULL);
	ck_assert_str_eq(l.name, "app:v1");
	ck_assert_str_eq(l.path, "/l/app");
	ck_assert_str_eq(l.parent, "base");
	ck_assert_uint_eq(l.parent_id, 7);
	ck_assert_str_eq(l.author, "");
	ck_assert_str_eq(l.message, "hi\n");
}
END_TEST

START_TEST(test_parse_any_family_and_cmd)
{
	struct lfs_layer l;

	copy(reply_base, sizeof(reply_base));
	ck_assert_int_eq(lfs_msg_parse_layer((struct nlmsghdr *)work, -1, 0,
					     &l, NULL), 0);
	ck_assert_str_eq(l.name, "base");
}
END_TEST

/* ---- malformed replies ---- */

struct bad_reply {
	const char *what;
	size_t off;		/* byte to patch */
	int width;		/* 1, 2 or 4 bytes; 0: patch nothing */
	uint32_t value;
	int family;
	uint8_t cmd;
	const char *why;	/* expected prefix after "malformed reply: " */
};

static const struct bad_reply bad_replies[] = {
	{ "NAME without NUL", OFF_NAME + 8, 1, 'x', FAMILY, 3,
	  "attribute NAME is not NUL-terminated" },
	{ "PATH without NUL", OFF_PATH + 13, 1, 'x', FAMILY, 3,
	  "attribute PATH is not NUL-terminated" },
	{ "NAME with embedded NUL", OFF_NAME + 5, 1, 0, FAMILY, 3,
	  "attribute NAME has an embedded NUL" },
	{ "NAME missing (unknown type)", OFF_NAME + 2, 2, 0x20, FAMILY, 3,
	  "missing attribute NAME" },
	{ "ID missing", OFF_ID + 2, 2, 0x7f, FAMILY, 3,
	  "missing attribute ID" },
	{ "PATH missing", OFF_PATH + 2, 2, 0x7e, FAMILY, 3,
	  "missing attribute PATH" },
	{ "PATH runs past the nest", OFF_PATH, 2, 0x40, FAMILY, 3,
	  "truncated attribute in LAYER" },
	{ "nest runs past the message", 0, 4, 100, FAMILY, 3,
	  "truncated attribute in message" },
	{ "attribute shorter than its header", OFF_FLAGS, 2, 2, FAMILY, 3,
	  "truncated attribute in LAYER" },
	{ "ID of 7 bytes", OFF_ID, 2, 11, FAMILY, 3,
	  "attribute ID has 7 bytes, not 8" },
	{ "FLAGS of 2 bytes", OFF_FLAGS, 2, 6, FAMILY, 3,
	  "attribute FLAGS has 2 bytes, not 4" },
	{ "FLAGS twice", OFF_VIEWS + 2, 2, LAYERFS_LAYER_A_FLAGS, FAMILY, 3,
	  "duplicate attribute FLAGS" },
	{ "reply to another command", OFF_CMD, 1, 2, FAMILY, 3,
	  "unexpected command 2" },
	{ "another family", 0, 0, 0, FAMILY + 1, 3,
	  "unexpected message type 28" },
	{ "shorter than its headers", 0, 4, 18, FAMILY, 3,
	  "message of 18 bytes is shorter than its headers" },
	{ "no nest", 0, 4, 20, FAMILY, 3,
	  "missing attribute LAYER" },
};

START_TEST(test_parse_malformed)
{
	const struct bad_reply *t = &bad_replies[_i];
	struct lfs_err why = LFS_ERR_INIT;
	struct lfs_layer l;
	struct nlmsghdr *nlh = copy(reply_base, sizeof(reply_base));
	const char *prefix = "malformed reply: ";

	if (t->width == 1)
		work[t->off] = (uint8_t)t->value;
	else if (t->width == 2)
		set_u16(t->off, (uint16_t)t->value);
	else if (t->width == 4)
		set_u32(t->off, t->value);
	ck_assert_msg(lfs_msg_parse_layer(nlh, t->family, t->cmd, &l, &why) == -EBADMSG,
		      "%s: accepted", t->what);
	ck_assert_msg(!strncmp(why.msg, prefix, strlen(prefix)) &&
		      !strncmp(why.msg + strlen(prefix), t->why, strlen(t->why)),
		      "%s: got '%s'", t->what, why.msg);
}
END_TEST

START_TEST(test_parse_malformed_no_why_buffer)
{
	struct lfs_layer l;
	struct nlmsghdr *nlh = copy(reply_base, sizeof(reply_base));

	work[OFF_NAME + 8] = 'x';
	ck_assert_int_eq(lfs_msg_parse_layer(nlh, FAMILY, 0, &l, NULL),
			 -EBADMSG);
}
END_TEST

/* ---- requests built with libnl, and round trips ---- */

static const struct lfs_layer full_layer = {
	.has = LFS_HAS_ID | LFS_HAS_PARENT_ID | LFS_HAS_CREATED |
	       LFS_HAS_FLAGS | LFS_HAS_VIEWS | LFS_HAS_CHILDREN,
	.id = 42,
	.parent_id = 41,
	.created = 1800000000123456789ULL,
	.flags = LAYERFS_LAYER_F_FROZEN,
	.views = 5,
	.children = 6,
	.name = "gakki/mytomcat:8.5",
	.path = "/srv/layers/tomcat dir",
	.parent = "base",
	.author = "Jane \"J\" Doe",
	.message = "multi\nline",
};

static void assert_same_layer(const struct lfs_layer *a,
			      const struct lfs_layer *b)
{
	ck_assert_uint_eq(a->has, b->has);
	ck_assert_uint_eq(a->id, b->id);
	ck_assert_uint_eq(a->parent_id, b->parent_id);
	ck_assert_uint_eq(a->created, b->created);
	ck_assert_uint_eq(a->flags, b->flags);
	ck_assert_uint_eq(a->views, b->views);
	ck_assert_uint_eq(a->children, b->children);
	ck_assert_pstr_eq(a->name, b->name);
	ck_assert_pstr_eq(a->path, b->path);
	ck_assert_pstr_eq(a->parent, b->parent);
	ck_assert_pstr_eq(a->author, b->author);
	ck_assert_pstr_eq(a->message, b->message);
}

START_TEST(test_round_trip_full)
{
	struct nl_msg *msg;
	struct lfs_layer l;
	struct lfs_err why = LFS_ERR_INIT;

	msg = lfs_msg_request(FAMILY, LAYERFS_CMD_LAYER_ADD, 0, &full_layer);
	ck_assert_ptr_nonnull(msg);
	ck_assert_int_eq(lfs_msg_parse_layer(nlmsg_hdr(msg), FAMILY,
					     LAYERFS_CMD_LAYER_ADD, &l, &why), 0);
	assert_same_layer(&l, &full_layer);
	nlmsg_free(msg);
}
END_TEST

START_TEST(test_round_trip_minimal)
{
	const struct lfs_layer min = { .has = LFS_HAS_ID, .id = 1,
				       .name = "a", .path = "/" };
	struct nl_msg *msg;
	struct lfs_layer l;

	msg = lfs_msg_request(FAMILY, LAYERFS_CMD_LAYER_GET, 0, &min);
	ck_assert_ptr_nonnull(msg);
	ck_assert_int_eq(lfs_msg_parse_layer(nlmsg_hdr(msg), FAMILY,
					     LAYERFS_CMD_LAYER_GET, &l, NULL), 0);
	assert_same_layer(&l, &min);
	nlmsg_free(msg);
}
END_TEST

START_TEST(test_round_trip_limits)
{
	static char name[LAYERFS_NAME_MAX + 2], text[LAYERFS_TEXT_MAX + 2];
	struct lfs_layer in = { .has = LFS_HAS_ID, .id = 1, .path = "/p" };
	struct lfs_err why = LFS_ERR_INIT;
	struct nl_msg *msg;
	struct lfs_layer l;

	memset(name, 'n', LAYERFS_NAME_MAX);
	memset(text, 't', LAYERFS_TEXT_MAX);
	in.name = name;
	in.author = text;
	in.message = text;
	msg = lfs_msg_request(FAMILY, LAYERFS_CMD_LAYER_GET, 0, &in);
	ck_assert_ptr_nonnull(msg);
	ck_assert_int_eq(lfs_msg_parse_layer(nlmsg_hdr(msg), FAMILY, 0, &l,
					     &why), 0);
	assert_same_layer(&l, &in);
	nlmsg_free(msg);

	name[LAYERFS_NAME_MAX] = 'n';	/* 256 bytes */
	msg = lfs_msg_request(FAMILY, LAYERFS_CMD_LAYER_GET, 0, &in);
	ck_assert_int_eq(lfs_msg_parse_layer(nlmsg_hdr(msg), FAMILY, 0, &l,
					     &why), -EBADMSG);
	ck_assert_str_eq(why.msg, "malformed reply: attribute NAME is longer than 255 bytes");
	nlmsg_free(msg);

	name[LAYERFS_NAME_MAX] = '\0';
	text[LAYERFS_TEXT_MAX] = 't';	/* 4096 bytes */
	msg = lfs_msg_request(FAMILY, LAYERFS_CMD_LAYER_GET, 0, &in);
	ck_assert_int_eq(lfs_msg_parse_layer(nlmsg_hdr(msg), FAMILY, 0, &l,
					     &why), -EBADMSG);
	ck_assert_str_eq(why.msg, "malformed reply: attribute AUTHOR is longer than 4095 bytes");
	nlmsg_free(msg);
}
END_TEST

/*
 * A member too long for a netlink attribute (nla_len is 16 bits: at most
 * 65535 bytes with its header, for the LAYER nest as a whole too), e.g.
 * the path of a store record: no request is made (NULL, as for any layer
 * that does not fit), never one with the nest dropped or a length cut
 * short that would make the kernel read the rest as other attributes.
 */
START_TEST(test_request_attr_too_long)
{
	static char path[70000];
	struct lfs_layer in = { .name = "base", .path = path };
	struct nlattr *attrs;
	struct genlmsghdr *gh;
	struct nl_msg *msg;
	size_t room;

	memset(path, 'p', sizeof(path) - 1);
	path[0] = '/';
	msg = lfs_msg_request(FAMILY, LAYERFS_CMD_LAYER_ADD, 0, &in);
	if (msg) {
		gh = nlmsg_data(nlmsg_hdr(msg));
		attrs = genlmsg_attrdata(gh, 0);
		ck_abort_msg("a request of %d attribute bytes, the first (type %d) "
			     "%u bytes long, for a %zu-byte path",
			     genlmsg_attrlen(gh, 0),
			     genlmsg_attrlen(gh, 0) ? nla_type(attrs) : -1,
			     genlmsg_attrlen(gh, 0) ? attrs->nla_len : 0,
			     strlen(path));
	}
	msg = lfs_msg_view_commit(FAMILY, 3, path, NULL);
	ck_assert_ptr_null(msg);

	/*
	 * The longest that fits: a nest of 65532 bytes (the most a 16-bit
	 * length says, aligned), to the byte; @room is the PATH's payload.
	 */
	room = 65532 - NLA_HDRLEN - NLA_ALIGN(NLA_HDRLEN + 5) - NLA_HDRLEN;
	path[room - 1] = '\0';
	msg = lfs_msg_request(FAMILY, LAYERFS_CMD_LAYER_ADD, 0, &in);
	ck_assert_ptr_nonnull(msg);
	gh = nlmsg_data(nlmsg_hdr(msg));
	attrs = genlmsg_attrdata(gh, 0);
	ck_assert_uint_eq(attrs->nla_len, 65532);
	nlmsg_free(msg);
	path[room - 1] = 'p';
	path[room] = '\0';
	ck_assert_ptr_null(lfs_msg_request(FAMILY, LAYERFS_CMD_LAYER_ADD, 0,
					   &in));
}
END_TEST

START_TEST(test_parse_empty_name)
{
	const struct lfs_layer in = { .has = LFS_HAS_ID, .id = 1,
				      .name = "", .path = "/p" };
	struct lfs_err why = LFS_ERR_INIT;
	struct nl_msg *msg;
	struct lfs_layer l;

	msg = lfs_msg_request(FAMILY, LAYERFS_CMD_LAYER_GET, 0, &in);
	ck_assert_int_eq(lfs_msg_parse_layer(nlmsg_hdr(msg), FAMILY, 0, &l,
					     &why), -EBADMSG);
	ck_assert_str_eq(why.msg, "malformed reply: attribute NAME is empty");
	nlmsg_free(msg);
}
END_TEST

START_TEST(test_request_layout)
{
	const struct lfs_layer key = { .name = "base" };
	struct nlattr *attrs, *nest, *a;
	struct genlmsghdr *gh;
	struct nlmsghdr *nlh;
	struct nl_msg *msg;
	int rem, count = 0;

	msg = lfs_msg_request(FAMILY, LAYERFS_CMD_LAYER_DEL, 0, &key);
	ck_assert_ptr_nonnull(msg);
	nlh = nlmsg_hdr(msg);
	ck_assert_uint_eq(nlh->nlmsg_type, FAMILY);
	ck_assert_uint_eq(nlh->nlmsg_flags & NLM_F_DUMP, 0);
	gh = nlmsg_data(nlh);
	ck_assert_uint_eq(gh->cmd, LAYERFS_CMD_LAYER_DEL);
	ck_assert_uint_eq(gh->version, LAYERFS_GENL_VERSION);
	ck_assert_uint_eq(gh->reserved, 0);

	/* Exactly one top-level attribute: the nest, flagged as nested. */
	attrs = genlmsg_attrdata(gh, 0);
	ck_assert_int_eq(nla_ok(attrs, genlmsg_attrlen(gh, 0)), 1);
	nest = attrs;
	ck_assert_int_eq(nla_type(nest), LAYERFS_A_LAYER);
	ck_assert_uint_ne(nest->nla_type & NLA_F_NESTED, 0);
	ck_assert_int_eq(NLA_ALIGN(nest->nla_len), genlmsg_attrlen(gh, 0));

	/* Inside: only NAME, NUL-terminated. */
	nla_for_each_nested(a, nest, rem) {
		count++;
		ck_assert_int_eq(nla_type(a), LAYERFS_LAYER_A_NAME);
		ck_assert_int_eq(nla_len(a), 5);
		ck_assert_mem_eq(nla_data(a), "base", 5);
	}
	ck_assert_int_eq(count, 1);
	ck_assert_int_eq(rem, 0);
	nlmsg_free(msg);
}
END_TEST

START_TEST(test_request_dump)
{
	struct genlmsghdr *gh;
	struct nlmsghdr *nlh;
	struct nl_msg *msg;

	msg = lfs_msg_request(FAMILY, LAYERFS_CMD_LAYER_GET, NLM_F_DUMP, NULL);
	ck_assert_ptr_nonnull(msg);
	nlh = nlmsg_hdr(msg);
	ck_assert_uint_eq(nlh->nlmsg_flags & NLM_F_DUMP, NLM_F_DUMP);
	ck_assert_uint_eq(nlh->nlmsg_len, NLMSG_HDRLEN + GENL_HDRLEN);
	gh = nlmsg_data(nlh);
	ck_assert_uint_eq(gh->cmd, LAYERFS_CMD_LAYER_GET);
	nlmsg_free(msg);
}
END_TEST

START_TEST(test_request_only_present_members)
{
	const struct lfs_layer in = { .has = LFS_HAS_CREATED, .created = 5,
				      .name = "n", .path = "/p" };
	struct nlattr *tb[LAYERFS_LAYER_A_MAX + 1];
	struct nlattr *top[LAYERFS_A_MAX + 1];
	struct nl_msg *msg;

	msg = lfs_msg_request(FAMILY, LAYERFS_CMD_LAYER_ADD, 0, &in);
	ck_assert_int_eq(genlmsg_parse(nlmsg_hdr(msg), 0, top, LAYERFS_A_MAX,
				       NULL), 0);
	ck_assert_ptr_nonnull(top[LAYERFS_A_LAYER]);
	ck_assert_int_eq(nla_parse_nested(tb, LAYERFS_LAYER_A_MAX,
					  top[LAYERFS_A_LAYER], NULL), 0);
	ck_assert_ptr_null(tb[LAYERFS_LAYER_A_ID]);
	ck_assert_ptr_nonnull(tb[LAYERFS_LAYER_A_NAME]);
	ck_assert_ptr_nonnull(tb[LAYERFS_LAYER_A_PATH]);
	ck_assert_ptr_null(tb[LAYERFS_LAYER_A_PARENT]);
	ck_assert_ptr_null(tb[LAYERFS_LAYER_A_PARENT_ID]);
	ck_assert_ptr_null(tb[LAYERFS_LAYER_A_AUTHOR]);
	ck_assert_ptr_null(tb[LAYERFS_LAYER_A_MESSAGE]);
	ck_assert_ptr_nonnull(tb[LAYERFS_LAYER_A_CREATED]);
	ck_assert_uint_eq(nla_get_u64(tb[LAYERFS_LAYER_A_CREATED]), 5);
	ck_assert_ptr_null(tb[LAYERFS_LAYER_A_FLAGS]);
	ck_assert_ptr_null(tb[LAYERFS_LAYER_A_VIEWS]);
	ck_assert_ptr_null(tb[LAYERFS_LAYER_A_CHILDREN]);
	nlmsg_free(msg);
}
END_TEST

/* ---- acks, errors, dump ends ---- */

/* A plain ack (error 0), capped. */
static const uint8_t ack_ok[] = {
	/* nlmsghdr: len 36, NLMSG_ERROR, NLM_F_CAPPED, seq 5 */
	0x24, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x01,
	0x05, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	/* error 0 */
	0x00, 0x00, 0x00, 0x00,
	/* the request's header: len 32, FAMILY, REQUEST|ACK, seq 5 */
	0x20, 0x00, 0x00, 0x00, 0x1c, 0x00, 0x05, 0x00,
	0x05, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
};

/* -ENOENT, capped, with extended ACK: MSG "no such layer" and OFFS 24. */
static const uint8_t err_capped[] = {
	/* nlmsghdr: len 64, NLMSG_ERROR, NLM_F_CAPPED | NLM_F_ACK_TLVS */
	0x40, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x03,
	0x05, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	/* error -2 */
	0xfe, 0xff, 0xff, 0xff,
	/* the request's header */
	0x20, 0x00, 0x00, 0x00, 0x1c, 0x00, 0x05, 0x00,
	0x05, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	/* NLMSGERR_ATTR_MSG "no such layer", len 18 + 2 */
	0x12, 0x00, 0x01, 0x00,
	'n', 'o', ' ', 's', 'u', 'c', 'h', ' ', 'l', 'a', 'y', 'e', 'r', 0x00,
	0x00, 0x00,
	/* NLMSGERR_ATTR_OFFS 24 */
	0x08, 0x00, 0x02, 0x00, 0x18, 0x00, 0x00, 0x00,
};

/* -EINVAL, not capped (the request follows), with extended ACK. */
static const uint8_t err_full[] = {
	/* nlmsghdr: len 76, NLMSG_ERROR, NLM_F_ACK_TLVS */
	0x4c, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x02,
	0x06, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	/* error -22 */
	0xea, 0xff, 0xff, 0xff,
	/* the request: header (len 26), genl header, an unpadded attribute */
	0x1a, 0x00, 0x00, 0x00, 0x1c, 0x00, 0x05, 0x00,
	0x06, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x01, 0x01, 0x00, 0x00, 0x06, 0x00, 0x03, 0x00, 0xab, 0xcd,
	/* padding of the request to 4 bytes */
	0x00, 0x00,
	/* NLMSGERR_ATTR_MSG "path must be absolute", len 26 + 2 */
	0x1a, 0x00, 0x01, 0x00,
	'p', 'a', 't', 'h', ' ', 'm', 'u', 's', 't', ' ', 'b', 'e', ' ',
	'a', 'b', 's', 'o', 'l', 'u', 't', 'e', 0x00,
	0x00, 0x00,
};

/* -EBUSY, old style: the whole request follows, no extended ACK. */
static const uint8_t err_plain[] = {
	/* nlmsghdr: len 44, NLMSG_ERROR, flags 0 */
	0x2c, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00,
	0x07, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	/* error -16 */
	0xf0, 0xff, 0xff, 0xff,
	/* the request: header (len 24) and 8 bytes of payload */
	0x18, 0x00, 0x00, 0x00, 0x1c, 0x00, 0x05, 0x00,
	0x07, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x02, 0x01, 0x00, 0x00, 0x04, 0x00, 0x01, 0x80,
};

/* A dump that failed with -EPERM, with extended ACK "denied". */
static const uint8_t done_err[] = {
	/* nlmsghdr: len 32, NLMSG_DONE, NLM_F_MULTI | NLM_F_ACK_TLVS */
	0x20, 0x00, 0x00, 0x00, 0x03, 0x00, 0x02, 0x02,
	0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	/* error -1 */
	0xff, 0xff, 0xff, 0xff,
	/* NLMSGERR_ATTR_MSG "denied", len 11 + 1 */
	0x0b, 0x00, 0x01, 0x00, 'd', 'e', 'n', 'i', 'e', 'd', 0x00, 0x00,
};

/* A successful end of dump. */
static const uint8_t done_ok[] = {
	0x14, 0x00, 0x00, 0x00, 0x03, 0x00, 0x02, 0x00,
	0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00,
};

/* An end of dump without the errno (old kernels). */
static const uint8_t done_bare[] = {
	0x10, 0x00, 0x00, 0x00, 0x03, 0x00, 0x02, 0x00,
	0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
};

struct status_case {
	const char *what;
	const uint8_t *msg;
	size_t len;
	int rc;
	int error;
	const char *extack;
};

#define MSG(a) a, sizeof(a)

static const struct status_case status_cases[] = {
	{ "ack", MSG(ack_ok), 0, 0, "" },
	{ "capped error", MSG(err_capped), 0, -ENOENT, "no such layer" },
	{ "full error", MSG(err_full), 0, -EINVAL, "path must be absolute" },
	{ "plain error", MSG(err_plain), 0, -EBUSY, "" },
	{ "dump error", MSG(done_err), 0, -EPERM, "denied" },
	{ "dump done", MSG(done_ok), 0, 0, "" },
	{ "bare dump done", MSG(done_bare), 0, 0, "" },
	{ "not a status", MSG(reply_base), -EBADMSG, 0, "" },
};

START_TEST(test_status)
{
	const struct status_case *t = &status_cases[_i];
	char extack[LFS_MSG_WHY_MAX] = "junk";
	int error = 12345;
	int rc;

	ck_assert_msg(((const struct nlmsghdr *)t->msg)->nlmsg_len == t->len,
		      "%s: nlmsg_len is not the buffer size", t->what);
	copy(t->msg, t->len);
	rc = lfs_msg_parse_status((struct nlmsghdr *)work, &error, extack,
				  sizeof(extack));
	ck_assert_msg(rc == t->rc, "%s: returned %d", t->what, rc);
	ck_assert_msg(error == t->error, "%s: error %d", t->what, error);
	ck_assert_msg(!strcmp(extack, t->extack), "%s: extack '%s'", t->what,
		      extack);
}
END_TEST

START_TEST(test_status_truncated)
{
	char extack[16];
	int error;

	copy(MSG(err_capped));
	set_u32(0, 18);	/* shorter than the nlmsgerr */
	ck_assert_int_eq(lfs_msg_parse_status((struct nlmsghdr *)work, &error,
					      extack, sizeof(extack)), -EBADMSG);
	/* TLVs cut off: the errno still counts, the text is lost. */
	copy(MSG(err_capped));
	set_u32(0, 38);
	ck_assert_int_eq(lfs_msg_parse_status((struct nlmsghdr *)work, &error,
					      extack, sizeof(extack)), 0);
	ck_assert_int_eq(error, -ENOENT);
	ck_assert_str_eq(extack, "");
}
END_TEST

START_TEST(test_status_small_extack_buffer)
{
	char extack[8];
	int error;

	copy(MSG(err_capped));
	ck_assert_int_eq(lfs_msg_parse_status((struct nlmsghdr *)work, &error,
					      extack, sizeof(extack)), 0);
	ck_assert_str_eq(extack, "no such");
	ck_assert_int_eq(lfs_msg_parse_status((struct nlmsghdr *)work, &error,
					      NULL, 0), 0);
	ck_assert_int_eq(error, -ENOENT);
}
END_TEST

START_TEST(test_status_extack_without_nul)
{
	char extack[LFS_MSG_WHY_MAX];
	int error;

	copy(MSG(done_err));
	work[16 + 4 + 4 + 6] = '!';	/* overwrite the NUL of "denied" */
	ck_assert_int_eq(lfs_msg_parse_status((struct nlmsghdr *)work, &error,
					      extack, sizeof(extack)), 0);
	ck_assert_int_eq(error, -EPERM);
	ck_assert_str_eq(extack, "denied!");
}
END_TEST

START_TEST(test_nlerr_to_errno)
{
	ck_assert_int_eq(lfs_msg_nlerr_to_errno(0), 0);
	ck_assert_int_eq(lfs_msg_nlerr_to_errno(-NLE_NOMEM), -ENOMEM);
	ck_assert_int_eq(lfs_msg_nlerr_to_errno(NLE_NOMEM), -ENOMEM);
	ck_assert_int_eq(lfs_msg_nlerr_to_errno(-NLE_PERM), -EPERM);
	ck_assert_int_eq(lfs_msg_nlerr_to_errno(-NLE_NOACCESS), -EACCES);
	ck_assert_int_eq(lfs_msg_nlerr_to_errno(-NLE_OBJ_NOTFOUND), -ENOENT);
	ck_assert_int_eq(lfs_msg_nlerr_to_errno(-NLE_SEQ_MISMATCH), -EBADMSG);
	ck_assert_int_eq(lfs_msg_nlerr_to_errno(-NLE_MSG_TRUNC), -EBADMSG);
	ck_assert_int_eq(lfs_msg_nlerr_to_errno(-NLE_BUSY), -EBUSY);
	ck_assert_int_eq(lfs_msg_nlerr_to_errno(-NLE_FAILURE), -EIO);
	ck_assert_int_eq(lfs_msg_nlerr_to_errno(-9999), -EIO);
}
END_TEST

Suite *msg_suite(void)
{
	Suite *s = suite_create("msg");
	TCase *parse = tcase_create("parse");
	TCase *bad = tcase_create("malformed");
	TCase *build = tcase_create("build");
	TCase *status = tcase_create("status");

	tcase_add_test(parse, test_canned_sizes);
	tcase_add_test(parse, test_parse_canned_base);
	tcase_add_test(parse, test_parse_canned_child);
	tcase_add_test(parse, test_parse_any_family_and_cmd);
	suite_add_tcase(s, parse);

	tcase_add_loop_test(bad, test_parse_malformed, 0,
			    (int)(sizeof(bad_replies) / sizeof(bad_replies[0])));
	tcase_add_test(bad, test_parse_malformed_no_why_buffer);
	tcase_add_test(bad, test_parse_empty_name);
	suite_add_tcase(s, bad);

	tcase_add_test(build, test_round_trip_full);
	tcase_add_test(build, test_round_trip_minimal);
	tcase_add_test(build, test_round_trip_limits);
	tcase_add_test(build, test_request_layout);
	tcase_add_test(build, test_request_dump);
	tcase_add_test(build, test_request_only_present_members);
	tcase_add_test(build, test_request_attr_too_long);
	suite_add_tcase(s, build);

	tcase_add_loop_test(status, test_status, 0,
			    (int)(sizeof(status_cases) / sizeof(status_cases[0])));
	tcase_add_test(status, test_status_truncated);
	tcase_add_test(status, test_status_small_extack_buffer);
	tcase_add_test(status, test_status_extack_without_nul);
	tcase_add_test(status, test_nlerr_to_errno);
	suite_add_tcase(s, status);
	return s;
}
