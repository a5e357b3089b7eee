/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * layerfs control protocol, version 1.
 *
 * layerfs is a union filesystem whose read-only layers are named and kept
 * in a registry inside the kernel.  The registry is driven over the generic
 * netlink family LAYERFS_GENL_NAME ("layerfs"), version
 * LAYERFS_GENL_VERSION.  The family lives in the initial network namespace
 * only.
 *
 * Privilege
 * ---------
 * Every command, including dumps, requires CAP_NET_ADMIN and CAP_SYS_ADMIN
 * in the initial user namespace; otherwise it fails with -EPERM and changes
 * nothing.  Generic netlink checks CAP_NET_ADMIN before it parses any
 * attribute (so a malformed request from an unprivileged caller gets
 * -EPERM too, without an extended ACK); the family then checks
 * CAP_SYS_ADMIN.  Both are checked against the sender, and against the
 * opener of the socket unless the message names its destination
 * (netlink_capable()).
 *
 * Attribute tree
 * --------------
 * Each message carries at most one top-level LAYERFS_A_LAYER and at most
 * one LAYERFS_A_VIEW (only LAYERFS_CMD_VIEW_COMMIT requests carry both).
 * LAYERFS_A_LAYER is a nested attribute holding one layer:
 *
 *   LAYERFS_A_LAYER                  NLA_NESTED
 *     LAYERFS_LAYER_A_ID             NLA_U64     kernel-assigned, never reused
 *                                                while the module is loaded
 *     LAYERFS_LAYER_A_NAME           NLA_NUL_STRING  image reference (below)
 *     LAYERFS_LAYER_A_PATH           NLA_NUL_STRING  absolute path of the
 *                                                layer directory
 *     LAYERFS_LAYER_A_PARENT         NLA_NUL_STRING  name of the parent layer
 *     LAYERFS_LAYER_A_PARENT_ID      NLA_U64     id of the parent layer
 *     LAYERFS_LAYER_A_AUTHOR         NLA_NUL_STRING  at most
 *                                                LAYERFS_TEXT_MAX bytes
 *     LAYERFS_LAYER_A_MESSAGE        NLA_NUL_STRING  at most
 *                                                LAYERFS_TEXT_MAX bytes
 *     LAYERFS_LAYER_A_CREATED        NLA_U64     nanoseconds since the epoch
 *                                                (CLOCK_REALTIME)
 *     LAYERFS_LAYER_A_FLAGS          NLA_U32     LAYERFS_LAYER_F_*
 *     LAYERFS_LAYER_A_VIEWS          NLA_U32     mounted views using the layer
 *     LAYERFS_LAYER_A_CHILDREN       NLA_U32     layers naming it as parent
 *                                                or in their BASE
 *     LAYERFS_LAYER_A_BASE           NLA_BINARY  array of __u64 layer ids,
 *                                                top first: the stack this
 *                                                layer was committed on when
 *                                                it is not the parent's chain
 *                                                (see Images below)
 *     LAYERFS_LAYER_A_PAD            (padding for 64-bit attributes)
 *     LAYERFS_LAYER_A_INDEX_FD       NLA_U32     request only
 *                                                (LAYERFS_CMD_LAYER_INDEX):
 *                                                a file descriptor of the
 *                                                sender, open for reading,
 *                                                of the layer's index file
 *
 * LAYERFS_A_VIEW holds one mounted view, or part of one (see
 * LAYERFS_CMD_VIEW_GET):
 *
 *   LAYERFS_A_VIEW                   NLA_NESTED
 *     LAYERFS_VIEW_A_ID              NLA_U64     kernel-assigned, never reused
 *     LAYERFS_VIEW_A_DEV             NLA_U32     the superblock's st_dev, as
 *                                                new_encode_dev() encodes it
 *                                                (match /proc/self/mountinfo
 *                                                to find mountpoints)
 *     LAYERFS_VIEW_A_SOURCE          NLA_NUL_STRING  the mount source name
 *     LAYERFS_VIEW_A_IMAGE           NLA_NUL_STRING  image=REF it was mounted
 *                                                with, if any
 *     LAYERFS_VIEW_A_UPPER           NLA_NUL_STRING  upper directory, if any
 *     LAYERFS_VIEW_A_WORK            NLA_NUL_STRING  work directory, if any
 *     LAYERFS_VIEW_A_FLAGS           NLA_U32     LAYERFS_VIEW_F_*
 *     LAYERFS_VIEW_A_NLAYERS         NLA_U32     layers in the whole stack
 *     LAYERFS_VIEW_A_FIRST           NLA_U32     stack index of the first
 *                                                layer in LAYERS below
 *     LAYERFS_VIEW_A_LAYERS          NLA_NESTED  a run of the stack, top
 *                                                first:
 *       LAYERFS_VIEW_LAYER_A_NAME    NLA_NUL_STRING, one per layer, in order
 *     LAYERFS_VIEW_A_PAD             (padding for 64-bit attributes)
 *     LAYERFS_VIEW_A_NEW_UPPER       NLA_NUL_STRING  request only
 *                                                (LAYERFS_CMD_VIEW_COMMIT):
 *                                                absolute path of the empty
 *                                                directory that becomes the
 *                                                view's upper
 *     LAYERFS_VIEW_A_COMMITS         NLA_U32     commits made on this view
 *
 * Strings must be NUL-terminated, without embedded NUL bytes.  Unknown
 * attributes, unknown flag bits and malformed attributes are rejected with
 * -EINVAL (strict validation), with an extended ACK naming the attribute.
 * VIEWS, CHILDREN and PAD appear in replies only and are refused in
 * requests; INDEX_FD is refused in every request but
 * LAYERFS_CMD_LAYER_INDEX; so is ID in LAYERFS_CMD_LAYER_ADD (ids are assigned by the
 * kernel), and a request naming a layer by both NAME and ID.  BASE holds at
 * most LAYERFS_BASE_MAX ids and its length must be a multiple of 8.
 *
 * One layer's message can be about 21 KiB (a PATH_MAX path, two
 * LAYERFS_TEXT_MAX texts and a BASE of LAYERFS_BASE_MAX ids): receive with a buffer of at least 32 KiB, or
 * peek at the length first.  Every skb of a dump holds at least one whole
 * layer.
 *
 * Layer names follow image references:
 *
 *   [namespace/]name[:tag]
 *
 * where each '/'-separated path component is lower-case letters and digits,
 * optionally joined by one '.', one or two '_', or any number of '-'
 * (e.g. "gakki/mytomcat", "my-app", "a.b__c"), and the optional tag is
 * 1 to 128 characters of [A-Za-z0-9_.-] not starting with '.' or '-'.  The
 * whole name is at most LAYERFS_NAME_MAX bytes.  Names are compared
 * exactly: no default tag is implied ("base" and "base:latest" are two
 * layers).  include/layerfs/refname.h implements the rule for kernel and
 * userspace alike.
 *
 * Images
 * ------
 * The image a layer names (mount option image=REF) is the layer followed
 * by, if it has a BASE, the layers of BASE in order; otherwise by its
 * parent's image.  A commit on a view mounted as image=REF, or on an
 * explicit stack equal to the top layer's image, records no BASE; a
 * commit on any other explicit stack records the stack below the new
 * layer as its BASE, so that image=NEW mounts exactly the committed tree.
 *
 * Commands
 * --------
 * LAYERFS_CMD_LAYER_ADD
 *   Registers a layer.  Request: LAYERFS_A_LAYER with NAME and PATH
 *   required; PARENT (by name) or PARENT_ID, AUTHOR, MESSAGE, FLAGS
 *   (LAYERFS_LAYER_F_FROZEN only), BASE and CREATED (to restore a recorded
 *   creation time; the current time when absent) optional.  The path is
 *   resolved once, following symlinks, and the resulting directory is
 *   pinned: renaming or unmounting the original path afterwards does not
 *   redirect the layer, and an unmount of its filesystem fails with EBUSY
 *   while the layer is registered.  The reply is a LAYERFS_CMD_LAYER_ADD
 *   message carrying the new layer as LAYERFS_CMD_LAYER_GET would.
 *   Errors:
 *     -EINVAL   missing NAME or PATH, invalid name, relative path, bad flags,
 *               ID given, both PARENT and PARENT_ID given; path is on an
 *               idmapped mount (not supported)
 *     -EOPNOTSUPP  path is on a pseudo filesystem (proc, sysfs, debugfs, ...)
 *     -ENOENT   path does not exist; parent layer or a BASE layer unknown
 *               (PARENT_ID 0 names no layer: ids start at 1)
 *     -ENOTDIR  path (or a component of it) is not a directory
 *     -EEXIST   a layer of that name exists; the directory is already
 *               registered under another name
 *     -ELOOP    the layer would be its own parent (a parent cycle); the
 *               directory's filesystem is already stacked so deep that a
 *               view on it would pass FILESYSTEM_MAX_STACK_DEPTH; the
 *               directory lies inside, or contains, the upper or work
 *               directory of a mounted view (overlapping, as overlayfs
 *               refuses them)
 *     -EBUSY    the directory is the upper or work directory of a mounted
 *               view (a view's upper becomes a layer through
 *               LAYERFS_CMD_VIEW_COMMIT)
 *     -ENOSPC   the registry holds LAYERFS_LAYERS_MAX layers
 *     -ENOMEM   out of memory
 *     -EPERM    caller lacks CAP_SYS_ADMIN
 *
 * LAYERFS_CMD_LAYER_DEL
 *   Unregisters a layer and unpins its directory.  Request:
 *   LAYERFS_A_LAYER with NAME or ID.  The layer's files are not touched.
 *   Errors:
 *     -EINVAL   neither NAME nor ID given, or both
 *     -ENOENT   no such layer
 *     -EBUSY    a mounted view or a child layer uses it (as parent or in
 *               its BASE)
 *     -EPERM    caller lacks CAP_SYS_ADMIN
 *
 * LAYERFS_CMD_LAYER_GET
 *   Without NLM_F_DUMP: request LAYERFS_A_LAYER with NAME or ID; the reply
 *   carries the layer with every attribute above that it has (PARENT and
 *   PARENT_ID only if it has a parent; AUTHOR and MESSAGE only if set).
 *   The reply command is LAYERFS_CMD_LAYER_GET.
 *   With NLM_F_DUMP: no attributes; one LAYERFS_CMD_LAYER_GET message per
 *   layer, in ascending ID order, with NLM_F_MULTI.  A dump refused for
 *   privilege fails with -EPERM before it starts.  A dump interrupted by
 *   concurrent changes skips removed layers
 *   and includes layers added with a higher ID.
 *   Errors: -EINVAL, -ENOENT, -EPERM as for LAYERFS_CMD_LAYER_DEL.
 *
 * LAYERFS_CMD_VIEW_GET
 *   Dump only (NLM_F_DUMP), no attributes: the mounted views in ascending
 *   ID order.  A view's stack can be longer than one message holds, so a
 *   view may span several consecutive messages with the same ID: each
 *   repeats ID, DEV, SOURCE, NLAYERS and FLAGS (the others only in the
 *   first) and carries the run of layer names starting at stack index
 *   FIRST.  A view is complete when FIRST plus the names received reach
 *   NLAYERS; a view whose messages stop short of that was unmounted during
 *   the dump.
 *   Errors: -EPERM.
 *
 * LAYERFS_CMD_VIEW_COMMIT
 *   Freezes a writable view's upper directory into a new registered layer
 *   and moves the view onto a fresh empty upper above it, atomically and
 *   without copying data.  Request: LAYERFS_A_VIEW with ID and NEW_UPPER;
 *   LAYERFS_A_LAYER with NAME, and optionally AUTHOR, MESSAGE and CREATED.
 *   The new layer's PATH is the view's current upper directory, its parent
 *   the view's top layer (BASE as described under Images), and it is
 *   LAYERFS_LAYER_F_FROZEN.  NEW_UPPER must be an empty directory on the
 *   same mount as the view's work directory, used by no other view and
 *   not registered as a layer.
 *   Writers to the view are quiesced (freeze_super) for the switch, and
 *   the upper filesystem is synced, so that everything written before the
 *   reply is in the new layer, on disk, and everything after goes to the
 *   new upper.  Files open for writing stay usable: their next change
 *   copies them up into the new upper.  The view's merged tree, inode
 *   numbers included, is the same before and after.  On any error nothing
 *   changes.  The reply is a LAYERFS_CMD_VIEW_COMMIT message carrying the
 *   new layer as LAYERFS_CMD_LAYER_GET would.  Afterwards the view's
 *   mount options show image=NEW (with the new upper), and a file open
 *   for writing before the commit cannot be newly mapped shared (EBUSY)
 *   until its next write has copied it up.
 *   Errors:
 *     -EINVAL   missing view ID, NEW_UPPER or layer NAME; invalid name;
 *               relative NEW_UPPER; PATH, PARENT, PARENT_ID, ID, BASE or
 *               FLAGS given; NEW_UPPER is on an idmapped mount
 *     -ENOENT   no such view; NEW_UPPER does not exist
 *     -ENOTDIR  NEW_UPPER is not a directory
 *     -EROFS    the view has no upper (read-only view), is mounted
 *               read-only, or its upper filesystem is read-only
 *     -EEXIST   a layer of that name exists
 *     -ENOTEMPTY  NEW_UPPER is not empty
 *     -EXDEV    NEW_UPPER is not on the work directory's mount
 *     -EBUSY    a file of the view is mapped shared and writable (the
 *               extended ACK names it by its path in the view);
 *               NEW_UPPER is, contains or lies inside the view's upper,
 *               work directory or one of its layers, or is another
 *               view's upper or work directory or a registered layer;
 *               the view is frozen
 *     -ELOOP    NEW_UPPER lies inside, or contains, a registered layer or
 *               another view's upper or work directory
 *     -E2BIG    the stack would need a BASE longer than LAYERFS_BASE_MAX
 *     -ENOSPC   the registry is full
 *     -EPERM    caller lacks CAP_SYS_ADMIN; NEW_UPPER is append-only or
 *               immutable
 *
 * The commit also gives NEW_UPPER the owner, mode, times, xattrs (ACLs
 * among them) and append/immutable flags of the old upper's root, so the
 * view's root is unchanged; -EPERM, -EOPNOTSUPP or another error from the
 * upper filesystem if it cannot take them.  The flags go to the xattr
 * trusted.overlay.protattr, as on every copied-up object, never to the
 * real inode, so a commit refused after that (a shared writable mapping,
 * a name taken meanwhile) leaves NEW_UPPER empty and removable; its
 * owner, mode and xattrs may be the root's.
 *
 * LAYERFS_CMD_LAYER_INDEX
 *   Gives a registered layer its flattened index (the file format:
 *   include/layerfs/index.h): the merged tree of the layer's image, which
 *   views of that image then use instead of walking its layers (see
 *   "Indexes" in README.md).  Request: LAYERFS_A_LAYER with NAME or ID,
 *   and INDEX_FD, nothing else.  The whole file is validated (every rule
 *   of the format and its CRC), its layer table must name the layer's
 *   image, top first (directory inode numbers, devices and generations),
 *   and every layer of the image must be frozen.  From then on the layer
 *   holds the file open and denies write access to it (opening it for
 *   writing fails with ETXTBSY) until the layer is removed.  Views
 *   whose lower stack is exactly the layer's image use the index
 *   (LAYERFS_VIEW_F_INDEXED), unless mounted with noindex, whether
 *   mounted before or after; so does a live view that committed the
 *   layer (its stack then was the layer's image), from then on, for
 *   everything below its writable upper: commits do not deepen it.  A
 *   layer gets an index once.  The reply is a LAYERFS_CMD_LAYER_INDEX message carrying the
 *   layer as LAYERFS_CMD_LAYER_GET would, with LAYERFS_LAYER_F_INDEXED.
 *   Errors:
 *     -EINVAL   missing NAME/ID or INDEX_FD, other attributes given; the
 *               file is not a regular file open for reading, breaks a
 *               rule of the format, or fails its checksum (the extended
 *               ACK says which rule); a layer of the image is not frozen
 *     -EBADF    INDEX_FD is not an open file descriptor
 *     -ENOENT   no such layer
 *     -ESTALE   the index was built for another chain of directories
 *     -EEXIST   the layer already has an index
 *     -ETXTBSY  the file is open for writing
 *     -EIO      the file cannot be read
 *     -EPERM    caller lacks CAP_SYS_ADMIN
 *
 * Views are mounted with mount(2) or fsopen(2)/fsconfig(2) on filesystem
 * type "layerfs"; see README.md for the options.  A view's statfs f_type
 * is LAYERFS_SUPER_MAGIC.  Only CAP_SYS_ADMIN in the initial user
 * namespace may create a filesystem context for it (fsopen(2) fails with
 * -EPERM otherwise, before any option is queued).  An upper, work or
 * layer directory may not lie inside or contain another view's upper or
 * work directory or a registered layer (-ELOOP; -EBUSY when it is one),
 * nor be on an idmapped mount (-EINVAL).
 *
 * Lifetime
 * --------
 * The registry is memory only: it is empty when the module loads, and
 * unloading the module releases every layer.  The module cannot be unloaded
 * while a view is mounted.  Userspace (layerctl) keeps persistent records.
 */
#ifndef _UAPI_LINUX_LAYERFS_H
#define _UAPI_LINUX_LAYERFS_H

#define LAYERFS_GENL_NAME	"layerfs"
#define LAYERFS_GENL_VERSION	1

/* Longest layer name, excluding the terminating NUL. */
#define LAYERFS_NAME_MAX	255
/* Longest author or message, excluding the terminating NUL. */
#define LAYERFS_TEXT_MAX	4095
/* Most layer ids in one LAYERFS_LAYER_A_BASE. */
#define LAYERFS_BASE_MAX	1024
/* Most layers the registry holds at once. */
#define LAYERFS_LAYERS_MAX	65536
/* statfs() f_type of a mounted view. */
#define LAYERFS_SUPER_MAGIC	0x6c617966	/* "layf" */

enum layerfs_cmd {
	LAYERFS_CMD_UNSPEC,
	LAYERFS_CMD_LAYER_ADD,
	LAYERFS_CMD_LAYER_DEL,
	LAYERFS_CMD_LAYER_GET,
	LAYERFS_CMD_VIEW_GET,
	LAYERFS_CMD_VIEW_COMMIT,
	LAYERFS_CMD_LAYER_INDEX,
	__LAYERFS_CMD_MAX
};
#define LAYERFS_CMD_MAX (__LAYERFS_CMD_MAX - 1)

enum layerfs_attr {
	LAYERFS_A_UNSPEC,
	LAYERFS_A_LAYER,
	LAYERFS_A_VIEW,
	__LAYERFS_A_MAX
};
#define LAYERFS_A_MAX (__LAYERFS_A_MAX - 1)

enum layerfs_layer_attr {
	LAYERFS_LAYER_A_UNSPEC,
	LAYERFS_LAYER_A_ID,
	LAYERFS_LAYER_A_NAME,
	LAYERFS_LAYER_A_PATH,
	LAYERFS_LAYER_A_PARENT,
	LAYERFS_LAYER_A_PARENT_ID,
	LAYERFS_LAYER_A_AUTHOR,
	LAYERFS_LAYER_A_MESSAGE,
	LAYERFS_LAYER_A_CREATED,
	LAYERFS_LAYER_A_FLAGS,
	LAYERFS_LAYER_A_VIEWS,
	LAYERFS_LAYER_A_CHILDREN,
	LAYERFS_LAYER_A_PAD,
	LAYERFS_LAYER_A_BASE,
	LAYERFS_LAYER_A_INDEX_FD,
	__LAYERFS_LAYER_A_MAX
};
#define LAYERFS_LAYER_A_MAX (__LAYERFS_LAYER_A_MAX - 1)

enum layerfs_view_attr {
	LAYERFS_VIEW_A_UNSPEC,
	LAYERFS_VIEW_A_ID,
	LAYERFS_VIEW_A_DEV,
	LAYERFS_VIEW_A_SOURCE,
	LAYERFS_VIEW_A_IMAGE,
	LAYERFS_VIEW_A_UPPER,
	LAYERFS_VIEW_A_WORK,
	LAYERFS_VIEW_A_FLAGS,
	LAYERFS_VIEW_A_NLAYERS,
	LAYERFS_VIEW_A_FIRST,
	LAYERFS_VIEW_A_LAYERS,
	LAYERFS_VIEW_A_PAD,
	LAYERFS_VIEW_A_NEW_UPPER,
	LAYERFS_VIEW_A_COMMITS,
	__LAYERFS_VIEW_A_MAX
};
#define LAYERFS_VIEW_A_MAX (__LAYERFS_VIEW_A_MAX - 1)

enum layerfs_view_layer_attr {
	LAYERFS_VIEW_LAYER_A_UNSPEC,
	LAYERFS_VIEW_LAYER_A_NAME,
	__LAYERFS_VIEW_LAYER_A_MAX
};
#define LAYERFS_VIEW_LAYER_A_MAX (__LAYERFS_VIEW_LAYER_A_MAX - 1)

enum layerfs_view_flag {
	/* No upper directory: the view is read-only. */
	LAYERFS_VIEW_F_RDONLY = 1U << 0,
	/* Lookups and listings of the lower stack use its image's index. */
	LAYERFS_VIEW_F_INDEXED = 1U << 1,
	__LAYERFS_VIEW_F_ALL = LAYERFS_VIEW_F_RDONLY | LAYERFS_VIEW_F_INDEXED
};

enum layerfs_layer_flag {
	/* The layer is the frozen result of a commit: never written again. */
	LAYERFS_LAYER_F_FROZEN = 1U << 0,
	/* Replies only: the layer has an index (LAYERFS_CMD_LAYER_INDEX). */
	LAYERFS_LAYER_F_INDEXED = 1U << 1,
	/* The flags a request may set. */
	__LAYERFS_LAYER_F_ALL = LAYERFS_LAYER_F_FROZEN
};

#endif /* _UAPI_LINUX_LAYERFS_H */
