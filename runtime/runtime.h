/* runtime.h - what the files of runtime/ share. */
#ifndef ZONECTL_RUNTIME_INTERNAL_H
#define ZONECTL_RUNTIME_INTERNAL_H

#include <poll.h>

#include "config/config.h"
#include "procfs.h"

/* What /run/zonectl/NAME/state.json records. Never trusted blindly: a pid
 * counts only while its start time and the host's boot id still match. */
struct zone_status {
	enum zone_state state;
	pid_t monitor_pid;
	unsigned long long monitor_start;
	pid_t init_pid;
	unsigned long long init_start;
	char boot_id[40];
	uint64_t booted_at_ns;
	bool has_cgroup;
	struct rctl_cgroup cg;
	char **net_made; /* what the zone's NICs left on the host (net_plan) */
};

/* The signal that asks the zone's init (pid init) to halt: SIGRTMIN+3 for
 * systemd, which takes SIGTERM as "re-execute yourself"; SIGTERM for
 * zinit and any other (zone/ops.c). */
int zone_halt_signal(pid_t init);

/* Under the systemd cgroup manager (zone/scope.c): the monitor moves into
 * a transient scope of its own (its name in *unit, malloc'd), and the
 * zone is registered with systemd-machined once init runs (as
 * zone_machine_name(name), NULL if it cannot be one). */
int zone_scope_start(const struct zone_ctx *ctx, const char *name, const struct zone_config *cfg,
		     char **unit, struct zerr *err);
char *zone_machine_name(const char *name);
int zone_machine_register(const char *name, pid_t leader, const char *root, struct zerr *err);
/* The cgroup manager a boot uses: ctx's choice, auto resolved
 * (store/ctx.c). */
enum zone_cgroup_manager zone_cgroup_manager(const struct zone_ctx *ctx);

enum zone_op {
	ZOP_BOOT,
	ZOP_HALT,
	ZOP_REBOOT,
	ZOP_DELETE,
	ZOP_LOGIN,
	ZOP_CONSOLE,
	ZOP_SET,
	ZOP_NET,
	ZOP_START,
	ZOP_KILL,
	ZOP_PAUSE,
	ZOP_EXEC, /* the OCI verbs */
	ZOP_GROW, /* set disk= */
};

/* The zone's network (zone/net.c): the plan recorded in st, made for
 * init (pid) in its namespace and cgroup, and undone. */
int zone_net_plan(const struct zone_ctx *ctx, const char *name, const struct zone_config *cfg,
		  struct zone_status *st, struct zerr *err);
int zone_net_setup(const struct zone_ctx *ctx, const char *name, const struct zone_config *cfg,
		   const struct zone_status *st, pid_t pid, struct zerr *err);
void zone_net_teardown(const struct zone_ctx *ctx, struct zone_status *st);
/* Has a NIC that NATs or publishes ports; and, for such a zone, notices:
 * IPv4 forwarding about to be turned on (not for a job, whose stderr is
 * its command's), and a host firewall that would drop its traffic. */
bool zone_net_nat(const struct zone_config *cfg);
void zone_net_warn(const struct zone_ctx *ctx, const char *name, const struct zone_config *cfg,
		   bool job);
/* What netstack-bind needs to name a zone's NICs on the host (store/
 * ctx.c): its key (host link names, MACs), RUN/.net for the bridges'
 * markers (zone_net_dir, malloc'd). */
void zone_net_describe(const struct zone_ctx *ctx, const char *name, const struct zone_config *cfg,
		       struct net_zone *z);
char *zone_net_dir(const struct zone_ctx *ctx);

/* The host-wide defaults for zones, LIB/defaults.json (store/
 * defaults.c). */
struct zone_defaults {
	char bridge[NET_IFNAME_MAX + 1]; /* the default bridge */
	struct net_addr subnet;          /* its subnet, if given */
	bool has_subnet;
	struct net_nic resolvers; /* only its dns and search: zones' defaults */
	bool jobs_net;            /* run and CI jobs get the default bridge */
};
int zone_defaults_read(const struct zone_ctx *ctx, struct zone_defaults *d, struct zerr *err);
/* The NICs of a job (run, ci): those given (--net), else the default
 * bridge unless defaults.json's net.jobs is "none". */
char *const *zone_job_net(const struct zone_ctx *ctx, char *const *given);
/* Bridged NICs as they boot (zone/lease.c): the default bridge for one
 * that names none, NAT on it unless nat= says otherwise, and for one
 * without addresses its lease from the bridge's subnet (taken now if
 * take, else only one the zone holds). */
int zone_net_resolve(const struct zone_ctx *ctx, const char *name, struct zone_config *cfg,
		     bool take, struct zerr *err);
/* The zone's resolv.conf (zone/dns.c): written to RUN/NAME/resolv.conf
 * for a zone with bridge or macvlan NICs (*path, malloc'd), NULL for
 * others. */
int zone_resolv_conf(const struct zone_ctx *ctx, const char *name, const struct zone_config *cfg,
		     char **path, struct zerr *err);
/* A deleted zone's leases go; sweep: leases of zones that are gone. */
void zone_net_release(const struct zone_ctx *ctx, const char *name);
void zone_net_sweep(const struct zone_ctx *ctx);
int zone_net_check_unique(const struct zone_ctx *ctx, const char *name,
			  const struct zone_config *cfg, struct zerr *err);

/* Paths (malloc'd; store/ctx.c is the one place that knows the layout):
 * zones/NAME, zones/NAME/FILE, zones/NAME/config.json, zones/.NAME.WHAT
 * (a create's or delete's scratch name), run/NAME, run/NAME/FILE. */
char *zone_dir(const struct zone_ctx *ctx, const char *name);
char *zone_file(const struct zone_ctx *ctx, const char *name, const char *file);
char *zone_config_path(const struct zone_ctx *ctx, const char *name);
char *zone_scratch_dir(const struct zone_ctx *ctx, const char *name, const char *what);
/* The zone's stored config.json, parsed. */
int zone_config_read(const struct zone_ctx *ctx, const char *name, struct zone_config *cfg,
		     struct zerr *err);
char *zone_run_dir(const struct zone_ctx *ctx, const char *name);
char *zone_run_file(const struct zone_ctx *ctx, const char *name, const char *file);
bool zone_exists(const struct zone_ctx *ctx, const char *name);
/* A valid name of an existing zone, or an error saying which it is not. */
int zone_check_name(const struct zone_ctx *ctx, const char *name, struct zerr *err);

/* The zone's lock (zlock of /run/zonectl/.locks/NAME). Returns the fd. */
int zone_lock(const struct zone_ctx *ctx, const char *name, struct zerr *err);
/* The same, if no one holds it; -1 otherwise. */
int zone_trylock(const struct zone_ctx *ctx, const char *name);
/* Removes the lock file of a deleted zone; the fd stays locked. */
void zone_lock_remove(const struct zone_ctx *ctx, const char *name);
char *zone_lock_path(const struct zone_ctx *ctx, const char *name);

int zone_status_read(const struct zone_ctx *ctx, const char *name, struct zone_status *st,
		     struct zerr *err);
int zone_status_write(const struct zone_ctx *ctx, const char *name, const struct zone_status *st,
		      struct zerr *err);
/* Back to installed: removes the zone's run directory. */
void zone_status_clear(const struct zone_ctx *ctx, const char *name);
void zone_status_free(struct zone_status *st);
static inline void zone_status_cleanup(struct zone_status *s)
{
	zone_status_free(s);
}
#define cleanup_status __attribute__((cleanup(zone_status_cleanup)))
void zone_boot_id(char out[40]);

/* Under the lock: if the recorded monitor is gone, releases what the zone
 * held (processes, cgroups, console socket) and says so through
 * ctx->notice. Leaves st describing the repaired state. */
int zone_repair(const struct zone_ctx *ctx, const char *name, struct zone_status *st,
		struct zerr *err);
/* The transition table: may `op` act on a zone in state s? (an error
 * naming the zone, the state and what to do instead, if not) */
int zone_check_op(const char *name, enum zone_op op, enum zone_state s, struct zerr *err);
bool zone_op_allowed(enum zone_op op, enum zone_state s);
/* Holds no kernel object (installed, configured) / holds its init and
 * cgroups, so that limits act on them (ready, running). */
bool zone_state_down(enum zone_state s);
bool zone_state_live(enum zone_state s);

/* Locks, repairs, reads the config and checks op. On success *lockfd is
 * held and st/cfg are filled. */
int zone_open(const struct zone_ctx *ctx, const char *name, enum zone_op op, int *lockfd,
	      struct zone_status *st, struct zone_config *cfg, struct zerr *err);

/* A zone needs its own mount namespace (its root is built in it). */
int zone_check_runnable(const char *name, const struct zone_config *cfg, struct zerr *err);
/* Under the zone's lock: writes config.json (text) and the brand's root
 * into a new zone directory, which appears whole or not at all. */
int zone_install(const struct zone_ctx *ctx, const char *name, const char *text, size_t len,
		 const struct zone_config *cfg, struct zerr *err);

/* ---- brands (runtime/brand/) -------------------------------------------
 * Everything that differs by brand, as a table: the rest of runtime/ asks
 * brand_of(cfg->brand), never which brand a zone is. NULL: nothing to do. */
struct brand_ops {
	/* can a zone of this brand boot with this config? (kvm: zone.kvm) */
	int (*check)(const char *name, const struct zone_config *cfg, struct zerr *err);
	/* builds the root of a new zone in dir (create) */
	int (*install)(const char *name, const char *dir, const struct zone_config *cfg,
		       struct zerr *err);
	bool durable_config; /* config.json fsynced at create (not an OCI bundle's copy) */
	bool from_template;  /* installed under the templates' lock (whole) */
	/* before the monitor forks: the config as it boots (kvm: qemu as init) */
	int (*boot_prepare)(const struct zone_ctx *ctx, const char *name, struct zone_config *cfg,
			    struct zerr *err);
	/* mounts in front of the config's (sparse: host /usr read-only, the
	 * /etc overlay, a /run tmpfs) */
	int (*mounts)(const struct zone_ctx *ctx, const char *name, const struct zone_config *cfg,
		      struct iso_mount **mounts, size_t *n, struct zerr *err);
	/* the root is an overlay of these (whole: lower = the template's root,
	 * upper and work = the zone's); fails naming the template if gone */
	int (*overlay)(const struct zone_ctx *ctx, const char *name, const struct zone_config *cfg,
		       char **lower, char **upper, char **work, struct zerr *err);
	/* after the NICs are made, in the zone's namespace (kvm: the guest's tap) */
	int (*net_setup)(const struct net_zone *z, pid_t pid, struct zerr *err);
	/* the console's output, watched: true = end the zone, *what says why
	 * (tail: the caller's buffer of the last bytes, for words split
	 * across reads) */
	bool (*console_alarm)(char *tail, size_t tail_size, const char *buf, size_t n,
			      const char **what);
	/* halt asks first (kvm: ACPI power-down over QMP); 0 if it was heard */
	int (*powerdown)(const struct zone_ctx *ctx, const char *name);
};
const struct brand_ops *brand_of(enum zone_brand b);
/* The brand's mounts (brand_ops.mounts), into a new list. */
int brand_mounts(const struct zone_ctx *ctx, const char *name, const struct zone_config *cfg,
		 struct iso_mount **mounts, size_t *n, struct zerr *err);
/* zone.disk (brand/disk.c): zones/NAME/disk.img; the brand's tree made
 * into that image at create; a halted zone's disk grown. */
char *zone_disk_image(const struct zone_ctx *ctx, const char *name);
int zone_disk_install(const char *name, const char *dir, const struct zone_config *cfg,
		      struct zerr *err);
int zone_disk_grow(const struct zone_ctx *ctx, const char *name, uint64_t from, uint64_t to,
		   struct zerr *err);
/* The zone's root directory on the host (root.path, relative to dir). */
char *zone_rootfs(const struct zone_ctx *ctx, const char *name, const struct zone_config *cfg);

/* Templates (store/template.c): LIB/templates/NAME, whose root/ is the
 * lower layer of whole zones. The lock orders publish, delete and the
 * install of a zone naming a template (shared). */
char *zone_template_dir(const struct zone_ctx *ctx, const char *name);
bool zone_template_exists(const struct zone_ctx *ctx, const char *name);
int zone_template_lock(const struct zone_ctx *ctx, bool exclusive, struct zerr *err);
/* The first Debian mirror of the machine's apt sources (malloc'd). */
int zone_apt_mirror(char **out, struct zerr *err);
/* The kvm brand (brand/kvm.c), its brand_ops, and the zone's view of
 * run/NAME/kvm (QMP). */
#define KVM_RUN_DIR "/run/zonectl"
int kvm_check(const char *name, const struct zone_config *cfg, struct zerr *err);
/* Checks the guest's files and the memory cap, picks the accelerator (a
 * notice when it falls back to TCG), makes qemu the zone's init and adds
 * its devices to cfg. */
int kvm_boot_prepare(const struct zone_ctx *ctx, const char *name, struct zone_config *cfg,
		     struct zerr *err);
bool kvm_console_alarm(char *tail, size_t tail_size, const char *buf, size_t n, const char **what);
/* What the memory cap must hold: guest RAM plus qemu's overhead. */
uint64_t kvm_memory_needed(const struct zone_kvm *k, enum zone_accel accel);
int kvm_powerdown(const struct zone_ctx *ctx, const char *name);

/* A sealed memfd holding our embedded init. */
int zinit_exec_fd(struct zerr *err);

/* The OCI create's wishes (runc create flags). */
struct monitor_opts {
	const char *console_socket; /* process.terminal: the pty master goes here */
	bool no_pivot;
};
/* The monitor: forks, builds the zone, reports through a pipe, stays to
 * watch init. Returns in the caller once the zone runs or failed; with
 * oci, once it is ready (init made, not released; see monitor.c). */
int monitor_start(const struct zone_ctx *ctx, const char *name, struct zone_config *cfg, int lockfd,
		  const struct monitor_opts *oci, struct zerr *err);
/* The same for a job (zonectl run): init gets our stdio; *report_fd is
 * the pipe the monitor writes "EXIT <status>" to once the zone is halted
 * (and deleted, if ephemeral), and whose closing ends the job. */
int monitor_start_job(const struct zone_ctx *ctx, const char *name, struct zone_config *cfg,
		      int lockfd, int *report_fd, pid_t *monitor, struct zerr *err);
/* Boots name as a job (ops.c): zone_boot through monitor_start_job. */
int zone_boot_job(struct zone_ctx *ctx, const char *name, int *report_fd, pid_t *monitor,
		  struct zerr *err);

/* The zone's view of its machine (zone/procfs.c, procfs-filter/). */
#define ZONE_VIEW_MAX_LISTENERS 256
struct zone_view {
	struct pfs_zone z;
	char *dir, *sock_path, *pid_path;
	bool active;
	pid_t pid;      /* the server, 0 when none runs */
	int pidfd, ctl; /* its pidfd; our end of its socket */
	int sock;       /* notify.sock: listeners from logins */
	int listeners[ZONE_VIEW_MAX_LISTENERS];
	size_t n;
	uint64_t started_ns, beat_ns, restart_at_ns;
	bool idle; /* the server said it waits for readers: no heartbeat due */
};
/* Fills k->z from the zone (cg must outlive k). */
void zone_view_fill(struct zone_view *k, const struct zone_ctx *ctx, const char *name,
		    const struct zone_config *cfg, const struct rctl_cgroup *cg);
/* Appends the view's read-only file mounts to a spec's mounts. */
void zone_view_mounts(const struct zone_view *k, struct iso_mount **mounts, size_t *n);
/* With procfs "zone": the syscalls the zone's filter hands to the server
 * (a default-allow filter of those alone when the config has none). */
void zone_seccomp_notify(struct zone_config *cfg);
/* In the monitor, once init runs: starts the server and keeps it. Takes
 * init_listener (may be -1). */
int zone_view_start(struct zone_view *k, pid_t init_pid, uint64_t booted_at_ns, int init_listener);
/* Poll entries (at most 3 + ZONE_VIEW_MAX_LISTENERS) into p; returns how many. */
size_t zone_view_poll(const struct zone_view *k, struct pollfd *p);
/* Milliseconds until the keeper has something to do, -1 for never. */
int zone_view_timeout(const struct zone_view *k);
/* After poll: p as filled by zone_view_poll. */
void zone_view_event(struct zone_view *k, const struct pollfd *p);
/* On SIGCHLD: a stopped server is replaced. */
void zone_view_child(struct zone_view *k);
void zone_view_stop(struct zone_view *k);
/* A login's seccomp listener, to the zone's monitor (run/NAME/notify.sock). */
int zone_procfs_hand_listener(const struct zone_ctx *ctx, const char *name, int fd,
			      struct zerr *err);

/* The OCI state document of a zone (runc state, a hook's stdin);
 * created (RFC 3339) may be NULL. */
char *oci_state_json(const char *id, const struct zone_config *cfg, const char *status, pid_t pid,
		     const char *created);
/* Runs the config's hooks of kind k with the state (status, pid) on their
 * stdin, in pid's mount namespace if in_zone. Fails at the first hook
 * that fails, but for poststart and poststop: a warning, and on. */
int zone_hooks_run(const char *name, const struct zone_config *cfg, enum zone_hook_kind k,
		   const char *status, pid_t pid, bool in_zone, struct zerr *err);

/* Joining a running zone (zone/login.c): j gets the zone's
 * namespaces, cgroups and seccomp filter (the one compiled at boot);
 * the caller sets argv, proc and the terminal, and frees cgroup_procs. */
/* iso_join_spawn, and the seccomp listener of the new process (when the
 * zone's filter has one) handed to the zone's procfs server. */
int zone_join_spawn(const struct zone_ctx *ctx, const char *name, const struct iso_join *j,
		    pid_t *pid, int *master, struct zerr *err);
void zone_join_prepare(const struct zone_ctx *ctx, const char *name, const struct zone_config *cfg,
		       const struct zone_status *st, struct iso_join *j);
/* VAR=value replaces VAR in *env, or is added. */
void zone_env_set(char ***env, const char *kv);
/* Exit status of a child: its code, 128+N for signal N. */
int zone_wait_child(pid_t pid);
/* runc's --pid-file, written to a temp name and renamed. */
int oci_write_pid_file(const char *id, const char *path, pid_t pid, struct zerr *err);
/* runc's --console-socket: the pty master, sent over the socket
 * (zone/console.c). */
int zone_console_send(const char *path, int master, struct zerr *err);
/* create from a config document (takes text, malloc'd). */
int zone_create_text(struct zone_ctx *ctx, const char *name, const struct zone_create_opts *o,
		     char *text, size_t len, struct zerr *err);

/* The cgroups of a running (or ready) zone, repaired first if its
 * monitor is gone (usage.c); ESRCH if it does not run. *init may be NULL. */
int zone_cgroup_get(struct zone_ctx *ctx, const char *name, struct rctl_cgroup *cg, pid_t *init,
		    struct zerr *err);
/* A running zone's own disk (zone.disk, brand/disk.c): the pid of its
 * init, through whose root the disk is seen, or 0 when the zone has no
 * disk of its own or is not running; then the bytes used and the size. */
pid_t zone_disk_holder(const struct zone_ctx *ctx, const char *name);
int zone_disk_usage(pid_t holder, uint64_t *used, uint64_t *size);

/* The caller's terminal relays (ctx->term), or an error saying there is
 * none (login.c). */
int zone_relay_pty(const struct zone_ctx *ctx, int master, pid_t child, int *status,
		   struct zerr *err);
int zone_relay_console(const struct zone_ctx *ctx, int sock, struct zerr *err);

#endif
