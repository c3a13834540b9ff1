/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "exec-search.h"
#include "tmpdir.h"
#include "util.h"

/* ---- with a stand-in for execve: which candidates are tried, and how failures read ---- */

static struct {
	char tried[16][256];
	size_t n;
	const char *paths[8];
	int errors[8]; /* result for paths[i]; ENOENT for anything else */
} fake;

static void fake_reset(void) { memset(&fake, 0, sizeof(fake)); }

static void fake_set(size_t i, const char *path, int err)
{
	fake.paths[i] = path;
	fake.errors[i] = err;
}

static int fake_execve(const char *path, char *const argv[], char *const envp[])
{
	assert_true(fake.n < 16);
	snprintf(fake.tried[fake.n++], sizeof(fake.tried[0]), "%s", path);
	for (size_t i = 0; i < 8 && fake.paths[i]; i++)
		if (strcmp(fake.paths[i], path) == 0)
			return -fake.errors[i];
	return -ENOENT;
}

static char *const no_argv[] = { (char *)"x", NULL };
static char *const no_env[] = { NULL };

static void test_search_order(void **state)
{
	struct lsl_spawn_error err;

	fake_reset();
	lsl_exec_search("ls", "/a:/b::/c", no_argv, no_env, fake_execve, &err);
	assert_int_equal(fake.n, 4);
	assert_string_equal(fake.tried[0], "/a/ls");
	assert_string_equal(fake.tried[1], "/b/ls");
	assert_string_equal(fake.tried[2], "ls"); /* an empty entry is the current directory */
	assert_string_equal(fake.tried[3], "/c/ls");
	assert_int_equal(err.exit_code, 127);
	assert_int_equal(err.status, -ENOENT);
	assert_string_equal(err.message, "ls: command not found");
}

static void test_search_not_found_kinds(void **state)
{
	struct lsl_spawn_error err;

	/* ENOTDIR, ELOOP, ENAMETOOLONG: keep looking. */
	fake_reset();
	fake_set(0, "/a/ls", ENOTDIR);
	fake_set(1, "/b/ls", ELOOP);
	fake_set(2, "/c/ls", ENAMETOOLONG);
	lsl_exec_search("ls", "/a:/b:/c:/d", no_argv, no_env, fake_execve, &err);
	assert_int_equal(fake.n, 4);
	assert_int_equal(err.exit_code, 127);

	fake_reset();
	lsl_exec_search("ls", "", no_argv, no_env, fake_execve, &err);
	assert_int_equal(err.exit_code, 127);
	lsl_exec_search("ls", NULL, no_argv, no_env, fake_execve, &err);
	assert_int_equal(err.exit_code, 127);
}

static void test_search_permission_remembered(void **state)
{
	struct lsl_spawn_error err;

	fake_reset();
	fake_set(0, "/a/tool", EACCES);
	lsl_exec_search("tool", "/a:/b", no_argv, no_env, fake_execve, &err);
	assert_int_equal(fake.n, 2);
	assert_int_equal(err.exit_code, 126);
	assert_int_equal(err.status, -EACCES);
	assert_string_equal(err.message, "tool: Permission denied");
}

static void test_search_stops_on_other_errors(void **state)
{
	struct lsl_spawn_error err;

	fake_reset();
	fake_set(0, "/b/tool", ENOEXEC);
	lsl_exec_search("tool", "/a:/b:/c", no_argv, no_env, fake_execve, &err);
	assert_int_equal(fake.n, 2);
	assert_int_equal(err.exit_code, 126);
	assert_string_equal(err.message, "tool: Exec format error");

	fake_reset();
	fake_set(0, "/a/tool", E2BIG);
	lsl_exec_search("tool", "/a:/b", no_argv, no_env, fake_execve, &err);
	assert_int_equal(fake.n, 1);
	assert_int_equal(err.exit_code, 126);
	assert_int_equal(err.status, -E2BIG);
}

static void test_direct_path(void **state)
{
	struct lsl_spawn_error err;

	fake_reset();
	lsl_exec_search("./run", "/a:/b", no_argv, no_env, fake_execve, &err);
	assert_int_equal(fake.n, 1);
	assert_string_equal(fake.tried[0], "./run");
	assert_int_equal(err.exit_code, 127);
	assert_string_equal(err.message, "./run: No such file or directory");

	fake_reset();
	fake_set(0, "/x/run", EACCES);
	lsl_exec_search("/x/run", "/a", no_argv, no_env, fake_execve, &err);
	assert_int_equal(err.exit_code, 126);
	assert_string_equal(err.message, "/x/run: Permission denied");
}

static void test_long_names(void **state)
{
	struct lsl_spawn_error err;
	char name[5000];

	memset(name, 'n', sizeof(name) - 1);
	name[sizeof(name) - 1] = 0;
	fake_reset();
	lsl_exec_search(name, "/a", no_argv, no_env, fake_execve, &err);
	/* Never tried: it cannot fit a path; reported as not found, message bounded. */
	assert_int_equal(fake.n, 0);
	assert_int_equal(err.exit_code, 127);
	assert_true(strlen(err.message) < LSL_SPAWN_MESSAGE_MAX);

	lsl_exec_search("", "/a", no_argv, no_env, fake_execve, &err);
	assert_int_equal(err.exit_code, 127);
}

/* ---- with the real execve in temporary directories ---- */

/* Run the search in a child; returns its exit status, and the failure if it reported one. */
static int run_search(const char *name, const char *path, struct lsl_spawn_error *err)
{
	int fds[2], status;
	pid_t pid;
	ssize_t n;

	assert_int_equal(pipe(fds), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		char *const argv[] = { (char *)name, NULL };
		char *const envp[] = { (char *)"PATH=/usr/bin:/bin", NULL };
		struct lsl_spawn_error e;

		close(fds[0]);
		fd_set_cloexec(fds[1], true);
		lsl_exec_search(name, path, argv, envp, lsl_execve, &e);
		(void)!write(fds[1], &e, sizeof(e));
		_exit((int)e.exit_code);
	}
	close(fds[1]);
	memset(err, 0, sizeof(*err));
	n = read(fds[0], err, sizeof(*err));
	close(fds[0]);
	assert_true(n == 0 || n == (ssize_t)sizeof(*err));
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	return WEXITSTATUS(status);
}

static void test_real_exec(void **state)
{
	char *dir = test_mkdtemp();
	char *a = strdup_printf("%s/a", dir), *b = strdup_printf("%s/b", dir);
	char *path = strdup_printf("%s:%s", a, b);
	char *isdir = strdup_printf("%s/a/isdir", dir);
	char *direct = strdup_printf("%s/b/runs", dir);
	struct lsl_spawn_error err;

	test_write(dir, "a/noexec", "#!/bin/sh\nexit 5\n", 0644);
	test_write(dir, "b/noexec", "#!/bin/sh\nexit 6\n", 0755);
	test_write(dir, "a/denied", "#!/bin/sh\nexit 7\n", 0644);
	test_write(dir, "b/runs", "#!/bin/sh\nexit 8\n", 0755);
	test_write(dir, "a/garbage", "\x01\x02\x03 not a program\n", 0755);
	assert_int_equal(mkdir_p(isdir, 0755), 0);

	/* A later directory's runnable file wins over an earlier non-executable one. */
	assert_int_equal(run_search("noexec", path, &err), 6);
	assert_int_equal(run_search("runs", path, &err), 8);

	/* Without any x bit even root gets EACCES. */
	assert_int_equal(run_search("denied", path, &err), 126);
	assert_string_equal(err.message, "denied: Permission denied");
	assert_int_equal(run_search("isdir", path, &err), 126);
	assert_int_equal(run_search("garbage", path, &err), 126);
	assert_string_equal(err.message, "garbage: Exec format error");
	assert_int_equal(run_search("missing", path, &err), 127);
	assert_string_equal(err.message, "missing: command not found");

	assert_int_equal(run_search(direct, "", &err), 8);

	free(isdir);
	free(direct);
	free(a);
	free(b);
	free(path);
	test_rmtree(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_search_order),
		cmocka_unit_test(test_search_not_found_kinds),
		cmocka_unit_test(test_search_permission_remembered),
		cmocka_unit_test(test_search_stops_on_other_errors),
		cmocka_unit_test(test_direct_path),
		cmocka_unit_test(test_long_names),
		cmocka_unit_test(test_real_exec),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
