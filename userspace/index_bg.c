// SPDX-License-Identifier: GPL-2.0
/*
 * A commit's index, before or after commit returns.  The commit itself is
 * a switch in the kernel and a few records: its time does not depend on
 * what the upper holds.  The index of the new layer costs a read of every
 * entry of that upper (seconds for 100,000 files under emulation), and
 * the layer and its views work without it (they walk the layers the index
 * would cover).  So an upper of at most LFS_INDEX_FG_ENTRIES entries is
 * indexed before commit returns, as before, and a larger one by a
 * detached process, as `git gc --auto` leaves its work: the commit then
 * costs a count of that many entries more, whatever the upper holds.  The
 * rule depends on the upper alone, never on timing.  The kernel's views
 * take the index up when it is given (LAYERFS_CMD_LAYER_INDEX), so a view
 * committed N times still looks names up through one index once the
 * builds are done.
 *
 * Ordering: both ways take the store's index lock (store.h); the
 * detached builder inherits it from the commit, so the next commit's index
 * is built after this one (over it), and `layerctl layer index REF` waits
 * for it.  The builder keeps the store's shared lock too (prune waits),
 * leaves the caller's terminal, pipes, descriptors and working directory,
 * and says why it failed in syslog.
 */
#define _GNU_SOURCE	/* close_range() */
#include <errno.h>
#include <fcntl.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <syslog.h>
#include <unistd.h>

#include "cmd.h"
#include "err.h"
#include "layerinfo.h"
#include "index_store.h"
#include "nl.h"
#include "store.h"

static int lfs_int_cmp(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

/* Closes every descriptor from 3 up but the @n in @keep. */
static void lfs_close_others(int *keep, size_t n)
{
	unsigned int from = STDERR_FILENO + 1;
	size_t i;

	qsort(keep, n, sizeof(*keep), lfs_int_cmp);
	for (i = 0; i < n; i++) {
		if (keep[i] < (int)from)
			continue;
		if (keep[i] > (int)from)
			close_range(from, keep[i] - 1, 0);
		from = keep[i] + 1;
	}
	close_range(from, ~0U, 0);
}

/* The detached builder, holding the index lock @lockfd: never returns. */
static void lfs_index_bg_child(struct lfs_store *st, int lockfd,
			       const char *module, const char *ref,
			       const char *key)
{
	int keep[] = { st->fd, st->layers_fd, st->views_fd, st->lock_fd,
		       lockfd };
	struct lfs_err e = LFS_ERR_INIT;
	char line[LFS_ERR_MAX + 64];
	struct lfs_nl *nl = NULL;
	int fd, rc;

	/*
	 * Nothing of the caller's stays open or current: no pipe someone
	 * reads to its end, no mount kept busy.
	 */
	lfs_close_others(keep, sizeof(keep) / sizeof(keep[0]));
	fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (fd >= 0) {
		dup2(fd, STDIN_FILENO);
		dup2(fd, STDOUT_FILENO);
		dup2(fd, STDERR_FILENO);
		if (fd > STDERR_FILENO)
			close(fd);
	}
	if (chdir("/"))
		_exit(1);
	/* Its own socket: the caller may go on using the one it has. */
	rc = lfs_nl_open(&nl, module, &e);
	if (!rc)
		rc = lfs_layer_index_store(nl, st, ref, key, &e);
	if (rc < 0 && rc != LFS_INDEX_UNFROZEN) {
		lfs_layer_index_why(ref, &e);
		openlog("layerctl", LOG_PID, LOG_USER);
		syslog(LOG_WARNING, "%s", lfs_err_str(&e, line, sizeof(line)));
		closelog();
	}
	lfs_nl_close(nl);
	_exit(rc ? 1 : 0);
}

/*
 * Directory entries only, breadth first, relative paths queued: no inode
 * is read where the directory gives the type, and it stops one past the
 * limit, so a huge upper costs what a small one does.
 */
int lfs_tree_within(const char *dir, size_t limit)
{
	char **queue = calloc(limit + 2, sizeof(*queue));
	size_t head = 0, tail = 0, seen = 0;
	int rootfd, small = 0;

	rootfd = queue ? open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
	if (rootfd < 0) {
		free(queue);
		return 0;
	}
	queue[tail++] = strdup(".");
	while (head < tail) {
		char *rel = queue[head++];
		struct dirent *de;
		DIR *d = NULL;
		int fd;

		fd = rel ? openat(rootfd, rel, O_RDONLY | O_DIRECTORY |
				  O_NOFOLLOW | O_CLOEXEC) : -1;
		if (fd >= 0)
			d = fdopendir(fd);
		if (!d) {
			if (fd >= 0)
				close(fd);
			free(rel);
			goto out;
		}
		while ((de = readdir(d))) {
			struct stat sb;
			unsigned char type = de->d_type;

			if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
				continue;
			if (++seen > limit) {
				closedir(d);
				free(rel);
				goto out;
			}
			if (type == DT_UNKNOWN &&
			    !fstatat(dirfd(d), de->d_name, &sb,
				     AT_SYMLINK_NOFOLLOW))
				type = S_ISDIR(sb.st_mode) ? DT_DIR : DT_REG;
			if (type == DT_DIR &&
			    asprintf(&queue[tail++], "%s/%s", rel,
				     de->d_name) < 0)
				queue[tail - 1] = NULL;
		}
		closedir(d);
		free(rel);
	}
	small = 1;
out:
	while (head < tail)
		free(queue[head++]);
	free(queue);
	close(rootfd);
	return small;
}

/* Builds the index in a detached process, unless that cannot start. */
static void lfs_layer_index_bg(struct lfs_ctx *ctx, struct lfs_nl *nl,
			       struct lfs_store *st, const char *ref,
			       const char *key)
{
	int lockfd, status;
	pid_t pid;

	lockfd = lfs_store_index_lock(st);
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		/*
		 * The builder is a grandchild in a session of its own: no
		 * zombie for a caller that goes on (a batch), no signal
		 * from the caller's terminal.  Without a second process
		 * this one builds, and the caller waits for it.
		 */
		setsid();
		if (fork() > 0)
			_exit(0);
		lfs_index_bg_child(st, lockfd, ctx->module, ref, key);
	}
	/* The builder holds the lock now: the same open file. */
	lfs_store_index_unlock(lockfd);
	if (pid < 0) {
		/* Cannot detach: build it here. */
		lfs_layer_index_try(ctx, nl, st, ref, key);
		return;
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
}

void lfs_layer_index_commit(struct lfs_ctx *ctx, struct lfs_nl *nl,
			    struct lfs_store *st, const struct lfs_layer *l,
			    const char *key)
{
	if (lfs_tree_within(l->path, LFS_INDEX_FG_ENTRIES))
		lfs_layer_index_try(ctx, nl, st, l->name, key);
	else
		lfs_layer_index_bg(ctx, nl, st, l->name, key);
}
