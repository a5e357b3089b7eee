/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The layerfs generic-netlink client: the only code that does netlink I/O.
 *
 * Every request function returns 0 or a negative errno, and on failure
 * sets @e (may be NULL) to that errno and, as its text, the kernel's
 * extended-ack message (or, for a malformed reply, layerctl's description
 * of the defect), or no text if there is none.  The caller puts its
 * subject in front: lfs_err_prefix(e, rc, "layer '%s'", name) reports
 * "layer 'x': EXTACK (STRERROR)", or "layer 'x': STRERROR" without one.
 */
#ifndef LAYERCTL_NL_H
#define LAYERCTL_NL_H

#include <stddef.h>

#include "err.h"
#include "layerinfo.h"
#include "viewinfo.h"

struct lfs_nl;

/*
 * Connects to generic netlink and resolves the "layerfs" family.  If the
 * family is missing, loads the module (from @module_path if not NULL, else
 * "layerfs" through the module index, see kmod.h) and tries again.  On
 * failure returns a negative errno with what failed in @e ("cannot load
 * module 'layerfs': ...").
 */
int lfs_nl_open(struct lfs_nl **nlp, const char *module_path,
		struct lfs_err *e);
void lfs_nl_close(struct lfs_nl *nl);

/*
 * LAYERFS_CMD_LAYER_ADD with every member @layer has.  If @created is not
 * NULL, it receives the kernel's copy of the new layer (free() it).
 */
int lfs_nl_layer_add(struct lfs_nl *nl, const struct lfs_layer *layer,
		     struct lfs_layer **created, struct lfs_err *e);

/*
 * LAYERFS_CMD_VIEW_COMMIT of view @view_id onto the empty directory
 * @new_upper, the new layer named and described by @layer (NAME, AUTHOR,
 * MESSAGE, CREATED).  If @created is not NULL, it receives the kernel's
 * copy of the new layer (free() it).
 */
int lfs_nl_view_commit(struct lfs_nl *nl, uint64_t view_id,
		       const char *new_upper, const struct lfs_layer *layer,
		       struct lfs_layer **created, struct lfs_err *e);

/*
 * LAYERFS_CMD_LAYER_INDEX: gives the layer @key names (or ids) the index
 * file open as @fd.  If @out is not NULL, it receives the layer (free()).
 */
int lfs_nl_layer_index(struct lfs_nl *nl, const struct lfs_layer *key,
		       int fd, struct lfs_layer **out, struct lfs_err *e);

/* LAYERFS_CMD_LAYER_DEL by @key's name (or id, if it has no name). */
int lfs_nl_layer_del(struct lfs_nl *nl, const struct lfs_layer *key,
		     struct lfs_err *e);

/*
 * LAYERFS_CMD_LAYER_GET by @key's name (or id); *@out receives the layer
 * (free() it).
 */
int lfs_nl_layer_lookup(struct lfs_nl *nl, const struct lfs_layer *key,
			struct lfs_layer **out, struct lfs_err *e);

/*
 * Called once per layer of a dump, in ascending id order.  @layer is valid
 * during the call only (lfs_layer_dup() keeps it).  A non-zero return
 * (a negative errno) stops the dump and is returned by lfs_nl_layer_dump(),
 * with no text in its @e (a callback that has more to say keeps it in
 * @arg).
 */
typedef int (*lfs_layer_cb)(const struct lfs_layer *layer, void *arg);

/* LAYERFS_CMD_LAYER_GET with NLM_F_DUMP. */
int lfs_nl_layer_dump(struct lfs_nl *nl, lfs_layer_cb cb, void *arg,
		      struct lfs_err *e);

/*
 * Called once per message of a view dump, in the order received.  @part
 * (and its strings) is valid during the call only.  A non-zero return (a
 * negative errno) stops the dump and is returned by lfs_nl_view_dump(),
 * as for lfs_layer_cb.
 */
typedef int (*lfs_view_part_cb)(const struct lfs_view_part *part, void *arg);

/* LAYERFS_CMD_VIEW_GET with NLM_F_DUMP. */
int lfs_nl_view_dump(struct lfs_nl *nl, lfs_view_part_cb cb, void *arg,
		     struct lfs_err *e);

#endif /* LAYERCTL_NL_H */
