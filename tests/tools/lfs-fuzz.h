/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared code of the layerfs fuzzers (lfs-fsfuzz, lfs-nlfuzz) and of
 * lfs-random: a seeded xorshift64* generator, and the fuzzers' reports of
 * failed checks.
 */
#ifndef LFS_FUZZ_H
#define LFS_FUZZ_H

#include <stdbool.h>
#include <stdint.h>

/* The generator's state: the caller seeds it (never 0). */
extern uint64_t lfs_rng_state;

/* The next 64 random bits. */
uint64_t lfs_rnd64(void);
/* Uniform in [0, n); 0 if n is 0. */
uint32_t lfs_rnd(uint32_t n);
/* True with probability pct percent. */
bool lfs_chance(unsigned int pct);

/* Failed checks so far (lfs_bad() counts them). */
extern unsigned long lfs_failures;

/*
 * A check failed: count it and print "# BAD: ..." (the first 50 only);
 * the tool keeps going and fails at the end.
 */
void lfs_bad(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif /* LFS_FUZZ_H */
