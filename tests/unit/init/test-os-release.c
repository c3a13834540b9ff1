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

#include "kv-file.h"
#include "os-release.h"
#include "tmpdir.h"

static void check_kv(const char *text, const char *key, const char *want)
{
	char *v = NULL;
	int r = lsl_kv_get(text, key, &v);

	if (!want) {
		assert_int_equal(r, -ENOENT);
		return;
	}
	assert_int_equal(r, 0);
	assert_string_equal(v, want);
	free(v);
}

static void test_kv_values(void **state)
{
	check_kv("ID=debian\n", "ID", "debian");
	check_kv("ID=\"debian\"\n", "ID", "debian");
	check_kv("ID='debian'\n", "ID", "debian");
	check_kv("NAME=\"Debian GNU/Linux\"\n", "NAME", "Debian GNU/Linux");
	check_kv("X=\"a \\\"q\\\" \\\\ \\$ \\`\"\n", "X", "a \"q\" \\ $ `");
	check_kv("X='a \\ b'\n", "X", "a \\ b");
	check_kv("X=a\\ b\n", "X", "a b");
	check_kv("X=\"a\"'b'c\n", "X", "abc");
	check_kv("X=\n", "X", "");
	check_kv("X=\"\"\n", "X", "");
	check_kv("X=v # comment\n", "X", "v");
	check_kv("X=v\r\n", "X", "v");
	check_kv("  export X=v\n", "X", "v");
	check_kv("\tX=v", "X", "v");
}

static void test_kv_lines(void **state)
{
	/* The last valid assignment wins; malformed ones change nothing. */
	check_kv("ID=a\nID=b\n", "ID", "b");
	check_kv("ID=a\nID=\"unterminated\n", "ID", "a");
	check_kv("ID=a\nID='open\n", "ID", "a");
	check_kv("ID=a\nID=two words\n", "ID", "a");
	check_kv("ID=a\nID=$(rm -rf /)\n", "ID", "a");
	check_kv("ID=a\nID=x;y\n", "ID", "a");
	check_kv("ID=a\nID=trailing\\\n", "ID", "a");
	/* Comments, other keys, prefixes of the key, spaces around '='. */
	check_kv("#ID=x\n", "ID", NULL);
	check_kv("IDX=x\nVERSION_ID=1\n", "ID", NULL);
	check_kv("ID =x\n", "ID", NULL);
	check_kv("ID\n", "ID", NULL);
	check_kv("", "ID", NULL);
	check_kv("exportID=x\n", "ID", NULL);
}

static void test_kv_long_line(void **state)
{
	size_t n = LSL_KV_LINE_MAX + 10;
	char *text = malloc(n + 32);

	assert_non_null(text);
	strcpy(text, "ID=ok\nID=");
	memset(text + 9, 'x', n);
	strcpy(text + 9 + n, "\n");
	check_kv(text, "ID", "ok");
	free(text);
}

static void check_os(const char *text, const char *id, const char *version)
{
	char *i = NULL, *v = NULL;

	assert_int_equal(lsl_os_release_parse(text, &i, &v), 0);
	if (id)
		assert_string_equal(i, id);
	else
		assert_null(i);
	if (version)
		assert_string_equal(v, version);
	else
		assert_null(v);
	free(i);
	free(v);
}

static void test_os_release_parse(void **state)
{
	check_os("PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nNAME=\"Debian GNU/Linux\"\n"
		 "VERSION_ID=\"12\"\nVERSION=\"12 (bookworm)\"\nID=debian\n",
		 "debian", "12");
	check_os("ID='alpine'\nVERSION_ID='3.19.1'\n", "alpine", "3.19.1");
	check_os("ID=arch\n", "arch", NULL);
	check_os("NAME=x\n", NULL, NULL);
	check_os("ID=\"bad\x01id\"\nVERSION_ID=1\n", NULL, "1");
	check_os("ID=\"\"\n", NULL, NULL);
}

static void test_os_release_files(void **state)
{
	char *dir = test_mkdtemp();
	int fd = test_open_dir(dir);
	char *i = NULL, *v = NULL;

	assert_int_equal(lsl_os_release_at(fd, &i, &v), 0);
	assert_null(i);
	assert_null(v);

	/* The usual layout: /etc/os-release links to ../usr/lib/os-release. */
	test_write(dir, "usr/lib/os-release", "ID=fedora\nVERSION_ID=40\n", 0644);
	assert_int_equal(lsl_os_release_at(fd, &i, &v), 0);
	assert_string_equal(i, "fedora");
	assert_string_equal(v, "40");
	free(i);
	free(v);

	test_symlink(dir, "etc/os-release", "../usr/lib/os-release");
	assert_int_equal(lsl_os_release_at(fd, &i, &v), 0);
	assert_string_equal(i, "fedora");
	free(i);
	free(v);

	close(fd);
	test_rmtree(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kv_values),
		cmocka_unit_test(test_kv_lines),
		cmocka_unit_test(test_kv_long_line),
		cmocka_unit_test(test_os_release_parse),
		cmocka_unit_test(test_os_release_files),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
