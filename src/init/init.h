/* SPDX-License-Identifier: MIT */
/* The entry points of the multi-call /init. */
#pragma once

/* pid 1 of a distribution: boot, then serve the service's channel. */
int lsl_init_main(int argc, char **argv);
