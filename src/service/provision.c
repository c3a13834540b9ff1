/* SPDX-License-Identifier: MIT */
#include "provision.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "client.h"
#include "image.h"
#include "paths.h"
#include "registry.h"
#include "service.h"
#include "spawn.h"
#include "util.h"

struct lsl_provision *lsl_provision_find(struct lsl_service *svc, const char *name)
{
	struct lsl_provision *p;

	TAILQ_FOREACH(p, &svc->provisions, link)
		if (strcasecmp(p->name, name) == 0)
			return p;
	return NULL;
}

/* Another provision uses this location, one inside it, or one it is inside. */
static bool location_taken(struct lsl_service *svc, const char *path)
{
	struct lsl_provision *p;

	TAILQ_FOREACH(p, &svc->provisions, link) {
		const char *a = p->loc.path, *b = path;
		size_t na = strlen(a), nb = strlen(b);
		if (na > nb) {
			const char *t = a;
			a = b;
			b = t;
			na = nb;
		}
		if (strncmp(a, b, na) == 0 && (b[na] == '/' || b[na] == 0))
			return true;
	}
	return false;
}

static void provision_free(struct lsl_provision *p)
{
	struct lsl_service *svc = p->svc;

	TAILQ_REMOVE(&svc->provisions, p, link);
	if (p->release)
		p->release(p);
	if (!p->client->closed)
		lsl_client_on_hangup(p->client, NULL, NULL);
	lsl_client_unref(p->client);
	lsl_location_release(&p->loc);
	free(p->name);
	free(p->message);
	free(p);
	lsl_service_check_idle(svc);
}

static void cancel(struct lsl_provision *p, int status, const char *message)
{
	if (p->cancelled)
		return;
	p->cancelled = true;
	if (!p->message) {
		p->status = status;
		p->message = strdup(message);
	}
	/* Its exit brings the clean-up; a clean-up already running just finishes. */
	if (p->worker)
		lsl_child_kill(p->worker);
}

static void on_hangup(void *userdata)
{
	struct lsl_provision *p = userdata;

	log_info("the caller making %s went away: stopping", p->name);
	cancel(p, -ECANCELED, "the caller went away");
}

void lsl_provision_cancel_all(struct lsl_service *svc)
{
	struct lsl_provision *p;

	TAILQ_FOREACH(p, &svc->provisions, link)
		cancel(p, -ESHUTDOWN, "lslservice is shutting down");
}

int lsl_provision_name_free(struct lsl_service *svc, const char *name, struct lsl_err *e)
{
	const struct lsl_registry *reg = lsl_registry_get(&svc->store, e);
	const struct lsl_distro *d;

	if (!reg)
		return e->code;
	if (!distro_name_valid(name))
		return lsl_err_setf(e, EINVAL,
				    "invalid distribution name '%s': use 1 to 64 letters, digits, '.', '_' or '-', "
				    "not starting with '.' or '-'",
				    name ? name : "");
	d = lsl_registry_find(reg, name);
	if (d || lsl_provision_find(svc, name))
		return lsl_err_setf(e, EEXIST, "a distribution named %s already exists", d ? d->name : name);
	return 0;
}

int lsl_provision_begin(struct lsl_service *svc, struct lsl_client *c, uint64_t seq, const char *name,
			const char *location, struct lsl_provision **out, struct lsl_err *e)
{
	return lsl_provision_begin_image(svc, c, seq, name, location, NULL, out, e);
}

int lsl_provision_begin_image(struct lsl_service *svc, struct lsl_client *c, uint64_t seq, const char *name,
			      const char *location, const char *image_file, struct lsl_provision **out,
			      struct lsl_err *e)
{
	_cleanup_free_ char *normalized = NULL, *def = NULL;
	struct lsl_provision *p;
	int r;

	r = lsl_provision_name_free(svc, name, e);
	if (r < 0)
		return r;

	if (!location) {
		def = strdup_printf("%s/distributions/%s", lsl_state_dir(), name);
		if (!def)
			return lsl_err_set(e, ENOMEM, "preparing");
		location = def;
	}
	r = lsl_location_normalize(location, &normalized);
	if (r == -ENOMEM)
		return lsl_err_set(e, r, "preparing");
	if (r < 0)
		return lsl_err_setf(e, EINVAL,
				    "invalid location: it must be an absolute path without '..', tabs or newlines");
	if (location_taken(svc, normalized))
		return lsl_err_setf(e, EBUSY, "another distribution is being made in %s", normalized);

	p = calloc(1, sizeof(*p));
	if (!p)
		return lsl_err_set(e, ENOMEM, "preparing");
	p->name = strdup(name);
	if (!p->name) {
		free(p);
		return lsl_err_set(e, ENOMEM, "preparing");
	}
	r = image_file ? lsl_location_prepare_image(normalized, image_file, &p->loc, e)
		       : lsl_location_prepare(normalized, &p->loc, e);
	if (r < 0) {
		free(p->name);
		free(p);
		return r;
	}
	p->svc = svc;
	p->client = lsl_client_ref(c);
	p->seq = seq;
	TAILQ_INSERT_TAIL(&svc->provisions, p, link);
	lsl_client_on_hangup(c, on_hangup, p);
	*out = p;
	return 0;
}

static void reply(struct lsl_provision *p, int status, const char *message)
{
	if (!p->client->closed)
		lsl_client_result(p->client, p->seq, status, message);
}

static void cleaned(void *userdata, int wait_status)
{
	struct lsl_provision *p = userdata;

	p->cleaner = NULL;
	if (wait_status != 0)
		log_warning("could not remove everything in %s (see the messages above)", p->loc.rootfs);
	reply(p, p->status, p->message);
	provision_free(p);
}

static int undo(void *arg) { return lsl_location_undo(arg); }

static void fail(struct lsl_provision *p, int status, const char *message)
{
	struct lsl_err e = { 0 };

	if (!p->message || !p->cancelled) {
		free(p->message);
		p->status = status < 0 ? status : -EIO;
		p->message = strdup(message ? message : strerror(-p->status));
	}
	log_info("making %s failed: %s", p->name, p->message ? p->message : "");
	if (lsl_child_fork(p->svc->loop, undo, &p->loc, cleaned, p, &p->cleaner, &e) < 0) {
		log_warning("%s: removing %s here instead", lsl_err_str(&e), p->loc.rootfs);
		(void)lsl_location_undo(&p->loc);
		cleaned(p, 0);
	}
}

static int register_it(struct lsl_provision *p, struct lsl_err *e)
{
	_cleanup_registry_ struct lsl_registry next = { 0 };
	const struct lsl_registry *reg = lsl_registry_get(&p->svc->store, e);
	struct lsl_distro d = {
		.name = p->name,
		.location = p->loc.path,
		.rootfs = p->loc.rootfs,
		.image = p->loc.image,
		.default_uid = p->default_uid,
		.owned = p->loc.created_top != NULL,
		.first_run = true, /* wsl-distribution.conf's [oobe] runs at the first interactive launch */
	};
	int r;

	if (!reg)
		return e->code;
	if (lsl_registry_find(reg, p->name))
		return lsl_err_setf(e, EEXIST, "a distribution named %s already exists", p->name);
	r = lsl_registry_clone(reg, &next);
	if (r == 0)
		r = lsl_registry_add(&next, &d);
	if (r < 0)
		return lsl_err_set(e, r, "registering %s", p->name);
	return lsl_registry_commit(&p->svc->store, &next, e);
}

void lsl_provision_finish(struct lsl_provision *p, int status, const char *message)
{
	struct lsl_err e = { 0 };
	char why[LSL_ERR_MAX];

	p->worker = NULL;
	/*
	 * An image's mount (rootfs_fd) goes before it is registered or removed:
	 * nothing may hold it then. Written back first: a write the image's
	 * own filesystem could not make (its file's filesystem is full) fails
	 * the import here instead of vanishing with the unmount.
	 */
	if (p->loc.image && p->loc.rootfs_fd >= 0) {
		if (status == 0 && !p->cancelled && syncfs(p->loc.rootfs_fd) < 0) {
			status = -errno;
			snprintf(why, sizeof(why), "writing %s: %s", p->loc.image,
				 lsl_image_write_error(p->loc.image_fd, -status));
			message = why;
		}
		close(TAKE_FD(p->loc.rootfs_fd));
	}
	if (p->loc.image && p->loc.image_fd >= 0 && status == 0 && !p->cancelled && fsync(p->loc.image_fd) < 0) {
		status = -errno;
		snprintf(why, sizeof(why), "writing %s: %s", p->loc.image, lsl_image_write_error(p->loc.image_fd, -status));
		message = why;
	}
	if (p->cancelled) {
		fail(p, p->status, p->message);
		return;
	}
	if (status != 0) {
		fail(p, status, message);
		return;
	}
	if (register_it(p, &e) < 0) {
		fail(p, e.code, lsl_err_str(&e));
		return;
	}
	log_info("registered %s (%s)", p->name, p->loc.rootfs);
	reply(p, 0, NULL);
	provision_free(p);
}
