/* SPDX-License-Identifier: MIT */
/*
 * Fuzz archive import (extract.c, input.c, entry-path.c, tree.c and
 * libarchive's reader and disk writer behind them) the way lsl-import runs
 * it: the input is the archive's bytes (tar, plain or compressed), extracted
 * into a fresh scratch directory that is removed afterwards.
 *
 * Oracle: write-guard.c aborts on any write outside the scratch directory
 * (symbolic links resolved), any write into a device or FIFO and any program
 * run; after each input nothing new exists next to the scratch directory,
 * no fd is left open, and a failure says why on one line.
 *
 * Files are capped at 64 MiB (RLIMIT_FSIZE) so decompression bombs stay fast.
 * Run it as root, like lsl-import (owners, device nodes); TMPDIR chooses
 * where the scratch directories go; LSL_FUZZ_VERBOSE=1 prints how each
 * input ended.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdint.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "extract.h"
#include "write-guard.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char work[PATH_MAX];    /* this process's directory, holding only the scratch directory */
static char scratch[PATH_MAX]; /* work/root */
static bool verbose; /* LSL_FUZZ_VERBOSE=1: say how each input ended */

static _Noreturn void fail(const char *what, const char *detail)
{
	fprintf(stderr, "fuzz-import: %s: %s\n", what, detail ? detail : "(null)");
	abort();
}

static int remove_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	if (remove(path) < 0 && errno != ENOENT)
		fail("removing the scratch directory", path);
	return 0;
}

static void remove_work(void)
{
	if (work[0])
		nftw(work, remove_one, 16, FTW_DEPTH | FTW_PHYS);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *tmp = getenv("TMPDIR");
	struct rlimit fsize = { 64 << 20, 64 << 20 };
	char tmpl[PATH_MAX];

	snprintf(tmpl, sizeof(tmpl), "%s/lsl-fuzz-import.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(tmpl) || !realpath(tmpl, work))
		fail("making the work directory", tmpl);
	snprintf(scratch, sizeof(scratch), "%s/root", work);
	atexit(remove_work);
	/* As lsl-import: modes are set exactly, the umask shapes only implied directories. */
	umask(022);
	signal(SIGXFSZ, SIG_IGN);
	if (setrlimit(RLIMIT_FSIZE, &fsize) < 0)
		fail("limiting file sizes", strerror(errno));
	verbose = getenv("LSL_FUZZ_VERBOSE") != NULL;
	return 0;
}

static int lowest_free_fd(void)
{
	int fd = dup(0);

	if (fd < 0)
		fail("dup", strerror(errno));
	close(fd);
	return fd;
}

/* Nothing but the scratch directory next to it. */
static void check_work_dir(void)
{
	DIR *d = opendir(work);
	struct dirent *de;

	if (!d)
		fail("opening the work directory", work);
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..") && strcmp(de->d_name, "root"))
			fail("something was created next to the scratch directory", de->d_name);
	closedir(d);
}

static int archive_fd(const uint8_t *data, size_t size)
{
	int fd = memfd_create("archive", MFD_CLOEXEC);

	if (fd < 0)
		fail("memfd_create", strerror(errno));
	for (size_t done = 0; done < size;) {
		ssize_t n = write(fd, data + done, size - done);
		if (n <= 0)
			fail("writing the archive", strerror(errno));
		done += (size_t)n;
	}
	if (lseek(fd, 0, SEEK_SET) < 0)
		fail("rewinding the archive", strerror(errno));
	return fd;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct lsl_err e = { 0 };
	int cwd, root, fd, r, first_free;

	if (size > 1 << 20)
		return 0;
	/* The lowest free fd before and after: libFuzzer's own fds change between inputs only. */
	first_free = lowest_free_fd();
	if (mkdir(scratch, 0755) < 0)
		fail("making the scratch directory", strerror(errno));
	cwd = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	root = open(scratch, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (cwd < 0 || root < 0 || fchdir(root) < 0)
		fail("entering the scratch directory", strerror(errno));
	fd = archive_fd(data, size);

	write_guard_arm(scratch);
	r = import_extract(fd, root, -1, &e);
	write_guard_disarm();

	if (fchdir(cwd) < 0)
		fail("leaving the scratch directory", strerror(errno));
	if (r < 0 && (!e.msg[0] || e.code != r))
		fail("failure without a reason", e.msg);
	if (verbose)
		fprintf(stderr, "fuzz-import: %s\n", r < 0 ? e.msg : "extracted");
	close(fd);
	close(root);
	close(cwd);
	check_work_dir();
	if (nftw(scratch, remove_one, 16, FTW_DEPTH | FTW_PHYS) < 0)
		fail("removing the scratch directory", strerror(errno));
	if (lowest_free_fd() != first_free)
		fail("an fd was left open", NULL);
	return 0;
}
