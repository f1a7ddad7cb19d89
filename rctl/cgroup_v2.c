/* cgroup_v2.c - the zone's cgroup2 directory.
 *
 * On a hybrid host cgroup2 carries no controllers the zone needs: it only
 * tracks the zone's processes (and holds cgroup-BPF programs), and nothing
 * here writes a cgroup.subtree_control. On a v2 host the controllers are
 * enabled on the way down: in the parent only if the plan says zonectl
 * owns it (place_v2.c), then in zonectl/ (always ours), so the leaf gets
 * whatever the parent offers.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "internal.h"

static const struct {
	const char *v2, *v1;
} needed[] = {
	{"cpu", "cpu"},   {"cpuset", "cpuset"}, {"memory", "memory"},
	{"pids", "pids"}, {"io", "blkio"},
};

char **rctl_v2_wanted(const struct rctl_cgroup *cg)
{
	char **want = xcalloc(1, sizeof(char *));
	bool has_v2 = false;
	for (size_t i = 0; i < cg->n; i++)
		has_v2 |= cg->h[i].v2;
	for (size_t k = 0; has_v2 && k < sizeof(needed) / sizeof(needed[0]); k++) {
		bool in_v1 = false;
		for (size_t i = 0; i < cg->n; i++)
			in_v1 |= !cg->h[i].v2 && rctl_has_ctl(&cg->h[i], needed[k].v1);
		if (!in_v1)
			strv_append(&want, needed[k].v2);
	}
	return want;
}

static bool word_in(const char *list, const char *word)
{
	size_t n = strlen(word);
	for (const char *s = list; *s;) {
		s += strspn(s, " \n");
		size_t len = strcspn(s, " \n");
		if (len == n && !strncmp(s, word, n))
			return true;
		s += len;
	}
	return false;
}

/* Enables in dir's cgroup.subtree_control whatever of `want` dir has and
 * has not enabled yet; controllers the host does not give dir are left to
 * the resource code, which reports them only if the zone asks for them. */
static int enable_in(const struct rctl_hier *h, const char *dir, char *const *want,
		     struct zerr *err)
{
	cleanup_free char *avail = NULL, *on = NULL, *add = NULL;
	int r = rctl_read(h, dir, "cgroup.controllers", &avail, err);
	if (r < 0 || (r = rctl_read(h, dir, "cgroup.subtree_control", &on, err)) < 0)
		return r;
	size_t len = 0;
	add = xcalloc(1, 1);
	for (size_t k = 0; want[k]; k++) {
		if (!word_in(avail, want[k]) || word_in(on, want[k]))
			continue;
		add = xrealloc(add, len + strlen(want[k]) + 3);
		len += (size_t)sprintf(add + len, "%s+%s", len ? " " : "", want[k]);
	}
	return len ? rctl_write(h, dir, "cgroup.subtree_control", add, err) : 0;
}

static int mkdir_one(const struct rctl_hier *h, const char *dir, struct zerr *err)
{
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		return zerr_set(err, errno, "%s: mkdir %s", rctl_label(h), dir);
	return 0;
}

static bool movable(const struct rctl_cgroup *cg, pid_t pid)
{
	for (size_t i = 0; i < sizeof(cg->movable) / sizeof(cg->movable[0]); i++)
		if (cg->movable[i] == pid)
			return true;
	return false;
}

/* A delegated parent that still holds processes: if they are all
 * zonectl's own, they move into the leaf zonectl.monitor beside the
 * zones; anyone else's are its owner's to move. */
static int vacate(const struct rctl_cgroup *cg, const struct rctl_hier *h, const char *parent,
		  struct zerr *err)
{
	cleanup_free pid_t *pids = NULL;
	size_t n = 0;
	int r = rctl_read_pids(h, parent, &pids, &n, err);
	for (size_t k = 0; r == 0 && k < n; k++)
		if (!movable(cg, pids[k]))
			return zerr_setx(
				err, EBUSY,
				"cgroup2: %s is delegated to zonectl but holds processes that "
				"are not zonectl's (pid %d): cgroup v2 gives no controllers "
				"below a cgroup with processes, so move them into a leaf "
				"cgroup of their own (systemd's delegation rules), or pass "
				"--cgroup-parent",
				parent, (int)pids[k]);
	cleanup_free char *leaf = xasprintf("%s/%s", parent, RCTL_MONITOR_LEAF);
	if (r == 0)
		r = mkdir_one(h, leaf, err);
	for (size_t k = 0; r == 0 && k < n; k++) {
		char buf[24];
		snprintf(buf, sizeof(buf), "%d", (int)pids[k]);
		r = rctl_write(h, leaf, "cgroup.procs", buf, err);
		if (r == -ESRCH)
			r = 0;
	}
	return r;
}

static int enable_in_parent(const struct rctl_cgroup *cg, const struct rctl_hier *h,
			    const char *parent, char *const *want, struct zerr *err)
{
	struct zerr busy = {0};
	int r = enable_in(h, parent, want, &busy);
	if (r != -EBUSY) {
		if (r < 0)
			*err = busy;
		return r;
	}
	if (!cg->delegated)
		return zerr_setx(err, EBUSY,
				 "cgroup2: cannot enable controllers in %s/cgroup.subtree_control: "
				 "that cgroup holds processes itself; pass --cgroup-parent with a "
				 "cgroup that has none",
				 parent);
	if ((r = vacate(cg, h, parent, err)) < 0)
		return r;
	return enable_in(h, parent, want, err);
}

/* The zone's payload subtree below its leaf, with the controllers the
 * leaf has passed on to it, for the zone's init to manage. */
static int make_payload(const struct rctl_cgroup *cg, const struct rctl_hier *h, const char *leaf,
			char *const *want, struct zerr *err)
{
	if (!cg->payload)
		return 0;
	int r = want[0] ? enable_in(h, leaf, want, err) : 0;
	cleanup_free char *payload = xasprintf("%s/%s", leaf, RCTL_PAYLOAD);
	return r < 0 ? r : mkdir_one(h, payload, err);
}

int rctl_v2_make(const struct rctl_cgroup *cg, size_t i, char *const *want, struct zerr *err)
{
	const struct rctl_hier *h = &cg->h[i];
	cleanup_free char *parent = rctl_abs(h, h->parent);
	cleanup_free char *rel_top = rctl_rel_top(cg, i);
	cleanup_free char *top = rctl_abs(h, rel_top);
	cleanup_free char *leaf = rctl_cgroup_path(cg, i);
	int r;
	if (cg->leaf_name && (r = rctl_v2_make_parents(cg, i, want, err)) < 0)
		return r;
	if (!want[0] || cg->make_parent) {
		if ((r = rctl_mkdir_leaf(h, top, leaf, err)) < 0)
			return r;
		if (!want[0])
			return make_payload(cg, h, leaf, want, err);
	}
	if (cg->own_parent && (r = enable_in_parent(cg, h, parent, want, err)) < 0)
		return r;
	if ((r = mkdir_one(h, top, err)) < 0 || (r = enable_in(h, top, want, err)) < 0 ||
	    (r = mkdir_one(h, leaf, err)) < 0)
		return r;
	return make_payload(cg, h, leaf, want, err);
}

int rctl_v2_make_parents(const struct rctl_cgroup *cg, size_t i, char *const *want,
			 struct zerr *err)
{
	const struct rctl_hier *h = &cg->h[i];
	if (!h->made)
		return 0;
	/* the existing ancestor: the parent's path cut before h->made's last
	 * component */
	cleanup_free char *above = xstrdup(h->made);
	char *cut = strrchr(above, '/');
	*cut = '\0';
	cleanup_free char *dir = rctl_abs(h, above);
	int r = want[0] ? enable_in(h, dir, want, err) : 0;
	cleanup_free char *parent = rctl_abs(h, h->parent);
	size_t len = strlen(dir);
	while (r == 0 && len < strlen(parent)) {
		len += 1 + strcspn(parent + len + 1, "/");
		cleanup_free char *level = xstrndup(parent, len);
		r = mkdir_one(h, level, err);
		if (r == 0 && want[0])
			r = enable_in(h, level, want, err);
	}
	return r;
}

int rctl_v2_tidy(const struct rctl_cgroup *cg, size_t i)
{
	cleanup_free char *parent = rctl_abs(&cg->h[i], cg->h[i].parent);
	cleanup_free char *leaf = xasprintf("%s/%s", parent, RCTL_MONITOR_LEAF);
	return rmdir(leaf) == 0 || errno == ENOENT ? 0 : -errno;
}
