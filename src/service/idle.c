/* SPDX-License-Identifier: MIT */
#include "idle.h"

#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "log.h"
#include "macros.h"

/* ---- pure logic ---- */

void lsl_idle_state_init(struct lsl_idle_state *s, int32_t timeout_ms)
{
	*s = (struct lsl_idle_state){ .timeout_ms = timeout_ms, .busy = true };
}

/* Idle from now on (as far as the service knows): wait the timeout, then check. */
static enum lsl_idle_action start_wait(struct lsl_idle_state *s)
{
	bool was_armed = s->armed;

	s->check_seq = 0;
	s->armed = false;
	if (s->timeout_ms < 0)
		return was_armed ? LSL_IDLE_DISARM : LSL_IDLE_NOTHING;
	if (s->timeout_ms == 0)
		return LSL_IDLE_CHECK;
	s->armed = true;
	return LSL_IDLE_ARM;
}

static enum lsl_idle_action cancel(struct lsl_idle_state *s)
{
	bool was_armed = s->armed;

	s->armed = false;
	s->check_seq = 0;
	return was_armed ? LSL_IDLE_DISARM : LSL_IDLE_NOTHING;
}

enum lsl_idle_action lsl_idle_state_run(struct lsl_idle_state *s)
{
	s->busy = true;
	return cancel(s);
}

enum lsl_idle_action lsl_idle_state_update(struct lsl_idle_state *s, bool waiting)
{
	bool was = s->busy;

	s->busy = waiting || s->in_flight > 0;
	if (s->busy)
		return cancel(s);
	return was ? start_wait(s) : LSL_IDLE_NOTHING;
}

void lsl_idle_state_sent(struct lsl_idle_state *s) { s->in_flight++; }

void lsl_idle_state_answered(struct lsl_idle_state *s)
{
	if (s->in_flight > 0)
		s->in_flight--;
}

void lsl_idle_state_session_lost(struct lsl_idle_state *s) { s->in_flight = 0; }

enum lsl_idle_action lsl_idle_state_report(struct lsl_idle_state *s, uint64_t seq, bool idle)
{
	if (seq == 0)
		/* Something ended and nothing is left: the idle time starts again from now. */
		return idle && !s->busy ? start_wait(s) : LSL_IDLE_NOTHING;
	if (s->check_seq == 0 || seq != s->check_seq)
		return LSL_IDLE_NOTHING; /* the answer to a check a RUN or a later event cancelled */
	s->check_seq = 0;
	return idle && !s->busy ? LSL_IDLE_STOP : LSL_IDLE_NOTHING;
}

enum lsl_idle_action lsl_idle_state_timer(struct lsl_idle_state *s)
{
	if (!s->armed)
		return LSL_IDLE_NOTHING;
	s->armed = false;
	return s->busy ? LSL_IDLE_NOTHING : LSL_IDLE_CHECK;
}

void lsl_idle_state_checking(struct lsl_idle_state *s, uint64_t seq) { s->check_seq = seq; }

/* ---- the timer ---- */

struct lsl_idle {
	struct lsl_idle_state st;
	const struct lsl_idle_ops *ops;
	void *userdata;
	int timer_fd;
	struct lsl_watch *watch;
};

/* Do what the logic asked. After STOP, i may be gone: nothing may follow it. */
static void act(struct lsl_idle *i, enum lsl_idle_action a)
{
	int r = 0;

	switch (a) {
	case LSL_IDLE_NOTHING:
		break;
	case LSL_IDLE_ARM:
		r = lsl_timer_arm(i->timer_fd, (uint64_t)i->st.timeout_ms);
		break;
	case LSL_IDLE_DISARM:
		r = lsl_timer_arm(i->timer_fd, 0);
		break;
	case LSL_IDLE_CHECK:
		lsl_idle_state_checking(&i->st, i->ops->check(i->userdata));
		break;
	case LSL_IDLE_STOP:
		i->ops->stop(i->userdata);
		break;
	}
	if (r < 0)
		log_warning_errno(r, "setting the idle timer");
}

static void refresh(struct lsl_idle *i) { i->st.timeout_ms = i->ops->timeout_ms(i->userdata); }

static void timer_event(void *userdata, uint32_t events)
{
	struct lsl_idle *i = userdata;
	uint64_t expirations;

	/* Re-armed or disarmed after it fired but before this ran: nothing expired any more. */
	if (read(i->timer_fd, &expirations, sizeof(expirations)) != (ssize_t)sizeof(expirations))
		return;
	act(i, lsl_idle_state_timer(&i->st));
}

int lsl_idle_new(struct lsl_loop *loop, const struct lsl_idle_ops *ops, void *userdata, struct lsl_idle **out)
{
	struct lsl_idle *i = calloc(1, sizeof(*i));
	int r;

	if (!i)
		return -ENOMEM;
	i->ops = ops;
	i->userdata = userdata;
	lsl_idle_state_init(&i->st, -1);
	i->timer_fd = lsl_timer_new();
	if (i->timer_fd < 0) {
		r = i->timer_fd;
		free(i);
		return r;
	}
	i->watch = lsl_loop_watch(loop, i->timer_fd, EPOLLIN, timer_event, i);
	if (!i->watch) {
		r = negative_errno();
		close(i->timer_fd);
		free(i);
		return r;
	}
	*out = i;
	return 0;
}

void lsl_idle_free(struct lsl_idle *i)
{
	if (!i)
		return;
	lsl_loop_unwatch(i->watch);
	close(i->timer_fd);
	free(i);
}

void lsl_idle_run(struct lsl_idle *i)
{
	if (i)
		act(i, lsl_idle_state_run(&i->st));
}

void lsl_idle_update(struct lsl_idle *i, bool waiting)
{
	if (!i)
		return;
	refresh(i);
	act(i, lsl_idle_state_update(&i->st, waiting));
}

void lsl_idle_sent(struct lsl_idle *i)
{
	if (i)
		lsl_idle_state_sent(&i->st);
}

void lsl_idle_answered(struct lsl_idle *i, bool waiting)
{
	if (!i)
		return;
	lsl_idle_state_answered(&i->st);
	lsl_idle_update(i, waiting);
}

void lsl_idle_session_lost(struct lsl_idle *i, bool waiting)
{
	if (!i)
		return;
	lsl_idle_state_session_lost(&i->st);
	lsl_idle_update(i, waiting);
}

void lsl_idle_report(struct lsl_idle *i, uint64_t seq, bool idle)
{
	if (!i)
		return;
	refresh(i);
	act(i, lsl_idle_state_report(&i->st, seq, idle));
}
