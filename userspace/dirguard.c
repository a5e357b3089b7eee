// SPDX-License-Identifier: GPL-2.0
/*
 * A directory removed if its maker dies before it is complete: see
 * dirguard.h.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <signal.h>
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

/*
 * The watcher: @sock its end, @parent the guarded directory's parent,
 * @name its name there, @want its identity.  Never returns.
 */
static void lfs_dirguard_watch(int sock, int parent, const char *name,
			       const struct stat *want)
{
	struct stat now;
	char c;
	ssize_t n;
	size_t i;
	int null;

	/* SIGTERM too: a kill of the whole group must still leave it */
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
	do
		n = read(sock, &c, 1);
	while (n < 0 && errno == EINTR);
	if (n == 1)
		_exit(0);
	if (!fstatat(parent, name, &now, AT_SYMLINK_NOFOLLOW) &&
	    S_ISDIR(now.st_mode) && now.st_dev == want->st_dev &&
	    now.st_ino == want->st_ino)
		lfs_rm_rf_at(parent, name);
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

/* Closes every descriptor above 2 but @a and @b (the watcher's own). */
static void lfs_dirguard_close_others(int a, int b)
{
	long lo = a < b ? a : b, hi = a < b ? b : a;

	lfs_dirguard_close_range(3, lo - 1);
	lfs_dirguard_close_range(lo + 1, hi - 1);
	lfs_dirguard_close_range(hi + 1, (long)~0U);
}

int lfs_dirguard_start(struct lfs_dirguard *g, const char *dir)
{
	char *dcopy = strdup(dir), *bcopy = strdup(dir);
	int sv[2] = { -1, -1 }, parent = -1, rc = 0;
	const char *name;
	struct stat want;

	g->pid = -1;
	g->fd = -1;
	if (!dcopy || !bcopy) {
		rc = -ENOMEM;
		goto out_free;
	}
	name = basename(bcopy);
	parent = open(dirname(dcopy), O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (parent < 0 || fstatat(parent, name, &want, AT_SYMLINK_NOFOLLOW)) {
		rc = -errno;
		goto out_close;
	}
	if (!S_ISDIR(want.st_mode)) {
		rc = -ENOTDIR;
		goto out_close;
	}
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv)) {
		rc = -errno;
		goto out_close;
	}
	g->pid = fork();
	if (g->pid < 0) {
		rc = -errno;
		goto out_close;
	}
	if (g->pid == 0) {
		close(sv[0]);
		lfs_dirguard_close_others(sv[1], parent);
		lfs_dirguard_watch(sv[1], parent, name, &want);
	}
	g->fd = sv[0];
	sv[0] = -1;
out_close:
	if (sv[0] >= 0)
		close(sv[0]);
	if (sv[1] >= 0)
		close(sv[1]);
	if (parent >= 0)
		close(parent);
out_free:
	free(dcopy);
	free(bcopy);
	return rc;
}

void lfs_dirguard_end(struct lfs_dirguard *g)
{
	if (g->fd >= 0) {
		/* not SIGPIPE if the watcher is gone */
		send(g->fd, "k", 1, MSG_NOSIGNAL);
		close(g->fd);
		g->fd = -1;
	}
	if (g->pid > 0)
		while (waitpid(g->pid, NULL, 0) < 0 && errno == EINTR)
			;
	g->pid = -1;
}
