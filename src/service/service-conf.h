/* SPDX-License-Identifier: MIT */
/*
 * The service's own configuration: /etc/lsl.conf, or the file $LSL_CONFIG
 * names, in wsl.conf's INI dialect (src/shared/conf.h). A missing file means
 * every default; each bad line is one warning in the service log.
 *
 *   [general]
 *   instanceIdleTimeout = 15000   # ms a distribution may stay idle; -1 never, 0 at once
 */
#pragma once

#include <stdint.h>

#include "conf.h"

#define LSL_CONFIG_DEFAULT_PATH "/etc/lsl.conf"
#define LSL_IDLE_TIMEOUT_DEFAULT_MS 15000

struct lsl_service_conf {
	int idle_timeout_ms;
};

/* ---- pure logic ---- */

void lsl_service_conf_init(struct lsl_service_conf *c);
/* Parse text (file names it in warnings) on top of c. Returns 0 or -ENOMEM. */
int lsl_service_conf_parse(struct lsl_service_conf *c, const char *file, const char *text, lsl_conf_warn_fn warn,
			   void *userdata);

/* ---- the file ---- */

/* $LSL_CONFIG or /etc/lsl.conf. */
const char *lsl_service_conf_path(void);

/*
 * The settings now: the file is read again when stat says it changed since
 * the last call (so an edit takes effect at the next decision, without a
 * restart). Never fails: problems are logged and defaults used.
 */
const struct lsl_service_conf *lsl_service_conf_get(void);
