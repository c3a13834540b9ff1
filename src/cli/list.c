/* SPDX-License-Identifier: MIT */
/* LIST: collect the service's entries, then print them in the style asked for. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "list-format.h"
#include "service-client.h"
#include "util.h"

struct collected {
	struct lsl_list_item *items;
	size_t n;
};

static void collected_free(struct collected *c)
{
	for (size_t k = 0; k < c->n; k++) {
		free((char *)c->items[k].name);
		free((char *)c->items[k].os_id);
		free((char *)c->items[k].os_version);
	}
	free(c->items);
}

static int on_entry(void *userdata, const struct lsl_msg_list_entry *m, struct lsl_err *e)
{
	struct collected *c = userdata;
	const char *name = lsl_msg_str(m, m->name);
	struct lsl_list_item *grown;
	char *copy;

	if (isempty(name))
		return lsl_err_setf(e, EBADMSG, "lslservice listed a distribution without a name");
	copy = strdup(name);
	grown = copy ? realloc(c->items, (c->n + 1) * sizeof(*grown)) : NULL;
	if (!grown) {
		free(copy);
		return lsl_err_set(e, ENOMEM, "listing distributions");
	}
	c->items = grown;
	c->items[c->n++] = (struct lsl_list_item){
		.name = copy,
		.state = m->state,
		.is_default = m->flags & LSL_ENTRY_DEFAULT,
		.seen = m->flags & LSL_ENTRY_SEEN,
		.os_id = strdup_or_null(lsl_msg_str(m, m->os_id)),
		.os_version = strdup_or_null(lsl_msg_str(m, m->os_version)),
		.default_uid = m->default_uid,
		.systemd = m->flags & LSL_ENTRY_SYSTEMD,
	};
	return 0;
}

int lsl_cmd_list(const struct lsl_args *a, struct lsl_err *e)
{
	_cleanup_msg_ struct lsl_msg_builder b = { 0 };
	_cleanup_close_ int svc = -1;
	_cleanup_free_ char *text = NULL;
	struct collected c = { 0 };
	struct lsl_reply_ops ops = { .list_entry = on_entry, .userdata = &c };
	enum lsl_list_style style;
	int r;

	if (a->mounts)
		return lsl_cmd_list_mounts(a, e);
	svc = lsl_service_open(e);
	if (svc < 0)
		return svc;
	r = lsl_msg_init(&b, LSL_MSG_LIST, sizeof(struct lsl_msg_list));
	if (r < 0)
		return lsl_err_set(e, r, "listing distributions");
	((struct lsl_msg_list *)lsl_msg_body(&b))->flags = a->running ? LSL_LIST_RUNNING_ONLY : 0;
	r = lsl_service_request(svc, &b, NULL, 0, &ops, e);
	if (r < 0)
		goto out;

	if (c.n == 0 && !a->quiet) {
		if (a->running) {
			puts("There are no running distributions.");
		} else {
			/* Like wsl.exe: nothing to list is a failure, with the way out. */
			r = lsl_err_setf(e, ENOENT,
					 "no distributions are installed: install one with 'lsl --install %s'",
					 LSL_DEFAULT_INSTALL);
		}
		goto out;
	}
	style = a->quiet ? LSL_LIST_QUIET : a->verbose ? LSL_LIST_VERBOSE : LSL_LIST_PLAIN;
	text = lsl_list_format(c.items, c.n, style);
	if (!text) {
		r = lsl_err_set(e, ENOMEM, "listing distributions");
		goto out;
	}
	fputs(text, stdout);
out:
	collected_free(&c);
	return r;
}
