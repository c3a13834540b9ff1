/* SPDX-License-Identifier: MIT */
/* The command line of disks and images: --import options, --import-in-place, --export, --manage, --mount. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "args.h"
#include "util.h"

#define CWD "/home/me/work"
#define ARGS(...) ((const char *const[]){ __VA_ARGS__, NULL })

static int parse_v(struct lsl_args *a, struct lsl_err *e, const char *const *args)
{
	char *argv[64];
	int argc = 0;

	argv[argc++] = (char *)"lsl";
	for (; *args; args++)
		argv[argc++] = (char *)*args;
	argv[argc] = NULL;
	*e = (struct lsl_err){ 0 };
	return lsl_args_parse(argc, argv, CWD, a, e);
}

static void ok(struct lsl_args *a, const char *const *args)
{
	struct lsl_err e;
	if (parse_v(a, &e, args) != 0)
		fail_msg("unexpected parse error: %s", lsl_err_str(&e));
}

static void refused(const char *const *args, const char *needle)
{
	struct lsl_args a;
	struct lsl_err e;
	int r = parse_v(&a, &e, args);

	lsl_args_free(&a);
	assert_true(r < 0);
	if (!strstr(lsl_err_str(&e), needle))
		fail_msg("'%s' not in '%s'", needle, lsl_err_str(&e));
	assert_null(strchr(lsl_err_str(&e), '\n'));
}

static void test_import_options(void **state)
{
	struct lsl_args a;

	ok(&a, ARGS("--import", "d", "loc", "f.img", "--vhd"));
	assert_int_equal(a.verb, LSL_VERB_IMPORT);
	assert_true(a.vhd);
	assert_false(a.image);
	assert_string_equal(a.location, CWD "/loc");
	lsl_args_free(&a);

	ok(&a, ARGS("--import", "d", "/loc", "f.tar", "--format", "image", "--size", "10G", "--version", "2"));
	assert_true(a.image);
	assert_int_equal(a.size, UINT64_C(10) << 30);
	lsl_args_free(&a);

	ok(&a, ARGS("--import", "d", "/loc", "f.tar", "--format", "tar"));
	assert_false(a.image);
	lsl_args_free(&a);

	refused(ARGS("--import", "d", "/loc", "f", "--vhd", "--format", "image"), "cannot be combined");
	refused(ARGS("--import", "d", "/loc", "f", "--size", "1G"), "--size needs --format image");
	refused(ARGS("--import", "d", "/loc", "f", "--format", "image", "--size", "lots"), "not a size");
	refused(ARGS("--import", "d", "/loc", "f", "--format", "zip"), "'image' or 'tar'");
	refused(ARGS("--import", "d", "/loc", "f", "--bogus"), "unknown option '--bogus'");
	refused(ARGS("--import", "d", "/loc", "f", "--size"), "--size needs SIZE");
}

static void test_import_in_place(void **state)
{
	struct lsl_args a;

	ok(&a, ARGS("--import-in-place", "d", "disks/../my.img"));
	assert_int_equal(a.verb, LSL_VERB_IMPORT_IN_PLACE);
	assert_string_equal(a.name, "d");
	assert_string_equal(a.path, CWD "/my.img");
	lsl_args_free(&a);
	refused(ARGS("--import-in-place", "d"), "needs NAME FILE");
	refused(ARGS("--import-in-place", "d", "x", "y"), "unexpected argument 'y'");
}

static void test_export(void **state)
{
	struct lsl_args a;

	ok(&a, ARGS("--export", "d", "out.tar.xz"));
	assert_int_equal(a.verb, LSL_VERB_EXPORT);
	assert_int_equal(a.export_format, LSL_EXPORT_TAR_XZ);
	assert_string_equal(a.file, "out.tar.xz");
	lsl_args_free(&a);

	ok(&a, ARGS("--export", "d", "-"));
	assert_int_equal(a.export_format, LSL_EXPORT_TAR);
	lsl_args_free(&a);

	ok(&a, ARGS("--export", "d", "out", "--format", "tar.zst"));
	assert_int_equal(a.export_format, LSL_EXPORT_TAR_ZST);
	lsl_args_free(&a);

	ok(&a, ARGS("--export", "d", "disk.tar", "--vhd"));
	assert_int_equal(a.export_format, LSL_EXPORT_VHD);
	assert_true(a.vhd);
	lsl_args_free(&a);

	refused(ARGS("--export", "d"), "needs NAME FILE");
	refused(ARGS("--export", "d", "f", "--format", "rar"), "unknown format 'rar'");
	refused(ARGS("-d", "x", "--export", "d", "f"), "cannot be combined");
}

static void test_manage(void **state)
{
	struct lsl_args a;

	ok(&a, ARGS("--manage", "d", "--resize", "1.5G"));
	assert_int_equal(a.verb, LSL_VERB_MANAGE);
	assert_int_equal(a.manage, LSL_MANAGE_RESIZE);
	assert_int_equal(a.size, (UINT64_C(3) << 30) / 2);
	lsl_args_free(&a);

	ok(&a, ARGS("--manage", "d", "--set-default-user", "alice"));
	assert_int_equal(a.manage, LSL_MANAGE_SET_DEFAULT_USER);
	assert_string_equal(a.manage_user, "alice");
	lsl_args_free(&a);

	ok(&a, ARGS("--manage", "d", "--move", "there"));
	assert_int_equal(a.manage, LSL_MANAGE_MOVE);
	assert_string_equal(a.location, CWD "/there");
	lsl_args_free(&a);

	refused(ARGS("--manage", "d"), "needs an action");
	refused(ARGS("--manage", "d", "--resize", "1G", "--move", "/x"), "one action at a time");
	refused(ARGS("--manage", "d", "--resize", "big"), "not a size");
	refused(ARGS("--manage", "d", "--frobnicate"), "unknown option");
}

static void test_mount(void **state)
{
	struct lsl_args a;

	ok(&a, ARGS("--mount", "/dev/sdb", "--partition", "2", "-t", "xfs", "-o", "ro,noatime", "--name", "data"));
	assert_int_equal(a.verb, LSL_VERB_MOUNT);
	assert_string_equal(a.path, "/dev/sdb");
	assert_int_equal(a.partition, 2);
	assert_string_equal(a.fs_type, "xfs");
	assert_string_equal(a.mount_options, "ro,noatime");
	assert_string_equal(a.mount_name, "data");
	lsl_args_free(&a);

	ok(&a, ARGS("--mount", "disk.img", "--vhd", "--bare"));
	assert_string_equal(a.path, CWD "/disk.img");
	assert_true(a.vhd && a.bare);
	lsl_args_free(&a);

	refused(ARGS("--mount"), "needs DISK");
	refused(ARGS("--mount", "/d", "--partition", "0"), "not a partition number");
	refused(ARGS("--mount", "/d", "--partition", "x"), "not a partition number");
	refused(ARGS("--mount", "/d", "--name", "a/b"), "invalid name");
	refused(ARGS("--mount", "/d", "--bare", "--name", "n"), "--bare mounts nothing");

	ok(&a, ARGS("--unmount"));
	assert_int_equal(a.verb, LSL_VERB_UNMOUNT);
	assert_null(a.path);
	lsl_args_free(&a);
	ok(&a, ARGS("--unmount", "data"));
	assert_string_equal(a.path, "data");
	lsl_args_free(&a);
	ok(&a, ARGS("--unmount", "./disk.img"));
	assert_string_equal(a.path, CWD "/disk.img");
	lsl_args_free(&a);
	refused(ARGS("--unmount", "a", "b"), "unexpected argument 'b'");

	ok(&a, ARGS("--list", "--mounts", "-q"));
	assert_int_equal(a.verb, LSL_VERB_LIST);
	assert_true(a.mounts && a.quiet);
	lsl_args_free(&a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_import_options),
		cmocka_unit_test(test_import_in_place),
		cmocka_unit_test(test_export),
		cmocka_unit_test(test_manage),
		cmocka_unit_test(test_mount),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
