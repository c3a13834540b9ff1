/* SPDX-License-Identifier: MIT */
#include "pty.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <termios.h>
#include <unistd.h>

#include "macros.h"

#ifndef TIOCGPTPEER
#define TIOCGPTPEER _IO('T', 0x41)
#endif
#define DEVPTS_SUPER_MAGIC 0x1cd1

int lsl_pty_open(uint16_t rows, uint16_t cols)
{
	/* The devpts instance init mounted for this distribution; /dev/ptmx is its alias. */
	static const char *const paths[] = { "/dev/pts/ptmx", "/dev/ptmx" };
	_cleanup_close_ int fd = -1;
	struct statfs fs;
	int unlock = 0, n, r = -ENOENT;

	for (size_t i = 0; i < ARRAY_SIZE(paths) && fd < 0; i++) {
		fd = open(paths[i], O_RDWR | O_NOCTTY | O_CLOEXEC);
		if (fd < 0)
			r = negative_errno();
	}
	if (fd < 0)
		return r;
	/* Whatever the distribution put at those paths, it must be a devpts master. */
	if (fstatfs(fd, &fs) < 0 || fs.f_type != DEVPTS_SUPER_MAGIC || ioctl(fd, TIOCGPTN, &n) < 0)
		return -ENOTTY;
	if (ioctl(fd, TIOCSPTLCK, &unlock) < 0)
		return negative_errno();
	if (rows && cols) {
		struct winsize ws = { .ws_row = rows, .ws_col = cols };
		if (ioctl(fd, TIOCSWINSZ, &ws) < 0)
			return negative_errno();
	}
	return TAKE_FD(fd);
}

int lsl_pty_slave_for(int master, uint32_t uid)
{
	_cleanup_close_ int slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);

	if (slave < 0)
		return negative_errno();
	if (ioctl(slave, TIOCSCTTY, 0) < 0)
		return negative_errno();
	/* The user's own terminal, as login(1) makes it: write(1), mesg and reopening /dev/pts/N work. */
	if (fchown(slave, uid, (gid_t)-1) < 0)
		return negative_errno();
	return TAKE_FD(slave);
}
