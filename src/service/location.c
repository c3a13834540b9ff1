/* SPDX-License-Identifier: MIT */
#include "location.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "registry.h"
#include "util.h"

int lsl_location_normalize(const char *in, char **out)
{
	_cleanup_free_ char *buf = NULL;
	size_t n = 0;
	const char *s = in;

	if (!in || in[0] != '/' || !lsl_registry_value_valid(in) || strlen(in) >= PATH_MAX)
		return -EINVAL;
	buf = malloc(strlen(in) + 2);
	if (!buf)
		return -ENOMEM;
	while (*s) {
		const char *end;
		size_t len;

		while (*s == '/')
			s++;
		if (!*s)
			break;
		end = strchrnul(s, '/');
		len = (size_t)(end - s);
		if (len == 1 && s[0] == '.') {
			s = end;
			continue;
		}
		if (len == 2 && s[0] == '.' && s[1] == '.')
			return -EINVAL;
		buf[n++] = '/';
		memcpy(buf + n, s, len);
		n += len;
		s = end;
	}
	if (n == 0)
		buf[n++] = '/';
	buf[n] = 0;
	*out = TAKE_PTR(buf);
	return 0;
}

/* 1 if the directory behind fd has no entry, 0 if it has one, or a negative errno. */
static int dir_is_empty(int fd)
{
	int dup_fd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
	struct dirent *de;
	DIR *d;
	int r = 1;

	if (dup_fd < 0)
		return negative_errno();
	d = fdopendir(dup_fd);
	if (!d) {
		r = negative_errno();
		close(dup_fd);
		return r;
	}
	while ((errno = 0, de = readdir(d))) {
		if (!streq(de->d_name, ".") && !streq(de->d_name, "..")) {
			r = 0;
			break;
		}
	}
	if (r == 1 && errno)
		r = negative_errno();
	closedir(d);
	return r;
}

/* The topmost missing directory on the way to path (newly allocated), or NULL with errno set. */
static char *first_missing(const char *path)
{
	_cleanup_free_ char *p = strdup(path);
	struct stat st;

	if (!p)
		return NULL;
	for (char *s = p + 1;; s++) {
		if (*s != '/' && *s)
			continue;
		char saved = *s;
		*s = 0;
		if (lstat(p, &st) < 0) {
			if (errno != ENOENT)
				return NULL;
			return TAKE_PTR(p);
		}
		if (!saved)
			break;
		*s = saved;
	}
	errno = EEXIST;
	return NULL;
}

/* rmdir path and its parents up to and including top, each only if empty. */
static int remove_created_dirs(const char *path, const char *top)
{
	_cleanup_free_ char *p = strdup(path);
	size_t top_len = strlen(top);
	int first = 0;

	if (!p)
		return -ENOMEM;
	while (strlen(p) >= top_len) {
		char *slash;
		if (rmdir(p) < 0 && errno != ENOENT) {
			if (!first)
				first = negative_errno();
			break;
		}
		slash = strrchr(p, '/');
		if (!slash || slash == p)
			break;
		*slash = 0;
	}
	return first;
}

void lsl_location_release(struct lsl_location *loc)
{
	if (loc->dir_fd >= 0)
		close(loc->dir_fd);
	if (loc->rootfs_fd >= 0)
		close(loc->rootfs_fd);
	if (loc->image_fd >= 0)
		close(loc->image_fd);
	free(loc->path);
	free(loc->rootfs);
	free(loc->image);
	free(loc->created_top);
	*loc = (struct lsl_location){ .dir_fd = -1, .rootfs_fd = -1, .image_fd = -1 };
}

/* LOCATION/rootfs, or the image file: what the distribution is stored in. */
static int make_storage(struct lsl_location *loc, const char *image_file, struct lsl_err *e)
{
	if (image_file) {
		loc->image_fd = openat(loc->dir_fd, image_file, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (loc->image_fd < 0)
			return lsl_err_set(e, errno, "creating %s", loc->image);
		return 0;
	}
	if (mkdirat(loc->dir_fd, "rootfs", 0755) < 0)
		return lsl_err_set(e, errno, "creating %s", loc->rootfs);
	loc->rootfs_fd = openat(loc->dir_fd, "rootfs", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (loc->rootfs_fd < 0) {
		int r = lsl_err_set(e, errno, "opening %s", loc->rootfs);
		(void)unlinkat(loc->dir_fd, "rootfs", AT_REMOVEDIR);
		return r;
	}
	return 0;
}

static void remove_storage(struct lsl_location *loc)
{
	if (loc->image) {
		(void)unlinkat(loc->dir_fd, strrchr(loc->image, '/') + 1, 0);
		return;
	}
	(void)unlinkat(loc->dir_fd, "rootfs", AT_REMOVEDIR);
}

static int prepare(const char *path, const char *image_file, struct lsl_location *loc, struct lsl_err *e);

int lsl_location_prepare(const char *path, struct lsl_location *loc, struct lsl_err *e)
{
	return prepare(path, NULL, loc, e);
}

int lsl_location_prepare_image(const char *path, const char *file, struct lsl_location *loc, struct lsl_err *e)
{
	if (isempty(file) || strchr(file, '/') || streq(file, ".") || streq(file, "..")) {
		*loc = (struct lsl_location){ .dir_fd = -1, .rootfs_fd = -1, .image_fd = -1 };
		return lsl_err_setf(e, EINVAL, "invalid image file name");
	}
	return prepare(path, file, loc, e);
}

static int prepare(const char *path, const char *image_file, struct lsl_location *loc, struct lsl_err *e)
{
	struct stat st;
	int r;

	*loc = (struct lsl_location){ .dir_fd = -1, .rootfs_fd = -1, .image_fd = -1 };
	if (streq(path, "/"))
		return lsl_err_setf(e, EINVAL, "the location cannot be /");
	loc->path = strdup(path);
	if (image_file) {
		loc->image = strdup_printf("%s/%s", path, image_file);
		loc->rootfs = strdup_or_null(loc->image);
	} else {
		loc->rootfs = strdup_printf("%s/rootfs", path);
	}
	if (!loc->path || !loc->rootfs) {
		r = lsl_err_set(e, ENOMEM, "preparing %s", path);
		goto fail;
	}

	if (stat(path, &st) == 0) {
		if (!S_ISDIR(st.st_mode)) {
			r = lsl_err_setf(e, ENOTDIR, "the location %s exists and is not a directory", path);
			goto fail;
		}
	} else if (errno == ENOENT) {
		loc->created_top = first_missing(path);
		if (!loc->created_top) {
			r = lsl_err_set(e, errno, "creating %s", path);
			goto fail;
		}
		r = mkdir_p(path, 0755);
		if (r < 0) {
			lsl_err_set(e, r, "creating %s", path);
			goto fail;
		}
	} else {
		r = lsl_err_set(e, errno, "cannot use the location %s", path);
		goto fail;
	}

	loc->dir_fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (loc->dir_fd < 0) {
		r = lsl_err_set(e, errno, "opening %s", path);
		goto fail;
	}
	if (!loc->created_top) {
		r = dir_is_empty(loc->dir_fd);
		if (r < 0) {
			lsl_err_set(e, r, "reading %s", path);
			goto fail;
		}
		if (r == 0) {
			r = lsl_err_setf(e, ENOTEMPTY, "the location %s is not empty", path);
			goto fail;
		}
	}
	r = make_storage(loc, image_file, e);
	if (r < 0)
		goto fail;
	/* Only root may enter: inside are another system's setuid programs and device nodes. */
	loc->old_mode = loc->created_top ? 0 : st.st_mode & 07777;
	if (fchmod(loc->dir_fd, 0700) < 0) {
		r = lsl_err_set(e, errno, "restricting %s to root", path);
		remove_storage(loc);
		goto fail;
	}
	return 0;

fail:
	if (loc->created_top && loc->path)
		(void)remove_created_dirs(loc->path, loc->created_top);
	lsl_location_release(loc);
	return r;
}

/* Remove dir_fd's entry name, a directory, with everything in it. Missing is fine. */
static int remove_tree_at(int dir_fd, const char *name, const char *shown)
{
	_cleanup_close_ int fd = openat(dir_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	int r;

	if (fd < 0) {
		if (errno == ENOENT)
			return 0;
		return log_warning_errno(errno, "removing %s", shown);
	}
	r = rm_rf_children(fd);
	if (r < 0)
		return log_warning_errno(r, "removing what is in %s", shown);
	if (unlinkat(dir_fd, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
		return log_warning_errno(errno, "removing %s", shown);
	return 0;
}

int lsl_location_undo(const struct lsl_location *loc)
{
	int r = 0, k;

	if (loc->dir_fd >= 0 && loc->image) {
		if (unlinkat(loc->dir_fd, strrchr(loc->image, '/') + 1, 0) < 0 && errno != ENOENT)
			r = log_warning_errno(errno, "removing %s", loc->image);
	} else if (loc->dir_fd >= 0) {
		r = remove_tree_at(loc->dir_fd, "rootfs", loc->rootfs);
	}
	/* A directory the user made gets its own mode back. */
	if (loc->dir_fd >= 0 && !loc->created_top && loc->old_mode)
		(void)fchmod(loc->dir_fd, loc->old_mode);
	if (loc->created_top) {
		k = remove_created_dirs(loc->path, loc->created_top);
		if (k < 0) {
			log_warning_errno(k, "removing %s", loc->path);
			if (!r)
				r = k;
		}
	}
	return r;
}

int lsl_location_remove(const char *location, const char *rootfs, bool owned)
{
	_cleanup_free_ char *parent = strdup(rootfs);
	_cleanup_close_ int parent_fd = -1;
	char *slash = parent ? strrchr(parent, '/') : NULL;
	int r;

	if (!slash || slash == parent || !slash[1])
		return log_warning_errno(EINVAL, "refusing to remove %s", rootfs);
	*slash = 0;
	parent_fd = open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (parent_fd < 0)
		r = errno == ENOENT ? 0 : log_warning_errno(errno, "removing %s", rootfs);
	else
		r = remove_tree_at(parent_fd, slash + 1, rootfs);
	if (r == 0 && owned && rmdir(location) < 0 && errno != ENOENT && errno != ENOTEMPTY && errno != EEXIST)
		r = log_warning_errno(errno, "removing %s", location);
	return r;
}
