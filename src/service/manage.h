/* SPDX-License-Identifier: MIT */
/*
 * MANAGE: --resize (an image distribution's disk, stopped), --set-default-user
 * (resolved in the distribution's own /etc/passwd) and --move (a stopped
 * distribution's files to a new location).
 */
#pragma once

#include "channel.h"

struct lsl_service;
struct lsl_client;

/* Answers c with PROGRESS* (a move that copies) and one RESULT. */
void lsl_manage_start(struct lsl_service *svc, struct lsl_client *c, const struct lsl_received *m);
