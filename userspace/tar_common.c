// SPDX-License-Identifier: GPL-2.0
/*
 * What tar export and import share (see tarpriv.h): the bounded queue
 * between the tar thread and the (de)compressing one, SHA-256, whole
 * writes, the UTF-8 locale for tar names, the errno errors' form.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <locale.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tarpriv.h"

int lfs_tar_errno(struct lfs_err *e, int rc, const char *kind,
		  const char *name, const char *fmt, ...)
{
	char reason[LFS_ERR_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	lfs_err_set(e, rc, "%s", reason);
	return lfs_err_prefix(e, rc, "%s '%s'", kind, name);
}

static void lfs_utf8_locale_once(void)
{
	const char *cur = setlocale(LC_CTYPE, NULL);

	if (!cur || !strcmp(cur, "C") || !strcmp(cur, "POSIX"))
		setlocale(LC_CTYPE, "C.UTF-8");
}

/* Once per process: push and pull export and import on several threads. */
void lfs_utf8_locale(void)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;

	pthread_once(&once, lfs_utf8_locale_once);
}

void lfs_md_final(EVP_MD_CTX *md, char out[LFS_DIGEST_LEN])
{
	unsigned char h[LFS_SHA256_LEN];
	unsigned int n = 0;

	if (!EVP_DigestFinal_ex(md, h, &n))
		memset(h, 0, sizeof(h));
	lfs_oci_digest_format(h, out);
}

EVP_MD_CTX *lfs_md_new(void)
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();

	if (md && !EVP_DigestInit_ex(md, EVP_sha256(), NULL)) {
		EVP_MD_CTX_free(md);
		md = NULL;
	}
	return md;
}

int lfs_pipe_init(struct lfs_pipe *p)
{
	int i;

	memset(p, 0, sizeof(*p));
	for (i = 0; i < LFS_PIPE_SLOTS; i++) {
		p->buf[i] = malloc(LFS_PIPE_CHUNK);
		if (!p->buf[i]) {
			while (i--)
				free(p->buf[i]);
			return -ENOMEM;
		}
	}
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->cv, NULL);
	return 0;
}

/* Stops the worker and the tap (if they still run) and frees everything. */
void lfs_pipe_destroy(struct lfs_pipe *p)
{
	int i;

	if (p->started || p->tap_started) {
		pthread_mutex_lock(&p->mu);
		p->cancel = 1;
		p->eof = 1;
		pthread_cond_broadcast(&p->cv);
		pthread_mutex_unlock(&p->mu);
	}
	if (p->started) {
		pthread_join(p->thr, NULL);
		p->started = 0;
	}
	if (p->tap_started) {
		pthread_join(p->tap_thr, NULL);
		p->tap_started = 0;
	}
	if (!p->buf[0])
		return;
	for (i = 0; i < LFS_PIPE_SLOTS; i++)
		free(p->buf[i]);
	p->buf[0] = NULL;
	pthread_mutex_destroy(&p->mu);
	pthread_cond_destroy(&p->cv);
}

/* Slots not yet released by every reader.  Under p->mu. */
static unsigned long lfs_pipe_busy(const struct lfs_pipe *p)
{
	unsigned long low = p->done[0];

	if (p->tap && p->done[1] < low)
		low = p->done[1];
	return p->pushed - low;
}

/*
 * Producer: a free slot to fill (its index), or -1 if the consumer
 * cancelled.  The slot is not published until lfs_pipe_push().
 */
int lfs_pipe_slot(struct lfs_pipe *p)
{
	int slot = -1;

	pthread_mutex_lock(&p->mu);
	while (lfs_pipe_busy(p) == LFS_PIPE_SLOTS && !p->cancel)
		pthread_cond_wait(&p->cv, &p->mu);
	if (!p->cancel)
		slot = (int)(p->pushed % LFS_PIPE_SLOTS);
	pthread_mutex_unlock(&p->mu);
	return slot;
}

void lfs_pipe_push(struct lfs_pipe *p, int slot, size_t len)
{
	pthread_mutex_lock(&p->mu);
	p->len[slot] = len;
	p->pushed++;
	pthread_cond_broadcast(&p->cv);
	pthread_mutex_unlock(&p->mu);
}

/* Producer: done (@err: failed with that errno). */
void lfs_pipe_close(struct lfs_pipe *p, int err)
{
	pthread_mutex_lock(&p->mu);
	p->eof = 1;
	if (err && !p->err)
		p->err = err;
	pthread_cond_broadcast(&p->cv);
	pthread_mutex_unlock(&p->mu);
}

/* Reader @who (0 the consumer, 1 the tap): the next slot, or -1. */
static int lfs_pipe_next(struct lfs_pipe *p, int who)
{
	int slot = -1;

	pthread_mutex_lock(&p->mu);
	if (p->held[who]) {
		p->held[who] = 0;
		p->done[who]++;
		pthread_cond_broadcast(&p->cv);
	}
	while (p->done[who] == p->pushed && !p->eof && !p->cancel)
		pthread_cond_wait(&p->cv, &p->mu);
	if (p->done[who] < p->pushed && !p->cancel) {
		slot = (int)(p->done[who] % LFS_PIPE_SLOTS);
		p->held[who] = 1;
	}
	pthread_mutex_unlock(&p->mu);
	return slot;
}

/*
 * Consumer: releases the slot it held and waits for the next one.  Its
 * index, or -1 at the end (p->err set if the producer failed).
 */
int lfs_pipe_pop(struct lfs_pipe *p)
{
	return lfs_pipe_next(p, 0);
}

int lfs_pipe_tap_pop(struct lfs_pipe *p)
{
	return lfs_pipe_next(p, 1);
}

/* Consumer: gives up; the producer and the tap stop at their next slot. */
void lfs_pipe_cancel(struct lfs_pipe *p, int err)
{
	pthread_mutex_lock(&p->mu);
	p->cancel = 1;
	if (err && !p->err)
		p->err = err;
	pthread_cond_broadcast(&p->cv);
	pthread_mutex_unlock(&p->mu);
}

int lfs_pipe_write(struct lfs_pipe *p, int *slot, const void *buf, size_t n)
{
	size_t k;

	while (n) {
		if (*slot < 0) {
			*slot = lfs_pipe_slot(p);
			if (*slot < 0)
				return -1;
			p->fill = 0;
		}
		k = LFS_PIPE_CHUNK - p->fill;
		if (k > n)
			k = n;
		memcpy(p->buf[*slot] + p->fill, buf, k);
		p->fill += k;
		buf = (const char *)buf + k;
		n -= k;
		if (p->fill == LFS_PIPE_CHUNK) {
			lfs_pipe_push(p, *slot, p->fill);
			*slot = -1;
		}
	}
	return 0;
}

void lfs_pipe_end(struct lfs_pipe *p, int *slot, int err)
{
	if (*slot >= 0 && p->fill)
		lfs_pipe_push(p, *slot, p->fill);
	*slot = -1;
	lfs_pipe_close(p, err);
}

struct lfs_tar_feed *lfs_tar_feed_new(void)
{
	struct lfs_tar_feed *f = calloc(1, sizeof(*f));

	if (f && lfs_pipe_init(&f->q)) {
		free(f);
		return NULL;
	}
	if (f)
		f->slot = -1;
	return f;
}

void lfs_tar_feed_write(struct lfs_tar_feed *f, const void *p, size_t n)
{
	/* -1: the import stopped, the rest is dropped */
	lfs_pipe_write(&f->q, &f->slot, p, n);
}

void lfs_tar_feed_stop(struct lfs_tar_feed *f)
{
	lfs_pipe_cancel(&f->q, 0);
}

void lfs_tar_feed_close(struct lfs_tar_feed *f, int err)
{
	lfs_pipe_end(&f->q, &f->slot, err);
}

void lfs_tar_feed_free(struct lfs_tar_feed *f)
{
	if (!f)
		return;
	lfs_pipe_destroy(&f->q);
	free(f);
}
