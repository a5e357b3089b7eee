// SPDX-License-Identifier: GPL-2.0
/*
 * The generic netlink family "layerfs": policies, operations and message
 * construction.  The protocol is specified in include/uapi/linux/layerfs.h;
 * this is the only file that speaks netlink.
 *
 * Privilege: every operation is GENL_ADMIN_PERM, so genetlink refuses an
 * unprivileged sender with -EPERM before it parses anything; pre_doit and
 * the dumps then require CAP_SYS_ADMIN as the protocol says, through
 * layerfs_nl_check_admin().
 *
 * The family is parallel_ops: genetlink's genl_mutex is global (every
 * family without parallel_ops, nlctrl among them, runs under it), and our
 * operations resolve paths, read files and freeze and sync filesystems,
 * which can wait for as long as a filesystem makes them (a frozen upper, a
 * FUSE server).  layerfs_registry_lock orders the operations against each
 * other and against the filesystem side; commits of one view are
 * serialised by the view's commit_lock (commit.c).
 */
#include <linux/capability.h>
#include <net/genetlink.h>

#include <linux/layerfs.h>

#include "layerfs.h"

static const struct nla_policy layerfs_layer_policy[LAYERFS_LAYER_A_MAX + 1] = {
	[LAYERFS_LAYER_A_ID]		= { .type = NLA_U64 },
	[LAYERFS_LAYER_A_NAME]		= { .type = NLA_NUL_STRING,
					    .len = LAYERFS_NAME_MAX },
	[LAYERFS_LAYER_A_PATH]		= { .type = NLA_NUL_STRING,
					    .len = PATH_MAX - 1 },
	[LAYERFS_LAYER_A_PARENT]	= { .type = NLA_NUL_STRING,
					    .len = LAYERFS_NAME_MAX },
	[LAYERFS_LAYER_A_PARENT_ID]	= { .type = NLA_U64 },
	[LAYERFS_LAYER_A_AUTHOR]	= { .type = NLA_NUL_STRING,
					    .len = LAYERFS_TEXT_MAX },
	[LAYERFS_LAYER_A_MESSAGE]	= { .type = NLA_NUL_STRING,
					    .len = LAYERFS_TEXT_MAX },
	[LAYERFS_LAYER_A_CREATED]	= { .type = NLA_U64 },
	[LAYERFS_LAYER_A_FLAGS]		= NLA_POLICY_MASK(NLA_U32,
							  __LAYERFS_LAYER_F_ALL),
	/* Reply-only attributes: refused in requests. */
	[LAYERFS_LAYER_A_VIEWS]		= { .type = NLA_REJECT },
	[LAYERFS_LAYER_A_CHILDREN]	= { .type = NLA_REJECT },
	[LAYERFS_LAYER_A_PAD]		= { .type = NLA_REJECT },
	[LAYERFS_LAYER_A_BASE]		= { .type = NLA_BINARY,
					    .len = LAYERFS_BASE_MAX *
						   sizeof(u64) },
	/* Checked by each command: only LAYERFS_CMD_LAYER_INDEX takes it. */
	[LAYERFS_LAYER_A_INDEX_FD]	= { .type = NLA_U32 },
};

static const struct nla_policy layerfs_policy[LAYERFS_A_MAX + 1] = {
	[LAYERFS_A_LAYER] = NLA_POLICY_NESTED(layerfs_layer_policy),
	/* Views are sent only to LAYERFS_CMD_VIEW_COMMIT (its own policy). */
	[LAYERFS_A_VIEW] = { .type = NLA_REJECT },
};

/* What a LAYERFS_CMD_VIEW_COMMIT request may say about its view. */
static const struct nla_policy layerfs_view_req_policy[LAYERFS_VIEW_A_MAX + 1] = {
	[LAYERFS_VIEW_A_ID]		= { .type = NLA_U64 },
	[LAYERFS_VIEW_A_NEW_UPPER]	= { .type = NLA_NUL_STRING,
					    .len = PATH_MAX - 1 },
	[LAYERFS_VIEW_A_DEV]		= { .type = NLA_REJECT },
	[LAYERFS_VIEW_A_SOURCE]		= { .type = NLA_REJECT },
	[LAYERFS_VIEW_A_IMAGE]		= { .type = NLA_REJECT },
	[LAYERFS_VIEW_A_UPPER]		= { .type = NLA_REJECT },
	[LAYERFS_VIEW_A_WORK]		= { .type = NLA_REJECT },
	[LAYERFS_VIEW_A_FLAGS]		= { .type = NLA_REJECT },
	[LAYERFS_VIEW_A_NLAYERS]	= { .type = NLA_REJECT },
	[LAYERFS_VIEW_A_FIRST]		= { .type = NLA_REJECT },
	[LAYERFS_VIEW_A_LAYERS]		= { .type = NLA_REJECT },
	[LAYERFS_VIEW_A_PAD]		= { .type = NLA_REJECT },
	[LAYERFS_VIEW_A_COMMITS]	= { .type = NLA_REJECT },
};

static const struct nla_policy layerfs_commit_policy[LAYERFS_A_MAX + 1] = {
	[LAYERFS_A_LAYER] = NLA_POLICY_NESTED(layerfs_layer_policy),
	[LAYERFS_A_VIEW] = NLA_POLICY_NESTED(layerfs_view_req_policy),
};

static struct genl_family layerfs_genl_family;

/*
 * Formatted extended ACK messages.  The netlink core copies the message
 * into the ACK after the handler returns, so a message must outlive its
 * handler: a small ring, where a slot is reused only after
 * LAYERFS_MSG_SLOTS later formatted messages.  (6.1 has no
 * NL_SET_ERR_MSG_FMT.)  Handlers run in parallel: one that overtakes
 * another by that many messages garbles the other's text, never more, as
 * vsnprintf() writes a slot's last byte only as its terminating NUL.
 */
#define LAYERFS_MSG_SLOTS	8
#define LAYERFS_MSG_LEN		512
static char layerfs_msgs[LAYERFS_MSG_SLOTS][LAYERFS_MSG_LEN];
static atomic_t layerfs_msg_next = ATOMIC_INIT(0);

void layerfs_nl_msg(struct netlink_ext_ack *extack, const char *fmt, ...)
{
	va_list args;
	char *msg;

	if (!extack)
		return;
	msg = layerfs_msgs[atomic_inc_return(&layerfs_msg_next) %
			   LAYERFS_MSG_SLOTS];
	va_start(args, fmt);
	vsnprintf(msg, LAYERFS_MSG_LEN, fmt, args);
	va_end(args);
	extack->_msg = msg;
}

/*
 * A string attribute as a C string, or NULL if absent.  The policy already
 * guarantees a terminating NUL; an embedded NUL would silently shorten the
 * string, so it is refused.
 */
static int layerfs_nla_string(struct nlattr **tb, int type, const char **out,
			      struct netlink_ext_ack *extack)
{
	const struct nlattr *nla = tb[type];

	*out = NULL;
	if (!nla)
		return 0;
	if (strnlen(nla_data(nla), nla_len(nla)) != nla_len(nla) - 1) {
		NL_SET_ERR_MSG_ATTR(extack, nla, "embedded NUL in string");
		return -EINVAL;
	}
	*out = nla_data(nla);
	return 0;
}

/* Parse the nested LAYERFS_A_LAYER of a request into @tb. */
static int layerfs_parse_layer_fd(struct genl_info *info, struct nlattr **tb)
{
	static const int strings[] = {
		LAYERFS_LAYER_A_NAME, LAYERFS_LAYER_A_PATH,
		LAYERFS_LAYER_A_PARENT, LAYERFS_LAYER_A_AUTHOR,
		LAYERFS_LAYER_A_MESSAGE,
	};
	const char *unused;
	int i, err;

	if (GENL_REQ_ATTR_CHECK(info, LAYERFS_A_LAYER))
		return -EINVAL;
	err = nla_parse_nested(tb, LAYERFS_LAYER_A_MAX,
			       info->attrs[LAYERFS_A_LAYER],
			       layerfs_layer_policy, info->extack);
	if (err)
		return err;
	for (i = 0; i < ARRAY_SIZE(strings); i++) {
		err = layerfs_nla_string(tb, strings[i], &unused, info->extack);
		if (err)
			return err;
	}
	return 0;
}

/* The same, refusing INDEX_FD: only LAYERFS_CMD_LAYER_INDEX takes it. */
static int layerfs_parse_layer(struct genl_info *info, struct nlattr **tb)
{
	int err = layerfs_parse_layer_fd(info, tb);

	if (!err && tb[LAYERFS_LAYER_A_INDEX_FD]) {
		NL_SET_ERR_MSG_ATTR(info->extack, tb[LAYERFS_LAYER_A_INDEX_FD],
				    "INDEX_FD only in LAYERFS_CMD_LAYER_INDEX");
		return -EINVAL;
	}
	return err;
}

/*
 * The layer parsed attributes @tb select: by NAME, else by ID.  @name
 * points into the request, valid for the rest of the doit call.
 */
static int layerfs_select(struct genl_info *info, struct nlattr **tb,
			  const char **name, u64 *id)
{
	*name = NULL;
	*id = 0;
	if (tb[LAYERFS_LAYER_A_NAME] && tb[LAYERFS_LAYER_A_ID]) {
		NL_SET_ERR_MSG(info->extack, "give a layer NAME or ID, not both");
		return -EINVAL;
	}
	if (tb[LAYERFS_LAYER_A_NAME]) {
		*name = nla_data(tb[LAYERFS_LAYER_A_NAME]);
		return 0;
	}
	if (tb[LAYERFS_LAYER_A_ID]) {
		*id = nla_get_u64(tb[LAYERFS_LAYER_A_ID]);
		return 0;
	}
	NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[LAYERFS_A_LAYER],
			    "layer NAME or ID required");
	return -EINVAL;
}

/* The layer a request selects (layerfs_select()). */
static int layerfs_parse_selector(struct genl_info *info, const char **name,
				  u64 *id)
{
	struct nlattr *tb[LAYERFS_LAYER_A_MAX + 1];
	int err;

	err = layerfs_parse_layer(info, tb);
	if (err)
		return err;
	return layerfs_select(info, tb, name, id);
}

/* Bytes of one layer message with strings of the given lengths. */
static size_t layerfs_layer_msg_size(size_t name, size_t path, size_t parent,
				     size_t author, size_t message,
				     size_t nbase)
{
	return GENL_HDRLEN + nla_total_size(0) +	/* LAYERFS_A_LAYER */
	       3 * nla_total_size_64bit(sizeof(u64)) +	/* ID CREATED PARENT_ID */
	       3 * nla_total_size(sizeof(u32)) +	/* FLAGS VIEWS CHILDREN */
	       nla_total_size(name + 1) + nla_total_size(path + 1) +
	       nla_total_size(parent + 1) + nla_total_size(author + 1) +
	       nla_total_size(message + 1) +
	       nla_total_size(nbase * sizeof(u64));
}

/* The largest layer message: what a dump skb must hold at least. */
#define LAYERFS_LAYER_MSG_MAX						\
	(NLMSG_HDRLEN + layerfs_layer_msg_size(LAYERFS_NAME_MAX, PATH_MAX,	\
					       LAYERFS_NAME_MAX,		\
					       LAYERFS_TEXT_MAX,		\
					       LAYERFS_TEXT_MAX,		\
					       LAYERFS_BASE_MAX))

static size_t layerfs_layer_size(const struct layerfs_layer *layer)
{
	return layerfs_layer_msg_size(strlen(layer->name),
				      strlen(layer->path_name),
				      layer->parent ?
				      strlen(layer->parent->name) : 0,
				      layer->author ? strlen(layer->author) : 0,
				      layer->message ?
				      strlen(layer->message) : 0,
				      layer->nbase);
}

/* Fill one layer into @skb.  Caller holds layerfs_registry_lock. */
static int layerfs_fill_layer(struct sk_buff *skb,
			      const struct layerfs_layer *layer)
{
	struct nlattr *nest;

	nest = nla_nest_start(skb, LAYERFS_A_LAYER);
	if (!nest)
		return -EMSGSIZE;
	if (nla_put_u64_64bit(skb, LAYERFS_LAYER_A_ID, layer->id,
			      LAYERFS_LAYER_A_PAD) ||
	    nla_put_string(skb, LAYERFS_LAYER_A_NAME, layer->name) ||
	    nla_put_string(skb, LAYERFS_LAYER_A_PATH, layer->path_name) ||
	    nla_put_u64_64bit(skb, LAYERFS_LAYER_A_CREATED, layer->created_ns,
			      LAYERFS_LAYER_A_PAD) ||
	    nla_put_u32(skb, LAYERFS_LAYER_A_FLAGS, layer->flags |
			(READ_ONCE(layer->index) ? LAYERFS_LAYER_F_INDEXED : 0)) ||
	    nla_put_u32(skb, LAYERFS_LAYER_A_VIEWS, layer->views) ||
	    nla_put_u32(skb, LAYERFS_LAYER_A_CHILDREN, layer->children))
		goto out_cancel;
	if (layer->parent &&
	    (nla_put_string(skb, LAYERFS_LAYER_A_PARENT, layer->parent->name) ||
	     nla_put_u64_64bit(skb, LAYERFS_LAYER_A_PARENT_ID,
			       layer->parent->id, LAYERFS_LAYER_A_PAD)))
		goto out_cancel;
	if (layer->author &&
	    nla_put_string(skb, LAYERFS_LAYER_A_AUTHOR, layer->author))
		goto out_cancel;
	if (layer->message &&
	    nla_put_string(skb, LAYERFS_LAYER_A_MESSAGE, layer->message))
		goto out_cancel;
	if (layer->nbase) {
		struct nlattr *base;
		u64 *ids;
		unsigned int i;

		base = nla_reserve(skb, LAYERFS_LAYER_A_BASE,
				   layer->nbase * sizeof(u64));
		if (!base)
			goto out_cancel;
		ids = nla_data(base);
		for (i = 0; i < layer->nbase; i++)
			ids[i] = layer->base[i]->id;
	}
	nla_nest_end(skb, nest);
	return 0;

out_cancel:
	nla_nest_cancel(skb, nest);
	return -EMSGSIZE;
}

/*
 * A reply carrying one layer, built under the registry lock: @held, a layer
 * the caller holds (it may have been removed since: operations run in
 * parallel), or else the one @name or @id selects.
 */
static int layerfs_reply_layer(struct genl_info *info, u8 cmd,
			       struct layerfs_layer *held, const char *name,
			       u64 id)
{
	struct layerfs_layer *layer;
	struct sk_buff *msg = NULL;
	void *hdr;
	int err;

	mutex_lock(&layerfs_registry_lock);
	layer = held ?: layerfs_layer_find(name, id);
	if (!layer) {
		NL_SET_ERR_MSG(info->extack, "no such layer");
		err = -ENOENT;
		goto out_unlock;
	}
	err = -ENOMEM;
	msg = genlmsg_new(layerfs_layer_size(layer), GFP_KERNEL);
	if (!msg)
		goto out_unlock;
	err = -EMSGSIZE;
	hdr = genlmsg_put_reply(msg, info, &layerfs_genl_family, 0, cmd);
	if (!hdr)
		goto out_unlock;
	err = layerfs_fill_layer(msg, layer);
	if (err)
		goto out_unlock;
	mutex_unlock(&layerfs_registry_lock);

	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);

out_unlock:
	mutex_unlock(&layerfs_registry_lock);
	nlmsg_free(msg);
	return err;
}

/* LAYERFS_LAYER_A_BASE as an array of ids (kvfree it), or none. */
static int layerfs_parse_base(struct nlattr **tb,
			      struct layerfs_layer_spec *spec, u64 **idsp,
			      struct netlink_ext_ack *extack)
{
	const struct nlattr *nla = tb[LAYERFS_LAYER_A_BASE];
	unsigned int n;
	u64 *ids;

	*idsp = NULL;
	if (!nla)
		return 0;
	n = nla_len(nla) / sizeof(u64);
	if (!n || nla_len(nla) % sizeof(u64)) {
		NL_SET_ERR_MSG_ATTR(extack, nla,
				    "BASE must hold whole 64-bit layer ids");
		return -EINVAL;
	}
	/* Attribute data is only 4-byte aligned: copy it out. */
	ids = kvmalloc_array(n, sizeof(*ids), GFP_KERNEL);
	if (!ids)
		return -ENOMEM;
	memcpy(ids, nla_data(nla), n * sizeof(*ids));
	spec->base_ids = ids;
	spec->nbase = n;
	*idsp = ids;
	return 0;
}

static int layerfs_nl_layer_add(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *tb[LAYERFS_LAYER_A_MAX + 1];
	struct layerfs_layer_spec spec = {};
	struct layerfs_layer *layer;
	u64 *base_ids;
	int err;

	err = layerfs_parse_layer(info, tb);
	if (err)
		return err;
	if (NL_REQ_ATTR_CHECK(info->extack, info->attrs[LAYERFS_A_LAYER], tb,
			      LAYERFS_LAYER_A_NAME) ||
	    NL_REQ_ATTR_CHECK(info->extack, info->attrs[LAYERFS_A_LAYER], tb,
			      LAYERFS_LAYER_A_PATH))
		return -EINVAL;
	if (tb[LAYERFS_LAYER_A_ID]) {
		NL_SET_ERR_MSG_ATTR(info->extack, tb[LAYERFS_LAYER_A_ID],
				    "layer ids are assigned by the kernel");
		return -EINVAL;
	}
	if (tb[LAYERFS_LAYER_A_PARENT] && tb[LAYERFS_LAYER_A_PARENT_ID]) {
		NL_SET_ERR_MSG(info->extack,
			       "give a PARENT or a PARENT_ID, not both");
		return -EINVAL;
	}

	spec.name = nla_data(tb[LAYERFS_LAYER_A_NAME]);
	spec.path = nla_data(tb[LAYERFS_LAYER_A_PATH]);
	if (tb[LAYERFS_LAYER_A_PARENT])
		spec.parent = nla_data(tb[LAYERFS_LAYER_A_PARENT]);
	if (tb[LAYERFS_LAYER_A_PARENT_ID])
		spec.parent_id = nla_get_u64(tb[LAYERFS_LAYER_A_PARENT_ID]);
	if (tb[LAYERFS_LAYER_A_AUTHOR])
		spec.author = nla_data(tb[LAYERFS_LAYER_A_AUTHOR]);
	if (tb[LAYERFS_LAYER_A_MESSAGE])
		spec.message = nla_data(tb[LAYERFS_LAYER_A_MESSAGE]);
	if (tb[LAYERFS_LAYER_A_CREATED])
		spec.created_ns = nla_get_u64(tb[LAYERFS_LAYER_A_CREATED]);
	if (tb[LAYERFS_LAYER_A_FLAGS])
		spec.flags = nla_get_u32(tb[LAYERFS_LAYER_A_FLAGS]);
	if (tb[LAYERFS_LAYER_A_PARENT_ID] && !spec.parent_id) {
		/* Ids start at 1: 0 names no layer. */
		NL_SET_ERR_MSG_ATTR(info->extack, tb[LAYERFS_LAYER_A_PARENT_ID],
				    "no such parent layer");
		return -ENOENT;
	}

	err = layerfs_parse_base(tb, &spec, &base_ids, info->extack);
	if (err)
		return err;
	layer = layerfs_layer_add(&spec, info->extack);
	kvfree(base_ids);
	if (IS_ERR(layer))
		return PTR_ERR(layer);
	/*
	 * The layer is registered whatever happens to the reply; a failed
	 * reply is reported but does not undo the registration.
	 */
	err = layerfs_reply_layer(info, LAYERFS_CMD_LAYER_ADD, layer, NULL, 0);
	layerfs_layer_put(layer);
	return err;
}

static int layerfs_nl_view_commit(struct sk_buff *skb, struct genl_info *info)
{
	static const int refused[] = {
		LAYERFS_LAYER_A_ID, LAYERFS_LAYER_A_PATH,
		LAYERFS_LAYER_A_PARENT, LAYERFS_LAYER_A_PARENT_ID,
		LAYERFS_LAYER_A_FLAGS, LAYERFS_LAYER_A_BASE,
	};
	struct nlattr *vtb[LAYERFS_VIEW_A_MAX + 1];
	struct nlattr *tb[LAYERFS_LAYER_A_MAX + 1];
	struct layerfs_commit_req req = {};
	struct layerfs_layer *layer;
	unsigned int i;
	int err;

	if (GENL_REQ_ATTR_CHECK(info, LAYERFS_A_VIEW))
		return -EINVAL;
	err = nla_parse_nested(vtb, LAYERFS_VIEW_A_MAX,
			       info->attrs[LAYERFS_A_VIEW],
			       layerfs_view_req_policy, info->extack);
	if (err)
		return err;
	if (NL_REQ_ATTR_CHECK(info->extack, info->attrs[LAYERFS_A_VIEW], vtb,
			      LAYERFS_VIEW_A_ID) ||
	    NL_REQ_ATTR_CHECK(info->extack, info->attrs[LAYERFS_A_VIEW], vtb,
			      LAYERFS_VIEW_A_NEW_UPPER))
		return -EINVAL;
	err = layerfs_nla_string(vtb, LAYERFS_VIEW_A_NEW_UPPER,
				 &req.new_upper, info->extack);
	if (err)
		return err;
	req.view_id = nla_get_u64(vtb[LAYERFS_VIEW_A_ID]);

	err = layerfs_parse_layer(info, tb);
	if (err)
		return err;
	if (NL_REQ_ATTR_CHECK(info->extack, info->attrs[LAYERFS_A_LAYER], tb,
			      LAYERFS_LAYER_A_NAME))
		return -EINVAL;
	for (i = 0; i < ARRAY_SIZE(refused); i++) {
		if (tb[refused[i]]) {
			NL_SET_ERR_MSG_ATTR(info->extack, tb[refused[i]],
					    "set by the commit, not the caller");
			return -EINVAL;
		}
	}
	req.spec.name = nla_data(tb[LAYERFS_LAYER_A_NAME]);
	if (tb[LAYERFS_LAYER_A_AUTHOR])
		req.spec.author = nla_data(tb[LAYERFS_LAYER_A_AUTHOR]);
	if (tb[LAYERFS_LAYER_A_MESSAGE])
		req.spec.message = nla_data(tb[LAYERFS_LAYER_A_MESSAGE]);
	if (tb[LAYERFS_LAYER_A_CREATED])
		req.spec.created_ns = nla_get_u64(tb[LAYERFS_LAYER_A_CREATED]);

	layer = layerfs_commit(&req, info->extack);
	if (IS_ERR(layer))
		return PTR_ERR(layer);
	/* Committed whatever happens to the reply, as for LAYER_ADD. */
	err = layerfs_reply_layer(info, LAYERFS_CMD_VIEW_COMMIT, layer, NULL,
				  0);
	layerfs_layer_put(layer);
	return err;
}

static int layerfs_nl_layer_del(struct sk_buff *skb, struct genl_info *info)
{
	const char *name;
	u64 id;
	int err = layerfs_parse_selector(info, &name, &id);

	return err ?: layerfs_layer_del(name, id, info->extack);
}

static int layerfs_nl_layer_index(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *tb[LAYERFS_LAYER_A_MAX + 1];
	struct layerfs_layer *layer;
	struct file *file;
	const char *name;
	int i, err;
	u64 id;

	err = layerfs_parse_layer_fd(info, tb);
	if (err)
		return err;
	for (i = 0; i <= LAYERFS_LAYER_A_MAX; i++) {
		if (tb[i] && i != LAYERFS_LAYER_A_NAME &&
		    i != LAYERFS_LAYER_A_ID && i != LAYERFS_LAYER_A_INDEX_FD) {
			NL_SET_ERR_MSG_ATTR(info->extack, tb[i],
					    "only NAME or ID, and INDEX_FD");
			return -EINVAL;
		}
	}
	if (NL_REQ_ATTR_CHECK(info->extack, info->attrs[LAYERFS_A_LAYER], tb,
			      LAYERFS_LAYER_A_INDEX_FD))
		return -EINVAL;
	err = layerfs_select(info, tb, &name, &id);
	if (err)
		return err;
	file = fget(nla_get_u32(tb[LAYERFS_LAYER_A_INDEX_FD]));
	if (!file) {
		NL_SET_ERR_MSG_ATTR(info->extack, tb[LAYERFS_LAYER_A_INDEX_FD],
				    "not an open file descriptor");
		return -EBADF;
	}

	mutex_lock(&layerfs_registry_lock);
	layer = layerfs_layer_find(name, id);
	if (layer)
		layerfs_layer_get(layer);
	mutex_unlock(&layerfs_registry_lock);
	if (!layer) {
		NL_SET_ERR_MSG(info->extack, "no such layer");
		err = -ENOENT;
		goto out_fput;
	}
	err = layerfs_index_attach(layer, file, info->extack);
	if (!err)
		err = layerfs_reply_layer(info, LAYERFS_CMD_LAYER_INDEX, layer,
					  NULL, 0);
	layerfs_layer_put(layer);
out_fput:
	fput(file);
	return err;
}

static int layerfs_nl_layer_get(struct sk_buff *skb, struct genl_info *info)
{
	const char *name;
	u64 id;
	int err = layerfs_parse_selector(info, &name, &id);

	return err ?: layerfs_reply_layer(info, LAYERFS_CMD_LAYER_GET, NULL,
					  name, id);
}

/*
 * The family's one privilege check, beyond GENL_ADMIN_PERM's CAP_NET_ADMIN:
 * CAP_SYS_ADMIN in the initial user namespace, for the sender and the
 * socket's opener (netlink_capable()).  pre_doit runs it for every doit,
 * each dump in its first call.
 */
static int layerfs_nl_check_admin(const struct sk_buff *skb,
				  struct netlink_ext_ack *extack)
{
	if (netlink_capable(skb, CAP_SYS_ADMIN))
		return 0;
	NL_SET_ERR_MSG(extack, "CAP_SYS_ADMIN required");
	return -EPERM;
}

/*
 * Every skb of a dump holds at least one whole layer.  (cb->extack is not
 * set while .start runs on 6.1, so the privilege check, which wants to
 * explain itself, is done in the first dumpit call instead.)
 */
static int layerfs_nl_dump_start(struct netlink_callback *cb)
{
	cb->min_dump_alloc = LAYERFS_LAYER_MSG_MAX;
	return 0;
}

/* Dump state: cb->args[0] is the id to resume from, 0 before the first call. */
static int layerfs_nl_layer_dump(struct sk_buff *skb,
				 struct netlink_callback *cb)
{
	struct layerfs_layer *layer;
	u64 id = cb->args[0];
	int err = 0;
	void *hdr;

	if (!id) {
		err = layerfs_nl_check_admin(cb->skb, cb->extack);
		if (err)
			return err;
		id = 1;
	}

	mutex_lock(&layerfs_registry_lock);
	while ((layer = layerfs_layer_next(&id))) {
		hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid,
				  cb->nlh->nlmsg_seq, &layerfs_genl_family,
				  NLM_F_MULTI, LAYERFS_CMD_LAYER_GET);
		if (!hdr) {
			err = -EMSGSIZE;
			break;
		}
		err = layerfs_fill_layer(skb, layer);
		if (err) {
			genlmsg_cancel(skb, hdr);
			break;
		}
		genlmsg_end(skb, hdr);
		id++;
	}
	mutex_unlock(&layerfs_registry_lock);
	cb->args[0] = id;

	/* A full skb ends this round; min_dump_alloc makes one layer fit. */
	if (err == -EMSGSIZE && skb->len)
		return skb->len;
	return err ?: skb->len;
}

/*
 * One message of view @view, with its layer names from stack index
 * *@first on.  Returns 0 if the view is complete, 1 if the message is full
 * and more names remain (*@first is advanced either way), or -EMSGSIZE if
 * not even one name fitted.  Caller holds layerfs_registry_lock.
 */
static int layerfs_fill_view(struct sk_buff *skb, struct netlink_callback *cb,
			     const struct layerfs_view *view,
			     unsigned int *first)
{
	unsigned int nstack = layerfs_view_nstack(view);
	struct nlattr *nest, *layers;
	unsigned int i = *first;
	void *hdr;

	hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid, cb->nlh->nlmsg_seq,
			  &layerfs_genl_family, NLM_F_MULTI,
			  LAYERFS_CMD_VIEW_GET);
	if (!hdr)
		return -EMSGSIZE;
	nest = nla_nest_start(skb, LAYERFS_A_VIEW);
	if (!nest)
		goto out_cancel;
	if (nla_put_u64_64bit(skb, LAYERFS_VIEW_A_ID, view->id,
			      LAYERFS_VIEW_A_PAD) ||
	    nla_put_u32(skb, LAYERFS_VIEW_A_DEV, new_encode_dev(view->dev)) ||
	    nla_put_string(skb, LAYERFS_VIEW_A_SOURCE, view->source) ||
	    nla_put_u32(skb, LAYERFS_VIEW_A_NLAYERS, nstack) ||
	    nla_put_u32(skb, LAYERFS_VIEW_A_FIRST, i) ||
	    nla_put_u32(skb, LAYERFS_VIEW_A_COMMITS, view->ncommitted) ||
	    nla_put_u32(skb, LAYERFS_VIEW_A_FLAGS,
			(view->upper_mnt ? 0 : LAYERFS_VIEW_F_RDONLY) |
			(view->vindex ? LAYERFS_VIEW_F_INDEXED : 0)))
		goto out_cancel;
	if (!i && ((view->image &&
		    nla_put_string(skb, LAYERFS_VIEW_A_IMAGE, view->image)) ||
		   (view->upper_name &&
		    nla_put_string(skb, LAYERFS_VIEW_A_UPPER, view->upper_name)) ||
		   (view->work_name &&
		    nla_put_string(skb, LAYERFS_VIEW_A_WORK, view->work_name))))
		goto out_cancel;
	layers = nla_nest_start(skb, LAYERFS_VIEW_A_LAYERS);
	if (!layers)
		goto out_cancel;
	for (; i < nstack; i++)
		if (nla_put_string(skb, LAYERFS_VIEW_LAYER_A_NAME,
				   layerfs_view_stack(view, i)->name))
			break;
	if (i == *first && i < nstack)
		goto out_cancel;
	nla_nest_end(skb, layers);
	nla_nest_end(skb, nest);
	genlmsg_end(skb, hdr);
	*first = i;
	return i < nstack;

out_cancel:
	genlmsg_cancel(skb, hdr);
	return -EMSGSIZE;
}

/*
 * Dump state: cb->args[0] is the view id to resume from (0 before the
 * first call), cb->args[1] the stack index within that view.
 */
static int layerfs_nl_view_dump(struct sk_buff *skb,
				struct netlink_callback *cb)
{
	unsigned int first = cb->args[1];
	struct layerfs_view *view;
	u64 id = cb->args[0];
	int ret = 0;

	if (!id) {
		ret = layerfs_nl_check_admin(cb->skb, cb->extack);
		if (ret)
			return ret;
		id = 1;
	}

	mutex_lock(&layerfs_registry_lock);
	while ((view = layerfs_view_next(&id))) {
		if (id != cb->args[0])
			first = 0;	/* resumed view is gone: next one */
		cb->args[0] = id;
		ret = layerfs_fill_view(skb, cb, view, &first);
		if (ret)
			break;
		id++;
		cb->args[0] = id;
		first = 0;
	}
	mutex_unlock(&layerfs_registry_lock);
	cb->args[1] = first;

	if (ret == -EMSGSIZE && !skb->len)
		return -EMSGSIZE;
	return skb->len;
}

static int layerfs_nl_pre_doit(const struct layerfs_genl_split_ops *ops,
			       struct sk_buff *skb, struct genl_info *info)
{
	return layerfs_nl_check_admin(skb, info->extack);
}

static const struct genl_ops layerfs_genl_ops[] = {
	{
		.cmd = LAYERFS_CMD_LAYER_ADD,
		.flags = GENL_ADMIN_PERM,
		.doit = layerfs_nl_layer_add,
	},
	{
		.cmd = LAYERFS_CMD_LAYER_DEL,
		.flags = GENL_ADMIN_PERM,
		.doit = layerfs_nl_layer_del,
	},
	{
		.cmd = LAYERFS_CMD_LAYER_GET,
		.flags = GENL_ADMIN_PERM,
		.doit = layerfs_nl_layer_get,
		.start = layerfs_nl_dump_start,
		.dumpit = layerfs_nl_layer_dump,
	},
	{
		.cmd = LAYERFS_CMD_VIEW_GET,
		.flags = GENL_ADMIN_PERM,
		.start = layerfs_nl_dump_start,
		.dumpit = layerfs_nl_view_dump,
	},
	{
		.cmd = LAYERFS_CMD_VIEW_COMMIT,
		.flags = GENL_ADMIN_PERM,
		.doit = layerfs_nl_view_commit,
		.policy = layerfs_commit_policy,
		.maxattr = LAYERFS_A_MAX,
	},
	{
		.cmd = LAYERFS_CMD_LAYER_INDEX,
		.flags = GENL_ADMIN_PERM,
		.doit = layerfs_nl_layer_index,
	},
};

static struct genl_family layerfs_genl_family __ro_after_init = {
	.name = LAYERFS_GENL_NAME,
	.version = LAYERFS_GENL_VERSION,
	.maxattr = LAYERFS_A_MAX,
	.policy = layerfs_policy,
	.pre_doit = layerfs_nl_pre_doit,
	/* Not under genl_mutex: see the top of this file. */
	.parallel_ops = true,
	.ops = layerfs_genl_ops,
	.n_ops = ARRAY_SIZE(layerfs_genl_ops),
	.module = THIS_MODULE,
};

int __init layerfs_netlink_init(void)
{
	return genl_register_family(&layerfs_genl_family);
}

void layerfs_netlink_exit(void)
{
	genl_unregister_family(&layerfs_genl_family);
}
