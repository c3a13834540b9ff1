/* SPDX-License-Identifier: MIT */
#include "root-file.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "macros.h"
#include "util.h"

static int open_in_root(int rootfd, const char *path)
{
	/* O_NONBLOCK: a FIFO planted at a configuration path must not hang us. */
	struct open_how how = {
		.flags = O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK,
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};
	int fd = (int)syscall(SYS_openat2, rootfd, path, &how, sizeof(how));

	if (fd < 0 && errno == ENOSYS) {
		/*
		 * Before Linux 5.6, only where rootfd is this process's own "/" (init,
		 * after pivot_root) does a plain openat stay inside it.
		 */
		struct stat r, own;
		if (fstat(rootfd, &r) < 0 || stat("/", &own) < 0 || r.st_dev != own.st_dev || r.st_ino != own.st_ino)
			return -ENOSYS;
		while (*path == '/')
			path++;
		fd = openat(rootfd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	}
	return fd < 0 ? negative_errno() : fd;
}

int lsl_read_root_file_len(int rootfd, const char *path, size_t max, char **out, size_t *len)
{
	_cleanup_close_ int fd = open_in_root(rootfd, path);
	struct stat st;

	if (fd < 0)
		return fd;
	if (fstat(fd, &st) < 0)
		return negative_errno();
	if (!S_ISREG(st.st_mode))
		return -EINVAL;
	return read_fd_all(fd, max, out, len);
}

int lsl_read_root_file(int rootfd, const char *path, size_t max, char **out)
{
	return lsl_read_root_file_len(rootfd, path, max, out, NULL);
}

int lsl_read_root_text(int rootfd, const char *path, size_t max, char **out)
{
	char *text = NULL;
	size_t len = 0;
	int r = lsl_read_root_file_len(rootfd, path, max, &text, &len);

	if (r < 0)
		return r;
	for (char *nul = memchr(text, 0, len); nul; nul = memchr(nul, 0, len - (size_t)(nul - text))) {
		char *start = nul, *end = nul;

		while (start > text && start[-1] != '\n')
			start--;
		while (end < text + len && *end != '\n')
			end++;
		memset(start, '#', (size_t)(end - start));
		nul = end;
	}
	*out = text;
	return 0;
}

int lsl_for_each_line(const char *text, size_t max_line, int (*fn)(const char *line, size_t len, void *data),
		      void *data)
{
	const char *p = text;

	while (p && *p) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);

		if (len <= max_line) {
			int r = fn(p, len, data);
			if (r != 0)
				return r;
		}
		p = nl ? nl + 1 : NULL;
	}
	return 0;
}
