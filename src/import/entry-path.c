/* SPDX-License-Identifier: MIT */
#include "entry-path.h"

#include <errno.h>
#include <string.h>

/* Refuse: nothing of the path is left in out. */
static int refuse(char *out, size_t size, const char **why, const char *reason, int err)
{
	if (size > 0)
		out[0] = '\0';
	*why = reason;
	return err;
}

int import_path_normalize(const char *raw, char *out, size_t size, const char **why)
{
	size_t n = 0, limit = size > 0 ? size - 1 : 0;
	const char *p = raw;

	*why = NULL;
	if (limit > IMPORT_PATH_MAX)
		limit = IMPORT_PATH_MAX;
	if (size > 0)
		out[0] = '\0';
	if (!raw || !*raw) {
		return refuse(out, size, why, "it has an empty name", -EINVAL);
	}
	if (*raw == '/') {
		return refuse(out, size, why, "it is an absolute path", -EINVAL);
	}
	while (*p) {
		size_t len = strcspn(p, "/");

		if (len == 2 && p[0] == '.' && p[1] == '.') {
			return refuse(out, size, why, "it has a '..' component", -EINVAL);
		}
		if (len > IMPORT_NAME_MAX) {
			return refuse(out, size, why, "a component of it is longer than 255 bytes",
				      -ENAMETOOLONG);
		}
		/* Empty ("a//b") and "." components name nothing. */
		if (len > 0 && !(len == 1 && p[0] == '.')) {
			size_t need = n + (n > 0) + len;
			if (need > limit) {
				return refuse(out, size, why, "it is longer than 4095 bytes", -ENAMETOOLONG);
			}
			if (n > 0)
				out[n++] = '/';
			memcpy(out + n, p, len);
			n += len;
		}
		p += len;
		while (*p == '/')
			p++;
	}
	if (n == 0) {
		/* Only "." and slashes: the root of the archive. */
		if (limit < 1)
			return refuse(out, size, why, "it is longer than the space for it", -ENAMETOOLONG);
		out[n++] = '.';
	}
	out[n] = '\0';
	return 0;
}

char *import_name_printable(const char *raw, char *out, size_t size)
{
	size_t n = 0, max;

	if (size == 0)
		return out;
	if (!raw)
		raw = "(no name)";
	max = size - 1;
	if (max > IMPORT_NAME_SHOWN + 3)
		max = IMPORT_NAME_SHOWN + 3;
	for (; raw[n] && n < max; n++)
		out[n] = raw[n];
	if (raw[n] && max >= 3) {
		/* Cut: keep room for the ellipsis within IMPORT_NAME_SHOWN + 3. */
		n = max - 3 < IMPORT_NAME_SHOWN ? max - 3 : IMPORT_NAME_SHOWN;
		memcpy(out + n, "...", 3);
		n += 3;
	}
	out[n] = '\0';
	import_text_one_line(out);
	return out;
}

void import_text_one_line(char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s == 0x7f)
			*s = '?';
}
