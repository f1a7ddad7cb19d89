/*
 * process.c - the last steps of a process on its way into a zone: rlimits,
 * oom_score_adj, umask, credentials, capabilities, no_new_privs, seccomp;
 * fd hygiene; the sealed copy of the program that becomes init.
 *
 * The order in iso_apply_process is forced by what each step needs:
 *
 *  1. rlimits, oom_score_adj and umask first: raising a limit or lowering
 *     oom_score_adj below its floor needs CAP_SYS_RESOURCE, which the
 *     capability step may take away.
 *  2. setgroups, setresgid, setresuid, with PR_SET_KEEPCAPS around them so
 *     that leaving uid 0 keeps the permitted set (it clears effective).
 *  3. Without no_new_privs the kernel lets a process install a filter only
 *     with CAP_SYS_ADMIN in its effective set, so in that case seccomp is
 *     loaded here, with effective raised back to permitted, before the
 *     capabilities are narrowed (runc does the same). The filter must then
 *     allow capset and prctl, which step 4 uses.
 *  4. capabilities: bounding, then effective/permitted/inheritable, then
 *     ambient.
 *  5. no_new_privs.
 *  6. With no_new_privs, seccomp last: the fewer syscalls we make under the
 *     zone's filter, the fewer a profile has to allow for our sake.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/sendfile.h>
#include <sys/stat.h>

#include "isolate.h"

/* Newer than the uapi headers this is built against (Linux 6.3). */
#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U
#endif
#ifndef F_SEAL_EXEC
#define F_SEAL_EXEC 0x0020
#endif

/* ---- rlimits ---------------------------------------------------------- */

static const struct {
	const char *name;
	int resource;
} rlimit_names[] = {
	{"RLIMIT_CPU", RLIMIT_CPU},           {"RLIMIT_FSIZE", RLIMIT_FSIZE},
	{"RLIMIT_DATA", RLIMIT_DATA},         {"RLIMIT_STACK", RLIMIT_STACK},
	{"RLIMIT_CORE", RLIMIT_CORE},         {"RLIMIT_RSS", RLIMIT_RSS},
	{"RLIMIT_NPROC", RLIMIT_NPROC},       {"RLIMIT_NOFILE", RLIMIT_NOFILE},
	{"RLIMIT_MEMLOCK", RLIMIT_MEMLOCK},   {"RLIMIT_AS", RLIMIT_AS},
	{"RLIMIT_LOCKS", RLIMIT_LOCKS},       {"RLIMIT_SIGPENDING", RLIMIT_SIGPENDING},
	{"RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE}, {"RLIMIT_NICE", RLIMIT_NICE},
	{"RLIMIT_RTPRIO", RLIMIT_RTPRIO},     {"RLIMIT_RTTIME", RLIMIT_RTTIME},
};

#define N_RLIMITS (sizeof(rlimit_names) / sizeof(rlimit_names[0]))

int iso_rlimit_from_name(const char *name)
{
	for (size_t i = 0; name && i < N_RLIMITS; i++)
		if (!strcmp(rlimit_names[i].name, name))
			return rlimit_names[i].resource;
	return -1;
}

const char *iso_rlimit_name(int resource)
{
	for (size_t i = 0; i < N_RLIMITS; i++)
		if (rlimit_names[i].resource == resource)
			return rlimit_names[i].name;
	return NULL;
}

#define LIMIT_STR_MAX 24

static const char *limit_str(uint64_t v, char buf[LIMIT_STR_MAX])
{
	if (v == (uint64_t)RLIM_INFINITY)
		return "unlimited";
	snprintf(buf, LIMIT_STR_MAX, "%llu", (unsigned long long)v);
	return buf;
}

static int apply_rlimit(const struct iso_rlimit *r, struct zerr *err)
{
	char b1[LIMIT_STR_MAX], b2[LIMIT_STR_MAX];
	const char *name = iso_rlimit_name(r->resource);
	if (!name)
		return zerr_setx(err, EINVAL, "unknown rlimit %d", r->resource);
	if (r->soft > r->hard)
		return zerr_setx(err, EINVAL, "%s: soft limit %s exceeds the hard limit %s", name,
				 limit_str(r->soft, b1), limit_str(r->hard, b2));
	struct rlimit cur;
	if (getrlimit((__rlimit_resource_t)r->resource, &cur) < 0)
		return zerr_set(err, errno, "%s: read the current limits", name);
	struct rlimit want = {.rlim_cur = r->soft, .rlim_max = r->hard};
	if (setrlimit((__rlimit_resource_t)r->resource, &want) == 0)
		return 0;
	/* Raising a hard limit needs CAP_SYS_RESOURCE; say which limit and
	 * by how much rather than a bare "Operation not permitted". */
	if (errno == EPERM && want.rlim_max > cur.rlim_max)
		return zerr_setx(err, EPERM, "%s: hard limit %s exceeds the host's %s", name,
				 limit_str(r->hard, b1), limit_str(cur.rlim_max, b2));
	return zerr_set(err, errno, "%s: set soft %s hard %s", name, limit_str(r->soft, b1),
			limit_str(r->hard, b2));
}

int iso_apply_rlimits(const struct iso_rlimit *r, size_t n, struct zerr *err)
{
	for (size_t i = 0; i < n; i++) {
		int ret = apply_rlimit(&r[i], err);
		if (ret < 0)
			return ret;
	}
	return 0;
}

/* ---- credentials ---------------------------------------------------------- */

static int set_oom_score_adj(int v, struct zerr *err)
{
	char buf[16];
	int n = snprintf(buf, sizeof(buf), "%d", v);
	int r = write_file("/proc/self/oom_score_adj", buf, (size_t)n, err);
	return r < 0 ? zerr_prefix(err, "oom_score_adj %d", v) : 0;
}

/* In a user namespace whose setgroups is "deny" the call always fails;
 * then an empty list is what the process has already, and not an error. */
static bool setgroups_denied(void)
{
	cleanup_free char *s = NULL;
	return read_file("/proc/self/setgroups", &s, NULL, NULL) == 0 && !strncmp(s, "deny", 4);
}

static int set_ids(const struct iso_process *p, struct zerr *err)
{
	if (setgroups(p->n_groups, p->groups) < 0 &&
	    !(errno == EPERM && p->n_groups == 0 && setgroups_denied()))
		return zerr_set(err, errno, "setgroups (%zu additional gids)", p->n_groups);
	if (setresgid(p->gid, p->gid, p->gid) < 0)
		return zerr_set(err, errno, "setresgid to %u", (unsigned)p->gid);
	if (setresuid(p->uid, p->uid, p->uid) < 0)
		return zerr_set(err, errno, "setresuid to %u", (unsigned)p->uid);
	return 0;
}

static int switch_ids(const struct iso_process *p, struct zerr *err)
{
	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
		return zerr_set(err, errno, "prctl PR_SET_KEEPCAPS");
	int r = set_ids(p, err);
	if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0 && r == 0)
		r = zerr_set(err, errno, "prctl PR_SET_KEEPCAPS");
	return r;
}

/* After leaving uid 0 the effective set is empty; seccomp without
 * no_new_privs needs CAP_SYS_ADMIN in it. */
static int raise_effective(struct zerr *err)
{
	cap_t c = cap_get_proc();
	if (!c)
		return zerr_set(err, errno, "capabilities: read our own");
	int r = 0;
	if (cap_fill(c, CAP_EFFECTIVE, CAP_PERMITTED) < 0 || cap_set_proc(c) < 0)
		r = zerr_set(err, errno, "capabilities: raise effective to permitted");
	cap_free(c);
	return r;
}

int iso_apply_process(const struct iso_process *p, const struct iso_seccomp *sc, int *listener,
		      struct zerr *err)
{
	if (listener)
		*listener = -1;
	int r = iso_apply_rlimits(p->rlimits, p->n_rlimits, err);
	if (r < 0)
		return r;
	if (p->has_oom_score_adj && (r = set_oom_score_adj(p->oom_score_adj, err)) < 0)
		return r;
	if (p->has_umask)
		umask((mode_t)(p->umask & 07777));
	if ((r = switch_ids(p, err)) < 0)
		return r;
	if (sc && !p->no_new_privs) {
		if ((r = raise_effective(err)) < 0 || (r = iso_seccomp_load(sc, listener, err)) < 0)
			return r;
	}
	if ((r = iso_apply_caps(&p->caps, err)) < 0)
		return r;
	if (p->no_new_privs && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return zerr_set(err, errno, "prctl PR_SET_NO_NEW_PRIVS");
	if (sc && p->no_new_privs)
		return iso_seccomp_load(sc, listener, err);
	return 0;
}

void iso_process_free(struct iso_process *p)
{
	if (!p)
		return;
	strv_free(p->args);
	strv_free(p->env);
	free(p->cwd);
	free(p->groups);
	free(p->rlimits);
	p->args = p->env = NULL;
	p->cwd = NULL;
	p->groups = NULL;
	p->rlimits = NULL;
	p->n_groups = p->n_rlimits = 0;
}

/* ---- file descriptors ------------------------------------------------------- */

static int close_around(unsigned from, int keep)
{
	if (keep < 0 || (unsigned)keep < from)
		return close_range(from, ~0U, 0);
	if ((unsigned)keep > from && close_range(from, (unsigned)keep - 1, 0) < 0)
		return -1;
	return close_range((unsigned)keep + 1, ~0U, 0);
}

/* For kernels before 5.9, or a seccomp profile that denies close_range. */
static void close_listed(int from, int keep)
{
	DIR *d = opendir("/proc/self/fd");
	if (!d) {
		long max = sysconf(_SC_OPEN_MAX);
		for (int fd = from; fd < (max > 0 ? max : 1024); fd++)
			if (fd != keep)
				close(fd);
		return;
	}
	struct dirent *de;
	while ((de = readdir(d))) {
		char *end;
		long fd = strtol(de->d_name, &end, 10);
		if (*end || end == de->d_name || fd < from || fd == keep || fd == dirfd(d))
			continue;
		close((int)fd);
	}
	closedir(d);
}

void iso_close_fds_from(int from, int keep)
{
	if (from < 0)
		from = 0;
	if (close_around((unsigned)from, keep) < 0)
		close_listed(from, keep);
}

/* ---- sealed executable ------------------------------------------------------ */

/* MFD_EXEC says outright that the memfd is to be executed: with
 * vm.memfd_noexec=1 a memfd without it is created non-executable. Kernels
 * before 6.3 reject the flag. */
static int exec_memfd(void)
{
	int fd = memfd_create("zinit", MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_EXEC);
	if (fd < 0 && errno == EINVAL)
		fd = memfd_create("zinit", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	return fd;
}

/* vm.memfd_noexec=2 (6.3) refuses every executable memfd, ours too. */
static int memfd_error(struct zerr *err)
{
	if (errno == EACCES)
		return zerr_setx(err, EACCES,
				 "the host's vm.memfd_noexec is 2, which forbids "
				 "executable memfds, and a zone's init runs from one (so that no "
				 "host file backs /proc/1/exe): set vm.memfd_noexec to 0 or 1");
	return zerr_set(err, errno, "memfd");
}

static int copy_all(int dst, int src)
{
	for (;;) {
		ssize_t n = sendfile(dst, src, NULL, 1 << 20);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : 0;
	}
}

/* F_SEAL_EXEC (6.3) also stops a chmod of the copy; older kernels do not
 * know it and get the rest. */
static int seal(int fd)
{
	int seals = F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE;
	if (fcntl(fd, F_ADD_SEALS, seals | F_SEAL_EXEC) == 0)
		return 0;
	if (errno == EINVAL && fcntl(fd, F_ADD_SEALS, seals) == 0)
		return 0;
	return -errno;
}

int iso_sealed_exec_fd(const char *path, struct zerr *err)
{
	cleanup_close int src = open(path, O_RDONLY | O_CLOEXEC);
	if (src < 0)
		return zerr_set(err, errno, "open `%s`", path);
	struct stat st;
	if (fstat(src, &st) < 0)
		return zerr_set(err, errno, "stat `%s`", path);
	if (!S_ISREG(st.st_mode))
		return zerr_setx(err, EACCES, "`%s` is not a regular file", path);
	cleanup_close int fd = exec_memfd();
	if (fd < 0)
		return memfd_error(err), zerr_prefix(err, "a copy of `%s`", path);
	int r = copy_all(fd, src);
	if (r < 0)
		return zerr_set(err, -r, "copy `%s` into a memfd", path);
	r = seal(fd);
	if (r < 0)
		return zerr_set(err, -r, "seal the copy of `%s`", path);
	int ret = fd;
	fd = -1;
	return ret;
}

int iso_sealed_exec_mem(const void *buf, size_t len, struct zerr *err)
{
	cleanup_close int fd = exec_memfd();
	if (fd < 0)
		return memfd_error(err);
	if (write_all(fd, buf, len) < 0)
		return zerr_set(err, errno, "copy init into a memfd");
	int r = seal(fd);
	if (r < 0)
		return zerr_set(err, -r, "seal the init memfd");
	int ret = fd;
	fd = -1;
	return ret;
}
