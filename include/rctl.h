/* rctl.h - resource controls over cgroups: a zone's cgroup "zonectl/NAME"
 * in every mounted hierarchy (cgroup v1 controllers, named v1 hierarchies
 * and cgroup2), beneath a parent that defaults to the cgroup the caller runs
 * in, so that zones never leave the host's own limits. v1 goes through
 * libcgroup; cgroup2 is handled directly (libcgroup misbehaves on a hybrid
 * host's cgroup2 mount). */
#ifndef ZONECTL_RCTL_H
#define ZONECTL_RCTL_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "zutil.h"

/* One hierarchy the zone has a cgroup in. */
struct rctl_hier {
	char *controllers; /* "memory", "cpu", "name=systemd"; "" for cgroup2 */
	char *mount;       /* "/sys/fs/cgroup/memory" */
	char *parent;      /* parent cgroup, relative to the mount: "/process_api/1e2a" or "/" */
	bool v2;
	/* With a leaf_name: the highest ancestor of the leaf that zonectl
	 * made for it (relative to the mount), removed with it when empty;
	 * NULL: the parent was there already. */
	char *made;
};

struct rctl_cgroup {
	char *zone; /* zone name: the leaf is <parent>/zonectl/<zone> */
	/* An OCI container's linux.cgroupsPath names its leaf exactly: the
	 * leaf is <parent>/<leaf_name>, with no zonectl/ between. A parent
	 * that exists is its owner's (a pod's) and stays; the ones zonectl
	 * made for the path (made) go with the leaf when empty, as nothing
	 * else then uses them. */
	char *leaf_name;
	/* The systemd scope the cgroups are delegated from, NULL for none.
	 * Zones' scopes are the siblings in their slice, so the weights that
	 * share CPU and I/O between zones are the scope's (systemd's to
	 * write: rctl_cgroup_apply asks it over D-Bus); limits go below. */
	char *unit;
	/* The zone's processes live in <leaf>/payload, not in the leaf: the
	 * zone's own init (systemd) gets a subtree it may manage, one level
	 * below the limits, which stay on the leaf where it cannot reach
	 * them. Set by the caller before rctl_cgroup_create. */
	bool payload;
	struct rctl_hier *h;
	size_t n;
	/* What the plan decided for rctl_cgroup_create alone (never stored
	 * in state.json: a crashed zone is only ever destroyed):
	 * make_parent   a missing parent may be made (hybrid hosts);
	 * own_parent    controllers may be enabled in the cgroup2 parent
	 *               (the root of a host without a cgroup manager, or a
	 *               cgroup delegated to zonectl);
	 * delegated     the parent is delegated to zonectl, which may move
	 *               its own processes (`movable`, set by the caller)
	 *               out of it into the leaf zonectl.monitor beside the
	 *               zones, as cgroup v2's no-internal-process rule asks. */
	bool make_parent, own_parent, delegated;
	pid_t movable[2];
};

/* OCI linux.resources.devices entry */
struct rctl_device {
	bool allow;
	char type;            /* 'a', 'c', 'b' */
	int64_t major, minor; /* -1 = wildcard */
	char access[4];       /* subset of "rwm" */
};

/* OCI linux.resources.blockIO.throttle*Device entry */
enum rctl_throttle_kind { RT_READ_BPS, RT_WRITE_BPS, RT_READ_IOPS, RT_WRITE_IOPS, RT_KINDS };
struct rctl_throttle {
	int kind; /* RT_* */
	int64_t major, minor;
	uint64_t rate; /* bytes or operations per second */
};

/* OCI linux.resources; has_* says whether a value is set. */
struct rctl_resources {
	/* clang-format off: each value beside the flag saying it is set */
	bool has_cpu_shares;
	uint64_t cpu_shares;
	bool has_cpu_quota;
	int64_t cpu_quota; /* us per period, -1 = none */
	bool has_cpu_period;
	uint64_t cpu_period;
	bool has_cpu_burst;
	uint64_t cpu_burst;
	char *cpuset_cpus, *cpuset_mems;
	bool has_mem_limit;
	int64_t mem_limit; /* bytes, -1 = none */
	bool has_mem_reservation;
	int64_t mem_reservation;
	bool has_mem_swap;
	int64_t mem_swap; /* OCI: memory+swap, -1 = none */
	bool has_swappiness;
	uint64_t swappiness;     /* 0..100, v1 only */
	bool disable_oom_killer; /* v1 only */
	bool has_pids_limit;
	int64_t pids_limit; /* -1 = none */
	bool has_blkio_weight;
	uint16_t blkio_weight;
	/* clang-format on */
	struct rctl_throttle *throttles;
	size_t n_throttles;
	struct rctl_device *devices;
	size_t n_devices;
};

/* Fills cg for zone `name` without touching the kernel: one entry per
 * mounted hierarchy. On a hybrid or v1 host the parent is the caller's own
 * cgroup in each hierarchy (from /proc/self/cgroup), or `parent_override`
 * (a path like "/machine") in every hierarchy. On a cgroup v2 host the
 * parent is one that may have children with controllers: the override
 * (which must exist, hold no processes and be a domain), the root on a
 * host without a cgroup manager, or the caller's cgroup when it is
 * delegated to us (place_v2.c has the rules). */
int rctl_cgroup_plan(const char *name, const char *parent_override, struct rctl_cgroup *cg,
		     struct zerr *err);
/* An OCI container's cgroup at linux.cgroupsPath (cgroupfs form): an
 * absolute path is the leaf itself, below the hierarchy's root in each
 * hierarchy; a relative one is below the default parent (as
 * rctl_cgroup_plan, with parent_override). No "." or "..". */
int rctl_cgroup_plan_path(const char *name, const char *path, const char *parent_override,
			  struct rctl_cgroup *cg, struct zerr *err);
/* The same, in the caller's own cgroup, delegated to it from the systemd
 * scope `unit` the zone's monitor was started in: cgroup v2 only. */
int rctl_cgroup_plan_delegated(const char *name, const char *unit, struct rctl_cgroup *cg,
			       struct zerr *err);

/* ---- systemd hosts (systemd.c) -------------------------------------------- */
/* systemd is the host's init (sd_booted(3)'s test). */
bool rctl_systemd_booted(void);
/* It runs, and its bus answers; else an error saying which is missing. */
int rctl_systemd_check(struct zerr *err);
/* A valid unit name with that suffix (".scope", ".slice"). */
bool rctl_unit_name_valid(const char *name, const char *suffix);
/* Starts the transient scope `unit` in `slice` with pid as its process,
 * Delegate=yes, CollectMode=inactive-or-failed, Before= each of `before`
 * (NULL-terminated, may be NULL) and the CPU and I/O weights of res (may
 * be NULL), and returns once systemd has made it. A scope of that name
 * that exists already is an error naming it; nothing is made then. */
int rctl_systemd_scope(const char *unit, const char *slice, pid_t pid, const char *description,
		       char *const *before, const struct rctl_resources *res, struct zerr *err);
/* Sets the CPU and I/O weights of res a running scope (SetUnitProperties,
 * runtime): nothing when res has none. */
int rctl_systemd_weights(const char *unit, const struct rctl_resources *res, struct zerr *err);
/* Stops a scope; one that is gone is fine. */
int rctl_systemd_stop(const char *unit, struct zerr *err);

/* On a cgroup v2 host (all controllers on cgroup2), the index of its
 * hierarchy in cg; -1 on a hybrid or v1 host. */
ssize_t rctl_cgroup_unified(const struct rctl_cgroup *cg);
/* Where the zone's processes go in hierarchy i: the leaf, or its payload
 * child (cg->payload). */
char *rctl_cgroup_home(const struct rctl_cgroup *cg, size_t i);
/* That in every hierarchy, and the name each hierarchy is mounted under
 * (memory, cpu,cpuacct, unified): a zone's view of its own cgroups, the
 * root of its cgroup namespace. NULL-terminated, in the same order. */
char **rctl_cgroup_homes(const struct rctl_cgroup *cg);
char **rctl_cgroup_mount_names(const struct rctl_cgroup *cg);
/* The zone's cgroup2 directory, opened (O_DIRECTORY): for clone3's
 * CLONE_INTO_CGROUP and cgroup-BPF. -1 (errno set) when it has none. */
int rctl_cgroup_v2_open(const struct rctl_cgroup *cg);
/* Leaf path of hierarchy i: "/sys/fs/cgroup/memory/process_api/x/zonectl/web1". */
char *rctl_cgroup_path(const struct rctl_cgroup *cg, size_t i);
/* The leaf in every hierarchy as /proc/PID/cgroup names it,
 * "CONTROLLERS:PATH" ("memory:/process_api/x/zonectl/web1", ":/zonectl/web1"
 * for cgroup2); NULL-terminated. */
char **rctl_cgroup_proc_lines(const struct rctl_cgroup *cg);
/* Makes the cgroup in every hierarchy (cpuset values copied from the
 * parent), then applies the device allow-list and resources. On failure
 * removes whatever it made. */
int rctl_cgroup_create(const struct rctl_cgroup *cg, const struct rctl_resources *res,
		       struct zerr *err);
/* Applies resources to an existing cgroup (live update). */
int rctl_cgroup_apply(const struct rctl_cgroup *cg, const struct rctl_resources *res,
		      struct zerr *err);
/* Writes pid into cgroup.procs of every hierarchy (at the zone's home). */
int rctl_cgroup_attach(const struct rctl_cgroup *cg, pid_t pid, struct zerr *err);
/* NULL-terminated list of the cgroup.procs files a process joining the
 * zone writes itself into: the zone's home, or, in a payload zone, the
 * cgroup its init (pid init) is in there now, since the payload's root may
 * have given its controllers to children and take no process. */
char **rctl_cgroup_procs_files(const struct rctl_cgroup *cg, pid_t init);
/* Pids in the zone's cgroup (from the cgroup2 or, failing that, the pids
 * or freezer hierarchy). *pids is malloc'd. */
int rctl_cgroup_pids(const struct rctl_cgroup *cg, pid_t **pids, size_t *n, struct zerr *err);
/* SIGKILLs everything in the cgroup (cgroup.kill on v2 where present,
 * freeze-kill-thaw on v1) and waits until it is empty or timeout_ms. */
int rctl_cgroup_kill(const struct rctl_cgroup *cg, int timeout_ms, struct zerr *err);
/* Kills what remains, removes the leaf in every hierarchy, and the
 * zonectl/ directory above it when empty. Missing directories are fine:
 * this is also the crash-repair path. */
int rctl_cgroup_destroy(const struct rctl_cgroup *cg, struct zerr *err);
/* Removes the leaf zonectl's monitors live in under a delegated parent,
 * once none is left there (destroy does this too, but a monitor cannot
 * remove the cgroup it is in). */
void rctl_cgroup_tidy(const struct rctl_cgroup *cg);
/* Pauses (frozen) or resumes every process of the zone: the v1 freezer
 * hierarchy, else cgroup2's cgroup.freeze. A freeze returns once all are
 * stopped. */
int rctl_cgroup_freeze(const struct rctl_cgroup *cg, bool frozen, struct zerr *err);
bool rctl_cgroup_frozen(const struct rctl_cgroup *cg);
/* True if the leaf exists in any hierarchy. */
bool rctl_cgroup_exists(const struct rctl_cgroup *cg);
/* What a zone's cgroup has used, from its own counters. Limits are -1
 * when unlimited; has_* is false when no hierarchy carries the group. */
struct rctl_usage {
	uint64_t at_ns; /* CLOCK_MONOTONIC when read */
	bool has_cpu;
	uint64_t cpu_ns;                     /* cumulative CPU time */
	uint64_t cpu_user_ns, cpu_system_ns; /* its split (USER_HZ precision) */
	uint64_t nr_throttled, throttled_ns;
	int64_t cpu_quota; /* us per period, -1 = no cap */
	uint64_t cpu_period;
	char cpuset[128]; /* effective CPUs ("0-1,3"), "" if no cpuset group */
	bool has_memory;
	uint64_t mem_bytes, mem_cache;
	uint64_t mem_shmem, mem_mapped; /* memory.stat, for a zone's /proc/meminfo */
	uint64_t active_anon, inactive_anon, active_file, inactive_file;
	int64_t mem_limit;
	bool has_swap;
	uint64_t memsw_bytes; /* memory+swap (v1), swap alone on v2 */
	int64_t memsw_limit;
	uint64_t swap_bytes; /* swap alone, either layout */
	int64_t swap_limit;
	uint64_t oom_kills, mem_failcnt;
	bool has_pids;
	uint64_t pids;
	int64_t pids_limit;
	bool has_io;
	uint64_t io_read_bytes, io_write_bytes, io_read_ops, io_write_ops;
};
int rctl_cgroup_usage(const struct rctl_cgroup *cg, struct rctl_usage *u, struct zerr *err);

/* The default devices allow-list: the zone's /dev and nothing else. */
const struct rctl_device *rctl_default_devices(size_t *n);
void rctl_cgroup_free(struct rctl_cgroup *cg);
/* The plan as members of a JSON object ("cgroups": [...], "unit",
 * "cgroup_payload"), and back from one (record.c; -ENOENT when it has no
 * "cgroups"): what state.json keeps so that a crashed zone's cgroups can
 * be found and removed. */
struct jw;
struct jv;
void rctl_cgroup_to_json(struct jw *w, const struct rctl_cgroup *cg);
int rctl_cgroup_from_json(const char *zone, const struct jv *doc, struct rctl_cgroup *cg);
void rctl_resources_free(struct rctl_resources *r);

#endif
