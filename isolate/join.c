/*
 * join.c - a new process inside a running zone (zonectl login, OCI exec).
 *
 *   caller ── fork ──> joiner: not dumpable; opens the zone's namespace
 *                       files; joins the zone's cgroups; setns into each
 *                       namespace (mount last but one, pid for its child)
 *                       ── fork ──> member: PID in the zone's pid ns;
 *                                   optional pty from the zone's devpts;
 *                                   credentials, caps, seccomp; exec
 *                       waits for member, exits with its status
 *
 * The joiner stays outside the zone's pid namespace (a process cannot
 * enter one itself, only its children), so the caller waits for the
 * joiner and gets the member's exit status, 128+N for a signal. Until the
 * exec, the member runs host code with the host's binary behind
 * /proc/PID/exe; it is not dumpable then, so nothing in the zone can open
 * that file or ptrace it (CVE-2019-5736).
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <linux/magic.h>
#include <linux/sched.h>

#include "internal.h"

static const struct {
	int type;
	const char *name;
} ns_order[] = {
	/* user first: what follows belongs to it, and joining it gives the
	 * capabilities over them; cgroup next: its root is taken from our
	 * cgroup, already the zone's */
	{CLONE_NEWUSER, "user"}, {CLONE_NEWCGROUP, "cgroup"}, {CLONE_NEWIPC, "ipc"},
	{CLONE_NEWUTS, "uts"},   {CLONE_NEWNET, "net"},       {CLONE_NEWPID, "pid"},
	{CLONE_NEWNS, "mnt"},
};
#define N_NS (sizeof(ns_order) / sizeof(ns_order[0]))

/* Sends a text error to the caller over sock: "E<message>". */
static __attribute__((noreturn)) void fail(int sock, struct zerr *err)
{
	char buf[sizeof(err->msg) + 1];
	buf[0] = 'E';
	memcpy(buf + 1, err->msg, sizeof(err->msg));
	send(sock, buf, strlen(buf), MSG_NOSIGNAL);
	_exit(126);
}

static int open_pty_in_zone(int *slave, struct zerr *err)
{
	int master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (master < 0)
		return zerr_set(err, errno, "open the zone's /dev/ptmx");
	int unlock = 0, n;
	if (ioctl(master, TIOCSPTLCK, &unlock) < 0 || ioctl(master, TIOCGPTN, &n) < 0) {
		int e = errno;
		close(master);
		return zerr_set(err, e, "pty");
	}
	char path[64];
	snprintf(path, sizeof(path), "/dev/pts/%d", n);
	*slave = open(path, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (*slave < 0) {
		int e = errno;
		close(master);
		return zerr_set(err, e, "open `%s`", path);
	}
	return master;
}

static int attach_pty(int sock, struct zerr *err)
{
	int slave = -1;
	int master = open_pty_in_zone(&slave, err);
	if (master < 0)
		return master;
	ssize_t r = send_with_fd(sock, "F", 1, master);
	close(master);
	if (r < 0)
		return zerr_set(err, -r, "send the pty");
	if (setsid() < 0 || ioctl(slave, TIOCSCTTY, 0) < 0)
		return zerr_set(err, errno, "controlling terminal");
	for (int i = 0; i < 3; i++)
		if (dup2(slave, i) < 0)
			return zerr_set(err, errno, "dup2");
	if (slave > 2)
		close(slave);
	return 0;
}

static __attribute__((noreturn)) void member_main(const struct iso_join *j, int sock)
{
	struct zerr err = {0};
	if (j->want_pty && attach_pty(sock, &err) < 0)
		fail(sock, &err);
	/* Nothing of the caller's may be open when the cwd is resolved, and
	 * it is resolved inside the zone's root with magic links refused: a
	 * /proc/self/fd/N naming a host directory stays out (CVE-2024-21626). */
	iso_close_fds_from(3, sock);
	const char *cwd = j->proc.cwd ? j->proc.cwd : "/";
	int r = iso_chdir_in_root(cwd);
	if (r == -ENOENT && j->cwd_optional)
		r = iso_chdir_in_root("/");
	if (r < 0) {
		zerr_set(&err, -r, "working directory `%s`", cwd);
		fail(sock, &err);
	}
	int listener;
	if (iso_apply_process(&j->proc, j->seccomp, &listener, &err) < 0)
		fail(sock, &err);
	/* The filter's listener goes to the caller, which hands it to
	 * whoever answers (the zone's procfs server). */
	if (listener >= 0) {
		if (send_with_fd(sock, "L", 1, listener) < 0) {
			zerr_set(&err, errno, "send the seccomp listener");
			fail(sock, &err);
		}
		close(listener);
	}
	char **env = j->proc.env ? j->proc.env : (char *[]){NULL};
	for (size_t i = 0; env[i]; i++)
		if (!strncmp(env[i], "PATH=", 5))
			setenv("PATH", env[i] + 5, 1);
	execvpe(j->argv[0], j->argv, env);
	zerr_set(&err, errno, "exec `%s`", j->argv[0]);
	if (errno == ENOENT) {
		send(sock, "N", 1, MSG_NOSIGNAL);
		_exit(127);
	}
	fail(sock, &err);
}

/* On a cgroup v2 host the zone has one cgroup, and the member is born in
 * it (clone3 CLONE_INTO_CGROUP) while the joiner stays where it is: moving
 * a process into a cgroup takes the kernel's cgroup_threadgroup_rwsem for
 * writing, which waits for an RCU grace period (~15 ms here) unless
 * another move just happened; being born there takes it for reading. The
 * directory, opened while the host's mounts are still ours; -1 elsewhere
 * (v1 and hybrid hosts move the joiner into each hierarchy), and in a zone
 * with a user namespace: the member is forked as the zone's root, whom the
 * host's cgroup directory does not let in. The member enters the zone's
 * cgroup namespace itself, once born: from inside it, a hierarchy mounted
 * with nsdelegate (systemd's way) refuses a fork whose parent's cgroup is
 * outside the namespace (ENOENT). */
static int v2_home(const struct iso_join *j)
{
	char **files = j->cgroup_procs;
	if ((j->ns_flags & CLONE_NEWUSER) || !files || !files[0] || files[1])
		return -1;
	cleanup_free char *dir = xstrdup(files[0]);
	char *slash = strrchr(dir, '/');
	if (!slash)
		return -1;
	*slash = '\0';
	struct statfs sf;
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0 && (fstatfs(fd, &sf) < 0 || sf.f_type != CGROUP2_SUPER_MAGIC)) {
		close(fd);
		fd = -1;
	}
	return fd;
}

static pid_t fork_member(int cgroup_fd)
{
	if (cgroup_fd < 0)
		return fork();
	struct clone_args ca = {
		.flags = CLONE_INTO_CGROUP, .exit_signal = SIGCHLD, .cgroup = (uint64_t)cgroup_fd};
	return (pid_t)syscall(SYS_clone3, &ca, sizeof(ca));
}

static int join_cgroups(char **files, struct zerr *err)
{
	char pid[32];
	int n = snprintf(pid, sizeof(pid), "%d", getpid());
	for (size_t i = 0; files && files[i]; i++) {
		cleanup_close int fd = open(files[i], O_WRONLY | O_CLOEXEC);
		if (fd < 0 || write(fd, pid, n) < 0)
			return zerr_set(err, errno, "join cgroup `%s`", files[i]);
	}
	return 0;
}

/* Joins the zone's namespaces but those in `skip`. */
static int join_ns(const struct iso_join *j, int skip, struct zerr *err)
{
	int fds[N_NS];
	for (size_t i = 0; i < N_NS; i++) {
		fds[i] = -1;
		if (!(j->ns_flags & ns_order[i].type) || (skip & ns_order[i].type))
			continue;
		char path[64];
		snprintf(path, sizeof(path), "/proc/%d/ns/%s", j->init_pid, ns_order[i].name);
		fds[i] = open(path, O_RDONLY | O_CLOEXEC);
		if (fds[i] < 0) {
			int e = errno;
			for (size_t k = 0; k < i; k++)
				if (fds[k] >= 0)
					close(fds[k]);
			return zerr_set(err, e, "open `%s`", path);
		}
	}
	int r = 0;
	for (size_t i = 0; i < N_NS; i++) {
		if (fds[i] < 0)
			continue;
		if (r == 0 && setns(fds[i], ns_order[i].type) < 0)
			r = zerr_set(err, errno, "join the %s namespace", ns_order[i].name);
		close(fds[i]);
	}
	/* in the zone's user namespace, be its root (our own uid is not
	 * mapped there): the pty and whatever else is made before the
	 * process's own credentials belongs to an id the zone knows */
	if (r == 0 && (j->ns_flags & CLONE_NEWUSER) &&
	    (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0))
		r = zerr_set(err, errno, "become root of the zone's user namespace");
	return r;
}

static int wait_status(pid_t pid)
{
	int st;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return 126;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static pid_t member;

static void forward(int sig)
{
	if (member > 0)
		kill(member, sig);
}

static __attribute__((noreturn)) void joiner_main(const struct iso_join *j, int sock)
{
	struct zerr err = {0};
	prctl(PR_SET_DUMPABLE, 0);
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	int home = v2_home(j), cgns = -1;
	if (home >= 0 && (j->ns_flags & CLONE_NEWCGROUP)) {
		char path[64];
		snprintf(path, sizeof(path), "/proc/%d/ns/cgroup", j->init_pid);
		if ((cgns = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
			zerr_set(&err, errno, "open `%s`", path);
			fail(sock, &err);
		}
	}
	if ((home < 0 && join_cgroups(j->cgroup_procs, &err) < 0) ||
	    join_ns(j, cgns >= 0 ? CLONE_NEWCGROUP : 0, &err) < 0)
		fail(sock, &err);
	zfault("login:joined");
	member = fork_member(home);
	if (member < 0) {
		zerr_set(&err, errno, "fork into the zone");
		fail(sock, &err);
	}
	if (member == 0) {
		if (cgns >= 0 && setns(cgns, CLONE_NEWCGROUP) < 0) {
			zerr_set(&err, errno, "join the cgroup namespace");
			fail(sock, &err);
		}
		if (cgns >= 0)
			close(cgns);
		if (home >= 0)
			close(home);
		if (!j->detach)
			prctl(PR_SET_PDEATHSIG, SIGKILL);
		member_main(j, sock);
	}
	if (home >= 0)
		close(home);
	if (cgns >= 0)
		close(cgns);
	if (j->detach) {
		char buf[32];
		int n = snprintf(buf, sizeof(buf), "P%d", member);
		send(sock, buf, (size_t)n, MSG_NOSIGNAL);
		_exit(0);
	}
	close(sock);
	struct sigaction sa = {.sa_handler = forward};
	int sigs[] = {SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH};
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaction(sigs[i], &sa, NULL);
	_exit(wait_status(member));
}

/* The joiner and the member report in any order: the pty master ("F"
 * with an fd), the seccomp filter's listener ("L" with an fd), "P<pid>"
 * (detach), "E<message>" or "N" (no such command). EOF means the member
 * has exec'd. */
static int read_reports(const struct iso_join *j, int sock, pid_t *member, int *pty, int *listener,
			struct zerr *err)
{
	for (;;) {
		char buf[sizeof(err->msg) + 1] = {0};
		int fd = -1;
		ssize_t n = recv_with_fd(sock, buf, sizeof(buf) - 1, &fd);
		if (fd >= 0) {
			int *slot = buf[0] == 'L' ? listener : pty;
			if (*slot >= 0)
				close(*slot);
			*slot = fd;
			continue;
		}
		if (n < 0)
			return zerr_set(err, (int)-n, "zone %s: join", j->name);
		if (n == 0)
			break;
		if (buf[0] == 'P')
			*member = (pid_t)atoi(buf + 1);
		else if (buf[0] == 'E')
			return zerr_setx(err, EINVAL, "zone %s: %s", j->name, buf + 1);
		else if (buf[0] == 'N')
			return zerr_setx(err, ENOENT, "zone %s: %s: command not found", j->name,
					 j->argv[0]);
	}
	if (j->want_pty && *pty < 0)
		return zerr_setx(err, EPIPE, "zone %s: no terminal from the zone", j->name);
	return 0;
}

int iso_join_spawn(const struct iso_join *j, pid_t *pid, int *pty_master, int *listener,
		   struct zerr *err)
{
	int sv[2];
	*listener = -1;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return zerr_set(err, errno, "zone %s: socketpair", j->name);
	pid_t p = fork();
	if (p < 0) {
		int e = errno;
		close(sv[0]);
		close(sv[1]);
		return zerr_set(err, e, "zone %s: fork", j->name);
	}
	if (p == 0) {
		close(sv[0]);
		joiner_main(j, sv[1]);
	}
	close(sv[1]);
	cleanup_close int sock = sv[0];
	pid_t member_pid = p;
	int pty = -1;
	int r = read_reports(j, sock, &member_pid, &pty, listener, err);
	if (r < 0 || j->detach)
		waitpid(p, NULL, 0);
	if (r < 0) {
		if (pty >= 0)
			close(pty);
		if (*listener >= 0)
			close(*listener);
		*listener = -1;
		return r;
	}
	if (j->want_pty)
		*pty_master = pty;
	*pid = member_pid;
	return 0;
}
