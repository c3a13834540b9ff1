/* SPDX-License-Identifier: MIT */
#include "timezone.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "etc-file.h"
#include "log.h"
#include "mount-util.h"
#include "util.h"

void lsl_set_timezone(const char *zone, struct lsl_warnings *w)
{
	_cleanup_free_ char *target = NULL, *text = NULL;
	struct lsl_err e = { 0 };
	_cleanup_close_ int etc = -1;
	struct stat st;
	int r;

	if (!zone)
		return;
	if (!lsl_timezone_name_valid(zone)) {
		lsl_warn(w, "the host's time zone '%s' is not a valid zone name: time zone not set", zone);
		return;
	}
	target = strdup_printf("/usr/share/zoneinfo/%s", zone);
	text = strdup_printf("%s\n", zone);
	if (!target || !text) {
		lsl_warn(w, "setting the time zone: %s", strerror(ENOMEM));
		return;
	}
	/* Inside the distribution (after pivot_root), following its own links is harmless. */
	if (stat(target, &st) < 0 || !S_ISREG(st.st_mode)) {
		/* Common in minimal distributions (no tzdata): logged, not worth a warning at every start. */
		log_info("time zone %s does not exist in this distribution: time zone not set", zone);
		return;
	}
	etc = lsl_open_dir_nofollow("/etc", 0755, true, &e);
	if (etc < 0) {
		lsl_warn(w, "setting the time zone: %s", lsl_err_str(&e));
		return;
	}
	r = lsl_etc_link(etc, "localtime", target);
	if (r < 0) {
		lsl_warn(w, "linking /etc/localtime to %s: %s", target, strerror(-r));
		return;
	}
	r = lsl_etc_write(etc, "timezone", text);
	if (r < 0)
		lsl_warn(w, "writing /etc/timezone: %s", strerror(-r));
}
