/* SPDX-License-Identifier: MIT */
/* lsl's own terminal in raw mode while it relays a pty, and back as it was. */
#pragma once

#include <stdbool.h>
#include <termios.h>

struct lsl_tty_saved {
	int fd; /* -1: nothing to restore */
	bool keep_output;
	struct termios termios;
};

#define LSL_TTY_SAVED_INIT { .fd = -1 }

/*
 * Save fd's terminal settings in s and put it in raw mode: every byte,
 * Ctrl-C and Ctrl-Z included, goes to the pty as typed, and the pty's
 * output is shown as it comes (the pty does its own output processing).
 * keep_output keeps the terminal's output processing (newline to CR-LF)
 * for the other programs writing to it, when the process's stdout is not
 * the pty (`lsl CMD | grep x`). Returns 0 or a negative errno.
 */
int lsl_tty_make_raw(int fd, bool keep_output, struct lsl_tty_saved *s);

/*
 * Raw mode again, as lsl_tty_make_raw() made it from the settings it saved:
 * after lsl was stopped and continued, the shell has put its own back.
 */
int lsl_tty_reapply_raw(const struct lsl_tty_saved *s);

/* The saved settings back, for a while (lsl is about to stop); s keeps them. */
void lsl_tty_put_back(const struct lsl_tty_saved *s);

/*
 * Put back what lsl_tty_make_raw() saved, once (later calls do nothing).
 * Works from the background of the terminal's job control too.
 */
void lsl_tty_restore(struct lsl_tty_saved *s);
