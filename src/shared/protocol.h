/* SPDX-License-Identifier: MIT */
/*
 * Every message lsl's processes exchange. Nothing else defines a wire layout.
 *
 * A message is one SOCK_SEQPACKET packet: a fixed header, a fixed per-type
 * body, then variable data (strings, string arrays) referenced from the body
 * by byte offsets from the start of the message. File descriptors ride along
 * with SCM_RIGHTS. All integers are little endian (the only byte order lsl
 * builds for; see the static assertion below).
 *
 * Receivers call lsl_msg_validate() (channel.c does it for them) before
 * touching a message: size, type, fd count and every string reference are
 * checked against the table in protocol.c.
 *
 * The conversations:
 *
 *   lsl -> lslservice (service.sock)     HELLO, IMPORT, INSTALL, LIST, RUN, SET_DEFAULT,
 *                                        TERMINATE, SHUTDOWN, UNREGISTER, IMPORT_IN_PLACE,
 *                                        EXPORT, MANAGE, MOUNT_DISK, UNMOUNT_DISK, LIST_MOUNTS
 *   lslservice -> lsl                    HELLO_REPLY, WARNING*, PROGRESS*, LIST_ENTRY*,
 *                                        MOUNT_ENTRY*, RESULT
 *   lslservice -> mini_init              LAUNCH_INIT (+init channel fd, + image fd), KILL_INIT,
 *                                        SET_INTEROP, MOUNT (+disk fd), UNMOUNT
 *   mini_init -> lslservice              LAUNCH_INIT_RESULT, MOUNT_RESULT, RESULT; CHILD_EXIT
 *                                        on the notification channel
 *   init (or the mini_init child that   CREATE_INSTANCE_RESULT, first message on the
 *   failed before exec) -> lslservice    init channel
 *   lslservice -> init                   INITIALIZE, CREATE_SESSION, TERMINATE_INSTANCE, IDLE_CHECK
 *   init -> lslservice                   INITIALIZE_RESPONSE, CREATE_SESSION_RESPONSE
 *                                        (+session channel fd), INSTANCE_IDLE
 *   lslservice -> session leader         CREATE_PROCESS (+stdin, stdout, stderr, control fds)
 *   session leader -> lslservice         RESULT{0} once each CREATE_PROCESS is handled (idle timeout)
 *   session leader -> lsl (control fd)   PROCESS_STARTED or PROCESS_FAILED, then EXIT_STATUS
 *   lsl -> session leader (control fd)   SIGNAL, WINDOW_SIZE
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "log.h"

_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "lsl's wire format is little endian");

#define LSL_PROTOCOL_VERSION 1
#define LSL_MSG_MAX (64 * 1024) /* largest message, header included */
#define LSL_MSG_MAX_FDS 4       /* most fds any message carries */
#define LSL_STRV_MAX 4096       /* most strings in one string array */

struct lsl_msg_header {
	uint32_t type;
	uint32_t size; /* whole message, header included */
	uint64_t seq;  /* replies carry the seq of their request */
};

/* A string is a uint32_t byte offset from the start of the message; 0 = absent. */
typedef uint32_t lsl_str_t;

/* `count` consecutive NUL-terminated strings starting at `offset` (0 when count is 0). */
struct lsl_strv {
	uint32_t offset;
	uint32_t count;
};

enum lsl_msg_type {
	/* lsl <-> lslservice */
	LSL_MSG_HELLO = 1,
	LSL_MSG_HELLO_REPLY = 2,
	LSL_MSG_RESULT = 3,
	LSL_MSG_WARNING = 4,
	LSL_MSG_PROGRESS = 5,
	LSL_MSG_IMPORT = 10,
	LSL_MSG_INSTALL = 11,
	LSL_MSG_LIST = 12,
	LSL_MSG_LIST_ENTRY = 13,
	LSL_MSG_RUN = 14,
	LSL_MSG_SET_DEFAULT = 15,
	LSL_MSG_TERMINATE = 16,
	LSL_MSG_SHUTDOWN = 17,
	LSL_MSG_UNREGISTER = 18,
	LSL_MSG_IMPORT_IN_PLACE = 19,
	LSL_MSG_EXPORT = 20,
	LSL_MSG_MANAGE = 21,
	LSL_MSG_MOUNT_DISK = 22,
	LSL_MSG_UNMOUNT_DISK = 23,
	LSL_MSG_LIST_MOUNTS = 24,
	LSL_MSG_MOUNT_ENTRY = 25,

	/* lslservice <-> mini_init */
	LSL_MSG_LAUNCH_INIT = 30,
	LSL_MSG_LAUNCH_INIT_RESULT = 31,
	LSL_MSG_KILL_INIT = 32,
	LSL_MSG_CHILD_EXIT = 33,
	LSL_MSG_SET_INTEROP = 34,
	LSL_MSG_MOUNT = 35,
	LSL_MSG_MOUNT_RESULT = 36,
	LSL_MSG_UNMOUNT = 37,

	/* lslservice <-> init */
	LSL_MSG_CREATE_INSTANCE_RESULT = 40,
	LSL_MSG_INITIALIZE = 41,
	LSL_MSG_INITIALIZE_RESPONSE = 42,
	LSL_MSG_CREATE_SESSION = 43,
	LSL_MSG_CREATE_SESSION_RESPONSE = 44,
	LSL_MSG_TERMINATE_INSTANCE = 45,
	LSL_MSG_INSTANCE_IDLE = 46, /* init -> service, unsolicited or answering IDLE_CHECK */
	LSL_MSG_IDLE_CHECK = 47,

	/* lslservice -> session leader */
	LSL_MSG_CREATE_PROCESS = 50,

	/* session leader <-> lsl, on the per-process control socket */
	LSL_MSG_PROCESS_STARTED = 60,
	LSL_MSG_PROCESS_FAILED = 61,
	LSL_MSG_EXIT_STATUS = 62,
	LSL_MSG_SIGNAL = 63,
	LSL_MSG_WINDOW_SIZE = 64,
};

/* ---- generic ---- */

/* Reply to any request: status is 0 or a negative errno; message says why for the user. */
struct lsl_msg_result {
	struct lsl_msg_header hdr;
	int32_t status;
	uint32_t reserved;
	lsl_str_t message;
};

/* A warning for the user ("/etc/wsl.conf:3: ..."), printed by lsl as "lsl: warning: <text>". */
struct lsl_msg_warning {
	struct lsl_msg_header hdr;
	lsl_str_t text;
};

/* Progress of a long operation (bytes of input consumed of total; total 0 = unknown). */
struct lsl_msg_progress {
	struct lsl_msg_header hdr;
	uint64_t done;
	uint64_t total;
};

/* ---- lsl <-> lslservice ---- */

struct lsl_msg_hello {
	struct lsl_msg_header hdr;
	uint32_t protocol_version;
	uint32_t reserved;
};

/* identity: "<dev>:<ino>:<size>:<mtime_ns>" of the service executable, to detect another build. */
struct lsl_msg_hello_reply {
	struct lsl_msg_header hdr;
	uint32_t protocol_version;
	int32_t pid;
	lsl_str_t identity;
	lsl_str_t version;
};

enum {
	LSL_IMPORT_PROGRESS = 1 << 0, /* the caller shows a progress bar: send PROGRESS */
	LSL_IMPORT_VHD = 1 << 1,      /* the fd is a raw ext4 image, copied to LOCATION/ext4.img */
	LSL_IMPORT_IMAGE = 1 << 2,    /* the archive is extracted into a new ext4 image LOCATION/ext4.img */
};

/* fds: [archive, or the image with LSL_IMPORT_VHD]. Replies: PROGRESS*, RESULT. */
struct lsl_msg_import {
	struct lsl_msg_header hdr;
	uint32_t flags;
	uint32_t reserved;
	lsl_str_t name;
	lsl_str_t location; /* absolute; the service creates it if missing */
	uint64_t image_size; /* LSL_IMPORT_IMAGE: bytes, 0 = the default (1 TiB, sparse) */
};

/* fds: [the image, opened read-write by lsl as the caller]. Reply: RESULT. */
struct lsl_msg_import_in_place {
	struct lsl_msg_header hdr;
	uint32_t flags;
	uint32_t reserved;
	lsl_str_t name;
	lsl_str_t image; /* absolute path of the fd's file: registered where it is */
};

enum lsl_export_format {
	LSL_EXPORT_TAR = 0,
	LSL_EXPORT_TAR_GZ = 1,
	LSL_EXPORT_TAR_XZ = 2,
	LSL_EXPORT_TAR_ZST = 3,
	LSL_EXPORT_VHD = 4, /* a raw ext4 image */
};

enum {
	LSL_EXPORT_PROGRESS = 1 << 0, /* the caller shows a progress bar: send PROGRESS */
};

/* fds: [output, opened by lsl as the caller]. Replies: PROGRESS*, RESULT. */
struct lsl_msg_export {
	struct lsl_msg_header hdr;
	uint32_t flags;
	uint32_t format; /* enum lsl_export_format */
	lsl_str_t name;
	uint32_t reserved;
};

enum lsl_manage_action {
	LSL_MANAGE_RESIZE = 1,           /* size */
	LSL_MANAGE_SET_DEFAULT_USER = 2, /* user */
	LSL_MANAGE_MOVE = 3,             /* location */
};

/* Replies: PROGRESS* (MOVE with LSL_EXPORT_PROGRESS in flags), RESULT. */
struct lsl_msg_manage {
	struct lsl_msg_header hdr;
	uint32_t action; /* enum lsl_manage_action */
	uint32_t flags;
	uint64_t size;      /* RESIZE: bytes */
	lsl_str_t name;
	lsl_str_t user;     /* SET_DEFAULT_USER: a name or a decimal uid in the distribution */
	lsl_str_t location; /* MOVE: absolute */
	uint32_t reserved;
};

enum {
	LSL_MOUNT_BARE = 1 << 0,      /* attach only, mount nothing */
	LSL_MOUNT_PARTITION = 1 << 1, /* mount partition `partition` of the disk */
	LSL_MOUNT_READ_ONLY = 1 << 2, /* the fd is read-only (options say "ro") */
};

/*
 * MOUNT_DISK (lsl -> service) and MOUNT (service -> mini_init). fds: [the
 * disk, opened by lsl as the caller]. The service answers MOUNT_DISK with
 * MOUNT_ENTRY (the new mount), RESULT; mini_init answers MOUNT with MOUNT_RESULT.
 */
struct lsl_msg_mount {
	struct lsl_msg_header hdr;
	uint32_t flags;     /* LSL_MOUNT_* */
	uint32_t partition; /* with LSL_MOUNT_PARTITION: 1.. */
	lsl_str_t disk;     /* absolute path as the caller named it */
	lsl_str_t type;     /* filesystem type; absent = ext4 */
	lsl_str_t options;  /* mount(8)-style options; absent = none */
	lsl_str_t name;     /* the directory under /mnt/wsl; absent (MOUNT_DISK) = from the disk's name */
};

struct lsl_msg_mount_result {
	struct lsl_msg_header hdr;
	int32_t status;
	uint32_t reserved;
	lsl_str_t message;
	lsl_str_t device; /* the loop device attached ("/dev/loop3", "/dev/loop3p1") */
};

/* A mounted disk, answering LIST_MOUNTS (then RESULT) or MOUNT_DISK. */
struct lsl_msg_mount_entry {
	struct lsl_msg_header hdr;
	uint32_t flags; /* LSL_MOUNT_* */
	uint32_t partition;
	lsl_str_t disk;
	lsl_str_t name;
	lsl_str_t type;
	lsl_str_t options;
	lsl_str_t device;
	uint32_t reserved;
};

/* UNMOUNT_DISK: struct lsl_msg_name, name = the disk (its path or its mount name); absent = every disk. */
/* LIST_MOUNTS: struct lsl_msg_empty. */

/* fds: [stdout, stderr] for the installer's output. Replies: WARNING*, RESULT. */
struct lsl_msg_install {
	struct lsl_msg_header hdr;
	uint32_t flags;
	uint32_t reserved;
	lsl_str_t name;         /* registered name; absent = derived from the distribution */
	lsl_str_t distribution; /* e.g. "debian", "debian-bookworm" */
	lsl_str_t location;     /* absent = under the state directory */
};

enum {
	LSL_LIST_RUNNING_ONLY = 1 << 0,
};

/* Replies: LIST_ENTRY*, RESULT. */
struct lsl_msg_list {
	struct lsl_msg_header hdr;
	uint32_t flags;
	uint32_t reserved;
};

enum lsl_distro_state {
	LSL_STATE_STOPPED = 0,
	LSL_STATE_RUNNING = 1,
	LSL_STATE_INSTALLING = 2,
};

enum {
	LSL_ENTRY_DEFAULT = 1 << 0,
	LSL_ENTRY_SEEN = 1 << 1,    /* started at least once: os_*, default_uid and SYSTEMD are known */
	LSL_ENTRY_SYSTEMD = 1 << 2, /* [boot] systemd requested */
};

struct lsl_msg_list_entry {
	struct lsl_msg_header hdr;
	uint32_t state; /* enum lsl_distro_state */
	uint32_t flags; /* LSL_ENTRY_* */
	lsl_str_t name;
	lsl_str_t location;
	lsl_str_t os_id;      /* ID= of its /etc/os-release at the last start */
	lsl_str_t os_version; /* VERSION_ID= */
	uint32_t default_uid; /* the default user in effect at the last start */
	uint32_t reserved;
};

enum {
	LSL_RUN_LOGIN = 1 << 0, /* no command: the user's shell as a login shell ("-bash") */
	LSL_RUN_SHELL = 1 << 1, /* argv is ["-c", cmdline]: run through the user's shell */
	LSL_RUN_PTY = 1 << 2,   /* a new pty from the distribution's devpts is the controlling terminal */
	/* With LSL_RUN_PTY: which of the process's stdin, stdout, stderr are the pty (the rest are the passed fds). */
	LSL_RUN_PTY_STDIN = 1 << 3,
	LSL_RUN_PTY_STDOUT = 1 << 4,
	LSL_RUN_PTY_STDERR = 1 << 5,
	LSL_RUN_SAFE_MODE = 1 << 6, /* start the distribution ignoring its wsl.conf (no effect if running) */
};

/*
 * fds: [stdin, stdout, stderr, control]. The control fd is one end of a
 * SOCK_SEQPACKET socketpair lsl made; the session leader answers on it.
 * Replies on the service connection: WARNING*, RESULT (status 0 = the
 * request reached the distribution; the outcome comes on the control fd).
 */
struct lsl_msg_run {
	struct lsl_msg_header hdr;
	uint32_t flags;    /* LSL_RUN_* */
	uint16_t rows, cols; /* LSL_RUN_PTY: the initial window size */
	lsl_str_t distribution; /* absent = the default distribution */
	lsl_str_t user;         /* absent = the distribution's default user; name or decimal uid */
	lsl_str_t cwd;          /* absent = the user's home; "~" or "~/..." relative to it */
	lsl_str_t filename;     /* absent with LSL_RUN_LOGIN/LSL_RUN_SHELL: the user's shell */
	struct lsl_strv argv;
	struct lsl_strv env;    /* NAME=VALUE from the caller (TERM, LANG) */
};

/* SET_DEFAULT, TERMINATE, UNREGISTER: one name. Reply: RESULT. */
struct lsl_msg_name {
	struct lsl_msg_header hdr;
	lsl_str_t name;
};

/* SHUTDOWN: header only. Reply: RESULT once everything is stopped. */
struct lsl_msg_empty {
	struct lsl_msg_header hdr;
};

/* ---- lslservice <-> mini_init ---- */

enum {
	LSL_LAUNCH_SAFE_MODE = 1 << 0, /* init ignores the distribution's wsl.conf (LSL_SAFE_MODE=1) */
	LSL_LAUNCH_IMAGE = 1 << 1,     /* the root is the ext4 image passed as the second fd */
};

/* fds: [init channel] or, with LSL_LAUNCH_IMAGE, [init channel, image]. Reply: LAUNCH_INIT_RESULT. */
struct lsl_msg_launch_init {
	struct lsl_msg_header hdr;
	uint32_t flags;
	uint32_t reserved;
	lsl_str_t name;   /* distribution name, for logs and the environment */
	lsl_str_t rootfs; /* absolute host path of the root directory */
	lsl_str_t cgroup; /* cgroup path relative to the cgroup2 root, e.g. "lsl/debian" */
};

struct lsl_msg_launch_init_result {
	struct lsl_msg_header hdr;
	int32_t status;
	int32_t pid; /* host pid of the distribution's init */
	lsl_str_t message;
};

/* Kill a distribution's init (and so its whole pid namespace). Reply: RESULT. */
struct lsl_msg_kill_init {
	struct lsl_msg_header hdr;
	int32_t pid;
	uint32_t reserved;
};

/* On the notification channel: a distribution's init has exited and its cgroup is gone. */
struct lsl_msg_child_exit {
	struct lsl_msg_header hdr;
	int32_t pid;
	int32_t wait_status;
};

/*
 * Whether the host's binfmt_misc should carry lsl's interop entry (some
 * running distribution has [interop] enabled). Idempotent. Reply: RESULT.
 */
struct lsl_msg_set_interop {
	struct lsl_msg_header hdr;
	uint32_t enabled;
	uint32_t reserved;
};

/* MOUNT: struct lsl_msg_mount (above), fds [disk]. Reply: MOUNT_RESULT. */
/* UNMOUNT: struct lsl_msg_name, name = the mount's name under /mnt/wsl. Reply: RESULT. */

/* ---- lslservice <-> init ---- */

enum lsl_start_step {
	LSL_STEP_NONE = 0,
	LSL_STEP_MOUNT_ROOT = 1, /* preparing the root in mini_init's child */
	LSL_STEP_LAUNCH = 2,     /* pivot_root / exec of init */
	LSL_STEP_BOOT = 3,       /* init's own start-up (mounts) */
};

/* First message on the init channel, from init or from the child that failed to exec it. */
struct lsl_msg_create_instance_result {
	struct lsl_msg_header hdr;
	int32_t status;
	uint32_t step; /* enum lsl_start_step */
	lsl_str_t message;
	struct lsl_strv warnings;
};

struct lsl_msg_initialize {
	struct lsl_msg_header hdr;
	uint32_t flags;
	uint32_t default_uid;
	lsl_str_t distribution;
	lsl_str_t hostname; /* the host's hostname, WSL's default */
	lsl_str_t host_hosts;       /* the host's /etc/hosts, for a generated one (absent: none) */
	lsl_str_t host_resolv_conf; /* the host's /etc/resolv.conf, for a generated one */
	lsl_str_t timezone;         /* the host's time zone ("Europe/Paris"), absent if unknown */
	uint32_t reserved;
};

struct lsl_msg_initialize_response {
	struct lsl_msg_header hdr;
	int32_t status;
	uint32_t default_uid; /* after the distribution's own configuration */
	lsl_str_t message;
	lsl_str_t os_id; /* ID= of /etc/os-release, if any */
	lsl_str_t os_version;
	struct lsl_strv warnings;
	uint32_t flags; /* LSL_INSTANCE_* */
	int32_t oobe_default_uid; /* wsl-distribution.conf [oobe] defaultUid, or -1 */
	lsl_str_t oobe_command;   /* [oobe] command: run once, at the first interactive launch */
	int32_t idle_timeout_ms;  /* the distribution's own idle timeout, or LSL_IDLE_TIMEOUT_UNSET */
};

#define LSL_IDLE_TIMEOUT_UNSET INT32_MIN

/*
 * INSTANCE_IDLE: whether any process other than lsl's own (init, session
 * leaders) is left in the distribution. init sends it (seq 0) whenever a
 * process exit leaves none, and as the answer to IDLE_CHECK (its seq).
 */
struct lsl_msg_instance_idle {
	struct lsl_msg_header hdr;
	uint32_t idle;
	uint32_t processes; /* how many user processes it counted */
};

/* IDLE_CHECK: header only (struct lsl_msg_empty); init answers INSTANCE_IDLE after counting again. */

enum {
	LSL_INSTANCE_INTEROP = 1 << 0, /* [interop] enabled: wants the binfmt entry */
	LSL_INSTANCE_SYSTEMD = 1 << 1, /* [boot] systemd requested */
};

struct lsl_msg_create_session {
	struct lsl_msg_header hdr;
	uint32_t flags;
	uint32_t reserved;
};

/* fds: [session channel] on success, none on failure. */
struct lsl_msg_create_session_response {
	struct lsl_msg_header hdr;
	int32_t status;
	uint32_t reserved;
	lsl_str_t message;
};

enum {
	LSL_TERMINATE_FORCE = 1 << 0,
};

/* No reply: the channel closes when init has exited. */
struct lsl_msg_terminate_instance {
	struct lsl_msg_header hdr;
	uint32_t flags;
	uint32_t grace_ms; /* SIGTERM, then SIGKILL after this long */
};

/* ---- lslservice -> session leader ---- */

/*
 * fds: [stdin, stdout, stderr, control]. The process's outcome goes to the
 * control fd; on the channel, only RESULT{0} (same seq) once its process
 * exists or could not be made, so the service knows none is on its way.
 */
struct lsl_msg_create_process {
	struct lsl_msg_header hdr;
	uint32_t flags; /* LSL_RUN_* */
	uint32_t default_uid;
	lsl_str_t distribution;
	lsl_str_t user;
	lsl_str_t cwd;
	lsl_str_t filename;
	struct lsl_strv argv;
	struct lsl_strv env;
	uint16_t rows, cols; /* LSL_RUN_PTY: the initial window size */
	uint32_t reserved;
};

/* ---- session leader <-> lsl (control socket) ---- */

/* fds: [pty master] with LSL_RUN_PTY, none otherwise. */
struct lsl_msg_process_started {
	struct lsl_msg_header hdr;
	int32_t pid; /* in the distribution's pid namespace */
	uint32_t reserved;
};

/* The process could not be started; lsl prints message and exits with exit_code (127 not found). */
struct lsl_msg_process_failed {
	struct lsl_msg_header hdr;
	int32_t status;
	uint32_t exit_code;
	lsl_str_t message;
};

struct lsl_msg_exit_status {
	struct lsl_msg_header hdr;
	int32_t wait_status; /* raw waitpid() status */
	uint32_t exit_code;  /* status, or 128+N for signal N */
};

struct lsl_msg_signal {
	struct lsl_msg_header hdr;
	int32_t signo;
	uint32_t reserved;
};

struct lsl_msg_window_size {
	struct lsl_msg_header hdr;
	uint16_t rows, cols, xpixel, ypixel;
};

/* ---- validation and access ---- */

/* Name of a message type for logs ("RUN"), or "unknown". */
const char *lsl_msg_type_name(uint32_t type);

/*
 * Check a received message: len equals hdr.size, within [header, LSL_MSG_MAX];
 * the type is known; len covers the type's fixed body; nfds is what the type
 * carries; every string offset is 0 or points inside the variable part with
 * a NUL before the end; every string array's strings lie inside it.
 * Returns 0 or -EBADMSG, with the reason in e if non-NULL.
 */
int lsl_msg_validate(const void *msg, size_t len, size_t nfds, struct lsl_err *e);

/* A validated message's string, or NULL when absent. */
const char *lsl_msg_str(const void *msg, lsl_str_t offset);

/*
 * A validated message's string array as a newly allocated NULL-terminated
 * vector of pointers into the message (free only the vector).
 * Returns 0 or -ENOMEM.
 */
int lsl_msg_strv(const void *msg, const struct lsl_strv *v, const char ***out);

/* ---- building ---- */

struct lsl_msg_builder {
	uint8_t *buf;
	size_t size;
	size_t cap;
	int error; /* first error, sticky: check once at lsl_msg_finish() */
};

/* Start a message of `type` whose fixed part is `fixed_size` bytes, all zero. */
int lsl_msg_init(struct lsl_msg_builder *b, uint32_t type, size_t fixed_size);
/* The fixed part, to fill scalar fields. Re-fetch after each put: the buffer may move. */
static inline void *lsl_msg_body(struct lsl_msg_builder *b) { return b->buf; }
/* Append s (NULL = leave absent) and store its offset at field_offset of the fixed part. */
void lsl_msg_put_str(struct lsl_msg_builder *b, size_t field_offset, const char *s);
/* Append the NULL-terminated vector v and store a struct lsl_strv at field_offset. */
void lsl_msg_put_strv(struct lsl_msg_builder *b, size_t field_offset, const char *const *v);
/* Seal: store size and seq. Returns 0 or the first error (-EMSGSIZE, -ENOMEM). */
int lsl_msg_finish(struct lsl_msg_builder *b, uint64_t seq);
void lsl_msg_builder_free(struct lsl_msg_builder *b);
static inline void lsl_msg_builder_freep(struct lsl_msg_builder *b) { lsl_msg_builder_free(b); }
#define _cleanup_msg_ _cleanup_(lsl_msg_builder_freep)

#define LSL_FIELD(type, member) offsetof(struct type, member)
