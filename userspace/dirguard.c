// SPDX-License-Identifier: GPL-2.0
/*
 * Directories removed if their maker dies before letting them go: see
 * dirguard.h.  Messages to the watcher, each ending in a NUL (names hold
 * any byte but NUL and '/'): "+DEV INO NAME" guard (hexadecimal), "-NAME"
 * let go, "." the end.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "dirguard.h"
#include "fsdir.h"

/* The signals a terminal sends its foreground process group, and PIPE. */
static const int lfs_dirguard_ignored[] = {
	SIGINT, SIGQUIT, SIGTSTP, SIGHUP, SIGTERM, SIGPIPE
};

struct lfs_guarded {
	char *name;
	dev_t dev;
	ino_t ino;
};

/* The watcher's list of what it guards. */
struct lfs_guard_list {
	struct lfs_guarded *v;
	size_t n, cap;
};

/* Message "+DEV INO NAME" (without its '+'). */
static void lfs_guard_list_add(struct lfs_guard_list *l, const char *msg)
{
	unsigned long long dev, ino;
	struct lfs_guarded *nv;
	int at = 0;

	if (sscanf(msg, "%llx %llx %n", &dev, &ino, &at) != 2 || !at)
		return;
	if (l->n == l->cap) {
		nv = realloc(l->v, (l->cap ? l->cap * 2 : 8) * sizeof(*nv));
		if (!nv)
			return;
		l->v = nv;
		l->cap = l->cap ? l->cap * 2 : 8;
	}
	l->v[l->n].name = strdup(msg + at);
	if (!l->v[l->n].name)
		return;
	l->v[l->n].dev = (dev_t)dev;
	l->v[l->n].ino = (ino_t)ino;
	l->n++;
}

static void lfs_guard_list_drop(struct lfs_guard_list *l, const char *name)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (!strcmp(l->v[i].name, name)) {
			free(l->v[i].name);
			l->v[i] = l->v[--l->n];
			return;
		}
}

/* What is still guarded, if each is still the directory it was. */
static void lfs_guard_list_remove_all(const struct lfs_guard_list *l,
				      int parent)
{
	struct stat now;
	size_t i;

	for (i = 0; i < l->n; i++)
		if (!fstatat(parent, l->v[i].name, &now, AT_SYMLINK_NOFOLLOW) &&
		    S_ISDIR(now.st_mode) && now.st_dev == l->v[i].dev &&
		    now.st_ino == l->v[i].ino)
			lfs_rm_rf_at(parent, l->v[i].name);
}

/* The watcher: @sock its end, @parent the watched directory.  No return. */
static void lfs_dirguard_watch(int sock, int parent)
{
	struct lfs_guard_list l = { NULL, 0, 0 };
	char buf[4 * (NAME_MAX + 40)];
	size_t have = 0, used;
	ssize_t n;
	char *end;
	size_t i;
	int null;

	for (i = 0; i < sizeof(lfs_dirguard_ignored) /
		    sizeof(lfs_dirguard_ignored[0]); i++)
		signal(lfs_dirguard_ignored[i], SIG_IGN);
	/* hold no pipe or terminal of the caller's open */
	null = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (null >= 0) {
		dup2(null, 0);
		dup2(null, 1);
		dup2(null, 2);
	}
	for (;;) {
		n = read(sock, buf + have, sizeof(buf) - have);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		have += (size_t)n;
		used = 0;
		while ((end = memchr(buf + used, '\0', have - used))) {
			if (buf[used] == '.')
				_exit(0);
			if (buf[used] == '+')
				lfs_guard_list_add(&l, buf + used + 1);
			else if (buf[used] == '-')
				lfs_guard_list_drop(&l, buf + used + 1);
			used = (size_t)(end - buf) + 1;
		}
		memmove(buf, buf + used, have - used);
		have -= used;
		if (have == sizeof(buf))
			break;		/* not the caller's: cannot be */
	}
	lfs_guard_list_remove_all(&l, parent);
	_exit(0);
}

/*
 * Closes descriptors @from to @to (inclusive), those above 2 only; none
 * if @to < @from.
 */
static void lfs_dirguard_close_range(long from, long to)
{
	long fd;

	if (from < 3)
		from = 3;
	if (to < from || !close_range((unsigned int)from, (unsigned int)to, 0))
		return;
	/* a kernel before 5.9 */
	for (fd = from; fd <= to && fd < 65536; fd++)
		close((int)fd);
}

/* Closes every descriptor above 2 but those in @keep (sorted, -1 none). */
static void lfs_dirguard_close_others(int keep[3])
{
	long last = 2;
	int i;

	for (i = 0; i < 3; i++) {
		if (keep[i] < 0)
			continue;
		lfs_dirguard_close_range(last + 1, keep[i] - 1L);
		last = keep[i];
	}
	lfs_dirguard_close_range(last + 1, (long)~0U);
}

static int lfs_int_cmp(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

int lfs_dirguard_start(struct lfs_dirguard *g, int parent, int keep)
{
	int sv[2], fds[3], rc;

	*g = (struct lfs_dirguard)LFS_DIRGUARD_INIT;
	g->parent = fcntl(parent, F_DUPFD_CLOEXEC, 3);
	if (g->parent < 0)
		return -errno;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv)) {
		rc = -errno;
		goto out_parent;
	}
	g->pid = fork();
	if (g->pid < 0) {
		rc = -errno;
		close(sv[0]);
		close(sv[1]);
		goto out_parent;
	}
	if (g->pid == 0) {
		close(sv[0]);
		fds[0] = sv[1];
		fds[1] = parent;
		fds[2] = keep;
		qsort(fds, 3, sizeof(fds[0]), lfs_int_cmp);
		lfs_dirguard_close_others(fds);
		lfs_dirguard_watch(sv[1], parent);
	}
	close(sv[1]);
	g->fd = sv[0];
	return 0;
out_parent:
	close(g->parent);
	g->parent = -1;
	return rc;
}

/* Message @head @name, with its NUL, to the watcher. */
static int lfs_dirguard_send(struct lfs_dirguard *g, const char *head,
			     const char *name)
{
	char msg[NAME_MAX + 48];
	size_t hl = strlen(head), len = strlen(name);

	if (g->fd < 0)
		return -EBADF;
	if (len > NAME_MAX || strchr(name, '/') || hl > 40)
		return -EINVAL;
	memcpy(msg, head, hl);
	memcpy(msg + hl, name, len + 1);
	len += hl + 1;
	/* not SIGPIPE if the watcher is gone */
	if (send(g->fd, msg, len, MSG_NOSIGNAL) != (ssize_t)len)
		return -EPIPE;
	return 0;
}

int lfs_dirguard_add(struct lfs_dirguard *g, const char *name)
{
	char head[48];
	struct stat st;

	if (g->fd < 0)
		return -EBADF;
	if (strchr(name, '/'))
		return -EINVAL;
	/* this directory, as it is now: not what may take its name later */
	if (fstatat(g->parent, name, &st, AT_SYMLINK_NOFOLLOW))
		return -errno;
	if (!S_ISDIR(st.st_mode))
		return -ENOTDIR;
	snprintf(head, sizeof(head), "+%llx %llx ",
		 (unsigned long long)st.st_dev, (unsigned long long)st.st_ino);
	return lfs_dirguard_send(g, head, name);
}

void lfs_dirguard_let_go(struct lfs_dirguard *g, const char *name)
{
	lfs_dirguard_send(g, "-", name);
}

int lfs_dirguard_dir(struct lfs_dirguard *g, const char *dir)
{
	char *dcopy = strdup(dir), *bcopy = strdup(dir);
	int parent = -1, rc = -ENOMEM;

	if (!dcopy || !bcopy)
		goto out;
	parent = open(dirname(dcopy), O_PATH | O_DIRECTORY | O_CLOEXEC);
	rc = parent < 0 ? -errno : lfs_dirguard_start(g, parent, -1);
	if (!rc)
		rc = lfs_dirguard_add(g, basename(bcopy));
	if (rc)
		lfs_dirguard_end(g);
out:
	if (parent >= 0)
		close(parent);
	free(dcopy);
	free(bcopy);
	return rc;
}

void lfs_dirguard_end(struct lfs_dirguard *g)
{
	if (g->fd >= 0) {
		send(g->fd, ".", 2, MSG_NOSIGNAL);
		close(g->fd);
		g->fd = -1;
	}
	if (g->pid > 0)
		while (waitpid(g->pid, NULL, 0) < 0 && errno == EINTR)
			;
	g->pid = -1;
	if (g->parent >= 0)
		close(g->parent);
	g->parent = -1;
}
