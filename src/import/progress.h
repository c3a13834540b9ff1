/* SPDX-License-Identifier: MIT */
/*
 * Progress records on the progress fd: 16 bytes each, {u64 done; u64 total}
 * in native byte order, done = archive bytes consumed, total = the archive's
 * size when it is a regular file, else 0 (unknown). Throttled so that a
 * large archive sends about a hundred records, not one per member.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

/* With an unknown total, one record per this many bytes consumed. */
#define IMPORT_PROGRESS_UNKNOWN_STEP (4u << 20)

struct import_progress_record {
	uint64_t done;
	uint64_t total;
};

struct import_progress {
	int fd;         /* -1: nobody listens */
	uint64_t total; /* 0: unknown */
	uint64_t step;  /* least advance of done worth a record */
	uint64_t last;  /* done of the last record */
	bool sent;      /* a record went out (the first one is always due) */
};

/* Set up for fd (-1 for none) and an archive of `total` bytes (0: unknown). Pure. */
void import_progress_init(struct import_progress *p, int fd, uint64_t total);

/* Whether `done` deserves a record now. Pure. */
bool import_progress_due(const struct import_progress *p, uint64_t done);

/* The record describing `done` (total raised to done if the file grew). Pure. */
struct import_progress_record import_progress_record(const struct import_progress *p, uint64_t done);

/*
 * Send a record for `done` if it is due. Progress is advice: a listener that
 * went away or does not keep up costs records, never the import (the fd is
 * non-blocking; a full pipe drops the record, a closed one ends progress).
 */
void import_progress_update(struct import_progress *p, uint64_t done);

/* The last record, always sent: done is the whole archive when its size is known. */
void import_progress_finish(struct import_progress *p, uint64_t done);
