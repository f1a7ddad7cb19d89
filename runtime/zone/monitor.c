/*
 * monitor.c - the per-zone monitor (illumos's zoneadmd, podman's conmon).
 *
 * `zonectl boot` forks the monitor and waits on a pipe. The monitor:
 *
 *   1. records state "booting" with its own pid and the cgroup plan, so a
 *      crash from here on is repaired by the next command;
 *   2. makes the zone's cgroups, its console pty and init (isolate/),
 *      putting init into the cgroups and bringing up its loopback before
 *      init's root is built;
 *   3. releases init, records "running", writes "OK" to the pipe, and lets
 *      go of the zone's lock (inherited from `zonectl boot`);
 *   4. stays: relays the console between the pty and console.sock, keeps
 *      a capped console.log, keeps the zone's procfs server running and
 *      answers the zone's sysinfo/sched_getaffinity notifications
 *      (zone/procfs.c), and waits for init through a pidfd;
 *   5. when init exits: kills what is left in the cgroups, removes them,
 *      removes the run directory (state back to installed), exits.
 *
 * Init dies with the monitor (PDEATHSIG), so killing the monitor halts the
 * zone; the next command finds the dead monitor and releases the cgroups.
 * Any failure in 1-3 is written to the pipe as text and undone.
 *
 * The OCI create (monitor_opts given) differs in three ways. Init is
 * cloned with CLONE_PARENT and without PDEATHSIG, so it is the caller's
 * child, and once `create` has exited its subreaper's (conmon's), which
 * reaps it and gets its exit status; the monitor watches it through its
 * pidfd. Init keeps the caller's stdio, or gets a pty whose master goes to
 * --console-socket. And step 3 stops at "ready" (OCI "created"): the
 * monitor listens on ctl.sock, and `start` asks it there to release init.
 *
 * A job (`zonectl run`) is booted "attached": init (zinit -x) and its one
 * service get the client's stdin, stdout and stderr instead of the
 * console, and the monitor keeps its end of the pipe after "OK". The pipe
 * is how the two watch each other: when the client dies (kill -9), the
 * write end polls POLLERR and the monitor halts the zone; when the job
 * ends, the monitor releases everything, deletes an ephemeral zone, and
 * only then writes "EXIT <status>", so the client returns once the zone
 * is gone. An ephemeral zone (zone.ephemeral) is deleted by its monitor
 * after any halt.
 */
#include <errno.h>
#include <malloc.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>

#include "monitor.h"

int on_cloned(pid_t pid, void *arg, struct zerr *err)
{
	struct monitor *m = arg;
	/* On a v2 host init was born in its cgroup (CLONE_INTO_CGROUP), the
	 * only hierarchy there is; elsewhere it joins each one now. */
	int r = rctl_cgroup_unified(&m->st.cg) >= 0 ? 0 : rctl_cgroup_attach(&m->st.cg, pid, err);
	zfault("boot:init-cloned");
	if (r == 0 && (m->cfg->ns_flags & CLONE_NEWNET))
		r = net_loopback_up(pid, err);
	if (r == 0)
		r = zone_net_setup(m->ctx, m->name, m->cfg, &m->st, pid, err);
	zfault("boot:net-made");
	if (r == 0)
		r = zone_hooks_run(m->name, m->cfg, ZH_PRESTART, "creating", pid, false, err);
	if (r == 0)
		r = zone_hooks_run(m->name, m->cfg, ZH_CREATE_RUNTIME, "creating", pid, false, err);
	return r;
}

/* The OCI create stops here: init waits, `start` comes through ctl.sock. */
static int hold(struct monitor *m, struct zerr *err)
{
	int r = 0;
	if (m->cfg->process.terminal)
		r = send_console(m, err);
	if (r == 0)
		r = listen_at(m, "ctl.sock", SOCK_SEQPACKET, &m->ctl_fd, err);
	if (r < 0)
		return r;
	m->st.state = ZS_READY;
	return zone_status_write(m->ctx, m->name, &m->st, err);
}

/* A poststart hook that fails is reported, not fatal (the spec says so);
 * with no one to report to, the zone runs on. */
int release(struct monitor *m, struct zerr *err)
{
	int r = zone_hooks_run(m->name, m->cfg, ZH_START_CONTAINER, "created", m->init.pid, true,
			       err);
	if (r < 0)
		return r;
	if ((r = iso_release(&m->init, err)) < 0) {
		m->init_created = false;
		return zerr_prefix(err, "zone %s", m->name);
	}
	m->st.state = ZS_RUNNING;
	zone_hooks_run(m->name, m->cfg, ZH_POSTSTART, "running", m->init.pid, false, NULL);
	return 0;
}

/* machinectl sees the zone (a failure is said on the console, and the
 * zone runs on without). */
static void register_machine(struct monitor *m, const char *rootfs)
{
	struct zerr e = {0};
	if (zone_machine_register(m->name, m->init.pid, rootfs, &e) == 0)
		return;
	cleanup_free char *msg = xasprintf("[zonectl: %s]\r\n", e.msg);
	console_note(m, msg);
}

/* The devices of linux.devices are the zone's: allowed in its device
 * cgroup after the rules given (as runc does), or a deny-all list would
 * refuse the mknod that makes them (the child runs in the cgroup). */
static void allow_listed_devices(struct zone_config *cfg)
{
	struct rctl_resources *res = &cfg->resources;
	if (!cfg->n_devices)
		return;
	res->devices = xrealloc(res->devices,
				(res->n_devices + cfg->n_devices) * sizeof(*res->devices));
	for (size_t i = 0; i < cfg->n_devices; i++) {
		const struct iso_device *d = &cfg->devices[i];
		if (d->type == 'p') /* a fifo: no device cgroup check */
			continue;
		res->devices[res->n_devices++] = (struct rctl_device){
			.allow = true,
			.type = d->type == 'b' ? 'b' : 'c',
			.major = d->major,
			.minor = d->minor,
			.access = "rwm",
		};
	}
}

/* An OCI container's linux.cgroupsPath in the cgroupfs form (systemd's
 * slice:prefix:name is zone/scope.c's) */
static bool oci_path(const struct monitor *m)
{
	return m->cfg->brand == ZONE_BRAND_OCI && m->cfg->cgroups_path && *m->cfg->cgroups_path;
}

static int boot_zone(struct monitor *m, struct zerr *err)
{
	struct zone_status *st = &m->st;
	st->state = ZS_BOOTING;
	st->monitor_pid = getpid();
	st->monitor_start = proc_starttime(st->monitor_pid);
	zone_boot_id(st->boot_id);
	/* under systemd the monitor first moves into a scope of its own,
	 * and the zone's cgroups are made below it (zone/scope.c) */
	bool systemd = zone_cgroup_manager(m->ctx) == ZONE_CGM_SYSTEMD;
	cleanup_free char *unit = NULL;
	int r = systemd ? zone_scope_start(m->ctx, m->name, m->cfg, &unit, err) : 0;
	if (r == 0)
		r = systemd       ? rctl_cgroup_plan_delegated(m->name, unit, &st->cg, err)
		    : oci_path(m) ? rctl_cgroup_plan_path(m->name, m->cfg->cgroups_path,
							  m->ctx->cgroup_parent, &st->cg, err)
				  : rctl_cgroup_plan(m->name, m->ctx->cgroup_parent, &st->cg, err);
	if (r < 0)
		return r;
	st->has_cgroup = true;
	/* an init of the zone's own (systemd) manages a subtree of its own,
	 * one level below the zone's limits */
	st->cg.payload = m->cfg->init == ZONE_INIT_PATH;
	if ((r = zone_net_plan(m->ctx, m->name, m->cfg, st, err)) < 0 ||
	    (r = zone_status_write(m->ctx, m->name, st, err)) < 0)
		return r;
	zfault("boot:recorded");
	/* under a delegated parent, zonectl's own processes leave it */
	st->cg.movable[0] = getpid();
	st->cg.movable[1] = getppid();
	allow_listed_devices(m->cfg);
	if ((r = rctl_cgroup_create(&st->cg, &m->cfg->resources, err)) < 0) {
		/* Someone else's (a zone of the same name under another state
		 * root): leave it alone. */
		if (r == -EEXIST) {
			st->has_cgroup = false;
			zerr_prefix(err,
				    "zone %s: is a zone of this name running under another --root?",
				    m->name);
		}
		return r;
	}
	zfault("boot:cgroups-made");
	bool console = !m->oci || m->cfg->process.terminal;
	if ((r = prepare_procfs(m, err)) < 0 || (console && (r = open_console(m, err)) < 0) ||
	    (r = compile_seccomp(m, err)) < 0)
		return r;
	cleanup_free char *rootfs = zone_rootfs(m->ctx, m->name, m->cfg);
	struct iso_spec spec;
	r = build_spec(m, &spec, rootfs, err);
	if (r == 0)
		r = iso_spawn(&spec, &m->init, err);
	spec_free(&spec);
	if (r < 0)
		return r;
	m->init_created = true;
	st->init_pid = m->init.pid;
	st->init_start = proc_starttime(m->init.pid);
	st->booted_at_ns = wall_ns();
	r = zone_hooks_run(m->name, m->cfg, ZH_CREATE_CONTAINER, "created", st->init_pid, true,
			   err);
	if (r < 0)
		return r;
	if (m->oci)
		return hold(m, err);
	if ((r = release(m, err)) < 0)
		return r;
	zfault("boot:released");
	if (st->cg.unit)
		register_machine(m, rootfs);
	if ((r = listen_console(m, err)) < 0)
		return r;
	return zone_status_write(m->ctx, m->name, st, err);
}

static void undo_boot(struct monitor *m)
{
	if (m->init_created)
		iso_abort(&m->init);
	if (m->st.has_cgroup)
		rctl_cgroup_destroy(&m->st.cg, NULL);
	zone_net_teardown(m->ctx, &m->st);
	zone_status_clear(m->ctx, m->name);
}

/* Returns init's exit status (128+N if killed by signal N): a job's. */
static int shutdown_zone(struct monitor *m)
{
	int status = 0;
	/* An OCI init is not our child: its parent reaps it. */
	while (!m->oci && waitpid(m->init.pid, &status, 0) < 0 && errno == EINTR)
		;
	zfault("halt:init-gone");
	console_out(m);
	zone_view_stop(&m->pfs);
	rctl_cgroup_destroy(&m->st.cg, NULL);
	zfault("halt:cgroups-gone");
	zone_net_teardown(m->ctx, &m->st);
	zfault("halt:net-gone");
	/* an OCI container's run at its delete (oci/oci.c) */
	if (!m->oci)
		zone_hooks_run(m->name, m->cfg, ZH_POSTSTOP, "stopped", m->init.pid, false, NULL);
	if (m->client_fd >= 0) {
		static const char bye[] = "\r\n[zone halted]\r\n";
		(void)!write(m->client_fd, bye, sizeof(bye) - 1);
	}
	struct zerr err;
	int fd = zone_lock(m->ctx, m->name, &err);
	zone_status_clear(m->ctx, m->name);
	if (fd >= 0)
		close(fd);
	return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
}

/* After the halt: an ephemeral zone goes, then a job's client hears. */
static void finish(struct monitor *m, int status)
{
	if (m->cfg->ephemeral) {
		struct zone_ctx ctx = *m->ctx;
		struct zerr err;
		zone_delete(&ctx, m->name, false, &err);
	}
	if (m->attached) {
		char msg[32];
		int n = snprintf(msg, sizeof(msg), "EXIT %d", status);
		(void)!write(m->report_fd, msg, (size_t)n);
	}
}

static void watch(struct monitor *m)
{
	/* What booting allocated and freed (the config, libnftables' parser:
	 * 1.3 MiB for a zone with NAT) goes back to the kernel before the
	 * zone's long idle life, and before the view's server is forked. */
	malloc_trim(0);
	if (m->pfs_on) {
		zone_view_start(&m->pfs, m->init.pid, m->st.booted_at_ns, m->init.notify_fd);
		m->init.notify_fd = -1;
	}
	int client = m->attached ? m->report_fd : -1;
	for (;;) {
		struct pollfd p[7 + 3 + ZONE_VIEW_MAX_LISTENERS] = {
			{.fd = m->init.pidfd, .events = POLLIN},
			{.fd = m->master, .events = POLLIN},
			{.fd = m->listen_fd, .events = POLLIN},
			{.fd = m->sig_fd, .events = POLLIN},
			{.fd = m->client_fd, .events = POLLIN},
			{.fd = m->ctl_fd, .events = POLLIN},
			{.fd = client, .events = 0},
		};
		size_t n = 7 + zone_view_poll(&m->pfs, p + 7);
		if (poll(p, n, zone_view_timeout(&m->pfs)) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		zone_view_event(&m->pfs, p + 7);
		if (p[1].revents & POLLIN)
			console_out(m);
		if (p[4].revents & (POLLIN | POLLHUP | POLLERR))
			console_in(m);
		if (p[2].revents & POLLIN)
			console_accept(m);
		if (p[5].revents & POLLIN)
			ctl_accept(m);
		/* A release that failed has reaped init already. */
		if (!m->init_created)
			break;
		if (p[3].revents & POLLIN) {
			struct signalfd_siginfo si;
			if (read(m->sig_fd, &si, sizeof(si)) != sizeof(si))
				;
			else if (si.ssi_signo == SIGCHLD)
				zone_view_child(&m->pfs);
			else if (m->init.pid > 0)
				kill(m->init.pid, zone_halt_signal(m->init.pid));
		}
		if (p[6].revents & (POLLERR | POLLHUP)) {
			/* the job's client is gone: nobody waits for it */
			kill(m->init.pid, zone_halt_signal(m->init.pid));
			client = -1;
		}
		if (p[0].revents & POLLIN)
			break;
	}
	finish(m, shutdown_zone(m));
}

static void stdio_to_null(void)
{
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);
	for (int i = 0; i < 3 && null >= 0; i++)
		dup2(null, i);
	if (null > 2)
		close(null);
}

static __attribute__((noreturn)) void monitor_main(struct monitor *m)
{
	struct zerr err = {0};
	setsid();
	/* The OCI init inherits the caller's stdio, and a job's init takes
	 * the client's from us: let go of it only after boot. */
	if (!m->oci && !m->attached)
		stdio_to_null();
	/* Nothing of the caller's (a CI runner's output pipe, say) may be
	 * held open for the zone's lifetime. */
	close_fds_except(m->lockfd, m->report_fd);
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGCHLD); /* a child stopped: the view's server (procfs.c) */
	sigprocmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	m->sig_fd = signalfd(-1, &set, SFD_CLOEXEC);
	if (boot_zone(m, &err) < 0) {
		undo_boot(m);
		char prefix[ZONE_NAME_MAX + 8];
		snprintf(prefix, sizeof(prefix), "zone %s:", m->name);
		if (strncmp(err.msg, prefix, strlen(prefix)))
			zerr_prefix(&err, "zone %s: boot", m->name);
		write_all(m->report_fd, err.msg, strlen(err.msg));
		_exit(1);
	}
	zfault("boot:running");
	if (m->oci || m->attached)
		stdio_to_null();
	write_all(m->report_fd, "OK", 2);
	if (!m->attached)
		close(m->report_fd);
	close(m->lockfd);
	watch(m);
	_exit(0);
}

/* A job's boot: one read (the monitor writes "OK" or its error in one
 * write, below PIPE_BUF), and the pipe stays open for "EXIT n". */
static int read_report(int fd, bool attached, char *buf, size_t size)
{
	if (!attached)
		return (int)read_all(fd, buf, size);
	ssize_t n;
	do
		n = read(fd, buf, size);
	while (n < 0 && errno == EINTR);
	return (int)n;
}

/* A zone (oci and report_fd NULL), an OCI container (oci) or a job
 * (report_fd): forks the monitor and waits for its report. */
static int start(const struct zone_ctx *ctx, const char *name, struct zone_config *cfg, int lockfd,
		 const struct monitor_opts *oci, int *report_fd, pid_t *monitor, struct zerr *err)
{
	bool attached = report_fd != NULL;
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return zerr_set(err, errno, "zone %s: pipe", name);
	pid_t pid = fork();
	if (pid < 0) {
		int e = errno;
		close(p[0]);
		close(p[1]);
		return zerr_set(err, e, "zone %s: fork the monitor", name);
	}
	if (pid == 0) {
		close(p[0]);
		struct monitor m = {
			.ctx = ctx,
			.name = name,
			.cfg = cfg,
			.oci = oci,
			.lockfd = lockfd,
			.report_fd = p[1],
			.master = -1,
			.slave = -1,
			.listen_fd = -1,
			.client_fd = -1,
			.log_fd = -1,
			.ctl_fd = -1,
			.attached = attached,
		};
		monitor_main(&m);
	}
	close(p[1]);
	char buf[sizeof(err->msg)] = {0};
	int n = read_report(p[0], attached, buf, sizeof(buf) - 1);
	if (n == 2 && !memcmp(buf, "OK", 2) && attached) {
		/* The monitor was forked from us but lives on. */
		waitpid(pid, NULL, WNOHANG);
		*report_fd = p[0];
		*monitor = pid;
		return 0;
	}
	close(p[0]);
	if (n == 2 && !memcmp(buf, "OK", 2)) {
		waitpid(pid, NULL, WNOHANG);
		return 0;
	}
	/* It exits after its report, and an OCI init (our child too) was
	 * killed: reap both. */
	while (waitpid(-1, NULL, 0) > 0 || errno == EINTR)
		;
	if (n > 0)
		return zerr_setx(err, EINVAL, "%s", buf);
	return zerr_setx(err, EPIPE, "zone %s: the monitor died during boot", name);
}

int monitor_start(const struct zone_ctx *ctx, const char *name, struct zone_config *cfg, int lockfd,
		  const struct monitor_opts *oci, struct zerr *err)
{
	return start(ctx, name, cfg, lockfd, oci, NULL, NULL, err);
}

int monitor_start_job(const struct zone_ctx *ctx, const char *name, struct zone_config *cfg,
		      int lockfd, int *report_fd, pid_t *monitor, struct zerr *err)
{
	return start(ctx, name, cfg, lockfd, NULL, report_fd, monitor, err);
}
