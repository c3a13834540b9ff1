/* SPDX-License-Identifier: MIT */
/*
 * lsl's entry in the host's binfmt_misc: programs starting with the magic
 * of lsl's host-command launchers ("\x7fLSLHOST", never "MZ", so that a
 * host's Wine keeps its own) run through lsl's interpreter. The entry uses
 * flag F (the interpreter is opened when registering), so it works inside
 * every distribution's mount namespace.
 */
#pragma once

#include <stdbool.h>

#include "log.h"

/*
 * The registration line for binfmt_misc's "register" file:
 * ":<name>:M::\x7fLSLHOST::<interpreter>:F". Returns an allocated string, or
 * NULL with errno EINVAL for a name or interpreter binfmt_misc cannot take
 * (':', '/', newline, too long), or ENOMEM.
 */
char *lsl_binfmt_entry(const char *name, const char *interpreter);

/*
 * The host's binfmt_misc, as a mount that is never attached anywhere: its
 * files are reached through this fd, so no path is involved (nor an autofs
 * mount point a host may have at /proc/sys/fs/binfmt_misc). Keep it open
 * while the entry must exist: since Linux 6.7 entries vanish when the last
 * binfmt_misc mount goes away. Returns the fd or a negative errno.
 */
int lsl_binfmt_open(struct lsl_err *e);

/*
 * Register (enabled) or remove the entry `name` through binfmt_fd. An
 * existing entry of that name is replaced: with flag F it holds whatever
 * file the interpreter path named when it was registered, perhaps an older
 * build's.
 */
int lsl_binfmt_set(int binfmt_fd, const char *name, const char *interpreter, bool enabled, struct lsl_err *e);

/*
 * Whether the entry `name` is still there and enabled. Something in a
 * distribution (systemd-binfmt, a package script) may remove or disable
 * every entry of the host's binfmt_misc. Returns 1 (fine), 0 (missing or
 * disabled) or a negative errno.
 */
int lsl_binfmt_present(int binfmt_fd, const char *name);
