/* SPDX-License-Identifier: MIT */
/* IMPORT{name, location} with the archive fd: extraction by lsl-import, then registration. */
#pragma once

#include "channel.h"

struct lsl_service;
struct lsl_client;

/* Takes the archive fd from m; answers c with PROGRESS* and one RESULT. */
void lsl_import_start(struct lsl_service *svc, struct lsl_client *c, struct lsl_received *m);
