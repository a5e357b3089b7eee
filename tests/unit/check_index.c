// SPDX-License-Identifier: GPL-2.0
/*
 * Tests for the flattened index: include/layerfs/index.h (format and
 * validator), userspace/index_build.c (merge, serialization),
 * userspace/index_walk.c (layer walk: the same tree and errors on 1 and
 * on several threads) and userspace/index_io.c (index files).
 *
 * The builder's trees are compared with a brute-force merge written here:
 * random layer chains (files, directories, symlinks, fifos, whiteouts,
 * opaque directories; 1..50 layers) in a temporary directory, merged per
 * name by walking the layers top first as kernel/namei.c does, against
 * the index built from scratch and the one built layer by layer through
 * index files.  Without root (no 0/0 devices, no trusted.* xattrs) the
 * chains hold no whiteouts or opaque directories.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <grp.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "fsdir.h"
#include "index_build.h"
#include "index_store.h"
#include "run_cmd.h"
#include "suites.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define MAXL 50

/* Deterministic random numbers (xorshift64*), seeded per test. */
static uint64_t rng_state;

static uint32_t rnd(uint32_t n)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (uint32_t)((rng_state * 0x2545f4914f6cdd1dULL) >> 32) % n;
}

static int privileged(void)
{
	return geteuid() == 0;
}

/* A temporary directory holding layers B00 (bottom), B01, ... */
struct chain {
	char root[64];
	int n;
	int fds[MAXL];		/* by creation order: fds[0] is the bottom */
};

static const char *const pool[] = {
	"a", "b", "c", "d", "e", "f0", "g.x", "h h", "zz", "\xc3\xa9t\xc3\xa9",
	"abc", "ab", "a-b", "Z",
};

static void gen_dir(int dirfd, int depth, int special)
{
	unsigned int i, count = rnd(5) + (depth ? 0 : 2);

	for (i = 0; i < count; i++) {
		const char *name = pool[rnd(N(pool))];
		unsigned int kind = rnd(100);
		int fd;

		if (!faccessat(dirfd, name, F_OK, AT_SYMLINK_NOFOLLOW))
			continue;
		if (kind < 35 || (depth >= 3 && kind < 70)) {
			fd = openat(dirfd, name, O_CREAT | O_WRONLY, 0644);
			ck_assert_int_ge(fd, 0);
			close(fd);
		} else if (kind < 70) {
			ck_assert_int_eq(mkdirat(dirfd, name, 0755), 0);
			fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY);
			ck_assert_int_ge(fd, 0);
			if (special && rnd(6) == 0)
				ck_assert_int_eq(fsetxattr(fd,
					"trusted.overlay.opaque", "y", 1, 0), 0);
			gen_dir(fd, depth + 1, special);
			close(fd);
		} else if (kind < 84 && special) {
			ck_assert_int_eq(mknodat(dirfd, name, S_IFCHR | 0600,
						 makedev(0, 0)), 0);
		} else if (kind < 92) {
			ck_assert_int_eq(symlinkat("target", dirfd, name), 0);
		} else {
			ck_assert_int_eq(mkfifoat(dirfd, name, 0644), 0);
		}
	}
}

static void chain_make(struct chain *c, int n)
{
	char name[16];
	int i, fd;

	/* tmpfs if there is one: the index writes fsync. */
	strcpy(c->root, "/dev/shm/layerfs-index.XXXXXX");
	if (!mkdtemp(c->root)) {
		strcpy(c->root, "/tmp/layerfs-index.XXXXXX");
		ck_assert_ptr_nonnull(mkdtemp(c->root));
	}
	fd = open(c->root, O_RDONLY | O_DIRECTORY);
	ck_assert_int_ge(fd, 0);
	c->n = n;
	for (i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "B%02d", i);
		ck_assert_int_eq(mkdirat(fd, name, 0755), 0);
		c->fds[i] = openat(fd, name, O_RDONLY | O_DIRECTORY);
		ck_assert_int_ge(c->fds[i], 0);
		gen_dir(c->fds[i], 0, privileged());
	}
	close(fd);
}

static void chain_free(struct chain *c)
{
	char cmd[128];
	int i;

	for (i = 0; i < c->n; i++)
		close(c->fds[i]);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", c->root);
	ck_assert_int_eq(system(cmd), 0);
}

/* Brute-force reference merge */

struct names {
	char **v;
	size_t n, cap;
};

static int name_cmp(const void *a, const void *b)
{
	const char *x = *(char *const *)a, *y = *(char *const *)b;

	return layerfs_index_name_cmp(x, strlen(x), y, strlen(y));
}

static void names_add_dir(struct names *s, const char *path)
{
	struct dirent *de;
	DIR *d = opendir(path);

	ck_assert_ptr_nonnull(d);
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (s->n == s->cap) {
			s->cap = s->cap ? 2 * s->cap : 16;
			s->v = realloc(s->v, s->cap * sizeof(*s->v));
			ck_assert_ptr_nonnull(s->v);
		}
		s->v[s->n++] = strdup(de->d_name);
	}
	closedir(d);
}

static unsigned int dtype_of(mode_t m)
{
	return S_ISDIR(m) ? 4 : S_ISREG(m) ? 8 : S_ISLNK(m) ? 10 :
	       S_ISFIFO(m) ? 1 : S_ISCHR(m) ? 2 : S_ISBLK(m) ? 6 : 12;
}

static int is_opaque(const char *path)
{
	char v[2];

	return getxattr(path, "trusted.overlay.opaque", v, 2) == 1 &&
	       v[0] == 'y';
}

/*
 * Appends the merged listing of directory @rel (in chain @c whose top is
 * layer @top, by creation order), merged from chain layers @src[0..@nsrc),
 * top first, then recurses: one line per entry, depth first.
 */
static void ref_dir(const struct chain *c, int top, const char *rel,
		    const int *src, int nsrc, struct lfs_buf *out)
{
	struct names s = { 0 };
	char path[4096];
	size_t i;
	int k;

	for (k = 0; k < nsrc; k++) {
		snprintf(path, sizeof(path), "%s/B%02d%s", c->root,
			 top - src[k], rel);
		names_add_dir(&s, path);
	}
	if (s.n)
		qsort(s.v, s.n, sizeof(*s.v), name_cmp);
	for (i = 0; i < s.n; i++) {
		int dirs[MAXL], nd = 0, layer = -1, stop = 0;
		struct stat st, top_st = { 0 };
		char sub[4096];

		if (i && !strcmp(s.v[i], s.v[i - 1]))
			continue;
		for (k = 0; k < nsrc && !stop; k++) {
			snprintf(path, sizeof(path), "%s/B%02d%s/%s", c->root,
				 top - src[k], rel, s.v[i]);
			if (lstat(path, &st))
				continue;
			stop = 1;
			if (S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0))
				break;
			if (layer >= 0 && !S_ISDIR(st.st_mode))
				break;
			if (layer < 0) {
				layer = src[k];
				top_st = st;
			}
			if (S_ISDIR(st.st_mode)) {
				dirs[nd++] = src[k];
				stop = is_opaque(path);
			}
		}
		if (layer < 0)
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", rel, s.v[i]);
		if (!nd) {	/* a stat record (no origins here): f8 */
			lfs_buf_printf(out, "%s t%u l%d b%d f8 i%llu\n", sub,
				       dtype_of(top_st.st_mode), layer, layer,
				       (unsigned long long)top_st.st_ino);
			continue;
		}
		snprintf(path, sizeof(path), "%s/B%02d%s/%s", c->root,
			 top - dirs[nd - 1], rel, s.v[i]);
		lfs_buf_printf(out, "%s t4 l%d b%d f%d i%llu\n", sub, layer,
			       dirs[nd - 1], (nd > 1 ? 1 : 0) |
			       (is_opaque(path) ? 2 : 0),
			       (unsigned long long)top_st.st_ino);
		ref_dir(c, top, sub, dirs, nd, out);
	}
	for (i = 0; i < s.n; i++)
		free(s.v[i]);
	free(s.v);
}

/* The reference listing of the chain whose top is layer @top. */
static void ref_chain(const struct chain *c, int top, struct lfs_buf *out)
{
	int src[MAXL], k;

	for (k = 0; k <= top; k++)
		src[k] = k;
	ref_dir(c, top, "", src, top + 1, out);
}

/* Reading a validated index with the format alone */

struct raw {
	const unsigned char *buf;
	const struct layerfs_index_dir *dirs;
	const struct layerfs_index_entry *ents;
	const char *names;
};

static void raw_init(struct raw *r, const void *buf)
{
	const struct layerfs_index_header *h = buf;

	r->buf = buf;
	r->dirs = (const void *)(r->buf + lfsx_le64(h->dirs_off));
	r->ents = (const void *)(r->buf + lfsx_le64(h->entries_off));
	r->names = (const char *)r->buf + lfsx_le64(h->names_off);
}

static void raw_dir(const struct raw *r, uint32_t id, const char *rel,
		    struct lfs_buf *out)
{
	uint32_t i, first = lfsx_le32(r->dirs[id].first);
	uint32_t count = lfsx_le32(r->dirs[id].count);
	char sub[4096];

	for (i = first; i < first + count; i++) {
		const struct layerfs_index_entry *e = &r->ents[i];

		snprintf(sub, sizeof(sub), "%s/%.*s", rel, e->name_len,
			 r->names + lfsx_le32(e->name_off));
		lfs_buf_printf(out, "%s t%u l%u b%u f%u i%llu\n", sub, e->type,
			       lfsx_le32(e->layer), lfsx_le32(e->bottom),
			       e->flags,
			       (unsigned long long)lfsx_le64(e->ino));
		if (e->type == LAYERFS_INDEX_DT_DIR)
			raw_dir(r, lfsx_le32(e->dir), sub, out);
	}
}

/* One binary search: the entry index of @name in directory @id, or -1. */
static long raw_lookup(const struct raw *r, uint32_t id, const char *name)
{
	uint32_t lo = lfsx_le32(r->dirs[id].first);
	uint32_t hi = lo + lfsx_le32(r->dirs[id].count);

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		const struct layerfs_index_entry *e = &r->ents[mid];
		int cmp = layerfs_index_name_cmp(name, strlen(name),
						 r->names +
						 lfsx_le32(e->name_off),
						 e->name_len);

		if (!cmp)
			return mid;
		if (cmp < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return -1;
}

/*
 * A reader as the kernel's will be: one piece of one 4 KiB block at a
 * time (checked), failing from the @fail_at-th read on if set.
 */
struct paged {
	struct layerfs_index_src src;
	unsigned long reads, fail_at;
	unsigned long bad;	/* reads crossing a block or the end */
};

/* (Check's asserts cost a system call each: counted, asserted later.) */
static int paged_read(const struct layerfs_index_src *src, __u64 off,
		      void *dst, __u32 len)
{
	struct paged *p = (struct paged *)src;

	if (off % 4096 + len > 4096 || off + len > src->len) {
		p->bad++;
		return -EFAULT;
	}
	if (++p->reads >= p->fail_at && p->fail_at)
		return -EIO;
	memcpy(dst, (const char *)src->priv + off, len);
	return 0;
}

static void paged_init(struct paged *p, const void *buf, size_t len)
{
	memset(p, 0, sizeof(*p));
	p->src.read = paged_read;
	p->src.priv = buf;
	p->src.len = len;
}

/* The verdict through a paged reader (whose reads never cross a block). */
static const char *paged_check(const void *buf, size_t len)
{
	struct layerfs_index_walk w;
	struct paged pg;
	const char *why;

	paged_init(&pg, buf, len);
	why = layerfs_index_check_src(&w, &pg.src);
	ck_assert_uint_eq(pg.bad, 0);
	ck_assert_int_eq(w.err, 0);
	ck_assert_str_eq(why ? why : "ok",
			 layerfs_index_check(buf, len,
					     LAYERFS_INDEX_CHECK_NO_CRC) ?: "ok");
	return why;
}

/* Every name of every directory is found by lookup; absent ones are not. */
static void raw_check_lookups(const struct raw *r, uint32_t ndirs)
{
	const struct layerfs_index_header *h = (const void *)r->buf;
	struct layerfs_index_entry e;
	struct paged pg;
	uint32_t d, i, idx;
	char name[256];

	paged_init(&pg, r->buf, lfsx_le64(h->size));
	for (d = 0; d < ndirs; d++) {
		uint32_t first = lfsx_le32(r->dirs[d].first);

		for (i = first; i < first + lfsx_le32(r->dirs[d].count); i++) {
			memcpy(name, r->names + lfsx_le32(r->ents[i].name_off),
			       r->ents[i].name_len);
			name[r->ents[i].name_len] = '~';
			ck_assert_int_eq(layerfs_index_lookup(&pg.src, h, d,
				name, r->ents[i].name_len, &e, &idx), 1);
			ck_assert_uint_eq(idx, i);
			ck_assert_int_eq(memcmp(&e, &r->ents[i], sizeof(e)), 0);
			ck_assert_int_eq(layerfs_index_lookup(&pg.src, h, d,
				name, r->ents[i].name_len + 1, &e, &idx), 0);
		}
		ck_assert_int_eq(layerfs_index_lookup(&pg.src, h, d, "absent",
						      6, &e, &idx), 0);
	}
	ck_assert_uint_eq(pg.bad, 0);
	ck_assert_int_eq(layerfs_index_lookup(&pg.src, h, ndirs, "a", 1, &e,
					      &idx), -EINVAL);

	for (d = 0; d < ndirs; d++) {
		uint32_t first = lfsx_le32(r->dirs[d].first);

		for (i = first; i < first + lfsx_le32(r->dirs[d].count); i++) {
			const struct layerfs_index_entry *e = &r->ents[i];

			memcpy(name, r->names + lfsx_le32(e->name_off),
			       e->name_len);
			name[e->name_len] = 0;
			ck_assert_int_eq(raw_lookup(r, d, name), i);
			strcat(name, "~");
			ck_assert_int_eq(raw_lookup(r, d, name), -1);
		}
		ck_assert_int_eq(raw_lookup(r, d, "absent"), -1);
	}
}

/* Checks @buf and returns its listing (free it). */
static char *index_listing(const void *buf, size_t len)
{
	const struct layerfs_index_header *h = buf;
	struct lfs_buf out = LFS_BUF_INIT;
	const char *why = layerfs_index_check(buf, len, 0);
	struct raw r;

	ck_assert_msg(!why, "valid index refused: %s", why);
	ck_assert_ptr_null(paged_check(buf, len));
	raw_init(&r, buf);
	raw_check_lookups(&r, lfsx_le32(h->ndirs));
	raw_dir(&r, 0, "", &out);
	ck_assert_int_eq(lfs_buf_error(&out), 0);
	return out.data ? out.data : strdup("");
}

/* CRC, names, small trees */

START_TEST(test_crc32c)
{
	static const char v[] = "123456789";
	unsigned char buf[1000];
	uint32_t crc;
	size_t i;

	ck_assert_uint_eq(layerfs_index_crc32c(0xffffffffU, v, 9) ^
			  0xffffffffU, 0xe3069283U);
	ck_assert_uint_eq(lfs_index_crc32c(v, 9), 0xe3069283U);
	ck_assert_uint_eq(lfs_index_crc32c(v, 0), 0);
	rng_state = 7;
	for (i = 0; i < sizeof(buf); i++)
		buf[i] = rnd(256);
	crc = layerfs_index_crc32c(0xffffffffU, buf, 300);
	crc = layerfs_index_crc32c(crc, buf + 300, sizeof(buf) - 300);
	ck_assert_uint_eq(crc ^ 0xffffffffU, lfs_index_crc32c(buf, sizeof(buf)));
	for (i = 0; i < 70; i++)	/* every tail length, odd offsets */
		ck_assert_uint_eq(layerfs_index_crc32c(0xffffffffU, buf + i % 7,
						       i) ^ 0xffffffffU,
				  lfs_index_crc32c(buf + i % 7, i));
}
END_TEST

START_TEST(test_names)
{
	char nul[2] = { 'a', 0 };

	ck_assert_ptr_null(layerfs_index_name_check("a", 1));
	ck_assert_ptr_null(layerfs_index_name_check("...", 3));
	ck_assert_ptr_null(layerfs_index_name_check(".a", 2));
	ck_assert_ptr_nonnull(layerfs_index_name_check(".", 1));
	ck_assert_ptr_nonnull(layerfs_index_name_check("..", 2));
	ck_assert_ptr_nonnull(layerfs_index_name_check("a/b", 3));
	ck_assert_ptr_nonnull(layerfs_index_name_check(nul, 2));
	ck_assert_ptr_nonnull(layerfs_index_name_check("", 0));
	ck_assert_ptr_nonnull(layerfs_index_name_check(
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
		256));
	ck_assert_int_lt(layerfs_index_name_cmp("a", 1, "b", 1), 0);
	ck_assert_int_lt(layerfs_index_name_cmp("a", 1, "ab", 2), 0);
	ck_assert_int_gt(layerfs_index_name_cmp("\xc3", 1, "z", 1), 0);
	ck_assert_int_eq(layerfs_index_name_cmp("ab", 2, "ab", 2), 0);
}
END_TEST

static const struct layerfs_index_layer test_id;

/* Serializes @t, checks the result, returns it. */
static void *serialize_ok(const struct lfs_mtree *t, size_t *len)
{
	void *buf;
	const char *why;

	ck_assert_int_eq(lfs_mtree_serialize(t, &buf, len), 0);
	why = layerfs_index_check(buf, *len, 0);
	ck_assert_msg(!why, "builder output refused: %s", why);
	return buf;
}

START_TEST(test_merge_small)
{
	struct lfs_ldir bot = { 0 }, top = { 0 };
	struct lfs_mtree t1, t2;
	struct lfs_index ix;
	struct lfs_lent *e;
	void *b1, *b2;
	size_t l1, l2;
	char *list;

	/* bottom: d/{x,y}, o/{p}, f, w */
	e = lfs_ldir_add(&bot, "d", LAYERFS_INDEX_DT_DIR, 10);
	ck_assert_ptr_nonnull(lfs_ldir_add(e->dir, "y", 8, 12));
	ck_assert_ptr_nonnull(lfs_ldir_add(e->dir, "x", 8, 11));
	e = lfs_ldir_add(&bot, "o", LAYERFS_INDEX_DT_DIR, 20);
	ck_assert_ptr_nonnull(lfs_ldir_add(e->dir, "p", 8, 21));
	ck_assert_ptr_nonnull(lfs_ldir_add(&bot, "f", 8, 30));
	ck_assert_ptr_nonnull(lfs_ldir_add(&bot, "w", 8, 40));
	ck_assert_ptr_null(lfs_ldir_add(&bot, "a/b", 8, 1));
	ck_assert_ptr_null(lfs_ldir_add(&bot, "..", 8, 1));
	ck_assert_int_eq(lfs_ldir_sort(&bot), 0);
	/* top: d/{x whiteout, z}, o opaque/{q}, f dir, w whiteout, n */
	e = lfs_ldir_add(&top, "d", LAYERFS_INDEX_DT_DIR, 100);
	ck_assert_ptr_nonnull(lfs_ldir_add(e->dir, "x", LFS_LENT_WHITEOUT, 101));
	ck_assert_ptr_nonnull(lfs_ldir_add(e->dir, "z", 8, 102));
	e = lfs_ldir_add(&top, "o", LAYERFS_INDEX_DT_DIR, 200);
	e->opaque = 1;
	ck_assert_ptr_nonnull(lfs_ldir_add(e->dir, "q", 8, 201));
	ck_assert_ptr_nonnull(lfs_ldir_add(&top, "f", LAYERFS_INDEX_DT_DIR,
					   300));
	ck_assert_ptr_nonnull(lfs_ldir_add(&top, "w", LFS_LENT_WHITEOUT, 400));
	e = lfs_ldir_add(&top, "n", 10, 500);
	e->origin = 1;
	ck_assert_int_eq(lfs_ldir_sort(&top), 0);

	ck_assert_int_eq(lfs_index_merge(&t1, &bot, &test_id, NULL), 0);
	b1 = serialize_ok(&t1, &l1);
	ck_assert_int_eq(lfs_index_parse(&ix, b1, l1, NULL), 0);
	ck_assert_int_eq(lfs_index_merge(&t2, &top, &test_id, &ix), 0);
	b2 = serialize_ok(&t2, &l2);
	list = index_listing(b2, l2);
	ck_assert_str_eq(list,
			 "/d t4 l0 b1 f1 i100\n"
			 "/d/y t8 l1 b1 f0 i12\n"
			 "/d/z t8 l0 b0 f0 i102\n"
			 "/f t4 l0 b0 f0 i300\n"
			 "/n t10 l0 b0 f4 i500\n"
			 "/o t4 l0 b0 f2 i200\n"
			 "/o/q t8 l0 b0 f0 i201\n");
	free(list);
	lfs_mtree_free(&t2);
	lfs_mtree_free(&t1);
	free(b1);
	free(b2);
	lfs_ldir_free(&bot);
	lfs_ldir_free(&top);
	e = lfs_ldir_add(&bot, "s", 8, 1);
	ck_assert_ptr_nonnull(lfs_ldir_add(&bot, "s", 8, 2));
	ck_assert_int_eq(lfs_ldir_sort(&bot), -EEXIST);
	lfs_ldir_free(&bot);
}
END_TEST

/* Random chains against the reference */

static void check_chain(int seed, int n)
{
	struct lfs_buf ref = LFS_BUF_INIT;
	struct lfs_index prev = { 0 }, cur;
	struct chain c;
	int fds[MAXL], k, outfd;
	char *paths[MAXL];
	struct lfs_err why = LFS_ERR_INIT;
	void *scratch;
	size_t slen;
	char *list, name[16];

	rng_state = 0x9e3779b97f4a7c15ULL * (seed + 1);
	chain_make(&c, n);
	outfd = open(c.root, O_RDONLY | O_DIRECTORY);
	ck_assert_int_ge(outfd, 0);
	for (k = 0; k < n; k++) {
		/* Layer k on the index of layers 0..k-1, through a file. */
		snprintf(name, sizeof(name), "index%02d", k);
		ck_assert_msg(!lfs_index_build(c.fds[k], NULL, k ? &prev : NULL,
					       outfd, name, &why),
			      "seed %d layer %d: %s", seed, k, why.msg);
		lfs_index_close(&prev);
		ck_assert_msg(!lfs_index_read_file(outfd, name, &cur, &why),
			      "seed %d layer %d: %s", seed, k, why.msg);
		prev = cur;
		lfs_buf_reset(&ref);
		ref_chain(&c, k, &ref);
		list = index_listing(cur.buf, cur.len);
		ck_assert_msg(!strcmp(list, lfs_buf_str(&ref)),
			      "seed %d, %d layers: index\n%s\nreference\n%s",
			      seed, k + 1, list, lfs_buf_str(&ref));
		free(list);
	}
	/* The temporary files of the crash-safe writes are gone. */
	{
		char **names;
		size_t i, nn;

		ck_assert_int_eq(lfs_dir_names(outfd, &names, &nn), 0);
		for (i = 0; i < nn; i++) {
			ck_assert_msg(names[i][0] != '.', "left: %s", names[i]);
			free(names[i]);
		}
		free(names);
	}
	ck_assert_int_eq(faccessat(outfd, "index00", F_OK, 0), 0);
	/* From scratch: the same bytes (the format is canonical). */
	for (k = 0; k < n; k++)
		fds[k] = c.fds[n - 1 - k];
	ck_assert_int_eq(lfs_index_build_chain(fds, NULL, n, &scratch, &slen,
					       &why), 0);
	ck_assert_uint_eq(slen, prev.len);
	ck_assert_int_eq(memcmp(scratch, prev.buf, slen), 0);
	free(scratch);
	/* From the paths, one directory open at a time: the same bytes. */
	for (k = 0; k < n; k++) {
		paths[k] = malloc(sizeof(c.root) + 8);
		ck_assert_ptr_nonnull(paths[k]);
		snprintf(paths[k], sizeof(c.root) + 8, "%s/B%02d", c.root,
			 n - 1 - k);
	}
	ck_assert_int_eq(lfs_index_build_paths((const char *const *)paths,
					       NULL, n, &scratch, &slen,
					       &why), 0);
	ck_assert_uint_eq(slen, prev.len);
	ck_assert_int_eq(memcmp(scratch, prev.buf, slen), 0);
	free(scratch);
	for (k = 0; k < n; k++)
		free(paths[k]);
	lfs_index_close(&prev);
	lfs_buf_free(&ref);
	close(outfd);
	chain_free(&c);
}

/* 1..50 layers: 1, 18, 35, 2, ..., and 50 every fourth run. */
START_TEST(test_random_chains)
{
	check_chain(_i, _i % 4 == 3 ? MAXL : 1 + (_i * 17) % MAXL);
}
END_TEST

/* truncate(2) of @name in directory @dirfd. */
static int truncate_at(int dirfd, const char *name, off_t len)
{
	int fd = openat(dirfd, name, O_WRONLY | O_NOFOLLOW), err;

	if (fd < 0)
		return -1;
	err = ftruncate(fd, len);
	close(fd);
	return err;
}

/*
 * Non-directories carry the handle name_to_handle_at(2) gives them, after
 * their names; directories and whiteouts none.  Handles are a hint: a
 * filesystem without them (EOPNOTSUPP) gives entries without one.
 */
START_TEST(test_handles)
{
	struct {
		struct file_handle fh;
		unsigned char b[LAYERFS_INDEX_FH_MAX];
	} h;
	struct lfs_err why = LFS_ERR_INIT;
	const struct layerfs_index_entry *e;
	struct lfs_index ix;
	struct chain c;
	size_t len;
	void *buf;
	int fd, mnt, with = 0;
	uint32_t i;

	chain_make(&c, 0);
	fd = open(c.root, O_RDONLY | O_DIRECTORY);
	ck_assert_int_ge(fd, 0);
	close(openat(fd, "f", O_CREAT | O_WRONLY, 0644));
	ck_assert_int_eq(symlinkat("f", fd, "l"), 0);
	ck_assert_int_eq(mkdirat(fd, "d", 0755), 0);
	ck_assert_int_eq(lfs_index_build_chain(&fd, NULL, 1, &buf, &len, &why),
			 0);
	ck_assert_int_eq(lfs_index_parse(&ix, buf, len, &why), 0);
	for (i = 0; i < ix.nentries; i++) {
		e = &ix.ents[i];
		if (e->type == LAYERFS_INDEX_DT_DIR) {
			ck_assert_uint_eq(e->fh_len, 0);
			continue;
		}
		h.fh.handle_bytes = sizeof(h.b);
		if (name_to_handle_at(fd, e->type == LAYERFS_INDEX_DT_LNK ?
				      "l" : "f", &h.fh, &mnt, 0)) {
			ck_assert_uint_eq(e->fh_len, 0);
			continue;
		}
		with++;
		ck_assert_uint_eq(e->fh_len, h.fh.handle_bytes);
		ck_assert_uint_eq(lfsx_le32(e->fh_type), h.fh.handle_type);
		ck_assert_int_eq(memcmp(ix.names + lfsx_le32(e->name_off) +
					e->name_len, h.fh.f_handle,
					e->fh_len), 0);
	}
	printf("index: %d of 2 non-directories with a file handle on %s\n",
	       with, c.root);
	if (!strncmp(c.root, "/dev/shm/", 9))	/* tmpfs gives them */
		ck_assert_int_eq(with, 2);
	lfs_index_close(&ix);
	free(buf);
	close(fd);
	chain_free(&c);
}
END_TEST

/*
 * Non-directories carry what lstat(2) gives them, after their handles;
 * directories none.
 */
START_TEST(test_stat_records)
{
	struct lfs_err why = LFS_ERR_INIT;
	const struct layerfs_index_entry *e;
	const struct layerfs_index_stat *st;
	struct lfs_index ix;
	struct stat sb;
	struct chain c;
	int fd, with = 0;
	uint32_t i;
	size_t len;
	void *buf;

	chain_make(&c, 0);
	fd = open(c.root, O_RDONLY | O_DIRECTORY);
	ck_assert_int_ge(fd, 0);
	close(openat(fd, "f", O_CREAT | O_WRONLY, 04751));
	ck_assert_int_eq(fchmodat(fd, "f", 04751, 0), 0);
	ck_assert_int_eq(truncate_at(fd, "f", 12345), 0);
	ck_assert_int_eq(symlinkat("some/where", fd, "l"), 0);
	ck_assert_int_eq(mkfifoat(fd, "p", 0600), 0);
	ck_assert_int_eq(mkdirat(fd, "d", 0755), 0);
	ck_assert_int_eq(lfs_index_build_chain(&fd, NULL, 1, &buf, &len, &why),
			 0);
	ck_assert_int_eq(lfs_index_parse(&ix, buf, len, &why), 0);
	ck_assert_uint_eq(lfsx_le16(((struct layerfs_index_header *)buf)->version),
			  3);
	for (i = 0; i < ix.nentries; i++) {
		e = &ix.ents[i];
		if (e->type == LAYERFS_INDEX_DT_DIR) {
			ck_assert(!(e->flags & LAYERFS_INDEX_E_STAT));
			continue;
		}
		ck_assert(e->flags & LAYERFS_INDEX_E_STAT);
		with++;
		st = (const void *)(ix.names + lfsx_le32(e->name_off) +
				    e->name_len + e->fh_len);
		ck_assert_int_eq(fstatat(fd, e->type == LAYERFS_INDEX_DT_LNK ?
					 "l" : e->type == LAYERFS_INDEX_DT_FIFO ?
					 "p" : "f", &sb, AT_SYMLINK_NOFOLLOW),
				 0);
		ck_assert_uint_eq(lfsx_le32(st->mode), sb.st_mode);
		ck_assert_uint_eq(lfsx_le32(st->nlink), sb.st_nlink);
		ck_assert_uint_eq(lfsx_le32(st->uid), sb.st_uid);
		ck_assert_uint_eq(lfsx_le32(st->gid), sb.st_gid);
		ck_assert_uint_eq(lfsx_le64(st->size), sb.st_size);
		ck_assert_uint_eq(lfsx_le64(st->blocks), sb.st_blocks);
		ck_assert_uint_eq(lfsx_le32(st->blksize), sb.st_blksize);
		ck_assert_int_eq((int64_t)lfsx_le64(st->mtime), sb.st_mtim.tv_sec);
		ck_assert_uint_eq(lfsx_le32(st->mtime_nsec), sb.st_mtim.tv_nsec);
		ck_assert_int_eq((int64_t)lfsx_le64(st->ctime), sb.st_ctim.tv_sec);
		ck_assert_uint_eq(lfsx_le32(st->ctime_nsec), sb.st_ctim.tv_nsec);
		ck_assert_int_eq((int64_t)lfsx_le64(st->atime), sb.st_atim.tv_sec);
		ck_assert_uint_eq(lfsx_le32(st->atime_nsec), sb.st_atim.tv_nsec);
	}
	ck_assert_int_eq(with, 3);
	lfs_index_close(&ix);
	free(buf);
	close(fd);
	chain_free(&c);
}
END_TEST

START_TEST(test_origin_identity)
{
	struct layerfs_index_layer id;
	unsigned char origin[16] = { 0x39, 0x30 };	/* ino 12345 */
	struct lfs_ldir d;
	struct chain c;
	struct lfs_err why = LFS_ERR_INIT;
	char path[128];
	struct stat st;
	int fd;

	if (!privileged())
		return;
	chain_make(&c, 0);
	fd = open(c.root, O_RDONLY | O_DIRECTORY);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(fsetxattr(fd, "trusted.layerfs.impure", "y", 1, 0), 0);
	snprintf(path, sizeof(path), "%s/f", c.root);
	close(open(path, O_CREAT | O_WRONLY, 0644));
	ck_assert_int_eq(setxattr(path, "trusted.layerfs.origin", origin,
				  sizeof(origin), 0), 0);
	ck_assert_int_eq(lfs_layer_read(fd, &d, &why), 0);
	ck_assert_uint_eq(d.n, 1);
	ck_assert_uint_eq(d.ents[0].ino, 12345);
	ck_assert_int_eq(d.ents[0].origin, 1);
	lfs_ldir_free(&d);
	ck_assert_int_eq(lfs_layer_identity(fd,
		"0123456789abcdef0123456789abcdef", &id), 0);
	ck_assert_int_eq(fstat(fd, &st), 0);
	ck_assert_uint_eq(lfsx_le64(id.ino), st.st_ino);
	ck_assert_uint_eq(lfsx_le32(id.dev_major), major(st.st_dev));
	ck_assert_uint_eq(lfsx_le32(id.dev_minor), minor(st.st_dev));
	ck_assert(lfsx_le32(id.flags) & LAYERFS_INDEX_LAYER_KEY);
	ck_assert_ptr_null(layerfs_index_check_layer(&id));
	ck_assert_int_eq(lfs_layer_identity(fd, "0123", &id), -EINVAL);
	ck_assert_int_eq(lfs_layer_identity(fd,
		"0123456789ABCDEF0123456789abcdef", &id), -EINVAL);
	close(fd);
	chain_free(&c);
}
END_TEST

/* The layer reader on 1 and on several threads */

/* @d as text, depth first: every field and byte of every entry. */
static void ldir_dump(const struct lfs_ldir *d, const char *rel,
		      struct lfs_buf *out, unsigned int *whiteouts,
		      unsigned int *opaques)
{
	char sub[4096];
	size_t i, k, extra;

	for (i = 0; i < d->n; i++) {
		const struct lfs_lent *e = &d->ents[i];

		snprintf(sub, sizeof(sub), "%s/%s", rel, e->name);
		lfs_buf_printf(out, "%s t%u o%u g%u i%llu h%u/%u s%u ", sub,
			       e->type, e->opaque, e->origin,
			       (unsigned long long)e->ino, e->fh_len,
			       e->fh_type, e->stat);
		extra = e->fh_len + (e->stat ?
			sizeof(struct layerfs_index_stat) : 0);
		for (k = 0; k < extra; k++)
			lfs_buf_printf(out, "%02x",
				       (unsigned char)e->name[e->len + 1 + k]);
		lfs_buf_printf(out, "\n");
		*whiteouts += e->type == LFS_LENT_WHITEOUT;
		*opaques += e->opaque;
		if (e->dir)
			ldir_dump(e->dir, sub, out, whiteouts, opaques);
	}
}

static int open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	ck_assert_ptr_nonnull(d);
	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

static void mkfile_at(int dirfd, const char *name)
{
	int fd = openat(dirfd, name, O_CREAT | O_WRONLY, 0644);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, name, strlen(name)), (ssize_t)strlen(name));
	close(fd);
}

static int mkdir_open(int dirfd, const char *name)
{
	int fd;

	ck_assert_int_eq(mkdirat(dirfd, name, 0755), 0);
	fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY);
	ck_assert_int_ge(fd, 0);
	return fd;
}

/*
 * A tree in @c's root: random directories (files, symlinks, fifos,
 * nested and opaque directories, whiteouts), "wide" with 150 directories
 * (more than the reader queues: the rest are read inline), "deep" 40
 * levels deep, and as root an impure directory with an origin.
 */
static void walk_tree_make(struct chain *c)
{
	unsigned char origin[16] = { 0x39, 0x30 };	/* ino 12345 */
	int fd, sub, sub2, i;
	char name[32];

	chain_make(c, 0);
	ck_assert_int_eq(chmod(c->root, 0755), 0);
	fd = open(c->root, O_RDONLY | O_DIRECTORY);
	ck_assert_int_ge(fd, 0);
	rng_state = 0x9e3779b97f4a7c15ULL;
	for (i = 0; i < 8; i++) {
		snprintf(name, sizeof(name), "r%d", i);
		sub = mkdir_open(fd, name);
		gen_dir(sub, 0, privileged());
		close(sub);
	}
	sub = mkdir_open(fd, "wide");
	for (i = 0; i < 150; i++) {
		snprintf(name, sizeof(name), "d%03d", i);
		sub2 = mkdir_open(sub, name);
		mkfile_at(sub2, "a");
		mkfile_at(sub2, "b");
		ck_assert_int_eq(mkdirat(sub2, "sub", 0755), 0);
		close(sub2);
	}
	close(sub);
	sub = mkdir_open(fd, "deep");
	for (i = 0; i < 40; i++) {
		mkfile_at(sub, "f");
		sub2 = mkdir_open(sub, "d");
		close(sub);
		sub = sub2;
	}
	close(sub);
	if (privileged()) {
		sub = mkdir_open(fd, "impure");
		ck_assert_int_eq(fsetxattr(sub, "trusted.layerfs.impure", "y",
					   1, 0), 0);
		mkfile_at(sub, "copied");
		mkfile_at(sub, "plain");
		sub2 = openat(sub, "copied", O_RDONLY);
		ck_assert_int_ge(sub2, 0);
		ck_assert_int_eq(fsetxattr(sub2, "trusted.layerfs.origin",
					   origin, sizeof(origin), 0), 0);
		close(sub2);
		ck_assert_int_eq(mknodat(sub, "gone", S_IFCHR | 0600,
					 makedev(0, 0)), 0);
		sub2 = mkdir_open(sub, "opaque");
		ck_assert_int_eq(fsetxattr(sub2, "trusted.overlay.opaque", "y",
					   1, 0), 0);
		mkfile_at(sub2, "x");
		close(sub2);
		close(sub);
	}
	close(fd);
}

/*
 * The same tree, whiteouts, opaque marks, origins, handles and stat
 * records from 1 thread as from 2, 3, 8 and the default; no fd left open.
 */
/* A layer read on one thread, allocations failing one by one. */
static int read_nomem(void *arg, struct lfs_err *e)
{
	struct lfs_ldir d;
	int rc = lfs_layer_read_jobs(*(const int *)arg, &d, 1, e);

	if (!rc)
		lfs_ldir_free(&d);
	return rc;
}

/* A base layer's index built, allocations failing one by one. */
static int build_nomem(void *arg, struct lfs_err *e)
{
	void *buf = NULL;
	size_t len;
	int rc = lfs_index_build_chain(arg, NULL, 1, &buf, &len, e);

	free(buf);
	return rc;
}

/*
 * Reading a layer and building its index: a failed allocation says what
 * was being done, the errno as the code, never "out of memory"
 * (nomem_sweep_call()).
 */
START_TEST(test_read_nomem)
{
	char root[] = "/tmp/layerctl-ixnomem.XXXXXX", path[64];
	int fd;

	ck_assert_ptr_nonnull(mkdtemp(root));
	snprintf(path, sizeof(path), "%s/d", root);
	ck_assert_int_eq(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/d/b", root);
	fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	ck_assert_int_ge(fd, 0);
	close(fd);
	snprintf(path, sizeof(path), "%s/a", root);
	fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	ck_assert_int_ge(fd, 0);
	close(fd);
	fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	ck_assert_int_ge(fd, 0);
	nomem_sweep_call(read_nomem, &fd, 200);
	nomem_sweep_call(build_nomem, &fd, 200);
	close(fd);
	ck_assert_int_eq(lfs_rm_rf_at(AT_FDCWD, root), 0);
}
END_TEST

START_TEST(test_read_jobs)
{
	static const unsigned int jobs[] = { 2, 3, 8, 0, 1 };
	struct lfs_err why = LFS_ERR_INIT;
	struct lfs_buf one = LFS_BUF_INIT;
	unsigned int w1 = 0, o1 = 0, i;
	struct lfs_ldir d;
	struct chain c;
	int fd, fds;

	walk_tree_make(&c);
	fd = open(c.root, O_RDONLY | O_DIRECTORY);
	ck_assert_int_ge(fd, 0);
	fds = open_fds();
	ck_assert_int_eq(lfs_layer_read_jobs(fd, &d, 1, &why), 0);
	ldir_dump(&d, "", &one, &w1, &o1);
	lfs_ldir_free(&d);
	ck_assert_int_eq(lfs_buf_error(&one), 0);
	ck_assert_ptr_nonnull(strstr(one.data, "/wide/d149/sub t4 "));
	ck_assert_ptr_nonnull(strstr(one.data,
		"/deep/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d t4 "));
	if (privileged()) {
		ck_assert_uint_gt(w1, 1);
		ck_assert_uint_gt(o1, 1);
		ck_assert_ptr_nonnull(strstr(one.data,
			"/impure/copied t8 o0 g1 i12345 h0/0 s0 \n"));
	}
	for (i = 0; i < N(jobs); i++) {
		struct lfs_buf many = LFS_BUF_INIT;
		unsigned int w = 0, o = 0;

		ck_assert_int_eq(lfs_layer_read_jobs(fd, &d, jobs[i], &why), 0);
		ldir_dump(&d, "", &many, &w, &o);
		lfs_ldir_free(&d);
		ck_assert_int_eq(lfs_buf_error(&many), 0);
		ck_assert_msg(!strcmp(one.data, many.data),
			      "%u threads read another tree than 1", jobs[i]);
		lfs_buf_free(&many);
		ck_assert_int_eq(open_fds(), fds);
	}
	printf("index: a tree of %zu bytes of listing (%u whiteouts, %u "
	       "opaque directories) read alike on 1, 2, 3, 8 and the "
	       "default number of threads\n", one.len, w1, o1);
	lfs_buf_free(&one);
	close(fd);
	chain_free(&c);
}
END_TEST

/*
 * lfs_tree_within() (index_bg.c: whether commit indexes before returning):
 * every entry below the root counts, directories and what is in them, at
 * any depth; exactly @limit entries is within, one more is not.
 */
START_TEST(test_tree_within)
{
	static const char *const files[] = { "f1", "f2", "f3", "a/g1", "a/g2",
					     "a/b/h", "a/b/c/d/e/deep" };
	char root[] = "/tmp/check-within-XXXXXXXX", path[256];
	size_t i;
	int fd;

	ck_assert_ptr_nonnull(mkdtemp(root));
	ck_assert_int_eq(lfs_tree_within(root, 0), 1);
	snprintf(path, sizeof(path), "%s/a/b/c/d/e", root);
	ck_assert_int_eq(lfs_mkdir_p(path, 0755), 0);
	for (i = 0; i < N(files); i++) {
		snprintf(path, sizeof(path), "%s/%s", root, files[i]);
		fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0644);
		ck_assert_int_ge(fd, 0);
		close(fd);
	}
	/* a, b, c, d, e and the seven files */
	ck_assert_int_eq(lfs_tree_within(root, 12), 1);
	ck_assert_int_eq(lfs_tree_within(root, 11), 0);
	ck_assert_int_eq(lfs_tree_within(root, 1000), 1);
	ck_assert_int_eq(lfs_tree_within(root, 0), 0);
	snprintf(path, sizeof(path), "%s/f1", root);
	ck_assert_int_eq(lfs_tree_within(path, 1000), 0);
	snprintf(path, sizeof(path), "%s/missing", root);
	ck_assert_int_eq(lfs_tree_within(path, 1000), 0);
	snprintf(path, sizeof(path), "rm -rf %s", root);
	ck_assert_int_eq(system(path), 0);
}
END_TEST

/*
 * One unreadable directory among many: every thread count fails with the
 * same error, and leaves no fd open and nothing in @d.  Run in a child
 * that is not root (root reads a mode 000 directory).
 */
START_TEST(test_read_jobs_error)
{
	static const unsigned int jobs[] = { 1, 2, 3, 8, 0 };
	char line[LFS_ERR_MAX + 64], all[8 * sizeof(line)];
	int fd, p[2], status, fds;
	size_t got = 0, i;
	struct chain c;
	ssize_t k;
	pid_t pid;

	walk_tree_make(&c);
	fd = open(c.root, O_RDONLY | O_DIRECTORY);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(fchmodat(fd, "wide/d077/sub", 0, 0), 0);
	ck_assert_int_eq(pipe(p), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (!pid) {
		close(p[0]);
		if (geteuid() == 0 &&
		    (setgroups(0, NULL) || setgid(65534) || setuid(65534)))
			_exit(2);
		fds = open_fds();
		for (i = 0; i < N(jobs); i++) {
			struct lfs_err why = LFS_ERR_INIT;
			struct lfs_ldir d;
			int rc = lfs_layer_read_jobs(fd, &d, jobs[i], &why);

			snprintf(line, sizeof(line), "rc %d n %zu fds %d %s\n",
				 rc, d.n, open_fds() - fds, why.msg);
			if (write(p[1], line, strlen(line)) < 0)
				_exit(3);
		}
		_exit(0);
	}
	close(p[1]);
	while ((k = read(p[0], all + got, sizeof(all) - 1 - got)) > 0)
		got += k;
	all[got] = 0;
	close(p[0]);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_int_eq(status, 0);
	snprintf(line, sizeof(line), "rc %d n 0 fds 0 %s\n", -EACCES,
		 "cannot open a directory of the layer");
	for (i = 0; i < N(jobs); i++)
		ck_assert_msg(!strncmp(all + i * strlen(line), line,
				       strlen(line)),
			      "%u threads: %s", jobs[i], all);
	ck_assert_uint_eq(got, N(jobs) * strlen(line));
	ck_assert_int_eq(fchmodat(fd, "wide/d077/sub", 0755, 0), 0);
	close(fd);
	chain_free(&c);
}
END_TEST

/*
 * A chain of directories "d/d/d/..." @levels deep below @fd, continuing
 * from the deepest one (@at, *@depth levels below @fd; -1 and 0 at
 * first), which stays open in *@at.
 */
static void deep_chain(int fd, int *at, unsigned int *depth,
		       unsigned int levels)
{
	int cur = *at < 0 ? dup(fd) : *at, next;

	ck_assert_int_ge(cur, 0);
	for (; *depth < levels; ++*depth) {
		ck_assert_int_eq(mkdirat(cur, "d", 0755), 0);
		next = openat(cur, "d", O_RDONLY | O_DIRECTORY);
		ck_assert_int_ge(next, 0);
		close(cur);
		cur = next;
	}
	*at = cur;
}

/*
 * A tree nested as deep as a user of a view cares to make it: within
 * LFS_INDEX_DEPTH_MAX levels it is read whole on any number of threads;
 * one level more is refused, with the same error on any number of
 * threads, the reader's stack never exhausted (the one-thread reader
 * recursed a level per directory: 8,192 levels took 5 MiB of stack).
 * Run in a child with a 4 MiB stack and as many fds as it may have.
 */
START_TEST(test_read_deep)
{
	static const unsigned int jobs[] = { 1, 2, 8 };
	static const unsigned int levels[] = { LFS_INDEX_DEPTH_MAX,
		LFS_INDEX_DEPTH_MAX + 1, 8192 };
	char root[] = "/tmp/check-deep-XXXXXXXX", line[LFS_ERR_MAX + 64];
	char all[16 * sizeof(line)], want[sizeof(all)], cmd[64];
	unsigned int depth = 0, i, k, first;
	int fd, at = -1, p[2], status;
	struct rlimit rl;
	size_t got = 0;
	ssize_t n;
	pid_t pid;

	ck_assert_ptr_nonnull(mkdtemp(root));
	fd = open(root, O_RDONLY | O_DIRECTORY);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(getrlimit(RLIMIT_NOFILE, &rl), 0);
	/* Too few fds for one thread to hold a level each: only threads. */
	first = rl.rlim_max < LFS_INDEX_DEPTH_MAX + 64;
	want[0] = 0;
	for (i = 0; i < N(levels); i++) {
		deep_chain(fd, &at, &depth, levels[i]);
		ck_assert_int_eq(pipe(p), 0);
		pid = fork();
		ck_assert_int_ge(pid, 0);
		if (!pid) {
			close(p[0]);
			rl.rlim_cur = rl.rlim_max;
			if (setrlimit(RLIMIT_NOFILE, &rl))
				_exit(2);
			rl.rlim_cur = rl.rlim_max = 4 << 20;
			if (setrlimit(RLIMIT_STACK, &rl))
				_exit(2);
			for (k = first; k < N(jobs); k++) {
				struct lfs_err why = LFS_ERR_INIT;
				struct lfs_ldir d;
				const struct lfs_ldir *l;
				unsigned int below = 0;
				int rc;

				rc = lfs_layer_read_jobs(fd, &d, jobs[k], &why);
				for (l = &d; !rc && l->n == 1 && l->ents[0].dir;
				     l = l->ents[0].dir)
					below++;
				snprintf(line, sizeof(line),
					 "%u levels, %u threads: rc %d, %u deep %s\n",
					 levels[i], jobs[k], rc, below, why.msg);
				if (!rc)
					lfs_ldir_free(&d);
				if (write(p[1], line, strlen(line)) < 0)
					_exit(3);
			}
			_exit(0);
		}
		close(p[1]);
		while ((n = read(p[0], all + got, sizeof(all) - 1 - got)) > 0)
			got += n;
		all[got] = 0;
		close(p[0]);
		ck_assert_int_eq(waitpid(pid, &status, 0), pid);
		if (!WIFEXITED(status) || WEXITSTATUS(status)) {
			snprintf(line, sizeof(line), "%u levels: %s %d\n",
				 levels[i], WIFSIGNALED(status) ?
				 "the reader died of signal" : "exit status",
				 WIFSIGNALED(status) ? WTERMSIG(status) :
				 WEXITSTATUS(status));
			strcat(all, line);
			got = strlen(all);
		}
		for (k = first; k < N(jobs); k++) {
			if (!i)
				snprintf(line, sizeof(line),
					 "%u levels, %u threads: rc 0, %u deep \n",
					 levels[i], jobs[k], levels[i]);
			else
				snprintf(line, sizeof(line),
					 "%u levels, %u threads: rc %d, 0 deep a directory of the layer is nested deeper than %u levels\n",
					 levels[i], jobs[k], -ELOOP,
					 LFS_INDEX_DEPTH_MAX);
			strcat(want, line);
		}
	}
	ck_assert_str_eq(all, want);
	printf("index: %s", all);
	close(at);
	close(fd);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", root);
	ck_assert_int_eq(system(cmd), 0);
}
END_TEST

/* Corruption */

/* A valid index of a random chain of @n layers (free it). */
static void *sample_index(int seed, int n, size_t *len)
{
	struct chain c;
	int fds[MAXL], k;
	struct lfs_err why = LFS_ERR_INIT;
	void *buf;

	rng_state = 0x51ed2701ULL * (seed + 3);
	chain_make(&c, n);
	for (k = 0; k < n; k++)
		fds[k] = c.fds[n - 1 - k];
	ck_assert_int_eq(lfs_index_build_chain(fds, NULL, n, &buf, len, &why),
			 0);
	chain_free(&c);
	ck_assert_ptr_null(layerfs_index_check(buf, *len, 0));
	return buf;
}

static void fix_crc(void *buf, size_t len)
{
	struct layerfs_index_header *h = buf;

	if (len >= 16)
		h->crc = lfsx_cpu32(lfs_index_crc32c((char *)buf + 16,
						     len - 16));
}

/* lfs_index_parse() refuses @buf, saying why. */
static void parse_refused(const void *buf, size_t len)
{
	struct lfs_err e = LFS_ERR_INIT;
	struct lfs_index ix;

	ck_assert_int_eq(lfs_index_parse(&ix, buf, len, &e), -EINVAL);
	ck_assert_int_eq(e.code, -EINVAL);
	ck_assert_msg(e.msg[0], "refused without a reason");
}

/* A validator run that must refuse @buf, through both entry points. */
static void refused(const void *buf, size_t len, const char *what)
{
	const char *why = layerfs_index_check(buf, len, 0);

	paged_check(buf, len);

	ck_assert_msg(why, "corrupt index accepted: %s", what);
	parse_refused(buf, len);
}

START_TEST(test_truncated)
{
	size_t len, l;
	void *buf = sample_index(1, 6, &len);
	unsigned char *copy = malloc(len + 8);

	for (l = 0; l < len; l++) {
		/* Exactly @l bytes, so that valgrind sees any read past them. */
		unsigned char *t = malloc(l ? l : 1);

		memcpy(t, buf, l);
		refused(t, l, "truncated");
		if (l >= LAYERFS_INDEX_HEADER_SIZE) {
			((struct layerfs_index_header *)t)->size =
				lfsx_cpu64(l);
			fix_crc(t, l);
			refused(t, l, "truncated, size and crc fixed");
		}
		free(t);
	}
	memcpy(copy, buf, len);
	memset(copy + len, 0, 8);
	refused(copy, len + 8, "extended");
	((struct layerfs_index_header *)copy)->size = lfsx_cpu64(len + 8);
	fix_crc(copy, len + 8);
	refused(copy, len + 8, "extended, size and crc fixed");
	free(copy);
	free(buf);
}
END_TEST

struct ctx {
	unsigned char *b;
	size_t len;
	struct raw r;
	uint32_t ndirs, nentries, nlayers;
};

static struct layerfs_index_header *H(struct ctx *c)
{
	return (void *)c->b;
}

static struct layerfs_index_dir *D(struct ctx *c, uint32_t i)
{
	return (struct layerfs_index_dir *)c->r.dirs + i;
}

static struct layerfs_index_entry *E(struct ctx *c, uint32_t i)
{
	return (struct layerfs_index_entry *)c->r.ents + i;
}

static char *NM(struct ctx *c, uint32_t i)
{
	return (char *)c->r.names + lfsx_le32(E(c, i)->name_off);
}

/* The first entry that is of type DT_DIR (skip: -1), or not (@dir 0). */
static long find_entry(struct ctx *c, int dir, uint32_t from)
{
	uint32_t i;

	for (i = from; i < c->nentries; i++)
		if ((E(c, i)->type == LAYERFS_INDEX_DT_DIR) == dir)
			return i;
	return -1;
}

/* The second entry of some directory (its name follows another). */
static long find_second(struct ctx *c)
{
	uint32_t d;

	for (d = 0; d < c->ndirs; d++)
		if (lfsx_le32(D(c, d)->count) >= 2)
			return lfsx_le32(D(c, d)->first) + 1;
	return -1;
}

/* Entry @i's stat record (it has one). */
static struct layerfs_index_stat *ST(struct ctx *c, uint32_t i)
{
	return (void *)(NM(c, i) + E(c, i)->name_len + E(c, i)->fh_len);
}

/* The first entry with a stat record, or -1. */
static long find_stat(struct ctx *c)
{
	uint32_t i;

	for (i = 0; i < c->nentries; i++)
		if (E(c, i)->flags & LAYERFS_INDEX_E_STAT)
			return i;
	return -1;
}

/* The first entry with a file handle, or -1. */
static long find_handle(struct ctx *c)
{
	uint32_t i;

	for (i = 0; i < c->nentries; i++)
		if (E(c, i)->fh_len)
			return i;
	return -1;
}

/* Corruptions; each returns 0 if the sample has nothing to corrupt. */
static int corrupt(struct ctx *c, int k)
{
	long i = find_entry(c, 1, 0), f = find_entry(c, 0, 0);
	long s = find_second(c), fh = find_handle(c), st = find_stat(c);

	switch (k) {
	case 0: H(c)->magic ^= 1; return 1;
	case 1: H(c)->version = lfsx_cpu16(LAYERFS_INDEX_VERSION + 1);
		return 1;
	case 2: H(c)->header_size = lfsx_cpu16(64); return 1;
	case 3: H(c)->flags = lfsx_cpu32(1); return 1;
	case 4: H(c)->reserved[6] = 1; return 1;
	case 5: H(c)->nlayers = 0; return 1;
	case 6: H(c)->nlayers = lfsx_cpu32(LAYERFS_INDEX_LAYERS_MAX + 1);
		return 1;
	case 7: H(c)->ndirs = 0; return 1;
	case 8: H(c)->nentries = lfsx_cpu32(c->nentries + 1); return 1;
	case 9: H(c)->dirs_off = lfsx_cpu64(lfsx_le64(H(c)->dirs_off) + 16);
		return 1;
	case 10: H(c)->names_off = lfsx_cpu64(lfsx_le64(H(c)->names_off) - 1);
		return 1;
	case 11: H(c)->names_size = lfsx_cpu64(c->len); return 1;
	case 12: H(c)->ndirs = lfsx_cpu32(0xffffffff); return 1;
	case 13: ((struct layerfs_index_layer *)(c->b + 128))->flags =
			lfsx_cpu32(8); return 1;
	case 14: ((struct layerfs_index_layer *)(c->b + 128))->key[0] = 'x';
		return 1;
	case 15: D(c, 0)->parent = lfsx_cpu32(1); return 1;
	case 16: D(c, 0)->first = lfsx_cpu32(1); return 1;
	case 17: if (c->ndirs < 2) return 0;	/* a cycle: itself */
		D(c, 1)->parent = lfsx_cpu32(1); return 1;
	case 18: if (c->ndirs < 3) return 0;	/* parent after it */
		D(c, 1)->parent = lfsx_cpu32(2); return 1;
	case 19: if (c->ndirs < 2) return 0;
		D(c, 1)->pentry = lfsx_cpu32(c->nentries); return 1;
	case 20: if (c->ndirs < 2) return 0;
		D(c, 1)->count = lfsx_cpu32(lfsx_le32(D(c, 1)->count) + 1);
		return 1;
	case 21: if (f < 0) return 0;		/* bad layer index */
		E(c, f)->layer = E(c, f)->bottom = lfsx_cpu32(c->nlayers);
		return 1;
	case 22: if (i < 0) return 0;
		E(c, i)->bottom = lfsx_cpu32(c->nlayers); return 1;
	case 23: if (f < 0) return 0;
		E(c, f)->type = 3; return 1;
	case 24: if (f < 0) return 0;		/* a file posing as a dir */
		E(c, f)->type = LAYERFS_INDEX_DT_DIR; return 1;
	case 25: if (i < 0) return 0;		/* a dir posing as a file */
		E(c, i)->type = LAYERFS_INDEX_DT_REG; return 1;
	case 26: if (i < 0 || c->ndirs < 3) return 0;	/* wrong child */
		E(c, i)->dir = lfsx_cpu32(lfsx_le32(E(c, i)->dir) % 2 + 1);
		if (lfsx_le32(E(c, i)->dir) == 1)
			E(c, i)->dir = lfsx_cpu32(2);
		return 1;
	case 27: if (i < 0) return 0;		/* a cycle: the root */
		E(c, i)->dir = 0; return 1;
	case 28: if (s < 0) return 0;		/* unsorted */
		NM(c, s)[0] = '\x01'; return 1;
	case 29: if (s < 0 || E(c, s)->name_len != E(c, s - 1)->name_len)
			return 0;		/* duplicate */
		memcpy(NM(c, s), NM(c, s - 1), E(c, s)->name_len); return 1;
	case 30: NM(c, 0)[0] = '/'; return 1;
	case 31: NM(c, 0)[0] = 0; return 1;
	case 32: if (E(c, 0)->name_len > 2) return 0;
		memcpy(NM(c, 0), "..", E(c, 0)->name_len); return 1;
	case 33: E(c, 0)->name_len = 0; return 1;
	case 34: E(c, 0)->name_off = lfsx_cpu32(1); return 1;
	case 35: E(c, 0)->fh_len = 1; return 1;	/* not a multiple of 4 */
	case 36: E(c, 0)->flags |= 0x80; return 1;
	case 37: if (i < 0) return 0;		/* merged flag lies */
		E(c, i)->flags ^= LAYERFS_INDEX_E_MERGED; return 1;
	case 38: if (f < 0) return 0;
		E(c, f)->flags |= LAYERFS_INDEX_E_OPAQUE; return 1;
	case 39: if (i < 0) return 0;		/* child outside the table */
		E(c, i)->dir = lfsx_cpu32(c->ndirs); return 1;
	case 40: if (i < 0) return 0;		/* layer below bottom */
		E(c, i)->layer = lfsx_cpu32(lfsx_le32(E(c, i)->bottom) + 1);
		return 1;
	case 41: c->b[c->len - 1] ^= 0xff; return 1;	/* crc only */
	case 42: if (i < 0) return 0;		/* a handle on a directory */
		E(c, i)->fh_len = 4; return 1;
	case 43: if (f < 0) return 0;		/* a type without a handle */
		E(c, f)->fh_len = 0;
		E(c, f)->fh_type = lfsx_cpu32(1); return 1;
	case 44: if (fh < 0) return 0;		/* a handle in version 1 */
		H(c)->version = lfsx_cpu16(1); return 1;
	case 45: if (fh < 0) return 0;
		E(c, fh)->fh_type = lfsx_cpu32(255); return 1;
	case 46: if (fh < 0) return 0;		/* longer than the format's */
		E(c, fh)->fh_len = LAYERFS_INDEX_FH_MAX + 4; return 1;
	case 47: if (fh < 0) return 0;		/* record overlaps the next */
		E(c, fh)->fh_len += 4; return 1;
	case 48: if (i < 0) return 0;		/* a stat record on a dir */
		E(c, i)->flags |= LAYERFS_INDEX_E_STAT; return 1;
	case 49: if (st < 0) return 0;		/* a stat record in version 2 */
		H(c)->version = lfsx_cpu16(2); return 1;
	case 50: if (st < 0) return 0;		/* mode of another type */
		ST(c, st)->mode ^= lfsx_cpu32(0x2000); return 1;
	case 51: if (st < 0) return 0;		/* mode beyond 16 bits */
		ST(c, st)->mode |= lfsx_cpu32(0x10000); return 1;
	case 52: if (st < 0) return 0;
		ST(c, st)->nlink = 0; return 1;
	case 53: if (st < 0) return 0;
		ST(c, st)->reserved2 = lfsx_cpu32(1); return 1;
	case 54: if (st < 0) return 0;
		ST(c, st)->mtime_nsec = lfsx_cpu32(1000000000); return 1;
	case 55: if (st < 0) return 0;		/* the record's length lies */
		E(c, st)->flags &= ~LAYERFS_INDEX_E_STAT; return 1;
	}
	return -1;
}

START_TEST(test_corrupt)
{
	size_t len;
	void *buf = sample_index(2, 8, &len);
	int k, done = 0, r;
	struct ctx c;

	c.b = malloc(len);
	c.len = len;
	for (k = 0;; k++) {
		memcpy(c.b, buf, len);
		raw_init(&c.r, c.b);
		c.ndirs = lfsx_le32(H(&c)->ndirs);
		c.nentries = lfsx_le32(H(&c)->nentries);
		c.nlayers = lfsx_le32(H(&c)->nlayers);
		r = corrupt(&c, k);
		if (r < 0)
			break;
		if (!r)
			continue;
		refused(c.b, len, "corruption, crc not fixed");
		if (k != 41) {
			fix_crc(c.b, len);
			ck_assert_msg(layerfs_index_check(c.b, len, 0),
				      "corruption %d accepted", k);
			parse_refused(c.b, len);
		}
		done++;
	}
	printf("index: %d of %d corruptions applicable, all refused\n",
	       done, k);
	ck_assert_int_ge(done, 52);
	free(c.b);
	free(buf);
}
END_TEST

START_TEST(test_read_errors)
{
	struct layerfs_index_walk w;
	unsigned long n, total;
	struct paged pg;
	size_t len;
	void *buf = sample_index(4, 5, &len);

	ck_assert_ptr_null(paged_check(buf, len));
	paged_init(&pg, buf, len);
	ck_assert_ptr_null(layerfs_index_check_src(&w, &pg.src));
	total = pg.reads;
	ck_assert_uint_gt(total, 10);
	for (n = 1; n <= total; n++) {
		paged_init(&pg, buf, len);
		pg.fail_at = n;
		ck_assert_str_eq(layerfs_index_check_src(&w, &pg.src),
				 "cannot read the index");
		ck_assert_int_eq(w.err, -EIO);
	}
	printf("index: a valid index of %zu bytes validated in %lu reads "
	       "of one block piece each; a failure at any of them is "
	       "reported\n", len, total);
	free(buf);
}
END_TEST

/* Accepted after mutation: it must be the canonical encoding of a tree. */
static void accepted_is_canonical(const void *buf, size_t len)
{
	struct lfs_index ix;
	struct lfs_mtree t;
	void *again;
	size_t alen;
	char *list;

	ck_assert_int_eq(lfs_index_parse(&ix, buf, len, NULL), 0);
	ck_assert_int_eq(lfs_mtree_load(&t, &ix), 0);
	ck_assert_int_eq(lfs_mtree_serialize(&t, &again, &alen), 0);
	ck_assert_uint_eq(alen, len);
	/* One encoding per version: an older version that holds the tree
	 * is as valid as the version layerctl writes. */
	((struct layerfs_index_header *)again)->version =
		((const struct layerfs_index_header *)buf)->version;
	fix_crc(again, alen);
	ck_assert_int_eq(memcmp(again, buf, len), 0);
	list = index_listing(buf, len);
	free(list);
	free(again);
	lfs_mtree_free(&t);
}

/*
 * A two-layer index of @n directories of long names, so that names meet
 * 4 KiB boundaries (free it).
 */
static void *sample_long_names(int n, size_t *len)
{
	struct lfs_ldir bot = { 0 }, top = { 0 };
	struct lfs_mtree t;
	struct lfs_index ix;
	struct lfs_lent *e;
	void *b1, *b2;
	size_t l1;
	char name[64];
	int i, j;

	for (i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "directory-%03d", i);
		e = lfs_ldir_add(i % 2 ? &top : &bot, name,
				 LAYERFS_INDEX_DT_DIR, i + 1);
		for (j = 0; j < 10; j++) {
			snprintf(name, sizeof(name), "%0*d", 20 + (i * 7 + j) % 40,
				 j);
			ck_assert_ptr_nonnull(lfs_ldir_add(e->dir, name, 8, j));
		}
	}
	e = lfs_ldir_add(&top, "directory-000", LAYERFS_INDEX_DT_DIR, 9);
	ck_assert_ptr_nonnull(lfs_ldir_add(e->dir, "x", 8, 1));
	ck_assert_int_eq(lfs_ldir_sort(&bot), 0);
	ck_assert_int_eq(lfs_ldir_sort(&top), 0);
	ck_assert_int_eq(lfs_index_merge(&t, &bot, &test_id, NULL), 0);
	ck_assert_int_eq(lfs_mtree_serialize(&t, &b1, &l1), 0);
	lfs_mtree_free(&t);
	ck_assert_int_eq(lfs_index_parse(&ix, b1, l1, NULL), 0);
	ck_assert_int_eq(lfs_index_merge(&t, &top, &test_id, &ix), 0);
	ck_assert_int_eq(lfs_mtree_serialize(&t, &b2, len), 0);
	lfs_mtree_free(&t);
	free(b1);
	lfs_ldir_free(&bot);
	lfs_ldir_free(&top);
	return b2;
}

START_TEST(test_fuzz)
{
	size_t len, off;
	void *buf = _i ? sample_long_names(60, &len) :
		    sample_index(3, 12, &len);
	unsigned char *m = malloc(len);
	int it, j, flips, accepted = 0, refusedn = 0;

	rng_state = 99 + _i;
	for (it = 0; it < 20000; it++) {
		memcpy(m, buf, len);
		flips = 1 + rnd(4);
		for (j = 0; j < flips; j++) {
			off = rnd(len);
			if (rnd(4) == 0)	/* the fields that matter most */
				off = rnd(len < 512 ? len : 512);
			m[off] ^= 1u << rnd(8);
		}
		if (it & 1)
			fix_crc(m, len);
		paged_check(m, len);
		if (layerfs_index_check(m, len, 0)) {
			refusedn++;
			parse_refused(m, len);
			continue;
		}
		accepted++;
		accepted_is_canonical(m, len);
	}
	printf("index fuzz: %zu bytes: %d mutations refused, %d accepted "
	       "(each the canonical encoding of its tree)\n", len, refusedn,
	       accepted);
	free(m);
	free(buf);
}
END_TEST

/* Timing (reported, not asserted) */

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

START_TEST(test_timing)
{
	struct lfs_ldir big = { 0 }, small = { 0 };
	double t0, t1, t2, t3;
	struct lfs_mtree t;
	struct lfs_index ix;
	struct lfs_lent *e;
	char name[32];
	void *b1, *b2;
	size_t l1, l2;
	int i, j;

	for (i = 0; i < 1000; i++) {
		snprintf(name, sizeof(name), "dir%04d", i);
		e = lfs_ldir_add(&big, name, LAYERFS_INDEX_DT_DIR, i + 1);
		for (j = 0; j < 200; j++) {
			snprintf(name, sizeof(name), "file-%05d.txt", j);
			ck_assert_ptr_nonnull(lfs_ldir_add(e->dir, name, 8,
							   i * 1000 + j));
		}
	}
	ck_assert_int_eq(lfs_ldir_sort(&big), 0);
	t0 = now_ms();
	ck_assert_int_eq(lfs_index_merge(&t, &big, &test_id, NULL), 0);
	ck_assert_int_eq(lfs_mtree_serialize(&t, &b1, &l1), 0);
	t0 = now_ms() - t0;
	lfs_mtree_free(&t);
	t1 = now_ms();
	ck_assert_int_eq(lfs_index_parse(&ix, b1, l1, NULL), 0);
	t1 = now_ms() - t1;

	e = lfs_ldir_add(&small, "dir0500", LAYERFS_INDEX_DT_DIR, 7);
	for (j = 0; j < 10; j++) {
		snprintf(name, sizeof(name), "new%d", j);
		ck_assert_ptr_nonnull(lfs_ldir_add(e->dir, name, 8, j));
	}
	ck_assert_int_eq(lfs_ldir_sort(&small), 0);
	t2 = now_ms();
	ck_assert_int_eq(lfs_index_merge(&t, &small, &test_id, &ix), 0);
	t2 = now_ms() - t2;
	t3 = now_ms();
	ck_assert_int_eq(lfs_mtree_serialize(&t, &b2, &l2), 0);
	t3 = now_ms() - t3;
	ck_assert_ptr_null(layerfs_index_check(b2, l2, 0));
	ck_assert_ptr_null(paged_check(b2, l2));
	printf("index timing: a base of 201000 entries: built from scratch in "
	       "%.1f ms (%zu bytes), parsed and validated in %.1f ms; a "
	       "layer of 11 entries on it: merge %.3f ms, serialize %.1f ms\n",
	       t0, l1, t1, t2, t3);
	lfs_mtree_free(&t);
	free(b1);
	free(b2);
	lfs_ldir_free(&big);
	lfs_ldir_free(&small);
}
END_TEST

Suite *index_suite(void)
{
	Suite *s = suite_create("index");
	TCase *pure = tcase_create("pure");
	TCase *chains = tcase_create("chains");
	TCase *bad = tcase_create("corrupt");

	tcase_add_test(pure, test_crc32c);
	tcase_add_test(pure, test_names);
	tcase_add_test(pure, test_merge_small);
	tcase_add_test(pure, test_timing);
	tcase_set_timeout(pure, 60);
	suite_add_tcase(s, pure);

	tcase_add_loop_test(chains, test_random_chains, 0, 32);
	tcase_add_test(chains, test_origin_identity);
	tcase_add_test(chains, test_handles);
	tcase_add_test(chains, test_stat_records);
	tcase_add_test(chains, test_read_jobs);
	tcase_add_test(chains, test_read_nomem);
	tcase_add_test(chains, test_read_jobs_error);
	tcase_add_test(chains, test_read_deep);
	tcase_add_test(chains, test_tree_within);
	tcase_set_timeout(chains, 300);
	suite_add_tcase(s, chains);

	tcase_add_test(bad, test_truncated);
	tcase_add_test(bad, test_corrupt);
	tcase_add_test(bad, test_read_errors);
	tcase_add_loop_test(bad, test_fuzz, 0, 2);
	tcase_set_timeout(bad, 300);
	suite_add_tcase(s, bad);
	return s;
}
