// SPDX-License-Identifier: GPL-2.0
/*
 * Shared code of the layerfs differential test drivers; see lfs-common.h.
 */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

#include "lfs-common.h"

void lfs_die(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fprintf(stderr, "Bail out! ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	printf("Bail out! see stderr\n");
	exit(2);
}

char *lfs_strdup(const char *s)
{
	char *d = strdup(s);

	if (!d)
		lfs_die("out of memory");
	return d;
}

char *lfs_printf(const char *fmt, ...)
{
	va_list ap;
	char *s;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0)
		lfs_die("out of memory");
	return s;
}

const char *lfs_errname(int err)
{
	const char *s = err ? strerrorname_np(err) : "0";
	static __thread char buf[32];

	if (s)
		return s;
	snprintf(buf, sizeof(buf), "E%d", err);
	return buf;
}

void lfs_sb_printf(struct lfs_sb *sb, const char *fmt, ...)
{
	va_list ap;
	int n;

	for (;;) {
		size_t room = sb->cap - sb->len;

		va_start(ap, fmt);
		n = vsnprintf(sb->s ? sb->s + sb->len : NULL, room, fmt, ap);
		va_end(ap);
		if (n < 0)
			lfs_die("vsnprintf failed");
		if ((size_t)n < room)
			break;
		sb->cap = (sb->cap + n + 1) * 2;
		sb->s = realloc(sb->s, sb->cap);
		if (!sb->s)
			lfs_die("out of memory");
	}
	sb->len += n;
}

void lfs_sb_reset(struct lfs_sb *sb)
{
	sb->len = 0;
	if (sb->s)
		sb->s[0] = '\0';
}

void lfs_sb_free(struct lfs_sb *sb)
{
	free(sb->s);
	sb->s = NULL;
	sb->len = sb->cap = 0;
}

uint64_t lfs_fnv(uint64_t h, const void *buf, size_t len)
{
	const unsigned char *p = buf;

	while (len--) {
		h ^= *p++;
		h *= 0x100000001b3ULL;
	}
	return h;
}

int lfs_hash_file(const char *path, uint64_t *hash, off_t *len)
{
	static __thread char buf[65536];
	uint64_t h = LFS_FNV_INIT;
	off_t total = 0;
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		h = lfs_fnv(h, buf, n);
		total += n;
	}
	if (n < 0) {
		n = -errno;
		close(fd);
		return n;
	}
	close(fd);
	*hash = h;
	if (len)
		*len = total;
	return 0;
}

int lfs_mkdir_p(const char *path, mode_t mode)
{
	char *p = lfs_strdup(path), *s;
	int err = 0;

	for (s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(p, 0755) && errno != EEXIST)
			err = -errno;
		*s = '/';
		if (err)
			break;
	}
	if (!err && mkdir(p, mode) && errno != EEXIST)
		err = -errno;
	free(p);
	return err;
}

static int lfs_rm_one(const char *path, const struct stat *st, int flag,
		      struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (flag == FTW_DP || flag == FTW_D || flag == FTW_DNR)
		rmdir(path);
	else
		unlink(path);
	return 0;
}

int lfs_rm_rf(const char *path)
{
	struct stat st;

	if (lstat(path, &st))
		return errno == ENOENT ? 0 : -errno;
	nftw(path, lfs_rm_one, 32, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
	return lstat(path, &st) ? 0 : -EBUSY;
}

double lfs_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* --- fixtures -------------------------------------------------------- */

static void lfs_fx_xattrs(const char *path, const char *spec)
{
	char *s = lfs_strdup(spec), *save = NULL, *tok;

	for (tok = strtok_r(s, ";", &save); tok; tok = strtok_r(NULL, ";", &save)) {
		char *eq = strchr(tok, '=');

		if (!eq)
			lfs_die("fixture xattr '%s' has no '='", tok);
		*eq = '\0';
		if (lsetxattr(path, tok, eq + 1, strlen(eq + 1), 0))
			lfs_die("setxattr %s %s: %m", path, tok);
	}
	free(s);
}

static const char *lfs_fx_base;

static int lfs_fx_time(const char *path, const struct stat *st, int flag,
		       struct FTW *ftw)
{
	const char *rel = path + strlen(lfs_fx_base);
	uint64_t h = lfs_fnv(LFS_FNV_INIT, rel, strlen(rel));
	struct timespec ts[2];

	(void)st;
	(void)flag;
	(void)ftw;
	ts[0].tv_sec = 1000000000 + (h % 100000000);
	ts[0].tv_nsec = (h >> 32) % 1000000000;
	ts[1] = ts[0];
	if (utimensat(AT_FDCWD, path, ts, AT_SYMLINK_NOFOLLOW))
		lfs_die("utimensat %s: %m", path);
	return 0;
}

void lfs_fixture_build(const char *base, const struct lfs_fx *fx, size_t n)
{
	size_t i;

	if (lfs_mkdir_p(base, 0755))
		lfs_die("mkdir %s: %m", base);
	for (i = 0; i < n; i++) {
		const struct lfs_fx *x = &fx[i];
		char *path = lfs_printf("%s/%s", base, x->path);
		char *parent = lfs_strdup(path);
		int fd, err = 0;

		*strrchr(parent, '/') = '\0';
		if (lfs_mkdir_p(parent, 0755))
			lfs_die("mkdir %s: %m", parent);
		free(parent);
		switch (x->type) {
		case 'f':
		case 's':
			fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
			if (fd < 0)
				lfs_die("create %s: %m", path);
			if (x->type == 'f' && x->data &&
			    write(fd, x->data, strlen(x->data)) != (ssize_t)strlen(x->data))
				lfs_die("write %s: %m", path);
			if (x->type == 's') {
				if (ftruncate(fd, x->size) ||
				    pwrite(fd, x->data, strlen(x->data), x->size / 2) < 0)
					lfs_die("sparse %s: %m", path);
			}
			close(fd);
			break;
		case 'd':
			err = mkdir(path, 0700);
			break;
		case 'l':
			err = symlink(x->data, path);
			break;
		case 'h': {
			char *src = lfs_printf("%s/%s", base, x->data);

			err = link(src, path);
			free(src);
			break;
		}
		case 'p':
			err = mkfifo(path, 0600);
			break;
		case 'c':
			err = mknod(path, S_IFCHR | 0600, makedev(1, 3));
			break;
		case 'w':
			err = mknod(path, S_IFCHR, makedev(0, 0));
			break;
		default:
			lfs_die("fixture %s: unknown type '%c'", x->path, x->type);
		}
		if (err)
			lfs_die("create %s (%c): %m", path, x->type);
		if (x->type != 'h') {
			if (x->xattrs)
				lfs_fx_xattrs(path, x->xattrs);
			if (lchown(path, x->uid, x->gid))
				lfs_die("chown %s: %m", path);
			if (x->type != 'l' && x->type != 'w' &&
			    chmod(path, x->mode))
				lfs_die("chmod %s: %m", path);
		}
		free(path);
	}
	lfs_fx_base = base;
	nftw(base, lfs_fx_time, 32, FTW_DEPTH | FTW_PHYS);
}

/* --- inode map --------------------------------------------------------- */

struct lfs_ino {
	ino_t ino;
	char *label;
	struct stat st;			/* the lower object as the fixture made it */
	struct lfs_entry e;		/* its description */
};
static struct lfs_ino *lfs_inos;
static size_t lfs_nino, lfs_capino;
static const char *lfs_ino_base;
static const char *lfs_ino_layer;

static int lfs_ino_add(const char *path, const struct stat *st, int flag,
		       struct FTW *ftw)
{
	const char *rel = path + strlen(lfs_ino_base);

	(void)flag;
	(void)ftw;
	while (*rel == '/')
		rel++;
	if (lfs_nino == lfs_capino) {
		lfs_capino = lfs_capino ? 2 * lfs_capino : 256;
		lfs_inos = realloc(lfs_inos, lfs_capino * sizeof(*lfs_inos));
		if (!lfs_inos)
			lfs_die("out of memory");
	}
	memset(&lfs_inos[lfs_nino], 0, sizeof(lfs_inos[lfs_nino]));
	lfs_inos[lfs_nino].ino = st->st_ino;
	lfs_inos[lfs_nino].label = lfs_printf("%s/%s", lfs_ino_layer,
					      *rel ? rel : ".");
	lfs_inos[lfs_nino].st = *st;
	lfs_describe(path, st, &lfs_inos[lfs_nino].e, false);
	lfs_nino++;
	return 0;
}

static int lfs_ino_cmp(const void *a, const void *b)
{
	const struct lfs_ino *x = a, *y = b;

	return x->ino < y->ino ? -1 : x->ino > y->ino;
}

void lfs_inomap_load(const char *base, const char *const *layers, size_t n)
{
	size_t i, j;

	for (i = 0; i < n; i++) {
		char *dir = lfs_printf("%s/%s", base, layers[i]);

		lfs_ino_base = dir;
		lfs_ino_layer = layers[i];
		if (nftw(dir, lfs_ino_add, 32, FTW_PHYS))
			lfs_die("walk %s: %m", dir);
		free(dir);
	}
	qsort(lfs_inos, lfs_nino, sizeof(*lfs_inos), lfs_ino_cmp);
	/* Hard links: keep the first label of an inode. */
	for (i = j = 0; i < lfs_nino; i++) {
		if (j && lfs_inos[j - 1].ino == lfs_inos[i].ino)
			continue;
		lfs_inos[j++] = lfs_inos[i];
	}
	lfs_nino = j;
}

static struct lfs_ino *lfs_inomap_get(ino_t ino)
{
	struct lfs_ino key = { .ino = ino };

	return bsearch(&key, lfs_inos, lfs_nino, sizeof(*lfs_inos), lfs_ino_cmp);
}

const char *lfs_inomap_find(ino_t ino)
{
	struct lfs_ino *e = lfs_inomap_get(ino);

	return e ? e->label : NULL;
}

/* Is @st exactly the untouched lower object @e (ctime too: copies are newer)? */
static bool lfs_stat_same(const struct stat *st, const struct lfs_ino *e)
{
	const struct stat *f = &e->st;

	return st->st_mode == f->st_mode && st->st_uid == f->st_uid &&
	       st->st_gid == f->st_gid && st->st_size == f->st_size &&
	       st->st_nlink == f->st_nlink && st->st_blocks == f->st_blocks &&
	       st->st_rdev == f->st_rdev &&
	       st->st_mtim.tv_sec == f->st_mtim.tv_sec &&
	       st->st_mtim.tv_nsec == f->st_mtim.tv_nsec &&
	       st->st_ctim.tv_sec == f->st_ctim.tv_sec &&
	       st->st_ctim.tv_nsec == f->st_ctim.tv_nsec;
}

/* --- mounts ----------------------------------------------------------- */

int lfs_mount_ovl(const char *base, const char *const *layers, size_t n,
		  const char *upper, const char *work, const char *target)
{
	struct lfs_sb o = {};
	size_t i;
	int err = 0;

	lfs_sb_printf(&o, "lowerdir=");
	for (i = 0; i < n; i++)
		lfs_sb_printf(&o, "%s%s/%s", i ? ":" : "", base, layers[i]);
	if (upper)
		lfs_sb_printf(&o, ",upperdir=%s,workdir=%s", upper, work);
	if (mount("lfs-test-ovl", target, "overlay", 0, o.s))
		err = errno;
	lfs_sb_free(&o);
	return err;
}

int lfs_mount_lfs(const char *layers_opt, const char *upper, const char *work,
		  const char *target)
{
	struct lfs_sb o = {};
	int err = 0;

	const char *extra = getenv("LFS_LAYERFS_OPTS");

	lfs_sb_printf(&o, "layers=%s", layers_opt);
	if (upper)
		lfs_sb_printf(&o, ",upper=%s,work=%s", upper, work);
	/* e.g. "noindex": a test runs its cases on both lookup paths. */
	if (extra && *extra)
		lfs_sb_printf(&o, ",%s", extra);
	if (mount("lfs-test-lfs", target, "layerfs", 0, o.s))
		err = errno;
	lfs_sb_free(&o);
	return err;
}

int lfs_umount(const char *target)
{
	int i;

	for (i = 0; i < 50; i++) {
		if (!umount(target))
			return 0;
		if (errno != EBUSY)
			return errno;
		usleep(20000);
	}
	if (!umount2(target, MNT_DETACH))
		return EBUSY;
	return errno;
}

/* --- snapshots -------------------------------------------------------- */

const char *const lfs_field_names[LFS_F_COUNT] = {
	[LFS_F_TYPE] = "type",
	[LFS_F_MODE] = "mode",
	[LFS_F_UID] = "uid",
	[LFS_F_GID] = "gid",
	[LFS_F_SIZE] = "size",
	[LFS_F_NLINK] = "nlink",
	[LFS_F_BLOCKS] = "blocks",
	[LFS_F_DATA] = "data",
	[LFS_F_MTIME] = "mtime",
	[LFS_F_XATTR] = "xattr",
	[LFS_F_INO] = "ino",
	[LFS_F_ERR] = "error",
};

static char lfs_type_char(mode_t m)
{
	switch (m & S_IFMT) {
	case S_IFREG: return 'f';
	case S_IFDIR: return 'd';
	case S_IFLNK: return 'l';
	case S_IFIFO: return 'p';
	case S_IFCHR: return 'c';
	case S_IFBLK: return 'b';
	case S_IFSOCK: return 's';
	}
	return '?';
}

static int lfs_str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* "name=value,..." sorted, trusted.overlay.* left out; NULL-free. */
static char *lfs_xattr_str(const char *path)
{
	char list[65536], val[65536];
	char *names[512];
	struct lfs_sb sb = {};
	ssize_t len, vlen;
	size_t n = 0, i;
	char *p;

	len = llistxattr(path, list, sizeof(list));
	if (len < 0)
		return lfs_printf("ERR:%s", lfs_errname(errno));
	for (p = list; p < list + len && n < LFS_ARRAY_SIZE(names); p += strlen(p) + 1)
		if (strncmp(p, "trusted.overlay.", 16))
			names[n++] = p;
	qsort(names, n, sizeof(*names), lfs_str_cmp);
	lfs_sb_printf(&sb, "%s", "");
	for (i = 0; i < n; i++) {
		bool printable = true;
		ssize_t j;

		vlen = lgetxattr(path, names[i], val, sizeof(val));
		if (vlen < 0) {
			lfs_sb_printf(&sb, "%s%s=ERR:%s", i ? "," : "", names[i],
				      lfs_errname(errno));
			continue;
		}
		for (j = 0; j < vlen; j++)
			if (val[j] < 0x21 || val[j] > 0x7e || val[j] == ',')
				printable = false;
		if (printable && vlen <= 32)
			lfs_sb_printf(&sb, "%s%s=%.*s", i ? "," : "", names[i],
				      (int)vlen, val);
		else
			lfs_sb_printf(&sb, "%s%s=#%016llx", i ? "," : "", names[i],
				      (unsigned long long)lfs_fnv(LFS_FNV_INIT, val, vlen));
	}
	return sb.s;
}

void lfs_describe(const char *abs, const struct stat *st, struct lfs_entry *e,
		  bool fast)
{
	const struct lfs_ino *lower = fast ? lfs_inomap_get(st->st_ino) : NULL;
	const char *label;
	char buf[PATH_MAX];
	uint64_t h;
	ssize_t n;
	int err;

	/* An untouched lower object: its content and xattrs are known. */
	if (lower && lfs_stat_same(st, lower)) {
		int i;

		for (i = 0; i < LFS_F_COUNT; i++)
			e->f[i] = lower->e.f[i] ? lfs_strdup(lower->e.f[i]) : NULL;
		free(e->f[LFS_F_INO]);
		e->f[LFS_F_INO] = lfs_printf("L:%s", lower->label);
		return;
	}

	e->f[LFS_F_TYPE] = lfs_printf("%c", lfs_type_char(st->st_mode));
	e->f[LFS_F_MODE] = lfs_printf("%04o", (unsigned int)(st->st_mode & 07777));
	e->f[LFS_F_UID] = lfs_printf("%u", (unsigned int)st->st_uid);
	e->f[LFS_F_GID] = lfs_printf("%u", (unsigned int)st->st_gid);
	if (!S_ISDIR(st->st_mode)) {
		e->f[LFS_F_SIZE] = lfs_printf("%lld", (long long)st->st_size);
		e->f[LFS_F_NLINK] = lfs_printf("%lu", (unsigned long)st->st_nlink);
	}
	if (S_ISREG(st->st_mode)) {
		e->f[LFS_F_BLOCKS] = lfs_printf("%lld", (long long)st->st_blocks);
		err = lfs_hash_file(abs, &h, NULL);
		e->f[LFS_F_DATA] = err ? lfs_printf("ERR:%s", lfs_errname(-err)) :
				   lfs_printf("#%016llx", (unsigned long long)h);
	} else if (S_ISLNK(st->st_mode)) {
		n = readlink(abs, buf, sizeof(buf) - 1);
		e->f[LFS_F_DATA] = n < 0 ? lfs_printf("ERR:%s", lfs_errname(errno)) :
				   lfs_printf("->%.*s", (int)n, buf);
	} else if (S_ISCHR(st->st_mode) || S_ISBLK(st->st_mode)) {
		e->f[LFS_F_DATA] = lfs_printf("%u:%u", major(st->st_rdev),
					      minor(st->st_rdev));
	}
	if (st->st_mtim.tv_sec < LFS_OLD_TIME)
		e->f[LFS_F_MTIME] = lfs_printf("%ld.%09ld", (long)st->st_mtim.tv_sec,
					       st->st_mtim.tv_nsec);
	else
		e->f[LFS_F_MTIME] = lfs_strdup("new");
	e->f[LFS_F_XATTR] = lfs_xattr_str(abs);
	label = lfs_inomap_find(st->st_ino);
	e->f[LFS_F_INO] = label ? lfs_printf("L:%s", label) : lfs_strdup("U");
}

void lfs_entry_free(struct lfs_entry *e)
{
	int i;

	free(e->path);
	for (i = 0; i < LFS_F_COUNT; i++)
		free(e->f[i]);
	memset(e, 0, sizeof(*e));
}

static struct lfs_entry *lfs_snap_add(struct lfs_snap *s, const char *rel)
{
	struct lfs_entry *e;

	if (s->n == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 128;
		s->e = realloc(s->e, s->cap * sizeof(*s->e));
		if (!s->e)
			lfs_die("out of memory");
	}
	e = &s->e[s->n++];
	memset(e, 0, sizeof(*e));
	e->path = lfs_strdup(rel);
	return e;
}

static void lfs_walk(const char *root, const char *rel, struct lfs_snap *s,
		     int depth, bool fast)
{
	char *abs = strcmp(rel, ".") ? lfs_printf("%s/%s", root, rel) :
		    lfs_strdup(root);
	struct lfs_entry *e;
	struct dirent *d;
	char **names = NULL;
	size_t n = 0, cap = 0, i;
	struct stat st;
	DIR *dir;

	if (lstat(abs, &st)) {
		e = lfs_snap_add(s, rel);
		e->f[LFS_F_ERR] = lfs_printf("lstat:%s", lfs_errname(errno));
		free(abs);
		return;
	}
	e = lfs_snap_add(s, rel);
	lfs_describe(abs, &st, e, fast);
	if (!S_ISDIR(st.st_mode)) {
		free(abs);
		return;
	}
	if (depth > 32) {
		e->f[LFS_F_ERR] = lfs_strdup("too deep");
		free(abs);
		return;
	}
	dir = opendir(abs);
	if (!dir) {
		e->f[LFS_F_ERR] = lfs_printf("opendir:%s", lfs_errname(errno));
		free(abs);
		return;
	}
	errno = 0;
	while ((d = readdir(dir))) {
		if (!strcmp(d->d_name, ".") || !strcmp(d->d_name, ".."))
			continue;
		if (n == cap) {
			cap = cap ? 2 * cap : 32;
			names = realloc(names, cap * sizeof(*names));
			if (!names)
				lfs_die("out of memory");
		}
		names[n++] = lfs_strdup(d->d_name);
	}
	if (errno) {
		/* e may have moved: the array grows; find it again below. */
		int err = errno;

		s->e[s->n - 1].f[LFS_F_ERR] = lfs_printf("readdir:%s",
							 lfs_errname(err));
	}
	closedir(dir);
	qsort(names, n, sizeof(*names), lfs_str_cmp);
	for (i = 0; i < n; i++) {
		char *child = strcmp(rel, ".") ? lfs_printf("%s/%s", rel, names[i]) :
			      lfs_strdup(names[i]);

		lfs_walk(root, child, s, depth + 1, fast);
		free(child);
		free(names[i]);
	}
	free(names);
	free(abs);
}

static int lfs_entry_cmp(const void *a, const void *b)
{
	const struct lfs_entry *x = a, *y = b;

	return strcmp(x->path, y->path);
}

void lfs_snap_take(const char *root, struct lfs_snap *snap, bool fast)
{
	memset(snap, 0, sizeof(*snap));
	lfs_walk(root, ".", snap, 0, fast);
	qsort(snap->e, snap->n, sizeof(*snap->e), lfs_entry_cmp);
}

void lfs_snap_free(struct lfs_snap *snap)
{
	size_t i;

	for (i = 0; i < snap->n; i++)
		lfs_entry_free(&snap->e[i]);
	free(snap->e);
	memset(snap, 0, sizeof(*snap));
}

char *lfs_entry_str(const struct lfs_entry *e, unsigned int mask)
{
	struct lfs_sb sb = {};
	int i;

	lfs_sb_printf(&sb, "%s", "");
	for (i = 0; i < LFS_F_COUNT; i++) {
		if (!(mask & (1u << i)) || !e->f[i])
			continue;
		lfs_sb_printf(&sb, "%s%s=%s", sb.len ? " " : "", lfs_field_names[i],
			      e->f[i]);
	}
	return sb.s;
}

/* An xattr list without layerfs's private trusted.layerfs.* names. */
static char *lfs_xattr_public(const char *list)
{
	char *copy = lfs_strdup(list), *save = NULL, *tok;
	struct lfs_sb sb = {};

	lfs_sb_printf(&sb, "%s", "");
	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
		if (strncmp(tok, "trusted.layerfs.", 16))
			lfs_sb_printf(&sb, "%s%s", sb.len ? "," : "", tok);
	free(copy);
	return sb.s;
}

size_t lfs_snap_compare(const struct lfs_snap *a, const struct lfs_snap *b,
			unsigned int mask, lfs_report_fn report, void *ctx)
{
	size_t i = 0, j = 0, ndiff = 0;
	int f;

	mask |= 1u << LFS_F_ERR;
	while (i < a->n || j < b->n) {
		int c = i >= a->n ? 1 : j >= b->n ? -1 :
			strcmp(a->e[i].path, b->e[j].path);

		if (c) {
			const struct lfs_entry *e = c < 0 ? &a->e[i] : &b->e[j];
			char *s = lfs_entry_str(e, mask);

			report(ctx, "presence", e->path, c < 0 ? s : NULL,
			       c < 0 ? NULL : s);
			free(s);
			ndiff++;
			if (c < 0)
				i++;
			else
				j++;
			continue;
		}
		for (f = 0; f < LFS_F_COUNT; f++) {
			const char *x = a->e[i].f[f], *y = b->e[j].f[f];
			const char *kind = lfs_field_names[f];

			if (!(mask & (1u << f)))
				continue;
			if (x == y || (x && y && !strcmp(x, y)))
				continue;
			if (f == LFS_F_XATTR && x && y) {
				char *px = lfs_xattr_public(x), *py = lfs_xattr_public(y);

				/* Only layerfs's own metadata differs. */
				if (!strcmp(px, py))
					kind = "xattr-private";
				free(px);
				free(py);
			}
			report(ctx, kind, a->e[i].path, x, y);
			ndiff++;
		}
		i++;
		j++;
	}
	return ndiff;
}
