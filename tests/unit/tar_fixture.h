/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Small gzip'ed tarballs for the suites that feed the tar import limits
 * (check_tarlimits.c's compressed bomb, check_ocireg.c's registry layer
 * with junk after its stream).
 */
#ifndef LAYERCTL_TEST_TAR_FIXTURE_H
#define LAYERCTL_TEST_TAR_FIXTURE_H

#include <stddef.h>

/*
 * A tar (restricted PAX) of one regular file "a", mode 0644, holding
 * @len bytes of @data, into @buf (@cap bytes); returns its length.
 */
size_t tarfix_one_file(char *buf, size_t cap, const char *data, size_t len);

/*
 * The gzip (level 9) of @len bytes of @in followed by @zeros zero bytes,
 * in one stream, in a new buffer with @room bytes to spare after it;
 * its length into *@out_len.  The caller frees it.
 */
unsigned char *tarfix_gzip(const void *in, size_t len, size_t zeros,
			   size_t room, size_t *out_len);

/*
 * A tar of one sparse file "big" whose sparse map lists @regions empty
 * regions (offset 0, 0 bytes) and no data, in a new buffer (the caller
 * frees it), its length into *@out_len: @old 0, a PAX entry in GNU sparse
 * format 1.0 (the map leads the entry's data, as libarchive and GNU tar
 * write it); @old 1, an old GNU 'S' entry, the map in its header (4
 * regions) and extension blocks of 21 regions each.  libarchive reads either map whole while it reads the
 * entry's header, some 50 bytes of memory a region.
 */
char *tarfix_sparse_map(size_t regions, int old, size_t *out_len);

/*
 * A PAX tar of a file "a" (1 byte), a hard link "b" to it that carries
 * @n bytes of data (PAX allows it; an import ignores the data) and a
 * file "c" (1 byte), in a new buffer (the caller frees it), its length
 * into *@out_len.
 */
char *tarfix_hardlink_data(size_t n, size_t *out_len);

/*
 * The xz (.xz, one block, LZMA2 with a 1 MiB dictionary) of @len bytes of
 * @in, in a new buffer (the caller frees it), its length into *@out_len;
 * @dict_prop not 0: the block header's dictionary size property set to
 * it (40: 4 GiB - 1), its CRC-32 made right, which the data still
 * decodes with: only what the decoder allocates changes.
 */
unsigned char *tarfix_xz(const void *in, size_t len, int dict_prop,
			 size_t *out_len);

#endif /* LAYERCTL_TEST_TAR_FIXTURE_H */
