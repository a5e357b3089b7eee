// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for the import path of layerctl (userspace/tar_import.c):
 * each input is extracted, as `layerctl import` run by root would (owners
 * and device nodes: the root-only options), into a fresh empty directory
 * TARGET under a private base directory, without netlink, under small size
 * limits (FUZZ_MAX_*: they bound the work per input, and a successful
 * import must honour them: at most FUZZ_MAX_ENTRIES entries, no file over
 * FUZZ_MAX_ENTRY_SIZE, FUZZ_MAX_SIZE in all).  After each input the harness checks that
 * nothing was written outside TARGET: the base directory holds exactly
 * TARGET, OUTSIDE and CWD (the process's working directory); OUTSIDE holds
 * exactly one file with its content, link count and mtime unchanged; CWD
 * is empty; /tmp/evil (what the seed corpus's escapes aim at) did not
 * appear.  Any difference aborts, which libFuzzer reports as a crash.
 * TARGET is then removed.  Build and run: tests/fuzz/Makefile.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ocitar.h"
#include "sys.h"

static char base[64];
static int basefd = -1;
static struct stat keep_st;
static int evil_before;

#define KEEP_TEXT "keep me\n"

#define FUZZ_MAX_SIZE (16ULL << 20)
#define FUZZ_MAX_ENTRY_SIZE (8ULL << 20)
#define FUZZ_MAX_ENTRIES 1000ULL

static void die(const char *what)
{
	fprintf(stderr, "fuzz_import: %s\n", what);
	abort();
}

/* What a successful import made: entries and the files' sizes. */
static void tally(int dirfd, uint64_t *entries, uint64_t *bytes)
{
	DIR *d = fdopendir(dirfd);
	struct dirent *de;
	struct stat st;
	int sub;

	if (!d)
		die("cannot list the target");
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (fstatat(dirfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW))
			die("cannot stat in the target");
		++*entries;
		if (S_ISREG(st.st_mode)) {
			if ((uint64_t)st.st_size > FUZZ_MAX_ENTRY_SIZE)
				die("a file over --max-entry-size was imported");
			/* each inode once over its names */
			*bytes += (uint64_t)st.st_size / st.st_nlink;
		}
		if (S_ISDIR(st.st_mode)) {
			sub = openat(dirfd, de->d_name, O_RDONLY | O_DIRECTORY |
				     O_NOFOLLOW);
			if (sub < 0)
				die("cannot open a directory in the target");
			tally(sub, entries, bytes);
		}
	}
	closedir(d);
}

static void setup(void)
{
	int fd;

	snprintf(base, sizeof(base), "/tmp/fuzz-import.XXXXXX");
	if (!mkdtemp(base))
		die("mkdtemp");
	basefd = open(base, O_RDONLY | O_DIRECTORY);
	if (basefd < 0 || mkdirat(basefd, "outside", 0755) ||
	    mkdirat(basefd, "cwd", 0755))
		die("setup");
	fd = openat(basefd, "outside/keep", O_WRONLY | O_CREAT | O_EXCL, 0644);
	if (fd < 0 || write(fd, KEEP_TEXT, strlen(KEEP_TEXT)) !=
	    (ssize_t)strlen(KEEP_TEXT) || close(fd))
		die("setup keep");
	if (fstatat(basefd, "outside/keep", &keep_st, 0))
		die("stat keep");
	if (fchdir(basefd) || chdir("cwd"))
		die("chdir");
	evil_before = access("/tmp/evil", F_OK) == 0;
}

/* The names in directory @name of the base, sorted, joined by ','. */
static void names(const char *name, char *out, size_t len)
{
	char *v[8];
	int n = 0, i, j, fd = openat(basefd, name, O_RDONLY | O_DIRECTORY);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *de;

	if (!d)
		die("cannot list a checked directory");
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (n == 8)
			die("too many names outside the target");
		v[n++] = strdup(de->d_name);
	}
	closedir(d);
	for (i = 0; i < n; i++)
		for (j = i + 1; j < n; j++)
			if (strcmp(v[j], v[i]) < 0) {
				char *t = v[i];

				v[i] = v[j];
				v[j] = t;
			}
	out[0] = '\0';
	for (i = 0; i < n; i++) {
		snprintf(out + strlen(out), len - strlen(out), "%s%s",
			 i ? "," : "", v[i]);
		free(v[i]);
	}
}

static void check_outside(void)
{
	char buf[256];
	struct stat st;
	int fd;

	names(".", buf, sizeof(buf));
	if (strcmp(buf, "cwd,outside,target"))
		die("the base directory changed");
	names("outside", buf, sizeof(buf));
	if (strcmp(buf, "keep"))
		die("OUTSIDE changed");
	names("cwd", buf, sizeof(buf));
	if (strcmp(buf, ""))
		die("something was written to the working directory");
	if (fstatat(basefd, "outside/keep", &st, AT_SYMLINK_NOFOLLOW) ||
	    !S_ISREG(st.st_mode) || st.st_nlink != 1 ||
	    st.st_ino != keep_st.st_ino || st.st_size != keep_st.st_size ||
	    st.st_mtim.tv_sec != keep_st.st_mtim.tv_sec ||
	    st.st_mtim.tv_nsec != keep_st.st_mtim.tv_nsec ||
	    st.st_mode != keep_st.st_mode)
		die("OUTSIDE/keep changed (linked, written or chmodded)");
	fd = openat(basefd, "outside/keep", O_RDONLY);
	if (fd < 0 || read(fd, buf, sizeof(buf)) != (ssize_t)strlen(KEEP_TEXT) ||
	    memcmp(buf, KEEP_TEXT, strlen(KEEP_TEXT)))
		die("OUTSIDE/keep content changed");
	close(fd);
	if (!evil_before && access("/tmp/evil", F_OK) == 0)
		die("/tmp/evil was created");
}

/*
 * sys.c (mounts) is not linked: the fuzzer's scratch directories have
 * nothing mounted inside, so the export reads the directory itself.
 */
int lfs_sys_open_tree_clone(int dirfd)
{
	(void)dirfd;
	return -ENOSYS;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct lfs_tar_import_opts opts = {
		.set_owner = 1,
		.allow_devices = 1,
		.limits = { FUZZ_MAX_SIZE, FUZZ_MAX_ENTRY_SIZE, FUZZ_MAX_ENTRIES },
	};
	struct lfs_tar_import_stats st;
	uint64_t entries = 0, bytes = 0;
	struct lfs_err err = LFS_ERR_INIT;
	int rootfd, rc;

	if (basefd < 0)
		setup();
	if (mkdirat(basefd, "target", 0755))
		die("mkdir target");
	rootfd = openat(basefd, "target", O_RDONLY | O_DIRECTORY);
	if (rootfd < 0)
		die("open target");
	rc = lfs_tar_import(-1, data, size, rootfd, &opts, &st, &err);
	if (!rc) {
		tally(dup(rootfd), &entries, &bytes);
		if (entries > FUZZ_MAX_ENTRIES || bytes > FUZZ_MAX_SIZE)
			die("an import over --max-entries or --max-size succeeded");
	}
	close(rootfd);
	check_outside();
	if (lfs_rm_rf_at(basefd, "target"))
		die("cannot remove the target");
	return 0;
}
