/* nl.c - netlink sockets and requests (libmnl), in the host's network
 * namespace or a zone's.
 *
 * A netlink socket belongs to the network namespace it was created in, so
 * for a zone we step into its namespace just long enough to create one,
 * step back, and talk to the zone's links through that socket. The caller
 * must be single-threaded (setns changes the calling thread only; we
 * restore it before returning). */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nl.h"

static struct nl *nl_new(struct mnl_socket *sock)
{
	if (mnl_socket_bind(sock, 0, MNL_SOCKET_AUTOPID) < 0) {
		mnl_socket_close(sock);
		return NULL;
	}
	struct nl *nl = xmalloc(sizeof(*nl));
	nl->sock = sock;
	nl->seq = 1;
	nl->portid = mnl_socket_get_portid(sock);
	return nl;
}

struct nl *nl_open(struct zerr *err)
{
	struct mnl_socket *sock = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
	struct nl *nl = sock ? nl_new(sock) : NULL;
	if (!nl)
		zerr_set(err, errno, "netlink socket");
	return nl;
}

int nl_in_netns(pid_t pid, int (*fn)(void *arg), void *arg, struct zerr *err)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/ns/net", pid);
	cleanup_close int self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	cleanup_close int target = open(path, O_RDONLY | O_CLOEXEC);
	if (self < 0 || target < 0)
		return zerr_set(err, errno, "open `%s`", path);
	if (setns(target, CLONE_NEWNET) < 0)
		return zerr_set(err, errno, "enter the network namespace of pid %d", pid);
	int r = fn(arg);
	if (setns(self, CLONE_NEWNET) < 0)
		abort(); /* we would go on in the zone's namespace: never */
	return r;
}

static int open_route_socket(void *arg)
{
	*(struct mnl_socket **)arg = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
	return *(struct mnl_socket **)arg ? 0 : -errno;
}

struct nl *nl_open_in(pid_t pid, struct zerr *err)
{
	struct mnl_socket *sock = NULL;
	struct zerr enter = {0};
	int r = nl_in_netns(pid, open_route_socket, &sock, &enter);
	if (r < 0 && enter.code) {
		if (err)
			*err = enter;
		return NULL;
	}
	struct nl *nl = r < 0 ? NULL : nl_new(sock);
	if (!nl)
		zerr_set(err, errno, "netlink socket in the network namespace of pid %d", pid);
	return nl;
}

void nl_close(struct nl *nl)
{
	if (!nl)
		return;
	mnl_socket_close(nl->sock);
	free(nl);
}

struct nlmsghdr *nl_msg(struct nl *nl, uint16_t type, uint16_t flags)
{
	struct nlmsghdr *h = mnl_nlmsg_put_header(nl->buf);
	h->nlmsg_type = type;
	h->nlmsg_flags = NLM_F_REQUEST | flags;
	h->nlmsg_seq = nl->seq++;
	return h;
}

/* Sends h and reads until the kernel's answer to it is complete: the ack
 * (or error) of a request, or NLMSG_DONE of a dump. cb sees each message. */
static int nl_exchange(struct nl *nl, struct nlmsghdr *h, mnl_cb_t cb, void *data)
{
	uint32_t seq = h->nlmsg_seq;
	if (mnl_socket_sendto(nl->sock, h, h->nlmsg_len) < 0)
		return -errno;
	char buf[32768]; /* a dump answers in messages of up to 32 KiB */
	for (;;) {
		ssize_t n = mnl_socket_recvfrom(nl->sock, buf, sizeof(buf));
		if (n < 0)
			return -errno;
		int r = mnl_cb_run(buf, (size_t)n, seq, nl->portid, cb, data);
		if (r < 0)
			return -errno;
		if (r == MNL_CB_STOP)
			return 0;
	}
}

int nl_request(struct nl *nl, struct nlmsghdr *h)
{
	h->nlmsg_flags |= NLM_F_ACK;
	return nl_exchange(nl, h, NULL, NULL);
}

int nl_dump(struct nl *nl, struct nlmsghdr *h, mnl_cb_t cb, void *data)
{
	h->nlmsg_flags |= NLM_F_DUMP;
	return nl_exchange(nl, h, cb, data);
}

int nl_get(struct nl *nl, struct nlmsghdr *h, mnl_cb_t cb, void *data)
{
	h->nlmsg_flags |= NLM_F_ACK; /* the answer, then the ack ends it */
	return nl_exchange(nl, h, cb, data);
}
