/* SPDX-License-Identifier: MIT */
#include "tty-choice.h"

#include "protocol.h"

static const uint32_t pty_bit[3] = { LSL_RUN_PTY_STDIN, LSL_RUN_PTY_STDOUT, LSL_RUN_PTY_STDERR };

uint32_t lsl_tty_flags(enum lsl_tty_mode mode, const bool tty[3])
{
	uint32_t flags = 0;

	if (mode == LSL_TTY_NEVER || (mode == LSL_TTY_AUTO && !tty[0]))
		return 0;
	for (int i = 0; i < 3; i++)
		if (tty[i])
			flags |= pty_bit[i];
	/* Asked for with nothing to stand for: the pty is the process's whole stdio. */
	if (!flags)
		flags = LSL_RUN_PTY_STDIN | LSL_RUN_PTY_STDOUT | LSL_RUN_PTY_STDERR;
	return flags | LSL_RUN_PTY;
}

int lsl_tty_size_fd(const bool tty[3])
{
	for (int i = 0; i < 3; i++)
		if (tty[i])
			return i;
	return -1;
}

int lsl_tty_output_fd(uint32_t flags)
{
	if (flags & LSL_RUN_PTY_STDOUT)
		return 1;
	if (flags & LSL_RUN_PTY_STDERR)
		return 2;
	return 0;
}

size_t lsl_tty_eof_count(int last)
{
	return last < 0 || last == '\n' || last == '\r' ? 1 : 2;
}
