/* usage.c - what a zone has used, read from its cgroups' own counters:
 * a v1 hierarchy where one carries the controller, else cgroup2.
 *
 *            v1                                  cgroup2
 *   cpu      cpuacct.usage, cpu.stat             cpu.stat usage_usec,
 *            nr_throttled/throttled_time,        nr_throttled/throttled_usec,
 *            cpu.cfs_quota_us/cfs_period_us      cpu.max
 *   memory   memory.usage_in_bytes, .limit_..,   memory.current, memory.max,
 *            memory.stat cache, memory.memsw.*,  memory.stat file, memory.swap.*,
 *            memory.oom_control oom_kill,        memory.events oom_kill/max
 *            memory.failcnt
 *   cpuset   cpuset.effective_cpus               cpuset.cpus.effective
 *   pids     pids.current, pids.max              the same
 *   io       blkio.throttle.io_service_bytes,    io.stat rbytes/wbytes/rios/wios
 *            blkio.throttle.io_serviced
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"

/* Leaf of the hierarchy that gives this group: the v1 one carrying ctl if
 * its leaf has `v1file`, else cgroup2 if its leaf has `v2file`. */
static char *leaf_for(const struct rctl_cgroup *cg, const char *ctl, const char *v1file,
		      const char *v2file, bool *v2)
{
	for (size_t i = 0; i < cg->n; i++) {
		if (cg->h[i].v2 || !rctl_has_ctl(&cg->h[i], ctl))
			continue;
		char *leaf = rctl_cgroup_path(cg, i);
		if (rctl_file_exists(leaf, v1file)) {
			*v2 = false;
			return leaf;
		}
		free(leaf);
	}
	for (size_t i = 0; i < cg->n && v2file; i++) {
		if (!cg->h[i].v2)
			continue;
		char *leaf = rctl_cgroup_path(cg, i);
		if (rctl_file_exists(leaf, v2file)) {
			*v2 = true;
			return leaf;
		}
		free(leaf);
	}
	return NULL;
}

static char *slurp(const char *dir, const char *file)
{
	cleanup_free char *path = xasprintf("%s/%s", dir, file);
	char *text = NULL;
	return read_file(path, &text, NULL, NULL) < 0 ? NULL : text;
}

static int read_u64(const char *dir, const char *file, uint64_t *out)
{
	cleanup_free char *t = slurp(dir, file);
	if (!t)
		return -ENOENT;
	*out = strtoull(t, NULL, 10);
	return 0;
}

/* "max", v1's "-1" and v1's page-rounded LLONG_MAX all mean no limit. */
static int64_t limit_of(const char *s)
{
	if (!s || !strncmp(s, "max", 3))
		return -1;
	long long v = strtoll(s, NULL, 10);
	return v < 0 || v >= (1LL << 62) ? -1 : v;
}

static int64_t read_limit(const char *dir, const char *file)
{
	cleanup_free char *t = slurp(dir, file);
	return limit_of(t);
}

/* The value of `key` in a "key value" per line file; 0 when absent. */
/* KEY's number in a flat-keyed file's text ("key value" lines). */
static uint64_t key_of(const char *t, const char *key)
{
	size_t n = strlen(key);
	for (const char *s = t; s && *s;) {
		if (!strncmp(s, key, n) && s[n] == ' ')
			return strtoull(s + n + 1, NULL, 10);
		s = strchr(s, '\n');
		s = s ? s + 1 : NULL;
	}
	return 0;
}

static uint64_t keyed(const char *dir, const char *file, const char *key)
{
	cleanup_free char *t = slurp(dir, file);
	return key_of(t, key);
}

static void cpu_usage(const struct rctl_cgroup *cg, struct rctl_usage *u)
{
	bool v2;
	cleanup_free char *acct = leaf_for(cg, "cpuacct", "cpuacct.usage", "cpu.stat", &v2);
	if (!acct)
		return;
	u->has_cpu = true;
	if (!v2) {
		read_u64(acct, "cpuacct.usage", &u->cpu_ns);
		cleanup_free char *st = slurp(acct, "cpuacct.stat");
		u->cpu_user_ns = key_of(st, "user") * (1000000000ULL / 100);
		u->cpu_system_ns = key_of(st, "system") * (1000000000ULL / 100);
	} else {
		cleanup_free char *st = slurp(acct, "cpu.stat");
		u->cpu_ns = key_of(st, "usage_usec") * 1000;
		u->cpu_user_ns = key_of(st, "user_usec") * 1000;
		u->cpu_system_ns = key_of(st, "system_usec") * 1000;
	}
	u->cpu_quota = -1;
	u->cpu_period = 100000;
	cleanup_free char *cpu = leaf_for(cg, "cpu", "cpu.stat", "cpu.max", &v2);
	if (!cpu)
		return;
	cleanup_free char *st = slurp(cpu, "cpu.stat");
	u->nr_throttled = key_of(st, "nr_throttled");
	if (!v2) {
		u->throttled_ns = key_of(st, "throttled_time");
		u->cpu_quota = read_limit(cpu, "cpu.cfs_quota_us");
		read_u64(cpu, "cpu.cfs_period_us", &u->cpu_period);
		return;
	}
	u->throttled_ns = key_of(st, "throttled_usec") * 1000;
	cleanup_free char *max = slurp(cpu, "cpu.max");
	if (max) {
		u->cpu_quota = limit_of(max);
		char *sp = strchr(max, ' ');
		if (sp)
			u->cpu_period = strtoull(sp + 1, NULL, 10);
	}
}

/* What a zone's /proc/meminfo shows besides usage and cache; the keys are
 * the same in v1's and cgroup2's memory.stat but for v1's "mapped_file"
 * (cgroup2's "file_mapped"). */
static void memory_lists(const char *stat, bool v2, struct rctl_usage *u)
{
	u->mem_shmem = key_of(stat, "shmem");
	u->mem_mapped = key_of(stat, v2 ? "file_mapped" : "mapped_file");
	u->active_anon = key_of(stat, "active_anon");
	u->inactive_anon = key_of(stat, "inactive_anon");
	u->active_file = key_of(stat, "active_file");
	u->inactive_file = key_of(stat, "inactive_file");
}

static void memory_usage(const struct rctl_cgroup *cg, struct rctl_usage *u)
{
	bool v2;
	cleanup_free char *m = leaf_for(cg, "memory", "memory.usage_in_bytes", "memory.current",
					&v2);
	if (!m)
		return;
	u->has_memory = true;
	/* one read: the kernel walks the cgroup's pages' counters for each */
	cleanup_free char *stat = slurp(m, "memory.stat");
	memory_lists(stat, v2, u);
	if (!v2) {
		read_u64(m, "memory.usage_in_bytes", &u->mem_bytes);
		u->mem_limit = read_limit(m, "memory.limit_in_bytes");
		u->mem_cache = key_of(stat, "cache");
		u->has_swap = read_u64(m, "memory.memsw.usage_in_bytes", &u->memsw_bytes) == 0;
		u->memsw_limit = read_limit(m, "memory.memsw.limit_in_bytes");
		/* v1 counts memory+swap: swap alone is the difference */
		u->swap_bytes = u->memsw_bytes > u->mem_bytes ? u->memsw_bytes - u->mem_bytes : 0;
		u->swap_limit = u->memsw_limit >= 0 && u->mem_limit >= 0
					? u->memsw_limit - u->mem_limit
					: -1;
		u->oom_kills = keyed(m, "memory.oom_control", "oom_kill");
		read_u64(m, "memory.failcnt", &u->mem_failcnt);
		return;
	}
	read_u64(m, "memory.current", &u->mem_bytes);
	u->mem_limit = read_limit(m, "memory.max");
	u->mem_cache = key_of(stat, "file");
	u->has_swap = read_u64(m, "memory.swap.current", &u->memsw_bytes) == 0;
	u->memsw_limit = read_limit(m, "memory.swap.max");
	u->swap_bytes = u->memsw_bytes;
	u->swap_limit = u->memsw_limit;
	cleanup_free char *events = slurp(m, "memory.events");
	u->oom_kills = key_of(events, "oom_kill");
	u->mem_failcnt = key_of(events, "max");
}

static void cpuset_usage(const struct rctl_cgroup *cg, struct rctl_usage *u)
{
	bool v2;
	cleanup_free char *c = leaf_for(cg, "cpuset", "cpuset.effective_cpus",
					"cpuset.cpus.effective", &v2);
	cleanup_free char *t = c ? slurp(c, v2 ? "cpuset.cpus.effective" : "cpuset.effective_cpus")
				 : NULL;
	if (t)
		snprintf(u->cpuset, sizeof(u->cpuset), "%.*s", (int)strcspn(t, "\n"), t);
}

static void pids_usage(const struct rctl_cgroup *cg, struct rctl_usage *u)
{
	bool v2;
	cleanup_free char *p = leaf_for(cg, "pids", "pids.current", "pids.current", &v2);
	if (!p)
		return;
	u->has_pids = read_u64(p, "pids.current", &u->pids) == 0;
	u->pids_limit = read_limit(p, "pids.max");
}

/* v1: "8:0 Read 4096" lines, summed over devices. */
static void blkio_sum(const char *dir, const char *file, uint64_t *rd, uint64_t *wr)
{
	cleanup_free char *t = slurp(dir, file);
	char op[16];
	unsigned long long v;
	for (char *s = t; s && *s;) {
		if (sscanf(s, "%*u:%*u %15s %llu", op, &v) == 2) {
			if (!strcmp(op, "Read"))
				*rd += v;
			else if (!strcmp(op, "Write"))
				*wr += v;
		}
		s = strchr(s, '\n');
		s = s ? s + 1 : NULL;
	}
}

/* v2: "8:0 rbytes=1 wbytes=2 rios=3 wios=4 ..." lines. */
static void io_stat_sum(const char *dir, struct rctl_usage *u)
{
	cleanup_free char *t = slurp(dir, "io.stat");
	static const char *const keys[] = {"rbytes=", "wbytes=", "rios=", "wios="};
	uint64_t *dst[] = {&u->io_read_bytes, &u->io_write_bytes, &u->io_read_ops,
			   &u->io_write_ops};
	for (char *s = t; s && *s;) {
		char *eol = strchrnul(s, '\n');
		for (size_t k = 0; k < 4; k++) {
			char *f = memmem(s, (size_t)(eol - s), keys[k], strlen(keys[k]));
			if (f)
				*dst[k] += strtoull(f + strlen(keys[k]), NULL, 10);
		}
		s = *eol ? eol + 1 : eol;
	}
}

static void io_usage(const struct rctl_cgroup *cg, struct rctl_usage *u)
{
	bool v2;
	cleanup_free char *b = leaf_for(cg, "blkio", "blkio.throttle.io_service_bytes", "io.stat",
					&v2);
	if (!b)
		return;
	u->has_io = true;
	if (v2) {
		io_stat_sum(b, u);
		return;
	}
	blkio_sum(b, "blkio.throttle.io_service_bytes", &u->io_read_bytes, &u->io_write_bytes);
	blkio_sum(b, "blkio.throttle.io_serviced", &u->io_read_ops, &u->io_write_ops);
}

int rctl_cgroup_usage(const struct rctl_cgroup *cg, struct rctl_usage *u, struct zerr *err)
{
	*u = (struct rctl_usage){
		.cpu_quota = -1, .mem_limit = -1, .memsw_limit = -1, .pids_limit = -1};
	if (!rctl_cgroup_exists(cg))
		return zerr_setx(err, ENOENT, "zone %s: its cgroup is gone", cg->zone);
	u->at_ns = now_ns();
	cpu_usage(cg, u);
	cpuset_usage(cg, u);
	memory_usage(cg, u);
	pids_usage(cg, u);
	io_usage(cg, u);
	return 0;
}
