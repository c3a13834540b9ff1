/* SPDX-License-Identifier: MIT */
#include "paths.h"

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "util.h"

static const char *dir_from_env(const char *var, const char *def)
{
	const char *v = getenv(var);

	/* Only absolute paths: a relative one would change meaning with the cwd. */
	if (v && v[0] == '/' && strlen(v) < 256)
		return v;
	return def;
}

const char *lsl_state_dir(void) { return dir_from_env("LSL_STATE_DIR", "/var/lib/lsl"); }

const char *lsl_runtime_dir(void) { return dir_from_env("LSL_RUNTIME_DIR", "/run/lsl"); }

int lsl_runtime_dir_is_default(void) { return streq(lsl_runtime_dir(), "/run/lsl"); }

static char *self_dir(void)
{
	char buf[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
	char *slash;

	if (n < 0)
		return NULL;
	buf[n] = 0;
	slash = strrchr(buf, '/');
	if (!slash) {
		errno = ENOENT;
		return NULL;
	}
	*slash = 0;
	return strdup(buf);
}

char *lsl_helper_path(const char *program)
{
	_cleanup_free_ char *dir = self_dir();
	const char *base;
	size_t n, bn = strlen(LSL_BINDIR);

	if (!dir)
		return NULL;
	/* Already inside <prefix>/<libexecdir>/lsl (service, mini_init)? */
	base = strrchr(dir, '/');
	if (base && streq(base + 1, "lsl")) {
		_cleanup_free_ char *p = strdup_printf("%s/%s", dir, program);
		if (p && access(p, X_OK) == 0)
			return TAKE_PTR(p);
	}
	/* <prefix>/<bindir>: strip bindir to find the prefix. */
	n = strlen(dir);
	if (n > bn && streq(dir + n - bn, LSL_BINDIR) && dir[n - bn - 1] == '/') {
		dir[n - bn - 1] = 0;
		return strdup_printf("%s/%s/lsl/%s", dir, LSL_LIBEXECDIR, program);
	}
	/* Not installed (a build tree): helpers sit next to us. */
	return strdup_printf("%s/%s", dir, program);
}

/* FNV-1a of the runtime directory: stable, short, distinct per instance. */
static uint32_t runtime_dir_hash(void)
{
	uint32_t h = 2166136261u;

	for (const char *rt = lsl_runtime_dir(); *rt; rt++) {
		h ^= (uint8_t)*rt;
		h *= 16777619u;
	}
	return h;
}

const char *lsl_cgroup_base(void)
{
	static char name[32];

	if (!name[0]) {
		if (lsl_runtime_dir_is_default())
			snprintf(name, sizeof(name), "lsl");
		else
			snprintf(name, sizeof(name), "lsl-%08x", runtime_dir_hash());
	}
	return name;
}

const char *lsl_binfmt_name(void)
{
	static char name[32];

	if (!name[0]) {
		if (lsl_runtime_dir_is_default())
			snprintf(name, sizeof(name), "LSLInterop");
		else
			snprintf(name, sizeof(name), "LSLInterop-%08x", runtime_dir_hash());
	}
	return name;
}

char *lsl_service_socket_path(void) { return strdup_printf("%s/service.sock", lsl_runtime_dir()); }
