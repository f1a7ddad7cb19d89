/* usage.c - what running zones use and which processes are whose, for
 * `stat`, `top` and `ps -Z`: read from the zones' cgroups (rctl), their
 * disks and network namespaces, and /proc (procfs-filter), and handed to
 * the CLI as plain numbers and strings. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "runtime.h"

struct zone_meter {
	char *name;
	struct rctl_cgroup cg;
	pid_t init;
	pid_t disk_holder; /* zone.disk: its init, looked up once */
};

/* The cgroups of a running (or ready) zone, repaired first if its
 * monitor is gone; ESRCH if it does not run. */
int zone_cgroup_get(struct zone_ctx *ctx, const char *name, struct rctl_cgroup *cg, pid_t *init,
		    struct zerr *err)
{
	int r = zone_check_name(ctx, name, err);
	if (r < 0)
		return r;
	cleanup_close int lock = zone_lock(ctx, name, err);
	if (lock < 0)
		return lock;
	cleanup_status struct zone_status st = {0};
	if ((r = zone_status_read(ctx, name, &st, err)) < 0 ||
	    (r = zone_repair(ctx, name, &st, err)) < 0)
		return r;
	if (!zone_state_live(st.state) || !st.has_cgroup)
		return zerr_setx(err, ESRCH, "zone %s: not running (it is %s)", name,
				 zone_state_name(st.state));
	*cg = st.cg;
	st.cg = (struct rctl_cgroup){0};
	if (init)
		*init = st.init_pid;
	return 0;
}

int zone_meter_open(struct zone_ctx *ctx, const char *name, struct zone_meter **out,
		    struct zerr *err)
{
	struct zone_meter *m = xcalloc(1, sizeof(*m));
	int r = zone_cgroup_get(ctx, name, &m->cg, &m->init, err);
	if (r < 0) {
		free(m);
		return r;
	}
	m->name = xstrdup(name);
	m->disk_holder = zone_disk_holder(ctx, name);
	*out = m;
	return 0;
}

/* Bytes through the zone's network namespace, loopback left out. A zone
 * on the host's namespace (shared-IP, or none of its own) has none: its
 * /proc/PID/net/dev would be the host's. */
static bool net_bytes(pid_t init, uint64_t *rx, uint64_t *tx)
{
	char path[64];
	struct stat zone_ns, host_ns;
	snprintf(path, sizeof(path), "/proc/%d/ns/net", init);
	if (stat(path, &zone_ns) < 0 || stat("/proc/self/ns/net", &host_ns) < 0 ||
	    (zone_ns.st_ino == host_ns.st_ino && zone_ns.st_dev == host_ns.st_dev))
		return false;
	snprintf(path, sizeof(path), "/proc/%d/net/dev", init);
	cleanup_free char *text = NULL;
	if (read_file(path, &text, NULL, NULL) < 0)
		return false;
	*rx = *tx = 0;
	for (char *l = strchr(text, '\n'); l && (l = strchr(l + 1, '\n'));) {
		char ifname[64];
		unsigned long long r, t;
		if (sscanf(l + 1, " %63[^:]: %llu %*u %*u %*u %*u %*u %*u %*u %llu", ifname, &r,
			   &t) == 3 &&
		    strcmp(ifname, "lo")) {
			*rx += r;
			*tx += t;
		}
	}
	return true;
}

int zone_meter_read(struct zone_meter *m, struct zone_usage *u)
{
	struct rctl_usage r;
	if (rctl_cgroup_usage(&m->cg, &r, NULL) < 0)
		return -1; /* halted meanwhile */
	*u = (struct zone_usage){
		.at_ns = r.at_ns,
		.cpu_ns = r.cpu_ns,
		.nr_throttled = r.nr_throttled,
		.throttled_ns = r.throttled_ns,
		.cpu_quota = r.cpu_quota,
		.cpu_period = r.cpu_period,
		.has_memory = r.has_memory,
		.mem_bytes = r.mem_bytes,
		.mem_cache = r.mem_cache,
		.mem_limit = r.mem_limit,
		.has_swap = r.has_swap,
		.swap_bytes = r.memsw_bytes,
		.swap_limit = r.memsw_limit,
		.oom_kills = r.oom_kills,
		.mem_failcnt = r.mem_failcnt,
		.pids = r.pids,
		.pids_limit = r.pids_limit,
		.io_read_bytes = r.io_read_bytes,
		.io_write_bytes = r.io_write_bytes,
		.io_read_ops = r.io_read_ops,
		.io_write_ops = r.io_write_ops,
	};
	u->has_disk = m->disk_holder > 0 &&
		      zone_disk_usage(m->disk_holder, &u->disk_used, &u->disk_size) == 0;
	u->has_net = net_bytes(m->init, &u->net_rx, &u->net_tx);
	return 0;
}

void zone_meter_free(struct zone_meter *m)
{
	if (!m)
		return;
	rctl_cgroup_free(&m->cg);
	free(m->name);
	free(m);
}

/* ---- ps -Z -------------------------------------------------------------- */

int zone_ps(struct zone_ctx *ctx, const char *only, struct zone_proc **procs, size_t *n,
	    struct zerr *err)
{
	struct zone_info *all = NULL;
	size_t nz = 0;
	*procs = NULL;
	*n = 0;
	if (zone_list(ctx, &all, &nz, err) < 0)
		return -1;
	/* the running zones, and how /proc/PID/cgroup names their cgroups */
	char **names = xcalloc(nz + 1, sizeof(*names));
	char ***lines = xcalloc(nz + 1, sizeof(*lines));
	size_t nrun = 0;
	bool found = !only;
	for (size_t i = 0; i < nz; i++) {
		struct rctl_cgroup cg;
		if (all[i].state == ZS_RUNNING &&
		    zone_cgroup_get(ctx, all[i].name, &cg, NULL, NULL) == 0) {
			lines[nrun] = rctl_cgroup_proc_lines(&cg);
			names[nrun++] = xstrdup(all[i].name);
			found |= only && !strcmp(only, all[i].name);
			rctl_cgroup_free(&cg);
		}
		zone_info_free(&all[i]);
	}
	free(all);
	struct pfs_proc *p = NULL;
	size_t np = 0;
	int r = 0;
	if (!found)
		r = zerr_setx(err, ESRCH, "zone %s: not running (or no such zone)", only);
	else if ((r = pfs_proc_scan(&p, &np, err)) == 0)
		pfs_assign(p, np, lines, nrun);
	*procs = xcalloc(np + 1, sizeof(**procs));
	for (size_t i = 0; r == 0 && i < np; i++) {
		const char *zone = p[i].zone >= 0 ? names[p[i].zone] : "global";
		if (only && strcmp(zone, only))
			continue;
		(*procs)[(*n)++] = (struct zone_proc){
			.pid = p[i].pid,
			.ppid = p[i].ppid,
			.uid = p[i].uid,
			.state = p[i].state,
			.cpu_ticks = p[i].cpu_ticks,
			.rss_bytes = p[i].rss_bytes,
			.cmd = xstrdup(p[i].cmd),
			.zone = xstrdup(zone),
		};
	}
	pfs_proc_free(p, np);
	for (size_t i = 0; i < nrun; i++) {
		free(names[i]);
		strv_free(lines[i]);
	}
	free(names);
	free(lines);
	return r;
}

void zone_ps_free(struct zone_proc *procs, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(procs[i].cmd);
		free((char *)procs[i].zone);
	}
	free(procs);
}
