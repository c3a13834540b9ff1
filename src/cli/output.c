/* SPDX-License-Identifier: MIT */
#include "output.h"

#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "util.h"

char *lsl_text_sanitize(const char *s)
{
	char *copy = strdup(s ? s : "");
	unsigned char *p;

	if (!copy)
		return NULL;
	for (p = (unsigned char *)copy; *p; p++) {
		if (*p < 0x20 || *p == 0x7f)
			*p = '?';
		else if (*p == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f) {
			/* U+0080..U+009F: C1 controls (CSI among them) for UTF-8 terminals. */
			p[0] = '?';
			p[1] = '?';
			p++;
		}
	}
	return copy;
}

void lsl_print_error(const char *text)
{
	_cleanup_free_ char *clean = lsl_text_sanitize(text);
	log_error("%s", clean ? clean : "(out of memory)");
}

void lsl_print_warning(const char *text)
{
	_cleanup_free_ char *clean = lsl_text_sanitize(text);
	log_warning("%s", clean ? clean : "(out of memory)");
}
