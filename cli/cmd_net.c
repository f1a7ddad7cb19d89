/* cmd_net.c - zonectl net NAME: each NIC with its addresses (and where
 * they came from), MAC, links, NAT and published ports, and counters as
 * the host sees them (dladm show-vnic, zonestat's net); then the zone's
 * resolvers and anything on the host that would drop its traffic. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "json.h"

static void fmt_addrs(const struct zone_nic *nic, char *buf, size_t len)
{
	size_t off = 0;
	snprintf(buf, len, "-");
	for (size_t a = 0; nic->addrs && nic->addrs[a] && off < len; a++)
		off += (size_t)snprintf(buf + off, len - off, "%s%s", a ? "," : "", nic->addrs[a]);
}

static const char *or_dash(const char *s)
{
	return s && *s ? s : "-";
}

static void joined(char *const *v, char *buf, size_t len)
{
	size_t off = 0;
	snprintf(buf, len, "-");
	for (size_t i = 0; v && v[i] && off < len; i++)
		off += (size_t)snprintf(buf + off, len - off, "%s%s", i ? "," : "", v[i]);
}

static void print_table(const char *name, const struct zone_net *net)
{
	printf("%-12s %-5s %-8s %-7s %-14s %-17s %-22s %-6s %-3s %-14s %10s %10s %8s %8s %7s %7s "
	       "%7s\n",
	       "ZONE", "LINK", "TYPE", "OVER", "HOST-LINK", "MAC", "ADDRESS", "ORIGIN", "NAT",
	       "PUBLISH", "RBYTES", "OBYTES", "IPKTS", "OPKTS", "IDROPS", "ODROPS", "SPOOFED");
	for (size_t i = 0; i < net->n; i++) {
		const struct zone_nic *in = &net->nics[i];
		char addrs[256], pub[256];
		fmt_addrs(in, addrs, sizeof(addrs));
		joined(in->publish, pub, sizeof(pub));
		printf("%-12s %-5s %-8s %-7s %-14s %-17s %-22s %-6s %-3s %-14s", name,
		       or_dash(in->link), in->type, or_dash(in->over), or_dash(in->host_link),
		       or_dash(in->mac), addrs, in->origin, in->nat ? "yes" : "no", pub);
		if (in->has_counters)
			printf(" %10llu %10llu %8llu %8llu %7llu %7llu",
			       (unsigned long long)in->rx_bytes, (unsigned long long)in->tx_bytes,
			       (unsigned long long)in->rx_packets,
			       (unsigned long long)in->tx_packets,
			       (unsigned long long)in->rx_dropped,
			       (unsigned long long)in->tx_dropped);
		else
			printf(" %10s %10s %8s %8s %7s %7s", "-", "-", "-", "-", "-", "-");
		if (in->has_spoofed)
			printf(" %7llu\n", (unsigned long long)in->spoofed);
		else
			printf(" %7s\n", "-");
	}
	if (net->dns) {
		char dns[512], search[512];
		joined(net->dns, dns, sizeof(dns));
		joined(net->search, search, sizeof(search));
		printf("%-12s dns: %s  search: %s\n", name, dns, search);
	}
	if (net->warning)
		printf("%-12s warning: %s\n", name, net->warning);
}

static void json_counters(struct jw *w, const struct zone_nic *in)
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

static void json_nic(struct jw *w, const struct zone_nic *in)
{
	jw_obj_open(w);
	jw_kstr(w, "link", in->link[0] ? in->link : NULL);
	jw_kstr(w, "type", in->type);
	jw_kstr(w, "over", or_dash(in->over));
	jw_kstr(w, "host_link", in->host_link[0] ? in->host_link : NULL);
	jw_kstr(w, "mac", in->mac[0] ? in->mac : NULL);
	jw_key(w, "addresses");
	jw_strv(w, in->addrs);
	jw_kstr(w, "address_origin", in->origin);
	jw_kstr(w, "gateway", in->gateway[0] ? in->gateway : NULL);
	jw_kbool(w, "nat", in->nat);
	jw_key(w, "publish");
	jw_strv(w, in->publish);
	jw_kbool(w, "anti_spoofing", in->anti_spoofing);
	json_counters(w, in);
	cli_jw_count(w, "spoofed_dropped", in->has_spoofed, in->spoofed);
	jw_obj_close(w);
}

static void json_strv_or_null(struct jw *w, const char *key, char *const *v)
{
	jw_key(w, key);
	if (v)
		jw_strv(w, v);
	else
		jw_null(w);
}

static int print_json(const char *name, const struct zone_net *net)
{
	struct jw *w = jw_new(true);
	jw_obj_open(w);
	jw_kstr(w, "zone", name);
	jw_key(w, "nics");
	jw_arr_open(w);
	for (size_t i = 0; i < net->n; i++)
		json_nic(w, &net->nics[i]);
	jw_arr_close(w);
	json_strv_or_null(w, "dns", net->dns);
	json_strv_or_null(w, "search", net->search);
	jw_kstr(w, "warning", net->warning);
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
		struct zone_net net;
		if (zone_net_get(&c->ctx, argv[i], &net, &err) < 0) {
			rc = cli_fail(&err);
			continue;
		}
		if (json ? print_json(argv[i], &net) : (print_table(argv[i], &net), 0))
			rc = 1;
		zone_net_free(&net);
	}
	return rc;
}
