// SPDX-License-Identifier: GPL-2.0
/* Argument parsing and value formatting helpers (see parse.h). */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <layerfs/refname.h>

#include "parse.h"

#define NSEC_PER_SEC 1000000000ULL

const char *lfs_name_check(const char *name)
{
	return layerfs_ref_check(name);
}

void lfs_opt_reset(void)
{
	optind = 0;
	opterr = 0;
}

/* The long option named by @arg ("--name" or "--name=value"), if any. */
static const struct option *lfs_opt_find(const char *arg,
					 const struct option *longopts,
					 size_t *namelen)
{
	const struct option *o;
	size_t n;

	if (strncmp(arg, "--", 2) != 0)
		return NULL;
	arg += 2;
	n = strcspn(arg, "=");
	*namelen = n;
	for (o = longopts; o && o->name; o++)
		if (strlen(o->name) == n && !strncmp(o->name, arg, n))
			return o;
	return NULL;
}

void lfs_opt_error(char *buf, size_t len, int c, char *const argv[],
		   const struct option *longopts)
{
	/* The element getopt just stepped past, if it finished one. */
	const char *arg = optind > 0 ? argv[optind - 1] : "";
	const struct option *o;
	size_t n = 0;

	if (!arg)
		arg = "";
	o = lfs_opt_find(arg, longopts, &n);
	if (c == ':') {
		/* A missing argument always ends its element. */
		if (!strncmp(arg, "--", 2))
			snprintf(buf, len, "option '%.*s' requires an argument",
				 (int)(strcspn(arg, "=")), arg);
		else
			snprintf(buf, len, "option '-%c' requires an argument",
				 optopt);
	} else if (optopt && o && o->val == optopt && o->has_arg == no_argument &&
		   arg[2 + n] == '=') {
		snprintf(buf, len, "option '--%s' doesn't allow an argument",
			 o->name);
	} else if (optopt) {
		snprintf(buf, len, "unknown option '-%c'", optopt);
	} else if (!strncmp(arg, "--", 2)) {
		snprintf(buf, len, "unknown option '%.*s'",
			 (int)(strcspn(arg, "=")), arg);
	} else {
		snprintf(buf, len, "unknown option '%s'", arg);
	}
}

int lfs_time_rfc3339(uint64_t ns, char *buf, size_t len)
{
	time_t sec = (time_t)(ns / NSEC_PER_SEC);
	unsigned long frac = (unsigned long)(ns % NSEC_PER_SEC);
	struct tm tm;
	int n;

	if (len)
		buf[0] = '\0';
	if (!gmtime_r(&sec, &tm))
		return -EOVERFLOW;
	n = snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d.%09luZ",
		     tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
		     tm.tm_hour, tm.tm_min, tm.tm_sec, frac);
	if (n < 0 || (size_t)n >= len) {
		if (len)
			buf[0] = '\0';
		return -ENOSPC;
	}
	return 0;
}

int lfs_time_ago(uint64_t then_ns, uint64_t now_ns, char *buf, size_t len)
{
	uint64_t d, s;
	unsigned long long v;
	const char *unit;
	int n;

	if (then_ns > now_ns) {
		d = then_ns - now_ns;
		n = snprintf(buf, len, "%s",
			     d < NSEC_PER_SEC ? "Less than a second ago" :
			     "In the future");
		goto out;
	}
	d = now_ns - then_ns;
	s = d / NSEC_PER_SEC;
	if (s < 1) {
		n = snprintf(buf, len, "Less than a second ago");
		goto out;
	}
	if (s == 1) {
		n = snprintf(buf, len, "1 second ago");
		goto out;
	}
	if (s < 60) {
		v = s;
		unit = "seconds";
	} else if (s / 60 == 1) {
		n = snprintf(buf, len, "About a minute ago");
		goto out;
	} else if (s < 60 * 60) {
		v = s / 60;
		unit = "minutes";
	} else if ((s + 30 * 60) / 3600 == 1) {
		n = snprintf(buf, len, "About an hour ago");
		goto out;
	} else if (s < 48 * 3600) {
		v = (s + 30 * 60) / 3600;
		unit = "hours";
	} else if (s < 14 * 86400) {
		v = s / 86400;
		unit = "days";
	} else if (s < 60 * 86400) {
		v = s / (7 * 86400);
		unit = "weeks";
	} else if (s < 2 * 365 * 86400ULL) {
		v = s / (30 * 86400);
		unit = "months";
	} else {
		v = s / (365 * 86400ULL);
		unit = "years";
	}
	n = snprintf(buf, len, "%llu %s ago", v, unit);
out:
	if (n < 0 || (size_t)n >= len) {
		if (len)
			buf[0] = '\0';
		return -ENOSPC;
	}
	return 0;
}

#define LFS_STR_(x) #x
#define LFS_STR(x) LFS_STR_(x)

static int lfs_is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' ||
	       c == '\f';
}

int lfs_split_words(char *line, char **argv, const char **why)
{
	/* Words are unquoted in place: w (write) never passes r (read). */
	char *r = line, *w = line;
	int n = 0;

	while (lfs_is_blank(*r))
		r++;
	if (*r == '#')
		r += strlen(r);
	for (;;) {
		char end;

		while (lfs_is_blank(*r))
			r++;
		if (!*r)
			break;
		if (n == LFS_WORDS_MAX) {
			*why = "too many words (at most " LFS_STR(LFS_WORDS_MAX) ")";
			return -E2BIG;
		}
		argv[n++] = w;
		while (*r && !lfs_is_blank(*r)) {
			if (*r == '\'') {
				for (r++; *r && *r != '\''; )
					*w++ = *r++;
				if (!*r++)
					goto unterminated;
			} else if (*r == '"') {
				for (r++; *r && *r != '"'; ) {
					if (r[0] == '\\' && (r[1] == '"' || r[1] == '\\'))
						r++;
					*w++ = *r++;
				}
				if (!*r++)
					goto unterminated;
			} else if (*r == '\\') {
				if (!r[1]) {
					*why = "backslash at end of line";
					return -EINVAL;
				}
				*w++ = r[1];
				r += 2;
			} else {
				*w++ = *r++;
			}
		}
		/* End of word: r is at a blank or at the end; w <= r. */
		end = *r;
		*w++ = '\0';
		if (end)
			r++;
	}
	argv[n] = NULL;
	return n;

unterminated:
	*why = "unterminated quote";
	return -EINVAL;
}

int lfs_ref_has_tag(const char *ref)
{
	return strchr(ref, ':') != NULL;
}

int lfs_ref_latest(const char *ref, char *out, size_t len)
{
	int n = snprintf(out, len, lfs_ref_has_tag(ref) ? "%s" :
			 "%s:" LFS_DEFAULT_TAG, ref);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

int lfs_path_last(const char *path, char *parent, size_t plen, char *name,
		  size_t nlen)
{
	size_t len = strlen(path), start, plen_used;

	while (len > 1 && path[len - 1] == '/')
		len--;
	start = len;
	while (start && path[start - 1] != '/')
		start--;
	if (start == len || (len - start == 1 && path[start] == '.') ||
	    (len - start == 2 && !strncmp(path + start, "..", 2)))
		return -EINVAL;
	if (len - start > NAME_MAX || len - start >= nlen)
		return -ENAMETOOLONG;
	memcpy(name, path + start, len - start);
	name[len - start] = '\0';
	/* the parent: without its trailing slashes, but "/" stays */
	plen_used = start;
	while (plen_used > 1 && path[plen_used - 1] == '/')
		plen_used--;
	if (!plen_used) {
		path = ".";
		plen_used = 1;
	}
	if (plen_used >= plen)
		return -ENAMETOOLONG;
	memcpy(parent, path, plen_used);
	parent[plen_used] = '\0';
	return 0;
}

size_t lfs_utf8_len(const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	unsigned char c = s[0];
	size_t len, i;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		len = 2;
	else if (c >= 0xe0 && c <= 0xef)
		len = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		len = 4;
	else
		return 0;
	if (n < len)
		return 0;
	for (i = 1; i < len; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	if ((c == 0xe0 && s[1] < 0xa0) || (c == 0xf0 && s[1] < 0x90))
		return 0;	/* overlong */
	if (c == 0xed && s[1] > 0x9f)
		return 0;	/* a surrogate */
	if (c == 0xf4 && s[1] > 0x8f)
		return 0;	/* above U+10FFFF */
	return len;
}
