/*
 * rootfs.c - building a zone's mount table.
 *
 * Everything here runs in the zone's init before it execs, inside the new
 * mount namespace, with the host's /proc still visible. The zone's root is
 * a directory the zone itself can write to between boots, so any name
 * inside it may have become a symlink pointing at the host ("/etc", "..").
 * Therefore no path inside the root is ever handed to mount(2) as a
 * string: each target is opened with openat2(RESOLVE_IN_ROOT), which
 * resolves every symlink as if the zone's root were "/", and the mount is
 * made on "/proc/self/fd/N" of that open file. A symlink swapped in after
 * the open changes nothing (CVE-2021-30465), and /proc is checked to be a
 * real procfs before anything is masked through it (CVE-2019-16884).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <limits.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>

#include "internal.h"

void iso_fd_path(char buf[ISO_FD_PATH_MAX], int fd)
{
	snprintf(buf, ISO_FD_PATH_MAX, "/proc/self/fd/%d", fd);
}

int iso_open_in_root(int rootfd, const char *path, int flags, mode_t mode)
{
	struct open_how how = {
		.flags = (uint64_t)(flags | O_CLOEXEC),
		.mode = (flags & O_CREAT) ? mode : 0,
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};
	while (*path == '/')
		path++;
	if (!*path)
		path = ".";
	int fd = (int)syscall(SYS_openat2, rootfd, path, &how, sizeof(how));
	return fd < 0 ? -errno : fd;
}

int iso_chdir_in_root(const char *path)
{
	cleanup_close int root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root < 0)
		return -errno;
	cleanup_close int dir = iso_open_in_root(root, path, O_PATH | O_DIRECTORY, 0);
	if (dir < 0)
		return dir;
	return fchdir(dir) < 0 ? -errno : 0;
}

int iso_mkdir_in_root(int rootfd, const char *path, mode_t mode)
{
	cleanup_free char *p = xstrdup(path);
	char *s = p;
	while (*s == '/')
		s++;
	while (*s) {
		char *slash = strchr(s, '/');
		if (slash)
			*slash = '\0';
		int fd = iso_open_in_root(rootfd, p, O_PATH | O_DIRECTORY, 0);
		if (fd == -ENOENT) {
			char *last = strrchr(p, '/');
			cleanup_close int parent = -1;
			if (last && last != p) {
				*last = '\0';
				parent = iso_open_in_root(rootfd, p, O_PATH | O_DIRECTORY, 0);
				*last = '/';
			} else {
				parent = iso_open_in_root(rootfd, "/", O_PATH | O_DIRECTORY, 0);
			}
			if (parent < 0)
				return parent;
			const char *leaf = last ? last + 1 : p;
			if (mkdirat(parent, leaf, mode) < 0 && errno != EEXIST)
				return -errno;
			fd = iso_open_in_root(rootfd, p, O_PATH | O_DIRECTORY, 0);
		}
		if (fd < 0)
			return fd;
		close(fd);
		if (!slash)
			break;
		*slash = '/';
		s = slash + 1;
		while (*s == '/')
			s++;
	}
	return 0;
}

/* Opens (and creates if missing) the target of a mount: a directory, or a
 * file when the source is not a directory. */
static int open_target(int rootfd, const char *dest, bool want_file)
{
	if (!want_file) {
		int r = iso_mkdir_in_root(rootfd, dest, 0755);
		if (r < 0)
			return r;
		return iso_open_in_root(rootfd, dest, O_PATH | O_DIRECTORY, 0);
	}
	cleanup_free char *parent = xstrdup(dest);
	char *slash = strrchr(parent, '/');
	if (slash && slash != parent) {
		*slash = '\0';
		int r = iso_mkdir_in_root(rootfd, parent, 0755);
		if (r < 0)
			return r;
	}
	int fd = iso_open_in_root(rootfd, dest, O_CREAT | O_RDONLY | O_NOFOLLOW, 0644);
	if (fd == -EISDIR)
		return -ENOTDIR;
	if (fd < 0)
		return fd;
	close(fd);
	return iso_open_in_root(rootfd, dest, O_PATH | O_NOFOLLOW, 0);
}

/* src_fd: the parent's detached copy of the source, which we may not be
 * allowed to stat by its name */
static bool source_is_dir(const char *source, int src_fd)
{
	struct stat st;
	int r = src_fd >= 0 ? fstat(src_fd, &st) : stat(source, &st);
	return r < 0 || S_ISDIR(st.st_mode);
}

static int remount_bind(int rootfd, const char *dest, unsigned long flags, struct zerr *err)
{
	cleanup_close int fd = iso_open_in_root(rootfd, dest, O_PATH, 0);
	if (fd < 0)
		return zerr_set(err, -fd, "reopen mount target `%s`", dest);
	char p[ISO_FD_PATH_MAX];
	iso_fd_path(p, fd);
	struct statvfs sv;
	if (fstatvfs(fd, &sv) == 0)
		flags |= sv.f_flag & (ST_NOSUID | ST_NODEV | ST_NOEXEC | ST_NOATIME |
				      ST_NODIRATIME | ST_RELATIME);
	if (mount(NULL, p, NULL, MS_REMOUNT | MS_BIND | flags, NULL) < 0)
		return zerr_set(err, errno, "remount `%s` read-only", dest);
	return 0;
}

static int copy_tree(int from, int to);

static int copy_file(int from, int to, const char *name, const struct stat *st)
{
	cleanup_close int in = openat(from, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	cleanup_close int out = openat(to, name,
				       O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
				       st->st_mode & 07777);
	if (in < 0 || out < 0)
		return -errno;
	for (;;) {
		ssize_t n = sendfile(out, in, NULL, 1 << 20);
		if (n < 0)
			return -errno;
		if (n == 0)
			return 0;
	}
}

static int copy_entry(int from, int to, const char *name)
{
	struct stat st;
	if (fstatat(from, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	int r = 0;
	if (S_ISDIR(st.st_mode)) {
		if (mkdirat(to, name, st.st_mode & 07777) < 0)
			return -errno;
		cleanup_close int a = openat(from, name,
					     O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		cleanup_close int b = openat(to, name,
					     O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		r = a < 0 || b < 0 ? -errno : copy_tree(a, b);
	} else if (S_ISREG(st.st_mode)) {
		r = copy_file(from, to, name, &st);
	} else if (S_ISLNK(st.st_mode)) {
		char target[PATH_MAX];
		ssize_t n = readlinkat(from, name, target, sizeof(target) - 1);
		if (n < 0)
			return -errno;
		target[n] = '\0';
		r = symlinkat(target, to, name) < 0 ? -errno : 0;
	} else {
		r = mknodat(to, name, st.st_mode, st.st_rdev) < 0 ? -errno : 0;
	}
	if (r == 0 && fchownat(to, name, st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW) < 0)
		r = -errno;
	return r;
}

/* tmpcopyup: the tree under from into to, owners and modes kept. */
static int copy_tree(int from, int to)
{
	int fd = dup(from);
	DIR *d = fd < 0 ? NULL : fdopendir(fd);
	if (!d)
		return -errno;
	struct dirent *de;
	int r = 0;
	while (r == 0 && (de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			r = copy_entry(from, to, de->d_name);
	closedir(d);
	return r;
}

/* A tmpfs that starts with what its target held (podman --read-only's /tmp, /run). */
static int mount_copy_up(const struct iso_mount *m, int rootfd, const char *target,
			 const char *type, const struct iso_mount_flags *mf, struct zerr *err)
{
	cleanup_close int old = iso_open_in_root(rootfd, m->destination, O_RDONLY | O_DIRECTORY, 0);
	if (old < 0)
		return zerr_set(err, -old, "tmpcopyup: open `%s`", m->destination);
	if (mount(m->source ? m->source : type, target, type, mf->flags & ~MS_RDONLY, mf->data) < 0)
		return zerr_set(err, errno, "mount %s on `%s`", type, m->destination);
	cleanup_close int now = iso_open_in_root(rootfd, m->destination, O_RDONLY | O_DIRECTORY, 0);
	int r = now < 0 ? now : copy_tree(old, now);
	if (r < 0)
		return zerr_set(err, -r, "tmpcopyup into `%s`", m->destination);
	if ((mf->flags & MS_RDONLY) &&
	    mount(NULL, target, NULL, MS_REMOUNT | mf->flags, mf->data) < 0)
		return zerr_set(err, errno, "remount `%s` read-only", m->destination);
	return 0;
}

/* In a user namespace that does not own the network namespace (one
 * joined by path), sysfs may not be mounted: the host's /sys, bound
 * read-only, is what runc gives then. */
static int bind_host_sys(int rootfd, const char *target, const char *dest, struct zerr *err)
{
	if (mount("/sys", target, NULL, MS_BIND | MS_REC, NULL) < 0)
		return zerr_set(err, errno, "bind the host's /sys on `%s`", dest);
	return remount_bind(rootfd, dest, MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, err);
}

int iso_open_bind_sources(const struct iso_spec *spec, int **fds, struct zerr *err)
{
	*fds = xcalloc(spec->n_mounts + 1, sizeof(int));
	for (size_t i = 0; i < spec->n_mounts; i++)
		(*fds)[i] = -1;
	for (size_t i = 0; i < spec->n_mounts; i++) {
		const struct iso_mount *m = &spec->mounts[i];
		struct iso_mount_flags mf = {0};
		int r = iso_mount_parse_options(m->options, &mf, err);
		bool bind = mf.bind || (m->type && !strcmp(m->type, "bind"));
		unsigned flags = OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC |
				 (mf.recursive ? AT_RECURSIVE : 0);
		iso_mount_flags_free(&mf);
		if (r == 0 && bind && m->source &&
		    ((*fds)[i] = open_tree(AT_FDCWD, m->source, flags)) < 0)
			r = zerr_set(err, errno, "bind `%s` on `%s`", m->source, m->destination);
		if (r < 0) {
			iso_close_bind_sources(spec, *fds);
			*fds = NULL;
			return r;
		}
	}
	return 0;
}

void iso_close_bind_sources(const struct iso_spec *spec, int *fds)
{
	for (size_t i = 0; fds && i < spec->n_mounts; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	free(fds);
}

static int mount_one(const struct iso_mount *m, int rootfd, bool userns, int src_fd,
		     struct zerr *err)
{
	struct iso_mount_flags mf = {0};
	int r = iso_mount_parse_options(m->options, &mf, err);
	if (r < 0)
		return zerr_prefix(err, "mount `%s`", m->destination);
	bool bind = mf.bind || (m->type && !strcmp(m->type, "bind"));
	const char *type = m->type && strcmp(m->type, "bind") && strcmp(m->type, "none") ? m->type
											 : NULL;
	cleanup_close int fd = open_target(rootfd, m->destination,
					   bind && !source_is_dir(m->source, src_fd));
	if (fd < 0) {
		r = zerr_set(err, -fd, "mount target `%s`", m->destination);
		goto out;
	}
	char target[ISO_FD_PATH_MAX];
	iso_fd_path(target, fd);
	unsigned long flags = mf.flags;
	if (bind) {
		unsigned long bflags = MS_BIND | (mf.recursive ? MS_REC : 0);
		if (src_fd >= 0 ? move_mount(src_fd, "", fd, "",
					     MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0
				: mount(m->source, target, NULL, bflags, NULL) < 0) {
			r = zerr_set(err, errno, "bind `%s` on `%s`", m->source, m->destination);
			goto out;
		}
		if (flags & ~(MS_BIND | MS_REC)) {
			r = remount_bind(rootfd, m->destination, flags & ~(MS_BIND | MS_REC), err);
			if (r < 0)
				goto out;
		}
	} else if (mf.copy_up) {
		if ((r = mount_copy_up(m, rootfd, target, type, &mf, err)) < 0)
			goto out;
	} else if (mount(m->source ? m->source : type, target, type, flags, mf.data) < 0) {
		if (errno == EPERM && userns && type && !strcmp(type, "sysfs")) {
			if ((r = bind_host_sys(rootfd, target, m->destination, err)) < 0)
				goto out;
		} else {
			r = zerr_set(err, errno, "mount %s on `%s`", type ? type : "?",
				     m->destination);
			goto out;
		}
	}
	if (mf.propagation) {
		cleanup_close int again = iso_open_in_root(rootfd, m->destination, O_PATH, 0);
		iso_fd_path(target, again);
		if (again < 0 || mount(NULL, target, NULL, mf.propagation, NULL) < 0) {
			r = zerr_set(err, errno, "propagation of `%s`", m->destination);
			goto out;
		}
	}
	r = 0;
out:
	iso_mount_flags_free(&mf);
	return r;
}

int iso_mount_all(const struct iso_spec *spec, int rootfd, const int *mount_fds, struct zerr *err)
{
	for (size_t i = 0; i < spec->n_mounts; i++) {
		int r = mount_one(&spec->mounts[i], rootfd, spec->ns_flags & CLONE_NEWUSER,
				  mount_fds ? mount_fds[i] : -1, err);
		if (r < 0)
			return r;
	}
	return 0;
}

int iso_pivot(int rootfd, struct zerr *err)
{
	if (fchdir(rootfd) < 0)
		return zerr_set(err, errno, "chdir to the zone's root");
	if (syscall(SYS_pivot_root, ".", ".") < 0)
		return zerr_set(err, errno, "pivot_root");
	/* The old root now sits on top of the new one at "/": detach it. */
	if (umount2(".", MNT_DETACH) < 0)
		return zerr_set(err, errno, "detach the host's root");
	if (chdir("/") < 0)
		return zerr_set(err, errno, "chdir /");
	return 0;
}

int iso_move_root(int rootfd, struct zerr *err)
{
	if (fchdir(rootfd) < 0)
		return zerr_set(err, errno, "chdir to the zone's root");
	if (mount(".", "/", NULL, MS_MOVE, NULL) < 0)
		return zerr_set(err, errno, "move the root over /");
	if (chroot(".") < 0)
		return zerr_set(err, errno, "chroot");
	if (chdir("/") < 0)
		return zerr_set(err, errno, "chdir /");
	return 0;
}

static int proc_is_real(struct zerr *err)
{
	struct statfs sf;
	if (statfs("/proc", &sf) < 0)
		return zerr_set(err, errno, "statfs /proc");
	if (sf.f_type != PROC_SUPER_MAGIC)
		return zerr_setx(err, EPERM, "/proc is not a procfs: refusing to mask through it");
	return 0;
}

static int mask_one(const char *path, struct zerr *err)
{
	cleanup_close int fd = open(path, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : zerr_set(err, errno, "mask `%s`", path);
	struct stat st;
	if (fstat(fd, &st) < 0)
		return zerr_set(err, errno, "mask `%s`", path);
	char p[ISO_FD_PATH_MAX];
	iso_fd_path(p, fd);
	int r = S_ISDIR(st.st_mode) ? mount("tmpfs", p, "tmpfs",
					    MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=0")
				    : mount("/dev/null", p, NULL, MS_BIND, NULL);
	if (r < 0)
		return zerr_set(err, errno, "mask `%s`", path);
	return 0;
}

static int readonly_one(const char *path, struct zerr *err)
{
	cleanup_close int fd = open(path, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : zerr_set(err, errno, "read-only `%s`", path);
	char p[ISO_FD_PATH_MAX];
	iso_fd_path(p, fd);
	if (mount(p, p, NULL, MS_BIND | MS_REC, NULL) < 0)
		return zerr_set(err, errno, "read-only `%s`", path);
	cleanup_close int root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	return remount_bind(root, path, MS_RDONLY, err);
}

int iso_mask_paths(const struct iso_spec *spec, struct zerr *err)
{
	if (!spec->masked_paths && !spec->readonly_paths)
		return 0;
	int r = proc_is_real(err);
	if (r < 0)
		return r;
	for (size_t i = 0; spec->readonly_paths && spec->readonly_paths[i]; i++)
		if ((r = readonly_one(spec->readonly_paths[i], err)) < 0)
			return r;
	for (size_t i = 0; spec->masked_paths && spec->masked_paths[i]; i++)
		if ((r = mask_one(spec->masked_paths[i], err)) < 0)
			return r;
	return 0;
}
