/* SPDX-License-Identifier: MIT */
/* Where lsl keeps its state and sockets, and where its programs are installed. */
#pragma once

#include <stddef.h>

/* $LSL_STATE_DIR or /var/lib/lsl (registry, imported distributions). */
const char *lsl_state_dir(void);
/* $LSL_RUNTIME_DIR or /run/lsl (sockets, lock, service log). */
const char *lsl_runtime_dir(void);
/* True when the runtime directory is the default one (then cgroups are named plainly). */
int lsl_runtime_dir_is_default(void);

/*
 * Path of a helper program installed in <prefix>/<libexecdir>/lsl, found from
 * this executable's own location: <prefix>/<bindir>/lsl or a program in the
 * libexec directory itself. Returns a newly allocated string or NULL (errno set).
 */
char *lsl_helper_path(const char *program);

/*
 * The cgroup that holds every distribution of this lsl instance, relative to
 * the cgroup2 root: "lsl" for the default runtime directory, "lsl-<hash>"
 * for another one, so that isolated instances never share cgroups.
 */
const char *lsl_cgroup_base(void);

/*
 * The binfmt_misc entry of this lsl instance: "LSLInterop", or
 * "LSLInterop-<hash>" like the cgroup base, so that instances never remove
 * each other's entry.
 */
const char *lsl_binfmt_name(void);

/* The service socket: <runtime>/service.sock (newly allocated). */
char *lsl_service_socket_path(void);
