/* SPDX-License-Identifier: MIT */
#include "list-format.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "output.h"
#include "protocol.h"
#include "util.h"

#define COLUMN_GAP 3 /* spaces between the NAME and STATE columns */

const char *lsl_state_name(uint32_t state)
{
	switch (state) {
	case LSL_STATE_STOPPED:
		return "Stopped";
	case LSL_STATE_RUNNING:
		return "Running";
	case LSL_STATE_INSTALLING:
		return "Installing";
	default:
		return "Unknown";
	}
}

static void put_row(FILE *f, const char *mark, const char *name, size_t width, const char *state)
{
	fprintf(f, "%s%-*s%*s%s\n", mark, (int)width, name, COLUMN_GAP, "", state);
}

char *lsl_list_format(const struct lsl_list_item *items, size_t n, enum lsl_list_style style)
{
	_cleanup_strv_free_ char **names = NULL;
	char *text = NULL;
	size_t text_len = 0, width = strlen("NAME");
	FILE *f;
	bool failed = false;

	names = calloc(n + 1, sizeof(char *));
	if (!names)
		return NULL;
	for (size_t k = 0; k < n; k++) {
		names[k] = lsl_text_sanitize(items[k].name);
		if (!names[k])
			return NULL;
		if (strlen(names[k]) > width)
			width = strlen(names[k]);
	}

	f = open_memstream(&text, &text_len);
	if (!f)
		return NULL;
	switch (style) {
	case LSL_LIST_PLAIN:
		fputs("lsl distributions:\n", f);
		for (size_t k = 0; k < n; k++)
			fprintf(f, "%s%s\n", names[k], items[k].is_default ? " (Default)" : "");
		break;
	case LSL_LIST_VERBOSE:
		put_row(f, "  ", "NAME", width, "STATE");
		for (size_t k = 0; k < n; k++)
			put_row(f, items[k].is_default ? "* " : "  ", names[k], width,
				lsl_state_name(items[k].state));
		break;
	case LSL_LIST_QUIET:
		for (size_t k = 0; k < n; k++)
			fprintf(f, "%s\n", names[k]);
		break;
	}
	failed = ferror(f);
	if (fclose(f) != 0 || failed) {
		free(text);
		return NULL;
	}
	return text;
}
