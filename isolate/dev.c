/* dev.c - the zone's minimal /dev: null zero full random urandom tty, the
 * zone's own devpts (ptmx), shm, and the console. Nodes are made with
 * mknod in the zone's /dev tmpfs (we are real root in the host's user
 * namespace here); the devices cgroup is what keeps the zone from using
 * any other node, and the zone lacks CAP_MKNOD to make one. In a user
 * namespace of its own no one may mknod: the host's node of the same
 * path is bound on an empty file instead (what runc and crun do). */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "internal.h"

static const struct {
	const char *name;
	unsigned major, minor;
} devices[] = {
	{"null", 1, 3},   {"zero", 1, 5},    {"full", 1, 7},
	{"random", 1, 8}, {"urandom", 1, 9}, {"tty", 5, 0},
};

static const struct {
	const char *name, *target;
} links[] = {
	{"ptmx", "pts/ptmx"},          {"fd", "/proc/self/fd"},       {"stdin", "/proc/self/fd/0"},
	{"stdout", "/proc/self/fd/1"}, {"stderr", "/proc/self/fd/2"},
};

/* The host's node at host_path, bound on name in dirfd (the host's /dev
 * is still ours to see: the root is not pivoted yet). */
static int bind_node(int dirfd, const char *name, const char *host_path)
{
	cleanup_close int fd = openat(dirfd, name, O_CREAT | O_RDONLY | O_NOFOLLOW | O_CLOEXEC,
				      0600);
	if (fd < 0)
		return -errno;
	char dst[ISO_FD_PATH_MAX];
	iso_fd_path(dst, fd);
	return mount(host_path, dst, NULL, MS_BIND, NULL) < 0 ? -errno : 0;
}

/* mknod, or in a user namespace the host's node bound. */
static int make_node(const struct iso_spec *spec, int dirfd, const char *name, mode_t mode,
		     dev_t dev, const char *host_path)
{
	if (mknodat(dirfd, name, mode, dev) == 0)
		return 0;
	bool node = S_ISCHR(mode) || S_ISBLK(mode);
	if (errno != EPERM || !(spec->ns_flags & CLONE_NEWUSER) || !node)
		return -errno;
	return bind_node(dirfd, name, host_path);
}

static int make_console(int devfd, int console_fd, struct zerr *err)
{
	cleanup_close int fd = openat(devfd, "console", O_CREAT | O_RDONLY | O_NOFOLLOW | O_CLOEXEC,
				      0600);
	if (fd < 0)
		return zerr_set(err, errno, "create /dev/console");
	/* The fd was opened in the host's mount namespace, and a bind mount
	 * from another namespace's mount is refused: bind the pts by its name,
	 * which our copy of the host's mounts still resolves. */
	char fdp[ISO_FD_PATH_MAX], src[64], dst[ISO_FD_PATH_MAX];
	iso_fd_path(fdp, console_fd);
	ssize_t n = readlink(fdp, src, sizeof(src) - 1);
	if (n <= 0)
		return zerr_set(err, errno, "console: readlink");
	src[n] = '\0';
	iso_fd_path(dst, fd);
	if (mount(src, dst, NULL, MS_BIND, NULL) < 0)
		return zerr_set(err, errno, "bind the console on /dev/console");
	return 0;
}

int iso_make_dev(const struct iso_spec *spec, int rootfd, struct zerr *err)
{
	if (!spec->default_dev)
		return 0;
	int r = iso_mkdir_in_root(rootfd, "/dev", 0755);
	if (r < 0)
		return zerr_set(err, -r, "mkdir /dev");
	cleanup_close int devfd = iso_open_in_root(rootfd, "/dev", O_RDONLY | O_DIRECTORY, 0);
	if (devfd < 0)
		return zerr_set(err, -devfd, "open /dev");
	mode_t old = umask(0);
	for (size_t i = 0; i < sizeof(devices) / sizeof(devices[0]); i++) {
		unlinkat(devfd, devices[i].name, 0);
		char host[32];
		snprintf(host, sizeof(host), "/dev/%s", devices[i].name);
		int r = make_node(spec, devfd, devices[i].name, S_IFCHR | 0666,
				  makedev(devices[i].major, devices[i].minor), host);
		if (r < 0) {
			umask(old);
			return zerr_set(err, -r, "mknod /dev/%s", devices[i].name);
		}
	}
	umask(old);
	for (size_t i = 0; i < sizeof(links) / sizeof(links[0]); i++) {
		if (symlinkat(links[i].target, devfd, links[i].name) < 0 && errno != EEXIST)
			return zerr_set(err, errno, "symlink /dev/%s", links[i].name);
	}
	if (mkdirat(devfd, "pts", 0755) < 0 && errno != EEXIST)
		return zerr_set(err, errno, "mkdir /dev/pts");
	if (mkdirat(devfd, "shm", 01777) < 0 && errno != EEXIST)
		return zerr_set(err, errno, "mkdir /dev/shm");
	if (spec->console_fd >= 0)
		return make_console(devfd, spec->console_fd, err);
	return 0;
}

static int make_device(const struct iso_spec *spec, int rootfd, const struct iso_device *d,
		       struct zerr *err)
{
	cleanup_free char *dir = xstrdup(d->path);
	char *slash = strrchr(dir, '/');
	const char *leaf = slash + 1;
	*slash = '\0';
	int r = iso_mkdir_in_root(rootfd, *dir ? dir : "/", 0755);
	cleanup_close int dfd =
		r < 0 ? r : iso_open_in_root(rootfd, *dir ? dir : "/", O_PATH | O_DIRECTORY, 0);
	if (dfd < 0)
		return zerr_set(err, -dfd, "device `%s`: its directory", d->path);
	mode_t type = d->type == 'b' ? S_IFBLK : d->type == 'p' ? S_IFIFO : S_IFCHR;
	unlinkat(dfd, leaf, 0);
	r = make_node(spec, dfd, leaf, type | (d->mode & 07777),
		      makedev((unsigned)d->major, (unsigned)d->minor), d->path);
	if (r == -ENOENT && (spec->ns_flags & CLONE_NEWUSER))
		return zerr_setx(err, ENOENT,
				 "device `%s`: no node can be made in a user namespace, "
				 "and the host has no %s to bind",
				 d->path, d->path);
	if (r < 0)
		return zerr_set(err, -r, "mknod `%s`", d->path);
	if (spec->ns_flags & CLONE_NEWUSER)
		return 0; /* a bound host node keeps the host's mode and owner */
	/* mknod obeys the umask; the config's mode is the mode */
	if (fchmodat(dfd, leaf, d->mode & 07777, 0) < 0 ||
	    fchownat(dfd, leaf, d->uid, d->gid, AT_SYMLINK_NOFOLLOW) < 0)
		return zerr_set(err, errno, "device `%s`: mode and owner", d->path);
	return 0;
}

int iso_make_devices(const struct iso_spec *spec, int rootfd, struct zerr *err)
{
	for (size_t i = 0; i < spec->n_devices; i++) {
		int r = make_device(spec, rootfd, &spec->devices[i], err);
		if (r < 0)
			return r;
	}
	return 0;
}
