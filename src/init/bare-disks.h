/* SPDX-License-Identifier: MIT */
/*
 * The --bare disks attached when this distribution starts: mini_init names
 * them in LSL_BARE_DISKS ("loopN:MAJOR:MINOR,..."), and init makes their
 * nodes in the new /dev. Those attached later are made by mini_init itself.
 */
#pragma once

#include <stddef.h>
#include <sys/types.h>

#define LSL_BARE_DISK_NAME_MAX 16

/*
 * The next entry of spec from *pos: 1 with name ("loop" and digits) and
 * rdev filled, 0 at the end, -EINVAL for an entry that is not one (*pos
 * then points past it, so that the rest can still be read).
 */
int lsl_bare_disk_next(const char **pos, char name[LSL_BARE_DISK_NAME_MAX], dev_t *rdev);

/* Make a block node for each entry of spec in the directory dev (logged, never fatal). */
void lsl_make_bare_disk_nodes(int dev, const char *spec);
