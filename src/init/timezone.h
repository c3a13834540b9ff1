/* SPDX-License-Identifier: MIT */
/* [time] useWindowsTimezone, for a Linux host: the distribution follows the host's time zone. */
#pragma once

#include <stdbool.h>

#include "warnings.h"

/*
 * Point /etc/localtime at /usr/share/zoneinfo/<zone> and write /etc/timezone,
 * when that zone exists inside the distribution; otherwise a warning and
 * nothing changed. zone comes from the host ("Europe/Paris").
 */
void lsl_set_timezone(const char *zone, struct lsl_warnings *w);

/* A zone name fit to become a path below /usr/share/zoneinfo ("Area/City", no "..", no oddities). */
bool lsl_timezone_name_valid(const char *zone);
