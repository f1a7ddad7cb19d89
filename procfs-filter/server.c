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
 *     written to a new inode under a name never used before (a generation,
 *     "meminfo.PID.N"), which is mounted *beneath* the zone's current mount
 *     (move_mount MOVE_MOUNT_BENEATH, Linux 6.5) before the old mount is
 *     detached: an open() finds either the old complete file or the new
 *     one (0 bad reads in 500000 while ~20000 swaps ran), and a reader
 *     that has the old one open keeps reading it. Older kernels stack
 *     generations on the first file instead (publish.c). Files whose text
 *     did not change (cpuinfo, swaps, cpu-online, usually) are not
 *     touched.
 *   - If the server dies, hangs or is being upgraded, the zone keeps the
 *     last files it was given: reads work and show numbers that stop
 *     moving. The monitor restarts a server that exits and kills one that
 *     stops sending its heartbeat (SIGSTOP, a hang), then starts another.
 *     The load averages survive a restart: they are read back from the
 *     numbers the last server left (.answer). Zones have one server each; none shares another's.
 *   - sysinfo(2) reads no file, and sched_getaffinity(2) (nproc, thread
 *     pools) neither; the zone's seccomp filter hands both to a listener
 *     as user notifications (notify.c). The zone's monitor holds every
 *     listener and answers from the last numbers this server left
 *     (.answer), so they too only go stale while no server runs. Not the
 *     server: a call it had received when it was killed could never be
 *     answered (measured: a sysinfo loop blocked for good at the first
 *     SIGKILL), and calls would wait out a hung server.
 *
 * The server is single-threaded: it refreshes on a timer and sends the
 * monitor a heartbeat after each refresh; it exits when the monitor's end
 * of the socket goes away.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "internal.h"

struct server {
	const struct pfs_zone *z;
	struct pfs_view v;
	int ctl_fd, host_mntns, zone_mntns;
	struct pfs_slot *slots;
};

/* A failed refresh leaves the zone its last files; what did not go in is
 * tried again at the next one. */
static void refresh(struct server *s)
{
	struct zerr err;
	if (pfs_view_update(&s->v, &err) < 0)
		return;
	pfs_publish(&s->v, s->host_mntns, s->zone_mntns, s->slots, &err);
	/* sysinfo's answers need no mount: they are current even when a
	 * file could not be put in place */
	pfs_answer_write(&s->v, &err);
}

/* Refreshes, says so, and sleeps until the next time or the monitor's
 * hangup. */
static int serve_once(struct server *s, int interval_ms)
{
	refresh(s);
	if (send(s->ctl_fd, ".", 1, MSG_NOSIGNAL | MSG_DONTWAIT) < 0 && errno == EPIPE)
		return -EPIPE;
	struct pollfd p = {.fd = s->ctl_fd, .events = POLLIN};
	uint64_t until = now_ns() + (uint64_t)interval_ms * 1000000;
	for (uint64_t now; (now = now_ns()) < until;) {
		int r = poll(&p, 1, (int)((until - now) / 1000000 + 1));
		if (r < 0 && errno != EINTR)
			return -errno;
		if (r > 0)
			return -EPIPE;
	}
	return 0;
}

int pfs_serve(const struct pfs_zone *z, int ctl_fd, int interval_ms, struct zerr *err)
{
	size_t nfiles;
	pfs_files(&nfiles);
	struct pfs_slot slots[nfiles];
	memset(slots, 0, sizeof(slots));
	struct server s = {.z = z, .v = {.z = z}, .ctl_fd = ctl_fd, .slots = slots};
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/ns/mnt", z->init_pid);
	s.host_mntns = open("/proc/self/ns/mnt", O_RDONLY | O_CLOEXEC);
	s.zone_mntns = open(path, O_RDONLY | O_CLOEXEC);
	if (s.host_mntns < 0 || s.zone_mntns < 0)
		return zerr_set(err, errno, "zone %s: procfs: mount namespaces", z->name);
	pfs_answer_load(&s.v.load, z->dir);
	int r;
	while ((r = serve_once(&s, interval_ms)) == 0)
		;
	pfs_slots_free(slots);
	pfs_view_free(&s.v);
	return zerr_set(err, -r, "zone %s: procfs server", z->name);
}
