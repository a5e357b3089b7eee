/* SPDX-License-Identifier: GPL-2.0 */
/* The Check suites of the layerctl unit tests, one per source file. */
#ifndef LAYERCTL_TEST_SUITES_H
#define LAYERCTL_TEST_SUITES_H

#include <check.h>

Suite *buf_suite(void);
Suite *err_suite(void);
Suite *parse_suite(void);
Suite *layerinfo_suite(void);
Suite *json_suite(void);
Suite *format_suite(void);
Suite *table_suite(void);
Suite *msg_suite(void);
Suite *cli_suite(void);
Suite *batch_suite(void);
Suite *view_suite(void);
Suite *mount_suite(void);
Suite *store_suite(void);
Suite *oci_suite(void);
Suite *mountopt_suite(void);
Suite *tarlimits_suite(void);
Suite *index_suite(void);
Suite *ocireg_suite(void);
Suite *imageinfo_suite(void);
Suite *xfer_suite(void);
Suite *pgzip_suite(void);

#endif /* LAYERCTL_TEST_SUITES_H */
