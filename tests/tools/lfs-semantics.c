// SPDX-License-Identifier: GPL-2.0
/*
 * lfs-semantics: differential test of layerfs against overlayfs.
 *
 *   lfs-semantics mkfixture DIR
 *   lfs-semantics run DIR LAYERS [-a ALLOWLIST] [-k GLOB] [-x GLOB] [-j JOBS] [-v]
 *                             [--budget SECONDS] [--rdisk] [--full-disk]
 *                             [--full] [--self]
 *   lfs-semantics list
 *
 * mkfixture builds three lower layers, DIR/l1 (top), DIR/l2 and DIR/l3
 * (bottom), in overlayfs's on-disk format: files only in one layer and in
 * several, whiteouts, an opaque directory, a directory merged from all
 * three, one that holds only whiteouts in the merged view, type changes
 * between layers, symlinks, hard links, a fifo, a character device, files
 * and directories with trusted.* and security.* xattrs, a sparse file,
 * set-id and sticky modes, other owners.
 *
 * run takes LAYERS, the layers= value that mounts those three registered
 * layers as a layerfs view (e.g. 'sem\:top:sem-mid:sem-bot'), and runs
 * every case: a short sequence of operations (the last one is what the
 * case tests; the ones before set up a state, e.g. "copied up", "only in
 * the upper", "deleted in the upper") applied to
 *
 *   A  overlayfs  lowerdir=l1:l2:l3 with a fresh upper and work
 *   B  layerfs    layers=LAYERS      with a fresh upper and work
 *
 * (or to two read-only views without upper, for "[ro view]" cases).  It
 * compares each operation's result (return value or errno, and what it
 * read), then the merged trees (names, types, modes, owners, sizes,
 * content hashes, link counts, blocks, mtimes of fixture age or "new",
 * xattrs without trusted.overlay.*, and st_ino as "the fixture object
 * l3/x" or "U"), and after unmounting both, the on-disk result:
 *
 *   disk   overlayfs on the lowers with B's upper   vs  A
 *   rdisk  layerfs on the lowers with A's upper     vs  A  (with --rdisk)
 *
 * (--full-disk compares with overlayfs mounted again on A's upper rather
 * than with A as it was before unmounting.)
 *
 * Each case prints "ok N - NAME" or "not ok N - NAME: overlayfs=...,
 * layerfs=..." with "#" lines for every difference (kind, path, both
 * values).  Differences listed in ALLOWLIST are intentional: a line
 * "CASE-GLOB | KIND-GLOB | reason" (fnmatch patterns; KIND is result,
 * mount, tree:FIELD, disk:FIELD or rdisk:FIELD) allows them.  Exit
 * status: 0 if every difference is allowed, 1 if not, 2 if the harness
 * itself failed.  --self mounts overlayfs in place of layerfs (checks the
 * harness on any kernel); -k runs only cases whose name matches GLOB, -x
 * leaves out those that do.
 *
 * Speed (every syscall is slow under TCG): cases run on -j JOBS threads
 * (default 2), each with its own mounts; snapshots take the content and
 * xattrs of untouched lower objects (same inode, attributes, mtime and
 * ctime as in the fixture) from the fixture, except in the "nothing"
 * cases, which read everything through the mounts; --full reads
 * everything always.  --budget: start no case after SECONDS; the rest are
 * reported as skipped ("ok N - CASE # SKIP").
 */

#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <getopt.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

#include "lfs-common.h"
#include "lfs-ops.h"

#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE (1 << 0)
#endif
#ifndef RENAME_EXCHANGE
#define RENAME_EXCHANGE (1 << 1)
#endif
#ifndef RENAME_WHITEOUT
#define RENAME_WHITEOUT (1 << 2)
#endif

static const char *const layers[] = { "l1", "l2", "l3" };

/* Positional: path, type, mode, data, uid, gid, xattrs, size. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
static const struct lfs_fx fixture[] = {
	/* l3: bottom */
	{ "l3/f_low", 'f', 0644, "bottom only\n" },
	{ "l3/f_shadow", 'f', 0644, "shadow l3\n" },
	{ "l3/f_ro", 'f', 0444, "read only\n" },
	{ "l3/f_exec", 'f', 0755, "#!/bin/sh\necho hi\n" },
	{ "l3/f_suid", 'f', 04755, "suid\n", 1000, 1000 },
	{ "l3/f_owned", 'f', 0640, "owned\n", 1000, 2000 },
	{ "l3/f_empty", 'f', 0644, "" },
	{ "l3/sparse", 's', 0644, "DATA", 0, 0, NULL, 256 << 10 },
	{ "l3/hl_a", 'f', 0644, "hardlinked\n" },
	{ "l3/hl_b", 'h', 0, "l3/hl_a" },
	{ "l3/sl_file", 'l', 0, "f_low" },
	{ "l3/sl_dangling", 'l', 0, "nowhere" },
	{ "l3/sl_dir", 'l', 0, "d_merged" },
	{ "l3/d_merged", 'd', 0755 },
	{ "l3/d_merged/a", 'f', 0644, "a l3\n" },
	{ "l3/d_merged/b", 'f', 0644, "b l3\n" },
	{ "l3/d_merged/sub", 'd', 0755 },
	{ "l3/d_merged/sub/s1", 'f', 0644, "s1\n" },
	{ "l3/d_opq", 'd', 0755 },
	{ "l3/d_opq/x", 'f', 0644, "x hidden\n" },
	{ "l3/d_opq/y", 'f', 0644, "y hidden\n" },
	{ "l3/d_nonempty", 'd', 0755 },
	{ "l3/d_nonempty/e1", 'f', 0644, "e1\n" },
	{ "l3/d_only_wh", 'd', 0755 },
	{ "l3/d_only_wh/p", 'f', 0644, "p\n" },
	{ "l3/d_only_wh/q", 'f', 0644, "q\n" },
	{ "l3/wh_file", 'f', 0644, "whited out\n" },
	{ "l3/wh_dir", 'd', 0755 },
	{ "l3/wh_dir/w1", 'f', 0644, "w1\n" },
	{ "l3/d_deep/a/b/c", 'd', 0755 },
	{ "l3/d_deep/a/b/c/file", 'f', 0644, "deep\n" },
	{ "l3/tc_dirfile", 'd', 0755 },
	{ "l3/tc_dirfile/inner", 'f', 0644, "inner\n" },
	{ "l3/tc_filedir", 'f', 0644, "was a file\n" },
	{ "l3/x_file", 'f', 0644, "xattrs\n", 0, 0, "trusted.t1=v1;security.s1=s1" },
	{ "l3/d_sgid", 'd', 02775, NULL, 0, 2000 },
	{ "l3/d_sgid/k", 'f', 0664, "k\n", 0, 2000 },
	{ "l3/d_sticky", 'd', 01777 },
	{ "l3/d_sticky/own", 'f', 0644, "own\n", 1000, 1000 },
	/* l2: middle */
	{ "l2/f_shadow", 'f', 0600, "shadow l2\n" },
	{ "l2/f_mid", 'f', 0644, "middle\n" },
	{ "l2/d_merged", 'd', 0750 },
	{ "l2/d_merged/c", 'f', 0644, "c l2\n" },
	{ "l2/d_merged/b", 'w' },
	{ "l2/d_merged/sub", 'd', 0755 },
	{ "l2/d_merged/sub/s2", 'f', 0644, "s2\n" },
	{ "l2/d_opq", 'd', 0755, NULL, 0, 0, "trusted.overlay.opaque=y" },
	{ "l2/d_opq/z", 'f', 0644, "z\n" },
	{ "l2/d_only_wh", 'd', 0755 },
	{ "l2/d_only_wh/p", 'w' },
	{ "l2/d_only_wh/q", 'w' },
	{ "l2/wh_file", 'w' },
	{ "l2/tc_dirfile", 'f', 0644, "now a file\n" },
	{ "l2/tc_filedir", 'd', 0755 },
	{ "l2/tc_filedir/t1", 'f', 0644, "t1\n" },
	{ "l2/fifo", 'p', 0644 },
	{ "l2/chr", 'c', 0666 },
	{ "l2/d_empty", 'd', 0755 },
	{ "l2/x_dir", 'd', 0755, NULL, 0, 0, "trusted.d1=dv" },
	{ "l2/x_file2", 'f', 0644, "more xattrs\n", 0, 0,
	  "trusted.a=1;trusted.b=2;security.c=3" },
	/* l1: top */
	{ "l1/f_shadow", 'f', 0644, "shadow l1\n", 1000, 1000 },
	{ "l1/d_merged", 'd', 0775 },
	{ "l1/d_merged/d", 'f', 0644, "d l1\n" },
	{ "l1/d_merged/sub", 'd', 0755 },
	{ "l1/d_merged/sub/s3", 'f', 0644, "s3\n" },
	{ "l1/wh_dir", 'w' },
	{ "l1/l1_only", 'f', 0644, "top\n" },
	{ "l1/d_l1", 'd', 0700 },
	{ "l1/d_l1/m", 'f', 0600, "m\n" },
	{ "l1/sp ace", 'f', 0644, "space\n" },
	{ "l1/hl_c", 'f', 0644, "top hardlink\n" },
	{ "l1/hl_d", 'h', 0, "l1/hl_c" },
};
#pragma GCC diagnostic pop

/* --- cases ------------------------------------------------------------ */

#define MAX_OPS 6

struct kase {
	char *name;
	char *group;
	bool ro;
	size_t nops;
	struct lfs_op ops[MAX_OPS];
};

static struct kase *cases;
static size_t ncases, capcases;

static void add_case(bool ro, const struct lfs_op *ops, size_t n)
{
	struct lfs_sb name = {}, group = {};
	struct kase *c;
	size_t i;

	if (n > MAX_OPS)
		lfs_die("case with %zu operations", n);
	if (ncases == capcases) {
		capcases = capcases ? 2 * capcases : 256;
		cases = realloc(cases, capcases * sizeof(*cases));
		if (!cases)
			lfs_die("out of memory");
	}
	c = &cases[ncases++];
	memset(c, 0, sizeof(*c));
	c->ro = ro;
	c->nops = n;
	memcpy(c->ops, ops, n * sizeof(*ops));
	if (ro)
		lfs_sb_printf(&name, "[ro view] ");
	if (n > 1) {
		lfs_sb_printf(&name, "[");
		for (i = 0; i + 1 < n; i++) {
			if (i)
				lfs_sb_printf(&name, "; ");
			lfs_op_name(&ops[i], &name);
		}
		lfs_sb_printf(&name, "] ");
	}
	lfs_op_name(&ops[n - 1], &name);
	lfs_op_name(&ops[n - 1], &group);
	c->name = name.s;
	*strchrnul(group.s, ' ') = '\0';
	c->group = group.s;
}

#define O(kind, ...) ((struct lfs_op){ .k = LFS_OP_##kind, __VA_ARGS__ })
#define OPS(...) ((const struct lfs_op[]){ __VA_ARGS__ })
#define NOPS(...) (sizeof(OPS(__VA_ARGS__)) / sizeof(struct lfs_op))
#define CS(...) add_case(false, OPS(__VA_ARGS__), NOPS(__VA_ARGS__))
#define RO(...) add_case(true, OPS(__VA_ARGS__), NOPS(__VA_ARGS__))

/* Set-ups: objects only in the upper; copied up; deleted (upper whiteout). */
#define MKUPPER \
	O(WRITE, .a = "u_file", .n = O_WRONLY | O_CREAT | O_EXCL, .s = "upper only\n", .off = -1), \
	O(MKDIR, .a = "u_dir", .n = 0755), \
	O(WRITE, .a = "u_dir/inner", .n = O_WRONLY | O_CREAT | O_EXCL, .s = "inner\n", .off = -1)
#define COPIED(p) O(COPYUP, .a = (p))
#define DELETED(p) O(UNLINK, .a = (p))

#define WRCREAT (O_WRONLY | O_CREAT | O_EXCL)

static const char *const existing[] = {
	".", "f_low", "f_shadow", "f_ro", "f_exec", "f_suid", "f_owned",
	"f_empty", "sparse", "hl_a", "hl_b", "sl_file", "sl_dangling",
	"sl_dir", "d_merged", "d_opq", "d_nonempty", "d_only_wh", "d_deep",
	"tc_dirfile", "tc_filedir", "x_file", "d_sgid", "d_sticky", "fifo",
	"chr", "d_empty", "x_dir", "x_file2", "f_mid", "l1_only", "d_l1",
	"sp ace", "hl_c", "hl_d", "d_merged/a", "d_merged/c", "d_merged/d",
	"d_merged/sub", "d_merged/sub/s1", "d_merged/sub/s2",
	"d_merged/sub/s3", "d_opq/z", "d_nonempty/e1", "d_deep/a",
	"d_deep/a/b/c/file", "tc_filedir/t1", "d_sgid/k", "d_sticky/own",
	"d_l1/m",
};

static const char *const hidden[] = {
	"wh_file", "wh_dir", "wh_dir/w1", "d_opq/x", "d_opq/y", "d_merged/b",
	"d_only_wh/p", "tc_dirfile/inner", "missing",
};

static const char *const dirs[] = {
	".", "d_merged", "d_merged/sub", "d_opq", "d_nonempty", "d_only_wh",
	"d_deep", "d_deep/a/b/c", "tc_filedir", "d_sgid", "d_sticky",
	"d_empty", "x_dir", "d_l1",
};

static const char *const files[] = {
	"f_low", "f_shadow", "hl_a", "sparse", "x_file", "f_suid", "f_empty",
	"d_deep/a/b/c/file", "d_merged/sub/s2",
};

static const char *const attr_targets[] = {
	"f_low", "hl_a", "f_suid", "x_file", "d_merged", "d_opq", "d_sgid",
	"fifo", "chr", "sl_file", "d_deep/a/b/c/file",
};

static void file_ops(const struct lfs_op *pre, size_t npre, const char *f)
{
	const struct lfs_op ops[] = {
		O(OPEN, .a = f, .n = O_WRONLY),
		O(OPEN, .a = f, .n = O_RDWR | O_TRUNC),
		O(WRITE, .a = f, .n = O_RDWR, .s = "XY", .off = 2),
		O(WRITE, .a = f, .n = O_WRONLY | O_APPEND, .s = "+app\n", .off = -1),
		O(TRUNC, .a = f, .n = 3),
		O(TRUNC, .a = f, .n = 100000),
	};
	struct lfs_op seq[MAX_OPS];
	size_t i;

	for (i = 0; i < LFS_ARRAY_SIZE(ops); i++) {
		memcpy(seq, pre, npre * sizeof(*pre));
		seq[npre] = ops[i];
		add_case(false, seq, npre + 1);
	}
}

static void attr_ops(const struct lfs_op *pre, size_t npre, const char *t)
{
	const struct lfs_op ops[] = {
		O(CHMOD, .a = t, .n = 0600),
		O(LCHOWN, .a = t, .n = 1234, .off = 5678),
		O(UTIMES, .a = t, .n = 1100000000, .off = 1200000000),
		O(SETX, .a = t, .b = "trusted.new", .s = "val"),
	};
	struct lfs_op seq[MAX_OPS];
	size_t i;

	for (i = 0; i < LFS_ARRAY_SIZE(ops); i++) {
		memcpy(seq, pre, npre * sizeof(*pre));
		seq[npre] = ops[i];
		add_case(false, seq, npre + 1);
	}
}

static void build_cases(void)
{
	size_t i;

	/* The trees as they are: every attribute of every object. */
	CS(O(NONE));
	RO(O(NONE));

	/* Copy-up fidelity, object by object. */
	for (i = 0; i < LFS_ARRAY_SIZE(existing); i++)
		CS(COPIED(existing[i]), O(INSPECT, .a = existing[i]));
	for (i = 0; i < LFS_ARRAY_SIZE(hidden); i++)
		CS(O(INSPECT, .a = hidden[i]));
	CS(MKUPPER, O(INSPECT, .a = "u_file"));
	CS(MKUPPER, O(INSPECT, .a = "u_dir"));

	/* st_ino across copy-up. */
	{
		static const char *const t[] = {
			"f_low", "f_shadow", "hl_a", "sparse", "d_merged",
			"d_empty", "sl_file", "fifo", "chr", "x_file",
			"d_deep/a/b/c/file",
		};

		for (i = 0; i < LFS_ARRAY_SIZE(t); i++)
			CS(O(INOCU, .a = t[i]));
	}

	/* Directory listings: names, d_type, d_ino = st_ino. */
	for (i = 0; i < LFS_ARRAY_SIZE(dirs); i++)
		CS(O(READDIR, .a = dirs[i]));
	CS(COPIED("d_merged"), O(READDIR, .a = "d_merged"));
	CS(COPIED("d_opq"), O(READDIR, .a = "d_opq"));
	CS(COPIED("d_only_wh"), O(READDIR, .a = "d_only_wh"));
	CS(COPIED("d_merged/sub/s1"), O(READDIR, .a = "d_merged/sub"));
	CS(MKUPPER, O(READDIR, .a = "."));
	CS(MKUPPER, O(READDIR, .a = "u_dir"));
	CS(DELETED("f_low"), O(READDIR, .a = "."));
	RO(O(READDIR, .a = "."));
	RO(O(READDIR, .a = "d_merged"));
	RO(O(READDIR, .a = "d_opq"));

	/* xattrs, read side. */
	CS(O(GETX, .a = "x_file", .b = "trusted.t1"));
	CS(O(GETX, .a = "x_file", .b = "security.s1"));
	CS(O(GETX, .a = "x_file", .b = "trusted.none"));
	CS(O(GETX, .a = "x_dir", .b = "trusted.d1"));
	CS(O(GETX, .a = "x_file2", .b = "trusted.a"));
	CS(O(GETX, .a = "d_opq", .b = "trusted.overlay.opaque"));
	CS(COPIED("d_opq"), O(GETX, .a = "d_opq", .b = "trusted.overlay.opaque"));
	CS(O(LISTX, .a = "x_file"));
	CS(O(LISTX, .a = "x_file2"));
	CS(O(LISTX, .a = "x_dir"));
	CS(O(LISTX, .a = "d_opq"));
	CS(O(LISTX, .a = "f_low"));
	CS(COPIED("x_file"), O(LISTX, .a = "x_file"));
	CS(COPIED("d_opq"), O(LISTX, .a = "d_opq"));
	CS(COPIED("x_dir"), O(LISTX, .a = "x_dir"));

	/* Through symlinks. */
	CS(O(READ, .a = "sl_file"));
	CS(O(READ, .a = "sl_dangling"));
	CS(O(READDIR, .a = "sl_dir"));
	CS(O(READ, .a = "sl_dir/a"));
	CS(O(READ, .a = "hl_b"));

	/* Opening and writing files. */
	for (i = 0; i < LFS_ARRAY_SIZE(files); i++)
		file_ops(NULL, 0, files[i]);
	file_ops(OPS(COPIED("f_low")), 1, "f_low");
	file_ops(OPS(MKUPPER), 3, "u_file");
	CS(O(MMAPW, .a = "f_low", .s = "MM", .off = 1));
	CS(O(MMAPW, .a = "sparse", .s = "MM", .off = 131072));
	CS(O(MMAPW, .a = "hl_a", .s = "MM", .off = 0));
	CS(O(OLDFD, .a = "f_low"));
	CS(O(OLDFD, .a = "hl_a"));
	CS(O(OLDFD, .a = "f_shadow"));
	CS(O(OLDFD, .a = "d_merged/sub/s1"));
	CS(O(OPEN, .a = "fifo", .n = O_WRONLY | O_NONBLOCK));
	CS(O(OPEN, .a = "fifo", .n = O_RDONLY | O_NONBLOCK));
	CS(O(OPEN, .a = "chr", .n = O_WRONLY));
	CS(O(WRITE, .a = "chr", .n = O_WRONLY, .s = "discarded", .off = -1));
	CS(O(OPEN, .a = "d_merged", .n = O_WRONLY));
	CS(O(OPEN, .a = "d_merged", .n = O_RDONLY | O_DIRECTORY));
	CS(O(OPEN, .a = "f_low", .n = O_RDONLY | O_DIRECTORY));
	CS(O(OPEN, .a = "sl_file", .n = O_RDONLY | O_NOFOLLOW));
	CS(O(OPEN, .a = "sl_file", .n = O_WRONLY));
	CS(O(WRITE, .a = "sl_file", .n = O_WRONLY | O_TRUNC, .s = "via link\n", .off = -1));
	CS(O(OPEN, .a = "f_low", .n = O_WRONLY | O_CREAT));
	CS(O(OPEN, .a = "f_low", .n = WRCREAT));
	CS(O(OPEN, .a = "d_merged", .n = WRCREAT));
	CS(O(OPEN, .a = "sl_dangling", .n = WRCREAT));
	CS(O(OPEN, .a = "sl_dangling", .n = O_WRONLY | O_CREAT));
	CS(O(OPEN, .a = "wh_dir/w1", .n = O_WRONLY | O_CREAT));
	CS(O(OPEN, .a = "wh_file", .n = O_WRONLY));
	RO(O(OPEN, .a = "f_low", .n = O_RDONLY));
	RO(O(OPEN, .a = "f_low", .n = O_WRONLY));
	RO(O(OPEN, .a = "f_low", .n = O_RDWR | O_TRUNC));
	RO(O(TRUNC, .a = "f_low", .n = 0));
	RO(O(OPEN, .a = "new", .n = WRCREAT));

	/* Attributes. */
	for (i = 0; i < LFS_ARRAY_SIZE(attr_targets); i++)
		attr_ops(NULL, 0, attr_targets[i]);
	attr_ops(OPS(COPIED("f_low")), 1, "f_low");
	attr_ops(OPS(COPIED("d_merged")), 1, "d_merged");
	attr_ops(OPS(MKUPPER), 3, "u_file");
	CS(O(CHOWN, .a = "sl_file", .n = 1234, .off = 5678));
	CS(O(CHMOD, .a = "f_low", .n = 04755));
	CS(O(CHMOD, .a = "d_merged", .n = 01777));
	CS(O(SETX, .a = "f_low", .b = "security.new", .s = "sv"));
	CS(O(SETX, .a = "d_merged", .b = "security.new", .s = "sv"));
	CS(O(SETX, .a = "x_file", .b = "trusted.t1", .s = "v2", .n = XATTR_REPLACE));
	CS(O(SETX, .a = "x_file", .b = "trusted.t1", .s = "v2", .n = XATTR_CREATE));
	CS(O(SETX, .a = "f_low", .b = "trusted.none", .s = "v", .n = XATTR_REPLACE));
	CS(O(SETX, .a = "d_merged", .b = "trusted.overlay.opaque", .s = "y"));
	CS(O(SETX, .a = "f_low", .b = "trusted.overlay.foo", .s = "1"));
	CS(COPIED("x_file"), O(SETX, .a = "x_file", .b = "trusted.t1", .s = "v3"));
	CS(O(REMOVEX, .a = "x_file", .b = "trusted.t1"));
	CS(O(REMOVEX, .a = "x_file", .b = "security.s1"));
	CS(O(REMOVEX, .a = "f_low", .b = "trusted.none"));
	CS(O(REMOVEX, .a = "x_dir", .b = "trusted.d1"));
	CS(O(REMOVEX, .a = "x_file2", .b = "trusted.b"));
	CS(O(REMOVEX, .a = "d_opq", .b = "trusted.overlay.opaque"));
	CS(COPIED("x_file"), O(REMOVEX, .a = "x_file", .b = "trusted.t1"));
	RO(O(CHMOD, .a = "f_low", .n = 0600));
	RO(O(LCHOWN, .a = "d_merged", .n = 1, .off = 1));
	RO(O(UTIMES, .a = "f_low", .n = 1100000000, .off = 1200000000));
	RO(O(SETX, .a = "f_low", .b = "trusted.new", .s = "v"));
	RO(O(REMOVEX, .a = "x_file", .b = "trusted.t1"));

	/* Creating files. */
	{
		static const char *const t[] = {
			"new", "d_merged/new", "d_deep/a/b/c/new", "d_opq/new",
			"d_opq/x", "wh_file", "d_merged/b", "d_sgid/new",
			"d_sticky/new", "tc_filedir/new", "x_dir/new",
			"d_l1/new", "d_only_wh/p", "d_empty/new", "wh_dir/new",
			"f_low/new",
		};

		for (i = 0; i < LFS_ARRAY_SIZE(t); i++)
			CS(O(WRITE, .a = t[i], .n = WRCREAT, .s = "new\n", .off = -1));
	}
	CS(DELETED("f_low"), O(WRITE, .a = "f_low", .n = WRCREAT, .s = "again\n", .off = -1));
	CS(DELETED("d_merged/a"), O(WRITE, .a = "d_merged/a", .n = WRCREAT, .s = "again\n", .off = -1));
	CS(DELETED("hl_a"), O(WRITE, .a = "hl_a", .n = WRCREAT, .s = "again\n", .off = -1));

	/* mkdir. */
	{
		static const char *const t[] = {
			"newd", "d_merged/newd", "wh_dir", "d_merged/b",
			"d_opq/x", "d_sgid/newd", "d_deep/a/b/c/newd",
			"d_merged/sub", "f_low", "d_only_wh/p", "wh_file",
			"wh_dir/w1",
		};

		for (i = 0; i < LFS_ARRAY_SIZE(t); i++)
			CS(O(MKDIR, .a = t[i], .n = 0750));
	}
	CS(O(RMDIR, .a = "d_empty"), O(MKDIR, .a = "d_empty", .n = 0750));
	CS(O(EMPTY, .a = "d_merged"), O(RMDIR, .a = "d_merged"),
	   O(MKDIR, .a = "d_merged", .n = 0750));
	CS(O(RMDIR, .a = "d_only_wh"), O(MKDIR, .a = "d_only_wh", .n = 0750));
	CS(DELETED("f_low"), O(MKDIR, .a = "f_low", .n = 0750));
	RO(O(MKDIR, .a = "newd", .n = 0750));

	/* mknod. */
	CS(O(MKNOD, .a = "newfifo", .n = S_IFIFO | 0644));
	CS(O(MKNOD, .a = "newchr", .n = S_IFCHR | 0644, .off = makedev(1, 3)));
	CS(O(MKNOD, .a = "d_merged/nf", .n = S_IFIFO | 0644));
	CS(O(MKNOD, .a = "wh_file", .n = S_IFIFO | 0644));
	CS(O(MKNOD, .a = "f_low", .n = S_IFIFO | 0644));
	CS(O(MKNOD, .a = "newwh", .n = S_IFCHR | 0644, .off = makedev(0, 0)));
	CS(O(MKNOD, .a = "d_merged/b", .n = S_IFCHR | 0644, .off = makedev(0, 0)));

	/* symlink. */
	CS(O(SYMLINK, .a = "newsl", .s = "f_low"));
	CS(O(SYMLINK, .a = "d_merged/newsl", .s = "../f_low"));
	CS(O(SYMLINK, .a = "f_low", .s = "x"));
	CS(O(SYMLINK, .a = "wh_file", .s = "x"));
	CS(O(SYMLINK, .a = "d_opq/x", .s = "y"));
	CS(DELETED("sl_file"), O(SYMLINK, .a = "sl_file", .s = "f_shadow"));
	RO(O(SYMLINK, .a = "newsl", .s = "f_low"));

	/* link. */
	{
		static const char *const t[][2] = {
			{ "f_low", "newlink" }, { "hl_a", "newlink" },
			{ "hl_a", "d_merged/hl" }, { "l1_only", "d_merged/lnk" },
			{ "f_low", "f_shadow" }, { "d_merged", "dirlink" },
			{ "fifo", "newfifo" }, { "sl_file", "newsl" },
			{ "f_low", "wh_file" }, { "wh_file", "newname" },
			{ "chr", "newchr" }, { "d_deep/a/b/c/file", "deeplink" },
			{ "hl_c", "d_l1/hl" }, { "x_file", "x_link" },
		};

		for (i = 0; i < LFS_ARRAY_SIZE(t); i++)
			CS(O(LINK, .a = t[i][0], .b = t[i][1]));
	}
	CS(COPIED("f_low"), O(LINK, .a = "f_low", .b = "newlink"));
	CS(COPIED("hl_a"), O(LINK, .a = "hl_b", .b = "newlink"));
	CS(MKUPPER, O(LINK, .a = "u_file", .b = "u_link"));
	CS(O(LINK, .a = "f_low", .b = "l1"), O(LINK, .a = "f_low", .b = "l2"));
	RO(O(LINK, .a = "f_low", .b = "newlink"));

	/* unlink. */
	{
		static const char *const t[] = {
			"f_low", "f_shadow", "f_mid", "l1_only", "hl_a",
			"sl_file", "sl_dangling", "fifo", "chr", "x_file",
			"sparse", "d_merged/a", "d_merged/c", "d_merged/d",
			"d_merged/sub/s2", "d_deep/a/b/c/file", "tc_dirfile",
			"sp ace", "d_merged", "wh_file", "d_opq/x", "missing",
			"d_sticky/own",
		};

		for (i = 0; i < LFS_ARRAY_SIZE(t); i++)
			CS(O(UNLINK, .a = t[i]));
	}
	CS(COPIED("f_low"), O(UNLINK, .a = "f_low"));
	CS(COPIED("hl_a"), O(UNLINK, .a = "hl_b"));
	CS(COPIED("hl_a"), O(UNLINK, .a = "hl_a"));
	CS(MKUPPER, O(UNLINK, .a = "u_file"));
	CS(MKUPPER, O(UNLINK, .a = "u_dir/inner"));
	CS(DELETED("f_low"), O(UNLINK, .a = "f_low"));
	RO(O(UNLINK, .a = "f_low"));

	/* rmdir. */
	{
		static const char *const t[] = {
			"d_empty", "d_nonempty", "d_only_wh", "d_opq",
			"d_merged", "wh_dir", "f_low", "tc_filedir", "x_dir",
			"d_l1", "d_deep/a/b/c", "sl_dir", "d_merged/sub",
		};

		for (i = 0; i < LFS_ARRAY_SIZE(t); i++)
			CS(O(RMDIR, .a = t[i]));
	}
	CS(O(EMPTY, .a = "d_merged"), O(RMDIR, .a = "d_merged"));
	CS(O(EMPTY, .a = "d_opq"), O(RMDIR, .a = "d_opq"));
	CS(O(UNLINK, .a = "d_nonempty/e1"), O(RMDIR, .a = "d_nonempty"));
	CS(O(EMPTY, .a = "d_deep"), O(RMDIR, .a = "d_deep"));
	CS(COPIED("d_empty"), O(RMDIR, .a = "d_empty"));
	CS(COPIED("d_only_wh"), O(RMDIR, .a = "d_only_wh"));
	CS(MKUPPER, O(RMDIR, .a = "u_dir"));
	CS(MKUPPER, O(UNLINK, .a = "u_dir/inner"), O(RMDIR, .a = "u_dir"));
	RO(O(RMDIR, .a = "d_empty"));

	/* rename, plain. */
	{
		static const char *const t[][2] = {
			{ "f_low", "f_new" }, { "f_low", "d_merged/f_new" },
			{ "f_low", "f_shadow" }, { "f_low", "d_merged" },
			{ "d_empty", "f_low" }, { "hl_a", "hl_b" },
			{ "f_low", "f_low" }, { "l1_only", "l1_renamed" },
			{ "sl_file", "sl_new" }, { "fifo", "fifo_new" },
			{ "chr", "chr_new" }, { "d_merged/a", "d_merged/zz" },
			{ "d_merged/a", "d_opq/x" }, { "f_low", "wh_file" },
			{ "d_deep/a/b/c/file", "file2" }, { "x_file", "x_new" },
			{ "f_shadow", "d_merged/c" }, { "sparse", "sp_new" },
			{ "hl_a", "hl_new" }, { "wh_file", "x" },
			{ "d_empty", "d_new" }, { "d_merged", "d_new" },
			{ "d_only_wh", "d_new" }, { "d_opq", "d_new" },
			{ "d_l1", "d_l1_new" }, { "d_empty", "d_nonempty" },
			{ "d_empty", "d_only_wh" }, { "d_empty", "wh_dir" },
			{ "tc_filedir", "d_new" }, { "d_merged/sub", "d_merged/sub2" },
			{ "d_empty", "d_merged/sub" }, { "d_merged", "d_merged/sub/x" },
		};

		for (i = 0; i < LFS_ARRAY_SIZE(t); i++)
			CS(O(RENAME, .a = t[i][0], .b = t[i][1]));
	}
	CS(MKUPPER, O(RENAME, .a = "u_dir", .b = "u_dir2"));
	CS(MKUPPER, O(RENAME, .a = "u_dir", .b = "d_empty"));
	CS(MKUPPER, O(RENAME, .a = "u_dir", .b = "d_only_wh"));
	CS(MKUPPER, O(RENAME, .a = "u_dir", .b = "d_nonempty"));
	CS(MKUPPER, O(RENAME, .a = "u_dir", .b = "d_merged/u_dir"));
	CS(MKUPPER, O(RENAME, .a = "u_file", .b = "f_low"));
	CS(MKUPPER, O(RENAME, .a = "u_file", .b = "d_merged/u"));
	CS(MKUPPER, O(RENAME, .a = "f_low", .b = "u_file"));
	CS(COPIED("f_low"), O(RENAME, .a = "f_low", .b = "f_new"));
	CS(COPIED("d_empty"), O(RENAME, .a = "d_empty", .b = "d_new"));
	CS(DELETED("f_low"), O(RENAME, .a = "f_shadow", .b = "f_low"));
	CS(O(RENAME, .a = "f_low", .b = "f_new"), O(RENAME, .a = "f_new", .b = "f_low"));
	RO(O(RENAME, .a = "f_low", .b = "f_new"));

	/* rename with flags. */
	{
		static const char *const t[][2] = {
			{ "f_low", "f_shadow" }, { "f_low", "f_new" },
			{ "f_low", "wh_file" }, { "d_merged/a", "d_merged/b" },
			{ "d_empty", "d_nonempty" }, { "d_empty", "wh_dir" },
		};

		for (i = 0; i < LFS_ARRAY_SIZE(t); i++)
			CS(O(RENAME, .a = t[i][0], .b = t[i][1], .n = RENAME_NOREPLACE));
	}
	CS(MKUPPER, O(RENAME, .a = "u_file", .b = "f_low", .n = RENAME_NOREPLACE));
	CS(MKUPPER, O(RENAME, .a = "u_dir", .b = "d_empty", .n = RENAME_NOREPLACE));
	CS(MKUPPER, O(RENAME, .a = "u_dir", .b = "wh_dir", .n = RENAME_NOREPLACE));
	{
		static const char *const t[][2] = {
			{ "f_low", "f_shadow" }, { "f_low", "d_empty" },
			{ "f_low", "missing" }, { "l1_only", "d_merged/a" },
			{ "hl_a", "hl_b" }, { "f_low", "wh_file" },
			{ "d_merged", "d_opq" }, { "sl_file", "fifo" },
			{ "f_low", "f_low" },
		};

		for (i = 0; i < LFS_ARRAY_SIZE(t); i++)
			CS(O(RENAME, .a = t[i][0], .b = t[i][1], .n = RENAME_EXCHANGE));
	}
	CS(MKUPPER, O(RENAME, .a = "u_file", .b = "f_low", .n = RENAME_EXCHANGE));
	CS(MKUPPER, O(RENAME, .a = "u_dir", .b = "d_merged", .n = RENAME_EXCHANGE));
	CS(MKUPPER, O(RENAME, .a = "u_file", .b = "u_dir", .n = RENAME_EXCHANGE));
	CS(MKUPPER, O(RENAME, .a = "u_dir/inner", .b = "d_merged/a", .n = RENAME_EXCHANGE));
	CS(COPIED("f_low"), COPIED("f_shadow"),
	   O(RENAME, .a = "f_low", .b = "f_shadow", .n = RENAME_EXCHANGE));
	CS(O(RENAME, .a = "f_low", .b = "f_new", .n = RENAME_WHITEOUT));
	RO(O(RENAME, .a = "f_low", .b = "f_shadow", .n = RENAME_EXCHANGE));

	/* Open files across namespace changes and copy-up. */
	CS(O(OPENFD, .a = "f_low", .n = O_RDONLY), O(UNLINK, .a = "f_low"),
	   O(FDREAD));
	CS(O(OPENFD, .a = "f_low", .n = O_RDWR), O(FDWRITE, .s = "W1", .n = 0),
	   O(UNLINK, .a = "f_low"), O(FDREAD));
	CS(O(OPENFD, .a = "f_low", .n = O_RDONLY),
	   O(WRITE, .a = "f_low", .n = O_WRONLY | O_TRUNC, .s = "x\n", .off = -1),
	   O(FDREAD));
	CS(O(OPENFD, .a = "f_low", .n = O_RDONLY),
	   O(RENAME, .a = "f_low", .b = "f_new"), O(FDREAD));
	CS(O(OPENFD, .a = "f_low", .n = O_RDONLY), O(TRUNC, .a = "f_low", .n = 2),
	   O(FDREAD));
	CS(O(OPENFD, .a = "hl_a", .n = O_RDONLY),
	   O(OPENFD, .a = "hl_b", .n = O_RDWR, .off = 1),
	   O(FDWRITE, .s = "HB", .n = 0, .off = 1), O(FDREAD));
	CS(O(OPENFD, .a = "d_merged/sub/s1", .n = O_RDWR),
	   O(RENAME, .a = "d_merged/sub", .b = "d_merged/sub9"),
	   O(FDWRITE, .s = "S", .n = 0), O(FDREAD));
	CS(O(OPENFD, .a = "f_low", .n = O_RDWR), O(CHMOD, .a = "f_low", .n = 0),
	   O(FDWRITE, .s = "C", .n = 0), O(FDREAD));
}

/* --- allowlist -------------------------------------------------------- */

struct allow {
	char *case_glob, *kind_glob, *reason;
	unsigned int used;
};
static struct allow *allows;
static size_t nallows;

static char *trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\n'))
		*--e = '\0';
	return s;
}

static void load_allowlist(const char *path)
{
	char line[4096];
	unsigned int lineno = 0;
	FILE *f = fopen(path, "r");

	if (!f)
		lfs_die("allowlist %s: %m", path);
	while (fgets(line, sizeof(line), f)) {
		char *p = trim(line), *k, *r;

		lineno++;
		if (!*p || *p == '#')
			continue;
		k = strchr(p, '|');
		r = k ? strchr(k + 1, '|') : NULL;
		if (!r)
			lfs_die("%s:%u: want 'CASE-GLOB | KIND-GLOB | reason'", path, lineno);
		*k++ = '\0';
		*r++ = '\0';
		allows = realloc(allows, (nallows + 1) * sizeof(*allows));
		if (!allows)
			lfs_die("out of memory");
		allows[nallows].case_glob = lfs_strdup(trim(p));
		allows[nallows].kind_glob = lfs_strdup(trim(k));
		allows[nallows].reason = lfs_strdup(trim(r));
		if (!*allows[nallows].reason)
			lfs_die("%s:%u: a reason is required", path, lineno);
		allows[nallows].used = 0;
		nallows++;
	}
	fclose(f);
}

static struct allow *allowed(const char *name, const char *kind)
{
	size_t i;

	for (i = 0; i < nallows; i++)
		if (!fnmatch(allows[i].case_glob, name, 0) &&
		    !fnmatch(allows[i].kind_glob, kind, 0))
			return &allows[i];
	return NULL;
}

/* --- running ---------------------------------------------------------- */

/*
 * Cases run on --jobs worker threads (default 2: the guest has two CPUs
 * and much of a case is waiting in mount and umount), each with its own
 * mount points and uppers; the main thread reports them in order.
 */

struct diff {
	char *kind;
	char *msg;
	struct allow *allow;
};

struct diffs {
	const struct kase *c;
	const char *prefix;	/* tree, disk, rdisk */
	const char *la, *lb;	/* labels of the two sides */
	struct diff *d;
	size_t n, cap;
};

static void diffs_add(struct diffs *ds, const char *kind, char *msg)
{
	if (ds->n == ds->cap) {
		ds->cap = ds->cap ? 2 * ds->cap : 16;
		ds->d = realloc(ds->d, ds->cap * sizeof(*ds->d));
		if (!ds->d)
			lfs_die("out of memory");
	}
	ds->d[ds->n].kind = lfs_strdup(kind);
	ds->d[ds->n].msg = msg;
	ds->d[ds->n].allow = allowed(ds->c->name, kind);
	ds->n++;
}

static void diffs_report(void *ctx, const char *field, const char *path,
			 const char *a, const char *b)
{
	struct diffs *ds = ctx;
	char *kind = lfs_printf("%s:%s", ds->prefix, field);

	diffs_add(ds, kind, lfs_printf("%s %s: %s=%s, %s=%s", path, field,
				       ds->la, a ? a : "(absent)",
				       ds->lb, b ? b : "(absent)"));
	free(kind);
}

static const char *base, *layers_opt;
static bool self_test, verbose, rdisk, full_disk, full_snapshots;

/* One worker: its directories and where its time went. */
struct worker {
	pthread_t thread;
	char *m_a, *m_b, *u_a, *w_a, *u_b, *w_b, *w_c;
	double t_mount, t_ops, t_snap, t_clean;
	bool fast;		/* fast snapshots for the current case */
};

/* A case's outcome, handed from a worker to the main thread. */
struct outcome {
	struct diffs ds;
	char *result;		/* overlayfs's result, for -v */
	bool skipped;		/* not run: the time budget was spent */
	bool done;
};

static double budget, t_start;
/* Seconds a case may take before the driver gives up on it. */
#define CASE_TIMEOUT 60	/* --budget seconds (0: none), start time */

static struct kase **todo;	/* the cases selected, in order */
static struct outcome *outcomes;
static size_t ntodo, next_todo;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t done_cond = PTHREAD_COND_INITIALIZER;

struct side {
	int mount_err;
	struct lfs_sb res;
	struct lfs_snap snap;
};

static int mount_view(struct worker *w, bool lfs, const char *upper,
		      const char *work, const char *target)
{
	double t0 = lfs_now();
	int err;

	if (lfs && !self_test)
		err = lfs_mount_lfs(layers_opt, upper, work, target);
	else
		err = lfs_mount_ovl(base, layers, LFS_ARRAY_SIZE(layers), upper,
				    work, target);
	w->t_mount += lfs_now() - t0;
	return err;
}

static void umount_view(struct worker *w, const char *target)
{
	double t0 = lfs_now();
	int err = lfs_umount(target);

	if (err)
		lfs_die("umount %s: %s", target, strerror(err));
	w->t_mount += lfs_now() - t0;
}

static void snap(struct worker *w, const char *root, struct lfs_snap *s,
		 const char *what)
{
	double t0 = lfs_now();

	lfs_snap_take(root, s, w->fast);
	w->t_snap += lfs_now() - t0;
	if (getenv("LFS_TIMES"))
		fprintf(stderr, "# snapshot %s: %.3f s, %zu entries\n", what,
			lfs_now() - t0, s->n);
}

static void fresh_dir(struct worker *w, const char *path)
{
	double t0 = lfs_now();

	if (lfs_rm_rf(path))
		lfs_die("cannot remove %s", path);
	if (lfs_mkdir_p(path, 0755))
		lfs_die("mkdir %s: %m", path);
	w->t_clean += lfs_now() - t0;
}

static void run_side(struct worker *w, bool lfs, const struct kase *c,
		     const char *upper, const char *work, const char *target,
		     struct side *s)
{
	struct lfs_opctx ctx;
	double t0;
	size_t i;

	memset(s, 0, sizeof(*s));
	s->mount_err = mount_view(w, lfs, c->ro ? NULL : upper,
				  c->ro ? NULL : work, target);
	if (s->mount_err)
		return;
	t0 = lfs_now();
	lfs_opctx_init(&ctx);
	for (i = 0; i < c->nops; i++) {
		if (i)
			lfs_sb_printf(&s->res, " | ");
		lfs_op_run(&ctx, target, &c->ops[i], &s->res);
	}
	lfs_opctx_close(&ctx);
	w->t_ops += lfs_now() - t0;
	snap(w, target, &s->snap, lfs ? "layerfs" : "overlayfs");
	umount_view(w, target);
}

/* Mounts @upper (fresh work) and snapshots it. */
static int snap_upper(struct worker *w, bool lfs, const char *upper,
		      struct lfs_snap *out)
{
	int err;

	fresh_dir(w, w->w_c);
	memset(out, 0, sizeof(*out));
	err = mount_view(w, lfs, upper, w->w_c, w->m_a);
	if (err)
		return err;
	snap(w, w->m_a, out, lfs ? "layerfs on the overlayfs upper" :
	     "overlayfs on an upper");
	umount_view(w, w->m_a);
	return 0;
}

static void run_case(struct worker *w, size_t idx, const struct kase *c,
		     struct outcome *out)
{
	struct side a, b;
	struct diffs *ds = &out->ds;
	struct lfs_snap sa, sb, sc;
	const char *la = "overlayfs", *lb = self_test ? "overlayfs(2)" : "layerfs";
	int err;

	memset(ds, 0, sizeof(*ds));
	ds->c = c;
	/* The cases that change nothing read every object in full. */
	w->fast = !full_snapshots && !(c->nops == 1 && c->ops[0].k == LFS_OP_NONE);
	fresh_dir(w, w->u_a);
	fresh_dir(w, w->w_a);
	fresh_dir(w, w->u_b);
	fresh_dir(w, w->w_b);
	run_side(w, false, c, w->u_a, w->w_a, w->m_a, &a);
	if (a.mount_err)
		lfs_die("case %zu: cannot mount overlayfs: %s", idx + 1,
			strerror(a.mount_err));
	run_side(w, true, c, w->u_b, w->w_b, w->m_b, &b);

	if (b.mount_err) {
		diffs_add(ds, "mount", lfs_printf("mount: %s=ok, %s=%s", la, lb,
						  lfs_errname(b.mount_err)));
	} else {
		if (strcmp(lfs_sb_str(&a.res), lfs_sb_str(&b.res)))
			diffs_add(ds, "result", lfs_printf("%s=%s, %s=%s", la,
							   lfs_sb_str(&a.res), lb,
							   lfs_sb_str(&b.res)));
		ds->prefix = "tree";
		ds->la = la;
		ds->lb = lb;
		lfs_snap_compare(&a.snap, &b.snap, LFS_FIELDS_ALL, diffs_report, ds);
	}

	if (!c->ro && !b.mount_err) {
		/*
		 * On-disk: overlayfs reading the layerfs upper must show what
		 * overlayfs showed over its own (as mounted then, or, with
		 * --full-disk, mounted again), and so must layerfs reading
		 * the overlayfs upper.
		 */
		const struct lfs_snap *ref = &a.snap;

		if (full_disk) {
			err = snap_upper(w, false, w->u_a, &sa);
			if (err)
				lfs_die("case %zu: overlayfs cannot mount its own upper again: %s",
					idx + 1, strerror(err));
			ref = &sa;
		}
		err = snap_upper(w, false, w->u_b, &sb);
		if (err) {
			diffs_add(ds, "disk:mount",
				  lfs_printf("overlayfs cannot mount the %s upper: %s",
					     lb, lfs_errname(err)));
		} else {
			ds->prefix = "disk";
			ds->la = "overlayfs upper";
			ds->lb = self_test ? "overlayfs(2) upper" : "layerfs upper";
			lfs_snap_compare(ref, &sb, LFS_FIELDS_ALL, diffs_report, ds);
			lfs_snap_free(&sb);
		}
		if (rdisk) {
			err = snap_upper(w, true, w->u_a, &sc);
			if (err) {
				diffs_add(ds, "rdisk:mount",
					  lfs_printf("%s cannot mount the overlayfs upper: %s",
						     lb, lfs_errname(err)));
			} else {
				ds->prefix = "rdisk";
				ds->la = "overlayfs";
				ds->lb = lb;
				lfs_snap_compare(ref, &sc, LFS_FIELDS_ALL, diffs_report, ds);
				lfs_snap_free(&sc);
			}
		}
		if (full_disk)
			lfs_snap_free(&sa);
	}
	out->result = lfs_strdup(lfs_sb_str(&a.res));
	lfs_sb_free(&a.res);
	lfs_sb_free(&b.res);
	lfs_snap_free(&a.snap);
	lfs_snap_free(&b.snap);
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	size_t i;

	for (;;) {
		pthread_mutex_lock(&lock);
		i = next_todo++;
		pthread_mutex_unlock(&lock);
		if (i >= ntodo)
			return NULL;
		if (budget > 0 && lfs_now() - t_start > budget)
			outcomes[i].skipped = true;
		else
			run_case(w, i, todo[i], &outcomes[i]);
		pthread_mutex_lock(&lock);
		outcomes[i].done = true;
		pthread_cond_broadcast(&done_cond);
		pthread_mutex_unlock(&lock);
	}
}

struct stats {
	size_t ok, allowed, bad, ino_only, skipped;
};

static size_t kind_count_n;
static struct { char *kind; size_t n, allowed; } kind_counts[256];

static void count_kind(const char *kind, bool allow)
{
	size_t i;

	for (i = 0; i < kind_count_n; i++)
		if (!strcmp(kind_counts[i].kind, kind))
			break;
	if (i == kind_count_n) {
		if (i == LFS_ARRAY_SIZE(kind_counts))
			return;
		kind_counts[i].kind = lfs_strdup(kind);
		kind_count_n++;
	}
	if (allow)
		kind_counts[i].allowed++;
	else
		kind_counts[i].n++;
}

static size_t ngroups;
static struct { char *name; size_t ok, bad; } groups[64];

static void count_group(const struct kase *c, bool ok)
{
	size_t i;

	for (i = 0; i < ngroups; i++)
		if (!strcmp(groups[i].name, c->group))
			break;
	if (i == ngroups) {
		if (i == LFS_ARRAY_SIZE(groups))
			return;
		groups[i].name = c->group;
		ngroups++;
	}
	if (ok)
		groups[i].ok++;
	else
		groups[i].bad++;
}

/* Prints case @num (1-based) and counts it; a kind counts once per case. */
static void report_case(size_t num, const struct kase *c, struct outcome *out,
			struct stats *st)
{
	struct diffs *ds = &out->ds;
	struct allow *first_allow = NULL;
	size_t i, j, nbad = 0;

	if (out->skipped) {
		printf("ok %zu - %s # SKIP time budget (%.0f s) spent\n", num, c->name,
		       budget);
		st->skipped++;
		return;
	}

	for (i = 0; i < ds->n; i++) {
		for (j = 0; j < i; j++)
			if (!strcmp(ds->d[j].kind, ds->d[i].kind))
				break;
		if (j == i)
			count_kind(ds->d[i].kind, ds->d[i].allow);
		if (ds->d[i].allow) {
			ds->d[i].allow->used++;
			first_allow = ds->d[i].allow;
		} else {
			nbad++;
		}
	}
	if (!ds->n) {
		printf("ok %zu - %s\n", num, c->name);
		st->ok++;
		if (verbose)
			printf("#   result: %s\n", out->result);
	} else if (!nbad) {
		printf("ok %zu - %s # allowed: %s\n", num, c->name, first_allow->reason);
		st->allowed++;
	} else {
		for (i = 0; i < ds->n && ds->d[i].allow; i++)
			;
		printf("not ok %zu - %s: %s\n", num, c->name, ds->d[i].msg);
		st->bad++;
		for (i = 0; i < ds->n; i++)
			if (!ds->d[i].allow && !strstr(ds->d[i].kind, ":ino"))
				break;
		if (i == ds->n)
			st->ino_only++;
	}
	if (ds->n && (nbad || verbose)) {
		for (i = 0; i < ds->n; i++) {
			if (!verbose && i == 12) {
				printf("#   ... %zu more differences\n", ds->n - i);
				break;
			}
			printf("#   %s%s: %s\n", ds->d[i].kind,
			       ds->d[i].allow ? " (allowed)" : "", ds->d[i].msg);
		}
	}
	count_group(c, nbad == 0);
	fflush(stdout);

	for (i = 0; i < ds->n; i++) {
		free(ds->d[i].kind);
		free(ds->d[i].msg);
	}
	free(ds->d);
	free(out->result);
}

static int usage(void)
{
	fprintf(stderr,
		"usage: lfs-semantics mkfixture DIR\n"
		"       lfs-semantics run DIR LAYERS [-a ALLOWLIST] [-k GLOB] [-x GLOB] [-j JOBS] [-v]\n"
		"                         [--budget SECONDS] [--self] [--rdisk] [--full-disk] [--full]\n"
		"       lfs-semantics list\n");
	return 2;
}

static int cmd_run(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "allow", required_argument, NULL, 'a' },
		{ "only", required_argument, NULL, 'k' },
		{ "exclude", required_argument, NULL, 'x' },
		{ "jobs", required_argument, NULL, 'j' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "self", no_argument, NULL, 'S' },
		{ "rdisk", no_argument, NULL, 'R' },
		{ "full", no_argument, NULL, 'f' },
		{ "budget", required_argument, NULL, 'b' },
		{ "full-disk", no_argument, NULL, 'F' },
		{}
	};
	double t_mount = 0, t_ops = 0, t_snap = 0, t_clean = 0, t0;
	const char *only = NULL, *skip = NULL;
	struct worker *workers;
	struct stats st = {};
	size_t i, njobs = 2;
	int opt;

	while ((opt = getopt_long(argc, argv, "a:k:x:j:v", opts, NULL)) != -1) {
		switch (opt) {
		case 'a':
			load_allowlist(optarg);
			break;
		case 'k':
			only = optarg;
			break;
		case 'x':
			skip = optarg;
			break;
		case 'j':
			njobs = strtoul(optarg, NULL, 10);
			break;
		case 'v':
			verbose = true;
			break;
		case 'S':
			self_test = true;
			break;
		case 'R':
			rdisk = true;
			break;
		case 'f':
			full_snapshots = true;
			break;
		case 'b':
			budget = strtod(optarg, NULL);
			break;
		case 'F':
			full_disk = true;
			break;
		default:
			return usage();
		}
	}
	if (argc - optind != 2 || njobs < 1 || njobs > 64)
		return usage();
	base = argv[optind];
	layers_opt = argv[optind + 1];

	lfs_inomap_load(base, layers, LFS_ARRAY_SIZE(layers));
	build_cases();
	todo = calloc(ncases, sizeof(*todo));
	outcomes = calloc(ncases, sizeof(*outcomes));
	workers = calloc(njobs, sizeof(*workers));
	if (!todo || !outcomes || !workers)
		lfs_die("out of memory");
	for (i = 0; i < ncases; i++)
		if ((!only || !fnmatch(only, cases[i].name, 0)) &&
		    (!skip || fnmatch(skip, cases[i].name, 0)))
			todo[ntodo++] = &cases[i];
	printf("# %zu cases, %zu jobs\n", ntodo, njobs);

	t0 = t_start = lfs_now();
	for (i = 0; i < njobs; i++) {
		struct worker *w = &workers[i];

		w->m_a = lfs_printf("%s/run%zu/ma", base, i);
		w->m_b = lfs_printf("%s/run%zu/mb", base, i);
		w->u_a = lfs_printf("%s/run%zu/a/upper", base, i);
		w->w_a = lfs_printf("%s/run%zu/a/work", base, i);
		w->u_b = lfs_printf("%s/run%zu/b/upper", base, i);
		w->w_b = lfs_printf("%s/run%zu/b/work", base, i);
		w->w_c = lfs_printf("%s/run%zu/c/work", base, i);
		fresh_dir(w, w->m_a);
		fresh_dir(w, w->m_b);
		if (pthread_create(&w->thread, NULL, worker_main, w))
			lfs_die("pthread_create failed");
	}
	for (i = 0; i < ntodo; i++) {
		struct timespec limit;
		int err = 0;

		/*
		 * A worker killed by a kernel oops never finishes its case:
		 * say which case it was rather than wait for the runner's
		 * timeout.
		 */
		clock_gettime(CLOCK_REALTIME, &limit);
		limit.tv_sec += CASE_TIMEOUT;
		pthread_mutex_lock(&lock);
		while (!outcomes[i].done && err != ETIMEDOUT)
			err = pthread_cond_timedwait(&done_cond, &lock, &limit);
		pthread_mutex_unlock(&lock);
		if (!outcomes[i].done) {
			printf("not ok %zu - %s: did not finish within %d s (a kernel oops or hang? see the kernel log)\n",
			       i + 1, todo[i]->name, CASE_TIMEOUT);
			printf("# semantics: gave up at case %zu of %zu, %zu ok, %zu ok with allowed differences, %zu not ok\n",
			       i + 1, ntodo, st.ok, st.allowed, st.bad + 1);
			fflush(stdout);
			_exit(1);
		}
		report_case(i + 1, todo[i], &outcomes[i], &st);
	}
	for (i = 0; i < njobs; i++) {
		pthread_join(workers[i].thread, NULL);
		t_mount += workers[i].t_mount;
		t_ops += workers[i].t_ops;
		t_snap += workers[i].t_snap;
		t_clean += workers[i].t_clean;
	}

	printf("# by operation (the last of the case):\n");
	for (i = 0; i < ngroups; i++)
		printf("#   %-12s %3zu cases: %3zu ok, %3zu not ok\n", groups[i].name,
		       groups[i].ok + groups[i].bad, groups[i].ok, groups[i].bad);
	if (kind_count_n) {
		printf("# cases with each kind of difference:\n");
		for (i = 0; i < kind_count_n; i++)
			printf("#   %-16s %3zu (+%zu allowed)\n", kind_counts[i].kind,
			       kind_counts[i].n, kind_counts[i].allowed);
	}
	for (i = 0; i < nallows; i++)
		if (!allows[i].used)
			printf("# allowlist entry never used: %s | %s\n",
			       allows[i].case_glob, allows[i].kind_glob);
	printf("# cases whose only differences are in st_ino: %zu\n", st.ino_only);
	printf("# time (all jobs): mount/umount %.1f s, operations %.1f s, snapshots %.1f s, cleaning %.1f s\n",
	       t_mount, t_ops, t_snap, t_clean);
	if (st.skipped)
		printf("# %zu cases skipped: the time budget of %.0f s was spent (make it larger with --budget)\n",
		       st.skipped, budget);
	printf("# semantics: %zu cases, %zu ok, %zu ok with allowed differences, %zu not ok, %zu skipped, %.1f s\n",
	       ntodo, st.ok, st.allowed, st.bad, st.skipped, lfs_now() - t0);
	return st.bad ? 1 : 0;
}

int main(int argc, char **argv)
{
	size_t i;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc < 2)
		return usage();
	if (!strcmp(argv[1], "mkfixture") && argc == 3) {
		lfs_fixture_build(argv[2], fixture, LFS_ARRAY_SIZE(fixture));
		return 0;
	}
	if (!strcmp(argv[1], "list") && argc == 2) {
		build_cases();
		for (i = 0; i < ncases; i++)
			printf("%zu %s\n", i + 1, cases[i].name);
		return 0;
	}
	if (!strcmp(argv[1], "run"))
		return cmd_run(argc - 1, argv + 1);
	return usage();
}
