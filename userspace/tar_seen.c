// SPDX-License-Identifier: GPL-2.0
/*
 * The set of names an import has seen (tarimp.h's struct lfs_seen): an
 * open-addressing hash table of truncated SHA-256 digests of the names.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tarimp.h"

/* @n's key into @key; 0 or -ENOMEM. */
static int lfs_seen_key(struct lfs_seen *s, const char *n,
			unsigned char key[LFS_SEEN_KEY])
{
	unsigned char h[EVP_MAX_MD_SIZE];
	unsigned int hl = 0;

	if (!s->md) {
		s->md = EVP_MD_CTX_new();
		s->sha = EVP_MD_fetch(NULL, "SHA256", NULL);
		if (!s->md || !s->sha) {
			EVP_MD_CTX_free(s->md);
			EVP_MD_free(s->sha);
			s->md = NULL;
			s->sha = NULL;
			return -ENOMEM;
		}
	}
	if (!EVP_DigestInit_ex2(s->md, s->sha, NULL) ||
	    !EVP_DigestUpdate(s->md, n, strlen(n)) ||
	    !EVP_DigestFinal_ex(s->md, h, &hl) || hl < LFS_SEEN_KEY)
		return -ENOMEM;
	memcpy(key, h, LFS_SEEN_KEY);
	return 0;
}

/* The first slot of @key's probe sequence: the digest is uniform. */
static size_t lfs_seen_slot(const struct lfs_seen *s,
			    const unsigned char *key)
{
	uint64_t h;

	memcpy(&h, key, sizeof(h));
	return (size_t)h & (s->cap - 1);
}

static struct lfs_seen_ent *lfs_seen_lookup(struct lfs_seen *s,
					    const unsigned char *key)
{
	size_t i;

	if (!s->cap)
		return NULL;
	for (i = lfs_seen_slot(s, key); s->v[i].kind;
	     i = (i + 1) & (s->cap - 1))
		if (!memcmp(s->v[i].key, key, LFS_SEEN_KEY))
			return &s->v[i];
	return NULL;
}

/* The entry of name @n, or NULL (also if out of memory). */
struct lfs_seen_ent *lfs_seen_find(struct lfs_seen *s, const char *n)
{
	unsigned char key[LFS_SEEN_KEY];

	if (!s->cap || lfs_seen_key(s, n, key))
		return NULL;
	return lfs_seen_lookup(s, key);
}

/* 0, -EEXIST if present, -ENOMEM. */
int lfs_seen_add(struct lfs_seen *s, const char *n, int kind)
{
	unsigned char key[LFS_SEEN_KEY];
	struct lfs_seen_ent *nv;
	size_t i, j, ncap;

	if (lfs_seen_key(s, n, key))
		return -ENOMEM;
	if (lfs_seen_lookup(s, key))
		return -EEXIST;
	if ((s->n + 1) * 4 > s->cap * 3) {
		ncap = s->cap ? s->cap * 2 : 64;
		nv = calloc(ncap, sizeof(*nv));
		if (!nv)
			return -ENOMEM;
		s->cap = ncap;
		for (i = 0; i < ncap / 2 && s->v; i++) {
			if (!s->v[i].kind)
				continue;
			for (j = lfs_seen_slot(s, s->v[i].key); nv[j].kind;
			     j = (j + 1) & (ncap - 1))
				;
			nv[j] = s->v[i];
		}
		free(s->v);
		s->v = nv;
	}
	for (i = lfs_seen_slot(s, key); s->v[i].kind;
	     i = (i + 1) & (s->cap - 1))
		;
	memcpy(s->v[i].key, key, LFS_SEEN_KEY);
	s->v[i].kind = (uint32_t)kind;
	s->n++;
	return 0;
}

void lfs_seen_free(struct lfs_seen *s)
{
	free(s->v);
	EVP_MD_CTX_free(s->md);
	EVP_MD_free(s->sha);
	s->v = NULL;
	s->md = NULL;
	s->sha = NULL;
	s->n = s->cap = 0;
}
