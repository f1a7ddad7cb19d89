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
	char **net_made;       /* what the zone's NICs left on the host (net_plan) */
};

static inline void zone_config_cleanup(struct zone_config *c) { zone_config_free(c); }
#define cleanup_config __attribute__((cleanup(zone_config_cleanup)))

enum zone_op { ZOP_BOOT, ZOP_HALT, ZOP_REBOOT, ZOP_DELETE, ZOP_LOGIN, ZOP_CONSOLE, ZOP_SET, ZOP_NET };

/* The zone's network (runtime/net.c): the plan recorded in st, made for
 * init (pid) in its namespace and cgroup, and undone. */
int zone_net_plan(const struct zone_ctx *ctx, const char *name, const struct zone_config *cfg,
		  struct zone_status *st, struct zerr *err);
int zone_net_setup(const struct zone_ctx *ctx, const char *name, const struct zone_config *cfg,
		   const struct zone_status *st, pid_t pid, struct zerr *err);
void zone_net_teardown(const struct zone_ctx *ctx, struct zone_status *st);
/* The NIC view of `zonectl net`. */
void zone_net_describe(const struct zone_ctx *ctx, const char *name, const struct zone_config *cfg,
		       struct net_zone *z);
/* config_net.c: `create --net` into the document; one address, one zone. */
int zone_net_rewrite(const char *name, char *const *specs, char **text, size_t *len,
		     struct zerr *err);
int zone_net_check_unique(const struct zone_ctx *ctx, const char *name,
			  const struct zone_config *cfg, struct zerr *err);

/* Paths (malloc'd). */
char *zone_dir(const struct zone_ctx *ctx, const char *name);
char *zone_run_dir(const struct zone_ctx *ctx, const char *name);
char *zone_run_file(const struct zone_ctx *ctx, const char *name, const char *file);
bool zone_exists(const struct zone_ctx *ctx, const char *name);
/* A valid name of an existing zone, or an error saying which it is not. */
int zone_check_name(const struct zone_ctx *ctx, const char *name, struct zerr *err);

/* The zone's lock (flock on /run/zonectl/.locks/NAME). Returns the fd. */
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

/* Templates (template.c): LIB/templates/NAME, whose root/ is the lower
 * layer of whole zones. The lock orders publish, delete and the install
 * of a zone naming a template (shared). */
char *zone_template_dir(const struct zone_ctx *ctx, const char *name);
bool zone_template_exists(const struct zone_ctx *ctx, const char *name);
int zone_template_lock(const struct zone_ctx *ctx, bool exclusive, struct zerr *err);
/* The first Debian mirror of the machine's apt sources (malloc'd). */
int zone_apt_mirror(char **out, struct zerr *err);
/* A whole zone's overlay: lower = the template's root, upper and work =
 * the zone's own (brand.c). Fails naming the zone and its template if the
 * template is gone. */
int brand_overlay(const struct zone_ctx *ctx, const char *name, const struct zone_config *cfg,
		  char **lower, char **upper, char **work, struct zerr *err);

/* A sealed memfd holding our embedded init. */
int zinit_exec_fd(struct zerr *err);

/* The monitor: forks, builds the zone, reports through a pipe, stays to
 * watch init. Returns in the caller once the zone runs or failed. */
int monitor_start(const struct zone_ctx *ctx, const char *name,
		  struct zone_config *cfg, int lockfd, struct zerr *err);
/* The same for a job (zonectl run): init gets our stdio; *report_fd is
 * the pipe the monitor writes "EXIT <status>" to once the zone is halted
 * (and deleted, if ephemeral), and whose closing ends the job. */
int monitor_start_job(const struct zone_ctx *ctx, const char *name, struct zone_config *cfg,
		      int lockfd, int *report_fd, pid_t *monitor, struct zerr *err);
/* Boots name as a job (ops.c): zone_boot through monitor_start_job. */
int zone_boot_job(struct zone_ctx *ctx, const char *name, int *report_fd, pid_t *monitor,
		  struct zerr *err);

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

/* Changes to a config document (config_edit.c), made by rewriting it:
 * zone.template (which makes the brand whole), zone.ephemeral, and a
 * job's process.args, env (K=V replaces K), cwd and extra mounts. */
struct config_edit {
	const char *template_name;
	bool ephemeral;
	char *const *args;
	char *const *env;
	const char *cwd;
	const struct iso_mount *mounts;
	size_t n_mounts;
};
int zone_config_edit(const char *name, char **text, size_t *len, const struct config_edit *e,
		     struct zerr *err);
/* Parses a config document that must be an object, for rewriting it. */
struct jv;
int zone_config_doc(const char *name, const char *text, size_t len, struct jv **doc,
		    struct zerr *err);
/* create from a config document (takes text, malloc'd). */
int zone_create_text(struct zone_ctx *ctx, const char *name, const struct zone_create_opts *o,
		     char *text, size_t len, struct zerr *err);

/* Terminal relays (runtime/relay.c). */
int relay_pty(int master, pid_t child, int *status);
int relay_console(int sock);

#endif
