/* SPDX-License-Identifier: MIT */
/* INSTALL{name, distribution, location} with the caller's stdout and stderr: debootstrap, then registration. */
#pragma once

#include "channel.h"

struct lsl_service;
struct lsl_client;

/* Takes the two fds from m; answers c with one RESULT once debootstrap is done. */
void lsl_install_start(struct lsl_service *svc, struct lsl_client *c, struct lsl_received *m);
