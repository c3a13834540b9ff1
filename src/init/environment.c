/* SPDX-License-Identifier: MIT */
#include "environment.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "kv-file.h"
#include "macros.h"
#include "root-file.h"
#include "util.h"

bool lsl_env_value_ok(const char *v)
{
	size_t n = v ? strlen(v) : 0;

	if (n == 0 || n > 255)
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)v[i] <= ' ' || (unsigned char)v[i] >= 0x7f)
			return false;
	return true;
}

static int lang_from(int rootfd, const char *path, char **lang)
{
	_cleanup_free_ char *text = NULL;
	char *v = NULL;
	int r = lsl_read_root_file(rootfd, path, LSL_KV_FILE_MAX, &text);

	if (r < 0)
		return r == -ENOMEM ? r : -ENOENT;
	r = lsl_kv_get(text, "LANG", &v);
	if (r < 0)
		return r;
	if (!lsl_env_value_ok(v)) {
		free(v);
		return -ENOENT;
	}
	*lang = v;
	return 0;
}

int lsl_locale_lang_at(int rootfd, char **lang)
{
	int r;

	*lang = NULL;
	r = lang_from(rootfd, "/etc/default/locale", lang);
	if (r == -ENOENT)
		r = lang_from(rootfd, "/etc/locale.conf", lang);
	return r == -ENOENT ? 0 : r;
}

const char *lsl_env_get(char *const *env, const char *name)
{
	size_t n = strlen(name);

	for (; env && *env; env++)
		if (strncmp(*env, name, n) == 0 && (*env)[n] == '=')
			return *env + n + 1;
	return NULL;
}

static int add(char ***env, const char *name, const char *value)
{
	_cleanup_free_ char *s = NULL;

	if (!value)
		return 0;
	s = strdup_printf("%s=%s", name, value);
	if (!s)
		return -ENOMEM;
	return strv_extend(env, s);
}

int lsl_build_environment(const struct lsl_user *u, const char *const *caller_env, const char *distro_lang,
			  const char *distribution, char ***out)
{
	_cleanup_strv_free_ char **env = NULL;
	const char *term = lsl_env_get((char *const *)caller_env, "TERM");
	const char *lang = lsl_env_get((char *const *)caller_env, "LANG");
	int r = 0;

	if (!lsl_env_value_ok(term))
		term = NULL;
	if (!lsl_env_value_ok(lang))
		lang = NULL;
	if (distro_lang)
		lang = distro_lang;

	r = strv_extend(&env, "PATH=" LSL_DEFAULT_PATH);
	if (r == 0)
		r = add(&env, "HOME", u->home);
	if (r == 0)
		r = add(&env, "USER", u->name);
	if (r == 0)
		r = add(&env, "LOGNAME", u->name);
	if (r == 0)
		r = add(&env, "SHELL", u->shell);
	if (r == 0)
		r = add(&env, "TERM", term);
	if (r == 0)
		r = add(&env, "LANG", lang);
	if (r == 0 && !isempty(distribution))
		r = add(&env, "LSL_DISTRO_NAME", distribution);
	if (r < 0)
		return r;
	*out = TAKE_PTR(env);
	return 0;
}
