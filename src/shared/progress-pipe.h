/* SPDX-License-Identifier: MIT */
/*
 * Progress records from lsl-import and lsl-export to the service, on the
 * progress fd: 16 bytes each, {u64 done; u64 total} in native byte order
 * (import: archive bytes consumed of the archive's size; export: bytes
 * done of the estimated total; total 0 = unknown). Throttled so that a
 * large archive sends about a hundred records, not one per member.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

/* With an unknown total, one record per this many bytes consumed. */
#define LSL_PROGRESS_UNKNOWN_STEP (4u << 20)

struct lsl_progress_pipe_record {
	uint64_t done;
	uint64_t total;
};

struct lsl_progress_pipe {
	int fd;         /* -1: nobody listens */
	uint64_t total; /* 0: unknown */
	uint64_t step;  /* least advance of done worth a record */
	uint64_t last;  /* done of the last record */
	bool sent;      /* a record went out (the first one is always due) */
};

/* Set up for fd (-1 for none) and an archive of `total` bytes (0: unknown). Pure. */
void lsl_progress_pipe_init(struct lsl_progress_pipe *p, int fd, uint64_t total);

/* Whether `done` deserves a record now. Pure. */
bool lsl_progress_pipe_due(const struct lsl_progress_pipe *p, uint64_t done);

/* The record describing `done` (total raised to done if the file grew). Pure. */
struct lsl_progress_pipe_record lsl_progress_pipe_record(const struct lsl_progress_pipe *p, uint64_t done);

/*
 * Send a record for `done` if it is due. Progress is advice: a listener that
 * went away or does not keep up costs records, never the import (the fd is
 * non-blocking; a full pipe drops the record, a closed one ends progress).
 */
void lsl_progress_pipe_update(struct lsl_progress_pipe *p, uint64_t done);

/* The last record, always sent: done is the whole archive when its size is known. */
void lsl_progress_pipe_finish(struct lsl_progress_pipe *p, uint64_t done);
