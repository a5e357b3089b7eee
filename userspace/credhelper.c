// SPDX-License-Identifier: GPL-2.0
/*
 * Running a docker credential helper.  See credhelper.h.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
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

/*
 * The file @prog names on $PATH into @path, searched as execvp() does (an
 * empty entry is the current directory; no $PATH: /bin:/usr/bin): 0, or
 * -1 with errno ENOENT, or EACCES when only files it may not run were met.
 * Found here rather than by posix_spawnp(): POSIX lets posix_spawnp()
 * report a failed exec either as its own error or as the child's exit
 * status 127 (glibc does the first natively, the second under valgrind),
 * which would make a missing helper look like one that ran and failed.
 */
static int lfs_helper_find(const char *prog, char *path, size_t len)
{
	const char *p = getenv("PATH"), *end;
	int denied = 0;

	if (!p)
		p = "/bin:/usr/bin";
	for (;; p = end + 1) {
		struct stat st;
		size_t n;

		end = strchrnul(p, ':');
		n = (size_t)(end - p);
		if (snprintf(path, len, "%.*s%s%s", (int)n, p, n ? "/" : "./",
			     prog) < (int)len &&
		    !stat(path, &st) && !S_ISDIR(st.st_mode)) {
			if (!access(path, X_OK))
				return 0;
			denied = 1;
		}
		if (!*end)
			break;
	}
	errno = denied ? EACCES : ENOENT;
	return -1;
}

/* Spawns @prog (on $PATH) @verb with pipes for its stdin and stdout; its pid. */
static pid_t lfs_helper_spawn(const char *prog, const char *verb, int *in_fd,
			      int *out_fd)
{
	char *argv[] = { (char *)prog, (char *)verb, NULL };
	posix_spawn_file_actions_t fa;
	int in[2], out[2], rc;
	char path[PATH_MAX];
	pid_t pid;

	if (lfs_helper_find(prog, path, sizeof(path)))
		return -1;
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
	rc = posix_spawn(&pid, path, &fa, NULL, argv, environ);
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

/*
 * Runs helper @name with @verb, @in on its standard input; its output
 * (NUL-terminated, LFS_HELPER_OUT_MAX bytes at most) in @out and its wait
 * status in *@st.  0, or -errno with why in @e.
 */
static int lfs_helper_run(const char *name, const char *verb, const char *in,
			  char *out, int *st, struct lfs_err *e)
{
	struct sigaction ign = { .sa_handler = SIG_IGN }, old;
	int in_fd, out_fd, rc = 0;
	char prog[96];
	pid_t pid;

	snprintf(prog, sizeof(prog), "docker-credential-%s", name);
	sigaction(SIGPIPE, &ign, &old);
	pid = lfs_helper_spawn(prog, verb, &in_fd, &out_fd);
	if (pid < 0) {
		/* configured but missing is an error, as for docker */
		rc = errno == ENOENT ? -ENOEXEC : -errno;
		/* the text says why exec failed (ENOENT): the caller gets rc */
		lfs_err_named(e, rc == -ENOEXEC ? -ENOENT : rc, "cannot run it",
			      "credential helper '%s'", prog);
	} else {
		lfs_helper_talk(in_fd, out_fd, in, out, LFS_HELPER_OUT_MAX);
		close(out_fd);
		while (waitpid(pid, st, 0) < 0 && errno == EINTR)
			;
	}
	sigaction(SIGPIPE, &old, NULL);
	return rc;
}

/* A helper's failure: its status and the first line of what it said. */
static int lfs_helper_failed(const char *name, int st, char *out,
			     struct lfs_err *e)
{
	/* the reporter escapes control characters */
	out[strcspn(out, "\n")] = '\0';
	out[200] = '\0';
	lfs_err_set(e, 0, "credential helper 'docker-credential-%s': %s %d%s%s",
		    name, WIFEXITED(st) ? "failed with status" : "killed by signal",
		    WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st),
		    out[0] ? ": " : "", out);
	return -EACCES;
}

/* No memory to talk to helper @name: -ENOMEM, why in @e. */
static int lfs_helper_nomem(const char *name, struct lfs_err *e)
{
	return lfs_err_named(e, -ENOMEM, "cannot run it",
			     "credential helper 'docker-credential-%s'", name);
}

int lfs_cred_helper_get(const char *name, const char *host,
			struct lfs_reg_cred *c, struct lfs_err *e)
{
	char *out = malloc(LFS_HELPER_OUT_MAX);
	int st = 0, rc;

	if (!out)
		return lfs_helper_nomem(name, e);
	rc = lfs_helper_run(name, "get", lfs_reg_helper_server(host), out, &st,
			    e);
	if (rc)
		goto out;
	if (WIFEXITED(st) && !WEXITSTATUS(st)) {
		rc = lfs_reg_helper_parse(out, c, e);
		if (rc)
			lfs_err_prefix(e, rc, "credential helper 'docker-credential-%s'",
				       name);
	} else if (strstr(out, "credentials not found")) {
		rc = -ENOENT;
	} else {
		rc = lfs_helper_failed(name, st, out, e);
	}
out:
	explicit_bzero(out, LFS_HELPER_OUT_MAX);
	free(out);
	return rc;
}

int lfs_cred_helper_store(const char *name, const char *host,
			  const struct lfs_reg_cred *c, struct lfs_err *e)
{
	char *in = lfs_reg_helper_store_json(host, c), *out;
	int st = 0, rc;

	out = in ? malloc(LFS_HELPER_OUT_MAX) : NULL;
	if (!out) {
		free(in);
		return lfs_helper_nomem(name, e);
	}
	rc = lfs_helper_run(name, "store", in, out, &st, e);
	if (!rc && !(WIFEXITED(st) && !WEXITSTATUS(st)))
		rc = lfs_helper_failed(name, st, out, e);
	explicit_bzero(in, strlen(in));
	free(in);
	free(out);
	return rc;
}

int lfs_cred_helper_erase(const char *name, const char *host,
			  struct lfs_err *e)
{
	char *out = malloc(LFS_HELPER_OUT_MAX);
	int st = 0, rc;

	if (!out)
		return lfs_helper_nomem(name, e);
	rc = lfs_helper_run(name, "erase", lfs_reg_helper_server(host), out,
			    &st, e);
	if (!rc && !(WIFEXITED(st) && !WEXITSTATUS(st)))
		rc = strstr(out, "credentials not found") ? -ENOENT :
		     lfs_helper_failed(name, st, out, e);
	free(out);
	return rc;
}
