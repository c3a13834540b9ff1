/* SPDX-License-Identifier: MIT */
#include "util.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

void strv_free(char **v)
{
	if (!v)
		return;
	for (char **p = v; *p; p++)
		free(*p);
	free(v);
}

const char *startswith(const char *s, const char *prefix)
{
	size_t n = strlen(prefix);
	return strncmp(s, prefix, n) == 0 ? s + n : NULL;
}

char *strdup_or_null(const char *s) { return s ? strdup(s) : NULL; }

char *strdup_printf(const char *fmt, ...)
{
	va_list ap;
	char *s;
	int r;

	va_start(ap, fmt);
	r = vasprintf(&s, fmt, ap);
	va_end(ap);
	return r < 0 ? NULL : s;
}

size_t strv_length(char *const *v)
{
	size_t n = 0;
	while (v && v[n])
		n++;
	return n;
}

int strv_extend(char ***v, const char *s)
{
	size_t n = strv_length(*v);
	char **nv;
	char *c = strdup(s);

	if (!c)
		return -ENOMEM;
	nv = realloc(*v, (n + 2) * sizeof(char *));
	if (!nv) {
		free(c);
		return -ENOMEM;
	}
	nv[n] = c;
	nv[n + 1] = NULL;
	*v = nv;
	return 0;
}

int safe_atoi(const char *s, int *out)
{
	char *end;
	long v;

	if (isempty(s) || isspace((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	v = strtol(s, &end, 10);
	if (*end)
		return -EINVAL;
	if (errno == ERANGE || v < INT_MIN || v > INT_MAX)
		return -ERANGE;
	*out = (int)v;
	return 0;
}

int safe_atou32(const char *s, uint32_t *out)
{
	char *end;
	unsigned long long v;

	if (isempty(s) || !isdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (*end)
		return -EINVAL;
	if (errno == ERANGE || v > UINT32_MAX)
		return -ERANGE;
	*out = (uint32_t)v;
	return 0;
}

int write_full(int fd, const void *buf, size_t n)
{
	const char *p = buf;

	while (n > 0) {
		ssize_t k = write(fd, p, n);
		if (k < 0) {
			if (errno == EINTR)
				continue;
			return negative_errno();
		}
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

ssize_t read_full(int fd, void *buf, size_t n)
{
	char *p = buf;
	size_t got = 0;

	while (got < n) {
		ssize_t k = read(fd, p + got, n - got);
		if (k < 0) {
			if (errno == EINTR)
				continue;
			return negative_errno();
		}
		if (k == 0)
			break;
		got += (size_t)k;
	}
	return (ssize_t)got;
}

int read_fd_all(int fd, size_t max, char **out, size_t *len)
{
	_cleanup_free_ char *buf = NULL;
	size_t cap = 4096, n = 0;

	buf = malloc(cap);
	if (!buf)
		return -ENOMEM;
	for (;;) {
		ssize_t k;
		if (n + 1 >= cap) {
			char *nb;
			if (cap > max + 1)
				return -EFBIG;
			cap *= 2;
			nb = realloc(buf, cap);
			if (!nb)
				return -ENOMEM;
			buf = nb;
		}
		k = read(fd, buf + n, cap - n - 1);
		if (k < 0) {
			if (errno == EINTR)
				continue;
			return negative_errno();
		}
		if (k == 0)
			break;
		n += (size_t)k;
		if (n > max)
			return -EFBIG;
	}
	buf[n] = 0;
	if (len)
		*len = n;
	*out = TAKE_PTR(buf);
	return 0;
}

int read_file_at(int dirfd, const char *path, size_t max, char **out, size_t *len)
{
	_cleanup_close_ int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY);

	if (fd < 0)
		return negative_errno();
	return read_fd_all(fd, max, out, len);
}

int write_file_atomic(const char *path, const void *data, size_t n, mode_t mode)
{
	_cleanup_free_ char *tmp = strdup_printf("%s.tmp.%d", path, (int)getpid());
	_cleanup_free_ char *dir = NULL;
	_cleanup_close_ int fd = -1, dfd = -1;
	char *slash;
	int r;

	if (!tmp)
		return -ENOMEM;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode);
	if (fd < 0)
		return negative_errno();
	r = write_full(fd, data, n);
	if (r == 0 && fsync(fd) < 0)
		r = negative_errno();
	if (r == 0 && rename(tmp, path) < 0)
		r = negative_errno();
	if (r < 0) {
		unlink(tmp);
		return r;
	}
	/* Make the rename itself durable. */
	dir = strdup(path);
	if (!dir)
		return -ENOMEM;
	slash = strrchr(dir, '/');
	if (slash)
		*(slash == dir ? slash + 1 : slash) = 0;
	dfd = open(slash ? dir : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0)
		(void)fsync(dfd);
	return 0;
}

int mkdir_p(const char *path, mode_t mode)
{
	_cleanup_free_ char *p = strdup(path);

	if (!p)
		return -ENOMEM;
	for (char *s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = 0;
		if (mkdir(p, mode) < 0 && errno != EEXIST)
			return negative_errno();
		*s = '/';
	}
	if (mkdir(p, mode) < 0 && errno != EEXIST)
		return negative_errno();
	return 0;
}

static int rm_rf_children_dev(int dirfd, dev_t dev)
{
	DIR *d;
	struct dirent *de;
	int first = 0;
	int fd = fcntl(dirfd, F_DUPFD_CLOEXEC, 3);

	if (fd < 0)
		return negative_errno();
	d = fdopendir(fd);
	if (!d) {
		int r = negative_errno();
		close(fd);
		return r;
	}
	while ((errno = 0, de = readdir(d))) {
		struct stat st;
		int r = 0;

		if (streq(de->d_name, ".") || streq(de->d_name, ".."))
			continue;
		if (fstatat(dirfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			if (errno != ENOENT && !first)
				first = negative_errno();
			continue;
		}
		if (S_ISDIR(st.st_mode)) {
			int sub;
			if (st.st_dev != dev) {
				/* A mount point: never descend into another filesystem. */
				if (!first)
					first = -EXDEV;
				continue;
			}
			sub = openat(dirfd, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (sub < 0) {
				if (!first)
					first = negative_errno();
				continue;
			}
			r = rm_rf_children_dev(sub, dev);
			close(sub);
			if (unlinkat(dirfd, de->d_name, AT_REMOVEDIR) < 0 && r == 0)
				r = negative_errno();
		} else if (unlinkat(dirfd, de->d_name, 0) < 0 && errno != ENOENT) {
			r = negative_errno();
		}
		if (r < 0 && !first)
			first = r;
	}
	if (errno && !first)
		first = negative_errno();
	closedir(d);
	return first;
}

int rm_rf_children(int dirfd)
{
	struct stat st;

	if (fstat(dirfd, &st) < 0)
		return negative_errno();
	return rm_rf_children_dev(dirfd, st.st_dev);
}

int rm_rf(const char *path)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	int r;

	if (fd < 0) {
		if (errno == ENOENT)
			return 0;
		if (errno == ENOTDIR || errno == ELOOP)
			return unlink(path) < 0 && errno != ENOENT ? negative_errno() : 0;
		return negative_errno();
	}
	r = rm_rf_children(fd);
	if (r < 0)
		return r;
	if (rmdir(path) < 0 && errno != ENOENT)
		return negative_errno();
	return 0;
}

void fill_std_fds(int first)
{
	for (int fd = first; fd <= 2; fd++) {
		int n;

		if (fcntl(fd, F_GETFD) >= 0 || errno != EBADF)
			continue;
		/* No O_CLOEXEC: the lowest free fd may be fd itself, and a standard fd survives exec. */
		n = open("/dev/null", O_RDWR | O_NOCTTY);
		if (n >= 0 && n != fd) {
			(void)dup2(n, fd);
			close(n);
		}
	}
}

int fd_set_cloexec(int fd, bool on)
{
	int flags = fcntl(fd, F_GETFD);

	if (flags < 0)
		return negative_errno();
	flags = on ? flags | FD_CLOEXEC : flags & ~FD_CLOEXEC;
	return fcntl(fd, F_SETFD, flags) < 0 ? negative_errno() : 0;
}

int fd_set_nonblock(int fd, bool on)
{
	int flags = fcntl(fd, F_GETFL);

	if (flags < 0)
		return negative_errno();
	flags = on ? flags | O_NONBLOCK : flags & ~O_NONBLOCK;
	return fcntl(fd, F_SETFL, flags) < 0 ? negative_errno() : 0;
}

int fd_move_to(int fd, int target)
{
	if (fd == target)
		return fd_set_cloexec(fd, false);
	if (dup2(fd, target) < 0)
		return negative_errno();
	close(fd);
	return 0;
}

void close_all_fds(int lowest, const int *keep, size_t nkeep)
{
	unsigned int from = lowest < 0 ? 0 : (unsigned int)lowest;

	/* close_range over the gaps between kept fds, in ascending order: no /proc, no upper limit. */
	for (;;) {
		unsigned int next = ~0U;

		for (size_t i = 0; i < nkeep; i++)
			if (keep[i] >= 0 && (unsigned int)keep[i] >= from && (unsigned int)keep[i] < next)
				next = (unsigned int)keep[i];
		if (next == ~0U) {
			(void)close_range(from, ~0U, 0);
			return;
		}
		if (next > from)
			(void)close_range(from, next - 1, 0);
		from = next + 1;
	}
}

bool distro_name_valid(const char *name)
{
	size_t n = name ? strlen(name) : 0;

	if (n == 0 || n > 64 || name[0] == '.' || name[0] == '-')
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)name[i];
		if (!isalnum(c) && c != '.' && c != '_' && c != '-')
			return false;
	}
	return true;
}

void hold_lifecycle_signals(int how, sigset_t *mask)
{
	struct sigaction ignore = { .sa_handler = SIG_IGN };

	sigaction(SIGPIPE, &ignore, NULL);
	sigemptyset(mask);
	sigaddset(mask, SIGCHLD);
	sigaddset(mask, SIGTERM);
	sigaddset(mask, SIGINT);
	sigaddset(mask, SIGHUP);
	sigprocmask(how, mask, NULL);
}

int epoll_watch(int epoll_fd, int fd, uint32_t events, uint64_t tag)
{
	struct epoll_event ev = { .events = events, .data.u64 = tag };

	return epoll_ctl(epoll_fd, EPOLL_CTL_ADD, fd, &ev) < 0 ? negative_errno() : 0;
}
