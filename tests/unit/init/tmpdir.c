/* SPDX-License-Identifier: MIT */
#include "tmpdir.h"

#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "util.h"

char *test_mkdtemp(void)
{
	const char *base = getenv("TMPDIR");
	char *path = strdup_printf("%s/lsl-init-test.XXXXXX", base && *base ? base : "/tmp");

	assert_non_null(path);
	assert_non_null(mkdtemp(path));
	return path;
}

static char *prepare(const char *dir, const char *rel)
{
	char *path = strdup_printf("%s/%s", dir, rel);
	char *slash;

	assert_non_null(path);
	slash = strrchr(path, '/');
	*slash = 0;
	assert_int_equal(mkdir_p(path, 0755), 0);
	*slash = '/';
	return path;
}

void test_write(const char *dir, const char *rel, const char *text, int mode)
{
	char *path = prepare(dir, rel);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);

	assert_true(fd >= 0);
	assert_int_equal(write_full(fd, text, strlen(text)), 0);
	close(fd);
	assert_int_equal(chmod(path, (mode_t)mode), 0);
	free(path);
}

void test_symlink(const char *dir, const char *rel, const char *target)
{
	char *path = prepare(dir, rel);

	assert_int_equal(symlink(target, path), 0);
	free(path);
}

int test_open_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	assert_true(fd >= 0);
	return fd;
}

void test_rmtree(char *dir)
{
	assert_int_equal(rm_rf(dir), 0);
	free(dir);
}
