// SPDX-License-Identifier: GPL-2.0
/*
 * Unit-test runner for layerctl: every pure part of userspace/ (all but
 * the netlink socket, module loading and mounting, for which fake_nl.c and
 * fake_sys.c stand in).
 *
 * Exits 0 only if every test passed.  CK_FORK=no runs the tests in this
 * process (for valgrind); CK_RUN_SUITE / CK_RUN_CASE select tests.
 * CK_JOBS=N (make unit: one a CPU) runs the suites in N processes at once,
 * suite i in process i % N, each with a store of its own; each prints its
 * own "N%: Checks:" line, and the last line counts them all.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "suites.h"

static Suite *(*const suites[])(void) = {
	buf_suite,
	err_suite,
	parse_suite,
	layerinfo_suite,
	json_suite,
	format_suite,
	table_suite,
	msg_suite,
	cli_suite,
	batch_suite,
	view_suite,
	mount_suite,
	store_suite,
	oci_suite,
	mountopt_suite,
	tarlimits_suite,
	index_suite,
	ocireg_suite,
	imageinfo_suite,
	xfer_suite,
	pgzip_suite,
};

#define NSUITES (sizeof(suites) / sizeof(suites[0]))

/*
 * Runs suites job, job + jobs, ... with a private store (commands that use
 * the layer store never touch the machine's /var/lib/layerfs); *@run gets
 * how many checks ran.  Returns how many failed (or erred), plus one if the
 * store could not be made or removed.
 */
static int run_suites(size_t job, size_t jobs, int *run)
{
	char store[] = "/tmp/layerctl-unit.XXXXXX";
	char rm[64];
	SRunner *sr;
	size_t i;
	int failed;

	*run = 0;
	if (!mkdtemp(store) || setenv("LAYERFS_STORE", store, 1)) {
		perror("layerctl unit tests: store");
		return 1;
	}
	sr = srunner_create(NULL);
	for (i = job; i < NSUITES; i += jobs)
		srunner_add_suite(sr, suites[i]());
	srunner_run_all(sr, CK_NORMAL);
	*run = srunner_ntests_run(sr);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	snprintf(rm, sizeof(rm), "rm -rf '%s'", store);
	if (system(rm))
		failed++;
	return failed;
}

int main(void)
{
	const char *env = getenv("CK_JOBS");
	size_t jobs = env ? strtoul(env, NULL, 10) : 1;
	int counts[2 * NSUITES];	/* per job: checks run, failed */
	int fds[NSUITES][2];
	int run = 0, failed = 0, bad_exit = 0;
	size_t j;

	if (jobs < 1)
		jobs = 1;
	if (jobs > NSUITES)
		jobs = NSUITES;
	if (jobs == 1) {
		failed = run_suites(0, 1, &run);
		return failed ? EXIT_FAILURE : EXIT_SUCCESS;
	}
	fflush(NULL);	/* nothing buffered is printed again by a child */
	for (j = 0; j < jobs; j++) {
		pid_t pid;

		if (pipe(fds[j]) || (pid = fork()) < 0) {
			perror("layerctl unit tests: fork");
			return EXIT_FAILURE;
		}
		if (pid == 0) {
			int c[2];

			close(fds[j][0]);
			c[1] = run_suites(j, jobs, &c[0]);
			fflush(NULL);
			if (write(fds[j][1], c, sizeof(c)) != sizeof(c))
				_exit(EXIT_FAILURE);
			_exit(c[1] ? EXIT_FAILURE : EXIT_SUCCESS);
		}
		close(fds[j][1]);
	}
	for (j = 0; j < jobs; j++) {
		/* A job that died before it wrote its counts is a failure. */
		if (read(fds[j][0], &counts[2 * j], 2 * sizeof(int)) !=
		    2 * sizeof(int)) {
			fprintf(stderr, "layerctl unit tests: job %zu of %zu died\n",
				j + 1, jobs);
			failed++;
			continue;
		}
		close(fds[j][0]);
		run += counts[2 * j];
		failed += counts[2 * j + 1];
	}
	for (j = 0; j < jobs; j++) {
		int status;

		if (wait(&status) < 0 || !WIFEXITED(status) ||
		    WEXITSTATUS(status))
			bad_exit = 1;
	}
	/* A job's failure is in its counts, unless it died before them. */
	if (bad_exit && !failed)
		failed = 1;
	printf("layerctl unit tests: %d checks in %zu processes, %d failed\n",
	       run, jobs, failed);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
