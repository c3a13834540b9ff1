/* SPDX-License-Identifier: MIT */
/*
 * IMPORT_IN_PLACE{name, image} with the image's fd (opened read-write by
 * lsl as the caller): register an existing ext4 image where it is. Its
 * directory is the distribution's location; unregister leaves the file.
 */
#include "import-in-place.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "client.h"
#include "disk-image.h"
#include "image.h"
#include "location.h"
#include "provision.h"
#include "registry.h"
#include "service.h"
#include "util.h"

static int check(struct lsl_service *svc, const char *name, const char *image, int fd, char **path,
		 struct lsl_err *e)
{
	struct stat st, named;
	int r = lsl_provision_name_free(svc, name, e);

	if (r < 0)
		return r;
	r = lsl_location_normalize(image, path);
	if (r == -ENOMEM)
		return lsl_err_set(e, r, "registering %s", name);
	if (r < 0 || streq(*path, "/"))
		return lsl_err_setf(e, EINVAL,
				    "invalid image path: it must be an absolute path without '..', tabs or newlines");
	/* The path must name the very file the caller opened: that is what gets registered. */
	if (fstat(fd, &st) < 0 || stat(*path, &named) < 0)
		return lsl_err_set(e, errno, "%s", *path);
	if (st.st_dev != named.st_dev || st.st_ino != named.st_ino)
		return lsl_err_setf(e, EINVAL, "%s changed while it was being registered", *path);
	r = lsl_image_check_unused(svc, fd, *path, NULL, e);
	if (r < 0)
		return r;
	return lsl_ext4_check(fd, *path, e);
}

void lsl_import_in_place(struct lsl_service *svc, struct lsl_client *c, struct lsl_received *m)
{
	const struct lsl_msg_import_in_place *req = m->msg;
	const char *name = lsl_msg_str(req, req->name), *image = lsl_msg_str(req, req->image);
	uint64_t seq = lsl_received_header(m)->seq;
	_cleanup_close_ int fd = TAKE_FD(m->fds[0]);
	_cleanup_registry_ struct lsl_registry next = { 0 };
	_cleanup_free_ char *path = NULL, *dir = NULL;
	struct lsl_err e = { 0 };
	int r;

	r = check(svc, name, image ? image : "", fd, &path, &e);
	if (r == 0) {
		dir = strdup(path);
		if (!dir)
			r = lsl_err_set(&e, ENOMEM, "registering %s", name);
	}
	if (r == 0) {
		struct lsl_distro d = {
			.name = (char *)name,
			.location = dir,
			.rootfs = path,
			.image = path,
			.in_place = true,
			.first_run = true,
		};
		char *slash = strrchr(dir, '/');
		if (slash == dir)
			slash[1] = 0;
		else
			*slash = 0;
		r = lsl_registry_clone(&svc->store.reg, &next);
		if (r == 0)
			r = lsl_registry_add(&next, &d);
		if (r < 0)
			lsl_err_set(&e, r, "registering %s", name);
		else
			r = lsl_registry_commit(&svc->store, &next, &e);
	}
	if (r < 0) {
		lsl_client_result(c, seq, e.code ? e.code : r, lsl_err_str(&e));
		return;
	}
	log_info("registered %s in place (%s)", name, path);
	lsl_client_result(c, seq, 0, NULL);
}
