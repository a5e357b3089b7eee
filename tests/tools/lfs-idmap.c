// SPDX-License-Identifier: GPL-2.0
/*
 * lfs-idmap: make an idmapped bind mount, for t-idmap.
 *
 *   lfs-idmap SRC DST [NSID HOSTID COUNT]
 *
 * Clones the mount tree at SRC (open_tree(OPEN_TREE_CLONE)), idmaps it
 * (mount_setattr(MOUNT_ATTR_IDMAP)) with a new user namespace whose uid
 * and gid maps are "NSID HOSTID COUNT" (default "0 10000 65536"), made by
 * a child process, and attaches it at DST (move_mount).  The filesystem of
 * SRC must support idmapped mounts (ext4 does; 6.1's tmpfs does not).
 * Exits 0 on success, else prints the failing step and its error.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

static int die(const char *what, const char *arg)
{
	fprintf(stderr, "lfs-idmap: %s%s%s: %s\n", what, arg ? " " : "",
		arg ? arg : "", strerror(errno));
	return 1;
}

static int write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = write(fd, text, strlen(text));
	if (close(fd) || n != (ssize_t)strlen(text))
		return -1;
	return 0;
}

/* A user namespace with the given maps, as an fd; -1 on error. */
static int make_userns(const char *map)
{
	char path[64];
	int ready[2], go[2];
	int fd = -1;
	pid_t pid;
	char c;

	if (pipe(ready) || pipe(go))
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		close(ready[0]);
		close(go[1]);
		if (unshare(CLONE_NEWUSER))
			_exit(1);
		if (write(ready[1], "r", 1) != 1)
			_exit(1);
		/* Wait until the parent has the maps written and the fd open. */
		if (read(go[0], &c, 1) < 0)
			_exit(1);
		_exit(0);
	}
	close(ready[1]);
	close(go[0]);
	if (read(ready[0], &c, 1) != 1) {
		errno = ECHILD;
		goto out;
	}
	snprintf(path, sizeof(path), "/proc/%d/uid_map", (int)pid);
	if (write_file(path, map))
		goto out;
	snprintf(path, sizeof(path), "/proc/%d/setgroups", (int)pid);
	if (write_file(path, "deny"))
		goto out;
	snprintf(path, sizeof(path), "/proc/%d/gid_map", (int)pid);
	if (write_file(path, map))
		goto out;
	snprintf(path, sizeof(path), "/proc/%d/ns/user", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
out:
	close(go[1]);	/* the child exits */
	close(ready[0]);
	waitpid(pid, NULL, 0);
	return fd;
}

int main(int argc, char **argv)
{
	struct mount_attr attr = { .attr_set = MOUNT_ATTR_IDMAP };
	char map[128];
	int tree, ns;

	if (argc != 3 && argc != 6) {
		fprintf(stderr, "usage: lfs-idmap SRC DST [NSID HOSTID COUNT]\n");
		return 2;
	}
	snprintf(map, sizeof(map), "%s %s %s\n", argc == 6 ? argv[3] : "0",
		 argc == 6 ? argv[4] : "10000", argc == 6 ? argv[5] : "65536");
	ns = make_userns(map);
	if (ns < 0)
		return die("user namespace", NULL);
	tree = open_tree(AT_FDCWD, argv[1], OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
	if (tree < 0)
		return die("open_tree", argv[1]);
	attr.userns_fd = ns;
	if (mount_setattr(tree, "", AT_EMPTY_PATH, &attr, sizeof(attr)))
		return die("mount_setattr(MOUNT_ATTR_IDMAP)", argv[1]);
	if (move_mount(tree, "", AT_FDCWD, argv[2], MOVE_MOUNT_F_EMPTY_PATH))
		return die("move_mount to", argv[2]);
	close(tree);
	close(ns);
	return 0;
}
