/* ops.c - the life-cycle verbs: create, boot, halt, reboot, delete. Each
 * takes the zone's lock, repairs what a crash left, checks the transition
 * table, then acts. */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>

#include "runtime.h"

static int read_config_source(const char *name, const struct zone_create_opts *o, char **text,
			      size_t *len, struct zerr *err)
{
	if (!o->config_path) {
		*text = zone_config_default(name, o->brand_set ? o->brand : ZONE_BRAND_SPARSE);
		*len = strlen(*text);
		return 0;
	}
	int r = read_file(o->config_path, text, len, err);
	return r < 0 ? zerr_prefix(err, "zone %s: --config", name) : 0;
}

/* The zone's root is built by mounting and pivoting in a mount namespace
 * of its own; without one, both would happen in the host's. A kvm zone
 * needs its guest. */
/* The oldest kernel zonectl is tested on (Debian 12's); what newer ones
 * add has a fallback (MOVE_MOUNT_BENEATH 6.5, MFD_EXEC 6.3). Below it a
 * zone would fail in ways that name no kernel: shared-IP zones' BPF
 * (bpf_set_retval in socket hooks, 6.1), cgroup.kill (5.14),
 * mount_setattr (5.12). */
#define KERNEL_MIN_MAJOR 6
#define KERNEL_MIN_MINOR 1

static int check_kernel(const char *name, struct zerr *err)
{
	struct utsname u;
	int major = 0, minor = 0;
	if (uname(&u) < 0 || sscanf(u.release, "%d.%d", &major, &minor) != 2)
		return 0;
	if (major > KERNEL_MIN_MAJOR || (major == KERNEL_MIN_MAJOR && minor >= KERNEL_MIN_MINOR))
		return 0;
	return zerr_setx(err, ENOTSUP,
			 "zone %s: this host runs Linux %s, and zonectl needs Linux "
			 "%d.%d or newer (cgroup.kill, mount_setattr, BPF socket hooks that set "
			 "errors)",
			 name, u.release, KERNEL_MIN_MAJOR, KERNEL_MIN_MINOR);
}

int zone_check_runnable(const char *name, const struct zone_config *cfg, struct zerr *err)
{
	int r = check_kernel(name, err);
	if (r < 0)
		return r;
	/* runc joins it and builds the root in it: every mount of the
	 * container's root would land in that namespace, the host's or
	 * another container's, and stay there */
	for (size_t i = 0; i < cfg->n_ns_paths; i++)
		if (cfg->ns_paths[i].type == CLONE_NEWNS)
			return zerr_setx(err, EINVAL,
					 "zone %s: config: linux.namespaces: a mount namespace "
					 "given by path is not supported: the container's root is "
					 "built by mounting in its mount namespace, which would "
					 "change the one at `%s`; leave the path out for a new one",
					 name, cfg->ns_paths[i].path);
	if (!(cfg->ns_flags & CLONE_NEWNS))
		return zerr_setx(err, EINVAL,
				 "zone %s: config: linux.namespaces: a zone needs a new "
				 "mount namespace (add {\"type\": \"mount\"})",
				 name);
	const struct brand_ops *b = brand_of(cfg->brand);
	return b->check ? b->check(name, cfg, err) : 0;
}

/* The host links the NICs name must exist now (they are checked again
 * at boot: a link can go away in between). */
static int check_links(const struct zone_ctx *ctx, const char *name, const struct zone_config *cfg,
		       struct zerr *err)
{
	struct net_zone z;
	zone_net_describe(ctx, name, cfg, &z);
	char **made = NULL;
	int r = net_plan(&z, &made, err);
	strv_free(made);
	free((char *)z.state_dir);
	return r;
}

int zone_install(const struct zone_ctx *ctx, const char *name, const char *text, size_t len,
		 const struct zone_config *cfg, struct zerr *err)
{
	cleanup_free char *final = zone_dir(ctx, name);
	cleanup_free char *tmp = zone_scratch_dir(ctx, name, "creating");
	rm_rf(tmp, NULL); /* a crashed create of the same name; we hold its lock */
	if (mkdir(tmp, 0700) < 0)
		return zerr_set(err, errno, "zone %s: mkdir `%s`", name, tmp);
	zfault("create:dir-made");
	const struct brand_ops *b = brand_of(cfg->brand);
	cleanup_free char *path = xasprintf("%s/config.json", tmp);
	int r = b->durable_config ? write_file_atomic(path, text, len, 0600, err)
				  : write_file_replace(path, text, len, 0600, err);
	zfault("create:config-written");
	if (r < 0)
		zerr_prefix(err, "zone %s", name);
	else if (cfg->disk)
		r = zone_disk_install(name, tmp, cfg, err);
	else
		r = b->install(name, tmp, cfg, err);
	zfault("create:installed");
	/* The rename makes the zone appear whole or not at all. */
	if (r == 0 && rename(tmp, final) < 0)
		r = zerr_set(err, errno, "zone %s: rename `%s`", name, tmp);
	zfault("create:renamed");
	if (r < 0)
		rm_rf(tmp, NULL);
	return r;
}

/* A whole zone's template must exist, and stay until the zone is in
 * place: install under the templates' lock, shared. */
static int install_locked(const struct zone_ctx *ctx, const char *name, const char *text,
			  size_t len, const struct zone_config *cfg, struct zerr *err)
{
	if (!brand_of(cfg->brand)->from_template)
		return zone_install(ctx, name, text, len, cfg, err);
	int lock = zone_template_lock(ctx, false, err);
	if (lock < 0)
		return lock;
	int r = 0;
	if (!zone_template_exists(ctx, cfg->template_name))
		r = zerr_setx(err, ENOENT,
			      "zone %s: no template %s (zonectl template list shows them)", name,
			      cfg->template_name);
	else
		r = zone_install(ctx, name, text, len, cfg, err);
	close(lock);
	return r;
}

/* `create --init PATH`: a system container, whose init is a whole
 * system's (systemd, as under systemd-nspawn -b or podman --systemd):
 * told it is in a container, given the tmpfs mounts it expects rather
 * than making them (it has no CAP_SYS_ADMIN), and its cgroup subtree
 * writable (the payload: one level below the zone's limits). */
static char *const system_env[] = {"container=zonectl", NULL};
static char *const tmpfs_opts[] = {"nosuid", "nodev", "mode=755", NULL};
static char *const tmp_opts[] = {"nosuid", "nodev", "mode=1777", NULL};
static const struct iso_mount system_mounts[] = {
	{"/run", "tmpfs", "tmpfs", (char **)tmpfs_opts},
	{"/run/lock", "tmpfs", "tmpfs", (char **)tmpfs_opts},
	{"/tmp", "tmpfs", "tmpfs", (char **)tmp_opts},
};

static void system_zone(const char *init, struct config_edit *e)
{
	e->init = init;
	e->env = system_env;
	e->mounts = system_mounts;
	e->n_mounts = sizeof(system_mounts) / sizeof(system_mounts[0]);
	e->cgroup_rw = true;
}

int zone_create_text(struct zone_ctx *ctx, const char *name, const struct zone_create_opts *o,
		     char *text, size_t len, struct zerr *err)
{
	cleanup_free char *owned = text;
	struct zone_keys keys = {0};
	int r = zone_keys_rewrite(name, "create --set", o->set, &owned, &len, &keys, err);
	zone_keys_free(&keys);
	if (r < 0 || (r = zone_net_rewrite(name, o->net, &owned, &len, err)) < 0 ||
	    (r = zone_kvm_rewrite(name, o->kvm, &owned, &len, err)) < 0)
		return r;
	struct config_edit edit = {.template_name = o->template_name};
	if (o->init)
		system_zone(o->init, &edit);
	if ((o->template_name || o->init) &&
	    (r = zone_config_edit(name, &owned, &len, &edit, err)) < 0)
		return r;
	cleanup_config struct zone_config cfg = {0};
	if ((r = zone_config_parse(name, owned, len, &cfg, err)) < 0 ||
	    (r = zone_check_runnable(name, &cfg, err)) < 0 ||
	    (r = check_links(ctx, name, &cfg, err)) < 0)
		return r;
	if (cfg.ignored && ctx->notice) {
		cleanup_free char *msg = xasprintf("zone %s: config: %s", name, cfg.ignored);
		ctx->notice(msg);
	}
	if (o->brand_set && cfg.brand != o->brand)
		return zerr_setx(err, EINVAL,
				 "zone %s: --brand %s contradicts the config's zone.brand %s", name,
				 zone_brand_name(o->brand), zone_brand_name(cfg.brand));
	cleanup_close int lock = zone_lock(ctx, name, err);
	if (lock < 0)
		return lock;
	if (zone_exists(ctx, name))
		return zerr_setx(err, EEXIST,
				 "zone %s: already exists (delete it first, or pick another name)",
				 name);
	if ((r = zone_net_check_unique(ctx, name, &cfg, err)) < 0)
		return r;
	return install_locked(ctx, name, owned, len, &cfg, err);
}

int zone_create(struct zone_ctx *ctx, const char *name, const struct zone_create_opts *o,
		struct zerr *err)
{
	int r = zone_name_check(name, err);
	if (r < 0)
		return r;
	char *text = NULL;
	size_t len;
	if ((r = read_config_source(name, o, &text, &len, err)) < 0)
		return r;
	return zone_create_text(ctx, name, o, text, len, err);
}

/* report_fd NULL: a zone; else a job (zone_boot_job). */
static int boot(struct zone_ctx *ctx, const char *name, int *report_fd, pid_t *monitor,
		struct zerr *err)
{
	cleanup_config struct zone_config cfg = {0};
	cleanup_status struct zone_status st = {0};
	int lock;
	int r = zone_open(ctx, name, ZOP_BOOT, &lock, &st, &cfg, err);
	if (r < 0)
		return r;
	r = zone_check_runnable(name, &cfg, err);
	if (r == 0 && (r = zone_net_resolve(ctx, name, &cfg, true, err)) == 0)
		zone_net_warn(ctx, name, &cfg, report_fd != NULL);
	/* no monitor is started for a systemd that is not there */
	if (r == 0 && zone_cgroup_manager(ctx) == ZONE_CGM_SYSTEMD && rctl_systemd_check(err) < 0)
		r = zerr_prefix(err, "zone %s", name);
	const struct brand_ops *b = brand_of(cfg.brand);
	if (r == 0 && b->boot_prepare)
		r = b->boot_prepare(ctx, name, &cfg, err);
	if (r == 0)
		r = report_fd ? monitor_start_job(ctx, name, &cfg, lock, report_fd, monitor, err)
			      : monitor_start(ctx, name, &cfg, lock, NULL, err);
	close(lock);
	return r;
}

int zone_boot(struct zone_ctx *ctx, const char *name, struct zerr *err)
{
	return boot(ctx, name, NULL, NULL, err);
}

int zone_boot_job(struct zone_ctx *ctx, const char *name, int *report_fd, pid_t *monitor,
		  struct zerr *err)
{
	return boot(ctx, name, report_fd, monitor, err);
}

static int pidfd_wait(pid_t pid, unsigned long long start, int timeout_ms)
{
	int fd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (fd < 0)
		return 0; /* already gone */
	if (!proc_alive(pid, start)) {
		close(fd);
		return 0;
	}
	struct pollfd p = {.fd = fd, .events = POLLIN};
	int r;
	do
		r = poll(&p, 1, timeout_ms);
	while (r < 0 && errno == EINTR);
	close(fd);
	return r > 0 ? 0 : -ETIMEDOUT;
}

int zone_halt_signal(pid_t init)
{
	char link[64], exe[PATH_MAX];
	snprintf(link, sizeof(link), "/proc/%d/exe", (int)init);
	ssize_t n = readlink(link, exe, sizeof(exe) - 1);
	if (n <= 0)
		return SIGTERM;
	exe[n] = '\0';
	const char *base = strrchr(exe, '/');
	return !strcmp(base ? base + 1 : exe, "systemd") ? SIGRTMIN + 3 : SIGTERM;
}

/* Ask, then insist: SIGTERM to init (our init ends the zone's processes
 * in order), after timeout_s SIGKILL to everything in the cgroup. The
 * monitor notices init's exit and releases the rest. */
static int stop_zone(const struct zone_ctx *ctx, const char *name, struct zone_status *st,
		     const struct brand_ops *b, int timeout_s, struct zerr *err)
{
	/* a brand may ask first (a kvm zone's guest is asked to power down;
	 * its init, qemu, would end at once on SIGTERM) */
	if (b->powerdown && b->powerdown(ctx, name) == 0 &&
	    pidfd_wait(st->monitor_pid, st->monitor_start, timeout_s * 1000) == 0)
		return 0;
	if (proc_alive(st->init_pid, st->init_start))
		kill(st->init_pid, zone_halt_signal(st->init_pid));
	zfault("halt:signalled");
	if (pidfd_wait(st->monitor_pid, st->monitor_start, timeout_s * 1000) == 0)
		return 0;
	if (st->has_cgroup)
		rctl_cgroup_kill(&st->cg, 2000, NULL);
	if (pidfd_wait(st->monitor_pid, st->monitor_start, 5000) == 0)
		return 0;
	return zerr_setx(err, ETIMEDOUT,
			 "zone %s: the monitor (pid %d) did not finish the halt; "
			 "run `zonectl halt %s` again",
			 name, st->monitor_pid, name);
}

int zone_halt(struct zone_ctx *ctx, const char *name, int timeout_s, struct zerr *err)
{
	cleanup_config struct zone_config cfg = {0};
	cleanup_status struct zone_status st = {0};
	int lock;
	int r = zone_open(ctx, name, ZOP_HALT, &lock, &st, &cfg, err);
	if (r < 0)
		return r;
	/* Informational only: a zone that filled the disk must still halt. */
	st.state = ZS_SHUTTING_DOWN;
	zone_status_write(ctx, name, &st, NULL);
	zfault("halt:recorded");
	/* The monitor needs the lock to record the end: let go while we wait. */
	close(lock);
	r = stop_zone(ctx, name, &st, brand_of(cfg.brand), timeout_s, err);
	if (r < 0)
		return r;
	if (st.has_cgroup)
		rctl_cgroup_tidy(&st.cg);
	/* If the monitor died rather than finished, repair now. */
	lock = zone_lock(ctx, name, err);
	if (lock < 0)
		return lock;
	zone_status_free(&st);
	r = zone_status_read(ctx, name, &st, err);
	if (r == 0)
		r = zone_repair(ctx, name, &st, err);
	close(lock);
	return r;
}

int zone_reboot(struct zone_ctx *ctx, const char *name, int timeout_s, struct zerr *err)
{
	cleanup_config struct zone_config cfg = {0};
	cleanup_status struct zone_status st = {0};
	int lock;
	int r = zone_open(ctx, name, ZOP_REBOOT, &lock, &st, &cfg, err);
	if (r < 0)
		return r;
	close(lock);
	r = zone_halt(ctx, name, timeout_s, err);
	return r < 0 ? r : zone_boot(ctx, name, err);
}

int zone_delete(struct zone_ctx *ctx, const char *name, bool force, struct zerr *err)
{
	int r = zone_name_check(name, err);
	if (r < 0)
		return r;
	if (force && zone_exists(ctx, name)) {
		struct zone_info info = {0};
		if (zone_info_get(ctx, name, &info, NULL) == 0 &&
		    !zone_op_allowed(ZOP_DELETE, info.state) &&
		    (r = zone_halt(ctx, name, 10, err)) < 0) {
			zone_info_free(&info);
			return r;
		}
		zone_info_free(&info);
	}
	cleanup_config struct zone_config cfg = {0};
	cleanup_status struct zone_status st = {0};
	int lock;
	r = zone_open(ctx, name, ZOP_DELETE, &lock, &st, &cfg, err);
	if (r == -EINVAL && zone_exists(ctx, name) && force) {
		/* A config that no longer parses must not make a zone undeletable. */
		lock = zone_lock(ctx, name, err);
		if (lock < 0)
			return lock;
		r = 0;
	}
	if (r < 0)
		return r;
	cleanup_free char *dir = zone_dir(ctx, name);
	cleanup_free char *tmp = zone_scratch_dir(ctx, name, "deleting");
	/* Renamed first: the zone disappears at once, and a crash half-way
	 * through the removal leaves no half-zone under the real name. */
	if (rename(dir, tmp) < 0)
		r = zerr_set(err, errno, "zone %s: rename `%s`", name, dir);
	else if (zfault("delete:renamed"), zone_net_release(ctx, name), (r = rm_rf(tmp, err)) < 0)
		zerr_prefix(err, "zone %s: delete", name);
	zfault("delete:removed");
	zone_status_clear(ctx, name);
	zone_lock_remove(ctx, name);
	close(lock);
	return r;
}
