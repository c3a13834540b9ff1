/* SPDX-License-Identifier: MIT */
#include "service-conf.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "log.h"
#include "util.h"

#define CONFIG_MAX (1024 * 1024)

static const struct lsl_conf_key keys[] = {
	{ .name = "general.instanceIdleTimeout", .type = LSL_CONF_INT,
	  .offset = offsetof(struct lsl_service_conf, idle_timeout_ms), .min = -1, .max = INT_MAX },
};

void lsl_service_conf_init(struct lsl_service_conf *c)
{
	*c = (struct lsl_service_conf){ .idle_timeout_ms = LSL_IDLE_TIMEOUT_DEFAULT_MS };
}

int lsl_service_conf_parse(struct lsl_service_conf *c, const char *file, const char *text, lsl_conf_warn_fn warn,
			   void *userdata)
{
	return lsl_conf_parse(file, text, keys, ARRAY_SIZE(keys), c, warn, userdata);
}

const char *lsl_service_conf_path(void)
{
	const char *p = getenv("LSL_CONFIG");

	return isempty(p) ? LSL_CONFIG_DEFAULT_PATH : p;
}

static void warn_log(void *userdata, const char *message) { log_warning("%s", message); }

/* What the cached settings were read from: a change of any of these means read again. */
struct file_id {
	bool exists;
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime, ctime;
};

static bool same_file(const struct file_id *a, const struct file_id *b)
{
	if (a->exists != b->exists)
		return false;
	return !a->exists || (a->dev == b->dev && a->ino == b->ino && a->size == b->size &&
			      a->mtime.tv_sec == b->mtime.tv_sec && a->mtime.tv_nsec == b->mtime.tv_nsec &&
			      a->ctime.tv_sec == b->ctime.tv_sec && a->ctime.tv_nsec == b->ctime.tv_nsec);
}

const struct lsl_service_conf *lsl_service_conf_get(void)
{
	static struct lsl_service_conf conf;
	static struct file_id seen;
	static char *seen_path;
	static bool loaded;
	const char *path = lsl_service_conf_path();
	_cleanup_free_ char *text = NULL;
	struct file_id now = { 0 };
	struct stat st;
	int r;

	if (stat(path, &st) == 0)
		now = (struct file_id){ .exists = true, .dev = st.st_dev, .ino = st.st_ino, .size = st.st_size,
					.mtime = st.st_mtim, .ctime = st.st_ctim };
	else if (errno != ENOENT)
		now = (struct file_id){ .exists = true }; /* unreadable: try (and say why) once per change */
	if (loaded && same_file(&seen, &now) && streq_ptr(seen_path, path))
		return &conf;
	loaded = true;
	seen = now;
	free(seen_path);
	seen_path = strdup(path);

	lsl_service_conf_init(&conf);
	if (!now.exists)
		return &conf;
	r = read_file_at(AT_FDCWD, path, CONFIG_MAX, &text, NULL);
	if (r < 0) {
		log_warning_errno(r, "reading %s: using the defaults", path);
		return &conf;
	}
	if (lsl_service_conf_parse(&conf, path, text, warn_log, NULL) < 0) {
		log_warning("reading %s: out of memory: using the defaults", path);
		lsl_service_conf_init(&conf);
		return &conf;
	}
	log_info("%s: instanceIdleTimeout %d ms", path, conf.idle_timeout_ms);
	return &conf;
}
