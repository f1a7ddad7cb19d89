/* config_userns.c - a user namespace in config.json: linux.uidMappings
 * and gidMappings, and what must hold for the namespace to be made (both
 * maps, a new namespace rather than one joined by path, brand oci). The
 * maps are written by the monitor before init goes on (isolate/spawn.c). */
#include <errno.h>
#include <sched.h>
#include <stdint.h>

#include "config_int.h"

static const struct jfield map_fields[] = {
	JF_INT("containerID", struct iso_idmap, container, 0, UINT32_MAX, JF_REQUIRED),
	JF_INT("hostID", struct iso_idmap, host, 0, UINT32_MAX, JF_REQUIRED),
	JF_INT("size", struct iso_idmap, size, 1, UINT32_MAX, JF_REQUIRED),
	{NULL, NULL, 0},
};

struct map_list {
	struct iso_idmap *m;
	size_t n;
};

static bool overlap(uint32_t a, uint32_t as, uint32_t b, uint32_t bs)
{
	return (uint64_t)a < (uint64_t)b + bs && (uint64_t)b < (uint64_t)a + as;
}

static int parse_map(const struct jv *v, size_t i, struct jpath *p, void *ctx, struct zerr *err)
{
	struct map_list *l = ctx;
	struct iso_idmap *m = &l->m[i];
	int r = jv_walk(v, p, map_fields, m, err);
	if (r < 0)
		return r;
	l->n = i + 1;
	if ((uint64_t)m->container + m->size > 1ULL << 32 ||
	    (uint64_t)m->host + m->size > 1ULL << 32)
		return zerr_setx(err, EINVAL, "%s: the range passes 4294967295", p->buf);
	/* the kernel refuses overlaps with EPERM at boot: say it now */
	for (size_t k = 0; k < i; k++)
		if (overlap(m->container, m->size, l->m[k].container, l->m[k].size) ||
		    overlap(m->host, m->size, l->m[k].host, l->m[k].size))
			return zerr_setx(err, EINVAL, "%s: overlaps entry %zu", p->buf, k);
	return 0;
}

static int parse_maps(const struct jv *v, struct jpath *p, struct iso_idmap **out, size_t *n,
		      struct zerr *err)
{
	int r = jv_expect(v, jpath_str(p), JV_ARRAY, err);
	if (r < 0)
		return r;
	if (jv_len(v) > ISO_IDMAP_MAX)
		return zerr_setx(err, EINVAL, "%s: at most %d entries", p->buf, ISO_IDMAP_MAX);
	struct map_list l = {xcalloc(jv_len(v) + 1, sizeof(struct iso_idmap)), 0};
	free(*out);
	*out = l.m;
	r = jv_each(v, p, parse_map, &l, err);
	*n = l.n;
	return r;
}

int zone_cfg_parse_uid_maps(const struct jv *v, struct jpath *p, void *ctx, struct zerr *err)
{
	struct zone_config *cfg = ctx;
	return parse_maps(v, p, &cfg->uid_maps, &cfg->n_uid_maps, err);
}

int zone_cfg_parse_gid_maps(const struct jv *v, struct jpath *p, void *ctx, struct zerr *err)
{
	struct zone_config *cfg = ctx;
	return parse_maps(v, p, &cfg->gid_maps, &cfg->n_gid_maps, err);
}

/* A user namespace needs both maps (without, its processes would be
 * nobody), maps need the namespace, and a namespace given by path from
 * outside the new user namespace is joined by the parent before the
 * clone (isolate/spawn.c): only those it can join so. */
int zone_cfg_check_userns(struct zone_config *cfg, struct zerr *err)
{
	bool userns = cfg->ns_flags & CLONE_NEWUSER;
	if (!userns && (cfg->n_uid_maps || cfg->n_gid_maps))
		return zerr_setx(err, EINVAL,
				 "linux.%s: needs a user namespace in linux.namespaces",
				 cfg->n_uid_maps ? "uidMappings" : "gidMappings");
	if (!userns)
		return 0;
	if (!cfg->n_uid_maps || !cfg->n_gid_maps)
		return zerr_setx(err, EINVAL, "linux.%s: required with a user namespace",
				 !cfg->n_uid_maps ? "uidMappings" : "gidMappings");
	for (size_t i = 0; i < cfg->n_ns_paths; i++)
		if (cfg->ns_paths[i].type == CLONE_NEWNS ||
		    cfg->ns_paths[i].type == CLONE_NEWCGROUP)
			return zerr_setx(err, EINVAL,
					 "linux.namespaces: a %s namespace given by path "
					 "cannot be joined from a new user namespace",
					 cfg->ns_paths[i].type == CLONE_NEWNS ? "mount" : "cgroup");
	if (cfg->brand != ZONE_BRAND_OCI)
		return zerr_setx(err, EINVAL,
				 "linux.namespaces: a user namespace needs zone.brand "
				 "\"oci\" (a %s zone's files belong to the host's root)",
				 zone_brand_name(cfg->brand));
	return 0;
}
