/* trace.c - loading the tracers (bpf/zt.bpf.c) for a set of zones and
 * reading what they gathered.
 *
 * Only the programs of the tracer asked for are loaded, and the maps the
 * others would use are made with one entry: nothing else is attached,
 * little kernel memory is held. Every attachment is an fd of this process
 * (BPF links, perf events): nothing is pinned, so the kernel detaches and
 * frees it all when the tracer exits, however it exits (kill -9 too).
 * Programs are filtered by zone in the kernel (see zt.bpf.c); this side
 * only reads the maps, names stacks and syscalls, and sorts. */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/perf_event.h>
#include <seccomp.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <unistd.h>

#include "bpf/tracebpf.h"
#include "internal.h"
#include "trace.h"
#include "zbpf.h"

#define WHAT "trace"

struct tracer {
	struct bpf_object *obj;
	enum trace_tool tool;
	struct bpf_link **links;
	size_t nlinks;
	int *events; /* profile: a cpu-clock perf event per CPU */
	size_t nevents;
	size_t nzones;
	char **names;
	struct syms *syms; /* of every process seen in a stack */
};

/* The programs of each tracer, and whether it needs the stack maps. */
static const struct {
	const char *progs[5];
	bool stacks;
} tools[] = {
	[TRACE_PROFILE] = {{"profile"}, true},
	[TRACE_SYSCALLS] = {{"sys_enter", "sys_exit"}, false},
	[TRACE_RUNQLAT] = {{"runq_wakeup", "runq_wakeup_new", "runq_switch"}, false},
	[TRACE_OFFCPU] = {{"offcpu_switch"}, true},
	[TRACE_TCP] = {{"tcp_retransmit", "tcp_send_reset", "tcp_receive_reset", "tcp_state"},
		       false},
	[TRACE_IO] = {{"io_issue", "io_complete"}, false},
};

static bool wanted(enum trace_tool t, const char *prog)
{
	for (size_t i = 0; i < 5 && tools[t].progs[i]; i++)
		if (strcmp(tools[t].progs[i], prog) == 0)
			return true;
	return false;
}

static int prepare(struct bpf_object *obj, void *arg)
{
	enum trace_tool t = *(enum trace_tool *)arg;
	struct bpf_program *p;
	bpf_object__for_each_program(p, obj) {
		int r = bpf_program__set_autoload(p, wanted(t, bpf_program__name(p)));
		if (r < 0)
			return r;
	}
	/* maps this tracer does not use: one entry each */
	const char *small[4] = {NULL};
	size_t n = 0;
	if (!tools[t].stacks) {
		small[n++] = "stacks";
		small[n++] = "stack_counts";
	}
	if (t != TRACE_SYSCALLS)
		small[n++] = "sys_stats";
	if (t != TRACE_TCP)
		small[n++] = "tcp_counts";
	for (size_t i = 0; i < n; i++) {
		struct bpf_map *m = bpf_object__find_map_by_name(obj, small[i]);
		int r = m ? bpf_map__set_max_entries(m, 1) : -ENOENT;
		if (r < 0)
			return r;
	}
	return 0;
}

static int map_fd(struct tracer *tr, const char *name)
{
	struct bpf_map *m = bpf_object__find_map_by_name(tr->obj, name);
	return m ? bpf_map__fd(m) : -1;
}

/* The online CPUs, from "0-3,6". */
static int online_cpus(int **cpus, size_t *n, struct zerr *err)
{
	cleanup_free char *s = NULL;
	int r = read_file("/sys/devices/system/cpu/online", &s, NULL, err);
	if (r < 0)
		return r;
	*cpus = NULL;
	*n = 0;
	for (char *p = s; *p && *p != '\n';) {
		char *end;
		long a = strtol(p, &end, 10), b = a;
		if (*end == '-')
			b = strtol(end + 1, &end, 10);
		for (long c = a; c <= b; c++) {
			*cpus = xrealloc(*cpus, (*n + 1) * sizeof(int));
			(*cpus)[(*n)++] = (int)c;
		}
		p = *end == ',' ? end + 1 : end;
	}
	return 0;
}

static int attach_profile(struct tracer *tr, unsigned hz, struct zerr *err)
{
	struct bpf_program *prog = bpf_object__find_program_by_name(tr->obj, "profile");
	cleanup_free int *cpus = NULL;
	size_t n;
	int r = online_cpus(&cpus, &n, err);
	if (r < 0)
		return r;
	tr->events = xcalloc(n, sizeof(int));
	tr->links = xcalloc(n, sizeof(*tr->links));
	for (size_t i = 0; i < n; i++) {
		struct perf_event_attr a = {
			.type = PERF_TYPE_SOFTWARE,
			.size = sizeof(a),
			.config = PERF_COUNT_SW_CPU_CLOCK,
			.sample_freq = hz,
			.freq = 1,
		};
		int fd = (int)syscall(SYS_perf_event_open, &a, -1, cpus[i], -1,
				      PERF_FLAG_FD_CLOEXEC);
		if (fd < 0)
			return zerr_set(err, errno, WHAT ": the cpu-clock perf event on CPU %d",
					cpus[i]);
		tr->events[tr->nevents++] = fd;
		struct bpf_link *l = bpf_program__attach_perf_event(prog, fd);
		if (!l)
			return zbpf_failed(WHAT, "attach", "profile", errno, err);
		tr->links[tr->nlinks++] = l;
	}
	return 0;
}

static int attach_each(struct tracer *tr, struct zerr *err)
{
	struct bpf_program *p;
	size_t n = 0;
	bpf_object__for_each_program(p, tr->obj)
		n++;
	tr->links = xcalloc(n, sizeof(*tr->links));
	bpf_object__for_each_program(p, tr->obj) {
		if (!bpf_program__autoload(p))
			continue;
		struct bpf_link *l = bpf_program__attach(p);
		if (!l)
			return zbpf_failed(WHAT, "attach", bpf_program__name(p), errno, err);
		tr->links[tr->nlinks++] = l;
	}
	return 0;
}

int trace_start(const struct trace_opts *o, const struct trace_target *t, size_t n,
		struct tracer **out, struct zerr *err)
{
	if (access("/sys/kernel/btf/vmlinux", R_OK) != 0)
		return zerr_setx(err, ENOTSUP,
				 WHAT ": this kernel has no BTF (/sys/kernel/btf/vmlinux): "
				      "tracing needs a kernel built with CONFIG_DEBUG_INFO_BTF");
	if (n == 0 || n > TRACE_ZONES_MAX)
		return zerr_setx(err, EINVAL, WHAT ": %zu zones (1 to %d)", n, TRACE_ZONES_MAX);
	struct tracebpf_cfg cfg = {.kernel_stacks = o->kernel};
	for (size_t i = 0; i < n; i++) {
		if (t[i].level < 0 || t[i].level >= TRACE_LEVELS)
			return zerr_setx(err, ERANGE,
					 WHAT
					 ": zone %s: its cgroup is %d levels deep (at most %d)",
					 t[i].name, t[i].level, TRACE_LEVELS - 1);
		cfg.levels |= 1u << t[i].level;
	}
	struct tracer *tr = xcalloc(1, sizeof(*tr));
	tr->tool = o->tool;
	tr->syms = syms_new();
	enum trace_tool tool = o->tool;
	int r = zbpf_load(WHAT, "zt", _binary_zt_bpf_o_start, _binary_zt_bpf_o_end, &cfg,
			  sizeof(cfg), prepare, &tool, &tr->obj, err);
	if (r < 0) {
		free(tr);
		return r;
	}
	int zones = map_fd(tr, "zones");
	tr->names = xcalloc(n, sizeof(char *));
	for (size_t i = 0; i < n; i++) {
		__u32 idx = (__u32)i;
		tr->names[i] = xstrdup(t[i].name);
		tr->nzones++;
		if (bpf_map_update_elem(zones, &t[i].cgroup_id, &idx, BPF_ANY) < 0) {
			r = zerr_set(err, errno, WHAT ": zone %s: the zones map", t[i].name);
			goto fail;
		}
	}
	r = o->tool == TRACE_PROFILE ? attach_profile(tr, o->hz, err) : attach_each(tr, err);
	if (r < 0)
		goto fail;
	*out = tr;
	return 0;
fail:
	trace_stop(tr);
	return r;
}

void trace_stop(struct tracer *tr)
{
	if (!tr)
		return;
	for (size_t i = 0; i < tr->nlinks; i++)
		bpf_link__destroy(tr->links[i]);
	for (size_t i = 0; i < tr->nevents; i++)
		close(tr->events[i]);
	bpf_object__close(tr->obj);
	syms_free(tr->syms);
	for (size_t i = 0; i < tr->nzones; i++)
		free(tr->names[i]);
	free(tr->names);
	free(tr->links);
	free(tr->events);
	free(tr);
}

/* ---- reading the maps --------------------------------------------------- */

/* Every key of a map (key_size bytes each), read before any is deleted. */
static size_t keys_of(int fd, size_t key_size, void **keys)
{
	size_t n = 0, cap = 0;
	unsigned char prev[64], next[64];
	*keys = NULL;
	void *at = NULL;
	while (bpf_map_get_next_key(fd, at, next) == 0) {
		if (n == cap)
			*keys = xrealloc(*keys, (cap = cap ? 2 * cap : 256) * key_size);
		memcpy((char *)*keys + n * key_size, next, key_size);
		n++;
		memcpy(prev, next, key_size);
		at = prev;
	}
	return n;
}

static void add_frames(struct trace_stack *st, struct syms *sy, int stacks, __s32 id, bool kernel)
{
	__u64 ips[TRACE_STACK_DEPTH] = {0};
	if (id < 0 || bpf_map_lookup_elem(stacks, &id, ips) < 0)
		return;
	for (int k = 0; k < TRACE_STACK_DEPTH && ips[k]; k++) {
		st->frames = xrealloc(st->frames, (st->nframes + 1) * sizeof(char *));
		st->frames[st->nframes++] = kernel ? syms_kernel(sy, ips[k])
						   : syms_user(sy, st->pid, ips[k], k > 0);
	}
}

static int by_value(const void *a, const void *b)
{
	const struct trace_stack *x = a, *y = b;
	return x->value < y->value ? 1 : x->value > y->value ? -1 : 0;
}

static int same_place(const void *a, const void *b)
{
	const struct trace_stack *x = a, *y = b;
	if (x->zone != y->zone)
		return x->zone < y->zone ? -1 : 1;
	if (x->pid != y->pid)
		return x->pid < y->pid ? -1 : 1;
	int c = strcmp(x->comm, y->comm);
	for (size_t k = 0; c == 0 && k < x->nframes && k < y->nframes; k++)
		c = strcmp(x->frames[k], y->frames[k]);
	if (c == 0 && x->nframes != y->nframes)
		c = x->nframes < y->nframes ? -1 : 1;
	return c;
}

/* Stacks that differ only in addresses within the same functions are
 * one stack to a reader: added up. */
static void merge_stacks(struct trace_report *r)
{
	if (r->nstacks < 2)
		return;
	qsort(r->stacks, r->nstacks, sizeof(*r->stacks), same_place);
	size_t out = 0;
	for (size_t i = 1; i < r->nstacks; i++) {
		struct trace_stack *keep = &r->stacks[out], *s = &r->stacks[i];
		if (same_place(keep, s) == 0) {
			keep->value += s->value;
			for (size_t k = 0; k < s->nframes; k++)
				free(s->frames[k]);
			free(s->frames);
		} else
			r->stacks[++out] = *s;
	}
	r->nstacks = out + 1;
}

static void collect_stacks(struct tracer *tr, bool reset, struct trace_report *r)
{
	int counts = map_fd(tr, "stack_counts"), stacks = map_fd(tr, "stacks");
	cleanup_free struct tracebpf_stack_key *keys = NULL;
	size_t n = keys_of(counts, sizeof(*keys), (void **)&keys);
	struct syms *sy = tr->syms;
	r->stacks = xcalloc(n ? n : 1, sizeof(*r->stacks));
	for (size_t i = 0; i < n; i++) {
		__u64 v = 0;
		if (bpf_map_lookup_elem(counts, &keys[i], &v) < 0 || keys[i].zone >= tr->nzones)
			continue;
		struct trace_stack *st = &r->stacks[r->nstacks++];
		st->zone = keys[i].zone;
		st->pid = (pid_t)keys[i].pid;
		st->zpid = syms_zone_pid(sy, st->pid);
		memcpy(st->comm, keys[i].comm, sizeof(st->comm));
		st->comm[sizeof(st->comm) - 1] = '\0';
		st->value = v;
		add_frames(st, sy, stacks, keys[i].kstack, true);
		add_frames(st, sy, stacks, keys[i].ustack, false);
		if (keys[i].ustack == -EEXIST || keys[i].kstack == -EEXIST ||
		    keys[i].ustack == -ENOMEM || keys[i].kstack == -ENOMEM)
			r->lost += v;
	}
	merge_stacks(r);
	qsort(r->stacks, r->nstacks, sizeof(*r->stacks), by_value);
	if (!reset)
		return;
	for (size_t i = 0; i < n; i++) {
		bpf_map_delete_elem(counts, &keys[i]);
		if (keys[i].ustack >= 0)
			bpf_map_delete_elem(stacks, &keys[i].ustack);
		if (keys[i].kstack >= 0)
			bpf_map_delete_elem(stacks, &keys[i].kstack);
	}
}

static const char *hist_label(__u32 h)
{
	switch (h) {
	case TRACE_H_RUNQ: return "run queue latency";
	case TRACE_H_SYSCALL: return "syscall latency";
	case TRACE_H_CONNECT: return "tcp connect latency";
	case TRACE_H_OFFCPU: return "off-CPU time";
	default: return "io latency";
	}
}

static int by_zone_label(const void *a, const void *b)
{
	const struct trace_hist *x = a, *y = b;
	return x->zone != y->zone ? (x->zone < y->zone ? -1 : 1) : strcmp(x->label, y->label);
}

static void collect_hists(struct tracer *tr, bool reset, struct trace_report *r)
{
	int fd = map_fd(tr, "hists");
	cleanup_free struct tracebpf_hist_key *keys = NULL;
	size_t n = keys_of(fd, sizeof(*keys), (void **)&keys);
	int ncpu = libbpf_num_possible_cpus();
	cleanup_free __u64 *per_cpu = xcalloc((size_t)(ncpu > 0 ? ncpu : 1), sizeof(__u64));
	for (size_t i = 0; i < n; i++) {
		__u64 v = 0;
		const struct tracebpf_hist_key *k = &keys[i];
		if (ncpu <= 0 || bpf_map_lookup_elem(fd, k, per_cpu) < 0 || k->zone >= tr->nzones ||
		    k->slot >= TRACE_HIST_SLOTS)
			continue;
		for (int c = 0; c < ncpu; c++)
			v += per_cpu[c];
		cleanup_free char *label = k->hist == TRACE_H_IO
						   ? xasprintf("io latency, device %u:%u",
							       k->dev >> 20, k->dev & 0xfffff)
						   : xstrdup(hist_label(k->hist));
		size_t h = 0;
		while (h < r->nhists &&
		       !(r->hists[h].zone == k->zone && strcmp(r->hists[h].label, label) == 0))
			h++;
		if (h == r->nhists) {
			r->hists = xrealloc(r->hists, (h + 1) * sizeof(*r->hists));
			r->hists[h] = (struct trace_hist){.zone = k->zone, .label = xstrdup(label)};
			r->nhists++;
		}
		r->hists[h].slot[k->slot] += v;
	}
	qsort(r->hists, r->nhists, sizeof(*r->hists), by_zone_label);
	if (reset)
		for (size_t i = 0; i < n; i++)
			bpf_map_delete_elem(fd, &keys[i]);
}

static int by_count(const void *a, const void *b)
{
	const struct trace_sys *x = a, *y = b;
	return x->count < y->count ? 1 : x->count > y->count ? -1 : strcmp(x->name, y->name);
}

static void collect_sys(struct tracer *tr, bool reset, struct trace_report *r)
{
	int fd = map_fd(tr, "sys_stats");
	cleanup_free struct tracebpf_sys_key *keys = NULL;
	size_t n = keys_of(fd, sizeof(*keys), (void **)&keys);
	r->sys = xcalloc(n ? n : 1, sizeof(*r->sys));
	int ncpu = libbpf_num_possible_cpus();
	cleanup_free struct tracebpf_sys_val *per_cpu = xcalloc((size_t)(ncpu > 0 ? ncpu : 1),
								sizeof(*per_cpu));
	for (size_t i = 0; i < n; i++) {
		struct tracebpf_sys_val v = {0};
		if (ncpu <= 0 || bpf_map_lookup_elem(fd, &keys[i], per_cpu) < 0 ||
		    keys[i].zone >= tr->nzones)
			continue;
		for (int c = 0; c < ncpu; c++) {
			v.count += per_cpu[c].count;
			v.total_ns += per_cpu[c].total_ns;
			v.max_ns = per_cpu[c].max_ns > v.max_ns ? per_cpu[c].max_ns : v.max_ns;
		}
		char *name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, (int)keys[i].nr);
		r->sys[r->nsys++] = (struct trace_sys){
			.zone = keys[i].zone,
			.name = name ? name : xasprintf("syscall_%u", keys[i].nr),
			.count = v.count,
			.total_ns = v.total_ns,
			.max_ns = v.max_ns,
		};
		if (reset)
			bpf_map_delete_elem(fd, &keys[i]);
	}
	qsort(r->sys, r->nsys, sizeof(*r->sys), by_count);
}

static void collect_tcp(struct tracer *tr, bool reset, struct trace_report *r)
{
	int fd = map_fd(tr, "tcp_counts");
	cleanup_free struct tracebpf_tcp_key *keys = NULL;
	size_t n = keys_of(fd, sizeof(*keys), (void **)&keys);
	for (size_t i = 0; i < n; i++) {
		__u64 v = 0;
		if (bpf_map_lookup_elem(fd, &keys[i], &v) < 0 || keys[i].zone >= r->nzones)
			continue;
		struct trace_tcp *t = &r->zones[keys[i].zone].tcp;
		uint64_t *c[] = {&t->retrans, &t->rst_sent, &t->rst_recv, &t->connects};
		if (keys[i].what < TRACE_TCP_NCOUNTERS)
			*c[keys[i].what] += v;
		if (reset)
			bpf_map_delete_elem(fd, &keys[i]);
	}
}

void trace_poll(struct tracer *tr)
{
	if (!tools[tr->tool].stacks)
		return;
	int counts = map_fd(tr, "stack_counts");
	cleanup_free struct tracebpf_stack_key *keys = NULL;
	size_t n = keys_of(counts, sizeof(*keys), (void **)&keys);
	for (size_t i = 0; i < n; i++)
		syms_keep(tr->syms, (pid_t)keys[i].pid);
}

int trace_collect(struct tracer *tr, bool reset, struct trace_report *r, struct zerr *err)
{
	(void)err;
	r->tool = tr->tool;
	r->zones = xcalloc(tr->nzones, sizeof(*r->zones));
	for (size_t i = 0; i < tr->nzones; i++)
		r->zones[i].name = xstrdup(tr->names[i]);
	r->nzones = tr->nzones;
	if (tools[tr->tool].stacks)
		collect_stacks(tr, reset, r);
	collect_hists(tr, reset, r);
	if (tr->tool == TRACE_SYSCALLS)
		collect_sys(tr, reset, r);
	if (tr->tool == TRACE_TCP)
		collect_tcp(tr, reset, r);
	return 0;
}
