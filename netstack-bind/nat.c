/* nat.c - zones that reach beyond the host, and host ports that reach
 * zones: nftables rules in a table of zonectl's own, `ip zonectl`, made
 * through libnftables.
 *
 *   postrouting (nat)  ip saddr SUBNET oifname != BRIDGE masquerade
 *                      one rule per bridge with NAT zones on it
 *                      ("zonectl bridge BRIDGE"); and, for a zone that
 *                      publishes ports, ip saddr 127.0.0.0/8 oifname
 *                      BRIDGE masquerade, so the host's own 127.0.0.1
 *                      reaches the zone (with route_localnet on BRIDGE)
 *   prerouting (dnat)  fib daddr type local PROTO dport HOST dnat to
 *                      ZONE:PORT, for connections from other machines
 *   output (dnat)      the same for the host's own connections
 *
 * A zone's rules carry the comment "zonectl zone KEY" and are deleted by
 * handle at teardown; a bridge's rule goes with the last NAT zone on it
 * (markers RUN/.net/nat.BRIDGE.KEY), and the table with its last rule.
 * Nothing outside the table is read or written, but two sysctls:
 * net.ipv4.ip_forward, which NAT needs host-wide (forwarding is decided
 * by the interface a packet arrives on, so the uplink's replies need it
 * too) and which zonectl turns on only if it is off, recording that it
 * did (RUN/.net/forwarding) so that it turns it off again with the table
 * and never otherwise; and route_localnet on a bridge zonectl made.
 *
 * An accept here cannot override another table's drop: a host whose
 * forward hook drops (Docker's FORWARD policy, firewalld) would swallow
 * the zones' traffic; net_forward_blocked names that table so that boot
 * and `zonectl net` can say so. All changes run under RUN/.net/lock.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <nftables/libnftables.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "json.h"
#include "nl.h"

#define TABLE "ip zonectl"

static void nft_freep(struct nft_ctx **c)
{
	if (*c)
		nft_ctx_free(*c);
}
#define cleanup_nft __attribute__((cleanup(nft_freep)))

static struct nft_ctx *nft_open(bool json)
{
	struct nft_ctx *c = nft_ctx_new(NFT_CTX_DEFAULT);
	if (!c)
		return NULL;
	nft_ctx_buffer_output(c);
	nft_ctx_buffer_error(c);
	if (json)
		nft_ctx_output_set_flags(c, NFT_CTX_OUTPUT_JSON | NFT_CTX_OUTPUT_HANDLE);
	return c;
}

/* Runs nft commands; on failure the error names what was asked and
 * nftables' own message. */
static int nft_run(struct nft_ctx *c, const char *cmd, struct zerr *err)
{
	if (nft_run_cmd_from_buffer(c, cmd) == 0)
		return 0;
	const char *msg = nft_ctx_get_error_buffer(c);
	cleanup_free char *first = xstrndup(msg ? msg : "", strcspn(msg ? msg : "", "\n"));
	return zerr_setx(err, EIO, "nftables: `%.*s`: %s", (int)strcspn(cmd, "\n"), cmd,
			 *first ? first : "failed");
}

/* The table as JSON (NULL when it does not exist). */
static struct jv *table_json(void)
{
	cleanup_nft struct nft_ctx *c = nft_open(true);
	if (!c || nft_run_cmd_from_buffer(c, "list table " TABLE) != 0)
		return NULL;
	const char *out = nft_ctx_get_output_buffer(c);
	struct jv *doc = NULL;
	if (!out || json_parse(out, strlen(out), &doc, NULL) < 0)
		return NULL;
	return doc;
}

/* Each rule of the table: fn(chain, handle, comment). */
static void each_rule(const struct jv *doc, void (*fn)(const char *, int64_t, const char *, void *),
		      void *arg)
{
	const struct jv *items = jv_get(doc, "nftables");
	for (size_t i = 0; i < jv_len(items); i++) {
		const struct jv *rule = jv_get(jv_at(items, i), "rule");
		const char *chain, *comment = "";
		int64_t handle;
		if (!rule || jv_string(jv_get(rule, "chain"), "", &chain, NULL) < 0 ||
		    jv_int64(jv_get(rule, "handle"), "", &handle, NULL) < 0)
			continue;
		jv_string(jv_get(rule, "comment"), "", &comment, NULL);
		fn(chain, handle, comment, arg);
	}
}

struct rule_q {
	const char *comment;
	char *cmds; /* delete commands, or NULL */
	size_t n;   /* rules seen (all, or those with comment) */
};

static void match_rule(const char *chain, int64_t handle, const char *comment, void *arg)
{
	struct rule_q *q = arg;
	if (q->comment && strcmp(comment, q->comment))
		return;
	q->n++;
	char *more = xasprintf("%sdelete rule " TABLE " %s handle %lld\n", q->cmds ? q->cmds : "",
			       chain, (long long)handle);
	free(q->cmds);
	q->cmds = more;
}

/* The table is the host's one whatever the state root: changes to it are
 * serialized across roots too (a root's delete of the empty table could
 * land between another root's `add table` and its first rule), under a
 * lock at the default run directory's place. Taken after the root's own
 * lock, always. */
#define TABLE_LOCK_DIR "/run/zonectl"
static int table_lock(struct zerr *err)
{
	int r = mkdir_p(TABLE_LOCK_DIR, 0700, err);
	return r < 0 ? r : zlock(TABLE_LOCK_DIR "/.nft.lock", 0, err);
}

/* Deletes the rules with this comment; then the table if it is empty,
 * and the forwarding zonectl turned on. */
static void delete_rules(const char *state_dir, const char *comment)
{
	cleanup_json struct jv *doc = table_json();
	if (!doc)
		return;
	struct rule_q q = {.comment = comment};
	each_rule(doc, match_rule, &q);
	cleanup_nft struct nft_ctx *c = nft_open(false);
	if (c && q.cmds)
		nft_run(c, q.cmds, NULL);
	free(q.cmds);
	json_freep(&doc);
	struct rule_q all = {0};
	if ((doc = table_json()))
		each_rule(doc, match_rule, &all);
	free(all.cmds);
	if (!c || !doc || all.n)
		return;
	nft_run(c, "delete table " TABLE, NULL);
	cleanup_free char *marker = xasprintf("%s/forwarding", state_dir);
	if (access(marker, F_OK) == 0) {
		write_file("/proc/sys/net/ipv4/ip_forward", "0", 1, NULL);
		unlink(marker);
	}
}

static bool rule_exists(const char *comment)
{
	cleanup_json struct jv *doc = table_json();
	struct rule_q q = {.comment = comment};
	if (doc)
		each_rule(doc, match_rule, &q);
	free(q.cmds);
	return q.n > 0;
}

/* ---- setup ------------------------------------------------------------- */

static const char base[] = "add table " TABLE "\n"
			   "add chain " TABLE
			   " postrouting { type nat hook postrouting priority srcnat; }\n"
			   "add chain " TABLE
			   " prerouting { type nat hook prerouting priority dstnat; }\n"
			   "add chain " TABLE " output { type nat hook output priority -100; }\n";

static int forwarding_on(const char *state_dir, struct zerr *err)
{
	cleanup_free char *now = NULL;
	if (read_file("/proc/sys/net/ipv4/ip_forward", &now, NULL, err) < 0)
		return -err->code;
	if (now[0] == '1')
		return 0;
	cleanup_free char *marker = xasprintf("%s/forwarding", state_dir);
	int fd = open(marker, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return zerr_set(err, errno, "marker `%s`", marker);
	close(fd);
	return write_file("/proc/sys/net/ipv4/ip_forward", "1", 1, err);
}

static int masquerade(struct nft_ctx *c, const struct net_zone *z, const struct net_nic *nic,
		      struct zerr *err)
{
	cleanup_free char *marker = xasprintf("%s/nat.%s.%08x", z->state_dir, nic->bridge, z->key);
	int fd = open(marker, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return zerr_set(err, errno, "marker `%s`", marker);
	close(fd);
	cleanup_free char *comment = xasprintf("zonectl bridge %s", nic->bridge);
	if (rule_exists(comment))
		return 0;
	/* the subnet: the NIC's first IPv4 address with its host bits off */
	struct net_addr net = nic->addrs[0];
	for (unsigned b = net.prefix; b < 32; b++)
		net.a[b / 8] &= (unsigned char)~(0x80 >> (b % 8));
	char s[64];
	net_addr_format(&net, true, s, sizeof(s));
	cleanup_free char *cmd = xasprintf("add rule " TABLE " postrouting ip saddr %s oifname != "
					   "\"%s\" masquerade comment \"%s\"\n",
					   s, nic->bridge, comment);
	return nft_run(c, cmd, err);
}

/* The inode of a host socket on port p (TCP: listening; UDP: bound), from
 * /proc/net/{tcp,udp}{,6}; 0 if none. */
static unsigned long port_inode(const struct net_port *p)
{
	const char *files[2][2] = {{"/proc/net/tcp", "/proc/net/tcp6"},
				   {"/proc/net/udp", "/proc/net/udp6"}};
	for (int f = 0; f < 2; f++) {
		FILE *in = fopen(files[p->proto == IPPROTO_UDP][f], "re");
		char line[512];
		unsigned long inode = 0;
		while (in && !inode && fgets(line, sizeof(line), in)) {
			char local[64];
			unsigned port, st;
			unsigned long ino;
			if (sscanf(line, " %*d: %63[0-9A-Fa-f]:%x %*s %x %*s %*s %*s %*s %*s %lu",
				   local, &port, &st, &ino) == 4 &&
			    port == p->host && (p->proto == IPPROTO_UDP || st == 0x0A))
				inode = ino ? ino : 1;
		}
		if (in)
			fclose(in);
		if (inode)
			return inode;
	}
	return 0;
}

/* The process holding a host socket on p's port, as "NAME (pid N)" (or
 * "a socket" when none of ours can see it), or NULL when the port is
 * free. The host's network namespace only: the monitor runs there. */
static char *port_holder(const struct net_port *p)
{
	unsigned long inode = port_inode(p);
	if (!inode)
		return NULL;
	char want[64];
	snprintf(want, sizeof(want), "socket:[%lu]", inode);
	DIR *procs = opendir("/proc");
	struct dirent *de;
	char *who = NULL;
	while (procs && !who && (de = readdir(procs))) {
		if (de->d_name[0] < '1' || de->d_name[0] > '9')
			continue;
		cleanup_free char *fds = xasprintf("/proc/%s/fd", de->d_name);
		DIR *d = opendir(fds);
		struct dirent *fe;
		while (d && !who && (fe = readdir(d))) {
			char link[64];
			cleanup_free char *path = xasprintf("%s/%s", fds, fe->d_name);
			ssize_t n = readlink(path, link, sizeof(link) - 1);
			if (n <= 0 || (link[n] = '\0', strcmp(link, want)))
				continue;
			cleanup_free char *comm_path = xasprintf("/proc/%s/comm", de->d_name);
			cleanup_free char *comm = NULL;
			if (read_file(comm_path, &comm, NULL, NULL) == 0)
				comm[strcspn(comm, "\n")] = '\0';
			who = xasprintf("%s (pid %s)", comm ? comm : "?", de->d_name);
		}
		if (d)
			closedir(d);
	}
	if (procs)
		closedir(procs);
	return who ? who : xstrdup("a socket");
}

/* A port published by another zone (its claim RUN/.net/port.PROTO.N) or
 * bound on the host is an error naming the holder. */
static int claim_port(const struct net_zone *z, const struct net_port *p, struct zerr *err)
{
	const char *proto = p->proto == IPPROTO_UDP ? "udp" : "tcp";
	cleanup_free char *path = xasprintf("%s/port.%s.%u", z->state_dir, proto, p->host);
	cleanup_free char *mine = xasprintf("%08x %s\n", z->key, z->zone);
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0 && errno == EEXIST) {
		cleanup_free char *who = NULL;
		read_file(path, &who, NULL, NULL);
		if (who && !strcmp(who, mine))
			return 0;
		const char *name = who && strchr(who, ' ') ? strchr(who, ' ') + 1 : "another zone";
		return zerr_setx(err, EADDRINUSE, "publish %s port %u: zone %.*s publishes it",
				 proto, p->host, (int)strcspn(name, "\n"), name);
	}
	if (fd < 0)
		return zerr_set(err, errno, "claim `%s`", path);
	write_all(fd, mine, strlen(mine));
	close(fd);
	cleanup_free char *holder = port_holder(p);
	if (holder) {
		unlink(path);
		return zerr_setx(err, EADDRINUSE,
				 "publish %s port %u: %s listens on it on the host", proto, p->host,
				 holder);
	}
	return 0;
}

static int publish(struct nft_ctx *c, const struct net_zone *z, const struct net_nic *nic,
		   struct zerr *err)
{
	char zone_ip[64];
	net_addr_format(&nic->addrs[0], false, zone_ip, sizeof(zone_ip));
	cleanup_free char *comment = xasprintf("zonectl zone %08x", z->key);
	cleanup_free char *cmds = xstrdup("");
	for (size_t i = 0; i < nic->n_ports; i++) {
		const struct net_port *p = &nic->ports[i];
		int r = claim_port(z, p, err);
		if (r < 0)
			return r;
		const char *proto = p->proto == IPPROTO_UDP ? "udp" : "tcp";
		char *more = xasprintf("%s"
				       "add rule " TABLE
				       " prerouting fib daddr type local %s dport %u "
				       "dnat to %s:%u comment \"%s\"\n"
				       "add rule " TABLE " output fib daddr type local %s dport %u "
				       "dnat to %s:%u comment \"%s\"\n",
				       cmds, proto, p->host, zone_ip, p->zone, comment, proto,
				       p->host, zone_ip, p->zone, comment);
		free(cmds);
		cmds = more;
	}
	/* the host's 127.0.0.1 to the zone: allowed out on the bridge, and
	 * from an address the zone can answer */
	char *more = xasprintf("%sadd rule " TABLE
			       " postrouting ip saddr 127.0.0.0/8 oifname \"%s\" "
			       "masquerade comment \"%s\"\n",
			       cmds, nic->bridge, comment);
	free(cmds);
	cmds = more;
	cleanup_free char *localnet = xasprintf("/proc/sys/net/ipv4/conf/%s/route_localnet",
						nic->bridge);
	cleanup_free char *ours = xasprintf("%s/bridge.%s", z->state_dir, nic->bridge);
	if (access(ours, F_OK) == 0)
		write_file(localnet, "1", 1, NULL);
	return nft_run(c, cmds, err);
}

int net_nat_setup(const struct net_zone *z, size_t i, struct zerr *err)
{
	const struct net_nic *nic = &z->nics[i];
	if (nic->type != NET_BRIDGE || (!nic->nat && !nic->n_ports) || !nic->n_addrs)
		return 0;
	cleanup_close int lock = net_lock(z->state_dir, err);
	if (lock < 0)
		return zerr_prefix(err, "zone %s: net", z->zone);
	cleanup_close int table = table_lock(err);
	if (table < 0)
		return zerr_prefix(err, "zone %s: net", z->zone);
	cleanup_nft struct nft_ctx *c = nft_open(false);
	if (!c)
		return zerr_setx(err, ENOMEM, "zone %s: net: nftables: no context", z->zone);
	int r = nft_run(c, base, err);
	if (r == 0 && nic->nat)
		r = masquerade(c, z, nic, err);
	if (r == 0 && nic->n_ports)
		r = publish(c, z, nic, err);
	if (r == 0)
		r = forwarding_on(z->state_dir, err);
	return r < 0 ? zerr_prefix(err, "zone %s: net %zu", z->zone, i) : 0;
}

void net_nat_plan(const struct net_zone *z, size_t i, char ***made)
{
	const struct net_nic *nic = &z->nics[i];
	if (nic->type != NET_BRIDGE || (!nic->nat && !nic->n_ports))
		return;
	cleanup_free char *item = nic->nat ? xasprintf("nat:%s:%08x", nic->bridge, z->key) : NULL;
	if (item)
		strv_append(made, item);
	if (!nic->n_ports)
		return;
	cleanup_free char *pub = xasprintf("publish:%08x", z->key);
	strv_append(made, pub);
	for (size_t p = 0; p < nic->n_ports; p++) {
		cleanup_free char *port = xasprintf(
			"port:%s.%u:%08x", nic->ports[p].proto == IPPROTO_UDP ? "udp" : "tcp",
			nic->ports[p].host, z->key);
		strv_append(made, port);
	}
}

/* ---- teardown ---------------------------------------------------------- */

static bool other_markers(const char *state_dir, const char *prefix)
{
	DIR *d = opendir(state_dir);
	struct dirent *de;
	bool found = false;
	while (d && !found && (de = readdir(d)))
		found = !strncmp(de->d_name, prefix, strlen(prefix));
	if (d)
		closedir(d);
	return found;
}

void net_nat_release(const char *state_dir, const char *item)
{
	cleanup_close int lock = net_lock(state_dir, NULL);
	cleanup_close int table = lock < 0 ? -1 : table_lock(NULL);
	if (table < 0)
		return;
	if (!strncmp(item, "nat:", 4)) {
		/* nat:BRIDGE:KEY */
		cleanup_free char *bridge = xstrndup(item + 4, strcspn(item + 4, ":"));
		const char *key = item + 4 + strlen(bridge) + 1;
		cleanup_free char *marker = xasprintf("%s/nat.%s.%s", state_dir, bridge, key);
		unlink(marker);
		cleanup_free char *prefix = xasprintf("nat.%s.", bridge);
		if (other_markers(state_dir, prefix))
			return;
		cleanup_free char *comment = xasprintf("zonectl bridge %s", bridge);
		delete_rules(state_dir, comment);
	} else if (!strncmp(item, "publish:", 8)) {
		cleanup_free char *comment = xasprintf("zonectl zone %s", item + 8);
		delete_rules(state_dir, comment);
	} else if (!strncmp(item, "port:", 5)) {
		/* port:PROTO.N:KEY: the claim goes if it is still this zone's */
		const char *colon = strchr(item + 5, ':');
		if (!colon)
			return;
		cleanup_free char *what = xstrndup(item + 5, (size_t)(colon - item - 5));
		cleanup_free char *path = xasprintf("%s/port.%s", state_dir, what);
		cleanup_free char *who = NULL;
		if (read_file(path, &who, NULL, NULL) == 0 && !strncmp(who, colon + 1, 8))
			unlink(path);
	}
}

/* ---- other firewalls --------------------------------------------------- */

char *net_forward_blocked(void)
{
	cleanup_nft struct nft_ctx *c = nft_open(true);
	if (!c || nft_run_cmd_from_buffer(c, "list chains") != 0)
		return NULL;
	const char *out = nft_ctx_get_output_buffer(c);
	cleanup_json struct jv *doc = NULL;
	if (!out || json_parse(out, strlen(out), &doc, NULL) < 0)
		return NULL;
	const struct jv *items = jv_get(doc, "nftables");
	for (size_t i = 0; i < jv_len(items); i++) {
		const struct jv *ch = jv_get(jv_at(items, i), "chain");
		const char *hook, *policy, *table, *family, *name;
		if (!ch || jv_string(jv_get(ch, "hook"), "", &hook, NULL) < 0 ||
		    jv_string(jv_get(ch, "policy"), "", &policy, NULL) < 0 ||
		    jv_string(jv_get(ch, "table"), "", &table, NULL) < 0 ||
		    jv_string(jv_get(ch, "family"), "", &family, NULL) < 0 ||
		    jv_string(jv_get(ch, "name"), "", &name, NULL) < 0)
			continue;
		if (!strcmp(hook, "forward") && !strcmp(policy, "drop") &&
		    (family[0] == 'i' || !strcmp(family, "bridge")))
			return xasprintf(
				"the host's nftables table `%s %s` drops forwarded packets "
				"(chain %s, policy drop): zones' traffic beyond their "
				"bridge is dropped there unless that table accepts it",
				family, table, name);
	}
	return NULL;
}
