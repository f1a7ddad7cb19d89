/* plan.c - where a zone's cgroup goes, from /proc/self/mountinfo and
 * /proc/self/cgroup, without touching the kernel's cgroups.
 *
 * A zone must never leave the limits of whoever started it, so its cgroup
 * nests beneath the cgroup the caller runs in, separately in each
 * hierarchy: on a hybrid host the caller may sit in memory:/process_api/1e2a
 * but in cpu:/, and the zone then lives at memory:/process_api/1e2a/zonectl/
 * NAME and cpu:/zonectl/NAME. Nothing is ever made at a hierarchy root
 * unless the caller's own cgroup is that root. `parent_override`
 * (--cgroup-parent) replaces the caller's path in every hierarchy at once.
 *
 * On a cgroup v2 host that rule cannot hold (a cgroup with processes
 * gives its children no controllers): place_v2.c chooses the parent there.
 *
 * A v1 mount is matched to its line of /proc/self/cgroup by controllers
 * (the line's controllers all appear in the mount's super options), which
 * also covers named hierarchies and co-mounted ones like cpu,cpuacct
 * without a list of known controller names.
 */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "internal.h"

struct own_line {
	bool v2;
	char *controllers;
	char *path;
	bool used;
};

static void own_lines_free(struct own_line *l, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(l[i].controllers);
		free(l[i].path);
	}
	free(l);
}

static int read_own_cgroups(struct own_line **out, size_t *n, struct zerr *err)
{
	cleanup_free char *buf = NULL;
	int r = read_file("/proc/self/cgroup", &buf, NULL, err);
	if (r < 0)
		return r;
	*out = NULL;
	*n = 0;
	for (char *save = NULL, *line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char *c1 = strchr(line, ':');
		char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
		if (!c2 || c2[1] != '/')
			continue;
		*out = xrealloc(*out, (*n + 1) * sizeof(**out));
		struct own_line *l = &(*out)[(*n)++];
		l->v2 = c1 - line == 1 && line[0] == '0' && c2 == c1 + 1;
		l->controllers = xstrndup(c1 + 1, (size_t)(c2 - c1 - 1));
		l->path = xstrdup(c2 + 1);
		l->used = false;
	}
	return 0;
}

/* mountinfo escapes blanks and backslashes as \ooo */
static void unescape_octal(char *s)
{
	char *d = s;
	while (*s) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' &&
		    s[3] >= '0' && s[3] <= '7') {
			*d++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
			s += 4;
		} else {
			*d++ = *s++;
		}
	}
	*d = '\0';
}

static bool opts_have(const char *opts, const char *tok, size_t len)
{
	for (const char *s = opts; *s;) {
		size_t l = strcspn(s, ",");
		if (l == len && !strncmp(s, tok, len))
			return true;
		s += l + (s[l] == ',');
	}
	return false;
}

/* A v1 mount belongs to the line whose every controller is among the
 * mount's super options ("rw,xattr,name=systemd" holds "name=systemd"). */
static bool v1_line_matches(const struct own_line *l, const char *superopts)
{
	if (l->v2 || !*l->controllers)
		return false;
	for (const char *s = l->controllers; *s;) {
		size_t len = strcspn(s, ",");
		if (!opts_have(superopts, s, len))
			return false;
		s += len + (s[len] == ',');
	}
	return true;
}

/* The caller's path as seen through a mount of `root`: a bind mount of a
 * sub-tree only reaches cgroups below it. NULL if ours is not among them. */
static char *path_below_root(const char *path, const char *root)
{
	size_t rl = strlen(root);
	if (!strcmp(root, "/"))
		return xstrdup(path);
	if (strncmp(path, root, rl) || (path[rl] && path[rl] != '/'))
		return NULL;
	return xstrdup(path[rl] ? path + rl : "/");
}

struct mnt_fields {
	char *root, *mountpoint, *fstype, *superopts;
};

static bool split_mountinfo(char *line, struct mnt_fields *m)
{
	char *f[6] = {0};
	char *save = NULL, *tok = strtok_r(line, " ", &save);
	for (int i = 0; tok && i < 5; i++, tok = strtok_r(NULL, " ", &save))
		f[i] = tok;
	while (tok && strcmp(tok, "-"))
		tok = strtok_r(NULL, " ", &save);
	if (!f[4] || !tok)
		return false;
	m->root = f[3];
	m->mountpoint = f[4];
	m->fstype = strtok_r(NULL, " ", &save);
	(void)strtok_r(NULL, " ", &save);
	m->superopts = strtok_r(NULL, " ", &save);
	if (!m->fstype || !m->superopts)
		return false;
	unescape_octal(m->root);
	unescape_octal(m->mountpoint);
	return true;
}

static void add_hier(struct rctl_cgroup *cg, const struct own_line *l, const char *mount,
		     char *parent)
{
	cg->h = xrealloc(cg->h, (cg->n + 1) * sizeof(*cg->h));
	cg->h[cg->n++] = (struct rctl_hier){
		.controllers = xstrdup(l->v2 ? "" : l->controllers),
		.mount = xstrdup(mount),
		.parent = parent,
		.v2 = l->v2,
	};
}

static void plan_mount(struct rctl_cgroup *cg, struct own_line *lines, size_t n,
		       const struct mnt_fields *m)
{
	bool v2 = !strcmp(m->fstype, "cgroup2");
	if (!v2 && strcmp(m->fstype, "cgroup"))
		return;
	for (size_t i = 0; i < n; i++) {
		struct own_line *l = &lines[i];
		if (l->used || (v2 ? !l->v2 : !v1_line_matches(l, m->superopts)))
			continue;
		char *parent = path_below_root(l->path, m->root);
		if (!parent)
			return;
		l->used = true;
		add_hier(cg, l, m->mountpoint, parent);
		return;
	}
}

static bool valid_zone_name(const char *s)
{
	return s && *s && strcmp(s, ".") && strcmp(s, "..") && !strpbrk(s, "/\n") &&
	       strlen(s) < 256;
}

/* "/machine//x/" -> "/machine/x"; rejects relative paths and "..". */
static char *normalize_parent(const char *p)
{
	if (!p || p[0] != '/' || strchr(p, '\n'))
		return NULL;
	char *out = xmalloc(strlen(p) + 2), *d = out;
	for (const char *s = p; *s;) {
		while (*s == '/')
			s++;
		size_t len = strcspn(s, "/");
		if (!len)
			break;
		if ((len == 1 && s[0] == '.') || (len == 2 && !strncmp(s, "..", 2))) {
			free(out);
			return NULL;
		}
		*d++ = '/';
		memcpy(d, s, len);
		d += len;
		s += len;
	}
	if (d == out)
		*d++ = '/';
	*d = '\0';
	return out;
}

static int plan_hierarchies(struct rctl_cgroup *cg, struct zerr *err)
{
	struct own_line *lines = NULL;
	size_t n = 0;
	cleanup_free char *info = NULL;
	int r = read_own_cgroups(&lines, &n, err);
	if (r < 0)
		return r;
	r = read_file("/proc/self/mountinfo", &info, NULL, err);
	for (char *save = NULL, *line = r < 0 ? NULL : strtok_r(info, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		struct mnt_fields m;
		if (split_mountinfo(line, &m))
			plan_mount(cg, lines, n, &m);
	}
	own_lines_free(lines, n);
	return r;
}

static int plan(const char *name, const char *parent_override, bool delegated,
		struct rctl_cgroup *cg, struct zerr *err)
{
	*cg = (struct rctl_cgroup){0};
	if (!valid_zone_name(name))
		return zerr_setx(err, EINVAL, "zone %s: not a valid cgroup name",
				 name ? name : "(null)");
	cleanup_free char *override = NULL;
	if (parent_override && !(override = normalize_parent(parent_override)))
		return zerr_setx(
			err, EINVAL,
			"zone %s: cgroup parent `%s` must be an absolute path without . or ..",
			name, parent_override);
	cg->zone = xstrdup(name);
	int r = plan_hierarchies(cg, err);
	if (r == 0 && !cg->n)
		r = zerr_setx(err, ENOENT, "no cgroup hierarchy is mounted");
	if (r < 0) {
		rctl_cgroup_free(cg);
		zerr_prefix(err, "zone %s", name);
		return r;
	}
	ssize_t v2 = rctl_cgroup_unified(cg);
	if (delegated && v2 < 0)
		r = zerr_setx(err, ENOTSUP, "the systemd cgroup manager needs a cgroup v2 host");
	if (r == 0 && v2 >= 0)
		r = rctl_place_v2(cg, (size_t)v2, override, delegated, err);
	if (r < 0 || v2 >= 0) {
		if (r < 0) {
			rctl_cgroup_free(cg);
			zerr_prefix(err, "zone %s", name);
		}
		return r;
	}
	cg->make_parent = true;
	for (size_t i = 0; override && i < cg->n; i++) {
		free(cg->h[i].parent);
		cg->h[i].parent = xstrdup(override);
	}
	return 0;
}

int rctl_cgroup_plan(const char *name, const char *parent_override, struct rctl_cgroup *cg,
		     struct zerr *err)
{
	return plan(name, parent_override, false, cg, err);
}

/* The highest missing ancestor of h's parent (the parent included),
 * relative to the mount; NULL when the parent exists. */
static char *first_missing(const struct rctl_hier *h)
{
	cleanup_free char *rel = xstrdup(h->parent);
	char *found = NULL;
	struct stat st;
	while (*rel && strcmp(rel, "/")) {
		cleanup_free char *dir = rctl_abs(h, rel);
		if (stat(dir, &st) == 0)
			break;
		free(found);
		found = xstrdup(rel);
		*strrchr(rel, '/') = '\0';
	}
	return found;
}

int rctl_cgroup_plan_path(const char *name, const char *path, const char *parent_override,
			  struct rctl_cgroup *cg, struct zerr *err)
{
	bool abs = path[0] == '/';
	cleanup_free char *slashed = abs ? xstrdup(path) : xasprintf("/%s", path);
	cleanup_free char *norm = normalize_parent(slashed);
	if (!norm || !strcmp(norm, "/"))
		return zerr_setx(err, EINVAL,
				 "zone %s: config: linux.cgroupsPath `%s`: a cgroup path without "
				 ". or .. (or slice:prefix:name with --systemd-cgroup)",
				 name, path);
	char *base = strrchr(norm, '/');
	*base++ = '\0';
	/* absolute: below the hierarchy's root; relative: below the parent
	 * a zone would get; parents that are missing are made (and noted) */
	int r = plan(name, abs ? "/" : parent_override, false, cg, err);
	for (size_t i = 0; r == 0 && *norm && i < cg->n; i++) {
		const char *p = cg->h[i].parent;
		char *deeper = xasprintf("%s%s", abs || !strcmp(p, "/") ? "" : p, norm);
		free(cg->h[i].parent);
		cg->h[i].parent = deeper;
		cg->h[i].made = first_missing(&cg->h[i]);
	}
	if (r == 0)
		cg->leaf_name = xstrdup(base);
	return r;
}

int rctl_cgroup_plan_delegated(const char *name, const char *unit, struct rctl_cgroup *cg,
			       struct zerr *err)
{
	int r = plan(name, NULL, true, cg, err);
	if (r == 0)
		cg->unit = xstrdup(unit);
	return r;
}

ssize_t rctl_cgroup_unified(const struct rctl_cgroup *cg)
{
	ssize_t v2 = -1;
	for (size_t i = 0; i < cg->n; i++) {
		if (rctl_kind(&cg->h[i]) == RCTL_V1)
			return -1;
		if (cg->h[i].v2)
			v2 = (ssize_t)i;
	}
	return v2;
}
