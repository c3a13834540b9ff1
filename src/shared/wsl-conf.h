/* SPDX-License-Identifier: MIT */
/* The settings of a distribution's /etc/wsl.conf, with WSL's defaults. */
#pragma once

#include <stdbool.h>

#include "conf.h"

enum lsl_cgroups_mode { LSL_CGROUPS_V2 = 0, LSL_CGROUPS_V1 = 1 };

struct lsl_wsl_conf {
	bool automount_enabled;     /* true */
	char *automount_root;       /* NULL means "/mnt/"; once parsed, always ends with '/' */
	char *automount_options;    /* NULL */
	bool automount_mount_fstab; /* true */
	bool automount_ldconfig;    /* true */
	int automount_cgroups;      /* enum lsl_cgroups_mode, v2 */
	int filesystem_umask;       /* 022 */
	bool interop_enabled;       /* true */
	bool interop_append_path;   /* true */
	bool network_generate_hosts;       /* true */
	bool network_generate_resolv_conf; /* true */
	char *network_hostname;     /* NULL: the host's */
	bool time_use_host_timezone; /* true */
	bool fileserver_enabled;    /* true */
	char *fileserver_log_file;
	int fileserver_log_level;   /* 4 */
	bool fileserver_log_truncate; /* true */
	bool gpu_enabled;           /* true */
	bool gpu_append_lib_path;   /* true */
	char *user_default;         /* NULL */
	bool boot_systemd;          /* false */
	char *boot_command;         /* NULL */
	int boot_init_timeout_ms;   /* 10000; <= 0 means do not wait */
	bool boot_protect_binfmt;   /* true */
	bool general_gui_applications; /* true */
	int general_idle_timeout_ms;   /* lsl extension [general] instanceIdleTimeout; INT_MIN: not set */
};

/* Fill every field with WSL's default. */
void lsl_wsl_conf_init(struct lsl_wsl_conf *c);
void lsl_wsl_conf_free(struct lsl_wsl_conf *c);

/*
 * Parse the text of a wsl.conf named `file` in messages on top of the current
 * values. Each problem is passed to warn. Returns 0 or -ENOMEM.
 */
int lsl_wsl_conf_parse(struct lsl_wsl_conf *c, const char *file, const char *text, lsl_conf_warn_fn warn,
		       void *userdata);

/*
 * Safe mode: every boolean feature off except boot.protectBinfmt,
 * fileServer.logTruncate and general.guiApplications, no boot.command and no
 * instanceIdleTimeout of its own.
 */
void lsl_wsl_conf_safe_mode(struct lsl_wsl_conf *c);

/* Settings of /etc/wsl-distribution.conf. */
struct lsl_distribution_conf {
	char *oobe_command;
	int oobe_default_uid; /* -1 none */
	char *oobe_default_name;
	char *shortcut_icon;
	bool shortcut_enabled;
	char *terminal_profile_template;
	bool terminal_enabled;
};

void lsl_distribution_conf_init(struct lsl_distribution_conf *c);
void lsl_distribution_conf_free(struct lsl_distribution_conf *c);
int lsl_distribution_conf_parse(struct lsl_distribution_conf *c, const char *file, const char *text,
				lsl_conf_warn_fn warn, void *userdata);

/* Checks shared with other configuration files: NULL when fine, else what is wrong. */
const char *lsl_conf_check_abs_path(const char *v);
const char *lsl_conf_check_mount_options(const char *v);
const char *lsl_conf_check_user_name(const char *v);
const char *lsl_conf_check_hostname(const char *v);
