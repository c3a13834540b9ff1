/* SPDX-License-Identifier: MIT */
/* The registry file format: parsing (every malformed line named), writing, and changes. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "registry.h"
#include "util.h"

#define FILE_NAME "/var/lib/lsl/registry"

static const char good[] = "# lsl registry: written by lslservice\n"
			   "version\t1\n"
			   "default\tdebian\n"
			   "distribution\tdebian\tlocation=/srv/d\trootfs=/srv/d/rootfs\tdefault_uid=1000\towned=1\n"
			   "distribution\tAlpha\tlocation=/a\trootfs=/a/rootfs\tdefault_uid=0\towned=0\n";

static int parse(const char *text, struct lsl_registry *r, struct lsl_err *e)
{
	return lsl_registry_parse(FILE_NAME, text, strlen(text), r, e);
}

/* Parsing text fails, with a message that names the file, the line and contains want. */
static void refused(const char *text, unsigned line, const char *want)
{
	struct lsl_registry r = { 0 };
	struct lsl_err e = { 0 };
	char prefix[128];

	snprintf(prefix, sizeof(prefix), "%s:%u: ", FILE_NAME, line);
	if (parse(text, &r, &e) != -EINVAL)
		fail_msg("accepted: %s", text);
	if (strncmp(e.msg, prefix, strlen(prefix)) != 0 || !strstr(e.msg, want))
		fail_msg("message '%s' should start with '%s' and contain '%s'", e.msg, prefix, want);
	assert_null(r.distros);
}

static void test_parse_good(void **state)
{
	_cleanup_registry_ struct lsl_registry r = { 0 };
	struct lsl_err e = { 0 };

	assert_int_equal(parse(good, &r, &e), 0);
	assert_int_equal(r.n, 2);
	/* Sorted by name, case-insensitively. */
	assert_string_equal(r.distros[0].name, "Alpha");
	assert_string_equal(r.distros[1].name, "debian");
	assert_string_equal(r.distros[1].location, "/srv/d");
	assert_string_equal(r.distros[1].rootfs, "/srv/d/rootfs");
	assert_int_equal(r.distros[1].default_uid, 1000);
	assert_true(r.distros[1].owned);
	assert_false(r.distros[0].owned);
	assert_string_equal(r.default_name, "debian");
}

static void test_parse_empty(void **state)
{
	_cleanup_registry_ struct lsl_registry r = { 0 };
	struct lsl_err e = { 0 };

	assert_int_equal(lsl_registry_parse(FILE_NAME, "", 0, &r, &e), 0);
	assert_int_equal(r.n, 0);
	assert_null(r.default_name);
	assert_int_equal(parse("# only a comment\n\n", &r, &e), 0);
	assert_int_equal(parse("version\t1\n", &r, &e), 0);
	assert_int_equal(r.n, 0);
}

static void test_default_case_insensitive(void **state)
{
	_cleanup_registry_ struct lsl_registry r = { 0 };
	struct lsl_err e = { 0 };

	assert_int_equal(parse("version\t1\ndefault\tDEBIAN\n"
			       "distribution\tDebian\tlocation=/d\trootfs=/d/rootfs\n",
			       &r, &e),
			 0);
	/* The registered spelling wins. */
	assert_string_equal(r.default_name, "Debian");
	assert_int_equal(r.distros[0].default_uid, 0);
	assert_false(r.distros[0].owned);
	assert_ptr_equal(lsl_registry_find(&r, "dEbIaN"), &r.distros[0]);
	assert_null(lsl_registry_find(&r, "debian2"));
}

static void test_malformed(void **state)
{
	refused("version\t1\ndistribution\tx\tlocation=/n\trootfs=/n/rootfs\tdefault_uid=0\towned=1\tcolour=blue\n", 2,
		"unknown key 'colour'");
	refused("version\t1\n\nfrobnicate\t1\n", 3, "unknown key 'frobnicate'");
	refused("version\t999\n", 1, "unsupported registry version 999");
	refused("version\tone\n", 1, "malformed version line");
	refused("distribution\tx\tlocation=/x\trootfs=/x/r\n", 1, "expected the version line");
	refused("version\t1\nversion\t1\n", 2, "second version line");
	refused("version\t1\ndistribution\tx\tlocation=relative\trootfs=/x/r\n", 2, "location is not an absolute path");
	refused("version\t1\ndistribution\tx\tlocation=/x\n", 2, "has no rootfs");
	refused("version\t1\ndistribution\tx\trootfs=/x/r\n", 2, "has no location");
	refused("version\t1\ndistribution\tx\tlocation=/x\tlocation=/y\trootfs=/x/r\n", 2, "duplicate key 'location'");
	refused("version\t1\ndistribution\tx\tlocation=/x\trootfs=/x/r\tdefault_uid=-1\n", 2, "not a number");
	refused("version\t1\ndistribution\tx\tlocation=/x\trootfs=/x/r\tdefault_uid=99999999999\n", 2, "not a number");
	refused("version\t1\ndistribution\tx\tlocation=/x\trootfs=/x/r\towned=yes\n", 2, "owned must be 0 or 1");
	refused("version\t1\ndistribution\tx\tlocation\trootfs=/x/r\n", 2, "not key=value");
	refused("version\t1\ndistribution\ta/b\tlocation=/x\trootfs=/x/r\n", 2, "invalid distribution name");
	refused("version\t1\ndistribution\n", 2, "invalid distribution name");
	refused("version\t1\ndistribution\tx\tlocation=/x\trootfs=/x/r\n"
		"distribution\tX\tlocation=/y\trootfs=/y/r\n",
		3, "listed twice");
	refused("version\t1\ndefault\tnone\n", 2, "not a registered distribution");
	refused("version\t1\ndefault\ta\ndefault\tb\n", 3, "second default line");
	refused("version\t1\r\n", 1, "control character");
	refused("version\t1\ndistribution\tx\tlocation=/x\x1b[2J\trootfs=/x/r\n", 2, "control character");
}

static void test_nul_byte(void **state)
{
	static const char text[] = "version\t1\n\n\x00\xff\xfegarbage\n";
	struct lsl_registry r = { 0 };
	struct lsl_err e = { 0 };

	assert_int_equal(lsl_registry_parse(FILE_NAME, text, sizeof(text) - 1, &r, &e), -EINVAL);
	assert_non_null(strstr(e.msg, FILE_NAME ":3: "));
	assert_non_null(strstr(e.msg, "NUL"));
}

static void test_format_roundtrip(void **state)
{
	_cleanup_registry_ struct lsl_registry r = { 0 }, again = { 0 };
	_cleanup_free_ char *text = NULL, *text2 = NULL;
	struct lsl_err e = { 0 };
	size_t len;

	assert_int_equal(parse(good, &r, &e), 0);
	assert_int_equal(lsl_registry_format(&r, &text, &len), 0);
	assert_int_equal(strlen(text), len);
	assert_non_null(strstr(text, "version\t1\n"));
	assert_non_null(strstr(text, "default\tdebian\n"));
	assert_non_null(strstr(text, "distribution\tAlpha\tlocation=/a\trootfs=/a/rootfs\tdefault_uid=0\towned=0\n"));
	assert_int_equal(lsl_registry_parse(FILE_NAME, text, len, &again, &e), 0);
	assert_int_equal(lsl_registry_format(&again, &text2, NULL), 0);
	assert_string_equal(text, text2);
}

static void test_add_remove_default(void **state)
{
	_cleanup_registry_ struct lsl_registry r = { 0 }, copy = { 0 };
	struct lsl_distro a = { .name = (char *)"beta", .location = (char *)"/b", .rootfs = (char *)"/b/rootfs" };
	struct lsl_distro b = { .name = (char *)"Alpha", .location = (char *)"/a", .rootfs = (char *)"/a/rootfs", .owned = true };
	struct lsl_distro c = { .name = (char *)"gamma", .location = (char *)"/c", .rootfs = (char *)"/c/rootfs" };
	struct lsl_distro dup = { .name = (char *)"BETA", .location = (char *)"/x", .rootfs = (char *)"/x/rootfs" };
	struct lsl_distro bad = { .name = (char *)"tab\tname", .location = (char *)"/x", .rootfs = (char *)"/x/rootfs" };
	struct lsl_distro badpath = { .name = (char *)"ok", .location = (char *)"/x\ny", .rootfs = (char *)"/x/rootfs" };

	/* The first one becomes the default, as with WSL. */
	assert_int_equal(lsl_registry_add(&r, &a), 0);
	assert_string_equal(r.default_name, "beta");
	assert_int_equal(lsl_registry_add(&r, &b), 0);
	assert_int_equal(lsl_registry_add(&r, &c), 0);
	assert_string_equal(r.default_name, "beta");
	assert_int_equal(lsl_registry_add(&r, &dup), -EEXIST);
	assert_int_equal(lsl_registry_add(&r, &bad), -EINVAL);
	assert_int_equal(lsl_registry_add(&r, &badpath), -EINVAL);
	assert_int_equal(r.n, 3);
	assert_string_equal(r.distros[0].name, "Alpha");
	assert_string_equal(r.distros[1].name, "beta");
	assert_string_equal(r.distros[2].name, "gamma");

	/* A change made on a copy leaves the original alone. */
	assert_int_equal(lsl_registry_clone(&r, &copy), 0);
	assert_int_equal(lsl_registry_set_default(&copy, "GAMMA"), 0);
	assert_string_equal(copy.default_name, "gamma");
	assert_string_equal(r.default_name, "beta");
	assert_int_equal(lsl_registry_set_default(&copy, "nope"), -ENOENT);

	/* Removing the default makes the first remaining one the default. */
	assert_int_equal(lsl_registry_remove(&r, "Beta"), 0);
	assert_int_equal(r.n, 2);
	assert_string_equal(r.default_name, "Alpha");
	assert_int_equal(lsl_registry_remove(&r, "beta"), -ENOENT);
	assert_int_equal(lsl_registry_remove(&r, "gamma"), 0);
	assert_string_equal(r.default_name, "Alpha");
	assert_int_equal(lsl_registry_remove(&r, "alpha"), 0);
	assert_int_equal(r.n, 0);
	assert_null(r.default_name);
}

static void test_start_report_and_first_run(void **state)
{
	static const char text[] = "version\t1\n"
				   "distribution\tdeb\tlocation=/d\trootfs=/d/rootfs\tdefault_uid=0\towned=1"
				   "\tos=debian\tos_version=12\tuser=1000\tsystemd=1\n"
				   "distribution\tnew\tlocation=/n\trootfs=/n/rootfs\tdefault_uid=0\towned=1\tfirst_run=1\n";
	_cleanup_registry_ struct lsl_registry r = { 0 }, again = { 0 };
	_cleanup_free_ char *out = NULL;
	struct lsl_err e = { 0 };
	size_t len;

	assert_int_equal(parse(text, &r, &e), 0);
	assert_true(r.distros[0].seen);
	assert_string_equal(r.distros[0].os_id, "debian");
	assert_string_equal(r.distros[0].os_version, "12");
	assert_int_equal(r.distros[0].user_uid, 1000);
	assert_true(r.distros[0].systemd);
	assert_false(r.distros[0].first_run);
	assert_false(r.distros[1].seen);
	assert_null(r.distros[1].os_id);
	assert_true(r.distros[1].first_run);

	/* Written and read back unchanged. */
	assert_int_equal(lsl_registry_format(&r, &out, &len), 0);
	assert_int_equal(lsl_registry_parse(FILE_NAME, out, len, &again, &e), 0);
	assert_string_equal(again.distros[0].os_id, "debian");
	assert_true(again.distros[0].systemd);
	assert_true(again.distros[1].first_run);
	assert_false(again.distros[1].seen);

	refused("version\t1\ndistribution\tx\tlocation=/x\trootfs=/x/r\tos=deb ian\n", 2, "not a valid word");
	refused("version\t1\ndistribution\tx\tlocation=/x\trootfs=/x/r\tsystemd=2\n", 2, "0 or 1");
	refused("version\t1\ndistribution\tx\tlocation=/x\trootfs=/x/r\tuser=-1\n", 2, "not a number");
	refused("version\t1\ndistribution\tx\tlocation=/x\trootfs=/x/r\tfirst_run=1\tfirst_run=1\n", 2,
		"duplicate");
	assert_true(lsl_registry_word_valid("opensuse-tumbleweed"));
	assert_true(lsl_registry_word_valid("20240101.1"));
	assert_false(lsl_registry_word_valid("a b"));
	assert_false(lsl_registry_word_valid("\x1b[2J"));
	assert_false(lsl_registry_word_valid(""));
}

static void test_values(void **state)
{
	assert_true(lsl_registry_value_valid("a b"));
	assert_false(lsl_registry_value_valid(""));
	assert_false(lsl_registry_value_valid(NULL));
	assert_false(lsl_registry_value_valid("a\tb"));
	assert_false(lsl_registry_value_valid("a\nb"));
	assert_true(lsl_registry_path_valid("/x"));
	assert_false(lsl_registry_path_valid("x"));
}

/* image= and in_place=: image distributions, and the older format still read as it was. */
static void test_image_key(void **state)
{
	static const char text[] = "version\t1\n"
				   "distribution\timg\tlocation=/v\trootfs=/v/ext4.img\tdefault_uid=0\towned=1\t"
				   "image=/v/ext4.img\n"
				   "distribution\tplace\tlocation=/w\trootfs=/w/disk.img\tdefault_uid=1000\towned=0\t"
				   "image=/w/disk.img\tin_place=1\tos=debian\tuser=1000\tsystemd=0\n"
				   "distribution\tdir\tlocation=/d\trootfs=/d/rootfs\tdefault_uid=0\towned=1\n";
	_cleanup_registry_ struct lsl_registry r = { 0 }, again = { 0 }, copy = { 0 };
	_cleanup_free_ char *out = NULL, *out2 = NULL;
	struct lsl_distro *d;
	struct lsl_err e = { 0 };
	size_t len;

	assert_int_equal(parse(text, &r, &e), 0);
	d = lsl_registry_find(&r, "img");
	assert_non_null(d);
	assert_string_equal(d->image, "/v/ext4.img");
	assert_false(d->in_place);
	d = lsl_registry_find(&r, "place");
	assert_string_equal(d->image, "/w/disk.img");
	assert_true(d->in_place);
	assert_true(d->seen);
	d = lsl_registry_find(&r, "dir");
	assert_null(d->image);
	assert_false(d->in_place);

	/* Written and read back the same; a directory distribution's line has no image key. */
	assert_int_equal(lsl_registry_format(&r, &out, &len), 0);
	assert_non_null(strstr(out, "\timage=/v/ext4.img\n"));
	assert_non_null(strstr(out, "\timage=/w/disk.img\tin_place=1\t"));
	assert_non_null(strstr(out, "distribution\tdir\tlocation=/d\trootfs=/d/rootfs\tdefault_uid=0\towned=1\n"));
	assert_int_equal(parse(out, &again, &e), 0);
	assert_int_equal(lsl_registry_format(&again, &out2, &len), 0);
	assert_string_equal(out, out2);

	/* Copies carry them. */
	assert_int_equal(lsl_registry_clone(&r, &copy), 0);
	assert_string_equal(lsl_registry_find(&copy, "place")->image, "/w/disk.img");
	assert_true(lsl_registry_find(&copy, "place")->in_place);

	refused("version\t1\ndistribution\tx\tlocation=/x\trootfs=/x/r\timage=rel.img\n", 2,
		"image is not an absolute path");
	refused("version\t1\ndistribution\tx\tlocation=/x\trootfs=/x/r\timage=/a\timage=/b\n", 2,
		"duplicate key 'image'");
	refused("version\t1\ndistribution\tx\tlocation=/x\trootfs=/x/r\tin_place=1\n", 2,
		"in_place without an image");
	refused("version\t1\ndistribution\tx\tlocation=/x\trootfs=/x/r\timage=/a\tin_place=2\n", 2,
		"in_place must be 0 or 1");
}

static void test_add_image(void **state)
{
	_cleanup_registry_ struct lsl_registry r = { 0 };
	struct lsl_distro d = { .name = (char *)"i", .location = (char *)"/l", .rootfs = (char *)"/l/ext4.img",
				.image = (char *)"/l/ext4.img" };

	assert_int_equal(lsl_registry_add(&r, &d), 0);
	assert_string_equal(lsl_registry_find(&r, "i")->image, "/l/ext4.img");
	/* in_place needs an image; an image must be an absolute path. */
	d.name = (char *)"j";
	d.image = NULL;
	d.in_place = true;
	assert_int_equal(lsl_registry_add(&r, &d), -EINVAL);
	d.image = (char *)"relative";
	assert_int_equal(lsl_registry_add(&r, &d), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_good),
		cmocka_unit_test(test_parse_empty),
		cmocka_unit_test(test_default_case_insensitive),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_nul_byte),
		cmocka_unit_test(test_format_roundtrip),
		cmocka_unit_test(test_add_remove_default),
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_start_report_and_first_run),
		cmocka_unit_test(test_image_key),
		cmocka_unit_test(test_add_image),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
