// SPDX-License-Identifier: GPL-2.0
/*
 * Command plumbing: dispatch, usage, error reporting, and the context
 * helpers that open the netlink handle and the store (see cmd.h).
 */
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <time.h>

#include <linux/layerfs.h>

#include "chain.h"
#include "cmd.h"
#include "format.h"
#include "kmod.h"
#include "nl.h"
#include "parse.h"
#include "store.h"
#include "viewinfo.h"

static void lfs_group_usage(struct lfs_buf *b, const char *head,
			    const struct lfs_cmd *cmds, const char *tail)
{
	const struct lfs_cmd *c;
	size_t w = 4;

	for (c = cmds; c->name; c++)
		if (strlen(c->name) > w)
			w = strlen(c->name);
	lfs_buf_puts(b, head);
	lfs_buf_puts(b, "\nCommands:\n");
	for (c = cmds; c->name; c++)
		lfs_buf_printf(b, "  %-*s  %s\n", (int)w, c->name, c->help);
	lfs_buf_printf(b, "  %-*s  %s\n", (int)w, "help",
		       "Show this help, or the help of COMMAND");
	if (tail) {
		lfs_buf_putc(b, '\n');
		lfs_buf_puts(b, tail);
	}
}

static int lfs_group_usage_print(struct lfs_ctx *ctx, const char *group,
				 const char *head, const struct lfs_cmd *cmds,
				 const char *tail, int bad)
{
	struct lfs_buf b = LFS_BUF_INIT;
	int rc;

	lfs_group_usage(&b, head, cmds, tail);
	if (lfs_buf_error(&b))
		rc = lfs_nomem(ctx, "cannot make its usage", "command '%.*s'",
			       *group ? (int)strcspn(group, " ") : 8,
			       *group ? group : "layerctl");
	else
		rc = lfs_usage(ctx, lfs_buf_str(&b), bad);
	lfs_buf_free(&b);
	return rc;
}

/* "help A B" runs "A B --help". */
static int lfs_dispatch_help(struct lfs_ctx *ctx, const char *group,
			     const char *head, const struct lfs_cmd *cmds,
			     const char *tail, int argc, char **argv)
{
	char **av;
	int i, rc;

	av = calloc((size_t)argc + 2, sizeof(*av));
	if (!av) {
		char name[256];
		size_t n = 0;

		n += snprintf(name, sizeof(name), "%s", group);
		for (i = 1; i < argc && n < sizeof(name); i++)
			n += snprintf(name + n, sizeof(name) - n, "%s%s",
				      argv[i], i + 1 < argc ? " " : "");
		return lfs_nomem(ctx, "cannot show its help", "command '%s'",
				 name);
	}
	for (i = 0; i < argc; i++)
		av[i] = argv[i];
	av[argc] = (char *)"--help";
	rc = lfs_dispatch(ctx, group, head, cmds, tail, argc + 1, av);
	free(av);
	return rc;
}

int lfs_dispatch(struct lfs_ctx *ctx, const char *group, const char *head,
		 const struct lfs_cmd *cmds, const char *tail,
		 int argc, char **argv)
{
	const struct lfs_cmd *c;
	const char *name;

	if (argc < 2) {
		if (*group)
			lfs_errorf(ctx, "%.*s: missing command",
				   (int)strcspn(group, " "), group);
		else
			lfs_errorf(ctx, "missing command");
		return lfs_usage(ctx, head, 1);
	}
	name = argv[1];
	if (!strcmp(name, "--help") || !strcmp(name, "-h"))
		return lfs_group_usage_print(ctx, group, head, cmds, tail,
					     0);
	if (!strcmp(name, "help")) {
		if (argc == 2)
			return lfs_group_usage_print(ctx, group, head, cmds,
						     tail, 0);
		return lfs_dispatch_help(ctx, group, head, cmds, tail,
					 argc - 1, argv + 1);
	}
	for (c = cmds; c->name; c++)
		if (!strcmp(c->name, name))
			return c->fn(ctx, argc - 1, argv + 1);
	if (name[0] == '-' && *group)
		lfs_errorf(ctx, "%.*s: unknown option '%s'",
			   (int)strcspn(group, " "), group, name);
	else if (name[0] == '-')
		lfs_errorf(ctx, "unknown option '%s'", name);
	else
		lfs_errorf(ctx, "unknown command '%s%s'", group, name);
	return lfs_usage(ctx, head, 1);
}

/*
 * The command a usage text is about: the words after "Usage: " up to the
 * first that is not a lower-case command word ("layerctl layer add" of
 * "Usage: layerctl layer add NAME PATH ...").  Into @cmd, at most @len.
 */
static void lfs_usage_command(const char *usage, char *cmd, size_t len)
{
	const char *p = usage, *end;
	size_t n = 0;

	if (!strncmp(p, "Usage: ", 7))
		p += 7;
	end = p;
	for (;;) {
		const char *w = end;

		while (*w == ' ')
			w++;
		if (!(*w >= 'a' && *w <= 'z'))
			break;
		while ((*w >= 'a' && *w <= 'z') || (*w >= '0' && *w <= '9') ||
		       *w == '-')
			w++;
		if (*w && *w != ' ' && *w != '\n')
			break;
		end = w;
	}
	n = (size_t)(end - p);
	if (!n) {
		p = "layerctl";
		n = strlen(p);
	}
	snprintf(cmd, len, "%.*s", (int)n, p);
}

int lfs_usage(struct lfs_ctx *ctx, const char *usage, int bad)
{
	char cmd[128];

	if (!bad) {
		fputs(usage, ctx->out);
		return 0;
	}
	/* A batch line's error said it all; otherwise one line of hint. */
	if (!ctx->batch_line) {
		lfs_usage_command(usage, cmd, sizeof(cmd));
		fprintf(ctx->err, "Try '%s --help'.\n", cmd);
	}
	return LFS_EXIT_USAGE;
}

/* "layerctl: ", and "batch line N: " while a batch line runs. */
static void lfs_report_prefix(struct lfs_ctx *ctx)
{
	fputs("layerctl: ", ctx->err);
	if (ctx->batch_line)
		fprintf(ctx->err, "batch line %lu: ", ctx->batch_line);
}

/*
 * The rest of an error line after its prefix: @text escaped
 * (lfs_fmt_escaped()) and a newline.  Should the escaped copy fail to be
 * made, @text goes with every byte that is not printable ASCII as '?':
 * never raw.
 */
static void lfs_report_text(struct lfs_ctx *ctx, const char *text)
{
	struct lfs_buf b = LFS_BUF_INIT;
	const char *p;

	lfs_fmt_escaped(&b, text);
	if (!lfs_buf_error(&b)) {
		fprintf(ctx->err, "%s\n", lfs_buf_str(&b));
	} else {
		for (p = text; *p; p++)
			fputc(*p >= 0x20 && *p < 0x7f ? *p : '?', ctx->err);
		fputc('\n', ctx->err);
	}
	lfs_buf_free(&b);
}

/* "layerctl: [batch line N: ]TEXT": @fmt's text, escaped. */
static void lfs_vreport(struct lfs_ctx *ctx, const char *fmt, va_list ap)
{
	char text[2 * LFS_ERR_MAX];

	vsnprintf(text, sizeof(text), fmt, ap);
	lfs_report_prefix(ctx);
	lfs_report_text(ctx, text);
}

int lfs_errorf(struct lfs_ctx *ctx, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	lfs_vreport(ctx, fmt, ap);
	va_end(ap);
	return 1;
}

int lfs_usage_error(struct lfs_ctx *ctx, const char *command,
		    const char *usage, const char *fmt, ...)
{
	char text[2 * LFS_ERR_MAX];
	size_t n;
	va_list ap;

	snprintf(text, sizeof(text), "%s: ", command);
	n = strlen(text);
	va_start(ap, fmt);
	vsnprintf(text + n, sizeof(text) - n, fmt, ap);
	va_end(ap);
	lfs_report_prefix(ctx);
	lfs_report_text(ctx, text);
	return lfs_usage(ctx, usage, 1);
}

int lfs_usage_opt(struct lfs_ctx *ctx, const char *command, const char *usage,
		  int c, char **argv, const struct option *longopts)
{
	char msg[256];

	lfs_opt_error(msg, sizeof(msg), c, argv, longopts);
	return lfs_usage_error(ctx, command, usage, "%s", msg);
}

int lfs_parse_common_opts(struct lfs_ctx *ctx, const char *cmd,
			  const char *usage, int argc, char **argv, int *json)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 }
	};
	static const struct option help_only[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const struct option *o = json ? opts : help_only;
	int c;

	lfs_opt_reset();
	while ((c = getopt_long(argc, argv, json ? ":jh" : ":h", o,
				NULL)) != -1) {
		if (c == 'j')
			*json = 1;
		else if (c == 'h')
			return lfs_usage(ctx, usage, 0);
		else
			return lfs_usage_opt(ctx, cmd, usage, c, argv, o);
	}
	return LFS_PARSED;
}

int lfs_err_report(struct lfs_ctx *ctx, const struct lfs_err *e)
{
	char line[LFS_ERR_MAX + 64];

	lfs_report_prefix(ctx);
	lfs_report_text(ctx, lfs_err_str(e, line, sizeof(line)));
	return 1;
}

int lfs_nomem(struct lfs_ctx *ctx, const char *reason, const char *fmt, ...)
{
	struct lfs_err e = LFS_ERR_INIT;
	char subject[LFS_ERR_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(subject, sizeof(subject), fmt, ap);
	va_end(ap);
	lfs_err_named(&e, -ENOMEM, reason, "%s", subject);
	return lfs_err_report(ctx, &e);
}

int lfs_check_name(struct lfs_ctx *ctx, const char *kind, const char *name)
{
	const char *why = lfs_name_check(name);

	if (!why)
		return 0;
	return lfs_errorf(ctx, "%s '%s': invalid name: %s", kind, name, why);
}

int lfs_check_new_ref(struct lfs_ctx *ctx, const char *kind, const char *ref,
		      char *out, size_t len)
{
	if (lfs_check_name(ctx, kind, ref))
		return 1;
	if (lfs_ref_latest(ref, out, len) || lfs_name_check(out))
		return lfs_errorf(ctx, "%s '%s:%s': invalid name: %s", kind, ref,
				  LFS_DEFAULT_TAG, "longer than 255 bytes");
	return 0;
}

int lfs_check_not_chain(struct lfs_ctx *ctx, const char *kind,
			const char *name)
{
	if (!lfs_is_chain_name(name))
		return 0;
	return lfs_errorf(ctx, "%s '%s': names " LFS_CHAIN_PREFIX "HEX are reserved for the layers load and pull name after their OCI chain id",
			  kind, name);
}

int lfs_text_fits(const char *text)
{
	return !text || strlen(text) <= LAYERFS_TEXT_MAX;
}

int lfs_check_texts(const char *name, const char *author,
		    const char *message, struct lfs_err *e)
{
	const char *what = !lfs_text_fits(author) ? "author" :
			   !lfs_text_fits(message) ? "message" : NULL;

	if (!what)
		return 0;
	lfs_err_set(e, 0, "layer '%s': %s is longer than %d bytes", name, what,
		    LAYERFS_TEXT_MAX);
	return -EINVAL;
}

int lfs_ctx_nl(struct lfs_ctx *ctx, struct lfs_nl **nlp, struct lfs_err *e)
{
	int rc;

	if (!ctx->nl) {
		rc = lfs_nl_open(&ctx->nl, ctx->module, e);
		if (rc < 0) {
			ctx->nl = NULL;
			return rc;
		}
	}
	*nlp = ctx->nl;
	return 0;
}

/*
 * Whether @root exists but is not a store: anything but a missing path, an
 * empty directory, or one holding only layers/, views/ and .lock (a store
 * half made).
 */
static int lfs_store_dir_foreign(const char *root)
{
	struct dirent *de;
	struct stat sb;
	int foreign = 0;
	DIR *d;

	if (stat(root, &sb))
		return errno != ENOENT;
	if (!S_ISDIR(sb.st_mode))
		return 1;
	d = opendir(root);
	if (!d)
		return 1;
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..") ||
		    !strcmp(de->d_name, "layers") || !strcmp(de->d_name, "views") ||
		    !strcmp(de->d_name, ".lock") ||
		    /* store.h: LFS_STORE_INDEX_LOCK, _RECORDS_LOCK */
		    !strcmp(de->d_name, ".index-lock") ||
		    !strcmp(de->d_name, ".records-lock") ||
		    /* blobsrc.h, layerdg.h: what push and pull record */
		    !strcmp(de->d_name, "registry-sources") ||
		    !strcmp(de->d_name, "layer-digests") ||
		    /* blobkeep.h: the blobs they keep */
		    !strcmp(de->d_name, "blobs"))
			continue;
		foreign = 1;
		break;
	}
	closedir(d);
	return foreign;
}

int lfs_ctx_store(struct lfs_ctx *ctx, struct lfs_store *st, int create,
		  struct lfs_err *e)
{
	const char *root = lfs_store_root(ctx->store);
	int rc;

	rc = lfs_store_open(st, root, create, e);
	if (!rc)
		return 0;
	/*
	 * No store: the caller decides (an empty listing, nothing to
	 * restore).  But a directory that exists and holds something else
	 * is not an empty store: say so rather than list nothing.
	 */
	if (!create && rc == -ENOENT && !lfs_store_dir_foreign(root)) {
		return lfs_err_named(e, -ENOENT, "no store here", "store '%s'",
				     root);
	}
	if (!create && rc == -ENOENT) {
		lfs_err_set(e, 0, "not a layerfs store: no layers/ and views/ directories");
		return lfs_err_prefix(e, -ENOTDIR, "store '%s'", root);
	}
	return lfs_err_prefix(e, rc, "store '%s'", root);
}

struct lfs_view_dump {
	struct lfs_view_list *list;
	struct lfs_err e;
};

static int lfs_view_collect(const struct lfs_view_part *part, void *arg)
{
	struct lfs_view_dump *d = arg;

	return lfs_views_add(d->list, part, &d->e);
}

int lfs_err_list(struct lfs_err *e, int rc, const char *what)
{
	if (!e)
		return rc;
	if (e->msg[0])
		lfs_err_prefix(e, rc, "cannot list its %s", what);
	else
		lfs_err_set(e, rc, "cannot list its %s", what);
	return lfs_err_prefix(e, rc, "module '%s'", LFS_MODULE_NAME);
}

int lfs_ctx_views(struct lfs_nl *nl, struct lfs_view_list *l,
		  struct lfs_err *e)
{
	struct lfs_view_dump dump = { l, LFS_ERR_INIT };
	int rc;

	rc = lfs_nl_view_dump(nl, lfs_view_collect, &dump, e);
	if (rc < 0) {
		lfs_views_free(l);
		/* A defect found while assembling is ours to explain. */
		if (dump.e.msg[0])
			*e = dump.e;
		return lfs_err_list(e, rc, "views");
	}
	lfs_views_finish(l);
	return 0;
}

int lfs_layer_unregister(struct lfs_ctx *ctx, const char *name,
			 int missing_ok)
{
	struct lfs_err e = LFS_ERR_INIT;
	struct lfs_layer key = { 0 };
	struct lfs_nl *nl = NULL;
	int rc;

	if (lfs_ctx_nl(ctx, &nl, &e))
		return lfs_err_report(ctx, &e);
	key.name = name;
	rc = lfs_nl_layer_del(nl, &key, &e);
	if (rc == -ENOENT && missing_ok)
		return 0;
	if (rc < 0) {
		lfs_err_prefix(&e, rc, "layer '%s'", name);
		return lfs_err_report(ctx, &e);
	}
	return 0;
}

void lfs_ctx_close(struct lfs_ctx *ctx)
{
	lfs_nl_close(ctx->nl);
	ctx->nl = NULL;
}

uint64_t lfs_ctx_now(const struct lfs_ctx *ctx)
{
	struct timespec ts;

	if (ctx->now_ns)
		return ctx->now_ns;
	if (clock_gettime(CLOCK_REALTIME, &ts))
		return 0;
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

int lfs_emit(struct lfs_ctx *ctx, const char *command,
	     const struct lfs_buf *b)
{
	struct lfs_err e = LFS_ERR_INIT;

	if (lfs_buf_error(b))
		return lfs_nomem(ctx, "cannot make its output", "command '%s'",
				 command);
	if (b->len && fwrite(b->data, 1, b->len, ctx->out) != b->len) {
		lfs_err_named(&e, errno ? -errno : -EIO,
			      "cannot write its output", "command '%s'",
			      command);
		return lfs_err_report(ctx, &e);
	}
	return 0;
}

/* A view id: digits only. */
static int lfs_is_view_id(const char *s, uint64_t *id)
{
	char *end;

	if (!*s || strspn(s, "0123456789") != strlen(s))
		return 0;
	errno = 0;
	*id = strtoull(s, &end, 10);
	return !errno && !*end;
}

int lfs_view_find(const struct lfs_view_list *l, const char *arg,
			   const struct lfs_view **out, struct lfs_err *e)
{
	struct statfs sfs;
	struct stat st;
	uint64_t id;
	uint32_t dev;
	size_t i;

	*out = NULL;
	if (lfs_is_view_id(arg, &id)) {
		for (i = 0; i < l->n; i++)
			if (l->v[i].id == id)
				*out = &l->v[i];
		return *out ? 0 : lfs_err_set(e, -ENOENT, "no such view");
	}
	if (statfs(arg, &sfs) || stat(arg, &st))
		return lfs_err_set(e, -errno, "%s", "");
	if ((unsigned long)sfs.f_type != LAYERFS_SUPER_MAGIC)
		return lfs_err_set(e, -EINVAL, "not a layerfs view");
	dev = lfs_dev_encode(major(st.st_dev), minor(st.st_dev));
	for (i = 0; i < l->n; i++)
		if (l->v[i].dev == dev)
			*out = &l->v[i];
	return *out ? 0 : lfs_err_set(e, -ENOENT, "no such view");
}

int lfs_ref_resolve(struct lfs_ctx *ctx, struct lfs_nl *nl, const char *ref,
		    char **name, struct lfs_err *e)
{
	struct lfs_meta_list l = LFS_META_LIST_INIT;
	struct lfs_store st = LFS_STORE_INIT;
	struct lfs_err ignored = LFS_ERR_INIT;
	long i = -1;
	int rc;

	*name = NULL;
	rc = lfs_layer_registered(nl, ref, e);
	if (rc < 0)
		return lfs_err_prefix(e, rc, "layer '%s'", ref);
	/* no store, an unreadable one: the kernel's names only */
	if (!rc && !lfs_ctx_store(ctx, &st, 0, &ignored) &&
	    !lfs_store_layer_list(&st, &l, &ignored))
		i = lfs_meta_lookup(l.v, l.n, ref);
	if (i >= 0)
		*name = strdup(l.v[i]->ref);
	lfs_meta_list_free(&l);
	lfs_store_close(&st);
	if (rc || i >= 0)
		return *name || (*name = strdup(ref)) ? 0 :
		       lfs_err_named(e, -ENOMEM, "cannot resolve it",
				     "image '%s'", ref);
	return lfs_ref_resolve_nl(nl, ref, name, e);
}
