/* SPDX-License-Identifier: MIT */
#include "cgroup.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>

#include "mount-util.h"
#include "root-file.h"
#include "util.h"
#include "wsl-conf.h"

#define CG_ATTRS (MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC)
#define MAX_HIERARCHIES 32

struct hierarchy {
	unsigned id;
	char controllers[256]; /* "cpu,cpuacct" */
};

struct hierarchies {
	struct hierarchy h[MAX_HIERARCHIES];
	size_t n;
};

/* One line of /proc/cgroups: "name hierarchy num_cgroups enabled". */
static int add_controller(const char *line, size_t len, void *data)
{
	struct hierarchies *hs = data;
	char name[64];
	unsigned id, count, enabled;
	size_t i;

	if (len == 0 || line[0] == '#' || sscanf(line, "%63s %u %u %u", name, &id, &count, &enabled) != 4)
		return 0;
	/* Hierarchy 0: the controller is bound to cgroup2 (or unused) and cannot be mounted as v1. */
	if (id == 0 || !enabled)
		return 0;
	for (i = 0; i < hs->n && hs->h[i].id != id; i++)
		;
	if (i == hs->n) {
		if (hs->n == MAX_HIERARCHIES)
			return 0;
		hs->h[hs->n].id = id;
		hs->h[hs->n].controllers[0] = 0;
		hs->n++;
	}
	/* Controllers sharing a hierarchy on the host must be mounted together, as the host did. */
	if (strlen(hs->h[i].controllers) + strlen(name) + 2 < sizeof(hs->h[i].controllers)) {
		if (hs->h[i].controllers[0])
			strcat(hs->h[i].controllers, ",");
		strcat(hs->h[i].controllers, name);
	}
	return 0;
}

static bool v1_disabled_on_cmdline(void)
{
	_cleanup_free_ char *cmdline = NULL;
	_cleanup_close_ int proc = open("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC);

	if (proc < 0 || read_file_at(proc, "cmdline", 64 * 1024, &cmdline, NULL) < 0)
		return false;
	for (char *p = cmdline; (p = strstr(p, "cgroup_no_v1=all")); p++)
		if (p == cmdline || p[-1] == ' ')
			return true;
	return false;
}

static int mount_v1(struct lsl_warnings *w)
{
	struct hierarchies hs = { .n = 0 };
	_cleanup_free_ char *text = NULL;
	_cleanup_close_ int proc = open("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC);
	struct lsl_err e = { 0 };

	if (v1_disabled_on_cmdline()) {
		lsl_warn(w, "automount.cgroups=v1 is not possible: the kernel disables cgroup v1; using v2");
		return -EOPNOTSUPP;
	}
	if (proc < 0 || read_file_at(proc, "cgroups", 64 * 1024, &text, NULL) < 0 || !text) {
		lsl_warn(w, "automount.cgroups=v1: cannot read /proc/cgroups; using v2");
		return -EOPNOTSUPP;
	}
	(void)lsl_for_each_line(text, 512, add_controller, &hs);
	if (hs.n == 0) {
		lsl_warn(w, "automount.cgroups=v1: the host offers no cgroup v1 controller; using v2");
		return -EOPNOTSUPP;
	}
	if (lsl_mount_new("tmpfs", "mode=755", CG_ATTRS, "/sys/fs/cgroup", &e) < 0) {
		lsl_warn(w, "%s; using cgroup v2", lsl_err_str(&e));
		return -EOPNOTSUPP;
	}
	if (lsl_mount_new("cgroup2", NULL, CG_ATTRS, "/sys/fs/cgroup/unified", &e) < 0)
		lsl_warn(w, "%s", lsl_err_str(&e));
	for (size_t i = 0; i < hs.n; i++) {
		char target[300];

		snprintf(target, sizeof(target), "/sys/fs/cgroup/%s", hs.h[i].controllers);
		if (lsl_mount_new("cgroup", hs.h[i].controllers, CG_ATTRS, target, &e) < 0)
			lsl_warn(w, "%s", lsl_err_str(&e));
	}
	return 0;
}

void lsl_mount_cgroups(int mode, struct lsl_warnings *w)
{
	struct lsl_err e = { 0 };

	if (mode == LSL_CGROUPS_V1 && mount_v1(w) == 0)
		return;
	if (lsl_mount_new("cgroup2", NULL, CG_ATTRS, "/sys/fs/cgroup", &e) < 0)
		lsl_warn(w, "%s", lsl_err_str(&e));
}
