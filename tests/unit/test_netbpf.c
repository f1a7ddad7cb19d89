/* test_netbpf.c - netstack-bind's shared-IP programs on this host's kernel.
 *
 * Shared-IP: a scratch cgroup2 directory under our own, the programs
 * attached with 127.0.0.2 (primary), 127.0.0.3 and ::1 — addresses lo
 * already has, so the host is not changed — and a child in that cgroup
 * that tries what a zone would and reports each result over a pipe; the
 * parent, outside the cgroup, plays the servers. A second directory with
 * only 127.0.0.2 checks that IPv6 sockets are refused there, and a third
 * (127.0.0.2, 2001:db8::2, ::3) the IPv6 rules with a primary that is not
 * ::1, from a child in a network namespace of its own. All are removed at
 * the end, and the programs must be gone with them.
 * (The anti-spoofing classifier is tested in test_antispoof.c.) */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <limits.h>
#include <linux/magic.h>
#include <linux/pkt_cls.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "netbind.h"
#include "t.h"

#define CG2 "/sys/fs/cgroup/unified"

/* ---- scratch cgroups ---------------------------------------------------- */

struct cg {
	char path[PATH_MAX];
	int fd;
};

static struct cg cg_main = {.fd = -1}, cg_v4 = {.fd = -1}, cg_v6 = {.fd = -1};
static const char *no_cgroup2; /* why the shared-IP tests skip */

static int cg_make(struct cg *cg, const char *tag)
{
	struct statfs sf;
	if (statfs(CG2, &sf) < 0 || sf.f_type != CGROUP2_SUPER_MAGIC) {
		no_cgroup2 = CG2 " is not cgroup2";
		return -1;
	}
	char *line = NULL, self[PATH_MAX] = "";
	size_t cap = 0;
	FILE *f = fopen("/proc/self/cgroup", "r");
	while (f && getline(&line, &cap, f) > 0)
		if (strncmp(line, "0::", 3) == 0)
			sscanf(line + 3, "%4095s", self);
	if (f)
		fclose(f);
	free(line);
	if (!self[0]) {
		no_cgroup2 = "no 0:: line in /proc/self/cgroup";
		return -1;
	}
	snprintf(cg->path, sizeof(cg->path), CG2 "%s/test-netbpf-%d-%s",
		 strcmp(self, "/") ? self : "", (int)getpid(), tag);
	if (mkdir(cg->path, 0755) < 0 && errno != EEXIST) {
		no_cgroup2 = "cannot make a cgroup2 directory";
		return -1;
	}
	cg->fd = open(cg->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	return cg->fd;
}

static void cg_remove(struct cg *cg)
{
	if (cg->fd >= 0)
		close(cg->fd);
	cg->fd = -1;
	if (cg->path[0])
		rmdir(cg->path);
}

static void cleanup(void)
{
	cg_remove(&cg_main);
	cg_remove(&cg_v4);
	cg_remove(&cg_v6);
}

static void on_signal(int sig)
{
	(void)sig;
	exit(2);
}

static const enum bpf_attach_type shared_types[] = {
	BPF_CGROUP_INET_SOCK_CREATE,  BPF_CGROUP_INET4_BIND,        BPF_CGROUP_INET6_BIND,
	BPF_CGROUP_INET4_POST_BIND,   BPF_CGROUP_INET6_POST_BIND,   BPF_CGROUP_INET4_CONNECT,
	BPF_CGROUP_INET6_CONNECT,     BPF_CGROUP_UDP4_SENDMSG,      BPF_CGROUP_UDP6_SENDMSG,
	BPF_CGROUP_UDP4_RECVMSG,      BPF_CGROUP_UDP6_RECVMSG,      BPF_CGROUP_INET4_GETPEERNAME,
	BPF_CGROUP_INET6_GETPEERNAME, BPF_CGROUP_INET4_GETSOCKNAME, BPF_CGROUP_INET6_GETSOCKNAME,
};
#define N_TYPES (sizeof(shared_types) / sizeof(shared_types[0]))

/* The ids of the programs attached to the directory itself. */
static size_t attached(int fd, uint32_t *ids, size_t max)
{
	size_t n = 0;
	for (size_t k = 0; k < N_TYPES; k++) {
		uint32_t cnt = (uint32_t)(max - n);
		if (bpf_prog_query(fd, shared_types[k], 0, NULL, ids + n, &cnt) == 0)
			n += cnt;
	}
	return n;
}

/* ---- addresses ---------------------------------------------------------- */

static struct net_addr v4(const char *s)
{
	struct net_addr a = {.family = AF_INET, .prefix = 32};
	inet_pton(AF_INET, s, a.a);
	return a;
}

static struct net_addr v6(const char *s)
{
	struct net_addr a = {.family = AF_INET6, .prefix = 128};
	inet_pton(AF_INET6, s, a.a);
	return a;
}

static struct sockaddr_in sin4(const char *ip, int port)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(port)};
	inet_pton(AF_INET, ip, &sa.sin_addr);
	return sa;
}

static struct sockaddr_in6 sin6(const char *ip, int port)
{
	struct sockaddr_in6 sa = {.sin6_family = AF_INET6, .sin6_port = htons(port)};
	inet_pton(AF_INET6, ip, &sa.sin6_addr);
	return sa;
}

/* "127.0.0.2" or "::1", port in *port */
static const char *name_of(int fd, int peer, int *port)
{
	static char buf[INET6_ADDRSTRLEN];
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	int r = peer ? getpeername(fd, (struct sockaddr *)&ss, &len)
		     : getsockname(fd, (struct sockaddr *)&ss, &len);
	if (r < 0)
		return "(error)";
	if (ss.ss_family == AF_INET) {
		struct sockaddr_in *s = (struct sockaddr_in *)&ss;
		inet_ntop(AF_INET, &s->sin_addr, buf, sizeof(buf));
		if (port)
			*port = ntohs(s->sin_port);
	} else {
		struct sockaddr_in6 *s = (struct sockaddr_in6 *)&ss;
		inet_ntop(AF_INET6, &s->sin6_addr, buf, sizeof(buf));
		if (port)
			*port = ntohs(s->sin6_port);
	}
	return buf;
}

static const char *from_of(const struct sockaddr_storage *ss)
{
	static char buf[INET6_ADDRSTRLEN];
	if (ss->ss_family == AF_INET)
		inet_ntop(AF_INET, &((struct sockaddr_in *)ss)->sin_addr, buf, sizeof(buf));
	else
		inet_ntop(AF_INET6, &((struct sockaddr_in6 *)ss)->sin6_addr, buf, sizeof(buf));
	return buf;
}

static int sock(int family, int type)
{
	int fd = socket(family, type | SOCK_CLOEXEC, 0);
	struct timeval tv = {.tv_sec = 2};
	if (fd >= 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	return fd;
}

/* ---- the child in the zone's cgroup ----------------------------------- */

static int report_fd;
static int tcp_port, udp_port; /* the parent's servers */

static void report(const char *name, int ok, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void report(const char *name, int ok, const char *fmt, ...)
{
	char buf[512];
	int n = snprintf(buf, sizeof(buf), "%s %d ", name, ok);
	va_list ap;
	va_start(ap, fmt);
	n += vsnprintf(buf + n, sizeof(buf) - (size_t)n, fmt, ap);
	va_end(ap);
	dprintf(report_fd, "%s\n", buf);
}

static int bind4(int fd, const char *ip, int port)
{
	struct sockaddr_in sa = sin4(ip, port);
	return bind(fd, (struct sockaddr *)&sa, sizeof(sa));
}

static int bind6(int fd, const char *ip, int port)
{
	struct sockaddr_in6 sa = sin6(ip, port);
	return bind(fd, (struct sockaddr *)&sa, sizeof(sa));
}

static void child_bind(void)
{
	int fd = sock(AF_INET, SOCK_STREAM);
	int r = bind4(fd, "0.0.0.0", 0);
	const char *got = name_of(fd, 0, NULL);
	report("bind_any", r == 0 && !strcmp(got, "127.0.0.2"), "bind 0.0.0.0: %d, bound to %s", r,
	       got);
	close(fd);

	fd = sock(AF_INET, SOCK_STREAM);
	r = bind4(fd, "127.0.0.3", 0);
	got = name_of(fd, 0, NULL);
	report("bind_listed", r == 0 && !strcmp(got, "127.0.0.3"),
	       "bind 127.0.0.3: %d, bound to %s", r, got);
	close(fd);

	fd = sock(AF_INET, SOCK_STREAM);
	r = bind4(fd, "127.0.0.5", 0);
	int e = errno;
	report("bind_foreign", r < 0 && e == EADDRNOTAVAIL, "bind 127.0.0.5: %d, %s", r,
	       strerror(e));
	close(fd);

	/* bound to 127.0.0.1: it shows 127.0.0.1 and receives on 127.0.0.2 */
	fd = sock(AF_INET, SOCK_DGRAM);
	int port = 0;
	r = bind4(fd, "127.0.0.1", 0);
	got = name_of(fd, 0, &port);
	int tx = sock(AF_INET, SOCK_DGRAM);
	struct sockaddr_in to = sin4("127.0.0.2", port);
	sendto(tx, "x", 1, 0, (struct sockaddr *)&to, sizeof(to));
	char c = 0;
	ssize_t n = recv(fd, &c, 1, 0);
	report("bind_loopback", r == 0 && !strcmp(got, "127.0.0.1") && n == 1,
	       "bind 127.0.0.1: %d, shows %s, datagram to 127.0.0.2: %zd", r, got, n);
	close(fd);
	close(tx);

	/* a server on 127.0.0.1: what it accepts shows 127.0.0.1 as well */
	int srv = sock(AF_INET, SOCK_STREAM), cli = sock(AF_INET, SOCK_STREAM);
	r = bind4(srv, "127.0.0.1", 0);
	name_of(srv, 0, &port);
	listen(srv, 1);
	struct sockaddr_in at = sin4("127.0.0.1", port);
	int rc = connect(cli, (struct sockaddr *)&at, sizeof(at));
	int acc = accept4(srv, NULL, NULL, SOCK_CLOEXEC);
	got = acc >= 0 ? name_of(acc, 0, NULL) : "-";
	report("accept_loopback", r == 0 && rc == 0 && !strcmp(got, "127.0.0.1"),
	       "bind %d, connect %d, accepted socket shows %s", r, rc, got);
	if (acc >= 0)
		close(acc);
	close(srv);
	close(cli);
}

static void child_connect(void)
{
	int fd = sock(AF_INET, SOCK_STREAM);
	struct sockaddr_in to = sin4("127.0.0.1", tcp_port);
	int r = connect(fd, (struct sockaddr *)&to, sizeof(to));
	char peer[64], self[64];
	snprintf(peer, sizeof(peer), "%s", name_of(fd, 1, NULL));
	snprintf(self, sizeof(self), "%s", name_of(fd, 0, NULL));
	report("connect_loopback",
	       r == 0 && !strcmp(peer, "127.0.0.1") && !strcmp(self, "127.0.0.1"),
	       "connect 127.0.0.1: %d, peer shows %s, self shows %s", r, peer, self);
	close(fd);

	/* a v6 socket, IPv4-mapped */
	fd = sock(AF_INET6, SOCK_STREAM);
	struct sockaddr_in6 to6 = sin6("::ffff:127.0.0.1", tcp_port);
	r = connect(fd, (struct sockaddr *)&to6, sizeof(to6));
	snprintf(peer, sizeof(peer), "%s", name_of(fd, 1, NULL));
	report("connect_mapped_loopback", r == 0 && !strcmp(peer, "::ffff:127.0.0.1"),
	       "connect ::ffff:127.0.0.1: %d (%s), peer shows %s", r, strerror(errno), peer);
	close(fd);
}

static void child_udp(void)
{
	int fd = sock(AF_INET, SOCK_DGRAM);
	struct sockaddr_in to = sin4("127.0.0.2", udp_port);
	ssize_t n = sendto(fd, "u", 1, 0, (struct sockaddr *)&to, sizeof(to));
	report("udp_sent", n == 1, "sendto 127.0.0.2: %zd", n);
	close(fd);

	/* a reply from the primary to a datagram sent to 127.0.0.1 */
	int srv = sock(AF_INET, SOCK_DGRAM), cli = sock(AF_INET, SOCK_DGRAM);
	int port = 0;
	bind4(srv, "127.0.0.2", 0);
	name_of(srv, 0, &port);
	to = sin4("127.0.0.1", port);
	sendto(cli, "q", 1, 0, (struct sockaddr *)&to, sizeof(to));
	struct sockaddr_storage from;
	socklen_t len = sizeof(from);
	char c;
	n = recvfrom(srv, &c, 1, 0, (struct sockaddr *)&from, &len);
	char seen[64] = "";
	if (n == 1) {
		snprintf(seen, sizeof(seen), "%s", from_of(&from));
		sendto(srv, "a", 1, 0, (struct sockaddr *)&from, len);
		len = sizeof(from);
		n = recvfrom(cli, &c, 1, 0, (struct sockaddr *)&from, &len);
	}
	report("udp_loopback_reply",
	       n == 1 && !strcmp(seen, "127.0.0.2") && !strcmp(from_of(&from), "127.0.0.1"),
	       "server saw %s, client saw the reply from %s (%zd)", seen,
	       n == 1 ? from_of(&from) : "-", n);
	close(srv);
	close(cli);
}

static void child_refused(void)
{
	/* sendto() binds an unbound socket to the wildcard address */
	int u = sock(AF_INET, SOCK_DGRAM);
	struct sockaddr_in to = sin4("127.0.0.2", udp_port);
	sendto(u, "w", 1, 0, (struct sockaddr *)&to, sizeof(to));
	int r = connect(u, (struct sockaddr *)&to, sizeof(to));
	int e0 = errno;
	report("autobound_connect_refused", r < 0 && e0 == EADDRNOTAVAIL,
	       "connect after sendto: %d, %s", r, strerror(e0));
	close(u);

	int fd = socket(AF_INET, SOCK_RAW, IPPROTO_ICMP);
	int e = errno;
	report("raw_refused", fd < 0 && e == EPERM, "raw socket: %d, %s", fd, strerror(e));
	if (fd >= 0)
		close(fd);
	fd = socket(AF_INET, SOCK_STREAM, IPPROTO_MPTCP);
	e = errno;
	report("mptcp_refused", fd < 0 && e == EPROTONOSUPPORT, "MPTCP socket: %d, %s", fd,
	       strerror(e));
	if (fd >= 0)
		close(fd);
}

static void child_v6(void)
{
	int fd = sock(AF_INET6, SOCK_STREAM);
	int r = bind6(fd, "::", 0);
	const char *got = name_of(fd, 0, NULL);
	report("bind6_any", r == 0 && !strcmp(got, "::1"), "bind [::]: %d, bound to %s", r, got);
	close(fd);

	fd = sock(AF_INET6, SOCK_STREAM);
	r = bind6(fd, "2001:db8::1", 0);
	int e = errno;
	report("bind6_foreign", r < 0 && e == EADDRNOTAVAIL, "bind [2001:db8::1]: %d, %s", r,
	       strerror(e));
	close(fd);

	fd = sock(AF_INET6, SOCK_STREAM);
	r = bind6(fd, "::ffff:0.0.0.0", 0);
	got = name_of(fd, 0, NULL);
	report("bind6_mapped_any", r == 0 && !strcmp(got, "::ffff:127.0.0.2"),
	       "bind [::ffff:0.0.0.0]: %d, bound to %s", r, got);
	close(fd);

	fd = sock(AF_INET6, SOCK_STREAM);
	r = bind6(fd, "::ffff:127.0.0.5", 0);
	e = errno;
	report("bind6_mapped_foreign", r < 0 && e == EADDRNOTAVAIL,
	       "bind [::ffff:127.0.0.5]: %d, %s", r, strerror(e));
	close(fd);
}

static void child_v4_only(void)
{
	int fd = socket(AF_INET6, SOCK_STREAM, 0);
	int e = errno;
	report("inet6_refused", fd < 0 && e == EAFNOSUPPORT, "AF_INET6 socket: %d, %s", fd,
	       strerror(e));
	if (fd >= 0)
		close(fd);
	fd = sock(AF_INET, SOCK_STREAM);
	int r = bind4(fd, "0.0.0.0", 0);
	const char *got = name_of(fd, 0, NULL);
	report("v4_only_bind_any", r == 0 && !strcmp(got, "127.0.0.2"), "bind 0.0.0.0: %d, %s", r,
	       got);
	close(fd);
}

/* Inside a network namespace of its own (the hooks follow the cgroup,
 * not the namespace): lo up with 2001:db8::2 and ::3, so IPv6 has a
 * primary that is not ::1. ioctl, not netlink: two calls are enough. */
struct in6_ifreq_ {
	struct in6_addr addr;
	uint32_t prefixlen;
	int ifindex;
};

static int netns_with_v6(void)
{
	if (unshare(CLONE_NEWNET) < 0)
		return -errno;
	int fd = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	struct ifreq ifr = {.ifr_name = "lo"};
	int r = ioctl(fd, SIOCGIFFLAGS, &ifr);
	ifr.ifr_flags |= IFF_UP;
	if (r == 0)
		r = ioctl(fd, SIOCSIFFLAGS, &ifr);
	if (r == 0)
		r = ioctl(fd, SIOCGIFINDEX, &ifr);
	const char *addrs[] = {"2001:db8::2", "2001:db8::3"};
	for (int k = 0; k < 2 && r == 0; k++) {
		struct in6_ifreq_ req = {.prefixlen = 128, .ifindex = ifr.ifr_ifindex};
		inet_pton(AF_INET6, addrs[k], &req.addr);
		r = ioctl(fd, SIOCSIFADDR, &req);
	}
	r = r < 0 ? -errno : 0;
	close(fd);
	/* a new address is tentative until the kernel's DAD work has run,
	 * even on lo (no DAD there, but still deferred): wait for it */
	for (int tries = 0; r == 0 && tries < 200; tries++) {
		int probe = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		struct sockaddr_in6 sa = {.sin6_family = AF_INET6};
		inet_pton(AF_INET6, addrs[1], &sa.sin6_addr);
		int ok = probe >= 0 && bind(probe, (struct sockaddr *)&sa, sizeof(sa)) == 0;
		if (probe >= 0)
			close(probe);
		if (ok)
			break;
		usleep(5000);
	}
	return r;
}

static void child_v6_netns(void)
{
	int r = netns_with_v6();
	if (r < 0) {
		report("v6_netns", 0, "netns with IPv6 on lo: %s", strerror(-r));
		return;
	}
	report("v6_netns", 1, "ok");

	/* ping_group_range is the namespace's own: let everyone ping, so the
	 * refusal seen is ours */
	int pg = open("/proc/sys/net/ipv4/ping_group_range", O_WRONLY | O_CLOEXEC);
	int okw = pg >= 0 && write(pg, "0 2147483647", 12) == 12;
	if (pg >= 0)
		close(pg);
	int p4 = socket(AF_INET, SOCK_DGRAM, IPPROTO_ICMP);
	int e4 = errno;
	int p6 = socket(AF_INET6, SOCK_DGRAM, IPPROTO_ICMPV6);
	int e6 = errno;
	report("ns_ping_refused",
	       okw && p4 < 0 && e4 == EPROTONOSUPPORT && p6 < 0 && e6 == EPROTONOSUPPORT,
	       "ping_group_range set: %d, ICMP socket: %s, ICMPv6 socket: %s", okw,
	       p4 < 0 ? strerror(e4) : "opened", p6 < 0 ? strerror(e6) : "opened");

	int fd = sock(AF_INET6, SOCK_STREAM);
	r = bind6(fd, "::", 0);
	const char *got = name_of(fd, 0, NULL);
	report("v6ns_bind_any", r == 0 && !strcmp(got, "2001:db8::2"), "bind [::]: %d, bound to %s",
	       r, got);
	close(fd);

	fd = sock(AF_INET6, SOCK_STREAM);
	r = bind6(fd, "2001:db8::3", 0);
	got = name_of(fd, 0, NULL);
	report("v6ns_bind_listed", r == 0 && !strcmp(got, "2001:db8::3"),
	       "bind [2001:db8::3]: %d, %s", r, got);
	close(fd);

	/* bound to ::1: shows ::1, receives on the primary */
	int port = 0;
	fd = sock(AF_INET6, SOCK_DGRAM);
	r = bind6(fd, "::1", 0);
	got = name_of(fd, 0, &port);
	int tx = sock(AF_INET6, SOCK_DGRAM);
	struct sockaddr_in6 to = sin6("2001:db8::2", port);
	sendto(tx, "x", 1, 0, (struct sockaddr *)&to, sizeof(to));
	char c;
	ssize_t n = recv(fd, &c, 1, 0);
	report("v6ns_bind_loopback", r == 0 && !strcmp(got, "::1") && n == 1,
	       "bind [::1]: %d, shows %s, datagram to the primary: %zd", r, got, n);
	close(fd);
	close(tx);

	/* TCP to [::1] reaches the primary, from the primary */
	int srv = sock(AF_INET6, SOCK_STREAM), cli = sock(AF_INET6, SOCK_STREAM);
	bind6(srv, "2001:db8::2", 0);
	name_of(srv, 0, &port);
	listen(srv, 1);
	to = sin6("::1", port);
	r = connect(cli, (struct sockaddr *)&to, sizeof(to));
	int acc = accept4(srv, NULL, NULL, SOCK_CLOEXEC);
	char peer[64] = "-", self[64], from[64];
	if (acc >= 0)
		snprintf(peer, sizeof(peer), "%s", name_of(acc, 1, NULL));
	snprintf(self, sizeof(self), "%s", name_of(cli, 0, NULL));
	snprintf(from, sizeof(from), "%s", name_of(cli, 1, NULL));
	report("v6ns_connect_loopback",
	       r == 0 && !strcmp(peer, "2001:db8::2") && !strcmp(self, "::1") &&
		       !strcmp(from, "::1"),
	       "connect [::1]: %d, server sees %s, client shows self %s peer %s", r, peer, self,
	       from);
	if (acc >= 0)
		close(acc);
	close(srv);
	close(cli);

	/* unconnected UDP to [::1]: leaves from the primary, reply from ::1 */
	srv = sock(AF_INET6, SOCK_DGRAM);
	cli = sock(AF_INET6, SOCK_DGRAM);
	bind6(srv, "2001:db8::2", 0);
	name_of(srv, 0, &port);
	to = sin6("::1", port);
	sendto(cli, "q", 1, 0, (struct sockaddr *)&to, sizeof(to));
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	char seen[64] = "-";
	n = recvfrom(srv, &c, 1, 0, (struct sockaddr *)&ss, &len);
	if (n == 1) {
		snprintf(seen, sizeof(seen), "%s", from_of(&ss));
		sendto(srv, "a", 1, 0, (struct sockaddr *)&ss, len);
		len = sizeof(ss);
		n = recvfrom(cli, &c, 1, 0, (struct sockaddr *)&ss, &len);
	}
	report("v6ns_udp_loopback",
	       n == 1 && !strcmp(seen, "2001:db8::2") && !strcmp(from_of(&ss), "::1"),
	       "server saw %s, reply shown from %s (%zd)", seen, n == 1 ? from_of(&ss) : "-", n);
	close(srv);
	close(cli);
}

/* Forks a child into cg that runs fn; collects its report lines. */
static int in_zone(const struct cg *cg, void (*fn)(void), char *out, size_t len)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return -1;
	pid_t pid = fork();
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		close(p[0]);
		report_fd = p[1];
		char procs[PATH_MAX + 16];
		snprintf(procs, sizeof(procs), "%s/cgroup.procs", cg->path);
		FILE *f = fopen(procs, "w");
		if (!f || fprintf(f, "%d\n", (int)getpid()) < 0 || fclose(f) != 0) {
			report("join_cgroup", 0, "%s: %s", procs, strerror(errno));
			_exit(1);
		}
		fn();
		_exit(0);
	}
	close(p[1]);
	size_t n = 0;
	ssize_t r;
	while (n + 1 < len && (r = read(p[0], out + n, len - n - 1)) > 0)
		n += (size_t)r;
	out[n] = '\0';
	close(p[0]);
	waitpid(pid, NULL, 0);
	return 0;
}

/* ---- shared-IP tests ---------------------------------------------------- */

static char results[16384];
static int listen_lo = -1, listen_primary = -1, udp_srv = -1;
static uint32_t prog_ids[64];
static size_t n_progs;

/* "name 1 detail" -> CHECK it */
#define CHECK_RESULT(name)                                                \
	do {                                                              \
		const char *at = strstr(results, name " ");               \
		CHECK_MSG(at, "%s: no result", name);                     \
		const char *eol = strchr(at, '\n');                       \
		int len_ = eol ? (int)(eol - at) : (int)strlen(at);       \
		CHECK_MSG(at[strlen(name) + 1] == '1', "%.*s", len_, at); \
	} while (0)

static int tcp_listener(const char *ip, int port)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	int one = 1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind4(fd, ip, port) < 0 || listen(fd, 8) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static void test_shared_attach_and_run_zone(void)
{
	if (cg_make(&cg_main, "main") < 0 || cg_make(&cg_v4, "v4") < 0 || cg_make(&cg_v6, "v6") < 0)
		SKIP(no_cgroup2 ? no_cgroup2 : "cannot open the scratch cgroup");
	struct zerr err = {0};
	struct net_addr a[] = {v4("127.0.0.2"), v4("127.0.0.3"), v6("::1")};
	int r = net_shared_attach(cg_main.fd, a, 3, &err);
	CHECK_MSG(r == 0, "%s", err.msg);
	r = net_shared_attach(cg_v4.fd, a, 1, &err);
	CHECK_MSG(r == 0, "%s", err.msg);
	n_progs = attached(cg_main.fd, prog_ids, 64);
	CHECK_MSG(n_progs == N_TYPES, "%zu programs attached, %zu hooks", n_progs, N_TYPES);
	struct net_addr b[] = {v4("127.0.0.2"), v6("2001:db8::2"), v6("2001:db8::3")};
	r = net_shared_attach(cg_v6.fd, b, 3, &err);
	CHECK_MSG(r == 0, "%s", err.msg);
	n_progs += attached(cg_v4.fd, prog_ids + n_progs, 64 - n_progs);
	n_progs += attached(cg_v6.fd, prog_ids + n_progs, 64 - n_progs);

	listen_primary = tcp_listener("127.0.0.2", 0);
	CHECK(listen_primary >= 0);
	name_of(listen_primary, 0, &tcp_port);
	listen_lo = tcp_listener("127.0.0.1", tcp_port);
	CHECK_MSG(listen_lo >= 0, "listen on 127.0.0.1:%d: %s", tcp_port, strerror(errno));
	udp_srv = sock(AF_INET, SOCK_DGRAM);
	CHECK(bind4(udp_srv, "127.0.0.2", 0) == 0);
	name_of(udp_srv, 0, &udp_port);

	size_t n = 0;
	void (*steps[])(void) = {child_bind, child_connect, child_udp, child_refused, child_v6};
	for (size_t k = 0; k < sizeof(steps) / sizeof(steps[0]); k++) {
		in_zone(&cg_main, steps[k], results + n, sizeof(results) - n);
		n = strlen(results);
	}
	in_zone(&cg_v4, child_v4_only, results + n, sizeof(results) - n);
	n = strlen(results);
	in_zone(&cg_v6, child_v6_netns, results + n, sizeof(results) - n);
	CHECK_MSG(!strstr(results, "join_cgroup"), "%s", results);
}

static void test_bind_any_lands_on_primary(void)
{
	CHECK_RESULT("bind_any");
}
static void test_bind_listed_address(void)
{
	CHECK_RESULT("bind_listed");
}
static void test_bind_foreign_eaddrnotavail(void)
{
	CHECK_RESULT("bind_foreign");
}
static void test_bind_loopback_lands_on_primary(void)
{
	CHECK_RESULT("bind_loopback");
	CHECK_RESULT("accept_loopback");
}

static void test_connect_on_wildcard_autobound_refused(void)
{
	CHECK_RESULT("autobound_connect_refused");
}

static void test_connect_loopback_reaches_primary(void)
{
	CHECK_RESULT("connect_loopback");
	CHECK_RESULT("connect_mapped_loopback");
	struct sockaddr_storage from;
	socklen_t len = sizeof(from);
	int c = accept4(listen_lo, NULL, NULL, SOCK_CLOEXEC);
	CHECK_MSG(c < 0, "a connection reached the 127.0.0.1 listener");
	for (int k = 0; k < 2; k++) {
		len = sizeof(from);
		c = accept4(listen_primary, (struct sockaddr *)&from, &len, SOCK_CLOEXEC);
		CHECK_MSG(c >= 0, "connection %d did not reach 127.0.0.2", k + 1);
		close(c);
		CHECK_MSG(!strcmp(from_of(&from), "127.0.0.2"), "connection %d came from %s", k + 1,
			  from_of(&from));
	}
}

static void test_udp_leaves_from_primary(void)
{
	CHECK_RESULT("udp_sent");
	struct sockaddr_storage from;
	socklen_t len = sizeof(from);
	char c;
	for (int k = 0; k < 2; k++) { /* from child_udp and child_refused */
		len = sizeof(from);
		ssize_t n = recvfrom(udp_srv, &c, 1, MSG_DONTWAIT, (struct sockaddr *)&from, &len);
		CHECK_MSG(n == 1, "datagram %d: %s", k + 1, strerror(errno));
		CHECK_MSG(!strcmp(from_of(&from), "127.0.0.2"), "datagram %d from %s", k + 1,
			  from_of(&from));
	}
}

static void test_udp_reply_shows_loopback(void)
{
	CHECK_RESULT("udp_loopback_reply");
}
static void test_raw_socket_refused(void)
{
	CHECK_RESULT("raw_refused");
}
/* Only meaningful where the host itself lets us open one. */
static int host_allows(int type, int proto)
{
	int fd = socket(AF_INET, type | SOCK_CLOEXEC, proto);
	if (fd >= 0)
		close(fd);
	return fd >= 0;
}

/* In the child's own network namespace, whose ping_group_range lets
 * everyone open ICMP sockets: the refusal is ours. */
static void test_ping_socket_refused(void)
{
	CHECK_RESULT("ns_ping_refused");
}

static void test_mptcp_socket_refused(void)
{
	if (!host_allows(SOCK_STREAM, IPPROTO_MPTCP))
		SKIP("the host has no MPTCP");
	CHECK_RESULT("mptcp_refused");
}

static void test_ipv6_rules(void)
{
	CHECK_RESULT("bind6_any");
	CHECK_RESULT("bind6_foreign");
	CHECK_RESULT("bind6_mapped_any");
	CHECK_RESULT("bind6_mapped_foreign");
}

static void test_ipv6_primary_in_own_netns(void)
{
	CHECK_RESULT("v6_netns");
	CHECK_RESULT("v6ns_bind_any");
	CHECK_RESULT("v6ns_bind_listed");
	CHECK_RESULT("v6ns_bind_loopback");
	CHECK_RESULT("v6ns_connect_loopback");
	CHECK_RESULT("v6ns_udp_loopback");
}

static void test_ipv6_refused_without_v6_address(void)
{
	CHECK_RESULT("inet6_refused");
	CHECK_RESULT("v4_only_bind_any");
}

static int prog_alive(uint32_t id)
{
	int fd = bpf_prog_get_fd_by_id(id);
	if (fd >= 0)
		close(fd);
	return fd >= 0;
}

static void test_rmdir_leaves_no_program(void)
{
	CHECK(n_progs > 0);
	cleanup();
	/* the cgroup lets go of its programs from a workqueue */
	size_t alive = n_progs;
	for (int t = 0; t < 100 && alive; t++) {
		alive = 0;
		for (size_t k = 0; k < n_progs; k++)
			alive += (size_t)prog_alive(prog_ids[k]);
		if (alive)
			usleep(20000);
	}
	CHECK_MSG(alive == 0, "%zu of %zu programs still loaded", alive, n_progs);
}

static void test_shared_attach_not_a_cgroup_fails(void)
{
	int fd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct zerr err = {0};
	struct net_addr a = v4("127.0.0.2");
	int r = net_shared_attach(fd, &a, 1, &err);
	close(fd);
	CHECK_MSG(r < 0 && strstr(err.msg, "shared-IP: attach BPF program"), "%d %s", r, err.msg);
}

int main(void)
{
	if (geteuid() != 0) {
		printf("skip test_netbpf: cgroup-BPF needs root\n");
		return 0;
	}
	atexit(cleanup);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	RUN(test_shared_attach_and_run_zone);
	RUN(test_bind_any_lands_on_primary);
	RUN(test_bind_listed_address);
	RUN(test_bind_foreign_eaddrnotavail);
	RUN(test_bind_loopback_lands_on_primary);
	RUN(test_connect_loopback_reaches_primary);
	RUN(test_connect_on_wildcard_autobound_refused);
	RUN(test_udp_leaves_from_primary);
	RUN(test_udp_reply_shows_loopback);
	RUN(test_raw_socket_refused);
	RUN(test_ping_socket_refused);
	RUN(test_mptcp_socket_refused);
	RUN(test_ipv6_rules);
	RUN(test_ipv6_primary_in_own_netns);
	RUN(test_ipv6_refused_without_v6_address);
	RUN(test_rmdir_leaves_no_program);
	RUN(test_shared_attach_not_a_cgroup_fails);
	T_EXIT();
}
