/* SPDX-License-Identifier: MIT */
/* The hostname and the generated /etc/hosts and /etc/resolv.conf of a distribution. */
#pragma once

#include <stddef.h>

/*
 * A usable hostname from any string, as WSL cleans one: letters, digits, '-'
 * and at most one '.', no leading or doubled separators, no trailing ones,
 * at most 64 characters; nothing left gives "localhost". out has room for 65.
 */
void lsl_clean_hostname(const char *in, char out[65]);

/*
 * /etc/hosts: a header saying how to stop the generation, localhost, the
 * hostname on 127.0.1.1 (with domain if any), the host's own entries that are
 * not about loopback names (host_hosts, may be NULL), and the usual IPv6 lines.
 * Returns a newly allocated string or NULL.
 */
char *lsl_hosts_file(const char *hostname, const char *domain, const char *host_hosts);

/*
 * /etc/resolv.conf from the host's: the header, then its nameserver, search,
 * domain and options lines (comments and anything else dropped). Returns a
 * newly allocated string or NULL.
 */
char *lsl_resolv_conf(const char *host_resolv_conf);
