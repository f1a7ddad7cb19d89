/* net.c - the zone's NICs between the monitor, the state store and
 * netstack-bind: what boot will leave on the host is recorded in
 * state.json before it is made, so halt and crash repair undo exactly it. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>

#include "runtime.h"

/* One address, one zone: no other zone's config names an address of cfg. */
int zone_net_check_unique(const struct zone_ctx *ctx, const char *name,
			  const struct zone_config *cfg, struct zerr *err)
{
	if (!cfg->n_nics)
		return 0;
	struct zone_info *zones = NULL;
	size_t n = 0;
	int r = zone_list((struct zone_ctx *)ctx, &zones, &n, err);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n && r == 0; i++) {
		if (!strcmp(zones[i].name, name))
			continue;
		cleanup_config struct zone_config other = {0};
		if (zone_config_read(ctx, zones[i].name, &other, NULL) == 0)
			r = zone_net_conflict(cfg, &other, name, zones[i].name, err);
	}
	for (size_t i = 0; i < n; i++)
		zone_info_free(&zones[i]);
	free(zones);
	return r;
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

int zone_net_setup(const struct zone_ctx *ctx, const char *name, const struct zone_config *cfg,
		   const struct zone_status *st, pid_t pid, struct zerr *err)
{
	if (!cfg->n_nics)
		return 0;
	struct net_zone z;
	zone_net_describe(ctx, name, cfg, &z);
	cleanup_close int cg = st->has_cgroup ? rctl_cgroup_v2_open(&st->cg) : -1;
	int r = net_setup(&z, pid, cg, err);
	const struct brand_ops *b = brand_of(cfg->brand);
	if (r == 0 && b->net_setup)
		r = b->net_setup(&z, pid, err);
	free((char *)z.state_dir);
	return r;
}

void zone_net_teardown(const struct zone_ctx *ctx, struct zone_status *st)
{
	if (!st->net_made)
		return;
	cleanup_free char *dir = zone_net_dir(ctx);
	net_teardown(dir, st->net_made);
	strv_free(st->net_made);
	st->net_made = NULL;
}

static const char *over(const struct net_nic *nic)
{
	switch (nic->type) {
	case NET_BRIDGE: return nic->bridge;
	case NET_MACVLAN: return nic->parent;
	case NET_SHARED: return nic->parent[0] ? nic->parent : "lo";
	default: return "";
	}
}

/* The CLI's view of one NIC: strings and counters, no netstack-bind type. */
static void view(const struct net_nic *nic, const struct net_nic_info *in, struct zone_nic *v)
{
	const unsigned char *m = in->mac;
	snprintf(v->link, sizeof(v->link), "%s", in->zone_link);
	v->type = net_type_name(nic->type);
	snprintf(v->over, sizeof(v->over), "%s", over(nic));
	snprintf(v->host_link, sizeof(v->host_link), "%s", in->host_link);
	if (nic->type == NET_BRIDGE || nic->type == NET_MACVLAN)
		snprintf(v->mac, sizeof(v->mac), "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2],
			 m[3], m[4], m[5]);
	v->addrs = xcalloc(nic->n_addrs + 1, sizeof(char *));
	for (size_t a = 0; a < nic->n_addrs; a++) {
		char buf[64];
		net_addr_format(&nic->addrs[a], true, buf, sizeof(buf));
		v->addrs[a] = xstrdup(buf);
	}
	if (nic->has_gateway)
		net_addr_format(&nic->gateway, false, v->gateway, sizeof(v->gateway));
	v->anti_spoofing = nic->type != NET_SHARED && !nic->allow_spoofing;
	v->has_counters = in->has_counters;
	v->rx_bytes = in->rx_bytes;
	v->tx_bytes = in->tx_bytes;
	v->rx_packets = in->rx_packets;
	v->tx_packets = in->tx_packets;
	v->rx_dropped = in->rx_dropped;
	v->tx_dropped = in->tx_dropped;
	v->has_spoofed = in->antispoof;
	v->spoofed = in->spoof_drops;
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
	bool up = zone_state_live(st.state);
	struct net_zone z;
	zone_net_describe(ctx, name, &cfg, &z);
	*out = xcalloc(cfg.n_nics ? cfg.n_nics : 1, sizeof(**out));
	*n = 0;
	for (size_t i = 0; i < cfg.n_nics && r == 0; i++) {
		struct net_nic_info in;
		if ((r = net_nic_info(&z, up ? st.init_pid : 0, i, &in, err)) == 0)
			view(&cfg.nics[i], &in, &(*out)[(*n)++]);
	}
	free((char *)z.state_dir);
	if (r < 0) {
		zone_nics_free(*out, *n);
		*out = NULL;
		*n = 0;
		return zerr_prefix(err, "zone %s: net", name);
	}
	return 0;
}

void zone_nics_free(struct zone_nic *nics, size_t n)
{
	for (size_t i = 0; i < n; i++)
		strv_free(nics[i].addrs);
	free(nics);
}
