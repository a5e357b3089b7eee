// SPDX-License-Identifier: GPL-2.0
/*
 * lfsbench: fixtures and timing loops of `make bench` (tests/bench/).
 *
 *   lfsbench master DIR BIG_MIB CU_MIB     the shared big.dat and cu.dat
 *   lfsbench pin FILE...                   mlock the files' pages, then
 *                                          wait for SIGTERM
 *   lfsbench fixture OPTIONS               build one configuration
 *   lfsbench mount OPTIONS                 mount its overlayfs and layerfs
 *   lfsbench umount OPTIONS                unmount them
 *   lfsbench run OPTIONS WORKLOAD          time one workload on the three
 *                                          systems, alternating per rep
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
 *                   layers P0 ... P(D-1) by layerctl -b add.batch
 *   n               "native": the merged tree as one plain directory
 *   ou ow mo        overlayfs upper, work and mount point
 *   lu lw ml        layerfs upper, work and mount point
 *
 * The tree, in every layer and in n: directories t/dNN/sM (NN < files/1000,
 * M < 10) and big/ exist in every layer; file t/dNN/sM/fIIIII (I < files,
 * NN = I / 1000, M = I / 100 % 10) and entry big/eIIIII (I < dirents) are in
 * layer I % D; big.dat and cu.dat are in the bottom layer, hard links to
 * the master files (n/cu.dat is a copy, as the native copy-up appends to
 * it).
 *
 * `run` prints one tab-separated line per system:
 *
 *   R fs depth workload system status ops unit samples
 *
 * status is "ok" or "FAIL: why"; samples are the timed regions of each
 * repetition in nanoseconds (CLOCK_MONOTONIC), comma-separated; a
 * workload's timed region covers `ops` operations of `unit`.  `report` reads
 * these lines (and the X, F, I and C lines written by guest.sh and `mount`)
 * and prints medians and ratios.
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
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <linux/layerfs.h>

#define OVERLAYFS_MAGIC		0x794c7630
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

static int cmd_master(int argc, char **argv)
{
	char *p;

	if (argc != 4)
		die("usage: lfsbench master DIR BIG_MIB CU_MIB");
	if (mkdir(argv[1], 0755) && errno != EEXIST)
		die("mkdir %s: %s", argv[1], strerror(errno));
	p = xasprintf("%s/big.dat", argv[1]);
	write_pattern(p, num_arg("big", argv[2]), 0x9e3779b97f4a7c15ULL);
	free(p);
	p = xasprintf("%s/cu.dat", argv[1]);
	write_pattern(p, num_arg("cu", argv[3]), 0xd1b54a32d192ed03ULL);
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
		fprintf(add, "layer add %s%ld %s/l/%ld\n", opt.prefix, l, b, l);
		fprintf(rm, "layer rm %s%ld\n", opt.prefix, l);
		free(p);
	}
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
	q = xasprintf("%s/n/cu.dat", b);
	copy_file(p, q);
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
		if (mount_sys(s)) {
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
};

static const struct workload workloads[] = {
	{ .name = "stat", .unit = "stat", .ops = &opt.stat_iters,
	  .timed = w_stat, .warmups = 1 },
	{ .name = "open", .unit = "open+close", .ops = &opt.open_iters,
	  .timed = w_open, .warmups = 1 },
	{ .name = "readdir", .unit = "readdir of big/", .timed = w_readdir,
	  .warmups = 1 },
	{ .name = "walk", .unit = "walk+stat of t/", .timed = w_walk,
	  .warmups = 1 },
	{ .name = "seqread", .unit = "read of big.dat", .timed = w_seqread },
	{ .name = "randread", .unit = "pread 4 KiB", .ops = &opt.rand_reads,
	  .before = w_randread_before, .timed = w_randread,
	  .after = w_randread_after },
	{ .name = "lookup-cold", .unit = "stat (present), cold",
	  .ops = &opt.cold_names, .timed = w_cold_present, .cold = true },
	{ .name = "lookup-cold-absent", .unit = "stat (absent), cold",
	  .ops = &opt.cold_names, .timed = w_cold_absent, .cold = true,
	  .names_absent = true },
	{ .name = "create", .unit = "create+4 KiB+fsync", .writes = true,
	  .ops = &opt.creates, .prepare = w_create_prepare,
	  .before = w_create_before, .timed = w_create,
	  .after = w_create_after },
	{ .name = "copyup", .unit = "copy-up of cu.dat", .writes = true,
	  .before = w_copyup_before, .timed = w_copyup,
	  .after = w_copyup_after },
};

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

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
		if (s != NATIVE && !sys_mounted(s))
			failf("not mounted (see the mount failure)");
		else if (!reopen_root(c) && w->prepare)
			w->prepare(c);
		for (int k = 0; !why[0] && k < w->warmups; k++)
			if ((!w->before || !w->before(c)) && !w->timed(c) && w->after)
				w->after(c);
		if (why[0]) {
			failed[s] = true;
			snprintf(fail_why[s], sizeof(fail_why[s]), "%s", why);
		}
	}

	for (int r = 0; r < opt.reps; r++) {
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
		if (failed[s]) {
			printf("FAIL: %s", fail_why[s]);
			fprintf(stderr, " %s FAIL", sys_name[s]);
		} else {
			char t[32];

			printf("ok");
			fmt_time(t, sizeof(t), median_of(samples[s], opt.reps) / ops);
			fprintf(stderr, " %s %s", sys_name[s], t);
		}
		printf("\t%ld\t%s\t", ops, w->unit);
		for (int r = 0; !failed[s] && r < opt.reps; r++)
			printf("%s%" PRId64, r ? "," : "", samples[s][r]);
		printf("\n");
		if (ctx[s].rootfd >= 0)
			close(ctx[s].rootfd);
	}
	fprintf(stderr, "\n");
	for (int s = 0; s < NSYS; s++)
		if (failed[s])
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
	int64_t *samples[NSYS];
	int nsamples[NSYS];
	double median[NSYS];		/* ns per op; NAN if none */
};

static struct result *results;
static int nresults;

static struct result *result_for(const char *fs, long depth, const char *work)
{
	for (int i = 0; i < nresults; i++)
		if (!strcmp(results[i].fs, fs) && results[i].depth == depth &&
		    !strcmp(results[i].work, work))
			return &results[i];
	results = realloc(results, (nresults + 1) * sizeof(*results));
	if (!results)
		die("out of memory");
	memset(&results[nresults], 0, sizeof(*results));
	results[nresults].fs = xstrdup(fs);
	results[nresults].depth = depth;
	results[nresults].work = xstrdup(work);
	for (int s = 0; s < NSYS; s++)
		results[nresults].median[s] = NAN;
	return &results[nresults++];
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

static double median_of(int64_t *v, int n)
{
	int64_t *t;
	double m;

	if (n == 0)
		return NAN;
	t = xmalloc(n * sizeof(*t));
	memcpy(t, v, n * sizeof(*t));
	qsort(t, n, sizeof(*t), cmp_i64);
	m = n % 2 ? t[n / 2] : (t[n / 2 - 1] + t[n / 2]) / 2.0;
	free(t);
	return m;
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

static double ratio(const struct result *r, int a, int b)
{
	if (isnan(r->median[a]) || isnan(r->median[b]) || r->median[b] <= 0)
		return NAN;
	return r->median[a] / r->median[b];
}

static void fmt_ratio(char *buf, size_t n, double x)
{
	if (isnan(x))
		snprintf(buf, n, "-");
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

/* Target checks: one line per item, and whether all were met. */
struct check {
	const char *name;
	int total, met;
	char *details;		/* "; "-joined misses */
	size_t len;
};

static void check_item(struct check *ck, bool ok, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void check_item(struct check *ck, bool ok, const char *fmt, ...)
{
	va_list ap;
	char item[256];

	ck->total++;
	if (ok) {
		ck->met++;
		return;
	}
	va_start(ap, fmt);
	vsnprintf(item, sizeof(item), fmt, ap);
	va_end(ap);
	ck->details = realloc(ck->details, ck->len + strlen(item) + 3);
	if (!ck->details)
		die("out of memory");
	ck->len += sprintf(ck->details + ck->len, "%s%s", ck->len ? "\n" : "", item);
}

static bool is_cached_read(const char *w)
{
	return !strcmp(w, "seqread") || !strcmp(w, "randread");
}

static int cmd_report(int argc, char **argv)
{
	FILE *in, *js = NULL;
	char *line = NULL, *f[16];
	size_t cap = 0;
	char **info = NULL, **fails = NULL, **crashes = NULL, **confs = NULL;
	int ninfo = 0, nfails = 0, ncrashes = 0, nconfs = 0;
	struct check ck[2] = {
		{ .name = "every workload within 1.10x of overlayfs (layerfs/overlayfs time <= 1.10) at depths 1 and 8" },
		{ .name = "cached reads (seqread, randread) >= 0.97x native throughput (native/layerfs time >= 0.97), every depth" },
	};
	const char *prev_fs = "";

	if (argc < 2 || argc > 3)
		die("usage: lfsbench report TSV [JSON]");
	in = fopen(argv[1], "r");
	if (!in)
		die("%s: %s", argv[1], strerror(errno));
	while (getline(&line, &cap, in) > 0) {
		int n = split_tabs(line, f, 16);

		if (n >= 9 && !strcmp(f[0], "R")) {
			struct result *r = result_for(f[1], atol(f[2]), f[3]);
			int s = sys_index(f[4]);
			char *p = f[8];

			if (s < 0)
				continue;
			r->ops = atol(f[6]);
			free(r->unit);
			r->unit = xstrdup(f[7]);
			r->status[s] = xstrdup(f[5]);
			r->nsamples[s] = 0;
			free(r->samples[s]);
			r->samples[s] = xmalloc(MAX_REPS * sizeof(int64_t));
			while (*p && r->nsamples[s] < MAX_REPS) {
				r->samples[s][r->nsamples[s]++] = strtoll(p, &p, 10);
				if (*p == ',')
					p++;
			}
			if (!strcmp(f[5], "ok") && r->nsamples[s])
				r->median[s] = median_of(r->samples[s], r->nsamples[s]) /
					       (r->ops ? r->ops : 1);
		} else if (n >= 5 && !strcmp(f[0], "X")) {
			struct result *r = result_for(f[1], atol(f[2]), f[3]);
			char *msg = xasprintf("FAIL: lfsbench run exited with status %s%s",
					      f[4], atoi(f[4]) > 128 ? " (killed by a signal)" :
					      atoi(f[4]) == 124 ? " (timed out)" : "");

			for (int s = 0; s < NSYS; s++)
				if (!r->status[s])
					r->status[s] = xstrdup(msg);
			crashes = realloc(crashes, (ncrashes + 1) * sizeof(*crashes));
			crashes[ncrashes++] = xasprintf("%s depth %s %s: %s", f[1], f[2],
							f[3], msg + 6);
			free(msg);
		} else if (n >= 5 && !strcmp(f[0], "F")) {
			fails = realloc(fails, (nfails + 1) * sizeof(*fails));
			fails[nfails++] = xasprintf("%s depth %s %s: %s", f[1], f[2], f[3], f[4]);
		} else if (n >= 3 && !strcmp(f[0], "I")) {
			info = realloc(info, (ninfo + 2) * sizeof(*info));
			info[ninfo++] = xstrdup(f[1]);
			info[ninfo++] = xstrdup(f[2]);
		} else if (n >= 5 && !strcmp(f[0], "C")) {
			confs = realloc(confs, (nconfs + 1) * sizeof(*confs));
			confs[nconfs++] = xasprintf("%s depth %s %s: %s", f[1], f[2], f[3], f[4]);
		}
	}
	fclose(in);
	free(line);

	printf("\nlayerfs benchmark: median time per operation (lower is better); ratios of medians.\n");
	printf("L/N = layerfs/native, L/O = layerfs/overlayfs, O/N = overlayfs/native (> 1: slower).\n");
	for (int i = 0; i < nresults; i++) {
		struct result *r = &results[i];
		char t[NSYS][32], ln[16], lo[16], on[16];

		if (strcmp(prev_fs, r->fs)) {
			printf("\n%-6s %5s %-19s %10s %10s %10s %6s %6s %6s  %s\n", "fs", "depth",
			       "workload", "native", "overlayfs", "layerfs", "L/N", "L/O",
			       "O/N", "per op");
			prev_fs = r->fs;
		}
		for (int s = 0; s < NSYS; s++)
			fmt_time(t[s], sizeof(t[s]), r->median[s]);
		fmt_ratio(ln, sizeof(ln), ratio(r, LAYERFS, NATIVE));
		fmt_ratio(lo, sizeof(lo), ratio(r, LAYERFS, OVERLAY));
		fmt_ratio(on, sizeof(on), ratio(r, OVERLAY, NATIVE));
		printf("%-6s %5ld %-19s %10s %10s %10s %6s %6s %6s  %s\n", r->fs, r->depth,
		       r->work, t[NATIVE], t[OVERLAY], t[LAYERFS], ln, lo, on,
		       r->unit ? r->unit : "?");
	}

	/* Targets. */
	for (int i = 0; i < nresults; i++) {
		struct result *r = &results[i];
		double lo = ratio(r, LAYERFS, OVERLAY), ln = ratio(r, LAYERFS, NATIVE);

		if (r->depth == 1 || r->depth == 8)
			check_item(&ck[0], !isnan(lo) && lo <= 1.10,
				   "%s depth %ld %s: %s", r->fs, r->depth, r->work,
				   isnan(lo) ? "no ratio (a system failed)" :
				   (snprintf(why, sizeof(why), "layerfs/overlayfs %.2f", lo), why));
		if (is_cached_read(r->work))
			check_item(&ck[1], !isnan(ln) && 1 / ln >= 0.97,
				   "%s depth %ld %s: %s", r->fs, r->depth, r->work,
				   isnan(ln) ? "no ratio (a system failed)" :
				   (snprintf(why, sizeof(why), "layerfs throughput %.3fx native", 1 / ln), why));
	}
	printf("\nFailures:\n");
	{
		int nf = 0;

		for (int i = 0; i < nfails; i++, nf++)
			printf("  mount: %s\n", fails[i]);
		for (int i = 0; i < ncrashes; i++, nf++)
			printf("  crash: %s\n", crashes[i]);
		/* Workload failures, grouped by configuration, system, status. */
		bool *shown = xmalloc(nresults * NSYS * sizeof(*shown));

		for (int i = 0; i < nresults; i++) {
			for (int s = 0; s < NSYS; s++) {
				const char *st = results[i].status[s];
				int nw = 0;

				if (shown[i * NSYS + s] || !st || !strcmp(st, "ok") ||
				    strstr(st, "lfsbench run exited"))
					continue;
				printf("  %s depth %ld %s: %s\n      in:", results[i].fs,
				       results[i].depth, sys_name[s], st);
				for (int j = i; j < nresults; j++) {
					const char *sj = results[j].status[s];

					if (strcmp(results[j].fs, results[i].fs) ||
					    results[j].depth != results[i].depth ||
					    !sj || strcmp(sj, st))
						continue;
					shown[j * NSYS + s] = true;
					printf("%s %s", nw++ ? "," : "", results[j].work);
				}
				printf("\n");
				nf++;
			}
		}
		free(shown);
		if (!nf)
			printf("  none\n");
	}
	printf("\nTargets:\n");
	for (int k = 0; k < 2; k++) {
		printf("  [%s] %s: %d of %d met\n",
		       ck[k].total && ck[k].met == ck[k].total ? "MET" : "NOT MET",
		       ck[k].name, ck[k].met, ck[k].total);
		if (ck[k].details) {
			char *p = ck[k].details, *nl;

			for (; p; p = nl ? nl + 1 : NULL) {
				nl = strchr(p, '\n');
				printf("      missed: %.*s\n", nl ? (int)(nl - p) : (int)strlen(p), p);
			}
		}
	}

	if (argc == 3) {
		js = fopen(argv[2], "w");
		if (!js)
			die("%s: %s", argv[2], strerror(errno));
		fprintf(js, "{\n  \"format\": \"layerfs-bench-1\",\n  \"info\": {");
		for (int i = 0; i < ninfo; i += 2) {
			fprintf(js, "%s\n    ", i ? "," : "");
			json_str(js, info[i]);
			fprintf(js, ": ");
			json_str(js, info[i + 1]);
		}
		fprintf(js, "\n  },\n  \"config\": [");
		for (int i = 0; i < nconfs; i++) {
			fprintf(js, "%s\n    ", i ? "," : "");
			json_str(js, confs[i]);
		}
		fprintf(js, "\n  ],\n  \"results\": [");
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
				fprintf(js, ", \"samples_ns\": [");
				for (int k = 0; k < r->nsamples[s]; k++)
					fprintf(js, "%s%" PRId64, k ? ", " : "", r->samples[s][k]);
				fprintf(js, "]}");
			}
			fprintf(js, "},\n     \"ratios\": {\"layerfs/native\": ");
			json_num(js, ratio(r, LAYERFS, NATIVE));
			fprintf(js, ", \"layerfs/overlayfs\": ");
			json_num(js, ratio(r, LAYERFS, OVERLAY));
			fprintf(js, ", \"overlayfs/native\": ");
			json_num(js, ratio(r, OVERLAY, NATIVE));
			fprintf(js, "}}");
		}
		fprintf(js, "\n  ],\n  \"failures\": [");
		{
			int k = 0;

			for (int i = 0; i < nfails; i++) {
				fprintf(js, "%s\n    ", k++ ? "," : "");
				json_str(js, fails[i]);
			}
			for (int i = 0; i < ncrashes; i++) {
				fprintf(js, "%s\n    ", k++ ? "," : "");
				json_str(js, crashes[i]);
			}
		}
		fprintf(js, "\n  ],\n  \"targets\": [");
		for (int k = 0; k < 2; k++) {
			fprintf(js, "%s\n    {\"target\": ", k ? "," : "");
			json_str(js, ck[k].name);
			fprintf(js, ", \"met\": %s, \"items\": %d, \"items_met\": %d, \"missed\": [",
				ck[k].total && ck[k].met == ck[k].total ? "true" : "false",
				ck[k].total, ck[k].met);
			if (ck[k].details) {
				char *p = ck[k].details, *nl;
				int first = 1;

				for (; p; p = nl ? nl + 1 : NULL) {
					nl = strchr(p, '\n');
					if (nl)
						*nl = '\0';
					fprintf(js, "%s", first ? "" : ", ");
					json_str(js, p);
					first = 0;
				}
			}
			fprintf(js, "]}");
		}
		fprintf(js, "\n  ]\n}\n");
		if (fclose(js))
			die("%s: %s", argv[2], strerror(errno));
	}
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
