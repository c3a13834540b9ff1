/* SPDX-License-Identifier: MIT */
/*
 * Fuzz the structural validation of received channel messages
 * (lsl_msg_validate) and the accessors receivers use afterwards, without a
 * socket: channel.c hands every packet to lsl_msg_validate() as it is.
 *
 * Input: one control byte, then the packet. Control bits 0-2 are the number
 * of fds that came with it (0..7, more than a message may carry); with bit 3
 * set the header's size field is rewritten to the packet's length first, so
 * that mutations which change the length still reach the per-type checks.
 *
 * Oracle: whatever validation accepts must be safe to read with
 * lsl_msg_str()/lsl_msg_strv() for every string field protocol.h declares
 * (the table below lists them again, independently of protocol.c's), and
 * rebuilding it with the builders must give a message that validates too.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz-message-types.h"
#include "protocol.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *what, uint32_t type)
{
	fprintf(stderr, "fuzz-message: %s (type %u, %s)\n", what, type, lsl_msg_type_name(type));
	abort();
}

/* The string at off must end inside the message. */
static void check_str(const uint8_t *msg, size_t len, uint32_t off, uint32_t type)
{
	const char *s = lsl_msg_str(msg, off);

	if (!off) {
		if (s)
			fail("absent string is not NULL", type);
		return;
	}
	if (off >= len || (size_t)(s - (const char *)msg) + strlen(s) >= len)
		fail("accepted string runs past the message", type);
}

static void rebuild(const uint8_t *msg, size_t len, const struct fuzz_msg_type *t)
{
	struct lsl_msg_builder b;
	struct lsl_err e = { 0 };
	size_t nfds = t->fds_min;

	if (lsl_msg_init(&b, t->type, t->fixed_size) < 0)
		fail("builder init failed", t->type);
	/* The scalars as they were, every reference cleared and put again. */
	memcpy(b.buf, msg, t->fixed_size);
	for (size_t i = 0; i < FUZZ_MAX_STR && t->str[i]; i++)
		memset(b.buf + t->str[i], 0, sizeof(lsl_str_t));
	for (size_t i = 0; i < FUZZ_MAX_STRV && t->strv[i]; i++)
		memset(b.buf + t->strv[i], 0, sizeof(struct lsl_strv));
	for (size_t i = 0; i < FUZZ_MAX_STR && t->str[i]; i++) {
		uint32_t off;
		memcpy(&off, msg + t->str[i], sizeof(off));
		lsl_msg_put_str(&b, t->str[i], lsl_msg_str(msg, off));
	}
	for (size_t i = 0; i < FUZZ_MAX_STRV && t->strv[i]; i++) {
		struct lsl_strv v;
		const char **vec = NULL;
		memcpy(&v, msg + t->strv[i], sizeof(v));
		if (v.count == 0)
			continue;
		if (lsl_msg_strv(msg, &v, &vec) < 0)
			fail("lsl_msg_strv failed", t->type);
		lsl_msg_put_strv(&b, t->strv[i], vec);
		free(vec);
	}
	/* Strings are not shared in the copy: it may outgrow the limit, nothing else. */
	int r = lsl_msg_finish(&b, 7);
	if (r == 0 && lsl_msg_validate(b.buf, b.size, nfds, &e) < 0) {
		fprintf(stderr, "fuzz-message: rebuilt message refused: %s\n", e.msg);
		fail("rebuilt message refused", t->type);
	}
	if (r < 0 && r != -EMSGSIZE)
		fail("builder failed", t->type);
	lsl_msg_builder_free(&b);
}

static void check_accepted(const uint8_t *msg, size_t len, size_t nfds)
{
	struct lsl_msg_header h;
	const struct fuzz_msg_type *t;

	memcpy(&h, msg, sizeof(h));
	t = fuzz_msg_type_find(h.type);
	if (!t)
		fail("accepted a type fuzz-message-types.h does not list (add it there)", h.type);
	if (!strcmp(lsl_msg_type_name(h.type), "unknown"))
		fail("accepted type has no name", h.type);
	if (len < t->fixed_size || h.size != len || len > LSL_MSG_MAX)
		fail("accepted a message of the wrong size", h.type);
	if (nfds < t->fds_min || nfds > t->fds_max)
		fail("accepted a wrong number of fds", h.type);

	for (size_t i = 0; i < FUZZ_MAX_STR && t->str[i]; i++) {
		uint32_t off;
		memcpy(&off, msg + t->str[i], sizeof(off));
		check_str(msg, len, off, h.type);
	}
	for (size_t i = 0; i < FUZZ_MAX_STRV && t->strv[i]; i++) {
		struct lsl_strv v;
		const char **vec = NULL;
		memcpy(&v, msg + t->strv[i], sizeof(v));
		if (v.count == 0)
			continue;
		if (v.count > LSL_STRV_MAX)
			fail("accepted an oversized string array", h.type);
		if (lsl_msg_strv(msg, &v, &vec) < 0)
			fail("lsl_msg_strv failed", h.type);
		for (uint32_t j = 0; j < v.count; j++)
			if (!vec[j] || (size_t)(vec[j] - (const char *)msg) + strlen(vec[j]) >= len)
				fail("accepted string array entry runs past the message", h.type);
		if (vec[v.count])
			fail("string array is not NULL-terminated", h.type);
		free(vec);
	}
	rebuild(msg, len, t);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct lsl_err e = { 0 };
	size_t nfds, len;
	uint8_t *msg;
	int r;

	if (size < 1 || size > LSL_MSG_MAX + 64)
		return 0;
	nfds = data[0] & 7;
	len = size - 1;
	/* A buffer of exactly the packet's size: any read past it is a sanitizer report. */
	msg = malloc(len ? len : 1);
	if (!msg)
		return 0;
	memcpy(msg, data + 1, len);
	if ((data[0] & 8) && len >= sizeof(struct lsl_msg_header)) {
		uint32_t n = (uint32_t)len;
		memcpy(msg + offsetof(struct lsl_msg_header, size), &n, sizeof(n));
	}

	r = lsl_msg_validate(msg, len, nfds, &e);
	if (r == 0)
		check_accepted(msg, len, nfds);
	else if (r != -EBADMSG || e.code != -EBADMSG || !e.msg[0])
		fail("refusal without -EBADMSG and a reason", 0);
	/* Without an error struct the answer is the same. */
	if (lsl_msg_validate(msg, len, nfds, NULL) != r)
		fail("validation depends on the error struct", 0);
	free(msg);
	return 0;
}
