/* SPDX-License-Identifier: MIT */
/* See write-guard.h. Compiled without _FILE_OFFSET_BITS: the names defined here must be the C library's own. */
#undef _FILE_OFFSET_BITS
#include "write-guard.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/xattr.h>
#include <unistd.h>

static char jail[PATH_MAX];
static size_t jail_len;
static bool armed;

void write_guard_arm(const char *root)
{
	snprintf(jail, sizeof(jail), "%s", root);
	jail_len = strlen(jail);
	armed = true;
}

void write_guard_disarm(void) { armed = false; }

static _Noreturn void escape(const char *op, const char *path, const char *why)
{
	fprintf(stderr, "write-guard: %s %s: %s (scratch directory %s)\n", op, path ? path : "(null)", why, jail);
	abort();
}

static bool inside(const char *resolved)
{
	return strncmp(resolved, jail, jail_len) == 0 && (resolved[jail_len] == 0 || resolved[jail_len] == '/');
}

/* dirfd's path, or the current directory's. */
static bool base_of(int dirfd, char *out, size_t size)
{
	char link[64];
	ssize_t n;

	if (dirfd == AT_FDCWD)
		return getcwd(out, size) != NULL;
	snprintf(link, sizeof(link), "/proc/self/fd/%d", dirfd);
	n = readlink(link, out, size - 1);
	if (n < 0)
		return false;
	out[n] = 0;
	return true;
}

/*
 * Check that the object dirfd/path names lies inside the jail. Its parent
 * is resolved fully; its last component too when `follow` and it is a
 * symbolic link (a dangling one would be created where it points).
 */
static void check_at(const char *op, int dirfd, const char *path, bool follow, int depth)
{
	char abs[2 * PATH_MAX + 2], dir[2 * PATH_MAX + 2], real[PATH_MAX], base[PATH_MAX];
	const char *last;
	char *slash;
	struct stat st;

	if (!armed)
		return;
	if (!path)
		escape(op, path, "no path");
	if (depth > 40)
		escape(op, path, "too many levels of symbolic links");
	if (path[0] == '/')
		snprintf(abs, sizeof(abs), "%s", path);
	else {
		if (!base_of(dirfd, base, sizeof(base)))
			return; /* a bad dirfd: the call fails by itself */
		snprintf(abs, sizeof(abs), "%s/%s", base, path);
	}
	/* Trailing slashes name the same object. */
	for (size_t n = strlen(abs); n > 1 && abs[n - 1] == '/'; n--)
		abs[n - 1] = 0;
	slash = strrchr(abs, '/');
	last = slash + 1;
	if (!strcmp(last, ".") || !strcmp(last, "..") || slash == abs) {
		/* Resolve the whole path: it names an existing directory or nothing. */
		if (!realpath(abs, real))
			return;
		if (!inside(real))
			escape(op, abs, "outside the scratch directory");
		return;
	}
	snprintf(dir, sizeof(dir), "%.*s", (int)(slash - abs), abs);
	if (!realpath(dir, real))
		return; /* the parent does not exist: the call fails by itself */
	if (!inside(real))
		escape(op, abs, "outside the scratch directory");
	if (!follow || lstat(abs, &st) < 0 || !S_ISLNK(st.st_mode))
		return;
	{
		char target[PATH_MAX];
		ssize_t n = readlink(abs, target, sizeof(target) - 1);
		if (n < 0)
			return;
		target[n] = 0;
		if (target[0] == '/')
			check_at(op, AT_FDCWD, target, true, depth + 1);
		else {
			char next[2 * PATH_MAX + 2];
			snprintf(next, sizeof(next), "%s/%s", real, target);
			check_at(op, AT_FDCWD, next, true, depth + 1);
		}
	}
}

static void check(const char *op, const char *path, bool follow) { check_at(op, AT_FDCWD, path, follow, 0); }

static void check_fd(const char *op, int fd)
{
	char path[PATH_MAX];

	if (!armed || !base_of(fd, path, sizeof(path)))
		return;
	if (path[0] == '/' && !inside(path))
		escape(op, path, "an fd outside the scratch directory");
}

/* Opening for writing: inside, and never a device or FIFO (the data would go to the host's device). */
static void check_open(const char *op, int dirfd, const char *path, int flags)
{
	struct stat st;

	if (!armed || !(flags & (O_WRONLY | O_RDWR | O_CREAT | O_TRUNC)))
		return;
	check_at(op, dirfd, path, !(flags & O_NOFOLLOW) && !(flags & O_EXCL), 0);
	if (fstatat(dirfd, path, &st, (flags & O_NOFOLLOW) ? AT_SYMLINK_NOFOLLOW : 0) == 0 &&
	    (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode) || S_ISFIFO(st.st_mode)))
		escape(op, path, "opening a device or FIFO for writing");
}

#define REAL(name) ((__typeof__(&name))real_fn(#name))

static void *real_fn(const char *name)
{
	void *f = dlsym(RTLD_NEXT, name);
	if (!f)
		escape("dlsym", name, "no such function");
	return f;
}

static mode_t open_mode(int flags, va_list ap)
{
	return (flags & (O_CREAT | __O_TMPFILE)) ? (mode_t)va_arg(ap, int) : 0;
}

int open(const char *path, int flags, ...)
{
	va_list ap;
	mode_t mode;

	va_start(ap, flags);
	mode = open_mode(flags, ap);
	va_end(ap);
	check_open("open", AT_FDCWD, path, flags);
	return REAL(open)(path, flags, mode);
}

int open64(const char *path, int flags, ...)
{
	va_list ap;
	mode_t mode;

	va_start(ap, flags);
	mode = open_mode(flags, ap);
	va_end(ap);
	check_open("open64", AT_FDCWD, path, flags);
	return REAL(open64)(path, flags, mode);
}

int openat(int dirfd, const char *path, int flags, ...)
{
	va_list ap;
	mode_t mode;

	va_start(ap, flags);
	mode = open_mode(flags, ap);
	va_end(ap);
	check_open("openat", dirfd, path, flags);
	return REAL(openat)(dirfd, path, flags, mode);
}

int openat64(int dirfd, const char *path, int flags, ...)
{
	va_list ap;
	mode_t mode;

	va_start(ap, flags);
	mode = open_mode(flags, ap);
	va_end(ap);
	check_open("openat64", dirfd, path, flags);
	return REAL(openat64)(dirfd, path, flags, mode);
}

int __open_2(const char *path, int flags);
int __open_2(const char *path, int flags)
{
	check_open("__open_2", AT_FDCWD, path, flags);
	return REAL(__open_2)(path, flags);
}

int __openat_2(int dirfd, const char *path, int flags);
int __openat_2(int dirfd, const char *path, int flags)
{
	check_open("__openat_2", dirfd, path, flags);
	return REAL(__openat_2)(dirfd, path, flags);
}

int creat(const char *path, mode_t mode)
{
	check_open("creat", AT_FDCWD, path, O_CREAT | O_WRONLY | O_TRUNC);
	return REAL(creat)(path, mode);
}

int mkdir(const char *path, mode_t mode)
{
	check("mkdir", path, false);
	return REAL(mkdir)(path, mode);
}

int mkdirat(int dirfd, const char *path, mode_t mode)
{
	check_at("mkdirat", dirfd, path, false, 0);
	return REAL(mkdirat)(dirfd, path, mode);
}

int mkfifo(const char *path, mode_t mode)
{
	check("mkfifo", path, false);
	return REAL(mkfifo)(path, mode);
}

int mknod(const char *path, mode_t mode, dev_t dev)
{
	check("mknod", path, false);
	return REAL(mknod)(path, mode, dev);
}

int mknodat(int dirfd, const char *path, mode_t mode, dev_t dev)
{
	check_at("mknodat", dirfd, path, false, 0);
	return REAL(mknodat)(dirfd, path, mode, dev);
}

int symlink(const char *target, const char *path)
{
	check("symlink", path, false);
	return REAL(symlink)(target, path);
}

int symlinkat(const char *target, int dirfd, const char *path)
{
	check_at("symlinkat", dirfd, path, false, 0);
	return REAL(symlinkat)(target, dirfd, path);
}

int link(const char *old, const char *path)
{
	/* The target too: a hard link to a file outside would let later writes reach it. */
	check("link (target)", old, false);
	check("link", path, false);
	return REAL(link)(old, path);
}

int linkat(int olddirfd, const char *old, int newdirfd, const char *path, int flags)
{
	check_at("linkat (target)", olddirfd, old, flags & AT_SYMLINK_FOLLOW, 0);
	check_at("linkat", newdirfd, path, false, 0);
	return REAL(linkat)(olddirfd, old, newdirfd, path, flags);
}

int rename(const char *old, const char *path)
{
	check("rename (source)", old, false);
	check("rename", path, false);
	return REAL(rename)(old, path);
}

int renameat(int olddirfd, const char *old, int newdirfd, const char *path)
{
	check_at("renameat (source)", olddirfd, old, false, 0);
	check_at("renameat", newdirfd, path, false, 0);
	return REAL(renameat)(olddirfd, old, newdirfd, path);
}

int unlink(const char *path)
{
	check("unlink", path, false);
	return REAL(unlink)(path);
}

int unlinkat(int dirfd, const char *path, int flags)
{
	check_at("unlinkat", dirfd, path, false, 0);
	return REAL(unlinkat)(dirfd, path, flags);
}

int rmdir(const char *path)
{
	check("rmdir", path, false);
	return REAL(rmdir)(path);
}

int chmod(const char *path, mode_t mode)
{
	check("chmod", path, true);
	return REAL(chmod)(path, mode);
}

int lchmod(const char *path, mode_t mode)
{
	check("lchmod", path, false);
	return REAL(lchmod)(path, mode);
}

int fchmod(int fd, mode_t mode)
{
	check_fd("fchmod", fd);
	return REAL(fchmod)(fd, mode);
}

int fchmodat(int dirfd, const char *path, mode_t mode, int flags)
{
	check_at("fchmodat", dirfd, path, !(flags & AT_SYMLINK_NOFOLLOW), 0);
	return REAL(fchmodat)(dirfd, path, mode, flags);
}

int chown(const char *path, uid_t uid, gid_t gid)
{
	check("chown", path, true);
	return REAL(chown)(path, uid, gid);
}

int lchown(const char *path, uid_t uid, gid_t gid)
{
	check("lchown", path, false);
	return REAL(lchown)(path, uid, gid);
}

int fchown(int fd, uid_t uid, gid_t gid)
{
	check_fd("fchown", fd);
	return REAL(fchown)(fd, uid, gid);
}

int fchownat(int dirfd, const char *path, uid_t uid, gid_t gid, int flags)
{
	check_at("fchownat", dirfd, path, !(flags & AT_SYMLINK_NOFOLLOW), 0);
	return REAL(fchownat)(dirfd, path, uid, gid, flags);
}

int utimensat(int dirfd, const char *path, const struct timespec times[2], int flags)
{
	check_at("utimensat", dirfd, path, !(flags & AT_SYMLINK_NOFOLLOW), 0);
	return REAL(utimensat)(dirfd, path, times, flags);
}

int futimens(int fd, const struct timespec times[2])
{
	check_fd("futimens", fd);
	return REAL(futimens)(fd, times);
}

int futimesat(int dirfd, const char *path, const struct timeval times[2])
{
	if (path)
		check_at("futimesat", dirfd, path, true, 0);
	else
		check_fd("futimesat", dirfd);
	return REAL(futimesat)(dirfd, path, times);
}

int lutimes(const char *path, const struct timeval times[2])
{
	check("lutimes", path, false);
	return REAL(lutimes)(path, times);
}

int utimes(const char *path, const struct timeval times[2])
{
	check("utimes", path, true);
	return REAL(utimes)(path, times);
}

int ftruncate(int fd, off_t length)
{
	check_fd("ftruncate", fd);
	return REAL(ftruncate)(fd, length);
}

int lsetxattr(const char *path, const char *name, const void *value, size_t size, int flags)
{
	check("lsetxattr", path, false);
	return REAL(lsetxattr)(path, name, value, size, flags);
}

int setxattr(const char *path, const char *name, const void *value, size_t size, int flags)
{
	check("setxattr", path, true);
	return REAL(setxattr)(path, name, value, size, flags);
}

int fsetxattr(int fd, const char *name, const void *value, size_t size, int flags)
{
	check_fd("fsetxattr", fd);
	return REAL(fsetxattr)(fd, name, value, size, flags);
}

int chdir(const char *path)
{
	char real[PATH_MAX];

	if (armed && realpath(path, real) && !inside(real))
		escape("chdir", path, "outside the scratch directory");
	return REAL(chdir)(path);
}

int fchdir(int fd)
{
	check_fd("fchdir", fd);
	return REAL(fchdir)(fd);
}

/* libarchive runs external decompressors through these: the import never may. */
int posix_spawnp(pid_t *pid, const char *file, const posix_spawn_file_actions_t *fa, const posix_spawnattr_t *attr,
		 char *const argv[], char *const envp[])
{
	if (armed)
		escape("posix_spawnp", file, "running a program");
	return REAL(posix_spawnp)(pid, file, fa, attr, argv, envp);
}

int posix_spawn(pid_t *pid, const char *file, const posix_spawn_file_actions_t *fa, const posix_spawnattr_t *attr,
		char *const argv[], char *const envp[])
{
	if (armed)
		escape("posix_spawn", file, "running a program");
	return REAL(posix_spawn)(pid, file, fa, attr, argv, envp);
}
