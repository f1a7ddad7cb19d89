/* zone.h - the zone object: configuration, state machine, state store and
 * the operations the CLI calls. */
#ifndef ZONECTL_ZONE_H
#define ZONECTL_ZONE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "isolate.h"
#include "netbind.h"
#include "rctl.h"
#include "zutil.h"

#define ZONE_NAME_MAX 64

/* ---- configuration (runtime/config.c) -------------------------------- */

enum zone_brand { ZONE_BRAND_SPARSE, ZONE_BRAND_WHOLE, ZONE_BRAND_OCI, ZONE_BRAND_KVM };

/* What runs as the zone's PID 1. */
enum zone_init {
	ZONE_INIT_BUILTIN, /* our tiny init; process.args (if any) is its first child */
	ZONE_INIT_NONE,    /* process.args is PID 1, as runc and crun do */
	ZONE_INIT_PATH,    /* the program at zone.init (inside the zone) is PID 1 */
};

/* What the zone's /proc/meminfo, cpuinfo ..., sysinfo(2) and nproc show. */
enum zone_procfs {
	ZONE_PROCFS_ZONE, /* its own machine: its caps, its usage, its uptime (procfs-filter) */
	ZONE_PROCFS_HOST, /* the host's, unfiltered */
};

/* How a kvm zone's qemu runs its guest. */
enum zone_accel {
	ZONE_ACCEL_AUTO, /* KVM where /dev/kvm runs guests in hardware, else TCG */
	ZONE_ACCEL_KVM,  /* KVM even where it is only an emulator (kvm_pvm) */
	ZONE_ACCEL_TCG,  /* qemu's software emulation */
};

/* "zone": {"kvm": {...}}: the guest of a kvm zone. Paths are the host's;
 * each is bind-mounted read-only into the zone at boot. */
struct zone_kvm {
	char *kernel, *initrd, *disk; /* initrd and disk may be NULL */
	char *cmdline;                /* appended after console=ttyS0; may be NULL */
	uint64_t mem;                 /* guest RAM, bytes */
	unsigned vcpus;
	enum zone_accel accel;
};

struct zone_annotation {
	char *key, *value;
};

/* OCI hooks, in the order the spec runs them. */
enum zone_hook_kind {
	ZH_PRESTART, ZH_CREATE_RUNTIME, ZH_CREATE_CONTAINER, ZH_START_CONTAINER,
	ZH_POSTSTART, ZH_POSTSTOP, ZH_KINDS,
};
struct zone_hook {
	char *path;     /* absolute, on the host (in the zone for createContainer, startContainer) */
	char **args;    /* NULL-terminated; NULL = { path } */
	char **env;
	int timeout;    /* seconds; 0 = none */
};

/* A parsed and validated config.json: the OCI runtime-spec document plus
 * the top-level "zone" object. */
struct zone_config {
	char *oci_version;
	char *root_path;          /* as written: relative paths are relative to the zone's dir (bundle) */
	bool root_readonly;
	char *hostname;           /* NULL = zone name */
	char *domainname;
	bool has_process;
	struct iso_process process;
	struct iso_mount *mounts;
	size_t n_mounts;
	int ns_flags;             /* CLONE_NEW* to create */
	struct iso_ns_path *ns_paths; /* namespaces with a "path": join */
	size_t n_ns_paths;
	struct iso_idmap *uid_maps, *gid_maps; /* linux.uidMappings, gidMappings */
	size_t n_uid_maps, n_gid_maps;
	struct rctl_resources resources;
	struct iso_seccomp *seccomp;  /* NULL = no linux.seccomp */
	struct iso_device *devices;   /* linux.devices */
	size_t n_devices;
	char **masked_paths;      /* NULL-terminated, may be NULL */
	char **readonly_paths;
	char *rootfs_propagation;
	char *cgroups_path;
	struct zone_annotation *annotations;
	size_t n_annotations;
	struct zone_hook *hooks[ZH_KINDS];
	size_t n_hooks[ZH_KINDS];
	char **sysctl;            /* NULL-terminated "key=value", checked against the namespaces */

	/* "zone": { ... } */
	enum zone_brand brand;
	bool autoboot;
	enum zone_init init;
	char *init_path;          /* with ZONE_INIT_PATH */
	struct net_nic *nics;     /* "net": the zone's NICs */
	size_t n_nics;
	enum zone_procfs procfs;
	char *bundle;             /* zone.bundle: the OCI bundle it was created from */
	char *template_name;      /* "template": a whole zone's template */
	bool ephemeral;           /* deleted by its monitor once it halts (run --rm) */
	bool has_kvm;
	struct zone_kvm kvm;      /* zone.kvm: brand kvm's guest */
	uint64_t disk;            /* zone.disk: bytes of the zone's own filesystem, 0 = none */
};

/* The smallest zone.disk: an ext4 with its journal and room to write. */
#define ZONE_DISK_MIN (16ULL << 20)

/* Parses and validates a config document. `name` is the zone's name, used
 * in every message: "zone web1: config: linux.resources.memory.limit:
 * expected an integer". Unknown keys under "zone", wrong types and
 * impossible values are errors; OCI fields the runtime cannot honour are
 * errors naming the field. */
int zone_config_parse(const char *name, const char *text, size_t len,
		      struct zone_config *cfg, struct zerr *err);
int zone_config_load(const char *name, const char *path,
		     struct zone_config *cfg, struct zerr *err);
/* The default document for `zonectl create NAME` (pretty-printed JSON,
 * malloc'd): sparse brand, builtin init, hostname NAME, the standard
 * namespaces and mounts, the default capabilities, seccomp profile,
 * masked and read-only paths, no_new_privs. */
char *zone_config_default(const char *name, enum zone_brand brand);
void zone_config_free(struct zone_config *cfg);
/* An OCI process object on its own (runc exec --process FILE). */
int zone_process_parse(const char *name, const char *text, size_t len,
		       struct iso_process *proc, struct zerr *err);
/* An OCI linux.resources object on its own (runc update -r FILE). */
int zone_resources_parse(const char *name, const char *text, size_t len,
			 struct rctl_resources *res, struct zerr *err);

const char *zone_brand_name(enum zone_brand b);
const char *zone_accel_name(enum zone_accel a);
int zone_brand_from_name(const char *s, enum zone_brand *out);

/* Valid zone names: 1..64 bytes of [A-Za-z0-9_.-], starting with an
 * alphanumeric; never "." or "..". Returns 0 or fills err. */
int zone_name_check(const char *name, struct zerr *err);

/* ---- zones (runtime/) -------------------------------------------------- */

/* illumos zone states; see the transition table in runtime/state.c. */
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

struct zone_ctx {
	char *lib_dir;        /* /var/lib/zonectl, or $ROOT */
	char *run_dir;        /* /run/zonectl, or $ROOT/run */
	char *cgroup_parent;  /* NULL = the cgroup zonectl runs in (or lib/cgroup-parent) */
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
	pid_t init_pid;        /* 0 when not running */
	pid_t monitor_pid;
	uint64_t booted_at_ns; /* wall clock */
	char *zone_dir;
};

struct zone_create_opts {
	const char *config_path;   /* NULL = the default document */
	enum zone_brand brand;
	bool brand_set;
	const char *template_name; /* --template: zone.template of a whole zone */
	char *const *set;          /* NULL-terminated "key=value,..." (--set), may be NULL */
	char *const *net;          /* NULL-terminated NIC specs (--net), may be NULL */
	const char *kvm;           /* --kvm kernel=PATH,...: the guest of a kvm zone */
};

int zone_create(struct zone_ctx *ctx, const char *name,
		const struct zone_create_opts *o, struct zerr *err);
/* Returns once init runs (state running), or fails leaving the zone
 * installed and nothing of the attempt behind. */
int zone_boot(struct zone_ctx *ctx, const char *name, struct zerr *err);
/* Orderly: SIGTERM to init, which ends the zone's processes; after
 * timeout_s everything in the zone's cgroup is killed. */
int zone_halt(struct zone_ctx *ctx, const char *name, int timeout_s,
	      struct zerr *err);
int zone_reboot(struct zone_ctx *ctx, const char *name, int timeout_s,
		struct zerr *err);
int zone_delete(struct zone_ctx *ctx, const char *name, bool force,
		struct zerr *err);
int zone_info_get(struct zone_ctx *ctx, const char *name,
		  struct zone_info *info, struct zerr *err);
/* Removes what killed creates and deletes left: scratch directories and
 * locks of zones that are gone, each under its zone's lock (so never call
 * it holding one). `zonectl list` does. */
void zone_sweep(struct zone_ctx *ctx);
/* All zones, sorted by name. */
int zone_list(struct zone_ctx *ctx, struct zone_info **out, size_t *n,
	      struct zerr *err);
void zone_info_free(struct zone_info *info);
/* The stored config.json, as text. */
int zone_config_text(struct zone_ctx *ctx, const char *name, char **text,
		     struct zerr *err);

/* Resource controls in zonecfg/SmartOS terms: each element of keys is
 * "key=value[,key=value...]" (cpu-shares, cpu-cap, cpu-burst, cpuset,
 * memory, swap, memory-reservation, processes, io-weight). On a running
 * zone the values are applied to its cgroups first and stored in
 * config.json only if the kernel took them; otherwise just stored. */
int zone_set(struct zone_ctx *ctx, const char *name, char *const *keys,
	     struct zerr *err);
/* The zone's NICs as configured, with what the host sees of each
 * (counters only while the zone runs). */
struct zone_nic {
	struct net_nic nic;
	struct net_nic_info info;
};
int zone_net_get(struct zone_ctx *ctx, const char *name, struct zone_nic **nics,
		 size_t *n, struct zerr *err);

/* The cgroups of a running (or ready) zone, for reading its usage. */
/* A running zone's own disk (zone.disk): the pid of its init, through
 * whose root the disk is seen, or 0 when the zone has no disk of its own
 * or is not running; then the bytes used and the filesystem's size. */
pid_t zone_disk_holder(const struct zone_ctx *ctx, const char *name);
int zone_disk_usage(pid_t holder, uint64_t *used, uint64_t *size);
int zone_cgroup_get(struct zone_ctx *ctx, const char *name,
		    struct rctl_cgroup *cg, struct zerr *err);

struct zone_login_opts {
	char **argv;      /* NULL = the zone's login shell */
	bool tty;         /* a new pty inside the zone, relayed to our terminal */
	char **env;       /* extra VAR=value, NULL-terminated */
	const char *cwd;  /* NULL = process.cwd, or /root for a shell */
};
/* Runs a process in the zone; *status is its exit status (128+N when
 * killed by signal N). */
int zone_login(struct zone_ctx *ctx, const char *name,
	       const struct zone_login_opts *o, int *status, struct zerr *err);
/* Attaches the terminal to the zone's console until "~." or EOF. */
int zone_console(struct zone_ctx *ctx, const char *name, struct zerr *err);

/* ---- the OCI runtime verbs (runtime/oci*.c) ------------------------------
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
int oci_run(struct zone_ctx *ctx, const char *id, const struct oci_create_opts *o,
	    bool detach, int *status, struct zerr *err);
/* The OCI state document (malloc'd JSON). */
int oci_state(struct zone_ctx *ctx, const char *id, char **json, struct zerr *err);
int oci_kill(struct zone_ctx *ctx, const char *id, int sig, bool all, struct zerr *err);
/* A created or stopped container; a running one only with force. With
 * force, a container that does not exist is not an error (runc). */
int oci_delete(struct zone_ctx *ctx, const char *id, bool force, struct zerr *err);
int oci_pause(struct zone_ctx *ctx, const char *id, bool pause, struct zerr *err);
int oci_pids(struct zone_ctx *ctx, const char *id, pid_t **pids, size_t *n,
	     struct zerr *err);
/* Applies a linux.resources object to the running container, then keeps
 * it in the zone's config. */
int oci_update(struct zone_ctx *ctx, const char *id, const char *resources, size_t len,
	       struct zerr *err);

struct oci_info {
	char id[ZONE_NAME_MAX + 1];
	const char *status;  /* static */
	pid_t pid;           /* 0 when stopped */
	char *bundle, *created;
};
int oci_list(struct zone_ctx *ctx, struct oci_info **out, size_t *n, struct zerr *err);
void oci_list_free(struct oci_info *l, size_t n);

struct oci_exec_opts {
	const char *process_file;   /* an OCI process object; or: */
	char **argv;                /* the container's process with these args */
	const char *cwd;
	char **env;                 /* VAR=value, added or replaced */
	bool has_user;
	uid_t uid;
	gid_t gid;
	gid_t *groups;              /* --additional-gids: replace the process's */
	size_t n_groups;
	char **caps;                /* added to the bounding, effective, permitted sets */
	bool no_new_privs;
	bool tty, detach;
	const char *pid_file;
	const char *console_socket; /* with tty: the pty master goes here */
};
/* Runs a process in the container. Detached, returns once it has exec'd
 * (its parent is then our subreaper); else *status is its exit status. */
int oci_exec(struct zone_ctx *ctx, const char *id, const struct oci_exec_opts *o,
	     int *status, struct zerr *err);

/* The config.json `spec` writes (runc's defaults, with this runtime's
 * capability set and seccomp profile); malloc'd. */
char *oci_spec_default(void);
/* What `features` prints (runtime-spec features document); malloc'd. */
char *oci_features(void);
/* ---- templates (runtime/template.c) ------------------------------------ */

struct zone_template_opts {
	const char *from;        /* a directory or a tarball */
	const char *debootstrap; /* or a Debian suite, from the apt sources' mirror */
	const char *include;     /* debootstrap --include (comma-separated) */
};
struct zone_template_info {
	char name[ZONE_NAME_MAX + 1];
	char *source;      /* the directory or tarball, or "debootstrap:SUITE" */
	int64_t created;   /* unix seconds */
	uint64_t size;     /* bytes on disk */
	char **zones;      /* NULL-terminated: the whole zones cloned from it, may be NULL */
};
/* Builds LIB/templates/NAME in a scratch directory and renames it into
 * place: it appears whole or not at all. */
int zone_template_create(struct zone_ctx *ctx, const char *name,
			 const struct zone_template_opts *o, struct zerr *err);
/* Refused (EBUSY, naming them) while zones use it. */
int zone_template_delete(struct zone_ctx *ctx, const char *name, struct zerr *err);
int zone_template_list(struct zone_ctx *ctx, struct zone_template_info **out, size_t *n,
		       struct zerr *err);
void zone_template_info_free(struct zone_template_info *t);

/* ---- one command in a throw-away zone (runtime/run.c) ------------------ */

struct zone_run_opts {
	const char *name;          /* NULL = run-<random hex> */
	bool rm;                   /* delete the zone when the command ends */
	enum zone_brand brand;     /* sparse, or whole with template_name */
	const char *template_name;
	char *const *binds;        /* SRC:DST[:ro], NULL-terminated, may be NULL */
	char *const *tmpfs;        /* DST */
	char *const *env;          /* K=V */
	const char *workdir;       /* NULL = / */
	char *const *set;          /* resource keys, as create --set */
	char *const *net;          /* NIC specs, as create --net */
	char *const *argv;         /* the command */
};
/* Creates, boots and runs argv as the zone's one job with our stdin,
 * stdout and stderr; returns when the zone has halted (and, with rm, is
 * gone) with *status the job's exit status (128+N if killed by signal N).
 * SIGINT, SIGTERM and SIGHUP to the caller end the job in order; if the
 * caller dies, the zone's monitor halts (and deletes) the zone itself. */
int zone_run(struct zone_ctx *ctx, const struct zone_run_opts *o, int *status,
	     struct zerr *err);

/* ---- a CI job's zone across the stages of a driver (runtime/job.c) ---- */

/* Creates (whole from template_name, or sparse if NULL) and boots it. */
int zone_job_prepare(struct zone_ctx *ctx, const char *name, const char *template_name,
		     struct zerr *err);
/* Runs the script file in the zone (as a shell's stdin, our stdout and
 * stderr) and records its status in the zone's run directory
 * (job-status). SIGTERM/SIGINT halt the zone: its processes get SIGTERM,
 * then SIGKILL after grace seconds. Fails (and *status means nothing)
 * only when the zone could not run the script. */
int zone_job_script(struct zone_ctx *ctx, const char *name, const char *script, int grace,
		    int *status, struct zerr *err);

#endif
