/* SPDX-License-Identifier: MIT */
/* A request's replies, as lsl reads them: in order, checked, and every failure said in words. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "channel.h"
#include "service-client.h"
#include "util.h"

struct seen {
	char warnings[4][128];
	size_t nwarnings;
	uint64_t done, total;
	size_t nprogress;
	char names[4][64];
	size_t nentries;
	int fail_entries;
};

static void on_warning(void *userdata, const char *text)
{
	struct seen *s = userdata;
	if (s->nwarnings < 4)
		snprintf(s->warnings[s->nwarnings++], sizeof(s->warnings[0]), "%s", text);
}

static void on_progress(void *userdata, uint64_t done, uint64_t total)
{
	struct seen *s = userdata;
	s->done = done;
	s->total = total;
	s->nprogress++;
}

static int on_entry(void *userdata, const struct lsl_msg_list_entry *m, struct lsl_err *e)
{
	struct seen *s = userdata;
	if (s->fail_entries)
		return lsl_err_setf(e, ENOMEM, "collecting entries");
	if (s->nentries < 4)
		snprintf(s->names[s->nentries++], sizeof(s->names[0]), "%s", lsl_msg_str(m, m->name));
	return 0;
}

struct pair {
	int lsl, service;
};

static int setup(void **state)
{
	int sv[2];
	struct pair *p = malloc(sizeof(*p));

	assert_non_null(p);
	assert_int_equal(lsl_channel_pair(sv), 0);
	p->lsl = sv[0];
	p->service = sv[1];
	*state = p;
	return 0;
}

static int teardown(void **state)
{
	struct pair *p = *state;
	if (p->lsl >= 0)
		close(p->lsl);
	if (p->service >= 0)
		close(p->service);
	free(p);
	return 0;
}

/* lsl sends a LIST; the service side reads it and returns its seq. */
static uint64_t send_list(struct pair *p, uint64_t *seq)
{
	_cleanup_msg_ struct lsl_msg_builder b = { 0 };
	_cleanup_received_ struct lsl_received r = { .nfds = 0 };
	struct lsl_err e = { 0 };

	assert_int_equal(lsl_msg_init(&b, LSL_MSG_LIST, sizeof(struct lsl_msg_list)), 0);
	assert_int_equal(lsl_service_send(p->lsl, &b, NULL, 0, seq, &e), 0);
	assert_int_equal(lsl_channel_recv(p->service, &r, NULL), 0);
	assert_int_equal(lsl_received_header(&r)->type, LSL_MSG_LIST);
	assert_int_equal(lsl_received_header(&r)->seq, *seq);
	return *seq;
}

static void reply_warning(int fd, uint64_t seq, const char *text)
{
	assert_int_equal(lsl_channel_send_warning(fd, seq, text), 0);
}

static void reply_progress(int fd, uint64_t seq, uint64_t done, uint64_t total)
{
	_cleanup_msg_ struct lsl_msg_builder b = { 0 };
	struct lsl_msg_progress *m;

	assert_int_equal(lsl_msg_init(&b, LSL_MSG_PROGRESS, sizeof(*m)), 0);
	m = lsl_msg_body(&b);
	m->done = done;
	m->total = total;
	assert_int_equal(lsl_channel_send_builder(fd, &b, seq, NULL, 0), 0);
}

static void reply_entry(int fd, uint64_t seq, const char *name)
{
	_cleanup_msg_ struct lsl_msg_builder b = { 0 };

	assert_int_equal(lsl_msg_init(&b, LSL_MSG_LIST_ENTRY, sizeof(struct lsl_msg_list_entry)), 0);
	lsl_msg_put_str(&b, LSL_FIELD(lsl_msg_list_entry, name), name);
	assert_int_equal(lsl_channel_send_builder(fd, &b, seq, NULL, 0), 0);
}

/* Step until the RESULT (or an error); returns the last step's value. */
static int steps(struct pair *p, uint64_t seq, const struct lsl_reply_ops *ops, struct lsl_err *e)
{
	int r;
	do
		r = lsl_service_reply_step(p->lsl, seq, ops, e);
	while (r == 0);
	return r;
}

static void test_replies_in_order(void **state)
{
	struct pair *p = *state;
	struct seen s = { 0 };
	struct lsl_reply_ops ops = { .warning = on_warning, .progress = on_progress, .list_entry = on_entry, .userdata = &s };
	struct lsl_err e = { 0 };
	uint64_t seq;

	send_list(p, &seq);
	reply_warning(p->service, seq, "/etc/wsl.conf:3: Unknown key 'x.y'");
	reply_progress(p->service, seq, 10, 100);
	reply_entry(p->service, seq, "alpha");
	reply_entry(p->service, seq, "beta");
	assert_int_equal(lsl_channel_send_result(p->service, seq, 0, NULL), 0);

	assert_int_equal(steps(p, seq, &ops, &e), 1);
	assert_int_equal(s.nwarnings, 1);
	assert_string_equal(s.warnings[0], "/etc/wsl.conf:3: Unknown key 'x.y'");
	assert_int_equal(s.nprogress, 1);
	assert_int_equal(s.done, 10);
	assert_int_equal(s.total, 100);
	assert_int_equal(s.nentries, 2);
	assert_string_equal(s.names[0], "alpha");
	assert_string_equal(s.names[1], "beta");
}

static void test_failed_result_is_the_message(void **state)
{
	struct pair *p = *state;
	struct lsl_err e = { 0 };
	uint64_t seq;

	send_list(p, &seq);
	assert_int_equal(lsl_channel_send_result(p->service, seq, -ENOENT, "there is no distribution named 'x'"), 0);
	assert_int_equal(steps(p, seq, NULL, &e), -ENOENT);
	assert_string_equal(lsl_err_str(&e), "there is no distribution named 'x'");

	/* Without a message, the errno says it. */
	send_list(p, &seq);
	assert_int_equal(lsl_channel_send_result(p->service, seq, -EPERM, NULL), 0);
	assert_int_equal(steps(p, seq, NULL, &e), -EPERM);
	assert_non_null(strstr(lsl_err_str(&e), strerror(EPERM)));
}

static void test_other_seq_refused(void **state)
{
	struct pair *p = *state;
	struct lsl_err e = { 0 };
	uint64_t seq;

	send_list(p, &seq);
	assert_int_equal(lsl_channel_send_result(p->service, seq + 1, 0, NULL), 0);
	assert_int_equal(steps(p, seq, NULL, &e), -EBADMSG);
	assert_non_null(strstr(lsl_err_str(&e), "another request"));
}

static void test_unexpected_types_refused(void **state)
{
	struct pair *p = *state;
	struct lsl_err e = { 0 };
	uint64_t seq;

	/* A LIST_ENTRY where nobody collects them. */
	send_list(p, &seq);
	reply_entry(p->service, seq, "alpha");
	assert_int_equal(steps(p, seq, NULL, &e), -EBADMSG);
	assert_non_null(strstr(lsl_err_str(&e), "unexpected LIST_ENTRY"));

	/* A request type coming back. */
	{
		_cleanup_msg_ struct lsl_msg_builder b = { 0 };
		send_list(p, &seq);
		assert_int_equal(lsl_msg_init(&b, LSL_MSG_SHUTDOWN, sizeof(struct lsl_msg_empty)), 0);
		assert_int_equal(lsl_channel_send_builder(p->service, &b, seq, NULL, 0), 0);
		assert_int_equal(steps(p, seq, NULL, &e), -EBADMSG);
		assert_non_null(strstr(lsl_err_str(&e), "unexpected SHUTDOWN"));
	}
}

static void test_collector_failure_stops(void **state)
{
	struct pair *p = *state;
	struct seen s = { .fail_entries = 1 };
	struct lsl_reply_ops ops = { .list_entry = on_entry, .userdata = &s };
	struct lsl_err e = { 0 };
	uint64_t seq;

	send_list(p, &seq);
	reply_entry(p->service, seq, "alpha");
	assert_int_equal(steps(p, seq, &ops, &e), -ENOMEM);
	assert_string_equal(lsl_err_str(&e), "collecting entries");
}

static void test_malformed_and_eof(void **state)
{
	struct pair *p = *state;
	struct lsl_err e = { 0 };
	uint64_t seq;
	uint8_t junk[40] = { 0xff, 0xff, 0xff, 0x7f, 40, 0 };

	send_list(p, &seq);
	assert_int_equal(send(p->service, junk, sizeof(junk), 0), (ssize_t)sizeof(junk));
	assert_int_equal(steps(p, seq, NULL, &e), -EBADMSG);
	assert_non_null(strstr(lsl_err_str(&e), "reading lslservice's answer"));

	close(p->service);
	p->service = -1;
	assert_int_equal(steps(p, seq, NULL, &e), -ECONNRESET);
	assert_non_null(strstr(lsl_err_str(&e), "closed the connection"));
}

static void test_simple_request_and_shutdown(void **state)
{
	struct pair *p = *state;
	struct lsl_err e = { 0 };
	pid_t pid;
	int status;

	/* The service side, in a child: answer SET_DEFAULT, then SHUTDOWN and hang up. */
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct lsl_received r = { .nfds = 0 };
		const struct lsl_msg_name *m;
		close(p->lsl);
		if (lsl_channel_recv(p->service, &r, NULL) < 0 || lsl_received_header(&r)->type != LSL_MSG_SET_DEFAULT)
			_exit(2);
		m = r.msg;
		if (!streq_ptr(lsl_msg_str(r.msg, m->name), "deb"))
			_exit(3);
		lsl_channel_send_result(p->service, lsl_received_header(&r)->seq, 0, NULL);
		lsl_received_free(&r);
		if (lsl_channel_recv(p->service, &r, NULL) < 0 || lsl_received_header(&r)->type != LSL_MSG_SHUTDOWN)
			_exit(4);
		lsl_channel_send_result(p->service, lsl_received_header(&r)->seq, 0, NULL);
		lsl_channel_send_warning(p->service, lsl_received_header(&r)->seq, "stopping");
		lsl_received_free(&r);
		_exit(0);
	}
	close(p->service);
	p->service = -1;
	assert_int_equal(lsl_service_simple_request(p->lsl, LSL_MSG_SET_DEFAULT, "deb", &e), 0);
	/* Returns only once the service has closed the connection. */
	assert_int_equal(lsl_service_shutdown(p->lsl, &e), 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_replies_in_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_failed_result_is_the_message, setup, teardown),
		cmocka_unit_test_setup_teardown(test_other_seq_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unexpected_types_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_collector_failure_stops, setup, teardown),
		cmocka_unit_test_setup_teardown(test_malformed_and_eof, setup, teardown),
		cmocka_unit_test_setup_teardown(test_simple_request_and_shutdown, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
