/*
 * procfs.c - the runtime's side of procfs-filter: the zone's numbers from
 * its cgroups (rctl) for the view, the view's mounts and seccomp
 * notifications in the zone's spec, and the monitor's keeping of the
 * view's server.
 *
 * The monitor keeps the server alive: it starts it once init runs,
 * restarts it when it exits (at most once a second), kills it when it
 * stops (SIGCHLD: a stopped server would keep the zone's openers waiting
 * on its leases) or, while it says it is busy, sends no heartbeat for
 * KEEPER_HANG_NS (stuck). An idle server says so and is left alone: it
 * has nothing to do until a reader wakes it. The monitor
 * itself holds the seccomp listeners and answers sysinfo and
 * sched_getaffinity from what the server last wrote (procfs-filter/
 * notify.c says why); a listener whose filter has no process left
 * (POLLHUP) is closed. Logins hand their listeners to the monitor over
 * run/NAME/notify.sock (a datagram socket, root only).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>

#include "runtime.h"

#define KEEPER_HANG_NS (3ULL * 1000000000ULL)
#define KEEPER_BACKOFF_NS (1000000000ULL)
#define REFRESH_MS 1000

/* ---- the zone's numbers ------------------------------------------------ */

static int sample_zone(void *arg, struct pfs_sample *s, struct zerr *err)
{
	const struct rctl_cgroup *cg = arg;
	struct rctl_usage u;
	int r = rctl_cgroup_usage(cg, &u, err);
	if (r < 0)
		return r;
	*s = (struct pfs_sample){
		.mem_limit = u.mem_limit,
		.mem_usage = u.mem_bytes,
		.mem_cache = u.mem_cache,
		.mem_shmem = u.mem_shmem,
		.mem_mapped = u.mem_mapped,
		.active_anon = u.active_anon,
		.inactive_anon = u.inactive_anon,
		.active_file = u.active_file,
		.inactive_file = u.inactive_file,
		.swap_usage = u.has_swap ? u.swap_bytes : 0,
		.swap_limit = u.has_swap ? u.swap_limit : -1,
		.cpu_ns = u.cpu_ns,
		.cpu_user_ns = u.cpu_user_ns,
		.cpu_system_ns = u.cpu_system_ns,
		.cpu_quota = u.cpu_quota,
		.cpu_period = u.cpu_period,
		.io_read_bytes = u.io_read_bytes,
		.io_write_bytes = u.io_write_bytes,
		.io_read_ops = u.io_read_ops,
		.io_write_ops = u.io_write_ops,
	};
	memcpy(s->cpuset, u.cpuset, sizeof(s->cpuset));
	return rctl_cgroup_pids(cg, &s->pids, &s->n_pids, err);
}

void zone_view_fill(struct zone_view *k, const struct zone_ctx *ctx, const char *name,
		    const struct zone_config *cfg, const struct rctl_cgroup *cg)
{
	k->dir = zone_run_file(ctx, name, "procfs");
	k->sock_path = zone_run_file(ctx, name, "notify.sock");
	k->pid_path = zone_run_file(ctx, name, "procfs.pid");
	k->z = (struct pfs_zone){
		.name = name,
		.dir = k->dir,
		.cpuset = cfg->resources.cpuset_cpus,
		.booted_at_ns = wall_ns(),
		.sample = sample_zone,
		.sample_arg = (void *)cg,
	};
}

/* ---- the zone's spec ---------------------------------------------------- */

void zone_view_mounts(const struct zone_view *k, struct iso_mount **mounts, size_t *n)
{
	size_t nf;
	const struct pfs_file *f = pfs_files(&nf);
	*mounts = xrealloc(*mounts, (*n + nf) * sizeof(**mounts));
	for (size_t i = 0; i < nf; i++) {
		char **o = NULL;
		strv_append(&o, "bind");
		strv_append(&o, "ro");
		strv_append(&o, "nosuid");
		strv_append(&o, "nodev");
		strv_append(&o, "noexec");
		(*mounts)[(*n)++] = (struct iso_mount){xstrdup(f[i].dest), xstrdup("bind"),
						       xasprintf("%s/%s", k->dir, f[i].name), o};
	}
}

void zone_seccomp_notify(struct zone_config *cfg)
{
	if (cfg->procfs != ZONE_PROCFS_ZONE)
		return;
	/* A zone with no profile still gets a filter, of these two alone. */
	if (!cfg->seccomp) {
		cfg->seccomp = xcalloc(1, sizeof(*cfg->seccomp));
		cfg->seccomp->default_action = xstrdup("SCMP_ACT_ALLOW");
	}
	strv_free(cfg->seccomp->notify);
	cfg->seccomp->notify = strv_dup(pfs_notify_syscalls());
}

/* ---- keeping the server ------------------------------------------------- */

static void close_all_but(const int *keep, size_t n)
{
	DIR *d = opendir("/proc/self/fd");
	if (!d)
		return;
	int self = dirfd(d);
	struct dirent *de;
	while ((de = readdir(d))) {
		int fd = atoi(de->d_name);
		bool kept = fd < 3 || fd == self || de->d_name[0] == '.';
		for (size_t i = 0; i < n && !kept; i++)
			kept = keep[i] == fd;
		if (!kept)
			close(fd);
	}
	closedir(d);
}

static __attribute__((noreturn)) void server_main(struct zone_view *k, int ctl)
{
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	prctl(PR_SET_NAME, "zonectl-procfs");
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_IGN);
	close_all_but(&ctl, 1);
	struct zerr err;
	pfs_serve(&k->z, ctl, REFRESH_MS, &err);
	_exit(1);
}

static void record_pid(const struct zone_view *k)
{
	char buf[32];
	int n = snprintf(buf, sizeof(buf), "%d\n", k->pid);
	write_file_atomic(k->pid_path, buf, (size_t)n, 0644, NULL);
}

static void start_server(struct zone_view *k)
{
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return;
	pid_t pid = fork();
	if (pid == 0) {
		close(sv[0]);
		server_main(k, sv[1]);
	}
	close(sv[1]);
	/* Our own unreaped child: its pid cannot be reused under us. */
	int pidfd = pid > 0 ? (int)syscall(SYS_pidfd_open, pid, 0) : -1;
	if (pidfd < 0) {
		if (pid > 0) {
			kill(pid, SIGKILL);
			waitpid(pid, NULL, 0);
		}
		close(sv[0]);
		k->restart_at_ns = now_ns() + KEEPER_BACKOFF_NS;
		return;
	}
	k->pid = pid;
	k->pidfd = pidfd;
	k->ctl = sv[0];
	k->started_ns = k->beat_ns = now_ns();
	k->restart_at_ns = 0;
	k->idle = false;
	record_pid(k);
}

static void reap_server(struct zone_view *k)
{
	if (k->pid <= 0)
		return;
	while (waitpid(k->pid, NULL, 0) < 0 && errno == EINTR)
		;
	close(k->pidfd);
	close(k->ctl);
	k->pid = 0;
	k->pidfd = k->ctl = -1;
	uint64_t now = now_ns();
	k->restart_at_ns = now - k->started_ns < KEEPER_BACKOFF_NS ? now + KEEPER_BACKOFF_NS : now;
}

static int listen_logins(struct zone_view *k)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	if (strlen(k->sock_path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, k->sock_path);
	unlink(k->sock_path);
	k->sock = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (k->sock < 0 || bind(k->sock, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return -errno;
	chmod(k->sock_path, 0600);
	return 0;
}

static void add_listener(struct zone_view *k, int fd)
{
	if (k->n >= ZONE_VIEW_MAX_LISTENERS) {
		close(fd);
		return;
	}
	k->listeners[k->n++] = fd;
}

int zone_view_start(struct zone_view *k, pid_t init_pid, uint64_t booted_at_ns, int init_listener)
{
	k->z.init_pid = init_pid;
	k->z.booted_at_ns = booted_at_ns;
	k->pid = 0;
	k->pidfd = k->ctl = k->sock = -1;
	if (init_listener >= 0)
		add_listener(k, init_listener);
	int r = listen_logins(k);
	start_server(k);
	k->active = true;
	return r;
}

size_t zone_view_poll(const struct zone_view *k, struct pollfd *p)
{
	size_t n = 0;
	if (!k->active)
		return 0;
	p[n++] = (struct pollfd){.fd = k->pidfd, .events = POLLIN};
	p[n++] = (struct pollfd){.fd = k->ctl, .events = POLLIN};
	p[n++] = (struct pollfd){.fd = k->sock, .events = POLLIN};
	/* POLLHUP once the filter has no process left. */
	for (size_t i = 0; i < k->n; i++)
		p[n++] = (struct pollfd){.fd = k->listeners[i], .events = POLLIN};
	return n;
}

int zone_view_timeout(const struct zone_view *k)
{
	if (!k->active)
		return -1;
	if (k->pid > 0 && k->idle)
		return -1;
	uint64_t now = now_ns(), at = k->pid > 0 ? k->beat_ns + KEEPER_HANG_NS : k->restart_at_ns;
	return at <= now ? 0 : (int)((at - now) / 1000000 + 1);
}

static void take_login_listener(struct zone_view *k)
{
	char byte;
	int fd;
	while (recv_with_fd(k->sock, &byte, 1, &fd) > 0)
		if (fd >= 0)
			add_listener(k, fd);
}

/* The server's messages; true if PFS_REFRESHED was among them. */
static bool drain_beats(struct zone_view *k)
{
	char buf[64];
	bool refreshed = false;
	ssize_t n;
	while ((n = recv(k->ctl, buf, sizeof(buf), MSG_DONTWAIT)) > 0) {
		k->beat_ns = now_ns();
		for (ssize_t i = 0; i < n; i++) {
			if (buf[i] == PFS_IDLE || buf[i] == PFS_BUSY)
				k->idle = buf[i] == PFS_IDLE;
			refreshed |= buf[i] == PFS_REFRESHED;
		}
	}
	return refreshed;
}

/* Before answering sysinfo from the server's last numbers: numbers older
 * than PFS_MAX_AGE_NS are asked for again, and waited for 200 ms at most
 * (a stopped server is replaced meanwhile; the old numbers are then
 * answered, with uptime current). */
static void fresh_answers(struct zone_view *k)
{
	if (k->pid <= 0 || !pfs_answer_stale(k->dir, PFS_MAX_AGE_NS))
		return;
	char req = PFS_REFRESH;
	if (send(k->ctl, &req, 1, MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
		return;
	uint64_t until = now_ns() + 200000000ULL;
	for (uint64_t now; (now = now_ns()) < until;) {
		struct pollfd p = {.fd = k->ctl, .events = POLLIN};
		int r = poll(&p, 1, (int)((until - now) / 1000000 + 1));
		if (r < 0 && errno != EINTR)
			return;
		if (r > 0 && (drain_beats(k) || (p.revents & (POLLHUP | POLLERR))))
			return;
	}
}

void zone_view_child(struct zone_view *k)
{
	siginfo_t si = {0};
	if (!k->active || k->pid <= 0 || waitid(P_PID, (id_t)k->pid, &si, WSTOPPED | WNOHANG) < 0 ||
	    si.si_pid != k->pid)
		return;
	kill(k->pid, SIGKILL);
	reap_server(k);
	if (now_ns() >= k->restart_at_ns)
		start_server(k);
}

void zone_view_event(struct zone_view *k, const struct pollfd *p)
{
	if (!k->active)
		return;
	if (p[0].revents & POLLIN)
		reap_server(k);
	else if (p[1].revents & POLLIN)
		drain_beats(k);
	for (size_t i = 0; i < k->n; i++)
		if (p[3 + i].revents & POLLIN) {
			fresh_answers(k);
			break;
		}
	for (size_t i = k->n; i-- > 0;) {
		if ((p[3 + i].revents & POLLIN) && pfs_notify_answer(k->listeners[i], k->dir) == 0)
			continue;
		if (p[3 + i].revents) {
			close(k->listeners[i]);
			k->listeners[i] = k->listeners[--k->n];
		}
	}
	/* After the answers: p has no entry for a listener added now. */
	if (p[2].revents & POLLIN)
		take_login_listener(k);
	uint64_t now = now_ns();
	/* Stopped or stuck: a new one takes the files over. */
	if (k->pid > 0 && !k->idle && now - k->beat_ns > KEEPER_HANG_NS) {
		kill(k->pid, SIGKILL);
		reap_server(k);
	}
	if (k->pid <= 0 && now >= k->restart_at_ns)
		start_server(k);
}

void zone_view_stop(struct zone_view *k)
{
	if (!k->active)
		return;
	if (k->pid > 0) {
		kill(k->pid, SIGKILL);
		reap_server(k);
	}
	for (size_t i = 0; i < k->n; i++)
		close(k->listeners[i]);
	k->n = 0;
	if (k->sock >= 0)
		close(k->sock);
	k->sock = -1;
	k->active = false;
	free(k->dir);
	free(k->sock_path);
	free(k->pid_path);
	k->dir = k->sock_path = k->pid_path = NULL;
}

/* ---- logins ------------------------------------------------------------- */

int zone_procfs_hand_listener(const struct zone_ctx *ctx, const char *name, int fd,
			      struct zerr *err)
{
	cleanup_free char *path = zone_run_file(ctx, name, "notify.sock");
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	cleanup_close int s = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0 || connect(s, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    send_with_fd(s, "L", 1, fd) < 0)
		return zerr_set(err, errno,
				"zone %s: hand the login's seccomp listener to the monitor", name);
	return 0;
}
