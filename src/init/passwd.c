/* SPDX-License-Identifier: MIT */
#include "passwd.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "macros.h"
#include "root-file.h"
#include "util.h"

#define PASSWD_FIELDS 7
#define GROUP_FIELDS 4

void lsl_user_clear(struct lsl_user *u)
{
	free(u->name);
	free(u->home);
	free(u->shell);
	free(u->groups);
	*u = (struct lsl_user){ 0 };
}

/*
 * Split line (len bytes, copied into buf of LSL_PASSWD_LINE_MAX + 1) at ':'
 * into exactly n fields. Returns false for any other number of fields.
 */
static bool split_fields(const char *line, size_t len, char *buf, char **fields, size_t n)
{
	size_t k = 0;
	char *p;

	if (len > LSL_PASSWD_LINE_MAX)
		return false;
	memcpy(buf, line, len);
	buf[len] = 0;
	p = buf;
	for (;;) {
		char *colon = strchr(p, ':');
		if (k == n)
			return false;
		fields[k++] = p;
		if (!colon)
			break;
		*colon = 0;
		p = colon + 1;
	}
	return k == n;
}

/* A user or group name as the files may hold it: no blanks or control characters, not NIS syntax. */
static bool name_ok(const char *s)
{
	if (isempty(s) || s[0] == '+' || s[0] == '-' || strlen(s) > 256)
		return false;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p <= ' ' || *p == 0x7f || *p == ',')
			return false;
	return true;
}

/* uid and gid fields: decimal, and never (uint32_t)-1, which the kernel reads as "no change". */
static bool id_ok(const char *s, uint32_t *out)
{
	return safe_atou32(s, out) == 0 && *out != UINT32_MAX;
}

static bool text_ok(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p < ' ' || *p == 0x7f)
			return false;
	return true;
}

struct passwd_query {
	const char *name; /* or NULL: by uid */
	uint32_t uid;
	struct lsl_user *u;
	int result;
};

static int passwd_line(const char *line, size_t len, void *data)
{
	struct passwd_query *q = data;
	char buf[LSL_PASSWD_LINE_MAX + 1];
	char *f[PASSWD_FIELDS];
	uint32_t uid, gid;
	const char *home, *shell;

	if (len == 0 || line[0] == '#')
		return 0;
	if (!split_fields(line, len, buf, f, PASSWD_FIELDS))
		return 0;
	if (!name_ok(f[0]) || !id_ok(f[2], &uid) || !id_ok(f[3], &gid) || !text_ok(f[5]) || !text_ok(f[6]))
		return 0;
	if (q->name ? !streq(f[0], q->name) : uid != q->uid)
		return 0;

	/* A relative home would make HOME and the default directory depend on our own cwd. */
	home = f[5][0] == '/' ? f[5] : "/";
	shell = isempty(f[6]) ? "/bin/sh" : f[6];
	q->u->name = strdup(f[0]);
	q->u->home = strdup(home);
	q->u->shell = strdup(shell);
	q->u->uid = uid;
	q->u->gid = gid;
	q->result = q->u->name && q->u->home && q->u->shell ? 0 : -ENOMEM;
	return 1;
}

int lsl_passwd_lookup(const char *text, const char *name, uint32_t uid, struct lsl_user *u)
{
	struct passwd_query q = { .name = name, .uid = uid, .u = u, .result = -ENOENT };

	*u = (struct lsl_user){ 0 };
	lsl_for_each_line(text, LSL_PASSWD_LINE_MAX, passwd_line, &q);
	if (q.result < 0)
		lsl_user_clear(u);
	return q.result;
}

struct group_query {
	const char *user;
	uint32_t *groups;
	size_t n;
	int result;
};

static int add_group(struct group_query *q, uint32_t gid)
{
	uint32_t *ng;

	for (size_t i = 0; i < q->n; i++)
		if (q->groups[i] == gid)
			return 0;
	if (q->n >= LSL_GROUPS_MAX)
		return -E2BIG;
	ng = realloc(q->groups, (q->n + 1) * sizeof(*ng));
	if (!ng)
		return -ENOMEM;
	q->groups = ng;
	q->groups[q->n++] = gid;
	return 0;
}

static int group_line(const char *line, size_t len, void *data)
{
	struct group_query *q = data;
	char buf[LSL_PASSWD_LINE_MAX + 1];
	char *f[GROUP_FIELDS];
	uint32_t gid;
	char *member, *save = NULL;

	if (len == 0 || line[0] == '#')
		return 0;
	if (!split_fields(line, len, buf, f, GROUP_FIELDS))
		return 0;
	if (!name_ok(f[0]) || !id_ok(f[2], &gid))
		return 0;
	for (member = strtok_r(f[3], ",", &save); member; member = strtok_r(NULL, ",", &save)) {
		if (streq(member, q->user)) {
			q->result = add_group(q, gid);
			return q->result < 0 ? 1 : 0;
		}
	}
	return 0;
}

int lsl_group_list(const char *text, const char *user, uint32_t primary, uint32_t **out, size_t *n)
{
	struct group_query q = { .user = user, .result = 0 };

	q.result = add_group(&q, primary);
	if (q.result == 0 && text)
		lsl_for_each_line(text, LSL_PASSWD_LINE_MAX, group_line, &q);
	if (q.result < 0) {
		free(q.groups);
		return q.result;
	}
	*out = q.groups;
	*n = q.n;
	return 0;
}

/* An entry for a uid the passwd file does not know, as other tools make one up. */
static int synthesize(uint32_t uid, struct lsl_user *u)
{
	*u = (struct lsl_user){ .uid = uid, .gid = uid };
	if (uid == 0) {
		u->name = strdup("root");
		u->home = strdup("/root");
	} else {
		u->name = strdup_printf("%u", uid);
		u->home = strdup("/");
	}
	u->shell = strdup("/bin/sh");
	if (!u->name || !u->home || !u->shell) {
		lsl_user_clear(u);
		return -ENOMEM;
	}
	return 0;
}

int lsl_user_resolve(const char *passwd_text, const char *group_text, const char *user, uint32_t default_uid,
		     const char *distribution, struct lsl_user *u, struct lsl_err *e)
{
	uint32_t uid = default_uid;
	int r;

	*u = (struct lsl_user){ 0 };
	if (!isempty(user)) {
		r = passwd_text ? lsl_passwd_lookup(passwd_text, user, 0, u) : -ENOENT;
		if (r == -ENOMEM)
			return lsl_err_set(e, ENOMEM, "looking up user '%s'", user);
		if (r == 0)
			goto groups;
		if (safe_atou32(user, &uid) < 0 || uid == UINT32_MAX)
			return lsl_err_setf(e, ENOENT, "user '%s' does not exist in %s", user,
					    isempty(distribution) ? "the distribution" : distribution);
	}
	if (uid == UINT32_MAX) /* (uid_t)-1 means "unchanged" to setuid(): never run as that. */
		return lsl_err_setf(e, EINVAL, "uid %u is not a valid user", uid);
	r = passwd_text ? lsl_passwd_lookup(passwd_text, NULL, uid, u) : -ENOENT;
	if (r == -ENOENT)
		r = synthesize(uid, u);
	if (r < 0)
		return lsl_err_set(e, r, "looking up uid %u", uid);
groups:
	r = lsl_group_list(group_text, u->name, u->gid, &u->groups, &u->ngroups);
	if (r < 0) {
		lsl_user_clear(u);
		return lsl_err_set(e, r, "reading the groups of %s", isempty(user) ? "the user" : user);
	}
	return 0;
}

/* A missing file is an empty one; anything else unreadable is an error naming it. */
static int read_optional(int rootfd, const char *path, char **out, struct lsl_err *e)
{
	int r = lsl_read_root_text(rootfd, path, LSL_PASSWD_FILE_MAX, out);

	if (r == -ENOENT) {
		*out = NULL;
		return 0;
	}
	if (r < 0)
		return lsl_err_set(e, r, "reading %s", path);
	return 0;
}

int lsl_user_resolve_at(int rootfd, const char *user, uint32_t default_uid, const char *distribution,
			struct lsl_user *u, struct lsl_err *e)
{
	_cleanup_free_ char *passwd = NULL, *group = NULL;
	int r;

	r = read_optional(rootfd, "/etc/passwd", &passwd, e);
	if (r < 0)
		return r;
	r = read_optional(rootfd, "/etc/group", &group, e);
	if (r < 0)
		return r;
	return lsl_user_resolve(passwd, group, user, default_uid, distribution, u, e);
}
