/* SPDX-License-Identifier: MIT */
/*
 * The idle timeout of one running distribution (doc/internals.md, "Idle").
 *
 * init says INSTANCE_IDLE{idle=1} (seq 0) whenever a process exit leaves no
 * user process. The service is "busy" with the instance while RUNs wait or
 * while a CREATE_PROCESS has not been answered by the session leader (its
 * process may not exist yet). Not busy and told idle, or no longer busy, the
 * timer is (re)armed for the timeout; any RUN disarms it. When it fires, the
 * service asks IDLE_CHECK and stops the instance only if the answer (the
 * INSTANCE_IDLE with that seq) still says idle and nothing came meanwhile.
 * Timeout 0: the check is asked at once; -1: never.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "event-loop.h"

/* ---- pure logic ---- */

enum lsl_idle_action {
	LSL_IDLE_NOTHING,
	LSL_IDLE_ARM,    /* (re)arm the timer for timeout_ms */
	LSL_IDLE_DISARM,
	LSL_IDLE_CHECK,  /* send IDLE_CHECK and call lsl_idle_state_checking() with its seq */
	LSL_IDLE_STOP,   /* idle confirmed: stop the instance */
};

struct lsl_idle_state {
	int32_t timeout_ms;  /* set by the caller before each event that may arm; -1 never */
	uint32_t in_flight;  /* CREATE_PROCESS sent, not yet answered */
	bool busy;           /* as of the last event */
	bool armed;
	uint64_t check_seq;  /* IDLE_CHECK awaiting its answer; 0 none */
};

/* A new instance: busy (its first RUN is on its way). */
void lsl_idle_state_init(struct lsl_idle_state *s, int32_t timeout_ms);
/* A RUN arrived: forget any timer or check; busy until lsl_idle_state_update says otherwise. */
enum lsl_idle_action lsl_idle_state_run(struct lsl_idle_state *s);
/* The instance's own work: `waiting` RUNs queued or a session being made. */
enum lsl_idle_action lsl_idle_state_update(struct lsl_idle_state *s, bool waiting);
/* A CREATE_PROCESS was sent / answered; the session went away (nothing is answered any more). */
void lsl_idle_state_sent(struct lsl_idle_state *s);
void lsl_idle_state_answered(struct lsl_idle_state *s);
void lsl_idle_state_session_lost(struct lsl_idle_state *s);
/* INSTANCE_IDLE from init (seq 0 unsolicited, else the answer to IDLE_CHECK seq). */
enum lsl_idle_action lsl_idle_state_report(struct lsl_idle_state *s, uint64_t seq, bool idle);
/* The timer fired. */
enum lsl_idle_action lsl_idle_state_timer(struct lsl_idle_state *s);
/* IDLE_CHECK seq was sent (0: it could not be: nothing is awaited). */
void lsl_idle_state_checking(struct lsl_idle_state *s, uint64_t seq);

/* ---- the timer, for instance.c ---- */

struct lsl_idle;

struct lsl_idle_ops {
	/* The timeout in effect now (the distribution's own, else /etc/lsl.conf's). */
	int32_t (*timeout_ms)(void *userdata);
	/* Send IDLE_CHECK; returns its seq, or 0 when it could not be sent. */
	uint64_t (*check)(void *userdata);
	/* Idle confirmed: stop. May free nothing of the lsl_idle (the caller frees it later). */
	void (*stop)(void *userdata);
};

/* Returns 0 or a negative errno. */
int lsl_idle_new(struct lsl_loop *loop, const struct lsl_idle_ops *ops, void *userdata, struct lsl_idle **out);
void lsl_idle_free(struct lsl_idle *i);

/* The events above, acted upon (each accepts NULL: no idle tracking, e.g. while starting). */
void lsl_idle_run(struct lsl_idle *i);
void lsl_idle_update(struct lsl_idle *i, bool waiting);
void lsl_idle_sent(struct lsl_idle *i);
void lsl_idle_answered(struct lsl_idle *i, bool waiting);
void lsl_idle_session_lost(struct lsl_idle *i, bool waiting);
void lsl_idle_report(struct lsl_idle *i, uint64_t seq, bool idle);
