/* SPDX-License-Identifier: MIT */
/* MANAGE: --resize, --set-default-user, --move (a progress bar while a move copies). */
#include <errno.h>
#include <unistd.h>

#include "bar-request.h"
#include "cli.h"
#include "util.h"

int lsl_cmd_manage(const struct lsl_args *a, struct lsl_err *e)
{
	_cleanup_msg_ struct lsl_msg_builder b = { 0 };
	_cleanup_close_ int svc = -1;
	_cleanup_free_ char *label = NULL;
	bool show = a->manage == LSL_MANAGE_MOVE && isatty(STDERR_FILENO);
	struct lsl_msg_manage *m;
	int r;

	svc = lsl_service_open(e);
	if (svc < 0)
		return svc;
	r = lsl_msg_init(&b, LSL_MSG_MANAGE, sizeof(*m));
	if (r < 0)
		return lsl_err_set(e, r, "preparing the request");
	m = lsl_msg_body(&b);
	m->action = a->manage;
	m->flags = show ? LSL_EXPORT_PROGRESS : 0;
	m->size = a->size;
	lsl_msg_put_str(&b, LSL_FIELD(lsl_msg_manage, name), a->name);
	lsl_msg_put_str(&b, LSL_FIELD(lsl_msg_manage, user), a->manage_user);
	lsl_msg_put_str(&b, LSL_FIELD(lsl_msg_manage, location), a->location);
	if (show && !(label = strdup_printf("Moving %s", a->name)))
		return lsl_err_set(e, ENOMEM, "moving");
	r = lsl_request_with_bar(svc, &b, NULL, 0, label, e);
	if (r < 0)
		return r;
	lsl_print_success();
	return 0;
}
