/* SPDX-License-Identifier: MIT */
#include "idle.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "channel.h"
#include "log.h"
#include "util.h"

#define ACK_WAIT_MS 1000 /* a full session channel: how long to wait for room for one answer */

int lsl_idle_watch_init(struct lsl_idle_watch *w)
{
	*w = (struct lsl_idle_watch){ .event_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK) };
	return w->event_fd < 0 ? negative_errno() : 0;
}

int lsl_idle_add_leader(struct lsl_idle_watch *w, pid_t pid)
{
	if (w->nleaders == w->cap) {
		size_t cap = w->cap ? w->cap * 2 : 8;
		pid_t *v = reallocarray(w->leaders, cap, sizeof(*v));
		if (!v)
			return -ENOMEM;
		w->leaders = v;
		w->cap = cap;
	}
	w->leaders[w->nleaders++] = pid;
	return 0;
}

static bool is_leader(const struct lsl_idle_watch *w, pid_t pid)
{
	for (size_t i = 0; i < w->nleaders; i++)
		if (w->leaders[i] == pid)
			return true;
	return false;
}

static void forget_leader(struct lsl_idle_watch *w, pid_t pid)
{
	for (size_t i = 0; i < w->nleaders; i++)
		if (w->leaders[i] == pid) {
			w->leaders[i] = w->leaders[--w->nleaders];
			return;
		}
}

bool lsl_idle_reap(struct lsl_idle_watch *w, bool *reaped)
{
	for (;;) {
		int status;
		pid_t pid = waitpid(-1, &status, WNOHANG);

		if (pid > 0) {
			/* Forgotten at once: its pid may be reused by a user process. */
			forget_leader(w, pid);
			if (reaped)
				*reaped = true;
			continue;
		}
		if (pid < 0 && errno == EINTR)
			continue;
		return pid < 0 && errno == ECHILD;
	}
}

void lsl_idle_drain(struct lsl_idle_watch *w)
{
	uint64_t n;

	if (w->event_fd >= 0)
		(void)!read(w->event_fd, &n, sizeof(n));
}

char lsl_proc_stat_state(const char *text)
{
	const char *p = strrchr(text, ')');

	if (!p || p[1] != ' ' || !p[2] || p[3] != ' ')
		return 0;
	return p[2];
}

/* "Threads:" of /proc/<pid>/status: a zombie group leader whose threads still run is not gone. */
static int thread_count(int dir_fd)
{
	_cleanup_free_ char *text = NULL;

	if (read_file_at(dir_fd, "status", 64 * 1024, &text, NULL) < 0)
		return 0;
	for (const char *line = text; line;) {
		const char *v = startswith(line, "Threads:");
		if (v)
			return atoi(v);
		line = strchr(line, '\n');
		if (line)
			line++;
	}
	return 0;
}

/* Whether /proc/<name> (opened below proc_fd) is a live process. */
static bool alive(int proc_fd, const char *name)
{
	_cleanup_close_ int dir_fd = openat(proc_fd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	char buf[512];
	ssize_t n;
	char state;
	int fd;

	if (dir_fd < 0)
		return false; /* gone meanwhile */
	fd = openat(dir_fd, "stat", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	n = RETRY_EINTR(read(fd, buf, sizeof(buf) - 1));
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = 0;
	state = lsl_proc_stat_state(buf);
	if (state == 0)
		return true; /* unreadable: assume alive, never stop a distribution on a guess */
	if (state == 'Z' || state == 'X')
		return thread_count(dir_fd) > 1;
	return true;
}

int lsl_idle_count(const struct lsl_idle_watch *w, bool first_only)
{
	int proc_fd = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct dirent *de;
	int count = 0, r = 0;
	pid_t self = getpid();
	DIR *d;

	if (proc_fd < 0)
		return negative_errno();
	d = fdopendir(proc_fd);
	if (!d) {
		r = negative_errno();
		close(proc_fd);
		return r;
	}
	while ((errno = 0, de = readdir(d))) {
		int pid;

		/* Never pid 1 (init, or systemd with init below it), init itself, or a session leader. */
		if (safe_atoi(de->d_name, &pid) < 0 || pid <= 1 || pid == self || is_leader(w, pid))
			continue;
		/* With systemd as pid 1, only lsl's own cgroup counts (systemd.h). */
		if ((w->counts && !w->counts(dirfd(d), pid, de->d_name)) || !alive(dirfd(d), de->d_name))
			continue;
		count++;
		if (first_only)
			break;
	}
	if (!de && errno)
		r = negative_errno();
	closedir(d);
	return r < 0 ? r : count;
}

/* ---- the session leader's side ---- */

static int leader_fd = -1;

void lsl_idle_leader_setup(int fd) { leader_fd = fd; }

void lsl_idle_leader_notify(void)
{
	uint64_t one = 1;

	/* EAGAIN only when the count is near 2^64: init has its notice anyway. */
	if (leader_fd >= 0 && write(leader_fd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		log_debug("telling init a process ended: %s", strerror(errno));
}

void lsl_idle_leader_handled(int channel_fd, uint64_t seq)
{
	int r;

	lsl_idle_leader_notify();
	if (channel_fd < 0)
		return;
	r = lsl_channel_send_result(channel_fd, seq, 0, NULL);
	if (r == -EAGAIN) {
		/* The service reads this channel all the time: wait for room, a bounded while, once. */
		struct pollfd p = { .fd = channel_fd, .events = POLLOUT };
		if (RETRY_EINTR(poll(&p, 1, ACK_WAIT_MS)) > 0)
			r = lsl_channel_send_result(channel_fd, seq, 0, NULL);
	}
	if (r < 0 && r != -EPIPE && r != -ECONNRESET)
		log_warning_errno(r, "answering CREATE_PROCESS on the session channel");
}
