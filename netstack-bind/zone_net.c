/*
 * zone_net.c - a zone's NICs, made before its init is released and undone
 * when it halts or its monitor is found dead.
 *
 * Exclusive-IP NICs (bridge, macvlan) are links in the zone's own network
 * namespace, named eth0, eth1 ... in config order. A bridged NIC is a veth
 * pair whose host end (zv<key><i>) sits on the bridge; a macvlan is made
 * on its parent link directly inside the zone's namespace. Either way the
 * zone's packets take the host's own path: no proxy, no copy.
 *
 * Anti-spoofing is a tc classifier that passes only frames with the NIC's
 * MAC and addresses. For a veth it sits on the ingress of the host end,
 * where the zone cannot reach it; a macvlan has no host end, so it sits on
 * the egress of the zone's link, where only CAP_NET_ADMIN in the zone could
 * remove it (the config refuses that combination).
 *
 * A shared-IP zone has no network namespace of its own: its addresses are
 * plumbed on a host link (unless already local) and cgroup-BPF programs on
 * its cgroup hold its sockets to them (shared_ip.c).
 *
 * What outlives the zone's namespace is recorded before it is made (the
 * plan: host links, bridges, plumbed addresses), so halt and crash repair
 * undo exactly that. Bridges that zonectl made carry a marker file; the
 * last zone to leave one removes it. Markers and bridge changes are
 * serialised by a lock file next to the markers.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "nl.h"

#define ANTISPOOF_NAME "zonectl-antispoof"

static void host_link_name(const struct net_zone *z, size_t i, char out[NET_IFNAME_MAX + 1])
{
	snprintf(out, NET_IFNAME_MAX + 1, "zv%08x%u", z->key, (unsigned)(i % NET_NICS_MAX));
}

void net_nic_mac(const struct net_zone *z, size_t i, unsigned char mac[6])
{
	const struct net_nic *nic = &z->nics[i];
	if (nic->has_mac) {
		memcpy(mac, nic->mac, 6);
		return;
	}
	/* locally administered, unicast, stable for the zone */
	unsigned char m[6] = {0x02,
			      (unsigned char)(z->key >> 24),
			      (unsigned char)(z->key >> 16),
			      (unsigned char)(z->key >> 8),
			      (unsigned char)z->key,
			      (unsigned char)i};
	memcpy(mac, m, 6);
}

/* eth0, eth1 ... for the exclusive-IP NICs, in order */
void net_zone_link_name(const struct net_zone *z, size_t i, char out[NET_IFNAME_MAX + 1])
{
	size_t k = 0;
	for (size_t j = 0; j < i; j++)
		k += z->nics[j].type == NET_BRIDGE || z->nics[j].type == NET_MACVLAN;
	snprintf(out, NET_IFNAME_MAX + 1, "eth%u", (unsigned)(k % NET_NICS_MAX));
}

static const char *shared_link(const struct net_nic *nic)
{
	return nic->parent[0] ? nic->parent : "lo";
}

static int nl_fail(struct zerr *err, int r, const char *zone, const char *what, const char *obj)
{
	return zerr_set(err, -r, "zone %s: net: %s `%s`", zone, what, obj);
}

/* ---- plan and teardown ------------------------------------------------ */

static void made_add(char ***made, const char *kind, const char *what)
{
	cleanup_free char *item = xasprintf("%s:%s", kind, what);
	strv_append(made, item);
}

static int plan_nic(struct nl *nl, const struct net_zone *z, size_t i, char ***made,
		    struct zerr *err)
{
	const struct net_nic *nic = &z->nics[i];
	char name[NET_IFNAME_MAX + 1];
	switch (nic->type) {
	case NET_BRIDGE:
		host_link_name(z, i, name);
		made_add(made, "link", name);
		made_add(made, "bridge", nic->bridge);
		net_nat_plan(z, i, made);
		return 0;
	case NET_MACVLAN:
		if (nl_link_index(nl, nic->parent) < 0)
			return zerr_setx(err, ENODEV,
					 "zone %s: net %zu: parent link `%s` does not exist on "
					 "the host",
					 z->zone, i, nic->parent);
		return 0;
	case NET_SHARED:
		if (nl_link_index(nl, shared_link(nic)) < 0)
			return zerr_setx(err, ENODEV,
					 "zone %s: net %zu: parent link `%s` does not exist on "
					 "the host",
					 z->zone, i, shared_link(nic));
		for (size_t a = 0; a < nic->n_addrs; a++) {
			int local = nl_addr_local(nl, &nic->addrs[a]);
			if (local < 0)
				return nl_fail(err, local, z->zone, "list the host's addresses",
					       "");
			if (local)
				continue;
			char s[64];
			struct net_addr host = nic->addrs[a];
			host.prefix = host.family == AF_INET ? 32 : 128;
			net_addr_format(&host, true, s, sizeof(s));
			cleanup_free char *item = xasprintf("%s:%s", shared_link(nic), s);
			made_add(made, "addr", item);
		}
		return 0;
	case NET_NONE: return 0;
	}
	return 0;
}

int net_plan(const struct net_zone *z, char ***made, struct zerr *err)
{
	*made = NULL;
	if (!z->n)
		return 0;
	cleanup_nl struct nl *nl = nl_open(err);
	if (!nl)
		return -err->code;
	for (size_t i = 0; i < z->n; i++) {
		int r = plan_nic(nl, z, i, made, err);
		if (r < 0) {
			strv_free(*made);
			*made = NULL;
			return r;
		}
	}
	return 0;
}

/* The bridges' markers change under STATE_DIR/lock: the last zone to
 * leave a bridge removes it, and no other may join it meanwhile. */
int net_lock(const char *state_dir, struct zerr *err)
{
	int r = mkdir_p(state_dir, 0700, err);
	if (r < 0)
		return r;
	cleanup_free char *path = xasprintf("%s/lock", state_dir);
	return zlock(path, 0, err);
}

/* The bridge goes when zonectl made it (its marker) and no port is left. */
static void bridge_release(struct nl *nl, const char *state_dir, const char *bridge)
{
	/* unlocked, a bridge another zone is joining could go: leave it */
	cleanup_close int lock = net_lock(state_dir, NULL);
	if (lock < 0)
		return;
	cleanup_free char *marker = xasprintf("%s/bridge.%s", state_dir, bridge);
	if (access(marker, F_OK) < 0)
		return;
	int index = nl_link_index(nl, bridge);
	if (index > 0 && nl_bridge_ports(nl, index) != 0)
		return;
	if (index <= 0 || nl_link_del(nl, bridge) == 0)
		unlink(marker);
}

static void addr_release(struct nl *nl, const char *spec)
{
	char link[NET_IFNAME_MAX + 1];
	const char *colon = strchr(spec, ':');
	struct net_addr a;
	if (!colon || (size_t)(colon - spec) > NET_IFNAME_MAX ||
	    net_addr_parse(colon + 1, &a, NULL) < 0)
		return;
	memcpy(link, spec, (size_t)(colon - spec));
	link[colon - spec] = '\0';
	int index = nl_link_index(nl, link);
	if (index > 0)
		nl_addr_del(nl, index, &a);
}

void net_teardown(const char *state_dir, char *const *made)
{
	if (!made || !*made)
		return;
	struct nl *nl = nl_open(NULL);
	if (!nl)
		return;
	/* rules and links first: a bridge is free only once our ports are
	 * gone */
	for (size_t i = 0; made[i]; i++)
		if (!strncmp(made[i], "nat:", 4) || !strncmp(made[i], "publish:", 8) ||
		    !strncmp(made[i], "port:", 5))
			net_nat_release(state_dir, made[i]);
	for (size_t i = 0; made[i]; i++)
		if (!strncmp(made[i], "link:", 5))
			nl_link_del(nl, made[i] + 5);
	for (size_t i = 0; made[i]; i++) {
		if (!strncmp(made[i], "bridge:", 7))
			bridge_release(nl, state_dir, made[i] + 7);
		else if (!strncmp(made[i], "addr:", 5))
			addr_release(nl, made[i] + 5);
	}
	nl_close(nl);
}

/* ---- setup ------------------------------------------------------------- */

/* The gateway of the bridge's first NIC, with that NIC's prefix: the
 * address a new bridge gets, so the host reaches its zones. */
static bool bridge_address(const struct net_nic *nic, struct net_addr *out)
{
	if (!nic->has_gateway)
		return false;
	for (size_t a = 0; a < nic->n_addrs; a++)
		if (net_addr_overlap(&nic->addrs[a], &nic->gateway)) {
			*out = nic->gateway;
			out->prefix = nic->addrs[a].prefix;
			return true;
		}
	return false;
}

static int bridge_ensure(struct nl *nl, const struct net_zone *z, const struct net_nic *nic,
			 struct zerr *err)
{
	cleanup_close int lock = net_lock(z->state_dir, err);
	if (lock < 0)
		return zerr_prefix(err, "zone %s: bridge %s", z->zone, nic->bridge);
	int index = nl_link_index(nl, nic->bridge);
	if (index > 0)
		return index;
	/* the marker first: a bridge we made must be known to be ours */
	cleanup_free char *marker = xasprintf("%s/bridge.%s", z->state_dir, nic->bridge);
	int fd = open(marker, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return zerr_set(err, errno, "zone %s: bridge %s: marker `%s`", z->zone, nic->bridge,
				marker);
	close(fd);
	int r = nl_bridge_add(nl, nic->bridge);
	if (r < 0 && r != -EEXIST)
		return unlink(marker), nl_fail(err, r, z->zone, "create bridge", nic->bridge);
	index = nl_link_index(nl, nic->bridge);
	if (index < 0)
		return nl_fail(err, index, z->zone, "find bridge", nic->bridge);
	struct net_addr gw;
	if (bridge_address(nic, &gw) && (r = nl_addr_add(nl, index, &gw)) < 0 && r != -EEXIST)
		return nl_fail(err, r, z->zone, "address bridge", nic->bridge);
	if ((r = nl_link_up(nl, index)) < 0)
		return nl_fail(err, r, z->zone, "bring up bridge", nic->bridge);
	return index;
}

static int antispoof(struct nl *nl, const struct net_zone *z, size_t i, const char *link,
		     bool egress, struct zerr *err)
{
	const struct net_nic *nic = &z->nics[i];
	if (nic->allow_spoofing)
		return 0;
	unsigned char mac[6];
	net_nic_mac(z, i, mac);
	int prog = net_antispoof_load(mac, nic->addrs, nic->n_addrs, err);
	if (prog < 0)
		return zerr_prefix(err, "zone %s: net %zu", z->zone, i);
	int index = nl_link_index(nl, link);
	int r = index < 0 ? index : nl_tc_attach(nl, index, egress, prog, ANTISPOOF_NAME);
	close(prog);
	return r < 0 ? nl_fail(err, r, z->zone, "attach the anti-spoofing filter to", link) : 0;
}

/* In the zone: addresses, up, the default route. */
static int zone_side(struct nl *zn, const struct net_zone *z, size_t i, struct zerr *err)
{
	const struct net_nic *nic = &z->nics[i];
	char name[NET_IFNAME_MAX + 1];
	net_zone_link_name(z, i, name);
	int index = nl_link_index(zn, name);
	if (index < 0)
		return nl_fail(err, index, z->zone, "find the zone's link", name);
	for (size_t a = 0; a < nic->n_addrs; a++) {
		int r = nl_addr_add(zn, index, &nic->addrs[a]);
		if (r < 0) {
			char s[64];
			net_addr_format(&nic->addrs[a], true, s, sizeof(s));
			return nl_fail(err, r, z->zone, "add address", s);
		}
	}
	int r = nl_link_up(zn, index);
	if (r < 0)
		return nl_fail(err, r, z->zone, "bring up", name);
	if (nic->has_gateway && (r = nl_route_default(zn, index, &nic->gateway)) < 0)
		return nl_fail(err, r, z->zone, "add the default route via", name);
	return 0;
}

static int setup_bridge(struct nl *nl, struct nl *zn, const struct net_zone *z, size_t i, pid_t pid,
			struct zerr *err)
{
	const struct net_nic *nic = &z->nics[i];
	int br = bridge_ensure(nl, z, nic, err);
	if (br < 0)
		return br;
	char host[NET_IFNAME_MAX + 1], peer[NET_IFNAME_MAX + 1];
	unsigned char mac[6];
	host_link_name(z, i, host);
	net_zone_link_name(z, i, peer);
	net_nic_mac(z, i, mac);
	int r = nl_veth_add(nl, host, br, peer, pid, mac, nic->mtu);
	if (r == -EXFULL)
		/* BR_MAX_PORTS */
		return zerr_set(
			err, EXFULL,
			"zone %s: bridge %s has 1023 ports, the most the kernel gives one: give the NIC "
			"another bridge (bridge=NAME)",
			z->zone, nic->bridge);
	if (r < 0)
		return nl_fail(err, r, z->zone, "create veth pair", host);
	if ((r = antispoof(nl, z, i, host, false, err)) < 0 || (r = zone_side(zn, z, i, err)) < 0)
		return r;
	return net_nat_setup(z, i, err);
}

static int setup_macvlan(struct nl *nl, struct nl *zn, const struct net_zone *z, size_t i,
			 pid_t pid, struct zerr *err)
{
	const struct net_nic *nic = &z->nics[i];
	int parent = nl_link_index(nl, nic->parent);
	if (parent < 0)
		return nl_fail(err, parent, z->zone, "find parent link", nic->parent);
	char name[NET_IFNAME_MAX + 1];
	unsigned char mac[6];
	net_zone_link_name(z, i, name);
	net_nic_mac(z, i, mac);
	int r = nl_macvlan_add(nl, name, parent, pid, mac, nic->mtu);
	if (r < 0)
		return nl_fail(err, r, z->zone, "create macvlan on", nic->parent);
	if ((r = antispoof(zn, z, i, name, true, err)) < 0)
		return r;
	return zone_side(zn, z, i, err);
}

static int setup_shared(struct nl *nl, const struct net_zone *z, size_t i, struct zerr *err)
{
	const struct net_nic *nic = &z->nics[i];
	int index = nl_link_index(nl, shared_link(nic));
	if (index < 0)
		return nl_fail(err, index, z->zone, "find link", shared_link(nic));
	for (size_t a = 0; a < nic->n_addrs; a++) {
		int local = nl_addr_local(nl, &nic->addrs[a]);
		if (local)
			continue;
		struct net_addr host = nic->addrs[a];
		host.prefix = host.family == AF_INET ? 32 : 128;
		int r = nl_addr_add(nl, index, &host);
		if (r < 0 && r != -EEXIST) {
			char s[64];
			net_addr_format(&host, true, s, sizeof(s));
			return nl_fail(err, r, z->zone, "plumb address", s);
		}
	}
	return 0;
}

static int attach_shared(const struct net_zone *z, int cgroup2_fd, struct zerr *err)
{
	struct net_addr addrs[NET_ADDRS_MAX * 4];
	size_t n = 0;
	for (size_t i = 0; i < z->n; i++)
		for (size_t a = 0; z->nics[i].type == NET_SHARED && a < z->nics[i].n_addrs; a++)
			if (n < sizeof(addrs) / sizeof(*addrs))
				addrs[n++] = z->nics[i].addrs[a];
	if (!n)
		return 0;
	if (cgroup2_fd < 0)
		return zerr_setx(err, ENOTSUP,
				 "zone %s: net: a shared-IP zone needs a cgroup2 hierarchy "
				 "(for its BPF programs), and none is mounted",
				 z->zone);
	int r = net_shared_attach(cgroup2_fd, addrs, n, err);
	return r < 0 ? zerr_prefix(err, "zone %s: net", z->zone) : 0;
}

/* Unprivileged ICMP echo sockets for every group, so ping works in a zone
 * without CAP_NET_RAW (as podman and docker set it in a container's
 * namespace). The sysctl is per network namespace at open time. */
static int allow_ping(void *arg)
{
	(void)arg;
	cleanup_close int fd = open("/proc/sys/net/ipv4/ping_group_range", O_WRONLY | O_CLOEXEC);
	static const char all[] = "0 2147483647";
	if (fd < 0 || write(fd, all, sizeof(all) - 1) < 0)
		return -errno;
	return 0;
}

static bool has_exclusive(const struct net_zone *z)
{
	for (size_t i = 0; i < z->n; i++)
		if (z->nics[i].type == NET_BRIDGE || z->nics[i].type == NET_MACVLAN)
			return true;
	return false;
}

int net_setup(const struct net_zone *z, pid_t pid, int cgroup2_fd, struct zerr *err)
{
	if (!z->n)
		return 0;
	cleanup_nl struct nl *nl = nl_open(err);
	if (!nl)
		return zerr_prefix(err, "zone %s: net", z->zone);
	cleanup_nl struct nl *zn = NULL;
	if (has_exclusive(z) && !(zn = nl_open_in(pid, err)))
		return zerr_prefix(err, "zone %s: net", z->zone);
	int r = has_exclusive(z) ? nl_in_netns(pid, allow_ping, NULL, err) : 0;
	if (r < 0)
		return err->code
			       ? zerr_prefix(err, "zone %s: net", z->zone)
			       : zerr_set(err, -r, "zone %s: net: allow ping in the zone", z->zone);
	for (size_t i = 0; i < z->n; i++) {
		r = 0;
		switch (z->nics[i].type) {
		case NET_BRIDGE: r = setup_bridge(nl, zn, z, i, pid, err); break;
		case NET_MACVLAN: r = setup_macvlan(nl, zn, z, i, pid, err); break;
		case NET_SHARED: r = setup_shared(nl, z, i, err); break;
		case NET_NONE: break;
		}
		if (r < 0)
			return r;
	}
	return attach_shared(z, cgroup2_fd, err);
}

int net_loopback_up(pid_t pid, struct zerr *err)
{
	cleanup_nl struct nl *zn = nl_open_in(pid, err);
	if (!zn)
		return -err->code;
	int r = nl_link_up(zn, 1); /* lo is always index 1 in a new namespace */
	return r < 0 ? zerr_set(err, -r, "netlink: bring up lo") : 0;
}

/* ---- observation ------------------------------------------------------- */

static void copy_counters(struct net_nic_info *info, const struct nl_link_stats *s, bool swap)
{
	info->has_counters = true;
	memcpy(info->mac, s->mac, 6);
	info->rx_bytes = swap ? s->tx_bytes : s->rx_bytes;
	info->tx_bytes = swap ? s->rx_bytes : s->tx_bytes;
	info->rx_packets = swap ? s->tx_packets : s->rx_packets;
	info->tx_packets = swap ? s->rx_packets : s->tx_packets;
	info->rx_dropped = swap ? s->tx_dropped : s->rx_dropped;
	info->tx_dropped = swap ? s->rx_dropped : s->tx_dropped;
}

static void spoof_counter(struct nl *nl, const char *link, bool egress, struct net_nic_info *info)
{
	uint32_t id = 0;
	int index = nl_link_index(nl, link);
	if (index > 0 && nl_tc_prog_id(nl, index, egress, &id) == 0 && id) {
		info->antispoof = true;
		net_antispoof_drops(id, &info->spoof_drops, NULL);
	}
}

int net_nic_info(const struct net_zone *z, pid_t pid, size_t i, struct net_nic_info *info,
		 struct zerr *err)
{
	memset(info, 0, sizeof(*info));
	const struct net_nic *nic = &z->nics[i];
	if (nic->type != NET_BRIDGE && nic->type != NET_MACVLAN)
		return 0;
	net_zone_link_name(z, i, info->zone_link);
	net_nic_mac(z, i, info->mac);
	if (pid <= 0)
		return 0;
	struct nl_link_stats s = {0};
	if (nic->type == NET_BRIDGE) {
		/* the host end's counters: what the zone cannot touch */
		host_link_name(z, i, info->host_link);
		cleanup_nl struct nl *nl = nl_open(err);
		if (!nl)
			return -err->code;
		if (nl_link_stats(nl, info->host_link, &s) == 0) {
			copy_counters(info, &s, true);
			net_nic_mac(z, i, info->mac);
		}
		spoof_counter(nl, info->host_link, false, info);
		return 0;
	}
	cleanup_nl struct nl *zn = nl_open_in(pid, err);
	if (!zn)
		return -err->code;
	if (nl_link_stats(zn, info->zone_link, &s) == 0)
		copy_counters(info, &s, false);
	spoof_counter(zn, info->zone_link, true, info);
	return 0;
}
