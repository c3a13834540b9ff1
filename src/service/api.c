/* SPDX-License-Identifier: MIT */
/*
 * The requests of the command line (doc/internals.md, "Client requests"),
 * dispatched from client.c once the caller is known to be allowed.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "client.h"
#include "config.h"
#include "disk-job.h"
#include "disk-mount.h"
#include "export.h"
#include "image.h"
#include "import-in-place.h"
#include "manage.h"
#include "import.h"
#include "install.h"
#include "instance.h"
#include "location.h"
#include "mini-init.h"
#include "provision.h"
#include "service.h"
#include "spawn.h"
#include "util.h"

struct lsl_shutdown_waiter {
	TAILQ_ENTRY(lsl_shutdown_waiter) link;
	struct lsl_client *client;
	uint64_t seq;
};

static void result_err(struct lsl_client *c, uint64_t seq, const struct lsl_err *e)
{
	lsl_client_result(c, seq, e->code ? e->code : -EIO, lsl_err_str(e));
}

/* The registry, or NULL after answering c with why it cannot be read. */
static const struct lsl_registry *registry_or_fail(struct lsl_service *svc, struct lsl_client *c, uint64_t seq)
{
	struct lsl_err e = { 0 };
	const struct lsl_registry *reg = lsl_registry_get(&svc->store, &e);

	if (!reg)
		result_err(c, seq, &e);
	return reg;
}

/* The registered distribution called name, or NULL after answering c. */
static const struct lsl_distro *distro_or_fail(struct lsl_service *svc, struct lsl_client *c, uint64_t seq,
					       const char *name)
{
	const struct lsl_registry *reg = registry_or_fail(svc, c, seq);
	const struct lsl_distro *d;
	char msg[LSL_ERR_MAX];

	if (!reg)
		return NULL;
	if (isempty(name)) {
		lsl_client_result(c, seq, -EINVAL, "no distribution name given");
		return NULL;
	}
	d = lsl_registry_find(reg, name);
	if (d)
		return d;
	if (lsl_provision_find(svc, name))
		snprintf(msg, sizeof(msg), "the distribution %.100s is still being installed", name);
	else
		snprintf(msg, sizeof(msg), "there is no distribution named %.100s%s", name,
			 strlen(name) > 100 ? "..." : "");
	lsl_client_result(c, seq, -ENOENT, msg);
	return NULL;
}

/* ---- HELLO ---- */

static void hello(struct lsl_service *svc, struct lsl_client *c, uint64_t seq)
{
	_cleanup_msg_ struct lsl_msg_builder b = { 0 };
	struct lsl_msg_hello_reply *r;

	if (lsl_msg_init(&b, LSL_MSG_HELLO_REPLY, sizeof(*r)) == 0) {
		r = lsl_msg_body(&b);
		r->protocol_version = LSL_PROTOCOL_VERSION;
		r->pid = (int32_t)getpid();
		lsl_msg_put_str(&b, LSL_FIELD(lsl_msg_hello_reply, identity), svc->identity);
		lsl_msg_put_str(&b, LSL_FIELD(lsl_msg_hello_reply, version), LSL_VERSION);
		lsl_client_send_builder(c, &b, seq);
	}
	lsl_client_done(c);
}

/* ---- LIST ---- */

struct list_row {
	const char *name;
	const char *location;
	uint32_t state;
	uint32_t flags;
	const char *os_id, *os_version;
	uint32_t default_uid;
};

static int row_cmp(const void *a, const void *b)
{
	return strcasecmp(((const struct list_row *)a)->name, ((const struct list_row *)b)->name);
}

static void send_entry(struct lsl_client *c, uint64_t seq, const struct list_row *row)
{
	_cleanup_msg_ struct lsl_msg_builder b = { 0 };
	struct lsl_msg_list_entry *m;

	if (lsl_msg_init(&b, LSL_MSG_LIST_ENTRY, sizeof(*m)) < 0)
		return;
	m = lsl_msg_body(&b);
	m->state = row->state;
	m->flags = row->flags;
	lsl_msg_put_str(&b, LSL_FIELD(lsl_msg_list_entry, name), row->name);
	lsl_msg_put_str(&b, LSL_FIELD(lsl_msg_list_entry, location), row->location);
	lsl_msg_put_str(&b, LSL_FIELD(lsl_msg_list_entry, os_id), row->os_id);
	lsl_msg_put_str(&b, LSL_FIELD(lsl_msg_list_entry, os_version), row->os_version);
	m = lsl_msg_body(&b);
	m->default_uid = row->default_uid;
	lsl_client_send_builder(c, &b, seq);
}

static void list(struct lsl_service *svc, struct lsl_client *c, const struct lsl_received *m)
{
	const struct lsl_msg_list *req = m->msg;
	uint64_t seq = lsl_received_header(m)->seq;
	bool running_only = req->flags & LSL_LIST_RUNNING_ONLY;
	const struct lsl_registry *reg = registry_or_fail(svc, c, seq);
	_cleanup_free_ struct list_row *rows = NULL;
	struct lsl_provision *p;
	size_t n = 0, cap;

	if (!reg)
		return;
	cap = reg->n;
	TAILQ_FOREACH(p, &svc->provisions, link)
		cap++;
	rows = calloc(cap ? cap : 1, sizeof(*rows));
	if (!rows) {
		lsl_client_result(c, seq, -ENOMEM, "out of memory");
		return;
	}
	for (size_t i = 0; i < reg->n; i++) {
		const struct lsl_distro *d = &reg->distros[i];
		bool running = lsl_instance_find(svc, d->name) != NULL;
		if (running_only && !running)
			continue;
		rows[n++] = (struct list_row){
			.name = d->name,
			.location = d->location,
			.state = running ? LSL_STATE_RUNNING : LSL_STATE_STOPPED,
			.flags = (reg->default_name && streq(reg->default_name, d->name) ? LSL_ENTRY_DEFAULT : 0) |
				 (d->seen ? LSL_ENTRY_SEEN : 0) | (d->seen && d->systemd ? LSL_ENTRY_SYSTEMD : 0),
			.os_id = d->os_id,
			.os_version = d->os_version,
			.default_uid = d->seen ? d->user_uid : d->default_uid,
		};
	}
	if (!running_only)
		TAILQ_FOREACH(p, &svc->provisions, link)
			rows[n++] = (struct list_row){ .name = p->name, .location = p->loc.path, .state = LSL_STATE_INSTALLING };
	qsort(rows, n, sizeof(*rows), row_cmp);
	for (size_t i = 0; i < n; i++)
		send_entry(c, seq, &rows[i]);
	lsl_client_result(c, seq, 0, NULL);
}

/* ---- SET_DEFAULT ---- */

static void set_default(struct lsl_service *svc, struct lsl_client *c, const struct lsl_received *m)
{
	const struct lsl_msg_name *req = m->msg;
	uint64_t seq = lsl_received_header(m)->seq;
	const struct lsl_distro *d = distro_or_fail(svc, c, seq, lsl_msg_str(req, req->name));
	_cleanup_registry_ struct lsl_registry next = { 0 };
	struct lsl_err e = { 0 };
	int r;

	if (!d)
		return;
	if (svc->store.reg.default_name && streq(svc->store.reg.default_name, d->name)) {
		lsl_client_result(c, seq, 0, NULL);
		return;
	}
	r = lsl_registry_clone(&svc->store.reg, &next);
	if (r == 0)
		r = lsl_registry_set_default(&next, d->name);
	if (r < 0) {
		lsl_err_set(&e, r, "setting the default distribution");
		result_err(c, seq, &e);
		return;
	}
	if (lsl_registry_commit(&svc->store, &next, &e) < 0) {
		result_err(c, seq, &e);
		return;
	}
	lsl_client_result(c, seq, 0, NULL);
}

/* ---- TERMINATE ---- */

struct stop_request {
	struct lsl_client *client;
	uint64_t seq;
	char *name;     /* UNREGISTER: the registered name */
	char *location; /* UNREGISTER: what to remove once stopped */
	char *rootfs;
	char *image;   /* UNREGISTER of an image distribution: its image */
	bool in_place; /* ... registered where it was: the file stays */
	bool owned;
};

static void stop_request_free(struct stop_request *s)
{
	lsl_client_unref(s->client);
	free(s->name);
	free(s->location);
	free(s->rootfs);
	free(s->image);
	free(s);
}

static struct stop_request *stop_request_new(struct lsl_client *c, uint64_t seq)
{
	struct stop_request *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->client = lsl_client_ref(c);
	s->seq = seq;
	return s;
}

static void terminated(void *userdata, int status, const char *message)
{
	struct stop_request *s = userdata;

	lsl_client_result(s->client, s->seq, status, message);
	stop_request_free(s);
}

static void terminate(struct lsl_service *svc, struct lsl_client *c, const struct lsl_received *m)
{
	const struct lsl_msg_name *req = m->msg;
	uint64_t seq = lsl_received_header(m)->seq;
	const struct lsl_distro *d = distro_or_fail(svc, c, seq, lsl_msg_str(req, req->name));
	struct lsl_instance *inst;
	struct stop_request *s;

	if (!d)
		return;
	inst = lsl_instance_find(svc, d->name);
	if (!inst) {
		lsl_client_result(c, seq, 0, NULL); /* already stopped */
		return;
	}
	s = stop_request_new(c, seq);
	if (!s) {
		lsl_client_result(c, seq, -ENOMEM, "out of memory");
		return;
	}
	lsl_instance_stop(inst, terminated, s);
}

/* ---- UNREGISTER ---- */

struct removal {
	struct lsl_service *svc;
	struct stop_request *req;
};

static int remove_files(void *arg)
{
	struct stop_request *s = arg;
	if (s->image)
		return lsl_image_remove_files(s->location, s->image, s->in_place, s->owned);
	return lsl_location_remove(s->location, s->rootfs, s->owned);
}

static void removed(void *userdata, int wait_status)
{
	struct removal *rm = userdata;
	struct stop_request *s = rm->req;
	struct lsl_service *svc = rm->svc;

	if (wait_status != 0) {
		char msg[LSL_ERR_MAX];
		snprintf(msg, sizeof(msg), "%s is unregistered, but some of its files in %s could not be removed "
			 "(see the service log)", s->name, s->rootfs);
		lsl_client_warning(s->client, s->seq, msg);
	}
	lsl_client_result(s->client, s->seq, 0, NULL);
	stop_request_free(s);
	free(rm);
	svc->removals--;
	lsl_service_check_idle(svc);
}

static void unregister_stopped(void *userdata, int status, const char *message)
{
	struct stop_request *s = userdata;
	struct lsl_service *svc = s->client->svc;
	_cleanup_registry_ struct lsl_registry next = { 0 };
	const struct lsl_registry *reg;
	const struct lsl_distro *d;
	struct lsl_err e = { 0 };
	struct removal *rm;
	int r;

	if (status < 0) {
		lsl_client_result(s->client, s->seq, status, message);
		stop_request_free(s);
		return;
	}
	reg = lsl_registry_get(&svc->store, &e);
	d = reg ? lsl_registry_find(reg, s->name) : NULL;
	if (!reg || !d) {
		if (reg)
			lsl_err_setf(&e, ENOENT, "there is no distribution named %s", s->name);
		result_err(s->client, s->seq, &e);
		stop_request_free(s);
		return;
	}
	s->location = strdup(d->location);
	s->rootfs = strdup(d->rootfs);
	s->owned = d->owned;
	s->image = strdup_or_null(d->image);
	s->in_place = d->in_place;
	r = s->location && s->rootfs && (!d->image || s->image) ? lsl_registry_clone(reg, &next) : -ENOMEM;
	if (r == 0)
		r = lsl_registry_remove(&next, s->name);
	if (r < 0)
		lsl_err_set(&e, r, "unregistering %s", s->name);
	if (r < 0 || lsl_registry_commit(&svc->store, &next, &e) < 0) {
		result_err(s->client, s->seq, &e);
		stop_request_free(s);
		return;
	}
	log_info("unregistered %s: removing %s", s->name, s->rootfs);

	rm = calloc(1, sizeof(*rm));
	if (rm) {
		*rm = (struct removal){ .svc = svc, .req = s };
		if (lsl_child_fork(svc->loop, remove_files, s, removed, rm, NULL, &e) == 0) {
			svc->removals++;
			return;
		}
		log_warning("%s: removing %s here instead", lsl_err_str(&e), s->rootfs);
		free(rm);
	}
	r = remove_files(s);
	if (r < 0)
		lsl_client_warning(s->client, s->seq, "some files could not be removed (see the service log)");
	lsl_client_result(s->client, s->seq, 0, NULL);
	stop_request_free(s);
}

static void unregister(struct lsl_service *svc, struct lsl_client *c, const struct lsl_received *m)
{
	const struct lsl_msg_name *req = m->msg;
	uint64_t seq = lsl_received_header(m)->seq;
	const struct lsl_distro *d = distro_or_fail(svc, c, seq, lsl_msg_str(req, req->name));
	struct lsl_instance *inst;
	struct stop_request *s;
	char busy[LSL_ERR_MAX];

	if (!d)
		return;
	if (lsl_disk_job_conflict(svc, d->name, true, busy, sizeof(busy))) {
		lsl_client_result(c, seq, -EBUSY, busy);
		return;
	}
	s = stop_request_new(c, seq);
	if (!s || !(s->name = strdup(d->name))) {
		if (s)
			stop_request_free(s);
		lsl_client_result(c, seq, -ENOMEM, "out of memory");
		return;
	}
	inst = lsl_instance_find(svc, d->name);
	if (inst)
		lsl_instance_stop(inst, unregister_stopped, s);
	else
		unregister_stopped(s, 0, NULL);
}

/* ---- RUN ---- */

void lsl_api_run(struct lsl_service *svc, struct lsl_client *c, struct lsl_received *m)
{
	const struct lsl_msg_run *req = m->msg;
	uint64_t seq = lsl_received_header(m)->seq;
	const char *name = lsl_msg_str(req, req->distribution);
	const struct lsl_registry *reg;
	const struct lsl_distro *d;
	char busy[LSL_ERR_MAX];

	if (svc->shutting_down) {
		lsl_client_result(c, seq, -ESHUTDOWN, "lslservice is shutting down");
		return;
	}
	/*
	 * The channel layer saw to RUN's four fds; the outcome is sent on the
	 * last: anything but a SOCK_SEQPACKET socket would get messages written into it.
	 */
	if (lsl_channel_check(m->fds[3]) < 0) {
		lsl_client_result(c, seq, -EINVAL, "the control fd of RUN is not a SOCK_SEQPACKET socket");
		return;
	}
	if (name) {
		d = distro_or_fail(svc, c, seq, name);
		if (!d)
			return;
	} else {
		reg = registry_or_fail(svc, c, seq);
		if (!reg)
			return;
		if (reg->n == 0) {
			lsl_client_result(c, seq, -ENOENT,
					  "no distributions are installed: install one with 'lsl --install debian'");
			return;
		}
		d = lsl_registry_find(reg, reg->default_name);
		if (!d) {
			lsl_client_result(c, seq, -ENOENT,
					  "there is no default distribution: choose one with 'lsl --set-default NAME' "
					  "or name it with -d NAME");
			return;
		}
	}
	/* Its image is in use by an export, a resize or a move: it cannot start now. */
	if (!lsl_instance_find(svc, d->name) && lsl_disk_job_conflict(svc, d->name, false, busy, sizeof(busy))) {
		lsl_client_result(c, seq, -EBUSY, busy);
		return;
	}
	lsl_instance_run(svc, d, c, m);
}

/* ---- SHUTDOWN ---- */

void lsl_service_check_idle(struct lsl_service *svc)
{
	struct lsl_shutdown_waiter *w;

	if (!svc->shutting_down || !TAILQ_EMPTY(&svc->instances) || !TAILQ_EMPTY(&svc->provisions) ||
	    svc->removals > 0 || !LIST_EMPTY(&svc->disk_jobs))
		return;
	while ((w = TAILQ_FIRST(&svc->shutdown_waiters))) {
		TAILQ_REMOVE(&svc->shutdown_waiters, w, link);
		/* Stopped all the same: the service goes, and the caller learns what it left behind. */
		if (svc->shutdown_failure)
			lsl_client_result(w->client, w->seq, -ETIMEDOUT, svc->shutdown_failure);
		else
			lsl_client_result(w->client, w->seq, 0, NULL);
		lsl_client_unref(w->client);
		free(w);
	}
	lsl_loop_quit(svc->loop);
}

void lsl_service_shutdown(struct lsl_service *svc, struct lsl_client *c, uint64_t seq)
{
	if (c) {
		struct lsl_shutdown_waiter *w = calloc(1, sizeof(*w));
		if (!w) {
			lsl_client_result(c, seq, -ENOMEM, "out of memory");
			return;
		}
		w->client = lsl_client_ref(c);
		w->seq = seq;
		TAILQ_INSERT_TAIL(&svc->shutdown_waiters, w, link);
	}
	if (!svc->shutting_down) {
		log_info("shutting down");
		svc->shutting_down = true;
		lsl_provision_cancel_all(svc);
		lsl_disk_jobs_cancel_all(svc);
		lsl_instance_stop_all(svc);
	}
	lsl_service_check_idle(svc);
}

/* ---- dispatch ---- */

void lsl_api_dispatch(struct lsl_service *svc, struct lsl_client *c, struct lsl_received *m)
{
	const struct lsl_msg_header *h = lsl_received_header(m);

	if (h->type == LSL_MSG_HELLO) {
		hello(svc, c, h->seq);
		return;
	}
	if (h->type == LSL_MSG_SHUTDOWN) {
		lsl_service_shutdown(svc, c, h->seq);
		return;
	}
	if (svc->shutting_down) {
		lsl_client_result(c, h->seq, -ESHUTDOWN, "lslservice is shutting down");
		return;
	}
	switch (h->type) {
	case LSL_MSG_LIST:
		list(svc, c, m);
		break;
	case LSL_MSG_RUN:
		lsl_api_run(svc, c, m);
		break;
	case LSL_MSG_IMPORT:
		lsl_import_start(svc, c, m);
		break;
	case LSL_MSG_INSTALL:
		lsl_install_start(svc, c, m);
		break;
	case LSL_MSG_SET_DEFAULT:
		set_default(svc, c, m);
		break;
	case LSL_MSG_TERMINATE:
		terminate(svc, c, m);
		break;
	case LSL_MSG_UNREGISTER:
		unregister(svc, c, m);
		break;
	case LSL_MSG_IMPORT_IN_PLACE:
		lsl_import_in_place(svc, c, m);
		break;
	case LSL_MSG_EXPORT:
		lsl_export_start(svc, c, m);
		break;
	case LSL_MSG_MANAGE:
		lsl_manage_start(svc, c, m);
		break;
	case LSL_MSG_MOUNT_DISK:
		lsl_disk_mount_start(svc, c, m);
		break;
	case LSL_MSG_UNMOUNT_DISK:
		lsl_disk_unmount_start(svc, c, m);
		break;
	case LSL_MSG_LIST_MOUNTS:
		lsl_disk_list_mounts(svc, c, m);
		break;
	default:
		lsl_client_result(c, h->seq, -EBADMSG, "not a request lslservice takes");
	}
}
