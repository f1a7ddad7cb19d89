/* loopback.c - the zone's "lo", brought up from the host side.
 *
 * A netlink socket belongs to the network namespace it was created in, so
 * we step into the zone's namespace just long enough to create one, step
 * back, and talk to the zone's links through it. The caller must be
 * single-threaded (setns changes the calling thread only, and we restore
 * it before returning). */
#include <errno.h>
#include <fcntl.h>
#include <libmnl/libmnl.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "netbind.h"

static struct mnl_socket *socket_in_netns(pid_t pid, struct zerr *err)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/ns/net", pid);
	cleanup_close int self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	cleanup_close int target = open(path, O_RDONLY | O_CLOEXEC);
	if (self < 0 || target < 0) {
		zerr_set(err, errno, "open `%s`", path);
		return NULL;
	}
	if (setns(target, CLONE_NEWNET) < 0) {
		zerr_set(err, errno, "enter the network namespace of pid %d", pid);
		return NULL;
	}
	struct mnl_socket *nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
	int e = errno;
	if (setns(self, CLONE_NEWNET) < 0)
		abort(); /* we would go on in the zone's namespace: never */
	if (!nl)
		zerr_set(err, e, "netlink socket");
	return nl;
}

int net_loopback_up(pid_t pid, struct zerr *err)
{
	struct mnl_socket *nl = socket_in_netns(pid, err);
	if (!nl)
		return -err->code;
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_NEWLINK;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	nlh->nlmsg_seq = (unsigned)time(NULL);
	struct ifinfomsg *ifm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifm));
	ifm->ifi_family = AF_UNSPEC;
	ifm->ifi_index = 1; /* lo is always index 1 in a new namespace */
	ifm->ifi_flags = IFF_UP;
	ifm->ifi_change = IFF_UP;
	int r = 0;
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0 ||
	    mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0) {
		r = zerr_set(err, errno, "netlink: bring up lo");
		goto out;
	}
	ssize_t n = mnl_socket_recvfrom(nl, buf, sizeof(buf));
	if (n < 0 || mnl_cb_run(buf, n, nlh->nlmsg_seq, mnl_socket_get_portid(nl), NULL, NULL) < 0)
		r = zerr_set(err, errno, "netlink: bring up lo");
out:
	mnl_socket_close(nl);
	return r;
}
