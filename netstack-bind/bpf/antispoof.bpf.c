/* antispoof.bpf.c - a zone sends only as itself (SmartOS's
 * allow_ip_spoofing=false, allowed-ips).
 *
 * A tc classifier (direct-action) on the clsact ingress of the host end of
 * a zone's link: it sees every Ethernet frame the zone sends, from outside
 * the zone's reach. A frame passes only when its source MAC is the NIC's
 * and it is one of:
 *   IPv4  with a listed source address;
 *   ARP   (Ethernet/IPv4) whose sender hardware address is the NIC's MAC
 *         and whose sender IP is listed or 0.0.0.0 (an address probe);
 *   IPv6  with a listed source, a link-local fe80::/10 source (neighbour
 *         discovery, router solicitation) or :: (duplicate address
 *         detection); a neighbour advertisement must in addition claim a
 *         listed or link-local target, so a zone cannot poison its
 *         neighbours' caches for another zone's address.
 * Everything else is dropped: 802.1Q/802.1ad tagged frames (in the frame
 * or in the skb's offloaded tag: a zone must not reach another VLAN),
 * other ethertypes (802.3 frames, LLDP, STP, ...), IPv4 with source
 * 0.0.0.0 (zones have static addresses: there is no DHCP client to serve),
 * and frames too short for their headers.
 *
 * A passing frame gets TC_ACT_UNSPEC: "no verdict, go on", so a later
 * filter on the same hook still sees it (with none, the frame is
 * accepted). A dropped frame gets TC_ACT_SHOT and is counted in the map
 * "drops" (one u64 at key 0) for zonectl net.
 *
 * What it cannot see: any link-local IPv6 address passes (the zone may
 * pick any, not only the one derived from its MAC); the payload of a
 * frame is not checked beyond the headers above.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "netbpf.h"

#define ICMPV6_NEIGH_ADVERT 136

const volatile struct netbpf_antispoof cfg = {};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} drops SEC(".maps");

/* ARP for Ethernet and IPv4 (struct arphdr and what follows it). */
struct arp_eth4 {
	__be16 htype, ptype;
	__u8 hlen, plen;
	__be16 op;
	__u8 sha[6], spa[4], tha[6], tpa[4];
} __attribute__((packed));

static __always_inline int drop(void)
{
	__u32 key = 0;
	__u64 *n = bpf_map_lookup_elem(&drops, &key);
	if (n)
		__sync_fetch_and_add(n, 1);
	return TC_ACT_SHOT;
}

static __always_inline int mac_ok(const __u8 *m)
{
	for (int i = 0; i < 6; i++)
		if (m[i] != cfg.mac[i])
			return 0;
	return 1;
}

static __always_inline int ip4_listed(__u32 ip)
{
	for (__u32 i = 0; i < NETBPF_ADDRS_MAX; i++)
		if (i < cfg.a.n4 && cfg.a.ip4[i] == ip)
			return 1;
	return 0;
}

static __always_inline int ip6_listed(const __u32 *a)
{
	for (__u32 i = 0; i < NETBPF_ADDRS_MAX; i++)
		if (i < cfg.a.n6 && a[0] == cfg.a.ip6[i][0] && a[1] == cfg.a.ip6[i][1] &&
		    a[2] == cfg.a.ip6[i][2] && a[3] == cfg.a.ip6[i][3])
			return 1;
	return 0;
}

static __always_inline int ip6_link_local(const __u32 *a)
{
	return (a[0] & bpf_htonl(0xffc00000)) == bpf_htonl(0xfe800000);
}

static __always_inline int ip4_ok(struct __sk_buff *skb)
{
	struct iphdr ip;
	if (bpf_skb_load_bytes(skb, ETH_HLEN, &ip, sizeof(ip)) < 0)
		return 0;
	return ip.version == 4 && ip4_listed(ip.saddr);
}

static __always_inline int arp_ok(struct __sk_buff *skb)
{
	struct arp_eth4 arp;
	if (bpf_skb_load_bytes(skb, ETH_HLEN, &arp, sizeof(arp)) < 0)
		return 0;
	if (arp.htype != bpf_htons(1) || arp.ptype != bpf_htons(ETH_P_IP) || arp.hlen != 6 ||
	    arp.plen != 4 || !mac_ok(arp.sha))
		return 0;
	__u32 spa;
	__builtin_memcpy(&spa, arp.spa, 4);
	return spa == 0 || ip4_listed(spa);
}

/* Only a neighbour advertisement right after the IPv6 header is looked
 * into; one behind extension headers is not valid NDP anyway (RFC 4861
 * requires hop limit 255 and receivers ignore the rest). */
static __always_inline int na_ok(struct __sk_buff *skb, const struct ipv6hdr *ip)
{
	if (ip->nexthdr != IPPROTO_ICMPV6)
		return 1;
	__u8 type;
	if (bpf_skb_load_bytes(skb, ETH_HLEN + sizeof(*ip), &type, 1) < 0)
		return 0;
	if (type != ICMPV6_NEIGH_ADVERT)
		return 1;
	__u32 target[4];
	if (bpf_skb_load_bytes(skb, ETH_HLEN + sizeof(*ip) + 8, target, sizeof(target)) < 0)
		return 0;
	return ip6_link_local(target) || ip6_listed(target);
}

static __always_inline int ip6_ok(struct __sk_buff *skb)
{
	struct ipv6hdr ip;
	if (bpf_skb_load_bytes(skb, ETH_HLEN, &ip, sizeof(ip)) < 0)
		return 0;
	if (ip.version != 6)
		return 0;
	__u32 s[4];
	__builtin_memcpy(s, &ip.saddr, sizeof(s));
	int any = !(s[0] | s[1] | s[2] | s[3]);
	if (!any && !ip6_link_local(s) && !ip6_listed(s))
		return 0;
	return na_ok(skb, &ip);
}

SEC("tc")
int zone_antispoof(struct __sk_buff *skb)
{
	struct ethhdr eth;
	if (skb->vlan_present || bpf_skb_load_bytes(skb, 0, &eth, sizeof(eth)) < 0 ||
	    !mac_ok(eth.h_source))
		return drop();
	int ok = 0;
	switch (eth.h_proto) {
	case bpf_htons(ETH_P_IP): ok = ip4_ok(skb); break;
	case bpf_htons(ETH_P_ARP): ok = arp_ok(skb); break;
	case bpf_htons(ETH_P_IPV6): ok = ip6_ok(skb); break;
	}
	return ok ? TC_ACT_UNSPEC : drop();
}

char LICENSE[] SEC("license") = "GPL";
