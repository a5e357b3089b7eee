/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Private to the tar code: what export (tar_export.c) and import
 * (tar_import.c) share, in tar_common.c.  The public API is ocitar.h.
 */
#ifndef LAYERCTL_TARPRIV_H
#define LAYERCTL_TARPRIV_H

#include <pthread.h>
#include <stddef.h>

#include <openssl/evp.h>

#include "err.h"
#include "fsdir.h"
#include "oci.h"

/*
 * Reads of 64 KiB: a buffer that stays in the CPU's cache between the
 * read(2) that fills it and the write(2), hash or compression that
 * drains it.  With 1 MiB buffers the kernel's copies missed the cache:
 * import spent 0.3 s more in the kernel per GiB.  (The queue's slots
 * below are larger, for another reason.)
 */
#define LFS_IO_CHUNK	(64 * 1024)
#define LFS_OPQ_XATTR	"trusted.overlay.opaque"

/*
 * Tar names are UTF-8 (PAX): let libarchive convert them as UTF-8 rather
 * than refuse every non-ASCII name in the "C" locale.
 */
void lfs_utf8_locale(void);

/*
 * A system call's failure on @subject (@kind 'NAME', e.g. entry 'a/b')
 * into @e: "KIND 'NAME': REASON" with @rc (a negative errno) as the code,
 * so that the reporter ends the line with its text in parentheses
 * (err.h).  Returns @rc.  @e may be NULL.
 */
int lfs_tar_errno(struct lfs_err *e, int rc, const char *kind,
		  const char *name, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

/* A SHA-256 context, or NULL; its digest as "sha256:HEX" into @out. */
EVP_MD_CTX *lfs_md_new(void);
void lfs_md_final(EVP_MD_CTX *md, char out[LFS_DIGEST_LEN]);

/*
 * A bounded queue of LFS_PIPE_CHUNK buffers between threads, so that
 * compression (export) or decompression (import) and the hashing run
 * beside the tar work, as `tar | zstd | sha256sum` runs three processes.
 * One producer, one consumer and, optionally, a tap: a second consumer
 * that reads every slot too (import hashes the tar there while the
 * consumer extracts it).  A slot is free again once both have released
 * it.  Counters are of slots since the start (slot = counter % SLOTS);
 * all fields after @tap_thr are under @mu.
 *
 * Slots of 256 KiB, 4 MiB a queue: every slot is a hand-over between
 * threads (a wake-up on each side) and, on import, one write(2) into the
 * extracted file.  With 64 KiB slots a pull of 512 MiB took 47-51 s in
 * the TCG guest, with 256 KiB 35-36 s (same boot, s23/h3); on the host,
 * gzip import and export took the same time with either.
 */
#define LFS_PIPE_SLOTS 16
#define LFS_PIPE_CHUNK (256 * 1024)

struct lfs_pipe {
	pthread_t thr;
	int started;
	pthread_t tap_thr;
	int tap_started;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	unsigned char *buf[LFS_PIPE_SLOTS];
	size_t len[LFS_PIPE_SLOTS];
	unsigned long pushed;	/* slots published by the producer */
	unsigned long done[2];	/* released by the consumer, the tap */
	int held[2];		/* slot done[i] is in use by it */
	int tap;		/* a tap reads the slots too (set first) */
	size_t fill;		/* export: bytes in the slot being filled */
	int eof;		/* the producer is done */
	int cancel;		/* the consumer gave up */
	int err;		/* the worker failed (errno) */
};

/*
 * 0 or -ENOMEM; the caller then starts p->thr and sets p->started (and,
 * for a tap, sets p->tap before that, starts p->tap_thr calling
 * lfs_pipe_tap_pop() and sets p->tap_started).
 */
int lfs_pipe_init(struct lfs_pipe *p);
/* Stops the worker and the tap (if they still run) and frees everything. */
void lfs_pipe_destroy(struct lfs_pipe *p);
/*
 * Producer: a free slot to fill (its index), or -1 if the consumer
 * cancelled.  The slot is not published until lfs_pipe_push().
 */
int lfs_pipe_slot(struct lfs_pipe *p);
void lfs_pipe_push(struct lfs_pipe *p, int slot, size_t len);
/* Producer: done (@err: failed with that errno). */
void lfs_pipe_close(struct lfs_pipe *p, int err);
/*
 * Producer: @n bytes at @buf copied into slots, a slot published once
 * full; *@slot is the one being filled (p->fill bytes), -1 for none.
 * 0, or -1 if the consumer cancelled (the rest is not copied).
 */
int lfs_pipe_write(struct lfs_pipe *p, int *slot, const void *buf, size_t n);
/* Producer: publishes the slot being filled, if any, then closes. */
void lfs_pipe_end(struct lfs_pipe *p, int *slot, int err);
/*
 * Consumer: releases the slot it held and waits for the next one.  Its
 * index, or -1 at the end (p->err set if the producer failed).
 */
int lfs_pipe_pop(struct lfs_pipe *p);
/* The tap: the same, for its own position; -1 also once cancelled. */
int lfs_pipe_tap_pop(struct lfs_pipe *p);
/* Consumer: gives up; the producer and the tap stop at their next slot. */
void lfs_pipe_cancel(struct lfs_pipe *p, int err);

/*
 * ocitar.h's feed: a queue whose producer fills slot @slot (-1: none yet)
 * up to q.fill bytes before it publishes it.  The consumer's slot stays
 * valid until its next pop, as libarchive's read callback needs.
 */
struct lfs_tar_feed {
	struct lfs_pipe q;
	int slot;
};

#endif /* LAYERCTL_TARPRIV_H */
