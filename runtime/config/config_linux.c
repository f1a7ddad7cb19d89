/* config_linux.c - the "linux" object of config.json: namespaces,
 * resources, masked and read-only paths, devices, sysctl (seccomp is in
 * config_seccomp.c). See config.c for how the walk works. */
#include <errno.h>
#include <inttypes.h>
#include <sched.h>
#include <string.h>

#include "config_int.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

/* ---- namespaces --------------------------------------------------------- */

static const struct {
	const char *name;
	int flag;
} ns_types[] = {
	{"pid", CLONE_NEWPID},       {"network", CLONE_NEWNET}, {"mount", CLONE_NEWNS},
	{"ipc", CLONE_NEWIPC},       {"uts", CLONE_NEWUTS},     {"user", CLONE_NEWUSER},
	{"cgroup", CLONE_NEWCGROUP}, {"time", CLONE_NEWTIME},
};

struct ns_entry {
	int type;
	const char *name;
	const char *path; /* borrowed from the tree */
};

static int ns_type(const struct jv *v, struct jpath *p, void *ctx, struct zerr *err)
{
	struct ns_entry *e = ctx;
	const char *s;
	int r = jv_string(v, jpath_str(p), &s, err);
	if (r < 0)
		return r;
	for (size_t i = 0; i < sizeof(ns_types) / sizeof(ns_types[0]); i++) {
		if (!strcmp(s, ns_types[i].name)) {
			e->type = ns_types[i].flag;
			e->name = ns_types[i].name;
			return 0;
		}
	}
	return zerr_setx(err, EINVAL, "%s: unknown namespace type `%s`", p->buf, s);
}

static int ns_path(const struct jv *v, struct jpath *p, void *ctx, struct zerr *err)
{
	struct ns_entry *e = ctx;
	const char *s;
	int r = jv_string(v, jpath_str(p), &s, err);
	if (r < 0)
		return r;
	/* generators write "" for "make a new one" */
	if (!*s)
		return 0;
	if (s[0] != '/')
		return zerr_setx(err, EINVAL, "%s: must be an absolute path, got `%s`", p->buf, s);
	e->path = s;
	return 0;
}

static const struct jfield ns_fields[] = {
	{"type", ns_type, JF_REQUIRED},
	{"path", ns_path, 0},
	{NULL, NULL, 0},
};

static bool ns_listed(const struct zone_config *cfg, int type)
{
	if (cfg->ns_flags & type)
		return true;
	for (size_t i = 0; i < cfg->n_ns_paths; i++)
		if (cfg->ns_paths[i].type == type)
			return true;
	return false;
}

static int parse_namespace(const struct jv *v, size_t i, struct jpath *p, void *ctx,
			   struct zerr *err)
{
	(void)i;
	struct zone_config *cfg = ctx;
	struct ns_entry e = {0, NULL, NULL};
	int r = jv_walk(v, p, ns_fields, &e, err);
	if (r < 0)
		return r;
	if (ns_listed(cfg, e.type))
		return zerr_setx(err, EINVAL, "%s: namespace `%s` listed twice", p->buf, e.name);
	/* the maps of a user namespace we did not make are not ours to write */
	if (e.type == CLONE_NEWUSER && e.path)
		return zerr_setx(err, EINVAL,
				 "%s: joining a user namespace by path is not "
				 "supported (give linux.uidMappings/gidMappings for a new one)",
				 p->buf);
	if (!e.path) {
		cfg->ns_flags |= e.type;
		return 0;
	}
	struct iso_ns_path *np = &cfg->ns_paths[cfg->n_ns_paths++];
	np->type = e.type;
	np->path = xstrdup(e.path);
	return 0;
}

static int linux_namespaces(const struct jv *v, struct jpath *p, void *ctx, struct zerr *err)
{
	struct zone_config *cfg = ctx;
	int r = jv_expect(v, jpath_str(p), JV_ARRAY, err);
	if (r < 0)
		return r;
	cfg->ns_paths = xcalloc(jv_len(v), sizeof(struct iso_ns_path));
	return jv_each(v, p, parse_namespace, cfg, err);
}

/* ---- resources.devices -------------------------------------------------- */

static int dev_type(const struct jv *v, struct jpath *p, void *ctx, struct zerr *err)
{
	const char *s;
	int r = jv_string(v, jpath_str(p), &s, err);
	if (r < 0)
		return r;
	if (strcmp(s, "a") && strcmp(s, "c") && strcmp(s, "b"))
		return zerr_setx(err, EINVAL, "%s: expected \"a\", \"c\" or \"b\", got `%s`",
				 p->buf, s);
	((struct rctl_device *)ctx)->type = s[0];
	return 0;
}

static int dev_access(const struct jv *v, struct jpath *p, void *ctx, struct zerr *err)
{
	struct rctl_device *d = ctx;
	const char *s;
	int r = jv_string(v, jpath_str(p), &s, err);
	if (r < 0)
		return r;
	size_t n = strlen(s);
	bool ok = n >= 1 && n <= 3 && strspn(s, "rwm") == n;
	for (size_t i = 0; ok && i < n; i++)
		ok = !strchr(s + i + 1, s[i]);
	if (!ok)
		return zerr_setx(err, EINVAL, "%s: expected some of r, w and m, got `%s`", p->buf,
				 s);
	memcpy(d->access, s, n + 1);
	return 0;
}

/* major and minor take -1, how some generators write the wildcard that
 * absence means */
static const struct jfield device_fields[] = {
	JF_BOOL("allow", struct rctl_device, allow, JF_REQUIRED),
	{"type", dev_type, 0},
	JF_INT("major", struct rctl_device, major, -1, INT64_MAX),
	JF_INT("minor", struct rctl_device, minor, -1, INT64_MAX),
	{"access", dev_access, 0},
	{NULL, NULL, 0},
};

static int parse_device(const struct jv *v, size_t i, struct jpath *p, void *ctx, struct zerr *err)
{
	struct rctl_device *d = &((struct rctl_resources *)ctx)->devices[i];
	*d = (struct rctl_device){.type = 'a', .major = -1, .minor = -1, .access = "rwm"};
	return jv_walk(v, p, device_fields, d, err);
}

/* As runc and crun do, the zone's own /dev (rctl_default_devices) is
 * allowed by rctl after the config's rules, so a leading deny-all cannot
 * lock a zone out of /dev/null; it is not copied into the config. */
static int res_devices(const struct jv *v, struct jpath *p, void *ctx, struct zerr *err)
{
	struct rctl_resources *res = ctx;
	int r = jv_expect(v, jpath_str(p), JV_ARRAY, err);
	if (r < 0)
		return r;
	size_t n = jv_len(v);
	res->devices = xcalloc(n, sizeof(struct rctl_device));
	res->n_devices = n;
	return jv_each(v, p, parse_device, res, err);
}

/* ---- resources.memory --------------------------------------------------- */

static int mem_bytes(const struct jv *v, const struct jpath *p, bool *has, int64_t *dst,
		     struct zerr *err)
{
	int r = jv_int64(v, jpath_str(p), dst, err);
	if (r < 0)
		return r;
	if (*dst < -1)
		return zerr_setx(err, EINVAL,
				 "%s: must be a byte count or -1 (no limit), got %" PRId64, p->buf,
				 *dst);
	*has = true;
	return 0;
}

static int mem_limit(const struct jv *v, struct jpath *p, void *ctx, struct zerr *err)
{
	struct rctl_resources *res = ctx;
	return mem_bytes(v, p, &res->has_mem_limit, &res->mem_limit, err);
}

static int mem_reservation(const struct jv *v, struct jpath *p, void *ctx, struct zerr *err)
{
	struct rctl_resources *res = ctx;
	return mem_bytes(v, p, &res->has_mem_reservation, &res->mem_reservation, err);
}

static int mem_swap(const struct jv *v, struct jpath *p, void *ctx, struct zerr *err)
{
	struct rctl_resources *res = ctx;
	return mem_bytes(v, p, &res->has_mem_swap, &res->mem_swap, err);
}

static const struct jfield memory_fields[] = {
	{"limit", mem_limit, 0},
	{"reservation", mem_reservation, 0},
	{"swap", mem_swap, 0},
	{"kernel", zone_cfg_deprecated, 0},
	{"kernelTCP", zone_cfg_deprecated, 0},
	JF_INT_HAS("swappiness", struct rctl_resources, swappiness, has_swappiness, 0, 100),
	JF_BOOL("disableOOMKiller", struct rctl_resources, disable_oom_killer),
	{"useHierarchy", zone_cfg_unsupported, 0},
	{"checkBeforeUpdate", zone_cfg_unsupported, 0},
	{NULL, NULL, 0},
};

static int res_memory(const struct jv *v, struct jpath *p, void *ctx, struct zerr *err)
{
	struct rctl_resources *res = ctx;
	int r = jv_walk(v, p, memory_fields, res, err);
	if (r < 0)
		return r;
	/* OCI's swap is memory+swap, so it cannot be below the memory limit */
	if (res->has_mem_limit && res->has_mem_swap && res->mem_limit >= 0 && res->mem_swap >= 0 &&
	    res->mem_swap < res->mem_limit)
		return zerr_setx(err, EINVAL,
				 "%s.swap: %" PRId64 " is below limit %" PRId64
				 " (swap counts memory plus swap)",
				 p->buf, res->mem_swap, res->mem_limit);
	return 0;
}

/* ---- resources.cpu ------------------------------------------------------ */

static int cpu_quota(const struct jv *v, struct jpath *p, void *ctx, struct zerr *err)
{
	struct rctl_resources *res = ctx;
	int r = jv_int64(v, jpath_str(p), &res->cpu_quota, err);
	if (r < 0)
		return r;
	/* the kernel refuses a quota under 1ms */
	if (res->cpu_quota != -1 && res->cpu_quota < 1000)
		return zerr_setx(err, EINVAL,
				 "%s: must be -1 (no cap) or at least 1000 "
				 "microseconds, got %" PRId64,
				 p->buf, res->cpu_quota);
	res->has_cpu_quota = true;
	return 0;
}

/* "0-3,8,10-11", the list syntax of cpuset.cpus and cpuset.mems */
static bool cpu_list_ok(const char *s)
{
	for (;;) {
		char *end;
		if (*s < '0' || *s > '9')
			return false;
		unsigned long lo = strtoul(s, &end, 10);
		s = end;
		if (*s == '-') {
			if (s[1] < '0' || s[1] > '9')
				return false;
			if (strtoul(s + 1, &end, 10) < lo)
				return false;
			s = end;
		}
		if (!*s)
			return true;
		if (*s++ != ',')
			return false;
	}
}

static int cpu_list(const struct jv *v, const struct jpath *p, char **dst, struct zerr *err)
{
	const char *s;
	int r = jv_string(v, jpath_str(p), &s, err);
	if (r < 0)
		return r;
	if (!*s) /* "" is OCI's "inherit" */
		return 0;
	if (!cpu_list_ok(s))
		return zerr_setx(err, EINVAL, "%s: expected a list such as \"0-3,8\", got `%s`",
				 p->buf, s);
	*dst = xstrdup(s);
	return 0;
}

static int cpu_cpus(const struct jv *v, struct jpath *p, void *ctx, struct zerr *err)
{
	return cpu_list(v, p, &((struct rctl_resources *)ctx)->cpuset_cpus, err);
}

static int cpu_mems(const struct jv *v, struct jpath *p, void *ctx, struct zerr *err)
{
	return cpu_list(v, p, &((struct rctl_resources *)ctx)->cpuset_mems, err);
}

static const struct jfield cpu_fields[] = {
	JF_INT_HAS("shares", struct rctl_resources, cpu_shares, has_cpu_shares, 2, 262144),
	{"quota", cpu_quota, 0},
	JF_INT_HAS("period", struct rctl_resources, cpu_period, has_cpu_period, 1000, 1000000),
	JF_UINT_HAS("burst", struct rctl_resources, cpu_burst, has_cpu_burst),
	{"cpus", cpu_cpus, 0},
	{"mems", cpu_mems, 0},
	{"realtimeRuntime", zone_cfg_unsupported, 0},
	{"realtimePeriod", zone_cfg_unsupported, 0},
	{"idle", zone_cfg_unsupported, 0},
	{NULL, NULL, 0},
};

static int res_cpu(const struct jv *v, struct jpath *p, void *ctx, struct zerr *err)
{
	struct rctl_resources *res = ctx;
	int r = jv_walk(v, p, cpu_fields, res, err);
	if (r < 0)
		return r;
	if (res->has_cpu_burst && res->has_cpu_quota && res->cpu_quota > 0 &&
	    res->cpu_burst > (uint64_t)res->cpu_quota)
		return zerr_setx(err, EINVAL, "%s.burst: %" PRIu64 " exceeds quota %" PRId64,
				 p->buf, res->cpu_burst, res->cpu_quota);
	return 0;
}

/* ---- resources.pids, resources.blockIO ---------------------------------- */

static int pids_limit(const struct jv *v, struct jpath *p, void *ctx, struct zerr *err)
{
	struct rctl_resources *res = ctx;
	int r = jv_int64(v, jpath_str(p), &res->pids_limit, err);
	if (r < 0)
		return r;
	/* the spec says 0 and below mean "no limit" (CRI-O writes 0) */
	if (res->pids_limit <= 0)
		res->pids_limit = -1;
	res->has_pids_limit = true;
	return 0;
}

static const struct jfield pids_fields[] = {
	{"limit", pids_limit, JF_REQUIRED},
	{NULL, NULL, 0},
};

static const struct jfield throttle_fields[] = {
	JF_INT("major", struct rctl_throttle, major, 0, INT64_MAX, JF_REQUIRED),
	JF_INT("minor", struct rctl_throttle, minor, 0, INT64_MAX, JF_REQUIRED),
	JF_UINT("rate", struct rctl_throttle, rate, JF_REQUIRED),
	{NULL, NULL, 0},
};

struct thr_ctx {
	struct rctl_resources *res;
	int kind;
};

static int parse_throttle(const struct jv *v, size_t i, struct jpath *p, void *ctx,
			  struct zerr *err)
{
	(void)i;
	struct thr_ctx *c = ctx;
	struct rctl_resources *res = c->res;
	struct rctl_throttle *t = &res->throttles[res->n_throttles];
	*t = (struct rctl_throttle){.kind = c->kind};
	int r = jv_walk(v, p, throttle_fields, t, err);
	if (r == 0)
		res->n_throttles++;
	return r;
}

static int blkio_throttle(const struct jv *v, struct jpath *p, void *ctx, int kind,
			  struct zerr *err)
{
	struct thr_ctx c = {ctx, kind};
	int r = jv_expect(v, jpath_str(p), JV_ARRAY, err);
	if (r < 0)
		return r;
	c.res->throttles = xrealloc(c.res->throttles, (c.res->n_throttles + jv_len(v) + 1) *
							      sizeof(struct rctl_throttle));
	return jv_each(v, p, parse_throttle, &c, err);
}

static int thr_read_bps(const struct jv *v, struct jpath *p, void *ctx, struct zerr *err)
{
	return blkio_throttle(v, p, ctx, RT_READ_BPS, err);
}

static int thr_write_bps(const struct jv *v, struct jpath *p, void *ctx, struct zerr *err)
{
	return blkio_throttle(v, p, ctx, RT_WRITE_BPS, err);
}

static int thr_read_iops(const struct jv *v, struct jpath *p, void *ctx, struct zerr *err)
{
	return blkio_throttle(v, p, ctx, RT_READ_IOPS, err);
}

static int thr_write_iops(const struct jv *v, struct jpath *p, void *ctx, struct zerr *err)
{
	return blkio_throttle(v, p, ctx, RT_WRITE_IOPS, err);
}

static const struct jfield blkio_fields[] = {
	JF_INT_HAS("weight", struct rctl_resources, blkio_weight, has_blkio_weight, 10, 1000),
	{"leafWeight", zone_cfg_deprecated, 0},
	{"weightDevice", zone_cfg_unsupported, 0},
	{"throttleReadBpsDevice", thr_read_bps, 0},
	{"throttleWriteBpsDevice", thr_write_bps, 0},
	{"throttleReadIOPSDevice", thr_read_iops, 0},
	{"throttleWriteIOPSDevice", thr_write_iops, 0},
	{NULL, NULL, 0},
};

static const struct jfield resources_fields[] = {
	{"devices", res_devices, 0},
	{"memory", res_memory, 0},
	{"cpu", res_cpu, 0},
	JF_OBJECT("pids", pids_fields),
	JF_OBJECT("blockIO", blkio_fields),
	{"hugepageLimits", zone_cfg_unsupported, 0},
	{"network", zone_cfg_unsupported, 0},
	{"rdma", zone_cfg_unsupported, 0},
	{"unified", zone_cfg_unsupported, 0},
	{NULL, NULL, 0},
};

int zone_resources_parse(const char *name, const char *text, size_t len, struct rctl_resources *res,
			 struct zerr *err)
{
	memset(res, 0, sizeof(*res));
	cleanup_json struct jv *doc = NULL;
	struct jpath p = JPATH_OPEN;
	jpath_key(&p, "linux");
	jpath_key(&p, "resources");
	int r = json_parse(text, len, &doc, err);
	if (r == 0)
		r = jv_walk(doc, &p, resources_fields, res, err);
	if (r < 0) {
		rctl_resources_free(res);
		return zerr_prefix(err, "zone %s: resources", name);
	}
	return 0;
}

/* ---- paths, propagation, cgroupsPath ------------------------------------ */

static int linux_propagation(const struct jv *v, struct jpath *p, void *ctx, struct zerr *err)
{
	static const char *const ok[] = {"private",  "slave",  "shared",  "unbindable",
					 "rprivate", "rslave", "rshared", "runbindable"};
	const char *s;
	int r = jv_string(v, jpath_str(p), &s, err);
	if (r < 0)
		return r;
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		if (!strcmp(s, ok[i])) {
			((struct zone_config *)ctx)->rootfs_propagation = xstrdup(s);
			return 0;
		}
	}
	return zerr_setx(err, EINVAL,
			 "%s: expected private, slave, shared or unbindable "
			 "(or r-prefixed), got `%s`",
			 p->buf, s);
}

static bool has_dotdot(const char *s)
{
	for (const char *c = s; (c = strstr(c, "..")); c += 2)
		if ((c == s || c[-1] == '/' || c[-1] == ':') &&
		    (c[2] == '\0' || c[2] == '/' || c[2] == ':'))
			return true;
	return false;
}

/* ---- devices ------------------------------------------------------------- */

static int node_path(const struct jv *v, struct jpath *p, void *ctx, struct zerr *err)
{
	struct iso_device *d = ctx;
	int r = zone_cfg_abspath(v, p, &d->path, err);
	if (r == 0 && (has_dotdot(d->path) || !strcmp(d->path, "/")))
		r = zerr_setx(err, EINVAL, "%s: `%s` is not a device path", p->buf, d->path);
	return r;
}

static int node_type(const struct jv *v, struct jpath *p, void *ctx, struct zerr *err)
{
	const char *s;
	int r = jv_string(v, jpath_str(p), &s, err);
	if (r < 0)
		return r;
	if (strlen(s) != 1 || !strchr("cbup", s[0]))
		return zerr_setx(err, EINVAL, "%s: expected \"c\", \"b\", \"u\" or \"p\", got `%s`",
				 p->buf, s);
	((struct iso_device *)ctx)->type = s[0];
	return 0;
}

static const struct jfield node_fields[] = {
	{"path", node_path, JF_REQUIRED},
	{"type", node_type, JF_REQUIRED},
	JF_INT("major", struct iso_device, major, 0, 4095),
	JF_INT("minor", struct iso_device, minor, 0, 1048575),
	JF_INT("fileMode", struct iso_device, mode, 0, 07777),
	JF_ID("uid", struct iso_device, uid),
	JF_ID("gid", struct iso_device, gid),
	{NULL, NULL, 0},
};

static int parse_node(const struct jv *v, size_t i, struct jpath *p, void *ctx, struct zerr *err)
{
	struct zone_config *cfg = ctx;
	struct iso_device *d = &cfg->devices[i];
	d->mode = 0666;
	cfg->n_devices = i + 1;
	int r = jv_walk(v, p, node_fields, d, err);
	if (r == 0 && d->type != 'p' && (!jv_get(v, "major") || !jv_get(v, "minor")))
		r = zerr_setx(err, EINVAL, "%s: major and minor are required for type %c", p->buf,
			      d->type);
	return r;
}

static int linux_devices(const struct jv *v, struct jpath *p, void *ctx, struct zerr *err)
{
	struct zone_config *cfg = ctx;
	int r = jv_expect(v, jpath_str(p), JV_ARRAY, err);
	if (r < 0)
		return r;
	cfg->devices = xcalloc(jv_len(v) + 1, sizeof(struct iso_device));
	return jv_each(v, p, parse_node, cfg, err);
}

/* ---- sysctl -------------------------------------------------------------- */

static int linux_sysctl(const struct jv *v, struct jpath *p, void *ctx, struct zerr *err)
{
	struct zone_config *cfg = ctx;
	int r = jv_expect(v, jpath_str(p), JV_OBJECT, err);
	for (size_t i = 0; r == 0 && i < jv_len(v); i++) {
		const char *key = jv_key(v, i), *val;
		size_t mark = jpath_key(p, key);
		if ((r = jv_string(jv_val(v, i), p->buf, &val, err)) < 0)
			break;
		if (!*key || strpbrk(key, "/ ") || strstr(key, ".."))
			return zerr_setx(err, EINVAL, "%s: not a sysctl name", p->buf);
		cleanup_free char *kv = xasprintf("%s=%s", key, val);
		strv_append(&cfg->sysctl, kv);
		jpath_pop(p, mark);
	}
	return r;
}

static const struct {
	const char *prefix;
	int ns;
} sysctl_ns[] = {
	{"net.", CLONE_NEWNET},
	{"fs.mqueue.", CLONE_NEWIPC},
	{"kernel.msgmax", CLONE_NEWIPC},
	{"kernel.msgmnb", CLONE_NEWIPC},
	{"kernel.msgmni", CLONE_NEWIPC},
	{"kernel.sem", CLONE_NEWIPC},
	{"kernel.shm", CLONE_NEWIPC},
	{"kernel.hostname", CLONE_NEWUTS},
	{"kernel.domainname", CLONE_NEWUTS},
};

int zone_cfg_check_sysctl(const struct zone_config *cfg, struct zerr *err)
{
	for (size_t i = 0; cfg->sysctl && cfg->sysctl[i]; i++) {
		const char *kv = cfg->sysctl[i];
		int len = (int)strcspn(kv, "=");
		size_t k = 0;
		while (k < sizeof(sysctl_ns) / sizeof(sysctl_ns[0]) &&
		       strncmp(kv, sysctl_ns[k].prefix, strlen(sysctl_ns[k].prefix)))
			k++;
		if (k == sizeof(sysctl_ns) / sizeof(sysctl_ns[0]))
			return zerr_setx(err, EINVAL,
					 "linux.sysctl.%.*s: not a namespaced "
					 "sysctl: it would change the host",
					 len, kv);
		if (!ns_listed(cfg, sysctl_ns[k].ns))
			return zerr_setx(err, EINVAL,
					 "linux.sysctl.%.*s: needs the zone's own "
					 "%s namespace",
					 len, kv,
					 sysctl_ns[k].ns == CLONE_NEWNET   ? "network"
					 : sysctl_ns[k].ns == CLONE_NEWIPC ? "ipc"
									   : "uts");
	}
	return 0;
}

/* The path is joined under a cgroup mount: ".." would climb out of it. */
static int linux_cgroups_path(const struct jv *v, struct jpath *p, void *ctx, struct zerr *err)
{
	struct zone_config *cfg = ctx;
	int r = zone_cfg_strdup(v, p, &cfg->cgroups_path, err);
	if (r == 0 && has_dotdot(cfg->cgroups_path))
		r = zerr_setx(err, EINVAL, "%s: `%s` contains a `..` component", p->buf,
			      cfg->cgroups_path);
	return r;
}

const struct jfield zone_cfg_linux_fields[] = {
	{"namespaces", linux_namespaces, 0},
	JF_OBJECT_AT("resources", struct zone_config, resources, resources_fields),
	{"seccomp", zone_cfg_parse_seccomp, 0},
	JF_ABSPATHV("maskedPaths", struct zone_config, masked_paths),
	JF_ABSPATHV("readonlyPaths", struct zone_config, readonly_paths),
	{"rootfsPropagation", linux_propagation, 0},
	{"cgroupsPath", linux_cgroups_path, 0},
	{"uidMappings", zone_cfg_parse_uid_maps, 0},
	{"gidMappings", zone_cfg_parse_gid_maps, 0},
	{"timeOffsets", zone_cfg_unsupported, 0},
	{"devices", linux_devices, 0},
	{"netDevices", zone_cfg_unsupported, 0},
	{"sysctl", linux_sysctl, 0},
	{"intelRdt", zone_cfg_unsupported, 0},
	{"mountLabel", zone_cfg_unsupported, 0},
	{"personality", zone_cfg_unsupported, 0},
	{"memoryPolicy", zone_cfg_unsupported, 0},
	{NULL, NULL, 0},
};
