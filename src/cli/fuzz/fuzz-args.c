/* SPDX-License-Identifier: MIT */
/*
 * Fuzz lsl's command-line parser (args.c). Input: the arguments after the
 * program's name, each ending with a NUL byte (the last one may not).
 * Each vector is parsed with a known working directory and without one.
 *
 * Oracle: a failure always says why; a success is consistent: locations and
 * paths are absolute, a command is there for the modes that run one, the
 * shell's command line is the words joined with spaces, options needing a
 * value have a non-empty one.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_ARGS 256

static void fail(const char *what, const char *detail)
{
	fprintf(stderr, "fuzz-args: %s: %s\n", what, detail ? detail : "(null)");
	abort();
}

static void check_nonempty(const char *v, const char *what)
{
	if (v && !*v)
		fail("empty value accepted", what);
}

static void check_args(const struct lsl_args *a)
{
	if (a->location && a->location[0] != '/')
		fail("relative location", a->location);
	/* --unmount also takes a mount's name, which has no '/'. */
	if (a->path && a->path[0] != '/' && (a->verb != LSL_VERB_UNMOUNT || strchr(a->path, '/')))
		fail("relative path", a->path);
	if (a->cwd && a->cwd[0] != '/' && a->cwd[0] != '~')
		fail("--cd neither absolute nor ~", a->cwd);
	check_nonempty(a->distribution, "-d");
	check_nonempty(a->user, "-u");
	check_nonempty(a->cwd, "--cd");
	if (a->verb == LSL_VERB_RUN) {
		if (a->run_mode == LSL_RUN_MODE_EXEC && (!a->command || !a->command[0] || !a->command[0][0]))
			fail("-e without a command", NULL);
		if (a->run_mode == LSL_RUN_MODE_SHELL && !a->cmdline)
			fail("shell mode without a command line", NULL);
	}
	if (a->verb == LSL_VERB_IMPORT && (!a->name || !a->file))
		fail("--import without NAME or FILE", a->name);
	if (a->verb == LSL_VERB_EXPORT && a->export_format >= 0 &&
	    (a->export_format < LSL_EXPORT_TAR || a->export_format > LSL_EXPORT_VHD))
		fail("export format out of range", NULL);
}

static void parse(int argc, char **argv, const char *cwd)
{
	struct lsl_args a;
	struct lsl_err e = { 0 };
	int r = lsl_args_parse(argc, argv, cwd, &a, &e);

	if (r == 0)
		check_args(&a);
	else if (r != -ENOMEM && (!e.msg[0] || e.code != r))
		fail("failure without a reason", argv[1]);
	lsl_args_free(&a);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *argv[MAX_ARGS + 2] = { 0 };
	int argc = 1;
	size_t start = 0;

	if (size > 64 * 1024)
		return 0;
	argv[0] = strdup("lsl");
	for (size_t i = 0; i <= size && argc <= MAX_ARGS; i++) {
		if (i < size && data[i] != 0)
			continue;
		if (i == size && start == size)
			break; /* a final NUL ends the last argument, it does not start another */
		/* Each argument in its own allocation: a read past its end is a sanitizer report. */
		argv[argc] = malloc(i - start + 1);
		if (!argv[argc])
			goto out;
		memcpy(argv[argc], data + start, i - start);
		argv[argc][i - start] = 0;
		argc++;
		start = i + 1;
	}
	parse(argc, argv, "/home/user/work");
	parse(argc, argv, NULL);
out:
	for (int i = 0; i < MAX_ARGS + 2; i++)
		free(argv[i]);
	return 0;
}
