/* link.c - links over netlink: lo, bridges, veth pairs, macvlans, their
 * state and their counters. */
#include <errno.h>
#include <linux/if_link.h>
#include <net/if.h>
#include <string.h>

#include "nl.h"

#ifndef IFLA_MACVLAN_MODE
#define IFLA_MACVLAN_MODE 1
#endif
#ifndef VETH_INFO_PEER
#define VETH_INFO_PEER 1
#endif

static struct ifinfomsg *put_ifinfo(struct nlmsghdr *h, int index)
{
	struct ifinfomsg *ifm = mnl_nlmsg_put_extra_header(h, sizeof(*ifm));
	ifm->ifi_family = AF_UNSPEC;
	ifm->ifi_index = index;
	return ifm;
}

struct link_q {
	int index;
	int master, ports;
	struct nl_link_stats *stats;
};

static int link_attr(const struct nlattr *a, void *data)
{
	struct link_q *q = data;
	switch (mnl_attr_get_type(a)) {
	case IFLA_MASTER: q->master = (int)mnl_attr_get_u32(a); break;
	case IFLA_ADDRESS:
		if (q->stats && mnl_attr_get_payload_len(a) == 6)
			memcpy(q->stats->mac, mnl_attr_get_payload(a), 6);
		break;
	case IFLA_STATS64:
		if (q->stats && mnl_attr_get_payload_len(a) >= sizeof(struct rtnl_link_stats64)) {
			struct rtnl_link_stats64 st;
			memcpy(&st, mnl_attr_get_payload(a), sizeof(st));
			q->stats->rx_bytes = st.rx_bytes;
			q->stats->tx_bytes = st.tx_bytes;
			q->stats->rx_packets = st.rx_packets;
			q->stats->tx_packets = st.tx_packets;
			q->stats->rx_dropped = st.rx_dropped;
			q->stats->tx_dropped = st.tx_dropped;
		}
		break;
	}
	return MNL_CB_OK;
}

static int link_cb(const struct nlmsghdr *h, void *data)
{
	struct link_q *q = data;
	const struct ifinfomsg *ifm = mnl_nlmsg_get_payload(h);
	q->index = ifm->ifi_index;
	q->master = 0;
	mnl_attr_parse(h, sizeof(*ifm), link_attr, q);
	return MNL_CB_OK;
}

static int link_get(struct nl *nl, const char *name, struct link_q *q)
{
	struct nlmsghdr *h = nl_msg(nl, RTM_GETLINK, 0);
	put_ifinfo(h, 0);
	mnl_attr_put_strz(h, IFLA_IFNAME, name);
	return nl_get(nl, h, link_cb, q);
}

int nl_link_index(struct nl *nl, const char *name)
{
	struct link_q q = {0};
	int r = link_get(nl, name, &q);
	return r < 0 ? r : q.index;
}

int nl_link_stats(struct nl *nl, const char *name, struct nl_link_stats *s)
{
	struct link_q q = {.stats = s};
	return link_get(nl, name, &q);
}

int nl_link_up(struct nl *nl, int index)
{
	struct nlmsghdr *h = nl_msg(nl, RTM_NEWLINK, 0);
	struct ifinfomsg *ifm = put_ifinfo(h, index);
	ifm->ifi_flags = IFF_UP;
	ifm->ifi_change = IFF_UP;
	return nl_request(nl, h);
}

int nl_link_set(struct nl *nl, int index, const unsigned char *mac, int master, bool up)
{
	struct nlmsghdr *h = nl_msg(nl, RTM_NEWLINK, 0);
	struct ifinfomsg *ifm = put_ifinfo(h, index);
	ifm->ifi_flags = up ? IFF_UP : 0;
	ifm->ifi_change = IFF_UP;
	if (mac)
		mnl_attr_put(h, IFLA_ADDRESS, 6, mac);
	if (master)
		mnl_attr_put_u32(h, IFLA_MASTER, (uint32_t)master);
	return nl_request(nl, h);
}

int nl_link_del(struct nl *nl, const char *name)
{
	struct nlmsghdr *h = nl_msg(nl, RTM_DELLINK, 0);
	put_ifinfo(h, 0);
	mnl_attr_put_strz(h, IFLA_IFNAME, name);
	return nl_request(nl, h);
}

int nl_bridge_add(struct nl *nl, const char *name)
{
	struct nlmsghdr *h = nl_msg(nl, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
	put_ifinfo(h, 0);
	mnl_attr_put_strz(h, IFLA_IFNAME, name);
	struct nlattr *info = mnl_attr_nest_start(h, IFLA_LINKINFO);
	mnl_attr_put_strz(h, IFLA_INFO_KIND, "bridge");
	mnl_attr_nest_end(h, info);
	return nl_request(nl, h);
}

static int count_port(const struct nlmsghdr *h, void *data)
{
	struct link_q *q = data;
	struct link_q one = {0};
	link_cb(h, &one);
	if (one.master == q->index)
		q->ports++;
	return MNL_CB_OK;
}

int nl_bridge_ports(struct nl *nl, int bridge_index)
{
	struct link_q q = {.index = bridge_index};
	struct nlmsghdr *h = nl_msg(nl, RTM_GETLINK, 0);
	put_ifinfo(h, 0);
	int r = nl_dump(nl, h, count_port, &q);
	return r < 0 ? r : q.ports;
}

/* The attributes a zone's end of a link gets: made in pid's namespace. */
static void put_zone_end(struct nlmsghdr *h, const char *name, pid_t pid,
			 const unsigned char mac[6], unsigned mtu)
{
	mnl_attr_put_strz(h, IFLA_IFNAME, name);
	mnl_attr_put_u32(h, IFLA_NET_NS_PID, (uint32_t)pid);
	mnl_attr_put(h, IFLA_ADDRESS, 6, mac);
	if (mtu)
		mnl_attr_put_u32(h, IFLA_MTU, mtu);
}

int nl_veth_add(struct nl *nl, const char *host, int bridge_index, const char *peer, pid_t pid,
		const unsigned char mac[6], unsigned mtu)
{
	struct nlmsghdr *h = nl_msg(nl, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
	struct ifinfomsg *ifm = put_ifinfo(h, 0);
	ifm->ifi_flags = IFF_UP;
	ifm->ifi_change = IFF_UP;
	mnl_attr_put_strz(h, IFLA_IFNAME, host);
	if (mtu)
		mnl_attr_put_u32(h, IFLA_MTU, mtu);
	if (bridge_index > 0)
		mnl_attr_put_u32(h, IFLA_MASTER, (uint32_t)bridge_index);
	struct nlattr *info = mnl_attr_nest_start(h, IFLA_LINKINFO);
	mnl_attr_put_strz(h, IFLA_INFO_KIND, "veth");
	struct nlattr *data = mnl_attr_nest_start(h, IFLA_INFO_DATA);
	struct nlattr *p = mnl_attr_nest_start(h, VETH_INFO_PEER);
	put_ifinfo(h, 0);
	put_zone_end(h, peer, pid, mac, mtu);
	mnl_attr_nest_end(h, p);
	mnl_attr_nest_end(h, data);
	mnl_attr_nest_end(h, info);
	return nl_request(nl, h);
}

int nl_macvlan_add(struct nl *nl, const char *name, int parent_index, pid_t pid,
		   const unsigned char mac[6], unsigned mtu)
{
	struct nlmsghdr *h = nl_msg(nl, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
	put_ifinfo(h, 0);
	put_zone_end(h, name, pid, mac, mtu);
	mnl_attr_put_u32(h, IFLA_LINK, (uint32_t)parent_index);
	struct nlattr *info = mnl_attr_nest_start(h, IFLA_LINKINFO);
	mnl_attr_put_strz(h, IFLA_INFO_KIND, "macvlan");
	struct nlattr *data = mnl_attr_nest_start(h, IFLA_INFO_DATA);
	mnl_attr_put_u32(h, IFLA_MACVLAN_MODE, MACVLAN_MODE_BRIDGE);
	mnl_attr_nest_end(h, data);
	mnl_attr_nest_end(h, info);
	return nl_request(nl, h);
}
