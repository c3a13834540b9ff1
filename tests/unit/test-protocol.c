/* SPDX-License-Identifier: MIT */
/* Protocol validation: every malformed shape is refused, well-formed messages round-trip. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "channel.h"
#include "protocol.h"

static int build_run(struct lsl_msg_builder *b)
{
	const char *argv[] = { "-c", "echo hi", NULL };
	const char *env[] = { "TERM=xterm", NULL };
	int r = lsl_msg_init(b, LSL_MSG_RUN, sizeof(struct lsl_msg_run));

	if (r < 0)
		return r;
	((struct lsl_msg_run *)lsl_msg_body(b))->flags = LSL_RUN_SHELL;
	lsl_msg_put_str(b, LSL_FIELD(lsl_msg_run, distribution), "debian");
	lsl_msg_put_str(b, LSL_FIELD(lsl_msg_run, cwd), "~");
	lsl_msg_put_strv(b, LSL_FIELD(lsl_msg_run, argv), argv);
	lsl_msg_put_strv(b, LSL_FIELD(lsl_msg_run, env), env);
	return lsl_msg_finish(b, 7);
}

static void test_roundtrip(void **state)
{
	_cleanup_msg_ struct lsl_msg_builder b;
	const struct lsl_msg_run *m;
	_cleanup_free_ const char **argv = NULL;

	assert_int_equal(build_run(&b), 0);
	assert_int_equal(lsl_msg_validate(b.buf, b.size, 4, NULL), 0);
	m = (const void *)b.buf;
	assert_int_equal(m->hdr.seq, 7);
	assert_string_equal(lsl_msg_str(m, m->distribution), "debian");
	assert_null(lsl_msg_str(m, m->user));
	assert_int_equal(lsl_msg_strv(m, &m->argv, &argv), 0);
	assert_string_equal(argv[0], "-c");
	assert_string_equal(argv[1], "echo hi");
	assert_null(argv[2]);
}

static void test_wrong_fd_count(void **state)
{
	_cleanup_msg_ struct lsl_msg_builder b;

	assert_int_equal(build_run(&b), 0);
	assert_int_equal(lsl_msg_validate(b.buf, b.size, 3, NULL), -EBADMSG);
	assert_int_equal(lsl_msg_validate(b.buf, b.size, 0, NULL), -EBADMSG);
}

static void test_bad_sizes(void **state)
{
	_cleanup_msg_ struct lsl_msg_builder b;
	struct lsl_msg_header h = { .type = LSL_MSG_RUN, .size = sizeof(h) };
	struct lsl_err e = { 0 };

	assert_int_equal(build_run(&b), 0);
	/* Declared size differs from what arrived. */
	assert_int_equal(lsl_msg_validate(b.buf, b.size - 1, 4, &e), -EBADMSG);
	assert_non_null(strstr(e.msg, "bytes"));
	/* Shorter than the header. */
	assert_int_equal(lsl_msg_validate(b.buf, 4, 4, NULL), -EBADMSG);
	/* Header only, for a type with a fixed body. */
	assert_int_equal(lsl_msg_validate(&h, sizeof(h), 4, NULL), -EBADMSG);
	/* Unknown type. */
	h.type = 9999;
	assert_int_equal(lsl_msg_validate(&h, sizeof(h), 0, NULL), -EBADMSG);
}

static void test_bad_string_offsets(void **state)
{
	_cleanup_msg_ struct lsl_msg_builder b;
	struct lsl_msg_run *m;

	assert_int_equal(build_run(&b), 0);
	m = (void *)b.buf;
	/* Offset past the end. */
	m->user = (uint32_t)b.size + 10;
	assert_int_equal(lsl_msg_validate(b.buf, b.size, 4, NULL), -EBADMSG);
	/* Offset inside the fixed part (would alias binary fields). */
	m->user = 4;
	assert_int_equal(lsl_msg_validate(b.buf, b.size, 4, NULL), -EBADMSG);
	m->user = 0;
	assert_int_equal(lsl_msg_validate(b.buf, b.size, 4, NULL), 0);
	/* Unterminated: remove the final NUL of the last string. */
	b.buf[b.size - 1] = 'x';
	assert_int_equal(lsl_msg_validate(b.buf, b.size, 4, NULL), -EBADMSG);
}

static void test_bad_strv(void **state)
{
	_cleanup_msg_ struct lsl_msg_builder b;
	struct lsl_msg_run *m;

	assert_int_equal(build_run(&b), 0);
	m = (void *)b.buf;
	/* More entries than the message holds. */
	m->argv.count = 50;
	assert_int_equal(lsl_msg_validate(b.buf, b.size, 4, NULL), -EBADMSG);
	m->argv.count = LSL_STRV_MAX + 1;
	assert_int_equal(lsl_msg_validate(b.buf, b.size, 4, NULL), -EBADMSG);
	m->argv.count = 2;
	m->argv.offset = 2;
	assert_int_equal(lsl_msg_validate(b.buf, b.size, 4, NULL), -EBADMSG);
}

static void test_too_large(void **state)
{
	_cleanup_msg_ struct lsl_msg_builder b;
	static char big[LSL_MSG_MAX];

	memset(big, 'a', sizeof(big) - 1);
	assert_int_equal(lsl_msg_init(&b, LSL_MSG_WARNING, sizeof(struct lsl_msg_warning)), 0);
	lsl_msg_put_str(&b, LSL_FIELD(lsl_msg_warning, text), big);
	assert_int_equal(lsl_msg_finish(&b, 1), -EMSGSIZE);
}

static void test_channel_fds(void **state)
{
	int sv[2], pipefd[2];
	_cleanup_received_ struct lsl_received r = { 0 };
	_cleanup_msg_ struct lsl_msg_builder b;

	assert_int_equal(lsl_channel_pair(sv), 0);
	assert_int_equal(pipe(pipefd), 0);
	/* RUN needs four fds: sending two must be refused by the receiver. */
	assert_int_equal(build_run(&b), 0);
	assert_int_equal(lsl_channel_send(sv[0], b.buf, b.size, pipefd, 2), 0);
	assert_int_equal(lsl_channel_recv(sv[1], &r, NULL), -EBADMSG);
	/* The right count passes, and the fds arrive. */
	int fds[4] = { pipefd[0], pipefd[1], pipefd[0], pipefd[1] };
	assert_int_equal(lsl_channel_send(sv[0], b.buf, b.size, fds, 4), 0);
	assert_int_equal(lsl_channel_recv(sv[1], &r, NULL), 0);
	assert_int_equal(r.nfds, 4);
	assert_int_equal(write(r.fds[1], "x", 1), 1);
	char c;
	assert_int_equal(read(pipefd[0], &c, 1), 1);
	close(sv[0]);
	lsl_received_free(&r);
	assert_int_equal(lsl_channel_recv(sv[1], &r, NULL), -ECONNRESET);
	close(sv[1]);
	close(pipefd[0]);
	close(pipefd[1]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip),       cmocka_unit_test(test_wrong_fd_count),
		cmocka_unit_test(test_bad_sizes),       cmocka_unit_test(test_bad_string_offsets),
		cmocka_unit_test(test_bad_strv),        cmocka_unit_test(test_too_large),
		cmocka_unit_test(test_channel_fds),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
