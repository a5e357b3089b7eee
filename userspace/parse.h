/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Pure helpers for command-line parsing and value formatting: layer-name
 * validation (the rule of include/layerfs/refname.h, shared with the
 * kernel), getopt error texts, time formatting and the word splitter of
 * batch lines.  No I/O.
 */
#ifndef LAYERCTL_PARSE_H
#define LAYERCTL_PARSE_H

#include <getopt.h>
#include <stddef.h>
#include <stdint.h>

/* NULL if @name is a valid layer name, else the reason it is not. */
const char *lfs_name_check(const char *name);

/* The tag docker implies where a reference has none. */
#define LFS_DEFAULT_TAG "latest"

/* Room for a layer name with ":latest" added, and the NUL. */
#define LFS_REF_BUF (255 + sizeof(":" LFS_DEFAULT_TAG))

/*
 * The one rule for ':latest' (docker's): a layer name without a tag
 * (no ':', which valid names have only before the tag) stands for
 * NAME:latest.  Copies @ref into @out (@len bytes, LFS_REF_BUF will do)
 * with ":latest" added if it has no tag.  0, or -ENAMETOOLONG.  The
 * commands that name a new image (commit, import, load, pull) store
 * that; those that look one up take REF itself if it is registered,
 * else REF:latest (chain.h: lfs_ref_resolve_nl(), storemeta.h:
 * lfs_meta_find_ref()).
 */
int lfs_ref_latest(const char *ref, char *out, size_t len);

/* 1 if the layer name @ref has a tag, else 0. */
int lfs_ref_has_tag(const char *ref);

/*
 * Prepares getopt_long() for a fresh scan of a new argument vector: full
 * re-initialisation (optind = 0) and no messages from getopt itself
 * (opterr = 0), errors are described by lfs_opt_error().  Option strings
 * must start with ':' so that a missing argument is reported as ':'.
 */
void lfs_opt_reset(void);

/*
 * Describes the error getopt_long() just reported (it returned @c, '?' or
 * ':'), e.g. "unrecognized option '--foo'", "invalid option '-x'",
 * "option '--parent' requires an argument", "option '--json' doesn't allow
 * an argument".  Uses optind and optopt as getopt_long() left them.
 */
void lfs_opt_error(char *buf, size_t len, int c, char *const argv[],
		   const struct option *longopts);

/* Longest output of lfs_time_rfc3339(), including the NUL. */
#define LFS_TIME_RFC3339_MAX 40

/*
 * Formats @ns nanoseconds since the epoch as RFC 3339 UTC with nanosecond
 * precision: "2026-11-28T23:00:00.123456789Z".  0, or -ENOSPC if @len is
 * too small (@buf then holds "").
 */
int lfs_time_rfc3339(uint64_t ns, char *buf, size_t len);

/*
 * Formats the age of @then_ns relative to @now_ns for humans, the way
 * `docker images` does: "Less than a second ago", "5 seconds ago", "About a
 * minute ago", "3 hours ago", "2 weeks ago", ...; "In the future" when
 * @then_ns is more than a second after @now_ns.  0 or -ENOSPC.
 */
int lfs_time_ago(uint64_t then_ns, uint64_t now_ns, char *buf, size_t len);

/* Most words one batch line may have (a command and its arguments). */
#define LFS_WORDS_MAX 64

/*
 * Splits one batch line into words, in place, the way a POSIX shell does
 * without any expansion:
 *   - words are separated by blanks (space, tab, CR, LF, VT, FF);
 *   - '...' keeps everything up to the next ' literally;
 *   - "..." does too, except that \" and \\ stand for " and \ (any other
 *     backslash is kept);
 *   - outside quotes, a backslash makes the next character literal;
 *   - quoted and unquoted parts next to each other form one word, and ''
 *     or "" alone is an empty word;
 *   - a line whose first non-blank character is '#' is a comment.
 * There is no variable, glob or tilde expansion and no line continuation.
 *
 * @line is NUL-terminated and rewritten: argv[0..n-1] point into it, and
 * argv[n] is NULL, so @argv needs room for LFS_WORDS_MAX + 1 pointers.
 * Returns n, the number of words (0 for a blank or comment line), or a
 * negative errno with *@why set to a static description (and @argv
 * undefined):
 *   -EINVAL  "unterminated quote", "backslash at end of line"
 *   -E2BIG   "too many words (at most 64)"
 */
int lfs_split_words(char *line, char **argv, const char **why);

/*
 * Splits @path at its last component (trailing slashes ignored): the
 * directory that holds it into @parent ("." for a bare name, "/" at the
 * root), its name into @name.  0; -EINVAL if there is no such name (an
 * empty path, "/", or a last component "." or ".."); -ENAMETOOLONG if a
 * part does not fit (@name: also if longer than NAME_MAX).
 */
int lfs_path_last(const char *path, char *parent, size_t plen, char *name,
		  size_t nlen);

/*
 * Length of the valid UTF-8 sequence at @s (1..4), looking at no more than
 * the @n bytes there (n > 0), or 0 if those bytes do not start one:
 * overlong forms, surrogates, code points above U+10FFFF and a sequence
 * cut short are invalid.  A NUL is a sequence of its own (1).
 */
size_t lfs_utf8_len(const char *s, size_t n);

#endif /* LAYERCTL_PARSE_H */
