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

#endif /* LAYERCTL_TEST_TAR_FIXTURE_H */
