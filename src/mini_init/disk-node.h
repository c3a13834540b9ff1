/* SPDX-License-Identifier: MIT */
/* The device node of a --bare disk in every distribution's /dev (disk-node.c). */
#pragma once

#include <stdbool.h>

#include "mini-init.h"

/* Create (or remove) /dev/<d->node> in every running distribution; failures are logged. */
void lsl_disk_node_everywhere(struct lsl_mini_init *mi, const struct lsl_disk *d, bool create);

/* "LSL_BARE_DISKS=loopN:MAJOR:MINOR,..." for an init about to start, or NULL when there is no bare disk. */
char *lsl_bare_disks_env(const struct lsl_mini_init *mi);
