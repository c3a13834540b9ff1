/* SPDX-License-Identifier: MIT */
/*
 * Write the message fuzzer's seeds: one real message of every type, made
 * with the protocol builders and realistic contents, in the fuzzer's input
 * format (a control byte with the fd count, then the packet).
 *
 *   gen-message-seeds DIR
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz-message-types.h"
#include "protocol.h"

/* Realistic text for a string field, by its position in the message. */
static const char *const sample_strings[] = {
	"debian", "/var/lib/lsl/distributions/debian", "lsl/debian", "root", "/bin/bash", "~",
};
static const char *const sample_argv[] = { "-c", "echo hello; id -u", NULL };
static const char *const sample_env[] = { "TERM=xterm-256color", "LANG=C.UTF-8", NULL };

static int write_seed(const char *dir, const struct fuzz_msg_type *t, const uint8_t *msg, size_t len)
{
	char path[4096];
	uint8_t control = (uint8_t)t->fds_min;
	int fd;

	const char *name = lsl_msg_type_name(t->type);
	size_t n = (size_t)snprintf(path, sizeof(path), "%s/", dir);

	for (; *name && n + 1 < sizeof(path); name++)
		path[n++] = (char)tolower((unsigned char)*name);
	path[n] = 0;
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	if (write(fd, &control, 1) != 1 || write(fd, msg, len) != (ssize_t)len) {
		close(fd);
		return -EIO;
	}
	return close(fd) < 0 ? -errno : 0;
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: gen-message-seeds DIR\n");
		return 2;
	}
	for (size_t i = 0; i < ARRAY_SIZE(fuzz_msg_types); i++) {
		const struct fuzz_msg_type *t = &fuzz_msg_types[i];
		struct lsl_msg_builder b;
		struct lsl_err e = { 0 };
		int r = lsl_msg_init(&b, t->type, t->fixed_size);

		if (r < 0)
			return 1;
		/* Scalars after the header: small recognisable values (flags, pids, sizes). */
		for (size_t off = sizeof(struct lsl_msg_header); off + 4 <= t->fixed_size; off += 4) {
			uint32_t v = (uint32_t)(off / 4);
			memcpy(b.buf + off, &v, sizeof(v));
		}
		for (size_t k = 0; k < FUZZ_MAX_STR && t->str[k]; k++)
			memset(b.buf + t->str[k], 0, sizeof(lsl_str_t));
		for (size_t k = 0; k < FUZZ_MAX_STRV && t->strv[k]; k++)
			memset(b.buf + t->strv[k], 0, sizeof(struct lsl_strv));
		for (size_t k = 0; k < FUZZ_MAX_STR && t->str[k]; k++)
			lsl_msg_put_str(&b, t->str[k], sample_strings[k % ARRAY_SIZE(sample_strings)]);
		for (size_t k = 0; k < FUZZ_MAX_STRV && t->strv[k]; k++)
			lsl_msg_put_strv(&b, t->strv[k], k == 0 ? sample_argv : sample_env);
		r = lsl_msg_finish(&b, 42 + i);
		if (r == 0)
			r = lsl_msg_validate(b.buf, b.size, t->fds_min, &e);
		if (r == 0)
			r = write_seed(argv[1], t, b.buf, b.size);
		lsl_msg_builder_free(&b);
		if (r < 0) {
			fprintf(stderr, "gen-message-seeds: type %u: %s\n", t->type, e.msg[0] ? e.msg : strerror(-r));
			return 1;
		}
	}
	return 0;
}
