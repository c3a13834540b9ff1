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

#define STATE_WIDTH 10 /* "Installing" */

struct verbose_row {
	const char *mark, *name, *state, *os, *uid, *systemd;
};

static void put_row(FILE *f, const struct verbose_row *r, size_t name_width, size_t os_width)
{
	fprintf(f, "%s%-*s%*s%-*s%*s%-*s%*s%-5s%*s%s\n", r->mark, (int)name_width, r->name, COLUMN_GAP, "",
		STATE_WIDTH, r->state, COLUMN_GAP, "", (int)os_width, r->os, COLUMN_GAP, "", r->uid, COLUMN_GAP, "",
		r->systemd);
}

/* "debian 12" as one column: "debian-12", or the ID alone; "-" when never started. */
static char *os_text(const struct lsl_list_item *it)
{
	_cleanup_free_ char *id = NULL, *version = NULL;

	if (!it->seen || isempty(it->os_id))
		return strdup("-");
	id = lsl_text_sanitize(it->os_id);
	version = it->os_version ? lsl_text_sanitize(it->os_version) : NULL;
	if (!id)
		return NULL;
	return isempty(version) ? strdup(id) : strdup_printf("%s-%s", id, version);
}

char *lsl_list_format(const struct lsl_list_item *items, size_t n, enum lsl_list_style style)
{
	_cleanup_strv_free_ char **names = NULL, **oses = NULL;
	char *text = NULL;
	size_t text_len = 0, width = strlen("NAME"), os_width = strlen("OS");
	FILE *f;
	bool failed = false;

	names = calloc(n + 1, sizeof(char *));
	oses = calloc(n + 1, sizeof(char *));
	if (!names || !oses)
		return NULL;
	for (size_t k = 0; k < n; k++) {
		names[k] = lsl_text_sanitize(items[k].name);
		oses[k] = os_text(&items[k]);
		if (!names[k] || !oses[k])
			return NULL;
		if (strlen(names[k]) > width)
			width = strlen(names[k]);
		if (strlen(oses[k]) > os_width)
			os_width = strlen(oses[k]);
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
		put_row(f, &(struct verbose_row){ "  ", "NAME", "STATE", "OS", "UID", "SYSTEMD" }, width, os_width);
		for (size_t k = 0; k < n; k++) {
			char uid[16] = "-";

			if (items[k].seen)
				snprintf(uid, sizeof(uid), "%u", items[k].default_uid);
			put_row(f,
				&(struct verbose_row){ items[k].is_default ? "* " : "  ", names[k],
						       lsl_state_name(items[k].state), oses[k], uid,
						       !items[k].seen ? "-" : items[k].systemd ? "yes" : "no" },
				width, os_width);
		}
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
