/* SPDX-License-Identifier: MIT */
#include <errno.h>
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

#include "passwd.h"
#include "tmpdir.h"
#include "util.h"

static const char PASSWD[] =
	"# a comment\n"
	"root:x:0:0:root:/root:/bin/bash\n"
	"\n"
	"+nisuser::::::\n"
	"-baduser:x:7:7::/:/bin/sh\n"
	"+@netgroup\n"
	"short:x:5:5\n"
	"toomany:x:5:5:a:/b:/bin/sh:extra\n"
	"nonnum:x:abc:5::/:/bin/sh\n"
	"minus1:x:4294967295:5::/:/bin/sh\n"
	"badgid:x:9:-1::/:/bin/sh\n"
	":x:11:11::/:/bin/sh\n"
	"white space:x:12:12::/:/bin/sh\n"
	"alice:x:1000:1000:Alice,,,:/home/alice:/bin/zsh\n"
	"alice:x:1001:1001:second alice:/home/alice2:/bin/sh\n"
	"nohome:x:1002:1002:::\n"
	"relhome:x:1003:1003::home/rel:/bin/sh\n"
	"2000:x:1004:1004::/home/numeric:/bin/sh\n"
	"bob:x:1005:100::/home/bob:/bin/sh"; /* no final newline */

static const char GROUP[] =
	"root:x:0:\n"
	"# wheel:x:10:alice\n"
	"adm:x:4:alice,bob\n"
	"users:x:100:alice2,xalice,alice\n"
	"dup:x:1000:alice\n"
	"broken:x:200\n"
	"badgid:x:nan:alice\n"
	"+:::\n"
	"sudo:x:27:bob,alice\n"
	"audio:x:29:";

static void test_lookup_by_name(void **state)
{
	struct lsl_user u;

	assert_int_equal(lsl_passwd_lookup(PASSWD, "root", 0, &u), 0);
	assert_string_equal(u.name, "root");
	assert_int_equal(u.uid, 0);
	assert_int_equal(u.gid, 0);
	assert_string_equal(u.home, "/root");
	assert_string_equal(u.shell, "/bin/bash");
	lsl_user_clear(&u);

	/* The first entry wins, as with NSS files. */
	assert_int_equal(lsl_passwd_lookup(PASSWD, "alice", 0, &u), 0);
	assert_int_equal(u.uid, 1000);
	assert_string_equal(u.home, "/home/alice");
	assert_string_equal(u.shell, "/bin/zsh");
	lsl_user_clear(&u);

	/* The last line has no newline. */
	assert_int_equal(lsl_passwd_lookup(PASSWD, "bob", 0, &u), 0);
	assert_int_equal(u.gid, 100);
	lsl_user_clear(&u);
}

static void test_lookup_by_uid(void **state)
{
	struct lsl_user u;

	assert_int_equal(lsl_passwd_lookup(PASSWD, NULL, 1001, &u), 0);
	assert_string_equal(u.name, "alice");
	assert_string_equal(u.home, "/home/alice2");
	lsl_user_clear(&u);
	assert_int_equal(lsl_passwd_lookup(PASSWD, NULL, 4242, &u), -ENOENT);
	assert_null(u.name);
}

static void test_malformed_lines(void **state)
{
	struct lsl_user u;
	const char *ignored[] = { "+nisuser", "-baduser", "+@netgroup", "short", "toomany", "nonnum",
				  "minus1", "badgid", "", "white space", "# a comment" };

	for (size_t i = 0; i < sizeof(ignored) / sizeof(ignored[0]); i++)
		assert_int_equal(lsl_passwd_lookup(PASSWD, ignored[i], 0, &u), -ENOENT);
	assert_int_equal(lsl_passwd_lookup(PASSWD, NULL, 4294967295u, &u), -ENOENT);
	assert_int_equal(lsl_passwd_lookup(PASSWD, NULL, 9, &u), -ENOENT);
	assert_int_equal(lsl_passwd_lookup(PASSWD, NULL, 7, &u), -ENOENT);
}

static void test_defaults_for_empty_fields(void **state)
{
	struct lsl_user u;

	assert_int_equal(lsl_passwd_lookup(PASSWD, "nohome", 0, &u), 0);
	assert_string_equal(u.home, "/");
	assert_string_equal(u.shell, "/bin/sh");
	lsl_user_clear(&u);
	assert_int_equal(lsl_passwd_lookup(PASSWD, "relhome", 0, &u), 0);
	assert_string_equal(u.home, "/");
	lsl_user_clear(&u);
}

static void test_long_line_ignored(void **state)
{
	size_t n = LSL_PASSWD_LINE_MAX + 100;
	char *text = malloc(n + 64);
	struct lsl_user u;

	assert_non_null(text);
	/* A valid-looking entry made too long by its gecos field, then a good one. */
	strcpy(text, "long:x:3000:3000:");
	memset(text + strlen(text), 'g', n);
	strcpy(text + 17 + n, "::/bin/sh\nok:x:3001:3001::/:/bin/sh\n");
	assert_int_equal(lsl_passwd_lookup(text, "long", 0, &u), -ENOENT);
	assert_int_equal(lsl_passwd_lookup(text, "ok", 0, &u), 0);
	lsl_user_clear(&u);
	free(text);
}

static void test_group_list(void **state)
{
	uint32_t *g;
	size_t n;

	assert_int_equal(lsl_group_list(GROUP, "alice", 1000, &g, &n), 0);
	/* Primary first, then file order, "dup" (gid 1000) not twice, comments and bad lines skipped. */
	assert_int_equal(n, 4);
	assert_int_equal(g[0], 1000);
	assert_int_equal(g[1], 4);
	assert_int_equal(g[2], 100);
	assert_int_equal(g[3], 27);
	free(g);

	assert_int_equal(lsl_group_list(GROUP, "nobody", 65534, &g, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(g[0], 65534);
	free(g);

	assert_int_equal(lsl_group_list(NULL, "alice", 5, &g, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(g[0], 5);
	free(g);
}

static void test_resolve(void **state)
{
	struct lsl_user u;
	struct lsl_err e = { 0 };

	/* By name, with groups. */
	assert_int_equal(lsl_user_resolve(PASSWD, GROUP, "bob", 0, "deb", &u, &e), 0);
	assert_int_equal(u.uid, 1005);
	assert_int_equal(u.ngroups, 3);
	assert_int_equal(u.groups[0], 100);
	assert_int_equal(u.groups[1], 4);
	assert_int_equal(u.groups[2], 27);
	lsl_user_clear(&u);

	/* A decimal that is no name is a uid. */
	assert_int_equal(lsl_user_resolve(PASSWD, GROUP, "1001", 0, "deb", &u, &e), 0);
	assert_string_equal(u.name, "alice");
	assert_string_equal(u.home, "/home/alice2");
	lsl_user_clear(&u);

	/* A decimal that is a name is that name. */
	assert_int_equal(lsl_user_resolve(PASSWD, GROUP, "2000", 0, "deb", &u, &e), 0);
	assert_int_equal(u.uid, 1004);
	lsl_user_clear(&u);

	/* Absent or empty: the default uid. */
	assert_int_equal(lsl_user_resolve(PASSWD, GROUP, NULL, 1000, "deb", &u, &e), 0);
	assert_string_equal(u.name, "alice");
	assert_int_equal(u.ngroups, 4);
	lsl_user_clear(&u);
	assert_int_equal(lsl_user_resolve(PASSWD, GROUP, "", 0, "deb", &u, &e), 0);
	assert_string_equal(u.name, "root");
	assert_string_equal(u.shell, "/bin/bash");
	lsl_user_clear(&u);

	/* An unknown name. */
	assert_int_equal(lsl_user_resolve(PASSWD, GROUP, "mallory", 0, "deb", &u, &e), -ENOENT);
	assert_string_equal(lsl_err_str(&e), "user 'mallory' does not exist in deb");
	assert_null(u.name);
	assert_int_equal(lsl_user_resolve(PASSWD, GROUP, "12x", 0, "deb", &u, &e), -ENOENT);
	assert_int_equal(lsl_user_resolve(PASSWD, GROUP, "-1", 0, "deb", &u, &e), -ENOENT);
	assert_int_equal(lsl_user_resolve(PASSWD, GROUP, "4294967295", 0, "deb", &u, &e), -ENOENT);

	/* (uid_t)-1 would mean "unchanged" to setuid(). */
	assert_int_equal(lsl_user_resolve(PASSWD, GROUP, NULL, UINT32_MAX, "deb", &u, &e), -EINVAL);
}

static void test_resolve_without_entries(void **state)
{
	struct lsl_user u;
	struct lsl_err e = { 0 };

	/* No passwd file at all: the built-in root. */
	assert_int_equal(lsl_user_resolve(NULL, NULL, NULL, 0, "deb", &u, &e), 0);
	assert_string_equal(u.name, "root");
	assert_int_equal(u.uid, 0);
	assert_int_equal(u.gid, 0);
	assert_string_equal(u.home, "/root");
	assert_string_equal(u.shell, "/bin/sh");
	assert_int_equal(u.ngroups, 1);
	assert_int_equal(u.groups[0], 0);
	lsl_user_clear(&u);

	assert_int_equal(lsl_user_resolve("", "", "root", 0, "deb", &u, &e), -ENOENT);
	assert_int_equal(lsl_user_resolve("", "", "0", 0, "deb", &u, &e), 0);
	assert_string_equal(u.name, "root");
	lsl_user_clear(&u);

	/* Another uid without an entry: usable, with its own gid, home / and /bin/sh. */
	assert_int_equal(lsl_user_resolve(PASSWD, GROUP, "4321", 0, "deb", &u, &e), 0);
	assert_string_equal(u.name, "4321");
	assert_int_equal(u.uid, 4321);
	assert_int_equal(u.gid, 4321);
	assert_string_equal(u.home, "/");
	assert_string_equal(u.shell, "/bin/sh");
	lsl_user_clear(&u);
	assert_int_equal(lsl_user_resolve(PASSWD, GROUP, NULL, 777, "deb", &u, &e), 0);
	assert_int_equal(u.uid, 777);
	lsl_user_clear(&u);
}

static void test_resolve_at(void **state)
{
	char *dir = test_mkdtemp();
	int fd = test_open_dir(dir);
	struct lsl_user u;
	struct lsl_err e = { 0 };
	char *fifo;

	/* Absolute symlinks resolve inside the root, never on the host. */
	test_write(dir, "data/passwd", "root:x:0:0::/root:/bin/sh\nzed:x:50:60::/home/zed:/bin/ash\n", 0644);
	test_symlink(dir, "etc/passwd", "/data/passwd");
	test_write(dir, "etc/group", "grp:x:61:zed\n", 0644);
	assert_int_equal(lsl_user_resolve_at(fd, "zed", 0, "d", &u, &e), 0);
	assert_int_equal(u.uid, 50);
	assert_string_equal(u.shell, "/bin/ash");
	assert_int_equal(u.ngroups, 2);
	assert_int_equal(u.groups[1], 61);
	lsl_user_clear(&u);

	/* A FIFO must not hang the reader. */
	fifo = strdup_printf("%s/etc/group", dir);
	unlink(fifo);
	assert_int_equal(mkfifo(fifo, 0644), 0);
	assert_int_equal(lsl_user_resolve_at(fd, "zed", 0, "d", &u, &e), -EINVAL);
	assert_string_equal(lsl_err_str(&e), "reading /etc/group: Invalid argument");
	unlink(fifo);
	free(fifo);

	/* Missing files: no entries. */
	assert_int_equal(lsl_user_resolve_at(fd, "zed", 0, "d", &u, &e), 0);
	assert_int_equal(u.ngroups, 1);
	lsl_user_clear(&u);
	close(fd);
	test_rmtree(dir);
}

/* A NUL byte spoils its own line only: the entries after it are still found. */
static void test_nul_byte_skips_one_line(void **state)
{
	static const char text[] = "root:x:0:0::/root:/bin/sh\nbad:x:7\0:7::/:/bin/sh\nzed:x:50:60::/home/zed:/bin/ash\n";
	char *dir = test_mkdtemp();
	char *path = strdup_printf("%s/etc/passwd", dir);
	int fd = test_open_dir(dir), out;
	struct lsl_user u;
	struct lsl_err e = { 0 };

	test_write(dir, "etc/passwd", "", 0644);
	out = open(path, O_WRONLY | O_TRUNC);
	assert_true(out >= 0);
	assert_int_equal(write(out, text, sizeof(text) - 1), (ssize_t)sizeof(text) - 1);
	close(out);
	assert_int_equal(lsl_user_resolve_at(fd, "zed", 0, "d", &u, &e), 0);
	assert_int_equal(u.uid, 50);
	lsl_user_clear(&u);
	assert_int_equal(lsl_user_resolve_at(fd, "bad", 0, "d", &u, &e), -ENOENT);
	free(path);
	close(fd);
	test_rmtree(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lookup_by_name),
		cmocka_unit_test(test_lookup_by_uid),
		cmocka_unit_test(test_malformed_lines),
		cmocka_unit_test(test_defaults_for_empty_fields),
		cmocka_unit_test(test_long_line_ignored),
		cmocka_unit_test(test_group_list),
		cmocka_unit_test(test_resolve),
		cmocka_unit_test(test_resolve_without_entries),
		cmocka_unit_test(test_resolve_at),
		cmocka_unit_test(test_nul_byte_skips_one_line),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
