/* publish.c - putting a new version of each view file in place of the one
 * mounted in the zone (the why is in server.c).
 *
 * Two ways, by what the kernel offers:
 *
 *   BENEATH (Linux 6.5+): each change is a new generation, a file no one
 *   has had, mounted beneath the zone's current mount (move_mount
 *   MOVE_MOUNT_BENEATH) before that one is detached. A path walk finds the
 *   old file or the new one, never neither, and nothing mounted is ever
 *   written.
 *
 *   STACK (older kernels, where the flag is EINVAL): a mount cannot be
 *   slid under another, and detaching a covered mount takes what covers it
 *   along. So the file the zone's root was built with (the plain name,
 *   "meminfo") stays at the bottom for the zone's life, and changes
 *   alternate: a new generation is mounted on top of it; at the next change
 *   the bottom file, which no path walk can reach while it is covered, is
 *   rewritten in place and the top is detached. An open() still finds a
 *   complete file every time (the top, or the rewritten bottom). What is
 *   lost: a reader that keeps the bottom file open across seconds (top(1)
 *   keeps /proc/meminfo open and rereads it) may read it while it is
 *   rewritten. A server that starts (again) does not know how many
 *   generations a predecessor left stacked: it stacks a fresh one, rewrites
 *   the bottom, and detaches down to the bottom.
 *
 * Names are never renamed over and a generation is unlinked only once its
 * mount is gone: unlinking or replacing a name detaches whatever other
 * namespaces have mounted on it (a maskedPaths /dev/null over our
 * /proc/loadavg disappeared that way), and a file with something of the
 * config's mounted over it is left alone.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <linux/mount.h>

#include "internal.h"

#ifndef MOVE_MOUNT_BENEATH
#define MOVE_MOUNT_BENEATH 0x00000200 /* Linux 6.5 */
#endif

/* Unwinding a predecessor's stack stops here whatever it finds. */
#define MAX_STACK 64

enum op { OP_NONE, OP_BENEATH, OP_STACK, OP_POP, OP_RESET };

/* One file's change in this refresh. */
struct change {
	enum op op;
	char *text; /* rendered now */
	char *file; /* the new generation (BENEATH, STACK, RESET) */
	int fd;     /* its detached mount */
	bool done;
};

static int stacking = -1; /* -1: not decided yet */

static bool kernel_before(int major, int minor)
{
	struct utsname u;
	int ma = 0, mi = 0;
	if (uname(&u) < 0 || sscanf(u.release, "%d.%d", &ma, &mi) != 2)
		return false;
	return ma < major || (ma == major && mi < minor);
}

/* ZONECTL_PROCFS_STACK=1 takes the older kernels' way on any kernel (for
 * the tests). */
bool pfs_stacking(void)
{
	if (stacking < 0) {
		const char *force = getenv("ZONECTL_PROCFS_STACK");
		stacking = (force && !strcmp(force, "1")) || kernel_before(6, 5);
	}
	return stacking;
}

int pfs_write_new(const char *dir, const char *name, const char *text, size_t len, struct zerr *err)
{
	cleanup_free char *tmp = xasprintf("%s/.%s.new", dir, name);
	cleanup_free char *path = xasprintf("%s/%s", dir, name);
	unlink(tmp);
	cleanup_close int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0444);
	if (fd < 0 || write_all(fd, text, len) < 0 || rename(tmp, path) < 0)
		return zerr_set(err, errno, "write `%s`", path);
	return 0;
}

/* The bottom file of a stack, rewritten in place: the inode the zone's
 * bottom mount holds. Longer first, then cut, so an old reader sees no
 * empty file. */
static int rewrite(const char *dir, const char *name, const char *text, size_t len,
		   struct zerr *err)
{
	cleanup_free char *path = xasprintf("%s/%s", dir, name);
	cleanup_close int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0 || pwrite(fd, text, len, 0) != (ssize_t)len || ftruncate(fd, (off_t)len) < 0)
		return zerr_set(err, errno, "rewrite `%s`", path);
	return 0;
}

/* A file no other has had: a generation of one view file. */
static char *write_generation(const char *dir, const char *name, const char *text, size_t len,
			      struct zerr *err)
{
	static uint64_t gen;
	char *file = xasprintf("%s.%d.%" PRIu64, name, getpid(), ++gen);
	cleanup_free char *path = xasprintf("%s/%s", dir, file);
	cleanup_close int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0444);
	if (fd < 0 || write_all(fd, text, len) < 0) {
		zerr_set(err, errno, "write `%s`", path);
		unlink(path);
		free(file);
		return NULL;
	}
	return file;
}

/* A detached, read-only mount of the file, ready to be moved into the
 * zone's namespace. */
static int clone_file(const char *dir, const char *file, struct zerr *err)
{
	cleanup_free char *path = xasprintf("%s/%s", dir, file);
	int fd = (int)syscall(SYS_open_tree, AT_FDCWD, path, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
	if (fd < 0)
		return zerr_set(err, errno, "open_tree `%s`", path);
	struct mount_attr a = {.attr_set = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID |
					   MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC};
	if (syscall(SYS_mount_setattr, fd, "", AT_EMPTY_PATH, &a, sizeof(a)) < 0) {
		int e = errno;
		close(fd);
		return zerr_set(err, e, "read-only mount of `%s`", path);
	}
	return fd;
}

static void remove_file(const char *dir, char *file)
{
	if (!file)
		return;
	cleanup_free char *path = xasprintf("%s/%s", dir, file);
	unlink(path);
	free(file);
}

static int move_to(int fd, const char *dest, unsigned flags, struct zerr *err)
{
	if (syscall(SYS_move_mount, fd, "", AT_FDCWD, dest, MOVE_MOUNT_F_EMPTY_PATH | flags) < 0)
		return zerr_set(err, errno, "mount %s`%s`", flags ? "beneath " : "on ", dest);
	return 0;
}

static int detach(const char *dest, struct zerr *err)
{
	if (umount2(dest, MNT_DETACH | UMOUNT_NOFOLLOW) < 0)
		return zerr_set(err, errno, "detach the old `%s`", dest);
	return 0;
}

/* Only a file of ours is replaced: what the config mounted over it (a
 * maskedPaths entry's /dev/null) must not be undone by detaching it. */
static bool ours_on_top(const char *dest, dev_t ours, struct stat *st)
{
	return stat(dest, st) == 0 && S_ISREG(st->st_mode) && st->st_dev == ours;
}

/* RESET: a fresh generation on top, then down to the bottom file, which
 * was rewritten before we came in. */
static int reset(struct change *c, const char *dest, dev_t dev, ino_t bottom, struct zerr *err)
{
	int r = move_to(c->fd, dest, 0, err);
	struct stat st;
	for (int k = 0;
	     r == 0 && k < MAX_STACK && ours_on_top(dest, dev, &st) && st.st_ino != bottom; k++)
		r = detach(dest, err);
	return r;
}

/* BENEATH, unless the kernel turns out not to know the flag: then this
 * file's stack is reset like a predecessor's (it holds one mount, ours). */
static int beneath(struct change *c, const char *dest, dev_t dev, ino_t bottom, struct zerr *err)
{
	int r = move_to(c->fd, dest, MOVE_MOUNT_BENEATH, err);
	if (r == -EINVAL) {
		stacking = 1;
		c->op = OP_RESET;
		return reset(c, dest, dev, bottom, err);
	}
	return r == 0 ? detach(dest, err) : r;
}

static int apply(struct change *c, const char *dest, dev_t dev, ino_t bottom, struct zerr *err)
{
	switch (c->op) {
	case OP_BENEATH: return beneath(c, dest, dev, bottom, err);
	case OP_STACK: return move_to(c->fd, dest, 0, err);
	case OP_POP: return detach(dest, err);
	case OP_RESET: return reset(c, dest, dev, bottom, err);
	case OP_NONE: break;
	}
	return 0;
}

/* In the zone's mount namespace, every change with something to do. */
static int swap_all(const char *dir, struct change *ch, int host_mntns, int zone_mntns,
		    struct zerr *err)
{
	size_t n;
	const struct pfs_file *f = pfs_files(&n);
	struct stat d;
	ino_t bottom[n];
	if (stat(dir, &d) < 0)
		return zerr_set(err, errno, "stat `%s`", dir);
	for (size_t i = 0; i < n; i++) {
		struct stat b;
		cleanup_free char *path = xasprintf("%s/%s", dir, f[i].name);
		bottom[i] = stat(path, &b) == 0 ? b.st_ino : 0;
	}
	if (setns(zone_mntns, CLONE_NEWNS) < 0)
		return zerr_set(err, errno, "enter the zone's mount namespace");
	int r = 0;
	for (size_t i = 0; i < n && r == 0; i++) {
		struct stat st;
		if (ch[i].op != OP_NONE && ours_on_top(f[i].dest, d.st_dev, &st))
			ch[i].done = (r = apply(&ch[i], f[i].dest, d.st_dev, bottom[i], err)) == 0;
	}
	if (setns(host_mntns, CLONE_NEWNS) < 0)
		return zerr_set(err, errno, "return to the host's mount namespace");
	return r;
}

/* What went in becomes the slot's; what did not is dropped and tried
 * again at the next refresh. */
static void settle(const char *dir, struct pfs_slot *slot, struct change *c)
{
	if (!c->done) {
		remove_file(dir, c->file);
		free(c->text);
		if (c->op == OP_POP || c->op == OP_RESET) {
			/* the bottom was rewritten: what the zone reads is unknown */
			free(slot->text);
			slot->text = NULL;
		}
		return;
	}
	free(slot->text);
	slot->text = c->text;
	switch (c->op) {
	case OP_BENEATH:
		remove_file(dir, slot->file);
		slot->file = c->file;
		break;
	case OP_STACK:
		slot->file = c->file;
		slot->stacked = true;
		break;
	case OP_POP:
	case OP_RESET:
		remove_file(dir, slot->file);
		remove_file(dir, c->file);
		slot->file = NULL;
		slot->stacked = false;
		break;
	case OP_NONE: break;
	}
	slot->known = true;
}

/* Decides what one file needs and prepares it outside the zone. */
static int prepare(const struct pfs_view *v, const struct pfs_file *f, struct pfs_slot *slot,
		   bool force, struct change *c, struct zerr *err)
{
	size_t len;
	int r = pfs_render(v, f->name, "/proc", &c->text, &len, err);
	if (r < 0)
		return r;
	bool stack = pfs_stacking();
	if (!force && slot->known && slot->text && !strcmp(slot->text, c->text))
		return 0;
	if (stack && slot->known && slot->stacked) {
		c->op = OP_POP;
		return rewrite(v->z->dir, f->name, c->text, len, err);
	}
	c->op = !stack ? OP_BENEATH : slot->known ? OP_STACK : OP_RESET;
	if (!(c->file = write_generation(v->z->dir, f->name, c->text, len, err)))
		return -err->code;
	if ((c->fd = clone_file(v->z->dir, c->file, err)) < 0)
		return c->fd;
	/* a reset ends on the bottom file: it must hold the text too */
	return c->op == OP_RESET ? rewrite(v->z->dir, f->name, c->text, len, err) : 0;
}

int pfs_publish(const struct pfs_view *v, int host_mntns, int zone_mntns, struct pfs_slot *slots,
		const bool *which, struct zerr *err)
{
	size_t n;
	const struct pfs_file *f = pfs_files(&n);
	struct change ch[n];
	int r = 0;
	for (size_t i = 0; i < n; i++) {
		ch[i] = (struct change){.fd = -1};
		if (r == 0 && (!which || which[i]))
			r = prepare(v, &f[i], &slots[i], which != NULL, &ch[i], err);
	}
	if (r == 0)
		r = swap_all(v->z->dir, ch, host_mntns, zone_mntns, err);
	for (size_t i = 0; i < n; i++) {
		if (ch[i].fd >= 0)
			close(ch[i].fd);
		if (ch[i].op != OP_NONE)
			settle(v->z->dir, &slots[i], &ch[i]);
		else
			free(ch[i].text);
	}
	return r;
}

void pfs_slots_free(struct pfs_slot *slots)
{
	size_t n;
	pfs_files(&n);
	for (size_t i = 0; i < n; i++) {
		free(slots[i].text);
		free(slots[i].file);
		slots[i] = (struct pfs_slot){0};
	}
}

/* Before the zone exists: the plain names its first mounts are made from,
 * which are the bottom of every stack. */
static int publish_first(const struct pfs_view *v, struct zerr *err)
{
	size_t n;
	const struct pfs_file *f = pfs_files(&n);
	for (size_t i = 0; i < n; i++) {
		cleanup_free char *text = NULL;
		size_t len;
		int r = pfs_render(v, f[i].name, "/proc", &text, &len, err);
		if (r == 0)
			r = pfs_write_new(v->z->dir, f[i].name, text, len, err);
		if (r < 0)
			return r;
	}
	return 0;
}

int pfs_prepare(const struct pfs_zone *z, struct zerr *err)
{
	int r = mkdir_p(z->dir, 0755, err);
	if (r < 0)
		return zerr_prefix(err, "zone %s: procfs", z->name);
	struct pfs_view v = {.z = z};
	r = pfs_view_update(&v, err);
	if (r == 0)
		r = publish_first(&v, err);
	/* A service init starts at once may ask sysinfo before any server
	 * runs. */
	if (r == 0)
		r = pfs_answer_write(&v, err);
	pfs_view_free(&v);
	return r;
}
