/* internal.h - what the files of procfs-filter/ share and nobody else sees. */
#ifndef ZONECTL_PROCFS_INTERNAL_H
#define ZONECTL_PROCFS_INTERNAL_H

#include "procfs.h"

/* The zone's CPUs: its cpuset group's now, else the config's. */
const char *pfs_view_cpuset(const struct pfs_view *v);

/* What a server has put in place for one view file. */
struct pfs_slot {
	char *text;   /* what the zone reads (NULL: unknown, publish again) */
	char *file;   /* the generation in z->dir holding it, if this server wrote it */
	bool known;   /* this server has put the file in place at least once */
	bool stacked; /* STACK: `file` is mounted on top of the bottom file */
	/* Leases (server.c): the file the zone's path reaches, open for
	 * writing; while `leased`, nobody else has it open. */
	int fd;
	bool leased;
	uint64_t relax_at_ns; /* when to take the lease again (0: held, or none wanted) */
	unsigned tries;       /* lease attempts that found the file open */
};
/* True where move_mount has no MOVE_MOUNT_BENEATH (Linux < 6.5): view
 * files are then stacked (publish.c). */
bool pfs_stacking(void);
/* Puts every view file whose text changed in place of the one mounted
 * in the zone's mount namespace (publish.c). slots: one per file, kept
 * by the caller. which (one per file, or NULL): only these files, each a
 * new file in place whether its text changed or not. */
int pfs_publish(const struct pfs_view *v, int host_mntns, int zone_mntns, struct pfs_slot *slots,
		const bool *which, struct zerr *err);
void pfs_slots_free(struct pfs_slot *slots);
/* dir/name as a new inode (written to a temporary name, renamed over). */
int pfs_write_new(const char *dir, const char *name, const char *text, size_t len,
		  struct zerr *err);
/* Seeds the load averages from what a previous server left in dir, so a
 * restart does not reset them to 0. */
void pfs_answer_load(struct pfs_load *l, const char *dir);

/* Leaves the view's sysinfo and CPU count where pfs_notify_answer finds
 * them (z->dir/.answer). */
int pfs_answer_write(const struct pfs_view *v, struct zerr *err);

#endif
