/* SPDX-License-Identifier: MIT */
/*
 * lsl-export: a distribution's root as a tarball, or its image copied, in a
 * process of its own (it reads a tree the distribution controls).
 *
 *   lsl-export --format tar|tar.gz|tar.xz|tar.zst   fd 3: the root directory
 *   lsl-export --format FORMAT --mount-ns           fd 3: a distribution's mount namespace:
 *                                                   its root filesystem alone is exported
 *   lsl-export --copy                               fd 3: the image to copy
 *   fd 1  the output
 *   fd 4  optional: progress records (src/import/progress.h)
 *   fd 2  on failure, one line "<what>: <why>"
 *
 * For a tarball it chroot()s into the root first, so that nothing the
 * distribution's symlinks say can lead outside it. Exit status 0 or 1.
 */
#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "disk-image.h"
#include "export.h"
#include "helper-process.h"
#include "util.h"

#define OUT_FD 1
#define SOURCE_FD 3
#define PROGRESS_FD 4

/*
 * LeakSanitizer (sanitized builds only) checks at exit through /proc, which
 * is not there once we are chrooted into the distribution: it would abort
 * a successful export. After the chroot it is told to stay quiet; the
 * address checks stay on.
 */
static bool chrooted;
int __lsan_is_turned_off(void);
int __lsan_is_turned_off(void) { return chrooted; }

static void print_error(const struct lsl_err *e)
{
	char line[LSL_ERR_MAX + 1];
	size_t n;

	snprintf(line, sizeof(line) - 1, "%s", lsl_err_str(e));
	/* Names from the tree are in it: it stays one line of printable text. */
	for (char *c = line; *c; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			*c = '?';
	n = strlen(line);
	line[n++] = '\n';
	(void)!write(STDERR_FILENO, line, n);
}

/*
 * A mount namespace's root filesystem, without what is mounted on it: enter
 * the namespace and clone its root mount alone (a detached copy of the same
 * filesystem), so that /proc, /dev and lsl's /init bound over the
 * distribution's own are not in the way.
 */
static int enter_mount_ns_root(struct lsl_err *e)
{
	_cleanup_close_ int tree = -1;

	if (setns(SOURCE_FD, CLONE_NEWNS) < 0)
		return lsl_err_set(e, errno, "entering the distribution's mount namespace");
	tree = open_tree(AT_FDCWD, "/", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
	if (tree < 0)
		return lsl_err_set(e, errno, "opening the distribution's root filesystem");
	if (fchdir(tree) < 0)
		return lsl_err_set(e, errno, "entering the distribution's root filesystem");
	return 0;
}

static int enter_root(bool mount_ns, struct lsl_err *e)
{
	struct stat st;

	if (mount_ns)
		return enter_mount_ns_root(e);
	if (fstat(SOURCE_FD, &st) < 0)
		return lsl_err_set(e, errno, "opening the root directory (fd 3)");
	if (!S_ISDIR(st.st_mode))
		return lsl_err_set(e, ENOTDIR, "opening the root directory (fd 3)");
	if (fchdir(SOURCE_FD) < 0)
		return lsl_err_set(e, errno, "entering the root directory");
	return 0;
}

int main(int argc, char **argv)
{
	enum lsl_export_format format = LSL_EXPORT_TAR;
	bool copy = false, mount_ns = false, have_format = false;
	struct lsl_err e = { 0 };
	int progress, r = 0;

	lsl_helper_reset_process();
	for (int i = 1; i < argc && r == 0; i++) {
		if (streq(argv[i], "--copy"))
			copy = true;
		else if (streq(argv[i], "--mount-ns"))
			mount_ns = true;
		else if (streq(argv[i], "--format") && i + 1 < argc) {
			have_format = true;
			if (lsl_export_format_parse(argv[++i], &format) < 0 || format == LSL_EXPORT_VHD)
				r = lsl_err_setf(&e, EINVAL, "lsl-export: unknown tar format '%s'", argv[i]);
		} else
			r = lsl_err_setf(&e, EINVAL, "lsl-export: unknown argument '%s'", argv[i]);
	}
	if (r == 0 && copy == have_format)
		r = lsl_err_setf(&e, EINVAL, "lsl-export takes --format FORMAT [--mount-ns] or --copy");
	if (r == 0 && (!lsl_fd_is_open(OUT_FD) || !lsl_fd_is_open(SOURCE_FD)))
		r = lsl_err_setf(&e, EBADF, "lsl-export needs the output on fd 1 and the source on fd 3");
	if (r < 0) {
		print_error(&e);
		return EXIT_FAILURE;
	}
	progress = lsl_progress_fd(PROGRESS_FD);
	close_all_fds(PROGRESS_FD + 1, NULL, 0);

	if (copy) {
		r = export_copy(SOURCE_FD, OUT_FD, progress, &e);
	} else {
		r = enter_root(mount_ns, &e);
		/* From here on "/" is the distribution's root: its absolute symlinks point inside it. */
		if (r == 0 && chroot(".") < 0)
			r = lsl_err_set(&e, errno, "entering the root directory");
		chrooted = r == 0;
		if (r == 0)
			r = export_tree(OUT_FD, format, progress, &e);
	}
	if (r < 0) {
		print_error(&e);
		return EXIT_FAILURE;
	}
	return EXIT_SUCCESS;
}
