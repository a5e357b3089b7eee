/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Layer name rule, shared by the kernel module and layerctl so that both
 * accept and refuse exactly the same names.  Pure code: no allocation, no
 * library calls, usable from any context.
 *
 *   name      := component ('/' component)* (':' tag)?
 *   component := alnum+ (separator alnum+)*
 *   separator := '.' | '_' | '__' | '-'+
 *   alnum     := [a-z0-9]
 *   tag       := [A-Za-z0-9_] [A-Za-z0-9_.-]{0,127}
 *
 * and the whole name is 1..LAYERFS_NAME_MAX bytes.
 */
#ifndef _LAYERFS_REFNAME_H
#define _LAYERFS_REFNAME_H

#define LAYERFS_REF_NAME_MAX	255
#define LAYERFS_REF_TAG_MAX	128

static inline int layerfs_ref_is_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

static inline int layerfs_ref_is_tag_char(char c)
{
	return layerfs_ref_is_alnum(c) || (c >= 'A' && c <= 'Z') ||
	       c == '_' || c == '.' || c == '-';
}

/*
 * Returns NULL if @s is a valid layer name, otherwise a short reason
 * suitable for an error message ("invalid layer name: <reason>").
 */
static inline const char *layerfs_ref_check(const char *s)
{
	const char *p = s;
	const char *tag;
	unsigned long n;

	if (!*p)
		return "empty name";
	for (n = 0; s[n]; n++)
		if (n >= LAYERFS_REF_NAME_MAX)
			return "longer than 255 bytes";

	for (;;) {
		/* One path component. */
		if (!layerfs_ref_is_alnum(*p))
			return "each component must start with [a-z0-9]";
		while (layerfs_ref_is_alnum(*p))
			p++;
		while (*p == '.' || *p == '_' || *p == '-') {
			if (*p == '.') {
				p++;
			} else if (*p == '_') {
				p++;
				if (*p == '_')
					p++;
			} else {
				while (*p == '-')
					p++;
			}
			if (!layerfs_ref_is_alnum(*p))
				return "separators '.', '_', '__', '-' must sit between [a-z0-9]";
			while (layerfs_ref_is_alnum(*p))
				p++;
		}
		if (*p != '/')
			break;
		p++;
	}

	if (!*p)
		return 0;
	if (*p != ':')
		return "only [a-z0-9._-] and '/' may appear before the tag";
	tag = ++p;
	if (!*tag)
		return "empty tag";
	if (*tag == '.' || *tag == '-')
		return "tag must start with [A-Za-z0-9_]";
	while (layerfs_ref_is_tag_char(*p))
		p++;
	if (*p)
		return "tag may only contain [A-Za-z0-9_.-]";
	if (p - tag > LAYERFS_REF_TAG_MAX)
		return "tag longer than 128 characters";
	return 0;
}

#endif /* _LAYERFS_REFNAME_H */
