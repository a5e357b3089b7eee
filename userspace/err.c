// SPDX-License-Identifier: GPL-2.0
/* layerctl's error value (see err.h). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "err.h"

int lfs_err_set(struct lfs_err *e, int code, const char *fmt, ...)
{
	va_list ap;

	if (!e)
		return code;
	e->code = code;
	e->reason = 0;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	return code;
}

/* lfs_err_prefix() with its arguments in @ap. */
static int lfs_err_vprefix(struct lfs_err *e, int code, const char *fmt,
			   va_list ap)
{
	char subject[LFS_ERR_MAX], text[2 * LFS_ERR_MAX + 2];

	vsnprintf(subject, sizeof(subject), fmt, ap);
	if (!e->code && !e->msg[0]) {
		e->code = code;
		snprintf(e->msg, sizeof(e->msg), "%s", subject);
		return code;
	}
	if (!e->msg[0]) {
		snprintf(e->msg, sizeof(e->msg), "%s", subject);
		return code;
	}
	snprintf(text, sizeof(text), "%s: %s", subject, e->msg);
	memcpy(e->msg, text, sizeof(e->msg) - 1);
	e->msg[sizeof(e->msg) - 1] = '\0';
	e->reason = 1;
	return code;
}

int lfs_err_prefix(struct lfs_err *e, int code, const char *fmt, ...)
{
	va_list ap;

	if (!e)
		return code;
	va_start(ap, fmt);
	lfs_err_vprefix(e, code, fmt, ap);
	va_end(ap);
	return code;
}

int lfs_err_named(struct lfs_err *e, int code, const char *reason,
		  const char *fmt, ...)
{
	va_list ap;

	if (e) {
		lfs_err_set(e, code, "%s", reason);
		va_start(ap, fmt);
		lfs_err_vprefix(e, code, fmt, ap);
		va_end(ap);
	}
	return code;
}

const char *lfs_err_str(const struct lfs_err *e, char *buf, size_t len)
{
	const char *reason = strerror(e->code < 0 ? -e->code : e->code);

	if (!e->code)
		snprintf(buf, len, "%s", e->msg);
	else if (!e->msg[0])
		snprintf(buf, len, "%s", reason);
	else if (e->reason)
		snprintf(buf, len, "%s (%s)", e->msg, reason);
	else
		snprintf(buf, len, "%s: %s", e->msg, reason);
	return buf;
}

void lfs_err_clear(struct lfs_err *e)
{
	if (!e)
		return;
	e->code = 0;
	e->reason = 0;
	e->msg[0] = '\0';
}
