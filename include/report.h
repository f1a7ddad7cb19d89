/* report.h - what a trace of zones found (`zonectl profile`, `zonectl
 * trace`): plain records made by trace/, passed up by runtime/, printed by
 * cli/. No layer's handle appears here. */
#ifndef ZONECTL_REPORT_H
#define ZONECTL_REPORT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

enum trace_tool { TRACE_PROFILE, TRACE_SYSCALLS, TRACE_RUNQLAT, TRACE_OFFCPU, TRACE_TCP, TRACE_IO };
#define TRACE_HIST_SLOTS 40 /* log2 buckets of nanoseconds: [2^k, 2^(k+1)) */

/* One stack of one process of a zone. Frames leaf first; a kernel frame
 * ends in "_[k]" (the flame-graph tools' convention), an address with no
 * symbol is "0x..." or "[module]". */
struct trace_stack {
	unsigned zone;   /* index into trace_report.zones */
	pid_t pid, zpid; /* the host's and the zone's (0 when it has exited) */
	char comm[16];
	char **frames;
	size_t nframes;
	uint64_t value; /* samples (profile), nanoseconds (offcpu) */
};

struct trace_hist {
	unsigned zone;
	char *label; /* "syscall latency", "io 8:0" ... */
	uint64_t slot[TRACE_HIST_SLOTS];
};

struct trace_sys {
	unsigned zone;
	char *name;
	uint64_t count, total_ns, max_ns;
};

struct trace_tcp {
	uint64_t retrans, rst_sent, rst_recv, connects;
};

struct trace_zone {
	char *name;
	bool capped;        /* a CPU cap was set */
	uint64_t throttled; /* periods the cap throttled the zone, this window */
	uint64_t throttled_ns;
	struct trace_tcp tcp;
	bool halted; /* it halted during the window: the trace of it ends */
};

struct trace_report {
	enum trace_tool tool;
	double secs; /* the window */
	unsigned hz; /* profile */
	struct trace_zone *zones;
	size_t nzones;
	struct trace_stack *stacks; /* by value, largest first */
	size_t nstacks;
	struct trace_hist *hists;
	size_t nhists;
	struct trace_sys *sys; /* by count, largest first */
	size_t nsys;
	uint64_t lost; /* samples or events the maps had no room for */
	bool last;     /* the trace ends with this report */
};

void trace_report_free(struct trace_report *r);
const char *trace_tool_name(enum trace_tool t);
int trace_tool_parse(const char *s, enum trace_tool *t);

#endif
