/* SPDX-License-Identifier: MIT */
/* /etc/lsl.conf and the per-distribution [general] instanceIdleTimeout of wsl.conf. */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "service-conf.h"
#include "util.h"
#include "wsl-conf.h"

static char warnings[4][256];
static int nwarnings;

static void warn(void *userdata, const char *message)
{
	if (nwarnings < 4)
		snprintf(warnings[nwarnings], sizeof(warnings[0]), "%s", message);
	nwarnings++;
}

static int service_timeout(const char *text)
{
	struct lsl_service_conf c;

	nwarnings = 0;
	lsl_service_conf_init(&c);
	assert_int_equal(lsl_service_conf_parse(&c, "/etc/lsl.conf", text, warn, NULL), 0);
	return c.idle_timeout_ms;
}

static void test_service_conf(void **state)
{
	assert_int_equal(service_timeout(""), 15000);
	assert_int_equal(nwarnings, 0);
	assert_int_equal(service_timeout("[general]\ninstanceIdleTimeout = 200\n"), 200);
	assert_int_equal(service_timeout("[GENERAL]\r\ninstanceidletimeout=-1\r\n"), -1);
	assert_int_equal(service_timeout("[general]\ninstanceIdleTimeout = 0 # at once\n"), 0);
	assert_int_equal(nwarnings, 0);
	/* Bad values keep the default, with a warning naming the file and line. */
	assert_int_equal(service_timeout("[general]\ninstanceIdleTimeout = -2\n"), 15000);
	assert_int_equal(nwarnings, 1);
	assert_non_null(strstr(warnings[0], "/etc/lsl.conf:2"));
	assert_int_equal(service_timeout("[general]\ninstanceIdleTimeout = soon\nother = 1\n"), 15000);
	assert_int_equal(nwarnings, 2);
	assert_non_null(strstr(warnings[1], "general.other"));
}

static void test_service_conf_path(void **state)
{
	unsetenv("LSL_CONFIG");
	assert_string_equal(lsl_service_conf_path(), "/etc/lsl.conf");
	setenv("LSL_CONFIG", "/tmp/x.conf", 1);
	assert_string_equal(lsl_service_conf_path(), "/tmp/x.conf");
	setenv("LSL_CONFIG", "", 1);
	assert_string_equal(lsl_service_conf_path(), "/etc/lsl.conf");
	unsetenv("LSL_CONFIG");
}

static void test_wsl_conf_key(void **state)
{
	struct lsl_wsl_conf c;

	lsl_wsl_conf_init(&c);
	assert_int_equal(c.general_idle_timeout_ms, INT_MIN);
	nwarnings = 0;
	assert_int_equal(lsl_wsl_conf_parse(&c, "/etc/wsl.conf", "[general]\ninstanceIdleTimeout=1234\n", warn, NULL), 0);
	assert_int_equal(nwarnings, 0);
	assert_int_equal(c.general_idle_timeout_ms, 1234);
	lsl_wsl_conf_safe_mode(&c);
	assert_int_equal(c.general_idle_timeout_ms, INT_MIN);
	lsl_wsl_conf_free(&c);

	lsl_wsl_conf_init(&c);
	assert_int_equal(lsl_wsl_conf_parse(&c, "/etc/wsl.conf", "[general]\ninstanceIdleTimeout=-5\n", warn, NULL), 0);
	assert_int_equal(nwarnings, 1);
	assert_int_equal(c.general_idle_timeout_ms, INT_MIN);
	lsl_wsl_conf_free(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_service_conf),
		cmocka_unit_test(test_service_conf_path),
		cmocka_unit_test(test_wsl_conf_key),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
