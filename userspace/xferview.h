/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What push and pull show of their blobs, as docker does (xferview.c):
 *
 *   LFS_XV_TTY    output is a terminal: one row per blob, redrawn in place
 *                 ("sha256:0123456789ab: Downloading [=====>    ] 1.2MB/4MB",
 *                 then "sha256:0123456789ab: Download complete");
 *   LFS_XV_LINES  output is not a terminal: one line per blob when it is
 *                 done ("sha256:HEX downloaded N bytes"), no progress;
 *   LFS_XV_QUIET  --quiet: nothing per blob.
 *
 * Safe to call from several threads (a mutex).  Rows are drawn at most
 * ten times a second, and cut to the terminal's width so that the cursor
 * moves stay right.  The formatting (lfs_xv_human(), lfs_xv_format_row(),
 * lfs_xv_render()) is pure and unit-tested.
 */
#ifndef LAYERCTL_XFERVIEW_H
#define LAYERCTL_XFERVIEW_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum lfs_xv_mode {
	LFS_XV_QUIET,
	LFS_XV_LINES,
	LFS_XV_TTY,
};

#define LFS_XV_STATUS_MAX 48

struct lfs_xv_row {
	char id[20];			/* "sha256:" and 12 hex digits */
	char status[LFS_XV_STATUS_MAX];	/* "Downloading", "Pushed", ... */
	uint64_t done, total;
	int busy;			/* a bar while busy */
};

struct lfs_xv {
	FILE *out;
	enum lfs_xv_mode mode;
	pthread_mutex_t mu;
	struct lfs_xv_row *rows;
	size_t n_rows, cap;
	size_t n_drawn;			/* rows on the screen */
	unsigned int width;		/* the terminal's columns */
	uint64_t last_ms;		/* of the last redraw */
};

/* TTY if @out is a terminal (and TERM is not "dumb"), QUIET if @quiet. */
enum lfs_xv_mode lfs_xv_mode_for(FILE *out, int quiet);

/* A display of at most @cap rows on @out.  0 or -ENOMEM. */
int lfs_xv_init(struct lfs_xv *v, FILE *out, enum lfs_xv_mode mode,
		size_t cap);
void lfs_xv_free(struct lfs_xv *v);

/* A new row for blob @digest of @total bytes, @status; its index. */
size_t lfs_xv_add(struct lfs_xv *v, const char *digest, const char *status,
		  uint64_t total, int busy);

/* One row, for a client's progress hook (lfs_xv_hook()). */
struct lfs_xv_ref {
	struct lfs_xv *v;
	size_t row;
};

/* lfs_xv_progress() of the struct lfs_xv_ref @arg. */
void lfs_xv_hook(void *arg, uint64_t done);

/* Row @row now @status, of @total bytes, with a bar if @busy. */
void lfs_xv_set(struct lfs_xv *v, size_t row, const char *status,
		uint64_t total, int busy);

/* Row @row has @done bytes (redrawn if 100 ms have passed). */
void lfs_xv_progress(struct lfs_xv *v, size_t row, uint64_t done);

/*
 * Row @row is done: its @status on a terminal; @fmt (a whole line, no
 * newline) printed when output is not one.
 */
void lfs_xv_end(struct lfs_xv *v, size_t row, const char *status,
		const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* The last redraw; output after this starts on a new line. */
void lfs_xv_finish(struct lfs_xv *v);

/* Pure. */
/* @n bytes as docker writes them: "512B", "4.1kB", "1.23MB" (1000s). */
void lfs_xv_human(uint64_t n, char *out, size_t len);
/* One row, at most @width - 1 characters (0: no limit). */
void lfs_xv_format_row(const struct lfs_xv_row *r, unsigned int width,
		       char *out, size_t len);
/*
 * The rows, each "\r\033[K" ROW "\n", after moving the cursor up over
 * @v->n_drawn rows drawn before; sets n_drawn.
 */
void lfs_xv_render(struct lfs_xv *v, FILE *f);

#endif /* LAYERCTL_XFERVIEW_H */
