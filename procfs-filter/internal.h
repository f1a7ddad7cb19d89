/* internal.h - what the files of procfs-filter/ share and nobody else sees. */
#ifndef ZONECTL_PROCFS_INTERNAL_H
#define ZONECTL_PROCFS_INTERNAL_H

#include "procfs.h"

/* Writes every view file whose content changed into a new inode in
 * z->dir and, when mntns_fd >= 0 (the zone's mount namespace), puts it
 * in place of the one mounted in the zone (see server.c). `last` holds
 * the previous contents, one per file, owned by the caller. */
int pfs_publish(const struct pfs_view *v, int host_mntns, int zone_mntns, char **last,
		struct zerr *err);
/* dir/name as a new inode (written to a temporary name, renamed over). */
int pfs_write_new(const char *dir, const char *name, const char *text, size_t len,
		  struct zerr *err);
/* Seeds the load averages from the loadavg file a previous server wrote,
 * so a restart does not reset them to 0. */
void pfs_load_restore(struct pfs_load *l, const char *dir);

/* Leaves the view's sysinfo and CPU count where pfs_notify_answer finds
 * them (z->dir/.answer). */
int pfs_answer_write(const struct pfs_view *v, struct zerr *err);

#endif
