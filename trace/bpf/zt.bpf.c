/* zt.bpf.c - the tracers behind `zonectl profile` and `zonectl trace`.
 *
 * One object, several programs; the loader (trace/trace.c) loads only the
 * ones the asked-for tracer needs, so nothing else is attached. Every
 * program first asks which traced zone, if any, the task (or socket) at
 * hand belongs to, and returns at once when none: that is the in-kernel
 * filter by zone, and the only work a program does for other zones' and
 * the host's tasks.
 *
 * Which zone: the zones' cgroup2 ids are the keys of the map "zones"
 * (filled before anything attaches). A task belongs to a zone when one of
 * its cgroup2 ancestors, its own cgroup included, is that zone's cgroup:
 * a zone running systemd makes cgroups of its own below, and those count
 * too. Only the levels at which a traced zone's cgroup sits are looked at
 * (cfg.levels), usually one. The cgroup2 hierarchy exists on every host
 * zonectl runs on: on a hybrid host it is the one mounted at
 * /sys/fs/cgroup/unified, where each zone has a cgroup as well.
 *
 * Types come from the running kernel's BTF (CO-RE): the few fields read
 * here are declared with preserve_access_index, and libbpf relocates their
 * offsets at load. The hooks are those every kernel zonectl supports (6.1
 * and later) offers without kprobes: BTF tracepoints (tp_btf) and the
 * cpu-clock software perf event.
 *
 *   profile  perf_event     on-CPU stacks, counted per stack
 *   syscalls sys_enter/exit count, total and max time per syscall; a
 *                           latency histogram over all syscalls
 *   runqlat  sched_wakeup(_new), sched_switch: wake-up (or preemption) to
 *                           running; a throttled zone's tasks wait here too
 *   offcpu   sched_switch   time blocked (not runnable), per stack
 *   tcp      tcp_retransmit_skb, tcp_send_reset, tcp_receive_reset,
 *            inet_sock_set_state: counters, and connect latency (SYN sent
 *                           to established), by the socket's cgroup (which
 *                           is its creator's), as these run in softirqs
 *   io       block_rq_issue/complete: latency by device, for requests a
 *                           zone's thread issues (the kernel's flusher
 *                           writes back later in its own name)
 */
#include <linux/bpf.h>
#include <linux/bpf_perf_event.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "tracebpf.h"

/* BPF_PROG names every argument of a hook, used or not */
#pragma clang diagnostic ignored "-Wunused-parameter"

char LICENSE[] SEC("license") = "GPL";

const volatile struct tracebpf_cfg cfg = {};

struct kernfs_node {
	__u64 id;
} __attribute__((preserve_access_index));
struct cgroup {
	int level;
	struct kernfs_node *kn;
	struct cgroup *ancestors[];
} __attribute__((preserve_access_index));
struct css_set {
	struct cgroup *dfl_cgrp;
} __attribute__((preserve_access_index));
struct task_struct {
	int pid, tgid;
	char comm[TRACE_COMM];
	struct css_set *cgroups;
} __attribute__((preserve_access_index));
struct sock_cgroup_data {
	struct cgroup *cgroup;
} __attribute__((preserve_access_index));
struct sock {
	struct sock_cgroup_data sk_cgrp_data;
} __attribute__((preserve_access_index));
struct block_device {
	__u32 bd_dev;
} __attribute__((preserve_access_index));
struct request {
	struct block_device *part;
} __attribute__((preserve_access_index));
struct pt_regs;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, TRACE_ZONES_MAX);
	__type(key, __u64);   /* cgroup2 id */
	__type(value, __u32); /* zone index */
} zones SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_STACK_TRACE);
	__uint(max_entries, 16384);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, TRACE_STACK_DEPTH * sizeof(__u64));
} stacks SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, struct tracebpf_stack_key);
	__type(value, __u64); /* samples (profile), ns (offcpu) */
} stack_counts SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 4096);
	__type(key, struct tracebpf_hist_key);
	__type(value, __u64);
} hists SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 4096);
	__type(key, struct tracebpf_sys_key);
	__type(value, struct tracebpf_sys_val);
} sys_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, struct tracebpf_tcp_key);
	__type(value, __u64);
} tcp_counts SEC(".maps");

/* Work in flight: a syscall entered, a task woken, a thread blocked, a
 * connect or request started. Keyed by thread, socket or request. */
struct start {
	__u64 ts;
	__u32 zone, what;                /* syscall number, device */
	struct tracebpf_stack_key stack; /* offcpu */
};
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, __u64);
	__type(value, struct start);
} starts SEC(".maps");

/* syscalls: the syscall a thread is in, kept with the thread itself
 * (task storage: no hash of all threads to look up twice per call) */
struct sys_start {
	__u64 ts;
	__u32 zone, nr;
};
struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct sys_start);
} sys_starts SEC(".maps");

/* The traced zone cgroup cg is in (itself or below), if any. */
static __always_inline int cgroup_zone(struct cgroup *cg, __u32 *zone)
{
	if (!cg)
		return 0;
	int level = BPF_CORE_READ(cg, level);
	__u32 off = bpf_core_field_offset(struct cgroup, ancestors);
	for (int l = 0; l < TRACE_LEVELS; l++) {
		if (l > level)
			break;
		if (!(cfg.levels & (1u << l)))
			continue;
		struct cgroup *a = NULL;
		bpf_probe_read_kernel(&a, sizeof(a), (char *)cg + off + l * sizeof(a));
		__u64 id = BPF_CORE_READ(a, kn, id);
		__u32 *z = bpf_map_lookup_elem(&zones, &id);
		if (z) {
			*zone = *z;
			return 1;
		}
	}
	return 0;
}

static __always_inline int task_zone(struct task_struct *t, __u32 *zone)
{
	return cgroup_zone(BPF_CORE_READ(t, cgroups, dfl_cgrp), zone);
}

/* The current task's: the kernel hands out its cgroup2 ancestors' ids
 * directly, cheaper than walking them. */
static __always_inline int current_zone(__u32 *zone)
{
	for (int l = 0; l < TRACE_LEVELS; l++) {
		if (!(cfg.levels & (1u << l)))
			continue;
		__u64 id = bpf_get_current_ancestor_cgroup_id(l);
		__u32 *z = id ? bpf_map_lookup_elem(&zones, &id) : NULL;
		if (z) {
			*zone = *z;
			return 1;
		}
	}
	return 0;
}

static __always_inline __u32 log2_slot(__u64 v)
{
	__u32 slot = 0;
	for (int i = 0; i < TRACE_SLOTS - 1; i++) {
		if (v <= 1)
			break;
		v >>= 1;
		slot++;
	}
	return slot;
}

static __always_inline void add(void *map, const void *key, __u64 n)
{
	__u64 *v = bpf_map_lookup_elem(map, key);
	if (v) {
		__sync_fetch_and_add(v, n);
		return;
	}
	bpf_map_update_elem(map, key, &n, BPF_NOEXIST);
	v = bpf_map_lookup_elem(map, key); /* lost a race with another CPU */
	if (v && *v != n)
		__sync_fetch_and_add(v, n);
}

static __always_inline void hist_add(__u32 zone, __u32 hist, __u32 dev, __u64 ns)
{
	struct tracebpf_hist_key k = {
		.zone = zone, .hist = hist, .dev = dev, .slot = log2_slot(ns)};
	add(&hists, &k, 1);
}

/* ---- profile ------------------------------------------------------------ */
SEC("perf_event")
int profile(struct bpf_perf_event_data *ctx)
{
	struct tracebpf_stack_key k = {};
	if (!current_zone(&k.zone))
		return 0;
	k.pid = bpf_get_current_pid_tgid() >> 32;
	k.ustack = bpf_get_stackid(ctx, &stacks, BPF_F_USER_STACK);
	k.kstack = cfg.kernel_stacks ? bpf_get_stackid(ctx, &stacks, 0) : -1;
	bpf_get_current_comm(k.comm, sizeof(k.comm));
	add(&stack_counts, &k, 1);
	return 0;
}

/* ---- syscalls ----------------------------------------------------------- */
SEC("tp_btf/sys_enter")
int BPF_PROG(sys_enter, struct pt_regs *regs, long id)
{
	__u32 zone;
	if (!current_zone(&zone))
		return 0;
	struct sys_start *s = bpf_task_storage_get(&sys_starts, bpf_get_current_task_btf(), NULL,
						   BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!s)
		return 0;
	s->zone = zone;
	s->nr = (__u32)id;
	s->ts = bpf_ktime_get_ns();
	return 0;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(sys_exit, struct pt_regs *regs, long ret)
{
	struct sys_start *s = bpf_task_storage_get(&sys_starts, bpf_get_current_task_btf(), NULL,
						   0);
	if (!s || !s->ts)
		return 0;
	__u64 ns = bpf_ktime_get_ns() - s->ts;
	s->ts = 0;
	struct tracebpf_sys_key k = {.zone = s->zone, .nr = s->nr};
	struct tracebpf_sys_val *v = bpf_map_lookup_elem(&sys_stats, &k);
	if (!v) {
		struct tracebpf_sys_val zero = {};
		bpf_map_update_elem(&sys_stats, &k, &zero, BPF_NOEXIST);
		v = bpf_map_lookup_elem(&sys_stats, &k);
		if (!v)
			return 0;
	}
	v->count++; /* this CPU's copy: no atomics */
	v->total_ns += ns;
	if (ns > v->max_ns)
		v->max_ns = ns;
	hist_add(k.zone, TRACE_H_SYSCALL, 0, ns);
	return 0;
}

/* ---- runqlat ------------------------------------------------------------ */
/* Thread ids key the starts map from several tracers; a tracer's own
 * entries are kept apart by a tag in the key's upper bits. */
#define KEY_RUNQ (1ull << 62)
#define KEY_OFFCPU (2ull << 62)

static __always_inline int enqueued(struct task_struct *p)
{
	struct start s = {};
	if (!task_zone(p, &s.zone))
		return 0;
	__u64 key = KEY_RUNQ | (__u32)BPF_CORE_READ(p, pid);
	s.ts = bpf_ktime_get_ns();
	bpf_map_update_elem(&starts, &key, &s, BPF_ANY);
	return 0;
}

SEC("tp_btf/sched_wakeup")
int BPF_PROG(runq_wakeup, struct task_struct *p)
{
	return enqueued(p);
}

SEC("tp_btf/sched_wakeup_new")
int BPF_PROG(runq_wakeup_new, struct task_struct *p)
{
	return enqueued(p);
}

SEC("tp_btf/sched_switch")
int BPF_PROG(runq_switch, _Bool preempt, struct task_struct *prev, struct task_struct *next,
	     unsigned int prev_state)
{
	if (prev_state == 0) /* TASK_RUNNING: preempted, still runnable */
		enqueued(prev);
	__u64 key = KEY_RUNQ | (__u32)BPF_CORE_READ(next, pid);
	struct start *s = bpf_map_lookup_elem(&starts, &key);
	if (!s)
		return 0;
	hist_add(s->zone, TRACE_H_RUNQ, 0, bpf_ktime_get_ns() - s->ts);
	bpf_map_delete_elem(&starts, &key);
	return 0;
}

/* ---- offcpu ------------------------------------------------------------- */
SEC("tp_btf/sched_switch")
int BPF_PROG(offcpu_switch, _Bool preempt, struct task_struct *prev, struct task_struct *next,
	     unsigned int prev_state)
{
	struct start s = {};
	if (prev_state != 0 && task_zone(prev, &s.zone)) {
		__u64 key = KEY_OFFCPU | (__u32)BPF_CORE_READ(prev, pid);
		s.ts = bpf_ktime_get_ns();
		s.stack.zone = s.zone;
		s.stack.pid = BPF_CORE_READ(prev, tgid);
		s.stack.ustack = bpf_get_stackid(ctx, &stacks, BPF_F_USER_STACK);
		s.stack.kstack = cfg.kernel_stacks ? bpf_get_stackid(ctx, &stacks, 0) : -1;
		bpf_probe_read_kernel_str(s.stack.comm, sizeof(s.stack.comm), prev->comm);
		bpf_map_update_elem(&starts, &key, &s, BPF_ANY);
	}
	__u64 key = KEY_OFFCPU | (__u32)BPF_CORE_READ(next, pid);
	struct start *b = bpf_map_lookup_elem(&starts, &key);
	if (!b)
		return 0;
	__u64 ns = bpf_ktime_get_ns() - b->ts;
	add(&stack_counts, &b->stack, ns);
	hist_add(b->zone, TRACE_H_OFFCPU, 0, ns);
	bpf_map_delete_elem(&starts, &key);
	return 0;
}

/* ---- tcp ---------------------------------------------------------------- */
static __always_inline int tcp_count(struct sock *sk, __u32 what)
{
	struct tracebpf_tcp_key k = {.what = what};
	if (sk && cgroup_zone(BPF_CORE_READ(sk, sk_cgrp_data.cgroup), &k.zone))
		add(&tcp_counts, &k, 1);
	return 0;
}

SEC("tp_btf/tcp_retransmit_skb")
int BPF_PROG(tcp_retransmit, struct sock *sk)
{
	return tcp_count(sk, TRACE_TCP_RETRANS);
}

SEC("tp_btf/tcp_send_reset")
int BPF_PROG(tcp_send_reset, struct sock *sk)
{
	return tcp_count(sk, TRACE_TCP_RST_SENT);
}

SEC("tp_btf/tcp_receive_reset")
int BPF_PROG(tcp_receive_reset, struct sock *sk)
{
	return tcp_count(sk, TRACE_TCP_RST_RECV);
}

#define TCP_ESTABLISHED 1
#define TCP_SYN_SENT 2
SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(tcp_state, struct sock *sk, int oldstate, int newstate)
{
	__u64 key = (__u64)sk;
	if (newstate == TCP_SYN_SENT) {
		struct start s = {};
		if (!cgroup_zone(BPF_CORE_READ(sk, sk_cgrp_data.cgroup), &s.zone))
			return 0;
		s.ts = bpf_ktime_get_ns();
		bpf_map_update_elem(&starts, &key, &s, BPF_ANY);
		return 0;
	}
	if (oldstate != TCP_SYN_SENT)
		return 0;
	struct start *s = bpf_map_lookup_elem(&starts, &key);
	if (!s)
		return 0;
	if (newstate == TCP_ESTABLISHED) {
		struct tracebpf_tcp_key k = {.zone = s->zone, .what = TRACE_TCP_CONNECT};
		add(&tcp_counts, &k, 1);
		hist_add(s->zone, TRACE_H_CONNECT, 0, bpf_ktime_get_ns() - s->ts);
	}
	bpf_map_delete_elem(&starts, &key);
	return 0;
}

/* ---- io ----------------------------------------------------------------- */
SEC("tp_btf/block_rq_issue")
int BPF_PROG(io_issue, struct request *rq)
{
	struct start s = {};
	if (!current_zone(&s.zone))
		return 0;
	__u64 key = (__u64)rq;
	s.ts = bpf_ktime_get_ns();
	s.what = BPF_CORE_READ(rq, part, bd_dev);
	bpf_map_update_elem(&starts, &key, &s, BPF_ANY);
	return 0;
}

SEC("tp_btf/block_rq_complete")
int BPF_PROG(io_complete, struct request *rq)
{
	__u64 key = (__u64)rq;
	struct start *s = bpf_map_lookup_elem(&starts, &key);
	if (!s)
		return 0;
	hist_add(s->zone, TRACE_H_IO, s->what, bpf_ktime_get_ns() - s->ts);
	bpf_map_delete_elem(&starts, &key);
	return 0;
}
