/* SPDX-License-Identifier: MIT */
/*
 * The multi-call /init: argv[0] selects the program. Anything not known is
 * a program started through the binfmt entry (a host command run from
 * inside the distribution), which is not implemented yet.
 */
#include <stdio.h>
#include <string.h>

#include "init.h"
#include "util.h"

static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');
	return slash ? slash + 1 : path;
}

int main(int argc, char **argv)
{
	const char *name = argc > 0 && argv[0] ? base_name(argv[0]) : "";

	if (streq(name, "init"))
		return lsl_init_main(argc, argv);
	/* "lsl-interop" (the binfmt_misc interpreter) and any other name: a host-command launcher. */
	fprintf(stderr, "lsl: %s: interop is not available yet\n", argc > 1 && argv[1] ? argv[1] : name);
	return 1;
}
