/* cmd_net.c - zonectl net NAME: each NIC with its addresses, MAC, links
 * and counters as the host sees them (dladm show-vnic, zonestat's net). */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "json.h"

static void fmt_mac(const unsigned char *m, char *buf, size_t len)
{
	snprintf(buf, len, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
}

static void fmt_addrs(const struct net_nic *nic, char *buf, size_t len)
{
	size_t off = 0;
	buf[0] = '\0';
	for (size_t a = 0; a < nic->n_addrs && off < len; a++) {
		char s[64];
		net_addr_format(&nic->addrs[a], true, s, sizeof(s));
		off += (size_t)snprintf(buf + off, len - off, "%s%s", a ? "," : "", s);
	}
	if (!nic->n_addrs)
		snprintf(buf, len, "-");
}

static const char *host_side(const struct zone_nic *z)
{
	if (z->nic.type == NET_BRIDGE)
		return z->nic.bridge;
	if (z->nic.type == NET_MACVLAN)
		return z->nic.parent;
	if (z->nic.type == NET_SHARED)
		return z->nic.parent[0] ? z->nic.parent : "lo";
	return "-";
}

static void print_table(const char *name, const struct zone_nic *z, size_t n)
{
	printf("%-12s %-5s %-8s %-7s %-14s %-17s %-22s %10s %10s %8s %8s %7s %7s %7s\n", "ZONE", "LINK",
	       "TYPE", "OVER", "HOST-LINK", "MAC", "ADDRESS", "RBYTES", "OBYTES", "IPKTS", "OPKTS",
	       "IDROPS", "ODROPS", "SPOOFED");
	for (size_t i = 0; i < n; i++) {
		const struct net_nic_info *in = &z[i].info;
		char mac[24] = "-", addrs[256];
		if (z[i].nic.type == NET_BRIDGE || z[i].nic.type == NET_MACVLAN)
			fmt_mac(in->mac, mac, sizeof(mac));
		fmt_addrs(&z[i].nic, addrs, sizeof(addrs));
		printf("%-12s %-5s %-8s %-7s %-14s %-17s %-22s", name, in->zone_link[0] ? in->zone_link : "-",
		       net_type_name(z[i].nic.type), host_side(&z[i]), in->host_link[0] ? in->host_link : "-",
		       mac, addrs);
		if (in->has_counters)
			printf(" %10llu %10llu %8llu %8llu %7llu %7llu", (unsigned long long)in->rx_bytes,
			       (unsigned long long)in->tx_bytes, (unsigned long long)in->rx_packets,
			       (unsigned long long)in->tx_packets, (unsigned long long)in->rx_dropped,
			       (unsigned long long)in->tx_dropped);
		else
			printf(" %10s %10s %8s %8s %7s %7s", "-", "-", "-", "-", "-", "-");
		if (in->antispoof)
			printf(" %7llu\n", (unsigned long long)in->spoof_drops);
		else
			printf(" %7s\n", "-");
	}
}

static void json_counters(struct jw *w, const struct net_nic_info *in)
{
	jw_key(w, "counters");
	if (!in->has_counters) {
		jw_null(w);
		return;
	}
	jw_obj_open(w);
	jw_kuint(w, "rx_bytes", in->rx_bytes);
	jw_kuint(w, "tx_bytes", in->tx_bytes);
	jw_kuint(w, "rx_packets", in->rx_packets);
	jw_kuint(w, "tx_packets", in->tx_packets);
	jw_kuint(w, "rx_dropped", in->rx_dropped);
	jw_kuint(w, "tx_dropped", in->tx_dropped);
	jw_obj_close(w);
}

static void json_nic(struct jw *w, const struct zone_nic *z)
{
	const struct net_nic_info *in = &z->info;
	char buf[64];
	jw_obj_open(w);
	jw_kstr(w, "link", in->zone_link[0] ? in->zone_link : NULL);
	jw_kstr(w, "type", net_type_name(z->nic.type));
	jw_kstr(w, "over", host_side(z));
	jw_kstr(w, "host_link", in->host_link[0] ? in->host_link : NULL);
	fmt_mac(in->mac, buf, sizeof(buf));
	jw_kstr(w, "mac", z->nic.type == NET_BRIDGE || z->nic.type == NET_MACVLAN ? buf : NULL);
	jw_key(w, "addresses");
	jw_arr_open(w);
	for (size_t a = 0; a < z->nic.n_addrs; a++) {
		net_addr_format(&z->nic.addrs[a], true, buf, sizeof(buf));
		jw_str(w, buf);
	}
	jw_arr_close(w);
	if (z->nic.has_gateway)
		net_addr_format(&z->nic.gateway, false, buf, sizeof(buf));
	jw_kstr(w, "gateway", z->nic.has_gateway ? buf : NULL);
	jw_kbool(w, "anti_spoofing", z->nic.type != NET_SHARED && !z->nic.allow_spoofing);
	json_counters(w, in);
	cli_jw_count(w, "spoofed_dropped", in->antispoof, in->spoof_drops);
	jw_obj_close(w);
}

static int print_json(const char *name, const struct zone_nic *z, size_t n)
{
	struct jw *w = jw_new(true);
	jw_obj_open(w);
	jw_kstr(w, "zone", name);
	jw_key(w, "nics");
	jw_arr_open(w);
	for (size_t i = 0; i < n; i++)
		json_nic(w, &z[i]);
	jw_arr_close(w);
	jw_obj_close(w);
	return cli_jw_print(w, false);
}

int cmd_net(struct cli *c, int argc, char **argv)
{
	bool json;
	int rc = cli_listing_opts(argc, argv, "net", &json);
	if (rc >= 0)
		return rc;
	if (optind >= argc)
		return cli_usage_error(argv[0], "a zone name is required");
	rc = 0;
	for (int i = optind; i < argc; i++) {
		struct zerr err = {0};
		struct zone_nic *z = NULL;
		size_t n = 0;
		if (zone_net_get(&c->ctx, argv[i], &z, &n, &err) < 0) {
			rc = cli_fail(&err);
			continue;
		}
		if (json ? print_json(argv[i], z, n) : (print_table(argv[i], z, n), 0))
			rc = 1;
		free(z);
	}
	return rc;
}
