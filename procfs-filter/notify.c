/* notify.c - sysinfo(2) and sched_getaffinity(2) of a zone's processes,
 * answered from the zone's view through seccomp user notification.
 *
 * The zone's filter sends these two syscalls (and nothing else) to the
 * listener. For each one: the pid is checked to still be the caller
 * (SECCOMP_IOCTL_NOTIF_ID_VALID) before its memory is written, so a pid
 * reused after the caller died is never written to; the answer goes in
 * with process_vm_writev. Anything we do not answer ourselves (another
 * architecture's layout, the affinity of another process) is let through
 * to the kernel with SECCOMP_USER_NOTIF_FLAG_CONTINUE: both syscalls only
 * read, so letting one through decides nothing about security.
 */
#include <errno.h>
#include <linux/audit.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/uio.h>

#include "internal.h"

#define AFFINITY_MAX 8192 /* bytes of cpumask we handle: 65536 CPUs */

static char *notify_syscalls[] = {"sysinfo", "sched_getaffinity", NULL};

char **pfs_notify_syscalls(void)
{
	return notify_syscalls;
}

static int write_caller(int fd, const struct seccomp_notif *req, uint64_t addr,
			const void *buf, size_t len)
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

static void answer_sysinfo(int fd, const struct seccomp_notif *req,
			   struct seccomp_notif_resp *resp, const struct pfs_view *v)
{
	struct sysinfo si;
	pfs_sysinfo(v, &si);
	int r = write_caller(fd, req, req->data.args[0], &si, sizeof(si));
	resp->error = r;
}

/* The caller's own mask, cut to the zone's first ncpu CPUs in it: nproc
 * and thread pools size themselves to the zone, while the scheduler still
 * lets the zone burst onto every CPU of its cpuset. */
static void answer_affinity(int fd, const struct seccomp_notif *req,
			    struct seccomp_notif_resp *resp, const struct pfs_view *v)
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
		if (kept < v->ncpu)
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

int pfs_notify_answer(int fd, const struct pfs_view *v)
{
	struct seccomp_notif req;
	memset(&req, 0, sizeof(req));
	if (ioctl(fd, SECCOMP_IOCTL_NOTIF_RECV, &req) < 0)
		/* ENOENT: the caller was interrupted or died first. */
		return errno == EINTR || errno == ENOENT ? 0 : -errno;
	struct seccomp_notif_resp resp = {.id = req.id};
	if (req.data.arch != AUDIT_ARCH_X86_64)
		resp.flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
	else if (req.data.nr == SYS_sysinfo)
		answer_sysinfo(fd, &req, &resp, v);
	else if (req.data.nr == SYS_sched_getaffinity)
		answer_affinity(fd, &req, &resp, v);
	else
		resp.flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
	if (ioctl(fd, SECCOMP_IOCTL_NOTIF_SEND, &resp) < 0 && errno != ENOENT && errno != EINTR)
		return -errno;
	return 0;
}
