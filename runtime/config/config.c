/* config.c - a zone's config.json: the OCI runtime-spec document plus the
 * top-level "zone" object, parsed into struct zone_config.
 *
 * The parser makes one pass over the tree. Every object is walked with a
 * table of the keys it may hold (jv_walk), so a misspelt or unknown key is
 * an error that names its full path, not a setting silently lost; the
 * same table marks the keys that must be present.
 *
 * A key that asks only for a type and a range (a boolean, a string, an
 * absolute path, an integer within bounds, an object of such keys) is an
 * entry naming its member (JF_BOOL, JF_INT ... in json.h), and the walk
 * stores it. Handlers are left for what needs more: names looked up,
 * arrays of objects, checks beyond the range. Keys the OCI spec defines
 * but this runtime cannot honour have a handler that refuses them
 * ("linux.intelRdt: not supported") unless their value asks for nothing
 * (null, false, "", [] or {}), which is how generators write "unset".
 *
 * Keys come in any order, so the few checks that span objects (zone.init
 * "none" needs process.args, a hostname needs a uts namespace) run once
 * after the walk, in finalize().
 *
 * Every message is "zone NAME: config: PATH: what is wrong"; the path is
 * built while descending (struct jpath) and the prefix added once at the
 * end. On failure the config is freed, so callers have nothing to undo. */
#include <errno.h>
#include <inttypes.h>
#include <sched.h>
#include <stdint.h>
#include <string.h>

#include "config_int.h"

/* ---- helpers shared with config_linux.c -------------------------------- */

static bool asks_nothing(const struct jv *v)
{
	bool b;
	const char *s;
	switch (jv_type(v)) {
	case JV_NULL: return true;
	case JV_BOOL: return jv_bool(v, "", &b, NULL) == 0 && !b;
	case JV_STRING: return jv_string(v, "", &s, NULL) == 0 && !*s;
	case JV_ARRAY: return jv_len(v) == 0;
	case JV_OBJECT:
		for (size_t i = 0; i < jv_len(v); i++)
			if (!asks_nothing(jv_val(v, i)))
				return false;
		return true;
	default: return false;
	}
}

int zone_cfg_unsupported(const struct jv *v, struct jpath *p, void *ctx, struct zerr *err)
{
	(void)ctx;
	if (asks_nothing(v))
		return 0;
	return zerr_setx(err, EINVAL, "%s: not supported", jpath_str(p));
}

int zone_cfg_deprecated(const struct jv *v, struct jpath *p, void *ctx, struct zerr *err)
{
	(void)v, (void)ctx, (void)err;
	jpath_note(p, "deprecated");
	return 0;
}

/* The "zone" object is zonectl's own: a misspelt key there is an error. */
static int top_zone(const struct jv *v, struct jpath *p, void *ctx, struct zerr *err)
{
	return jv_walk_strict(v, p, zone_cfg_zone_fields, ctx, err);
}

int zone_cfg_strdup(const struct jv *v, const struct jpath *p, char **dst, struct zerr *err)
{
	const char *s;
	int r = jv_string(v, jpath_str(p), &s, err);
	if (r < 0)
		return r;
	*dst = xstrdup(s);
	return 0;
}

int zone_cfg_abspath(const struct jv *v, const struct jpath *p, char **dst, struct zerr *err)
{
	const char *s;
	int r = jv_string(v, jpath_str(p), &s, err);
	if (r < 0)
		return r;
	if (s[0] != '/')
		return zerr_setx(err, EINVAL, "%s: must be an absolute path, got `%s`",
				 jpath_str(p), s);
	*dst = xstrdup(s);
	return 0;
}

/* ---- process.user, process.capabilities, process.rlimits -------------- */

int zone_cfg_id(const struct jv *v, const struct jpath *p, uint32_t *dst, struct zerr *err)
{
	/* (uid_t)-1 means "no change" to setuid() and friends */
	int64_t n = 0;
	int r = jv_int_range(v, jpath_str(p), 0, UINT32_MAX - 1, &n, err);
	if (r == 0)
		*dst = (uint32_t)n;
	return r;
}

static int user_group(const struct jv *v, size_t i, struct jpath *p, void *ctx, struct zerr *err)
{
	return zone_cfg_id(v, p, &((struct iso_process *)ctx)->groups[i], err);
}

static int user_groups(const struct jv *v, struct jpath *p, void *ctx, struct zerr *err)
{
	struct iso_process *proc = ctx;
	int r = jv_expect(v, jpath_str(p), JV_ARRAY, err);
	if (r < 0)
		return r;
	proc->n_groups = jv_len(v);
	proc->groups = xcalloc(proc->n_groups, sizeof(gid_t));
	return jv_each(v, p, user_group, proc, err);
}

static const struct jfield user_fields[] = {
	JF_ID("uid", struct iso_process, uid),
	JF_ID("gid", struct iso_process, gid),
	JF_INT_HAS("umask", struct iso_process, umask, has_umask, 0, 0777),
	{"additionalGids", user_groups, 0},
	{"username", zone_cfg_unsupported, 0},
	{NULL, NULL, 0},
};

static int cap_set(const struct jv *v, struct jpath *p, uint64_t *set, struct zerr *err)
{
	int r = jv_expect(v, jpath_str(p), JV_ARRAY, err);
	if (r < 0)
		return r;
	for (size_t i = 0; i < jv_len(v); i++) {
		size_t mark = jpath_index(p, i);
		const char *name;
		r = jv_string(jv_at(v, i), p->buf, &name, err);
		if (r < 0)
			return r;
		int cap = iso_cap_from_name(name);
		if (cap < 0 || cap > 63)
			return zerr_setx(err, EINVAL, "%s: unknown capability `%s`", p->buf, name);
		*set |= 1ull << cap;
		jpath_pop(p, mark);
	}
	return 0;
}

#define CAP_HANDLER(fn, field)                                                          \
	static int fn(const struct jv *v, struct jpath *p, void *ctx, struct zerr *err) \
	{                                                                               \
		return cap_set(v, p, &((struct iso_caps *)ctx)->field, err);            \
	}
CAP_HANDLER(caps_bounding, bounding)
CAP_HANDLER(caps_effective, effective)
CAP_HANDLER(caps_inheritable, inheritable)
CAP_HANDLER(caps_permitted, permitted)
CAP_HANDLER(caps_ambient, ambient)

static const struct jfield caps_fields[] = {
	{"bounding", caps_bounding, 0},       {"effective", caps_effective, 0},
	{"inheritable", caps_inheritable, 0}, {"permitted", caps_permitted, 0},
	{"ambient", caps_ambient, 0},         {NULL, NULL, 0},
};

static int rlimit_type(const struct jv *v, struct jpath *p, void *ctx, struct zerr *err)
{
	const char *name;
	int r = jv_string(v, jpath_str(p), &name, err);
	if (r < 0)
		return r;
	int res = iso_rlimit_from_name(name);
	if (res < 0)
		return zerr_setx(err, EINVAL, "%s: unknown resource `%s`", jpath_str(p), name);
	((struct iso_rlimit *)ctx)->resource = res;
	return 0;
}

static const struct jfield rlimit_fields[] = {
	{"type", rlimit_type, JF_REQUIRED},
	JF_UINT("soft", struct iso_rlimit, soft, JF_REQUIRED),
	JF_UINT("hard", struct iso_rlimit, hard, JF_REQUIRED),
	{NULL, NULL, 0},
};

static int parse_rlimit(const struct jv *v, size_t i, struct jpath *p, void *ctx, struct zerr *err)
{
	struct iso_process *proc = ctx;
	struct iso_rlimit *rl = &proc->rlimits[i];
	int r = jv_walk(v, p, rlimit_fields, rl, err);
	if (r < 0)
		return r;
	if (rl->soft > rl->hard)
		return zerr_setx(err, EINVAL,
				 "%s: soft limit %" PRIu64 " exceeds hard limit %" PRIu64, p->buf,
				 rl->soft, rl->hard);
	for (size_t j = 0; j < i; j++)
		if (proc->rlimits[j].resource == rl->resource)
			return zerr_setx(err, EINVAL, "%s: %s given twice", p->buf,
					 iso_rlimit_name(rl->resource));
	return 0;
}

static int process_rlimits(const struct jv *v, struct jpath *p, void *ctx, struct zerr *err)
{
	struct iso_process *proc = ctx;
	int r = jv_expect(v, jpath_str(p), JV_ARRAY, err);
	if (r < 0)
		return r;
	proc->n_rlimits = jv_len(v);
	proc->rlimits = xcalloc(proc->n_rlimits, sizeof(struct iso_rlimit));
	return jv_each(v, p, parse_rlimit, proc, err);
}

/* ---- process ------------------------------------------------------------ */

static const struct jfield console_fields[] = {
	JF_INT("height", struct iso_process, console_rows, 0, 65535),
	JF_INT("width", struct iso_process, console_cols, 0, 65535),
	{NULL, NULL, 0},
};

static int process_args(const struct jv *v, struct jpath *p, void *ctx, struct zerr *err)
{
	struct iso_process *proc = ctx;
	int r = jv_strv(v, jpath_str(p), &proc->args, err);
	if (r < 0)
		return r;
	if (!proc->args[0])
		return zerr_setx(err, EINVAL, "%s: must not be empty", p->buf);
	if (!proc->args[0][0])
		return zerr_setx(err, EINVAL, "%s[0]: must not be empty", p->buf);
	return 0;
}

static int process_env(const struct jv *v, struct jpath *p, void *ctx, struct zerr *err)
{
	struct iso_process *proc = ctx;
	int r = jv_strv(v, jpath_str(p), &proc->env, err);
	if (r < 0)
		return r;
	for (size_t i = 0; proc->env[i]; i++) {
		const char *eq = strchr(proc->env[i], '=');
		if (!eq || eq == proc->env[i])
			return zerr_setx(err, EINVAL, "%s[%zu]: `%s` is not NAME=VALUE", p->buf, i,
					 proc->env[i]);
	}
	return 0;
}

static const struct jfield process_fields[] = {
	JF_BOOL("terminal", struct iso_process, terminal),
	JF_OBJECT("consoleSize", console_fields),
	JF_OBJECT("user", user_fields),
	{"args", process_args, 0},
	{"env", process_env, 0},
	JF_ABSPATH("cwd", struct iso_process, cwd),
	JF_OBJECT_AT("capabilities", struct iso_process, caps, caps_fields),
	{"rlimits", process_rlimits, 0},
	JF_BOOL("noNewPrivileges", struct iso_process, no_new_privs),
	JF_INT_HAS("oomScoreAdj", struct iso_process, oom_score_adj, has_oom_score_adj, -1000,
		   1000),
	{"commandLine", zone_cfg_unsupported, 0},
	{"apparmorProfile", zone_cfg_unsupported, 0},
	{"selinuxLabel", zone_cfg_unsupported, 0},
	{"scheduler", zone_cfg_unsupported, 0},
	{"ioPriority", zone_cfg_unsupported, 0},
	{"execCPUAffinity", zone_cfg_unsupported, 0},
	{NULL, NULL, 0},
};

/* ---- mounts ------------------------------------------------------------- */

static const struct jfield mount_fields[] = {
	JF_ABSPATH("destination", struct iso_mount, destination, JF_REQUIRED),
	JF_STRING("type", struct iso_mount, type),
	JF_STRING("source", struct iso_mount, source),
	JF_STRV("options", struct iso_mount, options),
	{"uidMappings", zone_cfg_unsupported, 0},
	{"gidMappings", zone_cfg_unsupported, 0},
	{NULL, NULL, 0},
};

/* Options are checked now, by the code that will apply them, so a typo
 * fails `zonectl create` rather than a boot. */
static int check_mount(const struct iso_mount *m, const struct jpath *p, struct zerr *err)
{
	static char *const none[] = {NULL};
	struct iso_mount_flags mf = {0};
	int r = iso_mount_parse_options(m->options ? m->options : none, &mf, err);
	if (r < 0)
		return zerr_prefix(err, "%s.options", p->buf);
	if (!m->type && !mf.bind)
		r = zerr_setx(err, EINVAL, "%s.type: required unless options hold bind or rbind",
			      p->buf);
	else if (mf.bind && !m->source)
		r = zerr_setx(err, EINVAL, "%s.source: required for a bind mount", p->buf);
	iso_mount_flags_free(&mf);
	return r;
}

static int parse_mount(const struct jv *v, size_t i, struct jpath *p, void *ctx, struct zerr *err)
{
	struct iso_mount *m = &((struct zone_config *)ctx)->mounts[i];
	int r = jv_walk(v, p, mount_fields, m, err);
	if (r < 0)
		return r;
	return check_mount(m, p, err);
}

/* ---- the top level ------------------------------------------------------ */

static int top_oci_version(const struct jv *v, struct jpath *p, void *ctx, struct zerr *err)
{
	struct zone_config *cfg = ctx;
	int r = zone_cfg_strdup(v, p, &cfg->oci_version, err);
	if (r < 0)
		return r;
	if (strncmp(cfg->oci_version, "1.", 2) != 0)
		return zerr_setx(err, EINVAL, "%s: version `%s` is not supported (need 1.x)",
				 p->buf, cfg->oci_version);
	return 0;
}

static int root_path(const struct jv *v, struct jpath *p, void *ctx, struct zerr *err)
{
	struct zone_config *cfg = ctx;
	int r = zone_cfg_strdup(v, p, &cfg->root_path, err);
	if (r == 0 && !cfg->root_path[0])
		r = zerr_setx(err, EINVAL, "%s: must not be empty", p->buf);
	return r;
}

static const struct jfield root_fields[] = {
	{"path", root_path, JF_REQUIRED},
	JF_BOOL("readonly", struct zone_config, root_readonly),
	{NULL, NULL, 0},
};

/* sethostname(2) and setdomainname(2) take at most 64 bytes */
static int uts_name(const struct jv *v, const struct jpath *p, char **dst, struct zerr *err)
{
	int r = zone_cfg_strdup(v, p, dst, err);
	if (r == 0 && strlen(*dst) > 64)
		r = zerr_setx(err, EINVAL, "%s: longer than 64 bytes", p->buf);
	return r;
}

static int top_hostname(const struct jv *v, struct jpath *p, void *ctx, struct zerr *err)
{
	return uts_name(v, p, &((struct zone_config *)ctx)->hostname, err);
}

static int top_domainname(const struct jv *v, struct jpath *p, void *ctx, struct zerr *err)
{
	return uts_name(v, p, &((struct zone_config *)ctx)->domainname, err);
}

static int top_mounts(const struct jv *v, struct jpath *p, void *ctx, struct zerr *err)
{
	struct zone_config *cfg = ctx;
	int r = jv_expect(v, jpath_str(p), JV_ARRAY, err);
	if (r < 0)
		return r;
	cfg->n_mounts = jv_len(v);
	cfg->mounts = xcalloc(cfg->n_mounts, sizeof(struct iso_mount));
	return jv_each(v, p, parse_mount, cfg, err);
}

static const struct jfield hook_fields[] = {
	JF_ABSPATH("path", struct zone_hook, path, JF_REQUIRED),
	JF_STRV("args", struct zone_hook, args),
	JF_STRV("env", struct zone_hook, env),
	JF_INT("timeout", struct zone_hook, timeout, 1, 86400),
	{NULL, NULL, 0},
};

static int parse_hook(const struct jv *v, size_t i, struct jpath *p, void *ctx, struct zerr *err)
{
	return jv_walk(v, p, hook_fields, &((struct zone_hook *)ctx)[i], err);
}

static int hook_list(const struct jv *v, struct jpath *p, struct zone_config *cfg,
		     enum zone_hook_kind k, struct zerr *err)
{
	if (jv_type(v) == JV_NULL)
		return 0;
	int r = jv_expect(v, jpath_str(p), JV_ARRAY, err);
	if (r < 0)
		return r;
	cfg->n_hooks[k] = jv_len(v);
	cfg->hooks[k] = xcalloc(cfg->n_hooks[k] + 1, sizeof(struct zone_hook));
	return jv_each(v, p, parse_hook, cfg->hooks[k], err);
}

#define HOOK_HANDLER(fn, kind)                                                          \
	static int fn(const struct jv *v, struct jpath *p, void *ctx, struct zerr *err) \
	{                                                                               \
		return hook_list(v, p, ctx, kind, err);                                 \
	}
HOOK_HANDLER(hooks_prestart, ZH_PRESTART)
HOOK_HANDLER(hooks_create_runtime, ZH_CREATE_RUNTIME)
HOOK_HANDLER(hooks_create_container, ZH_CREATE_CONTAINER)
HOOK_HANDLER(hooks_start_container, ZH_START_CONTAINER)
HOOK_HANDLER(hooks_poststart, ZH_POSTSTART)
HOOK_HANDLER(hooks_poststop, ZH_POSTSTOP)

static const struct jfield hooks_fields[] = {
	{"prestart", hooks_prestart, 0},
	{"createRuntime", hooks_create_runtime, 0},
	{"createContainer", hooks_create_container, 0},
	{"startContainer", hooks_start_container, 0},
	{"poststart", hooks_poststart, 0},
	{"poststop", hooks_poststop, 0},
	{NULL, NULL, 0},
};

static int top_hooks(const struct jv *v, struct jpath *p, void *ctx, struct zerr *err)
{
	if (jv_type(v) == JV_NULL)
		return 0;
	return jv_walk(v, p, hooks_fields, ctx, err);
}

static int top_annotations(const struct jv *v, struct jpath *p, void *ctx, struct zerr *err)
{
	struct zone_config *cfg = ctx;
	int r = jv_expect(v, jpath_str(p), JV_OBJECT, err);
	if (r < 0)
		return r;
	size_t n = jv_len(v);
	cfg->annotations = xcalloc(n, sizeof(struct zone_annotation));
	for (size_t i = 0; i < n; i++) {
		const char *key = jv_key(v, i), *val;
		size_t mark = jpath_key(p, key);
		r = jv_string(jv_val(v, i), p->buf, &val, err);
		if (r < 0)
			return r;
		for (size_t j = 0; j < i; j++)
			if (!strcmp(cfg->annotations[j].key, key))
				return zerr_setx(err, EINVAL, "%s: duplicate key", p->buf);
		cfg->annotations[i].key = xstrdup(key);
		cfg->annotations[i].value = xstrdup(val);
		cfg->n_annotations = i + 1;
		jpath_pop(p, mark);
	}
	return 0;
}

static const struct jfield top_fields[] = {
	{"ociVersion", top_oci_version, JF_REQUIRED},
	JF_OBJECT("root", root_fields, JF_REQUIRED),
	{"hostname", top_hostname, 0},
	{"domainname", top_domainname, 0},
	JF_OBJECT_AT_HAS("process", struct zone_config, process, has_process, process_fields),
	{"mounts", top_mounts, 0},
	{"hooks", top_hooks, 0},
	{"annotations", top_annotations, 0},
	JF_OBJECT("linux", zone_cfg_linux_fields),
	{"zone", top_zone, 0},
	{"solaris", zone_cfg_unsupported, 0},
	{"windows", zone_cfg_unsupported, 0},
	{"vm", zone_cfg_unsupported, 0},
	{"zos", zone_cfg_unsupported, 0},
	{NULL, NULL, 0},
};

static bool has_uts_namespace(const struct zone_config *cfg)
{
	if (cfg->ns_flags & CLONE_NEWUTS)
		return true;
	for (size_t i = 0; i < cfg->n_ns_paths; i++)
		if (cfg->ns_paths[i].type == CLONE_NEWUTS)
			return true;
	return false;
}

static int finalize(struct zone_config *cfg, struct zerr *err)
{
	if (cfg->init == ZONE_INIT_NONE && !cfg->process.args)
		return zerr_setx(err, EINVAL, "process.args: required with zone.init \"none\"");
	/* without one, setting the name would rename the host */
	if (cfg->hostname && !has_uts_namespace(cfg))
		return zerr_setx(err, EINVAL,
				 "hostname: needs a uts namespace in linux.namespaces");
	if (cfg->domainname && !has_uts_namespace(cfg))
		return zerr_setx(err, EINVAL,
				 "domainname: needs a uts namespace in linux.namespaces");
	if (cfg->has_process && !cfg->process.cwd)
		cfg->process.cwd = xstrdup("/");
	if (cfg->brand == ZONE_BRAND_WHOLE && !cfg->template_name)
		return zerr_setx(err, EINVAL, "zone.template: required with zone.brand \"whole\"");
	if (cfg->brand != ZONE_BRAND_WHOLE && cfg->template_name)
		return zerr_setx(err, EINVAL,
				 "zone.template: only a zone of brand \"whole\" has a template");
	if (cfg->disk && cfg->brand == ZONE_BRAND_OCI)
		return zerr_setx(
			err, EINVAL,
			"zone.disk: an oci zone's root is its bundle's; it has no disk of its own");
	int r = zone_cfg_check_net(cfg, err);
	if (r == 0)
		r = zone_cfg_check_kvm(cfg, err);
	if (r == 0)
		r = zone_cfg_check_userns(cfg, err);
	return r < 0 ? r : zone_cfg_check_sysctl(cfg, err);
}

int zone_config_parse(const char *name, const char *text, size_t len, struct zone_config *cfg,
		      struct zerr *err)
{
	memset(cfg, 0, sizeof(*cfg));
	cleanup_json struct jv *doc = NULL;
	int r = json_parse(text, len, &doc, err);
	if (r == 0) {
		struct jpath p = JPATH_OPEN;
		r = jv_walk(doc, &p, top_fields, cfg, err);
		if (r == 0 && p.note[0])
			cfg->ignored = xstrdup(p.note);
	}
	if (r == 0)
		r = finalize(cfg, err);
	if (r < 0) {
		zone_config_free(cfg);
		return zerr_prefix(err, "zone %s: config", name);
	}
	return 0;
}

int zone_process_parse(const char *name, const char *text, size_t len, struct iso_process *proc,
		       struct zerr *err)
{
	memset(proc, 0, sizeof(*proc));
	cleanup_json struct jv *doc = NULL;
	struct jpath p = JPATH_OPEN;
	jpath_key(&p, "process");
	int r = json_parse(text, len, &doc, err);
	if (r == 0)
		r = jv_walk(doc, &p, process_fields, proc, err);
	if (r == 0 && !proc->args)
		r = zerr_setx(err, EINVAL, "process.args: required");
	if (r < 0) {
		iso_process_free(proc);
		return zerr_prefix(err, "zone %s: process", name);
	}
	if (!proc->cwd)
		proc->cwd = xstrdup("/");
	return 0;
}

int zone_config_load(const char *name, const char *path, struct zone_config *cfg, struct zerr *err)
{
	memset(cfg, 0, sizeof(*cfg));
	cleanup_free char *text = NULL;
	size_t len;
	int r = read_file(path, &text, &len, err);
	if (r < 0)
		return zerr_prefix(err, "zone %s: config", name);
	return zone_config_parse(name, text, len, cfg, err);
}

void zone_config_free(struct zone_config *cfg)
{
	zone_kvm_free(&cfg->kvm);
	free(cfg->ignored);
	free(cfg->oci_version);
	free(cfg->root_path);
	free(cfg->hostname);
	free(cfg->domainname);
	iso_process_free(&cfg->process);
	for (size_t i = 0; i < cfg->n_mounts; i++) {
		free(cfg->mounts[i].destination);
		free(cfg->mounts[i].type);
		free(cfg->mounts[i].source);
		strv_free(cfg->mounts[i].options);
	}
	free(cfg->mounts);
	for (size_t i = 0; i < cfg->n_ns_paths; i++)
		free(cfg->ns_paths[i].path);
	free(cfg->ns_paths);
	rctl_resources_free(&cfg->resources);
	iso_seccomp_free(cfg->seccomp); /* its members; the struct is ours */
	free(cfg->seccomp);
	strv_free(cfg->masked_paths);
	strv_free(cfg->readonly_paths);
	free(cfg->rootfs_propagation);
	free(cfg->cgroups_path);
	for (size_t i = 0; i < cfg->n_annotations; i++) {
		free(cfg->annotations[i].key);
		free(cfg->annotations[i].value);
	}
	free(cfg->annotations);
	for (int k = 0; k < ZH_KINDS; k++) {
		for (size_t i = 0; i < cfg->n_hooks[k]; i++) {
			free(cfg->hooks[k][i].path);
			strv_free(cfg->hooks[k][i].args);
			strv_free(cfg->hooks[k][i].env);
		}
		free(cfg->hooks[k]);
	}
	strv_free(cfg->sysctl);
	for (size_t i = 0; i < cfg->n_devices; i++)
		free(cfg->devices[i].path);
	free(cfg->devices);
	free(cfg->bundle);
	free(cfg->init_path);
	free(cfg->template_name);
	free(cfg->uid_maps);
	free(cfg->gid_maps);
	free(cfg->nics);
	memset(cfg, 0, sizeof(*cfg));
}

/* ---- brands and names --------------------------------------------------- */

static const char *const brand_names[] = {
	[ZONE_BRAND_SPARSE] = "sparse",
	[ZONE_BRAND_WHOLE] = "whole",
	[ZONE_BRAND_OCI] = "oci",
	[ZONE_BRAND_KVM] = "kvm",
};

const char *zone_brand_name(enum zone_brand b)
{
	if ((unsigned)b >= sizeof(brand_names) / sizeof(brand_names[0]))
		return "unknown";
	return brand_names[b];
}

int zone_brand_from_name(const char *s, enum zone_brand *out)
{
	for (size_t i = 0; i < sizeof(brand_names) / sizeof(brand_names[0]); i++) {
		if (!strcmp(s, brand_names[i])) {
			*out = (enum zone_brand)i;
			return 0;
		}
	}
	return -EINVAL;
}

static bool name_char_ok(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '.' || c == '_' || c == '-';
}

/* The name is echoed in the message: keep what it holds off the terminal. */
static void printable_name(const char *name, char out[ZONE_NAME_MAX + 4])
{
	size_t i;
	for (i = 0; name[i] && i < ZONE_NAME_MAX; i++) {
		unsigned char c = (unsigned char)name[i];
		out[i] = (c < 0x20 || c >= 0x7f) ? '?' : (char)c;
	}
	strcpy(out + i, name[i] ? "..." : "");
}

int zone_name_check(const char *name, struct zerr *err)
{
	if (!name || !*name)
		return zerr_setx(err, EINVAL, "zone name is empty");
	char shown[ZONE_NAME_MAX + 4];
	printable_name(name, shown);
	size_t len = strlen(name);
	if (len > ZONE_NAME_MAX)
		return zerr_setx(err, EINVAL, "zone name `%s`: longer than %d bytes", shown,
				 ZONE_NAME_MAX);
	for (size_t i = 0; i < len; i++)
		if (!name_char_ok(name[i]))
			return zerr_setx(err, EINVAL,
					 "zone name `%s`: only letters, digits, "
					 "'.', '_' and '-' are allowed",
					 shown);
	/* also rules out "." and ".." */
	if (name[0] == '.' || name[0] == '_' || name[0] == '-')
		return zerr_setx(err, EINVAL, "zone name `%s`: must start with a letter or digit",
				 shown);
	return 0;
}
