/* test_antispoof.c - netstack-bind's anti-spoofing classifier on this
 * host's kernel: crafted Ethernet frames run through it with
 * BPF_PROG_TEST_RUN (the kernel's own execution, no attachment needed). */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/pkt_cls.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "netbind.h"
#include "t.h"

/* "198.18.7.2" or "fd00::2" as a host address */
static struct net_addr addr(const char *s)
{
	struct net_addr a;
	net_addr_parse(s, &a, NULL);
	return a;
}

/* ---- anti-spoofing ------------------------------------------------------ */

static const unsigned char zmac[6] = {0x02, 0x5a, 0, 0, 0, 1};
static const unsigned char other_mac[6] = {0x02, 0x5a, 0, 0, 0, 9};
static int spoof_fd = -1;

static size_t eth(unsigned char *f, const unsigned char *src, uint16_t type)
{
	memset(f, 0xff, 6);
	memcpy(f + 6, src, 6);
	f[12] = (unsigned char)(type >> 8);
	f[13] = (unsigned char)type;
	return 14;
}

static size_t ip4_frame(unsigned char *f, const unsigned char *mac, const char *src)
{
	size_t o = eth(f, mac, 0x0800);
	memset(f + o, 0, 20);
	f[o] = 0x45;
	f[o + 3] = 20;
	f[o + 8] = 64;
	f[o + 9] = IPPROTO_UDP;
	inet_pton(AF_INET, src, f + o + 12);
	inet_pton(AF_INET, "198.18.7.1", f + o + 16);
	return 60;
}

static size_t arp_frame(unsigned char *f, const unsigned char *sha, const char *spa)
{
	size_t o = eth(f, zmac, 0x0806);
	static const unsigned char hdr[8] = {0, 1, 8, 0, 6, 4, 0, 1};
	memcpy(f + o, hdr, 8);
	memcpy(f + o + 8, sha, 6);
	inet_pton(AF_INET, spa, f + o + 14);
	memset(f + o + 18, 0, 6);
	inet_pton(AF_INET, "198.18.7.1", f + o + 24);
	return 60;
}

/* IPv6 + ICMPv6 of the type; target for neighbour advertisements */
static size_t ip6_frame(unsigned char *f, const char *src, int icmp_type, const char *target)
{
	size_t o = eth(f, zmac, 0x86dd);
	memset(f + o, 0, 40 + 24);
	f[o] = 0x60;
	f[o + 5] = 24;
	f[o + 6] = IPPROTO_ICMPV6;
	f[o + 7] = 255;
	inet_pton(AF_INET6, src, f + o + 8);
	inet_pton(AF_INET6, "ff02::1", f + o + 24);
	f[o + 40] = (unsigned char)icmp_type;
	if (target)
		inet_pton(AF_INET6, target, f + o + 48);
	return o + 64;
}

/* a good IPv4 frame with an 802.1Q tag (VLAN 7) after the addresses */
static size_t vlan_frame(unsigned char *f)
{
	unsigned char plain[128];
	size_t len = ip4_frame(plain, zmac, "198.18.7.2");
	static const unsigned char tag[4] = {0x81, 0x00, 0x00, 0x07};
	memcpy(f, plain, 12);
	memcpy(f + 12, tag, 4);
	memcpy(f + 16, plain + 12, len - 12);
	return len + 4;
}

static int run(const unsigned char *f, size_t len)
{
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = f, .data_size_in = (uint32_t)len, .repeat = 1);
	if (bpf_prog_test_run_opts(spoof_fd, &o) < 0)
		return -1000 - errno;
	return (int)o.retval;
}

static void test_antispoof_load(void)
{
	struct zerr err = {0};
	struct net_addr a[] = {addr("198.18.7.2"), addr("fd00::2")};
	spoof_fd = net_antispoof_load(zmac, a, 2, &err);
	CHECK_MSG(spoof_fd >= 0, "%s", err.msg);
}

#define EXPECT(frame_len, want)                                                 \
	do {                                                                    \
		int got_ = run(f, (frame_len));                                 \
		CHECK_MSG(got_ == (want), "verdict %d, want %d", got_, (want)); \
	} while (0)

static void test_antispoof_good_ipv4_passes(void)
{
	unsigned char f[128];
	CHECK(spoof_fd >= 0);
	EXPECT(ip4_frame(f, zmac, "198.18.7.2"), TC_ACT_UNSPEC);
}

static void test_antispoof_wrong_mac_dropped(void)
{
	unsigned char f[128];
	CHECK(spoof_fd >= 0);
	EXPECT(ip4_frame(f, other_mac, "198.18.7.2"), TC_ACT_SHOT);
}

static void test_antispoof_wrong_ipv4_dropped(void)
{
	unsigned char f[128];
	CHECK(spoof_fd >= 0);
	EXPECT(ip4_frame(f, zmac, "198.18.7.3"), TC_ACT_SHOT);
}

static void test_antispoof_arp(void)
{
	unsigned char f[128];
	CHECK(spoof_fd >= 0);
	EXPECT(arp_frame(f, zmac, "198.18.7.2"), TC_ACT_UNSPEC);
	EXPECT(arp_frame(f, zmac, "0.0.0.0"), TC_ACT_UNSPEC);
	EXPECT(arp_frame(f, zmac, "198.18.7.3"), TC_ACT_SHOT);
	EXPECT(arp_frame(f, other_mac, "198.18.7.2"), TC_ACT_SHOT);
}

static void test_antispoof_ipv6(void)
{
	unsigned char f[128];
	CHECK(spoof_fd >= 0);
	EXPECT(ip6_frame(f, "fe80::5a:ff:fe00:1", 133, NULL), TC_ACT_UNSPEC);
	EXPECT(ip6_frame(f, "::", 135, NULL), TC_ACT_UNSPEC);
	EXPECT(ip6_frame(f, "fd00::2", 128, NULL), TC_ACT_UNSPEC);
	EXPECT(ip6_frame(f, "fd00::3", 128, NULL), TC_ACT_SHOT);
	EXPECT(ip6_frame(f, "fe80::5a:ff:fe00:1", 136, "fd00::2"), TC_ACT_UNSPEC);
	EXPECT(ip6_frame(f, "fe80::5a:ff:fe00:1", 136, "fd00::3"), TC_ACT_SHOT);
}

static void test_antispoof_vlan_dropped(void)
{
	unsigned char f[128];
	CHECK(spoof_fd >= 0);
	EXPECT(vlan_frame(f), TC_ACT_SHOT);
	size_t o = eth(f, zmac, 0x88cc); /* LLDP */
	memset(f + o, 0, 46);
	EXPECT(60, TC_ACT_SHOT);
}

static void test_antispoof_counts_drops(void)
{
	CHECK(spoof_fd >= 0);
	struct bpf_prog_info info;
	memset(&info, 0, sizeof(info));
	uint32_t len = sizeof(info);
	CHECK(bpf_obj_get_info_by_fd(spoof_fd, &info, &len) == 0);
	uint64_t drops = 0;
	struct zerr err = {0};
	CHECK_MSG(net_antispoof_drops(info.id, &drops, &err) == 0, "%s", err.msg);
	/* wrong MAC, wrong IPv4, 2 bad ARP, 2 bad IPv6, VLAN, LLDP */
	CHECK_MSG(drops == 8, "%llu drops counted", (unsigned long long)drops);
	CHECK(net_antispoof_drops(0xfffffff0u, &drops, &err) == -ENOENT);
}

int main(void)
{
	if (geteuid() != 0) {
		printf("skip test_antispoof: loading BPF programs needs root\n");
		return 0;
	}
	RUN(test_antispoof_load);
	RUN(test_antispoof_good_ipv4_passes);
	RUN(test_antispoof_wrong_mac_dropped);
	RUN(test_antispoof_wrong_ipv4_dropped);
	RUN(test_antispoof_arp);
	RUN(test_antispoof_ipv6);
	RUN(test_antispoof_vlan_dropped);
	RUN(test_antispoof_counts_drops);
	if (spoof_fd >= 0)
		close(spoof_fd);
	T_EXIT();
}
