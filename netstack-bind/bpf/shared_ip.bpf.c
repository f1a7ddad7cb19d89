/* shared_ip.bpf.c - a shared-IP zone held to its addresses.
 *
 * A shared-IP zone stays in the host's network namespace, like an illumos
 * shared-IP zone or a FreeBSD jail with ip4.addr: its processes sit in one
 * cgroup2 directory and these programs, attached there, stand between
 * their sockets and the host's one TCP/IP stack. The first address of each
 * family in the configuration is the zone's primary.
 *
 *   sock_create   only TCP and UDP sockets of a family the zone has an
 *                 address in: raw sockets EPERM (a zone never has
 *                 CAP_NET_RAW in the host's namespace anyway), a family
 *                 without an address EAFNOSUPPORT (a jail without ip6.addr),
 *                 any other protocol (ICMP "ping" sockets, SCTP, MPTCP)
 *                 EPROTONOSUPPORT: their bind and send paths pass none of
 *                 the hooks below, so they could not be held.
 *   bind          a listed address is kept; the wildcard and the loopback
 *                 address (127.0.0.1, ::1) become the primary; anything
 *                 else fails with EADDRNOTAVAIL.
 *   post_bind     the address finally bound must be listed: a second look
 *                 at whatever reached the socket without the bind hook.
 *   connect       a connection to the loopback address goes to the primary;
 *                 an unbound socket is first bound to the primary (port 0),
 *                 so the connection leaves from the zone's address.
 *   sendmsg       unconnected UDP: loopback destination to the primary; no
 *                 source (or the loopback one) becomes the primary; a
 *                 foreign source (IP_PKTINFO) fails with EADDRNOTAVAIL.
 *   recvmsg, getpeername, getsockname
 *                 undo the loopback rewriting in what the program sees: a
 *                 socket that connected (or sent) to 127.0.0.1 sees its peer
 *                 as 127.0.0.1, one that bound to 127.0.0.1 (or that we
 *                 bound while connecting to 127.0.0.1) sees itself there.
 *                 A flag per socket (sk_storage) remembers the rewriting;
 *                 a socket accept() returns inherits its listener's.
 *
 * IPv6 sockets given an IPv4-mapped address (::ffff:a.b.c.d) are held to
 * the IPv4 rules, and answered in the mapped form.
 *
 * What this cannot hold: a socket the kernel binds by itself (listen() or
 * sendto() on an unbound socket picks a port on the wildcard address; no
 * hook runs) — connect() on such a socket is refused; the zone can read the
 * host's interfaces, routes and sockets (netlink, /proc/net); changing them
 * needs CAP_NET_ADMIN in the host's namespace, which a zone does not have;
 * nor has it CAP_NET_RAW for AF_PACKET, which these hooks do not see.
 */
#include <linux/bpf.h>
#include <linux/errno.h>
#include <linux/in.h>
#include <linux/in6.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "netbpf.h"

/* <sys/socket.h> cannot be included for the BPF target. */
#define AF_INET 2
#define AF_INET6 10
#define SOCK_STREAM 1
#define SOCK_DGRAM 2
#define SOCK_RAW 3

#define LO4 bpf_htonl(0x7f000001)

const volatile struct netbpf_shared cfg = {};

/* Per-socket flags: which side of the conversation was 127.0.0.1 / ::1. */
enum { LO_PEER = 1, LO_SELF = 2 };

struct {
	__uint(type, BPF_MAP_TYPE_SK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC | BPF_F_CLONE); /* accept() inherits */
	__type(key, int);
	__type(value, __u32);
} lo_flags SEC(".maps");

static __always_inline int refuse(int err)
{
	bpf_set_retval(-err);
	return 0;
}

static __always_inline int ip4_listed(__u32 ip)
{
	for (__u32 i = 0; i < NETBPF_ADDRS_MAX; i++)
		if (i < cfg.a.n4 && cfg.a.ip4[i] == ip)
			return 1;
	return 0;
}

static __always_inline int ip6_eq(const __u32 *a, const volatile __u32 *b)
{
	return a[0] == b[0] && a[1] == b[1] && a[2] == b[2] && a[3] == b[3];
}

static __always_inline int ip6_listed(const __u32 *a)
{
	for (__u32 i = 0; i < NETBPF_ADDRS_MAX; i++)
		if (i < cfg.a.n6 && ip6_eq(a, cfg.a.ip6[i]))
			return 1;
	return 0;
}

static __always_inline int ip6_any(const __u32 *a)
{
	return !(a[0] | a[1] | a[2] | a[3]);
}

static __always_inline int ip6_lo(const __u32 *a)
{
	return !(a[0] | a[1] | a[2]) && a[3] == bpf_htonl(1);
}

static __always_inline int ip6_mapped(const __u32 *a)
{
	return !(a[0] | a[1]) && a[2] == bpf_htonl(0xffff);
}

/* The local address a bind asks for, made the zone's: 0 when kept or
 * replaced by the primary, 1 when it was the loopback address, -1 when it
 * is not the zone's. */
static __always_inline int local4(__u32 *ip)
{
	if (cfg.a.n4 == 0)
		return -1;
	if (*ip == 0 || *ip == LO4) {
		int lo = *ip == LO4;
		*ip = cfg.a.ip4[0];
		return lo;
	}
	return ip4_listed(*ip) ? 0 : -1;
}

static __always_inline int local6(__u32 *a)
{
	if (ip6_mapped(a))
		return local4(&a[3]);
	if (cfg.a.n6 == 0)
		return -1;
	if (ip6_any(a) || ip6_lo(a)) {
		int lo = ip6_lo(a);
		for (int i = 0; i < 4; i++)
			a[i] = cfg.a.ip6[0][i];
		return lo;
	}
	return ip6_listed(a) ? 0 : -1;
}

/* A destination: the loopback address becomes the primary (1), others are
 * left alone (0). */
static __always_inline int remote4(__u32 *ip)
{
	if (*ip != LO4 || cfg.a.n4 == 0)
		return 0;
	*ip = cfg.a.ip4[0];
	return 1;
}

static __always_inline int remote6(__u32 *a)
{
	if (ip6_mapped(a))
		return remote4(&a[3]);
	if (!ip6_lo(a) || cfg.a.n6 == 0)
		return 0;
	for (int i = 0; i < 4; i++)
		a[i] = cfg.a.ip6[0][i];
	return 1;
}

static __always_inline void load6(__u32 *a, struct bpf_sock_addr *ctx)
{
	a[0] = ctx->user_ip6[0];
	a[1] = ctx->user_ip6[1];
	a[2] = ctx->user_ip6[2];
	a[3] = ctx->user_ip6[3];
}

static __always_inline void store6(struct bpf_sock_addr *ctx, const __u32 *a)
{
	ctx->user_ip6[0] = a[0];
	ctx->user_ip6[1] = a[1];
	ctx->user_ip6[2] = a[2];
	ctx->user_ip6[3] = a[3];
}

static __always_inline void set_flag(struct bpf_sock_addr *ctx, __u32 flag, int on)
{
	__u32 *f = bpf_sk_storage_get(&lo_flags, ctx->sk, 0, on ? BPF_SK_STORAGE_GET_F_CREATE : 0);
	if (f)
		*f = on ? *f | flag : *f & ~flag;
}

static __always_inline int has_flag(struct bpf_sock_addr *ctx, __u32 flag)
{
	__u32 *f = bpf_sk_storage_get(&lo_flags, ctx->sk, 0, 0);
	return f && (*f & flag);
}

/* ---- socket creation -------------------------------------------------- */

SEC("cgroup/sock_create")
int zs_sock_create(struct bpf_sock *sk)
{
	if ((sk->family == AF_INET && cfg.a.n4 == 0) || (sk->family == AF_INET6 && cfg.a.n6 == 0))
		return refuse(EAFNOSUPPORT);
	if (sk->type == SOCK_RAW)
		return refuse(EPERM);
	if (sk->type == SOCK_STREAM && (sk->protocol == 0 || sk->protocol == IPPROTO_TCP))
		return 1;
	if (sk->type == SOCK_DGRAM &&
	    (sk->protocol == 0 || sk->protocol == IPPROTO_UDP || sk->protocol == IPPROTO_UDPLITE))
		return 1;
	return refuse(EPROTONOSUPPORT);
}

/* ---- bind ------------------------------------------------------------- */

SEC("cgroup/bind4")
int zs_bind4(struct bpf_sock_addr *ctx)
{
	__u32 ip = ctx->user_ip4;
	int lo = local4(&ip);
	if (lo < 0)
		return refuse(EADDRNOTAVAIL);
	ctx->user_ip4 = ip;
	set_flag(ctx, LO_SELF, lo);
	return 1;
}

SEC("cgroup/bind6")
int zs_bind6(struct bpf_sock_addr *ctx)
{
	__u32 a[4];
	load6(a, ctx);
	int lo = local6(a);
	if (lo < 0)
		return refuse(EADDRNOTAVAIL);
	store6(ctx, a);
	set_flag(ctx, LO_SELF, lo);
	return 1;
}

SEC("cgroup/post_bind4")
int zs_post_bind4(struct bpf_sock *sk)
{
	return ip4_listed(sk->src_ip4) ? 1 : refuse(EADDRNOTAVAIL);
}

SEC("cgroup/post_bind6")
int zs_post_bind6(struct bpf_sock *sk)
{
	__u32 a[4] = {sk->src_ip6[0], sk->src_ip6[1], sk->src_ip6[2], sk->src_ip6[3]};
	int ok = ip6_mapped(a) ? ip4_listed(a[3]) : ip6_listed(a);
	return ok ? 1 : refuse(EADDRNOTAVAIL);
}

/* ---- connect ---------------------------------------------------------- */

/* bpf_bind fails (EINVAL) on a socket that already has a port: bound by
 * the program (through our bind hook, so to a listed address) or by the
 * kernel on the wildcard address, which we refuse. */
SEC("cgroup/connect4")
int zs_connect4(struct bpf_sock_addr *ctx)
{
	if (cfg.a.n4 == 0)
		return refuse(EADDRNOTAVAIL);
	__u32 ip = ctx->user_ip4;
	int lo = remote4(&ip);
	ctx->user_ip4 = ip;
	struct sockaddr_in sa = {.sin_family = AF_INET};
	sa.sin_addr.s_addr = cfg.a.ip4[0];
	int bound = bpf_bind(ctx, (struct sockaddr *)&sa, sizeof(sa)) == 0;
	if (!bound && ctx->sk->src_ip4 == 0)
		return refuse(EADDRNOTAVAIL);
	set_flag(ctx, LO_PEER, lo);
	if (bound)
		set_flag(ctx, LO_SELF, lo);
	return 1;
}

SEC("cgroup/connect6")
int zs_connect6(struct bpf_sock_addr *ctx)
{
	__u32 a[4];
	load6(a, ctx);
	int mapped = ip6_mapped(a);
	if (mapped ? cfg.a.n4 == 0 : cfg.a.n6 == 0)
		return refuse(EADDRNOTAVAIL);
	int lo = remote6(a);
	store6(ctx, a);

	struct sockaddr_in6 sa = {.sin6_family = AF_INET6};
	if (mapped) {
		sa.sin6_addr.in6_u.u6_addr32[2] = bpf_htonl(0xffff);
		sa.sin6_addr.in6_u.u6_addr32[3] = cfg.a.ip4[0];
	} else {
		for (int i = 0; i < 4; i++)
			sa.sin6_addr.in6_u.u6_addr32[i] = cfg.a.ip6[0][i];
	}
	int bound = bpf_bind(ctx, (struct sockaddr *)&sa, sizeof(sa)) == 0;
	if (!bound) {
		struct bpf_sock *sk = ctx->sk;
		__u32 s[4] = {sk->src_ip6[0], sk->src_ip6[1], sk->src_ip6[2], sk->src_ip6[3]};
		if (ip6_any(s) || (ip6_mapped(s) && s[3] == 0))
			return refuse(EADDRNOTAVAIL);
	}
	set_flag(ctx, LO_PEER, lo);
	if (bound)
		set_flag(ctx, LO_SELF, lo);
	return 1;
}

/* ---- unconnected UDP -------------------------------------------------- */

/* A v6 socket sending to an IPv4-mapped address goes through sendmsg4. */
SEC("cgroup/sendmsg4")
int zs_sendmsg4(struct bpf_sock_addr *ctx)
{
	__u32 ip = ctx->user_ip4;
	if (remote4(&ip)) {
		ctx->user_ip4 = ip;
		set_flag(ctx, LO_PEER, 1);
	}
	__u32 src = ctx->msg_src_ip4;
	if (local4(&src) < 0)
		return refuse(EADDRNOTAVAIL);
	ctx->msg_src_ip4 = src;
	return 1;
}

SEC("cgroup/sendmsg6")
int zs_sendmsg6(struct bpf_sock_addr *ctx)
{
	__u32 a[4];
	load6(a, ctx);
	if (remote6(a)) {
		store6(ctx, a);
		set_flag(ctx, LO_PEER, 1);
	}
	__u32 s[4] = {ctx->msg_src_ip6[0], ctx->msg_src_ip6[1], ctx->msg_src_ip6[2],
		      ctx->msg_src_ip6[3]};
	if (local6(s) < 0)
		return refuse(EADDRNOTAVAIL);
	ctx->msg_src_ip6[0] = s[0];
	ctx->msg_src_ip6[1] = s[1];
	ctx->msg_src_ip6[2] = s[2];
	ctx->msg_src_ip6[3] = s[3];
	return 1;
}

/* ---- what the program sees -------------------------------------------- */

/* These hooks cannot refuse: they must return 1. */
static __always_inline void show4(struct bpf_sock_addr *ctx, __u32 flag)
{
	if (cfg.a.n4 && ctx->user_ip4 == cfg.a.ip4[0] && has_flag(ctx, flag))
		ctx->user_ip4 = LO4;
}

static __always_inline void show6(struct bpf_sock_addr *ctx, __u32 flag)
{
	__u32 a[4];
	load6(a, ctx);
	if (ip6_mapped(a)) {
		if (cfg.a.n4 && a[3] == cfg.a.ip4[0] && has_flag(ctx, flag))
			ctx->user_ip6[3] = LO4;
	} else if (cfg.a.n6 && ip6_eq(a, cfg.a.ip6[0]) && has_flag(ctx, flag)) {
		ctx->user_ip6[0] = 0;
		ctx->user_ip6[1] = 0;
		ctx->user_ip6[2] = 0;
		ctx->user_ip6[3] = bpf_htonl(1);
	}
}

SEC("cgroup/recvmsg4")
int zs_recvmsg4(struct bpf_sock_addr *ctx)
{
	show4(ctx, LO_PEER);
	return 1;
}

SEC("cgroup/recvmsg6")
int zs_recvmsg6(struct bpf_sock_addr *ctx)
{
	show6(ctx, LO_PEER);
	return 1;
}

SEC("cgroup/getpeername4")
int zs_getpeername4(struct bpf_sock_addr *ctx)
{
	show4(ctx, LO_PEER);
	return 1;
}

SEC("cgroup/getpeername6")
int zs_getpeername6(struct bpf_sock_addr *ctx)
{
	show6(ctx, LO_PEER);
	return 1;
}

SEC("cgroup/getsockname4")
int zs_getsockname4(struct bpf_sock_addr *ctx)
{
	show4(ctx, LO_SELF);
	return 1;
}

SEC("cgroup/getsockname6")
int zs_getsockname6(struct bpf_sock_addr *ctx)
{
	show6(ctx, LO_SELF);
	return 1;
}

char LICENSE[] SEC("license") = "GPL";
