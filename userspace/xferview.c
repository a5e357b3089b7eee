// SPDX-License-Identifier: GPL-2.0
/*
 * The per-blob display of push and pull.  See xferview.h.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "xferview.h"

#define LFS_XV_BAR	30
#define LFS_XV_EVERY_MS	100

enum lfs_xv_mode lfs_xv_mode_for(FILE *out, int quiet)
{
	const char *term = getenv("TERM");

	if (quiet)
		return LFS_XV_QUIET;
	if (!isatty(fileno(out)) || !term || !*term || !strcmp(term, "dumb"))
		return LFS_XV_LINES;
	return LFS_XV_TTY;
}

int lfs_xv_init(struct lfs_xv *v, FILE *out, enum lfs_xv_mode mode,
		size_t cap)
{
	struct winsize ws;

	memset(v, 0, sizeof(*v));
	v->out = out;
	v->mode = mode;
	v->cap = cap;
	v->width = 80;
	if (mode == LFS_XV_TTY && !ioctl(fileno(out), TIOCGWINSZ, &ws) &&
	    ws.ws_col >= 20)
		v->width = ws.ws_col;
	v->rows = calloc(cap ? cap : 1, sizeof(*v->rows));
	if (!v->rows)
		return -ENOMEM;
	pthread_mutex_init(&v->mu, NULL);
	return 0;
}

void lfs_xv_free(struct lfs_xv *v)
{
	if (!v->rows)
		return;
	pthread_mutex_destroy(&v->mu);
	free(v->rows);
	v->rows = NULL;
}

void lfs_xv_human(uint64_t n, char *out, size_t len)
{
	static const char *const unit[] = { "B", "kB", "MB", "GB", "TB", "PB" };
	double d = (double)n;
	size_t u = 0;

	while (d >= 1000.0 && u + 1 < sizeof(unit) / sizeof(unit[0])) {
		d /= 1000.0;
		u++;
	}
	snprintf(out, len, "%.3g%s", d, unit[u]);
}

void lfs_xv_format_row(const struct lfs_xv_row *r, unsigned int width,
		       char *out, size_t len)
{
	char bar[LFS_XV_BAR + 3], a[16], b[16];
	size_t fill, n;

	n = (size_t)snprintf(out, len, "%s: %s", r->id, r->status);
	if (r->busy && r->total && n < len) {
		fill = r->done >= r->total ? LFS_XV_BAR :
		       (size_t)(r->done * LFS_XV_BAR / r->total);
		bar[0] = '[';
		memset(bar + 1, '=', fill);
		memset(bar + 1 + fill, ' ', LFS_XV_BAR - fill);
		if (fill && fill < LFS_XV_BAR)
			bar[fill] = '>';
		bar[LFS_XV_BAR + 1] = ']';
		bar[LFS_XV_BAR + 2] = '\0';
		lfs_xv_human(r->done, a, sizeof(a));
		lfs_xv_human(r->total, b, sizeof(b));
		snprintf(out + n, len - n, " %s %s/%s", bar, a, b);
	}
	if (width && strlen(out) >= width)
		out[width - 1] = '\0';
}

void lfs_xv_render(struct lfs_xv *v, FILE *f)
{
	char line[512];
	size_t i;

	if (v->n_drawn)
		fprintf(f, "\033[%zuA", v->n_drawn);
	for (i = 0; i < v->n_rows; i++) {
		lfs_xv_format_row(&v->rows[i], v->width, line, sizeof(line));
		fprintf(f, "\r\033[K%s\n", line);
	}
	v->n_drawn = v->n_rows;
}

static uint64_t lfs_xv_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Redraws (with v->mu held) if @force or the last redraw is old enough. */
static void lfs_xv_draw(struct lfs_xv *v, int force)
{
	uint64_t now = lfs_xv_now_ms();

	if (v->mode != LFS_XV_TTY ||
	    (!force && now - v->last_ms < LFS_XV_EVERY_MS))
		return;
	v->last_ms = now;
	lfs_xv_render(v, v->out);
	fflush(v->out);
}

size_t lfs_xv_add(struct lfs_xv *v, const char *digest, const char *status,
		  uint64_t total, int busy)
{
	struct lfs_xv_row *r;
	size_t i;

	pthread_mutex_lock(&v->mu);
	i = v->n_rows < v->cap ? v->n_rows++ : v->cap - 1;
	r = &v->rows[i];
	memset(r, 0, sizeof(*r));
	snprintf(r->id, sizeof(r->id), "%.19s", digest);
	snprintf(r->status, sizeof(r->status), "%s", status);
	r->total = total;
	r->busy = busy;
	lfs_xv_draw(v, 1);
	pthread_mutex_unlock(&v->mu);
	return i;
}

void lfs_xv_set(struct lfs_xv *v, size_t row, const char *status,
		uint64_t total, int busy)
{
	struct lfs_xv_row *r;

	if (v->mode != LFS_XV_TTY || row >= v->n_rows)
		return;
	pthread_mutex_lock(&v->mu);
	r = &v->rows[row];
	snprintf(r->status, sizeof(r->status), "%s", status);
	r->total = total;
	r->done = 0;
	r->busy = busy;
	lfs_xv_draw(v, 1);
	pthread_mutex_unlock(&v->mu);
}

void lfs_xv_progress(struct lfs_xv *v, size_t row, uint64_t done)
{
	if (v->mode != LFS_XV_TTY || row >= v->n_rows)
		return;
	pthread_mutex_lock(&v->mu);
	v->rows[row].done = done;
	lfs_xv_draw(v, 0);
	pthread_mutex_unlock(&v->mu);
}

void lfs_xv_hook(void *arg, uint64_t done)
{
	struct lfs_xv_ref *r = arg;

	lfs_xv_progress(r->v, r->row, done);
}

void lfs_xv_end(struct lfs_xv *v, size_t row, const char *status,
		const char *fmt, ...)
{
	va_list ap;

	pthread_mutex_lock(&v->mu);
	if (v->mode == LFS_XV_LINES) {
		va_start(ap, fmt);
		vfprintf(v->out, fmt, ap);
		va_end(ap);
		fputc('\n', v->out);
	} else if (v->mode == LFS_XV_TTY && row < v->n_rows) {
		snprintf(v->rows[row].status, sizeof(v->rows[row].status), "%s",
			 status);
		v->rows[row].busy = 0;
		lfs_xv_draw(v, 1);
	}
	pthread_mutex_unlock(&v->mu);
}

void lfs_xv_finish(struct lfs_xv *v)
{
	pthread_mutex_lock(&v->mu);
	lfs_xv_draw(v, 1);
	pthread_mutex_unlock(&v->mu);
	fflush(v->out);
}
