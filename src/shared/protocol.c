/* SPDX-License-Identifier: MIT */
/* Validation and construction of protocol messages (layouts live in protocol.h). */
#include "protocol.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define MAX_STR_FIELDS 6
#define MAX_STRV_FIELDS 2

struct msg_spec {
	uint32_t type;
	const char *name;
	uint32_t fixed_size;
	uint8_t fds_min, fds_max;
	uint16_t str[MAX_STR_FIELDS]; /* offsets of lsl_str_t fields, 0-terminated */
	uint16_t strv[MAX_STRV_FIELDS];
};

#define S(t, m) ((uint16_t)LSL_FIELD(t, m))
#define SPEC(T, N, F0, F1, ...) { .type = (T), .name = (N), .fixed_size = sizeof(struct F0), .fds_min = (F1), __VA_ARGS__ }

static const struct msg_spec specs[] = {
	SPEC(LSL_MSG_HELLO, "HELLO", lsl_msg_hello, 0, .fds_max = 0),
	SPEC(LSL_MSG_HELLO_REPLY, "HELLO_REPLY", lsl_msg_hello_reply, 0, .fds_max = 0,
	     .str = { S(lsl_msg_hello_reply, identity), S(lsl_msg_hello_reply, version) }),
	SPEC(LSL_MSG_RESULT, "RESULT", lsl_msg_result, 0, .fds_max = 0, .str = { S(lsl_msg_result, message) }),
	SPEC(LSL_MSG_WARNING, "WARNING", lsl_msg_warning, 0, .fds_max = 0, .str = { S(lsl_msg_warning, text) }),
	SPEC(LSL_MSG_PROGRESS, "PROGRESS", lsl_msg_progress, 0, .fds_max = 0),
	SPEC(LSL_MSG_IMPORT, "IMPORT", lsl_msg_import, 1, .fds_max = 1,
	     .str = { S(lsl_msg_import, name), S(lsl_msg_import, location) }),
	SPEC(LSL_MSG_INSTALL, "INSTALL", lsl_msg_install, 2, .fds_max = 2,
	     .str = { S(lsl_msg_install, name), S(lsl_msg_install, distribution), S(lsl_msg_install, location) }),
	SPEC(LSL_MSG_LIST, "LIST", lsl_msg_list, 0, .fds_max = 0),
	SPEC(LSL_MSG_LIST_ENTRY, "LIST_ENTRY", lsl_msg_list_entry, 0, .fds_max = 0,
	     .str = { S(lsl_msg_list_entry, name), S(lsl_msg_list_entry, location), S(lsl_msg_list_entry, os_id),
		      S(lsl_msg_list_entry, os_version) }),
	SPEC(LSL_MSG_RUN, "RUN", lsl_msg_run, 4, .fds_max = 4,
	     .str = { S(lsl_msg_run, distribution), S(lsl_msg_run, user), S(lsl_msg_run, cwd), S(lsl_msg_run, filename) },
	     .strv = { S(lsl_msg_run, argv), S(lsl_msg_run, env) }),
	SPEC(LSL_MSG_SET_DEFAULT, "SET_DEFAULT", lsl_msg_name, 0, .fds_max = 0, .str = { S(lsl_msg_name, name) }),
	SPEC(LSL_MSG_TERMINATE, "TERMINATE", lsl_msg_name, 0, .fds_max = 0, .str = { S(lsl_msg_name, name) }),
	SPEC(LSL_MSG_SHUTDOWN, "SHUTDOWN", lsl_msg_empty, 0, .fds_max = 0),
	SPEC(LSL_MSG_UNREGISTER, "UNREGISTER", lsl_msg_name, 0, .fds_max = 0, .str = { S(lsl_msg_name, name) }),
	SPEC(LSL_MSG_IMPORT_IN_PLACE, "IMPORT_IN_PLACE", lsl_msg_import_in_place, 1, .fds_max = 1,
	     .str = { S(lsl_msg_import_in_place, name), S(lsl_msg_import_in_place, image) }),
	SPEC(LSL_MSG_EXPORT, "EXPORT", lsl_msg_export, 1, .fds_max = 1, .str = { S(lsl_msg_export, name) }),
	SPEC(LSL_MSG_MANAGE, "MANAGE", lsl_msg_manage, 0, .fds_max = 0,
	     .str = { S(lsl_msg_manage, name), S(lsl_msg_manage, user), S(lsl_msg_manage, location) }),
	SPEC(LSL_MSG_MOUNT_DISK, "MOUNT_DISK", lsl_msg_mount, 1, .fds_max = 1,
	     .str = { S(lsl_msg_mount, disk), S(lsl_msg_mount, type), S(lsl_msg_mount, options), S(lsl_msg_mount, name) }),
	SPEC(LSL_MSG_UNMOUNT_DISK, "UNMOUNT_DISK", lsl_msg_name, 0, .fds_max = 0, .str = { S(lsl_msg_name, name) }),
	SPEC(LSL_MSG_LIST_MOUNTS, "LIST_MOUNTS", lsl_msg_empty, 0, .fds_max = 0),
	SPEC(LSL_MSG_MOUNT_ENTRY, "MOUNT_ENTRY", lsl_msg_mount_entry, 0, .fds_max = 0,
	     .str = { S(lsl_msg_mount_entry, disk), S(lsl_msg_mount_entry, name), S(lsl_msg_mount_entry, type),
		      S(lsl_msg_mount_entry, options), S(lsl_msg_mount_entry, device) }),

	SPEC(LSL_MSG_LAUNCH_INIT, "LAUNCH_INIT", lsl_msg_launch_init, 1, .fds_max = 2,
	     .str = { S(lsl_msg_launch_init, name), S(lsl_msg_launch_init, rootfs), S(lsl_msg_launch_init, cgroup) }),
	SPEC(LSL_MSG_LAUNCH_INIT_RESULT, "LAUNCH_INIT_RESULT", lsl_msg_launch_init_result, 0, .fds_max = 0,
	     .str = { S(lsl_msg_launch_init_result, message) }),
	SPEC(LSL_MSG_KILL_INIT, "KILL_INIT", lsl_msg_kill_init, 0, .fds_max = 0),
	SPEC(LSL_MSG_CHILD_EXIT, "CHILD_EXIT", lsl_msg_child_exit, 0, .fds_max = 0),
	SPEC(LSL_MSG_SET_INTEROP, "SET_INTEROP", lsl_msg_set_interop, 0, .fds_max = 0),
	SPEC(LSL_MSG_MOUNT, "MOUNT", lsl_msg_mount, 1, .fds_max = 1,
	     .str = { S(lsl_msg_mount, disk), S(lsl_msg_mount, type), S(lsl_msg_mount, options), S(lsl_msg_mount, name) }),
	SPEC(LSL_MSG_MOUNT_RESULT, "MOUNT_RESULT", lsl_msg_mount_result, 0, .fds_max = 0,
	     .str = { S(lsl_msg_mount_result, message), S(lsl_msg_mount_result, device) }),
	SPEC(LSL_MSG_UNMOUNT, "UNMOUNT", lsl_msg_name, 0, .fds_max = 0, .str = { S(lsl_msg_name, name) }),

	SPEC(LSL_MSG_CREATE_INSTANCE_RESULT, "CREATE_INSTANCE_RESULT", lsl_msg_create_instance_result, 0, .fds_max = 0,
	     .str = { S(lsl_msg_create_instance_result, message) },
	     .strv = { S(lsl_msg_create_instance_result, warnings) }),
	SPEC(LSL_MSG_INITIALIZE, "INITIALIZE", lsl_msg_initialize, 0, .fds_max = 0,
	     .str = { S(lsl_msg_initialize, distribution), S(lsl_msg_initialize, hostname),
		      S(lsl_msg_initialize, host_hosts), S(lsl_msg_initialize, host_resolv_conf),
		      S(lsl_msg_initialize, timezone) }),
	SPEC(LSL_MSG_INITIALIZE_RESPONSE, "INITIALIZE_RESPONSE", lsl_msg_initialize_response, 0, .fds_max = 0,
	     .str = { S(lsl_msg_initialize_response, message), S(lsl_msg_initialize_response, os_id),
		      S(lsl_msg_initialize_response, os_version), S(lsl_msg_initialize_response, oobe_command) },
	     .strv = { S(lsl_msg_initialize_response, warnings) }),
	SPEC(LSL_MSG_CREATE_SESSION, "CREATE_SESSION", lsl_msg_create_session, 0, .fds_max = 0),
	SPEC(LSL_MSG_CREATE_SESSION_RESPONSE, "CREATE_SESSION_RESPONSE", lsl_msg_create_session_response, 0,
	     .fds_max = 1, .str = { S(lsl_msg_create_session_response, message) }),
	SPEC(LSL_MSG_TERMINATE_INSTANCE, "TERMINATE_INSTANCE", lsl_msg_terminate_instance, 0, .fds_max = 0),
	SPEC(LSL_MSG_INSTANCE_IDLE, "INSTANCE_IDLE", lsl_msg_instance_idle, 0, .fds_max = 0),
	SPEC(LSL_MSG_IDLE_CHECK, "IDLE_CHECK", lsl_msg_empty, 0, .fds_max = 0),

	SPEC(LSL_MSG_CREATE_PROCESS, "CREATE_PROCESS", lsl_msg_create_process, 4, .fds_max = 4,
	     .str = { S(lsl_msg_create_process, distribution), S(lsl_msg_create_process, user),
		      S(lsl_msg_create_process, cwd), S(lsl_msg_create_process, filename) },
	     .strv = { S(lsl_msg_create_process, argv), S(lsl_msg_create_process, env) }),

	SPEC(LSL_MSG_PROCESS_STARTED, "PROCESS_STARTED", lsl_msg_process_started, 0, .fds_max = 1),
	SPEC(LSL_MSG_PROCESS_FAILED, "PROCESS_FAILED", lsl_msg_process_failed, 0, .fds_max = 0,
	     .str = { S(lsl_msg_process_failed, message) }),
	SPEC(LSL_MSG_EXIT_STATUS, "EXIT_STATUS", lsl_msg_exit_status, 0, .fds_max = 0),
	SPEC(LSL_MSG_SIGNAL, "SIGNAL", lsl_msg_signal, 0, .fds_max = 0),
	SPEC(LSL_MSG_WINDOW_SIZE, "WINDOW_SIZE", lsl_msg_window_size, 0, .fds_max = 0),
};

static const struct msg_spec *find_spec(uint32_t type)
{
	for (size_t i = 0; i < ARRAY_SIZE(specs); i++)
		if (specs[i].type == type)
			return &specs[i];
	return NULL;
}

const char *lsl_msg_type_name(uint32_t type)
{
	const struct msg_spec *s = find_spec(type);
	return s ? s->name : "unknown";
}

/* Refuse a message, saying why when the caller wants to know. */
#define bad(e, ...) ((e) ? lsl_err_setf((e), EBADMSG, __VA_ARGS__) : -EBADMSG)

static uint32_t read_u32(const uint8_t *p)
{
	uint32_t v;
	memcpy(&v, p, sizeof(v));
	return v;
}

int lsl_msg_validate(const void *msg, size_t len, size_t nfds, struct lsl_err *e)
{
	const uint8_t *p = msg;
	struct lsl_msg_header h;
	const struct msg_spec *s;

	if (len < sizeof(h))
		return bad(e, "message of %u bytes is shorter than a header", (uint32_t)len);
	if (len > LSL_MSG_MAX)
		return bad(e, "message of %u bytes exceeds the limit of %u", (uint32_t)len, LSL_MSG_MAX);
	memcpy(&h, p, sizeof(h));
	if (h.size != len)
		return bad(e, "message says %u bytes but %u arrived", h.size, (uint32_t)len);
	s = find_spec(h.type);
	if (!s)
		return bad(e, "unknown message type %u", h.type);
	if (len < s->fixed_size)
		return bad(e, "message type %u is shorter than its fixed part (%u bytes)", h.type, s->fixed_size);
	if (nfds < s->fds_min || nfds > s->fds_max)
		return bad(e, "message type %u carries %u file descriptors", h.type, (uint32_t)nfds);

	for (size_t i = 0; i < MAX_STR_FIELDS && s->str[i]; i++) {
		uint32_t off = read_u32(p + s->str[i]);
		if (off == 0)
			continue;
		if (off < s->fixed_size || off >= len)
			return bad(e, "string offset %u outside message of %u bytes", off, (uint32_t)len);
		if (!memchr(p + off, 0, len - off))
			return bad(e, "unterminated string at offset %u of %u", off, (uint32_t)len);
	}
	for (size_t i = 0; i < MAX_STRV_FIELDS && s->strv[i]; i++) {
		struct lsl_strv v;
		size_t off;

		memcpy(&v, p + s->strv[i], sizeof(v));
		if (v.count == 0)
			continue;
		if (v.count > LSL_STRV_MAX)
			return bad(e, "string array of %u entries exceeds %u", v.count, LSL_STRV_MAX);
		if (v.offset < s->fixed_size || v.offset >= len)
			return bad(e, "string array offset %u outside message of %u bytes", v.offset, (uint32_t)len);
		off = v.offset;
		for (uint32_t j = 0; j < v.count; j++) {
			const uint8_t *nul;
			if (off >= len)
				return bad(e, "string array entry %u outside message of %u bytes", j, (uint32_t)len);
			nul = memchr(p + off, 0, len - off);
			if (!nul)
				return bad(e, "unterminated string array entry %u of %u", j, v.count);
			off = (size_t)(nul - p) + 1;
		}
	}
	return 0;
}

const char *lsl_msg_str(const void *msg, lsl_str_t offset)
{
	return offset ? (const char *)msg + offset : NULL;
}

int lsl_msg_strv(const void *msg, const struct lsl_strv *v, const char ***out)
{
	const char **r = calloc((size_t)v->count + 1, sizeof(*r));
	const char *s;

	if (!r)
		return -ENOMEM;
	s = (const char *)msg + v->offset;
	for (uint32_t i = 0; i < v->count; i++) {
		r[i] = s;
		s += strlen(s) + 1;
	}
	*out = r;
	return 0;
}

int lsl_msg_init(struct lsl_msg_builder *b, uint32_t type, size_t fixed_size)
{
	struct lsl_msg_header h = { .type = type };

	*b = (struct lsl_msg_builder){ 0 };
	if (fixed_size < sizeof(h) || fixed_size > LSL_MSG_MAX)
		return b->error = -EINVAL;
	b->cap = fixed_size < 256 ? 256 : fixed_size;
	b->buf = calloc(1, b->cap);
	if (!b->buf)
		return b->error = -ENOMEM;
	b->size = fixed_size;
	memcpy(b->buf, &h, sizeof(h));
	return 0;
}

static size_t append(struct lsl_msg_builder *b, const void *data, size_t n)
{
	size_t at = b->size;

	if (b->error)
		return 0;
	if (n > LSL_MSG_MAX || b->size + n > LSL_MSG_MAX) {
		b->error = -EMSGSIZE;
		return 0;
	}
	if (b->size + n > b->cap) {
		size_t cap = b->cap;
		uint8_t *nb;
		while (cap < b->size + n)
			cap *= 2;
		nb = realloc(b->buf, cap);
		if (!nb) {
			b->error = -ENOMEM;
			return 0;
		}
		b->buf = nb;
		b->cap = cap;
	}
	memcpy(b->buf + b->size, data, n);
	b->size += n;
	return at;
}

void lsl_msg_put_str(struct lsl_msg_builder *b, size_t field_offset, const char *s)
{
	uint32_t off;

	if (!s || b->error)
		return;
	off = (uint32_t)append(b, s, strlen(s) + 1);
	if (!b->error)
		memcpy(b->buf + field_offset, &off, sizeof(off));
}

void lsl_msg_put_strv(struct lsl_msg_builder *b, size_t field_offset, const char *const *v)
{
	struct lsl_strv sv = { 0 };

	if (!v || !v[0] || b->error)
		return;
	sv.offset = (uint32_t)b->size;
	for (; v[sv.count]; sv.count++) {
		if (sv.count >= LSL_STRV_MAX) {
			b->error = -E2BIG;
			return;
		}
		append(b, v[sv.count], strlen(v[sv.count]) + 1);
	}
	if (!b->error)
		memcpy(b->buf + field_offset, &sv, sizeof(sv));
}

int lsl_msg_finish(struct lsl_msg_builder *b, uint64_t seq)
{
	struct lsl_msg_header h;

	if (b->error)
		return b->error;
	memcpy(&h, b->buf, sizeof(h));
	h.size = (uint32_t)b->size;
	h.seq = seq;
	memcpy(b->buf, &h, sizeof(h));
	return 0;
}

void lsl_msg_builder_free(struct lsl_msg_builder *b)
{
	free(b->buf);
	*b = (struct lsl_msg_builder){ 0 };
}
