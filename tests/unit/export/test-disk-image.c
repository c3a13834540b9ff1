/* SPDX-License-Identifier: MIT */
/* Sizes as users write them, export formats, the ext4 superblock check, mount names. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "disk-image.h"
#include "util.h"

#define KiB UINT64_C(1024)
#define MiB (KiB * 1024)
#define GiB (MiB * 1024)
#define TiB (GiB * 1024)

static uint64_t size_of(const char *s)
{
	uint64_t v = 0;
	int r = lsl_size_parse(s, &v);
	if (r < 0)
		fail_msg("'%s' refused: %d", s, r);
	return v;
}

static void test_size_parse(void **state)
{
	assert_int_equal(size_of("4096"), 4096);
	assert_int_equal(size_of("4096B"), 4096);
	assert_int_equal(size_of("1K"), KiB);
	assert_int_equal(size_of("512M"), 512 * MiB);
	assert_int_equal(size_of("512m"), 512 * MiB);
	assert_int_equal(size_of("10G"), 10 * GiB);
	assert_int_equal(size_of("10GB"), 10 * GiB);
	assert_int_equal(size_of("10GiB"), 10 * GiB);
	assert_int_equal(size_of("1T"), TiB);
	assert_int_equal(size_of("1.5G"), GiB + GiB / 2);
	assert_int_equal(size_of("0.5K"), 512);
	assert_int_equal(size_of("2P"), 2 * 1024 * TiB);

	uint64_t v;
	assert_int_equal(lsl_size_parse("", &v), -EINVAL);
	assert_int_equal(lsl_size_parse(NULL, &v), -EINVAL);
	assert_int_equal(lsl_size_parse("0", &v), -EINVAL);
	assert_int_equal(lsl_size_parse("0G", &v), -EINVAL);
	assert_int_equal(lsl_size_parse("G", &v), -EINVAL);
	assert_int_equal(lsl_size_parse(".", &v), -EINVAL);
	assert_int_equal(lsl_size_parse("-1G", &v), -EINVAL);
	assert_int_equal(lsl_size_parse("10X", &v), -EINVAL);
	assert_int_equal(lsl_size_parse("10GBB", &v), -EINVAL);
	assert_int_equal(lsl_size_parse("1 G", &v), -EINVAL);
	assert_int_equal(lsl_size_parse("9000P", &v), -ERANGE);
	assert_int_equal(lsl_size_parse("99999999999999999999999", &v), -ERANGE);
}

static void test_size_format(void **state)
{
	char buf[32];

	lsl_size_format(512, buf, sizeof(buf));
	assert_string_equal(buf, "512 bytes");
	lsl_size_format(16 * MiB, buf, sizeof(buf));
	assert_string_equal(buf, "16 MiB");
	lsl_size_format(GiB + GiB / 2, buf, sizeof(buf));
	assert_string_equal(buf, "1.5 GiB");
	lsl_size_format(TiB, buf, sizeof(buf));
	assert_string_equal(buf, "1 TiB");
}

static void test_export_formats(void **state)
{
	enum lsl_export_format f;

	assert_int_equal(lsl_export_format_from_name("x.tar"), LSL_EXPORT_TAR);
	assert_int_equal(lsl_export_format_from_name("/a/b/x.tar.gz"), LSL_EXPORT_TAR_GZ);
	assert_int_equal(lsl_export_format_from_name("x.TGZ"), LSL_EXPORT_TAR_GZ);
	assert_int_equal(lsl_export_format_from_name("x.tar.xz"), LSL_EXPORT_TAR_XZ);
	assert_int_equal(lsl_export_format_from_name("x.txz"), LSL_EXPORT_TAR_XZ);
	assert_int_equal(lsl_export_format_from_name("x.tar.zst"), LSL_EXPORT_TAR_ZST);
	assert_int_equal(lsl_export_format_from_name("x.vhd"), LSL_EXPORT_VHD);
	assert_int_equal(lsl_export_format_from_name("ext4.vhdx"), LSL_EXPORT_VHD);
	assert_int_equal(lsl_export_format_from_name("disk.img"), LSL_EXPORT_VHD);
	/* Anything else, and stdout, is a plain tar, as with wsl.exe. */
	assert_int_equal(lsl_export_format_from_name("-"), LSL_EXPORT_TAR);
	assert_int_equal(lsl_export_format_from_name("backup"), LSL_EXPORT_TAR);
	assert_int_equal(lsl_export_format_from_name(".gz"), LSL_EXPORT_TAR);
	assert_int_equal(lsl_export_format_from_name("x.gz"), LSL_EXPORT_TAR);

	assert_int_equal(lsl_export_format_parse("tar.zst", &f), 0);
	assert_int_equal(f, LSL_EXPORT_TAR_ZST);
	assert_int_equal(lsl_export_format_parse("VHD", &f), 0);
	assert_int_equal(f, LSL_EXPORT_VHD);
	assert_int_equal(lsl_export_format_parse("zip", &f), -EINVAL);
	assert_int_equal(lsl_export_format_parse(NULL, &f), -EINVAL);
	for (int k = LSL_EXPORT_TAR; k <= LSL_EXPORT_VHD; k++) {
		assert_int_equal(lsl_export_format_parse(lsl_export_format_name(k), &f), 0);
		assert_int_equal(f, k);
	}
}

static void test_ext4_magic(void **state)
{
	uint8_t sb[1024] = { 0 };
	char path[] = "/tmp/lsl-test-ext4-XXXXXX";
	struct lsl_err e = { 0 };
	int fd;

	assert_false(lsl_ext4_superblock_valid(sb, sizeof(sb)));
	sb[LSL_EXT4_MAGIC_OFFSET] = 0x53;
	sb[LSL_EXT4_MAGIC_OFFSET + 1] = 0xEF;
	assert_true(lsl_ext4_superblock_valid(sb, sizeof(sb)));
	/* Too short to hold the magic. */
	assert_false(lsl_ext4_superblock_valid(sb, LSL_EXT4_MAGIC_OFFSET + 1));
	sb[LSL_EXT4_MAGIC_OFFSET] = 0xEF;
	sb[LSL_EXT4_MAGIC_OFFSET + 1] = 0x53; /* big-endian: not ext4 */
	assert_false(lsl_ext4_superblock_valid(sb, sizeof(sb)));

	/* Through a file: byte 1080 of the device. */
	fd = mkstemp(path);
	assert_true(fd >= 0);
	unlink(path);
	assert_int_equal(lsl_ext4_check(fd, "the test file", &e), -EINVAL);
	assert_string_equal(e.msg, "the test file is not an ext4 filesystem image");
	uint8_t magic[2] = { 0x53, 0xEF };
	assert_int_equal(pwrite(fd, magic, 2, 1080), 2);
	assert_int_equal(lsl_ext4_check(fd, "the test file", &e), 0);
	close(fd);
}

static void test_mount_names(void **state)
{
	char buf[LSL_MOUNT_NAME_MAX + 1];

	assert_true(lsl_mount_name_valid("sdb"));
	assert_true(lsl_mount_name_valid("data.img"));
	assert_true(lsl_mount_name_valid("a_b-c+d"));
	assert_false(lsl_mount_name_valid(""));
	assert_false(lsl_mount_name_valid(NULL));
	assert_false(lsl_mount_name_valid("."));
	assert_false(lsl_mount_name_valid(".."));
	assert_false(lsl_mount_name_valid(".hidden"));
	assert_false(lsl_mount_name_valid("-o"));
	assert_false(lsl_mount_name_valid("a/b"));
	assert_false(lsl_mount_name_valid("a b"));
	assert_false(lsl_mount_name_valid("0123456789012345678901234567890123456789012345678901234567890123456789"));

	assert_int_equal(lsl_mount_name_default("/dev/sdb", 0, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "sdb");
	assert_int_equal(lsl_mount_name_default("/dev/sdb", 2, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "sdbp2");
	assert_int_equal(lsl_mount_name_default("/srv/my disk.img", 0, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "my_disk.img");
	assert_int_equal(lsl_mount_name_default("/srv/.hidden", 0, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "hidden");
	assert_int_equal(lsl_mount_name_default("/srv/d/", 0, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "d");
	assert_int_equal(lsl_mount_name_default("/", 0, buf, sizeof(buf)), -EINVAL);
	assert_int_equal(lsl_mount_name_default("/x/...", 0, buf, sizeof(buf)), -EINVAL);
	/* Long names are cut so that the partition suffix still fits. */
	assert_int_equal(lsl_mount_name_default("/x/0123456789012345678901234567890123456789012345678901234567890123456789", 12,
						buf, sizeof(buf)), 0);
	assert_int_equal(strlen(buf), LSL_MOUNT_NAME_MAX);
	assert_string_equal(buf + strlen(buf) - 3, "p12");
	assert_true(lsl_mount_name_valid(buf));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_size_parse),
		cmocka_unit_test(test_size_format),
		cmocka_unit_test(test_export_formats),
		cmocka_unit_test(test_ext4_magic),
		cmocka_unit_test(test_mount_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
