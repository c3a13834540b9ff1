/* SPDX-License-Identifier: MIT */
#include "systemd-units.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "macros.h"

const char *const lsl_systemd_masked_units[] = {
	"systemd-networkd-wait-online.service",
	"NetworkManager-wait-online.service",
	"console-getty.service",
};
const size_t lsl_systemd_masked_units_count = ARRAY_SIZE(lsl_systemd_masked_units);

const char *const lsl_systemd_binfmt_units[] = {
	"systemd-binfmt.service",
};
const size_t lsl_systemd_binfmt_units_count = ARRAY_SIZE(lsl_systemd_binfmt_units);

const char lsl_systemd_mount_guard[] =
	"# Written by lsl at start-up: this mount is shared with the host or with other\n"
	"# distributions, and stopping systemd must not unmount it.\n"
	"[Unit]\n"
	"DefaultDependencies=no\n";

static bool plain(char c, bool first)
{
	if (c == '.')
		return !first;
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == ':' || c == '_';
}

char *lsl_systemd_escape_path(const char *path)
{
	static const char hex[] = "0123456789abcdef";
	const char *p = path;
	char *out, *o;
	bool first = true;

	if (!path || path[0] != '/') {
		errno = EINVAL;
		return NULL;
	}
	/* At most four bytes out for one in, plus the NUL. */
	out = malloc(strlen(path) * 4 + 2);
	if (!out)
		return NULL;
	o = out;
	for (;;) {
		size_t n;

		while (*p == '/')
			p++;
		if (!*p)
			break;
		n = strcspn(p, "/");
		if ((n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.')) {
			free(out);
			errno = EINVAL;
			return NULL;
		}
		if (!first)
			*o++ = '-';
		for (size_t i = 0; i < n; i++, first = false) {
			unsigned char c = (unsigned char)p[i];
			if (plain((char)c, first)) {
				*o++ = (char)c;
				continue;
			}
			*o++ = '\\';
			*o++ = 'x';
			*o++ = hex[c >> 4];
			*o++ = hex[c & 15];
		}
		p += n;
	}
	if (o == out)
		*o++ = '-'; /* the root directory */
	*o = 0;
	return out;
}
