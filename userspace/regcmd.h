/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What push, pull and login share (regcmd.c): the connection options
 * (--insecure, --ca-file), credentials from the auth file, opening the
 * registry client for a reference, and the temporary directory in the
 * store (save and load of archives).
 */
#ifndef LAYERCTL_REGCMD_H
#define LAYERCTL_REGCMD_H

#include <stdint.h>

#include "cmd.h"
#include "ocireg_client.h"

/* getopt codes of the connection options, past any short option. */
enum {
	LFS_OPT_INSECURE = 0x180,
	LFS_OPT_CA_FILE,
	LFS_OPT_JOBS,
	LFS_OPT_CHUNK,
	LFS_OPT_NO_KEEP,
};

#define LFS_REG_CONN_OPTIONS						\
	{ "insecure", no_argument, NULL, LFS_OPT_INSECURE },		\
	{ "ca-file", required_argument, NULL, LFS_OPT_CA_FILE }

#define LFS_REG_CONN_HELP						\
	"      --insecure         plain HTTP to this host (also for hosts\n" \
	"                         listed in $LAYERFS_INSECURE_REGISTRIES,\n" \
	"                         separated by ',' or spaces); never for others\n" \
	"      --ca-file=FILE     trust the CA certificates of FILE (PEM);\n" \
	"                         default: /etc/docker/certs.d/HOST/ca.crt or\n" \
	"                         /etc/containers/certs.d/HOST/ca.crt if there,\n" \
	"                         and the system's\n"

#define LFS_REG_AUTH_HELP						\
	"Credentials come from $REGISTRY_AUTH_FILE if set, else\n"	\
	"$DOCKER_CONFIG/config.json or ~/.docker/config.json, as docker reads\n" \
	"it: the credential helper credHelpers.HOST or credsStore names\n" \
	"(docker-credential-NAME get, on $PATH), else auths.HOST.auth (as\n" \
	"docker, podman and skopeo write it; 'layerctl login' too).\n"

struct lfs_reg_conn {
	int insecure;
	const char *ca_file;
};

/* Handles LFS_OPT_INSECURE / LFS_OPT_CA_FILE: 1 if @c was one. */
int lfs_reg_conn_opt(struct lfs_reg_conn *o, int c, const char *arg);

/* What push and pull are told besides their operands. */
struct lfs_reg_xfer_opts {
	struct lfs_reg_conn conn;
	const char *platform;		/* -P, or NULL */
	int quiet;			/* -q */
	unsigned int jobs;		/* --jobs (set to its default) */
	uint64_t chunk;			/* --chunk-size (push): 0 monolithic */
	int chunk_ok;			/* the command takes --chunk-size */
	/* --max-size, --max-entry-size, --max-entries (pull), or NULL */
	const char *limit[3];
	int limits_ok;			/* the command takes them */
	int no_keep;			/* --no-keep-blob */
};

#define LFS_REG_XFER_HELP						\
	"  -q, --quiet            print only the result line: no line per blob\n" \
	"                         (and no progress display, which is drawn\n" \
	"                         only when standard output is a terminal)\n" \
	"      --jobs=N           transfer up to N blobs at once (default 3,\n" \
	"                         at most 16)\n"			\
	LFS_KEEP_HELP

/* --no-keep-blob, of save, push and pull (blobkeep.h). */
#define LFS_KEEP_HELP							\
	"      --no-keep-blob     keep no new compressed layer blob in the\n" \
	"                         store (ROOT/blobs/sha256/); blobs kept\n"	\
	"                         before are still used\n"

/*
 * The options push and pull take: -P/--platform, -q/--quiet, --jobs,
 * --no-keep-blob, --chunk-size (if @o->chunk_ok), the --max-* limits
 * (checked, kept as given, if @o->limits_ok), the connection options and -h/--help.
 * LFS_PARSED with optind at the first operand, or the exit status (help
 * shown, bad usage reported).
 */
int lfs_reg_parse_opts(struct lfs_ctx *ctx, const char *cmd,
		       const char *usage, int argc, char **argv,
		       struct lfs_reg_xfer_opts *o);

/*
 * The HOST[:PORT] operand of login and logout: 0 if it is one, else the
 * usage error reported (LFS_EXIT_USAGE).
 */
int lfs_reg_host_operand(struct lfs_ctx *ctx, const char *cmd,
			 const char *usage, const char *host);

/* The auth file login writes and lookups read first. */
int lfs_reg_auth_path(char *out, size_t len);

/*
 * Where to write the auth file @path: the file a symbolic link at @path
 * leads to (into @buf), so that login and logout keep a link (dotfiles
 * kept elsewhere) as docker does; else @path itself (a dangling link is
 * replaced).
 */
const char *lfs_reg_auth_target(const char *path, char *buf, size_t len);

/*
 * Looks up the credentials of @host: 0 (found), 1 (none: anonymous), or
 * -1 after reporting a malformed auth file.
 */
int lfs_reg_cred_find(struct lfs_ctx *ctx, const char *host,
		      struct lfs_reg_cred *c);

/*
 * Opens the client for @r (credentials looked up, insecure if marked).
 * 0, or 1 after reporting.
 */
int lfs_reg_connect(struct lfs_ctx *ctx, const char *what, const char *name,
		    const struct lfs_reg_ref *r, const struct lfs_reg_conn *o,
		    const char *actions, struct lfs_reg *reg);

/*
 * Reports why the last call on @reg failed: "WHAT 'NAME': SENTENCE", or
 * "WHAT 'NAME': STRERROR" for @rc if the client said nothing, where WHAT
 * 'NAME' is what the command works on ("source 'REF'", "registry
 * 'HOST'"); returns 1.
 */
int lfs_reg_report(struct lfs_ctx *ctx, const char *what, const char *name,
		   struct lfs_reg *reg, int rc);

/*
 * Makes ROOT/@prefix+@suffix in the store (the store root made if
 * missing, mode 0700) and returns its path (malloc()ed).  With @suffix
 * NULL a unique name (mkdtemp).  An existing directory is reused.  NULL
 * after reporting.
 */
char *lfs_reg_tmpdir(struct lfs_ctx *ctx, const char *prefix,
		     const char *suffix);

/* Removes directory @path and everything in it (best effort). */
void lfs_reg_tmpdir_remove(const char *path);

/*
 * Reads a whole small file (at most 4 MiB), following symlinks.  0 or a
 * negative errno: -EISDIR for a directory, -EINVAL for another type that
 * is not a regular file (neither opened: a FIFO does not block).
 */
int lfs_reg_read_file(int dirfd, const char *name, char **out, size_t *len);

#endif /* LAYERCTL_REGCMD_H */
