/* SPDX-License-Identifier: MIT */
#include "mount-options.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>

#include "util.h"

struct flag_word {
	const char *word;
	unsigned long set, clear;
};

static const struct flag_word flag_words[] = {
	{ "ro", MS_RDONLY, 0 },
	{ "rw", 0, MS_RDONLY },
	{ "exec", 0, MS_NOEXEC },
	{ "noexec", MS_NOEXEC, 0 },
	{ "suid", 0, MS_NOSUID },
	{ "nosuid", MS_NOSUID, 0 },
	{ "dev", 0, MS_NODEV },
	{ "nodev", MS_NODEV, 0 },
	{ "sync", MS_SYNCHRONOUS, 0 },
	{ "async", 0, MS_SYNCHRONOUS },
	{ "dirsync", MS_DIRSYNC, 0 },
	{ "remount", MS_REMOUNT, 0 },
	{ "mand", MS_MANDLOCK, 0 },
	{ "nomand", 0, MS_MANDLOCK },
	{ "atime", 0, MS_NOATIME },
	{ "noatime", MS_NOATIME, 0 },
	{ "diratime", 0, MS_NODIRATIME },
	{ "nodiratime", MS_NODIRATIME, 0 },
	{ "relatime", MS_RELATIME, 0 },
	{ "norelatime", 0, MS_RELATIME },
	{ "strictatime", MS_STRICTATIME, 0 },
	{ "nostrictatime", 0, MS_STRICTATIME },
	{ "lazytime", MS_LAZYTIME, 0 },
	{ "nolazytime", 0, MS_LAZYTIME },
	{ "silent", MS_SILENT, 0 },
	{ "loud", 0, MS_SILENT },
	{ "bind", MS_BIND, 0 },
	{ "rbind", MS_BIND | MS_REC, 0 },
};

static const struct flag_word propagation_words[] = {
	{ "shared", MS_SHARED, 0 },       { "rshared", MS_SHARED | MS_REC, 0 },
	{ "private", MS_PRIVATE, 0 },     { "rprivate", MS_PRIVATE | MS_REC, 0 },
	{ "slave", MS_SLAVE, 0 },         { "rslave", MS_SLAVE | MS_REC, 0 },
	{ "unbindable", MS_UNBINDABLE, 0 }, { "runbindable", MS_UNBINDABLE | MS_REC, 0 },
};

/* Words mount(8) itself consumes; they never reach the kernel. */
static const char *const ignored_words[] = {
	"defaults", "auto", "user", "nouser", "users", "owner", "group", "_netdev", "nouser_xattr",
};

static bool word_char_ok(unsigned char c) { return isalnum(c) || strchr("_-=.:/+@", c); }

static int append_data(char **data, const char *word, size_t n)
{
	size_t old = *data ? strlen(*data) : 0;
	char *d = realloc(*data, old + n + 2);

	if (!d)
		return -ENOMEM;
	if (old)
		d[old++] = ',';
	memcpy(d + old, word, n);
	d[old + n] = 0;
	*data = d;
	return 0;
}

int lsl_mount_options_parse(const char *opts, struct lsl_mount_options *out, struct lsl_err *e)
{
	const char *p = opts ? opts : "";

	*out = (struct lsl_mount_options){ 0 };
	while (*p) {
		const char *end = strchr(p, ',');
		size_t n = end ? (size_t)(end - p) : strlen(p);
		char word[128];
		bool matched = false;

		if (n == 0 || n >= sizeof(word)) {
			lsl_mount_options_free(out);
			return lsl_err_setf(e, EINVAL, n ? "mount option '%.40s...' is too long" : "empty mount option in '%s'",
					    n ? p : opts);
		}
		memcpy(word, p, n);
		word[n] = 0;
		for (size_t i = 0; i < n; i++)
			if (!word_char_ok((unsigned char)word[i])) {
				lsl_mount_options_free(out);
				return lsl_err_setf(e, EINVAL, "invalid character in mount option '%s'", word);
			}

		for (size_t i = 0; i < ARRAY_SIZE(flag_words) && !matched; i++)
			if (streq(word, flag_words[i].word)) {
				out->flags = (out->flags & ~flag_words[i].clear) | flag_words[i].set;
				out->clear_flags = (out->clear_flags & ~flag_words[i].set) | flag_words[i].clear;
				if (flag_words[i].set & MS_BIND)
					out->bind = true;
				matched = true;
			}
		for (size_t i = 0; i < ARRAY_SIZE(propagation_words) && !matched; i++)
			if (streq(word, propagation_words[i].word)) {
				out->propagation = propagation_words[i].set;
				matched = true;
			}
		for (size_t i = 0; i < ARRAY_SIZE(ignored_words) && !matched; i++)
			matched = streq(word, ignored_words[i]);
		if (!matched && streq(word, "nofail"))
			matched = out->nofail = true;
		if (!matched && streq(word, "noauto"))
			matched = out->noauto = true;
		/* Userspace-only annotations (x-systemd.*, comment=...) are not for the kernel. */
		if (!matched && (startswith(word, "x-") || startswith(word, "comment=")))
			matched = true;
		if (!matched && append_data(&out->data, word, n) < 0) {
			lsl_mount_options_free(out);
			return lsl_err_setf(e, ENOMEM, "out of memory");
		}
		p += n;
		if (*p == ',') {
			p++;
			if (!*p) {
				lsl_mount_options_free(out);
				return lsl_err_setf(e, EINVAL, "empty mount option in '%s'", opts);
			}
		}
	}
	return 0;
}

void lsl_mount_options_free(struct lsl_mount_options *o)
{
	free(o->data);
	o->data = NULL;
}

/* Decode fstab's octal escapes (\040 for a space) in place. */
static void unescape_octal(char *s)
{
	char *w = s;

	for (char *r = s; *r;) {
		if (r[0] == '\\' && r[1] >= '0' && r[1] <= '3' && r[2] >= '0' && r[2] <= '7' && r[3] >= '0' &&
		    r[3] <= '7') {
			char c = (char)((r[1] - '0') * 64 + (r[2] - '0') * 8 + (r[3] - '0'));
			if (c) {
				*w++ = c;
				r += 4;
				continue;
			}
		}
		*w++ = *r++;
	}
	*w = 0;
}

static void fstab_warn(void (*warn)(void *, const char *), void *userdata, const char *file, unsigned line,
		       const char *why)
{
	char msg[512];

	if (!warn)
		return;
	snprintf(msg, sizeof(msg), "%s:%u: %s", file, line, why);
	warn(userdata, msg);
}

int lsl_fstab_parse(const char *file, const char *text, struct lsl_fstab_entry **entries, size_t *n,
		    void (*warn)(void *userdata, const char *message), void *userdata)
{
	struct lsl_fstab_entry *v = NULL;
	size_t count = 0;
	unsigned line = 0;
	const char *p = text;

	while (*p) {
		const char *eol = strchr(p, '\n');
		size_t len = eol ? (size_t)(eol - p) : strlen(p);
		char *fields[6] = { 0 }, *copy, *save = NULL, *tok;
		int nf = 0;

		line++;
		copy = strndup(p, len);
		p += len + (eol ? 1 : 0);
		if (!copy)
			goto oom;
		for (tok = strtok_r(copy, " \t\r", &save); tok; tok = strtok_r(NULL, " \t\r", &save)) {
			if (tok[0] == '#' && nf == 0)
				break;
			if (nf == 6) {
				nf = 7;
				break;
			}
			fields[nf++] = tok;
		}
		if (nf == 0) {
			free(copy);
			continue;
		}
		if (nf < 3 || nf > 6) {
			fstab_warn(warn, userdata, file, line, nf < 3 ? "too few fields" : "too many fields");
			free(copy);
			continue;
		}
		for (int i = 0; i < 4 && fields[i]; i++)
			unescape_octal(fields[i]);
		int freq = 0, passno = 0;
		if ((fields[4] && safe_atoi(fields[4], &freq) < 0) || (fields[5] && safe_atoi(fields[5], &passno) < 0)) {
			fstab_warn(warn, userdata, file, line, "invalid dump or pass number");
			free(copy);
			continue;
		}
		struct lsl_fstab_entry *nv = realloc(v, (count + 1) * sizeof(*v));
		if (!nv) {
			free(copy);
			goto oom;
		}
		v = nv;
		v[count] = (struct lsl_fstab_entry){
			.spec = strdup(fields[0]), .file = strdup(fields[1]), .type = strdup(fields[2]),
			.options = strdup(fields[3] ? fields[3] : "defaults"), .freq = freq, .passno = passno,
			.line = line,
		};
		count++;
		free(copy);
		if (!v[count - 1].spec || !v[count - 1].file || !v[count - 1].type || !v[count - 1].options)
			goto oom;
	}
	*entries = v;
	*n = count;
	return 0;
oom:
	lsl_fstab_free(v, count);
	return -ENOMEM;
}

void lsl_fstab_free(struct lsl_fstab_entry *entries, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(entries[i].spec);
		free(entries[i].file);
		free(entries[i].type);
		free(entries[i].options);
	}
	free(entries);
}
