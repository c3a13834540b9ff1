/* SPDX-License-Identifier: MIT */
#include "registry.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util.h"

static const char header_comment[] = "# lsl registry: written by lslservice\n";

static void distro_free(struct lsl_distro *d)
{
	free(d->name);
	free(d->location);
	free(d->rootfs);
	free(d->image);
	free(d->os_id);
	free(d->os_version);
	*d = (struct lsl_distro){ 0 };
}

void lsl_registry_free(struct lsl_registry *r)
{
	for (size_t i = 0; i < r->n; i++)
		distro_free(&r->distros[i]);
	free(r->distros);
	free(r->default_name);
	*r = (struct lsl_registry){ 0 };
}

bool lsl_registry_value_valid(const char *s)
{
	if (isempty(s))
		return false;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			return false;
	return true;
}

bool lsl_registry_word_valid(const char *s)
{
	size_t n = s ? strlen(s) : 0;

	if (n == 0 || n > 64)
		return false;
	for (const char *p = s; *p; p++)
		if (!isalnum((unsigned char)*p) && !strchr("._+-~", *p))
			return false;
	return true;
}

bool lsl_registry_path_valid(const char *s)
{
	return lsl_registry_value_valid(s) && s[0] == '/' && strlen(s) < PATH_MAX;
}

struct lsl_distro *lsl_registry_find(const struct lsl_registry *r, const char *name)
{
	if (!name)
		return NULL;
	for (size_t i = 0; i < r->n; i++)
		if (strcasecmp(r->distros[i].name, name) == 0)
			return &r->distros[i];
	return NULL;
}

static int distro_copy(const struct lsl_distro *d, struct lsl_distro *out)
{
	*out = (struct lsl_distro){ .default_uid = d->default_uid, .owned = d->owned, .user_uid = d->user_uid,
				    .seen = d->seen, .systemd = d->systemd, .first_run = d->first_run,
				    .in_place = d->in_place };
	out->name = strdup(d->name);
	out->location = strdup(d->location);
	out->rootfs = strdup(d->rootfs);
	out->image = strdup_or_null(d->image);
	out->os_id = strdup_or_null(d->os_id);
	out->os_version = strdup_or_null(d->os_version);
	if (!out->name || !out->location || !out->rootfs || (d->image && !out->image) || (d->os_id && !out->os_id) ||
	    (d->os_version && !out->os_version)) {
		distro_free(out);
		return -ENOMEM;
	}
	return 0;
}

/* Insert (taking d's strings) keeping the array sorted by name. */
static int insert_sorted(struct lsl_registry *r, struct lsl_distro *d)
{
	struct lsl_distro *v = realloc(r->distros, (r->n + 1) * sizeof(*v));
	size_t at = 0;

	if (!v)
		return -ENOMEM;
	r->distros = v;
	while (at < r->n && strcasecmp(v[at].name, d->name) < 0)
		at++;
	memmove(&v[at + 1], &v[at], (r->n - at) * sizeof(*v));
	v[at] = *d;
	r->n++;
	*d = (struct lsl_distro){ 0 };
	return 0;
}

static bool distro_valid(const struct lsl_distro *d)
{
	return distro_name_valid(d->name) && lsl_registry_path_valid(d->location) &&
	       lsl_registry_path_valid(d->rootfs) && (!d->image || lsl_registry_path_valid(d->image)) &&
	       (d->image || !d->in_place) && (!d->os_id || lsl_registry_word_valid(d->os_id)) &&
	       (!d->os_version || lsl_registry_word_valid(d->os_version));
}

int lsl_registry_add(struct lsl_registry *r, const struct lsl_distro *d)
{
	struct lsl_distro copy;
	int ret;

	if (!distro_valid(d))
		return -EINVAL;
	if (lsl_registry_find(r, d->name))
		return -EEXIST;
	ret = distro_copy(d, &copy);
	if (ret < 0)
		return ret;
	if (r->n == 0 && !r->default_name) {
		r->default_name = strdup(copy.name);
		if (!r->default_name) {
			distro_free(&copy);
			return -ENOMEM;
		}
	}
	ret = insert_sorted(r, &copy);
	if (ret < 0) {
		distro_free(&copy);
		if (r->n == 0) {
			free(r->default_name);
			r->default_name = NULL;
		}
	}
	return ret;
}

int lsl_registry_remove(struct lsl_registry *r, const char *name)
{
	struct lsl_distro *d = lsl_registry_find(r, name);
	bool was_default;
	size_t at;

	if (!d)
		return -ENOENT;
	was_default = r->default_name && strcasecmp(r->default_name, d->name) == 0;
	at = (size_t)(d - r->distros);
	distro_free(d);
	memmove(&r->distros[at], &r->distros[at + 1], (r->n - at - 1) * sizeof(*d));
	r->n--;
	if (was_default) {
		free(r->default_name);
		r->default_name = r->n > 0 ? strdup(r->distros[0].name) : NULL;
		/* Out of memory here only loses the choice of a new default. */
	}
	return 0;
}

int lsl_registry_set_default(struct lsl_registry *r, const char *name)
{
	struct lsl_distro *d = lsl_registry_find(r, name);
	char *copy;

	if (!d)
		return -ENOENT;
	copy = strdup(d->name);
	if (!copy)
		return -ENOMEM;
	free(r->default_name);
	r->default_name = copy;
	return 0;
}

int lsl_registry_clone(const struct lsl_registry *r, struct lsl_registry *out)
{
	struct lsl_registry c = { 0 };

	c.distros = calloc(r->n ? r->n : 1, sizeof(*c.distros));
	if (!c.distros)
		return -ENOMEM;
	for (size_t i = 0; i < r->n; i++) {
		if (distro_copy(&r->distros[i], &c.distros[i]) < 0) {
			lsl_registry_free(&c);
			return -ENOMEM;
		}
		c.n++;
	}
	if (r->default_name) {
		c.default_name = strdup(r->default_name);
		if (!c.default_name) {
			lsl_registry_free(&c);
			return -ENOMEM;
		}
	}
	*out = c;
	return 0;
}

int lsl_registry_format(const struct lsl_registry *r, char **out, size_t *len)
{
	char *text = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&text, &n);
	bool failed;

	if (!f)
		return -ENOMEM;
	fputs(header_comment, f);
	fprintf(f, "version\t%d\n", LSL_REGISTRY_VERSION);
	if (r->default_name)
		fprintf(f, "default\t%s\n", r->default_name);
	for (size_t i = 0; i < r->n; i++) {
		const struct lsl_distro *d = &r->distros[i];
		fprintf(f, "distribution\t%s\tlocation=%s\trootfs=%s\tdefault_uid=%u\towned=%d", d->name,
			d->location, d->rootfs, d->default_uid, d->owned ? 1 : 0);
		if (d->image)
			fprintf(f, "\timage=%s%s", d->image, d->in_place ? "\tin_place=1" : "");
		if (d->seen) {
			if (d->os_id)
				fprintf(f, "\tos=%s", d->os_id);
			if (d->os_version)
				fprintf(f, "\tos_version=%s", d->os_version);
			fprintf(f, "\tuser=%u\tsystemd=%d", d->user_uid, d->systemd ? 1 : 0);
		}
		if (d->first_run)
			fputs("\tfirst_run=1", f);
		fputc('\n', f);
	}
	failed = ferror(f);
	if (fclose(f) != 0 || failed) {
		free(text);
		return -ENOMEM;
	}
	*out = text;
	if (len)
		*len = n;
	return 0;
}

/* ---- parsing ---- */

struct parser {
	const char *file;
	unsigned line;
	struct lsl_err *e;
};

#define parse_error(p, ...) lsl_err_setf_line((p), __VA_ARGS__)

_printf_(2, 3) static int lsl_err_setf_line(struct parser *p, const char *fmt, ...)
{
	char what[LSL_ERR_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	return lsl_err_setf(p->e, EINVAL, "%s:%u: %s", p->file, p->line, what);
}

/* Split line (modified in place) at TABs into at most max fields. Returns the count, or -1 if more. */
static int split_tabs(char *line, char **fields, int max)
{
	int n = 0;

	for (char *s = line;; n++) {
		char *tab = strchr(s, '\t');
		if (n == max)
			return -1;
		fields[n] = s;
		if (!tab)
			return n + 1;
		*tab = 0;
		s = tab + 1;
	}
}

/* A field's text for messages: printable, bounded. */
static const char *shown(const char *s, char *buf, size_t size)
{
	size_t k = 0;

	for (; *s && k + 1 < size; s++)
		buf[k++] = (*(const unsigned char *)s < 0x20 || *(const unsigned char *)s >= 0x7f) ? '?' : *s;
	buf[k] = 0;
	return buf;
}

static int parse_distribution(struct parser *p, char **f, int nf, struct lsl_registry *r)
{
	_cleanup_(distro_free) struct lsl_distro d = { 0 };
	bool seen_uid = false, seen_owned = false, seen_user = false, seen_systemd = false, seen_first = false;
	bool seen_in_place = false;
	char buf[80];
	int ret;

	if (nf < 2 || !distro_name_valid(f[1]))
		return parse_error(p, "invalid distribution name '%s'", nf < 2 ? "" : shown(f[1], buf, sizeof(buf)));
	d.name = strdup(f[1]);
	if (!d.name)
		return lsl_err_set(p->e, ENOMEM, "reading %s", p->file);
	for (int i = 2; i < nf; i++) {
		char *eq = strchr(f[i], '='), *value;
		const char *key = f[i];

		if (!eq)
			return parse_error(p, "field '%s' is not key=value", shown(f[i], buf, sizeof(buf)));
		*eq = 0;
		value = eq + 1;
		if (streq(key, "location") || streq(key, "rootfs") || streq(key, "image")) {
			char **slot = streq(key, "location") ? &d.location : streq(key, "rootfs") ? &d.rootfs : &d.image;
			if (*slot)
				return parse_error(p, "duplicate key '%s'", key);
			if (!lsl_registry_path_valid(value))
				return parse_error(p, "%s is not an absolute path", key);
			*slot = strdup(value);
			if (!*slot)
				return lsl_err_set(p->e, ENOMEM, "reading %s", p->file);
		} else if (streq(key, "default_uid")) {
			if (seen_uid)
				return parse_error(p, "duplicate key '%s'", key);
			seen_uid = true;
			if (safe_atou32(value, &d.default_uid) < 0)
				return parse_error(p, "default_uid '%s' is not a number", shown(value, buf, sizeof(buf)));
		} else if (streq(key, "owned")) {
			if (seen_owned)
				return parse_error(p, "duplicate key '%s'", key);
			seen_owned = true;
			if (!streq(value, "0") && !streq(value, "1"))
				return parse_error(p, "owned must be 0 or 1");
			d.owned = streq(value, "1");
		} else if (streq(key, "os") || streq(key, "os_version")) {
			char **slot = streq(key, "os") ? &d.os_id : &d.os_version;
			if (*slot)
				return parse_error(p, "duplicate key '%s'", key);
			if (!lsl_registry_word_valid(value))
				return parse_error(p, "%s '%s' is not a valid word", key, shown(value, buf, sizeof(buf)));
			*slot = strdup(value);
			if (!*slot)
				return lsl_err_set(p->e, ENOMEM, "reading %s", p->file);
		} else if (streq(key, "user")) {
			if (seen_user)
				return parse_error(p, "duplicate key '%s'", key);
			seen_user = true;
			if (safe_atou32(value, &d.user_uid) < 0)
				return parse_error(p, "user '%s' is not a number", shown(value, buf, sizeof(buf)));
		} else if (streq(key, "in_place")) {
			if (seen_in_place)
				return parse_error(p, "duplicate key '%s'", key);
			seen_in_place = true;
			if (!streq(value, "0") && !streq(value, "1"))
				return parse_error(p, "in_place must be 0 or 1");
			d.in_place = streq(value, "1");
		} else if (streq(key, "systemd") || streq(key, "first_run")) {
			bool *seen = streq(key, "systemd") ? &seen_systemd : &seen_first;
			if (*seen)
				return parse_error(p, "duplicate key '%s'", key);
			*seen = true;
			if (!streq(value, "0") && !streq(value, "1"))
				return parse_error(p, "%s must be 0 or 1", key);
			if (streq(key, "systemd"))
				d.systemd = streq(value, "1");
			else
				d.first_run = streq(value, "1");
		} else {
			return parse_error(p, "unknown key '%s'", shown(key, buf, sizeof(buf)));
		}
	}
	/* What a start reported comes as a whole: the user and systemd keys mark it. */
	d.seen = seen_user && seen_systemd;
	if (!d.location || !d.rootfs)
		return parse_error(p, "distribution '%s' has no %s", d.name, d.location ? "rootfs" : "location");
	if (d.in_place && !d.image)
		return parse_error(p, "distribution '%s' is in_place without an image", d.name);
	if (lsl_registry_find(r, d.name))
		return parse_error(p, "distribution '%s' is listed twice", d.name);
	ret = insert_sorted(r, &d);
	if (ret < 0)
		return lsl_err_set(p->e, ret, "reading %s", p->file);
	return 0;
}

int lsl_registry_parse(const char *file, const char *text, size_t len, struct lsl_registry *out,
		       struct lsl_err *e)
{
	_cleanup_registry_ struct lsl_registry r = { 0 };
	_cleanup_free_ char *copy = NULL, *default_name = NULL;
	struct parser p = { .file = file, .e = e };
	unsigned default_line = 0;
	bool have_version = false;
	char buf[80];
	char *line, *next;
	int ret;

	if (memchr(text, 0, len)) {
		p.line = 1;
		for (const char *c = text; *c; c++)
			p.line += *c == '\n';
		return parse_error(&p, "the file contains a NUL byte: it is not a registry");
	}
	copy = strndup(text, len);
	if (!copy)
		return lsl_err_set(e, ENOMEM, "reading %s", file);

	for (line = copy; line; line = next) {
		char *f[16];
		int nf;

		p.line++;
		next = strchr(line, '\n');
		if (next)
			*next++ = 0;
		else if (!*line)
			break; /* the end of a file that ends with a newline */
		if (!*line || line[0] == '#')
			continue;
		for (const unsigned char *c = (const unsigned char *)line; *c; c++)
			if ((*c < 0x20 && *c != '\t') || *c == 0x7f)
				return parse_error(&p, "control character in the line");

		nf = split_tabs(line, f, (int)ARRAY_SIZE(f));
		if (nf < 0)
			return parse_error(&p, "too many fields");
		if (!have_version) {
			uint32_t v;
			if (!streq(f[0], "version"))
				return parse_error(&p, "expected the version line, found '%s'", shown(f[0], buf, sizeof(buf)));
			if (nf != 2 || safe_atou32(f[1], &v) < 0)
				return parse_error(&p, "malformed version line");
			if (v != LSL_REGISTRY_VERSION)
				return parse_error(&p, "unsupported registry version %u (this lsl reads version %d)", v,
						   LSL_REGISTRY_VERSION);
			have_version = true;
		} else if (streq(f[0], "version")) {
			return parse_error(&p, "a second version line");
		} else if (streq(f[0], "default")) {
			if (default_name)
				return parse_error(&p, "a second default line");
			if (nf != 2 || !distro_name_valid(f[1]))
				return parse_error(&p, "malformed default line");
			default_name = strdup(f[1]);
			if (!default_name)
				return lsl_err_set(e, ENOMEM, "reading %s", file);
			default_line = p.line;
		} else if (streq(f[0], "distribution")) {
			ret = parse_distribution(&p, f, nf, &r);
			if (ret < 0)
				return ret;
		} else {
			return parse_error(&p, "unknown key '%s'", shown(f[0], buf, sizeof(buf)));
		}
	}

	if (default_name) {
		struct lsl_distro *d = lsl_registry_find(&r, default_name);
		p.line = default_line;
		if (!d)
			return parse_error(&p, "the default '%s' is not a registered distribution", default_name);
		r.default_name = strdup(d->name);
		if (!r.default_name)
			return lsl_err_set(e, ENOMEM, "reading %s", file);
	}
	*out = r;
	r = (struct lsl_registry){ 0 };
	return 0;
}
