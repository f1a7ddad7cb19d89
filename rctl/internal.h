/* internal.h - what the files of rctl/ share and nobody else sees. */
#ifndef ZONECTL_RCTL_INTERNAL_H
#define ZONECTL_RCTL_INTERNAL_H

#include "rctl.h"

/* How a hierarchy is driven. Everything is derived from the four fields of
 * struct rctl_hier, because the runtime stores exactly those in state.json
 * and rebuilds the struct from there after a crash. */
enum rctl_kind {
	RCTL_V1,       /* v1 with controllers: through libcgroup */
	RCTL_V1_NAMED, /* v1 without controllers (name=systemd): direct */
	RCTL_V2,       /* cgroup2: direct */
};

enum rctl_kind rctl_kind(const struct rctl_hier *h);
/* "cgroup memory", "cgroup name=systemd", "cgroup2": how messages name a
 * hierarchy (valid until the next call). */
const char *rctl_label(const struct rctl_hier *h);
/* True if the comma-separated controller list of h holds ctl. */
bool rctl_has_ctl(const struct rctl_hier *h, const char *ctl);
/* "<parent>/zonectl/<zone>" and "<parent>/zonectl", relative to the mount
 * and without a leading slash (the form libcgroup wants). */
char *rctl_rel_leaf(const struct rctl_cgroup *cg, size_t i);
char *rctl_rel_top(const struct rctl_cgroup *cg, size_t i);
/* Absolute directory of a path relative to the mount of h. */
char *rctl_abs(const struct rctl_hier *h, const char *rel);

/* An ordered list of control-file writes for one cgroup. */
struct rctl_kv {
	char *file;
	char *value;
};
struct rctl_kvs {
	struct rctl_kv *v;
	size_t n;
};
void rctl_kvs_add(struct rctl_kvs *k, const char *file, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void rctl_kvs_free(struct rctl_kvs *k);

/* mkdir of zonectl/ (EEXIST is fine) and the leaf; the path above them is
 * only walked when it is missing (an override parent). */
int rctl_mkdir_leaf(const struct rctl_hier *h, const char *top, const char *leaf, struct zerr *err);

/* Small direct file operations on a cgroup directory. Errors name the
 * hierarchy, the file and, for writes, the value:
 * "cgroup memory: memory.limit_in_bytes = 1000: Device or resource busy". */
int rctl_write(const struct rctl_hier *h, const char *dir, const char *file, const char *value,
	       struct zerr *err);
int rctl_read(const struct rctl_hier *h, const char *dir, const char *file, char **out,
	      struct zerr *err);
bool rctl_file_exists(const char *dir, const char *file);
/* Parses a cgroup.procs file; a missing directory reads as empty. */
int rctl_read_pids(const struct rctl_hier *h, const char *dir, pid_t **pids, size_t *n,
		   struct zerr *err);

/* cgroup_v1.c: libcgroup for v1 controller hierarchies (RCTL_V1 only). */
int rctl_v1_mkdir(const struct rctl_hier *h, const char *rel, struct zerr *err);
/* Writes the list in order; on failure names the file that failed. */
int rctl_v1_write_kvs(const struct rctl_hier *h, const char *rel, const struct rctl_kvs *kvs,
		      struct zerr *err);
/* A new v1 cpuset cgroup starts with empty cpus and mems, and nothing can
 * join it until they are set: copy them down from the nearest ancestor. */
int rctl_v1_cpuset_inherit(const struct rctl_hier *h, const char *dir, struct zerr *err);
/* devices.deny "a", then the rules in order (the caller appends the
 * defaults). */
int rctl_v1_devices(const struct rctl_hier *h, const char *dir, const struct rctl_device *d,
		    size_t n, struct zerr *err);

/* place_v2.c: the parent of zonectl/NAME on a cgroup v2 host (the
 * hierarchy at index i), `override` from --cgroup-parent; sets the plan's
 * own_parent and delegated. */
int rctl_place_v2(struct rctl_cgroup *cg, size_t i, const char *override, bool delegated,
		  struct zerr *err);
/* True for the root of the whole cgroup2 hierarchy (not a namespace's). */
bool rctl_v2_is_root(const char *dir);
/* resources.c: the v2 weights of shares [2, 262144] and of a blkio
 * weight [10, 1000], both onto [1, 10000] (systemd's CPUWeight and
 * IOWeight take the same). */
uint64_t rctl_cpu_weight(uint64_t shares);
unsigned rctl_io_weight(unsigned blkio);

/* cgroup_v2.c: cgroup2 on a host where it carries controllers. */
/* Controllers of cgroup2 that the zone needs and no v1 hierarchy holds
 * ("cpu memory pids io cpuset" on a v2-only host, nothing on this
 * machine's hybrid layout); a NULL-terminated vector, never NULL. */
char **rctl_v2_wanted(const struct rctl_cgroup *cg);
/* Makes <parent>/zonectl/<zone> with `want` enabled down to the leaf. */
int rctl_v2_make(const struct rctl_cgroup *cg, size_t i, char *const *want, struct zerr *err);
/* A cgroupsPath's missing parents, made one level at a time, each
 * passing the wanted controllers on (the existing ancestor too, where
 * one is missing). */
int rctl_v2_make_parents(const struct rctl_cgroup *cg, size_t i, char *const *want,
			 struct zerr *err);
/* The leaf of a delegated parent where zonectl's own processes live. */
#define RCTL_MONITOR_LEAF "zonectl.monitor"
/* The child of a zone's leaf its processes live in when cg->payload
 * (systemd-nspawn's name for the same). */
#define RCTL_PAYLOAD "payload"
/* Removes that leaf once no monitor is left in it (0, or -errno). */
int rctl_v2_tidy(const struct rctl_cgroup *cg, size_t i);

/* devices_bpf.c: the device allow-list as a BPF_CGROUP_DEVICE program
 * attached to the cgroup2 directory dirfd (replacing ours from before). */
int rctl_bpf_devices(int dirfd, const struct rctl_device *d, size_t n, struct zerr *err);
/* The program alone, loaded but not attached: a fd, for tests. */
int rctl_bpf_devices_load(const struct rctl_device *d, size_t n, struct zerr *err);

/* resources.c: everything linux.resources asks, in every hierarchy that
 * carries the controller. Devices only if `devices` (create always, a
 * live update only when the update names devices). */
int rctl_apply_resources(const struct rctl_cgroup *cg, const struct rctl_resources *res,
			 bool devices, struct zerr *err);

#endif
