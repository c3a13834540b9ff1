/* SPDX-License-Identifier: MIT */
#include "progress-pipe.h"

#include <errno.h>
#include <unistd.h>

void lsl_progress_pipe_init(struct lsl_progress_pipe *p, int fd, uint64_t total)
{
	*p = (struct lsl_progress_pipe){ .fd = fd, .total = total };
	/* About every 1% of a known size; never a record for less than a byte. */
	p->step = total ? total / 100 : LSL_PROGRESS_UNKNOWN_STEP;
	if (p->step == 0)
		p->step = 1;
}

bool lsl_progress_pipe_due(const struct lsl_progress_pipe *p, uint64_t done)
{
	if (p->fd < 0)
		return false;
	if (!p->sent)
		return true;
	return done > p->last && done - p->last >= p->step;
}

struct lsl_progress_pipe_record lsl_progress_pipe_record(const struct lsl_progress_pipe *p, uint64_t done)
{
	struct lsl_progress_pipe_record rec = { .done = done, .total = p->total };

	if (rec.total && rec.done > rec.total)
		rec.total = rec.done;
	return rec;
}

static void send_record(struct lsl_progress_pipe *p, uint64_t done)
{
	struct lsl_progress_pipe_record rec = lsl_progress_pipe_record(p, done);
	ssize_t n;

	/* 16 bytes < PIPE_BUF: a pipe takes the whole record or nothing. */
	do
		n = write(p->fd, &rec, sizeof(rec));
	while (n < 0 && errno == EINTR);
	if (n == (ssize_t)sizeof(rec)) {
		p->sent = true;
		p->last = done;
	} else if (n < 0 && errno == EAGAIN) {
		/* The listener is behind: skip this one, the next will tell the same. */
	} else {
		/* Gone, or not something we can write records to: stop trying. */
		p->fd = -1;
	}
}

void lsl_progress_pipe_update(struct lsl_progress_pipe *p, uint64_t done)
{
	if (lsl_progress_pipe_due(p, done))
		send_record(p, done);
}

void lsl_progress_pipe_finish(struct lsl_progress_pipe *p, uint64_t done)
{
	if (p->fd < 0)
		return;
	/* The end-of-archive padding is not always read: completion is the whole file. */
	if (p->total && done < p->total)
		done = p->total;
	send_record(p, done);
}
