/* oci_ops.c - the OCI verbs that act on a running container: exec and
 * update; the console-socket protocol; and the features document. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "json.h"
#include "runtime.h"

/* ---- update ------------------------------------------------------------ */

/* base with patch laid over it: objects merge member by member, any
 * other value of patch replaces base's. */
static void merge(struct jw *w, const struct jv *base, const struct jv *patch)
{
	if (!patch || jv_type(base) != JV_OBJECT || jv_type(patch) != JV_OBJECT) {
		jw_value(w, patch ? patch : base);
		return;
	}
	jw_obj_open(w);
	for (size_t i = 0; i < jv_len(base); i++) {
		jw_key(w, jv_key(base, i));
		merge(w, jv_val(base, i), jv_get(patch, jv_key(base, i)));
	}
	for (size_t i = 0; i < jv_len(patch); i++) {
		if (jv_get(base, jv_key(patch, i)))
			continue;
		jw_key(w, jv_key(patch, i));
		jw_value(w, jv_val(patch, i));
	}
	jw_obj_close(w);
}

/* The zone's config text with linux.resources updated from resources. */
static int merged_config(const char *id, const char *path, const char *resources, size_t len,
			 char **out, size_t *out_len, struct zerr *err)
{
	cleanup_free char *text = NULL;
	size_t n;
	cleanup_free char *wrapped = xasprintf("{\"linux\": {\"resources\": %.*s}}", (int)len,
					       resources);
	cleanup_json struct jv *doc = NULL;
	cleanup_json struct jv *patch = NULL;
	if (read_file(path, &text, &n, err) < 0 || json_parse(text, n, &doc, err) < 0 ||
	    json_parse(wrapped, strlen(wrapped), &patch, err) < 0)
		return zerr_prefix(err, "zone %s: update", id);
	struct jw *w = jw_new(true);
	merge(w, doc, patch);
	*out = jw_finish(w, out_len);
	return *out ? 0 : zerr_setx(err, EINVAL, "zone %s: update: cannot encode the config", id);
}

int oci_update(struct zone_ctx *ctx, const char *id, const char *resources, size_t len,
	       struct zerr *err)
{
	struct rctl_resources res;
	int r = zone_resources_parse(id, resources, len, &res, err);
	if (r < 0)
		return r;
	cleanup_config struct zone_config cfg = {0};
	cleanup_config struct zone_config next = {0};
	cleanup_status struct zone_status st = {0};
	cleanup_free char *text = NULL;
	size_t n;
	cleanup_free char *path = zone_config_path(ctx, id);
	int lock;
	if ((r = zone_open(ctx, id, ZOP_SET, &lock, &st, &cfg, err)) < 0)
		goto out;
	if ((r = merged_config(id, path, resources, len, &text, &n, err)) == 0 &&
	    (r = zone_config_parse(id, text, n, &next, err)) == 0 && st.has_cgroup)
		r = rctl_cgroup_apply(&st.cg, &res, err);
	if (r == 0)
		r = write_file_atomic(path, text, n, 0600, err);
	close(lock);
	if (r < 0)
		zerr_prefix(err, "zone %s: update", id);
out:
	rctl_resources_free(&res);
	return r;
}

/* ---- exec --------------------------------------------------------------- */

/* The container's own process with argv and the overrides of o; or the
 * process document of --process as it is. */
static int exec_process(const char *id, const struct zone_config *cfg,
			const struct oci_exec_opts *o, struct iso_process *p, struct zerr *err)
{
	if (o->process_file) {
		cleanup_free char *text = NULL;
		size_t len;
		if (read_file(o->process_file, &text, &len, err) < 0)
			return zerr_prefix(err, "zone %s: --process", id);
		return zone_process_parse(id, text, len, p, err);
	}
	*p = cfg->process;
	p->args = strv_dup(o->argv);
	p->env = strv_dup(cfg->process.env);
	p->cwd = xstrdup(cfg->process.cwd ? cfg->process.cwd : "/");
	p->groups = cfg->process.n_groups ? xcalloc(cfg->process.n_groups, sizeof(gid_t)) : NULL;
	if (p->groups)
		memcpy(p->groups, cfg->process.groups, cfg->process.n_groups * sizeof(gid_t));
	p->rlimits = cfg->process.n_rlimits ? xcalloc(cfg->process.n_rlimits, sizeof(*p->rlimits))
					    : NULL;
	if (p->rlimits)
		memcpy(p->rlimits, cfg->process.rlimits,
		       cfg->process.n_rlimits * sizeof(*p->rlimits));
	return 0;
}

static int exec_overrides(const char *id, const struct oci_exec_opts *o, struct iso_process *p,
			  struct zerr *err)
{
	for (size_t i = 0; o->env && o->env[i]; i++) {
		if (!strchr(o->env[i], '=') || o->env[i][0] == '=')
			return zerr_setx(err, EINVAL, "zone %s: --env `%s`: not VAR=value", id,
					 o->env[i]);
		zone_env_set(&p->env, o->env[i]);
	}
	if (o->cwd) {
		free(p->cwd);
		p->cwd = xstrdup(o->cwd);
	}
	if (o->has_user) {
		p->uid = o->uid;
		p->gid = o->gid;
	}
	if (o->n_groups) {
		free(p->groups);
		p->groups = xcalloc(o->n_groups, sizeof(gid_t));
		memcpy(p->groups, o->groups, o->n_groups * sizeof(gid_t));
		p->n_groups = o->n_groups;
	}
	for (size_t i = 0; o->caps && o->caps[i]; i++) {
		int cap = iso_cap_from_name(o->caps[i]);
		if (cap < 0)
			return zerr_setx(err, EINVAL, "zone %s: --cap `%s`: unknown capability", id,
					 o->caps[i]);
		uint64_t bit = 1ull << cap;
		p->caps.bounding |= bit;
		p->caps.effective |= bit;
		p->caps.permitted |= bit;
	}
	p->no_new_privs |= o->no_new_privs;
	p->terminal = o->tty;
	return 0;
}

/* The member has exec'd: hand its terminal over, or relay it, or wait. */
static int exec_finish(const struct zone_ctx *ctx, const char *id, const struct oci_exec_opts *o,
		       pid_t pid, int master, int *status, struct zerr *err)
{
	int r = 0;
	if (o->tty && o->console_socket)
		r = zone_console_send(o->console_socket, master, err);
	if (r == 0 && o->pid_file)
		r = oci_write_pid_file(id, o->pid_file, pid, err);
	if (r < 0) {
		kill(pid, SIGKILL);
		return r;
	}
	if (o->detach)
		return 0;
	if (o->tty && !o->console_socket)
		return zone_relay_pty(ctx, master, pid, status, err);
	*status = zone_wait_child(pid);
	return 0;
}

int oci_exec(struct zone_ctx *ctx, const char *id, const struct oci_exec_opts *o, int *status,
	     struct zerr *err)
{
	*status = 0;
	if (o->tty && o->detach && !o->console_socket)
		return zerr_setx(err, EINVAL, "zone %s: exec --tty --detach needs --console-socket",
				 id);
	cleanup_config struct zone_config cfg = {0};
	cleanup_status struct zone_status st = {0};
	int lock;
	int r = zone_open(ctx, id, ZOP_EXEC, &lock, &st, &cfg, err);
	if (r < 0)
		return r;
	close(lock);
	/* joining its cgroups would freeze us too */
	if (st.has_cgroup && rctl_cgroup_frozen(&st.cg))
		return zerr_setx(err, EBUSY, "zone %s: the container is paused (resume it first)",
				 id);
	zone_seccomp_notify(&cfg);
	struct iso_join j;
	zone_join_prepare(ctx, id, &cfg, &st, &j);
	if ((r = exec_process(id, &cfg, o, &j.proc, err)) == 0 &&
	    (r = exec_overrides(id, o, &j.proc, err)) == 0) {
		j.argv = j.proc.args;
		j.want_pty = o->tty;
		j.detach = o->detach;
		pid_t pid;
		int master = -1;
		r = zone_join_spawn(ctx, id, &j, &pid, &master, err);
		if (r == -ENOENT)
			*status = 127;
		if (r == 0)
			r = exec_finish(ctx, id, o, pid, master, status, err);
		if (master >= 0)
			close(master);
	}
	iso_process_free(&j.proc);
	strv_free(j.cgroup_procs);
	return r;
}

/* ---- features ----------------------------------------------------------- */

static void features_linux(struct jw *w)
{
	static const char *const ns[] = {"cgroup", "ipc",  "mount", "network",
					 "pid",    "user", "uts",   NULL};
	static const char *const actions[] = {
		"SCMP_ACT_ALLOW",        "SCMP_ACT_ERRNO",       "SCMP_ACT_KILL",
		"SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD", "SCMP_ACT_LOG",
		"SCMP_ACT_TRAP",         "SCMP_ACT_TRACE",       NULL};
	static const char *const ops[] = {"SCMP_CMP_EQ", "SCMP_CMP_GE", "SCMP_CMP_GT",
					  "SCMP_CMP_LE", "SCMP_CMP_LT", "SCMP_CMP_MASKED_EQ",
					  "SCMP_CMP_NE", NULL};
	jw_key(w, "linux");
	jw_obj_open(w);
	jw_kstrv(w, "namespaces", ns);
	jw_key(w, "capabilities");
	jw_arr_open(w);
	for (int c = 0; c <= iso_cap_last(); c++)
		if (iso_cap_name(c))
			jw_str(w, iso_cap_name(c));
	jw_arr_close(w);
	jw_key(w, "cgroup");
	jw_obj_open(w);
	jw_kbool(w, "v1", true);
	jw_kbool(w, "v2", true);
	jw_kbool(w, "systemd", false);
	jw_kbool(w, "systemdUser", false);
	jw_obj_close(w);
	jw_key(w, "seccomp");
	jw_obj_open(w);
	jw_kbool(w, "enabled", true);
	jw_kstrv(w, "actions", actions);
	jw_kstrv(w, "operators", ops);
	jw_obj_close(w);
	static const char *const absent[] = {"apparmor", "selinux", "intelRdt", NULL};
	for (size_t i = 0; absent[i]; i++) {
		jw_key(w, absent[i]);
		jw_obj_open(w);
		jw_kbool(w, "enabled", false);
		jw_obj_close(w);
	}
	jw_obj_close(w);
}

char *oci_features(void)
{
	static const char *const hooks[] = {"prestart",
					    "createRuntime",
					    "createContainer",
					    "startContainer",
					    "poststart",
					    "poststop",
					    NULL};
	static const char *const opts[] = {
		"async",       "atime",     "bind",       "defaults",      "dev",
		"diratime",    "dirsync",   "exec",       "lazytime",      "loud",
		"mand",        "noatime",   "nodev",      "nodiratime",    "noexec",
		"nolazytime",  "nomand",    "norelatime", "nostrictatime", "nosuid",
		"nosymfollow", "private",   "rbind",      "relatime",      "remount",
		"ro",          "rprivate",  "rshared",    "rslave",        "runbindable",
		"rw",          "shared",    "silent",     "slave",         "strictatime",
		"suid",        "symfollow", "sync",       "unbindable",    NULL};
	struct jw *w = jw_new(true);
	jw_obj_open(w);
	jw_kstr(w, "ociVersionMin", "1.0.0");
	jw_kstr(w, "ociVersionMax", "1.0.2");
	jw_kstrv(w, "hooks", hooks);
	jw_kstrv(w, "mountOptions", opts);
	features_linux(w);
	jw_key(w, "annotations");
	jw_obj_open(w);
	jw_kstr(w, "org.opencontainers.runc.version", "zonectl");
	jw_obj_close(w);
	jw_obj_close(w);
	return jw_finish(w, NULL);
}
