/* zone.h - the zone object: configuration, state machine, state store and
 * the operations the CLI calls. */
#ifndef ZONECTL_ZONE_H
#define ZONECTL_ZONE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "isolate.h"
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

struct zone_annotation {
	char *key, *value;
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
	struct rctl_resources resources;
	struct iso_seccomp *seccomp;  /* NULL = no linux.seccomp */
	char **masked_paths;      /* NULL-terminated, may be NULL */
	char **readonly_paths;
	char *rootfs_propagation;
	char *cgroups_path;
	struct zone_annotation *annotations;
	size_t n_annotations;

	/* "zone": { ... } */
	enum zone_brand brand;
	bool autoboot;
	enum zone_init init;
	char *init_path;          /* with ZONE_INIT_PATH */
};

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

const char *zone_brand_name(enum zone_brand b);
int zone_brand_from_name(const char *s, enum zone_brand *out);

/* Valid zone names: 1..64 bytes of [A-Za-z0-9_.-], starting with an
 * alphanumeric; never "." or "..". Returns 0 or fills err. */
int zone_name_check(const char *name, struct zerr *err);

#endif
