/*
 * server.c - a zone's view of its own machine, and the process that keeps
 * it current.
 *
 * THEORY. lxcfs serves containers' /proc from a FUSE daemon: every read
 * goes through it, so when it dies or is restarted every container's
 * /proc/meminfo fails (ENOTCONN) until the container restarts, and busy
 * containers make it a CPU hog. Here nothing of ours is in the read path:
 *
 *   - The view is a set of plain files (run/NAME/procfs/meminfo, cpuinfo,
 *     stat, uptime, loadavg, swaps, diskstats, cpu-online), rendered from
 *     the zone's cgroup counters and bind-mounted read-only over
 *     /proc/meminfo ... /sys/devices/system/cpu/online when the zone's root
 *     is built. The kernel serves every read; a read costs what reading a
 *     small tmpfs or disk-cached file costs, and can neither hang nor fail
 *     because of us.
 *   - This server, a child of the zone's monitor, renders the files again
 *     every second. A bind mount pins an inode, so rename() over the file
 *     does not reach the zone, and rewriting the pinned inode in place can
 *     be read half-written (measured: 3856 torn reads in 500000 while a
 *     4 KB file was rewritten with pwrite). Instead each changed file is
 *     written to a new inode, which is mounted *beneath* the zone's current
 *     mount (move_mount MOVE_MOUNT_BENEATH, Linux 6.5) before the old mount
 *     is detached: an open() finds either the old complete file or the new
 *     one (0 bad reads in 500000 while ~20000 swaps ran), and a reader
 *     that has the old one open keeps reading it. Files whose text did not
 *     change (cpuinfo, swaps, cpu-online, usually) are not touched.
 *   - If the server dies, hangs or is being upgraded, the zone keeps the
 *     last files it was given: reads work and show numbers that stop
 *     moving. The monitor restarts a server that exits and kills one that
 *     stops sending its heartbeat (SIGSTOP, a hang), then starts another.
 *     The load averages survive a restart: they are read back from the
 *     last loadavg file. Zones have one server each; none shares another's.
 *   - sysinfo(2) reads no file, and sched_getaffinity(2) (nproc, thread
 *     pools) neither; the zone's seccomp filter hands both to this server
 *     as user notifications (notify.c). Here a server is in the path: while
 *     none runs, a caller waits (the monitor holds a copy of every
 *     listener, so calls queue rather than fail with ENOSYS, and the next
 *     server answers them). One that a server had received but not
 *     answered when it was killed stays blocked until the caller gets a
 *     signal; the window is the few microseconds of one answer.
 *
 * The server is single-threaded: it polls the monitor's socket (new
 * listeners from logins, hangup when the monitor is gone) and the
 * listeners, and refreshes on a timer.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "internal.h"

#define MAX_LISTENERS 256

struct server {
	const struct pfs_zone *z;
	struct pfs_view v;
	int ctl_fd, host_mntns, zone_mntns;
	int listeners[MAX_LISTENERS];
	size_t n;
	char **last;
	uint64_t next_refresh_ns;
};

static void add_listener(struct server *s, int fd)
{
	if (s->n < MAX_LISTENERS)
		s->listeners[s->n++] = fd;
	else
		close(fd);
}

static void drop_listener(struct server *s, size_t i)
{
	close(s->listeners[i]);
	s->listeners[i] = s->listeners[--s->n];
}

/* A listener from the monitor; or the monitor is gone. */
static int take_listener(struct server *s)
{
	char byte;
	int fd;
	ssize_t n = recv_with_fd(s->ctl_fd, &byte, 1, &fd);
	if (n <= 0)
		return -EPIPE;
	if (fd >= 0)
		add_listener(s, fd);
	return 0;
}

/* A failed refresh leaves the zone its last files; the next one starts
 * from scratch, in case part of this one did reach the zone. */
static void refresh(struct server *s)
{
	size_t n;
	pfs_files(&n);
	struct zerr err;
	if (pfs_view_update(&s->v, &err) == 0 &&
	    pfs_publish(&s->v, s->host_mntns, s->zone_mntns, s->last, &err) == 0)
		return;
	for (size_t i = 0; i < n; i++) {
		free(s->last[i]);
		s->last[i] = NULL;
	}
}

static int serve_once(struct server *s, int interval_ms)
{
	struct pollfd p[MAX_LISTENERS + 1];
	p[0] = (struct pollfd){.fd = s->ctl_fd, .events = POLLIN};
	for (size_t i = 0; i < s->n; i++)
		p[i + 1] = (struct pollfd){.fd = s->listeners[i], .events = POLLIN};
	uint64_t now = now_ns();
	int timeout = now >= s->next_refresh_ns ? 0 : (int)((s->next_refresh_ns - now) / 1000000 + 1);
	if (poll(p, s->n + 1, timeout) < 0)
		return errno == EINTR ? 0 : -errno;
	if (now_ns() >= s->next_refresh_ns) {
		refresh(s);
		s->next_refresh_ns = now_ns() + (uint64_t)interval_ms * 1000000;
		/* The heartbeat the monitor watches for. */
		if (send(s->ctl_fd, ".", 1, MSG_NOSIGNAL | MSG_DONTWAIT) < 0 && errno == EPIPE)
			return -EPIPE;
	}
	s->v.now_wall_ns = wall_ns();
	for (size_t i = s->n; i-- > 0;) {
		if ((p[i + 1].revents & POLLIN) && pfs_notify_answer(s->listeners[i], &s->v) == 0)
			continue;
		if (p[i + 1].revents & (POLLHUP | POLLERR | POLLNVAL | POLLIN))
			drop_listener(s, i);
	}
	if (p[0].revents & (POLLIN | POLLHUP | POLLERR))
		return take_listener(s);
	return 0;
}

int pfs_serve(const struct pfs_zone *z, const int *listeners, size_t n_listeners, int ctl_fd,
	      int interval_ms, struct zerr *err)
{
	size_t nfiles;
	pfs_files(&nfiles);
	char *last[nfiles];
	memset(last, 0, sizeof(last));
	struct server s = {.z = z, .v = {.z = z}, .ctl_fd = ctl_fd, .last = last};
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/ns/mnt", z->init_pid);
	s.host_mntns = open("/proc/self/ns/mnt", O_RDONLY | O_CLOEXEC);
	s.zone_mntns = open(path, O_RDONLY | O_CLOEXEC);
	if (s.host_mntns < 0 || s.zone_mntns < 0)
		return zerr_set(err, errno, "zone %s: procfs: mount namespaces", z->name);
	for (size_t i = 0; i < n_listeners; i++)
		add_listener(&s, listeners[i]);
	pfs_load_restore(&s.v.load, z->dir);
	int r;
	while ((r = serve_once(&s, interval_ms)) == 0)
		;
	for (size_t i = 0; i < nfiles; i++)
		free(last[i]);
	pfs_view_free(&s.v);
	return zerr_set(err, -r, "zone %s: procfs server", z->name);
}
