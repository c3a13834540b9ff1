/* SPDX-License-Identifier: MIT */
#include "network-setup.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "etc-file.h"
#include "log.h"
#include "mount-util.h"
#include "network-files.h"
#include "util.h"

enum keep_reason { WRITE_IT, KEEP_SYMLINK, KEEP_IMMUTABLE };

/* A file the user pinned (chattr +i) or pointed elsewhere (a symlink) is theirs: keep it. */
static enum keep_reason user_owned(int etc, const char *name)
{
	struct stat st;
	_cleanup_close_ int fd = -1;
	int flags = 0;

	if (fstatat(etc, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return WRITE_IT;
	if (S_ISLNK(st.st_mode))
		return KEEP_SYMLINK;
	if (!S_ISREG(st.st_mode))
		return WRITE_IT; /* replaced below; rename fails on a directory and says so */
	fd = openat(etc, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd >= 0 && ioctl(fd, FS_IOC_GETFLAGS, &flags) == 0 && (flags & (FS_IMMUTABLE_FL | FS_APPEND_FL)))
		return KEEP_IMMUTABLE;
	return WRITE_IT;
}

static void generate(int etc, const char *name, const char *key, const char *text, struct lsl_warnings *w)
{
	int r;

	switch (user_owned(etc, name)) {
	case KEEP_SYMLINK:
		log_info("/etc/%s is a symbolic link: left as it is", name);
		return;
	case KEEP_IMMUTABLE:
		log_info("/etc/%s is immutable: left as it is", name);
		return;
	case WRITE_IT:
		break;
	}
	if (!text) {
		lsl_warn(w, "generating /etc/%s: %s", name, strerror(ENOMEM));
		return;
	}
	r = lsl_etc_write(etc, name, text);
	if (r < 0 && key)
		lsl_warn(w, "writing /etc/%s: %s (set %s = false in /etc/wsl.conf to stop generating it)", name,
			 strerror(-r), key);
	else if (r < 0)
		lsl_warn(w, "writing /etc/%s: %s", name, strerror(-r));
}

void lsl_network_setup(const struct lsl_wsl_conf *conf, const char *host_hostname, const char *host_hosts,
		       const char *host_resolv_conf, struct lsl_warnings *w)
{
	const char *wanted = conf->network_hostname ? conf->network_hostname : host_hostname;
	struct lsl_err e = { 0 };
	_cleanup_close_ int etc = -1;
	char name[65], domain[65] = "";
	_cleanup_free_ char *line = NULL;

	lsl_clean_hostname(wanted ? wanted : "", name);
	if (sethostname(name, strlen(name)) < 0) {
		lsl_warn(w, "setting the hostname to %s: %s", name, strerror(errno));
		if (gethostname(name, sizeof(name) - 1) < 0)
			snprintf(name, sizeof(name), "localhost");
		name[sizeof(name) - 1] = 0;
	}
	/* The UTS namespace started with the host's domain name; "(none)" means there is none. */
	if (getdomainname(domain, sizeof(domain) - 1) < 0 || streq(domain, "(none)"))
		domain[0] = 0;

	etc = lsl_open_dir_nofollow("/etc", 0755, true, &e);
	if (etc < 0) {
		lsl_warn(w, "%s: /etc/hostname, /etc/hosts and /etc/resolv.conf not written", lsl_err_str(&e));
		return;
	}
	/* O_PATH cannot be written through: reopen the directory itself. */
	{
		int dir = openat(etc, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (dir < 0) {
			lsl_warn(w, "opening /etc: %s", strerror(errno));
			return;
		}
		close(etc);
		etc = dir;
	}
	line = strdup_printf("%s\n", name);
	generate(etc, "hostname", NULL, line, w);
	if (conf->network_generate_hosts) {
		_cleanup_free_ char *hosts = lsl_hosts_file(name, domain[0] ? domain : NULL, host_hosts);
		generate(etc, "hosts", "network.generateHosts", hosts, w);
	}
	if (conf->network_generate_resolv_conf && host_resolv_conf) {
		_cleanup_free_ char *resolv = lsl_resolv_conf(host_resolv_conf);
		generate(etc, "resolv.conf", "network.generateResolvConf", resolv, w);
	}
}
