/* SPDX-License-Identifier: MIT */
/* What `lsl --install DISTRIBUTION` can make, and how (pure: unit-tested). */
#pragma once

#include "log.h"

#define LSL_DEBIAN_MIRROR "http://deb.debian.org/debian"

/*
 * The debootstrap suite for DISTRIBUTION: "debian" is the current stable
 * release (bookworm), "debian-<suite>" one of Debian's suites. Returns the
 * suite (static storage) or NULL with e saying what can be installed.
 */
const char *lsl_install_suite(const char *distribution, struct lsl_err *e);
