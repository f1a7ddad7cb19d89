/* netbind.h - a zone's network, over netlink (libmnl). Works from the host
 * side: the caller names a process whose network namespace is meant. */
#ifndef ZONECTL_NETBIND_H
#define ZONECTL_NETBIND_H

#include <sys/types.h>

#include "zutil.h"

/* Brings up "lo" in the network namespace of pid. */
int net_loopback_up(pid_t pid, struct zerr *err);

#endif
