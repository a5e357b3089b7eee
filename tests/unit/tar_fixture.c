// SPDX-License-Identifier: GPL-2.0
/* Small gzip'ed tarballs for the tests (see tar_fixture.h). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <archive.h>
#include <archive_entry.h>
#include <check.h>
#include <lzma.h>
#include <zlib.h>

#include "tar_fixture.h"

size_t tarfix_one_file(char *buf, size_t cap, const char *data, size_t len)
{
	struct archive *a = archive_write_new();
	struct archive_entry *e = archive_entry_new();
	size_t used = 0;

	ck_assert_ptr_nonnull(a);
	ck_assert_ptr_nonnull(e);
	ck_assert_int_eq(archive_write_set_format_pax_restricted(a), ARCHIVE_OK);
	ck_assert_int_eq(archive_write_open_memory(a, buf, cap, &used),
			 ARCHIVE_OK);
	archive_entry_set_pathname(e, "a");
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 0644);
	archive_entry_set_size(e, (la_int64_t)len);
	ck_assert_int_eq(archive_write_header(a, e), ARCHIVE_OK);
	ck_assert_int_eq(archive_write_data(a, data, len), (la_ssize_t)len);
	ck_assert_int_eq(archive_write_close(a), ARCHIVE_OK);
	archive_write_free(a);
	archive_entry_free(e);
	return used;
}

unsigned char *tarfix_gzip(const void *in, size_t len, size_t zeros,
			   size_t room, size_t *out_len)
{
	/* deflate makes of zeros less than 1/256 of them */
	size_t cap = len + (zeros >> 8) + room + (1 << 16);
	unsigned char *out = malloc(cap), *z = calloc(1, 1 << 16);
	z_stream s = { 0 };

	ck_assert_ptr_nonnull(out);
	ck_assert_ptr_nonnull(z);
	ck_assert_int_eq(deflateInit2(&s, 9, Z_DEFLATED, 31, 9,
				      Z_DEFAULT_STRATEGY), Z_OK);
	s.next_out = out;
	s.avail_out = (uInt)(cap - room);
	s.next_in = (unsigned char *)in;
	s.avail_in = (uInt)len;
	ck_assert_int_eq(deflate(&s, Z_NO_FLUSH), Z_OK);
	while (zeros) {
		size_t n = zeros > (1 << 16) ? (1 << 16) : zeros;

		s.next_in = z;
		s.avail_in = (uInt)n;
		ck_assert_int_eq(deflate(&s, Z_NO_FLUSH), Z_OK);
		zeros -= n;
	}
	ck_assert_int_eq(deflate(&s, Z_FINISH), Z_STREAM_END);
	*out_len = cap - room - s.avail_out;
	deflateEnd(&s);
	free(z);
	return out;
}

/* A ustar header at @h: @name, @size, @type; @gnu: the old GNU magic. */
static void tarfix_header(unsigned char *h, const char *name, size_t size,
			  char type, int gnu)
{
	unsigned int sum = 0;
	size_t i;

	memset(h, 0, 512);
	snprintf((char *)h, 100, "%s", name);
	memcpy(h + 100, "0000644", 8);
	memcpy(h + 108, "0000000", 8);
	memcpy(h + 116, "0000000", 8);
	snprintf((char *)h + 124, 12, "%011zo", size);
	memcpy(h + 136, "00000000000", 12);
	h[156] = (unsigned char)type;
	memcpy(h + 257, gnu ? "ustar  " : "ustar\0" "00", 8);
	memset(h + 148, ' ', 8);
	for (i = 0; i < 512; i++)
		sum += h[i];
	snprintf((char *)h + 148, 8, "%06o", sum);
}

/* One PAX record "LEN KEY=VALUE\n" at @p; its length. */
static size_t tarfix_pax_record(char *p, const char *key, const char *value)
{
	size_t body = strlen(key) + strlen(value) + 3, n = body + 1;

	while ((size_t)snprintf(NULL, 0, "%zu", n) + body != n)
		n++;
	return (size_t)sprintf(p, "%zu %s=%s\n", n, key, value);
}

char *tarfix_sparse_map(size_t regions, int old, size_t *out_len)
{
	/* per region: "0\n0\n", or 24 bytes of an extension block */
	size_t cap = 8192 + regions * (old ? 512 / 21 + 1 : 4) + 512 * 4;
	unsigned char *t = calloc(1, cap), *ext;
	size_t off, map, i, k, left;
	char pax[512];
	int n;

	ck_assert_ptr_nonnull(t);
	if (old) {
		/* 4 regions in the header itself, the others in extensions */
		tarfix_header(t, "big", 0, 'S', 1);
		for (i = 0; i < 4 && i < regions; i++) {
			memcpy(t + 386 + i * 24, "00000000000", 12);
			memcpy(t + 386 + i * 24 + 12, "00000000000", 12);
		}
		t[482] = regions > 4;
		snprintf((char *)t + 483, 12, "%011o", 0);
		memset(t + 148, ' ', 8);
		for (i = 0, k = 0; i < 512; i++)
			k += t[i];
		snprintf((char *)t + 148, 8, "%06zo", k);
		off = 512;
		for (left = regions > 4 ? regions - 4 : 0; left;
		     left -= k, off += 512) {
			ext = t + off;
			k = left < 21 ? left : 21;
			for (i = 0; i < k; i++) {
				memcpy(ext + i * 24, "00000000000", 12);
				memcpy(ext + i * 24 + 12, "00000000000", 12);
			}
			ext[504] = left > k;
		}
	} else {
		off = tarfix_pax_record(pax, "GNU.sparse.major", "1");
		off += tarfix_pax_record(pax + off, "GNU.sparse.minor", "0");
		off += tarfix_pax_record(pax + off, "GNU.sparse.name", "big");
		off += tarfix_pax_record(pax + off, "GNU.sparse.realsize", "0");
		tarfix_header(t, "PaxHeaders/big", off, 'x', 0);
		memcpy(t + 512, pax, off);
		/* the map leads the data, after the entry's header */
		n = sprintf((char *)t + 1536, "%zu\n", regions);
		for (map = (size_t)n, i = 0; i < regions; i++, map += 4)
			memcpy(t + 1536 + map, "0\n0\n", 4);
		map = (map + 511) / 512 * 512;
		tarfix_header(t + 1024, "GNUSparseFile.0/big", map, '0', 0);
		off = 1536 + map;
	}
	off += 1024;	/* the end-of-archive blocks, zeros */
	ck_assert_uint_le(off, cap);
	*out_len = off;
	return (char *)t;
}

char *tarfix_hardlink_data(size_t n, size_t *out_len)
{
	size_t cap = 512 * 10 + n, off = 0, rec;
	unsigned char *t = calloc(1, cap);
	unsigned int sum = 0;
	size_t i;

	ck_assert_ptr_nonnull(t);
	tarfix_header(t, "a", 1, '0', 0);
	t[512] = 'a';
	off = 1024;
	rec = tarfix_pax_record((char *)t + off + 512, "path", "b");
	tarfix_header(t + off, "PaxHeaders/b", rec, 'x', 0);
	off += 1024;
	tarfix_header(t + off, "b", n, '1', 0);
	memcpy(t + off + 157, "a", 1);
	memset(t + off + 148, ' ', 8);
	for (i = 0; i < 512; i++)
		sum += t[off + i];
	snprintf((char *)t + off + 148, 8, "%06o", sum);
	memset(t + off + 512, 'b', n);
	off += 512 + (n + 511) / 512 * 512;
	tarfix_header(t + off, "c", 1, '0', 0);
	t[off + 512] = 'c';
	off += 1024 + 1024;	/* "c", then the end-of-archive blocks */
	ck_assert_uint_le(off, cap);
	*out_len = off;
	return (char *)t;
}

/* A varint of the xz format at @p[*@i] (moved past it). */
static uint64_t tarfix_xz_varint(const unsigned char *p, size_t *i)
{
	uint64_t v = 0;
	int shift = 0;

	do
		v |= (uint64_t)(p[*i] & 0x7f) << shift, shift += 7;
	while (p[(*i)++] & 0x80);
	return v;
}

unsigned char *tarfix_xz(const void *in, size_t len, int dict_prop,
			 size_t *out_len)
{
	lzma_options_lzma opt;
	lzma_filter f[2];
	size_t cap = len + len / 2 + 4096, pos = 0, hsize, i;
	unsigned char *out = malloc(cap), *h;
	uint32_t crc;

	ck_assert_ptr_nonnull(out);
	ck_assert_int_eq(lzma_lzma_preset(&opt, 6), 0);
	opt.dict_size = 1 << 20;
	f[0].id = LZMA_FILTER_LZMA2;
	f[0].options = &opt;
	f[1].id = LZMA_VLI_UNKNOWN;
	ck_assert_int_eq(lzma_stream_buffer_encode(f, LZMA_CHECK_CRC64, NULL,
						   in, len, out, &pos, cap),
			 LZMA_OK);
	*out_len = pos;
	if (!dict_prop)
		return out;
	/* the block header after the 12-byte stream header */
	h = out + 12;
	hsize = ((size_t)h[0] + 1) * 4;
	i = 2;
	if (h[1] & 0x40)	/* compressed size */
		tarfix_xz_varint(h, &i);
	if (h[1] & 0x80)	/* uncompressed size */
		tarfix_xz_varint(h, &i);
	ck_assert_uint_eq(tarfix_xz_varint(h, &i), LZMA_FILTER_LZMA2);
	ck_assert_uint_eq(tarfix_xz_varint(h, &i), 1);	/* its props' size */
	h[i] = (unsigned char)dict_prop;
	crc = lzma_crc32(h, hsize - 4, 0);
	for (i = 0; i < 4; i++)
		h[hsize - 4 + i] = (unsigned char)(crc >> (8 * i));
	return out;
}
