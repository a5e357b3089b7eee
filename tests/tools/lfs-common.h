/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared code of the layerfs differential test drivers (lfs-semantics,
 * lfs-random): string buffers, fixture building, mounting overlayfs and
 * layerfs views of the same lower directories, tree snapshots and their
 * comparison.
 *
 * A snapshot describes every object below a mount root (the root itself is
 * ".") with a fixed set of fields, each a short string or NULL where it
 * does not apply; two snapshots are compared field by field, so a
 * difference has a kind: the field's name, or "presence" when a path
 * exists in one tree only.
 */
#ifndef LFS_COMMON_H
#define LFS_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define LFS_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Fixture mtimes are below this; anything newer shows as "new". */
#define LFS_OLD_TIME 1500000000L

void lfs_die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
char *lfs_strdup(const char *s);
char *lfs_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
const char *lfs_errname(int err);

/* A growable string. */
struct lfs_sb {
	char *s;
	size_t len, cap;
};
void lfs_sb_printf(struct lfs_sb *sb, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void lfs_sb_reset(struct lfs_sb *sb);
void lfs_sb_free(struct lfs_sb *sb);
static inline const char *lfs_sb_str(const struct lfs_sb *sb)
{
	return sb->s ? sb->s : "";
}

uint64_t lfs_fnv(uint64_t h, const void *buf, size_t len);
#define LFS_FNV_INIT 0xcbf29ce484222325ULL
/* Hash of a file's content; -errno on failure. */
int lfs_hash_file(const char *path, uint64_t *hash, off_t *len);

int lfs_mkdir_p(const char *path, mode_t mode);
int lfs_rm_rf(const char *path);
double lfs_now(void);

/*
 * Fixtures.  One line per object, in creation order (parents first, or
 * they are made 0755 on the way).  Types:
 *   f  regular file, data = content ("" empty)
 *   s  sparse file: size bytes, data written at size/2
 *   d  directory
 *   l  symlink to data
 *   h  hard link to data (a path in the same layer)
 *   p  fifo
 *   c  character device 1:3
 *   w  whiteout (character device 0:0)
 * xattrs: "name=value;name=value" (e.g. trusted.overlay.opaque=y).
 * After everything exists, each object gets a distinct old mtime/atime.
 */
struct lfs_fx {
	const char *path;		/* relative to the fixture base */
	char type;
	unsigned int mode;		/* permission bits incl. suid/sgid/sticky */
	const char *data;
	uid_t uid;
	gid_t gid;
	const char *xattrs;
	off_t size;
};
void lfs_fixture_build(const char *base, const struct lfs_fx *fx, size_t n);

/*
 * Inode numbers of fixture objects, so snapshots can say "this is the
 * lower object l3/f" (views on one filesystem show real inode numbers),
 * with each object's attributes and description for fast snapshots.
 */
void lfs_inomap_load(const char *base, const char *const *layers, size_t n);
const char *lfs_inomap_find(ino_t ino);

/* Mounting.  Return 0 or errno. */
int lfs_mount_ovl(const char *base, const char *const *layers, size_t n,
		  const char *upper, const char *work, const char *target);
int lfs_mount_lfs(const char *layers_opt, const char *upper, const char *work,
		  const char *target);
int lfs_umount(const char *target);

/* Snapshot fields. */
enum lfs_field {
	LFS_F_TYPE,
	LFS_F_MODE,
	LFS_F_UID,
	LFS_F_GID,
	LFS_F_SIZE,
	LFS_F_NLINK,	/* non-directories */
	LFS_F_BLOCKS,	/* regular files */
	LFS_F_DATA,	/* content hash, link target, rdev */
	LFS_F_MTIME,
	LFS_F_XATTR,	/* names and value hashes, trusted.overlay.* excluded */
	LFS_F_INO,	/* L:layer/path of a fixture object, or U */
	LFS_F_ERR,	/* an error reading the object */
	LFS_F_COUNT
};
#define LFS_FIELDS_ALL ((1u << LFS_F_COUNT) - 1)
extern const char *const lfs_field_names[LFS_F_COUNT];

struct lfs_entry {
	char *path;
	char *f[LFS_F_COUNT];
};

struct lfs_snap {
	struct lfs_entry *e;
	size_t n, cap;
	int err;		/* errno if the root could not be read */
};

/*
 * Fills @out with one object's fields.  @fast: if @st is exactly that of
 * an untouched fixture object (same inode, attributes, mtime and ctime:
 * copies and changed objects differ), take its content hash and xattrs
 * from the fixture instead of reading them through the mount.
 */
void lfs_describe(const char *abs, const struct stat *st, struct lfs_entry *out,
		  bool fast);
void lfs_entry_free(struct lfs_entry *e);
void lfs_snap_take(const char *root, struct lfs_snap *snap, bool fast);
void lfs_snap_free(struct lfs_snap *snap);
/* The entry's fields as one line (for messages). */
char *lfs_entry_str(const struct lfs_entry *e, unsigned int mask);

/*
 * Compare: calls @report(ctx, kind, path, a, b) per difference in the
 * fields of @mask (a/b: the two values, or whole entries for "presence";
 * NULL where absent).  kind is the field's name, "presence", or
 * "xattr-private" for xattrs that differ only in layerfs's own
 * trusted.layerfs.* names.  Returns the number of differences.
 */
typedef void (*lfs_report_fn)(void *ctx, const char *kind, const char *path,
			      const char *a, const char *b);
size_t lfs_snap_compare(const struct lfs_snap *a, const struct lfs_snap *b,
			unsigned int mask, lfs_report_fn report, void *ctx);

#endif /* LFS_COMMON_H */
