/* SPDX-License-Identifier: MIT */
/*
 * Users and groups from a distribution's own /etc/passwd and /etc/group,
 * parsed here: init is static and has no NSS, and the host's NSS would read
 * the host's files anyway.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "log.h"

#define LSL_PASSWD_LINE_MAX 4096           /* longer lines are malformed and ignored */
#define LSL_PASSWD_FILE_MAX (16 << 20)     /* bigger files are refused */
#define LSL_GROUPS_MAX 65536               /* the kernel's NGROUPS_MAX */

struct lsl_user {
	char *name;
	uint32_t uid;
	uint32_t gid;
	char *home;  /* absolute; "/" when the entry has none */
	char *shell; /* "/bin/sh" when the entry has none */
	uint32_t *groups; /* for setgroups(): the primary gid first, no duplicates */
	size_t ngroups;
};

void lsl_user_clear(struct lsl_user *u);
static inline void lsl_user_clearp(struct lsl_user *u) { lsl_user_clear(u); }
#define _cleanup_user_ _cleanup_(lsl_user_clearp)

/*
 * Find the first entry of passwd text (the contents of /etc/passwd) named
 * `name`, or with uid `uid` when name is NULL. Comments, NIS (`+`/`-`)
 * lines and malformed lines are skipped. Fills u without groups.
 * Returns 0, -ENOENT or -ENOMEM.
 */
int lsl_passwd_lookup(const char *text, const char *name, uint32_t uid, struct lsl_user *u);

/*
 * The groups of `user` from group text (the contents of /etc/group, may be
 * NULL): `primary`, then every group whose member list names the user.
 * Returns 0 with an allocated array, or -ENOMEM / -E2BIG (more than
 * LSL_GROUPS_MAX).
 */
int lsl_group_list(const char *text, const char *user, uint32_t primary, uint32_t **out, size_t *n);

/*
 * Resolve who runs a process: `user` is a name, or a decimal uid when no
 * entry has that name; NULL or "" means default_uid. A uid without an entry
 * is still usable (uid 0 as root with home /root; others with gid = uid,
 * home /, shell /bin/sh); an unknown name is -ENOENT with the message
 * "user 'x' does not exist in <distribution>". passwd_text and group_text
 * may be NULL for missing files.
 */
int lsl_user_resolve(const char *passwd_text, const char *group_text, const char *user, uint32_t default_uid,
		     const char *distribution, struct lsl_user *u, struct lsl_err *e);

/* The same, reading etc/passwd and etc/group below rootfd. */
int lsl_user_resolve_at(int rootfd, const char *user, uint32_t default_uid, const char *distribution,
			struct lsl_user *u, struct lsl_err *e);
