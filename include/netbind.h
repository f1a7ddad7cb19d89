/* netbind.h - a zone's network on the host's one TCP/IP stack: links,
 * addresses and routes over netlink (libmnl), anti-spoofing on the host
 * side of each link, and shared-IP zones held to their addresses by
 * cgroup-BPF programs. Works from the host side: the caller names a
 * process whose network namespace is meant. The caller must be
 * single-threaded (we step into a zone's namespace and back). */
#ifndef ZONECTL_NETBIND_H
#define ZONECTL_NETBIND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "zutil.h"

#define NET_IFNAME_MAX 15 /* IFNAMSIZ - 1 */
#define NET_ADDRS_MAX 8
#define NET_NICS_MAX 16
#define NET_PORTS_MAX 16
#define NET_DNS_MAX 4
#define NET_SEARCH_MAX 6
#define NET_DOMAIN_MAX 253

/* An address with its prefix length: 198.18.7.2/24, fd00::2/64. */
struct net_addr {
	int family;          /* AF_INET or AF_INET6 */
	unsigned char a[16]; /* network byte order; 4 bytes for AF_INET */
	unsigned prefix;
};

enum net_type { NET_NONE, NET_BRIDGE, NET_MACVLAN, NET_SHARED };

/* A published port: the host's HOST reaches the zone's ZONE (publish=). */
struct net_port {
	uint16_t host, zone;
	int proto; /* IPPROTO_TCP or IPPROTO_UDP */
};

/* One NIC of a zone, as configured ("zone": {"net": [ ... ]}). */
struct net_nic {
	enum net_type type;
	char bridge[NET_IFNAME_MAX + 1]; /* bridge: the host bridge */
	char parent[NET_IFNAME_MAX +
		    1]; /* macvlan: the host link; shared: where addresses are plumbed ("" = lo) */
	struct net_addr addrs[NET_ADDRS_MAX];
	size_t n_addrs;
	bool has_gateway;
	struct net_addr gateway;
	unsigned mtu; /* 0 = the kernel's default */
	bool has_mac;
	unsigned char mac[6];
	bool allow_spoofing;
	/* bridge: masquerade what leaves the host from the bridge's subnet
	 * (nat=; the default is on for the default bridge, off for others) */
	bool nat, has_nat;
	struct net_port ports[NET_PORTS_MAX]; /* publish=HOST:ZONE[/tcp|/udp] */
	size_t n_ports;
	/* the zone's resolvers and search domains (dns=, search=) */
	struct net_addr dns[NET_DNS_MAX];
	size_t n_dns;
	char search[NET_SEARCH_MAX][NET_DOMAIN_MAX + 1];
	size_t n_search;
	/* the address was given by zonectl (a lease), not by the config */
	bool auto_address;
};

/* Parses "type=bridge,bridge=zbr0,address=198.18.7.2/24,..." (one --net). */
int net_nic_parse(const char *spec, struct net_nic *nic, struct zerr *err);
/* One key of a NIC (the same keys in config.json), then the whole NIC. */
int net_nic_set(struct net_nic *nic, const char *key, const char *value, struct zerr *err);
int net_nic_check(const struct net_nic *nic, struct zerr *err);
const char *net_type_name(enum net_type t);
/* "198.18.7.2/24" or "fd00::2/64"; no prefix = a host address (/32, /128). */
int net_addr_parse(const char *s, struct net_addr *a, struct zerr *err);
/* "198.18.7.2/24" */
void net_addr_format(const struct net_addr *a, bool with_prefix, char *buf, size_t len);
/* "8080:80/tcp" */
void net_port_format(const struct net_port *p, char *buf, size_t len);
/* Do the two addresses' networks overlap (same family, prefixes applied)? */
bool net_addr_overlap(const struct net_addr *x, const struct net_addr *y);
bool net_addr_equal(const struct net_addr *x, const struct net_addr *y);

/* Does a route of the host's main table, or one of its IPv4 addresses,
 * overlap subnet (1, 0, or a negative errno)? */
int net_subnet_used(const struct net_addr *subnet, struct zerr *err);
/* The first IPv4 address of a host link, with its prefix; -ENODEV when
 * there is no such link, -ENOENT when it has no IPv4 address. */
int net_link_ipv4(const char *link, struct net_addr *out, struct zerr *err);

/* A host firewall that drops forwarded packets (another nftables table's
 * forward hook with policy drop, as Docker's and firewalld's), said in a
 * sentence; NULL when none does. */
char *net_forward_blocked(void);

/* Brings up "lo" in the network namespace of pid. */
int net_loopback_up(pid_t pid, struct zerr *err);

/* ---- a zone's NICs (netstack-bind/zone_net.c) -------------------------- */

struct net_zone {
	const char *zone;
	const char *state_dir; /* markers of bridges we made, and their lock */
	uint32_t key;          /* unique per zone: host link names and MACs */
	const struct net_nic *nics;
	size_t n;
};

/* What boot will leave on the host, as strings the caller keeps (in
 * state.json) for net_teardown: "link:NAME" (a host link to delete),
 * "bridge:NAME" (removed when we made it and no port is left),
 * "addr:LINK:ADDR/PREFIX" (an address plumbed for a shared-IP zone).
 * Checks that parent links exist. */
int net_plan(const struct net_zone *z, char ***made, struct zerr *err);
/* Makes the NICs: links into pid's network namespace with addresses,
 * routes and anti-spoofing; shared-IP addresses and the cgroup-BPF
 * programs on cgroup2_fd (-1 when no NIC is shared). */
int net_setup(const struct net_zone *z, pid_t pid, int cgroup2_fd, struct zerr *err);
/* Undoes a plan; what is already gone is fine. */
void net_teardown(const char *state_dir, char *const *made);
/* NIC i's MAC (configured, or stable for the zone) and its link's name in
 * the zone (eth0, eth1 ... in order of the exclusive-IP NICs). */
void net_nic_mac(const struct net_zone *z, size_t i, unsigned char mac[6]);
void net_zone_link_name(const struct net_zone *z, size_t i, char out[NET_IFNAME_MAX + 1]);

/* ---- a kvm zone's guest (netstack-bind/guest.c) ------------------------ */

/* The tap of NIC i in the zone: qemu opens it by this name. */
void net_guest_tap_name(size_t i, char out[NET_IFNAME_MAX + 1]);
/* After net_setup, in pid's namespace: each bridged NIC's link gives its
 * addresses and MAC up to the guest and joins a bridge with a tap (owned
 * by uid 0, so qemu opens it without CAP_NET_ADMIN). The guest then sends
 * with the NIC's MAC and addresses, through the host side's
 * anti-spoofing. Only bridged NICs can be the guest's. */
int net_guest_setup(const struct net_zone *z, pid_t pid, struct zerr *err);

/* NIC i as seen from the host: the zone's link name, the host's side,
 * MAC and counters (from the zone's point of view: rx = received by it). */
struct net_nic_info {
	char zone_link[NET_IFNAME_MAX + 1];
	char host_link[NET_IFNAME_MAX + 1];
	unsigned char mac[6];
	bool has_counters;
	uint64_t rx_bytes, tx_bytes, rx_packets, tx_packets, rx_dropped, tx_dropped;
	bool antispoof;
	uint64_t spoof_drops;
};
int net_nic_info(const struct net_zone *z, pid_t pid, size_t i, struct net_nic_info *info,
		 struct zerr *err);

/* ---- shared-IP zones (netstack-bind/shared_ip.c, cgroup-BPF) ----------- */

/* Holds every socket of the processes in the cgroup2 directory cgroup_fd
 * to the addresses: the first of each family is the zone's primary.
 * The programs are attached with BPF_PROG_ATTACH (BPF_F_ALLOW_MULTI), so
 * they live as long as the cgroup does and need no fd held. */
int net_shared_attach(int cgroup_fd, const struct net_addr *addrs, size_t n, struct zerr *err);

/* ---- anti-spoofing (netstack-bind/antispoof.c, tc BPF) ----------------- */

/* Loads the classifier that passes only frames from mac with a source
 * address in addrs (and ARP/NDP that claims only those), and returns its
 * program fd: the caller attaches it to a link with net_tc_attach. */
int net_antispoof_load(const unsigned char mac[6], const struct net_addr *addrs, size_t n,
		       struct zerr *err);
/* Frames dropped so far by the classifier with this BPF program id. */
int net_antispoof_drops(uint32_t prog_id, uint64_t *drops, struct zerr *err);

#endif
