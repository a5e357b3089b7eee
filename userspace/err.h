/* SPDX-License-Identifier: GPL-2.0 */
/*
 * layerctl's one error value.  A function that can fail returns 0 or a
 * negative errno and, when it is given a struct lfs_err, leaves there what
 * failed: the code and one line of text.  Code below the commands (store,
 * tar, sys, msg, ...) says what it was doing ("cannot create /x/layers",
 * "unknown layer 'x'"); each level above may put its subject in front
 * ("store: ", "view 'v': "); the command reports it once with
 * lfs_err_report() (cmd.h):
 *
 *   layerctl: SUBJECT: REASON (STRERROR)   a subject put before a reason
 *   layerctl: TEXT: STRERROR               a text without a subject
 *   layerctl: TEXT                         code 0: the text says it all
 *
 * A text that says it all (a digest mismatch, a malformed tar entry) is
 * set with code 0 and the function returns its errno itself.
 *
 * Pure: no I/O.  Text is kept raw; the reporter escapes control
 * characters (format.h) so that no name can corrupt the terminal.
 */
#ifndef LAYERCTL_ERR_H
#define LAYERCTL_ERR_H

#include <stddef.h>

/* Room for the text, NUL included (longer texts are cut). */
#define LFS_ERR_MAX 1024

struct lfs_err {
	int code;		/* 0 or a negative errno */
	int reason;		/* msg is "SUBJECT: REASON" (lfs_err_prefix()) */
	char msg[LFS_ERR_MAX];
};

#define LFS_ERR_INIT { 0, 0, "" }

/*
 * Sets @e (may be NULL) to @code and the formatted text, replacing what
 * it held.  Returns @code, so that a failure reads
 *   return lfs_err_set(e, -ENOENT, "no such layer '%s'", name);
 */
int lfs_err_set(struct lfs_err *e, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * Puts the formatted subject and ": " in front of @e's text; if @e holds
 * nothing yet (no code, no text), makes the subject its text and @code
 * its code.  Returns @code.  @e may be NULL.
 */
int lfs_err_prefix(struct lfs_err *e, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * Sets @e to "SUBJECT: @reason" with @code, SUBJECT formatted from @fmt
 * ("file '%s'"), as lfs_err_set() then lfs_err_prefix() would: shown
 * "SUBJECT: REASON (STRERROR)".  Returns @code.  @e may be NULL.
 */
int lfs_err_named(struct lfs_err *e, int code, const char *reason,
		  const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/*
 * @e as one line, as the reporter shows it after "layerctl: " (without
 * escaping): "MSG (STRERROR)", "MSG: STRERROR" or "MSG" (see above), into
 * @buf; returns @buf.
 */
const char *lfs_err_str(const struct lfs_err *e, char *buf, size_t len);

/* Empties @e (may be NULL). */
void lfs_err_clear(struct lfs_err *e);

#endif /* LAYERCTL_ERR_H */
