/* SPDX-License-Identifier: MIT */
/*
 * Start-up warnings: each problem that does not stop a distribution from
 * starting is kept here and shown once, on the stderr of the lsl command
 * that started it (the service forwards them), and logged.
 */
#pragma once

struct lsl_warnings {
	char **v; /* NULL-terminated, or NULL */
	int error; /* first allocation failure: the list may be short */
};

void lsl_warn(struct lsl_warnings *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* For parsers that report through a callback: userdata is the struct lsl_warnings. */
void lsl_warn_cb(void *userdata, const char *message);
void lsl_warnings_clear(struct lsl_warnings *w);
