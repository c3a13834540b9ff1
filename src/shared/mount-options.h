/* SPDX-License-Identifier: MIT */
/*
 * mount(8)-style option strings ("ro,nosuid,uid=1000") split into mount(2)
 * flags and filesystem data, and /etc/fstab parsing. Values from wsl.conf and
 * a distribution's fstab are checked here instead of being passed raw to the
 * kernel.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "log.h"

struct lsl_mount_options {
	unsigned long flags;       /* MS_RDONLY, MS_NOSUID, ... */
	unsigned long clear_flags; /* flags an option turned off explicitly ("rw", "suid") */
	unsigned long propagation; /* MS_SHARED/MS_PRIVATE/MS_SLAVE/MS_UNBINDABLE (| MS_REC) or 0 */
	char *data;                /* comma-separated filesystem options, NULL if none */
	bool bind;                 /* bind or rbind (MS_BIND is in flags too) */
	bool nofail;               /* a missing source is not an error */
	bool noauto;               /* fstab: not mounted by "mount -a" */
};

/* Parse opts (may be NULL or empty). Returns 0 or -EINVAL with e saying which option is bad. */
int lsl_mount_options_parse(const char *opts, struct lsl_mount_options *out, struct lsl_err *e);
void lsl_mount_options_free(struct lsl_mount_options *o);

struct lsl_fstab_entry {
	char *spec;   /* device, "UUID=...", directory for bind mounts, or a pseudo name */
	char *file;   /* mount point (absolute) or "none"/"swap" */
	char *type;
	char *options;
	int freq, passno;
	unsigned line;
};

/*
 * Parse fstab text. Bad lines are reported through warn (as "<file>:<line>:
 * <why>") and skipped. Octal escapes (\040) are decoded. Returns 0 or -ENOMEM.
 */
int lsl_fstab_parse(const char *file, const char *text, struct lsl_fstab_entry **entries, size_t *n,
		    void (*warn)(void *userdata, const char *message), void *userdata);
void lsl_fstab_free(struct lsl_fstab_entry *entries, size_t n);
