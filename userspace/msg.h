/* SPDX-License-Identifier: GPL-2.0 */
/*
 * layerfs generic-netlink messages: building requests from a struct
 * lfs_layer and parsing replies, acks and dump ends.  Pure: libnl message
 * construction and parsing only, no socket I/O, so everything here is
 * unit-tested against byte buffers.
 */
#ifndef LAYERCTL_MSG_H
#define LAYERCTL_MSG_H

#include <stddef.h>
#include <stdint.h>

#include <linux/netlink.h>
#include <netlink/msg.h>

#include "layerinfo.h"
#include "viewinfo.h"

/* Room for an extended-ack text (nl.c keeps the last one), NUL included. */
#define LFS_MSG_WHY_MAX 256

/*
 * A request: nlmsghdr (type @family, flags @nlflags, e.g. NLM_F_DUMP; the
 * socket layer adds NLM_F_REQUEST/NLM_F_ACK, port and sequence), genlmsghdr
 * (@cmd, LAYERFS_GENL_VERSION) and, if @layer is not NULL, one
 * LAYERFS_A_LAYER nest (NLA_F_NESTED set) with every member @layer has.
 * NULL if out of memory or if the layer does not fit in a message.  Free
 * with nlmsg_free().
 */
struct nl_msg *lfs_msg_request(int family, uint8_t cmd, int nlflags,
			       const struct lfs_layer *layer);

/*
 * A LAYERFS_CMD_VIEW_COMMIT request: LAYERFS_A_VIEW with ID @view_id and
 * NEW_UPPER @new_upper (omitted if NULL), then LAYERFS_A_LAYER from
 * @layer (NAME, AUTHOR, MESSAGE, CREATED: whatever it has; omitted if
 * NULL).  The reply is parsed with lfs_msg_parse_layer() for
 * LAYERFS_CMD_VIEW_COMMIT.  NULL if out of memory.
 */
struct nl_msg *lfs_msg_view_commit(int family, uint64_t view_id,
				   const char *new_upper,
				   const struct lfs_layer *layer);

/* Appends the LAYERFS_A_LAYER nest for @layer; 0 or -EMSGSIZE. */
int lfs_msg_put_layer(struct nl_msg *msg, const struct lfs_layer *layer);

/*
 * Parses a layerfs reply carrying one layer.  Checks, in this order: the
 * message fits its nlmsg_len and the genl header; nlmsg_type is @family
 * (unless @family < 0) and the genl command is @cmd (unless @cmd == 0);
 * the top-level and nested attributes are well formed (no truncated
 * attribute, no leftover bytes, no duplicate); LAYERFS_A_LAYER is present;
 * integers have their exact size; strings are NUL-terminated with no
 * embedded NUL and within their maximum length; ID, NAME and PATH are
 * present.  Unknown attribute types are ignored (a newer kernel may add
 * some).  On success @out's strings point into @nlh and 0 is returned;
 * otherwise -EBADMSG with the reason in @e (when not NULL).
 */
int lfs_msg_parse_layer(const struct nlmsghdr *nlh, int family, uint8_t cmd,
			struct lfs_layer *out, struct lfs_err *e);

/*
 * Parses one message of a LAYERFS_CMD_VIEW_GET dump.  The message checks
 * are those of lfs_msg_parse_layer() for LAYERFS_A_VIEW; ID, DEV, SOURCE,
 * NLAYERS and FLAGS are required, FIRST is 0 when absent, LAYERS holds
 * only LAYERFS_VIEW_LAYER_A_NAME strings (each a non-empty name of at most
 * LAYERFS_NAME_MAX bytes; other types are ignored).  On success @out's
 * strings point into @nlh, out->names is allocated (free it with
 * lfs_msg_view_part_release()) and 0 is returned; otherwise -EBADMSG with
 * the reason in @e, or -ENOMEM.
 */
int lfs_msg_parse_view(const struct nlmsghdr *nlh, int family, uint8_t cmd,
		       struct lfs_view_part *out, struct lfs_err *e);

/* Frees what lfs_msg_parse_view() allocated in @part. */
void lfs_msg_view_part_release(struct lfs_view_part *part);

/*
 * Decodes the status in an NLMSG_ERROR (ack or error) or NLMSG_DONE
 * message: *@error gets the errno it carries (0 or negative) and @extack
 * the extended-ack message (NLMSGERR_ATTR_MSG, present only with
 * NLM_F_ACK_TLVS; "" if none).  Handles capped (NLM_F_CAPPED) and full
 * error messages as well as a NLMSG_DONE without payload.  0, or -EBADMSG
 * if the message is not one of those or is truncated.
 */
int lfs_msg_parse_status(const struct nlmsghdr *nlh, int *error,
			 char *extack, size_t extack_len);

/* Translates a libnl error code (NLE_*, either sign) into a negative errno. */
int lfs_msg_nlerr_to_errno(int nlerr);

#endif /* LAYERCTL_MSG_H */
