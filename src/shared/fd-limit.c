/* SPDX-License-Identifier: MIT */
#include "fd-limit.h"

#include <stdbool.h>
#include <sys/resource.h>

#include "macros.h"

static struct rlimit original;
static bool raised;

int lsl_nofile_raise(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return negative_errno();
	if (!raised) {
		original = rl;
		raised = true;
	}
	if (rl.rlim_cur == rl.rlim_max)
		return 0;
	rl.rlim_cur = rl.rlim_max;
	return setrlimit(RLIMIT_NOFILE, &rl) < 0 ? negative_errno() : 0;
}

void lsl_nofile_restore(void)
{
	struct rlimit rl;

	if (!raised || getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return;
	/* The hard limit stays what it is now: only the soft one was ours to change. */
	rl.rlim_cur = original.rlim_cur < rl.rlim_max ? original.rlim_cur : rl.rlim_max;
	(void)setrlimit(RLIMIT_NOFILE, &rl);
}
