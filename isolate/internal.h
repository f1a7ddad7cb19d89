/* internal.h - what the files of isolate/ share and nobody else sees. */
#ifndef ZONECTL_ISOLATE_INTERNAL_H
#define ZONECTL_ISOLATE_INTERNAL_H

#include "isolate.h"

/* Opens path inside the tree at rootfd; symlinks resolve as if rootfd
 * were "/", so nothing planted in a zone's root can lead outside it. */
int iso_open_in_root(int rootfd, const char *path, int flags, mode_t mode);
/* chdir to path resolved inside our root ("/"), magic links refused, so a
 * /proc/self/fd/N or /proc/PID/cwd cannot lead out (CVE-2024-21626). Call
 * it with no fd of the caller's still open. 0 or -errno. */
int iso_chdir_in_root(const char *path);
/* mkdir -p inside rootfd, component by component, with the same rule. */
int iso_mkdir_in_root(int rootfd, const char *path, mode_t mode);
/* "/proc/self/fd/N": the name under which mount(2) reaches an fd. */
#define ISO_FD_PATH_MAX 32
void iso_fd_path(char buf[ISO_FD_PATH_MAX], int fd);

/* Child side of iso_spawn, in order: before pivot_root (mounts of the
 * spec into rootfs, the default /dev), pivot_root, after it (masked and
 * read-only paths, read-only root). */
/* mount_fds: NULL, or per mount a detached copy of its bind source made
 * by the parent (iso_open_bind_sources), -1 where there is none. */
int iso_mount_all(const struct iso_spec *spec, int rootfd, const int *mount_fds, struct zerr *err);
/* In a user namespace the child may not reach a bind source the host's
 * root keeps to itself (podman's 0700 run directory): the parent opens
 * each as a detached copy (open_tree) for the child to attach. *fds is
 * malloc'd, one per mount; iso_close_bind_sources closes and frees. */
int iso_open_bind_sources(const struct iso_spec *spec, int **fds, struct zerr *err);
void iso_close_bind_sources(const struct iso_spec *spec, int *fds);
/* Moves the detached mount of a zone's disk (iso_disk_open) onto dir. */
int iso_disk_attach(int mount_fd, const char *dir, struct zerr *err);
int iso_make_dev(const struct iso_spec *spec, int rootfd, struct zerr *err);
int iso_make_devices(const struct iso_spec *spec, int rootfd, struct zerr *err);
int iso_pivot(int rootfd, struct zerr *err);
/* For a root pivot_root refuses (ramfs): move it over / and chroot. */
int iso_move_root(int rootfd, struct zerr *err);
int iso_mask_paths(const struct iso_spec *spec, struct zerr *err);

#endif
