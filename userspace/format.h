/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Human-readable output, written into a struct lfs_buf: format.c for the
 * registry's layers and views, format_images.c for the store's records
 * (tables through table.h).  Pure: no I/O, no clock (the caller passes
 * "now"), so unit tests compare strings.
 *
 * Control characters in names, paths, authors and messages are shown
 * escaped ("\n", "\t", "\x1b", ...) so that no layer can corrupt the
 * table or the terminal; "\\" stands for a backslash.  So are, byte by
 * byte as "\xNN", the C1 controls (U+0080..U+009F, which terminals
 * honour: "\xc2\x9b" is CSI) and bytes that are not valid UTF-8, as ls
 * and git show them; other valid UTF-8 is printed as it is.
 */
#ifndef LAYERCTL_FORMAT_H
#define LAYERCTL_FORMAT_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "layerinfo.h"
#include "storemeta.h"
#include "viewinfo.h"

/* Appends @s with control characters, bytes that are not UTF-8 and
 * backslashes escaped. */
void lfs_fmt_escaped(struct lfs_buf *b, const char *s);
/* The same for the first @n bytes of @s (which may hold a NUL). */
void lfs_fmt_escapedn(struct lfs_buf *b, const char *s, size_t n);

/*
 * Appends the LAYERFS_LAYER_F_* names joined by @sep ("frozen"); unknown
 * bits as "0x..."; "-" for no flags.
 */
void lfs_fmt_flags(struct lfs_buf *b, uint32_t flags, const char *sep);

/*
 * `layer show`: one aligned "key: value" line for each of id, name, path,
 * parent, author, message, created, flags, views, children; "-" for what
 * the layer lacks.  Further lines of a multi-line message are indented to
 * the value column.
 */
void lfs_fmt_show(struct lfs_buf *b, const struct lfs_layer *l);

/*
 * `layer ls`: a header line and one line per layer, columns
 * ID NAME PARENT VIEWS CHILDREN CREATED PATH separated by at least three
 * spaces, CREATED relative to @now_ns ("2 minutes ago").  No trailing
 * blanks.  With @n == 0 only the header.
 */
void lfs_fmt_table(struct lfs_buf *b, struct lfs_layer *const *layers,
		   size_t n, uint64_t now_ns);

/*
 * A layer name as in --layers and the kernel's layers= option: escaped as
 * by lfs_fmt_escaped(), and ':' as "\:".
 */
void lfs_fmt_layer_name(struct lfs_buf *b, const char *name);

/* Widest LAYERS cell of `view ls` shown in full (see lfs_fmt_view_layers). */
#define LFS_FMT_LAYERS_WIDTH 48

/*
 * The LAYERS cell of `view ls`: the stack top first, names as by
 * lfs_fmt_layer_name() joined by ':' (so it can be pasted into --layers).
 * A stack of more than two layers that is wider than
 * LFS_FMT_LAYERS_WIDTH columns is shortened to "TOP:...:BOTTOM (N)".
 */
void lfs_fmt_view_layers(struct lfs_buf *b, const struct lfs_view *v);

/*
 * `view ls`: a header line and one line per view, columns
 * ID MOUNTPOINT LAYERS UPPER MODE separated by at least three spaces:
 * MOUNTPOINT lists the mountpoints joined by ',' ("-" if the view has none
 * in this mount namespace), UPPER is "-" for a read-only view, MODE is
 * "ro" or "rw".  No trailing blanks.  With @n == 0 only the header.
 */
void lfs_fmt_views(struct lfs_buf *b, const struct lfs_view *views, size_t n);

/* format_images.c: the store's records. */

/*
 * A size for humans as `docker images` shows it (SI units): "0B",
 * "512B", "1.5kB", "12.3MB", "1.07GB".
 */
void lfs_fmt_size(struct lfs_buf *b, uint64_t bytes);

/*
 * `images`: a header and one line per layer, sorted by ref:
 * REF KEY PARENT CREATED SIZE FILES (KEY's first 12 digits; CREATED
 * relative to @now_ns; "-" for no parent and for unknown usage), then one
 * line for each of its tags, as docker lists each tag of an image.
 * With @json: a JSON array of objects {"ref","key","parent"(or null),
 * "base"(if any),"tags"(if any),"created","created_ns","size","files",
 * "diff"}.
 */
void lfs_fmt_images(struct lfs_buf *b, struct lfs_meta *const *m, size_t n,
		    uint64_t now_ns, int json);

/*
 * `history REF`: one line per layer of the image, top first, like
 * `docker history`: LAYER (12 digits) REF CREATED AUTHOR SIZE MESSAGE
 * (escaped; "-" when empty).  @chain and @nchain come from
 * lfs_meta_chain().  With @json: an array of objects {"ref","key",
 * "created","created_ns","author","message","size","files","base"}.
 */
void lfs_fmt_history(struct lfs_buf *b, struct lfs_meta *const *m,
		     const size_t *chain, size_t nchain, uint64_t now_ns,
		     int json);

#endif /* LAYERCTL_FORMAT_H */
