/* test_rctl_v2.c - where a zone's cgroup goes on a cgroup v2 host
 * (rctl/place_v2.c), against the real cgroup2 tree: run in the v2 test VM
 * (tests/vm), where this process sits in a login session's cgroup, as a
 * shell would. Skips on any other host. */
#include <sched.h>
#include <sys/mount.h>
#include <sys/xattr.h>

#include "rctl_t.h"

#define ROOT "/sys/fs/cgroup"

/* A cgroup the test makes under the root (removed by teardown). */
static char *scratch(const char *what)
{
	char *rel = xasprintf("/ut-rctl-%d-%s", (int)getpid(), what);
	cleanup_free char *dir = xasprintf(ROOT "%s", rel);
	if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
		free(rel);
		return NULL;
	}
	extra_dirs[n_extra++] = xstrdup(dir);
	return rel;
}

static bool write_str(const char *path, const char *s)
{
	cleanup_close int fd = open(path, O_WRONLY | O_CLOEXEC);
	return fd >= 0 && write(fd, s, strlen(s)) == (ssize_t)strlen(s);
}

static bool join(const char *rel, pid_t pid)
{
	cleanup_free char *procs = xasprintf(ROOT "%s/cgroup.procs", rel);
	char buf[24];
	snprintf(buf, sizeof(buf), "%d", (int)pid);
	return write_str(procs, buf);
}

static bool has_word(const char *list, const char *w)
{
	size_t n = strlen(w);
	for (const char *s = list; s && (s = strstr(s, w)); s += n)
		if ((s == list || s[-1] == ' ') && (s[n] == ' ' || s[n] == '\0' || s[n] == '\n'))
			return true;
	return false;
}

/* Runs fn in a child (so that moving it between cgroups leaves the test's
 * own process where it is); the child's exit status is the result. */
static int in_child(int (*fn)(const char *), const char *arg)
{
	pid_t pid = fork();
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		_exit(fn(arg));
	}
	int status;
	if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

#define NEED_V2()                                     \
	do {                                          \
		if (!v2_host())                       \
			SKIP("not a cgroup v2 host"); \
	} while (0)

/* From a session's cgroup, which holds processes (this one), on a host
 * without systemd: the zone goes to /zonectl/NAME at the root, with every
 * controller the root has, and the session's cgroup is left as it was. */
static void test_zone_goes_beside_a_busy_caller_to_the_root(void)
{
	NEED_V2();
	struct zerr err = {0};
	cleanup_free char *own = own_path("");
	if (!own || !strcmp(own, "/") || rctl_systemd_booted())
		SKIP("needs a caller in a cgroup of its own, on a host without systemd");
	cleanup_free char *own_dir = xasprintf(ROOT "%s", own);
	cleanup_free char *before = slurp(xasprintf("%s/cgroup.subtree_control", own_dir));
	struct rctl_resources res = {.has_mem_limit = true,
				     .mem_limit = 64 << 20,
				     .has_pids_limit = true,
				     .pids_limit = 10,
				     .has_cpu_shares = true,
				     .cpu_shares = 512};
	struct rctl_cgroup *cg = made("busy", &res, &err);
	CHECK_MSG(cg, "%s", err.msg);
	CHECK_MSG(!strcmp(cg->h[0].parent, "/"), "parent %s", cg->h[0].parent);
	cleanup_free char *path = rctl_cgroup_path(cg, 0);
	cleanup_free char *want = xasprintf(ROOT "/zonectl/%s", cg->zone);
	CHECK_MSG(!strcmp(path, want), "%s", path);
	cleanup_free char *mem = leaf_read(cg, 0, "memory.max");
	cleanup_free char *pids = leaf_read(cg, 0, "pids.max");
	cleanup_free char *weight = leaf_read(cg, 0, "cpu.weight");
	CHECK(mem && !strcmp(mem, "67108864"));
	CHECK(pids && !strcmp(pids, "10"));
	CHECK_MSG(weight && !strcmp(weight, "20"), "cpu.weight %s", weight);
	cleanup_free char *after = slurp(xasprintf("%s/cgroup.subtree_control", own_dir));
	CHECK(!before == !after && (!before || !strcmp(before, after)));
	CHECK_MSG(rctl_cgroup_destroy(cg, &err) == 0, "%s", err.msg);
	CHECK(!is_dir(path));
}

/* --cgroup-parent must exist, be a domain and hold no processes; a bad
 * one is an error that says which, and nothing is made. */
static void test_override_must_be_a_usable_cgroup(void)
{
	NEED_V2();
	struct zerr err = {0};
	struct rctl_cgroup cg;
	cleanup_free char *missing = xasprintf("/ut-rctl-%d-missing", (int)getpid());
	CHECK(rctl_cgroup_plan("x", missing, &cg, &err) == -ENOENT);
	CHECK_MSG(strstr(err.msg, "does not exist") && strstr(err.msg, "zone x"), "%s", err.msg);
	CHECK(rctl_cgroup_plan("x", "/../x", &cg, &err) == -EINVAL);

	cleanup_free char *busy = scratch("busyp");
	CHECK(busy);
	pid_t pid = sleeper();
	CHECK(join(busy, pid));
	CHECK(rctl_cgroup_plan("x", busy, &cg, &err) == -EBUSY);
	CHECK_MSG(strstr(err.msg, "holds processes"), "%s", err.msg);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	n_kids = 0;

	cleanup_free char *dom = scratch("dom");
	CHECK(dom);
	cleanup_free char *thr_rel = xasprintf("%s/t", dom);
	cleanup_free char *thr = xasprintf(ROOT "%s", thr_rel);
	CHECK(mkdir(thr, 0755) == 0);
	extra_dirs[n_extra++] = xstrdup(thr);
	CHECK(write_str(xasprintf("%s/cgroup.type", thr), "threaded"));
	CHECK(rctl_cgroup_plan("x", thr_rel, &cg, &err) == -EINVAL);
	CHECK_MSG(strstr(err.msg, "threaded") && strstr(err.msg, "domain"), "%s", err.msg);

	cleanup_free char *left = xasprintf(ROOT "%s/zonectl", busy);
	CHECK(!is_dir(left));
}

/* An override zonectl does not own: it enables nothing in it; what it
 * does not pass down is an error only for a limit that needs it, naming
 * the controller, the key and the parent. */
static void test_override_parent_keeps_its_owners_controllers(void)
{
	NEED_V2();
	struct zerr err = {0};
	cleanup_free char *p = scratch("owned");
	CHECK(p);
	cleanup_free char *ctl = xasprintf(ROOT "%s/cgroup.subtree_control", p);
	CHECK(write_str(ctl, "+pids"));
	extra_dirs[n_extra++] = xasprintf(ROOT "%s/zonectl", p);
	struct rctl_cgroup *cg = plan("owned", p, &err);
	CHECK_MSG(cg, "%s", err.msg);
	CHECK(!cg->own_parent && !cg->delegated);
	struct rctl_resources pids = {.has_pids_limit = true, .pids_limit = 7};
	CHECK_MSG(rctl_cgroup_create(cg, &pids, &err) == 0, "%s", err.msg);
	cleanup_free char *v = leaf_read(cg, 0, "pids.max");
	CHECK(v && !strcmp(v, "7"));
	cleanup_free char *after = slurp(ctl);
	CHECK_MSG(after && !strcmp(after, "pids"), "%s", after);
	struct rctl_resources mem = {.has_mem_limit = true, .mem_limit = 1 << 30};
	CHECK(rctl_cgroup_apply(cg, &mem, &err) == -EOPNOTSUPP);
	CHECK_MSG(strstr(err.msg, "memory controller") && strstr(err.msg, "memory=") &&
			  strstr(err.msg, p),
		  "%s", err.msg);
	/* accounting goes on with what is there */
	struct rctl_usage u;
	CHECK_MSG(rctl_cgroup_usage(cg, &u, &err) == 0, "%s", err.msg);
	CHECK(u.has_pids && u.pids_limit == 7);
}

/* In a delegated cgroup holding only the caller: the caller (zonectl's
 * own process) moves into zonectl.monitor, the controllers come down to
 * the zone. Exit status: 0 or the failing step. */
static int delegated_child(const char *d)
{
	struct zerr err = {0};
	if (!join(d, getpid()))
		return 10;
	struct rctl_cgroup cg;
	if (rctl_cgroup_plan("ut-rctl-deleg", NULL, &cg, &err) < 0) {
		fprintf(stderr, "plan: %s\n", err.msg);
		return 11;
	}
	if (strcmp(cg.h[0].parent, d) || !cg.delegated || !cg.own_parent)
		return 12;
	cg.movable[0] = getpid();
	struct rctl_resources res = {.has_mem_limit = true, .mem_limit = 32 << 20};
	if (rctl_cgroup_create(&cg, &res, &err) < 0) {
		fprintf(stderr, "create: %s\n", err.msg);
		return 13;
	}
	cleanup_free char *self = slurp("/proc/self/cgroup");
	cleanup_free char *want = xasprintf("0::%s/zonectl.monitor", d);
	if (!self || strcmp(self, want))
		return 14;
	cleanup_free char *mem = leaf_read(&cg, 0, "memory.max");
	if (!mem || strcmp(mem, "33554432"))
		return 15;
	int r = rctl_cgroup_destroy(&cg, &err) < 0 ? 16 : 0;
	rctl_cgroup_free(&cg);
	return r;
}

static void test_delegated_caller_moves_itself_and_places_zones_beside(void)
{
	NEED_V2();
	cleanup_free char *d = scratch("deleg");
	CHECK(d);
	cleanup_free char *dir = xasprintf(ROOT "%s", d);
	extra_dirs[n_extra++] = xasprintf("%s/zonectl", dir);
	extra_dirs[n_extra++] = xasprintf("%s/zonectl.monitor", dir);
	if (setxattr(dir, "trusted.delegate", "1", 1, 0) < 0)
		SKIP("cgroup2 takes no trusted.* xattr here");
	int r = in_child(delegated_child, d);
	CHECK_MSG(r == 0, "child step %d", r);
	/* the monitor's leaf goes once the last monitor is gone */
	struct rctl_hier h = {.controllers = "", .mount = ROOT, .parent = d, .v2 = true};
	struct rctl_cgroup cg = {.zone = "x", .h = &h, .n = 1};
	rctl_cgroup_tidy(&cg);
	cleanup_free char *mon = xasprintf("%s/zonectl.monitor", dir);
	CHECK(!is_dir(mon));
}

/* ... but processes that are not zonectl's stay, and the boot says so. */
static int delegated_busy_child(const char *d)
{
	struct zerr err = {0};
	if (!join(d, getpid()))
		return 10;
	struct rctl_cgroup cg;
	if (rctl_cgroup_plan("ut-rctl-deleg2", NULL, &cg, &err) < 0)
		return 11;
	cg.movable[0] = getpid();
	int r = rctl_cgroup_create(&cg, NULL, &err);
	rctl_cgroup_free(&cg);
	if (r != -EBUSY || !strstr(err.msg, "not zonectl's")) {
		fprintf(stderr, "create: %d %s\n", r, err.msg);
		return 12;
	}
	return 0;
}

static void test_delegated_cgroup_with_strangers_is_refused(void)
{
	NEED_V2();
	cleanup_free char *d = scratch("deleg2");
	CHECK(d);
	cleanup_free char *dir = xasprintf(ROOT "%s", d);
	if (setxattr(dir, "trusted.delegate", "1", 1, 0) < 0)
		SKIP("cgroup2 takes no trusted.* xattr here");
	pid_t stranger = sleeper();
	CHECK(join(d, stranger));
	int r = in_child(delegated_busy_child, d);
	CHECK_MSG(r == 0, "child step %d", r);
	cleanup_free char *top = xasprintf("%s/zonectl", dir);
	cleanup_free char *mon = xasprintf("%s/zonectl.monitor", dir);
	CHECK(!is_dir(mon));
	if (is_dir(top))
		extra_dirs[n_extra++] = xstrdup(top);
	cleanup_free char *procs = slurp(xasprintf("%s/cgroup.procs", dir));
	char buf[24];
	snprintf(buf, sizeof(buf), "%d", (int)stranger);
	CHECK_MSG(procs && strstr(procs, buf), "the stranger moved: %s", procs);
}

/* The root of a cgroup namespace that is not the host's (a container's)
 * is delegated to whoever runs in it. */
static int cgroupns_child(const char *d)
{
	struct zerr err = {0};
	if (!join(d, getpid()))
		return 10;
	if (unshare(CLONE_NEWNS | CLONE_NEWCGROUP) < 0 ||
	    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
	    /* the same superblock cannot be stacked on itself: replace it,
	     * as a container's runtime mounts the namespace's own */
	    umount2(ROOT, MNT_DETACH) < 0 || mount("cgroup2", ROOT, "cgroup2", 0, NULL) < 0) {
		perror("cgroup namespace");
		return 11;
	}
	struct rctl_cgroup cg;
	if (rctl_cgroup_plan("ut-rctl-ns", NULL, &cg, &err) < 0)
		return 12;
	if (strcmp(cg.h[0].parent, "/") || !cg.delegated)
		return 13;
	cg.movable[0] = getpid();
	if (rctl_cgroup_create(&cg, NULL, &err) < 0) {
		fprintf(stderr, "create: %s\n", err.msg);
		return 14;
	}
	cleanup_free char *self = slurp("/proc/self/cgroup");
	int r = self && !strcmp(self, "0::/zonectl.monitor") ? 0 : 15;
	if (rctl_cgroup_destroy(&cg, &err) < 0)
		r = 16;
	rctl_cgroup_free(&cg);
	return r;
}

static void test_cgroup_namespace_root_is_delegated(void)
{
	NEED_V2();
	cleanup_free char *d = scratch("ns");
	CHECK(d);
	extra_dirs[n_extra++] = xasprintf(ROOT "%s/zonectl", d);
	extra_dirs[n_extra++] = xasprintf(ROOT "%s/zonectl.monitor", d);
	int r = in_child(cgroupns_child, d);
	CHECK_MSG(r == 0, "child step %d", r);
}

/* A freeze returns once cgroup.events says every task has stopped. */
static void test_freeze_waits_for_frozen(void)
{
	NEED_V2();
	struct zerr err = {0};
	struct rctl_cgroup *cg = made("freeze", NULL, &err);
	CHECK_MSG(cg, "%s", err.msg);
	pid_t spinner = fork();
	if (spinner == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		for (volatile unsigned long i = 0;; i++)
			;
	}
	kids[n_kids++] = spinner;
	CHECK_MSG(rctl_cgroup_attach(cg, spinner, &err) == 0, "%s", err.msg);
	CHECK_MSG(rctl_cgroup_freeze(cg, true, &err) == 0, "%s", err.msg);
	cleanup_free char *ev = leaf_read(cg, 0, "cgroup.events");
	CHECK_MSG(ev && strstr(ev, "frozen 1"), "%s", ev);
	CHECK(rctl_cgroup_frozen(cg));
	CHECK_MSG(rctl_cgroup_freeze(cg, false, &err) == 0, "%s", err.msg);
	CHECK(!rctl_cgroup_frozen(cg));
}

/* Controllers are what a parent passes down; a v2 host's root must not
 * lose any of them to zonectl's making and unmaking. */
static void test_root_controllers_stay_enabled(void)
{
	NEED_V2();
	struct zerr err = {0};
	cleanup_free char *before = slurp(ROOT "/cgroup.subtree_control");
	struct rctl_cgroup *cg = made("rootctl", NULL, &err);
	CHECK_MSG(cg, "%s", err.msg);
	CHECK_MSG(rctl_cgroup_destroy(cg, &err) == 0, "%s", err.msg);
	cleanup_free char *after = slurp(ROOT "/cgroup.subtree_control");
	CHECK(before && after);
	for (const char *c = before; *c;) {
		size_t len = strcspn(c, " ");
		cleanup_free char *w = xstrndup(c, len);
		CHECK_MSG(has_word(after, w), "lost %s: %s", w, after);
		c += len + (c[len] == ' ');
	}
}

int main(void)
{
	if (!rctl_t_init("test_rctl_v2"))
		return 0;
	RUN_T(test_zone_goes_beside_a_busy_caller_to_the_root);
	RUN_T(test_override_must_be_a_usable_cgroup);
	RUN_T(test_override_parent_keeps_its_owners_controllers);
	RUN_T(test_delegated_caller_moves_itself_and_places_zones_beside);
	RUN_T(test_delegated_cgroup_with_strangers_is_refused);
	RUN_T(test_cgroup_namespace_root_is_delegated);
	RUN_T(test_freeze_waits_for_frozen);
	RUN_T(test_root_controllers_stay_enabled);
	T_EXIT();
}
