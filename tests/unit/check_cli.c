// SPDX-License-Identifier: GPL-2.0
/*
 * layerctl end to end on the host: command line, dispatch, output and
 * error texts, exit codes, with fake_nl.c in place of the kernel.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/layerfs.h>

#include "cmd.h"
#include "fake_nl.h"
#include "run_cmd.h"
#include "suites.h"
#include "usage_hint.h"

#define NS 1000000000ULL
#define NOW (2000000000ULL * NS)

static struct run_result r;
static const char *env_module;	/* stands for $LAYERFS_MODULE */

static void setup(void)
{
	fake_nl_reset();
	run_result_free(&r);
	env_module = NULL;
}

static void teardown(void)
{
	run_result_free(&r);
	env_module = NULL;
	fake_nl_reset();
}

/* Runs layerctl with the NULL-terminated arguments @args. */
static void run(const char *const *args)
{
	struct lfs_ctx ctx = { .module = env_module, .now_ns = NOW };

	/* Count per run (requests, cmd and req keep the last request's). */
	fake_nl.opens = fake_nl.closes = fake_nl.requests = 0;
	run_layerctl(&r, &ctx, args);
}

#define RUN(...) run((const char *const[]){ __VA_ARGS__, NULL })

static int starts_with(const char *s, const char *prefix)
{
	return !strncmp(s, prefix, strlen(prefix));
}

#define assert_ok_stdout_usage(prefix) do {				\
	ck_assert_int_eq(r.rc, 0);					\
	ck_assert_msg(starts_with(r.out, prefix), "stdout: %s", r.out);	\
	ck_assert_str_eq(r.err, "");					\
} while (0)

#define assert_bad_usage(first_line) do {				\
	ck_assert_int_eq(r.rc, 2);					\
	ck_assert_str_eq(r.out, "");					\
	ck_assert_msg(starts_with(r.err, first_line), "stderr: %s", r.err); \
	ck_assert_msg(is_usage_hint(r.err), "stderr: %s", r.err);	\
	ck_assert_int_eq(fake_nl.opens, 0);				\
	ck_assert_int_eq(fake_nl.requests, 0);				\
} while (0)

/* ---- help, version, dispatch ---- */

START_TEST(test_help_forms)
{
	RUN("--help");
	assert_ok_stdout_usage("Usage: layerctl [--module PATH] COMMAND");
	ck_assert_ptr_nonnull(strstr(r.out, "  layer "));
	RUN("-h");
	assert_ok_stdout_usage("Usage: layerctl [--module PATH] COMMAND");
	RUN("help");
	assert_ok_stdout_usage("Usage: layerctl [--module PATH] COMMAND");
	RUN("layer", "--help");
	assert_ok_stdout_usage("Usage: layerctl layer COMMAND");
	ck_assert_ptr_nonnull(strstr(r.out, "  add "));
	ck_assert_ptr_nonnull(strstr(r.out, "  rm "));
	ck_assert_ptr_nonnull(strstr(r.out, "  ls "));
	ck_assert_ptr_nonnull(strstr(r.out, "  show "));
	RUN("layer", "help");
	assert_ok_stdout_usage("Usage: layerctl layer COMMAND");
	RUN("help", "layer");
	assert_ok_stdout_usage("Usage: layerctl layer COMMAND");
	ck_assert_int_eq(fake_nl.opens, 0);
}
END_TEST

static const char *const sub_usages[][2] = {
	{ "add", "Usage: layerctl layer add NAME PATH [--parent REF] [--frozen] [-a AUTHOR] [-m MESSAGE]\n" },
	{ "rm", "Usage: layerctl layer rm NAME\n" },
	{ "ls", "Usage: layerctl layer ls [--json]\n" },
	{ "show", "Usage: layerctl layer show NAME [--json]\n" },
	{ "index", "Usage: layerctl layer index NAME [-o FILE]\n" },
};

START_TEST(test_subcommand_help)
{
	const char *name = sub_usages[_i][0], *usage = sub_usages[_i][1];

	RUN("layer", name, "--help");
	assert_ok_stdout_usage(usage);
	RUN("layer", name, "-h");
	assert_ok_stdout_usage(usage);
	RUN("help", "layer", name);
	assert_ok_stdout_usage(usage);
	RUN("layer", "help", name);
	assert_ok_stdout_usage(usage);
	/* --help wins over anything else on the line. */
	RUN("layer", name, "x", "y", "z", "--help");
	assert_ok_stdout_usage(usage);
	ck_assert_int_eq(fake_nl.opens, 0);
}
END_TEST

START_TEST(test_version)
{
	RUN("--version");
	ck_assert_int_eq(r.rc, 0);
	ck_assert_msg(starts_with(r.out, "layerctl "), "%s", r.out);
	ck_assert_ptr_nonnull(strstr(r.out, "protocol 1"));
	ck_assert_str_eq(r.err, "");
	RUN("-V");
	ck_assert_int_eq(r.rc, 0);
	/* Nothing may follow --version. */
	RUN("--version", "extra");
	assert_bad_usage("layerctl: unexpected argument 'extra' after --version\n");
	RUN("-V", "layer", "ls");
	assert_bad_usage("layerctl: unexpected argument 'layer' after --version\n");
}
END_TEST

START_TEST(test_bad_usage_top)
{
	run((const char *const[]){ NULL });
	assert_bad_usage("layerctl: missing command\n");
	ck_assert_str_eq(r.err, "layerctl: missing command\nTry 'layerctl --help'.\n");
	RUN("frobnicate");
	assert_bad_usage("layerctl: unknown command 'frobnicate'\n");
	RUN("--bogus");
	assert_bad_usage("layerctl: unknown option '--bogus'\n");
	RUN("--module");
	assert_bad_usage("layerctl: option '--module' requires an argument\n");
	RUN("layer");
	assert_bad_usage("layerctl: layer: missing command\n");
	ck_assert_str_eq(r.err, "layerctl: layer: missing command\nTry 'layerctl layer --help'.\n");
	RUN("layer", "frobnicate");
	assert_bad_usage("layerctl: unknown command 'layer frobnicate'\n");
	RUN("layer", "--bogus");
	assert_bad_usage("layerctl: layer: unknown option '--bogus'\n");
	RUN("help", "frobnicate");
	assert_bad_usage("layerctl: unknown command 'frobnicate'\n");
}
END_TEST

/*
 * --store naming a directory that holds something else is an error, not
 * an empty store; a missing path or an empty directory is an empty store.
 */
START_TEST(test_store_not_a_store)
{
	char dir[] = "/tmp/check_cli.XXXXXX", sub[64], sub2[80], msg[200];
	FILE *f;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	RUN("--store", dir, "images", "--json");
	ck_assert_msg(r.rc == 0, "%s", r.err);
	ck_assert_str_eq(r.out, "[]\n");
	snprintf(sub, sizeof(sub), "%s/etc", dir);
	ck_assert_int_eq(mkdir(sub, 0700), 0);
	snprintf(msg, sizeof(msg),
		 "layerctl: store '%s': not a layerfs store: no layers/ and views/ directories\n",
		 dir);
	RUN("--store", dir, "images");
	ck_assert_int_eq(r.rc, 1);
	ck_assert_str_eq(r.out, "");
	ck_assert_str_eq(r.err, msg);
	RUN("--store", dir, "history", "a:1");
	ck_assert_int_eq(r.rc, 1);
	ck_assert_str_eq(r.err, msg);
	RUN("--store", dir, "restore");
	ck_assert_int_eq(r.rc, 1);
	ck_assert_str_eq(r.err, msg);
	ck_assert_int_eq(rmdir(sub), 0);
	/*
	 * what push and pull record (blobsrc.h, layerdg.h) does not make it
	 * foreign
	 */
	snprintf(sub, sizeof(sub), "%s/registry-sources", dir);
	f = fopen(sub, "w");
	ck_assert_ptr_nonnull(f);
	fclose(f);
	snprintf(sub, sizeof(sub), "%s/layer-digests", dir);
	f = fopen(sub, "w");
	ck_assert_ptr_nonnull(f);
	fclose(f);
	RUN("--store", dir, "images", "--json");
	ck_assert_msg(r.rc == 0, "%s", r.err);
	ck_assert_str_eq(r.out, "[]\n");
	ck_assert_int_eq(unlink(sub), 0);
	snprintf(sub, sizeof(sub), "%s/registry-sources", dir);
	ck_assert_int_eq(unlink(sub), 0);
	/* A regular file is not a store either. */
	snprintf(sub, sizeof(sub), "%s/file", dir);
	f = fopen(sub, "w");
	ck_assert_ptr_nonnull(f);
	fclose(f);
	RUN("--store", sub, "images");
	ck_assert_int_eq(r.rc, 1);
	ck_assert_str_eq(r.out, "");
	snprintf(msg, sizeof(msg), "layerctl: store '%s': Not a directory\n", sub);
	ck_assert_str_eq(r.err, msg);
	snprintf(sub2, sizeof(sub2), "%s/store", sub);
	RUN("--store", sub2, "import", "/dev/null", "x:1");
	ck_assert_int_eq(r.rc, 1);
	snprintf(msg, sizeof(msg),
		 "layerctl: store '%s': cannot create (Not a directory)\n", sub2);
	ck_assert_str_eq(r.err, msg);
	ck_assert_int_eq(unlink(sub), 0);
	RUN("--store", "relative", "images");
	ck_assert_int_eq(r.rc, 1);
	ck_assert_str_eq(r.err, "layerctl: store 'relative': not an absolute path\n");
	ck_assert_int_eq(rmdir(dir), 0);
	ck_assert_int_eq(fake_nl.opens, 0);
}
END_TEST

/* ---- layer add ---- */

START_TEST(test_add_minimal)
{
	RUN("layer", "add", "base", "/srv/base");
	ck_assert_int_eq(r.rc, 0);
	ck_assert_str_eq(r.out, "");
	ck_assert_str_eq(r.err, "");
	ck_assert_int_eq(fake_nl.opens, 1);
	ck_assert_int_eq(fake_nl.closes, 1);
	ck_assert_int_eq(fake_nl.cmd, LAYERFS_CMD_LAYER_ADD);
	ck_assert_ptr_nonnull(fake_nl.req);
	ck_assert_str_eq(fake_nl.req->name, "base");
	ck_assert_str_eq(fake_nl.req->path, "/srv/base");
	ck_assert_ptr_null(fake_nl.req->parent);
	ck_assert_ptr_null(fake_nl.req->author);
	ck_assert_ptr_null(fake_nl.req->message);
	ck_assert_uint_eq(fake_nl.req->has, 0);
	ck_assert_ptr_null(fake_nl.module);
}
END_TEST

START_TEST(test_add_options_anywhere)
{
	RUN("layer", "add", "-a", "Jane Doe", "app:1.0", "--parent", "base",
	    "/srv/app", "--message=first\nversion");
	ck_assert_int_eq(r.rc, 0);
	ck_assert_str_eq(r.err, "");
	ck_assert_str_eq(fake_nl.req->name, "app:1.0");
	ck_assert_str_eq(fake_nl.req->path, "/srv/app");
	ck_assert_str_eq(fake_nl.req->parent, "base");
	ck_assert_str_eq(fake_nl.req->author, "Jane Doe");
	ck_assert_str_eq(fake_nl.req->message, "first\nversion");

	RUN("layer", "add", "app", "/srv/app", "-p", "base", "-m", "m", "--author=A");
	ck_assert_int_eq(r.rc, 0);
	ck_assert_str_eq(fake_nl.req->parent, "base");
	ck_assert_str_eq(fake_nl.req->message, "m");
	ck_assert_str_eq(fake_nl.req->author, "A");
}
END_TEST

START_TEST(test_add_path_as_given)
{
	/* Relative paths go to the kernel unchanged; it refuses them. */
	fake_nl.err = -EINVAL;
	fake_nl.extack = "layer path must be absolute";
	RUN("layer", "add", "base", "rel/dir");
	ck_assert_int_eq(r.rc, 1);
	ck_assert_str_eq(fake_nl.req->path, "rel/dir");
	ck_assert_str_eq(r.out, "");
	ck_assert_str_eq(r.err,
			 "layerctl: layer 'base': layer path must be absolute (Invalid argument)\n");
}
END_TEST

START_TEST(test_add_double_dash)
{
	RUN("layer", "add", "--", "base", "-odd-dir");
	ck_assert_int_eq(r.rc, 0);
	ck_assert_str_eq(fake_nl.req->path, "-odd-dir");
}
END_TEST

START_TEST(test_add_kernel_errors)
{
	fake_nl.err = -EEXIST;
	fake_nl.extack = "a layer of that name exists";
	RUN("layer", "add", "base", "/srv/base");
	ck_assert_int_eq(r.rc, 1);
	ck_assert_str_eq(r.err,
			 "layerctl: layer 'base': a layer of that name exists (File exists)\n");

	fake_nl.err = -EPERM;
	fake_nl.extack = NULL;
	RUN("layer", "add", "base", "/srv/base");
	ck_assert_int_eq(r.rc, 1);
	ck_assert_str_eq(r.err, "layerctl: layer 'base': Operation not permitted\n");
}
END_TEST

START_TEST(test_add_invalid_names)
{
	RUN("layer", "add", "Bad", "/srv/base");
	ck_assert_int_eq(r.rc, 1);
	ck_assert_str_eq(r.out, "");
	ck_assert_str_eq(r.err,
			 "layerctl: layer 'Bad': invalid name: each component must start with [a-z0-9]\n");
	ck_assert_int_eq(fake_nl.opens, 0);

	RUN("layer", "add", "base", "/srv/base", "--parent", "a:");
	ck_assert_int_eq(r.rc, 1);
	ck_assert_str_eq(r.err, "layerctl: parent layer 'a:': invalid name: empty tag\n");
	ck_assert_int_eq(fake_nl.opens, 0);

	RUN("layer", "add", "", "/srv/base");
	ck_assert_int_eq(r.rc, 1);
	ck_assert_str_eq(r.err, "layerctl: layer '': invalid name: empty name\n");

	RUN("layer", "add", "a\x1b[2J", "/srv/base");
	ck_assert_int_eq(r.rc, 1);
	ck_assert_str_eq(r.err,
			 "layerctl: layer 'a\\x1b[2J': invalid name: only [a-z0-9._-] and '/' may appear before the tag\n");
	ck_assert_int_eq(fake_nl.opens, 0);
}
END_TEST

START_TEST(test_add_name_boundaries)
{
	static char name[300], tag[140];

	memset(name, 'a', 255);
	name[255] = '\0';
	RUN("layer", "add", name, "/p");
	ck_assert_int_eq(r.rc, 0);
	ck_assert_str_eq(fake_nl.req->name, name);

	name[255] = 'a';
	name[256] = '\0';
	RUN("layer", "add", name, "/p");
	ck_assert_int_eq(r.rc, 1);
	ck_assert_msg(strstr(r.err, "': invalid name: longer than 255 bytes\n") != NULL, "%s", r.err);

	strcpy(tag, "a:");
	memset(tag + 2, 'T', 128);
	tag[130] = '\0';
	RUN("layer", "add", tag, "/p");
	ck_assert_int_eq(r.rc, 0);
	tag[130] = 'T';
	tag[131] = '\0';
	RUN("layer", "add", tag, "/p");
	ck_assert_int_eq(r.rc, 1);
	ck_assert_msg(strstr(r.err, "': invalid name: tag longer than 128 characters\n") != NULL,
		      "%s", r.err);
}
END_TEST

START_TEST(test_add_text_limits)
{
	static char text[LAYERFS_TEXT_MAX + 2];

	memset(text, 'x', LAYERFS_TEXT_MAX);
	RUN("layer", "add", "base", "/p", "-a", text, "-m", text);
	ck_assert_int_eq(r.rc, 0);
	text[LAYERFS_TEXT_MAX] = 'x';
	RUN("layer", "add", "base", "/p", "-a", text);
	ck_assert_int_eq(r.rc, 1);
	ck_assert_str_eq(r.err,
			 "layerctl: layer 'base': author is longer than 4095 bytes\n");
	ck_assert_int_eq(fake_nl.requests, 0);
	RUN("layer", "add", "base", "/p", "-m", text);
	ck_assert_int_eq(r.rc, 1);
	ck_assert_str_eq(r.err,
			 "layerctl: layer 'base': message is longer than 4095 bytes\n");
	ck_assert_int_eq(fake_nl.requests, 0);
}
END_TEST

START_TEST(test_add_bad_usage)
{
	RUN("layer", "add");
	assert_bad_usage("layerctl: layer add: missing NAME and PATH\n");
	RUN("layer", "add", "base");
	assert_bad_usage("layerctl: layer add: missing PATH\n");
	RUN("layer", "add", "base", "/p", "extra");
	assert_bad_usage("layerctl: layer add: unexpected argument 'extra'\n");
	RUN("layer", "add", "base", "/p", "-m");
	assert_bad_usage("layerctl: layer add: option '-m' requires an argument\n");
	RUN("layer", "add", "base", "/p", "--parent");
	assert_bad_usage("layerctl: layer add: option '--parent' requires an argument\n");
	RUN("layer", "add", "base", "/p", "--json");
	assert_bad_usage("layerctl: layer add: unknown option '--json'\n");
	ck_assert_str_eq(r.err, "layerctl: layer add: unknown option '--json'\n"
			 "Try 'layerctl layer add --help'.\n");
	RUN("layer", "add", "-x", "base", "/p");
	assert_bad_usage("layerctl: layer add: unknown option '-x'\n");
	RUN("layer", "add", "base", "/p", "--help=1");
	assert_bad_usage("layerctl: layer add: option '--help' doesn't allow an argument\n");
	/* Global options belong before the command. */
	RUN("layer", "add", "base", "/p", "--module", "/x.ko");
	assert_bad_usage("layerctl: layer add: unknown option '--module'\n");
}
END_TEST

/* ---- module selection and netlink open failures ---- */

START_TEST(test_module_option)
{
	RUN("--module", "/lib/layerfs.ko", "layer", "ls");
	ck_assert_int_eq(r.rc, 0);
	ck_assert_str_eq(fake_nl.module, "/lib/layerfs.ko");

	RUN("--module=/other.ko", "layer", "ls");
	ck_assert_str_eq(fake_nl.module, "/other.ko");

	env_module = "/env/layerfs.ko";
	RUN("layer", "ls");
	ck_assert_str_eq(fake_nl.module, "/env/layerfs.ko");
	RUN("--module", "/opt.ko", "layer", "ls");
	ck_assert_str_eq(fake_nl.module, "/opt.ko");

	env_module = "";
	RUN("layer", "ls");
	ck_assert_ptr_null(fake_nl.module);
}
END_TEST

START_TEST(test_open_failure)
{
	fake_nl.open_err = -ENOENT;
	fake_nl.open_msg = "module 'layerfs': not found in /lib/modules/x";
	RUN("layer", "ls");
	ck_assert_int_eq(r.rc, 1);
	ck_assert_str_eq(r.out, "");
	ck_assert_str_eq(r.err,
			 "layerctl: module 'layerfs': not found in /lib/modules/x\n");
	ck_assert_int_eq(fake_nl.requests, 0);
	ck_assert_int_eq(fake_nl.closes, 0);
}
END_TEST

/* ---- layer rm ---- */

static const struct lfs_layer base = {
	.has = LFS_HAS_ID | LFS_HAS_CREATED | LFS_HAS_FLAGS | LFS_HAS_VIEWS |
	       LFS_HAS_CHILDREN,
	.id = 1, .name = "base", .path = "/srv/base",
	.created = NOW - 120 * NS, .flags = 0, .views = 0, .children = 1,
};

static const struct lfs_layer app = {
	.has = LFS_HAS_ID | LFS_HAS_PARENT_ID | LFS_HAS_CREATED |
	       LFS_HAS_FLAGS | LFS_HAS_VIEWS | LFS_HAS_CHILDREN,
	.id = 2, .name = "gakki/app:1.0", .path = "/srv/app",
	.parent = "base", .parent_id = 1, .author = "Jane",
	.message = "the app", .created = 1800000000123456789ULL,
	.flags = LAYERFS_LAYER_F_FROZEN, .views = 3, .children = 0,
};

static void registry(void)
{
	fake_nl.layers[0] = &base;
	fake_nl.layers[1] = &app;
	fake_nl.n_layers = 2;
}

START_TEST(test_rm)
{
	registry();
	RUN("layer", "rm", "base");
	ck_assert_int_eq(r.rc, 0);
	ck_assert_str_eq(r.out, "");
	ck_assert_str_eq(r.err, "");
	ck_assert_int_eq(fake_nl.cmd, LAYERFS_CMD_LAYER_DEL);
	ck_assert_str_eq(fake_nl.req->name, "base");
	ck_assert_ptr_null(fake_nl.req->path);
}
END_TEST

START_TEST(test_rm_errors)
{
	registry();
	RUN("layer", "rm", "nope");
	ck_assert_int_eq(r.rc, 1);
	ck_assert_str_eq(r.err,
			 "layerctl: layer 'nope': no such layer (No such file or directory)\n");

	fake_nl.err = -EBUSY;
	fake_nl.extack = NULL;
	RUN("layer", "rm", "base");
	ck_assert_int_eq(r.rc, 1);
	ck_assert_str_eq(r.err, "layerctl: layer 'base': Device or resource busy\n");

	fake_nl.err = -EBUSY;
	fake_nl.extack = "layer is used by 2 views";
	RUN("layer", "rm", "base");
	ck_assert_str_eq(r.err,
			 "layerctl: layer 'base': layer is used by 2 views (Device or resource busy)\n");

	RUN("layer", "rm", "-base");
	assert_bad_usage("layerctl: layer rm: unknown option '-b'\n");
	RUN("layer", "rm");
	assert_bad_usage("layerctl: layer rm: missing NAME\n");
	RUN("layer", "rm", "a", "b");
	assert_bad_usage("layerctl: layer rm: unexpected argument 'b'\n");
	RUN("layer", "rm", "UPPER");
	ck_assert_int_eq(r.rc, 1);
	ck_assert_str_eq(r.err,
			 "layerctl: layer 'UPPER': invalid name: each component must start with [a-z0-9]\n");
}
END_TEST

/* ---- layer show ---- */

START_TEST(test_show)
{
	registry();
	RUN("layer", "show", "gakki/app:1.0");
	ck_assert_int_eq(r.rc, 0);
	ck_assert_str_eq(r.err, "");
	ck_assert_int_eq(fake_nl.cmd, LAYERFS_CMD_LAYER_GET);
	ck_assert_int_eq(fake_nl.dump, 0);
	ck_assert_str_eq(fake_nl.req->name, "gakki/app:1.0");
	ck_assert_str_eq(r.out,
			 "id:       2\n"
			 "name:     gakki/app:1.0\n"
			 "path:     /srv/app\n"
			 "parent:   base\n"
			 "author:   Jane\n"
			 "message:  the app\n"
			 "created:  2027-01-15T08:00:00.123456789Z\n"
			 "flags:    frozen\n"
			 "views:    3\n"
			 "children: 0\n");
}
END_TEST

START_TEST(test_show_json)
{
	registry();
	RUN("layer", "show", "--json", "gakki/app:1.0");
	ck_assert_int_eq(r.rc, 0);
	ck_assert_str_eq(r.out,
			 "{\"id\":2,\"name\":\"gakki/app:1.0\",\"path\":\"/srv/app\","
			 "\"parent\":\"base\",\"parent_id\":1,\"author\":\"Jane\","
			 "\"message\":\"the app\","
			 "\"created\":\"2027-01-15T08:00:00.123456789Z\","
			 "\"created_ns\":1800000000123456789,\"flags\":[\"frozen\"],"
			 "\"views\":3,\"children\":0}\n");
	RUN("layer", "show", "base", "-j");
	ck_assert_int_eq(r.rc, 0);
	ck_assert_msg(starts_with(r.out, "{\"id\":1,\"name\":\"base\","), "%s", r.out);
	ck_assert_ptr_null(strstr(r.out, "parent"));
	ck_assert_ptr_null(strstr(r.out, "author"));
}
END_TEST

START_TEST(test_show_errors)
{
	registry();
	RUN("layer", "show", "missing");
	ck_assert_int_eq(r.rc, 1);
	ck_assert_str_eq(r.out, "");
	ck_assert_str_eq(r.err,
			 "layerctl: layer 'missing': no such layer (No such file or directory)\n");
	RUN("layer", "show", "missing", "--json");
	ck_assert_int_eq(r.rc, 1);
	ck_assert_str_eq(r.out, "");

	fake_nl.err = -EBADMSG;
	fake_nl.extack = "malformed reply: missing attribute PATH";
	RUN("layer", "show", "base");
	ck_assert_int_eq(r.rc, 1);
	ck_assert_str_eq(r.err,
			 "layerctl: layer 'base': malformed reply: missing attribute PATH (Bad message)\n");

	RUN("layer", "show");
	assert_bad_usage("layerctl: layer show: missing NAME\n");
	RUN("layer", "show", "a", "b");
	assert_bad_usage("layerctl: layer show: unexpected argument 'b'\n");
	RUN("layer", "show", "a", "--json=yes");
	assert_bad_usage("layerctl: layer show: option '--json' doesn't allow an argument\n");
}
END_TEST

/* ---- layer index ---- */

/* A frozen layer whose directory is not there. */
static const struct lfs_layer gone = {
	.has = LFS_HAS_ID | LFS_HAS_FLAGS, .id = 7, .name = "gone:1",
	.path = "/nonexistent/layerctl-unit/gone",
	.flags = LAYERFS_LAYER_F_FROZEN,
};

/*
 * A frozen layer whose directory is gone: the errno stays the error's
 * code, its text once, last, after the reason.
 */
START_TEST(test_index_layer_gone)
{
	registry();
	fake_nl.layers[2] = &gone;
	fake_nl.n_layers = 3;
	RUN("layer", "index", "gone:1", "-o", "/tmp/layerctl-unit.index");
	ck_assert_int_eq(r.rc, 1);
	ck_assert_str_eq(r.out, "");
	ck_assert_str_eq(r.err,
			 "layerctl: layer 'gone:1': cannot index: cannot open layer directory '/nonexistent/layerctl-unit/gone' (No such file or directory)\n");
}
END_TEST

/*
 * A failed allocation (fake_alloc.h) at each allocation in turn: usage,
 * help and layer index name what was being done and which object
 * (run_nomem_lines()).
 */
START_TEST(test_cli_nomem)
{
	static const char *const usage[] = { "layer", "--help", NULL };
	static const char *const help[] = { "help", "layer", "add", NULL };
	static const char *const index[] = { "layer", "index", "gone:1", "-o",
					     "/tmp/layerctl-unit.index", NULL };

	registry();
	fake_nl.layers[2] = &gone;
	fake_nl.n_layers = 3;
	run_nomem_want(run, &r, usage, (const char *const[]){
		"layerctl: command 'layer': cannot make its usage (Cannot allocate memory)",
		NULL });
	run_nomem_want(run, &r, help, (const char *const[]){
		"layerctl: command 'layer add': cannot show its help (Cannot allocate memory)",
		NULL });
	run_nomem_want(run, &r, index, (const char *const[]){
		"layerctl: index file '/tmp/layerctl-unit.index': cannot find its directory (Cannot allocate memory)",
		NULL });
}
END_TEST

START_TEST(test_index_errors)
{
	registry();
	/* The kernel's reason for a missing layer leads the line. */
	RUN("layer", "index", "missing", "-o", "/tmp/layerctl-unit.index");
	ck_assert_int_eq(r.rc, 1);
	ck_assert_str_eq(r.out, "");
	ck_assert_str_eq(r.err,
			 "layerctl: layer 'missing': cannot index: no such layer (No such file or directory)\n");
	/* A layer that is not frozen has no index. */
	RUN("layer", "index", "base", "-o", "/tmp/layerctl-unit.index");
	ck_assert_int_eq(r.rc, 1);
	ck_assert_str_eq(r.err,
			 "layerctl: layer 'base': cannot index: the layer is not frozen\n");
	/* -o FILE whose directory is missing: the file is the subject */
	RUN("layer", "index", "base", "-o", "/nonexistent/dir/x.index");
	ck_assert_int_eq(r.rc, 1);
	ck_assert_str_eq(r.err,
			 "layerctl: index file '/nonexistent/dir/x.index': cannot open its directory (No such file or directory)\n");
	/* Without -o FILE the index goes to the store, which must exist. */
	RUN("--store", "/nonexistent/layerctl-unit-store", "layer", "index",
	    "base");
	ck_assert_int_eq(r.rc, 1);
	ck_assert_str_eq(r.err,
			 "layerctl: layer 'base': no layer store to keep its index in: use -o FILE\n");
	/* Module loading fails: its sentence, once. */
	fake_nl.open_err = -ENOENT;
	fake_nl.open_msg = "module 'layerfs': not found";
	RUN("layer", "index", "base", "-o", "/tmp/layerctl-unit.index");
	ck_assert_int_eq(r.rc, 1);
	ck_assert_str_eq(r.err, "layerctl: module 'layerfs': not found\n");
}
END_TEST

/* ---- layer ls ---- */

START_TEST(test_ls_empty)
{
	RUN("layer", "ls");
	ck_assert_int_eq(r.rc, 0);
	ck_assert_str_eq(r.err, "");
	ck_assert_int_eq(fake_nl.cmd, LAYERFS_CMD_LAYER_GET);
	ck_assert_int_eq(fake_nl.dump, 1);
	ck_assert_str_eq(r.out,
			 "ID   NAME   PARENT   VIEWS   CHILDREN   CREATED   PATH\n");
	RUN("layer", "ls", "--json");
	ck_assert_int_eq(r.rc, 0);
	ck_assert_str_eq(r.out, "[]\n");
}
END_TEST

START_TEST(test_ls)
{
	registry();
	RUN("layer", "ls");
	ck_assert_int_eq(r.rc, 0);
	ck_assert_str_eq(r.err, "");
	ck_assert_str_eq(r.out,
		"ID   NAME            PARENT   VIEWS   CHILDREN   CREATED         PATH\n"
		"1    base            -        0       1          2 minutes ago   /srv/base\n"
		"2    gakki/app:1.0   base     3       0          6 years ago     /srv/app\n");
}
END_TEST

START_TEST(test_ls_json)
{
	registry();
	RUN("layer", "ls", "--json");
	ck_assert_int_eq(r.rc, 0);
	ck_assert_str_eq(r.out,
			 "[{\"id\":1,\"name\":\"base\",\"path\":\"/srv/base\","
			 "\"created\":\"2033-05-18T03:31:20.000000000Z\","
			 "\"created_ns\":1999999880000000000,\"flags\":[],"
			 "\"views\":0,\"children\":1},"
			 "{\"id\":2,\"name\":\"gakki/app:1.0\",\"path\":\"/srv/app\","
			 "\"parent\":\"base\",\"parent_id\":1,\"author\":\"Jane\","
			 "\"message\":\"the app\","
			 "\"created\":\"2027-01-15T08:00:00.123456789Z\","
			 "\"created_ns\":1800000000123456789,\"flags\":[\"frozen\"],"
			 "\"views\":3,\"children\":0}]\n");
}
END_TEST

START_TEST(test_ls_errors)
{
	fake_nl.err = -EPERM;
	RUN("layer", "ls");
	ck_assert_int_eq(r.rc, 1);
	ck_assert_str_eq(r.out, "");
	ck_assert_str_eq(r.err, "layerctl: module 'layerfs': cannot list its layers (Operation not permitted)\n");

	fake_nl.extack = "denied";
	RUN("layer", "ls", "--json");
	ck_assert_int_eq(r.rc, 1);
	ck_assert_str_eq(r.out, "");
	ck_assert_str_eq(r.err,
			 "layerctl: module 'layerfs': cannot list its layers: denied (Operation not permitted)\n");

	RUN("layer", "ls", "extra");
	assert_bad_usage("layerctl: layer ls: unexpected argument 'extra'\n");
	RUN("layer", "ls", "-q");
	assert_bad_usage("layerctl: layer ls: unknown option '-q'\n");
}
END_TEST

START_TEST(test_ls_write_error)
{
	struct lfs_ctx ctx = { 0 };
	char *argv[] = { (char *)"layerctl", (char *)"layer", (char *)"ls", NULL };
	char *err_text = NULL;
	size_t err_len = 0;
	FILE *full, *err;

	registry();
	full = fopen("/dev/full", "w");
	if (!full)
		return;	/* no /dev/full here: nothing to test */
	setvbuf(full, NULL, _IONBF, 0);
	err = open_memstream(&err_text, &err_len);
	ctx.out = full;
	ctx.err = err;
	ctx.now_ns = NOW;
	ck_assert_int_eq(layerctl_run(&ctx, 3, argv), 1);
	lfs_ctx_close(&ctx);
	fclose(full);
	fclose(err);
	ck_assert_str_eq(err_text, "layerctl: command 'layer ls': cannot write its output (No space left on device)\n");
	free(err_text);
}
END_TEST

Suite *cli_suite(void)
{
	Suite *s = suite_create("cli");
	TCase *dispatch = tcase_create("dispatch");
	TCase *add = tcase_create("add");
	TCase *rm = tcase_create("rm");
	TCase *show = tcase_create("show");
	TCase *ls = tcase_create("ls");
	TCase *all[] = { dispatch, add, rm, show, ls };
	size_t i;

	for (i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		tcase_add_checked_fixture(all[i], setup, teardown);

	tcase_add_test(dispatch, test_help_forms);
	tcase_add_loop_test(dispatch, test_subcommand_help, 0,
			    (int)(sizeof(sub_usages) / sizeof(sub_usages[0])));
	tcase_add_test(dispatch, test_version);
	tcase_add_test(dispatch, test_bad_usage_top);
	tcase_add_test(dispatch, test_store_not_a_store);
	tcase_add_test(dispatch, test_module_option);
	tcase_add_test(dispatch, test_open_failure);

	tcase_add_test(add, test_add_minimal);
	tcase_add_test(add, test_add_options_anywhere);
	tcase_add_test(add, test_add_path_as_given);
	tcase_add_test(add, test_add_double_dash);
	tcase_add_test(add, test_add_kernel_errors);
	tcase_add_test(add, test_add_invalid_names);
	tcase_add_test(add, test_add_name_boundaries);
	tcase_add_test(add, test_add_text_limits);
	tcase_add_test(add, test_add_bad_usage);

	tcase_add_test(rm, test_rm);
	tcase_add_test(rm, test_rm_errors);

	tcase_add_test(show, test_show);
	tcase_add_test(show, test_show_json);
	tcase_add_test(show, test_show_errors);
	tcase_add_test(show, test_index_errors);
	tcase_add_test(show, test_index_layer_gone);
	tcase_add_test(show, test_cli_nomem);

	tcase_add_test(ls, test_ls_empty);
	tcase_add_test(ls, test_ls);
	tcase_add_test(ls, test_ls_json);
	tcase_add_test(ls, test_ls_errors);
	tcase_add_test(ls, test_ls_write_error);

	for (i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		suite_add_tcase(s, all[i]);
	return s;
}
