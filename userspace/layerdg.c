// SPDX-License-Identifier: GPL-2.0
/*
 * The store's record of its layers' blobs.  See layerdg.h.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "fsdir.h"
#include "layerdg.h"
#include "regcmd.h"

/* Hashes @st's identity and change fields (ctime: any change moves it). */
static void lfs_layerdg_stat(EVP_MD_CTX *md, const char *name,
			     const struct stat *st)
{
	uint64_t v[] = { st->st_ino, (uint64_t)st->st_size, st->st_mode,
			 st->st_uid, st->st_gid, st->st_nlink,
			 (uint64_t)st->st_mtim.tv_sec, (uint64_t)st->st_mtim.tv_nsec,
			 (uint64_t)st->st_ctim.tv_sec, (uint64_t)st->st_ctim.tv_nsec };

	EVP_DigestUpdate(md, name, strlen(name) + 1);
	EVP_DigestUpdate(md, v, sizeof(v));
}

/* Every entry below @dirfd into @md, depth first.  0 or -errno. */
static int lfs_layerdg_walk(int dirfd, EVP_MD_CTX *md, unsigned int depth)
{
	struct dirent *de;
	struct stat st;
	int fd, rc = 0;
	DIR *d;

	fd = dup(dirfd);
	d = fd >= 0 ? fdopendir(fd) : NULL;
	if (!d) {
		rc = -errno;
		if (fd >= 0)
			close(fd);
		return rc;
	}
	while (!rc && (de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (fstatat(dirfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW)) {
			rc = -errno;
			break;
		}
		lfs_layerdg_stat(md, de->d_name, &st);
		if (!S_ISDIR(st.st_mode))
			continue;
		fd = depth < 4096 ? openat(dirfd, de->d_name, O_RDONLY |
					   O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC) : -1;
		rc = fd < 0 ? (depth < 4096 ? -errno : -ELOOP) :
			      lfs_layerdg_walk(fd, md, depth + 1);
		if (fd >= 0)
			close(fd);
	}
	closedir(d);
	return rc;
}

int lfs_layerdg_key(const char *path, uint64_t created,
		    char key[LFS_LAYERDG_KEY_LEN + 1])
{
	unsigned char h[EVP_MAX_MD_SIZE];
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	struct stat st;
	unsigned int i, hl = 0;
	int fd, rc;

	key[0] = '\0';
	fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (!md || fd < 0 || fstat(fd, &st) ||
	    !EVP_DigestInit_ex(md, EVP_sha256(), NULL))
		rc = fd < 0 || md ? -errno : -ENOMEM;
	else
		rc = 0;
	if (!rc) {
		EVP_DigestUpdate(md, path, strlen(path) + 1);
		EVP_DigestUpdate(md, &created, sizeof(created));
		lfs_layerdg_stat(md, ".", &st);
		rc = lfs_layerdg_walk(fd, md, 0);
	}
	if (!rc && !EVP_DigestFinal_ex(md, h, &hl))
		rc = -EIO;
	for (i = 0; !rc && i < hl && i < LFS_LAYERDG_KEY_LEN / 2; i++)
		snprintf(key + 2 * i, 3, "%02x", h[i]);
	if (fd >= 0)
		close(fd);
	EVP_MD_CTX_free(md);
	return rc;
}

/* Parses line @l (@n bytes, no newline) into @r: 0 or -EINVAL. */
static int lfs_layerdg_parse(const char *l, size_t n, struct lfs_layerdg *r)
{
	char buf[512], size[24], *end;

	if (n >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, l, n);
	buf[n] = '\0';
	if (sscanf(buf, "%64s %79s %79s %23s %127s", r->key, r->diff_id,
		   r->digest, size, r->media_type) != 5 ||
	    strlen(r->key) != LFS_LAYERDG_KEY_LEN ||
	    lfs_oci_digest_parse(r->diff_id, NULL) ||
	    lfs_oci_digest_parse(r->digest, NULL) || size[0] < '0' ||
	    size[0] > '9')
		return -EINVAL;
	r->size = strtoull(size, &end, 10);
	return *end ? -EINVAL : 0;
}

int lfs_layerdg_find(const char *text, const char *key, struct lfs_layerdg *r)
{
	struct lfs_layerdg t;
	const char *p = text, *nl;
	size_t n, kl = strlen(key);
	int rc = -ENOENT;

	while (p && *p) {
		nl = strchr(p, '\n');
		n = nl ? (size_t)(nl - p) : strlen(p);
		if (n > kl && !memcmp(p, key, kl) && p[kl] == ' ' &&
		    !lfs_layerdg_parse(p, n, &t)) {
			*r = t;
			rc = 0;		/* the last one wins */
		}
		p = nl ? nl + 1 : NULL;
	}
	return rc;
}

const char *lfs_layerdg_media_type(const char *mt)
{
	if (strstr(mt, "zstd"))
		return LFS_MT_LAYER_ZSTD;
	return strstr(mt, "gzip") ? LFS_MT_LAYER_GZIP : LFS_MT_LAYER;
}

void lfs_layerdg_to_layer(const struct lfs_layerdg *r,
			  struct lfs_oci_layer *ol)
{
	memcpy(ol->digest, r->digest, sizeof(ol->digest));
	memcpy(ol->diff_id, r->diff_id, sizeof(ol->diff_id));
	ol->size = r->size;
	ol->media_type = lfs_layerdg_media_type(r->media_type);
}

void lfs_layerdg_from_layer(struct lfs_layerdg *r,
			    const struct lfs_oci_layer *ol)
{
	memcpy(r->digest, ol->digest, sizeof(r->digest));
	memcpy(r->diff_id, ol->diff_id, sizeof(r->diff_id));
	r->size = ol->size;
	snprintf(r->media_type, sizeof(r->media_type), "%s", ol->media_type);
}

int lfs_layerdg_line(const struct lfs_layerdg *r, char *buf, size_t len)
{
	int n = snprintf(buf, len, "%s %s %s %" PRIu64 " %s\n", r->key,
			 r->diff_id, r->digest, r->size, r->media_type);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

/* 1 if line @l (@n bytes) is one of the lines of @add. */
static int lfs_lines_has(const char *add, const char *l, size_t n)
{
	const char *p = add, *nl;

	for (; *p; p = nl + 1) {
		nl = strchr(p, '\n');
		if (!nl)
			return strlen(p) == n && !memcmp(p, l, n);
		if ((size_t)(nl - p) == n && !memcmp(p, l, n))
			return 1;
	}
	return 0;
}

char *lfs_lines_merge(const char *old, const char *add, size_t max)
{
	char *out = NULL, *keep;
	size_t olen = 0, i, lines = 0;
	const char *p, *nl;
	FILE *o;

	o = open_memstream(&out, &olen);
	if (!o)
		return NULL;
	for (p = old; p && *p; p = nl ? nl + 1 : NULL) {
		nl = strchr(p, '\n');
		i = nl ? (size_t)(nl - p) : strlen(p);
		if (i && !lfs_lines_has(add, p, i))
			fprintf(o, "%.*s\n", (int)i, p);
	}
	fputs(add, o);
	fclose(o);
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

void lfs_layerdg_record(const char *root, const struct lfs_layerdg *r,
			size_t n)
{
	char *old = NULL, *add = NULL, *text = NULL, line[512];
	size_t alen = 0, i;
	FILE *a;
	int fd;

	a = open_memstream(&add, &alen);
	if (!a)
		return;
	for (i = 0; i < n; i++)
		if (r[i].key[0] && r[i].digest[0] &&
		    !lfs_layerdg_line(&r[i], line, sizeof(line)))
			fputs(line, a);
	fclose(a);
	fd = add && *add ? open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
	if (fd >= 0) {
		lfs_reg_read_file(fd, LFS_LAYERDG_FILE, &old, NULL);
		text = lfs_lines_merge(old, add, LFS_LAYERDG_MAX_LINES);
		if (text)
			lfs_write_file_atomic(fd, LFS_LAYERDG_FILE, text,
					      strlen(text), 0600);
		close(fd);
	}
	free(text);
	free(old);
	free(add);
}

int lfs_layerdg_lookup(const char *root, const char *key,
		       struct lfs_layerdg *r)
{
	char path[4096], *text;
	int rc;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", root,
			     LFS_LAYERDG_FILE) >= sizeof(path))
		return -ENAMETOOLONG;
	rc = lfs_reg_read_file(AT_FDCWD, path, &text, NULL);
	if (rc)
		return rc;
	rc = lfs_layerdg_find(text, key, r);
	free(text);
	return rc;
}
