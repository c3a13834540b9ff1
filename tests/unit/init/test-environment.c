/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "environment.h"
#include "tmpdir.h"
#include "util.h"

static struct lsl_user alice = {
	.name = (char *)"alice", .uid = 1000, .gid = 1000, .home = (char *)"/home/alice", .shell = (char *)"/bin/bash",
};

static void check_env(char **env, const char *const *want)
{
	size_t i;

	for (i = 0; want[i]; i++) {
		assert_non_null(env[i]);
		assert_string_equal(env[i], want[i]);
	}
	assert_null(env[i]);
}

static void test_minimal(void **state)
{
	char **env = NULL;
	const char *want[] = { "PATH=" LSL_DEFAULT_PATH, "HOME=/home/alice", "USER=alice", "LOGNAME=alice",
			       "SHELL=/bin/bash", NULL };

	assert_int_equal(lsl_build_environment(&alice, NULL, NULL, NULL, &env), 0);
	check_env(env, want);
	strv_free(env);
}

static void test_caller_values(void **state)
{
	char **env = NULL;
	const char *caller[] = { "FOO=bar", "PATH=/evil", "HOME=/evil", "TERM=xterm-256color", "LANG=en_US.UTF-8",
				 "LSL_DISTRO_NAME=evil", NULL };
	const char *want[] = { "PATH=" LSL_DEFAULT_PATH, "HOME=/home/alice", "USER=alice", "LOGNAME=alice",
			       "SHELL=/bin/bash", "TERM=xterm-256color", "LANG=en_US.UTF-8",
			       "LSL_DISTRO_NAME=debian", NULL };

	assert_int_equal(lsl_build_environment(&alice, caller, NULL, "debian", &env), 0);
	check_env(env, want);
	strv_free(env);
}

static void test_distribution_lang_wins(void **state)
{
	char **env = NULL;
	const char *caller[] = { "LANG=en_US.UTF-8", "TERM=dumb", NULL };
	const char *want[] = { "PATH=" LSL_DEFAULT_PATH, "HOME=/home/alice", "USER=alice", "LOGNAME=alice",
			       "SHELL=/bin/bash", "TERM=dumb", "LANG=de_DE.UTF-8", NULL };

	assert_int_equal(lsl_build_environment(&alice, caller, "de_DE.UTF-8", "", &env), 0);
	check_env(env, want);
	strv_free(env);
}

static void test_malformed_caller_values(void **state)
{
	char **env = NULL;
	char long_term[300];
	const char *want[] = { "PATH=" LSL_DEFAULT_PATH, "HOME=/home/alice", "USER=alice", "LOGNAME=alice",
			       "SHELL=/bin/bash", NULL };
	const char *cases[][3] = {
		{ "TERM=", "LANG=", NULL },
		{ "TERM=xterm 256", "LANG=en\tUS", NULL },
		{ "TERM=x\033]0;", "LANG=\xc3\xa9", NULL },
		{ "TERM", "LANG", NULL },
		{ long_term, NULL, NULL },
	};

	memset(long_term, 'x', sizeof(long_term) - 1);
	long_term[sizeof(long_term) - 1] = 0;
	memcpy(long_term, "TERM=", 5);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(lsl_build_environment(&alice, cases[i], NULL, NULL, &env), 0);
		check_env(env, want);
		strv_free(env);
	}
	assert_true(lsl_env_value_ok("xterm-256color"));
	assert_false(lsl_env_value_ok(NULL));
}

static void test_env_get(void **state)
{
	char *env[] = { (char *)"PATHX=1", (char *)"PATH=/bin", (char *)"PATH=/second", NULL };

	assert_string_equal(lsl_env_get(env, "PATH"), "/bin");
	assert_string_equal(lsl_env_get(env, "PATHX"), "1");
	assert_null(lsl_env_get(env, "PAT"));
	assert_null(lsl_env_get(NULL, "PATH"));
}

static void test_locale(void **state)
{
	char *dir = test_mkdtemp();
	int fd = test_open_dir(dir);
	char *lang = NULL;

	assert_int_equal(lsl_locale_lang_at(fd, &lang), 0);
	assert_null(lang);

	test_write(dir, "etc/locale.conf", "LANG=fr_FR.UTF-8\n", 0644);
	assert_int_equal(lsl_locale_lang_at(fd, &lang), 0);
	assert_string_equal(lang, "fr_FR.UTF-8");
	free(lang);

	/* /etc/default/locale first; its last LANG= wins; quotes removed. */
	test_write(dir, "etc/default/locale", "#LANG=xx\nLANG=C\nLC_ALL=C\nLANG=\"de_DE.UTF-8\"\n", 0644);
	assert_int_equal(lsl_locale_lang_at(fd, &lang), 0);
	assert_string_equal(lang, "de_DE.UTF-8");
	free(lang);

	/* An unusable value there falls back to locale.conf. */
	test_write(dir, "etc/default/locale", "LANG=\"a b\"\n", 0644);
	assert_int_equal(lsl_locale_lang_at(fd, &lang), 0);
	assert_string_equal(lang, "fr_FR.UTF-8");
	free(lang);

	close(fd);
	test_rmtree(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_minimal),
		cmocka_unit_test(test_caller_values),
		cmocka_unit_test(test_distribution_lang_wins),
		cmocka_unit_test(test_malformed_caller_values),
		cmocka_unit_test(test_env_get),
		cmocka_unit_test(test_locale),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
