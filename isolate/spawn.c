/*
 * spawn.c - creating a zone's init.
 *
 * The parent (the zone's monitor) and the child that becomes init walk a
 * fixed sequence of stages over a SOCK_SEQPACKET socketpair:
 *
 *   parent                              child (new pid, mnt, uts, ipc, net ns)
 *   [joins pid/net/ipc/uts given by path, clones, goes back to its own]
 *   clone3 ----------------------------> [new user ns: waits for its maps]
 *   [uid_map, gid_map; ISO_STAGE_MAPPED] [becomes the namespace's root]
 *                                        console; mounts, /dev, pivot_root,
 *   on_cloned(): cgroups, network        masks; hostname (all in parallel
 *                                        with the parent: moving a process
 *                                        between v1 cgroups can wait out an
 *                                        RCU grace period, 5-10 ms on some
 *                                        hosts)
 *   ISO_STAGE_PARENT_DONE -------------> unshare(CLONE_NEWCGROUP): its root
 *                                        is now the zone's cgroup;
 *                                        credentials, caps, no_new_privs,
 *                                        seccomp; close fds
 *   <--------------------------------- ISO_STAGE_ROOT_READY   (OCI "created")
 *   ISO_STAGE_RELEASE -----------------> exec init
 *   EOF on the socket (CLOEXEC) <------- exec succeeded
 *
 * With a user namespace, everything the child makes is made by the
 * namespace's root (the host's uid of containerID 0), with capabilities
 * over the new namespaces only: it cannot mknod, so /dev's nodes are bind
 * mounts of the host's; a sysfs it may not mount (a network namespace it
 * does not own) is the host's /sys bound read-only, as runc does. The
 * namespaces given by path are joined by the parent before the clone, so
 * that they keep their owner (the host's user namespace) and the child
 * never needs rights over them.
 *
 * Any failure on the child's side is sent as ISO_STAGE_ERROR followed by
 * the message, and the child exits; the parent reaps it, so a failed spawn
 * leaves no process. The child dies with its parent (PDEATHSIG), so a
 * monitor killed halfway leaves no half-built zone running either.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <linux/sched.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "internal.h"

struct msg {
	int stage;
	char text[sizeof(((struct zerr *)0)->msg)];
};

static int send_stage(int fd, int stage, const char *text)
{
	struct msg m = {.stage = stage};
	size_t len = sizeof(m.stage);
	if (text) {
		snprintf(m.text, sizeof(m.text), "%s", text);
		len += strlen(m.text) + 1;
	}
	return send(fd, &m, len, MSG_NOSIGNAL) < 0 ? -errno : 0;
}

/* Returns the stage received, 0 on EOF, or -errno; a descriptor sent with
 * it goes to *fd, else -1 (fd may be NULL when none is expected). */
static int recv_stage_fd(int fd, struct msg *m, int *passed)
{
	memset(m, 0, sizeof(*m));
	int got;
	ssize_t n = recv_with_fd(fd, m, sizeof(*m) - 1, &got);
	if (passed)
		*passed = got;
	else if (got >= 0)
		close(got);
	if (n <= 0)
		return (int)n;
	return m->stage;
}

static int recv_stage(int fd, struct msg *m)
{
	return recv_stage_fd(fd, m, NULL);
}

static __attribute__((noreturn)) void child_fail(int fd, struct zerr *err)
{
	send_stage(fd, ISO_STAGE_ERROR, err->msg);
	_exit(1);
}

static int setup_console(int fd, struct zerr *err)
{
	if (fd < 0)
		return 0;
	if (setsid() < 0)
		return zerr_set(err, errno, "setsid");
	if (ioctl(fd, TIOCSCTTY, 0) < 0)
		return zerr_set(err, errno, "console: TIOCSCTTY");
	for (int i = 0; i < 3; i++)
		if (dup2(fd, i) < 0)
			return zerr_set(err, errno, "console: dup2");
	return 0;
}

static unsigned long propagation_flags(const char *p)
{
	if (!p || !*p)
		return MS_REC | MS_PRIVATE;
	bool rec = p[0] == 'r';
	const char *b = rec ? p + 1 : p;
	unsigned long f = !strcmp(b, "shared")       ? MS_SHARED
			  : !strcmp(b, "slave")      ? MS_SLAVE
			  : !strcmp(b, "unbindable") ? MS_UNBINDABLE
						     : MS_PRIVATE;
	return f | MS_REC;
}

/* "net.ipv4.ip_forward=1" -> /proc/sys/net/ipv4/ip_forward; the zone's
 * /proc, before /proc/sys is made read-only. Keys were checked at parse. */
static int write_sysctls(char *const *kv, struct zerr *err)
{
	for (size_t i = 0; kv && kv[i]; i++) {
		const char *eq = strchr(kv[i], '=');
		cleanup_free char *path = xasprintf("/proc/sys/%.*s", (int)(eq - kv[i]), kv[i]);
		for (char *c = path + 10; *c; c++)
			if (*c == '.')
				*c = '/';
		if (write_file(path, eq + 1, strlen(eq + 1), err) < 0)
			return zerr_prefix(err, "sysctl %.*s", (int)(eq - kv[i]), kv[i]);
	}
	return 0;
}

static int mount_root(const struct iso_spec *spec, struct zerr *err)
{
	if (!spec->overlay_lower) {
		if (mount(spec->rootfs, spec->rootfs, NULL, MS_BIND | MS_REC, NULL) < 0)
			return zerr_set(err, errno, "bind the root `%s`", spec->rootfs);
		return 0;
	}
	cleanup_free char *data = xasprintf("lowerdir=%s,upperdir=%s,workdir=%s",
					    spec->overlay_lower, spec->overlay_upper,
					    spec->overlay_work);
	if (mount("overlay", spec->rootfs, "overlay", 0, data) < 0)
		return zerr_set(err, errno, "overlay root `%s` over `%s`", spec->overlay_upper,
				spec->overlay_lower);
	return 0;
}

static int setup_root(const struct iso_spec *spec, const int *mount_fds, struct zerr *err)
{
	/* Nothing the zone mounts may travel back to the host. */
	if (mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) < 0)
		return zerr_set(err, errno, "make / a slave mount");
	int r = spec->disk_fd >= 0 ? iso_disk_attach(spec->disk_fd, spec->disk_dir, err) : 0;
	if (r == 0)
		r = mount_root(spec, err);
	if (r < 0)
		return r;
	cleanup_close int rootfd = open(spec->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return zerr_set(err, errno, "open the root `%s`", spec->rootfs);
	r = iso_mount_all(spec, rootfd, mount_fds, err);
	if (r == 0)
		r = iso_make_dev(spec, rootfd, err);
	if (r == 0)
		r = iso_make_devices(spec, rootfd, err);
	if (r == 0)
		r = spec->no_pivot ? iso_move_root(rootfd, err) : iso_pivot(rootfd, err);
	if (r < 0)
		return r;
	if (mount(NULL, "/", NULL, propagation_flags(spec->rootfs_propagation), NULL) < 0)
		return zerr_set(err, errno, "root propagation");
	if ((r = write_sysctls(spec->sysctl, err)) < 0 || (r = iso_mask_paths(spec, err)) < 0)
		return r;
	if (spec->root_readonly &&
	    mount(NULL, "/", NULL, MS_REMOUNT | MS_BIND | MS_RDONLY, NULL) < 0)
		return zerr_set(err, errno, "remount the root read-only");
	return 0;
}

/* The parent joins these for the clone (clone_in_namespaces); the child
 * joins the rest (mount, cgroup) itself. */
#define PARENT_JOINS (CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS)

static int join_namespaces(const struct iso_spec *spec, struct zerr *err)
{
	for (size_t i = 0; i < spec->n_ns_paths; i++) {
		if (spec->ns_paths[i].type & PARENT_JOINS)
			continue;
		cleanup_close int fd = open(spec->ns_paths[i].path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return zerr_set(err, errno, "namespace `%s`", spec->ns_paths[i].path);
		if (setns(fd, spec->ns_paths[i].type) < 0)
			return zerr_set(err, errno, "join namespace `%s`", spec->ns_paths[i].path);
	}
	return 0;
}

static int set_names(const struct iso_spec *spec, struct zerr *err)
{
	if (spec->hostname && sethostname(spec->hostname, strlen(spec->hostname)) < 0)
		return zerr_set(err, errno, "sethostname `%s`", spec->hostname);
	if (spec->domainname && setdomainname(spec->domainname, strlen(spec->domainname)) < 0)
		return zerr_set(err, errno, "setdomainname `%s`", spec->domainname);
	return 0;
}

/* runc's rule: a program that is not there fails the create, not the
 * start. The search is execvpe's: the zone's PATH, else /bin:/usr/bin. */
static int find_program(const struct iso_spec *spec, struct zerr *err)
{
	if (spec->init_exec_fd >= 0 || !spec->proc.args || !spec->proc.args[0])
		return 0;
	const char *prog = spec->proc.args[0], *path = "/bin:/usr/bin";
	if (strchr(prog, '/'))
		return access(prog, X_OK) == 0 ? 0 : zerr_set(err, errno, "exec `%s`", prog);
	for (size_t i = 0; spec->proc.env && spec->proc.env[i]; i++)
		if (!strncmp(spec->proc.env[i], "PATH=", 5))
			path = spec->proc.env[i] + 5;
	for (const char *d = path; *d; d += strcspn(d, ":") + (d[strcspn(d, ":")] == ':')) {
		cleanup_free char *full = xasprintf("%.*s/%s", (int)strcspn(d, ":"), d, prog);
		if (access(full, X_OK) == 0)
			return 0;
	}
	return zerr_setx(err, ENOENT, "exec `%s`: not found in PATH `%s`", prog, path);
}

static void exec_init(const struct iso_spec *spec, struct zerr *err)
{
	char **env = spec->proc.env ? spec->proc.env : (char *[]){NULL};
	/* the monitor blocks the signals it takes through a signalfd; init
	 * (and, through it, a zone's service) must not inherit that */
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	if (spec->init_exec_fd >= 0) {
		fexecve(spec->init_exec_fd, spec->init_argv, env);
		zerr_set(err, errno, "exec the zone's init");
		return;
	}
	if (!spec->proc.args || !spec->proc.args[0]) {
		zerr_setx(err, EINVAL, "no process.args to run as init");
		return;
	}
	/* execvpe searches the zone's PATH, from the zone's environment. */
	for (size_t i = 0; env[i]; i++)
		if (!strncmp(env[i], "PATH=", 5))
			setenv("PATH", env[i] + 5, 1);
	execvpe(spec->proc.args[0], spec->proc.args, env);
	zerr_set(err, errno, "exec `%s`", spec->proc.args[0]);
}

/* In a new user namespace, once the parent wrote its maps: become its
 * root, so that what the child makes belongs to an id the namespace
 * knows (a file made by an unmapped id on a filesystem mounted inside it
 * would be EOVERFLOW). The capabilities stay: they were never the host's. */
static int become_ns_root(int fd, struct zerr *err)
{
	struct msg m;
	if (recv_stage(fd, &m) != ISO_STAGE_MAPPED)
		_exit(1);
	if (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0)
		return zerr_set(err, errno, "become root of the user namespace (is id 0 mapped?)");
	return 0;
}

static __attribute__((noreturn)) void child_main(const struct iso_spec *spec, int fd,
						 const int *mount_fds)
{
	struct zerr err = {0};
	struct msg m;
	if (!spec->detach)
		prctl(PR_SET_PDEATHSIG, SIGKILL);
	if ((spec->ns_flags & CLONE_NEWUSER) && become_ns_root(fd, &err) < 0)
		child_fail(fd, &err);
	if (join_namespaces(spec, &err) < 0 || setup_console(spec->console_fd, &err) < 0 ||
	    setup_root(spec, mount_fds, &err) < 0 || set_names(spec, &err) < 0)
		child_fail(fd, &err);
	if (recv_stage(fd, &m) != ISO_STAGE_PARENT_DONE)
		_exit(1);
	if ((spec->ns_flags & CLONE_NEWCGROUP) && unshare(CLONE_NEWCGROUP) < 0) {
		zerr_set(&err, errno, "unshare the cgroup namespace");
		child_fail(fd, &err);
	}
	if (spec->console_fd > 2)
		close(spec->console_fd);
	/* The handshake socket and the init image are close-on-exec: init
	 * starts with 0-2 alone. No fd of ours is open when the cwd is
	 * resolved, inside the root. */
	close_fds_except(fd, spec->init_exec_fd);
	const char *cwd = spec->proc.cwd ? spec->proc.cwd : "/";
	int r = iso_chdir_in_root(cwd);
	if (r < 0) {
		zerr_set(&err, -r, "chdir to process.cwd `%s`", cwd);
		child_fail(fd, &err);
	}
	if (find_program(spec, &err) < 0)
		child_fail(fd, &err);
	int listener;
	if (iso_apply_process(&spec->proc, spec->seccomp, &listener, &err) < 0)
		child_fail(fd, &err);
	/* The filter's listener, if any, travels with ROOT_READY. */
	int ready = ISO_STAGE_ROOT_READY;
	if (send_with_fd(fd, &ready, sizeof(ready), listener) < 0)
		_exit(1);
	if (listener >= 0)
		close(listener);
	if (recv_stage(fd, &m) != ISO_STAGE_RELEASE)
		_exit(1);
	exec_init(spec, &err);
	child_fail(fd, &err);
}

static pid_t clone_child(int ns_flags, bool detach, int cgroup_fd, int *pidfd)
{
	struct clone_args ca = {
		.flags = (uint64_t)((ns_flags & ~CLONE_NEWCGROUP) | CLONE_PIDFD |
				    (detach ? CLONE_PARENT : 0) |
				    (cgroup_fd >= 0 ? CLONE_INTO_CGROUP : 0)),
		.pidfd = (uint64_t)(uintptr_t)pidfd,
		/* with CLONE_PARENT the kernel takes our own exit signal */
		.exit_signal = detach ? 0 : SIGCHLD,
		.cgroup = (uint64_t)(cgroup_fd >= 0 ? cgroup_fd : 0),
	};
	return (pid_t)syscall(SYS_clone3, &ca, sizeof(ca));
}

static const char *ns_file(int type)
{
	return type == CLONE_NEWPID   ? "pid"
	       : type == CLONE_NEWNET ? "net"
	       : type == CLONE_NEWIPC ? "ipc"
				      : "uts";
}

/* A process cannot move itself into another pid namespace, only its
 * children; and a child in a new user namespace could not join one the
 * host's owns. So the parent joins the namespaces given by path (pid,
 * net, ipc, uts) for the clone, then goes back to its own. */
static pid_t clone_in_namespaces(const struct iso_spec *spec, int *pidfd, struct zerr *err)
{
	static const int types[] = {CLONE_NEWPID, CLONE_NEWNET, CLONE_NEWIPC, CLONE_NEWUTS};
	enum { N = sizeof(types) / sizeof(types[0]) };
	int own[N] = {-1, -1, -1, -1};
	pid_t pid = -1;
	for (size_t k = 0; k < N; k++) {
		const char *path = NULL;
		for (size_t i = 0; i < spec->n_ns_paths; i++)
			if (spec->ns_paths[i].type == types[k])
				path = spec->ns_paths[i].path;
		if (!path)
			continue;
		char self[32];
		snprintf(self, sizeof(self), "/proc/self/ns/%s", ns_file(types[k]));
		own[k] = open(self, O_RDONLY | O_CLOEXEC);
		cleanup_close int target = open(path, O_RDONLY | O_CLOEXEC);
		if (own[k] < 0 || target < 0 || setns(target, types[k]) < 0) {
			zerr_set(err, errno, "zone %s: join %s namespace `%s`", spec->name,
				 ns_file(types[k]), path);
			goto back;
		}
	}
	pid = clone_child(spec->ns_flags, spec->detach, spec->cgroup_fd, pidfd);
	if (pid < 0)
		zerr_set(err, errno, "zone %s: clone3 into new namespaces", spec->name);
	if (pid == 0)
		return 0;
back:
	for (size_t i = 0; i < N; i++) {
		if (own[i] < 0)
			continue;
		if (setns(own[i], types[i]) < 0)
			abort(); /* our later children would land in the zone's */
		close(own[i]);
	}
	return pid;
}

/* "containerID hostID size" lines, in one write as the kernel wants. */
static int write_map(pid_t pid, const char *file, const struct iso_idmap *m, size_t n,
		     struct zerr *err)
{
	char path[64];
	size_t cap = n * 36 + 1, len = 0;
	cleanup_free char *text = xmalloc(cap);
	for (size_t i = 0; i < n; i++)
		len += (size_t)snprintf(text + len, cap - len, "%u %u %u\n", m[i].container,
					m[i].host, m[i].size);
	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, file);
	cleanup_close int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, text, len) != (ssize_t)len)
		return zerr_set(err, errno, "write %s", file);
	return 0;
}

static int write_maps(const struct iso_spec *spec, pid_t pid, int sync, struct zerr *err)
{
	int r = write_map(pid, "uid_map", spec->uid_maps, spec->n_uid_maps, err);
	if (r == 0)
		r = write_map(pid, "gid_map", spec->gid_maps, spec->n_gid_maps, err);
	if (r < 0)
		return zerr_prefix(err, "zone %s: user namespace", spec->name);
	send_stage(sync, ISO_STAGE_MAPPED, NULL);
	return 0;
}

static void reap(struct iso_init *init)
{
	if (init->pid > 0) {
		kill(init->pid, SIGKILL);
		while (waitpid(init->pid, NULL, 0) < 0 && errno == EINTR)
			;
	}
	if (init->pidfd >= 0)
		close(init->pidfd);
	if (init->sync_fd >= 0)
		close(init->sync_fd);
	if (init->notify_fd >= 0)
		close(init->notify_fd);
	init->pid = 0;
	init->pidfd = init->sync_fd = init->notify_fd = -1;
}

void iso_abort(struct iso_init *init)
{
	reap(init);
}

int iso_spawn(const struct iso_spec *spec, struct iso_init *init, struct zerr *err)
{
	int sv[2];
	init->pid = 0;
	init->pidfd = init->sync_fd = init->notify_fd = -1;
	int *mount_fds = NULL;
	if ((spec->ns_flags & CLONE_NEWUSER) && iso_open_bind_sources(spec, &mount_fds, err) < 0)
		return zerr_prefix(err, "zone %s", spec->name);
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
		iso_close_bind_sources(spec, mount_fds);
		return zerr_set(err, errno, "zone %s: socketpair", spec->name);
	}
	pid_t pid = clone_in_namespaces(spec, &init->pidfd, err);
	if (pid == 0) {
		close(sv[0]);
		child_main(spec, sv[1], mount_fds);
	}
	iso_close_bind_sources(spec, mount_fds);
	if (pid < 0) {
		int e = err->code;
		close(sv[0]);
		close(sv[1]);
		return -e;
	}
	close(sv[1]);
	init->pid = pid;
	init->sync_fd = sv[0];
	int r = 0;
	struct msg m;
	if ((spec->ns_flags & CLONE_NEWUSER) && (r = write_maps(spec, pid, init->sync_fd, err)) < 0)
		goto fail;
	if (spec->on_cloned && (r = spec->on_cloned(pid, spec->on_cloned_arg, err)) < 0) {
		/* The child works in parallel: if it failed first, its reason
		 * is the one to tell (ours is then only a consequence). */
		if (recv(init->sync_fd, &m, sizeof(m) - 1, MSG_DONTWAIT) > 0 &&
		    m.stage == ISO_STAGE_ERROR)
			zerr_setx(err, EINVAL, "zone %s: %s", spec->name, m.text);
		goto fail;
	}
	/* If the child already failed, this send fails too: its message is
	 * still waiting to be read below. */
	send_stage(init->sync_fd, ISO_STAGE_PARENT_DONE, NULL);
	r = recv_stage_fd(init->sync_fd, &m, &init->notify_fd);
	if (r == ISO_STAGE_ROOT_READY)
		return 0;
	if (r == ISO_STAGE_ERROR)
		zerr_setx(err, EINVAL, "zone %s: %s", spec->name, m.text);
	else
		zerr_setx(err, EPIPE, "zone %s: init died while its root was being built",
			  spec->name);
	r = -err->code;
fail:
	reap(init);
	return r;
}

int iso_release(struct iso_init *init, struct zerr *err)
{
	int r = send_stage(init->sync_fd, ISO_STAGE_RELEASE, NULL);
	if (r < 0) {
		zerr_set(err, -r, "release init");
		reap(init);
		return r;
	}
	struct msg m;
	r = recv_stage(init->sync_fd, &m);
	if (r == 0) {
		close(init->sync_fd);
		init->sync_fd = -1;
		return 0;
	}
	if (r == ISO_STAGE_ERROR)
		zerr_setx(err, EINVAL, "%s", m.text);
	else
		zerr_set(err, r < 0 ? -r : EPIPE, "release init");
	r = -err->code;
	reap(init);
	return r;
}
