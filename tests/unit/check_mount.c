// SPDX-License-Identifier: GPL-2.0
/*
 * layerctl mount, umount and view ls end to end on the host: command
 * lines, what reaches the kernel, output and error texts, exit codes, with
 * fake_sys.c and fake_nl.c in place of the kernel.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>

#include <linux/layerfs.h>

#include "cmd.h"
#include "fake_nl.h"
#include "fake_sys.h"
#include "run_cmd.h"
#include "suites.h"
#include "usage_hint.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static struct run_result r;

static void setup(void)
{
	fake_nl_reset();
	fake_sys_reset();
	run_result_free(&r);
}

static void teardown(void)
{
	run_result_free(&r);
	fake_nl_reset();
	fake_sys_reset();
}

/*
 * Runs layerctl with the NULL-terminated @args (after "layerctl"), @input
 * as its standard input for "--batch -".
 */
static void run_in(const char *const *args, const char *input)
{
	struct lfs_ctx ctx = { 0 };

	fake_nl.opens = fake_nl.closes = fake_nl.requests = 0;
	fake_sys.mounts = fake_sys.umounts = fake_sys.mountinfo_reads = 0;
	if (input)
		ctx.in = input_of(input, strlen(input));
	run_layerctl(&r, &ctx, args);
}

static void run(const char *const *args)
{
	run_in(args, NULL);
}

#define RUN(...) run((const char *const[]){ __VA_ARGS__, NULL })

static int starts_with(const char *s, const char *prefix)
{
	return !strncmp(s, prefix, strlen(prefix));
}

#define assert_ok_quiet() do {						\
	ck_assert_int_eq(r.rc, 0);					\
	ck_assert_str_eq(r.out, "");					\
	ck_assert_str_eq(r.err, "");					\
} while (0)

#define assert_fails(text) do {						\
	ck_assert_int_eq(r.rc, 1);					\
	ck_assert_str_eq(r.out, "");					\
	ck_assert_str_eq(r.err, text);					\
} while (0)

/* Refused before reaching the kernel. */
#define assert_refused(text) do {					\
	assert_fails(text);						\
	ck_assert_int_eq(fake_sys.mounts, 0);				\
	ck_assert_int_eq(fake_sys.umounts, 0);				\
	ck_assert_int_eq(fake_nl.opens, 0);				\
} while (0)

#define assert_bad_usage(first_line) do {				\
	ck_assert_int_eq(r.rc, 2);					\
	ck_assert_str_eq(r.out, "");					\
	ck_assert_msg(starts_with(r.err, first_line), "stderr: %s", r.err); \
	ck_assert_msg(is_usage_hint(r.err), "stderr: %s", r.err);	\
	ck_assert_int_eq(fake_sys.mounts, 0);				\
	ck_assert_int_eq(fake_sys.umounts, 0);				\
	ck_assert_int_eq(fake_nl.opens, 0);				\
} while (0)

/* ---- help ---- */

static const char *const usages[][3] = {
	{ "mount", NULL, "Usage: layerctl mount --layers TOP:...:BOTTOM [--upper DIR --work DIR] [--name SOURCE] [-o FLAGS] MNT\n" },
	{ "umount", NULL, "Usage: layerctl umount [--lazy] MNT\n" },
	{ "view", "ls", "Usage: layerctl view ls [--json]\n" },
	{ "view", NULL, "Usage: layerctl view COMMAND [ARGS...]\n" },
};

START_TEST(test_help)
{
	const char *cmd = usages[_i][0], *sub = usages[_i][1];
	const char *usage = usages[_i][2];

	if (sub)
		RUN(cmd, sub, "--help");
	else
		RUN(cmd, "--help");
	ck_assert_int_eq(r.rc, 0);
	ck_assert_msg(starts_with(r.out, usage), "stdout: %s", r.out);
	ck_assert_str_eq(r.err, "");
	if (sub)
		RUN("help", cmd, sub);
	else
		RUN("help", cmd);
	ck_assert_int_eq(r.rc, 0);
	ck_assert_msg(starts_with(r.out, usage), "stdout: %s", r.out);
	/* A command's --help wins over anything else on the line. */
	if (sub)
		RUN(cmd, sub, "x", "-h");
	else if (strcmp(cmd, "view"))
		RUN(cmd, "x", "y", "-h");
	ck_assert_int_eq(r.rc, 0);
	ck_assert_msg(starts_with(r.out, usage), "stdout: %s", r.out);
	ck_assert_int_eq(fake_sys.mounts + fake_sys.umounts, 0);
	ck_assert_int_eq(fake_nl.opens, 0);
}
END_TEST

START_TEST(test_help_lists_commands)
{
	RUN("--help");
	ck_assert_int_eq(r.rc, 0);
	ck_assert_ptr_nonnull(strstr(r.out, "\n  mount "));
	ck_assert_ptr_nonnull(strstr(r.out, "\n  umount "));
	ck_assert_ptr_nonnull(strstr(r.out, "\n  view "));
	RUN("view", "--help");
	ck_assert_int_eq(r.rc, 0);
	ck_assert_ptr_nonnull(strstr(r.out, "\n  ls "));
	RUN("view");
	assert_bad_usage("layerctl: view: missing command\n");
	RUN("view", "frob");
	assert_bad_usage("layerctl: unknown command 'view frob'\n");
}
END_TEST

/* ---- mount ---- */

static void assert_layers(const char *const *names, size_t n)
{
	size_t i;

	ck_assert_uint_eq(fake_sys.layers.n, n);
	for (i = 0; i < n; i++)
		ck_assert_str_eq(fake_sys.layers.v[i], names[i]);
}

START_TEST(test_mount_layers)
{
	static const char *const want[] = { "gakki/mytomcat:1.1", "tomcat:9", "base" };

	RUN("mount", "--layers", "gakki/mytomcat\\:1.1:tomcat\\:9:base", "/mnt");
	assert_ok_quiet();
	ck_assert_int_eq(fake_sys.mounts, 1);
	assert_layers(want, N(want));
	ck_assert_str_eq(fake_sys.target, "/mnt");
	ck_assert_ptr_null(fake_sys.source);
	ck_assert_ptr_null(fake_sys.image);
	ck_assert_ptr_null(fake_sys.upper);
	ck_assert_ptr_null(fake_sys.work);
	ck_assert_ptr_null(fake_sys.module);
	/* The new view is looked up: not among the views, so untrusted. */
	ck_assert_int_eq(fake_nl.opens, 1);
	ck_assert_int_eq(fake_sys.attrs_called, 1);
	ck_assert_uint_eq(fake_sys.attr_set, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV);
	ck_assert_uint_eq(fake_sys.attr_clr, 0);
}
END_TEST

START_TEST(test_mount_flags)
{
	/* suid and dev decided: no lookup; the rest applied as given. */
	RUN("mount", "-L", "base", "-o", "suid,dev", "-o", "noexec,ro,noatime",
	    "/mnt");
	assert_ok_quiet();
	ck_assert_int_eq(fake_nl.opens, 0);
	ck_assert_uint_eq(fake_sys.attr_set,
			  MOUNT_ATTR_NOEXEC | MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOATIME);
	ck_assert_uint_eq(fake_sys.attr_clr, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV |
			  MOUNT_ATTR__ATIME);
	/* --options= spelling; a later flag wins. */
	RUN("mount", "-L", "base", "--options=nosuid,suid,dev,exec,noexec", "/mnt");
	assert_ok_quiet();
	ck_assert_uint_eq(fake_sys.attr_set, MOUNT_ATTR_NOEXEC);
	ck_assert_uint_eq(fake_sys.attr_clr, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV);

	RUN("mount", "-L", "base", "-o", "nosuid,bogus", "/mnt");
	assert_bad_usage("layerctl: mount: mount option 'bogus': unknown");
	RUN("mount", "-L", "base", "-o", "ro,,rw", "/mnt");
	assert_bad_usage("layerctl: mount: mount option '': empty");
	RUN("mount", "-L", "base", "-o", "remount", "/mnt");
	assert_bad_usage("layerctl: mount: mount option 'remount': unknown");
}
END_TEST

START_TEST(test_mount_layer_options)
{
	static const char *const want[] = { "app:1.0", "mid", "base", "os:12" };

	/* --layer needs no escaping; it and --layers accumulate in order. */
	RUN("mount", "--layer", "app:1.0", "-L", "mid:base", "/mnt/v",
	    "-l", "os:12", "--upper", "/u", "-w", "/w", "--name=web");
	assert_ok_quiet();
	assert_layers(want, N(want));
	ck_assert_str_eq(fake_sys.target, "/mnt/v");
	ck_assert_str_eq(fake_sys.upper, "/u");
	ck_assert_str_eq(fake_sys.work, "/w");
	ck_assert_str_eq(fake_sys.source, "web");

	/* A relative mount point is passed on as it is. */
	RUN("mount", "--layers=base", "-n", "x", "mnt");
	assert_ok_quiet();
	ck_assert_str_eq(fake_sys.target, "mnt");
	ck_assert_str_eq(fake_sys.source, "x");
}
END_TEST

START_TEST(test_mount_image)
{
	RUN("mount", "gakki/mytomcat:1.1", "/mnt", "--upper", "/u", "--work", "/w");
	assert_ok_quiet();
	ck_assert_str_eq(fake_sys.image, "gakki/mytomcat:1.1");
	ck_assert_uint_eq(fake_sys.layers.n, 0);
	ck_assert_str_eq(fake_sys.target, "/mnt");
	ck_assert_str_eq(fake_sys.upper, "/u");

	RUN("mount", "-u", "/u", "-w", "/w", "--", "base", "/m");
	assert_ok_quiet();
	ck_assert_str_eq(fake_sys.image, "base");
	ck_assert_str_eq(fake_sys.target, "/m");
}
END_TEST

START_TEST(test_mount_module)
{
	const char *args[] = { "--module", "/tmp/layerfs.ko", "mount",
			       "--layers", "a", "/mnt", NULL };

	run(args);
	assert_ok_quiet();
	ck_assert_str_eq(fake_sys.module, "/tmp/layerfs.ko");
}
END_TEST

/* A stack of 4,096 layers in one --layers, and the registry's limit. */
START_TEST(test_mount_many_layers)
{
	const size_t n = LAYERFS_LAYERS_MAX + 1;
	char *list = malloc(n * 8 + 1), *p = list;
	size_t i;

	ck_assert_ptr_nonnull(list);
	for (i = 0; i < 4096; i++)
		p += sprintf(p, "%sl%05zu", i ? ":" : "", i + 1);
	RUN("mount", "--layers", list, "/mnt");
	assert_ok_quiet();
	ck_assert_uint_eq(fake_sys.layers.n, 4096);
	ck_assert_str_eq(fake_sys.layers.v[0], "l00001");
	ck_assert_str_eq(fake_sys.layers.v[4095], "l04096");

	for (; i < n; i++)
		p += sprintf(p, ":l%05zu", i + 1);
	RUN("mount", "--layers", list, "/mnt");
	assert_refused("layerctl: mount: 65537 layers, more than 65536\n");
	free(list);
}
END_TEST

START_TEST(test_mount_refusals)
{
	RUN("mount", "--layers", "a::b", "/mnt");
	assert_refused("layerctl: layer '': invalid name: empty name\n");
	RUN("mount", "--layers", "a:Bad", "/mnt");
	assert_refused("layerctl: layer 'Bad': invalid name: each component must start with [a-z0-9]\n");
	RUN("mount", "--layer", "gakki/app\\:1", "/mnt");
	assert_refused("layerctl: layer 'gakki/app\\\\:1': invalid name: only [a-z0-9._-] and '/' may appear before the tag\n");
	RUN("mount", "Bad", "/mnt");
	assert_refused("layerctl: image 'Bad': invalid name: each component must start with [a-z0-9]\n");
	RUN("mount", "-L", "a", "-u", "rel/u", "-w", "/w", "/mnt");
	assert_refused("layerctl: view '/mnt': upper 'rel/u': not an absolute path\n");
	RUN("mount", "-L", "a", "-u", "/u", "-w", "w", "/mnt");
	assert_refused("layerctl: view '/mnt': work 'w': not an absolute path\n");
	RUN("mount", "-L", "a", "-n", "", "/mnt");
	assert_refused("layerctl: view '/mnt': name '': empty\n");
}
END_TEST

START_TEST(test_mount_fsconfig_limit)
{
	char dir[300], name[300];

	memset(dir, 'd', sizeof(dir));
	dir[0] = '/';
	dir[256] = '\0';	/* 256 bytes: one too many */
	RUN("mount", "-L", "a", "-u", dir, "-w", "/w", "/m");
	ck_assert_int_eq(r.rc, 1);
	ck_assert_msg(starts_with(r.err, "layerctl: view '/m': upper '/ddd"), "%s", r.err);
	ck_assert_msg(strstr(r.err, "': longer than 255 bytes, the most fsconfig(2) takes\n"),
		      "%s", r.err);
	ck_assert_int_eq(fake_sys.mounts, 0);
	dir[255] = '\0';	/* 255 bytes: fine */
	RUN("mount", "-L", "a", "-u", dir, "-w", "/w", "/m");
	assert_ok_quiet();
	ck_assert_str_eq(fake_sys.upper, dir);

	memset(name, 'n', sizeof(name));
	name[256] = '\0';
	RUN("mount", "-L", "a", "-n", name, "/m");
	ck_assert_int_eq(r.rc, 1);
	ck_assert_msg(strstr(r.err, "': longer than 255 bytes, the most fsconfig(2) takes\n"),
		      "%s", r.err);
	ck_assert_int_eq(fake_sys.mounts, 0);
}
END_TEST

START_TEST(test_mount_bad_usage)
{
	RUN("mount");
	assert_bad_usage("layerctl: mount: missing the layers (--layers, --layer or REF) and MNT\n");
	RUN("mount", "/mnt");
	assert_bad_usage("layerctl: mount: one argument: give REF MNT, or --layers/--layer and MNT\n");
	RUN("mount", "--layers", "a");
	assert_bad_usage("layerctl: mount: missing MNT\n");
	RUN("mount", "--layers", "a", "base", "/mnt");
	assert_bad_usage("layerctl: mount: unexpected argument '/mnt' (give either --layers/--layer or an image REF)\n");
	RUN("mount", "base", "/mnt", "extra");
	assert_bad_usage("layerctl: mount: unexpected argument 'extra'\n");
	RUN("mount", "-L", "a", "--upper", "/u", "/mnt");
	assert_bad_usage("layerctl: mount: --upper and --work go together\n");
	RUN("mount", "base", "/mnt", "--work", "/w");
	assert_bad_usage("layerctl: mount: --upper and --work go together\n");
	RUN("mount", "--layers");
	assert_bad_usage("layerctl: mount: option '--layers' requires an argument\n");
	RUN("mount", "--bogus", "a", "/m");
	assert_bad_usage("layerctl: mount: unknown option '--bogus'\n");
}
END_TEST

START_TEST(test_mount_kernel_errors)
{
	fake_sys.mount_err = -ENOENT;
	fake_sys.mount_why = "unknown layer 'x'";
	RUN("mount", "--layers", "a:x", "/mnt");
	assert_fails("layerctl: view '/mnt': unknown layer 'x' (No such file or directory)\n");
	ck_assert_int_eq(fake_sys.mounts, 1);

	fake_sys.mount_err = -EBUSY;
	fake_sys.mount_why = "upper or work is in use by view 1";
	RUN("mount", "base", "/m\tx", "-u", "/u", "-w", "/w");
	assert_fails("layerctl: view '/m\\tx': upper or work is in use by view 1 (Device or resource busy)\n");

	fake_sys.mount_err = -EPERM;
	fake_sys.mount_why = NULL;
	RUN("mount", "base", "/mnt");
	assert_fails("layerctl: view '/mnt': Operation not permitted\n");
}
END_TEST

START_TEST(test_mount_batch)
{
	static const char *const want[] = { "gakki/app:1.1", "base" };
	const char *args[] = { "--batch", "-", NULL };

	run_in(args,
		 "# two views\n"
		 "mount --layers 'gakki/app\\:1.1:base' /a\n"
		 "mount --layer gakki/app:1.1 --layer base /b -u /u -w /w\n");
	assert_ok_quiet();
	ck_assert_int_eq(fake_sys.mounts, 2);
	assert_layers(want, N(want));
	ck_assert_str_eq(fake_sys.target, "/b");

	fake_sys.mount_err = -ENOENT;
	fake_sys.mount_why = "unknown image 'nope'";
	run_in(args, "mount nope /a\n");
	assert_fails("layerctl: batch line 1: view '/a': unknown image 'nope' (No such file or directory)\n");
}
END_TEST

/* ---- umount ---- */

START_TEST(test_umount)
{
	RUN("umount", "/mnt");
	assert_ok_quiet();
	ck_assert_int_eq(fake_sys.umounts, 1);
	ck_assert_str_eq(fake_sys.umount_target, "/mnt");
	ck_assert_int_eq(fake_sys.lazy, 0);
	RUN("umount", "--lazy", "/mnt");
	assert_ok_quiet();
	ck_assert_int_eq(fake_sys.lazy, 1);
	RUN("umount", "/x", "-l");
	assert_ok_quiet();
	ck_assert_int_eq(fake_sys.lazy, 1);
	ck_assert_str_eq(fake_sys.umount_target, "/x");
	ck_assert_int_eq(fake_nl.opens, 0);
}
END_TEST

START_TEST(test_umount_errors)
{
	fake_sys.umount_err = -EINVAL;
	fake_sys.umount_why = "not a layerfs view";
	RUN("umount", "/tmp");
	assert_fails("layerctl: view '/tmp': not a layerfs view (Invalid argument)\n");

	fake_sys.umount_err = -EBUSY;
	fake_sys.umount_why = "the view is in use";
	RUN("umount", "/mnt");
	assert_fails("layerctl: view '/mnt': the view is in use (Device or resource busy)\n");

	fake_sys.umount_err = -ENOENT;
	fake_sys.umount_why = NULL;
	RUN("umount", "/nope");
	assert_fails("layerctl: view '/nope': No such file or directory\n");

	RUN("umount");
	assert_bad_usage("layerctl: umount: missing MNT\n");
	RUN("umount", "/a", "/b");
	assert_bad_usage("layerctl: umount: unexpected argument '/b'\n");
	RUN("umount", "-f", "/a");
	assert_bad_usage("layerctl: umount: unknown option '-f'\n");
}
END_TEST

/* ---- view ls ---- */

static const char *web_top[] = { "app:1", "mid" };
static const char *web_bottom[] = { "base" };
static const char *ro_names[] = { "base" };

/* View 1 split over two messages, as in check_view.c; view 2 read-only. */
static const struct lfs_view_part web1 = {
	.id = 1, .dev = 45, .nlayers = 3, .first = 0, .source = "web",
	.image = "app:1", .upper = "/u", .work = "/w",
	.names = web_top, .nnames = 2,
};
static const struct lfs_view_part web2 = {
	.id = 1, .dev = 45, .nlayers = 3, .first = 2, .source = "web",
	.names = web_bottom, .nnames = 1,
};
static const struct lfs_view_part ro = {
	.id = 2, .dev = 46, .nlayers = 1, .flags = LAYERFS_VIEW_F_RDONLY,
	.source = "layerfs", .names = ro_names, .nnames = 1,
};

static void views(void)
{
	fake_nl.view_parts[0] = &web1;
	fake_nl.view_parts[1] = &web2;
	fake_nl.view_parts[2] = &ro;
	fake_nl.n_view_parts = 3;
	fake_sys.mountinfo =
		"22 1 0:21 / / rw - tmpfs rootfs rw\n"
		"35 22 0:45 / /mnt/web rw,nosuid,nodev,relatime shared:12 - layerfs web rw,image=app:1\n"
		"36 22 0:46 / /ro ro - layerfs layerfs ro,layers=base\n"
		"37 22 0:45 / /srv/web rw - layerfs web rw,image=app:1\n";
}

START_TEST(test_view_ls)
{
	views();
	RUN("view", "ls");
	ck_assert_int_eq(r.rc, 0);
	ck_assert_str_eq(r.err, "");
	ck_assert_str_eq(r.out,
		"ID   MOUNTPOINT          LAYERS            UPPER   MODE\n"
		"1    /mnt/web,/srv/web   app\\:1:mid:base   /u      rw,nosuid,nodev\n"
		"2    /ro                 base              -       ro\n");
	ck_assert_int_eq(fake_nl.cmd, LAYERFS_CMD_VIEW_GET);
	ck_assert_int_eq(fake_nl.dump, 1);
	ck_assert_int_eq(fake_sys.mountinfo_reads, 1);
}
END_TEST

START_TEST(test_view_ls_json)
{
	views();
	RUN("view", "ls", "--json");
	ck_assert_int_eq(r.rc, 0);
	ck_assert_str_eq(r.err, "");
	ck_assert_str_eq(r.out,
		"[{\"id\":1,\"dev\":\"0:45\",\"source\":\"web\","
		"\"mountpoints\":[\"/mnt/web\",\"/srv/web\"],\"image\":\"app:1\","
		"\"layers\":[\"app:1\",\"mid\",\"base\"],\"upper\":\"/u\","
		"\"work\":\"/w\",\"readonly\":false,\"indexed\":false,"
		"\"mount_options\":[\"rw\",\"nosuid\",\"nodev\",\"relatime\"]},"
		"{\"id\":2,\"dev\":\"0:46\",\"source\":\"layerfs\","
		"\"mountpoints\":[\"/ro\"],\"layers\":[\"base\"],"
		"\"readonly\":true,\"indexed\":false,\"mount_options\":[\"ro\"]}]\n");
}
END_TEST

START_TEST(test_view_ls_empty)
{
	RUN("view", "ls");
	ck_assert_int_eq(r.rc, 0);
	ck_assert_str_eq(r.out, "ID   MOUNTPOINT   LAYERS   UPPER   MODE\n");
	RUN("view", "ls", "-j");
	ck_assert_int_eq(r.rc, 0);
	ck_assert_str_eq(r.out, "[]\n");
}
END_TEST

START_TEST(test_view_ls_errors)
{
	fake_nl.err = -EPERM;
	fake_nl.extack = "CAP_SYS_ADMIN required";
	RUN("view", "ls");
	assert_fails("layerctl: module 'layerfs': cannot list its views: CAP_SYS_ADMIN required (Operation not permitted)\n");
	fake_nl.extack = NULL;
	RUN("view", "ls");
	assert_fails("layerctl: module 'layerfs': cannot list its views (Operation not permitted)\n");
	fake_nl_reset();

	/* The second message of view 1 without the first. */
	fake_nl.view_parts[0] = &web2;
	fake_nl.n_view_parts = 1;
	RUN("view", "ls");
	assert_fails("layerctl: module 'layerfs': cannot list its views: malformed reply: view 1 continues at layer 2 without its start (Bad message)\n");
	fake_nl_reset();

	views();
	fake_sys.mountinfo_err = -ENOENT;
	RUN("view", "ls", "--json");
	assert_fails("layerctl: file '/proc/self/mountinfo': cannot read it (No such file or directory)\n");

	RUN("view", "ls", "x");
	assert_bad_usage("layerctl: view ls: unexpected argument 'x'\n");
	RUN("view", "ls", "--jsn");
	assert_bad_usage("layerctl: view ls: unknown option '--jsn'\n");
}
END_TEST

Suite *mount_suite(void)
{
	Suite *s = suite_create("mount");
	TCase *help = tcase_create("help");
	TCase *mount = tcase_create("mount");
	TCase *umount = tcase_create("umount");
	TCase *ls = tcase_create("view-ls");
	TCase *all[] = { help, mount, umount, ls };
	size_t i;

	for (i = 0; i < N(all); i++)
		tcase_add_checked_fixture(all[i], setup, teardown);

	tcase_add_loop_test(help, test_help, 0, (int)N(usages));
	tcase_add_test(help, test_help_lists_commands);

	tcase_add_test(mount, test_mount_layers);
	tcase_add_test(mount, test_mount_flags);
	tcase_add_test(mount, test_mount_layer_options);
	tcase_add_test(mount, test_mount_image);
	tcase_add_test(mount, test_mount_module);
	tcase_add_test(mount, test_mount_many_layers);
	tcase_add_test(mount, test_mount_refusals);
	tcase_add_test(mount, test_mount_fsconfig_limit);
	tcase_add_test(mount, test_mount_bad_usage);
	tcase_add_test(mount, test_mount_kernel_errors);
	tcase_add_test(mount, test_mount_batch);

	tcase_add_test(umount, test_umount);
	tcase_add_test(umount, test_umount_errors);

	tcase_add_test(ls, test_view_ls);
	tcase_add_test(ls, test_view_ls_json);
	tcase_add_test(ls, test_view_ls_empty);
	tcase_add_test(ls, test_view_ls_errors);

	for (i = 0; i < N(all); i++)
		suite_add_tcase(s, all[i]);
	return s;
}
