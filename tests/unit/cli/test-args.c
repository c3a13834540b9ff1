/* SPDX-License-Identifier: MIT */
/* The command line: wsl.exe's options with wsl.exe's meanings. */
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

/* Parse a NULL-terminated list of arguments (after "lsl"); returns parse()'s result. */
static int parse_v(struct lsl_args *a, struct lsl_err *e, const char *cwd, const char *const *args)
{
	char *argv[64];
	int argc = 0;

	argv[argc++] = (char *)"lsl";
	for (; *args; args++) {
		assert_true(argc < 63);
		argv[argc++] = (char *)*args;
	}
	argv[argc] = NULL;
	*e = (struct lsl_err){ 0 };
	return lsl_args_parse(argc, argv, cwd, a, e);
}

#define ARGS(...) ((const char *const[]){ __VA_ARGS__, NULL })
#define NO_ARGS ((const char *const[]){ NULL })

static void ok(struct lsl_args *a, const char *const *args)
{
	struct lsl_err e;
	int r = parse_v(a, &e, CWD, args);
	if (r != 0)
		fail_msg("unexpected parse error: %s", lsl_err_str(&e));
}

/* Parsing fails with a message containing `needle`. */
static void refused(const char *const *args, const char *needle)
{
	struct lsl_args a;
	struct lsl_err e;
	int r = parse_v(&a, &e, CWD, args);

	lsl_args_free(&a);
	assert_int_equal(r, -EINVAL);
	if (!strstr(lsl_err_str(&e), needle))
		fail_msg("'%s' not in '%s'", needle, lsl_err_str(&e));
	/* One line: it is printed as "lsl: <message>". */
	assert_null(strchr(lsl_err_str(&e), '\n'));
}

/* ------------------------------------------------------------------ running */

static void test_nothing_is_login_shell(void **state)
{
	struct lsl_args a;

	ok(&a, NO_ARGS);
	assert_int_equal(a.verb, LSL_VERB_RUN);
	assert_int_equal(a.run_mode, LSL_RUN_MODE_LOGIN);
	assert_null(a.distribution);
	assert_null(a.user);
	assert_null(a.cwd);
	assert_null(a.cmdline);
	assert_null(a.command);
	lsl_args_free(&a);
}

static void test_bare_command_is_joined_for_the_shell(void **state)
{
	struct lsl_args a;

	ok(&a, ARGS("echo", "a  b", "", "$HOME", "-l"));
	assert_int_equal(a.verb, LSL_VERB_RUN);
	assert_int_equal(a.run_mode, LSL_RUN_MODE_SHELL);
	assert_string_equal(a.cmdline, "echo a  b  $HOME -l");
	lsl_args_free(&a);
}

static void test_double_dash(void **state)
{
	struct lsl_args a;

	ok(&a, ARGS("--", "-e", "x", "--", "-d"));
	assert_int_equal(a.run_mode, LSL_RUN_MODE_SHELL);
	assert_string_equal(a.cmdline, "-e x -- -d");
	lsl_args_free(&a);

	/* Nothing after "--": the login shell. */
	ok(&a, ARGS("-d", "deb", "--"));
	assert_int_equal(a.run_mode, LSL_RUN_MODE_LOGIN);
	assert_string_equal(a.distribution, "deb");
	lsl_args_free(&a);
}

static void test_exec(void **state)
{
	struct lsl_args a;

	ok(&a, ARGS("-e", "printf", "[%s]\\n", "a b", "", "--cd"));
	assert_int_equal(a.run_mode, LSL_RUN_MODE_EXEC);
	assert_null(a.cmdline);
	assert_non_null(a.command);
	assert_string_equal(a.command[0], "printf");
	assert_string_equal(a.command[1], "[%s]\\n");
	assert_string_equal(a.command[2], "a b");
	assert_string_equal(a.command[3], "");
	assert_string_equal(a.command[4], "--cd");
	assert_null(a.command[5]);
	lsl_args_free(&a);

	ok(&a, ARGS("--exec", "true"));
	assert_int_equal(a.run_mode, LSL_RUN_MODE_EXEC);
	assert_string_equal(a.command[0], "true");
	assert_null(a.command[1]);
	lsl_args_free(&a);
}

static void test_run_options_combined(void **state)
{
	struct lsl_args a;

	ok(&a, ARGS("-d", "deb", "-u", "alice", "--cd", "/tmp", "-e", "pwd"));
	assert_string_equal(a.distribution, "deb");
	assert_string_equal(a.user, "alice");
	assert_string_equal(a.cwd, "/tmp");
	assert_int_equal(a.run_mode, LSL_RUN_MODE_EXEC);
	lsl_args_free(&a);

	ok(&a, ARGS("--cd", "~", "--user", "1000", "--distribution", "Deb", "id"));
	assert_string_equal(a.distribution, "Deb");
	assert_string_equal(a.user, "1000");
	assert_string_equal(a.cwd, "~");
	assert_int_equal(a.run_mode, LSL_RUN_MODE_SHELL);
	assert_string_equal(a.cmdline, "id");
	lsl_args_free(&a);

	ok(&a, ARGS("--cd", "~/src", "-u", "root"));
	assert_string_equal(a.cwd, "~/src");
	assert_int_equal(a.run_mode, LSL_RUN_MODE_LOGIN);
	lsl_args_free(&a);

	/* The last one counts, as with wsl.exe. */
	ok(&a, ARGS("-d", "one", "-d", "two"));
	assert_string_equal(a.distribution, "two");
	lsl_args_free(&a);
}

static void test_tty_options(void **state)
{
	struct lsl_args a;

	ok(&a, ARGS("-d", "deb", "-e", "true"));
	assert_int_equal(a.tty, LSL_TTY_AUTO);
	lsl_args_free(&a);

	ok(&a, ARGS("--tty", "-d", "deb", "-e", "true"));
	assert_int_equal(a.tty, LSL_TTY_ALWAYS);
	assert_string_equal(a.distribution, "deb");
	assert_int_equal(a.run_mode, LSL_RUN_MODE_EXEC);
	lsl_args_free(&a);

	ok(&a, ARGS("-T", "--", "cat"));
	assert_int_equal(a.tty, LSL_TTY_NEVER);
	assert_string_equal(a.cmdline, "cat");
	lsl_args_free(&a);

	ok(&a, ARGS("--no-tty"));
	assert_int_equal(a.tty, LSL_TTY_NEVER);
	assert_int_equal(a.run_mode, LSL_RUN_MODE_LOGIN);
	lsl_args_free(&a);

	/* The last one counts. */
	ok(&a, ARGS("--tty", "-T", "--tty"));
	assert_int_equal(a.tty, LSL_TTY_ALWAYS);
	lsl_args_free(&a);
	ok(&a, ARGS("--tty", "--no-tty", "id"));
	assert_int_equal(a.tty, LSL_TTY_NEVER);
	lsl_args_free(&a);

	/* After the command they are the command's; -t stays wsl.exe's --terminate. */
	ok(&a, ARGS("ls", "--tty", "-T"));
	assert_int_equal(a.tty, LSL_TTY_AUTO);
	assert_string_equal(a.cmdline, "ls --tty -T");
	lsl_args_free(&a);
	ok(&a, ARGS("-t", "deb"));
	assert_int_equal(a.verb, LSL_VERB_TERMINATE);
	lsl_args_free(&a);

	/* They are run options: not with a management verb. */
	refused(ARGS("--tty", "--list"), "--list cannot be combined with --tty");
	refused(ARGS("-T", "--shutdown"), "--shutdown cannot be combined with -T");
}

static void test_safe_mode(void **state)
{
	struct lsl_args a;

	ok(&a, ARGS("-d", "deb", "-e", "true"));
	assert_false(a.safe_mode);
	lsl_args_free(&a);

	ok(&a, ARGS("--safe-mode", "-d", "deb"));
	assert_true(a.safe_mode);
	assert_int_equal(a.verb, LSL_VERB_RUN);
	assert_int_equal(a.run_mode, LSL_RUN_MODE_LOGIN);
	assert_string_equal(a.distribution, "deb");
	lsl_args_free(&a);

	ok(&a, ARGS("-d", "deb", "--safe-mode", "--", "cat", "/etc/wsl.conf"));
	assert_true(a.safe_mode);
	assert_string_equal(a.cmdline, "cat /etc/wsl.conf");
	lsl_args_free(&a);

	/* After the command it is the command's. */
	ok(&a, ARGS("ls", "--safe-mode"));
	assert_false(a.safe_mode);
	assert_string_equal(a.cmdline, "ls --safe-mode");
	lsl_args_free(&a);

	/* A run option: not with a management verb. */
	refused(ARGS("--safe-mode", "--terminate", "deb"), "--terminate cannot be combined with --safe-mode");
	refused(ARGS("--safe-mode", "--list"), "--list cannot be combined with --safe-mode");
}

static void test_options_after_the_command_belong_to_it(void **state)
{
	struct lsl_args a;

	ok(&a, ARGS("ls", "-d", "x", "--list", "-u", "--help"));
	assert_int_equal(a.verb, LSL_VERB_RUN);
	assert_null(a.distribution);
	assert_null(a.user);
	assert_string_equal(a.cmdline, "ls -d x --list -u --help");
	lsl_args_free(&a);

	ok(&a, ARGS("-d", "deb", "-e", "sh", "-c", "echo", "--version"));
	assert_int_equal(a.verb, LSL_VERB_RUN);
	assert_string_equal(a.command[1], "-c");
	assert_string_equal(a.command[3], "--version");
	lsl_args_free(&a);
}

static void test_cd_must_be_absolute_or_home(void **state)
{
	refused(ARGS("--cd", "rel", "-e", "true"), "--cd: 'rel' must be an absolute path or start with ~");
	refused(ARGS("--cd", "./x"), "must be an absolute path");
	refused(ARGS("--cd", ""), "--cd needs DIR");
	refused(ARGS("--cd"), "--cd needs DIR");
}

static void test_missing_run_operands(void **state)
{
	refused(ARGS("-d"), "-d needs NAME");
	refused(ARGS("--distribution"), "--distribution needs NAME");
	refused(ARGS("-d", ""), "-d needs NAME");
	refused(ARGS("-u"), "-u needs USER");
	refused(ARGS("--user"), "--user needs USER");
	refused(ARGS("-e"), "-e needs CMD");
	refused(ARGS("-d", "x", "--exec"), "--exec needs CMD");
	refused(ARGS("-e", ""), "-e needs CMD");
}

/* ------------------------------------------------------------------ unknown options */

static void test_unknown_options(void **state)
{
	refused(ARGS("--bogus"), "unknown option '--bogus'");
	refused(ARGS("-Z"), "unknown option '-Z'");
	refused(ARGS("-"), "unknown option '-'");
	refused(ARGS("-d", "x", "--frobnicate", "true"), "unknown option '--frobnicate'");
	refused(ARGS("--list", "--bogus"), "unknown option '--bogus'");
	refused(ARGS("--install", "--bogus"), "unknown option '--bogus'");
	/* Combined short options are not wsl.exe's either. */
	refused(ARGS("-lv"), "unknown option '-lv'");
	refused(ARGS("--cd=/tmp"), "unknown option '--cd=/tmp'");
	refused(ARGS("--bogus"), "try 'lsl --help'");
}

/* ------------------------------------------------------------------ management verbs */

static void test_import(void **state)
{
	struct lsl_args a;

	ok(&a, ARGS("--import", "deb", "/srv/lsl/deb", "/tmp/deb.tar.zst"));
	assert_int_equal(a.verb, LSL_VERB_IMPORT);
	assert_string_equal(a.name, "deb");
	assert_string_equal(a.location, "/srv/lsl/deb");
	assert_string_equal(a.file, "/tmp/deb.tar.zst");
	lsl_args_free(&a);

	ok(&a, ARGS("--import", "deb", "distros/./deb/", "-"));
	assert_string_equal(a.location, CWD "/distros/deb");
	assert_string_equal(a.file, "-");
	lsl_args_free(&a);

	ok(&a, ARGS("--import", "deb", "../other/../deb", "x.tar"));
	assert_string_equal(a.location, "/home/me/deb");
	assert_string_equal(a.file, "x.tar"); /* opened by lsl, relative to its cwd */
	lsl_args_free(&a);

	/* The name is the service's to judge (it refuses bad ones and changes nothing). */
	ok(&a, ARGS("--import", "", "/x", "f"));
	assert_string_equal(a.name, "");
	lsl_args_free(&a);
}

static void test_import_refused(void **state)
{
	refused(ARGS("--import"), "--import needs NAME LOCATION FILE");
	refused(ARGS("--import", "name"), "--import needs NAME LOCATION FILE");
	refused(ARGS("--import", "name", "/loc"), "--import needs NAME LOCATION FILE");
	refused(ARGS("--import", "name", "/loc", "f", "extra"), "--import: unexpected argument 'extra'");
	refused(ARGS("--import", "name", "", "f"), "LOCATION is empty");
	refused(ARGS("--import", "name", "/loc", ""), "FILE is empty");
	refused(ARGS("-d", "x", "--import", "n", "/l", "f"), "--import cannot be combined with -d");
}

static void test_import_relative_without_cwd(void **state)
{
	struct lsl_args a;
	struct lsl_err e;
	int r = parse_v(&a, &e, NULL, ARGS("--import", "n", "rel", "f"));

	lsl_args_free(&a);
	assert_int_equal(r, -EINVAL);
	assert_non_null(strstr(lsl_err_str(&e), "'rel'"));

	/* An absolute one needs no cwd. */
	r = parse_v(&a, &e, NULL, ARGS("--import", "n", "/abs//x/.", "f"));
	assert_int_equal(r, 0);
	assert_string_equal(a.location, "/abs/x");
	lsl_args_free(&a);
}

static void test_install(void **state)
{
	struct lsl_args a;

	ok(&a, ARGS("--install"));
	assert_int_equal(a.verb, LSL_VERB_INSTALL);
	assert_string_equal(a.install_distribution, "debian");
	assert_null(a.name);
	assert_null(a.location);
	lsl_args_free(&a);

	ok(&a, ARGS("--install", "debian-bookworm", "--name", "work", "--location", "here"));
	assert_string_equal(a.install_distribution, "debian-bookworm");
	assert_string_equal(a.name, "work");
	assert_string_equal(a.location, CWD "/here");
	lsl_args_free(&a);

	ok(&a, ARGS("--install", "--name", "work", "debian"));
	assert_string_equal(a.install_distribution, "debian");
	assert_string_equal(a.name, "work");
	lsl_args_free(&a);

	ok(&a, ARGS("--install", "-d", "debian"));
	assert_string_equal(a.install_distribution, "debian");
	lsl_args_free(&a);

	refused(ARGS("--install", "a", "b"), "--install: unexpected argument 'b'");
	refused(ARGS("--install", "--name"), "--name needs NAME");
	refused(ARGS("--install", "--location"), "--location needs DIR");
	refused(ARGS("--install", "--location", ""), "--location needs DIR");
}

static void test_list(void **state)
{
	struct lsl_args a;

	ok(&a, ARGS("--list"));
	assert_int_equal(a.verb, LSL_VERB_LIST);
	assert_false(a.verbose || a.quiet || a.running);
	lsl_args_free(&a);

	ok(&a, ARGS("-l", "-v"));
	assert_int_equal(a.verb, LSL_VERB_LIST);
	assert_true(a.verbose);
	lsl_args_free(&a);

	ok(&a, ARGS("--list", "--running", "--quiet", "--verbose"));
	assert_true(a.verbose && a.quiet && a.running);
	lsl_args_free(&a);

	ok(&a, ARGS("-l", "-q"));
	assert_true(a.quiet);
	lsl_args_free(&a);

	refused(ARGS("--list", "name"), "--list: unexpected argument 'name'");
	refused(ARGS("-u", "x", "-l"), "-l cannot be combined with -u");
}

static void test_version_vs_list_verbose(void **state)
{
	struct lsl_args a;

	ok(&a, ARGS("-v"));
	assert_int_equal(a.verb, LSL_VERB_VERSION);
	lsl_args_free(&a);
	ok(&a, ARGS("--version"));
	assert_int_equal(a.verb, LSL_VERB_VERSION);
	lsl_args_free(&a);
	refused(ARGS("--version", "x"), "--version: unexpected argument 'x'");
}

static void test_name_verbs(void **state)
{
	static const struct {
		const char *opt;
		enum lsl_verb verb;
	} cases[] = {
		{ "-s", LSL_VERB_SET_DEFAULT }, { "--set-default", LSL_VERB_SET_DEFAULT },
		{ "-t", LSL_VERB_TERMINATE },   { "--terminate", LSL_VERB_TERMINATE },
		{ "--unregister", LSL_VERB_UNREGISTER },
	};
	char needs[64], extra[64];

	for (size_t k = 0; k < ARRAY_SIZE(cases); k++) {
		struct lsl_args a;

		ok(&a, ARGS(cases[k].opt, "Deb"));
		assert_int_equal(a.verb, cases[k].verb);
		assert_string_equal(a.name, "Deb");
		lsl_args_free(&a);

		snprintf(needs, sizeof(needs), "%s needs NAME", cases[k].opt);
		refused(ARGS(cases[k].opt), needs);
		refused(ARGS(cases[k].opt, ""), needs);
		snprintf(extra, sizeof(extra), "%s: unexpected argument 'more'", cases[k].opt);
		refused(ARGS(cases[k].opt, "Deb", "more"), extra);
	}
}

static void test_shutdown_and_help(void **state)
{
	struct lsl_args a;

	ok(&a, ARGS("--shutdown"));
	assert_int_equal(a.verb, LSL_VERB_SHUTDOWN);
	lsl_args_free(&a);
	refused(ARGS("--shutdown", "now"), "--shutdown: unexpected argument 'now'");

	ok(&a, ARGS("--help"));
	assert_int_equal(a.verb, LSL_VERB_HELP);
	lsl_args_free(&a);
	ok(&a, ARGS("-h"));
	assert_int_equal(a.verb, LSL_VERB_HELP);
	lsl_args_free(&a);
	/* Asking for help is never an error. */
	ok(&a, ARGS("-d", "x", "--help"));
	assert_int_equal(a.verb, LSL_VERB_HELP);
	lsl_args_free(&a);
	ok(&a, ARGS("--list", "--help"));
	assert_int_equal(a.verb, LSL_VERB_HELP);
	lsl_args_free(&a);
	ok(&a, ARGS("--terminate", "x", "--help"));
	assert_int_equal(a.verb, LSL_VERB_HELP);
	lsl_args_free(&a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nothing_is_login_shell),
		cmocka_unit_test(test_bare_command_is_joined_for_the_shell),
		cmocka_unit_test(test_double_dash),
		cmocka_unit_test(test_exec),
		cmocka_unit_test(test_run_options_combined),
		cmocka_unit_test(test_tty_options),
		cmocka_unit_test(test_options_after_the_command_belong_to_it),
		cmocka_unit_test(test_cd_must_be_absolute_or_home),
		cmocka_unit_test(test_missing_run_operands),
		cmocka_unit_test(test_unknown_options),
		cmocka_unit_test(test_import),
		cmocka_unit_test(test_import_refused),
		cmocka_unit_test(test_import_relative_without_cwd),
		cmocka_unit_test(test_safe_mode),
		cmocka_unit_test(test_install),
		cmocka_unit_test(test_list),
		cmocka_unit_test(test_version_vs_list_verbose),
		cmocka_unit_test(test_name_verbs),
		cmocka_unit_test(test_shutdown_and_help),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
