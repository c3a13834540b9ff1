/* SPDX-License-Identifier: MIT */
/*
 * Fuzz the reader of a distribution's /etc/passwd and /etc/group (passwd.c),
 * which init runs as root on files the distribution controls.
 *
 * Input, text: the first line is who to run as (lsl -u; empty = the default
 * uid 1000), then the passwd file, then optionally a line "%%" and the
 * group file.
 *
 * Oracle: a resolved user always has a name, an absolute home, a shell, a
 * uid and gid that are not (uint32_t)-1, and a group list starting with its
 * gid, without duplicates, within the kernel's limit; failures say why.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "passwd.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *what, const char *detail)
{
	fprintf(stderr, "fuzz-passwd: %s: %s\n", what, detail ? detail : "(null)");
	abort();
}

static void check_user(const struct lsl_user *u)
{
	if (!u->name || !u->name[0])
		fail("user without a name", u->name);
	if (!u->home || u->home[0] != '/')
		fail("home is not absolute", u->home);
	if (!u->shell || !u->shell[0])
		fail("no shell", u->name);
	if (u->uid == UINT32_MAX || u->gid == UINT32_MAX)
		fail("uid or gid (uint32_t)-1", u->name);
	if (u->ngroups < 1 || !u->groups || u->groups[0] != u->gid)
		fail("group list does not start with the primary group", u->name);
	if (u->ngroups > LSL_GROUPS_MAX)
		fail("too many groups", u->name);
	for (size_t i = 0; i < u->ngroups; i++)
		for (size_t j = i + 1; j < u->ngroups; j++)
			if (u->groups[i] == u->groups[j])
				fail("duplicate group", u->name);
}

static void resolve(const char *passwd, const char *group, const char *user, uint32_t default_uid)
{
	struct lsl_user u;
	struct lsl_err e = { 0 };
	int r = lsl_user_resolve(passwd, group, user, default_uid, "fuzz", &u, &e);

	if (r == 0) {
		check_user(&u);
		/* What was found by name is found again by that name (by uid, an earlier namesake may win). */
		if (user && passwd && !strcmp(user, u.name)) {
			struct lsl_user again;
			if (lsl_passwd_lookup(passwd, u.name, 0, &again) == 0) {
				if (again.uid != u.uid)
					fail("lookup by name disagrees", u.name);
				lsl_user_clear(&again);
			}
		}
		lsl_user_clear(&u);
	} else if (r == -ENOMEM) {
		/* Allocation failure: nothing to check. */
	} else if (!e.msg[0] || e.code != r) {
		fail("failure without a reason", user);
	} else if (u.name || u.home || u.shell || u.groups) {
		fail("failure left a partial user", user);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text, *user, *passwd, *group = NULL, *nl, *sep;

	if (size > 1024 * 1024)
		return 0;
	text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = 0;

	user = text;
	nl = strchr(text, '\n');
	passwd = nl ? nl + 1 : text + strlen(text);
	if (nl)
		*nl = 0;
	sep = strstr(passwd, "\n%%\n");
	if (sep) {
		*sep = 0;
		group = sep + 4;
	}

	resolve(passwd, group, user, 1000);
	resolve(passwd, group, NULL, 0);
	resolve(passwd, NULL, user, UINT32_MAX);
	resolve(NULL, group, user, 0);
	free(text);
	return 0;
}
