/* net.c - the zone's NICs between the monitor, the state store and
 * netstack-bind: what boot will leave on the host is recorded in
 * state.json before it is made, so halt and crash repair undo exactly it. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>

#include <unistd.h>

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

void zone_net_warn(const struct zone_ctx *ctx, const char *name, const struct zone_config *cfg,
		   bool job)
{
	if (!ctx->notice || !zone_net_nat(cfg))
		return;
	/* a job's stderr is its command's: only what stops its traffic */
	char fwd[4] = "";
	int fd = job ? -1 : open("/proc/sys/net/ipv4/ip_forward", O_RDONLY | O_CLOEXEC);
	if (fd >= 0 && read(fd, fwd, sizeof(fwd) - 1) > 0 && fwd[0] == '0') {
		cleanup_free char *on = xasprintf(
			"zone %s: net: turning on IPv4 forwarding host-wide "
			"(net.ipv4.ip_forward=1) for NAT; zonectl turns it off with its last NAT zone",
			name);
		ctx->notice(on);
	}
	if (fd >= 0)
		close(fd);
	cleanup_free char *why = net_forward_blocked();
	if (!why)
		return;
	cleanup_free char *msg = xasprintf("zone %s: net: warning: %s", name, why);
	ctx->notice(msg);
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
	v->origin = nic->auto_address                          ? "auto"
		    : nic->type == NET_BRIDGE && !nic->n_addrs ? "auto (at boot)"
							       : "static";
	v->nat = nic->type == NET_BRIDGE && nic->nat;
	v->publish = xcalloc(nic->n_ports + 1, sizeof(char *));
	for (size_t p = 0; p < nic->n_ports; p++) {
		char buf[32];
		net_port_format(&nic->ports[p], buf, sizeof(buf));
		v->publish[p] = xstrdup(buf);
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

/* The nameserver and search lines of the zone's resolv.conf, if it has
 * one of its own (a running zone with bridge or macvlan NICs). */
static void resolvers(const struct zone_ctx *ctx, const char *name, struct zone_net *net)
{
	cleanup_free char *path = zone_run_file(ctx, name, "resolv.conf");
	cleanup_free char *text = NULL;
	if (read_file(path, &text, NULL, NULL) < 0)
		return;
	net->dns = xcalloc(1, sizeof(char *));
	net->search = xcalloc(1, sizeof(char *));
	for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
		if (!strncmp(line, "nameserver ", 11))
			strv_append(&net->dns, line + 11);
		else if (!strncmp(line, "search ", 7))
			strv_append(&net->search, line + 7);
	}
}

bool zone_net_nat(const struct zone_config *cfg)
{
	for (size_t i = 0; i < cfg->n_nics; i++)
		if (cfg->nics[i].type == NET_BRIDGE && (cfg->nics[i].nat || cfg->nics[i].n_ports))
			return true;
	return false;
}

int zone_net_get(struct zone_ctx *ctx, const char *name, struct zone_net *net, struct zerr *err)
{
	memset(net, 0, sizeof(*net));
	struct zone_nic **out = &net->nics;
	size_t *n = &net->n;
	cleanup_config struct zone_config cfg = {0};
	cleanup_status struct zone_status st = {0};
	int lock;
	int r = zone_open(ctx, name, ZOP_NET, &lock, &st, &cfg, err);
	if (r < 0)
		return r;
	close(lock);
	bool up = zone_state_live(st.state);
	if ((r = zone_net_resolve(ctx, name, &cfg, false, err)) < 0)
		return r;
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
		zone_net_free(net);
		return zerr_prefix(err, "zone %s: net", name);
	}
	if (up)
		resolvers(ctx, name, net);
	if (zone_net_nat(&cfg))
		net->warning = net_forward_blocked();
	return 0;
}

void zone_net_free(struct zone_net *net)
{
	for (size_t i = 0; i < net->n; i++) {
		strv_free(net->nics[i].addrs);
		strv_free(net->nics[i].publish);
	}
	free(net->nics);
	strv_free(net->dns);
	strv_free(net->search);
	free(net->warning);
	memset(net, 0, sizeof(*net));
}
