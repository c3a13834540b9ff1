/* SPDX-License-Identifier: MIT */
/*
 * lsl-import: extract one archive into one directory, in a process of its
 * own so that the hostile input is parsed away from the service.
 *
 *   fd 0  the archive (tar; gzip, bzip2, xz, lzma, lzip, zstd, lz4 or .Z)
 *   fd 3  the directory to extract into (empty, opened by the service)
 *   fd 4  optional: progress records (see progress.h)
 *   fd 2  on failure, one line "<what>: <why>"
 *
 * No arguments. Exit status 0 on success, 1 on failure (the caller removes
 * whatever was extracted). SIGTERM ends it at once.
 */
#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "entry-path.h"
#include "extract.h"
#include "helper-process.h"
#include "log.h"
#include "util.h"

#define ARCHIVE_FD 0
#define TARGET_FD 3
#define PROGRESS_FD 4

/* Inherited state that must not shape the extraction (see helper-process.h). */
static void reset_process(void)
{
	lsl_helper_reset_process();
	/*
	 * Every member's mode is set exactly (ARCHIVE_EXTRACT_PERM) whatever the
	 * umask; the umask only shapes the directories the archive implies
	 * without listing them, and those must not be world-writable.
	 */
	umask(022);
}

static int check_fds(struct lsl_err *e)
{
	struct stat st;

	if (!lsl_fd_is_open(ARCHIVE_FD))
		return lsl_err_set(e, EBADF, "reading the archive (fd 0)");
	if (fstat(TARGET_FD, &st) < 0)
		return lsl_err_set(e, errno, "opening the target directory (fd 3)");
	if (!S_ISDIR(st.st_mode))
		return lsl_err_set(e, ENOTDIR, "opening the target directory (fd 3)");
	/* Paths given to libarchive's writer are relative to the target. */
	if (fchdir(TARGET_FD) < 0)
		return lsl_err_set(e, errno, "entering the target directory (fd 3)");
	return 0;
}

static void print_error(struct lsl_err *e)
{
	char line[LSL_ERR_MAX + 1];
	size_t n;

	snprintf(line, sizeof(line) - 1, "%s", lsl_err_str(e));
	/* Names from the archive are in it: it must stay one line. */
	import_text_one_line(line);
	n = strlen(line);
	line[n++] = '\n';
	(void)!write(STDERR_FILENO, line, n);
}

int main(int argc, char **argv)
{
	struct lsl_err e = { 0 };
	int r;

	reset_process();
	lsl_fill_stdout_stderr();
	if (argc > 1) {
		lsl_err_setf(&e, EINVAL,
			     "lsl-import takes no arguments: the archive is fd 0, the target directory fd 3, "
			     "progress goes to fd 4");
		print_error(&e);
		return EXIT_FAILURE;
	}
	/* Decided before anything is opened, so that a file we open can never be taken for it. */
	int progress = lsl_progress_fd(PROGRESS_FD);
	close_all_fds(PROGRESS_FD + 1, NULL, 0);

	r = check_fds(&e);
	if (r == 0)
		r = import_extract(ARCHIVE_FD, TARGET_FD, progress, &e);
	if (r < 0) {
		print_error(&e);
		return EXIT_FAILURE;
	}
	return EXIT_SUCCESS;
}
