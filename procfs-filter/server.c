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
 *   - This server, a child of the zone's monitor, brings a file up to
 *     date when the zone opens it, and does nothing while nobody reads
 *     (below: "Reads, not a timer"). A bind mount pins an inode, so rename() over the file
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
 *   - Reads, not a timer. Rendering the view every second cost each idle
 *     zone ~0.08% of a CPU (1000 zones: 77%). Now the server holds a
 *     write lease (fcntl F_SETLEASE) on each file the zone's paths reach.
 *     The kernel grants one only while no other process has the file
 *     open, and an open() by anyone breaks it: the opener waits in open()
 *     while we get SIGIO, rewrite the file in place (safe: the lease
 *     proved nobody has it open, and every opener is waiting) and let go
 *     of the lease. For a second after, openers read that text without
 *     waiting; then we take the lease again. If someone still has the
 *     file open then (top(1) keeps /proc/meminfo open), the file is
 *     replaced by a new generation as above, which we lease. So a zone
 *     nobody reads costs no CPU; a reader waits once a second per file
 *     for one rendering (~0.1 ms); no file read is older than
 *     PFS_MAX_AGE_NS. A lease costs no notification group (fanotify and
 *     inotify allow 128 per user: not one per zone), only an open file.
 *     An opener using O_NONBLOCK gets EWOULDBLOCK instead of waiting: no
 *     program we know opens /proc files so. A stopped or dead server
 *     holds no one for long: its leases go with its files when the
 *     monitor kills it (at once for a stop: SIGCHLD), and the kernel
 *     breaks a lease itself after /proc/sys/fs/lease-break-time. Where
 *     leases are not given (a file system without them, leases-enable 0)
 *     the server renders every second, as it used to.
 *   - If the server dies, hangs or is being upgraded, the zone keeps the
 *     last files it was given: reads work and show numbers that stop
 *     moving. The monitor restarts a server that exits and kills one that
 *     stops sending its heartbeat (SIGSTOP, a hang), then starts another.
 *     The load averages survive a restart: they are read back from the
 *     numbers the last server left (.answer). Between samples they are
 *     folded from the zone's mean CPU use (view.c). Zones have one server each; none shares another's.
 *   - sysinfo(2) reads no file, and sched_getaffinity(2) (nproc, thread
 *     pools) neither; the zone's seccomp filter hands both to a listener
 *     as user notifications (notify.c). The zone's monitor holds every
 *     listener and answers from the last numbers this server left
 *     (.answer); when those are older than PFS_MAX_AGE_NS it asks the
 *     server for new ones first (waiting 200 ms at most), so they too
 *     only go stale while no server runs. Not the
 *     server: a call it had received when it was killed could never be
 *     answered (measured: a sysinfo loop blocked for good at the first
 *     SIGKILL), and calls would wait out a hung server.
 *
 * The server is single-threaded: it waits in poll() for SIGIO (a lease
 * broken), the monitor (a refresh asked, or the hangup that ends it) and
 * the next lease to take; it exits when the monitor's end of the socket
 * goes away.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "internal.h"

#define FRESH_NS (100ULL * 1000000ULL) /* a sample this young is rendered again as is */
#define RETRY_NS (50ULL * 1000000ULL)  /* a lease refused: tried again after */
#define RETRIES 3                      /* ... this often, then a new generation */

struct server {
	const struct pfs_zone *z;
	struct pfs_view v;
	uint64_t viewed_ns; /* when v was sampled, 0: never */
	int ctl_fd, host_mntns, zone_mntns, sig_fd;
	struct pfs_slot *slots;
	size_t n;
	bool leases; /* false: the files cannot be leased here, refresh on a timer */
};

/* A new sample, unless the last is younger than max_age_ns; the sysinfo
 * answers go with it (they need no mount). */
static int sample(struct server *s, uint64_t max_age_ns)
{
	struct zerr err;
	uint64_t now = now_ns();
	if (s->viewed_ns && now - s->viewed_ns < max_age_ns)
		return 0;
	if (pfs_view_update(&s->v, &err) < 0)
		return -1;
	s->viewed_ns = now;
	pfs_answer_write(&s->v, &err);
	return 0;
}

/* ---- leases ------------------------------------------------------------- */

static void let_go(struct pfs_slot *slot)
{
	if (slot->fd >= 0)
		close(slot->fd);
	slot->fd = -1;
	slot->leased = false;
}

/* Leases the file the zone's path reaches: 0, -EAGAIN when someone has it
 * open, another -errno when leases are not to be had here. */
static int take_lease(struct server *s, size_t i)
{
	struct pfs_slot *slot = &s->slots[i];
	size_t n;
	const struct pfs_file *f = pfs_files(&n);
	if (slot->fd < 0) {
		char path[4096];
		snprintf(path, sizeof(path), "%s/%s", s->z->dir,
			 slot->file ? slot->file : f[i].name);
		slot->fd = open(path, O_RDWR | O_CLOEXEC);
		if (slot->fd < 0)
			return -errno;
	}
	if (fcntl(slot->fd, F_SETLEASE, F_WRLCK) < 0)
		return -errno;
	slot->leased = true;
	slot->relax_at_ns = 0;
	slot->tries = 0;
	return 0;
}

/* Puts new generations of the files in `which` in place, leased. False
 * when the kernel gives no leases on them. */
static bool republish(struct server *s, const bool *which)
{
	bool leases = true;
	struct zerr err;
	for (size_t i = 0; i < s->n; i++)
		if (which[i])
			let_go(&s->slots[i]);
	if (sample(s, FRESH_NS) == 0)
		pfs_publish(&s->v, s->host_mntns, s->zone_mntns, s->slots, which, &err);
	uint64_t now = now_ns();
	for (size_t i = 0; i < s->n; i++) {
		if (!which[i])
			continue;
		int r = take_lease(s, i);
		if (r < 0)
			/* opened already (EAGAIN): what it reads is new */
			s->slots[i].relax_at_ns = now + PFS_MAX_AGE_NS;
		if (r < 0 && r != -EAGAIN)
			leases = false;
	}
	return leases;
}

/* Openers wait on the files whose leases are breaking: each gets its text
 * rendered now, in place, and the lease goes. */
static void serve_openers(struct server *s)
{
	struct signalfd_siginfo si;
	while (read(s->sig_fd, &si, sizeof(si)) == sizeof(si))
		;
	size_t n;
	const struct pfs_file *f = pfs_files(&n);
	for (size_t i = 0; i < s->n; i++) {
		struct pfs_slot *slot = &s->slots[i];
		if (!slot->leased || fcntl(slot->fd, F_GETLEASE) == F_WRLCK)
			continue;
		struct zerr err;
		char *text = NULL;
		size_t len;
		if (sample(s, FRESH_NS) == 0 &&
		    pfs_render(&s->v, f[i].name, "/proc", &text, &len, &err) == 0 &&
		    (!slot->text || strcmp(slot->text, text))) {
			if (pwrite(slot->fd, text, len, 0) == (ssize_t)len &&
			    ftruncate(slot->fd, (off_t)len) == 0) {
				free(slot->text);
				slot->text = text;
				text = NULL;
			}
		}
		free(text);
		fcntl(slot->fd, F_SETLEASE, F_UNLCK);
		slot->leased = false;
		slot->relax_at_ns = now_ns() + PFS_MAX_AGE_NS;
	}
}

/* Takes the leases that are due again; a file someone keeps open is
 * replaced by a new generation. */
static void relax(struct server *s)
{
	uint64_t now = now_ns();
	bool which[s->n], any = false;
	for (size_t i = 0; i < s->n; i++) {
		struct pfs_slot *slot = &s->slots[i];
		which[i] = false;
		if (slot->leased || !slot->relax_at_ns || now < slot->relax_at_ns)
			continue;
		if (take_lease(s, i) == 0)
			continue;
		if (++slot->tries < RETRIES) {
			slot->relax_at_ns = now + RETRY_NS;
			continue;
		}
		slot->tries = 0;
		which[i] = any = true;
	}
	if (any)
		republish(s, which);
}

/* Milliseconds to the next lease due, -1: none (idle). */
static int next_timeout(const struct server *s)
{
	uint64_t at = 0, now = now_ns();
	for (size_t i = 0; i < s->n; i++)
		if (!s->slots[i].leased && s->slots[i].relax_at_ns &&
		    (!at || s->slots[i].relax_at_ns < at))
			at = s->slots[i].relax_at_ns;
	if (!at)
		return -1;
	return at <= now ? 0 : (int)((at - now) / 1000000 + 1);
}

/* ---- the loop ------------------------------------------------------------ */

/* The monitor's requests; -EPIPE when it is gone. */
static int take_requests(struct server *s)
{
	char buf[16];
	for (;;) {
		ssize_t r = recv(s->ctl_fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (r == 0)
			return -EPIPE;
		if (r < 0)
			return errno == EAGAIN || errno == EINTR ? 0 : -EPIPE;
		if (memchr(buf, PFS_REFRESH, (size_t)r)) {
			sample(s, FRESH_NS);
			char a = PFS_REFRESHED;
			send(s->ctl_fd, &a, 1, MSG_NOSIGNAL | MSG_DONTWAIT);
		}
	}
}

static int say(struct server *s, char what)
{
	if (send(s->ctl_fd, &what, 1, MSG_NOSIGNAL | MSG_DONTWAIT) < 0 && errno == EPIPE)
		return -EPIPE;
	return 0;
}

/* Leases: work comes from readers; nothing runs while there are none. */
static int serve_leased(struct server *s)
{
	for (;;) {
		int timeout = next_timeout(s);
		int r = say(s, timeout < 0 ? PFS_IDLE : PFS_BUSY);
		if (r < 0)
			return r;
		struct pollfd p[2] = {{.fd = s->sig_fd, .events = POLLIN},
				      {.fd = s->ctl_fd, .events = POLLIN}};
		r = poll(p, 2, timeout);
		if (r < 0 && errno != EINTR)
			return -errno;
		if (p[0].revents & POLLIN)
			serve_openers(s);
		if (p[1].revents && (r = take_requests(s)) < 0)
			return r;
		relax(s);
	}
}

/* No leases: every interval_ms, whether anyone reads or not. */
static int serve_timed(struct server *s, int interval_ms)
{
	struct zerr err;
	for (;;) {
		if (sample(s, 0) == 0)
			pfs_publish(&s->v, s->host_mntns, s->zone_mntns, s->slots, NULL, &err);
		int r = say(s, PFS_BUSY);
		if (r < 0)
			return r;
		uint64_t until = now_ns() + (uint64_t)interval_ms * 1000000;
		for (uint64_t now; (now = now_ns()) < until;) {
			struct pollfd p = {.fd = s->ctl_fd, .events = POLLIN};
			r = poll(&p, 1, (int)((until - now) / 1000000 + 1));
			if (r < 0 && errno != EINTR)
				return -errno;
			if (r > 0 && (r = take_requests(s)) < 0)
				return r;
		}
	}
}

/* The first files of this server, all new, leased if leases are had. */
static void start(struct server *s)
{
	bool all[s->n];
	for (size_t i = 0; i < s->n; i++)
		all[i] = true;
	s->leases = republish(s, all);
	if (!s->leases)
		for (size_t i = 0; i < s->n; i++)
			let_go(&s->slots[i]);
}

int pfs_serve(const struct pfs_zone *z, int ctl_fd, int interval_ms, struct zerr *err)
{
	size_t nfiles;
	pfs_files(&nfiles);
	struct pfs_slot slots[nfiles];
	memset(slots, 0, sizeof(slots));
	for (size_t i = 0; i < nfiles; i++)
		slots[i].fd = -1;
	struct server s = {
		.z = z, .v = {.z = z}, .ctl_fd = ctl_fd, .slots = slots, .n = nfiles, .sig_fd = -1};
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/ns/mnt", z->init_pid);
	s.host_mntns = open("/proc/self/ns/mnt", O_RDONLY | O_CLOEXEC);
	s.zone_mntns = open(path, O_RDONLY | O_CLOEXEC);
	if (s.host_mntns < 0 || s.zone_mntns < 0)
		return zerr_set(err, errno, "zone %s: procfs: mount namespaces", z->name);
	sigset_t io;
	sigemptyset(&io);
	sigaddset(&io, SIGIO);
	sigprocmask(SIG_BLOCK, &io, NULL);
	s.sig_fd = signalfd(-1, &io, SFD_NONBLOCK | SFD_CLOEXEC);
	if (s.sig_fd < 0)
		return zerr_set(err, errno, "zone %s: procfs: signalfd", z->name);
	pfs_answer_load(&s.v.load, z->dir);
	start(&s);
	int r = s.leases ? serve_leased(&s) : serve_timed(&s, interval_ms);
	for (size_t i = 0; i < nfiles; i++)
		let_go(&slots[i]);
	pfs_slots_free(slots);
	pfs_view_free(&s.v);
	return zerr_set(err, -r, "zone %s: procfs server", z->name);
}
