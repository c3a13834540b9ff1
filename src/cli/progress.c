/* SPDX-License-Identifier: MIT */
#include "progress.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "output.h"
#include "util.h"

#define BAR_MAX 30  /* cells of the bar itself, at most */
#define BAR_MIN 10  /* narrower than this, the bar is left out */
#define COLS_MAX (LSL_PROGRESS_LINE_MAX - 1)

static void human_bytes(char *buf, size_t size, uint64_t n)
{
	static const char *const units[] = { "KiB", "MiB", "GiB", "TiB", "PiB", "EiB" };
	double v = (double)n;
	size_t u = 0;

	if (n < 1024) {
		snprintf(buf, size, "%ju B", (uintmax_t)n);
		return;
	}
	v /= 1024;
	while (v >= 1024 && u + 1 < ARRAY_SIZE(units)) {
		v /= 1024;
		u++;
	}
	snprintf(buf, size, "%.1f %s", v, units[u]);
}

size_t lsl_progress_format(char *buf, size_t size, const char *label, uint64_t done, uint64_t total,
			   unsigned cols)
{
	char tail[32], bar[BAR_MAX + 1];
	size_t width, label_len, room;
	int bar_cells = 0, n;

	if (size == 0)
		return 0;
	if (cols == 0)
		cols = 80;
	if (cols > COLS_MAX)
		cols = COLS_MAX;
	width = cols - 1; /* never write the last column: some terminals wrap there */

	if (total > 0) {
		unsigned pct = done >= total ? 100 : (unsigned)((long double)done * 100 / (long double)total);
		snprintf(tail, sizeof(tail), "%u%%", pct);
	} else {
		human_bytes(tail, sizeof(tail), done);
	}

	label_len = strlen(label);
	/* The tail always shows; the label is cut to what is left. */
	room = width > strlen(tail) + 1 ? width - strlen(tail) - 1 : 0;
	if (label_len > room)
		label_len = room;

	if (total > 0 && width > label_len + strlen(tail) + 1) {
		/* " [" + bar + "]" around the bar, when there is room for a useful one. */
		size_t left = width - label_len - strlen(tail) - 1;
		if (left >= BAR_MIN + 3) {
			size_t cells = left - 3 < BAR_MAX ? left - 3 : BAR_MAX;
			size_t filled = done >= total ? cells
						      : (size_t)((long double)done * cells / (long double)total);
			memset(bar, '#', filled);
			memset(bar + filled, '.', cells - filled);
			bar[cells] = 0;
			bar_cells = (int)cells;
		}
	}
	if (bar_cells > 0)
		n = snprintf(buf, size, "%.*s [%s] %s", (int)label_len, label, bar, tail);
	else
		n = snprintf(buf, size, "%.*s %s", (int)label_len, label, tail);
	if (n < 0) {
		buf[0] = 0;
		return 0;
	}
	return (size_t)n < size ? (size_t)n : size - 1;
}

static unsigned terminal_cols(int fd)
{
	struct winsize ws;

	if (ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
		return ws.ws_col;
	return 80;
}

int lsl_progress_start(struct lsl_progress *p, int fd, const char *label)
{
	*p = (struct lsl_progress){ .fd = -1 };
	p->label = lsl_text_sanitize(label);
	if (!p->label)
		return -ENOMEM;
	p->fd = fd;
	p->cols = terminal_cols(fd);
	lsl_progress_update(p, 0, 1);
	return 0;
}

void lsl_progress_update(struct lsl_progress *p, uint64_t done, uint64_t total)
{
	char line[LSL_PROGRESS_LINE_MAX], out[LSL_PROGRESS_LINE_MAX + 8];
	size_t n;

	if (p->fd < 0)
		return;
	lsl_progress_format(line, sizeof(line), p->label, done, total, p->cols);
	/* Redraw only when what shows changes: progress can arrive far faster than that. */
	if (p->shown && streq(line, p->last))
		return;
	snprintf(p->last, sizeof(p->last), "%s", line);
	n = (size_t)snprintf(out, sizeof(out), "\r%s\033[K", line);
	if (n >= sizeof(out))
		n = sizeof(out) - 1;
	(void)write_full(p->fd, out, n);
	p->shown = true;
}

void lsl_progress_clear(struct lsl_progress *p)
{
	static const char erase[] = "\r\033[K";

	if (p->fd < 0 || !p->shown)
		return;
	(void)write_full(p->fd, erase, sizeof(erase) - 1);
	p->shown = false;
}

void lsl_progress_done(struct lsl_progress *p)
{
	lsl_progress_clear(p);
	free(p->label);
	p->label = NULL;
	p->fd = -1;
}
