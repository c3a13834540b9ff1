/* SPDX-License-Identifier: MIT */
/*
 * The open-file limit. lsl's long-lived programs (lslservice, mini_init,
 * init and the session leader) hold an fd per caller, per process and per
 * waiting request, so each raises its soft RLIMIT_NOFILE to the hard limit
 * at start; every program they execute gets the soft limit back, since many
 * programs (select() users) misbehave with a huge one.
 */
#pragma once

/* Remember the soft limit, then raise it to the hard one. Returns 0 or a negative errno. */
int lsl_nofile_raise(void);

/*
 * In a child before exec: put back the soft limit remembered by
 * lsl_nofile_raise() (nothing if it was never called). Async-signal-safe.
 */
void lsl_nofile_restore(void);
