// SPDX-License-Identifier: GPL-2.0
/* OCI platforms (see platform.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "platform.h"

static const struct {
	const char *machine;	/* uname -m, or its prefix if it ends in '*' */
	const char *arch, *variant;
} lfs_machines[] = {
	{ "x86_64", "amd64", "" },
	{ "amd64", "amd64", "" },
	{ "aarch64", "arm64", "v8" },
	{ "arm64", "arm64", "v8" },
	{ "armv8l", "arm", "v8" },
	{ "armv7*", "arm", "v7" },
	{ "armv6*", "arm", "v6" },
	{ "armv5*", "arm", "v5" },
	{ "i386", "386", "" },
	{ "i486", "386", "" },
	{ "i586", "386", "" },
	{ "i686", "386", "" },
	{ "ppc64le", "ppc64le", "" },
	{ "ppc64", "ppc64", "" },
	{ "s390x", "s390x", "" },
	{ "riscv64", "riscv64", "" },
	{ "mips64", "mips64", "" },
	{ "loongarch64", "loong64", "" },
};

static int lfs_platform_set(struct lfs_platform *p, const char *os,
			    const char *arch, const char *variant)
{
	if (strlen(os) >= sizeof(p->os) || strlen(arch) >= sizeof(p->arch) ||
	    strlen(variant) >= sizeof(p->variant))
		return -EINVAL;
	snprintf(p->os, sizeof(p->os), "%s", os);
	snprintf(p->arch, sizeof(p->arch), "%s", arch);
	snprintf(p->variant, sizeof(p->variant), "%s", variant);
	return 0;
}

int lfs_platform_from_machine(const char *os, const char *machine,
			      struct lfs_platform *p)
{
	size_t i, n;

	for (i = 0; i < sizeof(lfs_machines) / sizeof(*lfs_machines); i++) {
		n = strlen(lfs_machines[i].machine);
		if (lfs_machines[i].machine[n - 1] == '*' ?
		    !strncmp(machine, lfs_machines[i].machine, n - 1) :
		    !strcmp(machine, lfs_machines[i].machine))
			return lfs_platform_set(p, os, lfs_machines[i].arch,
						lfs_machines[i].variant);
	}
	return lfs_platform_set(p, os, machine, "");
}

/* The length of a platform component at @s: [a-z0-9_.]+ up to '/' or end. */
static size_t lfs_platform_word(const char *s)
{
	size_t n = strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789_.");

	return s[n] == '/' || !s[n] ? n : 0;
}

int lfs_platform_parse(const char *s, struct lfs_platform *p)
{
	char part[3][32];
	size_t n, k = 0;

	for (;;) {
		n = lfs_platform_word(s);
		if (!n || n >= sizeof(part[0]) || k == 3)
			return -EINVAL;
		memcpy(part[k], s, n);
		part[k++][n] = '\0';
		if (!s[n])
			break;
		s += n + 1;
	}
	if (k < 2)
		return -EINVAL;
	return lfs_platform_set(p, part[0], part[1], k == 3 ? part[2] : "");
}

void lfs_platform_format(const struct lfs_platform *p, char *out, size_t len)
{
	snprintf(out, len, "%s/%s%s%s", p->os, p->arch, *p->variant ? "/" : "",
		 p->variant);
}

/* An absent variant as containerd reads it. */
static const char *lfs_platform_variant(const char *arch, const char *variant)
{
	if (variant && *variant)
		return variant;
	if (!strcmp(arch, "arm64"))
		return "v8";
	if (!strcmp(arch, "arm"))
		return "v7";
	return "";
}

int lfs_platform_match(const struct lfs_platform *want, const char *os,
		       const char *arch, const char *variant)
{
	if (!os || !arch || strcmp(os, want->os) || strcmp(arch, want->arch))
		return 0;
	if (!*want->variant)
		return 1;
	return !strcmp(lfs_platform_variant(want->arch, want->variant),
		       lfs_platform_variant(arch, variant));
}
