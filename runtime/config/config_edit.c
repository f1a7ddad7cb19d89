/* config_edit.c - a config document changed by rewriting it with the JSON
 * writer: every member is copied in its order (jw_value) except those an
 * edit replaces, so what the user wrote survives and the usual parse and
 * validation then run on the result. `create --template` and `run` use it. */
#include <errno.h>
#include <string.h>

#include "json.h"
#include "runtime.h"

static bool env_key_in(const char *kv, char *const *env)
{
	size_t klen = strcspn(kv, "=") + 1;
	for (size_t i = 0; env && env[i]; i++)
		if (!strncmp(env[i], kv, klen))
			return true;
	return false;
}

static void write_env(struct jw *w, const struct jv *old, char *const *env)
{
	jw_arr_open(w);
	for (size_t i = 0; i < jv_len(old); i++) {
		const char *kv;
		if (jv_string(jv_at(old, i), "", &kv, NULL) == 0 && !env_key_in(kv, env))
			jw_str(w, kv);
	}
	for (size_t i = 0; env && env[i]; i++)
		jw_str(w, env[i]);
	jw_arr_close(w);
}

static void write_process(struct jw *w, const struct jv *old, const struct config_edit *e)
{
	jw_obj_open(w);
	for (size_t i = 0; i < jv_len(old); i++) {
		const char *key = jv_key(old, i);
		if ((e->args && !strcmp(key, "args")) || (e->cwd && !strcmp(key, "cwd")))
			continue;
		jw_key(w, key);
		if (!strcmp(key, "env"))
			write_env(w, jv_val(old, i), e->env);
		else
			jw_value(w, jv_val(old, i));
	}
	if (e->env && !jv_get(old, "env")) {
		jw_key(w, "env");
		write_env(w, NULL, e->env);
	}
	if (e->args) {
		jw_key(w, "args");
		jw_strv(w, e->args);
	}
	if (e->cwd)
		jw_kstr(w, "cwd", e->cwd);
	jw_obj_close(w);
}

/* A "cgroup" mount as it was, "ro" made "rw". */
static void write_cgroup_rw(struct jw *w, const struct jv *m)
{
	jw_obj_open(w);
	for (size_t i = 0; i < jv_len(m); i++) {
		const char *key = jv_key(m, i);
		const struct jv *v = jv_val(m, i);
		jw_key(w, key);
		if (strcmp(key, "options") || jv_type(v) != JV_ARRAY) {
			jw_value(w, v);
			continue;
		}
		jw_arr_open(w);
		for (size_t k = 0; k < jv_len(v); k++) {
			const char *o;
			if (jv_string(jv_at(v, k), "", &o, NULL) == 0 && !strcmp(o, "ro"))
				jw_str(w, "rw");
			else
				jw_value(w, jv_at(v, k));
		}
		jw_arr_close(w);
	}
	jw_obj_close(w);
}

static bool is_cgroup_mount(const struct jv *m)
{
	const char *type;
	return jv_string(jv_get(m, "type"), "", &type, NULL) == 0 &&
	       (!strcmp(type, "cgroup") || !strcmp(type, "cgroup2"));
}

static void write_mounts(struct jw *w, const struct jv *old, const struct config_edit *e)
{
	jw_arr_open(w);
	for (size_t i = 0; i < jv_len(old); i++)
		if (e->cgroup_rw && is_cgroup_mount(jv_at(old, i)))
			write_cgroup_rw(w, jv_at(old, i));
		else
			jw_value(w, jv_at(old, i));
	for (size_t i = 0; i < e->n_mounts; i++) {
		const struct iso_mount *m = &e->mounts[i];
		jw_obj_open(w);
		jw_kstr(w, "destination", m->destination);
		jw_kstr(w, "type", m->type);
		jw_kstr(w, "source", m->source);
		jw_key(w, "options");
		jw_strv(w, m->options);
		jw_obj_close(w);
	}
	jw_arr_close(w);
}

static void write_zone(struct jw *w, const struct jv *old, const struct config_edit *e)
{
	jw_obj_open(w);
	for (size_t i = 0; i < jv_len(old); i++) {
		const char *key = jv_key(old, i);
		if ((e->template_name && (!strcmp(key, "template") || !strcmp(key, "brand"))) ||
		    (e->ephemeral && !strcmp(key, "ephemeral")) ||
		    (e->init && !strcmp(key, "init")))
			continue;
		jw_key(w, key);
		jw_value(w, jv_val(old, i));
	}
	if (e->template_name) {
		jw_kstr(w, "brand", zone_brand_name(ZONE_BRAND_WHOLE));
		jw_kstr(w, "template", e->template_name);
	}
	if (e->ephemeral)
		jw_kbool(w, "ephemeral", true);
	if (e->init)
		jw_kstr(w, "init", e->init);
	jw_obj_close(w);
}

int zone_config_doc(const char *name, const char *text, size_t len, struct jv **doc,
		    struct zerr *err)
{
	int r = json_parse(text, len, doc, err);
	if (r < 0)
		return zerr_prefix(err, "zone %s: config", name);
	if (jv_type(*doc) == JV_OBJECT)
		return 0;
	json_freep(doc);
	return zerr_setx(err, EINVAL, "zone %s: config: top level: expected an object", name);
}

int zone_config_edit(const char *name, char **text, size_t *len, const struct config_edit *e,
		     struct zerr *err)
{
	cleanup_json struct jv *doc = NULL;
	int r = zone_config_doc(name, *text, *len, &doc, err);
	if (r < 0)
		return r;
	bool process = e->args || e->env || e->cwd, mounts = e->n_mounts > 0 || e->cgroup_rw;
	bool zone = e->template_name || e->ephemeral || e->init;
	struct jw *w = jw_new(true);
	jw_obj_open(w);
	for (size_t i = 0; i < jv_len(doc); i++) {
		const char *key = jv_key(doc, i);
		const struct jv *v = jv_val(doc, i);
		jw_key(w, key);
		if (process && !strcmp(key, "process"))
			write_process(w, v, e), process = false;
		else if (mounts && !strcmp(key, "mounts"))
			write_mounts(w, v, e), mounts = false;
		else if (zone && !strcmp(key, "zone"))
			write_zone(w, v, e), zone = false;
		else
			jw_value(w, v);
	}
	if (process) {
		jw_key(w, "process");
		write_process(w, NULL, e);
	}
	if (mounts) {
		jw_key(w, "mounts");
		write_mounts(w, NULL, e);
	}
	if (zone) {
		jw_key(w, "zone");
		write_zone(w, NULL, e);
	}
	jw_obj_close(w);
	char *out = jw_finish(w, len);
	if (!out)
		return zerr_setx(err, EINVAL, "zone %s: config: could not rewrite it", name);
	free(*text);
	*text = out;
	return 0;
}
