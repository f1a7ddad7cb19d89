/* notify.c - sysinfo(2) and sched_getaffinity(2) of a zone's processes,
 * answered from the zone's view through seccomp user notification.
 *
 * The zone's filter sends these two syscalls (and nothing else) to the
 * listener, which the zone's monitor holds and answers itself: a call
 * the answerer has received can only be answered by it (killing it in
 * between would leave the caller blocked for good), and the monitor is
 * the one process a zone cannot outlive anyway. Its answers come from the
 * .answer file the view's server writes with the other files (the last
 * sysinfo and CPU count), so they go stale, not missing, while no server
 * runs; uptime is computed at the call. For each call: the pid is checked to still be the caller
 * (SECCOMP_IOCTL_NOTIF_ID_VALID) before its memory is written, so a pid
 * reused after the caller died is never written to; the answer goes in
 * with process_vm_writev. Anything we do not answer ourselves (another
 * architecture's layout, the affinity of another process) is let through
 * to the kernel with SECCOMP_USER_NOTIF_FLAG_CONTINUE: both syscalls only
 * read, so letting one through decides nothing about security.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <linux/audit.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>

#include "internal.h"

#define AFFINITY_MAX 8192 /* bytes of cpumask we handle: 65536 CPUs */

static char *notify_syscalls[] = {"sysinfo", "sched_getaffinity", NULL};

char **pfs_notify_syscalls(void)
{
	return notify_syscalls;
}

static int write_caller(int fd, const struct seccomp_notif *req, uint64_t addr, const void *buf,
			size_t len)
{
	if (ioctl(fd, SECCOMP_IOCTL_NOTIF_ID_VALID, &req->id) < 0)
		return -ENOENT;
	struct iovec local = {.iov_base = (void *)buf, .iov_len = len};
	struct iovec remote = {.iov_base = (void *)(uintptr_t)addr, .iov_len = len};
	ssize_t n = process_vm_writev(req->pid, &local, 1, &remote, 1, 0);
	if (n < 0)
		return -errno;
	return n == (ssize_t)len ? 0 : -EFAULT;
}

/* What the server leaves for the answerer. */
struct answer {
	uint32_t magic;
	uint32_t ncpu;
	uint64_t booted_at_ns;
	struct sysinfo si;
};
#define ANSWER_MAGIC 0x7066736aU
#define ANSWER_FILE ".answer"

int pfs_answer_write(const struct pfs_view *v, struct zerr *err)
{
	struct answer a = {
		.magic = ANSWER_MAGIC, .ncpu = v->ncpu, .booted_at_ns = v->z->booted_at_ns};
	pfs_sysinfo(v, &a.si);
	return pfs_write_new(v->z->dir, ANSWER_FILE, (const char *)&a, sizeof(a), err);
}

static bool answer_read(const char *dir, struct answer *a)
{
	char path[PATH_MAX];
	snprintf(path, sizeof(path), "%s/%s", dir, ANSWER_FILE);
	cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC);
	return fd >= 0 && read(fd, a, sizeof(*a)) == (ssize_t)sizeof(*a) &&
	       a->magic == ANSWER_MAGIC;
}

bool pfs_answer_stale(const char *dir, uint64_t max_age_ns)
{
	char path[PATH_MAX];
	snprintf(path, sizeof(path), "%s/%s", dir, ANSWER_FILE);
	struct stat st;
	if (stat(path, &st) < 0)
		return true;
	uint64_t at = (uint64_t)st.st_mtim.tv_sec * 1000000000ULL + (uint64_t)st.st_mtim.tv_nsec;
	return wall_ns() > at + max_age_ns;
}

void pfs_answer_load(struct pfs_load *l, const char *dir)
{
	struct answer a;
	if (!answer_read(dir, &a))
		return;
	for (int k = 0; k < 3; k++)
		l->avenrun[k] = a.si.loads[k] >> (SI_LOAD_SHIFT - 11);
}

static void answer_sysinfo(int fd, const struct seccomp_notif *req, struct seccomp_notif_resp *resp,
			   const struct answer *a)
{
	struct sysinfo si = a->si;
	uint64_t now = wall_ns();
	si.uptime = now > a->booted_at_ns ? (long)((now - a->booted_at_ns) / 1000000000ULL) : 0;
	resp->error = write_caller(fd, req, req->data.args[0], &si, sizeof(si));
}

/* The caller's own mask, cut to the zone's first ncpu CPUs in it: nproc
 * and thread pools size themselves to the zone, while the scheduler still
 * lets the zone burst onto every CPU of its cpuset. */
static void answer_affinity(int fd, const struct seccomp_notif *req,
			    struct seccomp_notif_resp *resp, const struct answer *a)
{
	if (req->data.args[0] != 0) {
		resp->flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
		return;
	}
	size_t len = req->data.args[1] > AFFINITY_MAX ? AFFINITY_MAX : req->data.args[1];
	unsigned char mask[AFFINITY_MAX] = {0};
	long n = syscall(SYS_sched_getaffinity, req->pid, len, mask);
	if (n < 0) {
		resp->error = -errno;
		return;
	}
	unsigned kept = 0;
	for (long i = 0; i < n * 8; i++) {
		unsigned char bit = (unsigned char)(1u << (i % 8));
		if (!(mask[i / 8] & bit))
			continue;
		if (kept < a->ncpu)
			kept++;
		else
			mask[i / 8] &= (unsigned char)~bit;
	}
	int r = write_caller(fd, req, req->data.args[2], mask, (size_t)n);
	if (r < 0)
		resp->error = r;
	else
		resp->val = n;
}

int pfs_notify_answer(int fd, const char *dir)
{
	struct seccomp_notif req;
	memset(&req, 0, sizeof(req));
	if (ioctl(fd, SECCOMP_IOCTL_NOTIF_RECV, &req) < 0)
		/* ENOENT: the caller was interrupted or died first. */
		return errno == EINTR || errno == ENOENT ? 0 : -errno;
	struct seccomp_notif_resp resp = {.id = req.id};
	struct answer a;
	/* No view written yet (or none at all): the host's numbers. */
	if (req.data.arch != AUDIT_ARCH_X86_64 || !answer_read(dir, &a))
		resp.flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
	else if (req.data.nr == SYS_sysinfo)
		answer_sysinfo(fd, &req, &resp, &a);
	else if (req.data.nr == SYS_sched_getaffinity)
		answer_affinity(fd, &req, &resp, &a);
	else
		resp.flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
	if (ioctl(fd, SECCOMP_IOCTL_NOTIF_SEND, &resp) < 0 && errno != ENOENT && errno != EINTR)
		return -errno;
	return 0;
}
