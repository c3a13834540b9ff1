/* SPDX-License-Identifier: MIT */
/* Small string, fd and file helpers used by every lsl program. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/types.h>

#include "macros.h"

static inline bool streq(const char *a, const char *b) { return strcmp(a, b) == 0; }
static inline bool streq_ptr(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}
static inline bool isempty(const char *s) { return !s || !*s; }
/* s without the prefix, or NULL if s does not start with it. */
const char *startswith(const char *s, const char *prefix);

/* strdup that returns NULL for NULL. */
char *strdup_or_null(const char *s);
/* asprintf returning the string or NULL. */
char *strdup_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

size_t strv_length(char *const *v);
/* Append a copy of s to *v (NULL-terminated, reallocated). Returns 0 or -ENOMEM. */
int strv_extend(char ***v, const char *s);

/* Parse a whole decimal string into an int/uint32 within range. Returns 0 or -EINVAL/-ERANGE. */
int safe_atoi(const char *s, int *out);
int safe_atou32(const char *s, uint32_t *out);

/* write()/read() all n bytes, retrying on EINTR and short counts. read_full returns bytes read. */
int write_full(int fd, const void *buf, size_t n);
ssize_t read_full(int fd, void *buf, size_t n);
/* Read fd to its end (at most max bytes, -EFBIG beyond) as a NUL-terminated string; *len may be NULL. */
int read_fd_all(int fd, size_t max, char **out, size_t *len);
/* Read a whole file (at most max bytes, -EFBIG beyond) as a NUL-terminated string. */
int read_file_at(int dirfd, const char *path, size_t max, char **out, size_t *len);
/* Write a whole file atomically: tmp in the same directory, fsync, rename, fsync dir. */
int write_file_atomic(const char *path, const void *data, size_t n, mode_t mode);

/* mkdir -p with mode for each created component. Returns 0 or negative errno. */
int mkdir_p(const char *path, mode_t mode);
/*
 * Remove everything below dirfd's directory, never following symlinks and
 * never crossing onto another filesystem. Returns 0 or the first error.
 */
int rm_rf_children(int dirfd);
/* rm -rf path (not following a symlink at path itself). Missing path is success. */
int rm_rf(const char *path);

/*
 * Open /dev/null on each of fds first..2 that is closed, so that no file
 * opened later takes a standard fd's number (and gets its readers or writers).
 */
void fill_std_fds(int first);

/*
 * For a long-lived lsl process (init, mini_init) that reads its signals from
 * a signalfd: SIGCHLD, SIGTERM, SIGINT and SIGHUP are held (how: SIG_BLOCK,
 * or SIG_SETMASK to hold nothing else) and put in *mask for the signalfd;
 * SIGPIPE is ignored, so that a closed peer is an error return, not a death.
 */
void hold_lifecycle_signals(int how, sigset_t *mask);

/* Add fd to an epoll set for events, each reported with tag in data.u64. Returns 0 or a negative errno. */
int epoll_watch(int epoll_fd, int fd, uint32_t events, uint64_t tag);

/* Set or clear O_CLOEXEC / O_NONBLOCK. */
int fd_set_cloexec(int fd, bool on);
int fd_set_nonblock(int fd, bool on);
/* Move fd to exactly `target` (dup2, without CLOEXEC), closing the old one if different. */
int fd_move_to(int fd, int target);
/* Close every fd >= lowest except those in keep[] (used before exec). */
void close_all_fds(int lowest, const int *keep, size_t nkeep);

/* A distribution name: 1..64 of [A-Za-z0-9._-], not starting with '.' or '-'. */
bool distro_name_valid(const char *name);
