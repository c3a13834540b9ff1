/* SPDX-License-Identifier: MIT */
/* A one-line progress bar on a terminal, redrawn in place. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LSL_PROGRESS_LINE_MAX 256

/*
 * Format the bar for a terminal `cols` wide (0 = unknown): "<label> [####....] 42%",
 * or "<label> 12.5 MiB" when total is 0 (unknown). The line is kept shorter
 * than cols so that it never wraps (a wrapped line cannot be redrawn with \r).
 * Pure. Returns the length written to buf (always NUL-terminated).
 */
size_t lsl_progress_format(char *buf, size_t size, const char *label, uint64_t done, uint64_t total,
			   unsigned cols);

struct lsl_progress {
	int fd;          /* the terminal; -1 = no bar */
	char *label;     /* sanitized */
	unsigned cols;
	bool shown;      /* something is drawn on the current line */
	char last[LSL_PROGRESS_LINE_MAX];
};

/* Start a bar on fd (a terminal) and draw it at 0. Returns 0 or -ENOMEM. */
int lsl_progress_start(struct lsl_progress *p, int fd, const char *label);
void lsl_progress_update(struct lsl_progress *p, uint64_t done, uint64_t total);
/* Erase the bar's line (before printing something else, and at the end). */
void lsl_progress_clear(struct lsl_progress *p);
/* Erase and free. Safe on a zeroed struct with fd -1. */
void lsl_progress_done(struct lsl_progress *p);
