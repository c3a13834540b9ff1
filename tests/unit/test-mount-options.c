/* SPDX-License-Identifier: MIT */
/* Mount option strings and fstab lines, checked before anything reaches the kernel. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/mount.h>

#include <cmocka.h>

#include "mount-options.h"

static void test_flags_and_data(void **state)
{
	struct lsl_mount_options o;
	struct lsl_err e = { 0 };

	assert_int_equal(lsl_mount_options_parse("defaults,ro,nosuid,uid=1000,noatime,x-systemd.automount,gid=5", &o, &e), 0);
	assert_true(o.flags & MS_RDONLY);
	assert_true(o.flags & MS_NOSUID);
	assert_true(o.flags & MS_NOATIME);
	assert_string_equal(o.data, "uid=1000,gid=5");
	assert_false(o.nofail);
	lsl_mount_options_free(&o);

	/* A later word overrides an earlier one. */
	assert_int_equal(lsl_mount_options_parse("ro,rw,nofail,noauto,rbind,rslave", &o, &e), 0);
	assert_false(o.flags & MS_RDONLY);
	assert_true(o.clear_flags & MS_RDONLY);
	assert_true(o.nofail);
	assert_true(o.noauto);
	assert_true(o.bind);
	assert_int_equal(o.flags & (MS_BIND | MS_REC), MS_BIND | MS_REC);
	assert_int_equal(o.propagation, MS_SLAVE | MS_REC);
	assert_null(o.data);
	lsl_mount_options_free(&o);

	assert_int_equal(lsl_mount_options_parse(NULL, &o, &e), 0);
	assert_int_equal(o.flags, 0);
	assert_int_equal(lsl_mount_options_parse("", &o, &e), 0);
}

static void test_bad_options(void **state)
{
	struct lsl_mount_options o;
	struct lsl_err e = { 0 };

	assert_int_equal(lsl_mount_options_parse("ro,,nosuid", &o, &e), -EINVAL);
	assert_int_equal(lsl_mount_options_parse("ro,", &o, &e), -EINVAL);
	assert_int_equal(lsl_mount_options_parse("uid=1000 gid=5", &o, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "invalid character"));
	assert_int_equal(lsl_mount_options_parse("a\"b", &o, &e), -EINVAL);
}

static unsigned nwarn;
static void count_warn(void *userdata, const char *message) { nwarn++; }

static void test_fstab(void **state)
{
	struct lsl_fstab_entry *v;
	size_t n;

	nwarn = 0;
	assert_int_equal(lsl_fstab_parse("/etc/fstab",
					 "# comment\n"
					 "\n"
					 "tmpfs /mnt/my\\040dir tmpfs size=1m,mode=700 0 0\n"
					 "  /dev/sdb1\t/data ext4\n"
					 "broken line\n"
					 "a b c d e f g\n"
					 "x /y tmpfs defaults zero 0\n",
					 &v, &n, count_warn, NULL),
			 0);
	assert_int_equal(n, 2);
	assert_int_equal(nwarn, 3);
	assert_string_equal(v[0].file, "/mnt/my dir");
	assert_string_equal(v[0].options, "size=1m,mode=700");
	assert_int_equal(v[0].line, 3);
	assert_string_equal(v[1].spec, "/dev/sdb1");
	assert_string_equal(v[1].options, "defaults");
	lsl_fstab_free(v, n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_flags_and_data),
		cmocka_unit_test(test_bad_options),
		cmocka_unit_test(test_fstab),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
