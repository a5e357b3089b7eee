// SPDX-License-Identifier: GPL-2.0
/*
 * lfsbench: fixtures and timing loops of `make bench` (tests/bench/).
 *
 *   lfsbench master DIR BIG_MIB CU_MIB     the shared big.dat, cu.dat and
 *                                          cu-native.dat
 *   lfsbench pin FILE...                   mlock the files' pages, then
 *                                          wait for SIGTERM
 *   lfsbench fixture OPTIONS               build one configuration
 *   lfsbench mount OPTIONS                 mount its overlayfs and layerfs
 *   lfsbench umount OPTIONS                unmount them
 *   lfsbench run OPTIONS [WORKLOAD...]     time the workloads (default: all)
 *                                          on the three systems
 *   lfsbench report TSV [JSON]             the table, the targets, JSON
 *
 * OPTIONS: --base DIR --depth D --prefix P --fs NAME --master DIR
 *          --files N --dirents N --reps N --stat-iters N --open-iters N
 *          --rand-reads N --creates N --cold-names N
 *
 * A configuration (one backing filesystem, one stack depth D) lives in
 * --base:
 *
 *   l/0 ... l/D-1   the layer directories, l/0 on top; registered as
 *                   the frozen chain P0 ... P(D-1) (each the parent of the
 *                   one above) by layerctl -b add.batch, which also gives
 *                   P0 its index (--base/index)
 *   n               "native": the merged tree as one plain directory
 *   ou ow mo        overlayfs upper, work and mount point
 *   lu lw ml        layerfs upper, work and mount point
 *
 * The tree, in every layer and in n: the directories t/, t/dNN/ and
 * t/dNN/sM/ (500 files per sM, 4 sM per dNN) and big/ exist in every layer;
 * file I of the tree (t/dNN/sM/fIIIII, I < --files) and entry I of big/
 * (big/eIIIII, I < --dirents) are in layer I % D only; big.dat and cu.dat
 * are in the bottom layer, hard links to the master files; n/big.dat links
 * to the master big.dat, n/cu.dat to cu-native.dat (a copy: the native
 * "copy-up" appends to it).
 *
 * Timing: for each workload, every system first gets its untimed warm-up
 * runs (warm workloads), then the repetitions run with the three systems
 * back to back in each, the first one rotating.  `run` prints one
 * tab-separated line per system and workload:
 *
 *   R fs depth workload system status ops unit samples
 *
 * status is "ok", "FAIL: why", or, for what is left out on purpose and is
 * no failure, "n/a: why" (overlayfs above OVL_MAX_STACK = 500 layers: it
 * cannot mount them; `mount` prints an N line instead of mounting) or
 * "skip: why" (the cold workloads on tmpfs, whose dentries and pages are
 * the files: drop_caches cannot make them cold); samples are the timed
 * regions of each repetition in nanoseconds (CLOCK_MONOTONIC),
 * comma-separated; a workload's timed region covers `ops` operations of
 * `unit`.  W lines give the duration of the first warm-up run.  `report`
 * reads these lines (and the X, F, N, I and C lines written by guest.sh and
 * `mount`) and prints medians and ratios, layerfs/native and
 * layerfs/overlayfs of every workload at every depth, and the targets,
 * checked at every depth (issue 13): cold lookups and the cold listing at
 * most 2x native, warm stat, open and readdir at most 1.2x native, every
 * workload at least as fast as overlayfs where it can mount.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <linux/layerfs.h>

#define OVERLAYFS_MAGIC		0x794c7630
#define TMPFS_MAGIC		0x01021994
/* overlayfs refuses more lower layers (OVL_MAX_STACK, fs/overlayfs). */
#define OVL_MAX_STACK		500
#define OVL_NA_WHY		"n/a: overlayfs cannot mount more than 500 lower layers (OVL_MAX_STACK)"
#define COLD_SKIP_WHY		"skip: not cold on tmpfs (its dentries and pages are the files themselves: drop_caches cannot drop them); measured on ext4"
#define MAX_REPS		64
#define FILES_PER_LEAF		500
#define LEAVES_PER_TOP		4
#define FILES_PER_TOP		(FILES_PER_LEAF * LEAVES_PER_TOP)
#define MIB			(1024L * 1024)
#define SEQ_BUF			MIB

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die(const char *fmt, ...)
{
	va_list ap;

	fputs("lfsbench: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static void *xmalloc(size_t n)
{
	void *p = calloc(1, n ? n : 1);

	if (!p)
		die("out of memory");
	return p;
}

static char *xstrdup(const char *s)
{
	char *p = strdup(s);

	if (!p)
		die("out of memory");
	return p;
}

static char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		die("out of memory");
	va_end(ap);
	return s;
}

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* The last error of a workload step, for the FAIL status. */
static char why[1024];

static int failf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int failf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	for (char *p = why; *p; p++)
		if (*p == '\t' || *p == '\n')
			*p = ' ';
	return -1;
}

static uint64_t xorshift(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	*s = x;
	return x;
}

/* Options shared by the subcommands. */
static struct {
	const char *base, *prefix, *fs, *master;
	long depth, files, dirents, reps;
	long stat_iters, open_iters, rand_reads, creates, cold_names;
} opt = {
	.prefix = "l", .fs = "fs", .depth = 1, .files = 20000,
	.dirents = 10000, .reps = 5, .stat_iters = 20000,
	.open_iters = 10000, .rand_reads = 20000, .creates = 100,
	.cold_names = 100,
};

static long num_arg(const char *name, const char *s)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || end == s || v < 0)
		die("--%s: not a number: '%s'", name, s);
	return v;
}

/* Parses OPTIONS; returns the index of the first operand. */
static int parse_opts(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "base", required_argument, NULL, 'b' },
		{ "depth", required_argument, NULL, 'd' },
		{ "prefix", required_argument, NULL, 'p' },
		{ "fs", required_argument, NULL, 'f' },
		{ "master", required_argument, NULL, 'm' },
		{ "files", required_argument, NULL, 'F' },
		{ "dirents", required_argument, NULL, 'D' },
		{ "reps", required_argument, NULL, 'r' },
		{ "stat-iters", required_argument, NULL, 's' },
		{ "open-iters", required_argument, NULL, 'o' },
		{ "rand-reads", required_argument, NULL, 'R' },
		{ "creates", required_argument, NULL, 'c' },
		{ "cold-names", required_argument, NULL, 'C' },
		{ NULL, 0, NULL, 0 }
	};
	int c, idx;

	optind = 1;
	while ((c = getopt_long(argc, argv, "", longopts, &idx)) != -1) {
		const char *n = c == '?' ? "" : longopts[idx].name;

		switch (c) {
		case 'b': opt.base = optarg; break;
		case 'p': opt.prefix = optarg; break;
		case 'f': opt.fs = optarg; break;
		case 'm': opt.master = optarg; break;
		case 'd': opt.depth = num_arg(n, optarg); break;
		case 'F': opt.files = num_arg(n, optarg); break;
		case 'D': opt.dirents = num_arg(n, optarg); break;
		case 'r': opt.reps = num_arg(n, optarg); break;
		case 's': opt.stat_iters = num_arg(n, optarg); break;
		case 'o': opt.open_iters = num_arg(n, optarg); break;
		case 'R': opt.rand_reads = num_arg(n, optarg); break;
		case 'c': opt.creates = num_arg(n, optarg); break;
		case 'C': opt.cold_names = num_arg(n, optarg); break;
		default: die("bad option (see the top of tests/bench/lfsbench.c)");
		}
	}
	if (opt.depth < 1)
		die("--depth must be at least 1");
	if (opt.reps < 1 || opt.reps > MAX_REPS)
		die("--reps must be 1..%d", MAX_REPS);
	return optind;
}

static const char *need_base(void)
{
	if (!opt.base)
		die("--base is required");
	return opt.base;
}

/* ---- paths of the tree ---- */

static long ntop(void)
{
	return (opt.files + FILES_PER_TOP - 1) / FILES_PER_TOP;
}

static void file_path(char *buf, size_t n, long i)
{
	snprintf(buf, n, "t/d%02ld/s%ld/f%05ld", i / FILES_PER_TOP,
		 i / FILES_PER_LEAF % LEAVES_PER_TOP, i);
}

/* ---- master files and pinning ---- */

static void write_pattern(const char *path, long mib, uint64_t seed)
{
	uint64_t *buf = xmalloc(MIB);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	if (fd < 0)
		die("%s: %s", path, strerror(errno));
	for (long m = 0; m < mib; m++) {
		for (size_t k = 0; k < MIB / sizeof(*buf); k++)
			buf[k] = xorshift(&seed);
		if (write(fd, buf, MIB) != MIB)
			die("write %s: %s", path, strerror(errno));
	}
	if (fsync(fd) || close(fd))
		die("%s: %s", path, strerror(errno));
	free(buf);
}

static void copy_file(const char *from, const char *to);

static int cmd_master(int argc, char **argv)
{
	char *p, *q;

	if (argc != 4)
		die("usage: lfsbench master DIR BIG_MIB CU_MIB");
	if (mkdir(argv[1], 0755) && errno != EEXIST)
		die("mkdir %s: %s", argv[1], strerror(errno));
	p = xasprintf("%s/big.dat", argv[1]);
	write_pattern(p, num_arg("big", argv[2]), 0x9e3779b97f4a7c15ULL);
	free(p);
	p = xasprintf("%s/cu.dat", argv[1]);
	write_pattern(p, num_arg("cu", argv[3]), 0xd1b54a32d192ed03ULL);
	q = xasprintf("%s/cu-native.dat", argv[1]);
	copy_file(p, q);
	free(q);
	free(p);
	return 0;
}

static volatile sig_atomic_t stop;
static void on_term(int sig)
{
	(void)sig;
	stop = 1;
}

/*
 * Keeps the files' pages in the page cache (mlock), so drop_caches in the
 * cold-lookup workloads does not evict the data the read workloads read.
 * Prints "pinned" when done.
 */
static int cmd_pin(int argc, char **argv)
{
	signal(SIGTERM, on_term);
	signal(SIGINT, on_term);
	for (int i = 1; i < argc; i++) {
		int fd = open(argv[i], O_RDONLY | O_CLOEXEC);
		struct stat st;
		void *p;

		if (fd < 0 || fstat(fd, &st))
			die("%s: %s", argv[i], strerror(errno));
		p = mmap(NULL, st.st_size, PROT_READ, MAP_SHARED, fd, 0);
		if (p == MAP_FAILED)
			die("mmap %s: %s", argv[i], strerror(errno));
		if (mlock(p, st.st_size))
			die("mlock %s: %s", argv[i], strerror(errno));
	}
	printf("pinned\n");
	fflush(stdout);
	while (!stop)
		pause();
	return 0;
}

/* ---- fixtures ---- */

static void xmkdirat(int dfd, const char *path)
{
	if (mkdirat(dfd, path, 0755) && errno != EEXIST)
		die("mkdir %s/%s: %s", opt.base, path, strerror(errno));
}

static void xmknodat(int dfd, const char *path)
{
	if (mknodat(dfd, path, S_IFREG | 0644, 0))
		die("create %s: %s", path, strerror(errno));
}

static int xopendir(const char *path)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		die("%s: %s", path, strerror(errno));
	return fd;
}

/* The directories of the tree, in @dfd. */
static void make_dirs(int dfd)
{
	char p[64];

	xmkdirat(dfd, "t");
	xmkdirat(dfd, "big");
	for (long d = 0; d < ntop(); d++) {
		snprintf(p, sizeof(p), "t/d%02ld", d);
		xmkdirat(dfd, p);
		for (long s = 0; s < LEAVES_PER_TOP; s++) {
			snprintf(p, sizeof(p), "t/d%02ld/s%ld", d, s);
			xmkdirat(dfd, p);
		}
	}
}

/* Files i = first, first + step, ... of the tree and big/, in @dfd. */
static void make_files(int dfd, long first, long step)
{
	char p[64];

	for (long i = first; i < opt.files; i += step) {
		file_path(p, sizeof(p), i);
		xmknodat(dfd, p);
	}
	for (long i = first; i < opt.dirents; i += step) {
		snprintf(p, sizeof(p), "big/e%05ld", i);
		xmknodat(dfd, p);
	}
}

static void copy_file(const char *from, const char *to)
{
	int in = open(from, O_RDONLY | O_CLOEXEC);
	int out = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	ssize_t n;

	if (in < 0 || out < 0)
		die("copy %s to %s: %s", from, to, strerror(errno));
	do {
		n = copy_file_range(in, NULL, out, NULL, 64 * MIB, 0);
	} while (n > 0);
	if (n < 0)
		die("copy %s to %s: %s", from, to, strerror(errno));
	if (fsync(out) || close(out) || close(in))
		die("copy %s to %s: %s", from, to, strerror(errno));
}

static void xlink(const char *from, const char *to)
{
	if (link(from, to))
		die("link %s %s: %s", from, to, strerror(errno));
}

static int cmd_fixture(int argc, char **argv)
{
	const char *b;
	FILE *add, *rm;
	char *p, *q;
	int dfd;

	if (parse_opts(argc, argv) != argc || !opt.master)
		die("usage: lfsbench fixture --base DIR --master DIR [OPTIONS]");
	b = need_base();
	/* stat and open use file D-1 of the tree: the bottom layer's. */
	if (opt.files < opt.depth)
		die("--files %ld is less than --depth %ld: the bottom layer would hold no tree file",
		    opt.files, opt.depth);
	if (mkdir(b, 0755))
		die("mkdir %s: %s", b, strerror(errno));
	dfd = xopendir(b);
	for (const char *const *d = (const char *const[]){ "l", "n", "ou", "ow",
			"mo", "lu", "lw", "ml", NULL }; *d; d++)
		xmkdirat(dfd, *d);
	p = xasprintf("%s/add.batch", b);
	add = fopen(p, "w");
	free(p);
	p = xasprintf("%s/rm.batch", b);
	rm = fopen(p, "w");
	free(p);
	if (!add || !rm)
		die("%s: batch files: %s", b, strerror(errno));

	for (long l = 0; l < opt.depth; l++) {
		int lfd;

		p = xasprintf("l/%ld", l);
		xmkdirat(dfd, p);
		lfd = openat(dfd, p, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (lfd < 0)
			die("%s/%s: %s", b, p, strerror(errno));
		make_dirs(lfd);
		make_files(lfd, l, opt.depth);
		close(lfd);
		free(p);
	}
	/*
	 * A frozen chain (P0 on top, each layer's parent the one below it,
	 * registered bottom first) with an index: the stack layerfs mounts
	 * is P0's image, so the view uses the index.
	 */
	for (long l = opt.depth - 1; l >= 0; l--) {
		fprintf(add, "layer add --frozen %s%ld %s/l/%ld", opt.prefix, l,
			b, l);
		if (l < opt.depth - 1)
			fprintf(add, " --parent %s%ld", opt.prefix, l + 1);
		fputc('\n', add);
	}
	fprintf(add, "layer index %s0 -o %s/index\n", opt.prefix, b);
	for (long l = 0; l < opt.depth; l++)
		fprintf(rm, "layer rm %s%ld\n", opt.prefix, l);
	if (fclose(add) || fclose(rm))
		die("%s: batch files: %s", b, strerror(errno));

	{
		int nfd = openat(dfd, "n", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

		if (nfd < 0)
			die("%s/n: %s", b, strerror(errno));
		make_dirs(nfd);
		make_files(nfd, 0, 1);
		close(nfd);
	}

	p = xasprintf("%s/big.dat", opt.master);
	q = xasprintf("%s/l/%ld/big.dat", b, opt.depth - 1);
	xlink(p, q);
	free(q);
	q = xasprintf("%s/n/big.dat", b);
	xlink(p, q);
	free(q);
	free(p);
	p = xasprintf("%s/cu.dat", opt.master);
	q = xasprintf("%s/l/%ld/cu.dat", b, opt.depth - 1);
	xlink(p, q);
	free(q);
	free(p);
	/* The native copy-up appends to it: one shared copy of cu.dat. */
	p = xasprintf("%s/cu-native.dat", opt.master);
	q = xasprintf("%s/n/cu.dat", b);
	xlink(p, q);
	free(q);
	free(p);
	syncfs(dfd);
	close(dfd);
	return 0;
}

/* ---- mounting ---- */

enum { NATIVE, OVERLAY, LAYERFS, NSYS };
static const char *const sys_name[NSYS] = { "native", "overlayfs", "layerfs" };
static const char *const sys_dir[NSYS] = { "n", "mo", "ml" };
static const char *const sys_upper[NSYS] = { NULL, "ou", "lu" };
static const char *const sys_work[NSYS] = { NULL, "ow", "lw" };

static char *base_path(const char *rel)
{
	return xasprintf("%s/%s", opt.base, rel);
}

static int mount_overlay(void)
{
	char *mnt = base_path("mo"), *layers = base_path("l");
	char *up = base_path("ou"), *wk = base_path("ow");
	size_t cap = 64 + 8 * opt.depth + strlen(up) + strlen(wk), len;
	char *o = xmalloc(cap);
	int cwd = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC), rc = 0;

	/* Relative lower paths, so 500 layers fit in the option page. */
	len = snprintf(o, cap, "lowerdir=");
	for (long l = 0; l < opt.depth; l++)
		len += snprintf(o + len, cap - len, "%s%ld", l ? ":" : "", l);
	snprintf(o + len, cap - len, ",upperdir=%s,workdir=%s", up, wk);
	if (chdir(layers))
		rc = failf("chdir %s: %s", layers, strerror(errno));
	else if (mount("bench", mnt, "overlay", 0, o))
		rc = failf("mount -t overlay (%zu bytes of options): %s",
			   strlen(o), strerror(errno));
	if (cwd >= 0) {
		if (fchdir(cwd))
			die("fchdir: %s", strerror(errno));
		close(cwd);
	}
	free(mnt);
	free(layers);
	free(up);
	free(wk);
	free(o);
	return rc;
}

/* Appends the fs_context log of @fd (the kernel's messages) to why. */
static void fc_log(int fd)
{
	char buf[512];
	ssize_t n;

	while ((n = read(fd, buf, sizeof(buf) - 1)) > 0) {
		size_t len = strlen(why);

		buf[n] = '\0';
		snprintf(why + len, sizeof(why) - len, " [%s]", buf);
	}
	failf("%s", why);	/* re-sanitise */
}

static int mount_layerfs(void)
{
	char *mnt = base_path("ml"), *up = base_path("lu"), *wk = base_path("lw");
	int fd, mfd = -1, rc = -1;
	char name[300];

	fd = fsopen("layerfs", FSOPEN_CLOEXEC);
	if (fd < 0) {
		rc = failf("fsopen layerfs: %s", strerror(errno));
		goto out;
	}
	if (fsconfig(fd, FSCONFIG_SET_STRING, "source", "bench", 0)) {
		failf("fsconfig source: %s", strerror(errno));
		goto log;
	}
	for (long l = 0; l < opt.depth; l++) {
		snprintf(name, sizeof(name), "%s%ld", opt.prefix, l);
		if (fsconfig(fd, FSCONFIG_SET_STRING, "layer", name, 0)) {
			failf("fsconfig layer=%s: %s", name, strerror(errno));
			goto log;
		}
	}
	if (fsconfig(fd, FSCONFIG_SET_STRING, "upper", up, 0) ||
	    fsconfig(fd, FSCONFIG_SET_STRING, "work", wk, 0)) {
		failf("fsconfig upper/work: %s", strerror(errno));
		goto log;
	}
	if (fsconfig(fd, FSCONFIG_CMD_CREATE, NULL, NULL, 0)) {
		failf("mount layerfs (%ld layers): %s", opt.depth, strerror(errno));
		goto log;
	}
	mfd = fsmount(fd, FSMOUNT_CLOEXEC, 0);
	if (mfd < 0) {
		failf("fsmount: %s", strerror(errno));
		goto log;
	}
	if (move_mount(mfd, "", AT_FDCWD, mnt, MOVE_MOUNT_F_EMPTY_PATH)) {
		failf("move_mount %s: %s", mnt, strerror(errno));
		goto log;
	}
	rc = 0;
	goto out;
log:
	fc_log(fd);
out:
	if (mfd >= 0)
		close(mfd);
	if (fd >= 0)
		close(fd);
	free(mnt);
	free(up);
	free(wk);
	return rc;
}

static int mount_sys(int s)
{
	return s == OVERLAY ? mount_overlay() : mount_layerfs();
}

static int umount_sys(int s)
{
	char *mnt = base_path(sys_dir[s]);
	int rc = 0;

	if (umount2(mnt, 0))
		rc = failf("umount %s: %s", mnt, strerror(errno));
	free(mnt);
	return rc;
}

static long fs_magic(const char *path)
{
	struct statfs sf;

	if (statfs(path, &sf))
		return -1;
	return sf.f_type;
}

static bool sys_mounted(int s)
{
	char *mnt = base_path(sys_dir[s]);
	long m = fs_magic(mnt);

	free(mnt);
	return s == OVERLAY ? m == OVERLAYFS_MAGIC : m == LAYERFS_SUPER_MAGIC;
}

static int rm_entry(const char *path, const struct stat *st, int flag,
		    struct FTW *ftw)
{
	(void)st;
	(void)flag;
	if (ftw->level == 0)
		return 0;
	if (remove(path))
		return failf("remove %s: %s", path, strerror(errno));
	return 0;
}

/* Empties a directory. */
static int clear_dir(const char *rel)
{
	char *p = base_path(rel);
	int rc;

	why[0] = '\0';
	rc = nftw(p, rm_entry, 64, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
	if (rc && !why[0])
		failf("walk %s: %s", p, strerror(errno));
	free(p);
	return rc ? -1 : 0;
}

/* The super options of the mount at @mnt from mountinfo, lists elided. */
static void mount_opts(const char *mnt, char *out, size_t n)
{
	FILE *f = fopen("/proc/self/mountinfo", "r");
	char *line = NULL;
	size_t cap = 0;

	snprintf(out, n, "?");
	if (!f)
		return;
	while (getline(&line, &cap, f) > 0) {
		char *sep = strstr(line, " - "), *mp, *save, *fstype, *opts, *tok;
		size_t len = 0;

		if (!sep)
			continue;
		strtok_r(line, " ", &save);		/* id */
		strtok_r(NULL, " ", &save);		/* parent */
		strtok_r(NULL, " ", &save);		/* dev */
		strtok_r(NULL, " ", &save);		/* root */
		mp = strtok_r(NULL, " ", &save);
		if (!mp || strcmp(mp, mnt))
			continue;
		fstype = strtok_r(sep + 3, " ", &save);
		strtok_r(NULL, " ", &save);		/* source */
		opts = strtok_r(NULL, " \n", &save);
		len = snprintf(out, n, "%s:", fstype ? fstype : "?");
		for (tok = strtok_r(opts, ",", &save); tok && len < n;
		     tok = strtok_r(NULL, ",", &save)) {
			static const char *const lists[] = { "lowerdir=", "layers=",
				"layer=", "upperdir=", "workdir=", "upper=", "work=" };

			/* Paths and layer lists: the name only. */
			for (size_t k = 0; k < ARRAY_SIZE(lists); k++)
				if (!strncmp(tok, lists[k], strlen(lists[k])))
					tok[strlen(lists[k]) - 1] = '\0';
			len += snprintf(out + len, n - len, "%s%s",
					out[len - 1] == ':' ? "" : ",", tok);
		}
	}
	free(line);
	fclose(f);
}

/* Mounts both views; prints F lines for failures and C lines for options. */
static int cmd_mount(int argc, char **argv)
{
	if (parse_opts(argc, argv) != argc)
		die("usage: lfsbench mount --base DIR --depth D --prefix P");
	need_base();
	for (int s = OVERLAY; s <= LAYERFS; s++) {
		char o[512], *mnt = base_path(sys_dir[s]);
		int64_t t0 = now_ns();

		why[0] = '\0';
		if (s == OVERLAY && opt.depth > OVL_MAX_STACK) {
			printf("N\t%s\t%ld\t%s\t%s\n", opt.fs, opt.depth, sys_name[s],
			       OVL_NA_WHY + 5);
			fprintf(stderr, "bench:   %s depth %ld: %s not mounted: %s\n",
				opt.fs, opt.depth, sys_name[s], OVL_NA_WHY + 5);
		} else if (mount_sys(s)) {
			printf("F\t%s\t%ld\t%s\t%s\n", opt.fs, opt.depth, sys_name[s], why);
			fprintf(stderr, "bench:   %s depth %ld: %s mount failed: %s\n",
				opt.fs, opt.depth, sys_name[s], why);
		} else {
			mount_opts(mnt, o, sizeof(o));
			printf("C\t%s\t%ld\t%s mount\t%.1f ms; %s\n", opt.fs, opt.depth,
			       sys_name[s], (now_ns() - t0) / 1e6, o);
		}
		free(mnt);
	}
	return 0;
}

static int cmd_umount(int argc, char **argv)
{
	int rc = 0;

	if (parse_opts(argc, argv) != argc)
		die("usage: lfsbench umount --base DIR");
	need_base();
	for (int s = OVERLAY; s <= LAYERFS; s++) {
		if (!sys_mounted(s))
			continue;
		if (umount_sys(s)) {
			fprintf(stderr, "lfsbench: %s\n", why);
			rc = 1;
		}
	}
	return rc;
}

/* ---- workloads ---- */

struct ctx {
	int s;			/* system */
	int rep;
	int rootfd;		/* the system's root directory */
	char *root;
	char bottom_file[64];	/* a tree file in the bottom layer */
	char **names;		/* cold lookup names */
	long nnames;
	long seq_bytes;		/* size of big.dat */
	char *buf;		/* SEQ_BUF bytes */
	long nents;		/* walk/readdir counter */
};

static int w_stat(struct ctx *c)
{
	struct stat st;

	for (long i = 0; i < opt.stat_iters; i++)
		if (fstatat(c->rootfd, c->bottom_file, &st, 0))
			return failf("stat %s: %s", c->bottom_file, strerror(errno));
	return 0;
}

static int w_open(struct ctx *c)
{
	for (long i = 0; i < opt.open_iters; i++) {
		int fd = openat(c->rootfd, c->bottom_file, O_RDONLY | O_CLOEXEC);

		if (fd < 0)
			return failf("open %s: %s", c->bottom_file, strerror(errno));
		close(fd);
	}
	return 0;
}

static int drop_caches(void)
{
	int fd;

	sync();
	fd = open("/proc/sys/vm/drop_caches", O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, "3\n", 2) != 2)
		return failf("drop_caches: %s", strerror(errno));
	close(fd);
	return 0;
}

static int w_cold_present(struct ctx *c)
{
	struct stat st;

	for (long i = 0; i < c->nnames; i++)
		if (fstatat(c->rootfd, c->names[i], &st, AT_SYMLINK_NOFOLLOW))
			return failf("stat %s: %s", c->names[i], strerror(errno));
	return 0;
}

static int w_cold_absent(struct ctx *c)
{
	struct stat st;

	for (long i = 0; i < c->nnames; i++) {
		if (!fstatat(c->rootfd, c->names[i], &st, AT_SYMLINK_NOFOLLOW))
			return failf("stat %s: exists", c->names[i]);
		if (errno != ENOENT)
			return failf("stat %s: %s", c->names[i], strerror(errno));
	}
	return 0;
}

/* getdents64 over the directory @fd; calls @fn for each name but . and .. */
static int dents(int fd, char *buf, size_t n,
		 int (*fn)(struct ctx *, int, const char *, unsigned char),
		 struct ctx *c)
{
	for (;;) {
		long got = syscall(SYS_getdents64, fd, buf, n);

		if (got < 0)
			return failf("getdents64: %s", strerror(errno));
		if (got == 0)
			return 0;
		for (long off = 0; off < got;) {
			struct dirent64 *d = (struct dirent64 *)(buf + off);

			off += d->d_reclen;
			if (d->d_name[0] == '.' && (!d->d_name[1] ||
			    (d->d_name[1] == '.' && !d->d_name[2])))
				continue;
			if (fn && fn(c, fd, d->d_name, d->d_type))
				return -1;
			c->nents++;
		}
	}
}

static int w_readdir(struct ctx *c)
{
	int fd = openat(c->rootfd, "big", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int rc;

	if (fd < 0)
		return failf("open big/: %s", strerror(errno));
	c->nents = 0;
	rc = dents(fd, c->buf, 64 * 1024, NULL, c);
	close(fd);
	if (!rc && c->nents != opt.dirents)
		rc = failf("readdir big/: %ld entries, expected %ld", c->nents,
			   opt.dirents);
	return rc;
}

static int walk_dir(struct ctx *c, int dfd, const char *name);

static int walk_ent(struct ctx *c, int dfd, const char *name, unsigned char type)
{
	struct stat st;

	(void)type;
	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW))
		return failf("stat %s: %s", name, strerror(errno));
	if (S_ISDIR(st.st_mode))
		return walk_dir(c, dfd, name);
	return 0;
}

/* Like find -ls: every entry is stat'ed, directories are descended into. */
static int walk_dir(struct ctx *c, int dfd, const char *name)
{
	int fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	char *buf;
	int rc;

	if (fd < 0)
		return failf("open %s: %s", name, strerror(errno));
	buf = xmalloc(32 * 1024);
	rc = dents(fd, buf, 32 * 1024, walk_ent, c);
	free(buf);
	close(fd);
	return rc;
}

static int w_walk(struct ctx *c)
{
	long want = opt.files + ntop() * (1 + LEAVES_PER_TOP);

	c->nents = 0;
	if (walk_dir(c, c->rootfd, "t"))
		return -1;
	if (c->nents != want)
		return failf("walk t/: %ld entries, expected %ld", c->nents, want);
	return 0;
}

static int w_seqread(struct ctx *c)
{
	int fd = openat(c->rootfd, "big.dat", O_RDONLY | O_CLOEXEC);
	long total = 0;
	ssize_t n;

	if (fd < 0)
		return failf("open big.dat: %s", strerror(errno));
	while ((n = read(fd, c->buf, SEQ_BUF)) > 0)
		total += n;
	close(fd);
	if (n < 0)
		return failf("read big.dat: %s", strerror(errno));
	if (total != c->seq_bytes)
		return failf("read big.dat: %ld bytes, expected %ld", total, c->seq_bytes);
	return 0;
}

static int rand_fd = -1;

static int w_randread_before(struct ctx *c)
{
	rand_fd = openat(c->rootfd, "big.dat", O_RDONLY | O_CLOEXEC);
	if (rand_fd < 0)
		return failf("open big.dat: %s", strerror(errno));
	return 0;
}

static int w_randread(struct ctx *c)
{
	uint64_t seed = 0x2545f4914f6cdd1dULL + c->rep;
	long pages = c->seq_bytes / 4096;

	for (long i = 0; i < opt.rand_reads; i++) {
		off_t off = (off_t)(xorshift(&seed) % pages) * 4096;

		if (pread(rand_fd, c->buf, 4096, off) != 4096)
			return failf("pread big.dat at %lld: %s", (long long)off,
				     strerror(errno));
	}
	return 0;
}

static int w_randread_after(struct ctx *c)
{
	(void)c;
	close(rand_fd);
	rand_fd = -1;
	return 0;
}

static int create_dfd = -1;

static int create_one(int dfd, const char *name, const char *buf)
{
	int fd = openat(dfd, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);

	if (fd < 0)
		return failf("create %s: %s", name, strerror(errno));
	if (write(fd, buf, 4096) != 4096) {
		close(fd);
		return failf("write %s: %s", name, strerror(errno));
	}
	if (fsync(fd)) {
		close(fd);
		return failf("fsync %s: %s", name, strerror(errno));
	}
	if (close(fd))
		return failf("close %s: %s", name, strerror(errno));
	return 0;
}

/* Creates in t/d00/s0, a directory of every layer (a merged directory). */
static int w_create_prepare(struct ctx *c)
{
	int dfd = openat(c->rootfd, "t/d00/s0", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int rc;

	if (dfd < 0)
		return failf("open t/d00/s0: %s", strerror(errno));
	/* Copies the parents up (overlayfs, layerfs) before timing. */
	rc = create_one(dfd, "warm", c->buf);
	if (!rc && unlinkat(dfd, "warm", 0))
		rc = failf("unlink warm: %s", strerror(errno));
	close(dfd);
	return rc;
}

static int w_create_before(struct ctx *c)
{
	create_dfd = openat(c->rootfd, "t/d00/s0", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (create_dfd < 0)
		return failf("open t/d00/s0: %s", strerror(errno));
	return 0;
}

static int w_create(struct ctx *c)
{
	char name[64];

	for (long i = 0; i < opt.creates; i++) {
		snprintf(name, sizeof(name), "new-%d-%ld", c->rep, i);
		if (create_one(create_dfd, name, c->buf))
			return -1;
	}
	return 0;
}

static int w_create_after(struct ctx *c)
{
	(void)c;
	close(create_dfd);
	create_dfd = -1;
	return 0;
}

static int reopen_root(struct ctx *c)
{
	if (c->rootfd >= 0)
		close(c->rootfd);
	c->rootfd = open(c->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (c->rootfd < 0)
		return failf("open %s: %s", c->root, strerror(errno));
	return 0;
}

/* A fresh view (empty upper) for every copy-up. */
static int w_copyup_before(struct ctx *c)
{
	struct stat st;

	if (c->s != NATIVE) {
		close(c->rootfd);
		c->rootfd = -1;
		if (umount_sys(c->s) || clear_dir(sys_upper[c->s]) ||
		    clear_dir(sys_work[c->s]) || mount_sys(c->s) || reopen_root(c))
			return -1;
	}
	if (fstatat(c->rootfd, "cu.dat", &st, 0))
		return failf("stat cu.dat: %s", strerror(errno));
	return 0;
}

static int w_copyup(struct ctx *c)
{
	int fd = openat(c->rootfd, "cu.dat", O_WRONLY | O_APPEND | O_CLOEXEC);

	if (fd < 0)
		return failf("open cu.dat O_WRONLY|O_APPEND: %s", strerror(errno));
	if (write(fd, "x", 1) != 1) {
		close(fd);
		return failf("append to cu.dat: %s", strerror(errno));
	}
	if (close(fd))
		return failf("close cu.dat: %s", strerror(errno));
	return 0;
}

/* The copy is in the upper directory, one byte longer than the lower. */
static int w_copyup_after(struct ctx *c)
{
	char *up, *lo;
	struct stat su, sl;
	int rc = 0;

	if (c->s == NATIVE)
		return 0;
	up = xasprintf("%s/%s/cu.dat", opt.base, sys_upper[c->s]);
	lo = xasprintf("%s/l/%ld/cu.dat", opt.base, opt.depth - 1);
	if (stat(up, &su))
		rc = failf("after copy-up: %s: %s", up, strerror(errno));
	else if (stat(lo, &sl))
		rc = failf("%s: %s", lo, strerror(errno));
	else if (su.st_size != sl.st_size + 1)
		rc = failf("after copy-up: %s is %lld bytes, expected %lld", up,
			   (long long)su.st_size, (long long)sl.st_size + 1);
	free(up);
	free(lo);
	return rc;
}

struct workload {
	const char *name;
	const char *unit;
	bool writes;		/* needs a writable view */
	long *ops;		/* ops per timed region (NULL: 1, or names) */
	int (*prepare)(struct ctx *);	/* once per system, untimed */
	int (*before)(struct ctx *);	/* before each timed region */
	int (*timed)(struct ctx *);
	int (*after)(struct ctx *);	/* after each timed region */
	int warmups;		/* untimed runs of @timed per system */
	bool cold;		/* drop caches before each timed region */
	bool names_absent;
	int reps_mult;		/* short regions: --reps times this many */
};

static const struct workload workloads[] = {
	{ .name = "stat", .unit = "stat", .ops = &opt.stat_iters,
	  .timed = w_stat, .warmups = 1, .reps_mult = 3 },
	{ .name = "open", .unit = "open+close", .ops = &opt.open_iters,
	  .timed = w_open, .warmups = 1, .reps_mult = 3 },
	{ .name = "readdir", .unit = "readdir of big/", .timed = w_readdir,
	  .warmups = 1, .reps_mult = 3 },
	{ .name = "walk", .unit = "walk+stat of t/", .timed = w_walk,
	  .warmups = 1 },
	{ .name = "seqread", .unit = "read of big.dat", .timed = w_seqread },
	{ .name = "randread", .unit = "pread 4 KiB", .ops = &opt.rand_reads,
	  .before = w_randread_before, .timed = w_randread,
	  .after = w_randread_after, .reps_mult = 3 },
	{ .name = "lookup-cold", .unit = "stat (present), cold",
	  .ops = &opt.cold_names, .timed = w_cold_present, .cold = true },
	{ .name = "lookup-cold-absent", .unit = "stat (absent), cold",
	  .ops = &opt.cold_names, .timed = w_cold_absent, .cold = true,
	  .names_absent = true },
	{ .name = "readdir-cold", .unit = "readdir of big/, cold",
	  .timed = w_readdir, .cold = true },
	{ .name = "create", .unit = "create+4 KiB+fsync", .writes = true,
	  .ops = &opt.creates, .prepare = w_create_prepare,
	  .before = w_create_before, .timed = w_create,
	  .after = w_create_after, .reps_mult = 3 },
	{ .name = "copyup", .unit = "copy-up of cu.dat", .writes = true,
	  .before = w_copyup_before, .timed = w_copyup,
	  .after = w_copyup_after },
};

static void cold_names(struct ctx *c, bool absent)
{
	long span = opt.files < 1000 ? opt.files : 1000;
	long n = opt.cold_names, stride = n ? span / n : 1;
	char p[64];

	if (stride < 1)
		stride = 1;
	c->names = xmalloc((n + 1) * sizeof(*c->names));
	/* Files 0..999 (t/d00/s0, s1): i % depth covers every layer. */
	for (long k = 0; k < n; k++) {
		long i = (k * stride + stride / 2) % span;

		file_path(p, sizeof(p), i);
		if (absent) {
			char *slash = strrchr(p, '/');

			snprintf(slash + 1, sizeof(p) - (slash + 1 - p), "x%05ld", i);
		}
		c->names[k] = xstrdup(p);
	}
	c->nnames = n;
}

/*
 * Why system @s does not run workload @w in this configuration (a status
 * starting "n/a" or "skip", not a failure), or NULL if it does.
 */
static const char *not_measured(const struct workload *w, int s)
{
	if (w->cold && fs_magic(opt.base) == TMPFS_MAGIC)
		return COLD_SKIP_WHY;
	if (s == OVERLAY && opt.depth > OVL_MAX_STACK)
		return OVL_NA_WHY;
	return NULL;
}

/* A status that is no failure: not applicable, or skipped on purpose. */
static bool status_not_measured(const char *st)
{
	return st && (!strncmp(st, "n/a", 3) || !strncmp(st, "skip", 4));
}

static const struct workload *find_workload(const char *name)
{
	for (size_t k = 0; k < ARRAY_SIZE(workloads); k++)
		if (!strcmp(workloads[k].name, name))
			return &workloads[k];
	return NULL;
}

static void fmt_time(char *buf, size_t n, double ns);
static double median_of(int64_t *v, int n);

/* Times workload @w on the three systems; prints its R lines. */
static void run_workload(const struct workload *w, char *buf, long seq_bytes)
{
	struct ctx ctx[NSYS];
	bool failed[NSYS] = { false };
	static char fail_why[NSYS][sizeof(why)];
	static int64_t samples[NSYS][MAX_REPS];
	long ops = w->ops ? *w->ops : 1;
	int64_t start = now_ns();
	int reps = opt.reps * (w->reps_mult ? w->reps_mult : 1);
	int64_t warm[NSYS] = { 0 };

	if (reps > MAX_REPS)
		reps = MAX_REPS;

	for (int s = 0; s < NSYS; s++) {
		struct ctx *c = &ctx[s];

		memset(c, 0, sizeof(*c));
		c->s = s;
		c->rootfd = -1;
		c->root = base_path(sys_dir[s]);
		/* One buffer for all: the same user addresses for each system. */
		c->buf = buf;
		c->seq_bytes = seq_bytes;
		file_path(c->bottom_file, sizeof(c->bottom_file), opt.depth - 1);
		cold_names(c, w->names_absent);
		why[0] = '\0';
		if (not_measured(w, s)) {
			failed[s] = true;
			snprintf(fail_why[s], sizeof(fail_why[s]), "%s", not_measured(w, s));
			continue;
		}
		if (s != NATIVE && !sys_mounted(s))
			failf("not mounted (see the mount failure)");
		else if (!reopen_root(c) && w->prepare)
			w->prepare(c);
		for (int k = 0; !why[0] && k < w->warmups; k++) {
			int64_t t0 = now_ns();

			if ((!w->before || !w->before(c)) && !w->timed(c) && w->after)
				w->after(c);
			if (k == 0)
				warm[s] = now_ns() - t0;
		}
		if (why[0]) {
			failed[s] = true;
			snprintf(fail_why[s], sizeof(fail_why[s]), "%s", why);
		}
	}

	for (int r = 0; r < reps; r++) {
		for (int k = 0; k < NSYS; k++) {
			int s = (r + k) % NSYS;	/* rotate who goes first */
			struct ctx *c = &ctx[s];
			int64_t t0, t1;
			int rc;

			if (failed[s])
				continue;
			why[0] = '\0';
			c->rep = r;
			rc = w->before ? w->before(c) : 0;
			if (!rc && w->cold)
				rc = drop_caches();
			if (!rc) {
				t0 = now_ns();
				rc = w->timed(c);
				t1 = now_ns();
				samples[s][r] = t1 - t0;
				if (w->after && w->after(c) && !rc)
					rc = -1;
			}
			if (rc) {
				failed[s] = true;
				snprintf(fail_why[s], sizeof(fail_why[s]),
					 "rep %d: %s", r + 1, why);
			}
		}
	}

	fprintf(stderr, "bench:   %s depth %ld %-18s %5.1fs:", opt.fs, opt.depth,
		w->name, (now_ns() - start) / 1e9);
	for (int s = 0; s < NSYS; s++) {
		printf("R\t%s\t%ld\t%s\t%s\t", opt.fs, opt.depth, w->name, sys_name[s]);
		if (failed[s] && status_not_measured(fail_why[s])) {
			printf("%s", fail_why[s]);
			fprintf(stderr, " %s %s", sys_name[s],
				fail_why[s][0] == 'n' ? "n/a" : "skip");
		} else if (failed[s]) {
			printf("FAIL: %s", fail_why[s]);
			fprintf(stderr, " %s FAIL", sys_name[s]);
		} else {
			char t[32];

			printf("ok");
			fmt_time(t, sizeof(t), median_of(samples[s], reps) / ops);
			fprintf(stderr, " %s %s", sys_name[s], t);
		}
		printf("\t%ld\t%s\t", ops, w->unit);
		for (int r = 0; !failed[s] && r < reps; r++)
			printf("%s%" PRId64, r ? "," : "", samples[s][r]);
		printf("\n");
		/* The first (untimed) warm-up run: a fresh view's cold caches. */
		if (w->warmups && !failed[s])
			printf("W\t%s\t%ld\t%s\t%s\t%" PRId64 "\n", opt.fs, opt.depth,
			       w->name, sys_name[s], warm[s]);
		if (ctx[s].rootfd >= 0)
			close(ctx[s].rootfd);
	}
	fprintf(stderr, "\n");
	for (int s = 0; s < NSYS; s++)
		if (failed[s] && !status_not_measured(fail_why[s]))
			fprintf(stderr, "bench:     %s: FAIL: %s\n", sys_name[s], fail_why[s]);
	fflush(stdout);
	for (int s = 0; s < NSYS; s++) {
		for (long i = 0; i < ctx[s].nnames; i++)
			free(ctx[s].names[i]);
		free(ctx[s].names);
		free(ctx[s].root);
	}
}

/* Runs the workloads named in order (all if none). */
static int cmd_run(int argc, char **argv)
{
	int i = parse_opts(argc, argv);
	struct stat st;
	char *buf, *big;

	need_base();
	/* One CPU: no migrations between the samples of a repetition. */
	{
		cpu_set_t set;

		CPU_ZERO(&set);
		CPU_SET(sysconf(_SC_NPROCESSORS_ONLN) > 1 ? 1 : 0, &set);
		sched_setaffinity(0, sizeof(set), &set);
	}
	for (int k = i; k < argc; k++)
		if (!find_workload(argv[k]))
			die("unknown workload '%s'", argv[k]);
	buf = aligned_alloc(4096, SEQ_BUF);
	if (!buf)
		die("out of memory");
	memset(buf, 'b', SEQ_BUF);
	big = xasprintf("%s/n/big.dat", opt.base);
	if (stat(big, &st))
		die("%s: %s", big, strerror(errno));
	free(big);
	if (i == argc) {
		for (size_t k = 0; k < ARRAY_SIZE(workloads); k++)
			run_workload(&workloads[k], buf, st.st_size);
	} else {
		for (int k = i; k < argc; k++)
			run_workload(find_workload(argv[k]), buf, st.st_size);
	}
	free(buf);
	return 0;
}

/* ---- report ---- */

struct result {
	char *fs, *work, *unit;
	long depth, ops;
	char *status[NSYS];		/* NULL: no result */
	int64_t samples[NSYS][MAX_REPS];
	int nsamples[NSYS];
	double median[NSYS];		/* ns per op; NAN if none */
	double min[NSYS];		/* ns per op */
	double mad[NSYS];		/* median absolute deviation / median */
	double warm[NSYS];		/* first untimed run, ns; NAN if none */
};

static struct result *results;
static int nresults;

static struct result *result_for(const char *fs, long depth, const char *work)
{
	struct result *r;

	for (int i = 0; i < nresults; i++)
		if (!strcmp(results[i].fs, fs) && results[i].depth == depth &&
		    !strcmp(results[i].work, work))
			return &results[i];
	results = realloc(results, (nresults + 1) * sizeof(*results));
	if (!results)
		die("out of memory");
	r = &results[nresults++];
	memset(r, 0, sizeof(*r));
	r->fs = xstrdup(fs);
	r->depth = depth;
	r->work = xstrdup(work);
	for (int s = 0; s < NSYS; s++)
		r->median[s] = r->min[s] = r->mad[s] = r->warm[s] = NAN;
	return r;
}

static int sys_index(const char *name)
{
	for (int s = 0; s < NSYS; s++)
		if (!strcmp(sys_name[s], name))
			return s;
	return -1;
}

/* Splits a tab-separated line in place; returns the field count. */
static int split_tabs(char *line, char **f, int max)
{
	int n = 0;
	char *p = line;

	line[strcspn(line, "\n")] = '\0';
	while (n < max) {
		f[n++] = p;
		p = strchr(p, '\t');
		if (!p)
			break;
		*p++ = '\0';
	}
	return n;
}

static int cmp_dbl(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median_dbl(double *v, int n)
{
	if (n == 0)
		return NAN;
	qsort(v, n, sizeof(*v), cmp_dbl);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static double median_of(int64_t *v, int n)
{
	double *t = xmalloc((n + 1) * sizeof(*t)), m;

	for (int i = 0; i < n; i++)
		t[i] = v[i];
	m = median_dbl(t, n);
	free(t);
	return m;
}

/* Median, minimum and relative median absolute deviation of system @s. */
static void summarize(struct result *r, int s)
{
	int n = r->nsamples[s];
	double d[MAX_REPS], med = median_of(r->samples[s], n), ops = r->ops ? r->ops : 1;

	r->median[s] = med / ops;
	r->min[s] = INFINITY;
	for (int i = 0; i < n; i++) {
		d[i] = fabs(r->samples[s][i] - med);
		if (r->samples[s][i] / ops < r->min[s])
			r->min[s] = r->samples[s][i] / ops;
	}
	r->mad[s] = med > 0 ? median_dbl(d, n) / med : NAN;
}

static void fmt_time(char *buf, size_t n, double ns)
{
	if (isnan(ns))
		snprintf(buf, n, "FAIL");
	else if (ns < 1e3)
		snprintf(buf, n, "%.0f ns", ns);
	else if (ns < 1e6)
		snprintf(buf, n, "%.2f us", ns / 1e3);
	else if (ns < 1e9)
		snprintf(buf, n, "%.2f ms", ns / 1e6);
	else
		snprintf(buf, n, "%.2f s", ns / 1e9);
}

/* Ratio of the medians of systems @a and @b. */
static double ratio(const struct result *r, int a, int b)
{
	if (isnan(r->median[a]) || isnan(r->median[b]) || r->median[b] <= 0)
		return NAN;
	return r->median[a] / r->median[b];
}

/*
 * Median of the per-repetition ratios: the two samples of a repetition ran
 * back to back, so this cancels slow drift of the machine's speed.
 */
static double paired_ratio(const struct result *r, int a, int b)
{
	double v[MAX_REPS];
	int n = 0;

	if (isnan(r->median[a]) || isnan(r->median[b]))
		return NAN;
	for (int i = 0; i < r->nsamples[a] && i < r->nsamples[b]; i++)
		if (r->samples[b][i] > 0)
			v[n++] = (double)r->samples[a][i] / r->samples[b][i];
	return median_dbl(v, n);
}

/* The largest relative MAD of the systems, in percent. */
static double noise_pct(const struct result *r)
{
	double m = NAN;

	for (int s = 0; s < NSYS; s++)
		if (!isnan(r->mad[s]) && (isnan(m) || r->mad[s] > m))
			m = r->mad[s];
	return 100 * m;
}

static void fmt_ratio(char *buf, size_t n, double x)
{
	if (isnan(x))
		snprintf(buf, n, "-");
	else if (x >= 100)
		snprintf(buf, n, "%.0f", x);
	else
		snprintf(buf, n, "%.2f", x);
}

static void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fprintf(f, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			fprintf(f, "\\u%04x", *s);
		else
			fputc(*s, f);
	}
	fputc('"', f);
}

static void json_num(FILE *f, double x)
{
	if (isnan(x) || isinf(x))
		fputs("null", f);
	else
		fprintf(f, "%.6g", x);
}

/* A target: its items and the ones missed. */
struct check {
	const char *name;
	int total, met;
	char **missed;
};

static void check_item(struct check *ck, const struct result *r, bool ok,
		       const char *what)
{
	char line[512];

	ck->total++;
	if (ok) {
		ck->met++;
		return;
	}
	snprintf(line, sizeof(line), "%s depth %ld %s: %s (noise +-%.0f%%)",
		 r->fs, r->depth, r->work, what, noise_pct(r));
	ck->missed = realloc(ck->missed, (ck->total - ck->met) * sizeof(char *));
	if (!ck->missed)
		die("out of memory");
	ck->missed[ck->total - ck->met - 1] = xstrdup(line);
}

struct strlist {
	char **v;
	int n;
};

static void strlist_add(struct strlist *l, char *s)
{
	l->v = realloc(l->v, (l->n + 1) * sizeof(*l->v));
	if (!l->v)
		die("out of memory");
	l->v[l->n++] = s;
}

static void json_strlist(FILE *js, const struct strlist *l)
{
	fprintf(js, "[");
	for (int i = 0; i < l->n; i++) {
		fprintf(js, "%s\n    ", i ? "," : "");
		json_str(js, l->v[i]);
	}
	fprintf(js, "\n  ]");
}

static void read_tsv(const char *path, struct strlist *info, struct strlist *fails,
		     struct strlist *crashes, struct strlist *confs,
		     struct strlist *nas)
{
	FILE *in = fopen(path, "r");
	char *line = NULL, *f[16];
	size_t cap = 0;

	if (!in)
		die("%s: %s", path, strerror(errno));
	while (getline(&line, &cap, in) > 0) {
		int n = split_tabs(line, f, 16), s;

		if (n >= 9 && !strcmp(f[0], "R") && (s = sys_index(f[4])) >= 0) {
			struct result *r = result_for(f[1], atol(f[2]), f[3]);
			char *p = f[8];

			r->ops = atol(f[6]);
			free(r->unit);
			r->unit = xstrdup(f[7]);
			free(r->status[s]);
			r->status[s] = xstrdup(f[5]);
			r->nsamples[s] = 0;
			while (*p && r->nsamples[s] < MAX_REPS) {
				r->samples[s][r->nsamples[s]++] = strtoll(p, &p, 10);
				if (*p == ',')
					p++;
			}
			if (!strcmp(f[5], "ok") && r->nsamples[s])
				summarize(r, s);
		} else if (n >= 6 && !strcmp(f[0], "W") && (s = sys_index(f[4])) >= 0) {
			result_for(f[1], atol(f[2]), f[3])->warm[s] = atof(f[5]);
		} else if (n >= 5 && !strcmp(f[0], "X")) {
			struct result *r = result_for(f[1], atol(f[2]), f[3]);
			int rc = atoi(f[4]);
			char *msg = xasprintf("FAIL: crashed: lfsbench run exited with status %d%s",
					      rc, rc == 124 ? " (timed out)" :
					      rc > 128 ? " (killed by a signal)" : "");

			for (s = 0; s < NSYS; s++)
				if (!r->status[s])
					r->status[s] = xstrdup(msg);
			strlist_add(crashes, xasprintf("%s depth %s %s: %s", f[1], f[2],
						       f[3], msg + 6));
			free(msg);
		} else if (n >= 5 && !strcmp(f[0], "N")) {
			strlist_add(nas, xasprintf("%s depth %s %s: %s", f[1], f[2],
						   f[3], f[4]));
		} else if (n >= 5 && !strcmp(f[0], "F")) {
			strlist_add(fails, xasprintf("%s depth %s %s: %s", f[1], f[2],
						     f[3], f[4]));
		} else if (n >= 3 && !strcmp(f[0], "I")) {
			strlist_add(info, xstrdup(f[1]));
			strlist_add(info, xstrdup(f[2]));
		} else if (n >= 5 && !strcmp(f[0], "C")) {
			strlist_add(confs, xasprintf("%s depth %s %s: %s", f[1], f[2],
						     f[3], f[4]));
		}
	}
	fclose(in);
	free(line);
}

/* Where the figures come from: the I lines fs_NAME. */
static void print_filesystems(const struct strlist *info)
{
	printf("\nBacking filesystems:\n");
	for (int i = 0; i + 1 < info->n; i += 2)
		if (!strncmp(info->v[i], "fs_", 3))
			printf("  %-6s %s\n", info->v[i] + 3, info->v[i + 1]);
}

/* Ratio @a/@b of every workload (rows) at every depth (columns), per fs. */
static void print_by_depth(int a, int b)
{
	long depths[32];
	int nd = 0;

	for (int i = 0; i < nresults; i++) {
		int k;

		for (k = 0; k < nd && depths[k] != results[i].depth; k++)
			;
		if (k == nd && nd < (int)ARRAY_SIZE(depths))
			depths[nd++] = results[i].depth;
	}
	for (int i = 1; i < nd; i++)	/* insertion sort */
		for (int k = i; k > 0 && depths[k - 1] > depths[k]; k--) {
			long t = depths[k];

			depths[k] = depths[k - 1];
			depths[k - 1] = t;
		}
	printf("\n%s/%s by depth (n/a: not applicable, skip: not measured here, FAIL: failed)\n",
	       sys_name[a], sys_name[b]);
	for (int i = 0; i < nresults; i++) {
		const struct result *r = &results[i];
		bool first = true;

		for (int j = 0; j < i; j++)
			if (!strcmp(results[j].fs, r->fs)) {
				first = false;
				if (!strcmp(results[j].work, r->work))
					goto next;
			}
		if (first) {
			printf("%-5s %-18s", r->fs, "workload");
			for (int k = 0; k < nd; k++)
				printf(" %7ld", depths[k]);
			printf("\n");
		}
		printf("%-5s %-18s", r->fs, r->work);
		for (int k = 0; k < nd; k++) {
			const struct result *x = NULL;
			char cell[16];

			for (int j = 0; j < nresults; j++)
				if (!strcmp(results[j].fs, r->fs) && results[j].depth == depths[k] &&
				    !strcmp(results[j].work, r->work))
					x = &results[j];
			if (!x)
				snprintf(cell, sizeof(cell), "-");
			else if (status_not_measured(x->status[a]) ||
				 status_not_measured(x->status[b]))
				snprintf(cell, sizeof(cell), "%s",
					 (status_not_measured(x->status[b]) ?
					  x->status[b] : x->status[a])[0] == 'n' ? "n/a" : "skip");
			else if (isnan(ratio(x, a, b)))
				snprintf(cell, sizeof(cell), "FAIL");
			else
				fmt_ratio(cell, sizeof(cell), ratio(x, a, b));
			printf(" %7s", cell);
		}
		printf("\n");
next:;
	}
}

/* A system's median, or why there is none (n/a, skip, FAIL). */
static void fmt_cell(char *buf, size_t n, const struct result *r, int s)
{
	const char *st = r->status[s];

	if (isnan(r->median[s]) && status_not_measured(st))
		snprintf(buf, n, "%s", st[0] == 'n' ? "n/a" : "skip");
	else
		fmt_time(buf, n, r->median[s]);
}

static void print_table(void)
{
	const char *prev_fs = "";

	printf("\nlayerfs benchmark: median time per operation (lower is better) and ratios of\n"
	       "the medians: L/N = layerfs/native, L/O = layerfs/overlayfs, O/N =\n"
	       "overlayfs/native (> 1: slower).  noise: the largest relative median absolute\n"
	       "deviation of the three systems' samples.\n");
	for (int i = 0; i < nresults; i++) {
		struct result *r = &results[i];
		char t[NSYS][32], ln[16], lo[16], on[16], nz[16];

		if (strcmp(prev_fs, r->fs)) {
			printf("\n%-5s %5s %-18s %10s %10s %10s %6s %6s %6s %5s  %s\n", "fs",
			       "depth", "workload", "native", "overlayfs", "layerfs", "L/N",
			       "L/O", "O/N", "noise", "per op");
			prev_fs = r->fs;
		}
		for (int s = 0; s < NSYS; s++)
			fmt_cell(t[s], sizeof(t[s]), r, s);
		fmt_ratio(ln, sizeof(ln), ratio(r, LAYERFS, NATIVE));
		fmt_ratio(lo, sizeof(lo), ratio(r, LAYERFS, OVERLAY));
		fmt_ratio(on, sizeof(on), ratio(r, OVERLAY, NATIVE));
		if (isnan(noise_pct(r)))
			snprintf(nz, sizeof(nz), "-");
		else
			snprintf(nz, sizeof(nz), "%.0f%%", noise_pct(r));
		printf("%-5s %5ld %-18s %10s %10s %10s %6s %6s %6s %5s  %s\n", r->fs,
		       r->depth, r->work, t[NATIVE], t[OVERLAY], t[LAYERFS], ln, lo, on,
		       nz, r->unit ? r->unit : "?");
	}
}

/*
 * What was not measured on purpose (n/a, skip; not failures): each reason
 * once, then per configuration the systems and workloads it applies to.
 */
static void print_not_measured(const struct strlist *nas)
{
	struct strlist why = { 0 };

	printf("\nNot measured (not failures):\n");
	for (int i = 0; i < nas->n; i++)
		printf("  mount: %s\n", nas->v[i]);
	for (int i = 0; i < nresults; i++)
		for (int s = 0; s < NSYS; s++) {
			const char *st = results[i].status[s];
			int k;

			if (!status_not_measured(st))
				continue;
			for (k = 0; k < why.n && strcmp(why.v[k], st); k++)
				;
			if (k == why.n)
				strlist_add(&why, xstrdup(st));
		}
	for (int k = 0; k < why.n; k++) {
		printf("  %s:\n", why.v[k]);
		for (int i = 0; i < nresults; i++) {
			bool seen = false, sys[NSYS] = { false };
			int nw = 0;

			/* The first result of its configuration only. */
			for (int j = 0; j < i; j++)
				if (!strcmp(results[j].fs, results[i].fs) &&
				    results[j].depth == results[i].depth)
					seen = true;
			if (seen)
				continue;
			for (int j = i; j < nresults; j++)
				for (int s = 0; s < NSYS; s++)
					if (!strcmp(results[j].fs, results[i].fs) &&
					    results[j].depth == results[i].depth &&
					    results[j].status[s] &&
					    !strcmp(results[j].status[s], why.v[k]))
						sys[s] = true;
			if (!sys[0] && !sys[1] && !sys[2])
				continue;
			printf("    %s depth %ld,", results[i].fs, results[i].depth);
			for (int s = 0, n = 0; s < NSYS; s++)
				if (sys[s])
					printf("%s %s", n++ ? "," : "", sys_name[s]);
			printf(":");
			for (int j = i; j < nresults; j++) {
				bool hit = false;

				if (strcmp(results[j].fs, results[i].fs) ||
				    results[j].depth != results[i].depth)
					continue;
				for (int s = 0; s < NSYS; s++)
					if (results[j].status[s] &&
					    !strcmp(results[j].status[s], why.v[k]))
						hit = true;
				if (hit)
					printf("%s %s", nw++ ? "," : "", results[j].work);
			}
			printf("\n");
		}
		free(why.v[k]);
	}
	if (!nas->n && !why.n)
		printf("  none\n");
	free(why.v);
}

static void print_failures(const struct strlist *fails, const struct strlist *crashes)
{
	bool *shown = xmalloc((nresults + 1) * NSYS * sizeof(*shown));
	int nf = fails->n + crashes->n;

	printf("\nFailures:\n");
	for (int i = 0; i < fails->n; i++)
		printf("  mount/setup: %s\n", fails->v[i]);
	for (int i = 0; i < crashes->n; i++)
		printf("  crash: %s\n", crashes->v[i]);
	/* Workload failures, grouped by configuration, system and status. */
	for (int i = 0; i < nresults; i++) {
		for (int s = 0; s < NSYS; s++) {
			const char *st = results[i].status[s];
			int nw = 0;

			if (shown[i * NSYS + s] || !st || !strcmp(st, "ok") ||
			    strstr(st, "FAIL: crashed") || status_not_measured(st))
				continue;
			printf("  %s depth %ld %s: %s\n      in:", results[i].fs,
			       results[i].depth, sys_name[s], st);
			for (int j = i; j < nresults; j++) {
				const char *sj = results[j].status[s];

				if (strcmp(results[j].fs, results[i].fs) ||
				    results[j].depth != results[i].depth || !sj || strcmp(sj, st))
					continue;
				shown[j * NSYS + s] = true;
				printf("%s %s", nw++ ? "," : "", results[j].work);
			}
			printf("\n");
			nf++;
		}
	}
	if (!nf)
		printf("  none\n");
	free(shown);
}

#define NCHECKS 6

static bool is_work(const struct result *r, const char *const *names)
{
	for (; *names; names++)
		if (!strcmp(r->work, *names))
			return true;
	return false;
}

/* Ratio @a/@b as an item of @ck, if neither system was left out on purpose. */
static void check_ratio(struct check *ck, const struct result *r, int a, int b,
			double max)
{
	double x = ratio(r, a, b);
	char what[160];

	if (status_not_measured(r->status[a]) || status_not_measured(r->status[b]))
		return;
	if (isnan(x))
		snprintf(what, sizeof(what), "no ratio (a system failed)");
	else
		snprintf(what, sizeof(what), "%s/%s %.2f (paired %.2f), target <= %.2f",
			 sys_name[a], sys_name[b], x, paired_ratio(r, a, b), max);
	check_item(ck, r, !isnan(x) && x <= max, what);
}

static void eval_targets(struct check *ck)
{
	static const char *const cold[] = { "lookup-cold", "lookup-cold-absent",
		"readdir-cold", NULL };
	static const char *const warm[] = { "stat", "open", "readdir", NULL };
	char what[128];

	for (int i = 0; i < nresults; i++) {
		struct result *r = &results[i];
		double ln = ratio(r, LAYERFS, NATIVE);

		if (is_work(r, cold))
			check_ratio(&ck[0], r, LAYERFS, NATIVE, 2.0);
		if (is_work(r, warm))
			check_ratio(&ck[1], r, LAYERFS, NATIVE, 1.2);
		check_ratio(&ck[2], r, LAYERFS, OVERLAY, 1.0);
		if (r->depth == 1 || r->depth == 8)
			check_ratio(&ck[3], r, LAYERFS, OVERLAY, 1.10);
		for (int k = 4; k <= 5; k++) {
			if (strcmp(r->work, k == 4 ? "seqread" : "randread"))
				continue;
			if (isnan(ln))
				snprintf(what, sizeof(what), "no ratio (a system failed)");
			else
				snprintf(what, sizeof(what),
					 "layerfs throughput %.3fx native (paired %.3fx)",
					 1 / ln, 1 / paired_ratio(r, LAYERFS, NATIVE));
			check_item(&ck[k], r, !isnan(ln) && 1 / ln >= 0.97, what);
		}
	}
}

/*
 * A target with no cells in this run (depth 4096 alone: overlayfs cannot
 * mount it) is not measured: neither met nor missed.
 */
static void print_targets(const struct check *ck)
{
	printf("\nTargets (on the ratios of medians above):\n");
	for (int k = 0; k < NCHECKS; k++) {
		if (!ck[k].total) {
			printf("  [n/a: no cells in this run] %s\n", ck[k].name);
			continue;
		}
		printf("  [%s] %s: %d of %d met\n",
		       ck[k].met == ck[k].total ? "MET" : "NOT MET",
		       ck[k].name, ck[k].met, ck[k].total);
		for (int i = 0; i < ck[k].total - ck[k].met; i++)
			printf("      missed: %s\n", ck[k].missed[i]);
	}
}

static void write_json(const char *path, const struct strlist *info,
		       const struct strlist *confs, const struct strlist *fails,
		       const struct strlist *crashes, const struct strlist *nas,
		       const struct check *ck)
{
	FILE *js = fopen(path, "w");
	static const int pairs[3][2] = {
		{ LAYERFS, NATIVE }, { LAYERFS, OVERLAY }, { OVERLAY, NATIVE }
	};
	static const char *const pair_name[3] = {
		"layerfs/native", "layerfs/overlayfs", "overlayfs/native"
	};

	if (!js)
		die("%s: %s", path, strerror(errno));
	fprintf(js, "{\n  \"format\": \"layerfs-bench-1\",\n  \"info\": {");
	for (int i = 0; i + 1 < info->n; i += 2) {
		fprintf(js, "%s\n    ", i ? "," : "");
		json_str(js, info->v[i]);
		fprintf(js, ": ");
		json_str(js, info->v[i + 1]);
	}
	fprintf(js, "\n  },\n  \"notes\": ");
	json_str(js, "Times are ns per operation (a workload's timed region covers "
		 "'ops' operations of 'unit'). 'ratios' are ratios of the medians; "
		 "'ratios_paired' the medians of the per-repetition ratios. "
		 "'first_run_ns' is the first untimed warm-up run (whole region, not per "
		 "op); the systems warm up in the order native, overlayfs, layerfs, so "
		 "a later one may find the lower filesystems' caches warmer. A status "
		 "starting 'n/a' or 'skip' is no failure: overlayfs cannot mount more "
		 "than 500 lower layers, and cold workloads run on ext4 only (tmpfs "
		 "cannot drop its dentries).");
	fprintf(js, ",\n  \"config\": ");
	json_strlist(js, confs);
	fprintf(js, ",\n  \"results\": [");
	for (int i = 0; i < nresults; i++) {
		struct result *r = &results[i];

		fprintf(js, "%s\n    {\"fs\": ", i ? "," : "");
		json_str(js, r->fs);
		fprintf(js, ", \"depth\": %ld, \"workload\": ", r->depth);
		json_str(js, r->work);
		fprintf(js, ", \"unit\": ");
		json_str(js, r->unit ? r->unit : "");
		fprintf(js, ", \"ops\": %ld,\n     \"systems\": {", r->ops);
		for (int s = 0; s < NSYS; s++) {
			fprintf(js, "%s\n       ", s ? "," : "");
			json_str(js, sys_name[s]);
			fprintf(js, ": {\"status\": ");
			json_str(js, r->status[s] ? r->status[s] : "FAIL: no result");
			fprintf(js, ", \"median_ns_per_op\": ");
			json_num(js, r->median[s]);
			fprintf(js, ", \"min_ns_per_op\": ");
			json_num(js, r->min[s]);
			fprintf(js, ", \"mad_rel\": ");
			json_num(js, r->mad[s]);
			fprintf(js, ", \"first_run_ns\": ");
			json_num(js, r->warm[s]);
			fprintf(js, ", \"samples_ns\": [");
			for (int k = 0; k < r->nsamples[s]; k++)
				fprintf(js, "%s%" PRId64, k ? ", " : "", r->samples[s][k]);
			fprintf(js, "]}");
		}
		fprintf(js, "},\n     \"ratios\": {");
		for (int k = 0; k < 3; k++) {
			fprintf(js, "%s\"%s\": ", k ? ", " : "", pair_name[k]);
			json_num(js, ratio(r, pairs[k][0], pairs[k][1]));
		}
		fprintf(js, "},\n     \"ratios_paired\": {");
		for (int k = 0; k < 3; k++) {
			fprintf(js, "%s\"%s\": ", k ? ", " : "", pair_name[k]);
			json_num(js, paired_ratio(r, pairs[k][0], pairs[k][1]));
		}
		fprintf(js, "}}");
	}
	fprintf(js, "\n  ],\n  \"failures\": [");
	for (int i = 0; i < fails->n + crashes->n; i++) {
		fprintf(js, "%s\n    ", i ? "," : "");
		json_str(js, i < fails->n ? fails->v[i] : crashes->v[i - fails->n]);
	}
	fprintf(js, "\n  ],\n  \"not_measured\": ");
	json_strlist(js, nas);
	fprintf(js, ",\n  \"targets\": [");
	for (int k = 0; k < NCHECKS; k++) {
		fprintf(js, "%s\n    {\"target\": ", k ? "," : "");
		json_str(js, ck[k].name);
		/* met: null when not measured (no cells in this run) */
		fprintf(js, ", \"met\": %s, \"items\": %d, \"items_met\": %d, \"missed\": [",
			!ck[k].total ? "null" :
			ck[k].met == ck[k].total ? "true" : "false",
			ck[k].total, ck[k].met);
		for (int i = 0; i < ck[k].total - ck[k].met; i++) {
			fprintf(js, "%s", i ? ", " : "");
			json_str(js, ck[k].missed[i]);
		}
		fprintf(js, "]}");
	}
	fprintf(js, "\n  ]\n}\n");
	if (fclose(js))
		die("%s: %s", path, strerror(errno));
}

static int cmd_report(int argc, char **argv)
{
	struct strlist info = { 0 }, fails = { 0 }, crashes = { 0 }, confs = { 0 };
	struct strlist nas = { 0 };
	struct check ck[NCHECKS] = {
		{ .name = "issue 13: cold lookup (present, absent) and cold listing at most 2x native (layerfs/native <= 2), every depth (cold: ext4 only)" },
		{ .name = "issue 13: warm stat, open and readdir at most 1.2x native (layerfs/native <= 1.2), every depth" },
		{ .name = "issue 13: every workload at least as fast as overlayfs (layerfs/overlayfs <= 1.00), every depth overlayfs can mount" },
		{ .name = "earlier target: every workload within 1.10x of overlayfs (layerfs/overlayfs <= 1.10) at depths 1 and 8" },
		{ .name = "cached reads >= 0.97x native throughput: sequential (seqread), every depth" },
		{ .name = "cached reads >= 0.97x native throughput: random 4 KiB (randread), every depth" },
	};

	if (argc < 2 || argc > 3)
		die("usage: lfsbench report TSV [JSON]");
	read_tsv(argv[1], &info, &fails, &crashes, &confs, &nas);
	print_filesystems(&info);
	print_table();
	print_by_depth(LAYERFS, NATIVE);
	print_by_depth(LAYERFS, OVERLAY);
	print_not_measured(&nas);
	print_failures(&fails, &crashes);
	eval_targets(ck);
	print_targets(ck);
	if (argc == 3)
		write_json(argv[2], &info, &confs, &fails, &crashes, &nas, ck);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(int, char **);
	} cmds[] = {
		{ "master", cmd_master }, { "pin", cmd_pin },
		{ "fixture", cmd_fixture }, { "mount", cmd_mount },
		{ "umount", cmd_umount }, { "run", cmd_run },
		{ "report", cmd_report },
	};

	if (argc < 2)
		die("usage: lfsbench master|pin|fixture|mount|umount|run|report ...");
	for (size_t i = 0; i < ARRAY_SIZE(cmds); i++)
		if (!strcmp(argv[1], cmds[i].name))
			return cmds[i].fn(argc - 1, argv + 1);
	die("unknown command '%s'", argv[1]);
}
