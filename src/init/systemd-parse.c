/* SPDX-License-Identifier: MIT */
#include "systemd-parse.h"

#include <string.h>

#include "util.h"

/* Copy the value of "KEY=" at line[0..len) into out, keeping printable characters only. */
static void copy_value(const char *v, size_t len, char *out, size_t size)
{
	size_t n = 0;

	for (size_t i = 0; i < len && n + 1 < size; i++)
		if ((unsigned char)v[i] >= 0x20 && v[i] != 0x7f)
			out[n++] = v[i];
	out[n] = 0;
}

static bool line_is(const char *line, size_t len, const char *kv)
{
	return len == strlen(kv) && memcmp(line, kv, len) == 0;
}

void lsl_sd_notify_parse(const char *msg, size_t len, struct lsl_sd_notify *out)
{
	const char *end = msg + len;

	*out = (struct lsl_sd_notify){ .ready = false };
	while (msg < end) {
		const char *nl = memchr(msg, '\n', (size_t)(end - msg));
		size_t n = (size_t)((nl ? nl : end) - msg);

		if (line_is(msg, n, "READY=1"))
			out->ready = true;
		else if (line_is(msg, n, "STOPPING=1"))
			out->stopping = true;
		else if (n >= 7 && memcmp(msg, "STATUS=", 7) == 0)
			copy_value(msg + 7, n - 7, out->status, sizeof(out->status));
		msg += n + (nl ? 1 : 0);
	}
}

bool lsl_cgroup_text_within(const char *text, const char *cgroup)
{
	size_t n = strlen(cgroup);

	for (const char *p = text; p && *p;) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);

		if (len >= 3 && memcmp(p, "0::", 3) == 0)
			return len - 3 >= n && memcmp(p + 3, cgroup, n) == 0 && (len - 3 == n || p[3 + n] == '/');
		p = nl ? nl + 1 : NULL;
	}
	return false;
}

bool lsl_logind_user_active(const char *text)
{
	const char *p = text;

	while (p && *p) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);

		if (n > 6 && memcmp(p, "STATE=", 6) == 0)
			return line_is(p + 6, n - 6, "active") || line_is(p + 6, n - 6, "online") ||
			       line_is(p + 6, n - 6, "lingering");
		p = nl ? nl + 1 : NULL;
	}
	return false;
}
