/* SPDX-License-Identifier: MIT */
/*
 * What a distribution learns about the host at start (INITIALIZE): the
 * host's /etc/hosts and /etc/resolv.conf texts, for the files init
 * generates, and the host's time zone name.
 */
#pragma once

#include <stdbool.h>

struct lsl_host_info {
	char *hosts;       /* NULL when unreadable, too big or not text */
	char *resolv_conf;
	char *timezone;    /* "Europe/Paris", or NULL */
};

/* Read them now (each missing piece is simply NULL). */
void lsl_host_info_read(struct lsl_host_info *h);
void lsl_host_info_free(struct lsl_host_info *h);

/*
 * The zone named by an /etc/localtime symlink target ("/usr/share/zoneinfo/Europe/Paris",
 * "../usr/share/zoneinfo/posix/UTC") as a pointer into link, or NULL. Pure.
 */
const char *lsl_timezone_from_link(const char *link);
/* A zone name init can look up under /usr/share/zoneinfo: relative, no "..", plain characters. Pure. */
bool lsl_timezone_valid(const char *zone);
