/* SPDX-License-Identifier: MIT */
#include "os-release.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "kv-file.h"
#include "macros.h"
#include "root-file.h"

#define OS_FIELD_MAX 128

static bool field_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > OS_FIELD_MAX)
		return false;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p < ' ' || *p == 0x7f)
			return false;
	return true;
}

static int get_field(const char *text, const char *key, char **out)
{
	char *v = NULL;
	int r = lsl_kv_get(text, key, &v);

	*out = NULL;
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	if (!field_ok(v)) {
		free(v);
		return 0;
	}
	*out = v;
	return 0;
}

int lsl_os_release_parse(const char *text, char **id, char **version_id)
{
	int r;

	*id = *version_id = NULL;
	r = get_field(text, "ID", id);
	if (r == 0)
		r = get_field(text, "VERSION_ID", version_id);
	if (r < 0) {
		free(*id);
		*id = NULL;
	}
	return r;
}

int lsl_os_release_at(int rootfd, char **id, char **version_id)
{
	_cleanup_free_ char *text = NULL;
	int r = lsl_read_root_file(rootfd, "/etc/os-release", LSL_KV_FILE_MAX, &text);

	if (r == -ENOENT)
		r = lsl_read_root_file(rootfd, "/usr/lib/os-release", LSL_KV_FILE_MAX, &text);
	if (r < 0) {
		*id = *version_id = NULL;
		return r == -ENOENT ? 0 : r;
	}
	return lsl_os_release_parse(text, id, version_id);
}
