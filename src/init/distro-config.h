/* SPDX-License-Identifier: MIT */
/* Reading a distribution's /etc/wsl.conf and /etc/wsl-distribution.conf at start-up. */
#pragma once

#include "warnings.h"
#include "wsl-conf.h"

/*
 * Fill conf and dconf with WSL's defaults, then apply the files found below
 * rootfd (resolved inside it). A missing file is not a problem; an unreadable,
 * oversized or non-regular one is one warning, and every bad line of a file
 * is one warning: the settings keep their defaults. With safe_mode (lsl
 * --safe-mode), /etc/wsl.conf is not read at all and the settings are
 * lsl_wsl_conf_safe_mode()'s, with a warning saying so. Returns 0 or -ENOMEM.
 */
int lsl_distro_config_load(int rootfd, bool safe_mode, struct lsl_wsl_conf *conf,
			   struct lsl_distribution_conf *dconf, struct lsl_warnings *w);
