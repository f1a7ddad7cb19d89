/* keys.c - zonecfg/SmartOS-style resource controls ("cpu-cap=150,
 * memory=2G") and how they are written into a config document as OCI
 * linux.resources, so OCI clients see the same values.
 *
 *   cpu-shares=N          linux.resources.cpu.shares (2..262144)
 *   cpu-cap=PCT           cpu.quota = PCT*1000 with cpu.period 100000 (100 = one CPU)
 *   cpu-burst=US          cpu.burst (microseconds)
 *   cpuset=LIST           cpu.cpus ("0-1,3")
 *   memory=SIZE           memory.limit (at least 4M)
 *   swap=SIZE             swap on top of memory: memory.swap = memory + SIZE
 *   memory-reservation=SIZE  memory.reservation
 *   processes=N           pids.limit (at least 1)
 *   io-weight=N           blockIO.weight (10..1000)
 *   io-read-bps=DEV:SIZE  blockIO.throttleReadBpsDevice (DEV a block device
 *   io-write-bps=DEV:SIZE   path, stat'ed for major:minor; SIZE per second)
 *   io-read-iops=DEV:N    blockIO.throttleReadIOPSDevice
 *   io-write-iops=DEV:N   blockIO.throttleWriteIOPSDevice
 *   disk=SIZE             zone.disk: the size of the zone's own filesystem
 *                         (at create; grows while halted; runtime/brand/disk.c)
 *   autoboot=true|false   zone.autoboot: booted with the host (zonectl boot
 *                         --all-autoboot, which zonectl.service runs)
 *
 * cpu-cap, cpu-burst, memory, swap, memory-reservation and processes also
 * take "none" (no limit).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "json.h"
#include "runtime.h"

#define CPU_PERIOD 100000
#define MEM_MIN (4 << 20)

typedef int (*key_fn)(const char *v, struct zone_keys *k, const char **why);

static bool is_none(const char *v)
{
	return !strcmp(v, "none");
}

static int int_in(const char *v, int64_t min, int64_t max, int64_t *out, const char **why)
{
	char *end;
	errno = 0;
	long long n = strtoll(v, &end, 10);
	if (!*v || *end || errno) {
		*why = "not a number";
		return -EINVAL;
	}
	if (n < min || n > max) {
		*why = NULL; /* the caller says the range */
		return -ERANGE;
	}
	*out = n;
	return 0;
}

static int size_of(const char *v, int64_t *out, const char **why)
{
	uint64_t n;
	if (is_none(v)) {
		*out = -1;
		return 0;
	}
	if (parse_size(v, &n) < 0 || n > INT64_MAX) {
		*why = "not a size (like 512M, 2G or none)";
		return -EINVAL;
	}
	*out = (int64_t)n;
	return 0;
}

static int k_shares(const char *v, struct zone_keys *k, const char **why)
{
	int64_t n;
	int r = int_in(v, 2, 262144, &n, why);
	if (r == -ERANGE)
		*why = "must be between 2 and 262144";
	if (r < 0)
		return r;
	k->res.has_cpu_shares = true;
	k->res.cpu_shares = (uint64_t)n;
	k->groups |= ZK_CPU;
	return 0;
}

static int k_cap(const char *v, struct zone_keys *k, const char **why)
{
	int64_t n = -1;
	if (!is_none(v)) {
		int r = int_in(v, 1, INT64_MAX / CPU_PERIOD, &n, why);
		if (r == -ERANGE)
			*why = "must be at least 1 (percent of one CPU)";
		if (r < 0)
			return r;
		k->res.has_cpu_period = true;
		k->res.cpu_period = CPU_PERIOD;
	}
	k->res.has_cpu_quota = true;
	k->res.cpu_quota = n < 0 ? -1 : n * CPU_PERIOD / 100;
	k->groups |= ZK_CPU;
	return 0;
}

static int k_burst(const char *v, struct zone_keys *k, const char **why)
{
	int64_t n = 0;
	if (!is_none(v)) {
		int r = int_in(v, 0, INT64_MAX, &n, why);
		if (r == -ERANGE)
			*why = "must be 0 or more (microseconds)";
		if (r < 0)
			return r;
	}
	k->res.has_cpu_burst = true;
	k->res.cpu_burst = (uint64_t)n;
	k->groups |= ZK_CPU;
	return 0;
}

static int k_cpuset(const char *v, struct zone_keys *k, const char **why)
{
	if (!*v || strspn(v, "0123456789,-") != strlen(v) || *v == ',' || *v == '-') {
		*why = "not a CPU list (like 0-1,3)";
		return -EINVAL;
	}
	free(k->res.cpuset_cpus);
	k->res.cpuset_cpus = xstrdup(v);
	k->groups |= ZK_CPUSET;
	return 0;
}

static int k_memory(const char *v, struct zone_keys *k, const char **why)
{
	int64_t n;
	int r = size_of(v, &n, why);
	if (r < 0)
		return r;
	if (n >= 0 && n < MEM_MIN) {
		*why = "must be at least 4M";
		return -EINVAL;
	}
	k->res.has_mem_limit = true;
	k->res.mem_limit = n;
	k->groups |= ZK_MEMORY;
	return 0;
}

static int k_swap(const char *v, struct zone_keys *k, const char **why)
{
	int64_t n;
	int r = size_of(v, &n, why);
	if (r < 0)
		return r;
	k->res.has_mem_swap = true;
	k->res.mem_swap = n; /* swap alone; zone_keys_merge adds memory */
	k->groups |= ZK_MEMORY;
	return 0;
}

static int k_reservation(const char *v, struct zone_keys *k, const char **why)
{
	int64_t n;
	int r = size_of(v, &n, why);
	if (r < 0)
		return r;
	k->res.has_mem_reservation = true;
	k->res.mem_reservation = n;
	k->groups |= ZK_MEMORY;
	return 0;
}

static int k_processes(const char *v, struct zone_keys *k, const char **why)
{
	int64_t n = -1;
	if (!is_none(v)) {
		int r = int_in(v, 1, INT32_MAX, &n, why);
		if (r == -ERANGE)
			*why = "must be at least 1";
		if (r < 0)
			return r;
	}
	k->res.has_pids_limit = true;
	k->res.pids_limit = n;
	k->groups |= ZK_PIDS;
	return 0;
}

static int k_io_weight(const char *v, struct zone_keys *k, const char **why)
{
	int64_t n;
	int r = int_in(v, 10, 1000, &n, why);
	if (r == -ERANGE)
		*why = "must be between 10 and 1000";
	if (r < 0)
		return r;
	k->res.has_blkio_weight = true;
	k->res.blkio_weight = (uint16_t)n;
	k->groups |= ZK_IO;
	return 0;
}

/* "DEV:RATE": the device must exist and be a block device. */
static int throttle(const char *v, int kind, bool bytes, struct zone_keys *k, const char **why)
{
	static char msg[512];
	const char *colon = strrchr(v, ':');
	if (!colon || colon == v || !colon[1]) {
		*why = bytes ? "expected DEV:RATE (like /dev/vda:10M)"
			     : "expected DEV:N (like /dev/vda:100)";
		return -EINVAL;
	}
	uint64_t rate;
	int64_t n;
	if (bytes && parse_size(colon + 1, &rate) < 0) {
		*why = "not a rate (like 10M, bytes per second)";
		return -EINVAL;
	}
	if (!bytes) {
		if (int_in(colon + 1, 1, INT64_MAX, &n, why) < 0) {
			*why = "not a number of operations per second";
			return -EINVAL;
		}
		rate = (uint64_t)n;
	}
	if (!rate) {
		*why = "must be at least 1";
		return -EINVAL;
	}
	cleanup_free char *dev = xstrndup(v, (size_t)(colon - v));
	struct stat st;
	const char *bad = NULL;
	if (stat(dev, &st) < 0)
		bad = strerror(errno);
	else if (!S_ISBLK(st.st_mode))
		bad = "not a block device";
	if (bad) {
		snprintf(msg, sizeof(msg), "%s: %s", dev, bad);
		*why = msg;
		return -ENODEV;
	}
	struct rctl_resources *r = &k->res;
	r->throttles = xrealloc(r->throttles, (r->n_throttles + 1) * sizeof(*r->throttles));
	r->throttles[r->n_throttles++] = (struct rctl_throttle){
		.kind = kind, .major = major(st.st_rdev), .minor = minor(st.st_rdev), .rate = rate};
	k->groups |= ZK_IO;
	return 0;
}

static int k_read_bps(const char *v, struct zone_keys *k, const char **why)
{
	return throttle(v, RT_READ_BPS, true, k, why);
}

static int k_write_bps(const char *v, struct zone_keys *k, const char **why)
{
	return throttle(v, RT_WRITE_BPS, true, k, why);
}

static int k_read_iops(const char *v, struct zone_keys *k, const char **why)
{
	return throttle(v, RT_READ_IOPS, false, k, why);
}

static int k_write_iops(const char *v, struct zone_keys *k, const char **why)
{
	return throttle(v, RT_WRITE_IOPS, false, k, why);
}

static int k_disk(const char *v, struct zone_keys *k, const char **why)
{
	uint64_t n;
	if (parse_size(v, &n) < 0 || n > INT64_MAX) {
		*why = "not a size (like 512M or 20G)";
		return -EINVAL;
	}
	if (n < ZONE_DISK_MIN) {
		*why = "must be at least 16M";
		return -EINVAL;
	}
	k->has_disk = true;
	k->disk = n;
	return 0;
}

static int k_autoboot(const char *v, struct zone_keys *k, const char **why)
{
	if (strcmp(v, "true") && strcmp(v, "false")) {
		*why = "must be true or false";
		return -EINVAL;
	}
	k->has_autoboot = true;
	k->autoboot = !strcmp(v, "true");
	return 0;
}

static const struct {
	const char *key;
	key_fn fn;
} keys[] = {
	{"cpu-shares", k_shares},
	{"cpu-cap", k_cap},
	{"cpu-burst", k_burst},
	{"cpuset", k_cpuset},
	{"memory", k_memory},
	{"swap", k_swap},
	{"memory-reservation", k_reservation},
	{"processes", k_processes},
	{"io-weight", k_io_weight},
	{"io-read-bps", k_read_bps},
	{"io-write-bps", k_write_bps},
	{"io-read-iops", k_read_iops},
	{"io-write-iops", k_write_iops},
	{"disk", k_disk},
	{"autoboot", k_autoboot},
};

static int parse_one(const char *name, const char *verb, const char *item, struct zone_keys *k,
		     struct zerr *err)
{
	const char *eq = strchr(item, '=');
	if (!eq || eq == item)
		return zerr_setx(err, EINVAL, "zone %s: %s: `%s`: expected KEY=VALUE", name, verb,
				 item);
	size_t klen = (size_t)(eq - item);
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		if (strlen(keys[i].key) != klen || strncmp(keys[i].key, item, klen))
			continue;
		const char *why = "bad value";
		if (keys[i].fn(eq + 1, k, &why) < 0)
			return zerr_setx(err, EINVAL, "zone %s: %s: %s: %s", name, verb, item, why);
		return 0;
	}
	return zerr_setx(err, EINVAL,
			 "zone %s: %s: %s: unknown key (cpu-shares, cpu-cap, cpu-burst, "
			 "cpuset, memory, swap, memory-reservation, processes, io-weight, "
			 "io-read-bps, io-write-bps, io-read-iops, io-write-iops, disk, "
			 "autoboot)",
			 name, verb, item);
}

/* Items are split at commas; a piece without '=' continues the item
 * before it, so "cpuset=0,2,memory=1G" keeps the CPU list whole. */
int zone_keys_parse(const char *name, const char *verb, const char *spec, struct zone_keys *k,
		    struct zerr *err)
{
	const char *s = spec;
	int n = 0;
	while (*s) {
		size_t len = strcspn(s, ",");
		while (s[len] == ',' && s[len + 1] &&
		       !memchr(s + len + 1, '=', strcspn(s + len + 1, ",")) && memchr(s, '=', len))
			len += 1 + strcspn(s + len + 1, ",");
		cleanup_free char *item = xstrndup(s, len);
		if (*item) {
			int r = parse_one(name, verb, item, k, err);
			if (r < 0)
				return r;
			n++;
		}
		s += len + (s[len] == ',');
	}
	if (!n)
		return zerr_setx(err, EINVAL, "zone %s: %s: `%s`: expected KEY=VALUE", name, verb,
				 spec);
	return 0;
}

void zone_keys_free(struct zone_keys *k)
{
	rctl_resources_free(&k->res);
	k->groups = 0;
}

/* ---- writing into the document ---------------------------------------- */

/* One member to put into an object: a number, a string, or an object
 * merged into what is there. */
struct ov {
	const char *key;
	enum { OV_INT, OV_BOOL, OV_STR, OV_OBJ, OV_THR } t;
	int64_t i;                        /* OV_THR: the RT_* kind */
	const struct rctl_resources *res; /* OV_THR: the new throttles */
	const char *s;
	struct ov *kids;
	size_t n;
};

static void write_merged(struct jw *w, const struct jv *old, const struct ov *kids, size_t n);

static bool same_dev(const struct rctl_throttle *t, int64_t major, int64_t minor)
{
	return t->major == major && t->minor == minor;
}

/* Index of the last new throttle of this kind for the device, or -1. */
static ssize_t new_throttle(const struct rctl_resources *r, int kind, int64_t major, int64_t minor)
{
	ssize_t found = -1;
	for (size_t i = 0; i < r->n_throttles; i++)
		if (r->throttles[i].kind == kind && same_dev(&r->throttles[i], major, minor))
			found = (ssize_t)i;
	return found;
}

/* The old entries for devices not given again, then the new ones. */
static void write_throttles(struct jw *w, const struct jv *old, const struct ov *o)
{
	jw_arr_open(w);
	size_t m = jv_type(old) == JV_ARRAY ? jv_len(old) : 0;
	for (size_t i = 0; i < m; i++) {
		const struct jv *e = jv_at(old, i);
		int64_t major = -1, minor = -1;
		jv_int64(jv_get(e, "major"), "", &major, NULL);
		jv_int64(jv_get(e, "minor"), "", &minor, NULL);
		if (new_throttle(o->res, (int)o->i, major, minor) < 0)
			jw_value(w, e);
	}
	for (size_t i = 0; i < o->res->n_throttles; i++) {
		const struct rctl_throttle *t = &o->res->throttles[i];
		if (t->kind != o->i ||
		    new_throttle(o->res, t->kind, t->major, t->minor) != (ssize_t)i)
			continue;
		jw_obj_open(w);
		jw_key(w, "major");
		jw_int(w, t->major);
		jw_key(w, "minor");
		jw_int(w, t->minor);
		jw_key(w, "rate");
		jw_uint(w, t->rate);
		jw_obj_close(w);
	}
	jw_arr_close(w);
}

static void write_ov(struct jw *w, const struct jv *old, const struct ov *o)
{
	if (o->t == OV_INT)
		jw_int(w, o->i);
	else if (o->t == OV_BOOL)
		jw_bool(w, o->i != 0);
	else if (o->t == OV_STR)
		jw_str(w, o->s);
	else if (o->t == OV_THR)
		write_throttles(w, old, o);
	else
		write_merged(w, old, o->kids, o->n);
}

/* The members of old in their order, with those named in kids replaced,
 * then the kids old did not have. */
static void write_merged(struct jw *w, const struct jv *old, const struct ov *kids, size_t n)
{
	bool done[16] = {0};
	jw_obj_open(w);
	size_t m = jv_type(old) == JV_OBJECT ? jv_len(old) : 0;
	for (size_t i = 0; i < m; i++) {
		const char *key = jv_key(old, i);
		size_t j = 0;
		while (j < n && strcmp(kids[j].key, key))
			j++;
		if (j < n && done[j])
			continue; /* a duplicate key: the validator would refuse it */
		jw_key(w, key);
		if (j < n) {
			write_ov(w, jv_val(old, i), &kids[j]);
			done[j] = true;
		} else {
			jw_value(w, jv_val(old, i));
		}
	}
	for (size_t j = 0; j < n; j++) {
		if (done[j])
			continue;
		jw_key(w, kids[j].key);
		write_ov(w, NULL, &kids[j]);
	}
	jw_obj_close(w);
}

static const struct jv *mem_member(const struct jv *doc, const char *key)
{
	const struct jv *r = jv_get(jv_get(doc, "linux"), "resources");
	return jv_get(jv_get(r, "memory"), key);
}

/* OCI's memory.swap counts memory plus swap: swap=S is stored as the
 * memory limit + S; a new memory limit alone keeps the swap on top. */
static int swap_total(const char *name, const char *verb, const struct jv *doc,
		      const struct zone_keys *k, bool *set, int64_t *out, struct zerr *err)
{
	int64_t old_limit = -1, old_swap = 0;
	bool had_limit = jv_int64(mem_member(doc, "limit"), "", &old_limit, NULL) == 0;
	bool had_swap = jv_int64(mem_member(doc, "swap"), "", &old_swap, NULL) == 0;
	int64_t limit = k->res.has_mem_limit ? k->res.mem_limit : had_limit ? old_limit : -1;
	*set = false;
	if (k->res.has_mem_swap) {
		*set = true;
		if (k->res.mem_swap < 0 || limit < 0) {
			if (k->res.mem_swap >= 0)
				return zerr_setx(err, EINVAL,
						 "zone %s: %s: swap: needs a memory limit "
						 "(set memory too)",
						 name, verb);
			*out = -1;
			return 0;
		}
		*out = limit + k->res.mem_swap;
		return 0;
	}
	if (k->res.has_mem_limit && had_swap && old_swap > 0) {
		*set = true;
		*out = limit < 0 || !had_limit || old_limit < 0 ? -1
								: limit + (old_swap - old_limit);
	}
	return 0;
}

#define ADD_INT(arr, n, k, v) ((arr)[(n)++] = (struct ov){.key = (k), .t = OV_INT, .i = (v)})

int zone_keys_merge(const char *name, const char *verb, const char *text, size_t len,
		    const struct zone_keys *k, char **out, size_t *out_len, struct zerr *err)
{
	cleanup_json struct jv *doc = NULL;
	int r = json_parse(text, len, &doc, err);
	if (r < 0)
		return zerr_prefix(err, "zone %s: config", name);
	const struct rctl_resources *s = &k->res;
	struct ov cpu[6], mem[3], pids[1], io[1 + RT_KINDS], res[4];
	size_t nc = 0, nm = 0, np = 0, ni = 0, nr = 0;
	if (s->has_cpu_shares)
		ADD_INT(cpu, nc, "shares", (int64_t)s->cpu_shares);
	if (s->has_cpu_quota)
		ADD_INT(cpu, nc, "quota", s->cpu_quota);
	if (s->has_cpu_period)
		ADD_INT(cpu, nc, "period", (int64_t)s->cpu_period);
	if (s->has_cpu_burst)
		ADD_INT(cpu, nc, "burst", (int64_t)s->cpu_burst);
	if (s->cpuset_cpus)
		cpu[nc++] = (struct ov){.key = "cpus", .t = OV_STR, .s = s->cpuset_cpus};
	if (s->has_mem_limit)
		ADD_INT(mem, nm, "limit", s->mem_limit);
	bool swap_set;
	int64_t swap = -1;
	if ((r = swap_total(name, verb, doc, k, &swap_set, &swap, err)) < 0)
		return r;
	if (swap_set)
		ADD_INT(mem, nm, "swap", swap);
	if (s->has_mem_reservation)
		ADD_INT(mem, nm, "reservation", s->mem_reservation);
	if (s->has_pids_limit)
		ADD_INT(pids, np, "limit", s->pids_limit);
	if (s->has_blkio_weight)
		ADD_INT(io, ni, "weight", s->blkio_weight);
	static const char *const thr_keys[RT_KINDS] = {
		"throttleReadBpsDevice",
		"throttleWriteBpsDevice",
		"throttleReadIOPSDevice",
		"throttleWriteIOPSDevice",
	};
	for (int kind = 0; kind < RT_KINDS; kind++)
		for (size_t i = 0; i < s->n_throttles; i++)
			if (s->throttles[i].kind == kind) {
				io[ni++] = (struct ov){
					.key = thr_keys[kind], .t = OV_THR, .i = kind, .res = s};
				break;
			}
	if (nc)
		res[nr++] = (struct ov){.key = "cpu", .t = OV_OBJ, .kids = cpu, .n = nc};
	if (nm)
		res[nr++] = (struct ov){.key = "memory", .t = OV_OBJ, .kids = mem, .n = nm};
	if (np)
		res[nr++] = (struct ov){.key = "pids", .t = OV_OBJ, .kids = pids, .n = np};
	if (ni)
		res[nr++] = (struct ov){.key = "blockIO", .t = OV_OBJ, .kids = io, .n = ni};
	struct ov resources = {.key = "resources", .t = OV_OBJ, .kids = res, .n = nr};
	struct ov zone[2];
	size_t nz = 0;
	if (k->has_disk)
		ADD_INT(zone, nz, "disk", (int64_t)k->disk);
	if (k->has_autoboot)
		zone[nz++] = (struct ov){.key = "autoboot", .t = OV_BOOL, .i = k->autoboot};
	struct ov top[2] = {
		{.key = "linux", .t = OV_OBJ, .kids = &resources, .n = 1},
		{.key = "zone", .t = OV_OBJ, .kids = zone, .n = nz},
	};
	struct jw *w = jw_new(true);
	write_merged(w, doc, nr ? top : top + 1, (size_t)(nr ? 1 : 0) + (nz ? 1 : 0));
	*out = jw_finish(w, out_len);
	if (!*out)
		return zerr_setx(err, EINVAL, "zone %s: %s: cannot encode the config", name, verb);
	return 0;
}
