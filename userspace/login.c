// SPDX-License-Identifier: GPL-2.0
/*
 * layerctl login HOST -u USER [--password-stdin]: checks the credentials
 * against the registry, then stores them in the auth file (mode 0600).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include "cmd.h"
#include "credhelper.h"
#include "fsdir.h"
#include "parse.h"
#include "regcmd.h"

static const char lfs_usage_login[] =
	"Usage: layerctl login HOST[:PORT] -u USER [--password-stdin]\n"
	"                      [--insecure] [--ca-file FILE]\n"
	"\n"
	"Check USER's password against the OCI registry HOST (GET /v2/ with\n"
	"Basic credentials, or a token for them), then store them, as docker\n"
	"login does: with the credential helper the auth file names for HOST\n"
	"(credHelpers.HOST, else credsStore: 'docker-credential-NAME store',\n"
	"on $PATH, given {\"ServerURL\",\"Username\",\"Secret\"} on its standard\n"
	"input; the file is not changed), else as auths.HOST.auth in the auth\n"
	"file itself, written with mode 0600 (the rest of the file is kept).\n"
	"The auth file: $REGISTRY_AUTH_FILE if set, else\n"
	"$DOCKER_CONFIG/config.json or ~/.docker/config.json (docker's and\n"
	"podman's format).  The password is read from standard input (its\n"
	"first line) with --password-stdin, else asked for on the terminal.\n"
	"\n"
	"Options:\n"
	"  -u, --username=USER    the user name (required)\n"
	"      --password-stdin   read the password from standard input\n"
	LFS_REG_CONN_HELP
	"  -h, --help             show this help\n";

enum { LFS_OPT_PASSWORD_STDIN = 0x1a0 };

struct lfs_login {
	const char *host;
	const char *user;
	int password_stdin;
	struct lfs_reg_conn conn;
	struct lfs_reg_cred cred;
	char path[4096];
};

static int lfs_login_parse(struct lfs_ctx *ctx, int argc, char **argv,
			   struct lfs_login *l)
{
	static const struct option opts[] = {
		{ "username", required_argument, NULL, 'u' },
		{ "password-stdin", no_argument, NULL, LFS_OPT_PASSWORD_STDIN },
		LFS_REG_CONN_OPTIONS,
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	int c;

	lfs_opt_reset();
	while ((c = getopt_long(argc, argv, ":u:h", opts, NULL)) != -1) {
		if (lfs_reg_conn_opt(&l->conn, c, optarg))
			continue;
		if (c == 'u')
			l->user = optarg;
		else if (c == LFS_OPT_PASSWORD_STDIN)
			l->password_stdin = 1;
		else if (c == 'h')
			return lfs_usage(ctx, lfs_usage_login, 0);
		else
			return lfs_usage_opt(ctx, "login", lfs_usage_login, c,
					     argv, opts);
	}
	if (argc - optind < 1)
		return lfs_usage_error(ctx, "login", lfs_usage_login,
				       "missing HOST");
	if (argc - optind > 1)
		return lfs_usage_error(ctx, "login", lfs_usage_login,
				       "unexpected argument '%s'", argv[optind + 1]);
	if (!l->user)
		return lfs_usage_error(ctx, "login", lfs_usage_login,
				       "missing -u USER");
	l->host = argv[optind];
	return lfs_reg_host_operand(ctx, "login", lfs_usage_login, l->host);
}

/*
 * The terminal whose echo the prompt turned off, and its settings before:
 * a signal that ends layerctl at the prompt (Ctrl-C, SIGTERM, a hang-up)
 * restores them first, so that the shell gets its echo back.
 */
static const int lfs_prompt_signals[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };
#define LFS_PROMPT_NSIG (sizeof(lfs_prompt_signals) / sizeof(lfs_prompt_signals[0]))
static int lfs_prompt_fd = -1;
static struct termios lfs_prompt_saved;

static void lfs_prompt_signal(int sig)
{
	/* tcsetattr(), signal() and raise() are async-signal-safe */
	if (lfs_prompt_fd >= 0)
		tcsetattr(lfs_prompt_fd, TCSAFLUSH, &lfs_prompt_saved);
	signal(sig, SIG_DFL);
	raise(sig);
}

/* Echo off on terminal @fd until lfs_prompt_end(); 0 or -1 (errno). */
static int lfs_prompt_begin(int fd, struct sigaction *old)
{
	struct sigaction sa = { .sa_handler = lfs_prompt_signal };
	struct termios quiet;
	size_t i;

	if (tcgetattr(fd, &lfs_prompt_saved))
		return -1;
	lfs_prompt_fd = fd;
	for (i = 0; i < LFS_PROMPT_NSIG; i++)
		sigaction(lfs_prompt_signals[i], &sa, &old[i]);
	quiet = lfs_prompt_saved;
	quiet.c_lflag &= ~(tcflag_t)ECHO;
	tcsetattr(fd, TCSAFLUSH, &quiet);
	return 0;
}

static void lfs_prompt_end(const struct sigaction *old)
{
	size_t i;

	tcsetattr(lfs_prompt_fd, TCSAFLUSH, &lfs_prompt_saved);
	for (i = 0; i < LFS_PROMPT_NSIG; i++)
		sigaction(lfs_prompt_signals[i], &old[i], NULL);
	lfs_prompt_fd = -1;
}

/* One line from @in, without its newline, echo off if a terminal. */
static int lfs_login_read_password(struct lfs_ctx *ctx, struct lfs_login *l)
{
	FILE *in = ctx->in ? ctx->in : stdin;
	struct sigaction old[LFS_PROMPT_NSIG];
	int tty = !l->password_stdin && isatty(fileno(in)), rc = 0;
	char *nl;

	if (!l->password_stdin && !tty)
		return lfs_errorf(ctx, "registry '%s': user '%s': no terminal to ask the password on: use --password-stdin",
				  l->host, l->user);
	if (tty) {
		fprintf(ctx->err, "Password: ");
		fflush(ctx->err);
		tty = !lfs_prompt_begin(fileno(in), old);
	}
	if (!fgets(l->cred.pass, sizeof(l->cred.pass), in))
		rc = lfs_errorf(ctx, "registry '%s': user '%s': no password on standard input",
				l->host, l->user);
	if (tty) {
		lfs_prompt_end(old);
		fputc('\n', ctx->err);
	}
	nl = strchr(l->cred.pass, '\n');
	if (!rc && !nl && strlen(l->cred.pass) + 1 == sizeof(l->cred.pass))
		rc = lfs_errorf(ctx, "registry '%s': user '%s': password longer than %zu bytes",
				l->host, l->user, sizeof(l->cred.pass) - 2);
	if (nl)
		*nl = '\0';
	return rc;
}

/* GET /v2/ with the credentials. */
static int lfs_login_check(struct lfs_ctx *ctx, struct lfs_login *l)
{
	const char *list = getenv("LAYERFS_INSECURE_REGISTRIES");
	struct lfs_reg reg;
	int rc;

	if (strlen(l->user) >= sizeof(l->cred.user) || strchr(l->user, ':'))
		return lfs_errorf(ctx, "user name '%s': too long or has a ':'",
				  l->user);
	snprintf(l->cred.user, sizeof(l->cred.user), "%s", l->user);
	rc = lfs_reg_open(&reg, l->host, NULL,
			  l->conn.insecure || (list && lfs_reg_host_listed(list, l->host)),
			  l->conn.ca_file, NULL, &l->cred);
	if (!rc)
		rc = lfs_reg_ping(&reg);
	if (rc)
		lfs_reg_report(ctx, "registry", l->host, &reg, rc);
	lfs_reg_close(&reg);
	return rc ? 1 : 0;
}

/*
 * The credentials to the helper the auth file @old names for HOST: 0
 * with *@done 0 if it names none, or 1 once stored; 1 after reporting.
 */
static int lfs_login_helper(struct lfs_ctx *ctx, struct lfs_login *l,
			    const char *old, int *done)
{
	struct lfs_err e = LFS_ERR_INIT;
	char name[64];
	int rc;

	*done = 0;
	if (!old)
		return 0;
	rc = lfs_reg_auth_helper(old, l->host, name, sizeof(name), &e);
	if (rc == -ENOENT)
		return 0;
	if (!rc)
		rc = lfs_cred_helper_store(name, l->host, &l->cred, &e);
	if (rc) {
		lfs_err_prefix(&e, rc, "auth file '%s'", l->path);
		return lfs_err_report(ctx, &e);
	}
	*done = 1;
	fprintf(ctx->out, "%s: login succeeded; credentials stored by docker-credential-%s\n",
		l->host, name);
	return 0;
}

/*
 * The credentials stored: by the helper the auth file names, else in
 * the file, HOST's entry set, written with mode 0600.
 */
static int lfs_login_store(struct lfs_ctx *ctx, struct lfs_login *l)
{
	char *old = NULL, *text, *slash, target[4096];
	struct lfs_err e = LFS_ERR_INIT;
	int rc, done;

	if (lfs_reg_auth_path(l->path, sizeof(l->path)))
		return lfs_errorf(ctx, "registry '%s': no auth file to store the credentials in: set REGISTRY_AUTH_FILE or HOME",
				  l->host);
	rc = lfs_reg_read_file(AT_FDCWD, l->path, &old, NULL);
	if (rc && rc != -ENOENT) {
		lfs_err_named(&e, rc,
			      rc == -EINVAL ? "not a regular file" : "cannot read",
			      "auth file '%s'", l->path);
		return lfs_err_report(ctx, &e);
	}
	if (lfs_login_helper(ctx, l, old, &done) || done) {
		free(old);
		return done ? 0 : 1;
	}
	text = lfs_reg_auth_store(old, l->host, &l->cred, &e);
	free(old);
	rc = 0;
	if (!text) {
		lfs_err_prefix(&e, -EINVAL, "auth file '%s'", l->path);
		return lfs_err_report(ctx, &e);
	}
	slash = strrchr(l->path, '/');
	if (slash && slash != l->path) {
		*slash = '\0';
		if (mkdir(l->path, 0700) && errno != EEXIST)
			rc = -errno;
		*slash = '/';
	}
	if (!rc)
		rc = lfs_write_file_atomic(AT_FDCWD,
					   lfs_reg_auth_target(l->path, target,
							       sizeof(target)),
					   text, strlen(text), 0600);
	explicit_bzero(text, strlen(text));
	free(text);
	if (rc) {
		lfs_err_named(&e, rc, "cannot write", "auth file '%s'",
			      l->path);
		return lfs_err_report(ctx, &e);
	}
	fprintf(ctx->out, "%s: login succeeded; credentials stored in %s\n",
		l->host, l->path);
	return 0;
}

int cmd_login(struct lfs_ctx *ctx, int argc, char **argv)
{
	struct lfs_login l = { 0 };
	int rc;

	rc = lfs_login_parse(ctx, argc, argv, &l);
	if (rc || !l.host)
		return rc;
	rc = lfs_login_read_password(ctx, &l) || lfs_login_check(ctx, &l) ||
	     lfs_login_store(ctx, &l);
	explicit_bzero(&l.cred, sizeof(l.cred));
	return rc;
}
