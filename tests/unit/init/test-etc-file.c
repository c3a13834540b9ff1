/* SPDX-License-Identifier: MIT */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "etc-file.h"
#include "tmpdir.h"
#include "util.h"

static struct stat stat_of(int dir, const char *name)
{
	struct stat st;

	assert_int_equal(fstatat(dir, name, &st, AT_SYMLINK_NOFOLLOW), 0);
	return st;
}

static char *content(int dir, const char *name)
{
	int fd = openat(dir, name, O_RDONLY | O_CLOEXEC);
	char *text = NULL;

	assert_true(fd >= 0);
	assert_int_equal(read_fd_all(fd, 4096, &text, NULL), 0);
	close(fd);
	return text;
}

static void test_write_only_when_changed(void **state)
{
	char *dir = test_mkdtemp();
	int etc = test_open_dir(dir);
	struct stat first, again, changed;
	char *text;

	assert_int_equal(lsl_etc_write(etc, "hosts", "127.0.0.1 localhost\n"), 0);
	first = stat_of(etc, "hosts");
	assert_int_equal(first.st_mode & 07777, 0644);
	/* The same text: the very same file, not a new one. */
	assert_int_equal(lsl_etc_write(etc, "hosts", "127.0.0.1 localhost\n"), 0);
	again = stat_of(etc, "hosts");
	assert_true(again.st_ino == first.st_ino);
	/* Other text: replaced. */
	assert_int_equal(lsl_etc_write(etc, "hosts", "127.0.0.1 other\n"), 0);
	changed = stat_of(etc, "hosts");
	assert_true(changed.st_ino != first.st_ino);
	text = content(etc, "hosts");
	assert_string_equal(text, "127.0.0.1 other\n");
	free(text);
	close(etc);
	test_rmtree(dir);
}

static void test_write_replaces_wrong_mode_and_fifo(void **state)
{
	char *dir = test_mkdtemp();
	int etc = test_open_dir(dir);
	char *text;

	test_write(dir, "hostname", "box\n", 0600);
	assert_int_equal(lsl_etc_write(etc, "hostname", "box\n"), 0);
	assert_int_equal(stat_of(etc, "hostname").st_mode & 07777, 0644);
	/* A FIFO is neither read (no writer: it would block) nor kept. */
	assert_int_equal(mkfifoat(etc, "resolv.conf", 0644), 0);
	assert_int_equal(lsl_etc_write(etc, "resolv.conf", "nameserver 10.0.0.1\n"), 0);
	assert_true(S_ISREG(stat_of(etc, "resolv.conf").st_mode));
	text = content(etc, "resolv.conf");
	assert_string_equal(text, "nameserver 10.0.0.1\n");
	free(text);
	close(etc);
	test_rmtree(dir);
}

static void test_link_only_when_changed(void **state)
{
	char *dir = test_mkdtemp();
	int etc = test_open_dir(dir);
	struct stat first;
	char buf[256];
	ssize_t n;

	assert_int_equal(lsl_etc_link(etc, "localtime", "/usr/share/zoneinfo/Etc/UTC"), 0);
	first = stat_of(etc, "localtime");
	assert_int_equal(lsl_etc_link(etc, "localtime", "/usr/share/zoneinfo/Etc/UTC"), 0);
	assert_true(stat_of(etc, "localtime").st_ino == first.st_ino);
	assert_int_equal(lsl_etc_link(etc, "localtime", "/usr/share/zoneinfo/Europe/Paris"), 0);
	n = readlinkat(etc, "localtime", buf, sizeof(buf) - 1);
	assert_true(n > 0);
	buf[n] = 0;
	assert_string_equal(buf, "/usr/share/zoneinfo/Europe/Paris");
	close(etc);
	test_rmtree(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_write_only_when_changed),
		cmocka_unit_test(test_write_replaces_wrong_mode_and_fifo),
		cmocka_unit_test(test_link_only_when_changed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
