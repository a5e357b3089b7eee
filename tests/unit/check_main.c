// SPDX-License-Identifier: GPL-2.0
/*
 * Unit-test runner for layerctl: every pure part of userspace/ (all but
 * the netlink socket, module loading and mounting, for which fake_nl.c and
 * fake_sys.c stand in).
 *
 * Exits 0 only if every test passed.  CK_FORK=no runs the tests in this
 * process (for valgrind); CK_RUN_SUITE / CK_RUN_CASE select tests.
 */
#include <stdio.h>
#include <stdlib.h>
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

int main(void)
{
	SRunner *sr;
	size_t i;
	int failed;

	/*
	 * Commands that use the layer store get a private one, never the
	 * machine's /var/lib/layerfs.
	 */
	char store[] = "/tmp/layerctl-unit.XXXXXX";
	char rm[64];

	if (!mkdtemp(store) || setenv("LAYERFS_STORE", store, 1)) {
		perror("layerctl unit tests: store");
		return EXIT_FAILURE;
	}
	sr = srunner_create(NULL);
	for (i = 0; i < sizeof(suites) / sizeof(suites[0]); i++)
		srunner_add_suite(sr, suites[i]());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	snprintf(rm, sizeof(rm), "rm -rf '%s'", store);
	if (system(rm))
		failed++;
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
