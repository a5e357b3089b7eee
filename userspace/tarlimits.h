/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Size limits of import and load (tarlimits.c, pure): their defaults, the
 * --max-size/--max-entry-size/--max-entries values, and the bound they
 * put on the uncompressed tar stream.  tar_import.c checks them while
 * extracting.
 */
#ifndef LAYERCTL_TARLIMITS_H
#define LAYERCTL_TARLIMITS_H

#include <stdint.h>

/* Defaults: a layer of at most 64 GiB in files of at most 64 GiB each... */
#define LFS_MAX_SIZE_DEFAULT		(64ULL << 30)
#define LFS_MAX_ENTRY_SIZE_DEFAULT	(64ULL << 30)
/* ...and at most ten million entries. */
#define LFS_MAX_ENTRIES_DEFAULT		10000000ULL

/* What one entry may add to the tar stream besides its data (headers). */
#define LFS_TAR_ENTRY_OVERHEAD		(64ULL << 10)

/*
 * What reading the headers of one entry may take of the tar stream.
 * libarchive reads them into memory whole before it returns the entry:
 * PAX records and GNU long names (at most 1 MiB each, which it checks)
 * and a GNU sparse map, which it does not bound: a map of empty regions
 * holds some 50 bytes of memory for each 4 bytes of it ("0\n0\n", format
 * 1.0) and compresses a thousandfold.  16 MiB of headers hold some 200
 * MiB of memory at most, and a real map of a million data regions.
 */
#define LFS_TAR_HEADER_MAX		(16ULL << 20)

/*
 * One entry's headers against LFS_TAR_HEADER_MAX: the reader calls
 * lfs_tar_hdr_begin() with the tar stream's position before
 * archive_read_next_header() and lfs_tar_hdr_end() after it, and its
 * read callback lfs_tar_hdr_check() with the position after each block
 * it hands on: 1 (and @over kept) when the headers being read have taken
 * more than LFS_TAR_HEADER_MAX.
 */
struct lfs_tar_hdr {
	uint64_t start;		/* the position when the read began */
	int reading;		/* archive_read_next_header() runs */
	int over;		/* a header went over LFS_TAR_HEADER_MAX */
};

static inline void lfs_tar_hdr_begin(struct lfs_tar_hdr *h, uint64_t pos)
{
	h->start = pos;
	h->reading = 1;
}

static inline void lfs_tar_hdr_end(struct lfs_tar_hdr *h)
{
	h->reading = 0;
}

static inline int lfs_tar_hdr_check(struct lfs_tar_hdr *h, uint64_t pos)
{
	if (!h->reading || pos - h->start <= LFS_TAR_HEADER_MAX)
		return 0;
	h->over = 1;
	return 1;
}

/* Limits on what a tarball may make; 0 means no limit. */
struct lfs_tar_limits {
	uint64_t max_size;	/* the files' sizes in all (holes included) */
	uint64_t max_entry_size;	/* one entry's size (holes included) */
	uint64_t max_entries;	/* entries, whiteouts and directories too */
};

#define LFS_TAR_LIMITS_DEFAULT { LFS_MAX_SIZE_DEFAULT, \
		LFS_MAX_ENTRY_SIZE_DEFAULT, LFS_MAX_ENTRIES_DEFAULT }

/*
 * Parses a size: digits, optionally followed by K, M, G, T, P or E (also
 * KiB ... EiB; powers of 1024, any case).  0 or -EINVAL (also on
 * overflow).
 */
int lfs_size_parse(const char *s, uint64_t *out);

/*
 * The most uncompressed tar bytes those limits allow: the data of
 * max_entries entries of max_size bytes in all, plus their headers
 * (LFS_TAR_ENTRY_OVERHEAD each) and the end blocks; 0 (no bound) if
 * max_size or max_entries is 0.  Saturates at UINT64_MAX.
 */
uint64_t lfs_tar_stream_max(const struct lfs_tar_limits *l);

/* What a compressed blob may hold besides its tar stream's 1/128. */
#define LFS_TAR_BLOB_SLACK		(64ULL << 10)

/*
 * The largest blob (tar, tar+gzip or tar+zstd) whose tar stream the limits
 * allow: lfs_tar_stream_max() plus 1/128 of it plus LFS_TAR_BLOB_SLACK,
 * more than deflate (under 1/3000, pgzip's blocks included) or zstd
 * (1/256) adds to incompressible data; 0 (no bound) if the stream has
 * none.  Saturates at UINT64_MAX.  pull refuses a layer that the manifest
 * says is larger before downloading it: what it writes to the store (the
 * partial download, the kept blob) is bounded by the limits, whatever
 * the registry serves after the compressed stream.
 */
uint64_t lfs_tar_blob_max(const struct lfs_tar_limits *l);

#endif /* LAYERCTL_TARLIMITS_H */
