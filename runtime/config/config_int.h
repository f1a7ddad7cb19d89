/* config_int.h - what the files of runtime/config/ share and nobody else
 * sees. Handlers follow jv_fn: (value, path, object being filled, err). */
#ifndef ZONECTL_CONFIG_INT_H
#define ZONECTL_CONFIG_INT_H

#include "config.h"

/* config_userns.c: linux.uidMappings/gidMappings, and that only an oci
 * zone has a user namespace. */
int zone_cfg_parse_uid_maps(const struct jv *v, struct jpath *p, void *ctx, struct zerr *err);
int zone_cfg_parse_gid_maps(const struct jv *v, struct jpath *p, void *ctx, struct zerr *err);
int zone_cfg_check_userns(struct zone_config *cfg, struct zerr *err);

/* For an OCI key this runtime cannot honour: fails with "PATH: not
 * supported" unless the value asks for nothing (null, false, "", [], {}
 * or an object of such), the way generators write "unset". */
int zone_cfg_unsupported(const struct jv *v, struct jpath *p, void *ctx, struct zerr *err);
/* A deprecated property that is safe to ignore (runc ignores it too):
 * noted in p, never an error. */
int zone_cfg_deprecated(const struct jv *v, struct jpath *p, void *ctx, struct zerr *err);
/* *dst = a copy of the string v. */
int zone_cfg_strdup(const struct jv *v, const struct jpath *p, char **dst, struct zerr *err);
/* The same, for a string that must be an absolute path. */
int zone_cfg_abspath(const struct jv *v, const struct jpath *p, char **dst, struct zerr *err);

/* A uid or gid: 0 .. 2^32-2 ((uid_t)-1 means "no change" to setuid()),
 * as a table entry or, for an array's elements, a call. */
#define JF_ID(key_, T, m, ...) JF_INT(key_, T, m, 0, UINT32_MAX - 1, __VA_ARGS__)
int zone_cfg_id(const struct jv *v, const struct jpath *p, uint32_t *dst, struct zerr *err);

/* The keys of "linux" (config_linux.c) and "zone" (config_zone.c), both
 * into the struct zone_config. */
extern const struct jfield zone_cfg_linux_fields[];
extern const struct jfield zone_cfg_zone_fields[];

/* "linux.seccomp" (config_seccomp.c): ctx is the struct zone_config. */
int zone_cfg_parse_seccomp(const struct jv *v, struct jpath *p, void *ctx, struct zerr *err);

/* "zone.net" (config_net.c), and the checks spanning NICs and namespaces. */
int zone_cfg_parse_net(const struct jv *v, struct jpath *p, void *ctx, struct zerr *err);
int zone_cfg_check_net(struct zone_config *cfg, struct zerr *err);
/* "zone.kvm" (config_kvm.c), and that no zone but a kvm one has a guest. */
int zone_cfg_parse_kvm(const struct jv *v, struct jpath *p, void *ctx, struct zerr *err);
int zone_cfg_check_kvm(const struct zone_config *cfg, struct zerr *err);
void zone_kvm_free(struct zone_kvm *k);
/* linux.sysctl: each key must belong to a namespace the zone has of its
 * own (net.* a network namespace, kernel.shm* and fs.mqueue.* an ipc
 * one ...): anything else would change the host. */
int zone_cfg_check_sysctl(const struct zone_config *cfg, struct zerr *err);

#endif
