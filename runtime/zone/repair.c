/* repair.c - a zone found as its last command or monitor left it: if
 * the monitor is gone, what the zone held (processes, cgroups, links,
 * the run directory) is released and the user told (repair); and the
 * common way an operation starts (zone_open: lock, repair, the state
 * table, the config). */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "runtime.h"

/* ---- repair ---------------------------------------------------------- */

static bool monitor_alive(const struct zone_status *st)
{
	char boot_id[40];
	zone_boot_id(boot_id);
	return st->monitor_pid > 0 && !strcmp(boot_id, st->boot_id) &&
	       proc_alive(st->monitor_pid, st->monitor_start);
}

int zone_repair(const struct zone_ctx *ctx, const char *name, struct zone_status *st,
		struct zerr *err)
{
	if (zone_state_down(st->state))
		return 0;
	if (monitor_alive(st))
		return 0;
	char boot_id[40];
	zone_boot_id(boot_id);
	bool same_boot = !strcmp(boot_id, st->boot_id);
	if (same_boot && st->init_pid > 0 && proc_alive(st->init_pid, st->init_start))
		kill(st->init_pid, SIGKILL);
	if (st->has_cgroup) {
		int r = rctl_cgroup_destroy(&st->cg, err);
		if (r < 0)
			return zerr_prefix(err, "zone %s: repair", name);
	}
	zone_net_teardown(ctx, st);
	/* an emptied scope is gone already (CollectMode); one that is not
	 * (a process that escaped the zone's cgroup) is stopped */
	if (same_boot && st->has_cgroup && st->cg.unit)
		rctl_systemd_stop(st->cg.unit, NULL);
	zone_status_clear(ctx, name);
	if (ctx->notice) {
		char msg[256];
		snprintf(msg, sizeof(msg),
			 "zone %s: was %s but its monitor (pid %d) is gone%s; "
			 "released its processes, cgroups and links: the zone is installed",
			 name, zone_state_name(st->state), st->monitor_pid,
			 same_boot ? "" : " (the host rebooted)");
		ctx->notice(msg);
	}
	zone_status_free(st);
	st->state = ZS_INSTALLED;
	return 0;
}

int zone_open(const struct zone_ctx *ctx, const char *name, enum zone_op op, int *lockfd,
	      struct zone_status *st, struct zone_config *cfg, struct zerr *err)
{
	int r = zone_check_name(ctx, name, err);
	if (r < 0)
		return r;
	int fd = zone_lock(ctx, name, err);
	if (fd < 0)
		return fd;
	memset(cfg, 0, sizeof(*cfg));
	if (!zone_exists(ctx, name)) {
		close(fd);
		return zerr_setx(err, ENOENT, "zone %s: no such zone", name);
	}
	if ((r = zone_status_read(ctx, name, st, err)) < 0 ||
	    (r = zone_repair(ctx, name, st, err)) < 0)
		goto fail;
	if ((r = zone_check_op(name, op, st->state, err)) < 0)
		goto fail;
	if ((r = zone_config_read(ctx, name, cfg, err)) < 0)
		goto fail;
	*lockfd = fd;
	return 0;
fail:
	zone_status_free(st);
	close(fd);
	return r;
}
