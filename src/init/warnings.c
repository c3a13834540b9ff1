/* SPDX-License-Identifier: MIT */
#include "warnings.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "log.h"
#include "util.h"

/* A hostile file must not turn into an unbounded list: past this, one last line says so. */
#define MAX_WARNINGS 64

static void add(struct lsl_warnings *w, const char *text)
{
	size_t n = strv_length(w->v);

	log_warning("%s", text);
	if (n > MAX_WARNINGS)
		return;
	if (n == MAX_WARNINGS)
		text = "further warnings were dropped";
	if (strv_extend(&w->v, text) < 0)
		w->error = -ENOMEM;
}

void lsl_warn(struct lsl_warnings *w, const char *fmt, ...)
{
	_cleanup_free_ char *text = NULL;
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(&text, fmt, ap) < 0)
		text = NULL;
	va_end(ap);
	if (!text) {
		w->error = -ENOMEM;
		return;
	}
	add(w, text);
}

void lsl_warn_cb(void *userdata, const char *message) { add(userdata, message); }

void lsl_warnings_clear(struct lsl_warnings *w)
{
	for (char **p = w->v; p && *p; p++)
		free(*p);
	free(w->v);
	w->v = NULL;
	w->error = 0;
}
