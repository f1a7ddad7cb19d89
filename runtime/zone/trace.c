/* trace.c - `zonectl profile` and `zonectl trace`: which cgroup each
 * traced zone is, the window's clock, the zones' CPU throttling, and the
 * end of the trace when its zones halt. The tracing itself is trace/'s. */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>

#include "runtime.h"
#include "trace.h"

struct traced {
	char *name;
	int pidfd; /* the zone's init: readable once it has exited */
	struct zone_meter *meter;
	struct zone_usage before;
	bool halted;
};

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The zone's cgroup2 directory: its id and depth. */
static int target_of(struct zone_ctx *ctx, const char *name, struct trace_target *t, pid_t *init,
		     struct zerr *err)
{
	struct rctl_cgroup cg = {0};
	int r = zone_cgroup_get(ctx, name, &cg, init, err);
	if (r < 0)
		return r;
	ssize_t v2 = -1;
	for (size_t i = 0; i < cg.n; i++)
		if (cg.h[i].v2)
			v2 = (ssize_t)i;
	cleanup_close int fd = rctl_cgroup_v2_open(&cg);
	struct stat st;
	if (v2 < 0 || fd < 0 || fstat(fd, &st) < 0) {
		rctl_cgroup_free(&cg);
		return zerr_setx(err, ENOENT,
				 "zone %s: it has no cgroup2 directory: tracing needs cgroup2 "
				 "mounted (on a hybrid host, at /sys/fs/cgroup/unified)",
				 name);
	}
	cleanup_free char *path = rctl_cgroup_path(&cg, (size_t)v2);
	int level = 0;
	for (const char *p = path + strlen(cg.h[v2].mount); *p; p++)
		level += *p == '/' && p[1] && p[1] != '/';
	t->name = name;
	t->cgroup_id = st.st_ino;
	t->level = level;
	rctl_cgroup_free(&cg);
	return 0;
}

static char **running_zones(struct zone_ctx *ctx, struct zerr *err)
{
	struct zone_info *all = NULL;
	size_t n = 0;
	if (zone_list(ctx, &all, &n, err) < 0)
		return NULL;
	char **names = xcalloc(n + 1, sizeof(char *));
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		if (all[i].state == ZS_RUNNING)
			names[k++] = xstrdup(all[i].name);
	for (size_t i = 0; i < n; i++)
		zone_info_free(&all[i]);
	free(all);
	if (k == 0) {
		free(names);
		zerr_setx(err, ESRCH, "no zone is running");
		return NULL;
	}
	return names;
}

static void forget(struct traced *z, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(z[i].name);
		if (z[i].pidfd >= 0)
			close(z[i].pidfd);
		if (z[i].meter)
			zone_meter_free(z[i].meter);
	}
	free(z);
}

/* Marks the zones that halted; true when none is left. */
static bool all_halted(struct traced *z, size_t n)
{
	size_t left = 0;
	for (size_t i = 0; i < n; i++) {
		struct pollfd p = {.fd = z[i].pidfd, .events = POLLIN};
		if (!z[i].halted && poll(&p, 1, 0) == 1)
			z[i].halted = true;
		left += !z[i].halted;
	}
	return left == 0;
}

static int report(struct tracer *tr, struct traced *z, size_t n, double secs, unsigned hz,
		  bool last, int (*show)(const struct trace_report *r, void *arg), void *arg,
		  struct zerr *err)
{
	struct trace_report r = {0};
	int rc = trace_collect(tr, !last, &r, err);
	if (rc < 0)
		return rc;
	r.secs = secs;
	r.hz = hz;
	r.last = last;
	for (size_t i = 0; i < n && i < r.nzones; i++) {
		struct zone_usage u;
		r.zones[i].halted = z[i].halted;
		if (z[i].halted || zone_meter_read(z[i].meter, &u) < 0)
			continue;
		r.zones[i].capped = u.cpu_quota > 0;
		r.zones[i].throttled = u.nr_throttled - z[i].before.nr_throttled;
		r.zones[i].throttled_ns = u.throttled_ns - z[i].before.throttled_ns;
		z[i].before = u;
	}
	rc = show(&r, arg);
	trace_report_free(&r);
	return rc;
}

int zone_trace(struct zone_ctx *ctx, char *const *names, const struct zone_trace_opts *o,
	       int (*show)(const struct trace_report *r, void *arg), void *arg, struct zerr *err)
{
	cleanup_strv char **all = NULL;
	if (!names || !names[0]) {
		if (!(all = running_zones(ctx, err)))
			return -err->code;
		names = all;
	}
	size_t n = strv_len(names);
	struct traced *z = xcalloc(n, sizeof(*z));
	cleanup_free struct trace_target *t = xcalloc(n, sizeof(*t));
	int r = 0;
	for (size_t i = 0; i < n && r == 0; i++) {
		pid_t init;
		z[i].pidfd = -1;
		z[i].name = xstrdup(names[i]);
		if ((r = target_of(ctx, names[i], &t[i], &init, err)) < 0 ||
		    (r = zone_meter_open(ctx, names[i], &z[i].meter, err)) < 0)
			break;
		t[i].name = z[i].name;
		z[i].pidfd = (int)syscall(SYS_pidfd_open, init, 0);
		if (z[i].pidfd < 0 || zone_meter_read(z[i].meter, &z[i].before) < 0)
			r = zerr_setx(err, ESRCH, "zone %s: halted before the trace began",
				      names[i]);
	}
	struct tracer *tr = NULL;
	struct trace_opts to = {.tool = o->tool, .hz = o->hz, .kernel = o->kernel};
	if (r == 0 && (r = trace_start(&to, t, n, &tr, err)) < 0 && n == 1)
		zerr_prefix(err, "zone %s", names[0]);
	if (r < 0) {
		forget(z, n);
		return r;
	}
	double start = now_s(), window = start, polled = start;
	while (r == 0) {
		double now = now_s();
		if (now - polled >= 0.5) {
			trace_poll(tr);
			polled = now;
		}
		bool end = *o->stop || (o->secs >= 0 && now - start >= o->secs) || all_halted(z, n);
		if (end || (o->interval_s > 0 && now - window >= o->interval_s)) {
			r = report(tr, z, n, now - window, o->hz, end, show, arg, err);
			window = now;
			if (end)
				break;
		}
		struct timespec tick = {0, 50 * 1000 * 1000};
		nanosleep(&tick, NULL);
	}
	trace_stop(tr);
	forget(z, n);
	return r < 0 ? r : 0;
}
