/* cgroup_v2.c - the zone's cgroup2 directory.
 *
 * On a hybrid host cgroup2 carries no controllers the zone needs: it only
 * tracks the zone's processes (and later holds cgroup-BPF programs), and
 * nothing here writes a cgroup.subtree_control. On a v2-only host the
 * controllers have to be enabled on the way down: in the parent's
 * cgroup.subtree_control and in zonectl/'s. cgroup2's no-internal-process
 * rule refuses that (EBUSY) when the parent itself holds processes, which
 * is the normal case for a shell's session cgroup; the user then has to
 * name a parent without processes (--cgroup-parent).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "internal.h"

static const struct {
	const char *v2, *v1;
} needed[] = {
	{ "cpu", "cpu" }, { "cpuset", "cpuset" }, { "memory", "memory" },
	{ "pids", "pids" }, { "io", "blkio" },
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
static int enable_in(const struct rctl_hier *h, const char *dir,
		     char *const *want, struct zerr *err)
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
	if (!len)
		return 0;
	r = rctl_write(h, dir, "cgroup.subtree_control", add, err);
	if (r == -EBUSY)
		return zerr_setx(err, EBUSY,
				 "cgroup2: cannot enable %s in %s/cgroup.subtree_control: "
				 "that cgroup holds processes itself, and cgroup v2 allows "
				 "no controllers below it then; pass --cgroup-parent with "
				 "a cgroup that has no processes",
				 add, dir);
	return r;
}

static int mkdir_one(const struct rctl_hier *h, const char *dir,
		     struct zerr *err)
{
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		return zerr_set(err, errno, "cgroup %s: mkdir %s", rctl_label(h), dir);
	return 0;
}

/* An override parent may not exist yet: make it level by level, each level
 * passing the controllers down to the next. */
static int make_parent(const struct rctl_hier *h, const char *parent,
		       char *const *want, struct zerr *err)
{
	struct stat st;
	if (stat(parent, &st) == 0)
		return 0;
	cleanup_free char *p = xstrdup(parent);
	size_t len = strlen(p);
	for (size_t k = strlen(h->mount) + 1; k <= len; k++) {
		if (p[k] != '/' && p[k] != '\0')
			continue;
		char c = p[k];
		p[k] = '\0';
		if (stat(p, &st) < 0) {
			cleanup_free char *up = xstrndup(p, (size_t)(strrchr(p, '/') - p));
			int r = enable_in(h, up, want, err);
			if (r < 0 || (r = mkdir_one(h, p, err)) < 0)
				return r;
		}
		p[k] = c;
	}
	return 0;
}

int rctl_v2_make(const struct rctl_cgroup *cg, size_t i, char *const *want,
		 struct zerr *err)
{
	const struct rctl_hier *h = &cg->h[i];
	cleanup_free char *parent = rctl_abs(h, h->parent);
	cleanup_free char *rel_top = rctl_rel_top(cg, i);
	cleanup_free char *top = rctl_abs(h, rel_top);
	cleanup_free char *leaf = rctl_cgroup_path(cg, i);
	int r;
	if (!want[0])
		return rctl_mkdir_leaf(h, top, leaf, err);
	if ((r = make_parent(h, parent, want, err)) < 0 ||
	    (r = enable_in(h, parent, want, err)) < 0 ||
	    (r = mkdir_one(h, top, err)) < 0 ||
	    (r = enable_in(h, top, want, err)) < 0)
		return r;
	return mkdir_one(h, leaf, err);
}
