/* net.c - the zone's NICs between the monitor, the state store and
 * netstack-bind: what boot will leave on the host is recorded in
 * state.json before it is made, so halt and crash repair undo exactly it. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>

#include "runtime.h"

/* FNV-1a of state root and name: host link names and MACs that differ
 * between zones, also between zones of two state roots. */
static uint32_t zone_key(const struct zone_ctx *ctx, const char *name)
{
	uint32_t h = 2166136261u;
	for (const char *s = ctx->lib_dir; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	h = (h ^ '/') * 16777619u;
	for (const char *s = name; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

static char *net_dir(const struct zone_ctx *ctx)
{
	/* zone names start with a letter or digit: ".net" is nobody's */
	return xasprintf("%s/.net", ctx->run_dir);
}

void zone_net_describe(const struct zone_ctx *ctx, const char *name, const struct zone_config *cfg,
		       struct net_zone *z)
{
	*z = (struct net_zone){
		.zone = name, .state_dir = net_dir(ctx), .key = zone_key(ctx, name),
		.nics = cfg->nics, .n = cfg->n_nics,
	};
}

int zone_net_plan(const struct zone_ctx *ctx, const char *name, const struct zone_config *cfg,
		  struct zone_status *st, struct zerr *err)
{
	if (!cfg->n_nics)
		return 0;
	int r = zone_net_check_unique(ctx, name, cfg, err);
	if (r < 0)
		return r;
	struct net_zone z;
	zone_net_describe(ctx, name, cfg, &z);
	r = net_plan(&z, &st->net_made, err);
	free((char *)z.state_dir);
	return r;
}

static int cgroup2_fd(const struct zone_status *st)
{
	for (size_t i = 0; st->has_cgroup && i < st->cg.n; i++)
		if (st->cg.h[i].v2) {
			cleanup_free char *path = rctl_cgroup_path(&st->cg, i);
			return open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		}
	return -1;
}

int zone_net_setup(const struct zone_ctx *ctx, const char *name, const struct zone_config *cfg,
		   const struct zone_status *st, pid_t pid, struct zerr *err)
{
	if (!cfg->n_nics)
		return 0;
	struct net_zone z;
	zone_net_describe(ctx, name, cfg, &z);
	cleanup_close int cg = cgroup2_fd(st);
	int r = net_setup(&z, pid, cg, err);
	if (r == 0 && cfg->brand == ZONE_BRAND_KVM)
		r = net_guest_setup(&z, pid, err);
	free((char *)z.state_dir);
	return r;
}

void zone_net_teardown(const struct zone_ctx *ctx, struct zone_status *st)
{
	if (!st->net_made)
		return;
	cleanup_free char *dir = net_dir(ctx);
	net_teardown(dir, st->net_made);
	strv_free(st->net_made);
	st->net_made = NULL;
}

int zone_net_get(struct zone_ctx *ctx, const char *name, struct zone_nic **out, size_t *n,
		 struct zerr *err)
{
	cleanup_config struct zone_config cfg = {0};
	cleanup_status struct zone_status st = {0};
	int lock;
	int r = zone_open(ctx, name, ZOP_NET, &lock, &st, &cfg, err);
	if (r < 0)
		return r;
	close(lock);
	bool up = st.state == ZS_RUNNING || st.state == ZS_READY;
	struct net_zone z;
	zone_net_describe(ctx, name, &cfg, &z);
	*out = xcalloc(cfg.n_nics ? cfg.n_nics : 1, sizeof(**out));
	*n = cfg.n_nics;
	for (size_t i = 0; i < cfg.n_nics && r == 0; i++) {
		(*out)[i].nic = cfg.nics[i];
		r = net_nic_info(&z, up ? st.init_pid : 0, i, &(*out)[i].info, err);
	}
	free((char *)z.state_dir);
	if (r < 0) {
		free(*out);
		return zerr_prefix(err, "zone %s: net", name);
	}
	return 0;
}
