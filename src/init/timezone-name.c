/* SPDX-License-Identifier: MIT */
#include "timezone.h"

#include <ctype.h>
#include <string.h>

bool lsl_timezone_name_valid(const char *zone)
{
	size_t n = zone ? strlen(zone) : 0;

	if (n == 0 || n > 128 || zone[0] == '/' || zone[n - 1] == '/')
		return false;
	for (const char *p = zone; *p; p++)
		if (!isalnum((unsigned char)*p) && !strchr("/_+-.", *p))
			return false;
	/* Each component: not empty, not "." or "..", not hidden. */
	for (const char *c = zone; c; c = strchr(c, '/') ? strchr(c, '/') + 1 : NULL)
		if (*c == '/' || *c == '.')
			return false;
	return true;
}
