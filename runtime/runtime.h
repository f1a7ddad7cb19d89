/* runtime.h - what the files of runtime/ share. */
#ifndef ZONECTL_RUNTIME_INTERNAL_H
#define ZONECTL_RUNTIME_INTERNAL_H

#include "zone.h"

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
};

static inline void zone_config_cleanup(struct zone_config *c) { zone_config_free(c); }
#define cleanup_config __attribute__((cleanup(zone_config_cleanup)))

enum zone_op {
	ZOP_BOOT, ZOP_HALT, ZOP_REBOOT, ZOP_DELETE, ZOP_LOGIN, ZOP_CONSOLE, ZOP_SET,
	ZOP_START, ZOP_KILL, ZOP_PAUSE, ZOP_EXEC, /* the OCI verbs */
};

/* Paths (malloc'd). */
char *zone_dir(const struct zone_ctx *ctx, const char *name);
char *zone_run_dir(const struct zone_ctx *ctx, const char *name);
char *zone_run_file(const struct zone_ctx *ctx, const char *name, const char *file);
bool zone_exists(const struct zone_ctx *ctx, const char *name);
/* A valid name of an existing zone, or an error saying which it is not. */
int zone_check_name(const struct zone_ctx *ctx, const char *name, struct zerr *err);

/* The zone's lock (flock on /run/zonectl/locks/NAME). Returns the fd. */
int zone_lock(const struct zone_ctx *ctx, const char *name, struct zerr *err);
/* Removes the lock file of a deleted zone; the fd stays locked. */
void zone_lock_remove(const struct zone_ctx *ctx, const char *name);

int zone_status_read(const struct zone_ctx *ctx, const char *name,
		     struct zone_status *st, struct zerr *err);
int zone_status_write(const struct zone_ctx *ctx, const char *name,
		      const struct zone_status *st, struct zerr *err);
/* Back to installed: removes the zone's run directory. */
void zone_status_clear(const struct zone_ctx *ctx, const char *name);
void zone_status_free(struct zone_status *st);
static inline void zone_status_cleanup(struct zone_status *s) { zone_status_free(s); }
#define cleanup_status __attribute__((cleanup(zone_status_cleanup)))
void zone_boot_id(char out[40]);

/* Under the lock: if the recorded monitor is gone, releases what the zone
 * held (processes, cgroups, console socket) and says so through
 * ctx->notice. Leaves st describing the repaired state. */
int zone_repair(const struct zone_ctx *ctx, const char *name,
		struct zone_status *st, struct zerr *err);
/* The transition table: may `op` act on a zone in state s? */
int zone_check_op(const char *name, enum zone_op op, enum zone_state s,
		  struct zerr *err);

/* Locks, repairs, reads the config and checks op. On success *lockfd is
 * held and st/cfg are filled. */
int zone_open(const struct zone_ctx *ctx, const char *name, enum zone_op op,
	      int *lockfd, struct zone_status *st, struct zone_config *cfg,
	      struct zerr *err);

/* A zone needs its own mount namespace (its root is built in it). */
int zone_check_runnable(const char *name, const struct zone_config *cfg, struct zerr *err);
/* Under the zone's lock: writes config.json (text) and the brand's root
 * into a new zone directory, which appears whole or not at all. */
int zone_install(const struct zone_ctx *ctx, const char *name, const char *text, size_t len,
		 const struct zone_config *cfg, struct zerr *err);

/* The brand's part of the zone's root at boot: mounts in front of the
 * config's (sparse: host /usr read-only, /etc overlay, /run tmpfs). */
int brand_mounts(const struct zone_ctx *ctx, const char *name,
		 const struct zone_config *cfg, struct iso_mount **mounts,
		 size_t *n, struct zerr *err);
/* Builds the root of a new zone in dir (create). */
int brand_install(const char *name, const char *dir,
		  const struct zone_config *cfg, struct zerr *err);
/* The zone's root directory on the host (root.path, relative to dir). */
char *zone_rootfs(const struct zone_ctx *ctx, const char *name,
		  const struct zone_config *cfg);

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
int monitor_start(const struct zone_ctx *ctx, const char *name,
		  struct zone_config *cfg, int lockfd,
		  const struct monitor_opts *oci, struct zerr *err);

/* Resource controls given as zonecfg-style keys (runtime/rctl_keys.c). */
enum { RK_CPU = 1, RK_CPUSET = 2, RK_MEMORY = 4, RK_PIDS = 8, RK_IO = 16 };
struct rctl_keys {
	struct rctl_resources res; /* as given: mem_swap is the swap alone */
	unsigned groups;           /* RK_* touched */
};
/* Adds "key=value[,key=value...]" to k; errors read "zone NAME: VERB:
 * cpu-cap=0: must be at least 1 (percent of one CPU)". */
int rctl_keys_parse(const char *name, const char *verb, const char *spec,
		    struct rctl_keys *k, struct zerr *err);
/* Rewrites a config document with k's values in linux.resources, keeping
 * everything else. *out is malloc'd. */
int rctl_keys_merge(const char *name, const char *verb, const char *text,
		    size_t len, const struct rctl_keys *k, char **out,
		    size_t *out_len, struct zerr *err);
void rctl_keys_free(struct rctl_keys *k);
/* Parses every spec into k and, if any, rewrites *text (malloc'd). */
int rctl_keys_rewrite(const char *name, const char *verb, char *const *specs,
		      char **text, size_t *len, struct rctl_keys *k,
		      struct zerr *err);

/* The OCI state document of a zone (runc state, a hook's stdin);
 * created (RFC 3339) may be NULL. */
char *oci_state_json(const char *id, const struct zone_config *cfg, const char *status,
		     pid_t pid, const char *created);
/* Runs the config's hooks of kind k with the state (status, pid) on their
 * stdin, in pid's mount namespace if in_zone. Fails at the first hook
 * that fails. */
int zone_hooks_run(const char *name, const struct zone_config *cfg, enum zone_hook_kind k,
		   const char *status, pid_t pid, bool in_zone, struct zerr *err);

/* Joining a running zone (runtime/login.c): j gets the zone's
 * namespaces, cgroups and seccomp filter (the one compiled at boot);
 * the caller sets argv, proc and the terminal, and frees cgroup_procs. */
void zone_join_prepare(const struct zone_ctx *ctx, const char *name,
		       const struct zone_config *cfg, const struct zone_status *st,
		       struct iso_join *j);
/* VAR=value replaces VAR in *env, or is added. */
void zone_env_set(char ***env, const char *kv);
/* Exit status of a child: its code, 128+N for signal N. */
int zone_wait_child(pid_t pid);
/* runc's --pid-file, written to a temp name and renamed. */
int oci_write_pid_file(const char *id, const char *path, pid_t pid, struct zerr *err);
/* runc's --console-socket: the pty master, sent over the socket. */
int oci_send_console(const char *path, int master, struct zerr *err);

/* Terminal relays (runtime/relay.c). */
int relay_pty(int master, pid_t child, int *status);
int relay_console(int sock);

#endif
