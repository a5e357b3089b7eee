// SPDX-License-Identifier: GPL-2.0
/* is_usage_hint(), shared by check_cli.c and check_mount.c. */
#include <string.h>

#include "usage_hint.h"

int is_usage_hint(const char *err)
{
	const char *nl = strchr(err, '\n');
	size_t n;

	if (!nl || strstr(err, "Usage:"))
		return 0;
	err = nl + 1;
	n = strlen(err);
	return !strncmp(err, "Try 'layerctl", 13) && n > 14 &&
	       !strcmp(err + n - 10, " --help'.\n") && !strchr(err, '\n')[1];
}
