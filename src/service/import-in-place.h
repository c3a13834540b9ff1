/* SPDX-License-Identifier: MIT */
/* IMPORT_IN_PLACE: an existing ext4 image registered where it is. */
#pragma once

#include "channel.h"

struct lsl_service;
struct lsl_client;

/* Takes the image fd from m; answers c with one RESULT. */
void lsl_import_in_place(struct lsl_service *svc, struct lsl_client *c, struct lsl_received *m);
