/* SPDX-License-Identifier: MIT */
/*
 * Fuzz the INI parser (conf.c) through both of its users of a distribution's
 * files: /etc/wsl.conf and /etc/wsl-distribution.conf (wsl-conf.c). The
 * input is the file's text; each is parsed with both.
 *
 * Oracle: parsing never fails but for memory; every warning names the file
 * and a line; every value that was accepted passes its key's own check
 * (ranges, absolute paths, user and host names), and automount.root ends
 * with exactly one '/'.
 */
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wsl-conf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *what, const char *detail)
{
	fprintf(stderr, "fuzz-conf: %s: %s\n", what, detail ? detail : "(null)");
	abort();
}

struct warnings {
	const char *file;
	unsigned count;
};

static void on_warning(void *userdata, const char *message)
{
	struct warnings *w = userdata;
	char where[64];

	w->count++;
	snprintf(where, sizeof(where), " in %s:", w->file);
	if (!message || !*message)
		fail("empty warning", message);
	if (!strstr(message, where))
		fail("warning without its file and line", message);
}

static void check_string(const char *value, const char *(*check)(const char *))
{
	const char *why;

	if (value && check && (why = check(value)))
		fail("accepted a value its check refuses", value);
}

static void check_wsl_conf(const struct lsl_wsl_conf *c)
{
	size_t n;

	if (!c->automount_root)
		fail("automount.root missing after parsing", NULL);
	n = strlen(c->automount_root);
	if (n == 0 || c->automount_root[n - 1] != '/' || (n > 1 && c->automount_root[n - 2] == '/'))
		fail("automount.root does not end with exactly one '/'", c->automount_root);
	/* "/mnt/" is the default; anything else came from the file and was checked. */
	check_string(c->automount_root, lsl_conf_check_abs_path);
	check_string(c->automount_options, lsl_conf_check_mount_options);
	check_string(c->network_hostname, lsl_conf_check_hostname);
	check_string(c->fileserver_log_file, lsl_conf_check_abs_path);
	check_string(c->user_default, lsl_conf_check_user_name);
	if (c->automount_cgroups != LSL_CGROUPS_V1 && c->automount_cgroups != LSL_CGROUPS_V2)
		fail("automount.cgroups out of range", NULL);
	if (c->filesystem_umask < 0 || c->filesystem_umask > 0777)
		fail("filesystem.umask out of range", NULL);
	if (c->fileserver_log_level < 0 || c->fileserver_log_level > 7)
		fail("fileServer.logLevel out of range", NULL);
	if (c->general_idle_timeout_ms < -1 && c->general_idle_timeout_ms != INT_MIN)
		fail("general.instanceIdleTimeout out of range", NULL);
}

static void check_distribution_conf(const struct lsl_distribution_conf *c)
{
	const char *const paths[] = { c->oobe_command, c->shortcut_icon, c->terminal_profile_template };

	if (c->oobe_default_uid < -1)
		fail("oobe.defaultUid out of range", NULL);
	check_string(c->oobe_default_name, lsl_conf_check_user_name);
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		const char *p = paths[i];
		if (!p)
			continue;
		for (const char *q = p; (q = strstr(q, "..")); q += 2)
			if ((q == p || q[-1] == '/') && (q[2] == 0 || q[2] == '/'))
				fail("accepted a path with '..'", p);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct lsl_wsl_conf wc;
	struct lsl_distribution_conf dc;
	struct warnings w;
	char *text;
	bool b;

	if (size > 256 * 1024)
		return 0;
	text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = 0;

	lsl_wsl_conf_init(&wc);
	w = (struct warnings){ .file = "/etc/wsl.conf" };
	if (lsl_wsl_conf_parse(&wc, w.file, text, on_warning, &w) < 0)
		fail("wsl.conf parsing failed", NULL);
	check_wsl_conf(&wc);
	/* Parsing again on top (as safe mode and reloads do) leaks nothing. */
	if (lsl_wsl_conf_parse(&wc, w.file, text, NULL, NULL) < 0)
		fail("wsl.conf parsing failed", NULL);
	check_wsl_conf(&wc);
	lsl_wsl_conf_safe_mode(&wc);
	if (wc.boot_command || wc.interop_enabled)
		fail("safe mode left a feature on", NULL);
	lsl_wsl_conf_free(&wc);

	lsl_distribution_conf_init(&dc);
	w = (struct warnings){ .file = "/etc/wsl-distribution.conf" };
	if (lsl_distribution_conf_parse(&dc, w.file, text, on_warning, &w) < 0)
		fail("wsl-distribution.conf parsing failed", NULL);
	check_distribution_conf(&dc);
	lsl_distribution_conf_free(&dc);

	(void)lsl_conf_parse_bool(text, &b);
	free(text);
	return 0;
}
