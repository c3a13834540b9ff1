/* SPDX-License-Identifier: MIT */
/*
 * EXPORT{name, format} with the output fd (opened by lsl as the caller):
 * a tarball written by lsl-export from the distribution's root, or a raw
 * ext4 image: the distribution's own image copied (sparse; a running one's
 * filesystem frozen meanwhile, so the copy is consistent), or for a
 * directory distribution a new image made with mkfs.ext4 and filled by
 * lsl-export | lsl-import. Stopped or running distributions alike.
 */
#pragma once

#include "channel.h"

struct lsl_service;
struct lsl_client;

/* Takes the output fd from m; answers c with PROGRESS* and one RESULT. */
void lsl_export_start(struct lsl_service *svc, struct lsl_client *c, struct lsl_received *m);
