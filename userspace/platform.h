/* SPDX-License-Identifier: GPL-2.0 */
/*
 * OCI platforms (os/architecture/variant, as the image-index and config
 * specifications name them): the running machine's, --platform, and the
 * matching rule load uses to pick a manifest from an index.  Pure: the
 * caller gives uname(2)'s machine.
 */
#ifndef LAYERCTL_PLATFORM_H
#define LAYERCTL_PLATFORM_H

#include <stddef.h>

struct lfs_platform {
	char os[32];		/* "linux" */
	char arch[32];		/* "amd64", "arm64", "arm", "386", ... */
	char variant[16];	/* "v8", "v7", or "" */
};

/*
 * The platform of a machine whose uname -m is @machine, on @os: x86_64
 * amd64, aarch64/arm64 arm64/v8, armv7l arm/v7 (armv6l arm/v6, armv5*
 * arm/v5), i386..i686 386, ppc64le, ppc64, s390x, riscv64, mips64,
 * loongarch64 loong64; any other machine name is used as it is.  0, or
 * -EINVAL if a name does not fit.
 */
int lfs_platform_from_machine(const char *os, const char *machine,
			      struct lfs_platform *p);

/*
 * Parses "os/arch[/variant]" (--platform): lower-case letters, digits,
 * '_' and '.'; 0 or -EINVAL.
 */
int lfs_platform_parse(const char *s, struct lfs_platform *p);

/* "os/arch" or "os/arch/variant" into @out. */
void lfs_platform_format(const struct lfs_platform *p, char *out, size_t len);

/*
 * 1 if a manifest for @os/@arch/@variant (variant NULL or "" when absent)
 * suits @want: os and architecture equal, and when @want has a variant,
 * the same variant (an absent one counts as v8 for arm64 and v7 for arm,
 * as containerd normalises them).
 */
int lfs_platform_match(const struct lfs_platform *want, const char *os,
		       const char *arch, const char *variant);

#endif /* LAYERCTL_PLATFORM_H */
