/* SPDX-License-Identifier: MIT */
#include "disk-mount.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "client.h"
#include "disk-image.h"
#include "image.h"
#include "location.h"
#include "loop-dev.h"
#include "mini-init.h"
#include "mount-options.h"
#include "service.h"
#include "util.h"

struct lsl_disk_mount {
	LIST_ENTRY(lsl_disk_mount) link;
	char *disk, *name, *type, *options, *device;
	uint32_t flags, partition;
	bool block;   /* a block device: dev is its st_rdev */
	dev_t dev;    /* the image file's st_dev, or the device's st_rdev */
	ino_t ino;
};

static void mount_free(struct lsl_disk_mount *dm)
{
	free(dm->disk);
	free(dm->name);
	free(dm->type);
	free(dm->options);
	free(dm->device);
	free(dm);
}

static void send_entry(struct lsl_client *c, uint64_t seq, const struct lsl_disk_mount *dm)
{
	_cleanup_msg_ struct lsl_msg_builder b = { 0 };
	struct lsl_msg_mount_entry *m;

	if (lsl_msg_init(&b, LSL_MSG_MOUNT_ENTRY, sizeof(*m)) < 0)
		return;
	m = lsl_msg_body(&b);
	m->flags = dm->flags;
	m->partition = dm->partition;
	lsl_msg_put_str(&b, LSL_FIELD(lsl_msg_mount_entry, disk), dm->disk);
	lsl_msg_put_str(&b, LSL_FIELD(lsl_msg_mount_entry, name), dm->name);
	lsl_msg_put_str(&b, LSL_FIELD(lsl_msg_mount_entry, type), dm->type);
	lsl_msg_put_str(&b, LSL_FIELD(lsl_msg_mount_entry, options), dm->options);
	lsl_msg_put_str(&b, LSL_FIELD(lsl_msg_mount_entry, device), dm->device);
	lsl_client_send_builder(c, &b, seq);
}

static struct lsl_disk_mount *find_mount(struct lsl_service *svc, const char *disk_or_name)
{
	struct lsl_disk_mount *dm;

	LIST_FOREACH(dm, &svc->disk_mounts, link)
		if (streq(dm->name, disk_or_name) || streq(dm->disk, disk_or_name))
			return dm;
	return NULL;
}

const char *lsl_disk_mount_using(struct lsl_service *svc, dev_t dev, ino_t ino)
{
	struct lsl_disk_mount *dm;

	LIST_FOREACH(dm, &svc->disk_mounts, link)
		if (!dm->block && dm->dev == dev && dm->ino == ino)
			return dm->name;
	return NULL;
}

void lsl_disk_mounts_lost(struct lsl_service *svc)
{
	struct lsl_disk_mount *dm;

	while ((dm = LIST_FIRST(&svc->disk_mounts))) {
		LIST_REMOVE(dm, link);
		log_info("%s is no longer mounted (mini_init is gone)", dm->disk);
		mount_free(dm);
	}
}

void lsl_disk_list_mounts(struct lsl_service *svc, struct lsl_client *c, const struct lsl_received *m)
{
	uint64_t seq = lsl_received_header(m)->seq;
	struct lsl_disk_mount *dm;

	LIST_FOREACH(dm, &svc->disk_mounts, link)
		send_entry(c, seq, dm);
	lsl_client_result(c, seq, 0, NULL);
}

/* ---- MOUNT_DISK ---- */

struct mount_request {
	struct lsl_service *svc;
	struct lsl_client *client;
	uint64_t seq;
	struct lsl_disk_mount *dm; /* filled but not listed until mini_init succeeded */
};

static void mounted(void *userdata, const struct lsl_received *reply)
{
	struct mount_request *mr = userdata;
	const struct lsl_msg_mount_result *res = reply ? reply->msg : NULL;

	if (!reply) {
		lsl_client_result(mr->client, mr->seq, -ECONNRESET, "mini_init went away before mounting the disk");
	} else if (lsl_received_header(reply)->type != LSL_MSG_MOUNT_RESULT) {
		/* A RESULT: mini_init refused the message itself. */
		const struct lsl_msg_result *r = reply->msg;
		bool result = lsl_received_header(reply)->type == LSL_MSG_RESULT;
		lsl_client_result(mr->client, mr->seq, result && r->status < 0 ? r->status : -EPROTO,
				  result ? lsl_msg_str(r, r->message) : "mini_init answered something else");
	} else if (res->status != 0) {
		const char *why = lsl_msg_str(res, res->message);
		lsl_client_result(mr->client, mr->seq, res->status < 0 ? res->status : -EIO,
				  why ? why : strerror(res->status < 0 ? -res->status : EIO));
	} else {
		mr->dm->device = strdup_or_null(lsl_msg_str(res, res->device));
		LIST_INSERT_HEAD(&mr->svc->disk_mounts, mr->dm, link);
		log_info("%s is %s as %s (%s)", mr->dm->disk, (mr->dm->flags & LSL_MOUNT_BARE) ? "attached" : "mounted",
			 mr->dm->name, mr->dm->device ? mr->dm->device : "?");
		send_entry(mr->client, mr->seq, mr->dm);
		lsl_client_result(mr->client, mr->seq, 0, NULL);
		mr->dm = NULL;
	}
	if (mr->dm)
		mount_free(mr->dm);
	lsl_client_unref(mr->client);
	free(mr);
}

static int check_mount(struct lsl_service *svc, const struct lsl_msg_mount *m, int fd, struct lsl_disk_mount *dm,
		       struct lsl_err *e)
{
	_cleanup_(lsl_mount_options_free) struct lsl_mount_options o = { 0 };
	const char *disk = lsl_msg_str(m, m->disk), *name = lsl_msg_str(m, m->name);
	const char *type = lsl_msg_str(m, m->type), *options = lsl_msg_str(m, m->options);
	struct lsl_disk_mount *other;
	char def[LSL_MOUNT_NAME_MAX + 1];
	struct stat st;
	int r;

	if (isempty(disk))
		return lsl_err_setf(e, EINVAL, "no disk given");
	r = lsl_location_normalize(disk, &dm->disk);
	if (r == -ENOMEM)
		return lsl_err_set(e, ENOMEM, "mounting %s", disk);
	if (r < 0)
		return lsl_err_setf(e, EINVAL, "the disk must be named by an absolute path");
	if (m->flags & ~(uint32_t)(LSL_MOUNT_BARE | LSL_MOUNT_PARTITION | LSL_MOUNT_READ_ONLY))
		return lsl_err_setf(e, EINVAL, "unknown mount flags");
	if ((m->flags & LSL_MOUNT_PARTITION) && (m->partition == 0 || m->partition > 4096))
		return lsl_err_setf(e, EINVAL, "invalid partition number %u", m->partition);
	if (fstat(fd, &st) < 0)
		return lsl_err_set(e, errno, "%s", dm->disk);
	if (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode))
		return lsl_err_setf(e, EINVAL, "%s is neither a block device nor a disk image file", dm->disk);
	dm->block = S_ISBLK(st.st_mode);
	dm->dev = dm->block ? st.st_rdev : st.st_dev;
	dm->ino = dm->block ? 0 : st.st_ino;
	dm->flags = m->flags;
	dm->partition = (m->flags & LSL_MOUNT_PARTITION) ? m->partition : 0;

	if (name) {
		if (!lsl_mount_name_valid(name))
			return lsl_err_setf(e, EINVAL,
					    "invalid mount name '%s': use 1 to 64 letters, digits, '.', '_', '+' or '-', "
					    "not starting with '.' or '-'", name);
	} else if (lsl_mount_name_default(dm->disk, dm->partition, def, sizeof(def)) < 0) {
		return lsl_err_setf(e, EINVAL, "no mount name can be made from %s: give one with --name", dm->disk);
	}
	dm->name = strdup(name ? name : def);
	dm->type = strdup_or_null(type);
	dm->options = strdup_or_null(options);
	if (!dm->name || (type && !dm->type) || (options && !dm->options))
		return lsl_err_set(e, ENOMEM, "mounting %s", dm->disk);
	if (options) {
		r = lsl_mount_options_parse(options, &o, e);
		if (r < 0)
			return r;
		if (o.bind || o.propagation || (o.flags & MS_REMOUNT))
			return lsl_err_setf(e, EINVAL, "bind, remount and propagation options cannot be used for a disk");
	}

	/* The same disk twice would be two filesystems on one: only distinct partitions of it. */
	LIST_FOREACH(other, &svc->disk_mounts, link)
		if (other->block == dm->block && other->dev == dm->dev && other->ino == dm->ino &&
		    (other->partition == dm->partition || !other->partition || !dm->partition))
			return lsl_err_setf(e, EBUSY, "%s is already mounted (as %s)", dm->disk, other->name);
	LIST_FOREACH(other, &svc->disk_mounts, link)
		if (streq(other->name, dm->name))
			return lsl_err_setf(e, EEXIST, "a disk is already mounted as %s: choose another name with --name",
					    dm->name);
	/* A block device in use was refused by lsl's exclusive open; an image file in use is found here. */
	if (!dm->block && !lsl_disk_mount_using(svc, dm->dev, dm->ino)) {
		r = lsl_image_check_unused(svc, fd, dm->disk, NULL, e);
		if (r < 0)
			return r;
	}
	return 0;
}

void lsl_disk_mount_start(struct lsl_service *svc, struct lsl_client *c, struct lsl_received *m)
{
	const struct lsl_msg_mount *req = m->msg;
	uint64_t seq = lsl_received_header(m)->seq;
	_cleanup_close_ int fd = TAKE_FD(m->fds[0]);
	_cleanup_msg_ struct lsl_msg_builder b = { 0 };
	struct lsl_msg_mount *out;
	struct mount_request *mr;
	struct lsl_err e = { 0 };
	int r;

	mr = calloc(1, sizeof(*mr));
	if (!mr || !(mr->dm = calloc(1, sizeof(*mr->dm)))) {
		free(mr);
		lsl_client_result(c, seq, -ENOMEM, "out of memory");
		return;
	}
	r = check_mount(svc, req, fd, mr->dm, &e);
	if (r == 0)
		r = lsl_msg_init(&b, LSL_MSG_MOUNT, sizeof(*out));
	if (r == 0) {
		out = lsl_msg_body(&b);
		out->flags = mr->dm->flags;
		out->partition = mr->dm->partition;
		lsl_msg_put_str(&b, LSL_FIELD(lsl_msg_mount, disk), mr->dm->disk);
		lsl_msg_put_str(&b, LSL_FIELD(lsl_msg_mount, type), mr->dm->type);
		lsl_msg_put_str(&b, LSL_FIELD(lsl_msg_mount, options), mr->dm->options);
		lsl_msg_put_str(&b, LSL_FIELD(lsl_msg_mount, name), mr->dm->name);
		mr->svc = svc;
		mr->client = lsl_client_ref(c);
		mr->seq = seq;
		r = lsl_mini_init_request(svc, &b, &fd, 1, mounted, mr, &e);
		if (r == 0)
			return;
		lsl_client_unref(mr->client);
	}
	if (!e.code)
		lsl_err_set(&e, r, "mounting");
	lsl_client_result(c, seq, e.code, lsl_err_str(&e));
	mount_free(mr->dm);
	free(mr);
}

/* ---- UNMOUNT_DISK ---- */

struct unmount_request {
	struct lsl_service *svc;
	struct lsl_client *client;
	uint64_t seq;
	char **names; /* left to unmount */
	size_t next;
	int status;   /* the first failure */
	char *message;
};

static void unmount_next(struct unmount_request *ur);

static void unmount_done(struct unmount_request *ur)
{
	lsl_client_result(ur->client, ur->seq, ur->status, ur->message);
	lsl_client_unref(ur->client);
	strv_free(ur->names);
	free(ur->message);
	free(ur);
}

static void unmount_failed(struct unmount_request *ur, int status, const char *message)
{
	if (ur->status)
		return;
	ur->status = status < 0 ? status : -EIO;
	ur->message = strdup_or_null(message);
}

static void unmounted(void *userdata, const struct lsl_received *reply)
{
	struct unmount_request *ur = userdata;
	const char *name = ur->names[ur->next - 1];
	const struct lsl_msg_result *res = reply ? reply->msg : NULL;
	struct lsl_disk_mount *dm;

	if (!reply) {
		/* mini_init's end took every disk with it: nothing is mounted any more. */
		unmount_done(ur);
		return;
	}
	if (lsl_received_header(reply)->type != LSL_MSG_RESULT) {
		unmount_failed(ur, -EPROTO, "mini_init answered something else");
	} else if (res->status != 0 && res->status != -ENOENT) {
		unmount_failed(ur, res->status, lsl_msg_str(res, res->message));
	} else {
		LIST_FOREACH(dm, &ur->svc->disk_mounts, link)
			if (streq(dm->name, name)) {
				log_info("unmounted %s (%s)", dm->disk, dm->name);
				LIST_REMOVE(dm, link);
				mount_free(dm);
				break;
			}
	}
	unmount_next(ur);
}

static void unmount_next(struct unmount_request *ur)
{
	_cleanup_msg_ struct lsl_msg_builder b = { 0 };
	struct lsl_err e = { 0 };
	const char *name = ur->names ? ur->names[ur->next] : NULL;
	int r;

	if (!name || ur->svc->shutting_down) {
		unmount_done(ur);
		return;
	}
	ur->next++;
	r = lsl_msg_init(&b, LSL_MSG_UNMOUNT, sizeof(struct lsl_msg_name));
	if (r == 0) {
		lsl_msg_put_str(&b, LSL_FIELD(lsl_msg_name, name), name);
		r = lsl_mini_init_request(ur->svc, &b, NULL, 0, unmounted, ur, &e);
		if (r == 0)
			return;
	} else {
		lsl_err_set(&e, r, "unmounting %s", name);
	}
	unmount_failed(ur, e.code, lsl_err_str(&e));
	unmount_done(ur);
}

void lsl_disk_unmount_start(struct lsl_service *svc, struct lsl_client *c, const struct lsl_received *m)
{
	const struct lsl_msg_name *req = m->msg;
	const char *which = lsl_msg_str(req, req->name);
	uint64_t seq = lsl_received_header(m)->seq;
	_cleanup_free_ char *normalized = NULL;
	struct unmount_request *ur;
	struct lsl_disk_mount *dm;
	char msg[LSL_ERR_MAX];

	ur = calloc(1, sizeof(*ur));
	if (!ur) {
		lsl_client_result(c, seq, -ENOMEM, "out of memory");
		return;
	}
	*ur = (struct unmount_request){ .svc = svc, .client = lsl_client_ref(c), .seq = seq };
	if (which) {
		dm = find_mount(svc, which);
		if (!dm && which[0] == '/' && lsl_location_normalize(which, &normalized) == 0)
			dm = find_mount(svc, normalized);
		if (!dm) {
			snprintf(msg, sizeof(msg), "%.200s is not mounted", which);
			unmount_failed(ur, -ENOENT, msg);
		} else if (strv_extend(&ur->names, dm->name) < 0) {
			unmount_failed(ur, -ENOMEM, "out of memory");
		}
	} else {
		LIST_FOREACH(dm, &svc->disk_mounts, link)
			if (strv_extend(&ur->names, dm->name) < 0) {
				unmount_failed(ur, -ENOMEM, "out of memory");
				break;
			}
	}
	if (ur->status) {
		unmount_done(ur);
		return;
	}
	unmount_next(ur);
}
