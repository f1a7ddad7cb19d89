/* tracebpf.h - what the tracing programs (trace/bpf/zt.bpf.c) and their
 * loader (trace/trace.c) share word for word: the keys and values of the
 * maps the programs fill and zonectl reads once per interval. */
#ifndef ZONECTL_TRACEBPF_H
#define ZONECTL_TRACEBPF_H

#include <linux/types.h>

#define TRACE_ZONES_MAX 1024  /* zones traced at once */
#define TRACE_STACK_DEPTH 127 /* frames kept per stack (the kernel's maximum) */
#define TRACE_COMM 16
#define TRACE_SLOTS 40 /* log2 buckets: 1 ns .. 2^39 ns (9 min) */

/* The kernel's cgroup depth we walk up from a task's cgroup looking for a
 * traced zone: the zone's own cgroup and everything below it, up to this
 * many levels below the root. */
#define TRACE_LEVELS 16

/* Read-only configuration, set before the load. */
struct tracebpf_cfg {
	__u32 kernel_stacks; /* profile --kernel, offcpu: kernel stacks too */
	__u32 levels;        /* bit L: some traced zone's cgroup is at level L */
};

/* A stack of one thread of one zone: on-CPU samples (profile) or
 * nanoseconds off CPU (offcpu). Stack ids index the "stacks" map; -1 when
 * there is none (no user stack: a kernel thread; or not asked for). */
struct tracebpf_stack_key {
	__u32 zone;
	__u32 pid; /* the host's thread group id */
	__s32 ustack, kstack;
	char comm[TRACE_COMM];
};

/* Histograms: one log2 bucket of one histogram of one zone. dev is the
 * block device for io (major << 20 | minor), 0 elsewhere. */
enum tracebpf_hist {
	TRACE_H_RUNQ,    /* runqlat: runnable to running */
	TRACE_H_SYSCALL, /* syscalls: entry to exit, all syscalls */
	TRACE_H_CONNECT, /* tcp: SYN sent to established */
	TRACE_H_IO,      /* io: request issued to completed */
	TRACE_H_OFFCPU,  /* offcpu: blocked time, all stacks */
};
struct tracebpf_hist_key {
	__u32 zone;
	__u32 hist;
	__u32 dev;
	__u32 slot;
};

/* syscalls: per zone and syscall number */
struct tracebpf_sys_key {
	__u32 zone;
	__u32 nr;
};
struct tracebpf_sys_val {
	__u64 count, total_ns, max_ns;
};

/* tcp: counters per zone */
enum tracebpf_tcp {
	TRACE_TCP_RETRANS,
	TRACE_TCP_RST_SENT,
	TRACE_TCP_RST_RECV,
	TRACE_TCP_CONNECT,
	TRACE_TCP_NCOUNTERS
};
struct tracebpf_tcp_key {
	__u32 zone;
	__u32 what;
};

#endif
