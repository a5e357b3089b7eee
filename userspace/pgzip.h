/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Parallel gzip (pgzip.c), as pigz does it, with zlib: the input is cut
 * into blocks of LFS_PGZ_BLOCK bytes, each deflated on its own by one of
 * several threads with the 32 KiB before it as the dictionary and ended
 * with a sync flush, so that the blocks concatenate into one deflate
 * stream; the CRC-32s combine (crc32_combine).  The output is one gzip
 * member (no name, mtime 0) that gunzip, Go's compress/gzip and zlib read
 * like any other.  A block that looks incompressible (four samples of it,
 * from its start to its end, each deflated at level 1, save less than
 * 1/32) is stored instead: random or
 * compressed data deflates at some 34 MB/s a core for nothing.  The block size is fixed, so the same input always gives
 * the same bytes, whatever the number of threads.
 */
#ifndef LAYERCTL_PGZIP_H
#define LAYERCTL_PGZIP_H

#include <stddef.h>

#define LFS_PGZ_BLOCK		(128 * 1024)
#define LFS_PGZ_DICT		(32 * 1024)
#define LFS_PGZ_SAMPLE		(4 * 1024)
#define LFS_PGZ_SAMPLES		4
#define LFS_PGZ_THREADS_MAX	8
/* zlib's default, which docker's gzip (Go's DefaultCompression) is too */
#define LFS_PGZ_LEVEL		6

/*
 * Receives the compressed bytes, in order, on the thread that calls
 * lfs_pgz_write() or lfs_pgz_close().  0, or a positive errno that fails
 * the stream.
 */
typedef int (*lfs_pgz_out)(void *arg, const void *p, size_t n);

struct lfs_pgz;

/*
 * A compressor at @level with @threads deflating threads (0: one per
 * online CPU, at most LFS_PGZ_THREADS_MAX).  NULL if out of memory or
 * no thread could start.
 */
struct lfs_pgz *lfs_pgz_new(int level, unsigned int threads, lfs_pgz_out out,
			    void *arg);

/* Compresses @n bytes of @p.  0, or the positive errno of the failure. */
int lfs_pgz_write(struct lfs_pgz *z, const void *p, size_t n);

/* The last block and the gzip trailer.  0 or a positive errno. */
int lfs_pgz_close(struct lfs_pgz *z);

/* Stops the threads and frees @z (closed or not). */
void lfs_pgz_free(struct lfs_pgz *z);

#endif /* LAYERCTL_PGZIP_H */
