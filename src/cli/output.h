/* SPDX-License-Identifier: MIT */
/* Text from other processes (the service, a distribution) on the caller's terminal. */
#pragma once

/*
 * A copy of s in which every control character (C0, DEL, and C1 encoded as
 * UTF-8) is replaced by '?', so that a message cannot drive the terminal.
 * NULL on allocation failure.
 */
char *lsl_text_sanitize(const char *s);

/* "lsl: <text>" / "lsl: warning: <text>" on stderr, sanitized. */
void lsl_print_error(const char *text);
void lsl_print_warning(const char *text);
