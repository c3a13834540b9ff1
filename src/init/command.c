/* SPDX-License-Identifier: MIT */
#include "command.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "macros.h"
#include "protocol.h"
#include "util.h"

void lsl_command_clear(struct lsl_command *c)
{
	free(c->program);
	strv_free(c->argv);
	*c = (struct lsl_command){ 0 };
}

static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');
	return slash && slash[1] ? slash + 1 : path;
}

int lsl_build_command(uint32_t flags, const char *filename, const char *shell, const char *const *argv,
		      struct lsl_command *out, struct lsl_err *e)
{
	_cleanup_strv_free_ char **v = NULL;
	_cleanup_free_ char *argv0 = NULL;
	const char *program;
	int r = 0;

	*out = (struct lsl_command){ 0 };
	if (flags & (LSL_RUN_LOGIN | LSL_RUN_SHELL)) {
		program = isempty(filename) ? shell : filename;
		if (isempty(program))
			return lsl_err_setf(e, EINVAL, "the user has no shell");
		argv0 = flags & LSL_RUN_LOGIN ? strdup_printf("-%s", base_name(program)) : strdup(program);
		if (!argv0)
			return -ENOMEM;
		r = strv_extend(&v, argv0);
	} else {
		program = filename;
		if (isempty(program))
			return lsl_err_setf(e, EINVAL, "no program to run");
		if (!argv || !argv[0])
			r = strv_extend(&v, program);
	}
	for (size_t i = 0; r == 0 && argv && argv[i]; i++)
		r = strv_extend(&v, argv[i]);
	if (r < 0)
		return lsl_err_set(e, r, "building the command line");
	out->program = strdup(program);
	if (!out->program)
		return lsl_err_set(e, ENOMEM, "building the command line");
	out->argv = TAKE_PTR(v);
	return 0;
}

int lsl_resolve_cwd(const char *cwd, const char *home, char **out)
{
	const char *rest;

	if (isempty(cwd) || streq(cwd, "~"))
		*out = strdup(home);
	else if ((rest = startswith(cwd, "~/")))
		/* home "/" must not give "//x". */
		*out = strdup_printf("%s/%s", streq(home, "/") ? "" : home, rest);
	else
		*out = strdup(cwd);
	return *out ? 0 : -ENOMEM;
}
