/* SPDX-License-Identifier: MIT */
#include "distro-config.h"

#include <errno.h>
#include <string.h>

#include "root-file.h"
#include "util.h"

#define CONF_MAX (1024 * 1024) /* WSL's limit for these files */

/* The file's text, or NULL when it is absent or could not be used (then warned). */
static char *read_conf(int rootfd, const char *path, struct lsl_warnings *w)
{
	char *text = NULL;
	size_t len = 0;
	int r = lsl_read_root_file_len(rootfd, path, CONF_MAX, &text, &len);

	if (r == -ENOENT)
		return NULL;
	if (r == -EFBIG)
		lsl_warn(w, "%s is larger than 1 MiB: ignored", path);
	else if (r == -EINVAL)
		lsl_warn(w, "%s is not a regular file: ignored", path);
	else if (r < 0)
		lsl_warn(w, "reading %s: %s: ignored", path, strerror(-r));
	/* A NUL ends the text the parser sees: say so rather than silently drop the rest. */
	if (r == 0 && strlen(text) < len)
		lsl_warn(w, "%s contains a NUL byte at offset %zu: the rest of the file is ignored", path,
			 strlen(text));
	return r < 0 ? NULL : text;
}

int lsl_distro_config_load(int rootfd, bool safe_mode, struct lsl_wsl_conf *conf,
			   struct lsl_distribution_conf *dconf, struct lsl_warnings *w)
{
	_cleanup_free_ char *wsl = NULL, *distribution = NULL;
	int r = 0;

	lsl_wsl_conf_init(conf);
	lsl_distribution_conf_init(dconf);
	if (safe_mode) {
		/* Whatever keeps the distribution from starting may be in that file: not even parsed. */
		lsl_wsl_conf_safe_mode(conf);
		lsl_warn(w, "safe mode: /etc/wsl.conf ignored");
	} else {
		wsl = read_conf(rootfd, "/etc/wsl.conf", w);
	}
	if (wsl)
		r = lsl_wsl_conf_parse(conf, "/etc/wsl.conf", wsl, lsl_warn_cb, w);
	distribution = read_conf(rootfd, "/etc/wsl-distribution.conf", w);
	if (r == 0 && distribution)
		r = lsl_distribution_conf_parse(dconf, "/etc/wsl-distribution.conf", distribution, lsl_warn_cb, w);
	return r;
}
