/* SPDX-License-Identifier: MIT */
#include "registry-store.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"

#define REGISTRY_MAX (4 * 1024 * 1024)

int lsl_registry_store_init(struct lsl_registry_store *s, const char *state_dir)
{
	*s = (struct lsl_registry_store){ 0 };
	s->path = strdup_printf("%s/registry", state_dir);
	return s->path ? 0 : -ENOMEM;
}

void lsl_registry_store_free(struct lsl_registry_store *s)
{
	lsl_registry_free(&s->reg);
	free(s->path);
	*s = (struct lsl_registry_store){ 0 };
}

static bool same_file(const struct lsl_registry_store *s, const struct stat *st)
{
	return s->known && s->dev == st->st_dev && s->ino == st->st_ino && s->size == st->st_size &&
	       s->mtime.tv_sec == st->st_mtim.tv_sec && s->mtime.tv_nsec == st->st_mtim.tv_nsec;
}

static void remember(struct lsl_registry_store *s, const struct stat *st)
{
	s->known = true;
	s->dev = st->st_dev;
	s->ino = st->st_ino;
	s->size = st->st_size;
	s->mtime = st->st_mtim;
}

/* The whole file behind fd (at most REGISTRY_MAX bytes), NUL-terminated; it may hold NULs itself. */
static int read_all(int fd, char **out, size_t *len)
{
	_cleanup_free_ char *buf = NULL;
	size_t cap = 0, n = 0;

	for (;;) {
		ssize_t k;
		if (n + 1 >= cap) {
			char *nb;
			if (cap > REGISTRY_MAX)
				return -EFBIG;
			cap = cap ? cap * 2 : 4096;
			nb = realloc(buf, cap);
			if (!nb)
				return -ENOMEM;
			buf = nb;
		}
		k = RETRY_EINTR(read(fd, buf + n, cap - n - 1));
		if (k < 0)
			return negative_errno();
		if (k == 0)
			break;
		n += (size_t)k;
	}
	buf[n] = 0;
	*len = n;
	*out = TAKE_PTR(buf);
	return 0;
}

static void set_broken(struct lsl_registry_store *s, const struct lsl_err *why)
{
	lsl_registry_free(&s->reg);
	s->broken = true;
	s->error = *why;
	log_error("%s", lsl_err_str(why));
}

const struct lsl_registry *lsl_registry_get(struct lsl_registry_store *s, struct lsl_err *e)
{
	struct lsl_registry fresh = { 0 };
	_cleanup_free_ char *text = NULL;
	_cleanup_close_ int fd = -1;
	struct lsl_err why = { 0 };
	struct stat st;
	size_t len = 0;
	int r;

	fd = open(s->path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW);
	if (fd < 0 && errno == ENOENT) {
		/* No file yet (or removed by hand): no distributions. */
		lsl_registry_free(&s->reg);
		s->broken = false;
		s->known = false;
		return &s->reg;
	}
	if (fd < 0 || fstat(fd, &st) < 0) {
		lsl_err_set(&why, errno, "cannot read the registry %s", s->path);
		set_broken(s, &why);
		s->known = false;
		goto broken;
	}
	if (same_file(s, &st)) {
		if (s->broken)
			goto broken;
		return &s->reg;
	}
	remember(s, &st);
	if (!S_ISREG(st.st_mode)) {
		lsl_err_setf(&why, EINVAL, "the registry %s is not a regular file", s->path);
		set_broken(s, &why);
		goto broken;
	}
	r = read_all(fd, &text, &len);
	if (r < 0) {
		lsl_err_set(&why, r, "cannot read the registry %s", s->path);
		set_broken(s, &why);
		goto broken;
	}
	r = lsl_registry_parse(s->path, text, len, &fresh, &why);
	if (r < 0) {
		lsl_err_prefix(&why, "the registry is unreadable");
		set_broken(s, &why);
		goto broken;
	}
	lsl_registry_free(&s->reg);
	s->reg = fresh;
	s->broken = false;
	return &s->reg;

broken:
	*e = s->error;
	return NULL;
}

int lsl_registry_commit(struct lsl_registry_store *s, struct lsl_registry *next, struct lsl_err *e)
{
	_cleanup_free_ char *text = NULL, *dir = NULL;
	struct stat st;
	size_t len;
	char *slash;
	int r;

	r = lsl_registry_format(next, &text, &len);
	if (r < 0)
		return lsl_err_set(e, r, "writing the registry %s", s->path);
	dir = strdup(s->path);
	if (!dir)
		return lsl_err_set(e, ENOMEM, "writing the registry %s", s->path);
	slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = 0;
		/* Root's alone: the registry names every distribution and where its files are. */
		r = mkdir_p(dir, 0700);
		if (r < 0)
			return lsl_err_set(e, r, "creating %s", dir);
	}
	r = write_file_atomic(s->path, text, len, 0600);
	if (r < 0)
		return lsl_err_set(e, r, "writing the registry %s", s->path);

	lsl_registry_free(&s->reg);
	s->reg = *next;
	*next = (struct lsl_registry){ 0 };
	s->broken = false;
	if (stat(s->path, &st) == 0)
		remember(s, &st);
	else
		s->known = false;
	return 0;
}

int lsl_registry_update(struct lsl_registry_store *s, const char *name,
			bool (*fn)(struct lsl_distro *d, const void *data), const void *data, struct lsl_err *e)
{
	_cleanup_registry_ struct lsl_registry next = { 0 };
	const struct lsl_registry *reg = lsl_registry_get(s, e);
	struct lsl_distro *d;
	int r;

	if (!reg)
		return e->code;
	r = lsl_registry_clone(reg, &next);
	if (r < 0)
		return lsl_err_set(e, r, "updating %s", name);
	d = lsl_registry_find(&next, name);
	if (!d)
		return -ENOENT;
	if (!fn(d, data))
		return 0;
	return lsl_registry_commit(s, &next, e);
}
