/* SPDX-License-Identifier: MIT */
/*
 * lsl: parse the command line and run one verb. Exit status: the command's
 * own for a run, otherwise 0 on success and 1 after one "lsl: ..." line.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "args.h"
#include "cli.h"
#include "log.h"
#include "output.h"
#include "util.h"

typedef int (*verb_fn)(const struct lsl_args *a, struct lsl_err *e);

static const verb_fn verb_table[] = {
	[LSL_VERB_RUN] = lsl_cmd_run,
	[LSL_VERB_IMPORT] = lsl_cmd_import,
	[LSL_VERB_INSTALL] = lsl_cmd_install,
	[LSL_VERB_LIST] = lsl_cmd_list,
	[LSL_VERB_SET_DEFAULT] = lsl_cmd_set_default,
	[LSL_VERB_TERMINATE] = lsl_cmd_terminate,
	[LSL_VERB_SHUTDOWN] = lsl_cmd_shutdown,
	[LSL_VERB_UNREGISTER] = lsl_cmd_unregister,
	[LSL_VERB_VERSION] = lsl_cmd_version,
	[LSL_VERB_HELP] = lsl_cmd_help,
	[LSL_VERB_IMPORT_IN_PLACE] = lsl_cmd_import_in_place,
	[LSL_VERB_EXPORT] = lsl_cmd_export,
	[LSL_VERB_MANAGE] = lsl_cmd_manage,
	[LSL_VERB_MOUNT] = lsl_cmd_mount,
	[LSL_VERB_UNMOUNT] = lsl_cmd_unmount,
};

/*
 * fds 0, 1 and 2 are passed to the process (and become the service's if lsl
 * starts it): a closed one is /dev/null, so that no other file lands there.
 */
static void open_missing_stdio(void) { fill_std_fds(0); }

/* Output lost to a full disk or a closed pipe is a failure, said once. */
static int flush_stdout(void)
{
	if (fflush(stdout) != 0 || ferror(stdout)) {
		if (errno != EPIPE)
			log_error("writing to standard output: %s", strerror(errno));
		return -EIO;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct lsl_args args;
	struct lsl_err e = { 0 };
	_cleanup_free_ char *cwd = NULL;
	int r;

	lsl_log_init("lsl");
	open_missing_stdio();
	cwd = getcwd(NULL, 0); /* NULL is fine: only a relative LOCATION needs it */

	r = lsl_args_parse(argc, argv, cwd, &args, &e);
	if (r == 0)
		r = verb_table[args.verb](&args, &e);
	lsl_args_free(&args);
	if (r < 0) {
		flush_stdout();
		lsl_print_error(lsl_err_str(&e));
		return EXIT_FAILURE;
	}
	if (flush_stdout() < 0)
		return EXIT_FAILURE;
	/* A run's result is the command's exit status; every other verb's is 0. */
	return r;
}
