/* SPDX-License-Identifier: MIT */
#include "conf.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "macros.h"

#define NAME_MAX_LEN 64

struct parser {
	const char *file;
	const char *p;    /* current position in the text */
	unsigned line;    /* line number of p */
	const struct lsl_conf_key *keys;
	size_t nkeys;
	void *settings;
	unsigned *seen;   /* per key: line where it was set, 0 = not yet */
	lsl_conf_warn_fn warn;
	void *userdata;
	char section[NAME_MAX_LEN + 1];
	bool section_valid;
};

_printf_(3, 4) static void warn(struct parser *ps, unsigned line, const char *fmt, ...)
{
	char msg[512], where[160];
	size_t n;
	va_list ap;

	/* The location always fits: a long quoted value is what gets cut. */
	snprintf(where, sizeof(where), " in %s:%u", ps->file, line);
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg) - strlen(where), fmt, ap);
	va_end(ap);
	n = strlen(msg);
	snprintf(msg + n, sizeof(msg) - n, "%s", where);
	if (ps->warn)
		ps->warn(ps->userdata, msg);
}

/* Like warn() but the location goes before a trailing remark. */
_printf_(4, 5) static void warn_with_tail(struct parser *ps, unsigned line, const char *tail, const char *fmt, ...)
{
	char head[384];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(head, sizeof(head), fmt, ap);
	va_end(ap);
	if (ps->warn) {
		char msg[512];
		snprintf(msg, sizeof(msg), "%s in %s:%u %s", head, ps->file, line, tail);
		ps->warn(ps->userdata, msg);
	}
}

static bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v'; }

static void skip_blanks(struct parser *ps)
{
	while (is_blank(*ps->p))
		ps->p++;
}

/* Move past the end of the current physical line. */
static void next_line(struct parser *ps)
{
	while (*ps->p && *ps->p != '\n')
		ps->p++;
	if (*ps->p == '\n') {
		ps->p++;
		ps->line++;
	}
}

/* True if only blanks or a comment remain on this line. */
static bool rest_is_empty(const char *p)
{
	while (is_blank(*p))
		p++;
	return !*p || *p == '\n' || *p == '#';
}

/* A name: a letter, then letters and digits. Returns its length, 0 if none. */
static size_t scan_name(const char *p)
{
	size_t n = 0;

	if (!isalpha((unsigned char)p[0]))
		return 0;
	while (isalnum((unsigned char)p[n]))
		n++;
	return n;
}

static void parse_section(struct parser *ps)
{
	unsigned line = ps->line;
	size_t n;

	ps->p++; /* '[' */
	skip_blanks(ps);
	n = scan_name(ps->p);
	ps->section_valid = false;
	if (n == 0 || n > NAME_MAX_LEN) {
		warn(ps, line, "Invalid section name");
		next_line(ps);
		return;
	}
	memcpy(ps->section, ps->p, n);
	ps->section[n] = 0;
	ps->p += n;
	skip_blanks(ps);
	if (*ps->p != ']' || !rest_is_empty(ps->p + 1)) {
		warn(ps, line, "Invalid section name");
		next_line(ps);
		return;
	}
	ps->section_valid = true;
	next_line(ps);
}

/*
 * Scan a value from p to the end of its logical line into out (large enough:
 * the rest of the text). Returns 0 or -EINVAL after warning.
 */
static int scan_value(struct parser *ps, unsigned line, char *out)
{
	size_t n = 0, keep = 0; /* keep: length up to the last quoted or non-blank char */
	bool quoted = false;

	skip_blanks(ps);
	for (;;) {
		char c = *ps->p;

		if (c == 0 || c == '\n' || (c == '\r' && ps->p[1] == '\n') || (c == '#' && !quoted)) {
			if (quoted) {
				warn(ps, line, "Expected '\"'");
				return -EINVAL;
			}
			break;
		}
		ps->p++;
		if (c == '"') {
			quoted = !quoted;
			keep = n;
			continue;
		}
		if (c == '\\') {
			char e = *ps->p;
			/* Backslash at the end of a line continues the value on the next one. */
			if (e == '\n' || (e == '\r' && ps->p[1] == '\n')) {
				ps->p += e == '\r' ? 2 : 1;
				ps->line++;
				continue;
			}
			switch (e) {
			case '\\': c = '\\'; break;
			case '"': c = '"'; break;
			case 'b': c = '\b'; break;
			case 'n': c = '\n'; break;
			case 't': c = '\t'; break;
			default:
				warn(ps, line, "Invalid escaped character: '%c'", isprint((unsigned char)e) ? e : '?');
				return -EINVAL;
			}
			ps->p++;
			out[n++] = c;
			keep = n;
			continue;
		}
		out[n++] = c;
		if (quoted || !is_blank(c))
			keep = n;
	}
	out[keep] = 0;
	return 0;
}

static const struct lsl_conf_key *find_key(struct parser *ps, const char *full, size_t *idx)
{
	for (size_t i = 0; i < ps->nkeys; i++)
		if (strcasecmp(ps->keys[i].name, full) == 0) {
			*idx = i;
			return &ps->keys[i];
		}
	return NULL;
}

int lsl_conf_parse_bool(const char *s, bool *out)
{
	if (strcasecmp(s, "true") == 0 || strcmp(s, "1") == 0)
		*out = true;
	else if (strcasecmp(s, "false") == 0 || strcmp(s, "0") == 0)
		*out = false;
	else
		return -EINVAL;
	return 0;
}

static int parse_int(const char *s, int min, int max, int *out)
{
	char *end;
	long v;

	if (!*s || isspace((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	v = strtol(s, &end, 0);
	if (*end || errno == ERANGE || v < min || v > max)
		return -EINVAL;
	*out = (int)v;
	return 0;
}

static int assign(struct parser *ps, const struct lsl_conf_key *k, const char *full, const char *value,
		  unsigned line)
{
	void *field = (char *)ps->settings + k->offset;

	switch (k->type) {
	case LSL_CONF_BOOL: {
		bool b;
		if (lsl_conf_parse_bool(value, &b) < 0) {
			warn(ps, line, "Invalid boolean value '%s' for key '%s'", value, full);
			return -EINVAL;
		}
		*(bool *)field = b;
		return 0;
	}
	case LSL_CONF_INT: {
		int v;
		if (parse_int(value, k->min, k->max, &v) < 0) {
			warn(ps, line, "Invalid integer value '%s' for key '%s'", value, full);
			return -EINVAL;
		}
		*(int *)field = v;
		return 0;
	}
	case LSL_CONF_ENUM:
		for (int i = 0; k->choices[i]; i++)
			if (strcasecmp(value, k->choices[i]) == 0) {
				*(int *)field = i;
				return 0;
			}
		{
			char valid[256] = "";
			size_t n = 0;
			for (int i = 0; k->choices[i]; i++)
				n += (size_t)snprintf(valid + n, n < sizeof(valid) ? sizeof(valid) - n : 0, "%s%s",
						      i ? ", " : "", k->choices[i]);
			char tail[300];
			snprintf(tail, sizeof(tail), "(Valid values: %s)", valid);
			warn_with_tail(ps, line, tail, "Invalid value '%s' for config key '%s'", value, full);
		}
		return -EINVAL;
	case LSL_CONF_STRING: {
		const char *why = k->validate ? k->validate(value) : NULL;
		char *copy;
		if (why) {
			warn(ps, line, "Invalid value '%s' for key '%s' (%s)", value, full, why);
			return -EINVAL;
		}
		copy = strdup(value);
		if (!copy)
			return -ENOMEM;
		free(*(char **)field);
		*(char **)field = copy;
		return 0;
	}
	}
	return -EINVAL;
}

static int parse_key(struct parser *ps, char *value_buf)
{
	unsigned line = ps->line;
	char key[NAME_MAX_LEN + 1], full[2 * NAME_MAX_LEN + 2];
	const struct lsl_conf_key *k;
	size_t n = scan_name(ps->p), idx = 0;
	int r;

	if (n == 0 || n > NAME_MAX_LEN) {
		warn(ps, line, "Invalid key name");
		next_line(ps);
		return 0;
	}
	memcpy(key, ps->p, n);
	key[n] = 0;
	ps->p += n;
	skip_blanks(ps);
	if (*ps->p != '=') {
		warn(ps, line, isalnum((unsigned char)*ps->p) || !*ps->p || *ps->p == '\n' ? "Expected '='"
											     : "Invalid key name");
		next_line(ps);
		return 0;
	}
	ps->p++;
	r = scan_value(ps, line, value_buf);
	next_line(ps);
	if (r < 0)
		return 0;
	if (!ps->section[0]) {
		warn(ps, line, "Unknown key '%s'", key);
		return 0;
	}
	if (!ps->section_valid)
		return 0; /* the section line was already reported */
	snprintf(full, sizeof(full), "%s.%s", ps->section, key);
	k = find_key(ps, full, &idx);
	if (!k) {
		warn(ps, line, "Unknown key '%s'", full);
		return 0;
	}
	if (ps->seen[idx]) {
		char tail[128 + 2 * NAME_MAX_LEN];
		snprintf(tail, sizeof(tail), "(Conflicting key: '%s' in %s:%u)", full, ps->file, ps->seen[idx]);
		warn_with_tail(ps, line, tail, "Duplicated config key '%s'", full);
		return 0;
	}
	r = assign(ps, k, full, value_buf, line);
	if (r == -ENOMEM)
		return r;
	/* Record even a bad value, so a later duplicate is still reported as one. */
	ps->seen[idx] = line;
	return 0;
}

int lsl_conf_parse(const char *file, const char *text, const struct lsl_conf_key *keys, size_t nkeys,
		   void *settings, lsl_conf_warn_fn warn_fn, void *userdata)
{
	_cleanup_free_ unsigned *seen = calloc(nkeys ? nkeys : 1, sizeof(unsigned));
	_cleanup_free_ char *value = malloc(strlen(text) + 1);
	struct parser ps = {
		.file = file, .p = text, .line = 1, .keys = keys, .nkeys = nkeys,
		.settings = settings, .warn = warn_fn, .userdata = userdata,
	};

	if (!seen || !value)
		return -ENOMEM;
	ps.seen = seen;
	/* A UTF-8 byte order mark is not a syntax error. */
	if ((unsigned char)ps.p[0] == 0xEF && (unsigned char)ps.p[1] == 0xBB && (unsigned char)ps.p[2] == 0xBF)
		ps.p += 3;
	while (*ps.p) {
		skip_blanks(&ps);
		switch (*ps.p) {
		case 0:
			break;
		case '\n':
		case '#':
		case ';':
			next_line(&ps);
			break;
		case '[':
			parse_section(&ps);
			break;
		default: {
			int r = parse_key(&ps, value);
			if (r < 0)
				return r;
		}
		}
	}
	return 0;
}
