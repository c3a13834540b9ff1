/* SPDX-License-Identifier: MIT */
/* mini_init's state, shared by its event loop (main.c), launch.c and inits.c. */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "cgroup.h"
#include "channel.h"

/* One distribution's init, from clone3 until CHILD_EXIT is sent. */
struct lsl_init {
	struct lsl_init *next;
	pid_t pid;           /* host pid */
	int pidfd;
	char *name;
	struct lsl_cgroup cg;
	bool exited;         /* reaped; its cgroup is being emptied */
	bool watching;       /* cg.events_fd is in the epoll set */
	bool image_root;     /* its root is an image mounted at <runtime>/roots/<name> (image-root.h) */
	int wait_status;
};

/* A disk in /mnt/wsl (disk.c): mounted at <mnt_wsl>/<name>, or only attached (--bare). */
struct lsl_disk {
	struct lsl_disk *next;
	char *name;
	int loop_fd;  /* --bare: the loop device, held open (closing it detaches it); else -1 */
	bool mounted; /* the mount holds the loop device */
	char node[16]; /* --bare: its name in every distribution's /dev ("loopN"), else "" */
	dev_t rdev;    /* --bare: the loop device's number */
};

struct lsl_mini_init {
	int control_fd;      /* fd 3: requests from lslservice, replies */
	int notify_fd;       /* fd 4: CHILD_EXIT */
	int epoll_fd;
	int signal_fd;
	int cgroot_fd;       /* the cgroup2 mount, -1 when there is none */
	char *cgroot_error;  /* why there is none */
	char *mnt_wsl;       /* <runtime>/mnt-wsl: the shared tmpfs */
	char *init_path;     /* lsl's static init */
	struct lsl_init *inits;
	bool stopping;       /* the control channel is gone: exit once every init is */
	int binfmt_fd;       /* binfmt_misc while lsl's entry is registered (SET_INTEROP), else -1 */
	struct lsl_disk *disks; /* MOUNT's disks */
};

/* epoll tags: the kind in the low byte, an init's pid above it. */
enum { EV_CONTROL = 1, EV_SIGNAL = 2, EV_CGROUP = 3 };
static inline uint64_t ev_tag(int kind, pid_t pid) { return (uint64_t)kind | ((uint64_t)(uint32_t)pid << 8); }

/* main.c: exit once every init is gone, removing what mini_init set up on the host. */
_noreturn_ void lsl_mini_init_exit(struct lsl_mini_init *mi);

/* mnt-wsl.c: a private mount namespace and the shared tmpfs at <runtime>/mnt-wsl. */
int lsl_setup_mount_namespace(char **mnt_wsl, struct lsl_err *e);

/* launch.c: LAUNCH_INIT (validated by the channel layer; semantics checked here). Always replies. */
void lsl_handle_launch_init(struct lsl_mini_init *mi, struct lsl_received *r);

/* interop.c: SET_INTEROP (always replies), and removing the entry when mini_init exits. */
void lsl_handle_set_interop(struct lsl_mini_init *mi, const struct lsl_received *r);
void lsl_interop_release(struct lsl_mini_init *mi);

/* disk.c: MOUNT, UNMOUNT (both always reply), and releasing every disk when mini_init exits. */
void lsl_handle_mount(struct lsl_mini_init *mi, struct lsl_received *r);
void lsl_handle_unmount(struct lsl_mini_init *mi, const struct lsl_received *r);
void lsl_disks_release(struct lsl_mini_init *mi);

/* inits.c */
void lsl_init_free(struct lsl_init *init);
struct lsl_init *lsl_init_find(struct lsl_mini_init *mi, pid_t pid);
struct lsl_init *lsl_init_find_name(struct lsl_mini_init *mi, const char *name);
/* KILL_INIT: SIGKILL through the pidfd. Always replies. */
void lsl_handle_kill_init(struct lsl_mini_init *mi, const struct lsl_received *r);
/* SIGCHLD: reap, then empty and remove cgroups, sending CHILD_EXIT for each finished init. */
void lsl_reap_inits(struct lsl_mini_init *mi);
/* cgroup.events of an exited init changed. */
void lsl_cgroup_event(struct lsl_mini_init *mi, pid_t pid);
/* SIGKILL every init still running (the control channel is gone). */
void lsl_kill_all_inits(struct lsl_mini_init *mi);
