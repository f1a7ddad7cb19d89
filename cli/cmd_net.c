/* cmd_net.c - zonectl net NAME: each NIC with its addresses, MAC, links
 * and counters as the host sees them (dladm show-vnic, zonestat's net). */
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

static void print_table(const char *name, const struct zone_nic *z, size_t n)
{
	printf("%-12s %-5s %-8s %-7s %-14s %-17s %-22s %10s %10s %8s %8s %7s %7s %7s\n", "ZONE",
	       "LINK", "TYPE", "OVER", "HOST-LINK", "MAC", "ADDRESS", "RBYTES", "OBYTES", "IPKTS",
	       "OPKTS", "IDROPS", "ODROPS", "SPOOFED");
	for (size_t i = 0; i < n; i++) {
		const struct zone_nic *in = &z[i];
		char addrs[256];
		fmt_addrs(in, addrs, sizeof(addrs));
		printf("%-12s %-5s %-8s %-7s %-14s %-17s %-22s", name, or_dash(in->link), in->type,
		       or_dash(in->over), or_dash(in->host_link), or_dash(in->mac), addrs);
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
	jw_kstr(w, "gateway", in->gateway[0] ? in->gateway : NULL);
	jw_kbool(w, "anti_spoofing", in->anti_spoofing);
	json_counters(w, in);
	cli_jw_count(w, "spoofed_dropped", in->has_spoofed, in->spoofed);
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
		zone_nics_free(z, n);
	}
	return rc;
}
