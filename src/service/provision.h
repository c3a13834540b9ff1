/* SPDX-License-Identifier: MIT */
/*
 * What IMPORT and INSTALL share: the checks before anything is touched,
 * the name and location held for the duration, the worker process (lsl-import
 * or debootstrap), and the end: registration on success; on failure, on
 * the caller's hang-up or at shutdown, the worker killed, what was created
 * removed (in a child process) and only then the reply.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/queue.h>

#include "location.h"
#include "log.h"

struct lsl_service;
struct lsl_client;
struct lsl_child;

struct lsl_provision {
	struct lsl_service *svc;
	TAILQ_ENTRY(lsl_provision) link;
	struct lsl_client *client;
	uint64_t seq;
	char *name;
	struct lsl_location loc;
	uint32_t default_uid;
	struct lsl_child *worker;  /* lsl-import or debootstrap, while it runs */
	struct lsl_child *cleaner; /* removing what was made, after a failure */
	bool cancelled;
	int status;                /* the failure to report once cleaned up */
	char *message;
	/* The kind's own teardown (pipes), called once before the provision is freed. */
	void (*release)(struct lsl_provision *p);
	void *priv;
};

/*
 * Check and reserve: the registry is readable, name is valid and free
 * (registered or in progress), location (NULL: <state>/distributions/<name>)
 * is absolute and free; then create LOCATION and LOCATION/rootfs. Returns 0
 * with *out (in svc's list, watching the caller's hang-up), or -errno with e set.
 */
int lsl_provision_begin(struct lsl_service *svc, struct lsl_client *c, uint64_t seq, const char *name,
			const char *location, struct lsl_provision **out, struct lsl_err *e);

/*
 * The same for a distribution stored in an image: LOCATION/<image_file>
 * (empty, open as loc.image_fd) instead of LOCATION/rootfs; it is
 * registered with that image. A kind that mounts the image for its worker
 * keeps the mount's directory fd in loc.rootfs_fd: it is closed before the
 * registration or the removal.
 */
int lsl_provision_begin_image(struct lsl_service *svc, struct lsl_client *c, uint64_t seq, const char *name,
			      const char *location, const char *image_file, struct lsl_provision **out,
			      struct lsl_err *e);

/*
 * The worker ended (status 0: it succeeded) or could not start: register,
 * or clean up; then reply to the caller. message is the reason for a failure.
 */
void lsl_provision_finish(struct lsl_provision *p, int status, const char *message);

/* Abandon every provision in progress (shutdown). */
void lsl_provision_cancel_all(struct lsl_service *svc);

/* The provision for name (any case) in progress, or NULL. */
struct lsl_provision *lsl_provision_find(struct lsl_service *svc, const char *name);

/* name is a valid distribution name that no registered or arriving distribution has. 0 or -errno, e set. */
int lsl_provision_name_free(struct lsl_service *svc, const char *name, struct lsl_err *e);
