/* SPDX-License-Identifier: MIT */
#include "args.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "abspath.h"
#include "disk-image.h"
#include "util.h"

/* A cursor over argv, so every sub-parser sees the same "next argument". */
struct cursor {
	int argc;
	char *const *argv;
	int i;
};

static const char *peek(const struct cursor *c) { return c->i < c->argc ? c->argv[c->i] : NULL; }
static const char *next(struct cursor *c) { return c->i < c->argc ? c->argv[c->i++] : NULL; }

static bool is_option(const char *s) { return s[0] == '-'; }

static bool is_help(const char *s) { return streq(s, "-h") || streq(s, "--help"); }

static int unknown_option(struct lsl_err *e, const char *opt)
{
	return lsl_err_setf(e, EINVAL, "unknown option '%s': try 'lsl --help'", opt);
}

static int unexpected(struct lsl_err *e, const char *verb, const char *arg)
{
	return lsl_err_setf(e, EINVAL, "%s: unexpected argument '%s'", verb, arg);
}

/* The value of an option: the next argument, which must exist and be non-empty. */
static int option_value(struct cursor *c, const char *opt, const char *what, const char **out,
			struct lsl_err *e)
{
	const char *v = next(c);

	if (isempty(v))
		return lsl_err_setf(e, EINVAL, "%s needs %s", opt, what);
	*out = v;
	return 0;
}

static int absolute_location(const char *cwd, const char *verb, const char *location, char **out,
			     struct lsl_err *e)
{
	int r = lsl_path_absolute(cwd, location, out);

	if (r == -ENOMEM)
		return lsl_err_set(e, ENOMEM, "%s", verb);
	if (r < 0)
		return lsl_err_setf(e, EINVAL, "%s: cannot make '%s' absolute: the current directory is unknown",
				    verb, location);
	return 0;
}

static int join_words(char *const *words, char **out)
{
	size_t n = 0;
	char *s, *p;

	for (char *const *w = words; *w; w++)
		n += strlen(*w) + 1;
	s = malloc(n + 1);
	if (!s)
		return -ENOMEM;
	p = s;
	for (char *const *w = words; *w; w++) {
		size_t len = strlen(*w);
		if (w != words)
			*p++ = ' ';
		memcpy(p, *w, len);
		p += len;
	}
	*p = 0;
	*out = s;
	return 0;
}

/* The rest of argv is the command (possibly empty after "--"). */
static int take_command(struct cursor *c, enum lsl_run_mode mode, struct lsl_args *a, struct lsl_err *e)
{
	char *const *rest = c->argv + c->i;

	c->i = c->argc;
	if (!rest[0]) {
		a->run_mode = LSL_RUN_MODE_LOGIN;
		return 0;
	}
	a->run_mode = mode;
	if (mode == LSL_RUN_MODE_EXEC) {
		a->command = rest;
		return 0;
	}
	if (join_words(rest, &a->cmdline) < 0)
		return lsl_err_set(e, ENOMEM, "reading the command line");
	return 0;
}

/* Verbs that take exactly one NAME. */
static int parse_name_verb(struct cursor *c, const char *verb, struct lsl_args *a, struct lsl_err *e)
{
	const char *arg;
	int r = option_value(c, verb, "NAME", &a->name, e);

	if (r < 0)
		return r;
	if ((arg = next(c)))
		return is_help(arg) ? (a->verb = LSL_VERB_HELP, 0) : unexpected(e, verb, arg);
	return 0;
}

static int parse_no_operand(struct cursor *c, const char *verb, struct lsl_args *a, struct lsl_err *e)
{
	const char *arg = next(c);

	if (arg)
		return is_help(arg) ? (a->verb = LSL_VERB_HELP, 0) : unexpected(e, verb, arg);
	return 0;
}

/* A size option's value ("10G"). */
static int size_value(struct cursor *c, const char *opt, uint64_t *out, struct lsl_err *e)
{
	const char *v = NULL;
	int r = option_value(c, opt, "SIZE", &v, e);

	if (r < 0)
		return r;
	r = lsl_size_parse(v, out);
	if (r == -ERANGE)
		return lsl_err_setf(e, ERANGE, "%s: '%s' is too large", opt, v);
	if (r < 0)
		return lsl_err_setf(e, EINVAL, "%s: '%s' is not a size (such as 512M, 10G or 1T)", opt, v);
	return 0;
}

/* What may follow --import's operands: --vhd, --format image|tar, --size SIZE, --version N (WSL's, ignored). */
static int parse_import_options(struct cursor *c, const char *verb, struct lsl_args *a, struct lsl_err *e)
{
	const char *arg, *v = NULL;
	int r = 0;

	while ((arg = next(c))) {
		if (streq(arg, "--vhd"))
			a->vhd = true;
		else if (streq(arg, "--format")) {
			r = option_value(c, arg, "FORMAT", &v, e);
			if (r == 0 && streq(v, "image"))
				a->image = true;
			else if (r == 0 && !streq(v, "tar"))
				return lsl_err_setf(e, EINVAL, "%s: --format takes 'image' or 'tar', not '%s'", verb, v);
		} else if (streq(arg, "--size"))
			r = size_value(c, arg, &a->size, e);
		else if (streq(arg, "--version"))
			r = option_value(c, arg, "VERSION", &v, e);
		else
			return is_option(arg) ? unknown_option(e, arg) : unexpected(e, verb, arg);
		if (r < 0)
			return r;
	}
	if (a->vhd && a->image)
		return lsl_err_setf(e, EINVAL, "%s: --vhd and --format image cannot be combined", verb);
	if (a->size && !a->image)
		return lsl_err_setf(e, EINVAL, "%s: --size needs --format image", verb);
	return 0;
}

static int parse_import(struct cursor *c, const char *verb, const char *cwd, struct lsl_args *a,
			struct lsl_err *e)
{
	const char *operand[3];
	int r;

	for (size_t k = 0; k < ARRAY_SIZE(operand); k++) {
		operand[k] = next(c);
		if (!operand[k])
			return lsl_err_setf(e, EINVAL, "%s needs NAME LOCATION FILE", verb);
	}
	r = parse_import_options(c, verb, a, e);
	if (r < 0)
		return r;
	if (isempty(operand[1]))
		return lsl_err_setf(e, EINVAL, "%s: LOCATION is empty", verb);
	if (isempty(operand[2]))
		return lsl_err_setf(e, EINVAL, "%s: FILE is empty", verb);
	a->name = operand[0];
	a->file = operand[2];
	return absolute_location(cwd, verb, operand[1], &a->location, e);
}

static int parse_install(struct cursor *c, const char *verb, const char *cwd, struct lsl_args *a,
			 struct lsl_err *e)
{
	const char *arg, *location = NULL;
	int r;

	while ((arg = next(c))) {
		if (streq(arg, "--name"))
			r = option_value(c, "--name", "NAME", &a->name, e);
		else if (streq(arg, "--location"))
			r = option_value(c, "--location", "DIR", &location, e);
		else if (streq(arg, "-d") || streq(arg, "--distribution")) {
			if (a->install_distribution)
				return unexpected(e, verb, arg);
			r = option_value(c, arg, "DISTRIBUTION", &a->install_distribution, e);
		} else if (is_help(arg)) {
			a->verb = LSL_VERB_HELP;
			return 0;
		} else if (is_option(arg))
			return unknown_option(e, arg);
		else if (a->install_distribution)
			return unexpected(e, verb, arg);
		else
			a->install_distribution = arg, r = 0;
		if (r < 0)
			return r;
	}
	if (!a->install_distribution)
		a->install_distribution = LSL_DEFAULT_INSTALL;
	if (location)
		return absolute_location(cwd, verb, location, &a->location, e);
	return 0;
}

static int parse_list(struct cursor *c, const char *verb, struct lsl_args *a, struct lsl_err *e)
{
	const char *arg;

	while ((arg = next(c))) {
		if (streq(arg, "-v") || streq(arg, "--verbose"))
			a->verbose = true;
		else if (streq(arg, "-q") || streq(arg, "--quiet"))
			a->quiet = true;
		else if (streq(arg, "--running"))
			a->running = true;
		else if (streq(arg, "--mounts"))
			a->mounts = true;
		else if (is_help(arg)) {
			a->verb = LSL_VERB_HELP;
			return 0;
		} else if (is_option(arg))
			return unknown_option(e, arg);
		else
			return unexpected(e, verb, arg);
	}
	return 0;
}

/* ---- disks and images ---- */

/* One operand that names a file, made absolute (for the service, which has another working directory). */
static int absolute_operand(struct cursor *c, const char *cwd, const char *verb, const char *what, char **out,
			    struct lsl_err *e)
{
	const char *v = next(c);

	if (isempty(v) || is_help(v))
		return lsl_err_setf(e, EINVAL, "%s needs %s", verb, what);
	return absolute_location(cwd, verb, v, out, e);
}

static int parse_import_in_place(struct cursor *c, const char *verb, const char *cwd, struct lsl_args *a,
				 struct lsl_err *e)
{
	const char *arg;
	int r = option_value(c, verb, "NAME FILE", &a->name, e);

	if (r == 0)
		r = absolute_operand(c, cwd, verb, "NAME FILE", &a->path, e);
	if (r == 0 && (arg = next(c)))
		r = unexpected(e, verb, arg);
	return r;
}

static int parse_export(struct cursor *c, const char *verb, struct lsl_args *a, struct lsl_err *e)
{
	enum lsl_export_format f;
	const char *arg, *v = NULL;
	int r = option_value(c, verb, "NAME FILE", &a->name, e);

	if (r == 0)
		r = option_value(c, verb, "NAME FILE", &a->file, e);
	a->export_format = -1;
	while (r == 0 && (arg = next(c))) {
		if (streq(arg, "--vhd"))
			a->export_format = LSL_EXPORT_VHD;
		else if (streq(arg, "--format")) {
			r = option_value(c, arg, "FORMAT", &v, e);
			if (r == 0 && lsl_export_format_parse(v, &f) < 0)
				return lsl_err_setf(e, EINVAL,
						    "%s: unknown format '%s': use tar, tar.gz, tar.xz, tar.zst or vhd", verb, v);
			if (r == 0)
				a->export_format = (int)f;
		} else
			return is_option(arg) ? unknown_option(e, arg) : unexpected(e, verb, arg);
	}
	if (r == 0 && a->export_format < 0)
		a->export_format = (int)lsl_export_format_from_name(a->file);
	a->vhd = a->export_format == LSL_EXPORT_VHD;
	return r;
}

static int parse_manage(struct cursor *c, const char *verb, const char *cwd, struct lsl_args *a, struct lsl_err *e)
{
	const char *arg, *location = NULL;
	int r = option_value(c, verb, "NAME and an action", &a->name, e);

	while (r == 0 && (arg = next(c))) {
		enum lsl_manage_action action;
		if (streq(arg, "--resize")) {
			action = LSL_MANAGE_RESIZE;
			r = size_value(c, arg, &a->size, e);
		} else if (streq(arg, "--set-default-user")) {
			action = LSL_MANAGE_SET_DEFAULT_USER;
			r = option_value(c, arg, "USER", &a->manage_user, e);
		} else if (streq(arg, "--move")) {
			action = LSL_MANAGE_MOVE;
			r = option_value(c, arg, "LOCATION", &location, e);
		} else if (is_help(arg)) {
			a->verb = LSL_VERB_HELP;
			return 0;
		} else
			return is_option(arg) ? unknown_option(e, arg) : unexpected(e, verb, arg);
		if (r == 0 && a->manage)
			return lsl_err_setf(e, EINVAL, "%s takes one action at a time", verb);
		a->manage = action;
	}
	if (r < 0)
		return r;
	if (!a->manage)
		return lsl_err_setf(e, EINVAL, "%s %s needs an action: --resize SIZE, --set-default-user USER or "
				    "--move LOCATION", verb, a->name);
	if (location)
		return absolute_location(cwd, verb, location, &a->location, e);
	return 0;
}

static int parse_mount(struct cursor *c, const char *verb, const char *cwd, struct lsl_args *a, struct lsl_err *e)
{
	const char *arg, *v = NULL;
	int r = absolute_operand(c, cwd, verb, "DISK", &a->path, e);

	while (r == 0 && (arg = next(c))) {
		if (streq(arg, "--vhd"))
			a->vhd = true;
		else if (streq(arg, "--bare"))
			a->bare = true;
		else if (streq(arg, "--partition") || streq(arg, "-p")) {
			r = option_value(c, arg, "N", &v, e);
			if (r == 0 && (safe_atou32(v, &a->partition) < 0 || a->partition == 0 || a->partition > 4096))
				return lsl_err_setf(e, EINVAL, "%s: '%s' is not a partition number (1, 2, ...)", arg, v);
		} else if (streq(arg, "--type") || streq(arg, "-t"))
			r = option_value(c, arg, "FS", &a->fs_type, e);
		else if (streq(arg, "--options") || streq(arg, "-o"))
			r = option_value(c, arg, "OPTIONS", &a->mount_options, e);
		else if (streq(arg, "--name") || streq(arg, "-n")) {
			r = option_value(c, arg, "NAME", &a->mount_name, e);
			if (r == 0 && !lsl_mount_name_valid(a->mount_name))
				return lsl_err_setf(e, EINVAL, "%s: invalid name '%s': use 1 to 64 letters, digits, '.', '_', "
						    "'+' or '-', not starting with '.' or '-'", arg, a->mount_name);
		} else if (is_help(arg)) {
			a->verb = LSL_VERB_HELP;
			return 0;
		} else
			return is_option(arg) ? unknown_option(e, arg) : unexpected(e, verb, arg);
	}
	if (r == 0 && a->bare && (a->fs_type || a->mount_options || a->mount_name))
		return lsl_err_setf(e, EINVAL, "%s: --bare mounts nothing: it takes no --type, --options or --name", verb);
	return r;
}

static int parse_unmount(struct cursor *c, const char *verb, const char *cwd, struct lsl_args *a, struct lsl_err *e)
{
	const char *arg = next(c);

	if (!arg)
		return 0;
	if (is_help(arg)) {
		a->verb = LSL_VERB_HELP;
		return 0;
	}
	if (is_option(arg))
		return unknown_option(e, arg);
	/* A path (relative ones made absolute) or a name under /mnt/wsl. */
	if (strchr(arg, '/')) {
		int r = absolute_location(cwd, verb, arg, &a->path, e);
		if (r < 0)
			return r;
	} else if (!(a->path = strdup(arg))) {
		return lsl_err_set(e, ENOMEM, "%s", verb);
	}
	if ((arg = next(c)))
		return unexpected(e, verb, arg);
	return 0;
}

struct verb_spec {
	const char *short_name, *long_name;
	enum lsl_verb verb;
};

static const struct verb_spec verbs[] = {
	{ NULL, "--import", LSL_VERB_IMPORT },
	{ NULL, "--install", LSL_VERB_INSTALL },
	{ "-l", "--list", LSL_VERB_LIST },
	{ "-s", "--set-default", LSL_VERB_SET_DEFAULT },
	{ "-t", "--terminate", LSL_VERB_TERMINATE },
	{ NULL, "--shutdown", LSL_VERB_SHUTDOWN },
	{ NULL, "--unregister", LSL_VERB_UNREGISTER },
	{ "-v", "--version", LSL_VERB_VERSION },
	{ "-h", "--help", LSL_VERB_HELP },
	{ NULL, "--import-in-place", LSL_VERB_IMPORT_IN_PLACE },
	{ NULL, "--export", LSL_VERB_EXPORT },
	{ NULL, "--manage", LSL_VERB_MANAGE },
	{ NULL, "--mount", LSL_VERB_MOUNT },
	{ NULL, "--unmount", LSL_VERB_UNMOUNT },
};

static const struct verb_spec *find_verb(const char *arg)
{
	for (size_t k = 0; k < ARRAY_SIZE(verbs); k++)
		if (streq_ptr(arg, verbs[k].short_name) || streq(arg, verbs[k].long_name))
			return &verbs[k];
	return NULL;
}

static int parse_verb(struct cursor *c, const char *arg, const struct verb_spec *v, const char *run_option,
		      const char *cwd, struct lsl_args *a, struct lsl_err *e)
{
	a->verb = v->verb;
	if (v->verb == LSL_VERB_HELP)
		return 0;
	/* --version keeps nothing after it; the others refuse run options before them. */
	if (run_option && v->verb != LSL_VERB_VERSION)
		return lsl_err_setf(e, EINVAL, "%s cannot be combined with %s", arg, run_option);
	switch (v->verb) {
	case LSL_VERB_IMPORT:
		return parse_import(c, arg, cwd, a, e);
	case LSL_VERB_INSTALL:
		return parse_install(c, arg, cwd, a, e);
	case LSL_VERB_LIST:
		return parse_list(c, arg, a, e);
	case LSL_VERB_IMPORT_IN_PLACE:
		return parse_import_in_place(c, arg, cwd, a, e);
	case LSL_VERB_EXPORT:
		return parse_export(c, arg, a, e);
	case LSL_VERB_MANAGE:
		return parse_manage(c, arg, cwd, a, e);
	case LSL_VERB_MOUNT:
		return parse_mount(c, arg, cwd, a, e);
	case LSL_VERB_UNMOUNT:
		return parse_unmount(c, arg, cwd, a, e);
	case LSL_VERB_SET_DEFAULT:
	case LSL_VERB_TERMINATE:
	case LSL_VERB_UNREGISTER:
		return parse_name_verb(c, arg, a, e);
	default:
		return parse_no_operand(c, arg, a, e);
	}
}

int lsl_args_parse(int argc, char *const *argv, const char *cwd, struct lsl_args *a, struct lsl_err *e)
{
	struct cursor c = { .argc = argc, .argv = argv, .i = 1 };
	const char *arg, *run_option = NULL;
	int r;

	*a = (struct lsl_args){ .verb = LSL_VERB_RUN, .run_mode = LSL_RUN_MODE_LOGIN };
	if (argc < 1 || !argv)
		return 0;

	while ((arg = peek(&c))) {
		const struct verb_spec *v;

		if (streq(arg, "--")) {
			c.i++;
			return take_command(&c, LSL_RUN_MODE_SHELL, a, e);
		}
		if (streq(arg, "-e") || streq(arg, "--exec")) {
			c.i++;
			if (isempty(peek(&c)))
				return lsl_err_setf(e, EINVAL, "%s needs CMD", arg);
			return take_command(&c, LSL_RUN_MODE_EXEC, a, e);
		}
		if (!is_option(arg))
			return take_command(&c, LSL_RUN_MODE_SHELL, a, e);

		c.i++;
		if (streq(arg, "-d") || streq(arg, "--distribution"))
			r = option_value(&c, arg, "NAME", &a->distribution, e);
		else if (streq(arg, "-u") || streq(arg, "--user"))
			r = option_value(&c, arg, "USER", &a->user, e);
		else if (streq(arg, "--cd")) {
			r = option_value(&c, arg, "DIR", &a->cwd, e);
			/* Relative to what? The caller's directory means nothing inside. */
			if (r == 0 && a->cwd[0] != '/' && a->cwd[0] != '~')
				r = lsl_err_setf(e, EINVAL, "--cd: '%s' must be an absolute path or start with ~",
						 a->cwd);
		} else if (streq(arg, "--tty"))
			a->tty = LSL_TTY_ALWAYS, r = 0;
		else if (streq(arg, "-T") || streq(arg, "--no-tty"))
			a->tty = LSL_TTY_NEVER, r = 0;
		else if (streq(arg, "--safe-mode"))
			a->safe_mode = true, r = 0;
		else if ((v = find_verb(arg)))
			return parse_verb(&c, arg, v, run_option, cwd, a, e);
		else
			return unknown_option(e, arg);
		if (r < 0)
			return r;
		run_option = arg;
	}
	/* Only run options (or nothing): the login shell. */
	a->run_mode = LSL_RUN_MODE_LOGIN;
	return 0;
}

void lsl_args_free(struct lsl_args *a)
{
	free(a->cmdline);
	free(a->location);
	free(a->path);
	a->cmdline = NULL;
	a->location = NULL;
	a->path = NULL;
}
