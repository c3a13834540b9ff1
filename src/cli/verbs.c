/* SPDX-License-Identifier: MIT */
/* The management verbs that are one request each, and the two that need no service. */
#include <errno.h>
#include <stdio.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "cli.h"
#include "config.h"
#include "service-client.h"
#include "util.h"

void lsl_print_success(void) { puts("The operation completed successfully."); }

static int name_request(uint32_t type, const char *name, struct lsl_err *e)
{
	_cleanup_close_ int svc = lsl_service_open(e);

	if (svc < 0)
		return svc;
	return lsl_service_simple_request(svc, type, name, e);
}

int lsl_cmd_set_default(const struct lsl_args *a, struct lsl_err *e)
{
	return name_request(LSL_MSG_SET_DEFAULT, a->name, e);
}

int lsl_cmd_terminate(const struct lsl_args *a, struct lsl_err *e)
{
	return name_request(LSL_MSG_TERMINATE, a->name, e);
}

int lsl_cmd_unregister(const struct lsl_args *a, struct lsl_err *e)
{
	int r = name_request(LSL_MSG_UNREGISTER, a->name, e);

	if (r == 0)
		lsl_print_success();
	return r;
}

int lsl_cmd_shutdown(const struct lsl_args *a, struct lsl_err *e)
{
	/* Whatever build is running is stopped; none running is nothing to do (none is started). */
	_cleanup_close_ int svc = lsl_service_open_running(e);

	if (svc == -ENOENT)
		return 0;
	if (svc < 0)
		return svc;
	return lsl_service_shutdown(svc, e);
}

int lsl_cmd_install(const struct lsl_args *a, struct lsl_err *e)
{
	_cleanup_msg_ struct lsl_msg_builder b = { 0 };
	_cleanup_close_ int svc = -1;
	int r;

	svc = lsl_service_open(e);
	if (svc < 0)
		return svc;
	r = lsl_msg_init(&b, LSL_MSG_INSTALL, sizeof(struct lsl_msg_install));
	if (r < 0)
		return lsl_err_set(e, r, "preparing the installation");
	lsl_msg_put_str(&b, LSL_FIELD(lsl_msg_install, name), a->name);
	lsl_msg_put_str(&b, LSL_FIELD(lsl_msg_install, distribution), a->install_distribution);
	lsl_msg_put_str(&b, LSL_FIELD(lsl_msg_install, location), a->location);
	/* The installer writes straight to the caller's stdout and stderr. */
	fflush(stdout);
	r = lsl_service_request(svc, &b, (const int[]){ STDOUT_FILENO, STDERR_FILENO }, 2, NULL, e);
	if (r < 0)
		return r;
	lsl_print_success();
	return 0;
}

int lsl_cmd_version(const struct lsl_args *a, struct lsl_err *e)
{
	struct utsname u;

	if (uname(&u) < 0)
		return lsl_err_set(e, errno, "uname");
	printf("lsl version: %s\nkernel version: %s\n", LSL_VERSION, u.release);
	return 0;
}

int lsl_cmd_help(const struct lsl_args *a, struct lsl_err *e)
{
	fputs("Usage: lsl [OPTION...] [COMMAND [ARG...]]\n"
	      "Run Linux distributions side by side on this Linux host.\n"
	      "\n"
	      "Running a command (everything after the command belongs to it):\n"
	      "  lsl [RUN OPTION...] CMD [ARG...]\n"
	      "        run CMD and its arguments, joined by spaces, through the user's shell\n"
	      "  lsl [RUN OPTION...] -- CMD [ARG...]\n"
	      "        the same, for a CMD that looks like an option\n"
	      "  lsl [RUN OPTION...] -e, --exec CMD [ARG...]\n"
	      "        run CMD directly, without a shell (searched in the distribution's PATH)\n"
	      "  lsl [RUN OPTION...]\n"
	      "        start the user's login shell\n"
	      "\n"
	      "Run options:\n"
	      "  -d, --distribution NAME   run in NAME instead of the default distribution\n"
	      "  -u, --user USER           run as USER (a name or a uid in the distribution)\n"
	      "      --cd DIR              start in DIR: an absolute path, or ~ and ~/... for\n"
	      "                            the user's home (default: the user's home)\n"
	      "      --tty                 give the command a new terminal (a pty) even when\n"
	      "                            none of lsl's stdin, stdout, stderr is one\n"
	      "  -T, --no-tty              never a new terminal: the command gets lsl's stdin,\n"
	      "                            stdout and stderr as they are (by default it gets a\n"
	      "                            terminal when lsl's stdin is one)\n"
	      "      --safe-mode           if the distribution is stopped, start it ignoring its\n"
	      "                            /etc/wsl.conf (to repair a configuration that keeps\n"
	      "                            it from starting, e.g. a systemd that hangs)\n"
	      "\n"
	      "Managing distributions:\n"
	      "  --import NAME LOCATION FILE\n"
	      "        register the root filesystem in FILE (.tar, .tar.gz, .tar.xz, .tar.zst,\n"
	      "        or - for standard input) as NAME, extracted into LOCATION/rootfs\n"
	      "  --install [DISTRIBUTION] [--name NAME] [--location DIR]\n"
	      "        make DISTRIBUTION (default: " LSL_DEFAULT_INSTALL ") with debootstrap and register it\n"
	      "  -l, --list [-v, --verbose] [--running] [-q, --quiet]\n"
	      "        list the distributions; --verbose adds their state, --running shows\n"
	      "        the running ones only, --quiet prints their names only\n"
	      "  -s, --set-default NAME    use NAME when -d is not given\n"
	      "  -t, --terminate NAME      stop NAME and every process in it\n"
	      "      --shutdown            stop every distribution and the service\n"
	      "      --unregister NAME     forget NAME and delete its files\n"
	      "\n"
	      "Disks and images:\n"
	      "  --import NAME LOCATION FILE --vhd\n"
	      "        register a copy of the ext4 image FILE as NAME, in LOCATION/ext4.img\n"
	      "  --import NAME LOCATION FILE --format image [--size SIZE]\n"
	      "        extract FILE into a new sparse ext4 image LOCATION/ext4.img (default 1T)\n"
	      "  --import-in-place NAME IMAGE\n"
	      "        register the ext4 image IMAGE where it is (--unregister keeps it)\n"
	      "  --export NAME FILE [--format tar|tar.gz|tar.xz|tar.zst|vhd] [--vhd]\n"
	      "        write NAME as a tarball or a raw ext4 image (format from FILE's name\n"
	      "        by default; - for standard output)\n"
	      "  --manage NAME --resize SIZE | --set-default-user USER | --move LOCATION\n"
	      "        grow or shrink NAME's image (stopped), choose its default user, or move\n"
	      "        its files (stopped); SIZE such as 512M, 10G, 1T\n"
	      "  --mount DISK [--partition N] [--type FS] [--options OPTS] [--name NAME] [--bare]\n"
	      "        attach the block device or image file DISK and mount it (partition N of it)\n"
	      "        at /mnt/wsl/NAME in every distribution; --bare only attaches it\n"
	      "  --unmount [DISK]          unmount DISK (its path or NAME), or every disk\n"
	      "  -l, --list --mounts       list the mounted disks\n"
	      "\n"
	      "Other options:\n"
	      "  -v, --version             print the versions of lsl and of the kernel\n"
	      "  -h, --help                print this help\n"
	      "\n"
	      "lsl exits with the status of the command it ran (128+N when signal N ended it),\n"
	      "or 1 when lsl itself failed. Everything but --help and --version needs root.\n",
	      stdout);
	return 0;
}
