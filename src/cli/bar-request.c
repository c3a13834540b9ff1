/* SPDX-License-Identifier: MIT */
/* A long request (export, move) with a progress bar on a terminal. */
#include <errno.h>
#include <unistd.h>

#include "bar-request.h"
#include "cli.h"
#include "output.h"
#include "progress.h"
#include "util.h"

static void on_warning(void *userdata, const char *text)
{
	lsl_progress_clear(userdata);
	lsl_print_warning(text);
}

static void on_progress(void *userdata, uint64_t done, uint64_t total)
{
	lsl_progress_update(userdata, done, total);
}

int lsl_request_with_bar(int svc, struct lsl_msg_builder *b, const int *fds, size_t nfds, const char *label,
			 struct lsl_err *e)
{
	struct lsl_progress bar = { .fd = -1 };
	struct lsl_reply_ops ops = { .warning = on_warning, .progress = on_progress, .userdata = &bar };
	int r;

	if (label) {
		if (lsl_progress_start(&bar, STDERR_FILENO, label) < 0)
			return lsl_err_set(e, ENOMEM, "showing the progress");
		lsl_clear_line_on_death();
	}
	r = lsl_service_request(svc, b, fds, nfds, &ops, e);
	lsl_progress_done(&bar);
	return r;
}
