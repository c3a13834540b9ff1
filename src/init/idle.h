/* SPDX-License-Identifier: MIT */
/*
 * Whether a distribution is idle: no process is left in its pid namespace
 * but init and the session leaders (zombies do not count). init counts by
 * scanning its own /proc, and only when something may have ended: when it
 * reaps a process, and when a session leader tells it, through an eventfd
 * init made before forking it, that it reaped a process of its own or
 * finished a CREATE_PROCESS. Never on a clock.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* init's side. */
struct lsl_idle_watch {
	int event_fd;   /* the session leaders' eventfd (CLOEXEC, non-blocking); -1 if none */
	pid_t *leaders; /* session leaders alive: not user processes */
	size_t nleaders, cap;
	/* Whether the process pid (/proc/<name> below proc_fd) counts; NULL: all do (systemd.h sets it). */
	bool (*counts)(int proc_fd, int pid, const char *name);
};

/* The eventfd. Returns 0 or a negative errno (then idleness is still known from reaping alone). */
int lsl_idle_watch_init(struct lsl_idle_watch *w);
/* A session leader was forked. Returns 0 or -ENOMEM (then it counts as a user process). */
int lsl_idle_add_leader(struct lsl_idle_watch *w, pid_t pid);

/*
 * Reap every zombie child, forgetting session leaders among them. *reaped
 * (may be NULL) is set when anything was reaped. Returns true when no child
 * is left at all.
 */
bool lsl_idle_reap(struct lsl_idle_watch *w, bool *reaped);

/* Consume the eventfd's count (it is readable again at the next notification). */
void lsl_idle_drain(struct lsl_idle_watch *w);

/*
 * Count the user processes of the namespace from /proc: everything but
 * pid 1, the session leaders and zombies. With first_only, stop at the
 * first one (enough to know "not idle"). Returns the count, or a negative
 * errno when /proc cannot be read (then the caller must assume "not idle").
 */
int lsl_idle_count(const struct lsl_idle_watch *w, bool first_only);

/* ---- pure logic ---- */

/*
 * The state letter of a /proc/<pid>/stat text ("12 (my prog) S 1 ..."): the
 * field after the last ')', since the command name may hold anything.
 * Returns the letter, or 0 when the text is malformed.
 */
char lsl_proc_stat_state(const char *text);

/* ---- the session leader's side ---- */

/* The eventfd init gave this session leader (fd number; -1: none). */
void lsl_idle_leader_setup(int fd);
/*
 * A CREATE_PROCESS (seq) was handled: its process exists or could not be
 * made. Answers RESULT{0} on the session channel, so the service knows
 * nothing of it is still on its way, and tells init to count again.
 */
void lsl_idle_leader_handled(int channel_fd, uint64_t seq);
/* A process this session leader started was reaped: init counts again. */
void lsl_idle_leader_notify(void);
