/* SPDX-License-Identifier: MIT */
/* Reading what a distribution's systemd says (pure: text in, facts out). */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/* What one sd_notify(3) datagram from systemd (pid 1) says. */
struct lsl_sd_notify {
	bool ready;    /* READY=1: start-up finished (running or degraded) */
	bool stopping; /* STOPPING=1: shutting down */
	char status[256]; /* STATUS=, cut to fit and stripped of control characters; "" if absent */
};

/* Parse a datagram of newline-separated KEY=VALUE lines (not NUL-terminated). */
void lsl_sd_notify_parse(const char *msg, size_t len, struct lsl_sd_notify *out);

/*
 * Whether logind's record of a user (/run/systemd/users/<uid>: KEY=VALUE
 * lines) says it has a session or lingers, so that its systemd --user
 * runs: STATE= active, online or lingering (not closing).
 */
bool lsl_logind_user_active(const char *text);

/* Whether a /proc/<pid>/cgroup text puts the process (cgroup2 line "0::") in cgroup or below it. */
bool lsl_cgroup_text_within(const char *text, const char *cgroup);
