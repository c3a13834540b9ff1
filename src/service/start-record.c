/* SPDX-License-Identifier: MIT */
#include "start-record.h"

#include <errno.h>
#include <stdlib.h>

#include "util.h"

static bool set_word(char **slot, const char *v)
{
	const char *want = v && lsl_registry_word_valid(v) ? v : NULL;
	char *copy;

	if (streq_ptr(*slot, want))
		return false;
	copy = strdup_or_null(want);
	if (want && !copy)
		return false;
	free(*slot);
	*slot = copy;
	return true;
}

static bool apply_start_info(struct lsl_distro *d, const void *data)
{
	const struct lsl_start_record *si = data;
	bool changed = !d->seen || d->user_uid != si->user_uid || d->systemd != si->systemd;

	changed |= set_word(&d->os_id, si->os_id);
	changed |= set_word(&d->os_version, si->os_version);
	d->seen = true;
	d->user_uid = si->user_uid;
	d->systemd = si->systemd;
	if (si->first_run_done && d->first_run) {
		d->first_run = false;
		changed = true;
	}
	if (si->default_uid >= 0 && d->default_uid != (uint32_t)si->default_uid) {
		d->default_uid = (uint32_t)si->default_uid;
		changed = true;
	}
	return changed;
}

static bool apply_first_run(struct lsl_distro *d, const void *data)
{
	const struct lsl_start_record *si = data;
	bool changed = d->first_run;

	d->first_run = false;
	if (si->default_uid >= 0 && d->default_uid != (uint32_t)si->default_uid) {
		d->default_uid = (uint32_t)si->default_uid;
		changed = true;
	}
	if (d->seen && d->user_uid != si->user_uid) {
		d->user_uid = si->user_uid;
		changed = true;
	}
	return changed;
}

void lsl_record_first_run(struct lsl_registry_store *store, const char *name, const struct lsl_start_record *si)
{
	struct lsl_err e = { 0 };
	int r = lsl_registry_update(store, name, apply_first_run, si, &e);

	if (r < 0 && r != -ENOENT)
		log_warning("%s: recording its first run: %s", name, lsl_err_str(&e));
}

void lsl_record_start(struct lsl_registry_store *store, const char *name, const struct lsl_start_record *si)
{
	struct lsl_err e = { 0 };
	int r = lsl_registry_update(store, name, apply_start_info, si, &e);

	if (r < 0 && r != -ENOENT)
		log_warning("%s: recording what it reported: %s", name, lsl_err_str(&e));
}
