/* config_net.c - "zone": {"net": [ {NIC}, ... ]}: parsing, `create --net`
 * merged into the document, and the checks that span NICs and zones.
 *
 * A NIC object has the keys of `--net` (type, bridge, parent, address,
 * gateway, mtu, mac, allow-spoofing, nat, publish, dns, search); those
 * that may repeat (address, publish, dns, search) take one string or an
 * array of them. Each member is handed to netstack-bind as key=value, so
 * the command line and the file cannot mean different things. */
#include <errno.h>
#include <inttypes.h>
#include <linux/capability.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>

#include "json.h"
#include "runtime.h"

static bool repeats(const char *key)
{
	return !strcmp(key, "address") || !strcmp(key, "publish") || !strcmp(key, "dns") ||
	       !strcmp(key, "search");
}

/* One member, as key=value; "path" in messages is the key (the caller
 * names the NIC). */
static int nic_member(struct net_nic *nic, const char *key, const struct jv *v, struct zerr *err)
{
	char buf[32];
	const char *s;
	bool b;
	int64_t i;
	int r;
	switch (jv_type(v)) {
	case JV_STRING: jv_string(v, key, &s, err); return net_nic_set(nic, key, s, err);
	case JV_BOOL:
		if (strcmp(key, "allow-spoofing") && strcmp(key, "nat"))
			break;
		jv_bool(v, key, &b, err);
		return net_nic_set(nic, key, b ? "true" : "false", err);
	case JV_NUMBER:
		if (strcmp(key, "mtu"))
			break;
		if ((r = jv_int64(v, key, &i, err)) < 0)
			return r;
		snprintf(buf, sizeof(buf), "%" PRId64, i);
		return net_nic_set(nic, key, buf, err);
	case JV_ARRAY:
		if (!repeats(key))
			break;
		for (size_t k = 0; k < jv_len(v); k++)
			if ((r = jv_string(jv_at(v, k), key, &s, err)) < 0 ||
			    (r = net_nic_set(nic, key, s, err)) < 0)
				return r;
		return 0;
	default: break;
	}
	return zerr_setx(err, EINVAL, "%s: expected %s, got %s", key,
			 !strcmp(key, "mtu")                                     ? "an integer"
			 : !strcmp(key, "allow-spoofing") || !strcmp(key, "nat") ? "a boolean"
			 : repeats(key) ? "a string or an array of strings"
					: "a string",
			 jv_type_name(v));
}

static int parse_nic(const struct jv *v, size_t i, struct jpath *p, void *ctx, struct zerr *err)
{
	struct zone_config *cfg = ctx;
	int r = jv_expect(v, jpath_str(p), JV_OBJECT, err);
	if (r < 0)
		return r;
	if (i >= NET_NICS_MAX)
		return zerr_setx(err, EINVAL, "%s: at most %d NICs per zone", p->buf, NET_NICS_MAX);
	struct net_nic *nic = &cfg->nics[i];
	memset(nic, 0, sizeof(*nic));
	if (!jv_get(v, "type"))
		return zerr_setx(err, EINVAL, "%s.type: required (bridge, macvlan, shared or none)",
				 p->buf);
	for (size_t k = 0; k < jv_len(v); k++)
		if ((r = nic_member(nic, jv_key(v, k), jv_val(v, k), err)) < 0)
			return zerr_prefix(err, "%s", p->buf);
	if ((r = net_nic_check(nic, err)) < 0)
		return zerr_prefix(err, "%s", p->buf);
	cfg->n_nics = i + 1;
	return 0;
}

int zone_cfg_parse_net(const struct jv *v, struct jpath *p, void *ctx, struct zerr *err)
{
	struct zone_config *cfg = ctx;
	int r = jv_expect(v, jpath_str(p), JV_ARRAY, err);
	if (r < 0)
		return r;
	cfg->nics = xcalloc(NET_NICS_MAX, sizeof(*cfg->nics));
	return jv_each(v, p, parse_nic, cfg, err);
}

static bool has_type(const struct zone_config *cfg, enum net_type t)
{
	for (size_t i = 0; i < cfg->n_nics; i++)
		if (cfg->nics[i].type == t)
			return true;
	return false;
}

static int addrs_overlap(const struct zone_config *cfg, struct zerr *err)
{
	for (size_t i = 0; i < cfg->n_nics; i++)
		for (size_t j = 0; j < i; j++)
			for (size_t a = 0; a < cfg->nics[i].n_addrs; a++)
				for (size_t b = 0; b < cfg->nics[j].n_addrs; b++) {
					const struct net_addr *x = &cfg->nics[i].addrs[a];
					const struct net_addr *y = &cfg->nics[j].addrs[b];
					bool excl = cfg->nics[i].type != NET_SHARED;
					if (excl ? net_addr_overlap(x, y) : net_addr_equal(x, y)) {
						char s[64];
						net_addr_format(x, true, s, sizeof(s));
						return zerr_setx(
							err, EINVAL,
							"zone.net[%zu]: address %s overlaps "
							"zone.net[%zu]'s",
							i, s, j);
					}
				}
	return 0;
}

/* The rules that span NICs and the rest of the document. */
int zone_cfg_check_net(struct zone_config *cfg, struct zerr *err)
{
	bool shared = has_type(cfg, NET_SHARED);
	bool exclusive = has_type(cfg, NET_BRIDGE) || has_type(cfg, NET_MACVLAN);
	if (shared && exclusive)
		return zerr_setx(err, EINVAL,
				 "zone.net: a zone is shared-IP or exclusive-IP, not both");
	if (shared && (cfg->ns_flags & CLONE_NEWNET))
		return zerr_setx(err, EINVAL,
				 "zone.net: a shared-IP zone stays in the host's network "
				 "namespace: remove {\"type\": \"network\"} from linux.namespaces");
	if (exclusive && !(cfg->ns_flags & CLONE_NEWNET))
		return zerr_setx(err, EINVAL,
				 "zone.net: bridge and macvlan NICs need a network "
				 "namespace: add {\"type\": \"network\"} to linux.namespaces");
	if (has_type(cfg, NET_MACVLAN) && (cfg->process.caps.bounding & (1ULL << CAP_NET_ADMIN)))
		for (size_t i = 0; i < cfg->n_nics; i++)
			if (cfg->nics[i].type == NET_MACVLAN && !cfg->nics[i].allow_spoofing)
				return zerr_setx(
					err, EINVAL,
					"zone.net[%zu]: a macvlan's anti-spoofing "
					"filter sits in the zone, where CAP_NET_ADMIN could remove "
					"it: drop the capability or set allow-spoofing=true",
					i);
	return addrs_overlap(cfg, err);
}

/* ---- create --net ------------------------------------------------------ */

static void write_nic(struct jw *w, const struct net_nic *nic)
{
	char s[64];
	jw_obj_open(w);
	jw_kstr(w, "type", net_type_name(nic->type));
	if (nic->bridge[0])
		jw_kstr(w, "bridge", nic->bridge);
	if (nic->parent[0])
		jw_kstr(w, "parent", nic->parent);
	if (nic->n_addrs) {
		jw_key(w, "address");
		jw_arr_open(w);
		for (size_t a = 0; a < nic->n_addrs; a++) {
			net_addr_format(&nic->addrs[a], true, s, sizeof(s));
			jw_str(w, s);
		}
		jw_arr_close(w);
	}
	if (nic->has_gateway) {
		net_addr_format(&nic->gateway, false, s, sizeof(s));
		jw_kstr(w, "gateway", s);
	}
	if (nic->mtu)
		jw_kuint(w, "mtu", nic->mtu);
	if (nic->has_mac) {
		const unsigned char *m = nic->mac;
		snprintf(s, sizeof(s), "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3],
			 m[4], m[5]);
		jw_kstr(w, "mac", s);
	}
	if (nic->allow_spoofing)
		jw_kbool(w, "allow-spoofing", true);
	if (nic->has_nat)
		jw_kbool(w, "nat", nic->nat);
	if (nic->n_ports) {
		jw_key(w, "publish");
		jw_arr_open(w);
		for (size_t i = 0; i < nic->n_ports; i++) {
			net_port_format(&nic->ports[i], s, sizeof(s));
			jw_str(w, s);
		}
		jw_arr_close(w);
	}
	if (nic->n_dns) {
		jw_key(w, "dns");
		jw_arr_open(w);
		for (size_t i = 0; i < nic->n_dns; i++) {
			net_addr_format(&nic->dns[i], false, s, sizeof(s));
			jw_str(w, s);
		}
		jw_arr_close(w);
	}
	if (nic->n_search) {
		jw_key(w, "search");
		jw_arr_open(w);
		for (size_t i = 0; i < nic->n_search; i++)
			jw_str(w, nic->search[i]);
		jw_arr_close(w);
	}
	jw_obj_close(w);
}

static void write_zone(struct jw *w, const struct jv *zone, const struct net_nic *nics, size_t n)
{
	jw_obj_open(w);
	for (size_t i = 0; zone && i < jv_len(zone); i++)
		if (strcmp(jv_key(zone, i), "net")) {
			jw_key(w, jv_key(zone, i));
			jw_value(w, jv_val(zone, i));
		}
	jw_key(w, "net");
	jw_arr_open(w);
	for (size_t i = 0; i < n; i++)
		write_nic(w, &nics[i]);
	jw_arr_close(w);
	jw_obj_close(w);
}

/* linux.namespaces without the network namespace: a shared-IP zone's. */
static void write_linux(struct jw *w, const struct jv *linux_, bool drop_net)
{
	jw_obj_open(w);
	for (size_t i = 0; i < jv_len(linux_); i++) {
		const char *key = jv_key(linux_, i);
		const struct jv *v = jv_val(linux_, i);
		jw_key(w, key);
		if (!drop_net || strcmp(key, "namespaces") || jv_type(v) != JV_ARRAY) {
			jw_value(w, v);
			continue;
		}
		jw_arr_open(w);
		for (size_t k = 0; k < jv_len(v); k++) {
			const struct jv *t = jv_get(jv_at(v, k), "type");
			const char *s;
			if (jv_type(t) == JV_STRING && jv_string(t, "", &s, NULL) == 0 &&
			    !strcmp(s, "network"))
				continue;
			jw_value(w, jv_at(v, k));
		}
		jw_arr_close(w);
	}
	jw_obj_close(w);
}

int zone_net_rewrite(const char *name, char *const *specs, char **text, size_t *len,
		     struct zerr *err)
{
	if (!specs || !*specs)
		return 0;
	struct net_nic nics[NET_NICS_MAX];
	size_t n = 0;
	bool shared = false;
	for (; specs[n]; n++) {
		if (n == NET_NICS_MAX)
			return zerr_setx(err, EINVAL, "zone %s: --net: at most %d NICs per zone",
					 name, NET_NICS_MAX);
		int r = net_nic_parse(specs[n], &nics[n], err);
		if (r < 0)
			return zerr_prefix(err, "zone %s: --net %s", name, specs[n]);
		shared |= nics[n].type == NET_SHARED;
	}
	cleanup_json struct jv *doc = NULL;
	int r = zone_config_doc(name, *text, *len, &doc, err);
	if (r < 0)
		return r;
	struct jw *w = jw_new(true);
	jw_obj_open(w);
	for (size_t i = 0; i < jv_len(doc); i++) {
		const char *key = jv_key(doc, i);
		if (!strcmp(key, "zone"))
			continue;
		jw_key(w, key);
		if (!strcmp(key, "linux") && jv_type(jv_val(doc, i)) == JV_OBJECT)
			write_linux(w, jv_val(doc, i), shared);
		else
			jw_value(w, jv_val(doc, i));
	}
	jw_key(w, "zone");
	write_zone(w, jv_get(doc, "zone"), nics, n);
	jw_obj_close(w);
	size_t nlen;
	char *out = jw_finish(w, &nlen);
	if (!out)
		return zerr_setx(err, EINVAL, "zone %s: --net: could not write the config", name);
	free(*text);
	*text = out;
	*len = nlen;
	return 0;
}

/* ---- one address, one zone ---------------------------------------------- */

int zone_net_conflict(const struct zone_config *mine, const struct zone_config *other,
		      const char *me, const char *them, struct zerr *err)
{
	for (size_t i = 0; i < mine->n_nics; i++)
		for (size_t a = 0; a < mine->nics[i].n_addrs; a++)
			for (size_t j = 0; j < other->n_nics; j++)
				for (size_t b = 0; b < other->nics[j].n_addrs; b++)
					if (net_addr_equal(&mine->nics[i].addrs[a],
							   &other->nics[j].addrs[b])) {
						char s[64];
						net_addr_format(&mine->nics[i].addrs[a], false, s,
								sizeof(s));
						return zerr_setx(err, EADDRINUSE,
								 "zone %s: net[%zu]: address %s "
								 "is zone %s's",
								 me, i, s, them);
					}
	return 0;
}
