/* SPDX-License-Identifier: MIT */
#include "etc-file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "macros.h"
#include "util.h"

/* True when /etc/<name> is a regular file holding exactly text (and already mode 0644). */
static bool same_file(int etc, const char *name, const char *text)
{
	size_t want = strlen(text), have = 0;
	_cleanup_free_ char *old = NULL;
	_cleanup_close_ int fd = -1;
	struct stat st;

	/* O_NONBLOCK: a FIFO put there by the distribution must not hold init up. */
	fd = openat(etc, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || (st.st_mode & 07777) != 0644 ||
	    (size_t)st.st_size != want)
		return false;
	if (read_fd_all(fd, want + 1, &old, &have) < 0)
		return false;
	return have == want && memcmp(old, text, want) == 0;
}

int lsl_etc_write(int etc, const char *name, const char *text)
{
	char tmp[64];
	_cleanup_close_ int fd = -1;
	int r;

	if (same_file(etc, name, text))
		return 0;
	snprintf(tmp, sizeof(tmp), ".%s.lsl-%d", name, (int)getpid());
	(void)unlinkat(etc, tmp, 0);
	fd = openat(etc, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0)
		return negative_errno();
	r = write_full(fd, text, strlen(text));
	if (r == 0 && fchmod(fd, 0644) < 0)
		r = negative_errno();
	/* A reader sees the old file or the new one, never half of one. */
	if (r == 0 && renameat(etc, tmp, etc, name) < 0)
		r = negative_errno();
	if (r < 0)
		(void)unlinkat(etc, tmp, 0);
	return r;
}

int lsl_etc_link(int etc, const char *name, const char *target)
{
	char tmp[64], now[4096];
	ssize_t n = readlinkat(etc, name, now, sizeof(now));
	int r = 0;

	if (n >= 0 && (size_t)n == strlen(target) && memcmp(now, target, (size_t)n) == 0)
		return 0;
	snprintf(tmp, sizeof(tmp), ".%s.lsl-%d", name, (int)getpid());
	(void)unlinkat(etc, tmp, 0);
	/* A new link then rename: the name is never missing for a reader. */
	if (symlinkat(target, etc, tmp) < 0)
		return negative_errno();
	if (renameat(etc, tmp, etc, name) < 0) {
		r = negative_errno();
		(void)unlinkat(etc, tmp, 0);
	}
	return r;
}
