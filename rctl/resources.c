/* resources.c - OCI linux.resources onto cgroup control files.
 *
 * Each group of settings (cpu, cpuset, memory, pids, blkio) goes to the
 * one hierarchy that carries its controller: a v1 hierarchy if one does,
 * else cgroup2 if the controller is enabled for the zone's leaf there. The
 * values follow the OCI runtime spec and runc's conversions for cgroup2
 * (cpu.weight from shares, memory.swap.max from memory+swap, io.weight from
 * the blkio weight), so a config means the same on either layout.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"

typedef int (*build_fn)(const struct rctl_resources *r, const struct rctl_hier *h, const char *leaf,
			struct rctl_kvs *kv, struct zerr *err);

static bool nonempty(const char *s)
{
	return s && *s;
}

/* -1 (or any negative) is "no limit": v1 takes "-1", cgroup2 "max". */
static void add_limit(struct rctl_kvs *kv, const char *file, int64_t v, bool v2)
{
	if (v < 0)
		rctl_kvs_add(kv, file, "%s", v2 ? "max" : "-1");
	else
		rctl_kvs_add(kv, file, "%" PRId64, v);
}

/* ---- cpu ---------------------------------------------------------------- */

static bool want_cpu(const struct rctl_resources *r)
{
	return r->has_cpu_shares || r->has_cpu_quota || r->has_cpu_period || r->has_cpu_burst;
}

/* A burst of 0 is what a kernel without burst support has anyway. */
static bool burst_applies(const struct rctl_resources *r, const char *leaf, const char *file)
{
	return r->has_cpu_burst && (r->cpu_burst || rctl_file_exists(leaf, file));
}

static int cpu_v1(const struct rctl_resources *r, const struct rctl_hier *h, const char *leaf,
		  struct rctl_kvs *kv, struct zerr *err)
{
	(void)h;
	(void)err;
	if (r->has_cpu_shares)
		rctl_kvs_add(kv, "cpu.shares", "%" PRIu64, r->cpu_shares);
	if (r->has_cpu_period)
		rctl_kvs_add(kv, "cpu.cfs_period_us", "%" PRIu64, r->cpu_period);
	if (r->has_cpu_quota)
		add_limit(kv, "cpu.cfs_quota_us", r->cpu_quota, false);
	if (burst_applies(r, leaf, "cpu.cfs_burst_us"))
		rctl_kvs_add(kv, "cpu.cfs_burst_us", "%" PRIu64, r->cpu_burst);
	return 0;
}

/* OCI's mapping of shares [2, 262144] onto cpu.weight [1, 10000]. */
uint64_t rctl_cpu_weight(uint64_t shares)
{
	if (shares < 2)
		shares = 2;
	if (shares > 262144)
		shares = 262144;
	return 1 + ((shares - 2) * 9999) / 262142;
}

/* cpu.max is "quota period" in one file; a period alone keeps the quota. */
static int cpu_max(const struct rctl_resources *r, const struct rctl_hier *h, const char *leaf,
		   struct rctl_kvs *kv, struct zerr *err)
{
	char quota[32] = "max";
	if (r->has_cpu_quota && r->cpu_quota >= 0)
		snprintf(quota, sizeof(quota), "%" PRId64, r->cpu_quota);
	if (!r->has_cpu_period) {
		rctl_kvs_add(kv, "cpu.max", "%s", quota);
		return 0;
	}
	if (!r->has_cpu_quota) {
		cleanup_free char *cur = NULL;
		int e = rctl_read(h, leaf, "cpu.max", &cur, err);
		if (e < 0)
			return e;
		snprintf(quota, sizeof(quota), "%.*s", (int)strcspn(cur, " "), cur);
	}
	rctl_kvs_add(kv, "cpu.max", "%s %" PRIu64, quota, r->cpu_period);
	return 0;
}

static int cpu_v2(const struct rctl_resources *r, const struct rctl_hier *h, const char *leaf,
		  struct rctl_kvs *kv, struct zerr *err)
{
	if (r->has_cpu_shares && r->cpu_shares)
		rctl_kvs_add(kv, "cpu.weight", "%" PRIu64, rctl_cpu_weight(r->cpu_shares));
	if (r->has_cpu_quota || r->has_cpu_period) {
		int e = cpu_max(r, h, leaf, kv, err);
		if (e < 0)
			return e;
	}
	if (burst_applies(r, leaf, "cpu.max.burst"))
		rctl_kvs_add(kv, "cpu.max.burst", "%" PRIu64, r->cpu_burst);
	return 0;
}

/* ---- cpuset (the same files on both layouts) ---------------------------- */

static bool want_cpuset(const struct rctl_resources *r)
{
	return nonempty(r->cpuset_cpus) || nonempty(r->cpuset_mems);
}

static int cpuset_any(const struct rctl_resources *r, const struct rctl_hier *h, const char *leaf,
		      struct rctl_kvs *kv, struct zerr *err)
{
	(void)h;
	(void)leaf;
	(void)err;
	if (nonempty(r->cpuset_cpus))
		rctl_kvs_add(kv, "cpuset.cpus", "%s", r->cpuset_cpus);
	if (nonempty(r->cpuset_mems))
		rctl_kvs_add(kv, "cpuset.mems", "%s", r->cpuset_mems);
	return 0;
}

/* ---- memory ------------------------------------------------------------- */

/* runc reads a memory+swap of 0 as "not set"; so do we. */
static bool has_swap(const struct rctl_resources *r)
{
	return r->has_mem_swap && r->mem_swap != 0;
}

static bool want_memory(const struct rctl_resources *r)
{
	return r->has_mem_limit || r->has_mem_reservation || has_swap(r) || r->has_swappiness ||
	       r->disable_oom_killer;
}

static int swap_checks(const struct rctl_resources *r, const struct rctl_hier *h, bool accounted,
		       struct zerr *err)
{
	/* unlimited swap is what a host without swap accounting gives */
	if (!has_swap(r) || r->mem_swap < 0)
		return 0;
	if (!accounted)
		return zerr_setx(err, EOPNOTSUPP, "%s: swap accounting is not enabled on this host",
				 rctl_label(h));
	if (!r->has_mem_limit || r->mem_limit < 0)
		return zerr_setx(err, EINVAL, "%s: a memory+swap limit needs a memory limit",
				 rctl_label(h));
	if (r->mem_swap < r->mem_limit)
		return zerr_setx(err, EINVAL,
				 "%s: memory+swap limit %" PRId64
				 " is below the memory limit %" PRId64,
				 rctl_label(h), r->mem_swap, r->mem_limit);
	return 0;
}

/* memory.memsw.limit_in_bytes may never drop below memory.limit_in_bytes,
 * so which goes first depends on where the limit is now (as in runc). */
static int memory_v1(const struct rctl_resources *r, const struct rctl_hier *h, const char *leaf,
		     struct rctl_kvs *kv, struct zerr *err)
{
	const char *memsw = "memory.memsw.limit_in_bytes";
	bool accounted = rctl_file_exists(leaf, memsw);
	int e = swap_checks(r, h, accounted, err);
	if (e < 0)
		return e;
	/* a limit lifted with swap unsaid lifts memory+swap too (runc) */
	bool set_swap = accounted && (has_swap(r) || (r->has_mem_limit && r->mem_limit < 0));
	int64_t swap = has_swap(r) ? r->mem_swap : -1;
	bool swap_first = false;
	if (set_swap && r->has_mem_limit) {
		cleanup_free char *cur = NULL;
		if ((e = rctl_read(h, leaf, "memory.limit_in_bytes", &cur, err)) < 0)
			return e;
		swap_first = swap < 0 || strtoll(cur, NULL, 10) < swap;
	}
	if (set_swap && swap_first)
		add_limit(kv, memsw, swap, false);
	if (r->has_mem_limit)
		add_limit(kv, "memory.limit_in_bytes", r->mem_limit, false);
	if (set_swap && !swap_first)
		add_limit(kv, memsw, swap, false);
	if (r->has_mem_reservation)
		add_limit(kv, "memory.soft_limit_in_bytes", r->mem_reservation, false);
	if (r->has_swappiness)
		rctl_kvs_add(kv, "memory.swappiness", "%" PRIu64, r->swappiness);
	if (r->disable_oom_killer)
		rctl_kvs_add(kv, "memory.oom_control", "1");
	return 0;
}

/* cgroup2 counts swap alone: memory.swap.max = (memory+swap) - memory. */
static int memory_v2(const struct rctl_resources *r, const struct rctl_hier *h, const char *leaf,
		     struct rctl_kvs *kv, struct zerr *err)
{
	bool accounted = rctl_file_exists(leaf, "memory.swap.max");
	int e = swap_checks(r, h, accounted, err);
	if (e < 0)
		return e;
	if (r->has_swappiness || r->disable_oom_killer)
		return zerr_setx(err, EOPNOTSUPP, "%s: memory.%s: cgroup2 has no such control",
				 rctl_label(h),
				 r->has_swappiness ? "swappiness" : "disableOOMKiller");
	if (accounted && has_swap(r) && r->mem_swap >= 0)
		rctl_kvs_add(kv, "memory.swap.max", "%" PRId64, r->mem_swap - r->mem_limit);
	else if (accounted && (has_swap(r) || (r->has_mem_limit && r->mem_limit < 0)))
		rctl_kvs_add(kv, "memory.swap.max", "max");
	if (r->has_mem_limit)
		add_limit(kv, "memory.max", r->mem_limit, true);
	if (r->has_mem_reservation)
		add_limit(kv, "memory.low", r->mem_reservation, true);
	return 0;
}

/* ---- pids --------------------------------------------------------------- */

static bool want_pids(const struct rctl_resources *r)
{
	return r->has_pids_limit;
}

static int pids_any(const struct rctl_resources *r, const struct rctl_hier *h, const char *leaf,
		    struct rctl_kvs *kv, struct zerr *err)
{
	(void)h;
	(void)leaf;
	(void)err;
	if (r->pids_limit > 0)
		rctl_kvs_add(kv, "pids.max", "%" PRId64, r->pids_limit);
	else
		rctl_kvs_add(kv, "pids.max", "max");
	return 0;
}

/* ---- blkio / io --------------------------------------------------------- */

static bool want_weight(const struct rctl_resources *r)
{
	return r->has_blkio_weight && r->blkio_weight;
}

static bool want_io(const struct rctl_resources *r)
{
	return want_weight(r) || r->n_throttles;
}

static const char *const v1_throttle_files[RT_KINDS] = {
	"blkio.throttle.read_bps_device",
	"blkio.throttle.write_bps_device",
	"blkio.throttle.read_iops_device",
	"blkio.throttle.write_iops_device",
};

/* One "MAJ:MIN RATE" line per device; a rate of 0 removes the rule. */
static void throttles_v1(const struct rctl_resources *r, struct rctl_kvs *kv)
{
	for (size_t i = 0; i < r->n_throttles; i++) {
		const struct rctl_throttle *t = &r->throttles[i];
		rctl_kvs_add(kv, v1_throttle_files[t->kind], "%" PRId64 ":%" PRId64 " %" PRIu64,
			     t->major, t->minor, t->rate);
	}
}

/* blkio.weight belongs to CFQ, gone from current kernels; BFQ has its own
 * file. With neither the write names blkio.weight and fails. */
static int io_v1(const struct rctl_resources *r, const struct rctl_hier *h, const char *leaf,
		 struct rctl_kvs *kv, struct zerr *err)
{
	(void)h;
	(void)err;
	if (want_weight(r)) {
		const char *file = "blkio.weight";
		if (!rctl_file_exists(leaf, file) && rctl_file_exists(leaf, "blkio.bfq.weight"))
			file = "blkio.bfq.weight";
		rctl_kvs_add(kv, file, "%u", (unsigned)r->blkio_weight);
	}
	throttles_v1(r, kv);
	return 0;
}

/* io.max takes one line per device with every limit of that device. */
static void throttles_v2(const struct rctl_resources *r, struct rctl_kvs *kv)
{
	static const char *const names[RT_KINDS] = {"rbps", "wbps", "riops", "wiops"};
	for (size_t i = 0; i < r->n_throttles; i++) {
		const struct rctl_throttle *t = &r->throttles[i];
		bool seen = false;
		for (size_t j = 0; j < i && !seen; j++)
			seen = r->throttles[j].major == t->major &&
			       r->throttles[j].minor == t->minor;
		if (seen)
			continue;
		char line[256];
		int n = snprintf(line, sizeof(line), "%" PRId64 ":%" PRId64, t->major, t->minor);
		for (size_t j = i; j < r->n_throttles; j++) {
			const struct rctl_throttle *u = &r->throttles[j];
			if (u->major != t->major || u->minor != t->minor || n >= (int)sizeof(line))
				continue;
			if (u->rate)
				n += snprintf(line + n, sizeof(line) - (size_t)n, " %s=%" PRIu64,
					      names[u->kind], u->rate);
			else
				n += snprintf(line + n, sizeof(line) - (size_t)n, " %s=max",
					      names[u->kind]);
		}
		rctl_kvs_add(kv, "io.max", "%s", line);
	}
}

/* blkio's weight [10, 1000] onto io.weight [1, 10000]. */
unsigned rctl_io_weight(unsigned blkio)
{
	unsigned w = blkio < 10 ? 10 : blkio > 1000 ? 1000 : blkio;
	return 1 + (w - 10) * 9999 / 990;
}

/* BFQ takes the blkio range [1, 1000] as is; io.weight is [1, 10000]. */
static int io_v2(const struct rctl_resources *r, const struct rctl_hier *h, const char *leaf,
		 struct rctl_kvs *kv, struct zerr *err)
{
	(void)h;
	(void)err;
	if (want_weight(r) && rctl_file_exists(leaf, "io.bfq.weight")) {
		rctl_kvs_add(kv, "io.bfq.weight", "%u", (unsigned)r->blkio_weight);
	} else if (want_weight(r)) {
		rctl_kvs_add(kv, "io.weight", "default %u", rctl_io_weight(r->blkio_weight));
	}
	throttles_v2(r, kv);
	return 0;
}

/* ---- dispatch ----------------------------------------------------------- */

static const struct group {
	const char *v1, *v2;
	bool (*wanted)(const struct rctl_resources *r);
	build_fn build_v1, build_v2;
	const char *asks; /* what in the config (and on the command line) needs it */
} groups[] = {
	{"cpuset", "cpuset", want_cpuset, cpuset_any, cpuset_any,
	 "linux.resources.cpu.cpus/mems (cpuset=)"},
	{"cpu", "cpu", want_cpu, cpu_v1, cpu_v2, "linux.resources.cpu (cpu-shares=, cpu-cap=)"},
	{"memory", "memory", want_memory, memory_v1, memory_v2,
	 "linux.resources.memory (memory=, swap=)"},
	{"pids", "pids", want_pids, pids_any, pids_any, "linux.resources.pids (processes=)"},
	{"blkio", "io", want_io, io_v1, io_v2,
	 "linux.resources.blockIO (io-weight=, io-read-bps= ...)"},
};

static bool word_in(const char *list, const char *word)
{
	size_t n = strlen(word);
	for (const char *s = list; s && *s;) {
		s += strspn(s, " \n");
		size_t len = strcspn(s, " \n");
		if (len == n && !strncmp(s, word, n))
			return true;
		s += len;
	}
	return false;
}

/* v2ctls: the leaf's cgroup.controllers, what cgroup2 gives this zone. */
static ssize_t carrier(const struct rctl_cgroup *cg, const struct group *g, const char *v2ctls)
{
	for (size_t i = 0; i < cg->n; i++)
		if (!cg->h[i].v2 && rctl_has_ctl(&cg->h[i], g->v1))
			return (ssize_t)i;
	for (size_t i = 0; i < cg->n; i++)
		if (cg->h[i].v2 && word_in(v2ctls, g->v2))
			return (ssize_t)i;
	return -1;
}

/* Says which controller, what asked for it, and, on cgroup2, the parent
 * that does not pass it down. */
static int no_controller(const struct rctl_cgroup *cg, const struct group *g, struct zerr *err)
{
	for (size_t i = 0; i < cg->n; i++)
		if (cg->h[i].v2 && rctl_cgroup_unified(cg) >= 0)
			return zerr_setx(
				err, EOPNOTSUPP,
				"%s needs the cgroup2 %s controller, and no %s controller is "
				"available to this zone: its cgroup parent %s does not enable "
				"it in cgroup.subtree_control",
				g->asks, g->v2, g->v2, cg->h[i].parent);
	return zerr_setx(err, EOPNOTSUPP,
			 "%s needs the %s controller: no %s controller is available to this zone",
			 g->asks, g->v1, g->v1);
}

static int write_kvs(const struct rctl_cgroup *cg, size_t i, const char *leaf,
		     const struct rctl_kvs *kv, struct zerr *err)
{
	const struct rctl_hier *h = &cg->h[i];
	if (rctl_kind(h) == RCTL_V1) {
		cleanup_free char *rel = rctl_rel_leaf(cg, i);
		return rctl_v1_write_kvs(h, rel, kv, err);
	}
	for (size_t k = 0; k < kv->n; k++) {
		int r = rctl_write(h, leaf, kv->v[k].file, kv->v[k].value, err);
		if (r < 0)
			return r;
	}
	return 0;
}

static int apply_group(const struct rctl_cgroup *cg, const struct group *g,
		       const struct rctl_resources *res, const char *v2ctls, struct zerr *err)
{
	if (!g->wanted(res))
		return 0;
	ssize_t i = carrier(cg, g, v2ctls);
	if (i < 0)
		return no_controller(cg, g, err);
	cleanup_free char *leaf = rctl_cgroup_path(cg, (size_t)i);
	struct rctl_kvs kv = {0};
	build_fn build = cg->h[i].v2 ? g->build_v2 : g->build_v1;
	int r = build(res, &cg->h[i], leaf, &kv, err);
	if (r == 0)
		r = write_kvs(cg, (size_t)i, leaf, &kv, err);
	rctl_kvs_free(&kv);
	return r;
}

/* The config's rules, then the zone's own /dev, as runc and crun do: a
 * leading deny-all cannot lock a zone out of /dev/null. */
static struct rctl_device *device_list(const struct rctl_resources *res, size_t *n)
{
	size_t n_def;
	const struct rctl_device *def = rctl_default_devices(&n_def);
	*n = res->n_devices + n_def;
	struct rctl_device *d = xcalloc(*n, sizeof(*d));
	if (res->n_devices)
		memcpy(d, res->devices, res->n_devices * sizeof(*d));
	memcpy(d + res->n_devices, def, n_def * sizeof(*d));
	return d;
}

static int apply_devices(const struct rctl_cgroup *cg, const struct rctl_resources *res,
			 struct zerr *err)
{
	size_t n;
	cleanup_free struct rctl_device *d = device_list(res, &n);
	for (size_t i = 0; i < cg->n; i++) {
		if (cg->h[i].v2 || !rctl_has_ctl(&cg->h[i], "devices"))
			continue;
		cleanup_free char *leaf = rctl_cgroup_path(cg, i);
		return rctl_v1_devices(&cg->h[i], leaf, d, n, err);
	}
	for (size_t i = 0; i < cg->n; i++) {
		if (!cg->h[i].v2)
			continue;
		cleanup_free char *leaf = rctl_cgroup_path(cg, i);
		cleanup_close int fd = open(leaf, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0)
			return zerr_set(err, errno, "cgroup2: open %s", leaf);
		int r = rctl_bpf_devices(fd, d, n, err);
		if (r < 0)
			zerr_prefix(err, "cgroup2: %s", leaf);
		return r;
	}
	return zerr_setx(err, EOPNOTSUPP,
			 "cgroup: no devices hierarchy and no cgroup2 for a device filter");
}

int rctl_apply_resources(const struct rctl_cgroup *cg, const struct rctl_resources *res,
			 bool devices, struct zerr *err)
{
	static const struct rctl_resources none;
	if (!res)
		res = &none;
	cleanup_free char *v2ctls = NULL;
	for (size_t i = 0; i < cg->n && !v2ctls; i++) {
		if (!cg->h[i].v2)
			continue;
		cleanup_free char *leaf = rctl_cgroup_path(cg, i);
		int r = rctl_read(&cg->h[i], leaf, "cgroup.controllers", &v2ctls, err);
		if (r < 0)
			return r;
	}
	for (size_t k = 0; k < sizeof(groups) / sizeof(groups[0]); k++) {
		int r = apply_group(cg, &groups[k], res, v2ctls, err);
		if (r < 0)
			return r;
	}
	return devices ? apply_devices(cg, res, err) : 0;
}

void rctl_resources_free(struct rctl_resources *r)
{
	if (!r)
		return;
	free(r->cpuset_cpus);
	free(r->cpuset_mems);
	free(r->devices);
	free(r->throttles);
	*r = (struct rctl_resources){0};
}
