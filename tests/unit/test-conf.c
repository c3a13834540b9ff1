/* SPDX-License-Identifier: MIT */
/* The wsl.conf dialect: WSL's syntax and messages, and every bad line only a warning. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "util.h"
#include "wsl-conf.h"

struct warnings {
	char *msg[16];
	size_t n;
};

static void collect(void *userdata, const char *message)
{
	struct warnings *w = userdata;
	if (w->n < ARRAY_SIZE(w->msg))
		w->msg[w->n++] = strdup(message);
}

static void warnings_free(struct warnings *w)
{
	for (size_t i = 0; i < w->n; i++)
		free(w->msg[i]);
	w->n = 0;
}

static void parse(struct lsl_wsl_conf *c, struct warnings *w, const char *text)
{
	lsl_wsl_conf_init(c);
	assert_int_equal(lsl_wsl_conf_parse(c, "/etc/wsl.conf", text, collect, w), 0);
}

static void test_defaults(void **state)
{
	struct lsl_wsl_conf c;
	struct warnings w = { 0 };

	parse(&c, &w, "");
	assert_int_equal(w.n, 0);
	assert_true(c.automount_enabled);
	assert_string_equal(c.automount_root, "/mnt/");
	assert_null(c.automount_options);
	assert_true(c.automount_mount_fstab);
	assert_int_equal(c.automount_cgroups, LSL_CGROUPS_V2);
	assert_int_equal(c.filesystem_umask, 022);
	assert_true(c.interop_enabled);
	assert_true(c.network_generate_hosts);
	assert_true(c.network_generate_resolv_conf);
	assert_false(c.boot_systemd);
	assert_int_equal(c.boot_init_timeout_ms, 10000);
	assert_true(c.boot_protect_binfmt);
	lsl_wsl_conf_free(&c);
}

static void test_values(void **state)
{
	struct lsl_wsl_conf c;
	struct warnings w = { 0 };

	parse(&c, &w,
	      "# comment\n"
	      "; another comment\r\n"
	      "[Boot]\r\n"
	      "SYSTEMD = TRUE\r\n"
	      "command = \"echo a # not a comment\"  # a comment\n"
	      "initTimeout = 0x10\n"
	      "[automount]\n"
	      "root = /media//\n"
	      "options = \"metadata,uid=1000\"\n"
	      "cgroups = v1\n"
	      "[filesystem]\n"
	      "umask = 0077\n"
	      "[network]\n"
	      "hostname = box  \n"
	      "[user]\n"
	      "default=alice\n");
	assert_int_equal(w.n, 0);
	assert_true(c.boot_systemd);
	assert_string_equal(c.boot_command, "echo a # not a comment");
	assert_int_equal(c.boot_init_timeout_ms, 16);
	assert_string_equal(c.automount_root, "/media/");
	assert_string_equal(c.automount_options, "metadata,uid=1000");
	assert_int_equal(c.automount_cgroups, LSL_CGROUPS_V1);
	assert_int_equal(c.filesystem_umask, 077);
	assert_string_equal(c.network_hostname, "box");
	assert_string_equal(c.user_default, "alice");
	lsl_wsl_conf_free(&c);
}

static void test_escapes_and_continuation(void **state)
{
	struct lsl_wsl_conf c;
	struct warnings w = { 0 };

	parse(&c, &w, "[boot]\ncommand = echo \\\"a\\\\b\\\" \\\n  more\n[network]\nhostname=x\n");
	assert_int_equal(w.n, 0);
	assert_string_equal(c.boot_command, "echo \"a\\b\"   more");
	assert_string_equal(c.network_hostname, "x");
	lsl_wsl_conf_free(&c);

	parse(&c, &w, "[boot]\ncommand = a\\qb\nsystemd=true\n");
	assert_int_equal(w.n, 1);
	assert_string_equal(w.msg[0], "Invalid escaped character: 'q' in /etc/wsl.conf:2");
	assert_null(c.boot_command);
	assert_true(c.boot_systemd);
	warnings_free(&w);
	lsl_wsl_conf_free(&c);
}

static void test_messages(void **state)
{
	struct lsl_wsl_conf c;
	struct warnings w = { 0 };

	parse(&c, &w,
	      "[boot]\n"
	      "systemd = maybe\n"           /* 2 */
	      "initTimeout = soon\n"        /* 3 */
	      "nosuchkey = 1\n"             /* 4 */
	      "[automount]\n"
	      "cgroups = v3\n"              /* 6 */
	      "enabled = false\n"           /* 7 */
	      "enabled = true\n"            /* 8 */
	      "[bad_section]\n"             /* 9 */
	      "x = 1\n"                     /* 10: under a bad section, not reported again */
	      "[interop]\n"
	      "enabled false\n"             /* 12 */
	      "bad-key = 1\n"               /* 13 */
	      "enabled = false\n");         /* 14: still parsed after the bad lines */
	assert_int_equal(w.n, 8);
	assert_string_equal(w.msg[0], "Invalid boolean value 'maybe' for key 'boot.systemd' in /etc/wsl.conf:2");
	assert_string_equal(w.msg[1], "Invalid integer value 'soon' for key 'boot.initTimeout' in /etc/wsl.conf:3");
	assert_string_equal(w.msg[2], "Unknown key 'boot.nosuchkey' in /etc/wsl.conf:4");
	assert_string_equal(w.msg[3],
			    "Invalid value 'v3' for config key 'automount.cgroups' in /etc/wsl.conf:6 (Valid values: v2, v1)");
	assert_string_equal(w.msg[4], "Duplicated config key 'automount.enabled' in /etc/wsl.conf:8 "
				      "(Conflicting key: 'automount.enabled' in /etc/wsl.conf:7)");
	assert_string_equal(w.msg[5], "Invalid section name in /etc/wsl.conf:9");
	assert_string_equal(w.msg[6], "Expected '=' in /etc/wsl.conf:12");
	assert_string_equal(w.msg[7], "Invalid key name in /etc/wsl.conf:13");
	/* Bad values keep defaults; the first duplicate wins; parsing went on. */
	assert_false(c.boot_systemd);
	assert_int_equal(c.boot_init_timeout_ms, 10000);
	assert_int_equal(c.automount_cgroups, LSL_CGROUPS_V2);
	assert_false(c.automount_enabled);
	assert_false(c.interop_enabled);
	warnings_free(&w);
	lsl_wsl_conf_free(&c);
}

/* A long quoted value is cut in the warning; where it came from never is. */
static void test_long_value_keeps_location(void **state)
{
	struct lsl_wsl_conf c;
	struct warnings w = { 0 };
	char text[1200];
	const char *end = " in /etc/wsl.conf:2";

	snprintf(text, sizeof(text), "[boot]\nsystemd = %01000d\n", 7);
	parse(&c, &w, text);
	assert_int_equal(w.n, 1);
	assert_true(strlen(w.msg[0]) > strlen(end));
	assert_string_equal(w.msg[0] + strlen(w.msg[0]) - strlen(end), end);
	warnings_free(&w);
	lsl_wsl_conf_free(&c);
}

static void test_checked_values(void **state)
{
	struct lsl_wsl_conf c;
	struct warnings w = { 0 };

	parse(&c, &w,
	      "[automount]\n"
	      "root = relative/path\n"
	      "options = \"uid=1000, gid=1000\"\n"
	      "[user]\n"
	      "default = -rf\n"
	      "[filesystem]\n"
	      "umask = 01000\n"
	      "key outside = 1\n");
	assert_int_equal(w.n, 5);
	assert_non_null(strstr(w.msg[0], "'automount.root'"));
	assert_non_null(strstr(w.msg[0], "absolute"));
	assert_non_null(strstr(w.msg[1], "'automount.options'"));
	assert_non_null(strstr(w.msg[2], "'user.default'"));
	assert_non_null(strstr(w.msg[3], "'filesystem.umask'"));
	assert_string_equal(c.automount_root, "/mnt/");
	assert_null(c.automount_options);
	assert_null(c.user_default);
	assert_int_equal(c.filesystem_umask, 022);
	warnings_free(&w);
	lsl_wsl_conf_free(&c);

	parse(&c, &w, "orphan = 1\n[automount]\nroot = /\n");
	assert_int_equal(w.n, 1);
	assert_string_equal(w.msg[0], "Unknown key 'orphan' in /etc/wsl.conf:1");
	assert_string_equal(c.automount_root, "/");
	warnings_free(&w);
	lsl_wsl_conf_free(&c);
}

static void test_unterminated_quote(void **state)
{
	struct lsl_wsl_conf c;
	struct warnings w = { 0 };

	parse(&c, &w, "\xEF\xBB\xBF[boot]\ncommand = \"echo\nsystemd = 1\n");
	assert_int_equal(w.n, 1);
	assert_string_equal(w.msg[0], "Expected '\"' in /etc/wsl.conf:2");
	assert_null(c.boot_command);
	assert_true(c.boot_systemd);
	warnings_free(&w);
	lsl_wsl_conf_free(&c);
}

static void test_safe_mode(void **state)
{
	struct lsl_wsl_conf c;
	struct warnings w = { 0 };

	parse(&c, &w, "[boot]\nsystemd=true\ncommand=x\n");
	lsl_wsl_conf_safe_mode(&c);
	assert_false(c.boot_systemd);
	assert_null(c.boot_command);
	assert_false(c.automount_enabled);
	assert_true(c.boot_protect_binfmt);
	lsl_wsl_conf_free(&c);
}

static void test_distribution_conf(void **state)
{
	struct lsl_distribution_conf d;
	struct warnings w = { 0 };

	lsl_distribution_conf_init(&d);
	assert_int_equal(lsl_distribution_conf_parse(&d, "/etc/wsl-distribution.conf",
						     "[oobe]\ncommand = /usr/lib/oobe.sh\ndefaultUid = 1000\n"
						     "[shortcut]\nicon = ../../etc/shadow\n",
						     collect, &w),
			 0);
	assert_string_equal(d.oobe_command, "/usr/lib/oobe.sh");
	assert_int_equal(d.oobe_default_uid, 1000);
	assert_null(d.shortcut_icon);
	assert_int_equal(w.n, 1);
	warnings_free(&w);
	lsl_distribution_conf_free(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),       cmocka_unit_test(test_values),
		cmocka_unit_test(test_escapes_and_continuation), cmocka_unit_test(test_messages),
		cmocka_unit_test(test_checked_values), cmocka_unit_test(test_unterminated_quote),
		cmocka_unit_test(test_safe_mode),      cmocka_unit_test(test_distribution_conf),
		cmocka_unit_test(test_long_value_keeps_location),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
