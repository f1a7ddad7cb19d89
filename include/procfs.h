/* procfs.h - what a zone sees of the host: /proc files (meminfo, cpuinfo,
 * stat, uptime, loadavg, swaps, diskstats) and sysfs's cpu/online that
 * reflect the zone's resource controls and its own activity, sysinfo(2)
 * and sched_getaffinity(2) answered from the same numbers, and the
 * host-side view of which process belongs to which zone. The theory is at
 * the top of procfs-filter/server.c. It never calls the other layers: the
 * zone's numbers come in through a callback the caller fills from its
 * cgroups. */
#ifndef ZONECTL_PROCFS_H
#define ZONECTL_PROCFS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/sysinfo.h>
#include <sys/types.h>

#include "zutil.h"

/* One reading of a zone. Limits are -1 when unlimited. */
struct pfs_sample {
	int64_t mem_limit; /* bytes */
	uint64_t mem_usage, mem_cache, mem_shmem, mem_mapped;
	uint64_t active_anon, inactive_anon, active_file, inactive_file;
	int64_t swap_limit; /* swap alone (not memory+swap) */
	uint64_t swap_usage;
	uint64_t cpu_ns, cpu_user_ns, cpu_system_ns; /* cumulative */
	int64_t cpu_quota;                           /* us per period */
	uint64_t cpu_period;
	char cpuset[128]; /* CPUs of the zone's cpuset now, "" = z->cpuset */
	uint64_t io_read_bytes, io_write_bytes, io_read_ops, io_write_ops;
	pid_t *pids; /* the zone's processes (host pids), malloc'd */
	size_t n_pids;
};

typedef int (*pfs_sample_fn)(void *arg, struct pfs_sample *s, struct zerr *err);

/* A zone as the view needs it; plain values, no cgroup knowledge. */
struct pfs_zone {
	const char *name;
	const char *dir;       /* host directory for the rendered files (run/NAME/procfs) */
	const char *cpuset;    /* "0-1,3", or NULL: every online CPU (when the sample has none) */
	uint64_t booted_at_ns; /* wall clock */
	pid_t init_pid;        /* host pid of the zone's init: its mount namespace is served */
	pfs_sample_fn sample;
	void *sample_arg;
};

/* The files of the view: name in dir, and where each is mounted in the
 * zone (a read-only bind of a file over the real one). */
struct pfs_file {
	const char *name;
	const char *dest;
};
const struct pfs_file *pfs_files(size_t *n);

/* The load averages, decayed like the kernel's (fixed point, FSHIFT 11,
 * folded every 5 s) from the zone's mean CPU use between samples
 * (view.c says why not its runnable count). */
struct pfs_load {
	unsigned long avenrun[3];
	uint64_t next_fold_ns;
	uint64_t seen_ns, seen_cpu_ns;
};

/* Everything a rendering needs at one instant: the sample, the counts of
 * the zone's tasks, the load and the clocks. */
struct pfs_view {
	const struct pfs_zone *z;
	struct pfs_sample s;
	unsigned ncpu; /* CPUs the zone is given */
	unsigned nr_running, nr_threads, nr_blocked;
	pid_t last_pid; /* largest pid of the zone, in its namespace */
	struct pfs_load load;
	uint64_t now_wall_ns;
};

/* Takes a sample and counts the zone's tasks; folds the load. */
int pfs_view_update(struct pfs_view *v, struct zerr *err);
void pfs_view_free(struct pfs_view *v);

/* Number of CPUs a zone sees: the CPUs of its cpuset (all online if
 * NULL), cut to ceil(quota / period) when capped; at least 1. */
unsigned pfs_ncpu(const char *cpuset, int64_t quota, uint64_t period);

/* Renders file `name` (see pfs_files) into *out (malloc'd). Host files
 * (/proc/meminfo, /proc/cpuinfo ...) are read from host_proc ("/proc"
 * outside tests). */
int pfs_render(const struct pfs_view *v, const char *name, const char *host_proc, char **out,
	       size_t *len, struct zerr *err);
/* What sysinfo(2) returns in the zone. */
void pfs_sysinfo(const struct pfs_view *v, struct sysinfo *si);

/* Renders every file (and the numbers notifications are answered from)
 * into z->dir before the zone's root is built, so the first mounts and
 * the first sysinfo calls have the zone's numbers. */
int pfs_prepare(const struct pfs_zone *z, struct zerr *err);

/* The longest a zone's reader waits for: no view file it opens and no
 * sysinfo answer it gets is older. */
#define PFS_MAX_AGE_NS 1000000000ULL

/* The server (server.c). On ctl_fd it sends PFS_BUSY after each piece of
 * work that leaves it something to do on a timer (its heartbeat), and
 * PFS_IDLE when it leaves nothing: it then waits for a reader and uses no
 * CPU. It takes PFS_REFRESH (bring the sysinfo answers up to date) and
 * answers PFS_REFRESHED. Where files cannot be leased it refreshes every
 * interval_ms instead, busy. Returns only on a fatal error or when
 * ctl_fd's other end is gone; the caller (the zone's monitor) restarts
 * it. */
enum { PFS_BUSY = '.', PFS_IDLE = 'i', PFS_REFRESH = 'r', PFS_REFRESHED = 'a' };
int pfs_serve(const struct pfs_zone *z, int ctl_fd, int interval_ms, struct zerr *err);
/* True when the sysinfo answers in dir are older than max_age_ns. */
bool pfs_answer_stale(const char *dir, uint64_t max_age_ns);
/* The syscalls a zone's seccomp filter hands to its listener. */
char **pfs_notify_syscalls(void);
/* Answers one pending notification on a listener fd from the last view
 * the server left in dir (the host's numbers if none yet). Returns 0, or
 * -errno when fd is no longer usable. */
int pfs_notify_answer(int fd, const char *dir);

/* ---- the host side: processes and their zones ------------------------ */

struct pfs_proc {
	pid_t pid, ppid;
	uid_t uid;
	char state;
	uint64_t cpu_ticks; /* utime + stime */
	uint64_t rss_bytes;
	char *cmd;    /* command line, or [comm] */
	char *cgroup; /* /proc/PID/cgroup, as read */
	int zone;     /* index into the zones given to pfs_assign, -1 = global */
};

/* Every process of the host, sorted by pid. */
int pfs_proc_scan(struct pfs_proc **out, size_t *n, struct zerr *err);
/* Sets p->zone: zone i owns a process if a line of its /proc/PID/cgroup
 * is "ID:CONTROLLERS:PATH" with PATH at or under one of leaves[i] (a
 * NULL-terminated list of "CONTROLLERS:PATH" strings). */
void pfs_assign(struct pfs_proc *p, size_t n, char **const *leaves, size_t n_zones);
void pfs_proc_free(struct pfs_proc *p, size_t n);

#endif
