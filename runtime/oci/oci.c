/*
 * oci.c - the OCI runtime verbs over the zone object: create, start, run,
 * state, kill, delete, list.
 *
 * An OCI container is a zone of brand oci whose name is the container's
 * id; there is one state store. `create` copies the bundle's config.json
 * into the zone's directory with root.path made absolute and a "zone"
 * object added ({"brand": "oci", "init": "none", "bundle": DIR}: the
 * bundle's process.args is PID 1, as with runc), installs the zone and
 * boots it with the monitor holding init at "ready" (monitor.c). `start`
 * asks the monitor to release it. When the container's process exits the
 * monitor releases the cgroups and the zone is back to "installed": OCI
 * "stopped", until `delete` removes it.
 *
 * OCI status from zone state: booting = creating, ready = created,
 * running and shutting_down = running (paused when the freezer holds it),
 * installed = stopped; and stopped whenever init is gone, even while the
 * monitor is still cleaning up.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>

#include "json.h"
#include "runtime.h"

/* ---- the bundle's config -------------------------------------------- */

static void write_root(struct jw *w, const struct jv *root, const char *bundle)
{
	jw_obj_open(w);
	for (size_t i = 0; i < jv_len(root); i++) {
		const char *key = jv_key(root, i), *path;
		jw_key(w, key);
		if (!strcmp(key, "path") && jv_string(jv_val(root, i), "", &path, NULL) == 0 &&
		    path[0] != '/') {
			cleanup_free char *abs = xasprintf("%s/%s", bundle, path);
			jw_str(w, abs);
		} else {
			jw_value(w, jv_val(root, i));
		}
	}
	jw_obj_close(w);
}

/* config.json of the bundle, with root.path absolute and the "zone"
 * object that makes it an OCI zone. */
/* An OCI container sees the host's /proc numbers, as under runc, unless
 * the annotation org.zonectl.procfs asks for the zone's view ("zone";
 * `podman run --annotation org.zonectl.procfs=zone`). The view's mounts,
 * refresher and sysinfo answers cost a few ms per container. */
static int procfs_choice(const char *id, const struct jv *doc, const char **out, struct zerr *err)
{
	const struct jv *v = jv_get(jv_get(doc, "annotations"), "org.zonectl.procfs");
	*out = "host";
	if (!v)
		return 0;
	if (jv_string(v, "annotations.org.zonectl.procfs", out, err) < 0 ||
	    (strcmp(*out, "zone") && strcmp(*out, "host")))
		return zerr_setx(err, EINVAL,
				 "zone %s: config: annotations.org.zonectl.procfs: "
				 "expected \"zone\" or \"host\"",
				 id);
	return 0;
}

static int bundle_config(const char *id, const char *bundle, char **text, size_t *len,
			 struct zerr *err)
{
	cleanup_free char *path = xasprintf("%s/config.json", bundle);
	cleanup_free char *src = NULL;
	size_t n;
	cleanup_json struct jv *doc = NULL;
	if (read_file(path, &src, &n, err) < 0 || json_parse(src, n, &doc, err) < 0)
		return zerr_prefix(err, "zone %s: bundle", id);
	if (jv_type(doc) != JV_OBJECT)
		return zerr_setx(err, EINVAL, "zone %s: `%s`: not a JSON object", id, path);
	if (jv_get(doc, "zone"))
		return zerr_setx(err, EINVAL,
				 "zone %s: config: zone: not allowed in an OCI "
				 "bundle (use zonectl create --config)",
				 id);
	const char *procfs;
	if (procfs_choice(id, doc, &procfs, err) < 0)
		return -EINVAL;
	struct jw *w = jw_new(true);
	jw_obj_open(w);
	for (size_t i = 0; i < jv_len(doc); i++) {
		jw_key(w, jv_key(doc, i));
		if (!strcmp(jv_key(doc, i), "root") && jv_type(jv_val(doc, i)) == JV_OBJECT)
			write_root(w, jv_val(doc, i), bundle);
		else
			jw_value(w, jv_val(doc, i));
	}
	jw_key(w, "zone");
	jw_obj_open(w);
	jw_kstr(w, "brand", "oci");
	jw_kstr(w, "init", "none");
	jw_kstr(w, "bundle", bundle);
	jw_kstr(w, "procfs", procfs);
	jw_obj_close(w);
	jw_obj_close(w);
	*text = jw_finish(w, len);
	if (!*text)
		return zerr_setx(err, EINVAL, "zone %s: cannot encode the config", id);
	return 0;
}

/* runc's pid file: written to a temp name and renamed, so a reader never
 * sees half a number. */
int oci_write_pid_file(const char *id, const char *path, pid_t pid, struct zerr *err)
{
	char buf[24];
	int n = snprintf(buf, sizeof(buf), "%d", pid);
	cleanup_free char *tmp = xasprintf("%s.zonectl-tmp", path);
	cleanup_close int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || write_all(fd, buf, (size_t)n) < 0)
		return zerr_set(err, errno, "zone %s: --pid-file `%s`", id, tmp);
	if (rename(tmp, path) < 0) {
		int e = errno;
		unlink(tmp);
		return zerr_set(err, e, "zone %s: --pid-file `%s`", id, path);
	}
	return 0;
}

static void remove_zone(const struct zone_ctx *ctx, const char *id)
{
	/* A monitor that died half-way through the boot left its cgroups
	 * and links on record: release them before the record goes. */
	cleanup_status struct zone_status st = {0};
	if (zone_status_read(ctx, id, &st, NULL) == 0)
		zone_repair(ctx, id, &st, NULL);
	cleanup_free char *dir = zone_dir(ctx, id);
	rm_rf(dir, NULL);
	zone_status_clear(ctx, id);
	zone_lock_remove(ctx, id);
}

static int check_create(const char *id, const struct zone_config *cfg,
			const struct oci_create_opts *o, struct zerr *err)
{
	int r = zone_check_runnable(id, cfg, err);
	if (r < 0)
		return r;
	if (!cfg->has_process || !cfg->process.args)
		return zerr_setx(err, EINVAL, "zone %s: config: process.args: required", id);
	if (cfg->process.terminal && !o->console_socket)
		return zerr_setx(err, EINVAL,
				 "zone %s: config: process.terminal is true, so "
				 "--console-socket is needed to hand over the terminal",
				 id);
	return 0;
}

/* Under the lock: install, then boot to ready. */
static int create_locked(struct zone_ctx *ctx, const char *id, const char *text, size_t len,
			 struct zone_config *cfg, const struct oci_create_opts *o, int lock,
			 struct zerr *err)
{
	if (zone_exists(ctx, id))
		return zerr_setx(err, EEXIST, "zone %s: a container with this id already exists",
				 id);
	int r = zone_install(ctx, id, text, len, cfg, err);
	if (r < 0)
		return r;
	struct monitor_opts mo = {.console_socket = o->console_socket, .no_pivot = o->no_pivot};
	if ((r = monitor_start(ctx, id, cfg, lock, &mo, err)) < 0) {
		remove_zone(ctx, id);
		return r;
	}
	return 0;
}

int oci_create(struct zone_ctx *ctx, const char *id, const struct oci_create_opts *o,
	       struct zerr *err)
{
	int r = zone_name_check(id, err);
	if (r < 0)
		return r;
	char bundle[PATH_MAX];
	if (!realpath(o->bundle ? o->bundle : ".", bundle))
		return zerr_set(err, errno, "zone %s: bundle `%s`", id,
				o->bundle ? o->bundle : ".");
	cleanup_free char *text = NULL;
	size_t len;
	cleanup_config struct zone_config cfg = {0};
	if ((r = bundle_config(id, bundle, &text, &len, err)) < 0 ||
	    (r = zone_config_parse(id, text, len, &cfg, err)) < 0 ||
	    (r = check_create(id, &cfg, o, err)) < 0)
		return r;
	cleanup_close int lock = zone_lock(ctx, id, err);
	if (lock < 0)
		return lock;
	if ((r = create_locked(ctx, id, text, len, &cfg, o, lock, err)) < 0)
		return r;
	zfault("create:ready");
	cleanup_status struct zone_status st = {0};
	if (o->pid_file && ((r = zone_status_read(ctx, id, &st, err)) < 0 ||
			    (r = oci_write_pid_file(id, o->pid_file, st.init_pid, err)) < 0)) {
		close(lock);
		lock = -1;
		oci_delete(ctx, id, true, NULL);
		return r;
	}
	return 0;
}

/* ---- start, run --------------------------------------------------------- */

static int ask_monitor(const struct zone_ctx *ctx, const char *id, const char *req,
		       struct zerr *err)
{
	cleanup_free char *path = zone_run_file(ctx, id, "ctl.sock");
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	cleanup_close int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    send(fd, req, strlen(req), MSG_NOSIGNAL) < 0)
		return zerr_set(err, errno, "zone %s: reach the monitor at `%s`", id, path);
	char buf[sizeof(err->msg)] = {0};
	ssize_t n;
	do
		n = recv(fd, buf, sizeof(buf) - 1, 0);
	while (n < 0 && errno == EINTR);
	if (n == 2 && !memcmp(buf, "OK", 2))
		return 0;
	if (n > 0)
		return zerr_setx(err, EINVAL, "%s", buf);
	return zerr_setx(err, EPIPE, "zone %s: the monitor gave no answer to %s", id, req);
}

int oci_start(struct zone_ctx *ctx, const char *id, struct zerr *err)
{
	cleanup_config struct zone_config cfg = {0};
	cleanup_status struct zone_status st = {0};
	int lock;
	int r = zone_open(ctx, id, ZOP_START, &lock, &st, &cfg, err);
	if (r < 0)
		return r;
	r = ask_monitor(ctx, id, "start", err);
	close(lock);
	return r;
}

static pid_t run_child;

static void forward_signal(int sig)
{
	if (run_child > 0)
		kill(run_child, sig);
}

/* The container's process is our child (CLONE_PARENT through the
 * monitor), so its exit status is ours to collect; the monitor is our
 * child too, and its exit means the cleanup is done. With a terminal
 * (master >= 0) the pty is relayed to ours meanwhile. */
static void wait_container(const struct zone_ctx *ctx, const struct zone_status *st, int master,
			   int *status)
{
	if (master >= 0) {
		zone_relay_pty(ctx, master, st->init_pid, status, NULL);
	} else {
		run_child = st->init_pid;
		struct sigaction sa = {.sa_handler = forward_signal};
		int sigs[] = {SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH};
		for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
			sigaction(sigs[i], &sa, NULL);
		*status = zone_wait_child(st->init_pid);
	}
	while (waitpid(st->monitor_pid, NULL, 0) < 0 && errno == EINTR)
		;
}

/* runc run in the foreground with a terminal and no --console-socket:
 * the pty comes to a socket of our own and is relayed to our terminal.
 * The monitor's connect completes in the listen backlog, so nobody need
 * accept during the create. */
static int local_console(const struct zone_ctx *ctx, const char *id, char **path, struct zerr *err)
{
	*path = xasprintf("%s/.locks/.%s.console.%d", ctx->run_dir, id, getpid());
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	if (strlen(*path) >= sizeof(sa.sun_path))
		return zerr_setx(err, ENAMETOOLONG, "zone %s: console socket `%s` is too long", id,
				 *path);
	strcpy(sa.sun_path, *path);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 1) < 0) {
		int e = errno;
		if (fd >= 0)
			close(fd);
		return zerr_set(err, e, "zone %s: console socket `%s`", id, *path);
	}
	return fd;
}

/* The pty master, if the create sent one (process.terminal); else -1. */
static int take_console(int sock)
{
	struct pollfd p = {.fd = sock, .events = POLLIN};
	if (poll(&p, 1, 0) <= 0)
		return -1;
	cleanup_close int c = accept4(sock, NULL, NULL, SOCK_CLOEXEC);
	char byte;
	int master = -1;
	if (c >= 0)
		recv_with_fd(c, &byte, 1, &master);
	return master;
}

/* *created says whether there is a container of ours to clean up. */
/* st gets the container's pids while it is still created: once started,
 * a short process may be gone, and its record with it, before we look. */
static int create_and_start(struct zone_ctx *ctx, const char *id, const struct oci_create_opts *o,
			    bool detach, int *master, bool *created, struct zone_status *st,
			    struct zerr *err)
{
	struct oci_create_opts co = *o;
	cleanup_free char *path = NULL;
	cleanup_close int sock = -1;
	if (!detach && !o->console_socket) {
		if ((sock = local_console(ctx, id, &path, err)) < 0)
			return sock;
		co.console_socket = path;
	}
	int r = oci_create(ctx, id, &co, err);
	if (path)
		unlink(path);
	if (r < 0)
		return r;
	*created = true;
	if (sock >= 0)
		*master = take_console(sock);
	if ((r = zone_status_read(ctx, id, st, err)) < 0)
		return r;
	return oci_start(ctx, id, err);
}

int oci_run(struct zone_ctx *ctx, const char *id, const struct oci_create_opts *o, bool detach,
	    int *status, struct zerr *err)
{
	*status = 0;
	int master = -1;
	bool created = false;
	cleanup_status struct zone_status st = {0};
	int r = create_and_start(ctx, id, o, detach, &master, &created, &st, err);
	if (!created)
		return r;
	if (r == 0 && !detach)
		wait_container(ctx, &st, master, status);
	if (master >= 0)
		close(master);
	if (r < 0) {
		oci_delete(ctx, id, true, NULL);
		/* the container's process and the monitor are our children */
		while (waitpid(-1, NULL, 0) > 0 || errno == EINTR)
			;
		return r;
	}
	return detach ? 0 : oci_delete(ctx, id, true, err);
}

/* ---- state, list ------------------------------------------------------- */

/* Status and config of a zone, repaired first if its lock is free. */
static int load(struct zone_ctx *ctx, const char *id, struct zone_status *st,
		struct zone_config *cfg, struct zerr *err)
{
	int r = zone_check_name(ctx, id, err);
	if (r < 0)
		return r;
	/* repaired only if no one is at work on it (the lock is free) */
	cleanup_close int lock = zone_trylock(ctx, id);
	if ((r = zone_status_read(ctx, id, st, err)) < 0)
		return r;
	if (lock >= 0)
		zone_repair(ctx, id, st, NULL);
	if ((r = zone_config_read(ctx, id, cfg, err)) < 0)
		zone_status_free(st);
	return r;
}

static const char *status_name(const struct zone_status *st)
{
	bool alive = st->init_pid > 0 && proc_alive(st->init_pid, st->init_start);
	switch (st->state) {
	case ZS_BOOTING: return "creating";
	case ZS_READY: return alive ? "created" : "stopped";
	case ZS_RUNNING:
	case ZS_SHUTTING_DOWN:
		if (!alive)
			return "stopped";
		return st->has_cgroup && rctl_cgroup_frozen(&st->cg) ? "paused" : "running";
	default: return "stopped";
	}
}

/* RFC 3339 time of the zone's config: when the container was created. */
static char *created_at(const struct zone_ctx *ctx, const char *id)
{
	cleanup_free char *path = zone_config_path(ctx, id);
	struct stat sb;
	struct tm tm;
	char buf[64];
	if (stat(path, &sb) < 0 || !gmtime_r(&sb.st_mtim.tv_sec, &tm))
		return NULL;
	size_t n = strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + n, sizeof(buf) - n, ".%09ldZ", sb.st_mtim.tv_nsec);
	return xstrdup(buf);
}

int oci_state(struct zone_ctx *ctx, const char *id, char **json, struct zerr *err)
{
	cleanup_status struct zone_status st = {0};
	cleanup_config struct zone_config cfg = {0};
	int r = load(ctx, id, &st, &cfg, err);
	if (r < 0)
		return r;
	const char *status = status_name(&st);
	cleanup_free char *created = created_at(ctx, id);
	*json = oci_state_json(id, &cfg, status, strcmp(status, "stopped") ? st.init_pid : 0,
			       created);
	return 0;
}

int oci_list(struct zone_ctx *ctx, struct oci_info **out, size_t *n, struct zerr *err)
{
	struct zone_info *zones;
	size_t nz;
	int r = zone_list(ctx, &zones, &nz, err);
	if (r < 0)
		return r;
	*out = xcalloc(nz + 1, sizeof(**out));
	*n = 0;
	for (size_t i = 0; i < nz; i++) {
		cleanup_status struct zone_status st = {0};
		cleanup_config struct zone_config cfg = {0};
		if (load(ctx, zones[i].name, &st, &cfg, NULL) < 0)
			continue;
		struct oci_info *o = &(*out)[(*n)++];
		snprintf(o->id, sizeof(o->id), "%s", zones[i].name);
		o->status = status_name(&st);
		o->pid = strcmp(o->status, "stopped") ? st.init_pid : 0;
		o->bundle = xstrdup(cfg.bundle ? cfg.bundle : "");
		o->created = created_at(ctx, zones[i].name);
	}
	for (size_t i = 0; i < nz; i++)
		zone_info_free(&zones[i]);
	free(zones);
	return 0;
}

void oci_list_free(struct oci_info *l, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(l[i].bundle);
		free(l[i].created);
	}
	free(l);
}

/* ---- kill, delete ------------------------------------------------------- */

static int kill_cgroup(const char *id, const struct rctl_cgroup *cg, int sig, struct zerr *err)
{
	cleanup_free pid_t *pids = NULL;
	size_t n = 0;
	int r = rctl_cgroup_pids(cg, &pids, &n, err);
	if (r < 0)
		return zerr_prefix(err, "zone %s: kill --all", id);
	for (size_t i = 0; i < n; i++)
		kill(pids[i], sig);
	return 0;
}

int oci_kill(struct zone_ctx *ctx, const char *id, int sig, bool all, struct zerr *err)
{
	cleanup_config struct zone_config cfg = {0};
	cleanup_status struct zone_status st = {0};
	int lock;
	int r = zone_open(ctx, id, ZOP_KILL, &lock, &st, &cfg, err);
	if (r < 0)
		return r;
	close(lock);
	if (all && st.has_cgroup)
		return kill_cgroup(id, &st.cg, sig, err);
	if (!proc_alive(st.init_pid, st.init_start))
		return zerr_setx(err, ESRCH, "zone %s: the container is not running", id);
	if (kill(st.init_pid, sig) < 0)
		return zerr_set(err, errno, "zone %s: kill pid %d", id, st.init_pid);
	return 0;
}

/* A container that never started, or whose process is gone, is taken
 * down without asking; a running one only with force (runc's rule). */
static int stop_for_delete(struct zone_ctx *ctx, const char *id, bool force, struct zerr *err)
{
	cleanup_status struct zone_status st = {0};
	cleanup_config struct zone_config cfg = {0};
	int r = load(ctx, id, &st, &cfg, err);
	if (r < 0 || zone_op_allowed(ZOP_DELETE, st.state))
		return r;
	bool alive = proc_alive(st.init_pid, st.init_start);
	if (alive && st.state != ZS_READY && !force)
		return zerr_setx(err, EBUSY,
				 "zone %s: cannot delete a running container "
				 "(stop it with kill, or use delete --force)",
				 id);
	if (alive && st.state == ZS_READY)
		kill(st.init_pid, SIGKILL);
	if (st.has_cgroup && rctl_cgroup_frozen(&st.cg))
		rctl_cgroup_freeze(&st.cg, false, NULL);
	r = zone_halt(ctx, id, 0, err);
	/* The monitor may have finished on its own meanwhile. */
	cleanup_status struct zone_status now = {0};
	if (r == -EBUSY && zone_status_read(ctx, id, &now, NULL) == 0 &&
	    zone_op_allowed(ZOP_DELETE, now.state))
		r = 0;
	return r;
}

int oci_delete(struct zone_ctx *ctx, const char *id, bool force, struct zerr *err)
{
	int r = zone_name_check(id, err);
	if (r < 0)
		return r;
	if (!zone_exists(ctx, id))
		return force ? 0 : zerr_setx(err, ENOENT, "zone %s: no such container", id);
	/* poststop hooks: after the container is deleted, before delete
	 * returns (a config that no longer parses has none to run) */
	cleanup_config struct zone_config cfg = {0};
	cleanup_free char *path = zone_config_path(ctx, id);
	bool hooks = zone_config_load(id, path, &cfg, NULL) == 0 && cfg.n_hooks[ZH_POSTSTOP];
	if ((r = stop_for_delete(ctx, id, force, err)) < 0)
		return r;
	zfault("delete:stopped");
	if ((r = zone_delete(ctx, id, false, err)) == 0 && hooks)
		zone_hooks_run(id, &cfg, ZH_POSTSTOP, "stopped", 0, false, NULL);
	return r;
}

/* ---- pause, resume, ps -------------------------------------------------- */

int oci_pause(struct zone_ctx *ctx, const char *id, bool pause, struct zerr *err)
{
	cleanup_config struct zone_config cfg = {0};
	cleanup_status struct zone_status st = {0};
	int lock;
	int r = zone_open(ctx, id, ZOP_PAUSE, &lock, &st, &cfg, err);
	if (r < 0)
		return r;
	if (!st.has_cgroup)
		r = zerr_setx(err, ESRCH, "zone %s: has no cgroup", id);
	else if (rctl_cgroup_frozen(&st.cg) == pause)
		r = zerr_setx(err, EINVAL, "zone %s: the container is %s", id,
			      pause ? "paused already" : "not paused");
	else
		r = rctl_cgroup_freeze(&st.cg, pause, err);
	close(lock);
	return r;
}

int oci_pids(struct zone_ctx *ctx, const char *id, pid_t **pids, size_t *n, struct zerr *err)
{
	struct rctl_cgroup cg = {0};
	int r = zone_cgroup_get(ctx, id, &cg, NULL, err);
	if (r == 0)
		r = rctl_cgroup_pids(&cg, pids, n, err);
	rctl_cgroup_free(&cg);
	return r;
}
