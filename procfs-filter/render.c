/* render.c - the text of each file of a zone's view, from a pfs_view and
 * the host's own files. Lines the zone's numbers replace are rewritten;
 * lines the zone has no number for (meminfo's Hugepages, stat's intr) are
 * the host's, as lxcfs does, so parsers find every line they expect. */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"

#define USER_HZ 100

static const struct pfs_file files[] = {
	{"meminfo", "/proc/meminfo"},     {"cpuinfo", "/proc/cpuinfo"},
	{"stat", "/proc/stat"},           {"uptime", "/proc/uptime"},
	{"loadavg", "/proc/loadavg"},     {"swaps", "/proc/swaps"},
	{"diskstats", "/proc/diskstats"}, {"cpu-online", "/sys/devices/system/cpu/online"},
};

const struct pfs_file *pfs_files(size_t *n)
{
	*n = sizeof(files) / sizeof(files[0]);
	return files;
}

/* A growing text buffer; append never fails (x* allocators abort). */
struct buf {
	char *p;
	size_t len, cap;
};

static void __attribute__((format(printf, 2, 3))) bprintf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	for (;;) {
		va_start(ap, fmt);
		int n = vsnprintf(b->p ? b->p + b->len : NULL, b->p ? b->cap - b->len : 0, fmt, ap);
		va_end(ap);
		if (b->p && (size_t)n < b->cap - b->len) {
			b->len += (size_t)n;
			return;
		}
		b->cap = b->cap * 2 + (size_t)n + 256;
		b->p = xrealloc(b->p, b->cap);
	}
}

static void bappend(struct buf *b, const char *s, size_t n)
{
	bprintf(b, "%.*s", (int)n, s);
}

static char *host_file(const char *host_proc, const char *file)
{
	cleanup_free char *path = xasprintf("%s/%s", host_proc, file);
	char *text = NULL;
	return read_file(path, &text, NULL, NULL) < 0 ? NULL : text;
}

/* "Key:   123 kB" of the host's meminfo, in bytes; 0 if absent. */
static uint64_t meminfo_value(const char *text, const char *key)
{
	size_t n = strlen(key);
	for (const char *s = text; s && *s;) {
		if (!strncmp(s, key, n) && s[n] == ':')
			return strtoull(s + n + 1, NULL, 10) * 1024;
		s = strchr(s, '\n');
		s = s ? s + 1 : NULL;
	}
	return 0;
}

/* The zone's memory as the kernel would count it on a machine of its
 * size. Unlimited means the host's size; the zone never sees more free
 * memory than the host has available. */
struct mem {
	uint64_t total, free, avail, cached, swap_total, swap_free;
};

static uint64_t min_u64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}
static uint64_t sub0(uint64_t a, uint64_t b)
{
	return a > b ? a - b : 0;
}

static void zone_mem(const struct pfs_sample *s, const char *host, struct mem *m)
{
	uint64_t host_total = meminfo_value(host, "MemTotal");
	uint64_t host_avail = meminfo_value(host, "MemAvailable");
	uint64_t host_swap = meminfo_value(host, "SwapTotal");
	m->total = s->mem_limit >= 0 ? min_u64((uint64_t)s->mem_limit, host_total) : host_total;
	m->free = sub0(m->total, s->mem_usage);
	m->cached = sub0(s->mem_cache, s->mem_shmem);
	m->avail = min_u64(min_u64(m->free + s->active_file + s->inactive_file, m->total),
			   host_avail + s->active_file + s->inactive_file);
	m->free = min_u64(m->free, host_avail);
	m->swap_total = s->swap_limit >= 0 ? min_u64((uint64_t)s->swap_limit, host_swap)
					   : host_swap;
	m->swap_free = sub0(m->swap_total, s->swap_usage);
}

/* The meminfo lines the zone's numbers replace; the others are the host's. */
static bool replace_mem_line(struct buf *b, const char *line, const struct pfs_sample *s,
			     const struct mem *m)
{
	const struct {
		const char *key;
		uint64_t v;
	} zone[] = {
		{"MemTotal", m->total},
		{"MemFree", m->free},
		{"MemAvailable", m->avail},
		{"Buffers", 0},
		{"Cached", m->cached},
		{"SwapCached", 0},
		{"Active", s->active_anon + s->active_file},
		{"Inactive", s->inactive_anon + s->inactive_file},
		{"Active(anon)", s->active_anon},
		{"Inactive(anon)", s->inactive_anon},
		{"Active(file)", s->active_file},
		{"Inactive(file)", s->inactive_file},
		{"SwapTotal", m->swap_total},
		{"SwapFree", m->swap_free},
		{"Shmem", s->mem_shmem},
		{"Mapped", s->mem_mapped},
		/* The host's kernel memory is not the zone's: free(1) counts
		 * SReclaimable as cache. */
		{"Slab", 0},
		{"SReclaimable", 0},
		{"SUnreclaim", 0},
		{"KReclaimable", 0},
	};
	size_t klen = strcspn(line, ":\n");
	for (size_t i = 0; i < sizeof(zone) / sizeof(zone[0]); i++)
		if (strlen(zone[i].key) == klen && !strncmp(line, zone[i].key, klen)) {
			bprintf(b, "%s:%*s%8" PRIu64 " kB\n", zone[i].key, (int)(15 - klen), "",
				zone[i].v / 1024);
			return true;
		}
	return false;
}

static int render_meminfo(const struct pfs_view *v, const char *host, struct buf *b)
{
	struct mem m;
	zone_mem(&v->s, host, &m);
	for (const char *line = host; *line;) {
		const char *eol = strchrnul(line, '\n');
		if (!replace_mem_line(b, line, &v->s, &m))
			bappend(b, line, (size_t)(eol - line + (*eol ? 1 : 0)));
		line = *eol ? eol + 1 : eol;
	}
	return 0;
}

/* Bit i set = CPU i is in the list "0-3,8,10-11". */
static size_t cpu_list_parse(const char *s, unsigned char *set, size_t max)
{
	size_t count = 0;
	while (s && *s && *s != '\n') {
		char *end;
		unsigned long a = strtoul(s, &end, 10), b = a;
		if (end == s)
			break;
		if (*end == '-')
			b = strtoul(end + 1, &end, 10);
		for (unsigned long i = a; i <= b && i < max; i++)
			if (!set[i]) {
				set[i] = 1;
				count++;
			}
		s = *end == ',' ? end + 1 : end;
	}
	return count;
}

#define PFS_MAX_CPUS 4096

static size_t zone_cpus(const char *cpuset, unsigned char *set)
{
	memset(set, 0, PFS_MAX_CPUS);
	if (cpuset && *cpuset)
		return cpu_list_parse(cpuset, set, PFS_MAX_CPUS);
	cleanup_free char *online = NULL;
	if (read_file("/sys/devices/system/cpu/online", &online, NULL, NULL) == 0)
		return cpu_list_parse(online, set, PFS_MAX_CPUS);
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	for (long i = 0; i < n && i < PFS_MAX_CPUS; i++)
		set[i] = 1;
	return n > 0 ? (size_t)n : 1;
}

unsigned pfs_ncpu(const char *cpuset, int64_t quota, uint64_t period)
{
	unsigned char set[PFS_MAX_CPUS];
	size_t n = zone_cpus(cpuset, set);
	if (quota > 0 && period > 0) {
		uint64_t cap = ((uint64_t)quota + period - 1) / period;
		if (cap < n)
			n = cap;
	}
	return n ? (unsigned)n : 1;
}

/* The host's blocks for the zone's first ncpu CPUs, renumbered from 0. */
static int render_cpuinfo(const struct pfs_view *v, const char *host, struct buf *b)
{
	unsigned char set[PFS_MAX_CPUS];
	zone_cpus(pfs_view_cpuset(v), set);
	unsigned shown = 0;
	for (const char *blk = host; *blk && shown < v->ncpu;) {
		const char *next = strstr(blk, "\n\n");
		next = next ? next + 2 : blk + strlen(blk);
		unsigned long cpu;
		if (sscanf(blk, "processor : %lu", &cpu) == 1 && cpu < PFS_MAX_CPUS && set[cpu]) {
			const char *eol = strchrnul(blk, '\n');
			bprintf(b, "processor\t: %u", shown++);
			bappend(b, eol, (size_t)(next - eol));
		}
		blk = next;
	}
	return 0;
}

static int render_online(const struct pfs_view *v, const char *host, struct buf *b)
{
	(void)host;
	if (v->ncpu == 1)
		bprintf(b, "0\n");
	else
		bprintf(b, "0-%u\n", v->ncpu - 1);
	return 0;
}

static uint64_t uptime_ns(const struct pfs_view *v)
{
	return sub0(v->now_wall_ns, v->z->booted_at_ns);
}

/* Idle time of the zone's CPUs since its boot: what they had and it did
 * not use. */
static uint64_t idle_ns(const struct pfs_view *v)
{
	return sub0(uptime_ns(v) * v->ncpu, v->s.cpu_ns);
}

static void stat_cpu_line(struct buf *b, const char *label, uint64_t user, uint64_t sys,
			  uint64_t idle)
{
	uint64_t t = 1000000000ULL / USER_HZ;
	bprintf(b, "%s %" PRIu64 " 0 %" PRIu64 " %" PRIu64 " 0 0 0 0 0 0\n", label, user / t,
		sys / t, idle / t);
}

/* cpu lines from the zone's cpuacct (spread evenly over its CPUs), btime
 * its boot, process counts its own; intr, ctxt and softirq are the
 * host's (no per-cgroup counter exists). */
static int render_stat(const struct pfs_view *v, const char *host, struct buf *b)
{
	uint64_t user = v->s.cpu_user_ns, sys = v->s.cpu_system_ns;
	if (user + sys == 0)
		user = v->s.cpu_ns;
	uint64_t idle = idle_ns(v);
	stat_cpu_line(b, "cpu ", user, sys, idle);
	for (unsigned i = 0; i < v->ncpu; i++) {
		char label[16];
		snprintf(label, sizeof(label), "cpu%u", i);
		stat_cpu_line(b, label, user / v->ncpu, sys / v->ncpu, idle / v->ncpu);
	}
	for (const char *line = host; *line;) {
		const char *eol = strchrnul(line, '\n');
		size_t n = (size_t)(eol - line);
		if (!strncmp(line, "intr ", 5) || !strncmp(line, "ctxt ", 5) ||
		    !strncmp(line, "softirq ", 8))
			bprintf(b, "%.*s\n", (int)n, line);
		line = *eol ? eol + 1 : eol;
	}
	bprintf(b, "btime %" PRIu64 "\nprocesses %zu\nprocs_running %u\nprocs_blocked %u\n",
		(uint64_t)(v->z->booted_at_ns / 1000000000ULL), v->s.n_pids, v->nr_running,
		v->nr_blocked);
	return 0;
}

static int render_uptime(const struct pfs_view *v, const char *host, struct buf *b)
{
	(void)host;
	uint64_t up = uptime_ns(v) / 10000000ULL, idle = idle_ns(v) / 10000000ULL;
	bprintf(b, "%" PRIu64 ".%02" PRIu64 " %" PRIu64 ".%02" PRIu64 "\n", up / 100, up % 100,
		idle / 100, idle % 100);
	return 0;
}

#define FSHIFT 11
#define FIXED_1 (1UL << FSHIFT)
#define LOAD_INT(x) ((x) >> FSHIFT)
#define LOAD_FRAC(x) LOAD_INT(((x) & (FIXED_1 - 1)) * 100)

static int render_loadavg(const struct pfs_view *v, const char *host, struct buf *b)
{
	(void)host;
	const unsigned long *a = v->load.avenrun;
	bprintf(b, "%lu.%02lu %lu.%02lu %lu.%02lu %u/%u %d\n", LOAD_INT(a[0]), LOAD_FRAC(a[0]),
		LOAD_INT(a[1]), LOAD_FRAC(a[1]), LOAD_INT(a[2]), LOAD_FRAC(a[2]), v->nr_running,
		v->nr_threads, v->last_pid);
	return 0;
}

static int render_swaps(const struct pfs_view *v, const char *host, struct buf *b)
{
	struct mem m;
	zone_mem(&v->s, host, &m);
	bprintf(b, "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n");
	if (m.swap_total)
		bprintf(b, "none\t\t\t\t\tvirtual\t\t%" PRIu64 "\t\t%" PRIu64 "\t\t-1\n",
			m.swap_total / 1024, (m.swap_total - m.swap_free) / 1024);
	return 0;
}

/* The host's disks, so iostat and friends find them, with the zone's
 * own I/O: the cgroup counts bytes and operations, not per-device queue
 * times, so those fields are 0. The zone's totals go to the first disk
 * that is not a loop or ram device. */
static int render_diskstats(const struct pfs_view *v, const char *host, struct buf *b)
{
	bool given = false;
	for (const char *line = host; *line;) {
		const char *eol = strchrnul(line, '\n');
		unsigned maj, min;
		char dev[64];
		if (sscanf(line, "%u %u %63s", &maj, &min, dev) == 3) {
			bool mine = !given && strncmp(dev, "loop", 4) && strncmp(dev, "ram", 3);
			given |= mine;
			const struct pfs_sample *s = &v->s;
			bprintf(b,
				"%4u %7u %s %" PRIu64 " 0 %" PRIu64 " 0 %" PRIu64 " 0 %" PRIu64
				" 0 0 0 0 0 0 0 0 0 0\n",
				maj, min, dev, mine ? s->io_read_ops : 0,
				mine ? s->io_read_bytes / 512 : 0, mine ? s->io_write_ops : 0,
				mine ? s->io_write_bytes / 512 : 0);
		}
		line = *eol ? eol + 1 : eol;
	}
	return 0;
}

/* Each file, and the host file it is made from (NULL: none). */
static const struct {
	const char *name, *host;
	int (*fn)(const struct pfs_view *v, const char *host, struct buf *b);
} renderers[] = {
	{"meminfo", "meminfo", render_meminfo},
	{"cpuinfo", "cpuinfo", render_cpuinfo},
	{"stat", "stat", render_stat},
	{"uptime", NULL, render_uptime},
	{"loadavg", NULL, render_loadavg},
	{"swaps", "meminfo", render_swaps},
	{"diskstats", "diskstats", render_diskstats},
	{"cpu-online", NULL, render_online},
};

int pfs_render(const struct pfs_view *v, const char *name, const char *host_proc, char **out,
	       size_t *len, struct zerr *err)
{
	for (size_t i = 0; i < sizeof(renderers) / sizeof(renderers[0]); i++) {
		if (strcmp(renderers[i].name, name))
			continue;
		cleanup_free char *host = NULL;
		if (renderers[i].host && !(host = host_file(host_proc, renderers[i].host)))
			return zerr_set(err, errno, "zone %s: %s: read %s/%s", v->z->name, name,
					host_proc, renderers[i].host);
		struct buf b = {0};
		renderers[i].fn(v, host, &b);
		if (!b.p)
			bprintf(&b, "%s", "");
		*out = b.p;
		*len = b.len;
		return 0;
	}
	return zerr_setx(err, ENOENT, "zone %s: no view file `%s`", v->z->name, name);
}

void pfs_sysinfo(const struct pfs_view *v, struct sysinfo *si)
{
	cleanup_free char *host = host_file("/proc", "meminfo");
	struct mem m = {0};
	if (host)
		zone_mem(&v->s, host, &m);
	memset(si, 0, sizeof(*si));
	si->uptime = (long)(uptime_ns(v) / 1000000000ULL);
	for (int i = 0; i < 3; i++)
		si->loads[i] = v->load.avenrun[i] << (SI_LOAD_SHIFT - FSHIFT);
	si->totalram = m.total;
	si->freeram = m.free;
	si->sharedram = v->s.mem_shmem;
	si->totalswap = m.swap_total;
	si->freeswap = m.swap_free;
	si->procs = (unsigned short)(v->nr_threads > 65535 ? 65535 : v->nr_threads);
	si->mem_unit = 1;
}
