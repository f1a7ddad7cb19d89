/*
 * guest.c - a kvm zone's guest on the zone's NICs.
 *
 * The zone's link (eth0, a veth whose host end carries the anti-spoofing
 * classifier) stays where net_setup made it. Inside the zone's network
 * namespace it becomes a port of a bridge gbr0, with qemu's tap gtap0 as
 * the other port, and hands its identity over: the guest's NIC gets the
 * MAC the host side expects (qemu's -device ...,mac=), the zone's link
 * another one (the bridge's own MAC is a local destination, and must not
 * be the guest's), and the zone's addresses move to the guest (on its
 * kernel command line; runtime/brand/kvm.c). So the guest's frames leave the
 * zone with exactly the source the classifier admits, and show in
 * `zonectl net` as the zone's. Nothing here outlives the namespace: the
 * tap, the bridge and the link go with it.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "netbind.h"
#include "nl.h"

void net_guest_tap_name(size_t i, char out[NET_IFNAME_MAX + 1])
{
	snprintf(out, NET_IFNAME_MAX + 1, "gtap%u", (unsigned)(i % NET_NICS_MAX));
}

static int guest_fail(struct zerr *err, int r, const char *zone, const char *what, const char *obj)
{
	return zerr_set(err, -r, "zone %s: kvm net: %s `%s`", zone, what, obj);
}

/* In the zone's namespace: a persistent tap that uid 0 may attach to. */
static int make_tap(void *arg)
{
	const char *name = arg;
	cleanup_close int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
	struct ifreq ifr = {.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR};
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	if (fd < 0 || ioctl(fd, TUNSETIFF, &ifr) < 0 || ioctl(fd, TUNSETOWNER, 0UL) < 0 ||
	    ioctl(fd, TUNSETPERSIST, 1UL) < 0)
		return -errno;
	return 0;
}

/* The zone's side sends nothing of its own: no IPv6 link-local address,
 * router solicitations or DAD with a MAC the classifier would drop. */
static int no_ipv6(void *arg)
{
	char path[96];
	snprintf(path, sizeof(path), "/proc/sys/net/ipv6/conf/%s/disable_ipv6", (const char *)arg);
	cleanup_close int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : -errno; /* no IPv6 at all */
	return write(fd, "1", 1) == 1 ? 0 : -errno;
}

static int in_zone(const struct net_zone *z, pid_t pid, int (*fn)(void *), const char *name,
		   const char *what, struct zerr *err)
{
	int r = nl_in_netns(pid, fn, (void *)name, err);
	if (r < 0 && !err->code)
		return guest_fail(err, r, z->zone, what, name);
	return r < 0 ? zerr_prefix(err, "zone %s: kvm net", z->zone) : 0;
}

/* The zone's link gives up its addresses and MAC. */
static int hand_over(struct nl *zn, const struct net_zone *z, size_t i, int link, const char *name,
		     struct zerr *err)
{
	const struct net_nic *nic = &z->nics[i];
	for (size_t a = 0; a < nic->n_addrs; a++) {
		int r = nl_addr_del(zn, link, &nic->addrs[a]);
		if (r < 0 && r != -EADDRNOTAVAIL)
			return guest_fail(err, r, z->zone, "remove the zone's address from", name);
	}
	unsigned char mac[6];
	net_nic_mac(z, i, mac);
	mac[0] ^= 0x04; /* still locally administered and unicast, not the guest's */
	int r = nl_link_set(zn, link, NULL, 0, false);
	if (r == 0)
		r = nl_link_set(zn, link, mac, 0, false);
	return r < 0 ? guest_fail(err, r, z->zone, "change the MAC of", name) : 0;
}

static int guest_nic(struct nl *zn, const struct net_zone *z, size_t i, pid_t pid, struct zerr *err)
{
	char link_name[NET_IFNAME_MAX + 1], tap[NET_IFNAME_MAX + 1], br_name[NET_IFNAME_MAX + 1];
	net_zone_link_name(z, i, link_name);
	net_guest_tap_name(i, tap);
	snprintf(br_name, sizeof(br_name), "gbr%u", (unsigned)(i % NET_NICS_MAX));
	int link = nl_link_index(zn, link_name);
	if (link < 0)
		return guest_fail(err, link, z->zone, "find the zone's link", link_name);
	int r = in_zone(z, pid, no_ipv6, link_name, "disable IPv6 on", err);
	if (r == 0)
		r = hand_over(zn, z, i, link, link_name, err);
	if (r == 0)
		r = in_zone(z, pid, make_tap, tap, "create the tap", err);
	if (r < 0)
		return r;
	if ((r = nl_bridge_add(zn, br_name)) < 0)
		return guest_fail(err, r, z->zone, "create the bridge", br_name);
	if ((r = in_zone(z, pid, no_ipv6, br_name, "disable IPv6 on", err)) < 0)
		return r;
	int br = nl_link_index(zn, br_name), tapi = nl_link_index(zn, tap);
	if (br < 0 || tapi < 0)
		return guest_fail(err, br < 0 ? br : tapi, z->zone, "find", br < 0 ? br_name : tap);
	if ((r = nl_link_set(zn, link, NULL, br, true)) < 0 ||
	    (r = nl_link_set(zn, tapi, NULL, br, true)) < 0 ||
	    (r = nl_link_set(zn, br, NULL, 0, true)) < 0)
		return guest_fail(err, r, z->zone, "bridge the guest on", br_name);
	return 0;
}

int net_guest_setup(const struct net_zone *z, pid_t pid, struct zerr *err)
{
	if (!z->n)
		return 0;
	for (size_t i = 0; i < z->n; i++)
		if (z->nics[i].type != NET_BRIDGE)
			return zerr_setx(err, ENOTSUP,
					 "zone %s: kvm net: net[%zu]: only type=bridge NICs "
					 "can be a guest's",
					 z->zone, i);
	cleanup_nl struct nl *zn = nl_open_in(pid, err);
	if (!zn)
		return zerr_prefix(err, "zone %s: kvm net", z->zone);
	for (size_t i = 0; i < z->n; i++) {
		int r = guest_nic(zn, z, i, pid, err);
		if (r < 0)
			return r;
	}
	return 0;
}
