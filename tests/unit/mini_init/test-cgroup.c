/* SPDX-License-Identifier: MIT */
/* The cgroup logic of mini_init that needs no cgroup filesystem: path checks and parsing. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cgroup.h"
#include "util.h"

static void check_ok(const char *cgroup, const char *base, const char *name)
{
	struct lsl_err e = { 0 };
	assert_int_equal(lsl_cgroup_check_path(cgroup, base, name, &e), 0);
}

static void check_bad(const char *cgroup, const char *base, const char *name, const char *why)
{
	struct lsl_err e = { 0 };
	assert_int_equal(lsl_cgroup_check_path(cgroup, base, name, &e), -EINVAL);
	assert_string_equal(lsl_err_str(&e), why);
}

static void test_check_path(void **state)
{
	char longer[300];

	(void)state;
	check_ok("lsl/debian", "lsl", "debian");
	check_ok("lsl-0123abcd/Ubuntu-24.04", "lsl-0123abcd", "Ubuntu-24.04");

	check_bad(NULL, "lsl", "x", "no cgroup given");
	check_bad("", "lsl", "x", "no cgroup given");
	check_bad("/lsl/x", "lsl", "x", "the cgroup /lsl/x is not relative to the cgroup2 root");
	check_bad("../x", "lsl", "x", "the cgroup ../x has a '..' component");
	check_bad("lsl/../x", "lsl", "x", "the cgroup lsl/../x has a '..' component");
	check_bad("lsl/..", "lsl", "..", "the cgroup lsl/.. has a '..' component");
	check_bad("lsl/./x", "lsl", "x", "the cgroup lsl/./x has a '.' component");
	check_bad("lsl//x", "lsl", "x", "the cgroup lsl//x has an empty component");
	check_bad("lsl/x/", "lsl", "x", "the cgroup lsl/x/ has an empty component");
	check_bad("lsl/a b", "lsl", "a b", "the cgroup lsl/a b has a character other than [A-Za-z0-9._-]");
	check_bad("lsl/a\nb", "lsl", "a", "the cgroup lsl/a\nb has a character other than [A-Za-z0-9._-]");
	/* Well formed, but not this instance's cgroup for this distribution. */
	check_bad("lsl/other", "lsl", "x", "the cgroup lsl/other is not lsl/x");
	check_bad("lsl-1/x", "lsl", "x", "the cgroup lsl-1/x is not lsl/x");
	check_bad("lsl/y/x", "lsl", "x", "the cgroup lsl/y/x is not lsl/x");
	check_bad("x", "lsl", "x", "the cgroup x is not lsl/x");
	check_bad("ls/x", "lsl", "x", "the cgroup ls/x is not lsl/x");
	check_bad("lslx", "lsl", "x", "the cgroup lslx is not lsl/x");

	memset(longer, 'a', sizeof(longer) - 1);
	longer[sizeof(longer) - 1] = 0;
	longer[3] = '/';
	check_bad(longer, "aaa", longer + 4, "the cgroup path is too long (299 bytes)");
}

static const char hybrid[] =
	"22 1 254:0 / / rw,relatime shared:1 - ext4 /dev/vda rw\n"
	"31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
	"32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu\n"
	"40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd\n"
	"41 31 0:38 / /sys/fs/cgroup/unified rw,relatime shared:9 master:3 - cgroup2 cgroup2 rw\n";

static void test_mountinfo(void **state)
{
	char *p;

	(void)state;
	p = lsl_mountinfo_find_fstype(hybrid, "cgroup2");
	assert_non_null(p);
	assert_string_equal(p, "/sys/fs/cgroup/unified");
	free(p);
	p = lsl_mountinfo_find_fstype(hybrid, "cgroup");
	assert_non_null(p);
	assert_string_equal(p, "/sys/fs/cgroup/cpu");
	free(p);

	/* Escaped mount points; a path that merely names cgroup2 is not a cgroup2 mount. */
	p = lsl_mountinfo_find_fstype("1 0 0:1 / /cgroup2 rw - tmpfs cgroup2 rw\n"
				      "2 0 0:2 / /my\\040cg\\134x rw - cgroup2 none rw",
				      "cgroup2");
	assert_non_null(p);
	assert_string_equal(p, "/my cg\\x");
	free(p);

	errno = 0;
	assert_null(lsl_mountinfo_find_fstype("22 1 254:0 / / rw - ext4 /dev/vda rw\n", "cgroup2"));
	assert_int_equal(errno, ENOENT);
	/* Malformed lines (no separator, too few fields) are skipped. */
	assert_null(lsl_mountinfo_find_fstype("1 0 0:1 / /x rw cgroup2\n- cgroup2\n1 - cgroup2 x\n", "cgroup2"));
	assert_null(lsl_mountinfo_find_fstype("", "cgroup2"));
}

static void test_events(void **state)
{
	(void)state;
	assert_int_equal(lsl_cgroup_events_populated("populated 1\nfrozen 0\n"), 1);
	assert_int_equal(lsl_cgroup_events_populated("populated 0\nfrozen 0\n"), 0);
	assert_int_equal(lsl_cgroup_events_populated("frozen 1\npopulated 0"), 0);
	assert_int_equal(lsl_cgroup_events_populated("populated 2\n"), -EINVAL);
	assert_int_equal(lsl_cgroup_events_populated("populated 10\n"), -EINVAL);
	assert_int_equal(lsl_cgroup_events_populated("populated \n"), -EINVAL);
	assert_int_equal(lsl_cgroup_events_populated("xpopulated 1\n"), -EINVAL);
	assert_int_equal(lsl_cgroup_events_populated(""), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_check_path),
		cmocka_unit_test(test_mountinfo),
		cmocka_unit_test(test_events),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
