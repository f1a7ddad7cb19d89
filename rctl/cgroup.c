/* cgroup.c - the life of a zone's cgroup: create, attach, kill, destroy.
 *
 * Who does what. v1 controller hierarchies go through libcgroup (mkdir and
 * control-file writes); named v1 hierarchies (name=systemd), which
 * libcgroup does not know, and cgroup2 are handled with plain file
 * operations. libcgroup is kept off cgroup2 altogether: on a hybrid host it
 * reaches the cgroup2 mount only through hugetlb and leaves "+hugetlb" in
 * the root's cgroup.subtree_control, a change to the whole machine.
 *
 * What is stored. struct rctl_cgroup is all the state there is (the runtime
 * writes it to state.json and reads it back after a crash), so every call
 * below works from the planned paths alone and treats a missing directory
 * as already cleaned up. Where the paths come from is plan.c's business.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "internal.h"

/* A dying process can hold its cgroup busy for a few ms after it has left
 * cgroup.procs. */
#define RMDIR_RETRY_MS 500
#define DESTROY_KILL_MS 5000
/* v1 freezing can stall behind a task in uninterruptible sleep; after this
 * the kill goes ahead unfrozen and the poll loop mops up. */
#define FREEZE_WAIT_MS 200

static const struct rctl_device default_devices[] = {
	{true, 'c', 1, 3, "rwm"},    /* null */
	{true, 'c', 1, 5, "rwm"},    /* zero */
	{true, 'c', 1, 7, "rwm"},    /* full */
	{true, 'c', 1, 8, "rwm"},    /* random */
	{true, 'c', 1, 9, "rwm"},    /* urandom */
	{true, 'c', 5, 0, "rwm"},    /* tty */
	{true, 'c', 5, 1, "rwm"},    /* console */
	{true, 'c', 5, 2, "rwm"},    /* ptmx */
	{true, 'c', 136, -1, "rwm"}, /* pts */
};

const struct rctl_device *rctl_default_devices(size_t *n)
{
	*n = sizeof(default_devices) / sizeof(default_devices[0]);
	return default_devices;
}

/* ---- small shared helpers ----------------------------------------------- */

enum rctl_kind rctl_kind(const struct rctl_hier *h)
{
	if (h->v2)
		return RCTL_V2;
	const char *s = h->controllers;
	while (s && *s) {
		size_t len = strcspn(s, ",");
		if (len && strncmp(s, "name=", 5) != 0)
			return RCTL_V1;
		s += len + (s[len] == ',');
	}
	return RCTL_V1_NAMED;
}

const char *rctl_label(const struct rctl_hier *h)
{
	/* "cgroup memory", "cgroup name=systemd", "cgroup2"; each message
	 * names one hierarchy, so one buffer does */
	static char buf[96];
	if (h->v2)
		return "cgroup2";
	snprintf(buf, sizeof(buf), "cgroup %s", h->controllers);
	return buf;
}

bool rctl_has_ctl(const struct rctl_hier *h, const char *ctl)
{
	size_t n = strlen(ctl);
	for (const char *s = h->controllers; s && *s;) {
		size_t len = strcspn(s, ",");
		if (len == n && !strncmp(s, ctl, n))
			return true;
		s += len + (s[len] == ',');
	}
	return false;
}

/* parent "/" contributes nothing, "/a/b" contributes "a/b/" */
static const char *parent_part(const struct rctl_hier *h, const char **sep)
{
	const char *p = h->parent;
	while (*p == '/')
		p++;
	*sep = *p ? "/" : "";
	return p;
}

char *rctl_rel_top(const struct rctl_cgroup *cg, size_t i)
{
	const char *sep, *p = parent_part(&cg->h[i], &sep);
	return cg->leaf_name ? xstrdup(p) : xasprintf("%s%szonectl", p, sep);
}

char *rctl_rel_leaf(const struct rctl_cgroup *cg, size_t i)
{
	const char *sep, *p = parent_part(&cg->h[i], &sep);
	return cg->leaf_name ? xasprintf("%s%s%s", p, sep, cg->leaf_name)
			     : xasprintf("%s%szonectl/%s", p, sep, cg->zone);
}

char *rctl_abs(const struct rctl_hier *h, const char *rel)
{
	while (*rel == '/')
		rel++;
	return *rel ? xasprintf("%s/%s", h->mount, rel) : xstrdup(h->mount);
}

char *rctl_cgroup_path(const struct rctl_cgroup *cg, size_t i)
{
	if (i >= cg->n)
		return NULL;
	cleanup_free char *rel = rctl_rel_leaf(cg, i);
	return rctl_abs(&cg->h[i], rel);
}

char *rctl_cgroup_home(const struct rctl_cgroup *cg, size_t i)
{
	char *leaf = rctl_cgroup_path(cg, i);
	if (!leaf || !cg->payload)
		return leaf;
	char *home = xasprintf("%s/%s", leaf, RCTL_PAYLOAD);
	free(leaf);
	return home;
}

char **rctl_cgroup_homes(const struct rctl_cgroup *cg)
{
	char **v = xcalloc(cg->n + 1, sizeof(*v));
	for (size_t i = 0; i < cg->n; i++)
		v[i] = rctl_cgroup_home(cg, i);
	return v;
}

char **rctl_cgroup_mount_names(const struct rctl_cgroup *cg)
{
	char **v = xcalloc(cg->n + 1, sizeof(*v));
	for (size_t i = 0; i < cg->n; i++) {
		const char *base = strrchr(cg->h[i].mount, '/');
		v[i] = xstrdup(base && base[1] ? base + 1 : "cgroup");
	}
	return v;
}

int rctl_cgroup_v2_open(const struct rctl_cgroup *cg)
{
	for (size_t i = 0; i < cg->n; i++)
		if (cg->h[i].v2) {
			cleanup_free char *path = rctl_cgroup_home(cg, i);
			return open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		}
	errno = ENOENT;
	return -1;
}

char **rctl_cgroup_proc_lines(const struct rctl_cgroup *cg)
{
	char **v = xcalloc(cg->n + 1, sizeof(*v));
	for (size_t i = 0; i < cg->n; i++) {
		cleanup_free char *rel = rctl_rel_leaf(cg, i);
		v[i] = xasprintf("%s:%s%s", cg->h[i].v2 ? "" : cg->h[i].controllers,
				 rel[0] == '/' ? "" : "/", rel);
	}
	return v;
}

void rctl_kvs_add(struct rctl_kvs *k, const char *file, const char *fmt, ...)
{
	va_list ap;
	char *v;
	va_start(ap, fmt);
	if (vasprintf(&v, fmt, ap) < 0)
		v = NULL;
	va_end(ap);
	k->v = xrealloc(k->v, (k->n + 1) * sizeof(*k->v));
	k->v[k->n].file = xstrdup(file);
	k->v[k->n].value = v ? v : xstrdup("");
	k->n++;
}

void rctl_kvs_free(struct rctl_kvs *k)
{
	for (size_t i = 0; i < k->n; i++) {
		free(k->v[i].file);
		free(k->v[i].value);
	}
	free(k->v);
	k->v = NULL;
	k->n = 0;
}

int rctl_write(const struct rctl_hier *h, const char *dir, const char *file, const char *value,
	       struct zerr *err)
{
	cleanup_free char *path = xasprintf("%s/%s", dir, file);
	cleanup_close int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write_all(fd, value, strlen(value)) < 0)
		return zerr_set(err, errno, "%s: %s = %s", rctl_label(h), file, value);
	return 0;
}

int rctl_read(const struct rctl_hier *h, const char *dir, const char *file, char **out,
	      struct zerr *err)
{
	cleanup_free char *path = xasprintf("%s/%s", dir, file);
	int r = read_file(path, out, NULL, NULL);
	if (r < 0)
		return zerr_set(err, -r, "%s: read %s", rctl_label(h), path);
	size_t n = strlen(*out);
	while (n && isspace((unsigned char)(*out)[n - 1]))
		(*out)[--n] = '\0';
	return 0;
}

bool rctl_file_exists(const char *dir, const char *file)
{
	cleanup_free char *path = xasprintf("%s/%s", dir, file);
	return access(path, F_OK) == 0;
}

int rctl_read_pids(const struct rctl_hier *h, const char *dir, pid_t **pids, size_t *n,
		   struct zerr *err)
{
	cleanup_free char *buf = NULL;
	*pids = NULL;
	*n = 0;
	int r = rctl_read(h, dir, "cgroup.procs", &buf, NULL);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return zerr_set(err, -r, "%s: read %s/cgroup.procs", rctl_label(h), dir);
	size_t cap = 0;
	for (char *s = buf, *end; *s; s = end) {
		long v = strtol(s, &end, 10);
		if (end == s)
			break;
		if (*n == cap)
			*pids = xrealloc(*pids, (cap = cap ? cap * 2 : 16) * sizeof(pid_t));
		(*pids)[(*n)++] = (pid_t)v;
	}
	return 0;
}

/* The processes of dir and of every cgroup below it (a payload subtree
 * that the zone's own init has divided). */
static int read_pids_tree(const struct rctl_hier *h, const char *dir, pid_t **pids, size_t *n,
			  struct zerr *err)
{
	int r = rctl_read_pids(h, dir, pids, n, err);
	DIR *d = r == 0 ? opendir(dir) : NULL;
	struct dirent *de;
	while (d && r == 0 && (de = readdir(d))) {
		if (de->d_type != DT_DIR || de->d_name[0] == '.')
			continue;
		cleanup_free char *sub = xasprintf("%s/%s", dir, de->d_name);
		cleanup_free pid_t *more = NULL;
		size_t m = 0;
		if ((r = read_pids_tree(h, sub, &more, &m, err)) < 0 || !m)
			continue;
		*pids = xrealloc(*pids, (*n + m) * sizeof(pid_t));
		memcpy(*pids + *n, more, m * sizeof(pid_t));
		*n += m;
	}
	if (d)
		closedir(d);
	if (r < 0) {
		free(*pids);
		*pids = NULL;
		*n = 0;
	}
	return r;
}

static bool dir_exists(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static void sleep_us(long us)
{
	struct timespec ts = {us / 1000000, (us % 1000000) * 1000};
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* The caller's messages get the zone in front; err may be NULL (the
 * runtime's best-effort cleanup), so the code is passed through. */
static int zone_fail(const struct rctl_cgroup *cg, int r, struct zerr *err)
{
	zerr_prefix(err, "zone %s", cg->zone);
	return r;
}

/* ---- create / attach ---------------------------------------------------- */

static int check_absent(const struct rctl_cgroup *cg, struct zerr *err)
{
	for (size_t i = 0; i < cg->n; i++) {
		cleanup_free char *leaf = rctl_cgroup_path(cg, i);
		if (dir_exists(leaf))
			return zerr_setx(err, EEXIST,
					 "%s: %s already exists (left over? destroy it first)",
					 rctl_label(&cg->h[i]), leaf);
	}
	return 0;
}

int rctl_mkdir_leaf(const struct rctl_hier *h, const char *top, const char *leaf, struct zerr *err)
{
	int r = 0;
	if (mkdir(top, 0755) < 0 && errno != EEXIST)
		r = errno == ENOENT ? mkdir_p(top, 0755, err)
				    : zerr_set(err, errno, "mkdir %s", top);
	if (r == 0 && mkdir(leaf, 0755) < 0 && errno != EEXIST)
		r = zerr_set(err, errno, "mkdir %s", leaf);
	if (r < 0)
		zerr_prefix(err, "%s", rctl_label(h));
	return r;
}

static int make_once(const struct rctl_cgroup *cg, size_t i, char *const *want, struct zerr *err)
{
	const struct rctl_hier *h = &cg->h[i];
	cleanup_free char *rel = rctl_rel_leaf(cg, i);
	cleanup_free char *rel_top = rctl_rel_top(cg, i);
	cleanup_free char *leaf = rctl_abs(h, rel);
	cleanup_free char *top = rctl_abs(h, rel_top);
	switch (rctl_kind(h)) {
	case RCTL_V1: return rctl_v1_mkdir(h, rel, err);
	case RCTL_V2: return rctl_v2_make(cg, i, want, err);
	case RCTL_V1_NAMED: break;
	}
	/* libcgroup cannot reach named hierarchies ("subsystem not mounted") */
	return rctl_mkdir_leaf(h, top, leaf, err);
}

/* Another zone's destroy may remove an empty zonectl/ between our mkdir of
 * it and of the leaf: one more try makes it again. */
static int make_one(const struct rctl_cgroup *cg, size_t i, char *const *want, struct zerr *err)
{
	int r = make_once(cg, i, want, err);
	return r == -ENOENT ? make_once(cg, i, want, err) : r;
}

static int remove_dirs(const struct rctl_cgroup *cg, struct zerr *err);

int rctl_cgroup_create(const struct rctl_cgroup *cg, const struct rctl_resources *res,
		       struct zerr *err)
{
	int r = check_absent(cg, err);
	if (r < 0)
		return zone_fail(cg, r, err);
	cleanup_strv char **want = rctl_v2_wanted(cg);
	for (size_t i = 0; i < cg->n && r == 0; i++)
		r = make_one(cg, i, want, err);
	for (size_t i = 0; i < cg->n && r == 0; i++) {
		if (rctl_kind(&cg->h[i]) != RCTL_V1 || !rctl_has_ctl(&cg->h[i], "cpuset"))
			continue;
		cleanup_free char *leaf = rctl_cgroup_path(cg, i);
		r = rctl_v1_cpuset_inherit(&cg->h[i], leaf, err);
	}
	if (r == 0)
		r = rctl_apply_resources(cg, res, true, err);
	/* v1 payloads, after the leaf's device list (v1 devices refuses to
	 * change the default of a cgroup with children; a child copies its
	 * parent's list); cgroup2's are made with their controllers above */
	for (size_t i = 0; i < cg->n && r == 0 && cg->payload; i++) {
		if (cg->h[i].v2)
			continue;
		cleanup_free char *home = rctl_cgroup_home(cg, i);
		if (mkdir(home, 0755) < 0)
			r = zerr_set(err, errno, "%s: mkdir %s", rctl_label(&cg->h[i]), home);
		else if (rctl_kind(&cg->h[i]) == RCTL_V1 && rctl_has_ctl(&cg->h[i], "cpuset"))
			r = rctl_v1_cpuset_inherit(&cg->h[i], home, err);
	}
	if (r < 0) {
		/* every leaf was checked absent above, so all of them are ours */
		remove_dirs(cg, NULL);
		return zone_fail(cg, r, err);
	}
	return 0;
}

int rctl_cgroup_apply(const struct rctl_cgroup *cg, const struct rctl_resources *res,
		      struct zerr *err)
{
	bool devices = res && res->n_devices > 0;
	int r = rctl_apply_resources(cg, res, devices, err);
	if (r == 0 && cg->unit)
		r = rctl_systemd_weights(cg->unit, res, err);
	return r < 0 ? zone_fail(cg, r, err) : 0;
}

/* Straight to cgroup.procs: libcgroup's cgroup_attach_task_pid writes the
 * `tasks` file, which moves one thread rather than the whole process. */
int rctl_cgroup_attach(const struct rctl_cgroup *cg, pid_t pid, struct zerr *err)
{
	char buf[32];
	snprintf(buf, sizeof(buf), "%d", (int)pid);
	for (size_t i = 0; i < cg->n; i++) {
		cleanup_free char *home = rctl_cgroup_home(cg, i);
		int r = rctl_write(&cg->h[i], home, "cgroup.procs", buf, err);
		if (r < 0)
			return zone_fail(cg, r, err);
	}
	return 0;
}

/* Where init is in hierarchy i, if that is inside the zone's payload
 * (read from /proc/INIT/cgroup: "ID:controllers:path"); else NULL. */
static char *init_cgroup(const struct rctl_cgroup *cg, size_t i, pid_t init)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/cgroup", (int)init);
	FILE *f = fopen(path, "re");
	if (!f)
		return NULL;
	const struct rctl_hier *h = &cg->h[i];
	cleanup_free char *leaf = rctl_rel_leaf(cg, i);
	cleanup_free char *home = xasprintf("%s%s/%s", leaf[0] == '/' ? "" : "/", leaf,
					    RCTL_PAYLOAD);
	char *line = NULL, *found = NULL;
	size_t cap = 0;
	while (!found && getline(&line, &cap, f) > 0) {
		line[strcspn(line, "\n")] = '\0';
		char *c = strchr(line, ':'), *p = c ? strchr(c + 1, ':') : NULL;
		if (!p)
			continue;
		*p++ = '\0';
		bool mine = h->v2 ? !c[1] : !strcmp(c + 1, h->controllers);
		size_t n = strlen(home);
		if (mine && !strncmp(p, home, n) && (p[n] == '/' || !p[n]) && !strstr(p, "/.."))
			found = rctl_abs(h, p);
	}
	free(line);
	fclose(f);
	return found;
}

char **rctl_cgroup_procs_files(const struct rctl_cgroup *cg, pid_t init)
{
	char **v = xcalloc(cg->n + 1, sizeof(char *));
	for (size_t i = 0; i < cg->n; i++) {
		char *at = cg->payload && init > 0 ? init_cgroup(cg, i, init) : NULL;
		cleanup_free char *dir = at ? at : rctl_cgroup_home(cg, i);
		v[i] = xasprintf("%s/cgroup.procs", dir);
	}
	return v;
}

bool rctl_cgroup_exists(const struct rctl_cgroup *cg)
{
	for (size_t i = 0; i < cg->n; i++) {
		cleanup_free char *leaf = rctl_cgroup_path(cg, i);
		if (dir_exists(leaf))
			return true;
	}
	return false;
}

/* ---- pids / kill / destroy ---------------------------------------------- */

static ssize_t find_hier(const struct rctl_cgroup *cg, const char *ctl)
{
	for (size_t i = 0; i < cg->n; i++)
		if (ctl ? rctl_has_ctl(&cg->h[i], ctl) : cg->h[i].v2)
			return (ssize_t)i;
	return -1;
}

static bool leaf_exists(const struct rctl_cgroup *cg, ssize_t i)
{
	if (i < 0)
		return false;
	cleanup_free char *leaf = rctl_cgroup_path(cg, (size_t)i);
	return dir_exists(leaf);
}

/* cgroup2 tracks every process of the zone even on a hybrid host; pids and
 * freezer are the v1 hierarchies a zone cannot do without. */
static ssize_t pids_source(const struct rctl_cgroup *cg)
{
	const char *order[] = {NULL, "pids", "freezer"};
	for (size_t k = 0; k < sizeof(order) / sizeof(order[0]); k++) {
		ssize_t i = find_hier(cg, order[k]);
		if (leaf_exists(cg, i))
			return i;
	}
	for (size_t i = 0; i < cg->n; i++)
		if (leaf_exists(cg, (ssize_t)i))
			return (ssize_t)i;
	return -1;
}

int rctl_cgroup_pids(const struct rctl_cgroup *cg, pid_t **pids, size_t *n, struct zerr *err)
{
	*pids = NULL;
	*n = 0;
	ssize_t i = pids_source(cg);
	if (i < 0)
		return zone_fail(cg, zerr_setx(err, ENOENT, "cgroup does not exist"), err);
	cleanup_free char *leaf = rctl_cgroup_path(cg, (size_t)i);
	int r = read_pids_tree(&cg->h[i], leaf, pids, n, err);
	return r < 0 ? zone_fail(cg, r, err) : 0;
}

static void kill_all(const pid_t *pids, size_t n)
{
	for (size_t k = 0; k < n; k++)
		if (pids[k] > 0)
			kill(pids[k], SIGKILL);
}

/* v1 has no cgroup.kill: freeze so that nothing forks between reading
 * cgroup.procs and the kills, then thaw so the kills are delivered. */
static void freeze_kill_thaw(const struct rctl_hier *h, const char *leaf, int timeout_ms)
{
	if (rctl_write(h, leaf, "freezer.state", "FROZEN", NULL) < 0)
		return;
	uint64_t deadline = now_ns() + (uint64_t)timeout_ms * 1000000ull;
	for (long us = 100;; us = us < 5000 ? us * 2 : us) {
		cleanup_free char *state = NULL;
		if (rctl_read(h, leaf, "freezer.state", &state, NULL) < 0 ||
		    !strcmp(state, "FROZEN") || now_ns() > deadline)
			break;
		sleep_us(us);
	}
	cleanup_free pid_t *pids = NULL;
	size_t n = 0;
	if (read_pids_tree(h, leaf, &pids, &n, NULL) == 0)
		kill_all(pids, n);
	rctl_write(h, leaf, "freezer.state", "THAWED", NULL);
}

static void start_kill(const struct rctl_cgroup *cg, int timeout_ms)
{
	ssize_t i = find_hier(cg, NULL);
	if (i >= 0) {
		cleanup_free char *leaf = rctl_cgroup_path(cg, (size_t)i);
		if (rctl_file_exists(leaf, "cgroup.kill") &&
		    rctl_write(&cg->h[i], leaf, "cgroup.kill", "1", NULL) == 0)
			return;
	}
	i = find_hier(cg, "freezer");
	if (i >= 0) {
		cleanup_free char *leaf = rctl_cgroup_path(cg, (size_t)i);
		freeze_kill_thaw(&cg->h[i], leaf,
				 timeout_ms < FREEZE_WAIT_MS ? timeout_ms : FREEZE_WAIT_MS);
	}
}

/* One pass over the hierarchies not yet seen empty. Whatever is still
 * listed gets SIGKILL: a process may sit in some hierarchies only (an
 * attach that failed halfway), where cgroup.kill did not reach it. A pid
 * read from our own leaf belongs to the zone; to hit a stranger instead,
 * that process would have to exit, be reaped and its pid be handed out
 * again in the microseconds between the read and the kill. */
static int sweep(const struct rctl_cgroup *cg, bool *done, struct zerr *err)
{
	int busy = 0;
	for (size_t i = 0; i < cg->n; i++) {
		if (done[i])
			continue;
		cleanup_free char *leaf = rctl_cgroup_path(cg, i);
		cleanup_free pid_t *pids = NULL;
		size_t n = 0;
		int r = read_pids_tree(&cg->h[i], leaf, &pids, &n, err);
		if (r < 0)
			return r;
		if (!n)
			done[i] = true;
		kill_all(pids, n);
		busy += n > 0;
	}
	return busy;
}

int rctl_cgroup_kill(const struct rctl_cgroup *cg, int timeout_ms, struct zerr *err)
{
	if (!rctl_cgroup_exists(cg))
		return 0;
	start_kill(cg, timeout_ms);
	cleanup_free bool *done = xcalloc(cg->n, sizeof(bool));
	uint64_t deadline = now_ns() + (uint64_t)(timeout_ms > 0 ? timeout_ms : 0) * 1000000ull;
	for (long us = 100;; us = us < 10000 ? us * 2 : us) {
		int r = sweep(cg, done, err);
		if (r < 0)
			return zone_fail(cg, r, err);
		if (r == 0)
			return 0;
		if (now_ns() > deadline)
			return zone_fail(
				cg,
				zerr_setx(err, ETIMEDOUT,
					  "cgroup: processes still running %d ms after SIGKILL",
					  timeout_ms),
				err);
		sleep_us(us);
	}
}

/* Plain rmdir, also on v1: libcgroup's delete first moves any task it
 * finds into the parent, which would let a process that joined the zone
 * late escape into zonectl/; rmdir fails with EBUSY instead. */
static int rmdir_leaf(const struct rctl_hier *h, const char *leaf, struct zerr *err)
{
	uint64_t deadline = now_ns() + RMDIR_RETRY_MS * 1000000ull;
	for (long us = 100;; us = us < 5000 ? us * 2 : us) {
		if (rmdir(leaf) == 0 || errno == ENOENT)
			return 0;
		if (errno != EBUSY || now_ns() > deadline)
			return zerr_set(err, errno, "%s: rmdir %s", rctl_label(h), leaf);
		sleep_us(us);
	}
}

/* The leaf and, first, whatever the zone's init made below it. */
static int rmdir_tree(const struct rctl_hier *h, const char *dir, struct zerr *err)
{
	int r = 0;
	DIR *d = opendir(dir);
	struct dirent *de;
	while (d && r == 0 && (de = readdir(d))) {
		if (de->d_type != DT_DIR || de->d_name[0] == '.')
			continue;
		cleanup_free char *sub = xasprintf("%s/%s", dir, de->d_name);
		r = rmdir_tree(h, sub, err);
	}
	if (d)
		closedir(d);
	return r < 0 ? r : rmdir_leaf(h, dir, err);
}

/* zonectl/ goes when the last zone under it does; another zone's leaf
 * keeps it (ENOTEMPTY on cgroup2, EBUSY on v1). */
static int rmdir_top(const struct rctl_cgroup *cg, size_t i, struct zerr *err)
{
	if (cg->leaf_name) { /* a cgroupsPath's parents: only those made for it */
		const struct rctl_hier *h = &cg->h[i];
		cleanup_free char *rel = h->made ? xstrdup(h->parent) : NULL;
		size_t stop = h->made ? strlen(h->made) : 0;
		while (rel && strlen(rel) >= stop) {
			cleanup_free char *dir = rctl_abs(h, rel);
			if (rmdir(dir) < 0)
				break;
			*strrchr(rel, '/') = '\0';
		}
		return 0;
	}
	cleanup_free char *rel = rctl_rel_top(cg, i);
	cleanup_free char *top = rctl_abs(&cg->h[i], rel);
	if (rmdir(top) == 0 || errno == ENOENT || errno == ENOTEMPTY || errno == EBUSY)
		return 0;
	return zerr_set(err, errno, "%s: rmdir %s", rctl_label(&cg->h[i]), top);
}

static int remove_dirs(const struct rctl_cgroup *cg, struct zerr *err)
{
	int first = 0;
	for (size_t i = 0; i < cg->n; i++) {
		cleanup_free char *leaf = rctl_cgroup_path(cg, i);
		int r = rmdir_tree(&cg->h[i], leaf, first ? NULL : err);
		if (r == 0)
			r = rmdir_top(cg, i, first ? NULL : err);
		if (r < 0 && !first)
			first = r;
	}
	return first;
}

int rctl_cgroup_destroy(const struct rctl_cgroup *cg, struct zerr *err)
{
	int r = rctl_cgroup_kill(cg, DESTROY_KILL_MS, err);
	if (r < 0)
		return r;
	r = remove_dirs(cg, err);
	rctl_cgroup_tidy(cg);
	return r < 0 ? zone_fail(cg, r, err) : 0;
}

/* The monitor leaf of a delegated parent goes when its last monitor has
 * exited, which the monitor itself cannot see: halt and repair call this
 * after it is gone. Busy or absent is fine. */
void rctl_cgroup_tidy(const struct rctl_cgroup *cg)
{
	for (size_t i = 0; i < cg->n; i++)
		if (cg->h[i].v2)
			rctl_v2_tidy(cg, i);
}

void rctl_cgroup_free(struct rctl_cgroup *cg)
{
	if (!cg)
		return;
	for (size_t i = 0; i < cg->n; i++) {
		free(cg->h[i].controllers);
		free(cg->h[i].mount);
		free(cg->h[i].parent);
		free(cg->h[i].made);
	}
	free(cg->h);
	free(cg->zone);
	free(cg->leaf_name);
	free(cg->unit);
	*cg = (struct rctl_cgroup){0};
}
