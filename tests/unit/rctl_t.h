/* rctl_t.h - what the rctl unit tests (test_rctl.c, test_rctl_v2.c)
 * share: every zone is named ut-rctl-<pid>-<test>, every cgroup a test
 * plans and every child it forks is remembered, and teardown() (after
 * each test, and at exit) destroys and reaps them all, so a failing CHECK
 * leaves nothing behind. Children die with us (PR_SET_PDEATHSIG) and we
 * are their subreaper, so even a fork bomb's orphans come back to be
 * reaped. */
#ifndef ZONECTL_RCTL_T_H
#define ZONECTL_RCTL_T_H
/* not every test file uses every helper */
#pragma GCC diagnostic ignored "-Wunused-function"
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <linux/magic.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../rctl/internal.h"
#include "rctl.h"
#include "t.h"

#define MAX_TRACK 16

static struct rctl_cgroup tracked[MAX_TRACK];
static size_t n_tracked;
static pid_t kids[64];
static size_t n_kids;
static char *extra_dirs[64]; /* made by a test around a zone, deepest last */
static size_t n_extra;

static void teardown(void)
{
	for (size_t i = 0; i < n_kids; i++)
		kill(kids[i], SIGKILL);
	for (size_t i = 0; i < n_tracked; i++) {
		rctl_cgroup_destroy(&tracked[i], NULL);
		rctl_cgroup_free(&tracked[i]);
	}
	for (size_t i = 0; i < n_kids; i++)
		waitpid(kids[i], NULL, 0);
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
	for (size_t i = n_extra; i-- > 0;) {
		rmdir(extra_dirs[i]);
		free(extra_dirs[i]);
	}
	n_tracked = n_kids = n_extra = 0;
}

#define RUN_T(fn)           \
	do {                \
		RUN(fn);    \
		teardown(); \
	} while (0)

static void on_signal(int sig)
{
	(void)sig;
	exit(2); /* runs teardown through atexit */
}

/* ---- helpers ------------------------------------------------------------ */

static void zone_name(char *buf, size_t len, const char *what)
{
	snprintf(buf, len, "ut-rctl-%d-%s", (int)getpid(), what);
}

static struct rctl_cgroup *plan(const char *what, const char *parent, struct zerr *err)
{
	char name[128];
	zone_name(name, sizeof(name), what);
	if (n_tracked == MAX_TRACK)
		return NULL;
	struct rctl_cgroup *cg = &tracked[n_tracked];
	if (rctl_cgroup_plan(name, parent, cg, err) < 0)
		return NULL;
	n_tracked++;
	return cg;
}

static struct rctl_cgroup *made(const char *what, const struct rctl_resources *res,
				struct zerr *err)
{
	struct rctl_cgroup *cg = plan(what, NULL, err);
	if (cg && rctl_cgroup_create(cg, res, err) < 0)
		return NULL;
	return cg;
}

static char *slurp(const char *path)
{
	char *s = NULL;
	if (read_file(path, &s, NULL, NULL) < 0)
		return NULL;
	size_t n = strlen(s);
	while (n && (s[n - 1] == '\n' || s[n - 1] == ' '))
		s[--n] = '\0';
	return s;
}

static char *leaf_file(const struct rctl_cgroup *cg, size_t i, const char *f)
{
	cleanup_free char *leaf = rctl_cgroup_path(cg, i);
	return xasprintf("%s/%s", leaf, f);
}

static char *leaf_read(const struct rctl_cgroup *cg, size_t i, const char *f)
{
	cleanup_free char *p = leaf_file(cg, i, f);
	return slurp(p);
}

/* The caller's own cgroup in the hierarchy of `ctl` ("" = cgroup2). */
static char *own_path(const char *ctl)
{
	cleanup_free char *buf = slurp("/proc/self/cgroup");
	for (char *save = NULL, *l = buf ? strtok_r(buf, "\n", &save) : NULL; l;
	     l = strtok_r(NULL, "\n", &save)) {
		char *c1 = strchr(l, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
		if (!c2)
			continue;
		*c2 = '\0';
		struct rctl_hier h = {.controllers = c1 + 1};
		if (*ctl ? rctl_has_ctl(&h, ctl) : !c1[1])
			return xstrdup(c2 + 1);
	}
	return NULL;
}

static ssize_t hier_of(const struct rctl_cgroup *cg, const char *ctl)
{
	for (size_t i = 0; i < cg->n; i++)
		if (*ctl ? !cg->h[i].v2 && rctl_has_ctl(&cg->h[i], ctl) : cg->h[i].v2)
			return (ssize_t)i;
	return -1;
}

static bool v2_only(const struct rctl_cgroup *cg)
{
	for (size_t i = 0; i < cg->n; i++)
		if (rctl_kind(&cg->h[i]) == RCTL_V1)
			return false;
	return hier_of(cg, "") >= 0;
}

static bool pid_in(const char *procs_path, pid_t pid)
{
	cleanup_free char *s = slurp(procs_path);
	for (char *p = s; p && *p;) {
		char *end;
		long v = strtol(p, &end, 10);
		if (end == p)
			break;
		if (v == pid)
			return true;
		p = end;
	}
	return false;
}

static bool procs_empty(const struct rctl_cgroup *cg)
{
	for (size_t i = 0; i < cg->n; i++) {
		cleanup_free char *s = leaf_read(cg, i, "cgroup.procs");
		if (s && *s)
			return false;
	}
	return true;
}

static pid_t sleeper(void)
{
	pid_t pid = fork();
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		for (;;)
			pause();
	}
	if (pid > 0 && n_kids < sizeof(kids) / sizeof(kids[0]))
		kids[n_kids++] = pid;
	return pid;
}

static bool is_dir(const char *p)
{
	struct stat st;
	return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

/* A cgroup v2 host: cgroup2 mounted on /sys/fs/cgroup itself. */
static bool v2_host(void)
{
	struct statfs sf;
	return statfs("/sys/fs/cgroup", &sf) == 0 && sf.f_type == CGROUP2_SUPER_MAGIC;
}

/* Sets up the process as the tests need it; skips everything without root. */
static bool rctl_t_init(const char *prog)
{
	if (geteuid() != 0) {
		printf("skip %s: needs root for cgroups\n", prog);
		return false;
	}
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	atexit(teardown);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGHUP, on_signal);
	return true;
}
#endif
