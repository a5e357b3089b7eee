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
#include "fsdir.h"
#include "layerdg.h"
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

char *lfs_blobsrc_merge(const char *old, const char *const *digests,
			size_t n, const char *host, const char *repo,
			size_t max)
{
	char *add = NULL, *out;
	size_t alen = 0, i;
	FILE *a;

	a = open_memstream(&add, &alen);
	if (!a)
		return NULL;
	for (i = 0; i < n; i++)
		fprintf(a, "%s %s/%s\n", digests[i], host, repo);
	fclose(a);
	if (!add)
		return NULL;
	out = lfs_lines_merge(old, add, max);
	free(add);
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
		lfs_write_file_atomic(fd, LFS_BLOBSRC_FILE, text,
				      strlen(text), 0600);
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
