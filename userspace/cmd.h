/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Command plumbing shared by layerctl's subcommands: the context every
 * command runs in, the dispatcher tables, usage and error reporting.
 *
 * Adding a command: write cmd_foo() in its own file, declare it below and
 * add one {name, fn, help} line to the table of its group (layerctl.c for
 * top-level commands, layer.c for "layer ...", view.c for "view ...").
 */
#ifndef LAYERCTL_CMD_H
#define LAYERCTL_CMD_H

#include <getopt.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "buf.h"
#include "err.h"

struct lfs_nl;
struct lfs_store;
struct lfs_view;
struct lfs_view_list;

struct lfs_ctx {
	FILE *out;		/* results */
	FILE *err;		/* errors and bad-usage texts */
	FILE *in;		/* "--batch -" and questions read this; NULL: stdin */
	/*
	 * Standard input and error are a terminal: a command may ask before
	 * destroying data (prune: uncommitted changes).  Never in a batch.
	 */
	int interactive;
	const char *module;	/* --module PATH or $LAYERFS_MODULE, or NULL */
	const char *store;	/* --store DIR, or NULL: see lfs_store_root() */
	uint64_t now_ns;	/* "now" for relative times; 0: the clock */
	struct lfs_nl *nl;	/* opened on first use by lfs_ctx_nl() */
	/*
	 * While a batch runs (batch.c): the number of the line whose command
	 * runs, else 0.  Errors then start "layerctl: batch line N: ", and
	 * bad usage prints the error line only, not the whole usage text.
	 */
	unsigned long batch_line;
};

/*
 * A command returns the process exit status: 0, 1 (failure) or
 * LFS_EXIT_USAGE (bad usage: lfs_usage(), lfs_usage_error(), ...).
 */
#define LFS_EXIT_USAGE 2

typedef int (*lfs_cmd_fn)(struct lfs_ctx *ctx, int argc, char **argv);

struct lfs_cmd {
	const char *name;
	lfs_cmd_fn fn;
	const char *help;	/* one line for the group's usage */
};

/* Top-level commands. */
int cmd_layer(struct lfs_ctx *ctx, int argc, char **argv);
int cmd_mount(struct lfs_ctx *ctx, int argc, char **argv);
int cmd_umount(struct lfs_ctx *ctx, int argc, char **argv);
int cmd_view(struct lfs_ctx *ctx, int argc, char **argv);
int cmd_commit(struct lfs_ctx *ctx, int argc, char **argv);
int cmd_images(struct lfs_ctx *ctx, int argc, char **argv);
int cmd_history(struct lfs_ctx *ctx, int argc, char **argv);
int cmd_inspect(struct lfs_ctx *ctx, int argc, char **argv);
int cmd_diff(struct lfs_ctx *ctx, int argc, char **argv);
int cmd_restore(struct lfs_ctx *ctx, int argc, char **argv);
int cmd_rm(struct lfs_ctx *ctx, int argc, char **argv);
int cmd_tag(struct lfs_ctx *ctx, int argc, char **argv);
int cmd_rmi(struct lfs_ctx *ctx, int argc, char **argv);
int cmd_prune(struct lfs_ctx *ctx, int argc, char **argv);
int cmd_export(struct lfs_ctx *ctx, int argc, char **argv);
int cmd_import(struct lfs_ctx *ctx, int argc, char **argv);
int cmd_save(struct lfs_ctx *ctx, int argc, char **argv);
int cmd_load(struct lfs_ctx *ctx, int argc, char **argv);
int cmd_push(struct lfs_ctx *ctx, int argc, char **argv);
int cmd_pull(struct lfs_ctx *ctx, int argc, char **argv);
int cmd_login(struct lfs_ctx *ctx, int argc, char **argv);
int cmd_logout(struct lfs_ctx *ctx, int argc, char **argv);

/* "layer" commands. */
int cmd_layer_add(struct lfs_ctx *ctx, int argc, char **argv);
int cmd_layer_rm(struct lfs_ctx *ctx, int argc, char **argv);
int cmd_layer_ls(struct lfs_ctx *ctx, int argc, char **argv);
int cmd_layer_show(struct lfs_ctx *ctx, int argc, char **argv);
int cmd_layer_index(struct lfs_ctx *ctx, int argc, char **argv);

/* "view" commands. */
int cmd_view_ls(struct lfs_ctx *ctx, int argc, char **argv);

/*
 * Runs layerctl: global options, then the command.  Returns the exit
 * status.  First raises the soft limit of open files (lfs_nofile_raise()).
 */
int layerctl_run(struct lfs_ctx *ctx, int argc, char **argv);

/*
 * Raises the soft limit of open files (RLIMIT_NOFILE) to the hard limit,
 * as systemd's tools do (layerctl calls no select(), so descriptors
 * above 1,023 are harmless): walking a tree holds a descriptor
 * per level (the index reader, export, diff), and trees about 1,000
 * levels deep ran out of the usual soft limit of 1,024.  Best effort.
 */
void lfs_nofile_raise(void);

/*
 * Runs one top-level command, argv[1] (argv[0] is ignored), without global
 * options: what a batch line runs.
 */
int layerctl_command(struct lfs_ctx *ctx, int argc, char **argv);

/*
 * Runs the commands of batch file @path ("-": ctx->in) one line at a time
 * (batch.c).  Stops at the first failing line unless @force, which runs
 * them all.  Returns 0 if every line succeeded, else 1.
 */
int lfs_batch_run(struct lfs_ctx *ctx, const char *path, int force);

/* The same for an open stream; @name is used in messages about it. */
int lfs_batch_stream(struct lfs_ctx *ctx, FILE *in, const char *name,
		     int force);

/*
 * Runs the command of group @cmds named by argv[1] with (argc - 1,
 * argv + 1).  Handles "--help", "-h" and "help [COMMAND...]" itself.  The
 * group's usage is @head, a "Commands:" list made from @cmds, then @tail
 * (may be NULL).  @group is "" for the top level or e.g. "layer ".
 */
int lfs_dispatch(struct lfs_ctx *ctx, const char *group, const char *head,
		 const struct lfs_cmd *cmds, const char *tail,
		 int argc, char **argv);

/*
 * Prints @usage to ctx->out and returns 0; or, with @bad, only the hint
 * "Try 'layerctl CMD --help'." (CMD from @usage's first line) to ctx->err
 * and returns LFS_EXIT_USAGE (in a batch, a bad usage prints nothing: the
 * error line said it).
 */
int lfs_usage(struct lfs_ctx *ctx, const char *usage, int bad);

/*
 * "layerctl: COMMAND: REASON" (escaped, as by lfs_errorf()) and the hint
 * to ctx->err; returns LFS_EXIT_USAGE.  Here and below, in a batch "layerctl: " is followed by
 * "batch line N: ".
 */
int lfs_usage_error(struct lfs_ctx *ctx, const char *command,
		    const char *usage, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Bad usage as reported by getopt_long() (it returned @c). */
int lfs_usage_opt(struct lfs_ctx *ctx, const char *command, const char *usage,
		  int c, char **argv, const struct option *longopts);

/*
 * "layerctl: TEXT" to ctx->err, TEXT escaped as lfs_err_report() escapes
 * (its arguments may be names from records or the command line); returns 1.
 */
int lfs_errorf(struct lfs_ctx *ctx, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * "layerctl: SUBJECT: REASON (Cannot allocate memory)": an allocation
 * failed while doing @reason to the object the formatted @fmt names.
 * Returns 1.
 */
int lfs_nomem(struct lfs_ctx *ctx, const char *reason, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * Reports @e: "layerctl: " (and "batch line N: " in a batch), then @e as
 * lfs_err_str() renders it, control characters escaped (see err.h).
 * Returns 1.  The one reporter of failures that have an error value.
 */
int lfs_err_report(struct lfs_ctx *ctx, const struct lfs_err *e);

/* Checks a layer name given by the user; reports and returns 1 if bad. */
int lfs_check_name(struct lfs_ctx *ctx, const char *kind, const char *name);

/*
 * Checks the name of a new image the user gave (lfs_check_name()) and
 * puts it with ':latest' added if it has no tag (parse.h,
 * lfs_ref_latest()) into @out (LFS_REF_BUF bytes).  0, or 1 after
 * reporting.
 */
int lfs_check_new_ref(struct lfs_ctx *ctx, const char *kind, const char *ref,
		      char *out, size_t len);

/*
 * Refuses @name (a new layer's or image's, as it will be registered or
 * recorded) if it is one of the names load and pull give the layers they
 * share by OCI chain id (LFS_CHAIN_PREFIX), which they use unchecked: 0,
 * or 1 after reporting.  load and pull check their own (oci.h,
 * lfs_oci_chain_name_check()).
 */
int lfs_check_not_chain(struct lfs_ctx *ctx, const char *kind,
			const char *name);

/* Whether @text (an author or a message; NULL: none) fits a layer. */
int lfs_text_fits(const char *text);

/*
 * Checks the author and message the user gave layer @name: 0, or -EINVAL
 * with "layer 'NAME': author is longer than 4095 bytes" (or message) in
 * @e.
 */
int lfs_check_texts(const char *name, const char *author,
		    const char *message, struct lfs_err *e);

/*
 * What a command's option parser returns to let the command go on; any
 * other value is the exit status to return at once (--help, bad usage).
 */
#define LFS_PARSED (-1)

/*
 * The options of a command that has no others: -h/--help, and -j/--json
 * (sets *@json) unless @json is NULL.  LFS_PARSED with optind at the
 * first operand, or the exit status (help shown, bad usage reported as
 * lfs_usage_opt() does for @cmd).
 */
int lfs_parse_common_opts(struct lfs_ctx *ctx, const char *cmd,
			  const char *usage, int argc, char **argv, int *json);

/*
 * The netlink handle in *@nlp, opened (and the module loaded) on first
 * use.  0, or a negative errno with why in @e ("cannot load module
 * 'layerfs': ...").
 */
int lfs_ctx_nl(struct lfs_ctx *ctx, struct lfs_nl **nlp, struct lfs_err *e);

/*
 * Opens the store of @ctx (--store, $LAYERFS_STORE or the default),
 * making it with @create.  0 or a negative errno in @e: without @create,
 * -ENOENT if there is no store there (a missing path or an empty
 * directory: the caller decides whether that is a failure), -ENOTDIR for
 * a directory that holds anything else.
 */
int lfs_ctx_store(struct lfs_ctx *ctx, struct lfs_store *st, int create,
		  struct lfs_err *e);

/*
 * A listing of the module's @what ("layers", "views") that failed with
 * @rc, in @e (may be NULL): "module 'layerfs': cannot list its WHAT",
 * before the kernel's reason if @e has one.  Returns @rc.
 */
int lfs_err_list(struct lfs_err *e, int rc, const char *what);

/*
 * The mounted views (a VIEW_GET dump) into @l; 0, or a negative errno in
 * @e ("module 'layerfs': cannot list its views: ...", and @l is then
 * empty).  Free @l with lfs_views_free().
 */
int lfs_ctx_views(struct lfs_nl *nl, struct lfs_view_list *l,
		  struct lfs_err *e);

/*
 * The view @arg names in @l: a number is a view id, a path must be a
 * layerfs mount, matched to its view by st_dev.  0, or a negative errno
 * in @e ("no such view", "not a layerfs view", or why @arg cannot be
 * stat'ed), for the caller to put "view 'ARG'" before.
 */
int lfs_view_find(const struct lfs_view_list *l, const char *arg,
		  const struct lfs_view **out, struct lfs_err *e);

/*
 * The registered layer an image REF the user gave names, into *@name
 * (malloc()ed): REF if a layer has that name; else the layer of the
 * store record named or tagged REF or REF:latest (storemeta.h,
 * lfs_meta_lookup()); else REF:latest if registered; else REF itself
 * (the caller's lookup then says it is missing).  0, or a negative errno
 * in @e.
 */
int lfs_ref_resolve(struct lfs_ctx *ctx, struct lfs_nl *nl, const char *ref,
		    char **name, struct lfs_err *e);

/*
 * Unregisters the layer @name (LAYER_DEL).  0, also when no layer has that
 * name if @missing_ok; else 1 after reporting "layerctl: layer 'NAME':
 * WHY (STRERROR)" (or why the netlink connection failed).
 */
int lfs_layer_unregister(struct lfs_ctx *ctx, const char *name,
			 int missing_ok);
void lfs_ctx_close(struct lfs_ctx *ctx);

/* Now, in ns since the epoch (ctx->now_ns if set). */
uint64_t lfs_ctx_now(const struct lfs_ctx *ctx);

/*
 * Writes @b, the output of @command ("layer ls"), to ctx->out; 0, or 1
 * after reporting a failure ("command 'layer ls': cannot write its
 * output (STRERROR)").
 */
int lfs_emit(struct lfs_ctx *ctx, const char *command,
	     const struct lfs_buf *b);

#endif /* LAYERCTL_CMD_H */
