/* SPDX-License-Identifier: MIT */
#include "kv-file.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "macros.h"
#include "root-file.h"

struct kv_query {
	const char *key;
	size_t key_len;
	char value[LSL_KV_LINE_MAX + 1]; /* the last good value */
	char scratch[LSL_KV_LINE_MAX + 1];
	bool found;
};

static bool is_blank(char c) { return c == ' ' || c == '\t'; }

/* Unquote v (n bytes) into out (room for n + 1). Returns false for a value the shell would not accept. */
static bool unquote(const char *v, size_t n, char *out)
{
	size_t i = 0, k = 0;

	while (i < n) {
		char c = v[i];

		if (c == '\'') {
			const char *end = memchr(v + i + 1, '\'', n - i - 1);
			if (!end)
				return false;
			for (i++; v + i < end; i++)
				out[k++] = v[i];
			i++;
		} else if (c == '"') {
			for (i++;; i++) {
				if (i >= n)
					return false;
				if (v[i] == '"')
					break;
				if (v[i] == '\\' && i + 1 < n && strchr("\"\\$`", v[i + 1]))
					i++;
				out[k++] = v[i];
			}
			i++;
		} else if (c == '\\') {
			if (i + 1 >= n)
				return false;
			out[k++] = v[i + 1];
			i += 2;
		} else if (is_blank(c)) {
			/* Only a comment may follow an unquoted blank. */
			while (i < n && is_blank(v[i]))
				i++;
			if (i < n && v[i] != '#')
				return false;
			break;
		} else if (strchr("`$;&|<>()", c)) {
			return false; /* shell syntax this parser does not run */
		} else {
			out[k++] = c;
			i++;
		}
	}
	out[k] = 0;
	return true;
}

static int kv_line(const char *line, size_t len, void *data)
{
	struct kv_query *q = data;
	const char *p = line, *end = line + len;
	const char *rest;

	while (p < end && is_blank(*p))
		p++;
	if ((size_t)(end - p) > 7 && memcmp(p, "export", 6) == 0 && is_blank(p[6])) {
		p += 7;
		while (p < end && is_blank(*p))
			p++;
	}
	if ((size_t)(end - p) <= q->key_len || memcmp(p, q->key, q->key_len) != 0 || p[q->key_len] != '=')
		return 0;
	rest = p + q->key_len + 1;
	if (end > rest && end[-1] == '\r')
		end--;
	if (memchr(rest, 0, (size_t)(end - rest)))
		return 0;
	/* The last assignment wins, as when the file is sourced; a malformed one changes nothing. */
	if (unquote(rest, (size_t)(end - rest), q->scratch)) {
		memcpy(q->value, q->scratch, strlen(q->scratch) + 1);
		q->found = true;
	}
	return 0;
}

int lsl_kv_get(const char *text, const char *key, char **out)
{
	_cleanup_free_ struct kv_query *q = calloc(1, sizeof(*q));
	char *last = NULL;

	if (!q)
		return -ENOMEM;
	q->key = key;
	q->key_len = strlen(key);
	lsl_for_each_line(text, LSL_KV_LINE_MAX, kv_line, q);
	if (!q->found)
		return -ENOENT;
	last = strdup(q->value);
	if (!last)
		return -ENOMEM;
	*out = last;
	return 0;
}
