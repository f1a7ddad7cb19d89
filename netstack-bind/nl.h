/* nl.h - netstack-bind's own netlink helpers (not a public header). */
#ifndef ZONECTL_NETSTACK_NL_H
#define ZONECTL_NETSTACK_NL_H

#include <libmnl/libmnl.h>
#include <linux/rtnetlink.h>
#include <stdint.h>

#include "netbind.h"

struct nl {
	struct mnl_socket *sock;
	uint32_t seq, portid;
	char buf[8192]; /* one request */
};

/* A socket in our own network namespace, or in pid's. */
struct nl *nl_open(struct zerr *err);
struct nl *nl_open_in(pid_t pid, struct zerr *err);
void nl_close(struct nl *nl);
/* Runs fn in pid's network namespace (for what is per namespace at open
 * time: sockets, /proc/sys/net); its return value, or an error entering. */
int nl_in_netns(pid_t pid, int (*fn)(void *arg), void *arg, struct zerr *err);
static inline void nl_cleanup(struct nl **nl)
{
	nl_close(*nl);
}
#define cleanup_nl __attribute__((cleanup(nl_cleanup)))

/* Starts a message in nl->buf. */
struct nlmsghdr *nl_msg(struct nl *nl, uint16_t type, uint16_t flags);
/* 0 or the kernel's negative errno. */
int nl_request(struct nl *nl, struct nlmsghdr *h);
int nl_dump(struct nl *nl, struct nlmsghdr *h, mnl_cb_t cb, void *data);
/* A request whose answer is data (RTM_GETLINK of one link). */
int nl_get(struct nl *nl, struct nlmsghdr *h, mnl_cb_t cb, void *data);

/* ---- links (link.c) ---- */
int nl_link_index(struct nl *nl, const char *name); /* >0, or -ENODEV */
int nl_link_up(struct nl *nl, int index);
int nl_link_del(struct nl *nl, const char *name); /* -ENODEV if absent */
int nl_bridge_add(struct nl *nl, const char *name);
int nl_bridge_ports(struct nl *nl, int bridge_index); /* number of ports */
/* Sets what is given: mac (may be NULL), master (0 = unchanged), up or down. */
int nl_link_set(struct nl *nl, int index, const unsigned char *mac, int master, bool up);
/* A veth pair: host end `host` (on bridge_index if > 0), peer `peer` made
 * directly in pid's network namespace with mac and mtu (0 = default). */
int nl_veth_add(struct nl *nl, const char *host, int bridge_index, const char *peer, pid_t pid,
		const unsigned char mac[6], unsigned mtu);
/* A bridge-mode macvlan on parent_index, made directly in pid's namespace. */
int nl_macvlan_add(struct nl *nl, const char *name, int parent_index, pid_t pid,
		   const unsigned char mac[6], unsigned mtu);

struct nl_link_stats {
	unsigned char mac[6];
	uint64_t rx_bytes, tx_bytes, rx_packets, tx_packets, rx_dropped, tx_dropped;
};
int nl_link_stats(struct nl *nl, const char *name, struct nl_link_stats *s);

/* ---- addresses and routes (addr.c) ---- */
int nl_addr_add(struct nl *nl, int index, const struct net_addr *a);
int nl_addr_del(struct nl *nl, int index, const struct net_addr *a);
/* Is a assigned to any link (or, for 127/8, the loopback's range)? */
int nl_addr_local(struct nl *nl, const struct net_addr *a);
int nl_route_default(struct nl *nl, int index, const struct net_addr *gw);

/* ---- RUN/.net (zone_net.c) ---- */
/* The lock under which bridges' markers and the NAT table change. */
int net_lock(const char *state_dir, struct zerr *err);
/* nat.c: NIC i's NAT and published ports; the plan's items for them;
 * undoing one item ("nat:", "publish:", "port:"). */
int net_nat_setup(const struct net_zone *z, size_t i, struct zerr *err);
void net_nat_plan(const struct net_zone *z, size_t i, char ***made);
void net_nat_release(const char *state_dir, const char *item);

/* ---- traffic control (tc.c) ---- */
/* clsact on the link and prog_fd as a direct-action classifier on its
 * ingress (egress = false) or egress. */
int nl_tc_attach(struct nl *nl, int index, bool egress, int prog_fd, const char *name);
/* The BPF program id of our classifier there, 0 if none. */
int nl_tc_prog_id(struct nl *nl, int index, bool egress, uint32_t *id);

#endif
