// SPDX-License-Identifier: GPL-2.0
/*
 * Tests for batches: the word splitter of userspace/parse.c
 * (lfs_split_words) and "layerctl --batch FILE [--force]" end to end
 * (userspace/batch.c), with fake_nl.c in place of the kernel.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/layerfs.h>

#include "cmd.h"
#include "fake_nl.h"
#include "parse.h"
#include "run_cmd.h"
#include "suites.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* ---- the splitter ---- */

struct split_case {
	const char *line;
	int n;			/* expected result */
	const char *words[8];	/* expected words if n >= 0 */
};

static const struct split_case split_cases[] = {
	/* blanks, blank lines, comments */
	{ "", 0, { NULL } },
	{ "   ", 0, { NULL } },
	{ "\n", 0, { NULL } },
	{ "\r\n", 0, { NULL } },
	{ " \t\v\f\r\n", 0, { NULL } },
	{ "#", 0, { NULL } },
	{ "# layer add a /b", 0, { NULL } },
	{ "   \t# indented comment 'with an unterminated quote", 0, { NULL } },
	{ "a", 1, { "a" } },
	{ "layer ls", 2, { "layer", "ls" } },
	{ "  layer \t ls  \n", 2, { "layer", "ls" } },
	{ "layer ls\r\n", 2, { "layer", "ls" } },
	/* '#' later on a line is an ordinary character */
	{ "a #b", 2, { "a", "#b" } },
	{ "a#b", 1, { "a#b" } },
	{ "\\# not a comment", 4, { "#", "not", "a", "comment" } },
	{ "'#' quoted", 2, { "#", "quoted" } },
	/* single quotes: everything literal */
	{ "'a b'", 1, { "a b" } },
	{ "'a\\b'", 1, { "a\\b" } },
	{ "'\"'", 1, { "\"" } },
	{ "'  '", 1, { "  " } },
	{ "'a\\'", 1, { "a\\" } },
	/* double quotes: \" and \\ only */
	{ "\"a b\"", 1, { "a b" } },
	{ "\"say \\\"hi\\\"\"", 1, { "say \"hi\"" } },
	{ "\"back\\\\slash\"", 1, { "back\\slash" } },
	{ "\"a\\nb\"", 1, { "a\\nb" } },
	{ "\"it's\"", 1, { "it's" } },
	{ "\"\\\\\"", 1, { "\\" } },
	/* backslash outside quotes */
	{ "a\\ b", 1, { "a b" } },
	{ "\\'", 1, { "'" } },
	{ "\\\"", 1, { "\"" } },
	{ "\\\\", 1, { "\\" } },
	{ "\\a\\b", 1, { "ab" } },
	{ "a\\\tb", 1, { "a\tb" } },
	/* adjacent parts form one word */
	{ "a'b'\"c\"d", 1, { "abcd" } },
	{ "-m'a message'", 1, { "-ma message" } },
	{ "--message=\"two words\"", 1, { "--message=two words" } },
	/* empty strings */
	{ "''", 1, { "" } },
	{ "\"\"", 1, { "" } },
	{ "''''", 1, { "" } },
	{ "a '' b", 3, { "a", "", "b" } },
	{ "-m \"\" x", 3, { "-m", "", "x" } },
	{ "'' ''", 2, { "", "" } },
	/* a whole command */
	{ "layer add gakki/app:1.0 '/srv/my app' -p base -m \"it's \\\"new\\\"\"",
	  8, { "layer", "add", "gakki/app:1.0", "/srv/my app", "-p", "base",
	       "-m", "it's \"new\"" } },
	/* errors */
	{ "'", -EINVAL, { NULL } },
	{ "\"", -EINVAL, { NULL } },
	{ "layer add 'a /b", -EINVAL, { NULL } },
	{ "layer add \"a /b", -EINVAL, { NULL } },
	{ "\"a\\\"", -EINVAL, { NULL } },
	{ "a 'b'c'", -EINVAL, { NULL } },
	{ "a\\", -EINVAL, { NULL } },
	{ "a \\", -EINVAL, { NULL } },
};

START_TEST(test_split)
{
	const struct split_case *c = &split_cases[_i];
	char *argv[LFS_WORDS_MAX + 1];
	const char *why = NULL;
	char *line = strdup(c->line);
	int n, i;

	ck_assert_ptr_nonnull(line);
	n = lfs_split_words(line, argv, &why);
	ck_assert_msg(n == c->n, "'%s': %d words, expected %d", c->line, n, c->n);
	if (n >= 0) {
		ck_assert_ptr_null(argv[n]);
		for (i = 0; i < n && i < (int)N(c->words); i++)
			if (c->words[i])
				ck_assert_str_eq(argv[i], c->words[i]);
	} else {
		ck_assert_ptr_nonnull(why);
	}
	free(line);
}
END_TEST

START_TEST(test_split_last_word)
{
	char line[] = "layer add a /p -m \"it's \\\"new\\\"\"";
	char *argv[LFS_WORDS_MAX + 1];
	const char *why = NULL;

	ck_assert_int_eq(lfs_split_words(line, argv, &why), 6);
	ck_assert_str_eq(argv[5], "it's \"new\"");
}
END_TEST

START_TEST(test_split_error_texts)
{
	char q1[] = "a 'b", q2[] = "a \"b", bs[] = "a b\\";
	char *argv[LFS_WORDS_MAX + 1];
	const char *why = NULL;

	ck_assert_int_eq(lfs_split_words(q1, argv, &why), -EINVAL);
	ck_assert_str_eq(why, "unterminated quote");
	why = NULL;
	ck_assert_int_eq(lfs_split_words(q2, argv, &why), -EINVAL);
	ck_assert_str_eq(why, "unterminated quote");
	why = NULL;
	ck_assert_int_eq(lfs_split_words(bs, argv, &why), -EINVAL);
	ck_assert_str_eq(why, "backslash at end of line");
}
END_TEST

/* A line of @n words "w0 w1 ..."; free() it. */
static char *words_line(int n)
{
	char *s = malloc((size_t)n * 8 + 1), *p = s;
	int i;

	ck_assert_ptr_nonnull(s);
	for (i = 0; i < n; i++)
		p += sprintf(p, "%sw%d", i ? " " : "", i);
	*p = '\0';
	return s;
}

START_TEST(test_split_too_many_words)
{
	char *argv[LFS_WORDS_MAX + 1];
	const char *why = NULL;
	char *line;
	char buf[32];

	line = words_line(LFS_WORDS_MAX);
	ck_assert_int_eq(lfs_split_words(line, argv, &why), LFS_WORDS_MAX);
	snprintf(buf, sizeof(buf), "w%d", LFS_WORDS_MAX - 1);
	ck_assert_str_eq(argv[LFS_WORDS_MAX - 1], buf);
	ck_assert_ptr_null(argv[LFS_WORDS_MAX]);
	free(line);

	line = words_line(LFS_WORDS_MAX + 1);
	ck_assert_int_eq(lfs_split_words(line, argv, &why), -E2BIG);
	ck_assert_str_eq(why, "too many words (at most 64)");
	free(line);

	/* Trailing blanks after the last allowed word are fine. */
	line = words_line(LFS_WORDS_MAX);
	line = realloc(line, strlen(line) + 4);
	ck_assert_ptr_nonnull(line);
	strcat(line, " \t\n");
	ck_assert_int_eq(lfs_split_words(line, argv, &why), LFS_WORDS_MAX);
	free(line);
}
END_TEST

#define LONG_WORD (1024 * 1024)

/* "<1 MiB of x> '<1 MiB of y and blanks>'" into @line. */
static void long_line(char *line)
{
	char *p = line;
	size_t i;

	memset(p, 'x', LONG_WORD);
	p += LONG_WORD;
	*p++ = ' ';
	*p++ = '\'';
	for (i = 0; i < LONG_WORD; i++)
		*p++ = i % 2 ? ' ' : 'y';
	*p++ = '\'';
	*p = '\0';
}

START_TEST(test_split_very_long_line)
{
	char *argv[LFS_WORDS_MAX + 1];
	const char *why = NULL;
	char *line = malloc(LONG_WORD * 2 + 16);

	ck_assert_ptr_nonnull(line);
	long_line(line);
	ck_assert_int_eq(lfs_split_words(line, argv, &why), 2);
	ck_assert_uint_eq(strlen(argv[0]), LONG_WORD);
	ck_assert_uint_eq(strlen(argv[1]), LONG_WORD);
	ck_assert_int_eq(argv[0][LONG_WORD - 1], 'x');
	ck_assert_int_eq(argv[1][0], 'y');
	ck_assert_int_eq(argv[1][1], ' ');
	ck_assert_int_eq(argv[1][LONG_WORD - 1], ' ');

	/* Without its closing quote, found unterminated after 2 MiB. */
	long_line(line);
	line[LONG_WORD * 2 + 2] = '\0';
	ck_assert_int_eq(lfs_split_words(line, argv, &why), -EINVAL);
	ck_assert_str_eq(why, "unterminated quote");
	free(line);
}
END_TEST

/* ---- layerctl --batch ---- */

#define NOW (2000000000ULL * 1000000000ULL)

static struct run_result r;
static char batch_path[64];	/* a temporary batch file, if made */

static void setup(void)
{
	fake_nl_reset();
	run_result_free(&r);
	batch_path[0] = '\0';
}

static void teardown(void)
{
	run_result_free(&r);
	if (batch_path[0])
		unlink(batch_path);
	batch_path[0] = '\0';
	fake_nl_reset();
}

/*
 * Runs layerctl with the NULL-terminated @args; standard input holds the
 * @in_len bytes at @in.
 */
static void run_in(const char *in, size_t in_len, const char *const *args)
{
	struct lfs_ctx ctx = { .now_ns = NOW };

	fake_nl.opens = fake_nl.closes = fake_nl.requests = 0;
	ctx.in = input_of(in, in_len);
	run_layerctl(&r, &ctx, args);
	ck_assert_uint_eq(ctx.batch_line, 0);
}

#define RUN_IN(in, ...) \
	run_in((in), strlen(in), (const char *const[]){ __VA_ARGS__, NULL })
/* layerctl -b - with @in on standard input. */
#define BATCH(in) RUN_IN((in), "-b", "-")
#define BATCH_FORCE(in) RUN_IN((in), "--force", "--batch", "-")

static int starts_with(const char *s, const char *prefix)
{
	return !strncmp(s, prefix, strlen(prefix));
}

/* Writes @text to a new temporary file, named in batch_path. */
static const char *batch_file(const char *text)
{
	FILE *f;
	int fd;

	snprintf(batch_path, sizeof(batch_path), "%s", "/tmp/layerctl-batch.XXXXXX");
	fd = mkstemp(batch_path);
	ck_assert_int_ge(fd, 0);
	f = fdopen(fd, "w");
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(fputs(text, f) < 0, 0);
	ck_assert_int_eq(fclose(f), 0);
	return batch_path;
}

static const struct lfs_layer base = {
	.has = LFS_HAS_ID | LFS_HAS_CREATED | LFS_HAS_FLAGS | LFS_HAS_VIEWS |
	       LFS_HAS_CHILDREN,
	.id = 1, .name = "base", .path = "/srv/base",
	.created = NOW, .flags = 0, .views = 0, .children = 0,
};

static const struct lfs_layer app = {
	.has = LFS_HAS_ID | LFS_HAS_CREATED | LFS_HAS_FLAGS | LFS_HAS_VIEWS |
	       LFS_HAS_CHILDREN,
	.id = 2, .name = "app", .path = "/srv/app",
	.created = NOW, .flags = 0, .views = 0, .children = 0,
};

/* The fake kernel knows "base" and "app"; "rm" of anything else fails. */
static void registry(void)
{
	fake_nl.layers[0] = &base;
	fake_nl.layers[1] = &app;
	fake_nl.n_layers = 2;
}

START_TEST(test_batch_file)
{
	const char *path = batch_file("layer add base /srv/base\n"
				      "layer add app /srv/app --parent base -m 'the app'\n");

	RUN_IN("", "--batch", path);
	ck_assert_int_eq(r.rc, 0);
	ck_assert_str_eq(r.out, "");
	ck_assert_str_eq(r.err, "");
	/* One socket for the whole batch. */
	ck_assert_int_eq(fake_nl.opens, 1);
	ck_assert_int_eq(fake_nl.closes, 1);
	ck_assert_int_eq(fake_nl.requests, 2);
	ck_assert_int_eq(fake_nl.cmd, LAYERFS_CMD_LAYER_ADD);
	ck_assert_str_eq(fake_nl.req->name, "app");
	ck_assert_str_eq(fake_nl.req->path, "/srv/app");
	ck_assert_str_eq(fake_nl.req->parent, "base");
	ck_assert_str_eq(fake_nl.req->message, "the app");

	RUN_IN("", "-b", path);
	ck_assert_int_eq(r.rc, 0);
	ck_assert_int_eq(fake_nl.requests, 2);
}
END_TEST

START_TEST(test_batch_file_forms)
{
	char opt[80];
	const char *path = batch_file("layer rm base\n");

	registry();
	snprintf(opt, sizeof(opt), "--batch=%s", path);
	RUN_IN("", opt);
	ck_assert_int_eq(r.rc, 0);
	ck_assert_int_eq(fake_nl.requests, 1);
	snprintf(opt, sizeof(opt), "-b%s", path);
	RUN_IN("", opt);
	ck_assert_int_eq(r.rc, 0);
	ck_assert_int_eq(fake_nl.requests, 1);
	/* --module still applies, before or after --batch. */
	RUN_IN("", "--module", "/m.ko", "-b", path);
	ck_assert_int_eq(r.rc, 0);
	ck_assert_str_eq(fake_nl.module, "/m.ko");
	RUN_IN("", "-b", path, "--module=/n.ko");
	ck_assert_int_eq(r.rc, 0);
	ck_assert_str_eq(fake_nl.module, "/n.ko");
}
END_TEST

START_TEST(test_batch_stdin)
{
	BATCH("layer add base /srv/base\nlayer add app /srv/app\n");
	ck_assert_int_eq(r.rc, 0);
	ck_assert_str_eq(r.err, "");
	ck_assert_int_eq(fake_nl.opens, 1);
	ck_assert_int_eq(fake_nl.requests, 2);
	ck_assert_str_eq(fake_nl.req->name, "app");
}
END_TEST

START_TEST(test_batch_empty)
{
	BATCH("");
	ck_assert_int_eq(r.rc, 0);
	ck_assert_str_eq(r.out, "");
	ck_assert_str_eq(r.err, "");
	ck_assert_int_eq(fake_nl.opens, 0);

	BATCH("\n   \n# only comments\n\t# and blanks\n\n");
	ck_assert_int_eq(r.rc, 0);
	ck_assert_str_eq(r.err, "");
	ck_assert_int_eq(fake_nl.opens, 0);
}
END_TEST

START_TEST(test_batch_quoting)
{
	BATCH("layer add  app:1.0\t'/srv/my app'  -a '' -m \"it's \\\"new\\\"\" "
	      "--parent=ba\\se\n");
	ck_assert_int_eq(r.rc, 0);
	ck_assert_str_eq(r.err, "");
	ck_assert_str_eq(fake_nl.req->name, "app:1.0");
	ck_assert_str_eq(fake_nl.req->path, "/srv/my app");
	ck_assert_str_eq(fake_nl.req->author, "");
	ck_assert_str_eq(fake_nl.req->message, "it's \"new\"");
	ck_assert_str_eq(fake_nl.req->parent, "base");
}
END_TEST

START_TEST(test_batch_no_final_newline)
{
	BATCH("layer add base /srv/base\nlayer add app /srv/app");
	ck_assert_int_eq(r.rc, 0);
	ck_assert_int_eq(fake_nl.requests, 2);
	ck_assert_str_eq(fake_nl.req->name, "app");
	/* CRLF line ends. */
	BATCH("layer add base /srv/base\r\nlayer add app /srv/app\r\n");
	ck_assert_int_eq(r.rc, 0);
	ck_assert_str_eq(fake_nl.req->path, "/srv/app");
}
END_TEST

START_TEST(test_batch_output)
{
	registry();
	BATCH("layer ls --json\nlayer show app --json\n");
	ck_assert_int_eq(r.rc, 0);
	ck_assert_str_eq(r.err, "");
	ck_assert_int_eq(fake_nl.opens, 1);
	ck_assert_int_eq(fake_nl.requests, 2);
	ck_assert_msg(starts_with(r.out, "[{\"id\":1,\"name\":\"base\""), "%s", r.out);
	ck_assert_ptr_nonnull(strstr(r.out, "]\n{\"id\":2,\"name\":\"app\""));

	/* Help is output, not an error. */
	BATCH("layer rm --help\nhelp layer\n");
	ck_assert_int_eq(r.rc, 0);
	ck_assert_ptr_nonnull(strstr(r.out, "Usage: layerctl layer rm NAME\n"));
	ck_assert_ptr_nonnull(strstr(r.out, "Usage: layerctl layer COMMAND"));
	ck_assert_int_eq(fake_nl.opens, 0);
}
END_TEST

/* A global option is not a command: the line says where it goes. */
START_TEST(test_batch_global_option)
{
	registry();
	BATCH("layer rm base\n"
	      "--store /tmp layer rm app\n");
	ck_assert_int_eq(r.rc, 1);
	ck_assert_str_eq(r.err,
			 "layerctl: batch line 2: '--store': a batch line must start with a command: global options go on the command line\n");
	ck_assert_int_eq(fake_nl.requests, 1);
}
END_TEST

START_TEST(test_batch_stops_at_first_failure)
{
	registry();
	BATCH("layer rm base\n"
	      "# a comment counts as a line\n"
	      "layer rm nope\n"
	      "layer rm app\n");
	ck_assert_int_eq(r.rc, 1);
	ck_assert_str_eq(r.out, "");
	ck_assert_str_eq(r.err,
			 "layerctl: batch line 3: layer 'nope': no such layer (No such file or directory)\n");
	ck_assert_int_eq(fake_nl.requests, 2);
	ck_assert_str_eq(fake_nl.req->name, "nope");
	ck_assert_int_eq(fake_nl.opens, 1);
}
END_TEST

START_TEST(test_batch_force)
{
	registry();
	BATCH_FORCE("layer rm nope\n"
		    "layer rm base\n"
		    "\n"
		    "layer rm Bad\n"
		    "layer rm app\n");
	ck_assert_int_eq(r.rc, 1);
	ck_assert_str_eq(r.err,
			 "layerctl: batch line 1: layer 'nope': no such layer (No such file or directory)\n"
			 "layerctl: batch line 4: layer 'Bad': invalid name: each component must start with [a-z0-9]\n"
			 "layerctl: batch: 2 of 4 commands failed\n");
	/* Every valid line was sent, over one socket. */
	ck_assert_int_eq(fake_nl.requests, 3);
	ck_assert_str_eq(fake_nl.req->name, "app");
	ck_assert_int_eq(fake_nl.opens, 1);

	/* --force with nothing failing: no summary, exit 0. */
	BATCH_FORCE("layer rm base\nlayer rm app\n");
	ck_assert_int_eq(r.rc, 0);
	ck_assert_str_eq(r.err, "");
	ck_assert_int_eq(fake_nl.requests, 2);
}
END_TEST

START_TEST(test_batch_kernel_error_extack)
{
	fake_nl.err = -EEXIST;
	fake_nl.extack = "a layer of that name exists";
	BATCH("layer add base /srv/base\n");
	ck_assert_int_eq(r.rc, 1);
	ck_assert_str_eq(r.err,
			 "layerctl: batch line 1: layer 'base': a layer of that name exists (File exists)\n");
	fake_nl.extack = NULL;
	BATCH("\nlayer add base /srv/base\n");
	ck_assert_str_eq(r.err,
			 "layerctl: batch line 2: layer 'base': File exists\n");
	fake_nl.err = -EPERM;
	BATCH("layer ls\n");
	ck_assert_int_eq(r.rc, 1);
	ck_assert_str_eq(r.err,
			 "layerctl: batch line 1: module 'layerfs': cannot list its layers (Operation not permitted)\n");
}
END_TEST

START_TEST(test_batch_unterminated_quote)
{
	BATCH("layer add base /srv/base\n"
	      "\n"
	      "layer add app '/srv/app\n"
	      "layer add x /srv/x\n");
	ck_assert_int_eq(r.rc, 1);
	ck_assert_str_eq(r.err, "layerctl: batch line 3: unterminated quote\n");
	ck_assert_int_eq(fake_nl.requests, 1);

	BATCH_FORCE("layer add app \"/srv/app\nlayer add x /srv/x\n");
	ck_assert_int_eq(r.rc, 1);
	ck_assert_str_eq(r.err,
			 "layerctl: batch line 1: unterminated quote\n"
			 "layerctl: batch: 1 of 2 commands failed\n");
	ck_assert_int_eq(fake_nl.requests, 1);
	ck_assert_str_eq(fake_nl.req->name, "x");

	BATCH("layer rm base\\\n");
	ck_assert_int_eq(r.rc, 1);
	ck_assert_str_eq(r.err, "layerctl: batch line 1: backslash at end of line\n");
	ck_assert_int_eq(fake_nl.requests, 0);
}
END_TEST

START_TEST(test_batch_too_many_words)
{
	char line[LFS_WORDS_MAX * 4 + 32];
	char *p = line;
	int i;

	p += sprintf(p, "layer ls");
	for (i = 3; i <= LFS_WORDS_MAX; i++)
		p += sprintf(p, " x");
	sprintf(p, "\n");
	BATCH(line);		/* 64 words: split, then refused by ls */
	ck_assert_int_eq(r.rc, 1);
	ck_assert_str_eq(r.err,
			 "layerctl: batch line 1: layer ls: unexpected argument 'x'\n");
	sprintf(p, " x\n");
	BATCH(line);
	ck_assert_int_eq(r.rc, 1);
	ck_assert_str_eq(r.err,
			 "layerctl: batch line 1: too many words (at most 64)\n");
	ck_assert_int_eq(fake_nl.opens, 0);
}
END_TEST

START_TEST(test_batch_long_lines)
{
	/* "layer add base /p -m '<text>'\n" */
	size_t len = LAYERFS_TEXT_MAX + 64;
	char *in = malloc(len), *p;

	ck_assert_ptr_nonnull(in);
	p = in + sprintf(in, "layer add base /p -m '");
	memset(p, 'm', LAYERFS_TEXT_MAX);
	strcpy(p + LAYERFS_TEXT_MAX, "'\n");
	BATCH(in);
	ck_assert_int_eq(r.rc, 0);
	ck_assert_uint_eq(strlen(fake_nl.req->message), LAYERFS_TEXT_MAX);

	/* One byte more: refused by layer add, with the line number. */
	p[LAYERFS_TEXT_MAX] = 'm';
	strcpy(p + LAYERFS_TEXT_MAX + 1, "'\n");
	BATCH(in);
	ck_assert_int_eq(r.rc, 1);
	ck_assert_str_eq(r.err,
			 "layerctl: batch line 1: layer 'base': message is longer than 4095 bytes\n");
	ck_assert_int_eq(fake_nl.requests, 0);
	free(in);
}
END_TEST

START_TEST(test_batch_huge_line)
{
	/* Lines have no length limit of their own: 4 MiB of blanks. */
	size_t len = 4 * 1024 * 1024;
	char *in = malloc(len + 32);

	ck_assert_ptr_nonnull(in);
	memset(in, ' ', len);
	strcpy(in + len, "layer add a /p\n");
	BATCH(in);
	ck_assert_int_eq(r.rc, 0);
	ck_assert_str_eq(fake_nl.req->name, "a");
	free(in);
}
END_TEST

START_TEST(test_batch_nul_byte)
{
	static const char in[] = "layer add a /p\nlayer add b\0x /p\nlayer add c /p\n";

	run_in(in, sizeof(in) - 1, (const char *const[]){ "-b", "-", NULL });
	ck_assert_int_eq(r.rc, 1);
	ck_assert_str_eq(r.err, "layerctl: batch line 2: NUL byte in line\n");
	ck_assert_int_eq(fake_nl.requests, 1);
}
END_TEST

START_TEST(test_batch_no_global_options)
{
	static const char *const lines[] = {
		"-b /tmp/other\n",
		"--batch=-\n",
		"--force layer ls\n",
		"--module /x.ko layer ls\n",
		"-M/x.ko layer ls\n",
		"--help\n",
		"-V\n",
	};
	char want[128];
	size_t i;

	for (i = 0; i < N(lines); i++) {
		BATCH(lines[i]);
		ck_assert_int_eq(r.rc, 1);
		snprintf(want, sizeof(want), "layerctl: batch line 1: '%.*s': ",
			 (int)strcspn(lines[i], " \n"), lines[i]);
		ck_assert_msg(!strncmp(r.err, want, strlen(want)), "%s", r.err);
		ck_assert_ptr_nonnull(strstr(r.err, "must start with a command"));
		ck_assert_int_eq(fake_nl.opens, 0);
	}
}
END_TEST

START_TEST(test_batch_bad_usage)
{
	/* One error line per failure, no usage text. */
	BATCH("layer add base\n");
	ck_assert_int_eq(r.rc, 1);
	ck_assert_str_eq(r.err, "layerctl: batch line 1: layer add: missing PATH\n");
	BATCH("layer rm -x base\n");
	ck_assert_str_eq(r.err, "layerctl: batch line 1: layer rm: unknown option '-x'\n");
	BATCH("layer\n");
	ck_assert_str_eq(r.err, "layerctl: batch line 1: layer: missing command\n");
	BATCH("layer frob\n");
	ck_assert_str_eq(r.err, "layerctl: batch line 1: unknown command 'layer frob'\n");
	BATCH("frob\n");
	ck_assert_str_eq(r.err, "layerctl: batch line 1: unknown command 'frob'\n");
	BATCH("layer --bogus\n");
	ck_assert_str_eq(r.err, "layerctl: batch line 1: layer: unknown option '--bogus'\n");
	ck_assert_int_eq(fake_nl.opens, 0);
}
END_TEST

START_TEST(test_batch_open_failure)
{
	fake_nl.open_err = -ENOENT;
	fake_nl.open_msg = "module 'layerfs': not found";
	BATCH("# first\nlayer ls\nlayer ls\n");
	ck_assert_int_eq(r.rc, 1);
	ck_assert_str_eq(r.err,
			 "layerctl: batch line 2: module 'layerfs': not found\n");
	ck_assert_int_eq(fake_nl.requests, 0);
}
END_TEST

START_TEST(test_batch_usage_errors)
{
	RUN_IN("", "-b", "/nonexistent/batch");
	ck_assert_int_eq(r.rc, 1);
	ck_assert_str_eq(r.err,
			 "layerctl: batch file '/nonexistent/batch': cannot open (No such file or directory)\n");
	RUN_IN("", "-b", "/");
	ck_assert_int_eq(r.rc, 1);
	ck_assert_str_eq(r.err, "layerctl: batch file '/': cannot read (Is a directory)\n");

	RUN_IN("", "-b");
	ck_assert_int_eq(r.rc, 2);
	ck_assert_msg(starts_with(r.err, "layerctl: option '-b' requires an argument\n"),
		      "%s", r.err);
	RUN_IN("", "--batch");
	ck_assert_msg(starts_with(r.err, "layerctl: option '--batch' requires an argument\n"),
		      "%s", r.err);

	RUN_IN("layer ls\n", "-b", "-", "layer", "ls");
	ck_assert_int_eq(r.rc, 2);
	ck_assert_msg(starts_with(r.err, "layerctl: unexpected argument 'layer' after --batch\n"),
		      "%s", r.err);
	ck_assert_ptr_null(strstr(r.err, "Usage: layerctl"));
	ck_assert_ptr_nonnull(strstr(r.err, "\nTry 'layerctl --help'.\n"));
	ck_assert_int_eq(fake_nl.opens, 0);

	RUN_IN("", "--force", "layer", "ls");
	ck_assert_int_eq(r.rc, 2);
	ck_assert_msg(starts_with(r.err, "layerctl: option '--force' needs --batch\n"),
		      "%s", r.err);
	ck_assert_int_eq(fake_nl.opens, 0);
	RUN_IN("", "--force=1", "-b", "-");
	ck_assert_int_eq(r.rc, 2);
	ck_assert_msg(starts_with(r.err, "layerctl: option '--force' doesn't allow an argument\n"),
		      "%s", r.err);
}
END_TEST

START_TEST(test_batch_in_help)
{
	RUN_IN("", "--help");
	ck_assert_int_eq(r.rc, 0);
	ck_assert_ptr_nonnull(strstr(r.out, "layerctl [--module PATH] [--force] --batch FILE\n"));
	ck_assert_ptr_nonnull(strstr(r.out, "  -b, --batch=FILE "));
	ck_assert_ptr_nonnull(strstr(r.out, "      --force "));
}
END_TEST

START_TEST(test_batch_many_lines)
{
	/* 1000 commands, one socket. */
	size_t cap = 1000 * 40, len = 0;
	char *in = malloc(cap);
	int i;

	ck_assert_ptr_nonnull(in);
	for (i = 0; i < 1000; i++)
		len += (size_t)snprintf(in + len, cap - len,
					"layer add scale/l%05d /d/%05d\n", i, i);
	BATCH(in);
	ck_assert_int_eq(r.rc, 0);
	ck_assert_int_eq(fake_nl.opens, 1);
	ck_assert_int_eq(fake_nl.requests, 1000);
	ck_assert_str_eq(fake_nl.req->name, "scale/l00999");
	free(in);
}
END_TEST

Suite *batch_suite(void)
{
	Suite *s = suite_create("batch");
	TCase *split = tcase_create("split");
	TCase *run = tcase_create("run");

	tcase_add_loop_test(split, test_split, 0, (int)N(split_cases));
	tcase_add_test(split, test_split_last_word);
	tcase_add_test(split, test_split_error_texts);
	tcase_add_test(split, test_split_too_many_words);
	tcase_add_test(split, test_split_very_long_line);
	suite_add_tcase(s, split);

	tcase_add_checked_fixture(run, setup, teardown);
	tcase_add_test(run, test_batch_file);
	tcase_add_test(run, test_batch_file_forms);
	tcase_add_test(run, test_batch_stdin);
	tcase_add_test(run, test_batch_empty);
	tcase_add_test(run, test_batch_quoting);
	tcase_add_test(run, test_batch_no_final_newline);
	tcase_add_test(run, test_batch_output);
	tcase_add_test(run, test_batch_global_option);
	tcase_add_test(run, test_batch_stops_at_first_failure);
	tcase_add_test(run, test_batch_force);
	tcase_add_test(run, test_batch_kernel_error_extack);
	tcase_add_test(run, test_batch_unterminated_quote);
	tcase_add_test(run, test_batch_too_many_words);
	tcase_add_test(run, test_batch_long_lines);
	tcase_add_test(run, test_batch_huge_line);
	tcase_add_test(run, test_batch_nul_byte);
	tcase_add_test(run, test_batch_no_global_options);
	tcase_add_test(run, test_batch_bad_usage);
	tcase_add_test(run, test_batch_open_failure);
	tcase_add_test(run, test_batch_usage_errors);
	tcase_add_test(run, test_batch_in_help);
	tcase_add_test(run, test_batch_many_lines);
	suite_add_tcase(s, run);
	return s;
}
