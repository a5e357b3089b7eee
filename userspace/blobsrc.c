// SPDX-License-Identifier: GPL-2.0
/*
 * The store's record of where blobs came from.  See blobsrc.h.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "blobsrc.h"
#include "regcmd.h"

/* Line @l (@n bytes, no newline) is "@digest @host/REPO": REPO's span. */
static int lfs_blobsrc_match(const char *l, size_t n, const char *digest,
			     const char *host, const char **repo,
			     size_t *rlen)
{
	size_t dl = strlen(digest), hl = strlen(host);

	if (n < dl + hl + 3 || memcmp(l, digest, dl) || l[dl] != ' ' ||
	    memcmp(l + dl + 1, host, hl) || l[dl + 1 + hl] != '/')
		return 0;
	*repo = l + dl + hl + 2;
	*rlen = n - (dl + hl + 2);
	return 1;
}

int lfs_blobsrc_find(const char *text, const char *digest, const char *host,
		     const char *not_repo, char *repo, size_t len)
{
	const char *p = text, *r, *nl;
	size_t n, rl;
	int rc = -ENOENT;

	while (p && *p) {
		nl = strchr(p, '\n');
		n = nl ? (size_t)(nl - p) : strlen(p);
		if (lfs_blobsrc_match(p, n, digest, host, &r, &rl) && rl &&
		    rl < len && (strlen(not_repo) != rl ||
				 memcmp(r, not_repo, rl)) &&
		    !memchr(r, ' ', rl)) {
			memcpy(repo, r, rl);
			repo[rl] = '\0';
			rc = 0;		/* the last one wins */
		}
		p = nl ? nl + 1 : NULL;
	}
	return rc;
}

/* 1 if line @l (@n bytes) is one of the new ones in @add. */
static int lfs_blobsrc_is_new(const char *add, const char *l, size_t n)
{
	const char *p = add, *nl;

	for (; *p; p = nl + 1) {
		nl = strchr(p, '\n');
		if ((size_t)(nl - p) == n && !memcmp(p, l, n))
			return 1;
	}
	return 0;
}

char *lfs_blobsrc_merge(const char *old, const char *const *digests,
			size_t n, const char *host, const char *repo,
			size_t max)
{
	char *add = NULL, *out = NULL, *keep;
	size_t alen = 0, olen = 0, i, lines = 0;
	const char *p, *nl;
	FILE *a, *o;

	a = open_memstream(&add, &alen);
	if (!a)
		return NULL;
	for (i = 0; i < n; i++)
		fprintf(a, "%s %s/%s\n", digests[i], host, repo);
	fclose(a);
	o = add ? open_memstream(&out, &olen) : NULL;
	if (!o) {
		free(add);
		return NULL;
	}
	for (p = old; p && *p; p = nl ? nl + 1 : NULL) {
		nl = strchr(p, '\n');
		i = nl ? (size_t)(nl - p) : strlen(p);
		if (i && !lfs_blobsrc_is_new(add, p, i))
			fprintf(o, "%.*s\n", (int)i, p);
	}
	fputs(add, o);
	fclose(o);
	free(add);
	if (!out)
		return NULL;
	/* the last @max lines */
	for (p = out; *p; p++)
		lines += *p == '\n';
	if (lines > max) {
		for (keep = out, i = lines - max; i; i--)
			keep = strchr(keep, '\n') + 1;
		memmove(out, keep, strlen(keep) + 1);
	}
	return out;
}

void lfs_blobsrc_record(const char *root, const char *host, const char *repo,
			const char *const *digests, size_t n)
{
	char *old = NULL, *text;
	int fd;

	fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return;
	lfs_reg_read_file(fd, LFS_BLOBSRC_FILE, &old, NULL);
	text = lfs_blobsrc_merge(old, digests, n, host, repo,
				 LFS_BLOBSRC_MAX_LINES);
	if (text)
		lfs_reg_write_file(fd, LFS_BLOBSRC_FILE, text, strlen(text),
				   0600);
	free(text);
	free(old);
	close(fd);
}

int lfs_blobsrc_lookup(const char *root, const char *digest, const char *host,
		       const char *not_repo, char *repo, size_t len)
{
	char path[4096], *text;
	int rc;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", root,
			     LFS_BLOBSRC_FILE) >= sizeof(path))
		return -ENAMETOOLONG;
	rc = lfs_reg_read_file(AT_FDCWD, path, &text, NULL);
	if (rc)
		return rc;
	rc = lfs_blobsrc_find(text, digest, host, not_repo, repo, len);
	free(text);
	return rc;
}
