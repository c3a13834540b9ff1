/* SPDX-License-Identifier: MIT */
/*
 * Runs between clone3 and exec in a copy of mini_init's mount namespace:
 * only mounts made here belong to the distribution, and every path inside
 * its root is resolved inside that root (root-path.h), never through the
 * host.
 */
#include "distro-child.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "channel.h"
#include "image-root.h"
#include "fd-limit.h"
#include "log.h"
#include "protocol.h"
#include "root-path.h"
#include "util.h"

static char log_name[96];

static void report(int channel_fd, uint32_t step, const struct lsl_err *e)
{
	_cleanup_msg_ struct lsl_msg_builder b;
	struct lsl_msg_create_instance_result *m;
	int r = lsl_msg_init(&b, LSL_MSG_CREATE_INSTANCE_RESULT, sizeof(*m));

	if (r == 0) {
		m = lsl_msg_body(&b);
		m->status = e->code ? e->code : -EIO;
		m->step = step;
		lsl_msg_put_str(&b, LSL_FIELD(lsl_msg_create_instance_result, message), lsl_err_str(e));
		r = lsl_channel_send_builder(channel_fd, &b, 0, NULL, 0);
	}
	if (r < 0)
		log_error_errno(r, "sending CREATE_INSTANCE_RESULT");
}

static _noreturn_ void fail(int channel_fd, uint32_t step, const struct lsl_err *e)
{
	log_error("%s", lsl_err_str(e));
	report(channel_fd, step, e);
	_exit(1);
}

#define NEEDED "lsl needs that path for its init"

/* Open <root>/init for binding over, making an empty file if missing, never following a symlink. */
static int open_init_target(int rootfd, struct lsl_err *e)
{
	_cleanup_close_ int fd = lsl_root_open(rootfd, "/init", O_PATH | O_NOFOLLOW, 0);
	struct stat st;

	if (fd == -ENOENT) {
		/* O_EXCL: a symlink planted meanwhile makes this fail instead of being followed. */
		int made = lsl_root_open(rootfd, "/init", O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0755);
		if (made < 0)
			return lsl_err_set(e, made, "creating /init in the root directory");
		close(made);
		fd = lsl_root_open(rootfd, "/init", O_PATH | O_NOFOLLOW, 0);
	}
	if (fd < 0)
		return lsl_err_set(e, fd, "opening /init in the root directory");
	if (fstat(fd, &st) < 0)
		return lsl_err_set(e, errno, "opening /init in the root directory");
	if (S_ISLNK(st.st_mode))
		return lsl_err_setf(e, ELOOP, "the distribution's /init is a symbolic link: %s", NEEDED);
	if (S_ISDIR(st.st_mode))
		return lsl_err_setf(e, EISDIR, "the distribution's /init is a directory: %s", NEEDED);
	if (!S_ISREG(st.st_mode))
		return lsl_err_setf(e, EINVAL, "the distribution's /init is not a regular file: %s", NEEDED);
	return TAKE_FD(fd);
}

/* Bind lsl's static init read-only over <root>/init. */
static int bind_init(int rootfd, const char *init_path, struct lsl_err *e)
{
	_cleanup_close_ int target = -1, tree = -1;
	struct mount_attr ro = { .attr_set = MOUNT_ATTR_RDONLY };
	bool no_setattr = false;

	target = open_init_target(rootfd, e);
	if (target < 0)
		return target;
	tree = open_tree(AT_FDCWD, init_path, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
	if (tree < 0)
		return lsl_err_set(e, errno, "opening lsl's init %s", init_path);
	/* Read-only before it is attached: there is never a writable /init. */
	if (mount_setattr(tree, "", AT_EMPTY_PATH, &ro, sizeof(ro)) < 0) {
		if (errno != ENOSYS)
			return lsl_err_set(e, errno, "making lsl's init read-only");
		no_setattr = true;
	}
	if (move_mount(tree, "", target, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
		return lsl_err_set(e, errno, "mounting lsl's init on /init");
	/*
	 * Before Linux 5.12, remount it. "init" in the root (the cwd) is now
	 * that mount point, and nothing of the distribution runs yet.
	 */
	if (no_setattr && mount(NULL, "init", NULL, MS_REMOUNT | MS_BIND | MS_RDONLY, NULL) < 0)
		return lsl_err_set(e, errno, "making lsl's init read-only");
	return 0;
}

/* Attach the clone of the shared tmpfs at <root>/mnt/wsl, resolved inside the root. */
static int attach_mnt_wsl(int rootfd, int wsl_tree, struct lsl_err *e)
{
	_cleanup_close_ int target = lsl_root_mkdir_p(rootfd, "/mnt/wsl", 0755, e);

	if (target < 0)
		return target;
	/* Onto the fd just resolved: the target path is never looked up again. */
	if (move_mount(wsl_tree, "", target, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
		return lsl_err_set(e, errno, "mounting the shared /mnt/wsl");
	return 0;
}

static int prepare_root(const struct lsl_distro_child *c, int *host_tree, struct lsl_err *e)
{
	_cleanup_close_ int wsl_tree = -1, rootfd = -1;
	int r;

	/*
	 * A detached copy of the host's whole mount tree, for init to attach at
	 * /mnt/host when the distribution's wsl.conf asks for it (automount).
	 * Taken before the namespace is made private, so that it keeps
	 * receiving the host's mounts. Not fatal: init reports its absence.
	 */
	*host_tree = open_tree(AT_FDCWD, "/", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE);
	if (*host_tree < 0)
		log_warning_errno(errno, "cloning the host's mount tree");

	/*
	 * Clone the shared tmpfs (and what is mounted under it) first: the
	 * copies stay in its peer group, so mounts below /mnt/wsl propagate
	 * between distributions. Then everything else in this namespace is
	 * made private, so that nothing done here (the detach of the old root
	 * included) propagates back to mini_init.
	 */
	wsl_tree = open_tree(AT_FDCWD, c->mnt_wsl, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE);
	if (wsl_tree < 0)
		return lsl_err_set(e, errno, "cloning the shared %s", c->mnt_wsl);
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return lsl_err_set(e, errno, "making the distribution's mounts private");

	/* pivot_root needs the new root to be a mount point: the image's mount, or the directory bound onto itself. */
	if (c->image_fd >= 0) {
		r = lsl_image_root_mount(c->name, c->image_fd, c->rootfs, e);
		if (r < 0)
			return r;
	} else if (mount(c->rootfs, c->rootfs, NULL, MS_BIND, NULL) < 0) {
		return lsl_err_set(e, errno, "mounting the root directory %s", c->rootfs);
	}
	if (chdir(c->rootfs) < 0)
		return lsl_err_set(e, errno, "entering the root directory %s", c->rootfs);
	rootfd = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return lsl_err_set(e, errno, "opening the root directory %s", c->rootfs);

	r = bind_init(rootfd, c->init_path, e);
	if (r < 0)
		return r;
	return attach_mnt_wsl(rootfd, wsl_tree, e);
}

static int enter_root(struct lsl_err *e)
{
	/* The old root ends up stacked on "."; detaching it leaves the distribution's tree alone. */
	if (syscall(SYS_pivot_root, ".", ".") < 0)
		return lsl_err_set(e, errno, "changing the root directory");
	if (umount2(".", MNT_DETACH) < 0)
		return lsl_err_set(e, errno, "detaching the host's root directory");
	if (chdir("/") < 0)
		return lsl_err_set(e, errno, "changing to /");
	return 0;
}

_noreturn_ void lsl_distro_child_run(const struct lsl_distro_child *c)
{
	char env_name[96];
	char *const argv[] = { (char *)"init", NULL };
	char *envp[] = { env_name, (char *)"LSL_INIT_CHANNEL=3", NULL, NULL, NULL, NULL };
	size_t nenv = 2;
	struct sigaction dfl = { .sa_handler = SIG_DFL };
	struct lsl_err e = { 0 };
	int channel = c->channel_fd, host_tree = -1, r;
	sigset_t none;

	/* Should mini_init die, its distributions die with it instead of running unmanaged. */
	(void)prctl(PR_SET_PDEATHSIG, SIGKILL);
	snprintf(log_name, sizeof(log_name), "mini_init(%s)", c->name);
	lsl_log_init(log_name);
	snprintf(env_name, sizeof(env_name), "LSL_DISTRO_NAME=%s", c->name);

	if (prepare_root(c, &host_tree, &e) < 0)
		fail(channel, LSL_STEP_MOUNT_ROOT, &e);
	if (enter_root(&e) < 0)
		fail(channel, LSL_STEP_LAUNCH, &e);

	/* Out of the way of fds 3 and 4 before they are assigned. */
	if (host_tree >= 0 && host_tree <= 4) {
		int high = fcntl(host_tree, F_DUPFD_CLOEXEC, 10);
		close(host_tree);
		host_tree = high;
	}
	/* init gets the channel at fd 3, stdio, and nothing else of mini_init's. */
	r = fd_move_to(channel, 3);
	if (r < 0) {
		lsl_err_set(&e, r, "moving the init channel to fd 3");
		fail(channel, LSL_STEP_LAUNCH, &e);
	}
	channel = 3;
	/* The host's tree at fd 4, named in the environment (init checks it is what it says). */
	if (host_tree >= 0 && host_tree != 4 && fd_move_to(host_tree, 4) == 0)
		host_tree = 4;
	if (host_tree == 4) {
		(void)fd_set_cloexec(4, false);
		envp[nenv++] = (char *)"LSL_HOST_ROOT_FD=4";
	}
	if (c->safe_mode)
		envp[nenv++] = (char *)"LSL_SAFE_MODE=1";
	if (c->bare_disks_env)
		envp[nenv++] = c->bare_disks_env;
	if (close_range(host_tree == 4 ? 5 : 4, ~0U, 0) < 0)
		close_all_fds(host_tree == 4 ? 5 : 4, NULL, 0); /* before Linux 5.9 */
	/* mini_init's blocked signals and ignored SIGPIPE must not reach init. */
	sigaction(SIGPIPE, &dfl, NULL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	lsl_nofile_restore(); /* init raises its own */

	execve("/init", argv, envp);
	lsl_err_set(&e, errno, "starting /init");
	fail(channel, LSL_STEP_LAUNCH, &e);
}
