/* SPDX-License-Identifier: MIT */
/* The text of `lsl --list`, from the entries the service sent. Pure. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct lsl_list_item {
	const char *name;
	uint32_t state; /* enum lsl_distro_state */
	bool is_default;
	bool seen;            /* started once: the fields below are known */
	const char *os_id;    /* may be NULL */
	const char *os_version;
	uint32_t default_uid;
	bool systemd;
};

enum lsl_list_style {
	LSL_LIST_PLAIN,   /* "lsl distributions:" then "NAME" or "NAME (Default)" */
	LSL_LIST_VERBOSE, /* a NAME/STATE/OS/UID/SYSTEMD table, "*" marking the default; "-" for unknown */
	LSL_LIST_QUIET,   /* names only */
};

/* "Stopped", "Running", "Installing" or "Unknown". */
const char *lsl_state_name(uint32_t state);

/*
 * The whole output for n items (n may be 0: then just the header, if the
 * style has one), every line ending in "\n". Names are sanitized for the
 * terminal. Returns a newly allocated string or NULL (out of memory).
 */
char *lsl_list_format(const struct lsl_list_item *items, size_t n, enum lsl_list_style style);
