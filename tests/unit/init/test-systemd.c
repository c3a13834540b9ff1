/* SPDX-License-Identifier: MIT */
/* What lsl writes for and reads from a distribution's systemd. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "systemd-parse.h"
#include "systemd-units.h"

static void escaped(const char *path, const char *want)
{
	char *got = lsl_systemd_escape_path(path);

	assert_non_null(got);
	assert_string_equal(got, want);
	free(got);
}

static void refused(const char *path)
{
	errno = 0;
	assert_null(lsl_systemd_escape_path(path));
	assert_int_equal(errno, EINVAL);
}

/* The same names as `systemd-escape --path`. */
static void test_escape_path(void **state)
{
	escaped("/mnt/wsl", "mnt-wsl");
	escaped("/mnt/host", "mnt-host");
	escaped("/", "-");
	escaped("//mnt//my-host/", "mnt-my\\x2dhost");
	escaped("/mnt/a b", "mnt-a\\x20b");
	escaped("/.x/.y", "\\x2ex-.y");
	escaped("/mnt/\xc3\xbc", "mnt-\\xc3\\xbc");
	escaped("/mnt/x_y:z.w", "mnt-x_y:z.w");
	escaped("/a\\b", "a\\x5cb");
	refused("mnt/wsl");
	refused("");
	refused(NULL);
	refused("/mnt/../etc");
	refused("/mnt/./wsl");
}

static void test_units(void **state)
{
	int found = 0;

	for (size_t i = 0; i < lsl_systemd_masked_units_count; i++) {
		found += strcmp(lsl_systemd_masked_units[i], "systemd-networkd-wait-online.service") == 0;
		found += strcmp(lsl_systemd_masked_units[i], "NetworkManager-wait-online.service") == 0;
		assert_null(strchr(lsl_systemd_masked_units[i], '/'));
	}
	assert_int_equal(found, 2);
	assert_int_equal(lsl_systemd_binfmt_units_count, 1);
	assert_string_equal(lsl_systemd_binfmt_units[0], "systemd-binfmt.service");
	assert_non_null(strstr(lsl_systemd_mount_guard, "[Unit]\nDefaultDependencies=no\n"));
}

static void parse(const char *msg, struct lsl_sd_notify *n) { lsl_sd_notify_parse(msg, strlen(msg), n); }

static void test_notify(void **state)
{
	struct lsl_sd_notify n;

	parse("READY=1\nSTATUS=Startup finished in 512ms.", &n);
	assert_true(n.ready);
	assert_false(n.stopping);
	assert_string_equal(n.status, "Startup finished in 512ms.");

	parse("STOPPING=1\n", &n);
	assert_false(n.ready);
	assert_true(n.stopping);
	assert_string_equal(n.status, "");

	/* Only exact lines count. */
	parse("READY=10\nXREADY=1\nREADY=1x", &n);
	assert_false(n.ready);
	parse("", &n);
	assert_false(n.ready);

	/* Not NUL-terminated: the length bounds it. */
	lsl_sd_notify_parse("READY=1garbage", 7, &n);
	assert_true(n.ready);

	/* Control characters are dropped; a long status is cut. */
	parse("STATUS=a\tb\x1b[31mc", &n);
	assert_string_equal(n.status, "ab[31mc");
	{
		char big[1024];
		memcpy(big, "STATUS=", 7);
		memset(big + 7, 'x', sizeof(big) - 8);
		big[sizeof(big) - 1] = 0;
		parse(big, &n);
		assert_int_equal(strlen(n.status), sizeof(n.status) - 1);
	}
}

static void test_logind_user(void **state)
{
	assert_true(lsl_logind_user_active("# comment\nNAME=bob\nSTATE=active\nSESSIONS=3\n"));
	assert_true(lsl_logind_user_active("STATE=online\n"));
	assert_true(lsl_logind_user_active("STATE=lingering"));
	assert_false(lsl_logind_user_active("STATE=closing\n"));
	assert_false(lsl_logind_user_active("STATE=offline\n"));
	assert_false(lsl_logind_user_active("STATE=activeX\n"));
	assert_false(lsl_logind_user_active("NAME=bob\n"));
	assert_false(lsl_logind_user_active(""));
}

static void test_cgroup_within(void **state)
{
	const char *hybrid = "9:name=systemd:/\n8:pids:/\n0::/lsl\n";

	assert_true(lsl_cgroup_text_within(hybrid, "/lsl"));
	assert_true(lsl_cgroup_text_within("0::/lsl/sub/x\n", "/lsl"));
	assert_false(lsl_cgroup_text_within("0::/lslx\n", "/lsl"));
	assert_false(lsl_cgroup_text_within("0::/system.slice/dbus.service\n", "/lsl"));
	assert_false(lsl_cgroup_text_within("0::/\n", "/lsl"));
	assert_false(lsl_cgroup_text_within("1:name=x:/lsl\n", "/lsl"));
	assert_false(lsl_cgroup_text_within("", "/lsl"));
	assert_true(lsl_cgroup_text_within("0::/lsl", "/lsl"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escape_path),
		cmocka_unit_test(test_units),
		cmocka_unit_test(test_notify),
		cmocka_unit_test(test_logind_user),
		cmocka_unit_test(test_cgroup_within),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
