/*
 * disk.c - zone.disk: a zone whose writable areas live in a filesystem of
 * their own, so that the size of that filesystem is the zone's disk cap.
 *
 * At create, the brand's tree (what the brand's install makes: the root's
 * directories, the /etc overlay's layers, a whole zone's upper layer) is
 * built in a seed directory and made into zones/NAME/disk.img, a sparse
 * ext4 image, by mkfs.ext4 -d; only config.json and disk.img stay on the
 * host's filesystem. The zone's first process mounts the image over the
 * zone's directory in its own mount namespace (isolate/disk.c), so every
 * path the root is built from resolves into the image. mkfs with lazy
 * inode tables writes a few megabytes whatever the size (about 25 ms).
 *
 * The size can grow while the zone is halted (truncate, then resize2fs):
 * ext4's online resize (EXT4_IOC_RESIZE_FS) needs CAP_SYS_RESOURCE, which
 * a host may withhold from us (the development machines do). It cannot
 * shrink, and a zone created without a disk cannot be given one
 * later (its files would have to move): both are errors that say so.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "runtime.h"

char *zone_disk_image(const struct zone_ctx *ctx, const char *name)
{
	return zone_file(ctx, name, "disk.img");
}

static int make_image(const char *name, const char *image, const char *seed, uint64_t size,
		      struct zerr *err)
{
	int fd = open(image, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return zerr_set(err, errno, "zone %s: disk: create `%s`", name, image);
	int r = ftruncate(fd, (off_t)size) < 0 ? -errno : 0;
	close(fd);
	if (r < 0)
		return zerr_set(err, -r, "zone %s: disk: size `%s` to %" PRIu64 " bytes", name,
				image, size);
	cleanup_free char *what = xasprintf("zone %s: disk", name);
	/* -m 0: the zone's root is root, no blocks are kept back from it */
	char *argv[] = {
		"mkfs.ext4",   "-q", "-F",
		"-m",          "0",  "-d",
		(char *)seed,  "-E", "lazy_itable_init=1,lazy_journal_init=1,root_owner=0:0",
		(char *)image, NULL};
	return run_tool(what, argv, err);
}

int zone_disk_install(const char *name, const char *dir, const struct zone_config *cfg,
		      struct zerr *err)
{
	cleanup_free char *seed = xasprintf("%s/disk.seed", dir);
	cleanup_free char *image = xasprintf("%s/disk.img", dir);
	if (mkdir(seed, 0755) < 0)
		return zerr_set(err, errno, "zone %s: mkdir `%s`", name, seed);
	int r = brand_of(cfg->brand)->install(name, seed, cfg, err);
	if (r == 0)
		r = make_image(name, image, seed, cfg->disk, err);
	rm_rf(seed, NULL);
	return r;
}

/* zonectl set NAME disk=SIZE on a halted zone that has a disk. */
int zone_disk_grow(const struct zone_ctx *ctx, const char *name, uint64_t from, uint64_t to,
		   struct zerr *err)
{
	if (!from)
		return zerr_setx(err, EINVAL,
				 "zone %s: set disk: the zone has no disk of its own; "
				 "a disk is given at create (zonectl create NAME --set disk=SIZE)",
				 name);
	if (to < from)
		return zerr_setx(err, EINVAL,
				 "zone %s: set disk: a disk cannot shrink (it is %" PRIu64
				 "M; asked for %" PRIu64 "M)",
				 name, from >> 20, to >> 20);
	if (to == from)
		return 0;
	cleanup_free char *image = zone_disk_image(ctx, name);
	if (truncate(image, (off_t)to) < 0)
		return zerr_set(err, errno, "zone %s: set disk: grow `%s`", name, image);
	cleanup_free char *what = xasprintf("zone %s: set disk", name);
	char *fsck[] = {"e2fsck", "-f", "-p", image, NULL};
	char *resize[] = {"resize2fs", image, NULL};
	int r = run_tool(what, fsck, err);
	if (r == 0)
		r = run_tool(what, resize, err);
	/* back to the size of the filesystem in it; were that to fail, a
	 * file larger than its filesystem is harmless: the next grow uses it */
	if (r < 0 && truncate(image, (off_t)from) < 0)
		zerr_prefix(err, "(`%s` stays at %" PRIu64 "M)", image, to >> 20);
	return r;
}

pid_t zone_disk_holder(const struct zone_ctx *ctx, const char *name)
{
	cleanup_config struct zone_config cfg = {0};
	cleanup_status struct zone_status st = {0};
	if (zone_config_read(ctx, name, &cfg, NULL) < 0 || !cfg.disk ||
	    zone_status_read(ctx, name, &st, NULL) < 0 || st.state != ZS_RUNNING)
		return 0;
	return st.init_pid > 0 ? st.init_pid : 0;
}

int zone_disk_usage(pid_t holder, uint64_t *used, uint64_t *size)
{
	/* the root of a sparse zone is a bind from the image, a whole zone's
	 * an overlay whose upper layer is in it: both report the image */
	char proc[64];
	struct statvfs sv;
	snprintf(proc, sizeof(proc), "/proc/%d/root/", (int)holder);
	if (statvfs(proc, &sv) < 0)
		return -errno;
	*size = (uint64_t)sv.f_blocks * sv.f_frsize;
	*used = (uint64_t)(sv.f_blocks - sv.f_bfree) * sv.f_frsize;
	return 0;
}
