/* SPDX-License-Identifier: MIT */
#include "abspath.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

/* Append one component to the normalized path in buf (length *n, "" meaning "/"). */
static void push_component(char *buf, size_t *n, const char *c, size_t len)
{
	if (len == 0 || (len == 1 && c[0] == '.'))
		return;
	if (len == 2 && c[0] == '.' && c[1] == '.') {
		/* Drop the last component; at the root there is none to drop. */
		while (*n > 0 && buf[*n - 1] != '/')
			(*n)--;
		if (*n > 0)
			(*n)--;
		buf[*n] = 0;
		return;
	}
	buf[(*n)++] = '/';
	memcpy(buf + *n, c, len);
	*n += len;
	buf[*n] = 0;
}

static void push_path(char *buf, size_t *n, const char *p)
{
	while (*p) {
		const char *slash = strchr(p, '/');
		size_t len = slash ? (size_t)(slash - p) : strlen(p);

		push_component(buf, n, p, len);
		p += len;
		while (*p == '/')
			p++;
	}
}

int lsl_path_absolute(const char *cwd, const char *path, char **out)
{
	bool relative;
	size_t cap, n = 0;
	char *buf;

	*out = NULL;
	if (isempty(path))
		return -EINVAL;
	relative = path[0] != '/';
	if (relative && (isempty(cwd) || cwd[0] != '/'))
		return -EINVAL;
	/* The result is never longer than cwd + "/" + path. */
	cap = (relative ? strlen(cwd) : 0) + strlen(path) + 2;
	buf = malloc(cap);
	if (!buf)
		return -ENOMEM;
	buf[0] = 0;
	if (relative)
		push_path(buf, &n, cwd);
	push_path(buf, &n, path);
	if (n == 0) {
		buf[0] = '/';
		buf[1] = 0;
	}
	*out = buf;
	return 0;
}
