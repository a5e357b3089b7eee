// SPDX-License-Identifier: GPL-2.0
/* layerfs message building and parsing (see msg.h). */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/layerfs.h>
#include <netlink/attr.h>
#include <netlink/errno.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>

#include "msg.h"

/* Room for an attribute holding @s, NUL included. */
static size_t lfs_str_room(const char *s)
{
	return s ? NLA_ALIGN(NLA_HDRLEN + strlen(s) + 1) : 0;
}

/*
 * The size of the request for @layer: libnl's default (one page) is too
 * small for a layer with long author and message texts.
 */
static size_t lfs_msg_size(const struct lfs_layer *l)
{
	size_t size = NLMSG_HDRLEN + GENL_HDRLEN;

	if (l) {
		size += NLA_HDRLEN;
		size += lfs_str_room(l->name) + lfs_str_room(l->path) +
			lfs_str_room(l->parent) + lfs_str_room(l->author) +
			lfs_str_room(l->message);
		/* ID, PARENT_ID, CREATED, FLAGS, VIEWS, CHILDREN */
		size += 6 * NLA_ALIGN(NLA_HDRLEN + sizeof(uint64_t));
		size += NLA_HDRLEN + (size_t)l->nbase * sizeof(uint64_t);
	}
	return NLMSG_ALIGN(size);
}

/* A message of @size bytes with the generic netlink header of @cmd. */
static struct nl_msg *lfs_msg_start(int family, uint8_t cmd, int nlflags,
				    size_t size)
{
	struct nl_msg *msg = nlmsg_alloc_size(NLMSG_ALIGN(size));

	if (msg && !genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, family, 0,
				nlflags, cmd, LAYERFS_GENL_VERSION)) {
		nlmsg_free(msg);
		return NULL;
	}
	return msg;
}

/* @msg (may be NULL) ended with @layer if not NULL; freed on failure. */
static struct nl_msg *lfs_msg_end(struct nl_msg *msg,
				  const struct lfs_layer *layer)
{
	if (msg && layer && lfs_msg_put_layer(msg, layer) < 0) {
		nlmsg_free(msg);
		return NULL;
	}
	return msg;
}

struct nl_msg *lfs_msg_request(int family, uint8_t cmd, int nlflags,
			       const struct lfs_layer *layer)
{
	return lfs_msg_end(lfs_msg_start(family, cmd, nlflags,
					 lfs_msg_size(layer)),
			   layer);
}

struct nl_msg *lfs_msg_view_commit(int family, uint64_t view_id,
				   const char *new_upper,
				   const struct lfs_layer *layer)
{
	struct nl_msg *msg;
	struct nlattr *nest;
	size_t size = lfs_msg_size(layer) + NLA_HDRLEN +
		NLA_ALIGN(NLA_HDRLEN + sizeof(uint64_t)) +
		lfs_str_room(new_upper);

	msg = lfs_msg_start(family, LAYERFS_CMD_VIEW_COMMIT, 0, size);
	if (!msg)
		return NULL;
	nest = nla_nest_start(msg, LAYERFS_A_VIEW | NLA_F_NESTED);
	if (!nest ||
	    nla_put_u64(msg, LAYERFS_VIEW_A_ID, view_id) < 0 ||
	    (new_upper &&
	     nla_put_string(msg, LAYERFS_VIEW_A_NEW_UPPER, new_upper) < 0) ||
	    nla_nest_end(msg, nest) < 0) {
		nlmsg_free(msg);
		return NULL;
	}
	return lfs_msg_end(msg, layer);
}

static int lfs_put_str(struct nl_msg *msg, int type, const char *s)
{
	return s ? nla_put_string(msg, type, s) : 0;
}

int lfs_msg_put_layer(struct nl_msg *msg, const struct lfs_layer *l)
{
	struct nlattr *nest;

	/* The kernel validates strictly: nests must carry NLA_F_NESTED. */
	nest = nla_nest_start(msg, LAYERFS_A_LAYER | NLA_F_NESTED);
	if (!nest)
		return -EMSGSIZE;
	if (((l->has & LFS_HAS_ID) &&
	     nla_put_u64(msg, LAYERFS_LAYER_A_ID, l->id) < 0) ||
	    lfs_put_str(msg, LAYERFS_LAYER_A_NAME, l->name) < 0 ||
	    lfs_put_str(msg, LAYERFS_LAYER_A_PATH, l->path) < 0 ||
	    lfs_put_str(msg, LAYERFS_LAYER_A_PARENT, l->parent) < 0 ||
	    ((l->has & LFS_HAS_PARENT_ID) &&
	     nla_put_u64(msg, LAYERFS_LAYER_A_PARENT_ID, l->parent_id) < 0) ||
	    lfs_put_str(msg, LAYERFS_LAYER_A_AUTHOR, l->author) < 0 ||
	    lfs_put_str(msg, LAYERFS_LAYER_A_MESSAGE, l->message) < 0 ||
	    ((l->has & LFS_HAS_CREATED) &&
	     nla_put_u64(msg, LAYERFS_LAYER_A_CREATED, l->created) < 0) ||
	    ((l->has & LFS_HAS_FLAGS) &&
	     nla_put_u32(msg, LAYERFS_LAYER_A_FLAGS, l->flags) < 0) ||
	    ((l->has & LFS_HAS_VIEWS) &&
	     nla_put_u32(msg, LAYERFS_LAYER_A_VIEWS, l->views) < 0) ||
	    ((l->has & LFS_HAS_CHILDREN) &&
	     nla_put_u32(msg, LAYERFS_LAYER_A_CHILDREN, l->children) < 0) ||
	    ((l->has & LFS_HAS_INDEX_FD) &&
	     nla_put_u32(msg, LAYERFS_LAYER_A_INDEX_FD,
			 (uint32_t)l->index_fd) < 0) ||
	    (l->nbase &&
	     nla_put(msg, LAYERFS_LAYER_A_BASE,
		     (int)(l->nbase * sizeof(uint64_t)), l->base) < 0)) {
		nla_nest_cancel(msg, nest);
		return -EMSGSIZE;
	}
	/*
	 * A nest longer than an attribute can say (nla_len is 16 bits):
	 * libnl cancels it, which must not leave a request without it.
	 */
	return nla_nest_end(msg, nest) < 0 ? -EMSGSIZE : 0;
}

/* How one attribute type must look in a reply. */
enum lfs_kind { LFS_SKIP, LFS_NEST, LFS_U32, LFS_U64, LFS_STR, LFS_U64S };

struct lfs_rule {
	const char *name;	/* for messages; NULL: type unknown here */
	enum lfs_kind kind;
	size_t max;		/* strings: longest length without the NUL */
	int empty_ok;		/* strings: "" allowed */
};

static const struct lfs_rule lfs_top_rules[LAYERFS_A_MAX + 1] = {
	[LAYERFS_A_LAYER] = { "LAYER", LFS_NEST, 0, 0 },
};

static const struct lfs_rule lfs_layer_rules[LAYERFS_LAYER_A_MAX + 1] = {
	[LAYERFS_LAYER_A_ID]	    = { "ID", LFS_U64, 0, 0 },
	[LAYERFS_LAYER_A_NAME]	    = { "NAME", LFS_STR, LAYERFS_NAME_MAX, 0 },
	[LAYERFS_LAYER_A_PATH]	    = { "PATH", LFS_STR, PATH_MAX - 1, 0 },
	[LAYERFS_LAYER_A_PARENT]    = { "PARENT", LFS_STR, LAYERFS_NAME_MAX, 0 },
	[LAYERFS_LAYER_A_PARENT_ID] = { "PARENT_ID", LFS_U64, 0, 0 },
	[LAYERFS_LAYER_A_AUTHOR]    = { "AUTHOR", LFS_STR, LAYERFS_TEXT_MAX, 1 },
	[LAYERFS_LAYER_A_MESSAGE]   = { "MESSAGE", LFS_STR, LAYERFS_TEXT_MAX, 1 },
	[LAYERFS_LAYER_A_CREATED]   = { "CREATED", LFS_U64, 0, 0 },
	[LAYERFS_LAYER_A_FLAGS]	    = { "FLAGS", LFS_U32, 0, 0 },
	[LAYERFS_LAYER_A_VIEWS]	    = { "VIEWS", LFS_U32, 0, 0 },
	[LAYERFS_LAYER_A_CHILDREN]  = { "CHILDREN", LFS_U32, 0, 0 },
	[LAYERFS_LAYER_A_PAD]	    = { "PAD", LFS_SKIP, 0, 0 },
	[LAYERFS_LAYER_A_BASE]	    = { "BASE", LFS_U64S, LAYERFS_BASE_MAX, 0 },
};

/* libnl's own validation, applied on top of ours when filling tables. */
static struct nla_policy lfs_top_policy[LAYERFS_A_MAX + 1] = {
	[LAYERFS_A_LAYER] = { .type = NLA_NESTED },
};

static struct nla_policy lfs_layer_policy[LAYERFS_LAYER_A_MAX + 1] = {
	[LAYERFS_LAYER_A_ID]	    = { .type = NLA_U64 },
	[LAYERFS_LAYER_A_NAME]	    = { .type = NLA_STRING },
	[LAYERFS_LAYER_A_PATH]	    = { .type = NLA_STRING },
	[LAYERFS_LAYER_A_PARENT]    = { .type = NLA_STRING },
	[LAYERFS_LAYER_A_PARENT_ID] = { .type = NLA_U64 },
	[LAYERFS_LAYER_A_AUTHOR]    = { .type = NLA_STRING },
	[LAYERFS_LAYER_A_MESSAGE]   = { .type = NLA_STRING },
	[LAYERFS_LAYER_A_CREATED]   = { .type = NLA_U64 },
	[LAYERFS_LAYER_A_FLAGS]	    = { .type = NLA_U32 },
	[LAYERFS_LAYER_A_VIEWS]	    = { .type = NLA_U32 },
	[LAYERFS_LAYER_A_CHILDREN]  = { .type = NLA_U32 },
	[LAYERFS_LAYER_A_BASE]	    = { .type = NLA_UNSPEC },
};

/*
 * Checks one attribute stream: each attribute fits, nothing is left over,
 * no known type repeats, and each known attribute has its rule's shape.
 */
static int lfs_check_attrs(const struct nlattr *head, int len,
			   const struct lfs_rule *rules, int maxtype,
			   const char *where, struct lfs_err *e)
{
	const struct nlattr *nla;
	unsigned long long seen = 0;
	int rem;

	nla_for_each_attr(nla, head, len, rem) {
		int type = nla_type(nla);
		const struct lfs_rule *r;
		const char *s;
		int n = nla_len(nla);

		if (type <= 0 || type > maxtype || !rules[type].name)
			continue;	/* unknown here: ignored */
		r = &rules[type];
		if (r->kind != LFS_SKIP && (seen & (1ULL << type)))
			return lfs_malformed(e, "duplicate attribute %s",
					     r->name);
		seen |= 1ULL << type;
		switch (r->kind) {
		case LFS_SKIP:
		case LFS_NEST:
			break;
		case LFS_U32:
			if (n != (int)sizeof(uint32_t))
				return lfs_malformed(e,
						     "attribute %s has %d bytes, not 4",
						     r->name, n);
			break;
		case LFS_U64S:
			if (n % (int)sizeof(uint64_t) ||
			    (size_t)n / sizeof(uint64_t) > r->max)
				return lfs_malformed(e,
						     "attribute %s has %d bytes, not a multiple of 8 up to %zu ids",
						     r->name, n, r->max);
			break;
		case LFS_U64:
			if (n != (int)sizeof(uint64_t))
				return lfs_malformed(e,
						     "attribute %s has %d bytes, not 8",
						     r->name, n);
			break;
		case LFS_STR:
			s = nla_data(nla);
			if (n < 1 || s[n - 1] != '\0')
				return lfs_malformed(e,
						     "attribute %s is not NUL-terminated",
						     r->name);
			if (strlen(s) != (size_t)n - 1)
				return lfs_malformed(e,
						     "attribute %s has an embedded NUL",
						     r->name);
			if (!r->empty_ok && n == 1)
				return lfs_malformed(e,
						     "attribute %s is empty", r->name);
			if ((size_t)n - 1 > r->max)
				return lfs_malformed(e,
						     "attribute %s is longer than %zu bytes",
						     r->name, r->max);
			break;
		}
	}
	if (rem > 0)
		return lfs_malformed(e, "truncated attribute in %s (%d bytes left)",
				     where, rem);
	return 0;
}

static uint64_t lfs_get_u64(const struct nlattr *nla)
{
	uint64_t v;

	memcpy(&v, nla_data(nla), sizeof(v));
	return v;
}

static uint32_t lfs_get_u32(const struct nlattr *nla)
{
	uint32_t v;

	memcpy(&v, nla_data(nla), sizeof(v));
	return v;
}

/*
 * The checks every reply gets: headers, type @family, command @cmd, and
 * the top-level attributes by @rules, parsed into @tb.
 */
static int lfs_msg_top(const struct nlmsghdr *nlh, int family, uint8_t cmd,
		       const struct lfs_rule *rules, struct nla_policy *policy,
		       struct nlattr **tb, struct lfs_err *e)
{
	const struct genlmsghdr *gh;
	struct nlattr *attrs;
	int len, err;

	if (e)
		lfs_err_clear(e);
	if (nlh->nlmsg_len < NLMSG_HDRLEN + GENL_HDRLEN)
		return lfs_malformed(e, "message of %u bytes is shorter than its headers",
				     nlh->nlmsg_len);
	if (family >= 0 && nlh->nlmsg_type != family)
		return lfs_malformed(e, "unexpected message type %u",
				     nlh->nlmsg_type);
	gh = nlmsg_data(nlh);
	if (cmd && gh->cmd != cmd)
		return lfs_malformed(e, "unexpected command %u", gh->cmd);

	attrs = genlmsg_attrdata(gh, 0);
	len = genlmsg_attrlen(gh, 0);
	err = lfs_check_attrs(attrs, len, rules, LAYERFS_A_MAX, "message", e);
	if (err)
		return err;
	if (nla_parse(tb, LAYERFS_A_MAX, attrs, len, policy) < 0)
		return lfs_malformed(e, "invalid attribute");
	return 0;
}

int lfs_msg_parse_layer(const struct nlmsghdr *nlh, int family, uint8_t cmd,
			struct lfs_layer *out, struct lfs_err *e)
{
	struct nlattr *tb[LAYERFS_A_MAX + 1];
	struct nlattr *lt[LAYERFS_LAYER_A_MAX + 1];
	struct nlattr *nest;
	int err;

	memset(out, 0, sizeof(*out));
	err = lfs_msg_top(nlh, family, cmd, lfs_top_rules, lfs_top_policy, tb,
			  e);
	if (err)
		return err;
	nest = tb[LAYERFS_A_LAYER];
	if (!nest)
		return lfs_malformed(e, "missing attribute LAYER");

	err = lfs_check_attrs(nla_data(nest), nla_len(nest), lfs_layer_rules,
			      LAYERFS_LAYER_A_MAX, "LAYER", e);
	if (err)
		return err;
	if (nla_parse_nested(lt, LAYERFS_LAYER_A_MAX, nest,
			     lfs_layer_policy) < 0)
		return lfs_malformed(e, "invalid attribute in LAYER");

	if (!lt[LAYERFS_LAYER_A_ID])
		return lfs_malformed(e, "missing attribute ID");
	if (!lt[LAYERFS_LAYER_A_NAME])
		return lfs_malformed(e, "missing attribute NAME");
	if (!lt[LAYERFS_LAYER_A_PATH])
		return lfs_malformed(e, "missing attribute PATH");

	out->has |= LFS_HAS_ID;
	out->id = lfs_get_u64(lt[LAYERFS_LAYER_A_ID]);
	out->name = nla_data(lt[LAYERFS_LAYER_A_NAME]);
	out->path = nla_data(lt[LAYERFS_LAYER_A_PATH]);
	if (lt[LAYERFS_LAYER_A_PARENT])
		out->parent = nla_data(lt[LAYERFS_LAYER_A_PARENT]);
	if (lt[LAYERFS_LAYER_A_PARENT_ID]) {
		out->has |= LFS_HAS_PARENT_ID;
		out->parent_id = lfs_get_u64(lt[LAYERFS_LAYER_A_PARENT_ID]);
	}
	if (lt[LAYERFS_LAYER_A_AUTHOR])
		out->author = nla_data(lt[LAYERFS_LAYER_A_AUTHOR]);
	if (lt[LAYERFS_LAYER_A_MESSAGE])
		out->message = nla_data(lt[LAYERFS_LAYER_A_MESSAGE]);
	if (lt[LAYERFS_LAYER_A_CREATED]) {
		out->has |= LFS_HAS_CREATED;
		out->created = lfs_get_u64(lt[LAYERFS_LAYER_A_CREATED]);
	}
	if (lt[LAYERFS_LAYER_A_FLAGS]) {
		out->has |= LFS_HAS_FLAGS;
		out->flags = lfs_get_u32(lt[LAYERFS_LAYER_A_FLAGS]);
	}
	if (lt[LAYERFS_LAYER_A_VIEWS]) {
		out->has |= LFS_HAS_VIEWS;
		out->views = lfs_get_u32(lt[LAYERFS_LAYER_A_VIEWS]);
	}
	if (lt[LAYERFS_LAYER_A_CHILDREN]) {
		out->has |= LFS_HAS_CHILDREN;
		out->children = lfs_get_u32(lt[LAYERFS_LAYER_A_CHILDREN]);
	}
	if (lt[LAYERFS_LAYER_A_BASE] && nla_len(lt[LAYERFS_LAYER_A_BASE])) {
		out->base = nla_data(lt[LAYERFS_LAYER_A_BASE]);
		out->nbase = (uint32_t)(nla_len(lt[LAYERFS_LAYER_A_BASE]) /
					sizeof(uint64_t));
	}
	return 0;
}

static const struct lfs_rule lfs_view_top_rules[LAYERFS_A_MAX + 1] = {
	[LAYERFS_A_VIEW] = { "VIEW", LFS_NEST, 0, 0 },
};

/* The longest mount source: mount(2) copies at most a page. */
#define LFS_SOURCE_MAX 4095

static const struct lfs_rule lfs_view_rules[LAYERFS_VIEW_A_MAX + 1] = {
	[LAYERFS_VIEW_A_ID]	 = { "ID", LFS_U64, 0, 0 },
	[LAYERFS_VIEW_A_DEV]	 = { "DEV", LFS_U32, 0, 0 },
	[LAYERFS_VIEW_A_SOURCE]	 = { "SOURCE", LFS_STR, LFS_SOURCE_MAX, 1 },
	[LAYERFS_VIEW_A_IMAGE]	 = { "IMAGE", LFS_STR, LAYERFS_NAME_MAX, 0 },
	[LAYERFS_VIEW_A_UPPER]	 = { "UPPER", LFS_STR, PATH_MAX - 1, 0 },
	[LAYERFS_VIEW_A_WORK]	 = { "WORK", LFS_STR, PATH_MAX - 1, 0 },
	[LAYERFS_VIEW_A_FLAGS]	 = { "FLAGS", LFS_U32, 0, 0 },
	[LAYERFS_VIEW_A_NLAYERS] = { "NLAYERS", LFS_U32, 0, 0 },
	[LAYERFS_VIEW_A_FIRST]	 = { "FIRST", LFS_U32, 0, 0 },
	[LAYERFS_VIEW_A_LAYERS]	 = { "LAYERS", LFS_NEST, 0, 0 },
	[LAYERFS_VIEW_A_PAD]	 = { "PAD", LFS_SKIP, 0, 0 },
	[LAYERFS_VIEW_A_COMMITS] = { "COMMITS", LFS_U32, 0, 0 },
};

static struct nla_policy lfs_view_top_policy[LAYERFS_A_MAX + 1] = {
	[LAYERFS_A_VIEW] = { .type = NLA_NESTED },
};

static struct nla_policy lfs_view_policy[LAYERFS_VIEW_A_MAX + 1] = {
	[LAYERFS_VIEW_A_ID]	 = { .type = NLA_U64 },
	[LAYERFS_VIEW_A_DEV]	 = { .type = NLA_U32 },
	[LAYERFS_VIEW_A_SOURCE]	 = { .type = NLA_STRING },
	[LAYERFS_VIEW_A_IMAGE]	 = { .type = NLA_STRING },
	[LAYERFS_VIEW_A_UPPER]	 = { .type = NLA_STRING },
	[LAYERFS_VIEW_A_WORK]	 = { .type = NLA_STRING },
	[LAYERFS_VIEW_A_FLAGS]	 = { .type = NLA_U32 },
	[LAYERFS_VIEW_A_NLAYERS] = { .type = NLA_U32 },
	[LAYERFS_VIEW_A_FIRST]	 = { .type = NLA_U32 },
	[LAYERFS_VIEW_A_LAYERS]	 = { .type = NLA_NESTED },
	[LAYERFS_VIEW_A_COMMITS] = { .type = NLA_U32 },
};

/* Checks the LAYERS nest and collects its names into @out. */
static int lfs_msg_view_names(const struct nlattr *nest,
			      struct lfs_view_part *out, struct lfs_err *e)
{
	const struct nlattr *nla;
	uint32_t n = 0;
	int rem;

	nla_for_each_nested(nla, nest, rem) {
		const char *s = nla_data(nla);
		int len = nla_len(nla);

		if (nla_type(nla) != LAYERFS_VIEW_LAYER_A_NAME)
			continue;
		if (len < 1 || s[len - 1] != '\0')
			return lfs_malformed(e,
					     "layer name %" PRIu32 " in LAYERS is not NUL-terminated", n);
		if (strlen(s) != (size_t)len - 1)
			return lfs_malformed(e,
					     "layer name %" PRIu32 " in LAYERS has an embedded NUL", n);
		if (len == 1 || len - 1 > LAYERFS_NAME_MAX)
			return lfs_malformed(e,
					     "layer name %" PRIu32 " in LAYERS is empty or longer than %d bytes",
					     n, LAYERFS_NAME_MAX);
		n++;
	}
	if (rem > 0)
		return lfs_malformed(e, "truncated attribute in LAYERS (%d bytes left)",
				     rem);
	if (!n)
		return 0;
	out->names = malloc(n * sizeof(*out->names));
	if (!out->names)
		return -ENOMEM;
	nla_for_each_nested(nla, nest, rem)
		if (nla_type(nla) == LAYERFS_VIEW_LAYER_A_NAME)
			out->names[out->nnames++] = nla_data(nla);
	return 0;
}

int lfs_msg_parse_view(const struct nlmsghdr *nlh, int family, uint8_t cmd,
		       struct lfs_view_part *out, struct lfs_err *e)
{
	struct nlattr *tb[LAYERFS_A_MAX + 1];
	struct nlattr *vt[LAYERFS_VIEW_A_MAX + 1];
	static const struct {
		int type;
		const char *name;
	} required[] = {
		{ LAYERFS_VIEW_A_ID, "ID" },
		{ LAYERFS_VIEW_A_DEV, "DEV" },
		{ LAYERFS_VIEW_A_SOURCE, "SOURCE" },
		{ LAYERFS_VIEW_A_NLAYERS, "NLAYERS" },
		{ LAYERFS_VIEW_A_FLAGS, "FLAGS" },
	};
	struct nlattr *nest;
	size_t i;
	int err;

	memset(out, 0, sizeof(*out));
	err = lfs_msg_top(nlh, family, cmd, lfs_view_top_rules,
			  lfs_view_top_policy, tb, e);
	if (err)
		return err;
	nest = tb[LAYERFS_A_VIEW];
	if (!nest)
		return lfs_malformed(e, "missing attribute VIEW");
	err = lfs_check_attrs(nla_data(nest), nla_len(nest), lfs_view_rules,
			      LAYERFS_VIEW_A_MAX, "VIEW", e);
	if (err)
		return err;
	if (nla_parse_nested(vt, LAYERFS_VIEW_A_MAX, nest, lfs_view_policy) < 0)
		return lfs_malformed(e, "invalid attribute in VIEW");
	for (i = 0; i < sizeof(required) / sizeof(required[0]); i++)
		if (!vt[required[i].type])
			return lfs_malformed(e, "missing attribute %s",
					     required[i].name);

	out->id = lfs_get_u64(vt[LAYERFS_VIEW_A_ID]);
	out->dev = lfs_get_u32(vt[LAYERFS_VIEW_A_DEV]);
	out->source = nla_data(vt[LAYERFS_VIEW_A_SOURCE]);
	out->nlayers = lfs_get_u32(vt[LAYERFS_VIEW_A_NLAYERS]);
	out->flags = lfs_get_u32(vt[LAYERFS_VIEW_A_FLAGS]);
	if (vt[LAYERFS_VIEW_A_FIRST])
		out->first = lfs_get_u32(vt[LAYERFS_VIEW_A_FIRST]);
	if (vt[LAYERFS_VIEW_A_COMMITS])
		out->commits = lfs_get_u32(vt[LAYERFS_VIEW_A_COMMITS]);
	if (vt[LAYERFS_VIEW_A_IMAGE])
		out->image = nla_data(vt[LAYERFS_VIEW_A_IMAGE]);
	if (vt[LAYERFS_VIEW_A_UPPER])
		out->upper = nla_data(vt[LAYERFS_VIEW_A_UPPER]);
	if (vt[LAYERFS_VIEW_A_WORK])
		out->work = nla_data(vt[LAYERFS_VIEW_A_WORK]);
	if (vt[LAYERFS_VIEW_A_LAYERS]) {
		err = lfs_msg_view_names(vt[LAYERFS_VIEW_A_LAYERS], out, e);
		if (err) {
			lfs_msg_view_part_release(out);
			return err;
		}
	}
	return 0;
}

void lfs_msg_view_part_release(struct lfs_view_part *part)
{
	free(part->names);
	part->names = NULL;
	part->nnames = 0;
}

int lfs_msg_parse_status(const struct nlmsghdr *nlh, int *error,
			 char *extack, size_t extack_len)
{
	struct nlattr *tb[NLMSGERR_ATTR_MAX + 1];
	const struct nlmsgerr *e;
	size_t off;

	*error = 0;
	if (extack && extack_len)
		extack[0] = '\0';
	if (nlh->nlmsg_len < NLMSG_HDRLEN)
		return -EBADMSG;

	if (nlh->nlmsg_type == NLMSG_DONE) {
		int v;

		/* Older kernels end a dump without the errno payload. */
		if (nlh->nlmsg_len < NLMSG_HDRLEN + sizeof(int))
			return 0;
		memcpy(&v, NLMSG_DATA(nlh), sizeof(v));
		*error = v;
		off = NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(int));
	} else if (nlh->nlmsg_type == NLMSG_ERROR) {
		if (nlh->nlmsg_len < NLMSG_HDRLEN + sizeof(*e))
			return -EBADMSG;
		e = NLMSG_DATA(nlh);
		*error = e->error;
		off = NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(*e));
		/* Without NLM_F_CAPPED the request's payload follows. */
		if (!(nlh->nlmsg_flags & NLM_F_CAPPED) &&
		    e->msg.nlmsg_len > NLMSG_HDRLEN)
			off += NLMSG_ALIGN(e->msg.nlmsg_len - NLMSG_HDRLEN);
	} else {
		return -EBADMSG;
	}
	if (*error > 0)
		*error = -*error;

	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS) || off >= nlh->nlmsg_len ||
	    !extack || !extack_len)
		return 0;
	if (nla_parse(tb, NLMSGERR_ATTR_MAX, (struct nlattr *)((char *)nlh + off),
		      (int)(nlh->nlmsg_len - off), NULL) < 0)
		return 0;
	if (tb[NLMSGERR_ATTR_MSG]) {
		const char *s = nla_data(tb[NLMSGERR_ATTR_MSG]);
		size_t n = strnlen(s, (size_t)nla_len(tb[NLMSGERR_ATTR_MSG]));
		if (n >= extack_len)
			n = extack_len - 1;
		memcpy(extack, s, n);
		extack[n] = '\0';
	}
	return 0;
}

int lfs_msg_nlerr_to_errno(int nlerr)
{
	switch (nlerr < 0 ? -nlerr : nlerr) {
	case NLE_SUCCESS:
		return 0;
	case NLE_INTR:
		return -EINTR;
	case NLE_BAD_SOCK:
		return -EBADF;
	case NLE_AGAIN:
		return -EAGAIN;
	case NLE_NOMEM:
		return -ENOMEM;
	case NLE_EXIST:
		return -EEXIST;
	case NLE_INVAL:
	case NLE_MISSING_ATTR:
	case NLE_ATTRSIZE:
		return -EINVAL;
	case NLE_RANGE:
		return -ERANGE;
	case NLE_MSGSIZE:
		return -EMSGSIZE;
	case NLE_OPNOTSUPP:
	case NLE_MSGTYPE_NOSUPPORT:
		return -EOPNOTSUPP;
	case NLE_AF_NOSUPPORT:
		return -EAFNOSUPPORT;
	case NLE_OBJ_NOTFOUND:
	case NLE_NOATTR:
		return -ENOENT;
	case NLE_SEQ_MISMATCH:
	case NLE_MSG_TRUNC:
	case NLE_MSG_TOOSHORT:
	case NLE_PARSE_ERR:
		return -EBADMSG;
	case NLE_MSG_OVERFLOW:
		return -ENOBUFS;
	case NLE_NOADDR:
		return -EADDRNOTAVAIL;
	case NLE_BUSY:
		return -EBUSY;
	case NLE_PROTO_MISMATCH:
		return -EPROTONOSUPPORT;
	case NLE_NOACCESS:
		return -EACCES;
	case NLE_PERM:
		return -EPERM;
	case NLE_NODEV:
		return -ENODEV;
	default:
		return -EIO;
	}
}
