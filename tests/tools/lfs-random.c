// SPDX-License-Identifier: GPL-2.0
/*
 * lfs-random: seeded random-operation differential test, layerfs against
 * overlayfs.
 *
 *   lfs-random mkfixture DIR
 *   lfs-random run DIR LAYERS [--seeds SPEC] [--steps N] [--budget SECONDS]
 *                             [--avoid PATH,...] [--strict-private] [--full]
 *                             [--self] [--inject] [-v]
 *
 * mkfixture builds three small lower layers DIR/r1 (top), r2, r3 (bottom)
 * with merged and opaque directories, whiteouts, hard links, a symlink, a
 * fifo and xattrs.  run mounts them twice, as overlayfs (lowerdir=r1:r2:r3)
 * and as the layerfs view LAYERS (a layers= value), each with a fresh
 * upper, and for each seed applies the same random sequence of operations
 * (create, write, append, truncate, unlink, mkdir, rmdir, rename with and
 * without NOREPLACE/EXCHANGE, link, symlink, mknod, chmod, chown,
 * setxattr, removexattr, reads, and writes through descriptors held open
 * across steps) to both.  After every step it compares the operation's
 * result and the two merged trees (names, types, modes, owners, sizes,
 * content hashes, link counts, xattrs); after the last step it unmounts,
 * mounts both again and compares again, then compares the two uppers as
 * overlayfs reads them.
 *
 * SPEC: N (seeds 1..N), A-B, or A,B,C.  On a mismatch it prints the seed,
 * the step, the operation and the difference, then replays on fresh mounts
 * to confirm it and find the shortest failing prefix, and shrinks that
 * prefix by dropping operations while the same kind of difference remains
 * (a minimal reproducer, printed one operation per line).
 *
 * Snapshots take the content and xattrs of untouched lower objects from the
 * fixture (see lfs_describe()); --full reads everything through the
 * mounts.  --budget: start no new seed after SECONDS (the rest are
 * reported as skipped).  --avoid: no operation names these paths or
 * anything below them (to look past a known bug, e.g. --avoid hl1,hl2 for
 * the lower hard links).  Differences only in layerfs's private
 * trusted.layerfs.* xattrs (overlayfs shows them when it mounts a layerfs
 * upper) are ignored, as tests/guest/semantics-differences.txt allows
 * them, unless --strict-private.  --self mounts overlayfs twice (a harness check on
 * any kernel); with --inject, chmod on the second mount also sets o+x, to
 * see a mismatch reported and shrunk.
 *
 * Exit status: 0 if every seed matched, 1 if not, 2 if the harness failed.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "lfs-common.h"
#include "lfs-fuzz.h"
#include "lfs-ops.h"

#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE (1 << 0)
#endif
#ifndef RENAME_EXCHANGE
#define RENAME_EXCHANGE (1 << 1)
#endif

static const char *const layers[] = { "r1", "r2", "r3" };

/* Positional: path, type, mode, data, uid, gid, xattrs, size. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
static const struct lfs_fx fixture[] = {
	{ "r3/a", 'f', 0644, "a bottom\n" },
	{ "r3/b", 'f', 0600, "b bottom\n", 1000, 1000 },
	{ "r3/d1", 'd', 0755 },
	{ "r3/d1/x", 'f', 0644, "x\n" },
	{ "r3/d1/y", 'f', 0644, "y\n" },
	{ "r3/d1/sub", 'd', 0755 },
	{ "r3/d1/sub/z", 'f', 0644, "z\n" },
	{ "r3/d2", 'd', 0755 },
	{ "r3/d2/p", 'f', 0644, "p\n" },
	{ "r3/hl1", 'f', 0644, "hard\n" },
	{ "r3/hl2", 'h', 0, "r3/hl1" },
	{ "r3/s1", 'l', 0, "a" },
	{ "r3/f3", 'f', 0644, "gone\n" },
	{ "r3/xf", 'f', 0644, "xattr\n", 0, 0, "trusted.k=v;security.s=t" },
	{ "r2/a", 'f', 0644, "a middle\n" },
	{ "r2/d1", 'd', 0755 },
	{ "r2/d1/w", 'f', 0644, "w\n" },
	{ "r2/d1/x", 'w' },
	{ "r2/d2", 'd', 0755, NULL, 0, 0, "trusted.overlay.opaque=y" },
	{ "r2/d2/q", 'f', 0644, "q\n" },
	{ "r2/f3", 'w' },
	{ "r2/c", 'p', 0644 },
	{ "r2/d3", 'd', 0700 },
	{ "r2/d3/m", 'f', 0644, "m\n" },
	{ "r1/d1", 'd', 0775 },
	{ "r1/d1/v", 'f', 0644, "v\n" },
	{ "r1/e", 'f', 0644, "e top\n" },
	{ "r1/d4", 'd', 0755 },
};
#pragma GCC diagnostic pop

#define FIELDS ((1u << LFS_F_TYPE) | (1u << LFS_F_MODE) | (1u << LFS_F_UID) | \
		(1u << LFS_F_GID) | (1u << LFS_F_SIZE) | (1u << LFS_F_NLINK) | \
		(1u << LFS_F_DATA) | (1u << LFS_F_XATTR))

static const char *base, *layers_opt;
static bool self_test, verbose, full_snapshots;
/* --inject (with --self): chmod on the second mount sets o+x too. */
static bool inject;
static char *m_a, *m_b, *u_a, *w_a, *u_b, *w_b, *w_c;

/* --- random numbers ---------------------------------------------------- */

static unsigned int pick(unsigned int n)
{
	return lfs_rnd64() % n;
}

/* --- sequences ---------------------------------------------------------- */

struct seq {
	struct lfs_op *ops;
	size_t n, cap;
};

static void seq_push(struct seq *s, const struct lfs_op *op)
{
	if (s->n == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 64;
		s->ops = realloc(s->ops, s->cap * sizeof(*s->ops));
		if (!s->ops)
			lfs_die("out of memory");
	}
	s->ops[s->n++] = *op;
}

/* Strings of generated operations live until the program ends. */
static const char *keep(char *s)
{
	return s;
}

static const char *rand_data(void)
{
	size_t len = 1 + pick(pick(4) ? 64 : 3000), i;
	char *s = malloc(len + 1);

	if (!s)
		lfs_die("out of memory");
	for (i = 0; i < len; i++)
		s[i] = 'a' + (lfs_rnd64() % 26);
	if (len > 1)
		s[len - 1] = '\n';
	s[len] = '\0';
	return keep(s);
}

/* Paths of the current tree (from a snapshot), by type. */
struct pool {
	const char **all, **files, **dirs;
	size_t nall, nfiles, ndirs;
};

static void pool_build(const struct lfs_snap *snap, struct pool *p)
{
	size_t i;

	memset(p, 0, sizeof(*p));
	p->all = calloc(snap->n + 1, sizeof(char *));
	p->files = calloc(snap->n + 1, sizeof(char *));
	p->dirs = calloc(snap->n + 1, sizeof(char *));
	if (!p->all || !p->files || !p->dirs)
		lfs_die("out of memory");
	for (i = 0; i < snap->n; i++) {
		const struct lfs_entry *e = &snap->e[i];
		const char *t = e->f[LFS_F_TYPE];

		if (!t)
			continue;
		if (!strcmp(t, "d"))
			p->dirs[p->ndirs++] = e->path;
		if (!strcmp(e->path, "."))
			continue;
		p->all[p->nall++] = e->path;
		if (!strcmp(t, "f"))
			p->files[p->nfiles++] = e->path;
	}
}

static void pool_free(struct pool *p)
{
	free(p->all);
	free(p->files);
	free(p->dirs);
}

static const char *new_name(const struct pool *p)
{
	const char *dir = p->ndirs ? p->dirs[pick(p->ndirs)] : ".";

	if (!strcmp(dir, "."))
		return keep(lfs_printf("n%u", pick(4)));
	return keep(lfs_printf("%s/n%u", dir, pick(4)));
}

static const char *any_path(const struct pool *p)
{
	if (!p->nall || pick(5) == 0)
		return new_name(p);
	return keep(lfs_strdup(p->all[pick(p->nall)]));
}

static const char *a_file(const struct pool *p)
{
	if (!p->nfiles || pick(8) == 0)
		return any_path(p);
	return keep(lfs_strdup(p->files[pick(p->nfiles)]));
}

static const char *a_dir(const struct pool *p)
{
	if (!p->ndirs || pick(8) == 0)
		return any_path(p);
	return keep(lfs_strdup(p->dirs[pick(p->ndirs)]));
}

/* --avoid: paths no generated operation names (comma-separated). */
static char **avoid;
static size_t navoid;

static bool avoided(const char *path)
{
	size_t i, len;

	for (i = 0; path && i < navoid; i++) {
		len = strlen(avoid[i]);
		if (!strncmp(path, avoid[i], len) && (!path[len] || path[len] == '/'))
			return true;
	}
	return false;
}

static void gen_op_once(const struct lfs_snap *snap, struct lfs_op *op);

static void gen_op(const struct lfs_snap *snap, struct lfs_op *op)
{
	do
		gen_op_once(snap, op);
	while (avoided(op->a) || avoided(op->b));
}

/* Every open is O_NONBLOCK: paths can name fifos, which would block. */
static void gen_op_once(const struct lfs_snap *snap, struct lfs_op *op)
{
	static const long modes[] = { 0644, 0600, 0755, 0700, 04755, 0444, 01777 };
	static const long sizes[] = { 0, 1, 100, 5000, 70000 };
	static const long ids[] = { 0, 1000, 1234 };
	static const char *const xnames[] = {
		"trusted.k", "trusted.r1", "trusted.r2", "security.s", "security.r",
	};
	struct pool p;
	unsigned int w = pick(100);

	pool_build(snap, &p);
	memset(op, 0, sizeof(*op));
	if (w < 10) {
		op->k = LFS_OP_WRITE;
		op->a = pick(3) ? new_name(&p) : any_path(&p);
		op->n = O_WRONLY | O_CREAT | (pick(2) ? O_EXCL : O_TRUNC) | O_NONBLOCK;
		op->s = rand_data();
		op->off = -1;
	} else if (w < 20) {
		op->k = LFS_OP_WRITE;
		op->a = a_file(&p);
		op->n = O_RDWR | O_NONBLOCK;
		op->s = rand_data();
		op->off = pick(8192);
	} else if (w < 24) {
		op->k = LFS_OP_WRITE;
		op->a = a_file(&p);
		op->n = O_WRONLY | O_APPEND | O_NONBLOCK;
		op->s = rand_data();
		op->off = -1;
	} else if (w < 29) {
		op->k = LFS_OP_TRUNC;
		op->a = a_file(&p);
		op->n = sizes[pick(LFS_ARRAY_SIZE(sizes))];
	} else if (w < 37) {
		op->k = LFS_OP_UNLINK;
		op->a = pick(4) ? a_file(&p) : any_path(&p);
	} else if (w < 43) {
		op->k = LFS_OP_MKDIR;
		op->a = pick(5) ? new_name(&p) : any_path(&p);
		op->n = pick(2) ? 0755 : 0700;
	} else if (w < 49) {
		op->k = LFS_OP_RMDIR;
		op->a = a_dir(&p);
	} else if (w < 61) {
		unsigned int f = pick(10);

		op->k = LFS_OP_RENAME;
		op->a = any_path(&p);
		op->b = pick(2) ? new_name(&p) : any_path(&p);
		op->n = f < 7 ? 0 : f < 9 ? RENAME_NOREPLACE : RENAME_EXCHANGE;
	} else if (w < 66) {
		op->k = LFS_OP_LINK;
		op->a = a_file(&p);
		op->b = pick(4) ? new_name(&p) : any_path(&p);
	} else if (w < 70) {
		op->k = LFS_OP_SYMLINK;
		op->a = pick(4) ? new_name(&p) : any_path(&p);
		op->s = any_path(&p);
	} else if (w < 72) {
		op->k = LFS_OP_MKNOD;
		op->a = new_name(&p);
		op->n = S_IFIFO | 0644;
	} else if (w < 77) {
		op->k = LFS_OP_CHMOD;
		op->a = any_path(&p);
		op->n = modes[pick(LFS_ARRAY_SIZE(modes))];
	} else if (w < 80) {
		op->k = LFS_OP_LCHOWN;
		op->a = any_path(&p);
		op->n = ids[pick(LFS_ARRAY_SIZE(ids))];
		op->off = ids[pick(LFS_ARRAY_SIZE(ids))];
	} else if (w < 85) {
		op->k = LFS_OP_SETX;
		op->a = any_path(&p);
		op->b = xnames[pick(LFS_ARRAY_SIZE(xnames))];
		op->s = keep(lfs_printf("v%u", pick(1000)));
	} else if (w < 88) {
		op->k = LFS_OP_REMOVEX;
		op->a = any_path(&p);
		op->b = xnames[pick(LFS_ARRAY_SIZE(xnames))];
	} else if (w < 90) {
		op->k = LFS_OP_READ;
		op->a = a_file(&p);
	} else if (w < 92) {
		op->k = LFS_OP_READDIR;
		op->a = a_dir(&p);
	} else if (w < 95) {
		op->k = LFS_OP_OPENFD;
		op->a = a_file(&p);
		op->n = (pick(2) ? O_RDONLY : O_RDWR) | O_NONBLOCK;
		op->off = pick(2);
	} else if (w < 98) {
		op->k = LFS_OP_FDWRITE;
		op->s = rand_data();
		op->n = pick(4096);
		op->off = pick(2);
	} else if (w < 99) {
		op->k = LFS_OP_FDREAD;
		op->off = pick(2);
	} else {
		op->k = LFS_OP_CLOSEFD;
		op->off = pick(2);
	}
	pool_free(&p);
}

/* --- running ------------------------------------------------------------ */

/* A step that blocks this long is reported as a hang, and the run ends. */
#define STEP_TIMEOUT 60
static char hang_msg[512];
static uint64_t cur_seed;

static void on_alarm(int sig)
{
	ssize_t n = write(1, hang_msg, strlen(hang_msg));

	(void)sig;
	(void)n;
	_exit(1);
}

static void watch_step(uint64_t seed, size_t step, const struct lfs_op *op);

struct failure {
	long step;		/* index of the failing op; n: at the end; -1: none */
	char *sig;		/* kind of difference, for shrinking */
	char *msg;
	char *detail;		/* more differences, "#"-prefixed lines */
};

static void failure_free(struct failure *f)
{
	free(f->sig);
	free(f->msg);
	free(f->detail);
	memset(f, 0, sizeof(*f));
	f->step = -1;
}

struct cmp_ctx {
	struct lfs_sb first, more;
	const char *prefix;
	size_t n;
};

static bool strict_private;

static void cmp_report(void *ctx, const char *kind, const char *path,
		       const char *a, const char *b)
{
	struct cmp_ctx *c = ctx;

	/*
	 * layerfs's private trusted.layerfs.* xattrs in its upper, seen by
	 * overlayfs: intentional (semantics-differences.txt), unless
	 * --strict-private.
	 */
	if (!strict_private && !strcmp(kind, "xattr-private"))
		return;
	const char *la = "overlayfs", *lb = self_test ? "overlayfs(2)" : "layerfs";

	if (!strcmp(c->prefix, "disk")) {
		la = "overlayfs upper";
		lb = "layerfs upper";
	}
	if (c->n == 0)
		lfs_sb_printf(&c->first, "%s:%s|%s %s: %s=%s, %s=%s", c->prefix, kind,
			      path, kind, la, a ? a : "(absent)", lb,
			      b ? b : "(absent)");
	else if (c->n < 10)
		lfs_sb_printf(&c->more, "#   %s %s: %s=%s, %s=%s\n", path, kind, la,
			      a ? a : "(absent)", lb, b ? b : "(absent)");
	c->n++;
}

/* Compares two snapshots; fills @f (sig|msg) on a difference. */
static bool compare(const struct lfs_snap *a, const struct lfs_snap *b,
		    const char *prefix, long step, struct failure *f)
{
	struct cmp_ctx c = { .prefix = prefix };
	char *bar;

	lfs_snap_compare(a, b, FIELDS, cmp_report, &c);
	if (!c.n)
		return true;
	bar = strchr(c.first.s, '|');
	*bar = '\0';
	f->step = step;
	f->sig = lfs_strdup(c.first.s);
	f->msg = lfs_strdup(bar + 1);
	if (c.n > 10)
		lfs_sb_printf(&c.more, "#   ... %zu more differences\n", c.n - 10);
	f->detail = c.more.s ? c.more.s : lfs_strdup("");
	lfs_sb_free(&c.first);
	return false;
}

static void fresh_dir(const char *path)
{
	if (lfs_rm_rf(path))
		lfs_die("cannot remove %s", path);
	if (lfs_mkdir_p(path, 0755))
		lfs_die("mkdir %s: %m", path);
}

static int mount_view(bool lfs, const char *upper, const char *work,
		      const char *target)
{
	if (lfs && !self_test)
		return lfs_mount_lfs(layers_opt, upper, work, target);
	return lfs_mount_ovl(base, layers, LFS_ARRAY_SIZE(layers), upper, work,
			     target);
}

static void umount_or_die(const char *target)
{
	int err = lfs_umount(target);

	if (err)
		lfs_die("umount %s: %s", target, strerror(err));
}

static void mount_both(void)
{
	int err;

	err = mount_view(false, u_a, w_a, m_a);
	if (err)
		lfs_die("mount overlayfs: %s", strerror(err));
	err = mount_view(true, u_b, w_b, m_b);
	if (err)
		lfs_die("mount %s: %s", self_test ? "overlayfs(2)" : "layerfs",
			strerror(err));
}

static const char *op_str(const struct lfs_op *op)
{
	static struct lfs_sb sb;

	lfs_sb_reset(&sb);
	lfs_op_name(op, &sb);
	return lfs_sb_str(&sb);
}

/*
 * Runs @s on fresh mounts: its first @n operations, generating more up to
 * @n when @generate.  Trees are compared after every step (@each) or only
 * after the last; @final adds the remount and on-disk comparisons.
 * Returns true if everything matched, else fills @f.
 */
static bool run_seq(struct seq *s, size_t n, bool generate, bool each,
		    bool final, struct failure *f)
{
	struct lfs_opctx ca, cb;
	struct lfs_snap sa, sb;
	struct lfs_sb ra = {}, rb = {};
	bool ok = true;
	size_t i;
	int err;

	failure_free(f);
	fresh_dir(u_a);
	fresh_dir(w_a);
	fresh_dir(u_b);
	fresh_dir(w_b);
	mount_both();
	lfs_opctx_init(&ca);
	lfs_opctx_init(&cb);
	lfs_snap_take(m_a, &sa, !full_snapshots);
	lfs_snap_take(m_b, &sb, !full_snapshots);
	ok = compare(&sa, &sb, "tree", -1, f);
	if (!ok) {
		f->step = 0;
		free(f->msg);
		f->msg = lfs_strdup("the trees differ before the first step");
	}
	for (i = 0; ok && i < n; i++) {
		if (i >= s->n) {
			struct lfs_op op;

			if (!generate)
				break;
			gen_op(&sa, &op);
			seq_push(s, &op);
		}
		lfs_sb_reset(&ra);
		lfs_sb_reset(&rb);
		watch_step(cur_seed, i, &s->ops[i]);
		lfs_op_run(&ca, m_a, &s->ops[i], &ra);
		if (inject && s->ops[i].k == LFS_OP_CHMOD) {
			struct lfs_op bad = s->ops[i];

			bad.n |= 1;
			lfs_op_run(&cb, m_b, &bad, &rb);
		} else {
			lfs_op_run(&cb, m_b, &s->ops[i], &rb);
		}
		if (verbose)
			printf("#     %zu. %s: %s\n", i + 1, op_str(&s->ops[i]),
			       lfs_sb_str(&ra));
		if (strcmp(lfs_sb_str(&ra), lfs_sb_str(&rb))) {
			struct lfs_sb sig = {};

			lfs_op_name(&s->ops[i], &sig);
			*strchrnul(sig.s, ' ') = '\0';
			f->step = i;
			f->sig = lfs_printf("result:%s", sig.s);
			f->msg = lfs_printf("result: overlayfs=%s, %s=%s", lfs_sb_str(&ra),
					    self_test ? "overlayfs(2)" : "layerfs",
					    lfs_sb_str(&rb));
			f->detail = lfs_strdup("");
			lfs_sb_free(&sig);
			ok = false;
			break;
		}
		if (each || i + 1 == n) {
			lfs_snap_free(&sa);
			lfs_snap_free(&sb);
			lfs_snap_take(m_a, &sa, !full_snapshots);
			lfs_snap_take(m_b, &sb, !full_snapshots);
			ok = compare(&sa, &sb, "tree", i, f);
		}
	}
	alarm(0);
	lfs_opctx_close(&ca);
	lfs_opctx_close(&cb);
	lfs_snap_free(&sa);
	lfs_snap_free(&sb);
	umount_or_die(m_a);
	umount_or_die(m_b);
	lfs_sb_free(&ra);
	lfs_sb_free(&rb);
	if (!ok || !final)
		return ok;

	/* The same uppers, mounted again: nothing may live only in caches. */
	mount_both();
	lfs_snap_take(m_a, &sa, !full_snapshots);
	lfs_snap_take(m_b, &sb, !full_snapshots);
	umount_or_die(m_a);
	umount_or_die(m_b);
	ok = compare(&sa, &sb, "remount", n, f);
	lfs_snap_free(&sb);
	if (ok) {
		/* overlayfs reading the layerfs upper. */
		fresh_dir(w_c);
		err = mount_view(false, u_b, w_c, m_b);
		if (err) {
			f->step = n;
			f->sig = lfs_strdup("disk:mount");
			f->msg = lfs_printf("overlayfs cannot mount the layerfs upper: %s",
					    lfs_errname(err));
			f->detail = lfs_strdup("");
			ok = false;
		} else {
			lfs_snap_take(m_b, &sb, !full_snapshots);
			umount_or_die(m_b);
			ok = compare(&sa, &sb, "disk", n, f);
			lfs_snap_free(&sb);
		}
	}
	lfs_snap_free(&sa);
	return ok;
}

/* Arms the hang report for one step (snapshots included). */
static void watch_step(uint64_t seed, size_t step, const struct lfs_op *op)
{
	snprintf(hang_msg, sizeof(hang_msg),
		 "not ok - seed %llu: step %zu (%s) did not finish within %d s (a kernel hang? see the kernel log)\n",
		 (unsigned long long)seed, step + 1, op_str(op), STEP_TIMEOUT);
	alarm(STEP_TIMEOUT);
}

static bool same_failure(const struct failure *a, const struct failure *b)
{
	return b->step >= 0 && !strcmp(a->sig, b->sig);
}

static void print_ops(const struct seq *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		printf("#     %zu. %s\n", i + 1, op_str(&s->ops[i]));
}

/*
 * After a failure: replay to confirm it and find the shortest failing
 * prefix, then drop operations while the same kind of difference stays.
 */
static void shrink(struct seq *s, const struct failure *orig, bool at_end)
{
	struct failure f = { .step = -1 };
	size_t len, lo, hi, chunk, start, replays = 0;
	struct seq cur = {}, cand = {};
	double t0 = lfs_now();
	size_t i;

	if (!at_end) {
		len = orig->step + 1;
		run_seq(s, len, false, true, false, &f);
		replays++;
		if (!same_failure(orig, &f)) {
			printf("#   not reproduced on fresh mounts replaying %zu steps%s%s\n",
			       len, f.step >= 0 ? "; got instead: " : "",
			       f.step >= 0 ? f.msg : "");
			failure_free(&f);
			return;
		}
		len = f.step + 1;
	} else {
		/* A failure seen only at the end: bisect the prefix length. */
		lo = 0;
		hi = s->n;
		while (lo + 1 < hi) {
			size_t mid = (lo + hi) / 2;

			run_seq(s, mid, false, false, true, &f);
			replays++;
			if (same_failure(orig, &f))
				hi = mid;
			else
				lo = mid;
		}
		len = hi;
	}
	printf("#   shortest failing prefix: %zu steps (replayed on fresh mounts)\n", len);
	if (len <= 12)
		print_ops(s, len);

	/* Drop chunks of operations before the last, halving the chunk size. */
	for (i = 0; i < len; i++)
		seq_push(&cur, &s->ops[i]);
	for (chunk = cur.n / 2; chunk >= 1; chunk /= 2) {
		for (start = 0; start + 1 < cur.n;) {
			size_t end = start + chunk < cur.n - 1 ? start + chunk : cur.n - 1;

			if (replays >= 150 || lfs_now() - t0 > 60)
				goto out;
			cand.n = 0;
			for (i = 0; i < cur.n; i++)
				if (i < start || i >= end)
					seq_push(&cand, &cur.ops[i]);
			run_seq(&cand, cand.n, false, false, at_end, &f);
			replays++;
			if (same_failure(orig, &f)) {
				struct seq t = cur;

				cur = cand;
				cand = t;
			} else {
				start = end;
			}
		}
	}
out:
	printf("#   reduced to %zu operations (%zu replays, %.1f s):\n", cur.n, replays,
	       lfs_now() - t0);
	print_ops(&cur, cur.n);
	free(cur.ops);
	free(cand.ops);
	failure_free(&f);
}

static bool run_seed(size_t num, uint64_t seed, size_t steps)
{
	struct failure f = { .step = -1 };
	struct seq s = {};
	bool ok;

	cur_seed = seed;
	lfs_rng_state = seed * 0x9e3779b97f4a7c15ULL + 0x1234567;
	if (!lfs_rng_state)
		lfs_rng_state = 1;
	ok = run_seq(&s, steps, true, true, true, &f);
	if (ok) {
		printf("ok %zu - seed %llu: %zu steps\n", num,
		       (unsigned long long)seed, steps);
	} else if (f.step < (long)s.n) {
		printf("not ok %zu - seed %llu: step %ld (%s): %s\n", num,
		       (unsigned long long)seed, f.step + 1, op_str(&s.ops[f.step]),
		       f.msg);
		printf("%s", f.detail);
		printf("#   rerun: LAYERFS_RANDOM_SEEDS=%llu-%llu LAYERFS_RANDOM_STEPS=%ld\n",
		       (unsigned long long)seed, (unsigned long long)seed, f.step + 1);
		shrink(&s, &f, false);
	} else {
		printf("not ok %zu - seed %llu: after %zu steps, %s: %s\n", num,
		       (unsigned long long)seed, s.n,
		       !strncmp(f.sig, "remount", 7) ? "mounted again" : "on disk",
		       f.msg);
		printf("%s", f.detail);
		shrink(&s, &f, true);
	}
	fflush(stdout);
	failure_free(&f);
	free(s.ops);
	return ok;
}

static uint64_t *parse_seeds(const char *spec, size_t *n)
{
	uint64_t *v = NULL;
	char *s = lfs_strdup(spec), *tok, *save = NULL;
	unsigned long long a, b, i;

	*n = 0;
	if (!strchr(s, ',') && !strchr(s, '-')) {
		b = strtoull(s, NULL, 10);
		free(s);
		s = lfs_printf("1-%llu", b);
	}
	for (tok = strtok_r(s, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (sscanf(tok, "%llu-%llu", &a, &b) != 2) {
			if (sscanf(tok, "%llu", &a) != 1)
				lfs_die("bad seed list '%s'", spec);
			b = a;
		}
		for (i = a; i <= b; i++) {
			v = realloc(v, (*n + 1) * sizeof(*v));
			if (!v)
				lfs_die("out of memory");
			v[(*n)++] = i;
		}
	}
	free(s);
	return v;
}

static int usage(void)
{
	fprintf(stderr,
		"usage: lfs-random mkfixture DIR\n"
		"       lfs-random run DIR LAYERS [--seeds N|A-B|A,B,...] [--steps N] [--budget SECONDS] [--avoid PATH,...] [--strict-private] [--full] [--self] [-v]\n");
	return 2;
}

static int cmd_run(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "seeds", required_argument, NULL, 's' },
		{ "steps", required_argument, NULL, 'n' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "self", no_argument, NULL, 'S' },
		{ "inject", no_argument, NULL, 'I' },
		{ "full", no_argument, NULL, 'f' },
		{ "budget", required_argument, NULL, 'b' },
		{ "avoid", required_argument, NULL, 'A' },
		{ "strict-private", no_argument, NULL, 'P' },
		{}
	};
	const char *spec = "4";
	size_t steps = 40, nseeds, i, bad = 0, skipped = 0;
	double budget = 0;
	uint64_t *seeds;
	double t0;
	int opt;

	while ((opt = getopt_long(argc, argv, "v", opts, NULL)) != -1) {
		switch (opt) {
		case 's':
			spec = optarg;
			break;
		case 'n':
			steps = strtoul(optarg, NULL, 10);
			break;
		case 'v':
			verbose = true;
			break;
		case 'S':
			self_test = true;
			break;
		case 'I':
			inject = true;
			break;
		case 'f':
			full_snapshots = true;
			break;
		case 'b':
			budget = strtod(optarg, NULL);
			break;
		case 'P':
			strict_private = true;
			break;
		case 'A': {
			char *list = lfs_strdup(optarg), *save = NULL, *tok;

			for (tok = strtok_r(list, ",", &save); tok;
			     tok = strtok_r(NULL, ",", &save)) {
				avoid = realloc(avoid, (navoid + 1) * sizeof(*avoid));
				if (!avoid)
					lfs_die("out of memory");
				avoid[navoid++] = tok;
			}
			break;
		}
		default:
			return usage();
		}
	}
	if (argc - optind != 2 || !steps)
		return usage();
	base = argv[optind];
	layers_opt = argv[optind + 1];
	seeds = parse_seeds(spec, &nseeds);

	lfs_inomap_load(base, layers, LFS_ARRAY_SIZE(layers));
	m_a = lfs_printf("%s/run/ma", base);
	m_b = lfs_printf("%s/run/mb", base);
	u_a = lfs_printf("%s/run/a/upper", base);
	w_a = lfs_printf("%s/run/a/work", base);
	u_b = lfs_printf("%s/run/b/upper", base);
	w_b = lfs_printf("%s/run/b/work", base);
	w_c = lfs_printf("%s/run/c/work", base);
	fresh_dir(m_a);
	fresh_dir(m_b);

	signal(SIGALRM, on_alarm);
	printf("# %zu seeds, %zu steps each\n", nseeds, steps);
	t0 = lfs_now();
	for (i = 0; i < nseeds; i++) {
		if (budget > 0 && lfs_now() - t0 > budget) {
			printf("ok %zu - seed %llu # SKIP time budget (%.0f s) spent\n",
			       i + 1, (unsigned long long)seeds[i], budget);
			skipped++;
			continue;
		}
		if (!run_seed(i + 1, seeds[i], steps))
			bad++;
	}
	printf("# random: %zu seeds x %zu steps, %zu ok, %zu not ok, %zu skipped, %.1f s\n",
	       nseeds, steps, nseeds - bad - skipped, bad, skipped, lfs_now() - t0);
	free(seeds);
	return bad ? 1 : 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc < 2)
		return usage();
	if (!strcmp(argv[1], "mkfixture") && argc == 3) {
		lfs_fixture_build(argv[2], fixture, LFS_ARRAY_SIZE(fixture));
		return 0;
	}
	if (!strcmp(argv[1], "run"))
		return cmd_run(argc - 1, argv + 1);
	return usage();
}
