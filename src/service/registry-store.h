/* SPDX-License-Identifier: MIT */
/*
 * The registry file: read when it changed on disk, written atomically. The
 * service is its only writer; a file edited by hand is re-read at the next
 * request, and an unreadable one makes every request that needs it fail
 * with the reason (naming the file and line) while nothing overwrites it.
 */
#pragma once

#include <stdbool.h>
#include <sys/types.h>
#include <time.h>

#include "log.h"
#include "registry.h"

struct lsl_registry_store {
	char *path;
	struct lsl_registry reg; /* valid when !broken */
	bool broken;
	struct lsl_err error;    /* why, when broken */
	/* What was last read or written, to notice a change. */
	bool known;
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime;
};

int lsl_registry_store_init(struct lsl_registry_store *s, const char *state_dir);
void lsl_registry_store_free(struct lsl_registry_store *s);

/*
 * The current registry, re-read if the file changed. Returns it, or NULL
 * with e set (the file is unreadable or malformed).
 */
const struct lsl_registry *lsl_registry_get(struct lsl_registry_store *s, struct lsl_err *e);

/*
 * Write next as the new registry and, on success, make it the current one
 * (next is emptied). On failure nothing changed. Returns 0 or -errno, e set.
 */
int lsl_registry_commit(struct lsl_registry_store *s, struct lsl_registry *next, struct lsl_err *e);

/*
 * Change one distribution: fn edits a copy of its entry and returns true if
 * anything changed (then the registry is written), false to leave it.
 * Returns 0, -ENOENT when name is not registered, or -errno with e set.
 */
int lsl_registry_update(struct lsl_registry_store *s, const char *name,
			bool (*fn)(struct lsl_distro *d, const void *data), const void *data, struct lsl_err *e);
