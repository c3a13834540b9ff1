/* SPDX-License-Identifier: MIT */
/*
 * lsl computes this string for the lslservice it would start, the service for
 * its own /proc/self/exe; the format is part of the contract (doc/internals.md).
 */
#include "identity.h"

#include <errno.h>
#include <stdint.h>
#include <sys/stat.h>

#include "util.h"

int lsl_exe_identity(const char *path, char **out)
{
	struct stat st;
	intmax_t mtime_ns;

	*out = NULL;
	if (stat(path, &st) < 0)
		return negative_errno();
	mtime_ns = (intmax_t)st.st_mtim.tv_sec * 1000000000 + (intmax_t)st.st_mtim.tv_nsec;
	*out = strdup_printf("%ju:%ju:%jd:%jd", (uintmax_t)st.st_dev, (uintmax_t)st.st_ino,
			     (intmax_t)st.st_size, mtime_ns);
	return *out ? 0 : -ENOMEM;
}
