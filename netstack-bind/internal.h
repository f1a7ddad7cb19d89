/* internal.h - what the BPF parts of netstack-bind share: the embedded
 * objects (loaded by common/bpf_obj.c). */
#ifndef ZONECTL_NETSTACK_INTERNAL_H
#define ZONECTL_NETSTACK_INTERNAL_H

#include <stddef.h>

#include "bpf/netbpf.h"
#include "netbind.h"
#include "zbpf.h"
#include "zutil.h"

struct bpf_object;

/* The objects compiled from netstack-bind/bpf/ and linked in as blobs
 * (ld -r -b binary, see the Makefile). Weak: the objects are linked into the programs that load them
 * (zonectl, the netstack-bind tests), not into libzone.a, so what only
 * parses configs builds without clang. Absent, they are NULL. */
extern const unsigned char _binary_shared_ip_bpf_o_start[] __attribute__((weak));
extern const unsigned char _binary_shared_ip_bpf_o_end[] __attribute__((weak));
extern const unsigned char _binary_antispoof_bpf_o_start[] __attribute__((weak));
extern const unsigned char _binary_antispoof_bpf_o_end[] __attribute__((weak));

/* Sorts addrs by family, in order (the first of each is the primary). */
int netbpf_addrs(const char *what, const struct net_addr *addrs, size_t n, struct netbpf_addrs *out,
		 struct zerr *err);

#endif
