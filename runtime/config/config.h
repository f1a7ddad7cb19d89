/* config.h - a zone's configuration, parsed (runtime/config/): the OCI
 * runtime-spec document plus the top-level "zone" object, in the types of
 * the layers that carry it out; the "create --set/--net/--kvm" keys and
 * the edits that rewrite a document. runtime/'s own: the CLI sees only
 * the document's text. */
#ifndef ZONECTL_CONFIG_H
#define ZONECTL_CONFIG_H

#include "isolate.h"
#include "json.h"
#include "netbind.h"
#include "rctl.h"
#include "zone.h"

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
	ZH_PRESTART,
	ZH_CREATE_RUNTIME,
	ZH_CREATE_CONTAINER,
	ZH_START_CONTAINER,
	ZH_POSTSTART,
	ZH_POSTSTOP,
	ZH_KINDS,
};
struct zone_hook {
	char *path;  /* absolute, on the host (in the zone for createContainer, startContainer) */
	char **args; /* NULL-terminated; NULL = { path } */
	char **env;
	int timeout; /* seconds; 0 = none */
};

/* A parsed and validated config.json: the OCI runtime-spec document plus
 * the top-level "zone" object. */
struct zone_config {
	char *oci_version;
	char *root_path; /* as written: relative paths are relative to the zone's dir (bundle) */
	bool root_readonly;
	char *hostname; /* NULL = zone name */
	char *domainname;
	bool has_process;
	struct iso_process process;
	struct iso_mount *mounts;
	size_t n_mounts;
	int ns_flags;                 /* CLONE_NEW* to create */
	struct iso_ns_path *ns_paths; /* namespaces with a "path": join */
	size_t n_ns_paths;
	struct iso_idmap *uid_maps, *gid_maps; /* linux.uidMappings, gidMappings */
	size_t n_uid_maps, n_gid_maps;
	struct rctl_resources resources;
	struct iso_seccomp *seccomp; /* NULL = no linux.seccomp */
	struct iso_device *devices;  /* linux.devices */
	size_t n_devices;
	char **masked_paths; /* NULL-terminated, may be NULL */
	char **readonly_paths;
	char *rootfs_propagation;
	char *cgroups_path;
	struct zone_annotation *annotations;
	size_t n_annotations;
	/* the first property of the document that was skipped: unknown to
	 * us, or deprecated and ignored ("PATH: unknown key, ignored"), or
	 * NULL; the runtime spec says a runtime must not fail on those */
	char *ignored;
	struct zone_hook *hooks[ZH_KINDS];
	size_t n_hooks[ZH_KINDS];
	char **sysctl; /* NULL-terminated "key=value", checked against the namespaces */

	/* "zone": { ... } */
	enum zone_brand brand;
	bool autoboot;
	enum zone_init init;
	char *init_path;      /* with ZONE_INIT_PATH */
	struct net_nic *nics; /* "net": the zone's NICs */
	size_t n_nics;
	enum zone_procfs procfs;
	char *bundle;        /* zone.bundle: the OCI bundle it was created from */
	char *template_name; /* "template": a whole zone's template */
	bool ephemeral;      /* deleted by its monitor once it halts (run --rm) */
	bool has_kvm;
	struct zone_kvm kvm; /* zone.kvm: brand kvm's guest */
	uint64_t disk;       /* zone.disk: bytes of the zone's own filesystem, 0 = none */
};

/* The smallest zone.disk: an ext4 with its journal and room to write. */
#define ZONE_DISK_MIN (16ULL << 20)

/* Parses and validates a config document. `name` is the zone's name, used
 * in every message: "zone web1: config: linux.resources.memory.limit:
 * expected an integer". Unknown keys under "zone", wrong types and
 * impossible values are errors; OCI fields the runtime cannot honour are
 * errors naming the field. */
int zone_config_parse(const char *name, const char *text, size_t len, struct zone_config *cfg,
		      struct zerr *err);
int zone_config_load(const char *name, const char *path, struct zone_config *cfg, struct zerr *err);
/* The default document for `zonectl create NAME` (pretty-printed JSON,
 * malloc'd): sparse brand, builtin init, hostname NAME, the standard
 * namespaces and mounts, the default capabilities, seccomp profile,
 * masked and read-only paths, no_new_privs. */
char *zone_config_default(const char *name, enum zone_brand brand);
void zone_config_free(struct zone_config *cfg);
/* An OCI process object on its own (runc exec --process FILE). */
int zone_process_parse(const char *name, const char *text, size_t len, struct iso_process *proc,
		       struct zerr *err);
/* An OCI linux.resources object on its own (runc update -r FILE). */
int zone_resources_parse(const char *name, const char *text, size_t len, struct rctl_resources *res,
			 struct zerr *err);

const char *zone_accel_name(enum zone_accel a);
static inline void zone_config_cleanup(struct zone_config *c)
{
	zone_config_free(c);
}
#define cleanup_config __attribute__((cleanup(zone_config_cleanup)))

/* ---- rewriting a document (create --set/--net/--kvm, set, run) -------- */

/* Resource controls given as zonecfg-style keys (keys.c). */
enum { ZK_CPU = 1, ZK_CPUSET = 2, ZK_MEMORY = 4, ZK_PIDS = 8, ZK_IO = 16 };
struct zone_keys {
	struct rctl_resources res; /* as given: mem_swap is the swap alone */
	unsigned groups;           /* RK_* touched */
	bool has_disk;             /* disk=SIZE: zone.disk, not linux.resources */
	uint64_t disk;
	bool has_autoboot; /* autoboot=true|false: zone.autoboot */
	bool autoboot;
};
/* Adds "key=value[,key=value...]" to k; errors read "zone NAME: VERB:
 * cpu-cap=0: must be at least 1 (percent of one CPU)". */
int zone_keys_parse(const char *name, const char *verb, const char *spec, struct zone_keys *k,
		    struct zerr *err);
/* Rewrites a config document with k's values in linux.resources, keeping
 * everything else. *out is malloc'd. */
int zone_keys_merge(const char *name, const char *verb, const char *text, size_t len,
		    const struct zone_keys *k, char **out, size_t *out_len, struct zerr *err);
void zone_keys_free(struct zone_keys *k);
/* Parses every spec into k and, if any, rewrites *text (malloc'd). */
int zone_keys_rewrite(const char *name, const char *verb, char *const *specs, char **text,
		      size_t *len, struct zone_keys *k, struct zerr *err);
/* config_net.c: `create --net` into the document; one address, one zone. */
int zone_net_rewrite(const char *name, char *const *specs, char **text, size_t *len,
		     struct zerr *err);
/* An address of mine that other's config names too: the error saying so. */
int zone_net_conflict(const struct zone_config *mine, const struct zone_config *other,
		      const char *me, const char *them, struct zerr *err);
/* config_kvm.c: `create --kvm` into the document's zone.kvm. */
int zone_kvm_rewrite(const char *name, const char *spec, char **text, size_t *len,
		     struct zerr *err);
/* Changes to a config document (config_edit.c), made by rewriting it:
 * zone.template (which makes the brand whole), zone.ephemeral, and a
 * job's process.args, env (K=V replaces K), cwd and extra mounts. */
struct config_edit {
	const char *template_name;
	const char *init; /* zone.init */
	bool cgroup_rw;   /* the "cgroup" mounts lose "ro" */
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

#endif
