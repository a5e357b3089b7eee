// SPDX-License-Identifier: GPL-2.0
/*
 * Running a docker credential helper.  See credhelper.h.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "credhelper.h"

#define LFS_HELPER_OUT_MAX (64U << 10)

extern char **environ;

/* Writes @in to @fd, then reads what comes back (at most 64 KiB). */
static int lfs_helper_talk(int in_fd, int out_fd, const char *in, char *out,
			   size_t len)
{
	size_t got = 0, n = strlen(in);
	ssize_t r;

	while (n) {
		r = write(in_fd, in, n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;	/* it may answer without reading */
		in += r;
		n -= (size_t)r;
	}
	close(in_fd);
	while (got + 1 < len) {
		r = read(out_fd, out + got, len - 1 - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	out[got] = '\0';
	return 0;
}

/* Spawns @prog get with pipes for its stdin and stdout; its pid. */
static pid_t lfs_helper_spawn(const char *prog, int *in_fd, int *out_fd)
{
	char *argv[] = { (char *)prog, (char *)"get", NULL };
	posix_spawn_file_actions_t fa;
	int in[2], out[2], rc;
	pid_t pid;

	if (pipe2(in, O_CLOEXEC))
		return -1;
	if (pipe2(out, O_CLOEXEC)) {
		close(in[0]);
		close(in[1]);
		return -1;
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, in[0], 0);
	posix_spawn_file_actions_adddup2(&fa, out[1], 1);
	rc = posix_spawnp(&pid, prog, &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(in[0]);
	close(out[1]);
	if (rc) {
		close(in[1]);
		close(out[0]);
		errno = rc;
		return -1;
	}
	*in_fd = in[1];
	*out_fd = out[0];
	return pid;
}

int lfs_cred_helper_get(const char *name, const char *host,
			struct lfs_reg_cred *c, struct lfs_err *e)
{
	char prog[96], *out;
	int in_fd, out_fd, st, rc;
	struct sigaction ign = { .sa_handler = SIG_IGN }, old;
	pid_t pid;

	snprintf(prog, sizeof(prog), "docker-credential-%s", name);
	out = malloc(LFS_HELPER_OUT_MAX);
	if (!out)
		return lfs_err_set(e, -ENOMEM, "out of memory");
	sigaction(SIGPIPE, &ign, &old);
	pid = lfs_helper_spawn(prog, &in_fd, &out_fd);
	if (pid < 0) {
		/* configured but missing is an error, as for docker */
		rc = errno == ENOENT ? -ENOEXEC : -errno;
		lfs_err_set(e, 0, "credential helper '%s': cannot run it: %s",
			    prog, strerror(errno));
		goto out;
	}
	lfs_helper_talk(in_fd, out_fd, lfs_reg_helper_server(host), out,
			LFS_HELPER_OUT_MAX);
	close(out_fd);
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(st) && !WEXITSTATUS(st)) {
		rc = lfs_reg_helper_parse(out, c, e);
		if (rc)
			lfs_err_prefix(e, rc, "credential helper '%s'", prog);
	} else if (strstr(out, "credentials not found")) {
		rc = -ENOENT;
	} else {
		/* its first line; the reporter escapes control characters */
		out[strcspn(out, "\n")] = '\0';
		out[200] = '\0';
		rc = -EACCES;
		lfs_err_set(e, 0, "credential helper '%s' failed (%s %d)%s%s",
				 prog, WIFEXITED(st) ? "status" : "signal",
				 WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st),
				 out[0] ? ": " : "", out);
	}
out:
	sigaction(SIGPIPE, &old, NULL);
	explicit_bzero(out, LFS_HELPER_OUT_MAX);
	free(out);
	return rc;
}
