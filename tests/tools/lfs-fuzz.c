// SPDX-License-Identifier: GPL-2.0
/*
 * Shared code of the layerfs fuzzers and lfs-random; see lfs-fuzz.h.
 */

#include <stdarg.h>
#include <stdio.h>

#include "lfs-fuzz.h"

uint64_t lfs_rng_state;
unsigned long lfs_failures;

/* xorshift64* */
uint64_t lfs_rnd64(void)
{
	lfs_rng_state ^= lfs_rng_state >> 12;
	lfs_rng_state ^= lfs_rng_state << 25;
	lfs_rng_state ^= lfs_rng_state >> 27;
	return lfs_rng_state * 2685821657736338717ULL;
}

uint32_t lfs_rnd(uint32_t n)
{
	return n ? (uint32_t)((lfs_rnd64() >> 11) % n) : 0;
}

bool lfs_chance(unsigned int pct)
{
	return lfs_rnd(100) < pct;
}

void lfs_bad(const char *fmt, ...)
{
	va_list ap;

	if (++lfs_failures > 50)
		return;
	va_start(ap, fmt);
	fputs("# BAD: ", stdout);
	vprintf(fmt, ap);
	putchar('\n');
	va_end(ap);
	fflush(stdout);
}
