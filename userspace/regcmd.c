// SPDX-License-Identifier: GPL-2.0
/*
 * What push, pull and login share: connection options, credentials,
 * temporary directories.  See regcmd.h.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "credhelper.h"
#include "fsdir.h"
#include "ocitar.h"
#include "parse.h"
#include "oci_cmd.h"
#include "regcmd.h"
#include "store.h"
#include "tmpdir.h"
#include "xferpool.h"

#define LFS_REG_FILE_MAX (4U << 20)

int lfs_reg_conn_opt(struct lfs_reg_conn *o, int c, const char *arg)
{
	if (c == LFS_OPT_INSECURE)
		o->insecure = 1;
	else if (c == LFS_OPT_CA_FILE)
		o->ca_file = arg;
	else
		return 0;
	return 1;
}

/* --jobs and --chunk-size.  0, or the usage error's status. */
static int lfs_reg_xfer_opt(struct lfs_ctx *ctx, const char *cmd,
			    const char *usage, int c, const char *arg,
			    struct lfs_reg_xfer_opts *o)
{
	uint64_t v;
	char *end;

	if (c == LFS_OPT_JOBS) {
		v = strtoull(arg, &end, 10);
		if (end == arg || *end || !v || v > LFS_POOL_JOBS_MAX)
			return lfs_usage_error(ctx, cmd, usage,
					       "--jobs '%s': give 1 to %d", arg,
					       LFS_POOL_JOBS_MAX);
		o->jobs = (unsigned int)v;
		return 0;
	}
	if (lfs_reg_parse_size(arg, &v) || (v && v < LFS_REG_CHUNK_MIN))
		return lfs_usage_error(ctx, cmd, usage,
				       "--chunk-size '%s': give 0 or a size of at least 4K (N, NK, NM, NG)",
				       arg);
	o->chunk = v;
	return 0;
}

int lfs_reg_parse_opts(struct lfs_ctx *ctx, const char *cmd,
		       const char *usage, int argc, char **argv,
		       struct lfs_reg_xfer_opts *o)
{
	static const struct option opts[] = {
		{ "platform", required_argument, NULL, 'P' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "jobs", required_argument, NULL, LFS_OPT_JOBS },
		{ "chunk-size", required_argument, NULL, LFS_OPT_CHUNK },
		{ "no-keep-blob", no_argument, NULL, LFS_OPT_NO_KEEP },
		LFS_OCI_LIMIT_OPTIONS,
		LFS_REG_CONN_OPTIONS,
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	int c, rc;

	o->jobs = LFS_POOL_JOBS;
	lfs_opt_reset();
	while ((c = getopt_long(argc, argv, ":P:qh", opts, NULL)) != -1) {
		if (lfs_reg_conn_opt(&o->conn, c, optarg))
			continue;
		if (c == 'P') {
			o->platform = optarg;
		} else if (c == 'q') {
			o->quiet = 1;
		} else if (c == LFS_OPT_NO_KEEP) {
			o->no_keep = 1;
		} else if (c == LFS_OPT_JOBS ||
			   (c == LFS_OPT_CHUNK && o->chunk_ok)) {
			rc = lfs_reg_xfer_opt(ctx, cmd, usage, c, optarg, o);
			if (rc)
				return rc;
		} else if (c >= LFS_OPT_MAX_SIZE && c <= LFS_OPT_MAX_ENTRIES &&
			   o->limits_ok) {
			struct lfs_tar_limits l;

			if (lfs_oci_limit_opt(ctx, cmd, usage, c, optarg, &l))
				return LFS_EXIT_USAGE;
			o->limit[c - LFS_OPT_MAX_SIZE] = optarg;
		} else if (c == 'h') {
			return lfs_usage(ctx, usage, 0);
		} else if (c >= LFS_OPT_MAX_SIZE && c <= LFS_OPT_MAX_ENTRIES) {
			return lfs_usage_error(ctx, cmd, usage,
					       "unknown option '--%s' (pull only)",
					       opts[5 + c - LFS_OPT_MAX_SIZE].name);
		} else if (c == LFS_OPT_CHUNK) {
			return lfs_usage_error(ctx, cmd, usage,
					       "unknown option '--chunk-size' (push only)");
		} else {
			return lfs_usage_opt(ctx, cmd, usage, c, argv, opts);
		}
	}
	return LFS_PARSED;
}

int lfs_reg_host_operand(struct lfs_ctx *ctx, const char *cmd,
			 const char *usage, const char *host)
{
	if (!*host || strpbrk(host, "/@ \t"))
		return lfs_usage_error(ctx, cmd, usage,
				       "HOST '%s' is not host[:port]", host);
	return 0;
}

int lfs_reg_auth_path(char *out, size_t len)
{
	const char *p = getenv("REGISTRY_AUTH_FILE");
	const char *d = getenv("DOCKER_CONFIG");
	const char *home = getenv("HOME");
	int n;

	if (p && *p)
		n = snprintf(out, len, "%s", p);
	else if (d && *d)
		n = snprintf(out, len, "%s/config.json", d);
	else if (home && *home)
		n = snprintf(out, len, "%s/.docker/config.json", home);
	else
		return -ENOENT;
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

const char *lfs_reg_auth_target(const char *path, char *buf, size_t len)
{
	struct stat st;
	char *real;

	if (lstat(path, &st) || !S_ISLNK(st.st_mode))
		return path;
	real = realpath(path, NULL);
	if (!real || strlen(real) >= len) {
		free(real);
		return path;
	}
	snprintf(buf, len, "%s", real);
	free(real);
	return buf;
}

int lfs_reg_read_file(int dirfd, const char *name, char **out, size_t *len)
{
	struct stat st = { 0 };
	char *buf;
	size_t got = 0;
	ssize_t r;
	int fd, err = 0;

	*out = NULL;
	/* a FIFO would block the open; a device's open is not run */
	fd = lfs_open_regular_follow(dirfd, name, 0, &st);
	if (fd == -EINVAL && S_ISDIR(st.st_mode))
		return -EISDIR;
	if (fd < 0)
		return fd;
	if ((uint64_t)st.st_size > LFS_REG_FILE_MAX) {
		close(fd);
		return -EFBIG;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		close(fd);
		return -ENOMEM;
	}
	while (got < (size_t)st.st_size) {
		r = read(fd, buf + got, (size_t)st.st_size - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			err = r < 0 ? -errno : -EIO;
			break;
		}
		got += (size_t)r;
	}
	close(fd);
	if (err) {
		free(buf);
		return err;
	}
	buf[got] = '\0';
	*out = buf;
	if (len)
		*len = got;
	return 0;
}

/* A credential lookup's end: 0 found, 1 none (-ENOENT), -1 reported. */
static int lfs_reg_cred_end(struct lfs_ctx *ctx, const char *path, int rc,
			    struct lfs_err *e)
{
	if (rc == -ENOENT)
		return 1;
	if (rc) {
		lfs_err_prefix(e, rc, "auth file '%s'", path);
		lfs_err_report(ctx, e);
		return -1;
	}
	return 0;
}

/* Credentials from @host's credential helper in auth file @text, if any. */
static int lfs_reg_cred_helper(struct lfs_ctx *ctx, const char *path,
			       const char *text, const char *host,
			       struct lfs_reg_cred *c)
{
	struct lfs_err e = LFS_ERR_INIT;
	char name[64];
	int rc;

	rc = lfs_reg_auth_helper(text, host, name, sizeof(name), &e);
	if (rc == -ENOENT)
		return 1;
	if (!rc)
		rc = lfs_cred_helper_get(name, host, c, &e);
	return lfs_reg_cred_end(ctx, path, rc, &e);
}

int lfs_reg_cred_find(struct lfs_ctx *ctx, const char *host,
		      struct lfs_reg_cred *c)
{
	struct lfs_err e = LFS_ERR_INIT;
	char path[4096];
	char *text;
	int rc;

	if (lfs_reg_auth_path(path, sizeof(path)))
		return 1;
	rc = lfs_reg_read_file(AT_FDCWD, path, &text, NULL);
	if (rc == -ENOENT)
		return 1;
	if (rc) {
		lfs_err_named(&e, rc,
			      rc == -EINVAL ? "not a regular file" : "cannot read",
			      "auth file '%s'", path);
		lfs_err_report(ctx, &e);
		return -1;
	}
	/* docker's order: credHelpers, credsStore, then auths */
	rc = lfs_reg_cred_helper(ctx, path, text, host, c);
	if (rc <= 0) {
		free(text);
		return rc;
	}
	rc = lfs_reg_auth_lookup(text, host, c, &e);
	free(text);
	return lfs_reg_cred_end(ctx, path, rc, &e);
}

/* The CA file for @host: @opt, else a certs.d file if one exists. */
static const char *lfs_reg_ca_for(const char *host, const char *opt,
				  char *buf, size_t len)
{
	static const char *const dirs[] = {
		"/etc/docker/certs.d", "/etc/containers/certs.d",
	};
	size_t i;

	if (opt)
		return opt;
	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		snprintf(buf, len, "%s/%s/ca.crt", dirs[i], host);
		if (!access(buf, R_OK))
			return buf;
	}
	return NULL;
}

int lfs_reg_connect(struct lfs_ctx *ctx, const char *what, const char *name,
		    const struct lfs_reg_ref *r, const struct lfs_reg_conn *o,
		    const char *actions, struct lfs_reg *reg)
{
	const char *list = getenv("LAYERFS_INSECURE_REGISTRIES");
	struct lfs_reg_cred cred;
	char cabuf[4096];
	int insecure = o->insecure || (list && lfs_reg_host_listed(list, r->host));
	int rc;

	rc = lfs_reg_cred_find(ctx, r->host, &cred);
	if (rc < 0)
		return 1;
	rc = lfs_reg_open(reg, r->host, r->repo, insecure,
			  lfs_reg_ca_for(r->host, o->ca_file, cabuf, sizeof(cabuf)),
			  actions, rc ? NULL : &cred);
	explicit_bzero(&cred, sizeof(cred));
	if (rc) {
		lfs_reg_report(ctx, what, name, reg, rc);
		lfs_reg_close(reg);
		return 1;
	}
	return 0;
}

int lfs_reg_report(struct lfs_ctx *ctx, const char *what, const char *name,
		   struct lfs_reg *reg, int rc)
{
	lfs_err_prefix(&reg->err, rc, "%s '%s'", what, name);
	return lfs_err_report(ctx, &reg->err);
}

char *lfs_reg_tmpdir(struct lfs_ctx *ctx, const char *prefix,
		     const char *suffix)
{
	const char *root = lfs_store_root(ctx->store);
	struct lfs_err e = LFS_ERR_INIT;
	char *path = NULL;
	int n;

	if (mkdir(root, 0700) && errno != EEXIST) {
		lfs_err_named(&e, -errno, "cannot create it", "store '%s'",
			      root);
		lfs_err_report(ctx, &e);
		return NULL;
	}
	n = suffix ? asprintf(&path, "%s/%s%s", root, prefix, suffix) :
		     asprintf(&path, "%s/%sXXXXXX", root, prefix);
	if (n < 0) {
		lfs_nomem(ctx, "cannot name a temporary directory in it",
			  "store '%s'", root);
		return NULL;
	}
	if (suffix ? mkdir(path, 0700) && errno != EEXIST : !mkdtemp(path)) {
		/* the subject names the store: its path not again */
		if (suffix)
			lfs_err_set(&e, -errno, "cannot create its directory '%s%s'",
				    prefix, suffix);
		else
			lfs_err_set(&e, -errno,
				    "cannot create a temporary directory in it");
		lfs_err_prefix(&e, e.code, "store '%s'", root);
		lfs_err_report(ctx, &e);
		free(path);
		return NULL;
	}
	lfs_tmpdir_hold(path);	/* in use: prune leaves it (tmpdir.h) */
	return path;
}

void lfs_reg_tmpdir_remove(const char *path)
{
	const char *slash = strrchr(path, '/');
	char *parent;
	int fd;

	lfs_tmpdir_release(path);
	if (!slash || !slash[1])
		return;
	parent = strndup(path, (size_t)(slash - path));
	if (!parent)
		return;
	fd = open(*parent ? parent : "/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	free(parent);
	if (fd < 0)
		return;
	lfs_rm_rf_at(fd, slash + 1);
	close(fd);
}
