/* SPDX-License-Identifier: MIT */
/* Applying [network]: the hostname, /etc/hostname, /etc/hosts and /etc/resolv.conf. */
#pragma once

#include "warnings.h"
#include "wsl-conf.h"

/*
 * Set the UTS hostname (wsl.conf's network.hostname, else host_hostname,
 * cleaned) and write /etc/hostname; with generateHosts and
 * generateResolvConf, write /etc/hosts and /etc/resolv.conf from the host's
 * (either text may be NULL). A file the user made immutable or replaced by a
 * symbolic link is left as it is. Problems are warnings.
 */
void lsl_network_setup(const struct lsl_wsl_conf *conf, const char *host_hostname, const char *host_hosts,
		       const char *host_resolv_conf, struct lsl_warnings *w);
