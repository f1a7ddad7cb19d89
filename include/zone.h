/* zone.h - the zone object as the CLI sees it: names, states, the
 * operations on zones, OCI containers, templates and jobs, and what they
 * report. The only header of runtime/ for the layers above it; no lower
 * layer's type appears here (the configuration's parsed form is
 * runtime/config/config.h). */
#ifndef ZONECTL_ZONE_H
#define ZONECTL_ZONE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "report.h"
#include "zutil.h"

#define ZONE_NAME_MAX 64

enum zone_brand { ZONE_BRAND_SPARSE, ZONE_BRAND_WHOLE, ZONE_BRAND_OCI, ZONE_BRAND_KVM };

const char *zone_brand_name(enum zone_brand b);
int zone_brand_from_name(const char *s, enum zone_brand *out);

/* Valid zone names: 1..64 bytes of [A-Za-z0-9_.-], starting with an
 * alphanumeric; never "." or "..". Returns 0 or fills err. */
int zone_name_check(const char *name, struct zerr *err);

/* ---- zones (runtime/) -------------------------------------------------- */

/* illumos zone states; see the transition table in runtime/store/state.c. */
enum zone_state {
	ZS_CONFIGURED,    /* config stored, no root yet */
	ZS_INSTALLED,     /* root in place, not running ("down" once halted) */
	ZS_BOOTING,       /* the monitor is building the zone's kernel objects */
	ZS_READY,         /* namespaces, cgroup, network made; init not released (OCI created) */
	ZS_RUNNING,       /* init released */
	ZS_SHUTTING_DOWN, /* halt in progress */
};
const char *zone_state_name(enum zone_state s);

/* The user's terminal, which is the CLI's business (cli/relay.c): the
 * runtime hands it a zone's pty or console and gets it back at the end. */
struct zone_term {
	/* Relays our terminal and the pty master until child exits; *status
	 * is its exit status (128+N for signal N). */
	int (*pty)(int master, pid_t child, int *status);
	/* Relays our terminal and a zone's console socket until detached. */
	int (*console)(int sock);
};

/* Who makes a zone's cgroups (man zonectl, CGROUPS). */
enum zone_cgroup_manager {
	ZONE_CGM_AUTO,     /* systemd where it is init on a cgroup v2 host, else cgroupfs */
	ZONE_CGM_CGROUPFS, /* zonectl, in the cgroup file system */
	ZONE_CGM_SYSTEMD,  /* systemd: a transient scope a zone, over D-Bus */
};

struct zone_ctx {
	char *lib_dir; /* /var/lib/zonectl, or $ROOT */
	char *run_dir; /* /run/zonectl, or $ROOT/run */
	/* NULL = the default (or lib/cgroup-parent); under the systemd
	 * manager, a slice (default machine.slice) */
	char *cgroup_parent;
	enum zone_cgroup_manager cgroup_manager;
	/* Tells the user something happened that they did not ask for
	 * (crash repair). May be NULL. */
	void (*notice)(const char *msg);
	/* NULL: no terminal to relay to (a login or run asking for one fails). */
	const struct zone_term *term;
};

/* root: NULL = the defaults (or $ZONECTL_ROOT). */
int zone_ctx_init(struct zone_ctx *ctx, const char *root, struct zerr *err);
void zone_ctx_free(struct zone_ctx *ctx);

struct zone_info {
	char name[ZONE_NAME_MAX + 1];
	enum zone_state state;
	enum zone_brand brand;
	bool autoboot;  /* zone.autoboot: `zonectl boot --all-autoboot` boots it */
	pid_t init_pid; /* 0 when not running */
	pid_t monitor_pid;
	uint64_t booted_at_ns; /* wall clock */
	char *zone_dir;
};

struct zone_create_opts {
	const char *config_path; /* NULL = the default document */
	enum zone_brand brand;
	bool brand_set;
	const char *template_name; /* --template: zone.template of a whole zone */
	char *const *set;          /* NULL-terminated "key=value,..." (--set), may be NULL */
	char *const *net;          /* NULL-terminated NIC specs (--net), may be NULL */
	const char *kvm;           /* --kvm kernel=PATH,...: the guest of a kvm zone */
	const char *init;          /* --init PATH: a system container (systemd as PID 1) */
};

int zone_create(struct zone_ctx *ctx, const char *name, const struct zone_create_opts *o,
		struct zerr *err);
/* Returns once init runs (state running), or fails leaving the zone
 * installed and nothing of the attempt behind. */
int zone_boot(struct zone_ctx *ctx, const char *name, struct zerr *err);
/* Orderly: SIGTERM to init, which ends the zone's processes; after
 * timeout_s everything in the zone's cgroup is killed. */
int zone_halt(struct zone_ctx *ctx, const char *name, int timeout_s, struct zerr *err);
int zone_reboot(struct zone_ctx *ctx, const char *name, int timeout_s, struct zerr *err);
int zone_delete(struct zone_ctx *ctx, const char *name, bool force, struct zerr *err);
int zone_info_get(struct zone_ctx *ctx, const char *name, struct zone_info *info, struct zerr *err);
/* Removes what killed creates and deletes left: scratch directories and
 * locks of zones that are gone, each under its zone's lock (so never call
 * it holding one). `zonectl list` does. */
void zone_sweep(struct zone_ctx *ctx);
/* All zones, sorted by name. */
int zone_list(struct zone_ctx *ctx, struct zone_info **out, size_t *n, struct zerr *err);
void zone_info_free(struct zone_info *info);
/* The stored config.json, as text. */
int zone_config_text(struct zone_ctx *ctx, const char *name, char **text, struct zerr *err);

/* Resource controls in zonecfg/SmartOS terms: each element of keys is
 * "key=value[,key=value...]" (cpu-shares, cpu-cap, cpu-burst, cpuset,
 * memory, swap, memory-reservation, processes, io-weight). On a running
 * zone the values are applied to its cgroups first and stored in
 * config.json only if the kernel took them; otherwise just stored. */
int zone_set(struct zone_ctx *ctx, const char *name, char *const *keys, struct zerr *err);
/* One NIC of `zonectl net`, as configured and as the host sees it
 * (names and links "" where there is none; counters only while the zone
 * runs). */
#define ZONE_IFNAME_MAX 16
struct zone_nic {
	char link[ZONE_IFNAME_MAX];      /* its name in the zone (eth0) */
	const char *type;                /* "bridge", "macvlan", "shared" */
	char over[ZONE_IFNAME_MAX];      /* the bridge, the parent link, or lo */
	char host_link[ZONE_IFNAME_MAX]; /* the veth's host end */
	char mac[18];                    /* "" on a shared-IP NIC */
	char **addrs;                    /* "198.18.7.2/24", NULL-terminated */
	const char *origin;              /* "static", "auto" (a lease), "auto (at boot)" */
	char gateway[48];
	bool nat;       /* masqueraded beyond the host */
	char **publish; /* "8080:80/tcp", NULL-terminated */
	bool anti_spoofing;
	bool has_counters;
	uint64_t rx_bytes, tx_bytes, rx_packets, tx_packets, rx_dropped, tx_dropped;
	bool has_spoofed; /* the anti-spoofing filter's drops are known */
	uint64_t spoofed;
};
/* A zone's network: its NICs, its resolvers (those of its resolv.conf
 * while it runs), and what may stop its traffic on this host. */
struct zone_net {
	struct zone_nic *nics;
	size_t n;
	char **dns, **search; /* NULL-terminated; NULL: the host's, or not booted */
	char *warning;        /* a host firewall that drops forwarded packets, or NULL */
};
int zone_net_get(struct zone_ctx *ctx, const char *name, struct zone_net *net, struct zerr *err);
void zone_net_free(struct zone_net *net);

/* What a running zone uses, from its cgroups' own counters (`stat`,
 * `top`). Limits are -1 when there is none; has_* is false where the
 * host does not count it. */
struct zone_usage {
	uint64_t at_ns;  /* CLOCK_MONOTONIC when read */
	uint64_t cpu_ns; /* cumulative CPU time */
	uint64_t nr_throttled, throttled_ns;
	int64_t cpu_quota; /* us per period, -1 = no cap */
	uint64_t cpu_period;
	bool has_memory;
	uint64_t mem_bytes, mem_cache;
	int64_t mem_limit;
	bool has_swap;
	uint64_t swap_bytes; /* memory+swap (v1), swap alone (cgroup2) */
	int64_t swap_limit;
	uint64_t oom_kills, mem_failcnt;
	uint64_t pids;
	int64_t pids_limit;
	uint64_t io_read_bytes, io_write_bytes, io_read_ops, io_write_ops;
	bool has_disk; /* zone.disk: its own filesystem */
	uint64_t disk_used, disk_size;
	bool has_net; /* its own network namespace: bytes but loopback's */
	uint64_t net_rx, net_tx;
};
/* A meter on one running zone: opened once (the zone's cgroups, its
 * disk, its network namespace looked up), read each round. */
struct zone_meter;
int zone_meter_open(struct zone_ctx *ctx, const char *name, struct zone_meter **m,
		    struct zerr *err);
/* Fills u; -1 once the zone has halted. */
int zone_meter_read(struct zone_meter *m, struct zone_usage *u);
void zone_meter_free(struct zone_meter *m);

/* Every process of the host with the zone whose cgroup holds it
 * (`ps -Z`, prstat -Z). */
struct zone_proc {
	pid_t pid, ppid;
	uid_t uid;
	char state;
	uint64_t cpu_ticks, rss_bytes;
	char *cmd;
	const char *zone; /* "global": the host's */
};
/* only: one zone's processes (an error if it is not running), or NULL. */
int zone_ps(struct zone_ctx *ctx, const char *only, struct zone_proc **procs, size_t *n,
	    struct zerr *err);
void zone_ps_free(struct zone_proc *procs, size_t n);

struct zone_login_opts {
	char **argv;     /* NULL = the zone's login shell */
	bool tty;        /* a new pty inside the zone, relayed to our terminal */
	char **env;      /* extra VAR=value, NULL-terminated */
	const char *cwd; /* NULL = process.cwd, or /root for a shell */
};
/* Runs a process in the zone; *status is its exit status (128+N when
 * killed by signal N). */
int zone_login(struct zone_ctx *ctx, const char *name, const struct zone_login_opts *o, int *status,
	       struct zerr *err);
/* Attaches the terminal to the zone's console until "~." or EOF. */
int zone_console(struct zone_ctx *ctx, const char *name, struct zerr *err);

/* ---- the OCI runtime verbs (runtime/oci/) ---------------------------------
 * An OCI container is a zone of brand oci named by the container's id. */

struct oci_create_opts {
	const char *bundle;         /* NULL = the current directory */
	const char *pid_file;       /* NULL = none */
	const char *console_socket; /* needed when process.terminal is true */
	bool no_pivot;
};
/* Installs the zone from the bundle and brings it to ready (OCI created):
 * the container's process exists in its namespaces and cgroups and waits. */
int oci_create(struct zone_ctx *ctx, const char *id, const struct oci_create_opts *o,
	       struct zerr *err);
/* Releases the container's process (ready -> running). */
int oci_start(struct zone_ctx *ctx, const char *id, struct zerr *err);
/* create + start; unless detach, waits for the process (*status: its exit
 * status, 128+N for signal N) and deletes the container. */
int oci_run(struct zone_ctx *ctx, const char *id, const struct oci_create_opts *o, bool detach,
	    int *status, struct zerr *err);
/* The OCI state document (malloc'd JSON). */
int oci_state(struct zone_ctx *ctx, const char *id, char **json, struct zerr *err);
int oci_kill(struct zone_ctx *ctx, const char *id, int sig, bool all, struct zerr *err);
/* A created or stopped container; a running one only with force. With
 * force, a container that does not exist is not an error (runc). */
int oci_delete(struct zone_ctx *ctx, const char *id, bool force, struct zerr *err);
int oci_pause(struct zone_ctx *ctx, const char *id, bool pause, struct zerr *err);
int oci_pids(struct zone_ctx *ctx, const char *id, pid_t **pids, size_t *n, struct zerr *err);
/* Applies a linux.resources object to the running container, then keeps
 * it in the zone's config. */
int oci_update(struct zone_ctx *ctx, const char *id, const char *resources, size_t len,
	       struct zerr *err);

struct oci_info {
	char id[ZONE_NAME_MAX + 1];
	const char *status; /* static */
	pid_t pid;          /* 0 when stopped */
	char *bundle, *created;
};
int oci_list(struct zone_ctx *ctx, struct oci_info **out, size_t *n, struct zerr *err);
void oci_list_free(struct oci_info *l, size_t n);

struct oci_exec_opts {
	const char *process_file; /* an OCI process object; or: */
	char **argv;              /* the container's process with these args */
	const char *cwd;
	char **env; /* VAR=value, added or replaced */
	bool has_user;
	uid_t uid;
	gid_t gid;
	gid_t *groups; /* --additional-gids: replace the process's */
	size_t n_groups;
	char **caps; /* added to the bounding, effective, permitted sets */
	bool no_new_privs;
	bool tty, detach;
	const char *pid_file;
	const char *console_socket; /* with tty: the pty master goes here */
};
/* Runs a process in the container. Detached, returns once it has exec'd
 * (its parent is then our subreaper); else *status is its exit status. */
int oci_exec(struct zone_ctx *ctx, const char *id, const struct oci_exec_opts *o, int *status,
	     struct zerr *err);

/* The config.json `spec` writes (runc's defaults, with this runtime's
 * capability set and seccomp profile); malloc'd. */
char *oci_spec_default(void);
/* What `features` prints (runtime-spec features document); malloc'd. */
char *oci_features(void);
/* ---- templates (runtime/store/template.c) ------------------------------------ */

struct zone_template_opts {
	const char *from;        /* a directory or a tarball */
	const char *debootstrap; /* or a Debian suite, from the apt sources' mirror */
	const char *include;     /* debootstrap --include (comma-separated) */
};
struct zone_template_info {
	char name[ZONE_NAME_MAX + 1];
	char *source;    /* the directory or tarball, or "debootstrap:SUITE" */
	int64_t created; /* unix seconds */
	uint64_t size;   /* bytes on disk */
	char **zones;    /* NULL-terminated: the whole zones cloned from it, may be NULL */
};
/* Builds LIB/templates/NAME in a scratch directory and renames it into
 * place: it appears whole or not at all. */
int zone_template_create(struct zone_ctx *ctx, const char *name, const struct zone_template_opts *o,
			 struct zerr *err);
/* Refused (EBUSY, naming them) while zones use it. */
int zone_template_delete(struct zone_ctx *ctx, const char *name, struct zerr *err);
int zone_template_list(struct zone_ctx *ctx, struct zone_template_info **out, size_t *n,
		       struct zerr *err);
void zone_template_info_free(struct zone_template_info *t);

/* ---- one command in a throw-away zone (runtime/zone/run.c) ------------------ */

struct zone_run_opts {
	const char *name;      /* NULL = run-<random hex> */
	bool rm;               /* delete the zone when the command ends */
	enum zone_brand brand; /* sparse, or whole with template_name */
	const char *template_name;
	char *const *binds;  /* SRC:DST[:ro], NULL-terminated, may be NULL */
	char *const *tmpfs;  /* DST */
	char *const *env;    /* K=V */
	const char *workdir; /* NULL = / */
	char *const *set;    /* resource keys, as create --set */
	char *const *net;    /* NIC specs, as create --net */
	char *const *argv;   /* the command */
};
/* Creates, boots and runs argv as the zone's one job with our stdin,
 * stdout and stderr; returns when the zone has halted (and, with rm, is
 * gone) with *status the job's exit status (128+N if killed by signal N).
 * SIGINT, SIGTERM and SIGHUP to the caller end the job in order; if the
 * caller dies, the zone's monitor halts (and deletes) the zone itself. */
int zone_run(struct zone_ctx *ctx, const struct zone_run_opts *o, int *status, struct zerr *err);

/* ---- a CI job's zone across the stages of a driver (runtime/zone/job.c) ---- */

/* A CI job's zone: whole, cloned from template (sparse if NULL); on the
 * default network as `zonectl run` jobs are (defaults.json "jobs"); with
 * cache (a project's key: letters, digits, '.', '_', '-'; NULL for none)
 * the directory LIB/ci/cache/KEY, kept from job to job, bound read-write
 * at /cache; in a whole zone, the host's gitlab-runner binary (for the
 * runner's cache and artifact helpers) at /usr/local/bin/gitlab-runner. */
struct zone_job_opts {
	const char *template_name;
	const char *cache;
	const char *runner; /* the runner binary on the host, NULL: none */
};
/* Creates and boots it. */
int zone_job_prepare(struct zone_ctx *ctx, const char *name, const struct zone_job_opts *o,
		     struct zerr *err);
/* Runs the script file in the zone (as a shell's stdin, our stdout and
 * stderr) and records its status in the zone's run directory
 * (job-status). SIGTERM/SIGINT halt the zone: its processes get SIGTERM,
 * then SIGKILL after grace seconds. Fails (and *status means nothing)
 * only when the zone could not run the script. */
int zone_job_script(struct zone_ctx *ctx, const char *name, const char *script, int grace,
		    int *status, struct zerr *err);

/* Profiling and tracing zones from the host (`zonectl profile`, `trace`):
 * names (NULL-terminated; NULL or empty: every running zone) must run.
 * The trace is filtered in the kernel by each zone's cgroup and the ones
 * below it. show gets a report every interval_s (0: once, at the end)
 * and a last one (r->last) when secs have passed, *stop was set (from a
 * signal handler), or every traced zone has halted; it returns < 0 to
 * stop. Nothing stays attached after this returns. */
struct zone_trace_opts {
	enum trace_tool tool;
	unsigned hz; /* profile: samples per second per CPU */
	bool kernel; /* kernel stacks too */
	double secs; /* < 0: until *stop */
	double interval_s;
	volatile int *stop;
};
int zone_trace(struct zone_ctx *ctx, char *const *names, const struct zone_trace_opts *o,
	       int (*show)(const struct trace_report *r, void *arg), void *arg, struct zerr *err);

#endif
