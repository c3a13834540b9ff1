/* SPDX-License-Identifier: MIT */
#pragma once

#include <stddef.h>

#include "log.h"
#include "service-client.h"

/*
 * lsl_service_request() with a progress bar labelled label on stderr (NULL:
 * no bar; then PROGRESS is ignored). Returns 0 or -errno with e set.
 */
int lsl_request_with_bar(int svc, struct lsl_msg_builder *b, const int *fds, size_t nfds, const char *label,
			 struct lsl_err *e);
