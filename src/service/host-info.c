/* SPDX-License-Identifier: MIT */
#include "host-info.h"

#include <ctype.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util.h"

#define HOST_FILE_MAX (16 * 1024) /* two of these must fit in one INITIALIZE with room to spare */

bool lsl_timezone_valid(const char *zone)
{
	size_t n = zone ? strlen(zone) : 0;

	if (n == 0 || n > 128 || zone[0] == '/' || zone[n - 1] == '/' || strstr(zone, "..") || strstr(zone, "//"))
		return false;
	for (const char *c = zone; *c; c++)
		if (!isalnum((unsigned char)*c) && !strchr("/_+-", *c))
			return false;
	return true;
}

const char *lsl_timezone_from_link(const char *link)
{
	const char *zone = NULL, *p = link;

	if (!link)
		return NULL;
	/* After the last "zoneinfo/": the name relative to the zone database. */
	while ((p = strstr(p, "zoneinfo/"))) {
		zone = p + strlen("zoneinfo/");
		p = zone;
	}
	if (!zone)
		return NULL;
	/* posix/X and right/X are the same zones with other leap-second handling. */
	if (startswith(zone, "posix/"))
		zone += strlen("posix/");
	else if (startswith(zone, "right/"))
		zone += strlen("right/");
	return lsl_timezone_valid(zone) ? zone : NULL;
}

/* A host file as text, or NULL (missing, too big, or holding a NUL). */
static char *text_file(const char *path)
{
	char *text = NULL;
	size_t len = 0;

	if (read_file_at(AT_FDCWD, path, HOST_FILE_MAX, &text, &len) < 0)
		return NULL;
	if (strlen(text) != len) {
		free(text);
		return NULL;
	}
	return text;
}

static char *host_timezone(void)
{
	char link[PATH_MAX];
	ssize_t n = readlink("/etc/localtime", link, sizeof(link) - 1);
	_cleanup_free_ char *text = NULL;
	const char *zone;

	if (n > 0) {
		link[n] = 0;
		zone = lsl_timezone_from_link(link);
		if (zone)
			return strdup(zone);
	}
	/* Debian's other record of it. */
	text = text_file("/etc/timezone");
	if (text) {
		text[strcspn(text, "\r\n")] = 0;
		if (lsl_timezone_valid(text))
			return strdup(text);
	}
	return NULL;
}

void lsl_host_info_read(struct lsl_host_info *h)
{
	h->hosts = text_file("/etc/hosts");
	h->resolv_conf = text_file("/etc/resolv.conf");
	h->timezone = host_timezone();
}

void lsl_host_info_free(struct lsl_host_info *h)
{
	free(h->hosts);
	free(h->resolv_conf);
	free(h->timezone);
	*h = (struct lsl_host_info){ 0 };
}
