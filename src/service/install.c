/* SPDX-License-Identifier: MIT */
/*
 * INSTALL: debootstrap --variant=minbase into LOCATION/rootfs, its output on
 * the caller's own stdout and stderr. It runs as pid 1 of a pid namespace
 * and in a mount namespace of its own: killing it ends every process it
 * started, and the mounts it makes inside the target never reach the host.
 */
#include "install.h"

#include <errno.h>
#include <linux/sched.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "client.h"
#include "install-target.h"
#include "provision.h"
#include "service.h"
#include "spawn.h"
#include "util.h"

static const char *const debootstrap_paths[] = {
	"/usr/sbin/debootstrap", "/usr/bin/debootstrap", "/usr/local/sbin/debootstrap", "/usr/local/bin/debootstrap",
	"/sbin/debootstrap",
};

static const char *find_debootstrap(void)
{
	for (size_t i = 0; i < ARRAY_SIZE(debootstrap_paths); i++)
		if (access(debootstrap_paths[i], X_OK) == 0)
			return debootstrap_paths[i];
	return NULL;
}

/* $LSL_CACHE_DIR/debootstrap (default /var/cache/lsl), created if missing. */
static char *cache_dir(struct lsl_err *e)
{
	const char *base = getenv("LSL_CACHE_DIR");
	_cleanup_free_ char *dir = NULL;
	int r;

	if (!base || base[0] != '/' || strlen(base) > 1024)
		base = "/var/cache/lsl";
	dir = strdup_printf("%s/debootstrap", base);
	if (!dir) {
		lsl_err_set(e, ENOMEM, "preparing the package cache");
		return NULL;
	}
	r = mkdir_p(dir, 0755);
	if (r < 0) {
		lsl_err_set(e, r, "creating the package cache %s", dir);
		return NULL;
	}
	return TAKE_PTR(dir);
}

static void debootstrap_exited(void *userdata, int status)
{
	struct lsl_provision *p = userdata;
	char msg[LSL_ERR_MAX];

	if (status == 0) {
		lsl_provision_finish(p, 0, NULL);
		return;
	}
	snprintf(msg, sizeof(msg), "installing %s failed: debootstrap ended with %s (its messages are above)", p->name,
		 lsl_wait_status_str(status));
	lsl_provision_finish(p, -EIO, msg);
}

static int start_debootstrap(struct lsl_provision *p, const char *suite, int out_fd, int err_fd, struct lsl_err *e)
{
	const char *exe = find_debootstrap();
	_cleanup_free_ char *cache = NULL, *cache_arg = NULL;
	char *envp[] = {
		(char *)"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
		(char *)"HOME=/root",
		(char *)"LC_ALL=C",
		(char *)"DEBIAN_FRONTEND=noninteractive",
		NULL,
	};

	if (!exe)
		return lsl_err_setf(e, ENOENT, "debootstrap is not installed on this host: install it to use --install");
	cache = cache_dir(e);
	if (!cache)
		return e->code;
	cache_arg = strdup_printf("--cache-dir=%s", cache);
	if (!cache_arg)
		return lsl_err_set(e, ENOMEM, "preparing debootstrap");
	char *argv[] = {
		(char *)"debootstrap", (char *)"--variant=minbase", cache_arg, (char *)suite, p->loc.rootfs,
		(char *)LSL_DEBIAN_MIRROR, NULL,
	};
	const int fds[] = { -1, out_fd, err_fd };
	const struct lsl_spawn_opts o = {
		.path = exe,
		.argv = argv,
		.envp = envp,
		.fds = fds,
		.nfds = ARRAY_SIZE(fds),
		.namespaces = CLONE_NEWNS | CLONE_NEWPID,
		.private_mounts = true,
	};
	return lsl_child_spawn(p->svc->loop, &o, debootstrap_exited, p, &p->worker, e);
}

void lsl_install_start(struct lsl_service *svc, struct lsl_client *c, struct lsl_received *m)
{
	const struct lsl_msg_install *msg = m->msg;
	const char *distribution = lsl_msg_str(msg, msg->distribution);
	const char *name = lsl_msg_str(msg, msg->name), *location = lsl_msg_str(msg, msg->location);
	uint64_t seq = lsl_received_header(m)->seq;
	struct lsl_provision *p = NULL;
	struct lsl_err e = { 0 };
	const char *suite;

	suite = lsl_install_suite(distribution, &e);
	if (!suite) {
		lsl_client_result(c, seq, e.code, lsl_err_str(&e));
		return;
	}
	if (isempty(name))
		name = distribution;
	if (isempty(location))
		location = NULL;
	if (lsl_provision_begin(svc, c, seq, name, location, &p, &e) < 0) {
		lsl_client_result(c, seq, e.code, lsl_err_str(&e));
		return;
	}
	log_info("installing %s (debian %s) into %s", p->name, suite, p->loc.rootfs);
	if (start_debootstrap(p, suite, m->fds[0], m->fds[1], &e) < 0)
		lsl_provision_finish(p, e.code, lsl_err_str(&e));
}
