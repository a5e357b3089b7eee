// SPDX-License-Identifier: GPL-2.0
/*
 * lfs-perm: the permission matrix of t-perm.sh.  Every subcommand prints
 * one line per operation, "PATH OP RESULT", where RESULT is "ok" (with the
 * object's mode/uid/gid after the operation where that matters) or the
 * errno name; the lines of an overlayfs mount and of a layerfs view of the
 * same lower directory must be identical.
 *
 *   lfs-perm mkfixture DIR   (root) the lower tree: directories of several
 *                            owners and modes (0755, 0777, 1777, 0700,
 *                            setgid), each holding files owned by root
 *                            (uid 0), the user (1000) and another user
 *                            (1001), with modes 0600 0644 0666 0755 4755
 *                            2755 6777, in two copies: lo-* (left in the
 *                            lower) and cu-* (copied up before the matrix);
 *                            and files in imm/ for chattr +i / +a
 *   lfs-perm copyup MNT      (root) copy every cu-* file up (open for write)
 *   lfs-perm run MNT         per directory: list, create, mkdir, mkfifo,
 *                            symlink, chmod, setxattr; per file: stat,
 *                            read, access X_OK, exec (some), set/get
 *                            user.* xattr, append, truncate, touch, chmod,
 *                            chgrp and chown, link, rename and back
 *   lfs-perm unlink MNT      unlink every file, remove created directories
 *   lfs-perm special MNT     the imm/ files: write, append, truncate, chmod,
 *                            setxattr, link, rename, unlink, GETFLAGS
 *   lfs-perm snapshot DIR    (root) every object below DIR: type, mode,
 *                            uid, gid, size, user.* xattrs (skipping a
 *                            top-level "work" or "layerfs.work")
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/sysmacros.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define USER 1000
#define OTHER 1001

struct dirspec {
	const char *name;
	uid_t uid;
	gid_t gid;
	mode_t mode;
};

static const struct dirspec dirs[] = {
	{ "droot755", 0, 0, 0755 },
	{ "droot777", 0, 0, 0777 },
	{ "droot1777", 0, 0, 01777 },
	{ "droot700", 0, 0, 0700 },
	{ "dsgid2777", 0, OTHER, 02777 },
	{ "duser755", USER, USER, 0755 },
	{ "dother755", OTHER, OTHER, 0755 },
	{ "dother1777", OTHER, OTHER, 01777 },
};

static const uid_t owners[] = { 0, USER, OTHER };
static const char *const owner_names[] = { "root", "user", "other" };
static const mode_t modes[] = { 0600, 0644, 0666, 0755, 04755, 02755, 06777 };
static const char *const copies[] = { "lo", "cu" };

static const char content[] = "#!/bin/true\n";

static void die(const char *what)
{
	fprintf(stderr, "lfs-perm: %s: %s\n", what, strerror(errno));
	exit(2);
}

static const char *ename(int e)
{
	const char *n = strerrorname_np(e);

	return n ? n : "E?";
}

/* "PATH OP ok|ERRNO" plus, on success and with @st_path, the mode. */
static void report(const char *path, const char *op, int r, const char *st_path)
{
	struct stat st;

	if (r < 0) {
		printf("%s %s %s\n", path, op, ename(errno));
		return;
	}
	if (st_path && !lstat(st_path, &st))
		printf("%s %s ok mode=%o uid=%u gid=%u size=%lld\n", path, op,
		       st.st_mode, st.st_uid, st.st_gid, (long long)st.st_size);
	else
		printf("%s %s ok\n", path, op);
}

static void file_name(char *buf, size_t cap, const char *dir, const char *copy,
		      int owner, mode_t mode)
{
	snprintf(buf, cap, "%s/%s-%s-%04o", dir, copy, owner_names[owner], mode);
}

static void mkfixture(const char *top)
{
	char path[4096];
	size_t d, c, o, m;
	int fd;

	if (chdir(top))
		die(top);
	for (d = 0; d < ARRAY_SIZE(dirs); d++) {
		if (mkdir(dirs[d].name, 0700) && errno != EEXIST)
			die(dirs[d].name);
		for (c = 0; c < ARRAY_SIZE(copies); c++)
			for (o = 0; o < ARRAY_SIZE(owners); o++)
				for (m = 0; m < ARRAY_SIZE(modes); m++) {
					file_name(path, sizeof(path), dirs[d].name,
						  copies[c], o, modes[m]);
					fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0600);
					if (fd < 0 || write(fd, content, sizeof(content) - 1) < 0)
						die(path);
					close(fd);
					if (chown(path, owners[o], owners[o]) ||
					    chmod(path, modes[m]))
						die(path);
				}
		if (chown(dirs[d].name, dirs[d].uid, dirs[d].gid) ||
		    chmod(dirs[d].name, dirs[d].mode))
			die(dirs[d].name);
	}
	/* imm/: flags are set by the test (chattr), on files of every owner. */
	if (mkdir("imm", 0777) && errno != EEXIST)
		die("imm");
	chmod("imm", 0777);
	for (o = 0; o < ARRAY_SIZE(owners); o++) {
		static const char *const kinds[] = { "immutable", "append" };

		for (c = 0; c < ARRAY_SIZE(kinds); c++) {
			snprintf(path, sizeof(path), "imm/%s-%s", kinds[c], owner_names[o]);
			fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0666);
			if (fd < 0 || write(fd, content, sizeof(content) - 1) < 0)
				die(path);
			close(fd);
			if (chown(path, owners[o], owners[o]) || chmod(path, 0666))
				die(path);
		}
	}
}

static void copyup(void)
{
	char path[4096];
	size_t d, o, m;
	int fd;

	for (d = 0; d < ARRAY_SIZE(dirs); d++)
		for (o = 0; o < ARRAY_SIZE(owners); o++)
			for (m = 0; m < ARRAY_SIZE(modes); m++) {
				file_name(path, sizeof(path), dirs[d].name, "cu", o, modes[m]);
				fd = open(path, O_WRONLY);
				if (fd < 0)
					die(path);
				close(fd);
			}
}

/* Exec @path in a child; the result is its exit status or exec's errno. */
static void do_exec(const char *path)
{
	int p[2], e = 0, status;
	pid_t pid;

	if (pipe2(p, O_CLOEXEC))
		die("pipe");
	pid = fork();
	if (pid < 0)
		die("fork");
	if (!pid) {
		char *argv[] = { (char *)path, NULL };
		char *envp[] = { NULL };

		execve(path, argv, envp);
		e = errno;
		if (write(p[1], &e, sizeof(e)) < 0)
			_exit(126);
		_exit(127);
	}
	close(p[1]);
	if (read(p[0], &e, sizeof(e)) != sizeof(e))
		e = 0;
	close(p[0]);
	waitpid(pid, &status, 0);
	if (e)
		printf("%s exec %s\n", path, ename(e));
	else
		printf("%s exec ok status=%d\n", path, WEXITSTATUS(status));
}

static void file_ops(const char *path, bool exec)
{
	char buf[64], other[4200];
	struct stat st;
	ssize_t n;
	int fd, r;

	r = lstat(path, &st);
	report(path, "stat", r, path);
	if (r)
		return;

	fd = open(path, O_RDONLY);
	if (fd >= 0) {
		n = read(fd, buf, sizeof(buf));
		close(fd);
		printf("%s read %s\n", path, n < 0 ? ename(errno) : "ok");
	} else {
		report(path, "read", -1, NULL);
	}
	report(path, "access-x", faccessat(AT_FDCWD, path, X_OK, AT_EACCESS), NULL);
	if (exec)
		do_exec(path);

	report(path, "setxattr", setxattr(path, "user.perm", "v", 1, 0), NULL);
	n = getxattr(path, "user.perm", buf, sizeof(buf));
	printf("%s getxattr %s\n", path, n < 0 ? ename(errno) : "ok");

	fd = open(path, O_WRONLY | O_APPEND);
	if (fd >= 0) {
		r = write(fd, "w", 1) == 1 ? 0 : -1;
		close(fd);
		report(path, "append", r, path);
	} else {
		report(path, "append", -1, NULL);
	}
	/* Restore write access for the next checks only through ops. */
	report(path, "truncate", truncate(path, sizeof(content) - 1), path);
	report(path, "touch", utimensat(AT_FDCWD, path, NULL, 0), NULL);
	report(path, "touch-set", utimensat(AT_FDCWD, path,
					    (struct timespec[]){ { 1000, 0 }, { 1000, 0 } }, 0),
	       NULL);
	report(path, "chgrp-own", chown(path, -1, getegid()), path);
	report(path, "chown-root", chown(path, 0, -1), path);
	report(path, "chmod", chmod(path, (st.st_mode & 07777) | 0040), path);

	snprintf(other, sizeof(other), "%s.ln", path);
	r = link(path, other);
	report(path, "link", r, NULL);
	if (!r)
		unlink(other);
	snprintf(other, sizeof(other), "%s.mv", path);
	r = rename(path, other);
	report(path, "rename", r, NULL);
	if (!r)
		report(path, "rename-back", rename(other, path), NULL);
}

static void dir_ops(const char *dir)
{
	char path[4200], target[4200];
	struct dirent *de;
	int n = 0, fd, r;
	uid_t uid = geteuid();
	DIR *dp;

	dp = opendir(dir);
	if (dp) {
		while ((de = readdir(dp)))
			n++;
		closedir(dp);
		printf("%s list ok %d\n", dir, n);
	} else {
		report(dir, "list", -1, NULL);
	}
	snprintf(path, sizeof(path), "%s/new-%u", dir, uid);
	fd = open(path, O_CREAT | O_EXCL | O_WRONLY, 02777);
	if (fd >= 0)
		close(fd);
	report(path, "create", fd, path);
	snprintf(path, sizeof(path), "%s/nd-%u", dir, uid);
	report(path, "mkdir", mkdir(path, 02777), path);
	snprintf(path, sizeof(path), "%s/ff-%u", dir, uid);
	report(path, "mkfifo", mkfifo(path, 0666), path);
	snprintf(path, sizeof(path), "%s/sl-%u", dir, uid);
	report(path, "symlink", symlink("target", path), path);
	/* Move one's new file into the sticky root directory and back. */
	snprintf(path, sizeof(path), "%s/new-%u", dir, uid);
	snprintf(target, sizeof(target), "droot1777/moved-%u", uid);
	r = rename(path, target);
	report(path, "rename-x", r, NULL);
	if (!r)
		report(path, "rename-x-back", rename(target, path), NULL);
	report(dir, "setxattr", setxattr(dir, "user.perm", "d", 1, 0), NULL);
	report(dir, "chmod", chmod(dir, 0777 | 01000), dir);
	/* Back to the fixture mode when that worked, so the second user sees it. */
	for (n = 0; n < (int)ARRAY_SIZE(dirs); n++)
		if (!strcmp(dirs[n].name, dir))
			chmod(dir, dirs[n].mode);
}

static void run(void)
{
	char path[4096];
	size_t d, c, o, m;

	for (d = 0; d < ARRAY_SIZE(dirs); d++) {
		dir_ops(dirs[d].name);
		for (c = 0; c < ARRAY_SIZE(copies); c++)
			for (o = 0; o < ARRAY_SIZE(owners); o++)
				for (m = 0; m < ARRAY_SIZE(modes); m++) {
					bool exec = (modes[m] & 0111) && d == 0 && c == 0;

					file_name(path, sizeof(path), dirs[d].name,
						  copies[c], o, modes[m]);
					file_ops(path, exec);
				}
	}
	fflush(stdout);
}

static void do_unlink(void)
{
	static const char *const made[] = { "new", "ff", "sl" };
	char path[4096];
	size_t d, c, o, m, k;

	for (d = 0; d < ARRAY_SIZE(dirs); d++) {
		for (c = 0; c < ARRAY_SIZE(copies); c++)
			for (o = 0; o < ARRAY_SIZE(owners); o++)
				for (m = 0; m < ARRAY_SIZE(modes); m++) {
					file_name(path, sizeof(path), dirs[d].name,
						  copies[c], o, modes[m]);
					report(path, "unlink", unlink(path), NULL);
				}
		for (k = 0; k < ARRAY_SIZE(made); k++)
			for (o = 0; o < ARRAY_SIZE(owners); o++) {
				snprintf(path, sizeof(path), "%s/%s-%u", dirs[d].name,
					 made[k], owners[o]);
				report(path, "unlink", unlink(path), NULL);
			}
		for (o = 0; o < ARRAY_SIZE(owners); o++) {
			snprintf(path, sizeof(path), "%s/nd-%u", dirs[d].name, owners[o]);
			report(path, "rmdir", rmdir(path), NULL);
		}
	}
}

static void special(void)
{
	static const char *const kinds[] = { "immutable", "append" };
	char path[4096], other[4200];
	unsigned int flags;
	size_t c, o;
	int fd, r;

	for (c = 0; c < ARRAY_SIZE(kinds); c++)
		for (o = 0; o < ARRAY_SIZE(owners); o++) {
			snprintf(path, sizeof(path), "imm/%s-%s", kinds[c], owner_names[o]);
			fd = open(path, O_RDONLY);
			if (fd >= 0) {
				r = ioctl(fd, FS_IOC_GETFLAGS, &flags);
				if (r)
					report(path, "getflags", -1, NULL);
				else
					printf("%s getflags ok %s%s\n", path,
					       flags & FS_IMMUTABLE_FL ? "i" : "-",
					       flags & FS_APPEND_FL ? "a" : "-");
				close(fd);
			} else {
				report(path, "getflags-open", -1, NULL);
			}
			fd = open(path, O_WRONLY);
			report(path, "open-write", fd, NULL);
			if (fd >= 0)
				close(fd);
			fd = open(path, O_WRONLY | O_APPEND);
			if (fd >= 0) {
				r = write(fd, "a", 1) == 1 ? 0 : -1;
				close(fd);
				report(path, "append", r, path);
			} else {
				report(path, "append", -1, NULL);
			}
			report(path, "truncate", truncate(path, 0), path);
			report(path, "chmod", chmod(path, 0644), path);
			report(path, "touch", utimensat(AT_FDCWD, path, NULL, 0), NULL);
			report(path, "setxattr", setxattr(path, "user.perm", "v", 1, 0), NULL);
			snprintf(other, sizeof(other), "%s.ln", path);
			r = link(path, other);
			report(path, "link", r, NULL);
			if (!r)
				unlink(other);
			snprintf(other, sizeof(other), "%s.mv", path);
			r = rename(path, other);
			report(path, "rename", r, NULL);
			if (!r)
				rename(other, path);
			report(path, "unlink", unlink(path), NULL);
		}
	fflush(stdout);
}

static void snapshot(const char *top, const char *rel, int depth)
{
	char path[4200], sub[4200], list[4096], val[256];
	struct dirent *de;
	struct stat st;
	DIR *dp;

	snprintf(path, sizeof(path), "%s/%s", top, rel);
	if (lstat(path, &st))
		die(path);
	printf("%s %o %u %u %lld", rel, st.st_mode, st.st_uid, st.st_gid,
	       S_ISREG(st.st_mode) ? (long long)st.st_size : 0LL);
	if (S_ISCHR(st.st_mode))
		printf(" rdev=%u:%u", major(st.st_rdev), minor(st.st_rdev));
	if (!S_ISLNK(st.st_mode)) {
		ssize_t n = llistxattr(path, list, sizeof(list)), i;

		for (i = 0; n > 0 && i < n; i += strlen(list + i) + 1) {
			ssize_t v;

			if (strncmp(list + i, "user.", 5))
				continue;
			v = lgetxattr(path, list + i, val, sizeof(val) - 1);
			val[v > 0 ? v : 0] = '\0';
			printf(" %s=%s", list + i, val);
		}
	}
	putchar('\n');
	if (!S_ISDIR(st.st_mode))
		return;
	dp = opendir(path);
	if (!dp)
		die(path);
	{
		/* Sorted, for a stable listing. */
		char *names[1024];
		int n = 0, i, j;

		while ((de = readdir(dp)) && n < 1024) {
			if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
				continue;
			if (!depth && (!strcmp(de->d_name, "work") ||
				       !strcmp(de->d_name, "layerfs.work")))
				continue;
			names[n++] = strdup(de->d_name);
		}
		closedir(dp);
		for (i = 1; i < n; i++)
			for (j = i; j > 0 && strcmp(names[j - 1], names[j]) > 0; j--) {
				char *t = names[j];

				names[j] = names[j - 1];
				names[j - 1] = t;
			}
		for (i = 0; i < n; i++) {
			snprintf(sub, sizeof(sub), "%s/%s", rel, names[i]);
			snapshot(top, sub, depth + 1);
			free(names[i]);
		}
	}
}

int main(int argc, char **argv)
{
	if (argc != 3)
		goto usage;
	setvbuf(stdout, NULL, _IOFBF, 1 << 16);
	if (!strcmp(argv[1], "mkfixture")) {
		mkfixture(argv[2]);
		return 0;
	}
	if (!strcmp(argv[1], "snapshot")) {
		snapshot(argv[2], ".", 0);
		return 0;
	}
	if (chdir(argv[2]))
		die(argv[2]);
	umask(022);
	if (!strcmp(argv[1], "copyup"))
		copyup();
	else if (!strcmp(argv[1], "run"))
		run();
	else if (!strcmp(argv[1], "unlink"))
		do_unlink();
	else if (!strcmp(argv[1], "special"))
		special();
	else
		goto usage;
	return 0;
usage:
	fprintf(stderr, "usage: lfs-perm mkfixture|copyup|run|unlink|special|snapshot DIR\n");
	return 2;
}
