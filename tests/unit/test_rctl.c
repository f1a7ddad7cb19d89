/* test_rctl.c - rctl/ against this host's real cgroups (rctl_t.h has the
 * bookkeeping that leaves nothing behind); the rules only a cgroup v2 host
 * has are test_rctl_v2.c's. */
#include <inttypes.h>
#include <sys/sysmacros.h>

#include "rctl_t.h"

/* ---- plan --------------------------------------------------------------- */

static void test_default_devices_are_the_zone_dev(void)
{
	size_t n;
	const struct rctl_device *d = rctl_default_devices(&n);
	CHECK(n == 9);
	CHECK(d[0].type == 'c' && d[0].major == 1 && d[0].minor == 3);
	CHECK(d[8].major == 136 && d[8].minor == -1 && !strcmp(d[8].access, "rwm"));
	for (size_t i = 0; i < n; i++)
		CHECK(d[i].allow);
}

static void test_plan_nests_under_callers_cgroup(void)
{
	struct zerr err = {0};
	if (v2_host())
		SKIP("cgroup v2 places zones by other rules (test_rctl_v2)");
	struct rctl_cgroup *cg = plan("plan", NULL, &err);
	CHECK_MSG(cg, "%s", err.msg);
	CHECK(cg->n > 0);
	for (size_t i = 0; i < cg->n; i++) {
		const struct rctl_hier *h = &cg->h[i];
		cleanup_free char *own = own_path(h->v2 ? "" : h->controllers);
		cleanup_free char *path = rctl_cgroup_path(cg, i);
		CHECK_MSG(own && !strcmp(own, h->parent), "%s: own %s parent %s", rctl_label(h),
			  own, h->parent);
		cleanup_free char *want = xasprintf("%s%s/zonectl/%s", h->mount,
						    strcmp(own, "/") ? own : "", cg->zone);
		CHECK_MSG(!strcmp(path, want), "%s != %s", path, want);
	}
	CHECK(rctl_cgroup_path(cg, cg->n) == NULL);
	ssize_t m = hier_of(cg, "memory");
	if (m >= 0) {
		cleanup_free char *own = own_path("memory");
		cleanup_free char *path = rctl_cgroup_path(cg, (size_t)m);
		CHECK(strstr(path, own));
	}
	CHECK(!rctl_cgroup_exists(cg));
}

static void test_plan_parent_override_replaces_every_parent(void)
{
	struct zerr err = {0};
	/* on cgroup v2 the override must exist: test_rctl_v2 */
	struct rctl_cgroup *cg = v2_host() ? NULL : plan("ovr", "/machine.slice//ut/", &err);
	CHECK_MSG(cg || v2_host(), "%s", err.msg);
	for (size_t i = 0; cg && i < cg->n; i++) {
		CHECK(!strcmp(cg->h[i].parent, "/machine.slice/ut"));
		cleanup_free char *path = rctl_cgroup_path(cg, i);
		cleanup_free char *want = xasprintf("%s/machine.slice/ut/zonectl/%s",
						    cg->h[i].mount, cg->zone);
		CHECK(!strcmp(path, want));
	}
	struct rctl_cgroup bad;
	CHECK(rctl_cgroup_plan("x", "relative", &bad, &err) == -EINVAL);
	CHECK(rctl_cgroup_plan("x", "/a/../b", &bad, &err) == -EINVAL);
	CHECK(rctl_cgroup_plan("a/b", NULL, &bad, &err) == -EINVAL);
	CHECK(rctl_cgroup_plan("..", NULL, &bad, &err) == -EINVAL);
	CHECK(strstr(err.msg, "zone .."));
}

/* An OCI cgroupsPath is the leaf itself: absolute below the root,
 * relative below the parent a zone would get; no zonectl/ between. */
static void test_plan_path_is_the_leaf_itself(void)
{
	struct zerr err = {0};
	struct rctl_cgroup cg;
	if (v2_host())
		SKIP("on cgroup v2 the path's parent must exist (oci.sh covers it in the VM)");
	CHECK_MSG(rctl_cgroup_plan_path("c1", "/kubepods//pod1/ctr", NULL, &cg, &err) == 0, "%s",
		  err.msg);
	for (size_t i = 0; i < cg.n; i++) {
		cleanup_free char *path = rctl_cgroup_path(&cg, i);
		cleanup_free char *want = xasprintf("%s/kubepods/pod1/ctr", cg.h[i].mount);
		CHECK_MSG(!strcmp(path, want), "%s != %s", path, want);
	}
	rctl_cgroup_free(&cg);
	CHECK(rctl_cgroup_plan_path("c1", "pod2/ctr", NULL, &cg, &err) == 0);
	for (size_t i = 0; i < cg.n; i++) {
		cleanup_free char *own = own_path(cg.h[i].v2 ? "" : cg.h[i].controllers);
		cleanup_free char *path = rctl_cgroup_path(&cg, i);
		cleanup_free char *want = xasprintf("%s%s/pod2/ctr", cg.h[i].mount,
						    strcmp(own, "/") ? own : "");
		CHECK_MSG(!strcmp(path, want), "%s != %s", path, want);
	}
	rctl_cgroup_free(&cg);
	CHECK(rctl_cgroup_plan_path("c1", "/a/../b", NULL, &cg, &err) == -EINVAL);
	CHECK(strstr(err.msg, "linux.cgroupsPath `/a/../b`"));
	CHECK(rctl_cgroup_plan_path("c1", "/", NULL, &cg, &err) == -EINVAL);
}

/* ---- create ------------------------------------------------------------- */

static void test_create_makes_every_hierarchy(void)
{
	struct zerr err = {0};
	struct rctl_cgroup *cg = made("create", NULL, &err);
	CHECK_MSG(cg, "%s", err.msg);
	for (size_t i = 0; i < cg->n; i++) {
		cleanup_free char *path = rctl_cgroup_path(cg, i);
		CHECK_MSG(is_dir(path), "%s", path);
	}
	CHECK(rctl_cgroup_exists(cg));
	ssize_t c = hier_of(cg, "cpuset");
	if (c >= 0) {
		cleanup_free char *cpus = leaf_read(cg, (size_t)c, "cpuset.cpus");
		cleanup_free char *mems = leaf_read(cg, (size_t)c, "cpuset.mems");
		CHECK(cpus && *cpus && mems && *mems);
	}
	ssize_t d = hier_of(cg, "devices");
	if (d >= 0) {
		cleanup_free char *list = leaf_read(cg, (size_t)d, "devices.list");
		CHECK_MSG(list && !strcmp(list,
					  "c 1:3 rwm\nc 1:5 rwm\nc 1:7 rwm\nc 1:8 rwm\nc 1:9 rwm\n"
					  "c 5:0 rwm\nc 5:1 rwm\nc 5:2 rwm\nc 136:* rwm"),
			  "devices.list:\n%s", list);
	}
}

static void test_create_refuses_an_existing_cgroup(void)
{
	struct zerr err = {0};
	struct rctl_cgroup *cg = made("twice", NULL, &err);
	CHECK_MSG(cg, "%s", err.msg);
	CHECK(rctl_cgroup_create(cg, NULL, &err) == -EEXIST);
	CHECK_MSG(strstr(err.msg, cg->zone) && strstr(err.msg, "already exists"), "%s", err.msg);
	CHECK(rctl_cgroup_exists(cg)); /* the failed create left ours alone */
}

static void test_create_failure_leaves_nothing(void)
{
	struct zerr err = {0};
	struct rctl_cgroup *cg = plan("fail", NULL, &err);
	CHECK_MSG(cg, "%s", err.msg);
	struct rctl_resources res = {
		.has_pids_limit = true, .pids_limit = 5, .has_cpu_period = true, .cpu_period = 1};
	CHECK(rctl_cgroup_create(cg, &res, &err) < 0);
	CHECK(!rctl_cgroup_exists(cg));
}

static void test_hybrid_leaves_cgroup2_subtree_control_alone(void)
{
	struct zerr err = {0};
	struct rctl_cgroup *cg = plan("subtree", NULL, &err);
	CHECK_MSG(cg, "%s", err.msg);
	ssize_t u = hier_of(cg, "");
	if (u < 0 || v2_only(cg))
		SKIP("not a hybrid host with cgroup2");
	cleanup_free char *own = own_path("");
	cleanup_free char *ctl = xasprintf("%s%s/cgroup.subtree_control", cg->h[u].mount,
					   strcmp(own, "/") ? own : "");
	cleanup_free char *before = slurp(ctl);
	CHECK(rctl_cgroup_create(cg, NULL, &err) == 0);
	cleanup_free char *during = slurp(ctl);
	CHECK(rctl_cgroup_destroy(cg, &err) == 0);
	cleanup_free char *after = slurp(ctl);
	CHECK(before && during && after);
	CHECK_MSG(!strcmp(before, during) && !strcmp(before, after), "%s: `%s` -> `%s` -> `%s`",
		  ctl, before, during, after);
}

/* ---- attach / pids ------------------------------------------------------ */

static void test_attach_puts_child_in_every_hierarchy(void)
{
	struct zerr err = {0};
	struct rctl_cgroup *cg = made("attach", NULL, &err);
	CHECK_MSG(cg, "%s", err.msg);
	pid_t pid = sleeper();
	CHECK(pid > 0);
	CHECK_MSG(rctl_cgroup_attach(cg, pid, &err) == 0, "%s", err.msg);
	cleanup_strv char **files = rctl_cgroup_procs_files(cg, pid);
	CHECK(strv_len(files) == cg->n);
	for (size_t i = 0; i < cg->n; i++)
		CHECK_MSG(pid_in(files[i], pid), "%d not in %s", (int)pid, files[i]);
	cleanup_free pid_t *pids = NULL;
	size_t n = 0;
	CHECK_MSG(rctl_cgroup_pids(cg, &pids, &n, &err) == 0, "%s", err.msg);
	CHECK(n == 1 && pids[0] == pid);
	CHECK(rctl_cgroup_attach(cg, 999999999, &err) < 0);
	CHECK_MSG(strstr(err.msg, "cgroup.procs = 999999999"), "%s", err.msg);
}

/* A system zone's processes live in payload/, and its init divides that
 * (as systemd makes init.scope there): joins follow init, counts and
 * kills reach the whole subtree, destroy removes it. */
static void test_payload_subtree_is_the_zones_to_divide(void)
{
	struct zerr err = {0};
	struct rctl_cgroup *cg = plan("payload", NULL, &err);
	CHECK_MSG(cg, "%s", err.msg);
	cg->payload = true;
	CHECK_MSG(rctl_cgroup_create(cg, NULL, &err) == 0, "%s", err.msg);
	pid_t pid = sleeper();
	CHECK_MSG(rctl_cgroup_attach(cg, pid, &err) == 0, "%s", err.msg);
	char buf[24];
	snprintf(buf, sizeof(buf), "%d", (int)pid);
	for (size_t i = 0; i < cg->n; i++) {
		cleanup_free char *home = rctl_cgroup_home(cg, i);
		cleanup_free char *procs = xasprintf("%s/cgroup.procs", home);
		CHECK_MSG(pid_in(procs, pid), "%d not in %s", (int)pid, procs);
		/* what the zone's init does: a child, and itself into it */
		cleanup_free char *scope = xasprintf("%s/init.scope", home);
		CHECK(mkdir(scope, 0755) == 0);
		const char *inherit[] = {"cpuset.cpus", "cpuset.mems"};
		for (size_t k = 0; k < 2; k++) {
			cleanup_free char *from = xasprintf("%s/%s", home, inherit[k]);
			cleanup_free char *v = slurp(from);
			cleanup_free char *to = xasprintf("%s/%s", scope, inherit[k]);
			if (v && *v && access(to, F_OK) == 0)
				CHECK(write_file(to, v, strlen(v), NULL) == 0);
		}
		cleanup_free char *scope_procs = xasprintf("%s/cgroup.procs", scope);
		CHECK_MSG(write_file(scope_procs, buf, strlen(buf), NULL) == 0, "%s", scope_procs);
	}
	cleanup_strv char **files = rctl_cgroup_procs_files(cg, pid);
	for (size_t i = 0; i < cg->n; i++)
		CHECK_MSG(strstr(files[i], "/payload/init.scope/cgroup.procs"), "join %s",
			  files[i]);
	cleanup_free pid_t *pids = NULL;
	size_t n = 0;
	CHECK_MSG(rctl_cgroup_pids(cg, &pids, &n, &err) == 0, "%s", err.msg);
	CHECK(n == 1 && pids[0] == pid);
	CHECK_MSG(rctl_cgroup_destroy(cg, &err) == 0, "%s", err.msg);
	CHECK(!rctl_cgroup_exists(cg));
}

/* ---- resources ---------------------------------------------------------- */

/* The file that holds a setting on this host, v1 name or cgroup2 name. */
static char *setting(const struct rctl_cgroup *cg, const char *v1ctl, const char *v1file,
		     const char *v2file)
{
	ssize_t i = hier_of(cg, v1ctl);
	if (i >= 0)
		return leaf_read(cg, (size_t)i, v1file);
	i = hier_of(cg, "");
	return i >= 0 ? leaf_read(cg, (size_t)i, v2file) : NULL;
}

static void test_resources_are_applied(void)
{
	struct zerr err = {0};
	struct rctl_resources res = {
		.has_mem_limit = true,
		.mem_limit = 64 << 20,
		.has_pids_limit = true,
		.pids_limit = 10,
		.has_cpu_shares = true,
		.cpu_shares = 512,
		.has_cpu_quota = true,
		.cpu_quota = 50000,
		.has_cpu_period = true,
		.cpu_period = 100000,
	};
	struct rctl_cgroup *cg = made("res", &res, &err);
	CHECK_MSG(cg, "%s", err.msg);
	cleanup_free char *mem = setting(cg, "memory", "memory.limit_in_bytes", "memory.max");
	cleanup_free char *pids = setting(cg, "pids", "pids.max", "pids.max");
	cleanup_free char *shares = setting(cg, "cpu", "cpu.shares", "cpu.weight");
	cleanup_free char *quota = setting(cg, "cpu", "cpu.cfs_quota_us", "cpu.max");
	CHECK_MSG(mem && !strcmp(mem, "67108864"), "memory: %s", mem);
	CHECK_MSG(pids && !strcmp(pids, "10"), "pids: %s", pids);
	if (hier_of(cg, "cpu") >= 0) {
		CHECK_MSG(shares && !strcmp(shares, "512"), "shares: %s", shares);
		CHECK_MSG(quota && !strcmp(quota, "50000"), "quota: %s", quota);
	} else {
		CHECK_MSG(shares && !strcmp(shares, "20"), "weight: %s", shares);
		CHECK_MSG(quota && !strcmp(quota, "50000 100000"), "cpu.max: %s", quota);
	}
	/* a live update changes only what it names */
	struct rctl_resources up = {.has_pids_limit = true,
				    .pids_limit = -1,
				    .has_mem_limit = true,
				    .mem_limit = 128 << 20};
	CHECK_MSG(rctl_cgroup_apply(cg, &up, &err) == 0, "%s", err.msg);
	cleanup_free char *pids2 = setting(cg, "pids", "pids.max", "pids.max");
	cleanup_free char *mem2 = setting(cg, "memory", "memory.limit_in_bytes", "memory.max");
	cleanup_free char *shares2 = setting(cg, "cpu", "cpu.shares", "cpu.weight");
	CHECK(pids2 && !strcmp(pids2, "max"));
	CHECK(mem2 && !strcmp(mem2, "134217728"));
	CHECK(shares2 && !strcmp(shares2, shares));
}

static void test_swap_follows_the_memory_limit(void)
{
	struct zerr err = {0};
	struct rctl_cgroup *cg = made("swap", NULL, &err);
	CHECK_MSG(cg, "%s", err.msg);
	ssize_t m = hier_of(cg, "memory");
	if (m < 0)
		SKIP("no v1 memory hierarchy");
	cleanup_free char *memsw = leaf_file(cg, (size_t)m, "memory.memsw.limit_in_bytes");
	struct rctl_resources res = {.has_mem_limit = true,
				     .mem_limit = 64 << 20,
				     .has_mem_swap = true,
				     .mem_swap = 96 << 20};
	if (access(memsw, F_OK) < 0) {
		CHECK(rctl_cgroup_apply(cg, &res, &err) == -EOPNOTSUPP);
		CHECK_MSG(strstr(err.msg, "swap accounting is not enabled on this host"), "%s",
			  err.msg);
		return;
	}
	/* up from unlimited, then down below the old limit: both orders */
	CHECK_MSG(rctl_cgroup_apply(cg, &res, &err) == 0, "%s", err.msg);
	res.mem_limit = 16 << 20;
	res.mem_swap = 32 << 20;
	CHECK_MSG(rctl_cgroup_apply(cg, &res, &err) == 0, "%s", err.msg);
	cleanup_free char *sw = slurp(memsw);
	CHECK_MSG(sw && !strcmp(sw, "33554432"), "memsw: %s", sw);
	res.mem_swap = 8 << 20;
	CHECK(rctl_cgroup_apply(cg, &res, &err) == -EINVAL);
	CHECK_MSG(strstr(err.msg, "memory+swap"), "%s", err.msg);
}

static void test_apply_error_names_file_and_value(void)
{
	struct zerr err = {0};
	struct rctl_cgroup *cg = made("errmsg", NULL, &err);
	CHECK_MSG(cg, "%s", err.msg);
	struct rctl_resources res = {.has_cpu_period = true, .cpu_period = 1};
	CHECK(rctl_cgroup_apply(cg, &res, &err) < 0);
	cleanup_free char *want = xasprintf(
		hier_of(cg, "cpu") >= 0
			? "zone %s: cgroup cpu: cpu.cfs_period_us = 1: Invalid argument"
			: "zone %s: cgroup2: cpu.max = max 1: Invalid argument",
		cg->zone);
	CHECK_MSG(!strcmp(err.msg, want), "`%s` != `%s`", err.msg, want);
	CHECK(err.code == EINVAL);
}

/* The child joins the zone and forks until the kernel says no: itself
 * plus four children fill pids.max = 5. */
static void test_pids_max_stops_a_fork_bomb(void)
{
	struct zerr err = {0};
	struct rctl_resources res = {.has_pids_limit = true, .pids_limit = 5};
	struct rctl_cgroup *cg = made("forkbomb", &res, &err);
	CHECK_MSG(cg, "%s", err.msg);
	int go[2];
	CHECK(pipe2(go, O_CLOEXEC) == 0);
	pid_t pid = fork();
	if (pid == 0) {
		char c;
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		close(go[1]);
		if (read(go[0], &c, 1) != 1)
			_exit(3);
		for (int i = 0; i < 50; i++) {
			pid_t k = fork();
			if (k == 0) {
				for (;;)
					pause();
			}
			if (k < 0)
				_exit(errno == EAGAIN && i == 4 ? 0 : 2);
		}
		_exit(1);
	}
	CHECK(pid > 0);
	kids[n_kids++] = pid;
	close(go[0]);
	int r = rctl_cgroup_attach(cg, pid, &err);
	(void)!write(go[1], "x", 1);
	close(go[1]);
	CHECK_MSG(r == 0, "%s", err.msg);
	int status;
	CHECK(waitpid(pid, &status, 0) == pid);
	n_kids--;
	CHECK_MSG(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		  "child status %#x (1: no EAGAIN, 2: wrong errno or count)", status);
	CHECK_MSG(rctl_cgroup_kill(cg, 2000, &err) == 0, "%s", err.msg);
	CHECK(procs_empty(cg));
}

/* ---- kill / destroy ----------------------------------------------------- */

static void check_killed(pid_t *pids, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int status;
		CHECK(waitpid(pids[i], &status, 0) == pids[i]);
		CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	}
}

static void test_kill_empties_every_hierarchy(void)
{
	struct zerr err = {0};
	struct rctl_cgroup *cg = made("kill", NULL, &err);
	CHECK_MSG(cg, "%s", err.msg);
	pid_t pids[3];
	for (int i = 0; i < 3; i++) {
		CHECK((pids[i] = sleeper()) > 0);
		CHECK_MSG(rctl_cgroup_attach(cg, pids[i], &err) == 0, "%s", err.msg);
	}
	CHECK_MSG(rctl_cgroup_kill(cg, 2000, &err) == 0, "%s", err.msg);
	CHECK(procs_empty(cg));
	n_kids = 0;
	check_killed(pids, 3);
}

/* Without cgroup2 (or its cgroup.kill) the v1 freezer does the work. */
static void test_kill_through_the_v1_freezer(void)
{
	struct zerr err = {0};
	struct rctl_cgroup *cg = made("freezer", NULL, &err);
	CHECK_MSG(cg, "%s", err.msg);
	ssize_t f = hier_of(cg, "freezer");
	if (f < 0)
		SKIP("no v1 freezer hierarchy");
	pid_t pids[2];
	for (int i = 0; i < 2; i++) {
		CHECK((pids[i] = sleeper()) > 0);
		CHECK(rctl_cgroup_attach(cg, pids[i], &err) == 0);
	}
	struct rctl_hier v1[MAX_TRACK];
	struct rctl_cgroup only_v1 = {.zone = cg->zone, .h = v1};
	for (size_t i = 0; i < cg->n && only_v1.n < MAX_TRACK; i++)
		if (!cg->h[i].v2)
			v1[only_v1.n++] = cg->h[i];
	CHECK_MSG(rctl_cgroup_kill(&only_v1, 2000, &err) == 0, "%s", err.msg);
	cleanup_free char *state = leaf_read(cg, (size_t)f, "freezer.state");
	CHECK_MSG(state && !strcmp(state, "THAWED"), "%s", state);
	n_kids = 0;
	check_killed(pids, 2);
	CHECK(procs_empty(cg));
}

static void test_destroy_leaves_no_directory(void)
{
	struct zerr err = {0};
	struct rctl_cgroup *cg = made("destroy", NULL, &err);
	CHECK_MSG(cg, "%s", err.msg);
	pid_t pid = sleeper();
	CHECK(pid > 0 && rctl_cgroup_attach(cg, pid, &err) == 0);
	CHECK_MSG(rctl_cgroup_destroy(cg, &err) == 0, "%s", err.msg);
	for (size_t i = 0; i < cg->n; i++) {
		cleanup_free char *path = rctl_cgroup_path(cg, i);
		CHECK_MSG(!is_dir(path), "%s is still there", path);
	}
	CHECK(!rctl_cgroup_exists(cg));
	CHECK_MSG(rctl_cgroup_destroy(cg, &err) == 0, "%s", err.msg);
	CHECK(rctl_cgroup_kill(cg, 100, &err) == 0);
	n_kids = 0;
	check_killed(&pid, 1);
}

static void test_destroy_of_a_never_made_cgroup_is_fine(void)
{
	struct zerr err = {0};
	struct rctl_cgroup *cg = plan("never", v2_host() ? NULL : "/ut-rctl-nowhere", &err);
	CHECK_MSG(cg, "%s", err.msg);
	CHECK_MSG(rctl_cgroup_destroy(cg, &err) == 0, "%s", err.msg);
	pid_t *pids = NULL;
	size_t n;
	CHECK(rctl_cgroup_pids(cg, &pids, &n, &err) == -ENOENT);
	CHECK(n == 0 && !pids);
}

/* The override is the same path in every hierarchy; taken below the
 * memory cgroup we run in, the zone still nests inside our memory limit.
 * Directories the create makes above zonectl/ are the test's to remove. */
static void test_parent_override_creates_below_it(void)
{
	struct zerr err = {0};
	if (v2_host())
		SKIP("on cgroup v2 an override parent must exist (test_rctl_v2)");
	cleanup_free char *own = own_path("memory");
	if (!own)
		own = xstrdup("/");
	cleanup_free char *parent = xasprintf("%s/ut-rctl-ovr-%d", strcmp(own, "/") ? own : "",
					      (int)getpid());
	struct rctl_cgroup *cg = plan("ovr", parent, &err);
	CHECK_MSG(cg, "%s", err.msg);
	for (size_t i = 0; i < cg->n; i++) {
		cleanup_free char *p = xasprintf("%s%s", cg->h[i].mount, parent);
		for (char *s = p + strlen(cg->h[i].mount) + 1; s; s = strchr(s + 1, '/')) {
			char c = *s;
			*s = '\0';
			if (*p && !is_dir(p) && n_extra < 64)
				extra_dirs[n_extra++] = xstrdup(p);
			*s = c;
		}
		if (!is_dir(p) && n_extra < 64)
			extra_dirs[n_extra++] = xstrdup(p);
	}
	CHECK_MSG(rctl_cgroup_create(cg, NULL, &err) == 0, "%s", err.msg);
	for (size_t i = 0; i < cg->n; i++) {
		cleanup_free char *path = rctl_cgroup_path(cg, i);
		CHECK(strstr(path, parent) && is_dir(path));
	}
	pid_t pid = sleeper();
	CHECK_MSG(rctl_cgroup_attach(cg, pid, &err) == 0, "%s", err.msg);
	CHECK(rctl_cgroup_destroy(cg, &err) == 0);
}

/* ---- cgroup2 devices ---------------------------------------------------- */

static const char *unlisted_char_device(void)
{
	static const char *cands[] = {"/dev/kmsg", "/dev/mem", "/dev/port", "/dev/loop-control"};
	for (size_t i = 0; i < sizeof(cands) / sizeof(cands[0]); i++) {
		struct stat st;
		if (stat(cands[i], &st) == 0 && S_ISCHR(st.st_mode))
			return cands[i];
	}
	return NULL;
}

/* Child joins only the cgroup2 leaf, opens two devices and reports which
 * worked: bit 0 = /dev/null, bit 1 = the other one. */
static int probe_devices(const char *v2procs, const char *other)
{
	pid_t pid = fork();
	if (pid == 0) {
		char buf[32];
		int fd = open(v2procs, O_WRONLY);
		snprintf(buf, sizeof(buf), "%d", (int)getpid());
		if (fd < 0 || write(fd, buf, strlen(buf)) < 0)
			_exit(100);
		close(fd);
		int bits = 0, a = open("/dev/null", O_RDONLY), b = open(other, O_RDONLY);
		bits |= a >= 0 ? 1 : 0;
		bits |= b >= 0 ? 2 : 0;
		_exit(bits);
	}
	int status;
	if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

/* cgroup-BPF works on this hybrid host's cgroup2 too, so the v2-only
 * device filter can be tried for real: attached to the zone's cgroup2
 * directory it must pass the zone's /dev and refuse the rest, and a second
 * program must replace the first. */
static void test_bpf_device_filter_allows_only_the_list(void)
{
	struct zerr err = {0};
	size_t n_def;
	const struct rctl_device *def = rctl_default_devices(&n_def);
	int fd = rctl_bpf_devices_load(def, n_def, &err);
	CHECK_MSG(fd >= 0, "%s", err.msg);
	close(fd);
	struct rctl_cgroup *cg = made("bpf", NULL, &err);
	CHECK_MSG(cg, "%s", err.msg);
	ssize_t u = hier_of(cg, "");
	const char *other = unlisted_char_device();
	if (u < 0 || !other)
		SKIP("no cgroup2 mount or no unlisted device to probe");
	cleanup_free char *leaf = rctl_cgroup_path(cg, (size_t)u);
	cleanup_free char *procs = xasprintf("%s/cgroup.procs", leaf);
	cleanup_close int dfd = open(leaf, O_RDONLY | O_DIRECTORY);
	CHECK(dfd >= 0);
	CHECK_MSG(rctl_bpf_devices(dfd, def, n_def, &err) == 0, "%s", err.msg);
	CHECK_MSG(probe_devices(procs, other) == 1, "defaults: %d", probe_devices(procs, other));
	struct rctl_device deny_null[] = {
		{true, 'a', -1, -1, "rwm"},
		{false, 'c', 1, 3, "rwm"},
	};
	CHECK_MSG(rctl_bpf_devices(dfd, deny_null, 2, &err) == 0, "%s", err.msg);
	CHECK_MSG(probe_devices(procs, other) == 2, "deny null: %d", probe_devices(procs, other));
	struct rctl_device read_only[] = {{true, 'c', 1, 3, "r"}};
	CHECK(rctl_bpf_devices(dfd, read_only, 1, &err) == 0);
	CHECK(probe_devices(procs, other) == 1);
	struct rctl_device bad[] = {{true, 'x', 1, 3, "rwm"}};
	CHECK(rctl_bpf_devices_load(bad, 1, &err) == -EINVAL);
}

/* The zone's cgroup2 entry alone is what a v2-only host without
 * controllers to spare looks like: the v2 code makes the directories
 * (also an override parent that does not exist yet), enables nothing that
 * is not there, puts the device filter on as a BPF program and says which
 * controller is missing when a resource needs one. */
static void test_cgroup2_alone_takes_the_v2_path(void)
{
	struct zerr err = {0};
	cleanup_free char *own = own_path("");
	cleanup_free char *parent = xasprintf("/ut-rctl-v2p-%d/a", (int)getpid());
	if (!own || strcmp(own, "/"))
		SKIP("we do not run in the cgroup2 root");
	struct rctl_cgroup *cg = plan("v2path", parent, &err);
	CHECK_MSG(cg, "%s", err.msg);
	ssize_t u = hier_of(cg, "");
	const char *other = unlisted_char_device();
	if (u < 0 || !other)
		SKIP("no cgroup2 mount or no unlisted device to probe");
	cleanup_free char *top = xasprintf("%s/ut-rctl-v2p-%d", cg->h[u].mount, (int)getpid());
	cleanup_free char *ctl = xasprintf("%s/cgroup.subtree_control", cg->h[u].mount);
	cleanup_free char *before = slurp(ctl);
	extra_dirs[n_extra++] = xstrdup(top);
	extra_dirs[n_extra++] = xasprintf("%s/a", top);
	struct rctl_cgroup v2 = {.zone = cg->zone, .h = &cg->h[u], .n = 1, .make_parent = true};
	CHECK_MSG(rctl_cgroup_create(&v2, NULL, &err) == 0, "%s", err.msg);
	cleanup_free char *leaf = rctl_cgroup_path(&v2, 0);
	cleanup_free char *procs = xasprintf("%s/cgroup.procs", leaf);
	CHECK(is_dir(leaf));
	CHECK_MSG(probe_devices(procs, other) == 1, "%d", probe_devices(procs, other));
	struct rctl_resources res = {.has_mem_limit = true, .mem_limit = 1 << 30};
	CHECK(rctl_cgroup_apply(&v2, &res, &err) == -EOPNOTSUPP);
	CHECK_MSG(strstr(err.msg, "no memory controller"), "%s", err.msg);
	CHECK_MSG(rctl_cgroup_destroy(&v2, &err) == 0, "%s", err.msg);
	CHECK(!is_dir(leaf));
	cleanup_free char *after = slurp(ctl);
	CHECK(before && after && !strcmp(before, after));
}

int main(void)
{
	if (!rctl_t_init("test_rctl"))
		return 0;

	RUN_T(test_default_devices_are_the_zone_dev);
	RUN_T(test_plan_nests_under_callers_cgroup);
	RUN_T(test_plan_parent_override_replaces_every_parent);
	RUN_T(test_plan_path_is_the_leaf_itself);
	RUN_T(test_create_makes_every_hierarchy);
	RUN_T(test_create_refuses_an_existing_cgroup);
	RUN_T(test_create_failure_leaves_nothing);
	RUN_T(test_hybrid_leaves_cgroup2_subtree_control_alone);
	RUN_T(test_attach_puts_child_in_every_hierarchy);
	RUN_T(test_payload_subtree_is_the_zones_to_divide);
	RUN_T(test_resources_are_applied);
	RUN_T(test_swap_follows_the_memory_limit);
	RUN_T(test_apply_error_names_file_and_value);
	RUN_T(test_pids_max_stops_a_fork_bomb);
	RUN_T(test_kill_empties_every_hierarchy);
	RUN_T(test_kill_through_the_v1_freezer);
	RUN_T(test_destroy_leaves_no_directory);
	RUN_T(test_destroy_of_a_never_made_cgroup_is_fine);
	RUN_T(test_parent_override_creates_below_it);
	RUN_T(test_bpf_device_filter_allows_only_the_list);
	RUN_T(test_cgroup2_alone_takes_the_v2_path);
	T_EXIT();
}
