/* SPDX-License-Identifier: MIT */
#include "install-target.h"

#include <errno.h>
#include <stddef.h>

#include "util.h"

/* Suites deb.debian.org serves and this debootstrap knows; "debian" alone means the first. */
static const char *const debian_suites[] = {
	"bookworm", "trixie", "bullseye", "buster", "sid", "stable", "testing", "unstable", "oldstable",
};

const char *lsl_install_suite(const char *distribution, struct lsl_err *e)
{
	const char *suite;

	if (isempty(distribution))
		return lsl_err_setf(e, EINVAL, "no distribution to install: lsl can install debian or debian-<suite>"),
		       NULL;
	if (streq(distribution, "debian"))
		return debian_suites[0];
	suite = startswith(distribution, "debian-");
	if (suite)
		for (size_t i = 0; i < ARRAY_SIZE(debian_suites); i++)
			if (streq(suite, debian_suites[i]))
				return debian_suites[i];
	lsl_err_setf(e, ENOENT,
		     "unknown distribution '%.64s': lsl can install debian (bookworm) or debian-<suite> "
		     "(bookworm, trixie, bullseye, buster, sid, stable, testing, unstable, oldstable)",
		     distribution);
	return NULL;
}
