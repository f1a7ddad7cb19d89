/* trace.h - observing zones from the host (trace/): on-CPU profiles and
 * per-zone histograms from BPF programs filtered in the kernel by the
 * zones' cgroups. The caller names the zones by their cgroup2 ids; what
 * was found comes back as a struct trace_report (report.h). */
#ifndef ZONECTL_TRACE_H
#define ZONECTL_TRACE_H

#include <stdbool.h>
#include <stdint.h>

#include "report.h"
#include "zutil.h"

struct trace_target {
	const char *name;
	uint64_t cgroup_id; /* the inode of its cgroup2 directory */
	int level;          /* its depth below the cgroup2 root (the root is 0) */
};

struct trace_opts {
	enum trace_tool tool;
	unsigned hz; /* profile: samples per second per CPU */
	bool kernel; /* profile, offcpu: kernel stacks too */
};

struct tracer;

/* Loads the programs tool needs, fills the zones' ids and attaches.
 * Nothing stays attached past trace_stop or the process's end. */
int trace_start(const struct trace_opts *o, const struct trace_target *t, size_t n,
		struct tracer **out, struct zerr *err);
/* What was gathered since the start or the last reset: symbolized, sorted.
 * r->zones is filled with the targets' names (the caller adds the rest). */
int trace_collect(struct tracer *tr, bool reset, struct trace_report *r, struct zerr *err);
void trace_stop(struct tracer *tr);
/* Called every half second or so while tracing: reads the mappings of
 * processes newly seen in stacks while they still run. */
void trace_poll(struct tracer *tr);

#endif
