/* addr.c - addresses and the default route over netlink. */
#include <errno.h>
#include <linux/if_addr.h>
#include <string.h>
#include <sys/socket.h>

#include "internal.h"
#include "nl.h"

static size_t addr_len(const struct net_addr *a)
{
	return a->family == AF_INET ? 4 : 16;
}

static int addr_msg(struct nl *nl, uint16_t type, uint16_t flags, int index,
		    const struct net_addr *a)
{
	struct nlmsghdr *h = nl_msg(nl, type, flags);
	struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(h, sizeof(*ifa));
	ifa->ifa_family = (unsigned char)a->family;
	ifa->ifa_prefixlen = (unsigned char)a->prefix;
	ifa->ifa_index = (unsigned)index;
	ifa->ifa_scope = RT_SCOPE_UNIVERSE;
	mnl_attr_put(h, IFA_LOCAL, addr_len(a), a->a);
	mnl_attr_put(h, IFA_ADDRESS, addr_len(a), a->a);
	if (a->family == AF_INET6 && type == RTM_NEWADDR)
		/* no duplicate address detection: the address is usable at
		 * once, as on a link whose peer we made ourselves */
		mnl_attr_put_u32(h, IFA_FLAGS, IFA_F_NODAD);
	return nl_request(nl, h);
}

int nl_addr_add(struct nl *nl, int index, const struct net_addr *a)
{
	return addr_msg(nl, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, index, a);
}

int nl_addr_del(struct nl *nl, int index, const struct net_addr *a)
{
	return addr_msg(nl, RTM_DELADDR, 0, index, a);
}

struct local_q {
	const struct net_addr *want;
	bool found;
};

static int local_attr(const struct nlattr *at, void *data)
{
	struct local_q *q = data;
	uint16_t t = mnl_attr_get_type(at);
	if ((t == IFA_LOCAL || t == IFA_ADDRESS) &&
	    mnl_attr_get_payload_len(at) == addr_len(q->want) &&
	    !memcmp(mnl_attr_get_payload(at), q->want->a, addr_len(q->want)))
		q->found = true;
	return MNL_CB_OK;
}

static int local_cb(const struct nlmsghdr *h, void *data)
{
	struct local_q *q = data;
	const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(h);
	if (ifa->ifa_family == q->want->family)
		mnl_attr_parse(h, sizeof(*ifa), local_attr, q);
	return MNL_CB_OK;
}

int nl_addr_local(struct nl *nl, const struct net_addr *a)
{
	/* 127.0.0.0/8 is local as a whole, without an address per host */
	if (a->family == AF_INET && a->a[0] == 127)
		return 1;
	struct local_q q = {.want = a};
	struct nlmsghdr *h = nl_msg(nl, RTM_GETADDR, 0);
	struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(h, sizeof(*ifa));
	ifa->ifa_family = (unsigned char)a->family;
	int r = nl_dump(nl, h, local_cb, &q);
	return r < 0 ? r : q.found;
}

int nl_route_default(struct nl *nl, int index, const struct net_addr *gw)
{
	struct nlmsghdr *h = nl_msg(nl, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL);
	struct rtmsg *rt = mnl_nlmsg_put_extra_header(h, sizeof(*rt));
	rt->rtm_family = (unsigned char)gw->family;
	rt->rtm_table = RT_TABLE_MAIN;
	rt->rtm_protocol = RTPROT_STATIC;
	rt->rtm_scope = RT_SCOPE_UNIVERSE;
	rt->rtm_type = RTN_UNICAST;
	mnl_attr_put(h, RTA_GATEWAY, addr_len(gw), gw->a);
	mnl_attr_put_u32(h, RTA_OIF, (uint32_t)index);
	return nl_request(nl, h);
}

/* ---- what the host's addresses and routes already cover ---------------- */

struct overlap_q {
	const struct net_addr *net;
	int index; /* for link_ipv4: the link's index; else 0 */
	bool found;
	struct net_addr first; /* link_ipv4: its first IPv4 address */
};

static int route_cb(const struct nlmsghdr *h, void *data)
{
	struct overlap_q *q = data;
	const struct rtmsg *rt = mnl_nlmsg_get_payload(h);
	if (rt->rtm_family != AF_INET || rt->rtm_table != RT_TABLE_MAIN || !rt->rtm_dst_len)
		return MNL_CB_OK;
	const struct nlattr *at;
	mnl_attr_for_each(at, h, sizeof(*rt))
	{
		if (mnl_attr_get_type(at) != RTA_DST || mnl_attr_get_payload_len(at) != 4)
			continue;
		struct net_addr dst = {.family = AF_INET, .prefix = rt->rtm_dst_len};
		memcpy(dst.a, mnl_attr_get_payload(at), 4);
		q->found |= net_addr_overlap(&dst, q->net);
	}
	return MNL_CB_OK;
}

static int addr4_cb(const struct nlmsghdr *h, void *data)
{
	struct overlap_q *q = data;
	const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(h);
	if (ifa->ifa_family != AF_INET || (q->index && (int)ifa->ifa_index != q->index))
		return MNL_CB_OK;
	const struct nlattr *at;
	mnl_attr_for_each(at, h, sizeof(*ifa))
	{
		if (mnl_attr_get_type(at) != IFA_LOCAL || mnl_attr_get_payload_len(at) != 4)
			continue;
		struct net_addr a = {.family = AF_INET, .prefix = ifa->ifa_prefixlen};
		memcpy(a.a, mnl_attr_get_payload(at), 4);
		if (q->index && !q->found) {
			q->first = a;
			q->found = true;
		} else if (!q->index && q->net) {
			q->found |= net_addr_overlap(&a, q->net);
		}
	}
	return MNL_CB_OK;
}

int net_subnet_used(const struct net_addr *subnet, struct zerr *err)
{
	cleanup_nl struct nl *nl = nl_open(err);
	if (!nl)
		return -err->code;
	struct overlap_q q = {.net = subnet};
	struct nlmsghdr *h = nl_msg(nl, RTM_GETROUTE, 0);
	struct rtmsg *rt = mnl_nlmsg_put_extra_header(h, sizeof(*rt));
	rt->rtm_family = AF_INET;
	int r = nl_dump(nl, h, route_cb, &q);
	if (r == 0 && !q.found) {
		h = nl_msg(nl, RTM_GETADDR, 0);
		struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(h, sizeof(*ifa));
		ifa->ifa_family = AF_INET;
		r = nl_dump(nl, h, addr4_cb, &q);
	}
	if (r < 0)
		return zerr_set(err, -r, "netlink: list the host's routes");
	return q.found;
}

int net_link_ipv4(const char *link, struct net_addr *out, struct zerr *err)
{
	cleanup_nl struct nl *nl = nl_open(err);
	if (!nl)
		return -err->code;
	int index = nl_link_index(nl, link);
	if (index < 0)
		return index;
	struct overlap_q q = {.index = index};
	struct nlmsghdr *h = nl_msg(nl, RTM_GETADDR, 0);
	struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(h, sizeof(*ifa));
	ifa->ifa_family = AF_INET;
	int r = nl_dump(nl, h, addr4_cb, &q);
	if (r < 0)
		return zerr_set(err, -r, "netlink: the addresses of `%s`", link);
	if (!q.found)
		return -ENOENT;
	*out = q.first;
	return 0;
}

/* Sorts addrs by family, in order, for a BPF object's cfg. */
int netbpf_addrs(const char *what, const struct net_addr *addrs, size_t n, struct netbpf_addrs *out,
		 struct zerr *err)
{
	static const unsigned char mapped[12] = {[10] = 0xff, [11] = 0xff};
	memset(out, 0, sizeof(*out));
	for (size_t k = 0; k < n; k++) {
		const struct net_addr *a = &addrs[k];
		bool v4 = a->family == AF_INET;
		if (!v4 && a->family != AF_INET6)
			return zerr_setx(err, EAFNOSUPPORT, "%s: address %zu is not IPv4 or IPv6",
					 what, k + 1);
		if (!v4 && memcmp(a->a, mapped, sizeof(mapped)) == 0)
			return zerr_setx(err, EINVAL,
					 "%s: address %zu is IPv4-mapped: "
					 "give it as IPv4",
					 what, k + 1);
		if ((v4 ? out->n4 : out->n6) == NETBPF_ADDRS_MAX)
			return zerr_setx(err, E2BIG, "%s: more than %d IPv%d addresses", what,
					 NETBPF_ADDRS_MAX, v4 ? 4 : 6);
		if (v4)
			memcpy(&out->ip4[out->n4++], a->a, 4);
		else
			memcpy(out->ip6[out->n6++], a->a, 16);
	}
	return 0;
}
