/* SPDX-License-Identifier: MIT */
#include "bare-disks.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "log.h"
#include "util.h"

static bool loop_name(const char *s, size_t n)
{
	if (n <= 4 || n >= LSL_BARE_DISK_NAME_MAX || strncmp(s, "loop", 4) != 0)
		return false;
	for (size_t i = 4; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

/* A decimal number of 1 to 9 digits (no sign, no spaces); *p is left at the byte after it. */
static bool number(const char **p, unsigned *out)
{
	const char *s = *p;
	unsigned v = 0;
	size_t n = 0;

	while (*s >= '0' && *s <= '9') {
		if (++n > 9)
			return false;
		v = v * 10 + (unsigned)(*s++ - '0');
	}
	if (n == 0)
		return false;
	*p = s;
	*out = v;
	return true;
}

int lsl_bare_disk_next(const char **pos, char name[LSL_BARE_DISK_NAME_MAX], dev_t *rdev)
{
	const char *start = *pos, *end, *colon, *s;
	unsigned maj, min;

	if (!start || !*start)
		return 0;
	end = start + strcspn(start, ",");
	*pos = *end ? end + 1 : end;
	colon = memchr(start, ':', (size_t)(end - start));
	if (!colon || !loop_name(start, (size_t)(colon - start)))
		return -EINVAL;
	s = colon + 1;
	if (!number(&s, &maj) || *s != ':')
		return -EINVAL;
	s++;
	if (!number(&s, &min) || s != end)
		return -EINVAL;
	memcpy(name, start, (size_t)(colon - start));
	name[colon - start] = 0;
	*rdev = makedev(maj, min);
	return 1;
}

void lsl_make_bare_disk_nodes(int dev, const char *spec)
{
	char name[LSL_BARE_DISK_NAME_MAX];
	dev_t rdev;
	int r;

	while ((r = lsl_bare_disk_next(&spec, name, &rdev)) != 0) {
		if (r < 0) {
			log_warning("ignoring a malformed entry of LSL_BARE_DISKS");
			continue;
		}
		/* Root's alone, as the disk is on the host. */
		if (mknodat(dev, name, S_IFBLK | 0660, rdev) < 0)
			log_warning_errno(errno, "creating /dev/%s", name);
	}
}
