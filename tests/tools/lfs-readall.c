// SPDX-License-Identifier: GPL-2.0
/*
 * lfs-readall: read files completely, for the page-cache test.
 *
 *   lfs-readall [--mmap] FILE...     read each FILE to its end (read(2) in
 *                                    1 MiB chunks, or through a shared
 *                                    mapping, touching every page); print
 *                                    "FILE BYTES SECONDS CHECKSUM"
 *   lfs-readall --make FILE MIB      write a MIB MiB file of non-zero,
 *                                    position-dependent data
 *
 * Exits non-zero if a file cannot be read or the files read do not all
 * have the same checksum (they are views of one lower file).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define CHUNK (1 << 20)

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int make(const char *path, long mib)
{
	uint64_t *buf = malloc(CHUNK);
	long i;
	size_t j;
	int fd;

	if (!buf)
		return 1;
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0) {
		fprintf(stderr, "lfs-readall: %s: %s\n", path, strerror(errno));
		return 1;
	}
	for (i = 0; i < mib; i++) {
		for (j = 0; j < CHUNK / sizeof(*buf); j++)
			buf[j] = ((uint64_t)i << 32 | j) * 0x9e3779b97f4a7c15ULL | 1;
		if (write(fd, buf, CHUNK) != CHUNK) {
			fprintf(stderr, "lfs-readall: write %s: %s\n", path, strerror(errno));
			return 1;
		}
	}
	if (fsync(fd) || close(fd)) {
		fprintf(stderr, "lfs-readall: %s: %s\n", path, strerror(errno));
		return 1;
	}
	free(buf);
	return 0;
}

static int readall(const char *path, int use_mmap, uint64_t *sum, off_t *bytes)
{
	unsigned char *buf;
	struct stat st;
	uint64_t s = 0;
	off_t total = 0, i;
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY);
	if (fd < 0 || fstat(fd, &st))
		return -errno;
	if (use_mmap) {
		buf = mmap(NULL, st.st_size, PROT_READ, MAP_SHARED, fd, 0);
		if (buf == MAP_FAILED) {
			n = -errno;
			close(fd);
			return n;
		}
		for (i = 0; i < st.st_size; i += 4096)
			s += buf[i] + (uint64_t)buf[i + 8] * 31;
		munmap(buf, st.st_size);
		total = st.st_size;
	} else {
		buf = malloc(CHUNK);
		if (!buf)
			return -ENOMEM;
		while ((n = read(fd, buf, CHUNK)) > 0) {
			for (i = 0; i < n; i += 4096)
				s += buf[i] + (uint64_t)buf[i + 8] * 31;
			total += n;
		}
		free(buf);
		if (n < 0) {
			n = -errno;
			close(fd);
			return n;
		}
	}
	close(fd);
	*sum = s;
	*bytes = total;
	return 0;
}

int main(int argc, char **argv)
{
	int use_mmap = 0, i, rc = 0;
	uint64_t first = 0;

	if (argc == 4 && !strcmp(argv[1], "--make"))
		return make(argv[2], atol(argv[3]));
	if (argc > 1 && !strcmp(argv[1], "--mmap")) {
		use_mmap = 1;
		argv++;
		argc--;
	}
	if (argc < 2) {
		fprintf(stderr, "usage: lfs-readall [--mmap] FILE... | --make FILE MIB\n");
		return 2;
	}
	for (i = 1; i < argc; i++) {
		double t0 = now();
		uint64_t sum = 0;
		off_t bytes = 0;
		int err = readall(argv[i], use_mmap, &sum, &bytes);

		if (err) {
			fprintf(stderr, "lfs-readall: %s: %s\n", argv[i], strerror(-err));
			rc = 1;
			continue;
		}
		printf("%s %lld %.2f %016llx\n", argv[i], (long long)bytes,
		       now() - t0, (unsigned long long)sum);
		if (i == 1)
			first = sum;
		else if (sum != first)
			rc = 1;
	}
	return rc;
}
