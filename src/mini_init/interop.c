/* SPDX-License-Identifier: MIT */
/*
 * SET_INTEROP: lsl's binfmt_misc entry exists while the service says some
 * running distribution wants interop, and never outlives mini_init.
 */
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "binfmt.h"
#include "mini-init.h"
#include "paths.h"
#include "util.h"

/* Remove lsl's binfmt_misc entry and let go of binfmt_misc. */
static int interop_off(struct lsl_mini_init *mi, struct lsl_err *e)
{
	int r = lsl_binfmt_set(mi->binfmt_fd, lsl_binfmt_name(), NULL, false, e);

	if (r == 0)
		close(TAKE_FD(mi->binfmt_fd));
	return r;
}

static int interop_on(struct lsl_mini_init *mi, struct lsl_err *e)
{
	_cleanup_free_ char *interpreter = lsl_helper_path("lsl-interop");
	_cleanup_close_ int fd = -1;
	int r;

	if (!interpreter)
		return lsl_err_set(e, errno, "finding lsl's interop interpreter");
	fd = lsl_binfmt_open(e);
	if (fd < 0)
		return fd;
	r = lsl_binfmt_set(fd, lsl_binfmt_name(), interpreter, true, e);
	if (r == 0)
		mi->binfmt_fd = TAKE_FD(fd);
	return r;
}

void lsl_interop_release(struct lsl_mini_init *mi)
{
	struct lsl_err e = { 0 };

	if (mi->binfmt_fd >= 0 && interop_off(mi, &e) < 0)
		log_warning("%s", lsl_err_str(&e));
}

/*
 * Asked again while registered (after a distribution booted its own systemd):
 * make sure nothing removed or disabled the entry meanwhile.
 */
static int interop_recheck(struct lsl_mini_init *mi, struct lsl_err *e)
{
	_cleanup_free_ char *interpreter = NULL;
	int r = lsl_binfmt_present(mi->binfmt_fd, lsl_binfmt_name());

	if (r > 0)
		return 0;
	if (r < 0)
		log_warning_errno(r, "checking the binfmt_misc entry %s", lsl_binfmt_name());
	interpreter = lsl_helper_path("lsl-interop");
	if (!interpreter)
		return lsl_err_set(e, errno, "finding lsl's interop interpreter");
	r = lsl_binfmt_set(mi->binfmt_fd, lsl_binfmt_name(), interpreter, true, e);
	if (r < 0)
		log_warning("%s", lsl_err_str(e));
	else
		log_warning("binfmt_misc entry %s was removed or disabled by someone else: registered again",
			    lsl_binfmt_name());
	return r;
}

/* SET_INTEROP: lsl's binfmt_misc entry while some running distribution wants interop. */
void lsl_handle_set_interop(struct lsl_mini_init *mi, const struct lsl_received *r)
{
	const struct lsl_msg_set_interop *m = r->msg;
	bool enabled = m->enabled != 0;
	struct lsl_err e = { 0 };
	int ret = 0;

	if (enabled != (mi->binfmt_fd >= 0)) {
		ret = enabled ? interop_on(mi, &e) : interop_off(mi, &e);
		if (ret == 0)
			log_info("binfmt_misc entry %s %s", lsl_binfmt_name(), enabled ? "registered" : "removed");
		else
			log_warning("%s", lsl_err_str(&e));
	} else if (enabled) {
		ret = interop_recheck(mi, &e);
	}
	ret = lsl_channel_send_result(mi->control_fd, lsl_received_header(r)->seq, ret,
				      ret < 0 ? lsl_err_str(&e) : NULL);
	if (ret < 0)
		log_warning_errno(ret, "sending RESULT");
}
