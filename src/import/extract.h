/* SPDX-License-Identifier: MIT */
/* Extract one tar archive (optionally compressed) into the distribution's root. */
#pragma once

#include "log.h"

/*
 * Read the archive on archive_fd and recreate its members below rootfd,
 * which must also be the current directory (libarchive's writer works on
 * paths relative to it). Progress records go to progress_fd (-1: none).
 * Returns 0, or a negative errno with e saying "<what>: <why>" on one line.
 * On failure what was extracted so far stays: the caller removes it.
 */
int import_extract(int archive_fd, int rootfd, int progress_fd, struct lsl_err *e);
