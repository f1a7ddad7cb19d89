/* nic.c - a NIC's configuration: `--net type=bridge,bridge=zbr0,...` and
 * the same keys in config.json's "zone": {"net": [...]}; addresses. */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netinet/in.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "netbind.h"

static const char *const type_names[] = {
	[NET_NONE] = "none",
	[NET_BRIDGE] = "bridge",
	[NET_MACVLAN] = "macvlan",
	[NET_SHARED] = "shared",
};

const char *net_type_name(enum net_type t)
{
	return type_names[t];
}

int net_addr_parse(const char *s, struct net_addr *a, struct zerr *err)
{
	char buf[INET6_ADDRSTRLEN + 8];
	if (strlen(s) >= sizeof(buf))
		return zerr_setx(err, EINVAL, "address `%s`: too long", s);
	strcpy(buf, s);
	char *slash = strchr(buf, '/');
	if (slash)
		*slash++ = '\0';
	memset(a, 0, sizeof(*a));
	a->family = strchr(buf, ':') ? AF_INET6 : AF_INET;
	if (inet_pton(a->family, buf, a->a) != 1)
		return zerr_setx(err, EINVAL, "address `%s`: not an IPv4 or IPv6 address", s);
	unsigned max = a->family == AF_INET ? 32 : 128;
	a->prefix = max;
	if (slash) {
		char *end;
		errno = 0;
		unsigned long p = strtoul(slash, &end, 10);
		if (!*slash || *end || errno || p > max)
			return zerr_setx(err, EINVAL, "address `%s`: prefix must be 0..%u", s, max);
		a->prefix = (unsigned)p;
	}
	return 0;
}

void net_addr_format(const struct net_addr *a, bool with_prefix, char *buf, size_t len)
{
	char ip[INET6_ADDRSTRLEN];
	inet_ntop(a->family, a->a, ip, sizeof(ip));
	if (with_prefix)
		snprintf(buf, len, "%s/%u", ip, a->prefix);
	else
		snprintf(buf, len, "%s", ip);
}

static bool same_prefix(const unsigned char *x, const unsigned char *y, unsigned bits)
{
	unsigned bytes = bits / 8, rest = bits % 8;
	if (memcmp(x, y, bytes))
		return false;
	if (!rest)
		return true;
	unsigned char mask = (unsigned char)(0xff << (8 - rest));
	return (x[bytes] & mask) == (y[bytes] & mask);
}

bool net_addr_overlap(const struct net_addr *x, const struct net_addr *y)
{
	if (x->family != y->family)
		return false;
	return same_prefix(x->a, y->a, x->prefix < y->prefix ? x->prefix : y->prefix);
}

bool net_addr_equal(const struct net_addr *x, const struct net_addr *y)
{
	return x->family == y->family && !memcmp(x->a, y->a, x->family == AF_INET ? 4 : 16);
}

static int parse_mac(const char *v, unsigned char mac[6])
{
	unsigned m[6];
	char end;
	if (sscanf(v, "%2x:%2x:%2x:%2x:%2x:%2x%c", &m[0], &m[1], &m[2], &m[3], &m[4], &m[5],
		   &end) != 6)
		return -1;
	for (int i = 0; i < 6; i++)
		mac[i] = (unsigned char)m[i];
	/* a NIC's own address: unicast, not all zeroes */
	if ((mac[0] & 1) || !(m[0] | m[1] | m[2] | m[3] | m[4] | m[5]))
		return -1;
	return 0;
}

static int set_ifname(char dst[NET_IFNAME_MAX + 1], const char *key, const char *v,
		      struct zerr *err)
{
	if (!*v || strlen(v) > NET_IFNAME_MAX || strpbrk(v, "/: \t") || !strcmp(v, ".") ||
	    !strcmp(v, ".."))
		return zerr_setx(err, EINVAL,
				 "%s=%s: a link name is 1..%d bytes without '/', ':' or spaces",
				 key, v, NET_IFNAME_MAX);
	strcpy(dst, v);
	return 0;
}

static int set_bool(bool *dst, const char *key, const char *v, struct zerr *err)
{
	if (!strcmp(v, "true") || !strcmp(v, "yes") || !strcmp(v, "on"))
		*dst = true;
	else if (!strcmp(v, "false") || !strcmp(v, "no") || !strcmp(v, "off"))
		*dst = false;
	else
		return zerr_setx(err, EINVAL, "%s=%s: expected true or false", key, v);
	return 0;
}

static int set_type(struct net_nic *nic, const char *v, struct zerr *err)
{
	for (size_t t = 0; t < sizeof(type_names) / sizeof(*type_names); t++)
		if (!strcmp(v, type_names[t])) {
			nic->type = (enum net_type)t;
			return 0;
		}
	return zerr_setx(err, EINVAL, "type=%s: unknown NIC type (bridge, macvlan, shared or none)",
			 v);
}

static int set_address(struct net_nic *nic, const char *v, struct zerr *err)
{
	if (nic->n_addrs == NET_ADDRS_MAX)
		return zerr_setx(err, EINVAL, "address=%s: at most %d addresses per NIC", v,
				 NET_ADDRS_MAX);
	return net_addr_parse(v, &nic->addrs[nic->n_addrs++], err);
}

static int port_number(const char *s, const char *end, uint16_t *out)
{
	unsigned long n = 0;
	if (s == end || end - s > 5)
		return -1;
	for (const char *c = s; c < end; c++) {
		if (!isdigit((unsigned char)*c))
			return -1;
		n = n * 10 + (unsigned long)(*c - '0');
	}
	if (n < 1 || n > 65535)
		return -1;
	*out = (uint16_t)n;
	return 0;
}

/* HOST:ZONE[/tcp|/udp] */
static int set_publish(struct net_nic *nic, const char *v, struct zerr *err)
{
	if (nic->n_ports == NET_PORTS_MAX)
		return zerr_setx(err, EINVAL, "publish=%s: at most %d per NIC", v, NET_PORTS_MAX);
	struct net_port p = {.proto = IPPROTO_TCP};
	const char *colon = strchr(v, ':'), *slash = strchr(v, '/');
	const char *end = slash ? slash : v + strlen(v);
	if (slash && !strcmp(slash, "/udp"))
		p.proto = IPPROTO_UDP;
	else if (slash && strcmp(slash, "/tcp"))
		return zerr_setx(err, EINVAL, "publish=%s: the protocol is tcp or udp", v);
	if (!colon || colon > end || port_number(v, colon, &p.host) < 0 ||
	    port_number(colon + 1, end, &p.zone) < 0)
		return zerr_setx(
			err, EINVAL,
			"publish=%s: expected HOSTPORT:ZONEPORT[/tcp|/udp], ports 1..65535", v);
	for (size_t i = 0; i < nic->n_ports; i++)
		if (nic->ports[i].host == p.host && nic->ports[i].proto == p.proto)
			return zerr_setx(err, EINVAL, "publish=%s: host port %u given twice", v,
					 p.host);
	nic->ports[nic->n_ports++] = p;
	return 0;
}

void net_port_format(const struct net_port *p, char *buf, size_t len)
{
	snprintf(buf, len, "%u:%u/%s", p->host, p->zone, p->proto == IPPROTO_UDP ? "udp" : "tcp");
}

static int set_dns(struct net_nic *nic, const char *v, struct zerr *err)
{
	if (nic->n_dns == NET_DNS_MAX)
		return zerr_setx(err, EINVAL, "dns=%s: at most %d resolvers", v, NET_DNS_MAX);
	struct net_addr *a = &nic->dns[nic->n_dns];
	int r = net_addr_parse(v, a, err);
	if (r < 0)
		return r;
	if (a->prefix != (a->family == AF_INET ? 32u : 128u))
		return zerr_setx(err, EINVAL, "dns=%s: a resolver's address has no prefix", v);
	nic->n_dns++;
	return 0;
}

static int set_search(struct net_nic *nic, const char *v, struct zerr *err)
{
	if (nic->n_search == NET_SEARCH_MAX)
		return zerr_setx(err, EINVAL, "search=%s: at most %d domains", v, NET_SEARCH_MAX);
	size_t n = strlen(v);
	if (!n || n > NET_DOMAIN_MAX ||
	    strspn(v, "abcdefghijklmnopqrstuvwxyz"
		      "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_") != n)
		return zerr_setx(err, EINVAL, "search=%s: not a domain name", v);
	strcpy(nic->search[nic->n_search++], v);
	return 0;
}

static int set_mtu(struct net_nic *nic, const char *v, struct zerr *err)
{
	char *end;
	errno = 0;
	unsigned long m = strtoul(v, &end, 10);
	if (!*v || *end || errno || m < 68 || m > 65535)
		return zerr_setx(err, EINVAL, "mtu=%s: expected 68..65535", v);
	nic->mtu = (unsigned)m;
	return 0;
}

int net_nic_set(struct net_nic *nic, const char *key, const char *v, struct zerr *err)
{
	if (!strcmp(key, "type"))
		return set_type(nic, v, err);
	if (!strcmp(key, "bridge"))
		return set_ifname(nic->bridge, key, v, err);
	if (!strcmp(key, "parent"))
		return set_ifname(nic->parent, key, v, err);
	if (!strcmp(key, "address"))
		return set_address(nic, v, err);
	if (!strcmp(key, "gateway")) {
		nic->has_gateway = true;
		return net_addr_parse(v, &nic->gateway, err);
	}
	if (!strcmp(key, "mtu"))
		return set_mtu(nic, v, err);
	if (!strcmp(key, "mac")) {
		nic->has_mac = true;
		if (parse_mac(v, nic->mac) < 0)
			return zerr_setx(
				err, EINVAL,
				"mac=%s: expected a unicast address like 02:00:c6:12:07:02", v);
		return 0;
	}
	if (!strcmp(key, "allow-spoofing"))
		return set_bool(&nic->allow_spoofing, key, v, err);
	if (!strcmp(key, "nat")) {
		nic->has_nat = true;
		return set_bool(&nic->nat, key, v, err);
	}
	if (!strcmp(key, "publish"))
		return set_publish(nic, v, err);
	if (!strcmp(key, "dns"))
		return set_dns(nic, v, err);
	if (!strcmp(key, "search"))
		return set_search(nic, v, err);
	return zerr_setx(err, EINVAL,
			 "unknown key `%s` (type, bridge, parent, address, gateway, "
			 "mtu, mac, allow-spoofing, nat, publish, dns, search)",
			 key);
}

static int check_gateway(const struct net_nic *nic, struct zerr *err)
{
	const struct net_addr *g = &nic->gateway;
	char gs[64];
	net_addr_format(g, false, gs, sizeof(gs));
	if (g->prefix != (g->family == AF_INET ? 32u : 128u))
		return zerr_setx(err, EINVAL, "gateway=%s: a gateway has no prefix", gs);
	for (size_t i = 0; i < nic->n_addrs; i++) {
		struct net_addr net = nic->addrs[i];
		if (net_addr_overlap(&net, g) && !net_addr_equal(&net, g))
			return 0;
	}
	return zerr_setx(err, EINVAL,
			 "gateway=%s: not on the network of any of the NIC's addresses", gs);
}

static int check_addrs(const struct net_nic *nic, struct zerr *err)
{
	for (size_t i = 0; i < nic->n_addrs; i++)
		for (size_t j = 0; j < i; j++)
			if (net_addr_equal(&nic->addrs[i], &nic->addrs[j])) {
				char s[64];
				net_addr_format(&nic->addrs[i], false, s, sizeof(s));
				return zerr_setx(err, EINVAL, "address %s: given twice", s);
			}
	return 0;
}

/* What each type needs and refuses. */
int net_nic_check(const struct net_nic *nic, struct zerr *err)
{
	const char *t = type_names[nic->type];
	if (nic->type == NET_NONE)
		return nic->n_addrs || nic->bridge[0] || nic->parent[0] || nic->n_ports ||
				       nic->has_nat || nic->n_dns || nic->n_search
			       ? zerr_setx(err, EINVAL, "type=none takes no other keys")
			       : 0;
	if (nic->type != NET_BRIDGE && (nic->has_nat || nic->n_ports))
		return zerr_setx(err, EINVAL,
				 "nat= and publish= are for type=bridge (a macvlan or shared-IP "
				 "zone is on the host's network already)");
	if (nic->type == NET_SHARED && (nic->n_dns || nic->n_search))
		return zerr_setx(err, EINVAL,
				 "type=shared: a shared-IP zone uses the host's resolvers "
				 "(dns= and search= are for bridge and macvlan NICs)");
	if (nic->type != NET_BRIDGE && nic->bridge[0])
		return zerr_setx(err, EINVAL, "bridge=%s: only for type=bridge", nic->bridge);
	if (nic->type == NET_MACVLAN && !nic->parent[0])
		return zerr_setx(err, EINVAL,
				 "type=macvlan needs parent=LINK (a link of the host)");
	if (nic->type == NET_BRIDGE && nic->parent[0])
		return zerr_setx(err, EINVAL, "parent=%s: not for type=bridge", nic->parent);
	/* a bridged NIC without an address gets one from zonectl (a lease
	 * from the bridge's subnet) */
	if (!nic->n_addrs && nic->type != NET_BRIDGE &&
	    (nic->type == NET_SHARED || !nic->allow_spoofing))
		return zerr_setx(err, EINVAL, "type=%s needs address=ADDR%s", t,
				 nic->type == NET_SHARED ? "" : " (or allow-spoofing=true)");
	if (nic->type == NET_BRIDGE && !nic->n_addrs && nic->has_gateway)
		return zerr_setx(err, EINVAL,
				 "gateway= without address=: an address zonectl gives comes with "
				 "its gateway");
	if (nic->type == NET_SHARED &&
	    (nic->has_gateway || nic->mtu || nic->has_mac || nic->allow_spoofing))
		return zerr_setx(err, EINVAL,
				 "type=shared: gateway, mtu, mac and allow-spoofing belong to "
				 "the host's links, not to a shared-IP zone");
	if (nic->has_gateway) {
		int r = check_gateway(nic, err);
		if (r < 0)
			return r;
	}
	return check_addrs(nic, err);
}

int net_nic_parse(const char *spec, struct net_nic *nic, struct zerr *err)
{
	memset(nic, 0, sizeof(*nic));
	/* a type alone: `--net none`, `--net bridge` (the default bridge) */
	if (!strchr(spec, '=') && !strchr(spec, ',')) {
		int r = set_type(nic, spec, err);
		return r < 0 ? r : net_nic_check(nic, err);
	}
	cleanup_free char *copy = xstrdup(spec);
	bool typed = false;
	char *save = NULL;
	for (char *item = strtok_r(copy, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(item, '=');
		/* the type may come first alone: `bridge,publish=8080:80` */
		if (!eq && item == copy) {
			int r = set_type(nic, item, err);
			if (r < 0)
				return r;
			typed = true;
			continue;
		}
		if (!eq)
			return zerr_setx(err, EINVAL, "`%s`: expected key=value", item);
		*eq = '\0';
		int r = net_nic_set(nic, item, eq + 1, err);
		if (r < 0)
			return r;
		typed |= !strcmp(item, "type");
	}
	if (!typed)
		return zerr_setx(err, EINVAL,
				 "`%s`: type= is required (bridge, macvlan, shared or none)", spec);
	return net_nic_check(nic, err);
}
