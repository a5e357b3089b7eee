/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Human-readable output, written into a struct lfs_buf.  Pure: no I/O, no
 * clock (the caller passes "now"), so unit tests compare strings.
 *
 * Control characters in names, paths, authors and messages are shown
 * escaped ("\n", "\t", "\x1b", ...) so that no layer can corrupt the
 * table or the terminal; "\\" stands for a backslash.
 */
#ifndef LAYERCTL_FORMAT_H
#define LAYERCTL_FORMAT_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "layerinfo.h"

/* Appends @s with control characters and backslashes escaped. */
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
 * An error line, newline included:
 *   "layerctl: WHAT: EXTACK (STRERROR)"  when @extack is a non-empty text
 *   "layerctl: WHAT: STRERROR"           otherwise
 * @err is a negative errno.
 */
void lfs_fmt_error(struct lfs_buf *b, const char *what, int err,
		   const char *extack);

#endif /* LAYERCTL_FORMAT_H */
