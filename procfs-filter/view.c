/* view.c - a zone's numbers at one instant, and the files that show them:
 * sampling, counting the zone's tasks, the load averages, and putting a
 * new version of each file in place of the one mounted in the zone (the
 * why is in server.c). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <linux/mount.h>

#include "internal.h"

#ifndef MOVE_MOUNT_BENEATH
#define MOVE_MOUNT_BENEATH 0x00000200 /* Linux 6.5 */
#endif

#define LOAD_FREQ_NS (5ULL * 1000000000ULL) /* the kernel's LOAD_FREQ */
#define FSHIFT 11
#define FIXED_1 (1UL << FSHIFT)
static const unsigned long load_exp[3] = {1884, 2014, 2037}; /* EXP_1, EXP_5, EXP_15 */

/* The kernel's calc_load(). */
static unsigned long calc_load(unsigned long load, unsigned long exp, unsigned long active)
{
	unsigned long newload = load * exp + active * (FIXED_1 - exp);
	if (active >= load)
		newload += FIXED_1 - 1;
	return newload / FIXED_1;
}

static void fold_load(struct pfs_load *l, unsigned active, uint64_t now)
{
	if (!l->next_fold_ns)
		l->next_fold_ns = now + LOAD_FREQ_NS;
	/* A server that was stopped catches up, but not for hours. */
	for (int i = 0; i < 720 && now >= l->next_fold_ns; i++) {
		for (int k = 0; k < 3; k++)
			l->avenrun[k] = calc_load(l->avenrun[k], load_exp[k], active * FIXED_1);
		l->next_fold_ns += LOAD_FREQ_NS;
	}
	if (now >= l->next_fold_ns)
		l->next_fold_ns = now + LOAD_FREQ_NS;
}

/* The state letter of /proc/PID/task/TID/stat: after the last ')'. */
static char task_state(int taskdir, const char *tid)
{
	char path[300], buf[512];
	snprintf(path, sizeof(path), "%s/stat", tid);
	cleanup_close int fd = openat(taskdir, path, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	char *p = strrchr(buf, ')');
	return p && p[1] == ' ' ? p[2] : 0;
}

static void count_process(struct pfs_view *v, pid_t pid)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/task", pid);
	DIR *d = opendir(path);
	if (!d)
		return;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		char st = task_state(dirfd(d), de->d_name);
		v->nr_threads++;
		v->nr_running += st == 'R';
		v->nr_blocked += st == 'D';
	}
	closedir(d);
}

/* The pid the zone itself calls its newest process (last field of
 * NSpid), taken from the largest host pid. */
static pid_t ns_pid(pid_t pid)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	cleanup_free char *text = NULL;
	if (read_file(path, &text, NULL, NULL) < 0)
		return 0;
	char *l = strstr(text, "\nNSpid:");
	if (!l)
		return 0;
	char *eol = strchrnul(l + 1, '\n');
	*eol = '\0';
	char *last = strrchr(l, '\t');
	return last ? (pid_t)atoi(last + 1) : 0;
}

static void count_tasks(struct pfs_view *v)
{
	v->nr_running = v->nr_threads = v->nr_blocked = 0;
	pid_t max = 0;
	for (size_t i = 0; i < v->s.n_pids; i++) {
		count_process(v, v->s.pids[i]);
		if (v->s.pids[i] > max)
			max = v->s.pids[i];
	}
	v->last_pid = max ? ns_pid(max) : 0;
}

const char *pfs_view_cpuset(const struct pfs_view *v)
{
	return v->s.cpuset[0] ? v->s.cpuset : v->z->cpuset;
}

int pfs_view_update(struct pfs_view *v, struct zerr *err)
{
	free(v->s.pids);
	v->s = (struct pfs_sample){.mem_limit = -1, .swap_limit = -1, .cpu_quota = -1,
				   .cpu_period = 100000};
	int r = v->z->sample(v->z->sample_arg, &v->s, err);
	if (r < 0)
		return r;
	v->now_wall_ns = wall_ns();
	v->ncpu = pfs_ncpu(pfs_view_cpuset(v), v->s.cpu_quota, v->s.cpu_period);
	count_tasks(v);
	fold_load(&v->load, v->nr_running + v->nr_blocked, now_ns());
	return 0;
}

void pfs_view_free(struct pfs_view *v)
{
	free(v->s.pids);
	v->s.pids = NULL;
	v->s.n_pids = 0;
}

/* A new inode under the file's name: the one the zone has mounted is
 * never written again. */
int pfs_write_new(const char *dir, const char *name, const char *text, size_t len,
		     struct zerr *err)
{
	cleanup_free char *tmp = xasprintf("%s/.%s.new", dir, name);
	cleanup_free char *path = xasprintf("%s/%s", dir, name);
	unlink(tmp);
	cleanup_close int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0444);
	if (fd < 0 || write_all(fd, text, len) < 0 || rename(tmp, path) < 0)
		return zerr_set(err, errno, "write `%s`", path);
	return 0;
}

/* A file no other has had: a generation of one view file. Its name is
 * never reused or renamed over, because a name the zone has a mount on
 * (a maskedPaths /dev/null over our file) loses that mount when it is
 * unlinked or replaced. */
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

/* In the zone's mount namespace: the new file goes beneath the one
 * mounted now, then the old one is detached. A path walk sees the old
 * file or the new one, never neither. */
static int swap_in(int fd, const char *dest, struct zerr *err)
{
	if (syscall(SYS_move_mount, fd, "", AT_FDCWD, dest,
		    MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_BENEATH) < 0)
		return zerr_set(err, errno, "mount beneath `%s`", dest);
	if (umount2(dest, MNT_DETACH | UMOUNT_NOFOLLOW) < 0)
		return zerr_set(err, errno, "detach the old `%s`", dest);
	return 0;
}

/* Only a file of ours is replaced: what the config mounted over it (a
 * maskedPaths entry's /dev/null) must not be undone by detaching it. */
static bool ours_on_top(const char *dest, dev_t ours)
{
	struct stat st;
	return stat(dest, &st) == 0 && S_ISREG(st.st_mode) && st.st_dev == ours;
}

/* Swaps in every file with an fd; done[i] says which went in. */
static int swap_all(const char *dir, const int *fds, bool *done, int host_mntns,
		    int zone_mntns, struct zerr *err)
{
	size_t n;
	const struct pfs_file *f = pfs_files(&n);
	struct stat d;
	if (stat(dir, &d) < 0)
		return zerr_set(err, errno, "stat `%s`", dir);
	if (setns(zone_mntns, CLONE_NEWNS) < 0)
		return zerr_set(err, errno, "enter the zone's mount namespace");
	int r = 0;
	for (size_t i = 0; i < n && r == 0; i++)
		if (fds[i] >= 0 && ours_on_top(f[i].dest, d.st_dev))
			done[i] = (r = swap_in(fds[i], f[i].dest, err)) == 0;
	if (setns(host_mntns, CLONE_NEWNS) < 0)
		return zerr_set(err, errno, "return to the host's mount namespace");
	return r;
}

static void remove_file(const char *dir, char *file)
{
	if (!file)
		return;
	cleanup_free char *path = xasprintf("%s/%s", dir, file);
	unlink(path);
	free(file);
}

/* A generation that went in replaces the slot's (whose mount is gone,
 * with nothing on it); one that did not is removed and tried again at
 * the next refresh. */
static void settle(const char *dir, struct pfs_slot *slot, bool done, char *file, char *text)
{
	if (!done) {
		remove_file(dir, file);
		free(text);
		return;
	}
	remove_file(dir, slot->file);
	free(slot->text);
	slot->file = file;
	slot->text = text;
}

/* Before the zone exists: the plain names its first mounts are made from. */
static int publish_first(const struct pfs_view *v, struct pfs_slot *slots, struct zerr *err)
{
	size_t n;
	const struct pfs_file *f = pfs_files(&n);
	for (size_t i = 0; i < n; i++) {
		char *text;
		size_t len;
		int r = pfs_render(v, f[i].name, "/proc", &text, &len, err);
		if (r == 0 && (r = pfs_write_new(v->z->dir, f[i].name, text, len, err)) == 0)
			slots[i].text = text;
		else if (r < 0)
			return r;
	}
	return 0;
}

int pfs_publish(const struct pfs_view *v, int host_mntns, int zone_mntns,
		struct pfs_slot *slots, struct zerr *err)
{
	size_t n;
	const struct pfs_file *f = pfs_files(&n);
	int fds[n];
	bool done[n];
	char *files[n], *texts[n];
	int r = 0;
	for (size_t i = 0; i < n; i++) {
		fds[i] = -1;
		done[i] = false;
		files[i] = texts[i] = NULL;
		size_t len;
		if (r < 0 || (r = pfs_render(v, f[i].name, "/proc", &texts[i], &len, err)) < 0)
			continue;
		if (slots[i].text && !strcmp(slots[i].text, texts[i]))
			continue;
		if (!(files[i] = write_generation(v->z->dir, f[i].name, texts[i], len, err)))
			r = -err->code;
		else if ((fds[i] = clone_file(v->z->dir, files[i], err)) < 0)
			r = fds[i];
	}
	if (r == 0)
		r = swap_all(v->z->dir, fds, done, host_mntns, zone_mntns, err);
	for (size_t i = 0; i < n; i++) {
		if (fds[i] >= 0)
			close(fds[i]);
		if (files[i])
			settle(v->z->dir, &slots[i], done[i], files[i], texts[i]);
		else
			free(texts[i]);
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

int pfs_prepare(const struct pfs_zone *z, struct zerr *err)
{
	int r = mkdir_p(z->dir, 0755, err);
	if (r < 0)
		return zerr_prefix(err, "zone %s: procfs", z->name);
	struct pfs_view v = {.z = z};
	size_t n;
	pfs_files(&n);
	struct pfs_slot slots[n];
	memset(slots, 0, sizeof(slots));
	r = pfs_view_update(&v, err);
	if (r == 0)
		r = publish_first(&v, slots, err);
	/* A service init starts at once may ask sysinfo before any server
	 * runs. */
	if (r == 0)
		r = pfs_answer_write(&v, err);
	pfs_slots_free(slots);
	pfs_view_free(&v);
	return r;
}
