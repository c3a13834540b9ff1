/* SPDX-License-Identifier: MIT */
/*
 * lslservice: the control plane (doc/internals.md, "Starting and replacing
 * the service"). One per runtime directory, held by flock(service.lock);
 * started by lsl with --ready-fd, to which it writes one byte once it
 * listens. SIGTERM (or SHUTDOWN) stops every distribution, then the service.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include "client.h"
#include "config.h"
#include "fd-limit.h"
#include "identity.h"
#include "instance.h"
#include "mini-init.h"
#include "paths.h"
#include "provision.h"
#include "service.h"
#include "service-conf.h"
#include "util.h"

struct options {
	int ready_fd;
	bool replace;
};

static int parse_args(int argc, char **argv, struct options *o)
{
	*o = (struct options){ .ready_fd = -1 };
	for (int i = 1; i < argc; i++) {
		if (streq(argv[i], "--replace")) {
			o->replace = true;
		} else if (streq(argv[i], "--ready-fd") && i + 1 < argc) {
			if (safe_atoi(argv[++i], &o->ready_fd) < 0 || o->ready_fd < 3 || fcntl(o->ready_fd, F_GETFD) < 0) {
				log_error("--ready-fd needs an open file descriptor above 2, not '%s'", argv[i]);
				return -EINVAL;
			}
		} else {
			log_error("unknown argument '%s' (usage: lslservice [--ready-fd N] [--replace])", argv[i]);
			return -EINVAL;
		}
	}
	if (o->ready_fd >= 0)
		(void)fd_set_cloexec(o->ready_fd, true);
	return 0;
}

/* The lock that makes this the one service of the runtime directory. Returns the fd or -errno. */
static int take_lock(bool replace)
{
	_cleanup_free_ char *path = strdup_printf("%s/service.lock", lsl_runtime_dir());
	_cleanup_close_ int fd = -1;

	if (!path)
		return -ENOMEM;
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW, 0600);
	if (fd < 0)
		return log_error_errno(errno, "opening %s", path);
	/* Replacing: the old service answered SHUTDOWN and is on its way out; wait for it. */
	if (RETRY_EINTR(flock(fd, LOCK_EX | (replace ? 0 : LOCK_NB))) < 0) {
		if (errno == EWOULDBLOCK) {
			log_error("another lslservice already serves %s", lsl_runtime_dir());
			return -EWOULDBLOCK;
		}
		return log_error_errno(errno, "locking %s", path);
	}
	return TAKE_FD(fd);
}

static int listen_socket(char **path_out)
{
	_cleanup_free_ char *path = lsl_service_socket_path();
	int fd;

	if (!path)
		return -ENOMEM;
	if (unlink(path) < 0 && errno != ENOENT)
		return log_error_errno(errno, "removing the stale socket %s", path);
	/* Many lsl commands may start at once (and queue while the first starts this service). */
	fd = lsl_unix_listen(path, SOMAXCONN);
	if (fd < 0)
		return log_error_errno(fd, "listening on %s", path);
	/* Anyone may connect, to be told clearly that only root may ask for anything. */
	if (chmod(path, 0666) < 0 || fd_set_nonblock(fd, true) < 0) {
		int r = log_error_errno(errno, "preparing %s", path);
		close(fd);
		unlink(path);
		return r;
	}
	*path_out = TAKE_PTR(path);
	return fd;
}

static void listen_event(void *userdata, uint32_t events) { lsl_client_accept(userdata); }

static void signal_event(void *userdata, uint32_t events)
{
	struct lsl_service *svc = userdata;
	struct signalfd_siginfo si;

	while (RETRY_EINTR(read(svc->signal_fd, &si, sizeof(si))) == (ssize_t)sizeof(si)) {
		log_info("signal %u from pid %u: shutting down", si.ssi_signo, si.ssi_pid);
		lsl_service_shutdown(svc, NULL, 0);
	}
}

static int setup_signals(struct lsl_service *svc)
{
	struct sigaction ignore = { .sa_handler = SIG_IGN };
	sigset_t mask;

	/* Broken pipes and sockets are error returns; a hang-up means nothing to a daemon. */
	sigaction(SIGPIPE, &ignore, NULL);
	sigaction(SIGHUP, &ignore, NULL);
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0)
		return negative_errno();
	svc->signal_fd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	if (svc->signal_fd < 0)
		return negative_errno();
	svc->signal_watch = lsl_loop_watch(svc->loop, svc->signal_fd, EPOLLIN, signal_event, svc);
	return svc->signal_watch ? 0 : negative_errno();
}

int main(int argc, char **argv)
{
	struct lsl_service svc = { .listen_fd = -1, .signal_fd = -1 };
	_cleanup_free_ char *socket_path = NULL;
	_cleanup_close_ int lock_fd = -1;
	struct lsl_err e = { 0 };
	struct options o;
	int r;

	lsl_log_init("lslservice");
	umask(022);
	if (parse_args(argc, argv, &o) < 0)
		return 2;
	TAILQ_INIT(&svc.clients);
	TAILQ_INIT(&svc.instances);
	TAILQ_INIT(&svc.provisions);
	TAILQ_INIT(&svc.shutdown_waiters);

	r = mkdir_p(lsl_runtime_dir(), 0755);
	if (r < 0) {
		log_error_errno(r, "creating %s", lsl_runtime_dir());
		return 1;
	}
	lock_fd = take_lock(o.replace);
	if (lock_fd < 0)
		return 1;
	/* An fd per caller and per waiting request's stdio: the usual 1024 is too few under load. */
	r = lsl_nofile_raise();
	if (r < 0)
		log_warning_errno(r, "raising the open file limit");
	/* Read now so that a broken /etc/lsl.conf is in the log from the start. */
	(void)lsl_service_conf_get();
	r = lsl_exe_identity("/proc/self/exe", &svc.identity);
	if (r < 0) {
		log_error_errno(r, "reading /proc/self/exe");
		return 1;
	}
	r = lsl_registry_store_init(&svc.store, lsl_state_dir());
	if (r == 0)
		r = lsl_loop_new(&svc.loop);
	if (r == 0)
		r = setup_signals(&svc);
	if (r < 0) {
		log_error_errno(r, "starting");
		return 1;
	}
	/* Read now so that a broken registry is in the log from the start; requests say it again. */
	(void)lsl_registry_get(&svc.store, &e);

	svc.listen_fd = listen_socket(&socket_path);
	if (svc.listen_fd < 0)
		return 1;
	svc.listen_watch = lsl_loop_watch(svc.loop, svc.listen_fd, EPOLLIN, listen_event, &svc);
	if (!svc.listen_watch) {
		log_error_errno(errno, "watching the socket");
		unlink(socket_path);
		return 1;
	}
	log_info("lslservice %s (pid %d) serving %s", LSL_VERSION, (int)getpid(), socket_path);
	lsl_mini_init_clean_leftovers(&svc);
	if (o.ready_fd >= 0) {
		(void)!write(o.ready_fd, "1", 1);
		close(o.ready_fd);
	}

	r = lsl_loop_run(svc.loop);
	if (r < 0)
		log_error_errno(r, "waiting for events");

	/* Everything is stopped (or the loop failed): mini_init goes, then the socket, then the lock. */
	lsl_mini_init_stop(&svc);
	lsl_loop_unwatch(svc.listen_watch);
	unlink(socket_path);
	close(svc.listen_fd);
	lsl_clients_close_all(&svc);
	lsl_loop_unwatch(svc.signal_watch);
	close(svc.signal_fd);
	lsl_registry_store_free(&svc.store);
	lsl_loop_free(svc.loop);
	free(svc.identity);
	free(svc.shutdown_failure);
	log_info("stopped");
	return r < 0 ? 1 : 0;
}
