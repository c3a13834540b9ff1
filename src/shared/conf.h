/* SPDX-License-Identifier: MIT */
/*
 * The INI dialect of /etc/wsl.conf, /etc/wsl-distribution.conf and /etc/lsl.conf.
 *
 * Syntax as WSL reads it: `[section]`, `key = value`, names of a letter then
 * letters and digits, keys matched as "section.key" case-insensitively,
 * values trimmed, "quoted" values keep spaces and '#', escapes \\ \" \b \n \t,
 * a backslash at the end of a line continues the value, '#' starts a comment
 * outside quotes, CRLF accepted. Lines starting with ';' are comments too.
 *
 * Unlike WSL, a bad line never ends parsing: each problem is one warning
 * naming the file, line and key, and the key keeps its default.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

enum lsl_conf_type {
	LSL_CONF_BOOL,   /* bool *: true/false in any case, 1/0 */
	LSL_CONF_INT,    /* int *: strtol base 0, the whole value, within [min, max] */
	LSL_CONF_STRING, /* char **: newly allocated; validate() may refuse it */
	LSL_CONF_ENUM,   /* int *: index into choices */
};

struct lsl_conf_key {
	const char *name; /* "section.key" */
	enum lsl_conf_type type;
	size_t offset;    /* of the target field inside the settings struct */
	int min, max;     /* LSL_CONF_INT */
	const char *const *choices; /* LSL_CONF_ENUM, NULL-terminated */
	/* LSL_CONF_STRING: NULL to accept, else a phrase saying what is wrong ("must be an absolute path"). */
	const char *(*validate)(const char *value);
};

/* Called once per problem with the finished message, e.g. "Unknown key 'a.b' in /etc/wsl.conf:3". */
typedef void (*lsl_conf_warn_fn)(void *userdata, const char *message);

/*
 * Parse text (NUL-terminated, the whole file) into settings according to keys.
 * file is the name used in messages. Fields of keys not present are left as
 * they are (the caller fills defaults first). Returns 0, or -ENOMEM.
 */
int lsl_conf_parse(const char *file, const char *text, const struct lsl_conf_key *keys, size_t nkeys,
		   void *settings, lsl_conf_warn_fn warn, void *userdata);

/* Parse a boolean the way the parser does. Returns 0 or -EINVAL. */
int lsl_conf_parse_bool(const char *s, bool *out);
