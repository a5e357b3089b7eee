/* SPDX-License-Identifier: GPL-2.0 */
/* What the command-line suites expect of a usage error's stderr. */
#ifndef LAYERCTL_TEST_USAGE_HINT_H
#define LAYERCTL_TEST_USAGE_HINT_H

/*
 * Whether @err is one error line, then only the hint "Try 'layerctl
 * ... --help'.", never the whole usage text.
 */
int is_usage_hint(const char *err);

#endif /* LAYERCTL_TEST_USAGE_HINT_H */
