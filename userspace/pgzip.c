// SPDX-License-Identifier: GPL-2.0
/*
 * Parallel gzip: see pgzip.h.  A ring of slots, each one block: the
 * caller fills them in order (with the 32 KiB before as the dictionary),
 * the threads deflate them in any order, and a writer thread hands them
 * to the output in order (so that what the output does, hashing and
 * writing, runs beside the caller), freeing each slot for the caller.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <zlib.h>

#include "pgzip.h"

enum { LFS_PGZ_FREE, LFS_PGZ_QUEUED, LFS_PGZ_BUSY, LFS_PGZ_DONE };

struct lfs_pgz_slot {
	unsigned char *in, *out;
	unsigned char dict[LFS_PGZ_DICT];
	size_t in_len, dict_len, out_len, out_cap;
	unsigned long crc;
	int state;
	int err;
};

struct lfs_pgz {
	pthread_mutex_t mu;
	pthread_cond_t work_cv, done_cv, free_cv;
	struct lfs_pgz_slot *slot;
	unsigned int n_slots, n_threads;
	pthread_t thr[LFS_PGZ_THREADS_MAX];
	pthread_t writer;
	int writing;		/* the writer runs */
	int closing;		/* no block comes after those queued */
	uint64_t queued;	/* blocks handed to the threads */
	uint64_t taken;		/* blocks a thread has started */
	uint64_t written;	/* blocks written out */
	int filling;		/* slot queued's block is being filled */
	unsigned char tail[LFS_PGZ_DICT];	/* the input's last bytes */
	size_t tail_len;
	int level, stop, err, header;
	unsigned long crc;
	uint64_t isize;
	lfs_pgz_out out;
	void *arg;
};

static struct lfs_pgz_slot *lfs_pgz_at(struct lfs_pgz *z, uint64_t seq)
{
	return &z->slot[seq % z->n_slots];
}

/* A thread's streams: at the level, storing, and the sample's. */
struct lfs_pgz_zs {
	z_stream main, store, probe;
	int n;			/* how many are initialized */
	unsigned char scratch[LFS_PGZ_SAMPLE + 1024];
};

static int lfs_pgz_zs_init(struct lfs_pgz_zs *zs, int level)
{
	z_stream *v[] = { &zs->main, &zs->store, &zs->probe };
	int lv[] = { level, 0, 1 };

	for (zs->n = 0; zs->n < 3; zs->n++)
		if (deflateInit2(v[zs->n], lv[zs->n], Z_DEFLATED, -15, 8,
				 Z_DEFAULT_STRATEGY) != Z_OK)
			return -ENOMEM;
	return 0;
}

static void lfs_pgz_zs_end(struct lfs_pgz_zs *zs)
{
	z_stream *v[] = { &zs->main, &zs->store, &zs->probe };

	while (zs->n > 0)
		deflateEnd(v[--zs->n]);
}

/* Whether @n bytes at @p save less than 1/32, deflated at level 1. */
static int lfs_pgz_poor(struct lfs_pgz_zs *zs, const unsigned char *p,
			size_t n)
{
	z_stream *z = &zs->probe;

	if (deflateReset(z) != Z_OK)
		return 0;
	z->next_in = (unsigned char *)p;
	z->avail_in = (uInt)n;
	z->next_out = zs->scratch;
	z->avail_out = sizeof(zs->scratch);
	if (deflate(z, Z_SYNC_FLUSH) != Z_OK || z->avail_in)
		return 0;
	return sizeof(zs->scratch) - z->avail_out > n - n / 32;
}

/*
 * Whether block @s looks incompressible: LFS_PGZ_SAMPLES samples of
 * LFS_PGZ_SAMPLE bytes, spread from its start to its end, each save less
 * than 1/32 at level 1.  (Such data, random or compressed already, costs
 * as much to deflate as it is worth nothing: storing it gives the same
 * size, at memcpy speed.)
 */
static int lfs_pgz_incompressible(struct lfs_pgz_zs *zs,
				  const struct lfs_pgz_slot *s)
{
	size_t i, step;

	if (s->in_len < LFS_PGZ_SAMPLES * LFS_PGZ_SAMPLE)
		return 0;
	step = (s->in_len - LFS_PGZ_SAMPLE) / (LFS_PGZ_SAMPLES - 1);
	for (i = 0; i < LFS_PGZ_SAMPLES; i++)
		if (!lfs_pgz_poor(zs, s->in + i * step, LFS_PGZ_SAMPLE))
			return 0;
	return 1;
}

/*
 * Deflates @s: a sync-flushed raw deflate block run, at the level, or
 * stored if it looks incompressible.
 */
static int lfs_pgz_deflate(struct lfs_pgz_zs *zs, struct lfs_pgz_slot *s)
{
	z_stream *strm = lfs_pgz_incompressible(zs, s) ? &zs->store : &zs->main;
	int rc;

	if (deflateReset(strm) != Z_OK ||
	    (s->dict_len && deflateSetDictionary(strm, s->dict,
						 (uInt)s->dict_len) != Z_OK))
		return EIO;
	strm->next_in = s->in;
	strm->avail_in = (uInt)s->in_len;
	strm->next_out = s->out;
	strm->avail_out = (uInt)s->out_cap;
	rc = deflate(strm, Z_SYNC_FLUSH);
	if (rc != Z_OK || strm->avail_in || !strm->avail_out)
		return EIO;
	s->out_len = s->out_cap - strm->avail_out;
	s->crc = crc32(0L, s->in, (uInt)s->in_len);
	return 0;
}

static void *lfs_pgz_thread(void *arg)
{
	struct lfs_pgz *z = arg;
	struct lfs_pgz_slot *s;
	struct lfs_pgz_zs *zs = calloc(1, sizeof(*zs));
	int ok;

	ok = zs && !lfs_pgz_zs_init(zs, z->level);
	pthread_mutex_lock(&z->mu);
	for (;;) {
		while (!z->stop && z->taken == z->queued)
			pthread_cond_wait(&z->work_cv, &z->mu);
		if (z->stop)
			break;
		s = lfs_pgz_at(z, z->taken++);
		s->state = LFS_PGZ_BUSY;
		pthread_mutex_unlock(&z->mu);
		s->err = ok ? lfs_pgz_deflate(zs, s) : ENOMEM;
		pthread_mutex_lock(&z->mu);
		s->state = LFS_PGZ_DONE;
		pthread_cond_broadcast(&z->done_cv);
	}
	pthread_mutex_unlock(&z->mu);
	if (zs)
		lfs_pgz_zs_end(zs);
	free(zs);
	return NULL;
}

static unsigned int lfs_pgz_nthreads(unsigned int threads)
{
	long n = threads ? (long)threads : sysconf(_SC_NPROCESSORS_ONLN);

	if (n < 1)
		n = 1;
	return n > LFS_PGZ_THREADS_MAX ? LFS_PGZ_THREADS_MAX : (unsigned int)n;
}

static int lfs_pgz_alloc(struct lfs_pgz *z)
{
	unsigned int i;

	z->slot = calloc(z->n_slots, sizeof(*z->slot));
	if (!z->slot)
		return -ENOMEM;
	for (i = 0; i < z->n_slots; i++) {
		z->slot[i].out_cap = compressBound(LFS_PGZ_BLOCK) + 64;
		z->slot[i].in = malloc(LFS_PGZ_BLOCK);
		z->slot[i].out = malloc(z->slot[i].out_cap);
		if (!z->slot[i].in || !z->slot[i].out)
			return -ENOMEM;
	}
	return 0;
}

static void *lfs_pgz_writer(void *arg);

struct lfs_pgz *lfs_pgz_new(int level, unsigned int threads, lfs_pgz_out out,
			    void *arg)
{
	struct lfs_pgz *z = calloc(1, sizeof(*z));
	unsigned int i;

	if (!z)
		return NULL;
	z->level = level;
	z->out = out;
	z->arg = arg;
	z->n_threads = 0;
	z->n_slots = 2 * lfs_pgz_nthreads(threads) + 2;
	pthread_mutex_init(&z->mu, NULL);
	pthread_cond_init(&z->work_cv, NULL);
	pthread_cond_init(&z->done_cv, NULL);
	pthread_cond_init(&z->free_cv, NULL);
	if (lfs_pgz_alloc(z)) {
		lfs_pgz_free(z);
		return NULL;
	}
	for (i = 0; i < lfs_pgz_nthreads(threads); i++) {
		if (pthread_create(&z->thr[i], NULL, lfs_pgz_thread, z))
			break;
		z->n_threads++;
	}
	if (z->n_threads)
		z->writing = !pthread_create(&z->writer, NULL, lfs_pgz_writer, z);
	if (!z->writing) {
		lfs_pgz_free(z);
		return NULL;
	}
	return z;
}

/* Hands @z's output function @n bytes, once no error has happened. */
static int lfs_pgz_emit(struct lfs_pgz *z, const void *p, size_t n)
{
	int err;

	pthread_mutex_lock(&z->mu);
	err = z->err;
	pthread_mutex_unlock(&z->mu);
	if (!err && n)
		err = z->out(z->arg, p, n);
	if (err) {
		pthread_mutex_lock(&z->mu);
		if (!z->err)
			z->err = err;
		pthread_mutex_unlock(&z->mu);
	}
	return err;
}

static int lfs_pgz_header(struct lfs_pgz *z)
{
	/* magic, deflate, no flags, mtime 0, XFL 0, OS 3 (Unix) */
	static const unsigned char h[10] = { 0x1f, 0x8b, 8, 0, 0, 0, 0, 0,
					     0, 3 };

	if (z->header)
		return 0;
	z->header = 1;
	return lfs_pgz_emit(z, h, sizeof(h));
}

/* Block @s out (the writer's): its bytes, its CRC-32 and size. */
static void lfs_pgz_put(struct lfs_pgz *z, struct lfs_pgz_slot *s)
{
	if (s->err) {
		pthread_mutex_lock(&z->mu);
		if (!z->err)
			z->err = s->err;
		pthread_mutex_unlock(&z->mu);
	}
	lfs_pgz_header(z);
	lfs_pgz_emit(z, s->out, s->out_len);
	z->crc = crc32_combine(z->crc, s->crc, (z_off_t)s->in_len);
	z->isize += s->in_len;
}

/* The writer: each block in order once deflated, until closed. */
static void *lfs_pgz_writer(void *arg)
{
	struct lfs_pgz *z = arg;
	struct lfs_pgz_slot *s;

	pthread_mutex_lock(&z->mu);
	for (;;) {
		s = lfs_pgz_at(z, z->written);
		if (z->written < z->queued && s->state == LFS_PGZ_DONE) {
			pthread_mutex_unlock(&z->mu);
			lfs_pgz_put(z, s);
			pthread_mutex_lock(&z->mu);
			s->state = LFS_PGZ_FREE;
			z->written++;
			pthread_cond_broadcast(&z->free_cv);
			continue;
		}
		if (z->stop || (z->closing && z->written == z->queued))
			break;
		pthread_cond_wait(&z->done_cv, &z->mu);
	}
	pthread_mutex_unlock(&z->mu);
	return NULL;
}

/* Queues the block being filled: its dictionary, then to the threads. */
static void lfs_pgz_queue(struct lfs_pgz *z)
{
	struct lfs_pgz_slot *s = lfs_pgz_at(z, z->queued);
	size_t keep;

	memcpy(s->dict, z->tail, z->tail_len);
	s->dict_len = z->tail_len;
	if (s->in_len >= LFS_PGZ_DICT) {
		memcpy(z->tail, s->in + s->in_len - LFS_PGZ_DICT, LFS_PGZ_DICT);
		z->tail_len = LFS_PGZ_DICT;
	} else {
		keep = LFS_PGZ_DICT - s->in_len;
		if (keep > z->tail_len)
			keep = z->tail_len;
		memmove(z->tail, z->tail + z->tail_len - keep, keep);
		memcpy(z->tail + keep, s->in, s->in_len);
		z->tail_len = keep + s->in_len;
	}
	pthread_mutex_lock(&z->mu);
	s->state = LFS_PGZ_QUEUED;
	z->queued++;
	pthread_cond_signal(&z->work_cv);
	pthread_mutex_unlock(&z->mu);
	z->filling = 0;
}

/* The slot of the next block, once the writer is done with it. */
static struct lfs_pgz_slot *lfs_pgz_fill_slot(struct lfs_pgz *z)
{
	struct lfs_pgz_slot *s = lfs_pgz_at(z, z->queued);

	if (!z->filling) {
		pthread_mutex_lock(&z->mu);
		while (z->queued - z->written >= z->n_slots)
			pthread_cond_wait(&z->free_cv, &z->mu);
		pthread_mutex_unlock(&z->mu);
		s->in_len = 0;
		z->filling = 1;
	}
	return s;
}

static int lfs_pgz_err(struct lfs_pgz *z)
{
	int err;

	pthread_mutex_lock(&z->mu);
	err = z->err;
	pthread_mutex_unlock(&z->mu);
	return err;
}

int lfs_pgz_write(struct lfs_pgz *z, const void *p, size_t n)
{
	const unsigned char *c = p;
	struct lfs_pgz_slot *s;
	size_t k;
	int err = lfs_pgz_err(z);

	while (n && !err) {
		s = lfs_pgz_fill_slot(z);
		k = LFS_PGZ_BLOCK - s->in_len;
		if (k > n)
			k = n;
		memcpy(s->in + s->in_len, c, k);
		s->in_len += k;
		c += k;
		n -= k;
		if (s->in_len == LFS_PGZ_BLOCK) {
			lfs_pgz_queue(z);
			err = lfs_pgz_err(z);
		}
	}
	return err;
}

/* Waits for the writer to have written every block and stopped. */
static void lfs_pgz_finish(struct lfs_pgz *z)
{
	pthread_mutex_lock(&z->mu);
	z->closing = 1;
	pthread_cond_broadcast(&z->done_cv);
	pthread_mutex_unlock(&z->mu);
	if (z->writing)
		pthread_join(z->writer, NULL);
	z->writing = 0;
}

int lfs_pgz_close(struct lfs_pgz *z)
{
	/* the final empty fixed-Huffman block, then CRC-32 and ISIZE */
	unsigned char t[10] = { 0x03, 0x00 };
	int i;

	if (z->filling && lfs_pgz_at(z, z->queued)->in_len)
		lfs_pgz_queue(z);
	z->filling = 0;
	lfs_pgz_finish(z);
	for (i = 0; i < 4; i++) {
		t[2 + i] = (unsigned char)(z->crc >> (8 * i));
		t[6 + i] = (unsigned char)(z->isize >> (8 * i));
	}
	lfs_pgz_header(z);
	lfs_pgz_emit(z, t, sizeof(t));
	return lfs_pgz_err(z);
}

void lfs_pgz_free(struct lfs_pgz *z)
{
	unsigned int i;

	if (!z)
		return;
	pthread_mutex_lock(&z->mu);
	z->stop = 1;
	pthread_cond_broadcast(&z->work_cv);
	pthread_cond_broadcast(&z->done_cv);
	pthread_mutex_unlock(&z->mu);
	for (i = 0; i < z->n_threads; i++)
		pthread_join(z->thr[i], NULL);
	if (z->writing)
		pthread_join(z->writer, NULL);
	for (i = 0; z->slot && i < z->n_slots; i++) {
		free(z->slot[i].in);
		free(z->slot[i].out);
	}
	free(z->slot);
	pthread_cond_destroy(&z->work_cv);
	pthread_cond_destroy(&z->done_cv);
	pthread_cond_destroy(&z->free_cv);
	pthread_mutex_destroy(&z->mu);
	free(z);
}
