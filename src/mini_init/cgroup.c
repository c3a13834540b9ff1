/* SPDX-License-Identifier: MIT */
#include "cgroup.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <time.h>
#include <unistd.h>

#include "macros.h"
#include "util.h"

/* Child cgroups deeper than this are not removed (a distribution's systemd nests a handful). */
#define CGROUP_MAX_DEPTH 128
#define CGROUP_PATH_MAX 256

/* ---- pure logic ---- */

static bool component_char(unsigned char c) { return isalnum(c) || c == '.' || c == '_' || c == '-'; }

int lsl_cgroup_check_path(const char *cgroup, const char *base, const char *name, struct lsl_err *e)
{
	const char *p;
	size_t n;

	if (isempty(cgroup))
		return lsl_err_setf(e, EINVAL, "no cgroup given");
	n = strlen(cgroup);
	if (n >= CGROUP_PATH_MAX)
		return lsl_err_setf(e, EINVAL, "the cgroup path is too long (%zu bytes)", n);
	if (cgroup[0] == '/')
		return lsl_err_setf(e, EINVAL, "the cgroup %s is not relative to the cgroup2 root", cgroup);
	for (p = cgroup; *p;) {
		const char *end = strchrnul(p, '/');
		size_t len = (size_t)(end - p);

		if (len == 0)
			return lsl_err_setf(e, EINVAL, "the cgroup %s has an empty component", cgroup);
		if ((len == 1 && p[0] == '.') || (len == 2 && p[0] == '.' && p[1] == '.'))
			return lsl_err_setf(e, EINVAL, "the cgroup %s has a '%.*s' component", cgroup, (int)len, p);
		for (size_t i = 0; i < len; i++)
			if (!component_char((unsigned char)p[i]))
				return lsl_err_setf(e, EINVAL, "the cgroup %s has a character other than [A-Za-z0-9._-]",
						    cgroup);
		if (!*end)
			break;
		p = end + 1;
		if (!*p)
			return lsl_err_setf(e, EINVAL, "the cgroup %s has an empty component", cgroup);
	}
	/* Structure is fine; it must also be exactly where this instance keeps this distribution. */
	n = strlen(base);
	if (strncmp(cgroup, base, n) != 0 || cgroup[n] != '/' || !streq(cgroup + n + 1, name))
		return lsl_err_setf(e, EINVAL, "the cgroup %s is not %s/%s", cgroup, base, name);
	return 0;
}

/* Undo mountinfo's octal escapes (\040 space, \011 tab, \012 newline, \134 backslash). */
static char *unescape_mountinfo(const char *s, size_t n)
{
	char *out = malloc(n + 1), *o = out;

	if (!out)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\\' && n - i >= 4 && s[i + 1] >= '0' && s[i + 1] <= '3' && s[i + 2] >= '0' &&
		    s[i + 2] <= '7' && s[i + 3] >= '0' && s[i + 3] <= '7') {
			*o++ = (char)((s[i + 1] - '0') * 64 + (s[i + 2] - '0') * 8 + (s[i + 3] - '0'));
			i += 3;
		} else {
			*o++ = s[i];
		}
	}
	*o = 0;
	return out;
}

/* The n-th (0-based) space-separated field of [line, end), or NULL. */
static const char *field(const char *line, const char *end, int n, size_t *len)
{
	const char *p = line;

	for (int i = 0;; i++) {
		const char *f;
		while (p < end && *p == ' ')
			p++;
		if (p >= end)
			return NULL;
		f = p;
		while (p < end && *p != ' ')
			p++;
		if (i == n) {
			*len = (size_t)(p - f);
			return f;
		}
	}
}

char *lsl_mountinfo_find_fstype(const char *text, const char *fstype)
{
	size_t flen = strlen(fstype);

	for (const char *line = text; line && *line;) {
		const char *end = strchrnul(line, '\n');
		const char *sep = NULL;
		const char *mp, *fs;
		size_t mplen = 0, fslen = 0;

		/* The optional fields end at a lone "-"; the filesystem type follows it. */
		for (const char *q = line; q + 2 < end; q++)
			if (q[0] == ' ' && q[1] == '-' && q[2] == ' ') {
				sep = q + 3;
				break;
			}
		mp = field(line, end, 4, &mplen);
		fs = sep ? field(sep, end, 0, &fslen) : NULL;
		if (mp && fs && mp < sep && fslen == flen && memcmp(fs, fstype, flen) == 0)
			return unescape_mountinfo(mp, mplen);
		line = *end ? end + 1 : NULL;
	}
	errno = ENOENT;
	return NULL;
}

int lsl_cgroup_events_populated(const char *text)
{
	for (const char *line = text; line && *line;) {
		const char *end = strchrnul(line, '\n');
		const char *v = startswith(line, "populated ");

		if (v && v + 1 == end && (*v == '0' || *v == '1'))
			return *v - '0';
		line = *end ? end + 1 : NULL;
	}
	return -EINVAL;
}

/* ---- the cgroup filesystem ---- */

static bool is_cgroup2(const char *path)
{
	struct statfs s;
	return statfs(path, &s) == 0 && s.f_type == CGROUP2_SUPER_MAGIC;
}

int lsl_cgroup2_mount(char **path, struct lsl_err *e)
{
	static const char *const candidates[] = { "/sys/fs/cgroup", "/sys/fs/cgroup/unified" };
	_cleanup_free_ char *text = NULL;
	char *found;
	int r;

	for (size_t i = 0; i < ARRAY_SIZE(candidates); i++)
		if (is_cgroup2(candidates[i])) {
			*path = strdup(candidates[i]);
			return *path ? 0 : lsl_err_set(e, ENOMEM, "finding the cgroup2 hierarchy");
		}
	r = read_file_at(AT_FDCWD, "/proc/self/mountinfo", 4 * 1024 * 1024, &text, NULL);
	if (r < 0)
		return lsl_err_set(e, r, "finding the cgroup2 hierarchy: reading /proc/self/mountinfo");
	found = lsl_mountinfo_find_fstype(text, "cgroup2");
	if (!found)
		return lsl_err_setf(e, errno == ENOMEM ? ENOMEM : ENOENT, "no cgroup2 hierarchy is mounted");
	if (!is_cgroup2(found)) {
		free(found);
		return lsl_err_setf(e, ENOENT, "no cgroup2 hierarchy is reachable");
	}
	*path = found;
	return 0;
}

static int read_populated(int events_fd)
{
	char buf[256];
	/* pread from 0: a fresh read also rearms the EPOLLPRI notification. */
	ssize_t n = RETRY_EINTR(pread(events_fd, buf, sizeof(buf) - 1, 0));

	if (n < 0)
		return negative_errno();
	buf[n] = 0;
	return lsl_cgroup_events_populated(buf);
}

int lsl_cgroup_populated(const struct lsl_cgroup *cg) { return read_populated(cg->events_fd); }

/* rmdir <base> if nothing else lives there; another distribution's cgroup keeps it. */
static void remove_base(int rootfd, const char *base)
{
	if (unlinkat(rootfd, base, AT_REMOVEDIR) < 0 && errno != ENOENT && errno != EBUSY && errno != ENOTEMPTY)
		log_warning_errno(errno, "removing the cgroup %s", base);
}

void lsl_cgroup_close(struct lsl_cgroup *cg)
{
	if (cg->events_fd >= 0)
		close(cg->events_fd);
	if (cg->dir_fd >= 0)
		close(cg->dir_fd);
	if (cg->base_fd >= 0)
		close(cg->base_fd);
	free(cg->base);
	free(cg->name);
	*cg = (struct lsl_cgroup)LSL_CGROUP_INIT;
}

/* Remove the cgroup `name` below parent_fd and its children, deepest first. */
static int remove_tree(int parent_fd, const char *name, int depth);

/*
 * A cgroup of that name already exists: an earlier mini_init ended without
 * removing it. Nothing may run in it; it is then removed, with whatever a
 * distribution set up inside (child cgroups, subtree_control that would
 * refuse a process), and made afresh.
 */
static int replace_leftover(int base_fd, const char *base, const char *name, struct lsl_err *e)
{
	_cleanup_close_ int dir = -1, events = -1;
	int r;

	dir = openat(base_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dir < 0)
		return lsl_err_set(e, errno, "opening the cgroup %s/%s", base, name);
	events = openat(dir, "cgroup.events", O_RDONLY | O_CLOEXEC);
	if (events < 0)
		return lsl_err_set(e, errno, "opening %s/%s/cgroup.events", base, name);
	r = read_populated(events);
	if (r > 0)
		return lsl_err_setf(e, EBUSY, "the cgroup %s/%s still has processes", base, name);
	if (r < 0)
		return lsl_err_set(e, r, "reading %s/%s/cgroup.events", base, name);
	close(TAKE_FD(events));
	close(TAKE_FD(dir));
	r = remove_tree(base_fd, name, 0);
	if (r < 0)
		return lsl_err_set(e, r, "removing the leftover cgroup %s/%s", base, name);
	log_info("removed the leftover cgroup %s/%s", base, name);
	if (mkdirat(base_fd, name, 0755) < 0)
		return lsl_err_set(e, errno, "creating the cgroup %s/%s", base, name);
	return 0;
}

int lsl_cgroup_create(int rootfd, const char *base, const char *name, struct lsl_cgroup *cg, struct lsl_err *e)
{
	struct lsl_cgroup c = LSL_CGROUP_INIT;
	bool made_base = false;
	int r;

	c.base = strdup(base);
	c.name = strdup(name);
	if (!c.base || !c.name) {
		r = lsl_err_set(e, ENOMEM, "creating the cgroup %s/%s", base, name);
		goto fail;
	}
	if (mkdirat(rootfd, base, 0755) == 0)
		made_base = true;
	else if (errno != EEXIST) {
		r = lsl_err_set(e, errno, "creating the cgroup %s", base);
		goto fail;
	}
	c.base_fd = openat(rootfd, base, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (c.base_fd < 0) {
		r = lsl_err_set(e, errno, "opening the cgroup %s", base);
		goto fail;
	}
	if (mkdirat(c.base_fd, name, 0755) < 0) {
		r = errno == EEXIST ? replace_leftover(c.base_fd, base, name, e)
				    : lsl_err_set(e, errno, "creating the cgroup %s/%s", base, name);
		if (r < 0)
			goto fail;
	}
	c.created = true;
	c.dir_fd = openat(c.base_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (c.dir_fd < 0) {
		r = lsl_err_set(e, errno, "opening the cgroup %s/%s", base, name);
		goto fail;
	}
	c.events_fd = openat(c.dir_fd, "cgroup.events", O_RDONLY | O_CLOEXEC);
	if (c.events_fd < 0) {
		r = lsl_err_set(e, errno, "opening %s/%s/cgroup.events", base, name);
		goto fail;
	}
	*cg = c;
	return 0;

fail:
	if (c.created && unlinkat(c.base_fd, name, AT_REMOVEDIR) < 0)
		log_warning_errno(errno, "removing the cgroup %s/%s", base, name);
	if (made_base)
		remove_base(rootfd, base);
	lsl_cgroup_close(&c);
	return r;
}

/* Names of the child cgroups of dir_fd (a NULL-terminated vector), so no DIR stays open below. */
static int child_cgroups(int dir_fd, char ***out)
{
	_cleanup_strv_free_ char **names = NULL;
	int fd = openat(dir_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct dirent *de;
	DIR *d;
	int r = 0;

	if (fd < 0)
		return negative_errno();
	d = fdopendir(fd);
	if (!d) {
		r = negative_errno();
		close(fd);
		return r;
	}
	while ((errno = 0, de = readdir(d))) {
		if (de->d_type != DT_DIR || streq(de->d_name, ".") || streq(de->d_name, ".."))
			continue;
		r = strv_extend(&names, de->d_name);
		if (r < 0)
			break;
	}
	if (r == 0 && errno)
		r = negative_errno();
	closedir(d);
	if (r < 0)
		return r;
	*out = TAKE_PTR(names);
	return 0;
}

/* SIGKILL every pid of dir_fd's cgroup.procs and of its descendants. Returns pids signalled. */
static int kill_procs(int dir_fd, int depth)
{
	_cleanup_strv_free_ char **children = NULL;
	_cleanup_free_ char *procs = NULL;
	char *save = NULL;
	int killed = 0, r;

	if (depth > CGROUP_MAX_DEPTH)
		return -ELOOP;
	r = read_file_at(dir_fd, "cgroup.procs", 16 * 1024 * 1024, &procs, NULL);
	if (r < 0 && r != -ENOENT)
		return r;
	for (char *tok = procs ? strtok_r(procs, "\n", &save) : NULL; tok; tok = strtok_r(NULL, "\n", &save)) {
		int pid;
		if (safe_atoi(tok, &pid) == 0 && pid > 0 && kill(pid, SIGKILL) == 0)
			killed++;
	}
	r = child_cgroups(dir_fd, &children);
	if (r < 0)
		return r;
	for (char **c = children; c && *c; c++) {
		_cleanup_close_ int sub = openat(dir_fd, *c, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (sub < 0)
			continue;
		r = kill_procs(sub, depth + 1);
		if (r > 0)
			killed += r;
	}
	return killed;
}

int lsl_cgroup_kill(const struct lsl_cgroup *cg)
{
	_cleanup_close_ int fd = openat(cg->dir_fd, "cgroup.kill", O_WRONLY | O_CLOEXEC);
	int r;

	if (fd >= 0) {
		r = write_full(fd, "1", 1);
		if (r == 0)
			return 0;
	} else if (errno != ENOENT) {
		return negative_errno();
	}
	/*
	 * Before Linux 5.14: one pid at a time. A process not yet signalled may
	 * fork between the reading and the kill, so read again while a pass
	 * found anyone (bounded: the dying ones are listed until they are gone).
	 */
	for (int pass = 0; pass < 16; pass++) {
		r = kill_procs(cg->dir_fd, 0);
		if (r <= 0)
			return r < 0 ? r : 0;
	}
	return 0;
}

static int remove_tree(int parent_fd, const char *name, int depth)
{
	_cleanup_strv_free_ char **children = NULL;
	_cleanup_close_ int fd = -1;
	int first = 0, r;

	if (depth > CGROUP_MAX_DEPTH)
		return -ELOOP;
	fd = openat(parent_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : negative_errno();
	r = child_cgroups(fd, &children);
	if (r < 0)
		return r;
	for (char **c = children; c && *c; c++) {
		r = remove_tree(fd, *c, depth + 1);
		if (r < 0 && !first)
			first = r;
	}
	close(TAKE_FD(fd));
	if (unlinkat(parent_fd, name, AT_REMOVEDIR) < 0 && errno != ENOENT && !first)
		first = negative_errno();
	return first;
}

int lsl_cgroup_remove(int rootfd, struct lsl_cgroup *cg)
{
	int r = 0;

	if (cg->base_fd >= 0 && cg->name) {
		/* Nothing of ours stays open inside what is removed. */
		if (cg->events_fd >= 0)
			close(TAKE_FD(cg->events_fd));
		if (cg->dir_fd >= 0)
			close(TAKE_FD(cg->dir_fd));
		r = remove_tree(cg->base_fd, cg->name, 0);
		if (r < 0)
			log_warning_errno(r, "removing the cgroup %s/%s", cg->base, cg->name);
		remove_base(rootfd, cg->base);
	}
	lsl_cgroup_close(cg);
	return r;
}

/*
 * Kill what is left in every cgroup below <base> and remove them: what an
 * earlier mini_init of this instance left when it was killed. Waits for
 * each to empty through EPOLLPRI on cgroup.events, at most until deadline.
 */
static int empty_leftovers(struct lsl_cgroup *cgs, size_t n, int timeout_ms)
{
	_cleanup_close_ int ep = epoll_create1(EPOLL_CLOEXEC);
	struct timespec now;
	uint64_t deadline;
	size_t left = 0;

	if (ep < 0)
		return negative_errno();
	for (size_t i = 0; i < n; i++) {
		struct epoll_event ev = { .events = EPOLLPRI, .data.u64 = i };
		int r;

		if (lsl_cgroup_populated(&cgs[i]) <= 0)
			continue;
		r = lsl_cgroup_kill(&cgs[i]);
		if (r < 0)
			log_warning_errno(r, "killing what is left in the cgroup %s/%s", cgs[i].base, cgs[i].name);
		if (epoll_ctl(ep, EPOLL_CTL_ADD, cgs[i].events_fd, &ev) < 0)
			return negative_errno();
		left++;
	}
	clock_gettime(CLOCK_MONOTONIC, &now);
	deadline = (uint64_t)now.tv_sec * 1000 + (uint64_t)now.tv_nsec / 1000000 + (uint64_t)timeout_ms;
	while (left > 0) {
		struct epoll_event evs[16];
		uint64_t ms;
		int k;

		clock_gettime(CLOCK_MONOTONIC, &now);
		ms = (uint64_t)now.tv_sec * 1000 + (uint64_t)now.tv_nsec / 1000000;
		if (ms >= deadline)
			return -ETIMEDOUT;
		k = epoll_wait(ep, evs, ARRAY_SIZE(evs), (int)(deadline - ms));
		if (k < 0 && errno != EINTR)
			return negative_errno();
		left = 0;
		for (size_t i = 0; i < n; i++) {
			int r = lsl_cgroup_populated(&cgs[i]);
			if (r > 0) {
				/* Before cgroup.kill existed, a fork may have escaped the last pass. */
				(void)lsl_cgroup_kill(&cgs[i]);
				left++;
			} else if (r == 0) {
				(void)epoll_ctl(ep, EPOLL_CTL_DEL, cgs[i].events_fd, NULL);
			}
		}
	}
	return 0;
}

int lsl_cgroup_remove_leftovers(int rootfd, const char *base, int timeout_ms)
{
	_cleanup_strv_free_ char **names = NULL;
	_cleanup_close_ int base_fd = openat(rootfd, base, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	struct lsl_cgroup *cgs = NULL;
	size_t n = 0;
	int r;

	if (base_fd < 0)
		return errno == ENOENT ? 0 : negative_errno();
	r = child_cgroups(base_fd, &names);
	if (r < 0)
		return r;
	n = strv_length(names);
	if (n == 0) {
		remove_base(rootfd, base);
		return 0;
	}
	cgs = calloc(n, sizeof(*cgs));
	if (!cgs)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		cgs[i] = (struct lsl_cgroup)LSL_CGROUP_INIT;
	for (size_t i = 0; i < n; i++) {
		struct lsl_cgroup *c = &cgs[i];

		c->base = strdup(base);
		c->name = strdup(names[i]);
		c->base_fd = fcntl(base_fd, F_DUPFD_CLOEXEC, 3);
		c->dir_fd = openat(base_fd, names[i], O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (c->dir_fd >= 0)
			c->events_fd = openat(c->dir_fd, "cgroup.events", O_RDONLY | O_CLOEXEC);
		if (!c->base || !c->name || c->base_fd < 0 || c->events_fd < 0) {
			r = c->base && c->name ? negative_errno() : -ENOMEM;
			break;
		}
		log_info("removing the leftover cgroup %s/%s", base, names[i]);
	}
	if (r == 0)
		r = empty_leftovers(cgs, n, timeout_ms);
	for (size_t i = 0; i < n; i++) {
		if (r == 0 || (cgs[i].events_fd >= 0 && lsl_cgroup_populated(&cgs[i]) == 0))
			(void)lsl_cgroup_remove(rootfd, &cgs[i]);
		else
			lsl_cgroup_close(&cgs[i]);
	}
	free(cgs);
	return r;
}
