// SPDX-License-Identifier: GPL-2.0
/*
 * lfs-openrace: two processes open each of a list of files for writing at
 * the same moment, for t-index-race.
 *
 *   lfs-openrace [-s SPREAD] FILE...
 *
 * A process is forked; the two are pinned to CPUs 0 and 1 (if there are
 * two) and take the files in turn: for each they meet at a spin barrier
 * in shared memory, then one of them (which one alternates) spins a number
 * of loop turns, between 0 and SPREAD (default 20000) and different for
 * each file, and both open the file O_WRONLY.  The offsets make one open
 * arrive anywhere in the other's course, from the same instant to well
 * after it, once over the list.
 *
 * The files are expected to refuse the opens (immutable or append-only):
 * every open that succeeds is printed as "FILE: opened for writing by
 * process N", every error other than EPERM as "FILE: process N: ERROR";
 * then "FILES files, OPENS opens for writing: EPERM refused, OK opened,
 * OTHER other errors, SECONDS s".  Exits 1 if any open succeeded or failed
 * other than with EPERM, 2 on a usage or setup error.
 */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct shared {
	unsigned long arrived;		/* barrier: 2 per file passed */
	unsigned long refused[2];
	unsigned long opened[2];
	unsigned long other[2];
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	/* One CPU only: both run in turn, and the race is rarer. */
	sched_setaffinity(0, sizeof(set), &set);
}

static void spin(unsigned long turns)
{
	volatile unsigned long i;

	for (i = 0; i < turns; i++)
		;
}

/* Process @me's part: every file, in lock step with the other process. */
static void run(struct shared *sh, int me, char **files, int nfiles,
		unsigned long spread)
{
	unsigned long turns;
	int i, fd;

	pin(me);
	for (i = 0; i < nfiles; i++) {
		__atomic_add_fetch(&sh->arrived, 1, __ATOMIC_SEQ_CST);
		while (__atomic_load_n(&sh->arrived, __ATOMIC_ACQUIRE) <
		       2UL * (i + 1))
			;
		/* A spread of offsets over the list, not a cycle of few. */
		turns = ((unsigned long)i * 2654435761UL >> 4) %
			(spread + 1);
		if (i % 2 == me)
			spin(turns);
		fd = open(files[i], O_WRONLY);
		if (fd >= 0) {
			printf("%s: opened for writing by process %d\n",
			       files[i], me);
			fflush(stdout);
			close(fd);
			sh->opened[me]++;
		} else if (errno == EPERM) {
			sh->refused[me]++;
		} else {
			printf("%s: process %d: %s\n", files[i], me,
			       strerror(errno));
			fflush(stdout);
			sh->other[me]++;
		}
	}
}

int main(int argc, char **argv)
{
	unsigned long spread = 20000;
	struct shared *sh;
	int opt, status;
	double start;
	pid_t pid;

	while ((opt = getopt(argc, argv, "s:")) != -1) {
		if (opt != 's')
			goto usage;
		spread = strtoul(optarg, NULL, 0);
	}
	if (optind >= argc)
		goto usage;
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED) {
		perror("lfs-openrace: mmap");
		return 2;
	}
	memset(sh, 0, sizeof(*sh));
	start = now();
	pid = fork();
	if (pid < 0) {
		perror("lfs-openrace: fork");
		return 2;
	}
	run(sh, pid == 0, argv + optind, argc - optind, spread);
	if (pid == 0)
		_exit(0);
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status)) {
		fprintf(stderr, "lfs-openrace: the second process failed\n");
		return 2;
	}
	printf("%d files, %d opens for writing: %lu EPERM refused, %lu opened, %lu other errors, %.2f s\n",
	       argc - optind, 2 * (argc - optind),
	       sh->refused[0] + sh->refused[1], sh->opened[0] + sh->opened[1],
	       sh->other[0] + sh->other[1], now() - start);
	return sh->opened[0] + sh->opened[1] + sh->other[0] + sh->other[1] ?
	       1 : 0;

usage:
	fprintf(stderr, "usage: lfs-openrace [-s SPREAD] FILE...\n");
	return 2;
}
