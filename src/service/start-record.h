/* SPDX-License-Identifier: MIT */
/*
 * What a distribution's start reported (os-release, the default user in
 * effect, whether it asked for systemd) and the outcome of its first run,
 * kept in its registry entry so that --list --verbose shows them while it
 * is stopped, and the first run happens once.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "registry-store.h"

struct lsl_start_record {
	const char *os_id, *os_version; /* kept only when they are short plain words */
	uint32_t user_uid;
	bool systemd;
	bool first_run_done;
	int32_t default_uid; /* the registered default user from now on; -1: unchanged */
};

/* Record a start (and, if first_run_done, the end of the first run). Failures are logged. */
void lsl_record_start(struct lsl_registry_store *store, const char *name, const struct lsl_start_record *r);
/* Record only the first run's end: first_run cleared, default_uid and user_uid updated. */
void lsl_record_first_run(struct lsl_registry_store *store, const char *name, const struct lsl_start_record *r);
