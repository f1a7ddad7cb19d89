/*
 * disk.c - a zone's own filesystem: an ext4 image on a loop device,
 * mounted over the zone's directory in the zone's mount namespace.
 *
 * Theory. A zone's writable areas (its /root, /tmp, /var, /home, the upper
 * layer of its /etc or of its whole root) are directories under the state
 * root; without a disk of its own, a zone can fill that filesystem. With
 * zone.disk, they live in zones/NAME/disk.img instead, an ext4 image made
 * at create. At boot the monitor, still outside the zone's cgroups (whose
 * device allow-list has no loop device), attaches the image to a free loop
 * device (LOOP_CONFIGURE with LO_FLAGS_AUTOCLEAR) and makes a detached
 * mount of it (fsopen/fsmount); the zone's first process inherits that fd
 * and, in its own mount namespace, before it builds the root, moves the
 * mount over zones/NAME. Every path the root is built from then resolves
 * into the image, and the size of the image is the zone's cap: a full disk
 * is ENOSPC in the zone and nowhere else.
 *
 * Nothing is mounted in the host's namespace: the mount lives and dies
 * with the zone's mount namespace, and the loop device, which only the
 * mount holds, detaches itself when the mount goes (autoclear). A crash
 * at any point leaves no mount and no attached loop device behind. The
 * zone never sees the image file or the loop device (neither is in its
 * root or its /dev), so it can write its filesystem only through the
 * kernel's ext4, never the bytes beneath it.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/loop.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <unistd.h>

#include "internal.h"

/* Another zone may take the device LOOP_CTL_GET_FREE gave us before we
 * configure it: then ask again. */
#define LOOP_TRIES 16

static int attach(int image, char dev[32], struct zerr *err)
{
	cleanup_close int ctl = open("/dev/loop-control", O_RDWR | O_CLOEXEC);
	if (ctl < 0)
		return zerr_set(err, errno, "open /dev/loop-control (is the loop module loaded?)");
	for (int i = 0; i < LOOP_TRIES; i++) {
		int n = ioctl(ctl, LOOP_CTL_GET_FREE);
		if (n < 0)
			return zerr_set(err, errno, "find a free loop device");
		snprintf(dev, 32, "/dev/loop%d", n);
		int fd = open(dev, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			return zerr_set(err, errno, "open `%s`", dev);
		struct loop_config lc = {
			.fd = (uint32_t)image,
			.info = {.lo_flags = LO_FLAGS_AUTOCLEAR},
		};
		if (ioctl(fd, LOOP_CONFIGURE, &lc) == 0)
			return fd;
		int e = errno;
		close(fd);
		if (e != EBUSY)
			return zerr_set(err, e, "attach the disk image to `%s`", dev);
	}
	return zerr_setx(err, EBUSY, "no free loop device after %d tries", LOOP_TRIES);
}

int iso_disk_open(const char *image, struct zerr *err)
{
	cleanup_close int img = open(image, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
	if (img < 0)
		return zerr_set(err, errno, "open the zone's disk `%s`", image);
	char dev[32];
	cleanup_close int loop = attach(img, dev, err);
	if (loop < 0)
		return loop;
	cleanup_close int fs = fsopen("ext4", FSOPEN_CLOEXEC);
	if (fs < 0)
		return zerr_set(err, errno, "fsopen ext4");
	/* errors=remount-ro: a damaged filesystem stops writes, not the host */
	if (fsconfig(fs, FSCONFIG_SET_STRING, "source", dev, 0) < 0 ||
	    fsconfig(fs, FSCONFIG_SET_STRING, "errors", "remount-ro", 0) < 0 ||
	    fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
		return zerr_set(err, errno,
				"mount the zone's disk `%s` (%s) (e2fsck -f %s checks it)", image,
				dev, image);
	int m = fsmount(fs, FSMOUNT_CLOEXEC, 0);
	if (m < 0)
		return zerr_set(err, errno, "fsmount the zone's disk `%s`", image);
	return m;
}

int iso_disk_attach(int mount_fd, const char *dir, struct zerr *err)
{
	if (move_mount(mount_fd, "", AT_FDCWD, dir, MOVE_MOUNT_F_EMPTY_PATH) < 0)
		return zerr_set(err, errno, "mount the zone's disk on `%s`", dir);
	return 0;
}
