/* defaults.c - the host-wide defaults for zones, LIB/defaults.json
 * (zonectl-config(5), DEFAULTS). Missing file or member: the built-in
 * value. Only "net" has members today:
 *
 *   {"net": {"bridge": "zbr0",           the default bridge
 *            "subnet": "10.91.0.0/24",    its IPv4 subnet (else the first
 *                                         free 10.91.N.0/24, recorded)
 *            "dns": ["ADDR", ...],         zones' resolvers
 *            "search": ["DOMAIN", ...],    zones' search domains
 *            "jobs": "bridge" | "none"}}   `run` and CI jobs' network
 *
 * A bad file is an error naming it: zones would otherwise get a network
 * their operator did not ask for. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "json.h"
#include "runtime.h"

#define DEFAULT_BRIDGE "zbr0"

static int str_member(const struct jv *net, const char *key, const char **out, struct zerr *err)
{
	const struct jv *v = jv_get(net, key);
	return v ? jv_string(v, key, out, err) : 0;
}

/* A string or an array of strings, each handed to net_nic_set as KEY=. */
static int nic_list(const struct jv *net, const char *key, struct net_nic *nic, struct zerr *err)
{
	const struct jv *v = jv_get(net, key);
	const char *s;
	int r = 0;
	if (!v)
		return 0;
	if (jv_type(v) == JV_STRING)
		return jv_string(v, key, &s, err) < 0 ? -EINVAL : net_nic_set(nic, key, s, err);
	if ((r = jv_expect(v, key, JV_ARRAY, err)) < 0)
		return r;
	for (size_t i = 0; i < jv_len(v) && r == 0; i++)
		if ((r = jv_string(jv_at(v, i), key, &s, err)) == 0)
			r = net_nic_set(nic, key, s, err);
	return r;
}

static int parse_net(const struct jv *net, struct zone_defaults *d, struct zerr *err)
{
	const char *bridge = NULL, *subnet = NULL, *jobs = NULL;
	int r;
	if ((r = jv_expect(net, "net", JV_OBJECT, err)) < 0 ||
	    (r = str_member(net, "bridge", &bridge, err)) < 0 ||
	    (r = str_member(net, "subnet", &subnet, err)) < 0 ||
	    (r = str_member(net, "jobs", &jobs, err)) < 0 ||
	    (r = nic_list(net, "dns", &d->resolvers, err)) < 0 ||
	    (r = nic_list(net, "search", &d->resolvers, err)) < 0)
		return r;
	if (bridge && (r = net_nic_set(&d->resolvers, "bridge", bridge, err)) < 0)
		return r;
	if (bridge)
		snprintf(d->bridge, sizeof(d->bridge), "%s", bridge);
	if (subnet) {
		if ((r = net_addr_parse(subnet, &d->subnet, err)) < 0)
			return r;
		if (d->subnet.family != AF_INET || d->subnet.prefix < 8 || d->subnet.prefix > 30)
			return zerr_setx(err, EINVAL, "subnet `%s`: an IPv4 subnet from /8 to /30",
					 subnet);
		d->has_subnet = true;
	}
	if (jobs && strcmp(jobs, "bridge") && strcmp(jobs, "none"))
		return zerr_setx(err, EINVAL, "jobs `%s`: bridge or none", jobs);
	d->jobs_net = !jobs || !strcmp(jobs, "bridge");
	return 0;
}

int zone_defaults_read(const struct zone_ctx *ctx, struct zone_defaults *d, struct zerr *err)
{
	*d = (struct zone_defaults){.bridge = DEFAULT_BRIDGE, .jobs_net = true};
	cleanup_free char *path = xasprintf("%s/defaults.json", ctx->lib_dir);
	cleanup_free char *text = NULL;
	size_t len;
	if (read_file(path, &text, &len, NULL) < 0)
		return errno == ENOENT ? 0 : zerr_set(err, errno, "read `%s`", path);
	cleanup_json struct jv *doc = NULL;
	int r = json_parse(text, len, &doc, err);
	if (r == 0 && jv_type(doc) != JV_OBJECT)
		r = zerr_setx(err, EINVAL, "top level: expected an object");
	const struct jv *net = r == 0 ? jv_get(doc, "net") : NULL;
	if (r == 0 && net)
		r = parse_net(net, d, err);
	return r < 0 ? zerr_prefix(err, "%s", path) : 0;
}

char *const *zone_job_net(const struct zone_ctx *ctx, char *const *given)
{
	static char *const bridge[] = {"bridge", NULL};
	struct zone_defaults d;
	if (given && given[0])
		return given;
	/* a defaults.json that does not parse fails the boot, which says so */
	return zone_defaults_read(ctx, &d, NULL) < 0 || d.jobs_net ? bridge : NULL;
}
