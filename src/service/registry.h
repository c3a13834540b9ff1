/* SPDX-License-Identifier: MIT */
/*
 * The registry of distributions, in memory and as text (doc/internals.md,
 * "Registry"). Pure: no file access here (registry-store.c does that).
 *
 *   # lsl registry: written by lslservice
 *   version	1
 *   default	<name>
 *   distribution	<name>	location=<abs path>	rootfs=<abs path>	default_uid=<n>	owned=<0|1>
 *   	[image=<abs path>	[in_place=1]]
 *   	[os=<id>	os_version=<v>	user=<uid>	systemd=<0|1>]	[first_run=1]
 *
 * The bracketed keys are optional: image when the distribution is stored in
 * an ext4 image file instead of a directory (then rootfs is the same path,
 * never a directory), in_place when that image was registered where it was
 * (--import-in-place: unregister leaves the file); what the distribution's
 * init reported at its last start (shown by --list --verbose), and
 * first_run while its first-run command (wsl-distribution.conf's [oobe])
 * has not run yet.
 *
 * Names compare case-insensitively and keep the spelling they were
 * registered with. `owned` means lsl created the location directory: at
 * unregister, lsl removes <location>/rootfs always, and <location> itself
 * only when owned (and then only if nothing else is left in it).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "log.h"

#define LSL_REGISTRY_VERSION 1

struct lsl_distro {
	char *name;
	char *location;
	char *rootfs;
	char *image;   /* the ext4 image the root is stored in, or NULL for a directory */
	bool in_place; /* image registered where it was: not lsl's to delete */
	uint32_t default_uid;
	bool owned;
	/* Reported at the last start (absent: never started). */
	char *os_id;
	char *os_version;
	uint32_t user_uid; /* the default user in effect, [user] default included */
	bool seen;         /* the three fields above and systemd are known */
	bool systemd;
	bool first_run;    /* the first-run command is still to run */
};

struct lsl_registry {
	struct lsl_distro *distros; /* sorted by name, case-insensitively */
	size_t n;
	char *default_name;         /* the registered spelling, or NULL */
};

void lsl_registry_free(struct lsl_registry *r);
static inline void lsl_registry_freep(struct lsl_registry *r) { lsl_registry_free(r); }
#define _cleanup_registry_ _cleanup_(lsl_registry_freep)

/*
 * Parse the whole file text (len bytes; a NUL inside is an error). Every
 * problem is an error naming file and line: "<file>:<line>: <what>".
 * Returns 0 or -EINVAL (-ENOMEM) with e set; *out is untouched on failure.
 */
int lsl_registry_parse(const char *file, const char *text, size_t len, struct lsl_registry *out,
		       struct lsl_err *e);

/* The file text for r (newly allocated, NUL-terminated). Returns 0 or -ENOMEM. */
int lsl_registry_format(const struct lsl_registry *r, char **out, size_t *len);

/* A deep copy, to change and commit (or drop) as a whole. Returns 0 or -ENOMEM. */
int lsl_registry_clone(const struct lsl_registry *r, struct lsl_registry *out);

/* The distribution called name (any case), or NULL. */
struct lsl_distro *lsl_registry_find(const struct lsl_registry *r, const char *name);

/*
 * Add a copy of d (its fields validated as the parser would). The first
 * distribution becomes the default. Returns 0, -EEXIST, -EINVAL or -ENOMEM.
 */
int lsl_registry_add(struct lsl_registry *r, const struct lsl_distro *d);

/*
 * Remove name. If it was the default, the first remaining distribution (by
 * name) becomes the default, or none. Returns 0 or -ENOENT.
 */
int lsl_registry_remove(struct lsl_registry *r, const char *name);

/* Make name the default. Returns 0, -ENOENT or -ENOMEM. */
int lsl_registry_set_default(struct lsl_registry *r, const char *name);

/* A short word from a distribution (os-release ID, VERSION_ID) as the registry keeps it. */
bool lsl_registry_word_valid(const char *s);

/* A value the format can hold: non-empty, no control character (TAB and newline among them). */
bool lsl_registry_value_valid(const char *s);
/* A path the registry accepts: a valid value, absolute, at most PATH_MAX. */
bool lsl_registry_path_valid(const char *s);
