// SPDX-License-Identifier: GPL-2.0
/*
 * lfs-fsfuzz: seeded fuzzer of layerfs mount options, through
 * fsopen(2)/fsconfig(2) and through the legacy mount(2) options string.
 *
 *   lfs-fsfuzz [-s SEED] [-n COUNT] [-v] DIR LAYER...
 *
 * LAYER... are registered layer names; DIR is a scratch directory (on a
 * filesystem with trusted xattrs) where the tool makes upper/work pairs,
 * a mountpoint and odd objects; DIR/layer0, if it is a registered layer's
 * directory, is also offered as upper and work.  Each round either configures a context
 * with a few fsconfig(2) calls, random and mutated (keys known, unknown
 * and odd; FSCONFIG_SET_STRING / FLAG / PATH / PATH_EMPTY / FD / BINARY
 * and unknown commands; layers= lists with escapes, embedded ':' and '\',
 * unknown and repeated layers, values at and past the 256-byte fsconfig
 * limit; repeated upper= and work=; reconfigure before create; more
 * settings after create) and then FSCONFIG_CMD_CREATE, or mounts with
 * mount(2) and an options string of up to a page (commas, escapes, junk).
 * A view that mounts is used briefly (stat, readdir, a file created when
 * writable, a remount with random options) and unmounted.
 *
 * The kernel must not crash or warn (the harness reads its log); here the
 * tool checks that a successful mount is a layerfs view, that every call
 * fails with an errno (never a signal), and counts outcomes.  Prints
 * "# ..." figures and "fsfuzz: PASS ..." or "fsfuzz: FAIL ..."; exits 0 on
 * PASS.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <linux/layerfs.h>

#include "lfs-fuzz.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define PAIRS 4
#define VAL_MAX 8192

static bool verbose;

static const char *dir;
static char **layers;
static int nlayers;
static char upper[PAIRS][512], work[PAIRS][512];
static char mnt[512], file_path[512], link_path[512], nodir[512];
static char layerdir[512];
static int dirfd_upper, filefd;

/* Counters. */
static unsigned long rounds, calls, created, mounted, legacy, legacy_ok;
static unsigned long rw_views, files_made, remounts_ok;
static unsigned long err_by[134];

static void count_err(int e)
{
	err_by[e > 0 && e < 133 ? e : 133]++;
}

/* Append @s to @buf (of VAL_MAX), escaping ':' and '\' as layers= wants. */
static void append_escaped(char *buf, const char *s)
{
	size_t n = strlen(buf);

	for (; *s && n + 3 < VAL_MAX; s++) {
		if (*s == ':' || *s == '\\')
			buf[n++] = '\\';
		buf[n++] = *s;
	}
	buf[n] = '\0';
}

static void append(char *buf, const char *s)
{
	size_t n = strlen(buf), m = strlen(s);

	if (n + m >= VAL_MAX)
		m = VAL_MAX - 1 - n;
	memcpy(buf + n, s, m);
	buf[n + m] = '\0';
}

/* A layer name: registered, unknown, or malformed. */
static const char *pick_layer(void)
{
	static const char *const odd[] = {
		"nope", "nope:1", "", "A", "a//b", "a:", ":", "\\", "a b", "a,b",
		"x=y", "-a", "base:latest", "upper=/tmp", "\xff",
	};

	if (lfs_chance(80))
		return layers[lfs_rnd(nlayers)];
	return odd[lfs_rnd(ARRAY_SIZE(odd))];
}

/* Random mutations of a string value in place: ':' '\' ',' '=', cuts. */
static void mutate(char *buf)
{
	static const char odd[] = ":\\,=\n \t\x01\xff/.";
	size_t n = strlen(buf);
	unsigned int i, k = 1 + lfs_rnd(3);

	for (i = 0; i < k; i++) {
		switch (lfs_rnd(5)) {
		case 0:	/* insert an odd character */
			if (n + 2 < VAL_MAX) {
				size_t at = lfs_rnd(n + 1);

				memmove(buf + at + 1, buf + at, n - at + 1);
				buf[at] = odd[lfs_rnd(sizeof(odd) - 1)];
				n++;
			}
			break;
		case 1:	/* trailing backslash */
			if (n + 2 < VAL_MAX) {
				buf[n++] = '\\';
				buf[n] = '\0';
			}
			break;
		case 2:	/* cut */
			n = lfs_rnd(n + 1);
			buf[n] = '\0';
			break;
		case 3:	/* overwrite */
			if (n)
				buf[lfs_rnd(n)] = odd[lfs_rnd(sizeof(odd) - 1)];
			break;
		default:	/* grow to near or past the limits */
			while (n + 1 < VAL_MAX && n < (size_t[]){ 255, 256, 300, 4095, 4096, 5000 }[lfs_rnd(6)])
				buf[n++] = 'a' + lfs_rnd(26);
			buf[n] = '\0';
			break;
		}
	}
}

/* A layers= value: 1 to 4 names (or many), escaped, maybe mutated. */
static void make_layers(char *buf)
{
	unsigned int i, n = lfs_chance(5) ? 20 + lfs_rnd(200) : 1 + lfs_rnd(4);

	buf[0] = '\0';
	for (i = 0; i < n; i++) {
		if (i)
			append(buf, ":");
		if (lfs_chance(90))
			append_escaped(buf, pick_layer());
		else
			append(buf, pick_layer());	/* unescaped tags */
	}
	if (lfs_chance(30))
		mutate(buf);
}

static const char *pick_dir(void)
{
	switch (lfs_rnd(12)) {
	case 0:
		return file_path;
	case 1:
		return link_path;
	case 2:
		return nodir;
	case 3:
		return "relative";
	case 4:
		return "/proc";
	case 5:
		return layerdir;	/* a registered layer's directory */
	case 6:
		return "";
	default:
		return lfs_chance(50) ? upper[lfs_rnd(PAIRS)] :
		       work[lfs_rnd(PAIRS)];
	}
}

static const char *pick_key(void)
{
	static const char *const keys[] = {
		"layers", "layers", "layers", "layer", "layer", "image",
		"upper", "upper", "work", "work",
		"source", "ro", "rw", "lowerdir", "upperdir", "workdir", "",
		"Layers", "upper ", "index", "redirect_dir", "x", "layers=a",
		"metacopy",
	};
	static char longkey[300];

	if (lfs_chance(2)) {
		memset(longkey, 'k', sizeof(longkey) - 1);
		longkey[lfs_rnd(sizeof(longkey) - 1) + 1] = '\0';
		return longkey;
	}
	return keys[lfs_rnd(ARRAY_SIZE(keys))];
}

/* A value for @key. */
static void make_value(const char *key, char *buf)
{
	buf[0] = '\0';
	if (!strcmp(key, "layers")) {
		make_layers(buf);
	} else if (!strcmp(key, "layer") || !strcmp(key, "image")) {
		append(buf, pick_layer());
		if (lfs_chance(20))
			mutate(buf);
	} else if (!strcmp(key, "upper") || !strcmp(key, "work") ||
		   strstr(key, "dir")) {
		append(buf, pick_dir());
		if (lfs_chance(10))
			mutate(buf);
	} else {
		append(buf, lfs_chance(50) ? pick_layer() : pick_dir());
		if (lfs_chance(30))
			mutate(buf);
	}
}

static int sys_fsconfig(int fd, unsigned int cmd, const char *key,
			const void *value, int aux)
{
	calls++;
	return syscall(SYS_fsconfig, fd, cmd, key, value, aux);
}

/* One random fsconfig call; returns its result (-errno on failure). */
static int fuzz_fsconfig(int fd)
{
	char value[VAL_MAX];
	const char *key = pick_key();
	unsigned int cmd;
	int r, aux = 0;
	const void *v = value;

	make_value(key, value);
	switch (lfs_rnd(20)) {
	case 0:
		cmd = FSCONFIG_SET_FLAG;
		v = NULL;
		break;
	case 1:
		cmd = FSCONFIG_SET_PATH;
		aux = lfs_chance(70) ? AT_FDCWD : lfs_chance(50) ? dirfd_upper : (int)lfs_rnd(64) - 1;
		break;
	case 2:
		cmd = FSCONFIG_SET_PATH_EMPTY;
		aux = lfs_chance(50) ? dirfd_upper : filefd;
		if (lfs_chance(70))
			value[0] = '\0';
		break;
	case 3:
		cmd = FSCONFIG_SET_FD;
		v = NULL;
		aux = lfs_chance(50) ? dirfd_upper : lfs_chance(50) ? filefd : (int)lfs_rnd(64) - 1;
		break;
	case 4:
		cmd = FSCONFIG_SET_BINARY;
		aux = lfs_chance(80) ? (int)strlen(value) + 1 : (int)lfs_rnd(2 * VAL_MAX) - 1;
		if (aux > VAL_MAX)
			aux = VAL_MAX;
		break;
	case 5:
		cmd = lfs_chance(50) ? 8 + lfs_rnd(20) :
		      FSCONFIG_CMD_RECONFIGURE;
		if (lfs_chance(50)) {
			key = NULL;
			v = NULL;
		}
		break;
	default:
		cmd = FSCONFIG_SET_STRING;
		break;
	}
	r = sys_fsconfig(fd, cmd, key, v, aux) ? -errno : 0;
	if (verbose)
		printf("#   fsconfig(%u, \"%.40s\", \"%.60s\", %d) = %s\n", cmd,
		       key ? key : "(null)", v == value ? value : "-", aux,
		       r ? strerrorname_np(-r) : "0");
	if (r)
		count_err(-r);
	return r;
}

/* Use a mounted view at directory fd @mfd a little. */
static void use_view(int mfd, bool rw)
{
	char buf[4096];
	struct statfs sfs;
	int fd;

	if (fstatfs(mfd, &sfs))
		lfs_bad("fstatfs on a new view: %s", strerror(errno));
	else if ((unsigned long)sfs.f_type != LAYERFS_SUPER_MAGIC)
		lfs_bad("new mount has f_type %#lx, not layerfs", (unsigned long)sfs.f_type);
	fd = openat(mfd, ".", O_RDONLY | O_DIRECTORY);
	if (fd >= 0) {
		while (syscall(SYS_getdents64, fd, buf, sizeof(buf)) > 0)
			;
		close(fd);
	} else {
		lfs_bad("open a new view's root: %s", strerror(errno));
	}
	if (!rw)
		return;
	rw_views++;
	snprintf(buf, sizeof(buf), "fz-%lu", rounds % 8);
	fd = openat(mfd, buf, O_CREAT | O_WRONLY | O_TRUNC, 0644);
	if (fd >= 0) {
		files_made++;
		if (write(fd, "x", 1) != 1)
			lfs_bad("write in a view: %s", strerror(errno));
		close(fd);
	} else if (errno != EROFS) {
		lfs_bad("create in a writable view: %s", strerror(errno));
	}
}

static void round_fsconfig(void)
{
	int fd, mfd, i, n = 1 + lfs_rnd(6), r;

	fd = fsopen("layerfs", FSOPEN_CLOEXEC);
	if (fd < 0) {
		lfs_bad("fsopen(layerfs): %s", strerror(errno));
		return;
	}
	/* Often a valid start, so that creates succeed and mutations bite. */
	if (lfs_chance(60)) {
		char value[VAL_MAX] = "";

		make_layers(value);
		sys_fsconfig(fd, FSCONFIG_SET_STRING, "layers", value, 0);
		if (lfs_chance(50)) {
			unsigned int p = lfs_rnd(PAIRS);

			sys_fsconfig(fd, FSCONFIG_SET_STRING, "upper", upper[p], 0);
			sys_fsconfig(fd, lfs_chance(50) ? FSCONFIG_SET_STRING : FSCONFIG_SET_PATH,
				     "work", work[p], AT_FDCWD);
		}
		n = lfs_rnd(3);
	}
	for (i = 0; i < n; i++)
		fuzz_fsconfig(fd);
	if (lfs_chance(5)) {
		close(fd);
		return;
	}
	r = sys_fsconfig(fd, FSCONFIG_CMD_CREATE, NULL, NULL, 0) ? -errno : 0;
	if (r) {
		count_err(-r);
		/* A failed create leaves the context unusable, not the kernel. */
		if (lfs_chance(20))
			fuzz_fsconfig(fd);
		close(fd);
		return;
	}
	created++;
	if (lfs_chance(20))
		fuzz_fsconfig(fd);	/* settings after create */
	mfd = fsmount(fd, FSMOUNT_CLOEXEC,
		      lfs_chance(30) ? MOUNT_ATTR_RDONLY : 0);
	close(fd);
	if (mfd < 0) {
		count_err(errno);
		return;
	}
	mounted++;
	use_view(mfd, true);
	if (lfs_chance(20) && !move_mount(mfd, "", AT_FDCWD, mnt, MOVE_MOUNT_F_EMPTY_PATH)) {
		close(mfd);
		if (umount2(mnt, 0) && umount2(mnt, MNT_DETACH))
			lfs_bad("umount %s: %s", mnt, strerror(errno));
		return;
	}
	close(mfd);	/* a detached mount goes away with its last fd */
}

static void round_legacy(void)
{
	static const char *const keys[] = { "layers", "layer", "image", "upper", "work" };
	char opts[2 * VAL_MAX], value[VAL_MAX];
	unsigned long flags = 0;
	unsigned int i, n = 1 + lfs_rnd(5);
	size_t len = 0;
	int fd;

	opts[0] = '\0';
	if (lfs_chance(60)) {
		unsigned int p = lfs_rnd(PAIRS);

		make_layers(value);
		len += snprintf(opts + len, sizeof(opts) - len, "layers=%s", value);
		if (lfs_chance(50)) {
			len += snprintf(opts + len, sizeof(opts) - len,
					",upper=%s,work=%s", upper[p], work[p]);
		}
		n = lfs_rnd(3);
	}
	for (i = 0; i < n && len < sizeof(opts) - 1; i++) {
		const char *key = lfs_chance(70) ? keys[lfs_rnd(ARRAY_SIZE(keys))] : pick_key();

		make_value(key, value);
		len += snprintf(opts + len, sizeof(opts) - len, "%s%s%s%s",
				len ? "," : "", key, lfs_chance(90) ? "=" : "",
				lfs_chance(95) ? value : "");
	}
	if (len >= sizeof(opts))
		len = sizeof(opts) - 1;
	if (lfs_chance(10))
		mutate(opts);
	if (lfs_chance(20))
		flags |= MS_RDONLY;
	if (lfs_chance(10))
		flags |= MS_NOSUID | MS_NODEV | MS_NOEXEC;
	legacy++;
	calls++;
	if (mount("fsfuzz", mnt, "layerfs", flags, opts)) {
		count_err(errno);
		if (verbose)
			printf("#   mount(\"%.100s\") = %s\n", opts, strerrorname_np(errno));
		return;
	}
	legacy_ok++;
	fd = open(mnt, O_RDONLY | O_DIRECTORY);
	if (fd >= 0) {
		use_view(fd, !(flags & MS_RDONLY));
		close(fd);
	}
	if (lfs_chance(30)) {	/* remount with random options */
		make_value(keys[lfs_rnd(ARRAY_SIZE(keys))], value);
		snprintf(opts, sizeof(opts), "%s=%s", keys[lfs_rnd(ARRAY_SIZE(keys))], value);
		calls++;
		if (!mount(NULL, mnt, NULL, MS_REMOUNT | (lfs_chance(50) ? MS_RDONLY : 0),
			   lfs_chance(50) ? opts : NULL))
			remounts_ok++;
		else
			count_err(errno);
	}
	if (umount2(mnt, 0) && umount2(mnt, MNT_DETACH))
		lfs_bad("umount %s: %s", mnt, strerror(errno));
}

static void setup(void)
{
	int i, fd;

	mkdir(dir, 0755);
	for (i = 0; i < PAIRS; i++) {
		snprintf(upper[i], sizeof(upper[i]), "%s/u%d", dir, i);
		snprintf(work[i], sizeof(work[i]), "%s/w%d", dir, i);
		mkdir(upper[i], 0755);
		mkdir(work[i], 0755);
	}
	snprintf(mnt, sizeof(mnt), "%s/mnt", dir);
	snprintf(file_path, sizeof(file_path), "%s/file", dir);
	snprintf(link_path, sizeof(link_path), "%s/link", dir);
	snprintf(nodir, sizeof(nodir), "%s/missing/dir", dir);
	snprintf(layerdir, sizeof(layerdir), "%s/layer0", dir);
	mkdir(mnt, 0755);
	fd = open(file_path, O_CREAT | O_WRONLY, 0644);
	if (fd >= 0)
		close(fd);
	if (symlink(upper[0], link_path) && errno != EEXIST)
		perror("symlink");
	dirfd_upper = open(upper[1], O_RDONLY | O_DIRECTORY);
	filefd = open(file_path, O_RDONLY);
	if (dirfd_upper < 0 || filefd < 0) {
		perror(dir);
		exit(2);
	}
}

int main(int argc, char **argv)
{
	unsigned long count = 1000, i;
	uint64_t seed = 1;
	struct timespec t0, t1;
	int c, e;

	while ((c = getopt(argc, argv, "s:n:v")) != -1) {
		switch (c) {
		case 's':
			seed = strtoull(optarg, NULL, 0);
			break;
		case 'n':
			count = strtoul(optarg, NULL, 0);
			break;
		case 'v':
			verbose = true;
			break;
		default:
			goto usage;
		}
	}
	if (argc - optind < 2)
		goto usage;
	dir = argv[optind];
	layers = argv + optind + 1;
	nlayers = argc - optind - 1;
	lfs_rng_state = seed * 0x9e3779b97f4a7c15ULL + 1;
	setup();

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < count; i++) {
		rounds++;
		if (verbose)
			printf("# round %lu\n", i);
		if (lfs_chance(75))
			round_fsconfig();
		else
			round_legacy();
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("# fsconfig: %lu rounds, %lu calls, %lu created, %lu mounted (%lu writable, %lu files made)\n",
	       rounds - legacy, calls, created, mounted, rw_views, files_made);
	printf("# mount(2): %lu tries, %lu mounted, %lu remounts succeeded\n",
	       legacy, legacy_ok, remounts_ok);
	printf("# errors:");
	for (e = 1; e < 134; e++)
		if (err_by[e])
			printf(" %s=%lu", e == 133 ? "other" : strerrorname_np(e), err_by[e]);
	printf("\n# time: %.1f s\n",
	       (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9);
	if (!created || !legacy_ok)
		lfs_bad("no successful mount: the fuzzer does not reach the mount path");
	if (lfs_failures) {
		printf("fsfuzz: FAIL %lu problems (seed %llu)\n", lfs_failures,
		       (unsigned long long)seed);
		return 1;
	}
	printf("fsfuzz: PASS seed %llu, %lu rounds\n", (unsigned long long)seed, count);
	return 0;

usage:
	fprintf(stderr, "usage: lfs-fsfuzz [-s SEED] [-n COUNT] [-v] DIR LAYER...\n");
	return 2;
}
