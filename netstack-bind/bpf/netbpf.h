/* netbpf.h - the configuration the loaders write into a BPF object's
 * .rodata before loading it: one struct per object, shared word for word
 * by the BPF side (netstack-bind/bpf/, one .bpf.c each) and the C side
 * (netstack-bind/shared_ip.c, antispoof.c). Addresses are in network byte
 * order; the first address of each family is the zone's primary. */
#ifndef ZONECTL_NETBPF_H
#define ZONECTL_NETBPF_H

#include <linux/types.h>

#define NETBPF_ADDRS_MAX 8 /* per family; NET_ADDRS_MAX in netbind.h */

struct netbpf_addrs {
	__u32 n4, n6;
	__u32 ip4[NETBPF_ADDRS_MAX];
	__u32 ip6[NETBPF_ADDRS_MAX][4];
};

struct netbpf_shared {
	struct netbpf_addrs a;
};

struct netbpf_antispoof {
	struct netbpf_addrs a;
	__u8 mac[6];
	__u8 pad[2];
};

#endif
