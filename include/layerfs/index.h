/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * layerfs flattened index, format version 3 (version 2 is version 3 without
 * stat records, version 1 version 2 without file handles; both are still
 * read).
 *
 * A frozen layer never changes, so the merged tree of the layer and the
 * chain below it (the layer's image: see "Images" in
 * include/uapi/linux/layerfs.h) is fixed.  The index is that merged tree,
 * flattened: for every merged directory, its visible entries, with
 * whiteouts and opaque directories already applied, sorted by name.  A
 * lookup is one binary search in one directory's entries; a listing reads
 * them in order.  The file lives beside the layer (ROOT/layers/KEY/index)
 * and is shared through the page cache by every view of the image.
 *
 * This header is shared by the kernel module and layerctl: the structures,
 * the CRC and the validator below are pure code (no allocation, no library
 * calls).
 *
 * File layout
 * -----------
 * All integers are little-endian.  Every section starts at an offset fixed
 * by the counts in the header, with no gaps except the ones named:
 *
 *   offset                        size                 contents
 *   0                             128                  header
 *   128                           64 * nlayers         layer table
 *   dirs_off = 128 + 64*nlayers   16 * ndirs           directory table
 *   entries_off = dirs_off + 16*ndirs, rounded up to 32 (zero padding)
 *                                 32 * nentries        entry table
 *   names_off = entries_off + 32*nentries
 *                                 names_size           names area
 *   size = names_off + names_size                      end of file
 *
 * So no record of a table ever crosses a 4 KiB boundary of the file, and
 * names are placed so that none does either (below): the kernel can read
 * any record or name from one page of the page cache.
 *
 * Header (struct layerfs_index_header, 128 bytes)
 *   0   magic        u32  LAYERFS_INDEX_MAGIC ("LFIX")
 *   4   version      u16  LAYERFS_INDEX_VERSION (3), 2 or 1
 *   6   header_size  u16  128
 *   8   flags        u32  0 (no flags are defined)
 *   12  crc          u32  CRC-32C of bytes [16, size) of the file
 *   16  size         u64  size of the whole file in bytes
 *   24  nlayers      u32  layers of the chain, 1..LAYERFS_INDEX_LAYERS_MAX
 *   28  ndirs        u32  merged directories, 1..LAYERFS_INDEX_ENTRIES_MAX
 *                         and at most nentries + 1
 *   32  nentries     u32  entries of all directories, 0..ENTRIES_MAX
 *   36  reserved0    u32  0
 *   40  dirs_off     u64  as in the layout above
 *   48  entries_off  u64  as in the layout above
 *   56  names_off    u64  as in the layout above
 *   64  names_size   u64  0..0xffffffff
 *   72  reserved     u64[7]  0
 *
 * The CRC is CRC-32C (Castagnoli, reflected polynomial 0x82f63b78, initial
 * value and final XOR 0xffffffff; "123456789" gives 0xe3069283), as ext4,
 * btrfs and iSCSI use.  layerfs_index_crc32c() below is a plain bitwise
 * implementation (the reference the unit tests compare with) with the same
 * running value as the kernel library's __crc32c_le() (<linux/crc32.h>),
 * which the module uses; layerctl uses a table-driven one (index_build.c):
 * the CRC is __crc32c_le(0xffffffff, data, len) ^ 0xffffffff.
 *
 * Layer table (struct layerfs_index_layer, 64 bytes each), the chain the
 * index was built for, top layer first (index 0 is the top layer: the
 * layer the index belongs to; index nlayers - 1 the bottom):
 *   0   ino          u64  inode number of the layer's directory
 *   8   dev_major    u32  major of the device holding it (st_dev)
 *   12  dev_minor    u32  minor of the device holding it
 *   16  gen          u32  the directory's i_generation (FS_IOC_GETVERSION),
 *                         0 unless flags has LAYERFS_INDEX_LAYER_GEN
 *   20  flags        u32  LAYERFS_INDEX_LAYER_GEN: gen is valid;
 *                         LAYERFS_INDEX_LAYER_KEY: key is valid
 *   24  key          char[32]  the layer's store key (ROOT/layers/KEY):
 *                         32 lower-case hex digits, or 32 zero bytes
 *   56  reserved     u64  0
 * The kernel uses an index only for a stack whose layers are, in order,
 * the directories named here (same inode number, device, and generation
 * when recorded); otherwise it ignores the index and walks the layers.
 * Device numbers can change across reboots (loop devices, tmpfs), so a
 * mismatch is not an error: the index is rebuilt or not used.
 *
 * Directory table (struct layerfs_index_dir, 16 bytes each): directory ids
 * are indexes into it; id 0 is the root, which merges the root directories
 * of every layer of the chain (as a view's root does: an opaque mark on a
 * layer's root is ignored).  Directories are numbered breadth-first: the
 * k-th entry of type DT_DIR in the entry table (counting from 1) names
 * directory k, so a directory's id is larger than its parent's, and a
 * tree has exactly one encoding in each version (the format is
 * canonical; layerctl writes version 3).
 *   0   first        u32  index of its first entry in the entry table
 *   4   count        u32  number of its entries
 *   8   parent       u32  id of its parent directory (root: 0)
 *   12  pentry       u32  index of the entry naming it in its parent
 *                         (root: LAYERFS_INDEX_NONE)
 * The entries of directory 0 come first, then those of directory 1, and
 * so on: first(0) = 0, first(d + 1) = first(d) + count(d), and the counts
 * add up to nentries.
 *
 * Entry table (struct layerfs_index_entry, 32 bytes each): the visible
 * entries of one merged directory, strictly increasing by name (bytes
 * compared as unsigned, a proper prefix first: memcmp() then length, the
 * order of a view's listing).  Whiteouts do not appear; neither does
 * anything they, a non-directory or an opaque directory hide.
 *   0   ino          u64  inode number of the object in the layer holding
 *                         it, or, with LAYERFS_INDEX_E_ORIGIN, the origin
 *                         number recorded on it at copy-up
 *                         (trusted.layerfs.origin): st_ino and d_ino as a
 *                         view reports them
 *   8   name_off     u32  offset of the name in the names area
 *   12  layer        u32  index of the layer holding the object (for a
 *                         directory, the topmost layer of its merge)
 *   16  bottom       u32  directories: the deepest layer whose directory
 *                         of this name belongs to the merge; others: layer
 *   20  dir          u32  directories: id of the child directory (> the id
 *                         of the directory holding the entry); others: 0
 *   24  name_len     u8   1..255
 *   25  type         u8   DT_* value of the object: DT_FIFO 1, DT_CHR 2,
 *                         DT_DIR 4, DT_BLK 6, DT_REG 8, DT_LNK 10, DT_SOCK 12
 *   26  flags        u8   LAYERFS_INDEX_E_MERGED: a directory merged with
 *                         directories of that name below it (bottom > layer);
 *                         LAYERFS_INDEX_E_OPAQUE: a directory whose merge
 *                         ends at an opaque directory (the one in layer
 *                         bottom is marked trusted.overlay.opaque=y);
 *                         LAYERFS_INDEX_E_ORIGIN: ino is an origin number;
 *                         LAYERFS_INDEX_E_STAT: a non-directory whose
 *                         record carries a stat record (version 3)
 *   27  fh_len       u8   0, or for a non-directory the length of its file
 *                         handle (4..LAYERFS_INDEX_FH_MAX, a multiple of 4),
 *                         whose bytes follow its name (below); 0 in
 *                         version 1
 *   28  fh_type      u32  with fh_len: the handle's type (0..254), as
 *                         name_to_handle_at(2) gave it for the object on
 *                         the filesystem of the layer holding it; else 0
 * A directory's merge is [layer, bottom]: the layers between that hold a
 * directory of that name (and only those) contribute entries; a layer
 * between that lacks the name is passed over.  An entry of a directory
 * whose own merge is [L, B] (the root's is [0, nlayers - 1]) satisfies
 * L <= layer <= bottom <= B.
 *
 * Names area: the entries' records in entry-table order, each its name
 * (without terminator) followed by its file handle's fh_len bytes (none
 * if fh_len is 0), then, with LAYERFS_INDEX_E_STAT, its stat record.  The record of entry i starts where the record of entry
 * i - 1 ends (entry 0's at 0), unless it would then cross a 4 KiB boundary
 * of the file, in which case it starts at that boundary and the bytes
 * skipped are zero.  The area ends with the last record.  A name is 1..255
 * bytes, contains neither '/' nor NUL, and is not "." or "..".
 *
 * File handles let the kernel reach a non-directory in a layer without
 * walking its path there (exportfs_decode_fh(), as overlayfs decodes its
 * origin handles): a cold lookup of a name whose parent directory in the
 * holding layer is not at hand costs one inode read instead of one lookup
 * per path component.  They are hints: the kernel uses the object a
 * handle gives only if it is a non-directory of the entry's type, linked,
 * held by the dcache below the layer's directory (not disconnected, not
 * moved out of the layer since), with the entry's inode number (so an
 * entry with LAYERFS_INDEX_E_ORIGIN, whose number is not the object's,
 * has no handle from layerctl, and the kernel ignores one); otherwise, as
 * for an entry without one or a filesystem that cannot decode handles, it
 * walks the path.  A layer
 * copied to another filesystem gets another identity (the layer table),
 * so its old index is not used at all.
 *
 * Stat record (struct layerfs_index_stat, LAYERFS_INDEX_STAT_SIZE = 88
 * bytes, after the handle), what lstat(2) gave for the object when the
 * index was built:
 *   0   mode         u32  st_mode; its file type agrees with the entry's
 *   4   nlink        u32  st_nlink, at least 1
 *   8   uid          u32  st_uid
 *   12  gid          u32  st_gid
 *   16  rdev_major   u32  major(st_rdev)
 *   20  rdev_minor   u32  minor(st_rdev)
 *   24  blksize      u32  st_blksize
 *   28  reserved     u32  0
 *   32  size         u64  st_size
 *   40  blocks       u64  st_blocks (512-byte units)
 *   48  atime        s64  seconds of st_atim
 *   56  mtime        s64  seconds of st_mtim
 *   64  ctime        s64  seconds of st_ctim
 *   72  atime_nsec   u32  0..999999999, and likewise
 *   76  mtime_nsec   u32
 *   80  ctime_nsec   u32
 *   84  reserved2    u32  0
 * A frozen layer's objects do not change, so a view can answer stat(2)
 * for a name from the index alone, and look the object up in its layer
 * only when it is opened, read as a link, asked for its extended
 * attributes, or copied up (composefs answers stat from its image the same
 * way).  Like handles these are hints about objects the index's layer
 * table names: the kernel uses them only for objects with one link, not
 * E_ORIGIN, of the entry's type, and replaces them with the real
 * object's attributes once it has looked it up.  The record has no inode
 * flags: an operation that append-only or immutable forbid (removal,
 * rename, link, a change of attributes or xattrs, an open for writing)
 * looks the object up first and checks its flags.  Only the access time can
 * drift (reads of the layer's files update it): until a view looks a file
 * up it shows the access time the index recorded.
 *
 * Validation
 * ----------
 * layerfs_index_check() accepts a buffer only if every rule above holds:
 * magic, version, header size, flags and reserved fields; size equal to
 * the buffer's length; counts within limits and section offsets exactly as
 * in the layout; the CRC; every layer record; the directory table (first,
 * parent < id, pentry inside the parent's entries and naming this
 * directory); every entry (name bounds, placement and characters, strict
 * order, type, layer and bottom inside the directory's merge, flags
 * consistent with the type and the merge, directory references).  Since
 * each directory other than the root names the one entry that references
 * it, every entry of type DT_DIR references a directory whose pentry is
 * that entry, and parents have smaller ids, the directories form one tree
 * rooted at 0 in which each is referenced exactly once.  All checks are
 * local (a record, its neighbour, and the record it points to), so
 * layerfs_index_check_src() runs them through a reader that copies one
 * record or name at a time (struct layerfs_index_src: the kernel's reads
 * the page cache), keeping about 600 bytes of state; layerfs_index_check()
 * is the same over a buffer in memory, plus the CRC.  layerfs_index_lookup()
 * finds a name in a directory of a validated index with one binary search
 * through the same reader.
 */
#ifndef _LAYERFS_INDEX_H
#define _LAYERFS_INDEX_H

#ifdef __KERNEL__
#include <linux/errno.h>
#include <linux/string.h>
#include <linux/types.h>
#include <asm/byteorder.h>
#define lfsx_le16(x)	le16_to_cpu(x)
#define lfsx_le32(x)	le32_to_cpu(x)
#define lfsx_le64(x)	le64_to_cpu(x)
#define lfsx_cpu16(x)	cpu_to_le16(x)
#define lfsx_cpu32(x)	cpu_to_le32(x)
#define lfsx_cpu64(x)	cpu_to_le64(x)
#else
#include <endian.h>
#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <linux/types.h>
#define lfsx_le16(x)	le16toh(x)
#define lfsx_le32(x)	le32toh(x)
#define lfsx_le64(x)	le64toh(x)
#define lfsx_cpu16(x)	htole16(x)
#define lfsx_cpu32(x)	htole32(x)
#define lfsx_cpu64(x)	htole64(x)
#endif

#define LAYERFS_INDEX_MAGIC		0x5849464cU	/* "LFIX" */
#define LAYERFS_INDEX_VERSION		3
#define LAYERFS_INDEX_STAT_SIZE		88
#define LAYERFS_INDEX_FH_MAX		128	/* MAX_HANDLE_SZ */
#define LAYERFS_INDEX_HEADER_SIZE	128
#define LAYERFS_INDEX_LAYERS_MAX	65536
#define LAYERFS_INDEX_ENTRIES_MAX	0x40000000U
#define LAYERFS_INDEX_NAMES_MAX		0xffffffffULL
#define LAYERFS_INDEX_NAME_MAX		255
#define LAYERFS_INDEX_KEY_LEN		32
#define LAYERFS_INDEX_BLOCK		4096	/* names never cross one */
#define LAYERFS_INDEX_NONE		0xffffffffU
#define LAYERFS_INDEX_HDR_RESERVED	7	/* u64s at the end of the header */

#define LAYERFS_INDEX_LAYER_GEN		0x1
#define LAYERFS_INDEX_LAYER_KEY		0x2
#define LAYERFS_INDEX_LAYER_F_ALL	0x3

#define LAYERFS_INDEX_E_MERGED		0x1
#define LAYERFS_INDEX_E_OPAQUE		0x2
#define LAYERFS_INDEX_E_ORIGIN		0x4
#define LAYERFS_INDEX_E_STAT		0x8
#define LAYERFS_INDEX_E_F_ALL		0xf

/* d_type values (as in <dirent.h> and the kernel's fs_types.h). */
#define LAYERFS_INDEX_DT_FIFO		1
#define LAYERFS_INDEX_DT_CHR		2
#define LAYERFS_INDEX_DT_DIR		4
#define LAYERFS_INDEX_DT_BLK		6
#define LAYERFS_INDEX_DT_REG		8
#define LAYERFS_INDEX_DT_LNK		10
#define LAYERFS_INDEX_DT_SOCK		12

/* Flags of layerfs_index_check(). */
#define LAYERFS_INDEX_CHECK_NO_CRC	0x1	/* the caller checked it */

struct layerfs_index_header {
	__le32 magic;
	__le16 version;
	__le16 header_size;
	__le32 flags;
	__le32 crc;
	__le64 size;
	__le32 nlayers;
	__le32 ndirs;
	__le32 nentries;
	__le32 reserved0;
	__le64 dirs_off;
	__le64 entries_off;
	__le64 names_off;
	__le64 names_size;
	__le64 reserved[LAYERFS_INDEX_HDR_RESERVED];
};

struct layerfs_index_layer {
	__le64 ino;
	__le32 dev_major;
	__le32 dev_minor;
	__le32 gen;
	__le32 flags;
	char key[LAYERFS_INDEX_KEY_LEN];
	__le64 reserved;
};

struct layerfs_index_dir {
	__le32 first;
	__le32 count;
	__le32 parent;
	__le32 pentry;
};

struct layerfs_index_entry {
	__le64 ino;
	__le32 name_off;
	__le32 layer;
	__le32 bottom;
	__le32 dir;
	__u8 name_len;
	__u8 type;
	__u8 flags;
	__u8 fh_len;
	__le32 fh_type;
};

struct layerfs_index_stat {
	__le32 mode;
	__le32 nlink;
	__le32 uid;
	__le32 gid;
	__le32 rdev_major;
	__le32 rdev_minor;
	__le32 blksize;
	__le32 reserved;
	__le64 size;
	__le64 blocks;
	__le64 atime;
	__le64 mtime;
	__le64 ctime;
	__le32 atime_nsec;
	__le32 mtime_nsec;
	__le32 ctime_nsec;
	__le32 reserved2;
};

_Static_assert(sizeof(struct layerfs_index_stat) == LAYERFS_INDEX_STAT_SIZE,
	       "struct layerfs_index_stat is the format's stat record");

/* Bytes of entry @e's record after its name: its handle and stat record. */
static inline unsigned int
layerfs_index_tail_len(const struct layerfs_index_entry *e)
{
	return e->fh_len +
	       (e->flags & LAYERFS_INDEX_E_STAT ? LAYERFS_INDEX_STAT_SIZE : 0);
}

/* The section offsets a header's counts imply (see the layout above). */
static inline __u64 layerfs_index_dirs_off(__u32 nlayers)
{
	return LAYERFS_INDEX_HEADER_SIZE + 64ULL * nlayers;
}

static inline __u64 layerfs_index_entries_off(__u32 nlayers, __u32 ndirs)
{
	return (layerfs_index_dirs_off(nlayers) + 16ULL * ndirs + 31) &
	       ~31ULL;
}

static inline __u64 layerfs_index_names_off(__u32 nlayers, __u32 ndirs,
					    __u32 nentries)
{
	return layerfs_index_entries_off(nlayers, ndirs) + 32ULL * nentries;
}

/*
 * Where a record (a name, its handle, its stat record) of @len bytes goes when the
 * previous one ended at @pos of the names area that starts at file offset
 * @names_off: at @pos, or at the next 4 KiB boundary of the file if it
 * would cross it.
 */
static inline __u64 layerfs_index_name_place(__u64 names_off, __u64 pos,
					     unsigned int len)
{
	__u64 start = names_off + pos;
	__u64 room = LAYERFS_INDEX_BLOCK - (start % LAYERFS_INDEX_BLOCK);

	if (len > room)
		pos += room;
	return pos;
}

/*
 * CRC-32C, bitwise.  Start with @crc = 0xffffffff, feed the data in any
 * number of pieces, and XOR the result with 0xffffffff.
 */
static inline __u32 layerfs_index_crc32c(__u32 crc, const void *data,
					 __u64 len)
{
	const unsigned char *p = data;
	int k;

	while (len--) {
		crc ^= *p++;
		for (k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0x82f63b78U & (0U - (crc & 1)));
	}
	return crc;
}

/* -1, 0 or 1 as name @a (@alen bytes) sorts before, with or after @b. */
static inline int layerfs_index_name_cmp(const char *a, unsigned int alen,
					 const char *b, unsigned int blen)
{
	unsigned int i, n = alen < blen ? alen : blen;

	for (i = 0; i < n; i++)
		if (a[i] != b[i])
			return (unsigned char)a[i] < (unsigned char)b[i] ?
			       -1 : 1;
	return alen < blen ? -1 : alen > blen;
}

/* NULL if @name (@len bytes) may be an entry's name, else why not. */
static inline const char *layerfs_index_name_check(const char *name,
						   unsigned int len)
{
	unsigned int i;

	if (len < 1 || len > LAYERFS_INDEX_NAME_MAX)
		return "name length not 1..255";
	if (name[0] == '.' && (len == 1 || (len == 2 && name[1] == '.')))
		return "name is . or ..";
	for (i = 0; i < len; i++)
		if (name[i] == '/' || name[i] == '\0')
			return "name contains '/' or NUL";
	return 0;
}

static inline int layerfs_index_type_ok(unsigned int type)
{
	return type == LAYERFS_INDEX_DT_FIFO || type == LAYERFS_INDEX_DT_CHR ||
	       type == LAYERFS_INDEX_DT_DIR || type == LAYERFS_INDEX_DT_BLK ||
	       type == LAYERFS_INDEX_DT_REG || type == LAYERFS_INDEX_DT_LNK ||
	       type == LAYERFS_INDEX_DT_SOCK;
}

/*
 * The header alone, against a file of @len bytes: NULL or why it is
 * refused.  Does not check the CRC.
 */
static inline const char *
layerfs_index_check_header(const struct layerfs_index_header *h, __u64 len)
{
	__u32 nlayers, ndirs, nentries;
	__u64 names_off;
	unsigned int i;

	/* Nothing of @h is read before @len says it is all there. */
	if (len < LAYERFS_INDEX_HEADER_SIZE)
		return "shorter than the header";
	nlayers = lfsx_le32(h->nlayers);
	ndirs = lfsx_le32(h->ndirs);
	nentries = lfsx_le32(h->nentries);
	if (lfsx_le32(h->magic) != LAYERFS_INDEX_MAGIC)
		return "bad magic";
	if (lfsx_le16(h->version) < 1 ||
	    lfsx_le16(h->version) > LAYERFS_INDEX_VERSION)
		return "unknown version";
	if (lfsx_le16(h->header_size) != LAYERFS_INDEX_HEADER_SIZE)
		return "bad header size";
	if (h->flags || h->reserved0)
		return "unknown flags or reserved field set";
	for (i = 0; i < LAYERFS_INDEX_HDR_RESERVED; i++)
		if (h->reserved[i])
			return "reserved field set";
	if (lfsx_le64(h->size) != len)
		return "size does not match the file";
	if (nlayers < 1 || nlayers > LAYERFS_INDEX_LAYERS_MAX)
		return "layer count out of range";
	if (ndirs < 1 || ndirs > LAYERFS_INDEX_ENTRIES_MAX ||
	    nentries > LAYERFS_INDEX_ENTRIES_MAX || ndirs > nentries + 1)
		return "directory or entry count out of range";
	if (lfsx_le64(h->dirs_off) != layerfs_index_dirs_off(nlayers) ||
	    lfsx_le64(h->entries_off) !=
	    layerfs_index_entries_off(nlayers, ndirs))
		return "section offset out of place";
	names_off = layerfs_index_names_off(nlayers, ndirs, nentries);
	if (lfsx_le64(h->names_off) != names_off)
		return "section offset out of place";
	if (lfsx_le64(h->names_size) > LAYERFS_INDEX_NAMES_MAX ||
	    names_off > len || len - names_off != lfsx_le64(h->names_size))
		return "names area does not end the file";
	return 0;
}

/* One layer record: NULL or why it is refused. */
static inline const char *
layerfs_index_check_layer(const struct layerfs_index_layer *l)
{
	__u32 flags = lfsx_le32(l->flags);
	unsigned int i;

	if (flags & ~LAYERFS_INDEX_LAYER_F_ALL || l->reserved)
		return "layer record: unknown flags or reserved field set";
	if (!(flags & LAYERFS_INDEX_LAYER_GEN) && l->gen)
		return "layer record: generation without its flag";
	for (i = 0; i < LAYERFS_INDEX_KEY_LEN; i++) {
		char c = l->key[i];

		if (!(flags & LAYERFS_INDEX_LAYER_KEY) ? c != 0 :
		    !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
			return "layer record: bad store key";
	}
	return 0;
}

/*
 * Directory @id's record @d, given the previous record @prev (NULL for the
 * root), the parent's record @p and the entry @pe its pentry names (both
 * NULL for the root), of an index whose header passed: NULL or why it is
 * refused.  The caller checks that the counts add up to nentries.
 */
static inline const char *
layerfs_index_check_dir(__u32 id, const struct layerfs_index_dir *d,
			const struct layerfs_index_dir *prev,
			const struct layerfs_index_dir *p,
			const struct layerfs_index_entry *pe, __u32 nentries)
{
	__u32 first = lfsx_le32(d->first), count = lfsx_le32(d->count);
	__u32 pentry = lfsx_le32(d->pentry);

	if (first > nentries || count > nentries - first)
		return "directory entries out of bounds";
	if (!prev ? first != 0 :
	    first != lfsx_le32(prev->first) + lfsx_le32(prev->count))
		return "directory entries not contiguous";
	if (!id)
		return d->parent || pentry != LAYERFS_INDEX_NONE ?
		       "root directory has a parent" : 0;
	if (lfsx_le32(d->parent) >= id)
		return "directory not after its parent";
	if (pentry < lfsx_le32(p->first) ||
	    pentry - lfsx_le32(p->first) >= lfsx_le32(p->count))
		return "directory's entry not in its parent";
	if (pe->type != LAYERFS_INDEX_DT_DIR || lfsx_le32(pe->dir) != id)
		return "directory's entry does not name it";
	return 0;
}

/*
 * Entry @e, index @idx, of directory @dir whose own merge is
 * [@top, @bottom], in an index of @nlayers layers and @ndirs directories:
 * NULL or why it is refused.  Checks neither its name nor its child's
 * record (layerfs_index_check_dir() checks the link from the child).
 */
static inline const char *
layerfs_index_check_entry(const struct layerfs_index_entry *e, __u32 dir,
			  __u32 top, __u32 bottom, __u32 ndirs)
{
	__u32 layer = lfsx_le32(e->layer), ebottom = lfsx_le32(e->bottom);
	__u32 child = lfsx_le32(e->dir);

	if (e->flags & ~LAYERFS_INDEX_E_F_ALL)
		return "entry: unknown flags or reserved field set";
	if (!layerfs_index_type_ok(e->type))
		return "entry: bad type";
	if (e->fh_len ? e->fh_len % 4 || e->fh_len > LAYERFS_INDEX_FH_MAX ||
			lfsx_le32(e->fh_type) > 254 ||
			e->type == LAYERFS_INDEX_DT_DIR :
			e->fh_type != 0)
		return "entry: bad file handle";
	if (layer < top || ebottom < layer || ebottom > bottom)
		return "entry: layer outside its directory's merge";
	if (e->flags & LAYERFS_INDEX_E_STAT && e->type == LAYERFS_INDEX_DT_DIR)
		return "entry: stat record on a directory";
	if (e->type != LAYERFS_INDEX_DT_DIR) {
		if (child || ebottom != layer ||
		    e->flags & (LAYERFS_INDEX_E_MERGED | LAYERFS_INDEX_E_OPAQUE))
			return "entry: directory fields on a non-directory";
		return 0;
	}
	if (child <= dir || child >= ndirs)
		return "entry: bad directory reference";
	if (!(e->flags & LAYERFS_INDEX_E_MERGED) != (ebottom == layer))
		return "entry: merged flag does not match its layers";
	return 0;
}

/*
 * Where the validator and the lookup read the file from: @read copies
 * @len bytes at file offset @off (inside the file: the callers check) to
 * @dst and returns 0 or a negative errno.  A record of a table, and a name
 * of a valid index, never crosses a 4 KiB boundary, so the kernel can
 * serve each read from one page of the page cache.
 */
struct layerfs_index_src {
	int (*read)(const struct layerfs_index_src *src, __u64 off, void *dst,
		    __u32 len);
	const void *priv;
	__u64 len;			/* size of the file */
};

/* The state of one validation (about 600 bytes: allocate it in the kernel). */
struct layerfs_index_walk {
	const struct layerfs_index_src *src;
	int err;			/* a read error, if one stopped it */
	struct layerfs_index_header h;
	__u64 dirs_off, entries_off, names_off, names_size, pos;
	__u32 nlayers, ndirs, nentries;
	__u32 next_child;	/* id the next DT_DIR entry must reference */
	unsigned int prev_len;
	char prev[LAYERFS_INDEX_NAME_MAX];
	char name[LAYERFS_INDEX_NAME_MAX];
};

/* Reads @len bytes at @off, refusing anything outside the file. */
static inline const char *layerfs_index_read(struct layerfs_index_walk *w,
					     __u64 off, void *dst, __u32 len)
{
	if (off > w->src->len || len > w->src->len - off)
		return "offset outside the file";
	w->err = w->src->read(w->src, off, dst, len);
	return w->err ? "cannot read the index" : 0;
}

static inline const char *
layerfs_index_read_dir(struct layerfs_index_walk *w, __u32 id,
		       struct layerfs_index_dir *d)
{
	return layerfs_index_read(w, w->dirs_off + 16ULL * id, d, sizeof(*d));
}

static inline const char *
layerfs_index_read_entry(struct layerfs_index_walk *w, __u32 i,
			 struct layerfs_index_entry *e)
{
	return layerfs_index_read(w, w->entries_off + 32ULL * i, e,
				  sizeof(*e));
}

/* @len bytes at @off are zero. */
static inline const char *layerfs_index_check_zero(struct layerfs_index_walk *w,
						   __u64 off, __u64 len)
{
	const char *why;
	__u32 n, k;

	while (len) {
		/* At most a name's room, never across a 4 KiB boundary. */
		n = LAYERFS_INDEX_BLOCK - off % LAYERFS_INDEX_BLOCK;
		n = n < sizeof(w->name) ? n : sizeof(w->name);
		n = len < n ? len : n;
		why = layerfs_index_read(w, off, w->name, n);
		if (why)
			return why;
		for (k = 0; k < n; k++)
			if (w->name[k])
				return "padding not zero";
		off += n;
		len -= n;
	}
	return 0;
}

/* A stat record of an entry of type @type: NULL or why it is refused. */
static inline const char *
layerfs_index_check_stat(const struct layerfs_index_stat *st,
			 unsigned int type)
{
	if (((lfsx_le32(st->mode) >> 12) & 15) != type ||
	    lfsx_le32(st->mode) >> 16)
		return "stat record: mode does not match the entry's type";
	if (!st->nlink)
		return "stat record: no links";
	if (st->reserved || st->reserved2)
		return "stat record: reserved field set";
	if (lfsx_le32(st->atime_nsec) > 999999999 ||
	    lfsx_le32(st->mtime_nsec) > 999999999 ||
	    lfsx_le32(st->ctime_nsec) > 999999999)
		return "stat record: nanoseconds out of range";
	return 0;
}

/*
 * Entry @e's record: placement, the name's characters and order after the
 * previous one, its stat record.
 */
static inline const char *
layerfs_index_check_name(struct layerfs_index_walk *w,
			 const struct layerfs_index_entry *e, int first)
{
	__u64 off = lfsx_le32(e->name_off), place;
	unsigned int rec = e->name_len + layerfs_index_tail_len(e);
	struct layerfs_index_stat st;
	const char *why;

	if (e->fh_len && lfsx_le16(w->h.version) == 1)
		return "entry: file handle in a version 1 index";
	if (e->flags & LAYERFS_INDEX_E_STAT && lfsx_le16(w->h.version) < 3)
		return "entry: stat record before version 3";
	place = layerfs_index_name_place(w->names_off, w->pos, rec);
	if (off != place || off + rec > w->names_size)
		return "entry: name out of place";
	why = layerfs_index_check_zero(w, w->names_off + w->pos, off - w->pos);
	if (!why)
		why = layerfs_index_read(w, w->names_off + off, w->name,
					 e->name_len);
	if (!why)
		why = layerfs_index_name_check(w->name, e->name_len);
	if (!why && e->flags & LAYERFS_INDEX_E_STAT) {
		why = layerfs_index_read(w, w->names_off + off + e->name_len +
					 e->fh_len, &st, sizeof(st));
		if (!why)
			why = layerfs_index_check_stat(&st, e->type);
	}
	if (why)
		return why;
	w->pos = off + rec;
	if (!first && layerfs_index_name_cmp(w->prev, w->prev_len, w->name,
					     e->name_len) >= 0)
		return "entries not strictly sorted by name";
	memcpy(w->prev, w->name, e->name_len);
	w->prev_len = e->name_len;
	return 0;
}

/* Entry @i of directory @id whose merge is [@top, @bottom]. */
static inline const char *
layerfs_index_check_one_entry(struct layerfs_index_walk *w, __u32 id,
			      __u32 i, __u32 top, __u32 bottom, int first)
{
	struct layerfs_index_entry e;
	struct layerfs_index_dir c;
	const char *why;

	why = layerfs_index_read_entry(w, i, &e);
	if (!why)
		why = layerfs_index_check_entry(&e, id, top, bottom, w->ndirs);
	if (!why)
		why = layerfs_index_check_name(w, &e, first);
	if (why || e.type != LAYERFS_INDEX_DT_DIR)
		return why;
	if (lfsx_le32(e.dir) != w->next_child++)
		return "directories not in breadth-first order";
	why = layerfs_index_read_dir(w, lfsx_le32(e.dir), &c);
	if (why)
		return why;
	if (lfsx_le32(c.parent) != id || lfsx_le32(c.pentry) != i)
		return "directory referenced by a second entry";
	return 0;
}

/* Directory @id and its entries. */
static inline const char *layerfs_index_check_one(struct layerfs_index_walk *w,
						  __u32 id)
{
	struct layerfs_index_dir d, prev, p;
	struct layerfs_index_entry pe;
	__u32 top = 0, bottom = w->nlayers - 1, i, first, count;
	const char *why;

	why = layerfs_index_read_dir(w, id, &d);
	if (!why && id) {
		if (lfsx_le32(d.parent) >= id)
			return "directory not after its parent";
		if (lfsx_le32(d.pentry) >= w->nentries)
			return "directory's entry out of bounds";
		why = layerfs_index_read_dir(w, id - 1, &prev);
		if (!why)
			why = layerfs_index_read_dir(w, lfsx_le32(d.parent), &p);
		if (!why)
			why = layerfs_index_read_entry(w, lfsx_le32(d.pentry),
						       &pe);
		if (why)
			return why;
		top = lfsx_le32(pe.layer);
		bottom = lfsx_le32(pe.bottom);
	}
	if (!why)
		why = layerfs_index_check_dir(id, &d, id ? &prev : 0,
					      id ? &p : 0, id ? &pe : 0,
					      w->nentries);
	if (why)
		return why;
	first = lfsx_le32(d.first);
	count = lfsx_le32(d.count);
	for (i = first; i < first + count; i++) {
		why = layerfs_index_check_one_entry(w, id, i, top, bottom,
						    i == first);
		if (why)
			return why;
	}
	return 0;
}

/*
 * Validates the index @src reads, except its CRC: NULL if every rule of
 * the format holds, else a static string saying which does not (and
 * w->err, if a read failed).  Reads each record once or twice, never
 * outside the file, and keeps nothing but @w: the kernel can run it on
 * the page cache, computing the CRC as it likes.  On success w->h is the
 * header.
 */
static inline const char *
layerfs_index_check_src(struct layerfs_index_walk *w,
			const struct layerfs_index_src *src)
{
	struct layerfs_index_layer l;
	struct layerfs_index_dir last;
	const char *why;
	__u64 off;
	__u32 i;

	w->src = src;
	w->err = 0;
	if (src->len < LAYERFS_INDEX_HEADER_SIZE)
		return "shorter than the header";
	why = layerfs_index_read(w, 0, &w->h, sizeof(w->h));
	if (!why)
		why = layerfs_index_check_header(&w->h, src->len);
	if (why)
		return why;
	w->nlayers = lfsx_le32(w->h.nlayers);
	w->ndirs = lfsx_le32(w->h.ndirs);
	w->nentries = lfsx_le32(w->h.nentries);
	w->dirs_off = lfsx_le64(w->h.dirs_off);
	w->entries_off = lfsx_le64(w->h.entries_off);
	w->names_off = lfsx_le64(w->h.names_off);
	w->names_size = lfsx_le64(w->h.names_size);
	w->pos = 0;
	w->next_child = 1;
	w->prev_len = 0;
	for (i = 0; i < w->nlayers; i++) {
		off = LAYERFS_INDEX_HEADER_SIZE + 64ULL * i;
		why = layerfs_index_read(w, off, &l, sizeof(l));
		if (!why)
			why = layerfs_index_check_layer(&l);
		if (why)
			return why;
	}
	off = w->dirs_off + 16ULL * w->ndirs;
	why = layerfs_index_check_zero(w, off, w->entries_off - off);
	for (i = 0; !why && i < w->ndirs; i++)
		why = layerfs_index_check_one(w, i);
	if (!why)
		why = layerfs_index_read_dir(w, w->ndirs - 1, &last);
	if (why)
		return why;
	if (lfsx_le32(last.first) + lfsx_le32(last.count) != w->nentries)
		return "directories do not cover every entry";
	if (w->next_child != w->ndirs)
		return "directory referenced by no entry";
	if (w->pos != w->names_size)
		return "names area longer than its names";
	return 0;
}

static inline int layerfs_index_mem_read(const struct layerfs_index_src *src,
					 __u64 off, void *dst, __u32 len)
{
	memcpy(dst, (const unsigned char *)src->priv + off, len);
	return 0;
}

/*
 * Validates the index in memory at @buf, @len bytes: NULL if every rule
 * of the format holds, else a static string saying which does not.
 * @flags: LAYERFS_INDEX_CHECK_*.  Reads nothing outside @buf whatever its
 * contents.
 */
static inline const char *layerfs_index_check(const void *buf, __u64 len,
					      unsigned int flags)
{
	const struct layerfs_index_src src = {
		.read = layerfs_index_mem_read, .priv = buf, .len = len,
	};
	const struct layerfs_index_header *h = buf;
	struct layerfs_index_walk w;
	const char *why;

	why = layerfs_index_check_src(&w, &src);
	if (why)
		return why;
	if (!(flags & LAYERFS_INDEX_CHECK_NO_CRC) &&
	    (layerfs_index_crc32c(0xffffffffU,
				  (const unsigned char *)buf + 16, len - 16) ^
	     0xffffffffU) != lfsx_le32(h->crc))
		return "checksum mismatch";
	return 0;
}

/*
 * Looks @name (@len bytes) up in directory @id of the index @src reads,
 * which has passed layerfs_index_check_src() with header @h: one binary
 * search over the directory's entries.  Returns 1 and the entry in @out
 * (its index in @idx) if found, 0 if not, or a negative errno from
 * @src->read, or -EINVAL for @id out of range.
 */
static inline int layerfs_index_lookup(const struct layerfs_index_src *src,
				       const struct layerfs_index_header *h,
				       __u32 id, const char *name,
				       unsigned int len,
				       struct layerfs_index_entry *out,
				       __u32 *idx)
{
	__u32 nlayers = lfsx_le32(h->nlayers), ndirs = lfsx_le32(h->ndirs);
	__u64 eoff = lfsx_le64(h->entries_off), noff = lfsx_le64(h->names_off);
	struct layerfs_index_dir d;
	char buf[LAYERFS_INDEX_NAME_MAX];
	__u32 lo, hi, mid;
	int err, cmp;

	if (id >= ndirs)
		return -EINVAL;
	err = src->read(src, layerfs_index_dirs_off(nlayers) + 16ULL * id,
			&d, sizeof(d));
	if (err)
		return err;
	lo = lfsx_le32(d.first);
	hi = lo + lfsx_le32(d.count);
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		err = src->read(src, eoff + 32ULL * mid, out, sizeof(*out));
		if (!err)
			err = src->read(src, noff + lfsx_le32(out->name_off),
					buf, out->name_len);
		if (err)
			return err;
		cmp = layerfs_index_name_cmp(name, len, buf, out->name_len);
		if (!cmp) {
			*idx = mid;
			return 1;
		}
		if (cmp < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return 0;
}

#endif /* _LAYERFS_INDEX_H */
