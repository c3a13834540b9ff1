/* SPDX-License-Identifier: MIT */
/* Paths inside a distribution's root: hostile symlinks must resolve inside it. */
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

#include "root-path.h"
#include "util.h"

struct tree {
	char *dir;
	int fd;
};

static int setup(void **state)
{
	struct tree *t = calloc(1, sizeof(*t));
	const char *tmp = getenv("TMPDIR");

	assert_non_null(t);
	t->dir = strdup_printf("%s/lsl-root-path-XXXXXX", tmp && *tmp == '/' ? tmp : "/tmp");
	assert_non_null(t->dir);
	assert_non_null(mkdtemp(t->dir));
	t->fd = open(t->dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	assert_true(t->fd >= 0);
	*state = t;
	return 0;
}

static int teardown(void **state)
{
	struct tree *t = *state;

	close(t->fd);
	assert_int_equal(rm_rf(t->dir), 0);
	free(t->dir);
	free(t);
	return 0;
}

static void put_dir(struct tree *t, const char *rel)
{
	_cleanup_free_ char *p = strdup_printf("%s/%s", t->dir, rel);
	assert_int_equal(mkdir_p(p, 0755), 0);
}

static void put_file(struct tree *t, const char *rel, const char *text)
{
	_cleanup_free_ char *p = strdup_printf("%s/%s", t->dir, rel);
	_cleanup_close_ int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write_full(fd, text, strlen(text)), 0);
}

static void put_link(struct tree *t, const char *rel, const char *target)
{
	_cleanup_free_ char *p = strdup_printf("%s/%s", t->dir, rel);
	assert_int_equal(symlink(target, p), 0);
}

/* fd is the directory <tree>/<rel>. */
static void assert_same_dir(struct tree *t, int fd, const char *rel)
{
	_cleanup_free_ char *p = strdup_printf("%s/%s", t->dir, rel);
	struct stat a, b;

	assert_true(fd >= 0);
	assert_int_equal(fstat(fd, &a), 0);
	assert_int_equal(lstat(p, &b), 0);
	assert_true(S_ISDIR(b.st_mode));
	assert_true(a.st_dev == b.st_dev && a.st_ino == b.st_ino);
}

static bool host_has(const char *path)
{
	struct stat st;
	return lstat(path, &st) == 0;
}

static void test_plain(void **state)
{
	struct tree *t = *state;
	struct lsl_err e = { 0 };
	int fd;

	fd = lsl_root_mkdir_p(t->fd, "/mnt/wsl", 0755, &e);
	assert_same_dir(t, fd, "mnt/wsl");
	close(fd);
	/* Again: everything exists. Relative paths and repeated slashes are the same. */
	fd = lsl_root_mkdir_p(t->fd, "mnt//wsl/", 0755, &e);
	assert_same_dir(t, fd, "mnt/wsl");
	close(fd);
	fd = lsl_root_mkdir_p(t->fd, "/", 0755, &e);
	assert_same_dir(t, fd, ".");
	close(fd);
}

static void test_absolute_symlink_stays_inside(void **state)
{
	struct tree *t = *state;
	struct lsl_err e = { 0 };
	bool had_etc_wsl = host_has("/etc/wsl");
	int fd;

	put_dir(t, "etc");
	put_link(t, "mnt", "/etc");
	fd = lsl_root_mkdir_p(t->fd, "/mnt/wsl", 0755, &e);
	assert_same_dir(t, fd, "etc/wsl");
	close(fd);
	if (!had_etc_wsl)
		assert_false(host_has("/etc/wsl"));
}

static void test_dotdot_symlink_stays_inside(void **state)
{
	struct tree *t = *state;
	struct lsl_err e = { 0 };
	_cleanup_free_ char *parent_wsl = NULL;
	bool had_wsl = host_has("/wsl");
	int fd;

	put_link(t, "mnt", "../../..");
	fd = lsl_root_mkdir_p(t->fd, "/mnt/wsl", 0755, &e);
	assert_same_dir(t, fd, "wsl");
	close(fd);
	parent_wsl = strdup_printf("%s/../wsl", t->dir);
	assert_false(host_has(parent_wsl));
	if (!had_wsl)
		assert_false(host_has("/wsl"));
}

static void test_symlink_chain_in_the_middle(void **state)
{
	struct tree *t = *state;
	struct lsl_err e = { 0 };
	int fd;

	/* a -> /x/y, x -> ./z: a/b lands in z/y/b. */
	put_dir(t, "z/y");
	put_link(t, "x", "./z");
	put_link(t, "a", "/x/y");
	fd = lsl_root_mkdir_p(t->fd, "/a/b/c", 0700, &e);
	assert_same_dir(t, fd, "z/y/b/c");
	close(fd);
}

static void test_dangling_symlink_is_refused(void **state)
{
	struct tree *t = *state;
	struct lsl_err e = { 0 };

	put_link(t, "mnt", "/nonexistent/deeper");
	assert_int_equal(lsl_root_mkdir_p(t->fd, "/mnt/wsl", 0755, &e), -ENOENT);
	assert_string_equal(lsl_err_str(&e), "creating /mnt/wsl: /mnt is a dangling symbolic link");
	assert_false(host_has("/nonexistent"));
}

static void test_file_in_the_way(void **state)
{
	struct tree *t = *state;
	struct lsl_err e = { 0 };

	put_file(t, "mnt", "x");
	assert_int_equal(lsl_root_mkdir_p(t->fd, "/mnt/wsl", 0755, &e), -ENOTDIR);
	assert_string_equal(lsl_err_str(&e), "creating /mnt/wsl: /mnt is not a directory");
	put_dir(t, "m2");
	put_file(t, "m2/wsl", "x");
	assert_int_equal(lsl_root_mkdir_p(t->fd, "/m2/wsl", 0755, &e), -ENOTDIR);
	assert_string_equal(lsl_err_str(&e), "creating /m2/wsl: /m2/wsl is not a directory");
}

static void test_symlink_loop(void **state)
{
	struct tree *t = *state;
	struct lsl_err e = { 0 };

	put_link(t, "mnt", "/mnt");
	assert_int_equal(lsl_root_mkdir_p(t->fd, "/mnt/wsl", 0755, &e), -ELOOP);
	assert_non_null(strstr(lsl_err_str(&e), "/mnt"));
}

static void test_open_resolves_inside(void **state)
{
	struct tree *t = *state;
	_cleanup_free_ char *text = NULL;
	_cleanup_close_ int fd = -1;
	char buf[32] = { 0 };

	put_dir(t, "etc");
	put_file(t, "etc/passwd", "inside\n");
	put_link(t, "p", "/etc/passwd");
	put_link(t, "q", "../../../../../../../etc/passwd");
	fd = lsl_root_open(t->fd, "/p", O_RDONLY, 0);
	assert_true(fd >= 0);
	assert_int_equal(read(fd, buf, sizeof(buf) - 1), 7);
	assert_string_equal(buf, "inside\n");
	close(TAKE_FD(fd));
	fd = lsl_root_open(t->fd, "q", O_RDONLY, 0);
	assert_true(fd >= 0);
	memset(buf, 0, sizeof(buf));
	assert_int_equal(read(fd, buf, sizeof(buf) - 1), 7);
	assert_string_equal(buf, "inside\n");
	close(TAKE_FD(fd));
	assert_int_equal(lsl_root_open(t->fd, "", O_RDONLY, 0), -EINVAL);
}

static void test_open_nofollow_and_excl(void **state)
{
	struct tree *t = *state;
	_cleanup_free_ char *victim = NULL;
	struct stat st;
	int fd;

	put_link(t, "init", "/victim");
	/* O_NOFOLLOW|O_PATH: the link itself. */
	fd = lsl_root_open(t->fd, "/init", O_PATH | O_NOFOLLOW, 0);
	assert_true(fd >= 0);
	assert_int_equal(fstat(fd, &st), 0);
	assert_true(S_ISLNK(st.st_mode));
	close(fd);
	/* O_CREAT|O_EXCL never creates through the dangling link. */
	assert_int_equal(lsl_root_open(t->fd, "/init", O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0755), -EEXIST);
	victim = strdup_printf("%s/victim", t->dir);
	assert_false(host_has(victim));
	fd = lsl_root_open(t->fd, "/new", O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0755);
	assert_true(fd >= 0);
	assert_int_equal(fstat(fd, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	close(fd);
}

static void test_magic_links_refused(void **state)
{
	_cleanup_close_ int host_root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	struct stat st;

	(void)state;
	if (stat("/proc/self/root", &st) < 0)
		skip();
	assert_int_equal(lsl_root_open(host_root, "/proc/self/root", O_PATH, 0), -ELOOP);
	assert_int_equal(lsl_root_open(host_root, "/proc/self/cwd/x", O_PATH, 0), -ELOOP);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_plain, setup, teardown),
		cmocka_unit_test_setup_teardown(test_absolute_symlink_stays_inside, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dotdot_symlink_stays_inside, setup, teardown),
		cmocka_unit_test_setup_teardown(test_symlink_chain_in_the_middle, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dangling_symlink_is_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_file_in_the_way, setup, teardown),
		cmocka_unit_test_setup_teardown(test_symlink_loop, setup, teardown),
		cmocka_unit_test_setup_teardown(test_open_resolves_inside, setup, teardown),
		cmocka_unit_test_setup_teardown(test_open_nofollow_and_excl, setup, teardown),
		cmocka_unit_test(test_magic_links_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
