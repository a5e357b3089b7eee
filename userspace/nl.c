// SPDX-License-Identifier: GPL-2.0
/*
 * The layerfs generic-netlink client (see nl.h): libnl-3 socket, family
 * resolution with module autoload, request/reply and dump loops, errors
 * with the kernel's extended ACK put in the caller's struct lfs_err.
 * Message contents are built and parsed by msg.c.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/layerfs.h>
#include <linux/netlink.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/netlink.h>
#include <netlink/socket.h>

#include "kmod.h"
#include "msg.h"
#include "nl.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

/* Largest datagram expected; libnl grows its buffer past this if needed. */
#define LFS_NL_BUFSIZE 65536

struct lfs_nl {
	struct nl_sock *sk;
	int family;
};

/* State of one request while its replies come in. */
struct lfs_nl_req {
	struct lfs_nl *nl;
	uint8_t cmd;		/* expected in replies */
	int done;		/* ack, error or end of dump seen */
	int err;		/* first error (negative errno) */
	char why[LFS_MSG_WHY_MAX];
	lfs_layer_cb cb;	/* per reply layer */
	lfs_view_part_cb vcb;	/* or per view message */
	void *arg;
};

static void lfs_nl_set_error(struct lfs_nl_req *req, int err, const char *why)
{
	if (req->err)
		return;	/* the first error explains best */
	req->err = err;
	snprintf(req->why, sizeof(req->why), "%s", why ? why : "");
}

/* A callback's non-zero return @rc stops the dump (without a text). */
static void lfs_nl_cb_error(struct lfs_nl_req *req, int rc)
{
	if (rc)
		lfs_nl_set_error(req, rc < 0 ? rc : -ECANCELED, NULL);
}

/* One message of a view dump. */
static int lfs_nl_on_view(struct nl_msg *msg, struct lfs_nl_req *req)
{
	struct lfs_err e = LFS_ERR_INIT;
	struct lfs_view_part part;
	int rc;

	rc = lfs_msg_parse_view(nlmsg_hdr(msg), req->nl->family, req->cmd,
				&part, &e);
	if (rc < 0) {
		lfs_nl_set_error(req, rc, rc == -EBADMSG ? e.msg : NULL);
		return NL_SKIP;
	}
	rc = req->vcb(&part, req->arg);
	lfs_msg_view_part_release(&part);
	lfs_nl_cb_error(req, rc);
	return NL_OK;
}

static int lfs_nl_on_valid(struct nl_msg *msg, void *arg)
{
	struct lfs_nl_req *req = arg;
	struct lfs_err e = LFS_ERR_INIT;
	struct lfs_layer layer;
	int rc;

	if (req->err || (!req->cb && !req->vcb))
		return NL_SKIP;	/* keep draining until the end */
	if (req->vcb)
		return lfs_nl_on_view(msg, req);
	rc = lfs_msg_parse_layer(nlmsg_hdr(msg), req->nl->family, req->cmd,
				 &layer, &e);
	if (rc < 0) {
		lfs_nl_set_error(req, rc, e.msg);
		return NL_SKIP;
	}
	lfs_nl_cb_error(req, req->cb(&layer, req->arg));
	return NL_OK;
}

/* NLMSG_ERROR with a non-zero error (libnl hands over the nlmsgerr). */
static int lfs_nl_on_error(struct sockaddr_nl *nla, struct nlmsgerr *e,
			   void *arg)
{
	const struct nlmsghdr *nlh = (const struct nlmsghdr *)e - 1;
	struct lfs_nl_req *req = arg;
	char extack[LFS_MSG_WHY_MAX];
	int error;

	(void)nla;
	req->done = 1;
	if (lfs_msg_parse_status(nlh, &error, extack, sizeof(extack)) < 0) {
		error = e->error < 0 ? e->error : -e->error;
		extack[0] = '\0';
	}
	lfs_nl_set_error(req, error ? error : -EIO, extack);
	return NL_STOP;
}

/* NLMSG_ERROR with error 0: the request is complete. */
static int lfs_nl_on_ack(struct nl_msg *msg, void *arg)
{
	struct lfs_nl_req *req = arg;

	(void)msg;
	req->done = 1;
	return NL_STOP;
}

/* NLMSG_DONE: the dump is complete, possibly with an error. */
static int lfs_nl_on_finish(struct nl_msg *msg, void *arg)
{
	struct lfs_nl_req *req = arg;
	char extack[LFS_MSG_WHY_MAX];
	int error;

	req->done = 1;
	if (lfs_msg_parse_status(nlmsg_hdr(msg), &error, extack,
				 sizeof(extack)) == 0 && error < 0)
		lfs_nl_set_error(req, error, extack);
	return NL_STOP;
}

/*
 * A dump that raced with changes: the protocol defines what it then holds
 * (removed layers skipped, newer ones included), so it is accepted.
 */
static int lfs_nl_on_dump_intr(struct nl_msg *msg, void *arg)
{
	(void)msg;
	(void)arg;
	return NL_OK;
}

/*
 * Sends the request @msg (which it frees) and processes replies until its
 * ack, error or end of dump.  @reqp gives the callback for replies (cb:
 * layers, vcb: view messages) and its argument.  A failure goes to @e
 * with the kernel's extended ACK, if any, as its text.
 */
static int lfs_nl_run_msg(struct lfs_nl *nl, uint8_t cmd, struct nl_msg *msg,
			  const struct lfs_nl_req *reqp, struct lfs_err *e)
{
	struct lfs_nl_req req = *reqp;
	struct nl_cb *nlcb;
	int rc;

	if (!msg)
		return lfs_err_set(e, -ENOMEM, "%s", "");
	req.nl = nl;
	req.cmd = cmd;
	nlcb = nl_cb_alloc(NL_CB_DEFAULT);
	if (!nlcb) {
		nlmsg_free(msg);
		return lfs_err_set(e, -ENOMEM, "%s", "");
	}
	nl_cb_set(nlcb, NL_CB_VALID, NL_CB_CUSTOM, lfs_nl_on_valid, &req);
	nl_cb_set(nlcb, NL_CB_ACK, NL_CB_CUSTOM, lfs_nl_on_ack, &req);
	nl_cb_set(nlcb, NL_CB_FINISH, NL_CB_CUSTOM, lfs_nl_on_finish, &req);
	nl_cb_set(nlcb, NL_CB_DUMP_INTR, NL_CB_CUSTOM, lfs_nl_on_dump_intr,
		  &req);
	nl_cb_err(nlcb, NL_CB_CUSTOM, lfs_nl_on_error, &req);

	/* Adds NLM_F_REQUEST | NLM_F_ACK, our port and the next sequence. */
	rc = nl_send_auto(nl->sk, msg);
	nlmsg_free(msg);
	if (rc < 0) {
		lfs_nl_set_error(&req, lfs_msg_nlerr_to_errno(rc), NULL);
		req.done = 1;
	}
	/*
	 * The callbacks set req.done on the ack, the error or the end of the
	 * dump; an error answer also makes nl_recvmsgs() return < 0.
	 */
	while (!req.done) {
		rc = nl_recvmsgs(nl->sk, nlcb);
		// cppcheck-suppress knownConditionTrueFalse
		if (rc < 0 && !req.done) {
			/* A socket or protocol failure, not a kernel answer. */
			lfs_nl_set_error(&req, lfs_msg_nlerr_to_errno(rc), NULL);
			break;
		}
	}
	nl_cb_put(nlcb);
	return req.err ? lfs_err_set(e, req.err, "%s", req.why) : 0;
}

/* The same for a request of @cmd about @layer (NULL: none). */
static int lfs_nl_run(struct lfs_nl *nl, uint8_t cmd, int nlflags,
		      const struct lfs_layer *layer,
		      const struct lfs_nl_req *reqp, struct lfs_err *e)
{
	return lfs_nl_run_msg(nl, cmd, lfs_msg_request(nl->family, cmd,
						       nlflags, layer),
			      reqp, e);
}

static int lfs_nl_transact(struct lfs_nl *nl, uint8_t cmd, int nlflags,
			   const struct lfs_layer *layer, lfs_layer_cb cb,
			   void *arg, struct lfs_err *e)
{
	struct lfs_nl_req req;

	memset(&req, 0, sizeof(req));
	req.cb = cb;
	req.arg = arg;
	return lfs_nl_run(nl, cmd, nlflags, layer, &req, e);
}

/* Keeps the single reply layer of a non-dump request. */
static int lfs_nl_keep(const struct lfs_layer *layer, void *arg)
{
	struct lfs_layer **out = arg;

	if (*out)
		return -EPROTO;	/* more than one reply */
	*out = lfs_layer_dup(layer);
	return *out ? 0 : -ENOMEM;
}

/* GET/DEL address a layer by name, else by id: send only that. */
static void lfs_nl_key(struct lfs_layer *k, const struct lfs_layer *key)
{
	memset(k, 0, sizeof(*k));
	if (key->name) {
		k->name = key->name;
	} else if (key->has & LFS_HAS_ID) {
		k->has = LFS_HAS_ID;
		k->id = key->id;
	}
}

/*
 * The request @msg of @cmd, answered by one layer: *@out gets it (or it is
 * freed); a reply without one is malformed.
 */
static int lfs_nl_single(struct lfs_nl *nl, uint8_t cmd, struct nl_msg *msg,
			 struct lfs_layer **out, struct lfs_err *e)
{
	struct lfs_layer *got = NULL;
	struct lfs_nl_req req;
	int rc;

	memset(&req, 0, sizeof(req));
	req.cb = lfs_nl_keep;
	req.arg = &got;
	rc = lfs_nl_run_msg(nl, cmd, msg, &req, e);
	if (!rc && !got)
		rc = lfs_err_set(e, -EBADMSG,
				 "malformed reply: no layer in the reply");
	if (rc || !out)
		free(got);
	else
		*out = got;
	return rc;
}

int lfs_nl_view_commit(struct lfs_nl *nl, uint64_t view_id,
		       const char *new_upper, const struct lfs_layer *layer,
		       struct lfs_layer **created, struct lfs_err *e)
{
	return lfs_nl_single(nl, LAYERFS_CMD_VIEW_COMMIT,
			     lfs_msg_view_commit(nl->family, view_id,
						 new_upper, layer),
			     created, e);
}

/* A request of @cmd about @layer, answered by one layer. */
static int lfs_nl_one(struct lfs_nl *nl, uint8_t cmd,
		      const struct lfs_layer *layer, struct lfs_layer **out,
		      struct lfs_err *e)
{
	return lfs_nl_single(nl, cmd, lfs_msg_request(nl->family, cmd, 0,
						      layer),
			     out, e);
}

int lfs_nl_layer_add(struct lfs_nl *nl, const struct lfs_layer *layer,
		     struct lfs_layer **created, struct lfs_err *e)
{
	return lfs_nl_one(nl, LAYERFS_CMD_LAYER_ADD, layer, created, e);
}

int lfs_nl_layer_index(struct lfs_nl *nl, const struct lfs_layer *key,
		       int fd, struct lfs_layer **out, struct lfs_err *e)
{
	struct lfs_layer k;

	lfs_nl_key(&k, key);
	k.has |= LFS_HAS_INDEX_FD;
	k.index_fd = fd;
	return lfs_nl_one(nl, LAYERFS_CMD_LAYER_INDEX, &k, out, e);
}

int lfs_nl_layer_del(struct lfs_nl *nl, const struct lfs_layer *key,
		     struct lfs_err *e)
{
	struct lfs_layer k;

	lfs_nl_key(&k, key);
	return lfs_nl_transact(nl, LAYERFS_CMD_LAYER_DEL, 0, &k, NULL, NULL, e);
}

int lfs_nl_layer_lookup(struct lfs_nl *nl, const struct lfs_layer *key,
			struct lfs_layer **out, struct lfs_err *e)
{
	struct lfs_layer k;

	lfs_nl_key(&k, key);
	return lfs_nl_one(nl, LAYERFS_CMD_LAYER_GET, &k, out, e);
}

int lfs_nl_layer_dump(struct lfs_nl *nl, lfs_layer_cb cb, void *arg,
		      struct lfs_err *e)
{
	return lfs_nl_transact(nl, LAYERFS_CMD_LAYER_GET, NLM_F_DUMP, NULL,
			       cb, arg, e);
}

int lfs_nl_view_dump(struct lfs_nl *nl, lfs_view_part_cb cb, void *arg,
		     struct lfs_err *e)
{
	struct lfs_nl_req req;

	memset(&req, 0, sizeof(req));
	req.vcb = cb;
	req.arg = arg;
	return lfs_nl_run(nl, LAYERFS_CMD_VIEW_GET, NLM_F_DUMP, NULL, &req, e);
}
int lfs_nl_open(struct lfs_nl **nlp, const char *module_path,
		struct lfs_err *e)
{
	struct lfs_nl *nl;
	int one = 1;
	int rc;

	*nlp = NULL;
	nl = calloc(1, sizeof(*nl));
	if (!nl)
		return lfs_err_set(e, -ENOMEM, "%s", "");
	nl->sk = nl_socket_alloc();
	if (!nl->sk) {
		rc = lfs_err_set(e, -ENOMEM, "%s", "");
		goto fail;
	}
	rc = genl_connect(nl->sk);
	if (rc < 0) {
		lfs_err_set(e, 0, "cannot open a generic netlink socket: %s",
			    nl_geterror(rc));
		rc = lfs_msg_nlerr_to_errno(rc);
		goto fail;
	}
	/*
	 * libnl 3.7 has no nl_socket_set_ext_ack(): ask for extended ACKs
	 * (error texts) and capped ACKs (no copy of the request) directly.
	 * Kernels without them simply send plain ACKs.
	 */
	setsockopt(nl_socket_get_fd(nl->sk), SOL_NETLINK, NETLINK_EXT_ACK,
		   &one, sizeof(one));
	setsockopt(nl_socket_get_fd(nl->sk), SOL_NETLINK, NETLINK_CAP_ACK,
		   &one, sizeof(one));
	/* Replies carry up to three 4 KiB strings per layer. */
	nl_socket_enable_msg_peek(nl->sk);
	nl_socket_set_msg_buf_size(nl->sk, LFS_NL_BUFSIZE);

	rc = genl_ctrl_resolve(nl->sk, LAYERFS_GENL_NAME);
	if (rc == -NLE_OBJ_NOTFOUND) {
		rc = lfs_kmod_load(module_path, e);
		if (rc < 0)
			goto fail;
		rc = genl_ctrl_resolve(nl->sk, LAYERFS_GENL_NAME);
		if (rc == -NLE_OBJ_NOTFOUND) {
			rc = -ENOENT;
			lfs_err_named(e, 0, "still missing after loading the module",
				      "generic netlink family '%s'",
				      LAYERFS_GENL_NAME);
			goto fail;
		}
	}
	if (rc < 0) {
		rc = lfs_msg_nlerr_to_errno(rc);
		lfs_err_named(e, rc, "cannot resolve",
			      "generic netlink family '%s'", LAYERFS_GENL_NAME);
		goto fail;
	}
	nl->family = rc;
	*nlp = nl;
	return 0;
fail:
	lfs_nl_close(nl);
	return rc;
}

void lfs_nl_close(struct lfs_nl *nl)
{
	if (!nl)
		return;
	if (nl->sk)
		nl_socket_free(nl->sk);
	free(nl);
}
