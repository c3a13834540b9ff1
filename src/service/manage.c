/* SPDX-License-Identifier: MIT */
#include "manage.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "client.h"
#include "disk-image.h"
#include "disk-job.h"
#include "image.h"
#include "instance.h"
#include "location.h"
#include "paths.h"
#include "provision.h"
#include "registry-store.h"
#include "root-file.h"
#include "service.h"
#include "spawn.h"
#include "util.h"

#define PASSWD_MAX (16 << 20)

/* d is not running, and no job works on it. Returns 0 or -EBUSY with e set. */
static int check_stopped(struct lsl_service *svc, const struct lsl_distro *d, struct lsl_err *e)
{
	char busy[LSL_ERR_MAX];

	if (lsl_instance_find(svc, d->name))
		return lsl_err_setf(e, EBUSY, "%s is running: stop it first with 'lsl --terminate %s'", d->name, d->name);
	if (lsl_disk_job_conflict(svc, d->name, true, busy, sizeof(busy)))
		return lsl_err_setf(e, EBUSY, "%s", busy);
	return 0;
}

/* ---- --resize ---- */

struct resize {
	int image;
	off_t old_size, new_size;
	bool grown; /* the file was extended before resize2fs */
	char size_arg[32];
};

static void resize_release(struct lsl_disk_job *j)
{
	struct resize *rs = j->priv;

	if (rs->image >= 0)
		close(rs->image);
	free(rs);
	j->priv = NULL;
}

/* A failed grow: the filesystem was not grown, the file goes back to its size. */
static int resize_undo(void *arg)
{
	struct resize *rs = arg;

	if (rs->grown && ftruncate(rs->image, rs->old_size) < 0)
		return log_warning_errno(errno, "giving the image its size back");
	return 0;
}

static int spawn_tool(struct lsl_disk_job *j, const char *tool, char *const argv[], unsigned ok_exits,
		      struct lsl_err *e)
{
	struct resize *rs = j->priv;
	_cleanup_free_ char *path = lsl_image_tool(tool, e);
	const int fds[] = { -1, -1, -1, rs->image };

	if (!path)
		return e->code;
	return lsl_disk_job_spawn(j, path, argv, fds, ARRAY_SIZE(fds), false, ok_exits, e);
}

static void resize_truncated(struct lsl_disk_job *j)
{
	struct resize *rs = j->priv;

	/* Shrunk: the filesystem ends at new_size now, the file follows. */
	if (ftruncate(rs->image, rs->new_size) < 0) {
		lsl_disk_job_finish(j, -errno, "truncating the image");
		return;
	}
	lsl_disk_job_finish(j, 0, NULL);
}

static void resize_checked(struct lsl_disk_job *j)
{
	struct resize *rs = j->priv;
	char *argv[] = { (char *)"resize2fs", (char *)"/proc/self/fd/3", rs->size_arg, NULL };
	struct lsl_err e = { 0 };

	if (rs->new_size > rs->old_size) {
		if (ftruncate(rs->image, rs->new_size) < 0) {
			lsl_disk_job_finish(j, -errno, "extending the image");
			return;
		}
		rs->grown = true;
	} else {
		lsl_disk_job_then(j, resize_truncated);
	}
	if (spawn_tool(j, "resize2fs", argv, 0, &e) < 0)
		lsl_disk_job_finish(j, e.code, lsl_err_str(&e));
}

static int resize(struct lsl_service *svc, struct lsl_client *c, uint64_t seq, const struct lsl_distro *d,
		  uint64_t size, struct lsl_err *e)
{
	char *argv[] = { (char *)"e2fsck", (char *)"-f", (char *)"-p", (char *)"/proc/self/fd/3", NULL };
	_cleanup_close_ int image = -1;
	struct lsl_disk_job *j;
	struct resize *rs;
	struct stat st;
	char shown[64];
	int r;

	if (!d->image)
		return lsl_err_setf(e, EINVAL,
				    "%s is stored in a directory, not in a disk image: there is nothing to resize", d->name);
	r = check_stopped(svc, d, e);
	if (r < 0)
		return r;
	if (size < LSL_IMAGE_MIN_SIZE || size > LSL_IMAGE_MAX_SIZE) {
		lsl_size_format(size < LSL_IMAGE_MIN_SIZE ? LSL_IMAGE_MIN_SIZE : LSL_IMAGE_MAX_SIZE, shown, sizeof(shown));
		return lsl_err_setf(e, EINVAL, "the size must be at %s %s", size < LSL_IMAGE_MIN_SIZE ? "least" : "most",
				    shown);
	}
	image = open(d->image, O_RDWR | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW);
	if (image < 0)
		return lsl_err_set(e, errno, "opening the disk image %s", d->image);
	r = lsl_image_check_unused(svc, image, d->image, d->name, e);
	if (r < 0)
		return r;
	if (fstat(image, &st) < 0)
		return lsl_err_set(e, errno, "%s", d->image);
	rs = calloc(1, sizeof(*rs));
	j = rs ? lsl_disk_job_new(svc, c, seq, d->name, "being resized", true, false) : NULL;
	if (!j) {
		free(rs);
		return lsl_err_set(e, ENOMEM, "resizing %s", d->name);
	}
	/* Whole 4 KiB blocks: the filesystem's, and the file ends where it does. */
	*rs = (struct resize){ .image = TAKE_FD(image), .old_size = st.st_size,
			       .new_size = (off_t)(size & ~UINT64_C(4095)) };
	snprintf(rs->size_arg, sizeof(rs->size_arg), "%lluK", (unsigned long long)(rs->new_size / 1024));
	lsl_size_format((uint64_t)rs->new_size, shown, sizeof(shown));
	j->context = strdup_printf("cannot resize %s to %s", d->name, shown);
	j->priv = rs;
	j->release = resize_release;
	j->undo = resize_undo;
	log_info("resizing %s from %lld to %lld bytes", d->name, (long long)rs->old_size, (long long)rs->new_size);
	/* resize2fs wants a freshly checked filesystem; e2fsck -p exits 1 when it fixed something. */
	lsl_disk_job_then(j, resize_checked);
	r = spawn_tool(j, "e2fsck", argv, 1u << 0 | 1u << 1, e);
	if (r < 0)
		lsl_disk_job_finish(j, r, lsl_err_str(e));
	return 0;
}

/* ---- --set-default-user ---- */

/* The uid of user (a name, or a decimal uid) in passwd text. Returns 0 or -ENOENT. */
static int passwd_uid(char *text, const char *user, uint32_t *uid)
{
	uint32_t want;
	bool numeric = safe_atou32(user, &want) == 0;

	for (char *line = text, *next; line && *line; line = next) {
		char *f[4] = { 0 }, *p = line;
		uint32_t u;
		next = strchr(line, '\n');
		if (next)
			*next++ = 0;
		for (int k = 0; k < 4 && p; k++) {
			f[k] = p;
			p = strchr(p, ':');
			if (p)
				*p++ = 0;
		}
		/* (uid_t)-1 is "no change" to setuid(): never a user's uid. */
		if (!f[2] || line[0] == '#' || line[0] == '+' || line[0] == '-' || safe_atou32(f[2], &u) < 0 ||
		    u == UINT32_MAX)
			continue;
		if (streq(f[0], user) || (numeric && u == want)) {
			*uid = u;
			return 0;
		}
	}
	if (numeric && want == 0) {
		*uid = 0; /* root needs no entry */
		return 0;
	}
	return -ENOENT;
}

static bool apply_default_uid(struct lsl_distro *d, const void *data)
{
	uint32_t uid = *(const uint32_t *)data;

	d->default_uid = uid;
	if (d->seen)
		d->user_uid = uid;
	return true;
}

static int set_default_user(struct lsl_service *svc, const struct lsl_distro *d, const char *user, struct lsl_err *e)
{
	_cleanup_close_ int root = -1;
	_cleanup_free_ char *text = NULL, *name = NULL;
	char busy[LSL_ERR_MAX];
	struct lsl_instance *inst;
	uint32_t uid;
	int r;

	if (isempty(user))
		return lsl_err_setf(e, EINVAL, "no user given");
	if (lsl_disk_job_conflict(svc, d->name, true, busy, sizeof(busy)))
		return lsl_err_setf(e, EBUSY, "%s", busy);
	r = lsl_image_open_root(svc, d, false, &root, e);
	if (r < 0)
		return r;
	/* Inside the root (the distribution's symlinks never lead to the host's files), never a FIFO. */
	r = lsl_read_root_file(root, "etc/passwd", PASSWD_MAX, &text);
	if (r == -EINVAL)
		return lsl_err_setf(e, EINVAL, "cannot set the default user '%s': /etc/passwd of %s is not a regular file",
				    user, d->name);
	if (r < 0 && r != -ENOENT)
		return lsl_err_set(e, r, "reading /etc/passwd of %s", d->name);
	if (passwd_uid(text ? text : (char *)"", user, &uid) < 0)
		return lsl_err_setf(e, ENOENT, "user '%s' does not exist in %s", user, d->name);
	/* d lives in the registry the update replaces: only the copy of its name is used after it. */
	name = strdup(d->name);
	if (!name)
		return lsl_err_set(e, ENOMEM, "setting the default user");
	r = lsl_registry_update(&svc->store, name, apply_default_uid, &uid, e);
	if (r < 0)
		return e->code ? e->code : r;
	inst = lsl_instance_find(svc, name);
	if (inst)
		lsl_instance_set_default_uid(inst, uid);
	log_info("%s: the default user is now uid %u", name, uid);
	return 0;
}

/* ---- --move ---- */

struct move {
	struct lsl_location loc; /* the new one */
	char *old_location, *old_rootfs, *old_image;
	bool old_owned, in_place;
	int source;              /* a copy's source: the old root directory or image */
	bool copied;             /* across filesystems: the old files are removed after the commit */
};

static void move_release(struct lsl_disk_job *j)
{
	struct move *mv = j->priv;

	lsl_location_release(&mv->loc);
	if (mv->source >= 0)
		close(mv->source);
	free(mv->old_location);
	free(mv->old_rootfs);
	free(mv->old_image);
	free(mv);
	j->priv = NULL;
}

static int move_undo(void *arg)
{
	struct move *mv = arg;
	return lsl_location_undo(&mv->loc);
}

/* After the commit, in a child process: the old files (copied away) and the old location lsl made. */
static int remove_old(void *arg)
{
	struct move *mv = arg;

	if (mv->old_image)
		return lsl_image_remove_files(mv->old_location, mv->old_image, !mv->copied, mv->old_owned);
	if (mv->copied)
		return lsl_location_remove(mv->old_location, mv->old_rootfs, mv->old_owned);
	if (mv->old_owned && rmdir(mv->old_location) < 0 && errno != ENOENT && errno != ENOTEMPTY)
		return log_warning_errno(errno, "removing %s", mv->old_location);
	return 0;
}

static bool apply_move(struct lsl_distro *d, const void *data)
{
	const struct move *mv = data;
	char *location = strdup(mv->loc.path), *rootfs = strdup(mv->loc.rootfs);
	char *image = mv->loc.image ? strdup(mv->loc.image) : NULL;

	if (!location || !rootfs || (mv->loc.image && !image)) {
		free(location);
		free(rootfs);
		free(image);
		return false;
	}
	free(d->location);
	free(d->rootfs);
	free(d->image);
	d->location = location;
	d->rootfs = rootfs;
	d->image = image;
	d->owned = mv->loc.created_top != NULL;
	return true;
}

struct removal {
	struct lsl_service *svc;
	char name[];
};

static void moved_old(void *userdata, int wait_status)
{
	struct removal *rm = userdata;
	struct lsl_service *svc = rm->svc;

	if (wait_status != 0)
		log_warning("some of the old files of %s could not be removed (see above)", rm->name);
	free(rm);
	svc->removals--;
	lsl_service_check_idle(svc);
}

/* The files are in the new location: point the registry there, then remove what is left behind. */
static void move_commit(struct lsl_disk_job *j)
{
	struct move *mv = j->priv;
	struct lsl_err e = { 0 };
	struct removal *rm;
	int r;

	r = lsl_registry_update(&j->svc->store, j->name, apply_move, mv, &e);
	if (r < 0 || !lsl_registry_find(&j->svc->store.reg, j->name) ||
	    !streq_ptr(lsl_registry_find(&j->svc->store.reg, j->name)->location, mv->loc.path)) {
		if (!mv->copied) {
			/* Renamed: put it back, so that the registry and the files agree again. */
			if (mv->old_image)
				(void)rename(mv->loc.image, mv->old_image);
			else
				(void)rename(mv->loc.rootfs, mv->old_rootfs);
		}
		lsl_disk_job_finish(j, r < 0 ? r : -EIO, r < 0 ? lsl_err_str(&e) : "updating the registry failed");
		return;
	}
	log_info("moved %s to %s", j->name, mv->loc.path);
	/* Nothing to undo any more, whatever the removal does. */
	j->undo = NULL;
	/* In a child of its own (a tree may be big); a shutdown waits for it like for unregister's. */
	rm = malloc(sizeof(*rm) + strlen(j->name) + 1);
	if (rm) {
		rm->svc = j->svc;
		strcpy(rm->name, j->name);
	}
	if (rm && lsl_child_fork(j->svc->loop, remove_old, mv, moved_old, rm, NULL, &e) == 0) {
		j->svc->removals++;
	} else {
		log_warning("%s: removing the old files here", rm ? lsl_err_str(&e) : "out of memory");
		(void)remove_old(mv);
		free(rm);
	}
	lsl_disk_job_finish(j, 0, NULL);
}

static int move_copy(struct lsl_disk_job *j, struct lsl_err *e)
{
	struct move *mv = j->priv;
	_cleanup_free_ char *exp = lsl_helper_path("lsl-export"), *imp = lsl_helper_path("lsl-import");
	_cleanup_close_ int pr = -1, pw = -1;
	int pipefd[2], r;

	if (!exp || !imp)
		return lsl_err_set(e, ENOMEM, "finding lsl's helpers");
	mv->copied = true;
	lsl_disk_job_then(j, move_commit);
	if (mv->old_image) {
		char *argv[] = { (char *)"lsl-export", (char *)"--copy", NULL };
		const int fds[] = { -1, mv->loc.image_fd, -1, mv->source, -1 };
		return lsl_disk_job_spawn(j, exp, argv, fds, ARRAY_SIZE(fds), true, 0, e);
	}
	/* A tree across filesystems: through a tar stream, which keeps everything an import keeps. */
	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return lsl_err_set(e, errno, "pipe");
	pr = pipefd[0];
	pw = pipefd[1];
	char *eargv[] = { (char *)"lsl-export", (char *)"--format", (char *)"tar", NULL };
	const int efds[] = { -1, pw, -1, mv->source, -1 };
	r = lsl_disk_job_spawn(j, exp, eargv, efds, ARRAY_SIZE(efds), true, 0, e);
	if (r < 0)
		return r;
	char *iargv[] = { (char *)"lsl-import", NULL };
	const int ifds[] = { pr, -1, -1, mv->loc.rootfs_fd };
	return lsl_disk_job_spawn(j, imp, iargv, ifds, ARRAY_SIZE(ifds), false, 0, e);
}

static int move(struct lsl_service *svc, struct lsl_client *c, uint64_t seq, const struct lsl_distro *d,
		const char *location, bool progress, struct lsl_err *e)
{
	_cleanup_free_ char *normalized = NULL;
	struct lsl_disk_job *j;
	struct move *mv;
	const char *file;
	size_t n;
	int r;

	r = check_stopped(svc, d, e);
	if (r < 0)
		return r;
	if (isempty(location) || lsl_location_normalize(location, &normalized) < 0)
		return lsl_err_setf(e, EINVAL,
				    "invalid location: it must be an absolute path without '..', tabs or newlines");
	if (streq(normalized, d->location))
		return lsl_err_setf(e, EINVAL, "%s is already in %s", d->name, normalized);
	/* Not into its own files (nor the other way round). */
	n = strlen(d->location);
	if (!strncmp(normalized, d->location, n) && normalized[n] == '/' && !d->image)
		return lsl_err_setf(e, EINVAL, "%s cannot be moved into its own location", d->name);
	n = strlen(normalized);
	if (!strncmp(d->location, normalized, n) && d->location[n] == '/')
		return lsl_err_setf(e, EINVAL, "%s cannot be moved to a directory that contains it", d->name);

	mv = calloc(1, sizeof(*mv));
	if (!mv)
		return lsl_err_set(e, ENOMEM, "moving %s", d->name);
	*mv = (struct move){ .source = -1, .old_owned = d->owned, .in_place = d->in_place };
	mv->loc = (struct lsl_location){ .dir_fd = -1, .rootfs_fd = -1, .image_fd = -1 };
	mv->old_location = strdup(d->location);
	mv->old_rootfs = strdup(d->rootfs);
	mv->old_image = strdup_or_null(d->image);
	j = mv->old_location && mv->old_rootfs && (!d->image || mv->old_image)
		    ? lsl_disk_job_new(svc, c, seq, d->name, "being moved", true, progress)
		    : NULL;
	if (!j) {
		free(mv->old_location);
		free(mv->old_rootfs);
		free(mv->old_image);
		free(mv);
		return lsl_err_set(e, ENOMEM, "moving %s", d->name);
	}
	j->priv = mv;
	j->release = move_release;

	file = d->image ? strrchr(d->image, '/') + 1 : NULL;
	r = d->image ? lsl_location_prepare_image(normalized, file, &mv->loc, e)
		     : lsl_location_prepare(normalized, &mv->loc, e);
	if (r < 0) {
		lsl_disk_job_finish(j, r, lsl_err_str(e));
		return 0;
	}
	j->undo = move_undo;
	log_info("moving %s from %s to %s", d->name, d->location, mv->loc.path);

	/* The same filesystem: one rename (over the empty rootfs or image just made). */
	if (rename(d->image ? d->image : d->rootfs, mv->loc.rootfs) == 0) {
		move_commit(j);
		return 0;
	}
	if (errno != EXDEV) {
		r = lsl_err_set(e, errno, "moving %s to %s", d->image ? d->image : d->rootfs, mv->loc.rootfs);
		lsl_disk_job_finish(j, r, lsl_err_str(e));
		return 0;
	}
	mv->source = open(d->image ? d->image : d->rootfs,
			  (d->image ? O_RDONLY : O_RDONLY | O_DIRECTORY) | O_NOFOLLOW | O_CLOEXEC);
	if (mv->source < 0)
		r = lsl_err_set(e, errno, "opening %s", d->image ? d->image : d->rootfs);
	else
		r = move_copy(j, e);
	if (r < 0)
		lsl_disk_job_finish(j, r, lsl_err_str(e));
	return 0;
}

/* ---- the request ---- */

void lsl_manage_start(struct lsl_service *svc, struct lsl_client *c, const struct lsl_received *m)
{
	const struct lsl_msg_manage *req = m->msg;
	uint64_t seq = lsl_received_header(m)->seq;
	const struct lsl_distro *d;
	struct lsl_err e = { 0 };
	int r;

	d = lsl_image_find_distro(svc, lsl_msg_str(req, req->name), &e);
	if (!d) {
		lsl_client_result(c, seq, e.code, lsl_err_str(&e));
		return;
	}
	switch (req->action) {
	case LSL_MANAGE_RESIZE:
		r = resize(svc, c, seq, d, req->size, &e);
		break;
	case LSL_MANAGE_MOVE:
		r = move(svc, c, seq, d, lsl_msg_str(req, req->location), req->flags & LSL_EXPORT_PROGRESS, &e);
		break;
	case LSL_MANAGE_SET_DEFAULT_USER:
		r = set_default_user(svc, d, lsl_msg_str(req, req->user), &e);
		if (r == 0)
			lsl_client_result(c, seq, 0, NULL);
		break;
	default:
		r = lsl_err_setf(&e, EINVAL, "unknown --manage action");
	}
	if (r < 0)
		lsl_client_result(c, seq, e.code ? e.code : r, lsl_err_str(&e));
}
