/* SPDX-License-Identifier: MIT */
/* The environment a user process starts with. */
#pragma once

#include <stdbool.h>

#include "passwd.h"

#define LSL_DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:/usr/games:/usr/local/games"

/* A value we pass along: 1..255 printable ASCII characters without blanks. */
bool lsl_env_value_ok(const char *v);

/*
 * LANG of the distribution: the last LANG= of /etc/default/locale, else of
 * /etc/locale.conf, below rootfd. *lang is NULL when neither sets a usable
 * one. Returns 0 or -ENOMEM.
 */
int lsl_locale_lang_at(int rootfd, char **lang);

/*
 * PATH, HOME, USER, LOGNAME, SHELL from u; TERM and LANG from caller_env
 * (NAME=VALUE strings, may be NULL) when well formed, LANG replaced by
 * distro_lang when that is set; LSL_DISTRO_NAME when distribution is set.
 * Returns 0 with an allocated NULL-terminated vector, or -ENOMEM.
 */
int lsl_build_environment(const struct lsl_user *u, const char *const *caller_env, const char *distro_lang,
			  const char *distribution, char ***out);

/* The value of name in a NAME=VALUE vector, or NULL. */
const char *lsl_env_get(char *const *env, const char *name);
