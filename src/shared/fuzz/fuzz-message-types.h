/* SPDX-License-Identifier: MIT */
/*
 * Every message type of protocol.h with its string fields, for the message
 * fuzzer's oracle and its seed generator. Listed again here on purpose (not
 * taken from protocol.c's table): the fuzzer checks that what validation
 * accepts is safe to read through every string field the layouts declare.
 * A new message type must be added here; the fuzzer stops if it is not.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "macros.h"
#include "protocol.h"

#define FUZZ_MAX_STR 6
#define FUZZ_MAX_STRV 2

struct fuzz_msg_type {
	uint32_t type;
	const char *struct_name;
	size_t fixed_size;
	size_t fds_min, fds_max;
	uint16_t str[FUZZ_MAX_STR]; /* offsets of lsl_str_t fields, 0-terminated */
	uint16_t strv[FUZZ_MAX_STRV];
};

#define F(t, m) ((uint16_t)offsetof(struct t, m))
#define T(type_, st, fmin, fmax, ...)                                                              \
	{ .type = (type_), .struct_name = #st, .fixed_size = sizeof(struct st), .fds_min = (fmin),  \
	  .fds_max = (fmax), __VA_ARGS__ }

static const struct fuzz_msg_type fuzz_msg_types[] = {
	T(LSL_MSG_HELLO, lsl_msg_hello, 0, 0),
	T(LSL_MSG_HELLO_REPLY, lsl_msg_hello_reply, 0, 0, .str = { F(lsl_msg_hello_reply, identity), F(lsl_msg_hello_reply, version) }),
	T(LSL_MSG_RESULT, lsl_msg_result, 0, 0, .str = { F(lsl_msg_result, message) }),
	T(LSL_MSG_WARNING, lsl_msg_warning, 0, 0, .str = { F(lsl_msg_warning, text) }),
	T(LSL_MSG_PROGRESS, lsl_msg_progress, 0, 0),
	T(LSL_MSG_IMPORT, lsl_msg_import, 1, 1, .str = { F(lsl_msg_import, name), F(lsl_msg_import, location) }),
	T(LSL_MSG_INSTALL, lsl_msg_install, 2, 2, .str = { F(lsl_msg_install, name), F(lsl_msg_install, distribution), F(lsl_msg_install, location) }),
	T(LSL_MSG_LIST, lsl_msg_list, 0, 0),
	T(LSL_MSG_LIST_ENTRY, lsl_msg_list_entry, 0, 0, .str = { F(lsl_msg_list_entry, name), F(lsl_msg_list_entry, location), F(lsl_msg_list_entry, os_id), F(lsl_msg_list_entry, os_version) }),
	T(LSL_MSG_RUN, lsl_msg_run, 4, 4, .str = { F(lsl_msg_run, distribution), F(lsl_msg_run, user), F(lsl_msg_run, cwd), F(lsl_msg_run, filename) }, .strv = { F(lsl_msg_run, argv), F(lsl_msg_run, env) }),
	T(LSL_MSG_SET_DEFAULT, lsl_msg_name, 0, 0, .str = { F(lsl_msg_name, name) }),
	T(LSL_MSG_TERMINATE, lsl_msg_name, 0, 0, .str = { F(lsl_msg_name, name) }),
	T(LSL_MSG_SHUTDOWN, lsl_msg_empty, 0, 0),
	T(LSL_MSG_UNREGISTER, lsl_msg_name, 0, 0, .str = { F(lsl_msg_name, name) }),
	T(LSL_MSG_IMPORT_IN_PLACE, lsl_msg_import_in_place, 1, 1, .str = { F(lsl_msg_import_in_place, name), F(lsl_msg_import_in_place, image) }),
	T(LSL_MSG_EXPORT, lsl_msg_export, 1, 1, .str = { F(lsl_msg_export, name) }),
	T(LSL_MSG_MANAGE, lsl_msg_manage, 0, 0, .str = { F(lsl_msg_manage, name), F(lsl_msg_manage, user), F(lsl_msg_manage, location) }),
	T(LSL_MSG_MOUNT_DISK, lsl_msg_mount, 1, 1, .str = { F(lsl_msg_mount, disk), F(lsl_msg_mount, type), F(lsl_msg_mount, options), F(lsl_msg_mount, name) }),
	T(LSL_MSG_UNMOUNT_DISK, lsl_msg_name, 0, 0, .str = { F(lsl_msg_name, name) }),
	T(LSL_MSG_LIST_MOUNTS, lsl_msg_empty, 0, 0),
	T(LSL_MSG_MOUNT_ENTRY, lsl_msg_mount_entry, 0, 0, .str = { F(lsl_msg_mount_entry, disk), F(lsl_msg_mount_entry, name), F(lsl_msg_mount_entry, type), F(lsl_msg_mount_entry, options), F(lsl_msg_mount_entry, device) }),
	T(LSL_MSG_LAUNCH_INIT, lsl_msg_launch_init, 1, 2, .str = { F(lsl_msg_launch_init, name), F(lsl_msg_launch_init, rootfs), F(lsl_msg_launch_init, cgroup) }),
	T(LSL_MSG_LAUNCH_INIT_RESULT, lsl_msg_launch_init_result, 0, 0, .str = { F(lsl_msg_launch_init_result, message) }),
	T(LSL_MSG_KILL_INIT, lsl_msg_kill_init, 0, 0),
	T(LSL_MSG_CHILD_EXIT, lsl_msg_child_exit, 0, 0),
	T(LSL_MSG_SET_INTEROP, lsl_msg_set_interop, 0, 0),
	T(LSL_MSG_MOUNT, lsl_msg_mount, 1, 1, .str = { F(lsl_msg_mount, disk), F(lsl_msg_mount, type), F(lsl_msg_mount, options), F(lsl_msg_mount, name) }),
	T(LSL_MSG_MOUNT_RESULT, lsl_msg_mount_result, 0, 0, .str = { F(lsl_msg_mount_result, message), F(lsl_msg_mount_result, device) }),
	T(LSL_MSG_UNMOUNT, lsl_msg_name, 0, 0, .str = { F(lsl_msg_name, name) }),
	T(LSL_MSG_CREATE_INSTANCE_RESULT, lsl_msg_create_instance_result, 0, 0, .str = { F(lsl_msg_create_instance_result, message) }, .strv = { F(lsl_msg_create_instance_result, warnings) }),
	T(LSL_MSG_INITIALIZE, lsl_msg_initialize, 0, 0, .str = { F(lsl_msg_initialize, distribution), F(lsl_msg_initialize, hostname), F(lsl_msg_initialize, host_hosts), F(lsl_msg_initialize, host_resolv_conf), F(lsl_msg_initialize, timezone) }),
	T(LSL_MSG_INITIALIZE_RESPONSE, lsl_msg_initialize_response, 0, 0, .str = { F(lsl_msg_initialize_response, message), F(lsl_msg_initialize_response, os_id), F(lsl_msg_initialize_response, os_version), F(lsl_msg_initialize_response, oobe_command) }, .strv = { F(lsl_msg_initialize_response, warnings) }),
	T(LSL_MSG_CREATE_SESSION, lsl_msg_create_session, 0, 0),
	T(LSL_MSG_CREATE_SESSION_RESPONSE, lsl_msg_create_session_response, 0, 1, .str = { F(lsl_msg_create_session_response, message) }),
	T(LSL_MSG_TERMINATE_INSTANCE, lsl_msg_terminate_instance, 0, 0),
	T(LSL_MSG_INSTANCE_IDLE, lsl_msg_instance_idle, 0, 0),
	T(LSL_MSG_IDLE_CHECK, lsl_msg_empty, 0, 0),
	T(LSL_MSG_CREATE_PROCESS, lsl_msg_create_process, 4, 4, .str = { F(lsl_msg_create_process, distribution), F(lsl_msg_create_process, user), F(lsl_msg_create_process, cwd), F(lsl_msg_create_process, filename) }, .strv = { F(lsl_msg_create_process, argv), F(lsl_msg_create_process, env) }),
	T(LSL_MSG_PROCESS_STARTED, lsl_msg_process_started, 0, 1),
	T(LSL_MSG_PROCESS_FAILED, lsl_msg_process_failed, 0, 0, .str = { F(lsl_msg_process_failed, message) }),
	T(LSL_MSG_EXIT_STATUS, lsl_msg_exit_status, 0, 0),
	T(LSL_MSG_SIGNAL, lsl_msg_signal, 0, 0),
	T(LSL_MSG_WINDOW_SIZE, lsl_msg_window_size, 0, 0),
};

#undef T
#undef F

static inline const struct fuzz_msg_type *fuzz_msg_type_find(uint32_t type)
{
	for (size_t i = 0; i < ARRAY_SIZE(fuzz_msg_types); i++)
		if (fuzz_msg_types[i].type == type)
			return &fuzz_msg_types[i];
	return NULL;
}
