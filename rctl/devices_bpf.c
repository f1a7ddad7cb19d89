/* devices_bpf.c - the device allow-list on cgroup2.
 *
 * cgroup2 has no devices controller: the kernel asks a BPF_CGROUP_DEVICE
 * program attached to the cgroup instead, with the context
 * struct bpf_cgroup_dev_ctx { access_type = access << 16 | type, major,
 * minor } and 1 (allow) or 0 (deny) as the answer. We write the program as
 * raw instructions, the way runc and crun do, so no compiler or libbpf is
 * needed at run time.
 *
 * The OCI rules are ordered and the last rule that matches a request
 * decides. The program therefore tests the rules from last to first and
 * returns at the first match; a rule that matches everything ends the
 * program there, since no earlier rule could ever be reached; a request no
 * rule matches is denied. One rule becomes:
 *
 *	if (type != rule.type) goto next;                 (unless type 'a')
 *	if ((access & rule.access) != access) goto next;  (unless "rwm")
 *	if (major != rule.major) goto next;               (unless wildcard)
 *	if (minor != rule.minor) goto next;               (unless wildcard)
 *	return rule.allow;
 *   next:
 */
#include <errno.h>
#include <linux/bpf.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>

#include "internal.h"

#define INSN(c, d, s, o, i) \
	((struct bpf_insn){.code = (c), .dst_reg = (d), .src_reg = (s), .off = (o), .imm = (i)})
#define LDX_W(dst, src, off) INSN(BPF_LDX | BPF_W | BPF_MEM, dst, src, off, 0)
#define ALU32_IMM(op, dst, imm) INSN(BPF_ALU | (op) | BPF_K, dst, 0, 0, imm)
#define MOV32_REG(dst, src) INSN(BPF_ALU | BPF_MOV | BPF_X, dst, src, 0, 0)
#define MOV64_IMM(dst, imm) INSN(BPF_ALU64 | BPF_MOV | BPF_K, dst, 0, 0, imm)
#define JNE_IMM(dst, imm) INSN(BPF_JMP | BPF_JNE | BPF_K, dst, 0, 0, imm)
#define JNE_REG(dst, src) INSN(BPF_JMP | BPF_JNE | BPF_X, dst, src, 0, 0)
#define EXIT_INSN() INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)

/* registers after the prologue */
enum { R_CTX = 1, R_TYPE = 2, R_ACCESS = 3, R_MAJOR = 4, R_MINOR = 5 };

struct prog {
	struct bpf_insn *v;
	size_t n;
};

static size_t emit(struct prog *p, struct bpf_insn in)
{
	p->v = xrealloc(p->v, (p->n + 1) * sizeof(*p->v));
	p->v[p->n] = in;
	return p->n++;
}

static void prologue(struct prog *p)
{
	emit(p, LDX_W(R_TYPE, R_CTX, 0));
	emit(p, ALU32_IMM(BPF_AND, R_TYPE, 0xffff));
	emit(p, LDX_W(R_ACCESS, R_CTX, 0));
	emit(p, ALU32_IMM(BPF_RSH, R_ACCESS, 16));
	emit(p, LDX_W(R_MAJOR, R_CTX, 4));
	emit(p, LDX_W(R_MINOR, R_CTX, 8));
}

static int access_bits(const char a[4])
{
	int bits = 0;
	for (size_t k = 0; k < 4 && a[k]; k++) {
		switch (a[k]) {
		case 'r': bits |= BPF_DEVCG_ACC_READ; break;
		case 'w': bits |= BPF_DEVCG_ACC_WRITE; break;
		case 'm': bits |= BPF_DEVCG_ACC_MKNOD; break;
		default: return -EINVAL;
		}
	}
	return bits ? bits : BPF_DEVCG_ACC_READ | BPF_DEVCG_ACC_WRITE | BPF_DEVCG_ACC_MKNOD;
}

/* Emits one rule; returns 1 if it matches every request. */
static int rule(struct prog *p, const struct rctl_device *d, struct zerr *err)
{
	const int all = BPF_DEVCG_ACC_READ | BPF_DEVCG_ACC_WRITE | BPF_DEVCG_ACC_MKNOD;
	int acc = access_bits(d->access);
	if (acc < 0 || (d->type != 'a' && d->type != 'c' && d->type != 'b'))
		return zerr_setx(err, EINVAL, "bad device rule `%c %.4s`", d->type ? d->type : '?',
				 d->access);
	size_t jumps[8], nj = 0;
	if (d->type != 'a')
		jumps[nj++] = emit(p, JNE_IMM(R_TYPE, d->type == 'b' ? BPF_DEVCG_DEV_BLOCK
								     : BPF_DEVCG_DEV_CHAR));
	if (acc != all) {
		emit(p, MOV32_REG(R_CTX, R_ACCESS));
		emit(p, ALU32_IMM(BPF_AND, R_CTX, acc));
		jumps[nj++] = emit(p, JNE_REG(R_CTX, R_ACCESS));
	}
	if (d->major >= 0)
		jumps[nj++] = emit(p, JNE_IMM(R_MAJOR, (int32_t)d->major));
	if (d->minor >= 0)
		jumps[nj++] = emit(p, JNE_IMM(R_MINOR, (int32_t)d->minor));
	emit(p, MOV64_IMM(0, d->allow ? 1 : 0));
	emit(p, EXIT_INSN());
	for (size_t k = 0; k < nj; k++)
		p->v[jumps[k]].off = (int16_t)(p->n - jumps[k] - 1);
	return nj == 0;
}

static int build(struct prog *p, const struct rctl_device *d, size_t n, struct zerr *err)
{
	prologue(p);
	for (size_t k = n; k-- > 0;) {
		int r = rule(p, &d[k], err);
		if (r < 0)
			return r;
		if (r == 1)
			return 0;
	}
	emit(p, MOV64_IMM(0, 0));
	emit(p, EXIT_INSN());
	return 0;
}

static int sys_bpf(int cmd, union bpf_attr *attr)
{
	return (int)syscall(SYS_bpf, cmd, attr, sizeof(*attr));
}

/* The verifier's log is only asked for after a failure: it costs time. */
static int load(const struct prog *p, struct zerr *err)
{
	union bpf_attr attr;
	memset(&attr, 0, sizeof(attr));
	attr.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
	attr.insns = (uint64_t)(uintptr_t)p->v;
	attr.insn_cnt = (uint32_t)p->n;
	attr.license = (uint64_t)(uintptr_t) "GPL";
	int fd = sys_bpf(BPF_PROG_LOAD, &attr);
	if (fd < 0 && errno == EPERM) {
		/* before Linux 5.11 programs are charged to RLIMIT_MEMLOCK */
		struct rlimit rl = {RLIM_INFINITY, RLIM_INFINITY};
		if (setrlimit(RLIMIT_MEMLOCK, &rl) == 0)
			fd = sys_bpf(BPF_PROG_LOAD, &attr);
	}
	if (fd >= 0)
		return fd;
	int e = errno;
	cleanup_free char *log = xcalloc(1, 65536);
	attr.log_level = 1;
	attr.log_buf = (uint64_t)(uintptr_t)log;
	attr.log_size = 65536;
	fd = sys_bpf(BPF_PROG_LOAD, &attr);
	if (fd >= 0)
		return fd;
	size_t len = strlen(log);
	while (len && log[len - 1] == '\n')
		log[--len] = '\0';
	return zerr_set(err, e, "load device filter%s%s", *log ? ": " : "", log);
}

int rctl_bpf_devices_load(const struct rctl_device *d, size_t n, struct zerr *err)
{
	struct prog p = {0};
	int r = build(&p, d, n, err);
	if (r == 0)
		r = load(&p, err);
	free(p.v);
	return r;
}

/* Programs attached to dirfd itself (not inherited ones). */
static int query(int dirfd, uint32_t *ids, uint32_t *n, struct zerr *err)
{
	union bpf_attr attr;
	memset(&attr, 0, sizeof(attr));
	attr.query.target_fd = (uint32_t)dirfd;
	attr.query.attach_type = BPF_CGROUP_DEVICE;
	attr.query.prog_ids = (uint64_t)(uintptr_t)ids;
	attr.query.prog_cnt = *n;
	if (sys_bpf(BPF_PROG_QUERY, &attr) < 0)
		return zerr_set(err, errno, "query device filters");
	*n = attr.query.prog_cnt;
	return 0;
}

static int detach(int dirfd, uint32_t id, struct zerr *err)
{
	union bpf_attr attr;
	memset(&attr, 0, sizeof(attr));
	attr.prog_id = id;
	cleanup_close int fd = sys_bpf(BPF_PROG_GET_FD_BY_ID, &attr);
	if (fd < 0)
		return errno == ENOENT ? 0 : zerr_set(err, errno, "open device filter %u", id);
	memset(&attr, 0, sizeof(attr));
	attr.target_fd = (uint32_t)dirfd;
	attr.attach_bpf_fd = (uint32_t)fd;
	attr.attach_type = BPF_CGROUP_DEVICE;
	if (sys_bpf(BPF_PROG_DETACH, &attr) < 0 && errno != ENOENT)
		return zerr_set(err, errno, "detach device filter %u", id);
	return 0;
}

/* Attach the new program before detaching the old ones, so that there is
 * no moment without a filter. ALLOW_MULTI: it composes with a filter a
 * host manager (systemd) keeps on an ancestor, and leaves the zone free to
 * filter its own sub-cgroups further. */
int rctl_bpf_devices(int dirfd, const struct rctl_device *d, size_t n, struct zerr *err)
{
	uint32_t old[64], n_old = 64;
	int r = query(dirfd, old, &n_old, err);
	if (r < 0)
		return r;
	cleanup_close int fd = rctl_bpf_devices_load(d, n, err);
	if (fd < 0)
		return fd;
	union bpf_attr attr;
	memset(&attr, 0, sizeof(attr));
	attr.target_fd = (uint32_t)dirfd;
	attr.attach_bpf_fd = (uint32_t)fd;
	attr.attach_type = BPF_CGROUP_DEVICE;
	attr.attach_flags = BPF_F_ALLOW_MULTI;
	if (sys_bpf(BPF_PROG_ATTACH, &attr) < 0)
		return zerr_set(err, errno, "attach device filter");
	for (uint32_t k = 0; k < n_old; k++)
		if ((r = detach(dirfd, old[k], err)) < 0)
			return r;
	return 0;
}
