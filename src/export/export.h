/* SPDX-License-Identifier: MIT */
/* lsl-export's two jobs: a tarball of a root directory, and a sparse copy of an image. */
#pragma once

#include <stdint.h>

#include "log.h"
#include "protocol.h"

/*
 * Write the tree below the current root directory (lsl-export chroot()s
 * into the distribution's root first: its symlinks resolve inside it) to
 * out_fd as a pax tar archive, compressed as format says: numeric owners,
 * modes, nanosecond mtimes, xattrs (file capabilities included), ACLs,
 * hard links, device nodes, FIFOs, sparse files; symlinks are stored, never
 * followed; no other filesystem is entered (a mount point's directory is
 * kept, its contents are not). Progress records go to progress_fd (-1:
 * none). Returns 0 or -errno with e set ("<what>: <why>").
 */
int export_tree(int out_fd, enum lsl_export_format format, int progress_fd, struct lsl_err *e);

/*
 * Copy the image src_fd to out_fd, keeping holes when out_fd is a regular
 * file (SEEK_DATA/SEEK_HOLE, copy_file_range). Returns 0 or -errno with e set.
 */
int export_copy(int src_fd, int out_fd, int progress_fd, struct lsl_err *e);
