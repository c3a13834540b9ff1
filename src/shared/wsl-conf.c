/* SPDX-License-Identifier: MIT */
#include "wsl-conf.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "macros.h"

#define F(member) offsetof(struct lsl_wsl_conf, member)

static const char *const cgroup_choices[] = { "v2", "v1", NULL };

const char *lsl_conf_check_abs_path(const char *v)
{
	if (v[0] != '/')
		return "must be an absolute path";
	for (const char *p = v; *p; p++)
		if (iscntrl((unsigned char)*p))
			return "must not contain control characters";
	for (const char *p = v; (p = strstr(p, "..")); p += 2)
		if ((p == v || p[-1] == '/') && (p[2] == 0 || p[2] == '/'))
			return "must not contain '..'";
	return NULL;
}

/* Options as mount(8) takes them: comma-separated words, no blanks or quotes. */
const char *lsl_conf_check_mount_options(const char *v)
{
	bool empty_word = true;

	if (strlen(v) > 1024)
		return "is too long";
	for (const char *p = v; *p; p++) {
		unsigned char c = (unsigned char)*p;
		if (c == ',') {
			if (empty_word)
				return "has an empty option";
			empty_word = true;
			continue;
		}
		if (!isalnum(c) && !strchr("_-=.:/+@", c))
			return "must be comma-separated mount options";
		empty_word = false;
	}
	if (*v && empty_word)
		return "has an empty option";
	return NULL;
}

const char *lsl_conf_check_user_name(const char *v)
{
	size_t n = strlen(v);

	if (n == 0 || n > 32 || v[0] == '-')
		return "is not a valid user name";
	for (const char *p = v; *p; p++)
		if (!isalnum((unsigned char)*p) && !strchr("._-$", *p))
			return "is not a valid user name";
	return NULL;
}

const char *lsl_conf_check_hostname(const char *v)
{
	if (strlen(v) > 253)
		return "is too long";
	for (const char *p = v; *p; p++)
		if (iscntrl((unsigned char)*p) || *p == ' ' || *p == '/')
			return "is not a valid host name";
	return NULL;
}

static const struct lsl_conf_key wsl_keys[] = {
	{ .name = "automount.enabled", .type = LSL_CONF_BOOL, .offset = F(automount_enabled) },
	{ .name = "automount.root", .type = LSL_CONF_STRING, .offset = F(automount_root), .validate = lsl_conf_check_abs_path },
	{ .name = "automount.options", .type = LSL_CONF_STRING, .offset = F(automount_options), .validate = lsl_conf_check_mount_options },
	{ .name = "automount.mountFsTab", .type = LSL_CONF_BOOL, .offset = F(automount_mount_fstab) },
	{ .name = "automount.ldconfig", .type = LSL_CONF_BOOL, .offset = F(automount_ldconfig) },
	{ .name = "automount.cgroups", .type = LSL_CONF_ENUM, .offset = F(automount_cgroups), .choices = cgroup_choices },
	{ .name = "filesystem.umask", .type = LSL_CONF_INT, .offset = F(filesystem_umask), .min = 0, .max = 0777 },
	{ .name = "interop.enabled", .type = LSL_CONF_BOOL, .offset = F(interop_enabled) },
	{ .name = "interop.appendWindowsPath", .type = LSL_CONF_BOOL, .offset = F(interop_append_path) },
	{ .name = "network.generateHosts", .type = LSL_CONF_BOOL, .offset = F(network_generate_hosts) },
	{ .name = "network.generateResolvConf", .type = LSL_CONF_BOOL, .offset = F(network_generate_resolv_conf) },
	{ .name = "network.hostname", .type = LSL_CONF_STRING, .offset = F(network_hostname), .validate = lsl_conf_check_hostname },
	{ .name = "time.useWindowsTimezone", .type = LSL_CONF_BOOL, .offset = F(time_use_host_timezone) },
	{ .name = "fileServer.enabled", .type = LSL_CONF_BOOL, .offset = F(fileserver_enabled) },
	{ .name = "fileServer.logFile", .type = LSL_CONF_STRING, .offset = F(fileserver_log_file), .validate = lsl_conf_check_abs_path },
	{ .name = "fileServer.logLevel", .type = LSL_CONF_INT, .offset = F(fileserver_log_level), .min = 0, .max = 7 },
	{ .name = "fileServer.logTruncate", .type = LSL_CONF_BOOL, .offset = F(fileserver_log_truncate) },
	{ .name = "gpu.enabled", .type = LSL_CONF_BOOL, .offset = F(gpu_enabled) },
	{ .name = "gpu.appendLibPath", .type = LSL_CONF_BOOL, .offset = F(gpu_append_lib_path) },
	{ .name = "user.default", .type = LSL_CONF_STRING, .offset = F(user_default), .validate = lsl_conf_check_user_name },
	{ .name = "boot.systemd", .type = LSL_CONF_BOOL, .offset = F(boot_systemd) },
	{ .name = "boot.command", .type = LSL_CONF_STRING, .offset = F(boot_command) },
	{ .name = "boot.initTimeout", .type = LSL_CONF_INT, .offset = F(boot_init_timeout_ms), .min = INT_MIN, .max = INT_MAX },
	{ .name = "boot.protectBinfmt", .type = LSL_CONF_BOOL, .offset = F(boot_protect_binfmt) },
	{ .name = "general.guiApplications", .type = LSL_CONF_BOOL, .offset = F(general_gui_applications) },
	/* lsl extension: this distribution's idle timeout in ms, overriding /etc/lsl.conf's (-1 never). */
	{ .name = "general.instanceIdleTimeout", .type = LSL_CONF_INT, .offset = F(general_idle_timeout_ms), .min = -1, .max = INT_MAX },
};

void lsl_wsl_conf_init(struct lsl_wsl_conf *c)
{
	*c = (struct lsl_wsl_conf){
		.automount_enabled = true,
		.automount_mount_fstab = true,
		.automount_ldconfig = true,
		.automount_cgroups = LSL_CGROUPS_V2,
		.filesystem_umask = 022,
		.interop_enabled = true,
		.interop_append_path = true,
		.network_generate_hosts = true,
		.network_generate_resolv_conf = true,
		.time_use_host_timezone = true,
		.fileserver_enabled = true,
		.fileserver_log_level = 4,
		.fileserver_log_truncate = true,
		.gpu_enabled = true,
		.gpu_append_lib_path = true,
		.boot_init_timeout_ms = 10000,
		.boot_protect_binfmt = true,
		.general_gui_applications = true,
		.general_idle_timeout_ms = INT_MIN,
	};
}

void lsl_wsl_conf_free(struct lsl_wsl_conf *c)
{
	free(c->automount_root);
	free(c->automount_options);
	free(c->network_hostname);
	free(c->fileserver_log_file);
	free(c->user_default);
	free(c->boot_command);
	lsl_wsl_conf_init(c);
}

/* automount.root always ends with exactly one '/', and an empty one means "/". */
static int normalize_root(struct lsl_wsl_conf *c)
{
	const char *root = c->automount_root ? c->automount_root : "/mnt/";
	size_t n = strlen(root);
	char *r;

	while (n > 1 && root[n - 1] == '/')
		n--;
	r = malloc(n + 2);
	if (!r)
		return -ENOMEM;
	memcpy(r, root, n);
	if (n == 1 && r[0] == '/')
		r[1] = 0;
	else {
		r[n] = '/';
		r[n + 1] = 0;
	}
	free(c->automount_root);
	c->automount_root = r;
	return 0;
}

int lsl_wsl_conf_parse(struct lsl_wsl_conf *c, const char *file, const char *text, lsl_conf_warn_fn warn,
		       void *userdata)
{
	int r = lsl_conf_parse(file, text, wsl_keys, ARRAY_SIZE(wsl_keys), c, warn, userdata);

	if (r < 0)
		return r;
	return normalize_root(c);
}

void lsl_wsl_conf_safe_mode(struct lsl_wsl_conf *c)
{
	c->automount_enabled = false;
	c->automount_mount_fstab = false;
	c->automount_ldconfig = false;
	c->interop_enabled = false;
	c->interop_append_path = false;
	c->network_generate_hosts = false;
	c->network_generate_resolv_conf = false;
	c->time_use_host_timezone = false;
	c->fileserver_enabled = false;
	c->gpu_enabled = false;
	c->gpu_append_lib_path = false;
	c->boot_systemd = false;
	c->general_idle_timeout_ms = INT_MIN;
	free(c->boot_command);
	c->boot_command = NULL;
}

#define D(member) offsetof(struct lsl_distribution_conf, member)

static const char *check_relative_safe(const char *v)
{
	/* Paths inside the distribution given in this file may not climb out with "..". */
	for (const char *p = v; (p = strstr(p, "..")); p += 2)
		if ((p == v || p[-1] == '/') && (p[2] == 0 || p[2] == '/'))
			return "must not contain '..'";
	return NULL;
}

static const struct lsl_conf_key distribution_keys[] = {
	{ .name = "oobe.command", .type = LSL_CONF_STRING, .offset = D(oobe_command), .validate = check_relative_safe },
	{ .name = "oobe.defaultUid", .type = LSL_CONF_INT, .offset = D(oobe_default_uid), .min = 0, .max = INT_MAX },
	{ .name = "oobe.defaultName", .type = LSL_CONF_STRING, .offset = D(oobe_default_name), .validate = lsl_conf_check_user_name },
	{ .name = "shortcut.icon", .type = LSL_CONF_STRING, .offset = D(shortcut_icon), .validate = check_relative_safe },
	{ .name = "shortcut.enabled", .type = LSL_CONF_BOOL, .offset = D(shortcut_enabled) },
	{ .name = "windowsterminal.profileTemplate", .type = LSL_CONF_STRING, .offset = D(terminal_profile_template),
	  .validate = check_relative_safe },
	{ .name = "windowsterminal.enabled", .type = LSL_CONF_BOOL, .offset = D(terminal_enabled) },
};

void lsl_distribution_conf_init(struct lsl_distribution_conf *c)
{
	*c = (struct lsl_distribution_conf){ .oobe_default_uid = -1, .shortcut_enabled = true,
					     .terminal_enabled = true };
}

void lsl_distribution_conf_free(struct lsl_distribution_conf *c)
{
	free(c->oobe_command);
	free(c->oobe_default_name);
	free(c->shortcut_icon);
	free(c->terminal_profile_template);
	lsl_distribution_conf_init(c);
}

int lsl_distribution_conf_parse(struct lsl_distribution_conf *c, const char *file, const char *text,
				lsl_conf_warn_fn warn, void *userdata)
{
	return lsl_conf_parse(file, text, distribution_keys, ARRAY_SIZE(distribution_keys), c, warn, userdata);
}
