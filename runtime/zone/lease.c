/* lease.c - what a bridged NIC left to zonectl becomes at boot: the
 * default bridge when it names none, NAT on the default bridge unless
 * nat= says otherwise, and an address of the bridge's subnet when it
 * gives none.
 *
 * Leases. An address zonectl gives is held by a file LIB/net/leases/
 * BRIDGE/ADDR made with O_EXCL, whose content is the zone's name: two
 * zones, booting at once, can never take the same one. The zone keeps it
 * (LIB/zones/NAME/leases: "NIC ADDR/PREFIX" lines) until it is deleted;
 * a lease whose zone is gone (a create or delete killed half-way) is
 * swept by `zonectl list`. The gateway is the subnet's first address, the
 * one the bridge gets when zonectl makes it.
 *
 * The default bridge's subnet is defaults.json's, else the first
 * 10.91.N.0/24 that no route or address of the host covers, chosen once
 * and kept in LIB/net/BRIDGE.subnet. Another bridge without addresses in
 * the config lends from its own IPv4 address's subnet. */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "runtime.h"

#define AUTO_FIRST "10.91.0.0/24"

static char *leases_dir(const struct zone_ctx *ctx, const char *bridge)
{
	return xasprintf("%s/net/leases/%s", ctx->lib_dir, bridge);
}

static uint32_t v4(const struct net_addr *a)
{
	uint32_t x;
	memcpy(&x, a->a, 4);
	return ntohl(x);
}

static struct net_addr from_v4(uint32_t x, unsigned prefix)
{
	struct net_addr a = {.family = AF_INET, .prefix = prefix};
	x = htonl(x);
	memcpy(a.a, &x, 4);
	return a;
}

static uint32_t mask(unsigned prefix)
{
	return prefix ? ~0u << (32 - prefix) : 0;
}

/* The first free 10.91.N.0/24, recorded for the next boots. */
static int choose_subnet(const struct zone_ctx *ctx, const char *bridge, struct net_addr *out,
			 struct zerr *err)
{
	cleanup_free char *path = xasprintf("%s/net/%s.subnet", ctx->lib_dir, bridge);
	cleanup_free char *text = NULL;
	if (read_file(path, &text, NULL, NULL) == 0) {
		text[strcspn(text, "\n")] = '\0';
		return net_addr_parse(text, out, err);
	}
	struct net_addr first;
	net_addr_parse(AUTO_FIRST, &first, NULL);
	for (uint32_t n = 0; n < 256; n++) {
		struct net_addr cand = from_v4(v4(&first) + (n << 8), 24);
		int used = net_subnet_used(&cand, err);
		if (used < 0)
			return used;
		if (used)
			continue;
		char s[64];
		net_addr_format(&cand, true, s, sizeof(s));
		cleanup_free char *dir = xasprintf("%s/net", ctx->lib_dir);
		cleanup_free char *line = xasprintf("%s\n", s);
		int r = mkdir_p(dir, 0700, err);
		if (r == 0)
			r = write_file_atomic(path, line, strlen(line), 0644, err);
		*out = cand;
		return r;
	}
	return zerr_setx(err, EADDRNOTAVAIL,
			 "bridge %s: every 10.91.N.0/24 is routed on this host: set "
			 "net.subnet in defaults.json",
			 bridge);
}

/* The subnet a bridge lends addresses from, and its gateway. */
static int bridge_subnet(const struct zone_ctx *ctx, const struct zone_defaults *d,
			 const char *bridge, struct net_addr *subnet, struct net_addr *gw,
			 struct zerr *err)
{
	int r;
	if (!strcmp(bridge, d->bridge)) {
		*subnet = d->subnet;
		if (!d->has_subnet && (r = choose_subnet(ctx, bridge, subnet, err)) < 0)
			return r;
		*gw = from_v4((v4(subnet) & mask(subnet->prefix)) + 1, 32);
		return 0;
	}
	struct net_addr own;
	if ((r = net_link_ipv4(bridge, &own, err)) < 0) {
		if (r != -ENODEV && r != -ENOENT)
			return r;
		return zerr_setx(err, EADDRNOTAVAIL,
				 "bridge %s has no IPv4 address to lend one from: give "
				 "address= (and gateway=), or leave bridge= out for the default "
				 "bridge %s",
				 bridge, d->bridge);
	}
	*subnet = own;
	*gw = own;
	gw->prefix = 32;
	return 0;
}

/* The zone's lease for NIC i, if it has one (from LIB/zones/NAME/leases). */
static bool kept_lease(const struct zone_ctx *ctx, const char *name, size_t i, struct net_addr *out)
{
	cleanup_free char *path = zone_file(ctx, name, "leases");
	cleanup_free char *text = NULL;
	if (read_file(path, &text, NULL, NULL) < 0)
		return false;
	for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
		unsigned nic;
		char addr[64];
		if (sscanf(line, "%u %63s", &nic, addr) == 2 && nic == i &&
		    net_addr_parse(addr, out, NULL) == 0)
			return true;
	}
	return false;
}

static int keep_lease(const struct zone_ctx *ctx, const char *name, size_t i,
		      const struct net_addr *a, struct zerr *err)
{
	cleanup_free char *path = zone_file(ctx, name, "leases");
	cleanup_free char *old = NULL;
	if (read_file(path, &old, NULL, NULL) < 0)
		old = xstrdup("");
	char s[64];
	net_addr_format(a, true, s, sizeof(s));
	cleanup_free char *text = xasprintf("%s%zu %s\n", old, i, s);
	return write_file_atomic(path, text, strlen(text), 0644, err);
}

/* The next address of subnet nobody holds, taken with O_EXCL. */
static int take_lease(const struct zone_ctx *ctx, const char *name, const char *bridge,
		      const struct net_addr *subnet, const struct net_addr *gw,
		      struct net_addr *out, struct zerr *err)
{
	cleanup_free char *dir = leases_dir(ctx, bridge);
	int r = mkdir_p(dir, 0700, err);
	if (r < 0)
		return r;
	uint32_t base = v4(subnet) & mask(subnet->prefix), size = ~mask(subnet->prefix) + 1;
	for (uint32_t host = 1; host + 1 < size; host++) {
		struct net_addr a = from_v4(base + host, subnet->prefix);
		if (net_addr_equal(&a, gw))
			continue;
		char s[64];
		net_addr_format(&a, false, s, sizeof(s));
		cleanup_free char *path = xasprintf("%s/%s", dir, s);
		int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
		if (fd < 0 && errno == EEXIST)
			continue;
		if (fd < 0)
			return zerr_set(err, errno, "lease `%s`", path);
		cleanup_free char *who = xasprintf("%s\n", name);
		int w = write_all(fd, who, strlen(who));
		close(fd);
		if (w < 0)
			return unlink(path), zerr_set(err, errno, "lease `%s`", path);
		*out = a;
		return 0;
	}
	char s[64];
	net_addr_format(subnet, true, s, sizeof(s));
	return zerr_setx(err, EADDRNOTAVAIL, "bridge %s: every address of %s is leased", bridge, s);
}

static int resolve_nic(const struct zone_ctx *ctx, const char *name, const struct zone_defaults *d,
		       size_t i, struct net_nic *nic, bool take, struct zerr *err)
{
	if (nic->type != NET_BRIDGE)
		return 0;
	if (!nic->bridge[0])
		snprintf(nic->bridge, sizeof(nic->bridge), "%s", d->bridge);
	if (!nic->has_nat)
		nic->nat = !strcmp(nic->bridge, d->bridge);
	if (nic->n_addrs || nic->allow_spoofing)
		return 0;
	struct net_addr subnet, gw, a;
	int r = bridge_subnet(ctx, d, nic->bridge, &subnet, &gw, err);
	if (r < 0)
		return r;
	bool kept = kept_lease(ctx, name, i, &a) && net_addr_overlap(&a, &subnet);
	if (!kept && !take)
		return 0;
	if (!kept && ((r = take_lease(ctx, name, nic->bridge, &subnet, &gw, &a, err)) < 0 ||
		      (r = keep_lease(ctx, name, i, &a, err)) < 0))
		return r;
	nic->addrs[nic->n_addrs++] = a;
	nic->gateway = gw;
	nic->has_gateway = true;
	nic->auto_address = true;
	return 0;
}

int zone_net_resolve(const struct zone_ctx *ctx, const char *name, struct zone_config *cfg,
		     bool take, struct zerr *err)
{
	if (!cfg->n_nics)
		return 0;
	struct zone_defaults d;
	int r = zone_defaults_read(ctx, &d, err);
	for (size_t i = 0; i < cfg->n_nics && r == 0; i++)
		r = resolve_nic(ctx, name, &d, i, &cfg->nics[i], take, err);
	return r < 0 ? zerr_prefix(err, "zone %s: net", name) : 0;
}

/* A lease file that names this zone (or, with name NULL, a zone that no
 * longer exists) goes. */
static void drop_leases(const struct zone_ctx *ctx, const char *name)
{
	cleanup_free char *top = xasprintf("%s/net/leases", ctx->lib_dir);
	DIR *bridges = opendir(top);
	struct dirent *b;
	while (bridges && (b = readdir(bridges))) {
		if (b->d_name[0] == '.')
			continue;
		cleanup_free char *dir = xasprintf("%s/%s", top, b->d_name);
		DIR *d = opendir(dir);
		struct dirent *l;
		while (d && (l = readdir(d))) {
			if (l->d_name[0] == '.')
				continue;
			cleanup_free char *path = xasprintf("%s/%s", dir, l->d_name);
			cleanup_free char *who = NULL;
			if (read_file(path, &who, NULL, NULL) < 0)
				continue;
			who[strcspn(who, "\n")] = '\0';
			bool gone = name ? !strcmp(who, name)
					 : zone_name_check(who, NULL) == 0 &&
						    !zone_exists(ctx, who);
			if (gone)
				unlink(path);
		}
		if (d)
			closedir(d);
	}
	if (bridges)
		closedir(bridges);
}

void zone_net_release(const struct zone_ctx *ctx, const char *name)
{
	drop_leases(ctx, name);
}

void zone_net_sweep(const struct zone_ctx *ctx)
{
	drop_leases(ctx, NULL);
}
