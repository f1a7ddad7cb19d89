/* dns.c - the /etc/resolv.conf of a zone with a network of its own
 * (bridge or macvlan NICs): resolvers it can reach. RUN/NAME/resolv.conf,
 * bound read-only over the zone's at boot, as Docker and podman do.
 *
 * Its resolvers, the first source that has any:
 *   1. the NICs' dns= (and search=);
 *   2. defaults.json's net.dns (and net.search);
 *   3. the host's /etc/resolv.conf, without loopback resolvers (a
 *      resolver on the host's 127.0.0.53 is not the zone's loopback);
 *   4. systemd-resolved's upstream list, /run/systemd/resolve/resolv.conf,
 *      when the host's own file named only its stub.
 * Search domains and options come from the same source as the resolvers
 * (or from search=). A shared-IP zone is on the host's stack and keeps
 * the host's file. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>

#include "runtime.h"

struct resolv {
	char *text; /* what goes into the file, built up */
	size_t n_servers, n_search;
};

static void add_line(struct resolv *r, const char *fmt, const char *arg)
{
	char *line = xasprintf(fmt, arg);
	char *more = xasprintf("%s%s\n", r->text ? r->text : "", line);
	free(line);
	free(r->text);
	r->text = more;
}

static void from_nic(struct resolv *r, const struct net_nic *nic, bool search)
{
	char s[64];
	for (size_t i = 0; !search && i < nic->n_dns; i++) {
		net_addr_format(&nic->dns[i], false, s, sizeof(s));
		add_line(r, "nameserver %s", s);
		r->n_servers++;
	}
	for (size_t i = 0; search && i < nic->n_search; i++) {
		add_line(r, "search %s", nic->search[i]);
		r->n_search++;
	}
}

static bool loopback(const char *addr)
{
	struct in6_addr a6;
	return !strncmp(addr, "127.", 4) ||
	       (inet_pton(AF_INET6, addr, &a6) == 1 && IN6_IS_ADDR_LOOPBACK(&a6));
}

/* A host file's nameservers that the zone can reach, its search and
 * options lines (those only if it had such a nameserver). */
static void from_file(struct resolv *r, const char *path, bool servers, bool search)
{
	cleanup_free char *text = NULL;
	if (read_file(path, &text, NULL, NULL) < 0)
		return;
	struct resolv got = {0};
	for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
		char key[16], val[256];
		if (sscanf(line, "%15s %255[^\n]", key, val) != 2)
			continue;
		if (servers && !strcmp(key, "nameserver") && !loopback(val)) {
			add_line(&got, "nameserver %s", val);
			got.n_servers++;
		} else if (search && (!strcmp(key, "search") || !strcmp(key, "domain"))) {
			add_line(&got, "search %s", val);
			got.n_search++;
		} else if (servers && !strcmp(key, "options")) {
			add_line(&got, "options %s", val);
		}
	}
	if (servers && !got.n_servers) {
		free(got.text);
		return;
	}
	add_line(r, "%s", got.text ? got.text : "");
	r->n_servers += got.n_servers;
	r->n_search += got.n_search;
	free(got.text);
}

static bool exclusive(const struct zone_config *cfg)
{
	for (size_t i = 0; i < cfg->n_nics; i++)
		if (cfg->nics[i].type == NET_BRIDGE || cfg->nics[i].type == NET_MACVLAN)
			return true;
	return false;
}

int zone_resolv_conf(const struct zone_ctx *ctx, const char *name, const struct zone_config *cfg,
		     char **path, struct zerr *err)
{
	*path = NULL;
	if (!exclusive(cfg))
		return 0;
	struct zone_defaults d;
	int r = zone_defaults_read(ctx, &d, err);
	if (r < 0)
		return r;
	struct resolv rv = {.text = xstrdup("# written by zonectl for this zone at its boot\n")};
	for (size_t i = 0; i < cfg->n_nics; i++)
		from_nic(&rv, &cfg->nics[i], false);
	bool own_search = false;
	for (size_t i = 0; i < cfg->n_nics; i++)
		from_nic(&rv, &cfg->nics[i], true);
	own_search = rv.n_search > 0;
	if (!rv.n_servers) {
		from_nic(&rv, &d.resolvers, false);
		if (!own_search && rv.n_servers)
			from_nic(&rv, &d.resolvers, true), own_search = true;
	}
	if (!rv.n_servers)
		from_file(&rv, "/etc/resolv.conf", true, !own_search);
	if (!rv.n_servers)
		from_file(&rv, "/run/systemd/resolve/resolv.conf", true, !own_search);
	if (!rv.n_servers)
		add_line(&rv, "# %s",
			 "no resolver the zone can reach: give dns= or net.dns in defaults.json");
	cleanup_free char *text = rv.text;
	cleanup_free char *dir = zone_run_dir(ctx, name);
	cleanup_free char *file = zone_run_file(ctx, name, "resolv.conf");
	if ((r = mkdir_p(dir, 0700, err)) < 0)
		return r;
	cleanup_close int fd = open(file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || write_all(fd, text, strlen(text)) < 0)
		return zerr_set(err, errno, "zone %s: write `%s`", name, file);
	*path = file;
	file = NULL;
	return 0;
}
