/* SPDX-License-Identifier: MIT */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "network-files.h"

static void check_host(const char *in, const char *want)
{
	char out[65];
	lsl_clean_hostname(in, out);
	assert_string_equal(out, want);
}

static void test_clean_hostname(void **state)
{
	check_host("box", "box");
	check_host("My_Box!", "MyBox");
	check_host("-a--b..c.d-", "a-b.cd");
	check_host("..", "localhost");
	check_host("", "localhost");
	check_host("a.b.c", "a.bc");
	check_host("0123456789012345678901234567890123456789012345678901234567890123456789",
		   "0123456789012345678901234567890123456789012345678901234567890123");
}

static void test_hosts(void **state)
{
	char *h = lsl_hosts_file("box", "lan", "127.0.0.1 localhost\n# c\n10.0.0.5 nas nas.lan\n::1 localhost\n");
	assert_non_null(h);
	assert_non_null(strstr(h, "generateHosts = false\n"));
	assert_non_null(strstr(h, "127.0.0.1\tlocalhost\n127.0.1.1\tbox.lan\tbox\n10.0.0.5 nas nas.lan\n"));
	assert_null(strstr(h, "::1 localhost"));
	assert_non_null(strstr(h, "ff02::2 ip6-allrouters\n"));
	free(h);
	h = lsl_hosts_file("box", NULL, NULL);
	assert_non_null(strstr(h, "127.0.1.1\tbox\n"));
	free(h);
}

static void test_resolv(void **state)
{
	char *r = lsl_resolv_conf("# generated\nnameserver 10.0.0.1\nsearch lan\noptions edns0\nbogus x\nnameserverx 1\n");
	assert_non_null(r);
	assert_non_null(strstr(r, "generateResolvConf = false\nnameserver 10.0.0.1\nsearch lan\noptions edns0\n"));
	assert_null(strstr(r, "bogus"));
	assert_null(strstr(r, "nameserverx"));
	free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_clean_hostname),
		cmocka_unit_test(test_hosts),
		cmocka_unit_test(test_resolv),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
